/* SPDX-License-Identifier: MIT */
/*
 * The lifecycle engine: code names, the import (and that a bad file writes nothing), the plan,
 * and reconcile against real virtual locks: booking → code on every guest-access lock, dates
 * changed → same code new window, cancelled → removed, expired → pruned, unmanaged left alone,
 * lock full → reported and provisioned once space frees, link faults → no duplicates, a crash
 * between lock write and row → found, not doubled; attribution of keypad entries.
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
        assert_int_equal(grants_code_name("  Jean \t  Dupont  ", n), 0);
        assert_string_equal(n, "Jean Dupont");
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
        return grants_import(db, doc, strlen(doc), "file", res, err);
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
        assert_int_equal(grants_targets(T.db, "office", &t, &n), 0);
        assert_int_equal(n, 0);
        free(t);
        assert_int_equal(grants_targets(T.db, "back", &t, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(t[0].grant, "BK-1");
        assert_int_equal(t[0].rec.code, 654321);
        assert_int_equal(t[0].check_out - t[0].check_in, (3 * 24 - 6) * 3600); /* +01:00 honoured */
        assert_string_equal(t[1].grant, "BK-2");
        assert_int_equal(t[1].rec.code, 777888);
        assert_false(t[1].may_redraw);
        assert_int_equal(t[1].lead, 7200);
        assert_int_equal(t[1].rec.window.from_time.hour, 8);
        assert_int_equal(t[1].rec.window.until_time.hour, 22);
        assert_int_equal(t[1].rec.window.weekdays, 0);
        free(t);
        assert_int_equal(grants_targets(T.db, "front", &t, &n), 0);
        assert_int_equal(n, 2);
        assert_true(t[1].may_redraw);
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
                assert_int_equal(grants_targets(T.db, "front", &t, &n), 0);
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
                { "{\"grants\": [", "not valid JSON" },
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

