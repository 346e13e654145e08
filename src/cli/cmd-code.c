/* SPDX-License-Identifier: MIT */
/* latchkey code list|add|update|remove (spec §6.35, §9): checked, idempotent, verified. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmds.h"
#include "codes.h"
#include "db.h"
#include "json.h"
#include "latchkey/names.h"
#include "lockops.h"
#include "log.h"
#include "render.h"
#include "timefmt.h"
#include "util.h"
#include "window.h"

static void progress_cb(void *userdata, unsigned done, unsigned total)
{
        cli_progress(userdata, "Reading codes", done, total);
}

static void cache_codes(struct cli *c, const struct lk_keypad_code *codes, size_t n)
{
        struct db *db = NULL;

        if (db_open(c->store, &db) < 0)
                return;
        if (db_codes_replace(db, c->creds.alias, codes, n) < 0)
                log_warning("Could not cache the code names for log attribution");
        db_free(db);
}

static void print_code_row(const struct lk_keypad_code *k)
{
        char from[40] = "-", until[40] = "-", wd[40] = "-", daily[16] = "-";

        if (k->window.time_limited) {
                render_datetime_local(&k->window.from, from, sizeof(from));
                render_datetime_local(&k->window.until, until, sizeof(until));
                time_format_weekdays(k->window.weekdays, wd, sizeof(wd));
                window_format_daily(&k->window, daily, sizeof(daily));
        }
        char name[RENDER_CELL_MAX];

        printf("%-5u %-6" PRIu32 " %s %-3s %-25s %-25s %-13s %-11s %u\n", k->id, k->code,
               render_pad(k->name, LK_CODE_NAME_SIZE, name, sizeof(name)),
               k->enabled ? "yes" : "no", from, until, wd, daily, k->lock_count);
}

static void print_code_header(void)
{
        printf("%-5s %-6s %-20s %-3s %-25s %-25s %-13s %-11s %s\n", "ID", "CODE", "NAME", "ON", "FROM", "UNTIL",
               "WEEKDAYS", "DAILY", "USED");
}

int cmd_code_list(struct cli *c, int argc, char **argv)
{
        _cleanup_free_ struct lk_keypad_code *codes = calloc(CODES_MAX, sizeof(*codes));
        size_t n = 0;
        cJSON *arr;
        int r;

        if (!codes)
                return cli_fail(c, CLI_EXIT_FAILURE, "out of memory");
        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (cli_connect(c) < 0)
                return -1;
        r = lockops_codes_list(c->session, codes, CODES_MAX, &n, progress_cb, c);
        cli_progress_end(c);
        if (r < 0)
                return cli_fail_errno(c, r, "listing keypad codes");
        cache_codes(c, codes, n);
        arr = cJSON_AddArrayToObject(c->out, "codes");
        for (size_t i = 0; i < n; i++)
                cJSON_AddItemToArray(arr, render_code_json(&codes[i]));
        if (!c->json) {
                if (n == 0)
                        printf("No keypad codes on '%s'.\n", c->creds.alias);
                else {
                        printf("%zu keypad %s on '%s':\n", n, plural(n, "code", "codes"), c->creds.alias);
                        print_code_header();
                }
                for (size_t i = 0; i < n; i++)
                        print_code_row(&codes[i]);
        }
        sodium_memzero(codes, CODES_MAX * sizeof(*codes));
        return 0;
}

/* Parse the window options into w; *touched says which were given. */
struct window_opts {
        bool from, until, weekdays, daily, none;
        struct lk_window w;
};

