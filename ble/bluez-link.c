/* SPDX-License-Identifier: MIT */
/*
 * The bottom of the BlueZ transport (bluez-transport.h): what every step shares. The clock,
 * a reply's error, the one timer of the state machine, dropping what the link set up
 * (discovery, characteristics, their write queues) and the failure path. It calls no other
 * file of the transport: where a failure or a timeout needs a step above (a connect starts
 * over, a state before UP times out), it goes through b->hooks, set by bluez-transport.c.
 *
 * Release: Device1.Disconnect is sent and not awaited. BlueZ answers it only once the link is
 * down, and holds the link DISCONNECT_TIMER (2 s) before it asks the controller (src/device.c
 * device_request_disconnect, 5.66); nothing a client can call cancels that hold. A command
 * therefore ends when its work is done, and the link drops 2 s later on its own. A connect
 * that meets the link still in its hold waits for the drop (bluez-connect.c): docs/bluetooth.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "bluez-transport.h"

uint64_t ble_now_usec(void)
{
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for CLOCK_MONOTONIC */
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000u;
}

int ble_reply_error(sd_bus_message *m)
{
        const sd_bus_error *e = sd_bus_message_get_error(m);

        return e ? ble_error_to_errno(e) : 0;
}

/* ---- the timer ---- */

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct ble_transport *b = userdata;

        b->hooks->timeout(b);
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

/* ---- dropping what the link set up ---- */

void ble_discovery_stop(struct ble_transport *b)
{
        b->rescan = sd_event_source_disable_unref(b->rescan);
        b->call_filter = sd_bus_slot_unref(b->call_filter);
        if (b->call_discovery) {
                b->call_discovery = sd_bus_slot_unref(b->call_discovery);
                (void) ble_call_noreply(b->bus, b->adapter.path, BLE_IFACE_ADAPTER,
                                        "StopDiscovery");
        }
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
void ble_reset(struct ble_transport *b)
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

/* ---- failure ---- */

/* The link failed or went down. Last thing a handler does: the callback may free us. */
void ble_fail(struct ble_transport *b, int error)
{
        enum ble_state was = b->state;

        if (b->hooks->retry(b, error))
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
