/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "util.h"

struct db {
        sqlite3 *h;
};

/*
 * The schema, as ordered migrations (issue 11): db_open() brings any state.db to the newest
 * version, one migration per transaction, each recorded in PRAGMA user_version when it
 * commits. A migration's text never changes once released: a new table, column, index or
 * data move is a new row at the end of migrations[] (SQL, or a function for what SQL cannot
 * say). Modules do not create tables themselves.
 */

/* 1: the log as read so far and the code names by id (user_version 1 in every release). */
static const char schema_v1[] =
        "CREATE TABLE IF NOT EXISTS log_entries ("
        "  lock TEXT NOT NULL, idx INTEGER NOT NULL, ts INTEGER NOT NULL, auth_id INTEGER NOT NULL,"
        "  name TEXT NOT NULL, type INTEGER NOT NULL, action INTEGER, trig INTEGER,"
        "  completion INTEGER, source INTEGER, code_id INTEGER, data BLOB,"
        "  PRIMARY KEY (lock, idx)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS lock_codes ("
        "  lock TEXT NOT NULL, code_id INTEGER NOT NULL, name TEXT NOT NULL,"
        "  PRIMARY KEY (lock, code_id)) WITHOUT ROWID;";

/* 2: the bookings, outbox and upstream tables, as the modules made them on first use until now. */
static const char schema_v2[] =
        "CREATE TABLE IF NOT EXISTS lc_properties ("
        "  id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '') WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS lc_property_locks ("
        "  property TEXT NOT NULL REFERENCES lc_properties(id) ON DELETE CASCADE,"
        "  lock TEXT NOT NULL, guest_access INTEGER NOT NULL DEFAULT 1,"
        "  PRIMARY KEY (property, lock)) WITHOUT ROWID;"
        /* daily_from/daily_until: minutes of the lock-local day; NULL = the whole day */
        "CREATE TABLE IF NOT EXISTS lc_grants ("
        "  id TEXT PRIMARY KEY, source TEXT NOT NULL,"
        "  property TEXT NOT NULL REFERENCES lc_properties(id),"
        "  guest TEXT NOT NULL, code INTEGER NOT NULL, code_generated INTEGER NOT NULL,"
        "  check_in INTEGER NOT NULL, check_out INTEGER NOT NULL,"
        "  weekdays INTEGER NOT NULL DEFAULT 0, daily_from INTEGER, daily_until INTEGER,"
        "  status TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),"
        "  updated_at INTEGER NOT NULL,"
        "  CHECK (check_out > check_in)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS lc_grant_overrides ("
        "  grant_id TEXT NOT NULL REFERENCES lc_grants(id) ON DELETE CASCADE, lock TEXT NOT NULL,"
        "  code INTEGER, lead INTEGER, weekdays INTEGER, daily_from INTEGER, daily_until INTEGER,"
        "  PRIMARY KEY (grant_id, lock)) WITHOUT ROWID;"
        /* What is confirmed on each lock per grant: the managed-code map. */
        "CREATE TABLE IF NOT EXISTS lc_grant_codes ("
        "  grant_id TEXT NOT NULL, lock TEXT NOT NULL,"
        "  state TEXT NOT NULL CHECK (state IN ('provisioned', 'failed', 'removed')),"
        "  code_id INTEGER, code INTEGER, name TEXT,"
        "  valid_from INTEGER, valid_until INTEGER, weekdays INTEGER, daily_from INTEGER, daily_until INTEGER,"
        "  reason TEXT, updated_at INTEGER NOT NULL,"
        "  PRIMARY KEY (grant_id, lock)) WITHOUT ROWID;"
        /* Which grant held a code id when: attribution of keypad log entries. */
        "CREATE TABLE IF NOT EXISTS lc_code_history ("
        "  lock TEXT NOT NULL, code_id INTEGER NOT NULL, since INTEGER NOT NULL,"
        "  until INTEGER, grant_id TEXT NOT NULL, guest TEXT NOT NULL,"
        "  PRIMARY KEY (lock, code_id, since)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS lc_unmanaged ("
        "  lock TEXT NOT NULL, code_id INTEGER NOT NULL, name TEXT NOT NULL, first_seen INTEGER NOT NULL,"
        "  PRIMARY KEY (lock, code_id)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS lc_auth_names ("
        "  lock TEXT NOT NULL, auth_id INTEGER NOT NULL, name TEXT NOT NULL,"
        "  PRIMARY KEY (lock, auth_id)) WITHOUT ROWID;"
        "CREATE INDEX IF NOT EXISTS lc_grants_by_property ON lc_grants (property, status);"
        "CREATE TABLE IF NOT EXISTS outbox ("
        "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  id TEXT NOT NULL UNIQUE,"
        "  type TEXT NOT NULL,"
        "  lock TEXT,"
        "  payload TEXT NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
        "  state INTEGER NOT NULL DEFAULT 0," /* enum outbox_state */
        "  done_at INTEGER,"                  /* acked or rejected at */
        "  reason TEXT);"
        "CREATE INDEX IF NOT EXISTS outbox_by_state ON outbox (state, seq);"
        "CREATE TABLE IF NOT EXISTS sync_state ("
        "  key TEXT PRIMARY KEY, value) WITHOUT ROWID;";

