/* SPDX-License-Identifier: MIT */
/*
 * Incremental log reads (spec §6.28, field lesson 7): ask for the entries after the highest
 * index stored (the start index is exclusive), ascending, in batches; store each entry as it
 * arrives, so a link drop mid-read loses nothing and the next read repeats nothing.
 *
 * Durable in batches (issue 12): entries are committed every LOGSYNC_COMMIT_ENTRIES entries or
 * LOGSYNC_COMMIT_USEC after the first uncommitted one, whichever comes first, at the end of each
 * request, and when the read fails (a link drop): one disk sync per batch, not per entry. What
 * the entry callback writes to the same database (the daemon's log.entry events) commits with
 * its entries. A process killed mid-batch loses only uncommitted entries from state.db, never
 * from the lock: the cursor is the highest committed index, so the next read fetches them again
 * and stores (and queues) each once.
 *
 * Each incremental read asks for our newest entry again: when the lock no longer has anything
 * at or after it (its newest index is below our cursor: a reset lock), the entries we keep are
 * set apart as history (db_log_retire), a lock.log_reset event is queued, and the whole log is
 * read as new in the same call (issue 11).
 */
#pragma once

#include "db.h"
#include "session.h"

/* One request can fetch the whole log (the lock keeps 200): entries are stored as they
 * arrive, so a large batch loses nothing on a link drop and saves round trips. */
#define LOGSYNC_BATCH LK_LOG_CAPACITY

/* One commit per 50 entries (200 → 4 syncs, ≤ 0.75 s of entries at 15 ms each to fetch again
 * after a crash), and at least once a second so another writer of state.db waits at most that
 * long on a slow link (its busy timeout is 5 s). */
#define LOGSYNC_COMMIT_ENTRIES 50
#define LOGSYNC_COMMIT_USEC (1000 * 1000)

/* Called for every entry stored (new ones only, unless all). */
typedef void (*logsync_entry_fn)(void *userdata, const struct lk_log_entry *e, bool is_new);
typedef void (*logsync_progress_fn)(void *userdata, unsigned done, unsigned total);

struct logsync_result {
        unsigned received; /* entries received in this run */
        unsigned stored;   /* of which were new */
        uint32_t cursor;   /* highest index stored after the run */
        bool reset;        /* the lock's log restarted below our cursor: it was read from its beginning */
};

/*
 * Fetch new entries (or, with all, the whole log the lock holds: up to 200). Entries stored
 * before a failure stay stored; *ret is filled on failure too.
 */
int logsync_fetch(struct session *s, struct db *db, const char *lock, bool all, logsync_entry_fn fn,
                  logsync_progress_fn progress, void *userdata, struct logsync_result *ret);
