/* SPDX-License-Identifier: MIT */
/* Names of every protocol value (spec §5.1, §6, §7, §8): complete, unique, NULL when unknown. */
#include <string.h>

#include "latchkey/names.h"
#include "lk-test.h"


typedef const char *name8_fn(uint8_t v);

/*
 * Every value in want[] has a non-NULL name, distinct from the others of its kind, and every
 * other byte value has none — so a value added to the enum without a test entry (or a name
 * given to a value the spec does not define) fails here.
 */
static void check_kind(const char *kind, name8_fn *fn, const unsigned *want, size_t n)
{
        const char *seen[256] = { 0 };
        size_t named = 0;

        for (size_t i = 0; i < n; i++) {
                const char *s = fn((uint8_t)want[i]);

                if (!s || !*s)
                        fail_msg("%s: value 0x%02x has no name", kind, want[i]);
        }
        for (unsigned v = 0; v <= 0xFF; v++) {
                const char *s = fn((uint8_t)v);

                if (!s)
                        continue;
                for (unsigned j = 0; j < v; j++)
                        if (seen[j] && strcmp(seen[j], s) == 0)
                                fail_msg("%s: 0x%02x and 0x%02x are both \"%s\"", kind, j, v, s);
                seen[v] = s;
                named++;
        }
        if (named != n)
                fail_msg("%s: %zu values have names, the enum has %zu", kind, named, n);
}

