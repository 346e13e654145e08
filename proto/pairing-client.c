/* SPDX-License-Identifier: MIT */
/* Pairing, client role: spec §4.1 (SL1–4, Opener), §4.2 (failures), §4.3 (Ultra/Go). */
#include <string.h>

#include "pairing-common.h"

int lk_pair_client_init(struct lk_pair_client *c, const struct lk_pair_client_config *cfg,
                        const struct lk_env *env)
{
        uint8_t name[LK_AUTH_NAME_SIZE];
        int r;

        if (!c || !cfg || !cfg->name || !pair_generation_is_valid(cfg->gen))
                return -EINVAL;
        /* spec §4.1 field table: 0 app, 1 bridge, 2 fob, 3 keypad */
        if ((unsigned)cfg->id_type > LK_ID_KEYPAD)
                return -EINVAL;
        if (lk_generation_is_ultra(cfg->gen) && cfg->pin > PAIR_ULTRA_PIN_MAX)
                return -EINVAL;
        r = lk_name_put(name, sizeof(name), cfg->name);
        if (r < 0)
                return r;

        lk_wipe(c, sizeof(*c));
        c->gen = cfg->gen;
        c->id_type = (uint8_t)cfg->id_type;
        c->app_id = cfg->app_id;
        memcpy(c->name, name, sizeof(name));
        c->pin = lk_generation_is_ultra(cfg->gen) ? cfg->pin : 0;
        c->env = env;
        c->state = LK_PAIR_CL_IDLE;
        lk_reasm_init(&c->reasm, LK_FRAMING_PLAIN);
        return 0;
}

/* Wipe the session's secrets and forget it; configuration and outcome stay. */
static void client_drop_session(struct lk_pair_client *c)
{
        lk_keypair_wipe(&c->kp);
        lk_wipe(c->s, sizeof(c->s));
        lk_wipe(c->na, sizeof(c->na));
        lk_wipe(c->lock_pk, sizeof(c->lock_pk));
        c->pin_set = false;
        lk_reasm_init(&c->reasm, LK_FRAMING_PLAIN);
        lk_wipe(c->reasm.buf, sizeof(c->reasm.buf));
}

/* Any failure ends the session for good: the caller must start again (spec §4.2). */
static void client_fail(struct lk_pair_client *c)
{
        client_drop_session(c);
        lk_wipe(&c->result, sizeof(c->result));
        c->has_result = false;
        c->state = LK_PAIR_CL_FAILED;
}

void lk_pair_client_reset(struct lk_pair_client *c)
{
        if (!c)
                return;
        client_drop_session(c);
        c->state = LK_PAIR_CL_IDLE;
}

void lk_pair_client_wipe(struct lk_pair_client *c)
{
        if (c)
                lk_wipe(c, sizeof(*c));
}

int lk_pair_client_start(struct lk_pair_client *c, uint8_t *out, size_t size, size_t *ret_out_len)
{
        uint8_t payload[PAIR_REQUEST_DATA_LEN];

        if (!c || !out || !ret_out_len)
                return -EINVAL;
        if (size < LK_PAIR_OUT_MAX)
                return -ENOBUFS;
        client_drop_session(c);
        lk_wipe(&c->result, sizeof(c->result));
        c->has_result = false;
        c->remote_error = false;
        c->error_code = 0;
        c->error_cmd = 0;
        /* spec §4.1 step 1: Request Data for the Public Key, `0100 0300 27A7` */
        put_le16(payload, LK_CMD_PUBLIC_KEY);
        *ret_out_len = pair_plain(LK_CMD_REQUEST_DATA, payload, sizeof(payload), out, size);
        c->state = LK_PAIR_CL_WAIT_PUBLIC_KEY;
        return LK_PAIR_CONTINUE;
}

/* An Error Report from the lock (spec §4.2, §6.21): the session is over. */
static int client_remote_error(struct lk_pair_client *c, const struct lk_msg *m)
{
        if (m->len != PAIR_ERROR_REPORT_LEN)
                return -EBADMSG;
        c->remote_error = true;
        c->error_code = m->payload[0];
        c->error_cmd = get_le16(m->payload + 1);
        return -EREMOTEIO;
}

