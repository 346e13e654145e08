/* SPDX-License-Identifier: MIT */
/*
 * Per-lock history kept for attribution and reporting: which grant held a code id when,
 * authorization names, and the unmanaged codes already reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "grants-private.h"
#include "outbox.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

int grants_history_put(struct db *db, const char *lock, const struct grant_code *c, int64_t now)
{
        sqlite3_stmt *st;
        int r;

        /* Close what held this id before (another grant, or ours under an older record). */
        r = db_prepare(db,
                    "UPDATE lc_code_history SET until = ?1 WHERE lock = ?2 AND code_id = ?3 AND until IS NULL"
                    " AND grant_id != ?4",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, c->code_id);
        sqlite3_bind_text(st, 4, c->grant, -1, SQLITE_STATIC);
        r = grants_step_done(st);
        if (r < 0)
                return r;
        r = db_prepare(db,
                    "INSERT INTO lc_code_history (lock, code_id, since, grant_id, guest)"
                    " SELECT ?1, ?2, ?3, ?4, IFNULL((SELECT guest FROM lc_grants WHERE id = ?4), ?5)"
                    " WHERE NOT EXISTS (SELECT 1 FROM lc_code_history WHERE lock = ?1 AND code_id = ?2"
                    "  AND grant_id = ?4 AND until IS NULL)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, c->code_id);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_text(st, 4, c->grant, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, c->rec.name, -1, SQLITE_STATIC);
        return grants_step_done(st);
}

int grants_history_close(struct db *db, const char *lock, const char *grant, int64_t now)
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "UPDATE lc_code_history SET until = ? WHERE lock = ? AND grant_id = ? AND until IS NULL", &st);

        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, lock, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, grant, -1, SQLITE_STATIC);
        return grants_step_done(st);
}


int grants_code_owner(struct db *db, const char *lock, uint16_t code_id, int64_t at,
                      char ret_grant[static GRANT_ID_MAX + 1], char ret_guest[static GRANT_GUEST_MAX + 1])
{
        sqlite3_stmt *st;
        int r;

        /* The grant that held the id at that time; else (clock unknown, or outside) the latest. */
        r = db_prepare(db,
                    "SELECT grant_id, guest FROM lc_code_history WHERE lock = ?1 AND code_id = ?2"
                    " ORDER BY (?3 > 0 AND since <= ?3 AND (until IS NULL OR ?3 < until)) DESC, since DESC LIMIT 1",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, code_id);
        sqlite3_bind_int64(st, 3, at);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                snprintf(ret_grant, GRANT_ID_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
                snprintf(ret_guest, GRANT_GUEST_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 1));
                r = 0;
        } else
                r = r == SQLITE_DONE ? -ENOENT : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

int grants_auth_names_replace(struct db *db, const char *lock, const struct lk_authorization_entry *e, size_t n)
{
        sqlite3_stmt *st;
        int r;

        r = db_exec(db, "SAVEPOINT lc_auth");
        if (r < 0)
                return r;
        r = db_prepare(db, "DELETE FROM lc_auth_names WHERE lock = ?", &st);
        if (r >= 0) {
                sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
                r = grants_step_done(st);
        }
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = db_prepare(db, "INSERT OR REPLACE INTO lc_auth_names (lock, auth_id, name) VALUES (?, ?, ?)", &st);
                if (r < 0)
                        break;
                sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, e[i].auth_id);
                sqlite3_bind_text(st, 3, e[i].name, -1, SQLITE_STATIC);
                r = grants_step_done(st);
        }
        if (r < 0) {
                (void)db_exec(db, "ROLLBACK TO lc_auth; RELEASE lc_auth");
                return r;
        }
        return db_exec(db, "RELEASE lc_auth");
}

int grants_auth_name(struct db *db, const char *lock, uint32_t auth_id, char ret[static LK_AUTH_NAME_SIZE + 1])
{
        sqlite3_stmt *st;
        int r = db_prepare(db, "SELECT name FROM lc_auth_names WHERE lock = ? AND auth_id = ?", &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, auth_id);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                snprintf(ret, LK_AUTH_NAME_SIZE + 1, "%s", (const char *)sqlite3_column_text(st, 0));
                r = 0;
        } else
                r = r == SQLITE_DONE ? -ENOENT : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

int grants_unmanaged_seen(struct db *db, const char *lock, uint16_t id, const char *name, int64_t now)
{
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db, "SELECT name FROM lc_unmanaged WHERE lock = ? AND code_id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, id);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW && streq((const char *)sqlite3_column_text(st, 0), name)) {
                sqlite3_finalize(st);
                return 0;
        }
        sqlite3_finalize(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return db_errno(r) ?: -EIO;
        r = db_prepare(db, "INSERT OR REPLACE INTO lc_unmanaged (lock, code_id, name, first_seen) VALUES (?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, id);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        r = grants_step_done(st);
        return r < 0 ? r : 1;
}

int grants_unmanaged_prune(struct db *db, const char *lock, const uint16_t *ids, size_t n)
{
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db, "SELECT code_id FROM lc_unmanaged WHERE lock = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                uint16_t id = (uint16_t)sqlite3_column_int(st, 0);
                bool present = false;
                sqlite3_stmt *del;

                for (size_t i = 0; i < n && !present; i++)
                        present = ids[i] == id;
                if (present)
                        continue;
                if (db_prepare(db, "DELETE FROM lc_unmanaged WHERE lock = ? AND code_id = ?", &del) < 0)
                        continue;
                sqlite3_bind_text(del, 1, lock, -1, SQLITE_STATIC);
                sqlite3_bind_int(del, 2, id);
                (void)grants_step_done(del);
        }
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? 0 : db_errno(r);
}
