/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the Nuki Opener's model (../shared/spec/nuki-opener.md, "O<n>") — its
 * Keyturner States, what its lock actions do on the motor (ring to open, continuous mode, the
 * electric strike), ring to open's timeout and its log entries. What makes it act (the
 * Continuous Mode Action, Set Calibrated, a doorbell ring) is lock-opener-action.c, its
 * configuration commands lock-opener-config.c; both sit above the motor, this below it.
 *
 * The model: lock state online (0x01) or RTO active (0x03); continuous mode is the Nuki state
 * 0x03 (O7.1), independent of RTO [DECISION: nuki_hub's guess that RTO ends CM is
 * unconfirmed, O6.2]. The strike runs on the motor: opening (0x07) at once, open (0x05),
 * then back to the state before (O6.1), over the unlatch slot's motor time. A ring while RTO
 * or CM is on runs the strike with trigger manual (O7.3); the motor time stands for the
 * strike delay and duration [DECISION], so tests set it to 0.
 */
#include <errno.h>

#include "lock-private.h"

bool sim_opener_action_valid(uint8_t action)
{
        switch (action) {
        case LK_OPENER_ACTION_ACTIVATE_RTO:
        case LK_OPENER_ACTION_DEACTIVATE_RTO:
        case LK_OPENER_ACTION_ELECTRIC_STRIKE:
        case LK_OPENER_ACTION_ACTIVATE_CM:
        case LK_OPENER_ACTION_DEACTIVATE_CM:
        case LK_OPENER_ACTION_FOB_1:
        case LK_OPENER_ACTION_FOB_2:
        case LK_OPENER_ACTION_FOB_3:
                return true;
        default:
                return false;
        }
}

uint8_t sim_opener_action_check(const struct req *r, uint8_t action)
{
        const struct sim_auth *a = sim_auth_find(r->lock, r->auth_id);

        if (!sim_opener_action_valid(action))
                return LK_K_ERROR_BAD_PARAMETER;
        /* [DECISION O6.2] an App switches CM with 0x0057, unless the switch allows it */
        if ((action == LK_OPENER_ACTION_ACTIVATE_CM || action == LK_OPENER_ACTION_DEACTIVATE_CM) &&
            a && !lk_opener_cm_via_lock_action(a->id_type) && !r->lock->cfg.opener_app_cm)
                return LK_K_ERROR_NOT_AUTHORIZED;
        return 0;
}

static uint8_t toggle_rto(const struct sim_lock *lock)
{
        return lock->lock_state == LK_OPENER_STATE_RTO_ACTIVE ? LK_OPENER_ACTION_DEACTIVATE_RTO
                                                               : LK_OPENER_ACTION_ACTIVATE_RTO;
}

/* O7.6: a fob action configured in Config 59–61. "Ring" rings nothing here [DECISION]. */
uint8_t sim_opener_resolve(const struct sim_lock *lock, uint8_t action)
{
        if (action < LK_OPENER_ACTION_FOB_1 || action > LK_OPENER_ACTION_FOB_3)
                return action;
        switch (lock->conf.fob_action[action - LK_OPENER_ACTION_FOB_1]) {
        case LK_OPENER_FOB_TOGGLE_RTO:
                return toggle_rto(lock);
        case LK_OPENER_FOB_ACTIVATE_RTO:
                return LK_OPENER_ACTION_ACTIVATE_RTO;
        case LK_OPENER_FOB_DEACTIVATE_RTO:
                return LK_OPENER_ACTION_DEACTIVATE_RTO;
        case LK_OPENER_FOB_OPEN:
                return LK_OPENER_ACTION_ELECTRIC_STRIKE;
        default:
                return LK_OPENER_ACTION_NONE;
        }
}

