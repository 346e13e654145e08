/* SPDX-License-Identifier: MIT */
/*
 * latchkey: the transport interface — how the agent reaches a lock (STYLE.md §1).
 *
 * A transport moves whole messages from the client to the lock and chunks (indications) back,
 * on the three logical channels of spec §1.1. It does no protocol work: reassembly, crypto
 * and sessions live above it. Two implementations: BlueZ GATT over sd-bus ("ble") and the
 * virtual lock's Unix socket ("sim", docs/sim-socket.md). Both run on the caller's sd-event
 * loop and report through callbacks; nothing blocks.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "latchkey/wire.h"

struct lk_transport;

/* A set of generations: LK_GEN_BIT(LK_GEN_ULTRA) | … */
#define LK_GEN_BIT(g) (1u << (unsigned)(g))
#define LK_GEN_SMARTLOCK_1_4 \
        (LK_GEN_BIT(LK_GEN_SMARTLOCK_1) | LK_GEN_BIT(LK_GEN_SMARTLOCK_2) | \
         LK_GEN_BIT(LK_GEN_SMARTLOCK_3) | LK_GEN_BIT(LK_GEN_SMARTLOCK_4))

/*
 * What the link learned on connect (GATT discovery, or the sim socket's HELLO). GATT shows a
 * family, not a generation (spec §1.1): Smart Lock 1–4 look alike, and without the pairing
 * service (hidden by locks with pairing off) a Smart Lock's keyturner service a92ee200 is
 * shared by 1–4 and Ultra. generations says what the device may be; generation is the one
 * the pairing flow follows (spec §4: SL1–4 and the Opener alike, Ultra apart), for SL1–4
 * LK_GEN_SMARTLOCK_3 as their representative. A paired lock's own generation is the one
 * stored at pairing, never this.
 */
struct lk_link_info {
        enum lk_generation generation;
        unsigned generations;          /* LK_GEN_BIT()s; one bit when the link knows exactly */
        uint16_t mtu;                  /* ATT_MTU; chunks from the lock are at most mtu - 3 */
        uint64_t waited_usec;          /* of the connect, waiting for a link still up to drop */
};

/* "Smart Lock 1–4", "Smart Lock (1–4 or Ultra/Go/5th gen)", "Opener", … for a link's info. */
const char *lk_link_generation_name(const struct lk_link_info *info);

/* What a connect must set up. Without LK_CONNECT_PAIRING a link needs the keyturner GDIO and
 * the USDIO only (spec §1.1): the pairing service is not required, nor subscribed to. */
enum lk_connect_flags {
        LK_CONNECT_PAIRING = 1u << 0, /* the pairing GDIO too (spec §4): required */
};

struct lk_transport_cb {
        /* Connected (error 0) or failed to connect (-errno). info is NULL on failure. */
        void (*on_connected)(void *userdata, int error, const struct lk_link_info *info);
        /* The write of one message completed (the ATT Write Response), or failed. */
        void (*on_sent)(void *userdata, enum lk_channel ch, int error);
        /* One indication chunk from the lock, in order per channel. */
        void (*on_chunk)(void *userdata, enum lk_channel ch, const uint8_t *chunk, size_t n);
        /* The link went down (-ENOTCONN, -ECONNRESET, ...). Not called after disconnect(). */
        void (*on_disconnect)(void *userdata, int error);
};

struct lk_transport_ops {
        const char *name;
        int (*connect)(struct lk_transport *t, unsigned flags);
        int (*send)(struct lk_transport *t, enum lk_channel ch, const uint8_t *msg, size_t n);
        void (*disconnect)(struct lk_transport *t);
        void (*free)(struct lk_transport *t);
};

/* The common head of every implementation; implementations embed it first. */
struct lk_transport {
        const struct lk_transport_ops *ops;
        const struct lk_transport_cb *cb;
        void *userdata;
};

/* Start connecting with LK_CONNECT_* flags; the result arrives through cb->on_connected.
 * -EALREADY if connected, -EINVAL for unknown flags. A channel the connect did not set up
 * answers send() with -ENOTCONN. */
int lk_transport_connect(struct lk_transport *t, unsigned flags);
/*
 * Write one whole message on a channel (one write = one message, spec §1.1); -ENOTCONN.
 * Writes on one channel complete in order, one at a time: a write waits until the one before
 * it on that channel has its response (on_sent). A lock may answer (on_chunk) before the
 * response of the write it answers; that is normal (ATT allows it).
 */
int lk_transport_send(struct lk_transport *t, enum lk_channel ch, const uint8_t *msg, size_t n);
/*
 * Hand the link back; no further callbacks. Safe when not connected. It does not wait for the
 * link to drop: over BLE the request goes to BlueZ, which holds a link 2 s before it takes it
 * down (docs/bluetooth.md); a connect that finds the link still up waits for that drop.
 */
void lk_transport_disconnect(struct lk_transport *t);
/* NULL-safe; disconnects first, and makes sure what was queued has left the process. */
struct lk_transport *lk_transport_free(struct lk_transport *t);

/* The virtual lock's socket (docs/sim-socket.md). path is copied. */
int lk_transport_sim_new(sd_event *event, const char *path, const struct lk_transport_cb *cb,
                         void *userdata, struct lk_transport **ret);
