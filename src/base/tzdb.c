/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tzdb.h"

static bool name_char_ok(char ch)
{
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
               ch == '/' || ch == '_' || ch == '+' || ch == '-' || ch == '.';
}

static bool name_is_valid(const char *zone)
{
        static const char *const not_zones[] = { "localtime", "posixrules", "Factory" };
        size_t n = strnlen(zone, TZDB_NAME_MAX + 1);

        if (n == 0 || n > TZDB_NAME_MAX || zone[0] == '/' || zone[n - 1] == '/' ||
            strstr(zone, "//") || strncmp(zone, "posix/", 6) == 0 || strncmp(zone, "right/", 6) == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!name_char_ok(zone[i]))
                        return false;
        /* No "." or ".." part: the name must stay inside the database. */
        for (const char *p = zone;;) {
                const char *slash = strchr(p, '/');
                size_t len = slash ? (size_t)(slash - p) : strlen(p);

                if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (!slash)
                        break;
                p = slash + 1;
        }
        for (size_t i = 0; i < sizeof(not_zones) / sizeof(not_zones[0]); i++)
                if (strcmp(zone, not_zones[i]) == 0)
                        return false;
        return true;
}

int tzdb_check(const char *zone)
{
        const char *dir = getenv("TZDIR");
        char path[4096 + TZDB_NAME_MAX + 2], magic[4];
        ssize_t k;
        int fd;

        if (!zone || !name_is_valid(zone))
                return -EINVAL;
        if (!dir || !dir[0])
                dir = "/usr/share/zoneinfo";
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, zone) >= sizeof(path))
                return -ENOENT;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -ENOENT;
        k = read(fd, magic, sizeof(magic));
        close(fd);
        /* RFC 8536: every TZif file starts with "TZif" (a directory reads as an error). */
        return k == (ssize_t)sizeof(magic) && memcmp(magic, "TZif", 4) == 0 ? 0 : -ENOENT;
}

int tzdb_offsets(const char *zone, const int64_t *t, size_t n, int *ret_minutes)
{
        char tz[TZDB_NAME_MAX + 2], *saved = NULL;
        const char *old = getenv("TZ");
        int *out, r;

        r = tzdb_check(zone);
        if (r < 0)
                return r;
        out = calloc(n ? n : 1, sizeof(*out));
        if (!out)
                return -ENOMEM;
        if (old && !(saved = strdup(old))) {
                free(out);
                return -ENOMEM;
        }
        /* ":NAME" makes glibc read the database file and never parse NAME as a POSIX rule. */
        snprintf(tz, sizeof(tz), ":%s", zone);
        if (setenv("TZ", tz, 1) < 0) {
                r = -errno;
                goto out;
        }
        tzset();
        for (size_t i = 0; i < n; i++) {
                time_t tt = (time_t)t[i];
                struct tm tm;

                if ((int64_t)tt != t[i] || !localtime_r(&tt, &tm)) {
                        r = -EOVERFLOW;
                        break;
                }
                out[i] = (int)(tm.tm_gmtoff / 60);
        }
out:
        if (saved)
                (void)setenv("TZ", saved, 1);
        else
                (void)unsetenv("TZ");
        tzset();
        if (r >= 0)
                memcpy(ret_minutes, out, n * sizeof(*out));
        free(saved);
        free(out);
        return r;
}

int tzdb_offset(const char *zone, int64_t t, int *ret_minutes)
{
        return tzdb_offsets(zone, &t, 1, ret_minutes);
}
