/* SPDX-License-Identifier: MIT */
/*
 * Pairing state machines, both roles: spec §4.1–§4.3, the official transcript of spec §11
 * byte for byte from each side, client against lock in memory, the official Ultra plaintexts,
 * the API's edges and wiping. The §4.2 failures are in test-pairing-failures.c.
 */
#include "pairing-test.h"

/* Client role against the official lock messages, chunked as a lock indicates them. */
static void client_transcript(size_t chunk)
{
        struct script_env env;
        struct lk_pair_client c;
        struct lk_pair_result res;
        uint8_t out[LK_PAIR_OUT_MAX], msg[128];
        size_t n, out_len;

        client_init_vector(&c, &env);
        assert_int_equal(lk_pair_client_start(&c, out, sizeof(out), &out_len), LK_PAIR_CONTINUE);
        assert_hex_equal(out, out_len, M1);

        n = hex(M2, msg, sizeof(msg));
        assert_int_equal(client_chunks(&c, msg, n, chunk, out, &out_len), LK_PAIR_CONTINUE);
        assert_hex_equal(out, out_len, M3);
        n = hex(M4, msg, sizeof(msg));
        assert_int_equal(client_chunks(&c, msg, n, chunk, out, &out_len), LK_PAIR_CONTINUE);
        assert_hex_equal(out, out_len, M5);
        n = hex(M6, msg, sizeof(msg));
        assert_int_equal(client_chunks(&c, msg, n, chunk, out, &out_len), LK_PAIR_CONTINUE);
        assert_hex_equal(out, out_len, M7);
        n = hex(M8, msg, sizeof(msg));
        assert_int_equal(client_chunks(&c, msg, n, chunk, out, &out_len), LK_PAIR_CONTINUE);
        assert_hex_equal(out, out_len, M9);
        n = hex(M10, msg, sizeof(msg));
        assert_int_equal(client_chunks(&c, msg, n, chunk, out, &out_len), LK_PAIR_DONE);
        assert_int_equal(out_len, 0);
        assert_int_equal(env.next, env.count); /* sk_CL and nA, nothing else */

        /* session secrets are gone once done; the result is all that is left */
        assert_true(all_zero(c.s, sizeof(c.s)));
        assert_true(all_zero(&c.kp, sizeof(c.kp)));
        assert_true(all_zero(c.na, sizeof(c.na)));

        assert_int_equal(lk_pair_client_take_result(&c, &res), 0);
        assert_int_equal(res.auth_id, 2);
        assert_hex_equal(res.shared_key, LK_KEY_SIZE, SHARED);
        assert_hex_equal(res.lock_uuid, LK_UUID_SIZE, UUID);
        assert_hex_equal(res.lock_pk, LK_KEY_SIZE, PK_SL);
        assert_false(res.pin_set);
        assert_true(all_zero(&c.result, sizeof(c.result)));
        assert_int_equal(lk_pair_client_take_result(&c, &res), -EPROTO);
        /* the session is over */
        assert_int_equal(lk_pair_client_feed(&c, msg, n, out, sizeof(out), &out_len), -EPROTO);
        lk_wipe(&res, sizeof(res));
        lk_pair_client_wipe(&c);
}

static void client_vector_whole(void **state) { client_transcript(SIZE_MAX); }
static void client_vector_20(void **state) { client_transcript(20); }
static void client_vector_1(void **state) { client_transcript(1); }

/*
 * Lock role against the official client messages. §11 gives only the lock's public key, so
 * the lock runs with the documented vector seam (vector_keys: PK_SL and s); nK1..nK3 come
 * from the scripted environment, auth id 2 from grant(), the UUID from the configuration.
 */
