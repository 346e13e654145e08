/* SPDX-License-Identifier: MIT */
/*
 * codes_batch (issue 12) against a real virtual lock: adds, updates and removes in one pass
 * with one listing before and one after (counted in client writes), errors about one record
 * that let the rest go on, a refused PIN that stops the batch after one attempt, and link
 * drops before and after every write that never make a duplicate and converge on a rerun.
 */
#include "harness-life.h"

#include <sodium.h>

#include "codes.h"
#include "session.h"

static const char *const lock_names[] = { "front" };
/* Writes the agent makes when a session comes up, before any command: the lock's identity check
 * (a challenge, then Request Config for its Nuki ID; agent.h). */
#define SESSION_CHECK_WRITES 2u

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

static struct lk_keypad_code rec(const char *name, uint32_t code, int until_day)
{
        struct lk_keypad_code c = { .code = code, .enabled = true };

        snprintf(c.name, sizeof(c.name), "%s", name);
        if (until_day) {
                c.window.time_limited = true;
                c.window.from = (struct lk_datetime){ .year = 2030, .month = 1, .day = 1 };
                c.window.until = (struct lk_datetime){ .year = 2030, .month = 1, .day = (uint8_t)until_day };
                c.window.weekdays = 0x7f;
                c.window.until_time = (struct lk_time){ .hour = 23, .minute = 59 };
        }
        return c;
}

/* The lock's table, read independently of the batch. */
static size_t table(struct session *s, struct lk_keypad_code *v)
{
        size_t n = 0;

        assert_int_equal(lockops_codes_list(s, v, CODES_MAX, &n, NULL, NULL), 0);
        return n;
}

static const struct lk_keypad_code *by_code(const struct lk_keypad_code *v, size_t n, uint32_t code, int *ret_count)
{
        const struct lk_keypad_code *found = NULL;

        *ret_count = 0;
        for (size_t i = 0; i < n; i++)
                if (v[i].code == code) {
                        found = found ? found : &v[i];
                        (*ret_count)++;
                }
        return found;
}

/* Empty the lock, then put A, B and C on it (no faults); their ids in ids[0..2]. */
static void start_state(struct session *s, uint16_t ids[3])
{
        static struct lk_keypad_code v[CODES_MAX];
        struct codes_batch_item it[3] = {
                { .want = rec("Alpha", 234567, 0) }, { .want = rec("Bravo", 345678, 5) }, { .want = rec("Charlie", 456789, 0) },
        };
        size_t n = table(s, v);

        for (size_t i = 0; i < n; i++)
                assert_int_equal(lockops_code_remove(s, v[i].id), 0);
        assert_int_equal(codes_batch(s, NULL, 0, it, 3), 0);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(it[i].result, 0);
                ids[i] = it[i].outcome.id;
        }
}

/* Remove A, update B's window (whole record), add D and E. */
static void mixed(struct codes_batch_item it[4], const uint16_t ids[3])
{
        it[0] = (struct codes_batch_item){ .op = CODES_OP_REMOVE, .id = ids[0] };
        it[1] = (struct codes_batch_item){ .op = CODES_OP_UPDATE, .id = ids[1], .want = rec("Bravo Longer", 345678, 9) };
        it[2] = (struct codes_batch_item){ .op = CODES_OP_ADD, .want = rec("Delta", 567891, 7) };
        it[3] = (struct codes_batch_item){ .op = CODES_OP_ADD, .want = rec("Echo", 678912, 0) };
}

/* The lock holds exactly B (updated), C, D, E, each once. */
static void assert_wanted(struct session *s)
{
        static struct lk_keypad_code v[CODES_MAX];
        size_t n = table(s, v);
        const struct lk_keypad_code *b;
        int count;

        assert_int_equal(n, 4);
        assert_null(by_code(v, n, 234567, &count));
        b = by_code(v, n, 345678, &count);
        assert_int_equal(count, 1);
        assert_string_equal(b->name, "Bravo Longer");
        assert_int_equal(b->window.until.day, 9);
        by_code(v, n, 456789, &count);
        assert_int_equal(count, 1);
        by_code(v, n, 567891, &count);
        assert_int_equal(count, 1);
        by_code(v, n, 678912, &count);
        assert_int_equal(count, 1);
}

