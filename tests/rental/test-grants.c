/* SPDX-License-Identifier: MIT */
/*
 * The desired state without a lock: code names, durations, the bookings document (and that a bad
 * one writes nothing), and the plan (pure: made-up tables in, steps out).
 */
#include "harness-life.h"

#include <sodium.h>

#include "codes.h"
#include "outbox.h"

/* ---- names ----------------------------------------------------------------------------------- */

static void name_rules(void **state)
{
        char n[LK_CODE_NAME_SIZE + 1];

        (void)state;
        assert_int_equal(grants_code_name("Anna Müller", n), 0);
        assert_string_equal(n, "Anna Müller");
        assert_int_equal(grants_code_name("  Jean    Dupont  ", n), 0);
        assert_string_equal(n, "Jean Dupont");
        /* the one set of name rules (latchkey/text.h): a tab is a control character */
        assert_int_equal(grants_code_name("Jean\tDupont", n), -EINVAL);
        assert_int_equal(grants_code_name("evil\xe2\x80\xaetxt", n), -EINVAL);
        /* 20 bytes, cut before a 2-byte character that would straddle the limit */
        assert_int_equal(grants_code_name("Zoë Åberg-Lindqvxöm", n), 0);
        assert_true(lk_utf8_is_valid((const uint8_t *)n, strlen(n)));
        assert_string_equal(n, "Zoë Åberg-Lindqvx");
        assert_int_equal(grants_code_name("Zoë Åberg-Lindqvistö Extra", n), 0);
        assert_string_equal(n, "Zoë Åberg-Lindqvis");
        /* a cut that ends in a space drops it */
        assert_int_equal(grants_code_name("Abcdefghijklmnopqrs tuvw", n), 0);
        assert_string_equal(n, "Abcdefghijklmnopqrs");
        /* four-byte characters */
        assert_int_equal(grants_code_name("😀😀😀😀😀😀", n), 0);
        assert_int_equal(strlen(n), 20);
        assert_int_equal(grants_code_name("a😀😀😀😀😀", n), 0);
        assert_int_equal(strlen(n), 17);
        assert_int_equal(grants_code_name("", n), -EINVAL);
        assert_int_equal(grants_code_name("   ", n), -EINVAL);
        assert_int_equal(grants_code_name("bad\x01name", n), -EINVAL);
        assert_int_equal(grants_code_name("bad\xff", n), -EINVAL);
}

static void duration_and_code(void **state)
{
        int64_t t;
        uint32_t avoid[] = { 111111 };

        (void)state;
        assert_int_equal(grants_parse_duration("72h", &t), 0);
        assert_int_equal(t, 72 * 3600);
        assert_int_equal(grants_parse_duration("90m", &t), 0);
        assert_int_equal(t, 5400);
        assert_int_equal(grants_parse_duration("3600", &t), 0);
        assert_int_equal(t, 3600);
        assert_int_equal(grants_parse_duration("1d", &t), 0);
        assert_int_equal(t, 86400);
        assert_int_equal(grants_parse_duration("-1h", &t), -EINVAL);
        assert_int_equal(grants_parse_duration("h", &t), -EINVAL);
        for (int i = 0; i < 2000; i++) {
                uint32_t c = grants_generate_code(avoid, 1);

                assert_true(lk_keypad_code_value_ok(c));
                assert_int_not_equal(c, 111111);
        }
}

/* ---- import (no lock needed) ----------------------------------------------------------------- */

struct tmpdb {
        char dir[64];
        struct store *st;
        struct db *db;
};

