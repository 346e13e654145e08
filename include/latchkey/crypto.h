/* SPDX-License-Identifier: MIT */
/*
 * latchkey: Nuki BLE protocol — cryptography (spec §3, §4). Thin, named wrappers around
 * libsodium so every caller computes the same thing the same way. Secrets live in fixed-size
 * arrays; callers wipe them with lk_wipe() (sodium_memzero) on every path.
 */
#pragma once

#include "latchkey/wire.h"

struct lk_keypair {
        uint8_t pk[LK_KEY_SIZE];
        uint8_t sk[LK_KEY_SIZE]; /* secret: wipe with lk_keypair_wipe() */
};

/* A fresh key pair from the environment's randomness (spec §3 "Key pair"). */
void lk_keypair_generate(struct lk_keypair *ret, const struct lk_env *env);
/* The key pair of a given secret key (tests, the §11 example). -EINVAL on failure. */
LK_MUST_USE int lk_keypair_from_secret(struct lk_keypair *ret,
                                       const uint8_t sk[static LK_KEY_SIZE]);
void lk_keypair_wipe(struct lk_keypair *kp);

/*
 * Shared key s = HSalsa20(X25519(sk_own, pk_peer)) = crypto_box_beforenm (spec §3 dh1+kdf1).
 * -EBADMSG for a peer key of small order (all-zero shared point).
 */
LK_MUST_USE int lk_shared_key(uint8_t ret[static LK_KEY_SIZE],
                              const uint8_t sk_own[static LK_KEY_SIZE],
                              const uint8_t pk_peer[static LK_KEY_SIZE]);

/* The four pairing authenticators, HMAC-SHA256 keyed with s (spec §4.1). */
void lk_auth_a1(uint8_t ret[static LK_AUTHENTICATOR_SIZE], const uint8_t s[static LK_KEY_SIZE],
                const uint8_t pk_cl[static LK_KEY_SIZE], const uint8_t pk_sl[static LK_KEY_SIZE],
                const uint8_t nk1[static LK_CHALLENGE_SIZE]);
void lk_auth_a2(uint8_t ret[static LK_AUTHENTICATOR_SIZE], const uint8_t s[static LK_KEY_SIZE],
                uint8_t id_type, uint32_t id, const uint8_t name[static LK_AUTH_NAME_SIZE],
                const uint8_t na[static LK_CHALLENGE_SIZE],
                const uint8_t nk2[static LK_CHALLENGE_SIZE]);
void lk_auth_a3(uint8_t ret[static LK_AUTHENTICATOR_SIZE], const uint8_t s[static LK_KEY_SIZE],
                uint32_t auth_id, const uint8_t uuid[static LK_UUID_SIZE],
                const uint8_t nk3[static LK_CHALLENGE_SIZE],
                const uint8_t na[static LK_CHALLENGE_SIZE]);
void lk_auth_a4(uint8_t ret[static LK_AUTHENTICATOR_SIZE], const uint8_t s[static LK_KEY_SIZE],
                uint32_t auth_id, const uint8_t nk3[static LK_CHALLENGE_SIZE]);

/* Constant-time equality of two 32-byte values (authenticators, keys, challenges). */
bool lk_equal32(const uint8_t a[static 32], const uint8_t b[static 32]);

/* sodium_memzero. */
void lk_wipe(void *p, size_t n);

/* Fill buf from the environment (randombytes_buf by default). */
void lk_env_random(const struct lk_env *env, void *buf, size_t n);
