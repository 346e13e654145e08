/* SPDX-License-Identifier: MIT */
/*
 * The rules every entry point shares for times, windows and JSON (src/base/timefmt.c, src/base/window.c,
 * src/base/json.c): RFC 3339 read in full, one supported range, DST gaps and folds of this machine's
 * zone, windows that can open, and strict JSON. Each refusal is checked with its message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lk-test.h"

#include "json.h"
#include "timefmt.h"
#include "window.h"

static int64_t ok(const char *s, unsigned flags)
{
        char why[400];
        int64_t t = -1;
        int r = time_parse(s, 1000000000, flags, &t, why, sizeof(why));

        if (r < 0)
                fail_msg("'%s' refused (%d): %s", s, r, why);
        return t;
}

static void refused(const char *s, unsigned flags, int err, const char *msg)
{
        char why[400] = "";
        int64_t t = 42;
        int r = time_parse(s, 1000000000, flags, &t, why, sizeof(why));

        if (r != err || !strstr(why, msg))
                fail_msg("'%s': r=%d (want %d), why '%s' (want '%s')", s, r, err, why, msg);
        assert_int_equal(t, 42); /* nothing written */
}

static void rfc3339_in_full(void **state)
{
        const int64_t t = 1796133600; /* 2026-12-01T14:00:00Z */

        (void)state;
        assert_int_equal(ok("2026-12-01T14:00:00Z", TIME_DOCUMENT), t);
        /* what most backends emit: milliseconds */
        assert_int_equal(ok("2026-12-01T14:00:00.000Z", TIME_DOCUMENT), t);
        assert_int_equal(ok("2026-12-01T14:00:00.999999999Z", TIME_DOCUMENT), t); /* dropped, never rounded up */
        /* RFC 3339 §5.6: T and Z in either case */
        assert_int_equal(ok("2026-12-01t14:00:00z", TIME_DOCUMENT), t);
        assert_int_equal(ok("2026-12-01T15:00:00.5+01:00", TIME_DOCUMENT), t);
        assert_int_equal(ok("2026-12-01T09:00:00-05:00", TIME_DOCUMENT), t);
        assert_int_equal(ok("2026-12-01T14:00:00-00:00", TIME_DOCUMENT), t);
        assert_int_equal(ok("2026-12-01T14:00Z", TIME_DOCUMENT), t);
        assert_int_equal(ok("2026-12-31T23:59:60Z", TIME_DOCUMENT), ok("2027-01-01T00:00:00Z", TIME_DOCUMENT));
        /* the same rules on the command line, which also knows "now" */
        assert_int_equal(ok("2026-12-01T14:00:00.000Z", 0), t);
        assert_int_equal(ok("now+60", 0), 1000000060);

        refused("2026-12-01T14:00:00.Z", TIME_DOCUMENT, -EINVAL, "is not a time: use RFC 3339");
        refused("2026-12-01T14:00:00.1234567890Z", TIME_DOCUMENT, -EINVAL, "is not a time");
        refused("2026-12-01T14:00:00Zjunk", TIME_DOCUMENT, -EINVAL, "is not a time");
        refused("2026-02-30T14:00:00Z", TIME_DOCUMENT, -EINVAL, "is not a real date and time");
        refused("2026-12-01T24:00:00Z", TIME_DOCUMENT, -EINVAL, "is not a real date and time");
        refused("2026-12-01T14:00:00", TIME_DOCUMENT, -EINVAL, "has no time zone");
        refused("2026-12-01", TIME_DOCUMENT, -EINVAL, "has no time zone");
        refused("now", TIME_DOCUMENT, -EINVAL, "is not a time");
}

