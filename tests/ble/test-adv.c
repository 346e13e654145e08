/* SPDX-License-Identifier: MIT */
/*
 * The advertisement parser (spec §1.4, ble/adv.c). Vectors: the iBeacon layout of spec §1.4
 * (MSD "…9a66 33c3 35c5 c8" on Nuki_33C335C5), the simulator's [DECISION] payloads, and
 * hand-made truncated, oversized and garbage inputs.
 */
#include <errno.h>

#include "lk-test.h"
#include "latchkey/ble.h"

/* spec §1.4: flags, iBeacon MSD (AD length 0x1A), Nuki ID 33C335C5, TX power 0xC8. */
#define BEACON_AD "02 01 06 1A FF 4C 00 02 15 a9 2e e2 00 55 01 11 e4 91 6c 08 00 20 0c 9a 66 " \
                  "33 c3 35 c5 c8"
/* spec §1.4 [DECISION]: pairing mode, service data with the SL1–4 pairing UUID, LE order. */
#define PAIRING_AD "02 01 06 11 21 66 9a 0c 20 00 08 6c 91 e4 11 01 55 00 e1 2e a9"
#define ULTRA_PAIRING_AD "11 21 66 9a 0c 20 00 08 6c 91 e4 11 01 55 00 e3 2e a9"
#define OPENER_PAIRING_AD "11 21 66 9a 0c 20 00 08 6c 91 e4 11 01 55 00 e1 2a a9"
#define NAME_SR "0E 09 4e 75 6b 69 5f 33 33 43 33 33 35 43 35" /* "Nuki_33C335C5" */

static int parse_hex(const char *h, struct lk_adv *a, const char **why)
{
        uint8_t buf[2048];
        size_t n = hex(h, buf, sizeof(buf));

        return lk_adv_parse(buf, n, a, why);
}

static void beacon_gives_id_and_state_bit(void **state)
{
        struct lk_adv a;

        lk_adv_init(&a);
        assert_int_equal(parse_hex(BEACON_AD, &a, NULL), 0);
        assert_true(a.nuki);
        assert_true(a.has_beacon);
        assert_int_equal(a.nuki_id, 0x33C335C5u);
        assert_false(a.state_changed); /* 0xC8: bit 0 clear */
        assert_int_equal((uint8_t)a.tx_power, 0xC8);
        assert_false(a.pairing_mode);
        assert_int_equal(a.family, LK_BLE_FAMILY_SMARTLOCK);

        lk_adv_init(&a);
        assert_int_equal(parse_hex("1A FF 4C 00 02 15 a9 2e e2 00 55 01 11 e4 91 6c 08 00 20 0c "
                                   "9a 66 00 00 00 01 c9", &a, NULL), 0);
        assert_true(a.state_changed); /* 0xC9: bit 0 set */
        assert_int_equal(a.nuki_id, 1);
}

static void scan_response_merges_name(void **state)
{
        struct lk_adv a;

        lk_adv_init(&a);
        assert_int_equal(parse_hex(BEACON_AD, &a, NULL), 0);
        assert_int_equal(parse_hex(NAME_SR, &a, NULL), 0);
        assert_string_equal(a.name, "Nuki_33C335C5");
        assert_int_equal(a.nuki_id, 0x33C335C5u);
}

static void pairing_mode_and_generation(void **state)
{
        struct lk_adv a;
        enum lk_generation g;

        lk_adv_init(&a);
        assert_int_equal(parse_hex(PAIRING_AD, &a, NULL), 0);
        assert_true(a.nuki && a.pairing_mode && !a.has_beacon);
        assert_int_equal(a.family, LK_BLE_FAMILY_SMARTLOCK);
        assert_int_equal(lk_ble_family_generation(a.family, &g), 0);
        assert_int_equal(g, LK_GEN_SMARTLOCK_3);

        lk_adv_init(&a);
        assert_int_equal(parse_hex(ULTRA_PAIRING_AD, &a, NULL), 0);
        assert_true(a.pairing_mode);
        assert_int_equal(a.family, LK_BLE_FAMILY_ULTRA);
        assert_int_equal(lk_ble_family_generation(a.family, &g), 0);
        assert_int_equal(g, LK_GEN_ULTRA);

        lk_adv_init(&a);
        assert_int_equal(parse_hex(OPENER_PAIRING_AD, &a, NULL), 0);
        assert_int_equal(a.family, LK_BLE_FAMILY_OPENER);
        assert_int_equal(lk_ble_family_generation(a.family, &g), 0);
        assert_int_equal(g, LK_GEN_OPENER);
        assert_int_equal(lk_ble_family_generation(LK_BLE_FAMILY_UNKNOWN, &g), -EINVAL);
}

