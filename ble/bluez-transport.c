/* SPDX-License-Identifier: MIT */
/*
 * The transport over BlueZ GATT (include/latchkey/transport.h, spec §1.1–§1.2): the object,
 * its failure path and release. The steps up to UP are in bluez-connect.c, the connected
 * link (indications, the write queue, signals) in bluez-gatt.c; bluez-transport.h has the
 * state machine.
 *
 * Release: Device1.Disconnect is sent and not awaited. BlueZ answers it only once the link is
 * down, and holds the link DISCONNECT_TIMER (2 s) before it asks the controller (src/device.c
 * device_request_disconnect, 5.66); nothing a client can call cancels that hold. A command
 * therefore ends when its work is done, and the link drops 2 s later on its own. A connect
 * that meets the link still in its hold waits for the drop (bluez-connect.c): docs/bluetooth.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bluez-transport.h"

static struct ble_transport *ble_of(struct lk_transport *t)
{
        return (struct ble_transport *)t;
}

uint64_t ble_now_usec(void)
{
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for CLOCK_MONOTONIC */
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000u;
}

static void write_queue_drop(struct ble_char *c)
{
        c->write_slot = sd_bus_slot_unref(c->write_slot);
        c->write_retry = sd_event_source_disable_unref(c->write_retry);
        while (c->queue) {
                struct ble_write *w = c->queue;

                c->queue = w->next;
                free(w);
        }
        c->queue_tail = NULL;
        c->busy_tries = 0;
}

void ble_chars_reset(struct ble_transport *b)
{
        size_t i;

        for (i = 0; i < LK_CH_COUNT; i++) {
                struct ble_char *c = &b->chars[i];

                write_queue_drop(c);
                c->notify_slot = sd_bus_slot_unref(c->notify_slot);
                *c = (struct ble_char){ .b = b, .ch = (enum lk_channel)i };
        }
        b->subscribing = 0;
}

/*
 * Drop everything; hand the device back to BlueZ if we connected it. No callbacks. The
 * Disconnect's reply comes only after BlueZ's 2-s hold: its slot floats and nobody waits.
 */
static void ble_reset(struct ble_transport *b)
{
        ble_discovery_stop(b);
        b->match_props = sd_bus_slot_unref(b->match_props);
        b->match_objects = sd_bus_slot_unref(b->match_objects);
        b->match_owner = sd_bus_slot_unref(b->match_owner);
        b->call = sd_bus_slot_unref(b->call);
        b->timer = sd_event_source_disable_unref(b->timer);
        ble_chars_reset(b);
        if (b->we_connected && b->dev_path[0] &&
            ble_call_noreply(b->bus, b->dev_path, BLE_IFACE_DEVICE, "Disconnect") >= 0)
                b->disconnecting = true;
        b->we_connected = false;
        b->resolved = false;
        b->wait_path[0] = '\0';
        b->state = BLE_IDLE;
}

/* The link failed or went down. Last thing a handler does: the callback may free us. */
void ble_fail(struct ble_transport *b, int error)
{
        enum ble_state was = b->state;

        if (ble_connect_retry(b, error))
                return;

        ble_reset(b);
        switch (was) {
        case BLE_OBJECTS:
        case BLE_DISCOVER:
        case BLE_WAIT_DOWN:
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

int ble_reply_error(sd_bus_message *m)
{
        const sd_bus_error *e = sd_bus_message_get_error(m);

        return e ? ble_error_to_errno(e) : 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        ble_connect_timeout(userdata);
        return 0;
}

int ble_arm_timer(struct ble_transport *b, uint64_t usec)
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

void ble_disarm_timer(struct ble_transport *b)
{
        if (b->timer)
                (void) sd_event_source_set_enabled(b->timer, SD_EVENT_OFF);
}

static int ble_connect(struct lk_transport *t, unsigned flags)
{
        struct ble_transport *b = ble_of(t);
        int r;

        if (b->state != BLE_IDLE)
                return -EALREADY;
        b->flags = flags;
        b->attempt = 0;
        b->forgot = false;
        b->last_error = 0;
        b->wait_since = 0;
        b->info = (struct lk_link_info){ 0 };
        b->dev_path[0] = '\0';
        ble_chars_reset(b);
        /* Matches before the first call: bluetoothd answers after dbus-daemon installed them. */
        r = ble_add_matches(b);
        if (r >= 0) {
                ble_objects(b);
                return 0;
        }
        ble_reset(b);
        return r;
}

static void ble_disconnect(struct lk_transport *t)
{
        ble_reset(ble_of(t));
}

static void ble_free(struct lk_transport *t)
{
        struct ble_transport *b = ble_of(t);

        ble_reset(b);
        /* Flush: a Disconnect or StopDiscovery just queued must reach bluetoothd. This writes
         * to the local bus socket; it does not wait for BlueZ. */
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

/* "1" (or any non-empty value but "0"): the adapter cannot carry two LE links at once. */
static bool one_link_wanted(void)
{
        const char *v = getenv("LATCHKEY_BLE_ONE_LINK");

        return v && *v && strcmp(v, "0") != 0;
}

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
        b->one_link = one_link_wanted();
        b->state = BLE_IDLE;
        ble_chars_reset(b);
        *ret = &b->head;
        return 0;
}
