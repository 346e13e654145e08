/* SPDX-License-Identifier: MIT */
/*
 * A client of the virtual lock's engine (hw-tests/sim/lock.h) for its tests: pair with proto's
 * client machine, then encrypted commands built with lk_sealed_encode and the codecs, replies
 * taken from io->send and decoded. The engine's clocks are fields the test moves: now (the
 * virtual clock, s) and now_ms (the motor's, ms).
 */
#pragma once

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "latchkey/commands.h"
#include "latchkey/pairing.h"
#include "latchkey/proto.h"
#include "lk-test.h"
#include "lock.h"

#define MAX_MSGS 1024

struct sent {
        enum lk_channel ch;
        size_t n;
        uint8_t b[LK_MSG_MAX];
};

/* One virtual lock, its fake I/O and one paired client. */
struct t {
        struct sim_lock *lock;
        struct sim_config cfg;
        struct sim_io io;
        int64_t now;
        int64_t now_ms;
        unsigned changed;
        struct sent *q;
        size_t nq, head;
        /* the client */
        uint32_t auth_id;
        uint8_t key[LK_KEY_SIZE];
        struct lk_pin pin;
        /* the last reply decoded */
        uint8_t pdata[LK_PDATA_MAX];
        struct lk_msg m;
};

static inline void io_send(void *ud, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        struct t *t = ud;

        assert_true(t->nq < MAX_MSGS);
        assert_true(n <= LK_MSG_MAX);
        t->q[t->nq].ch = ch;
        t->q[t->nq].n = n;
        memcpy(t->q[t->nq].b, msg, n);
        t->nq++;
}

static inline void io_changed(void *ud)
{
        ((struct t *)ud)->changed++;
}

static inline int64_t io_now(void *ud)
{
        return ((struct t *)ud)->now;
}

static inline int64_t io_now_ms(void *ud)
{
        return ((struct t *)ud)->now_ms;
}

static inline int64_t unix_of(uint16_t y, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi)
{
        struct lk_datetime dt = { y, mo, d, h, mi, 0 };
        int64_t v;

        assert_int_equal(lk_datetime_to_unix(&dt, &v), 0);
        return v;
}

static inline void queue_clear(struct t *t)
{
        t->nq = t->head = 0;
}

static inline struct t *t_new(enum lk_generation gen, uint32_t pin)
{
        struct t *t = calloc(1, sizeof(*t));

        assert_non_null(t);
        t->q = calloc(MAX_MSGS, sizeof(*t->q));
        assert_non_null(t->q);
        sim_config_default(&t->cfg);
        t->cfg.generation = gen;
        t->cfg.pin.value = pin;
        t->cfg.pin.size = (uint8_t)lk_generation_pin_size(gen);
        t->pin = t->cfg.pin;
        memset(t->cfg.motor_ms, 0, sizeof(t->cfg.motor_ms)); /* at once (test-sim-motor times it) */
        t->now = unix_of(2024, 1, 15, 9, 0); /* a Monday */
        t->io = (struct sim_io){ .send = io_send, .changed = io_changed, .now = io_now,
                                 .now_ms = io_now_ms, .userdata = t };
        assert_int_equal(sim_lock_new(&t->cfg, &t->io, &lk_env_default, &t->lock), 0);
        sim_lock_connect(t->lock);
        return t;
}

static inline void t_free(struct t *t)
{
        sim_lock_free(t->lock);
        free(t->q);
        free(t);
}

/* ---- pairing with proto's client machine ---- */

static inline int pair_as(struct t *t, uint8_t id_type, uint32_t app_id, const char *name, uint32_t pin,
                   struct lk_pair_result *ret, uint8_t *ret_code)
{
        struct lk_pair_client c;
        struct lk_pair_client_config cc = { .gen = t->cfg.generation, .id_type = id_type,
                                            .app_id = app_id, .name = name, .pin = pin };
        uint8_t out[LK_PAIR_OUT_MAX];
        size_t out_len = 0;
        int r;

        assert_int_equal(lk_pair_client_init(&c, &cc, &lk_env_default), 0);
        assert_int_equal(lk_pair_client_start(&c, out, sizeof(out), &out_len), LK_PAIR_CONTINUE);
        for (int rounds = 0; rounds < 10; rounds++) {
                queue_clear(t);
                assert_int_equal(sim_lock_receive(t->lock, LK_CH_PAIRING, out, out_len), 0);
                assert_int_equal(t->nq, 1);
                assert_int_equal(t->q[0].ch, LK_CH_PAIRING);
                out_len = 0;
                r = lk_pair_client_feed(&c, t->q[0].b, t->q[0].n, out, sizeof(out), &out_len);
                if (r == LK_PAIR_DONE) {
                        assert_int_equal(lk_pair_client_take_result(&c, ret), 0);
                        lk_pair_client_wipe(&c);
                        return 0;
                }
                if (r < 0) {
                        uint16_t cmd;

                        if (r == -EREMOTEIO && ret_code)
                                assert_int_equal(lk_pair_client_remote_error(&c, ret_code, &cmd), 0);
                        lk_pair_client_wipe(&c);
                        return r;
                }
                assert_true(out_len > 0);
        }
        fail_msg("pairing did not finish");
        return -1;
}

