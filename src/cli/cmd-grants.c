/* SPDX-License-Identifier: MIT */
/*
 * latchkey grants import FILE, latchkey grants list, latchkey reconcile: bookings in, codes out
 * (issue 6, docs/grants.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli-config.h"
#include "cmd-grants.h"
#include "db.h"
#include "duration.h"
#include "grants.h"
#include "lifecycle.h"
#include "log.h"
#include "outcome.h"
#include "timefmt.h"
#include "render.h"
#include "util.h"

static int open_db(struct cli *c, struct db **ret)
{
        int r;

        if (cli_store(c, NULL) < 0)
                return -1;
        r = db_open(c->store, ret);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "cannot open the state database in '%s': %s", c->state_dir, strerror(-r));
        r = grants_init(*ret);
        if (r < 0) {
                *ret = db_free(*ret);
                return cli_fail(c, CLI_EXIT_STATE, "cannot prepare the state database: %s", strerror(-r));
        }
        return 0;
}

/* Whether this machine holds credentials for the lock NAME. */
static bool lock_is_paired(struct cli *c, const char *name)
{
        struct lk_creds creds;
        int r = store_creds_get(c->store, name, &creds);

        if (r >= 0)
                lk_creds_wipe(&creds);
        return r != -ENOENT;
}

int cmd_grants_import(struct cli *c, int argc, char **argv)
{
        struct grants_import_opts io = { .lead = -1, .grace = -1 };
        _cleanup_free_ struct grants_import_result *res = calloc(1, sizeof(*res));
        struct grants_error err = { { 0 } };
        const char *source = "file", *file;
        struct db *db = NULL;
        char **locks = NULL;
        cJSON *unpaired, *warnings;
        int opt, r;

        if (!res)
                return cli_fail(c, CLI_EXIT_FAILURE, "out of memory");
        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                if (opt == OPT_SOURCE)
                        source = optarg;
                else if (opt == OPT_ALLOW_CANCEL_ALL)
                        io.allow_cancel_all = true;
                else
                        return -1;
        }
        if (optind + 1 != argc)
                return cli_fail(c, CLI_EXIT_USAGE, "grants import needs exactly one FILE, or - for standard input (see docs/grants.md)");
        file = streq(argv[optind], "-") ? "standard input" : argv[optind];
        if (!grants_id_is_valid(source) || strlen(source) > 32)
                return cli_fail(c, CLI_EXIT_USAGE, "invalid --source '%s'", source);
        if (open_db(c, &db) < 0)
                return -1;
        r = grants_import_file(db, argv[optind], source, &io, res, &err);
        if (r < 0) {
                db_free(db);
                if (r == -EINVAL || r == -ECANCELED || r == -ENOENT || r == -EACCES || r == -EISDIR)
                        return cli_fail(c, CLI_EXIT_USAGE, "%s: %s; nothing was written", file,
                                        err.msg[0] ? err.msg : strerror(-r));
                return cli_fail(c, CLI_EXIT_STATE, "%s: %s; nothing was written", file, err.msg[0] ? err.msg : strerror(-r));
        }
        cJSON_AddNumberToObject(c->out, "properties", res->properties);
        cJSON_AddNumberToObject(c->out, "added", res->added);
        cJSON_AddNumberToObject(c->out, "updated", res->updated);
        cJSON_AddNumberToObject(c->out, "unchanged", res->unchanged);
        cJSON_AddNumberToObject(c->out, "cancelled", res->cancelled);
        cJSON_AddNumberToObject(c->out, "reactivated", res->reactivated);
        cJSON_AddNumberToObject(c->out, "ended_dropped", res->ended_dropped);
        cJSON_AddNumberToObject(c->out, "codes_generated", res->generated);
        warnings = cJSON_AddArrayToObject(c->out, "warnings");
        for (unsigned i = 0; i < res->n_warnings; i++)
                cJSON_AddItemToArray(warnings, cJSON_CreateString(res->warnings[i]));
        cJSON_AddNumberToObject(c->out, "warnings_total", res->warnings_total);
        unpaired = cJSON_AddArrayToObject(c->out, "unpaired_locks");
        if (grants_locks(db, &locks) >= 0) {
                for (char **l = locks; *l; l++)
                        if (!lock_is_paired(c, *l))
                                cJSON_AddItemToArray(unpaired, cJSON_CreateString(*l));
                strv_free(locks);
        }
        db_free(db);
        if (!c->json) {
                cJSON *it;

                printf("Imported %s: %u added, %u updated, %u unchanged, %u cancelled, %u reactivated; %u %s generated.\n",
                       file, res->added, res->updated, res->unchanged, res->cancelled, res->reactivated, res->generated,
                       plural(res->generated, "code", "codes"));
                for (unsigned i = 0; i < res->n_warnings; i++)
                        printf("Warning: %s.\n", render_escape(res->warnings[i], (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX));
                if (res->warnings_total > res->n_warnings)
                        printf("Warning: %u more %s like these (see --json).\n", res->warnings_total - res->n_warnings,
                               plural(res->warnings_total - res->n_warnings, "changeover", "changeovers"));
                if (res->generated)
                        printf("Drawn codes are shown by 'latchkey grants list' and sent to the upstream as code.issued.\n");
                cJSON_ArrayForEach(it, unpaired)
                        printf("Note: lock '%s' is not paired on this machine yet; it is skipped until it is.\n",
                               it->valuestring);
                printf("Run 'latchkey reconcile' (or let the daemon) to bring the locks in line.\n");
        }
        return 0;
}

