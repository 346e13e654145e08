/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim run: the virtual lock on one sd-event loop, no threads: the engine's I/O (its
 * clocks, the state file, where its messages go), its timers, the control socket and setup.
 * The data socket is prog-conn.c's, the BLE peripheral prog-ble.c's; they and the control
 * requests reach the loop's step after an engine call through the after_engine hook set
 * here (prog-context.c), never by calling into this file.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "prog-private.h"
#include "secret-file.h"
#include "tzdb.h"

struct ctl_client {
        struct prog *p;
        struct ctl_client *next;
        int fd;
        sd_event_source *io;
};

/* ---- the engine's I/O ---- */

static void on_engine_send(void *userdata, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        struct prog *p = userdata;

        if (p->ble && prog_ble_send(p->ble, ch, msg, n))
                return;
        prog_conn_send(p, ch, msg, n);
}

static void on_engine_changed(void *userdata)
{
        struct prog *p = userdata;
        uint8_t *img = NULL;
        size_t len = 0;
        int r;

        r = sim_lock_save(p->lock, &img, &len);
        if (r >= 0) {
                r = prog_state_write(p->opts->state_path, img, len);
                sim_image_free(img, len);
        }
        if (r < 0) {
                p->save_failures++;
                prog_log_errno(r, "Failed to save the state to '%s'", p->opts->state_path);
        }
}

static int64_t on_engine_now(void *userdata)
{
        return prog_now(userdata);
}

static int64_t on_engine_now_ms(void *userdata)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int on_engine_zone_offset(void *userdata, const char *zone, int64_t utc, int *ret)
{
        return tzdb_offset(zone, utc, ret);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct prog *p = userdata;

        sim_lock_tick(p->lock);
        prog_after_engine(p);
        return 0;
}

/* fault drop-in-motion: the link goes once a motor run has answered its first states. */
static void drop_in_motion(struct prog *p)
{
        if (!p->faults.drop_in_motion || sim_lock_motor_action(p->lock) == LK_ACTION_NONE ||
            !(p->conn || prog_ble_connected(p->ble)))
                return;
        p->faults.drop_in_motion = false;
        prog_log("fault: dropping the link while the motor turns");
        prog_conn_drop_when_flushed(p);
        prog_ble_disconnect(p->ble);
}

