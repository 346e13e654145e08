/* SPDX-License-Identifier: MIT */
/*
 * How an Opener is told apart (nuki-opener.md O1): the GATT UUIDs of every family that
 * latchkey/gatt.h names, checked against what ble/ recognises (its UUID classifier, the scan
 * filter, the iBeacon parser), and the identification facts the rest of the code relies on.
 */
#include <errno.h>
#include <string.h>

#include "latchkey/ble.h"
#include "latchkey/proto.h"
#include "lk-test.h"
#include "../ble/ble-internal.h"

static const enum lk_generation gens[] = {
        LK_GEN_SMARTLOCK_1, LK_GEN_SMARTLOCK_2, LK_GEN_SMARTLOCK_3,
        LK_GEN_SMARTLOCK_4, LK_GEN_ULTRA,       LK_GEN_OPENER,
};

static enum lk_ble_family family_of(enum lk_generation g)
{
        return g == LK_GEN_OPENER ? LK_BLE_FAMILY_OPENER
             : g == LK_GEN_ULTRA  ? LK_BLE_FAMILY_ULTRA
                                  : LK_BLE_FAMILY_SMARTLOCK;
}

static void check_role(const char *uuid, enum ble_uuid_role role)
{
        struct ble_nuki_uuid u;
        uint8_t be[16];

        assert_int_equal(ble_uuid_parse(uuid, be), 0);
        assert_int_equal(ble_uuid_classify_be(be, &u), 0);
        assert_int_equal(u.role, role);
}

static void check_channel(const char *uuid, enum lk_channel ch, enum lk_ble_family fam)
{
        enum lk_channel got;
        enum lk_ble_family got_fam;

        assert_int_equal(ble_uuid_channel(uuid, &got, &got_fam), 0);
        assert_int_equal(got, ch);
        assert_int_equal(got_fam, fam);
}

static bool scanned(const char *uuid)
{
        for (size_t i = 0; ble_scan_uuids[i]; i++)
                if (strcmp(ble_scan_uuids[i], uuid) == 0)
                        return true;
        return false;
}

/* Every UUID of gatt.h is one ble/ classifies the same way, and every service is scanned for. */
static void uuids_agree_with_ble(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(gens); i++) {
                const struct lk_gatt_uuids *u = lk_gatt_uuids(gens[i]);
                enum lk_ble_family fam = family_of(gens[i]);

                assert_non_null(u);
                check_role(u->init_service, BLE_UUID_INIT_SERVICE);
                check_role(u->pairing_service, BLE_UUID_PAIRING_SERVICE);
                check_role(u->keyturner_service, BLE_UUID_KEYTURNER_SERVICE);
                check_channel(u->pairing_gdio, LK_CH_PAIRING, fam);
                /* the keyturner characteristics do not tell SL1–4 from Ultra (spec §1.1) */
                check_channel(u->keyturner_gdio, LK_CH_KEYTURNER,
                              fam == LK_BLE_FAMILY_ULTRA ? LK_BLE_FAMILY_SMARTLOCK : fam);
                check_channel(u->usdio, LK_CH_USDIO,
                              fam == LK_BLE_FAMILY_ULTRA ? LK_BLE_FAMILY_SMARTLOCK : fam);
                assert_true(scanned(u->init_service));
                assert_true(scanned(u->pairing_service));
                assert_true(scanned(u->keyturner_service));
        }
        assert_null(lk_gatt_uuids((enum lk_generation)0));
}

/* O1: the Opener's own base a92aeXXX, pairing by the SL1–4 flow, no Ultra-style service. */
static void opener_uuids_are_its_own(void **state)
{
        const struct lk_gatt_uuids *o = lk_gatt_uuids(LK_GEN_OPENER);
        const struct lk_gatt_uuids *sl = lk_gatt_uuids(LK_GEN_SMARTLOCK_3);

        assert_string_equal(o->pairing_service, "a92ae100-5501-11e4-916c-0800200c9a66");
        assert_string_equal(o->pairing_gdio, "a92ae101-5501-11e4-916c-0800200c9a66");
        assert_string_equal(o->keyturner_service, "a92ae200-5501-11e4-916c-0800200c9a66");
        assert_string_equal(o->keyturner_gdio, "a92ae201-5501-11e4-916c-0800200c9a66");
        assert_string_equal(o->usdio, "a92ae202-5501-11e4-916c-0800200c9a66");
        assert_string_equal(o->init_service, "a92ae000-5501-11e4-916c-0800200c9a66");
        assert_string_equal(sl->usdio, "a92ee202-5501-11e4-916c-0800200c9a66");
        assert_string_equal(lk_gatt_uuids(LK_GEN_ULTRA)->pairing_gdio,
                            "a92ee301-5501-11e4-916c-0800200c9a66");

        /* pairing: the SL1–4 flow with a 2-byte PIN (O1, O2); the device type of O1 */
        assert_false(lk_generation_is_ultra(LK_GEN_OPENER));
        assert_int_equal(lk_generation_pin_size(LK_GEN_OPENER), 2);
        assert_int_equal(LK_DEVICE_OPENER, 0x02);
        assert_string_equal(lk_device_type_name(LK_DEVICE_OPENER), "Opener");
        assert_string_equal(lk_generation_name(LK_GEN_OPENER), "Opener");
}

/* spec §1.4, O1: the iBeacon's proximity UUID is the keyturner service, big-endian. */
static void beacon_uuid_is_keyturner_service(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(gens); i++) {
                const struct lk_gatt_uuids *u = lk_gatt_uuids(gens[i]);
                uint8_t be[16], msd[2 + 16 + 4 + 1];
                struct lk_adv a;

                assert_int_equal(ble_uuid_parse(u->keyturner_service, be), 0);
                assert_memory_equal(u->beacon_uuid, be, 16);

                /* and ble/'s parser reads an Opener from it: Apple iBeacon, Nuki ID, TX power */
                msd[0] = 0x02, msd[1] = 0x15;
                memcpy(msd + 2, u->beacon_uuid, 16);
                memcpy(msd + 18, "\x33\xc3\x35\xc5\xc9", 5);
                lk_adv_init(&a);
                assert_int_equal(lk_adv_parse_msd(0x004C, msd, sizeof(msd), &a, NULL), 0);
                assert_true(a.has_beacon);
                assert_int_equal(a.nuki_id, 0x33C335C5);
                assert_true(a.state_changed); /* O1: a doorbell ring sets it too */
                if (gens[i] == LK_GEN_OPENER)
                        assert_int_equal(a.family, LK_BLE_FAMILY_OPENER);
                else
                        assert_int_not_equal(a.family, LK_BLE_FAMILY_OPENER);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(uuids_agree_with_ble),
                cmocka_unit_test(opener_uuids_are_its_own),
                cmocka_unit_test(beacon_uuid_is_keyturner_service),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
