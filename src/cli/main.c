/* SPDX-License-Identifier: MIT */
/* latchkey: provision Nuki smart locks over Bluetooth LE, with no bridge and no cloud. */
#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli-help.h"
#include "cli.h"
#include "log.h"
#include "render.h"
#include "util.h"

/* Match the longest command name at argv[0..1]. */
static const struct cli_command *find_command(int argc, char **argv, int *ret_words)
{
        const struct cli_command *best = NULL;

        for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++) {
                const char *sp = strchr(cmd->name, ' ');

                if (!sp && argc >= 1 && streq(argv[0], cmd->name)) {
                        if (!best) {
                                best = cmd;
                                *ret_words = 1;
                        }
                } else if (sp && argc >= 2 && strlen(argv[0]) == (size_t)(sp - cmd->name) &&
                           strncmp(argv[0], cmd->name, (size_t)(sp - cmd->name)) == 0 && streq(argv[1], sp + 1)) {
                        best = cmd;
                        *ret_words = 2;
                }
        }
        return best;
}

/* Is one of these flags on the line (before a "--")? */
static bool has_flag(int argc, char **argv, const char *a, const char *b)
{
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        return false;
                if (streq(argv[i], a) || (b && streq(argv[i], b)))
                        return true;
        }
        return false;
}

/* The index of the first word that is not an option or a global option's value. */
static int first_word(int argc, char **argv)
{
        int i;

        for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
                const struct cli_flag *f = NULL;

                if (streq(argv[i], "--"))
                        return i + 1;
                if (argv[i][1] == '-')
                        f = cli_flag_find(NULL, argv[i] + 2);
                else if (!argv[i][2])
                        f = cli_flag_by_id(NULL, argv[i][1]);
                if (f && f->arg)
                        i++;
        }
        return i;
}

/* No command ran: say why (and what a group holds). */
static int usage_error(struct cli *c, int argc, char **argv, int first)
{
        const struct cli_group *g = first < argc ? cli_group_find(argv[first]) : NULL;
        char verbs[256] = "";
        size_t n = 0;

        if (first >= argc)
                return cli_fail(c, CLI_EXIT_USAGE, "no command given (see latchkey --help)");
        if (!g)
                return cli_fail(c, CLI_EXIT_USAGE, "unknown command '%s' (see latchkey --help)", argv[first]);
        for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
                if (cli_group_of(cmd) == g)
                        n += (size_t)snprintf(verbs + n, sizeof(verbs) - n, "%s%s", n ? ", " : "", strchr(cmd->name, ' ') + 1);
        if (first + 1 >= argc || argv[first + 1][0] == '-')
                return cli_fail(c, CLI_EXIT_USAGE, "'%s' needs one of: %s (see latchkey %s --help)", g->name, verbs, g->name);
        return cli_fail(c, CLI_EXIT_USAGE, "unknown command '%s %s': '%s' has %s (see latchkey %s --help)", g->name,
                        argv[first + 1], g->name, verbs, g->name);
}

static void print_result(struct cli *c, int r)
{
        char *txt;

        if (!c->json) {
                if (r < 0)
                        fprintf(stderr, "latchkey: error: %s\n",
                                render_escape(c->error[0] ? c->error : "failed", (char[RENDER_CELL_MAX * 2]){ 0 },
                                              RENDER_CELL_MAX * 2));
                return;
        }
        /* On failure the partial results stay (e.g. log entries read before the link dropped). */
        if (r < 0) {
                cJSON *e;

                cJSON_AddFalseToObject(c->out, "ok");
                e = cJSON_AddObjectToObject(c->out, "error");
                cJSON_AddNumberToObject(e, "exit_code", c->exit_code);
                cJSON_AddStringToObject(e, "kind", exit_kind(c->exit_code) ? exit_kind(c->exit_code) : "internal");
                cJSON_AddStringToObject(e, "message", c->error[0] ? c->error : "failed");
                if (c->lock_error >= 0)
                        cJSON_AddNumberToObject(e, "lock_error", c->lock_error);
        } else
                cJSON_AddTrueToObject(c->out, "ok");
        txt = cJSON_PrintUnformatted(c->out);
        if (txt)
                printf("%s\n", txt);
        cJSON_free(txt);
}

int main(int argc, char **argv)
{
        static struct cli c;
        const struct cli_command *cmd;
        struct rlimit no_core = { 0, 0 };
        int words = 0, r, first;

        setlocale(LC_ALL, "");
        /* Secrets live in this process: no core dumps, no ptrace by others (STYLE.md §5). */
        (void)setrlimit(RLIMIT_CORE, &no_core);
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (sodium_init() < 0) {
                fprintf(stderr, "latchkey: cannot initialise libsodium\n");
                return CLI_EXIT_FAILURE;
        }
        log_open();
        c.lock_error = -1;
        c.out = cJSON_CreateObject();

        c.json = has_flag(argc, argv, "--json", NULL);
        if (has_flag(argc, argv, "--version", NULL)) {
                if (c.json) {
                        cJSON_AddStringToObject(c.out, "version", LATCHKEY_VERSION);
                        print_result(&c, 0);
                } else
                        cli_help_version(stdout);
                cJSON_Delete(c.out);
                return 0;
        }
        first = first_word(argc, argv);
        cmd = first < argc ? find_command(argc - first, argv + first, &words) : NULL;
        if (has_flag(argc, argv, "--help", "-h")) {
                const struct cli_group *g = first < argc ? cli_group_find(argv[first]) : NULL;

                if (cmd)
                        cli_help_command(stdout, cmd);
                else if (g)
                        cli_help_group(stdout, g);
                else if (first >= argc)
                        cli_help_main(stdout);
                else
                        goto fail;
                cJSON_Delete(c.out);
                return 0;
        }
        if (!cmd)
                goto fail;
        c.command = cmd;
        /* Let the command's getopt see: argv[0], the global options given before it, then its own. */
        {
                int n = 0;
                char **args = calloc((size_t)argc + 1, sizeof(char *));

                if (!args)
                        return CLI_EXIT_FAILURE;
                args[n++] = argv[0];
                for (int i = 1; i < first; i++)
                        args[n++] = argv[i];
                for (int i = first + words; i < argc; i++)
                        args[n++] = argv[i];
                optind = 1;
                r = cmd->run(&c, n, args);
                free(args);
        }
        if (r < 0 && c.exit_code == 0)
                c.exit_code = CLI_EXIT_FAILURE;
        print_result(&c, r);
        session_free(c.session);
        lk_transport_free(NULL);
        store_free(c.store);
        sd_event_unref(c.event);
        lk_creds_wipe(&c.creds);
        cJSON_Delete(c.out);
        return r < 0 ? c.exit_code : 0;

fail:
        if (first >= argc && !c.json) {
                cli_help_main(stderr); /* a bare `latchkey`: what there is to run */
                cJSON_Delete(c.out);
                return CLI_EXIT_USAGE;
        }
        usage_error(&c, argc, argv, first);
        print_result(&c, -1);
        cJSON_Delete(c.out);
        return CLI_EXIT_USAGE;
}
