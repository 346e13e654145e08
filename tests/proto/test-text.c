/* SPDX-License-Identifier: MIT */
/*
 * Safe text (issue 11): one set of name rules for every entry point (proto/text.c), names from
 * a lock, a file or the upstream printed escaped (src/base/render-text.c), table columns measured in
 * terminal columns in the C locale, cuts that never split a character. The real binaries run in
 * the C locale (no LANG), against the virtual lock.
 */
#include "harness.h"

#include <locale.h>

#include "agent.h"
#include "latchkey/commands.h"
#include "latchkey/text.h"
#include "lockops.h"
#include "render.h"
#include "store.h"

/* One sample of every unsafe class, and what it is. */
static const struct {
        const char *name;
        enum lk_text_problem problem;
} unsafe[] = {
        { "A\tB", LK_TEXT_CONTROL },
        { "A\nB", LK_TEXT_CONTROL },
        { "\x1b]0;pwned\x07", LK_TEXT_CONTROL },        /* sets a terminal's title */
        { "A\x1b[2J", LK_TEXT_CONTROL },                /* clears the screen */
        { "DEL\x7f", LK_TEXT_CONTROL },
        { "C1 \xc2\x85 NEL", LK_TEXT_CONTROL },
        { "line\xe2\x80\xa8sep", LK_TEXT_CONTROL },     /* U+2028 */
        { "evil\xe2\x80\xaetxt.exe", LK_TEXT_BIDI },    /* U+202E right-to-left override */
        { "\xe2\x81\xa6isolate", LK_TEXT_BIDI },        /* U+2066 */
        { "mark\xe2\x80\x8f", LK_TEXT_BIDI },           /* U+200F */
        { "   ", LK_TEXT_BLANK },
        { "\xc2\xa0\xc2\xa0", LK_TEXT_BLANK },          /* no-break spaces */
        { "\xe2\x80\x8b", LK_TEXT_BLANK },              /* a zero width space alone */
        { "", LK_TEXT_EMPTY },
        { "123456789012345678901", LK_TEXT_TOO_LONG },  /* 21 bytes */
        { "1234567890123456789\xc3\xa9", LK_TEXT_TOO_LONG }, /* 21 bytes: never cut inside the é */
        { "bad \xff byte", LK_TEXT_NOT_UTF8 },
        { "overlong \xc0\xaf", LK_TEXT_NOT_UTF8 },
        { "surrogate \xed\xa0\x80", LK_TEXT_NOT_UTF8 },
};

static const char *const safe[] = { "Müller", "李小龙", "Emoji \xf0\x9f\x98\x80", "O'Brien & Co", "12345678901234567890",
                                     "Zoë Ångström", "1234567890123456789\xc3\xa9" + 1 };

static void rules(void **state)
{
        for (size_t i = 0; i < ELEMENTSOF(unsafe); i++) {
                enum lk_text_problem p = lk_text_check(unsafe[i].name, LK_CODE_NAME_SIZE);

                if (p != unsafe[i].problem)
                        fail_msg("sample %zu: problem %d, want %d", i, p, unsafe[i].problem);
                assert_true(strlen(lk_text_problem_str(p)) > 0);
        }
        for (size_t i = 0; i < ELEMENTSOF(safe); i++)
                if (lk_text_check(safe[i], LK_CODE_NAME_SIZE) != LK_TEXT_OK)
                        fail_msg("'%s' refused", safe[i]);
        /* The keypad rules are the same rules. */
        for (size_t i = 0; i < ELEMENTSOF(unsafe); i++) {
                struct lk_keypad_code c = { .code = 234567 };

                snprintf(c.name, sizeof(c.name), "%s", unsafe[i].name);
                if (strlen(unsafe[i].name) <= LK_CODE_NAME_SIZE)
                        assert_int_not_equal(lk_keypad_code_check(&c), LK_CODE_OK);
        }
}

