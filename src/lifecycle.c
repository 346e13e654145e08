/* SPDX-License-Identifier: MIT */
/*
 * Reconcile: per lock, one connection; read the codes, plan, write, record. The order of
 * writes makes a kill -9 at any point harmless:
 *
 *   1. the desired state (grant, its code value) is committed before any lock write;
 *   2. the lock write (codes.c: list first, so a retried add finds its own code; read back);
 *   3. one transaction: the lc_grant_codes row and the outbox event.
 *
 * A crash between 2 and 3 leaves a code on the lock that no row names by id; the next plan
 * matches it by code value and name to its grant ("found"), records it and emits the event
 * then. A removal that landed without its row is seen as the row's code being gone. Events
 * are emitted only when a row changes, in the row's transaction, so none is lost or doubled.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "agent.h"
#include "codes.h"
#include "lifecycle.h"
#include "lockops.h"
#include "log.h"
#include "outbox.h"
#include "timefmt.h"
#include "util.h"

void lifecycle_opts_default(struct lifecycle_opts *o)
{
        *o = (struct lifecycle_opts){
                .lead = GRANTS_LEAD_DEFAULT,
                .grace = GRANTS_GRACE_DEFAULT,
                .drift_max = LIFECYCLE_DRIFT_DEFAULT,
                .refresh_auths = true,
        };
}

const char *lc_outcome_str(enum lc_outcome o)
{
        switch (o) {
        case LC_PROVISIONED:
                return "provisioned";
        case LC_UPDATED:
                return "updated";
        case LC_UNCHANGED:
                return "unchanged";
        case LC_REMOVED:
                return "removed";
        case LC_FAILED:
                return "failed";
        case LC_NO_SPACE:
                return "no_space";
        case LC_PENDING:
                return "pending";
        case LC_UNMANAGED:
                return "unmanaged";
        }
        return "unknown";
}

static bool is_link_error(int r)
{
        return r == -ETIMEDOUT || r == -ENOTCONN || r == -ECONNRESET || r == -EPIPE || r == -ECONNABORTED ||
               r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -EHOSTDOWN;
}

/* ---- plan ------------------------------------------------------------------------------------ */

static int64_t target_lead(const struct grant_target *t, const struct lifecycle_opts *o)
{
        return t->lead >= 0 ? t->lead : o->lead;
}

static ssize_t find_target(const struct grant_target *t, size_t n, const char *grant)
{
        for (size_t i = 0; i < n; i++)
                if (streq(t[i].grant, grant))
                        return (ssize_t)i;
        return -1;
}

