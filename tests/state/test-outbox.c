/* SPDX-License-Identifier: MIT */
/* The outbox (src/state/outbox.c): durable on return, oldest first, states, survives reopen and kill -9. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lk-test.h"
#include "upstream/upstream.h"

#include "db.h"
#include "outbox.h"
#include "store.h"

struct fx {
        char dir[64];
        struct store *st;
        struct db *db;
};

static void fx_open(struct fx *f)
{
        assert_int_equal(store_open(f->dir, &f->st), 0);
        assert_int_equal(db_open(f->st, &f->db), 0);
        assert_int_equal(outbox_init(f->db), 0);
}

static void fx_close(struct fx *f)
{
        f->db = db_free(f->db);
        f->st = store_free(f->st);
}

static int setup(void **state)
{
        struct fx *f = calloc(1, sizeof(*f));

        snprintf(f->dir, sizeof(f->dir), "/tmp/lk-outbox-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        fx_open(f);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;

        fx_close(f);
        up_rmrf(f->dir);
        free(f);
        return 0;
}

static void add_n(struct db *db, unsigned n, char ids[][OUTBOX_ID_SIZE + 1])
{
        for (unsigned i = 0; i < n; i++) {
                cJSON *p = cJSON_CreateObject();

                cJSON_AddNumberToObject(p, "n", i);
                assert_int_equal(outbox_add(db, "log.entry", "front-door", p, ids ? ids[i] : NULL), 0);
                cJSON_Delete(p);
        }
}

static void add_gives_unique_hex_ids(void **state)
{
        struct fx *f = *state;
        char ids[50][OUTBOX_ID_SIZE + 1];
        unsigned n;

        add_n(f->db, 50, ids);
        for (unsigned i = 0; i < 50; i++) {
                assert_int_equal(strlen(ids[i]), OUTBOX_ID_SIZE);
                assert_int_equal(strspn(ids[i], "0123456789abcdef"), OUTBOX_ID_SIZE);
                for (unsigned j = 0; j < i; j++)
                        assert_string_not_equal(ids[i], ids[j]);
        }
        assert_int_equal(outbox_pending(f->db, &n), 0);
        assert_int_equal(n, 50);
}

static void add_refuses_bad_input(void **state)
{
        struct fx *f = *state;
        cJSON *obj = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *big = cJSON_CreateObject();
        char *s = malloc(OUTBOX_PAYLOAD_MAX + 1);
        unsigned n;

        memset(s, 'a', OUTBOX_PAYLOAD_MAX);
        s[OUTBOX_PAYLOAD_MAX] = '\0';
        cJSON_AddStringToObject(big, "x", s);
        assert_int_equal(outbox_add(f->db, "", NULL, obj, NULL), -EINVAL);
        assert_int_equal(outbox_add(f->db, "Code.Added", NULL, obj, NULL), -EINVAL);
        assert_int_equal(outbox_add(f->db, "code added", NULL, obj, NULL), -EINVAL);
        assert_int_equal(outbox_add(f->db, "code.provisioned", "../etc", obj, NULL), -EINVAL);
        assert_int_equal(outbox_add(f->db, "code.provisioned", NULL, arr, NULL), -EINVAL);
        assert_int_equal(outbox_add(f->db, "code.provisioned", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(outbox_add(f->db, "code.provisioned", NULL, big, NULL), -EMSGSIZE);
        assert_int_equal(outbox_pending(f->db, &n), 0);
        assert_int_equal(n, 0);
        /* A lock is optional. */
        assert_int_equal(outbox_add(f->db, "code.provisioned", NULL, obj, NULL), 0);
        free(s);
        cJSON_Delete(obj);
        cJSON_Delete(arr);
        cJSON_Delete(big);
}

static void list_is_oldest_first_and_respects_due(void **state)
{
        struct fx *f = *state;
        char ids[10][OUTBOX_ID_SIZE + 1];
        struct outbox_event *ev;
        const char *late[2];
        size_t n;

        add_n(f->db, 10, ids);
        assert_int_equal(outbox_list(f->db, OUTBOX_PENDING, -1, 4, &ev, &n), 0);
        assert_int_equal(n, 4);
        for (size_t i = 0; i < n; i++) {
                assert_string_equal(ev[i].id, ids[i]);
                assert_string_equal(ev[i].type, "log.entry");
                assert_string_equal(ev[i].lock, "front-door");
                assert_int_equal(ev[i].attempts, 0);
                assert_true(ev[i].created_at > 1700000000);
                if (i > 0)
                        assert_true(ev[i].seq > ev[i - 1].seq);
        }
        outbox_events_free(ev, n);
        /* Two events are scheduled for later: not due now. */
        late[0] = ids[0];
        late[1] = ids[1];
        assert_int_equal(outbox_mark_attempt(f->db, late, 2, 5000, "HTTP 503"), 2);
        assert_int_equal(outbox_list(f->db, OUTBOX_PENDING, 4000, 100, &ev, &n), 0);
        assert_int_equal(n, 8);
        assert_string_equal(ev[0].id, ids[2]);
        outbox_events_free(ev, n);
        assert_int_equal(outbox_list(f->db, OUTBOX_PENDING, 5000, 100, &ev, &n), 0);
        assert_int_equal(n, 10);
        assert_string_equal(ev[0].id, ids[0]);
        assert_int_equal(ev[0].attempts, 1);
        assert_int_equal(ev[0].next_attempt_at, 5000);
        assert_string_equal(ev[0].reason, "HTTP 503");
        outbox_events_free(ev, n);
}

