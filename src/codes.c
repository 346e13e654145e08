/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "latchkey/commands.h"
#include "lockops.h"
#include "log.h"
#include "util.h"

static bool window_same(const struct lk_window *a, const struct lk_window *b)
{
        if (a->time_limited != b->time_limited)
                return false;
        if (!a->time_limited)
                return true; /* the lock ignores (and may drop) the fields then */
        return lk_datetime_cmp(&a->from, &b->from) == 0 && lk_datetime_cmp(&a->until, &b->until) == 0 &&
               a->weekdays == b->weekdays && a->from_time.hour == b->from_time.hour &&
               a->from_time.minute == b->from_time.minute && a->until_time.hour == b->until_time.hour &&
               a->until_time.minute == b->until_time.minute;
}

bool codes_same(const struct lk_keypad_code *a, const struct lk_keypad_code *b)
{
        return a->code == b->code && streq(a->name, b->name) && a->enabled == b->enabled &&
               window_same(&a->window, &b->window);
}

static bool is_link_error(int r)
{
        return r == -ETIMEDOUT || r == -ENOTCONN || r == -ECONNRESET || r == -EPIPE || r == -ECONNABORTED;
}

/* After a link failure: connect again (the caller's attempt budget bounds this). */
static int recover(struct session *s, struct codes_outcome *o, int error)
{
        int r;

        o->reconnects++;
        log_warning_errno(error, "Link to the lock failed (%m); reconnecting to check what the lock has");
        session_disconnect(s);
        r = session_connect(s, NULL);
        if (r < 0)
                return r;
        return 0;
}

struct code_list {
        struct lk_keypad_code codes[CODES_MAX];
        size_t n;
};

static int list_codes(struct session *s, struct code_list *l)
{
        return lockops_codes_list(s, l->codes, CODES_MAX, &l->n, NULL, NULL);
}

static const struct lk_keypad_code *find_by_id(const struct code_list *l, uint16_t id, size_t *ret_index)
{
        for (size_t i = 0; i < l->n; i++)
                if (l->codes[i].id == id) {
                        if (ret_index)
                                *ret_index = i;
                        return &l->codes[i];
                }
        return NULL;
}

static const struct lk_keypad_code *find_by_value(const struct code_list *l, uint32_t code, uint16_t except_id)
{
        for (size_t i = 0; i < l->n; i++)
                if (l->codes[i].code == code && l->codes[i].id != except_id)
                        return &l->codes[i];
        return NULL;
}

/* Read back one code: first at its expected position, else by listing all. */
static int read_back(struct session *s, uint16_t id, int guess_offset, struct code_list *scratch,
                     struct lk_keypad_code *ret)
{
        const struct lk_keypad_code *c;
        struct lk_keypad_code one;
        int r;

        if (guess_offset >= 0) {
                r = lockops_code_at(s, (uint16_t)guess_offset, &one, NULL);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r == 0 && one.id == id) {
                        *ret = one;
                        return 0;
                }
        }
        r = list_codes(s, scratch);
        if (r < 0)
                return r;
        c = find_by_id(scratch, id, NULL);
        if (!c)
                return -ENOENT;
        *ret = *c;
        return 0;
}

int codes_add(struct session *s, const struct lk_keypad_code *want, enum lk_code_problem *ret_problem,
              struct codes_outcome *ret)
{
        _cleanup_free_ struct code_list *l = calloc(1, sizeof(*l));
        struct codes_outcome o = { 0 };
        struct lk_keypad_code rec = *want;
        const struct lk_keypad_code *found;
        enum lk_code_problem p;
        int r = 0;

        if (!l)
                return -ENOMEM;
        rec.enabled = true; /* the lock creates codes enabled (spec §6.35) */
        p = lk_keypad_code_check(&rec);
        if (p != LK_CODE_OK) {
                if (ret_problem)
                        *ret_problem = p;
                return -EINVAL;
        }