static int push(struct lc_plan *p, size_t *cap, struct lc_step s)
{
        if (p->n == *cap) {
                struct lc_step *v = realloc(p->steps, (*cap = *cap ? *cap * 2 : 32) * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                p->steps = v;
        }
        p->steps[p->n++] = s;
        return 0;
}

static int step_rank(enum lc_step_kind k)
{
        switch (k) {
        case LC_STEP_REMOVE:
        case LC_STEP_FORGET:
                return 0;
        case LC_STEP_KEEP:
        case LC_STEP_UPDATE:
                return 1;
        case LC_STEP_ADD:
                return 2;
        case LC_STEP_NO_SPACE:
        case LC_STEP_CONFLICT:
                return 3;
        case LC_STEP_UNMANAGED:
                return 4;
        }
        return 5;
}

int lifecycle_plan(const struct lk_keypad_code *codes, size_t n_codes, const struct grant_target *targets,
                   size_t n_targets, const struct grant_code *rows, size_t n_rows, int64_t now,
                   const struct lifecycle_opts *o, struct lc_plan *ret)
{
        _cleanup_free_ ssize_t *code_row = calloc(n_codes + 1, sizeof(ssize_t));
        _cleanup_free_ ssize_t *code_target = calloc(n_codes + 1, sizeof(ssize_t));
        _cleanup_free_ ssize_t *claimed = calloc(n_targets + 1, sizeof(ssize_t)); /* target → code */
        _cleanup_free_ bool *row_seen = calloc(n_rows + 1, sizeof(bool));
        _cleanup_free_ bool *removed = calloc(n_codes + 1, sizeof(bool));
        struct lc_plan p = { 0 };
        size_t cap = 0, n_removed = 0, free_slots;
        int r = 0;

        if (!code_row || !code_target || !claimed || !row_seen || !removed)
                return -ENOMEM;
        for (size_t t = 0; t < n_targets; t++)
                claimed[t] = -1;

        /* Whose is each code on the lock? By our row (id and value), else by value and name. */
        for (size_t i = 0; i < n_codes; i++) {
                const struct lk_keypad_code *c = &codes[i];
                const char *owner = NULL;

                code_row[i] = code_target[i] = -1;
                for (size_t j = 0; j < n_rows && !owner; j++)
                        if (rows[j].state == GRANT_CODE_PROVISIONED && !row_seen[j] && rows[j].code_id == c->id &&
                            rows[j].rec.code == c->code) {
                                code_row[i] = (ssize_t)j;
                                owner = rows[j].grant;
                        }
                for (size_t j = 0; j < n_rows && !owner; j++)
                        if (rows[j].state == GRANT_CODE_PROVISIONED && !row_seen[j] && rows[j].rec.code == c->code &&
                            streq(rows[j].rec.name, c->name)) {
                                code_row[i] = (ssize_t)j;
                                owner = rows[j].grant;
                        }
                for (size_t t = 0; t < n_targets && !owner; t++)
                        if (targets[t].rec.code == c->code && streq(targets[t].rec.name, c->name))
                                owner = targets[t].grant;
                if (code_row[i] >= 0)
                        row_seen[code_row[i]] = true;
                if (owner) {
                        code_target[i] = find_target(targets, n_targets, owner);
                        if (code_row[i] < 0) /* found without a row: the row of the same grant, if any */
                                for (size_t j = 0; j < n_rows && code_row[i] < 0; j++)
                                        if (streq(rows[j].grant, owner) && !row_seen[j]) {
                                                code_row[i] = (ssize_t)j;
                                                row_seen[j] = true;
                                        }
                }
                if (!owner)
                        r = push(&p, &cap, (struct lc_step){ LC_STEP_UNMANAGED, -1, -1, (ssize_t)i, NULL });
                else if (code_target[i] < 0)
                        r = push(&p, &cap, (struct lc_step){ LC_STEP_REMOVE, -1, code_row[i], (ssize_t)i, NULL });
                else {
                        const struct grant_target *t = &targets[code_target[i]];

                        if (claimed[code_target[i]] >= 0)
                                r = push(&p, &cap, (struct lc_step){ LC_STEP_REMOVE, code_target[i], code_row[i], (ssize_t)i,
                                                                     "duplicate" });
                        else if (now >= t->check_out + o->grace)
                                r = push(&p, &cap, (struct lc_step){ LC_STEP_REMOVE, code_target[i], code_row[i], (ssize_t)i,
                                                                     "expired" });
                        else {
                                claimed[code_target[i]] = (ssize_t)i;
                                r = push(&p, &cap,
                                         (struct lc_step){ codes_same(c, &t->rec) ? LC_STEP_KEEP : LC_STEP_UPDATE,
                                                           code_target[i], code_row[i], (ssize_t)i, NULL });
                        }
                }
                if (r < 0)
                        goto fail;
                if (p.steps[p.n - 1].kind == LC_STEP_REMOVE) {
                        removed[i] = true;
                        n_removed++;
                }
        }

        /* Rows whose code is not on the lock. */
        for (size_t j = 0; j < n_rows; j++) {
                ssize_t t;

                if (row_seen[j] || rows[j].state == GRANT_CODE_REMOVED)
                        continue;
                t = find_target(targets, n_targets, rows[j].grant);
                if (t >= 0 && now < targets[t].check_out)
                        continue; /* still wanted: it is (re-)added below, and this row rewritten */
                r = push(&p, &cap, (struct lc_step){ LC_STEP_FORGET, t, (ssize_t)j, -1, "gone" });
                if (r < 0)
                        goto fail;
        }

        /* Wanted and not there: adds, earliest check-in first (targets come sorted so). */
        free_slots = CODES_MAX > n_codes - n_removed ? CODES_MAX - (n_codes - n_removed) : 0;
        for (size_t t = 0; t < n_targets; t++) {
                const struct grant_target *g = &targets[t];
                ssize_t row = -1, clash = -1;

                if (claimed[t] >= 0)
                        continue;
                if (now < g->check_in - target_lead(g, o)) {
                        p.scheduled++;
                        continue;
                }
                if (now >= g->check_out)
                        continue; /* over: a code now would open nothing */
                for (size_t j = 0; j < n_rows && row < 0; j++)
                        if (streq(rows[j].grant, g->grant) && !row_seen[j])
                                row = (ssize_t)j;
                for (size_t i = 0; i < n_codes && clash < 0; i++)
                        if (codes[i].code == g->rec.code && !removed[i])
                                clash = (ssize_t)i;
                if (clash >= 0 && !g->may_redraw) {
                        r = push(&p, &cap, (struct lc_step){ LC_STEP_CONFLICT, (ssize_t)t, row, clash, "code_in_use" });
                        if (r < 0)
                                goto fail;
                        continue;
                }
                if (free_slots == 0) {
                        /* Make room: evict the code of the latest check-in that has not started yet. */
                        ssize_t victim = -1;

                        for (size_t k = 0; k < p.n; k++) {
                                const struct lc_step *s = &p.steps[k];

                                if ((s->kind == LC_STEP_KEEP || s->kind == LC_STEP_UPDATE) &&
                                    targets[s->target].check_in > now && targets[s->target].check_in > g->check_in &&
                                    (victim < 0 || targets[s->target].check_in > targets[p.steps[victim].target].check_in))
                                        victim = (ssize_t)k;
                        }
                        if (victim >= 0) {
                                struct lc_step *s = &p.steps[victim];

                                s->kind = LC_STEP_REMOVE;
                                s->reason = "evicted";
                                removed[s->code] = true;
                                r = push(&p, &cap, (struct lc_step){ LC_STEP_NO_SPACE, s->target, s->row, -1, "no_space" });
                                if (r < 0)
                                        goto fail;
                                free_slots++;
                        }
                }
                if (free_slots == 0) {
                        r = push(&p, &cap, (struct lc_step){ LC_STEP_NO_SPACE, (ssize_t)t, row, -1, "no_space" });
                } else {
                        free_slots--;
                        r = push(&p, &cap, (struct lc_step){ LC_STEP_ADD, (ssize_t)t, row, clash, clash >= 0 ? "redraw" : NULL });
                }
                if (r < 0)
                        goto fail;
        }

        /* Execution order: removals free space first; stable within a rank. */
        for (size_t i = 1; i < p.n; i++) {
                struct lc_step s = p.steps[i];
                size_t k = i;

                while (k > 0 && step_rank(p.steps[k - 1].kind) > step_rank(s.kind)) {
                        p.steps[k] = p.steps[k - 1];
                        k--;
                }
                p.steps[k] = s;
        }
        *ret = p;
        return 0;
fail:
        free(p.steps);
        return r;
}

void lc_plan_done(struct lc_plan *p)
{
        free(p->steps);
        *p = (struct lc_plan){ 0 };
}

/* ---- results --------------------------------------------------------------------------------- */

static struct lc_item *item_add(struct lc_lock_result *res, enum lc_outcome outcome, const char *grant,
                                uint16_t code_id, const char *name, const char *reason)
{
        struct lc_item *v, *it;

        v = realloc(res->items, (res->n_items + 1) * sizeof(*v));
        if (!v)
                return NULL;
        res->items = v;
        it = &v[res->n_items++];
        *it = (struct lc_item){ .outcome = outcome, .code_id = code_id };
        snprintf(it->grant, sizeof(it->grant), "%s", grant ? grant : "");
        snprintf(it->name, sizeof(it->name), "%s", name ? name : "");
        snprintf(it->reason, sizeof(it->reason), "%s", reason ? reason : "");
        res->count[outcome]++;
        return it;
}

static void item_times(struct lc_item *it, const struct grant_target *t)
{
        if (it && t) {
                it->check_in = t->check_in;
                it->check_out = t->check_out;
        }
}

void lc_lock_result_done(struct lc_lock_result *r)
{
        free(r->items);
        r->items = NULL;
        r->n_items = 0;
}

struct lc_result *lc_result_free(struct lc_result *r)
{
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_locks; i++)
                lc_lock_result_done(&r->locks[i]);
        free(r->locks);
        free(r);
        return NULL;
}

