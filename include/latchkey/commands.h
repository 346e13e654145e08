/* SPDX-License-Identifier: MIT */
/*
 * latchkey: Nuki BLE protocol — command payload codecs, both roles (spec §5, §6).
 *
 * A codec covers only a command's own fields. The challenge nonce and Security PIN that
 * authenticated commands carry last (spec §5.2) are appended by lk_cmd_finish() and taken off
 * by lk_cmd_split(), so one codec serves the client (encode, finish) and the lock (split,
 * decode) alike.
 *
 * Every codec comes as a pair:
 *   ssize_t lk_X_encode(const struct lk_X *m, uint8_t *buf, size_t size)
 *       writes the fields into buf and returns their length: -ENOBUFS if size is too small,
 *       -EMSGSIZE / -EBADMSG for a name that is too long / not UTF-8 (lk_name_put), -EINVAL
 *       for a layout length or PIN width the message does not have.
 *   int lk_X_decode(const uint8_t *p, size_t n, struct lk_X *ret)
 *       parses exactly the fields (after lk_cmd_split() for commands with a trailer) and
 *       returns 0, or -EBADMSG for a length the spec does not give; *ret is untouched then.
 * Decoders check lengths only, never value ranges: an unknown enum value decodes as its
 * number (the code rules and the lock judge values). Flags decode any non-zero byte as true
 * and encode as 0x01. Enumerated fields are plain uint8_t holding the spec's numbers (the
 * enums of wire.h name them). Names are NUL-terminated UTF-8 in char[N + 1]; decoders strip
 * the padding and ignore anything after the first NUL (spec §0). Decoders zero every field
 * the message did not carry, so decode(encode(x)) == x for any x a decoder produced.
 *
 * Pure: no allocation, no I/O, no clock. Error convention in wire.h.
 */
#pragma once

#include <sys/types.h>

#include "latchkey/keypad.h"
#include "latchkey/wire.h"

/* ---- Challenge nonce and Security PIN trailer (spec §5.2) -------------------------------- */

enum lk_cmd_auth {
        LK_AUTH_NONE,      /* no trailer */
        LK_AUTH_NONCE,     /* fields ‖ nK */
        LK_AUTH_NONCE_PIN, /* fields ‖ nK ‖ PIN (2 or 4 bytes LE, spec §0) */
};

#define LK_PIN_SIZE_MAX 4u
#define LK_TRAILER_MAX  (LK_CHALLENGE_SIZE + LK_PIN_SIZE_MAX)

/* What trailer a client→lock command carries: exactly the lists of spec §5.2. */
enum lk_cmd_auth lk_cmd_auth(uint16_t cmd);

/*
 * Append the trailer cmd needs after the fields_len bytes already in buf and return the
 * total payload length. pin may be NULL for commands without a PIN. -ENOBUFS if size is too
 * small; -EINVAL if a PIN is needed and pin is NULL, pin->size is not 2 or 4, or pin->value
 * does not fit in pin->size bytes. buf is not written on failure.
 */
LK_MUST_USE ssize_t lk_cmd_finish(uint16_t cmd, uint8_t *buf, size_t fields_len, size_t size,
                                  const uint8_t nonce[static LK_CHALLENGE_SIZE],
                                  const struct lk_pin *pin);

/*
 * Lock role: split a received payload into its fields (the first *ret_fields_len bytes) and
 * the trailer. pin_size is the lock's PIN width (2 or 4) and only matters for N+PIN commands.
 * Without a nonce ret_nonce is zeroed; without a PIN *ret_pin is { 0, 0 }. ret_pin may be
 * NULL. -EBADMSG if the payload is shorter than its trailer; -EINVAL for a bad pin_size.
 */
LK_MUST_USE int lk_cmd_split(uint16_t cmd, const uint8_t *payload, size_t n, unsigned pin_size,
                             size_t *ret_fields_len, uint8_t ret_nonce[static LK_CHALLENGE_SIZE],
                             struct lk_pin *ret_pin);

/*
 * The time window as most entries carry it (spec §6.10, §6.12, §6.35): time limited (1) ‖
 * from (7) ‖ until (7) ‖ weekdays (1) ‖ from time (2) ‖ until time (2). When not time limited
 * the encoder zero-fills the window [DECISION, spec §6.35] and the decoder ignores it (a
 * window that is not in force carries no meaning), so both sides agree on one value.
 */
#define LK_WINDOW_SIZE 20u
void lk_window_put(uint8_t p[static LK_WINDOW_SIZE], const struct lk_window *w);
void lk_window_get(const uint8_t p[static LK_WINDOW_SIZE], struct lk_window *ret);

/* ---- Request Data, Challenge, Status, Error Report --------------------------------------- */

