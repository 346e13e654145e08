/* SPDX-License-Identifier: MIT */
/*
 * The Opener's configuration: Config, Set Config (nuki-opener.md O4), Advanced Config and Set
 * Advanced Config (O5). Request Config and Request Advanced Config carry only the nonce.
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/opener.h"

/* O4.1: 72 bytes, then Has Keypad 2.0 at 72 ([DECISION O4.1]). */
ssize_t lk_opener_config_encode(const struct lk_opener_config *m, uint8_t *buf, size_t size)
{
        uint8_t b[LK_OPENER_CONFIG_FULL];
        size_t n = m->len;
        int r;

        if (n < LK_OPENER_CONFIG_MIN || n > LK_OPENER_CONFIG_FULL)
                return -EINVAL;
        if (size < n)
                return -ENOBUFS;
        put_le32(b, m->nuki_id);
        r = put_name_field(b + 4, LK_AUTH_NAME_SIZE, m->name, sizeof(m->name));
        if (r < 0)
                return r;
        put_float(b + 36, m->latitude);
        put_float(b + 40, m->longitude);
        b[44] = m->capabilities;
        b[45] = m->pairing_enabled;
        b[46] = m->button_enabled;
        b[47] = m->led_flash_enabled;
        lk_datetime_put(b + 48, &m->current_time);
        put_le16(b + 55, (uint16_t)m->timezone_offset);
        b[57] = m->dst_mode;
        b[58] = m->has_fob;
        memcpy(b + 59, m->fob_action, 3);
        b[62] = m->operating_mode;
        b[63] = m->advertising_mode;
        b[64] = m->has_keypad;
        memcpy(b + 65, m->firmware_version, 3);
        memcpy(b + 68, m->hardware_revision, 2);
        put_le16(b + 70, m->timezone_id);
        b[72] = m->has_keypad_2;
        memcpy(buf, b, n);
        return (ssize_t)n;
}

