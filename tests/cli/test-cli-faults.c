/* SPDX-License-Identifier: MIT */
/*
 * Fault tests with the virtual lock's link model: the link dropped before and after each
 * message of code add, update, remove and log read. Whatever happens, the lock never holds a
 * duplicate code, the log is never lost or repeated, and where latchkey must give up it says
 * so clearly with the link exit code.
 */
#include "harness.h"

static struct harness H;

/* Writes one command makes at most (challenge + command, three times: list, write, read back). */
#define MAX_WRITES 8

static int setup(void **state)
{
        h_init(&H, NULL);
        h_pair(&H, "door");
        return 0;
}

static int teardown(void **state)
{
        h_cleanup(&H);
        return 0;
}

static void fault(const char *what, int n)
{
        char buf[64];

        snprintf(buf, sizeof(buf), "fault %s %d", what, n);
        h_ctl_ok(&H, buf);
}

/* How many codes on the lock have this value, and the id of one. */
static int count_code(int value, unsigned *ret_id)
{
        cJSON *j, *c;
        int n = 0;

        h_ctl_ok(&H, "fault clear");
        assert_int_equal(h_cli(&H, NULL, &j, "code", "list", NULL), 0);
        cJSON_ArrayForEach(c, jget(j, "codes"))
                if ((int)jnum(c, "code") == value) {
                        n++;
                        if (ret_id)
                                *ret_id = (unsigned)jnum(c, "id");
                }
        cJSON_Delete(j);
        return n;
}

/* The exit code must be success, or a link failure with a message saying so. */
static void assert_ok_or_link_error(int code, cJSON *j)
{
        if (code == 0) {
                assert_true(jok(j));
                return;
        }
        assert_int_equal(code, 5);
        assert_true(strstr(jstr(j, "error.message"), "link") || strstr(jstr(j, "error.message"), "in time"));
}

static void add_survives_drops(void **state)
{
        const char *kinds[] = { "drop-before", "drop-after" };
        for (size_t k = 0; k < 2; k++)
                for (int n = 1; n <= MAX_WRITES; n++) {
                        int value = 311111 + (int)k * 100 + n; /* digits 1-9 only */
                        char code[16], name[24];
                        cJSON *j;
                        int rc;

                        snprintf(code, sizeof(code), "%d\n", value);
                        snprintf(name, sizeof(name), "Add %s %d", k ? "after" : "before", n);
                        fault(kinds[k], n);
                        rc = h_cli(&H, code, &j, "--timeout", "2", "code", "add", "--name", name, "--code-file", "-", NULL);
                        assert_ok_or_link_error(rc, j);
                        cJSON_Delete(j);
                        /* Never twice; and once whenever latchkey said it worked. */
                        assert_true(count_code(value, NULL) <= 1);
                        if (rc == 0)
                                assert_int_equal(count_code(value, NULL), 1);
                        /* Running it again converges: exactly one, reported as already there or added. */
                        assert_int_equal(h_cli(&H, code, &j, "code", "add", "--name", name, "--code-file", "-", NULL), 0);
                        cJSON_Delete(j);
                        assert_int_equal(count_code(value, NULL), 1);
                }
}