        for (unsigned attempt = 0; attempt < CODES_ATTEMPTS; attempt++) {
                if (attempt > 0) {
                        r = recover(s, &o, r);
                        if (r < 0)
                                continue;
                }
                /* List first: is it there already (ours from a lost reply, or anyone's)? */
                r = list_codes(s, l);
                if (is_link_error(r))
                        continue;
                if (r < 0)
                        return r;
                found = find_by_value(l, rec.code, 0);
                if (found) {
                        o.id = found->id;
                        if (!codes_same(found, &rec)) {
                                *ret = o;
                                return -EEXIST;
                        }
                        o.already = true;
                        o.record = *found;
                        *ret = o;
                        return 0;
                }
                if (l->n >= CODES_MAX) {
                        *ret = o;
                        return -ENOSPC;
                }
                r = lockops_code_add(s, &rec, &o.id);
                if (is_link_error(r))
                        continue;
                if (r < 0)
                        return log_debug_errno(r, "Add Keypad Code failed: %m");
                log_debug("Lock assigned code id %u; reading it back", o.id);
                /* Verify: the new code normally lands at the end of the list. */
                r = read_back(s, o.id, (int)l->n, l, &o.record);
                if (is_link_error(r))
                        continue;
                if (r < 0)
                        log_debug_errno(r, "Reading back code %u failed: %m", o.id);
                if (r < 0)
                        return r == -ENOENT ? -EIO : r;
                if (!codes_same(&o.record, &rec))
                        return -EIO;
                *ret = o;
                return 0;
        }
        return r;
}

static void apply_window(struct lk_window *w, const struct code_changes *ch)
{
        if (ch->window_clear) {
                *w = (struct lk_window){ 0 };
                return;
        }
        if (!(ch->window_from || ch->window_until || ch->window_weekdays || ch->window_daily))
                return;
        if (!w->time_limited)
                *w = (struct lk_window){ 0 }; /* stale fields of an unlimited code mean nothing */
        w->time_limited = true;
        if (ch->window_from)
                w->from = ch->window.from;
        if (ch->window_until)
                w->until = ch->window.until;
        if (ch->window_weekdays)
                w->weekdays = ch->window.weekdays;
        if (ch->window_daily) {
                w->from_time = ch->window.from_time;
                w->until_time = ch->window.until_time;
        }
}

int codes_update(struct session *s, uint16_t id, const struct code_changes *ch,
                 enum lk_code_problem *ret_problem, struct codes_outcome *ret)
{
        _cleanup_free_ struct code_list *l = calloc(1, sizeof(*l));
        struct codes_outcome o = { .id = id };
        struct lk_keypad_code rec;
        const struct lk_keypad_code *cur;
        enum lk_code_problem p;
        size_t index = 0;
        int r = 0;

        if (!l)
                return -ENOMEM;
        for (unsigned attempt = 0; attempt < CODES_ATTEMPTS; attempt++) {
                if (attempt > 0) {
                        r = recover(s, &o, r);
                        if (r < 0)
                                continue;
                }
                /* Read the current record: the update writes it whole (spec §6.35, field lesson 2). */
                r = list_codes(s, l);
                if (is_link_error(r))
                        continue;
                if (r < 0)
                        return r;
                cur = find_by_id(l, id, &index);
                if (!cur)
                        return -ENOENT;
                rec = *cur;
                if (ch->set_code)
                        rec.code = ch->code;
                if (ch->set_name)
                        memcpy(rec.name, ch->name, sizeof(rec.name));
                if (ch->set_enabled)
                        rec.enabled = ch->enabled;
                apply_window(&rec.window, ch);
                p = lk_keypad_code_check(&rec);
                if (p != LK_CODE_OK) {
                        if (ret_problem)
                                *ret_problem = p;
                        return -EINVAL;
                }
                if (ch->now > 0 && window_check(&rec.window, ch->now) != WINDOW_OK) {
                        o.window_problem = window_check(&rec.window, ch->now);
                        *ret = o;
                        return -EDOM;
                }
                if (find_by_value(l, rec.code, id)) {
                        o.id = find_by_value(l, rec.code, id)->id;
                        *ret = o;
                        return -EEXIST;
                }
                if (codes_same(cur, &rec)) {
                        /* Nothing to change (or a retried update that had landed). */
                        o.already = true;
                        o.record = *cur;
                        *ret = o;
                        return 0;
                }
                r = lockops_code_update(s, &rec);
                if (is_link_error(r))
                        continue;
                if (r < 0)
                        return r;
                r = read_back(s, id, (int)index, l, &o.record);
                if (is_link_error(r))
                        continue;
                if (r < 0)
                        return r == -ENOENT ? -EIO : r;
                if (!codes_same(&o.record, &rec))
                        return -EIO;
                *ret = o;
                return 0;
        }
        return r;
}

