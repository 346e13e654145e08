/* SPDX-License-Identifier: MIT */
/*
 * Planning that never writes (`latchkey reconcile --plan`, and `--now T`): per lock, every add,
 * update, remove and changeover reconcile would make at `now`, and why, planned against what
 * latchkey last confirmed on the lock (its rows) instead of the lock itself. No connection is
 * made and nothing is written: not the lock, not its clock, not state.db, not the outbox.
 */
#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "lifecycle-private.h"
#include "util.h"

static const char *action_name(enum lc_step_kind k)
{
        switch (k) {
        case LC_STEP_KEEP:
                return "keep";
        case LC_STEP_UPDATE:
                return "update";
        case LC_STEP_ADD:
                return "add";
        case LC_STEP_REMOVE:
                return "remove";
        case LC_STEP_FORGET:
                return "forget";
        case LC_STEP_NO_SPACE:
                return "no_space";
        case LC_STEP_CONFLICT:
                return "conflict";
        case LC_STEP_UNMANAGED:
                return "unmanaged";
        case LC_STEP_HANDOVER:
                return "handover";
        case LC_STEP_WAIT:
                return "wait";
        }
        return "?";
}

/* Why a code of a grant that is no longer wanted here goes: its status says. */
static const char *removal_why(struct db *db, const char *grant)
{
        sqlite3_stmt *st;
        const char *why = "deleted";

        if (!grant || db_prepare(db, "SELECT status FROM lc_grants WHERE id = ?", &st) < 0)
                return why;
        sqlite3_bind_text(st, 1, grant, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
                why = streq((const char *)sqlite3_column_text(st, 0), "cancelled") ? "cancelled" : "no_access";
        sqlite3_finalize(st);
        return why;
}

static cJSON *step_json(struct db *db, const struct lc_step *s, const struct lk_keypad_code *codes,
                        const struct grant_target *targets, const struct grant_code *rows)
{
        const struct grant_target *t = s->target >= 0 ? &targets[s->target] : NULL;
        const struct grant_code *row = s->row >= 0 ? &rows[s->row] : NULL;
        const char *grant = t ? t->grant : row ? row->grant : NULL;
        cJSON *j = cJSON_CreateObject();

        if (!j)
                return NULL;
        cJSON_AddStringToObject(j, "action", action_name(s->kind));
        if (grant)
                cJSON_AddStringToObject(j, "grant", grant);
        if (s->code >= 0)
                cJSON_AddNumberToObject(j, "code_id", codes[s->code].id);
        if (t)
                cJSON_AddStringToObject(j, "name", t->rec.name);
        else if (s->code >= 0)
                cJSON_AddStringToObject(j, "name", codes[s->code].name);
        switch (s->kind) {
        case LC_STEP_ADD:
                cJSON_AddStringToObject(j, "reason", "due: check-in − lead has passed and the code is not on the lock");
                break;
        case LC_STEP_UPDATE:
                cJSON_AddStringToObject(j, "reason", "the booking changed: the whole record is rewritten (same id)");
                break;
        case LC_STEP_REMOVE:
                cJSON_AddStringToObject(j, "reason", s->reason ? s->reason : removal_why(db, grant));
                break;
        case LC_STEP_HANDOVER:
        case LC_STEP_WAIT:
                if (row && s->kind == LC_STEP_HANDOVER)
                        cJSON_AddStringToObject(j, "from_grant", row->grant);
                lc_add_time(j, "at", s->at);
                cJSON_AddStringToObject(j, "reason", s->kind == LC_STEP_HANDOVER
                                                             ? "changeover: the record passes to the next guest in place (same id)"
                                                             : "changeover: waits for the earlier stay with the same code to end");
                break;
        case LC_STEP_KEEP:
        case LC_STEP_FORGET:
        case LC_STEP_NO_SPACE:
        case LC_STEP_CONFLICT:
        case LC_STEP_UNMANAGED:
                if (s->reason)
                        cJSON_AddStringToObject(j, "reason", s->reason);
                break;
        }
        if (t) {
                lc_add_time(j, "check_in", t->check_in);
                lc_add_time(j, "check_out", t->check_out);
        }
        return j;
}

/* How many steps of each kind, by action name: every kind but keep (that is "unchanged") is
 * there, in the order a reader takes them in, so the shape is stable; a kind missing from
 * this list is still counted, after them, so no step a plan holds is left out of its summary. */
static void add_counts(cJSON *l, const struct lc_plan *plan)
{
        static const enum lc_step_kind order[] = {
                LC_STEP_ADD,    LC_STEP_UPDATE,   LC_STEP_REMOVE,   LC_STEP_HANDOVER,  LC_STEP_WAIT,
                LC_STEP_FORGET, LC_STEP_NO_SPACE, LC_STEP_CONFLICT, LC_STEP_UNMANAGED,
        };
        cJSON *counts = cJSON_AddObjectToObject(l, "counts"), *n;

        for (size_t k = 0; k < ELEMENTSOF(order); k++)
                cJSON_AddNumberToObject(counts, action_name(order[k]), 0);
        for (size_t i = 0; i < plan->n; i++) {
                if (plan->steps[i].kind == LC_STEP_KEEP)
                        continue;
                n = cJSON_GetObjectItem(counts, action_name(plan->steps[i].kind));
                if (!n)
                        n = cJSON_AddNumberToObject(counts, action_name(plan->steps[i].kind), 0);
                if (n)
                        cJSON_SetNumberValue(n, n->valuedouble + 1);
        }
}

/* The lock's codes as latchkey last confirmed them: our provisioned rows. */
static struct lk_keypad_code *believed_codes(const struct grant_code *rows, size_t n_rows, size_t *ret_n)
{
        struct lk_keypad_code *v = calloc(n_rows + 1, sizeof(*v));
        size_t n = 0;

        if (!v)
                return NULL;
        for (size_t j = 0; j < n_rows; j++)
                if (rows[j].state == GRANT_CODE_PROVISIONED && n < CODES_MAX) {
                        v[n] = rows[j].rec;
                        v[n++].id = rows[j].code_id;
                }
        *ret_n = n;
        return v;
}

static int plan_lock(struct db *db, const char *lock, int64_t now, const struct lifecycle_opts *o, cJSON *arr)
{
        struct grant_target *targets = NULL;
        struct grant_code *rows = NULL;
        struct lk_keypad_code *codes = NULL;
        size_t n_targets = 0, n_rows = 0, n_codes = 0;
        struct lc_plan plan = { 0 };
        cJSON *l = NULL, *steps;
        unsigned keep = 0;
        int r;

        r = grants_targets(db, lock, now - o->grace, &targets, &n_targets);
        if (r >= 0)
                r = grants_codes(db, lock, &rows, &n_rows);
        if (r >= 0 && !(codes = believed_codes(rows, n_rows, &n_codes)))
                r = -ENOMEM;
        if (r >= 0)
                r = lifecycle_plan(codes, n_codes, targets, n_targets, rows, n_rows, now, o, &plan);
        if (r >= 0 && (!(l = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, l)))
                r = -ENOMEM;
        if (r >= 0) {
                cJSON_AddStringToObject(l, "lock", lock);
                cJSON_AddNumberToObject(l, "codes_known", (double)n_codes);
                steps = cJSON_AddArrayToObject(l, "steps");
                for (size_t i = 0; i < plan.n; i++) {
                        if (plan.steps[i].kind == LC_STEP_KEEP) {
                                keep++;
                                continue;
                        }
                        cJSON_AddItemToArray(steps, step_json(db, &plan.steps[i], codes, targets, rows));
                }
                cJSON_AddNumberToObject(l, "unchanged", keep);
                cJSON_AddNumberToObject(l, "scheduled", plan.scheduled);
                add_counts(l, &plan);
        }
        lc_plan_done(&plan);
        if (codes)
                sodium_memzero(codes, n_codes * sizeof(*codes));
        if (targets)
                sodium_memzero(targets, n_targets * sizeof(*targets));
        if (rows)
                sodium_memzero(rows, n_rows * sizeof(*rows));
        free(codes);
        free(targets);
        free(rows);
        return r;
}

int lifecycle_plan_dry(struct db *db, const char *lock, int64_t now, const struct lifecycle_opts *o, cJSON **ret)
{
        cJSON *root = cJSON_CreateObject(), *arr;
        char **locks = NULL;
        int64_t next = INT64_MAX;
        int r;

        if (!root)
                return -ENOMEM;
        r = grants_locks(db, &locks);
        arr = cJSON_AddArrayToObject(root, "locks");
        for (char **l = locks; r >= 0 && l && *l; l++)
                if (!lock || streq(lock, *l))
                        r = plan_lock(db, *l, now, o, arr);
        strv_free(locks);
        if (r >= 0)
                r = lifecycle_next_run(db, now, o, &next);
        if (r < 0) {
                cJSON_Delete(root);
                return r;
        }
        cJSON_AddBoolToObject(root, "plan", true);
        lc_add_time(root, "now", now);
        cJSON_AddStringToObject(root, "based_on", "what latchkey last confirmed on each lock; codes it did not make are not known");
        if (next != INT64_MAX)
                lc_add_time(root, "next_run", next);
        else
                cJSON_AddNullToObject(root, "next_run");
        *ret = root;
        return 0;
}
