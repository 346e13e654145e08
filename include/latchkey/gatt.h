/* SPDX-License-Identifier: MIT */
/*
 * latchkey: the Nuki GATT UUIDs of every device family (spec §1.1, nuki-opener.md O1) — the
 * protocol's constants, for the BLE transport, the virtual lock's peripheral and the tests.
 *
 * Every Nuki UUID sits on the base a92eXXXX-5501-11e4-916c-0800200c9a66: Smart Locks use
 * a92eeXXX, the Opener a92aeXXX. Strings are lower case as BlueZ spells them; comparisons
 * against a peer's UUID must ignore case. Pure: no allocation, nothing fails.
 */
#pragma once

#include <stdint.h>

#include "latchkey/wire.h"

#define LK_UUID_TAIL "-5501-11e4-916c-0800200c9a66"

/* Smart Lock 1.0 – 4th gen (spec §1.1). Ultra / Go / 5th gen share all but pairing. */
#define LK_UUID_SL_INIT_SERVICE       "a92ee000" LK_UUID_TAIL
#define LK_UUID_SL_PAIRING_SERVICE    "a92ee100" LK_UUID_TAIL
#define LK_UUID_SL_PAIRING_GDIO       "a92ee101" LK_UUID_TAIL
#define LK_UUID_SL_KEYTURNER_SERVICE  "a92ee200" LK_UUID_TAIL
#define LK_UUID_SL_KEYTURNER_GDIO     "a92ee201" LK_UUID_TAIL
#define LK_UUID_SL_USDIO              "a92ee202" LK_UUID_TAIL
#define LK_UUID_ULTRA_PAIRING_SERVICE "a92ee300" LK_UUID_TAIL /* spec §1.1 [OSS]: …e301 */
#define LK_UUID_ULTRA_PAIRING_GDIO    "a92ee301" LK_UUID_TAIL

/*
 * Opener (O1). The Opener pairs with the Smart Lock 1–4 flow (spec §4.1) on its own pairing
 * service; it has no Ultra-style …e300 service. Its keyturner GDIO is assumed by analogy: no
 * library subscribes to it, yet [DECISION O1] a peripheral exposes it and sends unencrypted
 * K_ERROR_NOT_AUTHORIZED there as a Smart Lock does.
 */
#define LK_UUID_OPENER_INIT_SERVICE      "a92ae000" LK_UUID_TAIL
#define LK_UUID_OPENER_PAIRING_SERVICE   "a92ae100" LK_UUID_TAIL
#define LK_UUID_OPENER_PAIRING_GDIO      "a92ae101" LK_UUID_TAIL
#define LK_UUID_OPENER_KEYTURNER_SERVICE "a92ae200" LK_UUID_TAIL
#define LK_UUID_OPENER_KEYTURNER_GDIO    "a92ae201" LK_UUID_TAIL /* by analogy, O1 */
#define LK_UUID_OPENER_USDIO             "a92ae202" LK_UUID_TAIL

#define LK_GATT_UUID_BYTES 16u

/* One device family's services and characteristics, and what it advertises (spec §1.4). */
struct lk_gatt_uuids {
        const char *init_service;      /* advertised only while uninitialized (factory-new) */
        const char *pairing_service;   /* its UUID is the pairing-mode service data (§1.4) */
        const char *pairing_gdio;      /* LK_CH_PAIRING */
        const char *keyturner_service;
        const char *keyturner_gdio;    /* LK_CH_KEYTURNER */
        const char *usdio;             /* LK_CH_USDIO */
        /* iBeacon proximity UUID = the keyturner service in text (big-endian) order (§1.4) */
        uint8_t beacon_uuid[LK_GATT_UUID_BYTES];
};

/* The UUIDs of a generation: SL1–4 alike, Ultra, Opener; NULL for a value not in the enum. */
const struct lk_gatt_uuids *lk_gatt_uuids(enum lk_generation gen);
