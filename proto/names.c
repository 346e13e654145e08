/* SPDX-License-Identifier: MIT */
/*
 * Names of the protocol's values (spec §5.1, §6, §7, §8). Each function switches over the enum
 * that wire.h defines for the value, lists every member and has no default, so -Wswitch-enum
 * fails the build when a value is added without a name. The wire value is cast to the enum;
 * values the enum does not list fall out of the switch and return NULL.
 */
#include <stddef.h>

#include "bytes.h"
#include "latchkey/names.h"

const char *lk_cmd_name(uint16_t cmd)
{
        /* spec §5.1, names as the table gives them */
        switch ((enum lk_cmd)cmd) {
        case LK_CMD_REQUEST_DATA: return "Request Data";
        case LK_CMD_PUBLIC_KEY: return "Public Key";
        case LK_CMD_CHALLENGE: return "Challenge";
        case LK_CMD_AUTHORIZATION_AUTHENTICATOR: return "Authorization Authenticator";
        case LK_CMD_AUTHORIZATION_DATA: return "Authorization Data";
        case LK_CMD_AUTHORIZATION_ID: return "Authorization-ID";
        case LK_CMD_REMOVE_AUTHORIZATION_ENTRY: return "Remove Authorization Entry";
        case LK_CMD_REQUEST_AUTHORIZATION_ENTRIES: return "Request Authorization Entries";
        case LK_CMD_AUTHORIZATION_ENTRY: return "Authorization Entry";
        case LK_CMD_AUTHORIZATION_DATA_INVITE: return "Authorization Data (Invite)";
        case LK_CMD_KEYTURNER_STATES: return "Keyturner States";
        case LK_CMD_LOCK_ACTION: return "Lock Action";
        case LK_CMD_STATUS: return "Status";
        case LK_CMD_MOST_RECENT_COMMAND: return "Most Recent Command";
        case LK_CMD_OPENINGS_CLOSINGS_SUMMARY: return "Openings Closings Summary";
        case LK_CMD_BATTERY_REPORT: return "Battery Report";
        case LK_CMD_ERROR_REPORT: return "Error Report";
        case LK_CMD_SET_CONFIG: return "Set Config";
        case LK_CMD_REQUEST_CONFIG: return "Request Config";
        case LK_CMD_CONFIG: return "Config";
        case LK_CMD_SET_SECURITY_PIN: return "Set Security PIN";
        case LK_CMD_REQUEST_CALIBRATION: return "Request Calibration";
        case LK_CMD_REQUEST_REBOOT: return "Request Reboot";
        case LK_CMD_AUTHORIZATION_ID_CONFIRMATION: return "Authorization-ID Confirmation";
        case LK_CMD_AUTHORIZATION_ID_INVITE: return "Authorization-ID (Invite)";
        case LK_CMD_VERIFY_SECURITY_PIN: return "Verify Security PIN";
        case LK_CMD_UPDATE_TIME: return "Update Time";
        case LK_CMD_UPDATE_AUTHORIZATION_ENTRY: return "Update Authorization Entry";
        case LK_CMD_AUTHORIZATION_ENTRY_COUNT: return "Authorization Entry Count";
        case LK_CMD_START_BUS_SIGNAL_RECORDING: return "Start Bus Signal Recording";
        case LK_CMD_REQUEST_LOG_ENTRIES: return "Request Log Entries";
        case LK_CMD_LOG_ENTRY: return "Log Entry";
        case LK_CMD_LOG_ENTRY_COUNT: return "Log Entry Count";
        case LK_CMD_ENABLE_LOGGING: return "Enable Logging";
        case LK_CMD_SET_ADVANCED_CONFIG: return "Set Advanced Config";
        case LK_CMD_REQUEST_ADVANCED_CONFIG: return "Request Advanced Config";
        case LK_CMD_ADVANCED_CONFIG: return "Advanced Config";
        case LK_CMD_ADD_TIME_CONTROL_ENTRY: return "Add Time Control Entry";
        case LK_CMD_TIME_CONTROL_ENTRY_ID: return "Time Control Entry ID";
        case LK_CMD_REMOVE_TIME_CONTROL_ENTRY: return "Remove Time Control Entry";
        case LK_CMD_REQUEST_TIME_CONTROL_ENTRIES: return "Request Time Control Entries";
        case LK_CMD_TIME_CONTROL_ENTRY_COUNT: return "Time Control Entry Count";
        case LK_CMD_TIME_CONTROL_ENTRY: return "Time Control Entry";
        case LK_CMD_UPDATE_TIME_CONTROL_ENTRY: return "Update Time Control Entry";
        case LK_CMD_ADD_KEYPAD_CODE: return "Add Keypad Code";
        case LK_CMD_KEYPAD_CODE_ID: return "Keypad Code ID";
        case LK_CMD_REQUEST_KEYPAD_CODES: return "Request Keypad Codes";
        case LK_CMD_KEYPAD_CODE_COUNT: return "Keypad Code Count";
        case LK_CMD_KEYPAD_CODE: return "Keypad Code";
        case LK_CMD_UPDATE_KEYPAD_CODE: return "Update Keypad Code";
        case LK_CMD_REMOVE_KEYPAD_CODE: return "Remove Keypad Code";
        case LK_CMD_KEYPAD_ACTION: return "Keypad Action";
        case LK_CMD_AUTHORIZATION_INFO: return "Authorization Info";
        case LK_CMD_CONTINUOUS_MODE_ACTION: return "Continuous Mode Action";
        case LK_CMD_SIMPLE_LOCK_ACTION: return "Simple Lock Action";
        }
        return NULL;
}

