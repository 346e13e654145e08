/* SPDX-License-Identifier: MIT */
/*
 * latchkey: names of the protocol's values, for logs, the CLI and error messages.
 *
 * Styles (one per kind, so output reads the same everywhere):
 *   - commands: the spec §5.1 title, "Add Keypad Code";
 *   - error codes: the spec §8 identifier, "K_ERROR_BAD_PIN", and a plain sentence for a
 *     technician from lk_error_description(), "wrong security PIN";
 *   - every other value: the spec's lower-case phrase (§6, §7), "unlocked", "lock 'n' go".
 *
 * Every function takes the raw wire value (or our enum) and returns a static string, or NULL
 * when the value is not one the spec defines — callers then print the number in hex, e.g.
 *     const char *s = lk_lock_state_name(v);
 *     s ? printf("%s", s) : printf("0x%02x", v);
 * Names are unique within a kind. Nothing here allocates or fails otherwise.
 */
#pragma once

#include <stdint.h>

#include "latchkey/opener.h"
#include "latchkey/wire.h"

const char *lk_cmd_name(uint16_t cmd);                  /* spec §5.1 */
const char *lk_error_name(uint8_t code);                /* spec §8 */
const char *lk_error_description(uint8_t code);         /* spec §8 */

const char *lk_status_name(uint8_t status);             /* spec §6.18, §5.4 */
const char *lk_nuki_state_name(uint8_t state);          /* spec §7.1 */
const char *lk_lock_state_name(uint8_t state);          /* spec §7.2 */
const char *lk_trigger_name(uint8_t trigger);           /* spec §7.3 */
const char *lk_lock_action_name(uint8_t action);        /* spec §7.4 */
const char *lk_completion_name(uint8_t status);         /* spec §7.5 */
const char *lk_door_sensor_name(uint8_t state);         /* spec §7.6 */
const char *lk_door_event_name(uint8_t event);          /* spec §6.29 type 0x06 */
const char *lk_id_type_name(uint8_t type);              /* spec §7.9 */
const char *lk_log_type_name(uint8_t type);             /* spec §6.29 */
const char *lk_keypad_source_name(uint8_t source);      /* spec §6.17, §6.29 */
const char *lk_button_action_name(uint8_t action);      /* spec §6.32 */
const char *lk_fob_action_name(uint8_t action);         /* spec §6.22 */
const char *lk_battery_type_name(uint8_t type);         /* spec §7.8 */
const char *lk_advertising_mode_name(uint8_t mode);     /* spec §7.8 */
const char *lk_dst_mode_name(uint8_t mode);             /* spec §7.8 */
const char *lk_device_type_name(uint8_t type);          /* spec §6.24 */

/*
 * The Opener's values (nuki-opener.md, latchkey/opener.h), same styles. Where the Opener
 * shares a Smart Lock value set (Nuki state, trigger, completion, battery type, advertising
 * and DST mode, ID type), use the function above. The error functions give the Opener's name
 * and meaning for the four codes O8 lists and fall back to lk_error_name/_description.
 */
const char *lk_opener_lock_state_name(uint8_t state);      /* O7.2 */
const char *lk_opener_action_name(uint8_t action);         /* O6.1 */
const char *lk_opener_capabilities_name(uint8_t caps);     /* O7.5 */
const char *lk_opener_operating_mode_name(uint8_t mode);   /* O7.4 */
const char *lk_opener_fob_action_name(uint8_t action);     /* O7.6 */
const char *lk_opener_button_action_name(uint8_t action);  /* O7.7 */
const char *lk_opener_bus_mode_switch_name(uint8_t v);     /* O5.1 */
const char *lk_opener_sound_name(uint8_t sound);           /* O5.1 */
const char *lk_opener_log_type_name(uint8_t type);         /* O9 */
const char *lk_opener_ring_mode_name(uint8_t mode);        /* O9 doorbell byte 0 bits 0–1 */
const char *lk_opener_ring_source_name(uint8_t source);    /* O9 doorbell byte 1 */
const char *lk_opener_error_name(uint8_t code);            /* O8, else spec §8 */
const char *lk_opener_error_description(uint8_t code);     /* O8, else spec §8 */

/* Our own enums (not wire values): "Smart Lock 3.0", "USDIO". */
const char *lk_generation_name(enum lk_generation gen);
const char *lk_channel_name(enum lk_channel ch);

/*
 * Time-zone ID (spec §7.10): 0..45 → the IANA name, "Europe/Berlin"; LK_TIMEZONE_NONE
 * (0xFFFF) → "none"; anything else NULL.
 */
const char *lk_timezone_name(uint16_t id);
