/* SPDX-License-Identifier: MIT */
/*
 * Pairing, lock role: spec §4.1 (SL1–4, Opener), §4.2 (failures and the [DECISION] state
 * machine IDLE → WAIT_CL_PK → WAIT_AUTHENTICATOR → WAIT_AUTH_DATA → WAIT_CONFIRM → IDLE),
 * §4.3 (Ultra/Go). The owner (virtual lock) keeps the authorization table; this machine asks
 * it through LK_PAIR_NEED_AUTH.
 */
#include <string.h>

#include "pairing-common.h"

int lk_pair_lock_init(struct lk_pair_lock *l, const struct lk_pair_lock_config *cfg,
                      const struct lk_env *env)
{
        if (!l || !cfg || !pair_generation_is_valid(cfg->gen))
                return -EINVAL;
        lk_wipe(l, sizeof(*l));
        l->gen = cfg->gen;
        memcpy(l->uuid, cfg->uuid, sizeof(l->uuid));
        l->pairing_mode = cfg->pairing_mode;
        l->pin_set = cfg->pin_set;
        if (cfg->vector_keys) {
                l->use_vector_keys = true;
                l->vector_keys = *cfg->vector_keys;
        }
        l->env = env;
        l->state = LK_PAIR_SL_IDLE;
        lk_reasm_init(&l->reasm, LK_FRAMING_PLAIN);
        return 0;
}

/* Back to IDLE with every session secret wiped; configuration and result stay. */
static void lock_drop_session(struct lk_pair_lock *l)
{
        lk_keypair_wipe(&l->kp);
        lk_wipe(l->nk, sizeof(l->nk));
        lk_wipe(l->na, sizeof(l->na));
        lk_wipe(&l->req, sizeof(l->req));
        lk_reasm_init(&l->reasm, LK_FRAMING_PLAIN);
        lk_wipe(l->reasm.buf, sizeof(l->reasm.buf));
        l->state = LK_PAIR_SL_IDLE;
}

void lk_pair_lock_reset(struct lk_pair_lock *l)
{
        if (l)
                lock_drop_session(l);
}

void lk_pair_lock_wipe(struct lk_pair_lock *l)
{
        if (l)
                lk_wipe(l, sizeof(*l));
}

void lk_pair_lock_set_pairing_mode(struct lk_pair_lock *l, bool on)
{
        if (!l)
                return;
        if (!on && l->state != LK_PAIR_SL_IDLE)
                lock_drop_session(l);
        l->pairing_mode = on;
}

/* Spec §4.2: an unencrypted Error Report on the pairing channel, and the session is over. */
static int lock_reject(struct lk_pair_lock *l, uint8_t code, uint16_t cmd, uint8_t *out,
                       size_t size, size_t *ret_out_len)
{
        lock_drop_session(l);
        l->error_code = code;
        l->error_cmd = cmd;
        *ret_out_len = pair_error_report(code, cmd, out, size);
        return LK_PAIR_REJECTED;
}

/* Steps 1–2: Request Data(Public Key) in, PK_SL out (or P_ERROR_NOT_PAIRING). */
static int lock_on_request_data(struct lk_pair_lock *l, const struct lk_msg *m, uint8_t *out,
                                size_t size, size_t *ret_out_len)
{
        const uint8_t *pk;

        /* spec §5.1: only the Public Key can be requested here; other targets are unknown */
        if (m->len != PAIR_REQUEST_DATA_LEN || get_le16(m->payload) != LK_CMD_PUBLIC_KEY)
                return lock_reject(l, LK_ERROR_UNKNOWN, LK_CMD_REQUEST_DATA, out, size, ret_out_len);
        if (!l->pairing_mode)
                return lock_reject(l, LK_P_ERROR_NOT_PAIRING, LK_CMD_REQUEST_DATA, out, size,
                                   ret_out_len);
        if (l->use_vector_keys) {
                pk = l->vector_keys.pk;
        } else {
                /* spec §3: a fresh key pair for each pairing session */
                lk_keypair_generate(&l->kp, l->env);
                pk = l->kp.pk;
        }
        *ret_out_len = pair_plain(LK_CMD_PUBLIC_KEY, pk, LK_KEY_SIZE, out, size);
        l->state = LK_PAIR_SL_WAIT_CLIENT_PK;
        return LK_PAIR_CONTINUE;
}

static const uint8_t *lock_pk(const struct lk_pair_lock *l)
{
        return l->use_vector_keys ? l->vector_keys.pk : l->kp.pk;
}

