/* SPDX-License-Identifier: MIT */
/*
 * The BlueZ transport's connected link (bluez-transport.h): StartNotify on the channels the
 * link needs, indications as PropertiesChanged(Value) (bluez-signals.c hands them here), one
 * WriteValue per message with at most one in flight per characteristic. It calls bluez-link.c
 * only.
 *
 * One write in flight: BlueZ refuses a WriteValue while the characteristic has one pending
 * (src/gatt-client.c: InProgress), and a lock may send its answer before the Write Response
 * of the message it answers (ATT allows it). So each channel queues its messages and sends the
 * next when the one before has its reply. An InProgress that still comes is another client's
 * write on the same characteristic: ours goes again after a short, growing pause.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bluez-transport.h"

/* ---- writes ---- */

static int on_write_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

static int write_start(struct ble_char *c)
{
        struct ble_transport *b = c->b;
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(b->bus, &m, BLE_BUS_NAME, c->path, BLE_IFACE_CHAR,
                                           "WriteValue");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', c->queue->data, c->queue->n);
        /* gatt-api.txt: type "request" is a Write Request, long when needed. */
        if (r >= 0)
                r = sd_bus_message_append(m, "a{sv}", 1, "type", "s", "request");
        if (r >= 0)
                r = sd_bus_call_async(b->bus, &c->write_slot, m, on_write_reply, c, BLE_CALL_USEC);
        sd_bus_message_unref(m);
        return r;
}

static int on_write_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct ble_char *c = userdata;
        int r;

        c->write_retry = sd_event_source_disable_unref(c->write_retry);
        r = write_start(c);
        if (r < 0)
                ble_fail(c->b, r);
        return 0;
}

static int on_write_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        struct ble_char *c = userdata;
        struct ble_transport *b = c->b;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        struct ble_write *done = c->queue;
        enum lk_channel ch = c->ch;
        int r;

        c->write_slot = sd_bus_slot_unref(c->write_slot);
        if (e && strcmp(e->name, "org.bluez.Error.InProgress") == 0 &&
            c->busy_tries < BLE_WRITE_BUSY_TRIES) {
                r = sd_event_add_time_relative(b->event, &c->write_retry, CLOCK_MONOTONIC,
                                               BLE_WRITE_BUSY_USEC << c->busy_tries, 0,
                                               on_write_retry, c);
                c->busy_tries++;
                if (r < 0)
                        ble_fail(b, r);
                return 0;
        }
        r = e ? ble_error_to_errno(e) : 0;
        c->queue = done->next;
        if (!c->queue)
                c->queue_tail = NULL;
        c->busy_tries = 0;
        free(done);
        if (c->queue) {
                int k = write_start(c);

                if (k < 0) {
                        ble_fail(b, k);
                        return 0;
                }
        }
        if (b->head.cb->on_sent)
                b->head.cb->on_sent(b->head.userdata, ch, r); /* last: b may be gone */
        return 0;
}

int ble_send(struct lk_transport *t, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        struct ble_transport *b = (struct ble_transport *)t;
        struct ble_char *c = &b->chars[ch];
        struct ble_write *w;
        int r;

        if (b->state != BLE_UP || !c->subscribed)
                return -ENOTCONN;
        /* spec §1.1: one message = one Write (Long); BlueZ does prepare/execute past MTU − 3. */
        if (n > BLE_ATT_VALUE_MAX)
                return -EMSGSIZE;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->n = n;
        memcpy(w->data, msg, n);
        if (c->queue_tail)
                c->queue_tail->next = w;
        else
                c->queue = w;
        c->queue_tail = w;
        if (c->queue != w)
                return 0; /* goes when the writes before it have their response */
        r = write_start(c);
        if (r < 0) {
                c->queue = c->queue_tail = NULL;
                free(w);
                return r;
        }
        return 0;
}

/* ---- indications ---- */

/*
 * Issue 14: some locks send an unencrypted Error Report on the USDIO itself. At the start of a
 * message, 7 bytes that are a whole plain Error Report (command 0x0012, good CRC) are that,
 * not the nonce of a sealed message (2^-32 by chance): they end there, whatever stale tail
 * follows, and the reassembler stays at a message start for the next one.
 */
