/* SPDX-License-Identifier: MIT */
/*
 * Pairing state machines, both roles: every §4.2 failure (spec §4.1–§4.3), on the lock's side
 * and on the client's, and that a failed pairing leaves nothing behind.
 */
#include "pairing-test.h"

/* ---- §4.2 failures, lock side ------------------------------------------------------------ */

static void fail_not_pairing(void **state)
{
        struct harness h;

        h_init(&h, LK_GEN_SMARTLOCK_2, 20, 0, false);
        lk_pair_lock_set_pairing_mode(&h.l, false);
        h_start(&h);
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_NOT_PAIRING, LK_CMD_REQUEST_DATA);
        assert_hex_equal(h.to_client, h.to_client_len, "12 00 10 01 00 87 21");
        lk_pair_lock_set_pairing_mode(&h.l, true);
        expect_fresh_pairing(&h);
}

static void fail_bad_a1(void **state)
{
        struct harness h;

        h_init(&h, LK_GEN_SMARTLOCK_4, 20, 0, false);
        h_start(&h);
        for (int i = 0; i < 2; i++) {
                assert_int_equal(h_to_lock(&h), LK_PAIR_CONTINUE);
                assert_int_equal(h_to_client(&h), LK_PAIR_CONTINUE);
        }
        assert_int_equal(get_le16_test(h.to_lock), LK_CMD_AUTHORIZATION_AUTHENTICATOR);
        h.to_lock[2 + 17] ^= 0x08;
        fix_crc(h.to_lock, h.to_lock_len);
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_AUTHENTICATOR,
                        LK_CMD_AUTHORIZATION_AUTHENTICATOR);
        /* the forum capture, spec §4.2 */
        assert_hex_equal(h.to_client, h.to_client_len, "12 00 11 05 00 73 DA");
        expect_fresh_pairing(&h);
}

static void fail_bad_a2(void **state)
{
        struct harness h;

        h_init(&h, LK_GEN_SMARTLOCK_1, 244, 0, false);
        h_until_auth_data(&h);
        h.to_lock[2] ^= 0x80;
        fix_crc(h.to_lock, h.to_lock_len);
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_AUTHENTICATOR, LK_CMD_AUTHORIZATION_DATA);
        expect_fresh_pairing(&h);
}

static void fail_bad_id_type(void **state)
{
        struct harness h;
        uint8_t *p;

        h_init(&h, LK_GEN_SMARTLOCK_3, 20, 0, false);
        h_until_auth_data(&h);
        /* ID type 4 with a correct A2: only the parameter check can refuse it */
        p = h.to_lock + 2;
        p[32] = LK_ID_DOOR_SENSOR;
        lk_auth_a2(p, h.c.s, p[32], get_le32_test(p + 33), p + 37, p + 69, h.l.nk);
        fix_crc(h.to_lock, h.to_lock_len);
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_PARAMETER, LK_CMD_AUTHORIZATION_DATA);
        expect_fresh_pairing(&h);
}

static void fail_max_users(void **state)
{
        struct harness h;

        h_init(&h, LK_GEN_SMARTLOCK_2, 20, 0, false);
        h_until_need_auth(&h);
        expect_rejected(&h, lk_pair_lock_refuse(&h.l, LK_P_ERROR_MAX_USER, h.to_client,
                                                LK_PAIR_OUT_MAX, &h.to_client_len),
                        LK_P_ERROR_MAX_USER, LK_CMD_AUTHORIZATION_DATA);
        assert_int_equal(lk_pair_lock_grant(&h.l, 3, h.to_client, LK_PAIR_OUT_MAX, &h.to_client_len),
                         -EPROTO);
        expect_fresh_pairing(&h);
}

static void fail_bad_crc(void **state)
{
        struct harness h;

        h_init(&h, LK_GEN_SMARTLOCK_2, 20, 0, false);
        h_start(&h);
        h.to_lock[5] ^= 0x01;
        expect_rejected(&h, h_to_lock(&h), LK_ERROR_BAD_CRC, LK_CMD_REQUEST_DATA);
        assert_hex_equal(h.to_client, h.to_client_len, "12 00 FD 01 00 E7 C3"); /* spec §4.2 */

        /* mid-session too, with the command's id */
        h_start(&h);
        assert_int_equal(h_to_lock(&h), LK_PAIR_CONTINUE);
        assert_int_equal(h_to_client(&h), LK_PAIR_CONTINUE);
        h.to_lock[10] ^= 0x40;
        expect_rejected(&h, h_to_lock(&h), LK_ERROR_BAD_CRC, LK_CMD_PUBLIC_KEY);
        expect_fresh_pairing(&h);
}

