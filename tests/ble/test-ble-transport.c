/* SPDX-License-Identifier: MIT */
/*
 * The BlueZ transport's state machine (ble/bluez-*.c) against a fake bluetoothd on a private
 * D-Bus daemon ($LATCHKEY_BLE_BUS). The fake behaves as BlueZ 5.66 does where it matters
 * (src/device.c, src/gatt-client.c; docs/bluetooth.md):
 *   - WriteValue answers InProgress while a write on that characteristic is pending;
 *   - Disconnect holds the link (a timer, BlueZ's DISCONNECT_TIMER) and answers after the drop;
 *     during the hold Connect answers success at once and StartNotify answers NotConnected;
 * and can behave as the locks of issue 14 do: answer (indicate) before the Write Response,
 * hide the pairing service, send an unencrypted Error Report on the USDIO, be an Opener, have
 * another client's write in flight.
 * Nothing sleeps: the test runs the loop until what it waits for has happened.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "lk-test.h"
#include "latchkey/ble.h"
#include "latchkey/frame.h"
#include "latchkey/gatt.h"

/* The fake's methods answer whoever calls, even a caller that has left the bus (a released
 * transport's Disconnect): sd-bus would otherwise look up the caller's credentials first. */
#define ADAPTER "/org/bluez/hci0"
#define LOCK_ADDR "00:AA:01:00:00:01"
#define LOCK_PATH ADAPTER "/dev_00_AA_01_00_00_01"
#define OTHER_PATH ADAPTER "/dev_00_AA_01_00_00_02"
#define HOLD_USEC 150000u /* the fake's release hold (BlueZ: 2 s) */
#define FRAME_LEN 62u     /* a sealed frame: 30-byte ADATA + LEN 32 */

struct fake;

struct fake_dev {
        struct fake *f;
        const char *path, *address;
        bool connected, resolved, holding;
        sd_bus_message *disconnect;  /* answered when the hold ends */
        sd_event_source *hold;
        unsigned real_connects;      /* Connect that brought a link up */
        unsigned dropped_at, connected_at; /* event order numbers */
        sd_bus_slot *vtable;
};

struct fake_char {
        struct fake *f;
        struct fake_dev *dev;
        char path[96];
        const char *uuid;
        unsigned start_notify;
        unsigned writes;
        sd_bus_message *pending;     /* a WriteValue whose reply is held (answer first) */
        uint8_t value[FRAME_LEN];
        size_t value_len;
        sd_bus_slot *vtable;
};

struct fake {
        sd_bus *bus;
        sd_event *event;
        struct fake_dev dev, other;
        struct fake_char chars[LK_CH_COUNT];
        sd_bus_slot *objmgr, *adapter_vt;
        sd_event_source *release; /* replies held writes, after their answers */
        /* behaviours */
        bool answer_first;
        bool plain_error;         /* answer with an unencrypted Error Report (issue 14) */
        unsigned busy_writes;     /* the next N writes meet another client's: InProgress */
        /* what happened */
        unsigned overlaps;        /* a WriteValue while one was pending: InProgress */
        unsigned in_progress;
        unsigned notify_refused;
        unsigned removes;
        unsigned order;
};

#include "private-bus.h"

/* ---- the fake bluetoothd ---- */

static int prop_str(sd_bus *bus, const char *path, const char *iface, const char *prop,
                    sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        if (strcmp(prop, "Address") == 0 && strcmp(iface, "org.bluez.Adapter1") == 0)
                return sd_bus_message_append(reply, "s", "00:AA:01:01:00:01");
        if (strcmp(prop, "Address") == 0)
                return sd_bus_message_append(reply, "s", ((struct fake_dev *)userdata)->address);
        return sd_bus_message_append(reply, "s", ((struct fake_char *)userdata)->uuid);
}

static int prop_bool(sd_bus *bus, const char *path, const char *iface, const char *prop,
                     sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        struct fake_dev *d = userdata;

        if (strcmp(prop, "Powered") == 0)
                return sd_bus_message_append(reply, "b", 1);
        return sd_bus_message_append(reply, "b", strcmp(prop, "Connected") == 0 ? d->connected
                                                                                : d->resolved);
}

