/* SPDX-License-Identifier: MIT */
/*
 * The lifecycle engine against real virtual locks: booking → code on every guest-access lock,
 * dates changed → same code new window, cancelled → removed, expired → pruned, unmanaged left
 * alone, lock full → reported and provisioned once space frees, link faults → no duplicates, a
 * crash between lock write and row → found, not doubled; attribution of keypad entries.
 */
#include "harness-life.h"

#include <sodium.h>

#include "codes.h"
#include "outbox.h"

#define PROPS                                                                                                       \
        "\"properties\":[{\"id\":\"seaside\",\"name\":\"Seaside flat\",\"locks\":[\"front\",{\"lock\":\"back\"},"     \
        "{\"lock\":\"office\",\"guest_access\":false}]}]"

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

/* The stay of BK-1 on the front door, as the phases of booking_lifecycle pass it on. */
struct stay {
        double id_front, code_front;
};

static void stay_added(int64_t now, struct stay *st)
{
        struct lc_result *res;
        const struct lc_item *it;
        cJSON *front, *back, *office, *a, *b;
        int count;
        double id_front, code_front;
        char *doc;

        /* Added → on every guest-access lock, with one code; not on the office. */
        doc = doc_one("BK-1", "Zoë Åberg-Lindqvistö Extra", "2030-03-02T15:00:00Z", "2030-03-05T10:00:00Z", "active");
        life_import(&L, doc);
        free(doc);
        h_ctl_ok(&L.h[0], "clock advance 86400"); /* the front door's clock drifted a day */
        res = life_reconcile(&L, NULL, now);
        assert_true(res->complete);
        assert_int_equal(res->n_locks, 3);
        it = life_item(life_lock(res, "front"), "BK-1");
        assert_non_null(it);
        assert_int_equal(it->outcome, LC_PROVISIONED);
        assert_true(it->code_id > 0);
        /* set from this machine's real clock, never from the engine's `now` (2030 here) */
        assert_true(life_lock(res, "front")->clock_set);
        assert_false(life_lock(res, "back")->clock_set);
        {
                cJSON *c = h_ctl(&L.h[0], "state"); /* the lock's clock: the sim's plus its own offset */
                int64_t t = life_time(jstr(c, "sim.clock")) + (int64_t)jnum(c, "state.clock_offset");

                assert_true(llabs(t - (int64_t)time(NULL)) < 300);
                cJSON_Delete(c);
        }
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
        st->id_front = id_front;
        st->code_front = code_front;
}

static void stay_dates_changed(int64_t now, const struct stay *st)
{
        double id_front = st->id_front, code_front = st->code_front;
        struct lc_result *res;
        cJSON *front, *a;
        int count;
        char *doc;

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
}

static void stay_cancelled(int64_t now)
{
        struct lc_result *res;
        const struct lc_item *it;
        cJSON *front, *back;
        char *doc;

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
}

