/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim run refuses what it cannot honour, clearly: a --generation it does not know (the
 * valid ones listed), a second process on a state file already in use (an flock on STATE.lock),
 * and a --generation other than the one an existing state file holds.
 */
#include "harness.h"

static struct harness H;

static int setup(void **state)
{
        (void)state;
        h_init(&H, NULL); /* a generation 3 lock (the default), state in H.state */
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        h_cleanup(&H);
        return 0;
}

/* latchkey-sim run --socket DIR/other.sock --state STATE EXTRA...: exit code, and what it said. */
static int sim_run(const char *state_path, const char *gen, char **out)
{
        char sock[320];
        char *argv[] = { (char *)H_SIM, (char *)"run", (char *)"--socket", sock, (char *)"--state", (char *)state_path,
                         (char *)"--generation", (char *)gen, NULL };

        snprintf(sock, sizeof(sock), "%s/other.sock", H.dir);
        return h_run_merged(NULL, out, argv);
}

static void unknown_generation_lists_the_valid_ones(void **state)
{
        char path[320], *out;

        (void)state;
        snprintf(path, sizeof(path), "%s/new.state", H.dir);
        for (size_t i = 0; i < 3; i++) {
                const char *bad = (const char *[]){ "7", "5", "ultra2" }[i];

                assert_int_equal(sim_run(path, bad, &out), 2);
                assert_non_null(strstr(out, "--generation wants 1, 2, 3, 4, ultra or opener"));
                free(out);
        }
        assert_int_equal(access(path, F_OK), -1); /* nothing was written */
}

static void second_process_on_one_state_file_refused(void **state)
{
        char *out, pid[24];

        (void)state;
        snprintf(pid, sizeof(pid), "(pid %d)", (int)H.sim);
        assert_int_equal(sim_run(H.state, "3", &out), 3);
        assert_non_null(strstr(out, "is in use by another latchkey-sim"));
        assert_non_null(strstr(out, pid));
        free(out);
        /* The first one is untouched: it still answers. */
        h_ctl_ok(&H, "press-button");
}

static void generation_of_an_existing_state_file_kept(void **state)
{
        char *out;

        (void)state;
        h_sim_stop(&H);
        assert_int_equal(sim_run(H.state, "4", &out), 3);
        assert_non_null(strstr(out, "holds a lock of generation 3; --generation 4 cannot change it"));
        free(out);
        /* The file's own generation is accepted, and it is still that lock. */
        h_sim_start(&H, "--generation 3");
        h_ctl_ok(&H, "press-button");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(unknown_generation_lists_the_valid_ones, setup, teardown),
                cmocka_unit_test_setup_teardown(second_process_on_one_state_file_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(generation_of_an_existing_state_file_kept, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
