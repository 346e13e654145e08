/* SPDX-License-Identifier: MIT */
#include "timefmt.h"
#include "window.h"

static bool date_in_range(const struct lk_datetime *d)
{
        int64_t t;

        if (lk_datetime_is_zero(d))
                return true; /* unbounded (spec §9.3) */
        return lk_datetime_to_unix(d, &t) >= 0 && t >= TIME_SUPPORTED_MIN && t <= TIME_SUPPORTED_MAX;
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
        case WINDOW_ENDED:
                return "the window has already ended; it would never open";
        case WINDOW_OUT_OF_RANGE:
                return "a date is outside the supported range 2000-01-01T00:00:00Z to 2099-12-31T23:59:59Z";
        }
        return "the window cannot open";
}
