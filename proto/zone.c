/* SPDX-License-Identifier: MIT */
/* The lock's time zone, pure: §7.10 IDs by name and the §7.8 European DST rule. */
#include <string.h>

#include "latchkey/names.h"
#include "latchkey/zone.h"

uint16_t lk_timezone_id(const char *name)
{
        for (uint16_t id = 0; id < LK_TIMEZONE_COUNT; id++)
                if (strcmp(lk_timezone_name(id), name) == 0)
                        return id;
        return LK_TIMEZONE_NONE;
}

/* The last Sunday of month (March or October) of year, 01:00 UTC. */
static int64_t last_sunday_0100(uint16_t year, uint8_t month)
{
        struct lk_datetime dt = { .year = year, .month = month, .day = 31, .hour = 1 };
        int64_t t = 0;

        if (lk_datetime_to_unix(&dt, &t) < 0)
                return 0;
        /* lk_weekday: 0 = Monday … 6 = Sunday; go back to the Sunday on or before the 31st. */
        return t - (int64_t)((lk_weekday(t, 0) + 1) % 7) * 86400;
}

void lk_dst_european_bounds(uint16_t year, int64_t *ret_start, int64_t *ret_end)
{
        *ret_start = last_sunday_0100(year, 3);
        *ret_end = last_sunday_0100(year, 10);
}

bool lk_dst_european_active(int64_t utc)
{
        struct lk_datetime dt;
        int64_t start, end;

        if (lk_datetime_from_unix(utc, &dt) < 0)
                return false;
        lk_dst_european_bounds(dt.year, &start, &end);
        return utc >= start && utc < end;
}

int lk_lock_local_offset(int16_t offset, uint8_t dst_mode, int64_t utc)
{
        if (dst_mode == LK_DST_EUROPEAN && lk_dst_european_active(utc))
                return offset + 60;
        return offset;
}
