/* SPDX-License-Identifier: MIT */
/*
 * Private to the BlueZ transport: its object, its states and what each file offers the
 * files above it. The calls run one way, top to bottom, never back up:
 *   bluez-transport.c  the object, its lk_transport_ops, and b->hooks (below)
 *   bluez-signals.c    bluetoothd's D-Bus signals: they move the steps of the files below
 *   bluez-connect.c    the steps up to SUBSCRIBE: OBJECTS … FIND (calls gatt and link)
 *   bluez-gatt.c       SUBSCRIBE, indications, the write queue (calls link only)
 *   bluez-link.c       what every step shares: clock, timer, reset, the failure path; it
 *                      reaches the connect steps only through b->hooks
 *
 * States, one async step each, all on the caller's sd-event loop:
 *   IDLE → OBJECTS (GetManagedObjects: adapter, power, is the device known, is a link up?)
 *        → DISCOVER (only if BlueZ does not know the device: discovery until it appears)
 *        → WAIT_DOWN (only if a link still up must drop first: ours in BlueZ's release hold,
 *                     or, with one link per adapter, another device's; then OBJECTS again)
 *        → CONNECT (Device1.Connect; transient aborts are retried after a pause)
 *        → RESOLVE (until ServicesResolved)
 *        → FIND (GetManagedObjects again: the characteristics by UUID, their MTU)
 *        → SUBSCRIBE (StartNotify on each channel the link needs)
 *        → UP
 * A failure before UP reports on_connected(-errno) and drops what we set up (asking BlueZ
 * to disconnect the device if we connected it); after UP, a lost link (Connected false, the
 * device object removed, bluetoothd gone) reports on_disconnect. Every match, call and timer
 * keeps its slot or source here; freeing the transport cancels them all (STYLE.md §4).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

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
/* BlueZ holds a released link DISCONNECT_TIMER (2 s, src/device.c) before it asks the
 * controller; the HCI disconnect follows (2.1–3.3 s in the rig). Past this bound a link that
 * still has not dropped is stuck (docs/bluetooth.md). */
#define BLE_HOLD_USEC          (10 * USEC_PER_SEC)
/* Another client's write on the same characteristic (BlueZ allows one at a time, src/gatt-
 * client.c answers InProgress): ours goes again after 20, 40, … 640 ms, 1.26 s in all. */
#define BLE_WRITE_BUSY_TRIES   6u
#define BLE_WRITE_BUSY_USEC    (20 * USEC_PER_MSEC)
#define BLE_ATT_MTU_DEFAULT    23u                 /* spec §1.2 */
#define BLE_ATT_VALUE_MAX      512u                /* ATT: longest attribute value */

enum ble_state {
        BLE_IDLE,
        BLE_OBJECTS,
        BLE_DISCOVER,
        BLE_WAIT_DOWN,
        BLE_CONNECT,
        BLE_RESOLVE,
        BLE_FIND,
        BLE_SUBSCRIBE,
        BLE_UP,
};

/* One message waiting for its characteristic, or on the air (the head of the queue). */
struct ble_write {
        struct ble_write *next;
        size_t n;
        uint8_t data[BLE_ATT_VALUE_MAX];
};

struct ble_char {
        struct ble_transport *b;
        enum lk_channel ch;
        char path[160];
        bool present;
        bool needed;              /* this connect subscribes to it */
        bool subscribed;
        bool trim;                /* cut stale bytes after a message's end (bluez-gatt.c) */
        sd_bus_slot *notify_slot;
        struct lk_reasm reasm;    /* only to know where a message ends */
        /* spec §1.1 and BlueZ: one WriteValue in flight per characteristic. The head is on the
         * air while write_slot is set, or waits out another client's write on write_retry. */
        struct ble_write *queue, *queue_tail;
        sd_bus_slot *write_slot;
        sd_event_source *write_retry;
        unsigned busy_tries;
};

struct ble_transport;