/* spec §8: the identifiers as the table spells them, without our LK_ prefix. */
const char *lk_error_name(uint8_t code)
{
        switch ((enum lk_error)code) {
        case LK_ERROR_BAD_CRC: return "ERROR_BAD_CRC";
        case LK_ERROR_BAD_LENGTH: return "ERROR_BAD_LENGTH";
        case LK_ERROR_UNKNOWN: return "ERROR_UNKNOWN";
        case LK_P_ERROR_NOT_PAIRING: return "P_ERROR_NOT_PAIRING";
        case LK_P_ERROR_BAD_AUTHENTICATOR: return "P_ERROR_BAD_AUTHENTICATOR";
        case LK_P_ERROR_BAD_PARAMETER: return "P_ERROR_BAD_PARAMETER";
        case LK_P_ERROR_MAX_USER: return "P_ERROR_MAX_USER";
        case LK_K_ERROR_NOT_AUTHORIZED: return "K_ERROR_NOT_AUTHORIZED";
        case LK_K_ERROR_BAD_PIN: return "K_ERROR_BAD_PIN";
        case LK_K_ERROR_BAD_NONCE: return "K_ERROR_BAD_NONCE";
        case LK_K_ERROR_BAD_PARAMETER: return "K_ERROR_BAD_PARAMETER";
        case LK_K_ERROR_INVALID_AUTH_ID: return "K_ERROR_INVALID_AUTH_ID";
        case LK_K_ERROR_DISABLED: return "K_ERROR_DISABLED";
        case LK_K_ERROR_REMOTE_NOT_ALLOWED: return "K_ERROR_REMOTE_NOT_ALLOWED";
        case LK_K_ERROR_TIME_NOT_ALLOWED: return "K_ERROR_TIME_NOT_ALLOWED";
        case LK_K_ERROR_TOO_MANY_PIN_ATTEMPTS: return "K_ERROR_TOO_MANY_PIN_ATTEMPTS";
        case LK_K_ERROR_TOO_MANY_ENTRIES: return "K_ERROR_TOO_MANY_ENTRIES";
        case LK_K_ERROR_CODE_ALREADY_EXISTS: return "K_ERROR_CODE_ALREADY_EXISTS";
        case LK_K_ERROR_CODE_INVALID: return "K_ERROR_CODE_INVALID";
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_1: return "K_ERROR_CODE_INVALID_TIMEOUT_1";
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_2: return "K_ERROR_CODE_INVALID_TIMEOUT_2";
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_3: return "K_ERROR_CODE_INVALID_TIMEOUT_3";
        case LK_K_ERROR_AUTO_UNLOCK_TOO_RECENT: return "K_ERROR_AUTO_UNLOCK_TOO_RECENT";
        case LK_K_ERROR_POSITION_UNKNOWN: return "K_ERROR_POSITION_UNKNOWN";
        case LK_K_ERROR_MOTOR_BLOCKED: return "K_ERROR_MOTOR_BLOCKED";
        case LK_K_ERROR_CLUTCH_FAILURE: return "K_ERROR_CLUTCH_FAILURE";
        case LK_K_ERROR_MOTOR_TIMEOUT: return "K_ERROR_MOTOR_TIMEOUT";
        case LK_K_ERROR_BUSY: return "K_ERROR_BUSY";
        case LK_K_ERROR_CANCELED: return "K_ERROR_CANCELED";
        case LK_K_ERROR_NOT_CALIBRATED: return "K_ERROR_NOT_CALIBRATED";
        case LK_K_ERROR_MOTOR_POSITION_LIMIT: return "K_ERROR_MOTOR_POSITION_LIMIT";
        case LK_K_ERROR_MOTOR_LOW_VOLTAGE: return "K_ERROR_MOTOR_LOW_VOLTAGE";
        case LK_K_ERROR_MOTOR_POWER_FAILURE: return "K_ERROR_MOTOR_POWER_FAILURE";
        case LK_K_ERROR_CLUTCH_POWER_FAILURE: return "K_ERROR_CLUTCH_POWER_FAILURE";
        case LK_K_ERROR_VOLTAGE_TOO_LOW: return "K_ERROR_VOLTAGE_TOO_LOW";
        case LK_K_ERROR_FIRMWARE_UPDATE_NEEDED: return "K_ERROR_FIRMWARE_UPDATE_NEEDED";
        }
        return NULL;
}

