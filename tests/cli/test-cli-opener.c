/* SPDX-License-Identifier: MIT */
/*
 * End to end, a Nuki Opener (../shared/spec/nuki-opener.md): the latchkey CLI against a
 * virtual Opener (latchkey-sim --generation opener) over the socket, beside a virtual Smart
 * Lock of the same property. Pair, state, ring to open and a ring, continuous mode, open,
 * config show, the zone, keypad codes and the log in the Opener's terms; each device's
 * commands refused on the other with exit 11 and nothing sent; a booking's code on both doors.
 */
#include "harness.h"

#include <time.h>

static struct harness O; /* the Opener, "front" */
static struct harness S; /* a Smart Lock 3.0, "flat", same state directory */

static int setup(void **state)
{
        h_init(&O, "--generation opener");
        h_pair(&O, "front");
        h_init(&S, NULL);
        snprintf(S.statedir, sizeof(S.statedir), "%s", O.statedir);
        h_pair(&S, "flat");
        return 0;
}

static int teardown(void **state)
{
        h_cleanup(&S);
        h_cleanup(&O);
        return 0;
}

static int sim_log_count(struct harness *h)
{
        cJSON *j = h_ctl(h, "state");
        int n;

        assert_true(jok(j));
        n = cJSON_GetArraySize(jget(j, "state.log"));
        cJSON_Delete(j);
        return n;
}

static cJSON *state_of(const char *lock)
{
        cJSON *j;

        assert_int_equal(h_cli(&O, NULL, &j, "state", "--lock", lock, NULL), 0);
        return j;
}

static void pair_and_state(void **st)
{
        cJSON *j, *l;
        bool seen = false;

        assert_int_equal(h_cli(&O, NULL, &j, "locks", NULL), 0);
        cJSON_ArrayForEach(l, jget(j, "locks"))
                if (streq(jstr(l, "name"), "front")) {
                        assert_string_equal(jstr(l, "generation"), "Opener");
                        seen = true;
                }
        assert_true(seen);
        cJSON_Delete(j);
        j = state_of("front");
        assert_string_equal(jstr(j, "state.device"), "opener");
        assert_string_equal(jstr(j, "state.lock_state"), "online");
        assert_string_equal(jstr(j, "state.nuki_state"), "door mode");
        assert_false(cJSON_IsTrue(jget(j, "state.ring_to_open")));
        assert_false(cJSON_IsTrue(jget(j, "state.continuous_mode")));
        cJSON_Delete(j);
        /* the battery has no charge level on an Opener (O3) */
        assert_int_equal(h_cli(&O, NULL, &j, "battery", "--lock", "front", NULL), 0);
        assert_null(cJSON_GetObjectItem(jget(j, "battery"), "charge_percent"));
        cJSON_Delete(j);
}

