/* SPDX-License-Identifier: MIT */
/*
 * The desired state of the lifecycle engine (issue 6), kept in state.db: properties, which locks
 * belong to them (with a guest-access flag per lock), grants (bookings) with their windows and
 * per-lock overrides, and what we have confirmed on each lock for each grant (the lock's code id
 * and the record we wrote: our "managed" codes). docs/grants.md describes the import format.
 *
 * Keypad code values are kept here: the engine must be able to write the same code to every
 * lock of a property and to recognise its own codes after a crash. state.db is 0600 in the
 * 0700 state directory; events and CLI output never carry code values.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "latchkey/commands.h"
#include "latchkey/keypad.h"
#include "tzdb.h"

#define GRANT_ID_MAX 64          /* [A-Za-z0-9._:-], 1..64 */
#define PROPERTY_ID_MAX 64       /* same alphabet */
#define GRANT_GUEST_MAX 128      /* bytes of UTF-8 in the full guest name */
#define GRANTS_IMPORT_MAX (16u << 20) /* bytes of an import document */
#define GRANTS_REASON_MAX 63

/* Defaults (docs/grants.md "Timing"). */
#define GRANTS_LEAD_DEFAULT (72 * 3600)  /* provision 72 h before check-in (Seam preloads 72 h) */
#define GRANTS_GRACE_DEFAULT (3600)      /* remove 1 h after check-out */
#define GRANTS_LEAD_MAX (30 * 86400)

/* Create the lifecycle tables (and the outbox's) if needed. Idempotent. */
int grants_init(struct db *db);

bool grants_id_is_valid(const char *id);

/*
 * The keypad-code name for a guest (spec §6.35: 20 bytes): the guest name with leading and
 * trailing white space removed, inner runs of white space folded to one space, cut to at most
 * 20 bytes at a UTF-8 character boundary, and trailing spaces of the cut removed.
 * -EINVAL if the name is empty, not UTF-8 or has control characters.
 */
int grants_code_name(const char *guest, char ret[static LK_CODE_NAME_SIZE + 1]);

#define GRANTS_DURATION_MAX (366 * 86400) /* s: reconcile's --lead and --grace plan up to a year ahead */
/* "3600", "3600s", "90m", "72h", "3d" → seconds (duration.h; whole seconds, 0 to
 * GRANTS_DURATION_MAX). -EINVAL otherwise. */
int grants_parse_duration(const char *s, int64_t *ret);

/* A random code that passes spec §9.1, from libsodium's CSPRNG, not in avoid[0..n). */
uint32_t grants_generate_code(const uint32_t *avoid, size_t n);

/* Where an import failed: "grants[3] (id 'BK-17'): check_out: is before check_in". */
struct grants_error {
        char msg[512];
};

#define GRANTS_WARNINGS_MAX 16
#define GRANTS_WARNING_SIZE 320

struct grants_import_result {
        unsigned properties;       /* properties in the document */
        unsigned added, updated, unchanged, cancelled, reactivated;
        unsigned generated;        /* codes drawn for grants without one (each sent as code.issued) */
        unsigned ended_dropped;    /* stays that have ended and are no longer listed: kept as history */
        /* Changeovers the document sets up (the same code's residency windows, check-in − lead to
         * check-out + grace, overlap on a lock): what will happen, one line per pair of grants. */
        unsigned n_warnings;       /* lines in warnings[] */
        unsigned warnings_total;   /* all of them (more than fit are counted, not kept) */
        char warnings[GRANTS_WARNINGS_MAX][GRANTS_WARNING_SIZE];
};

struct grants_import_opts {
        int64_t now;            /* 0: the real clock (tests pass their own) */
        int64_t lead, grace;    /* the engine's defaults, for the changeover warnings; < 0: ours */
        bool allow_cancel_all;  /* a file may cancel every stay, or one in progress, by leaving it out */
};

/*
 * Import a document (docs/grants.md) in one transaction: everything is checked first, and on
 * any error nothing is written and err says which record and field. Grants of the same source
 * that the document no longer lists are cancelled, unless their stay has ended (they stay as
 * history). A document that would cancel, by leaving them out, every current and upcoming
 * grant of its source, or any stay in progress, is refused with -ECANCELED (nothing written)
 * unless o->allow_cancel_all; "status": "cancelled" per grant is always taken. source is
 * "file" (or another name for a file) or "upstream". o may be NULL (the defaults). Each code
 * drawn is queued as a code.issued event (with its value: the PMS must tell the guest).
 */
int grants_import(struct db *db, const char *text, size_t len, const char *source, const struct grants_import_opts *o,
                  struct grants_import_result *ret, struct grants_error *err);
/* The same from the file at path, or from standard input for "-" (up to GRANTS_IMPORT_MAX bytes,
 * wiped after). err's message does not repeat the path: the caller names the document. */
int grants_import_file(struct db *db, const char *path, const char *source, const struct grants_import_opts *o,
                       struct grants_import_result *ret, struct grants_error *err);

/* ---- For the reconcile engine (lifecycle.c) -------------------------------------------- */

