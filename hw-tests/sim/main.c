/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim: a virtual Nuki lock on a Unix socket (docs/sim-socket.md), for the agent's
 * tests and for measuring. Subcommand table in the manner of wireguard-tools' wg.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "prog.h"

static const char exit_codes[] =
        "Exit codes:\n"
        "  0  success (ctl: the reply said ok:true)\n"
        "  1  failure (ctl: the reply said ok:false; run: the event loop failed)\n"
        "  2  bad command line\n"
        "  3  the state file, its directory or the PIN file is unusable\n"
        "  4  a socket could not be created, bound or reached\n";

static const char ctl_requests[] =
        "Control requests (latchkey-sim ctl --socket PATH WORDS...):\n"
        "  press-button [SECONDS]         hold the button (default 5: pairing mode)\n"
        "  type-code CODE [ACTION]        type a keypad code; ACTION intelligent|unlock|lock|\n"
        "                                 unlatch|lock-n-go (default unlock)\n"
        "  turn-knob lock|unlock|unlatch  turn the knob by hand\n"
        "  clock set YYYY-MM-DDTHH:MM:SSZ set the virtual clock (UTC)\n"
        "  clock advance SECONDS          move it (negative goes back)\n"
        "  battery PERCENT                0..100; critical below 20\n"
        "  fault drop-before N            close the link before handling write N\n"
        "  fault drop-after N             close the link after answering write N\n"
        "  fault lose-reply               drop the next message the lock sends\n"
        "  fault corrupt                  flip a bit in the next message (fails CRC/MAC)\n"
        "  fault busy N                   answer the next N commands K_ERROR_BUSY\n"
        "  fault stall                    answer nothing until the client disconnects\n"
        "  fault clear                    clear every fault\n"
        "  link [connect-ms N] [write-ms N] [indicate-ms N] [process-ms N]\n"
        "                                 set (or show) the link model's latencies\n"
        "  state                          the lock's state as JSON\n"
        "  quit                           stop the simulator\n"
        "Writes count per connection; drop, lose-reply and corrupt fire once.\n";

static void help_run(FILE *f)
{
        fprintf(f,
                "Usage: latchkey-sim run --socket PATH --state FILE [OPTIONS]\n"
                "\n"
                "Serve a virtual Nuki lock on the SOCK_SEQPACKET socket PATH (data, see\n"
                "docs/sim-socket.md) and PATH.ctl (control). Runs until SIGTERM, SIGINT or 'quit'.\n"
                "\n"
                "  --socket PATH          the data socket; PATH.ctl is the control socket\n"
                "  --state FILE           the lock's state: created (0600) on first run, loaded\n"
                "                         afterwards; its directory is created 0700 if missing\n"
                "                         and must not be writable by group or others\n"
                "Used when the state file is created (afterwards the file decides):\n"
                "  --generation G         1, 2, 3, 4 or ultra (default 3)\n"
                "  --name NAME            the lock's name, at most 32 bytes (default Nuki_Sim)\n"
                "  --pin-file FILE        the initial security PIN, digits in a 0600 file\n"
                "                         (default 0000, spec §5.2); never on the command line\n"
                "Tunables (every run):\n"
                "  --mtu N                the lock's largest ATT_MTU, 23..247 (default 247;\n"
                "                         23 gives 20-byte indications)\n"
                "  --log-capacity N       log entries kept (default 200)\n"
                "  --pairing-timeout S    seconds in pairing mode (default 60)\n"
                "  --link PROFILE         ideal (default: no latency), ble, slow\n"
                "  --connect-ms N --write-ms N --indicate-ms N --process-ms N\n"
                "                         latencies of the link model, over the profile\n"
                "  --ready-fd N           write \"READY\\n\" to fd N (then close it) once listening\n"
                "  --verbose              debug messages on stderr\n"
                "  --ble                  also be a BLE peripheral through BlueZ (GATT + advertising)\n"
                "  --adapter hciX         the adapter for --ble (default hci0)\n"
                "  --help                 this text\n"
                "\n"
                "When listening, prints \"latchkey-sim: listening on PATH\" and sends sd_notify\n"
                "READY=1.\n\n%s\n%s",
                ctl_requests, exit_codes);
}

static void help_main(FILE *f)
{
        fprintf(f,
                "Usage: latchkey-sim COMMAND [OPTIONS]\n"
                "\n"
                "A virtual Nuki smart lock for latchkey's tests.\n"
                "\n"
                "Commands:\n"
                "  run --socket PATH --state FILE [OPTIONS]   serve the lock\n"
                "  ctl --socket PATH WORDS...                 send one control request\n"
                "  press-button --socket PATH [SECONDS]       = ctl press-button\n"
                "  type-code --socket PATH CODE [ACTION]      = ctl type-code\n"
                "  state --socket PATH                        = ctl state\n"
                "  help                                       this text\n"
                "\n"
                "'latchkey-sim COMMAND --help' tells more.\n\n%s\n%s",
                ctl_requests, exit_codes);
}

