/* SPDX-License-Identifier: MIT */
/*
 * What the virtual lock's end-to-end tests share (test-sim-socket.c, test-sim-faults.c,
 * test-sim-process.c): the real build/bin/latchkey-sim as a subprocess, reached through
 * lk_transport_sim_new (ble/transport-sim.c) on an sd-event loop and through its control
 * socket. Nothing sleeps to synchronise: the sim says READY on a pipe, and every wait is a
 * bounded sd_event_run/poll on the descriptors involved. Define _GNU_SOURCE (pipe2) before
 * including this.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "lk-test.h"
#include "latchkey/commands.h"
#include "latchkey/frame.h"
#include "latchkey/pairing.h"
#include "latchkey/transport.h"

#define SIM_BIN LK_BINARY_DIR "/bin/latchkey-sim"
#define WAIT_MS 15000 /* generous for ASan on a loaded 2-core machine; never hit when it works */

static inline uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the sim process ---- */

static inline void set_sun_path(struct sockaddr_un *sa, const char *path)
{
        size_t n = strlen(path);

        assert_true(n < sizeof(sa->sun_path));
        memcpy(sa->sun_path, path, n + 1);
}

struct sim {
        char dir[64];      /* mkdtemp */
        char statedir[96]; /* dir/lock: created by the sim, 0700 */
        char state[128];
        char sock[128];
        char ctl[136];
        pid_t pid;
};

static inline void sim_paths(struct sim *s)
{
        strcpy(s->dir, "/tmp/lk-sim-test-XXXXXX");
        assert_non_null(mkdtemp(s->dir));
        snprintf(s->statedir, sizeof(s->statedir), "%s/lock", s->dir);
        snprintf(s->state, sizeof(s->state), "%s/state", s->statedir);
        snprintf(s->sock, sizeof(s->sock), "%s/sock", s->dir);
        snprintf(s->ctl, sizeof(s->ctl), "%s.ctl", s->sock);
        s->pid = -1;
}

