/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim: the state file and the PIN file.
 *
 * The engine's image holds shared keys and the PIN (lock.h), so the file is 0600 in a
 * directory nobody else can write to. It is replaced atomically — FILE.tmp written and
 * fsync'd, renamed over FILE, the directory fsync'd — so a kill -9 at any instant leaves
 * either the old image or the new one, and a stale FILE.tmp is never read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "prog.h"

/* The directory part of path ("." for a bare name), into buf. */
static int dir_of(const char *path, char *buf, size_t size)
{
        const char *slash = strrchr(path, '/');
        size_t n;

        if (!slash) {
                if (size < 2)
                        return -ENAMETOOLONG;
                memcpy(buf, ".", 2);
                return 0;
        }
        n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(buf, path, n);
        buf[n] = '\0';
        return 0;
}

int prog_state_dir_check(const char *path)
{
        char dir[PATH_MAX];
        struct stat st;
        int r;

        r = dir_of(path, dir, sizeof(dir));
        if (r < 0)
                return r;
        if (stat(dir, &st) < 0) {
                if (errno != ENOENT)
                        return -errno;
                /* Only the last component: a missing parent is a typo worth reporting. */
                if (mkdir(dir, 0700) < 0)
                        return -errno;
                if (stat(dir, &st) < 0)
                        return -errno;
        }
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (st.st_mode & (S_IWGRP | S_IWOTH))
                return -EPERM;
        return 0;
}

int prog_state_read(const char *path, uint8_t **ret_buf, size_t *ret_len)
{
        struct stat st;
        uint8_t *buf;
        size_t len = 0;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto fail_fd;
        }
        if (!S_ISREG(st.st_mode)) {
                r = -EINVAL;
                goto fail_fd;
        }
        if (st.st_mode & (S_IRWXG | S_IRWXO)) {
                r = -EPERM; /* it holds keys: others must not read it */
                goto fail_fd;
        }
        /* lock.h: the engine refuses larger images; refuse before allocating. */
        if (st.st_size < 0 || (unsigned long long)st.st_size > SIM_IMAGE_MAX) {
                r = -EMSGSIZE;
                goto fail_fd;
        }
        buf = malloc((size_t)st.st_size + 1);
        if (!buf) {
                r = -ENOMEM;
                goto fail_fd;
        }
        for (;;) {
                ssize_t k = read(fd, buf + len, (size_t)st.st_size + 1 - len);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        sim_image_free(buf, (size_t)st.st_size + 1);
                        goto fail_fd;
                }
                if (k == 0)
                        break;
                len += (size_t)k;
                if (len > (size_t)st.st_size) {
                        /* Grew while we read: nobody else should write it. */
                        sim_image_free(buf, (size_t)st.st_size + 1);
                        r = -EBUSY;
                        goto fail_fd;
                }
        }
        close(fd);
        *ret_buf = buf;
        *ret_len = len;
        return 0;

fail_fd:
        close(fd);
        return r;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

int prog_state_write(const char *path, const uint8_t *buf, size_t len)
{
        char tmp[PATH_MAX], dir[PATH_MAX];
        int fd, dfd, r;

        if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
                return -ENAMETOOLONG;
        r = dir_of(path, dir, sizeof(dir));
        if (r < 0)
                return r;

        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        /* A stale tmp from an earlier crash may have another mode; make it ours. */
        if (fchmod(fd, 0600) < 0 || write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
                r = -errno;
                close(fd);
                (void) unlink(tmp);
                return r ?: -EIO;
        }
        if (close(fd) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        /* The rename is durable only once the directory is. */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        r = fsync(dfd) < 0 ? -errno : 0;
        close(dfd);
        return r;
}

int prog_pin_read(const char *path, enum lk_generation gen, struct lk_pin *ret)
{
        char buf[32];
        struct stat st;
        unsigned long long v;
        ssize_t n;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                r = errno ? -errno : -EINVAL;
                close(fd);
                return r;
        }
        /* STYLE.md §5: secrets come from files only the owner can read. */
        if (st.st_mode & (S_IRWXG | S_IRWXO)) {
                close(fd);
                return -EPERM;
        }
        n = read(fd, buf, sizeof(buf) - 1);
        r = n < 0 ? -errno : 0;
        close(fd);
        if (n < 0)
                return r;
        buf[(size_t)n] = '\0';
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                buf[--n] = '\0';
        /* spec §0: 2-byte PIN 0..9999 (SL1–4), 4-byte PIN 0..999999 (Ultra). */
        r = prog_parse_uint(buf, lk_generation_is_ultra(gen) ? 999999 : 9999, &v);
        sodium_memzero(buf, sizeof(buf));
        if (r < 0)
                return r;
        *ret = (struct lk_pin){ .value = (uint32_t)v, .size = (uint8_t)lk_generation_pin_size(gen) };
        return 0;
}