static void fail_out_of_sequence(void **state)
{
        struct harness h;

        /* A1 where the client's public key is due */
        h_init(&h, LK_GEN_SMARTLOCK_2, 20, 0, false);
        h_start(&h);
        assert_int_equal(h_to_lock(&h), LK_PAIR_CONTINUE);
        h.to_lock_len = hex(M5, h.to_lock, sizeof(h.to_lock));
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_PARAMETER,
                        LK_CMD_AUTHORIZATION_AUTHENTICATOR);

        /* Request Data again mid-session */
        h_start(&h);
        assert_int_equal(h_to_lock(&h), LK_PAIR_CONTINUE);
        assert_int_equal(h_to_client(&h), LK_PAIR_CONTINUE);
        h.to_lock_len = hex(M1, h.to_lock, sizeof(h.to_lock));
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_PARAMETER, LK_CMD_REQUEST_DATA);

        /* a lock-only message from the client while idle */
        h.to_lock_len = hex(M10, h.to_lock, sizeof(h.to_lock));
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_PARAMETER, LK_CMD_STATUS);

        /* anything while the owner decides */
        h_until_need_auth(&h);
        h.to_lock_len = hex(M1, h.to_lock, sizeof(h.to_lock));
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_PARAMETER, LK_CMD_REQUEST_DATA);
        assert_int_equal(lk_pair_lock_grant(&h.l, 3, h.to_client, LK_PAIR_OUT_MAX, &h.to_client_len),
                         -EPROTO);

        /* two messages in one write */
        h_start(&h);
        memcpy(h.to_lock + h.to_lock_len, h.to_lock, h.to_lock_len);
        h.to_lock_len *= 2;
        h.chunk = SIZE_MAX;
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_PARAMETER, LK_CMD_REQUEST_DATA);

        /* a confirmation for another auth id */
        h_until_need_auth(&h);
        assert_int_equal(lk_pair_lock_grant(&h.l, 5, h.to_client, LK_PAIR_OUT_MAX, &h.to_client_len),
                         LK_PAIR_CONTINUE);
        assert_int_equal(h_to_client(&h), LK_PAIR_CONTINUE);
        h.to_lock[2 + 32] = 6;
        fix_crc(h.to_lock, h.to_lock_len);
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_PARAMETER,
                        LK_CMD_AUTHORIZATION_ID_CONFIRMATION);
        expect_fresh_pairing(&h);
}

static void fail_bad_a4(void **state)
{
        struct harness h;

        h_init(&h, LK_GEN_SMARTLOCK_2, 20, 0, false);
        h_until_need_auth(&h);
        assert_int_equal(lk_pair_lock_grant(&h.l, 5, h.to_client, LK_PAIR_OUT_MAX, &h.to_client_len),
                         LK_PAIR_CONTINUE);
        assert_int_equal(h_to_client(&h), LK_PAIR_CONTINUE);
        h.to_lock[3] ^= 0x01;
        fix_crc(h.to_lock, h.to_lock_len);
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_AUTHENTICATOR,
                        LK_CMD_AUTHORIZATION_ID_CONFIRMATION);
        assert_int_equal(lk_pair_lock_take_result(&h.l, &(struct lk_pair_authorization){ 0 }), -EPROTO);
        expect_fresh_pairing(&h);
}

static void fail_unknown_and_request_target(void **state)
{
        struct harness h;

        h_init(&h, LK_GEN_SMARTLOCK_2, 1, 0, false);
        h.to_lock_len = hex("3412 0000 0000", h.to_lock, sizeof(h.to_lock));
        expect_rejected(&h, h_to_lock(&h), LK_ERROR_UNKNOWN, 0x1234);
        /* Request Data for anything but the Public Key (spec §5.1) */
        h.to_lock_len = hex("0100 0400 0000", h.to_lock, sizeof(h.to_lock));
        fix_crc(h.to_lock, h.to_lock_len);
        expect_rejected(&h, h_to_lock(&h), LK_ERROR_UNKNOWN, LK_CMD_REQUEST_DATA);
        expect_fresh_pairing(&h);
}

