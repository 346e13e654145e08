/* SPDX-License-Identifier: MIT */
/*
 * The session and its writes' responses (issue 14): a lock may answer before the ATT Write
 * Response of the message it answers (ATT allows it). Over a scripted transport: an answer
 * first, then the response, is a normal call; a write error that comes after its answer never
 * fails the call after it; a write error before the answer fails its own call. The transport
 * itself (one write in flight per characteristic) is test-ble-transport's.
 *
 * And what older locks answer (issue 14): an authenticated answer of a length no decoder knows
 * is "not understood" (-ENOMSG, exit 11) with its command and length, never corrupt; an
 * unencrypted Error Report on the USDIO or the keyturner GDIO ends the exchange with its code,
 * marked unauthenticated; silence is told apart from a link that answered something.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "exits.h"
#include "latchkey/commands.h"
#include "latchkey/frame.h"
#include "lk-test.h"
#include "lockops.h"
#include "session.h"

#define AUTH_ID 7u

enum step_kind {
        STEP_ANSWER,       /* a sealed Challenge */
        STEP_SENT,         /* the write's response */
        STEP_STATES_SHORT, /* a sealed 10-byte Keyturner States: no layout we know */
        STEP_PLAIN_USDIO,  /* an unencrypted Error Report K_ERROR_BAD_PIN on the USDIO */
        STEP_PLAIN_GDIO,   /* the same on the keyturner GDIO */
};

struct step {
        enum step_kind kind;
        int error;     /* STEP_SENT */
};

struct fake {
        struct lk_transport head;
        sd_event *event;
        sd_event_source *run;
        uint8_t key[LK_KEY_SIZE];
        bool connecting;
        unsigned sends;
        /* what the lock does after each send, by send number (1-based), in order */
        struct step script[4][3];
        unsigned n_script[4];
        struct step queue[16];
        unsigned head_i, tail_i;
};

static struct fake *fake_of(struct lk_transport *t)
{
        return (struct fake *)t;
}

static void answer(struct fake *f)
{
        uint8_t nonce[LK_NONCE_SIZE], payload[LK_CHALLENGE_SIZE], buf[LK_MSG_MAX];
        ssize_t n;

        randombytes_buf(nonce, sizeof(nonce));
        memset(payload, 0x5a, sizeof(payload));
        n = lk_sealed_encode(f->key, nonce, AUTH_ID, LK_CMD_CHALLENGE, payload, sizeof(payload), buf,
                             sizeof(buf));
        assert_true(n > 0);
        f->head.cb->on_chunk(f->head.userdata, LK_CH_USDIO, buf, (size_t)n);
}

static void states_short(struct fake *f)
{
        uint8_t nonce[LK_NONCE_SIZE], payload[10] = { 2, 1 }, buf[LK_MSG_MAX];
        ssize_t n;

        randombytes_buf(nonce, sizeof(nonce));
        n = lk_sealed_encode(f->key, nonce, AUTH_ID, LK_CMD_KEYTURNER_STATES, payload, sizeof(payload), buf,
                             sizeof(buf));
        assert_true(n > 0);
        f->head.cb->on_chunk(f->head.userdata, LK_CH_USDIO, buf, (size_t)n);
}

/* spec §6.21 unencrypted: 12 00 ‖ code ‖ cmd ‖ CRC, as real locks send it (issue 14). */
static void plain_error(struct fake *f, enum lk_channel ch)
{
        struct lk_error_report e = { .code = LK_K_ERROR_BAD_PIN, .cmd = LK_CMD_VERIFY_SECURITY_PIN };
        uint8_t p[LK_ERROR_REPORT_SIZE], buf[LK_PLAIN_MAX];
        ssize_t n;

        assert_int_equal(lk_error_report_encode(&e, p, sizeof(p)), (ssize_t)sizeof(p));
        n = lk_plain_encode(LK_CMD_ERROR_REPORT, p, sizeof(p), buf, sizeof(buf));
        assert_int_equal(n, 7);
        f->head.cb->on_chunk(f->head.userdata, ch, buf, (size_t)n);
}

