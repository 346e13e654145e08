/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "json.h"
#include "util.h"

__attribute__((format(printf, 4, 5))) static int bad(const char *text, size_t at, struct json_error *err,
                                                      const char *fmt, ...)
{
        va_list ap;

        if (err) {
                err->offset = at;
                err->line = 1;
                err->column = 1;
                for (size_t i = 0; i < at; i++) {
                        if (text[i] == '\n') {
                                err->line++;
                                err->column = 1;
                        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
                                err->column++; /* a character starts here: UTF-8 continuation bytes do not count */
                        }
                }
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

static bool is_hex(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* What cJSON does not refuse: NUL and raw control characters inside strings, NUL bytes anywhere. */
static int scan_strings(const char *text, size_t len, struct json_error *err)
{
        bool in = false;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)text[i];

                if (c == 0)
                        return bad(text, i, err, "a NUL byte in the document");
                if (!in) {
                        in = c == '"';
                        continue;
                }
                if (c == '"')
                        in = false;
                else if (c < 0x20)
                        return bad(text, i, err, "a control character inside a string (write it as \\u%04x)", c);
                else if (c == '\\' && i + 1 < len) {
                        if (text[i + 1] == 'u' && i + 5 < len && is_hex(text[i + 2]) && is_hex(text[i + 3]) &&
                            is_hex(text[i + 4]) && is_hex(text[i + 5]) && strncmp(text + i + 2, "0000", 4) == 0)
                                return bad(text, i, err, "\\u0000 (NUL) inside a string");
                        i++; /* the escaped character */
                }
        }
        return 0;
}

/* A member of an object, by name and by its place among its siblings. */
struct member {
        const char *name;
        size_t index;
};

static int cmp_members(const void *a, const void *b)
{
        const struct member *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        return c ? c : x->index < y->index ? -1 : x->index > y->index;
}

/* The index of the first member of o whose name an earlier member already has, or -1. */
static int first_duplicate(const cJSON *o, ssize_t *ret)
{
        size_t n = 0, k = 0;
        struct member *v;

        *ret = -1;
        for (const cJSON *m = o->child; m; m = m->next)
                n++;
        if (n < 2)
                return 0;
        v = calloc(n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (const cJSON *m = o->child; m; m = m->next, k++)
                v[k] = (struct member){ m->string, k };
        qsort(v, n, sizeof(*v), cmp_members);
        for (k = 1; k < n; k++)
                if (strcmp(v[k - 1].name, v[k].name) == 0 && (k < 2 || strcmp(v[k - 2].name, v[k].name) != 0) &&
                    (*ret < 0 || (ssize_t)v[k].index < *ret))
                        *ret = (ssize_t)v[k].index;
        free(v);
        return 0;
}

/* The text again, beside the tree cJSON made of it (already known to be valid JSON without NUL
 * bytes), to say where a duplicate member is. */
struct walk {
        const char *text;
        size_t at;
};

static void skip_space(struct walk *w)
{
        while (w->text[w->at] && strchr(" \t\r\n", w->text[w->at]))
                w->at++;
}

static void skip_string(struct walk *w)
{
        for (w->at++; w->text[w->at] != '"'; w->at++)
                if (w->text[w->at] == '\\')
                        w->at++;
        w->at++;
}

/* Depth is bounded by cJSON's CJSON_NESTING_LIMIT. */
static int walk_value(struct walk *w, const cJSON *v, struct json_error *err)
{
        ssize_t dup = -1, i = 0;
        int r;

        skip_space(w);
        if (cJSON_IsString(v)) {
                skip_string(w);
                return 0;
        }
        if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) {
                while (w->text[w->at] && !strchr(",]} \t\r\n", w->text[w->at]))
                        w->at++;
                return 0;
        }
        if (cJSON_IsObject(v) && (r = first_duplicate(v, &dup)) < 0)
                return r;
        w->at++; /* '{' or '[' */
        for (const cJSON *m = v->child; m; m = m->next, i++) {
                skip_space(w);
                if (i == dup)
                        return bad(w->text, w->at, err, "duplicate member \"%.40s\" in one object", m->string);
                if (cJSON_IsObject(v)) {
                        skip_string(w);
                        skip_space(w);
                        w->at++; /* ':' */
                }
                r = walk_value(w, m, err);
                if (r < 0)
                        return r;
                skip_space(w);
                if (m->next)
                        w->at++; /* ',' */
        }
        skip_space(w);
        w->at++; /* '}' or ']' */
        return 0;
}

/* Whether the text ends before its value does. cJSON reports a document cut short at its last
 * byte, as it does a wrong last byte ("[1}"): with one byte that is never valid appended, a
 * document cut short fails at that byte, a wrong last byte still where it is. */
static bool ends_early(const char *text, size_t len)
{
        _cleanup_free_ char *more = malloc(len + 1);
        const char *end = NULL;
        cJSON *j;

        if (!more)
                return false;
        memcpy(more, text, len);
        more[len] = '#';
        j = cJSON_ParseWithLengthOpts(more, len + 1, &end, false);
        cJSON_Delete(j);
        return !j && end && end >= more + len;
}

/* What cJSON stopped at, in words. */
static int syntax_error(const char *text, size_t len, size_t at, struct json_error *err)
{
        unsigned char c = at < len ? (unsigned char)text[at] : 0;

        if (len == 0)
                return bad(text, 0, err, "an empty document (not valid JSON)");
        if (at + 1 >= len && ends_early(text, len))
                return bad(text, len, err, "not valid JSON (the document ends before the value does)");
        if (c >= 0x20 && c < 0x7f)
                return bad(text, at, err, "not valid JSON (unexpected '%c')", c);
        return bad(text, at, err, "not valid JSON (unexpected byte 0x%02x)", c);
}

void json_error_format(const struct json_error *err, char *buf, size_t size)
{
        snprintf(buf, size, "line %u, column %u: %s", err->line, err->column, err->msg);
}

int json_parse_strict(const char *text, size_t len, cJSON **ret, struct json_error *err)
{
        const char *end = NULL;
        cJSON *root;
        size_t at;
        int r;

        if (err)
                *err = (struct json_error){ .line = 1, .column = 1 };
        if (!text || len == 0)
                return syntax_error("", 0, 0, err);
        r = scan_strings(text, len, err);
        if (r < 0)
                return r;
        root = cJSON_ParseWithLengthOpts(text, len, &end, false);
        if (!root) {
                at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
                return syntax_error(text, len, at, err);
        }
        at = (size_t)(end - text);
        while (at < len && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r'))
                at++;
        if (at < len) {
                cJSON_Delete(root);
                return bad(text, at, err, "data after the end of the JSON value");
        }
        /* Only a container can hold a duplicate; cJSON skips a leading UTF-8 byte order mark. */
        r = cJSON_IsObject(root) || cJSON_IsArray(root)
                    ? walk_value(&(struct walk){ .text = text, .at = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0 },
                                 root, err)
                    : 0;
        if (r < 0) {
                cJSON_Delete(root);
                return r;
        }
        *ret = root;
        return 0;
}
