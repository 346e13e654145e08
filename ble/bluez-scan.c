/* SPDX-License-Identifier: MIT */
/*
 * Scanning for Nuki devices through BlueZ discovery (spec §1.4). BlueZ keeps a Device1 object
 * per advertiser with its last advertisement split into properties; we read them whole
 * (GetManagedObjects at start, InterfacesAdded, then Properties.GetAll on every change) and
 * run them through the pure parser. An advertiser is reported when it is a Nuki device and
 * again when what it advertises changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ble-internal.h"

#define USEC_PER_SEC 1000000ull
#define SCAN_RESCAN_USEC (4 * USEC_PER_SEC) /* btvirt reports only on scan-enable edges */
#define SCAN_DEVICES_MAX 256u                /* a busy street; more are ignored */

struct scan_device {
        struct scan_device *next;
        struct lk_ble_scan *scan;
        char path[128];
        sd_bus_slot *get;         /* GetAll in flight */
        bool reported;
        struct lk_ble_scan_result last;
};

struct lk_ble_scan {
        sd_event *event;
        sd_bus *bus;
        struct ble_adapter adapter;
        lk_ble_scan_fn cb;
        void *userdata;
        sd_bus_slot *match_props, *match_added, *call_objects, *call_filter, *call_start;
        sd_event_source *rescan;
        struct scan_device *devices;
        unsigned n_devices;
};

static bool under_adapter(const struct lk_ble_scan *s, const char *path)
{
        size_t n = strlen(s->adapter.path);

        return strncmp(path, s->adapter.path, n) == 0 && strncmp(path + n, "/dev_", 5) == 0 &&
               !strchr(path + n + 1, '/');
}

static struct scan_device *device_get(struct lk_ble_scan *s, const char *path, bool create)
{
        struct scan_device *d;

        for (d = s->devices; d; d = d->next)
                if (strcmp(d->path, path) == 0)
                        return d;
        if (!create || s->n_devices >= SCAN_DEVICES_MAX || strlen(path) >= sizeof(d->path))
                return NULL;
        d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->scan = s;
        memcpy(d->path, path, strlen(path) + 1);
        d->next = s->devices;
        s->devices = d;
        s->n_devices++;
        return d;
}

/* The whole Device1 property set of one device, at m's a{sv}. */
static int device_update(struct lk_ble_scan *s, struct scan_device *d, sd_bus_message *m)
{
        struct ble_device_props p = { 0 };
        struct lk_ble_scan_result res = { 0 };
        int r;

        lk_adv_init(&p.adv);
        r = ble_device_props_read(m, &p);
        if (r < 0)
                return r;
        /* Bad advertisements are dropped (the parser said why); never reported half-read. */
        if (!p.has_address || !p.adv.nuki || p.adv_bad)
                return 1;
        memcpy(res.address, p.address, sizeof(res.address));
        /* BlueZ: 127 means "not available" (btvirt says so for every report). */
        res.has_rssi = p.has_rssi && p.rssi != 127;
        res.rssi = res.has_rssi ? p.rssi : 0;
        res.adv = p.adv;
        if (d->reported && memcmp(&res, &d->last, sizeof(res)) == 0)
                return 1;
        d->last = res;
        d->reported = true;
        if (s->cb)
                s->cb(s->userdata, &res);
        return 1;
}

static int on_objects_device(void *userdata, const char *path, const char *iface,
                             sd_bus_message *m)
{
        struct lk_ble_scan *s = userdata;
        struct scan_device *d;

        if (strcmp(iface, BLE_IFACE_DEVICE) != 0 || !under_adapter(s, path))
                return 0;
        d = device_get(s, path, true);
        if (!d)
                return 0;
        return device_update(s, d, m);
}

static int on_objects_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct lk_ble_scan *s = userdata;

        s->call_objects = sd_bus_slot_unref(s->call_objects);
        if (!sd_bus_message_is_method_error(m, NULL))
                (void) ble_objects_walk(m, on_objects_device, s);
        return 0;
}

static int on_added(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct lk_ble_scan *s = userdata;
        const char *path;

        if (sd_bus_message_read_basic(m, 'o', &path) < 0 || !under_adapter(s, path))
                return 0;
        (void) ble_interfaces_walk(m, path, on_objects_device, s);
        return 0;
}

static int on_getall_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct scan_device *d = userdata;

        d->get = sd_bus_slot_unref(d->get);
        if (!sd_bus_message_is_method_error(m, NULL))
                (void) device_update(d->scan, d, m);
        return 0;
}

static int on_props_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct lk_ble_scan *s = userdata;
        const char *path = sd_bus_message_get_path(m), *iface;
        struct scan_device *d;

        if (!path || !under_adapter(s, path) || sd_bus_message_read_basic(m, 's', &iface) < 0 ||
            strcmp(iface, BLE_IFACE_DEVICE) != 0)
                return 0;
        d = device_get(s, path, true);
        if (!d || d->get)
                return 0; /* the GetAll in flight will see this change too */
        (void) sd_bus_call_method_async(s->bus, &d->get, BLE_BUS_NAME, path, BLE_IFACE_PROPS,
                                        "GetAll", on_getall_reply, d, "s", BLE_IFACE_DEVICE);
        return 0;
}

static int on_started(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct lk_ble_scan *s = userdata;

        s->call_start = sd_bus_slot_unref(s->call_start);
        return 0;
}

/* The restart's second half, once StopDiscovery has answered: bluetoothd refuses a client's
 * StartDiscovery while its stop is still under way (org.bluez.Error.InProgress, adapter.c), and
 * a restart sent in one go then left the scan off for good. */