static void lock_transcript(size_t chunk)
{
        struct script_env env;
        struct lk_pair_lock_vector_keys vk;
        struct lk_pair_lock l;
        struct lk_pair_authorization auth;
        const struct lk_pair_authorization *req;
        uint8_t out[LK_PAIR_OUT_MAX], msg[128];
        char name[LK_AUTH_NAME_SIZE + 1];
        size_t n, out_len;

        lock_init_vector(&l, &env, &vk);
        lk_wipe(&vk, sizeof(vk)); /* the lock copied it */

        n = hex(M1, msg, sizeof(msg));
        assert_int_equal(lock_chunks(&l, msg, n, chunk, out, &out_len), LK_PAIR_CONTINUE);
        assert_hex_equal(out, out_len, M2);
        n = hex(M3, msg, sizeof(msg));
        assert_int_equal(lock_chunks(&l, msg, n, chunk, out, &out_len), LK_PAIR_CONTINUE);
        assert_hex_equal(out, out_len, M4);
        n = hex(M5, msg, sizeof(msg));
        assert_int_equal(lock_chunks(&l, msg, n, chunk, out, &out_len), LK_PAIR_CONTINUE);
        assert_hex_equal(out, out_len, M6);
        n = hex(M7, msg, sizeof(msg));
        assert_int_equal(lock_chunks(&l, msg, n, chunk, out, &out_len), LK_PAIR_NEED_AUTH);
        assert_int_equal(out_len, 0);

        req = lk_pair_lock_request(&l);
        assert_non_null(req);
        assert_int_equal(req->id_type, LK_ID_APP);
        assert_int_equal(req->app_id, 0);
        lk_name_get(req->name, sizeof(req->name), name);
        assert_string_equal(name, "Marc (Test)");
        assert_hex_equal(req->shared_key, LK_KEY_SIZE, SHARED);
        assert_hex_equal(req->client_pk, LK_KEY_SIZE, PK_CL);

        assert_int_equal(lk_pair_lock_grant(&l, 2, out, sizeof(out), &out_len), LK_PAIR_CONTINUE);
        assert_hex_equal(out, out_len, M8);
        assert_null(lk_pair_lock_request(&l));
        assert_int_equal(lk_pair_lock_take_result(&l, &auth), -EPROTO); /* not before A4 */

        n = hex(M9, msg, sizeof(msg));
        assert_int_equal(lock_chunks(&l, msg, n, chunk, out, &out_len), LK_PAIR_DONE);
        assert_hex_equal(out, out_len, M10);
        assert_int_equal(env.next, env.count);

        assert_int_equal(lk_pair_lock_take_result(&l, &auth), 0);
        assert_int_equal(auth.auth_id, 2);
        assert_int_equal(auth.id_type, LK_ID_APP);
        assert_hex_equal(auth.shared_key, LK_KEY_SIZE, SHARED);
        assert_true(all_zero(&l.req, sizeof(l.req)));
        assert_true(all_zero(&l.result, sizeof(l.result)));
        assert_int_equal(lk_pair_lock_last_error(&l, NULL, NULL), -ENODATA);
        lk_wipe(&auth, sizeof(auth));
        lk_pair_lock_wipe(&l);
}

static void lock_vector_whole(void **state) { lock_transcript(SIZE_MAX); }
static void lock_vector_20(void **state) { lock_transcript(20); }
static void lock_vector_1(void **state) { lock_transcript(1); }

static void pair_in_memory(enum lk_generation gen)
{
        static const size_t chunks[] = { 1, 20, 244, SIZE_MAX };
        struct harness h;

        for (size_t i = 0; i < ELEMENTSOF(chunks); i++) {
                h_init(&h, gen, chunks[i], 123456, i % 2);
                h_until_need_auth(&h);
                if (lk_generation_is_ultra(gen)) {
                        assert_int_equal(lk_pair_lock_request(&h.l)->pin, 123456);
                }
                h_finish(&h, 0x00345CE0 + (uint32_t)i, i % 2);
                /* the same lock pairs again right away (state back to idle) */
                h_until_need_auth(&h);
                h_finish(&h, 7, i % 2);
                lk_pair_client_wipe(&h.c);
                lk_pair_lock_wipe(&h.l);
        }
}

static void memory_smartlock(void **state) { pair_in_memory(LK_GEN_SMARTLOCK_3); }
static void memory_opener(void **state) { pair_in_memory(LK_GEN_OPENER); }
static void memory_ultra(void **state) { pair_in_memory(LK_GEN_ULTRA); }

/* ---- Ultra: the official plaintexts of spec §4.3 ---------------------------------------- */