/* spec §8 "Meaning", said the way a technician at the door needs it. */
const char *lk_error_description(uint8_t code)
{
        switch ((enum lk_error)code) {
        case LK_ERROR_BAD_CRC:
                return "the lock received a damaged message (checksum mismatch)";
        case LK_ERROR_BAD_LENGTH:
                return "the message had the wrong length for its command";
        case LK_ERROR_UNKNOWN:
                return "unspecified error, or a request the lock does not support";
        case LK_P_ERROR_NOT_PAIRING:
                return "the lock is not in pairing mode (hold its button about 5 seconds)";
        case LK_P_ERROR_BAD_AUTHENTICATOR:
                return "pairing failed: the lock did not accept our authenticator";
        case LK_P_ERROR_BAD_PARAMETER:
                return "pairing failed: a value we sent is out of range";
        case LK_P_ERROR_MAX_USER:
                return "the lock has no room for another authorization";
        case LK_K_ERROR_NOT_AUTHORIZED:
                return "not authorized: the lock does not know this pairing or its key";
        case LK_K_ERROR_BAD_PIN:
                return "wrong security PIN";
        case LK_K_ERROR_BAD_NONCE:
                return "stale or reused challenge; the command can be retried";
        case LK_K_ERROR_BAD_PARAMETER:
                return "a value in the command is out of range";
        case LK_K_ERROR_INVALID_AUTH_ID:
                return "no such authorization on the lock";
        case LK_K_ERROR_DISABLED:
                return "this authorization is disabled on the lock";
        case LK_K_ERROR_REMOTE_NOT_ALLOWED:
                return "this authorization may not be used remotely through a bridge";
        case LK_K_ERROR_TIME_NOT_ALLOWED:
                return "this authorization is not allowed at the current time";
        case LK_K_ERROR_TOO_MANY_PIN_ATTEMPTS:
                return "too many wrong security PINs; the lock refuses PINs for a while";
        case LK_K_ERROR_TOO_MANY_ENTRIES:
                return "the lock's list is full (keypad codes, time control entries)";
        case LK_K_ERROR_CODE_ALREADY_EXISTS:
                return "this keypad code already exists on the lock";
        case LK_K_ERROR_CODE_INVALID:
                return "the keypad code is invalid";
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_1:
                return "keypad locked after repeated wrong codes (stage 1)";
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_2:
                return "keypad locked after repeated wrong codes (stage 2)";
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_3:
                return "keypad locked after repeated wrong codes (stage 3)";
        case LK_K_ERROR_AUTO_UNLOCK_TOO_RECENT:
                return "auto-unlock refused: too soon after another lock action";
        case LK_K_ERROR_POSITION_UNKNOWN:
                return "unlock through a bridge refused: the lock's position is uncertain";
        case LK_K_ERROR_MOTOR_BLOCKED:
                return "the motor is blocked";
        case LK_K_ERROR_CLUTCH_FAILURE:
                return "clutch failure";
        case LK_K_ERROR_MOTOR_TIMEOUT:
                return "the motor ran too long without reaching a stop";
        case LK_K_ERROR_BUSY:
                return "a lock action is already in progress";
        case LK_K_ERROR_CANCELED:
                return "cancelled with the button on the lock";
        case LK_K_ERROR_NOT_CALIBRATED:
                return "the lock is not calibrated";
        case LK_K_ERROR_MOTOR_POSITION_LIMIT:
                return "calibration failed: the position database is full";
        case LK_K_ERROR_MOTOR_LOW_VOLTAGE:
                return "the motor stopped: battery voltage too low";
        case LK_K_ERROR_MOTOR_POWER_FAILURE:
                return "the motor drew no power while moving";
        case LK_K_ERROR_CLUTCH_POWER_FAILURE:
                return "the clutch drew no power while moving";
        case LK_K_ERROR_VOLTAGE_TOO_LOW:
                return "calibration refused: battery voltage too low";
        case LK_K_ERROR_FIRMWARE_UPDATE_NEEDED:
                return "a mandatory firmware update is pending";
        }
        return NULL;
}

