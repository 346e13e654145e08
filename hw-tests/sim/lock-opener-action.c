/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: what makes a Nuki Opener act (../shared/spec/nuki-opener.md, "O<n>"):
 * the Continuous Mode Action command (0x0057, O6.2), Set Calibrated (0x001A, O2) and a ring
 * at the doorbell (O9 [DECISION]), which runs the strike on the motor while ring to open or
 * continuous mode is on. The model they act on is lock-opener.c's.
 */
#include <errno.h>

#include "lock-private.h"

/* ---- Continuous Mode Action (0x0057, O6.2) and Set Calibrated (O2) ---- */

static void do_cm_action(struct req *r, const struct lk_continuous_mode_action *m)
{
        struct sim_lock *lock = r->lock;
        struct sim_auth *a = sim_auth_find(lock, r->auth_id);
        uint8_t action = m->enabled ? LK_OPENER_ACTION_ACTIVATE_CM : LK_OPENER_ACTION_DEACTIVATE_CM;

        if (lock->motor.running) {
                sim_reply_error(r, LK_K_ERROR_BUSY);
                return;
        }
        /* O6.2 [OSS-E]: COMPLETE, no ACCEPTED; [DECISION] no Keyturner States between */
        if (lock->opener.cm != m->enabled) {
                lock->opener.cm = m->enabled;
                lock->last_action = action;
                lock->last_trigger = LK_TRIGGER_SYSTEM;
                lock->last_completion = LK_COMPLETION_SUCCESS;
                lock->state_changed = true;
                sim_opener_log_action(lock, a->id, a->name, LK_OPENER_LOG_LOCK_ACTION, action,
                                      LK_TRIGGER_SYSTEM);
                a->lock_count++;
                a->last_active = sim_now(lock);
                sim_changed(lock);
        }
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

/* 0x001A is "Set Calibrated" on an Opener (O2): the intercom setup is done. */
void sim_opener_calibrated(struct req *r)
{
        struct sim_lock *lock = r->lock;
        struct sim_auth *a = sim_auth_find(lock, r->auth_id);

        if (lock->lock_state == LK_OPENER_STATE_UNTRAINED)
                lock->lock_state = LK_OPENER_STATE_ONLINE;
        sim_opener_log_action(lock, a->id, a->name, LK_OPENER_LOG_CALIBRATION,
                              LK_OPENER_ACTION_NONE, LK_TRIGGER_SYSTEM);
        sim_changed(lock);
        sim_reply_status(r, LK_STATUS_COMPLETE); /* [DECISION] payload N + PIN, COMPLETE only */
}

bool sim_exec_opener_action(struct req *r, union sim_cmd_fields *f)
{
        if (r->cmd != LK_CMD_CONTINUOUS_MODE_ACTION)
                return false;
        do_cm_action(r, &f->cm);
        return true;
}

/* ---- the doorbell (O9 [DECISION]) ---- */

int sim_lock_ring(struct sim_lock *lock, struct sim_ring_result *ret)
{
        const struct sim_run run = { .trigger = LK_TRIGGER_MANUAL, .log = true, .log_name = "" };
        struct sim_opener *o = &lock->opener;
        struct sim_ring_result res = { 0 };
        uint8_t d[LK_OPENER_LOG_DOORBELL_SIZE] = { 0 }, suppress;

        if (!sim_is_opener(lock))
                return -EOPNOTSUPP;
        if (o->cm)
                res.mode = LK_OPENER_RING_MODE_CM;
        else if (lock->lock_state == LK_OPENER_STATE_RTO_ACTIVE)
                res.mode = LK_OPENER_RING_MODE_RTO;
        /* Advanced Config 13: bit0 CM, bit1 RTO, bit2 a ring with neither */
        suppress = res.mode == LK_OPENER_RING_MODE_CM    ? LK_OPENER_SUPPRESS_CM
                   : res.mode == LK_OPENER_RING_MODE_RTO ? LK_OPENER_SUPPRESS_RTO
                                                         : LK_OPENER_SUPPRESS_RING;
        d[0] = res.mode;
        d[1] = LK_OPENER_RING_SOURCE_DOORBELL;
        d[3] = (o->adv.doorbell_suppression & suppress) != 0;
        d[4] = o->adv.sound_ring;
        d[5] = LK_COMPLETION_SUCCESS;
        sim_log_add(lock, 0, "", LK_OPENER_LOG_DOORBELL, d, sizeof(d));
        lock->state_changed = true; /* O1: a ring sets the advertised flag too */
        if (res.mode != LK_OPENER_RING_MODE_NONE) {
                if (lock->motor.running)
                        res.busy = true; /* the strike is open already */
                else {
                        o->ring_run = true;
                        res.opened = sim_motor_start(lock, LK_OPENER_ACTION_ELECTRIC_STRIKE, &run) > 0;
                        if (!lock->motor.running)
                                o->ring_run = false;
                }
        }
        sim_changed(lock);
        *ret = res;
        return 0;
}
