/* SPDX-License-Identifier: MIT */
/*
 * Test harness for end-to-end tests: run the real latchkey-sim and latchkey binaries in a
 * private temp directory, feed stdin, capture stdout and the exit code, parse --json output.
 * Readiness is signalled by the simulator (--ready-fd); nothing here sleeps.
 */
#pragma once

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2 */
#endif

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lk-test.h"

#define streq(a, b) (strcmp((a), (b)) == 0)

#define H_SIM LK_BINARY_DIR "/bin/latchkey-sim"
#define H_CLI LK_BINARY_DIR "/bin/latchkey"

struct harness {
        char dir[256];
        char sock[300];
        char state[300];
        char statedir[300];
        char pinfile[300];
        pid_t sim;
};

/* Run argv with stdin_data (may be NULL), capture stdout into *out (malloc'd). Exit code returned. */
static inline int h_run(const char *stdin_data, char **out, char *const argv[], char *const envp[])
{
        int in[2], outp[2], status;
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        pid_t pid;

        assert_non_null(buf);
        assert_int_equal(pipe2(in, O_CLOEXEC), 0);
        assert_int_equal(pipe2(outp, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(in[0], 0);
                dup2(outp[1], 1);
                execve(argv[0], argv, envp);
                _exit(127);
        }
        close(in[0]);
        close(outp[1]);
        if (stdin_data)
                (void)!write(in[1], stdin_data, strlen(stdin_data));
        close(in[1]);
        for (;;) {
                ssize_t k;

                if (len + 1024 > cap) {
                        cap *= 2;
                        buf = realloc(buf, cap);
                        assert_non_null(buf);
                }
                k = read(outp[0], buf + len, cap - len - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                len += (size_t)k;
        }
        buf[len] = '\0';
        close(outp[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (out)
                *out = buf;
        else
                free(buf);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline void h_sim_start(struct harness *h, const char *extra)
{
        char ready[8], fdarg[16];
        int p[2];
        pid_t pid;

        assert_int_equal(pipe2(p, 0), 0);
        snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char *argv[24];
                int n = 0;
                char extra_buf[256];

                (void)prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlives a failed test: its stderr
                                                         * would hold ctest's pipe open */
                close(p[0]);
                argv[n++] = (char *)H_SIM;
                argv[n++] = (char *)"run";
                argv[n++] = (char *)"--socket";
                argv[n++] = h->sock;
                argv[n++] = (char *)"--state";
                argv[n++] = h->state;
                argv[n++] = (char *)"--ready-fd";
                argv[n++] = fdarg;
                /* The motor at once where timing does not matter; extra may set it again. */
                argv[n++] = (char *)"--motor-ms";
                argv[n++] = (char *)"0";
                if (extra) {
                        snprintf(extra_buf, sizeof(extra_buf), "%s", extra);
                        for (char *t = strtok(extra_buf, " "); t && n < 23; t = strtok(NULL, " "))
                                argv[n++] = t;
                }
                argv[n] = NULL;
                int devnull = open("/dev/null", O_WRONLY);
                dup2(devnull, 1);
                execv(H_SIM, argv);
                _exit(127);
        }
        close(p[1]);
        /* Wait for READY (the sim writes it once both sockets listen). */
        assert_true(read(p[0], ready, sizeof(ready)) > 0);
        close(p[0]);
        h->sim = pid;
}

static inline void h_sim_stop(struct harness *h)
{
        int status;

        if (h->sim <= 0)
                return;
        kill(h->sim, SIGTERM);
        waitpid(h->sim, &status, 0);
        h->sim = 0;
}

static inline void h_init(struct harness *h, const char *sim_extra)
{
        char tmpl[] = "/tmp/lk-e2e-XXXXXX";

        memset(h, 0, sizeof(*h));
        assert_non_null(mkdtemp(tmpl));
        snprintf(h->dir, sizeof(h->dir), "%s", tmpl);
        snprintf(h->sock, sizeof(h->sock), "%s/lock.sock", h->dir);
        snprintf(h->state, sizeof(h->state), "%s/lock.state", h->dir);
        snprintf(h->statedir, sizeof(h->statedir), "%s/agent", h->dir);
        snprintf(h->pinfile, sizeof(h->pinfile), "%s/pin", h->dir);
        h_sim_start(h, sim_extra);
}

static inline void h_cleanup(struct harness *h)
{
        char cmd[400];

        h_sim_stop(h);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
        (void)!system(cmd);
}

/* Run argv (NULL-terminated) with stdin_data; standard output and error together into *out. */
static inline int h_run_merged(const char *stdin_data, char **out, char *const argv[])
{
        char *envp[] = { (char *)"PATH=/usr/bin:/bin", (char *)"TZ=UTC", NULL };
        char path[] = "/tmp/lk-merged-XXXXXX";
        int fd = mkstemp(path), saved = dup(STDERR_FILENO), code;
        FILE *f;
        long n;

        /* h_run takes standard output; standard error goes to the same file for the run. */
        assert_true(fd >= 0 && saved >= 0);
        assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
        code = h_run(stdin_data, out, argv, envp);
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        f = fdopen(fd, "r");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        *out = realloc(*out, strlen(*out) + (size_t)n + 1);
        assert_non_null(*out);
        (*out)[strlen(*out) + fread(*out + strlen(*out), 1, (size_t)n, f)] = '\0';
        fclose(f);
        unlink(path);
        return code;
}

/* Write a 0600 secret file. */
static inline void h_secret(const char *path, const char *content)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
        close(fd);
}

/* Run `latchkey --state-dir DIR --json ARGS...` (args NULL-terminated), stdin optional. */
static inline int h_cliv(struct harness *h, const char *stdin_data, cJSON **ret, const char *const *args)
{
        char *argv[40], *out = NULL, env0[400];
        char *envp[] = { env0, (char *)"TZ=UTC", NULL };
        int n = 0, code;

        snprintf(env0, sizeof(env0), "PATH=/usr/bin:/bin");
        argv[n++] = (char *)H_CLI;
        argv[n++] = (char *)"--state-dir";
        argv[n++] = h->statedir;
        argv[n++] = (char *)"--json";
        for (; *args && n < 39; args++)
                argv[n++] = (char *)*args;
        argv[n] = NULL;
        code = h_run(stdin_data, &out, argv, envp);
        if (ret) {
                *ret = cJSON_Parse(out);
                if (!*ret)
                        fail_msg("latchkey printed no JSON (exit %d): '%s'", code, out);
        }
        free(out);
        return code;
}

/* `latchkey --state-dir DIR ARGS...` without --json: the text an operator reads, and the exit code. */
static inline int h_text(struct harness *h, const char *stdin_data, char **out, ...)
{
        char *argv[40], env0[] = "PATH=/usr/bin:/bin";
        char *envp[] = { env0, (char *)"TZ=UTC", NULL };
        va_list ap;
        int n = 0;

        argv[n++] = (char *)H_CLI;
        argv[n++] = (char *)"--state-dir";
        argv[n++] = h->statedir;
        va_start(ap, out);
        for (const char *a; (a = va_arg(ap, const char *)) && n < 39;)
                argv[n++] = (char *)a;
        va_end(ap);
        argv[n] = NULL;
        return h_run(stdin_data, out, argv, envp);
}

/* Run `latchkey --state-dir DIR --json ARGS...` (NULL-terminated), stdin optional. */
static inline int h_cli(struct harness *h, const char *stdin_data, cJSON **ret, ...)
{
        char *argv[40], *out = NULL, env0[400];
        char *envp[] = { env0, (char *)"TZ=UTC", NULL };
        va_list ap;
        int n = 0, code;

        snprintf(env0, sizeof(env0), "PATH=/usr/bin:/bin");
        argv[n++] = (char *)H_CLI;
        argv[n++] = (char *)"--state-dir";
        argv[n++] = h->statedir;
        argv[n++] = (char *)"--json";
        va_start(ap, ret);
        for (const char *a; (a = va_arg(ap, const char *)) && n < 39;)
                argv[n++] = (char *)a;
        va_end(ap);
        argv[n] = NULL;
        code = h_run(stdin_data, &out, argv, envp);
        if (ret) {
                *ret = cJSON_Parse(out);
                if (!*ret)
                        fail_msg("latchkey printed no JSON (exit %d): '%s'", code, out);
        }
        free(out);
        return code;
}

/* latchkey-sim ctl WORDS... → parsed JSON reply. */
static inline cJSON *h_ctl(struct harness *h, const char *words)
{
        char *argv[16], buf[256], *out = NULL;
        char *envp[] = { NULL };
        int n = 0;
        cJSON *j;

        argv[n++] = (char *)H_SIM;
        argv[n++] = (char *)"ctl";
        argv[n++] = (char *)"--socket";
        argv[n++] = h->sock;
        snprintf(buf, sizeof(buf), "%s", words);
        for (char *t = strtok(buf, " "); t && n < 15; t = strtok(NULL, " "))
                argv[n++] = t;
        argv[n] = NULL;
        (void)h_run(NULL, &out, argv, envp);
        j = cJSON_Parse(out);
        if (!j)
                fail_msg("latchkey-sim ctl %s: no JSON: '%s'", words, out);
        free(out);
        return j;
}

static inline void h_ctl_ok(struct harness *h, const char *words)
{
        cJSON *j = h_ctl(h, words);

        if (!cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")))
                fail_msg("latchkey-sim ctl %s failed: %s", words, cJSON_PrintUnformatted(j));
        cJSON_Delete(j);
}

static inline cJSON *jget(cJSON *o, const char *path)
{
        char buf[128];
        cJSON *cur = o;

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *t = strtok(buf, "."); t && cur; t = strtok(NULL, "."))
                cur = cJSON_GetObjectItem(cur, t);
        if (!cur)
                fail_msg("no '%s' in %s", path, cJSON_PrintUnformatted(o));
        return cur;
}

static inline const char *jstr(cJSON *o, const char *path)
{
        cJSON *v = jget(o, path);

        assert_true(cJSON_IsString(v));
        return v->valuestring;
}

static inline double jnum(cJSON *o, const char *path)
{
        cJSON *v = jget(o, path);

        assert_true(cJSON_IsNumber(v));
        return v->valuedouble;
}

static inline bool jok(cJSON *o)
{
        return cJSON_IsTrue(cJSON_GetObjectItem(o, "ok"));
}

/* Pair the harness's sim as NAME with PIN 0000 stored (the sim's factory PIN, spec §5.2 [DECISION]). */
static inline void h_pair(struct harness *h, const char *name)
{
        char via[320];
        cJSON *j;

        snprintf(via, sizeof(via), "sim:%s", h->sock);
        h_secret(h->pinfile, "0000\n");
        h_ctl_ok(h, "press-button");
        assert_int_equal(h_cli(h, NULL, &j, "pair", "--via", via, "--name", name, "--pin-file", h->pinfile, NULL), 0);
        assert_true(jok(j));
        assert_true(cJSON_IsTrue(jget(j, "lock.pin_stored")));
        cJSON_Delete(j);
}
