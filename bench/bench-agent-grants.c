/* SPDX-License-Identifier: MIT */
/*
 * Bookings at scale (issue 10): CPU seconds of `grants import` (the whole call: strict JSON,
 * checks, one transaction, codes drawn and queued as code.issued) for
 *   - 1,000 and 10,000 bookings with drawn codes on one lock, and the growth between them;
 *   - one property with 50 doors and 10,000 bookings in all, each on every door (500,000 codes
 *     to check and draw against);
 * and the plan of every lock afterwards (`reconcile --plan`: 500,000 codes to plan). Targets:
 * 10,000 on one lock ≤ 2 s, 50 doors ≤ 15 s, growth 1,000 → 10,000 within 12× (linear).
 * A benchmark: it reports figures as ratios to the targets, measured in one run; it never fails
 * on time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "grants.h"
#include "lifecycle.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

#ifndef LK_BUILD_TYPE
#define LK_BUILD_TYPE "?"
#endif

static const int64_t NOW = 1893456000; /* 2030-01-01T00:00:00Z: every stay lies ahead */

static double cpu_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* n bookings without codes on a property of `doors` locks: one every 6 hours, two nights each. */
static char *make_doc(unsigned n, unsigned doors)
{
        char *doc = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&doc, &len);

        if (!f)
                return NULL;
        fprintf(f, "{\"version\":1,\"properties\":[{\"id\":\"estate\",\"locks\":[");
        for (unsigned d = 0; d < doors; d++)
                fprintf(f, "%s\"door-%02u\"", d ? "," : "", d);
        fprintf(f, "]}],\"grants\":[");
        for (unsigned i = 0; i < n; i++) {
                char in[32], out[32];
                int64_t t = NOW + 86400 + (int64_t)i * 6 * 3600;

                time_format_utc(t, in, sizeof(in));
                time_format_utc(t + 2 * 86400, out, sizeof(out));
                fprintf(f, "%s{\"id\":\"BK-%06u\",\"property\":\"estate\",\"guest\":\"Guest %u\",\"check_in\":\"%s\","
                           "\"check_out\":\"%s\"}",
                        i ? "," : "", i, i, in, out);
        }
        fprintf(f, "]}");
        fclose(f);
        return doc;
}

struct run {
        double import_s, plan_s;
        unsigned generated;
};

static int one(unsigned n, unsigned doors, bool plan, struct run *ret)
{
        char dir[] = "/tmp/latchkey-bench-grants.XXXXXX", cmd[128];
        struct grants_import_opts o = { .now = NOW, .lead = -1, .grace = -1 };
        struct grants_import_result *res = calloc(1, sizeof(*res));
        struct grants_error err = { { 0 } };
        struct lifecycle_opts lo;
        struct store *st = NULL;
        struct db *db = NULL;
        char *doc = make_doc(n, doors);
        double t0;
        cJSON *j = NULL;
        int r;

        if (!res || !doc || !mkdtemp(dir))
                return -ENOMEM;
        r = store_open(dir, &st);
        if (r >= 0)
                r = db_open(st, &db);
        if (r >= 0)
                r = grants_init(db);
        if (r < 0)
                goto out;
        t0 = cpu_seconds();
        r = grants_import(db, doc, strlen(doc), "file", &o, res, &err);
        ret->import_s = cpu_seconds() - t0;
        ret->generated = res->generated;
        if (r < 0) {
                fprintf(stderr, "import failed: %s\n", err.msg);
                goto out;
        }
        if (plan) {
                lifecycle_opts_default(&lo);
                t0 = cpu_seconds();
                r = lifecycle_plan_dry(db, NULL, NOW + 86400 + 3600, &lo, &j);
                ret->plan_s = cpu_seconds() - t0;
                cJSON_Delete(j);
        }
out:
        db_free(db);
        store_free(st);
        free(doc);
        free(res);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", dir);
        return r;
}

int main(void)
{
        struct run small = { 0 }, big = { 0 }, estate = { 0 };

        if (sodium_init() < 0)
                return 1;
        printf("grants import, CPU seconds (build type %s); targets from issue 10\n", LK_BUILD_TYPE);
        if (one(1000, 1, false, &small) < 0 || one(10000, 1, false, &big) < 0 || one(10000, 50, true, &estate) < 0)
                return 1;
        printf("%-52s %8s %8s %8s\n", "job", "cpu", "target", "ratio");
        printf("%-52s %7.3fs %8s %8s\n", "1,000 bookings, drawn codes, 1 lock", small.import_s, "-", "-");
        printf("%-52s %7.3fs %7.1fs %7.3fx\n", "10,000 bookings, drawn codes, 1 lock", big.import_s, 2.0, big.import_s / 2.0);
        printf("%-52s %7.3fs %7.1fs %7.3fx\n", "10,000 bookings x 50 doors (500,000 codes)", estate.import_s, 15.0,
               estate.import_s / 15.0);
        printf("%-52s %7.3fs %8s %8s\n", "  then reconcile --plan of all 50 doors", estate.plan_s, "-", "-");
        printf("%-52s %7.2fx %7.1fx %7.3fx\n", "growth 1,000 -> 10,000 bookings (10x more)", big.import_s / small.import_s,
               12.0, big.import_s / small.import_s / 12.0);
        printf("codes drawn: %u, %u, %u (each queued as code.issued)\n", small.generated, big.generated, estate.generated);
        return 0;
}
