/* SPDX-License-Identifier: MIT */
/*
 * Executing a plan on a lock (issue 12: one pass): every write the plan needs goes to the lock
 * in one batch (codes.c codes_batch: the plan's listing, the writes, one verifying listing);
 * then each step's outcome is recorded (its row and events) in one transaction for the pass.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "agent.h"
#include "codes.h"
#include "lifecycle-private.h"
#include "lockops.h"
#include "log.h"
#include "outbox.h"
#include "timefmt.h"
#include "util.h"
#include "window.h"

static int add_event(struct rc *x, const char *event, cJSON *payload)
{
        if (!payload)
                return -ENOMEM;
        cJSON_AddStringToObject(payload, "lock", x->lock);
        return outbox_add(x->db, event, x->lock, payload, NULL);
}

/* Each step's rows and events together: a savepoint inside the pass's transaction (lc_run_plan). */
static int step_begin(struct rc *x)
{
        return db_exec(x->db, "SAVEPOINT lc_step");
}

static int step_end(struct rc *x, int r)
{
        if (r >= 0)
                return db_exec(x->db, "RELEASE lc_step");
        (void)db_exec(x->db, "ROLLBACK TO lc_step");
        (void)db_exec(x->db, "RELEASE lc_step");
        return r;
}

static int commit(struct rc *x, const struct grant_code *row, bool forget, const char *event, cJSON *payload)
{
        sqlite3_stmt *st;
        int r;

        r = step_begin(x);
        if (r < 0)
                goto out;
        if (forget) {
                r = db_errno(sqlite3_prepare_v2(db_handle(x->db),
                                                        "DELETE FROM lc_grant_codes WHERE grant_id = ? AND lock = ?", -1,
                                                        &st, NULL));
                if (r >= 0) {
                        sqlite3_bind_text(st, 1, row->grant, -1, SQLITE_STATIC);
                        sqlite3_bind_text(st, 2, x->lock, -1, SQLITE_STATIC);
                        r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
                        sqlite3_finalize(st);
                }
        } else if (row)
                r = grants_code_put(x->db, x->lock, row, x->now);
        if (r >= 0 && event)
                r = add_event(x, event, payload);
        r = step_end(x, r);
out:
        cJSON_Delete(payload);
        return r;
}

static cJSON *payload_new(const char *grant, uint16_t code_id)
{
        cJSON *p = cJSON_CreateObject();

        if (!p)
                return NULL;
        if (grant && grant[0]) /* a code found by value and name for a grant that is gone has none */
                cJSON_AddStringToObject(p, "grant", grant);
        if (code_id)
                cJSON_AddNumberToObject(p, "code_id", code_id);
        return p;
}

static cJSON *payload_provisioned(const char *grant, const struct lk_keypad_code *rec, const char *change)
{
        cJSON *p = payload_new(grant, rec->id);
        char buf[40];
        int64_t t;

        if (!p)
                return NULL;
        cJSON_AddStringToObject(p, "name", rec->name);
        cJSON_AddStringToObject(p, "change", change);
        if (rec->window.time_limited) {
                if (lk_datetime_to_unix(&rec->window.from, &t) >= 0)
                        lc_add_time(p, "valid_from", t);
                if (lk_datetime_to_unix(&rec->window.until, &t) >= 0)
                        lc_add_time(p, "valid_until", t);
                time_format_weekdays(rec->window.weekdays, buf, sizeof(buf));
                cJSON_AddStringToObject(p, "weekdays", buf);
        }
        if (window_has_daily(&rec->window)) { /* none: absent (docs/openapi.yaml CodeProvisioned) */
                window_format_daily(&rec->window, buf, sizeof(buf));
                cJSON_AddStringToObject(p, "daily", buf);
        }
        cJSON_AddBoolToObject(p, "verified", true);
        return p;
}

static const struct grant_code *step_row(const struct rc *x, const struct lc_step *s)
{
        return s->row >= 0 ? &x->rows[s->row] : NULL;
}

