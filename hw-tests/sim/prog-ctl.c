/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim: the control socket (docs/sim-socket.md). A request is one packet of words,
 * the reply one packet holding one JSON object: {"ok":true,...} or {"ok":false,"error":"..."}.
 * Errors map to the outside here, in one place (STYLE.md §3).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "latchkey/names.h"
#include "prog.h"

#define CTL_WORDS_MAX 16
#define CTL_TIMEOUT_MS 10000 /* the client gives up on a silent sim after this */
#define CLOCK_ADVANCE_MAX (100ll * 366 * 24 * 3600) /* a century either way */

static int parse_int64(const char *s, int64_t *ret)
{
        unsigned long long v;
        bool neg = *s == '-';
        int r;

        r = prog_parse_uint(neg || *s == '+' ? s + 1 : s, (unsigned long long)CLOCK_ADVANCE_MAX,
                            &v);
        if (r < 0)
                return r;
        *ret = neg ? -(int64_t)v : (int64_t)v;
        return 0;
}

static void format_iso8601z(int64_t t, char buf[static 32])
{
        struct lk_datetime dt;

        if (lk_datetime_from_unix(t, &dt) < 0) {
                snprintf(buf, 32, "invalid");
                return;
        }
        snprintf(buf, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", dt.year, dt.month, dt.day, dt.hour,
                 dt.minute, dt.second);
}

static cJSON *link_json(struct prog *p)
{
        const struct prog_link *l = prog_link(p);
        cJSON *o = cJSON_CreateObject();

        cJSON_AddNumberToObject(o, "connect_ms", l->connect_ms);
        cJSON_AddNumberToObject(o, "write_ms", l->write_ms);
        cJSON_AddNumberToObject(o, "indicate_ms", l->indicate_ms);
        cJSON_AddNumberToObject(o, "process_ms", l->process_ms);
        return o;
}

static cJSON *faults_json(struct prog *p)
{
        const struct prog_faults *f = prog_faults(p);
        cJSON *o = cJSON_CreateObject();

        cJSON_AddNumberToObject(o, "drop_before", f->drop_before);
        cJSON_AddNumberToObject(o, "drop_after", f->drop_after);
        cJSON_AddBoolToObject(o, "lose_reply", f->lose_reply);
        cJSON_AddBoolToObject(o, "corrupt", f->corrupt);
        cJSON_AddBoolToObject(o, "stall", f->stall);
        cJSON_AddBoolToObject(o, "drop_in_motion", f->drop_in_motion);
        return o;
}

/* ---- the motor ---- */

/* spec §7.4 values 1..6 */
const char *const prog_motor_names[SIM_MOTOR_ACTIONS] = {
        NULL, "unlock", "lock", "unlatch", "lock-n-go", "lock-n-go-unlatch", "full-lock",
};

uint8_t prog_motor_action(const char *name)
{
        for (uint8_t a = 1; a < SIM_MOTOR_ACTIONS; a++)
                if (strcmp(name, prog_motor_names[a]) == 0)
                        return a;
        return 0;
}

int prog_parse_motor(const char *arg, struct sim_config *cfg)
{
        char buf[256], *save = NULL, *item;
        unsigned long long v;

        if (prog_parse_uint(arg, SIM_MOTOR_MS_MAX, &v) == 0) {
                for (uint8_t a = 1; a < SIM_MOTOR_ACTIONS; a++)
                        cfg->motor_ms[a] = (unsigned)v;
                return 0;
        }
        if (strlen(arg) >= sizeof(buf))
                return -EINVAL;
        snprintf(buf, sizeof(buf), "%s", arg);
        for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(item, '=');
                uint8_t a;

                if (!eq)
                        return -EINVAL;
                *eq = '\0';
                a = prog_motor_action(item);
                if (a == 0 || prog_parse_uint(eq + 1, SIM_MOTOR_MS_MAX, &v) < 0)
                        return -EINVAL;
                cfg->motor_ms[a] = (unsigned)v;
        }
        return 0;
}