static void example_file_imports(void **state)
{
        struct grants_import_result res;
        struct grants_error err = { { 0 } };
        struct tmpdb T;
        int r;

        (void)state;
        tmpdb_open(&T);
        r = grants_import_file(T.db, LK_SOURCE_DIR "/examples/bookings.json", "file", &res, &err);
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

/* ---- reconcile on virtual locks -------------------------------------------------------------- */

static const char *const lock_names[] = { "front", "back", "office" };
static struct life L;

static int life_setup(void **state)
{
        (void)state;
        life_init(&L, lock_names, 3);
        return 0;
}

static int life_teardown(void **state)
{
        (void)state;
        life_cleanup(&L);
        return 0;
}

static char *doc_one(const char *id, const char *guest, const char *in, const char *out, const char *status)
{
        char *s = NULL;

        assert_true(asprintf(&s,
                             "{" PROPS ",\"grants\":[{\"id\":\"%s\",\"property\":\"seaside\",\"guest\":\"%s\","
                             "\"check_in\":\"%s\",\"check_out\":\"%s\",\"status\":\"%s\"}]}",
                             id, guest, in, out, status) > 0);
        return s;
}

static void booking_lifecycle(void **state)
{
        int64_t now = life_time("2030-03-01T12:00:00Z");
        struct lc_result *res;
        const struct lc_item *it;
        cJSON *front, *back, *office, *a, *b;
        int count;
        double id_front, code_front;
        char *doc;

        (void)state;
        /* Added → on every guest-access lock, with one code; not on the office. */
        doc = doc_one("BK-1", "Zoë Åberg-Lindqvistö Extra", "2030-03-02T15:00:00Z", "2030-03-05T10:00:00Z", "active");
        life_import(&L, doc);
        free(doc);
        res = life_reconcile(&L, NULL, now);
        assert_true(res->complete);
        assert_int_equal(res->n_locks, 3);
        it = life_item(life_lock(res, "front"), "BK-1");
        assert_non_null(it);
        assert_int_equal(it->outcome, LC_PROVISIONED);
        assert_true(it->code_id > 0);
        assert_true(life_lock(res, "front")->clock_set); /* the sim's clock was far from `now` */
        assert_int_equal(life_item(life_lock(res, "back"), "BK-1")->outcome, LC_PROVISIONED);
        assert_null(life_item(life_lock(res, "office"), "BK-1"));
        assert_int_equal(res->next_run, life_time("2030-03-05T11:00:00Z")); /* check-out + 1 h grace */
        lc_result_free(res);

        front = life_codes(&L, 0);
        back = life_codes(&L, 1);
        office = life_codes(&L, 2);
        a = life_code_named(front, "Zoë Åberg-Lindqvis", &count);
        assert_non_null(a);
        assert_int_equal(count, 1);
        b = life_code_named(back, "Zoë Åberg-Lindqvis", &count);
        assert_non_null(b);
        assert_int_equal(count, 1);
        assert_int_equal(cJSON_GetArraySize(office), 0);
        code_front = jnum(a, "code");
        id_front = jnum(a, "id");
        assert_true(code_front == jnum(b, "code")); /* one code for the stay, on every door */
        assert_string_equal(jstr(a, "window.from"), "2030-03-02T15:00:00Z");
        assert_string_equal(jstr(a, "window.until"), "2030-03-05T10:00:00Z");
        cJSON_Delete(front);
        cJSON_Delete(back);
        cJSON_Delete(office);
        assert_int_equal(life_events(&L, "code.provisioned"), 2);

        /* Again: nothing to do, no new event. */
        res = life_reconcile(&L, NULL, now + 60);
        assert_int_equal(life_item(life_lock(res, "front"), "BK-1")->outcome, LC_UNCHANGED);
        assert_int_equal(life_item(life_lock(res, "back"), "BK-1")->outcome, LC_UNCHANGED);
        lc_result_free(res);
        assert_int_equal(life_events(&L, "code.provisioned"), 2);

        /* Dates changed → same code, same id, new window. */
        doc = doc_one("BK-1", "Zoë Åberg-Lindqvistö Extra", "2030-03-02T12:00:00Z", "2030-03-06T10:00:00Z", "active");
        life_import(&L, doc);
        free(doc);
        res = life_reconcile(&L, NULL, now + 120);
        assert_int_equal(life_item(life_lock(res, "front"), "BK-1")->outcome, LC_UPDATED);
        assert_int_equal(life_item(life_lock(res, "back"), "BK-1")->outcome, LC_UPDATED);
        lc_result_free(res);
        front = life_codes(&L, 0);
        a = life_code_named(front, "Zoë Åberg-Lindqvis", &count);
        assert_int_equal(count, 1);
        assert_true(jnum(a, "id") == id_front);
        assert_true(jnum(a, "code") == code_front);
        assert_string_equal(jstr(a, "window.from"), "2030-03-02T12:00:00Z");
        assert_string_equal(jstr(a, "window.until"), "2030-03-06T10:00:00Z");
        cJSON_Delete(front);
        assert_int_equal(life_events(&L, "code.provisioned"), 4);

        /* Cancelled → removed from both. */
        doc = doc_one("BK-1", "Zoë Åberg-Lindqvistö Extra", "2030-03-02T12:00:00Z", "2030-03-06T10:00:00Z", "cancelled");
        life_import(&L, doc);
        free(doc);
        res = life_reconcile(&L, NULL, now + 180);
        it = life_item(life_lock(res, "front"), "BK-1");
        assert_int_equal(it->outcome, LC_REMOVED);
        assert_string_equal(it->reason, "cancelled");
        assert_int_equal(life_item(life_lock(res, "back"), "BK-1")->outcome, LC_REMOVED);
        lc_result_free(res);
        front = life_codes(&L, 0);
        back = life_codes(&L, 1);
        assert_int_equal(cJSON_GetArraySize(front), 0);
        assert_int_equal(cJSON_GetArraySize(back), 0);
        cJSON_Delete(front);
        cJSON_Delete(back);
        assert_int_equal(life_events(&L, "code.removed"), 2);

        /* Expired → pruned after check-out + grace, not before. */
        doc = doc_one("BK-2", "Bob", "2030-03-02T15:00:00Z", "2030-03-05T10:00:00Z", "active");
        life_import(&L, doc);
        free(doc);
        res = life_reconcile(&L, NULL, now);
        assert_int_equal(life_item(life_lock(res, "front"), "BK-2")->outcome, LC_PROVISIONED);
        lc_result_free(res);
        res = life_reconcile(&L, NULL, life_time("2030-03-05T10:30:00Z"));
        assert_int_equal(life_item(life_lock(res, "front"), "BK-2")->outcome, LC_UNCHANGED);
        assert_int_equal(res->next_run, life_time("2030-03-05T11:00:00Z"));
        lc_result_free(res);
        res = life_reconcile(&L, NULL, life_time("2030-03-05T11:00:01Z"));
        it = life_item(life_lock(res, "front"), "BK-2");
        assert_int_equal(it->outcome, LC_REMOVED);
        assert_string_equal(it->reason, "expired");
        assert_int_equal(life_item(life_lock(res, "back"), "BK-2")->outcome, LC_REMOVED);
        assert_int_equal(res->next_run, INT64_MAX);
        lc_result_free(res);
        front = life_codes(&L, 0);
        assert_int_equal(cJSON_GetArraySize(front), 0);
        cJSON_Delete(front);
}

static void unmanaged_left_alone(void **state)
{
        int64_t now = life_time("2030-03-01T12:00:00Z");
        struct lc_result *res;
        const struct lc_lock_result *lr;
        bool reported = false;
        cJSON *j, *front;
        int count;
        char *doc;

        (void)state;
        assert_int_equal(h_cli(&L.h[0], "345678\n", &j, "--lock", "front", "code", "add", "--name", "Cleaner",
                               "--code-file", "-", NULL),
                         0);
        cJSON_Delete(j);
        doc = doc_one("BK-3", "Carla", "2030-03-02T15:00:00Z", "2030-03-05T10:00:00Z", "active");
        life_import(&L, doc);
        free(doc);
        for (int round = 0; round < 2; round++) {
                res = life_reconcile(&L, "front", now + round);
                lr = life_lock(res, "front");
                assert_true(lr->complete);
                assert_int_equal(lr->count[LC_UNMANAGED], 1);
                for (size_t i = 0; i < lr->n_items; i++)
                        if (lr->items[i].outcome == LC_UNMANAGED && streq(lr->items[i].name, "Cleaner"))
                                reported = true;
                assert_true(reported);
                lc_result_free(res);
        }
        front = life_codes(&L, 0);
        assert_non_null(life_code_named(front, "Cleaner", &count));
        assert_int_equal(count, 1);
        assert_true(jnum(life_code_named(front, "Cleaner", NULL), "code") == 345678);
        assert_false(cJSON_IsTrue(jget(life_code_named(front, "Cleaner", NULL), "window.time_limited")));
        assert_non_null(life_code_named(front, "Carla", &count));
        assert_int_equal(count, 1);
        cJSON_Delete(front);
        assert_int_equal(life_events(&L, "code.unmanaged"), 1); /* reported once, not every run */

        /* A booking whose explicit code is the cleaner's: refused with a reason, cleaner intact. */
        life_import(&L, "{" PROPS ",\"grants\":[{\"id\":\"BK-4\",\"property\":\"seaside\",\"guest\":\"Dan\",\"code\":\"345678\","
                        "\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}");
        res = life_reconcile(&L, "front", now + 5);
        assert_int_equal(life_item(life_lock(res, "front"), "BK-4")->outcome, LC_FAILED);
        assert_non_null(strstr(life_item(life_lock(res, "front"), "BK-4")->reason, "code_in_use"));
        lc_result_free(res);
        assert_int_equal(life_events(&L, "code.failed"), 1);
        front = life_codes(&L, 0);
        assert_non_null(life_code_named(front, "Cleaner", &count));
        assert_int_equal(count, 1);
        assert_null(life_code_named(front, "Dan", NULL));
        cJSON_Delete(front);
}

static void capacity_full(void **state)
{
        int64_t now = life_time("2030-03-01T12:00:00Z");
        struct lc_result *res;
        const struct lc_lock_result *lr;
        struct session *s;
        sd_event *e = NULL;
        uint16_t ids[100];
        uint32_t used[100];
        cJSON *front;

        (void)state;
        /* Fill the front door with 100 codes someone else made. */
        s = life_session(&L, 0, &e);
        for (unsigned i = 0; i < 100; i++) {
                struct lk_keypad_code c = { .enabled = true };

                c.code = grants_generate_code(used, i);
                used[i] = c.code;
                snprintf(c.name, sizeof(c.name), "staff %u", i);
                assert_int_equal(lockops_code_add(s, &c, &ids[i]), 0);
        }
        session_disconnect(s); /* a lock takes one connection at a time */
        life_import(&L, "{" PROPS ",\"grants\":["
                        "{\"id\":\"C-3\",\"property\":\"seaside\",\"guest\":\"Third\",\"check_in\":\"2030-03-03T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"},"
                        "{\"id\":\"C-1\",\"property\":\"seaside\",\"guest\":\"First\",\"check_in\":\"2030-03-01T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"},"
                        "{\"id\":\"C-2\",\"property\":\"seaside\",\"guest\":\"Second\",\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}]}");
        res = life_reconcile(&L, NULL, now);
        lr = life_lock(res, "front");
        assert_int_equal(lr->count[LC_NO_SPACE], 3);
        assert_int_equal(lr->codes_after, 100);
        assert_int_equal(lr->count[LC_UNMANAGED], 100);
        assert_int_equal(life_lock(res, "back")->count[LC_PROVISIONED], 3); /* the other door is fine */
        assert_true(lr->complete); /* full is not a failure to reach it */
        lc_result_free(res);
        assert_int_equal(life_events(&L, "code.failed"), 3);
        assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM lc_grants WHERE status = 'active'"), 3); /* nothing lost */

        /* Two places free: the two earliest check-ins get them. */
        assert_int_equal(session_connect(s, NULL), 0);
        assert_int_equal(lockops_code_remove(s, ids[0]), 0);
        assert_int_equal(lockops_code_remove(s, ids[1]), 0);
        session_disconnect(s);
        res = life_reconcile(&L, "front", now + 60);
        lr = life_lock(res, "front");
        assert_int_equal(life_item(lr, "C-1")->outcome, LC_PROVISIONED);
        assert_int_equal(life_item(lr, "C-2")->outcome, LC_PROVISIONED);
        assert_int_equal(life_item(lr, "C-3")->outcome, LC_NO_SPACE);
        lc_result_free(res);
        assert_int_equal(life_events(&L, "code.failed"), 3); /* still full for C-3: no new event */

        /* One more: the last one follows. */
        assert_int_equal(session_connect(s, NULL), 0);
        assert_int_equal(lockops_code_remove(s, ids[2]), 0);
        session_disconnect(s);
        res = life_reconcile(&L, "front", now + 120);
        assert_int_equal(life_item(life_lock(res, "front"), "C-3")->outcome, LC_PROVISIONED);
        lc_result_free(res);
        front = life_codes(&L, 0);
        assert_int_equal(cJSON_GetArraySize(front), 100);
        assert_non_null(life_code_named(front, "First", NULL));
        assert_non_null(life_code_named(front, "Second", NULL));
        assert_non_null(life_code_named(front, "Third", NULL));
        cJSON_Delete(front);
        session_free(s);
        sd_event_unref(e);
}

