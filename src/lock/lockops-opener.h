/* SPDX-License-Identifier: MIT */
/*
 * Typed operations on a connected Nuki Opener (../shared/spec/nuki-opener.md, "O<n>"): where
 * its messages differ from a Smart Lock's (lockops.h has the rest, which it shares: keypad
 * codes, the log, authorizations, the PIN, the clock). Nothing here retries or prints.
 */
#pragma once

#include <stdbool.h>

#include "latchkey/opener.h"
#include "session.h"

int lockops_opener_states(struct session *s, struct lk_opener_keyturner_states *ret);
/*
 * The lock's clock from its Keyturner States, decoded with the connected device's own layout
 * (spec §6.14; nuki-opener.md O3 for an Opener: the same offsets, 3 for the UTC time and 10
 * for the zone offset in minutes). Errors as lockops_states().
 */
int lockops_clock(struct session *s, struct lk_datetime *ret_time, int16_t *ret_tz_minutes);
int lockops_opener_config(struct session *s, struct lk_opener_config *ret);
int lockops_opener_advanced_config(struct session *s, struct lk_opener_advanced_config *ret);
/* Set Config (O4.2): the whole record, answered by COMPLETE. Needs the PIN. */
int lockops_opener_set_config(struct session *s, const struct lk_opener_set_config *c);
/*
 * Lock Action with an Opener action (O6.1): as lockops_action() (ACCEPTED, states, COMPLETE;
 * -EINPROGRESS when the outcome is unknown, never repeated; -EREMOTEIO refused), the last
 * Keyturner States seen, or read after, into ret.
 */
int lockops_opener_action(struct session *s, uint8_t action, uint32_t app_id,
                          struct lk_opener_keyturner_states *ret);
/*
 * Continuous mode on or off (O6.2): by Continuous Mode Action 0x0057 (N + PIN, answered by
 * COMPLETE) for an App authorization, by Lock Action 0x04/0x05 for the others
 * (lk_opener_cm_via_lock_action(id_type)). The states afterwards into ret.
 */
int lockops_opener_cm(struct session *s, bool enabled, uint8_t id_type, uint32_t app_id,
                      struct lk_opener_keyturner_states *ret);
