/* SPDX-License-Identifier: MIT */
/*
 * The BlueZ transport's way up (bluez-transport.h): OBJECTS, DISCOVER, WAIT_DOWN, CONNECT,
 * RESOLVE and FIND, up to the subscriptions of bluez-gatt.c.
 *
 * What BlueZ 5.66 does with a link in its release hold (src/device.c, docs/bluetooth.md):
 * Device1.Connect answers at once with success (le_state.connected is still true) and does
 * not cancel the hold; ServicesResolved stays true; StartNotify answers NotConnected
 * ("Device is disconnecting", src/gatt-client.c). So a connect that finds the device
 * connected goes on as if it were ours, and a NotConnected from StartNotify, or knowing we
 * released the link ourselves, sends it to WAIT_DOWN until Connected turns false: an event,
 * not a pause. Then it starts over from OBJECTS and connects for real.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bluez-transport.h"

/* ---- DISCOVER ---- */

static int on_discovery_started(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        int r = ble_reply_error(m);

        /* InProgress: our own earlier start still runs; fine. */
        if (r < 0 && r != -EBUSY) {
                b->call_discovery = sd_bus_slot_unref(b->call_discovery);
                ble_fail(b, r);
        }
        return 0;
}

/* The restart's second half, once StopDiscovery has answered: bluetoothd answers a client's
 * StartDiscovery with InProgress while that client's stop is under way (adapter.c), which left
 * discovery off until the connect's budget ran out. */
static int on_discovery_stopped(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        int r;

        b->call_discovery = sd_bus_slot_unref(b->call_discovery);
        r = ble_discovery_start(b->bus, b->adapter.path, &b->call_filter, &b->call_discovery,
                                on_discovery_started, b);
        if (r < 0)
                ble_fail(b, r);
        return 0;
}

static int on_rescan(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct ble_transport *b = userdata;
        int r;

        /* virtual-radio.md: a report can be lost while discovery is STARTING; btvirt sends
         * one only on enable edges. Stop, then start again. */
        b->call_filter = sd_bus_slot_unref(b->call_filter);
        b->call_discovery = sd_bus_slot_unref(b->call_discovery);
        r = ble_call_async(b->bus, &b->call_discovery, b->adapter.path, BLE_IFACE_ADAPTER, "StopDiscovery",
                           on_discovery_stopped, b, 0);
        if (r >= 0)
                r = sd_event_source_set_time_relative(s, BLE_RESCAN_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ON);
        if (r < 0)
                ble_fail(b, r);
        return 0;
}

static void discover(struct ble_transport *b)
{
        int r;

        b->state = BLE_DISCOVER;
        r = ble_discovery_start(b->bus, b->adapter.path, &b->call_filter, &b->call_discovery,
                                on_discovery_started, b);
        if (r >= 0)
                r = sd_event_add_time_relative(b->event, &b->rescan, CLOCK_MONOTONIC,
                                               BLE_RESCAN_USEC, 0, on_rescan, b);
        if (r >= 0)
                r = ble_arm_timer(b, BLE_DISCOVER_USEC);
        if (r < 0)
                ble_fail(b, r);
}

void ble_on_device_added(struct ble_transport *b)
{
        ble_discovery_stop(b);
        ble_connect_attempt(b);
}

static int on_device_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;

        b->call = sd_bus_slot_unref(b->call);
        /* DoesNotExist is fine: gone is what we wanted. Find it again from its adverts. */
        discover(b);
        return 0;
}

/*
 * The last resort for a device whose link never drops (seen on btvirt when two links shared
 * the central, docs/bluetooth.md): Connect answers at once, StartNotify NotConnected,
 * forever. Removing the device object clears that state; the lock is found again from its
 * advertisements. Nuki locks do not bond, so nothing is lost. Once per connect.
 */
static void forget_device(struct ble_transport *b)
{
        int r;

        b->state = BLE_DISCOVER; /* its InterfacesRemoved is then no failure */
        b->forgot = true;
        b->we_connected = false;
        b->resolved = false;
        b->disconnecting = false;
        b->attempt = 0;
        r = sd_bus_call_method_async(b->bus, &b->call, BLE_BUS_NAME, b->adapter.path,
                                     BLE_IFACE_ADAPTER, "RemoveDevice", on_device_removed, b,
                                     "o", b->dev_path);
        if (r >= 0)
                r = ble_arm_timer(b, BLE_DISCOVER_USEC);
        if (r < 0)
                ble_fail(b, r);
}