/* One step per turn of the loop, as the lock's indications and BlueZ's replies would come. */
static int on_run(sd_event_source *s, void *userdata)
{
        struct fake *f = userdata;
        struct step st;

        if (f->connecting) {
                static const struct lk_link_info info = {
                        .generation = LK_GEN_SMARTLOCK_3, .generations = LK_GEN_SMARTLOCK_1_4, .mtu = 247,
                };

                f->connecting = false;
                f->head.cb->on_connected(f->head.userdata, 0, &info);
        } else if (f->head_i < f->tail_i) {
                st = f->queue[f->head_i++ % 16];
                switch (st.kind) {
                case STEP_ANSWER:
                        answer(f);
                        break;
                case STEP_SENT:
                        f->head.cb->on_sent(f->head.userdata, LK_CH_USDIO, st.error);
                        break;
                case STEP_STATES_SHORT:
                        states_short(f);
                        break;
                case STEP_PLAIN_USDIO:
                        plain_error(f, LK_CH_USDIO);
                        break;
                case STEP_PLAIN_GDIO:
                        plain_error(f, LK_CH_KEYTURNER);
                        break;
                }
        }
        if (f->head_i < f->tail_i)
                assert_int_equal(sd_event_source_set_enabled(f->run, SD_EVENT_ONESHOT), 0);
        return 0;
}

static int f_connect(struct lk_transport *t, unsigned flags)
{
        struct fake *f = fake_of(t);

        f->connecting = true;
        return sd_event_source_set_enabled(f->run, SD_EVENT_ONESHOT);
}

static int f_send(struct lk_transport *t, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        struct fake *f = fake_of(t);
        unsigned k = f->sends++;

        assert_true(k < 4);
        for (unsigned i = 0; i < f->n_script[k]; i++)
                f->queue[f->tail_i++ % 16] = f->script[k][i];
        return sd_event_source_set_enabled(f->run, SD_EVENT_ONESHOT);
}

static void f_disconnect(struct lk_transport *t)
{
}

static void f_free(struct lk_transport *t)
{
        struct fake *f = fake_of(t);

        sd_event_source_disable_unref(f->run);
        sd_event_unref(f->event);
        free(f);
}

static const struct lk_transport_ops fake_ops = {
        .name = "script",
        .connect = f_connect,
        .send = f_send,
        .disconnect = f_disconnect,
        .free = f_free,
};

static struct session *session_over_opts(sd_event *e, const struct session_opts *opts, struct fake **ret)
{
        struct fake *f = calloc(1, sizeof(*f));
        struct lk_creds creds = { .auth_id = AUTH_ID, .generation = LK_GEN_SMARTLOCK_3 };
        struct session *s = NULL;

        assert_non_null(f);
        f->head.ops = &fake_ops;
        f->event = sd_event_ref(e);
        randombytes_buf(f->key, sizeof(f->key));
        memcpy(creds.shared_key, f->key, sizeof(f->key));
        assert_int_equal(sd_event_add_defer(e, &f->run, on_run, f), 0);
        assert_int_equal(sd_event_source_set_enabled(f->run, SD_EVENT_OFF), 0);
        assert_int_equal(session_new(e, &f->head, &creds, NULL, opts, &s), 0);
        assert_int_equal(session_connect(s, NULL), 0);
        *ret = f;
        return s;
}

static struct session *session_over(sd_event *e, struct fake **ret)
{
        return session_over_opts(e, NULL, ret);
}

static int challenge(struct session *s)
{
        uint8_t nk[LK_CHALLENGE_SIZE];
        size_t len = 0;

        return session_request_data(s, LK_CMD_CHALLENGE, nk, sizeof(nk), &len);
}

#define SCRIPT(f, k, ...)                                                                \
        do {                                                                             \
                const struct step s_[] = { __VA_ARGS__ };                                \
                memcpy((f)->script[k], s_, sizeof(s_));                                  \
                (f)->n_script[k] = ELEMENTSOF(s_);                                       \
        } while (0)

static void answer_before_response(void **state)
{
        sd_event *e = NULL;
        struct fake *f;
        struct session *s;

        assert_int_equal(sd_event_new(&e), 0);
        s = session_over(e, &f);
        SCRIPT(f, 0, { STEP_ANSWER }, { STEP_SENT, 0 });
        SCRIPT(f, 1, { STEP_ANSWER }, { STEP_SENT, 0 });
        assert_int_equal(challenge(s), 0);
        assert_int_equal(challenge(s), 0);
        session_free(s);
        sd_event_unref(e);
}

