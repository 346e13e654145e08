/* SPDX-License-Identifier: MIT */
/*
 * Lock identity (issue 11): what is kept per lock belongs to the lock's identity (Nuki ID and
 * authorization), not to its alias. A lock replaced and paired again under the same alias
 * starts fresh (its log read from 1, the bookings' codes provisioned again); a log that
 * restarted below our cursor, or another Nuki ID behind the same address, is detected; and a
 * state directory of today's layout is upgraded in place. The real binaries, the virtual lock
 * and the test upstream.
 */
#include "harness.h"
#include "upstream/upstream.h"

#include <sqlite3.h>
#include <time.h>

#include "exits.h"
#include "timefmt.h"

#define FIXTURE LK_SOURCE_DIR "/tests/fixtures/state-v1.sql"

static struct harness H;
static struct upstream U;
static char conf[400], token[400], file[400], via[400];

static void start_upstream(void)
{
        char line[1400];

        up_make_pki(H.dir);
        snprintf(token, sizeof(token), "%s/token", H.dir);
        h_secret(token, "identity-test-token_0123456789\n");
        up_start(&U, H.dir, "server", NULL, token);
        up_ok(&U, "grants {\"version\":1,\"properties\":[],\"grants\":[]}");
        snprintf(conf, sizeof(conf), "%s/latchkey.conf", H.dir);
        snprintf(line, sizeof(line), "[upstream]\nurl = %s\ntoken_file = %s\nca_file = %s/pki/ca.crt\n", U.url, token,
                 H.dir);
        h_secret(conf, line);
}

static void import_booking(const char *code)
{
        int64_t now = (int64_t)time(NULL);
        char doc[1024], a[32], b[32];
        cJSON *j;

        time_format_utc(now - 86400, a, sizeof(a));
        time_format_utc(now + 3 * 86400, b, sizeof(b));
        snprintf(file, sizeof(file), "%s/bookings.json", H.dir);
        snprintf(doc, sizeof(doc),
                 "{\"version\":1,\"properties\":[{\"id\":\"p\",\"locks\":[\"front\"]}],\"grants\":[{\"id\":\"BK-1\","
                 "\"property\":\"p\",\"guest\":\"Ana\",\"code\":\"%s\",\"check_in\":\"%s\",\"check_out\":\"%s\"}]}",
                 code, a, b);
        h_secret(file, doc);
        assert_int_equal(h_cli(&H, NULL, &j, "grants", "import", file, NULL), 0);
        cJSON_Delete(j);
}

static int pass(void)
{
        cJSON *j;
        int r = h_cli(&H, NULL, &j, "daemon", "--once", "--config", conf, NULL);

        cJSON_Delete(j);
        return r;
}

static void type_codes(const char *code, int n)
{
        char words[64];

        snprintf(words, sizeof(words), "type-code %s", code);
        for (int i = 0; i < n; i++)
                h_ctl_ok(&H, words);
}

/* The log.entry indexes the upstream received for lock, in arrival order, from the skip-th on. */
static int upstream_indexes(int skip, uint32_t *ret, int max)
{
        char *a = up_cmd(&U, "events log.entry");
        cJSON *j = cJSON_Parse(a), *e;
        int n = 0, i = 0;

        free(a);
        assert_non_null(j);
        cJSON_ArrayForEach(e, j) {
                if (i++ < skip)
                        continue;
                assert_true(n < max);
                ret[n++] = (uint32_t)jnum(e, "payload.index");
        }
        cJSON_Delete(j);
        return n;
}

static int sim_codes(void)
{
        cJSON *j = h_ctl(&H, "state");
        int n = cJSON_GetArraySize(jget(j, "state.keypad_codes"));

        cJSON_Delete(j);
        return n;
}

/* Stop the virtual lock and start a new one (its own state) behind the same socket. */
static void replace_lock(const char *state_name)
{
        h_sim_stop(&H);
        snprintf(H.state, sizeof(H.state), "%s/%s", H.dir, state_name);
        h_sim_start(&H, NULL);
}

/*
 * Must show (issue 11): the virtual lock replaced (new state, same socket) and paired again
 * under the same alias: the new lock's entries 1..N all arrive, incrementally and upstream,
 * and the booking's code is provisioned again on it.
 */
