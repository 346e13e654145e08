/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "latchkey/names.h"
#include "latchkey/zone.h"
#include "lockops-opener.h"
#include "lockops.h"
#include "lockzone.h"

/* Instants of one year checked against the EU rule: the 1st and 15th of every month at noon,
 * and both sides of each EU change (spec §7.8). */
#define YEAR_SAMPLES (24 + 4)

static int year_samples(uint16_t year, int64_t t[static YEAR_SAMPLES])
{
        int64_t start, end;
        size_t n = 0;

        for (uint8_t month = 1; month <= 12; month++)
                for (uint8_t day = 1; day <= 15; day += 14) {
                        struct lk_datetime dt = { .year = year, .month = month, .day = day, .hour = 12 };

                        if (lk_datetime_to_unix(&dt, &t[n++]) < 0)
                                return -ERANGE;
                }
        lk_dst_european_bounds(year, &start, &end);
        t[n++] = start - 1;
        t[n++] = start;
        t[n++] = end - 1;
        t[n++] = end;
        return 0;
}

int lockzone_for(const char *zone, int64_t now, struct lockzone *ret)
{
        int64_t t[2 * YEAR_SAMPLES + 1];
        int off[2 * YEAR_SAMPLES + 1], std, current;
        struct lk_datetime dt;
        struct lockzone z = { 0 };
        bool eu = true;
        int r;

        r = tzdb_check(zone);
        if (r < 0)
                return r;
        if (lk_datetime_from_unix(now, &dt) < 0 || dt.year == UINT16_MAX)
                return -ERANGE;
        r = year_samples(dt.year, t);
        if (r >= 0)
                r = year_samples((uint16_t)(dt.year + 1), t + YEAR_SAMPLES);
        if (r < 0)
                return r;
        t[2 * YEAR_SAMPLES] = now;
        r = tzdb_offsets(zone, t, 2 * YEAR_SAMPLES + 1, off);
        if (r < 0)
                return r;
        current = off[2 * YEAR_SAMPLES];

        /* The standard offset is the smaller of the year's (DST moves clocks forward; zones
         * whose database calls winter "negative DST", like Europe/Dublin, come out right). */
        std = off[0];
        for (size_t i = 0; i < 2 * YEAR_SAMPLES; i++) {
                if (i < 24 && off[i] < std)
                        std = off[i];
                if (off[i] != off[0])
                        z.has_dst = true;
        }
        for (size_t i = 0; i < 2 * YEAR_SAMPLES; i++)
                if (off[i] != std + (lk_dst_european_active(t[i]) ? 60 : 0))
                        eu = false;
        if (std < LK_TIMEZONE_OFFSET_MIN || std > LK_TIMEZONE_OFFSET_MAX ||
            current < LK_TIMEZONE_OFFSET_MIN || current > LK_TIMEZONE_OFFSET_MAX)
                return -ERANGE;

        snprintf(z.name, sizeof(z.name), "%s", zone);
        z.timezone_id = lk_timezone_id(zone);
        z.dst_mode = eu && z.has_dst ? LK_DST_EUROPEAN : LK_DST_DISABLED;
        if (z.timezone_id != LK_TIMEZONE_NONE || z.dst_mode == LK_DST_EUROPEAN || !z.has_dst) {
                z.timezone_offset = (int16_t)(z.has_dst ? std : current);
                z.dst_follows = true;
        } else {
                z.timezone_offset = (int16_t)current;
                z.dst_follows = false;
        }
        *ret = z;
        return 0;
}

cJSON *lockzone_json(const struct lockzone *z)
{
        cJSON *o = cJSON_CreateObject();
        const char *dst = lk_dst_mode_name(z->dst_mode);

        cJSON_AddStringToObject(o, "name", z->name);
        if (z->timezone_id == LK_TIMEZONE_NONE)
                cJSON_AddNullToObject(o, "timezone_id");
        else
                cJSON_AddNumberToObject(o, "timezone_id", z->timezone_id);
        cJSON_AddNumberToObject(o, "offset_minutes", z->timezone_offset);
        cJSON_AddStringToObject(o, "dst_mode", dst ? dst : "unknown");
        cJSON_AddBoolToObject(o, "dst_follows", z->dst_follows);
        return o;
}

