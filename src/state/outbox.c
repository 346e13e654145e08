/* SPDX-License-Identifier: MIT */
/*
 * The outbox table. Each event is one INSERT in autocommit mode (or inside the caller's
 * transaction, durable at its COMMIT): with WAL and synchronous=FULL (db_open) the row is on
 * disk when the statement returns. Order is the rowid (seq), never the wall clock, so "oldest
 * first" survives a clock jump.
 */
#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outbox.h"
#include "store.h"
#include "util.h"

_Static_assert(OUTBOX_ID_SIZE == 2 * 16, "an event id is 128 random bits in hex");

static int prepare(struct db *db, const char *sql, sqlite3_stmt **ret)
{
        return db_prepare(db, sql, ret);
}

int outbox_init(struct db *db)
{
        int v = 0, r = db_schema_version(db, &v);

        /* The table comes from db.c's migrations (db_open); this only checks they ran. */
        return r < 0 ? r : v < 2 ? -EPROTO : 0;
}

static bool type_is_valid(const char *t)
{
        size_t n = strlen(t);

        if (n == 0 || n > OUTBOX_TYPE_MAX || t[0] < 'a' || t[0] > 'z')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || strchr("._-", t[i])))
                        return false;
        return true;
}

struct outbox_writer {
        struct db *db;
        sqlite3_stmt *insert;
};

int outbox_writer_new(struct db *db, struct outbox_writer **ret)
{
        struct outbox_writer *w = calloc(1, sizeof(*w));
        int r;

        if (!w)
                return -ENOMEM;
        w->db = db;
        r = prepare(db, "INSERT INTO outbox (id, type, lock, payload, created_at) VALUES (?, ?, ?, ?, ?)", &w->insert);
        if (r < 0) {
                free(w);
                return r;
        }
        *ret = w;
        return 0;
}

struct outbox_writer *outbox_writer_free(struct outbox_writer *w)
{
        if (!w)
                return NULL;
        sqlite3_finalize(w->insert);
        free(w);
        return NULL;
}

int outbox_writer_add(struct outbox_writer *w, const char *type, const char *lock, const cJSON *payload, char *ret_id)
{
        char id[OUTBOX_ID_SIZE + 1];
        uint8_t raw[OUTBOX_ID_SIZE / 2];
        _cleanup_free_ char *text = NULL;
        sqlite3_stmt *st = w->insert;
        size_t len;
        int r;

        if (!type || !type_is_valid(type) || (lock && !store_alias_is_valid(lock)) || !payload ||
            !cJSON_IsObject(payload))
                return -EINVAL;
        text = cJSON_PrintUnformatted(payload);
        if (!text)
                return -ENOMEM;
        len = strlen(text);
        if (len > OUTBOX_PAYLOAD_MAX) {
                sodium_memzero(text, len);
                return -EMSGSIZE;
        }
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
        if (lock)
                sqlite3_bind_text(st, 3, lock, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 3);
        sqlite3_bind_text(st, 4, text, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
        r = db_errno(sqlite3_step(st));
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        sodium_memzero(text, len); /* a code.issued payload holds a keypad code */
        if (r < 0)
                return r;
        if (ret_id)
                memcpy(ret_id, id, sizeof(id));
        return 0;
}

int outbox_add(struct db *db, const char *type, const char *lock, const cJSON *payload, char *ret_id)
{
        struct outbox_writer *w = NULL;
        int r = outbox_writer_new(db, &w);

        if (r < 0)
                return r;
        r = outbox_writer_add(w, type, lock, payload, ret_id);
        outbox_writer_free(w);
        return r;
}

/* Members of a payload that hold a keypad code: sent to the upstream over TLS, shown nowhere else. */
static const char *const secret_members[] = { "code", "old_code", "new_code" };

void outbox_payload_mask(cJSON *payload)
{
        for (size_t i = 0; i < ELEMENTSOF(secret_members); i++) {
                cJSON *v = cJSON_GetObjectItemCaseSensitive(payload, secret_members[i]);

                if (v && cJSON_IsString(v) && v->valuestring) {
                        sodium_memzero(v->valuestring, strlen(v->valuestring));
                        cJSON_SetValuestring(v, "(hidden)");
                }
        }
}

int outbox_count(struct db *db, enum outbox_state state, unsigned *ret)
{
        sqlite3_stmt *st;
        int r = prepare(db, "SELECT COUNT(*) FROM outbox WHERE state = ?", &st);

        if (r < 0)
                return r;
        sqlite3_bind_int(st, 1, (int)state);
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                *ret = (unsigned)sqlite3_column_int64(st, 0);
                r = 0;
        } else
                r = db_errno(r) ?: -EIO;
        sqlite3_finalize(st);
        return r;
}

int outbox_pending(struct db *db, unsigned *ret)
{
        return outbox_count(db, OUTBOX_PENDING, ret);
}

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t size)
{
        const unsigned char *s = sqlite3_column_text(st, col);

        snprintf(buf, size, "%s", s ? (const char *)s : "");
}

