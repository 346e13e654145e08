/* SPDX-License-Identifier: MIT */
/*
 * The virtual lock's motor (hw-tests/sim/lock-motor.c): lock actions that take their time, a
 * jam, a motor that never completes, a link lost mid-action, and Config's keypad flags.
 * The motor's clock is t->now_ms; nothing waits. Spec §5.3, §6.14, §6.15, §6.24, §7.2, §7.5,
 * §8, §10.
 */
#include "sim-client.h"

static struct t *motor_lock(enum lk_generation gen)
{
        struct t *t = t_new(gen, 0);

        sim_lock_free(t->lock);
        t->cfg.motor_ms[LK_ACTION_UNLOCK] = 2000;
        t->cfg.motor_ms[LK_ACTION_LOCK] = 3000;
        t->cfg.motor_ms[LK_ACTION_UNLATCH] = 4000;
        assert_int_equal(sim_lock_new(&t->cfg, &t->io, &lk_env_default, &t->lock), 0);
        sim_lock_connect(t->lock);
        t->now_ms = 1000;
        pair(t);
        return t;
}

static void lock_action(struct t *t, uint8_t action)
{
        struct lk_lock_action_msg la = { .action = action, .app_id = 0x1234 };
        uint8_t buf[LK_LOCK_ACTION_SUFFIX_SIZE];
        size_t n = ENC(lk_lock_action_encode, &la, buf);

        cmd(t, LK_CMD_LOCK_ACTION, buf, n);
}

static uint8_t next_state(struct t *t)
{
        struct lk_keyturner_states ks;

        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        assert_int_equal(lk_keyturner_states_decode(t->m.payload, t->m.len, &ks), 0);
        return ks.lock_state;
}

/* Move the motor's clock to ms and let the engine act on it. */
static void at_ms(struct t *t, int64_t ms)
{
        queue_clear(t);
        t->now_ms = ms;
        sim_lock_tick(t->lock);
}

static void newest_log(struct t *t, struct lk_log_entry *e)
{
        struct lk_request_log_entries rq = { .count = 1, .descending = true };
        uint8_t buf[LK_REQUEST_LOG_ENTRIES_SIZE];
        size_t n = ENC(lk_request_log_entries_encode, &rq, buf);

        cmd(t, LK_CMD_REQUEST_LOG_ENTRIES, buf, n);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
        assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, e), 0);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);
}

/* ACCEPTED and the first state at once; the final state and COMPLETE after the motor time. */
static void outcome_after_motor_time(void **state)
{
        struct t *t = motor_lock(LK_GEN_SMARTLOCK_3);
        struct lk_keyturner_states ks;
        struct lk_log_entry e;
        unsigned logged = sim_lock_log_count(t->lock);

        lock_action(t, LK_ACTION_UNLOCK);
        expect_status(t, LK_STATUS_ACCEPTED);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKING);
        expect_done(t);
        assert_int_equal(sim_lock_motor_action(t->lock), LK_ACTION_UNLOCK);
        assert_int_equal(sim_lock_motor_deadline(t->lock), 1000 + 2000);
        assert_int_equal(sim_lock_log_count(t->lock), logged); /* logged when it ends */

        /* The lock answers other things while it turns, and says it is turning. */
        states(t, &ks);
        assert_int_equal(ks.lock_state, LK_LOCK_STATE_UNLOCKING);
        at_ms(t, 2999);
        expect_done(t);
        at_ms(t, 3000);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKED);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);
        assert_int_equal(sim_lock_motor_action(t->lock), LK_ACTION_NONE);
        assert_int_equal(sim_lock_motor_deadline(t->lock), INT64_MAX);
        states(t, &ks);
        assert_int_equal(ks.last_lock_action, LK_ACTION_UNLOCK);
        assert_int_equal(ks.last_lock_completion, LK_COMPLETION_SUCCESS);
        newest_log(t, &e);
        assert_int_equal(e.type, LK_LOG_LOCK_ACTION);
        assert_int_equal(e.auth_id, t->auth_id);
        assert_int_equal(e.data.action.action, LK_ACTION_UNLOCK);
        assert_int_equal(e.data.action.completion, LK_COMPLETION_SUCCESS);

        /* Unlatch shows three states: unlatched halfway through its 4 s. */
        lock_action(t, LK_ACTION_UNLATCH);
        expect_status(t, LK_STATUS_ACCEPTED);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLATCHING);
        assert_int_equal(sim_lock_motor_deadline(t->lock), 3000 + 2000);
        at_ms(t, 4999);
        expect_done(t);
        at_ms(t, 5000);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLATCHED);
        expect_done(t);
        assert_int_equal(sim_lock_motor_deadline(t->lock), 3000 + 4000);
        at_ms(t, 7000);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKED);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);

        /* A late tick does everything that is due, in order. */
        lock_action(t, LK_ACTION_LOCK);
        expect_status(t, LK_STATUS_ACCEPTED);
        assert_int_equal(next_state(t), LK_LOCK_STATE_LOCKING);
        at_ms(t, 60000);
        assert_int_equal(next_state(t), LK_LOCK_STATE_LOCKED);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);
        t_free(t);
}

