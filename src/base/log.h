/* SPDX-License-Identifier: MIT */
/*
 * Logging for the agent (STYLE.md §6): the journal when stderr is connected to it, stderr
 * otherwise. Library code returns errors; the caller that handles one logs it once.
 * Never pass secrets or decrypted frames to these functions.
 */
#pragma once

#include <errno.h>
#include <syslog.h>

extern int log_max_level;

void log_open(void);
__attribute__((format(printf, 3, 4))) int log_full_errno(int level, int error, const char *fmt, ...);

#define log_full(level, ...) ((void)log_full_errno((level), 0, __VA_ARGS__))
#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)
/* Return -abs(error) so callers can `return log_error_errno(r, "...: %m");` (%m = error). */
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
