/* SPDX-License-Identifier: MIT */
/*
 * The BlueZ transport's ears (bluez-transport.h): the D-Bus signals of bluetoothd, matched
 * from the first call of a connect to the release. A device's PropertiesChanged (Connected,
 * ServicesResolved) and InterfacesAdded/Removed move the steps of bluez-connect.c; a
 * characteristic's PropertiesChanged(Value) is an indication for bluez-gatt.c; a link, a
 * characteristic or bluetoothd going away fails the link through bluez-link.c.
 */
#include <errno.h>
#include <string.h>

#include "bluez-transport.h"

static int ch_of_path(struct ble_transport *b, const char *path)
{
        int i;

        for (i = 0; i < LK_CH_COUNT; i++)
                if (b->chars[i].present && strcmp(b->chars[i].path, path) == 0)
                        return i;
        return -1;
}

/* PropertiesChanged of a device: ours (Connected, ServicesResolved), or the one WAIT_DOWN
 * waits for. Returns 1 when a step was taken (b may be gone). */
static int on_device_changed(struct ble_transport *b, const char *path, sd_bus_message *m)
{
        struct ble_device_props p = { 0 };
        bool ours = strcmp(path, b->dev_path) == 0;
        int r;

        r = ble_device_props_read(m, &p);
        if (r < 0)
                return ours ? r : 0;
        if (ours && p.has_resolved)
                b->resolved = p.services_resolved;
        if (p.has_connected && !p.connected) {
                if (ours) {
                        switch (b->state) {
                        case BLE_RESOLVE:
                        case BLE_FIND:
                        case BLE_SUBSCRIBE:
                        case BLE_UP:
                                b->we_connected = false; /* nothing left to disconnect */
                                ble_fail(b, -ECONNRESET);
                                return 1;
                        case BLE_IDLE:
                        case BLE_OBJECTS:
                        case BLE_DISCOVER:
                        case BLE_WAIT_DOWN:
                        case BLE_CONNECT:
                                break;
                        }
                }
                if (b->state == BLE_WAIT_DOWN) {
                        ble_device_down(b, path);
                        return 1;
                }
                if (ours)
                        b->disconnecting = false;
        }
        if (ours && b->state == BLE_RESOLVE && b->resolved) {
                ble_on_resolved(b);
                return 1;
        }
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        const char *path = sd_bus_message_get_path(m), *iface;
        int ch, r;

        if (!path || sd_bus_message_read_basic(m, 's', &iface) < 0)
                return 0;
        if (strcmp(iface, BLE_IFACE_DEVICE) == 0)
                r = on_device_changed(b, path, m);
        else if (strcmp(iface, BLE_IFACE_CHAR) == 0 && (ch = ch_of_path(b, path)) >= 0)
                r = ble_on_char_changed(b, &b->chars[ch], m);
        else
                return 0;
        if (r < 0 && b->state != BLE_IDLE)
                ble_fail(b, -EBADMSG);
        return 0;
}

static void on_device_removed(struct ble_transport *b, const char *path)
{
        if (strcmp(path, b->dev_path) == 0) {
                switch (b->state) {
                case BLE_CONNECT:
                case BLE_RESOLVE:
                case BLE_FIND:
                case BLE_SUBSCRIBE:
                case BLE_UP:
                        b->we_connected = false;
                        ble_fail(b, b->state == BLE_UP ? -ECONNRESET : -EHOSTUNREACH);
                        return;
                case BLE_IDLE:
                case BLE_OBJECTS:
                case BLE_DISCOVER:
                case BLE_WAIT_DOWN:
                        break;
                }
        }
        ble_device_down(b, path);
}

/* A characteristic the link uses went away (the lock's GATT changed, BlueZ rediscovered it):
 * writing on is writing into nothing. Before UP the connect starts over; after, the link is
 * reported down. */
static void on_char_removed(struct ble_transport *b, const char *path)
{
        int ch = ch_of_path(b, path);

        if (ch < 0 || !b->chars[ch].needed || (b->state != BLE_SUBSCRIBE && b->state != BLE_UP))
                return;
        ble_fail(b, -ECONNRESET);
}

static int on_objects_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        const char *member = sd_bus_message_get_member(m), *path, *iface;
        bool device = false, chr = false;

        if (!member || sd_bus_message_read_basic(m, 'o', &path) < 0)
                return 0;
        if (strcmp(member, "InterfacesAdded") == 0) {
                if (b->state == BLE_DISCOVER && strcmp(path, b->dev_path) == 0)
                        ble_on_device_added(b);
                return 0;
        }
        if (strcmp(member, "InterfacesRemoved") != 0 ||
            sd_bus_message_enter_container(m, 'a', "s") < 0)
                return 0;
        while (sd_bus_message_read_basic(m, 's', &iface) > 0) {
                device = device || strcmp(iface, BLE_IFACE_DEVICE) == 0;
                chr = chr || strcmp(iface, BLE_IFACE_CHAR) == 0;
        }
        if (device)
                on_device_removed(b, path);
        else if (chr)
                on_char_removed(b, path);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || strcmp(name, BLE_BUS_NAME))
                return 0;
        if (new[0] == '\0' && b->state != BLE_IDLE) {
                b->we_connected = false; /* bluetoothd went away and took the link along */
                b->disconnecting = false;
                ble_fail(b, b->state == BLE_UP ? -ECONNRESET : -EHOSTDOWN);
        }
        return 0;
}

int ble_add_matches(struct ble_transport *b)
{
        int r;

        /* The path namespace is not known before the adapter is: watch all of org.bluez. */
        r = sd_bus_add_match_async(b->bus, &b->match_props,
                                   "type='signal',sender='" BLE_BUS_NAME "',interface='"
                                   BLE_IFACE_PROPS "',member='PropertiesChanged',"
                                   "path_namespace='/org/bluez'",
                                   on_properties_changed, NULL, b);
        if (r >= 0)
                r = sd_bus_add_match_async(b->bus, &b->match_objects,
                                           "type='signal',sender='" BLE_BUS_NAME
                                           "',interface='" BLE_IFACE_OBJMGR "',path='/'",
                                           on_objects_signal, NULL, b);
        if (r >= 0)
                r = sd_bus_add_match_async(b->bus, &b->match_owner,
                                           "type='signal',sender='org.freedesktop.DBus',"
                                           "member='NameOwnerChanged',arg0='" BLE_BUS_NAME "'",
                                           on_owner_changed, NULL, b);
        return r;
}
