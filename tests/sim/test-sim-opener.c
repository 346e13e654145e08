/* SPDX-License-Identifier: MIT */
/*
 * The virtual lock as a Nuki Opener (hw-tests/sim/lock-opener*.c), driven as a client would
 * (sim-client.h): ring to open, continuous mode (Lock Action and 0x0057), the electric strike,
 * a doorbell ring, RTO's timeout, Config / Advanced Config in the Opener's layouts, keypad
 * codes, the log and the state image. ../shared/spec/nuki-opener.md, cited as O<n>.
 */
#include "latchkey/names.h"
#include "latchkey/opener.h"
#include "sim-client.h"

static void ostates(struct t *t, struct lk_opener_keyturner_states *s)
{
        uint8_t p[2] = { LK_CMD_KEYTURNER_STATES, 0 };

        send_cmd(t, LK_CMD_REQUEST_DATA, p, sizeof(p));
        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        assert_int_equal(t->m.len, LK_OPENER_KEYTURNER_STATES_FULL); /* [DECISION O3] 26 */
        assert_int_equal(lk_opener_keyturner_states_decode(t->m.payload, t->m.len, s), 0);
        expect_done(t);
}

static void next_ostates(struct t *t, uint8_t lock_state)
{
        struct lk_opener_keyturner_states s;

        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        assert_int_equal(lk_opener_keyturner_states_decode(t->m.payload, t->m.len, &s), 0);
        assert_int_equal(s.lock_state, lock_state);
}

static void action(struct t *t, uint8_t a)
{
        struct lk_lock_action_msg la = { .action = a, .app_id = 0x1234 };
        uint8_t buf[64];

        cmd(t, LK_CMD_LOCK_ACTION, buf, ENC(lk_lock_action_encode, &la, buf));
}

/* The newest n log entries, newest first, decoded with the Opener's codec. */
static void olog(struct t *t, unsigned n, struct lk_opener_log_entry *ret)
{
        struct lk_request_log_entries rq = { .count = (uint16_t)n, .descending = true };
        uint8_t buf[64];

        cmd(t, LK_CMD_REQUEST_LOG_ENTRIES, buf, ENC(lk_request_log_entries_encode, &rq, buf));
        for (unsigned i = 0; i < n; i++) {
                assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
                assert_int_equal(lk_opener_log_entry_decode(t->m.payload, t->m.len, &ret[i]), 0);
        }
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);
}

