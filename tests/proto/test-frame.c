/* SPDX-License-Identifier: MIT */
/* CRC, framing and reassembly: spec §1.2–§2.3 and the official example (spec §11). */
#include <errno.h>
#include <sodium.h>

#include "latchkey/proto.h"
#include "lk-test.h"

/* spec §11 */
#define SHARED_KEY "217FCB0F18CAF284E9BDEA0B94B83B8D10867ED706BFDEDBD2381F4CB3B8F730"
#define REQ_STATE_WIRE "37917F1AF31EC5940705F34D1E5550607D5B2F9FE7D496B6 02000000 1A00 " \
        "670D124926004366532E8D927A33FE84E782A9594D39157D065E"
#define STATE_WIRE "90B0757CFED0243017EAF5E089F8583B9839D61B050924D2 02000000 2700 " \
        "B13938B67121B6D528E7DE206B0D7C5A94587A471B33EBFB012CED8F1261135566ED756E3910B5"
#define STATE_PAYLOAD "020100E0070307080F1E3C0000200A"
#define CHALLENGE_REQ_WIRE "88FDEFD7F941B63C242B7F84B3D786886340A4A8B1C1EAA0 02000000 1A00 " \
        "066819A2956E6A79AF6ED66D257B276715F51F63A8BEB9ED0D47"
#define CHALLENGE_WIRE "99C8613A9F6AB6D3FB0399D37AD38C5C003AC139B1567BC1 02000000 3800 " \
        "28CDCC668C08DA47BF323BF9371EBF068F6D480438563660780A4234D9A23794E305EE37878874EDE106A0BBFCF5B60E0C2E2BA17248A02B"
#define NK "57D95521BEA186B5A9244F025737924C5B7E33592D0614D5F6EF2E2F142C6D4B"
#define UNLOCK_WIRE "19467990B69FFBE3D484A5882C995449E3EBC878712152E7 02000000 3E00 " \
        "B30D19E0C0A12F4D8C887864877B8853437825D587F85BB6C21BF674E204A685AC5E40E8A5FDB85349F520069496F092FAB63736928C0933DB34CFA21809"

static uint8_t key[LK_KEY_SIZE];

static int setup(void **state)
{
        hex(SHARED_KEY, key, sizeof(key));
        return 0;
}

static void crc_check_values(void **state)
{
        uint8_t b[16];
        size_t n;

        assert_int_equal(lk_crc16("123456789", 9), 0x29B1);
        n = hex("01000300", b, sizeof(b));
        assert_int_equal(lk_crc16(b, n), 0xA727);
        n = hex("0E0000", b, sizeof(b));
        assert_int_equal(lk_crc16(b, n), 0xD79D);
        n = hex("0200000001000C00", b, sizeof(b));
        assert_int_equal(lk_crc16(b, n), 0x8D41);
        n = hex("1200FD0100", b, sizeof(b));
        assert_int_equal(lk_crc16(b, n), 0xC3E7);
        n = hex("0E00F1", b, sizeof(b));
        assert_int_equal(lk_crc16(b, n), 0x28A3);
        assert_int_equal(lk_crc16(NULL, 0), 0xFFFF);
}

static void plain_encode_request_pk(void **state)
{
        uint8_t buf[16];
        const uint8_t payload[] = { 0x03, 0x00 };
        ssize_t n = lk_plain_encode(LK_CMD_REQUEST_DATA, payload, sizeof(payload), buf, sizeof(buf));

        assert_hex_equal(buf, n, "0100 0300 27A7");
        assert_int_equal(lk_plain_encode(LK_CMD_REQUEST_DATA, payload, 2, buf, 5), -ENOBUFS);
}