#define CHECK_KIND(fn, ...)                                                   \
        do {                                                                  \
                const unsigned _want[] = { __VA_ARGS__ };                     \
                check_kind(#fn, fn, _want, sizeof(_want) / sizeof(_want[0])); \
        } while (0)

static void names_enums_complete_and_unique(void **state)
{
        CHECK_KIND(lk_status_name, LK_STATUS_COMPLETE, LK_STATUS_ACCEPTED, LK_STATUS_BRIDGE_REFRESH);
        CHECK_KIND(lk_nuki_state_name, LK_NUKI_STATE_UNINITIALIZED, LK_NUKI_STATE_PAIRING_MODE,
                   LK_NUKI_STATE_DOOR_MODE, LK_NUKI_STATE_CONTINUOUS_MODE,
                   LK_NUKI_STATE_MAINTENANCE_MODE);
        CHECK_KIND(lk_lock_state_name, LK_LOCK_STATE_UNCALIBRATED, LK_LOCK_STATE_LOCKED,
                   LK_LOCK_STATE_UNLOCKING, LK_LOCK_STATE_UNLOCKED, LK_LOCK_STATE_LOCKING,
                   LK_LOCK_STATE_UNLATCHED, LK_LOCK_STATE_UNLOCKED_LOCK_N_GO,
                   LK_LOCK_STATE_UNLATCHING, LK_LOCK_STATE_CALIBRATION, LK_LOCK_STATE_BOOT_RUN,
                   LK_LOCK_STATE_MOTOR_BLOCKED, LK_LOCK_STATE_UNDEFINED);
        CHECK_KIND(lk_trigger_name, LK_TRIGGER_SYSTEM, LK_TRIGGER_MANUAL, LK_TRIGGER_BUTTON,
                   LK_TRIGGER_AUTOMATIC, LK_TRIGGER_AUTO_LOCK, LK_TRIGGER_HOMEKIT, LK_TRIGGER_MQTT);
        CHECK_KIND(lk_lock_action_name, LK_ACTION_NONE, LK_ACTION_UNLOCK, LK_ACTION_LOCK,
                   LK_ACTION_UNLATCH, LK_ACTION_LOCK_N_GO, LK_ACTION_LOCK_N_GO_UNLATCH,
                   LK_ACTION_FULL_LOCK, LK_ACTION_FOB_NO_ACTION, LK_ACTION_BUTTON_NO_ACTION,
                   LK_ACTION_FOB_1, LK_ACTION_FOB_2, LK_ACTION_FOB_3);
        CHECK_KIND(lk_completion_name, LK_COMPLETION_SUCCESS, LK_COMPLETION_MOTOR_BLOCKED,
                   LK_COMPLETION_CANCELED, LK_COMPLETION_TOO_RECENT, LK_COMPLETION_BUSY,
                   LK_COMPLETION_LOW_MOTOR_VOLTAGE, LK_COMPLETION_CLUTCH_FAILURE,
                   LK_COMPLETION_MOTOR_POWER_FAILURE, LK_COMPLETION_INCOMPLETE,
                   LK_COMPLETION_REJECTED, LK_COMPLETION_REJECTED_NIGHT_MODE,
                   LK_COMPLETION_HANDLE_NOT_LIFTED, LK_COMPLETION_INVALID_CODE,
                   LK_COMPLETION_INVALID_FINGERPRINT, LK_COMPLETION_OTHER_ERROR,
                   LK_COMPLETION_UNKNOWN);
        CHECK_KIND(lk_door_sensor_name, LK_DOOR_UNAVAILABLE, LK_DOOR_DEACTIVATED, LK_DOOR_CLOSED,
                   LK_DOOR_OPENED, LK_DOOR_UNKNOWN_OLD, LK_DOOR_CALIBRATING, LK_DOOR_UNCALIBRATED,
                   LK_DOOR_TAMPERED, LK_DOOR_UNKNOWN);
        CHECK_KIND(lk_door_event_name, LK_DOOR_EVENT_OPENED, LK_DOOR_EVENT_CLOSED,
                   LK_DOOR_EVENT_JAMMED, LK_DOOR_EVENT_TAMPERED);
        CHECK_KIND(lk_id_type_name, LK_ID_APP, LK_ID_BRIDGE, LK_ID_FOB, LK_ID_KEYPAD,
                   LK_ID_DOOR_SENSOR, LK_ID_KEYPAD_2);
        CHECK_KIND(lk_log_type_name, LK_LOG_LOGGING_ENABLED, LK_LOG_LOCK_ACTION,
                   LK_LOG_CALIBRATION, LK_LOG_INITIALIZATION_RUN, LK_LOG_KEYPAD_ACTION,
                   LK_LOG_DOOR_SENSOR, LK_LOG_DOOR_SENSOR_LOGGING, LK_LOG_FIRMWARE_UPDATE);
        CHECK_KIND(lk_keypad_source_name, LK_KEYPAD_SOURCE_ARROW, LK_KEYPAD_SOURCE_CODE,
                   LK_KEYPAD_SOURCE_FINGERPRINT);
        CHECK_KIND(lk_button_action_name, LK_BUTTON_NONE, LK_BUTTON_INTELLIGENT, LK_BUTTON_UNLOCK,
                   LK_BUTTON_LOCK, LK_BUTTON_UNLATCH, LK_BUTTON_LOCK_N_GO, LK_BUTTON_SHOW_STATUS);
        CHECK_KIND(lk_fob_action_name, LK_FOB_NONE, LK_FOB_UNLOCK, LK_FOB_LOCK, LK_FOB_LOCK_N_GO,
                   LK_FOB_INTELLIGENT);
        CHECK_KIND(lk_battery_type_name, LK_BATTERY_ALKALI, LK_BATTERY_ACCUMULATORS,
                   LK_BATTERY_LITHIUM);
        CHECK_KIND(lk_advertising_mode_name, LK_ADV_AUTOMATIC, LK_ADV_NORMAL, LK_ADV_SLOW,
                   LK_ADV_SLOWEST);
        CHECK_KIND(lk_dst_mode_name, LK_DST_DISABLED, LK_DST_EUROPEAN);
        CHECK_KIND(lk_device_type_name, LK_DEVICE_SMARTLOCK_1_2, LK_DEVICE_OPENER,
                   LK_DEVICE_SMARTDOOR, LK_DEVICE_SMARTLOCK_3_4, LK_DEVICE_ULTRA);
}

static void names_spot_checks(void **state)
{
        assert_string_equal(lk_lock_state_name(0x03), "unlocked");
        assert_string_equal(lk_lock_state_name(0xFD), "boot run");
        assert_string_equal(lk_status_name(0xF1), "bridge refresh");
        assert_string_equal(lk_completion_name(0xE0), "invalid code");
        assert_string_equal(lk_cmd_name(0x0041), "Add Keypad Code");
        assert_string_equal(lk_cmd_name(0x0100), "Simple Lock Action");
        assert_null(lk_lock_state_name(0x08));
        assert_null(lk_trigger_name(0x04));
        assert_null(lk_lock_action_name(0x07));
        assert_null(lk_completion_name(0x0C));
        assert_null(lk_door_sensor_name(0x06));
}

static void names_commands(void **state)
{
        /* spec §5.1: every enum lk_cmd value, and nothing else in 0..0xFFFF */
        static const uint16_t cmds[] = {
                LK_CMD_REQUEST_DATA, LK_CMD_PUBLIC_KEY, LK_CMD_CHALLENGE,
                LK_CMD_AUTHORIZATION_AUTHENTICATOR, LK_CMD_AUTHORIZATION_DATA,
                LK_CMD_AUTHORIZATION_ID, LK_CMD_REMOVE_AUTHORIZATION_ENTRY,
                LK_CMD_REQUEST_AUTHORIZATION_ENTRIES, LK_CMD_AUTHORIZATION_ENTRY,
                LK_CMD_AUTHORIZATION_DATA_INVITE, LK_CMD_KEYTURNER_STATES, LK_CMD_LOCK_ACTION,
                LK_CMD_STATUS, LK_CMD_MOST_RECENT_COMMAND, LK_CMD_OPENINGS_CLOSINGS_SUMMARY,
                LK_CMD_BATTERY_REPORT, LK_CMD_ERROR_REPORT, LK_CMD_SET_CONFIG,
                LK_CMD_REQUEST_CONFIG, LK_CMD_CONFIG, LK_CMD_SET_SECURITY_PIN,
                LK_CMD_REQUEST_CALIBRATION, LK_CMD_REQUEST_REBOOT,
                LK_CMD_AUTHORIZATION_ID_CONFIRMATION, LK_CMD_AUTHORIZATION_ID_INVITE,
                LK_CMD_VERIFY_SECURITY_PIN, LK_CMD_UPDATE_TIME, LK_CMD_UPDATE_AUTHORIZATION_ENTRY,
                LK_CMD_AUTHORIZATION_ENTRY_COUNT, LK_CMD_START_BUS_SIGNAL_RECORDING,
                LK_CMD_REQUEST_LOG_ENTRIES, LK_CMD_LOG_ENTRY, LK_CMD_LOG_ENTRY_COUNT,
                LK_CMD_ENABLE_LOGGING, LK_CMD_SET_ADVANCED_CONFIG, LK_CMD_REQUEST_ADVANCED_CONFIG,
                LK_CMD_ADVANCED_CONFIG, LK_CMD_ADD_TIME_CONTROL_ENTRY, LK_CMD_TIME_CONTROL_ENTRY_ID,
                LK_CMD_REMOVE_TIME_CONTROL_ENTRY, LK_CMD_REQUEST_TIME_CONTROL_ENTRIES,
                LK_CMD_TIME_CONTROL_ENTRY_COUNT, LK_CMD_TIME_CONTROL_ENTRY,
                LK_CMD_UPDATE_TIME_CONTROL_ENTRY, LK_CMD_ADD_KEYPAD_CODE, LK_CMD_KEYPAD_CODE_ID,
                LK_CMD_REQUEST_KEYPAD_CODES, LK_CMD_KEYPAD_CODE_COUNT, LK_CMD_KEYPAD_CODE,
                LK_CMD_UPDATE_KEYPAD_CODE, LK_CMD_REMOVE_KEYPAD_CODE, LK_CMD_KEYPAD_ACTION,
                LK_CMD_AUTHORIZATION_INFO, LK_CMD_CONTINUOUS_MODE_ACTION, LK_CMD_SIMPLE_LOCK_ACTION,
        };
        const char *by_cmd[ELEMENTSOF(cmds)];
        size_t named = 0;

        for (size_t i = 0; i < ELEMENTSOF(cmds); i++) {
                by_cmd[i] = lk_cmd_name(cmds[i]);
                if (!by_cmd[i])
                        fail_msg("command 0x%04x has no name", cmds[i]);
                for (size_t j = 0; j < i; j++)
                        if (strcmp(by_cmd[i], by_cmd[j]) == 0)
                                fail_msg("commands 0x%04x and 0x%04x are both \"%s\"", cmds[j],
                                         cmds[i], by_cmd[i]);
        }
        for (unsigned c = 0; c <= 0xFFFF; c++)
                named += lk_cmd_name((uint16_t)c) != NULL;
        assert_int_equal(named, ELEMENTSOF(cmds));
        /* out-of-scope ids of spec §5.1 have no name of ours: callers print hex */
        assert_null(lk_cmd_name(0x0000));
        assert_null(lk_cmd_name(0x0022)); /* removed in API 2.0 */
        assert_null(lk_cmd_name(0x0058));
        assert_null(lk_cmd_name(0xFFFF));
}

static void names_errors(void **state)
{
        /* spec §8, the whole table: code, identifier */
        static const struct {
                uint8_t code;
                const char *name;
        } table[] = {
                { 0xFD, "ERROR_BAD_CRC" },
                { 0xFE, "ERROR_BAD_LENGTH" },
                { 0xFF, "ERROR_UNKNOWN" },
                { 0x10, "P_ERROR_NOT_PAIRING" },
                { 0x11, "P_ERROR_BAD_AUTHENTICATOR" },
                { 0x12, "P_ERROR_BAD_PARAMETER" },
                { 0x13, "P_ERROR_MAX_USER" },
                { 0x20, "K_ERROR_NOT_AUTHORIZED" },
                { 0x21, "K_ERROR_BAD_PIN" },
                { 0x22, "K_ERROR_BAD_NONCE" },
                { 0x23, "K_ERROR_BAD_PARAMETER" },
                { 0x24, "K_ERROR_INVALID_AUTH_ID" },
                { 0x25, "K_ERROR_DISABLED" },
                { 0x26, "K_ERROR_REMOTE_NOT_ALLOWED" },
                { 0x27, "K_ERROR_TIME_NOT_ALLOWED" },
                { 0x28, "K_ERROR_TOO_MANY_PIN_ATTEMPTS" },
                { 0x29, "K_ERROR_TOO_MANY_ENTRIES" },
                { 0x2A, "K_ERROR_CODE_ALREADY_EXISTS" },
                { 0x2B, "K_ERROR_CODE_INVALID" },
                { 0x2C, "K_ERROR_CODE_INVALID_TIMEOUT_1" },
                { 0x2D, "K_ERROR_CODE_INVALID_TIMEOUT_2" },
                { 0x2E, "K_ERROR_CODE_INVALID_TIMEOUT_3" },
                { 0x40, "K_ERROR_AUTO_UNLOCK_TOO_RECENT" },
                { 0x41, "K_ERROR_POSITION_UNKNOWN" },
                { 0x42, "K_ERROR_MOTOR_BLOCKED" },
                { 0x43, "K_ERROR_CLUTCH_FAILURE" },
                { 0x44, "K_ERROR_MOTOR_TIMEOUT" },
                { 0x45, "K_ERROR_BUSY" },
                { 0x46, "K_ERROR_CANCELED" },
                { 0x47, "K_ERROR_NOT_CALIBRATED" },
                { 0x48, "K_ERROR_MOTOR_POSITION_LIMIT" },
                { 0x49, "K_ERROR_MOTOR_LOW_VOLTAGE" },
                { 0x4A, "K_ERROR_MOTOR_POWER_FAILURE" },
                { 0x4B, "K_ERROR_CLUTCH_POWER_FAILURE" },
                { 0x4C, "K_ERROR_VOLTAGE_TOO_LOW" },
                { 0x4D, "K_ERROR_FIRMWARE_UPDATE_NEEDED" },
        };
        size_t named = 0;

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                const char *d = lk_error_description(table[i].code);

                assert_non_null(lk_error_name(table[i].code));
                assert_string_equal(lk_error_name(table[i].code), table[i].name);
                if (!d || strlen(d) < 8)
                        fail_msg("%s has no description", table[i].name);
                for (size_t j = 0; j < i; j++)
                        if (strcmp(d, lk_error_description(table[j].code)) == 0)
                                fail_msg("%s and %s share a description", table[j].name,
                                         table[i].name);
        }
        for (unsigned c = 0; c <= 0xFF; c++) {
                bool has_name = lk_error_name((uint8_t)c) != NULL;

                /* a name exactly when a description */
                assert_int_equal(has_name, lk_error_description((uint8_t)c) != NULL);
                named += has_name;
        }
        assert_int_equal(named, ELEMENTSOF(table));
        assert_string_equal(lk_error_description(LK_K_ERROR_BAD_PIN), "wrong security PIN");
        assert_null(lk_error_name(0x00));
        assert_null(lk_error_name(0x14));
        assert_null(lk_error_name(0x2F));
        assert_null(lk_error_description(0xFC));
}

