/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the motor — lock actions that take their time (spec §5.3, §7.2–§7.5,
 * §10), and the physical controls that start them: the button, the keypad, the knob.
 *
 * A run shows the action's first transitional state at once (with ACCEPTED to a requester
 * over USDIO), the states between as the motor turns, and the final state with COMPLETE after
 * the action's motor time (sim_config.motor_ms). Faults: a jam ends the run in "motor
 * blocked" with K_ERROR_MOTOR_BLOCKED; a hang never reaches the end, and after
 * SIM_MOTOR_TIMEOUT_MS gives up in "undefined" with K_ERROR_MOTOR_TIMEOUT. While a run turns
 * every other action is refused as busy (spec §8 0x45). A dropped link does not stop the
 * motor: the run ends and is logged; only its answers have nobody to go to.
 */
#include <errno.h>
#include <stdio.h>

#include "lock-private.h"

bool sim_action_valid(const struct sim_lock *lock, uint8_t action)
{
        if (sim_is_opener(lock))
                return sim_opener_action_valid(action);
        switch (action) {
        case LK_ACTION_UNLOCK:
        case LK_ACTION_LOCK:
        case LK_ACTION_UNLATCH:
        case LK_ACTION_LOCK_N_GO:
        case LK_ACTION_LOCK_N_GO_UNLATCH:
        case LK_ACTION_FULL_LOCK:
        case LK_ACTION_FOB_1:
        case LK_ACTION_FOB_2:
        case LK_ACTION_FOB_3:
                return true;
        default:
                return false;
        }
}

bool sim_is_locked(uint8_t state)
{
        return state == LK_LOCK_STATE_LOCKED || state == LK_LOCK_STATE_LOCKING;
}

uint8_t sim_action_resolve(const struct sim_lock *lock, uint8_t action)
{
        uint8_t fob;

        if (sim_is_opener(lock))
                return sim_opener_resolve(lock, action);
        if (action < LK_ACTION_FOB_1 || action > LK_ACTION_FOB_3)
                return action;
        fob = lock->conf.fob_action[action - LK_ACTION_FOB_1];
        switch (fob) {
        case LK_FOB_UNLOCK:
                return LK_ACTION_UNLOCK;
        case LK_FOB_LOCK:
                return LK_ACTION_LOCK;
        case LK_FOB_LOCK_N_GO:
                return LK_ACTION_LOCK_N_GO;
        case LK_FOB_INTELLIGENT:
                return sim_is_locked(lock->lock_state) ? LK_ACTION_UNLOCK : LK_ACTION_LOCK;
        default:
                return LK_ACTION_NONE;
        }
}

/* spec §10: the states an action passes from state s; 0 when s is its target already. */
static unsigned action_states(const struct sim_lock *lock, uint8_t action, uint8_t s,
                              uint8_t ret[static 3])
{
        if (sim_is_opener(lock))
                return sim_opener_action_states(lock, action, s, ret);
        switch (action) {
        case LK_ACTION_UNLOCK:
                if (s == LK_LOCK_STATE_UNLOCKED)
                        return 0;
                ret[0] = LK_LOCK_STATE_UNLOCKING;
                ret[1] = LK_LOCK_STATE_UNLOCKED;
                return 2;
        case LK_ACTION_LOCK:
        case LK_ACTION_FULL_LOCK:
                if (s == LK_LOCK_STATE_LOCKED)
                        return 0;
                ret[0] = LK_LOCK_STATE_LOCKING;
                ret[1] = LK_LOCK_STATE_LOCKED;
                return 2;
        case LK_ACTION_UNLATCH:
                ret[0] = LK_LOCK_STATE_UNLATCHING;
                ret[1] = LK_LOCK_STATE_UNLATCHED;
                ret[2] = LK_LOCK_STATE_UNLOCKED;
                return 3;
        case LK_ACTION_LOCK_N_GO_UNLATCH:
                ret[0] = LK_LOCK_STATE_UNLATCHING;
                ret[1] = LK_LOCK_STATE_UNLATCHED;
                ret[2] = LK_LOCK_STATE_UNLOCKED_LOCK_N_GO;
                return 3;
        case LK_ACTION_LOCK_N_GO:
                ret[0] = s == LK_LOCK_STATE_UNLOCKED ? LK_LOCK_STATE_UNLOCKED_LOCK_N_GO
                                                     : LK_LOCK_STATE_UNLOCKING;
                ret[1] = LK_LOCK_STATE_UNLOCKED_LOCK_N_GO;
                return 2;
        default:
                return 0;
        }
}

