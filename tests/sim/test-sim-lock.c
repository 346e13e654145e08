/* SPDX-License-Identifier: MIT */
/*
 * The virtual lock's engine (hw-tests/sim/lock.h) driven as a client would (sim-client.h).
 * Spec §2.2, §4, §5, §6, §8, §9, §10.
 */
#include "sim-client.h"

/* ---- tests ---- */

static void pairing_sl(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        struct lk_keyturner_states ks;
        struct lk_pair_result res;
        uint8_t code = 0;
        char *json;

        /* not in pairing mode → P_ERROR_NOT_PAIRING */
        assert_int_equal(pair_as(t, LK_ID_APP, 1, "x", 0, &res, &code), -EREMOTEIO);
        assert_int_equal(code, LK_P_ERROR_NOT_PAIRING);
        assert_int_equal(sim_lock_authorization_count(t->lock), 0);

        unsigned before = t->changed;
        pair(t);
        assert_true(t->changed > before);
        assert_int_equal(sim_lock_authorization_count(t->lock), 1);
        assert_int_equal(t->auth_id, 1);
        states(t, &ks);
        assert_int_equal(ks.len, LK_KEYTURNER_STATES_API22);
        assert_int_equal(ks.lock_state, LK_LOCK_STATE_LOCKED);
        assert_int_equal(ks.nuki_state, LK_NUKI_STATE_DOOR_MODE); /* pairing mode ended */

        /* the state JSON never carries the key */
        assert_int_equal(sim_lock_state_json(t->lock, &json), 0);
        assert_non_null(strstr(json, "\"Tester\""));
        assert_non_null(strstr(json, "key_fingerprint"));
        assert_non_null(strstr(json, "\"pin\":\"(hidden)\""));
        {
                char hexkey[2 * LK_KEY_SIZE + 1];

                sodium_bin2hex(hexkey, sizeof(hexkey), t->key, LK_KEY_SIZE);
                assert_null(strstr(json, hexkey));
        }
        free(json);

        /* disconnect drops per-connection state: a challenge from before is gone */
        uint8_t nonce[LK_CHALLENGE_SIZE], buf[64];
        challenge(t, nonce);
        sim_lock_disconnect(t->lock);
        sim_lock_connect(t->lock);
        memcpy(buf, nonce, LK_CHALLENGE_SIZE);
        send_cmd(t, LK_CMD_REQUEST_CONFIG, buf, LK_CHALLENGE_SIZE);
        expect_error(t, LK_K_ERROR_BAD_NONCE, LK_CMD_REQUEST_CONFIG);
        t_free(t);
}

static void pairing_ultra(void **state)
{
        struct t *t = t_new(LK_GEN_ULTRA, 123456);
        struct lk_keyturner_states ks;
        struct lk_pair_result res;
        uint8_t code = 0;

        assert_int_equal(sim_lock_press_button(t->lock, 6), 1);
        assert_int_equal(pair_as(t, LK_ID_APP, 7, "Ultra", 654321, &res, &code), -EREMOTEIO);
        assert_int_equal(code, LK_K_ERROR_BAD_PIN);
        assert_int_equal(sim_lock_authorization_count(t->lock), 0);
        pair(t);
        assert_int_equal(sim_lock_authorization_count(t->lock), 1);
        states(t, &ks);
        assert_int_equal(ks.len, LK_KEYTURNER_STATES_FULL);
        /* a 4-byte PIN works for a PIN command */
        cmd(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);
        /* a 2-byte PIN on Ultra is a wrong length (spec §5.2 step 5) */
        struct lk_pin short_pin = { 123456 & 0xFFFF, 2 };
        cmd_pin(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0, &short_pin);
        expect_error(t, LK_ERROR_BAD_LENGTH, LK_CMD_VERIFY_SECURITY_PIN);
        t_free(t);
}