void lc_result_freep(struct lc_result **r)
{
        *r = lc_result_free(*r);
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
        char buf[40];

        time_format_utc(t, buf, sizeof(buf));
        cJSON_AddStringToObject(o, key, buf);
}

cJSON *lc_lock_result_json(const struct lc_lock_result *r)
{
        cJSON *o = cJSON_CreateObject(), *items, *counts;

        if (!o)
                return NULL;
        cJSON_AddStringToObject(o, "lock", r->lock);
        cJSON_AddBoolToObject(o, "reached", r->reached);
        cJSON_AddBoolToObject(o, "complete", r->complete);
        if (r->error) {
                cJSON_AddStringToObject(o, "error", r->error_msg[0] ? r->error_msg : strerror(-r->error));
                cJSON_AddNumberToObject(o, "errno", -r->error);
        }
        if (r->reached) {
                cJSON_AddNumberToObject(o, "codes_before", r->codes_before);
                cJSON_AddNumberToObject(o, "codes_after", r->codes_after);
                cJSON_AddNumberToObject(o, "capacity", CODES_MAX);
                cJSON_AddNumberToObject(o, "clock_drift", (double)r->clock_drift);
                cJSON_AddBoolToObject(o, "clock_set", r->clock_set);
        }
        cJSON_AddNumberToObject(o, "scheduled", r->scheduled);
        counts = cJSON_AddObjectToObject(o, "counts");
        for (int k = LC_PROVISIONED; k <= LC_UNMANAGED; k++)
                cJSON_AddNumberToObject(counts, lc_outcome_str((enum lc_outcome)k), r->count[k]);
        items = cJSON_AddArrayToObject(o, "items");
        for (size_t i = 0; i < r->n_items; i++) {
                const struct lc_item *it = &r->items[i];
                cJSON *j = cJSON_CreateObject();

                cJSON_AddStringToObject(j, "outcome", lc_outcome_str(it->outcome));
                if (it->grant[0])
                        cJSON_AddStringToObject(j, "grant", it->grant);
                if (it->code_id)
                        cJSON_AddNumberToObject(j, "code_id", it->code_id);
                if (it->name[0])
                        cJSON_AddStringToObject(j, "name", it->name);
                if (it->reason[0])
                        cJSON_AddStringToObject(j, "reason", it->reason);
                if (it->check_in)
                        add_time(j, "check_in", it->check_in);
                if (it->check_out)
                        add_time(j, "check_out", it->check_out);
                cJSON_AddItemToArray(items, j);
        }
        return o;
}

cJSON *lc_result_json(const struct lc_result *r)
{
        cJSON *o = cJSON_CreateObject(), *locks;

        if (!o)
                return NULL;
        add_time(o, "now", r->now);
        cJSON_AddBoolToObject(o, "complete", r->complete);
        if (r->next_run != INT64_MAX)
                add_time(o, "next_run", r->next_run);
        else
                cJSON_AddNullToObject(o, "next_run");
        locks = cJSON_AddArrayToObject(o, "locks");
        for (size_t i = 0; i < r->n_locks; i++)
                cJSON_AddItemToArray(locks, lc_lock_result_json(&r->locks[i]));
        return o;
}

/* ---- executing a plan ---------------------------------------------------------------------- */

struct rc {
        struct session *s;
        struct db *db;
        const char *lock;
        int64_t now;
        const struct lifecycle_opts *o;
        struct lc_lock_result *res;
        struct lk_keypad_code *codes;
        size_t n_codes;
        struct grant_target *targets;
        size_t n_targets;
        struct grant_code *rows;
        size_t n_rows;
        bool dead;     /* the link failed for good: the rest is pending */
        bool redrawn;  /* a grant got a new code: its other locks need a visit */
};

