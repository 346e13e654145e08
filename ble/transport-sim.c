/* SPDX-License-Identifier: MIT */
/*
 * The virtual lock's socket as a transport (docs/sim-socket.md): an AF_UNIX SOCK_SEQPACKET
 * connection to latchkey-sim, one packet per GATT operation. Everything runs on the caller's
 * sd-event loop; nothing blocks.
 *
 * States: IDLE → CONNECTING (non-blocking connect) → HELLO (waiting for the lock's first
 * packet) → MTU (our MTU proposal is out) → UP. A hang-up in UP is reported through
 * on_disconnect, before UP through on_connected with the error; either way we are IDLE again
 * and connect() may be called anew.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "latchkey/transport.h"

/* docs/sim-socket.md: packet kinds. */
enum sim_kind {
        SIM_HELLO = 0x00,
        SIM_WRITE = 0x01,
        SIM_WRITE_RSP = 0x02,
        SIM_INDICATION = 0x03,
        SIM_MTU = 0x04,
};

#define SIM_ATT_MTU_DEFAULT 23u  /* spec §1.2: ATT default, 20-byte chunks */
#define SIM_ATT_MTU_MAX    247u  /* spec §1.2: SL 2.0+ accept 247 */
#define SIM_VALUE_MAX      512u  /* ATT: a long attribute value is at most 512 bytes */
#define SIM_HEAD           2u    /* kind ‖ channel */
/* The largest packet either side may send; anything longer is a protocol violation. */
#define SIM_PACKET_MAX (SIM_HEAD + SIM_VALUE_MAX)

enum sim_state {
        SIM_IDLE,
        SIM_CONNECTING,
        SIM_WAIT_HELLO,
        SIM_WAIT_MTU,
        SIM_UP,
};

struct sim_transport {
        struct lk_transport head; /* first: the generic functions cast to it */
        sd_event *event;
        char *path;
        int fd;
        sd_event_source *io;
        enum sim_state state;
        struct lk_link_info info;
};

static struct sim_transport *sim_of(struct lk_transport *t)
{
        return (struct sim_transport *)t;
}

static void sim_close(struct sim_transport *s)
{
        s->io = sd_event_source_disable_unref(s->io);
        if (s->fd >= 0)
                close(s->fd);
        s->fd = -1;
        s->state = SIM_IDLE;
}

/* The link is gone: tell the owner in the way that fits the state. Last thing a handler does. */
static void sim_fail(struct sim_transport *s, int error)
{
        enum sim_state was = s->state;

        sim_close(s);
        switch (was) {
        case SIM_CONNECTING:
        case SIM_WAIT_HELLO:
        case SIM_WAIT_MTU:
                if (s->head.cb->on_connected)
                        s->head.cb->on_connected(s->head.userdata, error, NULL);
                break;
        case SIM_UP:
                if (s->head.cb->on_disconnect)
                        s->head.cb->on_disconnect(s->head.userdata, error);
                break;
        case SIM_IDLE:
                break;
        }
}

