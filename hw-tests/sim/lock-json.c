/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the state as JSON for the control socket and tests. Secrets never
 * appear: shared keys as a short fingerprint (first 4 bytes of BLAKE2b of the key), the PIN
 * as "(hidden)".
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "latchkey/names.h"
#include "lock-private.h"

static void add_name(cJSON *o, const char *key, const char *name, unsigned v)
{
        char buf[8];

        if (name)
                cJSON_AddStringToObject(o, key, name);
        else {
                snprintf(buf, sizeof(buf), "0x%02x", v);
                cJSON_AddStringToObject(o, key, buf);
        }
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
        struct lk_datetime dt;
        char buf[32];

        if (t == 0) {
                cJSON_AddNullToObject(o, key);
                return;
        }
        sim_unix_to_dt(t, &dt);
        snprintf(buf, sizeof(buf), "%04u-%02u-%02uT%02u:%02u:%02uZ", dt.year, dt.month, dt.day,
                 dt.hour, dt.minute, dt.second);
        cJSON_AddStringToObject(o, key, buf);
}

static void add_dt(cJSON *o, const char *key, const struct lk_datetime *dt)
{
        char buf[32];

        if (lk_datetime_is_zero(dt)) {
                cJSON_AddNullToObject(o, key);
                return;
        }
        snprintf(buf, sizeof(buf), "%04u-%02u-%02uT%02u:%02u:%02uZ", dt->year, dt->month,
                 dt->day, dt->hour, dt->minute, dt->second);
        cJSON_AddStringToObject(o, key, buf);
}

static void add_hm(cJSON *o, const char *key, const struct lk_time *t)
{
        char buf[8];

        snprintf(buf, sizeof(buf), "%02u:%02u", t->hour, t->minute);
        cJSON_AddStringToObject(o, key, buf);
}

static void add_window(cJSON *o, const struct lk_window *w)
{
        cJSON *j;

        cJSON_AddBoolToObject(o, "time_limited", w->time_limited);
        if (!w->time_limited)
                return;
        j = cJSON_AddObjectToObject(o, "window");
        if (!j)
                return;
        add_dt(j, "from", &w->from);
        add_dt(j, "until", &w->until);
        cJSON_AddNumberToObject(j, "weekdays", w->weekdays);
        add_hm(j, "from_time", &w->from_time);
        add_hm(j, "until_time", &w->until_time);
}