static void plain_decode_ok_and_bad_crc(void **state)
{
        uint8_t msg[16];
        size_t n = hex("12 00 20 00 00 13 D7", msg, sizeof(msg));
        struct lk_msg m = { .cmd = 0xBEEF };

        assert_int_equal(lk_plain_decode(msg, n, &m), 0);
        assert_int_equal(m.cmd, LK_CMD_ERROR_REPORT);
        assert_int_equal(m.len, 3);
        assert_int_equal(m.payload[0], LK_K_ERROR_NOT_AUTHORIZED);

        msg[6] ^= 1;
        m.cmd = 0xBEEF;
        assert_int_equal(lk_plain_decode(msg, n, &m), -EBADMSG);
        assert_int_equal(m.cmd, 0xBEEF); /* untouched on failure */
        assert_int_equal(lk_plain_decode(msg, 3, &m), -EBADMSG);
}

static void plain_payload_limit(void **state)
{
        static uint8_t payload[LK_PAYLOAD_MAX + 1], buf[LK_PLAIN_MAX + 8];
        struct lk_msg m;
        ssize_t n;

        n = lk_plain_encode(0x0099, payload, LK_PAYLOAD_MAX, buf, sizeof(buf));
        assert_int_equal(n, LK_PLAIN_MAX);
        assert_int_equal(lk_plain_decode(buf, (size_t)n, &m), 0);
        assert_int_equal(m.len, LK_PAYLOAD_MAX);
        assert_int_equal(lk_plain_encode(0x0099, payload, LK_PAYLOAD_MAX + 1, buf, sizeof(buf)), -EMSGSIZE);
}

/* Client role: the official request bytes from the official nonce. */
static void sealed_encode_request_state(void **state)
{
        uint8_t nonce[LK_NONCE_SIZE], buf[LK_MSG_MAX];
        const uint8_t payload[] = { 0x0C, 0x00 };
        ssize_t n;

        hex("37917F1AF31EC5940705F34D1E5550607D5B2F9FE7D496B6", nonce, sizeof(nonce));
        n = lk_sealed_encode(key, nonce, 2, LK_CMD_REQUEST_DATA, payload, 2, buf, sizeof(buf));
        assert_hex_equal(buf, n, REQ_STATE_WIRE);
}

/* Lock role: decrypt the request, answer with the official Keyturner States bytes. */
static void sealed_lock_answers_state(void **state)
{
        uint8_t msg[LK_MSG_MAX], pdata[LK_PDATA_MAX], nonce[LK_NONCE_SIZE], payload[32], buf[LK_MSG_MAX];
        size_t n = hex(REQ_STATE_WIRE, msg, sizeof(msg)), pn;
        struct lk_msg m;
        ssize_t out;

        assert_int_equal(lk_sealed_decode(key, msg, n, pdata, sizeof(pdata), &m), 0);
        assert_int_equal(m.auth_id, 2);
        assert_int_equal(m.cmd, LK_CMD_REQUEST_DATA);
        assert_int_equal(m.len, 2);
        assert_int_equal(m.payload[0], 0x0C);

        hex("90B0757CFED0243017EAF5E089F8583B9839D61B050924D2", nonce, sizeof(nonce));
        pn = hex(STATE_PAYLOAD, payload, sizeof(payload));
        out = lk_sealed_encode(key, nonce, 2, LK_CMD_KEYTURNER_STATES, payload, pn, buf, sizeof(buf));
        assert_hex_equal(buf, out, STATE_WIRE);
}

static void sealed_client_reads_state(void **state)
{
        uint8_t msg[LK_MSG_MAX], pdata[LK_PDATA_MAX];
        size_t n = hex(STATE_WIRE, msg, sizeof(msg));
        struct lk_msg m;

        assert_int_equal(lk_sealed_decode(key, msg, n, pdata, sizeof(pdata), &m), 0);
        assert_int_equal(m.cmd, LK_CMD_KEYTURNER_STATES);
        assert_hex_equal(m.payload, m.len, STATE_PAYLOAD);
}

