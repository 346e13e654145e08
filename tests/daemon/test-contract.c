/* SPDX-License-Identifier: MIT */
/*
 * The contract is the code (issue 10): the real agent — `latchkey daemon --once` against a
 * virtual lock and the test upstream over TLS — produces every event type it sends, and each
 * POST body the upstream received, and each grants document it served, is validated against
 * docs/openapi.yaml with a real JSON Schema validator (Debian's python3-jsonschema,
 * tests/upstream/validate.py). A payload that drifts from the document fails here.
 */
#include "harness.h"
#include "upstream/upstream.h"

#include <sodium.h>
#include <time.h>

#include "timefmt.h"

#define VALIDATE LK_SOURCE_DIR "/tests/upstream/validate.py"
#define OPENAPI LK_SOURCE_DIR "/docs/openapi.yaml"

static struct harness H;
static struct upstream U;
static char conf[300], token[300];

/* python3 validate.py OPENAPI ARGS...: its exit code. */
static int validate(const char *a, const char *b, const char *c)
{
        char *argv[] = { (char *)UP_PYTHON, (char *)VALIDATE, (char *)OPENAPI, (char *)a, (char *)b, (char *)c, NULL };

        return up_spawn_wait(argv);
}

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

/* Serve doc (also kept in dir/docN.json for validation), then one daemon pass. */
static int pass(const char *doc, unsigned n)
{
        char path[400];
        cJSON *j = NULL;
        int rc;

        snprintf(path, sizeof(path), "%s/doc%u.json", H.dir, n);
        write_text(path, doc);
        up_ok(&U, "grants %s", doc);
        rc = h_cli(&H, NULL, &j, "daemon", "--once", "--config", conf, NULL);
        cJSON_Delete(j);
        return rc;
}

/* n codes someone else made (one `code import`). */
static void fill_lock(unsigned n)
{
        char path[400], *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        cJSON *j;

        fprintf(f, "{\"codes\":[");
        for (unsigned i = 0; i < n; i++) {
                uint32_t v = 0, x = i;

                for (int d = 0; d < 5; d++, x /= 9) /* 9xxxxx, digits 1-9: valid and distinct */
                        v = v * 10 + x % 9 + 1;
                fprintf(f, "%s{\"name\":\"Staff %u\",\"code\":%u}", i ? "," : "", i, 900000 + v);
        }
        fprintf(f, "]}");
        fclose(f);
        snprintf(path, sizeof(path), "%s/staff.json", H.dir);
        h_secret(path, text);
        free(text);
        (void)h_cli(&H, NULL, &j, "code", "import", path, NULL);
        cJSON_Delete(j);
}

static void stay(char *buf, size_t size, const char *id, int64_t in, int64_t out, const char *extra)
{
        char a[32], b[32];

        time_format_utc(in, a, sizeof(a));
        time_format_utc(out, b, sizeof(b));
        snprintf(buf, size, "{\"id\":\"%s\",\"property\":\"villa-7\",\"guest\":\"Guest %s\",\"check_in\":\"%s\","
                            "\"check_out\":\"%s\"%s}", id, id, a, b, extra);
}