static void pairing_timeout_and_capacity(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_2, 0);
        struct lk_pair_result res;
        uint8_t key[LK_KEY_SIZE] = { 1 };
        uint8_t code = 0;

        assert_int_equal(sim_lock_press_button(t->lock, 2), 0); /* short press: no pairing */
        assert_int_equal(sim_lock_press_button(t->lock, 5), 1);
        t->now += t->cfg.pairing_timeout_s;
        sim_lock_tick(t->lock);
        assert_int_equal(pair_as(t, LK_ID_APP, 1, "late", 0, &res, &code), -EREMOTEIO);
        assert_int_equal(code, LK_P_ERROR_NOT_PAIRING);

        for (unsigned i = 0; i < LK_MAX_AUTHORIZATIONS; i++)
                assert_int_equal(sim_lock_add_authorization(t->lock, LK_ID_APP, 0, "n", key, NULL), 0);
        assert_int_equal(sim_lock_add_authorization(t->lock, LK_ID_APP, 0, "n", key, NULL), -ENOSPC);
        assert_int_equal(sim_lock_press_button(t->lock, 5), 1);
        assert_int_equal(pair_as(t, LK_ID_APP, 1, "full", 0, &res, &code), -EREMOTEIO);
        assert_int_equal(code, LK_P_ERROR_MAX_USER);
        t_free(t);
}

static void lock_action_sequence(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        struct lk_lock_action_msg la = { .action = LK_ACTION_UNLOCK, .app_id = 0x1234,
                                         .suffix = " (web)" };
        struct lk_request_log_entries rq = { .count = 10, .descending = true };
        struct lk_keyturner_states ks;
        struct lk_log_entry e;
        uint8_t buf[64];
        size_t n;
        unsigned before;

        pair(t);
        n = ENC(lk_lock_action_encode, &la, buf);
        cmd(t, LK_CMD_LOCK_ACTION, buf, n);
        expect_status(t, LK_STATUS_ACCEPTED);
        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        assert_int_equal(lk_keyturner_states_decode(t->m.payload, t->m.len, &ks), 0);
        assert_int_equal(ks.lock_state, LK_LOCK_STATE_UNLOCKING);
        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        assert_int_equal(lk_keyturner_states_decode(t->m.payload, t->m.len, &ks), 0);
        assert_int_equal(ks.lock_state, LK_LOCK_STATE_UNLOCKED);
        assert_int_equal(ks.last_lock_action, LK_ACTION_UNLOCK);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_UNLOCKED);

        /* already unlocked: COMPLETE without ACCEPTED */
        n = ENC(lk_lock_action_encode, &la, buf);
        cmd(t, LK_CMD_LOCK_ACTION, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);

        /* the log: type 0x02 with the sender's auth id and name + suffix */
        n = ENC(lk_request_log_entries_encode, &rq, buf);
        cmd(t, LK_CMD_REQUEST_LOG_ENTRIES, buf, n);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
        assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.type, LK_LOG_LOCK_ACTION);
        assert_int_equal(e.auth_id, t->auth_id);
        assert_string_equal(e.name, "Tester (web)");
        assert_int_equal(e.data.action.action, LK_ACTION_UNLOCK);
        assert_int_equal(e.data.action.trigger, LK_TRIGGER_SYSTEM);
        assert_int_equal(e.data.action.completion, LK_COMPLETION_SUCCESS);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);

        /* simple lock action: lock; changed() is called */
        struct lk_simple_lock_action sa = { .action = LK_ACTION_LOCK };
        before = t->changed;
        n = ENC(lk_simple_lock_action_encode, &sa, buf);
        cmd(t, LK_CMD_SIMPLE_LOCK_ACTION, buf, n);
        expect_status(t, LK_STATUS_ACCEPTED);
        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        expect_status(t, LK_STATUS_COMPLETE);
        assert_true(t->changed > before);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_LOCKED);

        /* lock 'n' go: waits in 0x06 and relocks at the deadline */
        la = (struct lk_lock_action_msg){ .action = LK_ACTION_LOCK_N_GO };
        n = ENC(lk_lock_action_encode, &la, buf);
        cmd(t, LK_CMD_LOCK_ACTION, buf, n);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_UNLOCKED_LOCK_N_GO);
        t->now = sim_lock_next_deadline(t->lock);
        sim_lock_tick(t->lock);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_LOCKED);

        /* a bad action value */
        la.action = 0x42;
        n = ENC(lk_lock_action_encode, &la, buf);
        cmd(t, LK_CMD_LOCK_ACTION, buf, n);
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_LOCK_ACTION);

        /* busy fault */
        sim_lock_fault_busy(t->lock, 1);
        la.action = LK_ACTION_UNLOCK;
        n = ENC(lk_lock_action_encode, &la, buf);
        cmd(t, LK_CMD_LOCK_ACTION, buf, n);
        expect_error(t, LK_K_ERROR_BUSY, LK_CMD_LOCK_ACTION);
        cmd(t, LK_CMD_LOCK_ACTION, buf, n);
        expect_status(t, LK_STATUS_ACCEPTED);

        /* request data: battery report; unknown target → ERROR_UNKNOWN */
        struct lk_battery_report br;
        uint8_t rd[2] = { LK_CMD_BATTERY_REPORT, 0 };
        assert_int_equal(sim_lock_set_battery(t->lock, 10), 0);
        send_cmd(t, LK_CMD_REQUEST_DATA, rd, 2);
        assert_int_equal(next(t), LK_CMD_BATTERY_REPORT);
        assert_int_equal(lk_battery_report_decode(t->m.payload, t->m.len, &br), 0);
        assert_true(br.critical);
        rd[0] = LK_CMD_KEYPAD_CODE_COUNT;
        send_cmd(t, LK_CMD_REQUEST_DATA, rd, 2);
        expect_error(t, LK_ERROR_UNKNOWN, LK_CMD_REQUEST_DATA);
        t_free(t);
}

