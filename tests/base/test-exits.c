/* SPDX-License-Identifier: MIT */
/*
 * The one map from failure kind to exit code (src/base/exits.c, issue 11): the table is whole, the
 * README, the man page, `--help` and `--json` say what it says, and the same failure gives the
 * same code from every command that can meet it (the real binaries against the virtual lock
 * and the test upstream).
 */
#include "harness.h"
#include "upstream/upstream.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exits.h"
#include "latchkey/wire.h"

/* The issue's list, word for word (issue 11 "One error map"). */
static const char *const issue_list[] = {
        "ok",
        "internal error",
        "invalid input, nothing written",
        "not found",
        "refused by the lock (or it could not complete)",
        "the link to the lock failed (or the outcome is unknown)",
        "not authorized or wrong PIN",
        "lock full",
        "an answer failed its checks (corrupt, forged or not the paired lock)",
        "local state problem",
        "the upstream failed (network, TLS, HTTP refusal)",
        "the lock does not support this, or sent an answer this version does not understand",
};

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "r");
        char *buf;
        long n;

        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        rewind(f);
        buf = calloc(1, (size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        return buf;
}

/* Collapse runs of white space into one space, in place. */
static void squeeze(char *s)
{
        char *w = s;
        bool space = false;

        for (char *r = s; *r; r++) {
                if (*r == ' ' || *r == '\n' || *r == '\t') {
                        space = true;
                        continue;
                }
                if (space && w > s)
                        *w++ = ' ';
                space = false;
                *w++ = *r;
        }
        *w = '\0';
}

static void table_is_the_issue_list(void **state)
{
        for (int i = 0; i <= CLI_EXIT_MAX; i++) {
                assert_string_equal(exit_meaning(i), issue_list[i]);
                assert_non_null(exit_kind(i));
                for (int k = 0; k < i; k++)
                        assert_false(streq(exit_kind(i), exit_kind(k)));
        }
        assert_null(exit_kind(-1));
        assert_null(exit_kind(CLI_EXIT_MAX + 1));
        assert_int_equal(ELEMENTSOF(issue_list), CLI_EXIT_MAX + 1);
}

static void lock_failures_map(void **state)
{
        assert_int_equal(exit_for_lock_error(LK_K_ERROR_BAD_PIN), CLI_EXIT_AUTH);
        assert_int_equal(exit_for_lock_error(LK_K_ERROR_TOO_MANY_PIN_ATTEMPTS), CLI_EXIT_AUTH);
        assert_int_equal(exit_for_lock_error(LK_K_ERROR_NOT_AUTHORIZED), CLI_EXIT_AUTH);
        assert_int_equal(exit_for_lock_error(LK_K_ERROR_TOO_MANY_ENTRIES), CLI_EXIT_FULL);
        assert_int_equal(exit_for_lock_error(LK_P_ERROR_MAX_USER), CLI_EXIT_FULL);
        assert_int_equal(exit_for_lock_error(LK_K_ERROR_INVALID_AUTH_ID), CLI_EXIT_NOT_FOUND);
        assert_int_equal(exit_for_lock_error(LK_K_ERROR_MOTOR_BLOCKED), CLI_EXIT_REFUSED);
        assert_int_equal(exit_for_lock_error(LK_K_ERROR_BUSY), CLI_EXIT_REFUSED);
        assert_int_equal(exit_for_lock_error(LK_ERROR_UNKNOWN), CLI_EXIT_UNSUPPORTED);
        assert_int_equal(exit_for_lock_error(0x99), CLI_EXIT_UNSUPPORTED); /* not in spec §8 */
        assert_int_equal(exit_for_lock_errno(-EREMOTEIO, LK_K_ERROR_BAD_PIN), CLI_EXIT_AUTH);
        assert_int_equal(exit_for_lock_errno(-ETIMEDOUT, 0), CLI_EXIT_LINK);
        assert_int_equal(exit_for_lock_errno(-ECONNREFUSED, 0), CLI_EXIT_LINK);
        assert_int_equal(exit_for_lock_errno(-EBADMSG, 0), CLI_EXIT_PROTOCOL);
        assert_int_equal(exit_for_lock_errno(-ESTALE, 0), CLI_EXIT_PROTOCOL);
        assert_int_equal(exit_for_lock_errno(-EKEYREJECTED, 0), CLI_EXIT_AUTH);
        assert_int_equal(exit_for_lock_errno(-EKEYEXPIRED, 0), CLI_EXIT_AUTH);
        assert_int_equal(exit_for_lock_errno(-ENOKEY, 0), CLI_EXIT_AUTH);
        assert_int_equal(exit_for_lock_errno(-ENOSPC, 0), CLI_EXIT_FULL);
        assert_int_equal(exit_for_lock_errno(-EOPNOTSUPP, 0), CLI_EXIT_UNSUPPORTED);
        assert_int_equal(exit_for_lock_errno(-ENOMSG, 0), CLI_EXIT_UNSUPPORTED); /* issue 14: not understood, not corrupt */
        assert_int_equal(exit_for_lock_errno(-ENOMEM, 0), CLI_EXIT_FAILURE);
        /* a read-back that differs (-EBADE) is the only "wrote, reads back something else"; a
         * failure BlueZ reports (-ECOMM) is the link's; -EIO (a disk's) is neither */
        assert_int_equal(exit_for_lock_errno(-EBADE, 0), CLI_EXIT_PROTOCOL);
        assert_int_equal(exit_for_lock_errno(-ECOMM, 0), CLI_EXIT_LINK);
        assert_int_equal(exit_for_lock_errno(-EIO, 0), CLI_EXIT_FAILURE);
        {
                char buf[160];

                exit_describe_lock_errno(-EBADE, 0, buf, sizeof(buf));
                assert_non_null(strstr(buf, "reading it back"));
                exit_describe_lock_errno(-ECOMM, 0, buf, sizeof(buf));
                assert_non_null(strstr(buf, "BlueZ"));
                exit_describe_lock_errno(-EIO, 0, buf, sizeof(buf));
                assert_null(strstr(buf, "reading it back"));
        }
        assert_int_equal(exit_for_upstream_errno(-EKEYREJECTED), CLI_EXIT_UPSTREAM);
        assert_int_equal(exit_for_upstream_errno(-EMSGSIZE), CLI_EXIT_UPSTREAM);
        assert_int_equal(exit_for_upstream_errno(-EACCES), CLI_EXIT_UPSTREAM);
        assert_int_equal(exit_for_upstream_setup(-EPROTONOSUPPORT), CLI_EXIT_USAGE);
        assert_int_equal(exit_for_upstream_setup(-EBUSY), CLI_EXIT_STATE);
}

/* README.md, latchkey(1) (build/man/, from docs/latchkey.1.in) and `latchkey --help` list every code with the table's words. */
static void documents_agree(void **state)
{
        char *readme = slurp(LK_SOURCE_DIR "/README.md"), *man = slurp(LK_BINARY_DIR "/man/latchkey.1");
        char *argv[] = { (char *)H_CLI, (char *)"--help", NULL }, *envp[] = { NULL }, *help = NULL;
        const char *sect;

        squeeze(readme);
        assert_int_equal(h_run(NULL, &help, argv, envp), 0);
        squeeze(help);
        sect = strstr(man, ".SH EXIT STATUS");
        assert_non_null(sect);
        for (int i = 0; i <= CLI_EXIT_MAX; i++) {
                char want[256], tag[32];
                const char *at;

                snprintf(want, sizeof(want), "%d %s", i, exit_meaning(i));
                if (!strstr(readme, want))
                        fail_msg("README.md does not say '%s'", want);
                if (!strstr(help, want))
                        fail_msg("latchkey --help does not say '%s'", want);
                /* man: ".TP\n.B N\n<Meaning>..." */
                snprintf(tag, sizeof(tag), "\n.B %d\n", i);
                at = strstr(sect, tag);
                if (!at || strncasecmp(at + strlen(tag), exit_meaning(i), strlen(exit_meaning(i))) != 0)
                        fail_msg("latchkey(1) EXIT STATUS does not give %d as '%s'", i, exit_meaning(i));
        }
        assert_null(strstr(sect + 1, "\n.B 12\n"));
        free(readme);
        free(man);
        free(help);
}

/* ---- the same failure, every command that can meet it ---------------------------------- */

static struct harness H;

/* The exit code, and the --json error object agreeing with it. */
static int run_jsonv(const char *stdin_data, cJSON **ret, const char *const *args)
{
        cJSON *j = NULL;
        int code = h_cliv(&H, stdin_data, &j, args);

        if (code != 0) {
                assert_false(jok(j));
                assert_int_equal(jnum(j, "error.exit_code"), code);
                assert_string_equal(jstr(j, "error.kind"), exit_kind(code));
        } else
                assert_true(jok(j));
        if (ret)
                *ret = j;
        else
                cJSON_Delete(j);
        return code;
}
#define run_json(stdin_data, ret, ...) run_jsonv((stdin_data), (ret), (const char *const[]){ __VA_ARGS__, NULL })

static void write_conf(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, 0600), 0);
}

