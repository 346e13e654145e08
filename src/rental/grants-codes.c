/* SPDX-License-Identifier: MIT */
/*
 * The codes wanted on every lock, in memory, from one pass over the tables: which code each
 * current or upcoming grant wants on each guest-access lock of its property. An import checks
 * it for clashes and changeovers and draws new codes against it; the daemon's next wake-up
 * reads the changeover instants from it. Linear in grants × doors (plus a sort): 10,000
 * bookings on 50 doors is 500,000 entries, no query per booking.
 */
#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grants-private.h"
#include "timefmt.h"
#include "util.h"

struct cs_grant {
        char id[GRANT_ID_MAX + 1];
        uint32_t property; /* index into props */
        uint32_t code;     /* 0: to be drawn */
        int64_t in, out;
};

struct cs_prop {
        char id[PROPERTY_ID_MAX + 1];
        uint32_t *locks; /* indexes into locks */
        size_t n_locks;
};

struct code_set {
        char (*locks)[STORE_ALIAS_MAX + 1];
        size_t n_locks, locks_cap;
        struct cs_prop *props;
        size_t n_props;
        struct cs_grant *grants; /* sorted by id */
        size_t n_grants;
        size_t *first_use;       /* per grant: its uses are first_use[i] .. + its property's locks */
        struct code_use *uses;
        size_t n_uses;
};

static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
        void *nv;

        if (n < *cap)
                return v;
        *cap = *cap ? *cap * 2 : 64;
        nv = realloc(v, *cap * size);
        if (!nv)
                free(v);
        return nv;
}

static ssize_t lock_index(struct code_set *cs, const char *alias, bool add)
{
        for (size_t i = cs->n_locks; i-- > 0;) /* the newest first: rows come grouped */
                if (streq(cs->locks[i], alias))
                        return (ssize_t)i;
        if (!add)
                return -1;
        if (cs->n_locks == cs->locks_cap) {
                void *nv = realloc(cs->locks, (cs->locks_cap = cs->locks_cap ? cs->locks_cap * 2 : 8) * sizeof(*cs->locks));

                if (!nv)
                        return -ENOMEM;
                cs->locks = nv;
        }
        snprintf(cs->locks[cs->n_locks], sizeof(cs->locks[0]), "%s", alias);
        return (ssize_t)cs->n_locks++;
}

static int cmp_prop(const void *a, const void *b)
{
        return strcmp(((const struct cs_prop *)a)->id, ((const struct cs_prop *)b)->id);
}

static int cmp_grant(const void *a, const void *b)
{
        return strcmp(((const struct cs_grant *)a)->id, ((const struct cs_grant *)b)->id);
}

/* Properties and their guest-access locks (ordered by property in the query). */
static int load_props(struct db *db, struct code_set *cs)
{
        sqlite3_stmt *st;
        size_t cap = 0, lcap = 0;
        int r;

        r = db_prepare(db, "SELECT property, lock FROM lc_property_locks WHERE guest_access ORDER BY property, lock", &st);
        if (r < 0)
                return r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *prop = (const char *)sqlite3_column_text(st, 0);
                ssize_t li = lock_index(cs, (const char *)sqlite3_column_text(st, 1), true);
                struct cs_prop *p;

                if (li < 0) {
                        r = SQLITE_NOMEM;
                        break;
                }
                if (cs->n_props == 0 || !streq(cs->props[cs->n_props - 1].id, prop)) {
                        cs->props = grow(cs->props, cs->n_props, &cap, sizeof(*cs->props));
                        if (!cs->props) {
                                r = SQLITE_NOMEM;
                                break;
                        }
                        p = &cs->props[cs->n_props++];
                        *p = (struct cs_prop){ 0 };
                        snprintf(p->id, sizeof(p->id), "%s", prop);
                        lcap = 0;
                }
                p = &cs->props[cs->n_props - 1];
                p->locks = grow(p->locks, p->n_locks, &lcap, sizeof(*p->locks));
                if (!p->locks) {
                        r = SQLITE_NOMEM;
                        break;
                }
                p->locks[p->n_locks++] = (uint32_t)li;
        }
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? 0 : (db_errno(r) ?: -EIO);
}

