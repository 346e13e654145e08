/* SPDX-License-Identifier: MIT */
/*
 * Shared checks of the codec tests (test-commands.c, test-opener-*.c): a round trip and the
 * lengths around it, the way commands.h promises them.
 */
#pragma once

#include <errno.h>
#include <string.h>

#include "lk-test.h"

#define ZERO(x) memset(&(x), 0, sizeof(x))
#define POISON 0xA5

/* spec §11's challenge nonce nK, a real one to put in trailers. */
#define NK "57D95521BEA186B5A9244F025737924C5B7E33592D0614D5F6EF2E2F142C6D4B"

/* A name into a struct's char[cap]. */
static inline void set_str(char *dst, size_t cap, const char *s)
{
        size_t n = strlen(s);

        assert_true(n < cap);
        memcpy(dst, s, n + 1);
}

/* What ROUNDTRIP checks about the neighbouring lengths. */
#define SHORTER_REFUSED 1 /* length - 1 is refused, the output untouched */
#define LONGER_REFUSED  2 /* length + 1 is refused: a fixed length */
#define LONGER_IGNORED  4 /* length + 1 decodes to the same: an unknown trailing byte */
#define EXACT (SHORTER_REFUSED | LONGER_REFUSED)

/* Encode x, decode it back, compare; a buffer one byte short is -ENOBUFS; then the limits. */
#define ROUNDTRIP(type, enc, dec, x, want_len, limits)                                     \
        do {                                                                              \
                uint8_t _b[LK_PAYLOAD_MAX + 1];                                           \
                type _y;                                                                  \
                ssize_t _n;                                                               \
                memset(_b, 0, sizeof(_b));                                                \
                _n = enc(&(x), _b, sizeof(_b));                                           \
                assert_int_equal(_n, (want_len));                                         \
                memset(&_y, POISON, sizeof(_y));                                          \
                assert_int_equal(dec(_b, (size_t)_n, &_y), 0);                            \
                assert_memory_equal(&(x), &_y, sizeof(_y));                               \
                assert_int_equal(enc(&(x), _b, (size_t)_n - 1), -ENOBUFS);                \
                if ((limits) & SHORTER_REFUSED) {                                         \
                        memset(&_y, POISON, sizeof(_y));                                  \
                        assert_int_equal(dec(_b, (size_t)_n - 1, &_y), -EBADMSG);         \
                        for (size_t _i = 0; _i < sizeof(_y); _i++)                        \
                                assert_int_equal(((uint8_t *)&_y)[_i], POISON);           \
                }                                                                         \
                if ((limits) & LONGER_REFUSED)                                            \
                        assert_int_equal(dec(_b, (size_t)_n + 1, &_y), -EBADMSG);         \
                if ((limits) & LONGER_IGNORED) {                                          \
                        _b[_n] = 0xEE;                                                    \
                        memset(&_y, POISON, sizeof(_y));                                  \
                        assert_int_equal(dec(_b, (size_t)_n + 1, &_y), 0);                \
                        assert_memory_equal(&(x), &_y, sizeof(_y));                       \
                }                                                                         \
        } while (0)