static void bluez_pieces(void **state)
{
        uint8_t msd[23];
        struct lk_adv a;
        const char *why = NULL;

        /* BlueZ hands the MSD without its company id, service data keyed by UUID string. */
        hex("02 15 a9 2e e2 00 55 01 11 e4 91 6c 08 00 20 0c 9a 66 12 34 56 78 c5", msd,
            sizeof(msd));
        lk_adv_init(&a);
        assert_int_equal(lk_adv_parse_msd(0x004C, msd, sizeof(msd), &a, &why), 0);
        assert_int_equal(a.nuki_id, 0x12345678u);
        assert_true(a.state_changed);
        assert_int_equal(lk_adv_parse_service_data("A92EE300-5501-11E4-916C-0800200C9A66", NULL,
                                                   0, &a, &why), 0);
        assert_true(a.pairing_mode);
        assert_int_equal(a.family, LK_BLE_FAMILY_ULTRA);

        /* the Initialization Service marks a factory-new lock */
        lk_adv_init(&a);
        lk_adv_parse_service_uuid("a92ee000-5501-11e4-916c-0800200c9a66", &a);
        assert_true(a.nuki && a.uninitialized);
        lk_adv_parse_service_uuid("0000180a-0000-1000-8000-00805f9b34fb", &a);
        lk_adv_parse_service_uuid("garbage", &a);
        assert_true(a.nuki);
}

static void other_devices_are_not_nuki(void **state)
{
        struct lk_adv a;
        uint8_t homekit[] = { 0x06, 0x31, 0x00 };

        lk_adv_init(&a);
        /* HomeKit (Apple type 0x06) and other companies: ignored, not refused (spec §1.4) */
        assert_int_equal(lk_adv_parse_msd(0x004C, homekit, sizeof(homekit), &a, NULL), 0);
        assert_int_equal(lk_adv_parse_msd(0x0059, homekit, sizeof(homekit), &a, NULL), 0);
        /* somebody else's iBeacon */
        assert_int_equal(parse_hex("1A FF 4C 00 02 15 11 22 33 44 55 66 77 88 99 aa bb cc dd ee "
                                   "ff 00 00 01 00 02 c5", &a, NULL), 0);
        /* flags and a name only */
        assert_int_equal(parse_hex("02 01 06 05 09 41 42 43 44", &a, NULL), 0);
        assert_false(a.nuki);
        assert_false(a.has_beacon);
        assert_string_equal(a.name, "ABCD");
        /* a zero length ends the significant part (Core Supplement A §1) */
        assert_int_equal(parse_hex("02 01 06 00 ff ff ff", &a, NULL), 0);
}

static void truncated_is_refused(void **state)
{
        static const char *const bad[] = {
                "05 09 41 42",                                 /* runs past the end */
                "1A FF 4C 00 02 15 a9 2e e2 00",               /* AD runs past the end */
                "05 FF 4C 00 02 15",                           /* iBeacon cut short */
                "04 FF 4C 00 02",                              /* no iBeacon length byte */
                "19 FF 4C 00 02 15 a9 2e e2 00 55 01 11 e4 91 6c 08 00 20 0c 9a 66 33 c3 35 c5",
                "02 FF 4C",                                    /* no company id */
                "0B 21 66 9a 0c 20 00 08 6c 91 e4 11",         /* service data < its UUID */
                "12 07 66 9a 0c 20 00 08 6c 91 e4 11 01 55 00 e2 2e a9 00", /* 17-byte list */
                "FF",                                          /* a lone length byte */
        };
        const uint8_t before[] = { 0x5a };
        struct lk_adv a;
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                const char *why = NULL;

                memset(&a, 0x5a, sizeof(a));
                assert_int_equal(parse_hex(bad[i], &a, &why), -EBADMSG);
                assert_non_null(why);
                assert_true(strlen(why) > 5);
                /* untouched on failure */
                assert_memory_equal(&a, before, 1);
        }
}

