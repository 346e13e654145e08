/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the USDIO channel — spec §2.2 "Receiver processing", the challenge and
 * PIN checks of §5.2, Request Data (§6.1), and the command switch that hands every other
 * client command of §5.1 to its concept: lock-cmd-action.c, lock-cmd-config.c,
 * lock-cmd-lists.c.
 */
#include <errno.h>

#include "lock-private.h"

static void send_plain_error(struct sim_lock *lock, uint8_t code, uint16_t cmd)
{
        sim_send_plain_error(lock, LK_CH_KEYTURNER, code, cmd);
}

/* ---- Request Data (spec §6.1): no challenge ---- */

static void battery_report(const struct sim_lock *lock, struct lk_battery_report *ret)
{
        /* [DECISION] 4 × AA alkaline: 4.4 V empty … 6.0 V full */
        uint16_t mv = (uint16_t)(4400 + lock->battery * 16);

        *ret = (struct lk_battery_report){
                .drain = lock->last_action ? 1200 : 0,
                .voltage = mv,
                .critical = lock->battery < 20,
                .last_lock_action = lock->last_action,
                .start_voltage = mv,
                .lowest_voltage = (uint16_t)(mv - (lock->last_action ? 150 : 0)),
                .lock_distance = lock->last_action ? 360 : 0,
                .start_temperature = 21,
                .max_turn_current = lock->last_action ? 350 : 0,
                .battery_resistance = 120,
        };
}

static void do_request_data(struct req *r, struct sim_auth *a)
{
        struct lk_request_data rd;

        if (lk_request_data_decode(r->fields, r->fields_len, &rd) < 0) {
                sim_reply_error(r, LK_ERROR_BAD_LENGTH);
                return;
        }
        if (r->lock->cfg.api_v1 && rd.cmd == LK_CMD_BATTERY_REPORT)
                return; /* API v1 firmware has no Battery Report: silence (issue 14) */
        switch (rd.cmd) {
        case LK_CMD_CHALLENGE: {
                struct lk_challenge c;

                /* spec §10: one pending challenge per authorization, replaced by a new one */
                lk_env_random(&r->lock->env, a->challenge, LK_CHALLENGE_SIZE);
                a->challenge_valid = true;
                memcpy(c.nonce, a->challenge, LK_CHALLENGE_SIZE);
                SIM_REPLY_WITH(r, LK_CMD_CHALLENGE, lk_challenge_encode, &c);
                return;
        }
        case LK_CMD_KEYTURNER_STATES:
                sim_reply_states(r);
                return;
        case LK_CMD_BATTERY_REPORT: {
                struct lk_battery_report b;

                battery_report(r->lock, &b);
                SIM_REPLY_WITH(r, LK_CMD_BATTERY_REPORT, lk_battery_report_encode, &b);
                return;
        }
        default:
                /* spec §5.1: other targets (e.g. 0x0044) → ERROR_UNKNOWN */
                sim_reply_error(r, LK_ERROR_UNKNOWN);
                return;
        }
}
/* ---- the command switch ---- */

/* What API v1 firmware does not know (issue 14): it answers nothing at all to these. */
static bool api_v1_lacks(uint16_t cmd)
{
        switch (cmd) {
        case LK_CMD_REQUEST_ADVANCED_CONFIG:
        case LK_CMD_SET_ADVANCED_CONFIG:
        case LK_CMD_REQUEST_LOG_ENTRIES:
        case LK_CMD_ENABLE_LOGGING:
        case LK_CMD_KEYPAD_ACTION:
        case LK_CMD_ADD_KEYPAD_CODE:
        case LK_CMD_UPDATE_KEYPAD_CODE:
        case LK_CMD_REMOVE_KEYPAD_CODE:
        case LK_CMD_REQUEST_KEYPAD_CODES:
                return true;
        default:
                return false;
        }
}

/* Decode the fields of cmd: 0, -EBADMSG (wrong length), -ENOENT (not a command we take). */
static int decode(const struct sim_lock *lock, uint16_t cmd, const uint8_t *p, size_t n,
                  union sim_cmd_fields *f)
{
        int k = sim_is_opener(lock) ? sim_opener_decode(cmd, p, n, f) : -ENOENT;