static int64_t now_ms(const struct sim_lock *lock)
{
        if (lock->io.now_ms)
                return lock->io.now_ms(lock->io.userdata);
        return lock->io.now(lock->io.userdata) * 1000;
}

static void show(struct sim_lock *lock, uint8_t state)
{
        lock->lock_state = state;
        lock->state_changed = true;
        if (lock->motor.notify)
                sim_reply_states(&lock->motor.req);
}

/* The run is over: record it, log it, answer. error 0 for COMPLETE, else the spec §8 code. */
static void finish(struct sim_lock *lock, uint8_t completion, uint8_t error)
{
        struct sim_motor *m = &lock->motor;
        uint8_t d[4] = { m->action, m->trigger, m->flags, completion };

        m->running = false;
        lock->opener.ring_run = false;
        lock->last_completion = completion;
        if (m->log)
                sim_log_add(lock, m->log_auth, m->log_name, LK_LOG_LOCK_ACTION, d, sizeof(d));
        if (completion == LK_COMPLETION_SUCCESS && lock->lock_state == LK_LOCK_STATE_UNLOCKED_LOCK_N_GO)
                lock->lng_relock_at = sim_now(lock) + lock->adv.lock_n_go_timeout;
        sim_changed(lock);
        if (m->notify) {
                if (error)
                        sim_reply_error(&m->req, error);
                else
                        sim_reply_status(&m->req, LK_STATUS_COMPLETE);
        }
        m->notify = false;
        lk_wipe(&m->req, sizeof(m->req));
}

/* Move the run on to where its time says: the states between, then its end. */
static void advance(struct sim_lock *lock)
{
        struct sim_motor *m = &lock->motor;
        int64_t elapsed = now_ms(lock) - m->start_ms;
        unsigned steps = m->n_states - 1; /* states after the first; the last is the final one */

        if (!m->running)
                return;
        if (m->fault == SIM_MOTOR_HANG) {
                if (elapsed >= SIM_MOTOR_TIMEOUT_MS) {
                        show(lock, LK_LOCK_STATE_UNDEFINED);
                        finish(lock, LK_COMPLETION_INCOMPLETE, LK_K_ERROR_MOTOR_TIMEOUT);
                }
                return;
        }
        /* state k (1 ≤ k < steps) at duration × k / steps */
        while (m->shown < steps && elapsed * (int64_t)steps >= (int64_t)m->duration_ms * m->shown)
                show(lock, m->states[m->shown++]);
        if (elapsed < (int64_t)m->duration_ms)
                return;
        if (m->fault == SIM_MOTOR_JAM) {
                show(lock, LK_LOCK_STATE_MOTOR_BLOCKED);
                finish(lock, LK_COMPLETION_MOTOR_BLOCKED, LK_K_ERROR_MOTOR_BLOCKED);
                return;
        }
        show(lock, m->states[steps]);
        finish(lock, LK_COMPLETION_SUCCESS, 0);
}

int sim_motor_start(struct sim_lock *lock, uint8_t action, const struct sim_run *run)
{
        struct sim_motor *m = &lock->motor;
        uint8_t states[3];
        unsigned n;

        if (m->running)
                return -EBUSY;
        if (action == LK_ACTION_NONE || action >= SIM_MOTOR_ACTIONS)
                return -EINVAL;
        n = action_states(lock, action, lock->lock_state, states);
        if (n == 0)
                return 0;
        *m = (struct sim_motor){
                .running = true,
                .action = action,
                .trigger = run->trigger,
                .flags = run->flags,
                .n_states = n,
                .shown = 1,
                .start_ms = now_ms(lock),
                /* an Opener's strike takes the unlatch slot's time (same value, 3); its
                 * switches (RTO, CM) take none */
                .duration_ms = !sim_is_opener(lock) || action == LK_OPENER_ACTION_ELECTRIC_STRIKE
                                       ? lock->cfg.motor_ms[action] : 0,
                .fault = lock->motor_fault,
                .notify = run->req != NULL,
                .log = run->log,
                .log_auth = run->log_auth,
        };
        memcpy(m->states, states, sizeof(states));
        if (run->log_name)
                snprintf(m->log_name, sizeof(m->log_name), "%s", run->log_name);
        if (run->req) {
                m->req = *run->req;
                m->req.fields = NULL;
                m->req.fields_len = 0;
        }
        lock->motor_fault = SIM_MOTOR_NORMAL; /* one shot */
        lock->last_action = action;
        lock->last_trigger = run->trigger;
        lock->lng_relock_at = 0;
        if (sim_is_opener(lock))
                sim_opener_action_begin(lock, action);
        if (m->notify)
                sim_reply_status(&m->req, LK_STATUS_ACCEPTED);
        show(lock, states[0]);
        advance(lock);
        return 1;
}