/* Indexes for the queries bookings at scale repeat (issue 10): per source (the import's wipe
 * guard), per lock (targets, rows). */
static const char schema_v3[] =
        "CREATE INDEX IF NOT EXISTS lc_grants_by_source ON lc_grants (source, status, check_out);"
        "CREATE INDEX IF NOT EXISTS lc_property_locks_by_lock ON lc_property_locks (lock);"
        "CREATE INDEX IF NOT EXISTS lc_grant_codes_by_lock ON lc_grant_codes (lock, state);";

/* A property's time zone (issue 11, docs/grants.md): one row per property that names one. */
static const char schema_v4[] =
        "CREATE TABLE IF NOT EXISTS lc_property_zones ("
        "  property TEXT PRIMARY KEY REFERENCES lc_properties(id) ON DELETE CASCADE,"
        "  zone TEXT NOT NULL) WITHOUT ROWID;";

/*
 * 5: what an alias's per-lock rows belong to (issue 11): the pairing's Nuki ID (NULL until
 * known) and authorization; and the alarms raised once each (an overdue removal while a lock
 * takes no PIN, ...). An upgraded directory records its identities on first contact.
 */
static const char schema_v5[] =
        "CREATE TABLE IF NOT EXISTS lock_identity ("
        "  lock TEXT PRIMARY KEY, nuki_id INTEGER, auth_id INTEGER NOT NULL, since INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS lock_alarms ("
        "  lock TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, raised_at INTEGER NOT NULL,"
        "  PRIMARY KEY (lock, kind, key)) WITHOUT ROWID;";

struct db_migration {
        int version;
        const char *what;
        const char *sql;                /* or NULL */
        int (*apply)(struct db *db);    /* or NULL: what SQL alone cannot do */
};

static const struct db_migration migrations[] = {
        { 1, "the log and the code names", schema_v1, NULL },
        { 2, "bookings, outbox and upstream tables", schema_v2, NULL },
        { 3, "indexes for bookings at scale", schema_v3, NULL },
        { 4, "property time zones", schema_v4, NULL },
        { 5, "lock identities and alarms", schema_v5, NULL },
};

/*
 * The tables whose rows say something about one paired lock, by alias in their `lock` column:
 * what its identity owns. A new table of that kind belongs here too. (The desired state,
 * lc_property_locks and lc_grant_overrides, names doors by alias and stays; the outbox keeps
 * what happened.) The log is kept as history under a retired key instead (db_log_retire).
 */
static const char *const per_lock_tables[] = {
        "lock_codes", "lc_grant_codes", "lc_code_history", "lc_unmanaged", "lc_auth_names", "lock_alarms",
};

int db_errno(int rc)
{
        switch (rc & 0xFF) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        default:
                return -EIO;
        }
}

int db_exec(struct db *db, const char *sql)
{
        char *err = NULL;
        int rc = sqlite3_exec(db->h, sql, NULL, NULL, &err);

        if (rc != SQLITE_OK) {
                log_debug("SQLite: %s", err ? err : sqlite3_errstr(rc));
                sqlite3_free(err);
                return db_errno(rc);
        }
        return 0;
}

