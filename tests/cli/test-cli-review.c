/* SPDX-License-Identifier: MIT */
/*
 * What a fresh user's review found at the edges of the command line, each as a kind: a door
 * that is not paired is named in the plan, --lock for a lock nobody knows is an error, every
 * document reader says where the problem is (once), "-" reads standard input, tables mark a
 * cut cell, counts agree with their nouns, a secret file's refusal names the file and exactly
 * who can read it, and a virtual lock's missing socket is named as such.
 */
#include "harness.h"

#include "exits.h"

static struct harness H;

/* A property with two doors, "front" (paired by the tests that need it) and "back" (never). */
static const char doc[] =
        "{\"version\":1,\"properties\":[{\"id\":\"flat\",\"zone\":\"Europe/Berlin\",\"locks\":[{\"lock\":\"front\"},"
        "{\"lock\":\"back\"}]}],\"grants\":[{\"id\":\"BK-1\",\"property\":\"flat\",\"guest\":\"Anna\","
        "\"code\":\"482915\",\"check_in\":\"2030-01-01T15:00:00Z\",\"check_out\":\"2030-01-04T10:00:00Z\"}]}";

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

static void write_file(const char *path, const char *text, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
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

static void import_doc(void)
{
        char path[400];
        cJSON *j;

        snprintf(path, sizeof(path), "%s/bookings.json", H.dir);
        write_file(path, doc, 0644);
        assert_int_equal(h_cli(&H, NULL, &j, "grants", "import", path, NULL), 0);
        cJSON_Delete(j);
}

static cJSON *plan_lock(cJSON *plan, const char *name)
{
        cJSON *l;

        cJSON_ArrayForEach(l, jget(plan, "locks"))
                if (streq(jstr(l, "lock"), name))
                        return l;
        fail_msg("no lock '%s' in the plan", name);
        return NULL;
}

/* An unpaired door is named as such in the plan, text and JSON; a paired one is not. */
static void plan_names_unpaired_door(void **state)
{
        char *out;
        cJSON *j;

        (void)state;
        import_doc();
        h_pair(&H, "front");
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--plan", "--now", "2030-01-01T12:00:00Z", NULL), 0);
        assert_true(cJSON_IsFalse(jget(plan_lock(j, "back"), "paired")));
        assert_true(cJSON_IsTrue(jget(plan_lock(j, "front"), "paired")));
        cJSON_Delete(j);
        assert_int_equal(h_text(&H, NULL, &out, "reconcile", "--plan", "--now", "2030-01-01T12:00:00Z", NULL), 0);
        assert_non_null(strstr(out, "back (not paired on this machine"));
        assert_null(strstr(out, "front (not paired"));
        free(out);
}

/* --lock for a lock neither paired nor a door of a property: not found, for a plan and a run. */
static void lock_nobody_knows_is_not_found(void **state)
{
        cJSON *j;

        (void)state;
        import_doc();
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--plan", "--lock", "nosuch", NULL), CLI_EXIT_NOT_FOUND);
        assert_string_equal(jstr(j, "error.kind"), "not_found");
        assert_non_null(strstr(jstr(j, "error.message"), "'nosuch'"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--lock", "nosuch", NULL), CLI_EXIT_NOT_FOUND);
        assert_non_null(strstr(jstr(j, "error.message"), "'nosuch'"));
        cJSON_Delete(j);
        /* A door that is not paired is known: planned, and named as unpaired. */
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--plan", "--lock", "back", NULL), 0);
        assert_true(cJSON_IsFalse(jget(plan_lock(j, "back"), "paired")));
        cJSON_Delete(j);
}

/* Count the times needle occurs in hay. */
static unsigned occurrences(const char *hay, const char *needle)
{
        unsigned n = 0;

        for (const char *p = hay; (p = strstr(p, needle)); p++)
                n++;
        return n;
}

/* A malformed or duplicated document, for each reader of one: the file's name, the line and
 * column of the problem, the wording once, and nothing written. */
static void document_errors_say_where(void **state)
{
        static const struct {
                const char *text, *where;
        } cases[] = {
                { "{\"version\":1,\n \"properties\": [,]}", "line 2, column 17: not valid JSON (unexpected ',')" },
                { "[{\"name\":\"A\",\n  \"code\":\"345678\",\n  \"name\":\"B\"}]",
                  "line 3, column 3: duplicate member \"name\" in one object" },
        };
        char path[400], want[600];
        cJSON *j;

        (void)state;
        h_pair(&H, "front");
        snprintf(path, sizeof(path), "%s/doc.json", H.dir);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                write_file(path, cases[i].text, 0600);
                snprintf(want, sizeof(want), "%s: %s; nothing was written", path, cases[i].where);
                assert_int_equal(h_cli(&H, NULL, &j, "grants", "import", path, NULL), CLI_EXIT_USAGE);
                assert_string_equal(jstr(j, "error.message"), want);
                cJSON_Delete(j);
                assert_int_equal(h_cli(&H, NULL, &j, "code", "import", path, NULL), CLI_EXIT_USAGE);
                assert_string_equal(jstr(j, "error.message"), want);
                assert_true(occurrences(want, "not valid JSON") <= 1);
                cJSON_Delete(j);
        }
        assert_int_equal(h_cli(&H, NULL, &j, "grants", "list", NULL), 0);
        assert_int_equal(cJSON_GetArraySize(jget(j, "grants")), 0);
        cJSON_Delete(j);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(plan_names_unpaired_door, setup, teardown),
                cmocka_unit_test_setup_teardown(lock_nobody_knows_is_not_found, setup, teardown),
                cmocka_unit_test_setup_teardown(document_errors_say_where, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