static int parse_window_opt(struct cli *c, int opt, struct window_opts *wo)
{
        char why[400];
        int64_t t;

        switch (opt) {
        case OPT_FROM:
        case OPT_UNTIL:
                if (time_parse(optarg, (int64_t)time(NULL), 0, &t, why, sizeof(why)) < 0)
                        return cli_fail(c, CLI_EXIT_USAGE, "%s '%s' %s%s", opt == OPT_FROM ? "--from" : "--until", optarg,
                                        why, strstr(why, "not a time") ? " or '2026-11-22 15:00' (this machine's zone)" : "");
                if (lk_datetime_from_unix(t, opt == OPT_FROM ? &wo->w.from : &wo->w.until) < 0)
                        return cli_fail(c, CLI_EXIT_USAGE, "time '%s' is out of range", optarg);
                if (opt == OPT_FROM)
                        wo->from = true;
                else
                        wo->until = true;
                return 0;
        case OPT_WEEKDAYS:
                if (time_parse_weekdays(optarg, &wo->w.weekdays) < 0)
                        return cli_fail(c, CLI_EXIT_USAGE,
                                        "invalid weekdays '%s': use e.g. mon,tue,fri or weekdays, weekends, all", optarg);
                wo->weekdays = true;
                return 0;
        case OPT_DAILY:
                if (time_parse_daily(optarg, &wo->w.from_time, &wo->w.until_time) < 0)
                        return cli_fail(c, CLI_EXIT_USAGE, "invalid daily window '%s': use HH:MM-HH:MM (lock-local time)",
                                        optarg);
                wo->daily = true;
                return 0;
        case OPT_NO_WINDOW:
                wo->none = true;
                return 0;
        default:
                return 1; /* not a window option */
        }
}

static int problem_fail(struct cli *c, enum lk_code_problem p)
{
        return cli_fail(c, CLI_EXIT_USAGE, "invalid keypad code: %s; nothing was written", lk_code_problem_str(p));
}

static int window_fail(struct cli *c, enum window_problem p)
{
        return cli_fail(c, CLI_EXIT_USAGE, "invalid window: %s; nothing was written", window_problem_str(p));
}

static int read_code_value(struct cli *c, const char *file, uint32_t *ret)
{
        char buf[32];
        uint64_t v;
        int r;

        r = cli_read_secret(c, file, "Keypad code (6 digits): ", buf, sizeof(buf));
        if (r == -EPERM)
                return cli_secret_refused(c, "the code file", file);
        if (r == -ENOKEY)
                return cli_fail(c, CLI_EXIT_USAGE, "the keypad code is read from --code-file FILE (or - for stdin), "
                                                   "a prompt on a terminal, or made with --generate; never from the command line");
        if (r < 0)
                return cli_fail(c, CLI_EXIT_USAGE, "cannot read the keypad code from '%s': %s", file, strerror(-r));
        r = parse_u64(buf, 0, 99999999, &v);
        sodium_memzero(buf, sizeof(buf));
        if (r < 0)
                return cli_fail(c, CLI_EXIT_USAGE, "invalid keypad code: %s; nothing was written",
                                lk_code_problem_str(LK_CODE_NOT_SIX_DIGITS));
        *ret = (uint32_t)v;
        return 0;
}

/* A random code that passes the rules (spec §9.1), from libsodium's CSPRNG. */
static uint32_t generate_code(void)
{
        uint32_t v;

        do {
                v = 0;
                for (int i = 0; i < 6; i++)
                        v = v * 10 + 1 + randombytes_uniform(9);
        } while (!lk_keypad_code_value_ok(v));
        return v;
}

static void report_code(struct cli *c, const char *verb, const struct codes_outcome *o)
{
        cJSON_AddItemToObject(c->out, "code", render_code_json(&o->record));
        cJSON_AddBoolToObject(c->out, "already_present", o->already);
        cJSON_AddBoolToObject(c->out, "verified", true);
        cJSON_AddNumberToObject(c->out, "reconnects", o->reconnects);
        if (!c->json) {
                char name[RENDER_CELL_MAX];

                printf("%s code %u '%s' on '%s'%s (verified on the lock).\n", verb, o->id,
                       render_escape(o->record.name, name, sizeof(name)), c->creds.alias,
                       o->already ? " — it was there already, nothing written" : "");
                print_code_header();
                print_code_row(&o->record);
        }
}

static int code_write_error(struct cli *c, int r, const struct codes_outcome *o, enum lk_code_problem p, const char *what)
{
        enum cli_exit e = exit_for_lock_errno(r, 0);

        switch (r) {
        case -EINVAL:
                return problem_fail(c, p);
        case -EDOM:
                return window_fail(c, o->window_problem);
        case -EEXIST:
                return cli_fail(c, e, "%s: this code is already on the lock as id %u with another name or window; nothing was written",
                                what, o->id);
        case -ENOSPC:
                return cli_fail(c, e, "%s: the lock holds %u codes, its maximum; remove one first", what, CODES_MAX);
        case -ENOENT:
                return cli_fail(c, e, "%s: no keypad code with that id on '%s'", what, c->creds.alias);
        default:
                return cli_fail_errno(c, r, what);
        }
}

