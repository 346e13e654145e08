/* SPDX-License-Identifier: MIT */
/* Text for people, a helper every part uses (logging included); render.h adds lock records. */
#pragma once

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Text for people (render-text.c). Everything human-readable that came from a lock, a file or
 * the upstream goes through these: control characters (C0, DEL, C1, U+2028/9), bidirectional
 * format characters, bytes that are not UTF-8 and the backslash are shown escaped (\n \t
 * \x1b \u202E \xff \\), so a name cannot move the cursor, set a terminal title or forge a
 * table row. Table cells are measured in terminal columns (CJK and emoji take 2), in any
 * locale, the C locale included; a cut never splits a character.
 */
#define RENDER_CELL_MAX 512 /* a buffer for an escaped and padded cell of a name */
/* s escaped into buf; when buf is too small it is cut (never inside a character or an escape)
 * and ends with "…" (U+2026). Returns buf. */
const char *render_escape(const char *s, char *buf, size_t size);
/* Terminal columns of s as render_escape() shows it. */
size_t render_width(const char *s);
/* s escaped, padded with spaces to exactly width columns; longer, it is cut to width - 1 columns
 * and ends with "…" (U+2026, one column), so a cut cell always says so. Returns buf. */
const char *render_pad(const char *s, size_t width, char *buf, size_t size);

/* An object as indented "key: value" lines, strings escaped (for `config show`). */
void render_json_text(FILE *f, const cJSON *o, unsigned indent);