/* A wrong CA and an oversized answer: 10 from `sync` and from `daemon --once`. */
static void upstream_failures(void **state)
{
        struct upstream up = { 0 }, other = { 0 };
        char token[400], ca[400], conf[400], text[1600];
        cJSON *j;

        h_init(&H, NULL);
        up_make_pki(H.dir);
        snprintf(token, sizeof(token), "%s/token", H.dir);
        snprintf(ca, sizeof(ca), "%s/pki/ca.crt", H.dir);
        snprintf(conf, sizeof(conf), "%s/daemon.conf", H.dir);
        h_secret(token, "test-token_0123456789\n");
        up_start(&up, H.dir, "server", NULL, token);
        up_start(&other, H.dir, "other-server", NULL, token);
        up_ok(&up, "grants {\"version\":1,\"properties\":[],\"grants\":[]}");

        /* The upstream's certificate is from another CA. */
        assert_int_equal(h_cli(&H, NULL, &j, "sync", "--url", other.url, "--token-file", token, "--ca-file", ca, NULL),
                         CLI_EXIT_UPSTREAM);
        assert_string_equal(jstr(j, "error.kind"), "upstream");
        cJSON_Delete(j);
        snprintf(text, sizeof(text), "[upstream]\nurl = %s\ntoken_file = %s\nca_file = %s\n", other.url, token, ca);
        write_conf(conf, text);
        assert_int_equal(run_json(NULL, &j, "daemon", "--once", "--config", conf), CLI_EXIT_UPSTREAM);
        assert_int_equal(jnum(j, "upstream.exit_code"), CLI_EXIT_UPSTREAM);
        assert_false(cJSON_IsTrue(jget(j, "complete")));
        cJSON_Delete(j);

        /* An answer over the limits: 10 again, from both. */
        up_ok(&up, "mode huge 0");
        assert_int_equal(h_cli(&H, NULL, &j, "sync", "--url", up.url, "--token-file", token, "--ca-file", ca, NULL),
                         CLI_EXIT_UPSTREAM);
        cJSON_Delete(j);
        snprintf(text, sizeof(text), "[upstream]\nurl = %s\ntoken_file = %s\nca_file = %s\nmax_response_size = 64k\n",
                 up.url, token, ca);
        write_conf(conf, text);
        assert_int_equal(run_json(NULL, &j, "daemon", "--once", "--config", conf), CLI_EXIT_UPSTREAM);
        assert_true(strstr(jstr(j, "upstream.message"), "pull") != NULL);
        cJSON_Delete(j);
        /* The upstream recovers: 0. */
        up_ok(&up, "mode ok");
        assert_int_equal(run_json(NULL, NULL, "daemon", "--once", "--config", conf), 0);

        /* A token file its group can read: a usage error (2) in the one wording of a secret
         * file's refusal, naming the file. */
        {
                char shared[420];

                snprintf(shared, sizeof(shared), "%s-0640", token);
                h_secret(shared, "test-token_0123456789\n");
                assert_int_equal(chmod(shared, 0640), 0);
                snprintf(text, sizeof(text), "[upstream]\nurl = %s\ntoken_file = %s\nca_file = %s\n", up.url, shared, ca);
                write_conf(conf, text);
                assert_int_equal(run_json(NULL, &j, "daemon", "--once", "--config", conf), CLI_EXIT_USAGE);
                assert_non_null(strstr(jstr(j, "error.message"), "token-0640': mode 0640 lets its group read it"));
                cJSON_Delete(j);
                /* A token file that is not there: named (2). */
                assert_int_equal(unlink(shared), 0);
                assert_int_equal(run_json(NULL, &j, "daemon", "--once", "--config", conf), CLI_EXIT_USAGE);
                assert_non_null(strstr(jstr(j, "error.message"), "token-0640' does not exist"));
                cJSON_Delete(j);
        }

        up_stop(&up);
        up_stop(&other);
        h_cleanup(&H);
}

