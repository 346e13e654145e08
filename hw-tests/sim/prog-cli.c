/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim's command line: a virtual Nuki lock on a Unix socket (docs/sim-socket.md), for
 * the agent's tests and for measuring. Subcommand table in the manner of wireguard-tools'
 * wg.c; the table (prog_commands, their flags, prog_exit_codes, and prog-ctl.c's requests) is
 * the one source of --help and of latchkey-sim(1).
 */
#define _GNU_SOURCE /* pipe2 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "prog.h"

#define WIDTH 80

/* Rows leave out the trailing fields they do not need (values, flags). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

enum {
        O_SOCKET = 0x100,
        O_STATE,
        O_GEN,
        O_MTU,
        O_NAME,
        O_PIN,
        O_LOG,
        O_PAIRING,
        O_LINK,
        O_CONNECT,
        O_WRITE,
        O_INDICATE,
        O_PROCESS,
        O_READY,
        O_VERBOSE,
        O_BLE,
        O_ADAPTER,
        O_BACKGROUND,
        O_MOTOR,
        O_ANSWER_FIRST,
        O_HIDE_PAIRING,
        O_LEGACY,
        O_PLAIN_ERRORS,
        O_HELP,
};

static const struct prog_flag run_flags[] = {
        { "socket", O_SOCKET, "PATH", "The data socket (SOCK_SEQPACKET); PATH.ctl is the control socket." },
        { "state", O_STATE, "FILE",
          "The lock's state: created (0600) on the first run, loaded afterwards, saved after every change; its "
          "directory is created 0700 if missing and must not be writable by group or others. One latchkey-sim per "
          "state file: FILE.lock holds an flock(2) while it runs, and a second is refused." },
        { "generation", O_GEN, "G", "The lock's generation when the state file is created: 1, 2, 3, 4, ultra, or "
          "opener for a Nuki Opener, the intercom adapter (default 3). For an existing state file it must be the "
          "file's, or it is refused.", "1 2 3 4 ultra opener" },
        { "name", O_NAME, "NAME", "The lock's name when the state file is created, at most 32 bytes (default Nuki_Sim)." },
        { "pin-file", O_PIN, "FILE",
          "The security PIN when the state file is created: digits in a file of mode 0600, never on the command "
          "line. Without it the factory PIN is 0000 (spec §5.2)." },
        { "mtu", O_MTU, "N", "The lock's largest ATT_MTU, 23..247 (default 247; 23 gives 20-byte indications)." },
        { "log-capacity", O_LOG, "N", "Log entries kept (default 200)." },
        { "pairing-timeout", O_PAIRING, "SECONDS", "How long pairing mode lasts (default 60)." },
        { "link", O_LINK, "PROFILE", "The link model's latencies: ideal (default: none), ble or slow.", "ideal ble slow" },
        { "connect-ms", O_CONNECT, "N", "Connect latency in milliseconds, over the profile." },
        { "write-ms", O_WRITE, "N", "Latency of each write's response, in milliseconds, over the profile." },
        { "indicate-ms", O_INDICATE, "N", "Latency before each indication, in milliseconds, over the profile." },
        { "process-ms", O_PROCESS, "N", "The lock's processing time per message, in milliseconds, over the profile." },
        { "motor-ms", O_MOTOR, "N|ACTION=N,...",
          "The motor's time per lock action in milliseconds, 0..60000: N for every action, or per action (unlock, "
          "lock, unlatch, lock-n-go, lock-n-go-unlatch, full-lock). Default like a real lock: unlock and lock 2500, "
          "unlatch 3500, full-lock 3000, lock-n-go 2500, lock-n-go-unlatch 3500; 0 runs an action at once." },
        { "ready-fd", O_READY, "N", "Write \"READY\\n\" to descriptor N (then close it) once listening." },
        { "verbose", O_VERBOSE, NULL, "Debug messages on standard error." },
        { "ble", O_BLE, NULL, "Also be a BLE peripheral through BlueZ (GATT service and advertising)." },
        { "adapter", O_ADAPTER, "NAME", "The adapter for --ble (default hci0)." },
        { "background", O_BACKGROUND, NULL,
          "Serve from a process of its own and return as soon as it listens (or with its error): no race with "
          "the commands that follow. Stop it with the quit request." },
        { "answer-first", O_ANSWER_FIRST, NULL,
          "Answer before the Write Response, as some locks do (ATT allows it): over BLE a write's response "
          "waits until the central confirmed the indications of its answer; on the socket WRITE_RSP follows "
          "the answer's INDICATION packets." },
        { "hide-pairing", O_HIDE_PAIRING, NULL,
          "With --ble, show the pairing service only in pairing mode, as locks with pairing off hide it." },
        { "legacy-firmware", O_LEGACY, NULL,
          "Behave like older firmware (Nuki API v1): Config in the 63-byte layout, Keyturner States in the "
          "13-byte one, and no answer at all to Battery Report, Advanced Config, log or keypad commands." },
        { "plain-errors", O_PLAIN_ERRORS, "CHANNEL",
          "Send the Error Report of an encrypted exchange unencrypted, on the keyturner GDIO or on the USDIO, "
          "as some locks do (wrong PIN, not authorized, ...).", "keyturner usdio" },
        { "help", O_HELP, NULL, "Explain run and exit." },
        {},
};

static const struct prog_flag ctl_flags[] = {
        { "socket", O_SOCKET, "PATH", "The simulator's data socket (the request goes to PATH.ctl)." },
        { "help", O_HELP, NULL, "Explain the command and exit." },
        {},
};

const struct prog_exit_info prog_exit_codes[] = {
        { PROG_EXIT_OK, "success (ctl: the reply said ok:true)" },
        { PROG_EXIT_FAILED, "failure (ctl: the reply said ok:false; run: the event loop failed)" },
        { PROG_EXIT_USAGE, "bad command line" },
        { PROG_EXIT_STATE, "the state file, its directory or the PIN file is unusable" },
        { PROG_EXIT_SOCKET, "a socket could not be created, bound or reached" },
        {},
};

#define PROG_FLAGS_MAX 32

static const struct prog_command *find_command(const char *name);

/* getopt_long's table for a command's flags. */
static void to_options(const struct prog_flag *fl, struct option *out)
{
        size_t n = 0;

        for (; fl->name; fl++) {
                assert(n + 1 < PROG_FLAGS_MAX);
                out[n++] = (struct option){ fl->name, fl->arg ? required_argument : no_argument, NULL, fl->id };
        }
        out[n] = (struct option){ 0 };
}

/* ---- help, printed from the tables ---- */

/* Print text from column col (the cursor is there), wrapped at WIDTH, new lines at indent. */
static void wrap(FILE *f, const char *text, size_t col, size_t indent)
{
        size_t at = col;

        while (*text) {
                size_t n;

                if (*text == ' ' || *text == '\n') {
                        text++;
                        continue;
                }
                n = strcspn(text, " \n");
                if (at > indent && at + 1 + n > WIDTH) {
                        fprintf(f, "\n%*s", (int)indent, "");
                        at = indent;
                } else if (at > indent) {
                        fputc(' ', f);
                        at++;
                }
                fwrite(text, 1, n, f);
                at += n;
                text += n;
        }
        fputc('\n', f);
}

static void print_item(FILE *f, const char *label, const char *help, size_t col)
{
        int n = fprintf(f, "  %s", label);

        if ((size_t)n + 2 > col)
                fprintf(f, "\n%*s", (int)col, "");
        else
                fprintf(f, "%*s", (int)(col - (size_t)n), "");
        wrap(f, help, col, col);
}

static void print_requests_and_exit_codes(FILE *f)
{
        fprintf(f, "\nControl requests (latchkey-sim ctl --socket PATH WORDS...):\n");
        for (const struct prog_ctl_request *q = prog_ctl_requests; q->name; q++) {
                fprintf(f, "  %s\n", q->usage);
                print_item(f, "", q->help, 8);
        }
        fprintf(f, "\nExit codes:\n");
        for (const struct prog_exit_info *e = prog_exit_codes; e->meaning; e++) {
                char label[8];

                snprintf(label, sizeof(label), "%d", e->code);
                print_item(f, label, e->meaning, 6);
        }
}

static void help_command(FILE *f, const struct prog_command *cmd)
{
        fprintf(f, "Usage: latchkey-sim %s %s\n\n", cmd->name, cmd->synopsis);
        wrap(f, cmd->description, 0, 0);
        if (cmd->flags && cmd->flags[0].name)
                fprintf(f, "\nOptions:\n");
        for (const struct prog_flag *fl = cmd->flags; fl && fl->name; fl++) {
                char label[64];

                snprintf(label, sizeof(label), "--%s%s%s", fl->name, fl->arg ? " " : "", fl->arg ? fl->arg : "");
                print_item(f, label, fl->help, 26);
        }
        print_requests_and_exit_codes(f);
}

static void help_main(FILE *f)
{
        fprintf(f, "Usage: latchkey-sim COMMAND [OPTIONS]\n"
                   "\n"
                   "A virtual Nuki smart lock for latchkey's tests.\n"
                   "\n"
                   "Commands:\n");
        for (const struct prog_command *cmd = prog_commands; cmd->name; cmd++) {
                char label[96];

                snprintf(label, sizeof(label), "%s %s", cmd->name, cmd->synopsis);
                print_item(f, label, cmd->summary, 44);
        }
        fprintf(f, "\n'latchkey-sim COMMAND --help' tells more; 'latchkey-sim --version' the version.\n");
        print_requests_and_exit_codes(f);
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

/* What run's flags collect beyond prog_options. */
struct run_args {
        struct prog_options o;
        struct prog_link over; /* --connect-ms etc.: over the profile */
        bool over_set[4];
        bool background;
};

/* One of run's flags (c, getopt's value) into r. -EINVAL after saying what is wrong. */
/* A flag that shapes the virtual lock itself (its engine's configuration): 0, -EINVAL with the
 * reason logged, or 1 when c is not one of them. */
static int lock_flag(int c, struct prog_options *o)
{
        unsigned long long v;

        switch (c) {
        case O_GEN:
                if (strcmp(optarg, "ultra") == 0)
                        o->cfg.generation = LK_GEN_ULTRA;
                else if (strcmp(optarg, "opener") == 0)
                        o->cfg.generation = LK_GEN_OPENER;
                else if (prog_parse_uint(optarg, 4, &v) == 0 && v >= 1)
                        o->cfg.generation = (enum lk_generation)v;
                else {
                        prog_log("--generation wants 1, 2, 3, 4, ultra or opener, not '%s'", optarg);
                        return -EINVAL;
                }
                o->generation_set = true;
                break;
        case O_MTU:
                if (prog_parse_uint(optarg, PROG_ATT_MTU_MAX, &v) < 0 ||
                    v < PROG_ATT_MTU_DEFAULT) {
                        prog_log("--mtu wants 23..247, not '%s'", optarg);
                        return -EINVAL;
                }
                o->mtu = (uint16_t)v;
                break;
        case O_NAME:
                /* spec §9.2: names are 32 bytes of UTF-8. */
                if (strlen(optarg) > LK_AUTH_NAME_SIZE ||
                    !lk_utf8_is_valid((const uint8_t *)optarg, strlen(optarg))) {
                        prog_log("--name wants at most %u bytes of UTF-8",
                                 LK_AUTH_NAME_SIZE);
                        return -EINVAL;
                }
                snprintf(o->cfg.name, sizeof(o->cfg.name), "%s", optarg);
                break;
        case O_LOG:
                if (prog_parse_uint(optarg, SIM_LOG_CAPACITY_MAX, &v) < 0 || v == 0) {
                        prog_log("--log-capacity wants 1..%u, not '%s'",
                                 SIM_LOG_CAPACITY_MAX, optarg);
                        return -EINVAL;
                }
                o->cfg.log_capacity = (unsigned)v;
                break;
        case O_PAIRING:
                if (prog_parse_uint(optarg, 86400, &v) < 0 || v == 0) {
                        prog_log("--pairing-timeout wants 1..86400 seconds, not '%s'",
                                 optarg);
                        return -EINVAL;
                }
                o->cfg.pairing_timeout_s = (unsigned)v;
                break;
        case O_MOTOR:
                if (prog_parse_motor(optarg, &o->cfg) < 0) {
                        prog_log("--motor-ms wants N or ACTION=N,... (0..%u ms), not '%s'", SIM_MOTOR_MS_MAX, optarg);
                        return -EINVAL;
                }
                break;
        case O_LEGACY:
                o->cfg.api_v1 = true;
                break;
        case O_PLAIN_ERRORS:
                if (strcmp(optarg, "keyturner") == 0)
                        o->cfg.errors = SIM_ERRORS_PLAIN_GDIO;
                else if (strcmp(optarg, "usdio") == 0)
                        o->cfg.errors = SIM_ERRORS_PLAIN_USDIO;
                else {
                        prog_log("--plain-errors wants keyturner or usdio, not '%s'", optarg);
                        return -EINVAL;
                }
                break;
        default:
                return 1;
        }
        return 0;
}

/* A flag of `latchkey-sim run`: the lock's (lock_flag) or the program's (where and how it
 * serves). 0, or -EINVAL with the reason logged. */
static int run_flag(int c, const char *opt_name, struct run_args *r)
{
        struct prog_options *o = &r->o;
        unsigned long long v;
        size_t i;
        int k = lock_flag(c, o);

        if (k <= 0)
                return k;
        switch (c) {
        case O_SOCKET:
                o->socket_path = optarg;
                break;
        case O_STATE:
                o->state_path = optarg;
                break;
        case O_PIN:
                o->pin_path = optarg;
                break;
        case O_LINK:
                for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
                        if (strcmp(optarg, profiles[i].name) == 0)
                                break;
                if (i == sizeof(profiles) / sizeof(profiles[0])) {
                        prog_log("--link wants ideal, ble or slow, not '%s'", optarg);
                        return -EINVAL;
                }
                o->link = profiles[i].link;
                break;
        case O_CONNECT:
        case O_WRITE:
        case O_INDICATE:
        case O_PROCESS: {
                unsigned *f[] = { &r->over.connect_ms, &r->over.write_ms, &r->over.indicate_ms,
                                  &r->over.process_ms };

                if (parse_ms(opt_name, optarg, f[c - O_CONNECT]) < 0)
                        return -EINVAL;
                r->over_set[c - O_CONNECT] = true;
                break;
        }
        case O_READY:
                if (prog_parse_uint(optarg, 65535, &v) < 0 || v < 3) {
                        prog_log("--ready-fd wants a descriptor number >= 3");
                        return -EINVAL;
                }
                o->ready_fd = (int)v;
                break;
        case O_VERBOSE:
                prog_verbose = true;
                break;
        case O_BLE:
                o->ble = true;
                break;
        case O_ADAPTER:
                o->adapter = optarg;
                break;
        case O_BACKGROUND:
                r->background = true;
                break;
        case O_ANSWER_FIRST:
                o->answer_first = true;
                break;
        case O_HIDE_PAIRING:
                o->hide_pairing = true;
                break;
        default:
                return -EINVAL;
        }
        return 0;
}

/* --background: serve from a child process and return once it listens, or with its failure. */
static int run_in_background(struct prog_options *o)
{
        char buf[8];
        ssize_t n;
        int p[2], status;
        pid_t pid;

        if (o->ready_fd >= 0) {
                prog_log("--background tells when it is ready itself: no --ready-fd with it");
                return PROG_EXIT_USAGE;
        }
        if (pipe2(p, O_CLOEXEC) < 0)
                return prog_log_errno(-errno, "Failed to create a pipe"), PROG_EXIT_FAILED;
        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return prog_log_errno(-errno, "Failed to fork"), PROG_EXIT_FAILED;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                close(p[0]);
                if (null >= 0) {
                        (void) dup2(null, STDIN_FILENO);
                        (void) dup2(null, STDOUT_FILENO);
                }
                o->ready_fd = p[1];
                _exit(prog_run(o));
        }
        close(p[1]);
        do
                n = read(p[0], buf, sizeof(buf));
        while (n < 0 && errno == EINTR);
        close(p[0]);
        if (n > 0) {
                printf("latchkey-sim: listening on %s (pid %d; stop it with: latchkey-sim ctl --socket %s quit)\n",
                       o->socket_path, (int)pid, o->socket_path);
                return PROG_EXIT_OK;
        }
        /* It stopped before listening: its own message said why; pass on its exit code. */
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
                return PROG_EXIT_FAILED;
        return WEXITSTATUS(status) ? WEXITSTATUS(status) : PROG_EXIT_FAILED;
}

static int cmd_run(int argc, char **argv)
{
        struct option longopts[PROG_FLAGS_MAX];
        struct run_args r = { .o = { .ready_fd = -1, .mtu = PROG_ATT_MTU_MAX } };
        int c;

        sim_config_default(&r.o.cfg);
        to_options(run_flags, longopts);
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
                if (c == 'h' || c == O_HELP) {
                        help_command(stdout, find_command("run"));
                        return PROG_EXIT_OK;
                }
                if (c == '?' || run_flag(c, argv[optind - 1], &r) < 0) {
                        fprintf(stderr, "Try 'latchkey-sim run --help'.\n");
                        return PROG_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                prog_log("unexpected argument '%s'", argv[optind]);
                return PROG_EXIT_USAGE;
        }
        if (!r.o.socket_path || !r.o.state_path) {
                prog_log("run needs --socket PATH and --state FILE");
                return PROG_EXIT_USAGE;
        }
        if (r.over_set[0])
                r.o.link.connect_ms = r.over.connect_ms;
        if (r.over_set[1])
                r.o.link.write_ms = r.over.write_ms;
        if (r.over_set[2])
                r.o.link.indicate_ms = r.over.indicate_ms;
        if (r.over_set[3])
                r.o.link.process_ms = r.over.process_ms;
        return r.background ? run_in_background(&r.o) : prog_run(&r.o);
}

/* ctl and its shorthands: --socket PATH, then the request's words. */
static int ctl_common(int argc, char **argv, const char *prefix, int min_words, int max_words)
{
        const struct prog_command *cmd = find_command(argv[0]);
        struct option longopts[PROG_FLAGS_MAX];
        const char *socket_path = NULL;
        char *words[32];
        int c, n = 0, i;

        to_options(ctl_flags, longopts);
        optind = 1;
        /* '+': stop at the first word, so "clock advance -5" reaches the request. */
        while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) >= 0) {
                switch (c) {
                case O_SOCKET:
                        socket_path = optarg;
                        break;
                case 'h':
                case O_HELP:
                        help_command(stdout, cmd);
                        return PROG_EXIT_OK;
                default:
                        fprintf(stderr, "Usage: latchkey-sim %s %s\n", cmd->name, cmd->synopsis);
                        return PROG_EXIT_USAGE;
                }
        }
        if (!socket_path) {
                prog_log("--socket PATH is required");
                return PROG_EXIT_USAGE;
        }
        if (argc - optind < min_words || argc - optind > max_words) {
                fprintf(stderr, "Usage: latchkey-sim %s %s\n", cmd->name, cmd->synopsis);
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
        return ctl_common(argc, argv, NULL, 1, 16);
}