const char *lk_status_name(uint8_t status)
{
        switch ((enum lk_status)status) {
        case LK_STATUS_COMPLETE: return "complete";
        case LK_STATUS_ACCEPTED: return "accepted";
        case LK_STATUS_BRIDGE_REFRESH: return "bridge refresh"; /* spec §5.4 */
        }
        return NULL;
}

const char *lk_nuki_state_name(uint8_t state)
{
        switch ((enum lk_nuki_state)state) {
        case LK_NUKI_STATE_UNINITIALIZED: return "uninitialized";
        case LK_NUKI_STATE_PAIRING_MODE: return "pairing mode";
        case LK_NUKI_STATE_DOOR_MODE: return "door mode";
        case LK_NUKI_STATE_CONTINUOUS_MODE: return "continuous mode";
        case LK_NUKI_STATE_MAINTENANCE_MODE: return "maintenance mode";
        }
        return NULL;
}

const char *lk_lock_state_name(uint8_t state)
{
        switch ((enum lk_lock_state)state) {
        case LK_LOCK_STATE_UNCALIBRATED: return "uncalibrated";
        case LK_LOCK_STATE_LOCKED: return "locked";
        case LK_LOCK_STATE_UNLOCKING: return "unlocking";
        case LK_LOCK_STATE_UNLOCKED: return "unlocked";
        case LK_LOCK_STATE_LOCKING: return "locking";
        case LK_LOCK_STATE_UNLATCHED: return "unlatched";
        case LK_LOCK_STATE_UNLOCKED_LOCK_N_GO: return "unlocked (lock 'n' go active)";
        case LK_LOCK_STATE_UNLATCHING: return "unlatching";
        case LK_LOCK_STATE_CALIBRATION: return "calibration";
        case LK_LOCK_STATE_BOOT_RUN: return "boot run";
        case LK_LOCK_STATE_MOTOR_BLOCKED: return "motor blocked";
        case LK_LOCK_STATE_UNDEFINED: return "undefined";
        }
        return NULL;
}

