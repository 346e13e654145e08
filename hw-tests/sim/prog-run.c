/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim run: the virtual lock on one sd-event loop, no threads.
 *
 * The data socket (docs/sim-socket.md) stands in for the lock's GATT server: one connection
 * at a time, a WRITE per message, replies as INDICATION chunks of at most ATT_MTU − 3 bytes
 * (spec §1.2), each message from a fresh chunk. Between the socket and the engine sits the
 * link model: latencies on sd-event timers (never a sleep) and faults on demand.
 *
 * A client write goes through three steps, one at a time per connection (input is off while
 * a write is in flight, so the kernel queue keeps later packets in order):
 *   received ─write_ms→ WRITE_RSP queued ─process_ms→ sim_lock_receive() → replies queued
 * Everything the client sees leaves through one output queue; each indication waits
 * indicate_ms before it goes. The engine's io->changed() writes the state file synchronously
 * inside the engine call, i.e. before anything it queued can be sent.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "prog.h"
#include "tzdb.h"

#define USEC_PER_MSEC 1000ull
#define USEC_PER_SEC  1000000ull

struct out_pkt {
        struct out_pkt *next;
        unsigned delay_ms; /* wait this long after the previous packet went */
        bool armed, ready;
        size_t len;
        uint8_t data[];
};

enum conn_phase {
        CONN_GREETING,    /* connect latency: HELLO not sent yet */
        CONN_IDLE,        /* reading the client */
        CONN_WRITE_WAIT,  /* write latency before WRITE_RSP */
        CONN_PROCESS_WAIT, /* processing time before the engine sees the message */
};

struct conn {
        struct prog *p;
        int fd;
        sd_event_source *io;
        sd_event_source *step;    /* the phase timer */
        sd_event_source *out_timer;
        enum conn_phase phase;
        uint16_t mtu;             /* 23 until an MTU exchange (spec §1.2) */
        unsigned writes;          /* client writes in this connection (faults count them) */
        bool stalled;
        bool drop_when_flushed;
        bool out_blocked;         /* the socket said EAGAIN: wait for EPOLLOUT */
        uint8_t ch;
        size_t len;
        uint8_t msg[PROG_VALUE_MAX]; /* the write in flight */
        struct out_pkt *out_head, *out_tail;
};

struct ctl_client {
        struct prog *p;
        struct ctl_client *next;
        int fd;
        sd_event_source *io;
};

struct prog {
        const struct prog_options *opts;
        sd_event *event;
        struct sim_lock *lock;
        struct sim_io io;
        int64_t clock_offset;     /* virtual clock = CLOCK_REALTIME + offset */
        struct prog_link link;
        struct prog_faults faults;
        int data_fd, ctl_fd;
        sd_event_source *data_src, *ctl_src, *tick;
        struct conn *conn;
        struct ctl_client *clients;
        char ctl_path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
        unsigned save_failures;
        struct prog_ble *ble;     /* --ble (prog-ble.c) */
};

bool prog_verbose;