static void write_import(const char *path, unsigned first, unsigned n)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs("[", f);
        for (unsigned i = 0; i < n; i++) {
                unsigned v = first + i, code = 345000; /* 345ddd, d in 1..9: 729 distinct codes */

                assert_true(v < 729);
                code += (1 + v % 9) * 100 + (1 + v / 9 % 9) * 10 + 1 + v / 81 % 9;
                fprintf(f, "%s{\"name\":\"Fill %u\",\"code\":%u}", i ? "," : "", v, code);
        }
        fputs("]", f);
        fclose(f);
        assert_int_equal(chmod(path, 0600), 0);
}

/* A full lock: 7 from code add, code import, reconcile and daemon --once. */
static void lock_full(void **state)
{
        char file[400], conf[400], bookings[400], text[800];
        cJSON *j;

        h_init(&H, NULL);
        h_pair(&H, "front");
        snprintf(file, sizeof(file), "%s/codes.json", H.dir);
        snprintf(conf, sizeof(conf), "%s/daemon.conf", H.dir);
        snprintf(bookings, sizeof(bookings), "%s/bookings.json", H.dir);
        write_conf(conf, "[agent]\n");
        write_import(file, 0, LK_MAX_KEYPAD_CODES);
        assert_int_equal(run_json(NULL, NULL, "code", "import", file), 0);

        assert_int_equal(run_json("987654\n", NULL, "code", "add", "--name", "One more", "--code-file", "-"),
                         CLI_EXIT_FULL);
        write_import(file, 500, 2);
        assert_int_equal(run_json(NULL, &j, "code", "import", file), CLI_EXIT_FULL);
        assert_int_equal(jnum(j, "failed"), 2);
        cJSON_Delete(j);

        snprintf(text, sizeof(text),
                 "{\"version\":1,\"properties\":[{\"id\":\"p\",\"locks\":[\"front\"]}],\"grants\":[{\"id\":\"BK-1\","
                 "\"property\":\"p\",\"guest\":\"Ana\",\"code\":\"975318\",\"check_in\":\"2020-01-01T00:00:00Z\","
                 "\"check_out\":\"2099-01-01T00:00:00Z\"}]}");
        write_conf(bookings, text);
        assert_int_equal(run_json(NULL, NULL, "grants", "import", bookings), 0);
        assert_int_equal(run_json(NULL, NULL, "reconcile", "--no-clock"), CLI_EXIT_FULL);
        assert_int_equal(run_json(NULL, &j, "daemon", "--once", "--config", conf), CLI_EXIT_FULL);
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(jget(j, "locks"), 0), "lock")->valuestring, "front");
        cJSON_Delete(j);
        h_cleanup(&H);
}

