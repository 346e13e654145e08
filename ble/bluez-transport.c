/* SPDX-License-Identifier: MIT */
/*
 * The transport over BlueZ GATT (include/latchkey/transport.h, spec §1.1–§1.2).
 *
 * States, one async step each, all on the caller's sd-event loop:
 *   IDLE → OBJECTS (GetManagedObjects: adapter, power, is the device known?)
 *        → DISCOVER (only if BlueZ does not know the device: discovery until it appears)
 *        → CONNECT (Device1.Connect; transient aborts are retried after a pause)
 *        → RESOLVE (until ServicesResolved)
 *        → FIND (GetManagedObjects again: the characteristics by UUID, their MTU)
 *        → SUBSCRIBE (StartNotify on each: the CCC gets 0x0002, indications)
 *        → UP
 * A failure before UP reports on_connected(-errno) and drops what we set up (disconnecting
 * the device if we connected it); after UP, a lost link (Connected false, the device object
 * removed, bluetoothd gone) reports on_disconnect. Every match, call and timer keeps its slot
 * or source here; freeing the transport cancels them all (STYLE.md §4).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ble-internal.h"
#include "latchkey/frame.h"

#define USEC_PER_MSEC 1000ull
#define USEC_PER_SEC 1000000ull

/* Limits and pacing. Generous: a TCG guest is 10–50× slower than a Pi (virtual-radio.md). */
#define BLE_DISCOVER_USEC      (30 * USEC_PER_SEC)
#define BLE_CONNECT_CALL_USEC  (30 * USEC_PER_SEC) /* one Device1.Connect */
#define BLE_CONNECT_ATTEMPTS   6u                  /* field-lessons.md: aborts are routine */
#define BLE_RETRY_BASE_USEC    (300 * USEC_PER_MSEC) /* × attempt */
#define BLE_RESOLVE_USEC       (30 * USEC_PER_SEC)
#define BLE_CALL_USEC          (30 * USEC_PER_SEC) /* StartNotify, WriteValue */
#define BLE_RESCAN_USEC        (4 * USEC_PER_SEC)  /* btvirt reports only on enable edges */
#define BLE_DISCONNECT_USEC    (8 * USEC_PER_SEC)  /* BlueZ waits 2 s, then HCI: 2.1–3.3 s */
#define BLE_ATT_MTU_DEFAULT    23u                 /* spec §1.2 */
#define BLE_ATT_VALUE_MAX      512u                /* ATT: longest attribute value */

enum ble_state {
        BLE_IDLE,
        BLE_OBJECTS,
        BLE_DISCOVER,
        BLE_CONNECT,
        BLE_RESOLVE,
        BLE_FIND,
        BLE_SUBSCRIBE,
        BLE_UP,
};

struct ble_write {
        struct ble_write *next;
        struct ble_transport *t;
        enum lk_channel ch;
        sd_bus_slot *slot;
};

struct ble_char {
        char path[160];
        bool present;
        bool subscribed;
        bool trim;                /* cut stale bytes after a message's end (see on_char_changed) */
        sd_bus_slot *notify_slot;
        struct lk_reasm reasm;    /* only to know where a message ends */
};

struct ble_transport {
        struct lk_transport head; /* first: the generic functions cast to it */
        sd_event *event;
        sd_bus *bus;
        char *adapter_want;       /* NULL: first powered */
        char address[LK_BLE_ADDRESS_SIZE];
        struct ble_adapter adapter;
        char dev_path[128];

        enum ble_state state;
        bool we_connected;        /* Device1.Connect succeeded: Disconnect on the way out */
        bool resolved;            /* ServicesResolved seen true */
        unsigned attempt;
        unsigned stale;           /* NotConnected before UP: BlueZ's device state is stuck */
        int last_error;
        struct lk_link_info info;
        struct ble_char chars[LK_CH_COUNT];
        unsigned subscribing;

        sd_bus_slot *match_props, *match_objects, *match_owner;
        sd_bus_slot *call, *call_filter, *call_discovery;
        sd_bus_slot *call_disconnect;     /* our Device1.Disconnect, until the link is down */
        sd_event_source *timer, *rescan;
        struct ble_write *writes;
};

