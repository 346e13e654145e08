/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the streaming reassembler (spec §1.2, §1.3, §2.2). Input layout:
 *   byte 0      bit 0: framing (0 unencrypted, 1 encrypted)
 *   byte 1      k = 1 + (byte & 7): how many chunk sizes follow
 *   bytes 2..   k chunk sizes, used in turn; size 0 means "disconnect" (lk_reasm_reset)
 *   the rest    the byte stream, fed in chunks of those sizes
 * Invariants (abort() otherwise): every message is a contiguous slice of the stream starting
 * where the previous one ended (or where a reset/error dropped the rest); its length is what
 * its header says and never exceeds LK_MSG_MAX; a feed consumes all of a chunk unless it ends a
 * message; errors are only -EMSGSIZE / -EBADMSG and for exactly the headers that deserve them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "latchkey/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t le16(const uint8_t *p)
{
        return (uint16_t)(p[0] | p[1] << 8);
}

/* What the header at the start of msg says the total length is; 0 if refused. */
static size_t expected_len(enum lk_framing framing, const uint8_t *msg)
{
        ssize_t l;
        size_t len;

        switch (framing) {
        case LK_FRAMING_PLAIN:
                l = lk_plain_length(le16(msg));
                return l < 0 ? 0 : (size_t)l;
        case LK_FRAMING_SEALED:
                len = le16(msg + LK_NONCE_SIZE + LK_AUTH_ID_SIZE);
                if (len < LK_MAC_SIZE + LK_PDATA_MIN || len > LK_MAC_SIZE + LK_PDATA_MAX)
                        return 0;
                return LK_ADATA_SIZE + len;
        }
        abort();
}

static bool has_nonzero(const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return true;
        return false;
}

static size_t header_size(enum lk_framing framing)
{
        return framing == LK_FRAMING_PLAIN ? LK_CMD_SIZE : LK_ADATA_SIZE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct lk_reasm r; /* 250 bytes of buffer: keep it off the fuzzer's stack */
        enum lk_framing framing;
        const uint8_t *chunks, *stream;
        size_t k, n, pos = 0, start = 0, turn = 0;

        if (size < 3)
                return 0;
        framing = data[0] & 1 ? LK_FRAMING_SEALED : LK_FRAMING_PLAIN;
        k = 1 + (data[1] & 7);
        if (size < 2 + k)
                return 0;
        chunks = data + 2;
        stream = data + 2 + k;
        n = size - 2 - k;
        if (!has_nonzero(chunks, k))
                return 0; /* only disconnects: no byte would ever be fed */
        lk_reasm_init(&r, framing);

        while (pos < n) {
                size_t want = chunks[turn++ % k];
                size_t end, used = 0;
                int ret;

                if (want == 0) {
                        lk_reasm_reset(&r); /* a disconnect drops the partial message */
                        start = pos;
                        if (r.len != 0 || r.done)
                                abort();
                        continue;
                }
                end = pos + want < n ? pos + want : n;
                /* one chunk may carry the end of one message and the start of the next */
                while (pos < end) {
                        ret = lk_reasm_feed(&r, stream + pos, end - pos, &used);
                        if (ret < 0) {
                                size_t hdr = header_size(framing);

                                if (ret != -EMSGSIZE && ret != -EBADMSG)
                                        abort();
                                /*
                                 * Refused as soon as the header is in, never later (*ret_used
                                 * is not set on failure): the header ended inside this feed.
                                 */
                                if (pos - start >= hdr || start + hdr > end ||
                                    expected_len(framing, stream + start))
                                        abort();
                                if (r.len != 0)
                                        abort();
                                pos = end; /* the caller drops the rest of the chunk */
                                start = pos;
                                break;
                        }
                        if (used == 0 || used > end - pos)
                                abort();
                        pos += used;
                        if (r.len != pos - start || r.len > LK_MSG_MAX)
                                abort();
                        if (ret == 0) {
                                if (pos != end || r.done)
                                        abort();
                                if (r.need && r.need != expected_len(framing, stream + start))
                                        abort();
                                continue;
                        }
                        if (ret != 1 || !r.done || r.len != r.need)
                                abort();
                        if (r.len != expected_len(framing, r.buf) ||
                            memcmp(r.buf, stream + start, r.len) != 0)
                                abort();
                        start = pos;
                }
        }
        return 0;
}
