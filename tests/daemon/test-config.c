/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration (src/daemon/config.c) and the one duration grammar (src/base/duration.c):
 * every key documented and shipped, keys set twice and files others can write refused with
 * what to change, a missing or empty default file meaning the defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "daemon-status.h"
#include "duration.h"
#include "grants.h"
#include "timefmt.h"

static char dir[64];

static int setup(void **state)
{
        snprintf(dir, sizeof(dir), "/tmp/lk-config-XXXXXX");
        assert_non_null(mkdtemp(dir));
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        return 0;
}

/* Write text to dir/name with mode; returns the path (static). */
static const char *write_file(const char *name, const char *text, mode_t mode)
{
        static char path[128];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, mode), 0);
        return path;
}

static int load(const char *text, mode_t mode, struct daemon_config *c, char *err, size_t errsize)
{
        config_defaults(c);
        return config_load(write_file("t.conf", text, mode), c, err, errsize);
}

static void durations_one_grammar(void **state)
{
        static const struct {
                const char *s;
                uint64_t ms;
        } ok[] = { { "0", 0 }, { "90", 90000 }, { "90s", 90000 }, { "1500ms", 1500 }, { "15m", 900000 },
                   { "72h", 259200000 }, { "3d", 259200000 } };
        static const char *const bad[] = { "", "s", "-1", "+5", "1.5s", "5 m", "5M", "5min", "1w", "10sec", "ms",
                                           " 5", "5s ", "99999999999999999999999d" };
        uint64_t ms;
        int64_t sec;
        char buf[16];

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                assert_int_equal(duration_parse_ms(ok[i].s, &ms), 0);
                assert_int_equal(ms, ok[i].ms);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_true(duration_parse_ms(bad[i], &ms) < 0);
        /* Seconds: a fraction of a second is refused, never rounded. */
        assert_int_equal(duration_parse_sec("2000ms", &sec), 0);
        assert_int_equal(sec, 2);
        assert_int_equal(duration_parse_sec("1500ms", &sec), -EINVAL);
        assert_int_equal(duration_parse_sec_range("2h", 0, 3600, &sec), -ERANGE);
        duration_format_sec(5400, buf, sizeof(buf));
        assert_string_equal(buf, "90m");
        duration_format_sec(259200, buf, sizeof(buf));
        assert_string_equal(buf, "3d");
        /* The same grammar in the grants document and the flags (--lead, --grace), and now+. */
        assert_int_equal(grants_parse_duration("1500ms", &sec), -EINVAL);
        assert_int_equal(grants_parse_duration("2d", &sec), 0);
        assert_int_equal(sec, 172800);
        assert_int_equal(time_parse_instant("now+2h", 1764426300, &sec), 0);
        assert_int_equal(sec, 1764426300 + 7200);
        assert_int_equal(time_parse_instant("now-90", 1764426300, &sec), 0);
        assert_int_equal(sec, 1764426300 - 90);
        assert_true(time_parse_instant("now+1500ms", 1764426300, &sec) < 0);
}

static void same_grammar_every_section(void **state)
{
        struct daemon_config c;
        char err[512];

        /* [upstream] used to refuse days, the others milliseconds. */
        assert_int_equal(load("[agent]\nretry_min = 2000ms\nlog_interval = 1d\n[lifecycle]\nlead = 2d\n"
                              "[upstream]\nurl = https://pms.example.com\ntoken_file = /x\npull_interval = 1d\n"
                              "timeout = 1500ms\nbackoff_max = 1h\n",
                              0644, &c, err, sizeof(err)),
                         0);
        assert_int_equal(c.retry_min, 2);
        assert_int_equal(c.log_interval, 86400);
        assert_int_equal(c.lead, 2 * 86400);
        assert_int_equal(c.sync.pull_interval_sec, 86400);
        assert_int_equal(c.sync.timeout_ms, 1500);
        assert_int_equal(c.sync.backoff_max_sec, 3600);
        /* Whole-second keys refuse a fraction, in every section. */
        assert_int_equal(load("[agent]\nretry_min = 1500ms\n", 0644, &c, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, ":2: invalid value for agent.retry_min"));
        assert_int_equal(load("[upstream]\nbackoff_min = 1500ms\n", 0644, &c, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "upstream.backoff_min"));
}