/* Row change + event, in one transaction. event may be NULL (row only). */
static int commit(struct rc *x, const struct grant_code *row, bool forget, const char *event, cJSON *payload)
{
        sqlite3_stmt *st;
        int r;

        r = db_exec(x->db, "BEGIN IMMEDIATE");
        if (r < 0)
                goto out;
        if (forget) {
                r = db_errno(sqlite3_prepare_v2(db_handle(x->db),
                                                        "DELETE FROM lc_grant_codes WHERE grant_id = ? AND lock = ?", -1,
                                                        &st, NULL));
                if (r >= 0) {
                        sqlite3_bind_text(st, 1, row->grant, -1, SQLITE_STATIC);
                        sqlite3_bind_text(st, 2, x->lock, -1, SQLITE_STATIC);
                        r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
                        sqlite3_finalize(st);
                }
        } else if (row)
                r = grants_code_put(x->db, x->lock, row, x->now);
        if (r >= 0 && event) {
                cJSON_AddStringToObject(payload, "lock", x->lock);
                r = outbox_add(x->db, event, x->lock, payload, NULL);
        }
        if (r >= 0)
                r = db_exec(x->db, "COMMIT");
        if (r < 0)
                (void)db_exec(x->db, "ROLLBACK");
out:
        cJSON_Delete(payload);
        return r;
}

static cJSON *payload_new(const char *grant, uint16_t code_id)
{
        cJSON *p = cJSON_CreateObject();

        if (!p)
                return NULL;
        if (grant)
                cJSON_AddStringToObject(p, "grant", grant);
        if (code_id)
                cJSON_AddNumberToObject(p, "code_id", code_id);
        return p;
}

static cJSON *payload_provisioned(const char *grant, const struct lk_keypad_code *rec, const char *change)
{
        cJSON *p = payload_new(grant, rec->id);
        char buf[40];
        int64_t t;

        if (!p)
                return NULL;
        cJSON_AddStringToObject(p, "name", rec->name);
        cJSON_AddStringToObject(p, "change", change);
        if (rec->window.time_limited) {
                if (lk_datetime_to_unix(&rec->window.from, &t) >= 0)
                        add_time(p, "valid_from", t);
                if (lk_datetime_to_unix(&rec->window.until, &t) >= 0)
                        add_time(p, "valid_until", t);
                time_format_weekdays(rec->window.weekdays, buf, sizeof(buf));
                cJSON_AddStringToObject(p, "weekdays", buf);
                snprintf(buf, sizeof(buf), "%02u:%02u-%02u:%02u", rec->window.from_time.hour, rec->window.from_time.minute,
                         rec->window.until_time.hour, rec->window.until_time.minute);
                cJSON_AddStringToObject(p, "daily", buf);
        }
        cJSON_AddBoolToObject(p, "verified", true);
        return p;
}

static const struct grant_code *step_row(const struct rc *x, const struct lc_step *s)
{
        return s->row >= 0 ? &x->rows[s->row] : NULL;
}

static const char *step_grant(const struct rc *x, const struct lc_step *s)
{
        if (s->target >= 0)
                return x->targets[s->target].grant;
        if (s->row >= 0)
                return x->rows[s->row].grant;
        return NULL;
}

/* Record a provisioned code (row + event) unless the row says exactly that already. */
static int record_provisioned(struct rc *x, const struct lc_step *s, const struct lk_keypad_code *rec,
                              const char *change, enum lc_outcome outcome)
{
        const struct grant_code *old = step_row(x, s);
        const struct grant_target *t = s->target >= 0 ? &x->targets[s->target] : NULL;
        struct grant_code row = { .state = GRANT_CODE_PROVISIONED, .code_id = rec->id, .rec = *rec };
        struct lc_item *it;
        int r = 0;

        snprintf(row.grant, sizeof(row.grant), "%s", step_grant(x, s));
        row.rec.id = rec->id;
        if (!(old && old->state == GRANT_CODE_PROVISIONED && old->code_id == rec->id && codes_same(&old->rec, rec) &&
              streq(old->grant, row.grant))) {
                if (outcome == LC_UNCHANGED) {
                        /* On the lock as wanted, but not (so) in our rows: a crash after the write. */
                        change = old && old->state == GRANT_CODE_PROVISIONED && old->code_id == rec->id ? "updated" : "found";
                        outcome = streq(change, "found") ? LC_PROVISIONED : LC_UPDATED;
                }
                r = commit(x, &row, false, "code.provisioned", payload_provisioned(row.grant, rec, change));
        }
        sodium_memzero(&row, sizeof(row));
        if (r < 0)
                return r;
        it = item_add(x->res, outcome, step_grant(x, s), rec->id, rec->name, outcome == LC_UNCHANGED ? NULL : change);
        item_times(it, t);
        return 0;
}

/* Record a failure: the row says failed (reason), an event once per new reason. */
static int record_failed(struct rc *x, const struct lc_step *s, enum lc_outcome outcome, const char *reason,
                         const char *detail)
{
        const struct grant_code *old = step_row(x, s);
        const struct grant_target *t = s->target >= 0 ? &x->targets[s->target] : NULL;
        struct grant_code row = { .state = GRANT_CODE_FAILED };
        struct lc_item *it;
        int r = 0;

        snprintf(row.grant, sizeof(row.grant), "%s", step_grant(x, s));
        snprintf(row.reason, sizeof(row.reason), "%s", reason);
        if (!(old && old->state == GRANT_CODE_FAILED && streq(old->reason, reason))) {
                cJSON *p = payload_new(row.grant, 0);

                if (p) {
                        cJSON_AddStringToObject(p, "reason", reason);
                        if (detail)
                                cJSON_AddStringToObject(p, "detail", detail);
                        if (t)
                                add_time(p, "check_in", t->check_in);
                }
                r = commit(x, &row, false, "code.failed", p);
                if (r < 0)
                        return r;
        }
        it = item_add(x->res, outcome, row.grant, 0, t ? t->rec.name : NULL, detail ? detail : reason);
        if (it && detail)
                snprintf(it->reason, sizeof(it->reason), "%s: %s", reason, detail);
        item_times(it, t);
        return 0;
}