        if (k != -ENOENT)
                return k;
        switch (cmd) {
        case LK_CMD_LOCK_ACTION:
                return lk_lock_action_decode(p, n, &f->lock_action);
        case LK_CMD_SIMPLE_LOCK_ACTION:
                return lk_simple_lock_action_decode(p, n, &f->simple);
        case LK_CMD_KEYPAD_ACTION:
                return lk_keypad_action_decode(p, n, &f->keypad_action);
        case LK_CMD_SET_CONFIG:
                return lk_set_config_decode(p, n, &f->set_config);
        case LK_CMD_SET_ADVANCED_CONFIG:
                return lk_set_advanced_config_decode(p, n, &f->adv);
        case LK_CMD_UPDATE_TIME:
                return lk_update_time_decode(p, n, &f->time);
        case LK_CMD_SET_SECURITY_PIN:
                return lk_set_security_pin_decode(p, n, lock->pin.size, &f->pin);
        case LK_CMD_REQUEST_AUTHORIZATION_ENTRIES:
                return lk_request_authorization_entries_decode(p, n, &f->req_auths);
        case LK_CMD_UPDATE_AUTHORIZATION_ENTRY:
                return lk_update_authorization_entry_decode(p, n, &f->upd_auth);
        case LK_CMD_REMOVE_AUTHORIZATION_ENTRY:
                return lk_remove_authorization_entry_decode(p, n, &f->rm_auth);
        case LK_CMD_AUTHORIZATION_DATA_INVITE:
                return lk_authorization_invite_decode(p, n, &f->invite);
        case LK_CMD_REQUEST_LOG_ENTRIES:
                return lk_request_log_entries_decode(p, n, &f->req_log);
        case LK_CMD_ENABLE_LOGGING:
                return lk_enable_logging_decode(p, n, &f->logging);
        case LK_CMD_ADD_TIME_CONTROL_ENTRY:
                return lk_add_time_control_entry_decode(p, n, &f->tc);
        case LK_CMD_UPDATE_TIME_CONTROL_ENTRY:
                return lk_update_time_control_entry_decode(p, n, &f->tc);
        case LK_CMD_REMOVE_TIME_CONTROL_ENTRY:
                return lk_remove_time_control_entry_decode(p, n, &f->tc_id);
        case LK_CMD_ADD_KEYPAD_CODE:
                return lk_add_keypad_code_decode(p, n, &f->code);
        case LK_CMD_UPDATE_KEYPAD_CODE:
                return lk_update_keypad_code_decode(p, n, &f->code);
        case LK_CMD_REMOVE_KEYPAD_CODE:
                return lk_remove_keypad_code_decode(p, n, &f->rm_code);
        case LK_CMD_REQUEST_KEYPAD_CODES:
                return lk_request_keypad_codes_decode(p, n, &f->req_codes);
        case LK_CMD_REQUEST_CONFIG:
        case LK_CMD_REQUEST_ADVANCED_CONFIG:
        case LK_CMD_VERIFY_SECURITY_PIN:
        case LK_CMD_REQUEST_CALIBRATION:
        case LK_CMD_REQUEST_REBOOT:
        case LK_CMD_REQUEST_TIME_CONTROL_ENTRIES:
                return n == 0 ? 0 : -EBADMSG; /* spec §6.23, §6.26, §6.33: trailer only */
        default:
                return -ENOENT;
        }
}

static void execute(struct req *r, union sim_cmd_fields *f)
{
        if (sim_is_opener(r->lock) && sim_exec_opener(r, f))
                return;
        if (!sim_exec_action(r, f) && !sim_exec_config(r, f) && !sim_exec_lists(r, f))
                sim_reply_error(r, LK_ERROR_UNKNOWN);
}

