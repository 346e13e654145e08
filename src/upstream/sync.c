/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "outbox.h"
#include "sync.h"
#include "util.h"

struct sync {
        struct db *db;
        struct http *http;
        struct sync_config cfg;
        char grants_url[HTTP_URL_MAX + 32];
        char events_url[HTTP_URL_MAX + 32];
        sync_grants_fn grants_fn;
        void *grants_userdata;
};

/* ---- sync_state: a tiny key/value table ------------------------------------------------- */

static int state_get_int(struct db *db, const char *key, int64_t def, int64_t *ret)
{
        sqlite3_stmt *st;
        int rc;

        if (sqlite3_prepare_v2(db_handle(db), "SELECT value FROM sync_state WHERE key = ?", -1, &st, NULL) !=
            SQLITE_OK)
                return -EIO;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        *ret = rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER ? sqlite3_column_int64(st, 0) : def;
        sqlite3_finalize(st);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

static int state_get_text(struct db *db, const char *key, char *buf, size_t size)
{
        sqlite3_stmt *st;
        int rc;

        buf[0] = '\0';
        if (sqlite3_prepare_v2(db_handle(db), "SELECT value FROM sync_state WHERE key = ?", -1, &st, NULL) !=
            SQLITE_OK)
                return -EIO;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
                snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

static int state_set(struct db *db, const char *key, const int64_t *num, const char *text)
{
        sqlite3_stmt *st;
        int rc;

        if (sqlite3_prepare_v2(db_handle(db), "INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", -1,
                               &st, NULL) != SQLITE_OK)
                return -EIO;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (num)
                sqlite3_bind_int64(st, 2, *num);
        else if (text)
                sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 2);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : -EIO;
}

static int state_set_int(struct db *db, const char *key, int64_t v)
{
        return state_set(db, key, &v, NULL);
}

int sync_forget_etag(struct db *db)
{
        return state_set(db, "etag", NULL, NULL);
}

/* ---- lifetime --------------------------------------------------------------------------- */

static int make_url(char *buf, size_t size, const char *base, const char *path)
{
        size_t n = strlen(base);

        while (n > 0 && base[n - 1] == '/')
                n--;
        if (snprintf(buf, size, "%.*s%s", (int)n, base, path) >= (int)size)
                return -ENAMETOOLONG;
        return 0;
}

/* A relative token_file is looked up in $CREDENTIALS_DIRECTORY (systemd LoadCredential=). */
static int resolve_credential(const char *file, char *buf, size_t size)
{
        const char *dir = getenv("CREDENTIALS_DIRECTORY");

        if (file[0] != '/' && dir && *dir) {
                if (snprintf(buf, size, "%s/%s", dir, file) >= (int)size)
                        return -ENAMETOOLONG;
        } else if (snprintf(buf, size, "%s", file) >= (int)size)
                return -ENAMETOOLONG;
        return 0;
}

int sync_new(struct db *db, const struct sync_config *cfg, struct sync **ret)
{
        struct http_options o;
        char path[SYNC_PATH_MAX + 1];
        struct sync *s;
        int r;

        r = sync_config_check(cfg);
        if (r < 0)
                return r;
        r = outbox_init(db); /* the tables come from db.c's migrations (db_open) */
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->db = db;
        s->cfg = *cfg;
        r = make_url(s->grants_url, sizeof(s->grants_url), cfg->url, "/v1/grants");
        if (r >= 0)
                r = make_url(s->events_url, sizeof(s->events_url), cfg->url, "/v1/events");
        if (r < 0)
                goto fail;
        o = (struct http_options){
                .ca_file = cfg->ca_file,
                .cert_file = cfg->client_cert_file,
                .key_file = cfg->client_key_file,
                .proxy = cfg->proxy,
                .connect_timeout_ms = cfg->connect_timeout_ms,
                .timeout_ms = cfg->timeout_ms,
                .max_body = cfg->max_response_bytes,
        };
        r = http_new(&o, &s->http);
        if (r < 0)
                goto fail;
        if (cfg->token_file[0]) {
                r = resolve_credential(cfg->token_file, path, sizeof(path));
                if (r >= 0)
                        r = http_load_token(s->http, path);
                if (r < 0)
                        goto fail;
        }
        *ret = s;
        return 0;
fail:
        sync_free(s);
        return r;
}

struct sync *sync_free(struct sync *s)
{
        if (!s)
                return NULL;
        http_free(s->http);
        free(s);
        return NULL;
}

void sync_set_grants_handler(struct sync *s, sync_grants_fn fn, void *userdata)
{
        s->grants_fn = fn;
        s->grants_userdata = userdata;
}

/* ---- back-off --------------------------------------------------------------------------- */

static void set_error(struct sync_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct sync_result *res, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(res->error, sizeof(res->error), fmt, ap);
        va_end(ap);
}

/*
 * Exponential back-off with "equal jitter": the n-th consecutive failure waits a uniformly
 * random time in [d/2, d], d = min(backoff_min × 2^(n-1), backoff_max). Retry-After from the
 * server raises it, up to backoff_max.
 */
static int64_t backoff_delay(const struct sync_config *cfg, int64_t failures, int64_t retry_after)
{
        uint64_t d = cfg->backoff_min_sec;

        for (int64_t i = 1; i < failures && d < cfg->backoff_max_sec; i++)
                d *= 2;
        if (d > cfg->backoff_max_sec)
                d = cfg->backoff_max_sec;
        d = d / 2 + randombytes_uniform((uint32_t)(d - d / 2 + 1));
        if (retry_after > 0 && (uint64_t)retry_after > d)
                d = (uint64_t)retry_after > cfg->backoff_max_sec ? cfg->backoff_max_sec : (uint64_t)retry_after;
        return (int64_t)(d ? d : 1);
}

/* Record a failed call to the upstream; returns when to try again. */
static int64_t note_failure(struct sync *s, int64_t now, int64_t retry_after, struct sync_result *res)
{
        int64_t failures = 0, until;

        (void)state_get_int(s->db, "failures", 0, &failures);
        failures++;
        until = now + backoff_delay(&s->cfg, failures, retry_after);
        (void)state_set_int(s->db, "failures", failures);
        (void)state_set_int(s->db, "backoff_until", until);
        (void)state_set(s->db, "last_error", NULL, res->error);
        return until;
}

static void note_success(struct sync *s)
{
        (void)state_set_int(s->db, "failures", 0);
        (void)state_set_int(s->db, "backoff_until", 0);
}

int sync_reset_backoff(struct sync *s)
{
        int r = state_set_int(s->db, "backoff_until", 0);

        return r < 0 ? r : state_set_int(s->db, "failures", 0);
}

/* An HTTP status that is the upstream's or our configuration's problem, not the events'. */
static bool status_keeps_events(long status)
{
        return http_status_is_transient(status) || status == 401 || status == 403 || status == 404 ||
               status == 405 || status < 200 || (status >= 300 && status < 400);
}

static int status_errno(long status)
{
        if (status == 401 || status == 403)
                return -EACCES;
        if (status == 404)
                return -ENOENT;
        if (status == 408)
                return -ETIMEDOUT;
        return -EREMOTEIO;
}

/* Wipe every string in a cJSON tree (pulled grants may carry keypad codes) before freeing.
 * Depth is bounded by cJSON's CJSON_NESTING_LIMIT. */
static void json_wipe(cJSON *j)
{
        for (cJSON *c = j; c; c = c->next) {
                if (cJSON_IsString(c) && c->valuestring)
                        sodium_memzero(c->valuestring, strlen(c->valuestring));
                if (c->child)
                        json_wipe(c->child);
        }
}

/* ---- pull ------------------------------------------------------------------------------- */

/* Why a document was not applied, for the upstream: the handler's errno, mapped in one place. */
static const char *refusal_reason(int error)
{
        switch (error) {
        case -EINVAL:
                return "invalid";            /* a field, a time, a code, the JSON itself */
        case -ECANCELED:
                return "would_cancel_stays"; /* it leaves out every stay, or one in progress */
        default:
                return "not_stored";         /* a local problem (disk, database) */
        }
}

/* Tell the upstream, once per ETag, that its grants document was refused, and why. */
static void report_refused_grants(struct sync *s, const char *etag, int error, const char *detail)
{
        char last[HTTP_ETAG_MAX + 1];
        cJSON *p;

        (void)state_get_text(s->db, "refused_etag", last, sizeof(last));
        if (etag[0] && streq(last, etag))
                return;
        p = cJSON_CreateObject();
        if (!p)
                return;
        if (etag[0])
                cJSON_AddStringToObject(p, "etag", etag);
        cJSON_AddStringToObject(p, "reason", refusal_reason(error));
        cJSON_AddStringToObject(p, "detail", detail);
        if (outbox_add(s->db, "grants.refused", NULL, p, NULL) >= 0)
                (void)state_set(s->db, "refused_etag", NULL, etag);
        cJSON_Delete(p);
}

int sync_pull(struct sync *s, int64_t now, struct sync_result *res)
{
        struct http_response resp = { 0 };
        char etag[HTTP_ETAG_MAX + 1], why[sizeof(res->error) - 40] = "";
        const cJSON *grants, *props;
        struct json_error jerr;
        cJSON *doc = NULL;
        int r;

        res->pull_attempted = true;
        (void)state_get_text(s->db, "etag", etag, sizeof(etag));
        (void)state_set_int(s->db, "last_pull_at", now);
        r = http_request(s->http, "GET", s->grants_url, NULL, etag[0] ? etag : NULL, &resp);
        if (r < 0) {
                set_error(res, "pull: %s%s%s", strerror(-r), http_last_error(s->http)[0] ? ": " : "",
                          http_last_error(s->http));
                res->pull_error = r;
                res->next_attempt_at = note_failure(s, now, -1, res);
                return r;
        }
        res->pull_status = resp.status;
        if (resp.status == 304) {
                res->not_modified = true;
                note_success(s);
                http_response_done(&resp);
                return 0;
        }
        if (resp.status != 200) {
                set_error(res, "pull: the upstream answered HTTP %ld", resp.status);
                r = res->pull_error = status_errno(resp.status);
                res->next_attempt_at = note_failure(s, now, resp.retry_after, res);
                http_response_done(&resp);
                return r;
        }
        if (json_parse_strict(resp.body, resp.size, &doc, &jerr) < 0)
                json_error_format(&jerr, why, sizeof(why)); /* where the document is wrong, once */
        grants = cJSON_GetObjectItemCaseSensitive(doc, "grants");
        props = cJSON_GetObjectItemCaseSensitive(doc, "properties");
        if (!cJSON_IsObject(doc) || !cJSON_IsArray(grants) || (props && !cJSON_IsArray(props))) {
                set_error(res, "pull: the grants document: %s", why[0] ? why : "not an object with a grants array");
                r = res->pull_error = -EBADMSG;
                res->next_attempt_at = note_failure(s, now, -1, res);
                goto out;
        }
        res->grants = (unsigned)cJSON_GetArraySize(grants);
        if (res->grants > SYNC_GRANTS_MAX) {
                set_error(res, "pull: %u grants are more than the limit of %u", res->grants, SYNC_GRANTS_MAX);
                r = res->pull_error = -EMSGSIZE;
                res->next_attempt_at = note_failure(s, now, -1, res);
                goto out;
        }
        res->pulled = true;
        note_success(s);
        if (!s->grants_fn)
                goto out; /* nobody to hand them to: keep no ETag so nothing is skipped later */
        r = s->grants_fn(s->grants_userdata,
                         &(struct sync_grants_doc){ .text = resp.body, .len = resp.size, .doc = doc, .etag = resp.etag },
                         why, sizeof(why));
        if (r < 0) {
                if (!why[0])
                        snprintf(why, sizeof(why), "%s", strerror(-r));
                set_error(res, "pull: the grants were not applied: %s", why);
                res->pull_error = r;
                report_refused_grants(s, resp.etag, r, why);
                goto out;
        }
        res->applied = true;
        r = state_set(s->db, "etag", NULL, resp.etag[0] ? resp.etag : NULL);
out:
        json_wipe(doc);
        cJSON_Delete(doc);
        http_response_done(&resp);
        return r < 0 ? r : 0;
}

/* ---- push ------------------------------------------------------------------------------- */

static void format_utc(int64_t t, char buf[static 32])
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, 32, "1970-01-01T00:00:00Z");
}

