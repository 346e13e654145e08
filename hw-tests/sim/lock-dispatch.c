/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the USDIO channel — spec §2.2 "Receiver processing", the challenge and
 * PIN checks of §5.2 and every client command of §5.1, with proto's codecs (commands.h).
 */
#include <errno.h>

#include "lock-private.h"

/* One request being answered. The key is copied: the authorization may be removed. */
struct req {
        struct sim_lock *lock;
        uint32_t auth_id;
        uint8_t key[LK_KEY_SIZE]; /* secret */
        uint16_t cmd;
        const uint8_t *fields;
        size_t fields_len;
};

void sim_send_plain(struct sim_lock *lock, enum lk_channel ch, uint16_t cmd, const uint8_t *p,
                    size_t n)
{
        uint8_t buf[LK_PLAIN_MAX];
        ssize_t k = lk_plain_encode(cmd, p, n, buf, sizeof(buf));

        if (k > 0 && lock->io.send)
                lock->io.send(lock->io.userdata, ch, buf, (size_t)k);
}

static void send_plain_error(struct sim_lock *lock, uint8_t code, uint16_t cmd)
{
        uint8_t p[LK_ERROR_REPORT_SIZE];
        struct lk_error_report e = { .code = code, .cmd = cmd };

        if (lk_error_report_encode(&e, p, sizeof(p)) > 0)
                sim_send_plain(lock, LK_CH_KEYTURNER, LK_CMD_ERROR_REPORT, p, sizeof(p));
}

static void reply(struct req *r, uint16_t cmd, const uint8_t *p, size_t n)
{
        uint8_t nonce[LK_NONCE_SIZE], buf[LK_SEALED_MAX];
        ssize_t k;

        /* spec §2.2: a fresh random nonce for every message */
        lk_env_random(&r->lock->env, nonce, sizeof(nonce));
        k = lk_sealed_encode(r->key, nonce, r->auth_id, cmd, p, n, buf, sizeof(buf));
        if (k > 0 && r->lock->io.send)
                r->lock->io.send(r->lock->io.userdata, LK_CH_USDIO, buf, (size_t)k);
}

static void reply_error(struct req *r, uint8_t code)
{
        uint8_t p[LK_ERROR_REPORT_SIZE];
        struct lk_error_report e = { .code = code, .cmd = r->cmd };

        if (lk_error_report_encode(&e, p, sizeof(p)) > 0)
                reply(r, LK_CMD_ERROR_REPORT, p, sizeof(p));
}

static void reply_status(struct req *r, uint8_t status)
{
        uint8_t p[LK_STATUS_SIZE] = { status };

        reply(r, LK_CMD_STATUS, p, sizeof(p));
}

static void reply_states(struct req *r)
{
        struct lk_keyturner_states ks;
        uint8_t p[LK_KEYTURNER_STATES_FULL];
        ssize_t k;

        sim_keyturner_states(r->lock, &ks);
        k = lk_keyturner_states_encode(&ks, p, sizeof(p));
        if (k > 0)
                reply(r, LK_CMD_KEYTURNER_STATES, p, (size_t)k);
        /* spec §1.4: a Bridge reading Keyturner States resets the state-changed bit */
        struct sim_auth *a = sim_auth_find(r->lock, r->auth_id);
        if (a && a->id_type == LK_ID_BRIDGE)
                r->lock->state_changed = false;
}

/* Encode with a codec into a stack buffer and send; encode failures are our bugs. */
#define REPLY_WITH(r, cmd, fn, m)                                               \
        do {                                                                    \
                uint8_t _p[LK_PAYLOAD_MAX];                                     \
                ssize_t _k = fn((m), _p, sizeof(_p));                           \
                if (_k >= 0)                                                    \
                        reply((r), (cmd), _p, (size_t)_k);                      \
                else                                                            \
                        reply_error((r), LK_ERROR_UNKNOWN);                     \
        } while (0)

/* ---- Request Data (spec §6.1): no challenge ---- */

static void battery_report(const struct sim_lock *lock, struct lk_battery_report *ret)
{
        /* [DECISION] 4 × AA alkaline: 4.4 V empty … 6.0 V full */
        uint16_t mv = (uint16_t)(4400 + lock->battery * 16);

        *ret = (struct lk_battery_report){
                .drain = lock->last_action ? 1200 : 0,
                .voltage = mv,
                .critical = lock->battery < 20,
                .last_lock_action = lock->last_action,
                .start_voltage = mv,
                .lowest_voltage = (uint16_t)(mv - (lock->last_action ? 150 : 0)),
                .lock_distance = lock->last_action ? 360 : 0,
                .start_temperature = 21,
                .max_turn_current = lock->last_action ? 350 : 0,
                .battery_resistance = 120,
        };
}

