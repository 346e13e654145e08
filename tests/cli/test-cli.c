/* SPDX-License-Identifier: MIT */
/*
 * End to end: the real latchkey binary against the real virtual lock, every subcommand, with
 * --json output checked field by field.
 */
#include "harness.h"

static struct harness H;

static int setup(void **state)
{
        h_init(&H, NULL);
        return 0;
}

static int teardown(void **state)
{
        h_cleanup(&H);
        return 0;
}

static void help_everywhere(void **state)
{
        const char *const cmds[][2] = { { "scan", NULL }, { "pair", NULL }, { "locks", NULL }, { "state", NULL },
                                        { "code", "add" }, { "code", "list" }, { "log", NULL }, { "pin", "set" },
                                        { "auth", "remove" }, { "time", "sync" }, { "config", "show" } };
        char *out;

        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
                char *argv[] = { (char *)H_CLI, (char *)cmds[i][0], (char *)(cmds[i][1] ? cmds[i][1] : "--help"),
                                 (char *)"--help", NULL };
                char *envp[] = { NULL };

                assert_int_equal(h_run(NULL, &out, argv, envp), 0);
                assert_non_null(strstr(out, "Usage: latchkey"));
                free(out);
        }
        {
                char *argv[] = { (char *)H_CLI, (char *)"--help", NULL };
                char *envp[] = { NULL };

                assert_int_equal(h_run(NULL, &out, argv, envp), 0);
                assert_non_null(strstr(out, "Exit codes"));
                free(out);
        }
}

/* Run latchkey with these words; its stdout in *out (malloc'd), its exit code returned. */
static int run_words(char **out, const char *const *words)
{
        char *argv[16] = { (char *)H_CLI };
        char *envp[] = { NULL };
        size_t n = 1;

        for (; *words; words++)
                argv[n++] = (char *)*words;
        argv[n] = NULL;
        return h_run(NULL, out, argv, envp);
}

static void group_help_lists_the_group(void **state)
{
        const char *const words[] = { "code", "--help", NULL };
        char *out;

        assert_int_equal(run_words(&out, words), 0);
        assert_non_null(strstr(out, "Usage: latchkey [OPTIONS] code COMMAND"));
        assert_non_null(strstr(out, "code add"));
        assert_non_null(strstr(out, "code import"));
        assert_null(strstr(out, "pin set"));
        free(out);
}

static void version_plain_and_json(void **state)
{
        const char *const plain[] = { "--version", NULL };
        const char *const json[] = { "--json", "--version", NULL };
        char *out;
        cJSON *j;

        assert_int_equal(run_words(&out, plain), 0);
        assert_string_equal(out, "latchkey " LATCHKEY_VERSION "\n");
        free(out);
        assert_int_equal(run_words(&out, json), 0);
        j = cJSON_Parse(out);
        assert_non_null(j);
        assert_true(jok(j));
        assert_string_equal(jstr(j, "version"), LATCHKEY_VERSION);
        cJSON_Delete(j);
        free(out);
}

/* Under --json every usage error is the one JSON object on stdout, exit 2. */
static void usage_errors_are_json(void **state)
{
        const char *const cases[][7] = {
                { "--json", NULL },                                   /* no command */
                { "--json", "bogus", NULL },                          /* unknown command */
                { "--json", "code", NULL },                           /* a group without its verb */
                { "--json", "code", "bogus", NULL },                  /* an unknown verb */
                { "--bogus", "locks", "--json", NULL },               /* an unknown flag before --json */
                { "--json", "code", "add", "--name", NULL },          /* a flag without its value */
                { "--json", "log", "--all=yes", NULL },               /* a switch given a value */
                { "--json", "--timeout", "soon", "locks", NULL },     /* a bad global value */
                { "--json", "grants", "import", "--allow", "x", NULL }, /* a shortened flag: --allow-cancel-all */
                { "--json", "--lo", "f", "locks", NULL },             /* a shortened global flag */
                { "--json", "--lock", "a", "--lock", "b", "state", NULL }, /* a flag twice: which? */
                { "--json", "locks", "now", NULL },                   /* a word the command does not take */
        };
        char *out;
        cJSON *j;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(run_words(&out, cases[i]), 2);
                j = cJSON_Parse(out);
                assert_non_null(j);
                assert_false(jok(j));
                assert_int_equal(jnum(j, "error.exit_code"), 2);
                assert_true(strlen(jstr(j, "error.message")) > 10);
                assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1); /* one line */
                cJSON_Delete(j);
                free(out);
        }
}

