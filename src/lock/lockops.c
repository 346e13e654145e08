/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lockops.h"

/*
 * Every answer decoded here has passed its MAC (session.c): one that fails to decode is not
 * corrupt but a layout this version does not know (issue 14). The decoders take the older
 * prefixes and ignore trailing bytes; what they still refuse is reported with its command and
 * length, exit 11, never as "failed its checks".
 */
static int decoded(struct session *s, const struct lk_msg *m, int r)
{
        return r < 0 ? session_not_understood(s, m->cmd, m->len) : r;
}

int lockops_request_decoded(struct session *s, uint16_t cmd, int (*decode)(const uint8_t *, size_t, void *), void *ret)
{
        uint8_t buf[LK_PAYLOAD_MAX];
        size_t len = 0;
        int r = session_request_data(s, cmd, buf, sizeof(buf), &len);

        if (r < 0)
                return r;
        r = decode(buf, len, ret);
        return r < 0 ? session_not_understood(s, cmd, len) : r;
}

static int decode_states(const uint8_t *p, size_t n, void *ret)
{
        return lk_keyturner_states_decode(p, n, ret);
}

static int decode_battery(const uint8_t *p, size_t n, void *ret)
{
        return lk_battery_report_decode(p, n, ret);
}

int lockops_states(struct session *s, struct lk_keyturner_states *ret)
{
        return lockops_request_decoded(s, LK_CMD_KEYTURNER_STATES, decode_states, ret);
}

int lockops_battery(struct session *s, struct lk_battery_report *ret)
{
        return lockops_request_decoded(s, LK_CMD_BATTERY_REPORT, decode_battery, ret);
}

/* A call whose answer is one message of a known command. */
struct one_reply {
        struct session *s;
        uint16_t cmd;
        bool then_complete; /* the answer goes on to a Status COMPLETE */
        int (*decode)(const uint8_t *p, size_t n, void *ret);
        void *ret;
        bool got;
};

static int on_one_reply(void *userdata, const struct lk_msg *m)
{
        struct one_reply *o = userdata;
        int r;

        if (m->cmd != o->cmd)
                return 0;
        r = decoded(o->s, m, o->decode(m->payload, m->len, o->ret));
        if (r < 0)
                return r;
        o->got = true;
        return o->then_complete ? 0 : 1;
}

int lockops_call_one(struct session *s, uint16_t cmd, const uint8_t *fields, size_t n, uint16_t reply_cmd,
                     bool then_complete, int (*decode)(const uint8_t *, size_t, void *), void *ret)
{
        struct one_reply o = { .s = s, .cmd = reply_cmd, .then_complete = then_complete, .decode = decode, .ret = ret };
        int r = session_call(s, cmd, fields, n, on_one_reply, &o);

        if (r < 0)
                return r;
        return o.got ? 0 : -EBADMSG;
}

static int decode_config(const uint8_t *p, size_t n, void *ret)
{
        return lk_config_decode(p, n, ret);
}

static int decode_advanced_config(const uint8_t *p, size_t n, void *ret)
{
        return lk_advanced_config_decode(p, n, ret);
}

int lockops_config(struct session *s, struct lk_config *ret)
{
        return lockops_call_one(s, LK_CMD_REQUEST_CONFIG, NULL, 0, LK_CMD_CONFIG, false, decode_config, ret);
}

int lockops_advanced_config(struct session *s, struct lk_advanced_config *ret)
{
        return lockops_call_one(s, LK_CMD_REQUEST_ADVANCED_CONFIG, NULL, 0, LK_CMD_ADVANCED_CONFIG, false,
                        decode_advanced_config, ret);
}

/* Calls answered by Status COMPLETE alone. */
static int call_complete(struct session *s, uint16_t cmd, const uint8_t *fields, size_t n)
{
        return session_call(s, cmd, fields, n, NULL, NULL);
}

