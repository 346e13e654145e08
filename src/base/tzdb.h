/* SPDX-License-Identifier: MIT */
/*
 * The system's time-zone database (tzdata, read through glibc): IANA zone names and their
 * UTC offsets at given instants. Its own small library (lk-tzdb): the agent maps a property's
 * zone to the lock's zone fields with it, and the virtual lock runs its zone ID by it.
 *
 * glibc offers zones only as the process's TZ, so each call sets TZ to the zone, converts,
 * and puts the caller's TZ back before returning. Not thread-safe (nor is TZ); latchkey and
 * latchkey-sim are single-threaded.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define TZDB_NAME_MAX 64 /* the longest IANA name today is 32 bytes */

/*
 * A zone the database has: a canonical-looking IANA name ("Europe/Berlin", "UTC",
 * "America/Argentina/Buenos_Aires") whose TZif file is installed under $TZDIR or
 * /usr/share/zoneinfo. -EINVAL for a malformed name (empty, over TZDB_NAME_MAX, a character
 * outside A-Z a-z 0-9 / _ + - ., a leading or doubled '/', a ".." part, or the database's
 * non-zones "localtime", "posixrules", "Factory", "posix/…", "right/…"); -ENOENT when no such
 * zone is installed (or its file is not a TZif file).
 */
int tzdb_check(const char *zone);

/*
 * The UTC offsets (minutes, local = UTC + offset) of zone at the n instants t[] (UTC seconds)
 * into ret_minutes[]. Errors of tzdb_check(); -EOVERFLOW for an instant the C library cannot
 * convert. ret_minutes is untouched on failure.
 */
int tzdb_offsets(const char *zone, const int64_t *t, size_t n, int *ret_minutes);
int tzdb_offset(const char *zone, int64_t t, int *ret_minutes);