/* docs/openapi.yaml EventBatch: {"events":[{id,type,lock?,created_at,attempt,payload}]}. */
static char *build_batch(const struct outbox_event *ev, size_t n)
{
        cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "events");
        char *text = NULL;

        if (!root || !arr)
                goto out;
        for (size_t i = 0; i < n; i++) {
                cJSON *e = cJSON_CreateObject(), *p = cJSON_Parse(ev[i].payload);
                char ts[32];

                if (!e || !p) {
                        cJSON_Delete(e);
                        cJSON_Delete(p);
                        goto out;
                }
                cJSON_AddItemToArray(arr, e);
                format_utc(ev[i].created_at, ts);
                if (!cJSON_AddStringToObject(e, "id", ev[i].id) || !cJSON_AddStringToObject(e, "type", ev[i].type) ||
                    (ev[i].lock[0] && !cJSON_AddStringToObject(e, "lock", ev[i].lock)) ||
                    !cJSON_AddStringToObject(e, "created_at", ts) ||
                    !cJSON_AddNumberToObject(e, "attempt", ev[i].attempts + 1.0)) {
                        cJSON_Delete(p);
                        goto out;
                }
                cJSON_AddItemToObject(e, "payload", p);
        }
        text = cJSON_PrintUnformatted(root);
