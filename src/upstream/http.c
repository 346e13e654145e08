/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "http.h"
#include "util.h"

/* curl 7.85: CURLOPT_PROTOCOLS_STR; older libcurl would silently allow other protocols. */
#if LIBCURL_VERSION_NUM < 0x075500
#error "libcurl 7.85 or later is needed (CURLOPT_PROTOCOLS_STR)"
#endif

struct http {
        CURL *curl;
        char *ca_file, *cert_file, *key_file, *proxy;
        uint64_t connect_timeout_ms, timeout_ms;
        size_t max_body;
        bool has_token;
        char token[HTTP_TOKEN_MAX + 1]; /* secret */
        char errbuf[CURL_ERROR_SIZE];
};

struct rx {
        struct http_response *resp;
        size_t cap, max;
        bool over;
};

static bool printable_ascii(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
                        return false;
        return true;
}

int http_url_check(const char *url)
{
        const char *host, *end;

        if (!url || !*url)
                return -EINVAL;
        if (strlen(url) > HTTP_URL_MAX || !printable_ascii(url))
                return -EINVAL;
        if (strncasecmp(url, "https://", 8) != 0)
                return strstr(url, "://") ? -EPROTONOSUPPORT : -EINVAL;
        host = url + 8;
        end = host + strcspn(host, "/?#");
        if (end == host)
                return -EINVAL;
        /* No user:password@ in the URL (the token is the credential), no fragment. */
        if (memchr(host, '@', (size_t)(end - host)) || strchr(url, '#'))
                return -EINVAL;
        return 0;
}

static int dup_opt(const char *s, char **ret)
{
        *ret = NULL;
        if (!s || !*s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* A private key that others can read is refused, like a token file (STYLE.md §5). */
static int check_private_file(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if (st.st_mode & 077)
                return -EPERM;
        return 0;
}

int http_new(const struct http_options *opts, struct http **ret)
{
        struct http *h;
        int r;

        if (opts->max_body == 0 || opts->max_body > HTTP_BODY_MAX_LIMIT || opts->timeout_ms == 0 ||
            opts->connect_timeout_ms == 0)
                return -EINVAL;
        if (!!(opts->cert_file && *opts->cert_file) != !!(opts->key_file && *opts->key_file))
                return -EINVAL; /* a client certificate needs its key, and the other way round */
        if (opts->key_file && *opts->key_file) {
                r = check_private_file(opts->key_file);
                if (r < 0)
                        return r;
        }
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->connect_timeout_ms = opts->connect_timeout_ms;
        h->timeout_ms = opts->timeout_ms;
        h->max_body = opts->max_body;
        r = dup_opt(opts->ca_file, &h->ca_file);
        if (r >= 0)
                r = dup_opt(opts->cert_file, &h->cert_file);
        if (r >= 0)
                r = dup_opt(opts->key_file, &h->key_file);
        if (r >= 0)
                r = dup_opt(opts->proxy, &h->proxy);
        if (r >= 0) {
                /* Initialises libcurl's globals on first use (single-threaded agent). */
                h->curl = curl_easy_init();
                if (!h->curl)
                        r = -ENOMEM;
        }
        if (r < 0) {
                http_free(h);
                return r;
        }
        *ret = h;
        return 0;
}

struct http *http_free(struct http *h)
{
        if (!h)
                return NULL;
        if (h->curl)
                curl_easy_cleanup(h->curl);
        free(h->ca_file);
        free(h->cert_file);
        free(h->key_file);
        free(h->proxy);
        sodium_memzero(h->token, sizeof(h->token));
        free(h);
        return NULL;
}

/* RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool token_is_valid(const char *t)
{
        size_t i = 0;

        for (; t[i] && (isalnum((unsigned char)t[i]) || strchr("-._~+/", t[i])); i++)
                ;
        if (i == 0)
                return false;
        for (; t[i] == '='; i++)
                ;
        return t[i] == '\0';
}

int http_load_token(struct http *h, const char *path)
{
        char buf[HTTP_TOKEN_MAX + 2];
        int r;

        r = read_secret(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        if (buf[0] == '\0')
                r = -ENODATA; /* systemd's empty fallback credential: no token configured */
        else if (strlen(buf) > HTTP_TOKEN_MAX)
                r = -EMSGSIZE;
        else if (!token_is_valid(buf))
                r = -EINVAL;
        else {
                memcpy(h->token, buf, strlen(buf) + 1);
                h->has_token = true;
        }
        sodium_memzero(buf, sizeof(buf));
        return r;
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct rx *rx = userdata;
        struct http_response *resp = rx->resp;
        size_t n = size * nmemb;

        if (n > rx->max - resp->size) {
                rx->over = true;
                return 0; /* CURLE_WRITE_ERROR: the cap is hard, checked before we allocate */
        }
        if (resp->size + n + 1 > rx->cap) {
                size_t cap = rx->cap ? rx->cap : 4096;
                char *p;

                while (cap < resp->size + n + 1)
                        cap *= 2;
                if (cap > rx->max + 1)
                        cap = rx->max + 1;
                p = malloc(cap);
                if (!p)
                        return 0;
                if (resp->body) {
                        memcpy(p, resp->body, resp->size);
                        /* The old buffer may hold grants with codes: wipe before freeing. */
                        sodium_memzero(resp->body, rx->cap);
                        free(resp->body);
                }
                resp->body = p;
                rx->cap = cap;
        }
        memcpy(resp->body + resp->size, data, n);
        resp->size += n;
        resp->body[resp->size] = '\0';
        return n;
}

static size_t header_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct rx *rx = userdata;
        struct http_response *resp = rx->resp;
        size_t n = size * nmemb, vlen;
        const char *v;

        if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
                /* A new response (after 1xx): forget headers of the previous one. */
                resp->etag[0] = '\0';
                resp->retry_after = -1;
                return n;
        }
        if (n > 5 && strncasecmp(data, "ETag:", 5) == 0)
                v = data + 5;
        else if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0)
                v = data + 12;
        else
                return n;
        vlen = n - (size_t)(v - data);
        while (vlen > 0 && (*v == ' ' || *v == '\t'))
                v++, vlen--;
        while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
                vlen--;
        if (data[0] == 'E' || data[0] == 'e') {
                if (vlen > 0 && vlen <= HTTP_ETAG_MAX) {
                        memcpy(resp->etag, v, vlen);
                        resp->etag[vlen] = '\0';
                        if (!printable_ascii(resp->etag))
                                resp->etag[0] = '\0';
                }
        } else {
                /* RFC 9110 §10.2.3: delta-seconds only; an HTTP-date is ignored. */
                char num[16];
                uint64_t s;

                if (vlen > 0 && vlen < sizeof(num)) {
                        memcpy(num, v, vlen);
                        num[vlen] = '\0';
                        if (parse_u64(num, 0, 86400 * 7, &s) >= 0)
                                resp->retry_after = (int64_t)s;
                }
        }
        return n;
}