static struct ble_transport *ble_of(struct lk_transport *t)
{
        return (struct ble_transport *)t;
}

static void writes_drop(struct ble_transport *b)
{
        while (b->writes) {
                struct ble_write *w = b->writes;

                b->writes = w->next;
                sd_bus_slot_unref(w->slot);
                free(w);
        }
}

static void discovery_stop(struct ble_transport *b)
{
        b->rescan = sd_event_source_disable_unref(b->rescan);
        b->call_filter = sd_bus_slot_unref(b->call_filter);
        if (b->call_discovery) {
                b->call_discovery = sd_bus_slot_unref(b->call_discovery);
                (void) ble_call_noreply(b->bus, b->adapter.path, BLE_IFACE_ADAPTER,
                                        "StopDiscovery");
        }
}

static int on_disconnect_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;

        /* BlueZ answers Disconnect once the link is gone (or with NotConnected: also gone). */
        b->call_disconnect = sd_bus_slot_unref(b->call_disconnect);
        return 0;
}

/*
 * Wait, bounded, until BlueZ confirms our Disconnect. BlueZ holds the link 2 s after
 * Device1.Disconnect before it takes it down; leaving earlier hands the next client (the
 * Nuki app, a Bridge, our next command or the next lock's session) a lock that is still
 * busy with us (field-lessons.md: the lock allows few connections), and gives the central
 * two links at once. Our private bus carries nothing else by now: every match is dropped.
 */
static uint64_t mono_usec(void)
{
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for CLOCK_MONOTONIC */
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000u;
}

static void disconnect_wait(struct ble_transport *b)
{
        uint64_t now, end = mono_usec() + BLE_DISCONNECT_USEC;

        while (b->call_disconnect && (now = mono_usec()) < end) {
                int r = sd_bus_process(b->bus, NULL);

                if (r < 0)
                        return;
                if (r == 0 && sd_bus_wait(b->bus, end - now) < 0)
                        return;
        }
}

/* Drop everything; disconnect the device if we connected it. No callbacks. */
static void ble_reset(struct ble_transport *b)
{
        size_t i;

        discovery_stop(b);
        b->match_props = sd_bus_slot_unref(b->match_props);
        b->match_objects = sd_bus_slot_unref(b->match_objects);
        b->match_owner = sd_bus_slot_unref(b->match_owner);
        b->call = sd_bus_slot_unref(b->call);
        b->timer = sd_event_source_disable_unref(b->timer);
        writes_drop(b);
        for (i = 0; i < LK_CH_COUNT; i++) {
                b->chars[i].notify_slot = sd_bus_slot_unref(b->chars[i].notify_slot);
                b->chars[i] = (struct ble_char){ 0 };
        }
        if (b->we_connected && b->dev_path[0]) {
                b->call_disconnect = sd_bus_slot_unref(b->call_disconnect);
                (void) sd_bus_call_method_async(b->bus, &b->call_disconnect, BLE_BUS_NAME,
                                                b->dev_path, BLE_IFACE_DEVICE, "Disconnect",
                                                on_disconnect_reply, b, "");
        }
        b->we_connected = false;
        b->resolved = false;
        b->subscribing = 0;
        b->state = BLE_IDLE;
}

static void connect_attempt(struct ble_transport *b);
static int arm_timer(struct ble_transport *b, uint64_t usec);
static void discover(struct ble_transport *b);
static void ble_fail(struct ble_transport *b, int error);

static int on_device_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;

        b->call = sd_bus_slot_unref(b->call);
        /* DoesNotExist is fine: gone is what we wanted. Find it again from its adverts. */
        discover(b);
        return 0;
}

/*
 * BlueZ can keep a device flagged "disconnecting" after the previous client's Disconnect
 * (seen with two locks on one central): Connect answers AlreadyConnected and every
 * StartNotify NotConnected, forever. Removing the device object clears that state; the lock
 * is found again from its advertisements. Nuki locks do not bond, so nothing is lost.
 */
