/* SPDX-License-Identifier: MIT */
/*
 * The Opener's log entries (nuki-opener.md O9): a ring (doorbell recognition), ring to open
 * and continuous mode in lock-action entries, keypad entries, tolerant data lengths. Vectors
 * are written from the spec's tables byte by byte.
 */
#include <errno.h>

#include "latchkey/proto.h"
#include "codec-test.h"
#include "lk-test.h"

#define ZERO_NAME "0000000000000000000000000000000000000000000000000000000000000000"
#define ANNA_NAME "416E6E61" "00000000000000000000000000000000000000000000000000000000"

/* spec §6.29 head: index 7, 2025-06-01 12:34:56 UTC, auth 0 (the Opener itself), no name. */
#define HEAD_RING "07000000 E907 06 01 0C 22 38 00000000" ZERO_NAME
/*
 * O9 doorbell recognition: rang while RTO was active, from the doorbell, no geofence,
 * suppression active, sound 2, success, no keypad code.
 */
#define RING HEAD_RING "06" "01 00 00 01 02 00 0000"
/* index 8, auth 0x12 "Anna": electric strike, trigger manual (a ring's, O7.3), padded to 8. */
#define HEAD_ANNA "08000000 E907 06 01 0C 22 39 12000000" ANNA_NAME
#define STRIKE HEAD_ANNA "02" "03 01 00 00" "00000000"
/* keypad: electric strike by code ID 42, success; and a wrong code (0xE0) */
#define KEYPAD HEAD_ANNA "05" "03 01 00 2A00" "000000"

static void decode_hex(const char *h, struct lk_opener_log_entry *ret, uint8_t *buf, size_t *n)
{
        *n = hex(h, buf, LK_PAYLOAD_MAX);
        memset(ret, POISON, sizeof(*ret));
        assert_int_equal(lk_opener_log_entry_decode(buf, *n, ret), 0);
}

static void ring_vector_both_roles(void **state)
{
        struct lk_opener_log_entry e;
        uint8_t buf[LK_PAYLOAD_MAX], out[LK_PAYLOAD_MAX];
        size_t n;

        decode_hex(RING, &e, buf, &n);
        assert_int_equal(n, 56);
        assert_int_equal(e.index, 7);
        assert_int_equal(e.timestamp.second, 56);
        assert_int_equal(e.auth_id, 0);
        assert_string_equal(e.name, "");
        assert_int_equal(e.type, LK_OPENER_LOG_DOORBELL);
        assert_int_equal(e.data_len, LK_OPENER_LOG_DOORBELL_SIZE);
        assert_int_equal(e.data.doorbell.mode, LK_OPENER_RING_MODE_RTO);
        assert_int_equal(e.data.doorbell.mode_unknown, 0);
        assert_int_equal(e.data.doorbell.source, LK_OPENER_RING_SOURCE_DOORBELL);
        assert_false(e.data.doorbell.geofence);
        assert_true(e.data.doorbell.doorbell_suppression);
        assert_int_equal(e.data.doorbell.sound_id, 2);
        assert_int_equal(e.data.doorbell.completion, LK_COMPLETION_SUCCESS);
        assert_int_equal(e.data.doorbell.code_id, 0);
        assert_string_equal(lk_opener_log_type_name(e.type), "doorbell recognition");
        assert_string_equal(lk_opener_ring_mode_name(e.data.doorbell.mode), "ring to open active");
        assert_string_equal(lk_opener_ring_source_name(e.data.doorbell.source), "doorbell");

        /* the lock role sends the same bytes */
        assert_int_equal(lk_opener_log_entry_encode(&e, out, sizeof(out)), 56);
        assert_hex_equal(out, 56, RING);
        ROUNDTRIP(struct lk_opener_log_entry, lk_opener_log_entry_encode,
                  lk_opener_log_entry_decode, e, 56, LONGER_IGNORED);

        /* a Smart Lock reads the same type as a door-sensor event: why the Opener has a codec */
        {
                struct lk_log_entry sl;

                assert_int_equal(lk_log_entry_decode(buf, n, &sl), 0);
                assert_int_equal(sl.data.door_event, LK_DOOR_EVENT_CLOSED);
        }
}

/* O12.9: bits 2–7 of byte 0 are unknown: kept apart from the mode and sent back as they came. */
static void ring_unknown_mode_bits_kept(void **state)
{
        struct lk_opener_log_entry e;
        uint8_t buf[LK_PAYLOAD_MAX], out[LK_PAYLOAD_MAX];
        size_t n;

        hex(RING, buf, sizeof(buf));
        buf[48] = 0x86; /* CM, bits 2 and 7 set */
        n = 56;
        assert_int_equal(lk_opener_log_entry_decode(buf, n, &e), 0);
        assert_int_equal(e.data.doorbell.mode, LK_OPENER_RING_MODE_CM);
        assert_int_equal(e.data.doorbell.mode_unknown, 0x84);
        assert_int_equal(lk_opener_log_entry_encode(&e, out, sizeof(out)), 56);
        assert_memory_equal(out, buf, n);
}

