/* SPDX-License-Identifier: MIT */
/* Keypad code rules (spec §6.35, §9.1, §9.3), each at its limits. */
#include <string.h>

#include "latchkey/keypad.h"
#include "lk-test.h"

/* A valid, time-limited record; each test breaks one thing. */
static struct lk_keypad_code good(void)
{
        return (struct lk_keypad_code){
                .code = 654321,
                .name = "Cleaner",
                .enabled = true,
                .window = {
                        .time_limited = true,
                        .from = { 2025, 3, 1, 0, 0, 0 },
                        .until = { 2025, 3, 31, 23, 59, 59 },
                        .weekdays = LK_WEEKDAY_MONDAY,
                        .from_time = { 8, 0 },
                        .until_time = { 17, 30 },
                },
        };
}

static enum lk_code_problem check_value(uint32_t v)
{
        struct lk_keypad_code c = good();

        c.code = v;
        return lk_keypad_code_check(&c);
}

static void keypad_value_limits(void **state)
{
        assert_true(lk_keypad_code_value_ok(111111));
        assert_true(lk_keypad_code_value_ok(999999));
        assert_true(lk_keypad_code_value_ok(654321));
        assert_int_equal(check_value(111111), LK_CODE_OK);
        assert_int_equal(check_value(999999), LK_CODE_OK);

        assert_false(lk_keypad_code_value_ok(0));
        assert_int_equal(check_value(0), LK_CODE_NOT_SIX_DIGITS);
        assert_int_equal(check_value(11111), LK_CODE_NOT_SIX_DIGITS);
        assert_int_equal(check_value(99999), LK_CODE_NOT_SIX_DIGITS);
        assert_int_equal(check_value(111110), LK_CODE_HAS_ZERO); /* 6 digits, below 111111 */
        assert_int_equal(check_value(100000), LK_CODE_HAS_ZERO);
        assert_int_equal(check_value(99999), LK_CODE_NOT_SIX_DIGITS);
        assert_int_equal(check_value(1000000), LK_CODE_NOT_SIX_DIGITS);
        assert_int_equal(check_value(1111111), LK_CODE_NOT_SIX_DIGITS);
        assert_int_equal(check_value(UINT32_MAX), LK_CODE_NOT_SIX_DIGITS);
        assert_false(lk_keypad_code_value_ok(111110));
        assert_false(lk_keypad_code_value_ok(1000000));
        assert_false(lk_keypad_code_value_ok(11111));
}

static void keypad_value_zero_digit(void **state)
{
        static const uint32_t zeros[] = { 111110, 111101, 111011, 110111, 101111,
                                          200000, 999990, 909999, 654320, 500005 };

        for (size_t i = 0; i < sizeof(zeros) / sizeof(zeros[0]); i++) {
                assert_int_equal(check_value(zeros[i]), LK_CODE_HAS_ZERO);
                assert_false(lk_keypad_code_value_ok(zeros[i]));
        }
}

static void keypad_value_starts_with_12(void **state)
{
        /* 120000..129999: with a 0 digit it is HAS_ZERO first (enum order), else 12 */
        assert_int_equal(check_value(120000), LK_CODE_HAS_ZERO);
        assert_int_equal(check_value(121111), LK_CODE_STARTS_WITH_12);
        assert_int_equal(check_value(123456), LK_CODE_STARTS_WITH_12);
        assert_int_equal(check_value(129999), LK_CODE_STARTS_WITH_12);
        for (uint32_t v = 120000; v <= 129999; v++)
                assert_false(lk_keypad_code_value_ok(v));
        /* a 1 and a 2 elsewhere are fine */
        assert_true(lk_keypad_code_value_ok(119999));
        assert_true(lk_keypad_code_value_ok(131111));
        assert_true(lk_keypad_code_value_ok(112345));
        assert_true(lk_keypad_code_value_ok(213456));
        assert_true(lk_keypad_code_value_ok(312121));
}

static void keypad_value_exhaustive(void **state)
{
        /* Brute force: 9^6 codes without a 0, minus 9^4 that start with 12. */
        unsigned ok = 0;

        for (uint32_t v = 0; v <= 1100000; v++)
                ok += lk_keypad_code_value_ok(v);
        assert_int_equal(ok, 531441 - 6561);
}

