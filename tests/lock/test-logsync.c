/* SPDX-License-Identifier: MIT */
/*
 * Log reads durable in batches (issue 12) against a real virtual lock: entries commit every
 * LOGSYNC_COMMIT_ENTRIES (counted with SQLite's commit hook), together with what the entry
 * callback writes (the daemon's log.entry events); a read cut short mid-stream keeps every entry
 * that arrived, and the next read resumes after it with nothing lost or repeated.
 */
#include "harness-life.h"

#include <sodium.h>

#include "logsync.h"
#include "outbox.h"

static const char *const lock_names[] = { "front" };
static struct life L;

static int setup(void **state)
{
        (void)state;
        life_init(&L, lock_names, 1);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        life_cleanup(&L);
        return 0;
}

static int count_commit(void *userdata)
{
        (*(unsigned *)userdata)++;
        return 0;
}

struct reader {
        unsigned seen, stall_at;
        uint32_t first, last;
};

/* As the daemon does: a log.entry event for each new entry, in the entries' transaction. */
static void on_entry(void *userdata, const struct lk_log_entry *e, bool is_new)
{
        struct reader *rd = userdata;
        cJSON *o = cJSON_CreateObject();

        assert_true(is_new);
        cJSON_AddNumberToObject(o, "index", e->index);
        assert_int_equal(outbox_add(L.db, "log.entry", "front", o, NULL), 0);
        cJSON_Delete(o);
        if (!rd->first)
                rd->first = e->index;
        rd->last = e->index;
        if (++rd->seen == rd->stall_at)
                h_ctl_ok(&L.h[0], "fault stall"); /* the lock falls silent mid-stream */
}

static int64_t stored_after(uint32_t cursor)
{
        char sql[160];

        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM log_entries WHERE lock = 'front' AND idx > %u", cursor);
        return life_sql_int(&L, sql);
}

/* Catch up, then make n new entries; the cursor before them. */
static uint32_t fresh_entries(unsigned n)
{
        struct logsync_result res;
        sd_event *e = NULL;
        struct session *s = life_session(&L, 0, &e);

        assert_int_equal(logsync_fetch(s, L.db, "front", false, NULL, NULL, NULL, &res), 0);
        session_free(s);
        sd_event_unref(e);
        for (unsigned i = 0; i < n; i++)
                h_ctl_ok(&L.h[0], i % 2 ? "type-code 999999" : "type-code 888888");
        return res.cursor;
}

static void commits_in_batches(void **state)
{
        struct reader rd = { 0 };
        struct logsync_result res;
        unsigned commits = 0;
        uint32_t cursor = fresh_entries(120);
        int64_t events = life_events(&L, "log.entry");
        sd_event *e = NULL;
        struct session *s = life_session(&L, 0, &e);

        (void)state;
        sqlite3_commit_hook(db_handle(L.db), count_commit, &commits);
        assert_int_equal(logsync_fetch(s, L.db, "front", false, on_entry, NULL, &rd, &res), 0);
        assert_int_equal(res.received, 120);
        assert_int_equal(res.stored, 120);
        /* 50, 100, and the last 20 at the end: 3 commits for 120 entries and their events. */
        assert_int_equal(commits, (120 + LOGSYNC_COMMIT_ENTRIES - 1) / LOGSYNC_COMMIT_ENTRIES);
        assert_int_equal(stored_after(cursor), 120);
        assert_int_equal(life_events(&L, "log.entry") - events, 120);
        assert_int_equal(res.cursor, rd.last);

        /* Nothing new: nothing written. */
        commits = 0;
        assert_int_equal(logsync_fetch(s, L.db, "front", false, on_entry, NULL, &rd, &res), 0);
        assert_int_equal(res.received, 0);
        assert_int_equal(commits, 0);
        sqlite3_commit_hook(db_handle(L.db), NULL, NULL);
        session_free(s);
        sd_event_unref(e);
}

static void cut_short_resumes(void **state)
{
        struct reader rd = { .stall_at = 70 }, rd2 = { 0 };
        struct logsync_result res;
        uint32_t cursor = fresh_entries(120);
        int64_t events = life_events(&L, "log.entry");
        sd_event *e = NULL;
        struct session *s;

        (void)state;
        h_ctl_ok(&L.h[0], "link indicate-ms 10"); /* entries trickle (1.2 s in all): the stall cuts the stream */
        s = life_session(&L, 0, &e);
        assert_true(logsync_fetch(s, L.db, "front", false, on_entry, NULL, &rd, &res) < 0);
        session_free(s);
        sd_event_unref(e);
        /* Every entry that arrived is stored, with its event, in the open batch too. */
        assert_true(rd.seen >= 70 && rd.seen < 120);
        assert_int_equal(res.received, rd.seen);
        assert_int_equal(stored_after(cursor), rd.seen);
        assert_int_equal(life_events(&L, "log.entry") - events, rd.seen);
        assert_int_equal(res.cursor, rd.last);

        h_ctl_ok(&L.h[0], "fault clear");
        s = life_session(&L, 0, &e);
        assert_int_equal(logsync_fetch(s, L.db, "front", false, on_entry, NULL, &rd2, &res), 0);
        session_free(s);
        sd_event_unref(e);
        /* The rest, from the next index on: nothing lost, nothing repeated. */
        assert_int_equal(rd2.first, rd.last + 1);
        assert_int_equal(rd.seen + rd2.seen, 120);
        assert_int_equal(stored_after(cursor), 120);
        assert_int_equal(life_events(&L, "log.entry") - events, 120);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(commits_in_batches, setup, teardown),
                cmocka_unit_test_setup_teardown(cut_short_resumes, setup, teardown),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("logsync", tests, NULL, NULL);
}