static void names_own_enums(void **state)
{
        static const enum lk_generation gens[] = {
                LK_GEN_SMARTLOCK_1, LK_GEN_SMARTLOCK_2, LK_GEN_SMARTLOCK_3,
                LK_GEN_SMARTLOCK_4, LK_GEN_ULTRA,       LK_GEN_OPENER,
        };
        static const enum lk_channel chans[] = { LK_CH_PAIRING, LK_CH_KEYTURNER, LK_CH_USDIO };

        for (size_t i = 0; i < ELEMENTSOF(gens); i++) {
                assert_non_null(lk_generation_name(gens[i]));
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(lk_generation_name(gens[i]),
                                                lk_generation_name(gens[j]));
        }
        for (size_t i = 0; i < ELEMENTSOF(chans); i++) {
                assert_non_null(lk_channel_name(chans[i]));
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(lk_channel_name(chans[i]), lk_channel_name(chans[j]));
        }
        assert_string_equal(lk_channel_name(LK_CH_USDIO), "USDIO");
        assert_null(lk_channel_name(LK_CH_COUNT)); /* a bound, not a channel */
        assert_null(lk_generation_name((enum lk_generation)0));
        assert_null(lk_generation_name((enum lk_generation)7));
        assert_null(lk_channel_name((enum lk_channel)9));
}

