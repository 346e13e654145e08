/* SPDX-License-Identifier: MIT */
/*
 * The Opener's configuration (nuki-opener.md O4, O5): Config, Set Config, Advanced Config and
 * Set Advanced Config, both roles. Vectors are written from the spec's tables byte by byte;
 * the Config offsets agree with go-nuki's Opener reader (O4.1 [OSS-G]).
 */
#include <errno.h>

#include "latchkey/proto.h"
#include "codec-test.h"
#include "lk-test.h"

#define NAME_HEX "46726F6E7420446F6F72" "00000000000000000000000000000000000000000000" /* 32 */

/*
 * O4.1, 73 bytes: Nuki ID 2A3B4C5D, "Front Door", 52.5 / 13.25, door opener + RTO, pairing and
 * button on, LED flash off, 2025-06-01 12:34:56 UTC, +60 min, European DST, a fob (toggle RTO,
 * open, ring), Siedle, automatic advertising, keypad 1.0, firmware 1.6.4, hardware 2.1,
 * Europe/Berlin (37), Keypad 2.0.
 */
#define CONFIG_72 "5D4C3B2A" NAME_HEX "00005242 00005441 01 01 01 00 E907 06 01 0C 22 38 3C00 " \
                  "01 01 01 07 08 03 00 01 010604 0201 2500"
#define CONFIG_73 CONFIG_72 "01"

/* O4.2, 54 bytes: the settings of CONFIG_73. */
#define SET_CONFIG "" NAME_HEX "00005242 00005441 01 01 01 00 3C00 01 01 07 08 03 00 2500"

/*
 * O5.1, 27 bytes: intercom 0x0123, short-circuit bus switch of 250 ms, strike after 1000 ms
 * (random), for 3000 ms, RTO off after a ring, RTO timeout 20 min, byte 12 = 5A, suppress CM
 * and ring for 500 ms, sounds 1/2/3/none, confirmation, level 150, single press open, double
 * toggle RTO, lithium, automatic detection, auto-update.
 */
#define ADV_HEAD "2301 01 FA00 E803 01 B80B 01 14"
#define ADV_TAIL "05 F401 01 02 03 00 01 96 07 01 02 01"
#define ADV_26 ADV_HEAD "5A" ADV_TAIL
#define ADV_27 ADV_26 "01"
#define ADV_PYNUKIBT ADV_HEAD ADV_TAIL /* 25: no byte 12 (O5.2) */

static uint8_t nk[LK_CHALLENGE_SIZE];

static int setup(void **state)
{
        hex(NK, nk, sizeof(nk));
        return 0;
}

static void config_73(struct lk_opener_config *m)
{
        ZERO(*m);
        m->len = LK_OPENER_CONFIG_FULL;
        m->nuki_id = 0x2A3B4C5D;
        set_str(m->name, sizeof(m->name), "Front Door");
        m->latitude = 52.5f;
        m->longitude = 13.25f;
        m->capabilities = LK_OPENER_CAP_BOTH;
        m->pairing_enabled = true;
        m->button_enabled = true;
        m->current_time = (struct lk_datetime){ 2025, 6, 1, 12, 34, 56 };
        m->timezone_offset = 60;
        m->dst_mode = LK_DST_EUROPEAN;
        m->has_fob = true;
        m->fob_action[0] = LK_OPENER_FOB_TOGGLE_RTO;
        m->fob_action[1] = LK_OPENER_FOB_OPEN;
        m->fob_action[2] = LK_OPENER_FOB_RING;
        m->operating_mode = LK_OPENER_MODE_SIEDLE;
        m->advertising_mode = LK_ADV_AUTOMATIC;
        m->has_keypad = true;
        memcpy(m->firmware_version, (const uint8_t[]){ 1, 6, 4 }, 3);
        memcpy(m->hardware_revision, (const uint8_t[]){ 2, 1 }, 2);
        m->timezone_id = 37;
        m->has_keypad_2 = true;
}

static void advanced_27(struct lk_opener_advanced_config *m)
{
        ZERO(*m);
        m->len = LK_OPENER_ADVANCED_CONFIG_FULL;
        m->intercom_id = 0x0123;
        m->bus_mode_switch = LK_OPENER_BUS_SWITCH_SHORT_CIRCUIT;
        m->short_circuit_duration = 250;
        m->electric_strike_delay = 1000;
        m->random_electric_strike_delay = true;
        m->electric_strike_duration = 3000;
        m->disable_rto_after_ring = true;
        m->rto_timeout = 20;
        m->undocumented_12 = 0x5A;
        m->doorbell_suppression = LK_OPENER_SUPPRESS_CM | LK_OPENER_SUPPRESS_RING;
        m->doorbell_suppression_duration = 500;
        m->sound_ring = LK_OPENER_SOUND_1;
        m->sound_open = LK_OPENER_SOUND_2;
        m->sound_rto = LK_OPENER_SOUND_3;
        m->sound_cm = LK_OPENER_SOUND_NONE;
        m->sound_confirmation = true;
        m->sound_level = 150;
        m->single_button_action = LK_OPENER_BUTTON_OPEN;
        m->double_button_action = LK_OPENER_BUTTON_TOGGLE_RTO;
        m->battery_type = LK_BATTERY_LITHIUM;
        m->automatic_battery_type_detection = true;
        m->auto_update_enabled = true;
}

