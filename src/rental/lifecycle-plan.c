/* SPDX-License-Identifier: MIT */
/*
 * The plan (pure): the codes on a lock, the desired state and our rows at time now → the steps,
 * in execution order. No I/O: tests call it with made-up tables. Grants and rows are found by
 * binary search, so a lock with 10,000 bookings plans in n log n.
 *
 * Changeovers (docs/grants.md "Changeovers"): when the value of a code that is ours for grant A
 * is wanted by the next grant B on the lock, B's code opens from B's check-in: at
 * max(B's check-in − lead, A's check-out) the record is rewritten in place to B's (HANDOVER, one
 * Update Keypad Code, same id); before that B waits (WAIT: pending, never failed). A's grace never
 * delays B.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "codes.h"
#include "lifecycle-private.h"
#include "util.h"

int64_t lc_target_lead(const struct grant_target *t, const struct lifecycle_opts *o)
{
        return t->lead >= 0 ? t->lead : o->lead;
}

ssize_t lc_find_target(const struct grant_target *t, size_t n, const char *grant)
{
        for (size_t i = 0; i < n; i++)
                if (streq(t[i].grant, grant))
                        return (ssize_t)i;
        return -1;
}

struct planner {
        const struct lk_keypad_code *codes;
        size_t n_codes;
        const struct grant_target *targets;
        size_t n_targets;
        const struct grant_code *rows;
        size_t n_rows;
        int64_t now;
        const struct lifecycle_opts *o;
        size_t *t_by_id, *r_by_id;  /* target and row indexes, sorted by grant id */
        ssize_t *code_row, *code_target, *claimed; /* code → row, code → target, target → code */
        bool *row_seen, *removed;
        size_t n_removed;
        struct lc_plan p;
        size_t cap;
};

static const struct planner *sort_ctx; /* qsort has no context argument; the plan is not reentrant */

static int cmp_t(const void *a, const void *b)
{
        return strcmp(sort_ctx->targets[*(const size_t *)a].grant, sort_ctx->targets[*(const size_t *)b].grant);
}

static int cmp_r(const void *a, const void *b)
{
        return strcmp(sort_ctx->rows[*(const size_t *)a].grant, sort_ctx->rows[*(const size_t *)b].grant);
}