static void ultra_official_plaintexts(void **state)
{
        struct harness h;
        struct lk_msg m;
        struct lk_pair_result res;
        uint8_t pdata[LK_PDATA_MAX], plain[64], s[LK_KEY_SIZE];
        size_t n;

        ultra_init(&h, 20);
        h_start(&h);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(h_to_lock(&h), LK_PAIR_CONTINUE);
                if (i == 2) /* step 8: Authorization Info, PIN set (spec §4.3 example) */
                        assert_hex_equal(h.to_client, h.to_client_len, "4C00 01 71B4");
                assert_int_equal(h_to_client(&h), LK_PAIR_CONTINUE);
        }
        /* step 9: what the client encrypts is the official plaintext, under 0x7FFFFFFF */
        memcpy(s, h.c.s, sizeof(s));
        assert_int_equal(lk_sealed_decode(s, h.to_lock, h.to_lock_len, pdata, sizeof(pdata), &m), 0);
        assert_int_equal(m.auth_id, LK_ULTRA_PAIRING_AUTH_ID);
        assert_int_equal(get_le32_test(h.to_lock + LK_NONCE_SIZE), LK_ULTRA_PAIRING_AUTH_ID);
        plain[0] = (uint8_t)m.cmd;
        plain[1] = (uint8_t)(m.cmd >> 8);
        memcpy(plain + 2, m.payload, m.len);
        assert_hex_equal(plain, 2 + m.len, ULTRA_AUTH_DATA);

        assert_int_equal(h_to_lock(&h), LK_PAIR_NEED_AUTH);
        assert_int_equal(lk_pair_lock_request(&h.l)->pin, 123456);
        assert_int_equal(lk_pair_lock_grant(&h.l, ULTRA_AUTH_ID_ID, h.to_client, LK_PAIR_OUT_MAX,
                                            &h.to_client_len),
                         LK_PAIR_DONE);
        /* step 10: the official Authorization-ID plaintext, AuthID 34808 */
        assert_int_equal(lk_sealed_decode(s, h.to_client, h.to_client_len, pdata, sizeof(pdata), &m), 0);
        assert_int_equal(m.auth_id, LK_ULTRA_PAIRING_AUTH_ID);
        plain[0] = (uint8_t)m.cmd;
        plain[1] = (uint8_t)(m.cmd >> 8);
        memcpy(plain + 2, m.payload, m.len);
        assert_hex_equal(plain, 2 + m.len, ULTRA_AUTH_ID);

        /*
         * Spec §12 open point: does the printed CRC `BB4E` cover the PDATA auth id prefix?
         * Finding: no. 0x4EBB is the CRC-16/CCITT-FALSE of cmd ‖ payload alone, as if the
         * message were unencrypted. With the prefix §2.2 defines for PDATA (FFFFFF7F, which
         * is what our lock sends) the CRC is 0xAD14; with the new auth id (F8870000) or the
         * App-ID (00000000) as prefix it does not match either. So the example prints the
         * message in its unencrypted form. Whether real firmware computes the PDATA CRC that
         * way too is still unknown: our lock sends the §2.2 form, our client accepts both
         * (see client_on_sealed in proto/pairing-client.c and the next test).
         */
        n = hex(ULTRA_AUTH_ID, plain, sizeof(plain));
        assert_int_equal(lk_crc16(plain, n), 0x4EBB);
        n = hex("FFFFFF7F " ULTRA_AUTH_ID, plain, sizeof(plain));
        assert_int_equal(lk_crc16(plain, n), 0xAD14);
        n = hex("F8870000 " ULTRA_AUTH_ID, plain, sizeof(plain));
        assert_int_not_equal(lk_crc16(plain, n), 0x4EBB);
        n = hex("00000000 " ULTRA_AUTH_ID, plain, sizeof(plain));
        assert_int_not_equal(lk_crc16(plain, n), 0x4EBB);
        assert_int_equal(get_le16_test(pdata + m.len + 6), 0xAD14);

        assert_int_equal(h_to_client(&h), LK_PAIR_DONE);
        assert_int_equal(lk_pair_client_take_result(&h.c, &res), 0);
        assert_int_equal(res.auth_id, ULTRA_AUTH_ID_ID);
        assert_true(res.pin_set);
        assert_memory_equal(res.shared_key, s, LK_KEY_SIZE);
        lk_wipe(&res, sizeof(res));
        lk_wipe(s, sizeof(s));
        lk_pair_client_wipe(&h.c);
        lk_pair_lock_wipe(&h.l);
}

/* The client also takes the step-10 message with the CRC as the official example prints it. */
static void ultra_client_accepts_printed_crc(void **state)
{
        struct harness h;
        struct lk_pair_result res;
        uint8_t s[LK_KEY_SIZE], uuid[LK_UUID_SIZE];

        ultra_init(&h, 20);
        h_until_need_auth(&h);
        memcpy(s, lk_pair_lock_request(&h.l)->shared_key, sizeof(s));
        h.to_client_len = seal_pdata(s, "FFFFFF7F " ULTRA_AUTH_ID " " ULTRA_AUTH_ID_PRINTED_CRC,
                                     false, h.to_client, sizeof(h.to_client));
        assert_int_equal(h_to_client(&h), LK_PAIR_DONE);
        assert_int_equal(lk_pair_client_take_result(&h.c, &res), 0);
        assert_int_equal(res.auth_id, ULTRA_AUTH_ID_ID);
        hex(ULTRA_UUID, uuid, sizeof(uuid));
        assert_memory_equal(res.lock_uuid, uuid, sizeof(uuid));

        /* …but not a CRC that matches neither form, even under a valid MAC */
        ultra_init(&h, 20);
        h_until_need_auth(&h);
        memcpy(s, lk_pair_lock_request(&h.l)->shared_key, sizeof(s));
        h.to_client_len = seal_pdata(s, "FFFFFF7F " ULTRA_AUTH_ID " BB4F", false, h.to_client,
                                     sizeof(h.to_client));
        assert_int_equal(h_to_client(&h), -EBADMSG);
        lk_wipe(&res, sizeof(res));
        lk_wipe(s, sizeof(s));
        lk_pair_client_wipe(&h.c);
        lk_pair_lock_wipe(&h.l);
}