static int curl_to_errno(CURLcode c, const struct rx *rx)
{
        switch ((int)c) { /* curl's enum, not ours: a default is right here */
        case CURLE_OK:
                return 0;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return -EHOSTUNREACH;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
                return -EPROTONOSUPPORT;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_ISSUER_ERROR:
                return -EKEYREJECTED;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_USE_SSL_FAILED:
                return -EPROTO;
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_WEIRD_SERVER_REPLY:
                return -ECONNRESET;
        case CURLE_FILESIZE_EXCEEDED:
                return -EMSGSIZE;
        case CURLE_WRITE_ERROR:
                return rx->over ? -EMSGSIZE : -ENOMEM;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        default:
                return -EIO;
        }
}

#define SETOPT(h, opt, val)                                                   \
        do {                                                                  \
                if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)          \
                        goto setopt_failed;                                   \
        } while (0)

/* The transfer's options: https only and no redirects, TLS verification always on, our own
 * certificate when configured, no proxy unless configured, timeouts, a cap on the body. */
static int set_transfer_options(struct http *h, const char *url, struct rx *rx)
{
        curl_easy_reset(h->curl); /* keeps the connection cache, forgets every option */
        h->errbuf[0] = '\0';
        SETOPT(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
        SETOPT(h->curl, CURLOPT_URL, url);
        /* https only, for the request and for any redirect; and we follow none. */
        SETOPT(h->curl, CURLOPT_PROTOCOLS_STR, "https");
        SETOPT(h->curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
        SETOPT(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
        /* TLS verification always on: peer chain and host name; TLS 1.2 or later. */
        SETOPT(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
        SETOPT(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
        SETOPT(h->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
        if (h->ca_file)
                SETOPT(h->curl, CURLOPT_CAINFO, h->ca_file);
        if (h->cert_file) {
                SETOPT(h->curl, CURLOPT_SSLCERT, h->cert_file);
                SETOPT(h->curl, CURLOPT_SSLCERTTYPE, "PEM");
                SETOPT(h->curl, CURLOPT_SSLKEY, h->key_file);
                SETOPT(h->curl, CURLOPT_SSLKEYTYPE, "PEM");
        }
        /* "" disables proxies even when https_proxy is in the environment. */
        SETOPT(h->curl, CURLOPT_PROXY, h->proxy ? h->proxy : "");
        SETOPT(h->curl, CURLOPT_NOSIGNAL, 1L);
        SETOPT(h->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)h->connect_timeout_ms);
        SETOPT(h->curl, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
        SETOPT(h->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_body);
        SETOPT(h->curl, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
        SETOPT(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
        SETOPT(h->curl, CURLOPT_USERAGENT, "latchkey/0.1");
        SETOPT(h->curl, CURLOPT_WRITEFUNCTION, write_cb);
        SETOPT(h->curl, CURLOPT_WRITEDATA, rx);
        SETOPT(h->curl, CURLOPT_HEADERFUNCTION, header_cb);
        SETOPT(h->curl, CURLOPT_HEADERDATA, rx);
        return 0;

setopt_failed:
        return -EIO;
}

/* Free a header list, wiping our copy of the Authorization header first. */
static void headers_free(struct curl_slist *headers)
{
        for (struct curl_slist *l = headers; l; l = l->next)
                if (strncmp(l->data, "Authorization:", 14) == 0)
                        sodium_memzero(l->data, strlen(l->data));
        curl_slist_free_all(headers);
}

/* The request's headers: JSON accepted, no 100-continue, the token, the ETag, the body's type.
 * -ENOMEM with nothing left behind. */
static int build_headers(const struct http *h, const char *if_none_match, bool has_body,
                         struct curl_slist **ret)
{
        struct curl_slist *headers = NULL, *l;
        char auth[sizeof("Authorization: Bearer ") + HTTP_TOKEN_MAX];
        char inm[sizeof("If-None-Match: ") + HTTP_ETAG_MAX];

        l = curl_slist_append(headers, "Accept: application/json");
        if (l)
                headers = l;
        /* No "Expect: 100-continue" round trip before a POST body. */
        l = l ? curl_slist_append(headers, "Expect:") : NULL;
        if (l && h->has_token) {
                snprintf(auth, sizeof(auth), "Authorization: Bearer %s", h->token);
                l = curl_slist_append(headers, auth);
                sodium_memzero(auth, sizeof(auth));
        }
        if (l && if_none_match) {
                snprintf(inm, sizeof(inm), "If-None-Match: %s", if_none_match);
                l = curl_slist_append(headers, inm);
        }
        if (l && has_body)
                l = curl_slist_append(headers, "Content-Type: application/json");
        if (!l) {
                headers_free(headers);
                return -ENOMEM;
        }
        *ret = headers;
        return 0;
}

/* GET, or POST with the body (none: an empty one). */
static int set_method(struct http *h, const char *method, const char *body)
{
        if (streq(method, "POST")) {
                SETOPT(h->curl, CURLOPT_POST, 1L);
                SETOPT(h->curl, CURLOPT_POSTFIELDS, body ? body : "");
                SETOPT(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? strlen(body) : 0));
        } else
                SETOPT(h->curl, CURLOPT_HTTPGET, 1L);
        return 0;

setopt_failed:
        return -EIO;
}

int http_request(struct http *h, const char *method, const char *url, const char *body, const char *if_none_match,
                 struct http_response *ret)
{
        struct http_response resp = { .retry_after = -1 };
        struct rx rx = { .resp = &resp, .max = h->max_body };
        struct curl_slist *headers = NULL;
        CURLcode cc;
        int r;

        r = http_url_check(url);
        if (r < 0)
                return r;
        if (!streq(method, "GET") && !streq(method, "POST"))
                return -EINVAL;
        if (if_none_match && (strlen(if_none_match) > HTTP_ETAG_MAX || !printable_ascii(if_none_match)))
                if_none_match = NULL;

        r = set_transfer_options(h, url, &rx);
        if (r >= 0)
                r = build_headers(h, if_none_match, body != NULL, &headers);
        if (r >= 0)
                r = curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers) == CURLE_OK ? 0 : -EIO;
        if (r >= 0)
                r = set_method(h, method, body);
        if (r >= 0) {
                cc = curl_easy_perform(h->curl);
                r = curl_to_errno(cc, &rx);
        }
        if (r >= 0) {
                (void)curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp.status);
                *ret = resp;
                resp.body = NULL;
        }

        headers_free(headers);
        (void)curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
        (void)curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, NULL);
        (void)curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, NULL);
        if (resp.body) {
                sodium_memzero(resp.body, rx.cap);
                free(resp.body);
        }
        return r;
}

void http_response_done(struct http_response *r)
{
        if (!r)
                return;
        if (r->body) {
                sodium_memzero(r->body, r->size);
                free(r->body);
        }
        r->body = NULL;
        r->size = 0;
}

bool http_error_is_transient(int error)
{
        switch (-error) {
        case ETIMEDOUT:
        case ECONNREFUSED:
        case EHOSTUNREACH:
        case ENETUNREACH:
        case ECONNRESET:
        case EPROTO:
        case EKEYREJECTED: /* a misissued or rotated certificate: keep the events, retry later */
        case EMSGSIZE:
        case EIO:
        case ENOMEM:
                return true;
        default:
                return false;
        }
}

bool http_status_is_transient(long status)
{
        /* RFC 9110 §15.5.9 408, RFC 6585 §4 429, and every 5xx. */
        return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

const char *http_last_error(const struct http *h)
{
        return h->errbuf;
}