static void names_timezones(void **state)
{
        /* spec §7.10, the table read column by column */
        static const char *const zones[] = {
                "Africa/Cairo", "Africa/Lagos", "Africa/Maputo", "Africa/Nairobi",
                "America/Anchorage", "America/Argentina/Buenos_Aires", "America/Chicago",
                "America/Denver", "America/Halifax", "America/Los_Angeles", "America/Manaus",
                "America/Mexico_City", "America/New_York", "America/Phoenix", "America/Regina",
                "America/Santiago", "America/Sao_Paulo", "America/St_Johns", "Asia/Bangkok",
                "Asia/Dubai", "Asia/Hong_Kong", "Asia/Jerusalem", "Asia/Karachi",
                "Asia/Kathmandu", "Asia/Kolkata", "Asia/Riyadh", "Asia/Seoul", "Asia/Shanghai",
                "Asia/Tehran", "Asia/Tokyo", "Asia/Yangon", "Australia/Adelaide",
                "Australia/Brisbane", "Australia/Darwin", "Australia/Hobart", "Australia/Perth",
                "Australia/Sydney", "Europe/Berlin", "Europe/Helsinki", "Europe/Istanbul",
                "Europe/London", "Europe/Moscow", "Pacific/Auckland", "Pacific/Guam",
                "Pacific/Honolulu", "Pacific/Pago_Pago",
        };

        assert_int_equal(ELEMENTSOF(zones), LK_TIMEZONE_COUNT);
        for (uint16_t i = 0; i < LK_TIMEZONE_COUNT; i++)
                assert_string_equal(lk_timezone_name(i), zones[i]);
        assert_string_equal(lk_timezone_name(37), "Europe/Berlin");
        assert_string_equal(lk_timezone_name(0), "Africa/Cairo");
        assert_string_equal(lk_timezone_name(45), "Pacific/Pago_Pago");
        assert_string_equal(lk_timezone_name(LK_TIMEZONE_NONE), "none");
        assert_null(lk_timezone_name(46));
        assert_null(lk_timezone_name(0xFFFE));
}

