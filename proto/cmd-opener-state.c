/* SPDX-License-Identifier: MIT */
/*
 * The Opener's state and actions: Keyturner States (nuki-opener.md O3), Continuous Mode
 * Action (O6.2) and which authorizations may switch continuous mode by Lock Action (O6.2).
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/opener.h"

/* O6.2 [GH NukiBleEsp32#77]: Lock Action 0x04/0x05 is not allowed for an App authorization. */
bool lk_opener_cm_via_lock_action(uint8_t id_type)
{
        return id_type != LK_ID_APP;
}

/* O3: a field is there when len > its offset. */
ssize_t lk_opener_keyturner_states_encode(const struct lk_opener_keyturner_states *m,
                                          uint8_t *buf, size_t size)
{
        uint8_t b[LK_OPENER_KEYTURNER_STATES_FULL];
        size_t n = m->len;

        if (n < LK_OPENER_KEYTURNER_STATES_MIN || n > LK_OPENER_KEYTURNER_STATES_FULL)
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
        b[14] = m->rto_timer;
        b[15] = m->last_lock_action;
        b[16] = m->last_lock_trigger;
        b[17] = m->last_lock_completion;
        memcpy(b + 18, m->unidentified, sizeof(m->unidentified));
        b[25] = m->accessory_battery_state;
        memcpy(buf, b, n);
        return (ssize_t)n;
}

_Static_assert(18 + sizeof(((struct lk_opener_keyturner_states *)0)->unidentified) == 25,
               "O3: bytes 18–24 unidentified, accessory battery at 25");

int lk_opener_keyturner_states_decode(const uint8_t *p, size_t n,
                                      struct lk_opener_keyturner_states *ret)
{
        uint8_t b[LK_OPENER_KEYTURNER_STATES_FULL] = { 0 };
        struct lk_opener_keyturner_states m;

        if (n < LK_OPENER_KEYTURNER_STATES_MIN)
                return -EBADMSG;
        if (n > LK_OPENER_KEYTURNER_STATES_FULL)
                n = LK_OPENER_KEYTURNER_STATES_FULL; /* newer firmware: unknown bytes ignored */
        memcpy(b, p, n);                              /* absent fields read as zero */

        memset(&m, 0, sizeof(m));
        m.len = (uint8_t)n;
        m.nuki_state = b[0];
        m.lock_state = b[1];
        m.trigger = b[2];
        lk_datetime_get(b + 3, &m.current_time);
        m.timezone_offset = (int16_t)get_le16(b + 10);
        m.battery_state = b[12];
        m.config_update_count = b[13];
        m.rto_timer = b[14];
        m.last_lock_action = b[15];
        m.last_lock_trigger = b[16];
        m.last_lock_completion = b[17];
        memcpy(m.unidentified, b + 18, sizeof(m.unidentified));
        m.accessory_battery_state = b[25];
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* O3 [OSS-E]: critical iff bit0 (info supported) and bit1 (critical) are both set. */
bool lk_opener_keypad_battery_critical(const struct lk_opener_keyturner_states *s)
{
        const uint8_t both = LK_OPENER_KEYPAD_BATTERY_INFO | LK_OPENER_KEYPAD_BATTERY_CRITICAL;

        return s->len > 25 && (s->accessory_battery_state & both) == both;
}

/* O6.2: enabled ‖ timeout. */
ssize_t lk_continuous_mode_action_encode(const struct lk_continuous_mode_action *m, uint8_t *buf,
                                         size_t size)
{
        if (size < LK_CONTINUOUS_MODE_ACTION_SIZE)
                return -ENOBUFS;
        buf[0] = m->enabled;
        buf[1] = m->timeout;
        return LK_CONTINUOUS_MODE_ACTION_SIZE;
}

int lk_continuous_mode_action_decode(const uint8_t *p, size_t n,
                                     struct lk_continuous_mode_action *ret)
{
        struct lk_continuous_mode_action m;

        if (n != LK_CONTINUOUS_MODE_ACTION_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.enabled = p[0] != 0;
        m.timeout = p[1];
        memcpy(ret, &m, sizeof(m));
        return 0;
}
