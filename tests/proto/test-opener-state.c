/* SPDX-License-Identifier: MIT */
/*
 * The Opener's state and actions (nuki-opener.md O3, O6): Keyturner States, Lock Action with
 * the Opener's values, Continuous Mode Action and its trailer. Vectors are written byte by
 * byte from the spec's tables, not from our encoder, so a wrong offset fails here.
 */
#include <errno.h>

#include "latchkey/proto.h"
#include "codec-test.h"
#include "lk-test.h"

/*
 * O3, 26 bytes [DECISION O3]: door mode, RTO active, trigger system, 2025-06-01 12:34:56 UTC,
 * offset +120 min, battery fine, config count 5, RTO timer 20, last action activate RTO by
 * system with success, bytes 18–24 zero, keypad battery reported and critical.
 */
#define STATES_26 "02 03 00 E907 06 01 0C 22 38 7800 00 05 14 01 00 00 00000000000000 03"

static uint8_t nk[LK_CHALLENGE_SIZE];

static int setup(void **state)
{
        hex(NK, nk, sizeof(nk));
        return 0;
}

static void states_26(struct lk_opener_keyturner_states *m)
{
        ZERO(*m);
        m->len = LK_OPENER_KEYTURNER_STATES_FULL;
        m->nuki_state = LK_NUKI_STATE_DOOR_MODE;
        m->lock_state = LK_OPENER_STATE_RTO_ACTIVE;
        m->trigger = LK_TRIGGER_SYSTEM;
        m->current_time = (struct lk_datetime){ 2025, 6, 1, 12, 34, 56 };
        m->timezone_offset = 120;
        m->config_update_count = 5;
        m->rto_timer = 20;
        m->last_lock_action = LK_OPENER_ACTION_ACTIVATE_RTO;
        m->last_lock_trigger = LK_TRIGGER_SYSTEM;
        m->last_lock_completion = LK_COMPLETION_SUCCESS;
        m->accessory_battery_state = LK_OPENER_KEYPAD_BATTERY_INFO |
                                    LK_OPENER_KEYPAD_BATTERY_CRITICAL;
}

static void states_vector_both_roles(void **state)
{
        struct lk_opener_keyturner_states want, got;
        uint8_t buf[64], out[64];
        size_t n = hex(STATES_26, buf, sizeof(buf));

        states_26(&want);
        assert_int_equal(n, 26);
        memset(&got, POISON, sizeof(got));
        assert_int_equal(lk_opener_keyturner_states_decode(buf, n, &got), 0);
        assert_memory_equal(&got, &want, sizeof(got));
        assert_true(lk_opener_keypad_battery_critical(&got));
        assert_string_equal(lk_opener_lock_state_name(got.lock_state), "ring to open active");
        assert_string_equal(lk_opener_action_name(got.last_lock_action), "activate ring to open");

        /* the lock role sends the same bytes */
        assert_int_equal(lk_opener_keyturner_states_encode(&want, out, sizeof(out)), 26);
        assert_hex_equal(out, 26, STATES_26);

        /* continuous mode is a Nuki state (O3, O7.1); negative offsets are sint16 */
        buf[0] = LK_NUKI_STATE_CONTINUOUS_MODE;
        buf[10] = 0xC4, buf[11] = 0xFF;
        assert_int_equal(lk_opener_keyturner_states_decode(buf, n, &got), 0);
        assert_int_equal(got.nuki_state, LK_NUKI_STATE_CONTINUOUS_MODE);
        assert_int_equal(got.timezone_offset, -60);
}

/* Bytes 18–24 are not identified (O3 conflict): whatever comes is kept, so nothing is lost. */
static void states_unidentified_bytes_kept(void **state)
{
        struct lk_opener_keyturner_states s;

        states_26(&s);
        for (size_t i = 0; i < sizeof(s.unidentified); i++)
                s.unidentified[i] = (uint8_t)(0x10 + i);
        ROUNDTRIP(struct lk_opener_keyturner_states, lk_opener_keyturner_states_encode,
                  lk_opener_keyturner_states_decode, s, 26, LONGER_IGNORED);
}

/*
 * Any length 13..26 decodes: the fields that are there, the rest absent (zero). 22 is the
 * shortest real Opener answer known (go-nuki), 19 what pyNukiBT needs.
 */