/* While the motor turns every other action is refused as busy (spec §8 0x45). */
static void busy_while_turning(void **state)
{
        struct t *t = motor_lock(LK_GEN_SMARTLOCK_3);
        struct sim_keypad_result res;
        struct lk_keypad_code c = { .code = 456789, .name = "Guest" };
        uint8_t buf[LK_ADD_KEYPAD_CODE_SIZE];
        size_t n = ENC(lk_add_keypad_code_encode, &c, buf);

        cmd(t, LK_CMD_ADD_KEYPAD_CODE, buf, n);
        lock_action(t, LK_ACTION_UNLOCK);
        expect_status(t, LK_STATUS_ACCEPTED);
        lock_action(t, LK_ACTION_LOCK);
        expect_error(t, LK_K_ERROR_BUSY, LK_CMD_LOCK_ACTION);
        assert_int_equal(sim_lock_keypad_type(t->lock, 456789, 2, &res), 0);
        assert_int_equal(res.completion, LK_COMPLETION_BUSY);
        assert_int_equal(sim_lock_press_button(t->lock, 1), -EBUSY);
        assert_int_equal(sim_lock_turn_knob(t->lock, LK_ACTION_LOCK), -EBUSY);
        at_ms(t, 3000);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKED);
        expect_status(t, LK_STATUS_COMPLETE);
        /* and free again */
        assert_int_equal(sim_lock_keypad_type(t->lock, 456789, 2, &res), 0);
        assert_int_equal(res.completion, LK_COMPLETION_SUCCESS);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_LOCKING);
        t_free(t);
}

/* A jam: the motor blocks at the end; motor blocked, K_ERROR_MOTOR_BLOCKED, logged so. */
static void jam(void **state)
{
        struct t *t = motor_lock(LK_GEN_SMARTLOCK_3);
        struct lk_keyturner_states ks;
        struct lk_log_entry e;

        sim_lock_fault_motor(t->lock, SIM_MOTOR_JAM);
        lock_action(t, LK_ACTION_UNLOCK);
        expect_status(t, LK_STATUS_ACCEPTED);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKING);
        at_ms(t, 3000);
        assert_int_equal(next_state(t), LK_LOCK_STATE_MOTOR_BLOCKED);
        expect_error(t, LK_K_ERROR_MOTOR_BLOCKED, LK_CMD_LOCK_ACTION);
        states(t, &ks);
        assert_int_equal(ks.lock_state, LK_LOCK_STATE_MOTOR_BLOCKED);
        assert_int_equal(ks.last_lock_completion, LK_COMPLETION_MOTOR_BLOCKED);
        newest_log(t, &e);
        assert_int_equal(e.data.action.completion, LK_COMPLETION_MOTOR_BLOCKED);
        /* one shot: the next run turns */
        lock_action(t, LK_ACTION_UNLOCK);
        expect_status(t, LK_STATUS_ACCEPTED);
        at_ms(t, 5000);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKED);
        expect_status(t, LK_STATUS_COMPLETE);
        t_free(t);
}