static void add_code(struct t *t, uint32_t code, const char *name, uint16_t *ret_id)
{
        struct lk_keypad_code c = { .code = code };
        struct lk_keypad_code_id id;
        uint8_t buf[64];
        size_t n;

        snprintf(c.name, sizeof(c.name), "%s", name);
        n = ENC(lk_add_keypad_code_encode, &c, buf);
        cmd(t, LK_CMD_ADD_KEYPAD_CODE, buf, n);
        assert_int_equal(next(t), LK_CMD_KEYPAD_CODE_ID);
        assert_int_equal(lk_keypad_code_id_decode(t->m.payload, t->m.len, &id), 0);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);
        if (ret_id)
                *ret_id = id.id;
}

static void add_code_error(struct t *t, uint32_t code, const char *name, uint8_t err)
{
        struct lk_keypad_code c = { .code = code };
        uint8_t buf[64];
        size_t n;

        snprintf(c.name, sizeof(c.name), "%s", name);
        n = ENC(lk_add_keypad_code_encode, &c, buf);
        cmd(t, LK_CMD_ADD_KEYPAD_CODE, buf, n);
        expect_error(t, err, LK_CMD_ADD_KEYPAD_CODE);
}

/* A valid six-digit code from a number: digits 1..9 only, never starting with 12. */
static uint32_t code_of(unsigned i)
{
        uint32_t c = 0;

        for (int d = 0; d < 5; d++) {
                c = c * 10 + 1 + i % 9;
                i /= 9;
        }
        return 300000 + c; /* 3xxxxx: first digit 3, five digits 1..9 below */
}

