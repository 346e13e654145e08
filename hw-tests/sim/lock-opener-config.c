/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: an Opener's factory settings and configuration commands — Config /
 * Set Config (nuki-opener.md O4) and Advanced Config / Set Advanced Config (O5), and the
 * fields of its commands that differ from a Smart Lock's. The settings both devices have live
 * in sim_lock.conf (so the zone and time windows work unchanged), the Opener's own in
 * sim_lock.opener.
 */
#include <errno.h>

#include "lock-private.h"

void sim_opener_defaults(struct sim_lock *lock)
{
        struct lk_config *c = &lock->conf;

        c->fob_action[0] = LK_OPENER_FOB_TOGGLE_RTO;
        c->fob_action[1] = LK_OPENER_FOB_OPEN;
        c->fob_action[2] = LK_OPENER_FOB_NONE;
        lock->opener = (struct sim_opener){
                .capabilities = LK_OPENER_CAP_BOTH,
                .operating_mode = LK_OPENER_MODE_ANALOGUE,
                /* Web-API sample values (O5.1) where there are some */
                .adv = {
                        .len = LK_OPENER_ADVANCED_CONFIG_FULL,
                        .electric_strike_duration = 3000,
                        .disable_rto_after_ring = true,
                        .rto_timeout = 20,
                        .doorbell_suppression_duration = 500,
                        .sound_ring = LK_OPENER_SOUND_1,
                        .sound_open = LK_OPENER_SOUND_1,
                        .sound_rto = LK_OPENER_SOUND_1,
                        .sound_cm = LK_OPENER_SOUND_1,
                        .sound_confirmation = true,
                        .sound_level = 150,
                        .single_button_action = LK_OPENER_BUTTON_OPEN,
                        .double_button_action = LK_OPENER_BUTTON_TOGGLE_RTO,
                        .battery_type = LK_BATTERY_ALKALI,
                        .automatic_battery_type_detection = true,
                        .auto_update_enabled = true,
                },
        };
}

int sim_opener_decode(uint16_t cmd, const uint8_t *p, size_t n, union sim_cmd_fields *f)
{
        switch (cmd) {
        case LK_CMD_SET_CONFIG:
                return lk_opener_set_config_decode(p, n, &f->opener_set_config);
        case LK_CMD_SET_ADVANCED_CONFIG:
                return lk_opener_set_advanced_config_decode(p, n, &f->opener_adv);
        case LK_CMD_CONTINUOUS_MODE_ACTION:
                return lk_continuous_mode_action_decode(p, n, &f->cm);
        default:
                return -ENOENT;
        }
}

static void do_request_config(struct req *r)
{
        const struct sim_lock *lock = r->lock;
        const struct lk_config *c = &lock->conf;
        struct lk_opener_config oc = {
                .len = LK_OPENER_CONFIG_FULL, /* [DECISION O4.1] 73 bytes */
                .nuki_id = c->nuki_id,
                .latitude = c->latitude,
                .longitude = c->longitude,
                .capabilities = lock->opener.capabilities,
                .pairing_enabled = c->pairing_enabled,
                .button_enabled = c->button_enabled,
                .led_flash_enabled = c->led_enabled,
                .timezone_offset = c->timezone_offset,
                .dst_mode = c->dst_mode,
                .has_fob = c->has_fob,
                .operating_mode = lock->opener.operating_mode,
                .advertising_mode = c->advertising_mode,
                /* the keypad flag follows the keypad; [DECISION] a Keypad 1.0 */
                .has_keypad = sim_keypad_present(lock),
                .timezone_id = c->timezone_id,
        };

        memcpy(oc.name, c->name, sizeof(oc.name));
        memcpy(oc.fob_action, c->fob_action, sizeof(oc.fob_action));
        memcpy(oc.firmware_version, c->firmware_version, sizeof(oc.firmware_version));
        memcpy(oc.hardware_revision, c->hardware_revision, sizeof(oc.hardware_revision));
        sim_unix_to_dt(sim_now(lock), &oc.current_time);
        SIM_REPLY_WITH(r, LK_CMD_CONFIG, lk_opener_config_encode, &oc);
}