/* motor [[ACTION] MS]: show or set the motor times. */
static const char *ctl_motor(struct prog *p, int argc, char **argv, cJSON *reply)
{
        static const char usage[] = "usage: motor [[unlock|lock|unlatch|lock-n-go|lock-n-go-unlatch|full-lock] MS]";
        unsigned long long v;
        uint8_t action = 0;

        if (argc > 3)
                return usage;
        if (argc == 3 && (action = prog_motor_action(argv[1])) == 0)
                return usage;
        if (argc >= 2) {
                if (prog_parse_uint(argv[argc - 1], SIM_MOTOR_MS_MAX, &v) < 0)
                        return "motor times are 0..60000 ms";
                if (sim_lock_set_motor_ms(prog_lock(p), action, (unsigned)v) < 0)
                        return usage;
        }
        /* The times are in the state reply; say what runs now. */
        action = sim_lock_motor_action(prog_lock(p));
        cJSON_AddStringToObject(reply, "running", action ? lk_lock_action_name(action) : "none");
        return NULL;
}

static const char *errno_text(int r, const char *what)
{
        static char buf[128];

        snprintf(buf, sizeof(buf), "%s: %s", what, strerror(-r));
        return buf;
}

static const char *ctl_press_button(struct prog *p, int argc, char **argv, cJSON *reply)
{
        unsigned long long s = SIM_PAIRING_BUTTON_S;
        int r;

        if (argc > 2)
                return "usage: press-button [SECONDS]";
        if (argc == 2 && prog_parse_uint(argv[1], 3600, &s) < 0)
                return "SECONDS must be 0..3600";
        r = sim_lock_press_button(prog_lock(p), (unsigned)s);
        prog_after_engine(p);
        if (r == -EPERM)
                return "the button (or pairing by button) is disabled in the lock's config";
        if (r == -EBUSY)
                return "the motor is running";
        if (r < 0)
                return errno_text(r, "press-button failed");
        cJSON_AddNumberToObject(reply, "seconds", (double)s);
        cJSON_AddBoolToObject(reply, "pairing_mode", r == 1);
        return NULL;
}

/* spec §6.17: keypad actions. */
static const struct { const char *name; uint8_t value; } keypad_actions[] = {
        { "intelligent", 0 }, { "unlock", 1 }, { "lock", 2 }, { "unlatch", 3 },
        { "lock-n-go", 4 },
};

static const char *ctl_type_code(struct prog *p, int argc, char **argv, cJSON *reply)
{
        struct sim_keypad_result res;
        unsigned long long code, a;
        uint8_t action = 1;
        const char *name;
        size_t i;
        int r;

        if (argc < 2 || argc > 3)
                return "usage: type-code CODE [intelligent|unlock|lock|unlatch|lock-n-go]";
        /* spec §9.1: six digits. The engine judges validity; we only bound the number. */
        if (strlen(argv[1]) > 6 || prog_parse_uint(argv[1], 999999, &code) < 0)
                return "CODE must be up to 6 digits";
        if (argc == 3) {
                for (i = 0; i < sizeof(keypad_actions) / sizeof(keypad_actions[0]); i++)
                        if (strcmp(argv[2], keypad_actions[i].name) == 0)
                                break;
                if (i < sizeof(keypad_actions) / sizeof(keypad_actions[0]))
                        action = keypad_actions[i].value;
                else if (prog_parse_uint(argv[2], 4, &a) == 0)
                        action = (uint8_t)a;
                else
                        return "ACTION must be intelligent, unlock, lock, unlatch or lock-n-go";
        }
        r = sim_lock_keypad_type(prog_lock(p), (uint32_t)code, action, &res);
        prog_after_engine(p);
        if (r < 0)
                return errno_text(r, "type-code failed");
        name = lk_completion_name(res.completion);
        cJSON_AddStringToObject(reply, "completion", name ? name : "unknown");
        cJSON_AddNumberToObject(reply, "completion_status", res.completion);
        cJSON_AddNumberToObject(reply, "code_id", res.code_id);
        cJSON_AddBoolToObject(reply, "locked_out", res.locked_out);
        return NULL;
}