static void keypad_codes(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        struct lk_request_keypad_codes rq = { .offset = 0, .count = 10 };
        struct lk_keypad_code_count cnt;
        struct lk_keypad_code kc, upd;
        struct lk_remove_keypad_code rm;
        uint16_t id1, id2;
        uint8_t buf[96];
        size_t n;

        pair(t);
        add_code(t, 654321, "Alice", &id1);
        add_code(t, 987654, "Bob", &id2);
        assert_int_not_equal(id1, id2);
        add_code_error(t, 654321, "Again", LK_K_ERROR_CODE_ALREADY_EXISTS);
        add_code_error(t, 650321, "Zero", LK_K_ERROR_BAD_PARAMETER);
        add_code_error(t, 123456, "Twelve", LK_K_ERROR_BAD_PARAMETER);
        add_code_error(t, 65432, "Five", LK_K_ERROR_BAD_PARAMETER);
        add_code_error(t, 765432, "", LK_K_ERROR_BAD_PARAMETER);

        /* request: count first, then codes from offset, then COMPLETE */
        rq.offset = 1;
        n = ENC(lk_request_keypad_codes_encode, &rq, buf);
        cmd(t, LK_CMD_REQUEST_KEYPAD_CODES, buf, n);
        assert_int_equal(next(t), LK_CMD_KEYPAD_CODE_COUNT);
        assert_int_equal(lk_keypad_code_count_decode(t->m.payload, t->m.len, &cnt), 0);
        assert_int_equal(cnt.count, 2);
        assert_int_equal(next(t), LK_CMD_KEYPAD_CODE);
        assert_int_equal(lk_keypad_code_decode(t->m.payload, t->m.len, &kc), 0);
        assert_int_equal(kc.id, id2);
        assert_int_equal(kc.code, 987654);
        assert_string_equal(kc.name, "Bob");
        assert_true(kc.enabled);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);

        /* update = the full record; unknown id → 0x23; a duplicate value → 0x2A */
        upd = kc;
        upd.code = 876543;
        snprintf(upd.name, sizeof(upd.name), "Bobby");
        upd.enabled = false;
        n = ENC(lk_update_keypad_code_encode, &upd, buf);
        cmd(t, LK_CMD_UPDATE_KEYPAD_CODE, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        upd.id = 999;
        n = ENC(lk_update_keypad_code_encode, &upd, buf);
        cmd(t, LK_CMD_UPDATE_KEYPAD_CODE, buf, n);
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_UPDATE_KEYPAD_CODE);
        upd.id = id2;
        upd.code = 654321;
        n = ENC(lk_update_keypad_code_encode, &upd, buf);
        cmd(t, LK_CMD_UPDATE_KEYPAD_CODE, buf, n);
        expect_error(t, LK_K_ERROR_CODE_ALREADY_EXISTS, LK_CMD_UPDATE_KEYPAD_CODE);

        rq.offset = 0;
        n = ENC(lk_request_keypad_codes_encode, &rq, buf);
        cmd(t, LK_CMD_REQUEST_KEYPAD_CODES, buf, n);
        assert_int_equal(next(t), LK_CMD_KEYPAD_CODE_COUNT);
        assert_int_equal(next(t), LK_CMD_KEYPAD_CODE);
        assert_int_equal(next(t), LK_CMD_KEYPAD_CODE);
        assert_int_equal(lk_keypad_code_decode(t->m.payload, t->m.len, &kc), 0);
        assert_int_equal(kc.code, 876543);
        assert_string_equal(kc.name, "Bobby");
        assert_false(kc.enabled);
        expect_status(t, LK_STATUS_COMPLETE);

        /* remove; unknown → 0x23 */
        rm.id = id1;
        n = ENC(lk_remove_keypad_code_encode, &rm, buf);
        cmd(t, LK_CMD_REMOVE_KEYPAD_CODE, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        cmd(t, LK_CMD_REMOVE_KEYPAD_CODE, buf, n);
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_REMOVE_KEYPAD_CODE);
        assert_int_equal(sim_lock_keypad_code_count(t->lock), 1);

        /* capacity: 100 codes, the 101st → 0x29 */
        for (unsigned i = 1; i < LK_MAX_KEYPAD_CODES; i++)
                add_code(t, code_of(i), "c", NULL);
        assert_int_equal(sim_lock_keypad_code_count(t->lock), LK_MAX_KEYPAD_CODES);
        add_code_error(t, code_of(1000), "c", LK_K_ERROR_TOO_MANY_ENTRIES);
        t_free(t);
}

