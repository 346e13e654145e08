/* SPDX-License-Identifier: MIT */
/*
 * The [upstream] settings (sync.h): defaults, one key at a time as the daemon's INI file and
 * `latchkey sync`'s flags give them, what each key allows, and the whole-config check.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "duration.h"
#include "sync.h"
#include "util.h"

void sync_config_defaults(struct sync_config *c)
{
        *c = (struct sync_config){
                .connect_timeout_ms = 10 * 1000,
                .timeout_ms = 30 * 1000,
                .batch_size = 100,
                .max_response_bytes = HTTP_BODY_MAX_DEFAULT,
                .backoff_min_sec = 5,
                .backoff_max_sec = 900,
                .pull_interval_sec = 300,
        };
}

static int parse_size(const char *v, uint64_t *ret)
{
        char num[24];
        size_t n = strspn(v, "0123456789");
        uint64_t x, mul;

        if (n == 0 || n >= sizeof(num))
                return -EINVAL;
        memcpy(num, v, n);
        num[n] = '\0';
        if (streq(v + n, ""))
                mul = 1;
        else if (strcasecmp(v + n, "k") == 0)
                mul = 1024;
        else if (strcasecmp(v + n, "m") == 0)
                mul = 1024 * 1024;
        else
                return -EINVAL;
        if (parse_u64(num, 0, UINT32_MAX, &x) < 0)
                return -EINVAL;
        *ret = x * mul;
        return 0;
}

static int set_string(char *dst, size_t size, const char *v)
{
        if (strlen(v) >= size)
                return -EINVAL;
        memcpy(dst, v, strlen(v) + 1);
        return 0;
}

/* The numeric settings and their ranges: sync_config_set checks with these numbers and
 * sync_config_allowed says them, so a refusal always names exactly what is allowed. */
enum sync_unit {
        SYNC_UNIT_MS,    /* a duration, kept in milliseconds */
        SYNC_UNIT_SEC,   /* a duration in whole seconds */
        SYNC_UNIT_COUNT, /* a plain number */
        SYNC_UNIT_BYTES, /* a size: 4096, 64k, 4M */
};

static const struct sync_limit {
        const char *key;
        enum sync_unit unit;
        uint64_t min, max; /* in the unit */
} sync_limits[] = {
        { "connect_timeout", SYNC_UNIT_MS, 100, 600 * 1000 },
        { "timeout", SYNC_UNIT_MS, 100, 600 * 1000 },
        { "batch_size", SYNC_UNIT_COUNT, 1, SYNC_BATCH_MAX },
        { "max_response_size", SYNC_UNIT_BYTES, 1024, HTTP_BODY_MAX_LIMIT },
        { "backoff_min", SYNC_UNIT_SEC, 1, 7 * 86400 },
        { "backoff_max", SYNC_UNIT_SEC, 1, 7 * 86400 },
        { "pull_interval", SYNC_UNIT_SEC, 1, 7 * 86400 },
};

static const struct sync_limit *sync_limit(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(sync_limits); i++)
                if (streq(sync_limits[i].key, key))
                        return &sync_limits[i];
        return NULL;
}

