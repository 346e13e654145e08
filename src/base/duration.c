/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "util.h"

static const struct {
        const char *suffix;
        uint64_t ms;
} units[] = {
        { "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60 * 1000 }, { "h", 3600 * 1000 }, { "d", 86400 * 1000 },
};

int duration_parse_ms(const char *s, uint64_t *ret_ms)
{
        char num[24];
        size_t n = strspn(s, "0123456789");
        uint64_t v;
        int r;

        if (n == 0 || n >= sizeof(num))
                return n == 0 ? -EINVAL : -ERANGE;
        memcpy(num, s, n);
        num[n] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                if (!streq(s + n, units[i].suffix))
                        continue;
                r = parse_u64(num, 0, DURATION_MAX_MS / units[i].ms, &v);
                if (r < 0)
                        return r;
                *ret_ms = v * units[i].ms;
                return 0;
        }
        return -EINVAL;
}

int duration_parse_sec(const char *s, int64_t *ret_sec)
{
        uint64_t ms;
        int r;

        r = duration_parse_ms(s, &ms);
        if (r < 0)
                return r;
        if (ms % 1000)
                return -EINVAL;
        *ret_sec = (int64_t)(ms / 1000);
        return 0;
}

int duration_parse_sec_range(const char *s, int64_t min_sec, int64_t max_sec, int64_t *ret_sec)
{
        int64_t v;
        int r;

        r = duration_parse_sec(s, &v);
        if (r < 0)
                return r;
        if (v < min_sec || v > max_sec)
                return -ERANGE;
        *ret_sec = v;
        return 0;
}

void duration_format_sec(int64_t sec, char *buf, size_t size)
{
        if (sec != 0 && sec % 86400 == 0)
                snprintf(buf, size, "%" PRId64 "d", sec / 86400);
        else if (sec != 0 && sec % 3600 == 0)
                snprintf(buf, size, "%" PRId64 "h", sec / 3600);
        else if (sec != 0 && sec % 60 == 0)
                snprintf(buf, size, "%" PRId64 "m", sec / 60);
        else
                snprintf(buf, size, "%" PRId64 "s", sec);
}

void duration_format_ms(uint64_t ms, char *buf, size_t size)
{
        if (ms % 1000)
                snprintf(buf, size, "%" PRIu64 "ms", ms);
        else
                duration_format_sec((int64_t)(ms / 1000), buf, size);
}