/* Link profiles: rough BLE figures for measuring, not the spec's (it gives none). */
static const struct {
        const char *name;
        struct prog_link link;
} profiles[] = {
        { "ideal", { 0, 0, 0, 0 } },
        { "ble", { 800, 30, 15, 50 } },
        { "slow", { 3000, 150, 60, 400 } },
};

static int parse_ms(const char *opt, const char *arg, unsigned *ret)
{
        unsigned long long v;

        if (prog_parse_uint(arg, PROG_LINK_MS_MAX, &v) < 0) {
                prog_log("%s wants milliseconds 0..%u, not '%s'", opt, PROG_LINK_MS_MAX, arg);
                return -EINVAL;
        }
        *ret = (unsigned)v;
        return 0;
}

static int cmd_run(int argc, char **argv)
{
        enum { O_GEN = 0x100, O_MTU, O_NAME, O_PIN, O_LOG, O_PAIRING, O_LINK, O_CONNECT,
               O_WRITE, O_INDICATE, O_PROCESS, O_READY, O_VERBOSE, O_BLE, O_ADAPTER };
        static const struct option longopts[] = {
                { "socket", required_argument, NULL, 's' },
                { "state", required_argument, NULL, 'f' },
                { "generation", required_argument, NULL, O_GEN },
                { "mtu", required_argument, NULL, O_MTU },
                { "name", required_argument, NULL, O_NAME },
                { "pin-file", required_argument, NULL, O_PIN },
                { "log-capacity", required_argument, NULL, O_LOG },
                { "pairing-timeout", required_argument, NULL, O_PAIRING },
                { "link", required_argument, NULL, O_LINK },
                { "connect-ms", required_argument, NULL, O_CONNECT },
                { "write-ms", required_argument, NULL, O_WRITE },
                { "indicate-ms", required_argument, NULL, O_INDICATE },
                { "process-ms", required_argument, NULL, O_PROCESS },
                { "ready-fd", required_argument, NULL, O_READY },
                { "verbose", no_argument, NULL, O_VERBOSE },
                { "ble", no_argument, NULL, O_BLE },
                { "adapter", required_argument, NULL, O_ADAPTER },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct prog_options o = { .ready_fd = -1, .mtu = PROG_ATT_MTU_MAX };
        struct prog_link over = { 0 };
        bool over_set[4] = { false };
        unsigned long long v;
        size_t i;
        int c;

        sim_config_default(&o.cfg);
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
                switch (c) {
                case 's':
                        o.socket_path = optarg;
                        break;
                case 'f':
                        o.state_path = optarg;
                        break;
                case O_GEN:
                        if (strcmp(optarg, "ultra") == 0)
                                o.cfg.generation = LK_GEN_ULTRA;
                        else if (prog_parse_uint(optarg, 4, &v) == 0 && v >= 1)
                                o.cfg.generation = (enum lk_generation)v;
                        else {
                                prog_log("--generation wants 1, 2, 3, 4 or ultra, not '%s'", optarg);
                                return PROG_EXIT_USAGE;
                        }
                        o.generation_set = true;
                        break;
                case O_MTU:
                        if (prog_parse_uint(optarg, PROG_ATT_MTU_MAX, &v) < 0 ||
                            v < PROG_ATT_MTU_DEFAULT) {
                                prog_log("--mtu wants 23..247, not '%s'", optarg);
                                return PROG_EXIT_USAGE;
                        }
                        o.mtu = (uint16_t)v;
                        break;
                case O_NAME:
                        /* spec §9.2: names are 32 bytes of UTF-8. */
                        if (strlen(optarg) > LK_AUTH_NAME_SIZE ||
                            !lk_utf8_is_valid((const uint8_t *)optarg, strlen(optarg))) {
                                prog_log("--name wants at most %u bytes of UTF-8",
                                         LK_AUTH_NAME_SIZE);
                                return PROG_EXIT_USAGE;
                        }
                        snprintf(o.cfg.name, sizeof(o.cfg.name), "%s", optarg);
                        break;
                case O_PIN:
                        o.pin_path = optarg;
                        break;
                case O_LOG:
                        if (prog_parse_uint(optarg, SIM_LOG_CAPACITY_MAX, &v) < 0 || v == 0) {
                                prog_log("--log-capacity wants 1..%u, not '%s'",
                                         SIM_LOG_CAPACITY_MAX, optarg);
                                return PROG_EXIT_USAGE;
                        }
                        o.cfg.log_capacity = (unsigned)v;
                        break;
                case O_PAIRING:
                        if (prog_parse_uint(optarg, 86400, &v) < 0 || v == 0) {
                                prog_log("--pairing-timeout wants 1..86400 seconds, not '%s'",
                                         optarg);
                                return PROG_EXIT_USAGE;
                        }
                        o.cfg.pairing_timeout_s = (unsigned)v;
                        break;
                case O_LINK:
                        for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
                                if (strcmp(optarg, profiles[i].name) == 0)
                                        break;
                        if (i == sizeof(profiles) / sizeof(profiles[0])) {
                                prog_log("--link wants ideal, ble or slow, not '%s'", optarg);
                                return PROG_EXIT_USAGE;
                        }
                        o.link = profiles[i].link;
                        break;
                case O_CONNECT:
                case O_WRITE:
                case O_INDICATE:
                case O_PROCESS: {
                        unsigned *f[] = { &over.connect_ms, &over.write_ms, &over.indicate_ms,
                                          &over.process_ms };

                        if (parse_ms(argv[optind - 1], optarg, f[c - O_CONNECT]) < 0)
                                return PROG_EXIT_USAGE;
                        over_set[c - O_CONNECT] = true;
                        break;
                }
                case O_READY:
                        if (prog_parse_uint(optarg, 65535, &v) < 0 || v < 3) {
                                prog_log("--ready-fd wants a descriptor number >= 3");
                                return PROG_EXIT_USAGE;
                        }
                        o.ready_fd = (int)v;
                        break;
                case O_VERBOSE:
                        prog_verbose = true;
                        break;
                case O_BLE:
                        o.ble = true;
                        break;
                case O_ADAPTER:
                        o.adapter = optarg;
                        break;
                case 'h':
                        help_run(stdout);
                        return PROG_EXIT_OK;
                default:
                        fprintf(stderr, "Try 'latchkey-sim run --help'.\n");
                        return PROG_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                prog_log("unexpected argument '%s'", argv[optind]);
                return PROG_EXIT_USAGE;
        }
        if (!o.socket_path || !o.state_path) {
                prog_log("run needs --socket PATH and --state FILE");
                return PROG_EXIT_USAGE;
        }
        if (over_set[0])
                o.link.connect_ms = over.connect_ms;
        if (over_set[1])
                o.link.write_ms = over.write_ms;
        if (over_set[2])
                o.link.indicate_ms = over.indicate_ms;
        if (over_set[3])
                o.link.process_ms = over.process_ms;
        return prog_run(&o);
}

/* ctl and its shorthands: --socket PATH, then the request's words. */
static int ctl_common(int argc, char **argv, const char *prefix, int min_words, int max_words,
                      const char *usage)
{
        static const struct option longopts[] = {
                { "socket", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *socket_path = NULL;
        char *words[32];
        int c, n = 0, i;

        optind = 1;
        /* '+': stop at the first word, so "clock advance -5" reaches the request. */
        while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) >= 0) {
                switch (c) {
                case 's':
                        socket_path = optarg;
                        break;
                case 'h':
                        printf("Usage: %s\n\n%s\n%s", usage, ctl_requests, exit_codes);
                        return PROG_EXIT_OK;
                default:
                        fprintf(stderr, "Usage: %s\n", usage);
                        return PROG_EXIT_USAGE;
                }
        }
        if (!socket_path) {
                prog_log("--socket PATH is required");
                return PROG_EXIT_USAGE;
        }
        if (argc - optind < min_words || argc - optind > max_words) {
                fprintf(stderr, "Usage: %s\n", usage);
                return PROG_EXIT_USAGE;
        }
        if (prefix)
                words[n++] = (char *)prefix;
        for (i = optind; i < argc; i++)
                words[n++] = argv[i];
        return prog_ctl_client(socket_path, n, words);
}

static int cmd_ctl(int argc, char **argv)
{
        return ctl_common(argc, argv, NULL, 1, 16, "latchkey-sim ctl --socket PATH WORDS...");
}

static int cmd_press_button(int argc, char **argv)
{
        return ctl_common(argc, argv, "press-button", 0, 1,
                          "latchkey-sim press-button --socket PATH [SECONDS]");
}

static int cmd_type_code(int argc, char **argv)
{
        return ctl_common(argc, argv, "type-code", 1, 2,
                          "latchkey-sim type-code --socket PATH CODE [ACTION]");
}

static int cmd_state(int argc, char **argv)
{
        return ctl_common(argc, argv, "state", 0, 0, "latchkey-sim state --socket PATH");
}

static int cmd_help(int argc, char **argv)
{
        help_main(stdout);
        return PROG_EXIT_OK;
}

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
} commands[] = {
        { "run", cmd_run },
        { "ctl", cmd_ctl },
        { "press-button", cmd_press_button },
        { "type-code", cmd_type_code },
        { "state", cmd_state },
        { "help", cmd_help },
        { "--help", cmd_help },
        { "-h", cmd_help },
};

int main(int argc, char **argv)
{
        size_t i;

        if (argc < 2) {
                help_main(stderr);
                return PROG_EXIT_USAGE;
        }
        if (sodium_init() < 0) {
                prog_log("libsodium failed to initialise");
                return PROG_EXIT_FAILED;
        }
        for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[1], commands[i].name) == 0)
                        return commands[i].fn(argc - 1, argv + 1);
        prog_log("unknown command '%s'; try 'latchkey-sim --help'", argv[1]);
        return PROG_EXIT_USAGE;
}
