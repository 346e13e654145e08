/* SPDX-License-Identifier: MIT */
/* The Opener's Log Entry (0x0032): spec §6.29's head, the Opener's data (nuki-opener.md O9). */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/opener.h"

#define RING_MODE_MASK 0x03u /* O9: doorbell data byte 0, bits 0–1 */

/* O9: the data size of each Opener type; spec §6.29 for those it shares with a Smart Lock. */
size_t lk_opener_log_data_size(uint8_t type)
{
        switch ((enum lk_opener_log_type)type) {
        case LK_OPENER_LOG_LOGGING_ENABLED:
                return 1;
        case LK_OPENER_LOG_LOCK_ACTION:
        case LK_OPENER_LOG_CALIBRATION:
                return 4;
        case LK_OPENER_LOG_KEYPAD_ACTION:
                return 5;
        case LK_OPENER_LOG_DOORBELL:
                return LK_OPENER_LOG_DOORBELL_SIZE;
        }
        return LK_LOG_DATA_MAX;
}

/*
 * The data bytes of len that hold whole fields: a field cut short (the second byte of a code
 * ID missing) counts as absent, like the fields after it.
 */
static size_t whole_fields(uint8_t type, size_t len)
{
        switch ((enum lk_opener_log_type)type) {
        case LK_OPENER_LOG_KEYPAD_ACTION:
                return len == 4 ? 3 : len; /* [3..4] code ID */
        case LK_OPENER_LOG_DOORBELL:
                return len == 7 ? 6 : len; /* [6..7] code ID */
        case LK_OPENER_LOG_LOGGING_ENABLED:
        case LK_OPENER_LOG_LOCK_ACTION:
        case LK_OPENER_LOG_CALIBRATION:
                break;
        }
        return len;
}

/* All the data of m's type into d (room for LK_LOG_DATA_MAX); the caller sends data_len. */
static void data_put(uint8_t d[static LK_LOG_DATA_MAX], const struct lk_opener_log_entry *m)
{
        switch ((enum lk_opener_log_type)m->type) {
        case LK_OPENER_LOG_LOGGING_ENABLED:
                d[0] = m->data.enabled;
                return;
        case LK_OPENER_LOG_LOCK_ACTION:
        case LK_OPENER_LOG_CALIBRATION:
                d[0] = m->data.action.action;
                d[1] = m->data.action.trigger;
                d[2] = m->data.action.flags;
                d[3] = m->data.action.completion;
                return;
        case LK_OPENER_LOG_KEYPAD_ACTION:
                d[0] = m->data.keypad.action;
                d[1] = m->data.keypad.source;
                d[2] = m->data.keypad.completion;
                put_le16(d + 3, m->data.keypad.code_id);
                return;
        case LK_OPENER_LOG_DOORBELL:
                d[0] = (uint8_t)((m->data.doorbell.mode & RING_MODE_MASK) |
                                 (m->data.doorbell.mode_unknown & ~RING_MODE_MASK));
                d[1] = m->data.doorbell.source;
                d[2] = m->data.doorbell.geofence;
                d[3] = m->data.doorbell.doorbell_suppression;
                d[4] = m->data.doorbell.sound_id;
                d[5] = m->data.doorbell.completion;
                put_le16(d + 6, m->data.doorbell.code_id);
                return;
        }
        memcpy(d, m->data.raw, m->data_len);
}

/* d is zero past the data received (so absent fields read zero). */
static void data_get(const uint8_t d[static LK_LOG_DATA_MAX], struct lk_opener_log_entry *m)
{
        switch ((enum lk_opener_log_type)m->type) {
        case LK_OPENER_LOG_LOGGING_ENABLED:
                m->data.enabled = d[0] != 0;
                return;
        case LK_OPENER_LOG_LOCK_ACTION:
        case LK_OPENER_LOG_CALIBRATION:
                m->data.action.action = d[0];
                m->data.action.trigger = d[1];
                m->data.action.flags = d[2];
                m->data.action.completion = d[3];
                return;
        case LK_OPENER_LOG_KEYPAD_ACTION:
                m->data.keypad.action = d[0];
                m->data.keypad.source = d[1];
                m->data.keypad.completion = d[2];
                m->data.keypad.code_id = get_le16(d + 3);
                return;
        case LK_OPENER_LOG_DOORBELL:
                m->data.doorbell.mode = d[0] & RING_MODE_MASK;
                m->data.doorbell.mode_unknown = d[0] & (uint8_t)~RING_MODE_MASK;
                m->data.doorbell.source = d[1];
                m->data.doorbell.geofence = d[2] != 0;
                m->data.doorbell.doorbell_suppression = d[3] != 0;
                m->data.doorbell.sound_id = d[4];
                m->data.doorbell.completion = d[5];
                m->data.doorbell.code_id = get_le16(d + 6);
                return;
        }
        memcpy(m->data.raw, d, m->data_len);
}

_Static_assert(LK_LOG_DATA_MAX <= UINT8_MAX, "data_len holds any data length");

/* spec §6.29: index ‖ timestamp ‖ auth id ‖ name ‖ type ‖ data (O9). */
ssize_t lk_opener_log_entry_encode(const struct lk_opener_log_entry *m, uint8_t *buf, size_t size)
{
        uint8_t b[LK_LOG_ENTRY_HEAD_SIZE + LK_LOG_DATA_MAX] = { 0 };
        size_t n = LK_LOG_ENTRY_HEAD_SIZE + m->data_len;
        int r;

        if (m->data_len > lk_opener_log_data_size(m->type))
                return -EINVAL;
        put_le32(b, m->index);
        lk_datetime_put(b + 4, &m->timestamp);
        put_le32(b + 11, m->auth_id);
        r = put_name_field(b + 15, LK_AUTH_NAME_SIZE, m->name, sizeof(m->name));
        if (r < 0)
                return r;
        b[47] = m->type;
        data_put(b + LK_LOG_ENTRY_HEAD_SIZE, m);
        if (size < n)
                return -ENOBUFS;
        memcpy(buf, b, n);
        return (ssize_t)n;
}

int lk_opener_log_entry_decode(const uint8_t *p, size_t n, struct lk_opener_log_entry *ret)
{
        uint8_t d[LK_LOG_DATA_MAX] = { 0 };
        struct lk_opener_log_entry m;
        size_t len, known;

        if (n < LK_LOG_ENTRY_HEAD_SIZE)
                return -EBADMSG;
        len = n - LK_LOG_ENTRY_HEAD_SIZE;
        known = lk_opener_log_data_size(p[47]);
        if (len > known) {
                if (known == LK_LOG_DATA_MAX)
                        return -EBADMSG; /* more than any payload can carry */
                len = known;             /* padding after a known type's data (O9) */
        }
        len = whole_fields(p[47], len);
        memcpy(d, p + LK_LOG_ENTRY_HEAD_SIZE, len);

        memset(&m, 0, sizeof(m));
        m.index = get_le32(p);
        lk_datetime_get(p + 4, &m.timestamp);
        m.auth_id = get_le32(p + 11);
        lk_name_get(p + 15, LK_AUTH_NAME_SIZE, m.name);
        m.type = p[47];
        m.data_len = (uint8_t)len;
        data_get(d, &m);
        memcpy(ret, &m, sizeof(m));
        return 0;
}
