/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <time.h>

#include "lockops.h"
#include "log.h"
#include "logsync.h"
#include "outbox.h"

/* An open batch of entries: committed by batch_commit(); what *res said when it began. */
struct batch {
        bool open;
        unsigned entries;
        uint64_t started_usec;
        struct logsync_result before;
};

struct fetch_ctx {
        struct db *db;
        const char *lock;
        logsync_entry_fn fn;
        logsync_progress_fn progress;
        void *userdata;
        struct logsync_result *res;
        unsigned batch_got;     /* entries of this request, the anchor included */
        unsigned expected;
        uint32_t last_index;
        uint32_t anchor;        /* the newest index we hold, asked for again; 0 = none */
        uint32_t first_index;   /* of this request; 0 = nothing came */
        int error;
        struct batch tx;
};

static uint64_t monotonic_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * Durable in batches (logsync.h): the entries and what the caller's callback writes for them
 * (the daemon's log.entry events) commit together. Inside a caller's own transaction there is
 * nothing to manage: the caller's COMMIT makes them durable.
 */
static int batch_begin(struct fetch_ctx *f)
{
        int r;

        if (f->tx.open || !sqlite3_get_autocommit(db_handle(f->db)))
                return 0;
        r = db_exec(f->db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        f->tx = (struct batch){ .open = true, .started_usec = monotonic_usec(), .before = *f->res };
        return 0;
}

static int batch_commit(struct fetch_ctx *f)
{
        int r;

        if (!f->tx.open)
                return 0;
        f->tx.open = false;
        r = db_exec(f->db, "COMMIT");
        if (r < 0) {
                (void)db_exec(f->db, "ROLLBACK");
                *f->res = f->tx.before; /* not stored: the next read asks for them again */
        }
        return r;
}

static int batch_step(struct fetch_ctx *f)
{
        if (!f->tx.open)
                return 0;
        if (++f->tx.entries < LOGSYNC_COMMIT_ENTRIES && monotonic_usec() - f->tx.started_usec < LOGSYNC_COMMIT_USEC)
                return 0;
        return batch_commit(f);
}

static int on_entry(void *userdata, const struct lk_log_entry *e)
{
        struct fetch_ctx *f = userdata;
        int r;

        /* Ascending and strictly after the start: anything else is a confused or rogue lock. */
        if (f->last_index && e->index <= f->last_index) {
                f->error = -EBADMSG;
                return -1;
        }
        f->last_index = e->index;
        f->batch_got++;
        if (!f->first_index)
                f->first_index = e->index;
        if (f->anchor && e->index == f->anchor)
                return 0; /* the entry we have: the log goes on from where we were */
        r = batch_begin(f);
        if (r >= 0)
                r = db_log_put(f->db, f->lock, e);
        if (r < 0) {
                f->error = r;
                return -1;
        }
        f->res->received++;
        if (r > 0)
                f->res->stored++;
        if (e->index > f->res->cursor)
                f->res->cursor = e->index;
        if (f->fn)
                f->fn(f->userdata, e, r > 0);
        if (f->progress)
                f->progress(f->userdata, f->res->received, f->expected);
        r = batch_step(f);
        if (r < 0) {
                f->error = r;
                return -1;
        }
        return 0;
}

/* The lock's log no longer reaches our cursor (a reset, a factory reset): ours is kept apart as
 * history and the whole log is read as new. */
static int restart(struct fetch_ctx *f, uint32_t cursor)
{
        cJSON *p = cJSON_CreateObject();
        int r;

        log_warning("event=log-reset lock=%s: the lock's newest log entry is below index %" PRIu32
                    " that latchkey read last: its log restarted; reading it from the beginning",
                    f->lock, cursor);
        r = db_log_retire(f->db, f->lock);
        if (r < 0) {
                cJSON_Delete(p);
                return r;
        }
        if (p) {
                cJSON_AddNumberToObject(p, "previous_index", cursor);
                if (outbox_add(f->db, "lock.log_reset", f->lock, p, NULL) < 0)
                        log_warning("Could not queue lock.log_reset of '%s' for the upstream", f->lock);
                cJSON_Delete(p);
        }
        f->res->cursor = 0;
        f->res->reset = true;
        return 0;
}

int logsync_fetch(struct session *s, struct db *db, const char *lock, bool all, logsync_entry_fn fn,
                  logsync_progress_fn progress, void *userdata, struct logsync_result *ret)
{
        struct fetch_ctx f = { .db = db, .lock = lock, .fn = fn, .progress = progress, .userdata = userdata, .res = ret };
        uint32_t start, cursor;
        uint16_t total = 0;
        int r;

        *ret = (struct logsync_result){ 0 };
        r = db_log_cursor(db, lock, &ret->cursor);
        if (r < 0)
                return r;
        cursor = ret->cursor;
        /* Incremental reads ask for our newest entry again (the start index is exclusive): if it is
         * not there, nothing of the lock's log reaches our cursor any more (issue 11). */
        f.anchor = all ? 0 : cursor;
        start = all ? 0 : cursor > 0 ? cursor - 1 : 0;
        f.last_index = start;
        for (bool first = true;; first = false) {
                uint16_t count = LOGSYNC_BATCH;

                f.batch_got = 0;
                f.first_index = 0;
                r = lockops_log_read(s, start, count, false, on_entry, &f, &total);
                if (r == -ECANCELED)
                        r = f.error;
                /* What arrived is kept, also when the read failed: a read cut short resumes after it. */
                if (batch_commit(&f) < 0 && r >= 0)
                        r = -EIO;
                if (r < 0)
                        return r;
                if (first && f.anchor) {
                        if (f.batch_got == 0) { /* newest below our cursor */
                                r = restart(&f, cursor);
                                if (r < 0)
                                        return r;
                                f.anchor = 0;
                                start = f.last_index = 0;
                                continue;
                        }
                        if (f.first_index > f.anchor)
                                log_warning("Lock '%s': log entries %" PRIu32 "..%" PRIu32 " were overwritten before they "
                                            "were read (the lock keeps its newest %u)",
                                            lock, f.anchor + 1, f.first_index - 1, LK_LOG_CAPACITY);
                }
                /* Log Entry Count: entries available after start (spec §6.30) */
                if (f.expected == 0)
                        f.expected = total;
                /* Done when the batch was short, or it brought all the count announced. */
                if (f.batch_got < count || f.batch_got >= total)
                        break;
                start = f.last_index;
        }
        return 0;
}