out:
        cJSON_Delete(root);
        return text;
}

static bool in_batch(const struct outbox_event *ev, size_t n, const char *id)
{
        for (size_t i = 0; i < n; i++)
                if (streq(ev[i].id, id))
                        return true;
        return false;
}

/* A short printable reason from a 4xx body: its "error"/"message" string, else its start. */
static void reason_from_body(long status, const struct http_response *resp, char *buf, size_t size)
{
        cJSON *j = resp->body ? cJSON_ParseWithLength(resp->body, resp->size) : NULL;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "error");
        const char *text;
        size_t k;

        if (!cJSON_IsString(m))
                m = cJSON_GetObjectItemCaseSensitive(j, "message");
        text = cJSON_IsString(m) ? m->valuestring : (resp->body ? resp->body : "");
        k = (size_t)snprintf(buf, size, "HTTP %ld: %.160s", status, text);
        for (size_t i = 0; i < k && i < size && buf[i]; i++)
                if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] == 0x7f)
                        buf[i] = ' ';
        cJSON_Delete(j);
}

/*
 * Apply a 2xx answer: {"accepted":[id...],"duplicates":[id...],"rejected":[{"id","reason"}]}.
 * Only ids of this batch count. Returns the number of events settled, or -EBADMSG.
 */
static int apply_answer(struct sync *s, const struct outbox_event *ev, size_t n, const struct http_response *resp,
                        int64_t now, struct sync_result *res)
{
        cJSON *j = NULL;
        const cJSON *acc = NULL, *dup = NULL, *rej = NULL, *it;
        struct json_error jerr;
        char where[sizeof(jerr.msg) + 48] = "not an object with an \"accepted\" array";
        const char **ids = NULL;
        size_t k = 0;
        int r, settled = 0;

        if (json_parse_strict(resp->body, resp->size, &j, &jerr) >= 0) {
                acc = cJSON_GetObjectItemCaseSensitive(j, "accepted");
                dup = cJSON_GetObjectItemCaseSensitive(j, "duplicates");
                rej = cJSON_GetObjectItemCaseSensitive(j, "rejected");
        } else
                json_error_format(&jerr, where, sizeof(where));
        if (!cJSON_IsObject(j) || !cJSON_IsArray(acc) || (dup && !cJSON_IsArray(dup)) || (rej && !cJSON_IsArray(rej))) {
                set_error(res, "push: the upstream's answer: %s", where);
                r = -EBADMSG;
                goto out;
        }
        ids = calloc(n, sizeof(*ids));
        if (!ids) {
                r = -ENOMEM;
                goto out;
        }
        /* accepted and duplicates both mean: the upstream has it. */
        for (int pass = 0; pass < 2; pass++)
                cJSON_ArrayForEach(it, (pass ? dup : acc)) {
                        if (!cJSON_IsString(it) || !in_batch(ev, n, it->valuestring) || k >= n)
                                continue;
                        ids[k++] = it->valuestring;
                        if (pass)
                                res->duplicates++;
                }
        r = outbox_mark_acked(s->db, ids, k, now);
        if (r < 0)
                goto out;
        res->acked += (unsigned)r;
        settled += r;
        cJSON_ArrayForEach(it, rej) {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
                const cJSON *why = cJSON_GetObjectItemCaseSensitive(it, "reason");
                const char *one[1];

                if (!cJSON_IsString(id) || !in_batch(ev, n, id->valuestring))
                        continue;
                one[0] = id->valuestring;
                r = outbox_mark_rejected(s->db, one, 1, cJSON_IsString(why) ? why->valuestring : "rejected", now);
                if (r < 0)
                        goto out;
                res->rejected += (unsigned)r;
                settled += r;
        }
        r = settled;
out:
        free(ids);
        cJSON_Delete(j);
        return r;
}