static void link_faults_never_duplicate(void **state)
{
        int64_t now = life_time("2030-03-01T12:00:00Z");
        char *doc = NULL, ctl[64];
        size_t len = 0;
        FILE *f;
        unsigned incomplete = 0;

        (void)state;
        L.opts.refresh_auths = false;
        for (unsigned n = 1; n <= 24; n++) {
                struct lc_result *res;
                cJSON *front, *it;

                /* n bookings; the newest must be added while the link drops after write n. */
                f = open_memstream(&doc, &len);
                fprintf(f, "{\"properties\":[{\"id\":\"solo\",\"locks\":[\"front\"]}],\"grants\":[");
                for (unsigned k = 1; k <= n; k++)
                        fprintf(f, "%s{\"id\":\"F-%u\",\"property\":\"solo\",\"guest\":\"Guest %u\","
                                   "\"check_in\":\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-05T10:00:00Z\"}",
                                k > 1 ? "," : "", k, k);
                fprintf(f, "]}");
                fclose(f);
                life_import(&L, doc);
                free(doc);
                doc = NULL;
                snprintf(ctl, sizeof(ctl), "fault drop-after %u", n);
                h_ctl_ok(&L.h[0], ctl);
                res = life_reconcile(&L, "front", now + n);
                incomplete += !res->complete;
                lc_result_free(res);
                h_ctl_ok(&L.h[0], "fault clear");
                res = life_reconcile(&L, "front", now + n);
                assert_true(res->complete);
                lc_result_free(res);

                front = life_codes(&L, 0);
                assert_int_equal(cJSON_GetArraySize(front), n);
                for (unsigned k = 1; k <= n; k++) {
                        char name[32];
                        int count;

                        snprintf(name, sizeof(name), "Guest %u", k);
                        assert_non_null(life_code_named(front, name, &count));
                        if (count != 1)
                                fail_msg("round %u: '%s' is on the lock %d times", n, name, count);
                }
                cJSON_ArrayForEach(it, front)
                        assert_true(cJSON_IsTrue(jget(it, "window.time_limited")));
                cJSON_Delete(front);
                /* one provisioned event per code, however the link behaved */
                assert_int_equal(life_events(&L, "code.provisioned"), n);
        }
        print_message("link faults: %u of 24 runs were cut short and finished on the next run\n", incomplete);
}