static void config_vector_both_roles(void **state)
{
        struct lk_opener_config want, got;
        uint8_t buf[LK_PAYLOAD_MAX], out[LK_PAYLOAD_MAX];
        size_t n = hex(CONFIG_73, buf, sizeof(buf));

        config_73(&want);
        assert_int_equal(n, 73);
        memset(&got, POISON, sizeof(got));
        assert_int_equal(lk_opener_config_decode(buf, n, &got), 0);
        assert_memory_equal(&got, &want, sizeof(got));
        assert_string_equal(lk_opener_operating_mode_name(got.operating_mode),
                            "digital intercom Siedle");
        assert_string_equal(lk_opener_capabilities_name(got.capabilities),
                            "door opener and ring to open");
        assert_string_equal(lk_opener_fob_action_name(got.fob_action[2]), "ring");

        assert_int_equal(lk_opener_config_encode(&want, out, sizeof(out)), 73);
        assert_hex_equal(out, 73, CONFIG_73);
        ROUNDTRIP(struct lk_opener_config, lk_opener_config_encode, lk_opener_config_decode, want,
                  73, LONGER_IGNORED);
}

/* Opener 2.0's 72 bytes (go-nuki): everything but the Keypad 2.0 flag, which is absent. */
static void config_72_lacks_keypad_2(void **state)
{
        struct lk_opener_config want, got;
        uint8_t buf[LK_PAYLOAD_MAX], out[LK_PAYLOAD_MAX];
        size_t n = hex(CONFIG_72, buf, sizeof(buf));

        config_73(&want);
        assert_int_equal(n, 72);
        assert_int_equal(lk_opener_config_decode(buf, n, &got), 0);
        want.len = 72;
        want.has_keypad_2 = false;
        assert_memory_equal(&got, &want, sizeof(got));
        assert_int_equal(lk_opener_config_encode(&got, out, sizeof(out)), 72);
        assert_hex_equal(out, 72, CONFIG_72);
        ROUNDTRIP(struct lk_opener_config, lk_opener_config_encode, lk_opener_config_decode, want,
                  72, SHORTER_REFUSED);
}

/* 71 refused; 74 up to the largest payload decode as 73 (O4.1: accept longer, ignore it). */
static void config_limits(void **state)
{
        struct lk_opener_config c, got, first;
        uint8_t buf[LK_PAYLOAD_MAX];

        config_73(&c);
        hex(CONFIG_73, buf, sizeof(buf));
        memset(buf + 73, 0x99, sizeof(buf) - 73);
        assert_int_equal(lk_opener_config_decode(buf, 73, &first), 0);
        for (size_t n = 74; n <= sizeof(buf); n++) {
                assert_int_equal(lk_opener_config_decode(buf, n, &got), 0);
                assert_memory_equal(&got, &first, sizeof(got));
        }
        for (size_t n = 0; n < LK_OPENER_CONFIG_MIN; n++) {
                memset(&got, POISON, sizeof(got));
                assert_int_equal(lk_opener_config_decode(buf, n, &got), -EBADMSG);
                assert_int_equal(((uint8_t *)&got)[sizeof(got) - 1], POISON);
        }

        c.len = 71;
        assert_int_equal(lk_opener_config_encode(&c, buf, sizeof(buf)), -EINVAL);
        c.len = 74;
        assert_int_equal(lk_opener_config_encode(&c, buf, sizeof(buf)), -EINVAL);
        c.len = 73;
        assert_int_equal(lk_opener_config_encode(&c, buf, 72), -ENOBUFS);
        /* a name of 32 bytes fits exactly; one that is not UTF-8 or not terminated does not */
        memset(c.name, 'a', 32);
        c.name[32] = '\0';
        assert_int_equal(lk_opener_config_encode(&c, buf, sizeof(buf)), 73);
        assert_int_equal(lk_opener_config_decode(buf, 73, &got), 0);
        assert_string_equal(got.name, c.name);
        c.name[32] = 'a';
        assert_int_equal(lk_opener_config_encode(&c, buf, sizeof(buf)), -EMSGSIZE);
        set_str(c.name, sizeof(c.name), "\xff");
        assert_int_equal(lk_opener_config_encode(&c, buf, sizeof(buf)), -EBADMSG);
}