/* The unlock exchange: challenge request, challenge, lock action — both directions. */
static void sealed_unlock_exchange(void **state)
{
        uint8_t msg[LK_MSG_MAX], pdata[LK_PDATA_MAX], nonce[LK_NONCE_SIZE], payload[64], buf[LK_MSG_MAX];
        size_t n, pn;
        struct lk_msg m;
        ssize_t out;

        /* client → challenge request */
        hex("88FDEFD7F941B63C242B7F84B3D786886340A4A8B1C1EAA0", nonce, sizeof(nonce));
        out = lk_sealed_encode(key, nonce, 2, LK_CMD_REQUEST_DATA, (const uint8_t[]){ 0x04, 0x00 }, 2,
                               buf, sizeof(buf));
        assert_hex_equal(buf, out, CHALLENGE_REQ_WIRE);

        /* lock → challenge */
        hex("99C8613A9F6AB6D3FB0399D37AD38C5C003AC139B1567BC1", nonce, sizeof(nonce));
        pn = hex(NK, payload, sizeof(payload));
        out = lk_sealed_encode(key, nonce, 2, LK_CMD_CHALLENGE, payload, pn, buf, sizeof(buf));
        assert_hex_equal(buf, out, CHALLENGE_WIRE);

        /* client decodes the challenge, sends the lock action */
        n = hex(CHALLENGE_WIRE, msg, sizeof(msg));
        assert_int_equal(lk_sealed_decode(key, msg, n, pdata, sizeof(pdata), &m), 0);
        assert_int_equal(m.cmd, LK_CMD_CHALLENGE);
        assert_hex_equal(m.payload, m.len, NK);

        hex("19467990B69FFBE3D484A5882C995449E3EBC878712152E7", nonce, sizeof(nonce));
        pn = hex("01 00000000 00 " NK, payload, sizeof(payload));
        out = lk_sealed_encode(key, nonce, 2, LK_CMD_LOCK_ACTION, payload, pn, buf, sizeof(buf));
        assert_hex_equal(buf, out, UNLOCK_WIRE);

        /* lock decodes it */
        n = hex(UNLOCK_WIRE, msg, sizeof(msg));
        assert_int_equal(lk_sealed_decode(key, msg, n, pdata, sizeof(pdata), &m), 0);
        assert_int_equal(m.cmd, LK_CMD_LOCK_ACTION);
        assert_int_equal(m.len, 38);
        assert_int_equal(m.payload[0], LK_ACTION_UNLOCK);
}

static void sealed_flipped_mac_bit(void **state)
{
        uint8_t msg[LK_MSG_MAX], pdata[LK_PDATA_MAX];
        size_t n = hex(STATE_WIRE, msg, sizeof(msg));
        struct lk_msg m = { .cmd = 0xBEEF };

        for (size_t i = LK_ADATA_SIZE; i < n; i += 7) {
                msg[i] ^= 0x01;
                assert_int_equal(lk_sealed_decode(key, msg, n, pdata, sizeof(pdata), &m), -EBADMSG);
                msg[i] ^= 0x01;
        }
        /* a flipped nonce bit fails too: the nonce is an input of the box */
        msg[3] ^= 0x80;
        assert_int_equal(lk_sealed_decode(key, msg, n, pdata, sizeof(pdata), &m), -EBADMSG);
        assert_int_equal(m.cmd, 0xBEEF);
}

static void sealed_wrong_key(void **state)
{
        uint8_t msg[LK_MSG_MAX], pdata[LK_PDATA_MAX], other[LK_KEY_SIZE];
        size_t n = hex(STATE_WIRE, msg, sizeof(msg));
        struct lk_msg m;

        memcpy(other, key, sizeof(other));
        other[31] ^= 0x01;
        assert_int_equal(lk_sealed_decode(other, msg, n, pdata, sizeof(pdata), &m), -EBADMSG);
}