/* A motor that never completes: no COMPLETE; it gives up after SIM_MOTOR_TIMEOUT_MS. */
static void hang(void **state)
{
        struct t *t = motor_lock(LK_GEN_SMARTLOCK_3);

        sim_lock_fault_motor(t->lock, SIM_MOTOR_HANG);
        lock_action(t, LK_ACTION_UNLOCK);
        expect_status(t, LK_STATUS_ACCEPTED);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKING);
        at_ms(t, 3000);
        expect_done(t);
        at_ms(t, 1000 + SIM_MOTOR_TIMEOUT_MS - 1);
        expect_done(t);
        assert_int_equal(sim_lock_motor_deadline(t->lock), 1000 + SIM_MOTOR_TIMEOUT_MS);
        lock_action(t, LK_ACTION_LOCK);
        expect_error(t, LK_K_ERROR_BUSY, LK_CMD_LOCK_ACTION);
        at_ms(t, 1000 + SIM_MOTOR_TIMEOUT_MS);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNDEFINED);
        expect_error(t, LK_K_ERROR_MOTOR_TIMEOUT, LK_CMD_LOCK_ACTION);
        t_free(t);
}

/* The link drops mid-action: the motor finishes and logs; nothing is sent to anyone. */
static void link_lost_mid_action(void **state)
{
        struct t *t = motor_lock(LK_GEN_SMARTLOCK_3);
        struct lk_log_entry e;

        lock_action(t, LK_ACTION_UNLOCK);
        expect_status(t, LK_STATUS_ACCEPTED);
        sim_lock_disconnect(t->lock);
        at_ms(t, 3000);
        assert_int_equal(t->nq, 0);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_UNLOCKED);
        sim_lock_connect(t->lock);
        newest_log(t, &e);
        assert_int_equal(e.data.action.action, LK_ACTION_UNLOCK);
        assert_int_equal(e.data.action.completion, LK_COMPLETION_SUCCESS);

        /* A new connection during a run gets busy, never the old run's answers. */
        lock_action(t, LK_ACTION_LOCK);
        expect_status(t, LK_STATUS_ACCEPTED);
        sim_lock_disconnect(t->lock);
        sim_lock_connect(t->lock);
        lock_action(t, LK_ACTION_UNLOCK);
        expect_error(t, LK_K_ERROR_BUSY, LK_CMD_LOCK_ACTION);
        at_ms(t, 10000);
        assert_int_equal(t->nq, 0);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_LOCKED);
        t_free(t);
}

/* Lock 'n' go: unlock on the motor, wait, then the motor locks again. */
static void lock_n_go_relocks_on_the_motor(void **state)
{
        struct t *t = motor_lock(LK_GEN_SMARTLOCK_3);

        assert_int_equal(sim_lock_set_motor_ms(t->lock, LK_ACTION_LOCK_N_GO, 1500), 0);
        lock_action(t, LK_ACTION_LOCK_N_GO);
        expect_status(t, LK_STATUS_ACCEPTED);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKING);
        at_ms(t, 2500);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKED_LOCK_N_GO);
        expect_status(t, LK_STATUS_COMPLETE);
        t->now = sim_lock_next_deadline(t->lock); /* the lock 'n' go timeout */
        at_ms(t, 100000);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_LOCKING);
        at_ms(t, 100000 + 3000);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_LOCKED);
        t_free(t);
}

