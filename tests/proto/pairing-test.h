/* SPDX-License-Identifier: MIT */
/*
 * What the pairing tests share (test-pairing.c, test-pairing-failures.c): the official vectors
 * of spec §4.3 and §11, feeding either machine in chunks, and a client and a lock paired in
 * memory (struct harness).
 */
#pragma once

#include <errno.h>
#include <sodium.h>

#include "latchkey/pairing.h"
#include "latchkey/proto.h"
#include "lk-test.h"

/* spec §11: keys */
#define PK_SL "2FE57DA347CD62431528DAAC5FBB290730FFF684AFC4CFC2ED90995F58CB3B74"
#define SK_CL "8CAA54672307BFFDF5EA183FC607158D2011D008ECA6A1088614FF0853A5AA07"
#define PK_CL "F88127CCF48023B5CBE9101D24BAA8A368DA94E8C2E3CDE2DED29CE96AB50C15"
#define SHARED "217FCB0F18CAF284E9BDEA0B94B83B8D10867ED706BFDEDBD2381F4CB3B8F730"
#define NK1 "6CD4163D159050C798553EAA57E278A579AFFCBC56F09FC57FE879E51C42DF17"
#define NK2 "E0742CFEA39CB46109385BF91286A3C02F40EE86B0B62FC34033094DE41E2C0D"
#define NA "52AFE0A664B4E9B56DC6BD4CB718A6C9FED6BE17A7411072AA0D315378140577"
#define NK3 "EA479915982F13C61D997A56678AD77791BFA7E95229A3DD34F87132BF3E3C97"
#define UUID "83B33643C6D97EF77ED51C02A277CBF7"
/* spec §11: pairing on GDIO, messages 1–10 */
#define M1 "0100 0300 27A7"
#define M2 "0300 " PK_SL " 9DB9"
#define M3 "0300 " PK_CL " 9241"
#define M4 "0400 " NK1 " C3DF"
#define M5 "0500 B09A0D3979A029E5FD027B519EAA200BC14AD3E163D3BE4563843E021073BCB1 C357"
#define M6 "0400 " NK2 " 7FE1"
#define M7 "0600 CF1B9E7801E3196E6594E76D57908EE500AAD5C33F4B6E0BBEA0DDEF82967BFC 00 00000000 " \
        "4D61726320285465737429000000000000000000000000000000000000000000 " NA " 69F2"
#define M8 "0700 3A270A2E453443C3790E657CEBE634B03F0102F45681B4067C661D46E6E15EDF 02000000 " UUID \
        " " NK3 " DB9F"
#define M9 "1E00 3A41B91A66FBC4D22EFEFBB7272140829695A3917433D5BEB981B76166D13F8A 02000000 CDF5"
#define M10 "0E00 00 9DD7"

/* spec §4.3: the official Ultra plaintexts (cmd ‖ payload [‖ CRC]) */
#define ULTRA_NAME_HEX "54657374617070" "00000000000000000000000000000000000000000000000000"
#define ULTRA_AUTH_DATA "0600 00000000 " ULTRA_NAME_HEX " 40E20100"
#define ULTRA_UUID "8127D49A5F985C4483884720B3061453"
#define ULTRA_AUTH_ID_ID 34808u
#define ULTRA_AUTH_ID "0700 F8870000 " ULTRA_UUID
#define ULTRA_AUTH_ID_PRINTED_CRC "BB4E"

