/* SPDX-License-Identifier: MIT */
#include "latchkey/frame.h"

/* CRC-16/CCITT-FALSE (spec §2.3): poly 0x1021 MSB first, init 0xFFFF, check("123456789") = 0x29B1. */
uint16_t lk_crc16(const void *p, size_t n)
{
        const uint8_t *b = p;
        uint16_t crc = 0xFFFF;

        while (n--) {
                crc ^= (uint16_t)(*b++ << 8);
                for (int i = 0; i < 8; i++)
                        crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        }
        return crc;
}
