/* SPDX-License-Identifier: MIT */
/*
 * What a fresh user's review found at the edges of the command line, each as a kind: a door
 * that is not paired is named in the plan, --lock for a lock nobody knows is an error, every
 * document reader says where the problem is (once), "-" reads standard input, tables mark a
 * cut cell, counts agree with their nouns, a secret file's refusal names the file and exactly
 * who can read it, and a virtual lock's missing socket is named as such.
 */
#include "harness.h"

#include <sys/socket.h>
#include <sys/un.h>

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

/* "-" reads the document from standard input, for each command that reads one; a code's value
 * read so is never in the output or the debug log. */
static void dash_reads_standard_input(void **state)
{
        char *out = NULL;
        char *argv[] = { (char *)H_CLI, (char *)"--state-dir", H.statedir, (char *)"--verbose", (char *)"code",
                         (char *)"import", (char *)"-", NULL };
        cJSON *j;

        (void)state;
        h_pair(&H, "front");
        assert_int_equal(h_cli(&H, doc, &j, "grants", "import", "-", NULL), 0);
        assert_int_equal((int)jnum(j, "added"), 1);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, "{\"version\":1,", &j, "grants", "import", "-", NULL), CLI_EXIT_USAGE);
        assert_string_equal(jstr(j, "error.message"),
                            "standard input: line 1, column 14: not valid JSON (the document ends before the value does); "
                            "nothing was written");
        cJSON_Delete(j);
        assert_int_equal(h_run_merged("[{\"name\":\"Stdin\",\"code\":\"357913\"}]", &out, argv), 0);
        assert_null(strstr(out, "357913"));
        free(out);
        assert_int_equal(h_cli(&H, NULL, &j, "code", "list", NULL), 0);
        assert_int_equal(cJSON_GetArraySize(jget(j, "codes")), 1);
        cJSON_Delete(j);
}

/* A secret file anyone but its owner can read is refused by name, saying exactly who can read it. */
static void secret_file_refusal_says_who(void **state)
{
        char code[400], pin[400], codes[400], token[400], *out = NULL;
        char *sim[] = { (char *)H_SIM, (char *)"run", (char *)"--socket", code, (char *)"--state", codes,
                        (char *)"--pin-file", pin, NULL };
        cJSON *j;

        (void)state;
        h_pair(&H, "front");
        snprintf(code, sizeof(code), "%s/code", H.dir);
        snprintf(pin, sizeof(pin), "%s/pin-640", H.dir);
        snprintf(codes, sizeof(codes), "%s/codes.json", H.dir);
        snprintf(token, sizeof(token), "%s/token", H.dir);
        write_file(code, "345678\n", 0644);
        write_file(pin, "0000\n", 0640);
        write_file(codes, "[{\"name\":\"A\",\"code\":\"345678\"}]", 0604);
        write_file(token, "abcdef\n", 0660);
        assert_int_equal(h_cli(&H, NULL, &j, "code", "add", "--name", "A", "--code-file", code, NULL), CLI_EXIT_USAGE);
        assert_non_null(strstr(jstr(j, "error.message"), "the code file '"));
        assert_non_null(strstr(jstr(j, "error.message"), "/code': mode 0644 lets its group and others read it"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "state", "--pin-file", pin, NULL), CLI_EXIT_USAGE);
        assert_non_null(strstr(jstr(j, "error.message"), "/pin-640': mode 0640 lets its group read it (chmod 600"));
        assert_null(strstr(jstr(j, "error.message"), "others"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "code", "import", codes, NULL), CLI_EXIT_USAGE);
        assert_non_null(strstr(jstr(j, "error.message"), "/codes.json': mode 0604 lets others read it"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "sync", "--url", "https://127.0.0.1:9/", "--token-file", token, NULL),
                         CLI_EXIT_USAGE);
        assert_non_null(strstr(jstr(j, "error.message"), "the token file '"));
        assert_non_null(strstr(jstr(j, "error.message"), "mode 0660 lets its group read and write it"));
        cJSON_Delete(j);
        /* The virtual lock's PIN file: the same words. */
        snprintf(code, sizeof(code), "%s/other.sock", H.dir);
        snprintf(codes, sizeof(codes), "%s/other.state", H.dir);
        assert_int_not_equal(h_run_merged(NULL, &out, sim), 0);
        assert_non_null(strstr(out, "/pin-640': mode 0640 lets its group read it"));
        free(out);
}