static int push_events(struct sync *s, int64_t now, bool all, struct sync_result *res)
{
        unsigned pending = 0, batch = s->cfg.batch_size, requests = 0, limit;
        int r = 0;

        res->push_attempted = true;
        (void)outbox_pending(s->db, &pending);
        limit = 2 * pending + 16;
        (void)state_set_int(s->db, "last_push_at", now);

        while (requests < limit) {
                struct http_response resp = { 0 };
                struct outbox_event *ev = NULL;
                const char **ids = NULL;
                _cleanup_free_ char *body = NULL;
                size_t n = 0;
                int64_t until;

                r = outbox_list(s->db, OUTBOX_PENDING, all ? -1 : now, batch, &ev, &n);
                if (r < 0) {
                        set_error(res, "push: cannot read the outbox: %s", strerror(-r));
                        break;
                }
                if (n == 0) {
                        outbox_events_free(ev, n);
                        break;
                }
                ids = calloc(n, sizeof(*ids));
                body = build_batch(ev, n);
                if (!ids || !body) {
                        r = -ENOMEM;
                        set_error(res, "push: out of memory");
                        free(ids);
                        outbox_events_free(ev, n);
                        break;
                }
                for (size_t i = 0; i < n; i++)
                        ids[i] = ev[i].id;

                requests++;
                res->batches++;
                r = http_request(s->http, "POST", s->events_url, body, NULL, &resp);
                if (r < 0) {
                        set_error(res, "push: %s%s%s", strerror(-r), http_last_error(s->http)[0] ? ": " : "",
                                  http_last_error(s->http));
                        until = note_failure(s, now, -1, res);
                        (void)outbox_mark_attempt(s->db, ids, n, until, res->error);
                } else {
                        res->push_status = resp.status;
                        if (resp.status >= 200 && resp.status <= 299) {
                                r = apply_answer(s, ev, n, &resp, now, res);
                                if (r == 0) {
                                        set_error(res, "push: the upstream acknowledged none of %zu %s", n, plural(n, "event", "events"));
                                        r = -EREMOTEIO;
                                } else if (r < 0 && r != -EBADMSG) /* apply_answer said what is wrong with it */
                                        set_error(res, "push: the upstream's answer is not valid (%s)", strerror(-r));
                                if (r < 0) {
                                        until = note_failure(s, now, -1, res);
                                        (void)outbox_mark_attempt(s->db, ids, n, until, res->error);
                                } else {
                                        /* Events it did not mention: try again in this cycle. */
                                        (void)outbox_mark_attempt(s->db, ids, n, now, "not acknowledged");
                                        note_success(s);
                                        batch = s->cfg.batch_size;
                                        r = 0;
                                }
                        } else if (status_keeps_events(resp.status)) {
                                set_error(res, "push: the upstream answered HTTP %ld", resp.status);
                                r = status_errno(resp.status);
                                until = note_failure(s, now, resp.retry_after, res);
                                (void)outbox_mark_attempt(s->db, ids, n, until, res->error);
                        } else if (n > 1) {
                                /* The upstream refuses something in this batch: halve it until
                                 * the event it refuses is alone (the others are not its fault). */
                                batch = (unsigned)(n / 2);
                                r = 0;
                        } else {
                                char reason[OUTBOX_REASON_MAX + 1];

                                reason_from_body(resp.status, &resp, reason, sizeof(reason));
                                r = outbox_mark_rejected(s->db, ids, 1, reason, now);
                                if (r > 0)
                                        res->rejected++;
                                set_error(res, "push: event %s rejected: %s", ids[0], reason);
                                batch = s->cfg.batch_size;
                                r = r < 0 ? r : 0;
                        }
                }
                http_response_done(&resp);
                free(ids);
                outbox_events_free(ev, n);
                if (r < 0)
                        break;
        }
        res->push_error = r < 0 ? r : 0;
        if (r < 0)
                (void)state_get_int(s->db, "backoff_until", now, &res->next_attempt_at);
        return r < 0 ? r : 0;
}

