/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "latchkey/names.h"
#include "render.h"
#include "timefmt.h"
#include "util.h"
#include "window.h"

const char *render_name(const char *name, unsigned v, char *buf, size_t size)
{
        if (name)
                return name;
        snprintf(buf, size, "0x%02X", v);
        return buf;
}

#define NAME(fn, v) render_name(fn(v), (v), (char[8]){ 0 }, 8)

void render_datetime(const struct lk_datetime *dt, char *buf, size_t size)
{
        int64_t t;

        if (lk_datetime_to_unix(dt, &t) < 0)
                snprintf(buf, size, "-");
        else
                time_format_utc(t, buf, size);
}

void render_datetime_local(const struct lk_datetime *dt, char *buf, size_t size)
{
        int64_t t;

        if (lk_datetime_to_unix(dt, &t) < 0)
                snprintf(buf, size, "-");
        else
                time_format_local(t, buf, size);
}

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

static void add_time(cJSON *o, const char *key, const struct lk_time *t)
{
        char buf[8];

        snprintf(buf, sizeof(buf), "%02u:%02u", t->hour, t->minute);
        cJSON_AddStringToObject(o, key, buf);
}

/* A daily window's ends, or null when the code has none (window_has_daily: 00:00-00:00). */
static void add_daily(cJSON *o, const struct lk_window *w)
{
        if (!window_has_daily(w)) {
                cJSON_AddNullToObject(o, "daily_from");
                cJSON_AddNullToObject(o, "daily_until");
                return;
        }
        add_time(o, "daily_from", &w->from_time);
        add_time(o, "daily_until", &w->until_time);
}

cJSON *render_window_json(const struct lk_window *w)
{
        cJSON *o = cJSON_CreateObject();
        char wd[40];

        cJSON_AddBoolToObject(o, "time_limited", w->time_limited);
        if (!w->time_limited)
                return o;
        add_datetime(o, "from", &w->from);
        add_datetime(o, "until", &w->until);
        time_format_weekdays(w->weekdays, wd, sizeof(wd));
        cJSON_AddStringToObject(o, "weekdays", wd);
        add_daily(o, w);
        return o;
}

cJSON *render_states_json(const struct lk_keyturner_states *ks)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "nuki_state", NAME(lk_nuki_state_name, ks->nuki_state));
        cJSON_AddStringToObject(o, "lock_state", NAME(lk_lock_state_name, ks->lock_state));
        cJSON_AddStringToObject(o, "trigger", NAME(lk_trigger_name, ks->trigger));
        add_datetime(o, "lock_time", &ks->current_time);
        cJSON_AddNumberToObject(o, "timezone_offset_minutes", ks->timezone_offset);
        cJSON_AddBoolToObject(o, "battery_critical", ks->battery_state & LK_BATTERY_STATE_CRITICAL);
        if (ks->len >= 14)
                cJSON_AddNumberToObject(o, "config_update_count", ks->config_update_count);
        if (ks->len >= 19) {
                cJSON_AddStringToObject(o, "last_action", NAME(lk_lock_action_name, ks->last_lock_action));
                cJSON_AddStringToObject(o, "last_action_trigger", NAME(lk_trigger_name, ks->last_lock_trigger));
                cJSON_AddStringToObject(o, "last_action_completion",
                                        NAME(lk_completion_name, ks->last_lock_completion));
                cJSON_AddStringToObject(o, "door_sensor", NAME(lk_door_sensor_name, ks->door_sensor_state));
        }
        if (ks->len >= 20)
                cJSON_AddBoolToObject(o, "night_mode_active", ks->night_mode_active);
        return o;
}

cJSON *render_battery_json(const struct lk_battery_report *b, const struct lk_keyturner_states *ks)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddNumberToObject(o, "voltage_mv", b->voltage);
        cJSON_AddBoolToObject(o, "critical", b->critical);
        cJSON_AddNumberToObject(o, "last_action_drain_mws", b->drain);
        cJSON_AddNumberToObject(o, "lowest_voltage_mv", b->lowest_voltage);
        cJSON_AddNumberToObject(o, "temperature_c", b->start_temperature);
        if (ks) {
                cJSON_AddNumberToObject(o, "charge_percent", (ks->battery_state >> 2) * 2);
                cJSON_AddBoolToObject(o, "charging", ks->battery_state & LK_BATTERY_STATE_CHARGING);
        }
        return o;
}

/*
 * issue 14: what an older lock's Config (the API v1 layout, spec §6.24 offsets 0–62) does not
 * carry, and Advanced Config when the lock has none, named so config show can say so.
 */
