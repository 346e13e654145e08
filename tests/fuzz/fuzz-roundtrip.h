/* SPDX-License-Identifier: MIT */
/*
 * The round-trip property of the codec fuzz targets (fuzz-commands.c, fuzz-opener.c), each
 * an abort():
 *   - a refused input leaves the output untouched;
 *   - whatever decodes re-encodes (only a name that is not UTF-8 may be refused, -EBADMSG),
 *     and the re-encoding decodes to the same struct, byte for byte.
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "latchkey/wire.h"

#define POISON 0xA5

static inline void check_untouched(const void *p, size_t n)
{
        const uint8_t *b = p;

        for (size_t i = 0; i < n; i++)
                if (b[i] != POISON)
                        abort();
}

/* TARGET(name, type, enc, dec); — one fuzz_<name>() per codec, a statement ending in ";". */
#define TARGET(name, type, enc, dec)                                                    \
        static void fuzz_##name(const uint8_t *p, size_t n)                             \
        {                                                                               \
                uint8_t buf[LK_PAYLOAD_MAX + 64];                                       \
                type a, b;                                                              \
                ssize_t r;                                                              \
                                                                                        \
                memset(&a, POISON, sizeof(a));                                          \
                if (dec(p, n, &a) < 0) {                                                \
                        check_untouched(&a, sizeof(a));                                 \
                        return;                                                         \
                }                                                                       \
                r = enc(&a, buf, sizeof(buf));                                          \
                if (r == -EBADMSG)                                                      \
                        return; /* a name that is not UTF-8 */                          \
                if (r < 0 || (size_t)r > LK_PAYLOAD_MAX)                                \
                        abort();                                                        \
                memset(&b, POISON, sizeof(b));                                          \
                if (dec(buf, (size_t)r, &b) < 0)                                        \
                        abort();                                                        \
                if (memcmp(&a, &b, sizeof(a)) != 0)                                     \
                        abort();                                                        \
        }                                                                               \
        _Static_assert(sizeof(type) > 0, "the round trip of " #name)
