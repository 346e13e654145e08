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
 * The one supported range of instants, in every entry point (code add/update/import, grants
 * import, the upstream): the protocol keeps a uint16 year (spec §0 DATETIME), and a booking or a
 * code outside this century is a typo, not a plan.
 */
#define TIME_SUPPORTED_MIN INT64_C(946684800)  /* 2000-01-01T00:00:00Z */
#define TIME_SUPPORTED_MAX INT64_C(4102444799) /* 2099-12-31T23:59:59Z */

enum {
        TIME_DOCUMENT = 1 << 0, /* a bookings document: a date, a time and a zone are required; no "now" */
};

/*
 * Parse an instant (docs/grants.md "Times"): RFC 3339 "2026-11-22T15:00:00+01:00",
 * "2026-11-22t14:00:00.250z" (T/Z in either case, a fraction of a second is dropped), seconds
 * optional ("2026-11-22T14:00Z"), the offset also as "+0100"; "2026-11-22 15:00" or a date alone
 * without a zone is the host's local time; "now", "now+DURATION", "now-DURATION" (duration.h: "now+3600", "now+2h", "now-1d"). Nothing is
 * written on error; why (may be NULL) gets the reason as a phrase to follow the value:
 *   -EINVAL  not a time, not a real date, or (TIME_DOCUMENT) no zone
 *   -ERANGE  outside TIME_SUPPORTED_MIN..MAX
 *   -ENXIO   a local time the host's zone skips (a DST gap): "does not exist in Europe/Berlin"
 *   -EADDRNOTAVAIL  a local time the host's zone has twice (a DST fold): give the offset
 */
int time_parse(const char *s, int64_t now, unsigned flags, int64_t *ret, char *why, size_t why_size);
/* time_parse() with no flags and no reason. */
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