static void duplicate_keys_refused(void **state)
{
        struct daemon_config c;
        char err[512];

        assert_int_equal(load("[agent]\nlog_interval = 15m\nadapter = hci0\n\n[agent]\nlog_interval = 1h\n", 0644, &c,
                              err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "t.conf:6: 'log_interval' in [agent] is set a second time: keep one"));
        /* The first error is the one reported, with its own line. */
        assert_int_equal(load("[agent]\nbogus = 1\nadapter = a\nadapter = b\n", 0644, &c, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "t.conf:2: unknown setting 'bogus' in [agent]"));
        /* The same key in two sections is two keys. */
        assert_int_equal(load("[agent]\nadapter = hci0\n[lifecycle]\nlead = 1h\n", 0644, &c, err, sizeof(err)), 0);
}

/* Every header is looked at, also one with no key under it, and one inih cannot read is named
 * as such, on its own line (a key after "[agent" used to be blamed on an empty section). */
static void section_headers_checked(void **state)
{
        static const struct {
                const char *text, *want;
        } bad[] = {
                { "[agnet]\n", "t.conf:1: unknown section [agnet] (sections: agent, lifecycle, upstream)" },
                { "[agent]\nadapter = hci0\n\n[lifecycel]\n# nothing here\n", "t.conf:4: unknown section [lifecycel]" },
                { "[agent\nlog_interval = 5m\n", "t.conf:1: '[agent' opens a section but has no closing ']'" },
                { "[agent] log_interval = 5m\n", "t.conf:1: text after the section header: 'log_interval = 5m'" },
                { "[agent]\nbogus\n", "t.conf:2: 'bogus' is neither a [section], 'key = value' nor a comment" },
                { "[agent]\nadapter = a\x1b[31m\n", "t.conf:2: the line holds a control character (byte 0x1b)" },
        };
        struct daemon_config c;
        char err[512];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(load(bad[i].text, 0644, &c, err, sizeof(err)), -EINVAL);
                if (!strstr(err, bad[i].want))
                        fail_msg("%s: got '%s', want '%s'", bad[i].text, err, bad[i].want);
        }
        /* A header may carry a comment; an indented line is an ordinary line, not a continuation. */
        assert_int_equal(load("[agent] # the radio\n  adapter = hci1\n    log_interval = 5m\n[lifecycle]\t; bookings\n",
                              0644, &c, err, sizeof(err)),
                         0);
        assert_string_equal(c.adapter, "hci1");
        assert_int_equal(c.log_interval, 300);
}

/* '#' and ';' after a space begin a comment (docs/config.md "Comments"), in a value too. */
static void inline_comments(void **state)
{
        struct daemon_config c;
        char err[512];

        assert_int_equal(load("[agent]\nadapter = hci0  # the USB dongle\nlog_interval = 5m ; often\n[lifecycle]\n"
                              "lead = 24h\t# a day ahead\n",
                              0644, &c, err, sizeof(err)),
                         0);
        assert_string_equal(c.adapter, "hci0");
        assert_int_equal(c.log_interval, 300);
        assert_int_equal(c.lead, 86400);
        assert_int_equal(load("[agent]\nadapter = a#b;c\n", 0644, &c, err, sizeof(err)), 0); /* no space: the value's */
        assert_string_equal(c.adapter, "a#b;c");
}

/* An over-long line is named at its own line, and the lines after it keep their numbers. */
static void long_lines_named(void **state)
{
        char text[600], err[512];
        struct daemon_config c;

        snprintf(text, sizeof(text), "[agent]\nadapter = %0300d\nbogus\n", 0);
        assert_int_equal(load(text, 0644, &c, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "t.conf:2: the line is longer than 198 characters"));
        snprintf(text, sizeof(text), "[agent]\nadapter = hci0\n\n%0198d\n", 0);
        assert_int_equal(load(text, 0644, &c, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "t.conf:4: '000000"));
}

/* "allowed: ... from LO to HI": LO and HI, or false when err names no range. */
static bool range_in(const char *err, char *lo, char *hi)
{
        const char *p = strstr(err, " from ");

        return p && sscanf(p, " from %15s to %15[^,;)]", lo, hi) == 2;
}

/* A value a key does not take names what it takes; the range named is the parser's own: both
 * ends are accepted. */
