/* SPDX-License-Identifier: MIT */
/*
 * Typed operations on a connected lock: one function per protocol exchange, decoded results.
 * The CLI and the lifecycle engine both use these; nothing here retries or verifies (see
 * codes.h for the robust keypad-code writes) or prints.
 */
#pragma once

#include "latchkey/commands.h"
#include "latchkey/keypad.h"
#include "session.h"

/* Request Data (spec §6.1) for cmd, its answer given to decode(payload, length, ret). */
int lockops_request_decoded(struct session *s, uint16_t cmd, int (*decode)(const uint8_t *, size_t, void *), void *ret);
/*
 * A call (cmd with fields) answered by one message of reply_cmd, given to decode; with
 * then_complete the answer goes on to a Status COMPLETE. -EBADMSG when that message never came.
 */
int lockops_call_one(struct session *s, uint16_t cmd, const uint8_t *fields, size_t n, uint16_t reply_cmd,
                     bool then_complete, int (*decode)(const uint8_t *, size_t, void *), void *ret);
int lockops_states(struct session *s, struct lk_keyturner_states *ret);
int lockops_battery(struct session *s, struct lk_battery_report *ret);
int lockops_config(struct session *s, struct lk_config *ret);
int lockops_advanced_config(struct session *s, struct lk_advanced_config *ret);
/* Set Config (spec §6.22): the whole record, answered by COMPLETE. Needs the PIN. */
int lockops_set_config(struct session *s, const struct lk_set_config *c);
/*
 * Lock Action (spec §6.15, §5.3): waits for COMPLETE (the lock's motor takes seconds after
 * ACCEPTED: session_opts.action_timeout_usec); the last Keyturner States seen goes to ret.
 * -EINPROGRESS when the link failed (or went silent) after the command went out: the lock may
 * have acted, the outcome is unknown, and the command must not be sent again blindly (the
 * caller reads the state to find out). -EREMOTEIO when the lock refused or could not complete
 * (session_remote_error(): e.g. K_ERROR_MOTOR_BLOCKED, K_ERROR_BUSY after the retries).
 */
int lockops_action(struct session *s, uint8_t action, uint32_t app_id, const char *suffix,
                   struct lk_keyturner_states *ret);
/* Update Time (spec §6.27) to t (UTC seconds). */
int lockops_set_time(struct session *s, int64_t t);
int lockops_pin_verify(struct session *s);
int lockops_pin_set(struct session *s, const struct lk_pin *new_pin);

/*
 * Keypad codes (spec §6.35). list fills up to max records and the lock's total count.
 * progress (may be NULL) is called as codes arrive.
 */
typedef void (*lockops_progress_fn)(void *userdata, unsigned done, unsigned total);
int lockops_codes_list(struct session *s, struct lk_keypad_code *ret, size_t max, size_t *ret_n,
                       lockops_progress_fn progress, void *userdata);
/* Read one record by its position in the lock's list (a cheap read-back after add). */
int lockops_code_at(struct session *s, uint16_t offset, struct lk_keypad_code *ret, uint16_t *ret_total);
int lockops_code_add(struct session *s, const struct lk_keypad_code *c, uint16_t *ret_id);
int lockops_code_update(struct session *s, const struct lk_keypad_code *c);
int lockops_code_remove(struct session *s, uint16_t id);

/* Log (spec §6.28): entries after start_index (exclusive; 0 = from the oldest), ascending.
 * fn is called for each entry as it arrives; it may return < 0 to abort. */
typedef int (*lockops_log_fn)(void *userdata, const struct lk_log_entry *e);
int lockops_log_read(struct session *s, uint32_t start_index, uint16_t count, bool descending,
                     lockops_log_fn fn, void *userdata, uint16_t *ret_total);

/* Authorizations (spec §6.8–§6.13). */
int lockops_auth_list(struct session *s, struct lk_authorization_entry *ret, size_t max, size_t *ret_n);
int lockops_auth_remove(struct session *s, uint32_t auth_id);