/* ---- WAIT_DOWN ---- */

static void wait_down(struct ble_transport *b, const char *path)
{
        b->state = BLE_WAIT_DOWN;
        snprintf(b->wait_path, sizeof(b->wait_path), "%s", path);
        if (!b->wait_since)
                b->wait_since = ble_now_usec();
        if (ble_arm_timer(b, BLE_HOLD_USEC) < 0)
                ble_fail(b, -ENOMEM);
}

void ble_device_down(struct ble_transport *b, const char *path)
{
        if (strcmp(path, b->dev_path) == 0)
                b->disconnecting = false;
        if (b->state != BLE_WAIT_DOWN || strcmp(path, b->wait_path) != 0)
                return;
        b->wait_path[0] = '\0';
        ble_objects(b); /* anything else still up? */
}

/* ---- CONNECT / RESOLVE / FIND ---- */

/*
 * Before UP, a link that drops (Connected turning false) or a StartNotify that says
 * NotConnected (BlueZ's release hold) starts the connect over from OBJECTS, within the same
 * attempt budget. Returns true when the new start is under way.
 */
bool ble_connect_retry(struct ble_transport *b, int error)
{
        if (error != -ENOTCONN && error != -ECONNRESET)
                return false;
        if (b->state < BLE_CONNECT || b->state == BLE_UP || b->attempt >= BLE_CONNECT_ATTEMPTS)
                return false;
        b->call = sd_bus_slot_unref(b->call);
        ble_chars_reset(b);
        b->resolved = false;
        b->last_error = error;
        if (error == -ENOTCONN)
                b->disconnecting = true; /* src/gatt-client.c: StartNotify while disconnecting */
        ble_objects(b);
        return true;
}

static int char_prop(void *userdata, const char *key, sd_bus_message *m)
{
        struct { const char *uuid; uint16_t mtu; } *c = userdata;
        int r;

        if (strcmp(key, "UUID") == 0)
                r = sd_bus_message_read(m, "v", "s", &c->uuid);
        else if (strcmp(key, "MTU") == 0) /* BlueZ 5.62+: the ATT MTU of the link */
                r = sd_bus_message_read(m, "v", "q", &c->mtu);
        else
                return 0;
        return r < 0 ? r : 1;
}

struct find_ctx {
        struct ble_transport *b;
        size_t prefix;
        enum lk_ble_family pairing;   /* from the pairing GDIO, if the lock shows it */
        enum lk_ble_family keyturner; /* from the keyturner characteristics */
        uint16_t mtu;
};

static int find_one(void *userdata, const char *path, const char *iface, sd_bus_message *m)
{
        struct find_ctx *f = userdata;
        struct ble_transport *b = f->b;
        struct { const char *uuid; uint16_t mtu; } c = { 0 };
        enum lk_channel ch;
        enum lk_ble_family fam;
        int r;

        if (strcmp(iface, BLE_IFACE_CHAR) != 0 || strncmp(path, b->dev_path, f->prefix) != 0 ||
            path[f->prefix] != '/')
                return 0;
        r = ble_props_walk(m, char_prop, &c);
        if (r < 0)
                return r;
        if (!c.uuid || ble_uuid_channel(c.uuid, &ch, &fam) < 0 ||
            strlen(path) >= sizeof(b->chars[ch].path))
                return 1;
        memcpy(b->chars[ch].path, path, strlen(path) + 1);
        b->chars[ch].present = true;
        if (ch == LK_CH_PAIRING)
                f->pairing = fam;
        else
                f->keyturner = fam;
        if (c.mtu >= BLE_ATT_MTU_DEFAULT && (f->mtu == 0 || c.mtu < f->mtu))
                f->mtu = c.mtu;
        return 1;
}

/* spec §1.1: the pairing GDIO tells SL1–4 (…e101), Ultra (…e301) and the Opener (…ae101);
 * without it the keyturner service tells the Opener (a92ae…) from a Smart Lock (a92ee…). */
