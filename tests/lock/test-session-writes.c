/* SPDX-License-Identifier: MIT */
/*
 * The session and its writes' responses (issue 14): a lock may answer before the ATT Write
 * Response of the message it answers (ATT allows it). Over a scripted transport: an answer
 * first, then the response, is a normal call; a write error that comes after its answer never
 * fails the call after it; a write error before the answer fails its own call. The transport
 * itself (one write in flight per characteristic) is test-ble-transport's.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "lk-test.h"
#include "latchkey/frame.h"
#include "session.h"

#define AUTH_ID 7u

enum step_kind { STEP_ANSWER, STEP_SENT };

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
                if (st.kind == STEP_ANSWER)
                        answer(f);
                else
                        f->head.cb->on_sent(f->head.userdata, LK_CH_USDIO, st.error);
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

static struct session *session_over(sd_event *e, struct fake **ret)
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
        assert_int_equal(session_new(e, &f->head, &creds, NULL, NULL, &s), 0);
        assert_int_equal(session_connect(s, NULL), 0);
        *ret = f;
        return s;
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
        SCRIPT(f, 1, { STEP_SENT, 0 }, { STEP_ANSWER });
        assert_int_equal(challenge(s), -EIO);
        assert_int_equal(challenge(s), 0); /* the next call is a call of its own */
        session_free(s);
        sd_event_unref(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(answer_before_response),
                cmocka_unit_test(late_error_spares_the_next_call),
                cmocka_unit_test(error_before_answer_fails_the_call),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("session-writes", tests, NULL, NULL);
}