static int removal_reason(struct rc *x, const struct lc_step *s, const char *grant, char *buf, size_t size)
{
        sqlite3_stmt *st;
        int r;

        if (s->reason) {
                snprintf(buf, size, "%s", s->reason);
                return 0;
        }
        r = db_errno(sqlite3_prepare_v2(db_handle(x->db), "SELECT status FROM lc_grants WHERE id = ?", -1, &st, NULL));
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, grant, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
                snprintf(buf, size, "%s",
                         streq((const char *)sqlite3_column_text(st, 0), "cancelled") ? "cancelled" : "no_access");
        else
                snprintf(buf, size, "deleted");
        sqlite3_finalize(st);
        return 0;
}

static int do_remove(struct rc *x, const struct lc_step *s)
{
        const struct lk_keypad_code *c = &x->codes[s->code];
        const struct grant_code *old = step_row(x, s);
        struct grant_code row = { .state = GRANT_CODE_REMOVED, .code_id = c->id };
        struct codes_outcome out = { 0 };
        char reason[GRANTS_REASON_MAX + 1];
        const char *grant;
        cJSON *p;
        int r;

        grant = old ? old->grant : step_grant(x, s);
        if (!grant) { /* found by value and name for a grant that is gone: its name tells */
                for (size_t i = 0; i < x->n_targets && !grant; i++)
                        if (x->targets[i].rec.code == c->code)
                                grant = x->targets[i].grant;
        }
        r = removal_reason(x, s, grant ? grant : "", reason, sizeof(reason));
        if (r < 0)
                return r;
        r = codes_remove(x->s, c->id, &out);
        if (r < 0 && r != -ENOENT) {
                if (is_link_error(r)) {
                        x->dead = true;
                        x->res->error = r;
                        item_add(x->res, LC_PENDING, grant, c->id, c->name, "remove: the link failed");
                        return 0;
                }
                item_add(x->res, LC_FAILED, grant, c->id, c->name, "remove failed");
                snprintf(x->res->items[x->res->n_items - 1].reason, GRANTS_REASON_MAX + 1, "remove failed: %s", strerror(-r));
                return 0;
        }
        snprintf(row.grant, sizeof(row.grant), "%s", grant ? grant : "");
        snprintf(row.reason, sizeof(row.reason), "%s", reason);
        p = payload_new(row.grant, c->id);
        if (p)
                cJSON_AddStringToObject(p, "reason", reason);
        /* A duplicate's grant keeps its other code: only the event, the row stays. */
        r = commit(x, streq(reason, "duplicate") ? NULL : &row, false, "code.removed", p);
        if (r < 0)
                return r;
        item_add(x->res, LC_REMOVED, row.grant, c->id, c->name, reason);
        return 0;
}

static int do_forget(struct rc *x, const struct lc_step *s)
{
        const struct grant_code *old = step_row(x, s);
        struct grant_code row = { .state = GRANT_CODE_REMOVED, .code_id = old->code_id };
        cJSON *p;
        int r;

        if (old->state == GRANT_CODE_FAILED) /* never on the lock and not wanted any more */
                return commit(x, old, true, NULL, NULL);
        snprintf(row.grant, sizeof(row.grant), "%s", old->grant);
        snprintf(row.reason, sizeof(row.reason), "gone");
        p = payload_new(row.grant, old->code_id);
        if (p)
                cJSON_AddStringToObject(p, "reason", "gone");
        r = commit(x, &row, false, "code.removed", p);
        if (r < 0)
                return r;
        item_add(x->res, LC_REMOVED, row.grant, old->code_id, old->rec.name, "gone");
        return 0;
}

/* Map a codes.c failure of a write; 0 when handled (item added), < 0 for local errors. */
static int write_failed(struct rc *x, const struct lc_step *s, int error, enum lk_code_problem problem,
                        const struct codes_outcome *out)
{
        char detail[96];

        if (is_link_error(error)) {
                const struct grant_target *t = s->target >= 0 ? &x->targets[s->target] : NULL;

                x->dead = true;
                x->res->error = error;
                item_times(item_add(x->res, LC_PENDING, step_grant(x, s), 0, t ? t->rec.name : NULL, "the link failed"), t);
                return 0;
        }
        switch (error) {
        case -ENOSPC:
                return record_failed(x, s, LC_NO_SPACE, "no_space", NULL);
        case -EEXIST:
                snprintf(detail, sizeof(detail), "another code on the lock (id %u) has the same value", out->id);
                return record_failed(x, s, LC_FAILED, "code_in_use", detail);
        case -EINVAL:
                return record_failed(x, s, LC_FAILED, "invalid", lk_code_problem_str(problem));
        case -EIO:
                return record_failed(x, s, LC_FAILED, "verify_failed", "the lock accepted the write but reads back something else");
        case -EREMOTEIO:
                snprintf(detail, sizeof(detail), "the lock refused it (error 0x%02X)", session_remote_error(x->s));
                return record_failed(x, s, LC_FAILED, "refused", detail);
        default:
                return record_failed(x, s, LC_FAILED, "error", strerror(-error));
        }
}

static int redraw(struct rc *x, struct grant_target *t)
{
        _cleanup_free_ uint32_t *avoid = calloc(x->n_codes + 1, sizeof(uint32_t));
        uint32_t code;
        int r;

        if (!avoid)
                return -ENOMEM;
        for (size_t i = 0; i < x->n_codes; i++)
                avoid[i] = x->codes[i].code;
        r = grants_redraw_code(x->db, t->grant, avoid, x->n_codes, &code);
        sodium_memzero(avoid, x->n_codes * sizeof(uint32_t));
        if (r < 0)
                return r;
        t->rec.code = code;
        x->redrawn = true;
        return 0;
}

