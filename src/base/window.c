/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "timefmt.h"
#include "window.h"

static bool date_in_range(const struct lk_datetime *d)
{
        int64_t t;

        if (lk_datetime_is_zero(d))
                return true; /* unbounded (spec §9.3) */
        return lk_datetime_to_unix(d, &t) >= 0 && t >= TIME_SUPPORTED_MIN && t <= TIME_SUPPORTED_MAX;
}

/*
 * Whether some day of the window is one of its weekdays. The weekdays are the lock's local
 * days and the lock's zone is not known here, so every day the window touches at any UTC offset
 * (-12:00 to +14:00) counts: only a window that misses its weekdays in every zone is refused.
 */
static bool weekday_occurs(const struct lk_window *w)
{
        const int64_t day = 86400, west = 12 * 3600, east = 14 * 3600;
        int64_t from, until;
        uint8_t seen = 0;

        if (!w->weekdays || (w->weekdays & LK_WEEKDAYS_ALL) == LK_WEEKDAYS_ALL || lk_datetime_is_zero(&w->from) ||
            lk_datetime_is_zero(&w->until) || lk_datetime_to_unix(&w->from, &from) < 0 ||
            lk_datetime_to_unix(&w->until, &until) < 0 || until - from >= 7 * day)
                return true;
        for (int64_t t = from - west; t < until + east; t += day)
                seen |= (uint8_t)(LK_WEEKDAY_MONDAY >> lk_weekday(t, 0));
        seen |= (uint8_t)(LK_WEEKDAY_MONDAY >> lk_weekday(until + east - 1, 0));
        return (seen & w->weekdays) != 0;
}

enum window_problem window_check(const struct lk_window *w, int64_t now)
{
        int64_t until;

        if (!w->time_limited)
                return WINDOW_OK;
        if (!date_in_range(&w->from) || !date_in_range(&w->until))
                return WINDOW_OUT_OF_RANGE;
        if (!lk_datetime_is_zero(&w->from) && lk_datetime_cmp(&w->from, &w->until) == 0)
                return WINDOW_EMPTY;
        if (w->from_time.hour == w->until_time.hour && w->from_time.minute == w->until_time.minute &&
            (w->from_time.hour || w->from_time.minute))
                return WINDOW_DAILY_EMPTY;
        if (!weekday_occurs(w))
                return WINDOW_NO_WEEKDAY;
        if (now > 0 && !lk_datetime_is_zero(&w->until) && lk_datetime_to_unix(&w->until, &until) >= 0 && until <= now)
                return WINDOW_ENDED;
        return WINDOW_OK;
}

const char *window_problem_str(enum window_problem p)
{
        switch (p) {
        case WINDOW_OK:
                return "the window can open";
        case WINDOW_EMPTY:
                return "the window opens and closes at the same instant; it would never open";
        case WINDOW_DAILY_EMPTY:
                return "the daily window starts and ends at the same minute; it would never open (00:00-00:00 is the whole day)";
        case WINDOW_NO_WEEKDAY:
                return "none of its weekdays falls between its first and last day; it would never open";
        case WINDOW_ENDED:
                return "the window has already ended; it would never open";
        case WINDOW_OUT_OF_RANGE:
                return "a date is outside the supported range 2000-01-01T00:00:00Z to 2099-12-31T23:59:59Z";
        }
        return "the window cannot open";
}

bool window_has_daily(const struct lk_window *w)
{
        return w->time_limited &&
               !(w->from_time.hour == w->until_time.hour && w->from_time.minute == w->until_time.minute);
}

void window_format_daily(const struct lk_window *w, char *buf, size_t size)
{
        if (!window_has_daily(w))
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "%02u:%02u-%02u:%02u", w->from_time.hour, w->from_time.minute, w->until_time.hour,
                         w->until_time.minute);
}