/* "482915"; "-" while a code is still to be drawn (the grant's stay has ended, or it is cancelled). */
static void format_code(int64_t v, char *buf, size_t size)
{
        if (v > 0)
                snprintf(buf, size, "%06" PRId64, v);
        else
                snprintf(buf, size, "-");
}

/* grants list: one object per grant with its doors, and a table row each. */
struct list_ctx {
        struct cli *c;
        cJSON *arr, *cur, *locks;
};

/* The array and the table's heading, once the bookings can be read. */
static void list_start(struct list_ctx *x)
{
        if (x->arr)
                return;
        x->arr = cJSON_AddArrayToObject(x->c->out, "grants");
        if (!x->c->json)
                printf("%-20s %-12s %-22s %-20s %-20s %-9s %-6s %s\n", "ID", "PROPERTY", "GUEST", "CHECK-IN (UTC)",
                       "CHECK-OUT (UTC)", "STATUS", "CODE", "LOCKS");
}

static int list_row(void *userdata, const struct grants_overview_row *row)
{
        struct list_ctx *x = userdata;
        bool text = !x->c->json;
        char in[40], out[40], code[24];

        list_start(x);
        if (!x->cur || !streq(cJSON_GetObjectItem(x->cur, "id")->valuestring, row->id)) {
                if (text && x->cur)
                        printf("\n");
                x->cur = cJSON_CreateObject();
                cJSON_AddItemToArray(x->arr, x->cur);
                time_format_utc(row->check_in, in, sizeof(in));
                time_format_utc(row->check_out, out, sizeof(out));
                cJSON_AddStringToObject(x->cur, "id", row->id);
                cJSON_AddStringToObject(x->cur, "property", row->property);
                cJSON_AddStringToObject(x->cur, "guest", row->guest);
                cJSON_AddStringToObject(x->cur, "check_in", in);
                cJSON_AddStringToObject(x->cur, "check_out", out);
                cJSON_AddStringToObject(x->cur, "status", row->status);
                /* The keypad code, to the local operator (a drawn one must reach the guest);
                 * never in logs or events other than code.issued (docs/grants.md). */
                format_code(row->code, code, sizeof(code));
                cJSON_AddStringToObject(x->cur, "code", code);
                cJSON_AddBoolToObject(x->cur, "code_generated", row->code_generated);
                x->locks = cJSON_AddArrayToObject(x->cur, "locks");
                if (text)
                        printf("%-20s %-12s %s %-20s %-20s %-9s %-6s", row->id, row->property,
                               render_pad(row->guest, 22, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX), in, out,
                               row->status, code);
        }
        if (row->lock) {
                cJSON *l = cJSON_CreateObject();

                cJSON_AddStringToObject(l, "lock", row->lock);
                cJSON_AddStringToObject(l, "state", row->state);
                if (row->code_id >= 0)
                        cJSON_AddNumberToObject(l, "code_id", row->code_id);
                if (row->reason)
                        cJSON_AddStringToObject(l, "reason", row->reason);
                if (row->lock_code) { /* this door's own code */
                        format_code(row->lock_code, code, sizeof(code));
                        cJSON_AddStringToObject(l, "code", code);
                }
                cJSON_AddItemToArray(x->locks, l);
                if (text)
                        printf(" %s:%s", row->lock, row->state);
        }
        return 0;
}