/* Steps 4–6: PK_CL in, s derived, nK1 out. */
static int lock_on_client_pk(struct lk_pair_lock *l, const struct lk_msg *m, uint8_t *out,
                             size_t size, size_t *ret_out_len)
{
        memcpy(l->req.client_pk, m->payload, LK_KEY_SIZE);
        if (l->use_vector_keys) {
                memcpy(l->req.shared_key, l->vector_keys.shared_key, LK_KEY_SIZE);
        } else if (lk_shared_key(l->req.shared_key, l->kp.sk, l->req.client_pk) < 0) {
                /* [DECISION] a small-order client key is an out-of-range parameter */
                return lock_reject(l, LK_P_ERROR_BAD_PARAMETER, LK_CMD_PUBLIC_KEY, out, size,
                                   ret_out_len);
        }
        lk_wipe(l->kp.sk, sizeof(l->kp.sk));
        lk_env_random(l->env, l->nk, sizeof(l->nk));
        *ret_out_len = pair_plain(LK_CMD_CHALLENGE, l->nk, sizeof(l->nk), out, size);
        l->state = LK_PAIR_SL_WAIT_A1;
        return LK_PAIR_CONTINUE;
}

/* Steps 7–9 (Ultra: 7–8): A1 verified, then nK2 (Ultra: Authorization Info) out. */
static int lock_on_authenticator(struct lk_pair_lock *l, const struct lk_msg *m, uint8_t *out,
                                 size_t size, size_t *ret_out_len)
{
        uint8_t a1[LK_AUTHENTICATOR_SIZE];
        uint8_t flag;
        bool ok;

        /* A1 = HMAC(s, PK_CL ‖ PK_SL ‖ nK1) */
        lk_auth_a1(a1, l->req.shared_key, l->req.client_pk, lock_pk(l), l->nk);
        ok = lk_equal32(a1, m->payload);
        lk_wipe(a1, sizeof(a1));
        if (!ok)
                return lock_reject(l, LK_P_ERROR_BAD_AUTHENTICATOR, LK_CMD_AUTHORIZATION_AUTHENTICATOR,
                                   out, size, ret_out_len);
        if (lk_generation_is_ultra(l->gen)) {
                /* spec §4.3 step 8, §6.6; step 9 arrives encrypted */
                flag = l->pin_set ? 1 : 0;
                *ret_out_len = pair_plain(LK_CMD_AUTHORIZATION_INFO, &flag, 1, out, size);
                lk_reasm_init(&l->reasm, LK_FRAMING_SEALED);
        } else {
                lk_env_random(l->env, l->nk, sizeof(l->nk));
                *ret_out_len = pair_plain(LK_CMD_CHALLENGE, l->nk, sizeof(l->nk), out, size);
        }
        l->state = LK_PAIR_SL_WAIT_AUTH_DATA;
        return LK_PAIR_CONTINUE;
}

/* SL1–4 steps 10–11 (spec §6.3): A2 verified, parameters checked, then the owner decides. */
static int lock_on_auth_data(struct lk_pair_lock *l, const struct lk_msg *m, uint8_t *out,
                             size_t size, size_t *ret_out_len)
{
        uint8_t a2[LK_AUTHENTICATOR_SIZE];
        const uint8_t *p = m->payload + LK_AUTHENTICATOR_SIZE;
        uint8_t id_type = p[0];
        uint32_t app_id = get_le32(p + 1);
        const uint8_t *name = p + 5;
        const uint8_t *na = name + LK_AUTH_NAME_SIZE;
        bool ok;

        /* A2 = HMAC(s, ID type ‖ ID ‖ Name ‖ nA ‖ nK2) */
        lk_auth_a2(a2, l->req.shared_key, id_type, app_id, name, na, l->nk);
        ok = lk_equal32(a2, m->payload);
        lk_wipe(a2, sizeof(a2));
        if (!ok)
                return lock_reject(l, LK_P_ERROR_BAD_AUTHENTICATOR, LK_CMD_AUTHORIZATION_DATA, out,
                                   size, ret_out_len);
        if (id_type > LK_ID_KEYPAD) /* spec §4.1: 0 app, 1 bridge, 2 fob, 3 keypad */
                return lock_reject(l, LK_P_ERROR_BAD_PARAMETER, LK_CMD_AUTHORIZATION_DATA, out,
                                   size, ret_out_len);
        l->req.id_type = id_type;
        l->req.app_id = app_id;
        memcpy(l->req.name, name, LK_AUTH_NAME_SIZE);
        memcpy(l->na, na, LK_CHALLENGE_SIZE);
        l->state = LK_PAIR_SL_WAIT_GRANT;
        *ret_out_len = 0;
        return LK_PAIR_NEED_AUTH;
}

