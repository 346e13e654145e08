/* SPDX-License-Identifier: MIT */
/*
 * The Nuki UUIDs (spec §1.1): the table a scan filters on, parsing and what each one is. Pure,
 * and the bottom of ble/: it calls nothing else here; the advertisement parser (adv.c) and the
 * BlueZ code call it.
 */
#include <errno.h>
#include <string.h>

#include "ble-internal.h"

/* spec §1.1: every Nuki UUID is a92eXXXX-5501-11e4-916c-0800200c9a66 (Opener a92aXXXX). */
static const uint8_t nuki_base_tail[12] = { 0x55, 0x01, 0x11, 0xe4, 0x91, 0x6c,
                                            0x08, 0x00, 0x20, 0x0c, 0x9a, 0x66 };

const char *const ble_scan_uuids[] = {
        "a92ee200-5501-11e4-916c-0800200c9a66", /* keyturner (iBeacon, all Smart Locks) */
        "a92ee100-5501-11e4-916c-0800200c9a66", /* pairing, SL1–4 */
        "a92ee300-5501-11e4-916c-0800200c9a66", /* pairing, Ultra */
        "a92ee000-5501-11e4-916c-0800200c9a66", /* initialization */
        "a92ae200-5501-11e4-916c-0800200c9a66", /* Opener keyturner */
        "a92ae100-5501-11e4-916c-0800200c9a66", /* Opener pairing */
        "a92ae000-5501-11e4-916c-0800200c9a66", /* Opener initialization */
        NULL,
};

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int ble_uuid_parse(const char *s, uint8_t ret[static 16])
{
        uint8_t out[16];
        size_t i, k = 0;

        if (!s || strlen(s) != BLE_UUID_STRING_SIZE - 1)
                return -EINVAL;
        for (i = 0; i < BLE_UUID_STRING_SIZE - 1;) {
                int hi, lo;

                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i] != '-')
                                return -EINVAL;
                        i++;
                        continue;
                }
                hi = hexval(s[i]);
                lo = hexval(s[i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                out[k++] = (uint8_t)(hi << 4 | lo);
                i += 2;
        }
        memcpy(ret, out, 16);
        return 0;
}

int ble_uuid_classify_be(const uint8_t be[static 16], struct ble_nuki_uuid *ret)
{
        struct ble_nuki_uuid u = { BLE_UUID_OTHER, LK_BLE_FAMILY_UNKNOWN };
        bool opener;
        uint16_t short_id;

        if (be[0] != 0xa9 || (be[1] != 0x2e && be[1] != 0x2a) ||
            memcmp(be + 4, nuki_base_tail, sizeof(nuki_base_tail)) != 0)
                return -ENOENT;
        opener = be[1] == 0x2a;
        short_id = (uint16_t)(be[2] << 8 | be[3]);
        u.family = opener ? LK_BLE_FAMILY_OPENER : LK_BLE_FAMILY_SMARTLOCK;
        switch (short_id) {
        case 0xe000:
                u.role = BLE_UUID_INIT_SERVICE;
                break;
        case 0xe100:
                u.role = BLE_UUID_PAIRING_SERVICE;
                break;
        case 0xe101:
                u.role = BLE_UUID_PAIRING_GDIO;
                break;
        case 0xe200:
                u.role = BLE_UUID_KEYTURNER_SERVICE;
                break;
        case 0xe201:
                u.role = BLE_UUID_KEYTURNER_GDIO;
                break;
        case 0xe202:
                u.role = BLE_UUID_USDIO;
                break;
        case 0xe300:
        case 0xe301:
                /* spec §1.1: Ultra / Go / 5th gen pairing; no Opener has it. */
                if (opener)
                        break;
                u.role = short_id == 0xe300 ? BLE_UUID_PAIRING_SERVICE : BLE_UUID_PAIRING_GDIO;
                u.family = LK_BLE_FAMILY_ULTRA;
                break;
        default:
                break;
        }
        /* Keyturner and init services are shared by SL1–4 and Ultra: family stays SMARTLOCK,
         * which a pairing UUID refines. */
        *ret = u;
        return 0;
}

int ble_uuid_channel(const char *uuid, enum lk_channel *ret_ch, enum lk_ble_family *ret_family)
{
        struct ble_nuki_uuid u;
        uint8_t be[16];

        if (ble_uuid_parse(uuid, be) < 0 || ble_uuid_classify_be(be, &u) < 0)
                return -ENOENT;
        switch (u.role) {
        case BLE_UUID_PAIRING_GDIO:
                *ret_ch = LK_CH_PAIRING;
                break;
        case BLE_UUID_KEYTURNER_GDIO:
                *ret_ch = LK_CH_KEYTURNER;
                break;
        case BLE_UUID_USDIO:
                *ret_ch = LK_CH_USDIO;
                break;
        case BLE_UUID_OTHER:
        case BLE_UUID_INIT_SERVICE:
        case BLE_UUID_PAIRING_SERVICE:
        case BLE_UUID_KEYTURNER_SERVICE:
                return -ENOENT;
        }
        if (ret_family)
                *ret_family = u.family;
        return 0;
}