/* One grant on one lock as the desired state says (active grants only). */
struct grant_target {
        char grant[GRANT_ID_MAX + 1];
        char guest[GRANT_GUEST_MAX + 1];
        int64_t check_in, check_out;  /* UTC seconds */
        int64_t lead;                 /* seconds; -1 = the engine's default */
        struct lk_keypad_code rec;    /* what to write: code (secret), name, window */
};

/* Active grants whose property gives this lock guest access, by check-in then id: those whose
 * check-out is after since (the engine passes now − grace; 0 for all), and those with a code still
 * provisioned on the lock. The caller wipes (sodium_memzero) and frees *ret. */
int grants_targets(struct db *db, const char *lock, int64_t since, struct grant_target **ret, size_t *ret_n);

/*
 * The time zone (IANA) a lock's properties give it, into ret: -ENOENT when none gives one,
 * -ENOTUNIQ when two disagree (imports refuse that within one document).
 */
int grants_lock_zone(struct db *db, const char *lock, char ret[static TZDB_NAME_MAX + 1]);

/* Every lock the engine must visit: members of properties, and locks still holding our codes. */
int grants_locks(struct db *db, char ***ret);

enum grant_code_state {
        GRANT_CODE_PROVISIONED, /* on the lock, confirmed by read-back: code_id, record valid */
        GRANT_CODE_FAILED,      /* wanted but not written: reason says why (no_space, …) */
        GRANT_CODE_REMOVED,     /* was on the lock, removed (or found gone) */
};
const char *grant_code_state_str(enum grant_code_state s);

/* What we know of one grant on one lock (the managed-code map). */
struct grant_code {
        char grant[GRANT_ID_MAX + 1];
        enum grant_code_state state;
        uint16_t code_id;             /* the lock's id, when provisioned */
        struct lk_keypad_code rec;    /* the record confirmed on the lock (code is secret) */
        char reason[GRANTS_REASON_MAX + 1];
};

/* All rows for a lock. The caller wipes and frees *ret. */
int grants_codes(struct db *db, const char *lock, struct grant_code **ret, size_t *ret_n);
/* Insert or replace the row (grant, lock); provisions are also recorded in the code-id history
 * used for attribution, removals close it. Runs inside the caller's transaction if any. */
int grants_code_put(struct db *db, const char *lock, const struct grant_code *c, int64_t now);

/* Next boundary after now: min over active grants on guest-access locks of check_in − lead and
 * check_out + grace (lead per override), of every changeover instant (a code handed from one
 * grant to the next on a lock: max(next check_in − lead, check_out)), and of check_out + grace
 * of provisioned rows whose grant is gone. INT64_MAX if none. */
int grants_next_boundary(struct db *db, int64_t now, int64_t lead, int64_t grace, int64_t *ret);

/* Grant and guest for (lock, code id) at time at: the grant whose record held the id then (a
 * changeover switches at its instant, so the last entries of the guest before stay theirs);
 * at 0, or a time no record covers: the latest. -ENOENT if not ours. */
int grants_code_owner(struct db *db, const char *lock, uint16_t code_id, int64_t at,
                      char ret_grant[static GRANT_ID_MAX + 1], char ret_guest[static GRANT_GUEST_MAX + 1]);

/* Authorization names per lock, for attributing lock actions by auth id. */
int grants_auth_names_replace(struct db *db, const char *lock, const struct lk_authorization_entry *e, size_t n);
int grants_auth_name(struct db *db, const char *lock, uint32_t auth_id, char ret[static LK_AUTH_NAME_SIZE + 1]);

/* Unmanaged codes already reported: 1 if (lock, id, name) is new (and now recorded), else 0. */
int grants_unmanaged_seen(struct db *db, const char *lock, uint16_t id, const char *name, int64_t now);
/* Forget unmanaged codes of lock no longer present (ids[] are those present). */
int grants_unmanaged_prune(struct db *db, const char *lock, const uint16_t *ids, size_t n);


/* ---- For the operator (`latchkey grants list`) ---------------------------------------------- */

/* One row of the bookings overview: a grant, and one of its doors. The strings live until the
 * callback returns. */
struct grants_overview_row {
        const char *id, *property, *guest, *status;
        int64_t check_in, check_out;  /* Unix seconds, UTC */
        int64_t code;                 /* the grant's code; 0 while still to be drawn */
        bool code_generated;
        const char *lock;             /* NULL: the grant has no door row (yet) */
        const char *state;            /* the door row's state */
        int code_id;                  /* the code's id on that lock; -1: none */
        const char *reason;           /* why it is in that state; NULL: none */
        int64_t lock_code;            /* that door's own code (an override); 0: none */
};
typedef int (*grants_overview_fn)(void *userdata, const struct grants_overview_row *row);
/*
 * The active grants (all: every grant) and each of their doors, by check-in, id, lock; a grant
 * with a provisioned code counts as active. fn's negative return stops the walk and is returned;
 * else 0, or -errno when state.db cannot be read.
 */
int grants_overview(struct db *db, bool all, grants_overview_fn fn, void *userdata);