/* Request Data (0x0001, spec §6.1): requested command ‖ command-specific extra bytes. */
#define LK_REQUEST_DATA_MIN       2u
#define LK_REQUEST_DATA_EXTRA_MAX (LK_PAYLOAD_MAX - LK_REQUEST_DATA_MIN)
struct lk_request_data {
        uint16_t cmd;
        uint8_t extra_len;
        uint8_t extra[LK_REQUEST_DATA_EXTRA_MAX];
};
LK_MUST_USE ssize_t lk_request_data_encode(const struct lk_request_data *m, uint8_t *buf,
                                           size_t size);
LK_MUST_USE int lk_request_data_decode(const uint8_t *p, size_t n, struct lk_request_data *ret);

/* Challenge (0x0004, spec §6.2): the 32-byte challenge nonce nK. */
#define LK_CHALLENGE_MSG_SIZE LK_CHALLENGE_SIZE
struct lk_challenge {
        uint8_t nonce[LK_CHALLENGE_SIZE];
};
LK_MUST_USE ssize_t lk_challenge_encode(const struct lk_challenge *m, uint8_t *buf, size_t size);
LK_MUST_USE int lk_challenge_decode(const uint8_t *p, size_t n, struct lk_challenge *ret);

/* Status (0x000E, spec §6.18). The struct is lk_status_msg: enum lk_status owns the tag. */
#define LK_STATUS_SIZE 1u
struct lk_status_msg {
        uint8_t status; /* enum lk_status */
};
LK_MUST_USE ssize_t lk_status_encode(const struct lk_status_msg *m, uint8_t *buf, size_t size);
LK_MUST_USE int lk_status_decode(const uint8_t *p, size_t n, struct lk_status_msg *ret);

/* Error Report (0x0012, spec §6.21). */
#define LK_ERROR_REPORT_SIZE 3u
struct lk_error_report {
        uint8_t code; /* enum lk_error */
        uint16_t cmd; /* the command that failed, 0 if unknown */
};
LK_MUST_USE ssize_t lk_error_report_encode(const struct lk_error_report *m, uint8_t *buf,
                                           size_t size);
LK_MUST_USE int lk_error_report_decode(const uint8_t *p, size_t n, struct lk_error_report *ret);

/* ---- Lock state and actions --------------------------------------------------------------- */

/*
 * Keyturner States (0x000C, spec §6.14). Fields were appended over firmware generations:
 * decoders accept any length >= 13 and record in len how many known field bytes were there
 * (at most 27, unknown trailing bytes ignored); fields past len are zero. The encoder emits
 * exactly len bytes, 13..27; the layouts firmware uses are named below.
 */
#define LK_KEYTURNER_STATES_MIN   13u
#define LK_KEYTURNER_STATES_2016  15u /* spec §11 example firmware */
#define LK_KEYTURNER_STATES_API20 19u /* API 2.0/2.1 */
#define LK_KEYTURNER_STATES_API22 21u /* API 2.2, SL2/3 */
#define LK_KEYTURNER_STATES_FULL  27u /* SL4/Ultra */
#define LK_BATTERY_STATE_CRITICAL 0x01u /* byte 12 bit0 */
#define LK_BATTERY_STATE_CHARGING 0x02u /* byte 12 bit1 (2.2+); bits 2–7: charge % / 2 */
struct lk_keyturner_states {
        uint8_t len;            /* known field bytes present: 13..27 */
        uint8_t nuki_state;     /* enum lk_nuki_state */
        uint8_t lock_state;     /* enum lk_lock_state */
        uint8_t trigger;        /* enum lk_trigger */
        struct lk_datetime current_time; /* UTC */
        int16_t timezone_offset; /* minutes: local = UTC + offset */
        uint8_t battery_state;  /* LK_BATTERY_STATE_* bits */
        /* len >= 14 */
        uint8_t config_update_count;
        /* len >= 15 */
        uint8_t lock_n_go_timer;
        /* len >= 16 .. 19 */
        uint8_t last_lock_action;    /* enum lk_lock_action */
        uint8_t last_lock_trigger;   /* enum lk_trigger */
        uint8_t last_lock_completion; /* enum lk_completion */
        uint8_t door_sensor_state;   /* enum lk_door_sensor */
        /* len >= 20, 21 */
        bool night_mode_active;
        uint8_t accessory_battery_state; /* bit0 keypad info, bit1 keypad critical, bit2/3 door sensor */
        /* len >= 22 .. 27 */
        uint8_t remote_access_status;
        int8_t bridge_rssi;
        int8_t wifi_rssi;
        uint8_t wifi_status;
        uint8_t mqtt_status;
        uint8_t thread_status;
};
LK_MUST_USE ssize_t lk_keyturner_states_encode(const struct lk_keyturner_states *m, uint8_t *buf,
                                               size_t size);
