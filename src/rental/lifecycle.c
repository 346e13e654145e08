/* SPDX-License-Identifier: MIT */
/*
 * Reconcile: per lock, one connection; read the codes, plan, write, record. The order of
 * writes makes a kill -9 at any point harmless:
 *
 *   1. the desired state (grant, its code value) is committed before any lock write;
 *   2. the lock write (codes.c: list first, so a retried add finds its own code; read back);
 *   3. one transaction: the lc_grant_codes row and the outbox event.
 *
 * A crash between 2 and 3 leaves a code on the lock that no row names by id; the next plan
 * matches it by code value and name to its grant ("found"), records it and emits the event
 * then. A removal that landed without its row is seen as the row's code being gone. Events
 * are emitted only when a row changes, in the row's transaction, so none is lost or doubled.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "agent.h"
#include "codes.h"
#include "lifecycle-private.h"
#include "lockops-opener.h"
#include "lockops.h"
#include "lockzone.h"
#include "log.h"
#include "outbox.h"
#include "timefmt.h"
#include "util.h"

void lifecycle_opts_default(struct lifecycle_opts *o)
{
        *o = (struct lifecycle_opts){
                .lead = GRANTS_LEAD_DEFAULT,
                .grace = GRANTS_GRACE_DEFAULT,
                .drift_max = LIFECYCLE_DRIFT_DEFAULT,
                .refresh_auths = true,
        };
}

/* Why a lock stopped, in the words of the one error map (agent.h), after what. */
static void lc_describe(int error, const char *what, char *buf, size_t size)
{
        char why[256];

        agent_describe(NULL, error, 0, why, sizeof(why));
        snprintf(buf, size, "%s: %.256s", what, why);
}

/* The lock's clock is read, and set when it drifted, from this machine's real clock only: the
 * engine's `now` may be a test's or a plan's, and a lock must never be set to it. */
static void set_clock(struct rc *x)
{
        struct lk_datetime clock;
        int16_t tz;
        int64_t t, real = (int64_t)time(NULL);
        int r;

        r = lockops_clock(x->s, &clock, &tz);
        if (r < 0) {
                if (lc_is_link_error(r)) {
                        x->dead = true;
                        x->res->error = r;
                }
                return;
        }
        if (lk_datetime_to_unix(&clock, &t) < 0)
                t = 0; /* not set */
        x->res->clock_drift = t - real;
        if (x->o->drift_max < 0 || (t && llabs(t - real) <= x->o->drift_max))
                return;
        r = lockops_set_time(x->s, real);
        if (r >= 0)
                x->res->clock_set = true;
        else if (lc_is_link_error(r)) {
                x->dead = true;
                x->res->error = r;
        } else
                snprintf(x->res->error_msg, sizeof(x->res->error_msg), "could not set the lock's clock: %s", strerror(-r));
}

/* The lock's zone from its properties (or the configured default), checked like its clock and,
 * like it, as of this machine's real clock (the zone's offset in force now). */
static void set_zone(struct rc *x)
{
        char zone[TZDB_NAME_MAX + 1];
        bool changed = false;
        struct lockzone z;
        int r;

        r = grants_lock_zone(x->db, x->lock, zone);
        if (r == -ENOENT && x->o->zone && x->o->zone[0])
                r = snprintf(zone, sizeof(zone), "%s", x->o->zone) >= (int)sizeof(zone) ? -EINVAL : 0;
        if (r == -ENOTUNIQ)
                snprintf(x->res->error_msg, sizeof(x->res->error_msg),
                         "the lock's properties name different zones; its zone is left as it is");
        if (r < 0)
                return;
        snprintf(x->res->zone, sizeof(x->res->zone), "%s", zone);
        r = lockzone_for(zone, (int64_t)time(NULL), &z);
        if (r >= 0)
                r = lockzone_apply(x->s, &z, NULL, &changed);
        x->res->zone_set = changed;
        if (r >= 0) {
                if (changed && !z.dst_follows)
                        log_warning("lock=%s zone=%s: the lock has no zone ID for it and keeps UTC%+d min; it will not "
                                    "follow the next daylight-saving change by itself (reconcile writes the new offset)",
                                    x->lock, zone, z.timezone_offset);
                return;
        }
        if (lc_is_link_error(r)) {
                x->dead = true;
                x->res->error = r;
                return;
        }
        snprintf(x->res->error_msg, sizeof(x->res->error_msg), "could not set the lock's zone to %s: %s", zone,
                 strerror(-r));
}

