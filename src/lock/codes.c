/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sodium.h>
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
                        return r == -ENOENT ? -EBADE : r;
                if (!codes_same(&o.record, &rec))
                        return -EBADE;
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
                        return r == -ENOENT ? -EBADE : r;
                if (!codes_same(&o.record, &rec))
                        return -EBADE;
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
                        return -EBADE;
                *ret = o;
                return 0;
        }
        return r;
}

/* ---- many writes in one pass (codes.h: codes_batch) --------------------------------------- */

struct batch {
        struct session *s;
        struct code_list *l;    /* the table as the batch believes it: the last listing, our writes applied */
        struct codes_outcome o; /* reconnects */
        unsigned failures;      /* link failures since the last progress */
};

static void list_remove_at(struct code_list *l, size_t i)
{
        memmove(&l->codes[i], &l->codes[i + 1], (l->n - i - 1) * sizeof(l->codes[0]));
        l->n--;
}

/*
 * Errors about this one record: the lock refuses the code, its window or its id, or has no room.
 * The batch goes on with the next item. Anything else says the lock will not take our commands
 * now (a refused PIN, not authorised, a protocol failure): the batch stops.
 */
static bool is_item_error(int r, uint8_t lock_error)
{
        if (r != -EREMOTEIO)
                return r == -EINVAL || r == -EEXIST || r == -ENOSPC || r == -ENOENT;
        switch (lock_error) {
        case LK_K_ERROR_BAD_PARAMETER:
        case LK_K_ERROR_TOO_MANY_ENTRIES:
        case LK_K_ERROR_CODE_ALREADY_EXISTS:
        case LK_K_ERROR_CODE_INVALID:
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_1:
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_2:
        case LK_K_ERROR_CODE_INVALID_TIMEOUT_3:
        case LK_K_ERROR_BUSY: /* after the session's own retries: the next command may pass */
                return true;
        default:
                return false;
        }
}

/* After a link failure: reconnect and read the table again; the model becomes what the lock has. */
static int batch_resync(struct batch *b, int error)
{
        int r = error;

        while (++b->failures < CODES_ATTEMPTS) {
                r = recover(b->s, &b->o, r);
                if (r >= 0)
                        r = list_codes(b->s, b->l);
                if (r >= 0 || !is_link_error(r))
                        return r;
        }
        return r;
}

static int batch_list(struct batch *b)
{
        int r = list_codes(b->s, b->l);

        return is_link_error(r) ? batch_resync(b, r) : r;
}

/* An add: already there (ours after a lost reply, or anyone's), no room, or written. */
static int batch_add(struct batch *b, struct codes_batch_item *it)
{
        const struct lk_keypad_code *found = find_by_value(b->l, it->want.code, 0);
        int r;

        if (found) {
                it->outcome.id = found->id;
                if (!codes_same(found, &it->want))
                        return -EEXIST;
                it->outcome.already = !it->sent; /* sent and found: it landed, the reply was lost */
                it->outcome.record = *found;
                return 0;
        }
        if (b->l->n >= CODES_MAX)
                return -ENOSPC;
        it->sent = true;
        r = lockops_code_add(b->s, &it->want, &it->outcome.id);
        if (r < 0)
                return r;
        b->l->codes[b->l->n] = it->want;
        b->l->codes[b->l->n++].id = it->outcome.id;
        return 0;
}

static int batch_update(struct batch *b, struct codes_batch_item *it)
{
        const struct lk_keypad_code *other = find_by_value(b->l, it->want.code, it->id);
        struct lk_keypad_code rec;
        size_t index;
        int r;

        it->outcome.id = it->id;
        if (!find_by_id(b->l, it->id, &index))
                return -ENOENT;
        if (other) {
                it->outcome.id = other->id;
                return -EEXIST;
        }
        if (codes_same(&b->l->codes[index], &it->want)) {
                it->outcome.already = !it->sent;
                it->outcome.record = b->l->codes[index];
                return 0;
        }
        it->sent = true;
        rec = it->want;
        rec.id = it->id;
        r = lockops_code_update(b->s, &rec);
        sodium_memzero(&rec, sizeof(rec));
        if (r < 0)
                return r;
        b->l->codes[index] = it->want;
        b->l->codes[index].id = it->id;
        return 0;
}

static int batch_remove(struct batch *b, struct codes_batch_item *it)
{
        bool sent = it->sent;
        size_t index;
        int r;

        it->outcome.id = it->id;
        if (!find_by_id(b->l, it->id, &index))
                return sent ? 0 : -ENOENT; /* sent and gone: it landed, the reply was lost */
        it->sent = true;
        r = lockops_code_remove(b->s, it->id);
        if (r == -EREMOTEIO && session_remote_error(b->s) == LK_K_ERROR_BAD_PARAMETER && !sent)
                return -ENOENT; /* spec §8 [DECISION]: unknown id → 0x23 */
        if (r < 0)
                return r;
        list_remove_at(b->l, index);
        return 0;
}

