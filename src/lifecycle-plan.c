/* SPDX-License-Identifier: MIT */
/*
 * The plan (pure): the codes on a lock, the desired state and our rows at time now → the steps,
 * in execution order. No I/O: tests call it with made-up tables.
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
#include "lifecycle-private.h"
#include "lockops.h"
#include "log.h"
#include "outbox.h"
#include "timefmt.h"
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
                        code_target[i] = lc_find_target(targets, n_targets, owner);
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
                t = lc_find_target(targets, n_targets, rows[j].grant);
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
                if (now < g->check_in - lc_target_lead(g, o)) {
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