static void rto_and_ring(void **state)
{
        struct t *t = t_new(LK_GEN_OPENER, 0);
        struct lk_opener_keyturner_states s;
        struct lk_opener_log_entry e[3];
        struct sim_ring_result rr;

        pair(t);
        ostates(t, &s);
        assert_int_equal(s.lock_state, LK_OPENER_STATE_ONLINE);
        assert_int_equal(s.nuki_state, LK_NUKI_STATE_DOOR_MODE);
        assert_int_equal(s.rto_timer, 0);

        /* a ring with nothing on: logged, nothing opens */
        assert_int_equal(sim_lock_ring(t->lock, &rr), 0);
        assert_int_equal(rr.mode, LK_OPENER_RING_MODE_NONE);
        assert_false(rr.opened);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_OPENER_STATE_ONLINE);

        /* RTO on: ACCEPTED, RTO active, COMPLETE; the timer counts its minutes */
        action(t, LK_OPENER_ACTION_ACTIVATE_RTO);
        expect_status(t, LK_STATUS_ACCEPTED);
        next_ostates(t, LK_OPENER_STATE_RTO_ACTIVE);
        next_ostates(t, LK_OPENER_STATE_RTO_ACTIVE);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);
        ostates(t, &s);
        assert_int_equal(s.rto_timer, 20);
        assert_int_equal(s.last_lock_action, LK_OPENER_ACTION_ACTIVATE_RTO);
        action(t, LK_OPENER_ACTION_ACTIVATE_RTO); /* on already: COMPLETE alone */
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);

        /* a ring now opens, trigger manual, and (disable RTO after ring) ends RTO */
        assert_int_equal(sim_lock_ring(t->lock, &rr), 0);
        assert_int_equal(rr.mode, LK_OPENER_RING_MODE_RTO);
        assert_true(rr.opened);
        ostates(t, &s);
        assert_int_equal(s.lock_state, LK_OPENER_STATE_ONLINE);
        assert_int_equal(s.last_lock_action, LK_OPENER_ACTION_ELECTRIC_STRIKE);
        assert_int_equal(s.last_lock_trigger, LK_TRIGGER_MANUAL);
        olog(t, 3, e);
        assert_int_equal(e[0].type, LK_OPENER_LOG_LOCK_ACTION);
        assert_int_equal(e[0].data.action.action, LK_OPENER_ACTION_ELECTRIC_STRIKE);
        assert_int_equal(e[0].data.action.trigger, LK_TRIGGER_MANUAL);
        assert_int_equal(e[0].auth_id, 0);
        assert_int_equal(e[1].type, LK_OPENER_LOG_DOORBELL);
        assert_int_equal(e[1].data_len, LK_OPENER_LOG_DOORBELL_SIZE);
        assert_int_equal(e[1].data.doorbell.mode, LK_OPENER_RING_MODE_RTO);
        assert_int_equal(e[1].data.doorbell.source, LK_OPENER_RING_SOURCE_DOORBELL);
        assert_int_equal(e[2].type, LK_OPENER_LOG_LOCK_ACTION);
        assert_int_equal(e[2].data.action.action, LK_OPENER_ACTION_ACTIVATE_RTO);
        assert_int_equal(e[2].auth_id, t->auth_id);

        /* RTO ends by itself after its timeout (20 min) */
        action(t, LK_OPENER_ACTION_ACTIVATE_RTO);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_OPENER_STATE_RTO_ACTIVE);
        assert_int_equal(sim_lock_next_deadline(t->lock), t->now + 20 * 60);
        t->now += 19 * 60;
        sim_lock_tick(t->lock);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_OPENER_STATE_RTO_ACTIVE);
        t->now += 60;
        sim_lock_tick(t->lock);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_OPENER_STATE_ONLINE);
        olog(t, 1, e);
        assert_int_equal(e[0].data.action.action, LK_OPENER_ACTION_DEACTIVATE_RTO);
        assert_int_equal(e[0].data.action.trigger, LK_TRIGGER_AUTOMATIC);

        /* open: opening, open, back to where it was */
        action(t, LK_OPENER_ACTION_ELECTRIC_STRIKE);
        expect_status(t, LK_STATUS_ACCEPTED);
        next_ostates(t, LK_OPENER_STATE_OPENING);
        next_ostates(t, LK_OPENER_STATE_OPEN);
        next_ostates(t, LK_OPENER_STATE_ONLINE);
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);
        t_free(t);
}

static void continuous_mode(void **state)
{
        struct t *t = t_new(LK_GEN_OPENER, 0);
        struct lk_continuous_mode_action cm = { .enabled = true };
        struct lk_opener_keyturner_states s;
        struct sim_ring_result rr;
        uint8_t buf[64];

        pair(t);
        /* an App may not switch CM by Lock Action (O6.2 [DECISION]) */
        action(t, LK_OPENER_ACTION_ACTIVATE_CM);
        expect_error(t, LK_K_ERROR_NOT_AUTHORIZED, LK_CMD_LOCK_ACTION);
        /* 0x0057 needs the PIN */
        struct lk_pin wrong = { .value = 1, .size = 2 };
        cmd_pin(t, LK_CMD_CONTINUOUS_MODE_ACTION, buf, ENC(lk_continuous_mode_action_encode, &cm, buf), &wrong);
        expect_error(t, LK_K_ERROR_BAD_PIN, LK_CMD_CONTINUOUS_MODE_ACTION);
        cmd(t, LK_CMD_CONTINUOUS_MODE_ACTION, buf, ENC(lk_continuous_mode_action_encode, &cm, buf));
        expect_status(t, LK_STATUS_COMPLETE); /* no ACCEPTED (O6.2) */
        expect_done(t);
        ostates(t, &s);
        assert_int_equal(s.nuki_state, LK_NUKI_STATE_CONTINUOUS_MODE);
        assert_int_equal(s.lock_state, LK_OPENER_STATE_ONLINE);
        assert_int_equal(s.last_lock_action, LK_OPENER_ACTION_ACTIVATE_CM);

        /* every ring opens in CM, and CM stays */
        for (int i = 0; i < 2; i++) {
                assert_int_equal(sim_lock_ring(t->lock, &rr), 0);
                assert_int_equal(rr.mode, LK_OPENER_RING_MODE_CM);
                assert_true(rr.opened);
        }
        ostates(t, &s);
        assert_int_equal(s.nuki_state, LK_NUKI_STATE_CONTINUOUS_MODE);

        /* a bridge may use Lock Action 0x05 */
        struct lk_pair_result res;
        assert_int_equal(sim_lock_press_button(t->lock, 5), 1);
        assert_int_equal(pair_as(t, LK_ID_BRIDGE, 77, "Bridge", 0, &res, NULL), 0);
        t->auth_id = res.auth_id;
        memcpy(t->key, res.shared_key, LK_KEY_SIZE);
        action(t, LK_OPENER_ACTION_DEACTIVATE_CM);
        expect_status(t, LK_STATUS_ACCEPTED);
        next_ostates(t, LK_OPENER_STATE_ONLINE);
        next_ostates(t, LK_OPENER_STATE_ONLINE);
        expect_status(t, LK_STATUS_COMPLETE);
        ostates(t, &s);
        assert_int_equal(s.nuki_state, LK_NUKI_STATE_DOOR_MODE);

        /* Smart Lock actions mean nothing here */
        struct lk_simple_lock_action sa = { .action = LK_ACTION_UNLOCK };
        cmd(t, LK_CMD_SIMPLE_LOCK_ACTION, buf, ENC(lk_simple_lock_action_encode, &sa, buf));
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_SIMPLE_LOCK_ACTION);
        action(t, LK_ACTION_FULL_LOCK); /* 0x06: no Opener action */
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_LOCK_ACTION);
        assert_int_equal(sim_lock_turn_knob(t->lock, LK_ACTION_UNLOCK), -EOPNOTSUPP);
        t_free(t);
}

