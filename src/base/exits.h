/* SPDX-License-Identifier: MIT */
/*
 * The one map from failure kind to exit code (issue 11): every command, `daemon --once`, the
 * `--json` error object, `latchkey --help`, the README and the man page say the same thing,
 * because they all read this table (tests/base/test-exits.c compares the documents with it).
 *
 * Where a failure comes from decides its kind, so each domain has its own classifier:
 *   - work on a lock (session, lockops, codes.c, the agent): exit_for_lock_errno();
 *   - the upstream (http.c, sync.c): exit_for_upstream_errno() / exit_for_upstream_setup();
 *   - the state directory and database: CLI_EXIT_STATE, always.
 *
 * The errno convention for work on a lock (what exit_for_lock_errno() reads):
 *   -ETIMEDOUT -ENOTCONN -ECONNRESET -ECONNREFUSED -ECONNABORTED -EPIPE -EHOSTDOWN
 *   -EHOSTUNREACH -ENODEV   the link failed, or the outcome is unknown           → 5
 *   -EINPROGRESS            a command went out and its outcome never came back:
 *                           unknown, not repeated (lockops_action)                → 5
 *   -EBUSY                  another latchkey process holds the lock (agent.h)     → 5
 *   -EBADMSG -EPROTO -EMSGSIZE -EIO   an answer failed its checks (or a write read
 *                           back as something else)                               → 8
 *   -ESTALE                 not the paired lock: its Nuki ID changed               → 8
 *   -ENOKEY                 no security PIN to send                                → 6
 *   -EACCES                 the lock does not know our authorization               → 6
 *   -EKEYREJECTED           the lock refused the stored PIN (it is not sent again) → 6
 *   -EKEYEXPIRED            the lock is in PIN lockout                             → 6
 *   -EREMOTEIO              the lock sent an Error Report: by its code (spec §8)
 *   -ENOSPC                 the lock is full                                       → 7
 *   -EEXIST                 the lock holds the same code with other details        → 4
 *   -ENOENT                 no such code or authorization on the lock              → 3
 *   -EINVAL                 invalid input, nothing sent                            → 2
 *   -EOPNOTSUPP -EPROTONOSUPPORT   the lock or this build cannot do it             → 11
 *   -ENOMSG                 an authenticated answer this version does not understand
 *                           (session_not_understood(): its command and length)    → 11
 *   anything else           internal                                               → 1
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Exit codes: stable, documented in latchkey(1), the README and `latchkey --help`. */
enum cli_exit {
        CLI_EXIT_OK = 0,
        CLI_EXIT_FAILURE = 1,     /* internal error */
        CLI_EXIT_USAGE = 2,       /* invalid input; nothing was written */
        CLI_EXIT_NOT_FOUND = 3,   /* no such lock, code or entry */
        CLI_EXIT_REFUSED = 4,     /* refused by the lock, or it could not complete */
        CLI_EXIT_LINK = 5,        /* the link to the lock failed, or the outcome is unknown */
        CLI_EXIT_AUTH = 6,        /* not authorized, or wrong / no / locked-out PIN */
        CLI_EXIT_FULL = 7,        /* the lock has no room (codes, authorizations) */
        CLI_EXIT_PROTOCOL = 8,    /* an answer failed its checks: corrupt, forged, not the paired lock */
        CLI_EXIT_STATE = 9,       /* local state problem */
        CLI_EXIT_UPSTREAM = 10,   /* the upstream failed: network, TLS, HTTP refusal, its answer */
        CLI_EXIT_UNSUPPORTED = 11, /* the lock does not support this, or answered in a way we do not know */
};
#define CLI_EXIT_MAX CLI_EXIT_UNSUPPORTED

/* The table itself, in code order and ended by { -1, NULL, NULL }: `latchkey --help` and
 * latchkey(1) print it (src/cli/cli-help.c). */
struct cli_exit_info {
        int code;
        const char *meaning; /* lower case, no full stop: "lock full" */
        const char *kind;    /* short and stable, for JSON: "full" */
};
extern const struct cli_exit_info cli_exit_codes[];

/* Short stable name of the kind, for JSON ("link"); NULL outside 0..CLI_EXIT_MAX. */
const char *exit_kind(int code);
/* The words the documents print ("the link to the lock failed (or the outcome is unknown)"). */
const char *exit_meaning(int code);

/* A lock's Error Report code (spec §8) → kind. */
enum cli_exit exit_for_lock_error(uint8_t code);
/* -errno from work on a lock (see above); lock_error is the Error Report's code for -EREMOTEIO. */
enum cli_exit exit_for_lock_errno(int error, uint8_t lock_error);
/* What went wrong, in words, for the same (no alias, no advice: callers add those). */
void exit_describe_lock_errno(int error, uint8_t lock_error, char *buf, size_t size);
/* -errno from sync_run()/sync_pull()/sync_push() → 10 (or 1 for -ENOMEM). */
enum cli_exit exit_for_upstream_errno(int error);
/* -errno from sync_new()/sync_config_set(): the configuration (2) or the database (9). */
enum cli_exit exit_for_upstream_setup(int error);
