/* SPDX-License-Identifier: MIT */
/*
 * Upstream sync (issue 6, docs/sync.md, docs/openapi.yaml): pull the grants with
 * If-None-Match, hand them to the lifecycle engine, push the outbox in batches, oldest first.
 *
 * What is kept in state.db (table sync_state): the ETag of the last grants document the
 * lifecycle engine accepted, the upstream back-off (consecutive failures, the time before
 * which we do not call again), when we last pulled and pushed, and the last error.
 *
 * Failures: every event stays in the outbox until the upstream acknowledges it by id.
 *   - transport errors, timeouts, TLS failures, 408, 429, 5xx, a 2xx we cannot parse or that
 *     acknowledges nothing, and 401/403/404/405 (our credentials or URL, not the events):
 *     the events are kept, the attempt is counted, and the upstream is backed off
 *     exponentially with jitter, capped (Retry-After is honoured up to the cap);
 *   - any other 4xx on a batch: the batch is halved until the event the upstream refuses is
 *     alone, which is then marked rejected with the reason; the rest carry on.
 * A cycle sends at most 2 × pending + 16 requests, so it always ends.
 *
 * Blocking (libcurl easy interface): each request is bounded by the total timeout.
 * Time is passed in as UTC seconds so tests (and the daemon) decide what "now" is.
 */
#pragma once

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "http.h"

#define SYNC_PATH_MAX 4095
#define SYNC_BATCH_MAX 1000
#define SYNC_GRANTS_MAX 100000 /* grants in one document; more is refused with -EMSGSIZE */

/* The [upstream] section of the daemon's configuration (docs/sync.md lists every key). */
struct sync_config {
        char url[HTTP_URL_MAX + 1];                 /* url: base, https:// only; /v1/... is appended */
        char token_file[SYNC_PATH_MAX + 1];         /* token_file: bearer token, 0600 (or a credential) */
        char ca_file[SYNC_PATH_MAX + 1];            /* ca_file: PEM bundle; "" = system store */
        char client_cert_file[SYNC_PATH_MAX + 1];   /* client_cert_file: PEM; "" = none */
        char client_key_file[SYNC_PATH_MAX + 1];    /* client_key_file: PEM, 0600 */
        char proxy[HTTP_URL_MAX + 1];               /* proxy: "" = none (environment ignored) */
        uint64_t connect_timeout_ms;                /* connect_timeout: default 10 s */
        uint64_t timeout_ms;                        /* timeout: whole request, default 30 s */
        unsigned batch_size;                        /* batch_size: events per POST, default 100 */
        size_t max_response_bytes;                  /* max_response_size: default 4 MiB */
        unsigned backoff_min_sec;                   /* backoff_min: default 5 s */
        unsigned backoff_max_sec;                   /* backoff_max: default 900 s */
        unsigned pull_interval_sec;                 /* pull_interval: default 300 s */
};

void sync_config_defaults(struct sync_config *c);
/*
 * Set one key from the INI file (the daemon's inih handler calls this for [upstream]).
 * Durations use the one grammar (duration.h: "1500ms", "30", "30s", "5m", "1h", "1d"; backoff_*
 * and pull_interval in whole seconds); sizes "4096", "64k", "4M".
 * -ENOENT unknown key, -EINVAL bad value, -EPROTONOSUPPORT for a URL that is not https://.
 */
int sync_config_set(struct sync_config *c, const char *key, const char *value);
/*
 * What key takes, as a phrase for an error message ("a duration from 100ms to 10m", "a number
 * from 1 to 1000"): the numbers sync_config_set checks. -ENOENT for an unknown key.
 */
int sync_config_allowed(const char *key, char *buf, size_t size);
/* Whole-config check: a URL is set and https://, cert and key come together, limits hold. */
int sync_config_check(const struct sync_config *c);

