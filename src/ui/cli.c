/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "cli.h"
#include "duration.h"
#include "latchkey/names.h"
#include "log.h"
#include "owner.h"
#include "secret-file.h"
#include "util.h"

int cli_fail(struct cli *c, enum cli_exit code, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(c->error, sizeof(c->error), fmt, ap);
        va_end(ap);
        c->exit_code = code;
        return -1;
}

const char *cli_firmware_words(const struct lk_creds *creds, char *buf, size_t size)
{
        if (streq(creds->firmware, STORE_FIRMWARE_API1))
                snprintf(buf, size, "older firmware: Config in the API v1 layout, no version given");
        else if (creds->firmware[0])
                snprintf(buf, size, "firmware %s", creds->firmware);
        else
                snprintf(buf, size, "firmware not known yet: 'latchkey config show' reads it");
        return buf;
}

void cli_note_firmware(struct cli *c, const struct lk_config *cfg)
{
        char fw[STORE_FIRMWARE_MAX + 1];
        struct lk_creds stored;
        int r;

        if (lk_config_has(cfg, LK_CONFIG_OFF_FIRMWARE + 2))
                snprintf(fw, sizeof(fw), "%u.%u.%u", cfg->firmware_version[0], cfg->firmware_version[1],
                         cfg->firmware_version[2]);
        else
                snprintf(fw, sizeof(fw), "%s", STORE_FIRMWARE_API1);
        if (!c->store || !c->creds.alias[0] || streq(fw, c->creds.firmware))
                return;
        snprintf(c->creds.firmware, sizeof(c->creds.firmware), "%s", fw);
        /* What is stored, not c->creds: --pin-file and --via change those for this run only. */
        r = store_creds_get(c->store, c->creds.alias, &stored);
        if (r >= 0) {
                snprintf(stored.firmware, sizeof(stored.firmware), "%s", fw);
                r = store_creds_put(c->store, &stored);
                lk_creds_wipe(&stored);
        }
        if (r < 0)
                log_warning("Cannot store the firmware of '%s': %s", c->creds.alias, strerror(-r));
}

/* What the session knows about error beyond its kind (issue 14), as a tail for the message. */
static void session_note(struct cli *c, int error, char *buf, size_t size)
{
        const char *name;
        uint16_t cmd;
        size_t len = 0;
        char fw[96];

        buf[0] = '\0';
        if (!c->session)
                return;
        if ((error == -EREMOTEIO || error == -EACCES) && session_remote_error_plain(c->session)) {
                snprintf(buf, size, " (an unencrypted Error Report: unauthenticated, so nothing stored was changed)");
        } else if (error == -ETIMEDOUT && (cmd = session_silent_cmd(c->session))) {
                name = lk_cmd_name(cmd);
                snprintf(buf, size, ": it answered nothing at all to %s (0x%04X); the lock (%s) probably does not support it",
                         name ? name : "the command", cmd, cli_firmware_words(&c->creds, fw, sizeof(fw)));
        } else if (error == -ENOMSG && (cmd = session_not_understood_cmd(c->session, &len))) {
                name = lk_cmd_name(cmd);
                snprintf(buf, size, ": %s (0x%04X), %zu bytes", name ? name : "a command", cmd, len);
        }
}

int cli_fail_errno(struct cli *c, int error, const char *what)
{
        struct lk_creds fresh;
        uint8_t code = 0;
        char why[400], note[320];

        if (error == -EREMOTEIO) {
                code = c->session ? session_remote_error(c->session) : LK_ERROR_UNKNOWN;
                c->lock_error = code;
        } else if ((error == -EKEYREJECTED || error == -EKEYEXPIRED || error == -EACCES) && c->session &&
                   session_remote_error(c->session))
                c->lock_error = session_remote_error(c->session);
        /* What to do names the lock, and the PIN state as the agent keeps it now. */
        if (c->store && c->creds.alias[0] && store_creds_get(c->store, c->creds.alias, &fresh) >= 0) {
                if (error == -EKEYREJECTED && c->pin_file && !fresh.pin_refused_at)
                        /* the operator's PIN, not the stored one: nothing was marked (agent.h) */
                        snprintf(why, sizeof(why), "the lock refused the security PIN in '%s'; the stored PIN is "
                                 "unchanged and still used", c->pin_file);
                else
                        agent_describe(&fresh, error, code, why, sizeof(why));
                lk_creds_wipe(&fresh);
        } else
                agent_describe(c->creds.alias[0] ? &c->creds : NULL, error, code, why, sizeof(why));
        session_note(c, error, note, sizeof(note));
        return cli_fail(c, exit_for_lock_errno(error, code), "%s: %s%s", what, why, note);
}

