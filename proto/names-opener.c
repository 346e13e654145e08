/* SPDX-License-Identifier: MIT */
/*
 * Names of the Opener's values (nuki-opener.md O5–O9), built like names.c: each function
 * switches over its enum of latchkey/opener.h with no default, so -Wswitch-enum fails the
 * build when a value is added without a name; values outside the enum return NULL.
 */
#include <stddef.h>

#include "latchkey/names.h"

const char *lk_opener_lock_state_name(uint8_t state)
{
        switch ((enum lk_opener_lock_state)state) {
        case LK_OPENER_STATE_UNTRAINED: return "untrained";
        case LK_OPENER_STATE_ONLINE: return "online";
        case LK_OPENER_STATE_RTO_ACTIVE: return "ring to open active";
        case LK_OPENER_STATE_OPEN: return "open";
        case LK_OPENER_STATE_OPENING: return "opening";
        case LK_OPENER_STATE_UNDEFINED: return "undefined";
        }
        return NULL;
}

const char *lk_opener_action_name(uint8_t action)
{
        switch ((enum lk_opener_action)action) {
        case LK_OPENER_ACTION_NONE: return "none";
        case LK_OPENER_ACTION_ACTIVATE_RTO: return "activate ring to open";
        case LK_OPENER_ACTION_DEACTIVATE_RTO: return "deactivate ring to open";
        case LK_OPENER_ACTION_ELECTRIC_STRIKE: return "electric strike actuation";
        case LK_OPENER_ACTION_ACTIVATE_CM: return "activate continuous mode";
        case LK_OPENER_ACTION_DEACTIVATE_CM: return "deactivate continuous mode";
        case LK_OPENER_ACTION_FOB_1: return "fob action 1";
        case LK_OPENER_ACTION_FOB_2: return "fob action 2";
        case LK_OPENER_ACTION_FOB_3: return "fob action 3";
        }
        return NULL;
}

const char *lk_opener_capabilities_name(uint8_t caps)
{
        switch ((enum lk_opener_capabilities)caps) {
        case LK_OPENER_CAP_DOOR_OPENER: return "door opener";
        case LK_OPENER_CAP_BOTH: return "door opener and ring to open";
        case LK_OPENER_CAP_RTO: return "ring to open";
        }
        return NULL;
}

const char *lk_opener_operating_mode_name(uint8_t mode)
{
        switch ((enum lk_opener_operating_mode)mode) {
        case LK_OPENER_MODE_GENERIC: return "generic door opener";
        case LK_OPENER_MODE_ANALOGUE: return "analogue intercom";
        case LK_OPENER_MODE_DIGITAL: return "digital intercom";
        case LK_OPENER_MODE_SIEDLE: return "digital intercom Siedle";
        case LK_OPENER_MODE_TCS: return "digital intercom TCS";
        case LK_OPENER_MODE_BTICINO: return "digital intercom Bticino";
        case LK_OPENER_MODE_SIEDLE_HTS: return "analogue intercom Siedle HTS";
        case LK_OPENER_MODE_STR: return "digital intercom STR";
        case LK_OPENER_MODE_RITTO: return "digital intercom Ritto";
        case LK_OPENER_MODE_FERMAX: return "digital intercom Fermax";
        case LK_OPENER_MODE_COMELIT: return "digital intercom Comelit";
        case LK_OPENER_MODE_URMET_BIBUS: return "digital intercom Urmet BiBus";
        case LK_OPENER_MODE_URMET_2VOICE: return "digital intercom Urmet 2Voice";
        case LK_OPENER_MODE_GOLMAR: return "digital intercom Golmar";
        case LK_OPENER_MODE_SKS: return "digital intercom SKS";
        case LK_OPENER_MODE_SPARE: return "digital intercom Spare";
        }
        return NULL;
}

const char *lk_opener_fob_action_name(uint8_t action)
{
        switch ((enum lk_opener_fob_action)action) {
        case LK_OPENER_FOB_NONE: return "none";
        case LK_OPENER_FOB_TOGGLE_RTO: return "toggle ring to open";
        case LK_OPENER_FOB_ACTIVATE_RTO: return "activate ring to open";
        case LK_OPENER_FOB_DEACTIVATE_RTO: return "deactivate ring to open";
        case LK_OPENER_FOB_OPEN: return "open";
        case LK_OPENER_FOB_RING: return "ring";
        }
        return NULL;
}

