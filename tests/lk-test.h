/* SPDX-License-Identifier: MIT */
/* Shared helpers for the cmocka tests: hex vectors and a scripted environment. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "latchkey/wire.h"

#ifndef ELEMENTSOF
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#endif

/* Parse hex (spaces ignored) into buf; returns the byte count, fails the test on bad input. */
static inline size_t hex(const char *s, uint8_t *buf, size_t size)
{
        size_t n = 0;
        int hi = -1;

        for (; *s; s++) {
                int v = 0;

                if (*s == ' ')
                        continue;
                if (*s >= '0' && *s <= '9')
                        v = *s - '0';
                else if (*s >= 'a' && *s <= 'f')
                        v = *s - 'a' + 10;
                else if (*s >= 'A' && *s <= 'F')
                        v = *s - 'A' + 10;
                else
                        fail_msg("bad hex character '%c'", *s);
                if (hi < 0) {
                        hi = v;
                        continue;
                }
                assert_true(n < size);
                buf[n++] = (uint8_t)(hi << 4 | v);
                hi = -1;
        }
        assert_int_equal(hi, -1);
        return n;
}

/*
 * A scripted environment: random() hands out the queued byte strings in order (each request
 * must match the queued length exactly), so tests reproduce the official example's nonces.
 */
struct script_env {
        struct lk_env env;
        const char *const *queue;
        size_t next, count;
        int64_t now;
};

static inline void script_random(void *userdata, void *buf, size_t n)
{
        struct script_env *s = userdata;
        uint8_t tmp[256];
        size_t got;

        if (s->next >= s->count)
                fail_msg("script_env: random(%zu) requested but the script is empty", n);
        got = hex(s->queue[s->next++], tmp, sizeof(tmp));
        assert_int_equal(got, n);
        memcpy(buf, tmp, n);
}

static inline int64_t script_now(void *userdata)
{
        return ((struct script_env *)userdata)->now;
}

static inline void script_env_init(struct script_env *s, const char *const *queue, size_t count)
{
        *s = (struct script_env){
                .env = { .random = script_random, .now = script_now, .userdata = s },
                .queue = queue,
                .count = count,
        };
}

#define assert_hex_equal(buf, len, hexstr)                                      \
        do {                                                                    \
                uint8_t _want[512];                                             \
                size_t _n = hex(hexstr, _want, sizeof(_want));                  \
                assert_int_equal((len), _n);                                    \
                assert_memory_equal((buf), _want, _n);                          \
        } while (0)
