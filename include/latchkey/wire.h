/* SPDX-License-Identifier: MIT */
/*
 * latchkey: Nuki BLE protocol — wire constants, enumerations and value types.
 *
 * Every value carries the number the spec gives it (../shared/spec/nuki-ble.md, cited as
 * "spec §N"). All multi-byte integers on the wire are little-endian (spec §0).
 *
 * Error convention for the whole protocol API (STYLE.md §3): functions that can fail return
 * int, >= 0 on success and -errno on failure, and never touch ret_* parameters on failure.
 *   -EBADMSG   malformed input or failed authentication
 *   -EMSGSIZE  a length over a protocol limit
 *   -ENOBUFS   the caller's buffer is too small
 *   -EPROTO    not valid in this state
 *   -EREMOTEIO the peer sent an Error Report (its code in a ret_ parameter)
 *   -EINVAL    a caller-supplied value is out of range
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LK_MUST_USE __attribute__((warn_unused_result))

/* Sizes (spec §2, §3, §6). Tied to libsodium's constants in proto/crypto.c. */
#define LK_KEY_SIZE         32u /* Curve25519 keys, shared key s */
#define LK_AUTHENTICATOR_SIZE 32u /* HMAC-SHA256, untruncated */
#define LK_CHALLENGE_SIZE   32u /* challenge nonce nK, pairing nonce nA */
#define LK_NONCE_SIZE       24u /* secretbox message nonce */
#define LK_MAC_SIZE         16u /* Poly1305 tag */
#define LK_UUID_SIZE        16u /* lock UUID (spec §4.1) */
#define LK_AUTH_NAME_SIZE   32u /* authorization and lock names (spec §9.2) */
#define LK_CODE_NAME_SIZE   20u /* keypad code names (spec §6.35) */
#define LK_SUFFIX_SIZE      20u /* lock action name suffix (spec §6.15) */
#define LK_DATETIME_SIZE     7u /* spec §0 */
#define LK_TIME_SIZE         2u /* spec §0 */

/* Framing limits (spec §2). */
#define LK_CRC_SIZE          2u
#define LK_CMD_SIZE          2u
#define LK_AUTH_ID_SIZE      4u
#define LK_ADATA_SIZE       (LK_NONCE_SIZE + LK_AUTH_ID_SIZE + 2u) /* 30: nonce, auth id, LEN */
#define LK_PAYLOAD_MAX     160u /* largest payload we accept; Invite (0x000B) is 122 on Ultra */
#define LK_PDATA_MIN       (LK_AUTH_ID_SIZE + LK_CMD_SIZE + LK_CRC_SIZE)
#define LK_PDATA_MAX       (LK_PDATA_MIN + LK_PAYLOAD_MAX)
#define LK_SEALED_MAX      (LK_ADATA_SIZE + LK_MAC_SIZE + LK_PDATA_MAX)
#define LK_PLAIN_MAX       (LK_CMD_SIZE + LK_PAYLOAD_MAX + LK_CRC_SIZE)
#define LK_MSG_MAX         LK_SEALED_MAX

/* Ultra pairing: auth id in ADATA/PDATA of the encrypted Authorization Data (spec §4.3). */
#define LK_ULTRA_PAIRING_AUTH_ID 0x7FFFFFFFu

/* Capacities (spec §9.2). */
#define LK_MAX_AUTHORIZATIONS 200u
#define LK_MAX_KEYPAD_CODES   100u
#define LK_LOG_CAPACITY       200u
#define LK_MAX_TIME_CONTROL    20u

/* The three logical channels of a lock (spec §1.1, §10). */
enum lk_channel {
        LK_CH_PAIRING = 0,   /* Pairing GDIO a92ee101 (Ultra a92ee301): unencrypted */
        LK_CH_KEYTURNER = 1, /* Keyturner GDIO a92ee201: unencrypted errors */
        LK_CH_USDIO = 2,     /* USDIO a92ee202: encrypted */
        LK_CH_COUNT = 3,
};

