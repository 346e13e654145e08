/* SPDX-License-Identifier: MIT */
/*
 * The virtual lock end to end: the real build/bin/latchkey-sim as a subprocess, reached through
 * lk_transport_sim_new (ble/transport-sim.c) on an sd-event loop and through its control
 * socket. Nothing sleeps to synchronise: the sim says READY on a pipe, and every wait is a
 * bounded sd_event_run/poll on the descriptors involved.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the sim process ---- */

static void set_sun_path(struct sockaddr_un *sa, const char *path)
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

static void sim_paths(struct sim *s)
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
static int sim_try_start(struct sim *s, const char *const *extra)
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

static void sim_start(struct sim *s, const char *const *extra)
{
        assert_int_equal(sim_try_start(s, extra), 0);
}

static void sim_stop(struct sim *s)
{
        int status;

        assert_true(s->pid > 0);
        assert_int_equal(kill(s->pid, SIGTERM), 0);
        assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        s->pid = -1;
}

static void sim_kill9(struct sim *s)
{
        int status;

        assert_int_equal(kill(s->pid, SIGKILL), 0);
        assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
        s->pid = -1;
}

static void sim_cleanup(struct sim *s)
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
static cJSON *ctl(struct sim *s, const char *req)
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

static void ctl_ok(struct sim *s, const char *req)
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

static void cl_on_connected(void *userdata, int error, const struct lk_link_info *info)
{
        struct client *c = userdata;

        c->connected = error < 0 ? error : 1;
        if (info)
                c->info = *info;
}

static void cl_on_sent(void *userdata, enum lk_channel ch, int error)
{
        struct client *c = userdata;

        c->sent++;
        if (error < 0)
                c->sent_error = error;
}

static void cl_on_chunk(void *userdata, enum lk_channel ch, const uint8_t *chunk, size_t n)
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

static void cl_on_disconnect(void *userdata, int error)
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
static void run_for(struct client *c, unsigned ms)
{
        uint64_t end = now_ms() + ms;

        while (now_ms() < end)
                assert_true(sd_event_run(c->e, (end - now_ms()) * 1000u) >= 0);
}

static void client_reset_rx(struct client *c)
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

static void client_open(struct client *c, struct sim *s)
{
        memset(c, 0, sizeof(*c));
        assert_int_equal(sd_event_new(&c->e), 0);
        assert_int_equal(lk_transport_sim_new(c->e, s->sock, &cl_cb, c, &c->t), 0);
        client_reset_rx(c);
}

static void client_connect(struct client *c)
{
        client_reset_rx(c);
        c->connected = 0;
        assert_int_equal(lk_transport_connect(c->t, 0), 0);
        WAIT_FOR(c, c->connected != 0);
        assert_int_equal(c->connected, 1);
}

static void client_close(struct client *c)
{
        c->t = lk_transport_free(c->t);
        c->e = sd_event_unref(c->e);
}

static void client_send(struct client *c, enum lk_channel ch, const uint8_t *msg, size_t n)
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

static void pair(struct client *c, struct sim *s, struct paired *ret)
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
static unsigned wait_msg(struct client *c, unsigned from)
{
        WAIT_FOR(c, c->nmsgs > from || c->down);
        assert_true(c->nmsgs > from);
        return from;
}

