/* SPDX-License-Identifier: MIT */
/*
 * Codecs of the configuration commands: Set Config, Config, Set Advanced Config, Advanced
 * Config (spec §6.22, §6.24, §6.32). Request Config and Request Advanced Config carry no
 * fields (spec §6.23, §6.33).
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/commands.h"

static int put_name(uint8_t *p, size_t size, const char *name, size_t cap)
{
        if (!memchr(name, '\0', cap))
                return -EMSGSIZE;
        return lk_name_put(p, size, name);
}

/* spec §6.22 */
ssize_t lk_set_config_encode(const struct lk_set_config *m, uint8_t *buf, size_t size)
{
        int r;

        if (size < LK_SET_CONFIG_SIZE)
                return -ENOBUFS;
        r = put_name(buf, LK_AUTH_NAME_SIZE, m->name, sizeof(m->name));
        if (r < 0)
                return r;
        put_float(buf + 32, m->latitude);
        put_float(buf + 36, m->longitude);
        buf[40] = m->auto_unlatch;
        buf[41] = m->pairing_enabled;
        buf[42] = m->button_enabled;
        buf[43] = m->led_enabled;
        buf[44] = m->led_brightness;
        put_le16(buf + 45, (uint16_t)m->timezone_offset);
        buf[47] = m->dst_mode;
        memcpy(buf + 48, m->fob_action, 3);
        buf[51] = m->single_lock;
        buf[52] = m->advertising_mode;
        put_le16(buf + 53, m->timezone_id);
        return LK_SET_CONFIG_SIZE;
}

