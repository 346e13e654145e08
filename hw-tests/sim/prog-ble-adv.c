/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim run --ble: advertising (spec §1.4 [DECISION]) through LEAdvertisingManager1.
 * The iBeacon (Nuki ID, state-changed bit) in normal operation, the pairing service's service
 * data in pairing mode, name Nuki_XXXXXXXX. Re-registered whenever the engine's advertising
 * state changes (a fresh advertising-enable edge also lets btvirt scanners see the change).
 *
 * [DECISION] Never while a link is up on the adapter (BlueZ's Device1.Connected; a probe's
 * link too, which never reaches our GATT server): a change then (pairing mode ending under the
 * pairing client, the state-changed bit after a lock action) waits until the links have
 * dropped, as the pairing service's does (prog-ble.c). Linux 6.1 re-enables advertising
 * after a peripheral link with that link's instance; one swapped away under it came back as a
 * non-connectable advertisement from a random address (ADV_NONCONN_IND in btmon), and no
 * central reached the lock's public address again: the rig's "lock unreachable after
 * pairing" (docs/bluetooth.md). A connected lock takes no second central anyway, so nobody
 * misses the advertisement meanwhile.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "latchkey/gatt.h"
#include "prog-ble.h"

static int prop_true(sd_bus *bus, const char *path, const char *iface, const char *prop,
                     sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        return sd_bus_message_append(reply, "b", 1);
}

const char *prog_ble_pairing_uuid(enum lk_generation g)
{
        const struct lk_gatt_uuids *u = lk_gatt_uuids(g);

        return u ? u->pairing_service : LK_UUID_SL_PAIRING_SERVICE;
}

static int prop_adv_type(sd_bus *bus, const char *path, const char *iface, const char *prop,
                         sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        return sd_bus_message_append(reply, "s", "peripheral");
}

static int prop_adv_name(sd_bus *bus, const char *path, const char *iface, const char *prop,
                         sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        return sd_bus_message_append(reply, "s", ((struct prog_ble *)userdata)->name);
}