int cmd_code_add(struct cli *c, int argc, char **argv)
{
        struct window_opts wo = { 0 };
        struct lk_keypad_code want = { 0 };
        struct codes_outcome o = { 0 };
        enum lk_code_problem p = LK_CODE_OK;
        const char *name = NULL, *code_file = NULL;
        bool generate = false;
        struct db *db = NULL;
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                if (opt == OPT_NAME)
                        name = optarg;
                else if (opt == OPT_CODE_FILE)
                        code_file = optarg;
                else if (opt == OPT_GENERATE)
                        generate = true;
                else if ((r = parse_window_opt(c, opt, &wo)) != 1) {
                        if (r < 0)
                                return -1;
                } else
                        return -1;
        }
        if (!name)
                return cli_fail(c, CLI_EXIT_USAGE, "code add needs --name NAME (1 to 20 bytes), e.g. the guest's name");
        if (generate && code_file)
                return cli_fail(c, CLI_EXIT_USAGE, "give either --generate or --code-file, not both");
        if (strlen(name) > LK_CODE_NAME_SIZE)
                return problem_fail(c, LK_CODE_NAME_TOO_LONG);
        snprintf(want.name, sizeof(want.name), "%s", name);
        want.window = wo.w;
        want.window.time_limited = wo.from || wo.until || wo.weekdays || wo.daily;
        if (generate)
                want.code = generate_code();
        else if (read_code_value(c, code_file, &want.code) < 0)
                return -1;
        want.enabled = true;
        /* Check everything before touching the lock (field lesson 5). */
        p = lk_keypad_code_check(&want);
        if (p != LK_CODE_OK)
                return problem_fail(c, p);
        if (window_check(&want.window, (int64_t)time(NULL)) != WINDOW_OK)
                return window_fail(c, window_check(&want.window, (int64_t)time(NULL)));
        if (cli_connect(c) < 0)
                return -1;
        for (int tries = 0;; tries++) {
                r = codes_add(c->session, &want, &p, &o);
                if (!(r == -EEXIST && generate && tries < 5))
                        break;
                want.code = generate_code(); /* a generated code collided: draw another */
        }
        sodium_memzero(&want.code, sizeof(want.code));
        if (r < 0)
                return code_write_error(c, r, &o, p, "adding the code");
        if (db_open(c->store, &db) >= 0) {
                (void)!db_code_put(db, c->creds.alias, &o.record);
                db_free(db);
        }
        report_code(c, o.already ? "Found" : "Added", &o);
        return 0;
}