/* O4.2: 54 field bytes, 88 with nonce and PIN; the lock role takes it apart again. */
static void set_config_vector_both_roles(void **state)
{
        struct lk_opener_config c;
        struct lk_opener_set_config s, got;
        const struct lk_pin pin = { .value = 1234, .size = 2 };
        uint8_t buf[LK_PAYLOAD_MAX], got_nonce[LK_CHALLENGE_SIZE];
        struct lk_pin got_pin;
        size_t fields;
        ssize_t n;

        config_73(&c);
        lk_opener_set_config_from_config(&c, &s);
        n = lk_opener_set_config_encode(&s, buf, sizeof(buf));
        assert_int_equal(n, LK_OPENER_SET_CONFIG_SIZE);
        assert_hex_equal(buf, n, SET_CONFIG);
        n = lk_cmd_finish(LK_CMD_SET_CONFIG, buf, (size_t)n, sizeof(buf), nk, &pin);
        assert_int_equal(n, 88);

        assert_int_equal(lk_cmd_split(LK_CMD_SET_CONFIG, buf, (size_t)n, 2, &fields, got_nonce,
                                      &got_pin), 0);
        assert_int_equal(fields, 54);
        assert_int_equal(got_pin.value, 1234);
        memset(&got, POISON, sizeof(got));
        assert_int_equal(lk_opener_set_config_decode(buf, fields, &got), 0);
        assert_memory_equal(&got, &s, sizeof(got));
        assert_int_equal(got.operating_mode, LK_OPENER_MODE_SIEDLE);
        assert_int_equal(got.timezone_id, 37);

        ROUNDTRIP(struct lk_opener_set_config, lk_opener_set_config_encode,
                  lk_opener_set_config_decode, s, 54, EXACT);
        /* a Smart Lock's 55-byte Set Config is not an Opener's */
        assert_int_equal(lk_opener_set_config_decode(buf, LK_SET_CONFIG_SIZE, &got), -EBADMSG);
}

/* Read-modify-write: a Set Config made from a Config changes only what the caller sets. */
static void set_config_from_config_keeps_every_setting(void **state)
{
        struct lk_opener_config c;
        struct lk_opener_set_config s, want;
        uint8_t buf[LK_PAYLOAD_MAX], expect[LK_PAYLOAD_MAX];

        config_73(&c);
        /* every field lands where the Opener's Set Config carries it */
        hex(SET_CONFIG, expect, sizeof(expect));
        assert_int_equal(lk_opener_set_config_decode(expect, 54, &want), 0);
        memset(&s, POISON, sizeof(s));
        lk_opener_set_config_from_config(&c, &s);
        assert_memory_equal(&s, &want, sizeof(s));

        /* a new zone changes bytes 52–53 and nothing else */
        s.timezone_id = 40; /* Europe/London */
        assert_int_equal(lk_opener_set_config_encode(&s, buf, sizeof(buf)), 54);
        assert_memory_equal(buf, expect, 52);
        assert_int_equal(buf[52], 40);
        assert_int_equal(buf[53], 0);
}

static void advanced_config_vector_both_roles(void **state)
{
        struct lk_opener_advanced_config want, got;
        uint8_t buf[LK_PAYLOAD_MAX], out[LK_PAYLOAD_MAX];
        size_t n = hex(ADV_27, buf, sizeof(buf));

        advanced_27(&want);
        assert_int_equal(n, 27);
        memset(&got, POISON, sizeof(got));
        assert_int_equal(lk_opener_advanced_config_decode(buf, n, &got), 0);
        assert_memory_equal(&got, &want, sizeof(got));
        assert_int_equal(lk_opener_advanced_config_encode(&want, out, sizeof(out)), 27);
        assert_hex_equal(out, 27, ADV_27);
        ROUNDTRIP(struct lk_opener_advanced_config, lk_opener_advanced_config_encode,
                  lk_opener_advanced_config_decode, want, 27, LONGER_IGNORED);

        /* 26 bytes: firmware without auto-update; the flag is absent */
        want.len = 26;
        want.auto_update_enabled = false;
        assert_int_equal(lk_opener_advanced_config_decode(buf, 26, &got), 0);
        assert_memory_equal(&got, &want, sizeof(got));
        ROUNDTRIP(struct lk_opener_advanced_config, lk_opener_advanced_config_encode,
                  lk_opener_advanced_config_decode, want, 26, SHORTER_REFUSED);

        /* 28 and more decode as 27; the encoder keeps 26..27 */
        memset(buf + 27, 0x44, sizeof(buf) - 27);
        assert_int_equal(lk_opener_advanced_config_decode(buf, sizeof(buf), &got), 0);
        assert_int_equal(got.len, 27);
        assert_true(got.auto_update_enabled);
        want.len = 25;
        assert_int_equal(lk_opener_advanced_config_encode(&want, out, sizeof(out)), -EINVAL);
        want.len = 28;
        assert_int_equal(lk_opener_advanced_config_encode(&want, out, sizeof(out)), -EINVAL);
}