/* Arm a timer for an engine deadline: the virtual clock's seconds, or the motor's ms. */
static void arm(struct prog *p, sd_event_source *s, int64_t d, bool motor)
{
        int64_t now = motor ? on_engine_now_ms(p) : prog_now(p);
        uint64_t usec;
        int r;

        if (d == INT64_MAX) {
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return;
        }
        /* Seconds from now are the same on the virtual clock and CLOCK_MONOTONIC. */
        usec = d <= now ? 0 : (uint64_t)(d - now) * (motor ? USEC_PER_MSEC : USEC_PER_SEC);
        r = sd_event_source_set_time_relative(s, usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                prog_log_errno(r, "Failed to arm the engine timer");
}

/* The after_engine hook (prog_after_engine): what the loop does after any engine call. */
static void after_engine(struct prog *p)
{
        prog_ble_refresh(p->ble);
        prog_conn_flush(p);
        drop_in_motion(p);
        arm(p, p->tick, sim_lock_next_deadline(p->lock), false);
        arm(p, p->motor, sim_lock_motor_deadline(p->lock), true);
}


/* ---- the control socket ---- */

static void ctl_client_free(struct ctl_client *cl)
{
        struct ctl_client **pp;

        for (pp = &cl->p->clients; *pp; pp = &(*pp)->next)
                if (*pp == cl) {
                        *pp = cl->next;
                        break;
                }
        sd_event_source_disable_unref(cl->io);
        close(cl->fd);
        free(cl);
}

static int on_ctl_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct ctl_client *cl = userdata;
        struct prog *p = cl->p;
        char buf[PROG_CTL_MAX + 1];
        char *reply = NULL;
        ssize_t n;
        int r;

        n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                ctl_client_free(cl);
                return 0;
        }
        if ((size_t)n > sizeof(buf) - 1) {
                reply = strdup("{\"ok\":false,\"error\":\"request too long\"}");
        } else {
                buf[n] = '\0';
                r = prog_ctl_handle(p, buf, &reply);
                if (r < 0)
                        reply = NULL;
        }
        if (!reply) {
                ctl_client_free(cl);
                return 0;
        }
        if (send(fd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                if (errno == EMSGSIZE) {
                        static const char big[] = "{\"ok\":false,\"error\":\"reply too large\"}";

                        (void) send(fd, big, sizeof(big) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
                } else {
                        prog_debug("control client went away: %s", strerror(errno));
                }
        }
        free(reply);
        return 0;
}

static int on_ctl_listen(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct prog *p = userdata;
        struct ctl_client *cl;
        int cfd, bufsize = (int)PROG_CTL_REPLY_MAX;

        cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (cfd < 0)
                return 0;
        /* A state reply is one packet: make room for it (capped by wmem_max). */
        (void) setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
        cl = calloc(1, sizeof(*cl));
        if (!cl) {
                close(cfd);
                return 0;
        }
        *cl = (struct ctl_client){ .p = p, .fd = cfd, .next = p->clients };
        if (sd_event_add_io(p->event, &cl->io, cfd, EPOLLIN, on_ctl_io, cl) < 0) {
                close(cfd);
                free(cl);
                return 0;
        }
        p->clients = cl;
        return 0;
}

/* ---- setup ---- */

static int bind_seqpacket(const char *path, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t len = strlen(path);
        struct stat st;
        mode_t old;
        int fd, r;

        if (len >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, len + 1);

        if (lstat(path, &st) == 0) {
                int probe;

                if (!S_ISSOCK(st.st_mode))
                        return -EEXIST;
                /* A socket left by a killed sim is removed; a live one is refused. */
                probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
                if (probe < 0)
                        return -errno;
                r = connect(probe, (struct sockaddr *)&sa, sizeof(sa));
                close(probe);
                if (r == 0)
                        return -EADDRINUSE;
                if (unlink(path) < 0 && errno != ENOENT)
                        return -errno;
        }

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        old = umask(0177); /* socket file 0600 */
        r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0 || listen(fd, 16) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

/* A secret file someone besides its owner can read: the agent's one wording (secret-file.h). */
static int secret_refused(const char *what, const char *path, int r)
{
        char why[PATH_MAX * 2 + 200];

        secret_refusal(what, path, why, sizeof(why));
        prog_log("%s", why);
        return r;
}

/* One process per state file: an exclusive flock(2) on STATE.lock, held while we run (the state
 * file itself is replaced by rename on every save, so it cannot carry the lock). The holder's pid
 * is written in it, for the message of the one refused. */
static int state_lock(struct prog *p)
{
        char path[PATH_MAX], pid[24] = "";
        int fd;
        ssize_t k;

        if ((size_t)snprintf(path, sizeof(path), "%s.lock", p->opts->state_path) >= sizeof(path))
                return prog_log_errno(-ENAMETOOLONG, "The state file name '%s' is too long", p->opts->state_path);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return prog_log_errno(-errno, "Failed to open the lock file '%s'", path);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = -errno;

                k = r == -EWOULDBLOCK ? pread(fd, pid, sizeof(pid) - 1, 0) : -1;
                close(fd);
                if (r != -EWOULDBLOCK)
                        return prog_log_errno(r, "Failed to lock '%s'", path);
                pid[k > 0 ? strcspn(pid, "\n") : 0] = '\0';
                prog_log("the state file '%s' is in use by another latchkey-sim%s%s%s: one virtual lock per state "
                         "file (stop that one, or give this one another --state)", p->opts->state_path,
                         pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
                return -EBUSY;
        }
        k = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)k, 0) != k)
                prog_debug("could not note our pid in '%s'", path);
        p->state_lock_fd = fd;
        return 0;
}

