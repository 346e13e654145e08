/* SPDX-License-Identifier: MIT */
/*
 * The transport over BlueZ GATT (include/latchkey/transport.h, spec §1.1–§1.2): the object,
 * its operations and the hooks that let the bottom file reach the steps above it. BlueZ's
 * signals are in bluez-signals.c, the steps up to UP in bluez-connect.c, the connected link
 * (indications, the write queue) in bluez-gatt.c, what they share (the timer, the failure
 * path, release) in bluez-link.c; bluez-transport.h has the state machine and the order of
 * the files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bluez-transport.h"

static struct ble_transport *ble_of(struct lk_transport *t)
{
        return (struct ble_transport *)t;
}

/* bluez-link.c's way up: a failure before UP may start the connect over, and the timer of a
 * state before UP belongs to that state's step. */
static const struct ble_hooks ble_hooks = {
        .retry = ble_connect_retry,
        .timeout = ble_connect_timeout,
};

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
         * to the local bus socket; it does not wait for BlueZ (release: bluez-link.c). */
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
        b->hooks = &ble_hooks;
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