#define CLI_FLAGS_MAX 64

static void add_flags(const struct cli_flag *f, struct option *all, size_t *n, char *shorts, size_t *ns)
{
        for (; f && f->name; f++) {
                assert(*n < CLI_FLAGS_MAX && *ns + 3 < CLI_FLAGS_MAX);
                all[(*n)++] = (struct option){ f->name, f->arg ? required_argument : no_argument, NULL, f->id };
                if (f->short_name) {
                        shorts[(*ns)++] = f->short_name;
                        if (f->arg)
                                shorts[(*ns)++] = ':';
                }
        }
        shorts[*ns] = '\0';
}

/* A usage error from getopt, in our words (getopt's own are off: --json must stay one object). */
static int getopt_error(struct cli *c, int opt, char **argv)
{
        const char *cmd = c->command ? c->command->name : "";
        const struct cli_flag *f = cli_flag_by_id(c->command, optopt);

        if (opt == ':' && f)
                return cli_fail(c, CLI_EXIT_USAGE, "--%s needs a value (%s); see 'latchkey %s --help'", f->name, f->arg, cmd);
        if (f && !f->arg)
                return cli_fail(c, CLI_EXIT_USAGE, "--%s takes no value; see 'latchkey %s --help'", f->name, cmd);
        if (optopt && !f)
                return cli_fail(c, CLI_EXIT_USAGE, "unknown option '-%c'; see 'latchkey %s --help'", optopt, cmd);
        return cli_fail(c, CLI_EXIT_USAGE, "unknown option '%s'; see 'latchkey %s --help'", argv[optind - 1], cmd);
}

static int global_flag(struct cli *c, int opt)
{
        uint64_t ms;

        switch (opt) {
        case OPT_JSON:
                c->json = true;
                return 0;
        case OPT_STATE_DIR:
                snprintf(c->state_dir, sizeof(c->state_dir), "%s", optarg);
                return 0;
        case OPT_LOCK:
                c->lock_alias = optarg;
                return 0;
        case OPT_VIA:
                c->via = optarg;
                return 0;
        case OPT_ADAPTER:
                c->adapter = optarg;
                return 0;
        case OPT_PIN_FILE:
                c->pin_file = optarg;
                return 0;
        case OPT_TIMEOUT:
                /* The one duration grammar (duration.h). */
                if (duration_parse_ms(optarg, &ms) < 0 || ms < 100 || ms > 3600 * 1000)
                        return cli_fail(c, CLI_EXIT_USAGE, "--timeout takes 100 ms to 1 h: 10, 10s, 1500ms, 2m; not '%s'",
                                        optarg);
                c->timeout_usec = ms * 1000ULL;
                return 0;
        case OPT_VERBOSE:
                c->verbose++;
                log_max_level = LOG_DEBUG;
                return 0;
        case OPT_QUIET:
                c->quiet = true;
                return 0;
        case OPT_HELP:
        case OPT_VERSION:
                return 0; /* main answered these before the command ran */
        default:
                return 1; /* the command's own */
        }
}

/* The words of a synopsis that are not flags or their values: "ID", "on|off", "FILE|-". */
static bool takes_operands(const struct cli_command *cmd)
{
        const char *p = cmd ? cmd->synopsis : NULL;
        bool after_flag = false;

        while (p && *p) {
                size_t n;

                p += strspn(p, " ()|");
                n = strcspn(p, " ()");
                if (n == 0)
                        break;
                if (*p == '-')
                        after_flag = true;
                else if (after_flag)
                        after_flag = false; /* the flag's value: "--name NAME" */
                else
                        return true;
                p += n;
        }
        return false;
}

/*
 * What getopt_long lets through and a command line must not: a long flag shortened ("--allow"
 * for --allow-cancel-all skips a safety check by accident), a flag given twice (which one
 * holds?), words after a command that takes none ("open now"). Each is a usage error, before
 * anything is done.
 */