static void crash_after_lock_write_is_found(void **state)
{
        int64_t now = life_time("2030-03-01T12:00:00Z");
        struct grant_target *t = NULL;
        struct codes_outcome out;
        enum lk_code_problem p;
        struct lc_result *res;
        struct session *s;
        sd_event *e = NULL;
        size_t n = 0;
        cJSON *front;
        int count;
        char *doc;

        (void)state;
        doc = doc_one("K-1", "Kim", "2030-03-02T15:00:00Z", "2030-03-05T10:00:00Z", "active");
        life_import(&L, doc);
        free(doc);
        /* Play the crash: the engine wrote the code to the lock and died before its row. */
        assert_int_equal(grants_targets(L.db, "front", &t, &n), 0);
        assert_int_equal(n, 1);
        s = life_session(&L, 0, &e);
        assert_int_equal(codes_add(s, &t[0].rec, &p, &out), 0);
        session_free(s);
        sd_event_unref(e);
        free(t);

        res = life_reconcile(&L, "front", now);
        assert_int_equal(life_item(life_lock(res, "front"), "K-1")->outcome, LC_PROVISIONED);
        assert_string_equal(life_item(life_lock(res, "front"), "K-1")->reason, "found");
        assert_int_equal(life_item(life_lock(res, "front"), "K-1")->code_id, out.id);
        lc_result_free(res);
        front = life_codes(&L, 0);
        assert_non_null(life_code_named(front, "Kim", &count));
        assert_int_equal(count, 1);
        assert_int_equal(cJSON_GetArraySize(front), 1);
        cJSON_Delete(front);
        assert_int_equal(life_events(&L, "code.provisioned"), 1); /* found, recorded once */

        /* And a removal that landed before its row: the next run records it as gone. */
        doc = doc_one("K-1", "Kim", "2030-03-02T15:00:00Z", "2030-03-05T10:00:00Z", "cancelled");
        life_import(&L, doc);
        free(doc);
        s = life_session(&L, 0, &e);
        assert_int_equal(lockops_code_remove(s, out.id), 0);
        session_free(s);
        sd_event_unref(e);
        res = life_reconcile(&L, "front", now + 10);
        assert_int_equal(life_item(life_lock(res, "front"), "K-1")->outcome, LC_REMOVED);
        assert_string_equal(life_item(life_lock(res, "front"), "K-1")->reason, "gone");
        lc_result_free(res);
        assert_int_equal(life_events(&L, "code.removed"), 1);
}