static int m_ok(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        return sd_bus_reply_method_return(m, "");
}

static int m_remove(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        ((struct fake *)userdata)->removes++;
        return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable adapter_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", prop_str, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Powered", "b", prop_bool, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("SetDiscoveryFilter", "a{sv}", "", m_ok, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StartDiscovery", "", "", m_ok, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StopDiscovery", "", "", m_ok, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("RemoveDevice", "o", "", m_remove, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static void dev_set(struct fake_dev *d, bool connected)
{
        d->connected = d->resolved = connected;
        if (connected)
                d->connected_at = ++d->f->order;
        else
                d->dropped_at = ++d->f->order;
        assert_true(sd_bus_emit_properties_changed(d->f->bus, d->path, "org.bluez.Device1",
                                                   "Connected", "ServicesResolved", NULL) >= 0);
}

/* BlueZ's DISCONNECT_TIMER ran out: the link drops, the Disconnect is answered. */
static int on_hold_end(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct fake_dev *d = userdata;

        d->hold = sd_event_source_disable_unref(d->hold);
        d->holding = false;
        dev_set(d, false);
        if (d->disconnect) {
                (void) sd_bus_reply_method_return(d->disconnect, "");
                d->disconnect = sd_bus_message_unref(d->disconnect);
        }
        return 0;
}

/* The hold ends after usec, or (0) when the test ends it. */
static void dev_hold(struct fake_dev *d, uint64_t usec)
{
        d->holding = true;
        if (usec)
                assert_true(sd_event_add_time_relative(d->f->event, &d->hold, CLOCK_MONOTONIC,
                                                       usec, 0, on_hold_end, d) >= 0);
}

static int m_connect(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct fake_dev *d = userdata;

        /* src/device.c dev_connect: LE already connected → success, the hold goes on. */
        if (!d->connected) {
                d->real_connects++;
                dev_set(d, true);
        }
        return sd_bus_reply_method_return(m, "");
}

static int m_disconnect(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct fake_dev *d = userdata;

        if (!d->connected)
                return sd_bus_reply_method_return(m, "");
        if (!d->disconnect)
                d->disconnect = sd_bus_message_ref(m);
        if (!d->holding)
                dev_hold(d, HOLD_USEC);
        return 1;
}

static const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", prop_str, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Connected", "b", prop_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ServicesResolved", "b", prop_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("Connect", "", "", m_connect, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Disconnect", "", "", m_disconnect, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int prop_mtu(sd_bus *bus, const char *path, const char *iface, const char *prop,
                    sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        return sd_bus_message_append(reply, "q", (uint16_t)247);
}

static int prop_value(sd_bus *bus, const char *path, const char *iface, const char *prop,
                      sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        struct fake_char *c = userdata;

        return sd_bus_message_append_array(reply, 'y', c->value, c->value_len);
}

static int m_start_notify(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct fake_char *c = userdata;

        /* src/gatt-client.c: "Device is disconnecting. StartNotify is not allowed." */
        if (c->dev->holding) {
                c->f->notify_refused++;
                return sd_bus_reply_method_errorf(m, "org.bluez.Error.NotConnected", "Not Connected");
        }
        c->start_notify++;
        return sd_bus_reply_method_return(m, "");
}

/* The lock's answer to a write: one indication, a whole sealed frame. */
static void indicate(struct fake_char *c)
{
        /* A plain Error Report as a real lock sent it (K_ERROR_NOT_AUTHORIZED, issue 14) goes
         * over BlueZ's cached value: the rest is a stale tail (5.66 never shortens one). */
        static const uint8_t plain[7] = { 0x12, 0x00, 0x20, 0x00, 0x00, 0x13, 0xd7 };

        if (c->f->plain_error)
                memcpy(c->value, plain, sizeof(plain));
        else {
                memset(c->value, (int)c->writes, sizeof(c->value));
                c->value[28] = FRAME_LEN - 30; /* spec §2.2: LEN, little-endian */
                c->value[29] = 0;
                c->value_len = FRAME_LEN;
        }
        assert_true(sd_bus_emit_properties_changed(c->f->bus, c->path,
                                                   "org.bluez.GattCharacteristic1", "Value",
                                                   NULL) >= 0);
}

static int on_release(sd_event_source *s, void *userdata)
{
        struct fake *f = userdata;

        for (size_t i = 0; i < LK_CH_COUNT; i++)
                if (f->chars[i].pending) {
                        (void) sd_bus_reply_method_return(f->chars[i].pending, "");
                        f->chars[i].pending = sd_bus_message_unref(f->chars[i].pending);
                }
        return 0;
}

static int m_write(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct fake_char *c = userdata;
        struct fake *f = c->f;

        /* src/gatt-client.c characteristic_write_value: one write_op per characteristic. */
        if (c->pending) {
                f->overlaps++;
                return sd_bus_reply_method_errorf(m, "org.bluez.Error.InProgress", "In Progress");
        }
        if (f->busy_writes) {
                f->busy_writes--;
                f->in_progress++;
                return sd_bus_reply_method_errorf(m, "org.bluez.Error.InProgress", "In Progress");
        }
        c->writes++;
        if (!f->answer_first) {
                int r = sd_bus_reply_method_return(m, "");

                indicate(c);
                return r;
        }
        /* The answer first; the Write Response on a later turn of the loop. */
        indicate(c);
        c->pending = sd_bus_message_ref(m);
        assert_true(sd_event_source_set_enabled(f->release, SD_EVENT_ONESHOT) >= 0);
        return 1;
}

static const sd_bus_vtable char_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("UUID", "s", prop_str, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("MTU", "q", prop_mtu, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Value", "ay", prop_value, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("StartNotify", "", "", m_start_notify, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StopNotify", "", "", m_ok, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("WriteValue", "aya{sv}", "", m_write, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static void add_dev(struct fake *f, struct fake_dev *d, const char *path, const char *address)
{
        *d = (struct fake_dev){ .f = f, .path = path, .address = address };
        assert_int_equal(sd_bus_add_object_vtable(f->bus, &d->vtable, path, "org.bluez.Device1",
                                                  device_vtable, d), 0);
}

/* A lock of generation gen; without its pairing service when hide_pairing. */
static void fake_new(struct fake *f, sd_event *e, enum lk_generation gen, bool hide_pairing)
{
        const struct lk_gatt_uuids *u = lk_gatt_uuids(gen);
        const char *uuids[LK_CH_COUNT] = {
                [LK_CH_PAIRING] = u->pairing_gdio,
                [LK_CH_KEYTURNER] = u->keyturner_gdio,
                [LK_CH_USDIO] = u->usdio,
        };

        *f = (struct fake){ .event = sd_event_ref(e) };
        assert_true(sd_bus_new(&f->bus) >= 0);
        assert_true(sd_bus_set_address(f->bus, bus_address) >= 0);
        assert_true(sd_bus_set_bus_client(f->bus, 1) >= 0);
        assert_true(sd_bus_start(f->bus) >= 0);
        assert_true(sd_bus_attach_event(f->bus, e, 0) >= 0);
        /* Replacing: a test that failed half-way may have left its fake behind. */
        assert_true(sd_bus_request_name(f->bus, "org.bluez", SD_BUS_NAME_REPLACE_EXISTING |
                                                             SD_BUS_NAME_ALLOW_REPLACEMENT) >= 0);
        assert_int_equal(sd_bus_add_object_manager(f->bus, &f->objmgr, "/"), 0);
        assert_int_equal(sd_bus_add_object_vtable(f->bus, &f->adapter_vt, ADAPTER,
                                                  "org.bluez.Adapter1", adapter_vtable, f), 0);
        add_dev(f, &f->dev, LOCK_PATH, LOCK_ADDR);
        for (size_t i = 0; i < LK_CH_COUNT; i++) {
                struct fake_char *c = &f->chars[i];

                *c = (struct fake_char){ .f = f, .dev = &f->dev, .uuid = uuids[i] };
                snprintf(c->path, sizeof(c->path), "%s/service%04zx/char%04zx", LOCK_PATH,
                         0x10 * (i + 1), 0x10 * (i + 1) + 1);
                if (i == LK_CH_PAIRING && hide_pairing)
                        continue;
                assert_int_equal(sd_bus_add_object_vtable(f->bus, &c->vtable, c->path,
                                                          "org.bluez.GattCharacteristic1",
                                                          char_vtable, c), 0);
        }
        assert_int_equal(sd_event_add_defer(e, &f->release, on_release, f), 0);
        assert_int_equal(sd_event_source_set_enabled(f->release, SD_EVENT_OFF), 0);
}

static void fake_free(struct fake *f)
{
        struct fake_dev *devs[] = { &f->dev, &f->other };

        for (size_t i = 0; i < LK_CH_COUNT; i++) {
                sd_bus_message_unref(f->chars[i].pending);
                sd_bus_slot_unref(f->chars[i].vtable);
        }
        for (size_t i = 0; i < ELEMENTSOF(devs); i++) {
                sd_bus_message_unref(devs[i]->disconnect);
                sd_event_source_disable_unref(devs[i]->hold);
                sd_bus_slot_unref(devs[i]->vtable);
        }
        sd_event_source_disable_unref(f->release);
        assert_true(sd_bus_release_name(f->bus, "org.bluez") >= 0); /* free for the next test */
        sd_bus_slot_unref(f->adapter_vt);
        sd_bus_slot_unref(f->objmgr);
        sd_bus_flush_close_unref(f->bus);
        sd_event_unref(f->event);
}

/* ---- the transport's side ---- */

struct client {
        sd_event *event;
        struct lk_transport *t;
        bool connected_called, down;
        int connected;            /* on_connected's error */
        struct lk_link_info info;
        unsigned sent, sent_errors, chunks;
        bool plain_ok;            /* a 7-byte plain Error Report may come */
        size_t last_n;
        uint8_t last[FRAME_LEN];
        unsigned more;            /* on each answer, write the next message (as a session does) */
};

static uint8_t frame[FRAME_LEN];

static void c_connected(void *userdata, int error, const struct lk_link_info *info)
{
        struct client *c = userdata;

        c->connected_called = true;
        c->connected = error;
        if (info)
                c->info = *info;
}

static void c_sent(void *userdata, enum lk_channel ch, int error)
{
        struct client *c = userdata;

        c->sent++;
        if (error < 0)
                c->sent_errors++;
}

static void c_chunk(void *userdata, enum lk_channel ch, const uint8_t *chunk, size_t n)
{
        struct client *c = userdata;

        if (!c->plain_ok)
                assert_int_equal(n, FRAME_LEN);
        assert_true(n <= sizeof(c->last));
        memcpy(c->last, chunk, n);
        c->last_n = n;
        c->chunks++;
        if (c->more) {
                c->more--;
                assert_int_equal(lk_transport_send(c->t, LK_CH_USDIO, frame, sizeof(frame)), 0);
        }
}

static void c_disconnect(void *userdata, int error)
{
        ((struct client *)userdata)->down = true;
}

static const struct lk_transport_cb client_cb = {
        .on_connected = c_connected,
        .on_sent = c_sent,
        .on_chunk = c_chunk,
        .on_disconnect = c_disconnect,
};

static void client_new(struct client *c, sd_event *e)
{
        *c = (struct client){ .event = e };
        assert_int_equal(lk_transport_ble_new(e, NULL, LOCK_ADDR, &client_cb, c, &c->t), 0);
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Run the loop until *flag, failing after 10 s (a safety bound, not a pace). */
#define RUN_UNTIL(e, cond)                                                               \
        do {                                                                             \
                uint64_t end_ = now_usec() + 10000000u;                                  \
                while (!(cond)) {                                                        \
                        assert_true(now_usec() < end_);                                  \
                        assert_true(sd_event_run((e), 100000) >= 0);                     \
                }                                                                        \
        } while (0)

static void connect_ok(struct client *c, unsigned flags)
{
        c->connected_called = false;
        assert_int_equal(lk_transport_connect(c->t, flags), 0);
        RUN_UNTIL(c->event, c->connected_called);
        assert_int_equal(c->connected, 0);
}

#define SETUP(e, f, gen, hide)                                                           \
        sd_event *e = NULL;                                                              \
        struct fake f;                                                                   \
        if (!bus_address[0])                                                             \
                skip();                                                                  \
        assert_int_equal(sd_event_new(&e), 0);                                           \
        fake_new(&f, e, gen, hide)

/* ---- one write in flight ---- */

/* A plain Error Report on the USDIO after a longer sealed answer: cut from BlueZ's stale tail
 * to its 7 bytes; the next sealed answer whole again (issue 14). */
static void plain_error_on_usdio_is_cut_from_the_stale_tail(void **state)
{
        SETUP(e, f, LK_GEN_SMARTLOCK_3, false);
        struct lk_msg m;
        struct client c;

        client_new(&c, e);
        connect_ok(&c, 0);
        for (unsigned i = 1; i <= 3; i++) {
                f.plain_error = c.plain_ok = i == 2;
                assert_int_equal(lk_transport_send(c.t, LK_CH_USDIO, frame, sizeof(frame)), 0);
                RUN_UNTIL(e, c.chunks == i); /* c_chunk: a whole frame unless plain_ok */
                if (i == 2) {
                        assert_int_equal(c.last_n, 7);
                        assert_int_equal(lk_plain_decode(c.last, c.last_n, &m), 0);
                        assert_int_equal(m.cmd, LK_CMD_ERROR_REPORT);
                }
        }
        lk_transport_free(c.t);
        fake_free(&f);
        sd_event_unref(e);
}

static void answers_first_writes_queue(void **state)
{
        SETUP(e, f, LK_GEN_SMARTLOCK_3, false);
        struct client c;

        f.answer_first = true;
        client_new(&c, e);
        connect_ok(&c, 0);
        /* Each answer comes before its write's response; the client writes again at once. */
        c.more = 4;
        assert_int_equal(lk_transport_send(c.t, LK_CH_USDIO, frame, sizeof(frame)), 0);
        RUN_UNTIL(e, c.sent == 5);
        assert_int_equal(c.chunks, 5);
        assert_int_equal(c.sent_errors, 0);
        assert_int_equal(f.chars[LK_CH_USDIO].writes, 5);
        assert_int_equal(f.overlaps, 0); /* never a second write while one was in flight */
        lk_transport_free(c.t);
        fake_free(&f);
        sd_event_unref(e);
}

static void another_clients_write_is_waited_out(void **state)
{
        SETUP(e, f, LK_GEN_SMARTLOCK_3, false);
        struct client c;

        client_new(&c, e);
        connect_ok(&c, 0);
        f.busy_writes = 2;
        assert_int_equal(lk_transport_send(c.t, LK_CH_USDIO, frame, sizeof(frame)), 0);
        RUN_UNTIL(e, c.sent == 1 && c.chunks == 1);
        assert_int_equal(c.sent_errors, 0);
        assert_int_equal(f.in_progress, 2);
        assert_int_equal(f.chars[LK_CH_USDIO].writes, 1);
        assert_int_equal(c.chunks, 1);

        f.busy_writes = 100; /* never free: the write fails, bounded */
        assert_int_equal(lk_transport_send(c.t, LK_CH_USDIO, frame, sizeof(frame)), 0);
        RUN_UNTIL(e, c.sent == 2);
        assert_int_equal(c.sent_errors, 1);
        assert_int_equal(f.in_progress, 2 + 7);
        lk_transport_free(c.t);
        fake_free(&f);
        sd_event_unref(e);
}

/* ---- only what is needed ---- */

static void paired_link_needs_no_pairing_service(void **state)
{
        SETUP(e, f, LK_GEN_SMARTLOCK_3, true);
        struct client c;

        client_new(&c, e);
        connect_ok(&c, 0);
        assert_int_equal(c.info.generations, LK_GEN_SMARTLOCK_1_4 | LK_GEN_BIT(LK_GEN_ULTRA));
        assert_string_equal(lk_link_generation_name(&c.info), "Smart Lock (1–4 or Ultra/Go/5th gen)");
        assert_int_equal(f.chars[LK_CH_KEYTURNER].start_notify, 1);
        assert_int_equal(f.chars[LK_CH_USDIO].start_notify, 1);
        assert_int_equal(lk_transport_send(c.t, LK_CH_PAIRING, frame, 4), -ENOTCONN);
        assert_int_equal(lk_transport_send(c.t, LK_CH_USDIO, frame, sizeof(frame)), 0);
        RUN_UNTIL(e, c.chunks == 1);

        /* Pairing needs it: a clear -ENOENT, not a half-working link. */
        lk_transport_disconnect(c.t);
        RUN_UNTIL(e, !f.dev.connected);
        c.connected_called = false;
        assert_int_equal(lk_transport_connect(c.t, LK_CONNECT_PAIRING), 0);
        RUN_UNTIL(e, c.connected_called);
        assert_int_equal(c.connected, -ENOENT);
        lk_transport_free(c.t);
        fake_free(&f);
        sd_event_unref(e);
}

static void pairing_service_only_subscribed_to_pair(void **state)
{
        SETUP(e, f, LK_GEN_SMARTLOCK_3, false);
        struct client c;

        client_new(&c, e);
        connect_ok(&c, 0);
        assert_int_equal(c.info.generations, LK_GEN_SMARTLOCK_1_4);
        assert_string_equal(lk_link_generation_name(&c.info), "Smart Lock 1–4");
        assert_int_equal(f.chars[LK_CH_PAIRING].start_notify, 0);
        lk_transport_disconnect(c.t);
        connect_ok(&c, LK_CONNECT_PAIRING); /* waits out the hold of the release before */
        assert_int_equal(f.chars[LK_CH_PAIRING].start_notify, 1);
        assert_int_equal(c.info.generation, LK_GEN_SMARTLOCK_3);
        lk_transport_free(c.t);
        fake_free(&f);
        sd_event_unref(e);
}

static void family_from_the_keyturner_service(void **state)
{
        SETUP(e, f, LK_GEN_OPENER, true);
        struct client c;

        client_new(&c, e);
        connect_ok(&c, 0);
        assert_int_equal(c.info.generation, LK_GEN_OPENER);
        assert_int_equal(c.info.generations, LK_GEN_BIT(LK_GEN_OPENER));
        assert_string_equal(lk_link_generation_name(&c.info), "Opener");
        lk_transport_free(c.t);
        fake_free(&f);

        {
                SETUP(e2, g, LK_GEN_ULTRA, false);

                client_new(&c, e2);
                connect_ok(&c, LK_CONNECT_PAIRING);
                assert_int_equal(c.info.generations, LK_GEN_BIT(LK_GEN_ULTRA));
                lk_transport_free(c.t);
                fake_free(&g);
                sd_event_unref(e2);
        }
        sd_event_unref(e);
}

/* ---- release off the command's path ---- */

/* The same transport again at once: it knows its link is in BlueZ's hold and waits for the
 * drop without trying Connect or StartNotify in vain. */
static void reconnect_waits_for_own_release(void **state)
{
        SETUP(e, f, LK_GEN_SMARTLOCK_3, false);
        struct client c;

        client_new(&c, e);
        connect_ok(&c, 0);
        lk_transport_disconnect(c.t);
        connect_ok(&c, 0);
        assert_false(f.dev.holding);
        assert_int_equal(f.dev.real_connects, 2);
        assert_true(f.dev.connected_at > f.dev.dropped_at); /* after the drop, not into it */
        assert_int_equal(f.notify_refused, 0);
        assert_int_equal(f.removes, 0);
        assert_true(c.info.waited_usec > 0);
        lk_transport_free(c.t);
        fake_free(&f);
        sd_event_unref(e);
}

/* A second command right after the first (a new process: a new transport) meets the link in
 * its hold: Connect says yes, StartNotify no; it waits for the drop and connects for real. */
static void next_command_meets_the_hold(void **state)
{
        SETUP(e, f, LK_GEN_SMARTLOCK_3, false);
        struct client a, b;

        client_new(&a, e);
        connect_ok(&a, 0);
        lk_transport_free(a.t); /* returns at once: nothing waits for the hold */
        RUN_UNTIL(e, f.dev.holding);
        client_new(&b, e);
        connect_ok(&b, 0);
        assert_true(f.notify_refused >= 1);
        assert_int_equal(f.dev.real_connects, 2);
        assert_true(f.dev.connected_at > f.dev.dropped_at);
        assert_int_equal(f.removes, 0);
        assert_int_equal(lk_transport_send(b.t, LK_CH_USDIO, frame, sizeof(frame)), 0);
        RUN_UNTIL(e, b.chunks == 1);
        assert_false(b.down);
        lk_transport_free(b.t);
        fake_free(&f);
        sd_event_unref(e);
}

/* LATCHKEY_BLE_ONE_LINK: another device's link must drop before ours comes up. */
static void one_link_waits_for_the_other(void **state)
{
        SETUP(e, f, LK_GEN_SMARTLOCK_3, false);
        struct client c;

        add_dev(&f, &f.other, OTHER_PATH, "00:AA:01:00:00:02");
        for (int one = 0; one <= 1; one++) {
                f.other.connected = true;
                f.other.connected_at = ++f.order;
                if (one) {
                        setenv("LATCHKEY_BLE_ONE_LINK", "1", 1);
                        dev_hold(&f.other, HOLD_USEC);
                } else {
                        unsetenv("LATCHKEY_BLE_ONE_LINK");
                        dev_hold(&f.other, 0); /* never drops by itself */
                }
                client_new(&c, e);
                connect_ok(&c, 0);
                if (one) {
                        assert_true(f.dev.connected_at > f.other.dropped_at);
                } else { /* links are independent: no wait */
                        assert_true(f.other.holding);
                        on_hold_end(NULL, 0, &f.other);
                }
                lk_transport_free(c.t);
                RUN_UNTIL(e, !f.dev.connected && !f.other.connected);
        }
        unsetenv("LATCHKEY_BLE_ONE_LINK");
        fake_free(&f);
        sd_event_unref(e);
}

/* A characteristic the link uses goes away under it (the lock's GATT changed): the link is
 * reported down, not written into nothing. */
static void removed_characteristic_ends_the_link(void **state)
{
        SETUP(e, f, LK_GEN_SMARTLOCK_3, false);
        struct fake_char *u = &f.chars[LK_CH_USDIO];
        struct client c;

        client_new(&c, e);
        connect_ok(&c, 0);
        u->vtable = sd_bus_slot_unref(u->vtable);
        assert_true(sd_bus_emit_interfaces_removed(f.bus, u->path, "org.bluez.GattCharacteristic1",
                                                   NULL) >= 0);
        RUN_UNTIL(e, c.down);
        assert_int_equal(lk_transport_send(c.t, LK_CH_USDIO, frame, sizeof(frame)), -ENOTCONN);
        lk_transport_free(c.t);
        fake_free(&f);
        sd_event_unref(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(answers_first_writes_queue),
                cmocka_unit_test(plain_error_on_usdio_is_cut_from_the_stale_tail),
                cmocka_unit_test(another_clients_write_is_waited_out),
                cmocka_unit_test(paired_link_needs_no_pairing_service),
                cmocka_unit_test(pairing_service_only_subscribed_to_pair),
                cmocka_unit_test(family_from_the_keyturner_service),
                cmocka_unit_test(reconnect_waits_for_own_release),
                cmocka_unit_test(next_command_meets_the_hold),
                cmocka_unit_test(one_link_waits_for_the_other),
                cmocka_unit_test(removed_characteristic_ends_the_link),
        };

        return cmocka_run_group_tests_name("ble-transport", tests, bus_up, bus_down);
}