__attribute__((format(printf, 1, 0))) static void vlog(const char *fmt, va_list ap)
{
        fputs("latchkey-sim: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

void prog_log(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vlog(fmt, ap);
        va_end(ap);
}

void prog_debug(const char *fmt, ...)
{
        va_list ap;

        if (!prog_verbose)
                return;
        va_start(ap, fmt);
        vlog(fmt, ap);
        va_end(ap);
}

int prog_log_errno(int error, const char *fmt, ...)
{
        va_list ap;

        fputs("latchkey-sim: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, ": %s\n", strerror(error < 0 ? -error : error));
        return error;
}

/* ---- accessors for prog-ctl.c ---- */

struct sim_lock *prog_lock(struct prog *p) { return p->lock; }
struct prog_link *prog_link(struct prog *p) { return &p->link; }
struct prog_faults *prog_faults(struct prog *p) { return &p->faults; }
bool prog_connected(struct prog *p) { return p->conn != NULL; }
struct sd_event *prog_event(struct prog *p) { return p->event; }
const struct prog_options *prog_opts(struct prog *p) { return p->opts; }
void prog_quit(struct prog *p) { (void) sd_event_exit(p->event, 0); }

int64_t prog_now(struct prog *p)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec + p->clock_offset;
}

void prog_clock_shift(struct prog *p, int64_t seconds)
{
        p->clock_offset += seconds;
}

/* ---- the engine's I/O ---- */

static void conn_close(struct conn *c, const char *why);
static int out_flush(struct conn *c);
static void conn_update_events(struct conn *c);

static int out_push(struct conn *c, unsigned delay_ms, uint8_t kind, int ch, const uint8_t *p,
                    size_t n)
{
        struct out_pkt *o = malloc(sizeof(*o) + 2 + n);
        size_t h = 0;

        if (!o)
                return -ENOMEM;
        *o = (struct out_pkt){ .delay_ms = delay_ms };
        o->data[h++] = kind;
        if (ch >= 0)
                o->data[h++] = (uint8_t)ch;
        if (n > 0)
                memcpy(o->data + h, p, n);
        o->len = h + n;
        if (c->out_tail)
                c->out_tail->next = o;
        else
                c->out_head = o;
        c->out_tail = o;
        return 0;
}

static void on_engine_send(void *userdata, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        struct prog *p = userdata;
        struct conn *c = p->conn;
        uint8_t buf[LK_MSG_MAX];
        size_t chunk, off;

        if (p->ble && prog_ble_send(p->ble, ch, msg, n))
                return;
        if (!c || c->stalled || n == 0)
                return;
        if (p->faults.lose_reply) {
                p->faults.lose_reply = false;
                prog_log("fault: lost a %zu-byte reply on channel %d", n, (int)ch);
                return;
        }
        if (n > sizeof(buf)) {
                prog_log("engine sent an oversized message (%zu bytes); dropped", n);
                return;
        }
        memcpy(buf, msg, n);
        if (p->faults.corrupt) {
                /* The last byte: a CRC byte (plain) or ciphertext (sealed), so lengths stay
                 * intact and the client sees a message that fails its CRC or MAC. */
                p->faults.corrupt = false;
                buf[n - 1] ^= 0x01;
                prog_log("fault: corrupted a %zu-byte reply on channel %d", n, (int)ch);
        }
        /* spec §1.2: chunks of at most ATT_MTU − 3 bytes; every message starts a fresh one. */
        chunk = (size_t)c->mtu - 3u;
        for (off = 0; off < n; off += chunk) {
                size_t k = n - off < chunk ? n - off : chunk;

                if (out_push(c, p->link.indicate_ms, PROG_INDICATION, ch, buf + off, k) < 0) {
                        prog_log("out of memory queueing a reply");
                        break;
                }
        }
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

void prog_after_engine(struct prog *p)
{
        int64_t d = sim_lock_next_deadline(p->lock), now = prog_now(p);
        int r;

        prog_ble_refresh(p->ble);
        if (p->conn && !p->conn->out_blocked)
                (void) out_flush(p->conn);

        if (d == INT64_MAX) {
                (void) sd_event_source_set_enabled(p->tick, SD_EVENT_OFF);
                return;
        }
        /* The deadline is on the virtual clock; seconds from now are the same on both. */
        r = sd_event_source_set_time_relative(p->tick,
                                              d <= now ? 0 : (uint64_t)(d - now) * USEC_PER_SEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->tick, SD_EVENT_ONESHOT);
        if (r < 0)
                prog_log_errno(r, "Failed to arm the engine timer");
}

/* ---- the data connection ---- */

static void conn_update_events(struct conn *c)
{
        uint32_t ev = 0;

        /* A stalled link keeps reading (and dropping) so it notices the hang-up. */
        if (c->phase == CONN_IDLE || c->stalled)
                ev |= EPOLLIN;
        if (c->out_blocked)
                ev |= EPOLLOUT;
        (void) sd_event_source_set_io_events(c->io, ev);
}

static int on_out_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct conn *c = userdata;

        if (c->out_head && c->out_head->armed)
                c->out_head->ready = true;
        if (!c->out_blocked)
                (void) out_flush(c);
        return 0;
}

/* Send what is due. Returns -ECONNRESET when the connection was closed (c is gone). */
static int out_flush(struct conn *c)
{
        while (c->out_head) {
                struct out_pkt *o = c->out_head;
                ssize_t k;

                if (o->delay_ms > 0 && !o->ready) {
                        if (o->armed)
                                return 0; /* on_out_timer comes back */
                        if (sd_event_source_set_time_relative(c->out_timer,
                                                              o->delay_ms * USEC_PER_MSEC) < 0 ||
                            sd_event_source_set_enabled(c->out_timer, SD_EVENT_ONESHOT) < 0) {
                                conn_close(c, "failed to arm the indication timer");
                                return -ECONNRESET;
                        }
                        o->armed = true;
                        return 0;
                }
                k = send(c->fd, o->data, o->len, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (k < 0 && errno == EAGAIN) {
                        c->out_blocked = true;
                        conn_update_events(c);
                        return 0;
                }
                if (k < 0) {
                        conn_close(c, "the client went away");
                        return -ECONNRESET;
                }
                c->out_head = o->next;
                if (!c->out_head)
                        c->out_tail = NULL;
                sodium_memzero(o->data, o->len);
                free(o);
        }
        if (c->drop_when_flushed) {
                conn_close(c, "fault drop-after");
                return -ECONNRESET;
        }
        return 0;
}

static void conn_process(struct conn *c)
{
        struct prog *p = c->p;
        int r;

        if (!c->stalled) {
                r = sim_lock_receive(p->lock, (enum lk_channel)c->ch, c->msg, c->len);
                if (r < 0)
                        prog_debug("engine refused a %zu-byte write on channel %u: %s", c->len,
                                   c->ch, strerror(-r));
        }
        if (p->faults.drop_after != 0 && c->writes == p->faults.drop_after) {
                p->faults.drop_after = 0;
                c->drop_when_flushed = true;
        }
        c->phase = CONN_IDLE;
        conn_update_events(c);
        /* Flushes the replies (and closes the link once they are out if the fault fired). */
        prog_after_engine(p);
}

static int conn_arm_step(struct conn *c, unsigned ms)
{
        int r = sd_event_source_set_time_relative(c->step, ms * USEC_PER_MSEC);

        if (r >= 0)
                r = sd_event_source_set_enabled(c->step, SD_EVENT_ONESHOT);
        return r;
}

static void conn_write_rsp(struct conn *c)
{
        struct prog *p = c->p;

        if (!c->stalled) {
                if (out_push(c, 0, PROG_WRITE_RSP, c->ch, (const uint8_t[]){ 0 }, 1) < 0) {
                        conn_close(c, "out of memory");
                        return;
                }
                if (out_flush(c) < 0)
                        return; /* closed */
        }
        c->phase = CONN_PROCESS_WAIT;
        if (p->link.process_ms == 0) {
                conn_process(c);
                return;
        }
        if (conn_arm_step(c, p->link.process_ms) < 0)
                conn_close(c, "failed to arm the processing timer");
}

static int send_hello(struct conn *c)
{
        struct prog *p = c->p;
        uint8_t hello[3];
        uint16_t mtu = p->opts->mtu;

        /* docs/sim-socket.md: generation ‖ the lock's largest ATT_MTU, LE. */
        hello[0] = (uint8_t)p->opts->cfg.generation;
        hello[1] = (uint8_t)(mtu & 0xff);
        hello[2] = (uint8_t)(mtu >> 8);
        /* A stalled lock does not even finish discovery. */
        if (!c->stalled && out_push(c, 0, PROG_HELLO, -1, hello, sizeof(hello)) < 0)
                return -ENOMEM;
        c->phase = CONN_IDLE;
        conn_update_events(c);
        return out_flush(c);
}

static int on_step(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct conn *c = userdata;

        switch (c->phase) {
        case CONN_GREETING:
                if (send_hello(c) == -ENOMEM)
                        conn_close(c, "out of memory");
                break;
        case CONN_WRITE_WAIT:
                conn_write_rsp(c);
                break;
        case CONN_PROCESS_WAIT:
                conn_process(c);
                break;
        case CONN_IDLE:
                break;
        }
        return 0;
}

static void conn_on_write(struct conn *c, const uint8_t *pkt, size_t n)
{
        struct prog *p = c->p;

        c->writes++;
        if (p->faults.drop_before != 0 && c->writes == p->faults.drop_before) {
                p->faults.drop_before = 0;
                conn_close(c, "fault drop-before");
                return;
        }
        if (c->stalled) {
                prog_debug("stalled: ignoring write %u", c->writes);
                return;
        }
        c->ch = pkt[1];
        c->len = n - 2;
        memcpy(c->msg, pkt + 2, c->len);
        c->phase = CONN_WRITE_WAIT;
        conn_update_events(c);
        if (p->link.write_ms == 0) {
                conn_write_rsp(c);
                return;
        }
        if (conn_arm_step(c, p->link.write_ms) < 0)
                conn_close(c, "failed to arm the write timer");
}

static void conn_on_packet(struct conn *c, const uint8_t *pkt, size_t n)
{
        struct prog *p = c->p;
        uint16_t mtu;
        uint8_t rsp[2];

        switch (n > 0 ? pkt[0] : 0xff) {
        case PROG_WRITE:
                /* docs/sim-socket.md: a channel byte, channel 0..2, value ≤ 512 bytes. */
                if (n < 2 || pkt[1] >= LK_CH_COUNT)
                        break;
                conn_on_write(c, pkt, n);
                return;
        case PROG_MTU:
                if (n != 3)
                        break;
                mtu = (uint16_t)(pkt[1] | pkt[2] << 8);
                if (mtu < PROG_ATT_MTU_DEFAULT)
                        break;
                if (c->stalled)
                        return;
                /* The lock answers min(client, lock); the link uses that from now on. */
                c->mtu = mtu < p->opts->mtu ? mtu : p->opts->mtu;
                rsp[0] = (uint8_t)(c->mtu & 0xff);
                rsp[1] = (uint8_t)(c->mtu >> 8);
                if (out_push(c, 0, PROG_MTU, -1, rsp, sizeof(rsp)) < 0) {
                        conn_close(c, "out of memory");
                        return;
                }
                (void) out_flush(c);
                return;
        default:
                break;
        }
        prog_log("malformed packet from the client (%zu bytes, kind 0x%02x); disconnecting", n,
                 n > 0 ? pkt[0] : 0);
        conn_close(c, "malformed packet");
}

static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conn *c = userdata;
        uint8_t buf[PROG_PACKET_MAX];
        ssize_t n;

        if ((revents & EPOLLOUT) && c->out_blocked) {
                c->out_blocked = false;
                conn_update_events(c);
                if (out_flush(c) < 0)
                        return 0;
        }
        if (!(c->phase == CONN_IDLE || c->stalled)) {
                if (revents & (EPOLLHUP | EPOLLERR))
                        conn_close(c, "the client hung up");
                return 0;
        }
        if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                return 0;

        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                conn_close(c, "read error");
                return 0;
        }
        if (n == 0) {
                conn_close(c, "the client disconnected");
                return 0;
        }
        if ((size_t)n > sizeof(buf)) {
                prog_log("a %zd-byte packet from the client is over the limit; disconnecting", n);
                conn_close(c, "oversized packet");
                return 0;
        }
        if (c->stalled) {
                prog_debug("stalled: ignoring a %zd-byte packet", n);
                return 0;
        }
        conn_on_packet(c, buf, (size_t)n);
        return 0;
}

static void conn_free(struct conn *c)
{
        while (c->out_head) {
                struct out_pkt *o = c->out_head;

                c->out_head = o->next;
                sodium_memzero(o->data, o->len);
                free(o);
        }
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->step);
        sd_event_source_disable_unref(c->out_timer);
        if (c->fd >= 0)
                close(c->fd);
        sodium_memzero(c->msg, sizeof(c->msg));
        free(c);
}