static void ring_to_open_and_a_ring(void **st)
{
        cJSON *j, *e;
        bool ring = false, strike = false;

        /* a ring with RTO off opens nothing */
        j = h_ctl(&O, "ring");
        assert_true(jok(j));
        assert_false(cJSON_IsTrue(jget(j, "opened")));
        cJSON_Delete(j);

        assert_int_equal(h_cli(&O, NULL, &j, "rto", "on", "--lock", "front", NULL), 0);
        assert_string_equal(jstr(j, "action.outcome"), "complete");
        assert_true(cJSON_IsTrue(jget(j, "state.ring_to_open")));
        assert_string_equal(jstr(j, "state.lock_state"), "ring to open active");
        cJSON_Delete(j);

        j = h_ctl(&O, "ring");
        assert_true(jok(j));
        assert_string_equal(jstr(j, "active"), "ring to open");
        assert_true(cJSON_IsTrue(jget(j, "opened")));
        cJSON_Delete(j);
        /* the factory "disable RTO after ring": RTO ended with the ring */
        j = state_of("front");
        assert_false(cJSON_IsTrue(jget(j, "state.ring_to_open")));
        assert_string_equal(jstr(j, "state.last_action"), "electric strike actuation");
        assert_string_equal(jstr(j, "state.last_action_trigger"), "manual");
        cJSON_Delete(j);

        /* the log in the Opener's terms: the ring, and the strike it opened */
        assert_int_equal(h_cli(&O, NULL, &j, "log", "--all", "--lock", "front", NULL), 0);
        cJSON_ArrayForEach(e, jget(j, "entries")) {
                if (streq(jstr(e, "type"), "doorbell recognition") &&
                    streq(jstr(e, "ring_while"), "ring to open active"))
                        ring = true;
                if (streq(jstr(e, "type"), "lock action") &&
                    streq(jstr(e, "action"), "electric strike actuation") && streq(jstr(e, "trigger"), "manual"))
                        strike = true;
        }
        assert_true(ring);
        assert_true(strike);
        cJSON_Delete(j);

        assert_int_equal(h_cli(&O, NULL, &j, "rto", "on", "--lock", "front", NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&O, NULL, &j, "rto", "off", "--lock", "front", NULL), 0);
        assert_false(cJSON_IsTrue(jget(j, "state.ring_to_open")));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&O, NULL, &j, "rto", "maybe", "--lock", "front", NULL), 2);
        cJSON_Delete(j);
}

static void continuous_mode_and_open(void **st)
{
        cJSON *j;

        assert_int_equal(h_cli(&O, NULL, &j, "cm", "on", "--lock", "front", NULL), 0);
        /* latchkey pairs as an App: CM goes by the Continuous Mode Action (O6.2) */
        assert_string_equal(jstr(j, "action.command"), "Continuous Mode Action");
        assert_true(cJSON_IsTrue(jget(j, "state.continuous_mode")));
        assert_string_equal(jstr(j, "state.nuki_state"), "continuous mode");
        cJSON_Delete(j);
        for (int i = 0; i < 2; i++) {
                j = h_ctl(&O, "ring");
                assert_string_equal(jstr(j, "active"), "continuous mode");
                assert_true(cJSON_IsTrue(jget(j, "opened")));
                cJSON_Delete(j);
        }
        assert_int_equal(h_cli(&O, NULL, &j, "cm", "off", "--lock", "front", NULL), 0);
        assert_false(cJSON_IsTrue(jget(j, "state.continuous_mode")));
        cJSON_Delete(j);

        assert_int_equal(h_cli(&O, NULL, &j, "open", "--lock", "front", NULL), 0);
        assert_string_equal(jstr(j, "action.outcome"), "complete");
        assert_string_equal(jstr(j, "state.lock_state"), "online");
        assert_string_equal(jstr(j, "state.last_action"), "electric strike actuation");
        cJSON_Delete(j);

        /* the link lost as the strike's command goes out: outcome unknown, exit 5, not sent again */
        /* writes 1-2: the identity check (a challenge, Request Config); 3 a challenge; 4 the action */
        h_ctl_ok(&O, "fault drop-before 4");
        int before = sim_log_count(&O);
        assert_int_equal(h_cli(&O, NULL, &j, "open", "--lock", "front", NULL), 5);
        assert_string_equal(jstr(j, "action.outcome"), "unknown");
        assert_non_null(strstr(jstr(j, "error.message"), "not sent again"));
        cJSON_Delete(j);
        assert_int_equal(sim_log_count(&O), before);
}