/* The generation a --generation word names (prog-cli.c's words). */
static const char *generation_word(enum lk_generation g)
{
        static const char *const words[] = { "?", "1", "2", "3", "4", "ultra", "opener" };

        return (unsigned)g < sizeof(words) / sizeof(words[0]) ? words[g] : "?";
}

/* --generation for an existing state file: the file decides, so another one is refused. */
static int generation_matches(struct prog *p)
{
        struct sim_advertising adv;

        if (!p->opts->generation_set)
                return 0;
        sim_lock_advertising(p->lock, &adv);
        if (adv.generation == p->opts->cfg.generation)
                return 0;
        prog_log("the state file '%s' holds a lock of generation %s; --generation %s cannot change it (leave "
                 "--generation out, or give another --state for a new lock)", p->opts->state_path,
                 generation_word(adv.generation), generation_word(p->opts->cfg.generation));
        return -EINVAL;
}

static int lock_open(struct prog *p)
{
        const struct prog_options *o = p->opts;
        char tmp[PATH_MAX];
        struct sim_config cfg = o->cfg;
        uint8_t *img = NULL;
        size_t len = 0;
        int r;

        r = prog_state_dir_check(o->state_path);
        if (r == -EPERM)
                return prog_log_errno(r, "The directory of '%s' is writable by others; "
                                      "refusing to keep keys there", o->state_path);
        if (r < 0)
                return prog_log_errno(r, "Failed to prepare the directory of '%s'",
                                      o->state_path);
        r = state_lock(p);
        if (r < 0)
                return r;
        /* A tmp file is only ever a save that a kill interrupted: never read it. */
        if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", o->state_path) < sizeof(tmp))
                (void) unlink(tmp);

        r = prog_state_read(o->state_path, &img, &len);
        if (r == 0) {
                r = sim_lock_load(&cfg, &p->io, &lk_env_default, img, len, &p->lock);
                sim_image_free(img, len);
                if (r < 0)
                        return prog_log_errno(r, "Failed to load the state file '%s'",
                                              o->state_path);
                prog_debug("loaded '%s'", o->state_path);
                return generation_matches(p);
        }
        if (r == -EPERM)
                return secret_refused("the state file", o->state_path, r);
        if (r != -ENOENT)
                return prog_log_errno(r, "Failed to read the state file '%s'", o->state_path);

        /* First run: a factory-new lock with a random identity. */
        if (o->pin_path) {
                r = prog_pin_read(o->pin_path, cfg.generation, &cfg.pin);
                if (r == -EPERM)
                        return secret_refused("the PIN file", o->pin_path, r);
                if (r < 0)
                        return prog_log_errno(r, "Failed to read a PIN from '%s'", o->pin_path);
        }
        randombytes_buf(&cfg.nuki_id, sizeof(cfg.nuki_id));
        randombytes_buf(cfg.uuid, sizeof(cfg.uuid));
        r = sim_lock_new(&cfg, &p->io, &lk_env_default, &p->lock);
        sodium_memzero(&cfg.pin, sizeof(cfg.pin));
        if (r < 0)
                return prog_log_errno(r, "Failed to create the lock");
        on_engine_changed(p);
        if (p->save_failures > 0)
                return -EIO;
        prog_debug("created '%s'", o->state_path);
        return 0;
}

static void prog_free(struct prog *p)
{
        p->ble = prog_ble_free(p->ble);
        while (p->clients)
                ctl_client_free(p->clients);
        prog_conn_free(p);
        sd_event_source_disable_unref(p->data_src);
        sd_event_source_disable_unref(p->ctl_src);
        sd_event_source_disable_unref(p->tick);
        sd_event_source_disable_unref(p->motor);
        if (p->data_fd >= 0) {
                close(p->data_fd);
                (void) unlink(p->opts->socket_path);
        }
        if (p->ctl_fd >= 0) {
                close(p->ctl_fd);
                (void) unlink(p->ctl_path);
        }
        sim_lock_free(p->lock);
        sd_event_unref(p->event);
        if (p->state_lock_fd >= 0)
                close(p->state_lock_fd); /* the file stays: removing it would race a new holder */
}