static void keypad_typing(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        struct lk_keypad_code c = { .code = 456789, .name = "Window" };
        struct lk_request_log_entries rq = { .count = 1, .descending = true };
        struct sim_keypad_result res;
        struct lk_log_entry e;
        uint8_t buf[96];
        size_t n;
        uint16_t id;

        pair(t);
        /* daily 08:00–10:00 local, weekdays only; the lock is at UTC+60 */
        c.window = (struct lk_window){ .time_limited = true, .weekdays = 0x7C,
                                       .from_time = { 8, 0 }, .until_time = { 10, 0 } };
        n = ENC(lk_add_keypad_code_encode, &c, buf);
        cmd(t, LK_CMD_ADD_KEYPAD_CODE, buf, n);
        assert_int_equal(next(t), LK_CMD_KEYPAD_CODE_ID);
        id = (uint16_t)(t->m.payload[0] | t->m.payload[1] << 8);
        expect_status(t, LK_STATUS_COMPLETE);

        /* Monday 08:30 UTC = 08:30 local (offset 0) → inside */
        t->now = unix_of(2024, 1, 15, 8, 30);
        assert_int_equal(sim_lock_keypad_type(t->lock, 456789, 1, &res), 0);
        assert_int_equal(res.completion, LK_COMPLETION_SUCCESS);
        assert_int_equal(res.code_id, id);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_UNLOCKED);
        n = ENC(lk_request_log_entries_encode, &rq, buf);
        cmd(t, LK_CMD_REQUEST_LOG_ENTRIES, buf, n);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
        assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.type, LK_LOG_KEYPAD_ACTION);
        assert_int_equal(e.data.keypad.source, LK_KEYPAD_SOURCE_CODE);
        assert_int_equal(e.data.keypad.completion, LK_COMPLETION_SUCCESS);
        assert_int_equal(e.data.keypad.code_id, id);
        assert_int_equal(e.data.keypad.action, LK_ACTION_UNLOCK);

        /* 10:30 → outside the daily window */
        t->now = unix_of(2024, 1, 15, 10, 30);
        assert_int_equal(sim_lock_keypad_type(t->lock, 456789, 2, &res), 0);
        assert_int_equal(res.completion, LK_COMPLETION_INVALID_CODE);
        assert_int_equal(res.code_id, 0);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_UNLOCKED);
        cmd(t, LK_CMD_REQUEST_LOG_ENTRIES, buf, n);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
        assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.type, LK_LOG_KEYPAD_ACTION);
        assert_int_equal(e.data.keypad.completion, LK_COMPLETION_INVALID_CODE);
        assert_int_equal(e.data.keypad.code_id, 0);

        /* Saturday 08:30 → weekday not allowed */
        t->now = unix_of(2024, 1, 20, 8, 30);
        assert_int_equal(sim_lock_keypad_type(t->lock, 456789, 2, &res), 0);
        assert_int_equal(res.completion, LK_COMPLETION_INVALID_CODE);

        /* five wrong codes in a row (two above) → a 30 s lockout, even for a good one */
        t->now = unix_of(2024, 1, 15, 9, 0);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(sim_lock_keypad_type(t->lock, 111111, 2, &res), 0);
                assert_false(res.locked_out);
        }
        assert_int_equal(sim_lock_keypad_type(t->lock, 456789, 2, &res), 0);
        assert_true(res.locked_out);
        assert_int_equal(res.completion, LK_COMPLETION_INVALID_CODE);
        t->now += SIM_KEYPAD_LOCKOUT_S;
        assert_int_equal(sim_lock_keypad_type(t->lock, 456789, 2, &res), 0);
        assert_int_equal(res.completion, LK_COMPLETION_SUCCESS);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_LOCKED);

        /* Keypad Action (0x0048) over BLE: a good code acts, a bad one → 0x2B */
        struct lk_keypad_action ka = { .source = LK_KEYPAD_SOURCE_CODE, .code = 456789,
                                       .action = 1 };
        n = ENC(lk_keypad_action_encode, &ka, buf);
        cmd(t, LK_CMD_KEYPAD_ACTION, buf, n);
        expect_status(t, LK_STATUS_ACCEPTED); /* then the states, as for a Lock Action */
        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        expect_status(t, LK_STATUS_COMPLETE);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_UNLOCKED);
        ka.code = 222222;
        n = ENC(lk_keypad_action_encode, &ka, buf);
        cmd(t, LK_CMD_KEYPAD_ACTION, buf, n);
        expect_error(t, LK_K_ERROR_CODE_INVALID, LK_CMD_KEYPAD_ACTION);
        t_free(t);
}

