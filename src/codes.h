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
 * -EIO read-back differs from what was written, -EDOM (update with ch->now set) the merged window
 * could never open (ret->window_problem says why), and the session's errors.
 */
int codes_add(struct session *s, const struct lk_keypad_code *want, enum lk_code_problem *ret_problem,
              struct codes_outcome *ret);
int codes_update(struct session *s, uint16_t id, const struct code_changes *ch,
                 enum lk_code_problem *ret_problem, struct codes_outcome *ret);
int codes_remove(struct session *s, uint16_t id, struct codes_outcome *ret);

/*
 * Add many codes in one connection with the fewest exchanges that still verify: one list up
 * front (duplicates, capacity), a challenge and an add per missing code, one list at the end
 * that verifies every code written. Per item: result 0 (added, or already there: outcome
 * .already), or the -errno codes_add would give. Returns < 0 only if the lock could not be
 * read at all; per-item failures are in the items.
 */
struct codes_batch_item {
        struct lk_keypad_code want;
        int result;
        enum lk_code_problem problem;
        struct codes_outcome outcome;
};
int codes_add_batch(struct session *s, struct codes_batch_item *items, size_t n);