static void sealed_truncated_and_lengths(void **state)
{
        uint8_t msg[LK_MSG_MAX], pdata[LK_PDATA_MAX];
        size_t n = hex(STATE_WIRE, msg, sizeof(msg));
        struct lk_msg m;

        for (size_t k = 0; k < n; k++)
                assert_int_equal(lk_sealed_decode(key, msg, k, pdata, sizeof(pdata), &m), -EBADMSG);
        assert_int_equal(lk_sealed_decode(key, msg, n + 1, pdata, sizeof(pdata), &m), -EBADMSG);
        assert_int_equal(lk_sealed_open(key, msg, n, pdata, 4), -ENOBUFS);
        /* LEN over the limit is refused before any crypto */
        msg[28] = 0xFF;
        msg[29] = 0xFF;
        assert_int_equal(lk_sealed_decode(key, msg, n, pdata, sizeof(pdata), &m), -EMSGSIZE);
}

/* PDATA auth id ≠ ADATA auth id: valid box, valid CRC, still refused (spec §2.2 step 5). */
static void sealed_mismatched_auth_id(void **state)
{
        uint8_t nonce[LK_NONCE_SIZE] = { 7 }, buf[LK_MSG_MAX], pdata[LK_PDATA_MAX];
        struct lk_msg m;
        ssize_t n;

        n = lk_sealed_encode(key, nonce, 2, LK_CMD_REQUEST_DATA, (const uint8_t[]){ 0x0C, 0 }, 2, buf, sizeof(buf));
        assert_true(n > 0);
        buf[24] = 3; /* ADATA auth id 3, PDATA still 2 */
        assert_int_equal(lk_sealed_decode(key, buf, (size_t)n, pdata, sizeof(pdata), &m), -EBADMSG);
        /* the open step alone succeeds: the ADATA is not authenticated */
        assert_true(lk_sealed_open(key, buf, (size_t)n, pdata, sizeof(pdata)) > 0);
}

/* A valid box around a PDATA with a bad CRC: open succeeds, parse refuses (→ ERROR_BAD_CRC). */
static void sealed_bad_crc_inside(void **state)
{
        uint8_t nonce[LK_NONCE_SIZE] = { 9 }, pdata[10], buf[LK_MSG_MAX], out[LK_PDATA_MAX];
        struct lk_msg m;
        ssize_t plen;

        hex("02000000 0100 0C00 418E", pdata, sizeof(pdata)); /* CRC off by one */
        memcpy(buf, nonce, sizeof(nonce));
        buf[24] = 2, buf[25] = buf[26] = buf[27] = 0;
        buf[28] = (uint8_t)(sizeof(pdata) + 16), buf[29] = 0;
        crypto_secretbox_easy(buf + 30, pdata, sizeof(pdata), nonce, key);
        plen = lk_sealed_open(key, buf, 30 + 16 + sizeof(pdata), out, sizeof(out));
        assert_int_equal(plen, 10);
        assert_int_equal(lk_pdata_parse(out, (size_t)plen, &m), -EBADMSG);
        assert_int_equal(lk_sealed_decode(key, buf, 30 + 16 + sizeof(pdata), out, sizeof(out), &m), -EBADMSG);
}

static void feed_in_chunks(enum lk_framing f, const uint8_t *msg, size_t n, size_t chunk)
{
        struct lk_reasm r;
        size_t off = 0;
        int done = 0;

        lk_reasm_init(&r, f);
        while (off < n) {
                size_t len = n - off < chunk ? n - off : chunk, used = 0;
                int k = lk_reasm_feed(&r, msg + off, len, &used);

                assert_true(k >= 0);
                assert_int_equal(used, len);
                off += used;
                done = k;
                if (off < n)
                        assert_int_equal(k, 0);
        }
        assert_int_equal(done, 1);
        assert_int_equal(r.len, n);
        assert_memory_equal(r.buf, msg, n);
}

static void reasm_chunk_sizes(void **state)
{
        uint8_t sealed[LK_MSG_MAX], plain[128];
        size_t sn = hex(CHALLENGE_WIRE, sealed, sizeof(sealed));
        size_t pn = hex("0300 2FE57DA347CD62431528DAAC5FBB290730FFF684AFC4CFC2ED90995F58CB3B74 9DB9",
                        plain, sizeof(plain));

        for (size_t c = 1; c <= 250; c++) {
                feed_in_chunks(LK_FRAMING_SEALED, sealed, sn, c);
                feed_in_chunks(LK_FRAMING_PLAIN, plain, pn, c);
        }
}