static void config_round_trip(void **state)
{
        struct t *t = t_new(LK_GEN_OPENER, 0);
        struct lk_opener_config c, c2;
        struct lk_opener_set_config sc;
        struct lk_opener_advanced_config a, a2;
        uint8_t buf[LK_PAYLOAD_MAX];

        pair(t);
        cmd(t, LK_CMD_REQUEST_CONFIG, NULL, 0);
        assert_int_equal(next(t), LK_CMD_CONFIG);
        assert_int_equal(t->m.len, LK_OPENER_CONFIG_FULL); /* [DECISION O4.1] 73 */
        assert_int_equal(lk_opener_config_decode(t->m.payload, t->m.len, &c), 0);
        assert_int_equal(c.capabilities, LK_OPENER_CAP_BOTH);
        assert_int_equal(c.fob_action[0], LK_OPENER_FOB_TOGGLE_RTO);

        /* read-modify-write the operating mode: nothing else changes */
        lk_opener_set_config_from_config(&c, &sc);
        sc.operating_mode = LK_OPENER_MODE_SIEDLE;
        cmd(t, LK_CMD_SET_CONFIG, buf, ENC(lk_opener_set_config_encode, &sc, buf));
        expect_status(t, LK_STATUS_COMPLETE);
        cmd(t, LK_CMD_REQUEST_CONFIG, NULL, 0);
        assert_int_equal(next(t), LK_CMD_CONFIG);
        assert_int_equal(lk_opener_config_decode(t->m.payload, t->m.len, &c2), 0);
        assert_int_equal(c2.operating_mode, LK_OPENER_MODE_SIEDLE);
        assert_string_equal(c2.name, c.name);
        assert_memory_equal(c2.fob_action, c.fob_action, 3);
        sc.operating_mode = LK_OPENER_MODE_MAX + 1; /* O8 0x50 */
        cmd(t, LK_CMD_SET_CONFIG, buf, ENC(lk_opener_set_config_encode, &sc, buf));
        expect_error(t, LK_OPENER_K_ERROR_OPERATING_MODE_UNKNOWN, LK_CMD_SET_CONFIG);
        /* a Smart Lock's 80-byte Set Config is the wrong length here */
        struct lk_set_config slc = { .name = "x" };
        cmd(t, LK_CMD_SET_CONFIG, buf, ENC(lk_set_config_encode, &slc, buf));
        expect_error(t, LK_ERROR_BAD_LENGTH, LK_CMD_SET_CONFIG);

        /* Advanced Config: 27 bytes; byte 12 is echoed; pyNukiBT's 25-byte write is taken */
        cmd(t, LK_CMD_REQUEST_ADVANCED_CONFIG, NULL, 0);
        assert_int_equal(next(t), LK_CMD_ADVANCED_CONFIG);
        assert_int_equal(t->m.len, LK_OPENER_ADVANCED_CONFIG_FULL);
        assert_int_equal(lk_opener_advanced_config_decode(t->m.payload, t->m.len, &a), 0);
        a.rto_timeout = 45;
        a.undocumented_12 = 0x5A;
        cmd(t, LK_CMD_SET_ADVANCED_CONFIG, buf, ENC(lk_opener_set_advanced_config_encode, &a, buf));
        expect_status(t, LK_STATUS_COMPLETE);
        cmd(t, LK_CMD_REQUEST_ADVANCED_CONFIG, NULL, 0);
        assert_int_equal(next(t), LK_CMD_ADVANCED_CONFIG);
        assert_int_equal(lk_opener_advanced_config_decode(t->m.payload, t->m.len, &a2), 0);
        assert_int_equal(a2.rto_timeout, 45);
        assert_int_equal(a2.undocumented_12, 0x5A);
        a2.len = LK_OPENER_ADV_SETTINGS_PYNUKIBT;
        a2.undocumented_12 = 0;
        a2.rto_timeout = 30;
        cmd(t, LK_CMD_SET_ADVANCED_CONFIG, buf, ENC(lk_opener_set_advanced_config_encode, &a2, buf));
        expect_status(t, LK_STATUS_COMPLETE);
        a2.rto_timeout = 61; /* O5.1: 5..60 */
        cmd(t, LK_CMD_SET_ADVANCED_CONFIG, buf, ENC(lk_opener_set_advanced_config_encode, &a2, buf));
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_SET_ADVANCED_CONFIG);

        /* the image keeps the Opener's own settings and modes */
        uint8_t *img;
        size_t len;
        struct sim_lock *copy;
        char *json;
        struct lk_continuous_mode_action cm = { .enabled = true };
        cmd(t, LK_CMD_CONTINUOUS_MODE_ACTION, buf, ENC(lk_continuous_mode_action_encode, &cm, buf));
        expect_status(t, LK_STATUS_COMPLETE);
        assert_int_equal(sim_lock_save(t->lock, &img, &len), 0);
        assert_int_equal(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, len, &copy), 0);
        sim_image_free(img, len);
        assert_int_equal(sim_lock_state_json(copy, &json), 0);
        assert_non_null(strstr(json, "\"continuous_mode\":true"));
        assert_non_null(strstr(json, "\"rto_timeout_min\":30"));
        assert_non_null(strstr(json, lk_opener_operating_mode_name(LK_OPENER_MODE_SIEDLE)));
        free(json);
        sim_lock_free(copy);
        t_free(t);
}

