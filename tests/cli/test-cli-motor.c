/* SPDX-License-Identifier: MIT */
/*
 * End to end, a lock that takes its time (spec §5.3): the real latchkey against the virtual
 * lock with its motor on (2–4 s per action, as a real lock). Every lock action's outcome comes
 * from the lock's COMPLETE; a jam exits 4 ("the motor was blocked"); a link lost mid-action, or
 * a motor that never completes, exits 5 ("outcome unknown") and the action is not sent again.
 * Nothing here sleeps: latchkey waits for the lock's answers, the test for latchkey.
 */
#include "harness.h"

#include <time.h>

static struct harness H;

static int setup(void **state)
{
        h_init(&H, "--motor-ms unlock=2000,lock=3000,unlatch=4000");
        h_pair(&H, "door");
        return 0;
}

static int teardown(void **state)
{
        h_cleanup(&H);
        return 0;
}

static double mono(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The sim's view: how many lock actions our authorization sent, and its lock state. */
static unsigned lock_actions_received(void)
{
        cJSON *s = h_ctl(&H, "state"), *a;
        unsigned n = 0;

        cJSON_ArrayForEach(a, jget(s, "state.authorizations"))
                if (streq(jstr(a, "name"), "latchkey"))
                        n = (unsigned)jnum(a, "lock_count");
        cJSON_Delete(s);
        return n;
}

static char *sim_lock_state(void)
{
        cJSON *s = h_ctl(&H, "state");
        char *v = strdup(jstr(s, "state.lock_state"));

        cJSON_Delete(s);
        return v;
}

/* Run a lock action; returns its exit code, *ret the JSON, *ret_s the seconds it took. */
static int action(const char *what, const char *timeout, cJSON **ret, double *ret_s)
{
        double t0 = mono();
        int code = timeout ? h_cli(&H, NULL, ret, "--timeout", timeout, what, NULL) : h_cli(&H, NULL, ret, what, NULL);

        if (ret_s)
                *ret_s = mono() - t0;
        return code;
}

/* Each outcome is the lock's COMPLETE and final state, after the motor time (never before). */
static void outcomes_come_from_complete(void **state)
{
        static const struct { const char *cmd, *final; double motor_s; } steps[] = {
                { "unlock", "unlocked", 2.0 }, { "lock", "locked", 3.0 }, { "unlatch", "unlocked", 4.0 },
        };
        cJSON *j;
        double s;

        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                unsigned before = lock_actions_received();
                char *st;

                assert_int_equal(action(steps[i].cmd, NULL, &j, &s), 0);
                assert_string_equal(jstr(j, "action.outcome"), "complete");
                assert_string_equal(jstr(j, "state.lock_state"), steps[i].final);
                /* A lower bound only: the lock cannot say COMPLETE before its motor stops. */
                if (s < steps[i].motor_s)
                        fail_msg("%s returned after %.2f s, before the %.1f s motor could finish", steps[i].cmd, s,
                                 steps[i].motor_s);
                cJSON_Delete(j);
                st = sim_lock_state();
                assert_string_equal(st, steps[i].final);
                free(st);
                assert_int_equal(lock_actions_received(), before + 1);
        }
}

/* Longer than the 5 s gap allowed between ordinary replies: after ACCEPTED the wait is longer. */
static void waits_past_the_reply_gap(void **state)
{
        cJSON *j;
        double s;

        h_ctl_ok(&H, "motor unlock 6500");
        assert_int_equal(action("unlock", NULL, &j, &s), 0);
        assert_string_equal(jstr(j, "action.outcome"), "complete");
        assert_string_equal(jstr(j, "state.lock_state"), "unlocked");
        assert_true(s >= 6.5);
        cJSON_Delete(j);
}