static int link_generation(const struct find_ctx *f, struct lk_link_info *info)
{
        enum lk_ble_family fam = f->pairing ? f->pairing : f->keyturner;
        int r = lk_ble_family_generation(fam, &info->generation);

        if (r < 0)
                return r;
        if (fam == LK_BLE_FAMILY_SMARTLOCK)
                info->generations = LK_GEN_SMARTLOCK_1_4 |
                                    (f->pairing ? 0u : LK_GEN_BIT(LK_GEN_ULTRA));
        else
                info->generations = LK_GEN_BIT(info->generation);
        return 0;
}

static void find_done(struct ble_transport *b, const struct find_ctx *f)
{
        bool pairing = b->flags & LK_CONNECT_PAIRING;

        /* Once paired a link needs the keyturner GDIO and the USDIO only; the pairing GDIO
         * only to pair. A stale GATT cache shows up here too. */
        if (!b->chars[LK_CH_KEYTURNER].present || !b->chars[LK_CH_USDIO].present ||
            (pairing && !b->chars[LK_CH_PAIRING].present) ||
            link_generation(f, &b->info) < 0) {
                ble_fail(b, -ENOENT);
                return;
        }
        b->chars[LK_CH_KEYTURNER].needed = true;
        b->chars[LK_CH_USDIO].needed = true;
        b->chars[LK_CH_PAIRING].needed = pairing;
        b->info.mtu = f->mtu >= BLE_ATT_MTU_DEFAULT ? f->mtu : BLE_ATT_MTU_DEFAULT;
        b->info.waited_usec = b->wait_since ? ble_now_usec() - b->wait_since : 0;
        ble_subscribe(b);
}

static int on_find_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        struct find_ctx f = { .b = b, .prefix = strlen(b->dev_path) };
        int r = ble_reply_error(m);

        b->call = sd_bus_slot_unref(b->call);
        if (r >= 0)
                r = ble_objects_walk(m, find_one, &f);
        if (r < 0) {
                ble_fail(b, r);
                return 0;
        }
        find_done(b, &f);
        return 0;
}

void ble_on_resolved(struct ble_transport *b)
{
        int r;

        b->state = BLE_FIND;
        r = sd_bus_call_method_async(b->bus, &b->call, BLE_BUS_NAME, "/", BLE_IFACE_OBJMGR,
                                     "GetManagedObjects", on_find_reply, b, "");
        if (r >= 0)
                r = ble_arm_timer(b, BLE_CALL_USEC);
        if (r < 0)
                ble_fail(b, r);
}

static int on_resolved_get(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        int v = 0, r = ble_reply_error(m);

        b->call = sd_bus_slot_unref(b->call);
        if (r >= 0)
                r = sd_bus_message_read(m, "v", "b", &v);
        if (r < 0) {
                ble_fail(b, r);
                return 0;
        }
        if (v || b->resolved)
                ble_on_resolved(b);
        return 0;
}

static int on_connect_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        int r;

        b->call = sd_bus_slot_unref(b->call);
        if (e && strcmp(e->name, "org.bluez.Error.AlreadyConnected") != 0) {
                if (ble_connect_error_is_transient(e) && b->attempt < BLE_CONNECT_ATTEMPTS) {
                        /* field-lessons.md: retry le-connection-abort-by-local and friends,
                         * after a growing pause (a back-off, as the controller asks). */
                        b->last_error = ble_error_to_errno(e);
                        if (ble_arm_timer(b, BLE_RETRY_BASE_USEC * b->attempt) < 0)
                                ble_fail(b, -ENOMEM);
                        return 0;
                }
                ble_fail(b, ble_connect_error_is_transient(e) ? -ECONNABORTED
                                                              : ble_error_to_errno(e));
                return 0;
        }
        b->we_connected = true;
        b->state = BLE_RESOLVE;
        if (b->resolved) {
                ble_on_resolved(b);
                return 0;
        }
        r = sd_bus_call_method_async(b->bus, &b->call, BLE_BUS_NAME, b->dev_path, BLE_IFACE_PROPS,
                                     "Get", on_resolved_get, b, "ss", BLE_IFACE_DEVICE,
                                     "ServicesResolved");
        if (r >= 0)
                r = ble_arm_timer(b, BLE_RESOLVE_USEC);
        if (r < 0)
                ble_fail(b, r);
        return 0;
}

