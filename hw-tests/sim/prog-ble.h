/* SPDX-License-Identifier: MIT */
/* latchkey-sim run --ble: what prog-ble.c (GATT, the link) and prog-ble-adv.c share. Private. */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "latchkey/frame.h"
#include "prog.h"

#define BLUEZ "org.bluez"
#define IFACE_CHAR "org.bluez.GattCharacteristic1"
#define ATT_MTU_DEFAULT 23u   /* spec §1.2 */
#define ATT_VALUE_MAX   512u  /* ATT: longest attribute value */

/* spec §1.1 */
#define UUID_TAIL "-5501-11e4-916c-0800200c9a66"

struct ble_char {
        struct prog_ble *b;
        char path[96];
        char uuid[40];
        const char *service_path;
        enum lk_channel ch;
        sd_bus_slot *vtable;
        struct lk_reasm reasm;   /* a long write comes in pieces (offset option) */
        size_t value_len;        /* the chunk PropertiesChanged is reading right now */
        uint8_t value[ATT_VALUE_MAX];
};

/* An indication waiting for the link model's indicate_ms (docs/sim-socket.md). */
struct ble_pending {
        struct ble_pending *next;
        enum lk_channel ch;
        size_t len;
        uint8_t data[ATT_VALUE_MAX];
};

struct ble_service {
        char path[96];
        char uuid[40];
        sd_bus_slot *vtable;
};

struct prog_ble {
        struct prog *p;
        sd_bus *bus;
        char adapter_path[64];
        char root[64];
        char adv_path[96];
        struct ble_service svc[2];
        struct ble_char chars[LK_CH_COUNT];
        sd_bus_slot *objmgr, *adv_vtable, *app_call, *adv_call, *match_device;
        struct sim_advertising adv;   /* what is registered */
        bool adv_registered, adv_pending, adv_dirty, adv_failed;
        char name[24];
        /* the link */
        bool connected;
        char peer[128];               /* the central's Device1 path */
        uint16_t mtu;
        /* indications paced by the link model, oldest first */
        struct ble_pending *out_head, *out_tail;
        sd_event_source *out_timer;
};

/* prog-ble.c */
int prog_ble_prop_true(sd_bus *bus, const char *path, const char *iface, const char *prop,
                       sd_bus_message *reply, void *userdata, sd_bus_error *e);
/* prog-ble-adv.c: the pairing service's UUID of a generation (spec §1.1). */
const char *prog_ble_pairing_uuid(enum lk_generation g);
