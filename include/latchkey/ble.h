/* SPDX-License-Identifier: MIT */
/*
 * latchkey: Bluetooth LE through BlueZ (ble/, the only code that knows BlueZ).
 *
 * Three parts:
 *   - the advertisement parser: a pure function on bytes (a raw AD payload) or on the pieces
 *     BlueZ hands out (ManufacturerData, ServiceData), spec §1.4. No I/O, fuzzed.
 *   - scanning: discovery on one adapter with a filter on the Nuki services (spec §1.1),
 *     reporting every Nuki device seen with its parsed advertisement.
 *   - the transport (include/latchkey/transport.h) over BlueZ GATT: connect with retries,
 *     ServicesResolved, characteristics by UUID, StartNotify, one WriteValue per message.
 *
 * Everything runs on the caller's sd-event loop with sd-bus attached to it; nothing blocks
 * except lk_ble_scan_collect(), which runs that loop itself for the duration asked.
 *
 * Errors as in latchkey/wire.h; BlueZ adds: -ENODEV no such adapter (or no adapter at all),
 * -ENETDOWN the adapter is powered off, -EHOSTUNREACH the lock was not found by discovery,
 * -ECONNABORTED connecting failed after every retry, -EACCES the D-Bus policy refused us
 * (docs/bluetooth.md), -ENOENT a required characteristic is missing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "latchkey/transport.h"
#include "latchkey/wire.h"

/* ---- advertisements (spec §1.4) ------------------------------------------------------------- */

/* Nuki device families told apart by advertisement or GATT (spec §1.1). SL1–4 look alike. */
enum lk_ble_family {
        LK_BLE_FAMILY_UNKNOWN = 0,
        LK_BLE_FAMILY_SMARTLOCK = 1, /* pairing service a92ee100, Smart Lock 1.0–4th gen */
        LK_BLE_FAMILY_ULTRA = 2,     /* pairing service a92ee300, Ultra / Go / 5th gen */
        LK_BLE_FAMILY_OPENER = 3,    /* a92ae… services */
};

#define LK_BLE_ADDRESS_SIZE 18u  /* "AA:BB:CC:DD:EE:FF" + NUL */
#define LK_BLE_NAME_MAX     248u /* Core spec: a device name is at most 248 bytes */
/* Extended advertising: a whole advertising data set is at most 1650 bytes (Core 5.x Vol 4
 * Part E §7.8.54). Anything longer is refused before it is looked at. */
#define LK_ADV_DATA_MAX     1650u
#define LK_ADV_MSD_MAX      (LK_ADV_DATA_MAX - 4u) /* after length, type, company id */

struct lk_adv {
        bool nuki;               /* any Nuki marker: iBeacon UUID, pairing or init service */
        enum lk_ble_family family;
        bool pairing_mode;       /* service data of a pairing service UUID (spec §1.4) */
        bool uninitialized;      /* the Initialization Service is advertised (spec §1.4) */
        bool has_beacon;         /* a Nuki iBeacon was present: the next three are valid */
        uint32_t nuki_id;        /* iBeacon major ‖ minor, big-endian (spec §1.4) */
        bool state_changed;      /* iBeacon TX-power byte bit 0 */
        int8_t tx_power;         /* iBeacon measured TX power, the raw byte */
        char name[LK_BLE_NAME_MAX + 1]; /* Complete/Shortened Local Name, "" if none */
};

/* An empty lk_adv, for accumulating the pieces BlueZ hands out one by one. */
void lk_adv_init(struct lk_adv *ret);

/*
 * Parse a raw advertising payload (AD structures, Core Supplement Part A) — advertising data
 * and scan response concatenated is fine. Fields found are merged into *adv (so one lk_adv can
 * collect AD and scan response). 0 when parsed (adv->nuki says whether it is a Nuki device);
 * -EMSGSIZE for more than LK_ADV_DATA_MAX bytes, -EBADMSG for a structure running past the
 * end, a truncated iBeacon or pairing service data shorter than its UUID. On failure *adv is
 * untouched and *ret_why (if not NULL) names the problem in a short English phrase.
 */
