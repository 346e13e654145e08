/* SPDX-License-Identifier: MIT */
/*
 * The agent against the virtual lock with the link model at 15 ms per exchange: add 100
 * keypad codes, read 200 log entries, and print wall time beside the model's minimum for the
 * round trips the protocol needs. Target (issue 4): wall ≤ 1.05 × minimum. A benchmark: it
 * reports, it never fails on time. Two readings of "exchange", both shown:
 *   request level: a client request and the lock's whole answer cost 15 ms (write-ms 15);
 *   ATT level: every ATT round trip costs 15 ms: a write and its response, and each
 *     indication and its confirmation (write-ms 15, indicate-ms 15, MTU 247 as SL2+ use).
 * The minimum counts what the protocol needs for the job; the read-back verification every
 * code write gets (one list before, one after) is counted and shown separately.
 *
 * Then the disk syncs (fsync + fdatasync, strace) of whole commands: `latchkey log` reading 200
 * new entries and `latchkey code import` of 100 codes, beside issue 12's target of 10 each,
 * with SQLite's journal and sync mode as state.db runs.
 */
#define _GNU_SOURCE
#include "bench-sim.h"

#include <sodium.h>
#include <sqlite3.h>

#include "agent.h"
#include "codes.h"
#include "db.h"
#include "log.h"
#include "lockops.h"
#include "logsync.h"
#include "util.h"
#include "store.h"

#ifndef LK_BUILD_TYPE
#define LK_BUILD_TYPE "?"
#endif

#define CODES 100
#define LOG_ENTRIES 200

static struct bench_sim B;

static void report(const char *what, double wall, unsigned made, unsigned needed, unsigned ms)
{
        double min = needed * (double)ms;

        printf("  %-20s %9.1f ms  %5u exchanges, the job needs %5u: minimum %8.1f ms  ratio %.3f\n", what, wall,
               made, needed, min, wall / min);
}

struct model {
        const char *name;
        unsigned write_ms, indicate_ms;
        bool att; /* indications count as exchanges */
};

static unsigned made_since(const struct model *m, const struct session_stats *a, const struct session_stats *b)
{
        return bench_made(m->att, a, b);
}

static int run_model(const struct model *m, struct session *s, struct db *db, const char *lock, unsigned round)
{
        static struct codes_batch_item items[CODES];
        struct session_stats a, b;
        struct logsync_result lres;
        unsigned added = 0, needed, verify;
        double t0, t1;
        int r;

        if (bench_link(&B, m->write_ms, m->indicate_ms) < 0)
                return -EIO;
        printf("%s model (write %u ms, indication %u ms):\n", m->name, m->write_ms, m->indicate_ms);

        for (unsigned i = 0; i < CODES; i++) {
                items[i] = (struct codes_batch_item){ 0 };
                items[i].want.code = bench_nth_code(i + round * CODES);
                snprintf(items[i].want.name, sizeof(items[i].want.name), "Bench %u", i);
        }
        a = *session_stats(s);
        t0 = bench_now_ms();
        r = codes_batch(s, NULL, 0, items, CODES);
        t1 = bench_now_ms();
        b = *session_stats(s);
        for (unsigned i = 0; i < CODES; i++)
                added += items[i].result == 0 && !items[i].outcome.already;
        if (r < 0 || added != CODES) {
                fprintf(stderr, "bench: only %u of %u codes added (%s)\n", added, CODES, strerror(-r));
                return r < 0 ? r : -EIO;
        }
        /* Per code: challenge + add (2 writes); the lock answers challenge, code id, COMPLETE. */
        needed = CODES * (m->att ? BENCH_ATT_ADD : BENCH_REQ_PER_COMMAND);
        /* Verification: two lists (challenge + request each); answers: challenge, count, codes, COMPLETE. */
        verify = m->att ? BENCH_ATT_LIST(0) + BENCH_ATT_LIST(CODES) : 2 * BENCH_REQ_PER_COMMAND;
        report("add 100 codes", t1 - t0, made_since(m, &a, &b), needed + verify, (unsigned)B.exchange_ms);
        printf("  %-20s verification is %u of those; without it: minimum %.1f ms, ratio %.3f\n", "", verify,
               needed * (double)B.exchange_ms, (t1 - t0) / (needed * (double)B.exchange_ms));

        /* Clean the lock for the next round (not timed, no link model). */
        if (bench_link(&B, 0, 0) < 0)
                return -EIO;
        for (unsigned i = 0; i < CODES; i++)
                if (lockops_code_remove(s, items[i].outcome.id) < 0)
                        return -EIO;
        for (unsigned i = 0; i < LOG_ENTRIES; i++)
                bench_ctl(&B, "type-code", i % 2 ? "999999" : "888888", NULL);
        if (bench_link(&B, m->write_ms, m->indicate_ms) < 0)
                return -EIO;
        a = *session_stats(s);
        t0 = bench_now_ms();
        r = logsync_fetch(s, db, lock, false, NULL, NULL, NULL, &lres);
        t1 = bench_now_ms();
        b = *session_stats(s);
        if (r < 0 || lres.received != LOG_ENTRIES) {
                fprintf(stderr, "bench: log read got %u entries (%s)\n", lres.received, strerror(-r));
                return r < 0 ? r : -EIO;
        }
        /* Challenge + request; answers: challenge, count, 200 entries, COMPLETE (a chunk each at MTU 247). */
        needed = m->att ? 2 + 1 + 1 + LOG_ENTRIES + 1 : 2;
        report("read 200 log entries", t1 - t0, made_since(m, &a, &b), needed, (unsigned)B.exchange_ms);
        return 0;
}