static const char *step_grant(const struct rc *x, const struct lc_step *s)
{
        if (s->target >= 0)
                return x->targets[s->target].grant;
        if (s->row >= 0)
                return x->rows[s->row].grant;
        return NULL;
}

/* Record a provisioned code (row + event) unless the row says exactly that already. */
static int record_provisioned(struct rc *x, const struct lc_step *s, const struct lk_keypad_code *rec,
                              const char *change, enum lc_outcome outcome)
{
        const struct grant_code *old = step_row(x, s);
        const struct grant_target *t = s->target >= 0 ? &x->targets[s->target] : NULL;
        struct grant_code row = { .state = GRANT_CODE_PROVISIONED, .code_id = rec->id, .rec = *rec };
        struct lc_item *it;
        int r = 0;

        snprintf(row.grant, sizeof(row.grant), "%s", step_grant(x, s));
        row.rec.id = rec->id;
        if (!(old && old->state == GRANT_CODE_PROVISIONED && old->code_id == rec->id && codes_same(&old->rec, rec) &&
              streq(old->grant, row.grant))) {
                if (outcome == LC_UNCHANGED) {
                        /* On the lock as wanted, but not (so) in our rows: a crash after the write. */
                        change = old && old->state == GRANT_CODE_PROVISIONED && old->code_id == rec->id ? "updated" : "found";
                        outcome = streq(change, "found") ? LC_PROVISIONED : LC_UPDATED;
                }
                r = commit(x, &row, false, "code.provisioned", payload_provisioned(row.grant, rec, change));
        }
        sodium_memzero(&row, sizeof(row));
        if (r < 0)
                return r;
        it = lc_item_add(x->res, outcome, step_grant(x, s), rec->id, rec->name, outcome == LC_UNCHANGED ? NULL : change);
        lc_item_times(it, t);
        return 0;
}

/* Record a failure: the row says failed (reason), an event once per new reason: code.failed, or
 * code.conflict when a code that is not ours holds the value (blocking: that code). */
static int record_failed_ex(struct rc *x, const struct lc_step *s, enum lc_outcome outcome, const char *reason,
                            const char *detail, const struct lk_keypad_code *blocking)
{
        const struct grant_code *old = step_row(x, s);
        const struct grant_target *t = s->target >= 0 ? &x->targets[s->target] : NULL;
        struct grant_code row = { .state = GRANT_CODE_FAILED };
        struct lc_item *it;
        int r = 0;

        snprintf(row.grant, sizeof(row.grant), "%s", step_grant(x, s));
        snprintf(row.reason, sizeof(row.reason), "%s", reason);
        if (!(old && old->state == GRANT_CODE_FAILED && streq(old->reason, reason) && streq(old->grant, row.grant))) {
                cJSON *p = payload_new(row.grant, 0);

                if (p) {
                        cJSON_AddStringToObject(p, "reason", reason);
                        if (detail)
                                cJSON_AddStringToObject(p, "detail", detail);
                        if (t)
                                lc_add_time(p, "check_in", t->check_in);
                        if (blocking) {
                                cJSON_AddNumberToObject(p, "blocking_code_id", blocking->id);
                                cJSON_AddStringToObject(p, "blocking_name", blocking->name);
                        }
                }
                r = commit(x, &row, false, blocking ? "code.conflict" : "code.failed", p);
                if (r < 0)
                        return r;
        }
        it = lc_item_add(x->res, outcome, row.grant, 0, t ? t->rec.name : NULL, detail ? detail : reason);
        if (it && detail)
                snprintf(it->reason, sizeof(it->reason), "%s: %s", reason, detail);
        lc_item_times(it, t);
        return 0;
}

static int record_failed(struct rc *x, const struct lc_step *s, enum lc_outcome outcome, const char *reason,
                         const char *detail)
{
        return record_failed_ex(x, s, outcome, reason, detail, NULL);
}

/*
 * The value is taken on this lock by a code that is not ours: the code may already be with the
 * guest, so it is never changed behind their back (docs/grants.md "Conflicts"); this door reports
 * the conflict, naming the code in the way, until someone moves it.
 */
