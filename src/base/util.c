/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (!s || !*s || strlen(s) > 20)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t)(*p - '0');
        }
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_pin(const char *s, struct lk_pin *ret)
{
        size_t n = strlen(s);
        uint64_t v;

        if (n != 4 && n != 6)
                return -EINVAL;
        if (parse_u64(s, 0, n == 4 ? 9999 : 999999, &v) < 0)
                return -EINVAL;
        *ret = (struct lk_pin){ .value = (uint32_t)v, .size = n == 4 ? 2 : 4 };
        return 0;
}

int read_secret(const char *path, char *buf, size_t size)
{
        struct stat st;
        size_t n = 0;
        int fd, r = 0;

        if (size < 2)
                return -ENOBUFS;
        if (streq(path, "-"))
                fd = dup(STDIN_FILENO);
        else
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        if (S_ISREG(st.st_mode) && (st.st_mode & 077)) {
                r = -EPERM; /* a secret file others can read is refused, as wireguard-tools does */
                goto out;
        }
        while (n < size - 1) {
                ssize_t k = read(fd, buf + n, size - 1 - n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto out;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        if (n == size - 1) {
                char extra;

                if (read(fd, &extra, 1) > 0) {
                        r = -EMSGSIZE;
                        goto out;
                }
        }
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                n--;
        buf[n] = '\0';
out:
        close(fd);
        if (r < 0)
                sodium_memzero(buf, size);
        return r;
}