/* O7.7: the single button press action. */
uint8_t sim_opener_button_action(const struct sim_lock *lock)
{
        switch (lock->opener.adv.single_button_action) {
        case LK_OPENER_BUTTON_TOGGLE_RTO:
                return toggle_rto(lock);
        case LK_OPENER_BUTTON_ACTIVATE_RTO:
                return LK_OPENER_ACTION_ACTIVATE_RTO;
        case LK_OPENER_BUTTON_DEACTIVATE_RTO:
                return LK_OPENER_ACTION_DEACTIVATE_RTO;
        case LK_OPENER_BUTTON_TOGGLE_CM:
                return lock->opener.cm ? LK_OPENER_ACTION_DEACTIVATE_CM : LK_OPENER_ACTION_ACTIVATE_CM;
        case LK_OPENER_BUTTON_ACTIVATE_CM:
                return LK_OPENER_ACTION_ACTIVATE_CM;
        case LK_OPENER_BUTTON_DEACTIVATE_CM:
                return LK_OPENER_ACTION_DEACTIVATE_CM;
        case LK_OPENER_BUTTON_OPEN:
                return LK_OPENER_ACTION_ELECTRIC_STRIKE;
        default:
                return LK_OPENER_ACTION_NONE;
        }
}

/* O6.1: the lock states an action shows from state s; 0 when it is in effect already. */
unsigned sim_opener_action_states(const struct sim_lock *lock, uint8_t action, uint8_t s,
                                  uint8_t ret[static 3])
{
        switch (action) {
        case LK_OPENER_ACTION_ACTIVATE_RTO:
                if (s == LK_OPENER_STATE_RTO_ACTIVE)
                        return 0;
                ret[0] = LK_OPENER_STATE_RTO_ACTIVE;
                return 1;
        case LK_OPENER_ACTION_DEACTIVATE_RTO:
                if (s != LK_OPENER_STATE_RTO_ACTIVE)
                        return 0;
                ret[0] = LK_OPENER_STATE_ONLINE;
                return 1;
        case LK_OPENER_ACTION_ELECTRIC_STRIKE:
                ret[0] = LK_OPENER_STATE_OPENING;
                ret[1] = LK_OPENER_STATE_OPEN;
                /* back to the state before; a ring ends RTO if so configured (O5.1 byte 10) */
                ret[2] = lock->opener.ring_run && lock->opener.adv.disable_rto_after_ring &&
                                         s == LK_OPENER_STATE_RTO_ACTIVE
                                 ? LK_OPENER_STATE_ONLINE
                                 : s;
                return 3;
        case LK_OPENER_ACTION_ACTIVATE_CM:
        case LK_OPENER_ACTION_DEACTIVATE_CM:
                if (lock->opener.cm == (action == LK_OPENER_ACTION_ACTIVATE_CM))
                        return 0;
                ret[0] = s; /* the lock state stays; the Nuki state changes */
                return 1;
        default:
                return 0;
        }
}

void sim_opener_action_begin(struct sim_lock *lock, uint8_t action)
{
        struct sim_opener *o = &lock->opener;

        switch (action) {
        case LK_OPENER_ACTION_ACTIVATE_RTO:
                o->rto_until = sim_now(lock) + (int64_t)o->adv.rto_timeout * 60;
                break;
        case LK_OPENER_ACTION_DEACTIVATE_RTO:
                o->rto_until = 0;
                break;
        case LK_OPENER_ACTION_ACTIVATE_CM:
                o->cm = true;
                break;
        case LK_OPENER_ACTION_DEACTIVATE_CM:
                o->cm = false;
                break;
        case LK_OPENER_ACTION_ELECTRIC_STRIKE:
                if (o->ring_run && o->adv.disable_rto_after_ring &&
                    lock->lock_state == LK_OPENER_STATE_RTO_ACTIVE)
                        o->rto_until = 0;
                break;
        default:
                break;
        }
}

/* ---- Keyturner States (O3) ---- */