/* O5.2: 26 bytes (60 with the trailer); byte 12 is echoed; auto-update is never sent. */
static void set_advanced_config_echoes_byte_12(void **state)
{
        struct lk_opener_advanced_config read, got;
        const struct lk_pin pin = { .value = 1234, .size = 2 };
        uint8_t buf[LK_PAYLOAD_MAX], got_nonce[LK_CHALLENGE_SIZE];
        size_t n = hex(ADV_27, buf, sizeof(buf)), fields;
        ssize_t r;

        /* read-modify-write: what was read, with a new RTO timeout */
        assert_int_equal(lk_opener_advanced_config_decode(buf, n, &read), 0);
        read.rto_timeout = 45;
        r = lk_opener_set_advanced_config_encode(&read, buf, sizeof(buf));
        assert_int_equal(r, 26);
        buf[11] = 0x14; /* back to the vector's value, to compare */
        assert_hex_equal(buf, 26, ADV_26);
        buf[11] = 45;
        r = lk_cmd_finish(LK_CMD_SET_ADVANCED_CONFIG, buf, 26, sizeof(buf), nk, &pin);
        assert_int_equal(r, 60);

        assert_int_equal(lk_cmd_split(LK_CMD_SET_ADVANCED_CONFIG, buf, (size_t)r, 2, &fields,
                                      got_nonce, NULL), 0);
        assert_int_equal(lk_opener_set_advanced_config_decode(buf, fields, &got), 0);
        assert_int_equal(got.len, 26);
        assert_int_equal(got.rto_timeout, 45);
        assert_int_equal(got.undocumented_12, 0x5A);
        assert_false(got.auto_update_enabled); /* read-only, not in the request */
        ROUNDTRIP(struct lk_opener_advanced_config, lk_opener_set_advanced_config_encode,
                  lk_opener_set_advanced_config_decode, got, 26, LONGER_REFUSED);
}

/* [DECISION O5.2] pyNukiBT's 25 bytes: accepted, byte 12 reported as 0, fields in place. */
static void set_advanced_config_pynukibt_layout(void **state)
{
        struct lk_opener_advanced_config want, got;
        uint8_t buf[LK_PAYLOAD_MAX], out[LK_PAYLOAD_MAX];
        size_t n = hex(ADV_PYNUKIBT, buf, sizeof(buf));

        advanced_27(&want);
        assert_int_equal(n, 25);
        assert_int_equal(lk_opener_set_advanced_config_decode(buf, n, &got), 0);
        want.len = 25;
        want.undocumented_12 = 0;
        want.auto_update_enabled = false;
        assert_memory_equal(&got, &want, sizeof(got));
        assert_int_equal(lk_opener_set_advanced_config_encode(&got, out, sizeof(out)), 25);
        assert_hex_equal(out, 25, ADV_PYNUKIBT);
        ROUNDTRIP(struct lk_opener_advanced_config, lk_opener_set_advanced_config_encode,
                  lk_opener_set_advanced_config_decode, want, 25, SHORTER_REFUSED);

        /* that layout cannot carry byte 12: refused rather than dropped */
        want.undocumented_12 = 1;
        assert_int_equal(lk_opener_set_advanced_config_encode(&want, out, sizeof(out)), -EINVAL);
        want.len = 24;
        assert_int_equal(lk_opener_set_advanced_config_encode(&want, out, sizeof(out)), -EINVAL);
        want.len = 28;
        assert_int_equal(lk_opener_set_advanced_config_encode(&want, out, sizeof(out)), -EINVAL);
        /* the Opener's 27-byte answer is not a request */
        hex(ADV_27, buf, sizeof(buf));
        assert_int_equal(lk_opener_set_advanced_config_decode(buf, 27, &got), -EBADMSG);
        assert_int_equal(lk_opener_set_advanced_config_decode(buf, 24, &got), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(config_vector_both_roles),
                cmocka_unit_test(config_72_lacks_keypad_2),
                cmocka_unit_test(config_limits),
                cmocka_unit_test(set_config_vector_both_roles),
                cmocka_unit_test(set_config_from_config_keeps_every_setting),
                cmocka_unit_test(advanced_config_vector_both_roles),
                cmocka_unit_test(set_advanced_config_echoes_byte_12),
                cmocka_unit_test(set_advanced_config_pynukibt_layout),
        };

        return cmocka_run_group_tests(tests, setup, NULL);
}
