/* SPDX-License-Identifier: MIT */
/*
 * Desired state for the lifecycle engine: tables, the import of a bookings document, and the
 * queries the reconcile engine needs. The import parses and checks the whole document in memory
 * first and writes it in one transaction; any error leaves the database as it was.
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

#include "grants.h"
#include "outbox.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

static const char grants_schema[] =
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
        "CREATE INDEX IF NOT EXISTS lc_grants_by_property ON lc_grants (property, status);";

static int prepare(struct db *db, const char *sql, sqlite3_stmt **ret)
{
        return db_prepare(db, sql, ret);
}

/* Step a statement that returns no rows, and finalize it. */
static int step_done(sqlite3_stmt *st)
{
        int r = sqlite3_step(st);

        r = r == SQLITE_DONE ? 0 : (db_errno(r) ?: -EIO);
        sqlite3_finalize(st);
        return r;
}

static void bind_opt_int(sqlite3_stmt *st, int i, bool has, int64_t v)
{
        if (has)
                sqlite3_bind_int64(st, i, v);
        else
                sqlite3_bind_null(st, i);
}

int grants_init(struct db *db)
{
        int r = db_exec(db, grants_schema);

        if (r < 0)
                return r;
        return outbox_init(db);
}

/* ---- names, ids, codes, durations ----------------------------------------------------- */

static bool id_is_valid(const char *id, size_t max)
{
        size_t n = strlen(id);

        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++) {
                char ch = id[i];

                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '.' || ch == '_' || ch == ':' || ch == '-'))
                        return false;
        }
        return true;
}

bool grants_id_is_valid(const char *id)
{
        return id_is_valid(id, GRANT_ID_MAX);
}

static bool guest_is_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > GRANT_GUEST_MAX || !lk_utf8_is_valid((const uint8_t *)s, n))
                return false;
        for (size_t i = 0; i < n; i++)
                if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
                        return false;
        return true;
}

int grants_code_name(const char *guest, char ret[static LK_CODE_NAME_SIZE + 1])
{
        char buf[LK_CODE_NAME_SIZE + 1];
        size_t n = 0;
        bool space = false;

        if (!guest || strlen(guest) > GRANT_GUEST_MAX || !guest_is_valid(guest))
                return -EINVAL;
        /* Fold white space, dropping it at the start. */
        for (const char *p = guest; *p; p++) {
                if (*p == ' ' || *p == '\t') {
                        space = n > 0;
                        continue;
                }
                if (space) {
                        if (n >= LK_CODE_NAME_SIZE)
                                break;
                        buf[n++] = ' ';
                        space = false;
                }
                if (n >= LK_CODE_NAME_SIZE)
                        break;
                buf[n++] = *p;
        }
        /* Cut at a character boundary: drop a partial UTF-8 sequence at the end. */
        if (n == LK_CODE_NAME_SIZE) {
                size_t start = n;

                while (start > 0 && ((unsigned char)buf[start - 1] & 0xC0) == 0x80)
                        start--;
                if (start > 0) {
                        unsigned char lead = (unsigned char)buf[start - 1];
                        size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

                        if (n - (start - 1) < want)
                                n = start - 1;
                }
        }
        while (n > 0 && buf[n - 1] == ' ')
                n--;
        if (n == 0)
                return -EINVAL;
        buf[n] = '\0';
        memcpy(ret, buf, n + 1);
        return 0;
}

int grants_parse_duration(const char *s, int64_t *ret)
{
        char num[24];
        size_t n = strlen(s);
        uint64_t v, mult = 1;

        if (n == 0 || n >= sizeof(num))
                return -EINVAL;
        memcpy(num, s, n + 1);
        switch (num[n - 1]) {
        case 's':
                num[--n] = '\0';
                break;
        case 'm':
                mult = 60;
                num[--n] = '\0';
                break;
        case 'h':
                mult = 3600;
                num[--n] = '\0';
                break;
        case 'd':
                mult = 86400;
                num[--n] = '\0';
                break;
        default:
                break;
        }
        if (parse_u64(num, 0, 366ULL * 86400, &v) < 0 || v * mult > 366ULL * 86400)
                return -EINVAL;
        *ret = (int64_t)(v * mult);
        return 0;
}

