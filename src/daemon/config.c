/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "duration.h"
#include "util.h"

#define CONFIG_KEYS_MAX 64

void config_defaults(struct daemon_config *c)
{
        *c = (struct daemon_config){
                .log_interval = 15 * 60,
                .max_interval = 60 * 60,
                .retry_min = 60,
                .retry_max = 30 * 60,
                .lead = GRANTS_LEAD_DEFAULT,
                .grace = GRANTS_GRACE_DEFAULT,
                .drift_max = LIFECYCLE_DRIFT_DEFAULT,
        };
        sync_config_defaults(&c->sync);
}

struct parse_ctx {
        FILE *f;
        struct daemon_config *c;
        unsigned line;           /* the line inih is on: every handler call and every error is on it */
        char text[256];          /* its text (no indent, no line end), to quote in a refusal */
        char err[256];           /* the first reason; config_load puts "FILE:LINE: " in front */
        unsigned err_line;
        struct {
                char key[48];    /* "section.key", set once in this file (a second time is refused) */
                unsigned line;
        } seen[CONFIG_KEYS_MAX];
        size_t n_seen;
};

static void fail_at(struct parse_ctx *p, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_at(struct parse_ctx *p, unsigned line, const char *fmt, ...)
{
        va_list ap;

        if (p->err[0])
                return; /* the first problem is the one reported */
        va_start(ap, fmt);
        vsnprintf(p->err, sizeof(p->err), fmt, ap);
        va_end(ap);
        p->err_line = line;
}

static int set_string(char *dst, size_t size, const char *v)
{
        if (strlen(v) >= size)
                return -ENAMETOOLONG;
        memcpy(dst, v, strlen(v) + 1);
        return 0;
}

/* The duration settings and their ranges (seconds): the check and the refusal's "allowed"
 * use the same numbers, so a message never names a range the parser does not hold. */
static const struct duration_key {
        const char *name;   /* "section.key" */
        size_t offset;      /* of its int64_t in struct daemon_config */
        int64_t min, max;
        bool never;         /* "never" is also taken, stored as -1 */
} duration_keys[] = {
        { "agent.log_interval", offsetof(struct daemon_config, log_interval), 60, 7 * 86400, false },
        { "agent.max_interval", offsetof(struct daemon_config, max_interval), 60, 7 * 86400, false },
        { "agent.retry_min", offsetof(struct daemon_config, retry_min), 1, 86400, false },
        { "agent.retry_max", offsetof(struct daemon_config, retry_max), 1, 7 * 86400, false },
        { "lifecycle.lead", offsetof(struct daemon_config, lead), 0, GRANTS_LEAD_MAX, false },
        { "lifecycle.grace", offsetof(struct daemon_config, grace), 0, CONFIG_GRACE_MAX, false },
        { "lifecycle.drift_max", offsetof(struct daemon_config, drift_max), 1, 86400, true },
};

static const struct duration_key *duration_key(const char *section, const char *key)
{
        size_t n = strlen(section);

        for (size_t i = 0; i < ELEMENTSOF(duration_keys); i++)
                if (strncmp(duration_keys[i].name, section, n) == 0 && duration_keys[i].name[n] == '.' &&
                    streq(duration_keys[i].name + n + 1, key))
                        return &duration_keys[i];
        return NULL;
}

static int set_text_key(struct daemon_config *c, const char *section, const char *key, const char *value)
{
        if (streq(section, "agent") && streq(key, "state_dir"))
                return value[0] == '/' ? set_string(c->state_dir, sizeof(c->state_dir), value) : -EINVAL;
        if (streq(section, "agent") && streq(key, "adapter"))
                return set_string(c->adapter, sizeof(c->adapter), value);
        if (streq(section, "lifecycle") && streq(key, "zone")) {
                if (value[0] && tzdb_check(value) < 0)
                        return -EINVAL;
                return set_string(c->zone, sizeof(c->zone), value);
        }
        if (streq(section, "upstream")) {
                int r = sync_config_set(&c->sync, key, value);

                if (r >= 0 && streq(key, "url"))
                        c->upstream = value[0] != '\0';
                return r;
        }
        return -ENOENT;
}

/* Set one setting. -ENOENT for an unknown key; -EINVAL (or -ENAMETOOLONG, -EPROTONOSUPPORT for
 * a URL) for a value outside what config_allowed says. */
static int config_set(struct daemon_config *c, const char *section, const char *key, const char *value)
{
        const struct duration_key *d = duration_key(section, key);
        int64_t v;

        if (!d)
                return set_text_key(c, section, key, value);
        if (d->never && streq(value, "never"))
                v = -1;
        else if (duration_parse_sec_range(value, d->min, d->max, &v) < 0)
                return -EINVAL;
        *(int64_t *)((char *)c + d->offset) = v;
        return 0;
}

/* What section.key takes, as a phrase for a refusal ("a duration in whole seconds from 1m to
 * 7d"): the numbers config_set checks. -ENOENT for an unknown key. */
static int config_allowed(const char *section, const char *key, char *buf, size_t size)
{
        const struct duration_key *d = duration_key(section, key);
        char lo[24], hi[24];

        if (d) {
                duration_format_sec(d->min, lo, sizeof(lo));
                duration_format_sec(d->max, hi, sizeof(hi));
                snprintf(buf, size, "a duration in whole seconds from %s to %s%s", lo, hi, d->never ? ", or never" : "");
        } else if (streq(section, "agent") && streq(key, "state_dir"))
                snprintf(buf, size, "an absolute path");
        else if (streq(section, "agent") && streq(key, "adapter"))
                snprintf(buf, size, "an adapter name such as hci0, or its address");
        else if (streq(section, "lifecycle") && streq(key, "zone"))
                snprintf(buf, size, "an IANA time zone name the system's tz database has (Europe/Berlin), or empty");
        else if (streq(section, "upstream"))
                return sync_config_allowed(key, buf, size);
        else
                return -ENOENT;
        return 0;
}

const char *const config_keys[] = {
        "agent.state_dir", "agent.adapter", "agent.log_interval", "agent.max_interval", "agent.retry_min",
        "agent.retry_max", "lifecycle.lead", "lifecycle.grace", "lifecycle.drift_max", "lifecycle.zone", "upstream.url",
        "upstream.token_file", "upstream.ca_file", "upstream.client_cert_file", "upstream.client_key_file",
        "upstream.proxy", "upstream.connect_timeout", "upstream.timeout", "upstream.batch_size",
        "upstream.max_response_size", "upstream.backoff_min", "upstream.backoff_max", "upstream.pull_interval",
        NULL,
};

static bool known(const char *section, const char *key)
{
        size_t n = strlen(section);

        for (const char *const *k = config_keys; *k; k++)
                if (strncmp(*k, section, n) == 0 && (*k)[n] == '.' && streq(*k + n + 1, key))
                        return true;
        return false;
}

static bool known_section(const char *section)
{
        return streq(section, "agent") || streq(section, "lifecycle") || streq(section, "upstream");
}

/* The line section.key was set on in this file; 0 when it was not (a default, or a flag). */
static unsigned line_of(const struct parse_ctx *p, const char *name)
{
        for (size_t i = 0; i < p->n_seen; i++)
                if (streq(p->seen[i].key, name))
                        return p->seen[i].line;
        return 0;
}

/* Record section.key on this line; false if it was set before in this file. */
static bool first_time(struct parse_ctx *p, const char *section, const char *key)
{
        char k[sizeof(p->seen[0].key)];

        snprintf(k, sizeof(k), "%s.%s", section, key);
        if (line_of(p, k))
                return false;
        if (p->n_seen < CONFIG_KEYS_MAX) {
                memcpy(p->seen[p->n_seen].key, k, sizeof(k));
                p->seen[p->n_seen++].line = p->line;
        }
        return true;
}

/* inih handler: returns nonzero on success (inih's convention). */
static int on_entry(void *user, const char *section, const char *key, const char *value)
{
        struct parse_ctx *p = user;
        char allowed[160];
        int r;

        if (!known_section(section)) {
                fail_at(p, p->line, "'%s' is in the unknown section [%s] (sections: agent, lifecycle, upstream)", key,
                        section);
                return 0;
        }
        if (!known(section, key)) {
                fail_at(p, p->line, "unknown setting '%s' in [%s] (docs/config.md lists them)", key, section);
                return 0;
        }
        if (!first_time(p, section, key)) {
                fail_at(p, p->line, "'%s' in [%s] is set a second time: keep one", key, section);
                return 0;
        }
        r = config_set(p->c, section, key, value);
        if (r < 0) {
                if (config_allowed(section, key, allowed, sizeof(allowed)) < 0)
                        allowed[0] = '\0';
                fail_at(p, p->line, "invalid value for %s.%s: '%.64s%s' (allowed: %s; docs/config.md)", section, key,
                        value, strlen(value) > 64 ? "..." : "", allowed);
                return 0;
        }
        return 1;
}

/* A section header, seen by the reader: inih calls the handler only for keys, so an unknown
 * section with none would pass unnoticed, and it says nothing of a header it cannot read. */
static void check_header(struct parse_ctx *p)
{
        const char *s = p->text, *end = strchr(s, ']');
        char name[32];

        if (!end) {
                fail_at(p, p->line, "'%.40s' opens a section but has no closing ']'", s);
                return;
        }
        end++;
        end += strspn(end, " \t");
        if (*end && *end != '#' && *end != ';') {
                fail_at(p, p->line, "text after the section header: '%.40s' (a comment starts with # or ;)", end);
                return;
        }
        snprintf(name, sizeof(name), "%.*s", (int)(strchr(s, ']') - s - 1), s + 1);
        if (!known_section(name))
                fail_at(p, p->line, "unknown section [%s] (sections: agent, lifecycle, upstream)", name);
}

/* inih's reader (fgets' shape): counts the lines, so every error names its own, and looks at
 * what inih does not report: section headers, and lines too long for its buffer (the rest of
 * such a line is skipped here, or inih would take it for another line). */
static char *read_line(char *str, int num, void *stream)
{
        struct parse_ctx *p = stream;
        const char *s;
        size_t n;
        int ch;

        if (!fgets(str, num, p->f))
                return NULL;
        p->line++;
        n = strlen(str);
        if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(p->f)) {
                fail_at(p, p->line, "the line is longer than %d characters", num - 2);
                while ((ch = fgetc(p->f)) != EOF && ch != '\n')
                        ;
        }
        s = str + (p->line == 1 && strncmp(str, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0); /* a UTF-8 BOM */
        s += strspn(s, " \t");
        snprintf(p->text, sizeof(p->text), "%.*s", (int)strcspn(s, "\r\n"), s);
        for (char *t = p->text; *t; t++)
                if ((unsigned char)*t < 0x20 ? *t != '\t' : *t == 0x7f) {
                        fail_at(p, p->line, "the line holds a control character (byte 0x%02x)", (unsigned char)*t);
                        *t = '?'; /* never quoted raw */
                }
        if (p->text[0] == '[')
                check_header(p);
        return str;
}

/* Others must not be able to change what the daemon does: refuse a file that a group or
 * everyone can write, or that belongs to someone other than root or us. */
static int check_owner(int fd, const char *path, char *errbuf, size_t errsize)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode)) {
                snprintf(errbuf, errsize, "%s: not a regular file", path);
                return -EINVAL;
        }
        if (st.st_uid != 0 && st.st_uid != geteuid()) {
                snprintf(errbuf, errsize, "%s: owned by uid %u, not root: run 'chown root: %s'", path,
                         (unsigned)st.st_uid, path);
                return -EPERM;
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                snprintf(errbuf, errsize, "%s: writable by %s (mode %04o): run 'chmod go-w %s'", path,
                         (st.st_mode & S_IWOTH) ? "everyone" : "its group", (unsigned)(st.st_mode & 07777), path);
                return -EPERM;
        }
        return 0;
}