void sim_motor_tick(struct sim_lock *lock)
{
        advance(lock);
}

void sim_motor_disconnect(struct sim_lock *lock)
{
        lock->motor.notify = false;
        lk_wipe(&lock->motor.req, sizeof(lock->motor.req));
}

int64_t sim_lock_motor_deadline(const struct sim_lock *lock)
{
        const struct sim_motor *m = &lock->motor;
        unsigned steps = m->n_states - 1;

        if (!m->running)
                return INT64_MAX;
        if (m->fault == SIM_MOTOR_HANG)
                return m->start_ms + SIM_MOTOR_TIMEOUT_MS;
        if (m->shown < steps) /* the first ms at which advance() shows state m->shown */
                return m->start_ms + ((int64_t)m->duration_ms * m->shown + steps - 1) / steps;
        return m->start_ms + m->duration_ms;
}

uint8_t sim_lock_motor_action(const struct sim_lock *lock)
{
        return lock->motor.running ? lock->motor.action : LK_ACTION_NONE;
}

void sim_lock_fault_motor(struct sim_lock *lock, enum sim_motor_fault f)
{
        lock->motor_fault = f;
}

int sim_lock_set_motor_ms(struct sim_lock *lock, uint8_t action, unsigned ms)
{
        if (action >= SIM_MOTOR_ACTIONS || ms > SIM_MOTOR_MS_MAX)
                return -EINVAL;
        for (uint8_t a = 1; a < SIM_MOTOR_ACTIONS; a++)
                if (action == 0 || action == a)
                        lock->cfg.motor_ms[a] = ms;
        return 0;
}

/* ---- physical controls ---- */

static uint8_t button_to_action(const struct sim_lock *lock, uint8_t b)
{
        switch (b) {
        case LK_BUTTON_INTELLIGENT:
                return sim_is_locked(lock->lock_state) ? LK_ACTION_UNLOCK : LK_ACTION_LOCK;
        case LK_BUTTON_UNLOCK:
                return LK_ACTION_UNLOCK;
        case LK_BUTTON_LOCK:
                return LK_ACTION_LOCK;
        case LK_BUTTON_UNLATCH:
                return LK_ACTION_UNLATCH;
        case LK_BUTTON_LOCK_N_GO:
                return LK_ACTION_LOCK_N_GO;
        default:
                return LK_ACTION_NONE;
        }
}

int sim_lock_press_button(struct sim_lock *lock, unsigned seconds)
{
        const struct sim_run run = { .trigger = LK_TRIGGER_BUTTON, .log = true, .log_name = "" };
        uint8_t action;

        if (!lock->conf.button_enabled)
                return -EPERM;
        if (seconds >= SIM_PAIRING_BUTTON_S) {
                if (!lock->conf.pairing_enabled)
                        return -EPERM;
                lock->pairing_until = lock->io.now(lock->io.userdata) +
                                      (int64_t)lock->cfg.pairing_timeout_s;
                return 1;
        }
        action = sim_is_opener(lock) ? sim_opener_button_action(lock)
                                     : button_to_action(lock, lock->adv.single_button_action);
        if (action != LK_ACTION_NONE && sim_motor_start(lock, action, &run) == -EBUSY)
                return -EBUSY;
        return 0;
}