static void unreachable_lock_stays_pending(void **state)
{
        int64_t now = life_time("2030-03-01T12:00:00Z");
        struct lc_result *res;
        const struct lc_lock_result *back;
        cJSON *j;
        char *doc;

        (void)state;
        doc = doc_one("U-1", "Uma", "2030-03-02T15:00:00Z", "2030-03-05T10:00:00Z", "active");
        life_import(&L, doc);
        free(doc);
        h_sim_stop(&L.h[1]);
        res = life_reconcile(&L, NULL, now);
        assert_false(res->complete);
        back = life_lock(res, "back");
        assert_false(back->reached);
        assert_true(back->error < 0);
        assert_int_equal(life_item(back, "U-1")->outcome, LC_PENDING);
        assert_int_equal(life_item(life_lock(res, "front"), "U-1")->outcome, LC_PROVISIONED);
        j = lc_result_json(res);
        assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "complete")));
        cJSON_Delete(j);
        lc_result_free(res);
        /* Back again: provisioned on the next run. */
        h_sim_start(&L.h[1], NULL);
        res = life_reconcile(&L, NULL, now + 60);
        assert_true(res->complete);
        assert_int_equal(life_item(life_lock(res, "back"), "U-1")->outcome, LC_PROVISIONED);
        lc_result_free(res);
}