/*
 * How bluez-link.c, at the bottom, reaches the steps above it without naming them: set by
 * bluez-transport.c to bluez-connect.c's functions.
 */
struct ble_hooks {
        /* A failure before UP: true when the connect started over (ble_fail stops there). */
        bool (*retry)(struct ble_transport *b, int error);
        /* The timer fired (ble_arm_timer). */
        void (*timeout)(struct ble_transport *b);
};

struct ble_transport {
        struct lk_transport head; /* first: the generic functions cast to it */
        const struct ble_hooks *hooks;
        sd_event *event;
        sd_bus *bus;
        char *adapter_want;       /* NULL: first powered */
        char address[LK_BLE_ADDRESS_SIZE];
        struct ble_adapter adapter;
        char dev_path[128];
        bool one_link;            /* $LATCHKEY_BLE_ONE_LINK: one LE link per adapter at a time */

        enum ble_state state;
        unsigned flags;           /* LK_CONNECT_* of the connect under way */
        bool we_connected;        /* Device1.Connect succeeded: Disconnect on the way out */
        bool resolved;            /* ServicesResolved seen true */
        bool disconnecting;       /* our device is in BlueZ's release hold: wait for the drop */
        char wait_path[128];      /* WAIT_DOWN: the device whose link must drop first */
        uint64_t wait_since;      /* CLOCK_MONOTONIC µs when WAIT_DOWN began, for the log */
        unsigned attempt;
        bool forgot;              /* the device object was removed once (a stuck device) */
        int last_error;
        struct lk_link_info info;
        struct ble_char chars[LK_CH_COUNT];
        unsigned subscribing;

        sd_bus_slot *match_props, *match_objects, *match_owner;
        sd_bus_slot *call, *call_filter, *call_discovery;
        sd_event_source *timer, *rescan;
};

/* bluez-link.c: what every step shares; calls no other file of the transport. */
uint64_t ble_now_usec(void);
int ble_reply_error(sd_bus_message *m);
/* The one timer of the states before UP; when it fires, b->hooks->timeout. */
int ble_arm_timer(struct ble_transport *b, uint64_t usec);
void ble_disarm_timer(struct ble_transport *b);
void ble_discovery_stop(struct ble_transport *b);
/* Every characteristic back to unknown: subscriptions, queued writes, reassembly dropped. */
void ble_chars_reset(struct ble_transport *b);
/* Drop everything, no callbacks; Disconnect (not awaited) if we connected the device. */
void ble_reset(struct ble_transport *b);
/* The link failed or went down: b->hooks->retry, else reset and report. Last thing a handler
 * does: the callback may free b. */
void ble_fail(struct ble_transport *b, int error);

/* bluez-gatt.c: subscribing, indications, writes. */
void ble_subscribe(struct ble_transport *b);
int ble_send(struct lk_transport *t, enum lk_channel ch, const uint8_t *msg, size_t n);
/* PropertiesChanged of characteristic c: a Value is one indication. Returns 1 when delivered
 * or failed (b may be gone), 0 when nothing was, -errno on a malformed message. */
int ble_on_char_changed(struct ble_transport *b, struct ble_char *c, sd_bus_message *m);

/* bluez-connect.c: the steps up to UP. */
void ble_objects(struct ble_transport *b);        /* (again) from GetManagedObjects */
void ble_connect_attempt(struct ble_transport *b);
void ble_on_resolved(struct ble_transport *b);
void ble_on_device_added(struct ble_transport *b);
/* A link dropped before UP (Connected false, NotConnected): start over, true when armed. */
bool ble_connect_retry(struct ble_transport *b, int error);
/* The timer of a state before UP fired. */
void ble_connect_timeout(struct ble_transport *b);
/* A device's Connected turned false, or the device object went away. */
void ble_device_down(struct ble_transport *b, const char *path);

/* bluez-signals.c: the matches, added before a connect's first call. */
int ble_add_matches(struct ble_transport *b);
