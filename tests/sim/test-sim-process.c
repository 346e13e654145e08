/* SPDX-License-Identifier: MIT */
/*
 * The virtual lock as a process (sim-socket-test.h): its private state directory and file, what
 * it refuses to start on, its pairing kept across restarts and kill -9 during saves, and its
 * control socket and command line.
 */
#define _GNU_SOURCE /* pipe2 */
#include "sim-socket-test.h"

static void test_start_creates_private_state(void **state)
{
        struct sim s;
        struct stat st;
        char tmp[160];

        sim_paths(&s);
        sim_start(&s, NULL);
        assert_int_equal(stat(s.statedir, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_int_equal(stat(s.state, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(stat(s.sock, &st), 0);
        assert_true(S_ISSOCK(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(stat(s.ctl, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        snprintf(tmp, sizeof(tmp), "%s.tmp", s.state);
        assert_int_equal(access(tmp, F_OK), -1);
        sim_stop(&s);
        /* Sockets are removed on a clean exit; the state stays. */
        assert_int_equal(access(s.sock, F_OK), -1);
        assert_int_equal(access(s.state, F_OK), 0);
        sim_cleanup(&s);
}

static void test_refuses_unsafe_directory(void **state)
{
        struct sim s;

        sim_paths(&s);
        assert_int_equal(mkdir(s.statedir, 0700), 0);
        assert_int_equal(chmod(s.statedir, 0777), 0);
        assert_int_equal(sim_try_start(&s, NULL), 3);
        assert_int_equal(access(s.state, F_OK), -1);
        sim_cleanup(&s);
}

static void test_refuses_corrupt_state(void **state)
{
        struct sim s;
        int fd;

        sim_paths(&s);
        assert_int_equal(mkdir(s.statedir, 0700), 0);
        fd = open(s.state, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "garbage", 7), 7);
        close(fd);
        assert_int_equal(sim_try_start(&s, NULL), 3);
        sim_cleanup(&s);
}

static void test_ctl_button_and_code(void **state)
{
        struct sim s;
        cJSON *j;

        sim_paths(&s);
        sim_start(&s, NULL);
        j = ctl(&s, "press-button");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "pairing_mode")));
        cJSON_Delete(j);

        /* No codes stored: the keypad refuses (spec §7.5 0xE0). */
        j = ctl(&s, "type-code 123456");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
        assert_int_equal(cJSON_GetObjectItem(j, "completion_status")->valueint, 0xE0);
        cJSON_Delete(j);

        j = ctl(&s, "type-code 12x");
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "ok")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "error")));
        cJSON_Delete(j);

        ctl_ok(&s, "turn-knob unlock");
        ctl_ok(&s, "clock set 2030-01-02T03:04:05Z");
        j = ctl(&s, "clock advance 60");
        assert_string_equal(cJSON_GetObjectItem(j, "clock")->valuestring, "2030-01-02T03:05:05Z");
        cJSON_Delete(j);
        ctl_ok(&s, "battery 15");

        j = ctl(&s, "state");
        assert_true(cJSON_IsObject(cJSON_GetObjectItem(j, "state")));
        assert_true(cJSON_IsObject(cJSON_GetObjectItem(j, "sim")));
        cJSON_Delete(j);

        j = ctl(&s, "nonsense");
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "ok")));
        cJSON_Delete(j);

        /* quit ends the process cleanly. */
        {
                int status;

                ctl_ok(&s, "quit");
                assert_int_equal(waitpid(s.pid, &status, 0), s.pid);
                assert_true(WIFEXITED(status));
                assert_int_equal(WEXITSTATUS(status), 0);
                s.pid = -1;
        }
        sim_cleanup(&s);
}

