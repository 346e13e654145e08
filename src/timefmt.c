/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"
#include "util.h"

static int parse_fixed(const char **p, unsigned digits, unsigned *ret)
{
        unsigned v = 0;

        for (unsigned i = 0; i < digits; i++) {
                char c = (*p)[i];

                if (c < '0' || c > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned)(c - '0');
        }
        *p += digits;
        *ret = v;
        return 0;
}

static int expect(const char **p, char c)
{
        if (**p != c)
                return -EINVAL;
        (*p)++;
        return 0;
}

int time_parse_instant(const char *s, int64_t now, int64_t *ret)
{
        unsigned y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
        const char *p = s;
        struct lk_datetime dt;
        int64_t t, off = 0;
        bool zoned = false;

        if (strncmp(s, "now", 3) == 0) {
                uint64_t v;

                if (s[3] == '\0') {
                        *ret = now;
                        return 0;
                }
                if ((s[3] != '+' && s[3] != '-') || parse_u64(s + 4, 0, 100ULL * 366 * 86400, &v) < 0)
                        return -EINVAL;
                *ret = s[3] == '+' ? now + (int64_t)v : now - (int64_t)v;
                return 0;
        }
        if (parse_fixed(&p, 4, &y) < 0 || expect(&p, '-') < 0 || parse_fixed(&p, 2, &mo) < 0 ||
            expect(&p, '-') < 0 || parse_fixed(&p, 2, &d) < 0)
                return -EINVAL;
        if (*p == 'T' || *p == ' ') {
                p++;
                if (parse_fixed(&p, 2, &h) < 0 || expect(&p, ':') < 0 || parse_fixed(&p, 2, &mi) < 0)
                        return -EINVAL;
                if (*p == ':') {
                        p++;
                        if (parse_fixed(&p, 2, &sec) < 0)
                                return -EINVAL;
                }
        }
        if (*p == 'Z') {
                p++;
                zoned = true;
        } else if (*p == '+' || *p == '-') {
                int sign = *p == '+' ? 1 : -1;

                p++;
                if (parse_fixed(&p, 2, &oh) < 0)
                        return -EINVAL;
                if (*p == ':')
                        p++;
                if (parse_fixed(&p, 2, &om) < 0 || oh > 23 || om > 59)
                        return -EINVAL;
                off = sign * (int64_t)(oh * 3600 + om * 60);
                zoned = true;
        }
        if (*p != '\0' || y > 9999)
                return -EINVAL;
        dt = (struct lk_datetime){ (uint16_t)y, (uint8_t)mo, (uint8_t)d, (uint8_t)h, (uint8_t)mi, (uint8_t)sec };
        if (lk_datetime_to_unix(&dt, &t) < 0)
                return -EINVAL;
        if (!zoned) {
                /* The host's zone: let mktime find the offset, and refuse times DST skips. */
                struct tm tm = { .tm_year = (int)y - 1900, .tm_mon = (int)mo - 1, .tm_mday = (int)d,
                                 .tm_hour = (int)h, .tm_min = (int)mi, .tm_sec = (int)sec, .tm_isdst = -1 };
                time_t lt = mktime(&tm);

                if (lt == (time_t)-1 || tm.tm_hour != (int)h || tm.tm_min != (int)mi)
                        return -EINVAL;
                *ret = (int64_t)lt;
                return 0;
        }
        *ret = t - off;
        return 0;
}

int time_parse_hhmm(const char *s, struct lk_time *ret)
{
        const char *p = s;
        unsigned h, m;

        if (parse_fixed(&p, 2, &h) < 0 || expect(&p, ':') < 0 || parse_fixed(&p, 2, &m) < 0 || *p)
                return -EINVAL;
        if (h > 23 || m > 59)
                return -EINVAL;
        *ret = (struct lk_time){ (uint8_t)h, (uint8_t)m };
        return 0;
}

int time_parse_daily(const char *s, struct lk_time *ret_from, struct lk_time *ret_until)
{
        char a[8], b[8];
        const char *dash = strchr(s, '-');
        struct lk_time f, u;

        if (!dash || dash - s >= (long)sizeof(a) || strlen(dash + 1) >= sizeof(b))
                return -EINVAL;
        memcpy(a, s, (size_t)(dash - s));
        a[dash - s] = '\0';
        memcpy(b, dash + 1, strlen(dash + 1) + 1); /* length checked above */
        if (time_parse_hhmm(a, &f) < 0 || time_parse_hhmm(b, &u) < 0)
                return -EINVAL;
        *ret_from = f;
        *ret_until = u;
        return 0;
}

static const char *const weekday_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

int time_parse_weekdays(const char *s, uint8_t *ret)
{
        uint8_t bits = 0;
        const char *p = s;

        if (streq(s, "all")) {
                *ret = 0;
                return 0;
        }
        if (streq(s, "weekdays")) {
                *ret = 0x7C;
                return 0;
        }
        if (streq(s, "weekends")) {
                *ret = 0x03;
                return 0;
        }
        while (*p) {
                size_t len = strcspn(p, ",");
                bool found = false;

                for (unsigned i = 0; i < 7; i++)
                        if (len == 3 && strncasecmp(p, weekday_names[i], 3) == 0) {
                                bits |= (uint8_t)(LK_WEEKDAY_MONDAY >> i); /* spec §0: bit6 Mon … bit0 Sun */
                                found = true;
                        }
                if (!found)
                        return -EINVAL;
                p += len;
                if (*p == ',' && *++p == '\0')
                        return -EINVAL;
        }
        if (!bits)
                return -EINVAL;
        *ret = bits;
        return 0;
}

void time_format_weekdays(uint8_t bits, char *buf, size_t size)
{
        size_t n = 0;

        if (size)
                buf[0] = '\0';
        if ((bits & LK_WEEKDAYS_ALL) == 0 || (bits & LK_WEEKDAYS_ALL) == LK_WEEKDAYS_ALL) {
                snprintf(buf, size, "all");
                return;
        }
        for (unsigned i = 0; i < 7; i++)
                if (bits & (LK_WEEKDAY_MONDAY >> i)) {
                        int k = snprintf(buf + n, size - n, "%s%s", n ? "," : "", weekday_names[i]);

                        if (k < 0 || (size_t)k >= size - n)
                                return;
                        n += (size_t)k;
                }
}

void time_format_utc(int64_t t, char *buf, size_t size)
{
        struct lk_datetime dt;

        if (lk_datetime_from_unix(t, &dt) < 0) {
                snprintf(buf, size, "-");
                return;
        }
        snprintf(buf, size, "%04u-%02u-%02uT%02u:%02u:%02uZ", dt.year, dt.month, dt.day, dt.hour,
                 dt.minute, dt.second);
}

void time_format_local(int64_t t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;
        long off;

        if (!localtime_r(&tt, &tm)) {
                time_format_utc(t, buf, size);
                return;
        }
        off = tm.tm_gmtoff / 60;
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60,
                 labs(off) % 60);
}