static int keypad_entry(void *userdata, const struct lk_log_entry *e)
{
        if (e->type == LK_LOG_KEYPAD_ACTION)
                *(struct lk_log_entry *)userdata = *e;
        return 0;
}

static void attribution(void **state)
{
        int64_t now = life_time("2030-03-03T12:00:00Z"); /* during the stay */
        struct lk_log_entry entry = { 0 };
        struct lc_attribution a;
        struct lc_result *res;
        struct session *s;
        sd_event *e = NULL;
        char ctl[64];
        int64_t code;
        cJSON *obj;
        char *doc;

        (void)state;
        doc = doc_one("A-1", "Ava", "2030-03-02T15:00:00Z", "2030-03-05T10:00:00Z", "active");
        life_import(&L, doc);
        free(doc);
        res = life_reconcile(&L, "front", now);
        assert_int_equal(life_item(life_lock(res, "front"), "A-1")->outcome, LC_PROVISIONED);
        lc_result_free(res);
        code = life_sql_int(&L, "SELECT code FROM lc_grants WHERE id = 'A-1'");
        snprintf(ctl, sizeof(ctl), "type-code %06lld", (long long)code);
        h_ctl_ok(&L.h[0], ctl);
        s = life_session(&L, 0, &e);
        assert_int_equal(lockops_log_read(s, 0, 50, false, keypad_entry, &entry, NULL), 0);
        assert_int_equal(entry.type, LK_LOG_KEYPAD_ACTION);
        assert_int_equal(lifecycle_attribute(L.db, "front", &entry, &a), 0);
        assert_string_equal(a.grant, "A-1");
        assert_string_equal(a.guest, "Ava");
        obj = cJSON_CreateObject();
        lifecycle_attribute_json(L.db, "front", &entry, obj);
        assert_string_equal(jstr(obj, "grant"), "A-1");
        cJSON_Delete(obj);
        /* A lock action by our own authorization: its name. */
        {
                struct lk_log_entry act = { .type = LK_LOG_LOCK_ACTION };

                act.auth_id = 0;
                assert_int_equal(lifecycle_attribute(L.db, "front", &act, &a), -ENOENT);
                act.auth_id = (uint32_t)life_sql_int(&L, "SELECT auth_id FROM lc_auth_names WHERE lock = 'front' LIMIT 1");
                assert_int_equal(lifecycle_attribute(L.db, "front", &act, &a), 0);
                assert_true(strlen(a.auth_name) > 0);
        }
        session_free(s);
        sd_event_unref(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(name_rules),
                cmocka_unit_test(duration_and_code),
                cmocka_unit_test(import_roundtrip),
                cmocka_unit_test(import_bad_writes_nothing),
                cmocka_unit_test(example_file_imports),
                cmocka_unit_test(plan_capacity_and_order),
                cmocka_unit_test(plan_evicts_later_checkin),
                cmocka_unit_test(plan_found_by_value_and_name),
                cmocka_unit_test_setup_teardown(booking_lifecycle, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(unmanaged_left_alone, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(capacity_full, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(link_faults_never_duplicate, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(crash_after_lock_write_is_found, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(unreachable_lock_stays_pending, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(attribution, life_setup, life_teardown),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
