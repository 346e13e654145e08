/* SPDX-License-Identifier: MIT */
/*
 * Locks of other generations and firmware (issue 14), over the virtual lock's socket: one lock
 * paired once, then restarted with each behaviour switched on (latchkey-sim run flags):
 *   --answer-first        answers before the Write Response: every command works;
 *   --legacy-firmware     API v1 layouts, no Battery Report, Advanced Config, log or keypad:
 *                         what it has works, the rest fails saying why (silence, firmware);
 *   --plain-errors CH     unencrypted Error Reports on the keyturner GDIO or the USDIO: a wrong
 *                         PIN is exit 6 "unauthenticated", and the stored PIN stays.
 * The rig runs the same behaviours over BlueZ (hw-tests/rig/guest/scenarios.sh).
 */
#include "harness.h"

static struct harness H;

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

static void restart(const char *flags)
{
        h_sim_stop(&H);
        h_sim_start(&H, flags);
}

/* The credentials file of "door", whole (it is ours to read in a test). */
static char *creds_text(void)
{
        char path[400], *buf = calloc(1, 8192);
        FILE *f;

        assert_non_null(buf);
        snprintf(path, sizeof(path), "%s/locks/door.lock", H.statedir);
        f = fopen(path, "r");
        assert_non_null(f);
        (void)!fread(buf, 1, 8191, f);
        fclose(f);
        return buf;
}

static void ok(const char *stdin_data, ...)
{
        const char *args[16];
        va_list ap;
        cJSON *j;
        int n = 0, rc;

        va_start(ap, stdin_data);
        for (const char *a; (a = va_arg(ap, const char *)) && n < 15;)
                args[n++] = a;
        va_end(ap);
        args[n] = NULL;
        rc = h_cliv(&H, stdin_data, &j, args);
        if (rc != 0)
                fail_msg("latchkey %s %s: exit %d: %s", args[0], n > 1 ? args[1] : "", rc, cJSON_PrintUnformatted(j));
        cJSON_Delete(j);
}

static void answers_before_the_write_response(void **state)
{
        cJSON *j;

        restart("--answer-first");
        ok(NULL, "state", NULL);
        ok("234567\n", "code", "add", "--name", "First", "--code-file", "-", NULL);
        ok(NULL, "code", "list", NULL);
        ok(NULL, "log", NULL);
        ok(NULL, "config", "show", NULL);
        ok(NULL, "battery", NULL);
        ok(NULL, "time", "sync", NULL);
        ok(NULL, "pin", "verify", NULL);
        for (int i = 0; i < 10; i++) {
                ok(NULL, "lock", NULL);
                ok(NULL, "unlock", NULL);
        }
        assert_int_equal(h_cli(&H, NULL, &j, "state", NULL), 0);
        assert_string_equal(jstr(j, "state.lock_state"), "unlocked");
        cJSON_Delete(j);
        restart(NULL);
}

