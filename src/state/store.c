/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

#define LOCKS_DIR "locks"
#define CREDS_FILE_MAX 4096

struct store {
        int dirfd;
        int locksfd;
        char *path;
};

int store_default_dir(char *buf, size_t size)
{
        const char *e = getenv("LATCHKEY_STATE_DIR"), *home;
        int n;

        if (e && *e)
                n = snprintf(buf, size, "%s", e);
        else if (geteuid() == 0)
                n = snprintf(buf, size, "/var/lib/latchkey");
        else if ((e = getenv("XDG_STATE_HOME")) && *e == '/')
                n = snprintf(buf, size, "%s/latchkey", e);
        else {
                home = getenv("HOME");
                if (!home || *home != '/') {
                        struct passwd *pw = getpwuid(geteuid());

                        if (!pw)
                                return -ENOENT;
                        home = pw->pw_dir;
                }
                n = snprintf(buf, size, "%s/.local/state/latchkey", home);
        }
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* mkdir -p with 0700 for the last component (parents get 0755 as XDG does). */
static int mkdir_parents(const char *path)
{
        char tmp[PATH_MAX];
        size_t n = strlen(path);

        if (n == 0 || n >= sizeof(tmp))
                return -ENAMETOOLONG;
        memcpy(tmp, path, n + 1);
        for (char *p = tmp + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int check_private_dir(int fd, const char *what)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (st.st_uid != geteuid())
                return -EPERM;
        if ((st.st_mode & 077) && fchmod(fd, 0700) < 0)
                return -errno;
        return 0;
}

int store_open(const char *dir, struct store **ret)
{
        struct store *s;
        int r;

        r = mkdir_parents(dir);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->dirfd = s->locksfd = -1;
        s->path = strdup(dir);
        if (!s->path) {
                r = -ENOMEM;
                goto fail;
        }
        s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (s->dirfd < 0) {
                r = -errno;
                goto fail;
        }
        r = check_private_dir(s->dirfd, "state directory");
        if (r < 0)
                goto fail;
        if (mkdirat(s->dirfd, LOCKS_DIR, 0700) < 0 && errno != EEXIST) {
                r = -errno;
                goto fail;
        }
        s->locksfd = openat(s->dirfd, LOCKS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (s->locksfd < 0) {
                r = -errno;
                goto fail;
        }
        r = check_private_dir(s->locksfd, "locks directory");
        if (r < 0)
                goto fail;
        *ret = s;
        return 0;
fail:
        store_free(s);
        return r;
}

struct store *store_free(struct store *s)
{
        if (!s)
                return NULL;
        if (s->locksfd >= 0)
                close(s->locksfd);
        if (s->dirfd >= 0)
                close(s->dirfd);
        free(s->path);
        free(s);
        return NULL;
}

const char *store_dir(const struct store *s)
{
        return s->path;
}

int store_dirfd(const struct store *s)
{
        return s->dirfd;
}

bool store_alias_is_valid(const char *alias)
{
        size_t n = strlen(alias);

        if (n == 0 || n > STORE_ALIAS_MAX || alias[0] == '.' || alias[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = alias[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-'))
                        return false;
        }
        return true;
}

int store_write_atomic(int dirfd, const char *name, const void *data, size_t n)
{
        char tmp[NAME_MAX + 1];
        const uint8_t *p = data;
        int fd, r = 0;

        if (snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                p += k;
                n -= (size_t)k;
        }
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlinkat(dirfd, tmp, 0);
                return r;
        }
        if (fsync(dirfd) < 0)
                return -errno;
        return 0;
}

static int creds_filename(const char *alias, char *buf, size_t size)
{
        if (!store_alias_is_valid(alias))
                return -EINVAL;
        if (snprintf(buf, size, "%s.lock", alias) >= (int)size)
                return -ENAMETOOLONG;
        return 0;
}

int store_creds_put(struct store *s, const struct lk_creds *c)
{
        char name[NAME_MAX + 1], key[2 * LK_KEY_SIZE + 1], uuid[2 * LK_UUID_SIZE + 1], pk[2 * LK_KEY_SIZE + 1];
        char buf[CREDS_FILE_MAX];
        int n, r;

        r = creds_filename(c->alias, name, sizeof(name));
        if (r < 0)
                return r;
        if (strchr(c->via, '\n') || strchr(c->name, '\n') || strchr(c->firmware, '\n'))
                return -EINVAL;
        sodium_bin2hex(key, sizeof(key), c->shared_key, LK_KEY_SIZE);
        sodium_bin2hex(uuid, sizeof(uuid), c->lock_uuid, LK_UUID_SIZE);
        sodium_bin2hex(pk, sizeof(pk), c->lock_pk, LK_KEY_SIZE);
        n = snprintf(buf, sizeof(buf),
                     "# latchkey lock credentials: secret, keep 0600\n"
                     "alias=%s\nvia=%s\ngeneration=%d\nauth_id=%" PRIu32 "\napp_id=%" PRIu32 "\n"
                     "id_type=%u\nshared_key=%s\nlock_uuid=%s\nlock_public_key=%s\nname=%s\n"
                     "paired_at=%" PRId64 "\n",
                     c->alias, c->via, (int)c->generation, c->auth_id, c->app_id, c->id_type, key, uuid,
                     pk, c->name, c->paired_at);
        if (n > 0 && (size_t)n < sizeof(buf) && c->firmware[0])
                n += snprintf(buf + n, sizeof(buf) - (size_t)n, "firmware=%s\n", c->firmware);
        if (n > 0 && (size_t)n < sizeof(buf) && c->has_pin)
                n += snprintf(buf + n, sizeof(buf) - (size_t)n, "pin=%0*" PRIu32 "\n",
                              c->pin.size == 4 ? 6 : 4, c->pin.value);
        if (n > 0 && (size_t)n < sizeof(buf) && c->has_nuki_id)
                n += snprintf(buf + n, sizeof(buf) - (size_t)n, "nuki_id=%08" PRIX32 "\n", c->nuki_id);
        if (n > 0 && (size_t)n < sizeof(buf) && c->pin_refused_at)
                n += snprintf(buf + n, sizeof(buf) - (size_t)n, "pin_refused_at=%" PRId64 "\n", c->pin_refused_at);
        if (n > 0 && (size_t)n < sizeof(buf) && c->pin_lockout_at)
                n += snprintf(buf + n, sizeof(buf) - (size_t)n, "pin_lockout_at=%" PRId64 "\npin_retry_at=%" PRId64 "\n",
                              c->pin_lockout_at, c->pin_retry_at);
        if (n > 0 && (size_t)n < sizeof(buf) && c->identity_mismatch_at)
                n += snprintf(buf + n, sizeof(buf) - (size_t)n, "identity_mismatch_at=%" PRId64 "\nseen_nuki_id=%08" PRIX32 "\n",
                              c->identity_mismatch_at, c->seen_nuki_id);
        if (n < 0 || (size_t)n >= sizeof(buf))
                r = -ENAMETOOLONG;
        else
                r = store_write_atomic(s->locksfd, name, buf, (size_t)n);
        sodium_memzero(buf, sizeof(buf));
        sodium_memzero(key, sizeof(key));
        return r;
}

static int parse_hex(const char *v, uint8_t *out, size_t n)
{
        size_t got;

        if (strlen(v) != 2 * n)
                return -EBADMSG;
        if (sodium_hex2bin(out, n, v, 2 * n, NULL, &got, NULL) != 0 || got != n)
                return -EBADMSG;
        return 0;
}

/* Eight hex digits (a Nuki ID, as the lock's advertisement and our files print it). */
static int parse_hex32(const char *v, uint32_t *ret)
{
        uint8_t b[4];

        if (parse_hex(v, b, sizeof(b)) < 0)
                return -EBADMSG;
        *ret = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        return 0;
}

static int parse_time(const char *v, int64_t *ret)
{
        uint64_t u;
        int r = parse_u64(v, 0, INT64_MAX, &u);

        if (r >= 0)
                *ret = (int64_t)u;
        return r;
}

static int creds_parse_line(struct lk_creds *c, char *line, unsigned *seen)
{
        char *eq = strchr(line, '='), *v;
        uint64_t u;
        int r = 0;

        if (line[0] == '#' || line[0] == '\0')
                return 0;
        if (!eq)
                return -EBADMSG;
        *eq = '\0';
        v = eq + 1;
        if (streq(line, "alias")) {
                if (!store_alias_is_valid(v))
                        return -EBADMSG;
                snprintf(c->alias, sizeof(c->alias), "%s", v);
                *seen |= 1;
        } else if (streq(line, "via")) {
                if (strlen(v) > STORE_VIA_MAX)
                        return -EBADMSG;
                snprintf(c->via, sizeof(c->via), "%s", v);
        } else if (streq(line, "generation")) {
                r = parse_u64(v, 1, 6, &u);
                c->generation = (enum lk_generation)u;
                *seen |= 2;
        } else if (streq(line, "auth_id")) {
                r = parse_u64(v, 0, UINT32_MAX, &u);
                c->auth_id = (uint32_t)u;
                *seen |= 4;
        } else if (streq(line, "app_id")) {
                r = parse_u64(v, 0, UINT32_MAX, &u);
                c->app_id = (uint32_t)u;
        } else if (streq(line, "id_type")) {
                r = parse_u64(v, 0, 3, &u);
                c->id_type = (uint8_t)u;
        } else if (streq(line, "shared_key")) {
                r = parse_hex(v, c->shared_key, LK_KEY_SIZE);
                *seen |= 8;
        } else if (streq(line, "lock_uuid"))
                r = parse_hex(v, c->lock_uuid, LK_UUID_SIZE);
        else if (streq(line, "lock_public_key"))
                r = parse_hex(v, c->lock_pk, LK_KEY_SIZE);
        else if (streq(line, "name")) {
                if (strlen(v) > LK_AUTH_NAME_SIZE)
                        return -EBADMSG;
                snprintf(c->name, sizeof(c->name), "%s", v);
        } else if (streq(line, "paired_at")) {
                r = parse_u64(v, 0, INT64_MAX, &u);
                c->paired_at = (int64_t)u;
        } else if (streq(line, "firmware")) {
                if (strlen(v) > STORE_FIRMWARE_MAX)
                        return -EBADMSG;
                snprintf(c->firmware, sizeof(c->firmware), "%s", v);
        } else if (streq(line, "pin")) {
                r = parse_pin(v, &c->pin);
                c->has_pin = r >= 0;
        } else if (streq(line, "nuki_id")) {
                r = parse_hex32(v, &c->nuki_id);
                c->has_nuki_id = r >= 0;
        } else if (streq(line, "seen_nuki_id"))
                r = parse_hex32(v, &c->seen_nuki_id);
        else if (streq(line, "pin_refused_at"))
                r = parse_time(v, &c->pin_refused_at);
        else if (streq(line, "pin_lockout_at"))
                r = parse_time(v, &c->pin_lockout_at);
        else if (streq(line, "pin_retry_at"))
                r = parse_time(v, &c->pin_retry_at);
        else if (streq(line, "identity_mismatch_at"))
                r = parse_time(v, &c->identity_mismatch_at);
        /* unknown keys are ignored: a newer latchkey may add some */
        return r < 0 ? -EBADMSG : 0;
}

int store_creds_get(struct store *s, const char *alias, struct lk_creds *ret)
{
        char name[NAME_MAX + 1], buf[CREDS_FILE_MAX + 1], *line, *save = NULL;
        struct lk_creds c = { 0 };
        unsigned seen = 0;
        ssize_t n;
        int fd, r;

        r = creds_filename(alias, name, sizeof(name));
        if (r < 0)
                return r;
        fd = openat(s->locksfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, CREDS_FILE_MAX + 1);
        r = n < 0 ? -errno : 0;
        close(fd);
        if (r < 0)
                return r;
        if (n > CREDS_FILE_MAX) {
                r = -EFBIG;
                goto out;
        }
        buf[n] = '\0';
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                r = creds_parse_line(&c, line, &seen);
                if (r < 0)
                        goto out;
        }
        if (seen != 15 || !streq(c.alias, alias)) {
                r = -EBADMSG;
                goto out;
        }
        *ret = c;
        r = 0;
out:
        sodium_memzero(buf, sizeof(buf));
        lk_creds_wipe(&c);
        return r;
}

int store_creds_remove(struct store *s, const char *alias)
{
        char name[NAME_MAX + 1];
        int r = creds_filename(alias, name, sizeof(name));

        if (r < 0)
                return r;
        if (unlinkat(s->locksfd, name, 0) < 0)
                return -errno;
        return fsync(s->locksfd) < 0 ? -errno : 0;
}

int store_lock_file(struct store *s, const char *alias, int *ret)
{
        char name[NAME_MAX + 1];
        int fd;

        if (!store_alias_is_valid(alias))
                return -EINVAL;
        if (snprintf(name, sizeof(name), "%s.busy", alias) >= (int)sizeof(name))
                return -ENAMETOOLONG;
        fd = openat(s->locksfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

void strv_free(char **l)
{
        if (!l)
                return;
        for (char **p = l; *p; p++)
                free(*p);
        free(l);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_creds_list(struct store *s, char ***ret)
{
        char **l = NULL;
        size_t n = 0;
        struct dirent *e;
        DIR *d;
        int fd;

        fd = openat(s->locksfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((e = readdir(d))) {
                size_t len = strlen(e->d_name);
                char **nl;

                if (len < 6 || !streq(e->d_name + len - 5, ".lock") || e->d_name[0] == '.')
                        continue;
                nl = realloc(l, (n + 2) * sizeof(char *));
                if (!nl)
                        goto oom;
                l = nl;
                l[n] = strndup(e->d_name, len - 5);
                if (!l[n])
                        goto oom;
                l[++n] = NULL;
        }
        closedir(d);
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        qsort(l, n, sizeof(char *), cmp_str);
        *ret = l;
        return 0;
oom:
        closedir(d);
        if (l)
                l[n] = NULL;
        strv_free(l);
        return -ENOMEM;
}

void lk_creds_wipe(struct lk_creds *c)
{
        sodium_memzero(c, sizeof(*c));
}