/*
 * Ultra step 9 (spec §4.3): the encrypted Authorization Data, App-ID ‖ Name ‖ PIN. [DECISION]
 * Any ADATA auth id that the PDATA repeats is accepted (0x7FFFFFFF per the official text, the
 * App-ID per NukiBleEsp32); the MAC under s is what authenticates the client here.
 */
static int lock_on_sealed(struct lk_pair_lock *l, uint8_t *out, size_t size, size_t *ret_out_len)
{
        uint8_t pdata[LK_PDATA_MAX];
        struct lk_msg m;
        ssize_t k;
        int r;

        k = lk_sealed_open(l->req.shared_key, l->reasm.buf, l->reasm.len, pdata, sizeof(pdata));
        if (k < 0) {
                /* [DECISION] the MAC stands in for A2, which the Ultra flow does not have */
                r = lock_reject(l, LK_P_ERROR_BAD_AUTHENTICATOR, LK_CMD_AUTHORIZATION_DATA, out,
                                size, ret_out_len);
                goto out;
        }
        if (lk_pdata_parse(pdata, (size_t)k, &m) < 0) {
                /* the only failure of a PDATA that fits: its CRC (spec §2.2 step 4) */
                r = lock_reject(l, LK_ERROR_BAD_CRC, get_le16(pdata + LK_AUTH_ID_SIZE), out, size,
                                ret_out_len);
                goto out;
        }
        if (m.auth_id != get_le32(l->reasm.buf + LK_NONCE_SIZE) || m.cmd != LK_CMD_AUTHORIZATION_DATA) {
                r = lock_reject(l, LK_P_ERROR_BAD_PARAMETER, m.cmd, out, size, ret_out_len);
                goto out;
        }
        if (m.len != PAIR_ULTRA_AUTH_DATA_LEN) {
                r = lock_reject(l, LK_ERROR_BAD_LENGTH, m.cmd, out, size, ret_out_len);
                goto out;
        }
        l->req.id_type = LK_ID_APP;
        l->req.app_id = get_le32(m.payload);
        memcpy(l->req.name, m.payload + 4, LK_AUTH_NAME_SIZE);
        l->req.pin = get_le32(m.payload + 4 + LK_AUTH_NAME_SIZE);
        l->state = LK_PAIR_SL_WAIT_GRANT;
        *ret_out_len = 0;
        r = LK_PAIR_NEED_AUTH;
out:
        lk_wipe(pdata, sizeof(pdata));
        return r;
}

static int lock_complete(struct lk_pair_lock *l)
{
        l->result = l->req;
        lk_wipe(&l->result.pin, sizeof(l->result.pin));
        l->has_result = true;
        lock_drop_session(l);
        return LK_PAIR_DONE;
}

/* SL1–4 steps 15–16 (spec §6.5): A4 verified, Status COMPLETE out. */
static int lock_on_confirm(struct lk_pair_lock *l, const struct lk_msg *m, uint8_t *out,
                           size_t size, size_t *ret_out_len)
{
        uint8_t a4[LK_AUTHENTICATOR_SIZE];
        uint8_t status = PAIR_STATUS_COMPLETE;
        bool ok;

        if (get_le32(m->payload + LK_AUTHENTICATOR_SIZE) != l->req.auth_id)
                return lock_reject(l, LK_P_ERROR_BAD_PARAMETER, LK_CMD_AUTHORIZATION_ID_CONFIRMATION,
                                   out, size, ret_out_len);
        /* A4 = HMAC(s, AuthID ‖ nK3) */
        lk_auth_a4(a4, l->req.shared_key, l->req.auth_id, l->nk);
        ok = lk_equal32(a4, m->payload);
        lk_wipe(a4, sizeof(a4));
        if (!ok)
                return lock_reject(l, LK_P_ERROR_BAD_AUTHENTICATOR,
                                   LK_CMD_AUTHORIZATION_ID_CONFIRMATION, out, size, ret_out_len);
        *ret_out_len = pair_plain(LK_CMD_STATUS, &status, 1, out, size);
        return lock_complete(l);
}