static void add_survives_lost_reply(void **state)
{
        cJSON *j;
        int rc;

        h_ctl_ok(&H, "fault lose-reply");
        rc = h_cli(&H, "322222\n", &j, "--timeout", "1", "code", "add", "--name", "Lost reply", "--code-file", "-", NULL);
        assert_ok_or_link_error(rc, j);
        cJSON_Delete(j);
        assert_true(count_code(322222, NULL) <= 1);
        assert_int_equal(h_cli(&H, "322222\n", &j, "code", "add", "--name", "Lost reply", "--code-file", "-", NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(count_code(322222, NULL), 1);
}

static void update_survives_drops(void **state)
{
        const char *kinds[] = { "drop-before", "drop-after" };
        unsigned id = 0;
        cJSON *j;

        assert_int_equal(h_cli(&H, "333333\n", &j, "code", "add", "--name", "Update me", "--code-file", "-", NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(count_code(333333, &id), 1);
        for (size_t k = 0; k < 2; k++)
                for (int n = 1; n <= MAX_WRITES; n++) {
                        char ids[16], until[40], want[40];
                        int rc;

                        snprintf(ids, sizeof(ids), "%u", id);
                        snprintf(until, sizeof(until), "2037-01-%02dT10:00Z", n + (int)k * 10);
                        snprintf(want, sizeof(want), "2037-01-%02dT10:00:00Z", n + (int)k * 10);
                        fault(kinds[k], n);
                        rc = h_cli(&H, NULL, &j, "--timeout", "2", "code", "update", ids, "--until", until, NULL);
                        assert_ok_or_link_error(rc, j);
                        cJSON_Delete(j);
                        /* Converge, then the record is whole: the name and code are never lost. */
                        h_ctl_ok(&H, "fault clear");
                        assert_int_equal(h_cli(&H, NULL, &j, "code", "update", ids, "--until", until, NULL), 0);
                        assert_string_equal(jstr(j, "code.name"), "Update me");
                        assert_int_equal(jnum(j, "code.code"), 333333);
                        assert_string_equal(jstr(j, "code.window.until"), want);
                        cJSON_Delete(j);
                        assert_int_equal(count_code(333333, NULL), 1);
                }
}

static void remove_survives_drops(void **state)
{
        const char *kinds[] = { "drop-before", "drop-after" };
        for (size_t k = 0; k < 2; k++)
                for (int n = 1; n <= MAX_WRITES; n++) {
                        int value = 344411 + (int)k * 100 + n; /* digits 1-9 only */
                        char code[16], ids[16];
                        unsigned id = 0;
                        cJSON *j;
                        int rc;

                        snprintf(code, sizeof(code), "%d\n", value);
                        assert_int_equal(h_cli(&H, code, &j, "code", "add", "--name", "Remove me", "--code-file", "-", NULL), 0);
                        cJSON_Delete(j);
                        assert_int_equal(count_code(value, &id), 1);
                        snprintf(ids, sizeof(ids), "%u", id);
                        fault(kinds[k], n);
                        rc = h_cli(&H, NULL, &j, "--timeout", "2", "code", "remove", ids, NULL);
                        assert_ok_or_link_error(rc, j);
                        cJSON_Delete(j);
                        if (rc == 0)
                                assert_int_equal(count_code(value, NULL), 0);
                        /* Converge: removed, or already gone (exit 3 says so). */
                        rc = h_cli(&H, NULL, &j, "code", "remove", ids, NULL);
                        assert_true(rc == 0 || rc == 3);
                        cJSON_Delete(j);
                        assert_int_equal(count_code(value, NULL), 0);
                }
}

/* Read the whole new log through repeated runs; return indices seen, fail on any repeat. */
static void log_read_survives_drops(void **state)
{
        static unsigned char seen[4096];
        unsigned total_events = 0, first = 0, last = 0;
        cJSON *j, *e;

        /* Catch up, then make 120 new entries (three batches of 50). */
        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0);
        first = (unsigned)jnum(j, "cursor");
        cJSON_Delete(j);
        for (int i = 0; i < 120; i++)
                h_ctl_ok(&H, i % 2 ? "type-code 999999" : "type-code 888888");
        last = first + 120;

        for (int n = 1; n <= 2 * MAX_WRITES; n++) {
                int rc;

                fault(n % 2 ? "drop-after" : "drop-before", (n + 1) / 2);
                rc = h_cli(&H, NULL, &j, "--timeout", "2", "log", NULL);
                if (rc != 0) {
                        const char *msg;

                        assert_int_equal(rc, 5);
                        msg = jstr(j, "error.message");
                        assert_true(strstr(msg, "link") || strstr(msg, "in time"));
                        /* Entries that did arrive were kept, and the message says where it resumes. */
                        if (jnum(j, "received") > 0)
                                assert_non_null(strstr(msg, "resumes after index"));
                        cJSON_Delete(j);
                        continue;
                }
                cJSON_ArrayForEach(e, jget(j, "entries")) {
                        unsigned idx = (unsigned)jnum(e, "index");

                        assert_true(idx > first && idx <= last);
                        assert_int_equal(seen[idx], 0); /* never repeated */
                        seen[idx] = 1;
                        total_events++;
                }
                cJSON_Delete(j);
                if (total_events == 120)
                        break;
                /* Make more for the next round so every drop point meets a read. */
                for (int i = 0; i < 60; i++)
                        h_ctl_ok(&H, "type-code 777777");
                last += 60;
        }
        /* A clean read picks up the rest; every index appears exactly once overall. */
        h_ctl_ok(&H, "fault clear");
        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0);
        cJSON_ArrayForEach(e, jget(j, "entries")) {
                unsigned idx = (unsigned)jnum(e, "index");

                assert_int_equal(seen[idx], 0);
                seen[idx] = 1;
        }
        cJSON_Delete(j);
        /* Entries read by failed runs were stored too: the database holds every index. */
        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0);
        assert_int_equal(cJSON_GetArraySize(jget(j, "entries")), 0);
        assert_int_equal((unsigned)jnum(j, "cursor"), last);
        cJSON_Delete(j);
}

static void gives_up_clearly(void **state)
{
        cJSON *j;

        h_ctl_ok(&H, "fault stall");
        assert_int_equal(h_cli(&H, NULL, &j, "--timeout", "1", "state", NULL), 5);
        assert_non_null(strstr(jstr(j, "error.message"), "no answer from the lock in time"));
        cJSON_Delete(j);
        h_ctl_ok(&H, "fault clear");
        h_sim_stop(&H);
        assert_int_equal(h_cli(&H, "355555\n", &j, "--timeout", "1", "code", "add", "--name", "Gone", "--code-file", "-",
                               NULL),
                         5);
        assert_non_null(strstr(jstr(j, "error.message"), "link"));
        cJSON_Delete(j);
        h_sim_start(&H, NULL);
}

static void busy_is_retried(void **state)
{
        cJSON *j;

        h_ctl_ok(&H, "fault busy 2");
        assert_int_equal(h_cli(&H, NULL, &j, "unlock", NULL), 0);
        cJSON_Delete(j);
        h_ctl_ok(&H, "fault busy 50");
        assert_int_equal(h_cli(&H, NULL, &j, "lock", NULL), 4);
        assert_int_equal(jnum(j, "error.lock_error"), 0x45);
        cJSON_Delete(j);
        h_ctl_ok(&H, "fault clear");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(add_survives_drops),
                cmocka_unit_test(add_survives_lost_reply),
                cmocka_unit_test(update_survives_drops),
                cmocka_unit_test(remove_survives_drops),
                cmocka_unit_test(log_read_survives_drops),
                cmocka_unit_test(busy_is_retried),
                cmocka_unit_test(gives_up_clearly),
        };

        return cmocka_run_group_tests_name("cli-faults", tests, setup, teardown);
}