int lk_opener_config_decode(const uint8_t *p, size_t n, struct lk_opener_config *ret)
{
        uint8_t b[LK_OPENER_CONFIG_FULL] = { 0 };
        struct lk_opener_config m;

        if (n < LK_OPENER_CONFIG_MIN)
                return -EBADMSG;
        if (n > LK_OPENER_CONFIG_FULL)
                n = LK_OPENER_CONFIG_FULL; /* O4.1: accept longer, ignore what we don't know */
        memcpy(b, p, n);

        memset(&m, 0, sizeof(m));
        m.len = (uint8_t)n;
        m.nuki_id = get_le32(b);
        lk_name_get(b + 4, LK_AUTH_NAME_SIZE, m.name);
        m.latitude = get_float(b + 36);
        m.longitude = get_float(b + 40);
        m.capabilities = b[44];
        m.pairing_enabled = b[45] != 0;
        m.button_enabled = b[46] != 0;
        m.led_flash_enabled = b[47] != 0;
        lk_datetime_get(b + 48, &m.current_time);
        m.timezone_offset = (int16_t)get_le16(b + 55);
        m.dst_mode = b[57];
        m.has_fob = b[58] != 0;
        memcpy(m.fob_action, b + 59, 3);
        m.operating_mode = b[62];
        m.advertising_mode = b[63];
        m.has_keypad = b[64] != 0;
        memcpy(m.firmware_version, b + 65, 3);
        memcpy(m.hardware_revision, b + 68, 2);
        m.timezone_id = get_le16(b + 70);
        m.has_keypad_2 = b[72] != 0;
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* O4.2 */
ssize_t lk_opener_set_config_encode(const struct lk_opener_set_config *m, uint8_t *buf,
                                    size_t size)
{
        int r;

        if (size < LK_OPENER_SET_CONFIG_SIZE)
                return -ENOBUFS;
        r = put_name_field(buf, LK_AUTH_NAME_SIZE, m->name, sizeof(m->name));
        if (r < 0)
                return r;
        put_float(buf + 32, m->latitude);
        put_float(buf + 36, m->longitude);
        buf[40] = m->capabilities;
        buf[41] = m->pairing_enabled;
        buf[42] = m->button_enabled;
        buf[43] = m->led_flash_enabled;
        put_le16(buf + 44, (uint16_t)m->timezone_offset);
        buf[46] = m->dst_mode;
        memcpy(buf + 47, m->fob_action, 3);
        buf[50] = m->operating_mode;
        buf[51] = m->advertising_mode;
        put_le16(buf + 52, m->timezone_id);
        return LK_OPENER_SET_CONFIG_SIZE;
}

int lk_opener_set_config_decode(const uint8_t *p, size_t n, struct lk_opener_set_config *ret)
{
        struct lk_opener_set_config m;

        if (n != LK_OPENER_SET_CONFIG_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        lk_name_get(p, LK_AUTH_NAME_SIZE, m.name);
        m.latitude = get_float(p + 32);
        m.longitude = get_float(p + 36);
        m.capabilities = p[40];
        m.pairing_enabled = p[41] != 0;
        m.button_enabled = p[42] != 0;
        m.led_flash_enabled = p[43] != 0;
        m.timezone_offset = (int16_t)get_le16(p + 44);
        m.dst_mode = p[46];
        memcpy(m.fob_action, p + 47, 3);
        m.operating_mode = p[50];
        m.advertising_mode = p[51];
        m.timezone_id = get_le16(p + 52);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* O4.2 vs O4.1: every field Set Config writes, from where Config carries it. */
void lk_opener_set_config_from_config(const struct lk_opener_config *c,
                                      struct lk_opener_set_config *ret)
{
        struct lk_opener_set_config m;

        memset(&m, 0, sizeof(m));
        memcpy(m.name, c->name, sizeof(m.name));
        m.latitude = c->latitude;
        m.longitude = c->longitude;
        m.capabilities = c->capabilities;
        m.pairing_enabled = c->pairing_enabled;
        m.button_enabled = c->button_enabled;
        m.led_flash_enabled = c->led_flash_enabled;
        m.timezone_offset = c->timezone_offset;
        m.dst_mode = c->dst_mode;
        memcpy(m.fob_action, c->fob_action, sizeof(m.fob_action));
        m.operating_mode = c->operating_mode;
        m.advertising_mode = c->advertising_mode;
        m.timezone_id = c->timezone_id;
        *ret = m;
}

/* O5.1, NukiBleEsp32's layout: b holds all 27 bytes, the caller sends what it needs. */
static void adv_put(uint8_t b[static LK_OPENER_ADVANCED_CONFIG_FULL],
                    const struct lk_opener_advanced_config *m)
{
        put_le16(b, m->intercom_id);
        b[2] = m->bus_mode_switch;
        put_le16(b + 3, m->short_circuit_duration);
        put_le16(b + 5, m->electric_strike_delay);
        b[7] = m->random_electric_strike_delay;
        put_le16(b + 8, m->electric_strike_duration);
        b[10] = m->disable_rto_after_ring;
        b[11] = m->rto_timeout;
        b[12] = m->undocumented_12;
        b[13] = m->doorbell_suppression;
        put_le16(b + 14, m->doorbell_suppression_duration);
        b[16] = m->sound_ring;
        b[17] = m->sound_open;
        b[18] = m->sound_rto;
        b[19] = m->sound_cm;
        b[20] = m->sound_confirmation;
        b[21] = m->sound_level;
        b[22] = m->single_button_action;
        b[23] = m->double_button_action;
        b[24] = m->battery_type;
        b[25] = m->automatic_battery_type_detection;
        b[26] = m->auto_update_enabled;
}

/* b is zero past the bytes that were received. */
static void adv_get(const uint8_t b[static LK_OPENER_ADVANCED_CONFIG_FULL],
                    struct lk_opener_advanced_config *m)
{
        m->intercom_id = get_le16(b);
        m->bus_mode_switch = b[2];
        m->short_circuit_duration = get_le16(b + 3);
        m->electric_strike_delay = get_le16(b + 5);
        m->random_electric_strike_delay = b[7] != 0;
        m->electric_strike_duration = get_le16(b + 8);
        m->disable_rto_after_ring = b[10] != 0;
        m->rto_timeout = b[11];
        m->undocumented_12 = b[12];
        m->doorbell_suppression = b[13];
        m->doorbell_suppression_duration = get_le16(b + 14);
        m->sound_ring = b[16];
        m->sound_open = b[17];
        m->sound_rto = b[18];
        m->sound_cm = b[19];
        m->sound_confirmation = b[20] != 0;
        m->sound_level = b[21];
        m->single_button_action = b[22];
        m->double_button_action = b[23];
        m->battery_type = b[24];
        m->automatic_battery_type_detection = b[25] != 0;
        m->auto_update_enabled = b[26] != 0;
}

/* O5.1: the Opener's answer, 26 or 27 bytes. */
ssize_t lk_opener_advanced_config_encode(const struct lk_opener_advanced_config *m, uint8_t *buf,
                                         size_t size)
{
        uint8_t b[LK_OPENER_ADVANCED_CONFIG_FULL];

        if (m->len < LK_OPENER_ADVANCED_CONFIG_MIN || m->len > LK_OPENER_ADVANCED_CONFIG_FULL)
                return -EINVAL;
        if (size < m->len)
                return -ENOBUFS;
        adv_put(b, m);
        memcpy(buf, b, m->len);
        return m->len;
}

int lk_opener_advanced_config_decode(const uint8_t *p, size_t n,
                                     struct lk_opener_advanced_config *ret)
{
        uint8_t b[LK_OPENER_ADVANCED_CONFIG_FULL] = { 0 };
        struct lk_opener_advanced_config m;

        if (n < LK_OPENER_ADVANCED_CONFIG_MIN)
                return -EBADMSG;
        if (n > LK_OPENER_ADVANCED_CONFIG_FULL)
                n = LK_OPENER_ADVANCED_CONFIG_FULL; /* newer firmware: ignore what we don't know */
        memcpy(b, p, n);

        memset(&m, 0, sizeof(m));
        m.len = (uint8_t)n;
        adv_get(b, &m);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/*
 * O5.2: the settings without the read-only auto-update, 26 bytes; or pyNukiBT's 25, which
 * lacks byte 12 (every later field one byte earlier) [DECISION O5.2].
 */
ssize_t lk_opener_set_advanced_config_encode(const struct lk_opener_advanced_config *m,
                                             uint8_t *buf, size_t size)
{
        uint8_t b[LK_OPENER_ADVANCED_CONFIG_FULL];
        size_t n;

        if (m->len == LK_OPENER_ADV_SETTINGS_PYNUKIBT && m->undocumented_12 == 0)
                n = LK_OPENER_ADV_SETTINGS_PYNUKIBT;
        else if (m->len == LK_OPENER_ADV_SETTINGS || m->len == LK_OPENER_ADVANCED_CONFIG_FULL)
                n = LK_OPENER_ADV_SETTINGS;
        else
                return -EINVAL;
        if (size < n)
                return -ENOBUFS;
        adv_put(b, m);
        if (n == LK_OPENER_ADV_SETTINGS_PYNUKIBT)
                memmove(b + 12, b + 13, n - 12);
        memcpy(buf, b, n);
        return (ssize_t)n;
}

int lk_opener_set_advanced_config_decode(const uint8_t *p, size_t n,
                                         struct lk_opener_advanced_config *ret)
{
        uint8_t b[LK_OPENER_ADVANCED_CONFIG_FULL] = { 0 };
        struct lk_opener_advanced_config m;

        if (n == LK_OPENER_ADV_SETTINGS) {
                memcpy(b, p, n);
        } else if (n == LK_OPENER_ADV_SETTINGS_PYNUKIBT) {
                memcpy(b, p, 12); /* byte 12 reads 0x00 */
                memcpy(b + 13, p + 12, n - 12);
        } else {
                return -EBADMSG;
        }

        memset(&m, 0, sizeof(m));
        m.len = (uint8_t)n;
        adv_get(b, &m);
        memcpy(ret, &m, sizeof(m));
        return 0;
}
