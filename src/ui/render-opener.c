/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "latchkey/names.h"
#include "render-opener.h"
#include "render.h"

#define NAME(fn, v) render_name(fn(v), (v), (char[8]){ 0 }, 8)

static void add_datetime(cJSON *o, const char *key, const struct lk_datetime *dt)
{
        char buf[40];

        if (!lk_datetime_is_valid(dt)) {
                cJSON_AddNullToObject(o, key);
                return;
        }
        render_datetime(dt, buf, sizeof(buf));
        cJSON_AddStringToObject(o, key, buf);
}

const char *render_opener_mode(const struct lk_opener_keyturner_states *s)
{
        if (s->nuki_state == LK_NUKI_STATE_CONTINUOUS_MODE)
                return "continuous mode: every ring opens the door";
        switch (s->lock_state) {
        case LK_OPENER_STATE_RTO_ACTIVE:
                return "ring to open: the next ring opens the door";
        case LK_OPENER_STATE_ONLINE:
                return "a ring does not open the door";
        case LK_OPENER_STATE_OPEN:
        case LK_OPENER_STATE_OPENING:
                return "the door is being opened";
        case LK_OPENER_STATE_UNTRAINED:
                return "not set up (no operating mode trained)";
        default:
                return "state unknown";
        }
}

cJSON *render_opener_states_json(const struct lk_opener_keyturner_states *s)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "device", "opener");
        cJSON_AddStringToObject(o, "nuki_state", NAME(lk_nuki_state_name, s->nuki_state));
        cJSON_AddStringToObject(o, "lock_state", NAME(lk_opener_lock_state_name, s->lock_state));
        cJSON_AddBoolToObject(o, "ring_to_open", s->lock_state == LK_OPENER_STATE_RTO_ACTIVE);
        cJSON_AddBoolToObject(o, "continuous_mode", s->nuki_state == LK_NUKI_STATE_CONTINUOUS_MODE);
        cJSON_AddStringToObject(o, "trigger", NAME(lk_trigger_name, s->trigger));
        add_datetime(o, "lock_time", &s->current_time);
        cJSON_AddNumberToObject(o, "timezone_offset_minutes", s->timezone_offset);
        cJSON_AddBoolToObject(o, "battery_critical", s->battery_state & LK_OPENER_BATTERY_CRITICAL);
        if (s->len >= 14)
                cJSON_AddNumberToObject(o, "config_update_count", s->config_update_count);
        /* O12.5: the unit is not known; 0xFF "not set" (nuki_hub) */
        if (s->len >= 15 && s->rto_timer != LK_OPENER_RTO_TIMER_NONE)
                cJSON_AddNumberToObject(o, "rto_timer", s->rto_timer);
        if (s->len >= 18) {
                cJSON_AddStringToObject(o, "last_action", NAME(lk_opener_action_name, s->last_lock_action));
                cJSON_AddStringToObject(o, "last_action_trigger", NAME(lk_trigger_name, s->last_lock_trigger));
                cJSON_AddStringToObject(o, "last_action_completion",
                                        NAME(lk_completion_name, s->last_lock_completion));
        }
        if (s->len >= LK_OPENER_KEYTURNER_STATES_FULL)
                cJSON_AddBoolToObject(o, "keypad_battery_critical", lk_opener_keypad_battery_critical(s));
        return o;
}