static void timeout_takes_a_duration(void **state)
{
        cJSON *j;

        /* 10s is accepted (docs/bluetooth.md); the command then fails on what it is for. */
        assert_int_equal(h_cli(&H, NULL, &j, "--timeout", "10s", "state", NULL), 3);
        assert_null(strstr(jstr(j, "error.message"), "timeout"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "--timeout", "0", "state", NULL), 2);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "--timeout", "2h", "state", NULL), 2);
        cJSON_Delete(j);
}

static void bad_invocations(void **state)
{
        cJSON *j;

        assert_int_equal(h_cli(&H, NULL, &j, "state", NULL), 3); /* nothing paired */
        assert_false(jok(j));
        assert_int_equal(jnum(j, "error.exit_code"), 3);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "pair", "--via", "carrier-pigeon", "--name", "x", NULL), 2);
        cJSON_Delete(j);
        /* no virtual lock there: not found (test-cli-review.c missing_sim_socket_is_named) */
        assert_int_equal(h_cli(&H, NULL, &j, "pair", "--via", "sim:/nonexistent/sock", "--name", "x", NULL), 3);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "pair", "--via", "sim:/x", "--name", "../etc", NULL), 2);
        cJSON_Delete(j);
}

static void scan_reports_generation(void **state)
{
        char via[320];
        cJSON *j;

        snprintf(via, sizeof(via), "sim:%s", H.sock);
        assert_int_equal(h_cli(&H, NULL, &j, "scan", "--via", via, NULL), 0);
        assert_true(jok(j));
        assert_non_null(strstr(jstr(j, "device.generation"), "Smart Lock"));
        assert_true(jnum(j, "device.mtu") >= 23);
        cJSON_Delete(j);
}

static void pair_refused_outside_pairing_mode(void **state)
{
        char via[320];
        cJSON *j;

        snprintf(via, sizeof(via), "sim:%s", H.sock);
        assert_int_equal(h_cli(&H, NULL, &j, "pair", "--via", via, "--name", "front", NULL), 6);
        assert_non_null(strstr(jstr(j, "error.message"), "pairing mode"));
        assert_int_equal(jnum(j, "error.lock_error"), 0x10);
        cJSON_Delete(j);
}

static void pair_then_locks(void **state)
{
        char via[320];
        cJSON *j, *arr;

        h_pair(&H, "front");
        assert_int_equal(h_cli(&H, NULL, &j, "locks", NULL), 0);
        arr = jget(j, "locks");
        assert_int_equal(cJSON_GetArraySize(arr), 1);
        assert_string_equal(jstr(cJSON_GetArrayItem(arr, 0), "name"), "front");
        assert_true(cJSON_IsTrue(jget(cJSON_GetArrayItem(arr, 0), "pin_stored")));
        assert_string_equal(jstr(cJSON_GetArrayItem(arr, 0), "pin_state"), "stored");
        cJSON_Delete(j);
        /* the same name again is refused without --force */
        snprintf(via, sizeof(via), "sim:%s", H.sock);
        assert_int_equal(h_cli(&H, NULL, &j, "pair", "--via", via, "--name", "front", NULL), 2);
        cJSON_Delete(j);
        /* credentials are private */
        {
                char p[400];
                struct stat st;

                snprintf(p, sizeof(p), "%s/locks/front.lock", H.statedir);
                assert_int_equal(stat(p, &st), 0);
                assert_int_equal(st.st_mode & 0777, 0600);
                assert_int_equal(stat(H.statedir, &st), 0);
                assert_int_equal(st.st_mode & 0777, 0700);
        }
}