/* --via sim:PATH without a virtual lock there says so: no socket (3 for a path given to pair or
 * scan, 5 for a paired lock's), not a socket, or a socket nobody listens on (5). */
static void missing_sim_socket_is_named(void **state)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char via[400], want[500];
        cJSON *j;
        int fd;

        (void)state;
        h_pair(&H, "front");
        snprintf(via, sizeof(via), "sim:%s/nonexistent.sock", H.dir);
        snprintf(want, sizeof(want), "no virtual lock socket exists at '%s'", via + 4);
        assert_int_equal(h_cli(&H, NULL, &j, "pair", "--via", via, "--name", "other", NULL), CLI_EXIT_NOT_FOUND);
        assert_non_null(strstr(jstr(j, "error.message"), want));
        assert_null(strstr(jstr(j, "error.message"), "refused"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "scan", "--via", via, NULL), CLI_EXIT_NOT_FOUND);
        assert_non_null(strstr(jstr(j, "error.message"), want));
        cJSON_Delete(j);
        snprintf(via, sizeof(via), "sim:%s/plain", H.dir);
        write_file(via + 4, "", 0600);
        assert_int_equal(h_cli(&H, NULL, &j, "scan", "--via", via, NULL), CLI_EXIT_NOT_FOUND);
        assert_non_null(strstr(jstr(j, "error.message"), "it is a file, not a socket"));
        cJSON_Delete(j);
        /* A socket file left behind, nobody listening. */
        snprintf(via, sizeof(via), "sim:%s/stale.sock", H.dir);
        assert_true(strlen(via + 4) < sizeof(sa.sun_path));
        memcpy(sa.sun_path, via + 4, strlen(via + 4) + 1);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        close(fd);
        assert_int_equal(h_cli(&H, NULL, &j, "pair", "--via", via, "--name", "other", NULL), CLI_EXIT_LINK);
        assert_non_null(strstr(jstr(j, "error.message"), "nothing listens on the virtual lock socket"));
        cJSON_Delete(j);
        /* The paired lock's virtual lock stopped (its socket is gone): not reached. */
        h_sim_stop(&H);
        assert_int_equal(h_cli(&H, NULL, &j, "state", NULL), CLI_EXIT_LINK);
        assert_non_null(strstr(jstr(j, "error.message"), "no virtual lock socket exists at"));
        cJSON_Delete(j);
}

/* A count agrees with its noun: "1 code generated", never "1 codes". */
static void counts_agree_with_nouns(void **state)
{
        static const char one_drawn[] =
                "{\"version\":1,\"properties\":[{\"id\":\"flat\",\"locks\":[\"front\"]}],\"grants\":[{\"id\":\"BK-1\","
                "\"property\":\"flat\",\"guest\":\"Anna\",\"check_in\":\"2030-01-01T15:00:00Z\","
                "\"check_out\":\"2030-01-04T10:00:00Z\"}]}";
        char *out;

        (void)state;
        assert_int_equal(h_text(&H, one_drawn, &out, "grants", "import", "-", NULL), 0);
        assert_non_null(strstr(out, "; 1 code generated."));
        free(out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(plan_names_unpaired_door, setup, teardown),
                cmocka_unit_test_setup_teardown(lock_nobody_knows_is_not_found, setup, teardown),
                cmocka_unit_test_setup_teardown(document_errors_say_where, setup, teardown),
                cmocka_unit_test_setup_teardown(dash_reads_standard_input, setup, teardown),
                cmocka_unit_test_setup_teardown(secret_file_refusal_says_who, setup, teardown),
                cmocka_unit_test_setup_teardown(missing_sim_socket_is_named, setup, teardown),
                cmocka_unit_test_setup_teardown(counts_agree_with_nouns, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
