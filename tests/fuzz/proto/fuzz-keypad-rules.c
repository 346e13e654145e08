/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the keypad-code rules (spec §6.35, §9.1, §9.3) against an independent restatement of
 * them, and the name-field helpers (spec §0). Input layout, zero-filled when short:
 *   0..3   code (uint32 LE)       4..24  name, 21 raw bytes (need not hold a NUL)
 *   25     flags: bit0 time limited
 *   26..32 from DATETIME          33..39 until DATETIME
 *   40     weekdays               41..42 from time     43..44 until time
 *   45..   a raw 20-byte name field for lk_name_get / lk_name_put
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "latchkey/keypad.h"
#include "latchkey/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_SIZE (45 + LK_CODE_NAME_SIZE)

/* The §9.1 rule restated on the decimal string: 6 characters, each '1'..'9', not "12…". */
static bool value_ok_by_digits(uint32_t code)
{
        char s[16];
        int n = snprintf(s, sizeof(s), "%u", (unsigned)code);

        if (n != 6)
                return false;
        for (int i = 0; i < 6; i++)
                if (s[i] < '1' || s[i] > '9')
                        return false;
        return !(s[0] == '1' && s[1] == '2');
}

static bool dt_zero(const struct lk_datetime *d)
{
        return !d->year && !d->month && !d->day && !d->hour && !d->minute && !d->second;
}

static long long dt_key(const struct lk_datetime *d)
{
        return ((((d->year * 13LL + d->month) * 32 + d->day) * 24 + d->hour) * 60 + d->minute) * 60 +
               d->second;
}

/* The §9.3 window rules restated, for a record that passed. */
static bool window_ok(const struct lk_window *w)
{
        int from = w->from_time.hour * 60 + w->from_time.minute;
        int until = w->until_time.hour * 60 + w->until_time.minute;

        if (!w->time_limited)
                return true;
        if (!dt_zero(&w->from) && !lk_datetime_is_valid(&w->from))
                return false;
        if (!dt_zero(&w->until) && !lk_datetime_is_valid(&w->until))
                return false;
        if (!dt_zero(&w->from) && !dt_zero(&w->until) && dt_key(&w->until) < dt_key(&w->from))
                return false;
        if (w->weekdays & 0x80)
                return false;
        if (w->from_time.hour > 23 || w->from_time.minute > 59 || w->until_time.hour > 23 ||
            w->until_time.minute > 59)
                return false;
        return (from == 0 && until == 0) || until >= from;
}

static void check_names(const uint8_t raw[static LK_CODE_NAME_SIZE])
{
        uint8_t field[LK_CODE_NAME_SIZE];
        char name[LK_CODE_NAME_SIZE + 1];
        char back[LK_CODE_NAME_SIZE + 1];
        size_t n;
        int r;

        /* get: stops at the first NUL, at most 20 bytes, always terminated */
        lk_name_get(raw, sizeof(field), name);
        n = strlen(name);
        if (n > LK_CODE_NAME_SIZE || memcmp(name, raw, n) != 0 || (n < LK_CODE_NAME_SIZE && raw[n]))
                abort();
        /* put accepts exactly the valid UTF-8 names, and get gives them back */
        r = lk_name_put(field, sizeof(field), name);
        if ((r == 0) != lk_utf8_is_valid((const uint8_t *)name, n))
                abort();
        if (r < 0) {
                if (r != -EBADMSG)
                        abort();
                return;
        }
        for (size_t i = n; i < sizeof(field); i++)
                if (field[i])
                        abort(); /* NUL-padded */
        lk_name_get(field, sizeof(field), back);
        if (strcmp(back, name) != 0)
                abort();
        /* a shorter field refuses what does not fit */
        if (n > 0) {
                r = lk_name_put(field, n - 1, name);
                if (r != -EMSGSIZE)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t in[IN_SIZE] = { 0 };
        struct lk_keypad_code c = { 0 };
        enum lk_code_problem p;
        const char *s;
        size_t n;

        memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
        c.code = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 24;
        memcpy(c.name, in + 4, sizeof(c.name));
        c.window.time_limited = in[25] & 1;
        lk_datetime_get(in + 26, &c.window.from);
        lk_datetime_get(in + 33, &c.window.until);
        c.window.weekdays = in[40];
        lk_time_get(in + 41, &c.window.from_time);
        lk_time_get(in + 43, &c.window.until_time);

        p = lk_keypad_code_check(&c);
        s = lk_code_problem_str(p);
        if (!s || !*s)
                abort();
        /* the value predicate and the full check agree on the value */
        if (lk_keypad_code_value_ok(c.code) != value_ok_by_digits(c.code))
                abort();
        if ((p == LK_CODE_NOT_SIX_DIGITS || p == LK_CODE_HAS_ZERO || p == LK_CODE_STARTS_WITH_12) ==
            lk_keypad_code_value_ok(c.code))
                abort();
        n = strnlen(c.name, sizeof(c.name));
        if (p == LK_CODE_OK) {
                uint8_t field[LK_CODE_NAME_SIZE];

                char name[LK_CODE_NAME_SIZE + 1];

                memcpy(name, c.name, n);
                name[n] = '\0';
                if (!value_ok_by_digits(c.code) || n == 0 || n > LK_CODE_NAME_SIZE ||
                    !lk_utf8_is_valid((const uint8_t *)c.name, n) || !window_ok(&c.window) ||
                    lk_text_check(name, LK_CODE_NAME_SIZE) != LK_TEXT_OK)
                        abort();
                /* a name that passed is one the codec can write */
                if (lk_name_put(field, sizeof(field), c.name) != 0)
                        abort();
        } else if (p > LK_CODE_NAME_BLANK && (!c.window.time_limited || window_ok(&c.window))) {
                abort(); /* a window problem for a window that is fine */
        }
        check_names(in + 45);
        return 0;
}