void outbox_events_free(struct outbox_event *ev, size_t n)
{
        if (!ev)
                return;
        for (size_t i = 0; i < n; i++)
                free(ev[i].payload);
        free(ev);
}

int outbox_list(struct db *db, enum outbox_state state, int64_t now, size_t max, struct outbox_event **ret,
                size_t *ret_n)
{
        struct outbox_event *ev = NULL;
        sqlite3_stmt *st;
        size_t n = 0;
        int r;

        if (max == 0 || max > 100000)
                return -EINVAL;
        r = prepare(db,
                    "SELECT seq, id, type, lock, payload, created_at, attempts, next_attempt_at, state,"
                    " COALESCE(done_at, 0), reason FROM outbox"
                    " WHERE state = ?1 AND (?2 < 0 OR next_attempt_at <= ?2) ORDER BY seq LIMIT ?3",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int(st, 1, (int)state);
        sqlite3_bind_int64(st, 2, state == OUTBOX_PENDING ? now : -1);
        sqlite3_bind_int64(st, 3, (int64_t)max);
        ev = calloc(max, sizeof(*ev));
        if (!ev) {
                sqlite3_finalize(st);
                return -ENOMEM;
        }
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct outbox_event *e = &ev[n];
                const unsigned char *p = sqlite3_column_text(st, 4);

                e->seq = sqlite3_column_int64(st, 0);
                copy_col(st, 1, e->id, sizeof(e->id));
                copy_col(st, 2, e->type, sizeof(e->type));
                copy_col(st, 3, e->lock, sizeof(e->lock));
                e->payload = strdup(p ? (const char *)p : "{}");
                if (!e->payload) {
                        r = SQLITE_NOMEM;
                        break;
                }
                n++;
                e->created_at = sqlite3_column_int64(st, 5);
                e->attempts = (unsigned)sqlite3_column_int64(st, 6);
                e->next_attempt_at = sqlite3_column_int64(st, 7);
                e->state = (enum outbox_state)sqlite3_column_int(st, 8);
                e->done_at = sqlite3_column_int64(st, 9);
                copy_col(st, 10, e->reason, sizeof(e->reason));
        }
        sqlite3_finalize(st);
        r = r == SQLITE_DONE ? 0 : (db_errno(r) ?: -EIO);
        if (r < 0) {
                outbox_events_free(ev, n);
                return r;
        }
        *ret = ev;
        *ret_n = n;
        return 0;
}

/* Run one UPDATE per id inside one transaction; returns the rows changed. */
static int update_ids(struct db *db, const char *sql, const char *const *ids, size_t n, int64_t a,
                      const char *text)
{
        sqlite3 *h = db_handle(db);
        sqlite3_stmt *st = NULL;
        int r, changed = 0;

        if (n == 0)
                return 0;
        r = db_exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = prepare(db, sql, &st);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                sqlite3_reset(st);
                sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, a);
                if (text)
                        sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
                else
                        sqlite3_bind_null(st, 3);
                r = db_errno(sqlite3_step(st));
                if (r >= 0)
                        changed += sqlite3_changes(h);
        }
        sqlite3_finalize(st);
        if (r < 0) {
                (void)db_exec(db, "ROLLBACK");
                return r;
        }
        r = db_exec(db, "COMMIT");
        return r < 0 ? r : changed;
}

int outbox_mark_acked(struct db *db, const char *const *ids, size_t n, int64_t now)
{
        return update_ids(db,
                          /* the upstream has it: the agent need not keep a keypad code any longer */
                          "UPDATE outbox SET state = 1, done_at = ?2, reason = ?3, attempts = attempts + 1,"
                          " payload = CASE WHEN json_extract(payload, '$.code') IS NOT NULL"
                          "  THEN json_set(payload, '$.code', '(hidden)') ELSE payload END"
                          " WHERE id = ?1 AND state = 0",
                          ids, n, now, NULL);
}

int outbox_mark_rejected(struct db *db, const char *const *ids, size_t n, const char *reason, int64_t now)
{
        char buf[OUTBOX_REASON_MAX + 1];

        snprintf(buf, sizeof(buf), "%s", reason ? reason : "rejected");
        return update_ids(db,
                          "UPDATE outbox SET state = 2, done_at = ?2, reason = ?3, attempts = attempts + 1"
                          " WHERE id = ?1 AND state = 0",
                          ids, n, now, buf);
}

int outbox_mark_attempt(struct db *db, const char *const *ids, size_t n, int64_t next_attempt_at,
                        const char *error)
{
        char buf[OUTBOX_REASON_MAX + 1];

        snprintf(buf, sizeof(buf), "%s", error ? error : "");
        return update_ids(db,
                          "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, reason = ?3"
                          " WHERE id = ?1 AND state = 0",
                          ids, n, next_attempt_at, buf);
}

int outbox_prune(struct db *db, int64_t before)
{
        sqlite3_stmt *st;
        int r = prepare(db, "DELETE FROM outbox WHERE state != 0 AND done_at < ?", &st);

        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, before);
        r = db_errno(sqlite3_step(st));
        if (r >= 0)
                r = sqlite3_changes(db_handle(db));
        sqlite3_finalize(st);
        return r;
}
