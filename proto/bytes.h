/* SPDX-License-Identifier: MIT */
/* Little-endian load/store helpers for proto/ (spec §0: every integer is little-endian). */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "latchkey/wire.h"

static inline void put_u8(uint8_t *p, uint8_t v) { p[0] = v; }
static inline void put_le16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}
static inline void put_le32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
}
static inline uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t get_le32(const uint8_t *p)
{
        return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
               ((uint32_t)p[3] << 24);
}
static inline void put_float(uint8_t *p, float f)
{
        uint32_t v;

        memcpy(&v, &f, sizeof(v));
        put_le32(p, v);
}
static inline float get_float(const uint8_t *p)
{
        uint32_t v = get_le32(p);
        float f;

        memcpy(&f, &v, sizeof(f));
        return f;
}

/*
 * A name field of a struct (char[cap], NUL-terminated) into its size-byte wire field (spec §0):
 * -EMSGSIZE when name is not terminated within cap, else as lk_name_put().
 */
static inline int put_name_field(uint8_t *p, size_t size, const char *name, size_t cap)
{
        if (!memchr(name, '\0', cap))
                return -EMSGSIZE;
        return lk_name_put(p, size, name);
}

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
