/* SPDX-License-Identifier: MIT */
/*
 * Changeovers, codes that reach the guest, feeds that cannot wipe stays, and plans that never
 * write, against real virtual locks (issue 10). Lead 2 h and grace 1 h throughout, both non-zero,
 * so a changeover is never hidden by a zero.
 *
 * The example of the issue: stay A 2030-11-27T15:00Z → 2030-11-30T10:00Z and stay B
 * 2030-11-30T10:00Z → … with the same code 482915 on one lock. B's code must open at B's
 * check-in, not after A's grace; B is pending (never failed) while A's stay lasts.
 */
#include "harness-life.h"

#include <sodium.h>

#include "codes.h"
#include "logsync.h"
#include "outbox.h"

#define LEAD 7200
#define GRACE 3600

static const char *const lock_names[] = { "front", "back" };
static struct life L;

static int setup(void **state)
{
        (void)state;
        life_init(&L, lock_names, 2);
        L.opts.lead = LEAD;
        L.opts.grace = GRACE;
        L.opts.drift_max = -1; /* the tests move the locks' clocks themselves */
        L.import_opts = (struct grants_import_opts){ .lead = LEAD, .grace = GRACE, .now = life_time("2030-11-20T00:00:00Z") };
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        life_cleanup(&L);
        return 0;
}

#define FLAT "\"properties\":[{\"id\":\"flat\",\"locks\":[\"front\"]}]"

static char *two_stays(const char *b_in, const char *b_out)
{
        char *s = NULL;

        assert_true(asprintf(&s,
                             "{" FLAT ",\"grants\":["
                             "{\"id\":\"A\",\"property\":\"flat\",\"guest\":\"Ann Arrive\",\"code\":\"482915\","
                             "\"check_in\":\"2030-11-27T15:00:00Z\",\"check_out\":\"2030-11-30T10:00:00Z\"},"
                             "{\"id\":\"B\",\"property\":\"flat\",\"guest\":\"Ben Next\",\"code\":\"482915\","
                             "\"check_in\":\"%s\",\"check_out\":\"%s\"}]}",
                             b_in, b_out) > 0);
        return s;
}

static struct grants_import_result import(const char *doc)
{
        struct grants_import_result res;
        struct grants_error err = { { 0 } };

        if (grants_import(L.db, doc, strlen(doc), "file", &L.import_opts, &res, &err) < 0)
                fail_msg("import: %s", err.msg);
        return res;
}

/* The one code on the front door, as an independent reader (`code list`) sees it. */
static cJSON *front_code(void)
{
        cJSON *codes = life_codes(&L, 0), *c;

        assert_int_equal(cJSON_GetArraySize(codes), 1);
        c = cJSON_DetachItemFromArray(codes, 0);
        cJSON_Delete(codes);
        return c;
}

