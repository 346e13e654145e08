/* SPDX-License-Identifier: MIT */
/*
 * The queries the reconcile engine needs: the targets per lock, our rows per lock (the
 * managed-code map) and the next boundary.
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

void grants_minutes_to_time(int64_t m, struct lk_time *t)
{
        t->hour = (uint8_t)(m / 60);
        t->minute = (uint8_t)(m % 60);
}

int grants_targets(struct db *db, const char *lock, int64_t since, struct grant_target **ret, size_t *ret_n)
{
        static const char sql[] =
                "SELECT g.id, g.guest, COALESCE(o.code, g.code), 0,"
                " g.check_in, g.check_out, IFNULL(o.lead, -1), COALESCE(o.weekdays, g.weekdays),"
                " CASE WHEN o.daily_from IS NOT NULL THEN o.daily_from ELSE g.daily_from END,"
                " CASE WHEN o.daily_from IS NOT NULL THEN o.daily_until ELSE g.daily_until END"
                " FROM lc_grants g JOIN lc_property_locks pl ON pl.property = g.property AND pl.guest_access"
                " LEFT JOIN lc_grant_overrides o ON o.grant_id = g.id AND o.lock = pl.lock"
                " WHERE pl.lock = ?1 AND g.status = 'active' AND COALESCE(o.code, g.code) != 0"
                /* history stays out, unless a code of it is still on the lock */
                "  AND (g.check_out > ?2 OR EXISTS (SELECT 1 FROM lc_grant_codes c WHERE c.grant_id = g.id"
                "   AND c.lock = pl.lock AND c.state = 'provisioned'))"
                " ORDER BY g.check_in, g.id";
        struct grant_target *v = NULL;
        size_t n = 0, cap = 0;
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, since);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct grant_target *t;

                if (n == cap) {
                        struct grant_target *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

                        if (!nv) {
                                r = SQLITE_NOMEM;
                                break;
                        }
                        v = nv;
                }
                t = &v[n++];
                *t = (struct grant_target){ 0 };
                snprintf(t->grant, sizeof(t->grant), "%s", (const char *)sqlite3_column_text(st, 0));
                snprintf(t->guest, sizeof(t->guest), "%s", (const char *)sqlite3_column_text(st, 1));
                t->rec.code = (uint32_t)sqlite3_column_int64(st, 2);
                t->check_in = sqlite3_column_int64(st, 4);
                t->check_out = sqlite3_column_int64(st, 5);
                t->lead = sqlite3_column_int64(st, 6);
                t->rec.enabled = true;
                t->rec.window.time_limited = true;
                t->rec.window.weekdays = (uint8_t)sqlite3_column_int(st, 7);
                if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
                        grants_minutes_to_time(sqlite3_column_int64(st, 8), &t->rec.window.from_time);
                        grants_minutes_to_time(sqlite3_column_int64(st, 9), &t->rec.window.until_time);
                }
                if (grants_code_name(t->guest, t->rec.name) < 0 ||
                    lk_datetime_from_unix(t->check_in, &t->rec.window.from) < 0 ||
                    lk_datetime_from_unix(t->check_out, &t->rec.window.until) < 0)
                        n--; /* the import checked these; a row edited by hand is skipped */
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE) {
                if (v)
                        sodium_memzero(v, n * sizeof(*v));
                free(v);
                return db_errno(r) ?: -EIO;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static int strv_from_query(struct db *db, const char *sql, char ***ret)
{
        char **v = calloc(1, sizeof(char *));
        size_t n = 0;
        sqlite3_stmt *st;
        int r;

        if (!v)
                return -ENOMEM;
        r = db_prepare(db, sql, &st);
        if (r < 0) {
                free(v);
                return r;
        }
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                char **nv = realloc(v, (n + 2) * sizeof(char *));

                if (!nv || !(nv[n] = strdup((const char *)sqlite3_column_text(st, 0)))) {
                        if (nv)
                                v = nv;
                        v[n] = NULL;
                        r = SQLITE_NOMEM;
                        break;
                }
                v = nv;
                v[++n] = NULL;
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE) {
                strv_free(v);
                return db_errno(r) ?: -EIO;
        }
        *ret = v;
        return 0;
}

int grants_locks(struct db *db, char ***ret)
{
        return strv_from_query(db,
                               "SELECT lock FROM lc_property_locks UNION"
                               " SELECT lock FROM lc_grant_codes WHERE state = 'provisioned' ORDER BY 1",
                               ret);
}

const char *grant_code_state_str(enum grant_code_state s)
{
        switch (s) {
        case GRANT_CODE_PROVISIONED:
                return "provisioned";
        case GRANT_CODE_FAILED:
                return "failed";
        case GRANT_CODE_REMOVED:
                return "removed";
        }
        return "unknown";
}