static const char *ctl_turn_knob(struct prog *p, int argc, char **argv, cJSON *reply)
{
        uint8_t action;
        int r;

        if (argc != 2)
                return "usage: turn-knob lock|unlock|unlatch";
        if (strcmp(argv[1], "lock") == 0)
                action = LK_ACTION_LOCK;
        else if (strcmp(argv[1], "unlock") == 0)
                action = LK_ACTION_UNLOCK;
        else if (strcmp(argv[1], "unlatch") == 0)
                action = LK_ACTION_UNLATCH;
        else
                return "usage: turn-knob lock|unlock|unlatch";
        r = sim_lock_turn_knob(prog_lock(p), action);
        prog_after_engine(p);
        if (r == -EBUSY)
                return "the motor is running";
        if (r == -EOPNOTSUPP)
                return "an Opener has no knob";
        if (r < 0)
                return errno_text(r, "turn-knob failed");
        {
                const char *s = lk_lock_state_name(sim_lock_lock_state(prog_lock(p)));

                cJSON_AddStringToObject(reply, "lock_state", s ? s : "unknown");
        }
        return NULL;
}

/* A doorbell ring at an Opener (nuki-opener.md O9). */
static const char *ctl_ring(struct prog *p, int argc, char **argv, cJSON *reply)
{
        static const char *const modes[] = { "none", "ring to open", "continuous mode" };
        struct sim_ring_result res;
        int r;

        (void)argv;
        if (argc != 1)
                return "usage: ring";
        r = sim_lock_ring(prog_lock(p), &res);
        prog_after_engine(p);
        if (r == -EOPNOTSUPP)
                return "only an Opener has a doorbell (latchkey-sim --generation opener)";
        if (r < 0)
                return errno_text(r, "ring failed");
        cJSON_AddStringToObject(reply, "active", modes[res.mode < 3 ? res.mode : 0]);
        cJSON_AddBoolToObject(reply, "opened", res.opened);
        cJSON_AddBoolToObject(reply, "busy", res.busy);
        return NULL;
}

static const char *ctl_clock(struct prog *p, int argc, char **argv, cJSON *reply)
{
        char buf[32];
        int64_t t;

        if (argc == 3 && strcmp(argv[1], "set") == 0) {
                if (prog_parse_iso8601z(argv[2], &t) < 0)
                        return "clock set wants YYYY-MM-DDTHH:MM:SSZ";
                prog_clock_shift(p, t - prog_now(p));
        } else if (argc == 3 && strcmp(argv[1], "advance") == 0) {
                if (parse_int64(argv[2], &t) < 0)
                        return "clock advance wants whole SECONDS (a century at most)";
                prog_clock_shift(p, t);
        } else if (argc != 1) {
                return "usage: clock [set YYYY-MM-DDTHH:MM:SSZ | advance SECONDS]";
        }
        /* Deadlines (pairing timeout, lock 'n' go, time control) may be due now. */
        prog_after_engine(p);
        format_iso8601z(prog_now(p), buf);
        cJSON_AddStringToObject(reply, "clock", buf);
        return NULL;
}

static const char *ctl_battery(struct prog *p, int argc, char **argv, cJSON *reply)
{
        unsigned long long v;
        int r;

        if (argc != 2 || prog_parse_uint(argv[1], 100, &v) < 0)
                return "usage: battery PERCENT (0..100)";
        r = sim_lock_set_battery(prog_lock(p), (unsigned)v);
        prog_after_engine(p);
        if (r < 0)
                return errno_text(r, "battery failed");
        cJSON_AddNumberToObject(reply, "battery", (double)v);
        return NULL;
}

#define FAULT_WORDS "drop-before N|drop-after N|lose-reply|corrupt|busy N|stall|jam|motor-hang|drop-in-motion|clear"
#define FAULT_USAGE "usage: fault " FAULT_WORDS