static void changeover(const char *b_in, const char *at, const char *before_at)
{
        struct grants_import_result res;
        struct lc_result *r;
        const struct lc_item *it;
        cJSON *c;
        double id;
        char *doc = two_stays(b_in, "2030-12-03T10:00:00Z");

        res = import(doc);
        free(doc);
        /* the import says what will happen: the residencies overlap (A's grace, B's lead) */
        assert_int_equal(res.warnings_total, 1);
        assert_non_null(strstr(res.warnings[0], "grants 'A' and 'B' have the same code on lock 'front'"));
        assert_non_null(strstr(res.warnings[0], at));

        r = life_reconcile(&L, "front", life_time("2030-11-29T12:00:00Z"));
        assert_int_equal(life_item(life_lock(r, "front"), "A")->outcome, LC_PROVISIONED);
        lc_result_free(r);
        c = front_code();
        id = jnum(c, "id");
        cJSON_Delete(c);

        /* B is due (check-in − lead) while A still lives there: pending, never failed; or, when B's
         * lead begins in A's grace, A's code stays until then and B is scheduled */
        r = life_reconcile(&L, "front", life_time(before_at));
        it = life_item(life_lock(r, "front"), "B");
        if (life_time(before_at) < life_time(b_in) - LEAD) {
                assert_null(it);
                assert_int_equal(life_lock(r, "front")->scheduled, 1);
                assert_int_equal(life_item(life_lock(r, "front"), "A")->outcome, LC_UNCHANGED);
        } else {
                assert_non_null(it);
                assert_int_equal(it->outcome, LC_PENDING);
                assert_non_null(strstr(it->reason, "changeover from 'A'"));
        }
        assert_int_equal(life_lock(r, "front")->count[LC_FAILED], 0);
        assert_true(r->complete);
        assert_int_equal(r->next_run, life_time(at)); /* the daemon wakes exactly then */
        lc_result_free(r);
        assert_int_equal(life_events(&L, "code.failed") + life_events(&L, "code.conflict"), 0);

        /* At the changeover: the record is rewritten in place to B's, same id, one Update */
        r = life_reconcile(&L, "front", life_time(at));
        it = life_item(life_lock(r, "front"), "B");
        assert_int_equal(it->outcome, LC_PROVISIONED);
        assert_string_equal(it->reason, "handed_over");
        assert_int_equal(it->code_id, (int)id);
        assert_string_equal(life_item(life_lock(r, "front"), "A")->reason, "handed_over");
        assert_int_equal(life_lock(r, "front")->codes_after, 1);
        lc_result_free(r);
        c = front_code();
        assert_true(jnum(c, "id") == id);
        assert_string_equal(jstr(c, "name"), "Ben Next");
        /* B's code opens from B's check-in: A's grace never delays it */
        assert_string_equal(jstr(c, "window.from"), b_in);
        cJSON_Delete(c);
        assert_int_equal(life_events(&L, "code.failed") + life_events(&L, "code.conflict"), 0);
        assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM outbox WHERE type = 'code.removed'"
                                          " AND json_extract(payload, '$.reason') = 'handed_over'"
                                          " AND json_extract(payload, '$.to_grant') = 'B'"), 1);
        assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM outbox WHERE type = 'code.provisioned'"
                                          " AND json_extract(payload, '$.change') = 'handed_over'"
                                          " AND json_extract(payload, '$.from_grant') = 'A'"), 1);
        /* Nothing more to do afterwards, and A's grace does not bring A back */
        r = life_reconcile(&L, "front", life_time(at) + 1800);
        assert_int_equal(life_item(life_lock(r, "front"), "B")->outcome, LC_UNCHANGED);
        assert_null(life_item(life_lock(r, "front"), "A"));
        lc_result_free(r);
}

/* A's check-out is B's check-in. */
static void changeover_equal_boundary(void **state)
{
        (void)state;
        changeover("2030-11-30T10:00:00Z", "2030-11-30T10:00:00Z", "2030-11-30T08:30:00Z");
}

/* B checks in at 10:30: B's lead began during A's stay; the changeover is at A's check-out. */
static void changeover_overlapping_lead(void **state)
{
        (void)state;
        changeover("2030-11-30T10:30:00Z", "2030-11-30T10:00:00Z", "2030-11-30T09:00:00Z");
}

/* B checks in at 12:30: B's lead begins in A's grace (10:30); A's grace is cut there. */
static void changeover_in_grace(void **state)
{
        (void)state;
        changeover("2030-11-30T12:30:00Z", "2030-11-30T10:30:00Z", "2030-11-30T10:15:00Z");
}

static int keypad_entries(void *userdata, const struct lk_log_entry *e)
{
        struct lk_log_entry *v = userdata;

        if (e->type != LK_LOG_KEYPAD_ACTION)
                return 0;
        for (int i = 0; i < 4; i++)
                if (v[i].type == 0) {
                        v[i] = *e;
                        break;
                }
        return 0;
}

/* A's last keypad entry, read after the record became B's, is still A's: by code id and time. */
static void late_entry_attributed_to_a(void **state)
{
        struct lk_log_entry e[4];
        struct lc_attribution a;
        struct session *s;
        sd_event *ev = NULL;
        char *doc = two_stays("2030-11-30T10:00:00Z", "2030-12-03T10:00:00Z");

        (void)state;
        memset(e, 0, sizeof(e));
        import(doc);
        free(doc);
        lc_result_free(life_reconcile(&L, "front", life_time("2030-11-29T12:00:00Z")));
        h_ctl_ok(&L.h[0], "clock set 2030-11-30T09:59:00Z");
        h_ctl_ok(&L.h[0], "type-code 482915"); /* Ann, leaving */
        lc_result_free(life_reconcile(&L, "front", life_time("2030-11-30T10:00:00Z")));
        h_ctl_ok(&L.h[0], "clock set 2030-11-30T10:45:00Z");
        h_ctl_ok(&L.h[0], "type-code 482915"); /* Ben, arriving */

        s = life_session(&L, 0, &ev);
        assert_int_equal(lockops_log_read(s, 0, 50, false, keypad_entries, e, NULL), 0);
        session_free(s);
        sd_event_unref(ev);
        assert_int_equal(e[0].data.keypad.code_id, e[1].data.keypad.code_id); /* one id, two guests */
        assert_int_equal(lifecycle_attribute(L.db, "front", &e[0], &a), 0);
        assert_string_equal(a.grant, "A");
        assert_string_equal(a.guest, "Ann Arrive");
        assert_int_equal(lifecycle_attribute(L.db, "front", &e[1], &a), 0);
        assert_string_equal(a.grant, "B");
}