void sim_opener_states(const struct sim_lock *lock, struct lk_opener_keyturner_states *ret)
{
        int64_t now = sim_now(lock), left = lock->opener.rto_until - now;
        struct lk_opener_keyturner_states s = {
                .len = LK_OPENER_KEYTURNER_STATES_FULL, /* [DECISION O3] 26 bytes */
                .nuki_state = sim_nuki_state(lock),
                .lock_state = lock->lock_state,
                .trigger = lock->last_trigger,
                .timezone_offset = (int16_t)sim_local_offset(lock, now),
                .battery_state = lock->battery < 20 ? LK_OPENER_BATTERY_CRITICAL : 0,
                .config_update_count = lock->config_count,
                .last_lock_action = lock->last_action,
                .last_lock_trigger = lock->last_trigger,
                .last_lock_completion = lock->last_completion,
        };

        sim_unix_to_dt(now, &s.current_time);
        /* [DECISION O12.5] minutes left while RTO is on (rounded up), 0 when off */
        if (lock->lock_state == LK_OPENER_STATE_RTO_ACTIVE && lock->opener.rto_until && left > 0)
                s.rto_timer = (uint8_t)((left + 59) / 60 > 254 ? 254 : (left + 59) / 60);
        if (sim_keypad_present(lock))
                s.accessory_battery_state = LK_OPENER_KEYPAD_BATTERY_INFO;
        *ret = s;
}

/* ---- log entries (O9) ---- */

void sim_opener_log_action(struct sim_lock *lock, uint32_t auth_id, const char *name,
                           uint8_t type, uint8_t action, uint8_t trigger)
{
        uint8_t d[4] = { action, trigger, 0, LK_COMPLETION_SUCCESS };

        sim_log_add(lock, auth_id, name, type, d, sizeof(d));
}

void sim_opener_log_entry(const struct sim_log_entry *e, struct lk_opener_log_entry *ret)
{
        const uint8_t *d = e->data;
        struct lk_opener_log_entry x = { .index = e->index, .auth_id = e->auth_id, .type = e->type,
                                         .data_len = e->data_len };

        sim_unix_to_dt(e->time, &x.timestamp);
        memcpy(x.name, e->name, sizeof(x.name));
        switch (e->type) {
        case LK_OPENER_LOG_LOGGING_ENABLED:
                x.data.enabled = d[0] != 0;
                break;
        case LK_OPENER_LOG_LOCK_ACTION:
        case LK_OPENER_LOG_CALIBRATION:
                x.data.action = (struct lk_log_action){ d[0], d[1], d[2], d[3] };
                break;
        case LK_OPENER_LOG_KEYPAD_ACTION:
                x.data.keypad = (struct lk_log_keypad){ d[0], d[1], d[2], sim_get16(d + 3) };
                break;
        case LK_OPENER_LOG_DOORBELL:
                x.data.doorbell = (struct lk_opener_log_doorbell){
                        .mode = d[0] & 0x03,
                        .mode_unknown = d[0] & 0xFC,
                        .source = d[1],
                        .geofence = d[2] != 0,
                        .doorbell_suppression = d[3] != 0,
                        .sound_id = d[4],
                        .completion = d[5],
                        .code_id = sim_get16(d + 6),
                };
                break;
        default:
                memcpy(x.data.raw, d, e->data_len);
                break;
        }
        *ret = x;
}

/* ---- RTO's timeout ---- */

int64_t sim_opener_deadline(const struct sim_lock *lock)
{
        if (lock->lock_state != LK_OPENER_STATE_RTO_ACTIVE || !lock->opener.rto_until ||
            lock->motor.running)
                return INT64_MAX;
        return lock->opener.rto_until - lock->clock_offset; /* to the virtual clock */
}

void sim_opener_tick(struct sim_lock *lock)
{
        if (lock->lock_state != LK_OPENER_STATE_RTO_ACTIVE || !lock->opener.rto_until ||
            lock->motor.running || sim_now(lock) < lock->opener.rto_until)
                return;
        /* O5.1 byte 11: RTO switches itself off after its timeout */
        lock->opener.rto_until = 0;
        lock->lock_state = LK_OPENER_STATE_ONLINE;
        lock->last_action = LK_OPENER_ACTION_DEACTIVATE_RTO;
        lock->last_trigger = LK_TRIGGER_AUTOMATIC;
        lock->last_completion = LK_COMPLETION_SUCCESS;
        lock->state_changed = true;
        sim_opener_log_action(lock, 0, "", LK_OPENER_LOG_LOCK_ACTION,
                              LK_OPENER_ACTION_DEACTIVATE_RTO, LK_TRIGGER_AUTOMATIC);
        sim_changed(lock);
}
