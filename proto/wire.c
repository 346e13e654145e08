/* SPDX-License-Identifier: MIT */
/* Value types of the wire (spec §0): DATETIME, TIME, names, PIN widths. Pure arithmetic. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/text.h"
#include "latchkey/wire.h"

static void env_randombytes(void *userdata, void *buf, size_t n)
{
        randombytes_buf(buf, n);
}

const struct lk_env lk_env_default = {
        .random = env_randombytes,
};

unsigned lk_generation_pin_size(enum lk_generation gen)
{
        return lk_generation_is_ultra(gen) ? 4 : 2;
}

bool lk_generation_is_ultra(enum lk_generation gen)
{
        switch (gen) {
        case LK_GEN_ULTRA:
                return true;
        case LK_GEN_SMARTLOCK_1:
        case LK_GEN_SMARTLOCK_2:
        case LK_GEN_SMARTLOCK_3:
        case LK_GEN_SMARTLOCK_4:
        case LK_GEN_OPENER:
                return false;
        }
        return false;
}

static bool is_leap(unsigned y)
{
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
        static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool lk_datetime_is_zero(const struct lk_datetime *dt)
{
        return dt->year == 0 && dt->month == 0 && dt->day == 0 && dt->hour == 0 &&
               dt->minute == 0 && dt->second == 0;
}

bool lk_datetime_is_valid(const struct lk_datetime *dt)
{
        if (dt->year < 1970 || dt->month < 1 || dt->month > 12 || dt->day < 1)
                return false;
        if (dt->day > days_in_month(dt->year, dt->month))
                return false;
        return dt->hour <= 23 && dt->minute <= 59 && dt->second <= 59;
}

bool lk_time_is_valid(const struct lk_time *t)
{
        return t->hour <= 23 && t->minute <= 59;
}

int lk_datetime_cmp(const struct lk_datetime *a, const struct lk_datetime *b)
{
        const int d[] = { a->year - b->year,     a->month - b->month,   a->day - b->day,
                          a->hour - b->hour,     a->minute - b->minute, a->second - b->second };

        for (size_t i = 0; i < ELEMENTSOF(d); i++)
                if (d[i])
                        return d[i] < 0 ? -1 : 1;
        return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        const int64_t era = (y >= 0 ? y : y - 399) / 400;
        const unsigned yoe = (unsigned)(y - era * 400);
        const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

        return era * 146097 + (int64_t)doe - 719468;
}

int lk_datetime_to_unix(const struct lk_datetime *dt, int64_t *ret)
{
        if (!lk_datetime_is_valid(dt))
                return -EINVAL;
        *ret = days_from_civil(dt->year, dt->month, dt->day) * 86400 + dt->hour * 3600 +
               dt->minute * 60 + dt->second;
        return 0;
}

int lk_datetime_from_unix(int64_t t, struct lk_datetime *ret)
{
        int64_t days, secs, z, era, y;
        unsigned doe, yoe, doy, mp, d, m;

        if (t < 0)
                return -EINVAL;
        days = t / 86400;
        secs = t % 86400;
        z = days + 719468;
        era = z / 146097;
        doe = (unsigned)(z - era * 146097);
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        y = (int64_t)yoe + era * 400;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        d = doy - (153 * mp + 2) / 5 + 1;
        m = mp < 10 ? mp + 3 : mp - 9;
        y += m <= 2;
        if (y > 65535)
                return -EINVAL;
        *ret = (struct lk_datetime){
                .year = (uint16_t)y,
                .month = (uint8_t)m,
                .day = (uint8_t)d,
                .hour = (uint8_t)(secs / 3600),
                .minute = (uint8_t)(secs / 60 % 60),
                .second = (uint8_t)(secs % 60),
        };
        return 0;
}

unsigned lk_weekday(int64_t t, int offset_minutes)
{
        int64_t days = (t + (int64_t)offset_minutes * 60);

        days = days >= 0 ? days / 86400 : (days - 86399) / 86400;
        /* 1970-01-01 was a Thursday (3 with Monday = 0). */
        return (unsigned)(((days + 3) % 7 + 7) % 7);
}

void lk_datetime_put(uint8_t p[static LK_DATETIME_SIZE], const struct lk_datetime *dt)
{
        put_le16(p, dt->year);
        p[2] = dt->month;
        p[3] = dt->day;
        p[4] = dt->hour;
        p[5] = dt->minute;
        p[6] = dt->second;
}

void lk_datetime_get(const uint8_t p[static LK_DATETIME_SIZE], struct lk_datetime *ret)
{
        memset(ret, 0, sizeof(*ret)); /* padding too: records compare with memcmp */
        *ret = (struct lk_datetime){
                .year = get_le16(p),
                .month = p[2],
                .day = p[3],
                .hour = p[4],
                .minute = p[5],
                .second = p[6],
        };
}

void lk_time_put(uint8_t p[static LK_TIME_SIZE], const struct lk_time *t)
{
        p[0] = t->hour;
        p[1] = t->minute;
}

void lk_time_get(const uint8_t p[static LK_TIME_SIZE], struct lk_time *ret)
{
        *ret = (struct lk_time){ .hour = p[0], .minute = p[1] };
}

bool lk_utf8_is_valid(const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n;) {
                uint32_t cp;
                size_t l = lk_utf8_decode(p + i, n - i, &cp);

                if (l == 0)
                        return false;
                i += l;
        }
        return true;
}

int lk_name_put(uint8_t *p, size_t size, const char *name)
{
        size_t n = strlen(name);

        if (n > size)
                return -EMSGSIZE;
        if (!lk_utf8_is_valid((const uint8_t *)name, n))
                return -EBADMSG;
        memset(p, 0, size);
        memcpy(p, name, n);
        return 0;
}

void lk_name_get(const uint8_t *p, size_t size, char *ret)
{
        size_t n = 0;

        while (n < size && p[n])
                n++;
        memcpy(ret, p, n);
        ret[n] = '\0';
}
