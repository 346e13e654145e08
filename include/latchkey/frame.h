/* SPDX-License-Identifier: MIT */
/*
 * latchkey: Nuki BLE protocol — CRC, unencrypted and encrypted framing, reassembly.
 * Spec §1.2–§2.3. Pure: no allocation, no I/O. Error convention in wire.h.
 */
#pragma once

#include <sys/types.h>
#include "latchkey/wire.h"

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xorout (spec §2.3). */
uint16_t lk_crc16(const void *p, size_t n);

/* A decoded message: command and payload. payload points into the caller's buffer. */
struct lk_msg {
        uint32_t auth_id; /* encrypted messages only; 0 for unencrypted */
        uint16_t cmd;
        const uint8_t *payload;
        size_t len;
};

/*
 * Unencrypted message (spec §2.1): cmd ‖ payload ‖ CRC. Writes into buf and returns the total
 * length; -ENOBUFS if size is too small, -EMSGSIZE if n > LK_PAYLOAD_MAX.
 */
LK_MUST_USE ssize_t lk_plain_encode(uint16_t cmd, const uint8_t *payload, size_t n,
                                    uint8_t *buf, size_t size);

/* Parse and check the CRC of an unencrypted message. ret->payload points into msg. -EBADMSG. */
LK_MUST_USE int lk_plain_decode(const uint8_t *msg, size_t n, struct lk_msg *ret);

/*
 * Total wire length of an unencrypted message by its command id (spec §1.3), used to end
 * messages on the GDIO channels; -EBADMSG for a command that never travels unencrypted.
 */
LK_MUST_USE ssize_t lk_plain_length(uint16_t cmd);

/*
 * Encrypted message (spec §2.2): ADATA (nonce ‖ auth id ‖ LEN) ‖ secretbox(PDATA) where
 * PDATA = auth id ‖ cmd ‖ payload ‖ CRC. The nonce is the caller's: fresh per message,
 * drawn from the environment. Returns the total length, -ENOBUFS, -EMSGSIZE.
 */
LK_MUST_USE ssize_t lk_sealed_encode(const uint8_t key[static LK_KEY_SIZE],
                                     const uint8_t nonce[static LK_NONCE_SIZE], uint32_t auth_id,
                                     uint16_t cmd, const uint8_t *payload, size_t n,
                                     uint8_t *buf, size_t size);

/* The ADATA of an encrypted message, readable before any key is known. -EBADMSG if short. */
struct lk_adata {
        uint8_t nonce[LK_NONCE_SIZE];
        uint32_t auth_id;
        uint16_t len; /* length of the secretbox part: PDATA + 16 */
};
LK_MUST_USE int lk_adata_parse(const uint8_t *msg, size_t n, struct lk_adata *ret);

/*
 * Open the secretbox of an encrypted message into pdata (caller buffer, at least
 * LK_PDATA_MAX) and return the PDATA length. -EBADMSG if the length is inconsistent or the
 * MAC does not verify (a lock answers K_ERROR_NOT_AUTHORIZED, spec §2.2 steps 2–3);
 * -EMSGSIZE if LEN exceeds the limit.
 */
LK_MUST_USE ssize_t lk_sealed_open(const uint8_t key[static LK_KEY_SIZE], const uint8_t *msg,
                                   size_t n, uint8_t *pdata, size_t size);

/* Parse PDATA: auth id ‖ cmd ‖ payload ‖ CRC. -EBADMSG if short or the CRC is wrong. */
LK_MUST_USE int lk_pdata_parse(const uint8_t *pdata, size_t n, struct lk_msg *ret);

/*
 * The three steps at once, and the PDATA auth id must equal the ADATA one: any failure is
 * -EBADMSG (or -EMSGSIZE), without saying which. ret->payload points into pdata.
 */
LK_MUST_USE int lk_sealed_decode(const uint8_t key[static LK_KEY_SIZE], const uint8_t *msg,
                                 size_t n, uint8_t *pdata, size_t size, struct lk_msg *ret);

/*
 * Streaming reassembler (spec §1.2): feed indications or any other chunks of any size, get
 * whole messages. Unencrypted messages end by the length their command id implies (§1.3);
 * encrypted ones at 30 + LEN. An oversized or undersized LEN is refused as soon as the 30-byte
 * ADATA is in, before any of the message body is buffered; an unknown unencrypted command as
 * soon as its 2-byte id is in.
 */
enum lk_framing {
        LK_FRAMING_PLAIN,
        LK_FRAMING_SEALED,
};

struct lk_reasm {
        enum lk_framing framing;
        size_t len;  /* bytes buffered */
        size_t need; /* total length of the current message, 0 while unknown */
        bool done;   /* buf holds a whole message; the next feed starts a new one */
        uint8_t buf[LK_MSG_MAX];
};

void lk_reasm_init(struct lk_reasm *r, enum lk_framing framing);
/* Drop any partial message (after a disconnect, spec §10) and keep the framing. */
void lk_reasm_reset(struct lk_reasm *r);

/*
 * Consume bytes of p up to the end of the current message and store how many in *ret_used.
 * Returns 1 when a whole message is in r->buf (r->len bytes), 0 when more is needed,
 * -EMSGSIZE for an oversized or undersized length, -EBADMSG for an unknown unencrypted
 * command. After an error the reassembler is reset; the caller drops the rest of the chunk.
 */
LK_MUST_USE int lk_reasm_feed(struct lk_reasm *r, const uint8_t *p, size_t n, size_t *ret_used);
