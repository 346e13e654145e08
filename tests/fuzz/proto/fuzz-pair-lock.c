/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the lock pairing machine (spec §4.1–§4.3) with what a client could write. Layout:
 *   byte 0   bit 0: Ultra (§4.3) instead of Smart Lock 2 (§4.1)
 *            bit 1: §11 vector seam (vector_keys PK_SL/s, nK1..nK3 from the vector), so the
 *                   official client messages drive a Smart Lock all the way to DONE (seeds)
 *            bit 2: start outside pairing mode
 *            bits 3–5: k = 0..7 rounds played first by a real client (lk_pair_client), so the
 *                   fuzz bytes also land in the later states with a genuine s
 *   byte 1   the owner: bit 0 refuses NEED_AUTH (bits 1–7 pick the code), else grants
 *   then     records: a length byte L and L bytes, each fed as one write.
 *            L = 0 resets (disconnect), L = 255 toggles pairing mode.
 * Randomness is deterministic (a counter through splitmix64). Invariants (abort() otherwise):
 * outputs fit LK_PAIR_OUT_MAX, a rejection is one 7-byte Error Report and leaves the machine
 * idle with its session secrets wiped, only caller errors are negative, DONE yields a result.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "latchkey/pairing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct det_env {
        struct lk_env env;
        uint64_t counter;
        unsigned draws;
        bool vector;
};

/* spec §11: PK_SL, s, nK1, nK2, nK3 */
static const struct lk_pair_lock_vector_keys vec_keys = {
        .pk = { 0x2F, 0xE5, 0x7D, 0xA3, 0x47, 0xCD, 0x62, 0x43, 0x15, 0x28, 0xDA, 0xAC, 0x5F, 0xBB, 0x29, 0x07,
                0x30, 0xFF, 0xF6, 0x84, 0xAF, 0xC4, 0xCF, 0xC2, 0xED, 0x90, 0x99, 0x5F, 0x58, 0xCB, 0x3B, 0x74 },
        .shared_key = { 0x21, 0x7F, 0xCB, 0x0F, 0x18, 0xCA, 0xF2, 0x84, 0xE9, 0xBD, 0xEA, 0x0B, 0x94, 0xB8, 0x3B, 0x8D,
                        0x10, 0x86, 0x7E, 0xD7, 0x06, 0xBF, 0xDE, 0xDB, 0xD2, 0x38, 0x1F, 0x4C, 0xB3, 0xB8, 0xF7, 0x30 },
};
static const uint8_t vec_nk[3][32] = {
        { 0x6C, 0xD4, 0x16, 0x3D, 0x15, 0x90, 0x50, 0xC7, 0x98, 0x55, 0x3E, 0xAA, 0x57, 0xE2, 0x78, 0xA5,
          0x79, 0xAF, 0xFC, 0xBC, 0x56, 0xF0, 0x9F, 0xC5, 0x7F, 0xE8, 0x79, 0xE5, 0x1C, 0x42, 0xDF, 0x17 },
        { 0xE0, 0x74, 0x2C, 0xFE, 0xA3, 0x9C, 0xB4, 0x61, 0x09, 0x38, 0x5B, 0xF9, 0x12, 0x86, 0xA3, 0xC0,
          0x2F, 0x40, 0xEE, 0x86, 0xB0, 0xB6, 0x2F, 0xC3, 0x40, 0x33, 0x09, 0x4D, 0xE4, 0x1E, 0x2C, 0x0D },
        { 0xEA, 0x47, 0x99, 0x15, 0x98, 0x2F, 0x13, 0xC6, 0x1D, 0x99, 0x7A, 0x56, 0x67, 0x8A, 0xD7, 0x77,
          0x91, 0xBF, 0xA7, 0xE9, 0x52, 0x29, 0xA3, 0xDD, 0x34, 0xF8, 0x71, 0x32, 0xBF, 0x3E, 0x3C, 0x97 },
};
static const uint8_t vec_uuid[16] = { 0x83, 0xB3, 0x36, 0x43, 0xC6, 0xD9, 0x7E, 0xF7,
                                      0x7E, 0xD5, 0x1C, 0x02, 0xA2, 0x77, 0xCB, 0xF7 };

static uint64_t splitmix64(uint64_t *x)
{
        uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
}

/* In vector mode the 32-byte draws cycle through nK1, nK2, nK3 (a new session starts over
 * after three, as the §11 lock would). */
static void det_random(void *userdata, void *buf, size_t n)
{
        struct det_env *e = userdata;
        uint8_t *p = buf;

        if (e->vector && n == 32) {
                memcpy(buf, vec_nk[e->draws++ % 3], 32);
                return;
        }
        for (size_t i = 0; i < n; i += 8) {
                uint64_t v = splitmix64(&e->counter);
                size_t k = n - i < 8 ? n - i : 8;

                memcpy(p + i, &v, k);
        }
}

static void det_env_init(struct det_env *e, uint64_t seed, bool vector)
{
        *e = (struct det_env){
                .env = { .random = det_random, .userdata = e },
                .counter = seed,
                .vector = vector,
        };
}

static bool is_zero(const void *p, size_t n)
{
        const uint8_t *b = p;

        for (size_t i = 0; i < n; i++)
                if (b[i])
                        return false;
        return true;
}

