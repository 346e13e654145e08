/* SPDX-License-Identifier: MIT */
/*
 * Inside the lifecycle engine (lifecycle.c, lifecycle-plan.c, lifecycle-steps.c,
 * lifecycle-result.c): the state of one lock's reconcile and the helpers the files share.
 * Nothing outside src/lifecycle*.c includes this.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "lifecycle.h"

/* One lock's reconcile in progress. */
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
};

/* The link failed, or the lock takes no more of our commands now (issue 11: the stored PIN was
 * refused, a PIN lockout, no PIN, not the paired lock, another process busy with it): what is
 * left stays pending, and the other locks go on. */
static inline bool lc_is_link_error(int r)
{
        return r == -ETIMEDOUT || r == -ENOTCONN || r == -ECONNRESET || r == -EPIPE || r == -ECONNABORTED ||
               r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -EHOSTDOWN || r == -EKEYREJECTED || r == -EKEYEXPIRED ||
               r == -ENOKEY || r == -ESTALE || r == -EBUSY || r == -EACCES;
}

/* The lead that applies to t: its per-lock override, else the engine's. */
int64_t lc_target_lead(const struct grant_target *t, const struct lifecycle_opts *o);
ssize_t lc_find_target(const struct grant_target *t, size_t n, const char *grant);

/* Append an item to a lock's result (NULL when out of memory). */
struct lc_item *lc_item_add(struct lc_lock_result *res, enum lc_outcome outcome, const char *grant,
                            uint16_t code_id, const char *name, const char *reason);
void lc_item_times(struct lc_item *it, const struct grant_target *t);
/* o[key] = t as RFC 3339 UTC. */
void lc_add_time(cJSON *o, const char *key, int64_t t);

/* Execute the plan (the lock's codes as listed in x) and record every step's outcome; < 0 only
 * for local errors. */
int lc_run_plan(struct rc *x, const struct lc_plan *p);
