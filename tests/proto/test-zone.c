/* SPDX-License-Identifier: MIT */
/*
 * The lock's time zone: proto's pure part (latchkey/zone.h: §7.10 IDs, the §7.8 European
 * rule, Set Config from Config), the system tz database (src/base/tzdb.h) and what a lock must
 * hold for a zone (src/lock/lockzone.h). Expected offsets are the zones' published rules.
 */
#include <errno.h>
#include <stdlib.h>

#include "latchkey/commands.h"
#include "latchkey/names.h"
#include "latchkey/zone.h"
#include "lk-test.h"
#include "lockzone.h"
#include "tzdb.h"

static int64_t at(uint16_t y, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi, uint8_t s)
{
        struct lk_datetime dt = { y, mo, d, h, mi, s };
        int64_t v;

        assert_int_equal(lk_datetime_to_unix(&dt, &v), 0);
        return v;
}

static void zone_ids_by_name(void **state)
{
        for (uint16_t id = 0; id < LK_TIMEZONE_COUNT; id++)
                assert_int_equal(lk_timezone_id(lk_timezone_name(id)), id);
        assert_int_equal(lk_timezone_id("Europe/Berlin"), 37);
        assert_int_equal(lk_timezone_id("europe/berlin"), LK_TIMEZONE_NONE);
        assert_int_equal(lk_timezone_id("Europe/Paris"), LK_TIMEZONE_NONE);
        assert_int_equal(lk_timezone_id(""), LK_TIMEZONE_NONE);
        assert_int_equal(lk_timezone_id("none"), LK_TIMEZONE_NONE);
}

/* EU summer time: 2026-03-29 01:00 UTC .. 2026-10-25 01:00 UTC; 2027-03-28 .. 2027-10-31. */
static void european_rule(void **state)
{
        int64_t start, end;

        lk_dst_european_bounds(2026, &start, &end);
        assert_int_equal(start, at(2026, 3, 29, 1, 0, 0));
        assert_int_equal(end, at(2026, 10, 25, 1, 0, 0));
        lk_dst_european_bounds(2027, &start, &end);
        assert_int_equal(start, at(2027, 3, 28, 1, 0, 0));
        assert_int_equal(end, at(2027, 10, 31, 1, 0, 0));
        /* 2020: March 31 is a Tuesday, October 31 a Saturday */
        lk_dst_european_bounds(2020, &start, &end);
        assert_int_equal(start, at(2020, 3, 29, 1, 0, 0));
        assert_int_equal(end, at(2020, 10, 25, 1, 0, 0));

        assert_false(lk_dst_european_active(at(2026, 3, 29, 0, 59, 59)));
        assert_true(lk_dst_european_active(at(2026, 3, 29, 1, 0, 0)));
        assert_true(lk_dst_european_active(at(2026, 10, 25, 0, 59, 59)));
        assert_false(lk_dst_european_active(at(2026, 10, 25, 1, 0, 0)));
        assert_false(lk_dst_european_active(at(2026, 1, 1, 12, 0, 0)));

        assert_int_equal(lk_lock_local_offset(60, LK_DST_EUROPEAN, at(2026, 7, 1, 0, 0, 0)), 120);
        assert_int_equal(lk_lock_local_offset(60, LK_DST_EUROPEAN, at(2026, 12, 1, 0, 0, 0)), 60);
        assert_int_equal(lk_lock_local_offset(60, LK_DST_DISABLED, at(2026, 7, 1, 0, 0, 0)), 60);
        assert_int_equal(lk_lock_local_offset(-300, 7, at(2026, 7, 1, 0, 0, 0)), -300);
}

