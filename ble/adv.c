/* SPDX-License-Identifier: MIT */
/*
 * The advertisement parser (spec §1.4): bytes in, a struct lk_adv out. Pure: no I/O, no
 * allocation, no logging. Every length is checked before it is used; anything malformed is
 * refused with -EBADMSG (or -EMSGSIZE when over LK_ADV_DATA_MAX) and a short reason, and the
 * caller's struct is only written once the whole input has been accepted.
 */
#include <errno.h>
#include <string.h>

#include "ble-internal.h"
#include "latchkey/ble.h"

/* Core Supplement Part A §1: AD types we read. */
enum {
        AD_UUID128_INCOMPLETE = 0x06,
        AD_UUID128_COMPLETE = 0x07,
        AD_NAME_SHORT = 0x08,
        AD_NAME_COMPLETE = 0x09,
        AD_SERVICE_DATA_128 = 0x21,
        AD_MSD = 0xFF,
};

#define COMPANY_APPLE      0x004Cu /* spec §1.4: the iBeacon's company id */
#define IBEACON_TYPE       0x02u   /* spec §1.4 */
#define IBEACON_LEN        0x15u   /* spec §1.4: 21 bytes follow */
#define IBEACON_DATA_SIZE  (2u + IBEACON_LEN) /* after the company id: 23 */

static int refuse(int error, const char *why, const char **ret_why)
{
        if (ret_why)
                *ret_why = why;
        return error;
}

void lk_adv_init(struct lk_adv *ret)
{
        memset(ret, 0, sizeof(*ret));
}

/* spec §1.1: the family a pairing (or keyturner) service UUID names. */
static void note_service(struct lk_adv *a, const struct ble_nuki_uuid *u, bool service_data)
{
        a->nuki = true;
        switch (u->role) {
        case BLE_UUID_INIT_SERVICE:
                a->uninitialized = true;
                break;
        case BLE_UUID_PAIRING_SERVICE:
                /* spec §1.4: pairing mode is the service-data entry, not a UUID list. */
                if (service_data)
                        a->pairing_mode = true;
                a->family = u->family;
                break;
        case BLE_UUID_KEYTURNER_SERVICE:
                if (a->family == LK_BLE_FAMILY_UNKNOWN)
                        a->family = u->family;
                break;
        case BLE_UUID_PAIRING_GDIO:
        case BLE_UUID_KEYTURNER_GDIO:
        case BLE_UUID_USDIO:
        case BLE_UUID_OTHER:
                break;
        }
}

int lk_adv_parse_msd(uint16_t company, const uint8_t *data, size_t n, struct lk_adv *adv,
                     const char **ret_why)
{
        struct ble_nuki_uuid u;
        struct lk_adv a;

        if (!adv || (!data && n > 0))
                return -EINVAL;
        if (n > LK_ADV_MSD_MAX)
                return refuse(-EMSGSIZE, "manufacturer data over the advertising limit", ret_why);
        /* spec §1.4: other Apple types (HomeKit 0x06) and other companies are not ours. */
        if (company != COMPANY_APPLE || n < 1 || data[0] != IBEACON_TYPE)
                return 0;
        if (n < 2 || data[1] != IBEACON_LEN)
                return refuse(-EBADMSG, "iBeacon with a bad length byte", ret_why);
        if (n < IBEACON_DATA_SIZE)
                return refuse(-EBADMSG, "truncated iBeacon", ret_why);
        if (ble_uuid_classify_be(data + 2, &u) < 0 || u.role != BLE_UUID_KEYTURNER_SERVICE)
                return 0; /* somebody else's beacon */
        if (n != IBEACON_DATA_SIZE)
                return refuse(-EBADMSG, "oversized Nuki iBeacon", ret_why);

        a = *adv;
        note_service(&a, &u, false);
        a.has_beacon = true;
        /* spec §1.4: major ‖ minor, big-endian, is the Nuki ID; TX-power bit 0 the state bit. */
        a.nuki_id = (uint32_t)data[18] << 24 | (uint32_t)data[19] << 16 |
                    (uint32_t)data[20] << 8 | data[21];
        a.tx_power = (int8_t)data[22];
        a.state_changed = data[22] & 0x01;
        *adv = a;
        return 0;
}

static int service_data(const struct ble_nuki_uuid *u, bool is_nuki, size_t n,
                        struct lk_adv *adv, const char **ret_why)
{
        struct lk_adv a;

        if (n > LK_ADV_DATA_MAX)
                return refuse(-EMSGSIZE, "service data over the advertising limit", ret_why);
        if (!is_nuki)
                return 0;
        a = *adv;
        note_service(&a, u, true);
        *adv = a;
        return 0;
}

int lk_adv_parse_service_data(const char *uuid, const uint8_t *data, size_t n,
                              struct lk_adv *adv, const char **ret_why)
{
        struct ble_nuki_uuid u;
        uint8_t be[16];

        if (!uuid || !adv || (!data && n > 0))
                return -EINVAL;
        if (ble_uuid_parse(uuid, be) < 0)
                return refuse(-EBADMSG, "service data with a malformed UUID", ret_why);
        return service_data(&u, ble_uuid_classify_be(be, &u) == 0, n, adv, ret_why);
}

