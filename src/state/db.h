/* SPDX-License-Identifier: MIT */
/*
 * The agent database, `state.db` (SQLite, WAL) in the state directory: the lock log as read so
 * far (its highest index is the cursor for the next incremental read, spec §6.28), and what
 * we know of each lock's keypad codes for attribution. Modules add their own tables (the
 * lifecycle engine keeps booking codes here: keypad code values are guest secrets, so the
 * file is created 0600 inside the 0700 state directory). No keys or PINs are kept here.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "latchkey/commands.h"
#include "latchkey/keypad.h"
#include "store.h"

struct db;

/*
 * Open (creating 0600) state.db and bring it to the newest schema (db_migrate). An existing
 * database is upgraded in place, one migration per transaction; -EPROTONOSUPPORT for one a
 * newer latchkey wrote (nothing is changed).
 */
int db_open(struct store *st, struct db **ret);
struct db *db_free(struct db *db);

/* The highest log index stored for the lock, 0 if none. */
int db_log_cursor(struct db *db, const char *lock, uint32_t *ret);
/* Store one entry; 1 if new, 0 if it was there already (same index). Committed on return. */
int db_log_put(struct db *db, const char *lock, const struct lk_log_entry *e);
/* Forget a lock's log (its log was reset, or the lock was removed). */
int db_log_forget(struct db *db, const char *lock);

/* Keypad code names by id, for attributing keypad log entries (spec §6.29 type 0x05). */
int db_codes_replace(struct db *db, const char *lock, const struct lk_keypad_code *codes, size_t n);
int db_code_put(struct db *db, const char *lock, const struct lk_keypad_code *c);
/* Several at once, in one transaction (one disk sync): each put as db_code_put(), whose own
 * failures are not fatal; -errno when the transaction cannot be opened or committed. */
int db_codes_put(struct db *db, const char *lock, const struct lk_keypad_code *const *codes, size_t n);
int db_code_del(struct db *db, const char *lock, uint16_t id);
/* -ENOENT when unknown. */
int db_code_name(struct db *db, const char *lock, uint16_t id, char ret[LK_CODE_NAME_SIZE + 1]);

/*
 * Per-lock state and the lock's identity (issue 11). db_lock_identity_set(): lock (an alias)
 * now stands for this pairing; when its recorded identity differs (another authorization, or
 * another Nuki ID when both are known), everything kept for the alias is cleared and its log
 * kept apart as history, in one transaction, and it returns 1 (0 otherwise). A first record
 * (an upgraded directory) adopts what is there. db_log_retire(): the lock's log restarted
 * (its newest index is below ours): the entries are kept apart and the cursor starts over.
 */
int db_lock_identity_set(struct db *db, const char *lock, bool has_nuki_id, uint32_t nuki_id, uint32_t auth_id,
                         int64_t now);
int db_log_retire(struct db *db, const char *lock);
/* An alarm raised once per (lock, kind, key): 1 when new, 0 when it was raised already. */
int db_alarm_raise(struct db *db, const char *lock, const char *kind, const char *key, int64_t now);
/* Forget the alarms of a kind (the lock took writes again): a new trouble raises them anew. */
int db_alarm_clear(struct db *db, const char *lock, const char *kind);

/* SQLite result code → 0 or -errno (one map for every module with tables in state.db). */
int db_errno(int rc);
/* Prepare a statement on the database; -errno on failure. */
struct sqlite3_stmt;
int db_prepare(struct db *db, const char *sql, struct sqlite3_stmt **ret);

/*
 * Schema migrations (db.c migrations[]): every table, column and index of state.db comes from
 * one ordered list there; add a row at its end for a change, never edit a released one.
 * db_migrate() applies what is missing (db_open() calls it); the version is PRAGMA user_version.
 */
int db_migrate(struct db *db);
int db_schema_version(struct db *db, int *ret);
int db_schema_latest(void);

/* Run a statement list. */
int db_exec(struct db *db, const char *sql);
/* The raw handle, for modules with their own tables (lifecycle, outbox). */
struct sqlite3 *db_handle(struct db *db);
