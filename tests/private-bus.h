/* SPDX-License-Identifier: MIT */
/*
 * A private D-Bus daemon for a test (its own socket in /tmp), exported to the code under test
 * as $LATCHKEY_BLE_BUS: bus_up() and bus_down() are cmocka group setup and teardown. Without
 * /usr/bin/dbus-daemon bus_address stays empty and the tests skip. test-ble-transport.c.
 */
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t bus_pid;
static char bus_dir[64];
static char bus_address[256];

static int bus_up(void **state)
{
        char conf[128], fdarg[32];
        int p[2];
        FILE *f;
        ssize_t n;

        if (access("/usr/bin/dbus-daemon", X_OK) != 0)
                return 0; /* the tests skip */
        snprintf(bus_dir, sizeof(bus_dir), "/tmp/lk-test-ble.XXXXXX");
        assert_non_null(mkdtemp(bus_dir));
        snprintf(conf, sizeof(conf), "%s/bus.conf", bus_dir);
        f = fopen(conf, "we");
        assert_non_null(f);
        fprintf(f, "<busconfig><type>session</type><listen>unix:path=%s/bus</listen>"
                   "<auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\"/>"
                   "<allow receive_sender=\"*\"/>"
                   "<allow own=\"*\"/></policy></busconfig>\n", bus_dir);
        fclose(f);
        assert_int_equal(pipe(p), 0);
        bus_pid = fork();
        assert_true(bus_pid >= 0);
        if (bus_pid == 0) {
                char cfg[160];

                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                (void)prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlives a failed test */
                close(p[0]);
                if (null >= 0)
                        dup2(null, 2); /* "Failed to set fd limit" as root: not ours to show */
                snprintf(cfg, sizeof(cfg), "--config-file=%s", conf);
                snprintf(fdarg, sizeof(fdarg), "--print-address=%d", p[1]);
                execl("/usr/bin/dbus-daemon", "dbus-daemon", cfg, "--nofork", fdarg, (char *)NULL);
                _exit(127);
        }
        close(p[1]);
        n = read(p[0], bus_address, sizeof(bus_address) - 1); /* ready when it prints */
        close(p[0]);
        assert_true(n > 0);
        bus_address[n] = '\0';
        bus_address[strcspn(bus_address, "\n")] = '\0';
        setenv("LATCHKEY_BLE_BUS", bus_address, 1);
        return 0;
}

static int bus_down(void **state)
{
        char path[128];

        if (bus_pid > 0) {
                kill(bus_pid, SIGTERM);
                waitpid(bus_pid, NULL, 0);
        }
        if (bus_dir[0]) {
                snprintf(path, sizeof(path), "%s/bus.conf", bus_dir);
                unlink(path);
                snprintf(path, sizeof(path), "%s/bus", bus_dir);
                unlink(path);
                rmdir(bus_dir);
        }
        return 0;
}