static void keypad_on_opener(void **state)
{
        struct t *t = t_new(LK_GEN_OPENER, 0);
        struct lk_keypad_code kc = { .code = 456789, .name = "Guest" };
        struct sim_keypad_result kr;
        struct lk_opener_log_entry e[1];
        struct lk_opener_keyturner_states s;
        uint8_t buf[LK_PAYLOAD_MAX];

        pair(t);
        cmd(t, LK_CMD_ADD_KEYPAD_CODE, buf, ENC(lk_add_keypad_code_encode, &kc, buf));
        assert_int_equal(next(t), LK_CMD_KEYPAD_CODE_ID);
        expect_status(t, LK_STATUS_COMPLETE);
        ostates(t, &s);
        assert_int_equal(s.accessory_battery_state, LK_OPENER_KEYPAD_BATTERY_INFO);
        /* [DECISION O12.7] any key opens; logged as a keypad entry with the Opener's action */
        assert_int_equal(sim_lock_keypad_type(t->lock, 456789, 2, &kr), 0);
        assert_int_equal(kr.completion, LK_COMPLETION_SUCCESS);
        assert_int_equal(kr.code_id, 1);
        olog(t, 1, e);
        /* the keypad entry is the run's only one, as on a Smart Lock */
        assert_int_equal(e[0].type, LK_OPENER_LOG_KEYPAD_ACTION);
        assert_int_equal(e[0].data.keypad.action, LK_OPENER_ACTION_ELECTRIC_STRIKE);
        assert_int_equal(e[0].data.keypad.code_id, 1);
        ostates(t, &s);
        assert_int_equal(s.last_lock_action, LK_OPENER_ACTION_ELECTRIC_STRIKE);
        assert_int_equal(s.lock_state, LK_OPENER_STATE_ONLINE);
        t_free(t);
}

static void smart_lock_has_no_opener_commands(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        struct lk_continuous_mode_action cm = { .enabled = true };
        struct sim_ring_result rr;
        uint8_t buf[64];

        pair(t);
        assert_int_equal(sim_lock_ring(t->lock, &rr), -EOPNOTSUPP);
        cmd(t, LK_CMD_CONTINUOUS_MODE_ACTION, buf, ENC(lk_continuous_mode_action_encode, &cm, buf));
        expect_error(t, LK_ERROR_UNKNOWN, LK_CMD_CONTINUOUS_MODE_ACTION);
        t_free(t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(rto_and_ring),
                cmocka_unit_test(continuous_mode),
                cmocka_unit_test(config_round_trip),
                cmocka_unit_test(keypad_on_opener),
                cmocka_unit_test(smart_lock_has_no_opener_commands),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("sim-opener", tests, NULL, NULL);
}