static void conn_close(struct conn *c, const char *why)
{
        struct prog *p = c->p;

        prog_debug("disconnected (%s) after %u writes", why, c->writes);
        p->conn = NULL;
        /* spec §10: a dropped link discards reassembly and pairing state. */
        sim_lock_disconnect(p->lock);
        if (p->faults.stall && c->stalled)
                p->faults.stall = false; /* "until the client disconnects" */
        conn_free(c);
        /* The next client in the backlog may come in now. */
        (void) sd_event_source_set_enabled(p->data_src, SD_EVENT_ON);
        prog_after_engine(p);
}

static int on_data_listen(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct prog *p = userdata;
        struct conn *c;
        int cfd, r;

        if (p->conn) {
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return 0;
        }
        cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (cfd < 0) {
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                        prog_log_errno(-errno, "Failed to accept a connection");
                return 0;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(cfd);
                return 0;
        }
        *c = (struct conn){ .p = p, .fd = cfd, .phase = CONN_GREETING,
                            .mtu = PROG_ATT_MTU_DEFAULT, .stalled = p->faults.stall };
        r = sd_event_add_io(p->event, &c->io, cfd, 0, on_conn_io, c);
        if (r >= 0)
                r = sd_event_add_time(p->event, &c->step, CLOCK_MONOTONIC, UINT64_MAX, 1,
                                      on_step, c);
        if (r >= 0)
                r = sd_event_add_time(p->event, &c->out_timer, CLOCK_MONOTONIC, UINT64_MAX, 1,
                                      on_out_timer, c);
        if (r < 0) {
                prog_log_errno(r, "Failed to watch a connection");
                conn_free(c);
                return 0;
        }
        (void) sd_event_source_set_enabled(c->step, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(c->out_timer, SD_EVENT_OFF);
        p->conn = c;
        /* One BLE link at a time: later clients wait in the backlog. */
        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        prog_debug("connected");
        sim_lock_connect(p->lock);
        if (p->link.connect_ms == 0) {
                if (send_hello(c) == -ENOMEM)
                        conn_close(c, "out of memory");
                return 0;
        }
        if (conn_arm_step(c, p->link.connect_ms) < 0)
                conn_close(c, "failed to arm the connect timer");
        return 0;
}

void prog_fault_stall_apply(struct prog *p)
{
        struct conn *c = p->conn;

        if (!c || !p->faults.stall || c->stalled)
                return;
        c->stalled = true;
        /* Stop answering: whatever was queued never leaves. */
        while (c->out_head) {
                struct out_pkt *o = c->out_head;

                c->out_head = o->next;
                sodium_memzero(o->data, o->len);
                free(o);
        }
        c->out_tail = NULL;
        (void) sd_event_source_set_enabled(c->out_timer, SD_EVENT_OFF);
        c->out_blocked = false;
        conn_update_events(c);
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
                return 0;
        }
        if (r == -EPERM)
                return prog_log_errno(r, "The state file '%s' is readable by others; "
                                      "chmod 600 it", o->state_path);
        if (r != -ENOENT)
                return prog_log_errno(r, "Failed to read the state file '%s'", o->state_path);

        /* First run: a factory-new lock with a random identity. */
        if (o->pin_path) {
                r = prog_pin_read(o->pin_path, cfg.generation, &cfg.pin);
                if (r == -EPERM)
                        return prog_log_errno(r, "The PIN file '%s' is readable by others",
                                              o->pin_path);
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
        if (p->conn)
                conn_free(p->conn);
        p->conn = NULL;
        sd_event_source_disable_unref(p->data_src);
        sd_event_source_disable_unref(p->ctl_src);
        sd_event_source_disable_unref(p->tick);
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
        struct prog p = { .opts = opts, .data_fd = -1, .ctl_fd = -1, .link = opts->link };
        sigset_t mask;
        int r, code = PROG_EXIT_FAILED;

        p.io = (struct sim_io){ .send = on_engine_send, .changed = on_engine_changed,
                                .now = on_engine_now, .zone_offset = on_engine_zone_offset,
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
                r = sd_event_add_io(p.event, &p.data_src, p.data_fd, EPOLLIN, on_data_listen, &p);
        if (r >= 0)
                r = sd_event_add_io(p.event, &p.ctl_src, p.ctl_fd, EPOLLIN, on_ctl_listen, &p);
        if (r >= 0)
                r = sd_event_add_time(p.event, &p.tick, CLOCK_MONOTONIC, UINT64_MAX, 0, on_tick, &p);
        if (r < 0) {
                prog_log_errno(r, "Failed to set up the event loop");
                goto out;
        }
        (void) sd_event_source_set_enabled(p.tick, SD_EVENT_OFF);
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