static void send_sealed(struct client *c, const struct paired *p, uint16_t cmd,
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
static int read_states(struct client *c, const struct paired *p, struct lk_keyturner_states *ret)
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

/* ---- tests ---- */

static void test_start_creates_private_state(void **state)
{
        struct sim s;
        struct stat st;
        char tmp[160];

        sim_paths(&s);
        sim_start(&s, NULL);
        assert_int_equal(stat(s.statedir, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_int_equal(stat(s.state, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(stat(s.sock, &st), 0);
        assert_true(S_ISSOCK(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(stat(s.ctl, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        snprintf(tmp, sizeof(tmp), "%s.tmp", s.state);
        assert_int_equal(access(tmp, F_OK), -1);
        sim_stop(&s);
        /* Sockets are removed on a clean exit; the state stays. */
        assert_int_equal(access(s.sock, F_OK), -1);
        assert_int_equal(access(s.state, F_OK), 0);
        sim_cleanup(&s);
}

static void test_refuses_unsafe_directory(void **state)
{
        struct sim s;

        sim_paths(&s);
        assert_int_equal(mkdir(s.statedir, 0700), 0);
        assert_int_equal(chmod(s.statedir, 0777), 0);
        assert_int_equal(sim_try_start(&s, NULL), 3);
        assert_int_equal(access(s.state, F_OK), -1);
        sim_cleanup(&s);
}

static void test_refuses_corrupt_state(void **state)
{
        struct sim s;
        int fd;

        sim_paths(&s);
        assert_int_equal(mkdir(s.statedir, 0700), 0);
        fd = open(s.state, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "garbage", 7), 7);
        close(fd);
        assert_int_equal(sim_try_start(&s, NULL), 3);
        sim_cleanup(&s);
}

static void hello(unsigned mtu_opt, unsigned want_mtu)
{
        char mtu[8];
        const char *extra[] = { "--mtu", mtu, "--generation", "2", NULL };
        struct sim s;
        struct client c;

        snprintf(mtu, sizeof(mtu), "%u", mtu_opt);
        sim_paths(&s);
        sim_start(&s, extra);
        client_open(&c, &s);
        client_connect(&c);
        assert_int_equal(c.info.generation, LK_GEN_SMARTLOCK_2);
        assert_int_equal(c.info.mtu, want_mtu);
        assert_int_equal(lk_transport_connect(c.t, 0), -EALREADY);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_hello_mtu23(void **state) { hello(23, 23); }
static void test_hello_mtu247(void **state) { hello(247, 247); }
static void test_hello_mtu100(void **state) { hello(100, 100); }

static void test_not_pairing_error(void **state)
{
        struct sim s;
        struct client c;
        struct lk_msg m;
        struct lk_error_report er;

        sim_paths(&s);
        sim_start(&s, NULL);
        client_open(&c, &s);
        client_connect(&c);
        client_send(&c, LK_CH_PAIRING, request_pk, sizeof(request_pk));
        assert_int_equal(c.sent_error, 0);
        wait_msg(&c, 0);
        assert_int_equal(c.msgs[0].ch, LK_CH_PAIRING);
        assert_int_equal(lk_plain_decode(c.msgs[0].data, c.msgs[0].len, &m), 0);
        assert_int_equal(m.cmd, LK_CMD_ERROR_REPORT);
        assert_int_equal(lk_error_report_decode(m.payload, m.len, &er), 0);
        assert_int_equal(er.code, LK_P_ERROR_NOT_PAIRING);
        assert_int_equal(lk_transport_send(c.t, 3, request_pk, 6), -EINVAL);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void pair_and_read(const char *mtu, size_t want_chunk)
{
        const char *extra[] = { "--mtu", mtu, NULL };
        struct sim s;
        struct client c;
        struct paired p;
        struct lk_keyturner_states ks;
        size_t i;

        sim_paths(&s);
        sim_start(&s, extra);
        client_open(&c, &s);
        client_connect(&c);
        pair(&c, &s, &p);
        assert_true(p.auth_id != 0);
        /* spec §1.2: 36-byte Public Key as 20 + 16 at MTU 23; whole at 247. */
        assert_true(c.chunks >= 2);
        assert_int_equal(c.chunk_sizes[0], want_chunk == 20 ? 20 : 36);
        if (want_chunk == 20)
                assert_int_equal(c.chunk_sizes[1], 16);
        for (i = 0; i < c.chunks && i < 256; i++)
                assert_true(c.chunk_sizes[i] <= want_chunk);
        assert_int_equal(read_states(&c, &p, &ks), 0);
        assert_true(ks.len >= LK_KEYTURNER_STATES_MIN);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
        sodium_memzero(&p, sizeof(p));
}

static void test_pair_mtu23(void **state) { pair_and_read("23", 20); }
static void test_pair_mtu247(void **state) { pair_and_read("247", 244); }

static void test_pair_ultra(void **state)
{
        char pinfile[160];
        const char *extra[] = { "--generation", "ultra", "--pin-file", pinfile, NULL };
        struct sim s;
        struct client c;
        struct paired p;
        struct lk_pair_client pc;
        struct lk_pair_result res;
        struct lk_keyturner_states ks;
        uint8_t out[LK_PAIR_OUT_MAX];
        size_t out_len;
        int fd;
        const struct lk_pair_client_config cfg = {
                .gen = LK_GEN_ULTRA, .id_type = LK_ID_APP, .app_id = 7, .name = "ultra test",
                .pin = 123456,
        };

        sim_paths(&s);
        snprintf(pinfile, sizeof(pinfile), "%s/pin", s.dir);
        fd = open(pinfile, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "123456\n", 7), 7);
        close(fd);
        sim_start(&s, extra);
        client_open(&c, &s);
        client_connect(&c);
        assert_int_equal(c.info.generation, LK_GEN_ULTRA);

        ctl_ok(&s, "press-button");
        assert_int_equal(lk_pair_client_init(&pc, &cfg, &lk_env_default), 0);
        assert_int_equal(lk_pair_client_start(&pc, out, sizeof(out), &out_len), 0);
        c.pair = &pc;
        assert_int_equal(lk_transport_send(c.t, LK_CH_PAIRING, out, out_len), 0);
        WAIT_FOR(&c, c.pair_status != 0 || c.down);
        c.pair = NULL;
        assert_int_equal(c.pair_status, 1);
        assert_int_equal(lk_pair_client_take_result(&pc, &res), 0);
        lk_pair_client_wipe(&pc);
        p.auth_id = res.auth_id;
        memcpy(p.key, res.shared_key, LK_KEY_SIZE);
        sodium_memzero(&res, sizeof(res));
        assert_int_equal(read_states(&c, &p, &ks), 0);
        client_close(&c);
        sim_stop(&s);
        (void) unlink(pinfile);
        sim_cleanup(&s);
}

static void test_ctl_button_and_code(void **state)
{
        struct sim s;
        cJSON *j;

        sim_paths(&s);
        sim_start(&s, NULL);
        j = ctl(&s, "press-button");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "pairing_mode")));
        cJSON_Delete(j);

        /* No codes stored: the keypad refuses (spec §7.5 0xE0). */
        j = ctl(&s, "type-code 123456");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
        assert_int_equal(cJSON_GetObjectItem(j, "completion_status")->valueint, 0xE0);
        cJSON_Delete(j);

        j = ctl(&s, "type-code 12x");
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "ok")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "error")));
        cJSON_Delete(j);

        ctl_ok(&s, "turn-knob unlock");
        ctl_ok(&s, "clock set 2030-01-02T03:04:05Z");
        j = ctl(&s, "clock advance 60");
        assert_string_equal(cJSON_GetObjectItem(j, "clock")->valuestring, "2030-01-02T03:05:05Z");
        cJSON_Delete(j);
        ctl_ok(&s, "battery 15");

        j = ctl(&s, "state");
        assert_true(cJSON_IsObject(cJSON_GetObjectItem(j, "state")));
        assert_true(cJSON_IsObject(cJSON_GetObjectItem(j, "sim")));
        cJSON_Delete(j);

        j = ctl(&s, "nonsense");
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "ok")));
        cJSON_Delete(j);

        /* quit ends the process cleanly. */
        {
                int status;

                ctl_ok(&s, "quit");
                assert_int_equal(waitpid(s.pid, &status, 0), s.pid);
                assert_true(WIFEXITED(status));
                assert_int_equal(WEXITSTATUS(status), 0);
                s.pid = -1;
        }
        sim_cleanup(&s);
}

