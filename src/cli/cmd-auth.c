/* SPDX-License-Identifier: MIT */
/* latchkey auth list|remove, pin verify|set (spec §6.8–§6.13, §6.25, §5.2). */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "latchkey/names.h"
#include "lockops.h"
#include "render.h"
#include "util.h"

int cmd_auth_list(struct cli *c, int argc, char **argv)
{
        _cleanup_free_ struct lk_authorization_entry *a = calloc(LK_MAX_AUTHORIZATIONS, sizeof(*a));
        char when[40];
        size_t n = 0;
        cJSON *arr;
        int r;

        if (!a)
                return cli_fail(c, CLI_EXIT_FAILURE, "out of memory");
        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (cli_connect(c) < 0)
                return -1;
        r = lockops_auth_list(c->session, a, LK_MAX_AUTHORIZATIONS, &n);
        if (r < 0)
                return cli_fail_errno(c, r, "listing authorizations");
        arr = cJSON_AddArrayToObject(c->out, "authorizations");
        if (!c->json) {
                printf("%zu %s on '%s':\n", n, plural(n, "authorization", "authorizations"), c->creds.alias);
                printf("%-10s %-7s %-32s %-3s %-25s %s\n", "AUTH", "TYPE", "NAME", "ON", "LAST ACTIVE", "");
        }
        for (size_t i = 0; i < n; i++) {
                cJSON_AddItemToArray(arr, render_auth_json(&a[i]));
                if (c->json)
                        continue;
                render_datetime_local(&a[i].last_active, when, sizeof(when));
                printf("%-10" PRIu32 " %-7s %s %-3s %-25s %s\n", a[i].auth_id,
                       render_name(lk_id_type_name(a[i].id_type), a[i].id_type, (char[8]){ 0 }, 8),
                       render_pad(a[i].name, LK_AUTH_NAME_SIZE, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX),
                       a[i].enabled ? "yes" : "no", when, a[i].auth_id == c->creds.auth_id ? "(this machine)" : "");
        }
        return 0;
}

int cmd_auth_remove(struct cli *c, int argc, char **argv)
{
        bool force = false;
        uint64_t id;
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                if (opt == OPT_FORCE)
                        force = true;
                else
                        return -1;
        }
        if (optind + 1 != argc || parse_u64(argv[optind], 1, UINT32_MAX, &id) < 0)
                return cli_fail(c, CLI_EXIT_USAGE,
                                "auth remove needs one authorization ID (1 to %" PRIu32 "; see 'latchkey auth list')",
                                UINT32_MAX);
        if (cli_connect(c) < 0)
                return -1;
        if (id == c->creds.auth_id && !force)
                return cli_fail(c, CLI_EXIT_USAGE,
                                "authorization %" PRIu64 " is this machine's own: removing it locks latchkey out (use --force)", id);
        r = lockops_auth_remove(c->session, (uint32_t)id);
        if (r == -EREMOTEIO && session_remote_error(c->session) == LK_K_ERROR_INVALID_AUTH_ID)
                return cli_fail(c, CLI_EXIT_NOT_FOUND, "no authorization %" PRIu64 " on '%s'", id, c->creds.alias);
        if (r < 0)
                return cli_fail_errno(c, r, "removing the authorization");
        cJSON_AddNumberToObject(c->out, "removed", (double)id);
        if (!c->json)
                printf("Removed authorization %" PRIu64 " from '%s'.\n", id, c->creds.alias);
        return 0;
}

/* Verify the PIN on the lock; a PIN given with --pin-file that works is stored for later. */
int cmd_pin_verify(struct cli *c, int argc, char **argv)
{
        int r;

        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (cli_connect(c) < 0)
                return -1;
        r = lockops_pin_verify(c->session);
        if (r < 0)
                return cli_fail_errno(c, r, "verifying the security PIN");
        if (c->pin_file) {
                r = cli_store_pin(c, &c->creds.pin);
                if (r < 0)
                        return cli_fail(c, CLI_EXIT_STATE, "the PIN is right but cannot be stored: %s", strerror(-r));
        }
        cJSON_AddBoolToObject(c->out, "pin_ok", true);
        cJSON_AddBoolToObject(c->out, "pin_stored", c->pin_file != NULL);
        if (!c->json)
                printf("The security PIN is right%s.\n", c->pin_file ? "; latchkey stored it for this lock" : "");
        return 0;
}

int cmd_pin_set(struct cli *c, int argc, char **argv)
{
        const char *new_file = NULL;
        char buf[32], again[32];
        struct lk_pin pin;
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                if (opt == OPT_NEW_PIN_FILE)
                        new_file = optarg;
                else
                        return -1;
        }
        if (cli_connect(c) < 0)
                return -1;
        r = cli_read_secret(c, new_file, "New security PIN: ", buf, sizeof(buf));
        if (r == -EPERM)
                return cli_secret_refused(c, "the new PIN file", new_file);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_USAGE, "cannot read the new PIN: %s",
                                r == -ENOKEY ? "give --new-pin-file FILE (or - for stdin)" : strerror(-r));
        if (!new_file) {
                r = cli_read_secret(c, NULL, "Again: ", again, sizeof(again));
                if (r < 0 || !streq(buf, again)) {
                        sodium_memzero(buf, sizeof(buf));
                        sodium_memzero(again, sizeof(again));
                        return cli_fail(c, CLI_EXIT_USAGE, "the two PINs differ; nothing was changed");
                }
                sodium_memzero(again, sizeof(again));
        }
        r = parse_pin(buf, &pin);
        sodium_memzero(buf, sizeof(buf));
        if (r < 0 || pin.size != lk_generation_pin_size(c->creds.generation))
                return cli_fail(c, CLI_EXIT_USAGE, "the new PIN must be %s digits for this lock; nothing was changed",
                                lk_generation_pin_size(c->creds.generation) == 4 ? "6" : "4");
        r = lockops_pin_set(c->session, &pin);
        if (r < 0) {
                sodium_memzero(&pin, sizeof(pin));
                return cli_fail_errno(c, r, "setting the security PIN");
        }
        c->creds.pin = pin;
        c->creds.has_pin = true;
        r = cli_store_pin(c, &pin);
        sodium_memzero(&pin, sizeof(pin));
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "the lock has the new PIN but latchkey cannot store it: %s", strerror(-r));
        cJSON_AddBoolToObject(c->out, "pin_changed", true);
        if (!c->json)
                printf("Security PIN changed on '%s' and stored.\n", c->creds.alias);
        return 0;
}