/* Relative file names in [upstream] are next to the configuration file (/etc/latchkey/...).
 * Under systemd a relative token_file is a credential name instead: the unit loads
 * upstream-token from /etc/latchkey/upstream-token into $CREDENTIALS_DIRECTORY, the same file. */
static int resolve_one(const char *config, char *file, size_t size)
{
        const char *slash = strrchr(config, '/');
        char buf[SYNC_PATH_MAX + 1];
        int n;

        if (!file[0] || file[0] == '/')
                return 0;
        if (!slash)
                return 0; /* a config in the working directory: so are its files */
        n = snprintf(buf, sizeof(buf), "%.*s/%s", (int)(slash - config), config, file);
        if (n < 0 || (size_t)n >= sizeof(buf) || (size_t)n >= size)
                return -ENAMETOOLONG;
        memcpy(file, buf, (size_t)n + 1);
        return 0;
}

static int resolve_relative(const char *config, struct parse_ctx *p)
{
        struct sync_config *s = &p->c->sync;
        const char *creds = getenv("CREDENTIALS_DIRECTORY");
        const struct {
                const char *key;
                char *file;
                size_t size;
        } files[] = {
                { "token_file", s->token_file, sizeof(s->token_file) },
                { "ca_file", s->ca_file, sizeof(s->ca_file) },
                { "client_cert_file", s->client_cert_file, sizeof(s->client_cert_file) },
                { "client_key_file", s->client_key_file, sizeof(s->client_key_file) },
        };
        char name[48];

        for (size_t i = (creds && *creds) ? 1 : 0; i < ELEMENTSOF(files); i++) {
                snprintf(name, sizeof(name), "upstream.%s", files[i].key);
                if (resolve_one(config, files[i].file, files[i].size) < 0) {
                        fail_at(p, line_of(p, name), "%s: next to this file, the name makes a path longer than %d bytes",
                                name, SYNC_PATH_MAX);
                        return -ENAMETOOLONG;
                }
        }
        return 0;
}