static void render_config_lacks(cJSON *o, const struct lk_config *c, bool have_ac)
{
        static const struct {
                unsigned off;
                const char *name;
        } fields[] = {
                { LK_CONFIG_OFF_SINGLE_LOCK, "single_lock" }, { 64, "advertising_mode" },
                { 65, "has_keypad" }, { LK_CONFIG_OFF_FIRMWARE + 2, "firmware" }, { 70, "hardware" },
                { 71, "homekit" }, { LK_CONFIG_OFF_TIMEZONE_ID + 1, "timezone" },
        };
        cJSON *lacks = cJSON_CreateArray();

        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
                if (!lk_config_has(c, fields[i].off))
                        cJSON_AddItemToArray(lacks, cJSON_CreateString(fields[i].name));
        if (!have_ac)
                cJSON_AddItemToArray(lacks, cJSON_CreateString("advanced"));
        if (cJSON_GetArraySize(lacks) > 0)
                cJSON_AddItemToObject(o, "lacks", lacks);
        else
                cJSON_Delete(lacks);
}

cJSON *render_config_json(const struct lk_config *c, const struct lk_advanced_config *ac)
{
        cJSON *o = cJSON_CreateObject(), *adv;
        char fw[16];

        cJSON_AddNumberToObject(o, "nuki_id", c->nuki_id);
        cJSON_AddStringToObject(o, "name", c->name);
        if (lk_config_has(c, LK_CONFIG_OFF_FIRMWARE + 2)) {
                snprintf(fw, sizeof(fw), "%u.%u.%u", c->firmware_version[0], c->firmware_version[1],
                         c->firmware_version[2]);
                cJSON_AddStringToObject(o, "firmware", fw);
        }
        if (lk_config_has(c, 70)) {
                snprintf(fw, sizeof(fw), "%u.%u", c->hardware_revision[0], c->hardware_revision[1]);
                cJSON_AddStringToObject(o, "hardware", fw);
        }
        add_datetime(o, "lock_time", &c->current_time);
        cJSON_AddNumberToObject(o, "timezone_offset_minutes", c->timezone_offset);
        if (lk_config_has(c, LK_CONFIG_OFF_TIMEZONE_ID + 1))
                cJSON_AddStringToObject(o, "timezone", c->timezone_id == LK_TIMEZONE_NONE
                                                               ? "none"
                                                               : NAME(lk_timezone_name, c->timezone_id));
        cJSON_AddStringToObject(o, "dst_mode", NAME(lk_dst_mode_name, c->dst_mode));
        cJSON_AddBoolToObject(o, "pairing_enabled", c->pairing_enabled);
        cJSON_AddBoolToObject(o, "button_enabled", c->button_enabled);
        cJSON_AddBoolToObject(o, "auto_unlatch", c->auto_unlatch);
        cJSON_AddBoolToObject(o, "led_enabled", c->led_enabled);
        cJSON_AddNumberToObject(o, "led_brightness", c->led_brightness);
        if (lk_config_has(c, LK_CONFIG_OFF_SINGLE_LOCK))
                cJSON_AddBoolToObject(o, "single_lock", c->single_lock);
        if (lk_config_has(c, 65))
                cJSON_AddBoolToObject(o, "has_keypad", c->has_keypad);
        cJSON_AddBoolToObject(o, "has_fob", c->has_fob);
        if (lk_config_has(c, 64))
                cJSON_AddStringToObject(o, "advertising_mode", NAME(lk_advertising_mode_name, c->advertising_mode));
        render_config_lacks(o, c, ac != NULL);
        if (!ac)
                return o;
        adv = cJSON_AddObjectToObject(o, "advanced");
        cJSON_AddNumberToObject(adv, "lock_n_go_timeout_s", ac->lock_n_go_timeout);
        cJSON_AddStringToObject(adv, "single_button_action", NAME(lk_button_action_name, ac->single_button_action));
        cJSON_AddStringToObject(adv, "double_button_action", NAME(lk_button_action_name, ac->double_button_action));
        cJSON_AddStringToObject(adv, "battery_type", NAME(lk_battery_type_name, ac->battery_type));
        cJSON_AddNumberToObject(adv, "unlatch_duration_s", ac->unlatch_duration);
        cJSON_AddBoolToObject(adv, "auto_lock_enabled", ac->auto_lock_enabled);
        cJSON_AddNumberToObject(adv, "auto_lock_timeout_s", ac->auto_lock_timeout);
        cJSON_AddBoolToObject(adv, "auto_unlock_disabled", ac->auto_unlock_disabled);
        cJSON_AddBoolToObject(adv, "night_mode_enabled", ac->night_mode_enabled);
        add_time(adv, "night_mode_start", &ac->night_mode_start);
        add_time(adv, "night_mode_end", &ac->night_mode_end);
        return o;
}