/* Active grants whose stay (plus grace) has not ended, by id. */
static int load_grants(struct db *db, struct code_set *cs, int64_t now, int64_t grace)
{
        sqlite3_stmt *st;
        size_t cap = 0;
        int r;

        r = db_prepare(db,
                       "SELECT id, property, code, check_in, check_out FROM lc_grants"
                       " WHERE status = 'active' AND check_out + ?2 > ?1 ORDER BY id",
                       &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, grace);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct cs_prop key = { 0 }, *p;
                struct cs_grant *g;

                snprintf(key.id, sizeof(key.id), "%s", (const char *)sqlite3_column_text(st, 1));
                p = cs->n_props ? bsearch(&key, cs->props, cs->n_props, sizeof(*p), cmp_prop) : NULL;
                if (!p)
                        continue; /* a property without guest-access locks: no code anywhere */
                cs->grants = grow(cs->grants, cs->n_grants, &cap, sizeof(*cs->grants));
                if (!cs->grants) {
                        r = SQLITE_NOMEM;
                        break;
                }
                g = &cs->grants[cs->n_grants++];
                snprintf(g->id, sizeof(g->id), "%s", (const char *)sqlite3_column_text(st, 0));
                g->property = (uint32_t)(p - cs->props);
                g->code = (uint32_t)sqlite3_column_int64(st, 2);
                g->in = sqlite3_column_int64(st, 3);
                g->out = sqlite3_column_int64(st, 4);
        }
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? 0 : (db_errno(r) ?: -EIO);
}

/* One use per grant and guest-access lock, per-lock overrides applied. */
static int build_uses(struct db *db, struct code_set *cs, int64_t now, int64_t grace)
{
        sqlite3_stmt *st;
        size_t n = 0;
        int r;

        for (size_t i = 0; i < cs->n_grants; i++)
                n += cs->props[cs->grants[i].property].n_locks;
        cs->uses = calloc(n + 1, sizeof(*cs->uses));
        cs->first_use = calloc(cs->n_grants + 1, sizeof(*cs->first_use));
        if (!cs->uses || !cs->first_use)
                return -ENOMEM;
        for (size_t i = 0; i < cs->n_grants; i++) {
                const struct cs_grant *g = &cs->grants[i];
                const struct cs_prop *p = &cs->props[g->property];

                cs->first_use[i] = cs->n_uses;
                for (size_t k = 0; k < p->n_locks; k++)
                        cs->uses[cs->n_uses++] = (struct code_use){ .lock = p->locks[k], .grant = (uint32_t)i,
                                                                    .code = g->code, .in = g->in, .out = g->out,
                                                                    .lead = -1 };
        }
        /* Overrides: few; each finds its use by grant (binary search) then lock. */
        r = db_prepare(db,
                       "SELECT o.grant_id, o.lock, IFNULL(o.code, 0), IFNULL(o.lead, -1) FROM lc_grant_overrides o"
                       " JOIN lc_grants g ON g.id = o.grant_id WHERE g.status = 'active' AND g.check_out + ?2 > ?1",
                       &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, grace);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct cs_grant key = { 0 }, *g;
                ssize_t li = lock_index(cs, (const char *)sqlite3_column_text(st, 1), false);

                snprintf(key.id, sizeof(key.id), "%s", (const char *)sqlite3_column_text(st, 0));
                g = cs->n_grants ? bsearch(&key, cs->grants, cs->n_grants, sizeof(*g), cmp_grant) : NULL;
                if (!g || li < 0)
                        continue;
                for (size_t u = cs->first_use[g - cs->grants], k = 0; k < cs->props[g->property].n_locks; u++, k++)
                        if (cs->uses[u].lock == (uint32_t)li) {
                                if (sqlite3_column_int64(st, 2))
                                        cs->uses[u].code = (uint32_t)sqlite3_column_int64(st, 2);
                                cs->uses[u].lead = sqlite3_column_int64(st, 3);
                                cs->uses[u].override_code = sqlite3_column_int64(st, 2) != 0;
                        }
        }
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? 0 : (db_errno(r) ?: -EIO);
}

struct code_set *code_set_free(struct code_set *cs)
{
        if (!cs)
                return NULL;
        for (size_t i = 0; i < cs->n_props; i++)
                free(cs->props[i].locks);
        free(cs->props);
        free(cs->locks);
        free(cs->first_use);
        if (cs->grants)
                sodium_memzero(cs->grants, cs->n_grants * sizeof(*cs->grants));
        free(cs->grants);
        if (cs->uses)
                sodium_memzero(cs->uses, cs->n_uses * sizeof(*cs->uses));
        free(cs->uses);
        free(cs);
        return NULL;
}

int code_set_load(struct db *db, int64_t now, int64_t grace, struct code_set **ret)
{
        struct code_set *cs = calloc(1, sizeof(*cs));
        int r;

        if (!cs)
                return -ENOMEM;
        r = load_props(db, cs);
        if (r >= 0 && cs->n_props > 1)
                qsort(cs->props, cs->n_props, sizeof(*cs->props), cmp_prop); /* already in order; cheap */
        if (r >= 0)
                r = load_grants(db, cs, now, grace);
        if (r >= 0)
                r = build_uses(db, cs, now, grace);
        if (r < 0) {
                code_set_free(cs);
                return r;
        }
        *ret = cs;
        return 0;
}