/*
 * Data is decoded as far as it goes (pyNukiBT and go-nuki read one byte of type 0x06): each
 * shorter length decodes with the fields past it absent, and is sent back as it came.
 */
static void ring_every_data_length(void **state)
{
        struct lk_opener_log_entry e;
        uint8_t buf[LK_PAYLOAD_MAX], out[LK_PAYLOAD_MAX];

        hex(RING, buf, sizeof(buf));
        buf[54] = 0x2A; /* code ID 42, so every field is non-zero somewhere */
        buf[50] = 1;    /* geofence */
        for (size_t len = 0; len <= LK_OPENER_LOG_DOORBELL_SIZE; len++) {
                size_t whole = len == 7 ? 6 : len; /* half a code ID is no code ID */
                size_t n = LK_LOG_ENTRY_HEAD_SIZE + whole;

                assert_int_equal(lk_opener_log_entry_decode(buf, LK_LOG_ENTRY_HEAD_SIZE + len,
                                                            &e), 0);
                assert_int_equal(e.data_len, whole);
                assert_int_equal(e.data.doorbell.mode, len > 0 ? LK_OPENER_RING_MODE_RTO : 0);
                assert_int_equal(e.data.doorbell.geofence, len > 2);
                assert_int_equal(e.data.doorbell.sound_id, len > 4 ? 2 : 0);
                assert_int_equal(e.data.doorbell.code_id, len > 7 ? 42 : 0);
                assert_int_equal(lk_opener_log_entry_encode(&e, out, sizeof(out)), (ssize_t)n);
                assert_memory_equal(out, buf, n);
        }
        /* the head alone is the shortest entry */
        memset(&e, POISON, sizeof(e));
        assert_int_equal(lk_opener_log_entry_decode(buf, LK_LOG_ENTRY_HEAD_SIZE - 1, &e),
                         -EBADMSG);
        assert_int_equal(((uint8_t *)&e)[0], POISON);
}

/* O9 type 0x02 with Opener actions; NukiBleEsp32's 8-byte data area: padding ignored. */
static void lock_action_entries(void **state)
{
        static const uint8_t actions[] = {
                LK_OPENER_ACTION_ACTIVATE_RTO, LK_OPENER_ACTION_DEACTIVATE_RTO,
                LK_OPENER_ACTION_ELECTRIC_STRIKE, LK_OPENER_ACTION_ACTIVATE_CM,
                LK_OPENER_ACTION_DEACTIVATE_CM, LK_OPENER_ACTION_FOB_1,
        };
        struct lk_opener_log_entry e;
        uint8_t buf[LK_PAYLOAD_MAX];
        size_t n;

        decode_hex(STRIKE, &e, buf, &n);
        assert_int_equal(n, 56);
        assert_int_equal(e.auth_id, 0x12);
        assert_string_equal(e.name, "Anna");
        assert_int_equal(e.data_len, 4);
        assert_int_equal(e.data.action.action, LK_OPENER_ACTION_ELECTRIC_STRIKE);
        assert_int_equal(e.data.action.trigger, LK_TRIGGER_MANUAL);
        assert_int_equal(e.data.action.completion, LK_COMPLETION_SUCCESS);
        ROUNDTRIP(struct lk_opener_log_entry, lk_opener_log_entry_encode,
                  lk_opener_log_entry_decode, e, 52, LONGER_IGNORED);

        for (size_t i = 0; i < ELEMENTSOF(actions); i++) {
                e.data.action.action = actions[i];
                e.data.action.trigger = LK_TRIGGER_AUTOMATIC; /* time control (O10) */
                e.data.action.flags = LK_OPENER_ACTION_FLAG_FORCE;
                ROUNDTRIP(struct lk_opener_log_entry, lk_opener_log_entry_encode,
                          lk_opener_log_entry_decode, e, 52, LONGER_IGNORED);
        }
        e.type = LK_OPENER_LOG_CALIBRATION;
        ROUNDTRIP(struct lk_opener_log_entry, lk_opener_log_entry_encode,
                  lk_opener_log_entry_decode, e, 52, LONGER_IGNORED);
}

