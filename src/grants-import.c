/* SPDX-License-Identifier: MIT */
/*
 * The import: a checked document written in one transaction. Everything is parsed and checked
 * first (grants-doc.c); any error leaves the database as it was.
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
#include "json.h"
#include "outbox.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

int grants_daily_minutes(const struct imp_daily *dl, bool from)
{
        const struct lk_time *t = from ? &dl->from : &dl->until;

        return t->hour * 60 + t->minute;
}

/* A canonical text of a grant's overrides, to tell a change from a no-op. */
static int overrides_text_db(struct db *db, const char *grant, char *buf, size_t size)
{
        sqlite3_stmt *st;
        size_t n = 0;
        int r;

        buf[0] = '\0';
        r = db_prepare(db,
                    "SELECT lock, IFNULL(code, -1), IFNULL(lead, -1), IFNULL(weekdays, -1), IFNULL(daily_from, -1),"
                    " IFNULL(daily_until, -1) FROM lc_grant_overrides WHERE grant_id = ? ORDER BY lock",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, grant, -1, SQLITE_STATIC);
        while ((r = sqlite3_step(st)) == SQLITE_ROW && n < size) {
                int k = snprintf(buf + n, size - n, "%s|%lld|%lld|%lld|%lld|%lld;", sqlite3_column_text(st, 0),
                                 sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                                 sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5));
                n += k > 0 ? (size_t)k : 0;
        }
        r = r == SQLITE_DONE ? 0 : db_errno(r);
        sqlite3_finalize(st);
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

static int write_property(struct db *db, const struct imp_property *p)
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

enum grant_change { CHANGE_NONE, CHANGE_NEW, CHANGE_UPDATED, CHANGE_CANCELLED, CHANGE_REACTIVATED };

/* Write one grant if it differs from the stored one; *ret_change says what happened, and
 * *ret_draw whether it needs a generated code (drawn once all grants are in). */
