/* SPDX-License-Identifier: MIT */
/*
 * Private to latchkey-sim's BLE peripheral (prog-ble.c: GATT and the link; prog-ble-adv.c:
 * advertising). prog.h has what the rest of the program sees.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "latchkey/frame.h"
#include "prog.h"

#define BLE_BLUEZ "org.bluez"
#define BLE_ATT_VALUE_MAX 512u  /* ATT: longest attribute value */

struct ble_char {
        struct prog_ble *b;
        char path[96];
        char uuid[40];
        const char *service_path;
        enum lk_channel ch;
        sd_bus_slot *vtable;
        struct lk_reasm reasm;   /* a long write comes in pieces (offset option) */
        size_t value_len;        /* the chunk PropertiesChanged is reading right now */
        uint8_t value[BLE_ATT_VALUE_MAX];
};

/* An indication waiting for the link model's indicate_ms (docs/sim-socket.md). */
struct ble_pending {
        struct ble_pending *next;
        enum lk_channel ch;
        size_t len;
        uint8_t data[BLE_ATT_VALUE_MAX];
};

struct ble_service {
        char path[96];
        char uuid[40];
        sd_bus_slot *vtable;
};

/* One GATT application (GattManager1.RegisterApplication): an object manager and a service.
 * The keyturner service and the pairing service are separate applications so that the
 * pairing one can come and go (--hide-pairing) without moving the keyturner's handles. */
enum { BLE_APP_KEYTURNER, BLE_APP_PAIRING, BLE_APP_COUNT };

struct ble_app {
        char root[96];
        sd_bus_slot *objmgr, *call;
        bool registered;
};

struct prog_ble {
        struct prog *p;
        sd_bus *bus;
        char adapter_path[64];
        char root[64];
        char adv_path[96];
        struct ble_app apps[BLE_APP_COUNT];
        struct ble_service svc[BLE_APP_COUNT];
        struct ble_char chars[LK_CH_COUNT];
        sd_bus_slot *adv_vtable, *adv_call, *match_device;
        struct sim_advertising adv;   /* what is registered */
        bool adv_registered, adv_pending, adv_dirty, adv_failed;
        bool ready;                   /* the keyturner application is registered */
        char name[24];
        /* the LE links up on the adapter, from BlueZ's Device1.Connected (a probe's link
         * included, which never reaches our GATT server): what advertising waits for */
        char links[4][128];
        unsigned n_links;
        /* the link */
        bool connected;
        char peer[128];               /* the central's Device1 path */
        uint16_t mtu;
        /* indications paced by the link model, oldest first */
        struct ble_pending *out_head, *out_tail;
        sd_event_source *out_timer;
        /* --answer-first: a write's response held until its answer's indications were
         * confirmed (Confirm), so the ATT Write Response follows them on the air */
        sd_bus_message *held;
        uint64_t indications, confirmed, held_until;
};

/* Whether any LE link is up on the adapter (ours or a probe's): advertising and the pairing
 * service change only when none is. */
static inline bool prog_ble_links_up(const struct prog_ble *b)
{
        return b->connected || b->n_links > 0;
}

/* prog-ble-adv.c */
/* spec §1.1: the pairing service of a generation (SL1–4 a92ee100, Ultra a92ee300, Opener). */
const char *prog_ble_pairing_uuid(enum lk_generation g);
/* Register, or re-register, the advertisement when what it says changed. */
void prog_ble_adv_refresh(struct prog_ble *b);