static int do_add(struct rc *x, const struct lc_step *s)
{
        struct grant_target *t = &x->targets[s->target];
        struct codes_outcome out = { 0 };
        enum lk_code_problem problem = LK_CODE_OK;
        bool redrawn = false;
        int r;

        if (s->reason && streq(s->reason, "redraw")) {
                r = redraw(x, t);
                if (r < 0)
                        return r;
                redrawn = true;
        }
        for (;;) {
                r = codes_add(x->s, &t->rec, &problem, &out);
                if (r == -EEXIST && t->may_redraw && !redrawn) {
                        /* A generated code met a code we did not know of: draw another. */
                        r = redraw(x, t);
                        if (r < 0)
                                return r;
                        redrawn = true;
                        continue;
                }
                break;
        }
        if (r < 0)
                return write_failed(x, s, r, problem, &out);
        out.record.id = out.id;
        r = record_provisioned(x, s, &out.record, out.already ? "found" : "added", LC_PROVISIONED);
        sodium_memzero(&out, sizeof(out));
        return r;
}

static int do_update(struct rc *x, const struct lc_step *s)
{
        const struct grant_target *t = &x->targets[s->target];
        const struct lk_keypad_code *c = &x->codes[s->code];
        struct code_changes ch = {
                .set_code = true, .set_name = true, .set_enabled = true, .enabled = true,
                .window_from = true, .window_until = true, .window_weekdays = true, .window_daily = true,
                .code = t->rec.code, .window = t->rec.window,
        };
        struct codes_outcome out = { 0 };
        enum lk_code_problem problem = LK_CODE_OK;
        int r;

        memcpy(ch.name, t->rec.name, sizeof(ch.name));
        r = codes_update(x->s, c->id, &ch, &problem, &out);
        sodium_memzero(&ch, sizeof(ch));
        if (r == -ENOENT) /* removed under us: the next run adds it again */
                return record_failed(x, s, LC_FAILED, "gone", "the code disappeared from the lock during the update");
        if (r < 0)
                return write_failed(x, s, r, problem, &out);
        out.record.id = c->id;
        r = record_provisioned(x, s, &out.record, "updated", LC_UPDATED);
        sodium_memzero(&out, sizeof(out));
        return r;
}