uint32_t grants_generate_code(const uint32_t *avoid, size_t n)
{
        for (;;) {
                uint32_t v = 0;
                bool taken = false;

                for (int i = 0; i < 6; i++)
                        v = v * 10 + 1 + randombytes_uniform(9);
                if (!lk_keypad_code_value_ok(v))
                        continue;
                for (size_t i = 0; i < n && !taken; i++)
                        taken = avoid[i] == v;
                if (!taken)
                        return v;
        }
}

/* ---- the import document ----------------------------------------------------------------- */

struct imp_lock {
        char alias[STORE_ALIAS_MAX + 1];
        bool guest_access;
};

struct imp_property {
        char id[PROPERTY_ID_MAX + 1];
        char name[GRANT_GUEST_MAX + 1];
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

static void imp_doc_done(struct imp_doc *d)
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

__attribute__((format(printf, 2, 3))) static int fail(struct grants_error *err, const char *fmt, ...)
{
        va_list ap;

        if (err) {
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
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
                        return fail(err, "%s: unknown field '%.40s'", where, it->string ? it->string : "");
        }
        return 0;
}

static int get_string(const cJSON *o, const char *key, bool required, const char **ret, const char *where,
                      struct grants_error *err)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        if (!v) {
                if (required)
                        return fail(err, "%s: %s: missing", where, key);
                *ret = NULL;
                return 0;
        }
        if (!cJSON_IsString(v) || !v->valuestring)
                return fail(err, "%s: %s: must be a string", where, key);
        *ret = v->valuestring;
        return 0;
}