static void signal_ready(struct prog *p)
{
        static const char ready[] = "READY\n";
        int fd = p->opts->ready_fd;

        printf("latchkey-sim: listening on %s\n", p->opts->socket_path);
        fflush(stdout);
        if (fd >= 0) {
                if (write(fd, ready, sizeof(ready) - 1) < 0)
                        prog_log_errno(-errno, "Failed to write to --ready-fd %d", fd);
                close(fd);
        }
        (void) sd_notify(0, "READY=1");
}

int prog_run(const struct prog_options *opts)
{
        struct prog p = { .opts = opts, .data_fd = -1, .ctl_fd = -1, .link = opts->link, .state_lock_fd = -1,
                          .after_engine = after_engine };
        sigset_t mask;
        int r, code = PROG_EXIT_FAILED;

        p.io = (struct sim_io){ .send = on_engine_send, .changed = on_engine_changed,
                                .now = on_engine_now, .now_ms = on_engine_now_ms,
                                .zone_offset = on_engine_zone_offset,
                                .userdata = &p };
        if ((size_t)snprintf(p.ctl_path, sizeof(p.ctl_path), "%s.ctl", opts->socket_path) >=
            sizeof(p.ctl_path)) {
                prog_log("socket path '%s' is too long", opts->socket_path);
                return PROG_EXIT_USAGE;
        }

        r = bind_seqpacket(opts->socket_path, &p.data_fd);
        if (r < 0) {
                prog_log_errno(r, "Failed to listen on '%s'", opts->socket_path);
                code = PROG_EXIT_SOCKET;
                goto out;
        }
        r = bind_seqpacket(p.ctl_path, &p.ctl_fd);
        if (r < 0) {
                prog_log_errno(r, "Failed to listen on '%s'", p.ctl_path);
                code = PROG_EXIT_SOCKET;
                goto out;
        }
        /* After the sockets: a second sim on the same socket stops before touching the state. */
        if (lock_open(&p) < 0) {
                code = PROG_EXIT_STATE;
                goto out;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_new(&p.event);
        if (r >= 0)
                r = sd_event_add_signal(p.event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(p.event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_io(p.event, &p.data_src, p.data_fd, EPOLLIN, prog_conn_on_listen, &p);
        if (r >= 0)
                r = sd_event_add_io(p.event, &p.ctl_src, p.ctl_fd, EPOLLIN, on_ctl_listen, &p);
        if (r >= 0)
                r = sd_event_add_time(p.event, &p.tick, CLOCK_MONOTONIC, UINT64_MAX, 0, on_tick, &p);
        if (r >= 0)
                r = sd_event_add_time(p.event, &p.motor, CLOCK_MONOTONIC, UINT64_MAX, 0, on_tick, &p);
        if (r < 0) {
                prog_log_errno(r, "Failed to set up the event loop");
                goto out;
        }
        (void) sd_event_source_set_enabled(p.tick, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(p.motor, SD_EVENT_OFF);
        if (opts->ble && prog_ble_new(&p, opts->adapter, &p.ble) < 0) {
                code = PROG_EXIT_SOCKET;
                goto out;
        }
        prog_after_engine(&p);

        signal_ready(&p);
        r = sd_event_loop(p.event);
        if (r < 0) {
                prog_log_errno(r, "The event loop failed");
                goto out;
        }
        code = p.save_failures > 0 ? PROG_EXIT_STATE : PROG_EXIT_OK;
        prog_debug("exiting");
out:
        prog_free(&p);
        return code;
}