static const char *ctl_fault(struct prog *p, int argc, char **argv, cJSON *reply)
{
        struct prog_faults *f = prog_faults(p);
        unsigned long long n = 0;
        const char *what = argc >= 2 ? argv[1] : "";
        bool counted = strcmp(what, "drop-before") == 0 || strcmp(what, "drop-after") == 0 ||
                       strcmp(what, "busy") == 0;

        if (counted && (argc != 3 || prog_parse_uint(argv[2], 1000000, &n) < 0 || n == 0))
                return "usage: fault drop-before|drop-after|busy N (N >= 1)";
        if (!counted && argc != 2)
                return FAULT_USAGE;

        if (strcmp(what, "drop-before") == 0)
                f->drop_before = (unsigned)n;
        else if (strcmp(what, "drop-after") == 0)
                f->drop_after = (unsigned)n;
        else if (strcmp(what, "busy") == 0)
                sim_lock_fault_busy(prog_lock(p), (unsigned)n);
        else if (strcmp(what, "lose-reply") == 0)
                f->lose_reply = true;
        else if (strcmp(what, "corrupt") == 0)
                f->corrupt = true;
        else if (strcmp(what, "stall") == 0)
                f->stall = true;
        else if (strcmp(what, "jam") == 0)
                sim_lock_fault_motor(prog_lock(p), SIM_MOTOR_JAM);
        else if (strcmp(what, "motor-hang") == 0)
                sim_lock_fault_motor(prog_lock(p), SIM_MOTOR_HANG);
        else if (strcmp(what, "drop-in-motion") == 0)
                f->drop_in_motion = true;
        else if (strcmp(what, "clear") == 0) {
                *f = (struct prog_faults){ 0 };
                sim_lock_fault_busy(prog_lock(p), 0);
                sim_lock_fault_motor(prog_lock(p), SIM_MOTOR_NORMAL);
        } else
                return FAULT_USAGE;
        /* A stall takes the current link too. */
        prog_fault_stall_apply(p);
        cJSON_AddItemToObject(reply, "faults", faults_json(p));
        return NULL;
}

static const char *ctl_link(struct prog *p, int argc, char **argv, cJSON *reply)
{
        struct prog_link l = *prog_link(p);
        int i;

        if (argc % 2 != 1)
                return "usage: link [connect-ms N] [write-ms N] [indicate-ms N] [process-ms N]";
        for (i = 1; i < argc; i += 2) {
                unsigned long long v;
                unsigned *field;

                if (strcmp(argv[i], "connect-ms") == 0)
                        field = &l.connect_ms;
                else if (strcmp(argv[i], "write-ms") == 0)
                        field = &l.write_ms;
                else if (strcmp(argv[i], "indicate-ms") == 0)
                        field = &l.indicate_ms;
                else if (strcmp(argv[i], "process-ms") == 0)
                        field = &l.process_ms;
                else
                        return "usage: link [connect-ms N] [write-ms N] [indicate-ms N] [process-ms N]";
                if (prog_parse_uint(argv[i + 1], PROG_LINK_MS_MAX, &v) < 0)
                        return "link latencies are 0..600000 ms";
                *field = (unsigned)v;
        }
        *prog_link(p) = l;
        cJSON_AddItemToObject(reply, "link", link_json(p));
        return NULL;
}

static const char *ctl_state(struct prog *p, int argc, char **argv, cJSON *reply)
{
        char *engine = NULL, buf[32];
        cJSON *sim;
        int r;

        if (argc != 1)
                return "usage: state";
        r = sim_lock_state_json(prog_lock(p), &engine);
        if (r < 0)
                return errno_text(r, "state failed");
        cJSON_AddRawToObject(reply, "state", engine);
        free(engine);
        sim = cJSON_AddObjectToObject(reply, "sim");
        format_iso8601z(prog_now(p), buf);
        cJSON_AddStringToObject(sim, "clock", buf);
        cJSON_AddBoolToObject(sim, "connected", prog_connected(p));
        cJSON_AddItemToObject(sim, "link", link_json(p));
        cJSON_AddItemToObject(sim, "faults", faults_json(p));
        return NULL;
}

static const char *ctl_quit(struct prog *p, int argc, char **argv, cJSON *reply)
{
        if (argc != 1)
                return "usage: quit";
        prog_quit(p);
        return NULL;
}

static const char *ctl_owner(struct prog *p, int argc, char **argv, cJSON *reply)
{
        unsigned long long v;
        char *end = NULL;

        if (argc == 3 && strcmp(argv[1], "pin") == 0) {
                if (strlen(argv[2]) > 6 || prog_parse_uint(argv[2], 999999, &v) < 0 ||
                    sim_lock_set_pin(prog_lock(p), (uint32_t)v) < 0)
                        return "owner pin wants the lock's PIN size in digits (4, or 6 on Ultra)";
        } else if (argc == 3 && strcmp(argv[1], "nuki-id") == 0 && strlen(argv[2]) == 8) {
                v = strtoull(argv[2], &end, 16);
                if (!end || *end)
                        return "owner nuki-id wants 8 hex digits";
                sim_lock_set_nuki_id(prog_lock(p), (uint32_t)v);
        } else
                return "usage: owner pin DIGITS | owner nuki-id HEX8";
        prog_after_engine(p);
        cJSON_AddStringToObject(reply, "changed", argv[1]);
        return NULL;
}

