/* SPDX-License-Identifier: MIT */
/* latchkey sync (one pull + push now) and latchkey outbox list (issue 6, docs/sync.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli-config.h"
#include "cmd-sync.h"
#include "db.h"
#include "outbox.h"
#include "sync.h"
#include "timefmt.h"
#include "render.h"
#include "util.h"

/* The [upstream] key each of sync's flags sets. */
static const char *sync_key(int opt)
{
        switch (opt) {
        case OPT_URL:
                return "url";
        case OPT_TOKEN_FILE:
                return "token_file";
        case OPT_CA_FILE:
                return "ca_file";
        case OPT_CLIENT_CERT:
                return "client_cert_file";
        case OPT_CLIENT_KEY:
                return "client_key_file";
        case OPT_BATCH_SIZE:
                return "batch_size";
        default:
                return NULL;
        }
}

static const char *sync_config_problem(int r)
{
        switch (-r) {
        case EPROTONOSUPPORT:
                return "the upstream URL must be https:// (plain http and other schemes are refused)";
        case ENOKEY:
                return "no credentials: set a token file (--token-file) or a client certificate";
        case EPERM:
                return "a secret file (token or client key) can be read or written by others than its owner: chmod 600 it";
        case ENOENT:
                return "a file named in the configuration does not exist";
        case EMSGSIZE:
                return "the token file is too large";
        case ENODATA:
                return "the token file is empty (under systemd: put the token in /etc/latchkey/upstream-token, 0600)";
        case EINVAL:
                return "invalid upstream configuration (URL, token format, certificate without key, or a limit)";
        default:
                return strerror(-r);
        }
}

/* The upstream could not be set up: a refused secret file by name and who can read it (the
 * one wording, secret-file.h), anything else by its problem. */
static int sync_setup_fail(struct cli *c, const struct sync_config *cfg, int r)
{
        struct stat st;

        if (r == -EPERM && cfg->token_file[0] && stat(cfg->token_file, &st) == 0 && (st.st_mode & 077))
                return cli_secret_refused(c, "the token file", cfg->token_file);
        if (r == -EPERM && cfg->client_key_file[0] && stat(cfg->client_key_file, &st) == 0 && (st.st_mode & 077))
                return cli_secret_refused(c, "the client key file", cfg->client_key_file);
        return cli_fail(c, exit_for_upstream_setup(r), "cannot set up the upstream sync: %s", sync_config_problem(r));
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
        char buf[40];

        if (t <= 0) {
                cJSON_AddNullToObject(o, key);
                return;
        }
        time_format_utc(t, buf, sizeof(buf));
        cJSON_AddStringToObject(o, key, buf);
}

/* The upstream's settings: the daemon's [upstream] (--config, else its file when present),
 * then the flags, which win. -1 with the error recorded. */
static int sync_settings(struct cli *c, int argc, char **argv, struct daemon_config *dc)
{
        struct { int opt; const char *value; } flags[8];
        size_t n_flags = 0;
        const char *config = NULL;
        struct sync_config *cfg = &dc->sync;
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                if (opt == '?')
                        return -1;
                if (opt == OPT_CONFIG)
                        config = optarg;
                else if (sync_key(opt) && n_flags < ELEMENTSOF(flags))
                        flags[n_flags++] = (typeof(flags[0])){ opt, optarg };
        }
        if (cli_load_config(c, config, dc) < 0)
                return -1;
        for (size_t i = 0; i < n_flags; i++) {
                char allowed[128];

                r = sync_config_set(cfg, sync_key(flags[i].opt), flags[i].value);
                if (r == -EINVAL && sync_config_allowed(sync_key(flags[i].opt), allowed, sizeof(allowed)) >= 0)
                        return cli_fail(c, CLI_EXIT_USAGE, "invalid --%s '%s' (allowed: %s)",
                                        cli_flag_by_id(c->command, flags[i].opt)->name, flags[i].value, allowed);
                if (r < 0)
                        return cli_fail(c, CLI_EXIT_USAGE, "invalid --%s '%s': %s",
                                        cli_flag_by_id(c->command, flags[i].opt)->name, flags[i].value,
                                        sync_config_problem(r));
        }
        if (!cfg->url[0])
                return cli_fail(c, CLI_EXIT_USAGE,
                                "no upstream configured: set [upstream] url in %s (or --config FILE), or give --url "
                                "https://... and --token-file FILE",
                                CONFIG_DEFAULT_PATH);
        return 0;
}