/* Steps 2–4: the lock's key in, s derived, our key out. */
static int client_on_public_key(struct lk_pair_client *c, const struct lk_msg *m, uint8_t *out,
                                size_t size, size_t *ret_out_len)
{
        int r;

        if (m->len != PAIR_KEY_MSG_LEN)
                return -EBADMSG;
        memcpy(c->lock_pk, m->payload, LK_KEY_SIZE);
        /* step 3: a fresh key pair for this session (spec §3) */
        lk_keypair_generate(&c->kp, c->env);
        /* step 5: s = kdf1(dh1(sk_CL, PK_SL)); refuses a small-order PK_SL */
        r = lk_shared_key(c->s, c->kp.sk, c->lock_pk);
        if (r < 0)
                return r;
        lk_wipe(c->kp.sk, sizeof(c->kp.sk));
        *ret_out_len = pair_plain(LK_CMD_PUBLIC_KEY, c->kp.pk, LK_KEY_SIZE, out, size);
        c->state = LK_PAIR_CL_WAIT_CHALLENGE_1;
        return LK_PAIR_CONTINUE;
}

/* Steps 6–7: nK1 in, A1 = HMAC(s, PK_CL ‖ PK_SL ‖ nK1) out. */
static int client_on_challenge_1(struct lk_pair_client *c, const struct lk_msg *m, uint8_t *out,
                                 size_t size, size_t *ret_out_len)
{
        uint8_t a1[LK_AUTHENTICATOR_SIZE];

        if (m->len != PAIR_KEY_MSG_LEN)
                return -EBADMSG;
        lk_auth_a1(a1, c->s, c->kp.pk, c->lock_pk, m->payload);
        *ret_out_len = pair_plain(LK_CMD_AUTHORIZATION_AUTHENTICATOR, a1, sizeof(a1), out, size);
        lk_wipe(a1, sizeof(a1));
        c->state = lk_generation_is_ultra(c->gen) ? LK_PAIR_CL_WAIT_AUTH_INFO
                                                  : LK_PAIR_CL_WAIT_CHALLENGE_2;
        return LK_PAIR_CONTINUE;
}

/* SL1–4 steps 9–10: nK2 in, Authorization Data out (spec §6.3). */
static int client_on_challenge_2(struct lk_pair_client *c, const struct lk_msg *m, uint8_t *out,
                                 size_t size, size_t *ret_out_len)
{
        uint8_t payload[PAIR_AUTH_DATA_LEN];
        uint8_t *q = payload;

        if (m->len != PAIR_KEY_MSG_LEN)
                return -EBADMSG;
        lk_env_random(c->env, c->na, sizeof(c->na));
        /* A2 = HMAC(s, ID type ‖ ID ‖ Name ‖ nA ‖ nK2); nK2 is not transmitted */
        lk_auth_a2(q, c->s, c->id_type, c->app_id, c->name, c->na, m->payload);
        q += LK_AUTHENTICATOR_SIZE;
        *q++ = c->id_type;
        put_le32(q, c->app_id);
        q += 4;
        memcpy(q, c->name, LK_AUTH_NAME_SIZE);
        q += LK_AUTH_NAME_SIZE;
        memcpy(q, c->na, LK_CHALLENGE_SIZE);
        *ret_out_len = pair_plain(LK_CMD_AUTHORIZATION_DATA, payload, sizeof(payload), out, size);
        lk_wipe(payload, sizeof(payload));
        c->state = LK_PAIR_CL_WAIT_AUTH_ID;
        return LK_PAIR_CONTINUE;
}

/*
 * Ultra steps 8–9 (spec §4.3): Authorization Info in, encrypted Authorization Data out on the
 * pairing channel: App-ID ‖ Name ‖ PIN (uint32) under s, auth id 0x7FFFFFFF in ADATA and PDATA
 * ([DECISION] the official text; NukiBleEsp32 puts its App-ID there).
 */
static int client_on_auth_info(struct lk_pair_client *c, const struct lk_msg *m, uint8_t *out,
                               size_t size, size_t *ret_out_len)
{
        uint8_t payload[PAIR_ULTRA_AUTH_DATA_LEN];
        uint8_t nonce[LK_NONCE_SIZE];
        ssize_t k;

        if (m->len != PAIR_AUTH_INFO_LEN)
                return -EBADMSG;
        c->pin_set = m->payload[0] != 0; /* spec §0: any non-zero flag is true */
        put_le32(payload, c->app_id);
        memcpy(payload + 4, c->name, LK_AUTH_NAME_SIZE);
        put_le32(payload + 4 + LK_AUTH_NAME_SIZE, c->pin);
        lk_env_random(c->env, nonce, sizeof(nonce));
        k = lk_sealed_encode(c->s, nonce, LK_ULTRA_PAIRING_AUTH_ID, LK_CMD_AUTHORIZATION_DATA,
                             payload, sizeof(payload), out, size);
        lk_wipe(payload, sizeof(payload));
        if (k < 0)
                return (int)k;
        *ret_out_len = (size_t)k;
        /* step 10 comes back encrypted */
        lk_reasm_init(&c->reasm, LK_FRAMING_SEALED);
        c->state = LK_PAIR_CL_WAIT_AUTH_ID_SEALED;
        return LK_PAIR_CONTINUE;
}