int cmd_grants_list(struct cli *c, int argc, char **argv)
{
        struct list_ctx x = { .c = c };
        struct db *db = NULL;
        bool all = false;
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                if (opt == OPT_ALL)
                        all = true;
                else
                        return -1;
        }
        if (open_db(c, &db) < 0)
                return -1;
        r = grants_overview(db, all, list_row, &x);
        if (r >= 0)
                list_start(&x); /* no grants: the empty list, the heading */
        if (!c->json && x.cur)
                printf("\n");
        db_free(db);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "cannot read the bookings");
        return 0;
}

static void print_lock_result(const struct lc_lock_result *l)
{
        char msg[RENDER_CELL_MAX];

        render_escape(l->error_msg, msg, sizeof(msg)); /* it may quote the lock */
        printf("%s: ", l->lock);
        if (l->skipped) {
                printf("skipped: %s.\n", msg);
                return;
        }
        if (!l->reached) {
                printf("not reached (%s); %u %s pending.\n", msg[0] ? msg : "unknown error", l->count[LC_PENDING],
                       plural(l->count[LC_PENDING], "code due stays", "codes due stay"));
                return;
        }
        /* Every outcome counted (pending too: a link lost half-way leaves some), as --json's counts. */
        printf("%u → %u %s;", l->codes_before, l->codes_after, plural(l->codes_after, "code", "codes"));
        for (size_t k = 0; k < ELEMENTSOF(l->count); k++)
                printf(" %u %s,", l->count[k], streq(lc_outcome_str((enum lc_outcome)k), "no_space")
                                                       ? "no space" : lc_outcome_str((enum lc_outcome)k));
        printf(" %u scheduled later%s%s\n", l->scheduled, l->clock_set ? "; clock set" : "",
               l->complete ? "" : "; INCOMPLETE");
        if (msg[0])
                printf("  %s\n", msg);
        for (size_t i = 0; i < l->n_items; i++) {
                const struct lc_item *it = &l->items[i];

                if (it->outcome == LC_UNCHANGED)
                        continue;
                printf("  %-11s %-20s id %-5u %s %s\n", lc_outcome_str(it->outcome), it->grant[0] ? it->grant : "-",
                       it->code_id, render_pad(it->name, LK_CODE_NAME_SIZE, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX),
                       render_escape(it->reason, msg, sizeof(msg)));
        }
}

/* A plan's summary line: add, update and remove always (a plan that writes nothing says so),
 * every other kind of step the plan holds, then what stays as it is. */
static void print_plan_counts(const cJSON *l)
{
        static const struct {
                const char *action, *words;
        } words[] = {
                { "add", "to add" },           { "update", "to update" },   { "remove", "to remove" },
                { "handover", "to hand over" }, { "wait", "waiting for a changeover" }, { "forget", "to forget" },
                { "no_space", "without room" }, { "conflict", "in conflict" },
        };
        const cJSON *n;

        cJSON_ArrayForEach(n, cJSON_GetObjectItem(l, "counts")) {
                const char *w = n->string;

                if (n->valueint == 0 && !streq(w, "add") && !streq(w, "update") && !streq(w, "remove"))
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(words); k++)
                        if (streq(words[k].action, n->string))
                                w = words[k].words;
                printf("%d %s, ", n->valueint, w);
        }
        printf("%d unchanged, %d scheduled later\n", cJSON_GetObjectItem(l, "unchanged")->valueint,
               cJSON_GetObjectItem(l, "scheduled")->valueint);
}