static void one_supported_range(void **state)
{
        (void)state;
        /* 2000-01-01T00:00:00Z .. 2099-12-31T23:59:59Z, after the offset is applied */
        assert_int_equal(ok("2000-01-01T00:00:00Z", TIME_DOCUMENT), TIME_SUPPORTED_MIN);
        assert_int_equal(ok("2099-12-31T23:59:59Z", TIME_DOCUMENT), TIME_SUPPORTED_MAX);
        assert_int_equal(ok("2100-01-01T00:59:59+01:00", TIME_DOCUMENT), TIME_SUPPORTED_MAX);
        refused("2100-01-01T00:00:00Z", TIME_DOCUMENT, -ERANGE, "outside the supported range 2000-01-01T00:00:00Z to 2099-12-31T23:59:59Z");
        refused("2100-01-01T00:00:00Z", 0, -ERANGE, "outside the supported range");
        refused("1999-12-31T23:59:59Z", TIME_DOCUMENT, -ERANGE, "outside the supported range");
        refused("2000-01-01T00:30:00+01:00", TIME_DOCUMENT, -ERANGE, "outside the supported range");
        refused("now+3153600000", 0, -ERANGE, "outside the supported range");
}

static void dst_gap_and_fold(void **state)
{
        char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

        (void)state;
        setenv("TZ", "Europe/Berlin", 1);
        tzset();
        assert_int_equal(ok("2026-07-01 12:00", 0), ok("2026-07-01T10:00:00Z", 0));
        assert_int_equal(ok("2026-12-01T15:00", 0), ok("2026-12-01T14:00:00Z", 0));
        /* 2026-03-29 02:00 → 03:00: 02:30 never happens in Berlin */
        refused("2026-03-29 02:30", 0, -ENXIO, "does not exist in Europe/Berlin");
        refused("2026-03-29T02:00", 0, -ENXIO, "does not exist in Europe/Berlin");
        assert_int_equal(ok("2026-03-29 03:00", 0), ok("2026-03-29T01:00:00Z", 0));
        /* 2026-10-25 03:00 → 02:00: 02:30 happens twice, once at +02:00 and once at +01:00 */
        refused("2026-10-25 02:30", 0, -EADDRNOTAVAIL, "happens twice in Europe/Berlin");
        refused("2026-10-25 02:30", 0, -EADDRNOTAVAIL, "+02:00 or +01:00");
        assert_int_equal(ok("2026-10-25 02:30+01:00", 0), ok("2026-10-25T01:30:00Z", 0));
        assert_int_equal(ok("2026-10-25 02:30+02:00", 0), ok("2026-10-25T00:30:00Z", 0));
        assert_int_equal(ok("2026-10-25 03:00", 0), ok("2026-10-25T02:00:00Z", 0));
        if (old)
                setenv("TZ", old, 1);
        else
                unsetenv("TZ");
        tzset();
        free(old);
}

static struct lk_window win(const char *from, const char *until, const char *daily)
{
        struct lk_window w = { .time_limited = true };

        if (from)
                assert_int_equal(lk_datetime_from_unix(ok(from, 0), &w.from), 0);
        if (until)
                assert_int_equal(lk_datetime_from_unix(ok(until, 0), &w.until), 0);
        if (daily)
                assert_int_equal(time_parse_daily(daily, &w.from_time, &w.until_time), 0);
        return w;
}