static void legacy_firmware(void **state)
{
        cJSON *j, *lacks;
        char *text, wrong[400];
        int rc;

        restart("--legacy-firmware");
        /* What API v1 firmware has works: states (13 bytes), actions, time, PIN, config. */
        ok(NULL, "state", NULL);
        ok(NULL, "lock", NULL);
        ok(NULL, "unlock", NULL);
        ok(NULL, "time", "sync", NULL);
        ok(NULL, "pin", "verify", NULL);
        assert_int_equal(h_cli(&H, NULL, &j, "config", "show", NULL), 0);
        assert_null(cJSON_GetObjectItem(jget(j, "config"), "firmware"));
        assert_null(cJSON_GetObjectItem(jget(j, "config"), "advanced"));
        lacks = jget(j, "config.lacks");
        assert_true(cJSON_IsArray(lacks));
        text = cJSON_PrintUnformatted(lacks);
        assert_non_null(strstr(text, "\"firmware\""));
        assert_non_null(strstr(text, "\"timezone\""));
        assert_non_null(strstr(text, "\"advanced\""));
        free(text);
        cJSON_Delete(j);
        text = creds_text(); /* stored when read, so messages can name it */
        assert_non_null(strstr(text, "\nfirmware=api-v1\n"));
        free(text);

        /* What it lacks gets silence: the link-failure code, and the reason. */
        rc = h_cli(&H, NULL, &j, "--timeout", "1", "battery", NULL);
        assert_int_equal(rc, 5);
        assert_non_null(strstr(jstr(j, "error.message"), "answered nothing at all to"));
        assert_non_null(strstr(jstr(j, "error.message"), "0x0011"));
        assert_non_null(strstr(jstr(j, "error.message"), "older firmware"));
        cJSON_Delete(j);
        rc = h_cli(&H, "345678\n", &j, "--timeout", "1", "code", "add", "--name", "Second", "--code-file", "-", NULL);
        assert_int_equal(rc, 5);
        assert_non_null(strstr(jstr(j, "error.message"), "probably does not support it"));
        cJSON_Delete(j);
        rc = h_cli(&H, NULL, &j, "--timeout", "1", "log", NULL);
        assert_int_equal(rc, 5);
        assert_non_null(strstr(jstr(j, "error.message"), "probably does not support it"));
        cJSON_Delete(j);

        /* The zone needs fields the short Config lacks: refused, nothing written. */
        rc = h_cli(&H, NULL, &j, "time", "sync", "--zone", "Europe/Berlin", NULL);
        assert_int_equal(rc, 11);
        assert_non_null(strstr(jstr(j, "error.message"), "nothing was written"));
        cJSON_Delete(j);
        restart(NULL);
        /* Back on current firmware: config show finds the version and stores it instead, and
         * nothing else (a --pin-file given for one run is not stored by it). */
        snprintf(wrong, sizeof(wrong), "%s/other-pin", H.dir);
        h_secret(wrong, "9999\n");
        ok(NULL, "--pin-file", wrong, "config", "show", NULL);
        text = creds_text();
        assert_null(strstr(text, "firmware=api-v1"));
        assert_non_null(strstr(text, "\nfirmware="));
        assert_null(strstr(text, "9999"));
        assert_non_null(strstr(text, "\npin="));
        free(text);
}

/* A wrong PIN answered unencrypted on channel: exit 6, said to be unauthenticated; the
 * stored PIN and every other stored thing unchanged. */
static void plain_errors(const char *flags)
{
        char wrong[400], *before, *after;
        cJSON *j;
        int rc;

        restart(flags);
        ok(NULL, "state", NULL);
        ok(NULL, "lock", NULL);
        ok(NULL, "unlock", NULL);
        snprintf(wrong, sizeof(wrong), "%s/wrong-pin", H.dir);
        h_secret(wrong, "9999\n");
        before = creds_text();
        rc = h_cli(&H, NULL, &j, "--pin-file", wrong, "pin", "verify", NULL);
        assert_int_equal(rc, 6);
        assert_non_null(strstr(jstr(j, "error.message"), "unauthenticated"));
        assert_int_equal(jnum(j, "error.lock_error"), 0x21); /* K_ERROR_BAD_PIN */
        cJSON_Delete(j);
        after = creds_text();
        assert_string_equal(before, after);
        free(before);
        free(after);
        ok(NULL, "pin", "verify", NULL); /* the stored PIN is still used, and right */
        restart(NULL);
}

static void plain_errors_on_keyturner_gdio(void **state)
{
        plain_errors("--plain-errors keyturner");
}

static void plain_errors_on_usdio(void **state)
{
        plain_errors("--plain-errors usdio");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(answers_before_the_write_response),
                cmocka_unit_test(legacy_firmware),
                cmocka_unit_test(plain_errors_on_keyturner_gdio),
                cmocka_unit_test(plain_errors_on_usdio),
        };

        return cmocka_run_group_tests_name("cli-older-locks", tests, setup, teardown);
}
