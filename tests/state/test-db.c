/* SPDX-License-Identifier: MIT */
/*
 * state.db's schema migrations (src/state/db.c): a fresh database, today's layout upgraded in place
 * with everything kept (tests/fixtures/state-v1.sql, dumped from a state directory the
 * released code made: tests/fixtures/make-state-v1.sh), one transaction per migration, a
 * database from a newer release refused untouched, and processes opening at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lk-test.h"

#include "db.h"
#include "outbox.h"
#include "store.h"

#define FIXTURE LK_SOURCE_DIR "/tests/fixtures/state-v1.sql"

struct fx {
        char dir[64];
        char db[128];
};

static int setup(void **state)
{
        struct fx *f = calloc(1, sizeof(*f));

        snprintf(f->dir, sizeof(f->dir), "/tmp/lk-db-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->db, sizeof(f->db), "%s/state.db", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;
        char *argv[] = { (char *)"/bin/rm", (char *)"-rf", f->dir, NULL };
        pid_t pid = fork();

        if (pid == 0) {
                execv(argv[0], argv);
                _exit(127);
        }
        waitpid(pid, NULL, 0);
        free(f);
        return 0;
}

static char *slurp(const char *path)
{
        FILE *fp = fopen(path, "r");
        char *buf;
        long n;

        assert_non_null(fp);
        fseek(fp, 0, SEEK_END);
        n = ftell(fp);
        rewind(fp);
        buf = calloc(1, (size_t)n + 1);
        assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
        fclose(fp);
        return buf;
}

/* Write state.db with raw SQL, as an older release left it (0600, like db_open makes it). */
static void make_db(struct fx *f, const char *sql)
{
        sqlite3 *h;
        char *err = NULL;

        assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
        if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
                fail_msg("fixture SQL: %s", err);
        sqlite3_close(h);
        assert_int_equal(chmod(f->db, 0600), 0);
}

static int64_t sql_int(struct db *db, const char *sql)
{
        sqlite3_stmt *st;
        int64_t v = -1;

        assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
}

static int64_t raw_int(struct fx *f, const char *sql)
{
        sqlite3 *h;
        sqlite3_stmt *st;
        int64_t v = -1;

        assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(h);
        return v;
}

static struct db *open_db(struct fx *f, struct store **ret_st, int expect)
{
        struct store *st;
        struct db *db = NULL;

        assert_int_equal(store_open(f->dir, &st), 0);
        assert_int_equal(db_open(st, &db), expect);
        *ret_st = st;
        return db;
}

static const char *const tables[] = {
        "log_entries", "lock_codes", "lc_properties", "lc_property_locks", "lc_grants", "lc_grant_overrides",
        "lc_grant_codes", "lc_code_history", "lc_unmanaged", "lc_auth_names", "outbox", "sync_state",
};

static void fresh_database_is_whole(void **state)
{
        struct fx *f = *state;
        struct store *st;
        struct db *db = open_db(f, &st, 0);
        int v = -1;

        assert_int_equal(db_schema_version(db, &v), 0);
        assert_int_equal(v, db_schema_latest());
        for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
                char sql[160];

                snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                         tables[i]);
                assert_int_equal(sql_int(db, sql), 1);
        }
        assert_int_equal(outbox_init(db), 0);
        db_free(db);
        store_free(st);
        /* Opening again changes nothing. */
        db = open_db(f, &st, 0);
        assert_int_equal(db_schema_version(db, &v), 0);
        assert_int_equal(v, db_schema_latest());
        db_free(db);
        store_free(st);
}

/* Today's layout (user_version 1, module tables made on first use): upgraded, nothing lost. */
static void todays_layout_upgraded_in_place(void **state)
{
        struct fx *f = *state;
        char *sql = slurp(FIXTURE);
        int64_t before[sizeof(tables) / sizeof(tables[0])];
        struct store *st;
        struct db *db;
        int v = -1;

        assert_int_equal(mkdir(f->dir, 0700) < 0 && errno != EEXIST, 0);
        make_db(f, sql);
        free(sql);
        assert_int_equal(raw_int(f, "PRAGMA user_version"), 1);
        for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
                char q[96];

                snprintf(q, sizeof(q), "SELECT COUNT(*) FROM %s", tables[i]);
                before[i] = raw_int(f, q);
                assert_true(before[i] >= 0);
        }
        db = open_db(f, &st, 0);
        assert_int_equal(db_schema_version(db, &v), 0);
        assert_int_equal(v, db_schema_latest());
        for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
                char q[96];

                snprintf(q, sizeof(q), "SELECT COUNT(*) FROM %s", tables[i]);
                if (sql_int(db, q) != before[i])
                        fail_msg("%s: %lld rows before the upgrade, %lld after", tables[i], (long long)before[i],
                                 (long long)sql_int(db, q));
        }
        /* What the fixture holds, read through the modules' own calls. */
        {
                uint32_t cursor = 0;
                unsigned pending = 0;
                char name[LK_CODE_NAME_SIZE + 1];

                assert_int_equal(db_log_cursor(db, "front-door", &cursor), 0);
                assert_int_equal(cursor, 3);
                assert_int_equal(db_code_name(db, "front-door", 2, name), 0);
                assert_string_equal(name, "Anna Müller");
                assert_int_equal(outbox_pending(db, &pending), 0);
                assert_int_equal(pending, 3);
                assert_int_equal(sql_int(db, "SELECT failures FROM (SELECT value AS failures FROM sync_state "
                                             "WHERE key = 'failures')"),
                                 1);
                assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM lc_grant_codes WHERE state = 'provisioned'"), 1);
        }
        db_free(db);
        store_free(st);
}

