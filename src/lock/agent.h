/* SPDX-License-Identifier: MIT */
/*
 * Reaching a stored lock safely (issue 11): the transport its "via" names, and a connected
 * session on it that
 *   - never runs beside another latchkey process on the same lock: a per-lock file lock
 *     (locks/<alias>.busy, flock) is held while the link is up, by the CLI and the daemon
 *     alike; a process that finds it taken waits (AGENT_WAIT_USEC), then gives up with -EBUSY;
 *   - reads the credentials again once it holds that lock, so a PIN another process found
 *     refused is never sent again;
 *   - keeps the lock's PIN verdicts on disk: an authenticated K_ERROR_BAD_PIN marks the stored
 *     PIN refused (no process sends it until `pin verify` stores one the lock accepts; one
 *     lock.pin_invalid event); K_ERROR_TOO_MANY_PIN_ATTEMPTS records a lockout (no PIN before
 *     a back-off: 15 min, doubling, at most a day; one lock.pin_lockout event);
 *   - checks the lock is the paired one: its Nuki ID (Config, spec §6.24) against the one kept
 *     with the credentials. Another Nuki ID behind the same address stops every write until
 *     the lock is paired again (-ESTALE; one lock.identity_mismatch event) and restarts the
 *     log from its beginning. A pairing older than this learns its Nuki ID here.
 *   - keeps what is stored per lock tied to that identity (Nuki ID and authorization): when
 *     an alias is paired to another lock or authorization, its per-lock state starts fresh
 *     (db_lock_identity_set), so the bookings' codes are provisioned again on the new lock.
 */
#pragma once

#include <systemd/sd-event.h>

#include "db.h"
#include "session.h"
#include "store.h"

#define AGENT_WAIT_USEC (120 * 1000000ULL) /* for another process to finish with a lock */
#define AGENT_LOCKOUT_RETRY_MIN (15 * 60)   /* s: the first back-off after a PIN lockout */
#define AGENT_LOCKOUT_RETRY_MAX (24 * 3600)

/*
 * A transport for a via string: "sim:PATH" (the virtual lock's socket) or "ble:ADDRESS"
 * (BlueZ). -EINVAL for an unknown scheme, -EOPNOTSUPP for one this build lacks.
 */
int agent_transport(sd_event *event, const char *via, const char *adapter, struct lk_transport **ret);

/*
 * Session options for reaching a lock through via: timeout_usec (0 = defaults) bounds
 * connecting, each reply and the wait for a lock action's COMPLETE; otherwise a BLE link gets 30 s to connect (discovery, retries,
 * service resolution take seconds), a socket the session's defaults.
 */
void agent_session_opts(const char *via, uint64_t timeout_usec, struct session_opts *ret);

struct agent_opts {
        const char *adapter;                 /* BLE adapter, NULL: the default */
        const struct session_opts *session;  /* NULL: agent_session_opts(via, 0) */
        const char *via;                     /* NULL: the credentials' */
        const struct lk_pin *pin;            /* a PIN the operator gave now (--pin-file): sent even when
                                              * the stored one was refused; a refusal of it marks nothing
                                              * (unless it is the stored one). NULL: the stored PIN. */
        uint64_t wait_usec;                  /* for another process; 0: AGENT_WAIT_USEC */
};

/*
 * Open and connect a session to the lock of creds (read again from st once the per-lock lock
 * is held). st must outlive the session. -EBUSY when another process kept the lock for the
 * whole wait; -ESTALE is not returned here (reads go on; writes fail with it).
 */
int agent_session_open(sd_event *event, struct store *st, const struct lk_creds *creds, const struct agent_opts *o,
                       struct session **ret);
/*
 * The same without running the loop: *ret is set at once; fn (session_connect_async()) tells
 * when it is connected, its error through agent_connect_errno(). The identity check runs before
 * the session's first call. < 0: nothing started.
 */
int agent_session_open_async(sd_event *event, struct store *st, const struct lk_creds *creds,
                             const struct agent_opts *o, session_connected_fn fn, void *userdata,
                             struct session **ret);
/* A connect's error as the agent reports it (a socket that is not there is out of reach). */
int agent_connect_errno(int error);

/* Take the per-lock lock of alias (waiting up to wait_usec, 0: AGENT_WAIT_USEC). *ret_fd holds it
 * until closed. For work that has no session yet (pairing under an alias). */
int agent_lock_take(struct store *st, const char *alias, uint64_t wait_usec, int *ret_fd);

/*
 * Why a lock takes no writes or no PIN from us now, from its credentials: "pin_invalid",
 * "pin_lockout", "identity_mismatch", or NULL. now is UTC seconds.
 */
const char *agent_blocked(const struct lk_creds *c, int64_t now);

/*
 * The stored security PIN as the agent will use it now: "none" (none stored), "refused" (the
 * lock refused it; it is not sent again), "lockout" (the lock locked PIN attempts out and the
 * wait has not passed), else "stored". now is UTC seconds.
 */
const char *agent_pin_state(const struct lk_creds *c, int64_t now);

/*
 * The failure r (-errno from work on the lock of creds, lock_error its Error Report code) in
 * words with what to do, naming the lock: "the lock refused the stored security PIN on
 * 2026-...; latchkey will not send it again: run 'latchkey --lock front pin verify --pin-file
 * FILE' with the lock's current PIN". creds may be NULL.
 */
void agent_describe(const struct lk_creds *creds, int r, uint8_t lock_error, char *buf, size_t size);

/*
 * Record that creds->alias now stands for this pairing (its Nuki ID when known, its
 * authorization): state.db keeps an alias's per-lock rows for one identity and starts them
 * fresh when it changes (returns 1 then, 0 otherwise). agent_session_open() calls it; so does
 * `pair`, for the pairing it replaces and for the new one.
 */
int agent_identity_record(struct db *db, const struct lk_creds *creds, int64_t now);

/*
 * The device's Nuki ID from its Config (nonce only): a Smart Lock's (spec §6.24) or an
 * Opener's (nuki-opener.md, its own layout), by generation. -EREMOTEIO when it will not say,
 * else what the call returned.
 */
int agent_read_nuki_id(struct session *s, uint8_t generation, uint32_t *ret);