int codes_remove(struct session *s, uint16_t id, struct codes_outcome *ret)
{
        _cleanup_free_ struct code_list *l = calloc(1, sizeof(*l));
        struct codes_outcome o = { .id = id };
        bool sent = false;
        int r = 0;

        if (!l)
                return -ENOMEM;
        for (unsigned attempt = 0; attempt < CODES_ATTEMPTS; attempt++) {
                if (attempt > 0) {
                        r = recover(s, &o, r);
                        if (r < 0)
                                continue;
                }
                if (sent || attempt > 0) {
                        /* After a lost reply: is it gone already? */
                        r = list_codes(s, l);
                        if (is_link_error(r))
                                continue;
                        if (r < 0)
                                return r;
                        if (!find_by_id(l, id, NULL)) {
                                if (!sent)
                                        return -ENOENT;
                                *ret = o;
                                return 0;
                        }
                }
                r = lockops_code_remove(s, id);
                if (is_link_error(r)) {
                        sent = true;
                        continue;
                }
                if (r == -EREMOTEIO && session_remote_error(s) == LK_K_ERROR_BAD_PARAMETER && !sent)
                        return -ENOENT; /* spec §8 [DECISION]: unknown id → 0x23 */
                if (r < 0)
                        return r;
                sent = true;
                /* Verify it is gone. */
                r = list_codes(s, l);
                if (is_link_error(r))
                        continue;
                if (r < 0)
                        return r;
                if (find_by_id(l, id, NULL))
                        return -EIO;
                *ret = o;
                return 0;
        }
        return r;
}

/* Fetch the list, reconnecting after link failures within the attempt budget. */
static int list_with_recovery(struct session *s, struct code_list *l, struct codes_outcome *o, unsigned *attempts)
{
        int r;

        for (;;) {
                r = list_codes(s, l);
                if (!is_link_error(r) || ++*attempts >= CODES_ATTEMPTS)
                        return r;
                r = recover(s, o, r);
                if (r < 0 && ++*attempts >= CODES_ATTEMPTS)
                        return r;
        }
}

int codes_add_batch(struct session *s, struct codes_batch_item *items, size_t n)
{
        _cleanup_free_ struct code_list *l = calloc(1, sizeof(*l));
        struct codes_outcome o = { 0 };
        unsigned attempts = 0;
        size_t count;
        int r;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                items[i].want.enabled = true;
                items[i].problem = lk_keypad_code_check(&items[i].want);
                items[i].result = items[i].problem == LK_CODE_OK ? 1 : -EINVAL; /* 1 = to do */
                items[i].outcome = (struct codes_outcome){ 0 };
        }
        r = list_with_recovery(s, l, &o, &attempts);
        if (r < 0)
                return r;
        count = l->n;
        for (size_t i = 0; i < n; i++) {
                struct codes_batch_item *it = &items[i];
                const struct lk_keypad_code *found;

                if (it->result != 1)
                        continue;
                found = find_by_value(l, it->want.code, 0);
                if (!found) {
                        bool twice = false;

                        for (size_t j = 0; j < i; j++) /* the same code twice in one batch */
                                if (items[j].result == 0 && items[j].want.code == it->want.code) {
                                        it->outcome.id = items[j].outcome.id;
                                        it->result = codes_same(&items[j].want, &it->want) ? 0 : -EEXIST;
                                        it->outcome.already = it->result == 0;
                                        twice = true;
                                        break;
                                }
                        if (twice)
                                continue;
                }
                if (found) {
                        it->outcome.id = found->id;
                        if (codes_same(found, &it->want)) {
                                it->outcome.already = true;
                                it->outcome.record = *found;
                                it->result = 0;
                        } else
                                it->result = -EEXIST;
                        continue;
                }
                if (count >= CODES_MAX) {
                        it->result = -ENOSPC;
                        continue;
                }
                r = lockops_code_add(s, &it->want, &it->outcome.id);
                if (is_link_error(r)) {
                        /* Did it land? Reconnect, re-read, and take this item again. */
                        if (++attempts >= CODES_ATTEMPTS || recover(s, &o, r) < 0 ||
                            list_with_recovery(s, l, &o, &attempts) < 0) {
                                it->result = r;
                                for (size_t k = i + 1; k < n; k++)
                                        if (items[k].result == 1)
                                                items[k].result = r;
                                break;
                        }
                        count = l->n;
                        i--;
                        continue;
                }
                if (r < 0) {
                        it->result = r;
                        continue;
                }
                it->result = 0;
                count++;
        }
        /* Verify everything written with one read of the list. */
        r = list_with_recovery(s, l, &o, &attempts);
        for (size_t i = 0; i < n; i++) {
                struct codes_batch_item *it = &items[i];
                const struct lk_keypad_code *got;

                it->outcome.reconnects = o.reconnects;
                if (it->result != 0 || it->outcome.already)
                        continue;
                if (r < 0) {
                        it->result = r;
                        continue;
                }
                got = find_by_id(l, it->outcome.id, NULL);
                if (!got || !codes_same(got, &it->want)) {
                        it->result = -EIO;
                        continue;
                }
                it->outcome.record = *got;
        }
        return 0;
}