static int do_unmanaged(struct rc *x, const struct lc_step *s)
{
        const struct lk_keypad_code *c = &x->codes[s->code];
        int r;

        r = db_exec(x->db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = grants_unmanaged_seen(x->db, x->lock, c->id, c->name, x->now);
        if (r > 0) {
                cJSON *p = payload_new(NULL, c->id);

                if (p) {
                        cJSON_AddStringToObject(p, "name", c->name);
                        cJSON_AddStringToObject(p, "lock", x->lock);
                        r = outbox_add(x->db, "code.unmanaged", x->lock, p, NULL);
                        cJSON_Delete(p);
                } else
                        r = -ENOMEM;
        }
        r = r >= 0 ? db_exec(x->db, "COMMIT") : r;
        if (r < 0) {
                (void)db_exec(x->db, "ROLLBACK");
                return r;
        }
        item_add(x->res, LC_UNMANAGED, NULL, c->id, c->name, "not created by latchkey: left alone");
        return 0;
}

static int run_step(struct rc *x, const struct lc_step *s)
{
        const struct grant_target *t = s->target >= 0 ? &x->targets[s->target] : NULL;

        if (x->dead && s->kind != LC_STEP_UNMANAGED && s->kind != LC_STEP_KEEP) {
                item_times(item_add(x->res, LC_PENDING, step_grant(x, s), s->code >= 0 ? x->codes[s->code].id : 0,
                                    t ? t->rec.name : NULL, "the link failed before this step"),
                           t);
                return 0;
        }
        switch (s->kind) {
        case LC_STEP_KEEP:
                return record_provisioned(x, s, &x->codes[s->code], "found", LC_UNCHANGED);
        case LC_STEP_UPDATE:
                return do_update(x, s);
        case LC_STEP_ADD:
                return do_add(x, s);
        case LC_STEP_REMOVE:
                return do_remove(x, s);
        case LC_STEP_FORGET:
                return do_forget(x, s);
        case LC_STEP_NO_SPACE:
                return record_failed(x, s, LC_NO_SPACE, "no_space", NULL);
        case LC_STEP_CONFLICT: {
                char detail[96];

                snprintf(detail, sizeof(detail), "another code on the lock (id %u) has the same value", x->codes[s->code].id);
                return record_failed(x, s, LC_FAILED, "code_in_use", detail);
        }
        case LC_STEP_UNMANAGED:
                return do_unmanaged(x, s);
        }
        return 0;
}

static void set_clock(struct rc *x)
{
        struct lk_keyturner_states st;
        int64_t t;
        int r;

        r = lockops_states(x->s, &st);
        if (r < 0) {
                if (is_link_error(r)) {
                        x->dead = true;
                        x->res->error = r;
                }
                return;
        }
        if (lk_datetime_to_unix(&st.current_time, &t) < 0)
                t = 0; /* not set */
        x->res->clock_drift = t - x->now;
        if (x->o->drift_max < 0 || (t && llabs(t - x->now) <= x->o->drift_max))
                return;
        r = lockops_set_time(x->s, x->now);
        if (r >= 0)
                x->res->clock_set = true;
        else if (is_link_error(r)) {
                x->dead = true;
                x->res->error = r;
        } else
                snprintf(x->res->error_msg, sizeof(x->res->error_msg), "could not set the lock's clock: %s", strerror(-r));
}

static void refresh_auths(struct rc *x)
{
        _cleanup_free_ struct lk_authorization_entry *v = calloc(LK_MAX_AUTHORIZATIONS, sizeof(*v));
        size_t n = 0;

        if (!v || lockops_auth_list(x->s, v, LK_MAX_AUTHORIZATIONS, &n) < 0)
                return; /* attribution falls back to the names the log entries carry */
        (void)grants_auth_names_replace(x->db, x->lock, v, n);
}

int lifecycle_reconcile_session(struct session *s, struct db *db, const char *lock, int64_t now,
                                const struct lifecycle_opts *o, struct lc_lock_result *ret)
{
        _cleanup_free_ struct lk_keypad_code *codes = calloc(CODES_MAX, sizeof(*codes));
        struct lc_lock_result res = { 0 };
        struct lc_plan plan = { 0 };
        struct rc x = { .s = s, .db = db, .lock = lock, .now = now, .o = o, .res = &res, .codes = codes };
        _cleanup_free_ uint16_t *unmanaged = NULL;
        size_t n_unmanaged = 0;
        int r;

        if (!codes)
                return -ENOMEM;
        snprintf(res.lock, sizeof(res.lock), "%s", lock);
        r = grants_init(db);
        if (r < 0)
                return r;
        r = grants_targets(db, lock, &x.targets, &x.n_targets);
        if (r < 0)
                return r;
        r = grants_codes(db, lock, &x.rows, &x.n_rows);
        if (r < 0)
                goto out;

        set_clock(&x);
        if (!x.dead) {
                r = lockops_codes_list(s, codes, CODES_MAX, &x.n_codes, NULL, NULL);
                if (r < 0) {
                        if (!is_link_error(r))
                                goto out;
                        x.dead = true;
                        res.error = r;
                }
        }
        if (x.dead) {
                /* Not reached: everything due stays pending. */
                for (size_t i = 0; i < x.n_targets; i++) {
                        const struct grant_target *t = &x.targets[i];

                        if (now >= t->check_in - target_lead(t, o) && now < t->check_out)
                                item_times(item_add(&res, LC_PENDING, t->grant, 0, t->rec.name, "lock not reached"), t);
                }
                snprintf(res.error_msg, sizeof(res.error_msg), "cannot reach the lock: %s", strerror(-res.error));
                r = 0;
                goto out;
        }
        res.reached = true;
        res.codes_before = (unsigned)x.n_codes;
        (void)db_codes_replace(db, lock, codes, x.n_codes); /* names by id, for `latchkey log` */

        r = lifecycle_plan(codes, x.n_codes, x.targets, x.n_targets, x.rows, x.n_rows, now, o, &plan);
        if (r < 0)
                goto out;
        res.scheduled = plan.scheduled;
        unmanaged = calloc(plan.n + 1, sizeof(*unmanaged));
        if (!unmanaged) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < plan.n; i++) {
                if (plan.steps[i].kind == LC_STEP_UNMANAGED)
                        unmanaged[n_unmanaged++] = codes[plan.steps[i].code].id;
                r = run_step(&x, &plan.steps[i]);
                if (r < 0)
                        goto out;
        }
        (void)grants_unmanaged_prune(db, lock, unmanaged, n_unmanaged);
        if (!x.dead && o->refresh_auths)
                refresh_auths(&x);
        res.complete = !x.dead;
        if (x.dead)
                snprintf(res.error_msg, sizeof(res.error_msg), "the link failed during reconcile: %s", strerror(-res.error));
        res.codes_after = res.codes_before;
        for (size_t i = 0; i < res.n_items; i++) {
                const struct lc_item *it = &res.items[i];

                if (it->outcome == LC_PROVISIONED && streq(it->reason, "added"))
                        res.codes_after++;
                else if (it->outcome == LC_REMOVED && !streq(it->reason, "gone"))
                        res.codes_after--;
        }
        r = 0;
out:
        lc_plan_done(&plan);
        sodium_memzero(codes, CODES_MAX * sizeof(*codes));
        if (x.targets)
                sodium_memzero(x.targets, x.n_targets * sizeof(*x.targets));
        if (x.rows)
                sodium_memzero(x.rows, x.n_rows * sizeof(*x.rows));
        free(x.targets);
        free(x.rows);
        if (r < 0) {
                lc_lock_result_done(&res);
                return r;
        }
        *ret = res;
        return x.redrawn ? 1 : 0;
}

/* A lock that cannot be visited: what is due stays pending, and says so. */
static void unreached(struct db *db, const char *lock, int64_t now, const struct lifecycle_opts *o, int error,
                      const char *msg, struct lc_lock_result *ret)
{
        struct lc_lock_result res = { .error = error };
        struct grant_target *t = NULL;
        size_t n = 0;

        snprintf(res.lock, sizeof(res.lock), "%s", lock);
        snprintf(res.error_msg, sizeof(res.error_msg), "%s", msg);
        if (grants_targets(db, lock, &t, &n) >= 0) {
                for (size_t i = 0; i < n; i++) {
                        if (now < t[i].check_in - target_lead(&t[i], o))
                                res.scheduled++;
                        else if (now < t[i].check_out)
                                item_times(item_add(&res, LC_PENDING, t[i].grant, 0, t[i].rec.name, "lock not reached"), &t[i]);
                }
                if (t)
                        sodium_memzero(t, n * sizeof(*t));
                free(t);
        }
        *ret = res;
}

