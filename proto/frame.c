/* SPDX-License-Identifier: MIT */
/* Unencrypted and encrypted framing (spec §2) and the streaming reassembler (spec §1.2). */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/frame.h"

_Static_assert(LK_NONCE_SIZE == crypto_secretbox_NONCEBYTES, "secretbox nonce");
_Static_assert(LK_KEY_SIZE == crypto_secretbox_KEYBYTES, "secretbox key");
_Static_assert(LK_MAC_SIZE == crypto_secretbox_MACBYTES, "secretbox MAC");

ssize_t lk_plain_encode(uint16_t cmd, const uint8_t *payload, size_t n, uint8_t *buf, size_t size)
{
        size_t total = LK_CMD_SIZE + n + LK_CRC_SIZE;

        if (n > LK_PAYLOAD_MAX)
                return -EMSGSIZE;
        if (size < total)
                return -ENOBUFS;
        put_le16(buf, cmd);
        if (n)
                memmove(buf + LK_CMD_SIZE, payload, n);
        put_le16(buf + LK_CMD_SIZE + n, lk_crc16(buf, LK_CMD_SIZE + n));
        return (ssize_t)total;
}

int lk_plain_decode(const uint8_t *msg, size_t n, struct lk_msg *ret)
{
        if (n < LK_CMD_SIZE + LK_CRC_SIZE || n > LK_PLAIN_MAX)
                return -EBADMSG;
        if (lk_crc16(msg, n - LK_CRC_SIZE) != get_le16(msg + n - LK_CRC_SIZE))
                return -EBADMSG;
        *ret = (struct lk_msg){
                .cmd = get_le16(msg),
                .payload = msg + LK_CMD_SIZE,
                .len = n - LK_CMD_SIZE - LK_CRC_SIZE,
        };
        return 0;
}

/* Spec §1.3: lengths of the messages that travel unencrypted, both directions. */
ssize_t lk_plain_length(uint16_t cmd)
{
        switch (cmd) {
        case LK_CMD_REQUEST_DATA: /* client→lock on Pairing GDIO: Request Data(Public Key) */
                return 6;
        case LK_CMD_PUBLIC_KEY:
        case LK_CMD_CHALLENGE:
        case LK_CMD_AUTHORIZATION_AUTHENTICATOR:
                return 36;
        case LK_CMD_AUTHORIZATION_DATA:
                return 105;
        case LK_CMD_AUTHORIZATION_ID:
                return 88;
        case LK_CMD_STATUS:
        case LK_CMD_AUTHORIZATION_INFO:
                return 5;
        case LK_CMD_ERROR_REPORT:
                return 7;
        case LK_CMD_AUTHORIZATION_ID_CONFIRMATION:
                return 40;
        default:
                return -EBADMSG;
        }
}

static void sealed_put_pdata(uint8_t *pdata, uint32_t auth_id, uint16_t cmd,
                             const uint8_t *payload, size_t n)
{
        put_le32(pdata, auth_id);
        put_le16(pdata + LK_AUTH_ID_SIZE, cmd);
        if (n)
                memcpy(pdata + LK_AUTH_ID_SIZE + LK_CMD_SIZE, payload, n);
        put_le16(pdata + LK_PDATA_MIN - LK_CRC_SIZE + n, lk_crc16(pdata, LK_PDATA_MIN - LK_CRC_SIZE + n));
}

ssize_t lk_sealed_encode(const uint8_t key[static LK_KEY_SIZE],
                         const uint8_t nonce[static LK_NONCE_SIZE], uint32_t auth_id, uint16_t cmd,
                         const uint8_t *payload, size_t n, uint8_t *buf, size_t size)
{
        uint8_t pdata[LK_PDATA_MAX];
        size_t plen = LK_PDATA_MIN + n;
        size_t total = LK_ADATA_SIZE + LK_MAC_SIZE + plen;

        if (n > LK_PAYLOAD_MAX)
                return -EMSGSIZE;
        if (size < total)
                return -ENOBUFS;
        sealed_put_pdata(pdata, auth_id, cmd, payload, n);
        memcpy(buf, nonce, LK_NONCE_SIZE);
        put_le32(buf + LK_NONCE_SIZE, auth_id);
        put_le16(buf + LK_NONCE_SIZE + LK_AUTH_ID_SIZE, (uint16_t)(plen + LK_MAC_SIZE));
        /* crypto_secretbox_easy output: 16-byte tag, then ciphertext (spec §2.2). */
        crypto_secretbox_easy(buf + LK_ADATA_SIZE, pdata, plen, nonce, key);
        sodium_memzero(pdata, sizeof(pdata));
        return (ssize_t)total;
}