static void escaping(void **state)
{
        char buf[RENDER_CELL_MAX];

        assert_string_equal(render_escape("A\tB\nC\\D", buf, sizeof(buf)), "A\\tB\\nC\\\\D");
        assert_string_equal(render_escape("\x1b]0;x\x07", buf, sizeof(buf)), "\\x1b]0;x\\a");
        assert_string_equal(render_escape("DEL\x7f", buf, sizeof(buf)), "DEL\\x7f");
        assert_string_equal(render_escape("\xc2\x85", buf, sizeof(buf)), "\\u0085");
        assert_string_equal(render_escape("evil\xe2\x80\xaetxt", buf, sizeof(buf)), "evil\\u202Etxt");
        assert_string_equal(render_escape("bad\xff", buf, sizeof(buf)), "bad\\xff");
        assert_string_equal(render_escape("Müller 李 \xf0\x9f\x98\x80", buf, sizeof(buf)), "Müller 李 \xf0\x9f\x98\x80");
        /* Never cut inside an escape or a character, and a cut ends with "…" (U+2026). */
        assert_string_equal(render_escape("ab\x1b", buf, 6), "ab\u2026");
        assert_string_equal(render_escape("ab李", buf, 5), "a\u2026");
        assert_string_equal(render_escape("ab李", buf, 6), "ab李"); /* what fits exactly is not cut */
}