/* "the default" or "line N": where the other side of a clash between two settings comes from. */
static const char *where(const struct parse_ctx *p, const char *name, char *buf, size_t size)
{
        unsigned line = line_of(p, name);

        if (!line)
                return "the default";
        snprintf(buf, size, "line %u", line);
        return buf;
}

/* A pair of durations that must be in order: min <= max. */
static int check_order(struct parse_ctx *p, const char *min_name, int64_t min, const char *max_name, int64_t max)
{
        char a[24], b[24], w[24];
        unsigned lmin = line_of(p, min_name), lmax = line_of(p, max_name);

        if (min <= max)
                return 0;
        duration_format_sec(min, a, sizeof(a));
        duration_format_sec(max, b, sizeof(b));
        fail_at(p, lmin > lmax ? lmin : lmax, "%s = %s is longer than %s = %s (%s): keep %s at most %s", min_name, a,
                max_name, b, where(p, lmin > lmax ? max_name : min_name, w, sizeof(w)), min_name, max_name);
        return -EINVAL;
}

/* What no single line shows: settings that must agree with each other. Each refusal names the
 * line of the setting that made it (the later one of a pair). */
static int check_across(struct parse_ctx *p)
{
        const struct daemon_config *c = p->c;
        const struct sync_config *s = &c->sync;
        unsigned cert = line_of(p, "upstream.client_cert_file"), key = line_of(p, "upstream.client_key_file");

        if (check_order(p, "agent.retry_min", c->retry_min, "agent.retry_max", c->retry_max) < 0)
                return -EINVAL;
        if (!c->upstream)
                return 0;
        if (check_order(p, "upstream.backoff_min", s->backoff_min_sec, "upstream.backoff_max", s->backoff_max_sec) < 0)
                return -EINVAL;
        if (!s->client_cert_file[0] != !s->client_key_file[0]) {
                fail_at(p, cert ? cert : key, "%s is set without %s: a client certificate needs its key",
                        cert ? "upstream.client_cert_file" : "upstream.client_key_file",
                        cert ? "upstream.client_key_file" : "upstream.client_cert_file");
                return -EINVAL;
        }
        if (!s->token_file[0] && !s->client_cert_file[0]) {
                fail_at(p, line_of(p, "upstream.url"),
                        "upstream.url is set, but neither upstream.token_file nor upstream.client_cert_file (with "
                        "client_key_file): the upstream must know who we are");
                return -EINVAL;
        }
        if (sync_config_check(s) < 0) { /* a net under the checks above: nothing should reach it */
                fail_at(p, line_of(p, "upstream.url"), "the [upstream] section is invalid (docs/config.md)");
                return -EINVAL;
        }
        return 0;
}