int db_open(struct store *st, struct db **ret)
{
        char path[PATH_MAX];
        struct db *db;
        int rc, r, fd;

        if (snprintf(path, sizeof(path), "%s/state.db", store_dir(st)) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        /* Create it 0600 ourselves: SQLite would use the umask. */
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        close(fd);
        db = calloc(1, sizeof(*db));
        if (!db)
                return -ENOMEM;
        rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
        if (rc != SQLITE_OK) {
                r = db_errno(rc);
                db_free(db);
                return r;
        }
        sqlite3_busy_timeout(db->h, 5000);
        r = db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
        if (r >= 0)
                r = db_migrate(db);
        if (r < 0) {
                db_free(db);
                return r;
        }
        *ret = db;
        return 0;
}

static int user_version(struct db *db, int *ret)
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "PRAGMA user_version", &st);

        if (r < 0)
                return r;
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                *ret = sqlite3_column_int(st, 0);
                r = 0;
        } else
                r = db_errno(r) ?: -EIO;
        sqlite3_finalize(st);
        return r;
}

int db_schema_version(struct db *db, int *ret)
{
        return user_version(db, ret);
}

int db_schema_latest(void)
{
        return migrations[ELEMENTSOF(migrations) - 1].version;
}

/* One migration in one transaction; skipped when another process got there first. */
static int migrate_one(struct db *db, const struct db_migration *m)
{
        char sql[64];
        int v = 0, r;

        r = db_exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = user_version(db, &v);
        if (r >= 0 && v < m->version) {
                if (m->sql)
                        r = db_exec(db, m->sql);
                if (r >= 0 && m->apply)
                        r = m->apply(db);
                snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", m->version);
                if (r >= 0)
                        r = db_exec(db, sql);
        }
        if (r < 0) {
                (void)db_exec(db, "ROLLBACK");
                return log_error_errno(r, "Cannot upgrade the state database to version %d (%s): %m", m->version,
                                       m->what);
        }
        r = db_exec(db, "COMMIT");
        if (r >= 0 && v < m->version)
                log_debug("State database upgraded to version %d: %s", m->version, m->what);
        return r;
}

