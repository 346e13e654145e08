/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim, the program around the virtual lock's engine (lock.h): command line, sockets
 * (docs/sim-socket.md), link model and faults, virtual clock and the state file. Private to
 * hw-tests/sim/main.c and prog-*.c.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lock.h"

/* Exit codes, explained in prog_exit_codes[] (prog-cli.c): --help and latchkey-sim(1). */
enum prog_exit {
        PROG_EXIT_OK = 0,
        PROG_EXIT_FAILED = 1,   /* a ctl request answered ok:false, or the run loop failed */
        PROG_EXIT_USAGE = 2,    /* bad command line */
        PROG_EXIT_STATE = 3,    /* the state file, its directory or the PIN file is unusable */
        PROG_EXIT_SOCKET = 4,   /* a socket could not be created, bound or reached */
};

/* docs/sim-socket.md: packet kinds of the data socket. */
enum prog_kind {
        PROG_HELLO = 0x00,
        PROG_WRITE = 0x01,
        PROG_WRITE_RSP = 0x02,
        PROG_INDICATION = 0x03,
        PROG_MTU = 0x04,
};

#define PROG_ATT_MTU_DEFAULT 23u  /* spec §1.2 */
#define PROG_ATT_MTU_MAX    247u  /* spec §1.2 */
#define PROG_VALUE_MAX      512u  /* ATT long attribute value; docs/sim-socket.md */
#define PROG_PACKET_MAX     (2u + PROG_VALUE_MAX)
#define PROG_CTL_MAX        512u  /* one control request or reply line, before JSON */
#define PROG_CTL_REPLY_MAX  (1u << 20) /* a state reply; the engine's JSON is far smaller */
#define PROG_LINK_MS_MAX    600000u /* 10 minutes: any longer latency is a typo */

/* The link model (all milliseconds, 0 = none), spec-free: our measurement knobs. */
struct prog_link {
        unsigned connect_ms;  /* accept → HELLO */
        unsigned write_ms;    /* WRITE received → WRITE_RSP */
        unsigned indicate_ms; /* before every indication */
        unsigned process_ms;  /* WRITE_RSP → the engine processes the message */
};

/* Faults on demand (ctl "fault …"). The drop faults count writes per connection. */
struct prog_faults {
        unsigned drop_before; /* close before handling write N of a connection; one shot */
        unsigned drop_after;  /* close after answering write N; one shot */
        bool lose_reply;      /* drop the next message the lock sends; one shot */
        bool corrupt;         /* flip a bit of the next message's last byte; one shot */
        bool stall;           /* answer nothing until the client disconnects */
        bool drop_in_motion;  /* drop the link once a motor run has answered; one shot */
};

struct prog_options {
        const char *socket_path;
        const char *state_path;
        const char *pin_path;
        struct sim_config cfg;
        bool generation_set;
        uint16_t mtu;         /* the lock's largest ATT_MTU */
        struct prog_link link;
        int ready_fd;         /* -1: none */
        bool verbose;
        bool ble;             /* --ble: also a BLE peripheral through BlueZ (prog-ble.c) */
        const char *adapter;  /* --adapter hciX for --ble; NULL = hci0 */
        bool answer_first;    /* --answer-first: answers before the (ATT) Write Response */
        bool hide_pairing;    /* --hide-pairing: the BLE pairing service only in pairing mode */
};

/*
 * prog-cli.c: the command line as data, the one source of --help and (through
 * tools/latchkey-surface.c) of latchkey-sim(1). A flag is one row of its command's list.
 */
struct prog_flag {
        const char *name;  /* the long name without "--" */
        int id;            /* what getopt_long returns for it */
        const char *arg;   /* the value's name ("PATH", "N"); NULL: a switch */
        const char *help;  /* plain text sentences */
        const char *values; /* the accepted words, space separated, when it is one of a set */
};

struct prog_command {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *synopsis;    /* after "latchkey-sim NAME" */
        const char *summary;     /* lower case, one line */
        const char *description; /* sentences; "\n\n" between paragraphs */
        const struct prog_flag *flags; /* ended by an all-zero row */
};

struct prog_exit_info {
        int code;
        const char *meaning;
};

extern const struct prog_command prog_commands[];    /* ended by a NULL name */
extern const struct prog_exit_info prog_exit_codes[]; /* ended by a NULL meaning */

/* The program: parse the command line, run the command. Returns an exit code. */
int prog_main(int argc, char **argv);