/* Two messages in one buffer: the first feed stops at the boundary. */
static void reasm_back_to_back(void **state)
{
        uint8_t buf[64];
        size_t n = hex("0E00 01 0D9A 0E00 00 9DD7", buf, sizeof(buf)), used;
        struct lk_reasm r;

        /* (these are unencrypted Status messages with made-up CRCs; the reassembler does not check CRCs) */
        lk_reasm_init(&r, LK_FRAMING_PLAIN);
        assert_int_equal(lk_reasm_feed(&r, buf, n, &used), 1);
        assert_int_equal(used, 5);
        assert_int_equal(lk_reasm_feed(&r, buf + 5, n - 5, &used), 1);
        assert_int_equal(used, 5);
        assert_memory_equal(r.buf, buf + 5, 5);
}

static void reasm_refuses_oversized_len_early(void **state)
{
        uint8_t hdr[LK_ADATA_SIZE] = { 0 };
        struct lk_reasm r;
        size_t used;

        lk_reasm_init(&r, LK_FRAMING_SEALED);
        hdr[28] = (uint8_t)((LK_MAC_SIZE + LK_PDATA_MAX + 1) & 0xFF);
        hdr[29] = (uint8_t)((LK_MAC_SIZE + LK_PDATA_MAX + 1) >> 8);
        assert_int_equal(lk_reasm_feed(&r, hdr, sizeof(hdr), &used), -EMSGSIZE);
        assert_int_equal(r.len, 0);
        /* max is fine */
        hdr[28] = (uint8_t)((LK_MAC_SIZE + LK_PDATA_MAX) & 0xFF);
        hdr[29] = (uint8_t)((LK_MAC_SIZE + LK_PDATA_MAX) >> 8);
        assert_int_equal(lk_reasm_feed(&r, hdr, sizeof(hdr), &used), 0);
        assert_int_equal(r.need, LK_SEALED_MAX);
        /* too short to hold a PDATA */
        lk_reasm_reset(&r);
        hdr[28] = LK_MAC_SIZE + LK_PDATA_MIN - 1;
        hdr[29] = 0;
        assert_int_equal(lk_reasm_feed(&r, hdr, sizeof(hdr), &used), -EMSGSIZE);
}

static void reasm_refuses_unknown_plain_cmd(void **state)
{
        const uint8_t junk[] = { 0x41, 0x00, 1, 2, 3 };
        struct lk_reasm r;
        size_t used;

        lk_reasm_init(&r, LK_FRAMING_PLAIN);
        assert_int_equal(lk_reasm_feed(&r, junk, 1, &used), 0);
        assert_int_equal(lk_reasm_feed(&r, junk + 1, sizeof(junk) - 1, &used), -EBADMSG);
        assert_int_equal(r.len, 0);
}

