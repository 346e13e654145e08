/* SPDX-License-Identifier: MIT */
/*
 * Lifecycle tests: several virtual locks (real latchkey-sim processes) paired into one state
 * directory, and the engine called in-process on that state, so tests choose `now`.
 */
#pragma once

#include "harness.h"

#include <sqlite3.h>

#include "agent.h"
#include "db.h"
#include "grants.h"
#include "lifecycle.h"
#include "lockops.h"
#include "store.h"
#include "timefmt.h"

#define LIFE_MAX_LOCKS 4

struct life {
        struct harness h[LIFE_MAX_LOCKS];
        char names[LIFE_MAX_LOCKS][32];
        size_t n;
        struct store *st;
        struct db *db;
        struct lifecycle_opts opts;
        struct grants_import_opts import_opts; /* .allow_cancel_all: tests replace whole documents */
};

/* Start n sims named names[i], all paired into h[0]'s state directory. */
static inline void life_init(struct life *L, const char *const *names, size_t n)
{
        memset(L, 0, sizeof(*L));
        assert_true(n >= 1 && n <= LIFE_MAX_LOCKS);
        h_init(&L->h[0], NULL);
        for (size_t i = 1; i < n; i++) {
                struct harness *h = &L->h[i];

                *h = L->h[0];
                h->sim = 0;
                snprintf(h->sock, sizeof(h->sock), "%s/lock%zu.sock", L->h[0].dir, i);
                snprintf(h->state, sizeof(h->state), "%s/lock%zu.state", L->h[0].dir, i);
                h_sim_start(h, NULL);
        }
        for (size_t i = 0; i < n; i++) {
                snprintf(L->names[i], sizeof(L->names[i]), "%s", names[i]);
                h_pair(&L->h[i], names[i]);
        }
        L->n = n;
        assert_int_equal(store_open(L->h[0].statedir, &L->st), 0);
        assert_int_equal(db_open(L->st, &L->db), 0);
        assert_int_equal(grants_init(L->db), 0);
        lifecycle_opts_default(&L->opts);
        L->import_opts = (struct grants_import_opts){ .lead = -1, .grace = -1, .allow_cancel_all = true };
        L->opts.refresh_auths = true;
}

static inline void life_cleanup(struct life *L)
{
        db_free(L->db);
        store_free(L->st);
        for (size_t i = L->n; i-- > 1;)
                h_sim_stop(&L->h[i]);
        h_cleanup(&L->h[0]);
}

static inline int64_t life_time(const char *s)
{
        int64_t t;

        assert_int_equal(time_parse_instant(s, 0, &t), 0);
        return t;
}

static inline void life_import(struct life *L, const char *doc)
{
        struct grants_import_result res;
        struct grants_error err = { { 0 } };
        int r = grants_import(L->db, doc, strlen(doc), "file", &L->import_opts, &res, &err);

        if (r < 0)
                fail_msg("import failed (%d): %s", r, err.msg);
}

/* Reconcile all locks (lock NULL) or one. */
static inline struct lc_result *life_reconcile(struct life *L, const char *lock, int64_t now)
{
        struct lc_result *res = NULL;

        assert_int_equal(lifecycle_reconcile(NULL, L->st, L->db, lock, now, &L->opts, &res), 0);
        assert_non_null(res);
        return res;
}

static inline const struct lc_lock_result *life_lock(const struct lc_result *r, const char *lock)
{
        for (size_t i = 0; i < r->n_locks; i++)
                if (streq(r->locks[i].lock, lock))
                        return &r->locks[i];
        fail_msg("no result for lock '%s'", lock);
        return NULL;
}

static inline const struct lc_item *life_item(const struct lc_lock_result *l, const char *grant)
{
        for (size_t i = 0; i < l->n_items; i++)
                if (streq(l->items[i].grant, grant))
                        return &l->items[i];
        return NULL;
}

/* The lock's codes as `latchkey code list --json` shows them (an independent reader). */
static inline cJSON *life_codes(struct life *L, size_t i)
{
        cJSON *j, *codes;

        assert_int_equal(h_cli(&L->h[i], NULL, &j, "--lock", L->names[i], "code", "list", NULL), 0);
        codes = cJSON_DetachItemFromObject(j, "codes");
        cJSON_Delete(j);
        assert_non_null(codes);
        return codes;
}

static inline cJSON *life_code_named(cJSON *codes, const char *name, int *ret_count)
{
        cJSON *it, *found = NULL;
        int n = 0;

        cJSON_ArrayForEach(it, codes)
                if (streq(cJSON_GetObjectItem(it, "name")->valuestring, name)) {
                        found = found ? found : it;
                        n++;
                }
        if (ret_count)
                *ret_count = n;
        return found;
}

/* One integer from SQL. */
static inline int64_t life_sql_int(struct life *L, const char *sql)
{
        sqlite3_stmt *st;
        int64_t v = -1;

        assert_int_equal(sqlite3_prepare_v2(db_handle(L->db), sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
}

static inline int64_t life_events(struct life *L, const char *type)
{
        char sql[200];

        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM outbox WHERE type = '%s'", type);
        return life_sql_int(L, sql);
}

/* A session of our own to lock i (to fill it, or to play a crash). */
static inline struct session *life_session(struct life *L, size_t i, sd_event **ret_event)
{
        struct lk_creds creds;
        struct session *s = NULL;

        assert_int_equal(sd_event_new(ret_event), 0);
        assert_int_equal(store_creds_get(L->st, L->names[i], &creds), 0);
        assert_int_equal(agent_session_open(*ret_event, L->st, &creds, NULL, &s), 0);
        lk_creds_wipe(&creds);
        return s;
}