static void refresh_auths(struct rc *x)
{
        _cleanup_free_ struct lk_authorization_entry *v = calloc(LK_MAX_AUTHORIZATIONS, sizeof(*v));
        size_t n = 0;

        if (!v || lockops_auth_list(x->s, v, LK_MAX_AUTHORIZATIONS, &n) < 0)
                return; /* attribution falls back to the names the log entries carry */
        (void)grants_auth_names_replace(x->db, x->lock, v, n);
}

int lifecycle_reconcile_session(struct session *s, struct db *db, const char *lock, int64_t now,
                                const struct lifecycle_opts *o, struct lc_lock_result *ret)
{
        _cleanup_free_ struct lk_keypad_code *codes = calloc(CODES_MAX, sizeof(*codes));
        struct lc_lock_result res = { 0 };
        struct lc_plan plan = { 0 };
        struct rc x = { .s = s, .db = db, .lock = lock, .now = now, .o = o, .res = &res, .codes = codes };
        _cleanup_free_ uint16_t *unmanaged = NULL;
        size_t n_unmanaged = 0;
        int r;

        if (!codes)
                return -ENOMEM;
        snprintf(res.lock, sizeof(res.lock), "%s", lock);
        r = grants_init(db);
        if (r < 0)
                return r;
        r = grants_targets(db, lock, now - o->grace, &x.targets, &x.n_targets);
        if (r < 0)
                return r;
        r = grants_codes(db, lock, &x.rows, &x.n_rows);
        if (r < 0)
                goto out;

        set_clock(&x);
        if (!x.dead)
                set_zone(&x);
        if (!x.dead) {
                r = lockops_codes_list(s, codes, CODES_MAX, &x.n_codes, NULL, NULL);
                if (r < 0) {
                        if (!lc_is_link_error(r))
                                goto out;
                        x.dead = true;
                        res.error = r;
                }
        }
        if (x.dead) {
                /* Not reached: everything due stays pending. */
                for (size_t i = 0; i < x.n_targets; i++) {
                        const struct grant_target *t = &x.targets[i];

                        if (now >= t->check_in - lc_target_lead(t, o) && now < t->check_out)
                                lc_item_times(lc_item_add(&res, LC_PENDING, t->grant, 0, t->rec.name, "lock not reached"), t);
                }
                lc_describe(res.error, "cannot work with the lock", res.error_msg, sizeof(res.error_msg));
                r = 0;
                goto out;
        }
        res.reached = true;
        res.codes_before = (unsigned)x.n_codes;
        (void)db_codes_replace(db, lock, codes, x.n_codes); /* names by id, for `latchkey log` */

        r = lifecycle_plan(codes, x.n_codes, x.targets, x.n_targets, x.rows, x.n_rows, now, o, &plan);
        if (r < 0)
                goto out;
        res.scheduled = plan.scheduled;
        unmanaged = calloc(plan.n + 1, sizeof(*unmanaged));
        if (!unmanaged) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < plan.n; i++)
                if (plan.steps[i].kind == LC_STEP_UNMANAGED)
                        unmanaged[n_unmanaged++] = codes[plan.steps[i].code].id;
        r = lc_run_plan(&x, &plan);
        if (r < 0)
                goto out;
        (void)grants_unmanaged_prune(db, lock, unmanaged, n_unmanaged);
        if (!x.dead && o->refresh_auths)
                refresh_auths(&x);
        res.complete = !x.dead;
        if (x.dead)
                lc_describe(res.error, "reconcile stopped", res.error_msg, sizeof(res.error_msg));
        res.codes_after = res.codes_before;
        for (size_t i = 0; i < res.n_items; i++) {
                const struct lc_item *it = &res.items[i];

                if (it->outcome == LC_PROVISIONED && streq(it->reason, "added"))
                        res.codes_after++;
                else if (it->outcome == LC_REMOVED && !streq(it->reason, "gone") && !streq(it->reason, "handed_over"))
                        res.codes_after--;
        }
        r = 0;
out:
        lc_plan_done(&plan);
        sodium_memzero(codes, CODES_MAX * sizeof(*codes));
        if (x.targets)
                sodium_memzero(x.targets, x.n_targets * sizeof(*x.targets));
        if (x.rows)
                sodium_memzero(x.rows, x.n_rows * sizeof(*x.rows));
        free(x.targets);
        free(x.rows);
        if (r < 0) {
                lc_lock_result_done(&res);
                return r;
        }
        *ret = res;
        return 0;
}