static void each_device_refuses_the_others_commands(void **st)
{
        static const char *const sl[] = { "lock", "unlock", "unlatch" };
        int o = sim_log_count(&O), s = sim_log_count(&S);
        cJSON *j;

        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(h_cli(&O, NULL, &j, sl[i], "--lock", "front", NULL), 11);
                assert_non_null(strstr(jstr(j, "error.message"), "latchkey open"));
                cJSON_Delete(j);
        }
        assert_int_equal(h_cli(&O, NULL, &j, "open", "--lock", "flat", NULL), 11);
        assert_non_null(strstr(jstr(j, "error.message"), "is for a Nuki Opener"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&O, NULL, &j, "rto", "on", "--lock", "flat", NULL), 11);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&O, NULL, &j, "cm", "off", "--lock", "flat", NULL), 11);
        cJSON_Delete(j);
        /* nothing was sent: neither log grew */
        assert_int_equal(sim_log_count(&O), o);
        assert_int_equal(sim_log_count(&S), s);
}

static void config_and_zone(void **st)
{
        cJSON *j, *sim;

        assert_int_equal(h_cli(&O, NULL, &j, "config", "show", "--lock", "front", NULL), 0);
        assert_string_equal(jstr(j, "config.device"), "opener");
        assert_string_equal(jstr(j, "config.capabilities"), "door opener and ring to open");
        assert_int_equal(jnum(j, "config.advanced.rto_timeout_min"), 20);
        assert_int_equal(jnum(j, "config.advanced.electric_strike_duration_ms"), 3000);
        cJSON_Delete(j);
        /* the zone goes in the Opener's own Set Config (O4.2), nothing else changes */
        assert_int_equal(h_cli(&O, NULL, &j, "time", "sync", "--zone", "Europe/Berlin", "--lock", "front", NULL), 0);
        assert_true(cJSON_IsTrue(jget(j, "zone.changed")));
        cJSON_Delete(j);
        sim = h_ctl(&O, "state");
        assert_string_equal(jstr(sim, "state.config.timezone"), "Europe/Berlin");
        assert_string_equal(jstr(sim, "state.opener.capabilities"), "door opener and ring to open");
        cJSON_Delete(sim);
        assert_int_equal(h_cli(&O, NULL, &j, "time", "sync", "--zone", "Europe/Berlin", "--lock", "front", NULL), 0);
        assert_false(cJSON_IsTrue(jget(j, "zone.changed")));
        cJSON_Delete(j);
        /* its clock read from the Opener's own states (O3): an hour fast, then set */
        h_ctl_ok(&O, "clock advance 3600");
        assert_int_equal(h_cli(&O, NULL, &j, "time", "sync", "--lock", "front", NULL), 0);
        assert_in_range(jnum(j, "drift_seconds"), 3595, 3605);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&O, NULL, &j, "time", "sync", "--lock", "front", NULL), 0);
        assert_in_range(jnum(j, "drift_seconds") + 5, 0, 10);
        cJSON_Delete(j);
}

/* The text log, not on a terminal: the keypad line keeps its outcome, not cut to the column;
 * the text state says "Clock". */
static void keypad_line_is_whole(void)
{
        char *argv[] = { (char *)H_CLI, (char *)"--state-dir", O.statedir, (char *)"log", (char *)"--all",
                         (char *)"--lock", (char *)"front", NULL };
        char *out = NULL;

        assert_int_equal(h_run_merged(NULL, &out, argv), 0);
        if (!strstr(out, "keypad electric strike actuation via code: success") ||
            strstr(out, "\xe2\x80\xa6") /* the cut mark */)
                fail_msg("the Opener's keypad line is cut: '%s'", out);
        free(out);
        out = NULL;
        argv[3] = (char *)"state"; /* an Opener's state speaks of the Opener, not a lock */
        argv[4] = (char *)"--lock";
        argv[5] = (char *)"front";
        argv[6] = NULL;
        assert_int_equal(h_run_merged(NULL, &out, argv), 0);
        if (!strstr(out, "\nClock: ") || strstr(out, "Lock clock"))
                fail_msg("the Opener's state names a lock clock: '%s'", out);
        free(out);
}

