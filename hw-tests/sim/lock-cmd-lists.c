/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the lock's lists over USDIO — authorizations (spec §6.7–§6.13), the
 * log (§6.28–§6.31), time control (§6.34) and keypad codes (§6.35, §8 [DECISION], §9.1).
 */
#include <errno.h>

#include "lock-private.h"

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
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
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
        SIM_REPLY_WITH(r, LK_CMD_AUTHORIZATION_ENTRY_COUNT, lk_authorization_entry_count_encode, &cnt);
        for (unsigned i = m->offset, sent = 0; i < n && sent < m->count; i++, sent++) {
                struct lk_authorization_entry e;

                auth_entry(list[i], &e);
                SIM_REPLY_WITH(r, LK_CMD_AUTHORIZATION_ENTRY, lk_authorization_entry_encode, &e);
        }
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_update_auth(struct req *r, const struct lk_update_authorization_entry *m)
{
        struct sim_auth *a = sim_auth_find(r->lock, m->auth_id);

        if (!a) {
                sim_reply_error(r, LK_K_ERROR_INVALID_AUTH_ID);
                return;
        }
        if (m->name[0] == '\0' || !sim_window_ok(&m->window)) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        memcpy(a->name, m->name, sizeof(a->name));
        a->enabled = m->enabled;
        a->remote_allowed = m->remote_allowed;
        a->window = m->window;
        sim_changed(r->lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_remove_auth(struct req *r, const struct lk_remove_authorization_entry *m)
{
        if (!sim_auth_remove(r->lock, m->auth_id)) {
                sim_reply_error(r, LK_K_ERROR_INVALID_AUTH_ID);
                return;
        }
        sim_changed(r->lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_invite(struct req *r, const struct lk_authorization_invite *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_authorization_id_invite id;
        struct sim_auth *a;
        int k;

        if (m->name[0] == '\0' || m->id_type > LK_ID_KEYPAD || !sim_window_ok(&m->window)) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        if (lock->n_auths >= LK_MAX_AUTHORIZATIONS &&
            !sim_auth_would_replace(lock, m->id_type, 0)) {
                sim_reply_error(r, LK_K_ERROR_TOO_MANY_ENTRIES);
                return;
        }
        k = sim_auth_add(lock, 0, m->id_type, 0, m->name, m->shared_key, &a);
        if (k < 0) {
                sim_reply_error(r, k == -ENOSPC ? LK_K_ERROR_TOO_MANY_ENTRIES : LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        a->remote_allowed = m->remote_allowed;
        a->window = m->window;
        id.auth_id = a->id;
        sim_unix_to_dt(a->created, &id.created);
        sim_changed(lock);
        /* spec §5.1: Authorization-ID (Invite), then [DECISION] COMPLETE */
        SIM_REPLY_WITH(r, LK_CMD_AUTHORIZATION_ID_INVITE, lk_authorization_id_invite_encode, &id);
        sim_reply_status(r, LK_STATUS_COMPLETE);
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
                SIM_REPLY_WITH(r, LK_CMD_LOG_ENTRY_COUNT, lk_log_entry_count_encode, &c);
        }
        for (; sent < avail && sent < m->count; sent++) {
                unsigned i = m->descending ? avail - 1 - sent : first + sent;
                struct lk_opener_log_entry oe;
                struct lk_log_entry e;

                if (sim_is_opener(lock)) {
                        /* O9: a ring's 8 bytes need the Opener's codec */
                        sim_opener_log_entry(sim_log_at(lock, i), &oe);
                        SIM_REPLY_WITH(r, LK_CMD_LOG_ENTRY, lk_opener_log_entry_encode, &oe);
                        continue;
                }
                log_entry(sim_log_at(lock, i), &e);
                SIM_REPLY_WITH(r, LK_CMD_LOG_ENTRY, lk_log_entry_encode, &e);
        }
        sim_reply_status(r, LK_STATUS_COMPLETE);
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
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

/* ---- time control (spec §6.34) ---- */

static bool tc_ok(const struct sim_lock *lock, const struct lk_time_control_entry *e)
{
        return (e->weekdays & 0x80) == 0 && lk_time_is_valid(&e->time) &&
               sim_action_valid(lock, e->action);
}

static void do_add_tc(struct req *r, const struct lk_time_control_entry *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_time_control_entry_id id;
        struct sim_time_control *t;

        if (!tc_ok(lock, m)) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        if (lock->n_tcs >= LK_MAX_TIME_CONTROL) {
                sim_reply_error(r, LK_K_ERROR_TOO_MANY_ENTRIES);
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
        SIM_REPLY_WITH(r, LK_CMD_TIME_CONTROL_ENTRY_ID, lk_time_control_entry_id_encode, &id);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_update_tc(struct req *r, const struct lk_time_control_entry *m)
{
        struct sim_time_control *t = sim_tc_find(r->lock, m->id);

        if (!t || !tc_ok(r->lock, m)) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        t->e = *m;
        t->last_run = 0;
        sim_changed(r->lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_remove_tc(struct req *r, const struct lk_time_control_entry_id *m)
{
        struct sim_lock *lock = r->lock;
        struct sim_time_control *t = sim_tc_find(lock, m->id);
        size_t i;

        if (!t) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        i = (size_t)(t - lock->tcs);
        memmove(t, t + 1, (lock->n_tcs - i - 1) * sizeof(*t));
        lock->n_tcs--;
        sim_changed(lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_request_tcs(struct req *r)
{
        struct sim_lock *lock = r->lock;
        struct lk_time_control_entry_count c = { .count = (uint8_t)lock->n_tcs };

        /* spec §5.1 [DECISION]: count first, by analogy with keypad codes */
        SIM_REPLY_WITH(r, LK_CMD_TIME_CONTROL_ENTRY_COUNT, lk_time_control_entry_count_encode, &c);
        for (unsigned i = 0; i < lock->n_tcs; i++)
                SIM_REPLY_WITH(r, LK_CMD_TIME_CONTROL_ENTRY, lk_time_control_entry_encode,
                           &lock->tcs[i].e);
        sim_reply_status(r, LK_STATUS_COMPLETE);
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
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        if (sim_code_find_value(lock, m->code)) {
                sim_reply_error(r, LK_K_ERROR_CODE_ALREADY_EXISTS);
                return;
        }
        if (lock->n_codes >= LK_MAX_KEYPAD_CODES) {
                sim_reply_error(r, LK_K_ERROR_TOO_MANY_ENTRIES);
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
        SIM_REPLY_WITH(r, LK_CMD_KEYPAD_CODE_ID, lk_keypad_code_id_encode, &id);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_update_code(struct req *r, const struct lk_keypad_code *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_keypad_code *c = sim_code_find(lock, m->id), *dup;

        if (!c || !lock_takes_code(m)) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        dup = sim_code_find_value(lock, m->code);
        if (dup && dup != c) {
                sim_reply_error(r, LK_K_ERROR_CODE_ALREADY_EXISTS);
                return;
        }
        /* spec §6.35: the update is the full record; the lock keeps its own bookkeeping */
        c->code = m->code;
        memcpy(c->name, m->name, sizeof(c->name));
        c->enabled = m->enabled;
        c->window = m->window;
        sim_changed(lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_remove_code(struct req *r, const struct lk_remove_keypad_code *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_keypad_code *c = sim_code_find(lock, m->id);
        size_t i;

        if (!c) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        i = (size_t)(c - lock->codes);
        memmove(c, c + 1, (lock->n_codes - i - 1) * sizeof(*c));
        lock->n_codes--;
        sim_changed(lock);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

static void do_request_codes(struct req *r, const struct lk_request_keypad_codes *m)
{
        struct sim_lock *lock = r->lock;
        struct lk_keypad_code_count cnt = { .count = (uint16_t)lock->n_codes };

        if (m->count == 0) {
                sim_reply_error(r, LK_K_ERROR_BAD_PARAMETER);
                return;
        }
        /* spec §6.35 [STAFF]: Keypad Code Count first, then codes from offset, COMPLETE */
        SIM_REPLY_WITH(r, LK_CMD_KEYPAD_CODE_COUNT, lk_keypad_code_count_encode, &cnt);
        for (unsigned i = m->offset, sent = 0; i < lock->n_codes && sent < m->count; i++, sent++)
                SIM_REPLY_WITH(r, LK_CMD_KEYPAD_CODE, lk_keypad_code_encode, &lock->codes[i]);
        sim_reply_status(r, LK_STATUS_COMPLETE);
}

bool sim_exec_lists(struct req *r, union sim_cmd_fields *f)
{
        switch (r->cmd) {
        case LK_CMD_REQUEST_AUTHORIZATION_ENTRIES:
                do_request_auths(r, &f->req_auths);
                return true;
        case LK_CMD_UPDATE_AUTHORIZATION_ENTRY:
                do_update_auth(r, &f->upd_auth);
                return true;
        case LK_CMD_REMOVE_AUTHORIZATION_ENTRY:
                do_remove_auth(r, &f->rm_auth);
                return true;
        case LK_CMD_AUTHORIZATION_DATA_INVITE:
                do_invite(r, &f->invite);
                return true;
        case LK_CMD_REQUEST_LOG_ENTRIES:
                do_request_log(r, &f->req_log);
                return true;
        case LK_CMD_ENABLE_LOGGING:
                do_enable_logging(r, &f->logging);
                return true;
        case LK_CMD_ADD_TIME_CONTROL_ENTRY:
                do_add_tc(r, &f->tc);
                return true;
        case LK_CMD_UPDATE_TIME_CONTROL_ENTRY:
                do_update_tc(r, &f->tc);
                return true;
        case LK_CMD_REMOVE_TIME_CONTROL_ENTRY:
                do_remove_tc(r, &f->tc_id);
                return true;
        case LK_CMD_REQUEST_TIME_CONTROL_ENTRIES:
                do_request_tcs(r);
                return true;
        case LK_CMD_ADD_KEYPAD_CODE:
                do_add_code(r, &f->code);
                return true;
        case LK_CMD_UPDATE_KEYPAD_CODE:
                do_update_code(r, &f->code);
                return true;
        case LK_CMD_REMOVE_KEYPAD_CODE:
                do_remove_code(r, &f->rm_code);
                return true;
        case LK_CMD_REQUEST_KEYPAD_CODES:
                do_request_codes(r, &f->req_codes);
                return true;
        default:
                return false;
        }
}
