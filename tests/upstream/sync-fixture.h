/* SPDX-License-Identifier: MIT */
/*
 * The fixture the sync tests share (tests/upstream/test-sync.c, tests/upstream/test-sync-grants.c): a throw-away
 * PKI, three test upstreams (trusted, another CA, client certificates required) and a state
 * directory per test.
 */
#pragma once

#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lk-test.h"
#include "upstream.h"

#include "cli.h"
#include "cmd-sync.h"
#include "db.h"
#include "http.h"
#include "outbox.h"
#include "store.h"
#include "sync.h"

#define TOKEN "test-token_0123456789.abc~+/="

#define GRANTS_WITH_OVERRIDE                                                                              \
        "{\"version\":1,\"properties\":[{\"id\":\"villa-7\",\"locks\":[{\"lock\":\"front-door\","     \
        "\"guest_access\":true}]}],\"grants\":[{\"id\":\"BK-1042\",\"property\":\"villa-7\","          \
        "\"guest\":\"Ana Silva\",\"check_in\":\"2026-11-22T15:00:00+01:00\","                            \
        "\"check_out\":\"2026-11-25T11:00:00+01:00\",\"locks\":{\"front-door\":{\"lead\":\"24h\"}}}]}"

/* check_out before check_in: the lifecycle engine refuses the document. */
#define GRANTS_INVALID                                                                                    \
        "{\"version\":1,\"properties\":[{\"id\":\"villa-7\",\"locks\":[]}],\"grants\":[{\"id\":\"BK-1\"," \
        "\"property\":\"villa-7\",\"guest\":\"X\",\"check_in\":\"2026-11-25T11:00:00Z\","               \
        "\"check_out\":\"2026-11-22T15:00:00Z\"}]}"

static struct {
        char dir[64];
        char token[128], ca[128], client_crt[128], client_key[128];
        struct upstream up;       /* trusted CA */
        struct upstream other;    /* a certificate from another CA */
        struct upstream mtls;     /* requires a client certificate */
} G;

struct fx {
        char dir[160];
        struct store *st;
        struct db *db;
        struct sync_config cfg;
        unsigned handled;     /* grants documents handed to the handler */
        int handler_ret;
};

static inline void write_file(const char *path, const char *text, mode_t mode)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, mode), 0);
}

static inline int group_setup(void **state)
{
        char mtls_ca[160];

        snprintf(G.dir, sizeof(G.dir), "/tmp/lk-sync-XXXXXX");
        assert_non_null(mkdtemp(G.dir));
        up_make_pki(G.dir);
        snprintf(G.token, sizeof(G.token), "%s/token", G.dir);
        snprintf(G.ca, sizeof(G.ca), "%s/pki/ca.crt", G.dir);
        snprintf(G.client_crt, sizeof(G.client_crt), "%s/pki/client.crt", G.dir);
        snprintf(G.client_key, sizeof(G.client_key), "%s/pki/client.key", G.dir);
        write_file(G.token, TOKEN "\n", 0600);
        snprintf(mtls_ca, sizeof(mtls_ca), "%s/pki/ca.crt", G.dir);
        up_start(&G.up, G.dir, "server", NULL, G.token);
        up_start(&G.other, G.dir, "other-server", NULL, G.token);
        up_start(&G.mtls, G.dir, "server", mtls_ca, G.token);
        return 0;
}

static inline int group_teardown(void **state)
{
        up_stop(&G.up);
        up_stop(&G.other);
        up_stop(&G.mtls);
        up_rmrf(G.dir);
        return 0;
}

static inline int handler(void *userdata, const struct sync_grants_doc *g, char *errbuf, size_t errsize)
{
        struct fx *f = userdata;

        f->handled++;
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(g->doc, "grants")));
        assert_int_equal(strlen(g->text), g->len);
        assert_true(g->etag[0] == '"');
        if (f->handler_ret < 0)
                snprintf(errbuf, errsize, "test handler says no");
        return f->handler_ret;
}

static inline int setup(void **state)
{
        static unsigned counter;
        struct fx *f = calloc(1, sizeof(*f));

        snprintf(f->dir, sizeof(f->dir), "%s/state-%u", G.dir, counter++);
        assert_int_equal(store_open(f->dir, &f->st), 0);
        assert_int_equal(db_open(f->st, &f->db), 0);
        assert_int_equal(outbox_init(f->db), 0);
        sync_config_defaults(&f->cfg);
        assert_int_equal(sync_config_set(&f->cfg, "url", G.up.url), 0);
        assert_int_equal(sync_config_set(&f->cfg, "token_file", G.token), 0);
        assert_int_equal(sync_config_set(&f->cfg, "ca_file", G.ca), 0);
        assert_int_equal(sync_config_set(&f->cfg, "timeout", "1500ms"), 0);
        assert_int_equal(sync_config_set(&f->cfg, "connect_timeout", "1s"), 0);
        assert_int_equal(sync_config_set(&f->cfg, "batch_size", "100"), 0);
        up_ok(&G.up, "reset");
        up_ok(&G.mtls, "reset");
        *state = f;
        return 0;
}

static inline int teardown(void **state)
{
        struct fx *f = *state;

        db_free(f->db);
        store_free(f->st);
        free(f);
        return 0;
}

static inline struct sync *new_sync(struct fx *f)
{
        struct sync *s = NULL;

        assert_int_equal(sync_new(f->db, &f->cfg, &s), 0);
        sync_set_grants_handler(s, handler, f);
        return s;
}

static inline void add_events(struct fx *f, unsigned n, const char *key, char ids[][OUTBOX_ID_SIZE + 1])
{
        for (unsigned i = 0; i < n; i++) {
                cJSON *p = cJSON_CreateObject();

                cJSON_AddNumberToObject(p, "n", i);
                if (key)
                        cJSON_AddTrueToObject(p, key);
                assert_int_equal(outbox_add(f->db, "log.entry", "front-door", p, ids ? ids[i] : NULL), 0);
                cJSON_Delete(p);
        }
}

static inline unsigned pending(struct fx *f)
{
        unsigned n;

        assert_int_equal(outbox_pending(f->db, &n), 0);
        return n;
}

