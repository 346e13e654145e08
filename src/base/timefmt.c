/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
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

/* The host's zone, by name when it has one: $TZ, else the /etc/localtime link's target. */
static void zone_name(char *buf, size_t size)
{
        const char *tz = getenv("TZ");
        char link[256];
        ssize_t n;

        if (tz && *tz) {
                snprintf(buf, size, "%s", tz[0] == ':' ? tz + 1 : tz);
                return;
        }
        n = readlink("/etc/localtime", link, sizeof(link) - 1);
        if (n > 0) {
                const char *z;

                link[n] = '\0';
                z = strstr(link, "zoneinfo/");
                snprintf(buf, size, "%s", z ? z + strlen("zoneinfo/") : link);
                return;
        }
        snprintf(buf, size, "this machine's time zone");
}

static int64_t local_offset(int64_t t)
{
        time_t tt = (time_t)t;
        struct tm tm;

        return localtime_r(&tt, &tm) ? (int64_t)tm.tm_gmtoff : 0;
}

/*
 * A wall-clock time in the host's zone → the instant. The candidates are the offsets in force a
 * day before and after (a zone never changes twice in two days): none that maps back to the
 * same wall clock is a gap (the clocks skip it), two are a fold (it happens twice).
 */
static int local_to_instant(int64_t wall, int64_t *ret, char *why, size_t why_size)
{
        int64_t offs[3] = { local_offset(wall - 86400), local_offset(wall), local_offset(wall + 86400) };
        int64_t found[3];
        size_t n = 0;
        char zone[280];

        for (size_t i = 0; i < 3; i++) {
                int64_t t = wall - offs[i];
                bool dup = false;

                if (local_offset(t) != offs[i])
                        continue;
                for (size_t k = 0; k < n; k++)
                        dup = dup || found[k] == t;
                if (!dup)
                        found[n++] = t;
        }
        if (n == 1) {
                *ret = found[0];
                return 0;
        }
        zone_name(zone, sizeof(zone));
        if (n == 0) {
                snprintf(why, why_size, "does not exist in %s (the clocks skip it); give the offset, e.g. +01:00", zone);
                return -ENXIO;
        }
        snprintf(why, why_size, "happens twice in %s (the clocks go back); give the offset, e.g. %+03d:00 or %+03d:00",
                 zone, (int)(local_offset(found[0]) / 3600), (int)(local_offset(found[1]) / 3600));
        return -EADDRNOTAVAIL;
}

static int parse_now(const char *s, int64_t now, int64_t *ret)
{
        int64_t v;

        if (s[3] == '\0') {
                *ret = now;
                return 0;
        }
        /* now+DURATION, now-DURATION: the one grammar (duration.h), whole seconds. */
        if ((s[3] != '+' && s[3] != '-') || duration_parse_sec(s + 4, &v) < 0)
                return -EINVAL;
        *ret = s[3] == '+' ? now + (int64_t)v : now - (int64_t)v;
        return 0;
}

/* "Z", "z", "+hh:mm", "-hh:mm" (also without the colon) → seconds east of UTC. */
static int parse_zone(const char **p, bool *zoned, int64_t *off)
{
        unsigned oh, om;
        int sign;

        if (**p == 'Z' || **p == 'z') {
                (*p)++;
                *zoned = true;
                return 0;
        }
        if (**p != '+' && **p != '-')
                return 0;
        sign = **p == '+' ? 1 : -1;
        (*p)++;
        if (parse_fixed(p, 2, &oh) < 0)
                return -EINVAL;
        if (**p == ':')
                (*p)++;
        if (parse_fixed(p, 2, &om) < 0 || oh > 23 || om > 59)
                return -EINVAL;
        *off = sign * (int64_t)(oh * 3600 + om * 60);
        *zoned = true;
        return 0;
}

/* "HH:MM[:SS[.frac]]" (RFC 3339 §5.6 partial-time; the fraction is dropped, a leap second 60
 * counts as the next second). */
static int parse_clock(const char **p, unsigned *h, unsigned *mi, unsigned *sec)
{
        if (parse_fixed(p, 2, h) < 0 || expect(p, ':') < 0 || parse_fixed(p, 2, mi) < 0)
                return -EINVAL;
        if (**p != ':')
                return 0;
        (*p)++;
        if (parse_fixed(p, 2, sec) < 0 || *sec > 60)
                return -EINVAL;
        if (**p == '.') {
                unsigned digits = 0;

                for ((*p)++; **p >= '0' && **p <= '9'; (*p)++)
                        digits++;
                if (digits < 1 || digits > 9)
                        return -EINVAL;
        }
        return 0;
}

int time_parse(const char *s, int64_t now, unsigned flags, int64_t *ret, char *why, size_t why_size)
{
        unsigned y, mo, d, h = 0, mi = 0, sec = 0;
        const char *p = s;
        struct lk_datetime dt;
        bool zoned = false, has_time = false;
        int64_t t, off = 0;
        char scratch[1];
        int r;

        if (!why) {
                why = scratch;
                why_size = sizeof(scratch);
        }
        if (why_size)
                why[0] = '\0';
        if (!(flags & TIME_DOCUMENT) && strncmp(s, "now", 3) == 0) {
                if (parse_now(s, now, &t) < 0)
                        goto syntax;
                goto range;
        }
        if (parse_fixed(&p, 4, &y) < 0 || expect(&p, '-') < 0 || parse_fixed(&p, 2, &mo) < 0 ||
            expect(&p, '-') < 0 || parse_fixed(&p, 2, &d) < 0)
                goto syntax;
        if (*p == 'T' || *p == 't' || *p == ' ') {
                p++;
                if (parse_clock(&p, &h, &mi, &sec) < 0)
                        goto syntax;
                has_time = true;
        }
        if (parse_zone(&p, &zoned, &off) < 0 || *p != '\0')
                goto syntax;
        dt = (struct lk_datetime){ (uint16_t)y, (uint8_t)mo, (uint8_t)d, (uint8_t)h, (uint8_t)mi,
                                   (uint8_t)(sec == 60 ? 59 : sec) };
        if (lk_datetime_to_unix(&dt, &t) < 0) {
                snprintf(why, why_size, "is not a real date and time");
                return -EINVAL;
        }
        t += sec == 60;
        if ((flags & TIME_DOCUMENT) && (!zoned || !has_time)) {
                snprintf(why, why_size, "has no time zone: give Z or an offset like +01:00 (a booking must not depend on this machine's zone)");
                return -EINVAL;
        }
        if (!zoned) {
                r = local_to_instant(t, &t, why, why_size);
                if (r < 0)
                        return r;
        } else
                t -= off;
range:
        if (t < TIME_SUPPORTED_MIN || t > TIME_SUPPORTED_MAX) {
                snprintf(why, why_size, "is outside the supported range 2000-01-01T00:00:00Z to 2099-12-31T23:59:59Z");
                return -ERANGE;
        }
        *ret = t;
        return 0;
syntax:
        snprintf(why, why_size, "is not a time: use RFC 3339, e.g. 2026-11-22T15:00:00+01:00 or 2026-11-22T14:00:00Z");
        return -EINVAL;
}

int time_parse_instant(const char *s, int64_t now, int64_t *ret)
{
        return time_parse(s, now, 0, ret, NULL, 0);
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
