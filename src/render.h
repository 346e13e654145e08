/* SPDX-License-Identifier: MIT */
/* Lock records as JSON objects and as terminal text (the CLI's two faces of the same data). */
#pragma once

#include <cjson/cJSON.h>
#include <stdio.h>

#include "latchkey/commands.h"
#include "latchkey/keypad.h"

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
/*
 * Text for people (render-text.c). Everything human-readable that came from a lock, a file or
 * the upstream goes through these: control characters (C0, DEL, C1, U+2028/9), bidirectional
 * format characters, bytes that are not UTF-8 and the backslash are shown escaped (\n \t
 * \x1b \u202E \xff \\), so a name cannot move the cursor, set a terminal title or forge a
 * table row. Table cells are measured in terminal columns (CJK and emoji take 2), in any
 * locale, the C locale included; a cut never splits a character.
 */
#define RENDER_CELL_MAX 512 /* a buffer for an escaped and padded cell of a name */
/* s escaped into buf (never cut inside a character or an escape); returns buf. */
const char *render_escape(const char *s, char *buf, size_t size);
/* Terminal columns of s as render_escape() shows it. */
size_t render_width(const char *s);
/* s escaped, cut to at most width columns and padded with spaces to exactly width; returns buf. */
const char *render_pad(const char *s, size_t width, char *buf, size_t size);

/* An object as indented "key: value" lines, strings escaped (for `config show`). */
void render_json_text(FILE *f, const cJSON *o, unsigned indent);

/* Name of a value or "0xNN". */
const char *render_name(const char *name, unsigned v, char *buf, size_t size);