static int sim_send_packet(struct sim_transport *s, const uint8_t *p, size_t n)
{
        ssize_t k = send(s->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (k < 0)
                return errno == EAGAIN ? -ENOBUFS : -errno;
        if ((size_t)k != n)
                return -ECOMM;
        return 0;
}

static int sim_up(struct sim_transport *s, uint16_t mtu)
{
        s->state = SIM_UP;
        s->info.mtu = mtu;
        if (s->head.cb->on_connected)
                s->head.cb->on_connected(s->head.userdata, 0, &s->info);
        return 0;
}

static int sim_on_hello(struct sim_transport *s, const uint8_t *p, size_t n)
{
        uint16_t lock_mtu;
        int r;

        if (n != 4 || p[1] < LK_GEN_SMARTLOCK_1 || p[1] > LK_GEN_OPENER)
                return -EPROTO;
        lock_mtu = (uint16_t)(p[2] | p[3] << 8);
        if (lock_mtu < SIM_ATT_MTU_DEFAULT)
                return -EPROTO;
        s->info.generation = (enum lk_generation)p[1];
        s->info.generations = LK_GEN_BIT(s->info.generation); /* the lock says exactly */
        if (lock_mtu == SIM_ATT_MTU_DEFAULT)
                return sim_up(s, SIM_ATT_MTU_DEFAULT);

        /* The lock takes more than the default: propose ours, as BlueZ does on connect. */
        r = sim_send_packet(s, (const uint8_t[]){ SIM_MTU, SIM_ATT_MTU_MAX & 0xff,
                                                  SIM_ATT_MTU_MAX >> 8 }, 3);
        if (r < 0)
                return r;
        s->state = SIM_WAIT_MTU;
        return 0;
}

static int sim_on_mtu(struct sim_transport *s, const uint8_t *p, size_t n)
{
        uint16_t mtu;

        if (n != 3)
                return -EPROTO;
        mtu = (uint16_t)(p[1] | p[2] << 8);
        if (mtu < SIM_ATT_MTU_DEFAULT || mtu > SIM_ATT_MTU_MAX)
                return -EPROTO;
        return sim_up(s, mtu);
}

static int sim_on_packet(struct sim_transport *s, const uint8_t *p, size_t n)
{
        enum lk_channel ch;

        if (n < 1)
                return -EPROTO;
        switch (s->state) {
        case SIM_WAIT_HELLO:
                if (p[0] != SIM_HELLO)
                        return -EPROTO;
                return sim_on_hello(s, p, n);
        case SIM_WAIT_MTU:
                if (p[0] != SIM_MTU)
                        return -EPROTO;
                return sim_on_mtu(s, p, n);
        case SIM_UP:
                break;
        case SIM_IDLE:
        case SIM_CONNECTING:
                return -EPROTO;
        }

        if (n < SIM_HEAD || p[1] >= LK_CH_COUNT)
                return -EPROTO;
        ch = (enum lk_channel)p[1];
        switch (p[0]) {
        case SIM_WRITE_RSP:
                if (n != 3)
                        return -EPROTO;
                if (s->head.cb->on_sent)
                        s->head.cb->on_sent(s->head.userdata, ch, p[2] == 0 ? 0 : -ECOMM);
                return 0;
        case SIM_INDICATION:
                /* spec §1.2: at most ATT_MTU − 3 bytes per indication. */
                if (n - SIM_HEAD > (size_t)s->info.mtu - 3u)
                        return -EPROTO;
                if (s->head.cb->on_chunk)
                        s->head.cb->on_chunk(s->head.userdata, ch, p + SIM_HEAD, n - SIM_HEAD);
                return 0;
        default:
                return -EPROTO;
        }
}

static int sim_on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        struct sim_transport *s = userdata;
        uint8_t buf[SIM_PACKET_MAX];
        ssize_t n;
        int r;

        if (s->state == SIM_CONNECTING) {
                int err = 0;
                socklen_t len = sizeof(err);

                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        err = errno;
                if (err != 0) {
                        sim_fail(s, -err);
                        return 0;
                }
                s->state = SIM_WAIT_HELLO;
                (void) sd_event_source_set_io_events(source, EPOLLIN);
                return 0;
        }

        /* One packet per dispatch: a callback may free us, so nothing touches s after one. */
        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                sim_fail(s, errno == ECONNRESET ? -ECONNRESET : -errno);
                return 0;
        }
        if (n == 0) {
                /* Orderly hang-up: the lock dropped the link. */
                sim_fail(s, s->state == SIM_UP ? -ECONNRESET : -ECONNREFUSED);
                return 0;
        }
        if ((size_t)n > sizeof(buf)) {
                sim_fail(s, -EMSGSIZE);
                return 0;
        }
        /* A protocol violation is reported here; after a callback s may be gone. */
        r = sim_on_packet(s, buf, (size_t)n);
        if (r < 0)
                sim_fail(s, r);
        return 0;
}

/* The socket carries every channel (docs/sim-socket.md): flags need nothing more. */
static int sim_connect(struct lk_transport *t, unsigned flags)
{
        struct sim_transport *s = sim_of(t);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t len = strlen(s->path);
        int fd, r;

        if (s->state != SIM_IDLE)
                return -EALREADY;
        if (len >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, s->path, len + 1);

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        s->fd = fd;
        s->state = SIM_CONNECTING;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                /* AF_UNIX says EAGAIN when the backlog is full: the caller retries later. */
                if (errno != EINPROGRESS) {
                        r = -errno;
                        sim_close(s);
                        return r;
                }
                /* In progress: writable means done, SO_ERROR says how. */
                r = sd_event_add_io(s->event, &s->io, fd, EPOLLOUT, sim_on_io, s);
        } else {
                s->state = SIM_WAIT_HELLO;
                r = sd_event_add_io(s->event, &s->io, fd, EPOLLIN, sim_on_io, s);
        }
        if (r < 0) {
                sim_close(s);
                return r;
        }
        (void) sd_event_source_set_description(s->io, "lk-transport-sim");
        return 0;
}

static int sim_send(struct lk_transport *t, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        struct sim_transport *s = sim_of(t);
        uint8_t buf[SIM_PACKET_MAX];

        if (s->state != SIM_UP)
                return -ENOTCONN;
        if (n > SIM_VALUE_MAX)
                return -EMSGSIZE;
        buf[0] = SIM_WRITE;
        buf[1] = (uint8_t)ch;
        if (n > 0)
                memcpy(buf + SIM_HEAD, msg, n);
        return sim_send_packet(s, buf, SIM_HEAD + n);
}

static void sim_disconnect(struct lk_transport *t)
{
        sim_close(sim_of(t));
}

static void sim_free(struct lk_transport *t)
{
        struct sim_transport *s = sim_of(t);

        sim_close(s);
        sd_event_unref(s->event);
        free(s->path);
        free(s);
}

static const struct lk_transport_ops sim_ops = {
        .name = "sim",
        .connect = sim_connect,
        .send = sim_send,
        .disconnect = sim_disconnect,
        .free = sim_free,
};

int lk_transport_sim_new(sd_event *event, const char *path, const struct lk_transport_cb *cb,
                         void *userdata, struct lk_transport **ret)
{
        struct sim_transport *s;

        if (!event || !path || !cb || !ret)
                return -EINVAL;
        if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
                return -ENAMETOOLONG;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->path = strdup(path);
        if (!s->path) {
                free(s);
                return -ENOMEM;
        }
        s->head = (struct lk_transport){ .ops = &sim_ops, .cb = cb, .userdata = userdata };
        s->event = sd_event_ref(event);
        s->fd = -1;
        s->state = SIM_IDLE;
        *ret = &s->head;
        return 0;
}