/* What the pass did: pull, push, what is pending, in JSON and as text. */
static void sync_report(struct cli *c, const struct sync_result *res)
{
        cJSON *pull, *push;

        pull = cJSON_AddObjectToObject(c->out, "pull");
        cJSON_AddNumberToObject(pull, "status", (double)res->pull_status);
        cJSON_AddBoolToObject(pull, "pulled", res->pulled);
        cJSON_AddBoolToObject(pull, "not_modified", res->not_modified);
        cJSON_AddBoolToObject(pull, "applied", res->applied);
        cJSON_AddNumberToObject(pull, "grants", res->grants);
        push = cJSON_AddObjectToObject(c->out, "push");
        cJSON_AddBoolToObject(push, "attempted", res->push_attempted);
        cJSON_AddNumberToObject(push, "batches", res->batches);
        cJSON_AddNumberToObject(push, "acked", res->acked);
        cJSON_AddNumberToObject(push, "duplicates", res->duplicates);
        cJSON_AddNumberToObject(push, "rejected", res->rejected);
        cJSON_AddNumberToObject(push, "status", (double)res->push_status);
        cJSON_AddNumberToObject(c->out, "pending", res->pending);
        cJSON_AddNumberToObject(c->out, "failures", res->failures);
        add_time(c->out, "next_attempt_at", res->next_attempt_at);
        if (res->error[0])
                cJSON_AddStringToObject(c->out, "last_error", res->error);

        if (c->json)
                return;
        if (res->not_modified)
                printf("Grants: unchanged (304).\n");
        else if (res->pulled)
                printf("Grants: pulled %u%s.\n", res->grants, res->applied ? ", applied" : ", NOT applied");
        else if (res->pull_attempted)
                printf("Grants: pull failed.\n");
        if (res->push_attempted)
                printf("Events: %u delivered in %u batch%s (%u already there), %u rejected.\n", res->acked,
                       res->batches, res->batches == 1 ? "" : "es", res->duplicates, res->rejected);
        printf("Pending: %u event%s.\n", res->pending, res->pending == 1 ? "" : "s");
        if (res->error[0])
                printf("Last error: %s\n", render_escape(res->error, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX));
}

int cmd_sync(struct cli *c, int argc, char **argv)
{
        struct daemon_config *dc = calloc(1, sizeof(*dc));
        struct sync_result res = { 0 };
        struct sync *s = NULL;
        struct db *db = NULL;
        struct store *st;
        int64_t now = (int64_t)time(NULL);
        int r, ret = -1;

        if (!dc)
                return cli_fail(c, CLI_EXIT_FAILURE, "out of memory");
        if (sync_settings(c, argc, argv, dc) < 0)
                goto out;
        if (cli_store(c, &st) < 0)
                goto out;
        r = db_open(st, &db);
        if (r < 0) {
                cli_fail(c, CLI_EXIT_STATE, "cannot open the state database: %s", strerror(-r));
                goto out;
        }
        r = sync_new(db, &dc->sync, &s);
        if (r < 0) {
                sync_setup_fail(c, &dc->sync, r);
                goto out;
        }
        sync_set_grants_handler(s, sync_grants_import, db);
        r = sync_run(s, now, true, &res);
        sync_report(c, &res);
        if (r < 0 && r != -EAGAIN) {
                cli_fail(c, exit_for_upstream_errno(r), "upstream sync failed: %s",
                         res.error[0] ? res.error : strerror(-r));
                goto out;
        }
        ret = 0;
out:
        sync_free(s);
        db_free(db);
        free(dc);
        return ret;
}

static const char *state_name(enum outbox_state s)
{
        switch (s) {
        case OUTBOX_PENDING:
                return "pending";
        case OUTBOX_ACKED:
                return "acked";
        case OUTBOX_REJECTED:
                return "rejected";
        }
        return "?";
}

