/* SPDX-License-Identifier: MIT */
/*
 * Writing a checked document's records: properties with their lock lists, and grants with their
 * overrides, each only when it differs from what is stored (an unchanged import changes nothing,
 * not even a timestamp). The statements are prepared once per import.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "grants-private.h"
#include "util.h"

int grants_daily_minutes(const struct imp_daily *dl, bool from)
{
        const struct lk_time *t = from ? &dl->from : &dl->until;

        return t->hour * 60 + t->minute;
}

static const char *const writer_sql[GW__MAX] = {
        [GW_GET_GRANT] = "SELECT source, property, guest, code, code_generated, check_in, check_out, weekdays,"
                         " IFNULL(daily_from, -1), IFNULL(daily_until, -1), status FROM lc_grants WHERE id = ?",
        [GW_GET_OVERRIDES] = "SELECT lock, IFNULL(code, -1), IFNULL(lead, -1), IFNULL(weekdays, -1), IFNULL(daily_from, -1),"
                             " IFNULL(daily_until, -1) FROM lc_grant_overrides WHERE grant_id = ? ORDER BY lock",
        [GW_PUT_GRANT] = "INSERT OR REPLACE INTO lc_grants (id, source, property, guest, code, code_generated, check_in,"
                         " check_out, weekdays, daily_from, daily_until, status, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [GW_DEL_OVERRIDES] = "DELETE FROM lc_grant_overrides WHERE grant_id = ?",
        [GW_PUT_OVERRIDE] = "INSERT INTO lc_grant_overrides (grant_id, lock, code, lead, weekdays, daily_from, daily_until)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [GW_CANCEL] = "UPDATE lc_grants SET status = 'cancelled', updated_at = ? WHERE id = ?",
        [GW_SET_CODE] = "UPDATE lc_grants SET code = ?, code_generated = 1 WHERE id = ?",
};

int grants_writer_open(struct db *db, struct grants_writer *w)
{
        *w = (struct grants_writer){ .db = db };
        for (int i = 0; i < GW__MAX; i++) {
                int r = db_prepare(db, writer_sql[i], &w->st[i]);

                if (r < 0) {
                        grants_writer_close(w);
                        return r;
                }
        }
        return 0;
}

void grants_writer_close(struct grants_writer *w)
{
        for (int i = 0; i < GW__MAX; i++)
                sqlite3_finalize(w->st[i]);
        *w = (struct grants_writer){ 0 };
}

/* The statement, reset and unbound, ready for its next use. */
sqlite3_stmt *grants_writer_stmt(struct grants_writer *w, enum grants_writer_stmt which)
{
        sqlite3_reset(w->st[which]);
        sqlite3_clear_bindings(w->st[which]);
        return w->st[which];
}

static int step_reset(sqlite3_stmt *st)
{
        int r = sqlite3_step(st);

        r = r == SQLITE_DONE ? 0 : (db_errno(r) ?: -EIO);
        sqlite3_reset(st);
        return r;
}

/* A canonical text of a grant's overrides, to tell a change from a no-op. */
static int overrides_text_db(struct grants_writer *w, const char *grant, char *buf, size_t size)
{
        sqlite3_stmt *st;
        size_t n = 0;
        int r;

        buf[0] = '\0';
        st = grants_writer_stmt(w, GW_GET_OVERRIDES);
        sqlite3_bind_text(st, 1, grant, -1, SQLITE_STATIC);
        while ((r = sqlite3_step(st)) == SQLITE_ROW && n < size) {
                int k = snprintf(buf + n, size - n, "%s|%lld|%lld|%lld|%lld|%lld;", sqlite3_column_text(st, 0),
                                 sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                                 sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5));
                n += k > 0 ? (size_t)k : 0;
        }
        r = r == SQLITE_DONE ? 0 : db_errno(r);
        sqlite3_reset(st);
        return r;
}

static int cmp_override(const void *a, const void *b)
{
        return strcmp(((const struct imp_override *)a)->lock, ((const struct imp_override *)b)->lock);
}

static void overrides_text_doc(struct imp_grant *g, char *buf, size_t size)
{
        size_t n = 0;

        buf[0] = '\0';
        if (g->n_ov > 1)
                qsort(g->ov, g->n_ov, sizeof(*g->ov), cmp_override);
        for (size_t i = 0; i < g->n_ov && n < size; i++) {
                const struct imp_override *v = &g->ov[i];
                int k = snprintf(buf + n, size - n, "%s|%lld|%lld|%lld|%lld|%lld;", v->lock,
                                 v->has_code ? (long long)v->code : -1LL, v->has_lead ? (long long)v->lead : -1LL,
                                 v->has_weekdays ? (long long)v->weekdays : -1LL,
                                 v->daily.set ? (long long)grants_daily_minutes(&v->daily, true) : -1LL,
                                 v->daily.set ? (long long)grants_daily_minutes(&v->daily, false) : -1LL);

                n += k > 0 ? (size_t)k : 0;
        }
}

