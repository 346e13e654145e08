/* SPDX-License-Identifier: MIT */
/* What a reconcile did, per lock and item, and its JSON form (docs/grants.md). */
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

struct lc_item *lc_item_add(struct lc_lock_result *res, enum lc_outcome outcome, const char *grant,
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

void lc_item_times(struct lc_item *it, const struct grant_target *t)
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

void lc_add_time(cJSON *o, const char *key, int64_t t)
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
        if (r->skipped) {
                cJSON_AddBoolToObject(o, "skipped", true);
                cJSON_AddStringToObject(o, "reason", r->error_msg);
        }
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
                if (r->zone[0]) {
                        cJSON_AddStringToObject(o, "zone", r->zone);
                        cJSON_AddBoolToObject(o, "zone_set", r->zone_set);
                }
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
                        lc_add_time(j, "check_in", it->check_in);
                if (it->check_out)
                        lc_add_time(j, "check_out", it->check_out);
                cJSON_AddItemToArray(items, j);
        }
        return o;
}

cJSON *lc_result_json(const struct lc_result *r)
{
        cJSON *o = cJSON_CreateObject(), *locks;

        if (!o)
                return NULL;
        lc_add_time(o, "now", r->now);
        cJSON_AddBoolToObject(o, "complete", r->complete);
        if (r->next_run != INT64_MAX)
                lc_add_time(o, "next_run", r->next_run);
        else
                cJSON_AddNullToObject(o, "next_run");
        locks = cJSON_AddArrayToObject(o, "locks");
        for (size_t i = 0; i < r->n_locks; i++)
                cJSON_AddItemToArray(locks, lc_lock_result_json(&r->locks[i]));
        return o;
}
