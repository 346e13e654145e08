/* SPDX-License-Identifier: MIT */
/*
 * One duration grammar for every setting (docs/config.md), every command-line flag and the
 * grants document: a whole number with an optional unit, no sign, no space, no fraction.
 *
 *     1500ms   milliseconds
 *     90  90s  seconds (a bare number is seconds)
 *     15m      minutes
 *     72h      hours
 *     3d       days
 *
 * Settings kept in whole seconds refuse a value that is not one ("1500ms" for a key in
 * seconds is -EINVAL, never rounded). Each caller checks its own range.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define DURATION_MAX_MS (100ULL * 366 * 86400 * 1000) /* anything longer is a typo */

/* s → milliseconds. -EINVAL for anything outside the grammar, -ERANGE past DURATION_MAX_MS. */
int duration_parse_ms(const char *s, uint64_t *ret_ms);
/* The same, for a value kept in whole seconds: -EINVAL when it is not a whole second. */
int duration_parse_sec(const char *s, int64_t *ret_sec);
/* The same, with a range in seconds: -ERANGE outside [min_sec, max_sec]. */
int duration_parse_sec_range(const char *s, int64_t min_sec, int64_t max_sec, int64_t *ret_sec);
/* Seconds as the grammar writes them, largest whole unit: 5400 → "90m", 259200 → "3d". */
void duration_format_sec(int64_t sec, char *buf, size_t size);
/* Milliseconds the same way: 100 → "100ms", 600000 → "10m". */
void duration_format_ms(uint64_t ms, char *buf, size_t size);
