/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the advertisement parser (spec §1.4, ble/adv.c). Input layout:
 *   byte 0     selector: 0 raw AD payload, 1 BlueZ ManufacturerData (2-byte company id
 *              first), 2 BlueZ ServiceData (a 36-character UUID string first)
 *   the rest   the bytes
 * Invariants (abort() otherwise): the result is 0, -EBADMSG or -EMSGSIZE; on failure the
 * struct is byte-for-byte untouched and a reason is given; on success the name is NUL-
 * terminated within bounds and holds no control characters, the family is a known value, and
 * beacon fields are set only with has_beacon.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "latchkey/ble.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct lk_adv a, before;
        const char *why = NULL;
        char uuid[37];
        size_t i, len;
        int r;

        if (size < 1)
                return 0;
        lk_adv_init(&a);
        /* start from a prior advertisement, as a scan response merges into one */
        a.nuki = (data[0] & 0x80) != 0;
        before = a;
        switch (data[0] & 0x03) {
        case 0:
                r = lk_adv_parse(data + 1, size - 1, &a, &why);
                break;
        case 1:
                if (size < 3)
                        return 0;
                r = lk_adv_parse_msd((uint16_t)(data[1] | data[2] << 8), data + 3, size - 3, &a,
                                     &why);
                break;
        default:
                if (size < 37)
                        return 0;
                memcpy(uuid, data + 1, 36);
                uuid[36] = '\0';
                r = lk_adv_parse_service_data(uuid, data + 37, size - 37, &a, &why);
                break;
        }
        if (r < 0) {
                if (r != -EBADMSG && r != -EMSGSIZE && r != -EINVAL)
                        abort();
                if (memcmp(&a, &before, sizeof(a)) != 0 || (r != -EINVAL && !why))
                        abort();
                return 0;
        }
        if (r != 0)
                abort();
        len = strnlen(a.name, sizeof(a.name));
        if (len > LK_BLE_NAME_MAX)
                abort();
        for (i = 0; i < len; i++)
                if ((unsigned char)a.name[i] < 0x20 || a.name[i] == 0x7f)
                        abort();
        if ((unsigned)a.family > LK_BLE_FAMILY_OPENER)
                abort();
        if (!a.has_beacon && (a.nuki_id || a.state_changed || a.tx_power))
                abort();
        if ((a.has_beacon || a.pairing_mode || a.uninitialized) && !a.nuki)
                abort();
        return 0;
}