static void state_battery_config(void **state)
{
        cJSON *j;

        assert_int_equal(h_cli(&H, NULL, &j, "state", NULL), 0);
        assert_string_equal(jstr(j, "state.lock_state"), "locked");
        assert_string_equal(jstr(j, "state.nuki_state"), "door mode");
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "battery", NULL), 0);
        assert_true(jnum(j, "battery.voltage_mv") > 3000);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "config", "show", NULL), 0);
        assert_true(jnum(j, "config.nuki_id") > 0);
        assert_true(cJSON_IsObject(jget(j, "config.advanced")));
        cJSON_Delete(j);
}

static void actions(void **state)
{
        cJSON *j;

        assert_int_equal(h_cli(&H, NULL, &j, "unlock", NULL), 0);
        assert_string_equal(jstr(j, "state.lock_state"), "unlocked");
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "lock", NULL), 0);
        assert_string_equal(jstr(j, "state.lock_state"), "locked");
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "unlatch", NULL), 0);
        assert_true(cJSON_IsString(jget(j, "state.lock_state")));
        cJSON_Delete(j);
}

static void time_sync_corrects_drift(void **state)
{
        cJSON *j;

        h_ctl_ok(&H, "clock advance 3600");
        assert_int_equal(h_cli(&H, NULL, &j, "time", "sync", NULL), 0);
        assert_true(jnum(j, "drift_seconds") >= 3590 && jnum(j, "drift_seconds") <= 3610);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "time", "sync", NULL), 0);
        assert_true(jnum(j, "drift_seconds") >= -10 && jnum(j, "drift_seconds") <= 10);
        cJSON_Delete(j);
}

static void pin_verify_wrong_and_right(void **state)
{
        char bad[400];
        cJSON *j;

        snprintf(bad, sizeof(bad), "%s/badpin", H.dir);
        h_secret(bad, "4321\n");
        assert_int_equal(h_cli(&H, NULL, &j, "pin", "verify", "--pin-file", bad, NULL), 6);
        assert_int_equal(jnum(j, "error.lock_error"), 0x21);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "pin", "verify", NULL), 0); /* the stored one */
        cJSON_Delete(j);
        /* a PIN file others can read is refused before anything is sent */
        chmod(bad, 0644);
        assert_int_equal(h_cli(&H, NULL, &j, "pin", "verify", "--pin-file", bad, NULL), 2);
        cJSON_Delete(j);
}

static int code_count(const char *name, uint32_t *ret_id)
{
        cJSON *j, *arr, *c;
        int n = 0;

        assert_int_equal(h_cli(&H, NULL, &j, "code", "list", NULL), 0);
        arr = jget(j, "codes");
        cJSON_ArrayForEach(c, arr)
                if (streq(jstr(c, "name"), name)) {
                        n++;
                        if (ret_id)
                                *ret_id = (uint32_t)jnum(c, "id");
                }
        cJSON_Delete(j);
        return n;
}

static void code_rules_refused_before_writing(void **state)
{
        const char *bad[] = { "120000\n", "111110\n", "12345\n", "1234567\n", "abc\n" };
        cJSON *j;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(h_cli(&H, bad[i], &j, "code", "add", "--name", "Bad", "--code-file", "-", NULL), 2);
                assert_non_null(strstr(jstr(j, "error.message"), "nothing was written"));
                cJSON_Delete(j);
        }
        assert_int_equal(h_cli(&H, "234567\n", &j, "code", "add", "--name", "Way too long a name here", "--code-file",
                               "-", NULL), 2);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, "234567\n", &j, "code", "add", "--name", "Backwards", "--code-file", "-", "--from",
                               "2036-12-02T10:00Z", "--until", "2036-12-01T10:00Z", NULL), 2);
        assert_non_null(strstr(jstr(j, "error.message"), "before"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, "234567\n", &j, "code", "add", "--name", "Feb", "--code-file", "-", "--from",
                               "2026-02-30T10:00Z", NULL), 2);
        cJSON_Delete(j);
        assert_int_equal(code_count("Bad", NULL) + code_count("Backwards", NULL) + code_count("Feb", NULL), 0);
}