static void fail_leave_pairing_mode(void **state)
{
        struct harness h;

        h_init(&h, LK_GEN_SMARTLOCK_2, 20, 0, false);
        h_start(&h);
        assert_int_equal(h_to_lock(&h), LK_PAIR_CONTINUE);
        lk_pair_lock_set_pairing_mode(&h.l, false);
        assert_true(all_zero(&h.l.kp, sizeof(h.l.kp)));
        assert_int_equal(h_to_client(&h), LK_PAIR_CONTINUE);
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_PARAMETER, LK_CMD_PUBLIC_KEY);
        h_start(&h);
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_NOT_PAIRING, LK_CMD_REQUEST_DATA);
        lk_pair_lock_set_pairing_mode(&h.l, true);
        expect_fresh_pairing(&h);
}

static void ultra_wrong_pin(void **state)
{
        static const size_t chunks[] = { 1, 20, SIZE_MAX };

        for (size_t i = 0; i < ELEMENTSOF(chunks); i++) {
                struct harness h;

                h_init(&h, LK_GEN_ULTRA, chunks[i], 654321, true);
                h_until_need_auth(&h);
                assert_int_equal(lk_pair_lock_request(&h.l)->pin, 654321);
                /* [DECISION] the owner refuses a wrong PIN with K_ERROR_BAD_PIN; the report is
                 * unencrypted although the client awaits an encrypted message */
                expect_rejected(&h, lk_pair_lock_refuse(&h.l, LK_K_ERROR_BAD_PIN, h.to_client,
                                                        LK_PAIR_OUT_MAX, &h.to_client_len),
                                LK_K_ERROR_BAD_PIN, LK_CMD_AUTHORIZATION_DATA);
                expect_fresh_pairing(&h);
        }
}

static void ultra_lock_failures(void **state)
{
        struct harness h;
        uint8_t s[LK_KEY_SIZE];

        /* a flipped ciphertext bit: the MAC stands in for A2 */
        h_init(&h, LK_GEN_ULTRA, 20, 1, false);
        ultra_until_auth_data(&h);
        h.to_lock[h.to_lock_len - 3] ^= 0x10;
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_AUTHENTICATOR, LK_CMD_AUTHORIZATION_DATA);

        /* a 2-byte PIN: payload 38 bytes instead of 40 */
        ultra_until_auth_data(&h);
        memcpy(s, h.c.s, sizeof(s));
        h.to_lock_len = seal_pdata(s, "FFFFFF7F 0600 00000000 " ULTRA_NAME_HEX " 0100 0000", true,
                                   h.to_lock, sizeof(h.to_lock));
        expect_rejected(&h, h_to_lock(&h), LK_ERROR_BAD_LENGTH, LK_CMD_AUTHORIZATION_DATA);

        /* a bad PDATA CRC under a good MAC */
        ultra_until_auth_data(&h);
        memcpy(s, h.c.s, sizeof(s));
        h.to_lock_len = seal_pdata(s, "FFFFFF7F " ULTRA_AUTH_DATA " 0000", false, h.to_lock,
                                   sizeof(h.to_lock));
        expect_rejected(&h, h_to_lock(&h), LK_ERROR_BAD_CRC, LK_CMD_AUTHORIZATION_DATA);

        /* an encrypted LEN out of range, refused as soon as the ADATA is in */
        ultra_until_auth_data(&h);
        h.to_lock[28] = 0xFF;
        h.to_lock[29] = 0x7F;
        expect_rejected(&h, h_to_lock(&h), LK_ERROR_BAD_LENGTH, 0x0000);

        /* another command, encrypted */
        ultra_until_auth_data(&h);
        memcpy(s, h.c.s, sizeof(s));
        h.to_lock_len = seal_pdata(s, "FFFFFF7F 0500 " NK1 " 0000", true, h.to_lock,
                                   sizeof(h.to_lock));
        expect_rejected(&h, h_to_lock(&h), LK_P_ERROR_BAD_PARAMETER,
                        LK_CMD_AUTHORIZATION_AUTHENTICATOR);
        lk_wipe(s, sizeof(s));
        expect_fresh_pairing(&h);
}