static void print_plan(const cJSON *j)
{
        const cJSON *l, *s;

        printf("Plan as of %s (nothing is written; %s):\n", cJSON_GetObjectItem(j, "now")->valuestring,
               cJSON_GetObjectItem(j, "based_on")->valuestring);
        cJSON_ArrayForEach(l, cJSON_GetObjectItem(j, "locks")) {
                printf("%s%s: ", cJSON_GetObjectItem(l, "lock")->valuestring,
                       cJSON_IsFalse(cJSON_GetObjectItem(l, "paired"))
                               ? " (not paired on this machine: skipped until it is, and the run fails once a code is due)"
                               : "");
                print_plan_counts(l);
                cJSON_ArrayForEach(s, cJSON_GetObjectItem(l, "steps")) {
                        const cJSON *g = cJSON_GetObjectItem(s, "grant"), *at = cJSON_GetObjectItem(s, "at");
                        const cJSON *why = cJSON_GetObjectItem(s, "reason");

                        printf("  %-9s %-20s %s%s%s\n", cJSON_GetObjectItem(s, "action")->valuestring,
                               cJSON_IsString(g) ? g->valuestring : "-",
                               cJSON_IsString(why) ? render_escape(why->valuestring, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX) : "",
                               cJSON_IsString(at) ? " at " : "", cJSON_IsString(at) ? at->valuestring : "");
                }
        }
}

/* --lock NAME must name a lock this machine knows of: a paired one, or a door of a property.
 * Anything else is a typo, and an empty plan or pass would hide it. */
static int lock_is_known(struct cli *c, struct db *db)
{
        char **locks = NULL;
        bool found = false;

        if (!c->lock_alias || lock_is_paired(c, c->lock_alias))
                return 0;
        if (grants_locks(db, &locks) >= 0)
                for (char **l = locks; *l && !found; l++)
                        found = streq(*l, c->lock_alias);
        strv_free(locks);
        if (found)
                return 0;
        return cli_fail(c, CLI_EXIT_NOT_FOUND,
                        "no lock named '%s': it is neither paired on this machine (see 'latchkey locks') nor a door of a "
                        "property (see 'latchkey grants list')", c->lock_alias);
}

/* --plan, --now: what reconcile would do, without connecting or writing anything. Each lock
 * says whether it is paired: an unpaired door is skipped, and fails the run once a code is due. */
static int reconcile_plan(struct cli *c, struct db *db, int64_t now, const struct lifecycle_opts *o)
{
        cJSON *j = NULL, *it, *l;
        int r = lifecycle_plan_dry(db, c->lock_alias, now, o, &j);

        db_free(db);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "cannot plan: %s", strerror(-r));
        cJSON_ArrayForEach(l, cJSON_GetObjectItem(j, "locks"))
                cJSON_AddBoolToObject(l, "paired", lock_is_paired(c, cJSON_GetObjectItem(l, "lock")->valuestring));
        if (!c->json)
                print_plan(j);
        while ((it = j->child)) {
                cJSON_DetachItemViaPointer(j, it);
                cJSON_AddItemToObject(c->out, it->string, it);
        }
        cJSON_Delete(j);
        return 0;
}

/* What a reconcile is asked to do: the daemon's settings (--config, else its file when
 * present), then the flags, which win. The options point into cfg. */
struct reconcile_args {
        struct daemon_config cfg;
        struct session_opts sopts;
        struct lifecycle_opts o;
        int64_t now;
        bool plan;
};

/* --lead or --grace, up to a year (a plan or a run ahead of the daemon's [lifecycle], which
 * keeps 30 days): -1 with the error recorded, naming the range. */
static int duration_flag(struct cli *c, const char *flag, const char *value, int64_t *ret)
{
        char hi[24];

        if (grants_parse_duration(value, ret) >= 0)
                return 0;
        duration_format_sec(GRANTS_DURATION_MAX, hi, sizeof(hi));
        return cli_fail(c, CLI_EXIT_USAGE, "invalid --%s '%s' (allowed: a duration in whole seconds from 0s to %s, e.g. 90m, "
                        "72h, 3d)", flag, value, hi);
}