const char *lk_opener_button_action_name(uint8_t action)
{
        switch ((enum lk_opener_button_action)action) {
        case LK_OPENER_BUTTON_NONE: return "none";
        case LK_OPENER_BUTTON_TOGGLE_RTO: return "toggle ring to open";
        case LK_OPENER_BUTTON_ACTIVATE_RTO: return "activate ring to open";
        case LK_OPENER_BUTTON_DEACTIVATE_RTO: return "deactivate ring to open";
        case LK_OPENER_BUTTON_TOGGLE_CM: return "toggle continuous mode";
        case LK_OPENER_BUTTON_ACTIVATE_CM: return "activate continuous mode";
        case LK_OPENER_BUTTON_DEACTIVATE_CM: return "deactivate continuous mode";
        case LK_OPENER_BUTTON_OPEN: return "open";
        }
        return NULL;
}

const char *lk_opener_bus_mode_switch_name(uint8_t v)
{
        switch ((enum lk_opener_bus_mode_switch)v) {
        case LK_OPENER_BUS_SWITCH_NONE: return "none";
        case LK_OPENER_BUS_SWITCH_SHORT_CIRCUIT: return "short circuit";
        }
        return NULL;
}

const char *lk_opener_sound_name(uint8_t sound)
{
        switch ((enum lk_opener_sound)sound) {
        case LK_OPENER_SOUND_NONE: return "none";
        case LK_OPENER_SOUND_1: return "sound 1";
        case LK_OPENER_SOUND_2: return "sound 2";
        case LK_OPENER_SOUND_3: return "sound 3";
        }
        return NULL;
}

const char *lk_opener_log_type_name(uint8_t type)
{
        switch ((enum lk_opener_log_type)type) {
        case LK_OPENER_LOG_LOGGING_ENABLED: return "logging enabled";
        case LK_OPENER_LOG_LOCK_ACTION: return "lock action";
        case LK_OPENER_LOG_CALIBRATION: return "calibration";
        case LK_OPENER_LOG_KEYPAD_ACTION: return "keypad action";
        case LK_OPENER_LOG_DOORBELL: return "doorbell recognition";
        }
        return NULL;
}

const char *lk_opener_ring_mode_name(uint8_t mode)
{
        switch ((enum lk_opener_ring_mode)mode) {
        case LK_OPENER_RING_MODE_NONE: return "ring to open and continuous mode inactive";
        case LK_OPENER_RING_MODE_RTO: return "ring to open active";
        case LK_OPENER_RING_MODE_CM: return "continuous mode active";
        }
        return NULL;
}

const char *lk_opener_ring_source_name(uint8_t source)
{
        switch ((enum lk_opener_ring_source)source) {
        case LK_OPENER_RING_SOURCE_DOORBELL: return "doorbell";
        case LK_OPENER_RING_SOURCE_TIME_CONTROL: return "time control";
        case LK_OPENER_RING_SOURCE_APP: return "app";
        case LK_OPENER_RING_SOURCE_BUTTON: return "button";
        case LK_OPENER_RING_SOURCE_FOB: return "fob";
        case LK_OPENER_RING_SOURCE_BRIDGE: return "bridge";
        case LK_OPENER_RING_SOURCE_KEYPAD: return "keypad";
        }
        return NULL;
}

/* O8: go-nuki's names for the codes whose meaning differs on an Opener. */
const char *lk_opener_error_name(uint8_t code)
{
        switch ((enum lk_opener_error)code) {
        case LK_OPENER_K_ERROR_NOT_CALIBRATED: return "K_ERROR_NOT_CALIBRATED";
        case LK_OPENER_K_ERROR_LOW_VOLTAGE: return "K_ERROR_LOW_VOLTAGE";
        case LK_OPENER_K_ERROR_RECORDING_TIMEOUT: return "K_ERROR_RECORDING_TIMEOUT";
        case LK_OPENER_K_ERROR_OPERATING_MODE_UNKNOWN: return "K_ERROR_OPERATING_MODE_UNKNOWN";
        }
        return lk_error_name(code);
}

const char *lk_opener_error_description(uint8_t code)
{
        switch ((enum lk_opener_error)code) {
        case LK_OPENER_K_ERROR_NOT_CALIBRATED:
                return "the Opener has an intercom operating mode but has not been trained yet";
        case LK_OPENER_K_ERROR_LOW_VOLTAGE:
                return "the Opener sees no voltage on the intercom's bus connection";
        case LK_OPENER_K_ERROR_RECORDING_TIMEOUT:
                return "bus signal recording received no signal for 30 seconds";
        case LK_OPENER_K_ERROR_OPERATING_MODE_UNKNOWN:
                return "the Opener's firmware does not know this operating mode";
        }
        return lk_error_description(code);
}