int cmd_code_update(struct cli *c, int argc, char **argv)
{
        struct window_opts wo = { 0 };
        struct code_changes ch = { 0 };
        struct codes_outcome o = { 0 };
        enum lk_code_problem p = LK_CODE_OK;
        const char *code_file = NULL;
        bool new_code = false;
        struct db *db = NULL;
        uint64_t id;
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                if (opt == OPT_NAME) {
                        /* The name rules before anything is sent (the same as code add's). */
                        struct lk_keypad_code probe = { .code = 111111 };

                        if (strlen(optarg) > LK_CODE_NAME_SIZE)
                                return problem_fail(c, LK_CODE_NAME_TOO_LONG);
                        snprintf(probe.name, sizeof(probe.name), "%s", optarg);
                        if (lk_keypad_code_check(&probe) != LK_CODE_OK)
                                return problem_fail(c, lk_keypad_code_check(&probe));
                        ch.set_name = true;
                        snprintf(ch.name, sizeof(ch.name), "%s", optarg);
                } else if (opt == OPT_CODE_FILE) {
                        code_file = optarg;
                        new_code = true;
                } else if (opt == OPT_ENABLE || opt == OPT_DISABLE) {
                        ch.set_enabled = true;
                        ch.enabled = opt == OPT_ENABLE;
                } else if ((r = parse_window_opt(c, opt, &wo)) != 1) {
                        if (r < 0)
                                return -1;
                } else
                        return -1;
        }
        if (optind + 1 != argc)
                return cli_fail(c, CLI_EXIT_USAGE, "code update needs exactly one code ID (see 'latchkey code list')");
        if (parse_u64(argv[optind], 1, UINT16_MAX, &id) < 0)
                return cli_fail(c, CLI_EXIT_USAGE, "invalid code ID '%s' (allowed: 1 to %u; see 'latchkey code list')",
                                argv[optind], UINT16_MAX);
        if (wo.none && (wo.from || wo.until || wo.weekdays || wo.daily))
                return cli_fail(c, CLI_EXIT_USAGE, "--no-window cannot be combined with window options");
        ch.window_from = wo.from;
        ch.window_until = wo.until;
        ch.window_weekdays = wo.weekdays;
        ch.window_daily = wo.daily;
        ch.window_clear = wo.none;
        ch.window = wo.w;
        if (wo.from || wo.until || wo.weekdays || wo.daily)
                ch.now = (int64_t)time(NULL); /* a window changed must still be able to open */
        if (new_code) {
                if (read_code_value(c, code_file, &ch.code) < 0)
                        return -1;
                ch.set_code = true;
                if (!lk_keypad_code_value_ok(ch.code)) {
                        struct lk_keypad_code probe = { .code = ch.code, .name = "x" };

                        return problem_fail(c, lk_keypad_code_check(&probe));
                }
        }
        if (cli_connect(c) < 0)
                return -1;
        r = codes_update(c->session, (uint16_t)id, &ch, &p, &o);
        sodium_memzero(&ch.code, sizeof(ch.code));
        if (r < 0)
                return code_write_error(c, r, &o, p, "updating the code");
        if (db_open(c->store, &db) >= 0) {
                (void)!db_code_put(db, c->creds.alias, &o.record);
                db_free(db);
        }
        report_code(c, o.already ? "Unchanged" : "Updated", &o);
        return 0;
}

int cmd_code_remove(struct cli *c, int argc, char **argv)
{
        struct codes_outcome o = { 0 };
        struct db *db = NULL;
        uint64_t id;
        int r;

        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (optind + 1 != argc)
                return cli_fail(c, CLI_EXIT_USAGE, "code remove needs exactly one code ID (see 'latchkey code list')");
        if (parse_u64(argv[optind], 1, UINT16_MAX, &id) < 0)
                return cli_fail(c, CLI_EXIT_USAGE, "invalid code ID '%s' (allowed: 1 to %u; see 'latchkey code list')",
                                argv[optind], UINT16_MAX);
        if (cli_connect(c) < 0)
                return -1;
        r = codes_remove(c->session, (uint16_t)id, &o);
        if (r < 0)
                return code_write_error(c, r, &o, LK_CODE_OK, "removing the code");
        if (db_open(c->store, &db) >= 0) {
                (void)!db_code_del(db, c->creds.alias, (uint16_t)id);
                db_free(db);
        }
        cJSON_AddNumberToObject(c->out, "removed", (double)id);
        cJSON_AddBoolToObject(c->out, "verified", true);
        if (!c->json)
                printf("Removed code %" PRIu64 " from '%s' (verified: it is gone).\n", id, c->creds.alias);
        return 0;
}

/* ---- code import: many codes from a JSON file, one connection ------------------------------ */

#define IMPORT_FILE_MAX (256 * 1024)

/* A record's from/until: RFC 3339 with its zone, as in every document (docs/grants.md "Times");
 * the command line's "this machine's zone" and "now" are for people typing, not for files. */
static int json_instant(struct cli *c, size_t i, const char *key, const char *text, struct lk_datetime *ret)
{
        char why[160] = "";
        int64_t t;

        if (time_parse(text, 0, TIME_DOCUMENT, &t, why, sizeof(why)) < 0)
                return cli_fail(c, CLI_EXIT_USAGE, "code %zu: \"%s\" '%s' %s; nothing was written", i + 1, key, text, why);
        if (lk_datetime_from_unix(t, ret) < 0)
                return cli_fail(c, CLI_EXIT_USAGE, "code %zu: \"%s\" '%s' is out of range; nothing was written", i + 1,
                                key, text);
        return 0;
}