static void refusals_name_the_range(void **state)
{
        static const struct {
                const char *section, *key, *bad, *want;
        } keys[] = {
                { "agent", "log_interval", "10s", "a duration in whole seconds from 1m to 7d" },
                { "agent", "max_interval", "8d", "from 1m to 7d" },
                { "agent", "retry_min", "1500ms", "a duration in whole seconds from 1s to 1d" },
                { "agent", "retry_max", "0", "from 1s to 7d" },
                { "lifecycle", "lead", "31d", "from 0s to 30d" },
                { "lifecycle", "grace", "1y", "from 0s to 30d" },
                { "lifecycle", "drift_max", "0", "from 1s to 1d, or never" },
                { "upstream", "connect_timeout", "50ms", "a duration from 100ms to 10m" },
                { "upstream", "timeout", "11m", "from 100ms to 10m" },
                { "upstream", "batch_size", "5000", "a number from 1 to 1000" },
                { "upstream", "max_response_size", "65M", "a size from 1k to 64M" },
                { "upstream", "backoff_min", "0", "a duration in whole seconds from 1s to 7d" },
                { "upstream", "backoff_max", "8d", "from 1s to 7d" },
                { "upstream", "pull_interval", "1500ms", "from 1s to 7d" },
                { "lifecycle", "zone", "Mars/Olympus", "an IANA time zone name" },
                { "agent", "state_dir", "relative/dir", "an absolute path" },
                { "upstream", "url", "https://user:pw@example.com", "an https:// URL" },
        };
        struct daemon_config c;
        char text[256], err[512], lo[16], hi[16], want[160];

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                snprintf(text, sizeof(text), "[%s]\n# a comment\n%s = %s\n", keys[i].section, keys[i].key, keys[i].bad);
                assert_int_equal(load(text, 0644, &c, err, sizeof(err)), -EINVAL);
                snprintf(want, sizeof(want), "t.conf:3: invalid value for %s.%s: '%s' (allowed: ", keys[i].section,
                         keys[i].key, keys[i].bad);
                if (!strstr(err, want) || !strstr(err, keys[i].want))
                        fail_msg("got '%s', want '%s' and '%s'", err, want, keys[i].want);
                if (!range_in(err, lo, hi))
                        continue;
                for (int end = 0; end < 2; end++) {
                        /* retry_min and retry_max opened wide, so either end stands alone */
                        snprintf(text, sizeof(text), "[agent]\n%s%s[%s]\n%s = %s\n",
                                 strcmp(keys[i].key, "retry_min") ? "retry_min = 1s\n" : "",
                                 strcmp(keys[i].key, "retry_max") ? "retry_max = 7d\n" : "", keys[i].section, keys[i].key,
                                 end ? hi : lo);
                        if (load(text, 0644, &c, err, sizeof(err)) != 0)
                                fail_msg("%s.%s = %s is named as allowed but refused: %s", keys[i].section,
                                         keys[i].key, end ? hi : lo, err);
                }
        }
}

/* Settings that must agree are refused at the line of the later one, naming both keys. */
static void clashes_name_line_and_keys(void **state)
{
        struct daemon_config c;
        char err[512];

        assert_int_equal(load("[agent]\nretry_min = 2h\n", 0644, &c, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "t.conf:2: agent.retry_min = 2h is longer than agent.retry_max = 30m (the default)"));
        assert_int_equal(load("[agent]\nretry_max = 2s\n\nretry_min = 1m\n", 0644, &c, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "t.conf:4: agent.retry_min = 1m is longer than agent.retry_max = 2s (line 2)"));
        assert_int_equal(load("[upstream]\nurl = https://pms.example.com\ntoken_file = /t\nbackoff_max = 1m\n"
                              "backoff_min = 1h\n",
                              0644, &c, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "t.conf:5: upstream.backoff_min = 1h is longer than upstream.backoff_max = 1m"));
        assert_int_equal(load("[upstream]\n\nurl = https://pms.example.com\n", 0644, &c, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "t.conf:3: upstream.url is set, but neither upstream.token_file nor "
                                    "upstream.client_cert_file"));
        assert_int_equal(load("[upstream]\nurl = https://pms.example.com\nclient_cert_file = /c.pem\n", 0644, &c, err,
                              sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "t.conf:3: upstream.client_cert_file is set without upstream.client_key_file"));
}