/* One item against the model, at most one write. 0: its result is set; < 0: a link error. */
static int batch_one(struct batch *b, struct codes_batch_item *it)
{
        int r = -EINVAL;

        switch (it->op) {
        case CODES_OP_ADD:
                r = batch_add(b, it);
                break;
        case CODES_OP_UPDATE:
                r = batch_update(b, it);
                break;
        case CODES_OP_REMOVE:
                r = batch_remove(b, it);
                break;
        }
        if (is_link_error(r))
                return r;
        it->lock_error = r == -EREMOTEIO ? session_remote_error(b->s) : 0;
        if (r == -EREMOTEIO && it->lock_error == LK_K_ERROR_TOO_MANY_ENTRIES) {
                r = -ENOSPC; /* the lock counts differently: take it at its word for the rest */
                b->l->n = CODES_MAX;
        }
        it->result = r;
        if (r >= 0 && it->sent)
                b->failures = 0; /* progress */
        return 0;
}

/* Check every record before anything is sent. */
static void batch_check(struct codes_batch_item *items, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                struct codes_batch_item *it = &items[i];

                it->outcome = (struct codes_outcome){ 0 };
                it->sent = it->stopped = false;
                it->lock_error = 0;
                it->problem = LK_CODE_OK;
                if (it->op == CODES_OP_ADD)
                        it->want.enabled = true; /* the lock creates codes enabled (spec §6.35) */
                if (it->op != CODES_OP_REMOVE)
                        it->problem = lk_keypad_code_check(&it->want);
                it->result = it->problem == LK_CODE_OK ? 1 : -EINVAL; /* 1 = to do */
        }
}

/* The verifying listing: every write is checked against what the lock has now. */
static void batch_verify(struct batch *b, struct codes_batch_item *items, size_t n)
{
        int r = batch_list(b);

        for (size_t i = 0; i < n; i++) {
                struct codes_batch_item *it = &items[i];
                const struct lk_keypad_code *got;
                bool ok;

                if (it->result != 0 || !it->sent)
                        continue; /* nothing was written for it */
                if (r < 0) {
                        it->result = r; /* written but not verified: the next pass lists and sees */
                        continue;
                }
                got = find_by_id(b->l, it->outcome.id, NULL);
                if (it->op == CODES_OP_REMOVE) {
                        ok = !got;
                        for (size_t k = 0; got && k < n; k++) /* the lock gave the freed id to an add */
                                ok = ok || (items[k].op == CODES_OP_ADD && items[k].result == 0 &&
                                            items[k].outcome.id == got->id && codes_same(got, &items[k].want));
                } else
                        ok = got && codes_same(got, &it->want);
                if (!ok)
                        it->result = -EBADE;
                else if (got && it->op != CODES_OP_REMOVE)
                        it->outcome.record = *got;
        }
}

/* The batch stops: what is not done gets error; what was written and not verified too (with a
 * stop that is not the link's: -ECANCELED, since the lock is not asked again). Items already
 * settled without a write (found, refused by the rules) and the one that stopped it keep theirs. */
static void batch_stop(struct codes_batch_item *items, size_t n, int error, bool link)
{
        for (size_t k = 0; k < n; k++)
                if (items[k].result == 1 || (items[k].result == 0 && items[k].sent))
                        items[k].result = link ? error : -ECANCELED;
}

/* Every item in order; false when the batch stopped (the items say why). */
static bool batch_run(struct batch *b, struct codes_batch_item *items, size_t n)
{
        int r;

        for (size_t i = 0; i < n; i++) {
                if (items[i].result != 1)
                        continue;
                r = batch_one(b, &items[i]);
                if (r < 0) {
                        /* Did it land? Reconnect, list, and take this item again. */
                        r = batch_resync(b, r);
                        if (r < 0) {
                                batch_stop(items, n, r, true);
                                return false;
                        }
                        i--;
                        continue;
                }
                if (items[i].result < 0 && !is_item_error(items[i].result, items[i].lock_error)) {
                        /* The lock takes no more of our commands (a refused PIN must not be tried
                         * once per code): nothing more is sent, not even the verifying listing. */
                        items[i].stopped = true;
                        batch_stop(items, n, items[i].result, false);
                        return false;
                }
        }
        return true;
}

int codes_batch(struct session *s, const struct lk_keypad_code *listed, size_t n_listed,
                struct codes_batch_item *items, size_t n)
{
        _cleanup_free_ struct code_list *l = calloc(1, sizeof(*l));
        struct batch b = { .s = s, .l = l };
        int r = 0;

        if (!l)
                return -ENOMEM;
        batch_check(items, n);
        if (listed && n_listed <= CODES_MAX) {
                memcpy(l->codes, listed, n_listed * sizeof(*listed));
                l->n = n_listed;
        } else {
                r = batch_list(&b);
                if (r < 0) {
                        batch_stop(items, n, r, true);
                        goto out;
                }
        }
        if (batch_run(&b, items, n))
                batch_verify(&b, items, n);
        for (size_t i = 0; i < n; i++)
                items[i].outcome.reconnects = b.o.reconnects;
out:
        sodium_memzero(l, sizeof(*l));
        return r;
}