static void tmpdb_open(struct tmpdb *t)
{
        snprintf(t->dir, sizeof(t->dir), "/tmp/lk-life-XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        assert_int_equal(store_open(t->dir, &t->st), 0);
        assert_int_equal(db_open(t->st, &t->db), 0);
        assert_int_equal(grants_init(t->db), 0);
}

static void tmpdb_close(struct tmpdb *t)
{
        char cmd[128];

        db_free(t->db);
        store_free(t->st);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
        (void)!system(cmd);
}

static int do_import(struct db *db, const char *doc, struct grants_import_result *res, struct grants_error *err)
{
        return grants_import(db, doc, strlen(doc), "file", &(struct grants_import_opts){ .lead = -1, .grace = -1, .allow_cancel_all = true }, res, err);
}

/* Everything the import may write, as one string. */
static char *snapshot(struct db *db)
{
        static const char sql[] =
                "SELECT IFNULL((SELECT group_concat(id || '/' || name, ',') FROM lc_properties), '') || '|' ||"
                " IFNULL((SELECT group_concat(property || '/' || lock || '/' || guest_access, ',') FROM lc_property_locks), '') || '|' ||"
                " IFNULL((SELECT group_concat(id || '/' || property || '/' || guest || '/' || code || '/' || check_in || '/' ||"
                "  check_out || '/' || status || '/' || updated_at, ',') FROM lc_grants), '') || '|' ||"
                " IFNULL((SELECT group_concat(grant_id || '/' || lock || '/' || IFNULL(code, '-'), ',') FROM lc_grant_overrides), '')";
        sqlite3_stmt *st;
        char *s;

        assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        s = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return s;
}

#define PROPS                                                                                                       \
        "\"properties\":[{\"id\":\"seaside\",\"name\":\"Seaside flat\",\"locks\":[\"front\",{\"lock\":\"back\"},"     \
        "{\"lock\":\"office\",\"guest_access\":false}]}]"

static const char good_doc[] =
        "{\"version\":1," PROPS ",\"grants\":["
        "{\"id\":\"BK-1\",\"property\":\"seaside\",\"guest\":\"Anna Müller\",\"code\":\"654321\","
        "\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00+01:00\"},"
        "{\"id\":\"BK-2\",\"property\":\"seaside\",\"guest\":\"Bob\",\"check_in\":\"2030-03-06T15:00:00Z\","
        "\"check_out\":\"2030-03-08T10:00:00Z\",\"daily\":\"08:00-22:00\",\"weekdays\":\"all\","
        "\"locks\":{\"back\":{\"lead\":\"2h\",\"code\":\"777888\"}}}]}";

static void import_roundtrip(void **state)
{
        struct grants_import_result res;
        struct grants_error err;
        struct grant_target *t = NULL;
        size_t n = 0;
        char *a, *b;
        struct tmpdb T;

        (void)state;
        tmpdb_open(&T);
        assert_int_equal(do_import(T.db, good_doc, &res, &err), 0);
        assert_int_equal(res.added, 2);
        assert_int_equal(res.generated, 1);
        assert_int_equal(res.properties, 1);

        /* The same file again: nothing changes, not even a timestamp. */
        a = snapshot(T.db);
        assert_int_equal(do_import(T.db, good_doc, &res, &err), 0);
        assert_int_equal(res.unchanged, 2);
        assert_int_equal(res.added + res.updated + res.cancelled + res.generated, 0);
        b = snapshot(T.db);
        assert_string_equal(a, b);
        free(a);
        free(b);

        /* Targets: both guest locks, not the office; overrides on back. */
        assert_int_equal(grants_targets(T.db, "office", 0, &t, &n), 0);
        assert_int_equal(n, 0);
        free(t);
        assert_int_equal(grants_targets(T.db, "back", 0, &t, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(t[0].grant, "BK-1");
        assert_int_equal(t[0].rec.code, 654321);
        assert_int_equal(t[0].check_out - t[0].check_in, (3 * 24 - 6) * 3600); /* +01:00 honoured */
        assert_string_equal(t[1].grant, "BK-2");
        assert_int_equal(t[1].rec.code, 777888);
        assert_int_equal(t[1].lead, 7200);
        assert_int_equal(t[1].rec.window.from_time.hour, 8);
        assert_int_equal(t[1].rec.window.until_time.hour, 22);
        assert_int_equal(t[1].rec.window.weekdays, 0);
        free(t);
        assert_int_equal(grants_targets(T.db, "front", 0, &t, &n), 0);
        assert_int_equal(n, 2);
        assert_true(lk_keypad_code_value_ok(t[1].rec.code));
        assert_int_not_equal(t[1].rec.code, 654321);
        free(t);

        /* Changed dates update; a grant left out is cancelled. */
        {
                static const char doc2[] =
                        "{" PROPS ",\"grants\":[{\"id\":\"BK-1\",\"property\":\"seaside\",\"guest\":\"Anna Müller\","
                        "\"code\":\"654321\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-06T10:00:00Z\"}]}";

                assert_int_equal(do_import(T.db, doc2, &res, &err), 0);
                assert_int_equal(res.updated, 1);
                assert_int_equal(res.cancelled, 1);
                assert_int_equal(grants_targets(T.db, "front", 0, &t, &n), 0);
                assert_int_equal(n, 1);
                free(t);
                /* and back: reactivated, keeping its generated code */
                assert_int_equal(do_import(T.db, good_doc, &res, &err), 0);
                assert_int_equal(res.reactivated, 1);
                assert_int_equal(res.updated, 1);
                assert_int_equal(res.generated, 0);
        }
        tmpdb_close(&T);
}

static void import_bad_writes_nothing(void **state)
{
        static const struct {
                const char *doc;
                const char *expect;
        } bad[] = {
                { "{\"grants\": [", "line 1, column 13: not valid JSON (the document ends before the value does)" },
                { "[]", "must be a JSON object" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"nowhere\",\"guest\":\"A\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): property: unknown property 'nowhere'" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"check_in\":\"2030-02-30T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): check_in:" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"check_in\":\"2030-03-02 15:00\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): check_in:" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"check_in\":\"2030-03-05T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): check_out: is not after check_in" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"code\":\"123456\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): code:" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"code\":\"654320\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): code:" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): guest:" },
                { "{" PROPS ",\"grants\":[{\"id\":\"bad id\",\"property\":\"seaside\",\"guest\":\"A\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0]: id:" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"},"
                  "{\"id\":\"N-2\",\"property\":\"seaside\",\"guest\":\"B\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"},"
                  "{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"C\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[2] (id 'N-1'): id: duplicate of grants[0]" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"chek_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): unknown field 'chek_in'" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"daily\":\"22:00-08:00\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): daily:" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\",\"locks\":{\"office\":{\"code\":\"345678\"}}}]}",
                  "grants[0] (id 'N-1'): locks.office: lock 'office' is not a guest-access lock" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"status\":\"maybe\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): status:" },
                { "{\"properties\":[{\"id\":\"p\",\"locks\":[\"../x\"]}],\"grants\":[]}", "properties[0] (id 'p'): locks[0]: lock:" },
                /* the same explicit code twice on one lock during overlapping stays */
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"code\":\"345678\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"},"
                  "{\"id\":\"N-2\",\"property\":\"seaside\",\"guest\":\"B\",\"code\":\"345678\",\"check_in\":\"2030-03-04T15:00:00Z\",\"check_out\":\"2030-03-06T10:00:00Z\"}]}",
                  "grants 'N-1' and 'N-2': code:" },
                /* the same rules for times and JSON as every entry point (test-timefmt.c) */
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"check_in\":\"2100-03-02T15:00:00Z\",\"check_out\":\"2100-03-05T10:00:00Z\"}]}",
                  "grants[0] (id 'N-1'): check_in: '2100-03-02T15:00:00Z' is outside the supported range 2000-01-01T00:00:00Z to 2099-12-31T23:59:59Z" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\",\"daily\":\"08:00-08:00\"}]}",
                  "grants[0] (id 'N-1'): daily: the daily window starts and ends at the same minute" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]} {}",
                  "line 1, column 256: data after the end of the JSON value" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_in\":\"2030-03-01T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  "line 1, column 218: duplicate member \"check_in\"" },
                { "{" PROPS ",\"grants\":[{\"id\":\"N-1\",\"property\":\"seaside\",\"guest\":\"A\\u0000dmin\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}",
                  ": \\u0000 (NUL) inside a string" },
        };
        struct grants_import_result res;
        struct grants_error err;
        struct tmpdb T;
        char *before, *after;

        (void)state;
        tmpdb_open(&T);
        assert_int_equal(do_import(T.db, good_doc, &res, &err), 0);
        before = snapshot(T.db);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int r = do_import(T.db, bad[i].doc, &res, &err);

                if (r != -EINVAL || !strstr(err.msg, bad[i].expect))
                        fail_msg("bad[%zu]: r=%d, error '%s', expected '%s'", i, r, err.msg, bad[i].expect);
                after = snapshot(T.db);
                if (!streq(before, after))
                        fail_msg("bad[%zu] wrote something", i);
                free(after);
        }
        free(before);
        tmpdb_close(&T);
}