LK_MUST_USE int lk_keyturner_states_decode(const uint8_t *p, size_t n,
                                           struct lk_keyturner_states *ret);

/*
 * Lock Action (0x000D, spec §6.15): action ‖ app id ‖ flags [‖ name suffix (20)]. The encoder
 * sends the suffix only when it is not empty (6 or 26 field bytes); the decoder tells the two
 * by length. The struct is lk_lock_action_msg: enum lk_lock_action owns the tag.
 */
#define LK_LOCK_ACTION_SIZE        6u
#define LK_LOCK_ACTION_SUFFIX_SIZE (LK_LOCK_ACTION_SIZE + LK_SUFFIX_SIZE)
#define LK_LOCK_ACTION_FLAG_AUTO_UNLOCK 0x01u
#define LK_LOCK_ACTION_FLAG_FORCE       0x02u
struct lk_lock_action_msg {
        uint8_t action;  /* enum lk_lock_action */
        uint32_t app_id; /* the ID the sender paired with */
        uint8_t flags;   /* LK_LOCK_ACTION_FLAG_* */
        char suffix[LK_SUFFIX_SIZE + 1]; /* "" = none */
};
LK_MUST_USE ssize_t lk_lock_action_encode(const struct lk_lock_action_msg *m, uint8_t *buf,
                                          size_t size);
LK_MUST_USE int lk_lock_action_decode(const uint8_t *p, size_t n, struct lk_lock_action_msg *ret);

/* Simple Lock Action (0x0100, spec §6.16): action [‖ name suffix (20)]: 1 or 21 bytes. */
#define LK_SIMPLE_LOCK_ACTION_SIZE        1u
#define LK_SIMPLE_LOCK_ACTION_SUFFIX_SIZE (LK_SIMPLE_LOCK_ACTION_SIZE + LK_SUFFIX_SIZE)
struct lk_simple_lock_action {
        uint8_t action; /* 0x01 unlock, 0x02 lock */
        char suffix[LK_SUFFIX_SIZE + 1];
};
LK_MUST_USE ssize_t lk_simple_lock_action_encode(const struct lk_simple_lock_action *m,
                                                 uint8_t *buf, size_t size);
LK_MUST_USE int lk_simple_lock_action_decode(const uint8_t *p, size_t n,
                                             struct lk_simple_lock_action *ret);

/* Keypad Action (0x0048, spec §6.17). */
#define LK_KEYPAD_ACTION_SIZE 6u
struct lk_keypad_action {
        uint8_t source; /* enum lk_keypad_source */
        uint32_t code;
        uint8_t action; /* 0 intelligent, 1 unlock, 2 lock, 3 unlatch, 4 lock 'n' go */
};
LK_MUST_USE ssize_t lk_keypad_action_encode(const struct lk_keypad_action *m, uint8_t *buf,
                                            size_t size);
LK_MUST_USE int lk_keypad_action_decode(const uint8_t *p, size_t n, struct lk_keypad_action *ret);

/* Battery Report (0x0011, spec §6.20). */
#define LK_BATTERY_REPORT_SIZE 17u
struct lk_battery_report {
        uint16_t drain;           /* mWs, last lock action */
        uint16_t voltage;         /* mV */
        bool critical;
        uint8_t last_lock_action; /* enum lk_lock_action, 0 = none yet */
        uint16_t start_voltage;   /* mV */
        uint16_t lowest_voltage;  /* mV */
        uint16_t lock_distance;   /* degrees */
        int8_t start_temperature; /* °C */
        uint16_t max_turn_current;
        uint16_t battery_resistance;
};
LK_MUST_USE ssize_t lk_battery_report_encode(const struct lk_battery_report *m, uint8_t *buf,
                                             size_t size);
LK_MUST_USE int lk_battery_report_decode(const uint8_t *p, size_t n,
                                         struct lk_battery_report *ret);

/* ---- Configuration ------------------------------------------------------------------------ */

/* Set Config (0x0013, spec §6.22). */
#define LK_SET_CONFIG_SIZE 55u
struct lk_set_config {
        char name[LK_AUTH_NAME_SIZE + 1];
        float latitude;
        float longitude;
        bool auto_unlatch;
        bool pairing_enabled;
        bool button_enabled;
        bool led_enabled;
        uint8_t led_brightness;   /* 0..5 */
        int16_t timezone_offset;  /* minutes */
        uint8_t dst_mode;         /* enum lk_dst_mode */
        uint8_t fob_action[3];    /* enum lk_fob_action: pressed once, twice, three times */
        bool single_lock;
        uint8_t advertising_mode; /* enum lk_advertising_mode */
        uint16_t timezone_id;     /* spec §7.10, LK_TIMEZONE_NONE */
};
LK_MUST_USE ssize_t lk_set_config_encode(const struct lk_set_config *m, uint8_t *buf, size_t size);
LK_MUST_USE int lk_set_config_decode(const uint8_t *p, size_t n, struct lk_set_config *ret);