static bool forget_device(struct ble_transport *b)
{
        b->state = BLE_DISCOVER; /* its InterfacesRemoved is then no failure */
        b->we_connected = false;
        b->resolved = false;
        b->attempt = 0;
        if (sd_bus_call_method_async(b->bus, &b->call, BLE_BUS_NAME, b->adapter.path, BLE_IFACE_ADAPTER,
                                     "RemoveDevice", on_device_removed, b, "o", b->dev_path) < 0)
                return false;
        return arm_timer(b, BLE_DISCOVER_USEC) >= 0;
}

/*
 * Before UP, a link that drops (NotConnected from StartNotify, Connected turning false) is
 * most often the previous client's Disconnect still completing: BlueZ showed the device
 * connected and resolved, then took it down. Start over from Device1.Connect after a pause,
 * within the same attempt budget. Returns true when a retry was armed.
 */
static bool connect_retry(struct ble_transport *b, int error)
{
        size_t i;

        if (error != -ENOTCONN && error != -ECONNRESET)
                return false;
        if (b->state < BLE_CONNECT || b->state == BLE_UP || b->attempt >= BLE_CONNECT_ATTEMPTS)
                return false;
        b->call = sd_bus_slot_unref(b->call);
        writes_drop(b);
        for (i = 0; i < LK_CH_COUNT; i++) {
                b->chars[i].notify_slot = sd_bus_slot_unref(b->chars[i].notify_slot);
                b->chars[i] = (struct ble_char){ 0 };
        }
        b->resolved = false;
        b->subscribing = 0;
        b->last_error = error;
        /* Ordinary races clear within a retry or two; the third NotConnected in one connect
         * means a stuck device: forget it as a last resort (once), then rediscover. */
        if (error == -ENOTCONN && ++b->stale == 3)
                return forget_device(b);
        b->state = BLE_CONNECT;
        return arm_timer(b, BLE_RETRY_BASE_USEC * b->attempt) >= 0;
}

/* The link failed or went down. Last thing a handler does: the callback may free us. */
static void ble_fail(struct ble_transport *b, int error)
{
        enum ble_state was = b->state;

        if (connect_retry(b, error))
                return;

        ble_reset(b);
        switch (was) {
        case BLE_OBJECTS:
        case BLE_DISCOVER:
        case BLE_CONNECT:
        case BLE_RESOLVE:
        case BLE_FIND:
        case BLE_SUBSCRIBE:
                if (b->head.cb->on_connected)
                        b->head.cb->on_connected(b->head.userdata, error, NULL);
                break;
        case BLE_UP:
                if (b->head.cb->on_disconnect)
                        b->head.cb->on_disconnect(b->head.userdata, error);
                break;
        case BLE_IDLE:
                break;
        }
}

static int reply_error(sd_bus_message *m)
{
        const sd_bus_error *e = sd_bus_message_get_error(m);

        return e ? ble_error_to_errno(e) : 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata);