/*
 * A pulled grants document (docs/openapi.yaml GrantsDocument, the same format as
 * docs/grants.md's import file). Its shape is checked before the handler sees it (an object
 * with a "grants" array and, if present, a "properties" array); the fields are the handler's
 * to validate. Everything is borrowed for the duration of the call.
 */
struct sync_grants_doc {
        const char *text;  /* the body as received, NUL-terminated */
        size_t len;
        const cJSON *doc;  /* the same, parsed */
        const char *etag;  /* "" when the upstream sent none */
};

/*
 * The lifecycle engine's handler. Return >= 0 when the document is stored: only then is its
 * ETag kept, so a failed apply is pulled again in full next time. On failure return -EINVAL (the
 * document is invalid), -ECANCELED (it would cancel stays by leaving them out: the wipe guard) or
 * another -errno (not stored), and write a short reason into errbuf: it is reported, and sent
 * upstream once per ETag as a "grants.refused" event (reason and detail) so the upstream learns
 * its document was refused and why.
 */
typedef int (*sync_grants_fn)(void *userdata, const struct sync_grants_doc *g, char *errbuf, size_t errsize);

/* The handler that imports into the lifecycle engine's tables (grants_import(), source
 * "upstream"); userdata is the struct db *. */
int sync_grants_import(void *userdata, const struct sync_grants_doc *g, char *errbuf, size_t errsize);

struct sync;

/* What a cycle did; filled by sync_pull/sync_push/sync_run. */
struct sync_result {
        bool pull_attempted;
        bool pulled;            /* 200 with a valid document */
        bool not_modified;      /* 304 */
        bool applied;           /* the handler accepted it (ETag stored) */
        unsigned grants;        /* grants in the pulled document */
        long pull_status;       /* HTTP status, 0 if none */
        int pull_error;         /* 0 or -errno */

        bool push_attempted;
        unsigned batches;       /* POSTs sent */
        unsigned acked;         /* events the upstream accepted this cycle (duplicates included) */
        unsigned duplicates;    /* of which the upstream already had */
        unsigned rejected;      /* refused for good (4xx) */
        long push_status;       /* last HTTP status, 0 if none */
        int push_error;         /* 0 or -errno */

        unsigned pending;       /* still in the outbox after the cycle */
        unsigned failures;      /* consecutive upstream failures (0 after a success) */
        int64_t next_attempt_at; /* UTC seconds: when the daemon should call sync_run again */
        char error[256];        /* the last error, for logs and the CLI; "" if none */
};

/*
 * Reads the token (refused with -EPERM if others can read the file), checks the config
 * (-EPROTONOSUPPORT for http://), creates the outbox and sync tables. db is borrowed.
 */
int sync_new(struct db *db, const struct sync_config *cfg, struct sync **ret);
struct sync *sync_free(struct sync *s);

/* Without a handler a pull still fetches and checks the document but keeps no ETag. */
void sync_set_grants_handler(struct sync *s, sync_grants_fn fn, void *userdata);

/* One GET /v1/grants. 0 on 200 (applied or not) and 304; -errno otherwise (res says more). */
int sync_pull(struct sync *s, int64_t now, struct sync_result *res);
/* Push every due event in batches. 0 when the upstream answered every batch; -errno when it
 * failed (the events are kept and the back-off is set). */
int sync_push(struct sync *s, int64_t now, struct sync_result *res);
/*
 * One cycle: pull (when due, or force), then push (unless the pull failed in transit).
 * Without force, returns -EAGAIN while backed off. res->next_attempt_at is always set.
 */
int sync_run(struct sync *s, int64_t now, bool force, struct sync_result *res);

/* When the next cycle is due (UTC seconds; <= now means now). */
int sync_next_attempt(struct sync *s, int64_t now, int64_t *ret);
/* The network came back: forget the back-off so the next cycle runs at once. */
int sync_reset_backoff(struct sync *s);
/* Forget the stored ETag (the lifecycle engine lost its grants): the next pull is a full one. */
int sync_forget_etag(struct db *db);
