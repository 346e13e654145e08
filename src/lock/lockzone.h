/* SPDX-License-Identifier: MIT */
/*
 * A lock's time zone (spec §6.22, §6.24, §7.8, §7.10, §9.3): what its Config must hold to keep
 * an IANA zone's local time, and writing that with the whole Set Config.
 *
 * For a zone the lock has an ID for (§7.10): that ID, the zone's standard offset and DST mode
 * European when the zone follows the EU rule (§7.8), else none: the ID carries the rules.
 * For a zone without an ID that follows the EU rule: no ID, its standard offset, DST European:
 * the lock still follows every change. For any other zone: no ID, the offset in force now and
 * no DST: the lock keeps today's local time and does not follow the zone's next change of
 * offset (dst_follows false); reconcile then finds the difference and writes the new offset.
 * latchkey/zone.h says how a lock reads the three fields.
 */
#pragma once

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "latchkey/commands.h"
#include "session.h"
#include "tzdb.h"

struct lockzone {
        char name[TZDB_NAME_MAX + 1]; /* the IANA zone */
        uint16_t timezone_id;   /* spec §7.10; LK_TIMEZONE_NONE when the lock has none for it */
        int16_t timezone_offset; /* minutes, local = UTC + offset (standard, or now's) */
        uint8_t dst_mode;       /* spec §7.8 */
        bool has_dst;           /* the zone changes its offset in this year or the next */
        bool dst_follows;       /* the lock follows those changes by itself */
};

/*
 * The Config zone fields for zone at now (UTC seconds), from the system tz database (the
 * current year and the next). -EINVAL for a malformed name, -ENOENT for a zone the database
 * does not have, -ERANGE for an offset outside what a lock takes (UTC−12 … UTC+14).
 */
int lockzone_for(const char *zone, int64_t now, struct lockzone *ret);

/* Whether the lock's Config holds exactly z's ID, offset and DST mode. */
bool lockzone_matches(const struct lk_config *c, const struct lockzone *z);

/*
 * {"name", "timezone_id" (null when none), "offset_minutes", "dst_mode", "dst_follows"}, and
 * one line for people: "Europe/Berlin (lock zone ID 37, UTC+01:00, DST European)".
 */
cJSON *lockzone_json(const struct lockzone *z);
void lockzone_describe(const struct lockzone *z, char *buf, size_t size);

/*
 * Read Config; unless it holds z already, write z's fields with every other setting as read
 * (Set Config is the whole record, spec §6.22) and read Config back. ret_before (may be NULL)
 * gets the Config as first read, *ret_changed whether a write was made. Session errors as
 * they come (Set Config needs the PIN: -ENOKEY without one); -EILSEQ, nothing written, when
 * the lock's name as read cannot be written back unchanged (not UTF-8); -EOPNOTSUPP,
 * nothing written, when its Config is the API v1 layout (no zone fields); -EIO when the
 * read-back differs from what was written in any setting. A Nuki Opener (the link's
 * generation) is read and written in its own layouts (nuki-opener.md O4.1, O4.2); its
 * ret_before then holds only the Nuki ID, the clock and the zone fields.
 */
int lockzone_apply(struct session *s, const struct lockzone *z, struct lk_config *ret_before,
                   bool *ret_changed);