static void pin_and_nonce(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 1234);
        struct lk_pin wrong = { 4321, 2 };
        struct lk_set_security_pin sp = { .new_pin = { 2468, 2 } };
        uint8_t nonce[LK_CHALLENGE_SIZE], buf[96];
        ssize_t k;
        size_t n;

        pair(t);
        cmd(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0);
        expect_status(t, LK_STATUS_COMPLETE);

        /* reused challenge → 0x22; a never-requested one too */
        challenge(t, nonce);
        k = lk_cmd_finish(LK_CMD_VERIFY_SECURITY_PIN, buf, 0, sizeof(buf), nonce, &t->pin);
        send_cmd(t, LK_CMD_VERIFY_SECURITY_PIN, buf, (size_t)k);
        expect_status(t, LK_STATUS_COMPLETE);
        send_cmd(t, LK_CMD_VERIFY_SECURITY_PIN, buf, (size_t)k);
        expect_error(t, LK_K_ERROR_BAD_NONCE, LK_CMD_VERIFY_SECURITY_PIN);

        /* a failed attempt consumes the challenge */
        challenge(t, nonce);
        k = lk_cmd_finish(LK_CMD_VERIFY_SECURITY_PIN, buf, 0, sizeof(buf), nonce, &wrong);
        send_cmd(t, LK_CMD_VERIFY_SECURITY_PIN, buf, (size_t)k);
        expect_error(t, LK_K_ERROR_BAD_PIN, LK_CMD_VERIFY_SECURITY_PIN);
        k = lk_cmd_finish(LK_CMD_VERIFY_SECURITY_PIN, buf, 0, sizeof(buf), nonce, &t->pin);
        send_cmd(t, LK_CMD_VERIFY_SECURITY_PIN, buf, (size_t)k);
        expect_error(t, LK_K_ERROR_BAD_NONCE, LK_CMD_VERIFY_SECURITY_PIN);

        /* wrong length (a 4-byte PIN to a 2-byte lock) → 0xFE */
        struct lk_pin wide = { 1234, 4 };
        cmd_pin(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0, &wide);
        expect_error(t, LK_ERROR_BAD_LENGTH, LK_CMD_VERIFY_SECURITY_PIN);

        /* lockout: pin_attempts (3) wrong PINs, then even the right one → 0x28 */
        cmd_pin(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0, &wrong);
        expect_error(t, LK_K_ERROR_BAD_PIN, LK_CMD_VERIFY_SECURITY_PIN);
        cmd_pin(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0, &wrong);
        expect_error(t, LK_K_ERROR_BAD_PIN, LK_CMD_VERIFY_SECURITY_PIN);
        cmd(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0);
        expect_error(t, LK_K_ERROR_TOO_MANY_PIN_ATTEMPTS, LK_CMD_VERIFY_SECURITY_PIN);
        /* nonce-only commands are not affected */
        cmd(t, LK_CMD_REQUEST_CONFIG, NULL, 0);
        assert_int_equal(next(t), LK_CMD_CONFIG);
        t->now += t->cfg.pin_lockout_s;
        cmd(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0);
        expect_status(t, LK_STATUS_COMPLETE);

        /* Set Security PIN: the new PIN first, the current one in the trailer */
        n = ENC(lk_set_security_pin_encode, &sp, buf);
        cmd(t, LK_CMD_SET_SECURITY_PIN, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        cmd(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0);
        expect_error(t, LK_K_ERROR_BAD_PIN, LK_CMD_VERIFY_SECURITY_PIN);
        t->pin = sp.new_pin;
        cmd(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0);
        expect_status(t, LK_STATUS_COMPLETE);
        sp.new_pin.value = 10000; /* not 4 digits */
        n = ENC(lk_set_security_pin_encode, &sp, buf);
        cmd(t, LK_CMD_SET_SECURITY_PIN, buf, n);
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_SET_SECURITY_PIN);
        t_free(t);
}

static void not_authorized(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        uint8_t p[2] = { LK_CMD_KEYTURNER_STATES, 0 }, bad[LK_KEY_SIZE];

        pair(t);
        /* unknown auth id → unencrypted 12 00 20 00 00 13 D7 on keyturner GDIO */
        queue_clear(t);
        send_sealed(t, t->auth_id + 5, t->key, LK_CMD_REQUEST_DATA, p, 2);
        assert_int_equal(t->nq, 1);
        assert_int_equal(t->q[0].ch, LK_CH_KEYTURNER);
        assert_hex_equal(t->q[0].b, t->q[0].n, "12 00 20 00 00 13 D7");
        /* wrong key → the same */
        memcpy(bad, t->key, sizeof(bad));
        bad[0] ^= 1;
        queue_clear(t);
        send_sealed(t, t->auth_id, bad, LK_CMD_REQUEST_DATA, p, 2);
        assert_int_equal(t->nq, 1);
        assert_int_equal(t->q[0].ch, LK_CH_KEYTURNER);
        assert_hex_equal(t->q[0].b, t->q[0].n, "12 00 20 00 00 13 D7");

        /* bad CRC → encrypted ERROR_BAD_CRC */
        {
                uint8_t pd[16], nonce[LK_NONCE_SIZE], msg[LK_SEALED_MAX];
                size_t pn = 0;

                pd[pn++] = (uint8_t)t->auth_id; pd[pn++] = 0; pd[pn++] = 0; pd[pn++] = 0;
                pd[pn++] = LK_CMD_REQUEST_DATA; pd[pn++] = 0;
                pd[pn++] = LK_CMD_KEYTURNER_STATES; pd[pn++] = 0;
                pd[pn++] = 0xAA; pd[pn++] = 0xBB; /* not the CRC */
                randombytes_buf(nonce, sizeof(nonce));
                memcpy(msg, nonce, LK_NONCE_SIZE);
                msg[24] = (uint8_t)t->auth_id; msg[25] = msg[26] = msg[27] = 0;
                msg[28] = (uint8_t)(pn + LK_MAC_SIZE); msg[29] = 0;
                crypto_secretbox_easy(msg + 30, pd, pn, nonce, t->key);
                queue_clear(t);
                assert_int_equal(sim_lock_receive(t->lock, LK_CH_USDIO, msg, 30 + pn + LK_MAC_SIZE), 0);
                expect_error(t, LK_ERROR_BAD_CRC, LK_CMD_REQUEST_DATA);

                /* PDATA auth id ≠ ADATA auth id (good CRC) → K_ERROR_NOT_AUTHORIZED */
                pd[0] = (uint8_t)(t->auth_id + 1);
                uint16_t crc = lk_crc16(pd, pn - 2);
                pd[pn - 2] = (uint8_t)crc;
                pd[pn - 1] = (uint8_t)(crc >> 8);
                crypto_secretbox_easy(msg + 30, pd, pn, nonce, t->key);
                queue_clear(t);
                assert_int_equal(sim_lock_receive(t->lock, LK_CH_USDIO, msg, 30 + pn + LK_MAC_SIZE), 0);
                expect_error(t, LK_K_ERROR_NOT_AUTHORIZED, LK_CMD_REQUEST_DATA);

                /* LEN below 16 + 8 → ERROR_BAD_LENGTH, encrypted */
                msg[28] = 8;
                queue_clear(t);
                assert_int_equal(sim_lock_receive(t->lock, LK_CH_USDIO, msg, 30 + 8), 0);
                expect_error(t, LK_ERROR_BAD_LENGTH, 0);
        }
        /* not connected → refused */
        sim_lock_disconnect(t->lock);
        assert_int_equal(sim_lock_receive(t->lock, LK_CH_USDIO, p, 2), -ENOTCONN);
        t_free(t);
}