void lk_adv_parse_service_uuid(const char *uuid, struct lk_adv *adv)
{
        struct ble_nuki_uuid u;
        uint8_t be[16];

        if (!uuid || !adv || ble_uuid_parse(uuid, be) < 0 || ble_uuid_classify_be(be, &u) < 0)
                return;
        note_service(adv, &u, false);
}

/* Names travel to terminals and logs: keep printable ASCII and UTF-8, replace controls. */
static void copy_name(char dst[static LK_BLE_NAME_MAX + 1], const uint8_t *src, size_t n)
{
        size_t i;

        if (n > LK_BLE_NAME_MAX)
                n = LK_BLE_NAME_MAX;
        for (i = 0; i < n && src[i]; i++)
                dst[i] = (src[i] < 0x20 || src[i] == 0x7f) ? '?' : (char)src[i];
        dst[i] = '\0';
}

int lk_adv_parse(const uint8_t *data, size_t n, struct lk_adv *adv, const char **ret_why)
{
        struct lk_adv a;
        bool have_complete_name = false;
        size_t off = 0;
        int r;

        if (!adv || (!data && n > 0))
                return -EINVAL;
        if (n > LK_ADV_DATA_MAX)
                return refuse(-EMSGSIZE, "advertising data over 1650 bytes", ret_why);

        a = *adv;
        while (off < n) {
                size_t len = data[off];
                const uint8_t *v;
                size_t vlen;

                /* Core Supplement Part A §1: a zero length ends the significant part. */
                if (len == 0)
                        break;
                if (len > n - off - 1)
                        return refuse(-EBADMSG, "AD structure runs past the end", ret_why);
                v = data + off + 2;
                vlen = len - 1;
                switch (data[off + 1]) {
                case AD_MSD:
                        if (vlen < 2)
                                return refuse(-EBADMSG, "manufacturer data without a company id",
                                              ret_why);
                        r = lk_adv_parse_msd((uint16_t)(v[0] | v[1] << 8), v + 2, vlen - 2, &a,
                                             ret_why);
                        if (r < 0)
                                return r;
                        break;
                case AD_SERVICE_DATA_128: {
                        struct ble_nuki_uuid u;
                        uint8_t be[16];
                        size_t i;

                        if (vlen < 16)
                                return refuse(-EBADMSG, "service data shorter than its UUID",
                                              ret_why);
                        /* AD data carries UUIDs little-endian (spec §1.4). */
                        for (i = 0; i < 16; i++)
                                be[i] = v[15 - i];
                        r = service_data(&u, ble_uuid_classify_be(be, &u) == 0, vlen - 16, &a,
                                         ret_why);
                        if (r < 0)
                                return r;
                        break;
                }
                case AD_UUID128_INCOMPLETE:
                case AD_UUID128_COMPLETE: {
                        size_t k, i;

                        if (vlen % 16 != 0)
                                return refuse(-EBADMSG, "128-bit UUID list of a bad length",
                                              ret_why);
                        for (k = 0; k < vlen; k += 16) {
                                struct ble_nuki_uuid u;
                                uint8_t be[16];

                                for (i = 0; i < 16; i++)
                                        be[i] = v[k + 15 - i];
                                if (ble_uuid_classify_be(be, &u) == 0)
                                        note_service(&a, &u, false);
                        }
                        break;
                }
                case AD_NAME_COMPLETE:
                        copy_name(a.name, v, vlen);
                        have_complete_name = true;
                        break;
                case AD_NAME_SHORT:
                        if (!have_complete_name && !a.name[0])
                                copy_name(a.name, v, vlen);
                        break;
                default:
                        break;
                }
                off += 1 + len;
        }
        *adv = a;
        return 0;
}

const char *lk_ble_family_name(enum lk_ble_family f)
{
        switch (f) {
        case LK_BLE_FAMILY_SMARTLOCK:
                return "Smart Lock 1-4";
        case LK_BLE_FAMILY_ULTRA:
                return "Smart Lock Ultra";
        case LK_BLE_FAMILY_OPENER:
                return "Opener";
        case LK_BLE_FAMILY_UNKNOWN:
                break;
        }
        return "unknown";
}

int lk_ble_family_generation(enum lk_ble_family f, enum lk_generation *ret)
{
        switch (f) {
        case LK_BLE_FAMILY_SMARTLOCK:
                *ret = LK_GEN_SMARTLOCK_3;
                return 0;
        case LK_BLE_FAMILY_ULTRA:
                *ret = LK_GEN_ULTRA;
                return 0;
        case LK_BLE_FAMILY_OPENER:
                *ret = LK_GEN_OPENER;
                return 0;
        case LK_BLE_FAMILY_UNKNOWN:
                break;
        }
        return -EINVAL;
}

bool lk_ble_address_is_valid(const char *address)
{
        size_t i;

        if (!address || strlen(address) != LK_BLE_ADDRESS_SIZE - 1)
                return false;
        for (i = 0; i < LK_BLE_ADDRESS_SIZE - 1; i++) {
                char c = address[i];

                if (i % 3 == 2) {
                        if (c != ':')
                                return false;
                } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                             (c >= 'A' && c <= 'F'))) {
                        return false;
                }
        }
        return true;
}
