/* SPDX-License-Identifier: MIT */
/* latchkey: provision Nuki smart locks over Bluetooth LE, with no bridge and no cloud. */
#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli.h"
#include "cmds.h"
#include "cmd-grants.h"
#include "cmd-sync.h"
#include "log.h"
#include "util.h"

const struct cli_command cli_commands[] = {
        { "scan", cmd_scan, "--via sim:PATH", "probe a lock: its generation and link" },
        { "pair", cmd_pair, "--via VIA --name NAME [--id-type app|bridge|fob] [--auth-name NAME] [--pin-file FILE] [--force]",
          "pair with a lock in pairing mode and store its credentials" },
        { "locks", cmd_locks, "", "list the locks paired on this machine" },
        { "forget", cmd_forget, "--lock NAME", "delete a lock's credentials from this machine" },
        { "state", cmd_state, "", "the lock's state, clock and battery flag" },
        { "battery", cmd_battery, "", "the battery report" },
        { "lock", cmd_lock, "", "lock" },
        { "unlock", cmd_unlock, "", "unlock" },
        { "unlatch", cmd_unlatch, "", "unlock and pull the latch" },
        { "time sync", cmd_time_sync, "", "set the lock's clock to this machine's (UTC)" },
        { "config show", cmd_config_show, "", "the lock's configuration and advanced configuration" },
        { "code list", cmd_code_list, "", "the keypad codes on the lock" },
        { "code add", cmd_code_add,
          "--name NAME (--code-file FILE|- | --generate) [--from TIME] [--until TIME] [--weekdays LIST] [--daily HH:MM-HH:MM]",
          "add a keypad code, checked first and verified after" },
        { "code update", cmd_code_update,
          "ID [--name NAME] [--code-file FILE|-] [--from TIME] [--until TIME] [--weekdays LIST] [--daily HH:MM-HH:MM] [--no-window] [--enable|--disable]",
          "change a keypad code (the whole record is written)" },
        { "code remove", cmd_code_remove, "ID", "remove a keypad code" },
        { "code import", cmd_code_import, "FILE|-",
          "add many codes from a JSON array in one connection, verified together" },
        { "log", cmd_log, "[--all]", "new log entries since the last read (--all: the whole log)" },
        { "auth list", cmd_auth_list, "", "the authorizations (apps, bridges, fobs, keypads) on the lock" },
        { "auth remove", cmd_auth_remove, "AUTH_ID [--force]", "remove an authorization from the lock" },
        { "pin verify", cmd_pin_verify, "[--pin-file FILE]", "check the security PIN (and store it when given)" },
        { "pin set", cmd_pin_set, "[--new-pin-file FILE]", "change the lock's security PIN" },
        { "grants import", cmd_grants_import, "FILE [--source NAME]",
          "import properties and bookings from a JSON file (docs/grants.md)" },
        { "grants list", cmd_grants_list, "[--all]", "the bookings and the state of their codes on each lock" },
        { "reconcile", cmd_reconcile, "[--lock NAME] [--now TIME] [--lead DUR] [--grace DUR] [--no-clock]",
          "bring the locks' keypad codes in line with the bookings" },
        { "sync", cmd_sync,
          "[--url URL] [--token-file FILE] [--ca-file FILE] [--client-cert FILE --client-key FILE] [--batch-size N]",
          "pull grants and push the outbox to the upstream now" },
        { "daemon", cmd_daemon, "[--config FILE] [--once]",
          "keep bookings and locks in step, read logs, sync upstream (systemd service)" },
        { "outbox list", cmd_outbox_list, "[--rejected] [--limit N]", "events waiting for the upstream (or refused by it)" },
        {},
};

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: latchkey [OPTIONS] COMMAND [ARGS]\n"
                "\n"
                "Provision Nuki smart locks directly over Bluetooth LE: no bridge, no cloud.\n"
                "\n"
                "Commands:\n");
        for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
                fprintf(f, "  %-14s %s\n", cmd->name, cmd->help);
        fprintf(f,
                "\n"
                "Options (anywhere on the line):\n"
                "  -l, --lock NAME     the lock to talk to (default: the only paired lock)\n"
                "      --via VIA       how to reach it: sim:PATH (a virtual lock's socket)\n"
                "      --adapter NAME  the Bluetooth adapter (with --via ble)\n"
                "      --pin-file FILE the lock's security PIN from FILE (0600) or - for stdin\n"
                "      --state-dir DIR where credentials and the log live\n"
                "                      (default $LATCHKEY_STATE_DIR, /var/lib/latchkey for root,\n"
                "                      else ~/.local/state/latchkey)\n"
                "      --timeout SEC   give up on a silent lock after SEC seconds (default 5; connect 20)\n"
                "      --json          print one JSON object: {\"ok\":true,...} or {\"ok\":false,\"error\":{...}}\n"
                "  -v, --verbose       debug messages on stderr\n"
                "  -q, --quiet         no progress output\n"
                "  -h, --help          this help; 'latchkey COMMAND --help' for a command\n"
                "\n"
                "Times: 2026-11-22T15:00+01:00, 2026-11-22T14:00Z, '2026-11-22 15:00' (this machine's zone), now+3600.\n"
                "Dates are kept on the lock in UTC; daily windows (--daily) are the lock's local time.\n"
                "Secrets (PINs, keypad codes) are never taken from the command line: use files, stdin or the prompt.\n"
                "\n"
                "Exit codes: 0 ok, 1 internal error, 2 invalid input (nothing written), 3 not found,\n"
                "4 refused by the lock, 5 link failure, 6 not authorized / wrong PIN, 7 lock full,\n"
                "8 answer failed checks (corrupt or rogue), 9 local state problem.\n");
}