int db_migrate(struct db *db)
{
        int v = 0, r;

        r = user_version(db, &v);
        if (r < 0)
                return r;
        if (v > db_schema_latest())
                return log_error_errno(EPROTONOSUPPORT,
                                       "The state database is version %d, newer than this latchkey knows (%d): "
                                       "it was written by a newer release",
                                       v, db_schema_latest());
        for (size_t i = 0; i < ELEMENTSOF(migrations); i++) {
                if (migrations[i].version <= v)
                        continue;
                r = migrate_one(db, &migrations[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct db *db_free(struct db *db)
{
        if (!db)
                return NULL;
        sqlite3_close(db->h);
        free(db);
        return NULL;
}

struct sqlite3 *db_handle(struct db *db)
{
        return db->h;
}

int db_prepare(struct db *db, const char *sql, struct sqlite3_stmt **ret)
{
        return db_errno(sqlite3_prepare_v2(db->h, sql, -1, ret, NULL));
}

int db_log_cursor(struct db *db, const char *lock, uint32_t *ret)
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "SELECT COALESCE(MAX(idx), 0) FROM log_entries WHERE lock = ?", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                *ret = (uint32_t)sqlite3_column_int64(st, 0);
                r = 0;
        } else
                r = db_errno(r) ?: -EIO;
        sqlite3_finalize(st);
        return r;
}

int db_log_put(struct db *db, const char *lock, const struct lk_log_entry *e)
{
        uint8_t data[LK_PAYLOAD_MAX];
        sqlite3_stmt *st;
        ssize_t n;
        int64_t ts = 0;
        int r;

        (void)!lk_datetime_to_unix(&e->timestamp, &ts); /* an unset lock clock stores 0 */
        n = lk_log_entry_encode(e, data, sizeof(data));
        if (n < 0)
                return (int)n;
        r = db_prepare(db,
                    "INSERT OR IGNORE INTO log_entries (lock, idx, ts, auth_id, name, type, action, trig,"
                    " completion, source, code_id, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, e->index);
        sqlite3_bind_int64(st, 3, ts);
        sqlite3_bind_int64(st, 4, e->auth_id);
        sqlite3_bind_text(st, 5, e->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 6, e->type);
        switch (e->type) {
        case LK_LOG_LOCK_ACTION:
        case LK_LOG_CALIBRATION:
        case LK_LOG_INITIALIZATION_RUN:
                sqlite3_bind_int(st, 7, e->data.action.action);
                sqlite3_bind_int(st, 8, e->data.action.trigger);
                sqlite3_bind_int(st, 9, e->data.action.completion);
                break;
        case LK_LOG_KEYPAD_ACTION:
                sqlite3_bind_int(st, 7, e->data.keypad.action);
                sqlite3_bind_int(st, 9, e->data.keypad.completion);
                sqlite3_bind_int(st, 10, e->data.keypad.source);
                sqlite3_bind_int(st, 11, e->data.keypad.code_id);
                break;
        default:
                break;
        }
        sqlite3_bind_blob(st, 12, data, (int)n, SQLITE_TRANSIENT);
        r = sqlite3_step(st);
        r = r == SQLITE_DONE ? (sqlite3_changes(db->h) > 0 ? 1 : 0) : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

int db_log_forget(struct db *db, const char *lock)
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "DELETE FROM log_entries WHERE lock = ?", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        r = db_errno(sqlite3_step(st));
        sqlite3_finalize(st);
        return r;
}

int db_code_put(struct db *db, const char *lock, const struct lk_keypad_code *c)
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "INSERT OR REPLACE INTO lock_codes (lock, code_id, name) VALUES (?,?,?)", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, c->id);
        sqlite3_bind_text(st, 3, c->name, -1, SQLITE_STATIC);
        r = db_errno(sqlite3_step(st));
        sqlite3_finalize(st);
        return r;
}

int db_codes_put(struct db *db, const char *lock, const struct lk_keypad_code *const *codes, size_t n)
{
        int r = db_exec(db, "BEGIN IMMEDIATE");

        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                (void)!db_code_put(db, lock, codes[i]);
        r = db_exec(db, "COMMIT");
        if (r < 0)
                (void)db_exec(db, "ROLLBACK");
        return r;
}

int db_code_del(struct db *db, const char *lock, uint16_t id)
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "DELETE FROM lock_codes WHERE lock = ? AND code_id = ?", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, id);
        r = db_errno(sqlite3_step(st));
        sqlite3_finalize(st);
        return r;
}

int db_codes_replace(struct db *db, const char *lock, const struct lk_keypad_code *codes, size_t n)
{
        sqlite3_stmt *st;
        int r;

        r = db_exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = db_prepare(db, "DELETE FROM lock_codes WHERE lock = ?", &st);
        if (r >= 0) {
                sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
                r = db_errno(sqlite3_step(st));
                sqlite3_finalize(st);
        }
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = db_code_put(db, lock, &codes[i]);
        if (r < 0) {
                (void)db_exec(db, "ROLLBACK");
                return r;
        }
        return db_exec(db, "COMMIT");
}

int db_code_name(struct db *db, const char *lock, uint16_t id, char ret[LK_CODE_NAME_SIZE + 1])
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "SELECT name FROM lock_codes WHERE lock = ? AND code_id = ?", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, id);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                snprintf(ret, LK_CODE_NAME_SIZE + 1, "%s", (const char *)sqlite3_column_text(st, 0));
                r = 0;
        } else
                r = r == SQLITE_DONE ? -ENOENT : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

/* ---- per-lock state and the lock's identity (issue 11) -------------------------------------- */