int lk_set_config_decode(const uint8_t *p, size_t n, struct lk_set_config *ret)
{
        struct lk_set_config m;

        if (n != LK_SET_CONFIG_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        lk_name_get(p, LK_AUTH_NAME_SIZE, m.name);
        m.latitude = get_float(p + 32);
        m.longitude = get_float(p + 36);
        m.auto_unlatch = p[40] != 0;
        m.pairing_enabled = p[41] != 0;
        m.button_enabled = p[42] != 0;
        m.led_enabled = p[43] != 0;
        m.led_brightness = p[44];
        m.timezone_offset = (int16_t)get_le16(p + 45);
        m.dst_mode = p[47];
        memcpy(m.fob_action, p + 48, 3);
        m.single_lock = p[51] != 0;
        m.advertising_mode = p[52];
        m.timezone_id = get_le16(p + 53);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.24: 63 bytes (API v1), 74 (API 2.1), then device type, capabilities, keypad 2,
 * Matter, variant. */
ssize_t lk_config_encode(const struct lk_config *m, uint8_t *buf, size_t size)
{
        uint8_t b[LK_CONFIG_FULL];
        size_t n = m->len;
        int r;

        if (n < LK_CONFIG_MIN || n > LK_CONFIG_FULL)
                return -EINVAL;
        if (size < n)
                return -ENOBUFS;
        put_le32(b, m->nuki_id);
        r = put_name(b + 4, LK_AUTH_NAME_SIZE, m->name, sizeof(m->name));
        if (r < 0)
                return r;
        put_float(b + 36, m->latitude);
        put_float(b + 40, m->longitude);
        b[44] = m->auto_unlatch;
        b[45] = m->pairing_enabled;
        b[46] = m->button_enabled;
        b[47] = m->led_enabled;
        b[48] = m->led_brightness;
        lk_datetime_put(b + 49, &m->current_time);
        put_le16(b + 56, (uint16_t)m->timezone_offset);
        b[58] = m->dst_mode;
        b[59] = m->has_fob;
        memcpy(b + 60, m->fob_action, 3);
        b[63] = m->single_lock;
        b[64] = m->advertising_mode;
        b[65] = m->has_keypad;
        memcpy(b + 66, m->firmware_version, 3);
        memcpy(b + 69, m->hardware_revision, 2);
        b[71] = m->homekit_status;
        put_le16(b + 72, m->timezone_id);
        b[74] = m->device_type;
        b[75] = m->capabilities;
        b[76] = m->has_keypad_2;
        b[77] = m->matter_status;
        b[78] = m->product_variant;
        memcpy(buf, b, n);
        return (ssize_t)n;
}

int lk_config_decode(const uint8_t *p, size_t n, struct lk_config *ret)
{
        uint8_t b[LK_CONFIG_FULL] = { 0 };
        struct lk_config m;

        if (n < LK_CONFIG_MIN)
                return -EBADMSG;
        if (n > LK_CONFIG_FULL)
                n = LK_CONFIG_FULL; /* parse tolerantly (spec §6.24): ignore what we don't know */
        memcpy(b, p, n);  /* absent fields (an API v1 lock's 63 bytes) read as zero */

        memset(&m, 0, sizeof(m));
        m.len = (uint8_t)n;
        m.nuki_id = get_le32(b);
        lk_name_get(b + 4, LK_AUTH_NAME_SIZE, m.name);
        m.latitude = get_float(b + 36);
        m.longitude = get_float(b + 40);
        m.auto_unlatch = b[44] != 0;
        m.pairing_enabled = b[45] != 0;
        m.button_enabled = b[46] != 0;
        m.led_enabled = b[47] != 0;
        m.led_brightness = b[48];
        lk_datetime_get(b + 49, &m.current_time);
        m.timezone_offset = (int16_t)get_le16(b + 56);
        m.dst_mode = b[58];
        m.has_fob = b[59] != 0;
        memcpy(m.fob_action, b + 60, 3);
        m.single_lock = b[63] != 0;
        m.advertising_mode = b[64];
        m.has_keypad = b[65] != 0;
        memcpy(m.firmware_version, b + 66, 3);
        memcpy(m.hardware_revision, b + 69, 2);
        m.homekit_status = b[71];
        m.timezone_id = get_le16(b + 72);
        m.device_type = b[74];
        m.capabilities = b[75];
        m.has_keypad_2 = b[76] != 0;
        m.matter_status = b[77];
        m.product_variant = b[78];
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.22 vs §6.24: every field Set Config writes, from where Config carries it. */
void lk_set_config_from_config(const struct lk_config *c, struct lk_set_config *ret)
{
        struct lk_set_config m;

        memset(&m, 0, sizeof(m));
        memcpy(m.name, c->name, sizeof(m.name));
        m.latitude = c->latitude;
        m.longitude = c->longitude;
        m.auto_unlatch = c->auto_unlatch;
        m.pairing_enabled = c->pairing_enabled;
        m.button_enabled = c->button_enabled;
        m.led_enabled = c->led_enabled;
        m.led_brightness = c->led_brightness;
        m.timezone_offset = c->timezone_offset;
        m.dst_mode = c->dst_mode;
        memcpy(m.fob_action, c->fob_action, sizeof(m.fob_action));
        m.single_lock = c->single_lock;
        m.advertising_mode = c->advertising_mode;
        m.timezone_id = c->timezone_id;
        *ret = m;
}

bool lk_set_config_equal(const struct lk_set_config *a, const struct lk_set_config *b)
{
        uint8_t x[LK_SET_CONFIG_SIZE] = { 0 }, y[LK_SET_CONFIG_SIZE] = { 0 };

        /* The wire form is the one comparison that knows every field, floats included. */
        if (lk_set_config_encode(a, x, sizeof(x)) < 0 || lk_set_config_encode(b, y, sizeof(y)) < 0)
                return false;
        return memcmp(x, y, sizeof(x)) == 0;
}

/*
 * spec §6.32, the settings in the Set Advanced Config layout (Advanced Config has them at
 * +2, after total degrees). b holds LK_ADV_SETTINGS_ULTRA bytes; the caller sends len.
 */
static void settings_put(uint8_t b[static LK_ADV_SETTINGS_ULTRA], const struct lk_advanced_config *m)
{
        put_le16(b, (uint16_t)m->unlocked_position_offset);
        put_le16(b + 2, (uint16_t)m->locked_position_offset);
        put_le16(b + 4, (uint16_t)m->single_locked_position_offset);
        put_le16(b + 6, (uint16_t)m->unlocked_to_locked_transition_offset);
        b[8] = m->lock_n_go_timeout;
        b[9] = m->single_button_action;
        b[10] = m->double_button_action;
        b[11] = m->detached_cylinder;
        b[12] = m->battery_type;
        b[13] = m->automatic_battery_type_detection;
        b[14] = m->unlatch_duration;
        put_le16(b + 15, m->auto_lock_timeout);
        b[17] = m->auto_unlock_disabled;
        b[18] = m->night_mode_enabled;
        lk_time_put(b + 19, &m->night_mode_start);
        lk_time_put(b + 21, &m->night_mode_end);
        b[23] = m->night_mode_auto_lock_enabled;
        b[24] = m->night_mode_auto_unlock_disabled;
        b[25] = m->night_mode_immediate_lock_on_start;
        b[26] = m->auto_lock_enabled;   /* API 2.2+ */
        b[27] = m->immediate_auto_lock;
        b[28] = m->auto_update_enabled;
        b[29] = m->motor_speed;         /* Ultra */
        b[30] = m->slow_speed_during_night_mode;
}

/* b is zero past the settings that were received. */
static void settings_get(const uint8_t b[static LK_ADV_SETTINGS_ULTRA], struct lk_advanced_config *m)
{
        m->unlocked_position_offset = (int16_t)get_le16(b);
        m->locked_position_offset = (int16_t)get_le16(b + 2);
        m->single_locked_position_offset = (int16_t)get_le16(b + 4);
        m->unlocked_to_locked_transition_offset = (int16_t)get_le16(b + 6);
        m->lock_n_go_timeout = b[8];
        m->single_button_action = b[9];
        m->double_button_action = b[10];
        m->detached_cylinder = b[11] != 0;
        m->battery_type = b[12];
        m->automatic_battery_type_detection = b[13] != 0;
        m->unlatch_duration = b[14];
        m->auto_lock_timeout = get_le16(b + 15);
        m->auto_unlock_disabled = b[17] != 0;
        m->night_mode_enabled = b[18] != 0;
        lk_time_get(b + 19, &m->night_mode_start);
        lk_time_get(b + 21, &m->night_mode_end);
        m->night_mode_auto_lock_enabled = b[23] != 0;
        m->night_mode_auto_unlock_disabled = b[24] != 0;
        m->night_mode_immediate_lock_on_start = b[25] != 0;
        m->auto_lock_enabled = b[26] != 0;
        m->immediate_auto_lock = b[27];
        m->auto_update_enabled = b[28] != 0;
        m->motor_speed = b[29];
        m->slow_speed_during_night_mode = b[30] != 0;
}

static bool settings_len_ok(size_t len)
{
        return len >= LK_ADV_SETTINGS_API21 && len <= LK_ADV_SETTINGS_ULTRA;
}

/* spec §6.32: total degrees ‖ settings. */
ssize_t lk_advanced_config_encode(const struct lk_advanced_config *m, uint8_t *buf, size_t size)
{
        uint8_t b[LK_ADV_SETTINGS_ULTRA];

        if (!settings_len_ok(m->len))
                return -EINVAL;
        if (size < 2u + m->len)
                return -ENOBUFS;
        settings_put(b, m);
        put_le16(buf, m->total_degrees);
        memcpy(buf + 2, b, m->len);
        return 2 + m->len;
}

int lk_advanced_config_decode(const uint8_t *p, size_t n, struct lk_advanced_config *ret)
{
        uint8_t b[LK_ADV_SETTINGS_ULTRA] = { 0 };
        struct lk_advanced_config m;
        size_t len;

        if (n < LK_ADVANCED_CONFIG_MIN)
                return -EBADMSG;
        len = n - 2;
        if (len > LK_ADV_SETTINGS_ULTRA)
                len = LK_ADV_SETTINGS_ULTRA; /* newer firmware: ignore what we don't know */
        memcpy(b, p + 2, len);

        memset(&m, 0, sizeof(m));
        m.len = (uint8_t)len;
        m.total_degrees = get_le16(p);
        settings_get(b, &m);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.32: settings only; 26 (API 2.1), 29 (SL1–4) or 31 (Ultra) bytes. */
ssize_t lk_set_advanced_config_encode(const struct lk_advanced_config *m, uint8_t *buf,
                                      size_t size)
{
        uint8_t b[LK_ADV_SETTINGS_ULTRA];

        if (!settings_len_ok(m->len))
                return -EINVAL;
        if (size < m->len)
                return -ENOBUFS;
        settings_put(b, m);
        memcpy(buf, b, m->len);
        return m->len;
}

int lk_set_advanced_config_decode(const uint8_t *p, size_t n, struct lk_advanced_config *ret)
{
        uint8_t b[LK_ADV_SETTINGS_ULTRA] = { 0 };
        struct lk_advanced_config m;

        if (!settings_len_ok(n))
                return -EBADMSG;
        memcpy(b, p, n);

        memset(&m, 0, sizeof(m));
        m.len = (uint8_t)n;
        settings_get(b, &m);
        memcpy(ret, &m, sizeof(m));
        return 0;
}
