/* SPDX-License-Identifier: MIT */
/*
 * latchkey: the one set of rules for names that people type and locks store (issue 11): keypad
 * code names (spec §6.35, 20 bytes), authorization names (§6.8, 32 bytes), guest and property
 * names of the bookings. Every entry point checks with lk_text_check() and refuses, with the
 * reason, a name that:
 *   - is empty, or longer than its field in bytes (refused, never cut inside a character);
 *   - is not UTF-8 (no overlong forms, surrogates or code points past U+10FFFF);
 *   - holds a control character: C0 (tab and newline too), DEL, C1, U+2028, U+2029;
 *   - holds a bidirectional format character: U+061C, U+200E, U+200F, U+202A..U+202E,
 *     U+2066..U+2069 (they reorder what a terminal or a table shows);
 *   - is blank: only white space and zero-width characters.
 * Pure: no locale, no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lk_text_problem {
        LK_TEXT_OK = 0,
        LK_TEXT_EMPTY,
        LK_TEXT_TOO_LONG,
        LK_TEXT_NOT_UTF8,
        LK_TEXT_CONTROL,
        LK_TEXT_BIDI,
        LK_TEXT_BLANK,
};

/* The first problem of s (a NUL-terminated string) against a field of max_bytes bytes. */
enum lk_text_problem lk_text_check(const char *s, size_t max_bytes);
/* "it holds a control character (tab, newline, escape, ...)". Never NULL. */
const char *lk_text_problem_str(enum lk_text_problem p);

/*
 * Decode the UTF-8 sequence at p (at most n bytes): its length, and the code point in *ret_cp.
 * 0 when it is not valid UTF-8 (then *ret_cp is p[0]).
 */
size_t lk_utf8_decode(const uint8_t *p, size_t n, uint32_t *ret_cp);
/* C0, DEL, C1, U+2028, U+2029. */
bool lk_cp_is_control(uint32_t cp);
/* The bidirectional format characters listed above. */
bool lk_cp_is_bidi_format(uint32_t cp);
/* White space (Unicode White_Space) or a zero-width character (U+200B..U+200D, U+2060, U+FEFF). */
bool lk_cp_is_blank(uint32_t cp);
