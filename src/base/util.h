/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the agent (systemd-style cleanup, parsing). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "latchkey/wire.h"

#define streq(a, b) (strcmp((a), (b)) == 0)
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)

static inline void *take_ptr_impl(void **p)
{
        void *v = *p;

        *p = NULL;
        return v;
}
#define TAKE_PTR(p) take_ptr_impl((void **)&(p))

/* The noun after a count: plural(n, "code", "codes") is "code" for 1 and "codes" otherwise
 * ("0 codes", "1 code", "2 codes"). */
static inline const char *plural(unsigned long long n, const char *one, const char *many)
{
        return n == 1 ? one : many;
}

/* Parse a decimal integer in [min, max]; -EINVAL otherwise (no sign, no spaces, no junk). */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
/* A security PIN: 4 digits (2-byte form) or 6 digits (4-byte form), leading zeros kept
 * meaningful by length ("0042" → 42, size 2). -EINVAL otherwise. */
int parse_pin(const char *s, struct lk_pin *ret);
/* Read a secret (PIN, token) from a file, or "-" for stdin; strips one trailing newline.
 * Refuses (-EPERM) a file anyone but its owner can read or write (secret_refusal() in
 * secret-file.h says so). buf is wiped on failure. */
int read_secret(const char *path, char *buf, size_t size);