static const char *ctl_help(struct prog *p, int argc, char **argv, cJSON *reply);

/* The control requests: what `latchkey-sim --help` and latchkey-sim(1) list, from here. */
const struct prog_ctl_request prog_ctl_requests[] = {
        { "press-button", ctl_press_button, "press-button [SECONDS]", "Hold the button for SECONDS (default 5: pairing mode)." },
        { "type-code", ctl_type_code, "type-code CODE [intelligent|unlock|lock|unlatch|lock-n-go]",
          "Type a keypad code, then the action key (default unlock; on an Opener any key opens the door)." },
        { "turn-knob", ctl_turn_knob, "turn-knob lock|unlock|unlatch", "Turn the knob by hand (a Smart Lock)." },
        { "ring", ctl_ring, "ring",
          "Ring the doorbell at an Opener: logged as a doorbell entry; while ring to open or continuous mode is on "
          "the electric strike opens (over the unlatch motor time), and ring to open ends if so configured." },
        { "clock", ctl_clock, "clock [set YYYY-MM-DDTHH:MM:SSZ | advance SECONDS]",
          "Show, set (UTC) or move the virtual clock (a negative advance goes back)." },
        { "battery", ctl_battery, "battery PERCENT", "Set the battery charge, 0..100; critical below 20." },
        { "fault", ctl_fault, "fault " FAULT_WORDS,
          "Faults on demand. drop-before N: close the link before handling write N; drop-after N: after answering it; lose-reply: "
          "drop the next message the lock sends; corrupt: flip a bit in it (fails CRC/MAC); busy N: answer the next "
          "N commands K_ERROR_BUSY; stall: answer nothing until the client disconnects; jam: the next motor run "
          "blocks (K_ERROR_MOTOR_BLOCKED); motor-hang: the next motor run never ends (it gives up after 60 s with "
          "K_ERROR_MOTOR_TIMEOUT); drop-in-motion: drop the link once the next motor run has answered ACCEPTED; "
          "clear: every fault. Writes count per connection; drop, lose-reply, corrupt and the motor faults fire "
          "once." },
        { "motor", ctl_motor, "motor [[unlock|lock|unlatch|lock-n-go|lock-n-go-unlatch|full-lock] MS]",
          "Set (or show) the motor's time per lock action in milliseconds, 0..60000: one action's, or all of them. "
          "0 runs an action at once; a run under way keeps its time." },
        { "link", ctl_link, "link [connect-ms N] [write-ms N] [indicate-ms N] [process-ms N]",
          "Set (or show) the link model's latencies, in milliseconds." },
        { "owner", ctl_owner, "owner pin DIGITS | owner nuki-id HEX8",
          "What the owner changes in the Nuki app, behind latchkey's back: the security PIN, or the Nuki ID this state "
          "answers with (another lock behind the same address)." },
        { "state", ctl_state, "state", "The lock's whole state as JSON." },
        { "quit", ctl_quit, "quit", "Stop the simulator." },
        { "help", ctl_help, "help", "The requests' usage lines, as JSON." },
        {},
};

static const char *ctl_help(struct prog *p, int argc, char **argv, cJSON *reply)
{
        cJSON *list = cJSON_AddArrayToObject(reply, "requests");

        for (const struct prog_ctl_request *q = prog_ctl_requests; q->name; q++)
                cJSON_AddItemToArray(list, cJSON_CreateString(q->usage));
        return NULL;
}