/* Device generations; they decide the pairing flow and the PIN width (spec §0, §4.3). */
enum lk_generation {
        LK_GEN_SMARTLOCK_1 = 1,
        LK_GEN_SMARTLOCK_2 = 2,
        LK_GEN_SMARTLOCK_3 = 3,
        LK_GEN_SMARTLOCK_4 = 4,
        LK_GEN_ULTRA = 5,  /* Ultra, Go, 5th gen: §4.3 pairing, 4-byte PIN */
        LK_GEN_OPENER = 6, /* §4.1 pairing, 2-byte PIN */
};

/* Command identifiers (spec §5.1). */
enum lk_cmd {
        LK_CMD_REQUEST_DATA = 0x0001,
        LK_CMD_PUBLIC_KEY = 0x0003,
        LK_CMD_CHALLENGE = 0x0004,
        LK_CMD_AUTHORIZATION_AUTHENTICATOR = 0x0005,
        LK_CMD_AUTHORIZATION_DATA = 0x0006,
        LK_CMD_AUTHORIZATION_ID = 0x0007,
        LK_CMD_REMOVE_AUTHORIZATION_ENTRY = 0x0008,
        LK_CMD_REQUEST_AUTHORIZATION_ENTRIES = 0x0009,
        LK_CMD_AUTHORIZATION_ENTRY = 0x000A,
        LK_CMD_AUTHORIZATION_DATA_INVITE = 0x000B,
        LK_CMD_KEYTURNER_STATES = 0x000C,
        LK_CMD_LOCK_ACTION = 0x000D,
        LK_CMD_STATUS = 0x000E,
        LK_CMD_MOST_RECENT_COMMAND = 0x000F,
        LK_CMD_OPENINGS_CLOSINGS_SUMMARY = 0x0010,
        LK_CMD_BATTERY_REPORT = 0x0011,
        LK_CMD_ERROR_REPORT = 0x0012,
        LK_CMD_SET_CONFIG = 0x0013,
        LK_CMD_REQUEST_CONFIG = 0x0014,
        LK_CMD_CONFIG = 0x0015,
        LK_CMD_SET_SECURITY_PIN = 0x0019,
        LK_CMD_REQUEST_CALIBRATION = 0x001A,
        LK_CMD_REQUEST_REBOOT = 0x001D,
        LK_CMD_AUTHORIZATION_ID_CONFIRMATION = 0x001E,
        LK_CMD_AUTHORIZATION_ID_INVITE = 0x001F,
        LK_CMD_VERIFY_SECURITY_PIN = 0x0020,
        LK_CMD_UPDATE_TIME = 0x0021,
        LK_CMD_UPDATE_AUTHORIZATION_ENTRY = 0x0025,
        LK_CMD_AUTHORIZATION_ENTRY_COUNT = 0x0027,
        LK_CMD_START_BUS_SIGNAL_RECORDING = 0x002F,
        LK_CMD_REQUEST_LOG_ENTRIES = 0x0031,
        LK_CMD_LOG_ENTRY = 0x0032,
        LK_CMD_LOG_ENTRY_COUNT = 0x0033,
        LK_CMD_ENABLE_LOGGING = 0x0034,
        LK_CMD_SET_ADVANCED_CONFIG = 0x0035,
        LK_CMD_REQUEST_ADVANCED_CONFIG = 0x0036,
        LK_CMD_ADVANCED_CONFIG = 0x0037,
        LK_CMD_ADD_TIME_CONTROL_ENTRY = 0x0039,
        LK_CMD_TIME_CONTROL_ENTRY_ID = 0x003A,
        LK_CMD_REMOVE_TIME_CONTROL_ENTRY = 0x003B,
        LK_CMD_REQUEST_TIME_CONTROL_ENTRIES = 0x003C,
        LK_CMD_TIME_CONTROL_ENTRY_COUNT = 0x003D,
        LK_CMD_TIME_CONTROL_ENTRY = 0x003E,
        LK_CMD_UPDATE_TIME_CONTROL_ENTRY = 0x003F,
        LK_CMD_ADD_KEYPAD_CODE = 0x0041,
        LK_CMD_KEYPAD_CODE_ID = 0x0042,
        LK_CMD_REQUEST_KEYPAD_CODES = 0x0043,
        LK_CMD_KEYPAD_CODE_COUNT = 0x0044,
        LK_CMD_KEYPAD_CODE = 0x0045,
        LK_CMD_UPDATE_KEYPAD_CODE = 0x0046,
        LK_CMD_REMOVE_KEYPAD_CODE = 0x0047,
        LK_CMD_KEYPAD_ACTION = 0x0048,
        LK_CMD_AUTHORIZATION_INFO = 0x004C,
        LK_CMD_CONTINUOUS_MODE_ACTION = 0x0057,
        LK_CMD_SIMPLE_LOCK_ACTION = 0x0100,
};

