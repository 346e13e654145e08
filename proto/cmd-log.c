/* SPDX-License-Identifier: MIT */
/* Codecs of the log commands (spec §6.28–§6.31): Request Log Entries, Log Entry, Count, Enable. */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/commands.h"

/* spec §6.28 */
ssize_t lk_request_log_entries_encode(const struct lk_request_log_entries *m, uint8_t *buf,
                                      size_t size)
{
        if (size < LK_REQUEST_LOG_ENTRIES_SIZE)
                return -ENOBUFS;
        put_le32(buf, m->start_index);
        put_le16(buf + 4, m->count);
        buf[6] = m->descending;
        buf[7] = m->total_count;
        return LK_REQUEST_LOG_ENTRIES_SIZE;
}

int lk_request_log_entries_decode(const uint8_t *p, size_t n, struct lk_request_log_entries *ret)
{
        struct lk_request_log_entries m;

        if (n != LK_REQUEST_LOG_ENTRIES_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.start_index = get_le32(p);
        m.count = get_le16(p + 4);
        m.descending = p[6] != 0;
        m.total_count = p[7] != 0;
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/*
 * spec §6.29: the size of a known type's data, or -1 for a type we do not know (kept raw).
 * Known sizes: 0x01 1, 0x02–0x04 4, 0x05 5, 0x06 1, 0x07 1, 0x0A 3 [OSS].
 */
static int log_data_size(uint8_t type)
{
        switch ((enum lk_log_type)type) {
        case LK_LOG_LOGGING_ENABLED:
        case LK_LOG_DOOR_SENSOR:
        case LK_LOG_DOOR_SENSOR_LOGGING:
                return 1;
        case LK_LOG_LOCK_ACTION:
        case LK_LOG_CALIBRATION:
        case LK_LOG_INITIALIZATION_RUN:
                return 4;
        case LK_LOG_KEYPAD_ACTION:
                return 5;
        case LK_LOG_FIRMWARE_UPDATE:
                return 3;
        }
        return -1;
}

/* Write the data of m (d has room for LK_LOG_DATA_MAX bytes); returns its size. */
static size_t log_data_put(uint8_t *d, const struct lk_log_entry *m)
{
        switch ((enum lk_log_type)m->type) {
        case LK_LOG_LOGGING_ENABLED:
        case LK_LOG_DOOR_SENSOR_LOGGING:
                d[0] = m->data.enabled;
                return 1;
        case LK_LOG_DOOR_SENSOR:
                d[0] = m->data.door_event;
                return 1;
        case LK_LOG_LOCK_ACTION:
        case LK_LOG_CALIBRATION:
        case LK_LOG_INITIALIZATION_RUN:
                d[0] = m->data.action.action;
                d[1] = m->data.action.trigger;
                d[2] = m->data.action.flags;
                d[3] = m->data.action.completion;
                return 4;
        case LK_LOG_KEYPAD_ACTION:
                d[0] = m->data.keypad.action;
                d[1] = m->data.keypad.source;
                d[2] = m->data.keypad.completion;
                put_le16(d + 3, m->data.keypad.code_id);
                return 5;
        case LK_LOG_FIRMWARE_UPDATE:
                d[0] = m->data.firmware.major;
                d[1] = m->data.firmware.minor;
                d[2] = m->data.firmware.patch;
                return 3;
        }
        memcpy(d, m->data.raw.bytes, m->data.raw.len);
        return m->data.raw.len;
}

/* d holds the complete data of a known type, or len bytes of an unknown one. */
static void log_data_get(const uint8_t *d, size_t len, struct lk_log_entry *m)
{
        switch ((enum lk_log_type)m->type) {
        case LK_LOG_LOGGING_ENABLED:
        case LK_LOG_DOOR_SENSOR_LOGGING:
                m->data.enabled = d[0] != 0;
                return;
        case LK_LOG_DOOR_SENSOR:
                m->data.door_event = d[0];
                return;
        case LK_LOG_LOCK_ACTION:
        case LK_LOG_CALIBRATION:
        case LK_LOG_INITIALIZATION_RUN:
                m->data.action.action = d[0];
                m->data.action.trigger = d[1];
                m->data.action.flags = d[2];
                m->data.action.completion = d[3];
                return;
        case LK_LOG_KEYPAD_ACTION:
                m->data.keypad.action = d[0];
                m->data.keypad.source = d[1];
                m->data.keypad.completion = d[2];
                m->data.keypad.code_id = get_le16(d + 3);
                return;
        case LK_LOG_FIRMWARE_UPDATE:
                m->data.firmware.major = d[0];
                m->data.firmware.minor = d[1];
                m->data.firmware.patch = d[2];
                return;
        }
        m->data.raw.len = (uint8_t)len;
        memcpy(m->data.raw.bytes, d, len);
}

_Static_assert(LK_LOG_DATA_MAX <= UINT8_MAX, "raw.len holds any data length");

/* spec §6.29: index ‖ timestamp ‖ auth id ‖ name ‖ type ‖ data. */
ssize_t lk_log_entry_encode(const struct lk_log_entry *m, uint8_t *buf, size_t size)
{
        uint8_t b[LK_LOG_ENTRY_HEAD_SIZE + LK_LOG_DATA_MAX];
        size_t n;
        int r;

        if (log_data_size(m->type) < 0 && m->data.raw.len > LK_LOG_DATA_MAX)
                return -EINVAL;
        put_le32(b, m->index);
        lk_datetime_put(b + 4, &m->timestamp);
        put_le32(b + 11, m->auth_id);
        r = put_name_field(b + 15, LK_AUTH_NAME_SIZE, m->name, sizeof(m->name));
        if (r < 0)
                return r;
        b[47] = m->type;
        n = LK_LOG_ENTRY_HEAD_SIZE + log_data_put(b + LK_LOG_ENTRY_HEAD_SIZE, m);
        if (size < n)
                return -ENOBUFS;
        memcpy(buf, b, n);
        return (ssize_t)n;
}

int lk_log_entry_decode(const uint8_t *p, size_t n, struct lk_log_entry *ret)
{
        struct lk_log_entry m;
        size_t len;
        int want;

        if (n < LK_LOG_ENTRY_HEAD_SIZE)
                return -EBADMSG;
        len = n - LK_LOG_ENTRY_HEAD_SIZE;
        want = log_data_size(p[47]);
        if (want < 0 ? len > LK_LOG_DATA_MAX : len < (size_t)want)
                return -EBADMSG; /* known types: trailing padding ignored (spec §6.29) */

        memset(&m, 0, sizeof(m));
        m.index = get_le32(p);
        lk_datetime_get(p + 4, &m.timestamp);
        m.auth_id = get_le32(p + 11);
        lk_name_get(p + 15, LK_AUTH_NAME_SIZE, m.name);
        m.type = p[47];
        log_data_get(p + LK_LOG_ENTRY_HEAD_SIZE, len, &m);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.30 */
ssize_t lk_log_entry_count_encode(const struct lk_log_entry_count *m, uint8_t *buf, size_t size)
{
        if (size < LK_LOG_ENTRY_COUNT_SIZE)
                return -ENOBUFS;
        buf[0] = m->logging_enabled;
        put_le16(buf + 1, m->count);
        buf[3] = m->door_sensor_enabled;
        buf[4] = m->door_sensor_logging_enabled;
        return LK_LOG_ENTRY_COUNT_SIZE;
}

int lk_log_entry_count_decode(const uint8_t *p, size_t n, struct lk_log_entry_count *ret)
{
        struct lk_log_entry_count m;

        if (n < LK_LOG_ENTRY_COUNT_SIZE) /* trailing bytes ignored */
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.logging_enabled = p[0] != 0;
        m.count = get_le16(p + 1);
        m.door_sensor_enabled = p[3] != 0;
        m.door_sensor_logging_enabled = p[4] != 0;
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.31 */
ssize_t lk_enable_logging_encode(const struct lk_enable_logging *m, uint8_t *buf, size_t size)
{
        if (size < LK_ENABLE_LOGGING_SIZE)
                return -ENOBUFS;
        buf[0] = m->enabled;
        return LK_ENABLE_LOGGING_SIZE;
}

int lk_enable_logging_decode(const uint8_t *p, size_t n, struct lk_enable_logging *ret)
{
        if (n != LK_ENABLE_LOGGING_SIZE)
                return -EBADMSG;
        ret->enabled = p[0] != 0;
        return 0;
}
