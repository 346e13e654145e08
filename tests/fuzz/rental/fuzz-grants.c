/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the bookings document parser (grants import: a file or the upstream's JSON) into a real
 * state database. Property: a refused document changes nothing; an accepted one imported
 * twice changes nothing the second time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "grants.h"
#include "store.h"

static struct store *st;
static struct db *db;

static void setup(void)
{
        char dir[] = "/tmp/lk-fuzz-grants-XXXXXX";

        if (!mkdtemp(dir) || store_open(dir, &st) < 0 || db_open(st, &db) < 0 || grants_init(db) < 0)
                abort();
}

static long long count(const char *table)
{
        char sql[128];
        long long n = -1;
        sqlite3_stmt *s;

        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
        if (sqlite3_prepare_v2(db_handle(db), sql, -1, &s, NULL) != SQLITE_OK)
                abort();
        if (sqlite3_step(s) == SQLITE_ROW)
                n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct grants_import_result res;
        struct grants_error err;
        long long before_g, before_p;
        int r;

        if (!db)
                setup();
        if (size > 64 * 1024)
                return 0;
        before_g = count("lc_grants");
        before_p = count("lc_properties");
        r = grants_import(db, (const char *)data, size, "fuzz", NULL, &res, &err);
        if (r < 0) {
                if (count("lc_grants") != before_g || count("lc_properties") != before_p)
                        abort(); /* a refused document wrote something */
                return 0;
        }
        r = grants_import(db, (const char *)data, size, "fuzz", NULL, &res, &err);
        if (r < 0 || res.added || res.updated)
                abort(); /* not idempotent */
        return 0;
}