/* The lock out of reach: 5 from every command that talks to it, and from daemon --once. */
static void lock_unreachable(void **state)
{
        char conf[400];
        cJSON *j, *locks;

        h_init(&H, NULL);
        h_pair(&H, "front");
        snprintf(conf, sizeof(conf), "%s/daemon.conf", H.dir);
        write_conf(conf, "[agent]\n");
        h_sim_stop(&H);
        assert_int_equal(run_json(NULL, NULL, "state"), CLI_EXIT_LINK);
        assert_int_equal(run_json(NULL, NULL, "code", "list"), CLI_EXIT_LINK);
        assert_int_equal(run_json(NULL, NULL, "log"), CLI_EXIT_LINK);
        assert_int_equal(run_json("234567\n", NULL, "code", "add", "--name", "X", "--code-file", "-"),
                         CLI_EXIT_LINK);
        assert_int_equal(run_json(NULL, &j, "daemon", "--once", "--config", conf), CLI_EXIT_LINK);
        /* Per lock: which one and why. */
        locks = jget(j, "locks");
        assert_int_equal(cJSON_GetArraySize(locks), 1);
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(locks, 0), "lock")->valuestring, "front");
        assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(locks, 0), "exit_code")->valueint, CLI_EXIT_LINK);
        assert_non_null(strstr(jstr(j, "error.message"), "front"));
        cJSON_Delete(j);
        h_cleanup(&H);
}