/* A hand on the knob moves the bolt without the motor: straight to the final state. */
int sim_lock_turn_knob(struct sim_lock *lock, uint8_t action)
{
        uint8_t states[3], d[4];
        unsigned n;

        if (sim_is_opener(lock))
                return -EOPNOTSUPP; /* an intercom has no knob */
        if (!sim_action_valid(lock, action))
                return -EINVAL;
        if (lock->motor.running)
                return -EBUSY;
        action = sim_action_resolve(lock, action);
        n = action_states(lock, action, lock->lock_state, states);
        if (n == 0)
                return 0;
        lock->lock_state = states[n - 1];
        lock->last_action = action;
        lock->last_trigger = LK_TRIGGER_MANUAL;
        lock->last_completion = LK_COMPLETION_SUCCESS;
        lock->state_changed = true;
        lock->lng_relock_at = 0;
        d[0] = action;
        d[1] = LK_TRIGGER_MANUAL;
        d[2] = 0;
        d[3] = LK_COMPLETION_SUCCESS;
        sim_log_add(lock, 0, "", LK_LOG_LOCK_ACTION, d, sizeof(d));
        sim_changed(lock);
        return 0;
}

/* Keypad action values (spec §6.17) to lock actions. */
static int keypad_action(const struct sim_lock *lock, uint8_t a, uint8_t *ret)
{
        switch (a) {
        case 0x00:
                *ret = sim_is_locked(lock->lock_state) ? LK_ACTION_UNLOCK : LK_ACTION_LOCK;
                return 0;
        case 0x01:
                *ret = LK_ACTION_UNLOCK;
                return 0;
        case 0x02:
                *ret = LK_ACTION_LOCK;
                return 0;
        case 0x03:
                *ret = LK_ACTION_UNLATCH;
                return 0;
        case 0x04:
                *ret = LK_ACTION_LOCK_N_GO;
                return 0;
        default:
                return -EINVAL;
        }
}

/* Does the code open now? Counts wrong codes towards the keypad lockout. */
static struct lk_keypad_code *keypad_check(struct sim_lock *lock, uint32_t code,
                                           struct sim_keypad_result *res)
{
        struct lk_keypad_code *c = NULL;
        int64_t vnow = sim_vnow(lock);

        if (lock->keypad_lockout_until > vnow) {
                res->locked_out = true;
                return NULL;
        }
        c = sim_code_find_value(lock, code);
        if (c && (!c->enabled || !sim_window_allows(lock, &c->window)))
                c = NULL;
        if (c) {
                lock->keypad_failures = 0;
                return c;
        }
        if (++lock->keypad_failures >= SIM_KEYPAD_FAILS_MAX) {
                lock->keypad_failures = 0;
                lock->keypad_lockout_until = vnow + SIM_KEYPAD_LOCKOUT_S;
        }
        return NULL;
}

int sim_keypad_entry(struct sim_lock *lock, uint32_t auth_id, const char *name, uint32_t code,
                     uint8_t action, const struct req *req, struct sim_keypad_result *ret)
{
        struct sim_keypad_result res = { .completion = LK_COMPLETION_INVALID_CODE };
        const struct sim_run run = { .trigger = LK_TRIGGER_MANUAL, .req = req };
        struct lk_keypad_code *c;
        uint8_t concrete, d[5];

        if (keypad_action(lock, action, &concrete) < 0)
                return -EINVAL;
        /* [DECISION O12.7] any action key on an Opener's keypad actuates the strike */
        if (sim_is_opener(lock))
                concrete = LK_OPENER_ACTION_ELECTRIC_STRIKE;
        if (lock->motor.running)
                res.completion = LK_COMPLETION_BUSY; /* spec §7.5 0x04 */
        else if ((c = keypad_check(lock, code, &res))) {
                res.completion = LK_COMPLETION_SUCCESS;
                res.code_id = c->id;
                c->lock_count++;
                sim_unix_to_dt(sim_now(lock), &c->last_active);
        }
        /* spec §6.29 type 0x05: action, source, completion, code id */
        d[0] = concrete;
        d[1] = LK_KEYPAD_SOURCE_CODE;
        d[2] = res.completion;
        sim_put16(d + 3, res.code_id);
        sim_log_add(lock, auth_id, name, LK_LOG_KEYPAD_ACTION, d, sizeof(d));
        sim_changed(lock);
        if (res.completion == LK_COMPLETION_SUCCESS && sim_motor_start(lock, concrete, &run) == 0 && req)
                sim_reply_status(req, LK_STATUS_COMPLETE); /* in the target state already */
        *ret = res;
        return 0;
}

int sim_lock_keypad_type(struct sim_lock *lock, uint32_t code, uint8_t action,
                         struct sim_keypad_result *ret)
{
        return sim_keypad_entry(lock, 0, "Keypad", code, action, NULL, ret);
}