static int step_text(struct db *db, const char *sql, const char *a, const char *b)
{
        sqlite3_stmt *st;
        int r = db_prepare(db, sql, &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        if (b)
                sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        r = r == SQLITE_DONE || r == SQLITE_ROW ? 0 : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

/* Move lock's log rows under "lock~N" (no alias has a '~'): history nobody reads as the cursor. */
static int log_retire(struct db *db, const char *lock)
{
        char tag[STORE_ALIAS_MAX + 24];
        sqlite3_stmt *st;
        int64_t n = 0;
        int r;

        r = db_prepare(db, "SELECT COUNT(DISTINCT lock) FROM log_entries WHERE substr(lock, 1, length(?1) + 1) = ?1 || '~'",
                       &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        snprintf(tag, sizeof(tag), "%s~%" PRId64, lock, n + 1);
        return step_text(db, "UPDATE log_entries SET lock = ?2 WHERE lock = ?1", lock, tag);
}

int db_log_retire(struct db *db, const char *lock)
{
        int r = db_exec(db, "BEGIN IMMEDIATE");

        if (r < 0)
                return r;
        r = log_retire(db, lock);
        if (r < 0) {
                (void)db_exec(db, "ROLLBACK");
                return r;
        }
        return db_exec(db, "COMMIT");
}

static int identity_get(struct db *db, const char *lock, bool *ret_found, bool *ret_has_nuki, uint32_t *ret_nuki,
                        uint32_t *ret_auth)
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "SELECT nuki_id, auth_id FROM lock_identity WHERE lock = ?", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        *ret_found = r == SQLITE_ROW;
        if (r == SQLITE_ROW) {
                *ret_has_nuki = sqlite3_column_type(st, 0) != SQLITE_NULL;
                *ret_nuki = (uint32_t)sqlite3_column_int64(st, 0);
                *ret_auth = (uint32_t)sqlite3_column_int64(st, 1);
                r = 0;
        } else
                r = r == SQLITE_DONE ? 0 : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

static int identity_put(struct db *db, const char *lock, bool has_nuki_id, uint32_t nuki_id, uint32_t auth_id,
                        int64_t now)
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "INSERT OR REPLACE INTO lock_identity (lock, nuki_id, auth_id, since) VALUES (?,?,?,?)", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        if (has_nuki_id)
                sqlite3_bind_int64(st, 2, nuki_id);
        else
                sqlite3_bind_null(st, 2);
        sqlite3_bind_int64(st, 3, auth_id);
        sqlite3_bind_int64(st, 4, now);
        r = db_errno(sqlite3_step(st));
        sqlite3_finalize(st);
        return r;
}

int db_lock_identity_set(struct db *db, const char *lock, bool has_nuki_id, uint32_t nuki_id, uint32_t auth_id,
                         int64_t now)
{
        bool found = false, had_nuki = false;
        uint32_t old_nuki = 0, old_auth = 0;
        int r, changed = 0;

        r = db_exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = identity_get(db, lock, &found, &had_nuki, &old_nuki, &old_auth);
        if (r >= 0 && found && (old_auth != auth_id || (had_nuki && has_nuki_id && old_nuki != nuki_id))) {
                /* Another lock or authorization under this alias: its state starts fresh. */
                changed = 1;
                r = log_retire(db, lock);
                for (size_t i = 0; r >= 0 && i < ELEMENTSOF(per_lock_tables); i++) {
                        char sql[96];

                        snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE lock = ?", per_lock_tables[i]);
                        r = step_text(db, sql, lock, NULL);
                }
        }
        /* Unknown until now (an upgraded directory): what is kept is this pairing's. */
        if (r >= 0 && (!found || changed || (has_nuki_id && !had_nuki)))
                r = identity_put(db, lock, has_nuki_id || (had_nuki && !changed), has_nuki_id ? nuki_id : old_nuki,
                                 auth_id, now);
        if (r < 0) {
                (void)db_exec(db, "ROLLBACK");
                return r;
        }
        r = db_exec(db, "COMMIT");
        return r < 0 ? r : changed;
}

int db_alarm_raise(struct db *db, const char *lock, const char *kind, const char *key, int64_t now)
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "INSERT OR IGNORE INTO lock_alarms (lock, kind, key, raised_at) VALUES (?,?,?,?)", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        r = sqlite3_step(st);
        r = r == SQLITE_DONE ? (sqlite3_changes(db->h) > 0 ? 1 : 0) : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

int db_alarm_clear(struct db *db, const char *lock, const char *kind)
{
        return step_text(db, "DELETE FROM lock_alarms WHERE lock = ?1 AND kind = ?2", lock, kind);
}
