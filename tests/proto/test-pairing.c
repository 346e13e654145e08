/* SPDX-License-Identifier: MIT */
/*
 * Pairing state machines, both roles: spec §4.1–§4.3, the official transcript of spec §11
 * byte for byte from each side, client against lock in memory, and every §4.2 failure.
 */
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


static uint16_t get_le16_test(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get_le32_test(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *const client_script[] = { SK_CL, NA };
static const char *const lock_script[] = { NK1, NK2, NK3 };

static int setup(void **state)
{
        return sodium_init() < 0 ? -1 : 0;
}

static bool all_zero(const void *p, size_t n)
{
        const uint8_t *b = p;

        for (size_t i = 0; i < n; i++)
                if (b[i])
                        return false;
        return true;
}

/* Recompute the trailing CRC of an unencrypted message after a test edited it. */
static void fix_crc(uint8_t *msg, size_t n)
{
        uint16_t crc = lk_crc16(msg, n - 2);

        msg[n - 2] = (uint8_t)crc;
        msg[n - 1] = (uint8_t)(crc >> 8);
}

/*
 * Feed msg in chunks of at most chunk bytes. Every chunk but the last must leave the machine
 * waiting silently; returns what the last one (or the first that did something) returned.
 */
static int client_chunks(struct lk_pair_client *c, const uint8_t *msg, size_t n, size_t chunk,
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

static int lock_chunks(struct lk_pair_lock *l, const uint8_t *msg, size_t n, size_t chunk,
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

static void client_init_vector(struct lk_pair_client *c, struct script_env *env)
{
        const struct lk_pair_client_config cfg = {
                .gen = LK_GEN_SMARTLOCK_2, .id_type = LK_ID_APP, .app_id = 0, .name = "Marc (Test)",
        };

        script_env_init(env, client_script, ELEMENTSOF(client_script));
        assert_int_equal(lk_pair_client_init(c, &cfg, &env->env), 0);
}

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

static void lock_init_vector(struct lk_pair_lock *l, struct script_env *env,
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

/* ---- client against lock, in memory ---------------------------------------------------- */

struct harness {
        struct lk_pair_client c;
        struct lk_pair_lock l;
        size_t chunk;
        uint8_t to_lock[LK_PAIR_OUT_MAX], to_client[LK_PAIR_OUT_MAX];
        size_t to_lock_len, to_client_len;
};

static const uint8_t harness_uuid[LK_UUID_SIZE] = { 0xA1, 0xB2, 0xC3, 0xD4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void h_init(struct harness *h, enum lk_generation gen, size_t chunk, uint32_t pin,
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

static void h_start(struct harness *h)
{
        assert_int_equal(lk_pair_client_start(&h->c, h->to_lock, LK_PAIR_OUT_MAX, &h->to_lock_len),
                         LK_PAIR_CONTINUE);
        assert_hex_equal(h->to_lock, h->to_lock_len, M1);
}

/* Deliver the client's last message to the lock; the answer lands in to_client. */
static int h_to_lock(struct harness *h)
{
        return lock_chunks(&h->l, h->to_lock, h->to_lock_len, h->chunk, h->to_client,
                           &h->to_client_len);
}

static int h_to_client(struct harness *h)
{
        return client_chunks(&h->c, h->to_client, h->to_client_len, h->chunk, h->to_lock,
                             &h->to_lock_len);
}

/* Exchange until the lock asks its owner (NEED_AUTH). */
static void h_until_need_auth(struct harness *h)
{
        h_start(h);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(h_to_lock(h), LK_PAIR_CONTINUE);
                assert_int_equal(h_to_client(h), LK_PAIR_CONTINUE);
        }
        assert_int_equal(h_to_lock(h), LK_PAIR_NEED_AUTH);
}

/* From NEED_AUTH: grant and finish; both sides must agree. */
static void h_finish(struct harness *h, uint32_t auth_id, bool pin_set)
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

static void ultra_init(struct harness *h, size_t chunk)
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

/*
 * Seal a PDATA given in hex (auth id ‖ cmd ‖ payload ‖ CRC) under s, the ADATA auth id taken
 * from it. With fix, the trailing CRC is recomputed as §2.2 defines it; else kept as given.
 */
static size_t seal_pdata(const uint8_t s[static LK_KEY_SIZE], const char *pdata_hex, bool fix,
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

/* ---- §4.2 failures, lock side ------------------------------------------------------------ */

/* The lock rejected with code for cmd: exact bytes on the wire, and the client hears it. */
static void expect_rejected(struct harness *h, int r, uint8_t code, uint16_t cmd)
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
static void expect_fresh_pairing(struct harness *h)
{
        h_until_need_auth(h);
        h_finish(h, 42, h->l.pin_set);
        lk_pair_client_wipe(&h->c);
        lk_pair_lock_wipe(&h->l);
}

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

/* Run to the client's Authorization Data (SL1–4), not yet delivered. */
static void h_until_auth_data(struct harness *h)
{
        h_start(h);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(h_to_lock(h), LK_PAIR_CONTINUE);
                assert_int_equal(h_to_client(h), LK_PAIR_CONTINUE);
        }
        assert_int_equal(get_le16_test(h->to_lock), LK_CMD_AUTHORIZATION_DATA);
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

/* Run an Ultra pairing to the client's encrypted Authorization Data, not yet delivered. */
static void ultra_until_auth_data(struct harness *h)
{
        h_start(h);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(h_to_lock(h), LK_PAIR_CONTINUE);
                assert_int_equal(h_to_client(h), LK_PAIR_CONTINUE);
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

/* The client, run against the §11 lock messages up to (not including) message `upto`. */
static void client_at(struct lk_pair_client *c, struct script_env *env, int upto)
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

static void client_dead(struct lk_pair_client *c)
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
                cmocka_unit_test(api_edges),
                cmocka_unit_test(grant_checks),
                cmocka_unit_test(wipe_clears_secrets),
        };

        return cmocka_run_group_tests_name("pairing", tests, setup, NULL);
}