static void add_advanced(cJSON *o, const struct lk_opener_advanced_config *a)
{
        cJSON *adv = cJSON_AddObjectToObject(o, "advanced");

        cJSON_AddNumberToObject(adv, "intercom_id", a->intercom_id);
        cJSON_AddStringToObject(adv, "bus_mode_switch", NAME(lk_opener_bus_mode_switch_name, a->bus_mode_switch));
        cJSON_AddNumberToObject(adv, "short_circuit_duration_ms", a->short_circuit_duration);
        cJSON_AddNumberToObject(adv, "electric_strike_delay_ms", a->electric_strike_delay);
        cJSON_AddBoolToObject(adv, "random_electric_strike_delay", a->random_electric_strike_delay);
        cJSON_AddNumberToObject(adv, "electric_strike_duration_ms", a->electric_strike_duration);
        cJSON_AddBoolToObject(adv, "disable_rto_after_ring", a->disable_rto_after_ring);
        cJSON_AddNumberToObject(adv, "rto_timeout_min", a->rto_timeout);
        cJSON_AddBoolToObject(adv, "doorbell_suppression_cm", a->doorbell_suppression & LK_OPENER_SUPPRESS_CM);
        cJSON_AddBoolToObject(adv, "doorbell_suppression_rto", a->doorbell_suppression & LK_OPENER_SUPPRESS_RTO);
        cJSON_AddBoolToObject(adv, "doorbell_suppression_ring", a->doorbell_suppression & LK_OPENER_SUPPRESS_RING);
        cJSON_AddNumberToObject(adv, "doorbell_suppression_duration_ms", a->doorbell_suppression_duration);
        cJSON_AddStringToObject(adv, "sound_ring", NAME(lk_opener_sound_name, a->sound_ring));
        cJSON_AddStringToObject(adv, "sound_open", NAME(lk_opener_sound_name, a->sound_open));
        cJSON_AddStringToObject(adv, "sound_rto", NAME(lk_opener_sound_name, a->sound_rto));
        cJSON_AddStringToObject(adv, "sound_cm", NAME(lk_opener_sound_name, a->sound_cm));
        cJSON_AddBoolToObject(adv, "sound_confirmation", a->sound_confirmation);
        cJSON_AddNumberToObject(adv, "sound_level", a->sound_level);
        cJSON_AddStringToObject(adv, "single_button_action", NAME(lk_opener_button_action_name, a->single_button_action));
        cJSON_AddStringToObject(adv, "double_button_action", NAME(lk_opener_button_action_name, a->double_button_action));
        cJSON_AddStringToObject(adv, "battery_type", NAME(lk_battery_type_name, a->battery_type));
        cJSON_AddBoolToObject(adv, "automatic_battery_type_detection", a->automatic_battery_type_detection);
        if (a->len >= LK_OPENER_ADVANCED_CONFIG_FULL)
                cJSON_AddBoolToObject(adv, "auto_update_enabled", a->auto_update_enabled);
}

cJSON *render_opener_config_json(const struct lk_opener_config *c, const struct lk_opener_advanced_config *ac)
{
        cJSON *o = cJSON_CreateObject();
        char fw[16];

        cJSON_AddStringToObject(o, "device", "opener");
        cJSON_AddNumberToObject(o, "nuki_id", c->nuki_id);
        cJSON_AddStringToObject(o, "name", c->name);
        snprintf(fw, sizeof(fw), "%u.%u.%u", c->firmware_version[0], c->firmware_version[1], c->firmware_version[2]);
        cJSON_AddStringToObject(o, "firmware", fw);
        snprintf(fw, sizeof(fw), "%u.%u", c->hardware_revision[0], c->hardware_revision[1]);
        cJSON_AddStringToObject(o, "hardware", fw);
        add_datetime(o, "lock_time", &c->current_time);
        cJSON_AddNumberToObject(o, "timezone_offset_minutes", c->timezone_offset);
        cJSON_AddStringToObject(o, "timezone", c->timezone_id == LK_TIMEZONE_NONE
                                                       ? "none"
                                                       : NAME(lk_timezone_name, c->timezone_id));
        cJSON_AddStringToObject(o, "dst_mode", NAME(lk_dst_mode_name, c->dst_mode));
        cJSON_AddStringToObject(o, "capabilities", NAME(lk_opener_capabilities_name, c->capabilities));
        cJSON_AddStringToObject(o, "operating_mode", NAME(lk_opener_operating_mode_name, c->operating_mode));
        cJSON_AddBoolToObject(o, "pairing_enabled", c->pairing_enabled);
        cJSON_AddBoolToObject(o, "button_enabled", c->button_enabled);
        cJSON_AddBoolToObject(o, "led_flash_enabled", c->led_flash_enabled);
        cJSON_AddBoolToObject(o, "has_fob", c->has_fob);
        cJSON_AddStringToObject(o, "fob_action_1", NAME(lk_opener_fob_action_name, c->fob_action[0]));
        cJSON_AddStringToObject(o, "fob_action_2", NAME(lk_opener_fob_action_name, c->fob_action[1]));
        cJSON_AddStringToObject(o, "fob_action_3", NAME(lk_opener_fob_action_name, c->fob_action[2]));
        cJSON_AddBoolToObject(o, "has_keypad", c->has_keypad);
        if (c->len >= LK_OPENER_CONFIG_FULL) /* position unconfirmed (O12.6) */
                cJSON_AddBoolToObject(o, "has_keypad_2", c->has_keypad_2);
        cJSON_AddStringToObject(o, "advertising_mode", NAME(lk_advertising_mode_name, c->advertising_mode));
        if (ac)
                add_advanced(o, ac);
        return o;
}