/* What an unencrypted message in this state must be, and its payload size (spec §1.3). */
static bool lock_expects(const struct lk_pair_lock *l, uint16_t *ret_cmd, size_t *ret_len)
{
        switch (l->state) {
        case LK_PAIR_SL_IDLE:
                *ret_cmd = LK_CMD_REQUEST_DATA;
                *ret_len = PAIR_REQUEST_DATA_LEN;
                return true;
        case LK_PAIR_SL_WAIT_CLIENT_PK:
                *ret_cmd = LK_CMD_PUBLIC_KEY;
                *ret_len = PAIR_KEY_MSG_LEN;
                return true;
        case LK_PAIR_SL_WAIT_A1:
                *ret_cmd = LK_CMD_AUTHORIZATION_AUTHENTICATOR;
                *ret_len = PAIR_KEY_MSG_LEN;
                return true;
        case LK_PAIR_SL_WAIT_AUTH_DATA:
                if (lk_generation_is_ultra(l->gen))
                        return false; /* encrypted, lock_on_sealed */
                *ret_cmd = LK_CMD_AUTHORIZATION_DATA;
                *ret_len = PAIR_AUTH_DATA_LEN;
                return true;
        case LK_PAIR_SL_WAIT_CONFIRM:
                *ret_cmd = LK_CMD_AUTHORIZATION_ID_CONFIRMATION;
                *ret_len = PAIR_CONFIRM_LEN;
                return true;
        case LK_PAIR_SL_WAIT_GRANT:
                return false;
        }
        return false;
}

static int lock_on_plain(struct lk_pair_lock *l, uint8_t *out, size_t size, size_t *ret_out_len)
{
        struct lk_msg m;
        uint16_t cmd = get_le16(l->reasm.buf), want = 0;
        size_t want_len = 0;

        if (lk_plain_decode(l->reasm.buf, l->reasm.len, &m) < 0)
                return lock_reject(l, LK_ERROR_BAD_CRC, cmd, out, size, ret_out_len);
        /* [DECISION spec §4.2] out of sequence: P_ERROR_BAD_PARAMETER and back to IDLE */
        if (!lock_expects(l, &want, &want_len) || m.cmd != want)
                return lock_reject(l, LK_P_ERROR_BAD_PARAMETER, m.cmd, out, size, ret_out_len);
        if (m.len != want_len)
                return lock_reject(l, LK_ERROR_BAD_LENGTH, m.cmd, out, size, ret_out_len);

        switch (l->state) {
        case LK_PAIR_SL_IDLE:
                return lock_on_request_data(l, &m, out, size, ret_out_len);
        case LK_PAIR_SL_WAIT_CLIENT_PK:
                return lock_on_client_pk(l, &m, out, size, ret_out_len);
        case LK_PAIR_SL_WAIT_A1:
                return lock_on_authenticator(l, &m, out, size, ret_out_len);
        case LK_PAIR_SL_WAIT_AUTH_DATA:
                return lock_on_auth_data(l, &m, out, size, ret_out_len);
        case LK_PAIR_SL_WAIT_CONFIRM:
                return lock_on_confirm(l, &m, out, size, ret_out_len);
        case LK_PAIR_SL_WAIT_GRANT:
                break;
        }
        return lock_reject(l, LK_P_ERROR_BAD_PARAMETER, m.cmd, out, size, ret_out_len);
}

int lk_pair_lock_feed(struct lk_pair_lock *l, const uint8_t *p, size_t n, uint8_t *out,
                      size_t size, size_t *ret_out_len)
{
        size_t used = 0;
        uint8_t first = l ? l->reasm.buf[0] : 0;
        size_t had = l ? (l->reasm.done ? 0 : l->reasm.len) : 0;
        int r;

        if (!l || (!p && n) || !out || !ret_out_len)
                return -EINVAL;
        if (size < LK_PAIR_OUT_MAX)
                return -ENOBUFS;

        r = lk_reasm_feed(&l->reasm, p, n, &used);
        if (r == -EMSGSIZE) /* encrypted LEN out of range, spec §2.2 step 1 */
                return lock_reject(l, LK_ERROR_BAD_LENGTH, 0, out, size, ret_out_len);
        if (r < 0) {
                /* an id that no unencrypted pairing message has: its first two bytes */
                uint16_t cmd = had ? (uint16_t)(first | p[0] << 8) : get_le16(p);

                return lock_reject(l, LK_ERROR_UNKNOWN, cmd, out, size, ret_out_len);
        }
        if (r == 0) {
                *ret_out_len = 0;
                return LK_PAIR_CONTINUE;
        }
        /* One write is one message (spec §1.1): bytes beyond it are out of sequence. */
        if (used != n || l->state == LK_PAIR_SL_WAIT_GRANT) {
                uint16_t cmd = l->reasm.framing == LK_FRAMING_PLAIN ? get_le16(l->reasm.buf) : 0;

                return lock_reject(l, LK_P_ERROR_BAD_PARAMETER, cmd, out, size, ret_out_len);
        }
        if (l->reasm.framing == LK_FRAMING_SEALED)
                return lock_on_sealed(l, out, size, ret_out_len);
        return lock_on_plain(l, out, size, ret_out_len);
}