static int arm_timer(struct ble_transport *b, uint64_t usec)
{
        int r;

        if (!b->timer) {
                r = sd_event_add_time_relative(b->event, &b->timer, CLOCK_MONOTONIC, usec, 0,
                                               on_timeout, b);
                if (r >= 0)
                        (void) sd_event_source_set_description(b->timer, "lk-ble-timeout");
                return r;
        }
        r = sd_event_source_set_time_relative(b->timer, usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(b->timer, SD_EVENT_ONESHOT);
        return r;
}

static void disarm_timer(struct ble_transport *b)
{
        if (b->timer)
                (void) sd_event_source_set_enabled(b->timer, SD_EVENT_OFF);
}

/* ---- UP: indications and writes ---- */

static int ch_of_path(struct ble_transport *b, const char *path)
{
        int i;

        for (i = 0; i < LK_CH_COUNT; i++)
                if (b->chars[i].present && strcmp(b->chars[i].path, path) == 0)
                        return i;
        return -1;
}

/* PropertiesChanged of a characteristic: a Value is one indication (spec §1.2). */
static int on_char_changed(struct ble_transport *b, int ch, sd_bus_message *m)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const void *data = NULL;
                const char *key;
                size_t n = 0;

                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "Value") != 0) {
                        r = sd_bus_message_skip(m, "v");
                        if (r < 0)
                                return r;
                        r = sd_bus_message_exit_container(m);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = sd_bus_message_enter_container(m, 'v', "ay");
                if (r <= 0)
                        return -EBADMSG;
                r = sd_bus_message_read_array(m, 'y', &data, &n);
                if (r < 0)
                        return r;
                if (b->state != BLE_UP || !b->chars[ch].subscribed)
                        return 0; /* before StartNotify completed: not ours to deliver */
                /* spec §1.2: at most ATT_MTU − 3 per indication; never more than ATT allows. */
                if (n > BLE_ATT_VALUE_MAX || n > (size_t)b->info.mtu - 3u) {
                        ble_fail(b, -EMSGSIZE);
                        return 1;
                }
                /*
                 * BlueZ 5.66 keeps a remote characteristic's value in its GATT cache and only
                 * ever grows it (shared/gatt-db.c gatt_db_attribute_write reallocates when a
                 * value is longer, never shortens it): an indication shorter than the one
                 * before arrives in PropertiesChanged with the old tail after it. Every message
                 * starts a fresh indication (spec §1.2), so the bytes after the end of a
                 * message in the same indication are that stale tail: cut them. The ends come
                 * from the protocol's own reassembler (length by command, or 30 + LEN).
                 */
                if (b->chars[ch].trim) {
                        size_t used = 0;
                        int k = lk_reasm_feed(&b->chars[ch].reasm, data, n, &used);

                        if (k > 0)
                                n = used;
                        else if (k < 0)
                                lk_reasm_reset(&b->chars[ch].reasm); /* let the session judge */
                }
                if (b->head.cb->on_chunk)
                        b->head.cb->on_chunk(b->head.userdata, (enum lk_channel)ch, data, n);
                return 1; /* b may be gone */
        }
        return r < 0 ? r : 0;
}

static void on_resolved(struct ble_transport *b);

/* PropertiesChanged of the device: Connected, ServicesResolved. */
static int on_device_changed(struct ble_transport *b, sd_bus_message *m)
{
        struct ble_device_props p = { 0 };
        int r;

        r = ble_device_props_read(m, &p);
        if (r < 0)
                return r;
        if (p.has_resolved)
                b->resolved = p.services_resolved;
        if (p.has_connected && !p.connected) {
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
                case BLE_CONNECT:
                        break;
                }
        }
        if (b->state == BLE_RESOLVE && b->resolved) {
                on_resolved(b);
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
        if (strcmp(iface, BLE_IFACE_DEVICE) == 0 && strcmp(path, b->dev_path) == 0)
                r = on_device_changed(b, m);
        else if (strcmp(iface, BLE_IFACE_CHAR) == 0 && (ch = ch_of_path(b, path)) >= 0)
                r = on_char_changed(b, ch, m);
        else
                return 0;
        if (r < 0 && b->state != BLE_IDLE)
                ble_fail(b, -EBADMSG);
        return 0;
}

static void on_device_added(struct ble_transport *b);

static int on_objects_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        const char *member = sd_bus_message_get_member(m), *path, *iface;
        bool device = false;
        int r;

        if (!member || sd_bus_message_read_basic(m, 'o', &path) < 0 ||
            strcmp(path, b->dev_path) != 0)
                return 0;
        if (strcmp(member, "InterfacesAdded") == 0) {
                if (b->state == BLE_DISCOVER)
                        on_device_added(b);
                return 0;
        }
        if (strcmp(member, "InterfacesRemoved") != 0)
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return 0;
        while (sd_bus_message_read_basic(m, 's', &iface) > 0)
                if (strcmp(iface, BLE_IFACE_DEVICE) == 0)
                        device = true;
        if (!device)
                return 0;
        switch (b->state) {
        case BLE_CONNECT:
        case BLE_RESOLVE:
        case BLE_FIND:
        case BLE_SUBSCRIBE:
        case BLE_UP:
                b->we_connected = false;
                ble_fail(b, b->state == BLE_UP ? -ECONNRESET : -EHOSTUNREACH);
                break;
        case BLE_IDLE:
        case BLE_OBJECTS:
        case BLE_DISCOVER:
                break;
        }
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
                ble_fail(b, b->state == BLE_UP ? -ECONNRESET : -EHOSTDOWN);
        }
        return 0;
}

