/* SPDX-License-Identifier: MIT */
/*
 * A Nuki Opener's records in its own terms (../shared/spec/nuki-opener.md): its Keyturner
 * States, Config and Advanced Config as JSON objects, and its log entries' events (render.h
 * does a Smart Lock's).
 */
#pragma once

#include <cjson/cJSON.h>

#include "latchkey/commands.h"
#include "latchkey/opener.h"

cJSON *render_opener_states_json(const struct lk_opener_keyturner_states *s);
/* ac may be NULL (not read). */
cJSON *render_opener_config_json(const struct lk_opener_config *c, const struct lk_opener_advanced_config *ac);
/*
 * An Opener's log entry, read through the shared Log Entry codec (spec §6.29): the actions are
 * O6.1's, type 0x06 is a doorbell ring whose first data byte (kept as door_event) says what
 * was on when it rang (O9).
 */
void render_opener_log_event(const struct lk_log_entry *e, char *buf, size_t size);
cJSON *render_opener_log_json(const struct lk_log_entry *e, const char *attributed);
/* "ring to open on", "continuous mode", "open", ... for the one-line state. */
const char *render_opener_mode(const struct lk_opener_keyturner_states *s);
