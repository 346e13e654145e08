/* SPDX-License-Identifier: MIT */
#include <errno.h>
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
        struct daemon_config *c;
        char *err; /* the first reason; config_load puts "FILE:LINE: " in front */
        size_t errsize;
        char seen[CONFIG_KEYS_MAX][48]; /* "section.key" already set: a second one is refused */
        size_t n_seen;
};

static int set_string(char *dst, size_t size, const char *v)
{
        if (strlen(v) >= size)
                return -ENAMETOOLONG;
        memcpy(dst, v, strlen(v) + 1);
        return 0;
}

static int set_duration(int64_t *dst, const char *v, int64_t min, int64_t max)
{
        return duration_parse_sec_range(v, min, max, dst) < 0 ? -EINVAL : 0;
}

static int set_agent(struct daemon_config *c, const char *key, const char *value)
{
        if (streq(key, "state_dir"))
                return value[0] == '/' ? set_string(c->state_dir, sizeof(c->state_dir), value) : -EINVAL;
        if (streq(key, "adapter"))
                return set_string(c->adapter, sizeof(c->adapter), value);
        if (streq(key, "log_interval"))
                return set_duration(&c->log_interval, value, 60, 7 * 86400);
        if (streq(key, "max_interval"))
                return set_duration(&c->max_interval, value, 60, 7 * 86400);
        if (streq(key, "retry_min"))
                return set_duration(&c->retry_min, value, 1, 86400);
        if (streq(key, "retry_max"))
                return set_duration(&c->retry_max, value, 1, 7 * 86400);
        return -ENOENT;
}

static int set_lifecycle(struct daemon_config *c, const char *key, const char *value)
{
        if (streq(key, "lead"))
                return set_duration(&c->lead, value, 0, GRANTS_LEAD_MAX);
        if (streq(key, "grace"))
                return set_duration(&c->grace, value, 0, 30 * 86400);
        if (streq(key, "drift_max")) {
                if (!streq(value, "never"))
                        return set_duration(&c->drift_max, value, 1, 86400);
                c->drift_max = -1;
                return 0;
        }
        if (streq(key, "zone")) {
                if (value[0] && tzdb_check(value) < 0)
                        return -EINVAL;
                return set_string(c->zone, sizeof(c->zone), value);
        }
        return -ENOENT;
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

/* Record section.key; false if it was set before in this file. */
static bool first_time(struct parse_ctx *p, const char *section, const char *key)
{
        char k[sizeof(p->seen[0])];

        snprintf(k, sizeof(k), "%s.%s", section, key);
        for (size_t i = 0; i < p->n_seen; i++)
                if (streq(p->seen[i], k))
                        return false;
        if (p->n_seen < CONFIG_KEYS_MAX)
                memcpy(p->seen[p->n_seen++], k, sizeof(k));
        return true;
}

/* inih handler: returns nonzero on success (inih's convention). inih goes on after an error
 * and reports the first failing line, so only the first reason is kept. */
static int on_entry(void *user, const char *section, const char *key, const char *value)
{
        struct parse_ctx *p = user;
        struct daemon_config *c = p->c;
        char reason[256];
        int r;

        if (!known(section, key) && (streq(section, "agent") || streq(section, "lifecycle") || streq(section, "upstream")))
                r = -ENOENT;
        else if (streq(section, "agent"))
                r = set_agent(c, key, value);
        else if (streq(section, "lifecycle"))
                r = set_lifecycle(c, key, value);
        else if (streq(section, "upstream")) {
                r = sync_config_set(&c->sync, key, value);
                if (r >= 0 && streq(key, "url"))
                        c->upstream = value[0] != '\0';
        } else {
                snprintf(reason, sizeof(reason), "unknown section [%s] (sections: agent, lifecycle, upstream)", section);
                r = -EBADR;
        }
        if (r >= 0 && !first_time(p, section, key)) {
                snprintf(reason, sizeof(reason), "'%s' in [%s] is set a second time: keep one", key, section);
                r = -EEXIST;
        } else if (r == -ENOENT)
                snprintf(reason, sizeof(reason), "unknown setting '%s' in [%s] (docs/config.md lists them)", key, section);
        else if (r < 0 && r != -EBADR)
                snprintf(reason, sizeof(reason), "invalid value for %s.%s: '%s' (docs/config.md)", section, key, value);
        if (r < 0 && p->err[0] == '\0')
                snprintf(p->err, p->errsize, "%s", reason);
        return r >= 0;
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

static int resolve_relative(const char *config, struct daemon_config *c)
{
        const char *creds = getenv("CREDENTIALS_DIRECTORY");
        int r = 0;

        if (!creds || !*creds)
                r = resolve_one(config, c->sync.token_file, sizeof(c->sync.token_file));
        if (r >= 0)
                r = resolve_one(config, c->sync.ca_file, sizeof(c->sync.ca_file));
        if (r >= 0)
                r = resolve_one(config, c->sync.client_cert_file, sizeof(c->sync.client_cert_file));
        if (r >= 0)
                r = resolve_one(config, c->sync.client_key_file, sizeof(c->sync.client_key_file));
        return r;
}

int config_load(const char *path, struct daemon_config *c, char *errbuf, size_t errsize)
{
        char reason[256] = "";
        struct parse_ctx p = { .c = c, .err = reason, .errsize = sizeof(reason) };
        FILE *f;
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
        f = fdopen(fd, "re");
        if (!f) {
                r = -errno;
                close(fd);
                snprintf(errbuf, errsize, "%s: %s", path, strerror(-r));
                return r;
        }
        r = ini_parse_file(f, on_entry, &p);
        fclose(f);
        /* inih returns the first line it could not take (or -1/-2 for I/O and memory). */
        if (r != 0) {
                snprintf(errbuf, errsize, "%s:%d: %s", path, r, reason[0] ? reason : "cannot parse this line");
                return -EINVAL;
        }
        r = resolve_relative(path, c);
        if (r < 0) {
                snprintf(errbuf, errsize, "%s: a file named in [upstream] has too long a path", path);
                return r;
        }
        if (c->retry_min > c->retry_max) {
                snprintf(errbuf, errsize, "%s: agent.retry_min is longer than agent.retry_max", path);
                return -EINVAL;
        }
        if (c->upstream && sync_config_check(&c->sync) < 0) {
                snprintf(errbuf, errsize,
                         "%s: the [upstream] section is incomplete or invalid: it needs a token_file (or client_cert_file "
                         "with client_key_file) and limits in range (docs/config.md)",
                         path);
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
