/* SPDX-License-Identifier: MIT */
/*
 * The challenge nonce and Security PIN trailer of authenticated commands (spec §5.2), the
 * PIN-width codec of Set Security PIN (spec §6.25) and the shared time-window layout
 * (spec §6.10, §6.12, §6.35).
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/commands.h"

/*
 * spec §5.2: the three lists, and the Opener-only Continuous Mode Action (nuki-opener.md
 * O6.2 [OSS-E]: enabled ‖ timeout ‖ N ‖ PIN). Request Data itself (for 0x0004/0x000C/0x0011)
 * needs neither.
 */
enum lk_cmd_auth lk_cmd_auth(uint16_t cmd)
{
        switch ((enum lk_cmd)cmd) {
        case LK_CMD_REMOVE_AUTHORIZATION_ENTRY:
        case LK_CMD_REQUEST_AUTHORIZATION_ENTRIES:
        case LK_CMD_AUTHORIZATION_DATA_INVITE:
        case LK_CMD_SET_CONFIG:
        case LK_CMD_SET_SECURITY_PIN:
        case LK_CMD_REQUEST_CALIBRATION:
        case LK_CMD_REQUEST_REBOOT:
        case LK_CMD_VERIFY_SECURITY_PIN:
        case LK_CMD_UPDATE_TIME:
        case LK_CMD_UPDATE_AUTHORIZATION_ENTRY:
        case LK_CMD_REQUEST_LOG_ENTRIES:
        case LK_CMD_ENABLE_LOGGING:
        case LK_CMD_SET_ADVANCED_CONFIG:
        case LK_CMD_ADD_TIME_CONTROL_ENTRY:
        case LK_CMD_REMOVE_TIME_CONTROL_ENTRY:
        case LK_CMD_REQUEST_TIME_CONTROL_ENTRIES:
        case LK_CMD_UPDATE_TIME_CONTROL_ENTRY:
        case LK_CMD_ADD_KEYPAD_CODE:
        case LK_CMD_REQUEST_KEYPAD_CODES:
        case LK_CMD_UPDATE_KEYPAD_CODE:
        case LK_CMD_REMOVE_KEYPAD_CODE:
        case LK_CMD_CONTINUOUS_MODE_ACTION: /* Opener only; "?" in spec §5.1, N + PIN per O6.2 */
                return LK_AUTH_NONCE_PIN;
        case LK_CMD_LOCK_ACTION:
        case LK_CMD_REQUEST_CONFIG:
        case LK_CMD_REQUEST_ADVANCED_CONFIG:
        case LK_CMD_KEYPAD_ACTION:
        case LK_CMD_SIMPLE_LOCK_ACTION:
                return LK_AUTH_NONCE;
        case LK_CMD_REQUEST_DATA:
        case LK_CMD_PUBLIC_KEY:
        case LK_CMD_CHALLENGE:
        case LK_CMD_AUTHORIZATION_AUTHENTICATOR:
        case LK_CMD_AUTHORIZATION_DATA:
        case LK_CMD_AUTHORIZATION_ID:
        case LK_CMD_AUTHORIZATION_ENTRY:
        case LK_CMD_KEYTURNER_STATES:
        case LK_CMD_STATUS:
        case LK_CMD_MOST_RECENT_COMMAND:
        case LK_CMD_OPENINGS_CLOSINGS_SUMMARY:
        case LK_CMD_BATTERY_REPORT:
        case LK_CMD_ERROR_REPORT:
        case LK_CMD_CONFIG:
        case LK_CMD_AUTHORIZATION_ID_CONFIRMATION:
        case LK_CMD_AUTHORIZATION_ID_INVITE:
        case LK_CMD_AUTHORIZATION_ENTRY_COUNT:
        case LK_CMD_START_BUS_SIGNAL_RECORDING: /* Opener only, "?" in spec §5.1 */
        case LK_CMD_LOG_ENTRY:
        case LK_CMD_LOG_ENTRY_COUNT:
        case LK_CMD_ADVANCED_CONFIG:
        case LK_CMD_TIME_CONTROL_ENTRY_ID:
        case LK_CMD_TIME_CONTROL_ENTRY_COUNT:
        case LK_CMD_TIME_CONTROL_ENTRY:
        case LK_CMD_KEYPAD_CODE_ID:
        case LK_CMD_KEYPAD_CODE_COUNT:
        case LK_CMD_KEYPAD_CODE:
        case LK_CMD_AUTHORIZATION_INFO:
                return LK_AUTH_NONE;
        }
        return LK_AUTH_NONE; /* a command the spec does not list */
}

/* spec §0: the PIN is 2 bytes (SL1–4, Opener) or 4 (Ultra), little-endian. */
static bool pin_ok(const struct lk_pin *pin)
{
        return (pin->size == 2 && pin->value <= UINT16_MAX) || pin->size == 4;
}