static int record_conflict(struct rc *x, const struct lc_step *s, uint16_t blocking_id)
{
        struct lk_keypad_code b = { .id = blocking_id };
        char detail[160];

        for (size_t i = 0; i < x->n_codes; i++)
                if (x->codes[i].id == blocking_id)
                        memcpy(b.name, x->codes[i].name, sizeof(b.name));
        snprintf(detail, sizeof(detail), "the code is taken on this lock by '%s' (id %u), not a latchkey booking",
                 b.name[0] ? b.name : "?", blocking_id);
        return record_failed_ex(x, s, LC_FAILED, "code_in_use", detail, &b);
}

static int removal_reason(struct rc *x, const struct lc_step *s, const char *grant, char *buf, size_t size)
{
        sqlite3_stmt *st;
        int r;

        if (s->reason) {
                snprintf(buf, size, "%s", s->reason);
                return 0;
        }
        r = db_errno(sqlite3_prepare_v2(db_handle(x->db), "SELECT status FROM lc_grants WHERE id = ?", -1, &st, NULL));
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, grant, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
                snprintf(buf, size, "%s",
                         streq((const char *)sqlite3_column_text(st, 0), "cancelled") ? "cancelled" : "no_access");
        else
                snprintf(buf, size, "deleted");
        sqlite3_finalize(st);
        return 0;
}

static int do_remove(struct rc *x, const struct lc_step *s, const struct codes_batch_item *it)
{
        const struct lk_keypad_code *c = &x->codes[s->code];
        const struct grant_code *old = step_row(x, s);
        struct grant_code row = { .state = GRANT_CODE_REMOVED, .code_id = c->id };
        char reason[GRANTS_REASON_MAX + 1];
        const char *grant;
        cJSON *p;
        int r;

        grant = old ? old->grant : step_grant(x, s);
        if (!grant) { /* found by value and name for a grant that is gone: its name tells */
                for (size_t i = 0; i < x->n_targets && !grant; i++)
                        if (x->targets[i].rec.code == c->code)
                                grant = x->targets[i].grant;
        }
        r = removal_reason(x, s, grant ? grant : "", reason, sizeof(reason));
        if (r < 0)
                return r;
        r = it->result;
        if (r < 0 && r != -ENOENT) {
                if (lc_is_link_error(r)) {
                        x->dead = true;
                        x->res->error = r;
                        lc_item_add(x->res, LC_PENDING, grant, c->id, c->name, "remove: the link failed");
                        return 0;
                }
                lc_item_add(x->res, LC_FAILED, grant, c->id, c->name, "remove failed");
                snprintf(x->res->items[x->res->n_items - 1].reason, GRANTS_REASON_MAX + 1, "remove failed: %s", strerror(-r));
                return 0;
        }
        snprintf(row.grant, sizeof(row.grant), "%s", grant ? grant : "");
        snprintf(row.reason, sizeof(row.reason), "%s", reason);
        p = payload_new(row.grant, c->id);
        if (p)
                cJSON_AddStringToObject(p, "reason", reason);
        /* A duplicate's grant keeps its other code: only the event, the row stays. */
        r = commit(x, streq(reason, "duplicate") ? NULL : &row, false, "code.removed", p);
        if (r < 0)
                return r;
        lc_item_add(x->res, LC_REMOVED, row.grant, c->id, c->name, reason);
        return 0;
}

static int do_forget(struct rc *x, const struct lc_step *s)
{
        const struct grant_code *old = step_row(x, s);
        struct grant_code row = { .state = GRANT_CODE_REMOVED, .code_id = old->code_id };
        cJSON *p;
        int r;

        if (old->state == GRANT_CODE_FAILED) /* never on the lock and not wanted any more */
                return commit(x, old, true, NULL, NULL);
        snprintf(row.grant, sizeof(row.grant), "%s", old->grant);
        snprintf(row.reason, sizeof(row.reason), "gone");
        p = payload_new(row.grant, old->code_id);
        if (p)
                cJSON_AddStringToObject(p, "reason", "gone");
        r = commit(x, &row, false, "code.removed", p);
        if (r < 0)
                return r;
        lc_item_add(x->res, LC_REMOVED, row.grant, old->code_id, old->rec.name, "gone");
        return 0;
}