/* What most backends emit (milliseconds, lower-case t/z) is RFC 3339 and is read as such. */
static void import_reads_times_in_full(void **state)
{
        static const char doc[] =
                "{" PROPS ",\"grants\":[{\"id\":\"T-1\",\"property\":\"seaside\",\"guest\":\"Tim\","
                "\"check_in\":\"2030-03-02t15:00:00.000z\",\"check_out\":\"2030-03-05T10:00:00.750+01:00\"}]}";
        struct grants_import_result res;
        struct grants_error err = { { 0 } };
        struct grant_target *t = NULL;
        size_t n = 0;
        struct tmpdb T;

        (void)state;
        tmpdb_open(&T);
        if (do_import(T.db, doc, &res, &err) < 0)
                fail_msg("%s", err.msg);
        assert_int_equal(grants_targets(T.db, "front", 0, &t, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(t[0].check_in, life_time("2030-03-02T15:00:00Z"));
        assert_int_equal(t[0].check_out, life_time("2030-03-05T09:00:00Z"));
        free(t);
        tmpdb_close(&T);
}

static void example_file_imports(void **state)
{
        struct grants_import_result res;
        struct grants_error err = { { 0 } };
        struct tmpdb T;
        int r;

        (void)state;
        tmpdb_open(&T);
        r = grants_import_file(T.db, LK_SOURCE_DIR "/examples/bookings.json", "file", NULL, &res, &err);
        if (r < 0)
                fail_msg("examples/bookings.json: %s", err.msg);
        assert_true(res.added >= 2);
        tmpdb_close(&T);
}

/* ---- the plan (pure) ------------------------------------------------------------------------ */

static struct grant_target mk_target(const char *id, uint32_t code, int64_t in, int64_t out)
{
        struct grant_target t = { .check_in = in, .check_out = out, .lead = -1 };

        snprintf(t.grant, sizeof(t.grant), "%s", id);
        snprintf(t.guest, sizeof(t.guest), "Guest %s", id);
        assert_int_equal(grants_code_name(t.guest, t.rec.name), 0);
        t.rec.code = code;
        t.rec.enabled = true;
        t.rec.window.time_limited = true;
        assert_int_equal(lk_datetime_from_unix(in, &t.rec.window.from), 0);
        assert_int_equal(lk_datetime_from_unix(out, &t.rec.window.until), 0);
        return t;
}

static const struct lc_step *plan_find(const struct lc_plan *p, enum lc_step_kind k, ssize_t target)
{
        for (size_t i = 0; i < p->n; i++)
                if (p->steps[i].kind == k && p->steps[i].target == target)
                        return &p->steps[i];
        return NULL;
}

static void plan_capacity_and_order(void **state)
{
        const int64_t now = 2000000000, day = 86400;
        struct lk_keypad_code *codes = calloc(CODES_MAX, sizeof(*codes));
        struct grant_target t[3];
        struct lifecycle_opts o;
        struct lc_plan p;
        bool seen_add = false;

        (void)state;
        lifecycle_opts_default(&o);
        /* 99 unmanaged codes: one slot left. */
        for (unsigned i = 0; i < 99; i++) {
                codes[i].id = (uint16_t)(i + 1);
                codes[i].code = 311111 + i % 9 + (i / 9) * 10;
                snprintf(codes[i].name, sizeof(codes[i].name), "fill %u", i);
        }
        t[0] = mk_target("A", 987654, now + 2 * day, now + 3 * day);
        t[1] = mk_target("B", 987655, now + 1 * day, now + 3 * day); /* earliest: wins the slot */
        t[2] = mk_target("C", 987656, now + 10 * day, now + 12 * day); /* not due (lead 72 h) */
        /* (the engine gets targets sorted by check-in; this checks the plan does not rely on the
         * first element only) */
        {
                struct grant_target sorted[3] = { t[1], t[0], t[2] };

                assert_int_equal(lifecycle_plan(codes, 99, sorted, 3, NULL, 0, now, &o, &p), 0);
                assert_int_equal(p.scheduled, 1);
                assert_non_null(plan_find(&p, LC_STEP_ADD, 0));
                assert_non_null(plan_find(&p, LC_STEP_NO_SPACE, 1));
                assert_null(plan_find(&p, LC_STEP_ADD, 2));
                /* order: unmanaged last, add before no-space */
                for (size_t i = 0; i < p.n; i++) {
                        if (p.steps[i].kind == LC_STEP_ADD)
                                seen_add = true;
                        if (p.steps[i].kind == LC_STEP_NO_SPACE)
                                assert_true(seen_add);
                }
                assert_int_equal(p.steps[p.n - 1].kind, LC_STEP_UNMANAGED);
                lc_plan_done(&p);
        }
        free(codes);
}

static void plan_evicts_later_checkin(void **state)
{
        const int64_t now = 2000000000, day = 86400;
        struct lk_keypad_code *codes = calloc(CODES_MAX, sizeof(*codes));
        struct grant_target t[2];
        struct grant_code row = { .state = GRANT_CODE_PROVISIONED };
        struct lifecycle_opts o;
        struct lc_plan p;

        (void)state;
        lifecycle_opts_default(&o);
        t[0] = mk_target("EARLY", 987654, now + 1 * day, now + 2 * day);
        t[1] = mk_target("LATE", 987655, now + 2 * day, now + 4 * day);
        for (unsigned i = 0; i < 99; i++) {
                codes[i].id = (uint16_t)(i + 1);
                codes[i].code = 311111 + i % 9 + (i / 9) * 10;
                snprintf(codes[i].name, sizeof(codes[i].name), "fill %u", i);
        }
        /* LATE is on the lock (ours), the lock is full, EARLY arrives: LATE makes room. */
        codes[99] = t[1].rec;
        codes[99].id = 500;
        snprintf(row.grant, sizeof(row.grant), "LATE");
        row.code_id = 500;
        row.rec = codes[99];
        assert_int_equal(lifecycle_plan(codes, 100, t, 2, &row, 1, now, &o, &p), 0);
        assert_non_null(plan_find(&p, LC_STEP_ADD, 0));
        assert_non_null(plan_find(&p, LC_STEP_REMOVE, 1));
        assert_string_equal(plan_find(&p, LC_STEP_REMOVE, 1)->reason, "evicted");
        assert_non_null(plan_find(&p, LC_STEP_NO_SPACE, 1));
        lc_plan_done(&p);

        /* A guest already staying is never evicted. */
        t[1] = mk_target("LATE", 987655, now - 1 * day, now + 4 * day);
        codes[99] = t[1].rec;
        codes[99].id = 500;
        row.rec = codes[99];
        t[0] = mk_target("EARLY", 987654, now + 1 * day, now + 2 * day);
        assert_int_equal(lifecycle_plan(codes, 100, t, 2, &row, 1, now, &o, &p), 0);
        assert_non_null(plan_find(&p, LC_STEP_NO_SPACE, 0));
        assert_non_null(plan_find(&p, LC_STEP_KEEP, 1));
        lc_plan_done(&p);
        free(codes);
}

static void plan_found_by_value_and_name(void **state)
{
        const int64_t now = 2000000000, day = 86400;
        struct grant_target t = mk_target("X", 987654, now + day, now + 2 * day);
        struct lk_keypad_code codes[2];
        struct lifecycle_opts o;
        struct lc_plan p;

        (void)state;
        lifecycle_opts_default(&o);
        codes[0] = t.rec; /* written before a crash, no row */
        codes[0].id = 7;
        codes[1] = t.rec; /* same value but another name: not ours */
        codes[1].id = 8;
        codes[1].code = 876543;
        snprintf(codes[1].name, sizeof(codes[1].name), "Cleaner");
        assert_int_equal(lifecycle_plan(codes, 2, &t, 1, NULL, 0, now, &o, &p), 0);
        assert_int_equal(p.n, 2);
        assert_non_null(plan_find(&p, LC_STEP_KEEP, 0));
        assert_int_equal(p.steps[1].kind, LC_STEP_UNMANAGED);
        lc_plan_done(&p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(name_rules),
                cmocka_unit_test(duration_and_code),
                cmocka_unit_test(import_roundtrip),
                cmocka_unit_test(import_bad_writes_nothing),
                cmocka_unit_test(import_reads_times_in_full),
                cmocka_unit_test(example_file_imports),
                cmocka_unit_test(plan_capacity_and_order),
                cmocka_unit_test(plan_evicts_later_checkin),
                cmocka_unit_test(plan_found_by_value_and_name),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("grants", tests, NULL, NULL);
}