static int strict_flag(struct cli *c, const struct option *all, int li, int opt, char **argv)
{
        const char *cmd = c->command ? c->command->name : "";

        if (li >= 0) {
                const char *word = optarg && optarg == argv[optind - 1] ? argv[optind - 2] : argv[optind - 1];
                size_t n = strlen(all[li].name);

                if (strncmp(word, "--", 2) != 0 || strncmp(word + 2, all[li].name, n) != 0 ||
                    (word[2 + n] != '\0' && word[2 + n] != '='))
                        return cli_fail(c, CLI_EXIT_USAGE, "unknown option '%.*s' (did you mean --%s?); see 'latchkey %s --help'",
                                        (int)strcspn(word, "="), word, all[li].name, cmd);
        }
        if (opt == OPT_VERBOSE)
                return 0;
        for (unsigned i = 0; i < c->n_flags_seen; i++)
                if (c->flags_seen[i] == opt) {
                        const struct cli_flag *f = cli_flag_by_id(c->command, opt);

                        return cli_fail(c, CLI_EXIT_USAGE, "--%s is given twice; give it once", f ? f->name : "?");
                }
        if (c->n_flags_seen < ELEMENTSOF(c->flags_seen))
                c->flags_seen[c->n_flags_seen++] = opt;
        return 0;
}

int cli_getopt(struct cli *c, int argc, char **argv)
{
        struct option all[CLI_FLAGS_MAX + 1];
        char shorts[CLI_FLAGS_MAX] = ":";
        const struct cli_flag *f;
        size_t n = 0, ns = 1;
        int opt, r;

        add_flags(c->command ? c->command->flags : NULL, all, &n, shorts, &ns);
        add_flags(cli_global_flags, all, &n, shorts, &ns);
        all[n] = (struct option){ 0 };
        opterr = 0;

        for (;;) {
                int li = -1;

                opt = getopt_long(argc, argv, shorts, all, &li);
                if (opt == -1) {
                        if (optind < argc && !takes_operands(c->command)) {
                                cli_fail(c, CLI_EXIT_USAGE, "'latchkey %s' takes no operands: '%s' is not a flag or value of one",
                                         c->command ? c->command->name : "", argv[optind]);
                                return '?';
                        }
                        return -1;
                }
                if (opt == '?' || opt == ':') {
                        getopt_error(c, opt, argv);
                        return '?';
                }
                /* A short letter means the same as its long name. */
                f = cli_flag_by_id(c->command, opt);
                if (f)
                        opt = (int)f->id;
                if (strict_flag(c, all, li, opt, argv) < 0)
                        return '?';
                r = global_flag(c, opt);
                if (r < 0)
                        return '?';
                if (r > 0)
                        return opt;
        }
}

int cli_getopt_none(struct cli *c, int argc, char **argv)
{
        int opt = cli_getopt(c, argc, argv);

        if (opt == -1)
                return 0;
        if (opt == '?')
                return -1;
        /* The table gives this command a flag its code does not handle. */
        return cli_fail(c, CLI_EXIT_FAILURE, "internal error: 'latchkey %s' does not handle --%s",
                        c->command ? c->command->name : "?", cli_flag_by_id(c->command, opt)->name);
}

int cli_store(struct cli *c, struct store **ret)
{
        int r;

        if (!c->store) {
                if (!c->state_dir[0]) {
                        r = store_default_dir(c->state_dir, sizeof(c->state_dir));
                        if (r < 0)
                                return cli_fail(c, CLI_EXIT_STATE, "cannot find a state directory: %s", strerror(-r));
                }
                /* Root on the daemon's state: act as its owner (owner.h). */
                r = owner_become(c->state_dir);
                if (r < 0)
                        return cli_fail(c, CLI_EXIT_STATE, "cannot act as the owner of '%s': %s", c->state_dir,
                                        strerror(-r));
                r = store_open(c->state_dir, &c->store);
                if (r == -EPERM)
                        return cli_fail(c, CLI_EXIT_STATE, "state directory '%s' belongs to another user", c->state_dir);
                if (r < 0)
                        return cli_fail(c, CLI_EXIT_STATE, "cannot open state directory '%s': %s", c->state_dir,
                                        strerror(-r));
        }
        if (ret)
                *ret = c->store;
        return 0;
}

