/* SPDX-License-Identifier: MIT */
/* latchkey-sim: logging to stderr, "latchkey-sim: " prefixed; debug only with --verbose. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "prog.h"

bool prog_verbose;

__attribute__((format(printf, 1, 0))) static void vlog(const char *fmt, va_list ap)
{
        fputs("latchkey-sim: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

void prog_log(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vlog(fmt, ap);
        va_end(ap);
}

void prog_debug(const char *fmt, ...)
{
        va_list ap;

        if (!prog_verbose)
                return;
        va_start(ap, fmt);
        vlog(fmt, ap);
        va_end(ap);
}

int prog_log_errno(int error, const char *fmt, ...)
{
        va_list ap;

        fputs("latchkey-sim: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, ": %s\n", strerror(error < 0 ? -error : error));
        return error;
}