const struct lk_pair_authorization *lk_pair_lock_request(const struct lk_pair_lock *l)
{
        return l && l->state == LK_PAIR_SL_WAIT_GRANT ? &l->req : NULL;
}

int lk_pair_lock_grant(struct lk_pair_lock *l, uint32_t auth_id, uint8_t *out, size_t size,
                       size_t *ret_out_len)
{
        uint8_t payload[PAIR_AUTH_ID_LEN];
        uint8_t nonce[LK_NONCE_SIZE];
        ssize_t k;

        if (!l || !out || !ret_out_len)
                return -EINVAL;
        if (l->state != LK_PAIR_SL_WAIT_GRANT)
                return -EPROTO;
        if (auth_id == 0 || auth_id == LK_ULTRA_PAIRING_AUTH_ID)
                return -EINVAL;
        if (size < LK_PAIR_OUT_MAX)
                return -ENOBUFS;
        l->req.auth_id = auth_id;

        if (lk_generation_is_ultra(l->gen)) {
                /* spec §4.3 step 10: AuthID ‖ UUID, encrypted under s, auth id 0x7FFFFFFF */
                put_le32(payload, auth_id);
                memcpy(payload + 4, l->uuid, LK_UUID_SIZE);
                lk_env_random(l->env, nonce, sizeof(nonce));
                k = lk_sealed_encode(l->req.shared_key, nonce, LK_ULTRA_PAIRING_AUTH_ID,
                                     LK_CMD_AUTHORIZATION_ID, payload, PAIR_ULTRA_AUTH_ID_LEN, out,
                                     size);
                if (k < 0)
                        return (int)k;
                *ret_out_len = (size_t)k;
                return lock_complete(l);
        }

        /* spec §4.1 step 13, §6.4: A3 = HMAC(s, AuthID ‖ UUID ‖ nK3 ‖ nA) ‖ AuthID ‖ UUID ‖ nK3 */
        lk_env_random(l->env, l->nk, sizeof(l->nk));
        lk_auth_a3(payload, l->req.shared_key, auth_id, l->uuid, l->nk, l->na);
        put_le32(payload + LK_AUTHENTICATOR_SIZE, auth_id);
        memcpy(payload + LK_AUTHENTICATOR_SIZE + 4, l->uuid, LK_UUID_SIZE);
        memcpy(payload + LK_AUTHENTICATOR_SIZE + 4 + LK_UUID_SIZE, l->nk, LK_CHALLENGE_SIZE);
        *ret_out_len = pair_plain(LK_CMD_AUTHORIZATION_ID, payload, sizeof(payload), out, size);
        l->state = LK_PAIR_SL_WAIT_CONFIRM;
        return LK_PAIR_CONTINUE;
}

int lk_pair_lock_refuse(struct lk_pair_lock *l, enum lk_error code, uint8_t *out, size_t size,
                        size_t *ret_out_len)
{
        if (!l || !out || !ret_out_len || (uint8_t)code == 0 || (unsigned)code > UINT8_MAX)
                return -EINVAL;
        if (l->state != LK_PAIR_SL_WAIT_GRANT)
                return -EPROTO;
        if (size < LK_PAIR_OUT_MAX)
                return -ENOBUFS;
        return lock_reject(l, (uint8_t)code, LK_CMD_AUTHORIZATION_DATA, out, size, ret_out_len);
}

int lk_pair_lock_take_result(struct lk_pair_lock *l, struct lk_pair_authorization *ret)
{
        if (!l || !ret)
                return -EINVAL;
        if (!l->has_result)
                return -EPROTO;
        *ret = l->result;
        lk_wipe(&l->result, sizeof(l->result));
        l->has_result = false;
        return 0;
}

int lk_pair_lock_last_error(const struct lk_pair_lock *l, uint8_t *ret_code, uint16_t *ret_cmd)
{
        if (!l)
                return -EINVAL;
        if (!l->error_code)
                return -ENODATA;
        if (ret_code)
                *ret_code = l->error_code;
        if (ret_cmd)
                *ret_cmd = l->error_cmd;
        return 0;
}