/* SQLite's durability settings as state.db runs them (db_open). */
static void print_sync_mode(struct db *db)
{
        static const char *const modes[] = { "OFF", "NORMAL", "FULL", "EXTRA" };
        sqlite3_stmt *st;
        char journal[16] = "?";
        int sync = -1;

        if (sqlite3_prepare_v2(db_handle(db), "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK) {
                if (sqlite3_step(st) == SQLITE_ROW)
                        snprintf(journal, sizeof(journal), "%s", (const char *)sqlite3_column_text(st, 0));
                sqlite3_finalize(st);
        }
        if (sqlite3_prepare_v2(db_handle(db), "PRAGMA synchronous", -1, &st, NULL) == SQLITE_OK) {
                if (sqlite3_step(st) == SQLITE_ROW)
                        sync = sqlite3_column_int(st, 0);
                sqlite3_finalize(st);
        }
        printf("state.db: journal_mode=%s, synchronous=%s (every COMMIT is on disk when it returns: one fdatasync of the WAL;\n"
               "  a checkpoint adds syncs of the WAL and the database)\n",
               journal, sync >= 0 && sync < 4 ? modes[sync] : "?");
}

/*
 * Disk syncs (fsync + fdatasync, counted by strace) of whole latchkey commands, start to exit:
 * `log` reading 200 new entries, `code import` of 100 codes. Target (issue 12): ≤ 10 each.
 * The link model is off: syncs do not depend on it.
 */
static int count_syncs(void)
{
        char trace[400], file[400];
        FILE *f;
        int n, r;

        printf("disk syncs per command (strace -f -e trace=fsync,fdatasync; the whole process):\n");
        if (!bench_have_strace()) {
                printf("  strace is not installed: skipped (apt-get install strace)\n");
                return 0;
        }
        if (bench_link(&B, 0, 0) < 0)
                return -EIO;
        for (unsigned i = 0; i < LOG_ENTRIES; i++)
                bench_ctl(&B, "type-code", i % 2 ? "999999" : "888888", NULL);
        snprintf(trace, sizeof(trace), "%s/log.strace", B.dir);
        r = bench_latchkey(&B, trace, "--json", "log", NULL);
        n = bench_count_syncs(trace);
        if (r != 0 || n < 0)
                return fprintf(stderr, "bench: latchkey log failed (exit %d)\n", r), -EIO;
        printf("  %-34s %3d syncs, target <= 10: ratio %.2f\n",
               "log: 200 new entries", n, n / 10.0);

        snprintf(file, sizeof(file), "%s/codes.json", B.dir);
        f = fopen(file, "we");
        if (!f || fchmod(fileno(f), 0600) < 0)
                return -EIO;
        fputc('[', f);
        for (unsigned i = 0; i < CODES; i++)
                fprintf(f, "%s{\"name\":\"Import %u\",\"code\":%u}", i ? "," : "", i, bench_nth_code(5000 + i));
        fputs("]\n", f);
        fclose(f);
        snprintf(trace, sizeof(trace), "%s/import.strace", B.dir);
        r = bench_latchkey(&B, trace, "--json", "code", "import", file, NULL);
        n = bench_count_syncs(trace);
        if (r != 0 || n < 0)
                return fprintf(stderr, "bench: latchkey code import failed (exit %d)\n", r), -EIO;
        printf("  %-34s %3d syncs, target <= 10: ratio %.2f\n",
               "code import: 100 codes", n, n / 10.0);
        return 0;
}

int main(int argc, char **argv)
{
        struct store *st = NULL;
        struct lk_creds creds = { 0 };
        struct session *s = NULL;
        struct db *db = NULL;
        sd_event *event = NULL;
        int r = -1;

        (void)argc;
        if (sodium_init() < 0)
                return 1;
        if (getenv("LK_BENCH_VERBOSE"))
                log_max_level = LOG_DEBUG;
        if (bench_sim_start(&B, argv[0]) < 0)
                goto out;
        printf("latchkey agent benchmark (%s build): link model %d ms per exchange\n", LK_BUILD_TYPE, B.exchange_ms);
        r = store_open(B.statedir, &st);
        if (r >= 0)
                r = store_creds_get(st, "bench", &creds);
        if (r >= 0)
                r = sd_event_default(&event);
        if (r >= 0)
                r = agent_session_open(event, st, &creds, NULL, &s);
        if (r >= 0)
                r = db_open(st, &db);
        if (r < 0) {
                fprintf(stderr, "bench: cannot connect: %s\n", strerror(-r));
                goto out;
        }
        printf("link MTU %u\n", session_link_info(s)->mtu);
        {
                const struct model models[] = {
                        { "request-level", (unsigned)B.exchange_ms, 0, false },
                        { "ATT-level", (unsigned)B.exchange_ms, (unsigned)B.exchange_ms, true },
                };

                for (unsigned k = 0; k < ELEMENTSOF(models) && r >= 0; k++)
                        r = run_model(&models[k], s, db, "bench", k);
        }
        /* The commands below connect themselves: the lock takes one client at a time. */
        s = session_free(s);
        if (r >= 0) {
                print_sync_mode(db);
                r = count_syncs();
        }
out:
        session_free(s);
        db_free(db);
        store_free(st);
        sd_event_unref(event);
        lk_creds_wipe(&creds);
        bench_sim_stop(&B);
        return r < 0 ? 1 : 0;
}