/* A door the bookings name (a member of a property). */
static bool in_bookings(struct db *db, const char *lock)
{
        sqlite3_stmt *st;
        bool found;

        if (db_prepare(db, "SELECT 1 FROM lc_property_locks WHERE lock = ?", &st) < 0)
                return false;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        return found;
}

/*
 * A door of the bookings that is not paired (yet): with nothing due on it, it is reported and
 * skipped, as `grants import` announced; with a guest's code due now it is a failure that
 * names the door (docs/grants.md "Doors that are not paired").
 */
static void unpaired(struct db *db, const char *lock, struct lc_lock_result *res)
{
        if (res->count[LC_PENDING] == 0 && in_bookings(db, lock)) {
                res->skipped = res->complete = true;
                res->error = 0;
                snprintf(res->error_msg, sizeof(res->error_msg),
                         "not paired; nothing is due on it (%u scheduled later): skipped until it is paired",
                         res->scheduled);
        } else if (res->count[LC_PENDING])
                snprintf(res->error_msg, sizeof(res->error_msg),
                         "no paired lock named '%s': %u guest %s due now cannot be written (pair it: latchkey pair --name %s)",
                         lock, res->count[LC_PENDING], plural(res->count[LC_PENDING], "code", "codes"), lock);
}

/* A lock that cannot be visited: what is due stays pending, and says so. */
static void unreached(struct db *db, const char *lock, int64_t now, const struct lifecycle_opts *o, int error,
                      const char *msg, struct lc_lock_result *ret)
{
        struct lc_lock_result res = { .error = error };
        struct grant_target *t = NULL;
        size_t n = 0;

        snprintf(res.lock, sizeof(res.lock), "%s", lock);
        snprintf(res.error_msg, sizeof(res.error_msg), "%s", msg);
        if (grants_targets(db, lock, now - o->grace, &t, &n) >= 0) {
                for (size_t i = 0; i < n; i++) {
                        if (now < t[i].check_in - lc_target_lead(&t[i], o))
                                res.scheduled++;
                        else if (now < t[i].check_out)
                                lc_item_times(lc_item_add(&res, LC_PENDING, t[i].grant, 0, t[i].rec.name, "lock not reached"), &t[i]);
                }
                if (t)
                        sodium_memzero(t, n * sizeof(*t));
                free(t);
        }
        if (error == -ENOENT)
                unpaired(db, lock, &res);
        *ret = res;
}

struct lc_run {
        struct store *st;
        struct db *db;
        int64_t now;
        const struct lifecycle_opts *o;
        char **locks;
        size_t n, next;
        struct lc_result *res;
};

struct lc_run *lc_run_free(struct lc_run *run)
{
        if (!run)
                return NULL;
        strv_free(run->locks);
        lc_result_free(run->res);
        free(run);
        return NULL;
}

void lc_run_freep(struct lc_run **run)
{
        lc_run_free(*run);
}

int lc_run_new(struct store *st, struct db *db, const char *lock, int64_t now, const struct lifecycle_opts *o,
               struct lc_run **ret)
{
        _cleanup_(lc_run_freep) struct lc_run *run = calloc(1, sizeof(*run));
        int r;

        if (!run)
                return -ENOMEM;
        *run = (struct lc_run){ .st = st, .db = db, .now = now, .o = o };
        run->res = calloc(1, sizeof(*run->res));
        if (!run->res)
                return -ENOMEM;
        r = grants_init(db);
        if (r < 0)
                return r;
        if (lock) {
                run->locks = calloc(2, sizeof(char *));
                if (!run->locks || !(run->locks[0] = strdup(lock)))
                        return -ENOMEM;
        } else {
                r = grants_locks(db, &run->locks);
                if (r < 0)
                        return r;
        }
        while (run->locks[run->n])
                run->n++;
        run->res->locks = calloc(run->n + 1, sizeof(*run->res->locks));
        if (!run->res->locks)
                return -ENOMEM;
        run->res->now = now;
        run->res->complete = true;
        *ret = TAKE_PTR(run);
        return 0;
}

const char *lc_run_next(struct lc_run *run, struct lk_creds *ret_creds)
{
        while (run->next < run->n) {
                const char *lock = run->locks[run->next];
                char msg[160];
                int r = store_creds_get(run->st, lock, ret_creds);

                if (r >= 0)
                        return lock;
                snprintf(msg, sizeof(msg), r == -ENOENT ? "no paired lock named '%s'" : "cannot read the credentials of '%s'",
                         lock);
                unreached(run->db, lock, run->now, run->o, r, msg, &run->res->locks[run->next]);
                run->res->n_locks = ++run->next;
        }
        return NULL;
}