static void loose_files_refused(void **state)
{
        struct daemon_config c;
        char err[512];

        assert_int_equal(load("[agent]\n", 0664, &c, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "writable by its group (mode 0664): run 'chmod go-w "));
        assert_int_equal(load("[agent]\n", 0646, &c, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "writable by everyone"));
        assert_int_equal(load("[agent]\n", 0600, &c, err, sizeof(err)), 0);
        assert_int_equal(load("[agent]\n", 0444, &c, err, sizeof(err)), 0);
        if (geteuid() == 0) { /* someone else's file: refused, chown named */
                const char *p = write_file("other.conf", "", 0644);

                assert_int_equal(chown(p, 65534, 65534), 0);
                config_defaults(&c);
                assert_int_equal(config_load(p, &c, err, sizeof(err)), -EPERM);
                assert_non_null(strstr(err, "owned by uid 65534, not root: run 'chown root: "));
        }
}

static void missing_or_empty_means_defaults(void **state)
{
        struct daemon_config c, d;
        char err[512];

        config_defaults(&d);
        assert_int_equal(load("", 0644, &c, err, sizeof(err)), 0);
        assert_false(c.upstream);
        assert_int_equal(c.lead, d.lead);
        assert_int_equal(c.log_interval, d.log_interval);
        assert_int_equal(load("# only comments\n[agent]\n;\n", 0644, &c, err, sizeof(err)), 0);
        assert_false(c.upstream);
        /* A file named explicitly must exist. */
        {
                char path[128];

                snprintf(path, sizeof(path), "%s/none.conf", dir);
                assert_int_equal(config_load_default(path, &c, err, sizeof(err)), -ENOENT);
                assert_non_null(strstr(err, "none.conf"));
        }
}

static void relative_files_next_to_config(void **state)
{
        struct daemon_config c;
        char err[512], want[256];

        unsetenv("CREDENTIALS_DIRECTORY");
        assert_int_equal(load("[upstream]\nurl = https://pms.example.com\ntoken_file = upstream-token\nca_file = ca.pem\n",
                              0644, &c, err, sizeof(err)),
                         0);
        snprintf(want, sizeof(want), "%s/upstream-token", dir);
        assert_string_equal(c.sync.token_file, want);
        snprintf(want, sizeof(want), "%s/ca.pem", dir);
        assert_string_equal(c.sync.ca_file, want);
        /* Under systemd a relative token_file is a credential name: left for sync.c. */
        setenv("CREDENTIALS_DIRECTORY", "/run/credentials/latchkey.service", 1);
        assert_int_equal(load("[upstream]\nurl = https://pms.example.com\ntoken_file = upstream-token\n", 0644, &c, err,
                              sizeof(err)),
                         0);
        assert_string_equal(c.sync.token_file, "upstream-token");
        unsetenv("CREDENTIALS_DIRECTORY");
}

/* The keys in a text: "| section | key |" rows (docs) or "#key = value" lines after [section]. */
static size_t collect_keys(const char *path, bool markdown, char keys[][96], size_t max)
{
        char line[512], section[32] = "";
        size_t n = 0;
        FILE *f = fopen(path, "re");

        assert_non_null(f);
        while (fgets(line, sizeof(line), f) && n < max) {
                char a[32], b[48];

                if (markdown) {
                        if (sscanf(line, "| %31[a-z] | %47[a-z_] |", a, b) == 2 && strcmp(a, "section") != 0)
                                snprintf(keys[n++], 96, "%s.%s", a, b);
                } else if (sscanf(line, "[%31[a-z]]", a) == 1)
                        snprintf(section, sizeof(section), "%s", a);
                else if (sscanf(line, "#%47[a-z_] =", b) == 1 && section[0])
                        snprintf(keys[n++], 96, "%s.%s", section, b);
        }
        fclose(f);
        return n;
}

static bool has(char keys[][96], size_t n, const char *k)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(keys[i], k) == 0)
                        return true;
        return false;
}