/* Error Report codes (spec §8). */
enum lk_error {
        LK_ERROR_BAD_CRC = 0xFD,
        LK_ERROR_BAD_LENGTH = 0xFE,
        LK_ERROR_UNKNOWN = 0xFF,
        LK_P_ERROR_NOT_PAIRING = 0x10,
        LK_P_ERROR_BAD_AUTHENTICATOR = 0x11,
        LK_P_ERROR_BAD_PARAMETER = 0x12,
        LK_P_ERROR_MAX_USER = 0x13,
        LK_K_ERROR_NOT_AUTHORIZED = 0x20,
        LK_K_ERROR_BAD_PIN = 0x21,
        LK_K_ERROR_BAD_NONCE = 0x22,
        LK_K_ERROR_BAD_PARAMETER = 0x23,
        LK_K_ERROR_INVALID_AUTH_ID = 0x24,
        LK_K_ERROR_DISABLED = 0x25,
        LK_K_ERROR_REMOTE_NOT_ALLOWED = 0x26,
        LK_K_ERROR_TIME_NOT_ALLOWED = 0x27,
        LK_K_ERROR_TOO_MANY_PIN_ATTEMPTS = 0x28,
        LK_K_ERROR_TOO_MANY_ENTRIES = 0x29,
        LK_K_ERROR_CODE_ALREADY_EXISTS = 0x2A,
        LK_K_ERROR_CODE_INVALID = 0x2B,
        LK_K_ERROR_CODE_INVALID_TIMEOUT_1 = 0x2C,
        LK_K_ERROR_CODE_INVALID_TIMEOUT_2 = 0x2D,
        LK_K_ERROR_CODE_INVALID_TIMEOUT_3 = 0x2E,
        LK_K_ERROR_AUTO_UNLOCK_TOO_RECENT = 0x40,
        LK_K_ERROR_POSITION_UNKNOWN = 0x41,
        LK_K_ERROR_MOTOR_BLOCKED = 0x42,
        LK_K_ERROR_CLUTCH_FAILURE = 0x43,
        LK_K_ERROR_MOTOR_TIMEOUT = 0x44,
        LK_K_ERROR_BUSY = 0x45,
        LK_K_ERROR_CANCELED = 0x46,
        LK_K_ERROR_NOT_CALIBRATED = 0x47,
        LK_K_ERROR_MOTOR_POSITION_LIMIT = 0x48,
        LK_K_ERROR_MOTOR_LOW_VOLTAGE = 0x49,
        LK_K_ERROR_MOTOR_POWER_FAILURE = 0x4A,
        LK_K_ERROR_CLUTCH_POWER_FAILURE = 0x4B,
        LK_K_ERROR_VOLTAGE_TOO_LOW = 0x4C,
        LK_K_ERROR_FIRMWARE_UPDATE_NEEDED = 0x4D,
};

/* Status (0x000E) values (spec §6.18, §5.4). */
enum lk_status {
        LK_STATUS_COMPLETE = 0x00,
        LK_STATUS_ACCEPTED = 0x01,
        LK_STATUS_BRIDGE_REFRESH = 0xF1,
};

/* Nuki state (spec §7.1). */
enum lk_nuki_state {
        LK_NUKI_STATE_UNINITIALIZED = 0x00,
        LK_NUKI_STATE_PAIRING_MODE = 0x01,
        LK_NUKI_STATE_DOOR_MODE = 0x02,
        LK_NUKI_STATE_CONTINUOUS_MODE = 0x03,
        LK_NUKI_STATE_MAINTENANCE_MODE = 0x04,
};

