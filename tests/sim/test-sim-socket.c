/* SPDX-License-Identifier: MIT */
/*
 * The virtual lock's data socket end to end (sim-socket-test.h): the real latchkey-sim reached
 * through lk_transport_sim_new (ble/transport-sim.c): connecting and its HELLO at each MTU, one
 * connection at a time, malformed packets, the link model's latencies, and pairing over it.
 */
#define _GNU_SOURCE /* pipe2 */
#include "sim-socket-test.h"

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
                cmocka_unit_test(test_hello_mtu23),
                cmocka_unit_test(test_hello_mtu247),
                cmocka_unit_test(test_hello_mtu100),
                cmocka_unit_test(test_not_pairing_error),
                cmocka_unit_test(test_malformed_packets_close),
                cmocka_unit_test(test_one_connection_at_a_time),
                cmocka_unit_test(test_link_latency),
                cmocka_unit_test(test_pair_mtu23),
                cmocka_unit_test(test_pair_mtu247),
                cmocka_unit_test(test_pair_ultra),
        };

        if (access(SIM_BIN, X_OK) < 0) {
                fprintf(stderr, "%s not built yet; skipping\n", SIM_BIN);
                return 77;
        }
        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests_name("sim-socket", tests, NULL, NULL);
}
