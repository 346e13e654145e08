/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "lockops.h"
#include "log.h"
#include "logsync.h"

struct fetch_ctx {
        struct db *db;
        const char *lock;
        logsync_entry_fn fn;
        logsync_progress_fn progress;
        void *userdata;
        struct logsync_result *res;
        unsigned batch_got;
        unsigned expected;
        uint32_t last_index;
        int error;
};

static int on_entry(void *userdata, const struct lk_log_entry *e)
{
        struct fetch_ctx *f = userdata;
        int r;

        /* Ascending and strictly after the start: anything else is a confused or rogue lock. */
        if (f->last_index && e->index <= f->last_index) {
                f->error = -EBADMSG;
                return -1;
        }
        r = db_log_put(f->db, f->lock, e);
        if (r < 0) {
                f->error = r;
                return -1;
        }
        f->last_index = e->index;
        f->batch_got++;
        f->res->received++;
        if (r > 0)
                f->res->stored++;
        if (e->index > f->res->cursor)
                f->res->cursor = e->index;
        if (f->fn)
                f->fn(f->userdata, e, r > 0);
        if (f->progress)
                f->progress(f->userdata, f->res->received, f->expected);
        return 0;
}

int logsync_fetch(struct session *s, struct db *db, const char *lock, bool all, logsync_entry_fn fn,
                  logsync_progress_fn progress, void *userdata, struct logsync_result *ret)
{
        struct fetch_ctx f = { .db = db, .lock = lock, .fn = fn, .progress = progress, .userdata = userdata, .res = ret };
        uint32_t start;
        uint16_t total = 0;
        int r;

        *ret = (struct logsync_result){ 0 };
        r = db_log_cursor(db, lock, &ret->cursor);
        if (r < 0)
                return r;
        start = all ? 0 : ret->cursor;
        f.last_index = start;
        for (;;) {
                uint16_t count = LOGSYNC_BATCH;

                f.batch_got = 0;
                r = lockops_log_read(s, start, count, false, on_entry, &f, &total);
                if (r == -ECANCELED)
                        r = f.error;
                if (r < 0)
                        return r;
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
