/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the configuration commands — Request Config / Set Config, Request
 * Advanced Config / Set Advanced Config, Update Time, Set Security PIN (spec §6.22–§6.27,
 * §6.32, §6.33). The PIN check happened before (lock-dispatch.c).
 */
#include "lock-private.h"

static void do_request_config(struct req *r)
{
        struct lk_config c = r->lock->conf;
        bool keypad = sim_keypad_present(r->lock), ultra = lk_generation_is_ultra(r->lock->cfg.generation);

        sim_unix_to_dt(sim_now(r->lock), &c.current_time);
        /* spec §6.24: the keypad flags follow the keypad; Ultra pairs Keypad 2.0 only [DECISION] */
        c.has_keypad = keypad && !ultra;
        c.has_keypad_2 = keypad && ultra;
        if (r->lock->cfg.api_v1)
                c.len = LK_CONFIG_API1; /* offsets 0–62 only */
        SIM_REPLY_WITH(r, LK_CMD_CONFIG, lk_config_encode, &c);
}

static void bump_config(struct sim_lock *lock)
{
        lock->config_count++; /* spec §10 [DECISION], mod 256 */
}

static void do_set_config(struct req *r, const struct lk_set_config *m)
{
        struct lk_config *c = &r->lock->conf;

        /* spec §6.22, §7.8, §7.10 ranges */
        if (m->name[0] == '\0' || m->led_brightness > 5 || m->dst_mode > LK_DST_EUROPEAN ||
            m->fob_action[0] > LK_FOB_INTELLIGENT || m->fob_action[1] > LK_FOB_INTELLIGENT ||
            m->fob_action[2] > LK_FOB_INTELLIGENT || m->advertising_mode > LK_ADV_SLOWEST ||
            (m->timezone_id >= LK_TIMEZONE_COUNT && m->timezone_id != LK_TIMEZONE_NONE) ||
            m->timezone_offset < LK_TIMEZONE_OFFSET_MIN || m->timezone_offset > LK_TIMEZONE_OFFSET_MAX) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        memcpy(c->name, m->name, sizeof(c->name));
        c->latitude = m->latitude;
        c->longitude = m->longitude;
        c->auto_unlatch = m->auto_unlatch;
        c->pairing_enabled = m->pairing_enabled;
        c->button_enabled = m->button_enabled;
        c->led_enabled = m->led_enabled;
        c->led_brightness = m->led_brightness;
        c->timezone_offset = m->timezone_offset;
        c->dst_mode = m->dst_mode;
        memcpy(c->fob_action, m->fob_action, sizeof(c->fob_action));
        c->single_lock = m->single_lock;
        c->advertising_mode = m->advertising_mode;
        c->timezone_id = m->timezone_id;
        bump_config(r->lock);
        sim_changed(r->lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_request_advanced_config(struct req *r)
{
        SIM_REPLY_WITH(r, LK_CMD_ADVANCED_CONFIG, lk_advanced_config_encode, &r->lock->adv);
}

static bool button_ok(uint8_t b)
{
        return b <= LK_BUTTON_SHOW_STATUS;
}

static void do_set_advanced_config(struct req *r, const struct lk_advanced_config *m)
{
        struct lk_advanced_config *c = &r->lock->adv;
        uint16_t degrees = c->total_degrees;
        uint8_t len = c->len;

        /* spec §6.32, §9.2 ranges; the layout must be this lock's (SL 29, Ultra 31 bytes) */
        if (m->len != c->len) {
                sim_reply_error(r, LK_ERROR_BAD_LENGTH);
                return;
        }
        if (m->lock_n_go_timeout < 5 || m->lock_n_go_timeout > 60 ||
            !button_ok(m->single_button_action) || !button_ok(m->double_button_action) ||
            m->battery_type > LK_BATTERY_LITHIUM || m->unlatch_duration > 30 ||
            (m->auto_lock_enabled && m->auto_lock_timeout < 2) ||
            !lk_time_is_valid(&m->night_mode_start) || !lk_time_is_valid(&m->night_mode_end) ||
            (m->immediate_auto_lock > 1 && m->immediate_auto_lock != 0xFF) ||
            m->motor_speed > 2) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        *c = *m;
        c->total_degrees = degrees; /* read-only */
        c->len = len;
        bump_config(r->lock);
        sim_changed(r->lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_update_time(struct req *r, const struct lk_update_time *m)
{
        int64_t t;

        if (lk_datetime_to_unix(&m->time, &t) < 0) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        /* the lock clock runs at the virtual clock's pace, offset to the time set */
        r->lock->clock_offset = t - sim_vnow(r->lock);
        bump_config(r->lock);
        sim_changed(r->lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_set_pin(struct req *r, const struct lk_set_security_pin *m)
{
        struct sim_lock *lock = r->lock;

        /* spec §0: 0..9999 on SL1–4, 0..999999 on Ultra */
        if (m->new_pin.value > (lock->pin.size == 4 ? 999999u : 9999u)) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        lock->pin.value = m->new_pin.value;
        bump_config(lock);
        sim_changed(lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

bool sim_exec_config(struct req *r, union sim_cmd_fields *f)
{
        switch (r->cmd) {
        case LK_CMD_REQUEST_CONFIG:
                do_request_config(r);
                return true;
        case LK_CMD_SET_CONFIG:
                do_set_config(r, &f->set_config);
                return true;
        case LK_CMD_REQUEST_ADVANCED_CONFIG:
                do_request_advanced_config(r);
                return true;
        case LK_CMD_SET_ADVANCED_CONFIG:
                do_set_advanced_config(r, &f->adv);
                return true;
        case LK_CMD_UPDATE_TIME:
                do_update_time(r, &f->time);
                return true;
        case LK_CMD_SET_SECURITY_PIN:
                do_set_pin(r, &f->pin);
                return true;
        case LK_CMD_VERIFY_SECURITY_PIN:
                sim_reply_status(r, LK_STATUS_COMPLETE); /* the PIN check passed */
                return true;
        default:
                return false;
        }
}