static void code_add_update_remove(void **state)
{
        uint32_t id = 0;
        cJSON *j;

        assert_int_equal(h_cli(&H, "234567\n", &j, "code", "add", "--name", "Guest Smith", "--code-file", "-", "--from",
                               "2036-12-01T15:00+01:00", "--until", "2036-12-05T11:00+01:00", "--daily", "08:00-22:00",
                               NULL),
                         0);
        assert_true(cJSON_IsTrue(jget(j, "verified")));
        assert_false(cJSON_IsTrue(jget(j, "already_present")));
        assert_string_equal(jstr(j, "code.window.from"), "2036-12-01T14:00:00Z"); /* stored as UTC */
        assert_string_equal(jstr(j, "code.window.until"), "2036-12-05T10:00:00Z");
        assert_string_equal(jstr(j, "code.window.daily_from"), "08:00");
        assert_int_equal(jnum(j, "code.code"), 234567);
        cJSON_Delete(j);

        /* the same again: found, nothing written (idempotent retry) */
        assert_int_equal(h_cli(&H, "234567\n", &j, "code", "add", "--name", "Guest Smith", "--code-file", "-", "--from",
                               "2036-12-01T15:00+01:00", "--until", "2036-12-05T11:00+01:00", "--daily", "08:00-22:00",
                               NULL),
                         0);
        assert_true(cJSON_IsTrue(jget(j, "already_present")));
        cJSON_Delete(j);
        /* the same code for someone else: refused, named */
        assert_int_equal(h_cli(&H, "234567\n", &j, "code", "add", "--name", "Guest Jones", "--code-file", "-", NULL), 4);
        assert_non_null(strstr(jstr(j, "error.message"), "already on the lock"));
        cJSON_Delete(j);
        assert_int_equal(code_count("Guest Smith", &id), 1);

        /* update only the end date: name, start and daily window stay */
        {
                char ids[16];

                snprintf(ids, sizeof(ids), "%u", id);
                assert_int_equal(h_cli(&H, NULL, &j, "code", "update", ids, "--until", "2036-12-07T11:00+01:00", NULL), 0);
                assert_string_equal(jstr(j, "code.name"), "Guest Smith");
                assert_string_equal(jstr(j, "code.window.from"), "2036-12-01T14:00:00Z");
                assert_string_equal(jstr(j, "code.window.until"), "2036-12-07T10:00:00Z");
                assert_string_equal(jstr(j, "code.window.daily_from"), "08:00");
                assert_int_equal(jnum(j, "code.code"), 234567);
                cJSON_Delete(j);
                assert_int_equal(h_cli(&H, NULL, &j, "code", "update", ids, "--disable", NULL), 0);
                assert_false(cJSON_IsTrue(jget(j, "code.enabled")));
                cJSON_Delete(j);
                assert_int_equal(h_cli(&H, NULL, &j, "code", "remove", ids, NULL), 0);
                cJSON_Delete(j);
                assert_int_equal(h_cli(&H, NULL, &j, "code", "remove", ids, NULL), 3);
                cJSON_Delete(j);
                assert_int_equal(h_cli(&H, NULL, &j, "code", "update", ids, "--name", "Ghost", NULL), 3);
                cJSON_Delete(j);
        }
        assert_int_equal(code_count("Guest Smith", NULL), 0);
}

static void generated_code_passes_rules(void **state)
{
        cJSON *j;
        int code;

        assert_int_equal(h_cli(&H, NULL, &j, "code", "add", "--name", "Generated", "--generate", NULL), 0);
        code = (int)jnum(j, "code.code");
        assert_true(code >= 111111 && code <= 999999);
        assert_false(code / 10000 == 12);
        for (int v = code; v; v /= 10)
                assert_true(v % 10 != 0);
        cJSON_Delete(j);
}