static void jam_exits_4(void **state)
{
        unsigned before = lock_actions_received();
        char *st;
        cJSON *j;

        h_ctl_ok(&H, "fault jam");
        assert_int_equal(action("unlock", NULL, &j, NULL), 4);
        assert_non_null(strstr(jstr(j, "error.message"), "the motor was blocked"));
        assert_int_equal(jnum(j, "error.lock_error"), 0x42);
        assert_string_equal(jstr(j, "action.outcome"), "failed");
        assert_true(cJSON_IsTrue(jget(j, "action.accepted")));
        cJSON_Delete(j);
        st = sim_lock_state();
        assert_string_equal(st, "motor blocked");
        free(st);
        assert_int_equal(lock_actions_received(), before + 1); /* not repeated */
        /* The next action turns again. */
        assert_int_equal(action("unlock", NULL, &j, NULL), 0);
        cJSON_Delete(j);
}

/* The link drops while the motor turns: unknown outcome, exit 5, never sent again. */
static void link_lost_mid_action(void **state)
{
        unsigned before = lock_actions_received();
        cJSON *j;

        h_ctl_ok(&H, "fault drop-in-motion");
        assert_int_equal(action("unlock", NULL, &j, NULL), 5);
        assert_non_null(strstr(jstr(j, "error.message"), "outcome unknown"));
        assert_non_null(strstr(jstr(j, "error.message"), "after the lock accepted it"));
        assert_string_equal(jstr(j, "action.outcome"), "unknown");
        assert_true(cJSON_IsTrue(jget(j, "action.accepted")));
        cJSON_Delete(j);
        assert_int_equal(lock_actions_received(), before + 1);
}

/* The link drops as the command goes out: latchkey cannot know either. */
static void link_lost_before_the_answer(void **state)
{
        cJSON *j;

        /* writes 1-2: the identity check (a challenge, Request Config); 3 a challenge; 4 the action */
        h_ctl_ok(&H, "fault drop-before 4");
        assert_int_equal(action("unlock", NULL, &j, NULL), 5);
        assert_non_null(strstr(jstr(j, "error.message"), "outcome unknown"));
        assert_non_null(strstr(jstr(j, "error.message"), "before the lock answered"));
        assert_false(cJSON_IsTrue(jget(j, "action.accepted")));
        cJSON_Delete(j);
}

/* A motor that never completes: latchkey gives up after its timeout and does not repeat. */
static void motor_that_never_completes(void **state)
{
        unsigned before = lock_actions_received();
        cJSON *j, *s;

        h_ctl_ok(&H, "fault motor-hang");
        assert_int_equal(action("unlock", "2", &j, NULL), 5);
        assert_non_null(strstr(jstr(j, "error.message"), "outcome unknown"));
        assert_string_equal(jstr(j, "action.outcome"), "unknown");
        cJSON_Delete(j);
        assert_int_equal(lock_actions_received(), before + 1);
        s = h_ctl(&H, "state");
        assert_true(cJSON_IsTrue(jget(s, "state.motor.running"))); /* still turning */
        cJSON_Delete(s);
        /* Another command meanwhile is refused as busy (retried, then given up: exit 4). */
        assert_int_equal(action("lock", "1", &j, NULL), 4);
        assert_int_equal(jnum(j, "error.lock_error"), 0x45);
        cJSON_Delete(j);
}

/* Busy while the motor turns for someone else: retried (not carried out), then done. */
static void busy_is_waited_out(void **state)
{
        cJSON *j;

        h_ctl_ok(&H, "press-button 1"); /* the button: intelligent → unlock, 2 s on the motor */
        assert_int_equal(action("lock", NULL, &j, NULL), 0);
        assert_string_equal(jstr(j, "state.lock_state"), "locked");
        cJSON_Delete(j);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(outcomes_come_from_complete, setup, teardown),
                cmocka_unit_test_setup_teardown(waits_past_the_reply_gap, setup, teardown),
                cmocka_unit_test_setup_teardown(jam_exits_4, setup, teardown),
                cmocka_unit_test_setup_teardown(link_lost_mid_action, setup, teardown),
                cmocka_unit_test_setup_teardown(link_lost_before_the_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(motor_that_never_completes, setup, teardown),
                cmocka_unit_test_setup_teardown(busy_is_waited_out, setup, teardown),
        };

        return cmocka_run_group_tests_name("cli-motor", tests, NULL, NULL);
}