/* The target of a grant, or -1. */
static ssize_t target_of(const struct planner *pl, const char *grant)
{
        size_t lo = 0, hi = pl->n_targets;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(pl->targets[pl->t_by_id[mid]].grant, grant);

                if (c == 0)
                        return (ssize_t)pl->t_by_id[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return -1;
}

/* A row of the grant not matched to a code yet, or -1. */
static ssize_t free_row_of(const struct planner *pl, const char *grant)
{
        size_t lo = 0, hi = pl->n_rows;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;

                if (strcmp(pl->rows[pl->r_by_id[mid]].grant, grant) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (; lo < pl->n_rows && streq(pl->rows[pl->r_by_id[lo]].grant, grant); lo++)
                if (!pl->row_seen[pl->r_by_id[lo]])
                        return (ssize_t)pl->r_by_id[lo];
        return -1;
}

static int push(struct planner *pl, struct lc_step s)
{
        if (pl->p.n == pl->cap) {
                struct lc_step *v = realloc(pl->p.steps, (pl->cap = pl->cap ? pl->cap * 2 : 32) * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                pl->p.steps = v;
        }
        pl->p.steps[pl->p.n++] = s;
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
        case LC_STEP_HANDOVER:
                return 1;
        case LC_STEP_ADD:
                return 2;
        case LC_STEP_NO_SPACE:
        case LC_STEP_CONFLICT:
        case LC_STEP_WAIT:
                return 3;
        case LC_STEP_UNMANAGED:
                return 4;
        }
        return 5;
}

/* When the record of a (ours, for target a, or for a grant that is gone when a < 0) may pass to
 * target b: max(b's check-in − lead, a's check-out). */
static int64_t changeover_at(const struct planner *pl, ssize_t a, size_t b)
{
        int64_t due = pl->targets[b].check_in - lc_target_lead(&pl->targets[b], pl->o);
        int64_t out = a >= 0 ? pl->targets[a].check_out : due;

        return due > out ? due : out;
}

/* The earliest due grant (other than a) that wants the value of code i and may take it over now. */
static ssize_t next_holder(const struct planner *pl, size_t i, ssize_t a)
{
        for (size_t t = 0; t < pl->n_targets; t++) { /* by check-in */
                const struct grant_target *g = &pl->targets[t];

                if ((ssize_t)t == a || pl->claimed[t] >= 0 || g->rec.code != pl->codes[i].code)
                        continue;
                if (a >= 0 && g->check_in < pl->targets[a].check_in)
                        continue; /* an earlier stay never takes over a later one's record */
                if (pl->now >= pl->targets[t].check_out || pl->now < changeover_at(pl, a, t))
                        continue;
                return (ssize_t)t;
        }
        return -1;
}

/* Whose is each code on the lock? By our row (id and value), else by value and name. */
static int classify_code(struct planner *pl, size_t i)
{
        const struct lk_keypad_code *c = &pl->codes[i];
        const char *owner = NULL;
        ssize_t t, b;

        pl->code_row[i] = pl->code_target[i] = -1;
        for (size_t j = 0; j < pl->n_rows && !owner; j++)
                if (pl->rows[j].state == GRANT_CODE_PROVISIONED && !pl->row_seen[j] && pl->rows[j].code_id == c->id &&
                    pl->rows[j].rec.code == c->code) {
                        pl->code_row[i] = (ssize_t)j;
                        owner = pl->rows[j].grant;
                }
        for (size_t j = 0; j < pl->n_rows && !owner; j++)
                if (pl->rows[j].state == GRANT_CODE_PROVISIONED && !pl->row_seen[j] && pl->rows[j].rec.code == c->code &&
                    streq(pl->rows[j].rec.name, c->name)) {
                        pl->code_row[i] = (ssize_t)j;
                        owner = pl->rows[j].grant;
                }
        for (size_t k = 0; k < pl->n_targets && !owner; k++)
                if (pl->targets[k].rec.code == c->code && streq(pl->targets[k].rec.name, c->name))
                        owner = pl->targets[k].grant;
        if (pl->code_row[i] >= 0)
                pl->row_seen[pl->code_row[i]] = true;
        if (!owner)
                return push(pl, (struct lc_step){ LC_STEP_UNMANAGED, -1, -1, (ssize_t)i, NULL, 0 });
        t = pl->code_target[i] = target_of(pl, owner);
        if (pl->code_row[i] < 0) { /* found without a row: the row of the same grant, if any */
                pl->code_row[i] = free_row_of(pl, owner);
                if (pl->code_row[i] >= 0)
                        pl->row_seen[pl->code_row[i]] = true;
        }
        /* The next guest with the same value takes the record over, whatever A's grace says. */
        b = next_holder(pl, i, t);
        if (b >= 0 && (t < 0 || pl->claimed[t] < 0)) {
                pl->claimed[b] = (ssize_t)i;
                return push(pl, (struct lc_step){ LC_STEP_HANDOVER, b, pl->code_row[i], (ssize_t)i, "handed_over",
                                                  changeover_at(pl, t, (size_t)b) });
        }
        if (t < 0)
                return push(pl, (struct lc_step){ LC_STEP_REMOVE, -1, pl->code_row[i], (ssize_t)i, NULL, 0 });
        if (pl->claimed[t] >= 0)
                return push(pl, (struct lc_step){ LC_STEP_REMOVE, t, pl->code_row[i], (ssize_t)i, "duplicate", 0 });
        if (pl->now >= pl->targets[t].check_out + pl->o->grace)
                return push(pl, (struct lc_step){ LC_STEP_REMOVE, t, pl->code_row[i], (ssize_t)i, "expired", 0 });
        pl->claimed[t] = (ssize_t)i;
        return push(pl, (struct lc_step){ codes_same(c, &pl->targets[t].rec) ? LC_STEP_KEEP : LC_STEP_UPDATE, t,
                                          pl->code_row[i], (ssize_t)i, NULL, 0 });
}

/* Rows whose code is not on the lock, and not wanted any more. */
static int forget_rows(struct planner *pl)
{
        for (size_t j = 0; j < pl->n_rows; j++) {
                ssize_t t;
                int r;

                if (pl->row_seen[j] || pl->rows[j].state == GRANT_CODE_REMOVED)
                        continue;
                t = target_of(pl, pl->rows[j].grant);
                if (t >= 0 && pl->now < pl->targets[t].check_out)
                        continue; /* still wanted: it is (re-)added below, and this row rewritten */
                r = push(pl, (struct lc_step){ LC_STEP_FORGET, t, (ssize_t)j, -1, "gone", 0 });
                if (r < 0)
                        return r;
        }
        return 0;
}

/* To make room for target g: the code of the latest check-in that has not started yet. */
static bool evict_for(struct planner *pl, const struct grant_target *g)
{
        ssize_t victim = -1;
        struct lc_step *s;

        for (size_t k = 0; k < pl->p.n; k++) {
                const struct lc_step *v = &pl->p.steps[k];

                if ((v->kind == LC_STEP_KEEP || v->kind == LC_STEP_UPDATE) && pl->targets[v->target].check_in > pl->now &&
                    pl->targets[v->target].check_in > g->check_in &&
                    (victim < 0 || pl->targets[v->target].check_in > pl->targets[pl->p.steps[victim].target].check_in))
                        victim = (ssize_t)k;
        }
        if (victim < 0)
                return false;
        s = &pl->p.steps[victim];
        s->kind = LC_STEP_REMOVE;
        s->reason = "evicted";
        pl->removed[s->code] = true;
        return push(pl, (struct lc_step){ LC_STEP_NO_SPACE, s->target, s->row, -1, "no_space", 0 }) >= 0;
}

/* Wanted and not there: adds, earliest check-in first (targets come sorted so). */
static int plan_adds(struct planner *pl, size_t free_slots)
{
        for (size_t t = 0; t < pl->n_targets; t++) {
                const struct grant_target *g = &pl->targets[t];
                ssize_t row, clash = -1;
                int r;

                if (pl->claimed[t] >= 0)
                        continue;
                if (pl->now < g->check_in - lc_target_lead(g, pl->o)) {
                        pl->p.scheduled++;
                        continue;
                }
                if (pl->now >= g->check_out)
                        continue; /* over: a code now would open nothing */
                row = free_row_of(pl, g->grant);
                for (size_t i = 0; i < pl->n_codes && clash < 0; i++)
                        if (pl->codes[i].code == g->rec.code && !pl->removed[i])
                                clash = (ssize_t)i;
                if (clash >= 0 && (pl->code_row[clash] >= 0 || pl->code_target[clash] >= 0)) {
                        /* Ours for an earlier stay: B opens from its check-in, after the changeover. */
                        r = push(pl, (struct lc_step){ LC_STEP_WAIT, (ssize_t)t, row, clash, "changeover",
                                                       changeover_at(pl, pl->code_target[clash], t) });
                } else if (clash >= 0) {
                        r = push(pl, (struct lc_step){ LC_STEP_CONFLICT, (ssize_t)t, row, clash, "code_in_use", 0 });
                } else if (free_slots == 0 && !evict_for(pl, g)) {
                        r = push(pl, (struct lc_step){ LC_STEP_NO_SPACE, (ssize_t)t, row, -1, "no_space", 0 });
                } else {
                        free_slots = free_slots ? free_slots - 1 : 0;
                        r = push(pl, (struct lc_step){ LC_STEP_ADD, (ssize_t)t, row, -1, NULL, 0 });
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Execution order: removals free space first; stable within a rank. */
static void order_steps(struct lc_plan *p)
{
        for (size_t i = 1; i < p->n; i++) {
                struct lc_step s = p->steps[i];
                size_t k = i;

                while (k > 0 && step_rank(p->steps[k - 1].kind) > step_rank(s.kind)) {
                        p->steps[k] = p->steps[k - 1];
                        k--;
                }
                p->steps[k] = s;
        }
}

static void planner_done(struct planner *pl)
{
        free(pl->t_by_id);
        free(pl->r_by_id);
        free(pl->code_row);
        free(pl->code_target);
        free(pl->claimed);
        free(pl->row_seen);
        free(pl->removed);
}

int lifecycle_plan(const struct lk_keypad_code *codes, size_t n_codes, const struct grant_target *targets,
                   size_t n_targets, const struct grant_code *rows, size_t n_rows, int64_t now,
                   const struct lifecycle_opts *o, struct lc_plan *ret)
{
        struct planner pl = {
                .codes = codes, .n_codes = n_codes, .targets = targets, .n_targets = n_targets, .rows = rows,
                .n_rows = n_rows, .now = now, .o = o,
                .t_by_id = calloc(n_targets + 1, sizeof(size_t)), .r_by_id = calloc(n_rows + 1, sizeof(size_t)),
                .code_row = calloc(n_codes + 1, sizeof(ssize_t)), .code_target = calloc(n_codes + 1, sizeof(ssize_t)),
                .claimed = calloc(n_targets + 1, sizeof(ssize_t)), .row_seen = calloc(n_rows + 1, sizeof(bool)),
                .removed = calloc(n_codes + 1, sizeof(bool)),
        };
        int r = -ENOMEM;

        if (!pl.t_by_id || !pl.r_by_id || !pl.code_row || !pl.code_target || !pl.claimed || !pl.row_seen || !pl.removed)
                goto fail;
        for (size_t t = 0; t < n_targets; t++) {
                pl.claimed[t] = -1;
                pl.t_by_id[t] = t;
        }
        for (size_t j = 0; j < n_rows; j++)
                pl.r_by_id[j] = j;
        sort_ctx = &pl;
        qsort(pl.t_by_id, n_targets, sizeof(size_t), cmp_t);
        qsort(pl.r_by_id, n_rows, sizeof(size_t), cmp_r);
        sort_ctx = NULL;
        for (size_t i = 0; i < n_codes; i++) {
                r = classify_code(&pl, i);
                if (r < 0)
                        goto fail;
                if (pl.p.steps[pl.p.n - 1].kind == LC_STEP_REMOVE) {
                        pl.removed[i] = true;
                        pl.n_removed++;
                }
        }
        r = forget_rows(&pl);
        if (r >= 0)
                r = plan_adds(&pl, CODES_MAX > n_codes - pl.n_removed ? CODES_MAX - (n_codes - pl.n_removed) : 0);
        if (r < 0)
                goto fail;
        order_steps(&pl.p);
        planner_done(&pl);
        *ret = pl.p;
        return 0;
fail:
        planner_done(&pl);
        free(pl.p.steps);
        return r;
}

void lc_plan_done(struct lc_plan *p)
{
        free(p->steps);
        *p = (struct lc_plan){ 0 };
}
