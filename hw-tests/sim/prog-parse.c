/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim: the strict parsers of the values its command line, control requests and PIN
 * file take. They sit below everything that reads a value and call nothing of the program.
 */
#include <errno.h>
#include <string.h>

#include "prog.h"

int prog_parse_uint(const char *s, unsigned long long max, unsigned long long *ret)
{
        unsigned long long v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                if ((unsigned)(*s - '0') > max || v > (max - (unsigned)(*s - '0')) / 10)
                        return -ERANGE; /* v * 10 + digit > max, without wrapping for a max under 9 */
                v = v * 10 + (unsigned)(*s - '0');
        }
        *ret = v;
        return 0;
}

static int parse_2(const char *s, unsigned *ret)
{
        if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
                return -EINVAL;
        *ret = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
        return 0;
}

int prog_parse_iso8601z(const char *s, int64_t *ret)
{
        struct lk_datetime dt;
        unsigned y1, y2, mo, d, h, mi, se;

        /* YYYY-MM-DDTHH:MM:SSZ, exactly: the wire speaks UTC (spec §0). */
        if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
            s[13] != ':' || s[16] != ':' || s[19] != 'Z')
                return -EINVAL;
        if (parse_2(s, &y1) < 0 || parse_2(s + 2, &y2) < 0 || parse_2(s + 5, &mo) < 0 ||
            parse_2(s + 8, &d) < 0 || parse_2(s + 11, &h) < 0 || parse_2(s + 14, &mi) < 0 ||
            parse_2(s + 17, &se) < 0)
                return -EINVAL;
        dt = (struct lk_datetime){ .year = (uint16_t)(y1 * 100 + y2), .month = (uint8_t)mo,
                                   .day = (uint8_t)d, .hour = (uint8_t)h, .minute = (uint8_t)mi,
                                   .second = (uint8_t)se };
        return lk_datetime_to_unix(&dt, ret);
}