int lockops_set_config(struct session *s, const struct lk_set_config *c)
{
        uint8_t buf[LK_SET_CONFIG_SIZE];
        ssize_t n = lk_set_config_encode(c, buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return call_complete(s, LK_CMD_SET_CONFIG, buf, (size_t)n);
}

struct action_ctx {
        struct lk_keyturner_states last;
        bool have;
};

static int on_action_reply(void *userdata, const struct lk_msg *m)
{
        struct action_ctx *a = userdata;
        struct lk_keyturner_states ks;

        if (m->cmd == LK_CMD_KEYTURNER_STATES && lk_keyturner_states_decode(m->payload, m->len, &ks) == 0) {
                a->last = ks;
                a->have = true;
        }
        return 0; /* ACCEPTED, states…, COMPLETE (spec §5.3) */
}

int lockops_action(struct session *s, uint8_t action, uint32_t app_id, const char *suffix,
                   struct lk_keyturner_states *ret)
{
        struct lk_lock_action_msg m = { .action = action, .app_id = app_id };
        struct action_ctx a = { 0 };
        uint8_t buf[LK_LOCK_ACTION_SUFFIX_SIZE];
        ssize_t n;
        int r;

        if (suffix)
                snprintf(m.suffix, sizeof(m.suffix), "%s", suffix);
        n = lk_lock_action_encode(&m, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        r = session_call(s, LK_CMD_LOCK_ACTION, buf, (size_t)n, on_action_reply, &a);
        if (r < 0 && session_is_link_error(r) && session_call_sent(s))
                return -EINPROGRESS; /* sent, no outcome seen: never repeated blindly */
        if (r < 0)
                return r;
        if (ret) {
                if (!a.have)
                        return lockops_states(s, ret); /* already in the target state: COMPLETE only */
                *ret = a.last;
        }
        return 0;
}

int lockops_set_time(struct session *s, int64_t t)
{
        struct lk_update_time m;
        uint8_t buf[LK_UPDATE_TIME_SIZE];
        ssize_t n;
        int r;

        r = lk_datetime_from_unix(t, &m.time);
        if (r < 0)
                return r;
        n = lk_update_time_encode(&m, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        return call_complete(s, LK_CMD_UPDATE_TIME, buf, (size_t)n);
}

int lockops_pin_verify(struct session *s)
{
        return call_complete(s, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0);
}

int lockops_pin_set(struct session *s, const struct lk_pin *new_pin)
{
        struct lk_set_security_pin m = { .new_pin = *new_pin };
        uint8_t buf[4];
        ssize_t n = lk_set_security_pin_encode(&m, buf, sizeof(buf));
        int r;

        if (n < 0)
                return (int)n;
        r = call_complete(s, LK_CMD_SET_SECURITY_PIN, buf, (size_t)n);
        lk_wipe(buf, sizeof(buf));
        lk_wipe(&m, sizeof(m));
        return r;
}

struct codes_ctx {
        struct session *s;
        struct lk_keypad_code *out;
        size_t max, n;
        uint16_t total;
        bool have_total;
        lockops_progress_fn progress;
        void *userdata;
};

static int on_code(void *userdata, const struct lk_msg *m)
{
        struct codes_ctx *c = userdata;
        struct lk_keypad_code_count count;
        int r;

        switch (m->cmd) {
        case LK_CMD_KEYPAD_CODE_COUNT:
                r = decoded(c->s, m, lk_keypad_code_count_decode(m->payload, m->len, &count));
                if (r < 0)
                        return r;
                c->total = count.count;
                c->have_total = true;
                return 0;
        case LK_CMD_KEYPAD_CODE:
                if (c->n >= c->max)
                        return -EMSGSIZE; /* more codes than asked for: a rogue lock */
                r = decoded(c->s, m, lk_keypad_code_decode(m->payload, m->len, &c->out[c->n]));
                if (r < 0)
                        return r;
                c->n++;
                if (c->progress)
                        c->progress(c->userdata, (unsigned)c->n, c->total);
                return 0;
        default:
                return 0;
        }
}

static int request_codes(struct session *s, uint16_t offset, uint16_t count, struct codes_ctx *c)
{
        struct lk_request_keypad_codes req = { .offset = offset, .count = count };
        uint8_t buf[LK_REQUEST_KEYPAD_CODES_SIZE];
        ssize_t n = lk_request_keypad_codes_encode(&req, buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return session_call(s, LK_CMD_REQUEST_KEYPAD_CODES, buf, (size_t)n, on_code, c);
}

int lockops_codes_list(struct session *s, struct lk_keypad_code *ret, size_t max, size_t *ret_n,
                       lockops_progress_fn progress, void *userdata)
{
        struct codes_ctx c = { .s = s, .out = ret, .max = max, .progress = progress, .userdata = userdata };
        int r;

        if (max == 0 || max > UINT16_MAX)
                return -EINVAL;
        r = request_codes(s, 0, (uint16_t)max, &c);
        if (r < 0)
                return r;
        /* Count first, then min(count, asked) codes (spec §6.35). */
        if (!c.have_total || c.n != (c.total < max ? c.total : max))
                return -EBADMSG;
        *ret_n = c.n;
        return 0;
}

int lockops_code_at(struct session *s, uint16_t offset, struct lk_keypad_code *ret, uint16_t *ret_total)
{
        struct codes_ctx c = { .s = s, .out = ret, .max = 1 };
        int r = request_codes(s, offset, 1, &c);

        if (r < 0)
                return r;
        if (!c.have_total)
                return -EBADMSG;
        if (ret_total)
                *ret_total = c.total;
        return c.n == 1 ? 0 : -ENOENT;
}

static int decode_code_id(const uint8_t *p, size_t n, void *ret)
{
        return lk_keypad_code_id_decode(p, n, ret);
}

int lockops_code_add(struct session *s, const struct lk_keypad_code *c, uint16_t *ret_id)
{
        struct lk_keypad_code_id id = { 0 };
        uint8_t buf[LK_ADD_KEYPAD_CODE_SIZE];
        ssize_t n = lk_add_keypad_code_encode(c, buf, sizeof(buf));
        int r;

        if (n < 0)
                return (int)n;
        /* Keypad Code ID, then COMPLETE (spec §5.1 [DECISION]); accept COMPLETE last. */
        r = lockops_call_one(s, LK_CMD_ADD_KEYPAD_CODE, buf, (size_t)n, LK_CMD_KEYPAD_CODE_ID, true, decode_code_id, &id);
        lk_wipe(buf, sizeof(buf));
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = id.id;
        return 0;
}

int lockops_code_update(struct session *s, const struct lk_keypad_code *c)
{
        uint8_t buf[LK_UPDATE_KEYPAD_CODE_SIZE];
        ssize_t n = lk_update_keypad_code_encode(c, buf, sizeof(buf));
        int r;

        if (n < 0)
                return (int)n;
        r = call_complete(s, LK_CMD_UPDATE_KEYPAD_CODE, buf, (size_t)n);
        lk_wipe(buf, sizeof(buf));
        return r;
}

int lockops_code_remove(struct session *s, uint16_t id)
{
        struct lk_remove_keypad_code m = { .id = id };
        uint8_t buf[LK_REMOVE_KEYPAD_CODE_SIZE];
        ssize_t n = lk_remove_keypad_code_encode(&m, buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return call_complete(s, LK_CMD_REMOVE_KEYPAD_CODE, buf, (size_t)n);
}

struct log_ctx {
        struct session *s;
        lockops_log_fn fn;
        void *userdata;
        uint16_t total;
        unsigned got, max;
};

static int on_log(void *userdata, const struct lk_msg *m)
{
        struct log_ctx *l = userdata;
        struct lk_log_entry_count count;
        struct lk_log_entry e;
        int r;

        if (m->cmd == LK_CMD_LOG_ENTRY_COUNT) {
                r = decoded(l->s, m, lk_log_entry_count_decode(m->payload, m->len, &count));
                if (r < 0)
                        return r;
                l->total = count.count;
                return 0;
        }
        if (m->cmd != LK_CMD_LOG_ENTRY)
                return 0;
        if (++l->got > l->max)
                return -EMSGSIZE;
        r = decoded(l->s, m, lk_log_entry_decode(m->payload, m->len, &e));
        if (r < 0)
                return r;
        return l->fn(l->userdata, &e) < 0 ? -ECANCELED : 0;
}

int lockops_log_read(struct session *s, uint32_t start_index, uint16_t count, bool descending,
                     lockops_log_fn fn, void *userdata, uint16_t *ret_total)
{
        struct lk_request_log_entries req = {
                .start_index = start_index, .count = count, .descending = descending, .total_count = true,
        };
        struct log_ctx l = { .s = s, .fn = fn, .userdata = userdata, .max = count };
        uint8_t buf[LK_REQUEST_LOG_ENTRIES_SIZE];
        ssize_t n = lk_request_log_entries_encode(&req, buf, sizeof(buf));
        int r;

        if (n < 0)
                return (int)n;
        r = session_call(s, LK_CMD_REQUEST_LOG_ENTRIES, buf, (size_t)n, on_log, &l);
        if (r < 0)
                return r;
        if (ret_total)
                *ret_total = l.total;
        return 0;
}

struct auth_ctx {
        struct session *s;
        struct lk_authorization_entry *out;
        size_t max, n;
};

static int on_auth(void *userdata, const struct lk_msg *m)
{
        struct auth_ctx *a = userdata;

        if (m->cmd != LK_CMD_AUTHORIZATION_ENTRY)
                return 0; /* a count (0x0027) may come first (spec §5.1) */
        if (a->n >= a->max)
                return -EMSGSIZE;
        if (lk_authorization_entry_decode(m->payload, m->len, &a->out[a->n]) < 0)
                return session_not_understood(a->s, m->cmd, m->len);
        a->n++;
        return 0;
}

int lockops_auth_list(struct session *s, struct lk_authorization_entry *ret, size_t max, size_t *ret_n)
{
        struct lk_request_authorization_entries req = { .offset = 0, .count = (uint16_t)max };
        struct auth_ctx a = { .s = s, .out = ret, .max = max };
        uint8_t buf[LK_REQUEST_AUTHORIZATION_ENTRIES_FILTER_SIZE];
        ssize_t n = lk_request_authorization_entries_encode(&req, buf, sizeof(buf));
        int r;

        if (n < 0)
                return (int)n;
        r = session_call(s, LK_CMD_REQUEST_AUTHORIZATION_ENTRIES, buf, (size_t)n, on_auth, &a);
        if (r < 0)
                return r;
        *ret_n = a.n;
        return 0;
}

int lockops_auth_remove(struct session *s, uint32_t auth_id)
{
        struct lk_remove_authorization_entry m = { .auth_id = auth_id };
        uint8_t buf[LK_REMOVE_AUTHORIZATION_ENTRY_SIZE];
        ssize_t n = lk_remove_authorization_entry_encode(&m, buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return call_complete(s, LK_CMD_REMOVE_AUTHORIZATION_ENTRY, buf, (size_t)n);
}