/* Lock state, Smart Lock (spec §7.2). */
enum lk_lock_state {
        LK_LOCK_STATE_UNCALIBRATED = 0x00,
        LK_LOCK_STATE_LOCKED = 0x01,
        LK_LOCK_STATE_UNLOCKING = 0x02,
        LK_LOCK_STATE_UNLOCKED = 0x03,
        LK_LOCK_STATE_LOCKING = 0x04,
        LK_LOCK_STATE_UNLATCHED = 0x05,
        LK_LOCK_STATE_UNLOCKED_LOCK_N_GO = 0x06,
        LK_LOCK_STATE_UNLATCHING = 0x07,
        LK_LOCK_STATE_CALIBRATION = 0xFC,
        LK_LOCK_STATE_BOOT_RUN = 0xFD,
        LK_LOCK_STATE_MOTOR_BLOCKED = 0xFE,
        LK_LOCK_STATE_UNDEFINED = 0xFF,
};

/* Trigger (spec §7.3). */
enum lk_trigger {
        LK_TRIGGER_SYSTEM = 0x00,
        LK_TRIGGER_MANUAL = 0x01,
        LK_TRIGGER_BUTTON = 0x02,
        LK_TRIGGER_AUTOMATIC = 0x03,
        LK_TRIGGER_AUTO_LOCK = 0x06,
        LK_TRIGGER_HOMEKIT = 0xAB,
        LK_TRIGGER_MQTT = 0xAC,
};

/* Lock action, Smart Lock (spec §7.4). */
enum lk_lock_action {
        LK_ACTION_NONE = 0x00,
        LK_ACTION_UNLOCK = 0x01,
        LK_ACTION_LOCK = 0x02,
        LK_ACTION_UNLATCH = 0x03,
        LK_ACTION_LOCK_N_GO = 0x04,
        LK_ACTION_LOCK_N_GO_UNLATCH = 0x05,
        LK_ACTION_FULL_LOCK = 0x06,
        LK_ACTION_FOB_NO_ACTION = 0x50,
        LK_ACTION_BUTTON_NO_ACTION = 0x5A,
        LK_ACTION_FOB_1 = 0x81,
        LK_ACTION_FOB_2 = 0x82,
        LK_ACTION_FOB_3 = 0x83,
};

/* Completion status (spec §7.5). */
enum lk_completion {
        LK_COMPLETION_SUCCESS = 0x00,
        LK_COMPLETION_MOTOR_BLOCKED = 0x01,
        LK_COMPLETION_CANCELED = 0x02,
        LK_COMPLETION_TOO_RECENT = 0x03,
        LK_COMPLETION_BUSY = 0x04,
        LK_COMPLETION_LOW_MOTOR_VOLTAGE = 0x05,
        LK_COMPLETION_CLUTCH_FAILURE = 0x06,
        LK_COMPLETION_MOTOR_POWER_FAILURE = 0x07,
        LK_COMPLETION_INCOMPLETE = 0x08,
        LK_COMPLETION_REJECTED = 0x09,
        LK_COMPLETION_REJECTED_NIGHT_MODE = 0x0A,
        LK_COMPLETION_HANDLE_NOT_LIFTED = 0x0B,
        LK_COMPLETION_INVALID_CODE = 0xE0,
        LK_COMPLETION_INVALID_FINGERPRINT = 0xE1,
        LK_COMPLETION_OTHER_ERROR = 0xFE,
        LK_COMPLETION_UNKNOWN = 0xFF,
};

/* Door sensor state, SL3.0 and later (spec §7.6). Older locks: 0..5 per §7.6. */
enum lk_door_sensor {
        LK_DOOR_UNAVAILABLE = 0x00,
        LK_DOOR_DEACTIVATED = 0x01,
        LK_DOOR_CLOSED = 0x02,
        LK_DOOR_OPENED = 0x03,
        LK_DOOR_UNKNOWN_OLD = 0x04,
        LK_DOOR_CALIBRATING = 0x05,
        LK_DOOR_UNCALIBRATED = 0x10,
        LK_DOOR_TAMPERED = 0xF0,
        LK_DOOR_UNKNOWN = 0xFF,
};