static void replaced_lock_starts_fresh(void **state)
{
        uint32_t idx[64];
        cJSON *j;
        int n, before;

        h_init(&H, NULL);
        h_pair(&H, "front");
        start_upstream();
        import_booking("975318");
        assert_int_equal(pass(), 0);
        type_codes("975318", 8); /* the old lock's entries 1..8 */
        assert_int_equal(pass(), 0);
        before = upstream_indexes(0, idx, 64);
        assert_int_equal(before, 8);

        replace_lock("new-lock.state");
        assert_int_equal(pass(), CLI_EXIT_AUTH); /* the new lock does not know us: named, not hidden */
        h_ctl_ok(&H, "press-button");
        snprintf(via, sizeof(via), "sim:%s", H.sock);
        assert_int_equal(h_cli(&H, NULL, &j, "pair", "--via", via, "--name", "front", "--force", "--pin-file", H.pinfile,
                               NULL),
                         0);
        cJSON_Delete(j);
        /* The booking's code goes onto the new lock; its entries 1..5 (below the old cursor 8) arrive. */
        assert_int_equal(pass(), 0);
        assert_int_equal(sim_codes(), 1);
        type_codes("975318", 5);
        assert_int_equal(pass(), 0);
        n = upstream_indexes(before, idx, 64);
        assert_int_equal(n, 5);
        for (int i = 0; i < n; i++)
                assert_int_equal(idx[i], (uint32_t)i + 1);
        /* Incrementally: nothing again, then 6..12 (past the old cursor), each once. */
        assert_int_equal(pass(), 0);
        assert_int_equal(upstream_indexes(before, idx, 64), 5);
        type_codes("975318", 7);
        assert_int_equal(pass(), 0);
        n = upstream_indexes(before, idx, 64);
        assert_int_equal(n, 12);
        for (int i = 0; i < n; i++)
                assert_int_equal(idx[i], (uint32_t)i + 1);
        /* `latchkey log` agrees: nothing new, the cursor at 12. */
        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0);
        assert_int_equal(jnum(j, "new"), 0);
        assert_int_equal(jnum(j, "cursor"), 12);
        cJSON_Delete(j);
        up_validate_batches(&U, H.dir);
        up_stop(&U);
        h_cleanup(&H);
}

static void copy_file(const char *from, const char *to)
{
        char buf[65536];
        FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
        size_t n;

        assert_non_null(a);
        assert_non_null(b);
        while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
                assert_int_equal(fwrite(buf, 1, n, b), n);
        fclose(a);
        fclose(b);
        assert_int_equal(chmod(to, 0600), 0);
}

/* The same lock (same pairing), its log restarted below our cursor (a state restored from an
 * older backup): detected, and its log read again from its beginning. */
static void log_below_cursor_restarts(void **state)
{
        char saved[400];
        cJSON *j, *e;
        uint32_t want = 1;

        h_init(&H, NULL);
        h_pair(&H, "front");
        type_codes("111111", 3);
        h_sim_stop(&H);
        snprintf(saved, sizeof(saved), "%s/backup.state", H.dir);
        copy_file(H.state, saved); /* the lock with entries 1..3 */
        h_sim_start(&H, NULL);
        type_codes("111111", 6);
        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0);
        assert_int_equal(jnum(j, "cursor"), 9);
        cJSON_Delete(j);

        h_sim_stop(&H);
        copy_file(saved, H.state);
        h_sim_start(&H, NULL); /* newest index 3, below our 9 */
        type_codes("111111", 1); /* its entry 4 */
        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0);
        assert_int_equal(jnum(j, "new"), 4);
        cJSON_ArrayForEach(e, jget(j, "entries"))
                assert_int_equal(jnum(e, "index"), want++);
        assert_int_equal(want, 5);
        cJSON_Delete(j);
        {
                struct sqlite3 *h;
                sqlite3_stmt *st;
                char db[400];

                snprintf(db, sizeof(db), "%s/state.db", H.statedir);
                assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
                assert_int_equal(sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM outbox WHERE type = 'lock.log_reset'", -1, &st,
                                                    NULL),
                                 SQLITE_OK);
                assert_int_equal(sqlite3_step(st), SQLITE_ROW);
                assert_int_equal(sqlite3_column_int(st, 0), 1);
                sqlite3_finalize(st);
                sqlite3_close(h);
        }
        /* Upstream, as the contract says. */
        start_upstream();
        assert_int_equal(pass(), 0);
        assert_int_equal(up_events_count(&U, "lock.log_reset"), 1);
        up_validate_batches(&U, H.dir);
        up_stop(&U);
        h_cleanup(&H);
}