/* list: count, the requester's own entry first, then the others (other: the fob, id: the guest) */
static void authorizations_listed(struct t *t, uint32_t other, const struct lk_authorization_id_invite *idp)
{
        struct lk_request_authorization_entries rq = { .offset = 0, .count = 10 };
        struct lk_authorization_id_invite id = *idp;
        struct lk_authorization_entry_count cnt;
        struct lk_authorization_entry e;
        uint8_t buf[160];
        size_t n;

        n = ENC(lk_request_authorization_entries_encode, &rq, buf);
        cmd(t, LK_CMD_REQUEST_AUTHORIZATION_ENTRIES, buf, n);
        assert_int_equal(next(t), LK_CMD_AUTHORIZATION_ENTRY_COUNT);
        assert_int_equal(lk_authorization_entry_count_decode(t->m.payload, t->m.len, &cnt), 0);
        assert_int_equal(cnt.count, 3);
        assert_int_equal(next(t), LK_CMD_AUTHORIZATION_ENTRY);
        assert_int_equal(lk_authorization_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.auth_id, t->auth_id);
        assert_string_equal(e.name, "Tester");
        assert_int_equal(next(t), LK_CMD_AUTHORIZATION_ENTRY);
        assert_int_equal(lk_authorization_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.auth_id, other);
        assert_int_equal(e.id_type, LK_ID_FOB);
        assert_int_equal(next(t), LK_CMD_AUTHORIZATION_ENTRY);
        assert_int_equal(lk_authorization_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.auth_id, id.auth_id);
        assert_string_equal(e.name, "Guest");
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);
}

