/* SPDX-License-Identifier: MIT */
/*
 * The rules a keypad code must pass before it is written to a lock (spec §6.35, §9.1, §9.3).
 * The lock's answer to a bad code is not documented (spec §8 [DECISION], §12), so we check
 * everything we can before sending and say precisely what is wrong.
 */
#include <string.h>

#include "latchkey/keypad.h"
#include "latchkey/text.h"

/*
 * spec §9.1: six digits, each 1–9 (the keypad has no 0 key), so LK_CODE_MIN..LK_CODE_MAX.
 * A six-digit value below 111111 (100000..111110) has a 0 digit and is reported as such: that
 * is what the user typed wrong.
 */
static enum lk_code_problem code_value_problem(uint32_t code)
{
        if (code < 100000 || code > LK_CODE_MAX)
                return LK_CODE_NOT_SIX_DIGITS;
        for (uint32_t v = code; v; v /= 10)
                if (v % 10 == 0)
                        return LK_CODE_HAS_ZERO;
        /* spec §9.1: must not start with "12" (120000–129999) */
        if (code / 10000 == 12)
                return LK_CODE_STARTS_WITH_12;
        return LK_CODE_OK;
}

bool lk_keypad_code_value_ok(uint32_t code)
{
        return code_value_problem(code) == LK_CODE_OK;
}

/*
 * spec §6.35, §9.1: the name is a char[20] field, UTF-8, required non-empty; and our rules for
 * every name (latchkey/text.h): no control or bidirectional format characters, not blank.
 * name[] has room for 20 bytes and a NUL, so a record without a NUL in it holds a name over
 * 20 bytes. A name whose 20-byte prefix would end inside a character is over 20 bytes too: it
 * is refused, never cut (lk_name_put does the same).
 */
static enum lk_code_problem code_name_problem(const char name[static LK_CODE_NAME_SIZE + 1])
{
        char buf[LK_CODE_NAME_SIZE + 2];
        size_t n = strnlen(name, LK_CODE_NAME_SIZE + 1);

        memcpy(buf, name, n);
        buf[n] = '\0';
        switch (lk_text_check(buf, LK_CODE_NAME_SIZE)) {
        case LK_TEXT_OK:
                return LK_CODE_OK;
        case LK_TEXT_EMPTY:
                return LK_CODE_NAME_EMPTY;
        case LK_TEXT_TOO_LONG:
                return LK_CODE_NAME_TOO_LONG;
        case LK_TEXT_NOT_UTF8:
                return LK_CODE_NAME_NOT_UTF8;
        case LK_TEXT_CONTROL:
                return LK_CODE_NAME_CONTROL;
        case LK_TEXT_BIDI:
                return LK_CODE_NAME_BIDI;
        case LK_TEXT_BLANK:
                return LK_CODE_NAME_BLANK;
        }
        return LK_CODE_NAME_NOT_UTF8;
}

static bool time_is_midnight(const struct lk_time *t)
{
        return t->hour == 0 && t->minute == 0;
}

static int time_cmp(const struct lk_time *a, const struct lk_time *b)
{
        int d = (a->hour * 60 + a->minute) - (b->hour * 60 + b->minute);

        return (d > 0) - (d < 0);
}

/*
 * spec §6.35, §9.3: checked only when the code is time limited (otherwise the lock ignores the
 * fields and senders zero-fill them).
 *  - from/until dates (UTC): all-zero means unbounded; otherwise a real date and time. When both
 *    are set, until must not be before from (equal is allowed: a window of one instant).
 *  - weekdays: bit 7 is unused and must be 0 (spec §0); 0x00 means every day.
 *  - daily from/until times (lock-local): real times of day; until must not be before from,
 *    except 00:00–00:00, which means the whole day (spec §9.3). A window across midnight
 *    (22:00–06:00) is refused as "ends before it starts": the spec's check (§9.3 [DECISION])
 *    compares within one day, and we will not write a window the lock may read as empty.
 *    Split it into two codes, or use 22:00–23:59 and 00:00–06:00.
 */