static int on_write_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_write *w = userdata, **pp;
        struct ble_transport *b = w->t;
        enum lk_channel ch = w->ch;
        int r = reply_error(m);

        for (pp = &b->writes; *pp; pp = &(*pp)->next)
                if (*pp == w) {
                        *pp = w->next;
                        break;
                }
        sd_bus_slot_unref(w->slot);
        free(w);
        if (b->head.cb->on_sent)
                b->head.cb->on_sent(b->head.userdata, ch, r);
        return 0;
}

static int ble_send(struct lk_transport *t, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        struct ble_transport *b = ble_of(t);
        sd_bus_message *m = NULL;
        struct ble_write *w;
        int r;

        if (b->state != BLE_UP || !b->chars[ch].present)
                return -ENOTCONN;
        /* spec §1.1: one message = one Write (Long); BlueZ does prepare/execute past MTU − 3. */
        if (n > BLE_ATT_VALUE_MAX)
                return -EMSGSIZE;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (struct ble_write){ .t = b, .ch = ch };
        r = sd_bus_message_new_method_call(b->bus, &m, BLE_BUS_NAME, b->chars[ch].path,
                                           BLE_IFACE_CHAR, "WriteValue");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', msg, n);
        /* gatt-api.txt: type "request" is a Write Request, long when needed. */
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}", 1, "type", "s", "request");
        if (r >= 0)
                r = sd_bus_call_async(b->bus, &w->slot, m, on_write_reply, w, BLE_CALL_USEC);
        sd_bus_message_unref(m);
        if (r < 0) {
                free(w);
                return r;
        }
        w->next = b->writes;
        b->writes = w;
        return 0;
}

/* ---- SUBSCRIBE ---- */

static int on_subscribed(struct ble_transport *b, enum lk_channel ch, int error)
{
        b->chars[ch].notify_slot = sd_bus_slot_unref(b->chars[ch].notify_slot);
        if (error < 0) {
                ble_fail(b, error);
                return 0;
        }
        b->chars[ch].subscribed = true;
        if (--b->subscribing > 0)
                return 0;
        disarm_timer(b);
        for (int i = 0; i < LK_CH_COUNT; i++) {
                /* spec §1.2: USDIO is sealed, the GDIOs plain — except Ultra's pairing GDIO,
                 * which carries a sealed step (§4.3): left untrimmed. */
                b->chars[i].trim = !(i == LK_CH_PAIRING && b->info.generation == LK_GEN_ULTRA);
                lk_reasm_init(&b->chars[i].reasm,
                              i == LK_CH_USDIO ? LK_FRAMING_SEALED : LK_FRAMING_PLAIN);
        }
        b->state = BLE_UP;
        if (b->head.cb->on_connected)
                b->head.cb->on_connected(b->head.userdata, 0, &b->info);
        return 0;
}

static int on_notify_pairing(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        return on_subscribed(userdata, LK_CH_PAIRING, reply_error(m));
}

static int on_notify_keyturner(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        return on_subscribed(userdata, LK_CH_KEYTURNER, reply_error(m));
}

static int on_notify_usdio(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        return on_subscribed(userdata, LK_CH_USDIO, reply_error(m));
}