static void datetime_roundtrip_and_validity(void **state)
{
        const struct lk_datetime ex = { 2016, 3, 7, 8, 15, 30 };
        struct lk_datetime dt;
        uint8_t b[7];
        int64_t t;

        lk_datetime_put(b, &ex);
        assert_hex_equal(b, 7, "E0 07 03 07 08 0F 1E");
        lk_datetime_get(b, &dt);
        assert_int_equal(lk_datetime_cmp(&dt, &ex), 0);
        assert_int_equal(lk_datetime_to_unix(&ex, &t), 0);
        assert_int_equal(t, 1457338530);
        assert_int_equal(lk_datetime_from_unix(t, &dt), 0);
        assert_int_equal(lk_datetime_cmp(&dt, &ex), 0);
        assert_int_equal(lk_weekday(t, 60), 0); /* a Monday */

        assert_true(lk_datetime_is_valid(&(struct lk_datetime){ 2024, 2, 29, 23, 59, 59 }));
        assert_false(lk_datetime_is_valid(&(struct lk_datetime){ 2023, 2, 29, 0, 0, 0 }));
        assert_false(lk_datetime_is_valid(&(struct lk_datetime){ 2100, 2, 29, 0, 0, 0 }));
        assert_true(lk_datetime_is_valid(&(struct lk_datetime){ 2000, 2, 29, 0, 0, 0 }));
        assert_false(lk_datetime_is_valid(&(struct lk_datetime){ 2024, 13, 1, 0, 0, 0 }));
        assert_false(lk_datetime_is_valid(&(struct lk_datetime){ 2024, 4, 31, 0, 0, 0 }));
        assert_false(lk_datetime_is_valid(&(struct lk_datetime){ 2024, 4, 30, 24, 0, 0 }));
        assert_false(lk_datetime_is_valid(&(struct lk_datetime){ 0 }));
        assert_true(lk_datetime_is_zero(&(struct lk_datetime){ 0 }));
        assert_int_equal(lk_datetime_to_unix(&(struct lk_datetime){ 0 }, &t), -EINVAL);

        for (int64_t u = 0; u < 4102444800; u += 86400 * 37 + 3601) {
                assert_int_equal(lk_datetime_from_unix(u, &dt), 0);
                assert_int_equal(lk_datetime_to_unix(&dt, &t), 0);
                assert_int_equal(t, u);
        }
}

static void names_utf8(void **state)
{
        uint8_t f[LK_CODE_NAME_SIZE];
        char out[LK_CODE_NAME_SIZE + 1];

        assert_int_equal(lk_name_put(f, sizeof(f), "Marc (Test)"), 0);
        lk_name_get(f, sizeof(f), out);
        assert_string_equal(out, "Marc (Test)");
        assert_int_equal(lk_name_put(f, sizeof(f), "12345678901234567890"), 0);
        lk_name_get(f, sizeof(f), out);
        assert_string_equal(out, "12345678901234567890");
        assert_int_equal(lk_name_put(f, sizeof(f), "123456789012345678901"), -EMSGSIZE);
        /* 19 ASCII + a 2-byte character would split at byte 20: refused, never cut */
        assert_int_equal(lk_name_put(f, sizeof(f), "1234567890123456789\xc3\xa9"), -EMSGSIZE);
        assert_int_equal(lk_name_put(f, sizeof(f), "\xc3\x28"), -EBADMSG);
        assert_int_equal(lk_name_put(f, sizeof(f), "\xed\xa0\x80"), -EBADMSG); /* surrogate */
        assert_int_equal(lk_name_put(f, sizeof(f), "\xc0\xaf"), -EBADMSG);     /* overlong */
        /* garbage after the first NUL is ignored (spec §0) */
        memset(f, 'x', sizeof(f));
        f[2] = 0;
        lk_name_get(f, sizeof(f), out);
        assert_string_equal(out, "xx");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(crc_check_values),
                cmocka_unit_test(plain_encode_request_pk),
                cmocka_unit_test(plain_decode_ok_and_bad_crc),
                cmocka_unit_test(plain_payload_limit),
                cmocka_unit_test(sealed_encode_request_state),
                cmocka_unit_test(sealed_lock_answers_state),
                cmocka_unit_test(sealed_client_reads_state),
                cmocka_unit_test(sealed_unlock_exchange),
                cmocka_unit_test(sealed_flipped_mac_bit),
                cmocka_unit_test(sealed_wrong_key),
                cmocka_unit_test(sealed_truncated_and_lengths),
                cmocka_unit_test(sealed_mismatched_auth_id),
                cmocka_unit_test(sealed_bad_crc_inside),
                cmocka_unit_test(reasm_chunk_sizes),
                cmocka_unit_test(reasm_back_to_back),
                cmocka_unit_test(reasm_refuses_oversized_len_early),
                cmocka_unit_test(reasm_refuses_unknown_plain_cmd),
                cmocka_unit_test(datetime_roundtrip_and_validity),
                cmocka_unit_test(names_utf8),
        };

        return cmocka_run_group_tests_name("frame", tests, setup, NULL);
}
