/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>

#include "latchkey/names.h"
#include "latchkey/opener.h"
#include "lock-events.h"
#include "lockops-opener.h"
#include "lockops.h"
#include "render.h"

/* A name from the spec's tables, or "0xNN" for a value it does not name. */
#define NAME(fn, v) render_name(fn(v), (v), (char[8]){ 0 }, 8)

const char *lock_events_device(uint8_t generation)
{
        return generation == LK_GEN_OPENER ? LOCK_EVENTS_OPENER : LOCK_EVENTS_SMARTLOCK;
}

uint8_t lock_events_generation(const struct session *s)
{
        const struct lk_link_info *link = session_link_info(s);

        return link ? (uint8_t)link->generation : 0;
}

cJSON *lock_events_log_entry(const struct lk_log_entry *e, uint8_t generation)
{
        cJSON *o = cJSON_CreateObject();
        int64_t t;

        if (!o)
                return NULL;
        cJSON_AddStringToObject(o, "device", lock_events_device(generation));
        cJSON_AddNumberToObject(o, "index", e->index);
        if (lk_datetime_to_unix(&e->timestamp, &t) >= 0) {
                const struct lk_datetime *dt = &e->timestamp;
                char date[40];

                snprintf(date, sizeof(date), "%04u-%02u-%02uT%02u:%02u:%02uZ", dt->year, dt->month, dt->day, dt->hour,
                         dt->minute, dt->second);
                cJSON_AddStringToObject(o, "time", date);
        }
        cJSON_AddNumberToObject(o, "type", e->type);
        cJSON_AddNumberToObject(o, "auth_id", e->auth_id);
        /* The keypad and lock-action types and layouts are the same on both (O9); only the
         * action values differ, and "device" says whose they are. */
        if (e->type == LK_LOG_KEYPAD_ACTION) {
                cJSON_AddNumberToObject(o, "code_id", e->data.keypad.code_id);
                cJSON_AddNumberToObject(o, "completion", e->data.keypad.completion);
                cJSON_AddNumberToObject(o, "action", e->data.keypad.action);
        } else if (e->type == LK_LOG_LOCK_ACTION) {
                cJSON_AddNumberToObject(o, "action", e->data.action.action);
                cJSON_AddNumberToObject(o, "trigger", e->data.action.trigger);
                cJSON_AddNumberToObject(o, "completion", e->data.action.completion);
        } else if (generation == LK_GEN_OPENER && e->type == LK_OPENER_LOG_DOORBELL) {
                /* The shared codec keeps the ring's first data byte; bits 0-1 say what was on (O9). */
                uint8_t mode = e->data.door_event & 0x03u;

                cJSON_AddStringToObject(o, "ring_while", NAME(lk_opener_ring_mode_name, mode));
        }
        return o;
}

static int smartlock_state(struct session *s, cJSON *o)
{
        struct lk_keyturner_states ks;
        int r = lockops_states(s, &ks);

        if (r < 0)
                return r;
        cJSON_AddStringToObject(o, "device", LOCK_EVENTS_SMARTLOCK);
        cJSON_AddNumberToObject(o, "lock_state", ks.lock_state);
        cJSON_AddBoolToObject(o, "battery_critical", ks.battery_state & LK_BATTERY_STATE_CRITICAL);
        cJSON_AddNumberToObject(o, "battery_percent", (ks.battery_state >> 2) * 2);
        cJSON_AddNumberToObject(o, "timezone_offset", ks.timezone_offset);
        return 0;
}

static int opener_state(struct session *s, cJSON *o)
{
        struct lk_opener_keyturner_states ks;
        int r = lockops_opener_states(s, &ks);

        if (r < 0)
                return r;
        cJSON_AddStringToObject(o, "device", LOCK_EVENTS_OPENER);
        cJSON_AddStringToObject(o, "lock_state", NAME(lk_opener_lock_state_name, ks.lock_state));
        cJSON_AddStringToObject(o, "nuki_state", NAME(lk_nuki_state_name, ks.nuki_state));
        cJSON_AddBoolToObject(o, "ring_to_open", ks.lock_state == LK_OPENER_STATE_RTO_ACTIVE);
        cJSON_AddBoolToObject(o, "continuous_mode", ks.nuki_state == LK_NUKI_STATE_CONTINUOUS_MODE);
        /* O3: bit0 is the Opener's only battery information: no charge level, no charging bit. */
        cJSON_AddBoolToObject(o, "battery_critical", ks.battery_state & LK_OPENER_BATTERY_CRITICAL);
        cJSON_AddNumberToObject(o, "timezone_offset", ks.timezone_offset);
        if (ks.len >= LK_OPENER_KEYTURNER_STATES_FULL && (ks.accessory_battery_state & LK_OPENER_KEYPAD_BATTERY_INFO))
                cJSON_AddBoolToObject(o, "keypad_battery_critical", lk_opener_keypad_battery_critical(&ks));
        return 0;
}

int lock_events_state(struct session *s, cJSON **ret)
{
        cJSON *o = cJSON_CreateObject();
        int r;

        if (!o)
                return -ENOMEM;
        r = lock_events_generation(s) == LK_GEN_OPENER ? opener_state(s, o) : smartlock_state(s, o);
        if (r < 0) {
                cJSON_Delete(o);
                return r;
        }
        *ret = o;
        return 0;
}