static void real_events_match_the_contract(void **state)
{
        const int64_t now = (int64_t)time(NULL), day = 86400;
        char doc[4096], g1[400], g2[400], g3[400], path[400];
        const char *types[] = { "code.issued", "code.provisioned", "code.removed", "code.failed", "code.conflict",
                                "code.unmanaged", "log.entry", "lock.state", "grants.refused" };
        cJSON *batches, *b, *e, *j;
        char *answer;
        unsigned n = 0;

        (void)state;
        /* A cleaner's code on the lock (unmanaged), typed once (a keypad log entry). */
        assert_int_equal(h_cli(&H, "345678\n", &j, "code", "add", "--name", "Cleaner", "--code-file", "-", NULL), 0);
        cJSON_Delete(j);
        h_ctl_ok(&H, "type-code 345678");

        /* 1: a stay in progress with a drawn code (code.issued, code.provisioned), one whose explicit
         * code is the cleaner's (code.conflict); the log and the state go up too. */
        stay(g1, sizeof(g1), "BK-1", now - day, now + 2 * day, "");
        stay(g2, sizeof(g2), "BK-2", now + day, now + 3 * day, ",\"code\":\"345678\"");
        snprintf(doc, sizeof(doc), "{\"version\":1,\"properties\":[{\"id\":\"villa-7\",\"name\":\"Villa 7\","
                                   "\"locks\":[{\"lock\":\"front-door\",\"guest_access\":true}]}],\"grants\":[%s,%s]}", g1, g2);
        (void)pass(doc, 1); /* (its exit code says how the locks fared; the events are what matter here) */
        /* 2: a feed that leaves out the stay in progress: refused (grants.refused). */
        snprintf(doc, sizeof(doc), "{\"version\":1,\"properties\":[{\"id\":\"villa-7\",\"locks\":[\"front-door\"]}],"
                                   "\"grants\":[%s]}", g2);
        (void)pass(doc, 2);
        /* 3: the lock is full (98 staff codes more): a new stay's code has no room (code.failed). */
        fill_lock(98);
        stay(g3, sizeof(g3), "BK-3", now, now + day, ",\"code\":\"567891\",\"weekdays\":\"all\",\"daily\":\"00:00-00:00\"");
        snprintf(doc, sizeof(doc), "{\"version\":1,\"properties\":[{\"id\":\"villa-7\",\"locks\":[\"front-door\"]}],"
                                   "\"grants\":[%s,%s,%s]}", g1, g2, g3);
        (void)pass(doc, 3);
        /* 4: BK-1 cancelled explicitly (code.removed). */
        stay(g1, sizeof(g1), "BK-1", now - day, now + 2 * day, ",\"status\":\"cancelled\"");
        snprintf(doc, sizeof(doc), "{\"version\":1,\"properties\":[{\"id\":\"villa-7\",\"locks\":[\"front-door\"]}],"
                                   "\"grants\":[%s,%s,%s]}", g1, g2, g3);
        (void)pass(doc, 4);

        /* Every POST body, as received, against EventBatch; every served document against GrantsDocument. */
        answer = up_cmd(&U, "batches");
        batches = cJSON_Parse(answer);
        free(answer);
        assert_non_null(batches);
        assert_true(cJSON_GetArraySize(batches) > 0);
        cJSON_ArrayForEach(b, batches) {
                char *text = cJSON_PrintUnformatted(b);

                snprintf(path, sizeof(path), "%s/batch%u.json", H.dir, n++);
                write_text(path, text);
                free(text);
                if (validate("EventBatch", path, NULL) != 0)
                        fail_msg("%s does not match docs/openapi.yaml EventBatch (see above)", path);
        }
        for (unsigned i = 1; i <= 4; i++) {
                snprintf(path, sizeof(path), "%s/doc%u.json", H.dir, i);
                if (validate("GrantsDocument", path, NULL) != 0)
                        fail_msg("%s does not match docs/openapi.yaml GrantsDocument", path);
        }
        /* Every type the agent sends was exercised (so the check above covered them all). */
        for (size_t t = 0; t < ELEMENTSOF(types); t++) {
                bool seen = false;

                cJSON_ArrayForEach(b, batches)
                        cJSON_ArrayForEach(e, cJSON_GetObjectItem(b, "events"))
                                seen = seen || streq(cJSON_GetObjectItem(e, "type")->valuestring, types[t]);
                if (!seen)
                        fail_msg("no %s event reached the upstream", types[t]);
        }
        cJSON_Delete(batches);
}

/* The validator is a real one: a payload that drifts is caught, and the document itself is
 * valid JSON Schema 2020-12 whose examples validate. */
static void contract_catches_drift(void **state)
{
        char path[400];

        (void)state;
        assert_int_equal(validate("--check", NULL, NULL), 0);
        snprintf(path, sizeof(path), "%s/drift.json", H.dir);
        write_text(path, "{\"events\":[{\"id\":\"6a1f0c2e9d4b47a8b3c5d7e9f1a2b3c4\",\"type\":\"log.entry\",\"lock\":\"front-door\","
                         "\"created_at\":\"2026-11-19T13:59:59Z\",\"attempt\":1,"
                         "\"payload\":{\"index\":1,\"type\":5,\"auth_id\":0,\"kind\":\"keypad\",\"action\":\"unlock\"}}]}");
        assert_int_equal(validate("EventBatch", path, NULL), 1);
        write_text(path, "{\"events\":[{\"id\":\"6a1f0c2e9d4b47a8b3c5d7e9f1a2b3c4\",\"type\":\"lock.battery\","
                         "\"created_at\":\"2026-11-19T13:59:59Z\",\"attempt\":1,\"payload\":{\"percent\":64}}]}");
        assert_int_equal(validate("EventBatch", path, NULL), 1); /* a type the document does not declare */
}

static int group_setup(void **state)
{
        char line[1400];

        (void)state;
        h_init(&H, NULL);
        h_pair(&H, "front-door");
        up_make_pki(H.dir);
        snprintf(token, sizeof(token), "%s/token", H.dir);
        h_secret(token, "contract-token_0123456789\n");
        up_start(&U, H.dir, "server", NULL, token);
        snprintf(conf, sizeof(conf), "%s/latchkey.conf", H.dir);
        snprintf(line, sizeof(line), "[upstream]\nurl = %s\ntoken_file = %s\nca_file = %s/pki/ca.crt\n", U.url, token, H.dir);
        write_text(conf, line);
        return 0;
}

static int group_teardown(void **state)
{
        (void)state;
        up_stop(&U);
        h_cleanup(&H);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(real_events_match_the_contract),
                cmocka_unit_test(contract_catches_drift),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("contract", tests, group_setup, group_teardown);
}
