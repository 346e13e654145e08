/* SPDX-License-Identifier: MIT */
/*
 * A second fresh user's review, each finding as a kind: every command on one lock's codes,
 * authorizations or log names the lock (code import from standard input too); a plan's
 * summary counts every kind of step it holds; a flag's value out of range names the range,
 * as the configuration does; and a code without a daily window has none in every rendering
 * (the event leaves "daily" out, --json says null, the table "-"), never "00:00-00:00".
 */
#include "harness.h"

#include <time.h>

#include "exits.h"
#include "timefmt.h"

static struct harness H;

static int setup(void **state)
{
        (void)state;
        h_init(&H, NULL);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        h_cleanup(&H);
        return 0;
}

static void expect_in(const char *out, const char *want)
{
        if (!strstr(out, want))
                fail_msg("'%s' is not in:\n%s", want, out);
}

/* A grant of property "flat" (door "front") from now + from_h hours to now + until_h hours. */
static void grant(char *buf, size_t size, const char *id, const char *code, int from_h, int until_h, const char *extra)
{
        char in[40], out[40];
        int64_t now = (int64_t)time(NULL);

        time_format_utc(now + from_h * 3600, in, sizeof(in));
        time_format_utc(now + until_h * 3600, out, sizeof(out));
        snprintf(buf, size,
                 "{\"id\":\"%s\",\"property\":\"flat\",\"guest\":\"Guest %s\",\"code\":\"%s\",\"check_in\":\"%s\","
                 "\"check_out\":\"%s\"%s}",
                 id, id, code, in, out, extra);
}

static void import_grants(const char *a, const char *b, const char *c)
{
        char doc[2048];
        cJSON *j;

        snprintf(doc, sizeof(doc), "{\"version\":1,\"properties\":[{\"id\":\"flat\",\"locks\":[\"front\"]}],\"grants\":[%s%s%s%s%s]}",
                 a, b ? "," : "", b ? b : "", c ? "," : "", c ? c : "");
        assert_int_equal(h_cli(&H, doc, &j, "grants", "import", "-", NULL), 0);
        cJSON_Delete(j);
}

/* Codes from standard input: the text says on which lock, like code add and remove do; so do
 * the listings of the lock's codes and authorizations. */
static void code_commands_name_the_lock(void **state)
{
        char *out;

        (void)state;
        h_pair(&H, "front");
        assert_int_equal(h_text(&H, "[{\"name\":\"Anna\",\"code\":\"482915\"},{\"name\":\"Ben\",\"code\":\"539184\"}]", &out,
                                "code", "import", "-", NULL),
                         0);
        expect_in(out, "Imported 2 of 2 codes on 'front' (verified on the lock):\n");
        expect_in(out, "\nAnna                 1     added\n");
        free(out);
        assert_int_equal(h_text(&H, "[{\"name\":\"Anna\",\"code\":\"482915\"}]", &out, "code", "import", "-", NULL), 0);
        expect_in(out, "Imported 1 of 1 code on 'front'");
        free(out);
        assert_int_equal(h_text(&H, NULL, &out, "code", "list", NULL), 0);
        expect_in(out, "2 keypad codes on 'front':\nID ");
        free(out);
        assert_int_equal(h_text(&H, NULL, &out, "auth", "list", NULL), 0);
        expect_in(out, "1 authorization on 'front':\nAUTH ");
        free(out);
        h_ctl_ok(&H, "type-code 482915"); /* a keypad entry in the lock's log */
        assert_int_equal(h_text(&H, NULL, &out, "log", NULL), 0);
        expect_in(out, "New log entries of 'front':\nINDEX ");
        free(out);
}

/* The plan's summary line, text and JSON: each kind of step counted, the adds among them. */
static void plan_summary_counts_every_kind(void **state)
{
        char a[400], b[400], c[400], *out;
        cJSON *j, *l, *s, *n;

        (void)state;
        h_pair(&H, "front");
        grant(a, sizeof(a), "A", "482915", 1, 48, "");
        grant(b, sizeof(b), "B", "539184", 24 * 20, 24 * 22, ""); /* check-in - lead is weeks away */
        import_grants(a, b, NULL);
        assert_int_equal(h_text(&H, NULL, &out, "reconcile", "--plan", NULL), 0);
        expect_in(out, "\nfront: 1 to add, 0 to update, 0 to remove, 0 unchanged, 1 scheduled later\n");
        free(out);
        /* The run's line counts every outcome too, pending among them. */
        assert_int_equal(h_text(&H, NULL, &out, "reconcile", NULL), 0);
        expect_in(out, "front: 0 → 1 code; 1 provisioned, 0 updated, 0 unchanged, 0 removed, 0 failed, 0 no space, "
                       "0 pending, 0 unmanaged, 1 scheduled later");
        free(out);
        /* C takes A's value when A ends: a changeover that waits (a kind beyond add, update, remove). */
        grant(c, sizeof(c), "C", "482915", 48, 96, "");
        import_grants(a, b, c);
        assert_int_equal(h_text(&H, NULL, &out, "reconcile", "--plan", NULL), 0);
        expect_in(out, "\nfront: 0 to add, 0 to update, 0 to remove, 1 waiting for a changeover, 1 unchanged, 1 scheduled later\n");
        free(out);
        /* A cancelled, C on a value of its own now: one to remove, one to add. */
        grant(a, sizeof(a), "A", "482915", 1, 48, ",\"status\":\"cancelled\"");
        grant(c, sizeof(c), "C", "567891", 48, 96, "");
        import_grants(a, b, c);
        assert_int_equal(h_text(&H, NULL, &out, "reconcile", "--plan", NULL), 0);
        expect_in(out, "\nfront: 1 to add, 0 to update, 1 to remove, 0 unchanged, 1 scheduled later\n");
        free(out);
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--plan", NULL), 0);
        l = cJSON_GetArrayItem(jget(j, "locks"), 0);
        assert_int_equal((int)jnum(l, "counts.add"), 1);
        assert_int_equal((int)jnum(l, "counts.remove"), 1);
        /* every step is counted under its action, and nothing else is */
        cJSON_ArrayForEach(s, jget(l, "steps")) {
                n = jget(jget(l, "counts"), jstr(s, "action"));
                cJSON_SetNumberValue(n, n->valuedouble - 1);
        }
        cJSON_ArrayForEach(n, jget(l, "counts"))
                if (n->valueint != 0)
                        fail_msg("counts.%s does not match the steps", n->string);
        cJSON_Delete(j);
}