static enum lk_code_problem check_name(const char *name)
{
        struct lk_keypad_code c = good();

        memset(c.name, 0, sizeof(c.name));
        memcpy(c.name, name, strlen(name));
        return lk_keypad_code_check(&c);
}

static void keypad_name_limits(void **state)
{
        struct lk_keypad_code c = good();

        assert_int_equal(check_name("A"), LK_CODE_OK);
        assert_int_equal(check_name(""), LK_CODE_NAME_EMPTY);
        assert_int_equal(check_name("12345678901234567890"), LK_CODE_OK);         /* 20 bytes */
        assert_int_equal(check_name("Zoë Müller-Lüdens"), LK_CODE_OK); /* 20 bytes: 3 two-byte letters */
        assert_int_equal(check_name("1234567890123456789\xc3\xa9"), LK_CODE_NAME_TOO_LONG);
        /* a record holding 21 bytes and no NUL: over 20 bytes, and nothing is read past it */
        memset(c.name, 'x', sizeof(c.name));
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_NAME_TOO_LONG);
}

static void keypad_name_utf8(void **state)
{
        assert_int_equal(check_name("1234567890123456789\xc3"), LK_CODE_NAME_NOT_UTF8); /* cut */
        assert_int_equal(check_name("\xc3\x28"), LK_CODE_NAME_NOT_UTF8);
        assert_int_equal(check_name("\xff"), LK_CODE_NAME_NOT_UTF8);
        assert_int_equal(check_name("\xc0\xaf"), LK_CODE_NAME_NOT_UTF8);     /* overlong */
        assert_int_equal(check_name("\xed\xa0\x80"), LK_CODE_NAME_NOT_UTF8); /* surrogate */
        assert_int_equal(check_name("\xf0\x9f\x94\x91 Key"), LK_CODE_OK);    /* U+1F511 */
}

static void keypad_value_checked_before_name(void **state)
{
        struct lk_keypad_code c = good();

        c.code = 111110;
        c.name[0] = '\0';
        c.window.weekdays = 0x80;
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_HAS_ZERO);
        c.code = 111111;
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_NAME_EMPTY);
        c.name[0] = 'A';
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_BAD_WEEKDAYS);
}

static void keypad_window_ignored_unless_time_limited(void **state)
{
        struct lk_keypad_code c = good();

        c.window.from = (struct lk_datetime){ 2023, 2, 29, 0, 0, 0 };
        c.window.weekdays = 0xFF;
        c.window.from_time = (struct lk_time){ 25, 61 };
        c.window.time_limited = false;
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        c.window.time_limited = true;
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_BAD_FROM_DATE);
}

