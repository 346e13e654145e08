/* SPDX-License-Identifier: MIT */
/*
 * The upstream events a lock's own answers become (docs/openapi.yaml LockState, LogEntry):
 * lock.state from its Keyturner States, log.entry from its log. A Smart Lock and a Nuki Opener
 * answer in different terms (../shared/spec/nuki-opener.md O3, O6.1, O9), so each payload says
 * which device it comes from ("device": "smartlock" | "opener") and is read with that device's
 * codec: an Opener's states never pass through the Smart Lock's, nor its numbers for a Smart
 * Lock's. A Smart Lock's payloads are what they were before the Opener, with "device" added.
 *
 * The device is the one the link found (session_link_info(): the Opener's own UUIDs, or the
 * virtual lock's hello), the same the credentials name once paired.
 */
#pragma once

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "latchkey/commands.h"
#include "session.h"

#define LOCK_EVENTS_SMARTLOCK "smartlock"
#define LOCK_EVENTS_OPENER    "opener"

/* The events' name of a device by its generation (enum lk_generation). */
const char *lock_events_device(uint8_t generation);

/* The generation the link of s found. */
uint8_t lock_events_generation(const struct session *s);

/*
 * One log entry as a log.entry payload (the caller adds who it was): index, time (absent when
 * the lock's clock was not set), type, auth_id and the type's numbers as the lock gives them —
 * a Smart Lock's spec §6.29 values, an Opener's O9 types and O6.1 actions — and, for an
 * Opener's doorbell ring (type 0x06), "ring_while": what was on when it rang (O9). NULL when
 * out of memory.
 */
cJSON *lock_events_log_entry(const struct lk_log_entry *e, uint8_t generation);

/*
 * Read the Keyturner States of the lock on s with its device's codec (lockops_states, or
 * lockops_opener_states for an Opener) and build the lock.state payload into *ret (the caller
 * frees it). A Smart Lock: lock_state (spec §7.2 number), battery_critical, battery_percent,
 * timezone_offset. An Opener (O3): lock_state and nuki_state named in its terms (O7.1, O7.2),
 * ring_to_open, continuous_mode, battery_critical (its only battery bit: no battery_percent),
 * timezone_offset, and keypad_battery_critical when it reports a keypad battery.
 * Errors: those of the read (-ETIMEDOUT, -ENOTCONN, -EBADMSG, -EREMOTEIO, ...), -ENOMEM.
 */
int lock_events_state(struct session *s, cJSON **ret);