static int reconcile_lock(sd_event *event, struct store *st, struct db *db, const char *lock, int64_t now,
                          const struct lifecycle_opts *o, struct lc_lock_result *ret)
{
        struct lk_creds creds;
        struct session *s = NULL;
        char msg[160];
        int r;

        r = store_creds_get(st, lock, &creds);
        if (r < 0) {
                snprintf(msg, sizeof(msg), r == -ENOENT ? "no paired lock named '%s'" : "cannot read the credentials of '%s'",
                         lock);
                unreached(db, lock, now, o, r, msg, ret);
                return 0;
        }
        r = agent_session_open(event, &creds, o->adapter, o->session, &s);
        lk_creds_wipe(&creds);
        if (r < 0) {
                snprintf(msg, sizeof(msg), "cannot reach the lock: %s", strerror(-r));
                unreached(db, lock, now, o, r, msg, ret);
                return 0;
        }
        r = lifecycle_reconcile_session(s, db, lock, now, o, ret);
        session_free(s);
        return r;
}

static void merge(struct lc_lock_result *a, struct lc_lock_result *b)
{
        /* A second visit (after a code was redrawn elsewhere): keep what it changed. */
        for (size_t i = 0; i < b->n_items; i++) {
                const struct lc_item *it = &b->items[i];
                struct lc_item *n;

                if (it->outcome == LC_UNCHANGED || it->outcome == LC_UNMANAGED)
                        continue;
                n = item_add(a, it->outcome, it->grant, it->code_id, it->name, it->reason);
                if (n)
                        *n = *it;
        }
        a->codes_after = b->codes_after;
        a->complete = a->complete && b->complete;
        if (b->error)
                a->error = b->error;
        lc_lock_result_done(b);
}

int lifecycle_reconcile(sd_event *event, struct store *st, struct db *db, const char *lock, int64_t now,
                        const struct lifecycle_opts *o, struct lc_result **ret)
{
        _cleanup_(lc_result_freep) struct lc_result *res = calloc(1, sizeof(*res));
        sd_event *own = NULL;
        char **locks = NULL;
        bool redrawn = false;
        size_t n = 0;
        int r;

        if (!res)
                return -ENOMEM;
        r = grants_init(db);
        if (r < 0)
                return r;
        if (lock) {
                locks = calloc(2, sizeof(char *));
                if (!locks || !(locks[0] = strdup(lock))) {
                        strv_free(locks);
                        return -ENOMEM;
                }
        } else {
                r = grants_locks(db, &locks);
                if (r < 0)
                        return r;
        }
        if (!event) {
                r = sd_event_default(&own);
                if (r < 0) {
                        strv_free(locks);
                        return r;
                }
                event = own;
        }
        while (locks[n])
                n++;
        res->locks = calloc(n + 1, sizeof(*res->locks));
        if (!res->locks) {
                r = -ENOMEM;
                goto out;
        }
        res->now = now;
        res->complete = true;
        for (size_t i = 0; i < n; i++) {
                r = reconcile_lock(event, st, db, locks[i], now, o, &res->locks[i]);
                if (r < 0)
                        goto out;
                res->n_locks = i + 1;
                redrawn = redrawn || r > 0;
        }
        if (redrawn) /* one more visit so every lock has the new code */
                for (size_t i = 0; i < n; i++) {
                        struct lc_lock_result again = { 0 };

                        if (!res->locks[i].reached)
                                continue;
                        r = reconcile_lock(event, st, db, locks[i], now, o, &again);
                        if (r < 0)
                                goto out;
                        merge(&res->locks[i], &again);
                }
        for (size_t i = 0; i < n; i++)
                res->complete = res->complete && res->locks[i].complete;
        r = lifecycle_next_run(db, now, o, &res->next_run);
        if (r < 0)
                goto out;
        *ret = TAKE_PTR(res);
        r = 0;
out:
        strv_free(locks);
        sd_event_unref(own);
        return r;
}

int lifecycle_next_run(struct db *db, int64_t now, const struct lifecycle_opts *o, int64_t *ret)
{
        int r = grants_init(db);

        if (r < 0)
                return r;
        return grants_next_boundary(db, now, o->lead, o->grace, ret);
}

/* ---- attribution ------------------------------------------------------------------------------ */

int lifecycle_attribute(struct db *db, const char *lock, const struct lk_log_entry *e, struct lc_attribution *ret)
{
        struct lc_attribution a = { 0 };
        int64_t at = 0;
        int r;

        r = grants_init(db);
        if (r < 0)
                return r;
        if (e->type == LK_LOG_KEYPAD_ACTION) {
                if (lk_datetime_to_unix(&e->timestamp, &at) < 0)
                        at = 0;
                r = grants_code_owner(db, lock, e->data.keypad.code_id, at, a.grant, a.guest);
                if (r < 0)
                        return r;
                *ret = a;
                return 0;
        }
        if (e->auth_id == 0)
                return -ENOENT;
        r = grants_auth_name(db, lock, e->auth_id, a.auth_name);
        if (r == -ENOENT && e->name[0]) {
                snprintf(a.auth_name, sizeof(a.auth_name), "%s", e->name);
                r = 0;
        }
        if (r < 0)
                return r;
        *ret = a;
        return 0;
}

void lifecycle_attribute_json(struct db *db, const char *lock, const struct lk_log_entry *e, cJSON *obj)
{
        struct lc_attribution a;

        if (lifecycle_attribute(db, lock, e, &a) < 0)
                return;
        if (a.grant[0]) {
                cJSON_AddStringToObject(obj, "grant", a.grant);
                cJSON_AddStringToObject(obj, "guest", a.guest);
        }
        if (a.auth_name[0])
                cJSON_AddStringToObject(obj, "auth_name", a.auth_name);
}