/* --motor-ms: "N" (every action) or "ACTION=N[,ACTION=N…]" into cfg->motor_ms. -EINVAL. */
int prog_parse_motor(const char *arg, struct sim_config *cfg);
/* The spec §7.4 value of a motor action's name ("unlock", "lock-n-go", …); 0 if none. */
uint8_t prog_motor_action(const char *name);
extern const char *const prog_motor_names[SIM_MOTOR_ACTIONS];

/* prog-run.c: serve until SIGTERM/SIGINT or "quit". Returns an exit code. */
int prog_run(const struct prog_options *opts);

/* prog-state.c: the state file. */
/* Make sure the directory of path exists (0700 if created) and is not group/world writable. */
int prog_state_dir_check(const char *path);
/* Read the whole file into a malloc'd buffer (wiped and freed with sim_image_free). -ENOENT. */
int prog_state_read(const char *path, uint8_t **ret_buf, size_t *ret_len);
/* Write atomically: path.tmp (0600), fsync, rename over path, fsync the directory. */
int prog_state_write(const char *path, const uint8_t *buf, size_t len);
/* Read a PIN file (digits, optional newline) for gen; mode must keep others out. */
int prog_pin_read(const char *path, enum lk_generation gen, struct lk_pin *ret);

/* prog-ctl.c: control requests. */
struct prog;
struct cJSON;

/* One control request: its handler fills reply (ok:true) or returns a message for ok:false. */
struct prog_ctl_request {
        const char *name;
        const char *(*fn)(struct prog *p, int argc, char **argv, struct cJSON *reply);
        const char *usage; /* "press-button [SECONDS]" */
        const char *help;  /* plain text sentences */
};
extern const struct prog_ctl_request prog_ctl_requests[]; /* ended by a NULL name */

/* Handle one request line; *ret is a malloc'd JSON object text. Never fails but -ENOMEM. */
int prog_ctl_handle(struct prog *p, const char *line, char **ret);
/* The client: send one request to PATH.ctl, print the reply. Returns an exit code. */
int prog_ctl_client(const char *socket_path, int argc, char **argv);
/* prog-parse.c: parse "YYYY-MM-DDTHH:MM:SSZ" into unix seconds. -EINVAL. */
int prog_parse_iso8601z(const char *s, int64_t *ret);
/* Strict decimal parse of an unsigned value up to max. -EINVAL / -ERANGE. */
int prog_parse_uint(const char *s, unsigned long long max, unsigned long long *ret);

/* prog-context.c: what the control requests and the transports act on. */
struct sim_lock *prog_lock(struct prog *p);
int64_t prog_now(struct prog *p);
void prog_clock_shift(struct prog *p, int64_t seconds);
struct prog_link *prog_link(struct prog *p);
struct prog_faults *prog_faults(struct prog *p);
/* After any engine call: flush replies it queued, re-arm its deadline timer (the run loop's
 * hook, so a transport never calls up into prog-run.c). */
void prog_after_engine(struct prog *p);
void prog_quit(struct prog *p);
/* A fault stall set while a client is connected takes that link at once. */
void prog_fault_stall_apply(struct prog *p);
bool prog_connected(struct prog *p);

/* prog-context.c: for prog-ble.c. */
struct sd_event *prog_event(struct prog *p);
const struct prog_options *prog_opts(struct prog *p);

/* prog-ble.c: the BLE peripheral (GattManager1 + LEAdvertisingManager1 on the system bus). */
struct prog_ble;
int prog_ble_new(struct prog *p, const char *adapter, struct prog_ble **ret);
struct prog_ble *prog_ble_free(struct prog_ble *b);
/* The engine's message for the BLE link; false when no central is connected over BLE. */
bool prog_ble_send(struct prog_ble *b, enum lk_channel ch, const uint8_t *msg, size_t n);
/* After any engine call: re-advertise if pairing mode or the state-changed bit changed. */
void prog_ble_refresh(struct prog_ble *b);
/* A central is connected over BLE (NULL-safe: false). */
bool prog_ble_connected(const struct prog_ble *b);
/* The lock's side drops the BLE link (Device1.Disconnect of the central); NULL-safe. */
void prog_ble_disconnect(struct prog_ble *b);

/* prog-log.c: logging to stderr, "latchkey-sim: " prefixed. Debug only with --verbose. */
extern bool prog_verbose;
void prog_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void prog_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log "latchkey-sim: <msg>: <strerror(-error)>" and return error. */
int prog_log_errno(int error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
