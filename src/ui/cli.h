/* SPDX-License-Identifier: MIT */
/*
 * The technician's CLI: one context shared by the subcommands, output as terminal tables or
 * one JSON object (--json), and the one place errors become exit codes (STYLE.md §3).
 */
#pragma once

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "cli-table.h"
#include "exits.h"
#include "session.h"
#include "store.h"


struct cli {
        const struct cli_command *command; /* the one running: its flags are what cli_getopt takes */
        int flags_seen[64];                /* cli_getopt: each flag once (but -v) */
        unsigned n_flags_seen;

        /* global options */
        bool json;
        int verbose;
        bool quiet;
        char state_dir[4096];
        const char *lock_alias;
        const char *via;
        const char *adapter;
        const char *pin_file;
        uint64_t timeout_usec;

        /* resources opened on demand */
        struct store *store;
        sd_event *event;
        struct session *session;
        struct lk_creds creds;

        /* result */
        cJSON *out;       /* the JSON object printed at the end with --json */
        int exit_code;
        char error[512];
        int lock_error;   /* the lock's error code, or -1 */
};

/*
 * Option parsing from the table: the running command's flags and the global ones, anywhere on
 * the line. Returns the OPT_* id of one of the command's flags (optarg holds its value), -1 at
 * the end, or '?' after recording a usage error (unknown flag, missing value, bad global value).
 */
int cli_getopt(struct cli *c, int argc, char **argv);
/* For a command without flags of its own: 0, or -1 after recording the error. */
int cli_getopt_none(struct cli *c, int argc, char **argv);

/* Record an error (message, exit code) and return -1; the last one wins. */
__attribute__((format(printf, 3, 4))) int cli_fail(struct cli *c, enum cli_exit code, const char *fmt, ...);
/* Map an -errno from the session/transport to an exit code and message ("while <what>"),
 * with what the session knows of it: an unencrypted Error Report, a command the lock answered
 * with silence (naming the stored firmware), an answer not understood (issue 14). */
int cli_fail_errno(struct cli *c, int error, const char *what);
/* The lock's firmware as its Config names it, kept with its credentials when it changed
 * (issue 14: messages name it). A store that cannot be written is only warned about. */
void cli_note_firmware(struct cli *c, const struct lk_config *cfg);
/* The stored firmware in words: "firmware 3.6.4", "older firmware (API v1 layouts)". */
const char *cli_firmware_words(const struct lk_creds *creds, char *buf, size_t size);

/* The state directory (opened once). */
int cli_store(struct cli *c, struct store **ret);
/* Resolve the lock (--lock, else the only paired one) and load its credentials. */
int cli_lock(struct cli *c);
/* Create a transport for a "via" string: "sim:PATH" (or "ble:ADDRESS" once BlueZ lands). */
int cli_transport(struct cli *c, const char *via, struct lk_transport **ret);
/* --via sim:PATH with no socket at PATH: "no virtual lock socket exists at ...", before a
 * connection is tried, with exit code missing (3, not found, for a path given to pair or scan;
 * 5, not reached, for a paired lock's). 0 for one that is there, and for any other via. */
int cli_via_check(struct cli *c, const char *via, enum cli_exit missing);
/* A link that did not come up (what: "connecting to the lock"): a virtual lock's socket that
 * nobody listens on is named as such (exit 5); anything else as cli_fail_errno(). Returns -1. */
int cli_link_fail(struct cli *c, const char *via, int error, const char *what);
/* Open and connect the session for the resolved lock. */
int cli_connect(struct cli *c);
/* The lock's PIN, from --pin-file if given, else the stored one; -ENOKEY with a message. */
int cli_pin(struct cli *c, enum lk_generation gen, struct lk_pin *ret);
/* Keep pin as the lock's PIN: one the lock just accepted. The refused/lockout marks go with the
 * old one (issue 11); the rest of the lock's file is as on disk now. */
int cli_store_pin(struct cli *c, const struct lk_pin *pin);
/* Read a secret from a file, "-" for stdin, or a no-echo prompt on the terminal. */
int cli_read_secret(struct cli *c, const char *file, const char *prompt, char *buf, size_t size);
/* A secret file refused (-EPERM from read_secret): the one wording (secret-file.h), exit 2. what:
 * "the PIN file". Returns -1. */
int cli_secret_refused(struct cli *c, const char *what, const char *file);

/* Output helpers: with --json they add to c->out, otherwise print. */
bool cli_tty(void);
void cli_progress(struct cli *c, const char *what, unsigned done, unsigned total);
void cli_progress_end(struct cli *c);
