/* SPDX-License-Identifier: MIT */
/*
 * lk-bench-proto: throughput of the protocol layer's hot paths, as operations per second.
 * Usage: lk-bench-proto [SECONDS_PER_ROW]   (default 0.5)
 * Prints a table; never judges the numbers (benchmarks are not tests).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "latchkey/proto.h"

/* spec §11: the official example's keys */
static const uint8_t shared_key[LK_KEY_SIZE] = {
        0x21, 0x7F, 0xCB, 0x0F, 0x18, 0xCA, 0xF2, 0x84, 0xE9, 0xBD, 0xEA, 0x0B, 0x94, 0xB8, 0x3B, 0x8D,
        0x10, 0x86, 0x7E, 0xD7, 0x06, 0xBF, 0xDE, 0xDB, 0xD2, 0x38, 0x1F, 0x4C, 0xB3, 0xB8, 0xF7, 0x30,
};
static const uint8_t cl_sk[LK_KEY_SIZE] = {
        0x8C, 0xAA, 0x54, 0x67, 0x23, 0x07, 0xBF, 0xFD, 0xF5, 0xEA, 0x18, 0x3F, 0xC6, 0x07, 0x15, 0x8D,
        0x20, 0x11, 0xD0, 0x08, 0xEC, 0xA6, 0xA1, 0x08, 0x86, 0x14, 0xFF, 0x08, 0x53, 0xA5, 0xAA, 0x07,
};
static const uint8_t sl_pk[LK_KEY_SIZE] = {
        0x2F, 0xE5, 0x7D, 0xA3, 0x47, 0xCD, 0x62, 0x43, 0x15, 0x28, 0xDA, 0xAC, 0x5F, 0xBB, 0x29, 0x07,
        0x30, 0xFF, 0xF6, 0x84, 0xAF, 0xC4, 0xCF, 0xC2, 0xED, 0x90, 0x99, 0x5F, 0x58, 0xCB, 0x3B, 0x74,
};

/* Keeps results alive so the compiler cannot drop the work. */
static volatile uint64_t sink;

struct bench {
        const char *name;
        const char *detail;
        /* Run the operation `iters` times; return non-zero if it failed (a broken build). */
        int (*run)(unsigned iters);
};

static int bench_crc(unsigned iters)
{
        uint8_t buf[100];
        uint16_t acc = 0;

        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t)(i * 7);
        for (unsigned i = 0; i < iters; i++) {
                buf[0] = (uint8_t)i;
                acc ^= lk_crc16(buf, sizeof(buf));
        }
        sink += acc;
        return 0;
}

static int bench_seal_open(unsigned iters)
{
        uint8_t payload[60], nonce[LK_NONCE_SIZE] = { 0 };
        uint8_t msg[LK_SEALED_MAX], pdata[LK_PDATA_MAX];
        struct lk_msg m;

        memset(payload, 0xA5, sizeof(payload));
        for (unsigned i = 0; i < iters; i++) {
                ssize_t n;

                memcpy(nonce, &i, sizeof(i)); /* fresh per message, as the protocol requires */
                n = lk_sealed_encode(shared_key, nonce, 2, LK_CMD_ADD_KEYPAD_CODE, payload,
                                     sizeof(payload), msg, sizeof(msg));
                if (n < 0 || lk_sealed_decode(shared_key, msg, (size_t)n, pdata, sizeof(pdata), &m) < 0)
                        return -1;
                sink += m.len;
        }
        return 0;
}

/* A 200-byte sealed message: ADATA 30 + MAC 16 + PDATA (8 + 146 payload). */
#define REASM_PAYLOAD (200 - LK_ADATA_SIZE - LK_MAC_SIZE - LK_PDATA_MIN)
static uint8_t reasm_msg[200];

static int bench_reasm(unsigned iters)
{
        static struct lk_reasm r;

        lk_reasm_init(&r, LK_FRAMING_SEALED);
        for (unsigned i = 0; i < iters; i++) {
                int done = 0;

                for (size_t off = 0; off < sizeof(reasm_msg); off += 20) {
                        size_t used;
                        int k = lk_reasm_feed(&r, reasm_msg + off, 20, &used);

                        if (k < 0 || used != 20)
                                return -1;
                        done += k;
                }
                if (done != 1 || r.len != sizeof(reasm_msg))
                        return -1;
        }
        sink += r.len;
        return 0;
}

static int bench_shared_key(unsigned iters)
{
        uint8_t s[LK_KEY_SIZE];

        for (unsigned i = 0; i < iters; i++) {
                if (lk_shared_key(s, cl_sk, sl_pk) < 0)
                        return -1;
                sink += s[0];
        }
        lk_wipe(s, sizeof(s));
        return 0;
}

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Double the batch until it takes the target time; report the last batch's rate. */
static int measure(const struct bench *b, double target, double *ret_ops)
{
        unsigned iters = 1;

        for (;;) {
                double t0 = now_s(), dt;

                if (b->run(iters) != 0)
                        return -EIO;
                dt = now_s() - t0;
                if (dt >= target || iters >= (1u << 30)) {
                        *ret_ops = (double)iters / (dt > 0 ? dt : 1e-9);
                        return 0;
                }
                /* aim straight for the target once the batch is long enough to time */
                if (dt > 0.01)
                        iters = (unsigned)((double)iters * target / dt * 1.05) + 1;
                else
                        iters *= 2;
        }
}

int main(int argc, char **argv)
{
        static const struct bench benches[] = {
                { "crc16", "CRC-16/CCITT over 100 bytes", bench_crc },
                { "seal+open", "encrypt and decrypt a 60-byte payload", bench_seal_open },
                { "reassemble", "200-byte sealed message in 20-byte chunks", bench_reasm },
                { "shared-key", "X25519 + HSalsa20 (crypto_box_beforenm)", bench_shared_key },
        };
        double target = 0.5;
        uint8_t nonce[LK_NONCE_SIZE] = { 0 }, payload[REASM_PAYLOAD];
        ssize_t n;
        int failed = 0;

        if (argc > 1) {
                char *end;

                target = strtod(argv[1], &end);
                if (*end || !(target > 0 && target <= 60)) {
                        fprintf(stderr, "usage: %s [SECONDS_PER_ROW]  (0 < seconds <= 60)\n", argv[0]);
                        return 2;
                }
        }
        memset(payload, 0x5A, sizeof(payload));
        n = lk_sealed_encode(shared_key, nonce, 2, LK_CMD_KEYPAD_CODE, payload, sizeof(payload),
                             reasm_msg, sizeof(reasm_msg));
        if (n != (ssize_t)sizeof(reasm_msg)) {
                fprintf(stderr, "lk-bench-proto: cannot build the 200-byte message (%zd)\n", n);
                return 1;
        }

        printf("lk-bench-proto (build type %s%s)\n", LK_BUILD_TYPE,
               strcmp(LK_BUILD_TYPE, "Release") ? ": numbers are NOT representative" : "");
        printf("%-12s %14s %12s  %s\n", "operation", "ops/s", "ns/op", "what");
        for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
                double ops;

                if (measure(&benches[i], target, &ops) < 0) {
                        printf("%-12s %14s %12s  %s\n", benches[i].name, "FAILED", "-",
                               benches[i].detail);
                        failed = 1;
                        continue;
                }
                printf("%-12s %14.0f %12.1f  %s\n", benches[i].name, ops, 1e9 / ops,
                       benches[i].detail);
        }
        return failed;
}