static void one_listing_each_end(void **state)
{
        static struct lk_keypad_code v[CODES_MAX];
        struct codes_batch_item it[4];
        struct session_stats a, b;
        uint16_t ids[3];
        sd_event *e = NULL;
        struct session *s = life_session(&L, 0, &e);
        size_t n;

        (void)state;
        start_state(s, ids);
        mixed(it, ids);
        a = *session_stats(s);
        assert_int_equal(codes_batch(s, NULL, 0, it, 4), 0);
        b = *session_stats(s);
        /* A listing (challenge + request), four writes (challenge + command each), a listing. */
        assert_int_equal(b.writes - a.writes, 2 + 4 * 2 + 2);
        for (int i = 0; i < 4; i++) {
                assert_int_equal(it[i].result, 0);
                assert_false(it[i].outcome.already);
        }
        assert_string_equal(it[1].outcome.record.name, "Bravo Longer");
        assert_int_equal(it[1].outcome.id, ids[1]);
        assert_wanted(s);

        /* With the caller's listing (reconcile's): no listing before; nothing to do costs nothing but the check. */
        n = table(s, v);
        mixed(it, ids);
        a = *session_stats(s);
        assert_int_equal(codes_batch(s, v, n, it, 4), 0);
        b = *session_stats(s);
        assert_int_equal(b.writes - a.writes, 2);
        assert_int_equal(it[0].result, -ENOENT); /* gone already */
        for (int i = 1; i < 4; i++) {
                assert_int_equal(it[i].result, 0);
                assert_true(it[i].outcome.already);
        }
        sodium_memzero(v, sizeof(v));
        session_free(s);
        sd_event_unref(e);
}

/* Errors about one record stay with it; the others are written. Removing first makes room. */
static void item_errors_go_on(void **state)
{
        static struct lk_keypad_code v[CODES_MAX];
        static struct codes_batch_item fill[CODES_MAX];
        struct codes_batch_item it[5];
        uint16_t ids[3];
        sd_event *e = NULL;
        struct session *s = life_session(&L, 0, &e);
        size_t n;

        (void)state;
        start_state(s, ids);
        it[0] = (struct codes_batch_item){ .op = CODES_OP_ADD, .want = rec("Not Alpha", 234567, 0) };
        it[1] = (struct codes_batch_item){ .op = CODES_OP_ADD, .want = rec("Bad code", 123456, 0) };
        it[2] = (struct codes_batch_item){ .op = CODES_OP_UPDATE, .id = 999, .want = rec("Nobody", 789123, 0) };
        it[3] = (struct codes_batch_item){ .op = CODES_OP_UPDATE, .id = ids[2], .want = rec("Charlie", 345678, 0) };
        it[4] = (struct codes_batch_item){ .op = CODES_OP_ADD, .want = rec("Foxtrot", 789123, 0) };
        assert_int_equal(codes_batch(s, NULL, 0, it, 5), 0);
        assert_int_equal(it[0].result, -EEXIST);
        assert_int_equal(it[0].outcome.id, ids[0]); /* the code in the way */
        assert_int_equal(it[1].result, -EINVAL);    /* spec §9.1: never starts with 12 */
        assert_int_equal(it[1].problem, LK_CODE_STARTS_WITH_12);
        assert_int_equal(it[2].result, -ENOENT);
        assert_int_equal(it[3].result, -EEXIST); /* Bravo has that value */
        assert_int_equal(it[4].result, 0);
        assert_int_equal(table(s, v), 4);

        /* Full: the 101st is refused without asking the lock, unless a removal comes first. */
        for (unsigned i = 0; i < CODES_MAX - 4; i++)
                fill[i] = (struct codes_batch_item){ .want = rec("Fill", 411111 + (i / 81 % 9) * 100 + (i / 9 % 9) * 10 + i % 9, 0) };
        assert_int_equal(codes_batch(s, NULL, 0, fill, CODES_MAX - 4), 0);
        for (unsigned i = 0; i < CODES_MAX - 4; i++)
                assert_int_equal(fill[i].result, 0);
        it[0] = (struct codes_batch_item){ .op = CODES_OP_ADD, .want = rec("Golf", 891234, 0) };
        assert_int_equal(codes_batch(s, NULL, 0, it, 1), 0);
        assert_int_equal(it[0].result, -ENOSPC);
        it[0] = (struct codes_batch_item){ .op = CODES_OP_REMOVE, .id = ids[0] };
        it[1] = (struct codes_batch_item){ .op = CODES_OP_ADD, .want = rec("Golf", 891234, 0) };
        assert_int_equal(codes_batch(s, NULL, 0, it, 2), 0);
        assert_int_equal(it[0].result, 0);
        assert_int_equal(it[1].result, 0);
        n = table(s, v);
        assert_int_equal(n, CODES_MAX);
        sodium_memzero(v, sizeof(v));
        session_free(s);
        sd_event_unref(e);
}