static void subscribe(struct ble_transport *b)
{
        static const sd_bus_message_handler_t handlers[LK_CH_COUNT] = {
                [LK_CH_PAIRING] = on_notify_pairing,
                [LK_CH_KEYTURNER] = on_notify_keyturner,
                [LK_CH_USDIO] = on_notify_usdio,
        };
        int i, r;

        b->state = BLE_SUBSCRIBE;
        b->subscribing = 0;
        /* spec §1.1: indications on every channel, re-enabled on each connect (the CCC is not
         * kept). StartNotify, not AcquireNotify: 5.66 refuses the latter on indicate-only. */
        for (i = 0; i < LK_CH_COUNT; i++) {
                if (!b->chars[i].present)
                        continue;
                r = ble_call_async(b->bus, &b->chars[i].notify_slot, b->chars[i].path,
                                   BLE_IFACE_CHAR, "StartNotify", handlers[i], b, BLE_CALL_USEC);
                if (r < 0) {
                        ble_fail(b, r);
                        return;
                }
                b->subscribing++;
        }
        if (arm_timer(b, BLE_CALL_USEC) < 0)
                ble_fail(b, -ENOMEM);
}

/* ---- FIND ---- */

struct find_ctx {
        struct ble_transport *b;
        size_t prefix;
        enum lk_ble_family family;
        uint16_t mtu;
};

struct char_props {
        const char *uuid;
        uint16_t mtu;
};

static int char_prop(void *userdata, const char *key, sd_bus_message *m)
{
        struct char_props *c = userdata;
        int r;

        if (strcmp(key, "UUID") == 0)
                r = sd_bus_message_read(m, "v", "s", &c->uuid);
        else if (strcmp(key, "MTU") == 0) /* BlueZ 5.62+: the ATT MTU of the link */
                r = sd_bus_message_read(m, "v", "q", &c->mtu);
        else
                return 0;
        return r < 0 ? r : 1;
}

static int find_one(void *userdata, const char *path, const char *iface, sd_bus_message *m)
{
        struct find_ctx *f = userdata;
        struct ble_transport *b = f->b;
        struct char_props c = { 0 };
        enum lk_channel ch;
        enum lk_ble_family fam;
        int r;

        if (strcmp(iface, BLE_IFACE_CHAR) != 0 || strncmp(path, b->dev_path, f->prefix) != 0 ||
            path[f->prefix] != '/')
                return 0;
        r = ble_props_walk(m, char_prop, &c);
        if (r < 0)
                return r;
        if (!c.uuid || ble_uuid_channel(c.uuid, &ch, &fam) < 0)
                return 1;
        if (strlen(path) >= sizeof(b->chars[ch].path))
                return 1;
        memcpy(b->chars[ch].path, path, strlen(path) + 1);
        b->chars[ch].present = true;
        if (ch == LK_CH_PAIRING)
                f->family = fam;
        else if (f->family == LK_BLE_FAMILY_UNKNOWN && fam == LK_BLE_FAMILY_OPENER)
                f->family = fam;
        if (c.mtu >= BLE_ATT_MTU_DEFAULT && (f->mtu == 0 || c.mtu < f->mtu))
                f->mtu = c.mtu;
        return 1;
}

static int on_find_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        struct find_ctx f = { .b = b, .prefix = strlen(b->dev_path) };
        int r = reply_error(m);

        b->call = sd_bus_slot_unref(b->call);
        if (r >= 0)
                r = ble_objects_walk(m, find_one, &f);
        if (r < 0) {
                ble_fail(b, r);
                return 0;
        }
        /* spec §1.1: the pairing characteristic tells the generation; keyturner GDIO and USDIO
         * must be there. A stale GATT cache shows up here too. */
        if (!b->chars[LK_CH_PAIRING].present || !b->chars[LK_CH_KEYTURNER].present ||
            !b->chars[LK_CH_USDIO].present ||
            lk_ble_family_generation(f.family, &b->info.generation) < 0) {
                ble_fail(b, -ENOENT);
                return 0;
        }
        b->info.mtu = f.mtu >= BLE_ATT_MTU_DEFAULT ? f.mtu : BLE_ATT_MTU_DEFAULT;
        subscribe(b);
        return 0;
}

static void on_resolved(struct ble_transport *b)
{
        int r;

        b->state = BLE_FIND;
        r = sd_bus_call_method_async(b->bus, &b->call, BLE_BUS_NAME, "/", BLE_IFACE_OBJMGR,
                                     "GetManagedObjects", on_find_reply, b, "");
        if (r >= 0)
                r = arm_timer(b, BLE_CALL_USEC);
        if (r < 0)
                ble_fail(b, r);
}