static void client_set_result(struct lk_pair_client *c, uint32_t auth_id, const uint8_t *uuid)
{
        c->result.auth_id = auth_id;
        memcpy(c->result.shared_key, c->s, LK_KEY_SIZE);
        memcpy(c->result.lock_uuid, uuid, LK_UUID_SIZE);
        memcpy(c->result.lock_pk, c->lock_pk, LK_KEY_SIZE);
        c->result.pin_set = c->pin_set;
}

/* SL1–4 steps 13–15: Authorization-ID in, A3 verified, Confirmation out (spec §6.4, §6.5). */
static int client_on_auth_id(struct lk_pair_client *c, const struct lk_msg *m, uint8_t *out,
                             size_t size, size_t *ret_out_len)
{
        uint8_t a3[LK_AUTHENTICATOR_SIZE];
        uint8_t payload[PAIR_CONFIRM_LEN];
        const uint8_t *uuid, *nk3;
        uint32_t auth_id;
        bool ok;

        if (m->len != PAIR_AUTH_ID_LEN)
                return -EBADMSG;
        auth_id = get_le32(m->payload + LK_AUTHENTICATOR_SIZE);
        uuid = m->payload + LK_AUTHENTICATOR_SIZE + 4;
        nk3 = uuid + LK_UUID_SIZE;
        /* step 14: A3 = HMAC(s, AuthID ‖ UUID ‖ nK3 ‖ nA), abort on mismatch */
        lk_auth_a3(a3, c->s, auth_id, uuid, nk3, c->na);
        ok = lk_equal32(a3, m->payload);
        lk_wipe(a3, sizeof(a3));
        if (!ok)
                return -EBADMSG;
        /* step 15: A4 = HMAC(s, AuthID ‖ nK3) ‖ AuthID */
        lk_auth_a4(payload, c->s, auth_id, nk3);
        put_le32(payload + LK_AUTHENTICATOR_SIZE, auth_id);
        *ret_out_len = pair_plain(LK_CMD_AUTHORIZATION_ID_CONFIRMATION, payload, sizeof(payload),
                                  out, size);
        client_set_result(c, auth_id, uuid);
        c->state = LK_PAIR_CL_WAIT_STATUS;
        return LK_PAIR_CONTINUE;
}

static int client_done(struct lk_pair_client *c, size_t *ret_out_len)
{
        client_drop_session(c);
        c->has_result = true;
        c->state = LK_PAIR_CL_DONE;
        *ret_out_len = 0;
        return LK_PAIR_DONE;
}

/* SL1–4 step 16: Status COMPLETE. */
static int client_on_status(struct lk_pair_client *c, const struct lk_msg *m, size_t *ret_out_len)
{
        if (m->len != PAIR_STATUS_LEN)
                return -EBADMSG;
        if (m->payload[0] != PAIR_STATUS_COMPLETE)
                return -EPROTO;
        return client_done(c, ret_out_len);
}

