/* SPDX-License-Identifier: MIT */
/*
 * Private to ble/: the Nuki UUID table (spec §1.1), and the BlueZ helpers shared by the scan
 * and the transport. The pure helpers (UUIDs, paths, error names) are exported to the tests.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "latchkey/ble.h"

/* ---- UUIDs (spec §1.1; adv-uuid.c) ---- */

enum ble_uuid_role {
        BLE_UUID_OTHER = 0,          /* on the Nuki base, but nothing we use */
        BLE_UUID_INIT_SERVICE,       /* …e000 / …ae000 */
        BLE_UUID_PAIRING_SERVICE,    /* …e100 / …e300 (Ultra) / …ae100 */
        BLE_UUID_PAIRING_GDIO,       /* …e101 / …e301 (Ultra) / …ae101 */
        BLE_UUID_KEYTURNER_SERVICE,  /* …e200 / …ae200 */
        BLE_UUID_KEYTURNER_GDIO,     /* …e201 / …ae201 */
        BLE_UUID_USDIO,              /* …e202 / …ae202 */
};

struct ble_nuki_uuid {
        enum ble_uuid_role role;
        enum lk_ble_family family;
};

#define BLE_UUID_STRING_SIZE 37u /* 36 characters + NUL */

/* The Nuki service UUIDs a scan recognises (spec §1.1, §1.4): keyturner, pairing, init. */
extern const char *const ble_scan_uuids[];

/* "a92ee101-5501-11e4-916c-0800200c9a66" (any case) → 16 bytes in text order. -EINVAL. */
int ble_uuid_parse(const char *s, uint8_t ret[static 16]);
/* 16 bytes in text order → what it is. -ENOENT when not on a Nuki base (spec §1.1). */
int ble_uuid_classify_be(const uint8_t be[static 16], struct ble_nuki_uuid *ret);
/* A UUID string → the channel it carries, and the family; -ENOENT if none. */
int ble_uuid_channel(const char *uuid, enum lk_channel *ret_ch, enum lk_ble_family *ret_family);

/* ---- BlueZ names (bluez-names.c) ---- */

/* "/org/bluez/hci0" + "AA:BB:…" → "/org/bluez/hci0/dev_AA_BB_…". -EINVAL, -ENOBUFS. */
int ble_device_path(const char *adapter_path, const char *address, char *buf, size_t size);
/* A D-Bus error from BlueZ → -errno (STYLE.md §3's map plus ble.h's). */
int ble_error_to_errno(const sd_bus_error *e);
/* Device1.Connect errors worth another try (field-lessons.md "BlueZ"). */
bool ble_connect_error_is_transient(const sd_bus_error *e);

/* ---- shared D-Bus plumbing (bluez.c) ---- */

#define BLE_BUS_NAME            "org.bluez"
#define BLE_IFACE_ADAPTER       "org.bluez.Adapter1"
#define BLE_IFACE_DEVICE        "org.bluez.Device1"
#define BLE_IFACE_CHAR          "org.bluez.GattCharacteristic1"
#define BLE_IFACE_PROPS         "org.freedesktop.DBus.Properties"
#define BLE_IFACE_OBJMGR        "org.freedesktop.DBus.ObjectManager"

/* The system bus (or $LATCHKEY_BLE_BUS, an address, for tests) attached to event. */
int ble_bus_open(sd_event *event, sd_bus **ret);

struct ble_adapter {
        char path[64];
        char address[LK_BLE_ADDRESS_SIZE];
        bool powered;
};

/*
 * Pick the adapter: by name ("hci1"), by address, or (NULL) the first powered one. Calls
 * GetManagedObjects synchronously — once, at start. -ENODEV, -ENETDOWN, -EACCES.
 */
int ble_adapter_pick(sd_bus *bus, const char *want, struct ble_adapter *ret);

/* Read the Device1 properties we care about from an a{sv} at the message's position. */
struct ble_device_props {
        bool has_address, has_rssi, has_connected, has_resolved;
        char address[LK_BLE_ADDRESS_SIZE];
        int16_t rssi;
        bool connected, services_resolved;
        struct lk_adv adv;
        bool adv_bad;           /* something from the air was refused */
        const char *adv_why;
};
int ble_device_props_read(sd_bus_message *m, struct ble_device_props *p);

/* Walk GetManagedObjects' a{oa{sa{sv}}} (or InterfacesAdded's a{sa{sv}} for one path):
 * fn sees each interface with the message at its a{sv}; it returns 1 if it read the a{sv},
 * 0 to have it skipped, -errno to stop. */
typedef int (*ble_object_fn)(void *userdata, const char *path, const char *iface,
                             sd_bus_message *m);
int ble_objects_walk(sd_bus_message *m, ble_object_fn fn, void *userdata);
int ble_interfaces_walk(sd_bus_message *m, const char *path, ble_object_fn fn, void *userdata);
/* Walk one interface's properties, a{sv}: fn sees each key with the message at its variant;
 * it returns 1 if it read the variant, 0 to have it skipped, -errno to stop. */
typedef int (*ble_prop_fn)(void *userdata, const char *key, sd_bus_message *m);
int ble_props_walk(sd_bus_message *m, ble_prop_fn fn, void *userdata);
/* The adapter from a GetManagedObjects reply, as ble_adapter_pick(). */
int ble_adapter_from_objects(sd_bus_message *reply, const char *want, struct ble_adapter *ret);

/* Discovery on the adapter with the Nuki filter: SetDiscoveryFilter, then StartDiscovery (cb
 * gets its reply). Both calls' slots go to the caller, who owns them. */
int ble_discovery_start(sd_bus *bus, const char *adapter_path, sd_bus_slot **ret_filter_slot,
                        sd_bus_slot **ret_start_slot, sd_bus_message_handler_t cb, void *userdata);
/* A method call without arguments whose reply nobody waits for (StopDiscovery, Disconnect). */
int ble_call_noreply(sd_bus *bus, const char *path, const char *iface, const char *member);

/* A method call without arguments, reply to cb, with a timeout (0: sd-bus's default). */
int ble_call_async(sd_bus *bus, sd_bus_slot **ret_slot, const char *path, const char *iface,
                   const char *member, sd_bus_message_handler_t cb, void *userdata,
                   uint64_t usec);

#define _cleanup_bus_error_ __attribute__((cleanup(sd_bus_error_free)))