/* Another Nuki ID behind the same address: writes stop (8, with what to do), the log is read
 * from its beginning, one alarm upstream, and the overdue removal is raised; pairing again
 * ends it. */
static void nuki_id_changed_stops_writes(void **state)
{
        int64_t now = (int64_t)time(NULL);
        char doc[1024], a[32], b[32];
        cJSON *j;

        h_init(&H, NULL);
        h_pair(&H, "front");
        start_upstream();
        import_booking("975318");
        assert_int_equal(pass(), 0);
        type_codes("975318", 2);
        assert_int_equal(pass(), 0);
        /* Cancelled: the code must go; and the device behind the address now says another Nuki ID. */
        time_format_utc(now - 86400, a, sizeof(a));
        time_format_utc(now + 3 * 86400, b, sizeof(b));
        snprintf(doc, sizeof(doc),
                 "{\"version\":1,\"properties\":[{\"id\":\"p\",\"locks\":[\"front\"]}],\"grants\":[{\"id\":\"BK-1\","
                 "\"property\":\"p\",\"guest\":\"Ana\",\"code\":\"975318\",\"check_in\":\"%s\",\"check_out\":\"%s\","
                 "\"status\":\"cancelled\"}]}",
                 a, b);
        h_secret(file, doc);
        assert_int_equal(h_cli(&H, NULL, &j, "grants", "import", file, NULL), 0);
        cJSON_Delete(j);
        h_ctl_ok(&H, "owner nuki-id 0BADF00D");

        assert_int_equal(h_cli(&H, "234567\n", &j, "code", "add", "--name", "X", "--code-file", "-", NULL), CLI_EXIT_PROTOCOL);
        assert_non_null(strstr(jstr(j, "error.message"), "0BADF00D"));
        assert_non_null(strstr(jstr(j, "error.message"), "pair"));
        cJSON_Delete(j);
        /* Reads go on: the log from its beginning (the two entries again, as this lock's). */
        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0);
        assert_int_equal(jnum(j, "new"), 2);
        cJSON_Delete(j);
        assert_int_equal(pass(), CLI_EXIT_PROTOCOL);
        assert_int_equal(sim_codes(), 1); /* nothing was removed from a lock that is not ours */
        assert_int_equal(up_events_count(&U, "lock.identity_mismatch"), 1);
        assert_int_equal(up_events_count(&U, "code.removal_overdue"), 1);
        assert_int_equal(pass(), CLI_EXIT_PROTOCOL);
        assert_int_equal(up_events_count(&U, "lock.identity_mismatch"), 1); /* once */
        assert_int_equal(up_events_count(&U, "code.removal_overdue"), 1);

        /* The operator pairs it (another lock) again: a fresh start, and writes go on. */
        h_ctl_ok(&H, "press-button");
        snprintf(via, sizeof(via), "sim:%s", H.sock);
        assert_int_equal(h_cli(&H, NULL, &j, "pair", "--via", via, "--name", "front", "--force", "--pin-file", H.pinfile,
                               NULL),
                         0);
        cJSON_Delete(j);
        assert_int_equal(pass(), 0);
        up_validate_batches(&U, H.dir); /* lock.identity_mismatch, code.removal_overdue, log.entry */
        up_stop(&U);
        h_cleanup(&H);
}

static int sim_log_entries(void)
{
        cJSON *j = h_ctl(&H, "state");
        int n = cJSON_GetArraySize(jget(j, "state.log"));

        cJSON_Delete(j);
        return n;
}

/* The Opener's identity is checked too: its Config has its own layout (nuki-opener.md), with
 * the Nuki ID first. Another one behind the address: the strike is not actuated, reads go on. */
