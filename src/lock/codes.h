/* SPDX-License-Identifier: MIT */
/*
 * Keypad-code writes that can be trusted (field lessons 1, 2, 5): the rules are checked before
 * anything is sent; an add first looks for the same code so a retry after a lost reply never
 * makes a duplicate; an update always writes the whole record; after a link failure the
 * session reconnects and reads the lock before trying again; every write is read back.
 */
#pragma once

#include "latchkey/keypad.h"
#include "session.h"
#include "window.h"

#define CODES_MAX LK_MAX_KEYPAD_CODES
#define CODES_ATTEMPTS 3 /* link failures tolerated per write */

struct codes_outcome {
        uint16_t id;         /* the code's id on the lock */
        bool already;        /* the same code was there already: nothing was written */
        unsigned reconnects; /* link failures survived */
        struct lk_keypad_code record; /* as read back from the lock */
        enum window_problem window_problem; /* codes_update's -EDOM: why the merged window cannot open */
};

/*
 * Changes for an update; what is not set keeps the lock's current value. Setting any part of
 * the window makes the code time limited; window_clear makes it unlimited.
 */
struct code_changes {
        bool set_code, set_name, set_enabled;
        bool window_from, window_until, window_weekdays, window_daily, window_clear;
        uint32_t code;
        char name[LK_CODE_NAME_SIZE + 1];
        bool enabled;
        struct lk_window window; /* the values of the parts being set */
        int64_t now; /* > 0: refuse (-EDOM) a merged window that cannot open (window.h), ended at now included */
};

/* Equal for our purposes: code, name, enabled and the window as the lock stores it. */
bool codes_same(const struct lk_keypad_code *a, const struct lk_keypad_code *b);

/*
 * Errors: -EINVAL the record breaks a rule (*ret_problem says which), -EEXIST the code is on
 * the lock already with other details (ret->id names it), -ENOENT no code with that id,
 * -EBADE read-back differs from what was written (its own errno: -EIO is the transport's), -EDOM (update with ch->now set) the merged window
 * could never open (ret->window_problem says why), and the session's errors.
 */
int codes_add(struct session *s, const struct lk_keypad_code *want, enum lk_code_problem *ret_problem,
              struct codes_outcome *ret);
int codes_update(struct session *s, uint16_t id, const struct code_changes *ch,
                 enum lk_code_problem *ret_problem, struct codes_outcome *ret);
int codes_remove(struct session *s, uint16_t id, struct codes_outcome *ret);

/*
 * Many writes in one connection with the fewest exchanges that still verify (issue 12): one
 * listing up front (or the caller's, made on this session just before: reconcile lists to plan),
 * then per item only its write (an add: challenge and Add Keypad Code; an update: challenge and
 * the whole record; a remove: challenge and Remove), and one listing at the end that verifies
 * every item. Items run in array order against a model of the table (the listing with the
 * writes so far applied), which answers duplicates, capacity and "nothing to change" without
 * asking the lock.
 *
 * A link failure never makes a duplicate: the session reconnects, lists, matches (an add by its
 * value, an update by its id and record, a remove by its id being gone) and sends again only
 * what did not land. CODES_ATTEMPTS link failures in a row without progress give up: that item
 * and the rest get the link error. Errors about one record (the lock refuses the code, its
 * window, a full table) stay with the item and the batch goes on; any other failure (a refused
 * PIN, an unauthorised client, a protocol error) stops it: that item keeps its error (and
 * .stopped), nothing more is sent, not even the verifying listing, so a PIN the lock refuses is
 * tried once, not once per code; the items not done, and those written but now not verified,
 * get -ECANCELED.
 *
 * Per item: result 0 (written and verified, or nothing to do: outcome.already, outcome.record
 * as the lock has it), or -EINVAL (rules: problem), -EEXIST (another code has the value:
 * outcome.id names it), -ENOSPC, -ENOENT (update/remove: no code with that id), -EBADE (the
 * verifying listing shows something else), -EREMOTEIO (lock_error), a link error, -ECANCELED.
 * Returns < 0 only when the table could not be read at the start or memory ran out.
 */
enum codes_op {
        CODES_OP_ADD,    /* want: the record (enabled is set true: the lock creates codes enabled) */
        CODES_OP_UPDATE, /* id, want: the whole new record (spec §6.35 writes it whole) */
        CODES_OP_REMOVE, /* id */
};

struct codes_batch_item {
        enum codes_op op;
        uint16_t id;
        struct lk_keypad_code want;
        int result;
        enum lk_code_problem problem;
        uint8_t lock_error;  /* -EREMOTEIO: the lock's error code (spec §8) */
        bool sent;           /* a write for it went out (codes_batch's own bookkeeping) */
        bool stopped;        /* its failure stopped the batch */
        struct codes_outcome outcome;
};
int codes_batch(struct session *s, const struct lk_keypad_code *listed, size_t n_listed,
                struct codes_batch_item *items, size_t n);