static bool fob_ok(uint8_t f)
{
        return f <= LK_OPENER_FOB_DEACTIVATE_RTO || f == LK_OPENER_FOB_OPEN || f == LK_OPENER_FOB_RING;
}

static void do_set_config(struct req *r, const struct lk_opener_set_config *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_config *c = &lock->conf;

        /* O7.4: an operating mode the firmware does not know has its own error (O8) */
        if (m->operating_mode > LK_OPENER_MODE_MAX) {
                sim_reply_error(r, LK_OPENER_K_ERROR_OPERATING_MODE_UNKNOWN);
                return;
        }
        if (m->name[0] == '\0' || m->capabilities > LK_OPENER_CAP_RTO || m->dst_mode > LK_DST_EUROPEAN ||
            !fob_ok(m->fob_action[0]) || !fob_ok(m->fob_action[1]) || !fob_ok(m->fob_action[2]) ||
            m->advertising_mode > LK_ADV_SLOWEST ||
            (m->timezone_id >= LK_TIMEZONE_COUNT && m->timezone_id != LK_TIMEZONE_NONE) ||
            m->timezone_offset < LK_TIMEZONE_OFFSET_MIN || m->timezone_offset > LK_TIMEZONE_OFFSET_MAX) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        memcpy(c->name, m->name, sizeof(c->name));
        c->latitude = m->latitude;
        c->longitude = m->longitude;
        c->pairing_enabled = m->pairing_enabled;
        c->button_enabled = m->button_enabled;
        c->led_enabled = m->led_flash_enabled;
        c->timezone_offset = m->timezone_offset;
        c->dst_mode = m->dst_mode;
        memcpy(c->fob_action, m->fob_action, sizeof(c->fob_action));
        c->advertising_mode = m->advertising_mode;
        c->timezone_id = m->timezone_id;
        lock->opener.capabilities = m->capabilities;
        lock->opener.operating_mode = m->operating_mode;
        lock->config_count++;
        sim_changed(lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static bool sound_ok(uint8_t s)
{
        return s <= LK_OPENER_SOUND_3;
}

static void do_set_advanced_config(struct req *r, const struct lk_opener_advanced_config *m)
{
        struct lk_opener_advanced_config *a = &r->lock->opener.adv;
        bool auto_update = a->auto_update_enabled;

        /* O5.1 ranges */
        if (m->bus_mode_switch > LK_OPENER_BUS_SWITCH_SHORT_CIRCUIT || m->electric_strike_delay > 30000 ||
            m->electric_strike_duration < 1000 || m->electric_strike_duration > 30000 ||
            m->rto_timeout < 5 || m->rto_timeout > 60 || m->doorbell_suppression > LK_OPENER_SUPPRESS_ALL ||
            m->doorbell_suppression_duration > 10000 || !sound_ok(m->sound_ring) || !sound_ok(m->sound_open) ||
            !sound_ok(m->sound_rto) || !sound_ok(m->sound_cm) ||
            m->single_button_action > LK_OPENER_BUTTON_OPEN || m->double_button_action > LK_OPENER_BUTTON_OPEN ||
            m->battery_type > LK_BATTERY_LITHIUM) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        /* [DECISION O5.2] pyNukiBT's 25 bytes too: byte 12 then reads 0 (the decoder's) */
        *a = *m;
        a->len = LK_OPENER_ADVANCED_CONFIG_FULL;
        a->auto_update_enabled = auto_update; /* read-only */
        r->lock->config_count++;
        sim_changed(r->lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

bool sim_exec_opener(struct req *r, union sim_cmd_fields *f)
{
        switch (r->cmd) {
        case LK_CMD_REQUEST_CONFIG:
                do_request_config(r);
                return true;
        case LK_CMD_SET_CONFIG:
                do_set_config(r, &f->opener_set_config);
                return true;
        case LK_CMD_REQUEST_ADVANCED_CONFIG:
                SIM_REPLY_WITH(r, LK_CMD_ADVANCED_CONFIG, lk_opener_advanced_config_encode,
                               &r->lock->opener.adv);
                return true;
        case LK_CMD_SET_ADVANCED_CONFIG:
                do_set_advanced_config(r, &f->opener_adv);
                return true;
        default:
                return sim_exec_opener_action(r, f);
        }
}
