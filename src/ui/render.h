/* SPDX-License-Identifier: MIT */
/* Lock records as JSON objects and as terminal text (the CLI's two faces of the same data). */
#pragma once

#include <cjson/cJSON.h>
#include <stdio.h>

#include "latchkey/commands.h"
#include "latchkey/keypad.h"
#include "render-text.h"

cJSON *render_states_json(const struct lk_keyturner_states *ks);
cJSON *render_battery_json(const struct lk_battery_report *b, const struct lk_keyturner_states *ks);
cJSON *render_config_json(const struct lk_config *c, const struct lk_advanced_config *ac);
cJSON *render_code_json(const struct lk_keypad_code *c);
/* attributed: the code or authorization name the entry is attributed to (may be NULL). */
cJSON *render_log_json(const struct lk_log_entry *e, const char *attributed);
cJSON *render_auth_json(const struct lk_authorization_entry *a);
cJSON *render_window_json(const struct lk_window *w);

/* A lock DATETIME as RFC 3339 UTC ("-" when unset). */
void render_datetime(const struct lk_datetime *dt, char *buf, size_t size);
/* A lock DATETIME in the host's zone, for tables. */
void render_datetime_local(const struct lk_datetime *dt, char *buf, size_t size);
/* "lock action unlock (manual) ok" style summary of a log entry's event. */
void render_log_event(const struct lk_log_entry *e, char *buf, size_t size);
/* Name of a value or "0xNN". */
const char *render_name(const char *name, unsigned v, char *buf, size_t size);