static inline void pair(struct t *t)
{
        struct lk_pair_result res;

        assert_int_equal(sim_lock_press_button(t->lock, 5), 1);
        assert_int_equal(pair_as(t, LK_ID_APP, 0x1234, "Tester", t->pin.value, &res, NULL), 0);
        t->auth_id = res.auth_id;
        memcpy(t->key, res.shared_key, LK_KEY_SIZE);
        queue_clear(t);
}

/* ---- encrypted exchanges ---- */

static inline void send_sealed(struct t *t, uint32_t auth_id, const uint8_t key[LK_KEY_SIZE],
                        uint16_t cmd, const uint8_t *p, size_t n)
{
        uint8_t nonce[LK_NONCE_SIZE], buf[LK_SEALED_MAX];
        ssize_t k;

        randombytes_buf(nonce, sizeof(nonce));
        k = lk_sealed_encode(key, nonce, auth_id, cmd, p, n, buf, sizeof(buf));
        assert_true(k > 0);
        assert_int_equal(sim_lock_receive(t->lock, LK_CH_USDIO, buf, (size_t)k), 0);
}

static inline void send_cmd(struct t *t, uint16_t cmd, const uint8_t *p, size_t n)
{
        queue_clear(t);
        send_sealed(t, t->auth_id, t->key, cmd, p, n);
}

/* Decode the next reply into t->m; fails unless it is an encrypted USDIO message for us. */
static inline uint16_t next(struct t *t)
{
        struct sent *s;

        assert_true(t->head < t->nq);
        s = &t->q[t->head++];
        assert_int_equal(s->ch, LK_CH_USDIO);
        assert_int_equal(lk_sealed_decode(t->key, s->b, s->n, t->pdata, sizeof(t->pdata), &t->m), 0);
        assert_int_equal(t->m.auth_id, t->auth_id);
        return t->m.cmd;
}

static inline void expect_done(struct t *t)
{
        assert_int_equal(t->head, t->nq);
}

static inline void expect_status(struct t *t, uint8_t status)
{
        assert_int_equal(next(t), LK_CMD_STATUS);
        assert_int_equal(t->m.len, 1);
        assert_int_equal(t->m.payload[0], status);
}

static inline void expect_error(struct t *t, uint8_t code, uint16_t cmd)
{
        struct lk_error_report e;

        assert_int_equal(next(t), LK_CMD_ERROR_REPORT);
        assert_int_equal(lk_error_report_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.code, code);
        assert_int_equal(e.cmd, cmd);
        expect_done(t);
}

static inline void challenge(struct t *t, uint8_t nonce[LK_CHALLENGE_SIZE])
{
        uint8_t p[2] = { LK_CMD_CHALLENGE, 0 };
        struct lk_challenge c;

        send_cmd(t, LK_CMD_REQUEST_DATA, p, sizeof(p));
        assert_int_equal(next(t), LK_CMD_CHALLENGE);
        assert_int_equal(lk_challenge_decode(t->m.payload, t->m.len, &c), 0);
        memcpy(nonce, c.nonce, LK_CHALLENGE_SIZE);
        expect_done(t);
}

/* Send cmd with its fields, a fresh challenge and (if it needs one) the PIN pin. */
static inline void cmd_pin(struct t *t, uint16_t cmd, const uint8_t *fields, size_t n,
                    const struct lk_pin *pin)
{
        uint8_t nonce[LK_CHALLENGE_SIZE], buf[LK_PAYLOAD_MAX];
        ssize_t k;

        challenge(t, nonce);
        if (n)
                memcpy(buf, fields, n);
        k = lk_cmd_finish(cmd, buf, n, sizeof(buf), nonce, pin);
        assert_true(k > 0);
        send_cmd(t, cmd, buf, (size_t)k);
}

static inline void cmd(struct t *t, uint16_t c, const uint8_t *fields, size_t n)
{
        cmd_pin(t, c, fields, n, &t->pin);
}

#define ENC(fn, m, buf)                                                   \
        ({                                                                \
                ssize_t _k = fn((m), (buf), sizeof(buf));                 \
                assert_true(_k >= 0);                                     \
                (size_t)_k;                                               \
        })

static inline void states(struct t *t, struct lk_keyturner_states *ks)
{
        uint8_t p[2] = { LK_CMD_KEYTURNER_STATES, 0 };

        send_cmd(t, LK_CMD_REQUEST_DATA, p, sizeof(p));
        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        assert_int_equal(lk_keyturner_states_decode(t->m.payload, t->m.len, ks), 0);
        expect_done(t);
}
