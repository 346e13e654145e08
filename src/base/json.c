/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

__attribute__((format(printf, 4, 5))) static int bad(const char *text, size_t at, struct json_error *err,
                                                      const char *fmt, ...)
{
        va_list ap;

        if (err) {
                err->offset = at;
                err->line = 1;
                for (size_t i = 0; i < at; i++)
                        err->line += text[i] == '\n';
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

static bool streq_names(const cJSON *a, const cJSON *b)
{
        return strcmp(a->string, b->string) == 0;
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

static int check_duplicates(const cJSON *j, const char *text, struct json_error *err)
{
        for (const cJSON *c = j; c; c = c->next) {
                if (cJSON_IsObject(c) && c->child) {
                        size_t n = 0, k = 0;
                        const cJSON **v;
                        int r = 0;

                        for (const cJSON *m = c->child; m; m = m->next)
                                n++;
                        v = calloc(n, sizeof(*v));
                        if (!v)
                                return -ENOMEM;
                        for (const cJSON *m = c->child; m; m = m->next)
                                v[k++] = m;
                        qsort(v, n, sizeof(*v), cmp_names);
                        for (k = 1; k < n && r == 0; k++)
                                if (streq_names(v[k - 1], v[k]))
                                        r = bad(text, 0, err, "duplicate member \"%.40s\" in one object", v[k]->string);
                        free(v);
                        if (r < 0)
                                return r;
                }
                if (c->child) {
                        int r = check_duplicates(c->child, text, err);

                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int json_parse_strict(const char *text, size_t len, cJSON **ret, struct json_error *err)
{
        const char *end = NULL;
        cJSON *root;
        size_t at;
        int r;

        if (err)
                *err = (struct json_error){ .line = 1 };
        r = scan_strings(text, len, err);
        if (r < 0)
                return r;
        root = cJSON_ParseWithLengthOpts(text, len, &end, false);
        if (!root) {
                at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
                return bad(text, at, err, "not valid JSON");
        }
        at = (size_t)(end - text);
        while (at < len && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r'))
                at++;
        if (at < len) {
                cJSON_Delete(root);
                return bad(text, at, err, "data after the end of the JSON value");
        }
        r = check_duplicates(root, text, err);
        if (r < 0) {
                cJSON_Delete(root);
                return r;
        }
        *ret = root;
        return 0;
}