const char *lk_trigger_name(uint8_t trigger)
{
        switch ((enum lk_trigger)trigger) {
        case LK_TRIGGER_SYSTEM: return "system";
        case LK_TRIGGER_MANUAL: return "manual";
        case LK_TRIGGER_BUTTON: return "button";
        case LK_TRIGGER_AUTOMATIC: return "automatic";
        case LK_TRIGGER_AUTO_LOCK: return "auto lock";
        case LK_TRIGGER_HOMEKIT: return "HomeKit";
        case LK_TRIGGER_MQTT: return "MQTT";
        }
        return NULL;
}

const char *lk_lock_action_name(uint8_t action)
{
        switch ((enum lk_lock_action)action) {
        case LK_ACTION_NONE: return "none";
        case LK_ACTION_UNLOCK: return "unlock";
        case LK_ACTION_LOCK: return "lock";
        case LK_ACTION_UNLATCH: return "unlatch";
        case LK_ACTION_LOCK_N_GO: return "lock 'n' go";
        case LK_ACTION_LOCK_N_GO_UNLATCH: return "lock 'n' go with unlatch";
        case LK_ACTION_FULL_LOCK: return "full lock";
        case LK_ACTION_FOB_NO_ACTION: return "fob (no action)";
        case LK_ACTION_BUTTON_NO_ACTION: return "button (no action)";
        case LK_ACTION_FOB_1: return "fob action 1";
        case LK_ACTION_FOB_2: return "fob action 2";
        case LK_ACTION_FOB_3: return "fob action 3";
        }
        return NULL;
}

const char *lk_completion_name(uint8_t status)
{
        switch ((enum lk_completion)status) {
        case LK_COMPLETION_SUCCESS: return "success";
        case LK_COMPLETION_MOTOR_BLOCKED: return "motor blocked";
        case LK_COMPLETION_CANCELED: return "canceled";
        case LK_COMPLETION_TOO_RECENT: return "too recent";
        case LK_COMPLETION_BUSY: return "busy";
        case LK_COMPLETION_LOW_MOTOR_VOLTAGE: return "low motor voltage";
        case LK_COMPLETION_CLUTCH_FAILURE: return "clutch failure";
        case LK_COMPLETION_MOTOR_POWER_FAILURE: return "motor power failure";
        case LK_COMPLETION_INCOMPLETE: return "incomplete";
        case LK_COMPLETION_REJECTED: return "rejected";
        case LK_COMPLETION_REJECTED_NIGHT_MODE: return "rejected (night mode)";
        case LK_COMPLETION_HANDLE_NOT_LIFTED: return "handle not lifted";
        case LK_COMPLETION_INVALID_CODE: return "invalid code";
        case LK_COMPLETION_INVALID_FINGERPRINT: return "invalid fingerprint";
        case LK_COMPLETION_OTHER_ERROR: return "other error";
        case LK_COMPLETION_UNKNOWN: return "unknown";
        }
        return NULL;
}

/* spec §7.6: the union of the SL1.0–2.0 and SL3.0–Ultra tables; 0x02/0x03 mean the same. */
const char *lk_door_sensor_name(uint8_t state)
{
        switch ((enum lk_door_sensor)state) {
        case LK_DOOR_UNAVAILABLE: return "unavailable";
        case LK_DOOR_DEACTIVATED: return "deactivated";
        case LK_DOOR_CLOSED: return "door closed";
        case LK_DOOR_OPENED: return "door opened";
        case LK_DOOR_UNKNOWN_OLD: return "door state unknown";
        case LK_DOOR_CALIBRATING: return "calibrating";
        case LK_DOOR_UNCALIBRATED: return "uncalibrated";
        case LK_DOOR_TAMPERED: return "tampered";
        case LK_DOOR_UNKNOWN: return "unknown";
        }
        return NULL;
}

