/* SPDX-License-Identifier: MIT */
/*
 * The bookings document (docs/grants.md) parsed and checked into records, in memory: nothing
 * here writes. Every error names the record and the field.
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
#include "latchkey/text.h"
#include "outbox.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"
#include "window.h"

void grants_doc_done(struct imp_doc *d)
{
        for (size_t i = 0; i < d->n_props; i++)
                free(d->props[i].locks);
        for (size_t i = 0; i < d->n_grants; i++) {
                sodium_memzero(d->grants[i].ov, d->grants[i].n_ov * sizeof(*d->grants[i].ov));
                free(d->grants[i].ov);
        }
        free(d->props);
        if (d->grants)
                sodium_memzero(d->grants, d->n_grants * sizeof(*d->grants));
        free(d->grants);
        *d = (struct imp_doc){ 0 };
}

/* Only the listed keys may appear in an object: a typo must not pass silently. */
static int check_keys(const cJSON *o, const char *const *allowed, const char *where, struct grants_error *err)
{
        const cJSON *it;

        cJSON_ArrayForEach(it, o) {
                bool ok = false;

                for (size_t i = 0; allowed[i] && !ok; i++)
                        ok = it->string && streq(it->string, allowed[i]);
                if (!ok)
                        return grants_fail(err, "%s: unknown field '%.40s'", where, it->string ? it->string : "");
        }
        return 0;
}

static int get_string(const cJSON *o, const char *key, bool required, const char **ret, const char *where,
                      struct grants_error *err)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        if (!v) {
                if (required)
                        return grants_fail(err, "%s: %s: missing", where, key);
                *ret = NULL;
                return 0;
        }
        if (!cJSON_IsString(v) || !v->valuestring)
                return grants_fail(err, "%s: %s: must be a string", where, key);
        *ret = v->valuestring;
        return 0;
}

/* One instant field: RFC 3339 with a zone, in the supported range (timefmt.h, the same rules as
 * every entry point). */
static int parse_instant(const cJSON *o, const char *key, int64_t *ret, const char *where, struct grants_error *err)
{
        char why[400];
        const char *s = ""; /* set by get_string(); initialised for -O2 -Wmaybe-uninitialized */
        int r;

        r = get_string(o, key, true, &s, where, err);
        if (r < 0)
                return r;
        if (time_parse(s, 0, TIME_DOCUMENT, ret, why, sizeof(why)) < 0)
                return grants_fail(err, "%s: %s: '%.40s' %s", where, key, s, why);
        return 0;
}

static int parse_code(const cJSON *v, uint32_t *ret, const char *where, struct grants_error *err)
{
        struct lk_keypad_code probe = { .name = "x" };
        uint64_t x;

        if (cJSON_IsString(v) && v->valuestring) {
                if (parse_u64(v->valuestring, 0, 99999999, &x) < 0)
                        return grants_fail(err, "%s: code: %s", where, lk_code_problem_str(LK_CODE_NOT_SIX_DIGITS));
        } else if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 99999999 &&
                   v->valuedouble == (double)(uint32_t)v->valuedouble)
                x = (uint64_t)v->valuedouble;
        else
                return grants_fail(err, "%s: code: must be six digits 1-9, as a string", where);
        probe.code = (uint32_t)x;
        if (!lk_keypad_code_value_ok(probe.code))
                return grants_fail(err, "%s: code: %s", where, lk_code_problem_str(lk_keypad_code_check(&probe)));
        *ret = probe.code;
        return 0;
}

static int parse_lead(const cJSON *v, int64_t *ret, const char *where, struct grants_error *err)
{
        int64_t t;

        if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= GRANTS_LEAD_MAX &&
            v->valuedouble == (double)(int64_t)v->valuedouble)
                t = (int64_t)v->valuedouble;
        else if (!cJSON_IsString(v) || grants_parse_duration(v->valuestring, &t) < 0 || t > GRANTS_LEAD_MAX)
                return grants_fail(err, "%s: lead: must be seconds or a duration like \"90m\", \"72h\", \"3d\" (at most 30 days)",
                            where);
        *ret = t;
        return 0;
}