static void oversized_is_refused(void **state)
{
        static uint8_t big[LK_ADV_DATA_MAX + 1];
        uint8_t beacon[24];
        struct lk_adv a;
        const char *why = NULL;

        lk_adv_init(&a);
        /* the limit itself is fine (zeros: empty structures), one more is refused */
        assert_int_equal(lk_adv_parse(big, LK_ADV_DATA_MAX, &a, NULL), 0);
        assert_int_equal(lk_adv_parse(big, sizeof(big), &a, &why), -EMSGSIZE);
        assert_non_null(why);
        /* a Nuki iBeacon with a byte too many */
        hex("02 15 a9 2e e2 00 55 01 11 e4 91 6c 08 00 20 0c 9a 66 12 34 56 78 c5 00", beacon,
            sizeof(beacon));
        assert_int_equal(lk_adv_parse_msd(0x004C, beacon, sizeof(beacon), &a, &why), -EBADMSG);
        assert_string_equal(why, "oversized Nuki iBeacon");
        assert_int_equal(lk_adv_parse_service_data("a92ee100-5501-11e4-916c-0800200c9a66", big,
                                                   sizeof(big), &a, &why), -EMSGSIZE);
        assert_int_equal(lk_adv_parse_service_data("a92ee100-5501-11e4-916c-0800200c9a6", big, 0,
                                                   &a, &why), -EBADMSG);
}

static void names_are_sanitised(void **state)
{
        struct lk_adv a;
        uint8_t ad[2 + LK_BLE_NAME_MAX + 10];
        size_t i;

        lk_adv_init(&a);
        assert_int_equal(parse_hex("06 09 41 1b 5b 32 4a", &a, NULL), 0);
        assert_string_equal(a.name, "A?[2J"); /* no escape sequences reach a terminal */
        ad[0] = 0xfe; /* 254 bytes: type + 253 of name, cut to 248 */
        ad[1] = 0x09;
        for (i = 2; i < sizeof(ad); i++)
                ad[i] = 'x';
        assert_int_equal(lk_adv_parse(ad, 2 + 253, &a, NULL), 0);
        assert_int_equal(strlen(a.name), LK_BLE_NAME_MAX);
}

static void addresses(void **state)
{
        assert_true(lk_ble_address_is_valid("00:AA:01:00:00:00"));
        assert_true(lk_ble_address_is_valid("de:ad:be:ef:00:01"));
        assert_false(lk_ble_address_is_valid("00:AA:01:00:00"));
        assert_false(lk_ble_address_is_valid("00-AA-01-00-00-00"));
        assert_false(lk_ble_address_is_valid("00:AA:01:00:00:0G"));
        assert_false(lk_ble_address_is_valid("00:AA:01:00:00:000"));
        assert_false(lk_ble_address_is_valid(NULL));
        assert_string_equal(lk_ble_family_name(LK_BLE_FAMILY_OPENER), "Opener");
        assert_string_equal(lk_ble_family_name(LK_BLE_FAMILY_UNKNOWN), "unknown");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(beacon_gives_id_and_state_bit),
                cmocka_unit_test(scan_response_merges_name),
                cmocka_unit_test(pairing_mode_and_generation),
                cmocka_unit_test(bluez_pieces),
                cmocka_unit_test(other_devices_are_not_nuki),
                cmocka_unit_test(truncated_is_refused),
                cmocka_unit_test(oversized_is_refused),
                cmocka_unit_test(names_are_sanitised),
                cmocka_unit_test(addresses),
        };

        return cmocka_run_group_tests_name("adv", tests, NULL, NULL);
}