/* ---- API edges and wiping ------------------------------------------------------------------ */

static void api_edges(void **state)
{
        struct lk_pair_client c;
        struct lk_pair_lock l;
        struct lk_pair_client_config ccfg = { .gen = LK_GEN_ULTRA, .name = "x", .pin = 999999 };
        struct lk_pair_lock_config lcfg = { .gen = LK_GEN_ULTRA };
        uint8_t out[LK_PAIR_OUT_MAX];
        size_t out_len = 77;

        assert_int_equal(lk_pair_client_init(&c, &ccfg, NULL), 0);
        ccfg.pin = 1000000;
        assert_int_equal(lk_pair_client_init(&c, &ccfg, NULL), -EINVAL);
        ccfg.pin = 0;
        ccfg.id_type = LK_ID_DOOR_SENSOR;
        assert_int_equal(lk_pair_client_init(&c, &ccfg, NULL), -EINVAL);
        ccfg.id_type = LK_ID_KEYPAD;
        ccfg.gen = (enum lk_generation)0;
        assert_int_equal(lk_pair_client_init(&c, &ccfg, NULL), -EINVAL);
        ccfg.gen = LK_GEN_OPENER;
        ccfg.pin = 1000000; /* ignored outside Ultra */
        assert_int_equal(lk_pair_client_init(&c, &ccfg, NULL), 0);
        assert_int_equal(c.pin, 0);
        ccfg.name = "123456789012345678901234567890123";
        assert_int_equal(lk_pair_client_init(&c, &ccfg, NULL), -EMSGSIZE);
        ccfg.name = "12345678901234567890123456789012";
        assert_int_equal(lk_pair_client_init(&c, &ccfg, NULL), 0);
        ccfg.name = "\xff";
        assert_int_equal(lk_pair_client_init(&c, &ccfg, NULL), -EBADMSG);
        ccfg.name = NULL;
        assert_int_equal(lk_pair_client_init(&c, &ccfg, NULL), -EINVAL);

        assert_int_equal(lk_pair_client_start(&c, out, LK_PAIR_OUT_MAX - 1, &out_len), -ENOBUFS);
        assert_int_equal(out_len, 77);
        assert_int_equal(lk_pair_client_start(&c, out, sizeof(out), &out_len), LK_PAIR_CONTINUE);
        assert_int_equal(lk_pair_client_feed(&c, out, 1, out, LK_PAIR_OUT_MAX - 1, &out_len), -ENOBUFS);
        assert_int_equal(c.state, LK_PAIR_CL_WAIT_PUBLIC_KEY); /* survives */
        assert_int_equal(lk_pair_client_remote_error(&c, NULL, NULL), -ENODATA);

        lcfg.gen = (enum lk_generation)7;
        assert_int_equal(lk_pair_lock_init(&l, &lcfg, NULL), -EINVAL);
        lcfg.gen = LK_GEN_SMARTLOCK_1;
        assert_int_equal(lk_pair_lock_init(&l, &lcfg, NULL), 0);
        assert_int_equal(lk_pair_lock_feed(&l, out, 1, out, LK_PAIR_OUT_MAX - 1, &out_len), -ENOBUFS);
        assert_int_equal(lk_pair_lock_grant(&l, 1, out, sizeof(out), &out_len), -EPROTO);
        assert_int_equal(lk_pair_lock_refuse(&l, LK_P_ERROR_MAX_USER, out, sizeof(out), &out_len),
                         -EPROTO);
        assert_int_equal(lk_pair_lock_last_error(&l, NULL, NULL), -ENODATA);
        assert_null(lk_pair_lock_request(&l));
        lk_pair_client_wipe(NULL);
        lk_pair_lock_wipe(NULL);
}

