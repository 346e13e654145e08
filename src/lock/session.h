/* SPDX-License-Identifier: MIT */
/*
 * A session with one lock over one connection (spec §2, §5.2): encrypted request/response
 * with reassembly, a fresh challenge (and the PIN) for every command that needs one, timeouts,
 * back-off on K_ERROR_BUSY, and a clean error from every failure. A session is driven by the
 * caller's sd-event loop; the calls below run that loop until their answer is in, so the CLI
 * reads as straight-line code while nothing blocks inside.
 */
#pragma once

#include <systemd/sd-event.h>

#include "latchkey/proto.h"
#include "latchkey/transport.h"
#include "store.h"

struct session;

struct session_opts {
        uint64_t connect_timeout_usec; /* default 20 s (the Nuki app gives up after ~20 s) */
        uint64_t reply_timeout_usec;   /* gap between replies; default 5 s */
        /* gap between replies once the lock said ACCEPTED (spec §5.3: its motor turns for
         * seconds before the final state and COMPLETE); default 30 s [DECISION] */
        uint64_t action_timeout_usec;
        unsigned busy_retries;         /* K_ERROR_BUSY retries; default 5 */
        uint64_t busy_backoff_usec;    /* first back-off, doubling; default 250 ms */
        bool pairing;                  /* the link pairs (spec §4): it needs the pairing GDIO */
};

/* Statistics, for benchmarks and --verbose: what the link carried. */
struct session_stats {
        unsigned writes;    /* messages written */
        unsigned messages;  /* messages received */
        unsigned chunks;    /* indications received */
        unsigned busy_retries;
};

/*
 * A reply handler: called for every message of a call's answer except Error Reports, which end
 * the call with -EREMOTEIO. Return 1 when the answer is complete, 0 for more, -errno to fail.
 * A Status COMPLETE also ends the call when the handler returns 0: commands whose answer ends
 * with COMPLETE (most, spec §5.1) should let it, so no late COMPLETE leaks into the next call.
 */
typedef int (*session_reply_fn)(void *userdata, const struct lk_msg *m);

/*
 * What the agent (agent.h) hangs on a session to a stored lock; every member may be NULL.
 *   acquire   before the link comes up: keep other processes off the lock (it may wait), and
 *             refresh creds (and the safety stops below) from disk; < 0 refuses the connection.
 *   connected once per session, the first time the link is up: checks on the lock (its
 *             identity); it may call session_call(); < 0 ends the connection with that error.
 *   release   after the link went down (or the session is freed).
 *   pin_verdict the lock's authenticated answer to a command that carried the PIN: 0 taken,
 *             -EKEYREJECTED refused (K_ERROR_BAD_PIN), -EKEYEXPIRED lockout
 *             (K_ERROR_TOO_MANY_PIN_ATTEMPTS). sent is the PIN the command carried (the
 *             session's credentials when it was sent), so a refusal marks only that PIN. An Error Report that is not encrypted never
 *             gets here: anyone in radio range could send one (it ends the call with -EBADMSG).
 *   destroy   when the session is freed.
 */
struct session_hooks {
        int (*acquire)(void *userdata, struct session *s, struct lk_creds *creds);
        int (*connected)(void *userdata, struct session *s);
        void (*release)(void *userdata);
        void (*pin_verdict)(void *userdata, int verdict, const struct lk_pin *sent);
        void (*destroy)(void *userdata);
        void *userdata;
};

/* creds may be NULL for a session that only pairs. The transport is owned by the session. */
int session_new(sd_event *event, struct lk_transport *transport, const struct lk_creds *creds,
                const struct lk_env *env, const struct session_opts *opts, struct session **ret);
struct session *session_free(struct session *s);

/* Connect (within connect_timeout). info may be NULL. */
int session_connect(struct session *s, struct lk_link_info *ret_info);
/*
 * Start connecting without running the loop (the daemon's lock visits): fn runs from the loop
 * once the link is up (error 0) or the connect failed (-errno, within connect_timeout), once,
 * possibly before this returns (a transport that fails at once). fn may free s. No other call
 * on s until then. < 0 (and no fn) when the connect could not start; -EALREADY if connected.
 */