static void motor_times(void **state)
{
        struct t *t = motor_lock(LK_GEN_SMARTLOCK_3);

        assert_int_equal(sim_lock_set_motor_ms(t->lock, 0, 0), 0);
        lock_action(t, LK_ACTION_UNLOCK);
        expect_status(t, LK_STATUS_ACCEPTED);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKING);
        assert_int_equal(next_state(t), LK_LOCK_STATE_UNLOCKED);
        expect_status(t, LK_STATUS_COMPLETE);
        assert_int_equal(sim_lock_set_motor_ms(t->lock, LK_ACTION_FULL_LOCK, SIM_MOTOR_MS_MAX), 0);
        assert_int_equal(sim_lock_set_motor_ms(t->lock, LK_ACTION_FULL_LOCK, SIM_MOTOR_MS_MAX + 1), -EINVAL);
        assert_int_equal(sim_lock_set_motor_ms(t->lock, LK_ACTION_FOB_1, 10), -EINVAL);
        t_free(t);
}

static void config_keypad(struct t *t, bool *ret_kp, bool *ret_kp2)
{
        struct lk_config c;

        cmd(t, LK_CMD_REQUEST_CONFIG, NULL, 0);
        assert_int_equal(next(t), LK_CMD_CONFIG);
        assert_int_equal(lk_config_decode(t->m.payload, t->m.len, &c), 0);
        *ret_kp = c.has_keypad;
        *ret_kp2 = c.has_keypad_2;
}

/* spec §6.24: Config's keypad flags follow the keypad (codes held, or a keypad paired). */
static void keypad_flags_follow(void **state)
{
        static const enum lk_generation gens[] = { LK_GEN_SMARTLOCK_3, LK_GEN_ULTRA };
        struct lk_keypad_code code = { .code = 456789, .name = "Guest" };
        struct lk_remove_keypad_code rm = { .id = 1 };
        struct lk_keyturner_states ks;
        uint8_t buf[LK_ADD_KEYPAD_CODE_SIZE], key[LK_KEY_SIZE] = { 1 };
        bool kp, kp2;
        size_t n;

        for (size_t i = 0; i < ELEMENTSOF(gens); i++) {
                struct t *t = t_new(gens[i], gens[i] == LK_GEN_ULTRA ? 123456 : 0);
                bool ultra = gens[i] == LK_GEN_ULTRA;

                pair(t);
                config_keypad(t, &kp, &kp2);
                assert_false(kp || kp2);
                states(t, &ks);
                assert_int_equal(ks.accessory_battery_state & 0x01, 0);
                n = ENC(lk_add_keypad_code_encode, &code, buf);
                cmd(t, LK_CMD_ADD_KEYPAD_CODE, buf, n);
                config_keypad(t, &kp, &kp2);
                assert_true(kp == !ultra && kp2 == ultra);
                states(t, &ks);
                assert_int_equal(ks.accessory_battery_state & 0x01, 0x01);
                n = ENC(lk_remove_keypad_code_encode, &rm, buf);
                cmd(t, LK_CMD_REMOVE_KEYPAD_CODE, buf, n);
                config_keypad(t, &kp, &kp2);
                assert_false(kp || kp2);
                /* a paired keypad counts without codes */
                assert_int_equal(sim_lock_add_authorization(t->lock, LK_ID_KEYPAD, 77, "Keypad", key, NULL), 0);
                config_keypad(t, &kp, &kp2);
                assert_true(kp == !ultra && kp2 == ultra);
                t_free(t);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(outcome_after_motor_time),
                cmocka_unit_test(busy_while_turning),
                cmocka_unit_test(jam),
                cmocka_unit_test(hang),
                cmocka_unit_test(link_lost_mid_action),
                cmocka_unit_test(lock_n_go_relocks_on_the_motor),
                cmocka_unit_test(motor_times),
                cmocka_unit_test(keypad_flags_follow),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("sim-motor", tests, NULL, NULL);
}
