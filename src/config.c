/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "util.h"

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
        char *err; /* the reason; config_load puts "FILE:LINE: " in front */
        size_t errsize;
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
        int64_t d;

        if (grants_parse_duration(v, &d) < 0 || d < min || d > max)
                return -EINVAL;
        *dst = d;
        return 0;
}

/* inih handler: returns nonzero on success (inih's convention). */
static int on_entry(void *user, const char *section, const char *key, const char *value)
{
        struct parse_ctx *p = user;
        struct daemon_config *c = p->c;
        int r = -ENOENT;

        if (streq(section, "agent")) {
                if (streq(key, "state_dir"))
                        r = value[0] == '/' ? set_string(c->state_dir, sizeof(c->state_dir), value) : -EINVAL;
                else if (streq(key, "adapter"))
                        r = set_string(c->adapter, sizeof(c->adapter), value);
                else if (streq(key, "log_interval"))
                        r = set_duration(&c->log_interval, value, 60, 7 * 86400);
                else if (streq(key, "max_interval"))
                        r = set_duration(&c->max_interval, value, 60, 7 * 86400);
                else if (streq(key, "retry_min"))
                        r = set_duration(&c->retry_min, value, 1, 86400);
                else if (streq(key, "retry_max"))
                        r = set_duration(&c->retry_max, value, 1, 7 * 86400);
        } else if (streq(section, "lifecycle")) {
                if (streq(key, "lead"))
                        r = set_duration(&c->lead, value, 0, GRANTS_LEAD_MAX);
                else if (streq(key, "grace"))
                        r = set_duration(&c->grace, value, 0, 30 * 86400);
                else if (streq(key, "drift_max"))
                        r = streq(value, "never") ? (c->drift_max = -1, 0) : set_duration(&c->drift_max, value, 1, 86400);
        } else if (streq(section, "upstream")) {
                r = sync_config_set(&c->sync, key, value);
                if (r >= 0 && streq(key, "url"))
                        c->upstream = value[0] != '\0';
        } else {
                snprintf(p->err, p->errsize, "unknown section [%s]", section);
                return 0;
        }
        if (r == -ENOENT)
                snprintf(p->err, p->errsize, "unknown setting '%s' in [%s]", key, section);
        else if (r < 0)
                snprintf(p->err, p->errsize, "invalid value for %s.%s: '%s'", section, key, value);
        return r >= 0;
}

int config_load(const char *path, struct daemon_config *c, char *errbuf, size_t errsize)
{
        char reason[256] = "";
        struct parse_ctx p = { .c = c, .err = reason, .errsize = sizeof(reason) };
        FILE *f;
        int r;

        errbuf[0] = '\0';
        f = fopen(path, "re");
        if (!f) {
                r = -errno;
                snprintf(errbuf, errsize, "%s: %s", path, strerror(errno));
                return r;
        }
        r = ini_parse_file(f, on_entry, &p);
        fclose(f);
        /* inih returns the first line it could not take (or -1/-2 for I/O and memory). */
        if (r != 0) {
                snprintf(errbuf, errsize, "%s:%d: %s", path, r, reason[0] ? reason : "cannot parse this line");
                return -EINVAL;
        }
        if (c->retry_min > c->retry_max) {
                snprintf(errbuf, errsize, "%s: agent.retry_min is longer than agent.retry_max", path);
                return -EINVAL;
        }
        if (c->upstream && sync_config_check(&c->sync) < 0) {
                snprintf(errbuf, errsize, "%s: the [upstream] section is incomplete or invalid (see docs/config.md)", path);
                return -EINVAL;
        }
        return 0;
}
