/* SPDX-License-Identifier: MIT */
/*
 * The commands over a session's link (spec §5): one exchange, the challenge each command
 * needs, the PIN's verdict, a busy lock's retries. The link itself is session.c's.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "latchkey/commands.h"
#include "log.h"
#include "session-private.h"

bool session_cmd_is_read(uint16_t cmd)
{
        switch (cmd) {
        case LK_CMD_REQUEST_DATA:
        case LK_CMD_REQUEST_CONFIG:
        case LK_CMD_REQUEST_ADVANCED_CONFIG:
        case LK_CMD_REQUEST_LOG_ENTRIES:
        case LK_CMD_REQUEST_KEYPAD_CODES:
        case LK_CMD_REQUEST_AUTHORIZATION_ENTRIES:
        case LK_CMD_REQUEST_TIME_CONTROL_ENTRIES:
        case LK_CMD_VERIFY_SECURITY_PIN:
                return true;
        default:
                return false;
        }
}

/* Write one encrypted message with a fresh nonce (spec §2.2, §3). */
static int send_sealed(struct session *s, uint16_t cmd, const uint8_t *payload, size_t n)
{
        uint8_t nonce[LK_NONCE_SIZE], buf[LK_MSG_MAX];
        ssize_t len;
        int r;

        lk_env_random(s->env, nonce, sizeof(nonce));
        len = lk_sealed_encode(s->creds.shared_key, nonce, s->creds.auth_id, cmd, payload, n, buf, sizeof(buf));
        if (len < 0)
                return (int)len;
        r = lk_transport_send(s->transport, LK_CH_USDIO, buf, (size_t)len);
        if (r >= 0) {
                s->stats.writes++;
                s->wr_sent[LK_CH_USDIO]++;
        }
        return r;
}

/* One exchange: send, then run the loop until the reply handler says done. */
static int exchange(struct session *s, uint16_t cmd, const uint8_t *payload, size_t n,
                    session_reply_fn fn, void *userdata, bool complete_ends)
{
        int r;

        if (!s->connected)
                return -ENOTCONN;
        s->wait = WAIT_REPLY;
        s->result = 1;
        s->reply_fn = fn;
        s->userdata = userdata;
        s->complete_ends = complete_ends;
        s->remote_error = 0;
        s->remote_error_cmd = 0;
        s->remote_error_plain = false;
        s->sent = s->accepted = s->answered = false;
        s->silent_cmd = 0;
        if (!s->asking)
                s->asking = cmd;
        r = session_arm_timer(s, s->opts.reply_timeout_usec);
        if (r >= 0)
                r = send_sealed(s, cmd, payload, n);
        if (r >= 0)
                s->sent = true; /* from here the lock may act on it, whatever comes back */
        if (r < 0) {
                s->wait = WAIT_NONE;
                s->asking = 0;
                session_disarm_timer(s);
                return r;
        }
        r = session_run_until_done(s);
        /* issue 14: older firmware answers nothing at all to a command it does not know */
        if (r == -ETIMEDOUT && !s->answered && s->connected)
                s->silent_cmd = s->asking;
        s->asking = 0;
        /* The lock does not know our authorization (reset, replaced, removed): no command of ours
         * will do, whatever it is; the code stays in session_remote_error(). */
        return r == -EREMOTEIO && s->remote_error == LK_K_ERROR_NOT_AUTHORIZED ? -EACCES : r;
}

struct want_one {
        struct session *s;
        uint16_t cmd;
        uint8_t *buf;
        size_t size;
        size_t len;
};

static int want_one_reply(void *userdata, const struct lk_msg *m)
{
        struct want_one *w = userdata;

        if (m->cmd != w->cmd)
                return 0;
        if (m->len > w->size)
                return session_not_understood(w->s, m->cmd, m->len);
        memcpy(w->buf, m->payload, m->len);
        w->len = m->len;
        return 1;
}

int session_request_data(struct session *s, uint16_t cmd, uint8_t *ret_payload, size_t size, size_t *ret_len)
{
        uint8_t req[2] = { (uint8_t)cmd, (uint8_t)(cmd >> 8) };
        struct want_one w = { .s = s, .cmd = cmd, .buf = ret_payload, .size = size };
        int r;

        /* Answered by exactly the message asked for (spec §6.1); a stray Status does not end it. */
        s->asking = cmd;
        r = exchange(s, LK_CMD_REQUEST_DATA, req, sizeof(req), want_one_reply, &w, false);
        if (r < 0)
                return r;
        *ret_len = w.len;
        return 0;
}