static int write_grant(struct db *db, struct imp_grant *g, const char *source, int64_t now, enum grant_change *ret_change,
                       bool *ret_draw)
{
        char ov_old[4096], ov_new[4096];
        sqlite3_stmt *st;
        bool exists, same = false, was_active = false, keep_generated = false;
        int64_t old_code = 0;
        int r;

        overrides_text_doc(g, ov_new, sizeof(ov_new));
        r = db_prepare(db,
                    "SELECT source, property, guest, code, code_generated, check_in, check_out, weekdays,"
                    " IFNULL(daily_from, -1), IFNULL(daily_until, -1), status FROM lc_grants WHERE id = ?",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        exists = r == SQLITE_ROW;
        if (!exists && r != SQLITE_DONE) {
                sqlite3_finalize(st);
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
        sqlite3_finalize(st);
        if (exists) {
                r = overrides_text_db(db, g->id, ov_old, sizeof(ov_old));
                if (r < 0)
                        return r;
                same = same && streq(ov_old, ov_new);
        }
        *ret_draw = false;
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

        r = db_prepare(db,
                    "INSERT OR REPLACE INTO lc_grants (id, source, property, guest, code, code_generated, check_in,"
                    " check_out, weekdays, daily_from, daily_until, status, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, g->property, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, g->guest, -1, SQLITE_STATIC);
        /* A code to draw is 0 until all grants are written, so the draw sees them all. */
        sqlite3_bind_int64(st, 5, g->has_code ? g->code : keep_generated ? old_code : 0);
        sqlite3_bind_int(st, 6, !g->has_code);
        sqlite3_bind_int64(st, 7, g->check_in);
        sqlite3_bind_int64(st, 8, g->check_out);
        sqlite3_bind_int(st, 9, g->weekdays);
        grants_bind_opt_int(st, 10, g->daily.set, grants_daily_minutes(&g->daily, true));
        grants_bind_opt_int(st, 11, g->daily.set, grants_daily_minutes(&g->daily, false));
        sqlite3_bind_text(st, 12, g->cancelled ? "cancelled" : "active", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 13, now);
        r = grants_step_done(st);
        if (r < 0)
                return r;
        *ret_draw = !g->has_code && !keep_generated;

        r = db_prepare(db, "DELETE FROM lc_grant_overrides WHERE grant_id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
        r = grants_step_done(st);
        for (size_t i = 0; r >= 0 && i < g->n_ov; i++) {
                const struct imp_override *v = &g->ov[i];

                r = db_prepare(db,
                            "INSERT INTO lc_grant_overrides (grant_id, lock, code, lead, weekdays, daily_from, daily_until)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            &st);
                if (r < 0)
                        return r;
                sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, v->lock, -1, SQLITE_STATIC);
                grants_bind_opt_int(st, 3, v->has_code, v->code);
                grants_bind_opt_int(st, 4, v->has_lead, v->lead);
                grants_bind_opt_int(st, 5, v->has_weekdays, v->weekdays);
                grants_bind_opt_int(st, 6, v->daily.set, grants_daily_minutes(&v->daily, true));
                grants_bind_opt_int(st, 7, v->daily.set, grants_daily_minutes(&v->daily, false));
                r = grants_step_done(st);
        }
        return r;
}

/* Codes in use on the locks of grant (other active grants, overrides, provisioned codes). */
static int codes_near(struct db *db, const char *grant, uint32_t **ret, size_t *ret_n)
{
        static const char sql[] =
                "WITH locks AS (SELECT pl.lock FROM lc_property_locks pl JOIN lc_grants g ON g.property = pl.property"
                "  WHERE g.id = ?1 AND pl.guest_access)"
                " SELECT g.code FROM lc_grants g JOIN lc_property_locks pl ON pl.property = g.property AND pl.guest_access"
                "  WHERE g.status = 'active' AND g.id != ?1 AND g.code != 0 AND pl.lock IN (SELECT lock FROM locks)"
                " UNION SELECT o.code FROM lc_grant_overrides o JOIN lc_grants g ON g.id = o.grant_id"
                "  WHERE g.status = 'active' AND o.code IS NOT NULL AND o.lock IN (SELECT lock FROM locks)"
                " UNION SELECT code FROM lc_grant_codes WHERE state = 'provisioned' AND grant_id != ?1"
                "  AND lock IN (SELECT lock FROM locks)";
        _cleanup_free_ uint32_t *v = NULL;
        size_t n = 0, cap = 0;
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, grant, -1, SQLITE_STATIC);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                if (n == cap) {
                        uint32_t *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

                        if (!nv) {
                                sqlite3_finalize(st);
                                return -ENOMEM;
                        }
                        v = nv;
                }
                v[n++] = (uint32_t)sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
                return db_errno(r) ?: -EIO;
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

int grants_redraw_code(struct db *db, const char *grant, const uint32_t *avoid, size_t n, uint32_t *ret)
{
        _cleanup_free_ uint32_t *near = NULL, *all = NULL;
        size_t n_near = 0;
        sqlite3_stmt *st;
        uint32_t code;
        int r;

        r = codes_near(db, grant, &near, &n_near);
        if (r < 0)
                return r;
        all = calloc(n_near + n + 1, sizeof(*all));
        if (!all)
                return -ENOMEM;
        if (n_near)
                memcpy(all, near, n_near * sizeof(*all));
        if (n)
                memcpy(all + n_near, avoid, n * sizeof(*all));
        code = grants_generate_code(all, n_near + n);
        sodium_memzero(all, (n_near + n) * sizeof(*all));
        sodium_memzero(near, n_near * sizeof(*near));
        r = db_prepare(db, "UPDATE lc_grants SET code = ?, code_generated = 1 WHERE id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, code);
        sqlite3_bind_text(st, 2, grant, -1, SQLITE_STATIC);
        r = grants_step_done(st);
        if (r < 0)
                return r;
        if (ret)
                *ret = code;
        return 0;
}

/* Two active grants with the same code on one lock whose stays overlap cannot both be there. */
static int check_code_clashes(struct db *db, struct grants_error *err)
{
        static const char sql[] =
                "WITH t AS (SELECT g.id, pl.lock, COALESCE(o.code, g.code) AS code, g.check_in, g.check_out"
                "  FROM lc_grants g JOIN lc_property_locks pl ON pl.property = g.property AND pl.guest_access"
                "  LEFT JOIN lc_grant_overrides o ON o.grant_id = g.id AND o.lock = pl.lock"
                "  WHERE g.status = 'active' AND COALESCE(o.code, g.code) != 0)"
                " SELECT a.id, b.id, a.lock FROM t a JOIN t b ON a.lock = b.lock AND a.code = b.code AND a.id < b.id"
                "  AND a.check_in < b.check_out AND b.check_in < a.check_out LIMIT 1";
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        r = sqlite3_step(st);
        if (r == SQLITE_ROW)
                r = grants_fail(err, "grants '%s' and '%s': code: the same code on lock '%s' during overlapping stays",
                         sqlite3_column_text(st, 0), sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
        else
                r = r == SQLITE_DONE ? 0 : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

static int apply_doc(struct db *db, struct imp_doc *d, const char *source, struct grants_import_result *res,
                     struct grants_error *err)
{
        int64_t now = (int64_t)time(NULL);
        sqlite3_stmt *st;
        int r;

        for (size_t i = 0; i < d->n_props; i++) {
                r = write_property(db, &d->props[i]);
                if (r < 0)
                        return r;
        }
        r = db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS lc_import_ids (id TEXT PRIMARY KEY); DELETE FROM lc_import_ids;");
        if (r < 0)
                return r;
        for (size_t i = 0; i < d->n_grants; i++) {
                struct imp_grant *g = &d->grants[i];
                enum grant_change ch;
                bool draw;

                r = write_grant(db, g, source, now, &ch, &draw);
                if (r < 0)
                        return r;
                g->has_code = draw; /* reused below: "draw a code for this one" */
                switch (ch) {
                case CHANGE_NONE:
                        res->unchanged++;
                        break;
                case CHANGE_NEW:
                        res->added++;
                        break;
                case CHANGE_UPDATED:
                        res->updated++;
                        break;
                case CHANGE_CANCELLED:
                        res->cancelled++;
                        break;
                case CHANGE_REACTIVATED:
                        res->reactivated++;
                        break;
                }
                r = db_prepare(db, "INSERT OR IGNORE INTO lc_import_ids (id) VALUES (?)", &st);
                if (r < 0)
                        return r;
                sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
                r = grants_step_done(st);
                if (r < 0)
                        return r;
        }
        /* Grants of this source that the document no longer lists are cancelled. */
        r = db_prepare(db,
                    "UPDATE lc_grants SET status = 'cancelled', updated_at = ? WHERE source = ? AND status = 'active'"
                    " AND id NOT IN (SELECT id FROM lc_import_ids)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
        r = grants_step_done(st);
        if (r < 0)
                return r;
        res->cancelled += (unsigned)sqlite3_changes(db_handle(db));
        r = check_code_clashes(db, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < d->n_grants; i++)
                if (d->grants[i].has_code) {
                        r = grants_redraw_code(db, d->grants[i].id, NULL, 0, NULL);
                        if (r < 0)
                                return r;
                        res->generated++;
                }
        res->properties = (unsigned)d->n_props;
        return 0;
}

int grants_import(struct db *db, const char *text, size_t len, const char *source,
                  struct grants_import_result *ret, struct grants_error *err)
{
        struct grants_import_result res = { 0 };
        struct imp_doc d = { 0 };
        struct json_error jerr;
        cJSON *root;
        int r;

        if (err)
                err->msg[0] = '\0';
        if (!source || !grants_ident_is_valid(source, 32))
                return -EINVAL;
        if (len > GRANTS_IMPORT_MAX)
                return grants_fail(err, "the document is larger than %u bytes", GRANTS_IMPORT_MAX);
        r = grants_init(db);
        if (r < 0)
                return r;
        r = json_parse_strict(text, len, &root, &jerr);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return grants_fail(err, "not valid JSON: %s (byte %zu, line %u)", jerr.msg, jerr.offset, jerr.line);
        r = db_exec(db, "BEGIN IMMEDIATE");
        if (r < 0) {
                cJSON_Delete(root);
                return r;
        }
        r = grants_doc_parse(db, root, &d, err);
        if (r >= 0)
                r = grants_doc_check_ids(&d, err);
        if (r >= 0)
                r = apply_doc(db, &d, source, &res, err);
        cJSON_Delete(root);
        grants_doc_done(&d);
        if (r < 0) {
                (void)db_exec(db, "ROLLBACK");
                if (err && !err->msg[0])
                        snprintf(err->msg, sizeof(err->msg), "cannot write the bookings: %s", strerror(-r));
                return r;
        }
        r = db_exec(db, "COMMIT");
        if (r < 0) {
                (void)db_exec(db, "ROLLBACK");
                return r;
        }
        if (ret)
                *ret = res;
        return 0;
}

int grants_import_file(struct db *db, const char *path, const char *source, struct grants_import_result *ret,
                       struct grants_error *err)
{
        _cleanup_free_ char *buf = NULL;
        struct stat sb;
        size_t n = 0;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                snprintf(err->msg, sizeof(err->msg), "cannot open '%s': %s", path, strerror(-r));
                return r;
        }
        if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
                close(fd);
                return grants_fail(err, "'%s' is not a regular file", path);
        }
        if ((uint64_t)sb.st_size > GRANTS_IMPORT_MAX) {
                close(fd);
                return grants_fail(err, "'%s' is larger than %u bytes", path, GRANTS_IMPORT_MAX);
        }
        buf = malloc((size_t)sb.st_size + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        while (n < (size_t)sb.st_size) {
                ssize_t k = read(fd, buf + n, (size_t)sb.st_size - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t)k;
        }
        close(fd);
        buf[n] = '\0';
        r = grants_import(db, buf, n, source, ret, err);
        sodium_memzero(buf, n);
        return r;
}