/* O9 type 0x05: the code ID of the keypad code, and a wrong code. */
static void keypad_and_logging_entries(void **state)
{
        struct lk_opener_log_entry e;
        uint8_t buf[LK_PAYLOAD_MAX];
        size_t n;

        decode_hex(KEYPAD, &e, buf, &n);
        assert_int_equal(e.data_len, 5);
        assert_int_equal(e.data.keypad.action, LK_OPENER_ACTION_ELECTRIC_STRIKE);
        assert_int_equal(e.data.keypad.source, LK_KEYPAD_SOURCE_CODE);
        assert_int_equal(e.data.keypad.code_id, 42);
        ROUNDTRIP(struct lk_opener_log_entry, lk_opener_log_entry_encode,
                  lk_opener_log_entry_decode, e, 53, LONGER_IGNORED);
        /* a code ID cut after one byte is absent, not 0x2A */
        assert_int_equal(lk_opener_log_entry_decode(buf, LK_LOG_ENTRY_HEAD_SIZE + 4, &e), 0);
        assert_int_equal(e.data_len, 3);
        assert_int_equal(e.data.keypad.code_id, 0);
        assert_int_equal(lk_opener_log_entry_decode(buf, n, &e), 0);
        e.data.keypad.completion = LK_COMPLETION_INVALID_CODE;
        e.data.keypad.code_id = 0;
        ROUNDTRIP(struct lk_opener_log_entry, lk_opener_log_entry_encode,
                  lk_opener_log_entry_decode, e, 53, LONGER_IGNORED);

        ZERO(e);
        e.index = 1;
        e.type = LK_OPENER_LOG_LOGGING_ENABLED;
        e.data_len = 1;
        e.data.enabled = true;
        ROUNDTRIP(struct lk_opener_log_entry, lk_opener_log_entry_encode,
                  lk_opener_log_entry_decode, e, 49, LONGER_IGNORED);
}

/* Types the Opener does not list (0x04, 0x07, 0x0A and any other) keep their data raw. */
static void other_types_raw(void **state)
{
        struct lk_opener_log_entry e;
        uint8_t buf[LK_PAYLOAD_MAX + 1], out[LK_PAYLOAD_MAX + 1];
        size_t n;

        n = hex(HEAD_RING "04" "0102030405", buf, sizeof(buf));
        assert_int_equal(lk_opener_log_entry_decode(buf, n, &e), 0);
        assert_int_equal(e.data_len, 5);
        assert_memory_equal(e.data.raw, "\x01\x02\x03\x04\x05", 5);
        assert_int_equal(lk_opener_log_entry_encode(&e, out, sizeof(out)), (ssize_t)n);
        assert_memory_equal(out, buf, n);
        assert_null(lk_opener_log_type_name(0x04));

        /* the largest payload is kept whole; one byte more is refused */
        memset(buf + LK_LOG_ENTRY_HEAD_SIZE, 0x5C, LK_LOG_DATA_MAX + 1);
        assert_int_equal(lk_opener_log_entry_decode(buf, LK_PAYLOAD_MAX, &e), 0);
        assert_int_equal(e.data_len, LK_LOG_DATA_MAX);
        ROUNDTRIP(struct lk_opener_log_entry, lk_opener_log_entry_encode,
                  lk_opener_log_entry_decode, e, LK_PAYLOAD_MAX, LONGER_REFUSED);
        assert_int_equal(lk_opener_log_entry_decode(buf, LK_PAYLOAD_MAX + 1, &e), -EBADMSG);
}

/* The encoder: no more data than the type has, names checked, the buffer size respected. */
static void encoder_limits(void **state)
{
        struct lk_opener_log_entry e;
        uint8_t buf[LK_PAYLOAD_MAX], out[LK_PAYLOAD_MAX];
        size_t n;

        decode_hex(RING, &e, buf, &n);
        assert_int_equal(lk_opener_log_data_size(LK_OPENER_LOG_DOORBELL), 8);
        assert_int_equal(lk_opener_log_data_size(LK_OPENER_LOG_LOCK_ACTION), 4);
        assert_int_equal(lk_opener_log_data_size(0x04), LK_LOG_DATA_MAX);

        e.data_len = 9;
        assert_int_equal(lk_opener_log_entry_encode(&e, out, sizeof(out)), -EINVAL);
        e.type = LK_OPENER_LOG_LOCK_ACTION;
        e.data_len = 5;
        assert_int_equal(lk_opener_log_entry_encode(&e, out, sizeof(out)), -EINVAL);
        e.data_len = 4;
        assert_int_equal(lk_opener_log_entry_encode(&e, out, 51), -ENOBUFS);
        assert_int_equal(lk_opener_log_entry_encode(&e, out, 52), 52);
        set_str(e.name, sizeof(e.name), "\xc3");
        assert_int_equal(lk_opener_log_entry_encode(&e, out, sizeof(out)), -EBADMSG);
        memset(e.name, 'x', sizeof(e.name));
        assert_int_equal(lk_opener_log_entry_encode(&e, out, sizeof(out)), -EMSGSIZE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(ring_vector_both_roles),
                cmocka_unit_test(ring_unknown_mode_bits_kept),
                cmocka_unit_test(ring_every_data_length),
                cmocka_unit_test(lock_action_entries),
                cmocka_unit_test(keypad_and_logging_entries),
                cmocka_unit_test(other_types_raw),
                cmocka_unit_test(encoder_limits),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