cJSON *render_code_json(const struct lk_keypad_code *c)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddNumberToObject(o, "id", c->id);
        cJSON_AddNumberToObject(o, "code", c->code);
        cJSON_AddStringToObject(o, "name", c->name);
        cJSON_AddBoolToObject(o, "enabled", c->enabled);
        add_datetime(o, "created", &c->created);
        add_datetime(o, "last_active", &c->last_active);
        cJSON_AddNumberToObject(o, "lock_count", c->lock_count);
        cJSON_AddItemToObject(o, "window", render_window_json(&c->window));
        return o;
}

void render_log_event(const struct lk_log_entry *e, char *buf, size_t size)
{
        switch (e->type) {
        case LK_LOG_LOCK_ACTION:
        case LK_LOG_CALIBRATION:
        case LK_LOG_INITIALIZATION_RUN:
                snprintf(buf, size, "%s %s (%s): %s", NAME(lk_log_type_name, e->type),
                         NAME(lk_lock_action_name, e->data.action.action), NAME(lk_trigger_name, e->data.action.trigger),
                         NAME(lk_completion_name, e->data.action.completion));
                break;
        case LK_LOG_KEYPAD_ACTION:
                snprintf(buf, size, "keypad %s via %s: %s", NAME(lk_lock_action_name, e->data.keypad.action),
                         NAME(lk_keypad_source_name, e->data.keypad.source),
                         NAME(lk_completion_name, e->data.keypad.completion));
                break;
        case LK_LOG_LOGGING_ENABLED:
        case LK_LOG_DOOR_SENSOR_LOGGING:
                snprintf(buf, size, "%s: %s", NAME(lk_log_type_name, e->type), e->data.enabled ? "on" : "off");
                break;
        case LK_LOG_DOOR_SENSOR:
                snprintf(buf, size, "door %s", NAME(lk_door_event_name, e->data.door_event));
                break;
        case LK_LOG_FIRMWARE_UPDATE:
                snprintf(buf, size, "firmware updated to %u.%u.%u", e->data.firmware.major, e->data.firmware.minor,
                         e->data.firmware.patch);
                break;
        default:
                snprintf(buf, size, "entry type 0x%02X (%u data %s)", e->type, e->data.raw.len,
                         plural(e->data.raw.len, "byte", "bytes"));
                break;
        }
}

cJSON *render_log_json(const struct lk_log_entry *e, const char *attributed)
{
        cJSON *o = cJSON_CreateObject();
        char ev[160];

        cJSON_AddNumberToObject(o, "index", e->index);
        add_datetime(o, "time", &e->timestamp);
        cJSON_AddNumberToObject(o, "auth_id", e->auth_id);
        cJSON_AddStringToObject(o, "auth_name", e->name);
        cJSON_AddStringToObject(o, "type", NAME(lk_log_type_name, e->type));
        switch (e->type) {
        case LK_LOG_LOCK_ACTION:
        case LK_LOG_CALIBRATION:
        case LK_LOG_INITIALIZATION_RUN:
                cJSON_AddStringToObject(o, "action", NAME(lk_lock_action_name, e->data.action.action));
                cJSON_AddStringToObject(o, "trigger", NAME(lk_trigger_name, e->data.action.trigger));
                cJSON_AddStringToObject(o, "completion", NAME(lk_completion_name, e->data.action.completion));
                break;
        case LK_LOG_KEYPAD_ACTION:
                cJSON_AddStringToObject(o, "action", NAME(lk_lock_action_name, e->data.keypad.action));
                cJSON_AddStringToObject(o, "source", NAME(lk_keypad_source_name, e->data.keypad.source));
                cJSON_AddStringToObject(o, "completion", NAME(lk_completion_name, e->data.keypad.completion));
                cJSON_AddNumberToObject(o, "code_id", e->data.keypad.code_id);
                break;
        default:
                break;
        }
        render_log_event(e, ev, sizeof(ev));
        cJSON_AddStringToObject(o, "event", ev);
        if (attributed)
                cJSON_AddStringToObject(o, "attributed_to", attributed);
        else
                cJSON_AddNullToObject(o, "attributed_to");
        return o;
}

cJSON *render_auth_json(const struct lk_authorization_entry *a)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddNumberToObject(o, "auth_id", a->auth_id);
        cJSON_AddStringToObject(o, "type", NAME(lk_id_type_name, a->id_type));
        cJSON_AddStringToObject(o, "name", a->name);
        cJSON_AddBoolToObject(o, "enabled", a->enabled);
        cJSON_AddBoolToObject(o, "remote_allowed", a->remote_allowed);
        add_datetime(o, "created", &a->created);
        add_datetime(o, "last_active", &a->last_active);
        cJSON_AddNumberToObject(o, "lock_count", a->lock_count);
        cJSON_AddItemToObject(o, "window", render_window_json(&a->window));
        return o;
}
