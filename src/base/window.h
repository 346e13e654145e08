/* SPDX-License-Identifier: MIT */
/*
 * Windows that can open: the agent's rules for a code's window on top of the lock's own
 * (lk_keypad_code_check, spec §9.3), the same for every entry point (code add/update/import,
 * grants import, the upstream; docs/grants.md "Windows"). The lock itself would take a window
 * that opens for no time, or one that ended last year, and report the write verified: we do not
 * write a code nobody can use.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "latchkey/wire.h"

enum window_problem {
        WINDOW_OK = 0,
        WINDOW_EMPTY,        /* from == until: open for no time at all */
        WINDOW_DAILY_EMPTY,  /* a daily window whose ends are equal (00:00-00:00 is the whole day) */
        WINDOW_NO_WEEKDAY,   /* from..until (under a week) holds none of its weekdays, in any zone */
        WINDOW_ENDED,        /* until <= now: it can never open again */
        WINDOW_OUT_OF_RANGE, /* a date outside TIME_SUPPORTED_MIN..MAX (timefmt.h) */
};

/*
 * Check a window that already passed the lock's rules. now > 0 also refuses a window that has
 * wholly ended (code add/update/import); now <= 0 leaves that out (a bookings document keeps a
 * stay that has ended as history and never writes it).
 */
enum window_problem window_check(const struct lk_window *w, int64_t now);
/* A sentence: "the window opens and closes at the same time; it would never open". */
const char *window_problem_str(enum window_problem p);

/*
 * Whether the code opens only between two times of each day. Not when it is not time-limited,
 * nor for equal ends: 00:00-00:00 is the lock's "all day" (spec §9.3), the only equal ends
 * window_check lets through. Every renderer asks this one question: a table prints "-", JSON
 * leaves "daily" out (events, docs/openapi.yaml) or null (daily_from/daily_until).
 */
bool window_has_daily(const struct lk_window *w);
/*
 * A code's daily window as people read it, into buf (16 bytes hold it): "07:00-23:00", or "-"
 * where there is none (window_has_daily: "00:00-00:00" would read as "never").
 */
void window_format_daily(const struct lk_window *w, char *buf, size_t size);