static void states_every_length(void **state)
{
        struct lk_opener_keyturner_states full;
        struct lk_opener_keyturner_states s, got;
        uint8_t buf[64], out[64];

        states_26(&full);
        hex(STATES_26, buf, sizeof(buf));
        for (size_t n = LK_OPENER_KEYTURNER_STATES_MIN; n <= LK_OPENER_KEYTURNER_STATES_FULL; n++) {
                assert_int_equal(lk_opener_keyturner_states_decode(buf, n, &got), 0);
                assert_int_equal(got.len, n);
                assert_int_equal(got.lock_state, LK_OPENER_STATE_RTO_ACTIVE);
                assert_int_equal(got.config_update_count, n > 13 ? 5 : 0);
                assert_int_equal(got.rto_timer, n > 14 ? 20 : 0);
                assert_int_equal(got.last_lock_action, n > 15 ? LK_OPENER_ACTION_ACTIVATE_RTO : 0);
                assert_int_equal(got.accessory_battery_state, n > 25 ? 3 : 0);
                assert_int_equal(lk_opener_keypad_battery_critical(&got), n > 25);
                /* and the lock role sends exactly that prefix */
                assert_int_equal(lk_opener_keyturner_states_encode(&got, out, sizeof(out)),
                                 (ssize_t)n);
                assert_memory_equal(out, buf, n);
        }
        memcpy(&s, &full, sizeof(s));
        s.len = LK_OPENER_KEYTURNER_STATES_MIN;
        s.config_update_count = s.rto_timer = s.last_lock_action = 0;
        s.accessory_battery_state = 0;
        ROUNDTRIP(struct lk_opener_keyturner_states, lk_opener_keyturner_states_encode,
                  lk_opener_keyturner_states_decode, s, 13, SHORTER_REFUSED);
}

/* Limits: 12 refused, 27 and more decode as 26 (newer firmware); the encoder keeps 13..26. */
static void states_limits(void **state)
{
        struct lk_opener_keyturner_states s, got, first;
        uint8_t buf[LK_PAYLOAD_MAX];

        states_26(&s);
        hex(STATES_26, buf, sizeof(buf));
        memset(buf + 26, 0x77, sizeof(buf) - 26);
        assert_int_equal(lk_opener_keyturner_states_decode(buf, 26, &first), 0);
        for (size_t n = 27; n <= sizeof(buf); n++) {
                assert_int_equal(lk_opener_keyturner_states_decode(buf, n, &got), 0);
                assert_memory_equal(&got, &first, sizeof(got));
        }
        memset(&got, POISON, sizeof(got));
        assert_int_equal(lk_opener_keyturner_states_decode(buf, 12, &got), -EBADMSG);
        assert_int_equal(((uint8_t *)&got)[0], POISON);
        assert_int_equal(lk_opener_keyturner_states_decode(buf, 0, &got), -EBADMSG);

        s.len = 12;
        assert_int_equal(lk_opener_keyturner_states_encode(&s, buf, sizeof(buf)), -EINVAL);
        s.len = 27;
        assert_int_equal(lk_opener_keyturner_states_encode(&s, buf, sizeof(buf)), -EINVAL);
        s.len = 26;
        assert_int_equal(lk_opener_keyturner_states_encode(&s, buf, 25), -ENOBUFS);
}

/* O3: critical only when both bits are set; a lock without the byte has no keypad report. */
static void states_keypad_battery(void **state)
{
        struct lk_opener_keyturner_states s;

        states_26(&s);
        s.accessory_battery_state = LK_OPENER_KEYPAD_BATTERY_CRITICAL; /* info bit missing */
        assert_false(lk_opener_keypad_battery_critical(&s));
        s.accessory_battery_state = LK_OPENER_KEYPAD_BATTERY_INFO;
        assert_false(lk_opener_keypad_battery_critical(&s));
        s.accessory_battery_state = 0xFF;
        assert_true(lk_opener_keypad_battery_critical(&s));
        s.len = 25;
        assert_false(lk_opener_keypad_battery_critical(&s));
}

/*
 * O6.1: Lock Action's layout is the Smart Lock's; the Opener's values go through it
 * unchanged, and the lock role reads them back (electric strike, geofence flag, suffix).
 */