static void every_key_documented_and_shipped(void **state)
{
        char docs[64][96], shipped[64][96], text[4096] = "", *p;
        size_t nd = collect_keys(LK_SOURCE_DIR "/docs/config.md", true, docs, 64);
        size_t ns = collect_keys(LK_SOURCE_DIR "/packaging/latchkey.conf", false, shipped, 64);
        size_t nk = 0;
        struct daemon_config c;
        char err[512];
        FILE *f;

        for (const char *const *k = config_keys; *k; k++, nk++) {
                if (!has(docs, nd, *k) || !has(shipped, ns, *k))
                        fail_msg("%s is not in docs/config.md or packaging/latchkey.conf", *k);
        }
        assert_int_equal(nd, nk);
        assert_int_equal(ns, nk);
        /* The shipped file, every setting uncommented with the value it shows, is accepted. */
        f = fopen(LK_SOURCE_DIR "/packaging/latchkey.conf", "re");
        assert_non_null(f);
        p = text;
        while (fgets(p, (int)(sizeof(text) - (size_t)(p - text)), f)) {
                if (p[0] == '#' && p[1] >= 'a' && p[1] <= 'z' && strstr(p, " ="))
                        memmove(p, p + 1, strlen(p));
                p += strlen(p);
        }
        fclose(f);
        assert_int_equal(load(text, 0644, &c, err, sizeof(err)), 0);
        assert_true(c.upstream);
        /* ...and means the defaults. */
        {
                struct daemon_config d;

                config_defaults(&d);
                assert_int_equal(c.log_interval, d.log_interval);
                assert_int_equal(c.retry_max, d.retry_max);
                assert_int_equal(c.lead, d.lead);
                assert_int_equal(c.grace, d.grace);
                assert_int_equal(c.drift_max, d.drift_max);
                assert_int_equal(c.sync.timeout_ms, d.sync.timeout_ms);
                assert_int_equal(c.sync.backoff_max_sec, d.sync.backoff_max_sec);
                assert_int_equal(c.sync.max_response_bytes, d.sync.max_response_bytes);
        }
}

static void status_says_what_it_waits_for(void **state)
{
        struct daemon_status s = { .wake_at = 1764426300, .wake_for = DAEMON_WAKE_BOOKINGS, .upstream = true, .pending = 3 };
        char buf[DAEMON_STATUS_MAX], small[40];

        daemon_status_format(&s, buf, sizeof(buf));
        assert_string_equal(buf, "Waiting until 2025-11-29T14:25:00Z for the next booking boundary; 3 events for the "
                                 "upstream; every lock fine");
        daemon_status_trouble(&s, "back", "not reached: no answer from the lock in time");
        daemon_status_trouble(&s, "front", "full: 2 code(s) wait for room");
        daemon_status_trouble(&s, "back", "cut short: link lost");
        s.upstream_failures = 2;
        snprintf(s.upstream_error, sizeof(s.upstream_error), "HTTP 503");
        s.wake_for = DAEMON_WAKE_RETRY;
        daemon_status_format(&s, buf, sizeof(buf));
        assert_string_equal(buf, "Waiting until 2025-11-29T14:25:00Z for a retry of the locks; 3 events for the "
                                 "upstream, which failed 2 times (HTTP 503); 2 locks in trouble: back (cut short: "
                                 "link lost), front (full: 2 code(s) wait for room)");
        daemon_status_clear(&s, "back");
        daemon_status_clear(&s, "nobody");
        assert_int_equal(s.n_trouble, 1);
        assert_false(daemon_status_has_trouble(&s, "back"));
        s.upstream = false;
        snprintf(s.config_problem, sizeof(s.config_problem), "/etc/latchkey/latchkey.conf:3: 'lead' in [lifecycle] is "
                                                             "set a second time: keep one");
        daemon_status_format(&s, buf, sizeof(buf));
        assert_non_null(strstr(buf, "Configuration refused, running with the previous one: /etc/latchkey/latchkey.conf:3"));
        assert_non_null(strstr(buf, "offline (no upstream)"));
        s.blocked = true;
        daemon_status_format(&s, buf, sizeof(buf));
        assert_string_equal(buf, "Not working, configuration refused: /etc/latchkey/latchkey.conf:3: 'lead' in "
                                 "[lifecycle] is set a second time: keep one. Fix it, then: systemctl reload latchkey");
        daemon_status_format(&s, small, sizeof(small)); /* cut, never overrun */
        assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(durations_one_grammar),
                cmocka_unit_test_setup_teardown(same_grammar_every_section, setup, teardown),
                cmocka_unit_test_setup_teardown(duplicate_keys_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(section_headers_checked, setup, teardown),
                cmocka_unit_test_setup_teardown(inline_comments, setup, teardown),
                cmocka_unit_test_setup_teardown(long_lines_named, setup, teardown),
                cmocka_unit_test_setup_teardown(refusals_name_the_range, setup, teardown),
                cmocka_unit_test_setup_teardown(clashes_name_line_and_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(loose_files_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(missing_or_empty_means_defaults, setup, teardown),
                cmocka_unit_test_setup_teardown(relative_files_next_to_config, setup, teardown),
                cmocka_unit_test_setup_teardown(every_key_documented_and_shipped, setup, teardown),
                cmocka_unit_test(status_says_what_it_waits_for),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