static void add_fingerprint(cJSON *o, const uint8_t key[static LK_KEY_SIZE])
{
        uint8_t h[4];
        char buf[9];

        crypto_generichash(h, sizeof(h), key, LK_KEY_SIZE, NULL, 0);
        snprintf(buf, sizeof(buf), "%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
        cJSON_AddStringToObject(o, "key_fingerprint", buf);
}

static void add_motor(cJSON *root, const struct sim_lock *l)
{
        static const char *const faults[] = { "none", "jam", "motor-hang" };
        static const char *const names[SIM_MOTOR_ACTIONS] = {
                NULL, "unlock", "lock", "unlatch", "lock_n_go", "lock_n_go_unlatch", "full_lock",
        };
        const struct sim_motor *m = &l->motor;
        cJSON *j = cJSON_AddObjectToObject(root, "motor"), *ms;

        if (!j)
                return;
        cJSON_AddBoolToObject(j, "running", m->running);
        if (m->running)
                add_name(j, "action", lk_lock_action_name(m->action), m->action);
        cJSON_AddStringToObject(j, "next_fault", faults[l->motor_fault]);
        ms = cJSON_AddObjectToObject(j, "ms");
        for (unsigned a = 1; ms && a < SIM_MOTOR_ACTIONS; a++)
                cJSON_AddNumberToObject(ms, names[a], l->cfg.motor_ms[a]);
}

static void add_config(cJSON *root, const struct sim_lock *l)
{
        const struct lk_config *c = &l->conf;
        const struct lk_advanced_config *a = &l->adv;
        cJSON *j = cJSON_AddObjectToObject(root, "config");

        if (j) {
                char fw[16];

                cJSON_AddStringToObject(j, "name", c->name);
                cJSON_AddNumberToObject(j, "latitude", c->latitude);
                cJSON_AddNumberToObject(j, "longitude", c->longitude);
                cJSON_AddBoolToObject(j, "auto_unlatch", c->auto_unlatch);
                cJSON_AddBoolToObject(j, "pairing_enabled", c->pairing_enabled);
                cJSON_AddBoolToObject(j, "button_enabled", c->button_enabled);
                cJSON_AddBoolToObject(j, "led_enabled", c->led_enabled);
                cJSON_AddNumberToObject(j, "led_brightness", c->led_brightness);
                cJSON_AddNumberToObject(j, "timezone_offset", c->timezone_offset);
                add_name(j, "dst_mode", lk_dst_mode_name(c->dst_mode), c->dst_mode);
                add_name(j, "fob_action_1", lk_fob_action_name(c->fob_action[0]), c->fob_action[0]);
                add_name(j, "fob_action_2", lk_fob_action_name(c->fob_action[1]), c->fob_action[1]);
                add_name(j, "fob_action_3", lk_fob_action_name(c->fob_action[2]), c->fob_action[2]);
                cJSON_AddBoolToObject(j, "single_lock", c->single_lock);
                add_name(j, "advertising_mode", lk_advertising_mode_name(c->advertising_mode),
                         c->advertising_mode);
                add_name(j, "timezone", lk_timezone_name(c->timezone_id), c->timezone_id);
                /* as Request Config reports them (spec §6.24) */
                cJSON_AddBoolToObject(j, "has_keypad", sim_keypad_present(l) &&
                                                       !lk_generation_is_ultra(l->cfg.generation));
                cJSON_AddBoolToObject(j, "has_keypad_2", sim_keypad_present(l) &&
                                                         lk_generation_is_ultra(l->cfg.generation));
                snprintf(fw, sizeof(fw), "%u.%u.%u", c->firmware_version[0],
                         c->firmware_version[1], c->firmware_version[2]);
                cJSON_AddStringToObject(j, "firmware", fw);
                add_name(j, "device_type", lk_device_type_name(c->device_type), c->device_type);
        }
        j = cJSON_AddObjectToObject(root, "advanced_config");
        if (j) {
                cJSON_AddNumberToObject(j, "total_degrees", a->total_degrees);
                cJSON_AddNumberToObject(j, "lock_n_go_timeout", a->lock_n_go_timeout);
                add_name(j, "single_button_action",
                         lk_button_action_name(a->single_button_action), a->single_button_action);
                add_name(j, "double_button_action",
                         lk_button_action_name(a->double_button_action), a->double_button_action);
                add_name(j, "battery_type", lk_battery_type_name(a->battery_type), a->battery_type);
                cJSON_AddNumberToObject(j, "unlatch_duration", a->unlatch_duration);
                cJSON_AddBoolToObject(j, "auto_lock_enabled", a->auto_lock_enabled);
                cJSON_AddNumberToObject(j, "auto_lock_timeout", a->auto_lock_timeout);
                cJSON_AddBoolToObject(j, "auto_unlock_disabled", a->auto_unlock_disabled);
                cJSON_AddBoolToObject(j, "night_mode_enabled", a->night_mode_enabled);
                add_hm(j, "night_mode_start", &a->night_mode_start);
                add_hm(j, "night_mode_end", &a->night_mode_end);
                cJSON_AddBoolToObject(j, "auto_update_enabled", a->auto_update_enabled);
                cJSON_AddNumberToObject(j, "motor_speed", a->motor_speed);
        }
}

/* What only an Opener has (nuki-opener.md O4, O5): its mode, RTO, CM and advanced settings. */
static void add_opener(cJSON *root, const struct sim_lock *l)
{
        const struct sim_opener *o = &l->opener;
        const struct lk_opener_advanced_config *a = &o->adv;
        cJSON *j = cJSON_AddObjectToObject(root, "opener");

        if (!j)
                return;
        add_name(j, "capabilities", lk_opener_capabilities_name(o->capabilities), o->capabilities);
        add_name(j, "operating_mode", lk_opener_operating_mode_name(o->operating_mode), o->operating_mode);
        cJSON_AddBoolToObject(j, "ring_to_open", l->lock_state == LK_OPENER_STATE_RTO_ACTIVE);
        if (l->lock_state == LK_OPENER_STATE_RTO_ACTIVE && o->rto_until)
                add_time(j, "ring_to_open_until", o->rto_until);
        cJSON_AddBoolToObject(j, "continuous_mode", o->cm);
        cJSON_AddNumberToObject(j, "electric_strike_delay_ms", a->electric_strike_delay);
        cJSON_AddNumberToObject(j, "electric_strike_duration_ms", a->electric_strike_duration);
        cJSON_AddBoolToObject(j, "disable_rto_after_ring", a->disable_rto_after_ring);
        cJSON_AddNumberToObject(j, "rto_timeout_min", a->rto_timeout);
        cJSON_AddNumberToObject(j, "undocumented_12", a->undocumented_12);
        cJSON_AddNumberToObject(j, "doorbell_suppression", a->doorbell_suppression);
        add_name(j, "single_button_action", lk_opener_button_action_name(a->single_button_action),
                 a->single_button_action);
        add_name(j, "double_button_action", lk_opener_button_action_name(a->double_button_action),
                 a->double_button_action);
}

static void add_log(cJSON *root, const struct sim_lock *l)
{
        cJSON *arr = cJSON_AddArrayToObject(root, "log");

        if (!arr)
                return;
        for (unsigned i = 0; i < l->log_count; i++) {
                const struct sim_log_entry *e = sim_log_at(l, i);
                cJSON *o = cJSON_CreateObject();
                char data[2 * sizeof(e->data) + 1] = "";

                if (!o)
                        return;
                cJSON_AddNumberToObject(o, "index", e->index);
                add_time(o, "time", e->time);
                cJSON_AddNumberToObject(o, "auth_id", e->auth_id);
                cJSON_AddStringToObject(o, "name", e->name);
                add_name(o, "type", sim_is_opener(l) ? lk_opener_log_type_name(e->type)
                                                     : lk_log_type_name(e->type), e->type);
                for (unsigned k = 0; k < e->data_len; k++)
                        snprintf(data + 2 * k, sizeof(data) - 2 * k, "%02x", e->data[k]);
                cJSON_AddStringToObject(o, "data", data);
                cJSON_AddItemToArray(arr, o);
        }
}

/* The lock state and last action by the device's own names (an Opener's are O6.1, O7.2). */
static void add_state_names(cJSON *root, const struct sim_lock *l)
{
        if (sim_is_opener(l)) {
                add_name(root, "lock_state", lk_opener_lock_state_name(l->lock_state), l->lock_state);
                add_name(root, "last_action", lk_opener_action_name(l->last_action), l->last_action);
        } else {
                add_name(root, "lock_state", lk_lock_state_name(l->lock_state), l->lock_state);
                add_name(root, "last_action", lk_lock_action_name(l->last_action), l->last_action);
        }
}

int sim_lock_state_json(const struct sim_lock *l, char **ret)
{
        cJSON *root = cJSON_CreateObject(), *arr, *o;
        char buf[64];
        char *s;

        if (!root)
                return -ENOMEM;
        add_name(root, "generation", lk_generation_name(l->cfg.generation), l->cfg.generation);
        snprintf(buf, sizeof(buf), "%08" PRIX32, l->cfg.nuki_id);
        cJSON_AddStringToObject(root, "nuki_id", buf);
        for (unsigned i = 0; i < LK_UUID_SIZE; i++)
                snprintf(buf + 2 * i, sizeof(buf) - 2 * i, "%02x", l->cfg.uuid[i]);
        cJSON_AddStringToObject(root, "uuid", buf);
        cJSON_AddBoolToObject(root, "connected", l->connected);
        cJSON_AddBoolToObject(root, "pairing_mode", sim_pairing_mode(l));
        add_name(root, "nuki_state", lk_nuki_state_name(sim_nuki_state(l)), sim_nuki_state(l));
        add_state_names(root, l);
        add_name(root, "last_trigger", lk_trigger_name(l->last_trigger), l->last_trigger);
        add_name(root, "last_completion", lk_completion_name(l->last_completion),
                 l->last_completion);
        cJSON_AddNumberToObject(root, "battery", l->battery);
        cJSON_AddBoolToObject(root, "battery_critical", l->battery < 20);
        add_time(root, "clock", sim_now(l));
        cJSON_AddNumberToObject(root, "clock_offset", (double)l->clock_offset);
        cJSON_AddNumberToObject(root, "config_update_count", l->config_count);
        cJSON_AddBoolToObject(root, "state_changed", l->state_changed);
        cJSON_AddBoolToObject(root, "logging", l->logging);
        cJSON_AddStringToObject(root, "pin", "(hidden)");
        cJSON_AddNumberToObject(root, "pin_size", l->pin.size);
        cJSON_AddNumberToObject(root, "pin_failures", l->pin_failures);
        cJSON_AddBoolToObject(root, "pin_locked_out", l->pin_lockout_until > sim_vnow(l));
        cJSON_AddNumberToObject(root, "pin_failures_seen", l->pin_failures_seen);
        cJSON_AddBoolToObject(root, "keypad_locked_out", l->keypad_lockout_until > sim_vnow(l));
        cJSON_AddNumberToObject(root, "busy_faults", l->busy_faults);
        add_motor(root, l);
        add_config(root, l);
        if (sim_is_opener(l))
                add_opener(root, l);

        arr = cJSON_AddArrayToObject(root, "authorizations");
        for (unsigned i = 0; arr && i < l->n_auths; i++) {
                const struct sim_auth *a = &l->auths[i];

                if (!(o = cJSON_CreateObject()))
                        break;
                cJSON_AddNumberToObject(o, "auth_id", a->id);
                add_name(o, "id_type", lk_id_type_name(a->id_type), a->id_type);
                cJSON_AddNumberToObject(o, "app_id", a->app_id);
                cJSON_AddStringToObject(o, "name", a->name);
                add_fingerprint(o, a->key);
                cJSON_AddBoolToObject(o, "enabled", a->enabled);
                cJSON_AddBoolToObject(o, "remote_allowed", a->remote_allowed);
                add_time(o, "created", a->created);
                add_time(o, "last_active", a->last_active);
                cJSON_AddNumberToObject(o, "lock_count", a->lock_count);
                add_window(o, &a->window);
                cJSON_AddBoolToObject(o, "challenge_pending", a->challenge_valid);
                cJSON_AddItemToArray(arr, o);
        }
        arr = cJSON_AddArrayToObject(root, "keypad_codes");
        for (unsigned i = 0; arr && i < l->n_codes; i++) {
                const struct lk_keypad_code *c = &l->codes[i];

                if (!(o = cJSON_CreateObject()))
                        break;
                cJSON_AddNumberToObject(o, "id", c->id);
                cJSON_AddStringToObject(o, "code", "(hidden)"); /* a credential, like the PIN */
                cJSON_AddStringToObject(o, "name", c->name);
                cJSON_AddBoolToObject(o, "enabled", c->enabled);
                add_dt(o, "created", &c->created);
                add_dt(o, "last_active", &c->last_active);
                cJSON_AddNumberToObject(o, "lock_count", c->lock_count);
                add_window(o, &c->window);
                cJSON_AddItemToArray(arr, o);
        }
        arr = cJSON_AddArrayToObject(root, "time_control");
        for (unsigned i = 0; arr && i < l->n_tcs; i++) {
                const struct lk_time_control_entry *t = &l->tcs[i].e;

                if (!(o = cJSON_CreateObject()))
                        break;
                cJSON_AddNumberToObject(o, "id", t->id);
                cJSON_AddBoolToObject(o, "enabled", t->enabled);
                cJSON_AddNumberToObject(o, "weekdays", t->weekdays);
                add_hm(o, "time", &t->time);
                add_name(o, "action", lk_lock_action_name(t->action), t->action);
                cJSON_AddItemToArray(arr, o);
        }
        cJSON_AddNumberToObject(root, "log_capacity", l->cfg.log_capacity);
        cJSON_AddNumberToObject(root, "log_next_index", l->next_log_index);
        add_log(root, l);

        s = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
