/* SPDX-License-Identifier: MIT */
/*
 * latchkey: the lock's time zone, pure (spec §6.22, §6.24, §7.8, §7.10, §9.3).
 *
 * A lock keeps three zone fields in Config / Set Config: a time-zone ID (§7.10, or
 * LK_TIMEZONE_NONE), an offset in minutes and a DST mode (§7.8: 0 none, 1 European).
 * Daily windows and time control run on lock-local time = UTC + the offset in force.
 *
 * [DECISION] how a lock reads the three (the spec says only "DST handled by the lock per DST
 * mode / time-zone ID", §9.3): with an ID, the lock follows that zone's own rules; without
 * one, local time is UTC + offset, plus 60 minutes while the DST mode's summer time runs.
 * The offset field is the zone's standard (winter) offset; Keyturner States report the offset
 * in force now (§6.14). latchkey writes all three consistently, so a lock that reads them
 * either way keeps the same local time; the virtual lock does exactly the above.
 *
 * Nothing here reads a clock or the tz database: callers pass instants (UTC seconds).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "latchkey/wire.h"

/* The §7.10 ID of an IANA zone name (exact, case-sensitive), or LK_TIMEZONE_NONE. */
uint16_t lk_timezone_id(const char *name);

/*
 * spec §7.8 DST mode 1 "European" (EU directive 2000/84/EC): summer time from the last Sunday
 * of March, 01:00 UTC, until the last Sunday of October, 01:00 UTC.
 * lk_dst_european_bounds gives both instants of the year of utc.
 */
bool lk_dst_european_active(int64_t utc);
void lk_dst_european_bounds(uint16_t year, int64_t *ret_start, int64_t *ret_end);

/*
 * The offset (minutes, local = UTC + offset) a lock without a zone ID keeps at utc:
 * offset, plus 60 while dst_mode's summer time runs. An unknown DST mode counts as none.
 */
int lk_lock_local_offset(int16_t offset, uint8_t dst_mode, int64_t utc);

/* spec §6.22: the offsets a lock takes (the virtual lock's range, UTC−12:00 … UTC+14:00). */
#define LK_TIMEZONE_OFFSET_MIN (-12 * 60)
#define LK_TIMEZONE_OFFSET_MAX (14 * 60)
