/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by the two pairing roles (spec §4). Not a public header. */
#pragma once

#include <errno.h>

#include "bytes.h"
#include "latchkey/pairing.h"

/* Payload sizes of the pairing messages (spec §6.2–§6.6, §4.3). */
#define PAIR_REQUEST_DATA_LEN 2u /* requested command id */
#define PAIR_KEY_MSG_LEN LK_KEY_SIZE /* Public Key, Challenge, Authenticator: one uint8[32] */
/* spec §6.3: A2, ID type, ID, name, nA */
#define PAIR_AUTH_DATA_LEN (LK_AUTHENTICATOR_SIZE + 1u + 4u + LK_AUTH_NAME_SIZE + LK_CHALLENGE_SIZE)
/* spec §4.3 step 9: App-ID, name, PIN (uint32) */
#define PAIR_ULTRA_AUTH_DATA_LEN (4u + LK_AUTH_NAME_SIZE + 4u)
/* spec §6.4: A3, auth id, UUID, nK3 */
#define PAIR_AUTH_ID_LEN (LK_AUTHENTICATOR_SIZE + 4u + LK_UUID_SIZE + LK_CHALLENGE_SIZE)
/* spec §4.3 step 10: auth id, UUID */
#define PAIR_ULTRA_AUTH_ID_LEN (4u + LK_UUID_SIZE)
/* spec §6.5: A4, auth id */
#define PAIR_CONFIRM_LEN (LK_AUTHENTICATOR_SIZE + 4u)
#define PAIR_STATUS_LEN 1u
#define PAIR_AUTH_INFO_LEN 1u
#define PAIR_ERROR_REPORT_LEN 3u /* spec §6.21: code, command id */
#define PAIR_STATUS_COMPLETE 0x00u /* spec §5.3 */
#define PAIR_ULTRA_PIN_MAX 999999u /* spec §0: 6 digits */

_Static_assert(PAIR_AUTH_DATA_LEN == 101, "spec §6.3: Authorization Data is 101 bytes");
_Static_assert(PAIR_AUTH_ID_LEN == 84, "spec §6.4: Authorization-ID is 84 bytes");
_Static_assert(PAIR_ULTRA_AUTH_DATA_LEN == 40, "spec §4.3: Ultra Authorization Data is 40 bytes");
_Static_assert(LK_CMD_SIZE + PAIR_AUTH_DATA_LEN + LK_CRC_SIZE == LK_PAIR_OUT_MAX,
               "the largest pairing message is the SL1–4 Authorization Data");
_Static_assert(LK_ADATA_SIZE + LK_MAC_SIZE + LK_PDATA_MIN + PAIR_ULTRA_AUTH_DATA_LEN <= LK_PAIR_OUT_MAX,
               "the encrypted Ultra Authorization Data fits the output buffer");
_Static_assert(LK_CMD_SIZE + PAIR_AUTH_ID_LEN + LK_CRC_SIZE <= LK_PAIR_OUT_MAX, "Authorization-ID fits");

/* Both machines know the six generations and nothing else. */
static inline bool pair_generation_is_valid(enum lk_generation gen)
{
        switch (gen) {
        case LK_GEN_SMARTLOCK_1:
        case LK_GEN_SMARTLOCK_2:
        case LK_GEN_SMARTLOCK_3:
        case LK_GEN_SMARTLOCK_4:
        case LK_GEN_ULTRA:
        case LK_GEN_OPENER:
                return true;
        }
        return false;
}

/* Encode an unencrypted message whose size the caller has already checked against the buffer. */
static inline size_t pair_plain(uint16_t cmd, const uint8_t *payload, size_t n, uint8_t *out,
                                size_t size)
{
        ssize_t k = lk_plain_encode(cmd, payload, n, out, size);

        /* Every pairing message is at most LK_PAIR_OUT_MAX and size was checked against it. */
        return k < 0 ? 0 : (size_t)k;
}

/* Unencrypted Error Report, spec §6.21: code ‖ command id (LE) ‖ CRC. */
static inline size_t pair_error_report(uint8_t code, uint16_t cmd, uint8_t *out, size_t size)
{
        uint8_t payload[PAIR_ERROR_REPORT_LEN];

        payload[0] = code;
        put_le16(payload + 1, cmd);
        return pair_plain(LK_CMD_ERROR_REPORT, payload, sizeof(payload), out, size);
}