static void pin_put(uint8_t *p, const struct lk_pin *pin)
{
        if (pin->size == 2)
                put_le16(p, (uint16_t)pin->value);
        else
                put_le32(p, pin->value);
}

static struct lk_pin pin_get(const uint8_t *p, unsigned size)
{
        return (struct lk_pin){
                .value = size == 2 ? get_le16(p) : get_le32(p),
                .size = (uint8_t)size,
        };
}

/* spec §5.2 step 3: fields ‖ nK (32) ‖ [PIN]. */
ssize_t lk_cmd_finish(uint16_t cmd, uint8_t *buf, size_t fields_len, size_t size,
                      const uint8_t nonce[static LK_CHALLENGE_SIZE], const struct lk_pin *pin)
{
        size_t need = fields_len;
        bool with_pin = false;

        switch (lk_cmd_auth(cmd)) {
        case LK_AUTH_NONE:
                break;
        case LK_AUTH_NONCE:
                need += LK_CHALLENGE_SIZE;
                break;
        case LK_AUTH_NONCE_PIN:
                if (!pin || !pin_ok(pin))
                        return -EINVAL;
                with_pin = true;
                need += LK_CHALLENGE_SIZE + pin->size;
                break;
        }
        if (need < fields_len || need > size)
                return -ENOBUFS;
        if (need == fields_len)
                return (ssize_t)need;

        memcpy(buf + fields_len, nonce, LK_CHALLENGE_SIZE);
        if (with_pin)
                pin_put(buf + fields_len + LK_CHALLENGE_SIZE, pin);
        return (ssize_t)need;
}

int lk_cmd_split(uint16_t cmd, const uint8_t *payload, size_t n, unsigned pin_size,
                 size_t *ret_fields_len, uint8_t ret_nonce[static LK_CHALLENGE_SIZE],
                 struct lk_pin *ret_pin)
{
        struct lk_pin pin = { 0 };
        size_t trailer = 0;
        bool with_nonce = false;

        switch (lk_cmd_auth(cmd)) {
        case LK_AUTH_NONE:
                break;
        case LK_AUTH_NONCE:
                with_nonce = true;
                trailer = LK_CHALLENGE_SIZE;
                break;
        case LK_AUTH_NONCE_PIN:
                if (pin_size != 2 && pin_size != 4)
                        return -EINVAL;
                with_nonce = true;
                trailer = LK_CHALLENGE_SIZE + pin_size;
                break;
        }
        if (n < trailer)
                return -EBADMSG;

        if (trailer > LK_CHALLENGE_SIZE)
                pin = pin_get(payload + n - pin_size, pin_size);
        if (with_nonce)
                memcpy(ret_nonce, payload + n - trailer, LK_CHALLENGE_SIZE);
        else
                memset(ret_nonce, 0, LK_CHALLENGE_SIZE);
        *ret_fields_len = n - trailer;
        if (ret_pin)
                *ret_pin = pin;
        return 0;
}

/* spec §6.25: the new PIN, in the lock's PIN width. */
ssize_t lk_set_security_pin_encode(const struct lk_set_security_pin *m, uint8_t *buf, size_t size)
{
        if (!pin_ok(&m->new_pin))
                return -EINVAL;
        if (size < m->new_pin.size)
                return -ENOBUFS;
        pin_put(buf, &m->new_pin);
        return m->new_pin.size;
}

int lk_set_security_pin_decode(const uint8_t *p, size_t n, unsigned pin_size,
                               struct lk_set_security_pin *ret)
{
        if (pin_size != 2 && pin_size != 4)
                return -EINVAL;
        if (n != pin_size)
                return -EBADMSG;
        memset(ret, 0, sizeof(*ret));
        ret->new_pin = pin_get(p, pin_size);
        return 0;
}

/*
 * spec §6.10 (offset 66), §6.12 (38), §6.35 (24 / 43 / 27): time limited ‖ from ‖ until ‖
 * weekdays ‖ from time ‖ until time. Zero-filled / ignored when not time limited [DECISION].
 */
void lk_window_put(uint8_t p[static LK_WINDOW_SIZE], const struct lk_window *w)
{
        memset(p, 0, LK_WINDOW_SIZE);
        if (!w->time_limited)
                return;
        p[0] = 1;
        lk_datetime_put(p + 1, &w->from);
        lk_datetime_put(p + 8, &w->until);
        p[15] = w->weekdays;
        lk_time_put(p + 16, &w->from_time);
        lk_time_put(p + 18, &w->until_time);
}

void lk_window_get(const uint8_t p[static LK_WINDOW_SIZE], struct lk_window *ret)
{
        struct lk_window w;

        memset(&w, 0, sizeof(w));
        if (p[0]) {
                w.time_limited = true;
                lk_datetime_get(p + 1, &w.from);
                lk_datetime_get(p + 8, &w.until);
                w.weekdays = p[15];
                lk_time_get(p + 16, &w.from_time);
                lk_time_get(p + 18, &w.until_time);
        }
        memcpy(ret, &w, sizeof(w));
}
