/* SPDX-License-Identifier: MIT */
/*
 * Inside the grants module (grants.c, grants-doc.c, grants-import.c, grants-store.c,
 * grants-history.c): the parsed document's records and the helpers the files share. Nothing
 * outside src/grants*.c includes this.
 */
#pragma once

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "grants.h"
#include "store.h"
#include "tzdb.h"

/* Step a statement that returns no rows, and finalize it. */
static inline int grants_step_done(sqlite3_stmt *st)
{
        int r = sqlite3_step(st);

        r = r == SQLITE_DONE ? 0 : (db_errno(r) ?: -EIO);
        sqlite3_finalize(st);
        return r;
}

static inline void grants_bind_opt_int(sqlite3_stmt *st, int i, bool has, int64_t v)
{
        if (has)
                sqlite3_bind_int64(st, i, v);
        else
                sqlite3_bind_null(st, i);
}

/* [A-Za-z0-9._:-], 1..max characters. */
bool grants_ident_is_valid(const char *id, size_t max);
/* UTF-8, 1..GRANT_GUEST_MAX bytes, no control characters. */
bool grants_guest_is_valid(const char *s);
/* Write the message into err (may be NULL); returns -EINVAL. */
__attribute__((format(printf, 2, 3))) int grants_fail(struct grants_error *err, const char *fmt, ...);

/* ---- the parsed document (grants-doc.c) ---------------------------------------------------- */

struct imp_lock {
        char alias[STORE_ALIAS_MAX + 1];
        bool guest_access;
};

struct imp_property {
        char id[PROPERTY_ID_MAX + 1];
        char name[GRANT_GUEST_MAX + 1];
        char zone[TZDB_NAME_MAX + 1]; /* IANA; "" = none given */
        struct imp_lock *locks;
        size_t n_locks;
};

struct imp_daily {
        bool set;
        struct lk_time from, until;
};

struct imp_override {
        char lock[STORE_ALIAS_MAX + 1];
        bool has_code, has_lead, has_weekdays;
        uint32_t code;
        int64_t lead;
        uint8_t weekdays;
        struct imp_daily daily;
};

struct imp_grant {
        char id[GRANT_ID_MAX + 1];
        char property[PROPERTY_ID_MAX + 1];
        char guest[GRANT_GUEST_MAX + 1];
        bool has_code;
        uint32_t code;
        int64_t check_in, check_out;
        uint8_t weekdays;
        struct imp_daily daily;
        bool cancelled;
        struct imp_override *ov;
        size_t n_ov;
};

struct imp_doc {
        struct imp_property *props;
        size_t n_props;
        struct imp_grant *grants;
        size_t n_grants;
};

/* grants-zone.c: a property's zone. The "zone" member (may be absent) into p; the document's
 * properties that share a lock must agree on it; the stored zone replaced by p's. */
int grants_doc_zone(const cJSON *v, struct imp_property *p, const char *where, struct grants_error *err);
int grants_doc_check_zones(struct db *db, const struct imp_doc *d, struct grants_error *err);
int grants_zone_write(struct db *db, const struct imp_property *p);

/* Parse and check the whole document (db: to look up properties imported before). */
int grants_doc_parse(struct db *db, const cJSON *root, struct imp_doc *d, struct grants_error *err);
int grants_doc_check_ids(const struct imp_doc *d, struct grants_error *err);
void grants_doc_done(struct imp_doc *d);
/* Minutes of the lock-local day of a daily window's start (from) or end. */
int grants_daily_minutes(const struct imp_daily *dl, bool from);

/* ---- writing records (grants-write.c) ------------------------------------------------------ */

enum grants_writer_stmt {
        GW_GET_GRANT,
        GW_GET_OVERRIDES,
        GW_PUT_GRANT,
        GW_DEL_OVERRIDES,
        GW_PUT_OVERRIDE,
        GW_CANCEL,
        GW_SET_CODE,
        GW__MAX,
};

/* The statements an import repeats per grant, prepared once. */
struct grants_writer {
        struct db *db;
        sqlite3_stmt *st[GW__MAX];
};

int grants_writer_open(struct db *db, struct grants_writer *w);
void grants_writer_close(struct grants_writer *w);
sqlite3_stmt *grants_writer_stmt(struct grants_writer *w, enum grants_writer_stmt which);

enum grant_change { CHANGE_NONE, CHANGE_NEW, CHANGE_UPDATED, CHANGE_CANCELLED, CHANGE_REACTIVATED };

int grants_write_property(struct db *db, const struct imp_property *p);
/* Write one grant if it differs from the stored one; *ret_change says what happened. A grant
 * without an explicit code keeps the one drawn before, or is stored with code 0 (drawn once all
 * grants are in). */
int grants_write_grant(struct grants_writer *w, struct imp_grant *g, const char *source, int64_t now,
                       enum grant_change *ret_change);

/* ---- the codes wanted per lock, in memory (grants-codes.c) --------------------------------- */

/* One current or upcoming grant on one of its guest-access locks. */
struct code_use {
        uint32_t lock;      /* code_set_lock() */
        uint32_t grant;     /* code_set_grant() */
        uint32_t code;      /* 0: not drawn yet */
        bool override_code; /* a per-lock code */
        int64_t in, out;    /* check-in, check-out (UTC s) */
        int64_t lead;       /* the per-lock override, or -1: the engine's */
};
struct code_set;

/* Active grants whose check-out + grace is after now, each on every guest-access lock of its
 * property: one query per table. */
int code_set_load(struct db *db, int64_t now, int64_t grace, struct code_set **ret);
struct code_set *code_set_free(struct code_set *cs);
const struct code_use *code_set_uses(const struct code_set *cs, size_t *ret_n);
const char *code_set_lock(const struct code_set *cs, uint32_t lock);
const char *code_set_grant(const struct code_set *cs, uint32_t grant);
/*
 * Each pair of uses of one code on one lock, in check-in order, whose residencies (check-in −
 * lead .. check-out + grace) meet: fn(a, b, at) with the instant the lock's record passes from a
 * to b (max(b's check-in − lead, a's check-out)); a's stay overlapping b's is a clash (b->in <
 * a->out). A non-zero return from fn stops the walk and is returned.
 */
int code_set_walk_changeovers(struct code_set *cs, int64_t lead, int64_t grace,
                              int (*fn)(void *userdata, const struct code_use *a, const struct code_use *b, int64_t at),
                              void *userdata);
/* Draw a code for every grant without one, unique among the codes wanted or provisioned on each of
 * its locks; fn(grant, code) stores it. */
int code_set_draw(struct db *db, struct code_set *cs, int (*fn)(void *userdata, const char *grant, uint32_t code),
                  void *userdata);

/* ---- rows (grants-store.c, grants-history.c) ------------------------------------------------ */

void grants_minutes_to_time(int64_t m, struct lk_time *t);
/* Record that c's grant holds c's code id on lock from now on (closing what held it before). */
int grants_history_put(struct db *db, const char *lock, const struct grant_code *c, int64_t now);
/* The grant no longer holds a code id on lock from now on. */
int grants_history_close(struct db *db, const char *lock, const char *grant, int64_t now);
