/* SPDX-License-Identifier: MIT */
/* Cryptography of the Nuki protocol (spec §3, §4) on libsodium. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/crypto.h"

_Static_assert(LK_KEY_SIZE == crypto_box_PUBLICKEYBYTES, "public key size");
_Static_assert(LK_KEY_SIZE == crypto_box_SECRETKEYBYTES, "secret key size");
_Static_assert(LK_KEY_SIZE == crypto_box_BEFORENMBYTES, "shared key size");
_Static_assert(LK_KEY_SIZE == crypto_scalarmult_BYTES, "X25519 output size");
_Static_assert(LK_AUTHENTICATOR_SIZE == crypto_auth_hmacsha256_BYTES, "HMAC-SHA256 size");
_Static_assert(LK_KEY_SIZE == crypto_auth_hmacsha256_KEYBYTES, "HMAC key size");

void lk_env_random(const struct lk_env *env, void *buf, size_t n)
{
        if (env && env->random)
                env->random(env->userdata, buf, n);
        else
                randombytes_buf(buf, n);
}

void lk_wipe(void *p, size_t n)
{
        sodium_memzero(p, n);
}

bool lk_equal32(const uint8_t a[static 32], const uint8_t b[static 32])
{
        return crypto_verify_32(a, b) == 0;
}

int lk_keypair_from_secret(struct lk_keypair *ret, const uint8_t sk[static LK_KEY_SIZE])
{
        struct lk_keypair kp;

        memcpy(kp.sk, sk, LK_KEY_SIZE);
        if (crypto_scalarmult_base(kp.pk, kp.sk) != 0) {
                sodium_memzero(&kp, sizeof(kp));
                return -EINVAL;
        }
        *ret = kp;
        sodium_memzero(&kp, sizeof(kp));
        return 0;
}

void lk_keypair_generate(struct lk_keypair *ret, const struct lk_env *env)
{
        uint8_t sk[LK_KEY_SIZE];

        /* X25519 clamps any 32 bytes into a valid scalar, so this cannot fail for random sk. */
        do
                lk_env_random(env, sk, sizeof(sk));
        while (lk_keypair_from_secret(ret, sk) < 0);
        sodium_memzero(sk, sizeof(sk));
}

void lk_keypair_wipe(struct lk_keypair *kp)
{
        sodium_memzero(kp, sizeof(*kp));
}

int lk_shared_key(uint8_t ret[static LK_KEY_SIZE], const uint8_t sk_own[static LK_KEY_SIZE],
                  const uint8_t pk_peer[static LK_KEY_SIZE])
{
        /* dh1 + kdf1 = crypto_box_beforenm (spec §3, verified on the §11 vector); it refuses
         * small-order peer keys, whose shared point is all zero. */
        if (crypto_box_beforenm(ret, pk_peer, sk_own) != 0)
                return -EBADMSG;
        return 0;
}

struct hmac_part {
        const void *p;
        size_t n;
};

static void hmac_parts(uint8_t ret[static LK_AUTHENTICATOR_SIZE], const uint8_t s[static LK_KEY_SIZE],
                       const struct hmac_part *parts, size_t count)
{
        crypto_auth_hmacsha256_state st;

        crypto_auth_hmacsha256_init(&st, s, LK_KEY_SIZE);
        for (size_t i = 0; i < count; i++)
                crypto_auth_hmacsha256_update(&st, parts[i].p, parts[i].n);
        crypto_auth_hmacsha256_final(&st, ret);
        sodium_memzero(&st, sizeof(st));
}

void lk_auth_a1(uint8_t ret[static LK_AUTHENTICATOR_SIZE], const uint8_t s[static LK_KEY_SIZE],
                const uint8_t pk_cl[static LK_KEY_SIZE], const uint8_t pk_sl[static LK_KEY_SIZE],
                const uint8_t nk1[static LK_CHALLENGE_SIZE])
{
        const struct hmac_part parts[] = {
                { pk_cl, LK_KEY_SIZE }, { pk_sl, LK_KEY_SIZE }, { nk1, LK_CHALLENGE_SIZE } };

        hmac_parts(ret, s, parts, ELEMENTSOF(parts));
}

void lk_auth_a2(uint8_t ret[static LK_AUTHENTICATOR_SIZE], const uint8_t s[static LK_KEY_SIZE],
                uint8_t id_type, uint32_t id, const uint8_t name[static LK_AUTH_NAME_SIZE],
                const uint8_t na[static LK_CHALLENGE_SIZE], const uint8_t nk2[static LK_CHALLENGE_SIZE])
{
        uint8_t idb[4];
        const struct hmac_part parts[] = { { &id_type, 1 },
                                           { idb, sizeof(idb) },
                                           { name, LK_AUTH_NAME_SIZE },
                                           { na, LK_CHALLENGE_SIZE },
                                           { nk2, LK_CHALLENGE_SIZE } };

        put_le32(idb, id);
        hmac_parts(ret, s, parts, ELEMENTSOF(parts));
}

void lk_auth_a3(uint8_t ret[static LK_AUTHENTICATOR_SIZE], const uint8_t s[static LK_KEY_SIZE],
                uint32_t auth_id, const uint8_t uuid[static LK_UUID_SIZE],
                const uint8_t nk3[static LK_CHALLENGE_SIZE], const uint8_t na[static LK_CHALLENGE_SIZE])
{
        uint8_t idb[4];
        const struct hmac_part parts[] = { { idb, sizeof(idb) },
                                           { uuid, LK_UUID_SIZE },
                                           { nk3, LK_CHALLENGE_SIZE },
                                           { na, LK_CHALLENGE_SIZE } };

        put_le32(idb, auth_id);
        hmac_parts(ret, s, parts, ELEMENTSOF(parts));
}

void lk_auth_a4(uint8_t ret[static LK_AUTHENTICATOR_SIZE], const uint8_t s[static LK_KEY_SIZE],
                uint32_t auth_id, const uint8_t nk3[static LK_CHALLENGE_SIZE])
{
        uint8_t idb[4];
        const struct hmac_part parts[] = { { idb, sizeof(idb) }, { nk3, LK_CHALLENGE_SIZE } };

        put_le32(idb, auth_id);
        hmac_parts(ret, s, parts, ELEMENTSOF(parts));
}