static void keypad_code_opens_and_is_attributed(void **st)
{
        cJSON *j, *e;
        bool seen = false;

        assert_int_equal(h_cli(&O, "573948\n", &j, "code", "add", "--name", "Courier", "--code-file", "-", "--lock",
                               "front", NULL),
                         0);
        cJSON_Delete(j);
        j = h_ctl(&O, "type-code 573948");
        assert_string_equal(jstr(j, "completion"), "success");
        cJSON_Delete(j);
        assert_int_equal(h_cli(&O, NULL, &j, "log", "--lock", "front", NULL), 0);
        cJSON_ArrayForEach(e, jget(j, "entries"))
                if (streq(jstr(e, "type"), "keypad action")) {
                        assert_string_equal(jstr(e, "action"), "electric strike actuation");
                        assert_non_null(strstr(jstr(e, "attributed_to"), "Courier"));
                        seen = true;
                }
        assert_true(seen);
        cJSON_Delete(j);
        keypad_line_is_whole();
}

static void utc_text(int64_t t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;

        gmtime_r(&tt, &tm);
        strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool has_code(const char *lock, const char *name)
{
        cJSON *j, *c;
        bool seen = false;

        assert_int_equal(h_cli(&O, NULL, &j, "code", "list", "--lock", lock, NULL), 0);
        cJSON_ArrayForEach(c, jget(j, "codes"))
                if (streq(jstr(c, "name"), name) && jnum(c, "code") == 638274)
                        seen = true;
        cJSON_Delete(j);
        return seen;
}

static void a_booking_on_both_doors(void **st)
{
        char doc[1024], path[400], in[32], out[32];
        int64_t now = (int64_t)time(NULL);
        cJSON *j, *l;
        FILE *f;

        utc_text(now + 3600, in, sizeof(in));
        utc_text(now + 3 * 86400, out, sizeof(out));
        snprintf(doc, sizeof(doc),
                 "{\"version\": 1, \"properties\": [{\"id\": \"house\", \"locks\": [\"front\", \"flat\"]}],"
                 " \"grants\": [{\"id\": \"BK-7\", \"property\": \"house\", \"guest\": \"Ada Guest\", \"code\": \"638274\","
                 " \"check_in\": \"%s\", \"check_out\": \"%s\"}]}",
                 in, out);
        snprintf(path, sizeof(path), "%s/bookings.json", O.dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(doc, f);
        fclose(f);
        assert_int_equal(h_cli(&O, NULL, &j, "grants", "import", path, NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&O, NULL, &j, "reconcile", NULL), 0);
        cJSON_ArrayForEach(l, jget(j, "locks"))
                assert_int_equal(jnum(l, "counts.provisioned"), 1);
        assert_int_equal(cJSON_GetArraySize(jget(j, "locks")), 2);
        cJSON_Delete(j);
        assert_true(has_code("front", "Ada Guest"));
        assert_true(has_code("flat", "Ada Guest"));
        /* the guest's code opens the building's door from check-in, not before */
        j = h_ctl(&O, "type-code 638274");
        assert_string_equal(jstr(j, "completion"), "invalid code");
        cJSON_Delete(j);
        h_ctl_ok(&O, "clock advance 7200");
        j = h_ctl(&O, "type-code 638274");
        assert_string_equal(jstr(j, "completion"), "success");
        cJSON_Delete(j);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(pair_and_state, setup, teardown),
                cmocka_unit_test_setup_teardown(ring_to_open_and_a_ring, setup, teardown),
                cmocka_unit_test_setup_teardown(continuous_mode_and_open, setup, teardown),
                cmocka_unit_test_setup_teardown(each_device_refuses_the_others_commands, setup, teardown),
                cmocka_unit_test_setup_teardown(config_and_zone, setup, teardown),
                cmocka_unit_test_setup_teardown(keypad_code_opens_and_is_attributed, setup, teardown),
                cmocka_unit_test_setup_teardown(a_booking_on_both_doors, setup, teardown),
        };

        return cmocka_run_group_tests_name("cli-opener", tests, NULL, NULL);
}