void ble_connect_attempt(struct ble_transport *b)
{
        int r;

        b->state = BLE_CONNECT;
        b->attempt++;
        r = ble_call_async(b->bus, &b->call, b->dev_path, BLE_IFACE_DEVICE, "Connect",
                           on_connect_reply, b, BLE_CONNECT_CALL_USEC);
        if (r >= 0)
                ble_disarm_timer(b);
        if (r < 0)
                ble_fail(b, r);
}

/* ---- OBJECTS ---- */

struct objects_ctx {
        struct ble_transport *b;
        bool device, connected, resolved;
        char other[128];  /* another device of the adapter with a link up, if any */
};

static int objects_device(void *userdata, const char *path, const char *iface,
                          sd_bus_message *m)
{
        struct objects_ctx *o = userdata;
        const char *adapter = o->b->adapter.path;
        size_t n = strlen(adapter);
        struct ble_device_props p = { 0 };
        int r;

        if (strcmp(iface, BLE_IFACE_DEVICE) != 0 || strncmp(path, adapter, n) != 0 ||
            path[n] != '/')
                return 0;
        r = ble_device_props_read(m, &p);
        if (r < 0)
                return r;
        if (strcmp(path, o->b->dev_path) == 0) {
                o->device = true;
                o->connected = p.connected;
                o->resolved = p.services_resolved;
        } else if (p.connected && !o->other[0]) {
                snprintf(o->other, sizeof(o->other), "%s", path);
        }
        return 1;
}

static int on_objects_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        struct objects_ctx o = { .b = b };
        int r = ble_reply_error(m);

        b->call = sd_bus_slot_unref(b->call);
        if (r >= 0)
                r = ble_adapter_from_objects(m, b->adapter_want, &b->adapter);
        if (r >= 0)
                r = ble_device_path(b->adapter.path, b->address, b->dev_path,
                                    sizeof(b->dev_path));
        if (r >= 0)
                r = sd_bus_message_rewind(m, 1);
        if (r >= 0)
                r = ble_objects_walk(m, objects_device, &o);
        if (r < 0) {
                ble_fail(b, r);
                return 0;
        }
        b->resolved = o.connected && o.resolved;
        if (!o.connected)
                b->disconnecting = false;
        if (!o.device)
                discover(b);
        else if (o.connected && b->disconnecting)
                wait_down(b, b->dev_path);          /* our own release, still in its hold */
        else if (b->one_link && o.other[0])
                wait_down(b, o.other);              /* the adapter takes one link at a time */
        else
                ble_connect_attempt(b);
        return 0;
}

void ble_objects(struct ble_transport *b)
{
        int r;

        b->state = BLE_OBJECTS;
        b->call = sd_bus_slot_unref(b->call);
        r = sd_bus_call_method_async(b->bus, &b->call, BLE_BUS_NAME, "/", BLE_IFACE_OBJMGR,
                                     "GetManagedObjects", on_objects_reply, b, "");
        if (r >= 0)
                r = ble_arm_timer(b, BLE_CALL_USEC);
        if (r < 0)
                ble_fail(b, r);
}

void ble_connect_timeout(struct ble_transport *b)
{
        switch (b->state) {
        case BLE_CONNECT:
                if (!b->call) { /* the pause between attempts is over */
                        ble_connect_attempt(b);
                        return;
                }
                break;
        case BLE_DISCOVER:
                ble_fail(b, -EHOSTUNREACH);
                return;
        case BLE_WAIT_DOWN:
                if (strcmp(b->wait_path, b->dev_path) != 0) {
                        /* Another device's link outlived BlueZ's hold: not ours to wait for. */
                        b->wait_path[0] = '\0';
                        ble_connect_attempt(b);
                } else if (!b->forgot) {
                        forget_device(b);
                } else {
                        ble_fail(b, -ETIMEDOUT);
                }
                return;
        case BLE_IDLE:
        case BLE_OBJECTS:
        case BLE_RESOLVE:
        case BLE_FIND:
        case BLE_SUBSCRIBE:
        case BLE_UP:
                break;
        }
        if (b->state != BLE_IDLE && b->state != BLE_UP)
                ble_fail(b, -ETIMEDOUT);
}