static void code_import_batch(void **state)
{
        char file[400];
        cJSON *j, *res;

        snprintf(file, sizeof(file), "%s/codes.json", H.dir);
        /* one bad record: nothing at all is written */
        h_secret(file, "[{\"name\":\"Imp A\",\"code\":456781},{\"name\":\"Imp B\",\"code\":120001}]");
        assert_int_equal(h_cli(&H, NULL, &j, "code", "import", file, NULL), 2);
        assert_non_null(strstr(jstr(j, "error.message"), "code 2"));
        cJSON_Delete(j);
        assert_int_equal(code_count("Imp A", NULL), 0);
        /* a record that cannot be what was meant: nothing at all is written */
        {
                static const struct {
                        const char *doc, *msg;
                } bad[] = {
                        /* a typo would drop the end of the window: the code would never expire */
                        { "[{\"name\":\"Imp T\",\"code\":456784,\"from\":\"2036-01-01T10:00Z\",\"untill\":\"2036-01-02T10:00Z\"}]",
                          "unknown field \"untill\"" },
                        /* one value twice: the first would be written before the second clashed */
                        { "[{\"name\":\"Imp D1\",\"code\":456785},{\"name\":\"Imp D2\",\"code\":\"456785\"}]",
                          "codes 1 ('Imp D1') and 2 ('Imp D2') have the same value" },
                        /* a file's times carry their zone */
                        { "[{\"name\":\"Imp Z\",\"code\":456786,\"from\":\"2036-01-01T10:00\"}]", "\"from\" '2036-01-01T10:00'" },
                        { "[{\"name\":\"Imp M\",\"code\":456787,\"until\":\"2036-13-01T10:00Z\"}]", "\"until\" '2036-13-01T10:00Z'" },
                };

                for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                        h_secret(file, bad[i].doc);
                        assert_int_equal(h_cli(&H, NULL, &j, "code", "import", file, NULL), 2);
                        assert_non_null(strstr(jstr(j, "error.message"), bad[i].msg));
                        assert_non_null(strstr(jstr(j, "error.message"), "nothing was written"));
                        cJSON_Delete(j);
                }
                assert_int_equal(code_count("Imp T", NULL) + code_count("Imp D1", NULL) + code_count("Imp Z", NULL) +
                                         code_count("Imp M", NULL),
                                 0);
        }
        /* not JSON */
        h_secret(file, "{nope");
        assert_int_equal(h_cli(&H, NULL, &j, "code", "import", file, NULL), 2);
        cJSON_Delete(j);
        /* three good ones with windows; then again: all already present */
        h_secret(file, "{\"codes\":[{\"name\":\"Imp A\",\"code\":456781},"
                       "{\"name\":\"Imp B\",\"code\":456782,\"from\":\"2036-12-01T15:00+01:00\",\"until\":\"2036-12-03T11:00+01:00\"},"
                       "{\"name\":\"Imp C\",\"code\":\"456783\",\"daily\":\"09:00-17:00\",\"weekdays\":\"weekdays\"}]}");
        assert_int_equal(h_cli(&H, NULL, &j, "code", "import", file, NULL), 0);
        assert_int_equal(jnum(j, "imported"), 3);
        res = jget(j, "results");
        assert_string_equal(jstr(cJSON_GetArrayItem(res, 1), "result"), "added");
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "code", "import", file, NULL), 0);
        assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "results"), 0), "result"), "already present");
        cJSON_Delete(j);
        assert_int_equal(code_count("Imp A", NULL) + code_count("Imp B", NULL) + code_count("Imp C", NULL), 3);
        /* a readable-by-others file of codes is refused */
        chmod(file, 0644);
        assert_int_equal(h_cli(&H, NULL, &j, "code", "import", file, NULL), 2);
        cJSON_Delete(j);
}