/* spec §5.2 steps 3–5 [DECISION] order: length → nonce → PIN → parameters. */
static void dispatch(struct req *r, struct sim_auth *a, const uint8_t *payload, size_t len)
{
        struct sim_lock *lock = r->lock;
        enum lk_cmd_auth need = lk_cmd_auth(r->cmd);
        uint8_t nonce[LK_CHALLENGE_SIZE];
        struct lk_pin pin = { 0 };
        union sim_cmd_fields f;
        size_t flen = 0;
        bool nonce_ok;
        int k;

        if (r->cmd == LK_CMD_REQUEST_DATA) {
                r->fields = payload;
                r->fields_len = len;
                do_request_data(r, a);
                return;
        }
        static const uint8_t none[1];

        if (lock->cfg.api_v1 && api_v1_lacks(r->cmd))
                return; /* silence, the challenge left as it was */
        if (need == LK_AUTH_NONE || decode(lock, r->cmd, none, 0, &f) == -ENOENT) {
                sim_reply_error(r, LK_ERROR_UNKNOWN);
                return;
        }
        if (lock->busy_faults > 0) {
                lock->busy_faults--;
                sim_reply_error(r, LK_K_ERROR_BUSY);
                return;
        }
        /* a challenge is single-use: any attempt consumes it (spec §5.2 [DECISION]) */
        nonce_ok = a->challenge_valid;
        a->challenge_valid = false;
        k = lk_cmd_split(r->cmd, payload, len, lock->pin.size, &flen, nonce, &pin);
        if (k < 0 || decode(lock, r->cmd, payload, flen, &f) < 0) {
                sim_reply_error(r, LK_ERROR_BAD_LENGTH);
                goto out;
        }
        if (!nonce_ok || !lk_equal32(nonce, a->challenge)) {
                sim_reply_error(r, LK_K_ERROR_BAD_NONCE);
                goto out;
        }
        if (need == LK_AUTH_NONCE_PIN) {
                int64_t vnow = sim_vnow(lock);

                if (lock->pin_lockout_until > vnow) {
                        sim_reply_error(r, LK_K_ERROR_TOO_MANY_PIN_ATTEMPTS);
                        goto out;
                }
                if (!sim_pin_ok(lock, pin.value)) {
                        lock->pin_failures_seen++;
                        if (++lock->pin_failures >= lock->cfg.pin_attempts) {
                                lock->pin_failures = 0;
                                lock->pin_lockout_until = vnow + lock->cfg.pin_lockout_s;
                        }
                        sim_changed(lock);
                        sim_reply_error(r, LK_K_ERROR_BAD_PIN);
                        goto out;
                }
                if (lock->pin_failures) {
                        lock->pin_failures = 0;
                        sim_changed(lock);
                }
        }
        r->fields = payload;
        r->fields_len = flen;
        execute(r, &f);
out:
        lk_wipe(a->challenge, LK_CHALLENGE_SIZE);
        lk_wipe(nonce, sizeof(nonce));
        lk_wipe(&pin, sizeof(pin));
        lk_wipe(&f, sizeof(f));
}

/* spec §2.2 "Receiver processing" */
void sim_usdio_receive(struct sim_lock *lock, const uint8_t *msg, size_t n)
{
        uint8_t pdata[LK_PDATA_MAX];
        struct req r = { .lock = lock };
        struct lk_adata ad;
        struct lk_msg m;
        struct sim_auth *a;
        ssize_t plen;

        if (lk_adata_parse(msg, n, &ad) < 0) {
                /* [DECISION] not even an ADATA: nobody to answer encrypted */
                send_plain_error(lock, LK_ERROR_BAD_LENGTH, 0);
                return;
        }
        a = sim_auth_find(lock, ad.auth_id);
        if (!a) {
                /* step 2: unknown auth id → unencrypted K_ERROR_NOT_AUTHORIZED on GDIO */
                send_plain_error(lock, LK_K_ERROR_NOT_AUTHORIZED, 0);
                return;
        }
        r.auth_id = a->id;
        memcpy(r.key, a->key, LK_KEY_SIZE);
        /* step 1: LEN < 16 + 8, over our limit, or not what arrived */
        if (ad.len < LK_MAC_SIZE + LK_PDATA_MIN || ad.len > LK_MAC_SIZE + LK_PDATA_MAX ||
            n != LK_ADATA_SIZE + (size_t)ad.len) {
                sim_reply_error(&r, LK_ERROR_BAD_LENGTH);
                goto out;
        }
        plen = lk_sealed_open(a->key, msg, n, pdata, sizeof(pdata));
        if (plen < 0) {
                /* step 3: does not decrypt → same as an unknown id */
                send_plain_error(lock, LK_K_ERROR_NOT_AUTHORIZED, 0);
                goto out;
        }
        r.cmd = sim_get16(pdata + LK_AUTH_ID_SIZE);
        if (lk_pdata_parse(pdata, (size_t)plen, &m) < 0) {
                sim_reply_error(&r, LK_ERROR_BAD_CRC); /* step 4 */
                goto out;
        }
        if (m.auth_id != ad.auth_id) {
                sim_reply_error(&r, LK_K_ERROR_NOT_AUTHORIZED); /* step 5 [DECISION] */
                goto out;
        }
        if (!a->enabled) {
                sim_reply_error(&r, LK_K_ERROR_DISABLED); /* step 6 */
                goto out;
        }
        if (!sim_window_allows(lock, &a->window)) {
                sim_reply_error(&r, LK_K_ERROR_TIME_NOT_ALLOWED);
                goto out;
        }
        dispatch(&r, a, m.payload, m.len);
out:
        lk_wipe(pdata, sizeof(pdata));
        lk_wipe(&r, sizeof(r));
}
