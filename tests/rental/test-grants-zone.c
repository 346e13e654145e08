/* SPDX-License-Identifier: MIT */
/*
 * A property's time zone in the bookings document (docs/grants.md): checked against the tz
 * database at import, kept per property, one zone per lock across properties and imports, and
 * looked up per lock for reconcile. No lock needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "grants.h"
#include "lk-test.h"
#include "store.h"

struct tmpdb {
        char dir[64];
        struct store *st;
        struct db *db;
};

static struct tmpdb T;

static int setup(void **state)
{
        snprintf(T.dir, sizeof(T.dir), "/tmp/lk-zone-XXXXXX");
        assert_non_null(mkdtemp(T.dir));
        assert_int_equal(store_open(T.dir, &T.st), 0);
        assert_int_equal(db_open(T.st, &T.db), 0);
        assert_int_equal(grants_init(T.db), 0);
        return 0;
}

static int teardown(void **state)
{
        char cmd[128];

        db_free(T.db);
        store_free(T.st);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T.dir);
        (void)!system(cmd);
        return 0;
}

static int import(const char *doc, struct grants_error *err)
{
        struct grants_import_opts o = { .lead = -1, .grace = -1, .allow_cancel_all = true };
        struct grants_import_result res;

        memset(err, 0, sizeof(*err));
        return grants_import(T.db, doc, strlen(doc), "file", &o, &res, err);
}

static void expect_zone(const char *lock, int r, const char *zone)
{
        char z[TZDB_NAME_MAX + 1] = "";

        assert_int_equal(grants_lock_zone(T.db, lock, z), r);
        if (r == 0)
                assert_string_equal(z, zone);
}

#define PROP(id, zone, locks) "{\"id\": \"" id "\"" zone ", \"locks\": [" locks "]}"
#define DOC(props) "{\"version\": 1, \"properties\": [" props "], \"grants\": []}"

static void zone_kept_and_looked_up(void **state)
{
        struct grants_error err;

        assert_int_equal(import(DOC(PROP("flat", ", \"zone\": \"Europe/Berlin\"", "\"front\", \"back\"") ","
                                    PROP("shop", "", "\"shop-door\"")),
                                &err),
                         0);
        expect_zone("front", 0, "Europe/Berlin");
        expect_zone("back", 0, "Europe/Berlin");
        expect_zone("shop-door", -ENOENT, NULL); /* no zone named */
        expect_zone("nowhere", -ENOENT, NULL);
        /* A shared lock: both properties name the same zone. */
        assert_int_equal(import(DOC(PROP("hall", ", \"zone\": \"Europe/Berlin\"", "\"front\"")), &err), 0);
        expect_zone("front", 0, "Europe/Berlin");
        /* Importing the property again without a zone removes it; another zone replaces it. */
        assert_int_equal(import(DOC(PROP("hall", "", "\"front\"") "," PROP("flat", "", "\"front\", \"back\"")), &err), 0);
        expect_zone("back", -ENOENT, NULL);
        assert_int_equal(import(DOC(PROP("flat", ", \"zone\": \"America/New_York\"", "\"front\", \"back\"")), &err), 0);
        expect_zone("back", 0, "America/New_York");
}

static void bad_zones_refused(void **state)
{
        static const char *const bad[] = {
                DOC(PROP("flat", ", \"zone\": \"Europe/Nowhere\"", "\"front\"")),
                DOC(PROP("flat", ", \"zone\": \"../../etc/passwd\"", "\"front\"")),
                DOC(PROP("flat", ", \"zone\": \"\"", "\"front\"")),
                DOC(PROP("flat", ", \"zone\": 37", "\"front\"")),
                DOC(PROP("flat", ", \"zone\": \"CET-1CEST,M3.5.0,M10.5.0/3\"", "\"front\"")),
        };
        struct grants_error err;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(import(bad[i], &err), -EINVAL);
                assert_non_null(strstr(err.msg, "zone"));
        }
        expect_zone("front", -ENOENT, NULL); /* nothing written */
}

/* A lock keeps one zone: properties sharing it must agree, in one document or across imports. */
static void one_zone_per_lock(void **state)
{
        struct grants_error err;

        assert_int_equal(import(DOC(PROP("flat", ", \"zone\": \"Europe/Berlin\"", "\"front\"") ","
                                    PROP("hall", ", \"zone\": \"Europe/Vienna\"", "\"front\"")),
                                &err),
                         -EINVAL);
        assert_non_null(strstr(err.msg, "a lock keeps one zone"));
        expect_zone("front", -ENOENT, NULL);
        assert_int_equal(import(DOC(PROP("flat", ", \"zone\": \"Europe/Berlin\"", "\"front\"")), &err), 0);
        assert_int_equal(import(DOC(PROP("hall", ", \"zone\": \"Europe/Vienna\"", "\"front\"")), &err), -EINVAL);
        assert_non_null(strstr(err.msg, "'flat'"));
        /* ...unless the document moves the other property too. */
        assert_int_equal(import(DOC(PROP("hall", ", \"zone\": \"Europe/Vienna\"", "\"front\"") ","
                                    PROP("flat", ", \"zone\": \"Europe/Vienna\"", "\"front\"")),
                                &err),
                         0);
        expect_zone("front", 0, "Europe/Vienna");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(zone_kept_and_looked_up, setup, teardown),
                cmocka_unit_test_setup_teardown(bad_zones_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(one_zone_per_lock, setup, teardown),
        };

        return cmocka_run_group_tests_name("grants-zone", tests, NULL, NULL);
}