/* A corrupt answer: 8 from a command and from daemon --once. */
static void answer_corrupt(void **state)
{
        char conf[400];

        h_init(&H, NULL);
        h_pair(&H, "front");
        snprintf(conf, sizeof(conf), "%s/daemon.conf", H.dir);
        write_conf(conf, "[agent]\n");
        h_ctl_ok(&H, "fault corrupt");
        assert_int_equal(run_json(NULL, NULL, "state"), CLI_EXIT_PROTOCOL);
        h_ctl_ok(&H, "fault corrupt");
        assert_int_equal(run_json(NULL, NULL, "daemon", "--once", "--config", conf), CLI_EXIT_PROTOCOL);
        h_cleanup(&H);
}

static cJSON *lock_entry(cJSON *j, const char *name)
{
        cJSON *l;

        cJSON_ArrayForEach(l, jget(j, "locks"))
                if (streq(cJSON_GetObjectItem(l, "lock")->valuestring, name))
                        return l;
        fail_msg("no entry for lock '%s'", name);
        return NULL;
}

/* A door of the bookings that is not paired: skipped while nothing is due on it (exit 0, from
 * reconcile and daemon --once); 3, naming it, once a guest's code is due there. */
static void unpaired_door(void **state)
{
        char conf[400], bookings[400], text[1200], in1[32], out1[32], in2[32], out2[32];
        time_t now = time(NULL);
        cJSON *j, *g;

        h_init(&H, NULL);
        h_pair(&H, "front");
        snprintf(conf, sizeof(conf), "%s/daemon.conf", H.dir);
        snprintf(bookings, sizeof(bookings), "%s/bookings.json", H.dir);
        write_conf(conf, "[agent]\n");
        /* BK-1 in 30 days (outside the 72-h lead); BK-2 tonight, inside its lead. */
        strftime(in1, sizeof(in1), "%Y-%m-%dT%H:00:00Z", gmtime(&(time_t){ now + 30 * 86400 }));
        strftime(out1, sizeof(out1), "%Y-%m-%dT%H:00:00Z", gmtime(&(time_t){ now + 33 * 86400 }));
        strftime(in2, sizeof(in2), "%Y-%m-%dT%H:00:00Z", gmtime(&(time_t){ now + 2 * 3600 }));
        strftime(out2, sizeof(out2), "%Y-%m-%dT%H:00:00Z", gmtime(&(time_t){ now + 3 * 86400 }));
        snprintf(text, sizeof(text),
                 "{\"version\":1,\"properties\":[{\"id\":\"p\",\"locks\":[\"front\"]},{\"id\":\"q\",\"locks\":[\"garage\"]}],"
                 "\"grants\":[{\"id\":\"BK-1\",\"property\":\"q\",\"guest\":\"Ana\",\"check_in\":\"%s\",\"check_out\":\"%s\"},"
                 "{\"id\":\"BK-3\",\"property\":\"p\",\"guest\":\"Bo\",\"check_in\":\"%s\",\"check_out\":\"%s\"}]}",
                 in1, out1, in2, out2);
        write_conf(bookings, text);
        assert_int_equal(run_json(NULL, NULL, "grants", "import", bookings), 0);
        assert_int_equal(run_json(NULL, &j, "reconcile", "--no-clock"), 0);
        g = lock_entry(j, "garage");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(g, "skipped")));
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(g, "complete")));
        assert_non_null(strstr(cJSON_GetObjectItem(g, "reason")->valuestring, "not paired"));
        assert_null(cJSON_GetObjectItem(g, "error"));
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(lock_entry(j, "front"), "complete")));
        assert_int_equal(jnum(lock_entry(j, "front"), "counts.provisioned"), 1);
        cJSON_Delete(j);
        assert_int_equal(run_json(NULL, NULL, "daemon", "--once", "--config", conf), 0);

        /* A guest's code due on the unpaired door: a failure, 3, naming the door. */
        snprintf(text, sizeof(text),
                 "{\"version\":1,\"properties\":[{\"id\":\"p\",\"locks\":[\"front\"]},{\"id\":\"q\",\"locks\":[\"garage\"]}],"
                 "\"grants\":[{\"id\":\"BK-1\",\"property\":\"q\",\"guest\":\"Ana\",\"check_in\":\"%s\",\"check_out\":\"%s\"},"
                 "{\"id\":\"BK-2\",\"property\":\"q\",\"guest\":\"Cy\",\"check_in\":\"%s\",\"check_out\":\"%s\"},"
                 "{\"id\":\"BK-3\",\"property\":\"p\",\"guest\":\"Bo\",\"check_in\":\"%s\",\"check_out\":\"%s\"}]}",
                 in1, out1, in2, out2, in2, out2);
        write_conf(bookings, text);
        assert_int_equal(run_json(NULL, NULL, "grants", "import", bookings), 0);
        assert_int_equal(run_json(NULL, &j, "reconcile", "--no-clock"), CLI_EXIT_NOT_FOUND);
        assert_non_null(strstr(jstr(j, "error.message"), "garage"));
        assert_non_null(strstr(jstr(j, "error.message"), "due now"));
        g = lock_entry(j, "garage");
        assert_false(cJSON_IsTrue(cJSON_GetObjectItem(g, "skipped")));
        assert_int_equal(jnum(g, "counts.pending"), 1);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(lock_entry(j, "front"), "complete")));
        cJSON_Delete(j);
        assert_int_equal(run_json(NULL, &j, "daemon", "--once", "--config", conf), CLI_EXIT_NOT_FOUND);
        assert_non_null(strstr(jstr(j, "error.message"), "garage"));
        cJSON_Delete(j);
        /* A name that no booking and no pairing knows is not skipped: 3. */
        assert_int_equal(run_json(NULL, NULL, "--lock", "nosuch", "reconcile", "--no-clock"), CLI_EXIT_NOT_FOUND);
        h_cleanup(&H);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(table_is_the_issue_list),
                cmocka_unit_test(lock_failures_map),
                cmocka_unit_test(documents_agree),
                cmocka_unit_test(upstream_failures),
                cmocka_unit_test(lock_full),
                cmocka_unit_test(lock_unreachable),
                cmocka_unit_test(answer_corrupt),
                cmocka_unit_test(unpaired_door),
        };

        return cmocka_run_group_tests_name("exits", tests, NULL, NULL);
}
