/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the Opener's codecs (nuki-opener.md O3–O9). The first byte picks a target, the rest is
 * its input. Properties, each an abort():
 *   - the round trip of fuzz-roundtrip.h for every decoder;
 *   - the Opener's answers ignore unknown trailing bytes: an input longer than the known
 *     layout decodes exactly as its known prefix does;
 *   - read-modify-write: a Set Config made from any Config, and a Set Advanced Config made
 *     from any Advanced Config, encode and decode back to the same settings (byte 12 echoed).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "latchkey/opener.h"
#include "fuzz-roundtrip.h"

/* The order is the selector byte: keep it, the seeds in corpus/opener/ depend on it. */
TARGET(keyturner_states, struct lk_opener_keyturner_states, lk_opener_keyturner_states_encode,
       lk_opener_keyturner_states_decode);
TARGET(continuous_mode_action, struct lk_continuous_mode_action,
       lk_continuous_mode_action_encode, lk_continuous_mode_action_decode);
TARGET(config, struct lk_opener_config, lk_opener_config_encode, lk_opener_config_decode);
TARGET(set_config, struct lk_opener_set_config, lk_opener_set_config_encode,
       lk_opener_set_config_decode);
TARGET(advanced_config, struct lk_opener_advanced_config, lk_opener_advanced_config_encode,
       lk_opener_advanced_config_decode);
TARGET(set_advanced_config, struct lk_opener_advanced_config,
       lk_opener_set_advanced_config_encode, lk_opener_set_advanced_config_decode);
TARGET(log_entry, struct lk_opener_log_entry, lk_opener_log_entry_encode,
       lk_opener_log_entry_decode);

/* A tolerant decoder reads p[0..n) exactly as p[0..known) once n passes the known layout. */
#define PREFIX(name, type, dec, known)                                                  \
        static void prefix_##name(const uint8_t *p, size_t n)                           \
        {                                                                               \
                type a, b;                                                              \
                                                                                        \
                if (n <= (known))                                                       \
                        return;                                                         \
                memset(&a, 0, sizeof(a));                                               \
                memset(&b, POISON, sizeof(b));                                          \
                if (dec(p, n, &a) < 0 || dec(p, (known), &b) < 0)                       \
                        abort();                                                        \
                if (memcmp(&a, &b, sizeof(a)) != 0)                                     \
                        abort();                                                        \
        }

PREFIX(keyturner_states, struct lk_opener_keyturner_states, lk_opener_keyturner_states_decode,
       LK_OPENER_KEYTURNER_STATES_FULL)
PREFIX(config, struct lk_opener_config, lk_opener_config_decode, LK_OPENER_CONFIG_FULL)
PREFIX(advanced_config, struct lk_opener_advanced_config, lk_opener_advanced_config_decode,
       LK_OPENER_ADVANCED_CONFIG_FULL)

static void fuzz_keyturner_states_prefix(const uint8_t *p, size_t n)
{
        fuzz_keyturner_states(p, n);
        prefix_keyturner_states(p, n);
}

static void fuzz_config_prefix(const uint8_t *p, size_t n)
{
        fuzz_config(p, n);
        prefix_config(p, n);
}

static void fuzz_advanced_config_prefix(const uint8_t *p, size_t n)
{
        fuzz_advanced_config(p, n);
        prefix_advanced_config(p, n);
}

/* Log entries: padding after a known type's data changes nothing (O9). */
static void fuzz_log_entry_prefix(const uint8_t *p, size_t n)
{
        struct lk_opener_log_entry a, b;
        size_t known;

        fuzz_log_entry(p, n);
        if (n <= LK_LOG_ENTRY_HEAD_SIZE)
                return;
        known = lk_opener_log_data_size(p[47]);
        if (known == LK_LOG_DATA_MAX || n <= LK_LOG_ENTRY_HEAD_SIZE + known)
                return;
        if (lk_opener_log_entry_decode(p, n, &a) < 0 ||
            lk_opener_log_entry_decode(p, LK_LOG_ENTRY_HEAD_SIZE + known, &b) < 0)
                abort();
        if (memcmp(&a, &b, sizeof(a)) != 0)
                abort();
}

/* O4.2: a Set Config made from a Config carries its settings through the wire unchanged. */
static void fuzz_config_to_set_config(const uint8_t *p, size_t n)
{
        struct lk_opener_config c;
        struct lk_opener_set_config s, back;
        uint8_t buf[LK_PAYLOAD_MAX];
        ssize_t r;

        if (lk_opener_config_decode(p, n, &c) < 0)
                return;
        lk_opener_set_config_from_config(&c, &s);
        r = lk_opener_set_config_encode(&s, buf, sizeof(buf));
        if (r == -EBADMSG)
                return; /* a name that is not UTF-8 */
        if (r != LK_OPENER_SET_CONFIG_SIZE)
                abort();
        if (lk_opener_set_config_decode(buf, (size_t)r, &back) < 0 ||
            memcmp(&back, &s, sizeof(s)) != 0)
                abort();
}

/* O5.2: what was read is written back in 26 bytes, byte 12 echoed, auto-update left out. */
static void fuzz_advanced_to_set_advanced(const uint8_t *p, size_t n)
{
        struct lk_opener_advanced_config a, back;
        uint8_t buf[LK_PAYLOAD_MAX];
        ssize_t r;

        if (lk_opener_advanced_config_decode(p, n, &a) < 0)
                return;
        r = lk_opener_set_advanced_config_encode(&a, buf, sizeof(buf));
        if (r != LK_OPENER_ADV_SETTINGS)
                abort();
        if (lk_opener_set_advanced_config_decode(buf, (size_t)r, &back) < 0)
                abort();
        a.len = LK_OPENER_ADV_SETTINGS;
        a.auto_update_enabled = false;
        if (memcmp(&back, &a, sizeof(a)) != 0 || buf[12] != a.undocumented_12)
                abort();
}

static void (*const targets[])(const uint8_t *p, size_t n) = {
        fuzz_keyturner_states_prefix,
        fuzz_continuous_mode_action,
        fuzz_config_prefix,
        fuzz_set_config,
        fuzz_advanced_config_prefix,
        fuzz_set_advanced_config,
        fuzz_log_entry_prefix,
        fuzz_config_to_set_config,
        fuzz_advanced_to_set_advanced,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        targets[data[0] % (sizeof(targets) / sizeof(targets[0]))](data + 1, size - 1);
        return 0;
}