/* Map a codes.c failure of a write; 0 when handled (item added), < 0 for local errors. */
static int write_failed(struct rc *x, const struct lc_step *s, const struct codes_batch_item *it)
{
        int error = it->result;
        char detail[96];

        if (lc_is_link_error(error)) {
                const struct grant_target *t = s->target >= 0 ? &x->targets[s->target] : NULL;

                x->dead = true;
                x->res->error = error;
                lc_item_times(lc_item_add(x->res, LC_PENDING, step_grant(x, s), 0, t ? t->rec.name : NULL, "the link failed"), t);
                return 0;
        }
        switch (error) {
        case -ENOSPC:
                return record_failed(x, s, LC_NO_SPACE, "no_space", NULL);
        case -EEXIST:
                return record_conflict(x, s, it->outcome.id);
        case -EINVAL:
                return record_failed(x, s, LC_FAILED, "invalid", lk_code_problem_str(it->problem));
        case -EBADE:
                return record_failed(x, s, LC_FAILED, "verify_failed", "the lock accepted the write but reads back something else");
        case -EREMOTEIO:
                snprintf(detail, sizeof(detail), "the lock refused it (error 0x%02X)", it->lock_error);
                return record_failed(x, s, LC_FAILED, "refused", detail);
        default:
                return record_failed(x, s, LC_FAILED, "error", strerror(-error));
        }
}

static int do_add(struct rc *x, const struct lc_step *s, const struct codes_batch_item *it)
{
        struct lk_keypad_code rec;
        int r;

        if (it->result < 0)
                return write_failed(x, s, it);
        rec = it->outcome.record;
        rec.id = it->outcome.id;
        r = record_provisioned(x, s, &rec, it->outcome.already ? "found" : "added", LC_PROVISIONED);
        sodium_memzero(&rec, sizeof(rec));
        return r;
}

/* The step's target record written whole over the step's code (same id). 1 when written (ret
 * holds the record as the verifying listing read it), 0 when the failure was recorded, < 0 for
 * local errors. */
static int write_over(struct rc *x, const struct lc_step *s, const struct codes_batch_item *it,
                      struct lk_keypad_code *ret)
{
        if (it->result == -ENOENT) /* removed under us: the next run adds it again */
                return record_failed(x, s, LC_FAILED, "gone", "the code disappeared from the lock during the update");
        if (it->result < 0)
                return write_failed(x, s, it);
        *ret = it->outcome.record;
        ret->id = x->codes[s->code].id;
        return 1;
}

static int do_update(struct rc *x, const struct lc_step *s, const struct codes_batch_item *it)
{
        struct lk_keypad_code rec;
        int r = write_over(x, s, it, &rec);

        if (r > 0)
                r = record_provisioned(x, s, &rec, "updated", LC_UPDATED);
        sodium_memzero(&rec, sizeof(rec));
        return r;
}

/* The changeover: the record passes from A (the row) to B (the target) in place, one Update; both
 * rows and both events in one transaction, the code-id history switching at the changeover
 * instant so A's last keypad entries stay A's. */