/* RFC 3339 with an explicit zone: a booking must not depend on this machine's zone. */
static int parse_instant(const char *s, int64_t *ret)
{
        size_t n = strlen(s);
        struct lk_datetime dt;
        int64_t t;

        if (n < 17 || s[10] != 'T')
                return -EINVAL;
        if (s[n - 1] != 'Z' && !(n >= 6 && (s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':'))
                return -EINVAL;
        if (time_parse_instant(s, 0, &t) < 0 || lk_datetime_from_unix(t, &dt) < 0 || dt.year > 2099)
                return -EINVAL;
        *ret = t;
        return 0;
}

static int parse_code(const cJSON *v, uint32_t *ret, const char *where, struct grants_error *err)
{
        struct lk_keypad_code probe = { .name = "x" };
        uint64_t x;

        if (cJSON_IsString(v) && v->valuestring) {
                if (parse_u64(v->valuestring, 0, 99999999, &x) < 0)
                        return fail(err, "%s: code: %s", where, lk_code_problem_str(LK_CODE_NOT_SIX_DIGITS));
        } else if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 99999999 &&
                   v->valuedouble == (double)(uint32_t)v->valuedouble)
                x = (uint64_t)v->valuedouble;
        else
                return fail(err, "%s: code: must be six digits 1-9, as a string", where);
        probe.code = (uint32_t)x;
        if (!lk_keypad_code_value_ok(probe.code))
                return fail(err, "%s: code: %s", where, lk_code_problem_str(lk_keypad_code_check(&probe)));
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
                return fail(err, "%s: lead: must be seconds or a duration like \"90m\", \"72h\", \"3d\" (at most 30 days)",
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
                        return fail(err, "%s: weekdays: '%.40s' is not a list like \"mon,tue,fri\", \"weekdays\", \"weekends\" or \"all\"",
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
                        return fail(err, "%s: daily: '%.40s' is not HH:MM-HH:MM (lock-local time)", where, s);
                probe.window.from_time = daily->from;
                probe.window.until_time = daily->until;
                p = lk_keypad_code_check(&probe);
                if (p != LK_CODE_OK)
                        return fail(err, "%s: daily: %s", where, lk_code_problem_str(p));
                daily->set = true;
        }
        return 0;
}

static int parse_property(const cJSON *o, size_t index, struct imp_property *p, struct grants_error *err)
{
        static const char *const keys[] = { "id", "name", "locks", NULL };
        static const char *const lock_keys[] = { "lock", "guest_access", NULL };
        char where[128];
        const cJSON *locks, *it;
        const char *s;
        int r;

        snprintf(where, sizeof(where), "properties[%zu]", index);
        if (!cJSON_IsObject(o))
                return fail(err, "%s: must be an object", where);
        r = check_keys(o, keys, where, err);
        if (r < 0)
                return r;
        r = get_string(o, "id", true, &s, where, err);
        if (r < 0)
                return r;
        if (!id_is_valid(s, PROPERTY_ID_MAX))
                return fail(err, "%s: id: use 1 to %d of A-Z a-z 0-9 . _ : -", where, PROPERTY_ID_MAX);
        snprintf(p->id, sizeof(p->id), "%s", s);
        snprintf(where, sizeof(where), "properties[%zu] (id '%s')", index, p->id);
        r = get_string(o, "name", false, &s, where, err);
        if (r < 0)
                return r;
        if (s) {
                if (!guest_is_valid(s))
                        return fail(err, "%s: name: must be 1 to %d bytes of UTF-8 without control characters", where,
                                    GRANT_GUEST_MAX);
                snprintf(p->name, sizeof(p->name), "%s", s);
        }
        locks = cJSON_GetObjectItemCaseSensitive(o, "locks");
        if (!cJSON_IsArray(locks))
                return fail(err, "%s: locks: missing, or not an array", where);
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
                                return fail(err, "%s: guest_access: must be true or false", lw);
                        l->guest_access = !ga || cJSON_IsTrue(ga);
                } else
                        return fail(err, "%s: must be a lock name or an object", lw);
                if (!store_alias_is_valid(s))
                        return fail(err, "%s: lock: '%.64s' is not a lock name (1-63 of A-Z a-z 0-9 . _ -)", lw, s);
                for (size_t j = 0; j < p->n_locks; j++)
                        if (streq(p->locks[j].alias, s))
                                return fail(err, "%s: lock: '%s' is listed twice", lw, s);
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
                return fail(err, "%s: must be an object", where);
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
        r = prepare(db, "SELECT guest_access FROM lc_property_locks WHERE property = ? AND lock = ?", &st);
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
        r = prepare(db, "SELECT 1 FROM lc_properties WHERE id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        *ret = r == SQLITE_ROW;
        r = r == SQLITE_ROW || r == SQLITE_DONE ? 0 : db_errno(r);
        sqlite3_finalize(st);
        return r;
}

static int parse_grant(struct db *db, const struct imp_doc *d, const cJSON *o, size_t index, struct imp_grant *g,
                       struct grants_error *err)
{
        static const char *const keys[] = { "id",      "property", "guest", "code",   "check_in",
                                            "check_out", "weekdays", "daily", "status", "locks", NULL };
        struct lk_keypad_code probe = { .code = 111111, .enabled = true };
        char where[128], name[LK_CODE_NAME_SIZE + 1];
        enum lk_code_problem p;
        const cJSON *x, *it;
        const char *s;
        bool known;
        int r;

        snprintf(where, sizeof(where), "grants[%zu]", index);
        if (!cJSON_IsObject(o))
                return fail(err, "%s: must be an object", where);
        r = get_string(o, "id", true, &s, where, err);
        if (r < 0)
                return r;
        if (!grants_id_is_valid(s))
                return fail(err, "%s: id: use 1 to %d of A-Z a-z 0-9 . _ : -", where, GRANT_ID_MAX);
        snprintf(g->id, sizeof(g->id), "%s", s);
        snprintf(where, sizeof(where), "grants[%zu] (id '%s')", index, g->id);
        r = check_keys(o, keys, where, err);
        if (r < 0)
                return r;

        r = get_string(o, "property", true, &s, where, err);
        if (r < 0)
                return r;
        if (!id_is_valid(s, PROPERTY_ID_MAX))
                return fail(err, "%s: property: not a property id", where);
        r = property_known(db, d, s, &known);
        if (r < 0)
                return r;
        if (!known)
                return fail(err, "%s: property: unknown property '%s' (list it under \"properties\")", where, s);
        snprintf(g->property, sizeof(g->property), "%s", s);

        r = get_string(o, "guest", true, &s, where, err);
        if (r < 0)
                return r;
        if (!guest_is_valid(s) || grants_code_name(s, name) < 0)
                return fail(err, "%s: guest: must be 1 to %d bytes of UTF-8 without control characters", where,
                            GRANT_GUEST_MAX);
        snprintf(g->guest, sizeof(g->guest), "%s", s);

        x = cJSON_GetObjectItemCaseSensitive(o, "code");
        if (x) {
                r = parse_code(x, &g->code, where, err);
                if (r < 0)
                        return r;
                g->has_code = true;
        }

        r = get_string(o, "check_in", true, &s, where, err);
        if (r < 0)
                return r;
        if (parse_instant(s, &g->check_in) < 0)
                return fail(err, "%s: check_in: '%.40s' is not an RFC 3339 time with a zone, e.g. 2026-11-22T15:00:00+01:00",
                            where, s);
        r = get_string(o, "check_out", true, &s, where, err);
        if (r < 0)
                return r;
        if (parse_instant(s, &g->check_out) < 0)
                return fail(err, "%s: check_out: '%.40s' is not an RFC 3339 time with a zone, e.g. 2026-11-25T10:00:00Z",
                            where, s);
        if (g->check_out <= g->check_in)
                return fail(err, "%s: check_out: is not after check_in", where);

        r = parse_window_parts(o, &g->weekdays, NULL, &g->daily, where, err);
        if (r < 0)
                return r;

        r = get_string(o, "status", false, &s, where, err);
        if (r < 0)
                return r;
        if (s && !streq(s, "active") && !streq(s, "cancelled"))
                return fail(err, "%s: status: must be \"active\" or \"cancelled\"", where);
        g->cancelled = s && streq(s, "cancelled");

        /* The whole record must pass the lock's rules (spec §9.1, §9.3) before anything is written. */
        memcpy(probe.name, name, sizeof(name));
        probe.window.time_limited = true;
        if (lk_datetime_from_unix(g->check_in, &probe.window.from) < 0 ||
            lk_datetime_from_unix(g->check_out, &probe.window.until) < 0)
                return fail(err, "%s: check_in: out of range", where);
        probe.window.weekdays = g->weekdays;
        probe.window.from_time = g->daily.from;
        probe.window.until_time = g->daily.until;
        p = lk_keypad_code_check(&probe);
        if (p != LK_CODE_OK)
                return fail(err, "%s: %s", where, lk_code_problem_str(p));

        x = cJSON_GetObjectItemCaseSensitive(o, "locks");
        if (x) {
                if (!cJSON_IsObject(x))
                        return fail(err, "%s: locks: must be an object of lock name → overrides", where);
                g->ov = calloc((size_t)cJSON_GetArraySize(x) + 1, sizeof(*g->ov));
                if (!g->ov)
                        return -ENOMEM;
                cJSON_ArrayForEach(it, x) {
                        char ow[256];
                        struct imp_override *v = &g->ov[g->n_ov];
                        bool access;

                        snprintf(ow, sizeof(ow), "%s: locks.%.63s", where, it->string);
                        if (!store_alias_is_valid(it->string))
                                return fail(err, "%s: not a lock name", ow);
                        r = property_lock_access(db, d, g->property, it->string, &access);
                        if (r < 0)
                                return r;
                        if (!access)
                                return fail(err, "%s: lock '%s' is not a guest-access lock of property '%s'", ow,
                                            it->string, g->property);
                        snprintf(v->lock, sizeof(v->lock), "%s", it->string);
                        r = parse_override(it, v, ow, err);
                        if (r < 0)
                                return r;
                        g->n_ov++;
                }
        }
        return 0;
}

static int parse_doc(struct db *db, const cJSON *root, struct imp_doc *d, struct grants_error *err)
{
        static const char *const keys[] = { "version", "properties", "grants", NULL };
        const cJSON *v, *props, *grants, *it;
        size_t i;
        int r;

        if (!cJSON_IsObject(root))
                return fail(err, "the document must be a JSON object with \"properties\" and \"grants\"");
        r = check_keys(root, keys, "document", err);
        if (r < 0)
                return r;
        v = cJSON_GetObjectItemCaseSensitive(root, "version");
        if (v && !(cJSON_IsNumber(v) && v->valuedouble == 1))
                return fail(err, "document: version: only version 1 is known");
        props = cJSON_GetObjectItemCaseSensitive(root, "properties");
        grants = cJSON_GetObjectItemCaseSensitive(root, "grants");
        if (props && !cJSON_IsArray(props))
                return fail(err, "document: properties: must be an array");
        if (!cJSON_IsArray(grants))
                return fail(err, "document: grants: missing, or not an array");

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
                                return fail(err, "properties[%zu] (id '%s'): id: duplicate of properties[%zu]", i,
                                            d->props[i].id, j);
                i++;
        }
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

static int check_duplicate_ids(const struct imp_doc *d, struct grants_error *err)
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
                        return fail(err, "grants[%zu] (id '%s'): id: duplicate of grants[%zu]",
                                    (size_t)(v[i] > v[i - 1] ? v[i] - d->grants : v[i - 1] - d->grants), v[i]->id,
                                    (size_t)(v[i] > v[i - 1] ? v[i - 1] - d->grants : v[i] - d->grants));
        return 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

static int daily_minutes(const struct imp_daily *dl, bool from)
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
        r = prepare(db,
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
                                 v->daily.set ? (long long)daily_minutes(&v->daily, true) : -1LL,
                                 v->daily.set ? (long long)daily_minutes(&v->daily, false) : -1LL);

                n += k > 0 ? (size_t)k : 0;
        }
}