/* An unencrypted message on the pairing channel (everything but Ultra step 10). */
static int client_on_plain(struct lk_pair_client *c, uint8_t *out, size_t size, size_t *ret_out_len)
{
        struct lk_msg m;
        uint16_t want = 0;
        int r;

        r = lk_plain_decode(c->reasm.buf, c->reasm.len, &m);
        if (r < 0)
                return -EBADMSG;
        if (m.cmd == LK_CMD_ERROR_REPORT)
                return client_remote_error(c, &m);

        switch (c->state) {
        case LK_PAIR_CL_WAIT_PUBLIC_KEY:
                want = LK_CMD_PUBLIC_KEY;
                break;
        case LK_PAIR_CL_WAIT_CHALLENGE_1:
        case LK_PAIR_CL_WAIT_CHALLENGE_2:
                want = LK_CMD_CHALLENGE;
                break;
        case LK_PAIR_CL_WAIT_AUTH_INFO:
                want = LK_CMD_AUTHORIZATION_INFO;
                break;
        case LK_PAIR_CL_WAIT_AUTH_ID:
                want = LK_CMD_AUTHORIZATION_ID;
                break;
        case LK_PAIR_CL_WAIT_STATUS:
                want = LK_CMD_STATUS;
                break;
        case LK_PAIR_CL_WAIT_AUTH_ID_SEALED:
        case LK_PAIR_CL_IDLE:
        case LK_PAIR_CL_DONE:
        case LK_PAIR_CL_FAILED:
                return -EPROTO;
        }
        if (m.cmd != want)
                return -EPROTO;

        switch (c->state) {
        case LK_PAIR_CL_WAIT_PUBLIC_KEY:
                return client_on_public_key(c, &m, out, size, ret_out_len);
        case LK_PAIR_CL_WAIT_CHALLENGE_1:
                return client_on_challenge_1(c, &m, out, size, ret_out_len);
        case LK_PAIR_CL_WAIT_CHALLENGE_2:
                return client_on_challenge_2(c, &m, out, size, ret_out_len);
        case LK_PAIR_CL_WAIT_AUTH_INFO:
                return client_on_auth_info(c, &m, out, size, ret_out_len);
        case LK_PAIR_CL_WAIT_AUTH_ID:
                return client_on_auth_id(c, &m, out, size, ret_out_len);
        case LK_PAIR_CL_WAIT_STATUS:
                return client_on_status(c, &m, ret_out_len);
        case LK_PAIR_CL_WAIT_AUTH_ID_SEALED:
        case LK_PAIR_CL_IDLE:
        case LK_PAIR_CL_DONE:
        case LK_PAIR_CL_FAILED:
                break;
        }
        return -EPROTO;
}

/*
 * Ultra step 10 (spec §4.3): the encrypted Authorization-ID, AuthID ‖ UUID. The secretbox MAC
 * under s authenticates it (there is no A3), so the client accepts any ADATA auth id the PDATA
 * repeats ([DECISION]: real firmware's choice is open, spec §12). The PDATA CRC is checked as
 * §2.2 defines it (over auth id ‖ cmd ‖ payload); [DECISION] the form the official example
 * prints (CRC over cmd ‖ payload only, see tests/proto/test-pairing.c) is accepted too, since the
 * MAC already proves integrity and §12 leaves open which one real firmware sends.
 */
static int client_on_sealed(struct lk_pair_client *c, size_t *ret_out_len)
{
        uint8_t pdata[LK_PDATA_MAX];
        struct lk_msg m;
        ssize_t k;
        size_t n;
        int r = -EBADMSG;

        k = lk_sealed_open(c->s, c->reasm.buf, c->reasm.len, pdata, sizeof(pdata));
        if (k < 0 || (size_t)k < LK_PDATA_MIN)
                goto out;
        n = (size_t)k;
        if (lk_crc16(pdata, n - LK_CRC_SIZE) != get_le16(pdata + n - LK_CRC_SIZE) &&
            lk_crc16(pdata + LK_AUTH_ID_SIZE, n - LK_AUTH_ID_SIZE - LK_CRC_SIZE) !=
                    get_le16(pdata + n - LK_CRC_SIZE))
                goto out;
        m = (struct lk_msg){
                .auth_id = get_le32(pdata),
                .cmd = get_le16(pdata + LK_AUTH_ID_SIZE),
                .payload = pdata + LK_AUTH_ID_SIZE + LK_CMD_SIZE,
                .len = n - LK_PDATA_MIN,
        };
        if (m.auth_id != get_le32(c->reasm.buf + LK_NONCE_SIZE))
                goto out;
        if (m.cmd == LK_CMD_ERROR_REPORT) {
                r = client_remote_error(c, &m);
                goto out;
        }
        if (m.cmd != LK_CMD_AUTHORIZATION_ID) {
                r = -EPROTO;
                goto out;
        }
        if (m.len != PAIR_ULTRA_AUTH_ID_LEN)
                goto out;
        client_set_result(c, get_le32(m.payload), m.payload + 4);
        r = client_done(c, ret_out_len);
out:
        lk_wipe(pdata, sizeof(pdata));
        return r;
}