static void opener_identity_checked(void **state)
{
        cJSON *j;
        int before;

        h_init(&H, "--generation opener");
        h_pair(&H, "gate");
        assert_int_equal(h_cli(&H, NULL, &j, "open", "--lock", "gate", NULL), 0);
        cJSON_Delete(j);
        h_ctl_ok(&H, "owner nuki-id 0BADF00D");
        before = sim_log_entries();
        assert_int_equal(h_cli(&H, NULL, &j, "open", "--lock", "gate", NULL), CLI_EXIT_PROTOCOL);
        assert_non_null(strstr(jstr(j, "error.message"), "0BADF00D"));
        assert_non_null(strstr(jstr(j, "error.message"), "pair"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "rto", "on", "--lock", "gate", NULL), CLI_EXIT_PROTOCOL);
        cJSON_Delete(j);
        assert_int_equal(sim_log_entries(), before); /* nothing actuated, nothing changed */
        assert_int_equal(h_cli(&H, NULL, &j, "state", "--lock", "gate", NULL), 0);
        cJSON_Delete(j);
        h_cleanup(&H);
}

/* Rewrite a credentials file as the released code wrote it: no identity, no PIN state. */
static void creds_as_released(const char *path)
{
        char buf[4096], out[4096], *save = NULL;
        size_t n = 0;
        FILE *f = fopen(path, "r");
        size_t len;

        assert_non_null(f);
        len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        out[0] = '\0';
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (strncmp(l, "nuki_id=", 8) != 0)
                        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n", l);
        h_secret(path, out);
}

/* A state directory of today's layout (state.db from tests/fixtures/state-v1.sql, credentials
 * without an identity): upgraded in place; the log goes on from its cursor, nothing is lost. */
static void todays_layout_upgraded(void **state)
{
        char path[400], *sql;
        struct sqlite3 *h;
        cJSON *j, *e;
        uint32_t want = 4;
        FILE *f;
        long n;

        h_init(&H, NULL);
        h_pair(&H, "front-door");
        type_codes("111111", 5); /* entries 1..5; the fixture read 1..3 */
        snprintf(path, sizeof(path), "%s/locks/front-door.lock", H.statedir);
        creds_as_released(path);
        snprintf(path, sizeof(path), "%s/state.db", H.statedir);
        unlink(path);
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "-wal");
        unlink(path);
        snprintf(path, sizeof(path), "%s/state.db-shm", H.statedir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/state.db", H.statedir);
        f = fopen(FIXTURE, "r");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        sql = calloc(1, (size_t)n + 1);
        assert_int_equal(fread(sql, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(h);
        free(sql);
        assert_int_equal(chmod(path, 0600), 0);

        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0);
        assert_int_equal(jnum(j, "new"), 2);
        cJSON_ArrayForEach(e, jget(j, "entries"))
                assert_int_equal(jnum(e, "index"), want++);
        cJSON_Delete(j);
        /* The identity is learnt, and kept with the credentials. */
        {
                char buf[4096];
                size_t len;

                snprintf(path, sizeof(path), "%s/locks/front-door.lock", H.statedir);
                f = fopen(path, "r");
                assert_non_null(f);
                len = fread(buf, 1, sizeof(buf) - 1, f);
                fclose(f);
                buf[len] = '\0';
                assert_non_null(strstr(buf, "nuki_id="));
        }
        assert_int_equal(h_cli(&H, NULL, &j, "grants", "list", "--all", NULL), 0);
        assert_int_equal(cJSON_GetArraySize(jget(j, "grants")), 2);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "outbox", "list", NULL), 0);
        assert_int_equal(jnum(j, "pending"), 3);
        cJSON_Delete(j);
        h_cleanup(&H);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(replaced_lock_starts_fresh),
                cmocka_unit_test(log_below_cursor_restarts),
                cmocka_unit_test(nuki_id_changed_stops_writes),
                cmocka_unit_test(opener_identity_checked),
                cmocka_unit_test(todays_layout_upgraded),
        };

        return cmocka_run_group_tests_name("identity", tests, NULL, NULL);
}