static inline uint16_t get_le16_test(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get_le32_test(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *const client_script[] = { SK_CL, NA };
static const char *const lock_script[] = { NK1, NK2, NK3 };

static inline int setup(void **state)
{
        return sodium_init() < 0 ? -1 : 0;
}

static inline bool all_zero(const void *p, size_t n)
{
        const uint8_t *b = p;

        for (size_t i = 0; i < n; i++)
                if (b[i])
                        return false;
        return true;
}

/* Recompute the trailing CRC of an unencrypted message after a test edited it. */
static inline void fix_crc(uint8_t *msg, size_t n)
{
        uint16_t crc = lk_crc16(msg, n - 2);

        msg[n - 2] = (uint8_t)crc;
        msg[n - 1] = (uint8_t)(crc >> 8);
}

/*
 * Feed msg in chunks of at most chunk bytes. Every chunk but the last must leave the machine
 * waiting silently; returns what the last one (or the first that did something) returned.
 */
static inline int client_chunks(struct lk_pair_client *c, const uint8_t *msg, size_t n, size_t chunk,
                         uint8_t *out, size_t *out_len)
{
        size_t off = 0;
        int r;

        do {
                size_t k = n - off < chunk ? n - off : chunk;

                *out_len = 0;
                r = lk_pair_client_feed(c, msg + off, k, out, LK_PAIR_OUT_MAX, out_len);
                off += k;
                if (r != LK_PAIR_CONTINUE || *out_len)
                        break;
        } while (off < n);
        return r;
}

static inline int lock_chunks(struct lk_pair_lock *l, const uint8_t *msg, size_t n, size_t chunk,
                       uint8_t *out, size_t *out_len)
{
        size_t off = 0;
        int r;

        do {
                size_t k = n - off < chunk ? n - off : chunk;

                *out_len = 0;
                r = lk_pair_lock_feed(l, msg + off, k, out, LK_PAIR_OUT_MAX, out_len);
                off += k;
                if (r != LK_PAIR_CONTINUE || *out_len)
                        break;
        } while (off < n);
        return r;
}

static inline void client_init_vector(struct lk_pair_client *c, struct script_env *env)
{
        const struct lk_pair_client_config cfg = {
                .gen = LK_GEN_SMARTLOCK_2, .id_type = LK_ID_APP, .app_id = 0, .name = "Marc (Test)",
        };

        script_env_init(env, client_script, ELEMENTSOF(client_script));
        assert_int_equal(lk_pair_client_init(c, &cfg, &env->env), 0);
}

static inline void lock_init_vector(struct lk_pair_lock *l, struct script_env *env,
                             struct lk_pair_lock_vector_keys *vk)
{
        struct lk_pair_lock_config cfg = { .gen = LK_GEN_SMARTLOCK_2, .pairing_mode = true };

        hex(UUID, cfg.uuid, sizeof(cfg.uuid));
        hex(PK_SL, vk->pk, sizeof(vk->pk));
        hex(SHARED, vk->shared_key, sizeof(vk->shared_key));
        cfg.vector_keys = vk;
        script_env_init(env, lock_script, ELEMENTSOF(lock_script));
        assert_int_equal(lk_pair_lock_init(l, &cfg, &env->env), 0);
}

/* ---- client against lock, in memory ---------------------------------------------------- */

struct harness {
        struct lk_pair_client c;
        struct lk_pair_lock l;
        size_t chunk;
        uint8_t to_lock[LK_PAIR_OUT_MAX], to_client[LK_PAIR_OUT_MAX];
        size_t to_lock_len, to_client_len;
};

static const uint8_t harness_uuid[LK_UUID_SIZE] = { 0xA1, 0xB2, 0xC3, 0xD4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static inline void h_init(struct harness *h, enum lk_generation gen, size_t chunk, uint32_t pin,
                   bool pin_set)
{
        const struct lk_pair_client_config ccfg = {
                .gen = gen, .id_type = LK_ID_BRIDGE, .app_id = 0x11223344, .name = "latchkey ✓",
                .pin = pin,
        };
        struct lk_pair_lock_config lcfg = { .gen = gen, .pairing_mode = true, .pin_set = pin_set };

        memset(h, 0, sizeof(*h));
        memcpy(lcfg.uuid, harness_uuid, sizeof(lcfg.uuid));
        h->chunk = chunk;
        assert_int_equal(lk_pair_client_init(&h->c, &ccfg, &lk_env_default), 0);
        assert_int_equal(lk_pair_lock_init(&h->l, &lcfg, &lk_env_default), 0);
}

static inline void h_start(struct harness *h)
{
        assert_int_equal(lk_pair_client_start(&h->c, h->to_lock, LK_PAIR_OUT_MAX, &h->to_lock_len),
                         LK_PAIR_CONTINUE);
        assert_hex_equal(h->to_lock, h->to_lock_len, M1);
}

/* Deliver the client's last message to the lock; the answer lands in to_client. */
static inline int h_to_lock(struct harness *h)
{
        return lock_chunks(&h->l, h->to_lock, h->to_lock_len, h->chunk, h->to_client,
                           &h->to_client_len);
}

static inline int h_to_client(struct harness *h)
{
        return client_chunks(&h->c, h->to_client, h->to_client_len, h->chunk, h->to_lock,
                             &h->to_lock_len);
}

/* Exchange until the lock asks its owner (NEED_AUTH). */
static inline void h_until_need_auth(struct harness *h)
{
        h_start(h);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(h_to_lock(h), LK_PAIR_CONTINUE);
                assert_int_equal(h_to_client(h), LK_PAIR_CONTINUE);
        }
        assert_int_equal(h_to_lock(h), LK_PAIR_NEED_AUTH);
}

/* From NEED_AUTH: grant and finish; both sides must agree. */
static inline void h_finish(struct harness *h, uint32_t auth_id, bool pin_set)
{
        struct lk_pair_result res;
        struct lk_pair_authorization auth;
        bool ultra = lk_generation_is_ultra(h->l.gen);
        char name[LK_AUTH_NAME_SIZE + 1];

        h->to_client_len = 0;
        if (ultra) {
                assert_int_equal(lk_pair_lock_grant(&h->l, auth_id, h->to_client, LK_PAIR_OUT_MAX,
                                                    &h->to_client_len),
                                 LK_PAIR_DONE);
                assert_int_equal(h_to_client(h), LK_PAIR_DONE);
        } else {
                assert_int_equal(lk_pair_lock_grant(&h->l, auth_id, h->to_client, LK_PAIR_OUT_MAX,
                                                    &h->to_client_len),
                                 LK_PAIR_CONTINUE);
                assert_int_equal(h_to_client(h), LK_PAIR_CONTINUE);
                assert_int_equal(h_to_lock(h), LK_PAIR_DONE);
                assert_hex_equal(h->to_client, h->to_client_len, M10);
                assert_int_equal(h_to_client(h), LK_PAIR_DONE);
        }
        assert_int_equal(lk_pair_client_take_result(&h->c, &res), 0);
        assert_int_equal(lk_pair_lock_take_result(&h->l, &auth), 0);
        assert_int_equal(res.auth_id, auth_id);
        assert_int_equal(auth.auth_id, auth_id);
        assert_memory_equal(res.shared_key, auth.shared_key, LK_KEY_SIZE);
        assert_false(all_zero(res.shared_key, LK_KEY_SIZE));
        assert_memory_equal(res.lock_uuid, harness_uuid, LK_UUID_SIZE);
        assert_false(all_zero(auth.client_pk, LK_KEY_SIZE));
        assert_int_equal(res.pin_set, ultra && pin_set);
        assert_int_equal(auth.id_type, ultra ? LK_ID_APP : LK_ID_BRIDGE);
        assert_int_equal(auth.app_id, 0x11223344);
        assert_int_equal(auth.pin, 0); /* never kept past the owner's decision */
        lk_name_get(auth.name, sizeof(auth.name), name);
        assert_string_equal(name, "latchkey ✓");
        lk_wipe(&res, sizeof(res));
        lk_wipe(&auth, sizeof(auth));
}

static inline void ultra_init(struct harness *h, size_t chunk)
{
        const struct lk_pair_client_config ccfg = {
                .gen = LK_GEN_ULTRA, .id_type = LK_ID_APP, .app_id = 0, .name = "Testapp",
                .pin = 123456,
        };
        struct lk_pair_lock_config lcfg = { .gen = LK_GEN_ULTRA, .pairing_mode = true, .pin_set = true };

        memset(h, 0, sizeof(*h));
        hex(ULTRA_UUID, lcfg.uuid, sizeof(lcfg.uuid));
        h->chunk = chunk;
        assert_int_equal(lk_pair_client_init(&h->c, &ccfg, &lk_env_default), 0);
        assert_int_equal(lk_pair_lock_init(&h->l, &lcfg, &lk_env_default), 0);
}

/*
 * Seal a PDATA given in hex (auth id ‖ cmd ‖ payload ‖ CRC) under s, the ADATA auth id taken
 * from it. With fix, the trailing CRC is recomputed as §2.2 defines it; else kept as given.
 */
static inline size_t seal_pdata(const uint8_t s[static LK_KEY_SIZE], const char *pdata_hex, bool fix,
                         uint8_t *buf, size_t size)
{
        uint8_t pdata[LK_PDATA_MAX];
        size_t n = hex(pdata_hex, pdata, sizeof(pdata));

        if (fix)
                fix_crc(pdata, n);
        assert_true(size >= LK_ADATA_SIZE + LK_MAC_SIZE + n);
        randombytes_buf(buf, LK_NONCE_SIZE);
        memcpy(buf + LK_NONCE_SIZE, pdata, 4);
        buf[28] = (uint8_t)(n + LK_MAC_SIZE);
        buf[29] = 0;
        crypto_secretbox_easy(buf + LK_ADATA_SIZE, pdata, n, buf, s);
        return LK_ADATA_SIZE + LK_MAC_SIZE + n;
}

/* The lock rejected with code for cmd: exact bytes on the wire, and the client hears it. */
static inline void expect_rejected(struct harness *h, int r, uint8_t code, uint16_t cmd)
{
        uint8_t want[7] = { 0x12, 0x00, code, (uint8_t)cmd, (uint8_t)(cmd >> 8) };
        uint8_t got_code = 0;
        uint16_t got_cmd = 0;

        fix_crc(want, sizeof(want));
        assert_int_equal(r, LK_PAIR_REJECTED);
        assert_memory_equal(h->to_client, want, sizeof(want));
        assert_int_equal(h->to_client_len, sizeof(want));
        assert_int_equal(lk_pair_lock_last_error(&h->l, &got_code, &got_cmd), 0);
        assert_int_equal(got_code, code);
        assert_int_equal(got_cmd, cmd);
        /* back to idle, secrets gone */
        assert_int_equal(h->l.state, LK_PAIR_SL_IDLE);
        assert_null(lk_pair_lock_request(&h->l));
        assert_true(all_zero(&h->l.req, sizeof(h->l.req)));
        assert_true(all_zero(&h->l.kp, sizeof(h->l.kp)));
        /* the client, if it is running, fails with the code */
        if (h->c.state != LK_PAIR_CL_IDLE && h->c.state != LK_PAIR_CL_FAILED) {
                assert_int_equal(h_to_client(h), -EREMOTEIO);
                assert_int_equal(lk_pair_client_remote_error(&h->c, &got_code, &got_cmd), 0);
                assert_int_equal(got_code, code);
                assert_int_equal(got_cmd, cmd);
                assert_true(all_zero(h->c.s, sizeof(h->c.s)));
        }
}

/* After a failure the same lock pairs a fresh client session from scratch. */
static inline void expect_fresh_pairing(struct harness *h)
{
        h_until_need_auth(h);
        h_finish(h, 42, h->l.pin_set);
        lk_pair_client_wipe(&h->c);
        lk_pair_lock_wipe(&h->l);
}

/* Run to the client's Authorization Data (SL1–4), not yet delivered. */
static inline void h_until_auth_data(struct harness *h)
{
        h_start(h);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(h_to_lock(h), LK_PAIR_CONTINUE);
                assert_int_equal(h_to_client(h), LK_PAIR_CONTINUE);
        }
        assert_int_equal(get_le16_test(h->to_lock), LK_CMD_AUTHORIZATION_DATA);
}

/* Run an Ultra pairing to the client's encrypted Authorization Data, not yet delivered. */
static inline void ultra_until_auth_data(struct harness *h)
{
        h_start(h);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(h_to_lock(h), LK_PAIR_CONTINUE);
                assert_int_equal(h_to_client(h), LK_PAIR_CONTINUE);
        }
}