typedef void (*session_connected_fn)(void *userdata, struct session *s, int error);
int session_connect_async(struct session *s, session_connected_fn fn, void *userdata);
void session_disconnect(struct session *s);
bool session_is_connected(const struct session *s);

/*
 * Send command cmd with its own fields (payload without the challenge/PIN trailer) and hand
 * each reply to fn. Commands that need a challenge get one first (spec §5.2), and the PIN
 * from the credentials when they need it (-ENOKEY if there is none). -EREMOTEIO when the lock
 * answered with an Error Report: session_remote_error() has the code.
 */
int session_call(struct session *s, uint16_t cmd, const uint8_t *fields, size_t n,
                 session_reply_fn fn, void *userdata);

/* Request Data for cmd (spec §6.1) and the single message that answers it into ret. */
int session_request_data(struct session *s, uint16_t cmd, uint8_t *ret_payload, size_t size,
                         size_t *ret_len);

/* Pairing channel passthrough for the pairing flow: raw chunks in, whole messages out. */
typedef int (*session_chunk_fn)(void *userdata, const uint8_t *chunk, size_t n);
int session_pairing_send(struct session *s, const uint8_t *msg, size_t n);
/* Run the loop, handing pairing-channel chunks to fn until it returns 1 (or < 0). */
int session_pairing_wait(struct session *s, session_chunk_fn fn, void *userdata);

/*
 * After session_call() failed: whether the command itself went out to the lock (so it may
 * have acted on it: a caller must not repeat a command whose outcome it did not see), and
 * whether the lock answered ACCEPTED (spec §5.3: it started).
 */
bool session_call_sent(const struct session *s);
bool session_call_accepted(const struct session *s);
/* A failure of the link (timeout, drop, refused), as opposed to an answer. */
bool session_is_link_error(int error);

uint8_t session_remote_error(const struct session *s);
uint16_t session_remote_error_cmd(const struct session *s);
/* The Error Report came unencrypted (keyturner GDIO or USDIO): unauthenticated, it may only
 * make a command fail, and nothing stored may change because of it (issue 14). */
bool session_remote_error_plain(const struct session *s);
/* After -ETIMEDOUT: the command the lock answered nothing at all to (for Request Data, the
 * data asked for), as older firmware does for commands it lacks; 0 if it answered something. */
uint16_t session_silent_cmd(const struct session *s);
/*
 * An authenticated answer this version of latchkey does not understand (a length or layout
 * no decoder knows; issue 14): records its command and length and returns -ENOMSG, which
 * the exit map calls unsupported (11), never corrupt. session_not_understood_cmd() tells the
 * last one recorded (0 if none).
 */
int session_not_understood(struct session *s, uint16_t cmd, size_t len);
uint16_t session_not_understood_cmd(const struct session *s, size_t *ret_len);
const struct session_stats *session_stats(const struct session *s);
/* What the link said on connect (generation, MTU). */
const struct lk_link_info *session_link_info(const struct session *s);
/* Replace the credentials (after pairing, or to set the PIN). */
void session_set_creds(struct session *s, const struct lk_creds *creds);
void session_set_hooks(struct session *s, const struct session_hooks *h);

/*
 * Safety stops (issue 11). session_block_pin(s, error): no command that needs the PIN is sent;
 * each fails with error at once (-EKEYREJECTED: the stored PIN was refused; -EKEYEXPIRED: a
 * lockout; 0 lifts it). The session sets it itself on a refusal or a lockout, so the PIN is
 * never sent twice. session_block_writes(s, error): only commands that read are sent
 * (-ESTALE: not the paired lock).
 */
void session_block_pin(struct session *s, int error);
void session_block_writes(struct session *s, int error);
/* Whether cmd only reads (Request Data/Config/Log/Codes/Authorizations, Verify Security PIN). */
bool session_cmd_is_read(uint16_t cmd);