int cli_lock(struct cli *c)
{
        char **l = NULL;
        int r;

        if (cli_store(c, NULL) < 0)
                return -1;
        if (c->creds.alias[0])
                return 0;
        if (!c->lock_alias) {
                r = store_creds_list(c->store, &l);
                if (r < 0)
                        return cli_fail(c, CLI_EXIT_STATE, "cannot list paired locks: %s", strerror(-r));
                if (!l[0] || l[1]) {
                        bool none = !l[0];

                        strv_free(l);
                        return none ? cli_fail(c, CLI_EXIT_NOT_FOUND, "no lock is paired yet: run 'latchkey pair' first")
                                    : cli_fail(c, CLI_EXIT_USAGE, "several locks are paired: choose one with --lock NAME (see 'latchkey locks')");
                }
                r = store_creds_get(c->store, l[0], &c->creds);
                strv_free(l);
        } else {
                if (!store_alias_is_valid(c->lock_alias))
                        return cli_fail(c, CLI_EXIT_USAGE,
                                        "invalid lock name '%s': use 1-63 letters, digits, '.', '_' or '-'", c->lock_alias);
                r = store_creds_get(c->store, c->lock_alias, &c->creds);
        }
        if (r == -ENOENT)
                return cli_fail(c, CLI_EXIT_NOT_FOUND, "no paired lock named '%s' (see 'latchkey locks')", c->lock_alias);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "cannot read the credentials of '%s': %s", c->lock_alias ? c->lock_alias : "lock",
                                r == -EBADMSG ? "the file is corrupt" : strerror(-r));
        return 0;
}

int cli_via_check(struct cli *c, const char *via, enum cli_exit missing)
{
        const char *path = via && strncmp(via, "sim:", 4) == 0 ? via + 4 : NULL;
        struct stat st;

        if (!path || !*path)
                return 0;
        if (stat(path, &st) < 0)
                return errno == ENOENT ? cli_fail(c, missing,
                                                  "%sno virtual lock socket exists at '%s' (is its latchkey-sim running? "
                                                  "latchkey-sim run --socket '%s' --state FILE starts one)",
                                                  missing == CLI_EXIT_LINK ? "the link to the lock failed: " : "", path, path)
                                       : 0; /* the connection says why */
        if (!S_ISSOCK(st.st_mode))
                return cli_fail(c, missing, "no virtual lock socket exists at '%s': it is a %s, not a socket", path,
                                S_ISDIR(st.st_mode) ? "directory" : "file");
        return 0;
}

int cli_link_fail(struct cli *c, const char *via, int error, const char *what)
{
        if (via && strncmp(via, "sim:", 4) == 0 && (error == -ECONNREFUSED || error == -ENOENT))
                return cli_fail(c, CLI_EXIT_LINK,
                                "%s: nothing listens on the virtual lock socket '%s' (its latchkey-sim is not running)", what,
                                via + 4);
        return cli_fail_errno(c, error == -ENOENT ? -ECONNREFUSED : error, what);
}

int cli_transport(struct cli *c, const char *via, struct lk_transport **ret)
{
        int r;

        if (cli_via_check(c, via, CLI_EXIT_NOT_FOUND) < 0) /* a path given for pair or scan */
                return -1;
        if (!c->event) {
                r = sd_event_default(&c->event);
                if (r < 0)
                        return cli_fail(c, CLI_EXIT_FAILURE, "cannot create the event loop: %s", strerror(-r));
        }
        r = agent_transport(c->event, via, c->adapter, ret);
        if (r == -EINVAL)
                return cli_fail(c, CLI_EXIT_USAGE, "invalid --via '%s': use sim:PATH or ble:AA:BB:CC:DD:EE:FF", via);
        if (r == -ENOENT || r == -ECONNREFUSED)
                return cli_fail(c, CLI_EXIT_LINK, "the system D-Bus is not running (needed for Bluetooth)");
        if (r < 0)
                return cli_fail(c, CLI_EXIT_FAILURE, "cannot set up the transport: %s", strerror(-r));
        return 0;
}

int cli_connect(struct cli *c)
{
        struct session_opts opts;
        struct agent_opts ao;
        const char *via;
        int r;

        if (c->session && session_is_connected(c->session))
                return 0;
        if (c->session) /* a link that dropped: the same session connects again */
                return session_connect(c->session, NULL) < 0 ? cli_fail_errno(c, -ENOTCONN, "connecting again") : 0;
        if (cli_lock(c) < 0)
                return -1;
        if (c->pin_file) {
                r = cli_pin(c, c->creds.generation, &c->creds.pin);
                if (r < 0)
                        return -1;
                c->creds.has_pin = true;
        }
        via = c->via ? c->via : c->creds.via;
        if (cli_via_check(c, via, CLI_EXIT_LINK) < 0) /* a paired lock that cannot be reached */
                return -1;
        if (!c->event && (r = sd_event_default(&c->event)) < 0)
                return cli_fail(c, CLI_EXIT_FAILURE, "cannot create the event loop: %s", strerror(-r));
        agent_session_opts(via, c->timeout_usec, &opts);
        /* The agent keeps other processes off the lock while we work, and the PIN's state. */
        ao = (struct agent_opts){ .adapter = c->adapter, .session = &opts, .via = via,
                                  .pin = c->pin_file ? &c->creds.pin : NULL };
        r = agent_session_open(c->event, c->store, &c->creds, &ao, &c->session);
        if (r == -EINVAL)
                return cli_fail(c, CLI_EXIT_USAGE, "invalid --via '%s': use sim:PATH or ble:AA:BB:CC:DD:EE:FF", via);
        if (r < 0) {
                char what[128];

                snprintf(what, sizeof(what), "connecting to '%s'", c->creds.alias);
                return cli_link_fail(c, via, r, what);
        }
        return 0;
}