/* The client, run against the §11 lock messages up to (not including) message `upto`. */
static inline void client_at(struct lk_pair_client *c, struct script_env *env, int upto)
{
        static const char *const lock_msgs[] = { M2, M4, M6, M8, M10 };
        uint8_t out[LK_PAIR_OUT_MAX], msg[128];
        size_t n, out_len;

        client_init_vector(c, env);
        assert_int_equal(lk_pair_client_start(c, out, sizeof(out), &out_len), LK_PAIR_CONTINUE);
        for (int i = 0; i < upto; i++) {
                n = hex(lock_msgs[i], msg, sizeof(msg));
                assert_int_equal(lk_pair_client_feed(c, msg, n, out, sizeof(out), &out_len),
                                 i == 4 ? LK_PAIR_DONE : LK_PAIR_CONTINUE);
        }
}

static inline void client_dead(struct lk_pair_client *c)
{
        uint8_t out[LK_PAIR_OUT_MAX], msg[64];
        size_t n = hex(M2, msg, sizeof(msg)), out_len = 99;

        assert_int_equal(c->state, LK_PAIR_CL_FAILED);
        assert_true(all_zero(c->s, sizeof(c->s)));
        assert_true(all_zero(&c->kp, sizeof(c->kp)));
        assert_true(all_zero(&c->result, sizeof(c->result)));
        assert_int_equal(lk_pair_client_feed(c, msg, n, out, sizeof(out), &out_len), -EPROTO);
        assert_int_equal(out_len, 99); /* untouched on failure */
        assert_int_equal(lk_pair_client_take_result(c, &(struct lk_pair_result){ 0 }), -EPROTO);
}