static int parse_limited(const struct sync_limit *l, const char *value, uint64_t *ret)
{
        uint64_t v = 0;
        int r = -EINVAL;

        switch (l->unit) {
        case SYNC_UNIT_MS:
                r = duration_parse_ms(value, &v);
                break;
        case SYNC_UNIT_SEC:
                r = duration_parse_ms(value, &v);
                if (r >= 0 && v % 1000)
                        r = -EINVAL; /* never rounded */
                v /= 1000;
                break;
        case SYNC_UNIT_COUNT:
                r = parse_u64(value, 0, UINT64_MAX, &v);
                break;
        case SYNC_UNIT_BYTES:
                r = parse_size(value, &v);
                break;
        }
        if (r < 0 || v < l->min || v > l->max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static void set_limited(struct sync_config *c, const char *key, uint64_t v)
{
        if (streq(key, "connect_timeout"))
                c->connect_timeout_ms = v;
        else if (streq(key, "timeout"))
                c->timeout_ms = v;
        else if (streq(key, "batch_size"))
                c->batch_size = (unsigned)v;
        else if (streq(key, "max_response_size"))
                c->max_response_bytes = (size_t)v;
        else if (streq(key, "backoff_min"))
                c->backoff_min_sec = (unsigned)v;
        else if (streq(key, "backoff_max"))
                c->backoff_max_sec = (unsigned)v;
        else if (streq(key, "pull_interval"))
                c->pull_interval_sec = (unsigned)v;
}

int sync_config_set(struct sync_config *c, const char *key, const char *value)
{
        const struct sync_limit *l = sync_limit(key);
        uint64_t v;
        int r;

        if (l) {
                r = parse_limited(l, value, &v);
                if (r < 0)
                        return r;
                set_limited(c, key, v);
                return 0;
        }
        if (streq(key, "url")) {
                r = http_url_check(value);
                if (r < 0)
                        return r;
                return set_string(c->url, sizeof(c->url), value);
        }
        if (streq(key, "token_file"))
                return set_string(c->token_file, sizeof(c->token_file), value);
        if (streq(key, "ca_file"))
                return set_string(c->ca_file, sizeof(c->ca_file), value);
        if (streq(key, "client_cert_file"))
                return set_string(c->client_cert_file, sizeof(c->client_cert_file), value);
        if (streq(key, "client_key_file"))
                return set_string(c->client_key_file, sizeof(c->client_key_file), value);
        if (streq(key, "proxy"))
                return set_string(c->proxy, sizeof(c->proxy), value);
        return -ENOENT;
}

static void format_size(uint64_t v, char *buf, size_t size)
{
        if (v && v % (1024 * 1024) == 0)
                snprintf(buf, size, "%" PRIu64 "M", v / (1024 * 1024));
        else if (v && v % 1024 == 0)
                snprintf(buf, size, "%" PRIu64 "k", v / 1024);
        else
                snprintf(buf, size, "%" PRIu64, v);
}

int sync_config_allowed(const char *key, char *buf, size_t size)
{
        const struct sync_limit *l = sync_limit(key);
        char lo[24], hi[24];

        if (!l) {
                if (streq(key, "url"))
                        snprintf(buf, size, "an https:// URL, without user:password@ or #fragment");
                else if (streq(key, "proxy"))
                        snprintf(buf, size, "a proxy URL, or empty for none");
                else if (streq(key, "token_file") || streq(key, "ca_file") || streq(key, "client_cert_file") ||
                         streq(key, "client_key_file"))
                        snprintf(buf, size, "a file name of at most %d bytes", SYNC_PATH_MAX);
                else
                        return -ENOENT;
                return 0;
        }
        switch (l->unit) {
        case SYNC_UNIT_MS:
        case SYNC_UNIT_SEC:
                duration_format_ms(l->unit == SYNC_UNIT_SEC ? l->min * 1000 : l->min, lo, sizeof(lo));
                duration_format_ms(l->unit == SYNC_UNIT_SEC ? l->max * 1000 : l->max, hi, sizeof(hi));
                snprintf(buf, size, "a duration%s from %s to %s", l->unit == SYNC_UNIT_SEC ? " in whole seconds" : "",
                         lo, hi);
                break;
        case SYNC_UNIT_COUNT:
                snprintf(buf, size, "a number from %" PRIu64 " to %" PRIu64, l->min, l->max);
                break;
        case SYNC_UNIT_BYTES:
                format_size(l->min, lo, sizeof(lo));
                format_size(l->max, hi, sizeof(hi));
                snprintf(buf, size, "a size from %s to %s", lo, hi);
                break;
        }
        return 0;
}

int sync_config_check(const struct sync_config *c)
{
        int r;

        r = http_url_check(c->url);
        if (r < 0)
                return r;
        if (!c->client_cert_file[0] != !c->client_key_file[0])
                return -EINVAL;
        if (!c->token_file[0] && !c->client_cert_file[0])
                return -ENOKEY; /* the upstream must know who we are */
        if (c->batch_size < 1 || c->batch_size > SYNC_BATCH_MAX || c->connect_timeout_ms == 0 ||
            c->timeout_ms == 0 || c->max_response_bytes < 1024 || c->max_response_bytes > HTTP_BODY_MAX_LIMIT ||
            c->backoff_min_sec == 0 || c->backoff_max_sec < c->backoff_min_sec || c->pull_interval_sec == 0)
                return -EINVAL;
        return 0;
}

