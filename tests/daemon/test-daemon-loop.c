/* SPDX-License-Identifier: MIT */
/*
 * The daemon never waits on a lock's connect (issue 12): while a lock takes seconds to connect
 * (the virtual lock's link model: 3 s from accept to HELLO), the main loop goes on, and its
 * watchdog keeps pinging systemd. The window is the connect itself, from the daemon's
 * "event=lock-connect" to its "Link up in" (-v). A loop blocked in the connect pings not once
 * in it.
 */
#include "harness.h" /* first: _GNU_SOURCE */

#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

static void write_conf(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, 0600), 0);
}

/* A datagram socket for sd_notify(), as systemd's NOTIFY_SOCKET. */
static int notify_socket(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        assert_true(fd >= 0);
        assert_true(strlen(path) < sizeof(sa.sun_path));
        memcpy(sa.sun_path, path, strlen(path) + 1);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

/* What a failed assertion must not leave running. */
static struct harness H;
static pid_t daemon_pid;

static int teardown(void **state)
{
        if (daemon_pid > 0) {
                kill(daemon_pid, SIGTERM);
                waitpid(daemon_pid, NULL, 0);
                daemon_pid = 0;
        }
        h_cleanup(&H);
        return 0;
}

static pid_t daemon_start(struct harness *h, const char *conf, const char *notify, int *ret_err)
{
        char env_notify[160];
        char *envp[] = { (char *)"PATH=/usr/bin:/bin", (char *)"TZ=UTC", env_notify,
                         (char *)"WATCHDOG_USEC=200000", NULL };
        char *argv[] = { (char *)H_CLI, (char *)"-v", (char *)"--state-dir", h->statedir, (char *)"daemon",
                         (char *)"--config", (char *)conf, NULL };
        int p[2];
        pid_t pid;

        snprintf(env_notify, sizeof(env_notify), "NOTIFY_SOCKET=%s", notify);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
                dup2(p[1], 2);
                execve(argv[0], argv, envp);
                _exit(127);
        }
        close(p[1]);
        *ret_err = p[0];
        return pid;
}

static void watchdog_goes_on_while_a_lock_connects(void **state)
{
        char conf[300], notify[100], line[4096];
        size_t have = 0;
        unsigned pings = 0;
        bool connecting = false, up = false;
        int nfd, efd, status;
        pid_t pid;

        h_init(&H, NULL);
        h_pair(&H, "front");
        h_ctl_ok(&H, "link connect-ms 3000");
        snprintf(conf, sizeof(conf), "%s/daemon.conf", H.dir);
        assert_true(strlen(H.dir) < sizeof(notify) - 8);
        snprintf(notify, sizeof(notify), "%.90s/notify", H.dir);
        write_conf(conf, "[agent]\nlog_interval = 15m\n");
        nfd = notify_socket(notify);
        pid = daemon_pid = daemon_start(&H, conf, notify, &efd);

        while (!up) {
                struct pollfd pfd[2] = { { .fd = nfd, .events = POLLIN }, { .fd = efd, .events = POLLIN } };
                char msg[512];
                ssize_t n;

                /* A safety bound only: the connect itself takes 3 s. */
                assert_true(poll(pfd, 2, 30000) > 0);
                while ((n = recv(nfd, msg, sizeof(msg) - 1, 0)) > 0) {
                        msg[n] = '\0';
                        if (connecting && strstr(msg, "WATCHDOG=1"))
                                pings++;
                }
                if (pfd[1].revents & (POLLIN | POLLHUP)) {
                        n = read(efd, line + have, sizeof(line) - 1 - have);
                        assert_true(n > 0); /* the daemon must not have died */
                        have += (size_t)n;
                        line[have] = '\0';
                        connecting = connecting || strstr(line, "event=lock-connect lock=front");
                        up = connecting && strstr(strstr(line, "event=lock-connect"), "Link up in");
                        assert_true(have < sizeof(line) - 1); /* -v says little before the link is up */
                }
        }
        /* 3 s at one ping per 100 ms: about 30. A loop blocked in the connect: none. */
        assert_true(pings >= 5);
        kill(pid, SIGTERM);
        waitpid(pid, &status, 0);
        daemon_pid = 0;
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        close(nfd);
        close(efd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(watchdog_goes_on_while_a_lock_connects, teardown),
        };

        return cmocka_run_group_tests_name("daemon-loop", tests, NULL, NULL);
}
