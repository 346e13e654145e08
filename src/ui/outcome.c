/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "outcome.h"
#include "render.h"
#include "util.h"

static struct outcome_item *find(struct outcome *o, const char *name)
{
        struct outcome_item *n;

        for (size_t i = 0; i < o->n; i++)
                if (streq(o->items[i].name, name))
                        return &o->items[i];
        n = realloc(o->items, (o->n + 1) * sizeof(*n));
        if (!n)
                return NULL;
        o->items = n;
        n = &o->items[o->n++];
        *n = (struct outcome_item){ .exit_code = CLI_EXIT_OK };
        snprintf(n->name, sizeof(n->name), "%s", name);
        return n;
}

void outcome_ok(struct outcome *o, const char *name)
{
        (void)find(o, name);
}

void outcome_fail(struct outcome *o, const char *name, enum cli_exit e, const char *fmt, ...)
{
        struct outcome_item *it = find(o, name);
        va_list ap;

        if (!it || it->exit_code != CLI_EXIT_OK || e == CLI_EXIT_OK)
                return;
        it->exit_code = e;
        it->order = ++o->failures;
        va_start(ap, fmt);
        vsnprintf(it->message, sizeof(it->message), fmt, ap);
        va_end(ap);
}

void outcome_reconcile(struct outcome *o, const struct lc_result *res)
{
        for (size_t i = 0; i < res->n_locks; i++) {
                const struct lc_lock_result *l = &res->locks[i];
                const char *why = "";

                outcome_ok(o, l->lock);
                if (l->skipped)
                        continue; /* not paired, nothing due: reported, not a failure */
                if (!l->reached || !l->complete) {
                        outcome_fail(o, l->lock, l->error ? exit_for_lock_errno(l->error, 0) : CLI_EXIT_LINK,
                                     "reconcile: %s", l->error_msg[0] ? l->error_msg : "the lock was not reached");
                        continue;
                }
                if (l->count[LC_NO_SPACE]) {
                        outcome_fail(o, l->lock, CLI_EXIT_FULL, "reconcile: the lock is full; %u %s for room",
                                     l->count[LC_NO_SPACE], plural(l->count[LC_NO_SPACE], "code waits", "codes wait"));
                        continue;
                }
                if (!l->count[LC_FAILED])
                        continue;
                for (size_t k = 0; k < l->n_items && !why[0]; k++)
                        if (l->items[k].outcome == LC_FAILED)
                                why = l->items[k].reason;
                outcome_fail(o, l->lock, CLI_EXIT_REFUSED, "reconcile: %u %s failed; the first: %s", l->count[LC_FAILED],
                             plural(l->count[LC_FAILED], "code", "codes"), why);
        }
}

const struct outcome_item *outcome_first(const struct outcome *o)
{
        const struct outcome_item *first = NULL;

        for (size_t i = 0; i < o->n; i++)
                if (o->items[i].exit_code != CLI_EXIT_OK && (!first || o->items[i].order < first->order))
                        first = &o->items[i];
        return first;
}

void outcome_done(struct outcome *o)
{
        free(o->items);
        *o = (struct outcome){ 0 };
}

int outcome_print(struct cli *c, const struct outcome *o)
{
        const struct outcome_item *first = outcome_first(o);
        cJSON *locks = cJSON_AddArrayToObject(c->out, "locks");

        for (size_t i = 0; i < o->n; i++) {
                const struct outcome_item *it = &o->items[i];
                const char *name = it->name[0] ? it->name : "upstream";
                cJSON *j = it->name[0] ? cJSON_CreateObject() : cJSON_AddObjectToObject(c->out, "upstream");

                if (it->name[0]) {
                        cJSON_AddStringToObject(j, "lock", it->name);
                        cJSON_AddItemToArray(locks, j);
                }
                cJSON_AddBoolToObject(j, "ok", it->exit_code == CLI_EXIT_OK);
                if (it->exit_code != CLI_EXIT_OK) {
                        cJSON_AddNumberToObject(j, "exit_code", it->exit_code);
                        cJSON_AddStringToObject(j, "kind", exit_kind(it->exit_code));
                        cJSON_AddStringToObject(j, "message", it->message);
                }
                if (c->json)
                        continue;
                if (it->exit_code == CLI_EXIT_OK)
                        printf("%s: ok\n", name);
                else
                        printf("%s: failed (exit %d, %s): %s\n", name, it->exit_code, exit_meaning(it->exit_code),
                               render_escape(it->message, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX));
        }
        cJSON_AddBoolToObject(c->out, "complete", first == NULL);
        if (!first)
                return 0;
        return cli_fail(c, first->exit_code, "%s: %s", first->name[0] ? first->name : "upstream", first->message);
}