/* The Opener's values (nuki-opener.md O5–O9): the same rules as the Smart Lock's. */
static void names_opener_complete_and_unique(void **state)
{
        CHECK_KIND(lk_opener_lock_state_name, LK_OPENER_STATE_UNTRAINED, LK_OPENER_STATE_ONLINE,
                   LK_OPENER_STATE_RTO_ACTIVE, LK_OPENER_STATE_OPEN, LK_OPENER_STATE_OPENING,
                   LK_OPENER_STATE_UNDEFINED);
        CHECK_KIND(lk_opener_action_name, LK_OPENER_ACTION_NONE, LK_OPENER_ACTION_ACTIVATE_RTO,
                   LK_OPENER_ACTION_DEACTIVATE_RTO, LK_OPENER_ACTION_ELECTRIC_STRIKE,
                   LK_OPENER_ACTION_ACTIVATE_CM, LK_OPENER_ACTION_DEACTIVATE_CM,
                   LK_OPENER_ACTION_FOB_1, LK_OPENER_ACTION_FOB_2, LK_OPENER_ACTION_FOB_3);
        CHECK_KIND(lk_opener_capabilities_name, LK_OPENER_CAP_DOOR_OPENER, LK_OPENER_CAP_BOTH,
                   LK_OPENER_CAP_RTO);
        CHECK_KIND(lk_opener_operating_mode_name, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                   0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, LK_OPENER_MODE_MAX);
        CHECK_KIND(lk_opener_fob_action_name, LK_OPENER_FOB_NONE, LK_OPENER_FOB_TOGGLE_RTO,
                   LK_OPENER_FOB_ACTIVATE_RTO, LK_OPENER_FOB_DEACTIVATE_RTO, LK_OPENER_FOB_OPEN,
                   LK_OPENER_FOB_RING);
        CHECK_KIND(lk_opener_button_action_name, LK_OPENER_BUTTON_NONE,
                   LK_OPENER_BUTTON_TOGGLE_RTO, LK_OPENER_BUTTON_ACTIVATE_RTO,
                   LK_OPENER_BUTTON_DEACTIVATE_RTO, LK_OPENER_BUTTON_TOGGLE_CM,
                   LK_OPENER_BUTTON_ACTIVATE_CM, LK_OPENER_BUTTON_DEACTIVATE_CM,
                   LK_OPENER_BUTTON_OPEN);
        CHECK_KIND(lk_opener_bus_mode_switch_name, LK_OPENER_BUS_SWITCH_NONE,
                   LK_OPENER_BUS_SWITCH_SHORT_CIRCUIT);
        CHECK_KIND(lk_opener_sound_name, LK_OPENER_SOUND_NONE, LK_OPENER_SOUND_1,
                   LK_OPENER_SOUND_2, LK_OPENER_SOUND_3);
        CHECK_KIND(lk_opener_log_type_name, LK_OPENER_LOG_LOGGING_ENABLED,
                   LK_OPENER_LOG_LOCK_ACTION, LK_OPENER_LOG_CALIBRATION,
                   LK_OPENER_LOG_KEYPAD_ACTION, LK_OPENER_LOG_DOORBELL);
        CHECK_KIND(lk_opener_ring_mode_name, LK_OPENER_RING_MODE_NONE, LK_OPENER_RING_MODE_RTO,
                   LK_OPENER_RING_MODE_CM);
        CHECK_KIND(lk_opener_ring_source_name, LK_OPENER_RING_SOURCE_DOORBELL,
                   LK_OPENER_RING_SOURCE_TIME_CONTROL, LK_OPENER_RING_SOURCE_APP,
                   LK_OPENER_RING_SOURCE_BUTTON, LK_OPENER_RING_SOURCE_FOB,
                   LK_OPENER_RING_SOURCE_BRIDGE, LK_OPENER_RING_SOURCE_KEYPAD);
}