static int parse_window_parts(const cJSON *o, uint8_t *weekdays, bool *has_weekdays, struct imp_daily *daily,
                              const char *where, struct grants_error *err)
{
        const char *s;
        int r;

        r = get_string(o, "weekdays", false, &s, where, err);
        if (r < 0)
                return r;
        if (s) {
                if (time_parse_weekdays(s, weekdays) < 0)
                        return grants_fail(err, "%s: weekdays: '%.40s' is not a list like \"mon,tue,fri\", \"weekdays\", \"weekends\" or \"all\"",
                                    where, s);
                if (*weekdays == LK_WEEKDAYS_ALL)
                        *weekdays = 0; /* spec §6.35: 0 = every day */
                if (has_weekdays)
                        *has_weekdays = true;
        }
        r = get_string(o, "daily", false, &s, where, err);
        if (r < 0)
                return r;
        if (s) {
                struct lk_keypad_code probe = { .code = 111111, .name = "x", .window.time_limited = true };
                enum lk_code_problem p;

                if (time_parse_daily(s, &daily->from, &daily->until) < 0)
                        return grants_fail(err, "%s: daily: '%.40s' is not HH:MM-HH:MM (lock-local time)", where, s);
                probe.window.from_time = daily->from;
                probe.window.until_time = daily->until;
                p = lk_keypad_code_check(&probe);
                if (p != LK_CODE_OK)
                        return grants_fail(err, "%s: daily: %s", where, lk_code_problem_str(p));
                if (window_check(&probe.window, 0) != WINDOW_OK)
                        return grants_fail(err, "%s: daily: %s", where, window_problem_str(window_check(&probe.window, 0)));
                daily->set = true;
        }
        return 0;
}

static int parse_property(const cJSON *o, size_t index, struct imp_property *p, struct grants_error *err)
{
        static const char *const keys[] = { "id", "name", "zone", "locks", NULL };
        static const char *const lock_keys[] = { "lock", "guest_access", NULL };
        char where[128];
        const cJSON *locks, *it;
        const char *s;
        int r;

        snprintf(where, sizeof(where), "properties[%zu]", index);
        if (!cJSON_IsObject(o))
                return grants_fail(err, "%s: must be an object", where);
        r = check_keys(o, keys, where, err);
        if (r < 0)
                return r;
        r = get_string(o, "id", true, &s, where, err);
        if (r < 0)
                return r;
        if (!grants_ident_is_valid(s, PROPERTY_ID_MAX))
                return grants_fail(err, "%s: id: use 1 to %d of A-Z a-z 0-9 . _ : -", where, PROPERTY_ID_MAX);
        snprintf(p->id, sizeof(p->id), "%s", s);
        snprintf(where, sizeof(where), "properties[%zu] (id '%s')", index, p->id);
        r = get_string(o, "name", false, &s, where, err);
        if (r < 0)
                return r;
        if (s) {
                if (!grants_guest_is_valid(s))
                        return grants_fail(err, "%s: name: %s (1 to %d bytes of UTF-8, no control or bidi characters)",
                                           where, lk_text_problem_str(lk_text_check(s, GRANT_GUEST_MAX)), GRANT_GUEST_MAX);
                snprintf(p->name, sizeof(p->name), "%s", s);
        }
        r = grants_doc_zone(cJSON_GetObjectItemCaseSensitive(o, "zone"), p, where, err);
        if (r < 0)
                return r;
        locks = cJSON_GetObjectItemCaseSensitive(o, "locks");
        if (!cJSON_IsArray(locks))
                return grants_fail(err, "%s: locks: missing, or not an array", where);
        p->locks = calloc((size_t)cJSON_GetArraySize(locks) + 1, sizeof(*p->locks));
        if (!p->locks)
                return -ENOMEM;
        cJSON_ArrayForEach(it, locks) {
                char lw[192];
                struct imp_lock *l = &p->locks[p->n_locks];
                const cJSON *ga;

                snprintf(lw, sizeof(lw), "%s: locks[%zu]", where, p->n_locks);
                if (cJSON_IsString(it)) {
                        s = it->valuestring;
                        l->guest_access = true;
                } else if (cJSON_IsObject(it)) {
                        r = check_keys(it, lock_keys, lw, err);
                        if (r < 0)
                                return r;
                        r = get_string(it, "lock", true, &s, lw, err);
                        if (r < 0)
                                return r;
                        ga = cJSON_GetObjectItemCaseSensitive(it, "guest_access");
                        if (ga && !cJSON_IsBool(ga))
                                return grants_fail(err, "%s: guest_access: must be true or false", lw);
                        l->guest_access = !ga || cJSON_IsTrue(ga);
                } else
                        return grants_fail(err, "%s: must be a lock name or an object", lw);
                if (!store_alias_is_valid(s))
                        return grants_fail(err, "%s: lock: '%.64s' is not a lock name (1-63 of A-Z a-z 0-9 . _ -)", lw, s);
                for (size_t j = 0; j < p->n_locks; j++)
                        if (streq(p->locks[j].alias, s))
                                return grants_fail(err, "%s: lock: '%s' is listed twice", lw, s);
                snprintf(l->alias, sizeof(l->alias), "%s", s);
                p->n_locks++;
        }
        return 0;
}