static int on_stopped(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct lk_ble_scan *s = userdata;

        s->call_start = sd_bus_slot_unref(s->call_start);
        (void) ble_discovery_start(s->bus, s->adapter.path, &s->call_filter, &s->call_start,
                                   on_started, s);
        return 0;
}

static int on_rescan(sd_event_source *src, uint64_t usec, void *userdata)
{
        struct lk_ble_scan *s = userdata;

        /* virtual-radio.md: reports come on enable edges; a restart makes one. A report that
         * comes before the kernel counts the scan as discovery is dropped there, so the first
         * edge alone may show nothing. */
        s->call_filter = sd_bus_slot_unref(s->call_filter);
        s->call_start = sd_bus_slot_unref(s->call_start);
        (void) ble_call_async(s->bus, &s->call_start, s->adapter.path, BLE_IFACE_ADAPTER, "StopDiscovery",
                              on_stopped, s, 0);
        (void) sd_event_source_set_time_relative(src, SCAN_RESCAN_USEC);
        (void) sd_event_source_set_enabled(src, SD_EVENT_ON);
        return 0;
}

struct lk_ble_scan *lk_ble_scan_free(struct lk_ble_scan *s)
{
        if (!s)
                return NULL;
        while (s->devices) {
                struct scan_device *d = s->devices;

                s->devices = d->next;
                sd_bus_slot_unref(d->get);
                free(d);
        }
        sd_bus_slot_unref(s->match_props);
        sd_bus_slot_unref(s->match_added);
        sd_bus_slot_unref(s->call_objects);
        sd_bus_slot_unref(s->call_filter);
        sd_bus_slot_unref(s->call_start);
        sd_event_source_disable_unref(s->rescan);
        if (s->bus && s->adapter.path[0])
                (void) ble_call_noreply(s->bus, s->adapter.path, BLE_IFACE_ADAPTER,
                                        "StopDiscovery");
        sd_bus_flush_close_unref(s->bus);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

int lk_ble_scan_new(sd_event *event, const char *adapter, lk_ble_scan_fn cb, void *userdata,
                    struct lk_ble_scan **ret)
{
        struct lk_ble_scan *s;
        char match[256];
        int r;

        if (!event || !ret)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->cb = cb;
        s->userdata = userdata;
        r = ble_bus_open(event, &s->bus);
        if (r >= 0)
                r = ble_adapter_pick(s->bus, adapter, &s->adapter);
        if (r < 0)
                goto fail;
        snprintf(match, sizeof(match),
                 "type='signal',sender='" BLE_BUS_NAME "',interface='" BLE_IFACE_PROPS
                 "',member='PropertiesChanged',path_namespace='%s'", s->adapter.path);
        r = sd_bus_add_match_async(s->bus, &s->match_props, match, on_props_changed, NULL, s);
        if (r >= 0)
                r = sd_bus_add_match_async(s->bus, &s->match_added,
                                           "type='signal',sender='" BLE_BUS_NAME
                                           "',interface='" BLE_IFACE_OBJMGR
                                           "',member='InterfacesAdded',path='/'",
                                           on_added, NULL, s);
        if (r >= 0)
                r = sd_bus_call_method_async(s->bus, &s->call_objects, BLE_BUS_NAME, "/",
                                             BLE_IFACE_OBJMGR, "GetManagedObjects",
                                             on_objects_reply, s, "");
        if (r >= 0)
                r = ble_discovery_start(s->bus, s->adapter.path, &s->call_filter, &s->call_start,
                                        on_started, s);
        if (r >= 0)
                r = sd_event_add_time_relative(event, &s->rescan, CLOCK_MONOTONIC,
                                               SCAN_RESCAN_USEC, 0, on_rescan, s);
        if (r < 0)
                goto fail;
        *ret = s;
        return 0;
fail:
        lk_ble_scan_free(s);
        return r;
}

/* ---- lk_ble_scan_collect ---- */

struct collect {
        struct lk_ble_scan_result *list;
        size_t n;
        size_t stop_after;
        bool done;
        int error;
};

static void collect_one(void *userdata, const struct lk_ble_scan_result *res)
{
        struct collect *c = userdata;
        struct lk_ble_scan_result *grown;
        size_t i;

        for (i = 0; i < c->n; i++)
                if (strcmp(c->list[i].address, res->address) == 0) {
                        c->list[i] = *res;
                        return;
                }
        if (c->n >= SCAN_DEVICES_MAX)
                return;
        grown = realloc(c->list, (c->n + 1) * sizeof(*grown));
        if (!grown) {
                c->error = -ENOMEM;
                c->done = true;
                return;
        }
        c->list = grown;
        c->list[c->n++] = *res;
        if (c->stop_after > 0 && c->n >= c->stop_after)
                c->done = true;
}

static int on_collect_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
        ((struct collect *)userdata)->done = true;
        return 0;
}

int lk_ble_scan_collect(sd_event *event, const char *adapter, uint64_t duration_usec,
                        size_t stop_after, struct lk_ble_scan_result **ret, size_t *ret_n)
{
        struct collect c = { .stop_after = stop_after };
        struct lk_ble_scan *s = NULL;
        sd_event_source *timer = NULL;
        int r;

        if (!event || !ret || !ret_n)
                return -EINVAL;
        r = lk_ble_scan_new(event, adapter, collect_one, &c, &s);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(event, &timer, CLOCK_MONOTONIC, duration_usec, 0,
                                       on_collect_timer, &c);
        while (r >= 0 && !c.done)
                r = sd_event_run(event, UINT64_MAX);
        sd_event_source_disable_unref(timer);
        lk_ble_scan_free(s);
        if (r >= 0 && c.error < 0)
                r = c.error;
        if (r < 0) {
                free(c.list);
                return r;
        }
        *ret = c.list;
        *ret_n = c.n;
        return 0;
}
