/* SPDX-License-Identifier: MIT */
/*
 * What a pass over the locks did, per lock and for the upstream: the first failure of each,
 * with its exit code from the one map (exits.h) and why, in words. `daemon --once` and
 * `reconcile` print it and exit with the first failure in pass order, so the same failure
 * gives the same code from every command that meets it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "exits.h"
#include "lifecycle.h"
#include "store.h"

struct outcome_item {
        char name[STORE_ALIAS_MAX + 1]; /* a lock's alias, or "" for the upstream */
        enum cli_exit exit_code;         /* CLI_EXIT_OK until a failure */
        char message[512];
        unsigned order;                  /* 1 for the pass's first failure, 2 for the next, ... */
};

struct outcome {
        struct outcome_item *items;
        size_t n;
        unsigned failures;
};

/* name took part in the pass (ok unless a failure says otherwise). */
void outcome_ok(struct outcome *o, const char *name);
/* Record a failure of name; only the first of each name is kept. */
__attribute__((format(printf, 4, 5))) void outcome_fail(struct outcome *o, const char *name, enum cli_exit e,
                                                        const char *fmt, ...);
/* Each lock of a reconcile: not reached or cut short (by its error), full (7), codes failed (4). */
void outcome_reconcile(struct outcome *o, const struct lc_result *res);
/* The first failure in pass order, or NULL when all went well. */
const struct outcome_item *outcome_first(const struct outcome *o);
void outcome_done(struct outcome *o);

/*
 * Add {"locks": [{"lock","ok","exit_code","kind","message"}], "upstream": {...}, "complete"} to
 * the CLI's output (text: one line per lock on stdout) and return cli_fail() with the first
 * failure's code, or 0.
 */
int outcome_print(struct cli *c, const struct outcome *o);
