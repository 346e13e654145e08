/* SPDX-License-Identifier: MIT */
/*
 * Reconcile at the radio's pace (issue 12): the lifecycle engine against the virtual lock with
 * the link model at 15 ms per exchange, at the request level and the ATT level (see
 * bench-agent.c), for
 *   - 100 bookings onto an empty lock, beside `code import` of the same 100 records (the same
 *     end state, codes.c's batch): exchanges ≤ 1.1 × the import's, wall ≤ 1.10 × the model's
 *     minimum;
 *   - 100 bookings with 50 of their codes on the lock (50 to add);
 *   - a typical day: 100 bookings, 50 codes on the lock; since the last pass 3 stays ended, 3
 *     came inside their lead and one was extended (3 removes, 3 adds, 1 update).
 * The minimum is what the job needs: one listing of the code table, one request and answer per
 * add, update or remove, one verifying listing; every exchange costs the model's 15 ms. Beyond
 * it reconcile reads the lock's clock and its authorization list (for attribution): shown as
 * the extra. A benchmark: it reports figures as ratios measured in one run; it never fails on
 * time.
 */
#define _GNU_SOURCE
#include "bench-sim.h"

#include <sodium.h>

#include "agent.h"
#include "codes.h"
#include "db.h"
#include "grants.h"
#include "lifecycle.h"
#include "lockops.h"
#include "log.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

#ifndef LK_BUILD_TYPE
#define LK_BUILD_TYPE "?"
#endif

#define BOOKINGS 100
#define HOUR 3600

static struct bench_sim B;

struct model {
        const char *name;
        unsigned write_ms, indicate_ms;
        bool att;
};

struct ctx {
        const struct model *m;
        struct session *s;
        struct db *db;
        struct lifecycle_opts o;
        unsigned round;
};

/* Exchanges a job needs: one listing, its writes, one verifying listing. */
static unsigned needed(const struct model *m, unsigned before, unsigned adds, unsigned updates, unsigned removes,
                       unsigned after)
{
        if (!m->att)
                return BENCH_REQ_PER_COMMAND * (2 + adds + updates + removes);
        return BENCH_ATT_LIST(before) + adds * BENCH_ATT_ADD + updates * BENCH_ATT_UPDATE + removes * BENCH_ATT_REMOVE +
               BENCH_ATT_LIST(after);
}

/* Bookings prefix-0 … prefix-(n-1) on lock "bench": check-in at first_in + i × spacing, stays of
 * `stay` seconds (booking `longer`, if < n, a day longer), codes the codes_from-th valid one on.
 * An empty list (n = 0) cancels what the source had. */
static int import(struct ctx *c, const char *prefix, unsigned codes_from, unsigned n, int64_t first_in,
                  int64_t spacing, int64_t stay, unsigned longer, int64_t now)
{
        static struct grants_import_result res;
        struct grants_import_opts io = { .now = now, .lead = -1, .grace = -1, .allow_cancel_all = true };
        struct grants_error err = { { 0 } };
        char *doc = NULL, in[40], out[40];
        size_t len = 0;
        FILE *f = open_memstream(&doc, &len);
        int r;

        if (!f)
                return -ENOMEM;
        fprintf(f, "{\"version\":1,\"properties\":[{\"id\":\"estate\",\"locks\":[\"bench\"]}],\"grants\":[");
        for (unsigned i = 0; i < n; i++) {
                int64_t t = first_in + (int64_t)i * spacing;

                time_format_utc(t, in, sizeof(in));
                time_format_utc(t + stay + (i == longer ? 24 * HOUR : 0), out, sizeof(out));
                fprintf(f, "%s{\"id\":\"%s-%u\",\"property\":\"estate\",\"guest\":\"Guest %s %u\",\"code\":\"%u\","
                           "\"check_in\":\"%s\",\"check_out\":\"%s\"}",
                        i ? "," : "", prefix, i, prefix, i, bench_nth_code(codes_from + i), in, out);
        }
        fprintf(f, "]}");
        fclose(f);
        r = grants_import(c->db, doc, len, "bench", &io, &res, &err);
        if (r < 0)
                fprintf(stderr, "bench: import failed: %s\n", err.msg);
        free(doc);
        return r;
}