static void log_incremental_and_attributed(void **state)
{
        cJSON *j, *arr, *e;
        bool found = false;

        assert_int_equal(h_cli(&H, "345678\n", &j, "code", "add", "--name", "Guest Log", "--code-file", "-", NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0); /* catch up */
        cJSON_Delete(j);
        h_ctl_ok(&H, "type-code 345678");
        h_ctl_ok(&H, "type-code 999999"); /* not a code: refused, 0xE0 */
        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0);
        arr = jget(j, "entries");
        assert_int_equal(cJSON_GetArraySize(arr), 2);
        cJSON_ArrayForEach(e, arr)
                if (streq(jstr(e, "completion"), "success")) {
                        assert_non_null(strstr(jstr(e, "attributed_to"), "Guest Log"));
                        found = true;
                } else {
                        assert_string_equal(jstr(e, "completion"), "invalid code");
                        assert_true(cJSON_IsNull(jget(e, "attributed_to")));
                }
        assert_true(found);
        cJSON_Delete(j);
        /* nothing new: nothing repeated */
        assert_int_equal(h_cli(&H, NULL, &j, "log", NULL), 0);
        assert_int_equal(cJSON_GetArraySize(jget(j, "entries")), 0);
        cJSON_Delete(j);
        /* --all shows everything the lock holds */
        assert_int_equal(h_cli(&H, NULL, &j, "log", "--all", NULL), 0);
        assert_true(cJSON_GetArraySize(jget(j, "entries")) >= 2);
        cJSON_Delete(j);
}

static void auth_list_and_guard(void **state)
{
        cJSON *j, *first;
        char own[16];

        assert_int_equal(h_cli(&H, NULL, &j, "auth", "list", NULL), 0);
        first = cJSON_GetArrayItem(jget(j, "authorizations"), 0);
        assert_non_null(first);
        assert_string_equal(jstr(first, "name"), "latchkey");
        snprintf(own, sizeof(own), "%d", (int)jnum(first, "auth_id"));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "auth", "remove", own, NULL), 2); /* our own, no --force */
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "auth", "remove", "4242", NULL), 3);
        cJSON_Delete(j);
}

static void pin_set_changes_pin(void **state)
{
        char newpin[400], oldpin[400];
        cJSON *j;

        snprintf(newpin, sizeof(newpin), "%s/newpin", H.dir);
        snprintf(oldpin, sizeof(oldpin), "%s/oldpin", H.dir);
        h_secret(newpin, "2468\n");
        h_secret(oldpin, "0000\n");
        assert_int_equal(h_cli(&H, NULL, &j, "pin", "set", "--new-pin-file", newpin, NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "pin", "verify", NULL), 0); /* the stored PIN is the new one */
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "pin", "verify", "--pin-file", oldpin, NULL), 6);
        cJSON_Delete(j);
        h_secret(newpin, "24680\n");
        assert_int_equal(h_cli(&H, NULL, &j, "pin", "set", "--new-pin-file", newpin, NULL), 2); /* 5 digits */
        cJSON_Delete(j);
}

static void forget_removes_credentials(void **state)
{
        cJSON *j;

        assert_int_equal(h_cli(&H, NULL, &j, "forget", "--lock", "front", NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "locks", NULL), 0);
        assert_int_equal(cJSON_GetArraySize(jget(j, "locks")), 0);
        cJSON_Delete(j);
}

int main(void)
{
        /* Order matters: one lock, one story, as a technician would go through it. */
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(help_everywhere),
                cmocka_unit_test(bad_invocations),
                cmocka_unit_test(group_help_lists_the_group),
                cmocka_unit_test(version_plain_and_json),
                cmocka_unit_test(usage_errors_are_json),
                cmocka_unit_test(timeout_takes_a_duration),
                cmocka_unit_test(scan_reports_generation),
                cmocka_unit_test(pair_refused_outside_pairing_mode),
                cmocka_unit_test(pair_then_locks),
                cmocka_unit_test(state_battery_config),
                cmocka_unit_test(actions),
                cmocka_unit_test(time_sync_corrects_drift),
                cmocka_unit_test(pin_verify_wrong_and_right),
                cmocka_unit_test(code_rules_refused_before_writing),
                cmocka_unit_test(code_add_update_remove),
                cmocka_unit_test(generated_code_passes_rules),
                cmocka_unit_test(code_import_batch),
                cmocka_unit_test(log_incremental_and_attributed),
                cmocka_unit_test(auth_list_and_guard),
                cmocka_unit_test(pin_set_changes_pin),
                cmocka_unit_test(forget_removes_credentials),
        };

        return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