static int do_handover(struct rc *x, const struct lc_step *s, const struct codes_batch_item *it)
{
        const struct grant_code *a = step_row(x, s);
        const struct grant_target *t = &x->targets[s->target];
        struct lk_keypad_code rec;
        struct grant_code to = { .state = GRANT_CODE_PROVISIONED }, from = { .state = GRANT_CODE_REMOVED };
        cJSON *pa = NULL, *pb = NULL;
        int r;

        r = write_over(x, s, it, &rec);
        if (r <= 0)
                return r;
        snprintf(to.grant, sizeof(to.grant), "%s", t->grant);
        to.code_id = from.code_id = rec.id;
        to.rec = rec;
        pb = payload_provisioned(t->grant, &rec, "handed_over");
        if (a) {
                snprintf(from.grant, sizeof(from.grant), "%s", a->grant);
                snprintf(from.reason, sizeof(from.reason), "handed_over");
                cJSON_AddStringToObject(pb, "from_grant", a->grant);
                pa = payload_new(a->grant, rec.id);
                cJSON_AddStringToObject(pa, "reason", "handed_over");
                cJSON_AddStringToObject(pa, "to_grant", t->grant);
        }
        r = step_begin(x);
        if (r >= 0)
                r = grants_code_put(x->db, x->lock, &to, s->at);
        if (r >= 0 && a)
                r = grants_code_put(x->db, x->lock, &from, s->at);
        if (r >= 0 && a)
                r = add_event(x, "code.removed", pa);
        if (r >= 0)
                r = add_event(x, "code.provisioned", pb);
        r = step_end(x, r);
        cJSON_Delete(pa);
        cJSON_Delete(pb);
        sodium_memzero(&to, sizeof(to));
        sodium_memzero(&rec, sizeof(rec));
        if (r < 0)
                return r;
        if (a)
                lc_item_add(x->res, LC_REMOVED, a->grant, from.code_id, a->rec.name, "handed_over");
        lc_item_times(lc_item_add(x->res, LC_PROVISIONED, t->grant, from.code_id, t->rec.name, "handed_over"), t);
        return 0;
}

/* B waits for the changeover: pending (no row change, no event), retried at `at`. */
static int do_wait(struct rc *x, const struct lc_step *s)
{
        const struct grant_target *t = &x->targets[s->target];
        const char *from = "an earlier stay";
        char at[24], why[GRANTS_REASON_MAX + 1];

        for (size_t j = 0; j < x->n_rows; j++)
                if (x->rows[j].state == GRANT_CODE_PROVISIONED && x->rows[j].code_id == x->codes[s->code].id)
                        from = x->rows[j].grant;
        time_format_utc(s->at, at, sizeof(at));
        snprintf(why, sizeof(why), "changeover from '%.16s' at %.20s", from, at);
        lc_item_times(lc_item_add(x->res, LC_PENDING, t->grant, 0, t->rec.name, why), t);
        return 0;
}

static int do_unmanaged(struct rc *x, const struct lc_step *s)
{
        const struct lk_keypad_code *c = &x->codes[s->code];
        int r;

        r = step_begin(x);
        if (r < 0)
                return r;
        r = grants_unmanaged_seen(x->db, x->lock, c->id, c->name, x->now);
        if (r > 0) {
                cJSON *p = payload_new(NULL, c->id);

                if (p) {
                        cJSON_AddStringToObject(p, "name", c->name);
                        cJSON_AddStringToObject(p, "lock", x->lock);
                        r = outbox_add(x->db, "code.unmanaged", x->lock, p, NULL);
                        cJSON_Delete(p);
                } else
                        r = -ENOMEM;
        }
        r = step_end(x, r);
        if (r < 0)
                return r;
        lc_item_add(x->res, LC_UNMANAGED, NULL, c->id, c->name, "not created by latchkey: left alone");
        return 0;
}

static bool step_writes(enum lc_step_kind k)
{
        switch (k) {
        case LC_STEP_ADD:
        case LC_STEP_UPDATE:
        case LC_STEP_HANDOVER:
        case LC_STEP_REMOVE:
                return true;
        case LC_STEP_KEEP:
        case LC_STEP_FORGET:
        case LC_STEP_NO_SPACE:
        case LC_STEP_CONFLICT:
        case LC_STEP_UNMANAGED:
        case LC_STEP_WAIT:
                return false;
        }
        return false;
}