/* The owner: grant or refuse, as byte 1 says. */
static int owner_answer(struct lk_pair_lock *l, uint8_t policy, uint8_t *out, size_t *out_len)
{
        const struct lk_pair_authorization *req = lk_pair_lock_request(l);

        if (!req || is_zero(req->shared_key, LK_KEY_SIZE))
                abort();
        if (policy & 1) {
                uint8_t code = policy >> 1;
                int r = lk_pair_lock_refuse(l, (enum lk_error)code, out, LK_PAIR_OUT_MAX, out_len);

                if (code == 0) { /* no error code: refused, the request stays pending */
                        if (r != -EINVAL || !lk_pair_lock_request(l))
                                abort();
                        r = lk_pair_lock_refuse(l, LK_P_ERROR_MAX_USER, out, LK_PAIR_OUT_MAX, out_len);
                }
                return r;
        }
        return lk_pair_lock_grant(l, 2, out, LK_PAIR_OUT_MAX, out_len);
}

/* The documented outcomes of a lock call; answers NEED_AUTH on the spot. */
static int check_lock_ret(struct lk_pair_lock *l, int r, uint8_t policy, uint8_t *out,
                          size_t *out_len)
{
        struct lk_pair_authorization auth;

        switch (r) {
        case LK_PAIR_CONTINUE:
                if (*out_len > LK_PAIR_OUT_MAX)
                        abort();
                return r;
        case LK_PAIR_NEED_AUTH:
                if (*out_len != 0)
                        abort();
                r = owner_answer(l, policy, out, out_len);
                if (r == LK_PAIR_NEED_AUTH)
                        abort();
                return check_lock_ret(l, r, policy, out, out_len);
        case LK_PAIR_DONE:
                if (lk_pair_lock_take_result(l, &auth) != 0 || auth.auth_id != 2 ||
                    is_zero(auth.shared_key, sizeof(auth.shared_key)) || auth.pin != 0)
                        abort();
                sodium_memzero(&auth, sizeof(auth));
                if (l->state != LK_PAIR_SL_IDLE)
                        abort();
                return r;
        case LK_PAIR_REJECTED:
                if (*out_len != 7 || out[0] != 0x12 || out[1] != 0x00 || l->state != LK_PAIR_SL_IDLE)
                        abort();
                if (!is_zero(&l->req, sizeof(l->req)) || !is_zero(&l->kp, sizeof(l->kp)) ||
                    lk_pair_lock_last_error(l, NULL, NULL) != 0)
                        abort();
                return r;
        default:
                abort();
        }
}

/* k rounds with a real client: client output → lock, lock output → client. */
static void play_real_client(struct lk_pair_lock *l, unsigned k, uint8_t policy)
{
        static struct lk_pair_client c;
        struct det_env cenv;
        const struct lk_pair_client_config cfg = {
                .gen = l->gen, .id_type = LK_ID_FOB, .app_id = 77, .name = "fuzz", .pin = 4321,
        };
        uint8_t cout[LK_PAIR_OUT_MAX], lout[LK_PAIR_OUT_MAX];
        size_t cout_len = 0, lout_len = 0;
        int r;

        if (k == 0)
                return;
        det_env_init(&cenv, 0xC11E, false);
        if (lk_pair_client_init(&c, &cfg, &cenv.env) != 0 ||
            lk_pair_client_start(&c, cout, sizeof(cout), &cout_len) != LK_PAIR_CONTINUE)
                abort();
        for (unsigned i = 0; i < k && cout_len; i++) {
                lout_len = 0;
                r = lk_pair_lock_feed(l, cout, cout_len, lout, sizeof(lout), &lout_len);
                check_lock_ret(l, r, policy, lout, &lout_len);
                if (lout_len == 0)
                        break;
                cout_len = 0;
                if (lk_pair_client_feed(&c, lout, lout_len, cout, sizeof(cout), &cout_len) < 0)
                        break;
        }
        lk_pair_client_wipe(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct lk_pair_lock l;
        struct det_env env;
        struct lk_pair_lock_config cfg = { .pin_set = true };
        uint8_t out[LK_PAIR_OUT_MAX], policy;
        size_t out_len, i = 2;
        bool vector;
        int r;

        if (size < 2)
                return 0;
        if (sodium_init() < 0)
                abort();
        cfg.gen = data[0] & 1 ? LK_GEN_ULTRA : LK_GEN_SMARTLOCK_2;
        vector = data[0] & 2;
        cfg.pairing_mode = !(data[0] & 4);
        policy = data[1];
        if (vector) {
                cfg.vector_keys = &vec_keys;
                memcpy(cfg.uuid, vec_uuid, sizeof(cfg.uuid));
        }
        det_env_init(&env, size, vector);
        if (lk_pair_lock_init(&l, &cfg, &env.env) != 0)
                abort();
        play_real_client(&l, (data[0] >> 3) & 7, policy);

        while (i < size) {
                size_t len = data[i++];

                if (len == 0) {
                        lk_pair_lock_reset(&l);
                        if (!is_zero(&l.req, sizeof(l.req)))
                                abort();
                        continue;
                }
                if (len == 255) {
                        lk_pair_lock_set_pairing_mode(&l, !l.pairing_mode);
                        continue;
                }
                if (len > size - i)
                        len = size - i;
                out_len = 0;
                r = lk_pair_lock_feed(&l, data + i, len, out, sizeof(out), &out_len);
                check_lock_ret(&l, r, policy, out, &out_len);
                i += len;
        }
        lk_pair_lock_wipe(&l);
        return 0;
}