/* A pass of reconcile; untimed ones run without the link model. */
static int pass(struct ctx *c, int64_t now, bool timed, struct lc_lock_result *ret, double *ret_ms, unsigned *ret_made)
{
        struct session_stats a, b;
        double t0;
        int r;

        if (bench_link(&B, timed ? c->m->write_ms : 0, timed ? c->m->indicate_ms : 0) < 0)
                return -EIO;
        a = *session_stats(c->s);
        t0 = bench_now_ms();
        r = lifecycle_reconcile_session(c->s, c->db, "bench", now, &c->o, ret);
        if (ret_ms)
                *ret_ms = bench_now_ms() - t0;
        b = *session_stats(c->s);
        if (ret_made)
                *ret_made = bench_made(c->m->att, &a, &b);
        if (r >= 0 && !ret->complete) {
                fprintf(stderr, "bench: reconcile did not complete: %s\n", ret->error_msg);
                lc_lock_result_done(ret);
                r = -EIO;
        }
        return r;
}

static unsigned count_reason(const struct lc_lock_result *l, enum lc_outcome o, const char *reason)
{
        unsigned n = 0;

        for (size_t i = 0; i < l->n_items; i++)
                n += l->items[i].outcome == o && (!reason || streq(l->items[i].reason, reason));
        return n;
}

/* Print a timed pass beside its minimum; *ret_made for comparisons. */
static void report(struct ctx *c, const char *what, const struct lc_lock_result *l, double ms, unsigned made)
{
        unsigned adds = count_reason(l, LC_PROVISIONED, "added"), updates = l->count[LC_UPDATED];
        unsigned removes = l->count[LC_REMOVED];
        unsigned need = needed(c->m, l->codes_before, adds, updates, removes, l->codes_after);
        double min = need * (double)B.exchange_ms;

        printf("  %s: %u → %u codes (%u added, %u updated, %u removed, %u unchanged)\n", what, l->codes_before,
               l->codes_after, adds, updates, removes, l->count[LC_UNCHANGED]);
        printf("    %9.1f ms  %5u exchanges; the job needs %5u (+%u extra: clock, authorizations): minimum %8.1f ms"
               "  wall ratio %.3f\n",
               ms, made, need, made > need ? made - need : 0, min, ms / min);
}

/* `code import` of the same 100 records onto the empty lock (codes.c's batch); then empty it. */
static int import_same_end_state(struct ctx *c, int64_t now, unsigned *ret_made, double *ret_ms)
{
        static struct codes_batch_item items[BOOKINGS];
        struct grant_target *t = NULL;
        struct session_stats a, b;
        size_t n = 0;
        double t0;
        int r;

        r = grants_targets(c->db, "bench", now - c->o.grace, &t, &n);
        if (r < 0 || n != BOOKINGS) {
                free(t);
                return r < 0 ? r : -EIO;
        }
        for (size_t i = 0; i < n; i++)
                items[i] = (struct codes_batch_item){ .op = CODES_OP_ADD, .want = t[i].rec };
        sodium_memzero(t, n * sizeof(*t));
        free(t);
        if (bench_link(&B, c->m->write_ms, c->m->indicate_ms) < 0)
                return -EIO;
        a = *session_stats(c->s);
        t0 = bench_now_ms();
        r = codes_batch(c->s, NULL, 0, items, n);
        *ret_ms = bench_now_ms() - t0;
        b = *session_stats(c->s);
        *ret_made = bench_made(c->m->att, &a, &b);
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (items[i].result < 0 || items[i].outcome.already)
                        r = -EIO;
        if (r < 0 || bench_link(&B, 0, 0) < 0)
                return r < 0 ? r : -EIO;
        for (size_t i = 0; i < n; i++)
                if (lockops_code_remove(c->s, items[i].outcome.id) < 0)
                        return -EIO;
        sodium_memzero(items, sizeof(items));
        return 0;
}

/* 100 bookings onto an empty lock, then again with 50 of them on it. */
static int empty_lock(struct ctx *c, int64_t now)
{
        struct lc_lock_result l = { 0 };
        unsigned made_import = 0, made = 0, half = 0;
        double ms_import = 0, ms = 0;
        char prefix[16];
        int r;

        snprintf(prefix, sizeof(prefix), "E%u", c->round);
        r = import(c, prefix, 1000 * (2 * c->round + 1), BOOKINGS, now + HOUR, 60, 3 * 24 * HOUR, BOOKINGS, now);
        if (r >= 0)
                r = import_same_end_state(c, now, &made_import, &ms_import);
        if (r >= 0)
                r = pass(c, now, true, &l, &ms, &made);
        if (r < 0)
                return r;
        if (l.count[LC_PROVISIONED] != BOOKINGS) {
                fprintf(stderr, "bench: %u of %u provisioned\n", l.count[LC_PROVISIONED], BOOKINGS);
                lc_lock_result_done(&l);
                return -EIO;
        }
        report(c, "100 bookings onto an empty lock", &l, ms, made);
        printf("    code import of the same 100 records: %u exchanges, %.1f ms; reconcile/import exchanges %.3f"
               " (target <= 1.1), wall %.3f\n",
               made_import, ms_import, made / (double)made_import, ms / ms_import);

        /* Take every other code off the lock behind latchkey's back (not timed). */
        r = bench_link(&B, 0, 0);
        for (size_t i = 0; r >= 0 && i < l.n_items; i += 2, half++)
                r = lockops_code_remove(c->s, l.items[i].code_id);
        lc_lock_result_done(&l);
        if (r >= 0)
                r = pass(c, now, true, &l, &ms, &made);
        if (r < 0)
                return r;
        report(c, "100 bookings, 50 of their codes on the lock", &l, ms, made);
        lc_lock_result_done(&l);
        /* Cancel them all and empty the lock (not timed). */
        r = import(c, prefix, 0, 0, 0, 0, 0, BOOKINGS, now);
        if (r >= 0)
                r = pass(c, now, false, &l, NULL, NULL);
        lc_lock_result_done(&l);
        return r;
}

