/* SPDX-License-Identifier: MIT */
/*
 * The lifecycle engine (issue 6): turns the desired state (grants.h) into keypad codes on the
 * locks. Reconcile visits each lock in one connection: it reads the code table, plans against
 * the desired state at time `now`, and then removes, updates and adds, each write checked and
 * read back by codes.c. Every outcome is a row in lc_grant_codes and an outbox event, written in
 * one transaction after the lock write: the lock is the truth, so a crash between the two is
 * repaired by the next run, which recognises our code by its value and name (no duplicate, and
 * the event is emitted once, when the row changes). docs/grants.md has the rules.
 */
#pragma once

#include <cjson/cJSON.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "db.h"
#include "grants.h"
#include "session.h"
#include "store.h"

#define LIFECYCLE_DRIFT_DEFAULT 60 /* s: set the lock clock when it is off by more */

struct lifecycle_opts {
        int64_t lead;      /* provision this long before check-in (per-lock overrides win) */
        int64_t grace;     /* remove this long after check-out */
        int64_t drift_max; /* set the lock's clock when it is off by more; < 0: never */
        const char *zone;  /* IANA zone for locks whose properties name none; NULL: left as they are */
        bool refresh_auths; /* read the authorization list for attribution */
        const char *adapter;                 /* BLE adapter, may be NULL */
        const struct session_opts *session;  /* may be NULL */
};

void lifecycle_opts_default(struct lifecycle_opts *o);

/* ---- the plan (pure: lock codes + desired state + now → steps) ---------------------------- */

enum lc_step_kind {
        LC_STEP_KEEP,      /* ours, as it should be (the row is refreshed if it differs) */
        LC_STEP_UPDATE,    /* ours, with another record: write it whole (same id) */
        LC_STEP_ADD,       /* wanted, not on the lock */
        LC_STEP_REMOVE,    /* ours, not wanted any more (reason: cancelled, expired, no_access, evicted, duplicate) */
        LC_STEP_FORGET,    /* our row says provisioned, but the code is gone and not wanted: record it */
        LC_STEP_NO_SPACE,  /* wanted, but the lock is full: stays pending */
        LC_STEP_CONFLICT,  /* wanted, but a code that is not ours (or ours for an overlapping stay) has the value */
        LC_STEP_UNMANAGED, /* a code we did not create: left alone, reported */
        LC_STEP_HANDOVER,  /* ours for one grant (row), wanted now by the next grant with the same value
                            * (target): the record is rewritten in place to the next grant's (same id) */
        LC_STEP_WAIT,      /* wanted, but the value is ours for an earlier stay that has not ended: the
                            * record passes over at `at` (a changeover); pending, not failed */
};

struct lc_step {
        enum lc_step_kind kind;
        ssize_t target;  /* index into targets, or -1 */
        ssize_t row;     /* index into rows, or -1 (HANDOVER: the row of the grant handing over) */
        ssize_t code;    /* index into the lock's codes, or -1 */
        const char *reason; /* static text */
        int64_t at;      /* HANDOVER, WAIT: the changeover instant */
};

struct lc_plan {
        struct lc_step *steps; /* in execution order: removals, keeps/updates, adds, the rest */
        size_t n;
        unsigned scheduled;    /* targets not due yet (before check-in − lead) */
};

int lifecycle_plan(const struct lk_keypad_code *codes, size_t n_codes, const struct grant_target *targets,
                   size_t n_targets, const struct grant_code *rows, size_t n_rows, int64_t now,
                   const struct lifecycle_opts *o, struct lc_plan *ret);
void lc_plan_done(struct lc_plan *p);

/* ---- reconcile ------------------------------------------------------------------------------ */

enum lc_outcome {
        LC_PROVISIONED, /* added (or found after a crash) and verified */
        LC_UPDATED,     /* rewritten with the new record, same id, verified */
        LC_UNCHANGED,
        LC_REMOVED,
        LC_FAILED,      /* reason says why; stays wanted, retried next run */
        LC_NO_SPACE,    /* the lock is full; pending, provisioned when space frees */
        LC_PENDING,     /* not attempted: the lock could not be reached or the link failed */
        LC_UNMANAGED,
};
const char *lc_outcome_str(enum lc_outcome o);

struct lc_item {
        enum lc_outcome outcome;
        char grant[GRANT_ID_MAX + 1]; /* empty for unmanaged codes */
        uint16_t code_id;             /* 0 if none */
        char name[LK_CODE_NAME_SIZE + 1];
        char reason[GRANTS_REASON_MAX + 1];
        int64_t check_in, check_out;  /* 0 for unmanaged codes */
};