/*
 * Config (0x0015, spec §6.24): 74 bytes on API 2.1, up to 79 on newer locks; 63 bytes on
 * API v1 firmware (offsets 0–62: no single lock, advertising mode, keypad, firmware,
 * hardware, HomeKit or zone fields). The decoder accepts any length >= 63 and records in len
 * the known bytes present (at most 79, unknown trailing bytes ignored); fields past len read
 * as zero and are absent (lk_config_has()). The encoder emits exactly len bytes, 63..79.
 */
#define LK_CONFIG_MIN   63u /* API v1 */
#define LK_CONFIG_API1  63u
#define LK_CONFIG_API21 74u
#define LK_CONFIG_FULL  79u
/* A field of Config is there when len reaches past its offset (spec §6.24). */
#define LK_CONFIG_OFF_SINGLE_LOCK 63u
#define LK_CONFIG_OFF_FIRMWARE    66u
#define LK_CONFIG_OFF_TIMEZONE_ID 72u
#define LK_CONFIG_OFF_DEVICE_TYPE 74u
#define lk_config_has(c, off) ((c)->len > (off))
struct lk_config {
        uint8_t len; /* 63..79 */
        uint32_t nuki_id;
        char name[LK_AUTH_NAME_SIZE + 1];
        float latitude;
        float longitude;
        bool auto_unlatch;
        bool pairing_enabled;
        bool button_enabled;
        bool led_enabled;
        uint8_t led_brightness;
        struct lk_datetime current_time; /* UTC */
        int16_t timezone_offset;
        uint8_t dst_mode;
        bool has_fob;
        uint8_t fob_action[3];
        bool single_lock;
        uint8_t advertising_mode;
        bool has_keypad;
        uint8_t firmware_version[3]; /* major, minor, patch */
        uint8_t hardware_revision[2]; /* major, minor */
        uint8_t homekit_status;
        uint16_t timezone_id;
        /* len >= 75 .. 79 */
        uint8_t device_type;   /* enum lk_device_type */
        uint8_t capabilities;  /* bit0 Wi-Fi, bit1 Thread/Matter */
        bool has_keypad_2;
        uint8_t matter_status;
        uint8_t product_variant; /* [OSS] */
};
LK_MUST_USE ssize_t lk_config_encode(const struct lk_config *m, uint8_t *buf, size_t size);
LK_MUST_USE int lk_config_decode(const uint8_t *p, size_t n, struct lk_config *ret);

/*
 * The Set Config (spec §6.22) that keeps every setting of a Config as it is: the start of a
 * read-modify-write, so changing one setting never changes another.
 */
void lk_set_config_from_config(const struct lk_config *c, struct lk_set_config *ret);
/* Whether two Set Configs hold the same settings (floats compared bit for bit). */
bool lk_set_config_equal(const struct lk_set_config *a, const struct lk_set_config *b);

/*
 * Advanced Config (0x0037, lock→client) and Set Advanced Config (0x0035, client→lock),
 * spec §6.32. Both carry the same settings; Advanced Config leads with the read-only total
 * degrees. len counts the settings bytes (the Set Advanced Config layout): 26 on API 2.1
 * locks, 29 on SL1–4, 31 on Ultra; any length between is accepted too. Advanced Config
 * decodes any length >= 2 + 26 (trailing bytes ignored); Set Advanced Config 26..31 bytes.
 * The encoders emit exactly len settings bytes; Set Advanced Config ignores total_degrees.
 */
#define LK_ADV_SETTINGS_API21 26u
#define LK_ADV_SETTINGS_SL    29u
#define LK_ADV_SETTINGS_ULTRA 31u
#define LK_ADVANCED_CONFIG_MIN (2u + LK_ADV_SETTINGS_API21)
struct lk_advanced_config {
        uint8_t len; /* settings bytes: 26..31 */
        uint16_t total_degrees; /* Advanced Config only */
        int16_t unlocked_position_offset;
        int16_t locked_position_offset;
        int16_t single_locked_position_offset;
        int16_t unlocked_to_locked_transition_offset;
        uint8_t lock_n_go_timeout;       /* s */
        uint8_t single_button_action;    /* enum lk_button_action */
        uint8_t double_button_action;    /* enum lk_button_action */
        bool detached_cylinder;
        uint8_t battery_type;            /* enum lk_battery_type */
        bool automatic_battery_type_detection;
        uint8_t unlatch_duration;        /* s */
        uint16_t auto_lock_timeout;      /* s */
        bool auto_unlock_disabled;
        bool night_mode_enabled;
        struct lk_time night_mode_start; /* lock-local */
        struct lk_time night_mode_end;   /* lock-local */
        bool night_mode_auto_lock_enabled;
        bool night_mode_auto_unlock_disabled;
        bool night_mode_immediate_lock_on_start;
        /* len >= 27 .. 29 (API 2.2) */
        bool auto_lock_enabled;
        uint8_t immediate_auto_lock;     /* 0 disabled, 1 enabled, 0xFF not supported */
        bool auto_update_enabled;
        /* len >= 30, 31 (Ultra) */
        uint8_t motor_speed;             /* 0 standard, 1 insane, 2 gentle */
        bool slow_speed_during_night_mode;
};
LK_MUST_USE ssize_t lk_advanced_config_encode(const struct lk_advanced_config *m, uint8_t *buf,
                                              size_t size);
