/* SPDX-License-Identifier: MIT */
/*
 * Dates as people type and read them, and as the lock keeps them (spec §9.3): instants are
 * taken with their time zone and kept as UTC; daily times are the lock's local time.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "latchkey/wire.h"

/*
 * Parse an instant: "2026-11-22T15:00:00+01:00", "2026-11-22T14:00Z", "2026-11-22 15:00"
 * (no zone: the host's local time zone), or "now", or "now+3600" / "now-60" (seconds).
 * -EINVAL with nothing written on anything else (including impossible dates).
 */
int time_parse_instant(const char *s, int64_t now, int64_t *ret);
/* "HH:MM" → lk_time; -EINVAL otherwise. */
int time_parse_hhmm(const char *s, struct lk_time *ret);
/* "HH:MM-HH:MM" daily window. */
int time_parse_daily(const char *s, struct lk_time *ret_from, struct lk_time *ret_until);
/* "mon,tue,sat" or "weekdays"/"weekends"/"all" → spec §0 WEEKDAYS bits; -EINVAL otherwise. */
int time_parse_weekdays(const char *s, uint8_t *ret);
/* "mon,tue" from bits; "all" for 0. */
void time_format_weekdays(uint8_t bits, char *buf, size_t size);

/* RFC 3339 UTC: "2026-11-22T14:00:00Z". */
void time_format_utc(int64_t t, char *buf, size_t size);
/* RFC 3339 in the host's local zone with its offset: "2026-11-22T15:00:00+01:00". */
void time_format_local(int64_t t, char *buf, size_t size);