int prog_ctl_handle(struct prog *p, const char *line, char **ret)
{
        char copy[PROG_CTL_MAX + 1], *argv[CTL_WORDS_MAX], *save = NULL, *w;
        const char *error = "unknown request; try 'help'";
        cJSON *reply;
        int argc = 0;
        char *text;

        reply = cJSON_CreateObject();
        if (!reply)
                return -ENOMEM;
        cJSON_AddBoolToObject(reply, "ok", true);

        if (strlen(line) > PROG_CTL_MAX) {
                error = "request too long";
                goto fail;
        }
        snprintf(copy, sizeof(copy), "%s", line);
        for (w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
                if (argc == CTL_WORDS_MAX) {
                        error = "too many words";
                        goto fail;
                }
                argv[argc++] = w;
        }
        if (argc == 0) {
                error = "empty request; try 'help'";
                goto fail;
        }
        for (const struct prog_ctl_request *q = prog_ctl_requests; q->name; q++) {
                if (strcmp(argv[0], q->name) != 0)
                        continue;
                error = q->fn(p, argc, argv, reply);
                break;
        }
        if (error)
                goto fail;
        prog_debug("ctl: %s: ok", argv[0]);
        goto out;

fail:
        prog_debug("ctl: '%.64s': %s", line, error);
        cJSON_Delete(reply);
        reply = cJSON_CreateObject();
        if (!reply)
                return -ENOMEM;
        cJSON_AddBoolToObject(reply, "ok", false);
        cJSON_AddStringToObject(reply, "error", error);
out:
        text = cJSON_PrintUnformatted(reply);
        cJSON_Delete(reply);
        if (!text)
                return -ENOMEM;
        *ret = text;
        return 0;
}

/* ---- the client side: latchkey-sim ctl ---- */

static int ctl_connect(const char *socket_path, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.ctl", socket_path) >=
            sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

int prog_ctl_client(const char *socket_path, int argc, char **argv)
{
        char req[PROG_CTL_MAX + 1];
        struct pollfd pfd;
        size_t len = 0;
        char *reply = NULL;
        ssize_t n;
        cJSON *json, *ok;
        int fd = -1, r, i, code;

        for (i = 0; i < argc; i++) {
                int k = snprintf(req + len, sizeof(req) - len, "%s%s", i ? " " : "", argv[i]);

                if (k < 0 || (size_t)k >= sizeof(req) - len) {
                        prog_log("request too long (at most %u bytes)", PROG_CTL_MAX);
                        return PROG_EXIT_USAGE;
                }
                len += (size_t)k;
        }
        if (len == 0) {
                prog_log("no request given; try 'latchkey-sim ctl --socket PATH help'");
                return PROG_EXIT_USAGE;
        }

        r = ctl_connect(socket_path, &fd);
        if (r < 0) {
                prog_log_errno(r, "Failed to reach '%s.ctl' (is latchkey-sim running?)",
                               socket_path);
                return PROG_EXIT_SOCKET;
        }
        if (send(fd, req, len, MSG_NOSIGNAL) < 0) {
                prog_log_errno(-errno, "Failed to send the request");
                close(fd);
                return PROG_EXIT_SOCKET;
        }
        pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
        r = poll(&pfd, 1, CTL_TIMEOUT_MS);
        if (r <= 0) {
                prog_log("no reply from '%s.ctl' within %d s", socket_path,
                         CTL_TIMEOUT_MS / 1000);
                close(fd);
                return PROG_EXIT_SOCKET;
        }
        /* Size the one reply packet first, bounded. */
        n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
        if (n <= 0 || (size_t)n > PROG_CTL_REPLY_MAX) {
                prog_log("bad reply from '%s.ctl'", socket_path);
                close(fd);
                return PROG_EXIT_SOCKET;
        }
        reply = malloc((size_t)n + 1);
        if (!reply) {
                close(fd);
                return PROG_EXIT_FAILED;
        }
        n = recv(fd, reply, (size_t)n, 0);
        close(fd);
        if (n <= 0) {
                free(reply);
                prog_log("bad reply from '%s.ctl'", socket_path);
                return PROG_EXIT_SOCKET;
        }
        reply[n] = '\0';
        printf("%s\n", reply);

        json = cJSON_Parse(reply);
        ok = cJSON_GetObjectItemCaseSensitive(json, "ok");
        code = cJSON_IsTrue(ok) ? PROG_EXIT_OK : PROG_EXIT_FAILED;
        if (code != PROG_EXIT_OK) {
                const cJSON *e = cJSON_GetObjectItemCaseSensitive(json, "error");

                prog_log("%s: %s", req, cJSON_IsString(e) ? e->valuestring : "malformed reply");
        }
        cJSON_Delete(json);
        free(reply);
        return code;
}