/* Run the CLI with argv (NULL-terminated, after the program name); its exit status. */
static int run_cli(const char *const *args)
{
        const char *argv[16] = { SIM_BIN };
        int n = 1, status;
        pid_t pid;

        for (; *args && n < 15; args++)
                argv[n++] = *args;
        argv[n] = NULL;
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                if (null < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
                        _exit(126);
                execv(SIM_BIN, (char *const *)argv);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_ctl_cli(void **state)
{
        struct sim s;
        char nope[160];

        sim_paths(&s);
        snprintf(nope, sizeof(nope), "%s.nope", s.sock);
        sim_start(&s, NULL);
        assert_int_equal(run_cli((const char *[]){ "press-button", "--socket", s.sock, NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "type-code", "--socket", s.sock, "123456",
                                                   "lock", NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "state", "--socket", s.sock, NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "ctl", "--socket", s.sock, "clock", "advance",
                                                   "-5", NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "ctl", "--socket", s.sock, "fault", "bogus",
                                                   NULL }), 1);
        assert_int_equal(run_cli((const char *[]){ "state", "--socket", nope, NULL }), 4);
        assert_int_equal(run_cli((const char *[]){ "run", "--socket", s.sock, NULL }), 2);
        assert_int_equal(run_cli((const char *[]){ "frobnicate", NULL }), 2);
        assert_int_equal(run_cli((const char *[]){ "run", "--help", NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "ctl", "--help", NULL }), 0);
        assert_int_equal(run_cli((const char *[]){ "--help", NULL }), 0);
        /* A second sim on a live socket is refused. */
        assert_int_equal(run_cli((const char *[]){ "run", "--socket", s.sock, "--state",
                                                   s.state, NULL }), 4);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_restart_keeps_pairing(void **state)
{
        struct sim s;
        struct client c;
        struct paired p;
        struct lk_keyturner_states ks;

        sim_paths(&s);
        sim_start(&s, NULL);
        client_open(&c, &s);
        client_connect(&c);
        pair(&c, &s, &p);
        client_close(&c);
        sim_stop(&s);

        sim_start(&s, NULL);
        client_open(&c, &s);
        client_connect(&c);
        assert_int_equal(read_states(&c, &p, &ks), 0);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
}

/* A field of the engine's state (ctl "state"). */
static cJSON *state_of(struct sim *s, cJSON **ret_root)
{
        cJSON *j = ctl(s, "state"), *st = cJSON_GetObjectItem(j, "state");

        assert_true(cJSON_IsObject(st));
        *ret_root = j;
        return st;
}

/*
 * kill -9 at many moments while the sim saves: a burst of state-changing control requests is
 * in flight (each one an fsync'd save) and the sim dies after a varying number of replies.
 * Every restart must load the state; every change that was answered must have survived (the
 * sim saves before it answers); and the pairing must survive all of it.
 */
static void test_kill9_during_saves(void **state)
{
        struct sim s;
        struct client c;
        struct paired p;
        struct lk_keyturner_states ks;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char tmp[160];
        unsigned it;
        int acked = -1; /* log index the last iteration's answered changes reached */

        sim_paths(&s);
        sim_start(&s, NULL);
        client_open(&c, &s);
        client_connect(&c);
        pair(&c, &s, &p);
        client_close(&c);
        sim_kill9(&s);
        snprintf(tmp, sizeof(tmp), "%s.tmp", s.state);
        set_sun_path(&sa, s.ctl);

        for (it = 0; it < 30; it++) {
                unsigned k, replies = it % 12, sent = 0;
                bool locked;
                cJSON *root, *st;
                int base, fd;

                sim_start(&s, NULL); /* READY means the state loaded */
                st = state_of(&s, &root);
                base = cJSON_GetObjectItem(st, "log_next_index")->valueint;
                locked = strcmp(cJSON_GetObjectItem(st, "lock_state")->valuestring, "locked") == 0;
                cJSON_Delete(root);
                assert_true(base >= acked);

                fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
                assert_true(fd >= 0);
                assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
                /* A burst: each one turns the knob the other way and logs, so each one saves. */
                for (k = 0; k < 24; k++) {
                        const char *req = (k % 2 == 0) == locked ? "turn-knob unlock"
                                                                 : "turn-knob lock";

                        if (send(fd, req, strlen(req), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                                break;
                        sent++;
                }
                for (k = 0; k < replies && k < sent; k++) {
                        char buf[512];
                        struct pollfd pfd = { .fd = fd, .events = POLLIN };
                        ssize_t n;

                        assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
                        n = recv(fd, buf, sizeof(buf) - 1, 0);
                        assert_true(n > 0);
                        buf[n] = '\0';
                        assert_non_null(strstr(buf, "\"ok\":true"));
                }
                acked = base + (int)k;
                sim_kill9(&s);
                close(fd);
        }

        sim_start(&s, NULL);
        /* The start removed any interrupted save. */
        assert_int_equal(access(tmp, F_OK), -1);
        client_open(&c, &s);
        client_connect(&c);
        assert_int_equal(read_states(&c, &p, &ks), 0);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
        sodium_memzero(&p, sizeof(p));
}

/* A stale, garbage .tmp (a save cut short) never breaks a start. */
static void test_stale_tmp_ignored(void **state)
{
        struct sim s;
        char tmp[160];
        int fd;

        sim_paths(&s);
        sim_start(&s, NULL);
        sim_kill9(&s);
        snprintf(tmp, sizeof(tmp), "%s.tmp", s.state);
        fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "half a sa", 9), 9);
        close(fd);
        sim_start(&s, NULL);
        assert_int_equal(access(tmp, F_OK), -1);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_fault_drop_before(void **state)
{
        struct sim s;
        struct client c;

        sim_paths(&s);
        sim_start(&s, NULL);
        ctl_ok(&s, "fault drop-before 2");
        client_open(&c, &s);
        client_connect(&c);
        client_send(&c, LK_CH_PAIRING, request_pk, sizeof(request_pk));
        assert_int_equal(c.sent, 1);
        wait_msg(&c, 0);
        /* The second write never gets its response: the link drops first. */
        assert_int_equal(lk_transport_send(c.t, LK_CH_PAIRING, request_pk, sizeof(request_pk)), 0);
        WAIT_FOR(&c, c.down);
        assert_int_equal(c.down_error, -ECONNRESET);
        assert_int_equal(c.sent, 1);
        assert_int_equal(c.nmsgs, 1);
        assert_int_equal(lk_transport_send(c.t, LK_CH_PAIRING, request_pk, 6), -ENOTCONN);
        /* One shot: the next connection works. */
        client_connect(&c);
        client_send(&c, LK_CH_PAIRING, request_pk, sizeof(request_pk));
        wait_msg(&c, 0);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_fault_drop_after(void **state)
{
        struct sim s;
        struct client c;

        sim_paths(&s);
        sim_start(&s, NULL);
        ctl_ok(&s, "fault drop-after 1");
        client_open(&c, &s);
        client_connect(&c);
        client_send(&c, LK_CH_PAIRING, request_pk, sizeof(request_pk));
        WAIT_FOR(&c, c.down);
        /* The reply came out whole before the link went. */
        assert_int_equal(c.sent, 1);
        assert_int_equal(c.nmsgs, 1);
        assert_int_equal(c.down_error, -ECONNRESET);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_fault_lose_reply(void **state)
{
        struct sim s;
        struct client c;

        sim_paths(&s);
        sim_start(&s, NULL);
        client_open(&c, &s);
        client_connect(&c);
        ctl_ok(&s, "fault lose-reply");
        client_send(&c, LK_CH_PAIRING, request_pk, sizeof(request_pk));
        client_send(&c, LK_CH_PAIRING, request_pk, sizeof(request_pk));
        wait_msg(&c, 0);
        /* Writes are handled in order: the second reply arrived, so the first is lost. */
        assert_int_equal(c.sent, 2);
        assert_int_equal(c.nmsgs, 1);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_fault_corrupt(void **state)
{
        struct sim s;
        struct client c;
        struct paired p;
        struct lk_keyturner_states ks;
        struct lk_msg m;

        sim_paths(&s);
        sim_start(&s, NULL);
        client_open(&c, &s);
        client_connect(&c);

        /* Plain: the CRC fails. */
        ctl_ok(&s, "fault corrupt");
        client_send(&c, LK_CH_PAIRING, request_pk, sizeof(request_pk));
        wait_msg(&c, 0);
        assert_int_equal(lk_plain_decode(c.msgs[0].data, c.msgs[0].len, &m), -EBADMSG);

        /* Encrypted: the MAC fails; the next read is fine again. */
        pair(&c, &s, &p);
        ctl_ok(&s, "fault corrupt");
        assert_int_equal(read_states(&c, &p, &ks), -EBADMSG);
        assert_int_equal(read_states(&c, &p, &ks), 0);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_fault_stall(void **state)
{
        struct sim s;
        struct client c;

        sim_paths(&s);
        sim_start(&s, NULL);
        client_open(&c, &s);
        client_connect(&c);
        ctl_ok(&s, "fault stall");
        assert_int_equal(lk_transport_send(c.t, LK_CH_PAIRING, request_pk, sizeof(request_pk)), 0);
        run_for(&c, 300);
        assert_int_equal(c.sent, 0);
        assert_int_equal(c.nmsgs, 0);
        assert_false(c.down);
        /* The stall ends with the link. */
        lk_transport_disconnect(c.t);
        client_connect(&c);
        client_send(&c, LK_CH_PAIRING, request_pk, sizeof(request_pk));
        wait_msg(&c, 0);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_link_latency(void **state)
{
        const char *extra[] = { "--mtu", "23", "--connect-ms", "120", NULL };
        struct sim s;
        struct client c;
        uint64_t t0;

        sim_paths(&s);
        sim_start(&s, extra);
        client_open(&c, &s);
        t0 = now_ms();
        client_connect(&c);
        assert_true(now_ms() - t0 >= 120);

        ctl_ok(&s, "link connect-ms 0 write-ms 150 indicate-ms 40 process-ms 30");
        ctl_ok(&s, "press-button");
        t0 = now_ms();
        client_send(&c, LK_CH_PAIRING, request_pk, sizeof(request_pk));
        assert_true(now_ms() - t0 >= 150);
        /* The 36-byte Public Key: two indications, 40 ms before each, after 30 ms of work. */
        wait_msg(&c, 0);
        assert_true(now_ms() - t0 >= 150 + 30 + 80);
        assert_int_equal(c.chunks, 2);
        client_close(&c);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_one_connection_at_a_time(void **state)
{
        struct sim s;
        struct client a, b;

        sim_paths(&s);
        sim_start(&s, NULL);
        client_open(&a, &s);
        client_connect(&a);

        /* b shares a's loop so both progress. */
        memset(&b, 0, sizeof(b));
        b.e = a.e;
        assert_int_equal(lk_transport_sim_new(b.e, s.sock, &cl_cb, &b, &b.t), 0);
        client_reset_rx(&b);
        assert_int_equal(lk_transport_connect(b.t, 0), 0);
        run_for(&a, 300);
        assert_int_equal(b.connected, 0); /* waiting in the backlog */

        lk_transport_disconnect(a.t);
        WAIT_FOR(&b, b.connected != 0);
        assert_int_equal(b.connected, 1);
        b.t = lk_transport_free(b.t);
        client_close(&a);
        sim_stop(&s);
        sim_cleanup(&s);
}

static int raw_connect(struct sim *s)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        uint8_t buf[16];
        struct pollfd pfd;
        int fd;

        set_sun_path(&sa, s->sock);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
        assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
        assert_int_equal(recv(fd, buf, sizeof(buf), 0), 4); /* HELLO */
        assert_int_equal(buf[0], 0x00);
        return fd;
}

static void expect_closed(int fd)
{
        uint8_t buf[600];
        struct pollfd pfd = { .fd = fd, .events = POLLIN };

        assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
        assert_int_equal(recv(fd, buf, sizeof(buf), 0), 0);
        close(fd);
}

static void test_malformed_packets_close(void **state)
{
        struct sim s;
        uint8_t big[2 + 513] = { 0x01, 0x00 };
        int fd;

        sim_paths(&s);
        sim_start(&s, NULL);

        fd = raw_connect(&s);
        assert_int_equal(send(fd, "\x09\x00\x00", 3, 0), 3); /* unknown kind */
        expect_closed(fd);

        fd = raw_connect(&s);
        assert_int_equal(send(fd, "\x01\x03\x00", 3, 0), 3); /* channel 3 */
        expect_closed(fd);

        fd = raw_connect(&s);
        assert_int_equal(send(fd, "\x01", 1, 0), 1); /* no channel byte */
        expect_closed(fd);

        fd = raw_connect(&s);
        assert_int_equal(send(fd, big, sizeof(big), 0), (ssize_t)sizeof(big)); /* 513 bytes */
        expect_closed(fd);

        /* MTU exchange: the lock answers min(client, lock). */
        fd = raw_connect(&s);
        {
                uint8_t rsp[8];
                struct pollfd pfd = { .fd = fd, .events = POLLIN };

                assert_int_equal(send(fd, "\x04\x64\x00", 3, 0), 3); /* 100 */
                assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
                assert_int_equal(recv(fd, rsp, sizeof(rsp), 0), 3);
                assert_int_equal(rsp[0], 0x04);
                assert_int_equal(rsp[1] | rsp[2] << 8, 100);
        }
        close(fd);
        sim_stop(&s);
        sim_cleanup(&s);
}

static void test_transport_connect_refused(void **state)
{
        struct client c;
        struct sim s;

        sim_paths(&s); /* nothing listens */
        client_open(&c, &s);
        assert_true(lk_transport_connect(c.t, 0) < 0);
        assert_int_equal(lk_transport_send(c.t, LK_CH_PAIRING, request_pk, 6), -ENOTCONN);
        lk_transport_disconnect(c.t);
        assert_null(lk_transport_free(NULL));
        client_close(&c);
        sim_cleanup(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_transport_connect_refused),
                cmocka_unit_test(test_start_creates_private_state),
                cmocka_unit_test(test_refuses_unsafe_directory),
                cmocka_unit_test(test_refuses_corrupt_state),
                cmocka_unit_test(test_hello_mtu23),
                cmocka_unit_test(test_hello_mtu247),
                cmocka_unit_test(test_hello_mtu100),
                cmocka_unit_test(test_not_pairing_error),
                cmocka_unit_test(test_malformed_packets_close),
                cmocka_unit_test(test_one_connection_at_a_time),
                cmocka_unit_test(test_link_latency),
                cmocka_unit_test(test_ctl_button_and_code),
                cmocka_unit_test(test_ctl_cli),
                cmocka_unit_test(test_fault_drop_before),
                cmocka_unit_test(test_fault_drop_after),
                cmocka_unit_test(test_fault_lose_reply),
                cmocka_unit_test(test_fault_stall),
                cmocka_unit_test(test_stale_tmp_ignored),
                cmocka_unit_test(test_pair_mtu23),
                cmocka_unit_test(test_pair_mtu247),
                cmocka_unit_test(test_pair_ultra),
                cmocka_unit_test(test_fault_corrupt),
                cmocka_unit_test(test_restart_keeps_pairing),
                cmocka_unit_test(test_kill9_during_saves),
        };

        if (access(SIM_BIN, X_OK) < 0) {
                fprintf(stderr, "%s not built yet; skipping\n", SIM_BIN);
                return 77;
        }
        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests_name("sim-socket", tests, NULL, NULL);
}