/* Wait out a back-off on the event loop (the link stays serviced). */
static int backoff(struct session *s, uint64_t usec)
{
        s->wait = WAIT_NONE;
        s->result = 1;
        int r = session_arm_timer(s, usec);

        if (r < 0)
                return r;
        r = session_run_until_done(s);
        return r == -ETIMEDOUT ? 0 : r;
}

/*
 * The lock's answer to a command that carried the PIN (when encrypted, so authenticated): a
 * refusal or a lockout blocks the PIN for the rest of the session and is handed to the hook,
 * which keeps it on disk. Returns the call's result, with those two as -EKEYREJECTED and
 * -EKEYEXPIRED (the Error Report's code stays in session_remote_error()).
 */
static int pin_verdict(struct session *s, int r)
{
        int verdict;

        if (r >= 0)
                verdict = 0;
        else if (r == -EREMOTEIO && s->remote_error == LK_K_ERROR_BAD_PIN)
                verdict = -EKEYREJECTED;
        else if (r == -EREMOTEIO && s->remote_error == LK_K_ERROR_TOO_MANY_PIN_ATTEMPTS)
                verdict = -EKEYEXPIRED;
        else
                return r; /* no verdict we can be sure of: before the PIN check, or never heard */
        if (verdict < 0 && s->remote_error_plain)
                return r; /* unencrypted: anybody's in radio range (issue 14): it fails this call, marks nothing */
        if (verdict < 0)
                s->pin_block = verdict;
        if (s->hooks.pin_verdict)
                s->hooks.pin_verdict(s->hooks.userdata, verdict, &s->creds.pin);
        return verdict < 0 ? verdict : r;
}

int session_call(struct session *s, uint16_t cmd, const uint8_t *fields, size_t n,
                 session_reply_fn fn, void *userdata)
{
        enum lk_cmd_auth auth = lk_cmd_auth(cmd);
        uint64_t delay = s->opts.busy_backoff_usec;
        uint8_t payload[LK_PAYLOAD_MAX], nk[LK_CHALLENGE_SIZE];
        size_t nk_len = 0;
        ssize_t len;
        int r;

        if (!s->has_creds)
                return -ENOKEY;
        if (n > sizeof(payload))
                return -EMSGSIZE;
        r = session_check_once(s);
        if (r < 0)
                return r;
        if (s->write_block && !session_cmd_is_read(cmd))
                return s->write_block;
        if (auth == LK_AUTH_NONCE_PIN && s->pin_block)
                return s->pin_block; /* never the same refused PIN twice (issue 11) */
        if (auth == LK_AUTH_NONCE_PIN && !s->creds.has_pin)
                return -ENOKEY;

        for (unsigned attempt = 0;; attempt++) {
                s->call_sent = s->call_accepted = false;
                if (n)
                        memcpy(payload, fields, n);
                len = (ssize_t)n;
                if (auth != LK_AUTH_NONE) {
                        /* spec §5.2: a fresh single-use challenge for every command */
                        r = session_request_data(s, LK_CMD_CHALLENGE, nk, sizeof(nk), &nk_len);
                        if (r < 0)
                                goto out;
                        if (nk_len != LK_CHALLENGE_SIZE) {
                                r = session_not_understood(s, LK_CMD_CHALLENGE, nk_len);
                                goto out;
                        }
                        len = lk_cmd_finish(cmd, payload, n, sizeof(payload), nk, &s->creds.pin);
                        if (len < 0) {
                                r = (int)len;
                                goto out;
                        }
                }
                r = exchange(s, cmd, payload, (size_t)len, fn, userdata, true);
                s->call_sent = s->sent;
                s->call_accepted = s->accepted;
                if (auth == LK_AUTH_NONCE_PIN)
                        r = pin_verdict(s, r);
                if (!(r == -EREMOTEIO && s->remote_error == LK_K_ERROR_BUSY) ||
                    attempt >= s->opts.busy_retries)
                        break;
                /* spec §8 K_ERROR_BUSY: the command was not carried out; back off and retry */
                s->stats.busy_retries++;
                log_debug("Lock busy, retrying command 0x%04x in %llu ms", cmd,
                          (unsigned long long)(delay / USEC_PER_MSEC));
                r = backoff(s, delay);
                if (r < 0)
                        break;
                delay *= 2;
        }
out:
        sodium_memzero(payload, sizeof(payload));
        sodium_memzero(nk, sizeof(nk));
        return r;
}

bool session_call_sent(const struct session *s)
{
        return s->call_sent;
}

bool session_call_accepted(const struct session *s)
{
        return s->call_accepted;
}