static void grant_checks(void **state)
{
        struct harness h;
        uint8_t small[8];

        h_init(&h, LK_GEN_SMARTLOCK_2, 20, 0, false);
        h_until_need_auth(&h);
        assert_int_equal(lk_pair_lock_grant(&h.l, 0, h.to_client, LK_PAIR_OUT_MAX, &h.to_client_len),
                         -EINVAL);
        assert_int_equal(lk_pair_lock_grant(&h.l, LK_ULTRA_PAIRING_AUTH_ID, h.to_client,
                                            LK_PAIR_OUT_MAX, &h.to_client_len),
                         -EINVAL);
        assert_int_equal(lk_pair_lock_grant(&h.l, 3, small, sizeof(small), &h.to_client_len), -ENOBUFS);
        assert_int_equal(lk_pair_lock_refuse(&h.l, LK_P_ERROR_MAX_USER, small, sizeof(small),
                                             &h.to_client_len),
                         -ENOBUFS);
        assert_non_null(lk_pair_lock_request(&h.l)); /* still pending */
        h_finish(&h, 3, false);
        lk_pair_client_wipe(&h.c);
        lk_pair_lock_wipe(&h.l);
}

static void wipe_clears_secrets(void **state)
{
        struct harness h;
        static const uint8_t zero[sizeof(struct lk_pair_lock) + sizeof(struct lk_pair_client)];

        /* mid-session: the struct holds s, the key pair, the PIN */
        h_init(&h, LK_GEN_ULTRA, 20, 123456, false);
        ultra_until_auth_data(&h);
        assert_int_equal(h_to_lock(&h), LK_PAIR_NEED_AUTH);
        assert_false(all_zero(h.c.s, sizeof(h.c.s)));
        assert_false(all_zero(h.l.req.shared_key, sizeof(h.l.req.shared_key)));
        assert_int_equal(h.c.pin, 123456);
        lk_pair_client_wipe(&h.c);
        lk_pair_lock_wipe(&h.l);
        assert_memory_equal(&h.c, zero, sizeof(h.c));
        assert_memory_equal(&h.l, zero, sizeof(h.l));

        /* an untaken result */
        h_init(&h, LK_GEN_SMARTLOCK_2, 20, 0, false);
        h_until_need_auth(&h);
        assert_int_equal(lk_pair_lock_grant(&h.l, 3, h.to_client, LK_PAIR_OUT_MAX, &h.to_client_len),
                         LK_PAIR_CONTINUE);
        assert_int_equal(h_to_client(&h), LK_PAIR_CONTINUE);
        assert_int_equal(h_to_lock(&h), LK_PAIR_DONE);
        assert_int_equal(h_to_client(&h), LK_PAIR_DONE);
        assert_false(all_zero(h.c.result.shared_key, LK_KEY_SIZE));
        assert_false(all_zero(h.l.result.shared_key, LK_KEY_SIZE));
        lk_pair_client_wipe(&h.c);
        lk_pair_lock_wipe(&h.l);
        assert_memory_equal(&h.c, zero, sizeof(h.c));
        assert_memory_equal(&h.l, zero, sizeof(h.l));

        /* reset keeps the configuration but wipes the session */
        h_init(&h, LK_GEN_SMARTLOCK_2, 20, 0, false);
        h_until_need_auth(&h);
        lk_pair_lock_reset(&h.l);
        lk_pair_client_reset(&h.c);
        assert_true(all_zero(&h.l.req, sizeof(h.l.req)));
        assert_true(all_zero(&h.l.kp, sizeof(h.l.kp)));
        assert_true(all_zero(h.c.s, sizeof(h.c.s)));
        assert_true(all_zero(&h.c.kp, sizeof(h.c.kp)));
        assert_memory_equal(h.l.uuid, harness_uuid, LK_UUID_SIZE);
        expect_fresh_pairing(&h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(client_vector_whole),
                cmocka_unit_test(client_vector_20),
                cmocka_unit_test(client_vector_1),
                cmocka_unit_test(lock_vector_whole),
                cmocka_unit_test(lock_vector_20),
                cmocka_unit_test(lock_vector_1),
                cmocka_unit_test(memory_smartlock),
                cmocka_unit_test(memory_opener),
                cmocka_unit_test(memory_ultra),
                cmocka_unit_test(ultra_official_plaintexts),
                cmocka_unit_test(ultra_client_accepts_printed_crc),
                cmocka_unit_test(api_edges),
                cmocka_unit_test(grant_checks),
                cmocka_unit_test(wipe_clears_secrets),
        };

        return cmocka_run_group_tests_name("pairing", tests, setup, NULL);
}