void cli_usage(const struct cli_command *cmd, const char *options_help)
{
        printf("Usage: latchkey %s %s\n\n%s.\n", cmd->name, cmd->args, cmd->help);
        if (options_help)
                printf("\n%s", options_help);
        printf("\nGlobal options work too (see latchkey --help).\n");
}

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

static bool wants_help(int argc, char **argv)
{
        for (int i = 0; i < argc; i++) {
                if (streq(argv[i], "--"))
                        return false;
                if (streq(argv[i], "--help") || streq(argv[i], "-h"))
                        return true;
        }
        return false;
}

static void print_result(struct cli *c, int r)
{
        char *txt;

        if (!c->json) {
                if (r < 0)
                        fprintf(stderr, "latchkey: error: %s\n", c->error[0] ? c->error : "failed");
                return;
        }
        /* On failure the partial results stay (e.g. log entries read before the link dropped). */
        if (r < 0) {
                cJSON *e;

                cJSON_AddFalseToObject(c->out, "ok");
                e = cJSON_AddObjectToObject(c->out, "error");
                cJSON_AddNumberToObject(e, "exit_code", c->exit_code);
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

        /* Global options before the command. */
        for (first = 1; first < argc && argv[first][0] == '-'; first++)
                if (streq(argv[first], "--via") || streq(argv[first], "--lock") || streq(argv[first], "-l") ||
                    streq(argv[first], "--state-dir") || streq(argv[first], "--pin-file") ||
                    streq(argv[first], "--adapter") || streq(argv[first], "--timeout"))
                        first++;
        if (first >= argc) {
                if (wants_help(argc - 1, argv + 1)) {
                        usage(stdout);
                        return 0;
                }
                usage(stderr);
                return CLI_EXIT_USAGE;
        }
        cmd = find_command(argc - first, argv + first, &words);
        if (!cmd) {
                fprintf(stderr, "latchkey: unknown command '%s' (see latchkey --help)\n", argv[first]);
                return CLI_EXIT_USAGE;
        }
        if (wants_help(argc - 1, argv + 1)) {
                cli_usage(cmd, NULL);
                return 0;
        }
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
}