/*
 * A typical day: check-ins every 2 h, stays of 27 h, a 72-h lead and a 1-h grace put 50 codes on
 * the lock at any time. The last pass ran 6 h ago; since then 3 stays ended, 3 came inside their
 * lead, and one booking (on the lock) was extended by a day.
 */
static int typical_day(struct ctx *c, int64_t now)
{
        struct lc_lock_result l = { 0 };
        int64_t first = now - 36 * HOUR;
        unsigned made = 0;
        char prefix[16];
        double ms = 0;
        int r;

        snprintf(prefix, sizeof(prefix), "D%u", c->round);
        r = import(c, prefix, 1000 * (2 * c->round + 2), BOOKINGS, first, 2 * HOUR, 27 * HOUR, BOOKINGS, now - 6 * HOUR);
        if (r >= 0)
                r = pass(c, now - 6 * HOUR, false, &l, NULL, NULL);
        lc_lock_result_done(&l);
        if (r >= 0)
                r = import(c, prefix, 1000 * (2 * c->round + 2), BOOKINGS, first, 2 * HOUR, 27 * HOUR, 30, now);
        if (r >= 0)
                r = pass(c, now, true, &l, &ms, &made);
        if (r < 0)
                return r;
        report(c, "a typical day: 100 bookings, 50 codes on the lock", &l, ms, made);
        lc_lock_result_done(&l);
        r = import(c, prefix, 0, 0, 0, 0, 0, BOOKINGS, now);
        if (r >= 0)
                r = pass(c, now, false, &l, NULL, NULL);
        lc_lock_result_done(&l);
        return r;
}

int main(int argc, char **argv)
{
        const struct model models[] = {
                { "request-level", 15, 0, false },
                { "ATT-level", 15, 15, true },
        };
        struct store *st = NULL;
        struct lk_creds creds = { 0 };
        struct ctx c = { 0 };
        sd_event *event = NULL;
        int64_t now = (int64_t)time(NULL);
        int r = -1;

        (void)argc;
        if (sodium_init() < 0)
                return 1;
        if (getenv("LK_BENCH_VERBOSE"))
                log_max_level = LOG_DEBUG;
        if (bench_sim_start(&B, argv[0]) < 0)
                goto out;
        printf("latchkey reconcile benchmark (%s build): link model %d ms per exchange\n", LK_BUILD_TYPE, B.exchange_ms);
        r = store_open(B.statedir, &st);
        if (r >= 0)
                r = store_creds_get(st, "bench", &creds);
        if (r >= 0)
                r = sd_event_default(&event);
        if (r >= 0)
                r = agent_session_open(event, st, &creds, NULL, &c.s);
        if (r >= 0)
                r = db_open(st, &c.db);
        if (r >= 0)
                r = grants_init(c.db);
        if (r < 0) {
                fprintf(stderr, "bench: cannot connect: %s\n", strerror(-r));
                goto out;
        }
        lifecycle_opts_default(&c.o);
        for (unsigned k = 0; k < ELEMENTSOF(models) && r >= 0; k++) {
                struct model m = models[k];

                m.write_ms = (unsigned)B.exchange_ms;
                m.indicate_ms = m.att ? (unsigned)B.exchange_ms : 0;
                c.m = &m;
                c.round = k;
                printf("%s model (write %u ms, indication %u ms):\n", m.name, m.write_ms, m.indicate_ms);
                r = empty_lock(&c, now);
                if (r >= 0)
                        r = typical_day(&c, now);
        }
        if (r < 0)
                fprintf(stderr, "bench: %s\n", strerror(-r));
out:
        session_free(c.s);
        db_free(c.db);
        store_free(st);
        sd_event_unref(event);
        lk_creds_wipe(&creds);
        bench_sim_stop(&B);
        return r < 0 ? 1 : 0;
}