int cmd_outbox_list(struct cli *c, int argc, char **argv)
{
        enum outbox_state want = OUTBOX_PENDING;
        struct outbox_event *ev = NULL;
        struct db *db = NULL;
        struct store *st;
        unsigned pending = 0, rejected = 0;
        uint64_t limit = 1000;
        size_t n = 0;
        cJSON *arr;
        int opt, r, ret = -1;

        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                if (opt == '?')
                        return -1;
                if (opt == OPT_REJECTED)
                        want = OUTBOX_REJECTED;
                else if (opt == OPT_LIMIT && parse_u64(optarg, 1, 100000, &limit) < 0)
                        return cli_fail(c, CLI_EXIT_USAGE, "invalid --limit '%s': 1 to 100000", optarg);
        }
        if (cli_store(c, &st) < 0)
                return -1;
        r = db_open(st, &db);
        if (r >= 0)
                r = outbox_init(db);
        if (r >= 0)
                r = outbox_pending(db, &pending);
        if (r >= 0)
                r = outbox_count(db, OUTBOX_REJECTED, &rejected);
        if (r >= 0)
                r = outbox_list(db, want, -1, (size_t)limit, &ev, &n);
        if (r < 0) {
                cli_fail(c, CLI_EXIT_STATE, "cannot read the outbox: %s", strerror(-r));
                goto out;
        }
        cJSON_AddNumberToObject(c->out, "pending", pending);
        cJSON_AddNumberToObject(c->out, "rejected", rejected);
        arr = cJSON_AddArrayToObject(c->out, "events");
        for (size_t i = 0; i < n; i++) {
                cJSON *e = cJSON_CreateObject(), *p = cJSON_Parse(ev[i].payload);

                cJSON_AddItemToArray(arr, e);
                cJSON_AddStringToObject(e, "id", ev[i].id);
                cJSON_AddStringToObject(e, "type", ev[i].type);
                if (ev[i].lock[0])
                        cJSON_AddStringToObject(e, "lock", ev[i].lock);
                else
                        cJSON_AddNullToObject(e, "lock");
                cJSON_AddStringToObject(e, "state", state_name(ev[i].state));
                add_time(e, "created_at", ev[i].created_at);
                cJSON_AddNumberToObject(e, "attempts", ev[i].attempts);
                add_time(e, "next_attempt_at", ev[i].next_attempt_at);
                if (ev[i].reason[0])
                        cJSON_AddStringToObject(e, "reason", ev[i].reason);
                else
                        cJSON_AddNullToObject(e, "reason");
                if (p) {
                        outbox_payload_mask(p); /* a code.issued carries a keypad code: for the upstream only */
                        cJSON_AddItemToObject(e, "payload", p);
                }
        }
        if (!c->json) {
                if (n == 0)
                        printf("No %s events in the outbox.\n", state_name(want));
                else
                        printf("%-12s %-18s %-16s %-20s %-4s %-20s %s\n", "ID", "TYPE", "LOCK", "CREATED (UTC)", "TRY",
                               "NEXT TRY (UTC)", want == OUTBOX_REJECTED ? "REASON" : "LAST ERROR");
                for (size_t i = 0; i < n; i++) {
                        char created[40], next[40] = "now";

                        time_format_utc(ev[i].created_at, created, sizeof(created));
                        if (ev[i].next_attempt_at > 0)
                                time_format_utc(ev[i].next_attempt_at, next, sizeof(next));
                        printf("%s %-18s %-16s %-20s %-4u %-20s %s\n",
                               render_pad(ev[i].id, 12, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX), ev[i].type,
                               ev[i].lock[0] ? ev[i].lock : "-", created, ev[i].attempts,
                               want == OUTBOX_REJECTED ? "-" : next,
                               ev[i].reason[0] ? render_escape(ev[i].reason, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX) : "-");
                }
                printf("%u pending, %u rejected.\n", pending, rejected);
        }
        ret = 0;
out:
        outbox_events_free(ev, n);
        db_free(db);
        return ret;
}