static int prop_adv_msd(sd_bus *bus, const char *path, const char *iface, const char *prop,
                        sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        struct prog_ble *b = userdata;
        const struct lk_gatt_uuids *u = lk_gatt_uuids(b->adv.generation);
        /* spec §1.4: 02 15, proximity UUID = keyturner service (text order), major ‖ minor =
         * Nuki ID big-endian, measured TX power with bit 0 = state changed. */
        uint8_t beacon[23] = { 0x02, 0x15 };
        int r;

        if (!u)
                u = lk_gatt_uuids(LK_GEN_SMARTLOCK_3);
        memcpy(beacon + 2, u->beacon_uuid, LK_GATT_UUID_BYTES);
        beacon[18] = (uint8_t)(b->adv.nuki_id >> 24);
        beacon[19] = (uint8_t)(b->adv.nuki_id >> 16);
        beacon[20] = (uint8_t)(b->adv.nuki_id >> 8);
        beacon[21] = (uint8_t)b->adv.nuki_id;
        beacon[22] = (uint8_t)(0xC4 | (b->adv.state_changed ? 1 : 0));

        r = sd_bus_message_open_container(reply, 'a', "{qv}");
        /* [DECISION] spec §1.4: no room for the iBeacon beside the pairing data in 31 bytes. */
        if (r >= 0 && !b->adv.pairing_mode) {
                r = sd_bus_message_open_container(reply, 'e', "qv");
                if (r >= 0)
                        r = sd_bus_message_append_basic(reply, 'q', &(uint16_t){ 0x004C });
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'v', "ay");
                if (r >= 0)
                        r = sd_bus_message_append_array(reply, 'y', beacon, sizeof(beacon));
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int prop_adv_sd(sd_bus *bus, const char *path, const char *iface, const char *prop,
                       sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        struct prog_ble *b = userdata;

        /* spec §1.4: pairing mode = service data of the pairing service. The [DECISION] there
         * is the UUID alone, but BlueZ 5.66 refuses an empty ServiceData value ("Error parsing
         * ServiceData property"), so one 0x00 byte follows it; scanners look only at the UUID
         * (the bytes after it are unknown on real locks). */
        if (!b->adv.pairing_mode)
                return sd_bus_message_append(reply, "a{sv}", 0);
        return sd_bus_message_append(reply, "a{sv}", 1, prog_ble_pairing_uuid(b->adv.generation), "ay",
                                     1, 0x00);
}

static int m_release(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct prog_ble *b = userdata;

        b->adv_registered = false;
        return sd_bus_reply_method_return(m, "");
}

/* BlueZ 5.66 refuses an empty ServiceData (or ManufacturerData) dictionary: each mode gets a
 * vtable with only the property it fills (spec §1.4 [DECISION]: one or the other). */
static const sd_bus_vtable adv_vtable_beacon[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Type", "s", prop_adv_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LocalName", "s", prop_adv_name, 0, 0),
        SD_BUS_PROPERTY("ManufacturerData", "a{qv}", prop_adv_msd, 0, 0),
        SD_BUS_PROPERTY("Discoverable", "b", prop_true, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("Release", "", "", m_release, 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable adv_vtable_pairing[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Type", "s", prop_adv_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LocalName", "s", prop_adv_name, 0, 0),
        SD_BUS_PROPERTY("ServiceData", "a{sv}", prop_adv_sd, 0, 0),
        SD_BUS_PROPERTY("Discoverable", "b", prop_true, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("Release", "", "", m_release, 0),
        SD_BUS_VTABLE_END
};

static void adv_update(struct prog_ble *b);

static int on_adv_registered(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct prog_ble *b = userdata;
        const sd_bus_error *err = sd_bus_message_get_error(m);

        b->adv_call = sd_bus_slot_unref(b->adv_call);
        b->adv_pending = false;
        if (err) {
                prog_log("BLE: RegisterAdvertisement failed: %s: %s", err->name,
                         err->message ? err->message : "");
                b->adv_failed = true; /* again only when what we advertise changes */
                return 0;
        }
        b->adv_failed = false;
        b->adv_registered = true;
        prog_debug("BLE: advertising %s (Nuki ID %08X, %s%s)", b->name, b->adv.nuki_id,
                   b->adv.pairing_mode ? "pairing mode" : "iBeacon",
                   b->adv.state_changed ? ", state changed" : "");
        if (b->adv_dirty)
                adv_update(b);
        return 0;
}

static int on_adv_unregistered(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct prog_ble *b = userdata;
        int r;

        b->adv_call = sd_bus_slot_unref(b->adv_call);
        b->adv_registered = false;
        b->adv_dirty = false;
        sim_lock_advertising(prog_lock(b->p), &b->adv);
        b->adv_vtable = sd_bus_slot_unref(b->adv_vtable);
        r = sd_bus_add_object_vtable(b->bus, &b->adv_vtable, b->adv_path,
                                     "org.bluez.LEAdvertisement1",
                                     b->adv.pairing_mode ? adv_vtable_pairing : adv_vtable_beacon,
                                     b);
        if (r >= 0)
                r = sd_bus_call_method_async(b->bus, &b->adv_call, BLE_BLUEZ, b->adapter_path,
                                     "org.bluez.LEAdvertisingManager1", "RegisterAdvertisement",
                                     on_adv_registered, b, "oa{sv}", b->adv_path, 0);
        if (r < 0) {
                b->adv_pending = false;
                prog_log_errno(r, "BLE: failed to register the advertisement");
        }
        return 0;
}

static void adv_update(struct prog_ble *b)
{
        int r;

        if (prog_ble_links_up(b))
                return; /* after the links drop (the file's opening) */
        if (b->adv_pending) {
                b->adv_dirty = true;
                return;
        }
        b->adv_pending = true;
        if (!b->adv_registered) {
                (void) on_adv_unregistered(NULL, b, NULL);
                return;
        }
        /* Unregister and register again: new data and a fresh advertising-enable edge. */
        r = sd_bus_call_method_async(b->bus, &b->adv_call, BLE_BLUEZ, b->adapter_path,
                                     "org.bluez.LEAdvertisingManager1", "UnregisterAdvertisement",
                                     on_adv_unregistered, b, "o", b->adv_path);
        if (r < 0) {
                b->adv_pending = false;
                prog_log_errno(r, "BLE: failed to unregister the advertisement");
        }
}

void prog_ble_adv_refresh(struct prog_ble *b)
{
        struct sim_advertising now;

        sim_lock_advertising(prog_lock(b->p), &now);
        snprintf(b->name, sizeof(b->name), "Nuki_%08X", now.nuki_id);
        if (b->adv_pending) {
                if (memcmp(&now, &b->adv, sizeof(now)) != 0)
                        b->adv_dirty = true;
                return;
        }
        if ((b->adv_registered || b->adv_failed) && now.pairing_mode == b->adv.pairing_mode &&
            now.state_changed == b->adv.state_changed && now.nuki_id == b->adv.nuki_id)
                return;
        adv_update(b);
}