/* Write 1's response fails after its answer, while call 2 waits: call 2 is not touched. */
static void late_error_spares_the_next_call(void **state)
{
        sd_event *e = NULL;
        struct fake *f;
        struct session *s;

        assert_int_equal(sd_event_new(&e), 0);
        s = session_over(e, &f);
        SCRIPT(f, 0, { STEP_ANSWER });
        SCRIPT(f, 1, { STEP_SENT, -ETIMEDOUT }, { STEP_ANSWER }, { STEP_SENT, 0 });
        assert_int_equal(challenge(s), 0);
        assert_int_equal(challenge(s), 0);
        session_free(s);
        sd_event_unref(e);
}

static void error_before_answer_fails_the_call(void **state)
{
        sd_event *e = NULL;
        struct fake *f;
        struct session *s;

        assert_int_equal(sd_event_new(&e), 0);
        s = session_over(e, &f);
        SCRIPT(f, 0, { STEP_SENT, -EIO });
        SCRIPT(f, 1, { STEP_SENT, 0 }, { STEP_ANSWER, 0 });
        assert_int_equal(challenge(s), -EIO);
        assert_int_equal(challenge(s), 0); /* the next call is a call of its own */
        session_free(s);
        sd_event_unref(e);
}

/* A MAC-correct Keyturner States of 10 bytes (13 is the shortest layout): not understood. */
static void odd_length_is_not_understood(void **state)
{
        struct lk_keyturner_states ks;
        sd_event *e = NULL;
        struct fake *f;
        struct session *s;
        size_t len = 0;

        assert_int_equal(sd_event_new(&e), 0);
        s = session_over(e, &f);
        SCRIPT(f, 0, { STEP_SENT, 0 }, { STEP_STATES_SHORT, 0 });
        assert_int_equal(lockops_states(s, &ks), -ENOMSG);
        assert_int_equal(session_not_understood_cmd(s, &len), LK_CMD_KEYTURNER_STATES);
        assert_int_equal(len, 10);
        assert_int_equal(exit_for_lock_errno(-ENOMSG, 0), CLI_EXIT_UNSUPPORTED);
        session_free(s);
        sd_event_unref(e);
}

/* An unencrypted Error Report ends the exchange with its code, marked unauthenticated. */
static void plain_error_ends_the_exchange(enum step_kind kind)
{
        sd_event *e = NULL;
        struct fake *f;
        struct session *s;

        assert_int_equal(sd_event_new(&e), 0);
        s = session_over(e, &f);
        SCRIPT(f, 0, { STEP_SENT, 0 }, { kind, 0 });
        SCRIPT(f, 1, { STEP_SENT, 0 }, { STEP_ANSWER, 0 });
        assert_int_equal(challenge(s), -EREMOTEIO);
        assert_int_equal(session_remote_error(s), LK_K_ERROR_BAD_PIN);
        assert_true(session_remote_error_plain(s));
        assert_int_equal(challenge(s), 0); /* the next exchange is its own, and authenticated */
        assert_false(session_remote_error_plain(s));
        session_free(s);
        sd_event_unref(e);
}

static void plain_error_on_usdio(void **state)
{
        plain_error_ends_the_exchange(STEP_PLAIN_USDIO);
}

static void plain_error_on_keyturner_gdio(void **state)
{
        plain_error_ends_the_exchange(STEP_PLAIN_GDIO);
}

/* Nothing at all comes back (older firmware, a command it lacks): the session says which. */
static void silence_is_named(void **state)
{
        struct session_opts o = { .reply_timeout_usec = 50000 };
        struct lk_battery_report b;
        sd_event *e = NULL;
        struct fake *f;
        struct session *s;

        assert_int_equal(sd_event_new(&e), 0);
        s = session_over_opts(e, &o, &f);
        SCRIPT(f, 0, { STEP_SENT, 0 });
        SCRIPT(f, 1, { STEP_SENT, 0 }, { STEP_ANSWER, 0 });
        assert_int_equal(lockops_battery(s, &b), -ETIMEDOUT);
        assert_int_equal(session_silent_cmd(s), LK_CMD_BATTERY_REPORT);
        assert_int_equal(challenge(s), 0);
        assert_int_equal(session_silent_cmd(s), 0);
        session_free(s);
        sd_event_unref(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(answer_before_response),
                cmocka_unit_test(late_error_spares_the_next_call),
                cmocka_unit_test(error_before_answer_fails_the_call),
                cmocka_unit_test(odd_length_is_not_understood),
                cmocka_unit_test(plain_error_on_usdio),
                cmocka_unit_test(plain_error_on_keyturner_gdio),
                cmocka_unit_test(silence_is_named),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("session-writes", tests, NULL, NULL);
}