LK_MUST_USE int lk_advanced_config_decode(const uint8_t *p, size_t n,
                                          struct lk_advanced_config *ret);
LK_MUST_USE ssize_t lk_set_advanced_config_encode(const struct lk_advanced_config *m,
                                                  uint8_t *buf, size_t size);
LK_MUST_USE int lk_set_advanced_config_decode(const uint8_t *p, size_t n,
                                              struct lk_advanced_config *ret);

/* Update Time (0x0021, spec §6.27): the new time, UTC. */
#define LK_UPDATE_TIME_SIZE LK_DATETIME_SIZE
struct lk_update_time {
        struct lk_datetime time;
};
LK_MUST_USE ssize_t lk_update_time_encode(const struct lk_update_time *m, uint8_t *buf,
                                          size_t size);
LK_MUST_USE int lk_update_time_decode(const uint8_t *p, size_t n, struct lk_update_time *ret);

/*
 * Set Security PIN (0x0019, spec §6.25): the new PIN, in the lock's PIN width (2 bytes on
 * SL1–4, 4 on Ultra); the trailer's PIN is the current one. The encoder takes the width from
 * new_pin.size (-EINVAL unless 2 or 4 and the value fits); the decoder from pin_size (-EINVAL
 * unless 2 or 4; -EBADMSG unless n == pin_size). Verify Security PIN (0x0020) has no fields.
 */
struct lk_set_security_pin {
        struct lk_pin new_pin;
};
LK_MUST_USE ssize_t lk_set_security_pin_encode(const struct lk_set_security_pin *m, uint8_t *buf,
                                               size_t size);
LK_MUST_USE int lk_set_security_pin_decode(const uint8_t *p, size_t n, unsigned pin_size,
                                           struct lk_set_security_pin *ret);

/* ---- Authorizations ----------------------------------------------------------------------- */

/* Request Authorization Entries (0x0009, spec §6.8): offset ‖ count [‖ ID type filter]. */
#define LK_REQUEST_AUTHORIZATION_ENTRIES_SIZE        4u
#define LK_REQUEST_AUTHORIZATION_ENTRIES_FILTER_SIZE 5u /* SL4/Ultra */
struct lk_request_authorization_entries {
        uint16_t offset;
        uint16_t count;
        bool has_filter;
        uint8_t id_type_filter; /* enum lk_id_type, when has_filter */
};
LK_MUST_USE ssize_t lk_request_authorization_entries_encode(
        const struct lk_request_authorization_entries *m, uint8_t *buf, size_t size);
LK_MUST_USE int lk_request_authorization_entries_decode(
        const uint8_t *p, size_t n, struct lk_request_authorization_entries *ret);

/*
 * Authorization Entry (0x000A, spec §6.9): 56 bytes, or 75 with the time window. Both are
 * accepted whatever the time-limited flag says; the encoder sends 75 iff time limited.
 */
#define LK_AUTHORIZATION_ENTRY_SHORT_SIZE 56u
#define LK_AUTHORIZATION_ENTRY_SIZE       75u
struct lk_authorization_entry {
        uint32_t auth_id;
        uint8_t id_type; /* enum lk_id_type */
        char name[LK_AUTH_NAME_SIZE + 1];
        bool enabled;
        bool remote_allowed;
        struct lk_datetime created;     /* UTC */
        struct lk_datetime last_active; /* UTC */
        uint16_t lock_count;
        struct lk_window window;
};
LK_MUST_USE ssize_t lk_authorization_entry_encode(const struct lk_authorization_entry *m,
                                                  uint8_t *buf, size_t size);
LK_MUST_USE int lk_authorization_entry_decode(const uint8_t *p, size_t n,
                                              struct lk_authorization_entry *ret);

/* Authorization Entry Count (0x0027, spec §6.13). */
#define LK_AUTHORIZATION_ENTRY_COUNT_SIZE 2u
struct lk_authorization_entry_count {
        uint16_t count;
};
LK_MUST_USE ssize_t lk_authorization_entry_count_encode(
        const struct lk_authorization_entry_count *m, uint8_t *buf, size_t size);