static void stay_expired(int64_t now)
{
        struct lc_result *res;
        const struct lc_item *it;
        cJSON *front;
        char *doc;

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

/* One booking's life: added, again, dates changed, cancelled; another's expiry. */
static void booking_lifecycle(void **state)
{
        int64_t now = life_time("2030-03-01T12:00:00Z");
        struct stay st;

        (void)state;
        stay_added(now, &st);
        stay_dates_changed(now, &st);
        stay_cancelled(now);
        stay_expired(now);
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
        assert_non_null(strstr(life_item(life_lock(res, "front"), "BK-4")->reason, "'Cleaner' (id "));
        lc_result_free(res);
        /* its own event, naming the code in the way; once, not every run */
        assert_int_equal(life_events(&L, "code.failed"), 0);
        assert_int_equal(life_events(&L, "code.conflict"), 1);
        assert_int_equal(life_sql_int(&L, "SELECT COUNT(*) FROM outbox WHERE type = 'code.conflict'"
                                          " AND json_extract(payload, '$.blocking_name') = 'Cleaner'"
                                          " AND json_extract(payload, '$.grant') = 'BK-4'"), 1);
        res = life_reconcile(&L, "front", now + 6);
        lc_result_free(res);
        assert_int_equal(life_events(&L, "code.conflict"), 1);
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
        assert_int_equal(grants_targets(L.db, "front", 0, &t, &n), 0);
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
        h_ctl_ok(&L.h[0], "clock set 2030-03-03T12:00:00Z"); /* the guest types it during the stay */
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

/* Windows that can never open are refused before the lock is touched, with the reason (exit 2). */
static void code_windows_that_cannot_open(void **state)
{
        static const struct {
                const char *opt[6];
                const char *expect;
        } bad[] = {
                { { "--from", "2031-12-01T15:00Z", "--until", "2031-12-01T15:00Z" }, "opens and closes at the same instant" },
                { { "--daily", "08:00-08:00" }, "starts and ends at the same minute" },
                { { "--from", "2025-12-01T15:00Z", "--until", "2025-12-05T11:00Z" }, "has already ended" },
                { { "--from", "2031-12-01T15:00Z", "--until", "2100-01-01T00:00Z" }, "outside the supported range" },
                { { "--from", "2031-12-01T15:00Z", "--until", "2031-12-05T11:00" }, "" }, /* local (TZ=UTC): fine */
                { { "--until", "2031-13-05T11:00Z" }, "is not a real date and time" },
                { { "--until", "tomorrow" }, "is not a time: use RFC 3339" },
        };
        char path[300];
        cJSON *j, *codes;

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                const char *const *o = bad[i].opt;
                int rc = h_cli(&L.h[0], "234567\n", &j, "--lock", "front", "code", "add", "--name", "Never", "--code-file", "-",
                               o[0], o[1], o[2], o[3], NULL);

                if (!bad[i].expect[0]) {
                        char id[16];

                        assert_int_equal(rc, 0);
                        snprintf(id, sizeof(id), "%d", (int)jnum(j, "code.id"));
                        cJSON_Delete(j);
                        assert_int_equal(h_cli(&L.h[0], NULL, &j, "--lock", "front", "code", "remove", id, NULL), 0);
                        cJSON_Delete(j);
                        continue;
                }
                if (rc != 2 || !strstr(jstr(j, "error.message"), bad[i].expect))
                        fail_msg("bad[%zu]: exit %d, '%s'", i, rc, jstr(j, "error.message"));
                cJSON_Delete(j);
        }
        /* update: a window moved wholly into the past is refused; code import likewise */
        assert_int_equal(h_cli(&L.h[0], "234567\n", &j, "--lock", "front", "code", "add", "--name", "Later", "--code-file",
                               "-", "--from", "2031-12-01T15:00Z", "--until", "2031-12-05T11:00Z", NULL), 0);
        snprintf(path, sizeof(path), "%d", (int)jnum(j, "code.id"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&L.h[0], NULL, &j, "--lock", "front", "code", "update", path, "--from", "2025-12-01T15:00Z",
                               "--until", "2025-12-05T11:00Z", NULL), 2);
        assert_non_null(strstr(jstr(j, "error.message"), "has already ended"));
        cJSON_Delete(j);
        snprintf(path, sizeof(path), "%s/codes.json", L.h[0].dir);
        h_secret(path, "{\"codes\":[{\"name\":\"Typo\",\"code\":456781,\"from\":\"2025-12-01T15:00Z\",\"until\":\"2025-12-05T11:00Z\"}]}");
        assert_int_equal(h_cli(&L.h[0], NULL, &j, "--lock", "front", "code", "import", path, NULL), 2);
        assert_non_null(strstr(jstr(j, "error.message"), "code 1 ('Typo'): the window has already ended"));
        cJSON_Delete(j);
        h_secret(path, "{\"codes\":[{\"name\":\"Twice\",\"code\":456781,\"code\":456782}]}");
        assert_int_equal(h_cli(&L.h[0], NULL, &j, "--lock", "front", "code", "import", path, NULL), 2);
        assert_non_null(strstr(jstr(j, "error.message"), "duplicate member \"code\""));
        cJSON_Delete(j);
        /* nothing but the one good code reached the lock, unchanged */
        codes = life_codes(&L, 0);
        assert_int_equal(cJSON_GetArraySize(codes), 1);
        assert_string_equal(jstr(cJSON_GetArrayItem(codes, 0), "window.until"), "2031-12-05T11:00:00Z");
        cJSON_Delete(codes);
}

/* Bookings i in [first, last), on the seaside doors; `longer`: that one's check-out a day later;
 * `cancel`: that one cancelled. */
static char *doc_range(unsigned first, unsigned last, unsigned longer, unsigned cancel)
{
        char *doc = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&doc, &len);

        assert_non_null(f);
        fprintf(f, "{" PROPS ",\"grants\":[");
        for (unsigned i = first; i < last; i++)
                fprintf(f, "%s{\"id\":\"R-%u\",\"property\":\"seaside\",\"guest\":\"Guest %u\",\"check_in\":"
                           "\"2030-03-02T15:00:00Z\",\"check_out\":\"2030-03-0%uT10:00:00Z\",\"status\":\"%s\"}",
                        i > first ? "," : "", i, i, i == longer ? 6 : 5, i == cancel ? "cancelled" : "active");
        fprintf(f, "]}");
        fclose(f);
        return doc;
}

