/* SPDX-License-Identifier: MIT */
/*
 * The virtual lock's injected faults (ctl "fault ...", docs/sim-socket.md) as a client on its
 * socket sees them (sim-socket-test.h): a link dropped before or after a reply, a lost reply, a
 * corrupted one (plain and encrypted), a stall that ends with the link.
 */
#define _GNU_SOURCE /* pipe2 */
#include "sim-socket-test.h"

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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fault_drop_before),
                cmocka_unit_test(test_fault_drop_after),
                cmocka_unit_test(test_fault_lose_reply),
                cmocka_unit_test(test_fault_stall),
                cmocka_unit_test(test_fault_corrupt),
        };

        if (access(SIM_BIN, X_OK) < 0) {
                fprintf(stderr, "%s not built yet; skipping\n", SIM_BIN);
                return 77;
        }
        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests_name("sim-faults", tests, NULL, NULL);
}