void render_opener_log_event(const struct lk_log_entry *e, char *buf, size_t size)
{
        switch (e->type) {
        case LK_OPENER_LOG_LOCK_ACTION: /* the action's name says it all, and fits a table cell */
                snprintf(buf, size, "%s (%s): %s", NAME(lk_opener_action_name, e->data.action.action),
                         NAME(lk_trigger_name, e->data.action.trigger), NAME(lk_completion_name, e->data.action.completion));
                break;
        case LK_OPENER_LOG_CALIBRATION:
                snprintf(buf, size, "set calibrated (%s): %s", NAME(lk_trigger_name, e->data.action.trigger),
                         NAME(lk_completion_name, e->data.action.completion));
                break;
        case LK_OPENER_LOG_KEYPAD_ACTION:
                snprintf(buf, size, "keypad %s via %s: %s", NAME(lk_opener_action_name, e->data.keypad.action),
                         NAME(lk_keypad_source_name, e->data.keypad.source),
                         NAME(lk_completion_name, e->data.keypad.completion));
                break;
        case LK_OPENER_LOG_DOORBELL:
                snprintf(buf, size, "ring (%s)",
                         NAME(lk_opener_ring_mode_name, e->data.door_event & 0x03u));
                break;
        default:
                render_log_event(e, buf, size);
                break;
        }
}

cJSON *render_opener_log_json(const struct lk_log_entry *e, const char *attributed)
{
        cJSON *o = render_log_json(e, attributed);
        char ev[160];

        cJSON_ReplaceItemInObjectCaseSensitive(o, "type", cJSON_CreateString(NAME(lk_opener_log_type_name, e->type)));
        switch (e->type) {
        case LK_OPENER_LOG_LOCK_ACTION:
        case LK_OPENER_LOG_CALIBRATION:
                cJSON_ReplaceItemInObjectCaseSensitive(o, "action",
                                                       cJSON_CreateString(NAME(lk_opener_action_name, e->data.action.action)));
                break;
        case LK_OPENER_LOG_KEYPAD_ACTION:
                cJSON_ReplaceItemInObjectCaseSensitive(o, "action",
                                                       cJSON_CreateString(NAME(lk_opener_action_name, e->data.keypad.action)));
                break;
        case LK_OPENER_LOG_DOORBELL:
                cJSON_AddStringToObject(o, "ring_while", NAME(lk_opener_ring_mode_name, e->data.door_event & 0x03u));
                break;
        default:
                break;
        }
        render_opener_log_event(e, ev, sizeof(ev));
        cJSON_ReplaceItemInObjectCaseSensitive(o, "event", cJSON_CreateString(ev));
        return o;
}