int lc_run_visit(struct lc_run *run, struct session *s, int error)
{
        struct lc_lock_result *l;
        const char *lock;
        char msg[320];
        int r = 0;

        if (run->next >= run->n)
                return -EINVAL;
        l = &run->res->locks[run->next];
        lock = run->locks[run->next];
        if (s) {
                r = lifecycle_reconcile_session(s, run->db, lock, run->now, run->o, l);
        } else {
                struct lk_creds creds;
                bool have = store_creds_get(run->st, lock, &creds) >= 0;
                char why[256];

                agent_describe(have ? &creds : NULL, error, 0, why, sizeof(why)); /* a PIN, a busy lock, the link, ... */
                snprintf(msg, sizeof(msg), "cannot work with the lock: %.256s", why);
                if (have)
                        lk_creds_wipe(&creds);
                unreached(run->db, lock, run->now, run->o, error, msg, l);
        }
        if (r >= 0)
                run->res->n_locks = ++run->next;
        return r;
}

int64_t lc_run_now(const struct lc_run *run)
{
        return run->now;
}

int lc_run_finish(struct lc_run *run, struct lc_result **ret)
{
        int r;

        for (size_t i = 0; i < run->res->n_locks; i++)
                run->res->complete = run->res->complete && run->res->locks[i].complete;
        r = lifecycle_next_run(run->db, run->now, run->o, &run->res->next_run);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(run->res);
        return 0;
}

int lifecycle_reconcile(sd_event *event, struct store *st, struct db *db, const char *lock, int64_t now,
                        const struct lifecycle_opts *o, struct lc_result **ret)
{
        _cleanup_(lc_run_freep) struct lc_run *run = NULL;
        struct lk_creds creds;
        sd_event *own = NULL;
        const char *name;
        int r;

        r = lc_run_new(st, db, lock, now, o, &run);
        if (r < 0)
                return r;
        if (!event) {
                r = sd_event_default(&own);
                if (r < 0)
                        return r;
                event = own;
        }
        while ((name = lc_run_next(run, &creds))) {
                struct session *s = NULL;

                r = agent_session_open(event, st, &creds, &(struct agent_opts){ .adapter = o->adapter, .session = o->session },
                                       &s);
                lk_creds_wipe(&creds);
                r = lc_run_visit(run, r < 0 ? NULL : s, r);
                session_free(s);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = lc_run_finish(run, ret);
        sd_event_unref(own);
        return r < 0 ? r : 0;
}

int lifecycle_next_run(struct db *db, int64_t now, const struct lifecycle_opts *o, int64_t *ret)
{
        int r = grants_init(db);

        if (r < 0)
                return r;
        return grants_next_boundary(db, now, o->lead, o->grace, ret);
}

/* ---- attribution ------------------------------------------------------------------------------ */

int lifecycle_attribute(struct db *db, const char *lock, const struct lk_log_entry *e, struct lc_attribution *ret)
{
        struct lc_attribution a = { 0 };
        int64_t at = 0;
        int r;

        r = grants_init(db);
        if (r < 0)
                return r;
        if (e->type == LK_LOG_KEYPAD_ACTION) {
                if (lk_datetime_to_unix(&e->timestamp, &at) < 0)
                        at = 0;
                r = grants_code_owner(db, lock, e->data.keypad.code_id, at, a.grant, a.guest);
                if (r < 0)
                        return r;
                *ret = a;
                return 0;
        }
        if (e->auth_id == 0)
                return -ENOENT;
        r = grants_auth_name(db, lock, e->auth_id, a.auth_name);
        if (r == -ENOENT && e->name[0]) {
                snprintf(a.auth_name, sizeof(a.auth_name), "%s", e->name);
                r = 0;
        }
        if (r < 0)
                return r;
        *ret = a;
        return 0;
}

void lifecycle_attribute_json(struct db *db, const char *lock, const struct lk_log_entry *e, cJSON *obj)
{
        struct lc_attribution a;

        if (lifecycle_attribute(db, lock, e, &a) < 0)
                return;
        if (a.grant[0]) {
                cJSON_AddStringToObject(obj, "grant", a.grant);
                cJSON_AddStringToObject(obj, "guest", a.guest);
        }
        if (a.auth_name[0])
                cJSON_AddStringToObject(obj, "auth_name", a.auth_name);
}