static void windows_that_can_open(void **state)
{
        const int64_t now = 1796133600; /* 2026-12-01T14:00:00Z */
        struct lk_window w;

        (void)state;
        w = win("2026-12-01T15:00Z", "2026-12-05T11:00Z", "08:00-20:00");
        assert_int_equal(window_check(&w, now), WINDOW_OK);
        w = win("2026-12-01T15:00Z", "2026-12-01T15:00Z", NULL); /* --from X --until X */
        assert_int_equal(window_check(&w, now), WINDOW_EMPTY);
        assert_int_equal(window_check(&w, 0), WINDOW_EMPTY);
        assert_non_null(strstr(window_problem_str(WINDOW_EMPTY), "would never open"));
        w = win(NULL, NULL, "08:00-08:00"); /* --daily 08:00-08:00 */
        assert_int_equal(window_check(&w, now), WINDOW_DAILY_EMPTY);
        w = win(NULL, NULL, "00:00-00:00"); /* the whole day */
        assert_int_equal(window_check(&w, now), WINDOW_OK);
        /* a year typo: wholly in the past; refused for a code, kept for a booking's history */
        w = win("2025-12-01T15:00Z", "2025-12-05T11:00Z", NULL);
        assert_int_equal(window_check(&w, now), WINDOW_ENDED);
        assert_int_equal(window_check(&w, 0), WINDOW_OK);
        assert_non_null(strstr(window_problem_str(WINDOW_ENDED), "already ended"));
        w = win("2025-12-01T15:00Z", "2026-12-01T14:00Z", NULL); /* ends this very second */
        assert_int_equal(window_check(&w, now), WINDOW_ENDED);
        w = win("2025-12-01T15:00Z", "2026-12-01T14:00:01Z", NULL);
        assert_int_equal(window_check(&w, now), WINDOW_OK);
        w = win("2026-12-01T15:00Z", NULL, NULL); /* no end: open from then on */
        assert_int_equal(window_check(&w, now), WINDOW_OK);
        w = (struct lk_window){ .time_limited = true, .from = { 2100, 1, 1, 0, 0, 0 } };
        assert_int_equal(window_check(&w, now), WINDOW_OUT_OF_RANGE);
        /* 2026-12-01 is a Tuesday: a Tuesday-only stay for weekends never opens, anywhere */
        w = win("2026-12-01T00:00Z", "2026-12-02T00:00Z", NULL);
        w.weekdays = 0x03; /* sat, sun */
        assert_int_equal(window_check(&w, now), WINDOW_NO_WEEKDAY);
        assert_int_equal(window_check(&w, 0), WINDOW_NO_WEEKDAY);
        assert_non_null(strstr(window_problem_str(WINDOW_NO_WEEKDAY), "none of its weekdays"));
        w.weekdays = 0x20; /* tue */
        assert_int_equal(window_check(&w, now), WINDOW_OK);
        /* Monday 11:00-12:00Z: already Tuesday at UTC+14, still Sunday at UTC-12 (a past
         * window, so checked as a booking's history, now = 0) */
        w = win("2026-11-30T11:00Z", "2026-11-30T12:00Z", NULL);
        w.weekdays = 0x20; /* tue */
        assert_int_equal(window_check(&w, 0), WINDOW_OK);
        w.weekdays = 0x01; /* sun */
        assert_int_equal(window_check(&w, 0), WINDOW_OK);
        w.weekdays = 0x10; /* wed: in no zone */
        assert_int_equal(window_check(&w, 0), WINDOW_NO_WEEKDAY);
        w = win("2026-12-01T00:00Z", "2026-12-08T00:00Z", NULL); /* a week holds every day */
        w.weekdays = 0x01;
        assert_int_equal(window_check(&w, now), WINDOW_OK);
        w = (struct lk_window){ 0 }; /* not time limited: always open */
        assert_int_equal(window_check(&w, now), WINDOW_OK);
}

/* A window with dates and no daily window reads "-", never "00:00-00:00" (it reads as "never"). */
static void daily_window_in_words(void **state)
{
        struct lk_window w = win("2026-12-01T15:00Z", "2026-12-05T11:00Z", NULL);
        char buf[16];

        (void)state;
        window_format_daily(&w, buf, sizeof(buf));
        assert_string_equal(buf, "-");
        w = win("2026-12-01T15:00Z", "2026-12-05T11:00Z", "00:00-00:00");
        window_format_daily(&w, buf, sizeof(buf));
        assert_string_equal(buf, "-");
        w = win(NULL, NULL, "07:00-23:30");
        window_format_daily(&w, buf, sizeof(buf));
        assert_string_equal(buf, "07:00-23:30");
        w.time_limited = false; /* the lock ignores the fields then */
        window_format_daily(&w, buf, sizeof(buf));
        assert_string_equal(buf, "-");
}