#define DOORS "\"properties\":[{\"id\":\"flat\",\"locks\":[\"front\",\"back\"]}]"

static void write_doc(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

/* A drawn code reaches the PMS (code.issued, once), the operator (grants list), and nobody else. */
static void drawn_code_is_issued(void **state)
{
        char path[300], want[16];
        cJSON *j, *it, *events;
        int64_t code;
        int n = 0;

        (void)state;
        snprintf(path, sizeof(path), "%s/bookings.json", L.h[0].dir);
        write_doc(path, "{" DOORS ",\"grants\":[{\"id\":\"D-1\",\"property\":\"flat\",\"guest\":\"Dee\","
                        "\"check_in\":\"2031-01-10T15:00:00Z\",\"check_out\":\"2031-01-12T10:00:00Z\"}]}");
        assert_int_equal(h_cli(&L.h[0], NULL, &j, "grants", "import", path, NULL), 0);
        assert_int_equal(jnum(j, "codes_generated"), 1);
        cJSON_Delete(j);
        code = life_sql_int(&L, "SELECT code FROM lc_grants WHERE id = 'D-1'");
        snprintf(want, sizeof(want), "%06lld", (long long)code);
        assert_true(lk_keypad_code_value_ok((uint32_t)code));
        /* in the outbox for the upstream, with its value, at import (not at check-in − lead) */
        assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM outbox WHERE type = 'code.issued'"), 1);
        {
                char sql[200];

                snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM outbox WHERE type = 'code.issued'"
                                           " AND json_extract(payload, '$.code') = '%s'"
                                           " AND json_extract(payload, '$.grant') = 'D-1'", want);
                assert_int_equal(life_sql_int(&L, sql), 1);
        }
        /* the operator sees it */
        assert_int_equal(h_cli(&L.h[0], NULL, &j, "grants", "list", NULL), 0);
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "grants"))
                if (streq(jstr(it, "id"), "D-1")) {
                        assert_string_equal(jstr(it, "code"), want);
                        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(it, "code_generated")));
                        n++;
                }
        assert_int_equal(n, 1);
        cJSON_Delete(j);
        /* outbox list masks it */
        assert_int_equal(h_cli(&L.h[0], NULL, &j, "outbox", "list", NULL), 0);
        events = cJSON_GetObjectItem(j, "events");
        n = 0;
        cJSON_ArrayForEach(it, events)
                if (streq(jstr(it, "type"), "code.issued")) {
                        assert_string_equal(jstr(it, "payload.code"), "(hidden)");
                        n++;
                }
        assert_int_equal(n, 1);
        {
                char *text = cJSON_PrintUnformatted(j);

                assert_null(strstr(text, want));
                free(text);
        }
        cJSON_Delete(j);
        /* again: kept, not drawn or issued a second time */
        assert_int_equal(h_cli(&L.h[0], NULL, &j, "grants", "import", path, NULL), 0);
        assert_int_equal(jnum(j, "codes_generated"), 0);
        cJSON_Delete(j);
        assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM outbox WHERE type = 'code.issued'"), 1);
        assert_int_equal(life_sql_int(&L, "SELECT code FROM lc_grants WHERE id = 'D-1'"), code);
}

/* A drawn code met on one door by a hand-made code: kept (it may be with the guest), and that
 * door reports the conflict as its own event naming the code in the way. */