void lockzone_describe(const struct lockzone *z, char *buf, size_t size)
{
        unsigned a = (unsigned)(z->timezone_offset < 0 ? -z->timezone_offset : z->timezone_offset);
        char id[32];

        if (z->timezone_id == LK_TIMEZONE_NONE)
                snprintf(id, sizeof(id), "no lock zone ID");
        else
                snprintf(id, sizeof(id), "lock zone ID %u", z->timezone_id);
        snprintf(buf, size, "%s (%s, UTC%c%02u:%02u%s)", z->name, id, z->timezone_offset < 0 ? '-' : '+',
                 a / 60, a % 60, z->dst_mode == LK_DST_EUROPEAN ? ", DST European" : "");
}

bool lockzone_matches(const struct lk_config *c, const struct lockzone *z)
{
        return c->timezone_id == z->timezone_id && c->timezone_offset == z->timezone_offset &&
               c->dst_mode == z->dst_mode;
}

/* An Opener's Config and Set Config have their own layouts (nuki-opener.md O4): the same
 * read-modify-write, compared as the bytes written. */
static int apply_opener(struct session *s, const struct lockzone *z, struct lk_config *ret_before,
                        bool *ret_changed)
{
        struct lk_opener_set_config want, got;
        struct lk_opener_config before, after;
        uint8_t a[LK_OPENER_SET_CONFIG_SIZE], b[LK_OPENER_SET_CONFIG_SIZE];
        int r;

        r = lockops_opener_config(s, &before);
        if (r < 0)
                return r;
        if (ret_before)
                *ret_before = (struct lk_config){ .nuki_id = before.nuki_id, .timezone_id = before.timezone_id,
                                                  .timezone_offset = before.timezone_offset,
                                                  .dst_mode = before.dst_mode, .current_time = before.current_time };
        *ret_changed = false;
        if (before.timezone_id == z->timezone_id && before.timezone_offset == z->timezone_offset &&
            before.dst_mode == z->dst_mode)
                return 0;
        lk_opener_set_config_from_config(&before, &want);
        want.timezone_id = z->timezone_id;
        want.timezone_offset = z->timezone_offset;
        want.dst_mode = z->dst_mode;
        if (lk_opener_set_config_encode(&want, a, sizeof(a)) < 0)
                return -EILSEQ;
        r = lockops_opener_set_config(s, &want);
        if (r < 0)
                return r;
        *ret_changed = true;
        r = lockops_opener_config(s, &after);
        if (r < 0)
                return r;
        lk_opener_set_config_from_config(&after, &got);
        if (lk_opener_set_config_encode(&got, b, sizeof(b)) < 0)
                return -EIO;
        return memcmp(a, b, sizeof(a)) == 0 ? 0 : -EIO;
}

int lockzone_apply(struct session *s, const struct lockzone *z, struct lk_config *ret_before,
                   bool *ret_changed)
{
        const struct lk_link_info *link = session_link_info(s);
        struct lk_set_config want, got;
        struct lk_config before, after;
        uint8_t probe[LK_SET_CONFIG_SIZE];
        int r;

        if (link && link->generation == LK_GEN_OPENER)
                return apply_opener(s, z, ret_before, ret_changed);
        r = lockops_config(s, &before);
        if (r < 0)
                return r;
        if (ret_before)
                *ret_before = before;
        *ret_changed = false;
        /* [DECISION] issue 14: a Config in the API v1 layout has no zone ID, and that firmware's
         * Set Config layout is not ours (spec §6.22 is API 2.x): refused before anything is
         * written, never a guess at a layout. */
        if (!lk_config_has(&before, LK_CONFIG_OFF_TIMEZONE_ID + 1))
                return -EOPNOTSUPP;
        if (lockzone_matches(&before, z))
                return 0;
        lk_set_config_from_config(&before, &want);
        want.timezone_id = z->timezone_id;
        want.timezone_offset = z->timezone_offset;
        want.dst_mode = z->dst_mode;
        if (lk_set_config_encode(&want, probe, sizeof(probe)) < 0)
                return -EILSEQ; /* the name as read is not UTF-8: it cannot go back unchanged */
        r = lockops_set_config(s, &want);
        if (r < 0)
                return r;
        *ret_changed = true;
        r = lockops_config(s, &after);
        if (r < 0)
                return r;
        lk_set_config_from_config(&after, &got);
        return lk_set_config_equal(&got, &want) ? 0 : -EIO;
}