int cli_store_pin(struct cli *c, const struct lk_pin *pin)
{
        struct lk_creds disk;
        int r;

        r = store_creds_get(c->store, c->creds.alias, &disk);
        if (r < 0)
                return r;
        disk.pin = *pin;
        disk.has_pin = true;
        disk.pin_refused_at = disk.pin_lockout_at = disk.pin_retry_at = 0;
        r = store_creds_put(c->store, &disk);
        lk_creds_wipe(&disk);
        if (r >= 0)
                log_debug("event=pin-stored lock=%s", c->creds.alias);
        return r;
}

bool cli_tty(void)
{
        return isatty(STDERR_FILENO) == 1;
}

int cli_read_secret(struct cli *c, const char *file, const char *prompt, char *buf, size_t size)
{
        struct termios old, quiet;
        int fd, r;
        size_t n;

        if (file)
                return read_secret(file, buf, size);
        /* No file: prompt on the controlling terminal with echo off. */
        fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -ENOKEY;
        if (tcgetattr(fd, &old) < 0) {
                close(fd);
                return -ENOKEY;
        }
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        (void)!write(fd, prompt, strlen(prompt));
        (void)tcsetattr(fd, TCSAFLUSH, &quiet);
        r = 0;
        n = 0;
        while (n < size - 1) {
                char ch;
                ssize_t k = read(fd, &ch, 1);

                if (k <= 0 || ch == '\n' || ch == '\r')
                        break;
                buf[n++] = ch;
        }
        buf[n] = '\0';
        (void)tcsetattr(fd, TCSAFLUSH, &old);
        (void)!write(fd, "\n", 1);
        close(fd);
        return r;
}

int cli_secret_refused(struct cli *c, const char *what, const char *file)
{
        char why[PATH_MAX * 2 + 200];

        secret_refusal(what, file, why, sizeof(why));
        return cli_fail(c, CLI_EXIT_USAGE, "%s", why);
}

int cli_pin(struct cli *c, enum lk_generation gen, struct lk_pin *ret)
{
        char buf[32];
        struct lk_pin pin;
        int r;

        if (!c->pin_file && c->creds.has_pin) {
                *ret = c->creds.pin;
                return 0;
        }
        r = cli_read_secret(c, c->pin_file, "Security PIN of the lock: ", buf, sizeof(buf));
        if (r == -EPERM)
                return cli_secret_refused(c, "the PIN file", c->pin_file);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_USAGE, "cannot read the security PIN%s%s: %s", c->pin_file ? " from " : "",
                                c->pin_file ? c->pin_file : "", r == -ENOKEY ? "no terminal to ask on; use --pin-file" : strerror(-r));
        r = parse_pin(buf, &pin);
        sodium_memzero(buf, sizeof(buf));
        if (r < 0 || pin.size != lk_generation_pin_size(gen)) {
                sodium_memzero(&pin, sizeof(pin));
                return cli_fail(c, CLI_EXIT_USAGE, "the security PIN must be %s digits for this lock",
                                lk_generation_pin_size(gen) == 4 ? "6" : "4");
        }
        *ret = pin;
        sodium_memzero(&pin, sizeof(pin));
        return 0;
}

void cli_progress(struct cli *c, const char *what, unsigned done, unsigned total)
{
        unsigned width = 30, fill;

        if (c->quiet || !cli_tty() || total == 0)
                return;
        fill = done >= total ? width : done * width / total;
        fprintf(stderr, "\r%-16s [", what);
        for (unsigned i = 0; i < width; i++)
                fputc(i < fill ? '#' : '.', stderr);
        fprintf(stderr, "] %u/%u", done, total);
        fflush(stderr);
}

void cli_progress_end(struct cli *c)
{
        if (!c->quiet && cli_tty())
                fprintf(stderr, "\r\033[K");
}