/*
 * While the encrypted Authorization-ID is due, the lock may still answer the encrypted
 * Authorization Data with an unencrypted Error Report (spec §4.2; e.g. a wrong PIN). Nothing
 * in the bytes says which framing a message uses, so this takes exactly 7 buffered bytes that
 * end a chunk and form a valid Error Report (0x0012 and its CRC) as one. A sealed message
 * begins with a random nonce: it is mistaken only if its first 7 bytes pass both checks (2^-32)
 * and a chunk ends right there, which real BLE chunking (>= 20 bytes) never does.
 */
static bool client_sealed_is_error_report(const struct lk_pair_client *c, bool chunk_ended)
{
        const struct lk_reasm *r = &c->reasm;
        ssize_t len = lk_plain_length(LK_CMD_ERROR_REPORT);

        return chunk_ended && r->need == 0 && len > 0 && r->len == (size_t)len &&
               get_le16(r->buf) == LK_CMD_ERROR_REPORT &&
               lk_crc16(r->buf, r->len - LK_CRC_SIZE) == get_le16(r->buf + r->len - LK_CRC_SIZE);
}

static int client_step(struct lk_pair_client *c, const uint8_t *p, size_t n, uint8_t *out,
                       size_t size, size_t *ret_out_len)
{
        size_t used = 0;
        int r;

        switch (c->state) {
        case LK_PAIR_CL_IDLE:
        case LK_PAIR_CL_DONE:
        case LK_PAIR_CL_FAILED:
                return -EPROTO;
        case LK_PAIR_CL_WAIT_PUBLIC_KEY:
        case LK_PAIR_CL_WAIT_CHALLENGE_1:
        case LK_PAIR_CL_WAIT_CHALLENGE_2:
        case LK_PAIR_CL_WAIT_AUTH_INFO:
        case LK_PAIR_CL_WAIT_AUTH_ID:
        case LK_PAIR_CL_WAIT_AUTH_ID_SEALED:
        case LK_PAIR_CL_WAIT_STATUS:
                break;
        }

        r = lk_reasm_feed(&c->reasm, p, n, &used);
        if (r < 0)
                return -EBADMSG; /* unknown command id, or an encrypted LEN out of range */
        if (r == 0) {
                if (c->state == LK_PAIR_CL_WAIT_AUTH_ID_SEALED &&
                    client_sealed_is_error_report(c, used == n)) {
                        struct lk_msg m;

                        if (lk_plain_decode(c->reasm.buf, c->reasm.len, &m) < 0)
                                return -EBADMSG;
                        return client_remote_error(c, &m);
                }
                *ret_out_len = 0;
                return LK_PAIR_CONTINUE;
        }
        /* The lock waits for our answer before it sends again: nothing may follow (spec §4.1). */
        if (used != n)
                return -EPROTO;
        if (c->state == LK_PAIR_CL_WAIT_AUTH_ID_SEALED)
                return client_on_sealed(c, ret_out_len);
        return client_on_plain(c, out, size, ret_out_len);
}

int lk_pair_client_feed(struct lk_pair_client *c, const uint8_t *p, size_t n, uint8_t *out,
                        size_t size, size_t *ret_out_len)
{
        size_t out_len = 0;
        int r;

        if (!c || (!p && n) || !out || !ret_out_len)
                return -EINVAL;
        if (size < LK_PAIR_OUT_MAX)
                return -ENOBUFS;
        r = client_step(c, p, n, out, size, &out_len);
        if (r < 0) {
                /* -EPROTO for a dead session leaves its outcome (error, result) alone. */
                if (c->state != LK_PAIR_CL_IDLE && c->state != LK_PAIR_CL_DONE &&
                    c->state != LK_PAIR_CL_FAILED)
                        client_fail(c);
                return r;
        }
        *ret_out_len = out_len;
        return r;
}

int lk_pair_client_take_result(struct lk_pair_client *c, struct lk_pair_result *ret)
{
        if (!c || !ret)
                return -EINVAL;
        if (!c->has_result)
                return -EPROTO;
        *ret = c->result;
        lk_wipe(&c->result, sizeof(c->result));
        c->has_result = false;
        return 0;
}

int lk_pair_client_remote_error(const struct lk_pair_client *c, uint8_t *ret_code, uint16_t *ret_cmd)
{
        if (!c)
                return -EINVAL;
        if (!c->remote_error)
                return -ENODATA;
        if (ret_code)
                *ret_code = c->error_code;
        if (ret_cmd)
                *ret_cmd = c->error_cmd;
        return 0;
}