/* ---- §4.2 failures, client side ---------------------------------------------------------- */

static void client_bad_a3(void **state)
{
        struct script_env env;
        struct lk_pair_client c;
        uint8_t out[LK_PAIR_OUT_MAX], msg[128];
        size_t n, out_len;

        client_at(&c, &env, 3);
        n = hex(M8, msg, sizeof(msg));
        msg[2 + 31] ^= 0x01; /* last bit of A3 */
        fix_crc(msg, n);
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EBADMSG);
        assert_int_equal(lk_pair_client_remote_error(&c, NULL, NULL), -ENODATA);
        client_dead(&c);

        /* a tampered auth id fails A3 the same way */
        client_at(&c, &env, 3);
        n = hex(M8, msg, sizeof(msg));
        msg[2 + 32] = 3;
        fix_crc(msg, n);
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EBADMSG);
        client_dead(&c);

        /* and a restart runs the whole transcript again */
        client_at(&c, &env, 5);
        assert_int_equal(c.state, LK_PAIR_CL_DONE);
}

static void client_error_report(void **state)
{
        struct script_env env;
        struct lk_pair_client c;
        uint8_t out[LK_PAIR_OUT_MAX], msg[16], code;
        uint16_t cmd;
        size_t n, out_len;

        client_at(&c, &env, 0);
        n = hex("12 00 10 01 00 87 21", msg, sizeof(msg));
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EREMOTEIO);
        assert_int_equal(lk_pair_client_remote_error(&c, &code, &cmd), 0);
        assert_int_equal(code, LK_P_ERROR_NOT_PAIRING);
        assert_int_equal(cmd, LK_CMD_REQUEST_DATA);
        client_dead(&c);

        /* the observed bad-authenticator report after A1, split across two indications */
        client_at(&c, &env, 2);
        n = hex("12 00 11 05 00 73 DA", msg, sizeof(msg));
        assert_int_equal(lk_pair_client_feed(&c, msg, 3, out, sizeof(out), &out_len), LK_PAIR_CONTINUE);
        assert_int_equal(out_len, 0);
        assert_int_equal(lk_pair_client_feed(&c, msg + 3, n - 3, out, sizeof(out), &out_len),
                         -EREMOTEIO);
        assert_int_equal(lk_pair_client_remote_error(&c, &code, &cmd), 0);
        assert_int_equal(code, LK_P_ERROR_BAD_AUTHENTICATOR);
        assert_int_equal(cmd, LK_CMD_AUTHORIZATION_AUTHENTICATOR);
        client_dead(&c);

        /* an Error Report with a bad CRC is garbage, not a report */
        client_at(&c, &env, 1);
        n = hex("12 00 11 05 00 73 DB", msg, sizeof(msg));
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EBADMSG);
        assert_int_equal(lk_pair_client_remote_error(&c, NULL, NULL), -ENODATA);
        client_dead(&c);
}