static void set_config_from_config(void **state)
{
        struct lk_config c = {
                .len = LK_CONFIG_FULL, .nuki_id = 7, .name = "Front door", .latitude = 52.5f,
                .longitude = 13.4f, .auto_unlatch = true, .pairing_enabled = false,
                .button_enabled = true, .led_enabled = false, .led_brightness = 4,
                .timezone_offset = 60, .dst_mode = LK_DST_EUROPEAN, .has_fob = true,
                .fob_action = { 1, 2, 4 }, .single_lock = true, .advertising_mode = 2,
                .has_keypad = true, .timezone_id = 37,
        };
        struct lk_set_config s, t;
        uint8_t buf[LK_SET_CONFIG_SIZE];

        lk_set_config_from_config(&c, &s);
        assert_string_equal(s.name, "Front door");
        assert_true(s.latitude == 52.5f && s.longitude == 13.4f);
        assert_true(s.auto_unlatch && !s.pairing_enabled && s.button_enabled && !s.led_enabled);
        assert_int_equal(s.led_brightness, 4);
        assert_int_equal(s.timezone_offset, 60);
        assert_int_equal(s.dst_mode, LK_DST_EUROPEAN);
        assert_memory_equal(s.fob_action, c.fob_action, 3);
        assert_true(s.single_lock);
        assert_int_equal(s.advertising_mode, 2);
        assert_int_equal(s.timezone_id, 37);

        /* the lock's role decodes what the client's role encoded: the same settings */
        assert_int_equal(lk_set_config_encode(&s, buf, sizeof(buf)), LK_SET_CONFIG_SIZE);
        assert_int_equal(lk_set_config_decode(buf, sizeof(buf), &t), 0);
        assert_true(lk_set_config_equal(&s, &t));
        /* every single setting counts */
        t.led_brightness = 5;
        assert_false(lk_set_config_equal(&s, &t));
        t = s;
        t.longitude = -13.4f;
        assert_false(lk_set_config_equal(&s, &t));
        t = s;
        t.fob_action[2] = 3;
        assert_false(lk_set_config_equal(&s, &t));
        t = s;
        t.timezone_id = LK_TIMEZONE_NONE;
        assert_false(lk_set_config_equal(&s, &t));
}