/* Issue 12: one pass per lock. One listing, each write once (challenge + command), one listing
 * that verifies them all: counted in the client's writes, besides the clock read. */
static void one_pass_per_lock(void **state)
{
        int64_t now = life_time("2030-03-01T12:00:00Z");
        struct lc_lock_result res;
        struct session_stats a, b;
        sd_event *e = NULL;
        struct session *s;
        char *doc;

        (void)state;
        L.opts.refresh_auths = false;
        L.opts.drift_max = -1; /* the clock is read (one write), never set */
        doc = doc_range(1, 7, 0, 0);
        life_import(&L, doc);
        free(doc);
        s = life_session(&L, 0, &e);
        a = *session_stats(s);
        assert_int_equal(lifecycle_reconcile_session(s, L.db, "front", now, &L.opts, &res), 0);
        b = *session_stats(s);
        assert_true(res.complete);
        assert_int_equal(res.count[LC_PROVISIONED], 6);
        assert_int_equal(b.writes - a.writes, 1 + 2 + 6 * 2 + 2);
        lc_lock_result_done(&res);

        /* A day's changes: one cancelled, one extended, two new: 1 remove, 1 update, 2 adds. */
        doc = doc_range(1, 9, 2, 1);
        life_import(&L, doc);
        free(doc);
        a = *session_stats(s);
        assert_int_equal(lifecycle_reconcile_session(s, L.db, "front", now + 60, &L.opts, &res), 0);
        b = *session_stats(s);
        assert_true(res.complete);
        assert_int_equal(res.count[LC_REMOVED], 1);
        assert_string_equal(life_item(&res, "R-1")->reason, "cancelled");
        assert_int_equal(res.count[LC_UPDATED], 1);
        assert_int_equal(life_item(&res, "R-2")->outcome, LC_UPDATED);
        assert_int_equal(res.count[LC_PROVISIONED], 2);
        assert_string_equal(life_item(&res, "R-8")->reason, "added");
        assert_int_equal(res.count[LC_UNCHANGED], 4);
        assert_int_equal(res.codes_before, 6);
        assert_int_equal(res.codes_after, 7);
        assert_int_equal(b.writes - a.writes, 1 + 2 + (1 + 1 + 2) * 2 + 2);
        lc_lock_result_done(&res);
        session_free(s);
        sd_event_unref(e);
        /* The bookkeeping is per step, as before: one event per change. */
        assert_int_equal(life_events(&L, "code.provisioned"), 6 + 1 + 2);
        assert_int_equal(life_events(&L, "code.removed"), 1);

        /* Nothing to do: the clock read and one listing. */
        s = life_session(&L, 0, &e);
        a = *session_stats(s);
        assert_int_equal(lifecycle_reconcile_session(s, L.db, "front", now + 120, &L.opts, &res), 0);
        b = *session_stats(s);
        assert_int_equal(res.count[LC_UNCHANGED], 7);
        assert_int_equal(b.writes - a.writes, 1 + 2);
        lc_lock_result_done(&res);
        session_free(s);
        sd_event_unref(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(booking_lifecycle, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(unmanaged_left_alone, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(capacity_full, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(link_faults_never_duplicate, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(crash_after_lock_write_is_found, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(unreachable_lock_stays_pending, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(attribution, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(code_windows_that_cannot_open, life_setup, life_teardown),
                cmocka_unit_test_setup_teardown(one_pass_per_lock, life_setup, life_teardown),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}