/* ---- CONNECT / RESOLVE ---- */

static int on_resolved_get(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        int v = 0, r = reply_error(m);

        b->call = sd_bus_slot_unref(b->call);
        if (r >= 0)
                r = sd_bus_message_read(m, "v", "b", &v);
        if (r < 0) {
                ble_fail(b, r);
                return 0;
        }
        if (v || b->resolved)
                on_resolved(b);
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
                        /* field-lessons.md: retry le-connection-abort-by-local and friends. */
                        b->last_error = ble_error_to_errno(e);
                        if (arm_timer(b, BLE_RETRY_BASE_USEC * b->attempt) < 0)
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
                on_resolved(b);
                return 0;
        }
        r = sd_bus_call_method_async(b->bus, &b->call, BLE_BUS_NAME, b->dev_path, BLE_IFACE_PROPS,
                                     "Get", on_resolved_get, b, "ss", BLE_IFACE_DEVICE,
                                     "ServicesResolved");
        if (r >= 0)
                r = arm_timer(b, BLE_RESOLVE_USEC);
        if (r < 0)
                ble_fail(b, r);
        return 0;
}

static void connect_attempt(struct ble_transport *b)
{
        int r;

        b->state = BLE_CONNECT;
        b->attempt++;
        r = ble_call_async(b->bus, &b->call, b->dev_path, BLE_IFACE_DEVICE, "Connect",
                           on_connect_reply, b, BLE_CONNECT_CALL_USEC);
        if (r >= 0)
                disarm_timer(b);
        if (r < 0)
                ble_fail(b, r);
}

/* ---- DISCOVER ---- */

static void on_device_added(struct ble_transport *b)
{
        discovery_stop(b);
        connect_attempt(b);
}

static int on_discovery_started(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        int r = reply_error(m);

        /* InProgress: our own earlier start still runs; fine. */
        if (r < 0 && r != -EBUSY) {
                b->call_discovery = sd_bus_slot_unref(b->call_discovery);
                ble_fail(b, r);
        }
        return 0;
}

static int on_rescan(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct ble_transport *b = userdata;
        int r;

        /* virtual-radio.md: a report can be lost while discovery is STARTING; btvirt sends
         * one only on enable edges. Stop and start again. */
        b->call_filter = sd_bus_slot_unref(b->call_filter);
        b->call_discovery = sd_bus_slot_unref(b->call_discovery);
        (void) ble_call_noreply(b->bus, b->adapter.path, BLE_IFACE_ADAPTER, "StopDiscovery");
        r = ble_discovery_start(b->bus, b->adapter.path, &b->call_filter, &b->call_discovery,
                                on_discovery_started, b);
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
                r = arm_timer(b, BLE_DISCOVER_USEC);
        if (r < 0)
                ble_fail(b, r);
}

/* ---- OBJECTS ---- */

struct objects_ctx {
        const char *dev_path;
        bool device, connected, resolved;
};

static int objects_device(void *userdata, const char *path, const char *iface,
                          sd_bus_message *m)
{
        struct objects_ctx *o = userdata;
        struct ble_device_props p = { 0 };
        int r;

        if (strcmp(iface, BLE_IFACE_DEVICE) != 0 || strcmp(path, o->dev_path) != 0)
                return 0;
        r = ble_device_props_read(m, &p);
        if (r < 0)
                return r;
        o->device = true;
        o->connected = p.connected;
        o->resolved = p.services_resolved;
        return 1;
}