static int json_window(struct cli *c, size_t i, const cJSON *o, struct lk_window *w)
{
        const char *keys[] = { "from", "until", "weekdays", "daily" };
        struct window_opts wo = { 0 };
        const int opts[] = { OPT_FROM, OPT_UNTIL, OPT_WEEKDAYS, OPT_DAILY };

        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[k]);

                if (!v || cJSON_IsNull(v))
                        continue;
                if (!cJSON_IsString(v))
                        return cli_fail(c, CLI_EXIT_USAGE, "code %zu: \"%s\" must be a string; nothing was written", i + 1,
                                        keys[k]);
                if (opts[k] == OPT_FROM || opts[k] == OPT_UNTIL) {
                        if (json_instant(c, i, keys[k], v->valuestring, opts[k] == OPT_FROM ? &wo.w.from : &wo.w.until) < 0)
                                return -1;
                        *(opts[k] == OPT_FROM ? &wo.from : &wo.until) = true;
                        continue;
                }
                optarg = v->valuestring;
                if (parse_window_opt(c, opts[k], &wo) < 0) {
                        char msg[sizeof(c->error)];

                        snprintf(msg, sizeof(msg), "%s", c->error);
                        return cli_fail(c, CLI_EXIT_USAGE, "code %zu: \"%s\": %s; nothing was written", i + 1, keys[k], msg);
                }
        }
        *w = wo.w;
        w->time_limited = wo.from || wo.until || wo.weekdays || wo.daily;
        return 0;
}

/* "code": a number or a string of digits, as a bookings document takes it. */
static bool json_code(const cJSON *v, uint32_t *ret)
{
        char *end;
        unsigned long x;

        if (cJSON_IsNumber(v)) {
                if (v->valuedouble < 0 || v->valuedouble > UINT32_MAX || v->valuedouble != (double)(uint32_t)v->valuedouble)
                        return false;
                *ret = (uint32_t)v->valuedouble;
                return true;
        }
        if (!cJSON_IsString(v) || !v->valuestring[0] || strspn(v->valuestring, "0123456789") != strlen(v->valuestring))
                return false;
        errno = 0;
        x = strtoul(v->valuestring, &end, 10);
        if (errno || x > UINT32_MAX)
                return false;
        *ret = (uint32_t)x;
        return true;
}

/* One record of a code import, checked whole: its fields (an unknown one is a typo that would
 * otherwise drop a limit silently), the code's rules and a window that can open. */
static int import_record(struct cli *c, size_t i, const cJSON *o, struct lk_keypad_code *k)
{
        static const char *const known[] = { "name", "code", "from", "until", "weekdays", "daily" };
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name"), *m;
        enum lk_code_problem p;
        enum window_problem wp;

        if (!cJSON_IsObject(o) || !cJSON_IsString(name) || !json_code(cJSON_GetObjectItemCaseSensitive(o, "code"), &k->code))
                return cli_fail(c, CLI_EXIT_USAGE, "code %zu: needs \"name\" (string) and \"code\" (six digits); nothing was written",
                                i + 1);
        cJSON_ArrayForEach(m, o) {
                size_t j = 0;

                while (j < ELEMENTSOF(known) && strcmp(m->string, known[j]) != 0)
                        j++;
                if (j == ELEMENTSOF(known))
                        return cli_fail(c, CLI_EXIT_USAGE,
                                        "code %zu: unknown field \"%s\" (known: name, code, from, until, weekdays, daily); nothing was written",
                                        i + 1, m->string);
        }
        if (strlen(name->valuestring) > LK_CODE_NAME_SIZE)
                return cli_fail(c, CLI_EXIT_USAGE, "code %zu: %s; nothing was written", i + 1,
                                lk_code_problem_str(LK_CODE_NAME_TOO_LONG));
        snprintf(k->name, sizeof(k->name), "%s", name->valuestring);
        k->enabled = true;
        if (json_window(c, i, o, &k->window) < 0)
                return -1;
        p = lk_keypad_code_check(k);
        if (p != LK_CODE_OK)
                return cli_fail(c, CLI_EXIT_USAGE, "code %zu ('%s'): %s; nothing was written", i + 1, k->name,
                                lk_code_problem_str(p));
        wp = window_check(&k->window, (int64_t)time(NULL));
        if (wp != WINDOW_OK)
                return cli_fail(c, CLI_EXIT_USAGE, "code %zu ('%s'): %s; nothing was written", i + 1, k->name,
                                window_problem_str(wp));
        return 0;
}