static int cmd_press_button(int argc, char **argv)
{
        return ctl_common(argc, argv, "press-button", 0, 1);
}

static int cmd_type_code(int argc, char **argv)
{
        return ctl_common(argc, argv, "type-code", 1, 2);
}

static int cmd_ring(int argc, char **argv)
{
        return ctl_common(argc, argv, "ring", 0, 0);
}

static int cmd_state(int argc, char **argv)
{
        return ctl_common(argc, argv, "state", 0, 0);
}

static int cmd_help(int argc, char **argv)
{
        help_main(stdout);
        return PROG_EXIT_OK;
}

const struct prog_command prog_commands[] = {
        { "run", cmd_run, "--socket PATH --state FILE [OPTIONS]", "serve the lock",
          "Serve a virtual Nuki lock on the SOCK_SEQPACKET socket PATH (data, see docs/sim-socket.md) and PATH.ctl "
          "(control) until SIGTERM, SIGINT or the quit request. Once listening it prints \"latchkey-sim: listening on "
          "PATH\" and sends sd_notify READY=1. The lock is factory new on the first run (pairing needs its button: "
          "press-button), with the security PIN 0000 unless --pin-file gives another; the state file keeps "
          "everything (pairings, codes, log, clock) across restarts.",
          run_flags },
        { "ctl", cmd_ctl, "--socket PATH WORDS...", "send one control request",
          "Send one control request to a running simulator and print its JSON reply.", ctl_flags },
        { "press-button", cmd_press_button, "--socket PATH [SECONDS]", "= ctl press-button",
          "Hold the lock's button (default 5 seconds: pairing mode, for 60 seconds).", ctl_flags },
        { "type-code", cmd_type_code, "--socket PATH CODE [ACTION]", "= ctl type-code",
          "Type CODE on the lock's keypad, then the ACTION key: intelligent, unlock (default), lock, unlatch or "
          "lock-n-go.",
          ctl_flags },
        { "ring", cmd_ring, "--socket PATH", "= ctl ring",
          "Ring the doorbell at a virtual Opener (run with generation opener): while ring to open or continuous mode is on, "
          "the door opens.",
          ctl_flags },
        { "state", cmd_state, "--socket PATH", "= ctl state", "Print the lock's whole state as JSON.", ctl_flags },
        { "help", cmd_help, "", "this text", "List the commands, control requests and exit codes." },
        {},
};

static const struct prog_command *find_command(const char *name)
{
        for (const struct prog_command *cmd = prog_commands; cmd->name; cmd++)
                if (strcmp(cmd->name, name) == 0)
                        return cmd;
        return NULL;
}

int prog_main(int argc, char **argv)
{
        const struct prog_command *cmd;

        if (argc < 2) {
                help_main(stderr);
                return PROG_EXIT_USAGE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                help_main(stdout);
                return PROG_EXIT_OK;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("latchkey-sim %s\n", LATCHKEY_VERSION);
                return PROG_EXIT_OK;
        }
        if (sodium_init() < 0) {
                prog_log("libsodium failed to initialise");
                return PROG_EXIT_FAILED;
        }
        cmd = find_command(argv[1]);
        if (cmd)
                return cmd->run(argc - 1, argv + 1);
        prog_log("unknown command '%s'; try 'latchkey-sim --help'", argv[1]);
        return PROG_EXIT_USAGE;
}