static void mark_acked_and_rejected(void **state)
{
        struct fx *f = *state;
        char ids[5][OUTBOX_ID_SIZE + 1];
        const char *a[3], *r1[1];
        struct outbox_event *ev;
        unsigned n;
        size_t k;

        add_n(f->db, 5, ids);
        a[0] = ids[0];
        a[1] = ids[2];
        a[2] = "ffffffffffffffffffffffffffffffff"; /* unknown: skipped */
        assert_int_equal(outbox_mark_acked(f->db, a, 3, 1000), 2);
        assert_int_equal(outbox_mark_acked(f->db, a, 3, 1001), 0); /* already acked: idempotent */
        r1[0] = ids[1];
        assert_int_equal(outbox_mark_rejected(f->db, r1, 1, "HTTP 422: bad", 1002), 1);
        assert_int_equal(outbox_mark_acked(f->db, r1, 1, 1003), 0); /* a rejected one stays rejected */
        assert_int_equal(outbox_pending(f->db, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(outbox_count(f->db, OUTBOX_ACKED, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(outbox_list(f->db, OUTBOX_REJECTED, 0, 10, &ev, &k), 0);
        assert_int_equal(k, 1);
        assert_string_equal(ev[0].id, ids[1]);
        assert_string_equal(ev[0].reason, "HTTP 422: bad");
        assert_int_equal(ev[0].done_at, 1002);
        outbox_events_free(ev, k);
        assert_int_equal(outbox_prune(f->db, 1002), 2); /* acked at 1000 (two), not the reject at 1002 */
        assert_int_equal(outbox_prune(f->db, 2000), 1);
        assert_int_equal(outbox_pending(f->db, &n), 0);
        assert_int_equal(n, 2);
}

static void survives_reopen(void **state)
{
        struct fx *f = *state;
        char ids[3][OUTBOX_ID_SIZE + 1];
        struct outbox_event *ev;
        unsigned n;
        size_t k;

        add_n(f->db, 3, ids);
        fx_close(f);
        fx_open(f);
        assert_int_equal(outbox_pending(f->db, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(outbox_list(f->db, OUTBOX_PENDING, -1, 10, &ev, &k), 0);
        assert_int_equal(k, 3);
        for (size_t i = 0; i < k; i++) {
                assert_string_equal(ev[i].id, ids[i]);
                cJSON *p = cJSON_Parse(ev[i].payload);

                assert_int_equal(cJSON_GetObjectItem(p, "n")->valueint, (int)i);
                cJSON_Delete(p);
        }
        outbox_events_free(ev, k);
}

/* Durable on return: a process killed right after outbox_add() returns has its event on disk. */
static void survives_kill_9(void **state)
{
        struct fx *f = *state;
        char ids[20][OUTBOX_ID_SIZE + 1];
        int pipefd[2], status;
        pid_t pid;
        unsigned n;

        assert_int_equal(pipe(pipefd), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct store *st;
                struct db *db;

                close(pipefd[0]);
                if (store_open(f->dir, &st) < 0 || db_open(st, &db) < 0 || outbox_init(db) < 0)
                        _exit(1);
                for (int i = 0; i < 20; i++) {
                        cJSON *p = cJSON_CreateObject();

                        if (outbox_add(db, "lock.state", "front-door", p, ids[i]) < 0)
                                _exit(1);
                        cJSON_Delete(p);
                        /* Tell the parent only once the call has returned. */
                        if (write(pipefd[1], ids[i], OUTBOX_ID_SIZE) != OUTBOX_ID_SIZE)
                                _exit(1);
                }
                raise(SIGKILL);
                _exit(2);
        }
        close(pipefd[1]);
        for (int i = 0; i < 20; i++) {
                assert_int_equal(read(pipefd[0], ids[i], OUTBOX_ID_SIZE), OUTBOX_ID_SIZE);
                ids[i][OUTBOX_ID_SIZE] = '\0';
        }
        close(pipefd[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        fx_close(f);
        fx_open(f);
        assert_int_equal(outbox_pending(f->db, &n), 0);
        assert_int_equal(n, 20);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(add_gives_unique_hex_ids, setup, teardown),
                cmocka_unit_test_setup_teardown(add_refuses_bad_input, setup, teardown),
                cmocka_unit_test_setup_teardown(list_is_oldest_first_and_respects_due, setup, teardown),
                cmocka_unit_test_setup_teardown(mark_acked_and_rejected, setup, teardown),
                cmocka_unit_test_setup_teardown(survives_reopen, setup, teardown),
                cmocka_unit_test_setup_teardown(survives_kill_9, setup, teardown),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("outbox", tests, NULL, NULL);
}