static void do_request_data(struct req *r, struct sim_auth *a)
{
        struct lk_request_data rd;

        if (lk_request_data_decode(r->fields, r->fields_len, &rd) < 0) {
                reply_error(r, LK_ERROR_BAD_LENGTH);
                return;
        }
        switch (rd.cmd) {
        case LK_CMD_CHALLENGE: {
                struct lk_challenge c;

                /* spec §10: one pending challenge per authorization, replaced by a new one */
                lk_env_random(&r->lock->env, a->challenge, LK_CHALLENGE_SIZE);
                a->challenge_valid = true;
                memcpy(c.nonce, a->challenge, LK_CHALLENGE_SIZE);
                REPLY_WITH(r, LK_CMD_CHALLENGE, lk_challenge_encode, &c);
                return;
        }
        case LK_CMD_KEYTURNER_STATES:
                reply_states(r);
                return;
        case LK_CMD_BATTERY_REPORT: {
                struct lk_battery_report b;

                battery_report(r->lock, &b);
                REPLY_WITH(r, LK_CMD_BATTERY_REPORT, lk_battery_report_encode, &b);
                return;
        }
        default:
                /* spec §5.1: other targets (e.g. 0x0044) → ERROR_UNKNOWN */
                reply_error(r, LK_ERROR_UNKNOWN);
                return;
        }
}

/* ---- lock actions (spec §5.3, §10) ---- */

struct action_ctx {
        struct req *r;
        bool accepted;
};

static void on_state(struct sim_lock *lock, void *userdata)
{
        struct action_ctx *c = userdata;

        if (!c->accepted) {
                reply_status(c->r, LK_STATUS_ACCEPTED);
                c->accepted = true;
        }
        reply_states(c->r);
}

/* The log name: the authorization's name with the suffix appended (spec §6.29). */
static void log_name(const struct sim_auth *a, const char *suffix, char ret[static LK_AUTH_NAME_SIZE + 1])
{
        size_t n = strlen(a->name), m = suffix ? strlen(suffix) : 0;

        memcpy(ret, a->name, n);
        if (n + m > LK_AUTH_NAME_SIZE) {
                m = LK_AUTH_NAME_SIZE - n;
                while (m > 0 && ((uint8_t)suffix[m] & 0xC0) == 0x80)
                        m--;
        }
        if (m)
                memcpy(ret + n, suffix, m);
        ret[n + m] = '\0';
}