static int parse_override(const cJSON *o, struct imp_override *v, const char *where, struct grants_error *err)
{
        static const char *const keys[] = { "code", "lead", "weekdays", "daily", NULL };
        const cJSON *x;
        int r;

        if (!cJSON_IsObject(o))
                return grants_fail(err, "%s: must be an object", where);
        r = check_keys(o, keys, where, err);
        if (r < 0)
                return r;
        x = cJSON_GetObjectItemCaseSensitive(o, "code");
        if (x) {
                r = parse_code(x, &v->code, where, err);
                if (r < 0)
                        return r;
                v->has_code = true;
        }
        x = cJSON_GetObjectItemCaseSensitive(o, "lead");
        if (x) {
                r = parse_lead(x, &v->lead, where, err);
                if (r < 0)
                        return r;
                v->has_lead = true;
        }
        return parse_window_parts(o, &v->weekdays, &v->has_weekdays, &v->daily, where, err);
}

static const struct imp_property *doc_property(const struct imp_doc *d, const char *id)
{
        for (size_t i = 0; i < d->n_props; i++)
                if (streq(d->props[i].id, id))
                        return &d->props[i];
        return NULL;
}

/* Does the property (from the document, else the database) give this lock guest access? */
static int property_lock_access(struct db *db, const struct imp_doc *d, const char *property, const char *lock,
                                bool *ret)
{
        const struct imp_property *p = doc_property(d, property);
        sqlite3_stmt *st;
        int r;

        if (p) {
                *ret = false;
                for (size_t i = 0; i < p->n_locks; i++)
                        if (streq(p->locks[i].alias, lock))
                                *ret = p->locks[i].guest_access;
                return 0;
        }
        r = db_prepare(db, "SELECT guest_access FROM lc_property_locks WHERE property = ? AND lock = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, property, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, lock, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        *ret = r == SQLITE_ROW && sqlite3_column_int(st, 0);
        r = r == SQLITE_ROW || r == SQLITE_DONE ? 0 : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

static int property_known(struct db *db, const struct imp_doc *d, const char *id, bool *ret)
{
        sqlite3_stmt *st;
        int r;

        if (doc_property(d, id)) {
                *ret = true;
                return 0;
        }
        r = db_prepare(db, "SELECT 1 FROM lc_properties WHERE id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        *ret = r == SQLITE_ROW;
        r = r == SQLITE_ROW || r == SQLITE_DONE ? 0 : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

/* "locks": per-lock overrides, each for a guest-access lock of the grant's property. */
static int parse_grant_locks(struct db *db, const struct imp_doc *d, const cJSON *x, struct imp_grant *g,
                             const char *where, struct grants_error *err)
{
        const cJSON *it;
        int r;

        if (!x)
                return 0;
        if (!cJSON_IsObject(x))
                return grants_fail(err, "%s: locks: must be an object of lock name → overrides", where);
        g->ov = calloc((size_t)cJSON_GetArraySize(x) + 1, sizeof(*g->ov));
        if (!g->ov)
                return -ENOMEM;
        cJSON_ArrayForEach(it, x) {
                char ow[256];
                struct imp_override *v = &g->ov[g->n_ov];
                bool access;

                snprintf(ow, sizeof(ow), "%s: locks.%.63s", where, it->string);
                if (!store_alias_is_valid(it->string))
                        return grants_fail(err, "%s: not a lock name", ow);
                r = property_lock_access(db, d, g->property, it->string, &access);
                if (r < 0)
                        return r;
                if (!access)
                        return grants_fail(err, "%s: lock '%s' is not a guest-access lock of property '%s'", ow,
                                           it->string, g->property);
                snprintf(v->lock, sizeof(v->lock), "%s", it->string);
                r = parse_override(it, v, ow, err);
                if (r < 0)
                        return r;
                g->n_ov++;
        }
        return 0;
}

static int parse_grant(struct db *db, const struct imp_doc *d, const cJSON *o, size_t index, struct imp_grant *g,
                       struct grants_error *err)
{
        static const char *const keys[] = { "id",      "property", "guest", "code",   "check_in",
                                            "check_out", "weekdays", "daily", "status", "locks", NULL };
        struct lk_keypad_code probe = { .code = 111111, .enabled = true };
        char where[128], name[LK_CODE_NAME_SIZE + 1];
        enum lk_code_problem p;
        const cJSON *x;
        const char *s;
        bool known;
        int r;

        snprintf(where, sizeof(where), "grants[%zu]", index);
        if (!cJSON_IsObject(o))
                return grants_fail(err, "%s: must be an object", where);
        r = get_string(o, "id", true, &s, where, err);
        if (r < 0)
                return r;
        if (!grants_id_is_valid(s))
                return grants_fail(err, "%s: id: use 1 to %d of A-Z a-z 0-9 . _ : -", where, GRANT_ID_MAX);
        snprintf(g->id, sizeof(g->id), "%s", s);
        snprintf(where, sizeof(where), "grants[%zu] (id '%s')", index, g->id);
        r = check_keys(o, keys, where, err);
        if (r < 0)
                return r;

        r = get_string(o, "property", true, &s, where, err);
        if (r < 0)
                return r;
        if (!grants_ident_is_valid(s, PROPERTY_ID_MAX))
                return grants_fail(err, "%s: property: not a property id", where);
        r = property_known(db, d, s, &known);
        if (r < 0)
                return r;
        if (!known)
                return grants_fail(err, "%s: property: unknown property '%s' (list it under \"properties\")", where, s);
        snprintf(g->property, sizeof(g->property), "%s", s);

        r = get_string(o, "guest", true, &s, where, err);
        if (r < 0)
                return r;
        if (!grants_guest_is_valid(s) || grants_code_name(s, name) < 0)
                return grants_fail(err, "%s: guest: %s (1 to %d bytes of UTF-8, no control or bidi characters)", where,
                                   lk_text_problem_str(lk_text_check(s, GRANT_GUEST_MAX)), GRANT_GUEST_MAX);
        snprintf(g->guest, sizeof(g->guest), "%s", s);

        x = cJSON_GetObjectItemCaseSensitive(o, "code");
        if (x) {
                r = parse_code(x, &g->code, where, err);
                if (r < 0)
                        return r;
                g->has_code = true;
        }

        r = parse_instant(o, "check_in", &g->check_in, where, err);
        if (r >= 0)
                r = parse_instant(o, "check_out", &g->check_out, where, err);
        if (r < 0)
                return r;
        if (g->check_out <= g->check_in)
                return grants_fail(err, "%s: check_out: is not after check_in", where);

        r = parse_window_parts(o, &g->weekdays, NULL, &g->daily, where, err);
        if (r < 0)
                return r;

        r = get_string(o, "status", false, &s, where, err);
        if (r < 0)
                return r;
        if (s && !streq(s, "active") && !streq(s, "cancelled"))
                return grants_fail(err, "%s: status: must be \"active\" or \"cancelled\"", where);
        g->cancelled = s && streq(s, "cancelled");

        /* The whole record must pass the lock's rules (spec §9.1, §9.3) before anything is written. */
        memcpy(probe.name, name, sizeof(name));
        probe.window.time_limited = true;
        if (lk_datetime_from_unix(g->check_in, &probe.window.from) < 0 ||
            lk_datetime_from_unix(g->check_out, &probe.window.until) < 0)
                return grants_fail(err, "%s: check_in: out of range", where);
        probe.window.weekdays = g->weekdays;
        probe.window.from_time = g->daily.from;
        probe.window.until_time = g->daily.until;
        p = lk_keypad_code_check(&probe);
        if (p != LK_CODE_OK)
                return grants_fail(err, "%s: %s", where, lk_code_problem_str(p));
        if (window_check(&probe.window, 0) != WINDOW_OK) /* a stay that has ended is kept as history */
                return grants_fail(err, "%s: %s", where, window_problem_str(window_check(&probe.window, 0)));
        return parse_grant_locks(db, d, cJSON_GetObjectItemCaseSensitive(o, "locks"), g, where, err);
}

int grants_doc_parse(struct db *db, const cJSON *root, struct imp_doc *d, struct grants_error *err)
{
        static const char *const keys[] = { "version", "properties", "grants", NULL };
        const cJSON *v, *props, *grants, *it;
        size_t i;
        int r;

        if (!cJSON_IsObject(root))
                return grants_fail(err, "the document must be a JSON object with \"properties\" and \"grants\"");
        r = check_keys(root, keys, "document", err);
        if (r < 0)
                return r;
        v = cJSON_GetObjectItemCaseSensitive(root, "version");
        if (v && !(cJSON_IsNumber(v) && v->valuedouble == 1))
                return grants_fail(err, "document: version: only version 1 is known");
        props = cJSON_GetObjectItemCaseSensitive(root, "properties");
        grants = cJSON_GetObjectItemCaseSensitive(root, "grants");
        if (props && !cJSON_IsArray(props))
                return grants_fail(err, "document: properties: must be an array");
        if (!cJSON_IsArray(grants))
                return grants_fail(err, "document: grants: missing, or not an array");

        d->props = calloc((size_t)cJSON_GetArraySize(props) + 1, sizeof(*d->props));
        d->grants = calloc((size_t)cJSON_GetArraySize(grants) + 1, sizeof(*d->grants));
        if (!d->props || !d->grants)
                return -ENOMEM;
        i = 0;
        cJSON_ArrayForEach(it, props) {
                r = parse_property(it, i, &d->props[i], err);
                d->n_props = i + 1;
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++)
                        if (streq(d->props[j].id, d->props[i].id))
                                return grants_fail(err, "properties[%zu] (id '%s'): id: duplicate of properties[%zu]", i,
                                            d->props[i].id, j);
                i++;
        }
        r = grants_doc_check_zones(db, d, err);
        if (r < 0)
                return r;
        i = 0;
        cJSON_ArrayForEach(it, grants) {
                r = parse_grant(db, d, it, i, &d->grants[i], err);
                d->n_grants = i + 1;
                if (r < 0)
                        return r;
                i++;
        }
        return 0;
}

static int cmp_grant_id(const void *a, const void *b)
{
        return strcmp((*(const struct imp_grant *const *)a)->id, (*(const struct imp_grant *const *)b)->id);
}

int grants_doc_check_ids(const struct imp_doc *d, struct grants_error *err)
{
        _cleanup_free_ const struct imp_grant **v = calloc(d->n_grants + 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_grants; i++)
                v[i] = &d->grants[i];
        if (d->n_grants > 1)
                qsort(v, d->n_grants, sizeof(*v), cmp_grant_id);
        for (size_t i = 1; i < d->n_grants; i++)
                if (streq(v[i]->id, v[i - 1]->id))
                        return grants_fail(err, "grants[%zu] (id '%s'): id: duplicate of grants[%zu]",
                                    (size_t)(v[i] > v[i - 1] ? v[i] - d->grants : v[i - 1] - d->grants), v[i]->id,
                                    (size_t)(v[i] > v[i - 1] ? v[i - 1] - d->grants : v[i] - d->grants));
        return 0;
}