/* A migration that cannot finish leaves its version's changes out entirely. */
static void failed_migration_rolls_back(void **state)
{
        struct fx *f = *state;
        struct store *st;
        struct db *db;

        assert_int_equal(mkdir(f->dir, 0700) < 0 && errno != EEXIST, 0);
        /* Version 1 with a view where migration 2 wants a table. */
        make_db(f, "CREATE TABLE log_entries (lock TEXT NOT NULL, idx INTEGER NOT NULL, ts INTEGER NOT NULL,"
                   " auth_id INTEGER NOT NULL, name TEXT NOT NULL, type INTEGER NOT NULL, action INTEGER, trig INTEGER,"
                   " completion INTEGER, source INTEGER, code_id INTEGER, data BLOB, PRIMARY KEY (lock, idx)) WITHOUT ROWID;"
                   "CREATE TABLE lock_codes (lock TEXT NOT NULL, code_id INTEGER NOT NULL, name TEXT NOT NULL,"
                   " PRIMARY KEY (lock, code_id)) WITHOUT ROWID;"
                   "CREATE VIEW outbox AS SELECT 1 AS x; PRAGMA user_version = 1;");
        db = open_db(f, &st, -EIO);
        assert_null(db);
        store_free(st);
        assert_int_equal(raw_int(f, "PRAGMA user_version"), 1);
        /* The tables migration 2 made before it failed are gone with it. */
        assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'lc_properties'"), 0);
}

static void newer_release_refused_untouched(void **state)
{
        struct fx *f = *state;
        struct store *st;
        struct db *db;

        assert_int_equal(mkdir(f->dir, 0700) < 0 && errno != EEXIST, 0);
        make_db(f, "CREATE TABLE future (x); PRAGMA user_version = 999;");
        db = open_db(f, &st, -EPROTONOSUPPORT);
        assert_null(db);
        store_free(st);
        assert_int_equal(raw_int(f, "PRAGMA user_version"), 999);
        assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'log_entries'"), 0);
}

/* Several processes opening today's layout at once: each migration runs once, all succeed. */
static void concurrent_opens(void **state)
{
        struct fx *f = *state;
        char *sql = slurp(FIXTURE);
        pid_t pids[4];

        assert_int_equal(mkdir(f->dir, 0700) < 0 && errno != EEXIST, 0);
        make_db(f, sql);
        free(sql);
        for (size_t i = 0; i < 4; i++) {
                pids[i] = fork();
                assert_true(pids[i] >= 0);
                if (pids[i] == 0) {
                        struct store *st = NULL;
                        struct db *db = NULL;
                        int r = store_open(f->dir, &st);

                        if (r >= 0)
                                r = db_open(st, &db);
                        db_free(db);
                        store_free(st);
                        _exit(r < 0 ? 1 : 0);
                }
        }
        for (size_t i = 0; i < 4; i++) {
                int status;

                assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
                assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        assert_int_equal(raw_int(f, "PRAGMA user_version"), db_schema_latest());
        assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM outbox"), 3);
}

/*
 * Everything kept per lock follows the lock's identity (issue 11): every table with a lock
 * column is either started fresh when an alias is paired to another lock, or kept on purpose
 * (a new table must be put in one list or the other), and a change of identity clears the
 * one lock's rows and no other's.
 */
static const char *const fresh_on_repair[] = {
        "lock_codes", "lc_grant_codes", "lc_code_history", "lc_unmanaged", "lc_auth_names", "lock_alarms",
};
static const char *const kept_on_repair[] = {
        "log_entries",        /* set apart as history (lock "NAME~N"), the cursor starts over */
        "lc_property_locks",  /* the property's doors are listed by alias */
        "lc_grant_overrides", /* the operator's per-door settings of a booking */
        "outbox",             /* what was reported stays reported */
        "lock_identity",      /* the record of which pairing the rows belong to */
};

static bool listed(const char *name, const char *const *l, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(l[i], name) == 0)
                        return true;
        return false;
}

