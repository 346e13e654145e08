/* SPDX-License-Identifier: MIT */
/*
 * A small HTTPS client on libcurl's easy interface for the upstream sync (issue 6), hardened
 * as curl's docs/libcurl/libcurl-security.md asks (STYLE.md §8): https:// only (no other
 * protocol, no redirects), TLS peer and host verification always on (TLS 1.2 or later),
 * connect and total timeouts, CURLOPT_NOSIGNAL, no proxy unless one is configured, and a hard
 * byte cap on every response body, checked as it arrives.
 *
 * The bearer token lives in a fixed-size array inside struct http (STYLE.md §5) and is wiped
 * by http_free(); the header line we build from it is wiped after each request. libcurl keeps
 * its own transient copy while it sends the request; that copy is outside our reach.
 *
 * One handle, reused across requests so a sync cycle keeps its TLS connection. Blocking; the
 * total timeout bounds every call. Not thread-safe (one event loop, no threads).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 6750 §2.1: b64token. 4 KiB is far beyond any token an upstream hands out. */
#define HTTP_TOKEN_MAX 4096
/* RFC 9110 §8.8.3: we store the opaque tag as sent (quotes, W/ included); longer ones are ignored. */
#define HTTP_ETAG_MAX 255
#define HTTP_URL_MAX 2047
#define HTTP_BODY_MAX_DEFAULT (4u * 1024 * 1024)
#define HTTP_BODY_MAX_LIMIT (64u * 1024 * 1024)

struct http;

struct http_options {
        const char *ca_file;     /* NULL: the system trust store */
        const char *cert_file;   /* client certificate (PEM), NULL for none */
        const char *key_file;    /* its key (PEM, 0600), NULL for none */
        const char *proxy;       /* NULL or "": no proxy, whatever the environment says */
        uint64_t connect_timeout_ms;
        uint64_t timeout_ms;     /* the whole request, connect included */
        size_t max_body;         /* response body cap in bytes */
};

struct http_response {
        long status;                       /* HTTP status, e.g. 200, 304, 503 */
        char *body;                        /* NUL-terminated, owned; NULL when empty */
        size_t size;
        char etag[HTTP_ETAG_MAX + 1];      /* "" when absent (or too long) */
        int64_t retry_after;               /* seconds from Retry-After (delta form), -1 if absent */
};

/* Check a URL: https:// with a host, no user info, no fragment, printable ASCII only.
 * -EPROTONOSUPPORT for any other scheme (http:// included), -EINVAL when malformed. */
int http_url_check(const char *url);

/* Copies the options' strings. Fails with -EINVAL on bad options, -ENOMEM. */
int http_new(const struct http_options *opts, struct http **ret);
/* Wipes the token. NULL-safe; returns NULL. */
struct http *http_free(struct http *h);

/*
 * Read the bearer token from a file (0600, or a systemd credential): refused with -EPERM when
 * others can read it, -EINVAL when it is not an RFC 6750 b64token, -EMSGSIZE when too long.
 */
int http_load_token(struct http *h, const char *path);

/*
 * One request. method "GET" or "POST"; body (JSON) may be NULL; if_none_match may be NULL.
 * Returns 0 with *ret filled whatever the HTTP status is, or -errno for a transport failure:
 *   -ETIMEDOUT (connect or total timeout), -ECONNREFUSED, -EHOSTUNREACH (resolve/route),
 *   -ECONNRESET (connection dropped, empty reply), -EKEYREJECTED (the server's certificate
 *   failed verification), -EPROTO (other TLS failure), -EMSGSIZE (response over the cap),
 *   -EPROTONOSUPPORT (not https), -ENOMEM, -EIO (anything else).
 * The caller frees ret with http_response_done().
 */
int http_request(struct http *h, const char *method, const char *url, const char *body, const char *if_none_match,
                 struct http_response *ret);
/* Frees (and wipes) the body. */
void http_response_done(struct http_response *r);

/* Whether an -errno from http_request() or an HTTP status is worth retrying later. */
bool http_error_is_transient(int error);
bool http_status_is_transient(long status);
/* A short description of the last transport failure (curl's error buffer), "" if none. */
const char *http_last_error(const struct http *h);
