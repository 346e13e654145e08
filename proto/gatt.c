/* SPDX-License-Identifier: MIT */
/* The GATT UUIDs per device family (spec §1.1, §1.4; nuki-opener.md O1). */
#include <stddef.h>

#include "latchkey/gatt.h"

/* spec §1.4: the proximity UUID is the keyturner service, a92ee200-… / a92ae200-…. */
#define BEACON(b1) { 0xa9, (b1), 0xe2, 0x00, 0x55, 0x01, 0x11, 0xe4, \
                     0x91, 0x6c, 0x08, 0x00, 0x20, 0x0c, 0x9a, 0x66 }

static const struct lk_gatt_uuids smartlock = {
        .init_service = LK_UUID_SL_INIT_SERVICE,
        .pairing_service = LK_UUID_SL_PAIRING_SERVICE,
        .pairing_gdio = LK_UUID_SL_PAIRING_GDIO,
        .keyturner_service = LK_UUID_SL_KEYTURNER_SERVICE,
        .keyturner_gdio = LK_UUID_SL_KEYTURNER_GDIO,
        .usdio = LK_UUID_SL_USDIO,
        .beacon_uuid = BEACON(0x2e),
};

static const struct lk_gatt_uuids ultra = {
        .init_service = LK_UUID_SL_INIT_SERVICE,
        .pairing_service = LK_UUID_ULTRA_PAIRING_SERVICE,
        .pairing_gdio = LK_UUID_ULTRA_PAIRING_GDIO,
        .keyturner_service = LK_UUID_SL_KEYTURNER_SERVICE,
        .keyturner_gdio = LK_UUID_SL_KEYTURNER_GDIO,
        .usdio = LK_UUID_SL_USDIO,
        .beacon_uuid = BEACON(0x2e),
};

static const struct lk_gatt_uuids opener = {
        .init_service = LK_UUID_OPENER_INIT_SERVICE,
        .pairing_service = LK_UUID_OPENER_PAIRING_SERVICE,
        .pairing_gdio = LK_UUID_OPENER_PAIRING_GDIO,
        .keyturner_service = LK_UUID_OPENER_KEYTURNER_SERVICE,
        .keyturner_gdio = LK_UUID_OPENER_KEYTURNER_GDIO,
        .usdio = LK_UUID_OPENER_USDIO,
        .beacon_uuid = BEACON(0x2a), /* O1: a9 2a e2 00 … */
};

const struct lk_gatt_uuids *lk_gatt_uuids(enum lk_generation gen)
{
        switch (gen) {
        case LK_GEN_SMARTLOCK_1:
        case LK_GEN_SMARTLOCK_2:
        case LK_GEN_SMARTLOCK_3:
        case LK_GEN_SMARTLOCK_4:
                return &smartlock;
        case LK_GEN_ULTRA:
                return &ultra;
        case LK_GEN_OPENER:
                return &opener;
        }
        return NULL;
}
