/* SPDX-License-Identifier: MIT */
/*
 * BlueZ plumbing shared by the scan and the transport: the bus, the adapter, Device1
 * properties, discovery. BlueZ's D-Bus API: doc/adapter-api.txt, doc/device-api.txt,
 * doc/gatt-api.txt (5.66).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ble-internal.h"

int ble_bus_open(sd_event *event, sd_bus **ret)
{
        const char *address = getenv("LATCHKEY_BLE_BUS");
        sd_bus *bus = NULL;
        int r;

        if (address && *address) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, 1);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else {
                r = sd_bus_open_system(&bus);
        }
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

/* Read a variant of a basic type; a different type is skipped and reported as -ENXIO. */
static int read_variant(sd_bus_message *m, char type, void *ret)
{
        char sig[2] = { type, 0 };
        int r;

        r = sd_bus_message_enter_container(m, 'v', sig);
        if (r == 0 || r == -ENXIO) {
                r = sd_bus_message_skip(m, "v");
                return r < 0 ? r : -ENXIO;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_read_basic(m, type, ret);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static void copy_address(char dst[static LK_BLE_ADDRESS_SIZE], const char *src)
{
        size_t i;

        if (!lk_ble_address_is_valid(src)) {
                dst[0] = '\0';
                return;
        }
        for (i = 0; i < LK_BLE_ADDRESS_SIZE - 1; i++)
                dst[i] = (src[i] >= 'a' && src[i] <= 'f') ? (char)(src[i] - 'a' + 'A') : src[i];
        dst[i] = '\0';
}

static void adv_fail(struct ble_device_props *p, int r, const char *why)
{
        if (r < 0 && !p->adv_bad) {
                p->adv_bad = true;
                p->adv_why = why ? why : "refused";
        }
}

/* ManufacturerData a{qv}, each v an ay. */
static int read_msd(sd_bus_message *m, struct ble_device_props *p)
{
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a{qv}");
        if (r <= 0)
                return r < 0 && r != -ENXIO ? r : sd_bus_message_skip(m, "v");
        r = sd_bus_message_enter_container(m, 'a', "{qv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "qv")) > 0) {
                const void *data = NULL;
                size_t n = 0;
                const char *why = NULL;
                uint16_t company;

                r = sd_bus_message_read_basic(m, 'q', &company);
                if (r < 0)
                        return r;
                r = sd_bus_message_enter_container(m, 'v', "ay");
                if (r > 0) {
                        r = sd_bus_message_read_array(m, 'y', &data, &n);
                        if (r < 0)
                                return r;
                        adv_fail(p, lk_adv_parse_msd(company, data, n, &p->adv, &why), why);
                        r = sd_bus_message_exit_container(m);
                } else {
                        r = sd_bus_message_skip(m, "v");
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int service_data_one(void *userdata, const char *uuid, sd_bus_message *m)
{
        struct ble_device_props *p = userdata;
        const void *data = NULL;
        const char *why = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'v', "ay");
        if (r <= 0)
                return 0;
        r = sd_bus_message_read_array(m, 'y', &data, &n);
        if (r < 0)
                return r;
        adv_fail(p, lk_adv_parse_service_data(uuid, data, n, &p->adv, &why), why);
        r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

/* ServiceData a{sv}, each v an ay. */
static int read_service_data(sd_bus_message *m, struct ble_device_props *p)
{
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a{sv}");
        if (r <= 0)
                return r < 0 && r != -ENXIO ? r : sd_bus_message_skip(m, "v");
        r = ble_props_walk(m, service_data_one, p);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int read_uuids(sd_bus_message *m, struct ble_device_props *p)
{
        const char *uuid;
        int r;

        r = sd_bus_message_enter_container(m, 'v', "as");
        if (r <= 0)
                return r < 0 && r != -ENXIO ? r : sd_bus_message_skip(m, "v");
        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read_basic(m, 's', &uuid)) > 0)
                lk_adv_parse_service_uuid(uuid, &p->adv);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int device_prop(void *userdata, const char *key, sd_bus_message *m)
{
        struct ble_device_props *p = userdata;
        const char *s;
        int b, r;

        if (strcmp(key, "Address") == 0) {
                r = read_variant(m, 's', &s);
                if (r >= 0) {
                        copy_address(p->address, s);
                        p->has_address = p->address[0] != '\0';
                }
        } else if (strcmp(key, "RSSI") == 0) {
                r = read_variant(m, 'n', &p->rssi);
                if (r >= 0)
                        p->has_rssi = true;
        } else if (strcmp(key, "Connected") == 0) {
                r = read_variant(m, 'b', &b);
                if (r >= 0) {
                        p->has_connected = true;
                        p->connected = b;
                }
        } else if (strcmp(key, "ServicesResolved") == 0) {
                r = read_variant(m, 'b', &b);
                if (r >= 0) {
                        p->has_resolved = true;
                        p->services_resolved = b;
                }
        } else if (strcmp(key, "Name") == 0) {
                r = read_variant(m, 's', &s);
                if (r >= 0)
                        snprintf(p->adv.name, sizeof(p->adv.name), "%s", s);
        } else if (strcmp(key, "ManufacturerData") == 0) {
                r = read_msd(m, p);
        } else if (strcmp(key, "ServiceData") == 0) {
                r = read_service_data(m, p);
        } else if (strcmp(key, "UUIDs") == 0) {
                r = read_uuids(m, p);
        } else {
                return 0;
        }
        /* -ENXIO: a variant of another type, already skipped; the rest still counts. */
        return r < 0 && r != -ENXIO ? r : 1;
}

int ble_device_props_read(sd_bus_message *m, struct ble_device_props *p)
{
        return ble_props_walk(m, device_prop, p);
}

int ble_objects_walk(sd_bus_message *m, ble_object_fn fn, void *userdata)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
                const char *path;

                r = sd_bus_message_read_basic(m, 'o', &path);
                if (r < 0)
                        return r;
                r = ble_interfaces_walk(m, path, fn, userdata);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int ble_interfaces_walk(sd_bus_message *m, const char *path, ble_object_fn fn, void *userdata)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                const char *iface;

                r = sd_bus_message_read_basic(m, 's', &iface);
                if (r < 0)
                        return r;
                r = fn(userdata, path, iface, m);
                if (r < 0)
                        return r;
                if (r == 0) {
                        r = sd_bus_message_skip(m, "a{sv}");
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int ble_props_walk(sd_bus_message *m, ble_prop_fn fn, void *userdata)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        return r;
                r = fn(userdata, key, m);
                if (r == 0)
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

struct pick_ctx {
        const char *want;
        struct ble_adapter best;
        bool found, found_powered;
};

static int adapter_prop(void *userdata, const char *key, sd_bus_message *m)
{
        struct ble_adapter *a = userdata;
        const char *s;
        int b, r;

        if (strcmp(key, "Address") == 0) {
                r = read_variant(m, 's', &s);
                if (r >= 0)
                        copy_address(a->address, s);
        } else if (strcmp(key, "Powered") == 0) {
                r = read_variant(m, 'b', &b);
                if (r >= 0)
                        a->powered = b;
        } else {
                return 0;
        }
        return r < 0 && r != -ENXIO ? r : 1;
}

static int pick_one(void *userdata, const char *path, const char *iface, sd_bus_message *m)
{
        struct pick_ctx *c = userdata;
        struct ble_adapter a = { 0 };
        const char *name = strrchr(path, '/');
        int r;

        if (strcmp(iface, BLE_IFACE_ADAPTER) != 0)
                return 0;
        if (strlen(path) >= sizeof(a.path))
                return 0;
        memcpy(a.path, path, strlen(path) + 1);

        r = ble_props_walk(m, adapter_prop, &a);
        if (r < 0)
                return r;

        if (c->want) {
                bool match = (name && strcmp(name + 1, c->want) == 0) ||
                             (a.address[0] && strcasecmp(a.address, c->want) == 0);

                if (match && !c->found) {
                        c->best = a;
                        c->found = true;
                }
        } else if (!c->found_powered && (a.powered || !c->found)) {
                /* The first powered one; else the first one, to say it is off. */
                c->best = a;
                c->found = true;
                c->found_powered = a.powered;
        }
        return 1;
}

int ble_adapter_from_objects(sd_bus_message *reply, const char *want, struct ble_adapter *ret)
{
        struct pick_ctx c = { .want = want };
        int r;

        r = ble_objects_walk(reply, pick_one, &c);
        if (r < 0)
                return r;
        if (!c.found)
                return -ENODEV;
        if (!c.best.powered)
                return -ENETDOWN;
        *ret = c.best;
        return 0;
}

int ble_adapter_pick(sd_bus *bus, const char *want, struct ble_adapter *ret)
{
        _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, BLE_BUS_NAME, "/", BLE_IFACE_OBJMGR, "GetManagedObjects",
                               &e, &reply, "");
        if (r < 0) {
                if (sd_bus_error_is_set(&e))
                        r = ble_error_to_errno(&e);
                return r;
        }
        r = ble_adapter_from_objects(reply, want, ret);
        sd_bus_message_unref(reply);
        return r;
}

static int append_filter(sd_bus_message *m)
{
        /* adapter-api.txt SetDiscoveryFilter: LE only, every report (the state-changed bit
         * flips inside an unchanged advertiser). No "UUIDs": BlueZ matches them only against
         * advertised service UUID lists, and a Nuki lock in normal operation advertises just
         * its iBeacon (the keyturner UUID sits inside manufacturer data, spec §1.4). The Nuki
         * filter is ours: lk_adv_parse_*() on every device BlueZ reports. */
        return sd_bus_message_append(m, "a{sv}", 2, "Transport", "s", "le", "DuplicateData",
                                     "b", 1);
}

static int on_filter_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        /* An unusable filter only widens the discovery; the parser filters anyway. */
        return 0;
}

int ble_discovery_start(sd_bus *bus, const char *adapter_path, sd_bus_slot **ret_filter_slot,
                        sd_bus_slot **ret_start_slot, sd_bus_message_handler_t cb, void *userdata)
{
        sd_bus_message *m = NULL;
        int r;

        /* bluetoothd handles one client's calls in order: the filter applies to the start. */
        r = sd_bus_message_new_method_call(bus, &m, BLE_BUS_NAME, adapter_path, BLE_IFACE_ADAPTER,
                                           "SetDiscoveryFilter");
        if (r >= 0)
                r = append_filter(m);
        if (r >= 0)
                r = sd_bus_call_async(bus, ret_filter_slot, m, on_filter_reply, NULL, 0);
        sd_bus_message_unref(m);
        if (r < 0)
                return r;
        return sd_bus_call_method_async(bus, ret_start_slot, BLE_BUS_NAME, adapter_path,
                                        BLE_IFACE_ADAPTER, "StartDiscovery", cb, userdata, "");
}

int ble_call_noreply(sd_bus *bus, const char *path, const char *iface, const char *member)
{
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, BLE_BUS_NAME, path, iface, member);
        if (r >= 0)
                r = sd_bus_message_set_expect_reply(m, 0);
        if (r >= 0)
                r = sd_bus_send(bus, m, NULL);
        sd_bus_message_unref(m);
        return r;
}

int ble_call_async(sd_bus *bus, sd_bus_slot **ret_slot, const char *path, const char *iface,
                   const char *member, sd_bus_message_handler_t cb, void *userdata,
                   uint64_t usec)
{
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, BLE_BUS_NAME, path, iface, member);
        if (r >= 0)
                r = sd_bus_call_async(bus, ret_slot, m, cb, userdata, usec);
        sd_bus_message_unref(m);
        return r;
}