static void keypad_window_dates(void **state)
{
        struct lk_keypad_code c = good();

        /* spec §0: a real calendar date; 29 Feb only in leap years */
        c.window.from = (struct lk_datetime){ 2024, 2, 29, 12, 0, 0 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        c.window.from = (struct lk_datetime){ 2023, 2, 29, 12, 0, 0 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_BAD_FROM_DATE);
        c = good();
        c.window.until = (struct lk_datetime){ 2028, 2, 29, 0, 0, 0 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        c.window.until = (struct lk_datetime){ 2100, 2, 29, 0, 0, 0 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_BAD_UNTIL_DATE);
        c.window.until = (struct lk_datetime){ 2025, 4, 1, 24, 0, 0 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_BAD_UNTIL_DATE);
        c.window.until = (struct lk_datetime){ 2025, 4, 1, 23, 59, 60 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_BAD_UNTIL_DATE);

        /* all-zero = unbounded, on either side or both (spec §9.3) */
        c = good();
        c.window.from = (struct lk_datetime){ 0 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        c.window.until = (struct lk_datetime){ 0 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        c = good();
        c.window.until = (struct lk_datetime){ 0 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        /* partly zero is not "unset": month 0 */
        c.window.until = (struct lk_datetime){ 2025, 0, 0, 0, 0, 0 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_BAD_UNTIL_DATE);
}

static void keypad_window_order(void **state)
{
        struct lk_keypad_code c = good();

        /* until one second before from */
        c.window.from = (struct lk_datetime){ 2025, 3, 1, 10, 0, 0 };
        c.window.until = (struct lk_datetime){ 2025, 3, 1, 9, 59, 59 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_WINDOW_ENDS_BEFORE_START);
        c.window.until = (struct lk_datetime){ 2024, 12, 31, 23, 59, 59 };
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_WINDOW_ENDS_BEFORE_START);
        /* equal is allowed */
        c.window.until = c.window.from;
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        c.window.until.second = 1;
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
}

static void keypad_window_weekdays(void **state)
{
        struct lk_keypad_code c = good();

        c.window.weekdays = 0x00; /* every day */
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        c.window.weekdays = LK_WEEKDAYS_ALL;
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        c.window.weekdays = LK_WEEKDAY_SUNDAY;
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        c.window.weekdays = 0x80;
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_BAD_WEEKDAYS);
        c.window.weekdays = 0xFF;
        assert_int_equal(lk_keypad_code_check(&c), LK_CODE_BAD_WEEKDAYS);
}

static enum lk_code_problem check_daily(uint8_t fh, uint8_t fm, uint8_t uh, uint8_t um)
{
        struct lk_keypad_code c = good();

        c.window.from_time = (struct lk_time){ fh, fm };
        c.window.until_time = (struct lk_time){ uh, um };
        return lk_keypad_code_check(&c);
}

static void keypad_window_daily(void **state)
{
        assert_int_equal(check_daily(0, 0, 0, 0), LK_CODE_OK);       /* whole day */
        assert_int_equal(check_daily(0, 0, 23, 59), LK_CODE_OK);
        assert_int_equal(check_daily(8, 0, 8, 0), LK_CODE_OK);       /* equal */
        assert_int_equal(check_daily(8, 0, 8, 1), LK_CODE_OK);
        assert_int_equal(check_daily(23, 59, 23, 59), LK_CODE_OK);
        assert_int_equal(check_daily(8, 1, 8, 0), LK_CODE_DAILY_ENDS_BEFORE_START);
        /* across midnight: refused, split it */
        assert_int_equal(check_daily(22, 0, 6, 0), LK_CODE_DAILY_ENDS_BEFORE_START);
        assert_int_equal(check_daily(8, 0, 0, 0), LK_CODE_DAILY_ENDS_BEFORE_START);
        assert_int_equal(check_daily(24, 0, 23, 0), LK_CODE_BAD_FROM_TIME);
        assert_int_equal(check_daily(8, 60, 23, 0), LK_CODE_BAD_FROM_TIME);
        assert_int_equal(check_daily(8, 0, 24, 0), LK_CODE_BAD_UNTIL_TIME);
        assert_int_equal(check_daily(8, 0, 23, 60), LK_CODE_BAD_UNTIL_TIME);
        assert_int_equal(check_daily(25, 0, 24, 0), LK_CODE_BAD_FROM_TIME); /* from first */
}

static void keypad_problem_strings(void **state)
{
        const char *seen[LK_CODE_DAILY_ENDS_BEFORE_START + 1];

        for (int p = LK_CODE_OK; p <= LK_CODE_DAILY_ENDS_BEFORE_START; p++) {
                seen[p] = lk_code_problem_str((enum lk_code_problem)p);
                assert_non_null(seen[p]);
                assert_true(strlen(seen[p]) > 10);
                for (int q = 0; q < p; q++)
                        assert_string_not_equal(seen[p], seen[q]);
        }
        assert_string_equal(lk_code_problem_str(LK_CODE_HAS_ZERO),
                            "the code has a 0 digit; the keypad has no 0 key");
        assert_non_null(lk_code_problem_str((enum lk_code_problem)99));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(keypad_value_limits),
                cmocka_unit_test(keypad_value_zero_digit),
                cmocka_unit_test(keypad_value_starts_with_12),
                cmocka_unit_test(keypad_value_exhaustive),
                cmocka_unit_test(keypad_name_limits),
                cmocka_unit_test(keypad_name_utf8),
                cmocka_unit_test(keypad_value_checked_before_name),
                cmocka_unit_test(keypad_window_ignored_unless_time_limited),
                cmocka_unit_test(keypad_window_dates),
                cmocka_unit_test(keypad_window_order),
                cmocka_unit_test(keypad_window_weekdays),
                cmocka_unit_test(keypad_window_daily),
                cmocka_unit_test(keypad_problem_strings),
        };

        return cmocka_run_group_tests_name("keypad", tests, NULL, NULL);
}