/* update: the guest (id, key2) disabled, then given a time window; bad updates refused */
static void authorizations_updated(struct t *t, const struct lk_authorization_id_invite *idp, const uint8_t *key2)
{
        struct lk_authorization_id_invite id = *idp;
        struct lk_update_authorization_entry up;
        uint8_t buf[160];
        size_t n;

        /* update: disable the guest → 0x25 when it talks; a time window → 0x27 */
        up = (struct lk_update_authorization_entry){ .auth_id = id.auth_id, .name = "Guest 2" };
        n = ENC(lk_update_authorization_entry_encode, &up, buf);
        cmd(t, LK_CMD_UPDATE_AUTHORIZATION_ENTRY, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        {
                uint8_t p[2] = { LK_CMD_KEYTURNER_STATES, 0 }, own_key[LK_KEY_SIZE];
                uint32_t own = t->auth_id;

                memcpy(own_key, t->key, LK_KEY_SIZE);
                /* talk as the guest */
                t->auth_id = id.auth_id;
                memcpy(t->key, key2, LK_KEY_SIZE);
                send_cmd(t, LK_CMD_REQUEST_DATA, p, 2);
                expect_error(t, LK_K_ERROR_DISABLED, LK_CMD_REQUEST_DATA);
                t->auth_id = own;
                memcpy(t->key, own_key, LK_KEY_SIZE);

                up.enabled = true;
                up.window = (struct lk_window){ .time_limited = true, .from_time = { 20, 0 },
                                                .until_time = { 21, 0 } };
                n = ENC(lk_update_authorization_entry_encode, &up, buf);
                cmd(t, LK_CMD_UPDATE_AUTHORIZATION_ENTRY, buf, n);
                expect_status(t, LK_STATUS_COMPLETE);
                t->auth_id = id.auth_id;
                memcpy(t->key, key2, LK_KEY_SIZE);
                send_cmd(t, LK_CMD_REQUEST_DATA, p, 2);
                expect_error(t, LK_K_ERROR_TIME_NOT_ALLOWED, LK_CMD_REQUEST_DATA);
                t->auth_id = own;
                memcpy(t->key, own_key, LK_KEY_SIZE);
        }
        up.auth_id = 4242;
        n = ENC(lk_update_authorization_entry_encode, &up, buf);
        cmd(t, LK_CMD_UPDATE_AUTHORIZATION_ENTRY, buf, n);
        expect_error(t, LK_K_ERROR_INVALID_AUTH_ID, LK_CMD_UPDATE_AUTHORIZATION_ENTRY);
        up.auth_id = id.auth_id;
        up.name[0] = '\0';
        n = ENC(lk_update_authorization_entry_encode, &up, buf);
        cmd(t, LK_CMD_UPDATE_AUTHORIZATION_ENTRY, buf, n);
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_UPDATE_AUTHORIZATION_ENTRY);
}

static void authorizations(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        uint8_t key2[LK_KEY_SIZE], buf[160];
        struct lk_authorization_invite inv = { .name = "Guest", .id_type = LK_ID_APP,
                                               .remote_allowed = true };
        struct lk_authorization_id_invite id;
        struct lk_remove_authorization_entry rm;
        uint32_t other;
        size_t n;

        pair(t);
        assert_int_equal(sim_lock_add_authorization(t->lock, LK_ID_FOB, 9, "Fob", key2, &other), 0);
        randombytes_buf(key2, sizeof(key2));
        memcpy(inv.shared_key, key2, LK_KEY_SIZE);
        n = ENC(lk_authorization_invite_encode, &inv, buf);
        cmd(t, LK_CMD_AUTHORIZATION_DATA_INVITE, buf, n);
        assert_int_equal(next(t), LK_CMD_AUTHORIZATION_ID_INVITE);
        assert_int_equal(lk_authorization_id_invite_decode(t->m.payload, t->m.len, &id), 0);
        expect_status(t, LK_STATUS_COMPLETE);
        assert_int_equal(sim_lock_authorization_count(t->lock), 3);

        authorizations_listed(t, other, &id);

        /* the invited key works */
        {
                uint8_t p[2] = { LK_CMD_KEYTURNER_STATES, 0 };

                queue_clear(t);
                send_sealed(t, id.auth_id, key2, LK_CMD_REQUEST_DATA, p, 2);
                assert_int_equal(t->nq, 1);
                assert_int_equal(t->q[0].ch, LK_CH_USDIO);
        }

        authorizations_updated(t, &id, key2);

        /* remove; unknown → 0x24 */
        rm.auth_id = id.auth_id;
        n = ENC(lk_remove_authorization_entry_encode, &rm, buf);
        cmd(t, LK_CMD_REMOVE_AUTHORIZATION_ENTRY, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        cmd(t, LK_CMD_REMOVE_AUTHORIZATION_ENTRY, buf, n);
        expect_error(t, LK_K_ERROR_INVALID_AUTH_ID, LK_CMD_REMOVE_AUTHORIZATION_ENTRY);
        assert_int_equal(sim_lock_authorization_count(t->lock), 2);
        t_free(t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(pairing_sl),
                cmocka_unit_test(pairing_ultra),
                cmocka_unit_test(pairing_timeout_and_capacity),
                cmocka_unit_test(lock_action_sequence),
                cmocka_unit_test(keypad_codes),
                cmocka_unit_test(keypad_typing),
                cmocka_unit_test(pin_and_nonce),
                cmocka_unit_test(not_authorized),
                cmocka_unit_test(authorizations),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("sim-lock", tests, NULL, NULL);
}