/* Run the CLI with argv (NULL-terminated, after the program name); its exit status. */
static int run_cli(const char *const *args)
{
        const char *argv[16] = { SIM_BIN };
        int n = 1, status;
        pid_t pid;

        for (; *args && n < 15; args++)
                argv[n++] = *args;
        argv[n] = NULL;
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                if (null < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
                        _exit(126);
                execv(SIM_BIN, (char *const *)argv);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_ctl_cli(void **state)
{
        struct sim s;
        char nope[160];

        sim_paths(&s);
        snprintf(nope, sizeof(nope), "%s.nope", s.sock);
        sim_start(&s, NULL);
        assert_int_equal(run_cli((const char *[]){ "press-button", "--socket", s.sock, NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "type-code", "--socket", s.sock, "123456",
                                                   "lock", NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "state", "--socket", s.sock, NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "ctl", "--socket", s.sock, "clock", "advance",
                                                   "-5", NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "ctl", "--socket", s.sock, "fault", "bogus",
                                                   NULL }), 1);
        assert_int_equal(run_cli((const char *[]){ "state", "--socket", nope, NULL }), 4);
        assert_int_equal(run_cli((const char *[]){ "run", "--socket", s.sock, NULL }), 2);
        assert_int_equal(run_cli((const char *[]){ "frobnicate", NULL }), 2);
        assert_int_equal(run_cli((const char *[]){ "run", "--help", NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "ctl", "--help", NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "--help", NULL }), 0);
        /* A second sim on a live socket is refused. */
        assert_int_equal(run_cli((const char *[]){ "run", "--socket", s.sock, "--state",
                                                   s.state, NULL }), 4);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_restart_keeps_pairing(void **state)
{
        struct sim s;
        struct client c;
        struct paired p;
        struct lk_keyturner_states ks;

        sim_paths(&s);
        sim_start(&s, NULL);
        client_open(&c, &s);
        client_connect(&c);
        pair(&c, &s, &p);
        client_close(&c);
        sim_stop(&s);

        sim_start(&s, NULL);
        client_open(&c, &s);
        client_connect(&c);
        assert_int_equal(read_states(&c, &p, &ks), 0);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
}

/* A field of the engine's state (ctl "state"). */
static cJSON *state_of(struct sim *s, cJSON **ret_root)
{
        cJSON *j = ctl(s, "state"), *st = cJSON_GetObjectItem(j, "state");

        assert_true(cJSON_IsObject(st));
        *ret_root = j;
        return st;
}

/*
 * kill -9 at many moments while the sim saves: a burst of state-changing control requests is
 * in flight (each one an fsync'd save) and the sim dies after a varying number of replies.
 * Every restart must load the state; every change that was answered must have survived (the
 * sim saves before it answers); and the pairing must survive all of it.
 */
static void test_kill9_during_saves(void **state)
{
        struct sim s;
        struct client c;
        struct paired p;
        struct lk_keyturner_states ks;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char tmp[160];
        unsigned it;
        int acked = -1; /* log index the last iteration's answered changes reached */

        sim_paths(&s);
        sim_start(&s, NULL);
        client_open(&c, &s);
        client_connect(&c);
        pair(&c, &s, &p);
        client_close(&c);
        sim_kill9(&s);
        snprintf(tmp, sizeof(tmp), "%s.tmp", s.state);
        set_sun_path(&sa, s.ctl);

        for (it = 0; it < 30; it++) {
                unsigned k, replies = it % 12, sent = 0;
                bool locked;
                cJSON *root, *st;
                int base, fd;

                sim_start(&s, NULL); /* READY means the state loaded */
                st = state_of(&s, &root);
                base = cJSON_GetObjectItem(st, "log_next_index")->valueint;
                locked = strcmp(cJSON_GetObjectItem(st, "lock_state")->valuestring, "locked") == 0;
                cJSON_Delete(root);
                assert_true(base >= acked);

                fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
                assert_true(fd >= 0);
                assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
                /* A burst: each one turns the knob the other way and logs, so each one saves. */
                for (k = 0; k < 24; k++) {
                        const char *req = (k % 2 == 0) == locked ? "turn-knob unlock"
                                                                 : "turn-knob lock";

                        if (send(fd, req, strlen(req), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                                break;
                        sent++;
                }
                for (k = 0; k < replies && k < sent; k++) {
                        char buf[512];
                        struct pollfd pfd = { .fd = fd, .events = POLLIN };
                        ssize_t n;

                        assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
                        n = recv(fd, buf, sizeof(buf) - 1, 0);
                        assert_true(n > 0);
                        buf[n] = '\0';
                        assert_non_null(strstr(buf, "\"ok\":true"));
                }
                acked = base + (int)k;
                sim_kill9(&s);
                close(fd);
        }

        sim_start(&s, NULL);
        /* The start removed any interrupted save. */
        assert_int_equal(access(tmp, F_OK), -1);
        client_open(&c, &s);
        client_connect(&c);
        assert_int_equal(read_states(&c, &p, &ks), 0);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
        sodium_memzero(&p, sizeof(p));
}

/* A stale, garbage .tmp (a save cut short) never breaks a start. */
static void test_stale_tmp_ignored(void **state)
{
        struct sim s;
        char tmp[160];
        int fd;

        sim_paths(&s);
        sim_start(&s, NULL);
        sim_kill9(&s);
        snprintf(tmp, sizeof(tmp), "%s.tmp", s.state);
        fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "half a sa", 9), 9);
        close(fd);
        sim_start(&s, NULL);
        assert_int_equal(access(tmp, F_OK), -1);
        sim_stop(&s);
        sim_cleanup(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_start_creates_private_state),
                cmocka_unit_test(test_refuses_unsafe_directory),
                cmocka_unit_test(test_refuses_corrupt_state),
                cmocka_unit_test(test_ctl_button_and_code),
                cmocka_unit_test(test_ctl_cli),
                cmocka_unit_test(test_stale_tmp_ignored),
                cmocka_unit_test(test_restart_keeps_pairing),
                cmocka_unit_test(test_kill9_during_saves),
        };

        if (access(SIM_BIN, X_OK) < 0) {
                fprintf(stderr, "%s not built yet; skipping\n", SIM_BIN);
                return 77;
        }
        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests_name("sim-process", tests, NULL, NULL);
}