int sync_push(struct sync *s, int64_t now, struct sync_result *res)
{
        return push_events(s, now, false, res);
}

int sync_next_attempt(struct sync *s, int64_t now, int64_t *ret)
{
        int64_t backoff = 0, last_pull = 0, next;
        sqlite3_stmt *st;
        int rc;

        (void)state_get_int(s->db, "backoff_until", 0, &backoff);
        (void)state_get_int(s->db, "last_pull_at", 0, &last_pull);
        next = last_pull + s->cfg.pull_interval_sec;
        if (sqlite3_prepare_v2(db_handle(s->db), "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 0", -1, &st,
                               NULL) != SQLITE_OK)
                return -EIO;
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
                int64_t due = sqlite3_column_int64(st, 0);

                if (due < next)
                        next = due;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
                return -EIO;
        if (next < backoff)
                next = backoff;
        *ret = next < now ? now : next;
        return 0;
}

int sync_run(struct sync *s, int64_t now, bool force, struct sync_result *res)
{
        int64_t backoff = 0, last_pull = 0, failures = 0;
        int r = 0, k;

        *res = (struct sync_result){ 0 };
        (void)state_get_int(s->db, "backoff_until", 0, &backoff);
        (void)state_get_int(s->db, "last_pull_at", 0, &last_pull);
        if (!force && now < backoff) {
                res->next_attempt_at = backoff;
                (void)outbox_pending(s->db, &res->pending);
                (void)state_get_text(s->db, "last_error", res->error, sizeof(res->error));
                return -EAGAIN;
        }
        if (force || last_pull == 0 || now >= last_pull + s->cfg.pull_interval_sec || now < last_pull)
                r = sync_pull(s, now, res);
        /* A pull that failed in transit says the upstream is unreachable: do not push now. */
        if (r >= 0 || !(http_error_is_transient(r) || r == -EREMOTEIO || r == -EACCES)) {
                k = push_events(s, now, force, res);
                if (r >= 0)
                        r = k;
        }
        (void)outbox_pending(s->db, &res->pending);
        (void)state_get_int(s->db, "failures", 0, &failures);
        res->failures = (unsigned)failures;
        k = sync_next_attempt(s, now, &res->next_attempt_at);
        return r < 0 ? r : k;
}