int config_load(const char *path, struct daemon_config *c, char *errbuf, size_t errsize)
{
        struct parse_ctx p = { .c = c };
        int fd, r;

        errbuf[0] = '\0';
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                snprintf(errbuf, errsize, "%s: %s", path, strerror(-r));
                return r;
        }
        r = check_owner(fd, path, errbuf, errsize);
        if (r < 0) {
                if (!errbuf[0])
                        snprintf(errbuf, errsize, "%s: %s", path, strerror(-r));
                close(fd);
                return r;
        }
        p.f = fdopen(fd, "re");
        if (!p.f) {
                r = -errno;
                close(fd);
                snprintf(errbuf, errsize, "%s: %s", path, strerror(-r));
                return r;
        }
        /* docs/config.md "The file": '#' or ';' after a space begins a comment, on any line; an
         * indented line is a line like any other (no continuation lines); the first error stops.
         * Debian's inih takes these at run time. */
        ini_inline_comment_prefixes = (char *)";#";
        ini_allow_multiline = false;
        ini_stop_on_first_error = true;
        r = ini_parse_stream(read_line, &p, on_entry, &p);
        fclose(p.f);
        if (r < 0) {
                snprintf(errbuf, errsize, "%s: %s", path, r == -2 ? "out of memory" : "cannot read it");
                return r == -2 ? -ENOMEM : -EIO;
        }
        /* inih stops at a line it cannot parse that no check above caught: it is the last read. */
        if (r > 0)
                fail_at(&p, (unsigned)r, "'%.60s' is neither a [section], 'key = value' nor a comment", p.text);
        if (!p.err[0] && resolve_relative(path, &p) >= 0)
                (void)check_across(&p);
        if (p.err[0]) {
                if (p.err_line)
                        snprintf(errbuf, errsize, "%s:%u: %s", path, p.err_line, p.err);
                else
                        snprintf(errbuf, errsize, "%s: %s", path, p.err);
                return -EINVAL;
        }
        return 0;
}

int config_load_default(const char *path, struct daemon_config *c, char *errbuf, size_t errsize)
{
        int r;

        config_defaults(c);
        r = config_load(path ? path : CONFIG_DEFAULT_PATH, c, errbuf, errsize);
        if (r == -ENOENT && !path) {
                config_defaults(c);
                errbuf[0] = '\0';
                return 0;
        }
        return r;
}