static void client_truncated_garbage_trailing(void **state)
{
        struct script_env env;
        struct lk_pair_client c;
        uint8_t out[LK_PAIR_OUT_MAX], msg[128];
        size_t n, out_len;

        /* truncated: waits silently, then goes on */
        client_at(&c, &env, 0);
        n = hex(M2, msg, sizeof(msg));
        out_len = 99;
        assert_int_equal(lk_pair_client_feed(&c, msg, 10, out, sizeof(out), &out_len), LK_PAIR_CONTINUE);
        assert_int_equal(out_len, 0);
        assert_int_equal(lk_pair_client_feed(&c, msg + 10, 0, out, sizeof(out), &out_len),
                         LK_PAIR_CONTINUE);
        assert_int_equal(lk_pair_client_feed(&c, msg + 10, n - 10, out, sizeof(out), &out_len),
                         LK_PAIR_CONTINUE);
        assert_hex_equal(out, out_len, M3);
        /* a reset (disconnect) drops it all */
        lk_pair_client_reset(&c);
        assert_true(all_zero(c.s, sizeof(c.s)));
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EPROTO);

        /* garbage: no such command */
        client_at(&c, &env, 0);
        n = hex("FFFF 0011 2233", msg, sizeof(msg));
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EBADMSG);
        client_dead(&c);

        /* a bad CRC */
        client_at(&c, &env, 0);
        n = hex(M2, msg, sizeof(msg));
        msg[n - 1] ^= 0x20;
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EBADMSG);
        client_dead(&c);

        /* trailing bytes after a complete message */
        client_at(&c, &env, 0);
        n = hex(M2 "00", msg, sizeof(msg));
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EPROTO);
        client_dead(&c);

        /* out of sequence: a challenge where the public key is due */
        client_at(&c, &env, 0);
        n = hex(M4, msg, sizeof(msg));
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EPROTO);
        client_dead(&c);

        /* Authorization Info (Ultra) on a Smart Lock 2 */
        client_at(&c, &env, 2);
        n = hex("4C00 00 50A4", msg, sizeof(msg));
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EPROTO);
        client_dead(&c);

        /* Status ACCEPTED where COMPLETE ends the pairing */
        client_at(&c, &env, 4);
        n = hex("0E00 01 0000", msg, sizeof(msg));
        fix_crc(msg, n);
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EPROTO);
        client_dead(&c);

        /* a small-order lock key */
        client_at(&c, &env, 0);
        memset(msg, 0, sizeof(msg));
        msg[0] = 0x03;
        fix_crc(msg, 36);
        assert_int_equal(lk_pair_client_feed(&c, msg, 36, out, sizeof(out), &out_len), -EBADMSG);
        client_dead(&c);

        /* nothing runs before start */
        client_init_vector(&c, &env);
        assert_int_equal(lk_pair_client_feed(&c, msg, 1, out, sizeof(out), &out_len), -EPROTO);
}

static void client_ultra_sealed_garbage(void **state)
{
        struct harness h;

        /* a sealed message that does not open */
        ultra_init(&h, 20);
        h_until_need_auth(&h);
        assert_int_equal(lk_pair_lock_grant(&h.l, 9, h.to_client, LK_PAIR_OUT_MAX, &h.to_client_len),
                         LK_PAIR_DONE);
        h.to_client[40] ^= 0x01;
        assert_int_equal(h_to_client(&h), -EBADMSG);
        assert_int_equal(h.c.state, LK_PAIR_CL_FAILED);

        /* an encrypted LEN out of range */
        ultra_init(&h, 1);
        h_until_need_auth(&h);
        memset(h.to_client, 0xEE, 40);
        h.to_client_len = 40;
        assert_int_equal(h_to_client(&h), -EBADMSG);

        /* trailing bytes after the sealed message */
        ultra_init(&h, SIZE_MAX);
        h_until_need_auth(&h);
        assert_int_equal(lk_pair_lock_grant(&h.l, 9, h.to_client, LK_PAIR_OUT_MAX, &h.to_client_len),
                         LK_PAIR_DONE);
        h.to_client[h.to_client_len++] = 0;
        assert_int_equal(h_to_client(&h), -EPROTO);
        lk_pair_client_wipe(&h.c);
        lk_pair_lock_wipe(&h.l);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(fail_not_pairing),
                cmocka_unit_test(fail_bad_a1),
                cmocka_unit_test(fail_bad_a2),
                cmocka_unit_test(fail_bad_id_type),
                cmocka_unit_test(fail_max_users),
                cmocka_unit_test(fail_bad_crc),
                cmocka_unit_test(fail_out_of_sequence),
                cmocka_unit_test(fail_bad_a4),
                cmocka_unit_test(fail_unknown_and_request_target),
                cmocka_unit_test(fail_leave_pairing_mode),
                cmocka_unit_test(ultra_wrong_pin),
                cmocka_unit_test(ultra_lock_failures),
                cmocka_unit_test(client_bad_a3),
                cmocka_unit_test(client_error_report),
                cmocka_unit_test(client_truncated_garbage_trailing),
                cmocka_unit_test(client_ultra_sealed_garbage),
        };

        return cmocka_run_group_tests_name("pairing", tests, setup, NULL);
}
