/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: how the lock answers — plain messages and Error Reports (spec §2.1,
 * §6.20), and sealed answers to one request (spec §2.2) with the Error Report form the
 * firmware uses (sim_config.errors), Status and Keyturner States. Every command, the motor
 * and the dispatcher answer through here; nothing here calls back up.
 */
#include "lock-private.h"

void sim_send_plain(struct sim_lock *lock, enum lk_channel ch, uint16_t cmd, const uint8_t *p,
                    size_t n)
{
        uint8_t buf[LK_PLAIN_MAX];
        ssize_t k = lk_plain_encode(cmd, p, n, buf, sizeof(buf));

        if (k > 0 && lock->io.send)
                lock->io.send(lock->io.userdata, ch, buf, (size_t)k);
}

void sim_send_plain_error(struct sim_lock *lock, enum lk_channel ch, uint8_t code, uint16_t cmd)
{
        uint8_t p[LK_ERROR_REPORT_SIZE];
        struct lk_error_report e = { .code = code, .cmd = cmd };

        if (lk_error_report_encode(&e, p, sizeof(p)) > 0)
                sim_send_plain(lock, ch, LK_CMD_ERROR_REPORT, p, sizeof(p));
}

void sim_reply(const struct req *r, uint16_t cmd, const uint8_t *p, size_t n)
{
        uint8_t nonce[LK_NONCE_SIZE], buf[LK_SEALED_MAX];
        ssize_t k;

        /* spec §2.2: a fresh random nonce for every message */
        lk_env_random(&r->lock->env, nonce, sizeof(nonce));
        k = lk_sealed_encode(r->key, nonce, r->auth_id, cmd, p, n, buf, sizeof(buf));
        if (k > 0 && r->lock->io.send)
                r->lock->io.send(r->lock->io.userdata, LK_CH_USDIO, buf, (size_t)k);
}

void sim_reply_error(const struct req *r, uint8_t code)
{
        uint8_t p[LK_ERROR_REPORT_SIZE];
        struct lk_error_report e = { .code = code, .cmd = r->cmd };

        switch (r->lock->cfg.errors) {
        case SIM_ERRORS_PLAIN_GDIO:
                sim_send_plain_error(r->lock, LK_CH_KEYTURNER, code, r->cmd);
                return;
        case SIM_ERRORS_PLAIN_USDIO:
                sim_send_plain_error(r->lock, LK_CH_USDIO, code, r->cmd);
                return;
        case SIM_ERRORS_SEALED:
                break;
        }
        if (lk_error_report_encode(&e, p, sizeof(p)) > 0)
                sim_reply(r, LK_CMD_ERROR_REPORT, p, sizeof(p));
}

void sim_reply_status(const struct req *r, uint8_t status)
{
        uint8_t p[LK_STATUS_SIZE] = { status };

        sim_reply(r, LK_CMD_STATUS, p, sizeof(p));
}

void sim_reply_states(const struct req *r)
{
        struct lk_opener_keyturner_states os;
        struct lk_keyturner_states ks;
        uint8_t p[LK_KEYTURNER_STATES_FULL + LK_OPENER_KEYTURNER_STATES_FULL];
        ssize_t k;

        if (sim_is_opener(r->lock)) {
                sim_opener_states(r->lock, &os); /* O3 */
                k = lk_opener_keyturner_states_encode(&os, p, sizeof(p));
        } else {
                sim_keyturner_states(r->lock, &ks);
                k = lk_keyturner_states_encode(&ks, p, sizeof(p));
        }
        if (k > 0)
                sim_reply(r, LK_CMD_KEYTURNER_STATES, p, (size_t)k);
        /* spec §1.4: a Bridge reading Keyturner States resets the state-changed bit */
        struct sim_auth *a = sim_auth_find(r->lock, r->auth_id);
        if (a && a->id_type == LK_ID_BRIDGE)
                r->lock->state_changed = false;
}