/* One value twice in a file: the second would clash with the first on the lock, after the first
 * was written. Refused before anything is. */
static int import_duplicates(struct cli *c, const struct codes_batch_item *items, size_t n)
{
        for (size_t i = 1; i < n; i++)
                for (size_t j = 0; j < i; j++)
                        if (items[i].want.code == items[j].want.code)
                                return cli_fail(c, CLI_EXIT_USAGE,
                                                "codes %zu ('%s') and %zu ('%s') have the same value; a lock holds a code once; nothing was written",
                                                j + 1, items[j].want.name, i + 1, items[i].want.name);
        return 0;
}

/* The import file: a secret file, like a PIN file, holding a JSON array of 1 to CODES_MAX codes
 * (or {"codes": [...]}). -1 with the error recorded. */
static int import_read(struct cli *c, const char *path, cJSON **ret_root, cJSON **ret_arr, size_t *ret_n)
{
        const char *name = streq(path, "-") ? "standard input" : path;
        _cleanup_free_ char *text = calloc(1, IMPORT_FILE_MAX + 1);
        struct json_error jerr;
        cJSON *root = NULL, *arr;
        size_t n = 0;
        int r;

        if (!text)
                return cli_fail(c, CLI_EXIT_FAILURE, "out of memory");
        r = read_secret(path, text, IMPORT_FILE_MAX + 1);
        if (r == -EPERM)
                return cli_secret_refused(c, "the codes file", path);
        if (r == -EMSGSIZE)
                return cli_fail(c, CLI_EXIT_USAGE, "%s: larger than %d bytes; nothing was written", name, IMPORT_FILE_MAX);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_USAGE, "%s: cannot read it: %s; nothing was written", name, strerror(-r));
        r = json_parse_strict(text, strlen(text), &root, &jerr);
        sodium_memzero(text, IMPORT_FILE_MAX + 1);
        if (r < 0) {
                char where[sizeof(jerr.msg) + 48];

                json_error_format(&jerr, where, sizeof(where));
                return cli_fail(c, CLI_EXIT_USAGE, "%s: %s; nothing was written", name, where);
        }
        arr = cJSON_IsArray(root) ? root : cJSON_GetObjectItemCaseSensitive(root, "codes");
        if (!cJSON_IsArray(arr) || (n = (size_t)cJSON_GetArraySize(arr)) == 0 || n > CODES_MAX) {
                cJSON_Delete(root);
                return cli_fail(c, CLI_EXIT_USAGE, "%s: expected a JSON array of 1 to %u codes (or {\"codes\": [...]}); nothing was written",
                                name, CODES_MAX);
        }
        *ret_root = root;
        *ret_arr = arr;
        *ret_n = n;
        return 0;
}

static const char *import_result_str(const struct codes_batch_item *it)
{
        return it->result == 0 ? (it->outcome.already ? "already present" : "added")
               : it->result == -EEXIST ? "code exists with other details"
               : it->result == -ENOSPC ? "lock full"
               : it->result == -EBADE  ? "verification failed: it reads back otherwise"
               : it->result == -ECANCELED ? "not done or not verified: the lock refused an earlier code"
               : strerror(-it->result);
}

/* Each code's result, in JSON and as a table; the names of those written, by id (for `latchkey
 * log`). Returns how many were written. */