static bool plain_error_first(const struct ble_char *c, const uint8_t *data, size_t n)
{
        ssize_t want = lk_plain_length(LK_CMD_ERROR_REPORT);
        struct lk_msg m;

        return c->ch == LK_CH_USDIO && (c->reasm.len == 0 || c->reasm.done) && want > 0 && n >= (size_t)want &&
               lk_plain_decode(data, (size_t)want, &m) == 0 && m.cmd == LK_CMD_ERROR_REPORT;
}

/* One indication's bytes: size-checked, stale tail cut, handed on. Returns 1 (b may be gone). */
static int deliver(struct ble_transport *b, struct ble_char *c, const uint8_t *data, size_t n)
{
        /* spec §1.2: at most ATT_MTU − 3 per indication; never more than ATT allows. */
        if (n > BLE_ATT_VALUE_MAX || n > (size_t)b->info.mtu - 3u) {
                ble_fail(b, -EMSGSIZE);
                return 1;
        }
        /*
         * BlueZ 5.66 keeps a remote characteristic's value in its GATT cache and only ever
         * grows it (shared/gatt-db.c gatt_db_attribute_write reallocates when a value is
         * longer, never shortens it): an indication shorter than the one before arrives in
         * PropertiesChanged with the old tail after it. Every message starts a fresh
         * indication (spec §1.2), so the bytes after the end of a message in the same
         * indication are that stale tail: cut them. The ends come from the protocol's own
         * reassembler (length by command, or 30 + LEN).
         */
        if (c->trim && plain_error_first(c, data, n)) {
                n = (size_t)lk_plain_length(LK_CMD_ERROR_REPORT);
        } else if (c->trim) {
                size_t used = 0;
                int k = lk_reasm_feed(&c->reasm, data, n, &used);

                if (k > 0)
                        n = used;
                else if (k < 0)
                        lk_reasm_reset(&c->reasm); /* let the session judge */
        }
        if (b->head.cb->on_chunk)
                b->head.cb->on_chunk(b->head.userdata, c->ch, data, n);
        return 1;
}

/* PropertiesChanged of a characteristic: a Value is one indication (spec §1.2). */
int ble_on_char_changed(struct ble_transport *b, struct ble_char *c, sd_bus_message *m)
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
                        if (r >= 0)
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
                if (b->state != BLE_UP || !c->subscribed)
                        return 0; /* before StartNotify completed: not ours to deliver */
                return deliver(b, c, data, n);
        }
        return r < 0 ? r : 0;
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
        ble_disarm_timer(b);
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
        return on_subscribed(userdata, LK_CH_PAIRING, ble_reply_error(m));
}

static int on_notify_keyturner(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        return on_subscribed(userdata, LK_CH_KEYTURNER, ble_reply_error(m));
}

static int on_notify_usdio(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        return on_subscribed(userdata, LK_CH_USDIO, ble_reply_error(m));
}

void ble_subscribe(struct ble_transport *b)
{
        static const sd_bus_message_handler_t handlers[LK_CH_COUNT] = {
                [LK_CH_PAIRING] = on_notify_pairing,
                [LK_CH_KEYTURNER] = on_notify_keyturner,
                [LK_CH_USDIO] = on_notify_usdio,
        };
        int i, r;

        b->state = BLE_SUBSCRIBE;
        b->subscribing = 0;
        /* spec §1.1: indications on the channels the link needs, re-enabled on each connect
         * (the CCC is not kept). StartNotify, not AcquireNotify: 5.66 refuses the latter on
         * indicate-only characteristics. */
        for (i = 0; i < LK_CH_COUNT; i++) {
                if (!b->chars[i].needed)
                        continue;
                r = ble_call_async(b->bus, &b->chars[i].notify_slot, b->chars[i].path,
                                   BLE_IFACE_CHAR, "StartNotify", handlers[i], b, BLE_CALL_USEC);
                if (r < 0) {
                        ble_fail(b, r);
                        return;
                }
                b->subscribing++;
        }
        if (ble_arm_timer(b, BLE_CALL_USEC) < 0)
                ble_fail(b, -ENOMEM);
}