int grants_write_property(struct db *db, const struct imp_property *p)
{
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db, "INSERT INTO lc_properties (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
        r = grants_step_done(st);
        if (r < 0)
                return r;
        r = db_prepare(db, "DELETE FROM lc_property_locks WHERE property = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
        r = grants_step_done(st);
        for (size_t i = 0; r >= 0 && i < p->n_locks; i++) {
                r = db_prepare(db, "INSERT INTO lc_property_locks (property, lock, guest_access) VALUES (?, ?, ?)", &st);
                if (r < 0)
                        return r;
                sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, p->locks[i].alias, -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 3, p->locks[i].guest_access);
                r = grants_step_done(st);
        }
        return r;
}

int grants_write_grant(struct grants_writer *w, struct imp_grant *g, const char *source, int64_t now,
                       enum grant_change *ret_change)
{
        char ov_old[4096], ov_new[4096];
        sqlite3_stmt *st;
        bool exists, same = false, was_active = false, keep_generated = false;
        int64_t old_code = 0;
        int r;

        overrides_text_doc(g, ov_new, sizeof(ov_new));
        st = grants_writer_stmt(w, GW_GET_GRANT);
        sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        exists = r == SQLITE_ROW;
        if (!exists && r != SQLITE_DONE) {
                sqlite3_reset(st);
                return db_errno(r) ?: -EIO;
        }
        if (exists) {
                bool generated = sqlite3_column_int(st, 4);

                old_code = sqlite3_column_int64(st, 3);
                was_active = streq((const char *)sqlite3_column_text(st, 10), "active");
                keep_generated = generated && !g->has_code;
                same = streq((const char *)sqlite3_column_text(st, 0), source) &&
                       streq((const char *)sqlite3_column_text(st, 1), g->property) &&
                       streq((const char *)sqlite3_column_text(st, 2), g->guest) &&
                       (keep_generated || (!generated && g->has_code && old_code == g->code)) &&
                       sqlite3_column_int64(st, 5) == g->check_in && sqlite3_column_int64(st, 6) == g->check_out &&
                       sqlite3_column_int64(st, 7) == g->weekdays &&
                       sqlite3_column_int64(st, 8) == (g->daily.set ? grants_daily_minutes(&g->daily, true) : -1) &&
                       sqlite3_column_int64(st, 9) == (g->daily.set ? grants_daily_minutes(&g->daily, false) : -1) &&
                       was_active == !g->cancelled;
        }
        sqlite3_reset(st);
        if (exists) {
                r = overrides_text_db(w, g->id, ov_old, sizeof(ov_old));
                if (r < 0)
                        return r;
                same = same && streq(ov_old, ov_new);
        }
        if (same) {
                *ret_change = CHANGE_NONE;
                return 0;
        }
        if (!exists)
                *ret_change = g->cancelled ? CHANGE_CANCELLED : CHANGE_NEW;
        else if (was_active && g->cancelled)
                *ret_change = CHANGE_CANCELLED;
        else if (!was_active && !g->cancelled)
                *ret_change = CHANGE_REACTIVATED;
        else
                *ret_change = CHANGE_UPDATED;

        st = grants_writer_stmt(w, GW_PUT_GRANT);
        sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, g->property, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, g->guest, -1, SQLITE_STATIC);
        /* A code to draw is 0 until all grants are written, so the draw sees them all (grants-codes.c). */
        sqlite3_bind_int64(st, 5, g->has_code ? g->code : keep_generated ? old_code : 0);
        sqlite3_bind_int(st, 6, !g->has_code);
        sqlite3_bind_int64(st, 7, g->check_in);
        sqlite3_bind_int64(st, 8, g->check_out);
        sqlite3_bind_int(st, 9, g->weekdays);
        grants_bind_opt_int(st, 10, g->daily.set, grants_daily_minutes(&g->daily, true));
        grants_bind_opt_int(st, 11, g->daily.set, grants_daily_minutes(&g->daily, false));
        sqlite3_bind_text(st, 12, g->cancelled ? "cancelled" : "active", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 13, now);
        r = step_reset(st);
        if (r < 0)
                return r;

        st = grants_writer_stmt(w, GW_DEL_OVERRIDES);
        sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
        r = step_reset(st);
        for (size_t i = 0; r >= 0 && i < g->n_ov; i++) {
                const struct imp_override *v = &g->ov[i];

                st = grants_writer_stmt(w, GW_PUT_OVERRIDE);
                sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, v->lock, -1, SQLITE_STATIC);
                grants_bind_opt_int(st, 3, v->has_code, v->code);
                grants_bind_opt_int(st, 4, v->has_lead, v->lead);
                grants_bind_opt_int(st, 5, v->has_weekdays, v->weekdays);
                grants_bind_opt_int(st, 6, v->daily.set, grants_daily_minutes(&v->daily, true));
                grants_bind_opt_int(st, 7, v->daily.set, grants_daily_minutes(&v->daily, false));
                r = step_reset(st);
        }
        return r;
}