/* A flag's value out of range names the range (both ends taken); so do the code IDs, and the
 * configuration a command reads names its line. */
static void flags_name_their_range(void **state)
{
        char path[400];
        cJSON *j;
        int fd;

        (void)state;
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--plan", "--lead", "367d", NULL), CLI_EXIT_USAGE);
        assert_string_equal(jstr(j, "error.message"),
                            "invalid --lead '367d' (allowed: a duration in whole seconds from 0s to 366d, e.g. 90m, 72h, 3d)");
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--plan", "--lead", "366d", "--grace", "0", NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--plan", "--grace", "1500ms", NULL), CLI_EXIT_USAGE);
        expect_in(jstr(j, "error.message"), "from 0s to 366d");
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "sync", "--url", "https://pms.example.com", "--token-file", "/nonexistent",
                               "--batch-size", "5000", NULL),
                         CLI_EXIT_USAGE);
        assert_string_equal(jstr(j, "error.message"), "invalid --batch-size '5000' (allowed: a number from 1 to 1000)");
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "code", "remove", "70000", NULL), CLI_EXIT_USAGE);
        expect_in(jstr(j, "error.message"), "invalid code ID '70000' (allowed: 1 to 65535;");
        cJSON_Delete(j);
        snprintf(path, sizeof(path), "%s/latchkey.conf", H.dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "[lifecycle]\nlead = 24h  # a day ahead\n[agnet]\n", 46), 46);
        close(fd);
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--plan", "--config", path, NULL), CLI_EXIT_USAGE);
        expect_in(jstr(j, "error.message"), "latchkey.conf:3: unknown section [agnet]");
        cJSON_Delete(j);
}

/* The code whose window has no daily limit, B's with one: their event, JSON and table agree. */
static void no_daily_window_is_absent(void **state)
{
        char a[400], b[400], *out;
        cJSON *j, *e, *p, *k;
        int seen = 0;

        (void)state;
        h_pair(&H, "front");
        grant(a, sizeof(a), "A", "482915", 1, 48, "");
        grant(b, sizeof(b), "B", "539184", 1, 48, ",\"daily\":\"08:00-20:00\"");
        import_grants(a, b, NULL);
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "outbox", "list", NULL), 0);
        cJSON_ArrayForEach(e, jget(j, "events")) {
                if (!streq(jstr(e, "type"), "code.provisioned"))
                        continue;
                p = jget(e, "payload");
                seen++;
                if (streq(jstr(p, "grant"), "A"))
                        assert_null(cJSON_GetObjectItem(p, "daily"));
                else
                        assert_string_equal(jstr(p, "daily"), "08:00-20:00");
        }
        assert_int_equal(seen, 2);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "code", "list", NULL), 0);
        cJSON_ArrayForEach(k, jget(j, "codes")) {
                bool is_a = strstr(jstr(k, "name"), "Guest A") != NULL;

                assert_true(cJSON_IsTrue(jget(k, "window.time_limited")));
                if (is_a) {
                        assert_true(cJSON_IsNull(jget(k, "window.daily_from")));
                        assert_true(cJSON_IsNull(jget(k, "window.daily_until")));
                } else {
                        assert_string_equal(jstr(k, "window.daily_from"), "08:00");
                        assert_string_equal(jstr(k, "window.daily_until"), "20:00");
                }
        }
        cJSON_Delete(j);
        assert_int_equal(h_text(&H, NULL, &out, "code", "list", NULL), 0);
        assert_null(strstr(out, "00:00-00:00"));
        expect_in(out, " 08:00-20:00 ");
        free(out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(code_commands_name_the_lock, setup, teardown),
                cmocka_unit_test_setup_teardown(plan_summary_counts_every_kind, setup, teardown),
                cmocka_unit_test_setup_teardown(flags_name_their_range, setup, teardown),
                cmocka_unit_test_setup_teardown(no_daily_window_is_absent, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