LK_MUST_USE int lk_authorization_entry_count_decode(const uint8_t *p, size_t n,
                                                    struct lk_authorization_entry_count *ret);

/* Update Authorization Entry (0x0025, spec §6.12): fixed size, window always present. */
#define LK_UPDATE_AUTHORIZATION_ENTRY_SIZE 58u
struct lk_update_authorization_entry {
        uint32_t auth_id;
        char name[LK_AUTH_NAME_SIZE + 1];
        bool enabled;
        bool remote_allowed;
        struct lk_window window;
};
LK_MUST_USE ssize_t lk_update_authorization_entry_encode(
        const struct lk_update_authorization_entry *m, uint8_t *buf, size_t size);
LK_MUST_USE int lk_update_authorization_entry_decode(const uint8_t *p, size_t n,
                                                     struct lk_update_authorization_entry *ret);

/* Remove Authorization Entry (0x0008, spec §6.7). */
#define LK_REMOVE_AUTHORIZATION_ENTRY_SIZE 4u
struct lk_remove_authorization_entry {
        uint32_t auth_id;
};
LK_MUST_USE ssize_t lk_remove_authorization_entry_encode(
        const struct lk_remove_authorization_entry *m, uint8_t *buf, size_t size);
LK_MUST_USE int lk_remove_authorization_entry_decode(const uint8_t *p, size_t n,
                                                     struct lk_remove_authorization_entry *ret);

/*
 * Authorization Data (Invite) (0x000B, spec §6.10): fixed size. shared_key is a secret: the
 * caller wipes the struct and the encoded buffer (lk_wipe) when done.
 */
#define LK_AUTHORIZATION_INVITE_SIZE 86u
struct lk_authorization_invite {
        char name[LK_AUTH_NAME_SIZE + 1];
        uint8_t id_type; /* enum lk_id_type */
        uint8_t shared_key[LK_KEY_SIZE];
        bool remote_allowed;
        struct lk_window window;
};
LK_MUST_USE ssize_t lk_authorization_invite_encode(const struct lk_authorization_invite *m,
                                                   uint8_t *buf, size_t size);
LK_MUST_USE int lk_authorization_invite_decode(const uint8_t *p, size_t n,
                                               struct lk_authorization_invite *ret);

/* Authorization-ID (Invite) (0x001F, spec §6.11). */
#define LK_AUTHORIZATION_ID_INVITE_SIZE 11u
struct lk_authorization_id_invite {
        uint32_t auth_id;
        struct lk_datetime created; /* UTC */
};
LK_MUST_USE ssize_t lk_authorization_id_invite_encode(const struct lk_authorization_id_invite *m,
                                                      uint8_t *buf, size_t size);
LK_MUST_USE int lk_authorization_id_invite_decode(const uint8_t *p, size_t n,
                                                  struct lk_authorization_id_invite *ret);

/* ---- Log ---------------------------------------------------------------------------------- */

/* Request Log Entries (0x0031, spec §6.28). */
#define LK_REQUEST_LOG_ENTRIES_SIZE 8u
struct lk_request_log_entries {
        uint32_t start_index; /* 0 = oldest/newest; otherwise that entry itself is excluded */
        uint16_t count;
        bool descending;
        bool total_count; /* ask for a Log Entry Count first */
};
LK_MUST_USE ssize_t lk_request_log_entries_encode(const struct lk_request_log_entries *m,
                                                  uint8_t *buf, size_t size);
LK_MUST_USE int lk_request_log_entries_decode(const uint8_t *p, size_t n,
                                              struct lk_request_log_entries *ret);

/*
 * Log Entry (0x0032, spec §6.29): a 48-byte head, then data by type. Data of a known type
 * must be there in full; trailing padding is ignored (real firmware pads, spec §6.29). An
 * unknown type is not an error: its data bytes are kept in raw and re-encoded as they were.
 * The encoder sends exactly the documented data size.
 */
