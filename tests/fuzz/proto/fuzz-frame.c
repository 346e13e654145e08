/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the framing decoders (spec §2): unencrypted messages, ADATA, encrypted messages under
 * the §11 shared key (so the official messages in the corpus open and reach the PDATA
 * parser), bare PDATA; and the property that encoding any payload decodes back to it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "latchkey/frame.h"

/* spec §11: the shared key of the official example */
static const uint8_t key[LK_KEY_SIZE] = {
        0x21, 0x7F, 0xCB, 0x0F, 0x18, 0xCA, 0xF2, 0x84, 0xE9, 0xBD, 0xEA, 0x0B, 0x94, 0xB8, 0x3B, 0x8D,
        0x10, 0x86, 0x7E, 0xD7, 0x06, 0xBF, 0xDE, 0xDB, 0xD2, 0x38, 0x1F, 0x4C, 0xB3, 0xB8, 0xF7, 0x30,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg_in(const struct lk_msg *m, const uint8_t *buf, size_t n)
{
        if (m->payload < buf || m->payload + m->len > buf + n)
                abort();
}

static void fuzz_plain(const uint8_t *data, size_t size)
{
        struct lk_msg m;
        uint8_t re[LK_PLAIN_MAX];
        ssize_t n;

        if (lk_plain_decode(data, size, &m) < 0)
                return;
        check_msg_in(&m, data, size);
        if (m.len != size - LK_CMD_SIZE - LK_CRC_SIZE)
                abort();
        /* a message that decodes re-encodes to the same bytes */
        n = lk_plain_encode(m.cmd, m.payload, m.len, re, sizeof(re));
        if (n < 0 || (size_t)n != size || memcmp(re, data, size) != 0)
                abort();
}

static void fuzz_sealed(const uint8_t *data, size_t size)
{
        uint8_t pdata[LK_PDATA_MAX];
        uint8_t re[LK_SEALED_MAX];
        struct lk_adata ad;
        struct lk_msg m;
        ssize_t n;
        int r;

        if (lk_adata_parse(data, size, &ad) == 0 && size < LK_ADATA_SIZE)
                abort();
        r = lk_sealed_decode(key, data, size, pdata, sizeof(pdata), &m);
        if (r < 0) {
                if (r != -EBADMSG && r != -EMSGSIZE)
                        abort();
                return;
        }
        check_msg_in(&m, pdata, sizeof(pdata));
        if (lk_adata_parse(data, size, &ad) < 0 || m.auth_id != ad.auth_id)
                abort();
        if (size != LK_ADATA_SIZE + LK_MAC_SIZE + LK_PDATA_MIN + m.len)
                abort();
        /* the same nonce re-seals to the same bytes */
        n = lk_sealed_encode(key, ad.nonce, m.auth_id, m.cmd, m.payload, m.len, re, sizeof(re));
        if (n < 0 || (size_t)n != size || memcmp(re, data, size) != 0)
                abort();
}

static void fuzz_pdata(const uint8_t *data, size_t size)
{
        struct lk_msg m;

        if (lk_pdata_parse(data, size, &m) < 0)
                return;
        check_msg_in(&m, data, size);
        if (m.len + LK_PDATA_MIN != size)
                abort();
}

/* Property: any cmd and payload round-trips through lk_plain_encode/lk_plain_decode. */
static void roundtrip_plain(const uint8_t *data, size_t size)
{
        uint8_t buf[LK_PLAIN_MAX];
        struct lk_msg m;
        uint16_t cmd;
        size_t n;
        ssize_t len;

        if (size < 2)
                return;
        cmd = (uint16_t)(data[0] | data[1] << 8);
        n = size - 2;
        len = lk_plain_encode(cmd, data + 2, n, buf, sizeof(buf));
        if (n > LK_PAYLOAD_MAX) {
                if (len != -EMSGSIZE)
                        abort();
                return;
        }
        if (len != (ssize_t)(n + LK_CMD_SIZE + LK_CRC_SIZE))
                abort();
        if (lk_plain_decode(buf, (size_t)len, &m) < 0)
                abort();
        if (m.cmd != cmd || m.len != n || (n && memcmp(m.payload, data + 2, n) != 0))
                abort();
        /* one flipped bit anywhere is caught by the CRC (spec §2.3: CRC-16 detects all 1-bit errors) */
        buf[data[0] % (size_t)len] ^= (uint8_t)(1u << (data[1] & 7));
        if (lk_plain_decode(buf, (size_t)len, &m) == 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        fuzz_plain(data, size);
        fuzz_sealed(data, size);
        fuzz_pdata(data, size);
        roundtrip_plain(data, size);
        return 0;
}