/* Record one step; it is its write's item in the pass's batch (NULL for steps that write nothing). */
static int run_step(struct rc *x, const struct lc_step *s, const struct codes_batch_item *it)
{
        const struct grant_target *t = s->target >= 0 ? &x->targets[s->target] : NULL;
        const char *why = "the link failed before this step";
        bool pending = x->dead && s->kind != LC_STEP_UNMANAGED && s->kind != LC_STEP_KEEP && !(it && it->stopped);

        if (it && it->result == -ECANCELED) {
                x->dead = pending = true; /* the lock refused a write in a way that stopped the pass */
                why = "not done or not verified: the lock refused a write";
        }
        if (pending) {
                lc_item_times(lc_item_add(x->res, LC_PENDING, step_grant(x, s), s->code >= 0 ? x->codes[s->code].id : 0,
                                          t ? t->rec.name : NULL, why),
                              t);
                return 0;
        }
        switch (s->kind) {
        case LC_STEP_KEEP:
                return record_provisioned(x, s, &x->codes[s->code], "found", LC_UNCHANGED);
        case LC_STEP_UPDATE:
                return do_update(x, s, it);
        case LC_STEP_ADD:
                return do_add(x, s, it);
        case LC_STEP_REMOVE:
                return do_remove(x, s, it);
        case LC_STEP_FORGET:
                return do_forget(x, s);
        case LC_STEP_NO_SPACE:
                return record_failed(x, s, LC_NO_SPACE, "no_space", NULL);
        case LC_STEP_CONFLICT:
                return record_conflict(x, s, x->codes[s->code].id);
        case LC_STEP_UNMANAGED:
                return do_unmanaged(x, s);
        case LC_STEP_HANDOVER:
                return do_handover(x, s, it);
        case LC_STEP_WAIT:
                return do_wait(x, s);
        }
        return 0;
}

/* The write a step needs, as an item of the pass's batch. */
static void step_item(const struct rc *x, const struct lc_step *s, struct codes_batch_item *it)
{
        *it = (struct codes_batch_item){ .op = CODES_OP_REMOVE };
        if (s->code >= 0)
                it->id = x->codes[s->code].id;
        if (s->kind == LC_STEP_REMOVE)
                return;
        it->op = s->kind == LC_STEP_ADD ? CODES_OP_ADD : CODES_OP_UPDATE; /* an update writes the record whole */
        it->want = x->targets[s->target].rec;
}

int lc_run_plan(struct rc *x, const struct lc_plan *p)
{
        _cleanup_free_ struct codes_batch_item *items = calloc(p->n + 1, sizeof(*items));
        _cleanup_free_ ssize_t *item_of = calloc(p->n + 1, sizeof(*item_of));
        int r = -ENOMEM, stopped = 0;
        size_t n = 0;

        if (!items || !item_of)
                goto out;
        for (size_t i = 0; i < p->n; i++) {
                item_of[i] = -1;
                if (step_writes(p->steps[i].kind)) {
                        step_item(x, &p->steps[i], &items[n]);
                        item_of[i] = (ssize_t)n++;
                }
        }
        /* Every write of the pass: removals, updates, adds; then one listing verifies them all. */
        r = n ? codes_batch(x->s, x->codes, x->n_codes, items, n) : 0;
        if (r < 0)
                goto out;
        for (size_t k = 0; k < n; k++)
                if (items[k].stopped)
                        stopped = items[k].result;
        /* The lock is done with: the rows and events of every step in one transaction (one disk
         * sync). A crash before its COMMIT leaves verified codes that no row names yet: the next
         * pass finds them by value and name (docs/grants.md "Crash safety"). */
        r = db_exec(x->db, "BEGIN IMMEDIATE");
        for (size_t i = 0; r >= 0 && i < p->n; i++)
                r = run_step(x, &p->steps[i], item_of[i] >= 0 ? &items[item_of[i]] : NULL);
        if (r >= 0)
                r = db_exec(x->db, "COMMIT");
        else
                (void)db_exec(x->db, "ROLLBACK");
        if (r >= 0 && x->dead && !x->res->error)
                x->res->error = stopped ? stopped : -ECONNRESET;
out:
        if (items)
                sodium_memzero(items, (p->n + 1) * sizeof(*items));
        return r;
}
