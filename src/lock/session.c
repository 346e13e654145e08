/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "latchkey/commands.h"
#include "latchkey/names.h"
#include "log.h"
#include "session.h"
#include "util.h"

#define USEC_PER_MSEC 1000ULL
#define USEC_PER_SEC 1000000ULL

enum wait_kind {
        WAIT_NONE,
        WAIT_CONNECT,
        WAIT_REPLY,   /* USDIO replies to a call */
        WAIT_PAIRING, /* raw pairing-channel chunks */
};

struct session {
        sd_event *event;
        struct lk_transport *transport;
        struct lk_transport_cb cb;
        struct lk_creds creds;
        bool has_creds;
        const struct lk_env *env;
        struct session_opts opts;
        struct session_stats stats;

        bool connected;
        /* Writes per channel: sent, and completed (on_sent, in order per channel). A write's
         * late error is the current wait's failure only if that wait sent it: an answer may
         * come before its write's response (ATT allows it), and then the wait is over. */
        uint32_t wr_sent[LK_CH_COUNT], wr_done[LK_CH_COUNT], wr_settled[LK_CH_COUNT];
        uint64_t up_usec;         /* CLOCK_MONOTONIC when the link last came up; 0 never */
        struct lk_link_info info;
        struct lk_reasm usdio;
        struct lk_reasm gdio;
        sd_event_source *timer;

        /* the wait in progress */
        enum wait_kind wait;
        int result;   /* > 0 while running; 0 done; < 0 failed */
        session_reply_fn reply_fn;
        bool complete_ends; /* a Status COMPLETE ends the wait */
        session_chunk_fn chunk_fn;
        void *userdata;
        /* session_connect_async(): whom to tell, and when the connect began */
        session_connected_fn connect_fn;
        void *connect_userdata;
        uint64_t connect_t0;
        uint8_t remote_error;
        uint16_t remote_error_cmd;
        bool remote_error_plain;       /* the Error Report came unencrypted (issue 14) */
        uint16_t asking;               /* the command the exchange asks for (Request Data's target) */
        bool answered;                 /* the exchange in progress got a message */
        uint16_t silent_cmd;           /* the last exchange timed out without any message */
        uint16_t odd_cmd;              /* the last answer we could not decode: command, length */
        size_t odd_len;
        bool sent, accepted;           /* the exchange in progress: written; ACCEPTED seen */
        bool call_sent, call_accepted; /* the last session_call's command */

        struct session_hooks hooks;
        bool acquired;       /* hooks.acquire succeeded and release is owed */
        bool checked;        /* hooks.connected ran */
        int pin_block;       /* session_block_pin() */
        int write_block;     /* session_block_writes() */
};

static void finish(struct session *s, int result);

static int session_timer(sd_event_source *es, uint64_t usec, void *userdata)
{
        finish(userdata, -ETIMEDOUT);
        return 0;
}

/* Not sd_event_now(): that is when the loop last woke, which may be long ago when the
 * session sat idle between calls; a deadline from it could already have passed. */