/* Authorization ID types (spec §4.1, §7.9). */
enum lk_id_type {
        LK_ID_APP = 0,
        LK_ID_BRIDGE = 1,
        LK_ID_FOB = 2,
        LK_ID_KEYPAD = 3,
        LK_ID_DOOR_SENSOR = 4,
        LK_ID_KEYPAD_2 = 5,
};

/* Log entry types (spec §6.29). */
enum lk_log_type {
        LK_LOG_LOGGING_ENABLED = 0x01,
        LK_LOG_LOCK_ACTION = 0x02,
        LK_LOG_CALIBRATION = 0x03,
        LK_LOG_INITIALIZATION_RUN = 0x04,
        LK_LOG_KEYPAD_ACTION = 0x05,
        LK_LOG_DOOR_SENSOR = 0x06,
        LK_LOG_DOOR_SENSOR_LOGGING = 0x07,
        LK_LOG_FIRMWARE_UPDATE = 0x0A,
};

/* Keypad action source (spec §6.17, §6.29). */
enum lk_keypad_source {
        LK_KEYPAD_SOURCE_ARROW = 0x00,
        LK_KEYPAD_SOURCE_CODE = 0x01,
        LK_KEYPAD_SOURCE_FINGERPRINT = 0x02,
};

/* Door sensor log events (spec §6.29 type 0x06). */
enum lk_door_event {
        LK_DOOR_EVENT_OPENED = 0x00,
        LK_DOOR_EVENT_CLOSED = 0x01,
        LK_DOOR_EVENT_JAMMED = 0x02,
        LK_DOOR_EVENT_TAMPERED = 0x03,
};

/* Button actions (Advanced Config, spec §6.32). */
enum lk_button_action {
        LK_BUTTON_NONE = 0,
        LK_BUTTON_INTELLIGENT = 1,
        LK_BUTTON_UNLOCK = 2,
        LK_BUTTON_LOCK = 3,
        LK_BUTTON_UNLATCH = 4,
        LK_BUTTON_LOCK_N_GO = 5,
        LK_BUTTON_SHOW_STATUS = 6,
};

/* Fob actions (Config, spec §6.22). */
enum lk_fob_action {
        LK_FOB_NONE = 0,
        LK_FOB_UNLOCK = 1,
        LK_FOB_LOCK = 2,
        LK_FOB_LOCK_N_GO = 3,
        LK_FOB_INTELLIGENT = 4,
};

/* Spec §7.8. */
enum lk_battery_type {
        LK_BATTERY_ALKALI = 0,
        LK_BATTERY_ACCUMULATORS = 1,
        LK_BATTERY_LITHIUM = 2,
};

enum lk_advertising_mode {
        LK_ADV_AUTOMATIC = 0,
        LK_ADV_NORMAL = 1,
        LK_ADV_SLOW = 2,
        LK_ADV_SLOWEST = 3,
};

enum lk_dst_mode {
        LK_DST_DISABLED = 0,
        LK_DST_EUROPEAN = 1,
};

/* Device type in Config (spec §6.24). */
enum lk_device_type {
        LK_DEVICE_SMARTLOCK_1_2 = 0x00,
        LK_DEVICE_OPENER = 0x02,
        LK_DEVICE_SMARTDOOR = 0x03,
        LK_DEVICE_SMARTLOCK_3_4 = 0x04,
        LK_DEVICE_ULTRA = 0x05,
};

/* Time-zone IDs (spec §7.10): 0..45, or LK_TIMEZONE_NONE. */
#define LK_TIMEZONE_COUNT 46u
#define LK_TIMEZONE_NONE 0xFFFFu

/* DATETIME (spec §0): always UTC on the wire. All-zero means "not set" (spec §9.3). */
struct lk_datetime {
        uint16_t year;
        uint8_t month;  /* 1..12 */
        uint8_t day;    /* 1..31 */
        uint8_t hour;   /* 0..23 */
        uint8_t minute; /* 0..59 */
        uint8_t second; /* 0..59 */
};