#define LK_LOG_ENTRY_HEAD_SIZE 48u
#define LK_LOG_DATA_MAX        (LK_PAYLOAD_MAX - LK_LOG_ENTRY_HEAD_SIZE)
struct lk_log_action {  /* types 0x02 lock action, 0x03 calibration, 0x04 initialization run */
        uint8_t action;     /* enum lk_lock_action */
        uint8_t trigger;    /* enum lk_trigger */
        uint8_t flags;      /* LK_LOCK_ACTION_FLAG_* */
        uint8_t completion; /* enum lk_completion */
};
struct lk_log_keypad {  /* type 0x05 */
        uint8_t action;     /* enum lk_lock_action */
        uint8_t source;     /* enum lk_keypad_source */
        uint8_t completion; /* enum lk_completion, incl. 0xE0 invalid code */
        uint16_t code_id;
};
struct lk_log_firmware { /* type 0x0A [OSS] */
        uint8_t major, minor, patch;
};
struct lk_log_raw {      /* any other type */
        uint8_t len;
        uint8_t bytes[LK_LOG_DATA_MAX];
};
struct lk_log_entry {
        uint32_t index;
        struct lk_datetime timestamp; /* UTC */
        uint32_t auth_id;             /* 0 for lock-internal events */
        char name[LK_AUTH_NAME_SIZE + 1];
        uint8_t type;                 /* enum lk_log_type; selects the member of data */
        union {
                bool enabled;                 /* 0x01 logging, 0x07 door-sensor logging */
                struct lk_log_action action;  /* 0x02, 0x03, 0x04 */
                struct lk_log_keypad keypad;  /* 0x05 */
                uint8_t door_event;           /* 0x06, enum lk_door_event */
                struct lk_log_firmware firmware; /* 0x0A */
                struct lk_log_raw raw;        /* unknown types */
        } data;
};
LK_MUST_USE ssize_t lk_log_entry_encode(const struct lk_log_entry *m, uint8_t *buf, size_t size);
LK_MUST_USE int lk_log_entry_decode(const uint8_t *p, size_t n, struct lk_log_entry *ret);

/* Log Entry Count (0x0033, spec §6.30). */
#define LK_LOG_ENTRY_COUNT_SIZE 5u
struct lk_log_entry_count {
        bool logging_enabled;
        uint16_t count;
        bool door_sensor_enabled;
        bool door_sensor_logging_enabled;
};
LK_MUST_USE ssize_t lk_log_entry_count_encode(const struct lk_log_entry_count *m, uint8_t *buf,
                                              size_t size);
LK_MUST_USE int lk_log_entry_count_decode(const uint8_t *p, size_t n,
                                          struct lk_log_entry_count *ret);

/* Enable Logging (0x0034, spec §6.31). */
#define LK_ENABLE_LOGGING_SIZE 1u
struct lk_enable_logging {
        bool enabled;
};
LK_MUST_USE ssize_t lk_enable_logging_encode(const struct lk_enable_logging *m, uint8_t *buf,
                                             size_t size);
LK_MUST_USE int lk_enable_logging_decode(const uint8_t *p, size_t n,
                                         struct lk_enable_logging *ret);

/* ---- Time control (spec §6.34) ------------------------------------------------------------ */

/*
 * One time-control entry. Time Control Entry (0x003E) and Update Time Control Entry (0x003F)
 * carry all of it; Add Time Control Entry (0x0039) only weekdays, time and action (the
 * decoder leaves id 0 and enabled false; the lock creates entries enabled).
 */
#define LK_ADD_TIME_CONTROL_ENTRY_SIZE    4u
#define LK_TIME_CONTROL_ENTRY_SIZE        6u
#define LK_UPDATE_TIME_CONTROL_ENTRY_SIZE 6u
struct lk_time_control_entry {
        uint8_t id;
        bool enabled;
        uint8_t weekdays;     /* LK_WEEKDAY_* bits, 0 = every day */
        struct lk_time time;  /* lock-local */
        uint8_t action;       /* enum lk_lock_action */
};
LK_MUST_USE ssize_t lk_add_time_control_entry_encode(const struct lk_time_control_entry *m,
                                                     uint8_t *buf, size_t size);
LK_MUST_USE int lk_add_time_control_entry_decode(const uint8_t *p, size_t n,
                                                 struct lk_time_control_entry *ret);
LK_MUST_USE ssize_t lk_time_control_entry_encode(const struct lk_time_control_entry *m,
                                                 uint8_t *buf, size_t size);
LK_MUST_USE int lk_time_control_entry_decode(const uint8_t *p, size_t n,
                                             struct lk_time_control_entry *ret);
LK_MUST_USE ssize_t lk_update_time_control_entry_encode(const struct lk_time_control_entry *m,
                                                        uint8_t *buf, size_t size);
LK_MUST_USE int lk_update_time_control_entry_decode(const uint8_t *p, size_t n,
                                                    struct lk_time_control_entry *ret);

/* Time Control Entry ID (0x003A), Remove Time Control Entry (0x003B): the entry ID. */
#define LK_TIME_CONTROL_ENTRY_ID_SIZE 1u
struct lk_time_control_entry_id {
        uint8_t id;
};
LK_MUST_USE ssize_t lk_time_control_entry_id_encode(const struct lk_time_control_entry_id *m,
                                                    uint8_t *buf, size_t size);
LK_MUST_USE int lk_time_control_entry_id_decode(const uint8_t *p, size_t n,
                                                struct lk_time_control_entry_id *ret);