int lk_adv_parse(const uint8_t *data, size_t n, struct lk_adv *adv, const char **ret_why);

/* Manufacturer Specific Data as BlueZ gives it: company id apart, data after it. */
int lk_adv_parse_msd(uint16_t company, const uint8_t *data, size_t n, struct lk_adv *adv,
                     const char **ret_why);
/* Service Data as BlueZ gives it: a UUID string ("a92ee100-5501-…", any case) and its data. */
int lk_adv_parse_service_data(const char *uuid, const uint8_t *data, size_t n,
                              struct lk_adv *adv, const char **ret_why);
/* An advertised service UUID (BlueZ's Device1.UUIDs): marks Nuki services. Never fails. */
void lk_adv_parse_service_uuid(const char *uuid, struct lk_adv *adv);

/* "Smart Lock 1–4", "Smart Lock Ultra", "Opener", "unknown". */
const char *lk_ble_family_name(enum lk_ble_family f);
/*
 * The generation a transport reports for a family: SL1–4 cannot be told apart over the air
 * or GATT (same services, same pairing flow, same 2-byte PIN), so SMARTLOCK gives
 * LK_GEN_SMARTLOCK_3 as their representative. -EINVAL for UNKNOWN.
 */
int lk_ble_family_generation(enum lk_ble_family f, enum lk_generation *ret);

/* "AA:BB:CC:DD:EE:FF" (either case) → true. */
bool lk_ble_address_is_valid(const char *address);

/* ---- scanning --------------------------------------------------------------------------------- */

struct lk_ble_scan_result {
        char address[LK_BLE_ADDRESS_SIZE]; /* upper case */
        bool has_rssi;
        int16_t rssi;                      /* dBm; btvirt reports none */
        struct lk_adv adv;                 /* name, family, pairing mode, Nuki ID, state bit */
};

/* Called for every Nuki device seen, again whenever what it advertises changes. */
typedef void (*lk_ble_scan_fn)(void *userdata, const struct lk_ble_scan_result *result);

struct lk_ble_scan;

/*
 * A scan on adapter ("hci0", "AA:BB:…", or NULL for the first powered one). Opens the system
 * bus and attaches it to event. The scan starts at once; devices BlueZ already knows and that
 * advertise Nuki services are reported too. Discovery restarts every few seconds (btvirt and
 * some controllers report an advertiser only on a scan-enable edge). -ENODEV, -ENETDOWN,
 * -EACCES as above.
 */
int lk_ble_scan_new(sd_event *event, const char *adapter, lk_ble_scan_fn cb, void *userdata,
                    struct lk_ble_scan **ret);
/* Stops discovery. NULL-safe; returns NULL. */
struct lk_ble_scan *lk_ble_scan_free(struct lk_ble_scan *scan);

/*
 * Convenience for the CLI: scan for duration_usec (running event until then, or until
 * stop_after Nuki devices were seen when stop_after > 0), then return the devices seen, one per
 * address, in the order first seen. *ret is malloc'd (free()); *ret_n may be 0.
 */
int lk_ble_scan_collect(sd_event *event, const char *adapter, uint64_t duration_usec,
                        size_t stop_after, struct lk_ble_scan_result **ret, size_t *ret_n);

/* ---- the transport ---------------------------------------------------------------------------- */

/*
 * The transport over BlueZ GATT to the lock at address ("AA:BB:CC:DD:EE:FF") through adapter
 * (as for scanning; NULL = the first powered adapter). Nothing happens until
 * lk_transport_connect(), which discovers the device if BlueZ does not know it yet, connects
 * (retrying le-connection-abort-by-local and "Software caused connection abort"), waits for
 * ServicesResolved, finds the characteristics by UUID, enables indications and reports
 * on_connected with the family's generation and the ATT MTU (23 if BlueZ does not say).
 * -EINVAL for a bad address.
 */
int lk_transport_ble_new(sd_event *event, const char *adapter, const char *address,
                         const struct lk_transport_cb *cb, void *userdata,
                         struct lk_transport **ret);