struct lc_lock_result {
        char lock[STORE_ALIAS_MAX + 1];
        bool reached;     /* connected and the code table read */
        bool complete;    /* every step was attempted */
        bool skipped;     /* a door of the bookings that is not paired, with nothing due on it: reported
                           * (error_msg), not a failure; one with a code due is a failure (-ENOENT) */
        int error;        /* -errno of the failure that stopped the lock, else 0 */
        char error_msg[320]; /* room for what to do (agent_describe) */
        unsigned codes_before, codes_after;
        bool clock_set;
        char zone[TZDB_NAME_MAX + 1]; /* the zone the lock should keep ("" when none is known) */
        bool zone_set;                /* it was written (lockzone.h) */
        int64_t clock_drift; /* lock − now, s, when the clock was read */
        unsigned scheduled;  /* grants not due yet */
        unsigned count[LC_UNMANAGED + 1]; /* items per outcome */
        struct lc_item *items;
        size_t n_items;
};

struct lc_result {
        int64_t now;
        int64_t next_run; /* lifecycle_next_run() after this run; INT64_MAX if none */
        bool complete;    /* every lock reached and fully reconciled */
        struct lc_lock_result *locks;
        size_t n_locks;
};

/*
 * Reconcile one lock (lock != NULL) or every lock the desired state names. event may be NULL
 * (the default loop). A lock that cannot be reached is reported in its lc_lock_result; the
 * function fails only for local errors (database, memory).
 */
int lifecycle_reconcile(sd_event *event, struct store *st, struct db *db, const char *lock, int64_t now,
                        const struct lifecycle_opts *o, struct lc_result **ret);
/* The same for one lock over a session the caller opened (the daemon keeps one, tests inject
 * faults). 0, or < 0 for local errors. */
int lifecycle_reconcile_session(struct session *s, struct db *db, const char *lock, int64_t now,
                                const struct lifecycle_opts *o, struct lc_lock_result *ret);
/*
 * The same run driven by the caller, one lock at a time (the daemon connects without waiting
 * on BlueZ, daemon-visit.c). lc_run_new lists the locks; lc_run_next gives the next one and
 * its credentials (the caller wipes them; a lock without readable ones is recorded as not
 * reached and skipped), NULL when all were visited; lc_run_visit reconciles it over s, or
 * records it as not reached with the connect's error when s is NULL (< 0 only for local
 * errors, which end the run); lc_run_finish gives what lifecycle_reconcile would.
 */
struct lc_run;
int lc_run_new(struct store *st, struct db *db, const char *lock, int64_t now, const struct lifecycle_opts *o,
               struct lc_run **ret);
const char *lc_run_next(struct lc_run *run, struct lk_creds *ret_creds);
int lc_run_visit(struct lc_run *run, struct session *s, int error);
int lc_run_finish(struct lc_run *run, struct lc_result **ret);
int64_t lc_run_now(const struct lc_run *run); /* the run's "now" */
struct lc_run *lc_run_free(struct lc_run *run);
void lc_run_freep(struct lc_run **run);
void lc_lock_result_done(struct lc_lock_result *r);
struct lc_result *lc_result_free(struct lc_result *r);
void lc_result_freep(struct lc_result **r);
/* {"now": …, "complete": …, "next_run": …, "locks": [{ "lock", "reached", "items": [ … ] }]} */
cJSON *lc_result_json(const struct lc_result *r);
cJSON *lc_lock_result_json(const struct lc_lock_result *r);

/*
 * Plan without writing (`latchkey reconcile --plan`, `--now T`): per lock (one, or all), every
 * step reconcile would take at now and why, planned against what latchkey last confirmed on the
 * lock; no connection, nothing written anywhere. {"plan": true, "now", "locks": [{"lock",
 * "steps": [{"action", "grant", "code_id", "name", "reason", "at", …}], …}], "next_run"}.
 */
int lifecycle_plan_dry(struct db *db, const char *lock, int64_t now, const struct lifecycle_opts *o, cJSON **ret);

/*
 * When reconcile must run next for the current desired state: the earliest instant after now
 * of a check-in − lead or a check-out + grace (INT64_MAX if none). A run that left work pending
 * (a lock unreachable, a lock full) is retried by the caller's back-off, not by this time.
 */
int lifecycle_next_run(struct db *db, int64_t now, const struct lifecycle_opts *o, int64_t *ret);

/* ---- attribution ---------------------------------------------------------------------------- */

struct lc_attribution {
        char grant[GRANT_ID_MAX + 1];        /* keypad entries of our codes; else empty */
        char guest[GRANT_GUEST_MAX + 1];
        char auth_name[LK_AUTH_NAME_SIZE + 1]; /* lock actions: the authorization's name */
};

/*
 * Who a log entry was: a keypad entry (spec §6.29 type 0x05) by its code id → the grant that
 * held that id at the entry's time; any other entry with an auth id → the authorization's name
 * (from the last authorization list read, else the name the entry carries). -ENOENT when
 * nothing is known.
 */
int lifecycle_attribute(struct db *db, const char *lock, const struct lk_log_entry *e, struct lc_attribution *ret);
/* Add "grant", "guest" and/or "auth_name" to a JSON object describing e (nothing if unknown). */
void lifecycle_attribute_json(struct db *db, const char *lock, const struct lk_log_entry *e, cJSON *obj);