const char *lk_door_event_name(uint8_t event)
{
        switch ((enum lk_door_event)event) {
        case LK_DOOR_EVENT_OPENED: return "door opened";
        case LK_DOOR_EVENT_CLOSED: return "door closed";
        case LK_DOOR_EVENT_JAMMED: return "sensor jammed";
        case LK_DOOR_EVENT_TAMPERED: return "sensor tampered";
        }
        return NULL;
}

const char *lk_id_type_name(uint8_t type)
{
        switch ((enum lk_id_type)type) {
        case LK_ID_APP: return "app";
        case LK_ID_BRIDGE: return "bridge";
        case LK_ID_FOB: return "fob";
        case LK_ID_KEYPAD: return "keypad";
        case LK_ID_DOOR_SENSOR: return "door sensor";
        case LK_ID_KEYPAD_2: return "keypad 2";
        }
        return NULL;
}

const char *lk_log_type_name(uint8_t type)
{
        switch ((enum lk_log_type)type) {
        case LK_LOG_LOGGING_ENABLED: return "logging enabled/disabled";
        case LK_LOG_LOCK_ACTION: return "lock action";
        case LK_LOG_CALIBRATION: return "calibration";
        case LK_LOG_INITIALIZATION_RUN: return "initialization run";
        case LK_LOG_KEYPAD_ACTION: return "keypad action";
        case LK_LOG_DOOR_SENSOR: return "door sensor";
        case LK_LOG_DOOR_SENSOR_LOGGING: return "door sensor logging enabled/disabled";
        case LK_LOG_FIRMWARE_UPDATE: return "firmware update";
        }
        return NULL;
}

const char *lk_keypad_source_name(uint8_t source)
{
        switch ((enum lk_keypad_source)source) {
        case LK_KEYPAD_SOURCE_ARROW: return "arrow key";
        case LK_KEYPAD_SOURCE_CODE: return "code";
        case LK_KEYPAD_SOURCE_FINGERPRINT: return "fingerprint";
        }
        return NULL;
}

const char *lk_button_action_name(uint8_t action)
{
        switch ((enum lk_button_action)action) {
        case LK_BUTTON_NONE: return "none";
        case LK_BUTTON_INTELLIGENT: return "intelligent";
        case LK_BUTTON_UNLOCK: return "unlock";
        case LK_BUTTON_LOCK: return "lock";
        case LK_BUTTON_UNLATCH: return "unlatch";
        case LK_BUTTON_LOCK_N_GO: return "lock 'n' go";
        case LK_BUTTON_SHOW_STATUS: return "show status";
        }
        return NULL;
}

const char *lk_fob_action_name(uint8_t action)
{
        switch ((enum lk_fob_action)action) {
        case LK_FOB_NONE: return "none";
        case LK_FOB_UNLOCK: return "unlock";
        case LK_FOB_LOCK: return "lock";
        case LK_FOB_LOCK_N_GO: return "lock 'n' go";
        case LK_FOB_INTELLIGENT: return "intelligent";
        }
        return NULL;
}

const char *lk_battery_type_name(uint8_t type)
{
        switch ((enum lk_battery_type)type) {
        case LK_BATTERY_ALKALI: return "alkali";
        case LK_BATTERY_ACCUMULATORS: return "accumulators";
        case LK_BATTERY_LITHIUM: return "lithium";
        }
        return NULL;
}

