/* SPDX-License-Identifier: MIT */
/*
 * Test helper: a throw-away PKI (tests/upstream/make-certs.sh, openssl at test time) and the
 * test upstream (tests/upstream/server.py) as a child process. Readiness is the "PORT n" line
 * the server prints; every control command answers one line. Nothing here sleeps.
 */
#pragma once

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lk-test.h"

#define UP_PYTHON "/usr/bin/python3"
#define UP_SERVER LK_SOURCE_DIR "/tests/upstream/server.py"
#define UP_MAKE_CERTS LK_SOURCE_DIR "/tests/upstream/make-certs.sh"

struct upstream {
        pid_t pid;
        FILE *in;  /* commands */
        FILE *out; /* answers */
        int port;
        char url[64];
};

static inline int up_spawn_wait(char *const argv[])
{
        int status;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

                if (fd >= 0)
                        dup2(fd, 1);
                execv(argv[0], argv);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Make the PKI in dir/pki. */
static inline void up_make_pki(const char *dir)
{
        char pki[512];
        char *argv[] = { (char *)"/bin/sh", (char *)UP_MAKE_CERTS, pki, NULL };

        snprintf(pki, sizeof(pki), "%s/pki", dir);
        assert_int_equal(up_spawn_wait(argv), 0);
}

/* Start the server with dir/pki/<cert>.crt/.key; client_ca NULL or a path; token file path. */
static inline void up_start(struct upstream *u, const char *dir, const char *cert, const char *client_ca,
                            const char *token_file)
{
        char crt[512], key[512], line[128];
        int in[2], out[2];

        snprintf(crt, sizeof(crt), "%s/pki/%s.crt", dir, cert);
        snprintf(key, sizeof(key), "%s/pki/%s.key", dir, cert);
        assert_int_equal(pipe2(in, O_CLOEXEC), 0);
        assert_int_equal(pipe2(out, O_CLOEXEC), 0);
        u->pid = fork();
        assert_true(u->pid >= 0);
        if (u->pid == 0) {
                char *argv[12];
                int n = 0;

                (void)prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlives a failed test: its stderr
                                                         * would hold ctest's pipe open */

                argv[n++] = (char *)UP_PYTHON;
                argv[n++] = (char *)UP_SERVER;
                argv[n++] = (char *)"--cert";
                argv[n++] = crt;
                argv[n++] = (char *)"--key";
                argv[n++] = key;
                argv[n++] = (char *)"--token-file";
                argv[n++] = (char *)token_file;
                if (client_ca) {
                        argv[n++] = (char *)"--client-ca";
                        argv[n++] = (char *)client_ca;
                }
                argv[n] = NULL;
                dup2(in[0], 0);
                dup2(out[1], 1);
                execv(argv[0], argv);
                _exit(127);
        }
        close(in[0]);
        close(out[1]);
        u->in = fdopen(in[1], "w");
        u->out = fdopen(out[0], "r");
        assert_non_null(u->in);
        assert_non_null(u->out);
        assert_non_null(fgets(line, sizeof(line), u->out)); /* blocks until it listens */
        assert_int_equal(sscanf(line, "PORT %d", &u->port), 1);
        snprintf(u->url, sizeof(u->url), "https://127.0.0.1:%d", u->port);
}

/* Send one command, return its one-line answer (malloc'd, newline stripped). */
__attribute__((format(printf, 2, 3))) static inline char *up_cmd(struct upstream *u, const char *fmt, ...)
{
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        va_list ap;

        va_start(ap, fmt);
        vfprintf(u->in, fmt, ap);
        va_end(ap);
        fputc('\n', u->in);
        fflush(u->in);
        n = getline(&line, &cap, u->out);
        assert_true(n > 0);
        if (line[n - 1] == '\n')
                line[n - 1] = '\0';
        return line;
}

__attribute__((format(printf, 2, 3))) static inline void up_ok(struct upstream *u, const char *fmt, ...)
{
        char buf[4096];
        char *a;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        a = up_cmd(u, "%s", buf);
        assert_true(strncmp(a, "OK", 2) == 0);
        free(a);
}

static inline cJSON *up_stats(struct upstream *u)
{
        char *a = up_cmd(u, "stats");
        cJSON *j = cJSON_Parse(a);

        free(a);
        assert_non_null(j);
        return j;
}

static inline int up_stat(struct upstream *u, const char *key)
{
        cJSON *j = up_stats(u);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
        int n;

        assert_true(cJSON_IsNumber(v));
        n = v->valueint;
        cJSON_Delete(j);
        return n;
}

/* How many events of a type the upstream has received. */
static inline int up_events_count(struct upstream *u, const char *type)
{
        char *a = up_cmd(u, "events %s", type);
        cJSON *j = cJSON_Parse(a);
        int n;

        free(a);
        assert_non_null(j);
        n = cJSON_GetArraySize(j);
        cJSON_Delete(j);
        return n;
}

static inline void up_stop(struct upstream *u)
{
        int status;

        if (u->pid <= 0)
                return;
        fputs("quit\n", u->in);
        fclose(u->in);
        fclose(u->out);
        assert_int_equal(waitpid(u->pid, &status, 0), u->pid);
        u->pid = 0;
}

/*
 * Every POST body the upstream received, as received, against docs/openapi.yaml EventBatch
 * (tests/upstream/validate.py, a real JSON Schema validator); dir holds the files. Fails the
 * test on the first that does not match.
 */
static inline void up_validate_batches(struct upstream *u, const char *dir)
{
        char *answer = up_cmd(u, "batches"), path[512];
        cJSON *batches = cJSON_Parse(answer), *b;
        unsigned n = 0;

        free(answer);
        assert_non_null(batches);
        cJSON_ArrayForEach(b, batches) {
                char *text = cJSON_PrintUnformatted(b);
                char *argv[] = { (char *)UP_PYTHON, (char *)LK_SOURCE_DIR "/tests/upstream/validate.py",
                                 (char *)LK_SOURCE_DIR "/docs/openapi.yaml", (char *)"EventBatch", path, NULL };
                FILE *f;

                snprintf(path, sizeof(path), "%s/batch%u.json", dir, n++);
                f = fopen(path, "w");
                assert_non_null(f);
                fputs(text, f);
                fclose(f);
                free(text);
                if (up_spawn_wait(argv) != 0)
                        fail_msg("%s does not match docs/openapi.yaml EventBatch", path);
        }
        cJSON_Delete(batches);
}

/* rm -rf for the temp dir (no system()). */
static inline void up_rmrf(const char *dir)
{
        char *argv[] = { (char *)"/bin/rm", (char *)"-rf", (char *)dir, NULL };

        (void)up_spawn_wait(argv);
}