static int on_objects_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_transport *b = userdata;
        struct objects_ctx o = { 0 };
        int r = reply_error(m);

        b->call = sd_bus_slot_unref(b->call);
        if (r >= 0)
                r = ble_adapter_from_objects(m, b->adapter_want, &b->adapter);
        if (r >= 0)
                r = ble_device_path(b->adapter.path, b->address, b->dev_path,
                                    sizeof(b->dev_path));
        if (r >= 0)
                r = sd_bus_message_rewind(m, 1);
        if (r >= 0) {
                o.dev_path = b->dev_path;
                r = ble_objects_walk(m, objects_device, &o);
        }
        if (r < 0) {
                ble_fail(b, r);
                return 0;
        }
        b->resolved = o.connected && o.resolved;
        if (o.device)
                connect_attempt(b);
        else
                discover(b);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct ble_transport *b = userdata;

        switch (b->state) {
        case BLE_CONNECT:
                if (!b->call) { /* the pause between attempts is over */
                        connect_attempt(b);
                        return 0;
                }
                break;
        case BLE_DISCOVER:
                ble_fail(b, -EHOSTUNREACH);
                return 0;
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
        return 0;
}

static int ble_connect(struct lk_transport *t)
{
        struct ble_transport *b = ble_of(t);
        char match[256];
        int r;

        if (b->state != BLE_IDLE)
                return -EALREADY;
        /* Again after a disconnect of ours: let BlueZ finish taking the old link down first,
         * or Connect meets a device still "disconnecting". */
        disconnect_wait(b);
        b->call_disconnect = sd_bus_slot_unref(b->call_disconnect);
        b->attempt = 0;
        b->stale = 0;
        b->dev_path[0] = '\0';
        /* Matches before the first call: bluetoothd answers after dbus-daemon installed them.
         * The path namespace is not known before the adapter is: watch all of org.bluez. */
        snprintf(match, sizeof(match),
                 "type='signal',sender='" BLE_BUS_NAME "',interface='" BLE_IFACE_PROPS
                 "',member='PropertiesChanged',path_namespace='/org/bluez'");
        r = sd_bus_add_match_async(b->bus, &b->match_props, match, on_properties_changed, NULL,
                                   b);
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
        if (r >= 0)
                r = sd_bus_call_method_async(b->bus, &b->call, BLE_BUS_NAME, "/", BLE_IFACE_OBJMGR,
                                             "GetManagedObjects", on_objects_reply, b, "");
        if (r >= 0) {
                b->state = BLE_OBJECTS;
                r = arm_timer(b, BLE_CALL_USEC);
        }
        if (r < 0) {
                ble_reset(b);
                return r;
        }
        return 0;
}

static void ble_disconnect(struct lk_transport *t)
{
        ble_reset(ble_of(t));
}

static void ble_free(struct lk_transport *t)
{
        struct ble_transport *b = ble_of(t);

        ble_reset(b);
        disconnect_wait(b);
        b->call_disconnect = sd_bus_slot_unref(b->call_disconnect);
        /* Flush: a StopDiscovery just queued must reach bluetoothd. */
        sd_bus_flush_close_unref(b->bus);
        sd_event_unref(b->event);
        free(b->adapter_want);
        free(b);
}

static const struct lk_transport_ops ble_ops = {
        .name = "ble",
        .connect = ble_connect,
        .send = ble_send,
        .disconnect = ble_disconnect,
        .free = ble_free,
};

int lk_transport_ble_new(sd_event *event, const char *adapter, const char *address,
                         const struct lk_transport_cb *cb, void *userdata,
                         struct lk_transport **ret)
{
        struct ble_transport *b;
        size_t i;
        int r;

        if (!event || !cb || !ret || !lk_ble_address_is_valid(address))
                return -EINVAL;
        if (adapter && (!*adapter || strlen(adapter) > 32))
                return -EINVAL;
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->head = (struct lk_transport){ .ops = &ble_ops, .cb = cb, .userdata = userdata };
        for (i = 0; i < LK_BLE_ADDRESS_SIZE; i++)
                b->address[i] = (address[i] >= 'a' && address[i] <= 'f')
                                        ? (char)(address[i] - 'a' + 'A') : address[i];
        if (adapter && !(b->adapter_want = strdup(adapter))) {
                free(b);
                return -ENOMEM;
        }
        r = ble_bus_open(event, &b->bus);
        if (r < 0) {
                free(b->adapter_want);
                free(b);
                return r;
        }
        b->event = sd_event_ref(event);
        b->state = BLE_IDLE;
        *ret = &b->head;
        return 0;
}