static void drawn_code_conflict_is_kept(void **state)
{
        struct lk_keypad_code c = { .enabled = true, .name = "Cleaner" };
        struct lc_result *r;
        const struct lc_item *it;
        struct session *s;
        sd_event *ev = NULL;
        uint16_t id;
        int64_t code;
        char sql[300];

        (void)state;
        import("{" DOORS ",\"grants\":[{\"id\":\"D-2\",\"property\":\"flat\",\"guest\":\"Eve\","
               "\"check_in\":\"2031-01-10T15:00:00Z\",\"check_out\":\"2031-01-12T10:00:00Z\"}]}");
        code = life_sql_int(&L, "SELECT code FROM lc_grants WHERE id = 'D-2'");
        c.code = (uint32_t)code;
        s = life_session(&L, 1, &ev);
        assert_int_equal(lockops_code_add(s, &c, &id), 0);
        session_free(s);
        sd_event_unref(ev);
        r = life_reconcile(&L, NULL, life_time("2031-01-10T14:00:00Z"));
        assert_int_equal(life_item(life_lock(r, "front"), "D-2")->outcome, LC_PROVISIONED);
        it = life_item(life_lock(r, "back"), "D-2");
        assert_int_equal(it->outcome, LC_FAILED);
        assert_non_null(strstr(it->reason, "code_in_use"));
        assert_non_null(strstr(it->reason, "'Cleaner'"));
        lc_result_free(r);
        assert_int_equal(life_sql_int(&L, "SELECT code FROM lc_grants WHERE id = 'D-2'"), code); /* never changed */
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM outbox WHERE type = 'code.conflict' AND lock = 'back'"
                                   " AND json_extract(payload, '$.blocking_code_id') = %u"
                                   " AND json_extract(payload, '$.blocking_name') = 'Cleaner'", id);
        assert_int_equal(life_sql_int(&L, sql), 1);
        assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM outbox WHERE type = 'code.issued'"), 1);
}

/* An empty or cut-short feed cannot wipe stays: exit 2 from a file, nothing changed; a stay that
 * has ended may drop out; --allow-cancel-all confirms. */
static void feed_cannot_wipe_stays(void **state)
{
        char path[300];
        cJSON *j;

        (void)state;
        snprintf(path, sizeof(path), "%s/bookings.json", L.h[0].dir);
        /* (real time is the CLI's now: stays are placed around it) */
        {
                char doc[1024], in1[32], out1[32], in2[32], out2[32], in3[32], out3[32];
                int64_t now = (int64_t)time(NULL);

                time_format_utc(now - 10 * 86400, in1, sizeof(in1));
                time_format_utc(now - 8 * 86400, out1, sizeof(out1)); /* ended */
                time_format_utc(now - 86400, in2, sizeof(in2));
                time_format_utc(now + 86400, out2, sizeof(out2));     /* in progress */
                time_format_utc(now + 5 * 86400, in3, sizeof(in3));
                time_format_utc(now + 7 * 86400, out3, sizeof(out3)); /* upcoming */
                snprintf(doc, sizeof(doc),
                         "{" DOORS ",\"grants\":["
                         "{\"id\":\"OLD\",\"property\":\"flat\",\"guest\":\"Old\",\"check_in\":\"%s\",\"check_out\":\"%s\"},"
                         "{\"id\":\"NOW\",\"property\":\"flat\",\"guest\":\"Now\",\"check_in\":\"%s\",\"check_out\":\"%s\"},"
                         "{\"id\":\"NEXT\",\"property\":\"flat\",\"guest\":\"Next\",\"check_in\":\"%s\",\"check_out\":\"%s\"}]}",
                         in1, out1, in2, out2, in3, out3);
                write_doc(path, doc);
                assert_int_equal(h_cli(&L.h[0], NULL, &j, "grants", "import", path, NULL), 0);
                cJSON_Delete(j);
                /* an empty feed: refused, exit 2, nothing written */
                write_doc(path, "{" DOORS ",\"grants\":[]}");
                assert_int_equal(h_cli(&L.h[0], NULL, &j, "grants", "import", path, NULL), 2);
                assert_non_null(strstr(jstr(j, "error.message"), "stay in progress"));
                assert_non_null(strstr(jstr(j, "error.message"), "nothing was written"));
                cJSON_Delete(j);
                assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM lc_grants WHERE status = 'active'"), 3);
                /* leaving out the stay in progress alone: refused too */
                snprintf(doc, sizeof(doc),
                         "{" DOORS ",\"grants\":[{\"id\":\"NEXT\",\"property\":\"flat\",\"guest\":\"Next\","
                         "\"check_in\":\"%s\",\"check_out\":\"%s\"}]}", in3, out3);
                write_doc(path, doc);
                assert_int_equal(h_cli(&L.h[0], NULL, &j, "grants", "import", path, NULL), 2);
                assert_non_null(strstr(jstr(j, "error.message"), "grant 'NOW' is a stay in progress"));
                cJSON_Delete(j);
                /* the ended stay may drop out; it stays as history, not cancelled */
                snprintf(doc, sizeof(doc),
                         "{" DOORS ",\"grants\":["
                         "{\"id\":\"NOW\",\"property\":\"flat\",\"guest\":\"Now\",\"check_in\":\"%s\",\"check_out\":\"%s\"},"
                         "{\"id\":\"NEXT\",\"property\":\"flat\",\"guest\":\"Next\",\"check_in\":\"%s\",\"check_out\":\"%s\"}]}",
                         in2, out2, in3, out3);
                write_doc(path, doc);
                assert_int_equal(h_cli(&L.h[0], NULL, &j, "grants", "import", path, NULL), 0);
                assert_int_equal(jnum(j, "cancelled"), 0);
                assert_int_equal(jnum(j, "ended_dropped"), 1);
                cJSON_Delete(j);
                assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM lc_grants WHERE status = 'active'"), 3);
                /* explicitly confirmed: goes through */
                write_doc(path, "{" DOORS ",\"grants\":[]}");
                assert_int_equal(h_cli(&L.h[0], NULL, &j, "grants", "import", "--allow-cancel-all", path, NULL), 0);
                assert_int_equal(jnum(j, "cancelled"), 2);
                cJSON_Delete(j);
                assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM lc_grants WHERE status = 'active'"), 1);
        }
}