/* Start the sim with extra options; returns 0 when READY, else its exit status (or -1). */
static inline int sim_try_start(struct sim *s, const char *const *extra)
{
        const char *argv[40];
        char fdbuf[16];
        int p[2], n = 0, status;
        char buf[8] = { 0 };
        struct pollfd pfd;
        ssize_t k;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        s->pid = fork();
        assert_true(s->pid >= 0);
        if (s->pid == 0) {
                int fd = dup(p[1]); /* without O_CLOEXEC: the one the sim inherits */
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                (void)prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlives a failed test: its stderr
                                                         * would hold ctest's pipe open */
                if (fd < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0)
                        _exit(126);
                snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
                argv[n++] = SIM_BIN;
                argv[n++] = "run";
                argv[n++] = "--socket";
                argv[n++] = s->sock;
                argv[n++] = "--state";
                argv[n++] = s->state;
                argv[n++] = "--ready-fd";
                argv[n++] = fdbuf;
                argv[n++] = "--motor-ms"; /* at once; extra may set it again */
                argv[n++] = "0";
                for (; extra && *extra && n < 38; extra++)
                        argv[n++] = *extra;
                argv[n] = NULL;
                execv(SIM_BIN, (char *const *)argv);
                _exit(127);
        }
        close(p[1]);
        pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
        assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
        k = read(p[0], buf, sizeof(buf) - 1);
        close(p[0]);
        if (k == 6 && strcmp(buf, "READY\n") == 0)
                return 0;
        /* EOF: it exited without getting ready. */
        assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
        s->pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static inline void sim_start(struct sim *s, const char *const *extra)
{
        assert_int_equal(sim_try_start(s, extra), 0);
}

static inline void sim_stop(struct sim *s)
{
        int status;

        assert_true(s->pid > 0);
        assert_int_equal(kill(s->pid, SIGTERM), 0);
        assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        s->pid = -1;
}

static inline void sim_kill9(struct sim *s)
{
        int status;

        assert_int_equal(kill(s->pid, SIGKILL), 0);
        assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
        s->pid = -1;
}

static inline void sim_cleanup(struct sim *s)
{
        char cmd[256];

        if (s->pid > 0)
                sim_kill9(s);
        /* Our own mkdtemp directory only. */
        snprintf(cmd, sizeof(cmd), "%s/state.tmp", s->statedir);
        (void) unlink(cmd);
        (void) unlink(s->state);
        (void) rmdir(s->statedir);
        (void) unlink(s->sock);
        (void) unlink(s->ctl);
        (void) rmdir(s->dir);
}

/* One control request; returns the parsed reply (caller frees). */
static inline cJSON *ctl(struct sim *s, const char *req)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        static char buf[1 << 18];
        struct pollfd pfd;
        cJSON *json;
        ssize_t n;
        int fd;

        set_sun_path(&sa, s->ctl);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
        pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
        assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
        n = recv(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        assert_true(n > 0);
        buf[n] = '\0';
        json = cJSON_Parse(buf);
        assert_non_null(json);
        return json;
}

static inline void ctl_ok(struct sim *s, const char *req)
{
        cJSON *j = ctl(s, req);

        if (!cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")))
                fail_msg("ctl '%s' failed: %s", req, cJSON_PrintUnformatted(j));
        cJSON_Delete(j);
}

/* ---- a client on the transport ---- */

#define MSGS_MAX 64

struct rx_msg {
        enum lk_channel ch;
        size_t len;
        uint8_t data[LK_MSG_MAX];
};

struct client {
        sd_event *e;
        struct lk_transport *t;
        int connected;            /* 0 pending, 1 up, < 0 failed */
        struct lk_link_info info;
        bool down;
        int down_error;
        unsigned sent;
        int sent_error;
        size_t max_chunk, chunks;
        size_t chunk_sizes[256];
        struct lk_reasm reasm[LK_CH_COUNT];
        struct rx_msg msgs[MSGS_MAX];
        unsigned nmsgs;
        /* pairing */
        struct lk_pair_client *pair;
        int pair_status; /* 0 running, 1 done, < 0 failed */
};

static inline void cl_on_connected(void *userdata, int error, const struct lk_link_info *info)
{
        struct client *c = userdata;

        c->connected = error < 0 ? error : 1;
        if (info)
                c->info = *info;
}

static inline void cl_on_sent(void *userdata, enum lk_channel ch, int error)
{
        struct client *c = userdata;

        c->sent++;
        if (error < 0)
                c->sent_error = error;
}

static inline void cl_on_chunk(void *userdata, enum lk_channel ch, const uint8_t *chunk, size_t n)
{
        struct client *c = userdata;
        uint8_t out[LK_PAIR_OUT_MAX];
        size_t used, out_len = 0;
        int r;

        assert_true(n <= (size_t)c->info.mtu - 3u);
        if (c->chunks < 256)
                c->chunk_sizes[c->chunks] = n;
        c->chunks++;
        if (n > c->max_chunk)
                c->max_chunk = n;

        if (c->pair && ch == LK_CH_PAIRING && c->pair_status == 0) {
                r = lk_pair_client_feed(c->pair, chunk, n, out, sizeof(out), &out_len);
                if (r < 0) {
                        c->pair_status = r;
                        return;
                }
                if (out_len > 0)
                        assert_int_equal(lk_transport_send(c->t, LK_CH_PAIRING, out, out_len), 0);
                if (r == LK_PAIR_DONE)
                        c->pair_status = 1;
                return;
        }
        while (n > 0) {
                r = lk_reasm_feed(&c->reasm[ch], chunk, n, &used);
                assert_true(r >= 0);
                chunk += used;
                n -= used;
                if (r == 1) {
                        assert_true(c->nmsgs < MSGS_MAX);
                        c->msgs[c->nmsgs].ch = ch;
                        c->msgs[c->nmsgs].len = c->reasm[ch].len;
                        memcpy(c->msgs[c->nmsgs].data, c->reasm[ch].buf, c->reasm[ch].len);
                        c->nmsgs++;
                }
        }
}

static inline void cl_on_disconnect(void *userdata, int error)
{
        struct client *c = userdata;

        c->down = true;
        c->down_error = error;
        c->connected = 0;
}

static const struct lk_transport_cb cl_cb = {
        .on_connected = cl_on_connected,
        .on_sent = cl_on_sent,
        .on_chunk = cl_on_chunk,
        .on_disconnect = cl_on_disconnect,
};

#define WAIT_FOR(c, expr)                                                             \
        do {                                                                          \
                uint64_t _end = now_ms() + WAIT_MS;                                   \
                while (!(expr)) {                                                     \
                        if (now_ms() > _end)                                          \
                                fail_msg("timed out waiting for %s", #expr);          \
                        assert_true(sd_event_run((c)->e, 100000) >= 0);               \
                }                                                                     \
        } while (0)

/* Run the loop for ms, for asserting that nothing happens. */
static inline void run_for(struct client *c, unsigned ms)
{
        uint64_t end = now_ms() + ms;

        while (now_ms() < end)
                assert_true(sd_event_run(c->e, (end - now_ms()) * 1000u) >= 0);
}

static inline void client_reset_rx(struct client *c)
{
        unsigned i;

        for (i = 0; i < LK_CH_COUNT; i++)
                lk_reasm_init(&c->reasm[i], i == LK_CH_USDIO ? LK_FRAMING_SEALED : LK_FRAMING_PLAIN);
        c->nmsgs = 0;
        c->chunks = 0;
        c->max_chunk = 0;
        c->sent = 0;
        c->sent_error = 0;
        c->down = false;
}

static inline void client_open(struct client *c, struct sim *s)
{
        memset(c, 0, sizeof(*c));
        assert_int_equal(sd_event_new(&c->e), 0);
        assert_int_equal(lk_transport_sim_new(c->e, s->sock, &cl_cb, c, &c->t), 0);
        client_reset_rx(c);
}

static inline void client_connect(struct client *c)
{
        client_reset_rx(c);
        c->connected = 0;
        assert_int_equal(lk_transport_connect(c->t, 0), 0);
        WAIT_FOR(c, c->connected != 0);
        assert_int_equal(c->connected, 1);
}

static inline void client_close(struct client *c)
{
        c->t = lk_transport_free(c->t);
        c->e = sd_event_unref(c->e);
}

static inline void client_send(struct client *c, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        unsigned before = c->sent;

        assert_int_equal(lk_transport_send(c->t, ch, msg, n), 0);
        WAIT_FOR(c, c->sent > before || c->down);
}

/* ---- protocol helpers ---- */

struct paired {
        uint32_t auth_id;
        uint8_t key[LK_KEY_SIZE];
};

static inline void pair(struct client *c, struct sim *s, struct paired *ret)
{
        struct lk_pair_client pc;
        struct lk_pair_result res;
        uint8_t out[LK_PAIR_OUT_MAX];
        size_t out_len;
        const struct lk_pair_client_config cfg = {
                .gen = c->info.generation, .id_type = LK_ID_APP, .app_id = 0x4c4b0001,
                .name = "latchkey test", .pin = 0,
        };

        ctl_ok(s, "press-button");
        assert_int_equal(lk_pair_client_init(&pc, &cfg, &lk_env_default), 0);
        assert_int_equal(lk_pair_client_start(&pc, out, sizeof(out), &out_len), LK_PAIR_CONTINUE);
        c->pair = &pc;
        c->pair_status = 0;
        assert_int_equal(lk_transport_send(c->t, LK_CH_PAIRING, out, out_len), 0);
        WAIT_FOR(c, c->pair_status != 0 || c->down);
        c->pair = NULL;
        if (c->pair_status < 0) {
                uint8_t code = 0;
                uint16_t cmd = 0;

                if (lk_pair_client_remote_error(&pc, &code, &cmd) < 0)
                        code = 0;
                fail_msg("pairing failed: %d (lock error 0x%02x for 0x%04x)", c->pair_status,
                         code, cmd);
        }
        assert_int_equal(lk_pair_client_take_result(&pc, &res), 0);
        lk_pair_client_wipe(&pc);
        ret->auth_id = res.auth_id;
        memcpy(ret->key, res.shared_key, LK_KEY_SIZE);
        sodium_memzero(&res, sizeof(res));
}

/* Wait for the next whole message after index from; returns its index. */
static inline unsigned wait_msg(struct client *c, unsigned from)
{
        WAIT_FOR(c, c->nmsgs > from || c->down);
        assert_true(c->nmsgs > from);
        return from;
}

static inline void send_sealed(struct client *c, const struct paired *p, uint16_t cmd,
                        const uint8_t *payload, size_t n)
{
        uint8_t nonce[LK_NONCE_SIZE], buf[LK_MSG_MAX];
        ssize_t len;

        randombytes_buf(nonce, sizeof(nonce));
        len = lk_sealed_encode(p->key, nonce, p->auth_id, cmd, payload, n, buf, sizeof(buf));
        assert_true(len > 0);
        client_send(c, LK_CH_USDIO, buf, (size_t)len);
}

/* Request Data(Keyturner States) encrypted (spec §5.2: neither nonce nor PIN); decode it. */
static inline int read_states(struct client *c, const struct paired *p,
                              struct lk_keyturner_states *ret)
{
        const uint8_t req[] = { 0x0c, 0x00 };
        uint8_t pdata[LK_PDATA_MAX];
        struct lk_msg m;
        unsigned i = c->nmsgs;
        int r;

        send_sealed(c, p, LK_CMD_REQUEST_DATA, req, sizeof(req));
        i = wait_msg(c, i);
        assert_int_equal(c->msgs[i].ch, LK_CH_USDIO);
        r = lk_sealed_decode(p->key, c->msgs[i].data, c->msgs[i].len, pdata, sizeof(pdata), &m);
        if (r < 0)
                return r;
        assert_int_equal(m.auth_id, p->auth_id);
        assert_int_equal(m.cmd, LK_CMD_KEYTURNER_STATES);
        assert_int_equal(lk_keyturner_states_decode(m.payload, m.len, ret), 0);
        return 0;
}

static const uint8_t request_pk[] = { 0x01, 0x00, 0x03, 0x00, 0x27, 0xa7 }; /* spec §4.1 step 1 */
