/* SPDX-License-Identifier: MIT */
/*
 * What the agent benchmarks share: one virtual lock (latchkey-sim) in a private directory,
 * paired as "bench" into a state directory there, its link model set through the control
 * socket, latchkey run as a child (optionally under strace, to count disk syncs), and the
 * ATT exchanges the spec's messages need. Header-only: each benchmark is one program.
 */
#pragma once

/* Include first, after #define _GNU_SOURCE. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session.h"

struct bench_sim {
        char dir[256], sock[300], state[300], statedir[300], pinfile[300], bindir[512];
        pid_t sim;
        int exchange_ms; /* the link model's cost of one exchange (LK_BENCH_EXCHANGE_MS, default 15) */
};

static inline double bench_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Run argv with stdout to /dev/null (and stderr too unless LK_BENCH_VERBOSE); its exit code. */
static inline int bench_run(char *const argv[])
{
        int status, devnull;
        pid_t pid = fork();

        if (pid < 0)
                return -1;
        if (pid == 0) {
                devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
                dup2(devnull, 1);
                if (!getenv("LK_BENCH_VERBOSE"))
                        dup2(devnull, 2);
                execv(argv[0], argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static inline int bench_ctl(struct bench_sim *b, const char *x, const char *y, const char *z)
{
        char prog[600];
        char *argv[] = { prog, (char *)"ctl", (char *)"--socket", b->sock, (char *)x, (char *)y, (char *)z, NULL };

        snprintf(prog, sizeof(prog), "%s/latchkey-sim", b->bindir);
        return bench_run(argv);
}

/* The link model: each write's response and each indication cost this much (0: none). */
static inline int bench_link(struct bench_sim *b, unsigned write_ms, unsigned indicate_ms)
{
        char w[16], i[16];
        char prog[600];
        char *argv[] = { prog, (char *)"ctl", (char *)"--socket", b->sock, (char *)"link", (char *)"write-ms", w,
                         (char *)"indicate-ms", i, NULL };

        snprintf(prog, sizeof(prog), "%s/latchkey-sim", b->bindir);
        snprintf(w, sizeof(w), "%u", write_ms);
        snprintf(i, sizeof(i), "%u", indicate_ms);
        return bench_run(argv) == 0 ? 0 : -EIO;
}

static inline pid_t bench_start_sim(struct bench_sim *b)
{
        char prog[600], fdarg[16], buf[8];
        int p[2];
        pid_t pid;

        snprintf(prog, sizeof(prog), "%s/latchkey-sim", b->bindir);
        if (pipe(p) < 0)
                return -1;
        snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
        pid = fork();
        if (pid == 0) {
                char *argv[] = { prog, (char *)"run", (char *)"--socket", b->sock, (char *)"--state", b->state,
                                 (char *)"--mtu", (char *)"247", (char *)"--ready-fd", fdarg, (char *)"--motor-ms",
                                 (char *)"0", getenv("LK_BENCH_VERBOSE") ? (char *)"--verbose" : NULL, NULL };
                int devnull = open("/dev/null", O_WRONLY);

                close(p[0]);
                dup2(devnull, 1);
                if (!getenv("LK_BENCH_VERBOSE"))
                        dup2(devnull, 2);
                execv(prog, argv);
                _exit(127);
        }
        close(p[1]);
        if (read(p[0], buf, sizeof(buf)) <= 0)
                pid = -1;
        close(p[0]);
        return pid;
}

/* latchkey --quiet --state-dir STATEDIR ARGS... (NULL-terminated); its exit code. With
 * strace_out, under `strace -f -e trace=fsync,fdatasync -o strace_out`. */
static inline int bench_latchkey(struct bench_sim *b, const char *strace_out, ...)
{
        char prog[600], *argv[32];
        size_t n = 0;
        va_list ap;

        snprintf(prog, sizeof(prog), "%s/latchkey", b->bindir);
        if (strace_out) {
                setenv("ASAN_OPTIONS", "detect_leaks=0", 0); /* LeakSanitizer cannot run under ptrace */
                argv[n++] = (char *)"/usr/bin/strace";
                argv[n++] = (char *)"-f";
                argv[n++] = (char *)"-qq";
                argv[n++] = (char *)"-e";
                argv[n++] = (char *)"trace=fsync,fdatasync";
                argv[n++] = (char *)"-o";
                argv[n++] = (char *)strace_out;
        }
        argv[n++] = prog;
        argv[n++] = (char *)"--quiet";
        argv[n++] = (char *)"--state-dir";
        argv[n++] = b->statedir;
        va_start(ap, strace_out);
        while (n < 31 && (argv[n] = va_arg(ap, char *)))
                n++;
        va_end(ap);
        argv[n] = NULL;
        return bench_run(argv);
}

/* fsync and fdatasync calls in an strace -o file; -1 if it cannot be read. */
static inline int bench_count_syncs(const char *path)
{
        char line[512];
        FILE *f = fopen(path, "re");
        int n = 0;

        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if ((strstr(line, "fsync(") || strstr(line, "fdatasync(")) && !strstr(line, "resumed>"))
                        n++;
        fclose(f);
        return n;
}

static inline bool bench_have_strace(void)
{
        return access("/usr/bin/strace", X_OK) == 0;
}

/* Start a virtual lock in a fresh directory (tmpfs when there is one: the lock's own flash
 * writes are not the agent's time) and pair it as "bench". 0, or -1 with a message. */
static inline int bench_sim_start(struct bench_sim *b, const char *argv0)
{
        char via[320];
        int fd;

        memset(b, 0, sizeof(*b));
        b->exchange_ms = getenv("LK_BENCH_EXCHANGE_MS") ? atoi(getenv("LK_BENCH_EXCHANGE_MS")) : 15;
        if (b->exchange_ms <= 0)
                b->exchange_ms = 15;
        snprintf(b->bindir, sizeof(b->bindir), "%s", argv0);
        *strrchr(b->bindir, '/') = '\0';
        snprintf(b->dir, sizeof(b->dir), "%s/lk-bench-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(b->dir))
                return -1;
        snprintf(b->sock, sizeof(b->sock), "%s/lock.sock", b->dir);
        snprintf(b->state, sizeof(b->state), "%s/lock.state", b->dir);
        snprintf(b->statedir, sizeof(b->statedir), "%s/agent", b->dir);
        snprintf(b->pinfile, sizeof(b->pinfile), "%s/pin", b->dir);
        fd = open(b->pinfile, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, "0000\n", 5) != 5) {
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        close(fd);
        b->sim = bench_start_sim(b);
        if (b->sim < 0) {
                fprintf(stderr, "bench: cannot start latchkey-sim\n");
                return -1;
        }
        bench_ctl(b, "press-button", NULL, NULL);
        snprintf(via, sizeof(via), "sim:%s", b->sock);
        if (bench_latchkey(b, NULL, "pair", "--via", via, "--name", "bench", "--pin-file", b->pinfile, NULL) != 0) {
                fprintf(stderr, "bench: pairing failed\n");
                return -1;
        }
        return 0;
}

static inline void bench_sim_stop(struct bench_sim *b)
{
        char cmd[300];

        if (b->sim > 0) {
                kill(b->sim, SIGTERM);
                waitpid(b->sim, NULL, 0);
        }
        if (b->dir[0]) {
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
                (void)!system(cmd);
        }
}

/* Distinct valid keypad codes (spec §9.1): base-9 digits 1..9, leading digit 4 (never "12"). */
static inline uint32_t bench_nth_code(unsigned i)
{
        uint32_t v = 0, x = i + 9 * 9 * 9 * 9 * 9 * 3, place = 1;

        for (int d = 0; d < 6; d++) {
                v += (x % 9 + 1) * place;
                x /= 9;
                place *= 10;
        }
        return v;
}

/*
 * ATT exchanges at the ATT-level model (MTU 247: one indication per message): a write and its
 * response are one, each indication and its confirmation one. Per the spec's flows (§5.1):
 * an encrypted command with a challenge is 2 writes (Request Data for the challenge, the
 * command) and the lock's challenge, then its answer.
 */
#define BENCH_ATT_LIST(n) (2u + 1u + 1u + (n) + 1u) /* challenge, count, n codes, COMPLETE */
#define BENCH_ATT_ADD 5u                             /* 2 writes; challenge, code id, COMPLETE */
#define BENCH_ATT_UPDATE 4u                          /* 2 writes; challenge, COMPLETE */
#define BENCH_ATT_REMOVE 4u                          /* 2 writes; challenge, COMPLETE */
#define BENCH_REQ_PER_COMMAND 2u /* request level: the challenge and the command, each a round trip */

static inline unsigned bench_made(bool att, const struct session_stats *a, const struct session_stats *b)
{
        return (b->writes - a->writes) + (att ? b->chunks - a->chunks : 0);
}