/* Planning never writes: reconcile --plan and --now leave the lock's codes, config and clock
 * offset as they were (`latchkey-sim state` before and after, its running clock aside). */
static void plan_never_writes(void **state)
{
        char *before, *after;
        cJSON *j, *st;
        int64_t events;

        (void)state;
        import("{" FLAT ",\"grants\":[{\"id\":\"P-1\",\"property\":\"flat\",\"guest\":\"Pat\",\"code\":\"736251\","
               "\"check_in\":\"2031-02-01T15:00:00Z\",\"check_out\":\"2031-02-03T10:00:00Z\"}]}");
        h_ctl_ok(&L.h[0], "clock advance 7200"); /* a lock clock that a real reconcile would set */
        st = h_ctl(&L.h[0], "state");
        cJSON_DeleteItemFromObject(cJSON_GetObjectItem(st, "sim"), "clock"); /* running, real time + offset */
        cJSON_DeleteItemFromObject(cJSON_GetObjectItem(st, "state"), "clock");
        before = cJSON_PrintUnformatted(st);
        cJSON_Delete(st);
        events = life_sql_int(&L, "SELECT COUNT(*) FROM outbox");

        assert_int_equal(h_cli(&L.h[0], NULL, &j, "reconcile", "--plan", NULL), 0);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "plan")));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&L.h[0], NULL, &j, "reconcile", "--now", "2031-02-01T12:00:00Z", NULL), 0);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "plan")));
        assert_string_equal(jstr(cJSON_GetArrayItem(jget(cJSON_GetArrayItem(jget(j, "locks"), 0), "steps"), 0), "action"),
                            "add");
        assert_string_equal(jstr(cJSON_GetArrayItem(jget(cJSON_GetArrayItem(jget(j, "locks"), 0), "steps"), 0), "grant"),
                            "P-1");
        cJSON_Delete(j);

        st = h_ctl(&L.h[0], "state");
        cJSON_DeleteItemFromObject(cJSON_GetObjectItem(st, "sim"), "clock"); /* running, real time + offset */
        cJSON_DeleteItemFromObject(cJSON_GetObjectItem(st, "state"), "clock");
        after = cJSON_PrintUnformatted(st);
        cJSON_Delete(st);
        assert_string_equal(before, after);
        free(before);
        free(after);
        assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM outbox"), events);
        assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM lc_grant_codes"), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(changeover_equal_boundary, setup, teardown),
                cmocka_unit_test_setup_teardown(changeover_overlapping_lead, setup, teardown),
                cmocka_unit_test_setup_teardown(changeover_in_grace, setup, teardown),
                cmocka_unit_test_setup_teardown(late_entry_attributed_to_a, setup, teardown),
                cmocka_unit_test_setup_teardown(drawn_code_is_issued, setup, teardown),
                cmocka_unit_test_setup_teardown(drawn_code_conflict_is_kept, setup, teardown),
                cmocka_unit_test_setup_teardown(feed_cannot_wipe_stays, setup, teardown),
                cmocka_unit_test_setup_teardown(plan_never_writes, setup, teardown),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("changeover", tests, NULL, NULL);
}