static void json_bad(const char *text, const char *msg)
{
        struct json_error err;
        cJSON *j = NULL;
        int r = json_parse_strict(text, strlen(text), &j, &err);

        if (r != -EBADMSG || !strstr(err.msg, msg))
                fail_msg("%s: r=%d '%s' (want '%s')", text, r, err.msg, msg);
        assert_null(j);
}

static void json_strict(void **state)
{
        struct json_error err;
        cJSON *j = NULL;
        const char nul[] = "{\"a\":\"x\0y\"}";
        const char *good = "{\"a\":[1,{\"b\":\"\\\\u0000\"}]} \n"; /* an escaped backslash, then text */

        (void)state;
        assert_int_equal(json_parse_strict(good, strlen(good), &j, &err), 0);
        assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "a"), 1)->child->valuestring, "\\u0000");
        cJSON_Delete(j);
        json_bad("{\"grants\":[]} {\"grants\":[]}", "data after the end");
        json_bad("{\"grants\":[]}x", "data after the end");
        json_bad("{\"a\":1,\"b\":2,\"a\":3}", "duplicate member \"a\"");
        json_bad("{\"g\":[{\"id\":\"x\",\"check_in\":\"1\",\"check_in\":\"2\"}]}", "duplicate member \"check_in\"");
        json_bad("{\"guest\":\"Ann\\u0000a\"}", "\\u0000 (NUL)");
        json_bad("{\"guest\":\"Ann\ta\"}", "control character inside a string");
        json_bad("{\"a\":", "not valid JSON");
        assert_int_equal(json_parse_strict(nul, sizeof(nul) - 1, &j, &err), -EBADMSG);
        assert_non_null(strstr(err.msg, "NUL byte"));
        assert_int_equal(err.offset, 7);
}

/* Every problem is placed where it is in the text: line and column (characters, not bytes),
 * for a duplicate the second member, never "byte 0". */
static void json_error_position(void **state)
{
        static const struct {
                const char *text;
                unsigned line, column;
                const char *msg;
        } cases[] = {
                { "{\"version\":1,\n \"properties\": [,]}", 2, 17, "not valid JSON (unexpected ',')" },
                { "{\"version\":1,\n \"version\": 2}", 2, 2, "duplicate member \"version\" in one object" },
                { "{\"a\":{\"b\":1,\"c\":[{\"x\":1,\"y\":2,\"x\":3}]},\n\"\u00e9\":1, \"\u00e9\":2}", 1, 31,
                  "duplicate member \"x\" in one object" },
                { "{\"g\u00fcst\":\"\u00c4\u00e4\", \"n\":1, \"n\":2}", 1, 22, "duplicate member \"n\"" },
                { "[{\"a\":1},\n  {\"a\":1,\"b\":\"x\\\"y\",\"b\":2}]", 2, 21, "duplicate member \"b\"" },
                { "{\"a\":", 1, 6, "not valid JSON (the document ends before the value does)" },
                { "", 1, 1, "an empty document" },
                { "{}\n\n x", 3, 2, "data after the end of the JSON value" },
        };
        char where[200];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct json_error err;
                cJSON *j = NULL;

                assert_int_equal(json_parse_strict(cases[i].text, strlen(cases[i].text), &j, &err), -EBADMSG);
                if (err.line != cases[i].line || err.column != cases[i].column || !strstr(err.msg, cases[i].msg))
                        fail_msg("case %zu: line %u column %u '%s'", i, err.line, err.column, err.msg);
                json_error_format(&err, where, sizeof(where));
                assert_non_null(strstr(where, "line "));
                /* the wording says it once */
                assert_true(!strstr(where, "not valid JSON") || !strstr(strstr(where, "not valid JSON") + 1, "not valid JSON"));
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(rfc3339_in_full),
                cmocka_unit_test(one_supported_range),
                cmocka_unit_test(dst_gap_and_fold),
                cmocka_unit_test(windows_that_can_open),
                cmocka_unit_test(daily_window_in_words),
                cmocka_unit_test(json_strict),
                cmocka_unit_test(json_error_position),
        };

        return cmocka_run_group_tests_name("timefmt", tests, NULL, NULL);
}