LK_MUST_USE ssize_t lk_remove_time_control_entry_encode(const struct lk_time_control_entry_id *m,
                                                        uint8_t *buf, size_t size);
LK_MUST_USE int lk_remove_time_control_entry_decode(const uint8_t *p, size_t n,
                                                    struct lk_time_control_entry_id *ret);

/* Time Control Entry Count (0x003D). Request Time Control Entries (0x003C) has no fields. */
#define LK_TIME_CONTROL_ENTRY_COUNT_SIZE 1u
struct lk_time_control_entry_count {
        uint8_t count;
};
LK_MUST_USE ssize_t lk_time_control_entry_count_encode(
        const struct lk_time_control_entry_count *m, uint8_t *buf, size_t size);
LK_MUST_USE int lk_time_control_entry_count_decode(const uint8_t *p, size_t n,
                                                   struct lk_time_control_entry_count *ret);

/* ---- Keypad codes (spec §6.35) ------------------------------------------------------------ */

/*
 * Add Keypad Code (0x0041): code ‖ name ‖ window, fixed 44 bytes (window zero-filled when not
 * time limited). Uses code, name and window of the record; the decoder leaves the rest zero
 * (the lock creates codes enabled).
 */
#define LK_ADD_KEYPAD_CODE_SIZE 44u
LK_MUST_USE ssize_t lk_add_keypad_code_encode(const struct lk_keypad_code *c, uint8_t *buf,
                                              size_t size);
LK_MUST_USE int lk_add_keypad_code_decode(const uint8_t *p, size_t n, struct lk_keypad_code *ret);

/*
 * Keypad Code (0x0045): 44 bytes, or 63 with the time window; both accepted whatever the
 * flag says. The encoder sends 63 iff time limited.
 */
#define LK_KEYPAD_CODE_SHORT_SIZE 44u
#define LK_KEYPAD_CODE_SIZE       63u
LK_MUST_USE ssize_t lk_keypad_code_encode(const struct lk_keypad_code *c, uint8_t *buf,
                                          size_t size);
LK_MUST_USE int lk_keypad_code_decode(const uint8_t *p, size_t n, struct lk_keypad_code *ret);

/* Update Keypad Code (0x0046): id ‖ code ‖ name ‖ enabled ‖ window, fixed 47 bytes. */
#define LK_UPDATE_KEYPAD_CODE_SIZE 47u
LK_MUST_USE ssize_t lk_update_keypad_code_encode(const struct lk_keypad_code *c, uint8_t *buf,
                                                 size_t size);
LK_MUST_USE int lk_update_keypad_code_decode(const uint8_t *p, size_t n,
                                             struct lk_keypad_code *ret);

/* Keypad Code ID (0x0042). */
#define LK_KEYPAD_CODE_ID_SIZE 9u
struct lk_keypad_code_id {
        uint16_t id;
        struct lk_datetime created; /* UTC */
};
LK_MUST_USE ssize_t lk_keypad_code_id_encode(const struct lk_keypad_code_id *m, uint8_t *buf,
                                             size_t size);
LK_MUST_USE int lk_keypad_code_id_decode(const uint8_t *p, size_t n, struct lk_keypad_code_id *ret);

/* Request Keypad Codes (0x0043). */
#define LK_REQUEST_KEYPAD_CODES_SIZE 4u
struct lk_request_keypad_codes {
        uint16_t offset;
        uint16_t count; /* > 0 (spec §6.35; the lock checks) */
};
LK_MUST_USE ssize_t lk_request_keypad_codes_encode(const struct lk_request_keypad_codes *m,
                                                   uint8_t *buf, size_t size);
LK_MUST_USE int lk_request_keypad_codes_decode(const uint8_t *p, size_t n,
                                               struct lk_request_keypad_codes *ret);

/* Keypad Code Count (0x0044). */
#define LK_KEYPAD_CODE_COUNT_SIZE 2u
struct lk_keypad_code_count {
        uint16_t count;
};
LK_MUST_USE ssize_t lk_keypad_code_count_encode(const struct lk_keypad_code_count *m,
                                                uint8_t *buf, size_t size);
LK_MUST_USE int lk_keypad_code_count_decode(const uint8_t *p, size_t n,
                                            struct lk_keypad_code_count *ret);

/* Remove Keypad Code (0x0047). */
#define LK_REMOVE_KEYPAD_CODE_SIZE 2u
struct lk_remove_keypad_code {
        uint16_t id;
};
LK_MUST_USE ssize_t lk_remove_keypad_code_encode(const struct lk_remove_keypad_code *m,
                                                 uint8_t *buf, size_t size);
LK_MUST_USE int lk_remove_keypad_code_decode(const uint8_t *p, size_t n,
                                             struct lk_remove_keypad_code *ret);