int grants_codes(struct db *db, const char *lock, struct grant_code **ret, size_t *ret_n)
{
        struct grant_code *v = NULL;
        size_t n = 0, cap = 0;
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db,
                    "SELECT grant_id, state, IFNULL(code_id, 0), IFNULL(code, 0), IFNULL(name, ''), valid_from, valid_until,"
                    " IFNULL(weekdays, 0), IFNULL(daily_from, 0), IFNULL(daily_until, 0), IFNULL(reason, '')"
                    " FROM lc_grant_codes WHERE lock = ? ORDER BY grant_id",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct grant_code *c;
                const char *state = (const char *)sqlite3_column_text(st, 1);

                if (n == cap) {
                        struct grant_code *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

                        if (!nv) {
                                r = SQLITE_NOMEM;
                                break;
                        }
                        v = nv;
                }
                c = &v[n++];
                *c = (struct grant_code){ 0 };
                snprintf(c->grant, sizeof(c->grant), "%s", (const char *)sqlite3_column_text(st, 0));
                c->state = streq(state, "provisioned") ? GRANT_CODE_PROVISIONED
                           : streq(state, "failed")    ? GRANT_CODE_FAILED
                                                       : GRANT_CODE_REMOVED;
                c->code_id = (uint16_t)sqlite3_column_int(st, 2);
                c->rec.id = c->code_id;
                c->rec.code = (uint32_t)sqlite3_column_int64(st, 3);
                snprintf(c->rec.name, sizeof(c->rec.name), "%s", (const char *)sqlite3_column_text(st, 4));
                c->rec.enabled = true;
                if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
                        c->rec.window.time_limited = true;
                        (void)!lk_datetime_from_unix(sqlite3_column_int64(st, 5), &c->rec.window.from);
                        (void)!lk_datetime_from_unix(sqlite3_column_int64(st, 6), &c->rec.window.until);
                        c->rec.window.weekdays = (uint8_t)sqlite3_column_int(st, 7);
                        grants_minutes_to_time(sqlite3_column_int64(st, 8), &c->rec.window.from_time);
                        grants_minutes_to_time(sqlite3_column_int64(st, 9), &c->rec.window.until_time);
                }
                snprintf(c->reason, sizeof(c->reason), "%s", (const char *)sqlite3_column_text(st, 10));
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE) {
                if (v)
                        sodium_memzero(v, n * sizeof(*v));
                free(v);
                return db_errno(r) ?: -EIO;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int grants_code_put(struct db *db, const char *lock, const struct grant_code *c, int64_t now)
{
        const struct lk_window *w = &c->rec.window;
        bool has = c->state == GRANT_CODE_PROVISIONED;
        int64_t from = 0, until = 0;
        sqlite3_stmt *st;
        int r;

        if (has && w->time_limited) {
                (void)!lk_datetime_to_unix(&w->from, &from);
                (void)!lk_datetime_to_unix(&w->until, &until);
        }
        r = db_prepare(db,
                    "INSERT OR REPLACE INTO lc_grant_codes (grant_id, lock, state, code_id, code, name, valid_from,"
                    " valid_until, weekdays, daily_from, daily_until, reason, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, c->grant, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, lock, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, grant_code_state_str(c->state), -1, SQLITE_STATIC);
        grants_bind_opt_int(st, 4, c->state != GRANT_CODE_FAILED && c->code_id, c->code_id);
        grants_bind_opt_int(st, 5, has, c->rec.code);
        if (has)
                sqlite3_bind_text(st, 6, c->rec.name, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 6);
        grants_bind_opt_int(st, 7, has && w->time_limited, from);
        grants_bind_opt_int(st, 8, has && w->time_limited, until);
        grants_bind_opt_int(st, 9, has, w->weekdays);
        grants_bind_opt_int(st, 10, has, w->from_time.hour * 60 + w->from_time.minute);
        grants_bind_opt_int(st, 11, has, w->until_time.hour * 60 + w->until_time.minute);
        if (c->reason[0])
                sqlite3_bind_text(st, 12, c->reason, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 12);
        sqlite3_bind_int64(st, 13, now);
        r = grants_step_done(st);
        if (r < 0)
                return r;
        if (has)
                return grants_history_put(db, lock, c, now);
        if (c->state == GRANT_CODE_REMOVED)
                return grants_history_close(db, lock, c->grant, now);
        return 0;
}

struct next_ctx {
        int64_t now, best;
};

static int on_changeover(void *userdata, const struct code_use *a, const struct code_use *b, int64_t at)
{
        struct next_ctx *n = userdata;

        (void)a;
        (void)b;
        if (at > n->now && at < n->best)
                n->best = at;
        return 0;
}

int grants_next_boundary(struct db *db, int64_t now, int64_t lead, int64_t grace, int64_t *ret)
{
        static const char sql[] =
                "SELECT g.check_in - IFNULL(o.lead, ?1), g.check_out + ?2"
                " FROM lc_grants g JOIN lc_property_locks pl ON pl.property = g.property AND pl.guest_access"
                " LEFT JOIN lc_grant_overrides o ON o.grant_id = g.id AND o.lock = pl.lock"
                " WHERE g.status = 'active' AND g.check_out + ?2 > ?3"
                " UNION ALL SELECT g.check_out + ?2, g.check_out + ?2 FROM lc_grant_codes c"
                " JOIN lc_grants g ON g.id = c.grant_id WHERE c.state = 'provisioned'";
        struct next_ctx n = { .now = now, .best = INT64_MAX };
        struct code_set *cs = NULL;
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, lead);
        sqlite3_bind_int64(st, 2, grace);
        sqlite3_bind_int64(st, 3, now);
        while ((r = sqlite3_step(st)) == SQLITE_ROW)
                for (int i = 0; i < 2; i++) {
                        int64_t t = sqlite3_column_int64(st, i);

                        if (t > now && t < n.best)
                                n.best = t;
                }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
                return db_errno(r) ?: -EIO;
        /* Changeovers: the next guest's code opens at their check-in, so the daemon wakes then. */
        r = code_set_load(db, now, grace, &cs);
        if (r >= 0)
                r = code_set_walk_changeovers(cs, lead, grace, on_changeover, &n);
        code_set_free(cs);
        if (r < 0)
                return r;
        *ret = n.best;
        return 0;
}