/* A PIN the lock refuses is sent once, not once per code: the batch stops. */
static void refused_pin_stops(void **state)
{
        static struct lk_keypad_code v[CODES_MAX];
        struct codes_batch_item it[3] = {
                { .want = rec("One", 512345, 0) }, { .want = rec("Two", 523456, 0) }, { .want = rec("Three", 534567, 0) },
        };
        struct session_stats a, b;
        struct lk_creds creds;
        sd_event *e = NULL;
        struct session *s = life_session(&L, 0, &e);
        size_t n = table(s, v);

        (void)state;
        assert_int_equal(store_creds_get(L.st, "front", &creds), 0);
        creds.pin.value = creds.pin.value == 1111 ? 2222 : 1111;
        session_set_creds(s, &creds);
        lk_creds_wipe(&creds);
        a = *session_stats(s);
        assert_int_equal(codes_batch(s, v, n, it, 3), 0);
        b = *session_stats(s);
        assert_true(it[0].result < 0);
        assert_int_equal(it[1].result, -ECANCELED);
        assert_int_equal(it[2].result, -ECANCELED);
        /* One add (challenge + command) and nothing more: not even the verifying listing, which
         * carries the PIN too. */
        assert_int_equal(b.writes - a.writes, 2);
        session_free(s);
        sd_event_unref(e);
        s = life_session(&L, 0, &e);
        assert_int_equal(table(s, v), n); /* nothing was added */
        sodium_memzero(v, sizeof(v));
        session_free(s);
        sd_event_unref(e);
}

/* The link dropped before or after each write of the mixed batch, or a reply lost: never a
 * duplicate, what the batch calls done is on the lock, and a rerun reaches the wanted table. */
static void link_faults_never_duplicate(void **state)
{
        const char *kinds[] = { "drop-before", "drop-after", "lose-reply" };
        struct codes_batch_item it[4];
        uint16_t ids[3];
        unsigned cut = 0;

        (void)state;
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
                for (unsigned w = 1; w <= (k == 2 ? 1u : 12u); w++) {
                        sd_event *e = NULL;
                        struct session *s = life_session(&L, 0, &e);
                        char fault[40];

                        start_state(s, ids);
                        session_free(s);
                        sd_event_unref(e);
                        /* The sim counts writes per connection, and every session starts with the
                         * lock's identity check: the batch's w-th write is the connection's
                         * (SESSION_CHECK_WRITES + w)-th. A lost reply is the next one after the
                         * session is up. */
                        snprintf(fault, sizeof(fault), k == 2 ? "fault %s" : "fault %s %u", kinds[k],
                                 SESSION_CHECK_WRITES + w);
                        if (k != 2)
                                h_ctl_ok(&L.h[0], fault);
                        s = life_session(&L, 0, &e);
                        if (k == 2)
                                h_ctl_ok(&L.h[0], fault);
                        mixed(it, ids);
                        assert_int_equal(codes_batch(s, NULL, 0, it, 4), 0);
                        for (int i = 0; i < 4; i++) {
                                if (it[i].result != 0) {
                                        assert_true(it[i].result == -ETIMEDOUT || it[i].result == -ENOTCONN ||
                                                    it[i].result == -ECONNRESET || it[i].result == -EPIPE ||
                                                    it[i].result == -ECONNABORTED || it[i].result == -ECONNREFUSED);
                                        cut++;
                                }
                        }
                        session_free(s);
                        sd_event_unref(e);
                        h_ctl_ok(&L.h[0], "fault clear");
                        s = life_session(&L, 0, &e);
                        /* What the batch called done is there, each value at most once. */
                        if (it[2].result == 0 && it[3].result == 0 && it[1].result == 0 && it[0].result == 0)
                                assert_wanted(s);
                        mixed(it, ids);
                        assert_int_equal(codes_batch(s, NULL, 0, it, 4), 0);
                        assert_true(it[0].result == 0 || it[0].result == -ENOENT); /* removed now, or before */
                        for (int i = 1; i < 4; i++)
                                assert_int_equal(it[i].result, 0);
                        assert_wanted(s);
                        session_free(s);
                        sd_event_unref(e);
                }
        print_message("link faults: %u items were left to a rerun\n", cut);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(one_listing_each_end, setup, teardown),
                cmocka_unit_test_setup_teardown(item_errors_go_on, setup, teardown),
                cmocka_unit_test_setup_teardown(refused_pin_stops, setup, teardown),
                cmocka_unit_test_setup_teardown(link_faults_never_duplicate, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