static void widths_in_the_c_locale(void **state)
{
        char buf[RENDER_CELL_MAX];

        assert_non_null(setlocale(LC_ALL, "C"));
        assert_int_equal(render_width("Müller"), 6);
        assert_int_equal(render_width("李小龙"), 6);
        assert_int_equal(render_width("Emoji \xf0\x9f\x98\x80"), 8);
        assert_int_equal(render_width("e\xcc\x81"), 1); /* e + combining acute */
        assert_string_equal(render_pad("Müller", 8, buf, sizeof(buf)), "Müller  ");
        assert_string_equal(render_pad("李小龙", 8, buf, sizeof(buf)), "李小龙  ");
        /* A cut cell ends with "…" in its last column; a wide character that does not fit before
         * it is left out whole, and the cell still fills. What fits exactly is not cut. */
        assert_string_equal(render_pad("abc", 3, buf, sizeof(buf)), "abc");
        assert_string_equal(render_pad("abcd", 3, buf, sizeof(buf)), "ab\u2026");
        assert_string_equal(render_pad("ab李", 3, buf, sizeof(buf)), "ab\u2026");
        assert_string_equal(render_pad("a李李", 4, buf, sizeof(buf)), "a李\u2026");
        assert_string_equal(render_pad("ab李李", 4, buf, sizeof(buf)), "ab\u2026 ");
        assert_string_equal(render_pad("ab\x1b", 4, buf, sizeof(buf)), "ab\\\u2026");
        assert_string_equal(render_pad("abcd", 0, buf, sizeof(buf)), "");
        assert_int_equal(render_width(render_pad("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 3, buf, sizeof(buf))), 3);
        assert_non_null(strstr(render_pad("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 3, buf, sizeof(buf)), "\u2026"));
}

/* ---- end to end ------------------------------------------------------------------------- */

static struct harness H;

/* Run latchkey without --json (text for people), in the C locale; stdout into *out. */
static int run_textv(const char *stdin_data, char **out, const char *const *args)
{
        char *argv[40], *envp[] = { (char *)"PATH=/usr/bin:/bin", (char *)"TZ=UTC", NULL };
        int n = 0;

        argv[n++] = (char *)H_CLI;
        argv[n++] = (char *)"--state-dir";
        argv[n++] = H.statedir;
        for (; *args && n < 39; args++)
                argv[n++] = (char *)*args;
        argv[n] = NULL;
        return h_run(stdin_data, out, argv, envp);
}
#define run_text(stdin_data, out, ...) run_textv((stdin_data), (out), (const char *const[]){ __VA_ARGS__, NULL })

static int code_count(void)
{
        cJSON *j;
        int n;

        assert_int_equal(h_cli(&H, NULL, &j, "code", "list", NULL), 0);
        n = cJSON_GetArraySize(jget(j, "codes"));
        cJSON_Delete(j);
        return n;
}

static void write_file(const char *path, const char *text)
{
        h_secret(path, text);
}

/* Every entry point that takes a name refuses every unsafe class, and writes nothing. */
static void entry_points_refuse(void **state)
{
        char file[400], via[400], doc[2048];
        cJSON *j;
        uint16_t id;

        h_init(&H, NULL);
        h_pair(&H, "front");
        snprintf(file, sizeof(file), "%s/input.json", H.dir);
        snprintf(via, sizeof(via), "sim:%s", H.sock);
        assert_int_equal(h_cli(&H, "345678\n", &j, "code", "add", "--name", "Good", "--code-file", "-", NULL), 0);
        id = (uint16_t)jnum(j, "code.id");
        cJSON_Delete(j);
        for (size_t i = 0; i < ELEMENTSOF(unsafe); i++) {
                const char *name = unsafe[i].name;
                char ids[8], *json_name;
                cJSON *s;

                snprintf(ids, sizeof(ids), "%u", id);
                assert_int_equal(h_cli(&H, "456789\n", NULL, "code", "add", "--name", name, "--code-file", "-", NULL), 2);
                assert_int_equal(h_cli(&H, NULL, NULL, "code", "update", ids, "--name", name, NULL), 2);
                /* JSON carries any string: the rules, not the format, refuse it. */
                s = cJSON_CreateString(name);
                json_name = cJSON_PrintUnformatted(s);
                cJSON_Delete(s);
                if (!json_name)
                        continue; /* not UTF-8: cJSON cannot even write it; the CLI cases cover it */
                snprintf(doc, sizeof(doc), "[{\"name\":%s,\"code\":567891}]", json_name);
                write_file(file, doc);
                assert_int_equal(h_cli(&H, NULL, NULL, "code", "import", file, NULL), 2);
                snprintf(doc, sizeof(doc),
                         "{\"version\":1,\"properties\":[{\"id\":\"p\",\"locks\":[\"front\"]}],\"grants\":[{\"id\":\"B%zu\","
                         "\"property\":\"p\",\"guest\":%s,\"code\":\"975318\",\"check_in\":\"2030-01-01T00:00:00Z\","
                         "\"check_out\":\"2030-01-05T00:00:00Z\"}]}",
                         i, json_name);
                write_file(file, doc);
                /* A guest has 128 bytes: a long one is cut at a character into the code name. */
                if (unsafe[i].problem != LK_TEXT_TOO_LONG && h_cli(&H, NULL, NULL, "grants", "import", file, NULL) != 2)
                        fail_msg("grants import took guest %zu", i);
                snprintf(doc, sizeof(doc),
                         "{\"version\":1,\"properties\":[{\"id\":\"p\",\"name\":%s,\"locks\":[\"front\"]}],\"grants\":[]}",
                         json_name);
                write_file(file, doc);
                if (unsafe[i].problem != LK_TEXT_TOO_LONG)
                        assert_int_equal(h_cli(&H, NULL, NULL, "grants", "import", file, NULL), 2);
                cJSON_free(json_name);
                if (unsafe[i].problem != LK_TEXT_TOO_LONG) /* 21 bytes fit an authorization's 32 */
                        assert_int_equal(h_cli(&H, NULL, NULL, "pair", "--via", via, "--name", "other", "--auth-name",
                                               name, NULL),
                                         2);
        }
        /* Nothing reached the lock or the bookings. */
        assert_int_equal(code_count(), 1);
        assert_int_equal(h_cli(&H, NULL, &j, "grants", "list", "--all", NULL), 0);
        assert_int_equal(cJSON_GetArraySize(jget(j, "grants")), 0);
        cJSON_Delete(j);
        h_cleanup(&H);
}

static struct session *own_session(sd_event **ev, struct store **st)
{
        struct lk_creds creds;
        struct session *s = NULL;

        assert_int_equal(store_open(H.statedir, st), 0);
        assert_int_equal(store_creds_get(*st, "front", &creds), 0);
        assert_int_equal(sd_event_new(ev), 0);
        assert_int_equal(agent_session_open(*ev, *st, &creds, NULL, &s), 0);
        lk_creds_wipe(&creds);
        return s;
}

/* What a rogue lock (or another app) stored is shown escaped, never raw. */
static void lock_names_printed_escaped(void **state)
{
        static const char *const names[] = { "\x1b]0;pwned\x07", "A\x1b[2JB", "evil\xe2\x80\xaetxt", "tab\there" };
        struct lk_update_authorization_entry upd = { 0 };
        uint8_t buf[LK_UPDATE_AUTHORIZATION_ENTRY_SIZE];
        struct store *st;
        sd_event *ev;
        struct session *s;
        char *out = NULL;
        ssize_t n;

        h_init(&H, NULL);
        h_pair(&H, "front");
        s = own_session(&ev, &st);
        for (size_t i = 0; i < ELEMENTSOF(names); i++) { /* written around the rules, like another client could */
                static const uint32_t values[] = { 345671, 345672, 345673, 345674 };
                struct lk_keypad_code c = { .code = values[i], .enabled = true };

                int r;

                snprintf(c.name, sizeof(c.name), "%s", names[i]);
                r = lockops_code_add(s, &c, NULL);
                if (r < 0)
                        fail_msg("the lock refused code %zu: %d (lock error 0x%02X)", i, r, session_remote_error(s));
        }
        /* Our own authorization renamed to a title-setting sequence: it shows in the list and the log. */
        upd.auth_id = 1;
        snprintf(upd.name, sizeof(upd.name), "%s", "me\x1b]2;owned\x07");
        upd.enabled = true;
        n = lk_update_authorization_entry_encode(&upd, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(session_call(s, LK_CMD_UPDATE_AUTHORIZATION_ENTRY, buf, (size_t)n, NULL, NULL), 0);
        session_free(s);
        sd_event_unref(ev);
        store_free(st);

        assert_int_equal(run_text(NULL, &out, "code", "list"), 0);
        assert_null(strchr(out, '\x1b'));
        assert_null(strchr(out, '\t'));
        assert_null(strstr(out, "\xe2\x80\xae"));
        assert_non_null(strstr(out, "\\x1b]0;pwned\\a"));
        assert_non_null(strstr(out, "evil\\u202Etxt"));
        assert_non_null(strstr(out, "tab\\there"));
        free(out);
        assert_int_equal(run_text(NULL, &out, "auth", "list"), 0);
        assert_null(strchr(out, '\x1b'));
        assert_non_null(strstr(out, "me\\x1b]2;owned\\a"));
        free(out);
        assert_int_equal(run_text(NULL, &out, "unlock"), 0);
        free(out);
        assert_int_equal(run_text(NULL, &out, "log"), 0);
        assert_null(strchr(out, '\x1b'));
        assert_non_null(strstr(out, "me\\x1b]2;owned\\a"));
        free(out);
        h_cleanup(&H);
}

/* Terminal columns of a line up to (not including) its first occurrence of needle: an
 * independent count (the test's own table of the wide characters it uses). */
static size_t columns_before(const char *line, const char *needle)
{
        const char *end = strstr(line, needle);
        size_t cols = 0;

        assert_non_null(end);
        for (const unsigned char *p = (const unsigned char *)line; p < (const unsigned char *)end;) {
                if (*p < 0x80) {
                        cols++;
                        p++;
                } else if (*p >= 0xF0) { /* the emoji */
                        cols += 2;
                        p += 4;
                } else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xA6) { /* "…", the mark of a cut cell */
                        cols++;
                        p += 3;
                } else if (*p >= 0xE0) { /* 李 小 龙 */
                        cols += 2;
                        p += 3;
                } else { /* ü, é, Å */
                        cols++;
                        p += 2;
                }
        }
        return cols;
}

/* `code list` and `grants list` line up Müller, an emoji and CJK names, in the C locale. */
static void tables_line_up(void **state)
{
        static const char *const names[] = { "Plain", "Müller", "Emoji \xf0\x9f\x98\x80", "李小龙" };
        char file[400], doc[1024], *out = NULL, *save = NULL;
        size_t col = 0, rows = 0;
        cJSON *j;

        h_init(&H, NULL);
        h_pair(&H, "front");
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char code[16];

                snprintf(code, sizeof(code), "%u\n", 456781 + (unsigned)i); /* 456781..456784 */
                assert_int_equal(h_cli(&H, code, &j, "code", "add", "--name", names[i], "--code-file", "-", NULL), 0);
                cJSON_Delete(j);
        }
        assert_int_equal(run_text(NULL, &out, "code", "list"), 0);
        /* The table after the line that names the lock. */
        assert_int_equal(strncmp(out, "4 keypad codes on 'front':\n", 27), 0);
        for (char *line = strtok_r(out + 27, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t c = columns_before(line, strstr(line, " ON ") ? " ON " : " yes ");

                if (rows++ == 0)
                        col = c;
                else if (c != col)
                        fail_msg("'%s': the column after NAME starts at %zu, not %zu", line, c, col);
        }
        assert_int_equal(rows, ELEMENTSOF(names) + 1);
        free(out);

        /* grants list: a guest longer than its column is cut at a character and marked "…", and the
         * row lines up. */
        snprintf(file, sizeof(file), "%s/bookings.json", H.dir);
        snprintf(doc, sizeof(doc),
                 "{\"version\":1,\"properties\":[{\"id\":\"p\",\"locks\":[\"front\"]}],\"grants\":["
                 "{\"id\":\"B1\",\"property\":\"p\",\"guest\":\"Ana\",\"check_in\":\"2030-01-01T00:00:00Z\",\"check_out\":\"2030-01-05T00:00:00Z\"},"
                 "{\"id\":\"B2\",\"property\":\"p\",\"guest\":\"李小龙 李小龙 李小龙 李小龙\",\"check_in\":\"2030-01-01T00:00:00Z\",\"check_out\":\"2030-01-05T00:00:00Z\"},"
                 "{\"id\":\"B3\",\"property\":\"p\",\"guest\":\"Zoë Ångström-Müller-Lüdenscheidt\",\"check_in\":\"2030-01-01T00:00:00Z\",\"check_out\":\"2030-01-05T00:00:00Z\"}]}");
        h_secret(file, doc);
        assert_int_equal(h_cli(&H, NULL, &j, "grants", "import", file, NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(run_text(NULL, &out, "grants", "list"), 0);
        assert_true(lk_utf8_is_valid((const uint8_t *)out, strlen(out))); /* nothing cut inside a character */
        assert_non_null(strstr(out, "\u674e\u5c0f\u9f99 \u674e\u5c0f\u9f99 \u674e\u5c0f\u9f99 \u2026"));
        assert_non_null(strstr(out, "Ana                    ")); /* not cut: no mark */
        rows = 0;
        save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t c = columns_before(line, strstr(line, "CHECK-IN") ? "CHECK-IN" : "2030-");

                if (rows++ == 0)
                        col = c;
                else if (c != col)
                        fail_msg("'%s': CHECK-IN starts at %zu, not %zu", line, c, col);
        }
        assert_int_equal(rows, 4);
        free(out);
        h_cleanup(&H);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(rules),
                cmocka_unit_test(escaping),
                cmocka_unit_test(widths_in_the_c_locale),
                cmocka_unit_test(entry_points_refuse),
                cmocka_unit_test(lock_names_printed_escaped),
                cmocka_unit_test(tables_line_up),
        };

        return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
