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


#include "session-private.h"


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

int session_arm_timer(struct session *s, uint64_t usec)
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

void session_disarm_timer(struct session *s)
{
        if (s->timer)
                (void)sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
}

/* Run the loop until the current wait finishes. */
int session_run_until_done(struct session *s)
{
        int r;

        while (s->result > 0) {
                r = sd_event_run(s->event, UINT64_MAX);
                if (r < 0) {
                        s->result = r;
                        break;
                }
        }
        session_disarm_timer(s);
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
        (void)session_arm_timer(s, s->accepted ? s->opts.action_timeout_usec : s->opts.reply_timeout_usec);
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
                        (void)session_arm_timer(s, s->opts.reply_timeout_usec);
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
        r = session_arm_timer(s, s->opts.connect_timeout_usec);
        if (r >= 0)
                r = lk_transport_connect(s->transport, s->opts.pairing ? LK_CONNECT_PAIRING : 0);
        if (r < 0) {
                s->wait = WAIT_NONE;
                session_disarm_timer(s);
                release(s);
        }
        return r;
}

/* The connect is over with r: the link's bookkeeping, and the line the bench reads. */
static int connect_end(struct session *s, int r)
{
        uint64_t t1 = 0;

        session_disarm_timer(s);
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
int session_check_once(struct session *s)
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
                r = connect_end(s, session_run_until_done(s));
                if (r < 0)
                        return r;
        }
        r = session_check_once(s);
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
        r = session_arm_timer(s, s->opts.reply_timeout_usec);
        if (r < 0)
                return r;
        return session_run_until_done(s);
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