static void per_lock_state_follows_identity(void **state)
{
        struct fx *f = *state;
        struct store *st;
        struct db *db = open_db(f, &st, 0);
        sqlite3_stmt *q;
        unsigned seen = 0;

        assert_int_equal(outbox_init(db), 0);
        assert_int_equal(sqlite3_prepare_v2(db_handle(db),
                                            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
                                            " WHERE m.type = 'table' AND c.name = 'lock' ORDER BY m.name",
                                            -1, &q, NULL),
                         SQLITE_OK);
        while (sqlite3_step(q) == SQLITE_ROW) {
                const char *name = (const char *)sqlite3_column_text(q, 0);
                bool fresh = listed(name, fresh_on_repair, ELEMENTSOF(fresh_on_repair));
                bool kept = listed(name, kept_on_repair, ELEMENTSOF(kept_on_repair));

                if (fresh == kept)
                        fail_msg("table %s has a lock column: say whether a re-paired lock starts it fresh", name);
                seen++;
        }
        sqlite3_finalize(q);
        assert_int_equal(seen, ELEMENTSOF(fresh_on_repair) + ELEMENTSOF(kept_on_repair));

        /* front and back, each with a row in every table that starts fresh, and a log. */
        assert_int_equal(db_lock_identity_set(db, "front", true, 0x11111111, 7, 1000), 0);
        assert_int_equal(db_lock_identity_set(db, "back", true, 0x22222222, 8, 1000), 0);
        for (const char *const *l = (const char *const[]){ "front", "back", NULL }; *l; l++) {
                char sql[1400];

                snprintf(sql, sizeof(sql),
                         "INSERT INTO lock_codes VALUES ('%1$s', 1, 'A');"
                         "INSERT INTO lc_grant_codes (grant_id, lock, state, updated_at) VALUES ('G', '%1$s', 'provisioned', 1);"
                         "INSERT INTO lc_code_history VALUES ('%1$s', 1, 1, NULL, 'G', 'Ana');"
                         "INSERT INTO lc_unmanaged VALUES ('%1$s', 2, 'B', 1);"
                         "INSERT INTO lc_auth_names VALUES ('%1$s', 3, 'C');"
                         "INSERT INTO lock_alarms VALUES ('%1$s', 'k', 'x', 1);"
                         "INSERT INTO log_entries (lock, idx, ts, auth_id, name, type) VALUES ('%1$s', 5, 1, 1, 'n', 1);",
                         *l);
                assert_int_equal(db_exec(db, sql), 0);
        }
        /* Same identity again: nothing changes. */
        assert_int_equal(db_lock_identity_set(db, "front", true, 0x11111111, 7, 2000), 0);
        /* Another lock under "front": its rows start fresh, its log is set apart; back keeps all. */
        assert_int_equal(db_lock_identity_set(db, "front", true, 0x33333333, 9, 3000), 1);
        for (size_t i = 0; i < ELEMENTSOF(fresh_on_repair); i++) {
                char sql[160];

                snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE lock = 'front'", fresh_on_repair[i]);
                if (sql_int(db, sql) != 0)
                        fail_msg("%s kept the old lock's rows", fresh_on_repair[i]);
                snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE lock = 'back'", fresh_on_repair[i]);
                if (sql_int(db, sql) != 1)
                        fail_msg("%s lost another lock's rows", fresh_on_repair[i]);
        }
        assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM log_entries WHERE lock = 'front'"), 0);
        assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM log_entries WHERE lock = 'front~1'"), 1);
        assert_int_equal(sql_int(db, "SELECT COUNT(*) FROM log_entries WHERE lock = 'back'"), 1);
        db_free(db);
        store_free(st);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(fresh_database_is_whole, setup, teardown),
                cmocka_unit_test_setup_teardown(todays_layout_upgraded_in_place, setup, teardown),
                cmocka_unit_test_setup_teardown(failed_migration_rolls_back, setup, teardown),
                cmocka_unit_test_setup_teardown(newer_release_refused_untouched, setup, teardown),
                cmocka_unit_test_setup_teardown(concurrent_opens, setup, teardown),
                cmocka_unit_test_setup_teardown(per_lock_state_follows_identity, setup, teardown),
        };

        return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