const struct code_use *code_set_uses(const struct code_set *cs, size_t *ret_n)
{
        *ret_n = cs->n_uses;
        return cs->uses;
}

const char *code_set_lock(const struct code_set *cs, uint32_t lock)
{
        return cs->locks[lock];
}

const char *code_set_grant(const struct code_set *cs, uint32_t grant)
{
        return cs->grants[grant].id;
}

static int cmp_use(const void *a, const void *b)
{
        const struct code_use *x = a, *y = b;

        if (x->lock != y->lock)
                return x->lock < y->lock ? -1 : 1;
        if (x->code != y->code)
                return x->code < y->code ? -1 : 1;
        if (x->in != y->in)
                return x->in < y->in ? -1 : 1;
        return x->grant < y->grant ? -1 : x->grant > y->grant;
}

int code_set_walk_changeovers(struct code_set *cs, int64_t lead, int64_t grace,
                              int (*fn)(void *userdata, const struct code_use *a, const struct code_use *b, int64_t at),
                              void *userdata)
{
        if (cs->n_uses > 1)
                qsort(cs->uses, cs->n_uses, sizeof(*cs->uses), cmp_use);
        for (size_t i = 1; i < cs->n_uses; i++) {
                const struct code_use *a = &cs->uses[i - 1], *b = &cs->uses[i];
                int64_t b_lead = b->lead >= 0 ? b->lead : lead, at;
                int r;

                if (a->lock != b->lock || a->code != b->code || a->code == 0)
                        continue;
                if (b->in - b_lead >= a->out + grace && b->in >= a->out)
                        continue; /* A's code is gone before B's is due: no changeover */
                at = b->in - b_lead > a->out ? b->in - b_lead : a->out;
                r = fn(userdata, a, b, at);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* Bitmap of the code values in use on one lock: 10^6 bits. */
#define CODE_BITS (LK_CODE_MAX + 1)

static bool bit_get(const uint8_t *b, uint32_t v)
{
        return b[v / 8] & (1u << (v % 8));
}

static void bit_set(uint8_t *b, uint32_t v)
{
        b[v / 8] |= (uint8_t)(1u << (v % 8));
}

/* Codes still provisioned on a lock (a departed guest's, within its grace) are taken too. */
static int mark_provisioned(struct db *db, struct code_set *cs, uint8_t **taken)
{
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db, "SELECT lock, code FROM lc_grant_codes WHERE state = 'provisioned' AND code IS NOT NULL", &st);
        if (r < 0)
                return r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                ssize_t li = lock_index(cs, (const char *)sqlite3_column_text(st, 0), false);
                int64_t v = sqlite3_column_int64(st, 1);

                if (li >= 0 && v > 0 && v < CODE_BITS)
                        bit_set(taken[li], (uint32_t)v);
        }
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? 0 : (db_errno(r) ?: -EIO);
}

int code_set_draw(struct db *db, struct code_set *cs, int (*fn)(void *userdata, const char *grant, uint32_t code),
                  void *userdata)
{
        const size_t bytes = CODE_BITS / 8 + 1;
        uint8_t **taken = calloc(cs->n_locks + 1, sizeof(*taken));
        size_t pending = 0;
        int r = 0;

        if (!taken)
                return -ENOMEM;
        for (size_t i = 0; i < cs->n_grants; i++)
                pending += cs->grants[i].code == 0;
        if (pending == 0)
                goto out;
        for (size_t l = 0; l < cs->n_locks; l++)
                if (!(taken[l] = calloc(1, bytes))) {
                        r = -ENOMEM;
                        goto out;
                }
        for (size_t u = 0; u < cs->n_uses; u++)
                if (cs->uses[u].code)
                        bit_set(taken[cs->uses[u].lock], cs->uses[u].code);
        r = mark_provisioned(db, cs, taken);
        for (size_t i = 0; r >= 0 && i < cs->n_grants; i++) {
                struct cs_grant *g = &cs->grants[i];
                const struct cs_prop *p = &cs->props[g->property];
                uint32_t v;
                bool free_everywhere;

                if (g->code)
                        continue;
                do {
                        v = grants_generate_code(NULL, 0);
                        free_everywhere = true;
                        for (size_t k = 0; k < p->n_locks && free_everywhere; k++)
                                free_everywhere = !bit_get(taken[p->locks[k]], v);
                } while (!free_everywhere);
                for (size_t k = 0; k < p->n_locks; k++)
                        bit_set(taken[p->locks[k]], v);
                g->code = v; /* (the uses keep 0: a drawn code is unique, it makes no changeover) */
                r = fn(userdata, g->id, v);
        }
out:
        for (size_t l = 0; l < cs->n_locks; l++)
                if (taken[l]) {
                        sodium_memzero(taken[l], bytes);
                        free(taken[l]);
                }
        free(taken);
        return r;
}