static int mono_usec(uint64_t *ret)
{
        struct timespec ts;

        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return -errno;
        *ret = (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
        return 0;
}

static int arm_timer(struct session *s, uint64_t usec)
{
        uint64_t now = 0;
        int r;

        r = mono_usec(&now);
        if (r < 0)
                return r;
        if (!s->timer) {
                r = sd_event_add_time(s->event, &s->timer, CLOCK_MONOTONIC, now + usec, 1000, session_timer, s);
                if (r < 0)
                        return r;
        } else {
                r = sd_event_source_set_time(s->timer, now + usec);
                if (r < 0)
                        return r;
        }
        return sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

static void disarm_timer(struct session *s)
{
        if (s->timer)
                (void)sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
}

/* Run the loop until the current wait finishes. */
static int run_until_done(struct session *s)
{
        int r;

        while (s->result > 0) {
                r = sd_event_run(s->event, UINT64_MAX);
                if (r < 0) {
                        s->result = r;
                        break;
                }
        }
        disarm_timer(s);
        s->wait = WAIT_NONE;
        memcpy(s->wr_settled, s->wr_sent, sizeof(s->wr_settled)); /* the wait is over for all of them */
        return s->result;
}

static int connect_end(struct session *s, int r);

static void finish(struct session *s, int result)
{
        session_connected_fn fn = s->connect_fn;

        if (s->result <= 0)
                return;
        s->result = result;
        if (s->wait == WAIT_CONNECT && fn) {
                /* session_connect_async(): the loop is the caller's, the news goes to fn */
                s->connect_fn = NULL;
                fn(s->connect_userdata, s, connect_end(s, result)); /* last: fn may free s */
        }
}

static void on_connected(void *userdata, int error, const struct lk_link_info *info)
{
        struct session *s = userdata;

        if (s->wait != WAIT_CONNECT)
                return;
        if (error < 0) {
                finish(s, error);
                return;
        }
        s->connected = true;
        s->info = *info;
        finish(s, 0);
}

static void on_sent(void *userdata, enum lk_channel ch, int error)
{
        struct session *s = userdata;
        uint32_t seq = ++s->wr_done[ch];

        if (error >= 0)
                return;
        if (seq <= s->wr_settled[ch]) {
                /* Its wait ended already (the answer came first): the lock had the message. */
                log_debug("A %s write failed after its wait ended (%s); ignored", lk_channel_name(ch),
                          strerror(-error));
                return;
        }
        finish(s, error);
}

static void release(struct session *s)
{
        if (s->acquired && s->hooks.release)
                s->hooks.release(s->hooks.userdata);
        s->acquired = false;
}

static void on_disconnect(void *userdata, int error)
{
        struct session *s = userdata;

        s->connected = false;
        release(s);
        lk_reasm_reset(&s->usdio);
        lk_reasm_reset(&s->gdio);
        memcpy(s->wr_done, s->wr_sent, sizeof(s->wr_done)); /* gone with the link */
        finish(s, error < 0 ? error : -ENOTCONN);
}

int session_not_understood(struct session *s, uint16_t cmd, size_t len)
{
        s->odd_cmd = cmd;
        s->odd_len = len;
        return -ENOMSG;
}

/*
 * An Error Report ends the call (spec §6.21). An unencrypted one (plain) can only make the
 * call fail, never succeed, and the caller is told it came unauthenticated (issue 14).
 */
static void remote_error(struct session *s, const struct lk_msg *m, bool plain)
{
        struct lk_error_report e;

        if (lk_error_report_decode(m->payload, m->len, &e) < 0) {
                finish(s, plain ? -EBADMSG : session_not_understood(s, m->cmd, m->len));
                return;
        }
        s->remote_error = e.code;
        s->remote_error_cmd = e.cmd;
        s->remote_error_plain = plain;
        finish(s, -EREMOTEIO);
}

static void deliver_usdio(struct session *s, const uint8_t *msg, size_t n)
{
        uint8_t pdata[LK_PDATA_MAX];
        struct lk_msg m;
        int r;

        s->stats.messages++;
        if (!s->has_creds || lk_sealed_decode(s->creds.shared_key, msg, n, pdata, sizeof(pdata), &m) < 0 ||
            m.auth_id != s->creds.auth_id) {
                /* A reply we cannot authenticate: a rogue peer or a corrupted link. */
                finish(s, -EBADMSG);
                goto out;
        }
        if (s->wait != WAIT_REPLY) {
                log_debug("Ignoring unsolicited message 0x%04x", m.cmd);
                goto out;
        }
        s->answered = true;
        /* spec §5.3: after ACCEPTED the motor turns; the final state and COMPLETE take time */
        if (m.cmd == LK_CMD_STATUS && m.len >= 1 && m.payload[0] == LK_STATUS_ACCEPTED)
                s->accepted = true;
        (void)arm_timer(s, s->accepted ? s->opts.action_timeout_usec : s->opts.reply_timeout_usec);
        if (m.cmd == LK_CMD_ERROR_REPORT) {
                remote_error(s, &m, false);
                goto out;
        }
        r = s->reply_fn ? s->reply_fn(s->userdata, &m) : 0;
        if (r < 0)
                finish(s, r);
        else if (r > 0)
                finish(s, 0);
        else if (s->complete_ends && m.cmd == LK_CMD_STATUS && m.len >= 1 && m.payload[0] == LK_STATUS_COMPLETE)
                finish(s, 0);
out:
        sodium_memzero(pdata, sizeof(pdata));
}

static void deliver_gdio(struct session *s, const uint8_t *msg, size_t n)
{
        struct lk_msg m;

        s->stats.messages++;
        if (lk_plain_decode(msg, n, &m) < 0)
                return;
        /* Unencrypted errors on Keyturner GDIO, e.g. K_ERROR_NOT_AUTHORIZED (spec §1.1, §2.2). */
        if (m.cmd == LK_CMD_ERROR_REPORT && s->wait == WAIT_REPLY) {
                s->answered = true;
                remote_error(s, &m, true);
        }
}

/*
 * Some locks send an unencrypted Error Report on the USDIO itself (issue 14): a whole plain
 * message in the first chunk of a message, 7 bytes with a good CRC. A sealed message cannot
 * look like that by accident in practice (its first chunk is its nonce, and 2^-32 for the
 * command and CRC besides); it is looked for only during an exchange.
 */
static bool plain_usdio_error(struct session *s, const uint8_t *chunk, size_t n)
{
        struct lk_msg m;

        if (s->wait != WAIT_REPLY || (s->usdio.len != 0 && !s->usdio.done) ||
            (ssize_t)n != lk_plain_length(LK_CMD_ERROR_REPORT) || lk_plain_decode(chunk, n, &m) < 0 ||
            m.cmd != LK_CMD_ERROR_REPORT)
                return false;
        s->stats.messages++;
        s->answered = true;
        remote_error(s, &m, true);
        return true;
}

static void on_chunk(void *userdata, enum lk_channel ch, const uint8_t *chunk, size_t n)
{
        struct session *s = userdata;
        struct lk_reasm *ra;
        size_t off = 0, used;
        int r;

        s->stats.chunks++;
        if (ch == LK_CH_PAIRING) {
                if (s->wait == WAIT_PAIRING && s->chunk_fn) {
                        (void)arm_timer(s, s->opts.reply_timeout_usec);
                        r = s->chunk_fn(s->userdata, chunk, n);
                        if (r != 0)
                                finish(s, r > 0 ? 0 : r);
                }
                return;
        }
        if (ch == LK_CH_USDIO && plain_usdio_error(s, chunk, n))
                return;
        ra = ch == LK_CH_USDIO ? &s->usdio : &s->gdio;
        while (off < n) {
                r = lk_reasm_feed(ra, chunk + off, n - off, &used);
                if (r < 0) {
                        finish(s, -EBADMSG);
                        return;
                }
                off += used;
                if (r == 1) {
                        if (ch == LK_CH_USDIO)
                                deliver_usdio(s, ra->buf, ra->len);
                        else
                                deliver_gdio(s, ra->buf, ra->len);
                }
        }
}

int session_new(sd_event *event, struct lk_transport *transport, const struct lk_creds *creds,
                const struct lk_env *env, const struct session_opts *opts, struct session **ret)
{
        struct session *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->transport = transport;
        s->env = env ? env : &lk_env_default;
        s->opts = (struct session_opts){
                .connect_timeout_usec = 20 * USEC_PER_SEC,
                .reply_timeout_usec = 5 * USEC_PER_SEC,
                .action_timeout_usec = 30 * USEC_PER_SEC,
                .busy_retries = 5,
                .busy_backoff_usec = 250 * USEC_PER_MSEC,
        };
        if (opts) {
                if (opts->connect_timeout_usec)
                        s->opts.connect_timeout_usec = opts->connect_timeout_usec;
                if (opts->reply_timeout_usec)
                        s->opts.reply_timeout_usec = opts->reply_timeout_usec;
                if (opts->action_timeout_usec)
                        s->opts.action_timeout_usec = opts->action_timeout_usec;
                if (opts->busy_backoff_usec)
                        s->opts.busy_backoff_usec = opts->busy_backoff_usec;
                s->opts.busy_retries = opts->busy_retries;
                s->opts.pairing = opts->pairing;
        }
        s->cb = (struct lk_transport_cb){
                .on_connected = on_connected,
                .on_sent = on_sent,
                .on_chunk = on_chunk,
                .on_disconnect = on_disconnect,
        };
        transport->cb = &s->cb;
        transport->userdata = s;
        lk_reasm_init(&s->usdio, LK_FRAMING_SEALED);
        lk_reasm_init(&s->gdio, LK_FRAMING_PLAIN);
        if (creds)
                session_set_creds(s, creds);
        *ret = s;
        return 0;
}

struct session *session_free(struct session *s)
{
        uint64_t t0 = 0, t1 = 0;

        if (!s)
                return NULL;
        (void) mono_usec(&t0);
        lk_transport_free(s->transport); /* BLE: asks BlueZ to release it; does not wait */
        release(s);
        if (s->hooks.destroy)
                s->hooks.destroy(s->hooks.userdata);
        (void) mono_usec(&t1);
        if (s->up_usec && t0 >= s->up_usec)
                log_debug("Link released in %llu ms, after %llu ms up",
                          (unsigned long long)(t1 - t0) / 1000,
                          (unsigned long long)(t0 - s->up_usec) / 1000);
        sd_event_source_unref(s->timer);
        sd_event_unref(s->event);
        sodium_memzero(&s->usdio, sizeof(s->usdio));
        lk_creds_wipe(&s->creds);
        free(s);
        return NULL;
}

void session_set_creds(struct session *s, const struct lk_creds *creds)
{
        s->creds = *creds;
        s->has_creds = true;
}

void session_set_hooks(struct session *s, const struct session_hooks *h)
{
        s->hooks = *h;
}

void session_block_pin(struct session *s, int error)
{
        s->pin_block = error;
}

void session_block_writes(struct session *s, int error)
{
        s->write_block = error;
}

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

static int connect_begin(struct session *s)
{
        int r;

        if (!s->acquired && s->hooks.acquire) {
                r = s->hooks.acquire(s->hooks.userdata, s, &s->creds);
                if (r < 0)
                        return r;
                s->acquired = true;
        }
        s->wait = WAIT_CONNECT;
        s->result = 1;
        (void) mono_usec(&s->connect_t0);
        r = arm_timer(s, s->opts.connect_timeout_usec);
        if (r >= 0)
                r = lk_transport_connect(s->transport, s->opts.pairing ? LK_CONNECT_PAIRING : 0);
        if (r < 0) {
                s->wait = WAIT_NONE;
                disarm_timer(s);
                release(s);
        }
        return r;
}

/* The connect is over with r: the link's bookkeeping, and the line the bench reads. */
static int connect_end(struct session *s, int r)
{
        uint64_t t1 = 0;

        disarm_timer(s);
        s->wait = WAIT_NONE;
        if (r < 0) {
                lk_transport_disconnect(s->transport);
                s->connected = false;
                release(s);
                return r;
        }
        memcpy(s->wr_sent, s->wr_done, sizeof(s->wr_sent)); /* a new link: nothing in flight */
        memcpy(s->wr_settled, s->wr_done, sizeof(s->wr_settled));
        (void) mono_usec(&t1);
        s->up_usec = t1;
        /* The rig's figures (make bench) read this line and the one in session_free(). */
        log_debug("Link up in %llu ms (ATT MTU %u, %llu ms of it waiting for a released link to drop)",
                  (unsigned long long)(t1 - s->connect_t0) / 1000, s->info.mtu,
                  (unsigned long long)s->info.waited_usec / 1000);
        return 0;
}

/* The connected hook (the lock's identity check) once per session, before its first call: after
 * session_connect(), or, after session_connect_async(), when the caller's work begins. */
static int check_once(struct session *s)
{
        int r;

        if (s->checked || !s->hooks.connected)
                return 0;
        s->checked = true;
        r = s->hooks.connected(s->hooks.userdata, s);
        if (r < 0)
                session_disconnect(s);
        return r;
}

int session_connect(struct session *s, struct lk_link_info *ret_info)
{
        int r;

        if (!s->connected) {
                r = connect_begin(s);
                if (r < 0)
                        return r;
                r = connect_end(s, run_until_done(s));
                if (r < 0)
                        return r;
        }
        r = check_once(s);
        if (r < 0)
                return r;
        if (ret_info)
                *ret_info = s->info;
        return 0;
}

int session_connect_async(struct session *s, session_connected_fn fn, void *userdata)
{
        int r;

        if (!fn || s->wait != WAIT_NONE)
                return -EINVAL;
        if (s->connected)
                return -EALREADY;
        s->connect_fn = fn;
        s->connect_userdata = userdata;
        r = connect_begin(s);
        if (r < 0)
                s->connect_fn = NULL;
        return r;
}

void session_disconnect(struct session *s)
{
        if (s->connected)
                lk_transport_disconnect(s->transport);
        s->connected = false;
        release(s);
}

bool session_is_connected(const struct session *s)
{
        return s->connected;
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
        r = arm_timer(s, s->opts.reply_timeout_usec);
        if (r >= 0)
                r = send_sealed(s, cmd, payload, n);
        if (r >= 0)
                s->sent = true; /* from here the lock may act on it, whatever comes back */
        if (r < 0) {
                s->wait = WAIT_NONE;
                s->asking = 0;
                disarm_timer(s);
                return r;
        }
        r = run_until_done(s);
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
        int r = arm_timer(s, usec);

        if (r < 0)
                return r;
        r = run_until_done(s);
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
        r = check_once(s);
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

int session_pairing_send(struct session *s, const uint8_t *msg, size_t n)
{
        int r;

        if (!s->connected)
                return -ENOTCONN;
        r = lk_transport_send(s->transport, LK_CH_PAIRING, msg, n);
        if (r >= 0) {
                s->stats.writes++;
                s->wr_sent[LK_CH_PAIRING]++;
        }
        return r;
}

int session_pairing_wait(struct session *s, session_chunk_fn fn, void *userdata)
{
        int r;

        if (!s->connected)
                return -ENOTCONN;
        s->wait = WAIT_PAIRING;
        s->result = 1;
        s->chunk_fn = fn;
        s->userdata = userdata;
        r = arm_timer(s, s->opts.reply_timeout_usec);
        if (r < 0)
                return r;
        return run_until_done(s);
}

bool session_call_sent(const struct session *s)
{
        return s->call_sent;
}

bool session_call_accepted(const struct session *s)
{
        return s->call_accepted;
}

bool session_is_link_error(int error)
{
        switch (error) {
        case -ETIMEDOUT:
        case -ENOTCONN:
        case -ECONNRESET:
        case -ECONNABORTED:
        case -ECONNREFUSED:
        case -EPIPE:
        case -EHOSTDOWN:
        case -EHOSTUNREACH:
                return true;
        default:
                return false;
        }
}

uint8_t session_remote_error(const struct session *s)
{
        return s->remote_error;
}

uint16_t session_remote_error_cmd(const struct session *s)
{
        return s->remote_error_cmd;
}

bool session_remote_error_plain(const struct session *s)
{
        return s->remote_error_plain;
}

uint16_t session_silent_cmd(const struct session *s)
{
        return s->silent_cmd;
}

uint16_t session_not_understood_cmd(const struct session *s, size_t *ret_len)
{
        if (ret_len)
                *ret_len = s->odd_len;
        return s->odd_cmd;
}

const struct session_stats *session_stats(const struct session *s)
{
        return &s->stats;
}

const struct lk_link_info *session_link_info(const struct session *s)
{
        return &s->info;
}