int lk_adata_parse(const uint8_t *msg, size_t n, struct lk_adata *ret)
{
        if (n < LK_ADATA_SIZE)
                return -EBADMSG;
        memcpy(ret->nonce, msg, LK_NONCE_SIZE);
        ret->auth_id = get_le32(msg + LK_NONCE_SIZE);
        ret->len = get_le16(msg + LK_NONCE_SIZE + LK_AUTH_ID_SIZE);
        return 0;
}

ssize_t lk_sealed_open(const uint8_t key[static LK_KEY_SIZE], const uint8_t *msg, size_t n,
                       uint8_t *pdata, size_t size)
{
        struct lk_adata ad;
        size_t plen;

        if (lk_adata_parse(msg, n, &ad) < 0)
                return -EBADMSG;
        if (ad.len > LK_MAC_SIZE + LK_PDATA_MAX)
                return -EMSGSIZE;
        if (ad.len < LK_MAC_SIZE + LK_PDATA_MIN || n != LK_ADATA_SIZE + (size_t)ad.len)
                return -EBADMSG;
        plen = ad.len - LK_MAC_SIZE;
        if (size < plen)
                return -ENOBUFS;
        if (crypto_secretbox_open_easy(pdata, msg + LK_ADATA_SIZE, ad.len, ad.nonce, key) != 0)
                return -EBADMSG;
        return (ssize_t)plen;
}

int lk_pdata_parse(const uint8_t *pdata, size_t n, struct lk_msg *ret)
{
        if (n < LK_PDATA_MIN || n > LK_PDATA_MAX)
                return -EBADMSG;
        if (lk_crc16(pdata, n - LK_CRC_SIZE) != get_le16(pdata + n - LK_CRC_SIZE))
                return -EBADMSG;
        *ret = (struct lk_msg){
                .auth_id = get_le32(pdata),
                .cmd = get_le16(pdata + LK_AUTH_ID_SIZE),
                .payload = pdata + LK_AUTH_ID_SIZE + LK_CMD_SIZE,
                .len = n - LK_PDATA_MIN,
        };
        return 0;
}

int lk_sealed_decode(const uint8_t key[static LK_KEY_SIZE], const uint8_t *msg, size_t n,
                     uint8_t *pdata, size_t size, struct lk_msg *ret)
{
        struct lk_msg m;
        ssize_t plen;
        int r;

        plen = lk_sealed_open(key, msg, n, pdata, size);
        if (plen < 0)
                return (int)plen;
        r = lk_pdata_parse(pdata, (size_t)plen, &m);
        if (r < 0)
                return r;
        /* open succeeded, so the 30-byte ADATA is there */
        if (m.auth_id != get_le32(msg + LK_NONCE_SIZE))
                return -EBADMSG;
        *ret = m;
        return 0;
}

void lk_reasm_init(struct lk_reasm *r, enum lk_framing framing)
{
        r->framing = framing;
        lk_reasm_reset(r);
}

void lk_reasm_reset(struct lk_reasm *r)
{
        r->len = 0;
        r->need = 0;
        r->done = false;
}

/* The total length once enough of the header is in; 0 if not yet known. */
static int reasm_need(struct lk_reasm *r)
{
        ssize_t l;
        uint16_t len;

        switch (r->framing) {
        case LK_FRAMING_PLAIN:
                if (r->len < LK_CMD_SIZE)
                        return 0;
                l = lk_plain_length(get_le16(r->buf));
                if (l < 0)
                        return -EBADMSG;
                r->need = (size_t)l;
                return 0;
        case LK_FRAMING_SEALED:
                if (r->len < LK_ADATA_SIZE)
                        return 0;
                len = get_le16(r->buf + LK_NONCE_SIZE + LK_AUTH_ID_SIZE);
                /* spec §2.2 step 1: LEN below 16 + 8 cannot hold a PDATA. */
                if (len > LK_MAC_SIZE + LK_PDATA_MAX || len < LK_MAC_SIZE + LK_PDATA_MIN)
                        return -EMSGSIZE;
                r->need = LK_ADATA_SIZE + len;
                return 0;
        }
        return -EINVAL;
}

int lk_reasm_feed(struct lk_reasm *r, const uint8_t *p, size_t n, size_t *ret_used)
{
        size_t used = 0;
        int k;

        if (r->done)
                lk_reasm_reset(r);
        while (used < n) {
                /* Until the length is known take only the header, a byte at a time at most. */
                size_t want = r->need ? r->need - r->len
                                      : (r->framing == LK_FRAMING_PLAIN ? LK_CMD_SIZE : LK_ADATA_SIZE) - r->len;
                size_t take = want < n - used ? want : n - used;

                memcpy(r->buf + r->len, p + used, take);
                r->len += take;
                used += take;
                if (!r->need) {
                        k = reasm_need(r);
                        if (k < 0) {
                                lk_reasm_reset(r);
                                return k;
                        }
                }
                if (r->need && r->len == r->need) {
                        r->done = true;
                        *ret_used = used;
                        return 1;
                }
        }
        *ret_used = used;
        return 0;
}