const char *lk_advertising_mode_name(uint8_t mode)
{
        switch ((enum lk_advertising_mode)mode) {
        case LK_ADV_AUTOMATIC: return "automatic";
        case LK_ADV_NORMAL: return "normal";
        case LK_ADV_SLOW: return "slow";
        case LK_ADV_SLOWEST: return "slowest";
        }
        return NULL;
}

const char *lk_dst_mode_name(uint8_t mode)
{
        switch ((enum lk_dst_mode)mode) {
        case LK_DST_DISABLED: return "disabled";
        case LK_DST_EUROPEAN: return "European";
        }
        return NULL;
}

const char *lk_device_type_name(uint8_t type)
{
        switch ((enum lk_device_type)type) {
        case LK_DEVICE_SMARTLOCK_1_2: return "Smart Lock 1.0/2.0";
        case LK_DEVICE_OPENER: return "Opener";
        case LK_DEVICE_SMARTDOOR: return "Smart Door";
        case LK_DEVICE_SMARTLOCK_3_4: return "Smart Lock 3.0/4th gen";
        case LK_DEVICE_ULTRA: return "Smart Lock Ultra";
        }
        return NULL;
}

const char *lk_generation_name(enum lk_generation gen)
{
        switch (gen) {
        case LK_GEN_SMARTLOCK_1: return "Smart Lock 1.0";
        case LK_GEN_SMARTLOCK_2: return "Smart Lock 2.0";
        case LK_GEN_SMARTLOCK_3: return "Smart Lock 3.0";
        case LK_GEN_SMARTLOCK_4: return "Smart Lock 4th gen";
        case LK_GEN_ULTRA: return "Smart Lock Ultra/Go/5th gen";
        case LK_GEN_OPENER: return "Opener";
        }
        return NULL;
}

/* spec §1.1, §10. LK_CH_COUNT is a bound, not a channel: NULL. */
const char *lk_channel_name(enum lk_channel ch)
{
        switch (ch) {
        case LK_CH_PAIRING: return "Pairing GDIO";
        case LK_CH_KEYTURNER: return "Keyturner GDIO";
        case LK_CH_USDIO: return "USDIO";
        case LK_CH_COUNT: return NULL;
        }
        return NULL;
}

/* spec §7.10, indexed by ID. */
static const char *const timezones[] = {
        "Africa/Cairo",        "Africa/Lagos",       "Africa/Maputo",
        "Africa/Nairobi",      "America/Anchorage",  "America/Argentina/Buenos_Aires",
        "America/Chicago",     "America/Denver",     "America/Halifax",
        "America/Los_Angeles", "America/Manaus",     "America/Mexico_City",
        "America/New_York",    "America/Phoenix",    "America/Regina",
        "America/Santiago",    "America/Sao_Paulo",  "America/St_Johns",
        "Asia/Bangkok",        "Asia/Dubai",         "Asia/Hong_Kong",
        "Asia/Jerusalem",      "Asia/Karachi",       "Asia/Kathmandu",
        "Asia/Kolkata",        "Asia/Riyadh",        "Asia/Seoul",
        "Asia/Shanghai",       "Asia/Tehran",        "Asia/Tokyo",
        "Asia/Yangon",         "Australia/Adelaide", "Australia/Brisbane",
        "Australia/Darwin",    "Australia/Hobart",   "Australia/Perth",
        "Australia/Sydney",    "Europe/Berlin",      "Europe/Helsinki",
        "Europe/Istanbul",     "Europe/London",      "Europe/Moscow",
        "Pacific/Auckland",    "Pacific/Guam",       "Pacific/Honolulu",
        "Pacific/Pago_Pago",
};
_Static_assert(ELEMENTSOF(timezones) == LK_TIMEZONE_COUNT, "spec §7.10 lists 46 time zones");

const char *lk_timezone_name(uint16_t id)
{
        if (id == LK_TIMEZONE_NONE)
                return "none";
        return id < ELEMENTSOF(timezones) ? timezones[id] : NULL;
}