static void perform_action(struct req *r, uint8_t action, uint8_t flags, const char *suffix)
{
        struct sim_lock *lock = r->lock;
        struct sim_auth *a = sim_auth_find(lock, r->auth_id);
        struct action_ctx ctx = { .r = r };
        char name[LK_AUTH_NAME_SIZE + 1];
        uint8_t concrete = sim_action_resolve(lock, action);

        if (concrete == LK_ACTION_NONE || !sim_action_run(lock, concrete, LK_TRIGGER_SYSTEM,
                                                         on_state, &ctx)) {
                /* spec §5.1 [OSS]: already in the target state → COMPLETE without ACCEPTED */
                reply_status(r, LK_STATUS_COMPLETE);
                return;
        }
        log_name(a, suffix, name);
        uint8_t d[4] = { concrete, LK_TRIGGER_SYSTEM, flags, LK_COMPLETION_SUCCESS };
        sim_log_add(lock, a->id, name, LK_LOG_LOCK_ACTION, d, sizeof(d));
        a->lock_count++;
        a->last_active = sim_now(lock);
        sim_changed(lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_lock_action(struct req *r, const struct lk_lock_action_msg *m)
{
        if (!sim_action_valid(m->action)) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        perform_action(r, m->action, m->flags, m->suffix);
}

static void do_simple_lock_action(struct req *r, const struct lk_simple_lock_action *m)
{
        if (m->action != LK_ACTION_UNLOCK && m->action != LK_ACTION_LOCK) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        perform_action(r, m->action, 0, m->suffix);
}

static void do_keypad_action(struct req *r, const struct lk_keypad_action *m)
{
        struct sim_auth *a = sim_auth_find(r->lock, r->auth_id);
        struct sim_keypad_result res;

        if (m->source != LK_KEYPAD_SOURCE_CODE || m->action > 4) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        if (sim_keypad_entry(r->lock, a->id, a->name, m->code, m->action, &res) < 0) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        if (res.locked_out)
                reply_error(r, LK_K_ERROR_CODE_INVALID_TIMEOUT_1);
        else if (res.completion != LK_COMPLETION_SUCCESS)
                reply_error(r, LK_K_ERROR_CODE_INVALID);
        else {
                reply_status(r, LK_STATUS_ACCEPTED);
                reply_states(r);
                reply_status(r, LK_STATUS_COMPLETE);
        }
}

static void do_calibration(struct req *r)
{
        struct sim_lock *lock = r->lock;
        struct sim_auth *a = sim_auth_find(lock, r->auth_id);
        uint8_t d[4] = { LK_ACTION_NONE, LK_TRIGGER_SYSTEM, 0, LK_COMPLETION_SUCCESS };

        /* spec §5.1 [DECISION]: ACCEPTED, Keyturner States (0xFC …), COMPLETE */
        reply_status(r, LK_STATUS_ACCEPTED);
        lock->lock_state = LK_LOCK_STATE_CALIBRATION;
        reply_states(r);
        lock->lock_state = LK_LOCK_STATE_UNLOCKED;
        lock->state_changed = true;
        reply_states(r);
        sim_log_add(lock, a->id, a->name, LK_LOG_CALIBRATION, d, sizeof(d));
        sim_changed(lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

/* ---- configuration ---- */

static void do_request_config(struct req *r)
{
        struct lk_config c = r->lock->conf;

        sim_unix_to_dt(sim_now(r->lock), &c.current_time);
        REPLY_WITH(r, LK_CMD_CONFIG, lk_config_encode, &c);
}

static void bump_config(struct sim_lock *lock)
{
        lock->config_count++; /* spec §10 [DECISION], mod 256 */
}

static void do_set_config(struct req *r, const struct lk_set_config *m)
{
        struct lk_config *c = &r->lock->conf;

        /* spec §6.22, §7.8, §7.10 ranges */
        if (m->name[0] == '\0' || m->led_brightness > 5 || m->dst_mode > LK_DST_EUROPEAN ||
            m->fob_action[0] > LK_FOB_INTELLIGENT || m->fob_action[1] > LK_FOB_INTELLIGENT ||
            m->fob_action[2] > LK_FOB_INTELLIGENT || m->advertising_mode > LK_ADV_SLOWEST ||
            (m->timezone_id >= LK_TIMEZONE_COUNT && m->timezone_id != LK_TIMEZONE_NONE) ||
            m->timezone_offset < LK_TIMEZONE_OFFSET_MIN || m->timezone_offset > LK_TIMEZONE_OFFSET_MAX) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        memcpy(c->name, m->name, sizeof(c->name));
        c->latitude = m->latitude;
        c->longitude = m->longitude;
        c->auto_unlatch = m->auto_unlatch;
        c->pairing_enabled = m->pairing_enabled;
        c->button_enabled = m->button_enabled;
        c->led_enabled = m->led_enabled;
        c->led_brightness = m->led_brightness;
        c->timezone_offset = m->timezone_offset;
        c->dst_mode = m->dst_mode;
        memcpy(c->fob_action, m->fob_action, sizeof(c->fob_action));
        c->single_lock = m->single_lock;
        c->advertising_mode = m->advertising_mode;
        c->timezone_id = m->timezone_id;
        bump_config(r->lock);
        sim_changed(r->lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_request_advanced_config(struct req *r)
{
        REPLY_WITH(r, LK_CMD_ADVANCED_CONFIG, lk_advanced_config_encode, &r->lock->adv);
}

static bool button_ok(uint8_t b)
{
        return b <= LK_BUTTON_SHOW_STATUS;
}

static void do_set_advanced_config(struct req *r, const struct lk_advanced_config *m)
{
        struct lk_advanced_config *c = &r->lock->adv;
        uint16_t degrees = c->total_degrees;
        uint8_t len = c->len;

        /* spec §6.32, §9.2 ranges; the layout must be this lock's (SL 29, Ultra 31 bytes) */
        if (m->len != c->len) {
                reply_error(r, LK_ERROR_BAD_LENGTH);
                return;
        }
        if (m->lock_n_go_timeout < 5 || m->lock_n_go_timeout > 60 ||
            !button_ok(m->single_button_action) || !button_ok(m->double_button_action) ||
            m->battery_type > LK_BATTERY_LITHIUM || m->unlatch_duration > 30 ||
            (m->auto_lock_enabled && m->auto_lock_timeout < 2) ||
            !lk_time_is_valid(&m->night_mode_start) || !lk_time_is_valid(&m->night_mode_end) ||
            (m->immediate_auto_lock > 1 && m->immediate_auto_lock != 0xFF) ||
            m->motor_speed > 2) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        *c = *m;
        c->total_degrees = degrees; /* read-only */
        c->len = len;
        bump_config(r->lock);
        sim_changed(r->lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_update_time(struct req *r, const struct lk_update_time *m)
{
        int64_t t;

        if (lk_datetime_to_unix(&m->time, &t) < 0) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        /* the lock clock runs at the virtual clock's pace, offset to the time set */
        r->lock->clock_offset = t - sim_vnow(r->lock);
        bump_config(r->lock);
        sim_changed(r->lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_set_pin(struct req *r, const struct lk_set_security_pin *m)
{
        struct sim_lock *lock = r->lock;

        /* spec §0: 0..9999 on SL1–4, 0..999999 on Ultra */
        if (m->new_pin.value > (lock->pin.size == 4 ? 999999u : 9999u)) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        lock->pin.value = m->new_pin.value;
        bump_config(lock);
        sim_changed(lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

/* ---- authorizations (spec §6.7–§6.13) ---- */

static void auth_entry(const struct sim_auth *a, struct lk_authorization_entry *ret)
{
        *ret = (struct lk_authorization_entry){
                .auth_id = a->id,
                .id_type = a->id_type,
                .enabled = a->enabled,
                .remote_allowed = a->remote_allowed,
                .lock_count = a->lock_count,
                .window = a->window,
        };
        memcpy(ret->name, a->name, sizeof(ret->name));
        sim_unix_to_dt(a->created, &ret->created);
        if (a->last_active)
                sim_unix_to_dt(a->last_active, &ret->last_active);
}

static void do_request_auths(struct req *r, const struct lk_request_authorization_entries *m)
{
        struct sim_lock *lock = r->lock;
        const struct sim_auth *list[LK_MAX_AUTHORIZATIONS];
        struct sim_auth *own = sim_auth_find(lock, r->auth_id);
        struct lk_authorization_entry_count cnt;
        unsigned n = 0;

        if (m->count == 0) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        /* spec §6.9: the first entry is the requester's own */
        if (!m->has_filter || own->id_type == m->id_type_filter)
                list[n++] = own;
        for (unsigned i = 0; i < lock->n_auths; i++) {
                const struct sim_auth *a = &lock->auths[i];

                if (a != own && (!m->has_filter || a->id_type == m->id_type_filter))
                        list[n++] = a;
        }
        /* [DECISION] spec §5.1: Authorization Entry Count first (clients must tolerate it) */
        cnt.count = (uint16_t)n;
        REPLY_WITH(r, LK_CMD_AUTHORIZATION_ENTRY_COUNT, lk_authorization_entry_count_encode, &cnt);
        for (unsigned i = m->offset, sent = 0; i < n && sent < m->count; i++, sent++) {
                struct lk_authorization_entry e;

                auth_entry(list[i], &e);
                REPLY_WITH(r, LK_CMD_AUTHORIZATION_ENTRY, lk_authorization_entry_encode, &e);
        }
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_update_auth(struct req *r, const struct lk_update_authorization_entry *m)
{
        struct sim_auth *a = sim_auth_find(r->lock, m->auth_id);

        if (!a) {
                reply_error(r, LK_K_ERROR_INVALID_AUTH_ID);
                return;
        }
        if (m->name[0] == '\0' || !sim_window_ok(&m->window)) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        memcpy(a->name, m->name, sizeof(a->name));
        a->enabled = m->enabled;
        a->remote_allowed = m->remote_allowed;
        a->window = m->window;
        sim_changed(r->lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_remove_auth(struct req *r, const struct lk_remove_authorization_entry *m)
{
        if (!sim_auth_remove(r->lock, m->auth_id)) {
                reply_error(r, LK_K_ERROR_INVALID_AUTH_ID);
                return;
        }
        sim_changed(r->lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_invite(struct req *r, const struct lk_authorization_invite *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_authorization_id_invite id;
        struct sim_auth *a;
        int k;

        if (m->name[0] == '\0' || m->id_type > LK_ID_KEYPAD || !sim_window_ok(&m->window)) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        if (lock->n_auths >= LK_MAX_AUTHORIZATIONS &&
            !sim_auth_would_replace(lock, m->id_type, 0)) {
                reply_error(r, LK_K_ERROR_TOO_MANY_ENTRIES);
                return;
        }
        k = sim_auth_add(lock, 0, m->id_type, 0, m->name, m->shared_key, &a);
        if (k < 0) {
                reply_error(r, k == -ENOSPC ? LK_K_ERROR_TOO_MANY_ENTRIES : LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        a->remote_allowed = m->remote_allowed;
        a->window = m->window;
        id.auth_id = a->id;
        sim_unix_to_dt(a->created, &id.created);
        sim_changed(lock);
        /* spec §5.1: Authorization-ID (Invite), then [DECISION] COMPLETE */
        REPLY_WITH(r, LK_CMD_AUTHORIZATION_ID_INVITE, lk_authorization_id_invite_encode, &id);
        reply_status(r, LK_STATUS_COMPLETE);
}

/* ---- log (spec §6.28–§6.31) ---- */

static void log_entry(const struct sim_log_entry *e, struct lk_log_entry *ret)
{
        *ret = (struct lk_log_entry){ .index = e->index, .auth_id = e->auth_id, .type = e->type };
        sim_unix_to_dt(e->time, &ret->timestamp);
        memcpy(ret->name, e->name, sizeof(ret->name));
        switch (e->type) {
        case LK_LOG_LOGGING_ENABLED:
        case LK_LOG_DOOR_SENSOR_LOGGING:
                ret->data.enabled = e->data[0] != 0;
                break;
        case LK_LOG_LOCK_ACTION:
        case LK_LOG_CALIBRATION:
        case LK_LOG_INITIALIZATION_RUN:
                ret->data.action = (struct lk_log_action){ e->data[0], e->data[1], e->data[2],
                                                           e->data[3] };
                break;
        case LK_LOG_KEYPAD_ACTION:
                ret->data.keypad = (struct lk_log_keypad){ e->data[0], e->data[1], e->data[2],
                                                           sim_get16(e->data + 3) };
                break;
        case LK_LOG_DOOR_SENSOR:
                ret->data.door_event = e->data[0];
                break;
        case LK_LOG_FIRMWARE_UPDATE:
                ret->data.firmware = (struct lk_log_firmware){ e->data[0], e->data[1],
                                                               e->data[2] };
                break;
        default:
                ret->data.raw.len = e->data_len;
                memcpy(ret->data.raw.bytes, e->data, e->data_len);
                break;
        }
}

static void do_request_log(struct req *r, const struct lk_request_log_entries *m)
{
        struct sim_lock *lock = r->lock;
        unsigned first = 0, avail = 0, sent = 0;

        /* spec §6.28: start 0 = from the oldest (asc) / newest (desc); else exclusive */
        if (!m->descending) {
                while (first < lock->log_count && m->start_index != 0 &&
                       sim_log_at(lock, first)->index <= m->start_index)
                        first++;
                avail = lock->log_count - first;
        } else {
                avail = lock->log_count;
                while (avail > 0 && m->start_index != 0 &&
                       sim_log_at(lock, avail - 1)->index >= m->start_index)
                        avail--;
        }
        if (m->total_count) {
                struct lk_log_entry_count c = {
                        .logging_enabled = lock->logging,
                        .count = (uint16_t)(avail > 0xFFFF ? 0xFFFF : avail),
                };
                REPLY_WITH(r, LK_CMD_LOG_ENTRY_COUNT, lk_log_entry_count_encode, &c);
        }
        for (; sent < avail && sent < m->count; sent++) {
                unsigned i = m->descending ? avail - 1 - sent : first + sent;
                struct lk_log_entry e;

                log_entry(sim_log_at(lock, i), &e);
                REPLY_WITH(r, LK_CMD_LOG_ENTRY, lk_log_entry_encode, &e);
        }
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_enable_logging(struct req *r, const struct lk_enable_logging *m)
{
        struct sim_lock *lock = r->lock;
        struct sim_auth *a = sim_auth_find(lock, r->auth_id);
        uint8_t d = m->enabled ? 1 : 0;

        if (lock->logging != m->enabled) {
                /* the change itself is logged: before switching off, after switching on */
                if (m->enabled)
                        lock->logging = true;
                sim_log_add(lock, a->id, a->name, LK_LOG_LOGGING_ENABLED, &d, 1);
                lock->logging = m->enabled;
                sim_changed(lock);
        }
        reply_status(r, LK_STATUS_COMPLETE);
}

/* ---- time control (spec §6.34) ---- */

static bool tc_ok(const struct lk_time_control_entry *e)
{
        return (e->weekdays & 0x80) == 0 && lk_time_is_valid(&e->time) &&
               sim_action_valid(e->action);
}

static void do_add_tc(struct req *r, const struct lk_time_control_entry *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_time_control_entry_id id;
        struct sim_time_control *t;

        if (!tc_ok(m)) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        if (lock->n_tcs >= LK_MAX_TIME_CONTROL) {
                reply_error(r, LK_K_ERROR_TOO_MANY_ENTRIES);
                return;
        }
        while (lock->next_tc_id == 0 || sim_tc_find(lock, lock->next_tc_id))
                lock->next_tc_id++;
        t = &lock->tcs[lock->n_tcs++];
        *t = (struct sim_time_control){ .e = *m };
        t->e.id = lock->next_tc_id++;
        t->e.enabled = true; /* spec §6.34 [OSS]: new entries are enabled */
        id.id = t->e.id;
        sim_changed(lock);
        /* spec §5.1 [DECISION]: Time Control Entry ID, then COMPLETE */
        REPLY_WITH(r, LK_CMD_TIME_CONTROL_ENTRY_ID, lk_time_control_entry_id_encode, &id);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_update_tc(struct req *r, const struct lk_time_control_entry *m)
{
        struct sim_time_control *t = sim_tc_find(r->lock, m->id);

        if (!t || !tc_ok(m)) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        t->e = *m;
        t->last_run = 0;
        sim_changed(r->lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_remove_tc(struct req *r, const struct lk_time_control_entry_id *m)
{
        struct sim_lock *lock = r->lock;
        struct sim_time_control *t = sim_tc_find(lock, m->id);
        size_t i;

        if (!t) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        i = (size_t)(t - lock->tcs);
        memmove(t, t + 1, (lock->n_tcs - i - 1) * sizeof(*t));
        lock->n_tcs--;
        sim_changed(lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_request_tcs(struct req *r)
{
        struct sim_lock *lock = r->lock;
        struct lk_time_control_entry_count c = { .count = (uint8_t)lock->n_tcs };

        /* spec §5.1 [DECISION]: count first, by analogy with keypad codes */
        REPLY_WITH(r, LK_CMD_TIME_CONTROL_ENTRY_COUNT, lk_time_control_entry_count_encode, &c);
        for (unsigned i = 0; i < lock->n_tcs; i++)
                REPLY_WITH(r, LK_CMD_TIME_CONTROL_ENTRY, lk_time_control_entry_encode,
                           &lock->tcs[i].e);
        reply_status(r, LK_STATUS_COMPLETE);
}

/* ---- keypad codes (spec §6.35, §8 [DECISION] mapping, §9.1) ---- */

/*
 * What a lock refuses (spec §9.1, §9.3): latchkey's own name rules (no control or bidi
 * characters, not blank: latchkey/text.h) are latchkey's, so the virtual lock, like another app
 * writing to a real one, takes such names, and latchkey must show them safely.
 */
static bool lock_takes_code(const struct lk_keypad_code *m)
{
        enum lk_code_problem p = lk_keypad_code_check(m);

        return p == LK_CODE_OK || p == LK_CODE_NAME_CONTROL || p == LK_CODE_NAME_BIDI || p == LK_CODE_NAME_BLANK;
}

static void do_add_code(struct req *r, struct lk_keypad_code *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_keypad_code_id id;
        struct lk_keypad_code *c;
        int64_t now = sim_now(lock);

        m->enabled = true; /* spec §9.1: codes are added enabled */
        if (!lock_takes_code(m)) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        if (sim_code_find_value(lock, m->code)) {
                reply_error(r, LK_K_ERROR_CODE_ALREADY_EXISTS);
                return;
        }
        if (lock->n_codes >= LK_MAX_KEYPAD_CODES) {
                reply_error(r, LK_K_ERROR_TOO_MANY_ENTRIES);
                return;
        }
        while (lock->next_code_id == 0 || sim_code_find(lock, lock->next_code_id))
                lock->next_code_id++;
        c = &lock->codes[lock->n_codes++];
        *c = *m;
        c->id = lock->next_code_id++;
        c->lock_count = 0;
        c->last_active = (struct lk_datetime){ 0 };
        sim_unix_to_dt(now, &c->created);
        id.id = c->id;
        id.created = c->created;
        sim_changed(lock);
        /* spec §5.1 [DECISION]: Keypad Code ID, then COMPLETE */
        REPLY_WITH(r, LK_CMD_KEYPAD_CODE_ID, lk_keypad_code_id_encode, &id);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_update_code(struct req *r, const struct lk_keypad_code *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_keypad_code *c = sim_code_find(lock, m->id), *dup;

        if (!c || !lock_takes_code(m)) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        dup = sim_code_find_value(lock, m->code);
        if (dup && dup != c) {
                reply_error(r, LK_K_ERROR_CODE_ALREADY_EXISTS);
                return;
        }
        /* spec §6.35: the update is the full record; the lock keeps its own bookkeeping */
        c->code = m->code;
        memcpy(c->name, m->name, sizeof(c->name));
        c->enabled = m->enabled;
        c->window = m->window;
        sim_changed(lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_remove_code(struct req *r, const struct lk_remove_keypad_code *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_keypad_code *c = sim_code_find(lock, m->id);
        size_t i;

        if (!c) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        i = (size_t)(c - lock->codes);
        memmove(c, c + 1, (lock->n_codes - i - 1) * sizeof(*c));
        lock->n_codes--;
        sim_changed(lock);
        reply_status(r, LK_STATUS_COMPLETE);
}

static void do_request_codes(struct req *r, const struct lk_request_keypad_codes *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_keypad_code_count cnt = { .count = (uint16_t)lock->n_codes };

        if (m->count == 0) {
                reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        /* spec §6.35 [STAFF]: Keypad Code Count first, then codes from offset, COMPLETE */
        REPLY_WITH(r, LK_CMD_KEYPAD_CODE_COUNT, lk_keypad_code_count_encode, &cnt);
        for (unsigned i = m->offset, sent = 0; i < lock->n_codes && sent < m->count; i++, sent++)
                REPLY_WITH(r, LK_CMD_KEYPAD_CODE, lk_keypad_code_encode, &lock->codes[i]);
        reply_status(r, LK_STATUS_COMPLETE);
}

/* ---- the command switch ---- */

/* Every decoded command, so lengths are checked before the nonce and PIN (spec §5.2). */
union cmd_fields {
        struct lk_lock_action_msg lock_action;
        struct lk_simple_lock_action simple;
        struct lk_keypad_action keypad_action;
        struct lk_set_config set_config;
        struct lk_advanced_config adv;
        struct lk_update_time time;
        struct lk_set_security_pin pin;
        struct lk_request_authorization_entries req_auths;
        struct lk_update_authorization_entry upd_auth;
        struct lk_remove_authorization_entry rm_auth;
        struct lk_authorization_invite invite;
        struct lk_request_log_entries req_log;
        struct lk_enable_logging logging;
        struct lk_time_control_entry tc;
        struct lk_time_control_entry_id tc_id;
        struct lk_keypad_code code;
        struct lk_request_keypad_codes req_codes;
        struct lk_remove_keypad_code rm_code;
};

/* Decode the fields of cmd: 0, -EBADMSG (wrong length), -ENOENT (not a command we take). */
static int decode(const struct sim_lock *lock, uint16_t cmd, const uint8_t *p, size_t n,
                  union cmd_fields *f)
{
        switch (cmd) {
        case LK_CMD_LOCK_ACTION:
                return lk_lock_action_decode(p, n, &f->lock_action);
        case LK_CMD_SIMPLE_LOCK_ACTION:
                return lk_simple_lock_action_decode(p, n, &f->simple);
        case LK_CMD_KEYPAD_ACTION:
                return lk_keypad_action_decode(p, n, &f->keypad_action);
        case LK_CMD_SET_CONFIG:
                return lk_set_config_decode(p, n, &f->set_config);
        case LK_CMD_SET_ADVANCED_CONFIG:
                return lk_set_advanced_config_decode(p, n, &f->adv);
        case LK_CMD_UPDATE_TIME:
                return lk_update_time_decode(p, n, &f->time);
        case LK_CMD_SET_SECURITY_PIN:
                return lk_set_security_pin_decode(p, n, lock->pin.size, &f->pin);
        case LK_CMD_REQUEST_AUTHORIZATION_ENTRIES:
                return lk_request_authorization_entries_decode(p, n, &f->req_auths);
        case LK_CMD_UPDATE_AUTHORIZATION_ENTRY:
                return lk_update_authorization_entry_decode(p, n, &f->upd_auth);
        case LK_CMD_REMOVE_AUTHORIZATION_ENTRY:
                return lk_remove_authorization_entry_decode(p, n, &f->rm_auth);
        case LK_CMD_AUTHORIZATION_DATA_INVITE:
                return lk_authorization_invite_decode(p, n, &f->invite);
        case LK_CMD_REQUEST_LOG_ENTRIES:
                return lk_request_log_entries_decode(p, n, &f->req_log);
        case LK_CMD_ENABLE_LOGGING:
                return lk_enable_logging_decode(p, n, &f->logging);
        case LK_CMD_ADD_TIME_CONTROL_ENTRY:
                return lk_add_time_control_entry_decode(p, n, &f->tc);
        case LK_CMD_UPDATE_TIME_CONTROL_ENTRY:
                return lk_update_time_control_entry_decode(p, n, &f->tc);
        case LK_CMD_REMOVE_TIME_CONTROL_ENTRY:
                return lk_remove_time_control_entry_decode(p, n, &f->tc_id);
        case LK_CMD_ADD_KEYPAD_CODE:
                return lk_add_keypad_code_decode(p, n, &f->code);
        case LK_CMD_UPDATE_KEYPAD_CODE:
                return lk_update_keypad_code_decode(p, n, &f->code);
        case LK_CMD_REMOVE_KEYPAD_CODE:
                return lk_remove_keypad_code_decode(p, n, &f->rm_code);
        case LK_CMD_REQUEST_KEYPAD_CODES:
                return lk_request_keypad_codes_decode(p, n, &f->req_codes);
        case LK_CMD_REQUEST_CONFIG:
        case LK_CMD_REQUEST_ADVANCED_CONFIG:
        case LK_CMD_VERIFY_SECURITY_PIN:
        case LK_CMD_REQUEST_CALIBRATION:
        case LK_CMD_REQUEST_REBOOT:
        case LK_CMD_REQUEST_TIME_CONTROL_ENTRIES:
                return n == 0 ? 0 : -EBADMSG; /* spec §6.23, §6.26, §6.33: trailer only */
        default:
                return -ENOENT;
        }
}

static void execute(struct req *r, union cmd_fields *f)
{
        switch (r->cmd) {
        case LK_CMD_LOCK_ACTION:
                do_lock_action(r, &f->lock_action);
                break;
        case LK_CMD_SIMPLE_LOCK_ACTION:
                do_simple_lock_action(r, &f->simple);
                break;
        case LK_CMD_KEYPAD_ACTION:
                do_keypad_action(r, &f->keypad_action);
                break;
        case LK_CMD_REQUEST_CONFIG:
                do_request_config(r);
                break;
        case LK_CMD_SET_CONFIG:
                do_set_config(r, &f->set_config);
                break;
        case LK_CMD_REQUEST_ADVANCED_CONFIG:
                do_request_advanced_config(r);
                break;
        case LK_CMD_SET_ADVANCED_CONFIG:
                do_set_advanced_config(r, &f->adv);
                break;
        case LK_CMD_UPDATE_TIME:
                do_update_time(r, &f->time);
                break;
        case LK_CMD_SET_SECURITY_PIN:
                do_set_pin(r, &f->pin);
                break;
        case LK_CMD_VERIFY_SECURITY_PIN:
                reply_status(r, LK_STATUS_COMPLETE); /* the PIN check passed */
                break;
        case LK_CMD_REQUEST_CALIBRATION:
                do_calibration(r);
                break;
        case LK_CMD_REQUEST_REBOOT:
                reply_status(r, LK_STATUS_COMPLETE);
                /* [DECISION] a reboot forgets pending challenges and pairing sessions */
                sim_challenges_drop(r->lock);
                sim_pairing_reset(r->lock);
                break;
        case LK_CMD_REQUEST_AUTHORIZATION_ENTRIES:
                do_request_auths(r, &f->req_auths);
                break;
        case LK_CMD_UPDATE_AUTHORIZATION_ENTRY:
                do_update_auth(r, &f->upd_auth);
                break;
        case LK_CMD_REMOVE_AUTHORIZATION_ENTRY:
                do_remove_auth(r, &f->rm_auth);
                break;
        case LK_CMD_AUTHORIZATION_DATA_INVITE:
                do_invite(r, &f->invite);
                break;
        case LK_CMD_REQUEST_LOG_ENTRIES:
                do_request_log(r, &f->req_log);
                break;
        case LK_CMD_ENABLE_LOGGING:
                do_enable_logging(r, &f->logging);
                break;
        case LK_CMD_ADD_TIME_CONTROL_ENTRY:
                do_add_tc(r, &f->tc);
                break;
        case LK_CMD_UPDATE_TIME_CONTROL_ENTRY:
                do_update_tc(r, &f->tc);
                break;
        case LK_CMD_REMOVE_TIME_CONTROL_ENTRY:
                do_remove_tc(r, &f->tc_id);
                break;
        case LK_CMD_REQUEST_TIME_CONTROL_ENTRIES:
                do_request_tcs(r);
                break;
        case LK_CMD_ADD_KEYPAD_CODE:
                do_add_code(r, &f->code);
                break;
        case LK_CMD_UPDATE_KEYPAD_CODE:
                do_update_code(r, &f->code);
                break;
        case LK_CMD_REMOVE_KEYPAD_CODE:
                do_remove_code(r, &f->rm_code);
                break;
        case LK_CMD_REQUEST_KEYPAD_CODES:
                do_request_codes(r, &f->req_codes);
                break;
        default:
                reply_error(r, LK_ERROR_UNKNOWN);
                break;
        }
}

/* spec §5.2 steps 3–5 [DECISION] order: length → nonce → PIN → parameters. */
static void dispatch(struct req *r, struct sim_auth *a, const uint8_t *payload, size_t len)
{
        struct sim_lock *lock = r->lock;
        enum lk_cmd_auth need = lk_cmd_auth(r->cmd);
        uint8_t nonce[LK_CHALLENGE_SIZE];
        struct lk_pin pin = { 0 };
        union cmd_fields f;
        size_t flen = 0;
        bool nonce_ok;
        int k;

        if (r->cmd == LK_CMD_REQUEST_DATA) {
                r->fields = payload;
                r->fields_len = len;
                do_request_data(r, a);
                return;
        }
        static const uint8_t none[1];

        if (need == LK_AUTH_NONE || decode(lock, r->cmd, none, 0, &f) == -ENOENT) {
                reply_error(r, LK_ERROR_UNKNOWN);
                return;
        }
        if (lock->busy_faults > 0) {
                lock->busy_faults--;
                reply_error(r, LK_K_ERROR_BUSY);
                return;
        }
        /* a challenge is single-use: any attempt consumes it (spec §5.2 [DECISION]) */
        nonce_ok = a->challenge_valid;
        a->challenge_valid = false;
        k = lk_cmd_split(r->cmd, payload, len, lock->pin.size, &flen, nonce, &pin);
        if (k < 0 || decode(lock, r->cmd, payload, flen, &f) < 0) {
                reply_error(r, LK_ERROR_BAD_LENGTH);
                goto out;
        }
        if (!nonce_ok || !lk_equal32(nonce, a->challenge)) {
                reply_error(r, LK_K_ERROR_BAD_NONCE);
                goto out;
        }
        if (need == LK_AUTH_NONCE_PIN) {
                int64_t vnow = sim_vnow(lock);

                if (lock->pin_lockout_until > vnow) {
                        reply_error(r, LK_K_ERROR_TOO_MANY_PIN_ATTEMPTS);
                        goto out;
                }
                if (!sim_pin_ok(lock, pin.value)) {
                        if (++lock->pin_failures >= lock->cfg.pin_attempts) {
                                lock->pin_failures = 0;
                                lock->pin_lockout_until = vnow + lock->cfg.pin_lockout_s;
                        }
                        sim_changed(lock);
                        reply_error(r, LK_K_ERROR_BAD_PIN);
                        goto out;
                }
                if (lock->pin_failures) {
                        lock->pin_failures = 0;
                        sim_changed(lock);
                }
        }
        r->fields = payload;
        r->fields_len = flen;
        execute(r, &f);
out:
        lk_wipe(a->challenge, LK_CHALLENGE_SIZE);
        lk_wipe(nonce, sizeof(nonce));
        lk_wipe(&pin, sizeof(pin));
        lk_wipe(&f, sizeof(f));
}

/* spec §2.2 "Receiver processing" */
void sim_usdio_receive(struct sim_lock *lock, const uint8_t *msg, size_t n)
{
        uint8_t pdata[LK_PDATA_MAX];
        struct req r = { .lock = lock };
        struct lk_adata ad;
        struct lk_msg m;
        struct sim_auth *a;
        ssize_t plen;

        if (lk_adata_parse(msg, n, &ad) < 0) {
                /* [DECISION] not even an ADATA: nobody to answer encrypted */
                send_plain_error(lock, LK_ERROR_BAD_LENGTH, 0);
                return;
        }
        a = sim_auth_find(lock, ad.auth_id);
        if (!a) {
                /* step 2: unknown auth id → unencrypted K_ERROR_NOT_AUTHORIZED on GDIO */
                send_plain_error(lock, LK_K_ERROR_NOT_AUTHORIZED, 0);
                return;
        }
        r.auth_id = a->id;
        memcpy(r.key, a->key, LK_KEY_SIZE);
        /* step 1: LEN < 16 + 8, over our limit, or not what arrived */
        if (ad.len < LK_MAC_SIZE + LK_PDATA_MIN || ad.len > LK_MAC_SIZE + LK_PDATA_MAX ||
            n != LK_ADATA_SIZE + (size_t)ad.len) {
                reply_error(&r, LK_ERROR_BAD_LENGTH);
                goto out;
        }
        plen = lk_sealed_open(a->key, msg, n, pdata, sizeof(pdata));
        if (plen < 0) {
                /* step 3: does not decrypt → same as an unknown id */
                send_plain_error(lock, LK_K_ERROR_NOT_AUTHORIZED, 0);
                goto out;
        }
        r.cmd = sim_get16(pdata + LK_AUTH_ID_SIZE);
        if (lk_pdata_parse(pdata, (size_t)plen, &m) < 0) {
                reply_error(&r, LK_ERROR_BAD_CRC); /* step 4 */
                goto out;
        }
        if (m.auth_id != ad.auth_id) {
                reply_error(&r, LK_K_ERROR_NOT_AUTHORIZED); /* step 5 [DECISION] */
                goto out;
        }
        if (!a->enabled) {
                reply_error(&r, LK_K_ERROR_DISABLED); /* step 6 */
                goto out;
        }
        if (!sim_window_allows(lock, &a->window)) {
                reply_error(&r, LK_K_ERROR_TIME_NOT_ALLOWED);
                goto out;
        }
        dispatch(&r, a, m.payload, m.len);
out:
        lk_wipe(pdata, sizeof(pdata));
        lk_wipe(&r, sizeof(r));
}
