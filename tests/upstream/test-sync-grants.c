/* SPDX-License-Identifier: MIT */
/*
 * Pulled grants into the lifecycle engine (src/upstream/sync-grants.c): a refused document keeps the ETag
 * and is reported once as grants.refused; a drawn code reaches the upstream as code.issued; a
 * feed that would wipe the stays is refused.
 */
#include "upstream/sync-fixture.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static void pull_into_lifecycle_engine(void **state)
{
        struct fx *f = *state;
        struct sync *s = new_sync(f);
        struct sync_result res = { 0 };
        struct outbox_event *ev;
        size_t n;

        sync_set_grants_handler(s, sync_grants_import, f->db);
        up_ok(&G.up, "grants %s", GRANTS_WITH_OVERRIDE);
        assert_int_equal(sync_pull(s, 1000, &res), 0);
        assert_true(res.applied);
        res = (struct sync_result){ 0 };
        assert_int_equal(sync_pull(s, 1001, &res), 0);
        assert_true(res.not_modified);
        /* A document the engine refuses: not applied, reported upstream once per ETag. */
        up_ok(&G.up, "grants %s", GRANTS_INVALID);
        for (int i = 0; i < 3; i++) {
                res = (struct sync_result){ 0 };
                assert_int_equal(sync_pull(s, 1002 + i, &res), -EINVAL);
                assert_true(res.pulled && !res.applied);
                assert_non_null(strstr(res.error, "check_out"));
        }
        assert_int_equal(up_stat(&G.up, "grants_200"), 4);
        assert_int_equal(outbox_list(f->db, OUTBOX_PENDING, -1, 10, &ev, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(ev[0].type, "grants.refused");
        assert_non_null(strstr(ev[0].payload, "check_out"));
        assert_non_null(strstr(ev[0].payload, "\"reason\":\"invalid\""));
        outbox_events_free(ev, n);
        sync_free(s);
}

/* Two stays with the same code back to back on one door: the import's changeover warning, which
 * a file import prints, reaches the journal (stderr here) for a pulled document too. */
#define CHANGEOVER_DOC                                                                                    \
        "{\"version\":1,\"properties\":[{\"id\":\"villa-7\",\"locks\":[\"front-door\"]}],\"grants\":["     \
        "{\"id\":\"A\",\"property\":\"villa-7\",\"guest\":\"Ana\",\"code\":\"482915\","                   \
        "\"check_in\":\"2031-05-02T15:00:00Z\",\"check_out\":\"2031-05-05T10:00:00Z\"},"                       \
        "{\"id\":\"B\",\"property\":\"villa-7\",\"guest\":\"Ben\",\"code\":\"482915\","                   \
        "\"check_in\":\"2031-05-05T10:00:00Z\",\"check_out\":\"2031-05-08T10:00:00Z\"}]}"

static void upstream_changeover_warned(void **state)
{
        struct fx *f = *state;
        struct sync *s = new_sync(f);
        struct sync_result res = { 0 };
        char path[] = "/tmp/latchkey-test-stderr.XXXXXX", text[4096] = "";
        int fd = mkstemp(path), saved = dup(STDERR_FILENO);
        ssize_t n;

        assert_true(fd >= 0 && saved >= 0);
        unlink(path);
        sync_set_grants_handler(s, sync_grants_import, f->db);
        up_ok(&G.up, "grants %s", CHANGEOVER_DOC);
        assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
        assert_int_equal(sync_pull(s, 1000, &res), 0);
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        assert_true(res.applied);
        n = pread(fd, text, sizeof(text) - 1, 0);
        close(fd);
        assert_true(n > 0);
        assert_non_null(strstr(text, "Upstream grants: grants 'A' and 'B' have the same code on lock 'front-door'"));
        assert_null(strstr(text, "482915")); /* never a code's value in a log */
        sync_free(s);
}

#define FUTURE_DOC(status)                                                                                \
        "{\"version\":1,\"properties\":[{\"id\":\"villa-7\",\"locks\":[\"front-door\"]}],\"grants\":["     \
        "{\"id\":\"BK-9\",\"property\":\"villa-7\",\"guest\":\"Ana Silva\",\"check_in\":\"2031-05-02T15:00:00Z\"," \
        "\"check_out\":\"2031-05-05T10:00:00Z\",\"status\":\"" status "\"}]}"

static int64_t db_int(struct fx *f, const char *sql)
{
        sqlite3_stmt *st;
        int64_t v = -1;

        assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
}

/* A drawn code reaches the PMS over TLS (code.issued with its value); an empty feed cannot wipe
 * the stays: not applied, the ETag not advanced, a grants.refused event says why. */
static void upstream_drawn_code_and_wipe_guard(void **state)
{
        struct fx *f = *state;
        struct sync *s = new_sync(f);
        struct sync_result res = { 0 };
        cJSON *ev;
        char *answer, want[16];

        sync_set_grants_handler(s, sync_grants_import, f->db);
        up_ok(&G.up, "grants %s", FUTURE_DOC("active"));
        assert_int_equal(sync_run(s, 1000, true, &res), 0);
        assert_true(res.applied);
        snprintf(want, sizeof(want), "%06lld", (long long)db_int(f, "SELECT code FROM lc_grants WHERE id = 'BK-9'"));
        answer = up_cmd(&G.up, "events code.issued");
        ev = cJSON_Parse(answer);
        free(answer);
        assert_int_equal(cJSON_GetArraySize(ev), 1);
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 0), "payload"), "code")->valuestring,
                            want);
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 0), "payload"), "grant")->valuestring,
                            "BK-9");
        cJSON_Delete(ev);
        /* acknowledged: the agent keeps the value no longer */
        assert_int_equal(db_int(f, "SELECT COUNT(*) FROM outbox WHERE type = 'code.issued'"
                                   " AND json_extract(payload, '$.code') = '(hidden)'"), 1);

        /* the PMS sends an empty document: refused, twice, reported once, nothing cancelled */
        up_ok(&G.up, "grants {\"version\":1,\"properties\":[],\"grants\":[]}");
        for (int i = 0; i < 2; i++) {
                res = (struct sync_result){ 0 };
                assert_int_equal(sync_pull(s, 2000 + i, &res), -ECANCELED);
                assert_true(res.pulled && !res.applied);
                assert_non_null(strstr(res.error, "leaves out all 1 current and upcoming stays"));
        }
        assert_int_equal(up_stat(&G.up, "grants_200"), 3); /* the ETag was not advanced: no 304 */
        assert_int_equal(db_int(f, "SELECT COUNT(*) FROM outbox WHERE type = 'grants.refused'"
                                   " AND json_extract(payload, '$.reason') = 'would_cancel_stays'"), 1);
        assert_int_equal(db_int(f, "SELECT COUNT(*) FROM lc_grants WHERE status = 'active'"), 1);
        /* cancelled explicitly, per grant: taken */
        up_ok(&G.up, "grants %s", FUTURE_DOC("cancelled"));
        res = (struct sync_result){ 0 };
        assert_int_equal(sync_pull(s, 3000, &res), 0);
        assert_true(res.applied);
        assert_int_equal(db_int(f, "SELECT COUNT(*) FROM lc_grants WHERE status = 'active'"), 0);
        sync_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(pull_into_lifecycle_engine, setup, teardown),
                cmocka_unit_test_setup_teardown(upstream_drawn_code_and_wipe_guard, setup, teardown),
                cmocka_unit_test_setup_teardown(upstream_changeover_warned, setup, teardown),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("sync-grants", tests, group_setup, group_teardown);
}