/* O8: four codes mean something else on an Opener; every other code keeps spec §8's name. */
static void names_opener_errors(void **state)
{
        assert_string_equal(lk_opener_error_name(0x47), "K_ERROR_NOT_CALIBRATED");
        assert_string_equal(lk_opener_error_name(0x49), "K_ERROR_LOW_VOLTAGE");
        assert_string_equal(lk_opener_error_name(0x4B), "K_ERROR_RECORDING_TIMEOUT");
        assert_string_equal(lk_opener_error_name(0x50), "K_ERROR_OPERATING_MODE_UNKNOWN");
        assert_null(lk_error_name(0x50)); /* not a Smart Lock code */
        assert_string_not_equal(lk_opener_error_description(0x47), lk_error_description(0x47));
        assert_string_not_equal(lk_opener_error_description(0x4B), lk_error_description(0x4B));
        for (unsigned c = 0; c <= 0xFF; c++) {
                if (c == 0x47 || c == 0x49 || c == 0x4B || c == 0x50)
                        continue;
                assert_ptr_equal(lk_opener_error_name((uint8_t)c), lk_error_name((uint8_t)c));
                assert_ptr_equal(lk_opener_error_description((uint8_t)c),
                                 lk_error_description((uint8_t)c));
        }
        assert_non_null(lk_opener_error_description(0x50));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(names_enums_complete_and_unique),
                cmocka_unit_test(names_spot_checks),
                cmocka_unit_test(names_commands),
                cmocka_unit_test(names_errors),
                cmocka_unit_test(names_own_enums),
                cmocka_unit_test(names_timezones),
                cmocka_unit_test(names_opener_complete_and_unique),
                cmocka_unit_test(names_opener_errors),
        };

        return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