static void lock_action_opener_values(void **state)
{
        struct lk_lock_action_msg la, got;
        uint8_t buf[LK_PAYLOAD_MAX], got_nonce[LK_CHALLENGE_SIZE];
        size_t fields;
        ssize_t n;

        ZERO(la);
        la.action = LK_OPENER_ACTION_ELECTRIC_STRIKE;
        la.app_id = 0x11223344;
        la.flags = LK_OPENER_ACTION_FLAG_GEOFENCE;
        n = lk_lock_action_encode(&la, buf, sizeof(buf));
        assert_int_equal(n, 6);
        n = lk_cmd_finish(LK_CMD_LOCK_ACTION, buf, (size_t)n, sizeof(buf), nk, NULL);
        assert_int_equal(n, 38);
        assert_hex_equal(buf, n, "03 44332211 01" NK);

        assert_int_equal(lk_cmd_split(LK_CMD_LOCK_ACTION, buf, (size_t)n, 2, &fields, got_nonce,
                                      NULL), 0);
        assert_int_equal(lk_lock_action_decode(buf, fields, &got), 0);
        assert_int_equal(got.action, LK_OPENER_ACTION_ELECTRIC_STRIKE);
        assert_int_equal(got.flags, LK_OPENER_ACTION_FLAG_GEOFENCE);
        assert_string_equal(lk_opener_action_name(got.action), "electric strike actuation");

        for (uint8_t a = LK_OPENER_ACTION_ACTIVATE_RTO; a <= LK_OPENER_ACTION_DEACTIVATE_CM; a++) {
                la.action = a;
                la.flags = LK_OPENER_ACTION_FLAG_FORCE;
                set_str(la.suffix, sizeof(la.suffix), "front door");
                ROUNDTRIP(struct lk_lock_action_msg, lk_lock_action_encode, lk_lock_action_decode,
                          la, 26, EXACT);
        }
}

/* O6.2: Apps switch continuous mode with 0x0057, every other authorization may use 0x000D. */
static void cm_via_lock_action_by_id_type(void **state)
{
        assert_false(lk_opener_cm_via_lock_action(LK_ID_APP));
        assert_true(lk_opener_cm_via_lock_action(LK_ID_BRIDGE));
        assert_true(lk_opener_cm_via_lock_action(LK_ID_FOB));
        assert_true(lk_opener_cm_via_lock_action(LK_ID_KEYPAD));
        assert_true(lk_opener_cm_via_lock_action(LK_ID_KEYPAD_2));
}

/* O6.2: enabled ‖ timeout ‖ N ‖ PIN, 36 bytes with the Opener's 2-byte PIN. */
static void cm_action_vector_both_roles(void **state)
{
        struct lk_continuous_mode_action cm = { .enabled = true, .timeout = 0 }, got;
        const struct lk_pin pin = { .value = 1234, .size = 2 };
        uint8_t buf[LK_PAYLOAD_MAX], got_nonce[LK_CHALLENGE_SIZE];
        struct lk_pin got_pin;
        size_t fields;
        ssize_t n;

        assert_int_equal(lk_cmd_auth(LK_CMD_CONTINUOUS_MODE_ACTION), LK_AUTH_NONCE_PIN);
        n = lk_continuous_mode_action_encode(&cm, buf, sizeof(buf));
        assert_int_equal(n, LK_CONTINUOUS_MODE_ACTION_SIZE);
        n = lk_cmd_finish(LK_CMD_CONTINUOUS_MODE_ACTION, buf, (size_t)n, sizeof(buf), nk, &pin);
        assert_int_equal(n, 36);
        assert_hex_equal(buf, n, "01 00" NK "D204");
        /* without a PIN it cannot be sent */
        assert_int_equal(lk_cmd_finish(LK_CMD_CONTINUOUS_MODE_ACTION, buf, 2, sizeof(buf), nk,
                                       NULL), -EINVAL);

        /* the lock role */
        n = 36;
        assert_int_equal(lk_cmd_split(LK_CMD_CONTINUOUS_MODE_ACTION, buf, (size_t)n, 2, &fields,
                                      got_nonce, &got_pin), 0);
        assert_int_equal(fields, 2);
        assert_memory_equal(got_nonce, nk, sizeof(nk));
        assert_int_equal(got_pin.value, 1234);
        assert_int_equal(lk_continuous_mode_action_decode(buf, fields, &got), 0);
        assert_true(got.enabled);
        assert_int_equal(got.timeout, 0);

        /* any non-zero byte is "activate"; the timeout is kept as sent */
        hex("02 7F", buf, sizeof(buf));
        assert_int_equal(lk_continuous_mode_action_decode(buf, 2, &got), 0);
        assert_true(got.enabled);
        assert_int_equal(got.timeout, 0x7F);

        cm.enabled = false;
        cm.timeout = 0xFF;
        ROUNDTRIP(struct lk_continuous_mode_action, lk_continuous_mode_action_encode,
                  lk_continuous_mode_action_decode, cm, 2, EXACT);
        assert_int_equal(lk_continuous_mode_action_decode(buf, 0, &got), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(states_vector_both_roles),
                cmocka_unit_test(states_unidentified_bytes_kept),
                cmocka_unit_test(states_every_length),
                cmocka_unit_test(states_limits),
                cmocka_unit_test(states_keypad_battery),
                cmocka_unit_test(lock_action_opener_values),
                cmocka_unit_test(cm_via_lock_action_by_id_type),
                cmocka_unit_test(cm_action_vector_both_roles),
        };

        return cmocka_run_group_tests(tests, setup, NULL);
}