static void tzdb_names(void **state)
{
        assert_int_equal(tzdb_check("Europe/Berlin"), 0);
        assert_int_equal(tzdb_check("UTC"), 0);
        assert_int_equal(tzdb_check("America/Argentina/Buenos_Aires"), 0);
        assert_int_equal(tzdb_check("Etc/GMT+5"), 0);
        assert_int_equal(tzdb_check("Europe/Nowhere"), -ENOENT);
        assert_int_equal(tzdb_check("Europe"), -ENOENT); /* a directory */
        assert_int_equal(tzdb_check("zone.tab"), -ENOENT); /* not a TZif file */
        assert_int_equal(tzdb_check(""), -EINVAL);
        assert_int_equal(tzdb_check("/etc/localtime"), -EINVAL);
        assert_int_equal(tzdb_check("../zoneinfo/UTC"), -EINVAL);
        assert_int_equal(tzdb_check("Europe/../UTC"), -EINVAL);
        assert_int_equal(tzdb_check("Europe//Berlin"), -EINVAL);
        assert_int_equal(tzdb_check("Europe/Berlin/"), -EINVAL);
        assert_int_equal(tzdb_check("Europe/Berlin\n"), -EINVAL);
        assert_int_equal(tzdb_check("Europe/Berlin;x"), -EINVAL);
        assert_int_equal(tzdb_check("posix/Europe/Berlin"), -EINVAL);
        assert_int_equal(tzdb_check("right/Europe/Berlin"), -EINVAL);
        assert_int_equal(tzdb_check("localtime"), -EINVAL);
        assert_int_equal(tzdb_check("posixrules"), -EINVAL);
        assert_int_equal(tzdb_check("CET-1CEST,M3.5.0,M10.5.0/3"), -EINVAL); /* a POSIX rule */
        assert_int_equal(tzdb_check("Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), -EINVAL);
}

static void tzdb_offsets_and_tz_kept(void **state)
{
        int64_t t[] = { at(2026, 1, 15, 12, 0, 0), at(2026, 7, 15, 12, 0, 0),
                        at(2026, 3, 29, 0, 59, 59), at(2026, 3, 29, 1, 0, 0) };
        int off[4] = { 0 }, m = 0;

        assert_int_equal(setenv("TZ", "Asia/Tokyo", 1), 0);
        assert_int_equal(tzdb_offsets("Europe/Berlin", t, 4, off), 0);
        assert_int_equal(off[0], 60);
        assert_int_equal(off[1], 120);
        assert_int_equal(off[2], 60);
        assert_int_equal(off[3], 120);
        assert_int_equal(tzdb_offset("America/New_York", t[0], &m), 0);
        assert_int_equal(m, -300);
        assert_int_equal(tzdb_offset("Asia/Kathmandu", t[0], &m), 0);
        assert_int_equal(m, 345);
        /* the caller's TZ is back */
        assert_string_equal(getenv("TZ"), "Asia/Tokyo");
        m = 12345;
        assert_int_equal(tzdb_offset("Nowhere/Else", t[0], &m), -ENOENT);
        assert_int_equal(m, 12345);
        assert_int_equal(unsetenv("TZ"), 0);
        assert_int_equal(tzdb_offset("UTC", t[0], &m), 0);
        assert_int_equal(m, 0);
        assert_null(getenv("TZ"));
}

static void expect_zone(const char *name, int64_t now, uint16_t id, int offset, uint8_t dst,
                        bool has_dst, bool follows)
{
        struct lockzone z;

        assert_int_equal(lockzone_for(name, now, &z), 0);
        assert_string_equal(z.name, name);
        if (z.timezone_id != id || z.timezone_offset != offset || z.dst_mode != dst ||
            z.has_dst != has_dst || z.dst_follows != follows)
                fail_msg("%s: got id %u offset %d dst %u has_dst %d follows %d", name, z.timezone_id,
                         z.timezone_offset, z.dst_mode, z.has_dst, z.dst_follows);
}

static void lock_zone_for_zones(void **state)
{
        int64_t winter = at(2026, 1, 10, 12, 0, 0), summer = at(2026, 7, 10, 12, 0, 0);

        /* an ID, the EU rule: the standard offset all year */
        expect_zone("Europe/Berlin", winter, 37, 60, LK_DST_EUROPEAN, true, true);
        expect_zone("Europe/Berlin", summer, 37, 60, LK_DST_EUROPEAN, true, true);
        expect_zone("Europe/London", summer, 40, 0, LK_DST_EUROPEAN, true, true);
        /* no ID, the EU rule: offset and DST European follow every change */
        expect_zone("Europe/Paris", summer, LK_TIMEZONE_NONE, 60, LK_DST_EUROPEAN, true, true);
        expect_zone("Europe/Vienna", winter, LK_TIMEZONE_NONE, 60, LK_DST_EUROPEAN, true, true);
        /* tzdata's "negative DST" in winter comes out as the same rule */
        expect_zone("Europe/Dublin", winter, LK_TIMEZONE_NONE, 0, LK_DST_EUROPEAN, true, true);
        /* an ID, another rule: the ID carries it */
        expect_zone("America/New_York", summer, 12, -300, LK_DST_DISABLED, true, true);
        expect_zone("Australia/Sydney", winter, 36, 600, LK_DST_DISABLED, true, true);
        /* an ID, no DST */
        expect_zone("Asia/Tokyo", summer, 29, 540, LK_DST_DISABLED, false, true);
        expect_zone("Asia/Kathmandu", summer, 23, 345, LK_DST_DISABLED, false, true);
        /* no ID, no DST: the offset is exact */
        expect_zone("Asia/Singapore", summer, LK_TIMEZONE_NONE, 480, LK_DST_DISABLED, false, true);
        expect_zone("UTC", summer, LK_TIMEZONE_NONE, 0, LK_DST_DISABLED, false, true);
        /* no ID, another rule: today's offset, and the lock will not follow */
        expect_zone("America/Detroit", winter, LK_TIMEZONE_NONE, -300, LK_DST_DISABLED, true, false);
        expect_zone("America/Detroit", summer, LK_TIMEZONE_NONE, -240, LK_DST_DISABLED, true, false);
}

static void lock_zone_bad(void **state)
{
        struct lockzone z = { .timezone_offset = 77 };

        assert_int_equal(lockzone_for("Mars/Olympus", 0, &z), -ENOENT);
        assert_int_equal(lockzone_for("../../etc/passwd", 0, &z), -EINVAL);
        assert_int_equal(z.timezone_offset, 77); /* untouched */
}

static void lock_zone_matches(void **state)
{
        struct lk_config c = { .timezone_id = 37, .timezone_offset = 60, .dst_mode = LK_DST_EUROPEAN };
        struct lockzone z;

        assert_int_equal(lockzone_for("Europe/Berlin", at(2026, 7, 1, 0, 0, 0), &z), 0);
        assert_true(lockzone_matches(&c, &z));
        c.dst_mode = LK_DST_DISABLED;
        assert_false(lockzone_matches(&c, &z));
        c.dst_mode = LK_DST_EUROPEAN;
        c.timezone_offset = 120;
        assert_false(lockzone_matches(&c, &z));
        c.timezone_offset = 60;
        c.timezone_id = LK_TIMEZONE_NONE;
        assert_false(lockzone_matches(&c, &z));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(zone_ids_by_name),
                cmocka_unit_test(european_rule),
                cmocka_unit_test(set_config_from_config),
                cmocka_unit_test(tzdb_names),
                cmocka_unit_test(tzdb_offsets_and_tz_kept),
                cmocka_unit_test(lock_zone_for_zones),
                cmocka_unit_test(lock_zone_bad),
                cmocka_unit_test(lock_zone_matches),
        };

        return cmocka_run_group_tests_name("zone", tests, NULL, NULL);
}
