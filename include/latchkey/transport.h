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

/* What the link learned on connect (GATT discovery, or the sim socket's HELLO). */
struct lk_link_info {
        enum lk_generation generation; /* from the pairing characteristic found (spec §1.1) */
        uint16_t mtu;                  /* ATT_MTU; chunks from the lock are at most mtu - 3 */
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
        int (*connect)(struct lk_transport *t);
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

/* Start connecting; the result arrives through cb->on_connected. -EALREADY if connected. */
int lk_transport_connect(struct lk_transport *t);
/* Write one whole message on a channel (one write = one message, spec §1.1); -ENOTCONN. */
int lk_transport_send(struct lk_transport *t, enum lk_channel ch, const uint8_t *msg, size_t n);
/* Disconnect cleanly; no further callbacks. Safe when not connected. */
void lk_transport_disconnect(struct lk_transport *t);
/* NULL-safe; disconnects first. Returns NULL. */
struct lk_transport *lk_transport_free(struct lk_transport *t);

/* The virtual lock's socket (docs/sim-socket.md). path is copied. */
int lk_transport_sim_new(sd_event *event, const char *path, const struct lk_transport_cb *cb,
                         void *userdata, struct lk_transport **ret);
