/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the client pairing machine (spec §4.1–§4.3) with what a lock could indicate. Layout:
 *   byte 0   bit 0: Ultra (§4.3) instead of Smart Lock 2 (§4.1)
 *            bit 1: §11 vector randomness (sk_CL, then nA), so the official lock messages
 *                   drive a Smart Lock client all the way to DONE (the seeds do that)
 *            bits 2–3: k = 0..3 rounds played first against a real lock (lk_pair_lock), so
 *                   the fuzz bytes also land in the later states with a genuine s
 *   then     records: a length byte L and L bytes, each fed as one chunk (an indication).
 *            L = 0 restarts the pairing (lk_pair_client_start), L = 255 resets it.
 * The randomness is deterministic (a counter through splitmix64). Invariants (abort()
 * otherwise): outputs fit LK_PAIR_OUT_MAX, errors are the documented ones, a dead session stays
 * dead, and a DONE result carries the shared key the session derived.
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

/* spec §11: sk_CL and nA */
static const uint8_t vec_sk_cl[32] = {
        0x8C, 0xAA, 0x54, 0x67, 0x23, 0x07, 0xBF, 0xFD, 0xF5, 0xEA, 0x18, 0x3F, 0xC6, 0x07, 0x15, 0x8D,
        0x20, 0x11, 0xD0, 0x08, 0xEC, 0xA6, 0xA1, 0x08, 0x86, 0x14, 0xFF, 0x08, 0x53, 0xA5, 0xAA, 0x07,
};
static const uint8_t vec_na[32] = {
        0x52, 0xAF, 0xE0, 0xA6, 0x64, 0xB4, 0xE9, 0xB5, 0x6D, 0xC6, 0xBD, 0x4C, 0xB7, 0x18, 0xA6, 0xC9,
        0xFE, 0xD6, 0xBE, 0x17, 0xA7, 0x41, 0x10, 0x72, 0xAA, 0x0D, 0x31, 0x53, 0x78, 0x14, 0x05, 0x77,
};

static uint64_t splitmix64(uint64_t *x)
{
        uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
}

static void det_random(void *userdata, void *buf, size_t n)
{
        struct det_env *e = userdata;
        uint8_t *p = buf;

        if (e->vector && n == 32 && e->draws < 2) {
                memcpy(buf, e->draws == 0 ? vec_sk_cl : vec_na, 32);
                e->draws++;
                return;
        }
        e->draws++;
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

static bool is_zero(const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

/* The documented outcomes of a client call (include/latchkey/pairing.h). */
static void check_client_ret(struct lk_pair_client *c, int r, size_t out_len)
{
        struct lk_pair_result res;

        switch (r) {
        case LK_PAIR_CONTINUE:
                if (out_len > LK_PAIR_OUT_MAX)
                        abort();
                return;
        case LK_PAIR_DONE:
                if (out_len != 0 || lk_pair_client_take_result(c, &res) != 0)
                        abort();
                if (is_zero(res.shared_key, sizeof(res.shared_key)) || !is_zero(c->s, sizeof(c->s)))
                        abort();
                sodium_memzero(&res, sizeof(res));
                return;
        case -EREMOTEIO:
                if (lk_pair_client_remote_error(c, NULL, NULL) != 0)
                        abort();
                __attribute__((fallthrough));
        case -EBADMSG:
        case -EPROTO:
                if (c->state != LK_PAIR_CL_FAILED && c->state != LK_PAIR_CL_IDLE &&
                    c->state != LK_PAIR_CL_DONE)
                        abort();
                if (!is_zero(c->s, sizeof(c->s)) || !is_zero(c->kp.sk, sizeof(c->kp.sk)))
                        abort();
                return;
        default:
                abort();
        }
}

/* k rounds against a real lock: client output → lock, lock output → client. */
static void play_real_lock(struct lk_pair_client *c, unsigned k, uint8_t *out, size_t *out_len)
{
        static struct lk_pair_lock l;
        struct det_env lenv;
        struct lk_pair_lock_config cfg = { .gen = c->gen, .pairing_mode = true, .pin_set = true };
        uint8_t lout[LK_PAIR_OUT_MAX];
        size_t lout_len = 0;
        int r;

        det_env_init(&lenv, 0x10c4, false);
        memset(cfg.uuid, 0x5A, sizeof(cfg.uuid));
        if (lk_pair_lock_init(&l, &cfg, &lenv.env) != 0)
                abort();
        for (unsigned i = 0; i < k && *out_len; i++) {
                r = lk_pair_lock_feed(&l, out, *out_len, lout, sizeof(lout), &lout_len);
                if (r == LK_PAIR_NEED_AUTH)
                        r = lk_pair_lock_grant(&l, 2, lout, sizeof(lout), &lout_len);
                if (r < 0 || lout_len == 0)
                        break;
                *out_len = 0;
                r = lk_pair_client_feed(c, lout, lout_len, out, LK_PAIR_OUT_MAX, out_len);
                check_client_ret(c, r, *out_len);
                if (r != LK_PAIR_CONTINUE)
                        break;
        }
        lk_pair_lock_wipe(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct lk_pair_client c;
        struct det_env env;
        struct lk_pair_client_config cfg = { .id_type = LK_ID_APP, .name = "Marc (Test)", .pin = 123456 };
        uint8_t out[LK_PAIR_OUT_MAX];
        size_t out_len = 0, i = 1;
        int r;

        if (size < 1)
                return 0;
        if (sodium_init() < 0)
                abort();
        cfg.gen = data[0] & 1 ? LK_GEN_ULTRA : LK_GEN_SMARTLOCK_2;
        det_env_init(&env, size, data[0] & 2);
        if (lk_pair_client_init(&c, &cfg, &env.env) != 0)
                abort();
        if (lk_pair_client_start(&c, out, sizeof(out), &out_len) != LK_PAIR_CONTINUE || out_len != 6)
                abort();
        play_real_lock(&c, (data[0] >> 2) & 3, out, &out_len);

        while (i < size) {
                size_t len = data[i++];

                if (len == 0) {
                        r = lk_pair_client_start(&c, out, sizeof(out), &out_len);
                        if (r != LK_PAIR_CONTINUE)
                                abort();
                        continue;
                }
                if (len == 255) {
                        lk_pair_client_reset(&c);
                        continue;
                }
                if (len > size - i)
                        len = size - i;
                out_len = 0;
                r = lk_pair_client_feed(&c, data + i, len, out, sizeof(out), &out_len);
                check_client_ret(&c, r, out_len);
                i += len;
        }
        lk_pair_client_wipe(&c);
        return 0;
}
