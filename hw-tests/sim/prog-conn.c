/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim run: the data socket (docs/sim-socket.md), standing in for the lock's GATT
 * server: one connection at a time, a WRITE per message, replies as INDICATION chunks of at
 * most ATT_MTU − 3 bytes (spec §1.2), each message from a fresh chunk. Between the socket and
 * the engine sits the link model: latencies on sd-event timers (never a sleep) and faults on
 * demand.
 *
 * A client write goes through three steps, one at a time per connection (input is off while
 * a write is in flight, so the kernel queue keeps later packets in order):
 *   received ─write_ms→ WRITE_RSP queued ─process_ms→ sim_lock_receive() → replies queued
 * With --answer-first the WRITE_RSP is queued after the replies instead, as locks that send
 * their indications before the ATT Write Response do (issue 14).
 * Everything the client sees leaves through one output queue; each indication waits
 * indicate_ms before it goes. The engine's io->changed() writes the state file synchronously
 * inside the engine call, i.e. before anything it queued can be sent.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "prog-private.h"

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

void prog_conn_send(struct prog *p, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        struct conn *c = p->conn;
        uint8_t buf[LK_MSG_MAX];
        size_t chunk, off;

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
                if (p->opts->answer_first &&
                    out_push(c, 0, PROG_WRITE_RSP, c->ch, (const uint8_t[]){ 0 }, 1) < 0) {
                        conn_close(c, "out of memory");
                        return;
                }
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

        if (!c->stalled && !p->opts->answer_first) {
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

        prog_debug("disconnected (%s) after %u write%s", why, c->writes, c->writes == 1 ? "" : "s");
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

int prog_conn_on_listen(sd_event_source *s, int fd, uint32_t revents, void *userdata)
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

void prog_conn_drop_when_flushed(struct prog *p)
{
        if (!p->conn)
                return;
        p->conn->drop_when_flushed = true;
        if (!p->conn->out_blocked)
                (void) out_flush(p->conn);
}

void prog_conn_flush(struct prog *p)
{
        if (p->conn && !p->conn->out_blocked)
                (void) out_flush(p->conn);
}

void prog_conn_free(struct prog *p)
{
        if (p->conn)
                conn_free(p->conn);
        p->conn = NULL;
}