static int write_property(struct db *db, const struct imp_property *p)
{
        sqlite3_stmt *st;
        int r;

        r = prepare(db, "INSERT INTO lc_properties (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
        r = step_done(st);
        if (r < 0)
                return r;
        r = prepare(db, "DELETE FROM lc_property_locks WHERE property = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
        r = step_done(st);
        for (size_t i = 0; r >= 0 && i < p->n_locks; i++) {
                r = prepare(db, "INSERT INTO lc_property_locks (property, lock, guest_access) VALUES (?, ?, ?)", &st);
                if (r < 0)
                        return r;
                sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, p->locks[i].alias, -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 3, p->locks[i].guest_access);
                r = step_done(st);
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
        r = prepare(db,
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
                       sqlite3_column_int64(st, 8) == (g->daily.set ? daily_minutes(&g->daily, true) : -1) &&
                       sqlite3_column_int64(st, 9) == (g->daily.set ? daily_minutes(&g->daily, false) : -1) &&
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

        r = prepare(db,
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
        bind_opt_int(st, 10, g->daily.set, daily_minutes(&g->daily, true));
        bind_opt_int(st, 11, g->daily.set, daily_minutes(&g->daily, false));
        sqlite3_bind_text(st, 12, g->cancelled ? "cancelled" : "active", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 13, now);
        r = step_done(st);
        if (r < 0)
                return r;
        *ret_draw = !g->has_code && !keep_generated;

        r = prepare(db, "DELETE FROM lc_grant_overrides WHERE grant_id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
        r = step_done(st);
        for (size_t i = 0; r >= 0 && i < g->n_ov; i++) {
                const struct imp_override *v = &g->ov[i];

                r = prepare(db,
                            "INSERT INTO lc_grant_overrides (grant_id, lock, code, lead, weekdays, daily_from, daily_until)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            &st);
                if (r < 0)
                        return r;
                sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, v->lock, -1, SQLITE_STATIC);
                bind_opt_int(st, 3, v->has_code, v->code);
                bind_opt_int(st, 4, v->has_lead, v->lead);
                bind_opt_int(st, 5, v->has_weekdays, v->weekdays);
                bind_opt_int(st, 6, v->daily.set, daily_minutes(&v->daily, true));
                bind_opt_int(st, 7, v->daily.set, daily_minutes(&v->daily, false));
                r = step_done(st);
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

        r = prepare(db, sql, &st);
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
        r = prepare(db, "UPDATE lc_grants SET code = ?, code_generated = 1 WHERE id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, code);
        sqlite3_bind_text(st, 2, grant, -1, SQLITE_STATIC);
        r = step_done(st);
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

        r = prepare(db, sql, &st);
        if (r < 0)
                return r;
        r = sqlite3_step(st);
        if (r == SQLITE_ROW)
                r = fail(err, "grants '%s' and '%s': code: the same code on lock '%s' during overlapping stays",
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
                r = prepare(db, "INSERT OR IGNORE INTO lc_import_ids (id) VALUES (?)", &st);
                if (r < 0)
                        return r;
                sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
                r = step_done(st);
                if (r < 0)
                        return r;
        }
        /* Grants of this source that the document no longer lists are cancelled. */
        r = prepare(db,
                    "UPDATE lc_grants SET status = 'cancelled', updated_at = ? WHERE source = ? AND status = 'active'"
                    " AND id NOT IN (SELECT id FROM lc_import_ids)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
        r = step_done(st);
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
        const char *end = NULL;
        cJSON *root;
        int r;

        if (err)
                err->msg[0] = '\0';
        if (!source || !id_is_valid(source, 32))
                return -EINVAL;
        if (len > GRANTS_IMPORT_MAX)
                return fail(err, "the document is larger than %u bytes", GRANTS_IMPORT_MAX);
        r = grants_init(db);
        if (r < 0)
                return r;
        root = cJSON_ParseWithLengthOpts(text, len, &end, false);
        if (!root) {
                size_t at = end && end >= text ? (size_t)(end - text) : 0;
                unsigned line = 1;

                for (size_t i = 0; i < at && i < len; i++)
                        line += text[i] == '\n';
                return fail(err, "not valid JSON (near byte %zu, line %u)", at, line);
        }
        r = db_exec(db, "BEGIN IMMEDIATE");
        if (r < 0) {
                cJSON_Delete(root);
                return r;
        }
        r = parse_doc(db, root, &d, err);
        if (r >= 0)
                r = check_duplicate_ids(&d, err);
        if (r >= 0)
                r = apply_doc(db, &d, source, &res, err);
        cJSON_Delete(root);
        imp_doc_done(&d);
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
                return fail(err, "'%s' is not a regular file", path);
        }
        if ((uint64_t)sb.st_size > GRANTS_IMPORT_MAX) {
                close(fd);
                return fail(err, "'%s' is larger than %u bytes", path, GRANTS_IMPORT_MAX);
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

/* ---- queries for the engine --------------------------------------------------------------- */

static void minutes_to_time(int64_t m, struct lk_time *t)
{
        t->hour = (uint8_t)(m / 60);
        t->minute = (uint8_t)(m % 60);
}

int grants_targets(struct db *db, const char *lock, struct grant_target **ret, size_t *ret_n)
{
        static const char sql[] =
                "SELECT g.id, g.guest, COALESCE(o.code, g.code), g.code_generated AND o.code IS NULL,"
                " g.check_in, g.check_out, IFNULL(o.lead, -1), COALESCE(o.weekdays, g.weekdays),"
                " CASE WHEN o.daily_from IS NOT NULL THEN o.daily_from ELSE g.daily_from END,"
                " CASE WHEN o.daily_from IS NOT NULL THEN o.daily_until ELSE g.daily_until END"
                " FROM lc_grants g JOIN lc_property_locks pl ON pl.property = g.property AND pl.guest_access"
                " LEFT JOIN lc_grant_overrides o ON o.grant_id = g.id AND o.lock = pl.lock"
                " WHERE pl.lock = ? AND g.status = 'active' AND COALESCE(o.code, g.code) != 0"
                " ORDER BY g.check_in, g.id";
        struct grant_target *v = NULL;
        size_t n = 0, cap = 0;
        sqlite3_stmt *st;
        int r;

        r = prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
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
                t->may_redraw = sqlite3_column_int(st, 3);
                t->check_in = sqlite3_column_int64(st, 4);
                t->check_out = sqlite3_column_int64(st, 5);
                t->lead = sqlite3_column_int64(st, 6);
                t->rec.enabled = true;
                t->rec.window.time_limited = true;
                t->rec.window.weekdays = (uint8_t)sqlite3_column_int(st, 7);
                if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
                        minutes_to_time(sqlite3_column_int64(st, 8), &t->rec.window.from_time);
                        minutes_to_time(sqlite3_column_int64(st, 9), &t->rec.window.until_time);
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
        r = prepare(db, sql, &st);
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

        r = prepare(db,
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
                        minutes_to_time(sqlite3_column_int64(st, 8), &c->rec.window.from_time);
                        minutes_to_time(sqlite3_column_int64(st, 9), &c->rec.window.until_time);
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

static int history_put(struct db *db, const char *lock, const struct grant_code *c, int64_t now)
{
        sqlite3_stmt *st;
        int r;

        /* Close what held this id before (another grant, or ours under an older record). */
        r = prepare(db,
                    "UPDATE lc_code_history SET until = ?1 WHERE lock = ?2 AND code_id = ?3 AND until IS NULL"
                    " AND grant_id != ?4",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, c->code_id);
        sqlite3_bind_text(st, 4, c->grant, -1, SQLITE_STATIC);
        r = step_done(st);
        if (r < 0)
                return r;
        r = prepare(db,
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
        return step_done(st);
}

static int history_close(struct db *db, const char *lock, const char *grant, int64_t now)
{
        sqlite3_stmt *st;
        int r = prepare(db, "UPDATE lc_code_history SET until = ? WHERE lock = ? AND grant_id = ? AND until IS NULL", &st);

        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, lock, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, grant, -1, SQLITE_STATIC);
        return step_done(st);
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
        r = prepare(db,
                    "INSERT OR REPLACE INTO lc_grant_codes (grant_id, lock, state, code_id, code, name, valid_from,"
                    " valid_until, weekdays, daily_from, daily_until, reason, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, c->grant, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, lock, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, grant_code_state_str(c->state), -1, SQLITE_STATIC);
        bind_opt_int(st, 4, c->state != GRANT_CODE_FAILED && c->code_id, c->code_id);
        bind_opt_int(st, 5, has, c->rec.code);
        if (has)
                sqlite3_bind_text(st, 6, c->rec.name, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 6);
        bind_opt_int(st, 7, has && w->time_limited, from);
        bind_opt_int(st, 8, has && w->time_limited, until);
        bind_opt_int(st, 9, has, w->weekdays);
        bind_opt_int(st, 10, has, w->from_time.hour * 60 + w->from_time.minute);
        bind_opt_int(st, 11, has, w->until_time.hour * 60 + w->until_time.minute);
        if (c->reason[0])
                sqlite3_bind_text(st, 12, c->reason, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 12);
        sqlite3_bind_int64(st, 13, now);
        r = step_done(st);
        if (r < 0)
                return r;
        if (has)
                return history_put(db, lock, c, now);
        if (c->state == GRANT_CODE_REMOVED)
                return history_close(db, lock, c->grant, now);
        return 0;
}

int grants_next_boundary(struct db *db, int64_t now, int64_t lead, int64_t grace, int64_t *ret)
{
        static const char sql[] =
                "SELECT g.check_in - IFNULL(o.lead, ?1), g.check_out + ?2"
                " FROM lc_grants g JOIN lc_property_locks pl ON pl.property = g.property AND pl.guest_access"
                " LEFT JOIN lc_grant_overrides o ON o.grant_id = g.id AND o.lock = pl.lock"
                " WHERE g.status = 'active'"
                " UNION ALL SELECT g.check_out + ?2, g.check_out + ?2 FROM lc_grant_codes c"
                " JOIN lc_grants g ON g.id = c.grant_id WHERE c.state = 'provisioned'";
        int64_t best = INT64_MAX;
        sqlite3_stmt *st;
        int r;

        r = prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, lead);
        sqlite3_bind_int64(st, 2, grace);
        while ((r = sqlite3_step(st)) == SQLITE_ROW)
                for (int i = 0; i < 2; i++) {
                        int64_t t = sqlite3_column_int64(st, i);

                        if (t > now && t < best)
                                best = t;
                }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
                return db_errno(r) ?: -EIO;
        *ret = best;
        return 0;
}

int grants_code_owner(struct db *db, const char *lock, uint16_t code_id, int64_t at,
                      char ret_grant[static GRANT_ID_MAX + 1], char ret_guest[static GRANT_GUEST_MAX + 1])
{
        sqlite3_stmt *st;
        int r;

        /* The grant that held the id at that time; else (clock unknown, or outside) the latest. */
        r = prepare(db,
                    "SELECT grant_id, guest FROM lc_code_history WHERE lock = ?1 AND code_id = ?2"
                    " ORDER BY (?3 > 0 AND since <= ?3 AND (until IS NULL OR until >= ?3)) DESC, since DESC LIMIT 1",
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
        r = prepare(db, "DELETE FROM lc_auth_names WHERE lock = ?", &st);
        if (r >= 0) {
                sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
                r = step_done(st);
        }
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = prepare(db, "INSERT OR REPLACE INTO lc_auth_names (lock, auth_id, name) VALUES (?, ?, ?)", &st);
                if (r < 0)
                        break;
                sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, e[i].auth_id);
                sqlite3_bind_text(st, 3, e[i].name, -1, SQLITE_STATIC);
                r = step_done(st);
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
        int r = prepare(db, "SELECT name FROM lc_auth_names WHERE lock = ? AND auth_id = ?", &st);

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

        r = prepare(db, "SELECT name FROM lc_unmanaged WHERE lock = ? AND code_id = ?", &st);
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
        r = prepare(db, "INSERT OR REPLACE INTO lc_unmanaged (lock, code_id, name, first_seen) VALUES (?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, id);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now);
        r = step_done(st);
        return r < 0 ? r : 1;
}

int grants_unmanaged_prune(struct db *db, const char *lock, const uint16_t *ids, size_t n)
{
        sqlite3_stmt *st;
        int r;

        r = prepare(db, "SELECT code_id FROM lc_unmanaged WHERE lock = ?", &st);
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
                if (prepare(db, "DELETE FROM lc_unmanaged WHERE lock = ? AND code_id = ?", &del) < 0)
                        continue;
                sqlite3_bind_text(del, 1, lock, -1, SQLITE_STATIC);
                sqlite3_bind_int(del, 2, id);
                (void)step_done(del);
        }
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? 0 : db_errno(r);
}