static enum lk_code_problem code_window_problem(const struct lk_window *w)
{
        bool from_set = !lk_datetime_is_zero(&w->from);
        bool until_set = !lk_datetime_is_zero(&w->until);

        if (!w->time_limited)
                return LK_CODE_OK;
        if (from_set && !lk_datetime_is_valid(&w->from))
                return LK_CODE_BAD_FROM_DATE;
        if (until_set && !lk_datetime_is_valid(&w->until))
                return LK_CODE_BAD_UNTIL_DATE;
        if (from_set && until_set && lk_datetime_cmp(&w->until, &w->from) < 0)
                return LK_CODE_WINDOW_ENDS_BEFORE_START;
        if (w->weekdays & ~LK_WEEKDAYS_ALL)
                return LK_CODE_BAD_WEEKDAYS;
        if (!lk_time_is_valid(&w->from_time))
                return LK_CODE_BAD_FROM_TIME;
        if (!lk_time_is_valid(&w->until_time))
                return LK_CODE_BAD_UNTIL_TIME;
        if (time_is_midnight(&w->from_time) && time_is_midnight(&w->until_time))
                return LK_CODE_OK; /* whole day */
        if (time_cmp(&w->until_time, &w->from_time) < 0)
                return LK_CODE_DAILY_ENDS_BEFORE_START;
        return LK_CODE_OK;
}

enum lk_code_problem lk_keypad_code_check(const struct lk_keypad_code *c)
{
        enum lk_code_problem p;

        p = code_value_problem(c->code);
        if (p != LK_CODE_OK)
                return p;
        p = code_name_problem(c->name);
        if (p != LK_CODE_OK)
                return p;
        return code_window_problem(&c->window);
}

const char *lk_code_problem_str(enum lk_code_problem p)
{
        switch (p) {
        case LK_CODE_OK:
                return "the code is valid";
        case LK_CODE_NOT_SIX_DIGITS:
                return "the code must have exactly six digits (111111 to 999999)";
        case LK_CODE_HAS_ZERO:
                return "the code has a 0 digit; the keypad has no 0 key";
        case LK_CODE_STARTS_WITH_12:
                return "the code starts with 12; codes 120000 to 129999 are reserved";
        case LK_CODE_NAME_EMPTY:
                return "the code has no name; a name is required";
        case LK_CODE_NAME_TOO_LONG:
                return "the name is longer than 20 bytes (accented letters take 2 bytes)";
        case LK_CODE_NAME_NOT_UTF8:
                return "the name is not valid UTF-8 text";
        case LK_CODE_NAME_CONTROL:
                return "the name holds a control character (tab, newline, escape, ...)";
        case LK_CODE_NAME_BIDI:
                return "the name holds a bidirectional format character (it would reorder what is shown)";
        case LK_CODE_NAME_BLANK:
                return "the name is blank";
        case LK_CODE_BAD_FROM_DATE:
                return "the 'allowed from' date is not a real date and time";
        case LK_CODE_BAD_UNTIL_DATE:
                return "the 'allowed until' date is not a real date and time";
        case LK_CODE_WINDOW_ENDS_BEFORE_START:
                return "the 'allowed until' date is before the 'allowed from' date";
        case LK_CODE_BAD_WEEKDAYS:
                return "the weekday set has bit 7 set; only Monday (bit 6) to Sunday (bit 0) exist";
        case LK_CODE_BAD_FROM_TIME:
                return "the daily 'from' time is not a time of day (00:00 to 23:59)";
        case LK_CODE_BAD_UNTIL_TIME:
                return "the daily 'until' time is not a time of day (00:00 to 23:59)";
        case LK_CODE_DAILY_ENDS_BEFORE_START:
                return "the daily window ends before it starts; windows across midnight are not supported";
        }
        return "unknown problem with the code";
}
