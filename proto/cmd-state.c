/* SPDX-License-Identifier: MIT */
/*
 * Codecs of the everyday commands: Request Data, Challenge, Status, Error Report, Keyturner
 * States, Lock Action, Simple Lock Action, Keypad Action, Battery Report, Update Time
 * (spec §6.1–§6.2, §6.14–§6.18, §6.20–§6.21, §6.27).
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/commands.h"

/* spec §6.1; extra_len is a uint8_t */
_Static_assert(LK_REQUEST_DATA_EXTRA_MAX <= UINT8_MAX, "Request Data extra bytes fit extra_len");

ssize_t lk_request_data_encode(const struct lk_request_data *m, uint8_t *buf, size_t size)
{
        size_t n = LK_REQUEST_DATA_MIN + m->extra_len;

        if (m->extra_len > LK_REQUEST_DATA_EXTRA_MAX)
                return -EINVAL;
        if (size < n)
                return -ENOBUFS;
        put_le16(buf, m->cmd);
        memcpy(buf + 2, m->extra, m->extra_len);
        return (ssize_t)n;
}

int lk_request_data_decode(const uint8_t *p, size_t n, struct lk_request_data *ret)
{
        struct lk_request_data m;

        if (n < LK_REQUEST_DATA_MIN || n - LK_REQUEST_DATA_MIN > LK_REQUEST_DATA_EXTRA_MAX)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.cmd = get_le16(p);
        m.extra_len = (uint8_t)(n - LK_REQUEST_DATA_MIN);
        memcpy(m.extra, p + 2, m.extra_len);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.2 */
ssize_t lk_challenge_encode(const struct lk_challenge *m, uint8_t *buf, size_t size)
{
        if (size < LK_CHALLENGE_MSG_SIZE)
                return -ENOBUFS;
        memcpy(buf, m->nonce, LK_CHALLENGE_SIZE);
        return LK_CHALLENGE_MSG_SIZE;
}

int lk_challenge_decode(const uint8_t *p, size_t n, struct lk_challenge *ret)
{
        if (n != LK_CHALLENGE_MSG_SIZE)
                return -EBADMSG;
        memcpy(ret->nonce, p, LK_CHALLENGE_SIZE);
        return 0;
}

/* spec §6.18 */
ssize_t lk_status_encode(const struct lk_status_msg *m, uint8_t *buf, size_t size)
{
        if (size < LK_STATUS_SIZE)
                return -ENOBUFS;
        buf[0] = m->status;
        return LK_STATUS_SIZE;
}

int lk_status_decode(const uint8_t *p, size_t n, struct lk_status_msg *ret)
{
        if (n != LK_STATUS_SIZE)
                return -EBADMSG;
        ret->status = p[0];
        return 0;
}

/* spec §6.21 */
ssize_t lk_error_report_encode(const struct lk_error_report *m, uint8_t *buf, size_t size)
{
        if (size < LK_ERROR_REPORT_SIZE)
                return -ENOBUFS;
        buf[0] = m->code;
        put_le16(buf + 1, m->cmd);
        return LK_ERROR_REPORT_SIZE;
}

int lk_error_report_decode(const uint8_t *p, size_t n, struct lk_error_report *ret)
{
        struct lk_error_report m;

        if (n != LK_ERROR_REPORT_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.code = p[0];
        m.cmd = get_le16(p + 1);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.14: byte offsets of the optional fields; a field is there when len > offset. */
ssize_t lk_keyturner_states_encode(const struct lk_keyturner_states *m, uint8_t *buf, size_t size)
{
        uint8_t b[LK_KEYTURNER_STATES_FULL];
        size_t n = m->len;

        if (n < LK_KEYTURNER_STATES_MIN || n > LK_KEYTURNER_STATES_FULL)
                return -EINVAL;
        if (size < n)
                return -ENOBUFS;
        b[0] = m->nuki_state;
        b[1] = m->lock_state;
        b[2] = m->trigger;
        lk_datetime_put(b + 3, &m->current_time);
        put_le16(b + 10, (uint16_t)m->timezone_offset);
        b[12] = m->battery_state;
        b[13] = m->config_update_count;
        b[14] = m->lock_n_go_timer;
        b[15] = m->last_lock_action;
        b[16] = m->last_lock_trigger;
        b[17] = m->last_lock_completion;
        b[18] = m->door_sensor_state;
        b[19] = m->night_mode_active;
        b[20] = m->accessory_battery_state;
        b[21] = m->remote_access_status;
        b[22] = (uint8_t)m->bridge_rssi;
        b[23] = (uint8_t)m->wifi_rssi;
        b[24] = m->wifi_status;
        b[25] = m->mqtt_status;
        b[26] = m->thread_status;
        memcpy(buf, b, n);
        return (ssize_t)n;
}

int lk_keyturner_states_decode(const uint8_t *p, size_t n, struct lk_keyturner_states *ret)
{
        uint8_t b[LK_KEYTURNER_STATES_FULL] = { 0 };
        struct lk_keyturner_states m;

        if (n < LK_KEYTURNER_STATES_MIN)
                return -EBADMSG;
        if (n > LK_KEYTURNER_STATES_FULL)
                n = LK_KEYTURNER_STATES_FULL; /* newer firmware: unknown fields ignored */
        memcpy(b, p, n);                       /* absent fields read as zero */

        memset(&m, 0, sizeof(m));
        m.len = (uint8_t)n;
        m.nuki_state = b[0];
        m.lock_state = b[1];
        m.trigger = b[2];
        lk_datetime_get(b + 3, &m.current_time);
        m.timezone_offset = (int16_t)get_le16(b + 10);
        m.battery_state = b[12];
        m.config_update_count = b[13];
        m.lock_n_go_timer = b[14];
        m.last_lock_action = b[15];
        m.last_lock_trigger = b[16];
        m.last_lock_completion = b[17];
        m.door_sensor_state = b[18];
        m.night_mode_active = b[19] != 0;
        m.accessory_battery_state = b[20];
        m.remote_access_status = b[21];
        m.bridge_rssi = (int8_t)b[22];
        m.wifi_rssi = (int8_t)b[23];
        m.wifi_status = b[24];
        m.mqtt_status = b[25];
        m.thread_status = b[26];
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.15: action ‖ app id ‖ flags [‖ suffix]. */
ssize_t lk_lock_action_encode(const struct lk_lock_action_msg *m, uint8_t *buf, size_t size)
{
        size_t n = m->suffix[0] ? LK_LOCK_ACTION_SUFFIX_SIZE : LK_LOCK_ACTION_SIZE;
        int r;

        if (size < n)
                return -ENOBUFS;
        buf[0] = m->action;
        put_le32(buf + 1, m->app_id);
        buf[5] = m->flags;
        if (n == LK_LOCK_ACTION_SUFFIX_SIZE) {
                r = put_name_field(buf + 6, LK_SUFFIX_SIZE, m->suffix, sizeof(m->suffix));
                if (r < 0)
                        return r;
        }
        return (ssize_t)n;
}

int lk_lock_action_decode(const uint8_t *p, size_t n, struct lk_lock_action_msg *ret)
{
        struct lk_lock_action_msg m;

        if (n != LK_LOCK_ACTION_SIZE && n != LK_LOCK_ACTION_SUFFIX_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.action = p[0];
        m.app_id = get_le32(p + 1);
        m.flags = p[5];
        if (n == LK_LOCK_ACTION_SUFFIX_SIZE)
                lk_name_get(p + 6, LK_SUFFIX_SIZE, m.suffix);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.16: action [‖ suffix]. */
ssize_t lk_simple_lock_action_encode(const struct lk_simple_lock_action *m, uint8_t *buf,
                                     size_t size)
{
        size_t n = m->suffix[0] ? LK_SIMPLE_LOCK_ACTION_SUFFIX_SIZE : LK_SIMPLE_LOCK_ACTION_SIZE;
        int r;

        if (size < n)
                return -ENOBUFS;
        buf[0] = m->action;
        if (n == LK_SIMPLE_LOCK_ACTION_SUFFIX_SIZE) {
                r = put_name_field(buf + 1, LK_SUFFIX_SIZE, m->suffix, sizeof(m->suffix));
                if (r < 0)
                        return r;
        }
        return (ssize_t)n;
}

int lk_simple_lock_action_decode(const uint8_t *p, size_t n, struct lk_simple_lock_action *ret)
{
        struct lk_simple_lock_action m;

        if (n != LK_SIMPLE_LOCK_ACTION_SIZE && n != LK_SIMPLE_LOCK_ACTION_SUFFIX_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.action = p[0];
        if (n == LK_SIMPLE_LOCK_ACTION_SUFFIX_SIZE)
                lk_name_get(p + 1, LK_SUFFIX_SIZE, m.suffix);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.17 */
ssize_t lk_keypad_action_encode(const struct lk_keypad_action *m, uint8_t *buf, size_t size)
{
        if (size < LK_KEYPAD_ACTION_SIZE)
                return -ENOBUFS;
        buf[0] = m->source;
        put_le32(buf + 1, m->code);
        buf[5] = m->action;
        return LK_KEYPAD_ACTION_SIZE;
}

int lk_keypad_action_decode(const uint8_t *p, size_t n, struct lk_keypad_action *ret)
{
        struct lk_keypad_action m;

        if (n != LK_KEYPAD_ACTION_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.source = p[0];
        m.code = get_le32(p + 1);
        m.action = p[5];
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.20 */
ssize_t lk_battery_report_encode(const struct lk_battery_report *m, uint8_t *buf, size_t size)
{
        if (size < LK_BATTERY_REPORT_SIZE)
                return -ENOBUFS;
        put_le16(buf, m->drain);
        put_le16(buf + 2, m->voltage);
        buf[4] = m->critical;
        buf[5] = m->last_lock_action;
        put_le16(buf + 6, m->start_voltage);
        put_le16(buf + 8, m->lowest_voltage);
        put_le16(buf + 10, m->lock_distance);
        buf[12] = (uint8_t)m->start_temperature;
        put_le16(buf + 13, m->max_turn_current);
        put_le16(buf + 15, m->battery_resistance);
        return LK_BATTERY_REPORT_SIZE;
}

int lk_battery_report_decode(const uint8_t *p, size_t n, struct lk_battery_report *ret)
{
        struct lk_battery_report m;

        if (n < LK_BATTERY_REPORT_SIZE) /* newer firmware's trailing fields are ignored */
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.drain = get_le16(p);
        m.voltage = get_le16(p + 2);
        m.critical = p[4] != 0;
        m.last_lock_action = p[5];
        m.start_voltage = get_le16(p + 6);
        m.lowest_voltage = get_le16(p + 8);
        m.lock_distance = get_le16(p + 10);
        m.start_temperature = (int8_t)p[12];
        m.max_turn_current = get_le16(p + 13);
        m.battery_resistance = get_le16(p + 15);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.27 */
ssize_t lk_update_time_encode(const struct lk_update_time *m, uint8_t *buf, size_t size)
{
        if (size < LK_UPDATE_TIME_SIZE)
                return -ENOBUFS;
        lk_datetime_put(buf, &m->time);
        return LK_UPDATE_TIME_SIZE;
}

int lk_update_time_decode(const uint8_t *p, size_t n, struct lk_update_time *ret)
{
        struct lk_update_time m;

        if (n != LK_UPDATE_TIME_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        lk_datetime_get(p, &m.time);
        memcpy(ret, &m, sizeof(m));
        return 0;
}