static int reconcile_args(struct cli *c, int argc, char **argv, struct reconcile_args *a)
{
        const char *config = NULL, *lead = NULL, *grace = NULL;
        bool no_clock = false;
        int opt;

        a->sopts = (struct session_opts){ .busy_retries = 5 };
        a->now = (int64_t)time(NULL);
        lifecycle_opts_default(&a->o);
        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                switch (opt) {
                case OPT_NOW: {
                        char why[400];

                        if (time_parse(optarg, a->now, 0, &a->now, why, sizeof(why)) < 0)
                                return cli_fail(c, CLI_EXIT_USAGE, "--now '%s' %s", optarg, why);
                        a->plan = true; /* another instant is only ever planned, never written (docs/grants.md) */
                        break;
                }
                case OPT_PLAN:
                        a->plan = true;
                        break;
                case OPT_LEAD:
                        lead = optarg;
                        break;
                case OPT_GRACE:
                        grace = optarg;
                        break;
                case OPT_NO_CLOCK:
                        no_clock = true;
                        break;
                case OPT_CONFIG:
                        config = optarg;
                        break;
                default:
                        return -1;
                }
        }
        if (optind != argc)
                return cli_fail(c, CLI_EXIT_USAGE, "reconcile takes no arguments (the lock is --lock NAME)");
        if (cli_load_config(c, config, &a->cfg) < 0)
                return -1;
        a->o.lead = a->cfg.lead;
        a->o.grace = a->cfg.grace;
        a->o.drift_max = no_clock ? -1 : a->cfg.drift_max;
        a->o.zone = a->cfg.zone[0] ? a->cfg.zone : NULL;
        if (lead && duration_flag(c, "lead", lead, &a->o.lead) < 0)
                return -1;
        if (grace && duration_flag(c, "grace", grace, &a->o.grace) < 0)
                return -1;
        if (c->lock_alias && !store_alias_is_valid(c->lock_alias))
                return cli_fail(c, CLI_EXIT_USAGE, "invalid lock name '%s'", c->lock_alias);
        if (c->timeout_usec)
                a->sopts.reply_timeout_usec = a->sopts.connect_timeout_usec = c->timeout_usec;
        a->o.session = &a->sopts;
        a->o.adapter = c->adapter ? c->adapter : a->cfg.adapter[0] ? a->cfg.adapter : NULL;
        return 0;
}

/* What the run did, per lock, in JSON and as text; the exit code is the one `daemon --once`
 * gives for the same lock's failure (exits.h). */
static int reconcile_report(struct cli *c, const struct lc_result *res)
{
        struct outcome pass = { 0 };
        const struct outcome_item *first;
        cJSON *j = lc_result_json(res), *it;
        int r;

        if (!j)
                return cli_fail(c, CLI_EXIT_FAILURE, "out of memory");
        /* Move the result's members into the CLI's output object. */
        while ((it = j->child)) {
                cJSON_DetachItemViaPointer(j, it);
                cJSON_AddItemToObject(c->out, it->string, it);
        }
        cJSON_Delete(j);
        if (!c->json) {
                char next[40];

                if (res->n_locks == 0)
                        printf("No locks to reconcile: import bookings with 'latchkey grants import FILE' first.\n");
                for (size_t i = 0; i < res->n_locks; i++)
                        print_lock_result(&res->locks[i]);
                if (res->next_run != INT64_MAX) {
                        time_format_utc(res->next_run, next, sizeof(next));
                        printf("Next change due at %s.\n", next);
                }
        }
        outcome_reconcile(&pass, res);
        first = outcome_first(&pass);
        r = first ? cli_fail(c, first->exit_code, "%s: %s", first->name, first->message) : 0;
        outcome_done(&pass);
        return r;
}

int cmd_reconcile(struct cli *c, int argc, char **argv)
{
        _cleanup_(lc_result_freep) struct lc_result *res = NULL;
        _cleanup_free_ struct reconcile_args *a = calloc(1, sizeof(*a));
        struct db *db = NULL;
        int r;

        if (!a)
                return cli_fail(c, CLI_EXIT_FAILURE, "out of memory");
        if (reconcile_args(c, argc, argv, a) < 0)
                return -1;
        if (open_db(c, &db) < 0)
                return -1;
        if (lock_is_known(c, db) < 0) {
                db_free(db);
                return -1;
        }
        if (a->plan)
                return reconcile_plan(c, db, a->now, &a->o);
        r = lifecycle_reconcile(c->event, c->store, db, c->lock_alias, a->now, &a->o, &res);
        db_free(db);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "reconcile failed: %s", strerror(-r));
        return reconcile_report(c, res);
}