/* TIME (spec §0): lock-local time of day. */
struct lk_time {
        uint8_t hour;   /* 0..23 */
        uint8_t minute; /* 0..59 */
};

/* Security PIN (spec §0): 2 bytes (SL1-4, Opener, 0..9999) or 4 bytes (Ultra, 0..999999). */
struct lk_pin {
        uint32_t value;
        uint8_t size; /* 2 or 4 */
};

/*
 * A time window (spec §6.9, §6.35, §9.3), shared by keypad codes and authorizations. Dates are
 * UTC instants; the daily times are lock-local. Weekdays: bit6 Monday … bit0 Sunday, 0 = all.
 */
#define LK_WEEKDAY_MONDAY 0x40u
#define LK_WEEKDAY_SUNDAY 0x01u
#define LK_WEEKDAYS_ALL   0x7Fu

struct lk_window {
        bool time_limited;
        struct lk_datetime from;  /* UTC; all zero = unbounded */
        struct lk_datetime until; /* UTC; all zero = unbounded */
        uint8_t weekdays;
        struct lk_time from_time;  /* lock-local */
        struct lk_time until_time; /* lock-local; 00:00–00:00 = whole day */
};

/*
 * The environment proto draws on: the only way randomness and time reach the pure protocol.
 * random() must fill buf with n bytes from a CSPRNG (randombytes_buf in production, fixed
 * bytes in tests). now() returns the current UTC time in seconds since the epoch; it may be
 * NULL where nothing needs time.
 */
struct lk_env {
        void (*random)(void *userdata, void *buf, size_t n);
        int64_t (*now)(void *userdata);
        void *userdata;
};

/* A production environment: randombytes_buf and no clock. */
extern const struct lk_env lk_env_default;

/* PIN width of a generation (spec §0): 4 for Ultra, 2 otherwise. */
unsigned lk_generation_pin_size(enum lk_generation gen);
bool lk_generation_is_ultra(enum lk_generation gen);

/* DATETIME helpers (spec §0, §9.3). Pure calendar arithmetic, no clock. */
bool lk_datetime_is_zero(const struct lk_datetime *dt);
/* A real calendar date and time (leap years included); the all-zero value is not valid. */
bool lk_datetime_is_valid(const struct lk_datetime *dt);
bool lk_time_is_valid(const struct lk_time *t);
/* <0, 0, >0 like memcmp, field by field. */
int lk_datetime_cmp(const struct lk_datetime *a, const struct lk_datetime *b);
/* Seconds since 1970-01-01 UTC; -EINVAL if dt is not valid. */
LK_MUST_USE int lk_datetime_to_unix(const struct lk_datetime *dt, int64_t *ret);
/* -EINVAL for instants outside years 1970..65535. */
LK_MUST_USE int lk_datetime_from_unix(int64_t t, struct lk_datetime *ret);
/* Day of week of a unix time shifted by offset minutes: 0 = Monday … 6 = Sunday. */
unsigned lk_weekday(int64_t t, int offset_minutes);

/* Wire encodings of the value types, for codecs (spec §0). Buffers are exactly the size. */
void lk_datetime_put(uint8_t p[static LK_DATETIME_SIZE], const struct lk_datetime *dt);
void lk_datetime_get(const uint8_t p[static LK_DATETIME_SIZE], struct lk_datetime *ret);
void lk_time_put(uint8_t p[static LK_TIME_SIZE], const struct lk_time *t);
void lk_time_get(const uint8_t p[static LK_TIME_SIZE], struct lk_time *ret);

/*
 * Fixed-size NUL-padded name fields (spec §0). lk_name_put copies at most size bytes and never
 * splits a UTF-8 character; it fails with -EMSGSIZE if the name does not fit and -EBADMSG if
 * it is not valid UTF-8. lk_name_get strips padding, stops at the first NUL (tolerating
 * garbage after it) and always NUL-terminates ret (which holds size + 1 bytes).
 */
LK_MUST_USE int lk_name_put(uint8_t *p, size_t size, const char *name);
void lk_name_get(const uint8_t *p, size_t size, char *ret);
bool lk_utf8_is_valid(const uint8_t *p, size_t n);
