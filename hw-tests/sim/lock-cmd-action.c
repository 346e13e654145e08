/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the commands that move the lock — Lock Action, Simple Lock Action,
 * Keypad Action (spec §6.15–§6.17, run on the motor by lock-motor.c), Request Calibration and
 * Request Reboot (§6.26).
 */
#include <errno.h>

#include "lock-private.h"

/* The log name: the authorization's name with the suffix appended (spec §6.29). */
static void log_name(const struct sim_auth *a, const char *suffix, char ret[static LK_AUTH_NAME_SIZE + 1])
{
        size_t n = strlen(a->name), m = suffix ? strlen(suffix) : 0;

        memcpy(ret, a->name, n);
        if (n + m > LK_AUTH_NAME_SIZE) {
                m = LK_AUTH_NAME_SIZE - n;
                while (m > 0 && ((uint8_t)suffix[m] & 0xC0) == 0x80)
                        m--;
        }
        if (m)
                memcpy(ret + n, suffix, m);
        ret[n + m] = '\0';
}

/* spec §5.3: ACCEPTED, the states as the motor turns, COMPLETE (lock-motor.c sends them). */
static void perform_action(struct req *r, uint8_t action, uint8_t flags, const char *suffix)
{
        struct sim_lock *lock = r->lock;
        struct sim_auth *a = sim_auth_find(lock, r->auth_id);
        char name[LK_AUTH_NAME_SIZE + 1];
        struct sim_run run = { .trigger = LK_TRIGGER_SYSTEM, .flags = flags, .req = r, .log = true,
                               .log_auth = a->id, .log_name = name };
        int k;

        log_name(a, suffix, name);
        k = sim_motor_start(lock, sim_action_resolve(lock, action), &run);
        if (k == -EBUSY) {
                sim_reply_error(r, LK_K_ERROR_BUSY); /* spec §8: an action is in progress */
                return;
        }
        if (k <= 0) {
                /* spec §5.1 [OSS]: already in the target state → COMPLETE without ACCEPTED */
                sim_reply_status(r, LK_STATUS_COMPLETE);
                return;
        }
        a->lock_count++;
        a->last_active = sim_now(lock);
        sim_changed(lock);
}

static void do_lock_action(struct req *r, const struct lk_lock_action_msg *m)
{
        uint8_t error = sim_is_opener(r->lock) ? sim_opener_action_check(r, m->action)
                        : sim_action_valid(r->lock, m->action) ? 0 : LK_K_ERROR_BAD_PARAMETER;

        if (error) {
                sim_reply_error(r, error);
                return;
        }
        perform_action(r, m->action, m->flags, m->suffix);
}

static void do_simple_lock_action(struct req *r, const struct lk_simple_lock_action *m)
{
        /* [DECISION O2] its unlock/lock have no Opener meaning */
        if ((m->action != LK_ACTION_UNLOCK && m->action != LK_ACTION_LOCK) || sim_is_opener(r->lock)) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        perform_action(r, m->action, 0, m->suffix);
}

static void do_keypad_action(struct req *r, const struct lk_keypad_action *m)
{
        struct sim_auth *a = sim_auth_find(r->lock, r->auth_id);
        struct sim_keypad_result res;

        if (m->source != LK_KEYPAD_SOURCE_CODE || m->action > 4) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        /* On success the motor answers (ACCEPTED, states, COMPLETE). */
        if (sim_keypad_entry(r->lock, a->id, a->name, m->code, m->action, r, &res) < 0) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        if (res.locked_out)
                sim_reply_error(r, LK_K_ERROR_CODE_INVALID_TIMEOUT_1);
        else if (res.completion == LK_COMPLETION_BUSY)
                sim_reply_error(r, LK_K_ERROR_BUSY);
        else if (res.completion != LK_COMPLETION_SUCCESS)
                sim_reply_error(r, LK_K_ERROR_CODE_INVALID);
}

static void do_calibration(struct req *r)
{
        struct sim_lock *lock = r->lock;
        struct sim_auth *a = sim_auth_find(lock, r->auth_id);
        uint8_t d[4] = { LK_ACTION_NONE, LK_TRIGGER_SYSTEM, 0, LK_COMPLETION_SUCCESS };

        if (lock->motor.running) {
                sim_reply_error(r, LK_K_ERROR_BUSY);
                return;
        }
        if (sim_is_opener(lock)) {
                sim_opener_calibrated(r);
                return;
        }
        /* spec §5.1 [DECISION]: ACCEPTED, Keyturner States (0xFC …), COMPLETE */
        sim_reply_status(r, LK_STATUS_ACCEPTED);
        lock->lock_state = LK_LOCK_STATE_CALIBRATION;
        sim_reply_states(r);
        lock->lock_state = LK_LOCK_STATE_UNLOCKED;
        lock->state_changed = true;
        sim_reply_states(r);
        sim_log_add(lock, a->id, a->name, LK_LOG_CALIBRATION, d, sizeof(d));
        sim_changed(lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

bool sim_exec_action(struct req *r, union sim_cmd_fields *f)
{
        switch (r->cmd) {
        case LK_CMD_LOCK_ACTION:
                do_lock_action(r, &f->lock_action);
                return true;
        case LK_CMD_SIMPLE_LOCK_ACTION:
                do_simple_lock_action(r, &f->simple);
                return true;
        case LK_CMD_KEYPAD_ACTION:
                do_keypad_action(r, &f->keypad_action);
                return true;
        case LK_CMD_REQUEST_CALIBRATION:
                do_calibration(r);
                return true;
        case LK_CMD_REQUEST_REBOOT:
                sim_reply_status(r, LK_STATUS_COMPLETE);
                /* [DECISION] a reboot forgets pending challenges and pairing sessions */
                sim_challenges_drop(r->lock);
                sim_pairing_reset(r->lock);
                return true;
        default:
                return false;
        }
}
