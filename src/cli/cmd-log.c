/* SPDX-License-Identifier: MIT */
/* latchkey log: new entries since the last read (or --all), attributed to codes and people. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd-opener.h"
#include "cmds.h"
#include "db.h"
#include "latchkey/names.h"
#include "logsync.h"
#include "render-opener.h"
#include "render.h"
#include "util.h"

struct log_out {
        struct cli *c;
        struct db *db;
        cJSON *arr;
        bool all;
        unsigned shown;
};

/* Keypad entries by code id (field lesson 7: not by auth id); lock actions by authorization. */
static const char *attribute(struct log_out *lo, const struct lk_log_entry *e, char *buf, size_t size)
{
        if (e->type == LK_LOG_KEYPAD_ACTION) {
                char name[LK_CODE_NAME_SIZE + 1];

                if (e->data.keypad.code_id == 0)
                        return NULL; /* an invalid code: nobody to attribute */
                if (db_code_name(lo->db, lo->c->creds.alias, e->data.keypad.code_id, name) < 0)
                        snprintf(buf, size, "code %u", e->data.keypad.code_id);
                else
                        snprintf(buf, size, "code %u '%s'", e->data.keypad.code_id, name);
                return buf;
        }
        if (e->auth_id != 0 && e->name[0]) {
                snprintf(buf, size, "%s", e->name);
                return buf;
        }
        return NULL;
}

static void on_entry(void *userdata, const struct lk_log_entry *e, bool is_new)
{
        struct log_out *lo = userdata;
        char who[64], ev[160], when[40];
        const char *a;

        if (!is_new && !lo->all)
                return;
        a = attribute(lo, e, who, sizeof(who));
        cJSON_AddItemToArray(lo->arr, cli_is_opener(lo->c) ? render_opener_log_json(e, a) : render_log_json(e, a));
        lo->shown++;
        if (lo->c->json)
                return;
        if (lo->shown == 1) {
                printf("%s log entries of '%s':\n", lo->all ? "The" : "New", lo->c->creds.alias);
                printf("%-7s %-25s %-48s %s\n", "INDEX", "TIME", "EVENT", "BY");
        }
        render_datetime_local(&e->timestamp, when, sizeof(when));
        if (cli_is_opener(lo->c))
                render_opener_log_event(e, ev, sizeof(ev));
        else
                render_log_event(e, ev, sizeof(ev));
        /* An event wider than its column runs on whole rather than losing its outcome at the end. */
        printf("%-7" PRIu32 " %-25s %s %s\n", e->index, when,
               render_width(ev) > 48 ? render_escape(ev, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX)
                                     : render_pad(ev, 48, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX),
               a ? render_escape(a, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX) : "-");
}

static void on_progress(void *userdata, unsigned done, unsigned total)
{
        struct log_out *lo = userdata;

        cli_progress(lo->c, "Reading log", done, total);
}

int cmd_log(struct cli *c, int argc, char **argv)
{
        struct log_out lo = { .c = c };
        struct logsync_result res;
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                if (opt == OPT_ALL)
                        lo.all = true;
                else
                        return -1;
        }
        if (cli_connect(c) < 0) {
                /* Nothing was read: say so in the same shape as a read cut short. */
                cJSON_AddNumberToObject(c->out, "received", 0);
                cJSON_AddNumberToObject(c->out, "new", 0);
                return -1;
        }
        r = db_open(c->store, &lo.db);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "cannot open the state database: %s", strerror(-r));
        lo.arr = cJSON_AddArrayToObject(c->out, "entries");
        r = logsync_fetch(c->session, lo.db, c->creds.alias, lo.all, on_entry, on_progress, &lo, &res);
        cli_progress_end(c);
        cJSON_AddNumberToObject(c->out, "received", res.received);
        cJSON_AddNumberToObject(c->out, "new", res.stored);
        cJSON_AddNumberToObject(c->out, "cursor", res.cursor);
        db_free(lo.db);
        if (r < 0) {
                cli_fail_errno(c, r, "reading the log");
                if (res.received)
                        snprintf(c->error + strlen(c->error), sizeof(c->error) - strlen(c->error),
                                 " (%u %s stored; the next 'latchkey log' resumes after index %" PRIu32 ")",
                                 res.received, plural(res.received, "entry was", "entries were"), res.cursor);
                return -1;
        }
        if (!c->json && lo.shown == 0)
                printf("No new log entries on '%s' (last index %" PRIu32 ").\n", c->creds.alias, res.cursor);
        return 0;
}