static size_t import_report(struct cli *c, const struct codes_batch_item *items, size_t n)
{
        _cleanup_free_ const struct lk_keypad_code **written = calloc(n, sizeof(*written));
        cJSON *res = cJSON_AddArrayToObject(c->out, "results");
        struct db *db = NULL;
        size_t ok = 0;

        /* Named like every code command's output: which lock, and how much of the file. */
        if (!c->json) {
                for (size_t i = 0; i < n; i++)
                        ok += items[i].result == 0;
                printf("Imported %zu of %zu %s on '%s'%s:\n", ok, n, plural(n, "code", "codes"), c->creds.alias,
                       ok ? " (verified on the lock)" : "");
                printf("%-20s %-5s %s\n", "NAME", "ID", "RESULT");
                ok = 0;
        }
        for (size_t i = 0; i < n; i++) {
                cJSON *e = cJSON_CreateObject();
                const char *what = import_result_str(&items[i]);

                cJSON_AddStringToObject(e, "name", items[i].want.name);
                cJSON_AddBoolToObject(e, "ok", items[i].result == 0);
                cJSON_AddStringToObject(e, "result", what);
                if (items[i].outcome.id)
                        cJSON_AddNumberToObject(e, "id", items[i].outcome.id);
                cJSON_AddItemToArray(res, e);
                if (items[i].result == 0 && written)
                        written[ok] = &items[i].outcome.record;
                if (items[i].result == 0)
                        ok++;
                if (!c->json)
                        printf("%s %-5u %s\n", render_pad(items[i].want.name, LK_CODE_NAME_SIZE, (char[RENDER_CELL_MAX]){ 0 },
                                                          RENDER_CELL_MAX), items[i].outcome.id, what);
        }
        /* One transaction for the whole import: one disk sync, not one per code. The lock is the
         * truth: a run cut short leaves the names of what it wrote unrecorded until the next
         * listing, never a code twice (docs/grants.md). */
        if (written && db_open(c->store, &db) >= 0)
                (void)db_codes_put(db, c->creds.alias, written, ok);
        db_free(db);
        return ok;
}

/* Some codes were not written: the failure that stopped the import, else the first, says what
 * kind it was (a full lock: 7). */
static int import_verdict(struct cli *c, const struct codes_batch_item *items, size_t n, size_t ok)
{
        size_t i = n;
        char why[160];

        for (size_t k = 0; k < n && ok < n; k++)
                if (items[k].stopped || (items[k].result < 0 && i == n))
                        i = k;
        if (ok == n || i == n)
                return 0;
        exit_describe_lock_errno(items[i].result, items[i].lock_error, why, sizeof(why));
        return cli_fail(c, exit_for_lock_errno(items[i].result, items[i].lock_error),
                        "%zu of %zu %s not written (see results); %s: %s", n - ok, n,
                        n == 1 ? "code was" : n - ok == 1 ? "codes was" : "codes were",
                        items[i].stopped ? "the import stopped at" : "the first", why);
}

int cmd_code_import(struct cli *c, int argc, char **argv)
{
        _cleanup_free_ struct codes_batch_item *items = NULL;
        cJSON *root = NULL, *arr, *o;
        size_t n = 0, i = 0, ok;
        int r = 0;

        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (optind + 1 != argc)
                return cli_fail(c, CLI_EXIT_USAGE, "code import needs one FILE (JSON; - for stdin)");
        if (import_read(c, argv[optind], &root, &arr, &n) < 0)
                return -1;
        items = calloc(n, sizeof(*items));
        if (!items) {
                cJSON_Delete(root);
                return cli_fail(c, CLI_EXIT_FAILURE, "out of memory");
        }
        /* Check every record before anything is sent. */
        cJSON_ArrayForEach(o, arr) {
                if (r >= 0)
                        r = import_record(c, i, o, &items[i].want);
                i++;
        }
        if (r >= 0)
                r = import_duplicates(c, items, n);
        if (r >= 0)
                r = cli_connect(c);
        if (r >= 0) {
                r = codes_batch(c->session, NULL, 0, items, n);
                if (r < 0)
                        cli_fail_errno(c, r, "importing codes");
        }
        if (r >= 0) {
                ok = import_report(c, items, n);
                cJSON_AddNumberToObject(c->out, "imported", (double)ok);
                cJSON_AddNumberToObject(c->out, "failed", (double)(n - ok));
                r = import_verdict(c, items, n, ok);
        }
        for (i = 0; i < n; i++)
                sodium_memzero(&items[i].want.code, sizeof(items[i].want.code));
        cJSON_Delete(root);
        return r;
}
