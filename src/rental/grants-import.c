/* SPDX-License-Identifier: MIT */
/*
 * The import: a checked document written in one transaction. Everything is parsed and checked
 * first (grants-doc.c), then written (grants-write.c); a feed that would wipe stays by leaving
 * them out is refused; the codes wanted on every lock are checked for clashes and changeovers
 * in memory (grants-codes.c), and missing codes are drawn and queued as code.issued. Any error
 * leaves the database as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "grants-private.h"
#include "json.h"
#include "outbox.h"
#include "timefmt.h"
#include "util.h"

struct changeover {
        uint32_t a, b;     /* grants (code_set_grant) */
        uint32_t lock;     /* the first lock it happens on */
        unsigned n_locks;
        int64_t at;
};

struct import {
        struct db *db;
        const char *source;
        int64_t now, lead, grace;
        bool allow_cancel_all;
        struct grants_writer w;
        struct outbox_writer *events;
        struct code_set *cs;
        struct grants_import_result *res;
        struct grants_error *err;
        const char **listed; /* the document's grant ids, sorted */
        size_t n_listed;
        struct changeover *co;
        size_t n_co, co_cap;
};

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_listed(const struct import *im, const char *id)
{
        return im->n_listed && bsearch(&id, im->listed, im->n_listed, sizeof(*im->listed), cmp_str);
}

/* Current and upcoming grants of the source (check-out still ahead), before the document. */
static int count_current(struct import *im, unsigned *ret)
{
        sqlite3_stmt *st;
        int r;

        r = db_prepare(im->db, "SELECT COUNT(*) FROM lc_grants WHERE source = ? AND status = 'active' AND check_out > ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, im->source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, im->now);
        r = sqlite3_step(st);
        *ret = r == SQLITE_ROW ? (unsigned)sqlite3_column_int64(st, 0) : 0;
        r = r == SQLITE_ROW ? 0 : (db_errno(r) ?: -EIO);
        sqlite3_finalize(st);
        return r;
}

struct omitted {
        char first[GRANT_ID_MAX + 1], in_progress[GRANT_ID_MAX + 1];
        int64_t ip_in, ip_out;
        unsigned n, n_in_progress;
        char **ids;
};

/* Grants of the source the document no longer lists: a stay that has ended drops out (history);
 * the others are collected to be cancelled. */
static int find_omitted(struct import *im, struct omitted *o)
{
        sqlite3_stmt *st;
        size_t cap = 0;
        int r;

        r = db_prepare(im->db, "SELECT id, check_in, check_out FROM lc_grants WHERE source = ? AND status = 'active'"
                               " ORDER BY check_in, id", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, im->source, -1, SQLITE_STATIC);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *id = (const char *)sqlite3_column_text(st, 0);
                int64_t in = sqlite3_column_int64(st, 1), out = sqlite3_column_int64(st, 2);

                if (is_listed(im, id))
                        continue;
                if (out <= im->now) {
                        im->res->ended_dropped++;
                        continue;
                }
                if (o->n == cap) {
                        char **nv = realloc(o->ids, (cap = cap ? cap * 2 : 16) * sizeof(*nv));

                        if (!nv) {
                                r = SQLITE_NOMEM;
                                break;
                        }
                        o->ids = nv;
                }
                if (!(o->ids[o->n] = strdup(id))) {
                        r = SQLITE_NOMEM;
                        break;
                }
                if (o->n++ == 0)
                        snprintf(o->first, sizeof(o->first), "%s", id);
                if (in <= im->now && o->n_in_progress++ == 0) {
                        snprintf(o->in_progress, sizeof(o->in_progress), "%s", id);
                        o->ip_in = in;
                        o->ip_out = out;
                }
        }
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? 0 : (db_errno(r) ?: -EIO);
}

/* A feed cannot wipe stays (docs/grants.md "Feeds cannot wipe stays"). */
static int guard_stays(struct import *im, const struct omitted *o, unsigned current)
{
        const char *how = streq(im->source, "upstream") ? "" : ", or import with --allow-cancel-all";
        char in[40], out[40];

        if (im->allow_cancel_all)
                return 0;
        if (o->n_in_progress) {
                time_format_utc(o->ip_in, in, sizeof(in));
                time_format_utc(o->ip_out, out, sizeof(out));
                grants_fail(im->err,
                            "grant '%s' is a stay in progress (check-in %s, check-out %s) and the document leaves it out%s;"
                            " a stay in progress is cancelled only when listed with \"status\": \"cancelled\"%s",
                            o->in_progress, in, out, o->n_in_progress > 1 ? " (and other stays in progress)" : "", how);
                return -ECANCELED;
        }
        if (current > 0 && o->n == current) {
                grants_fail(im->err,
                            "the document leaves out all %u current and upcoming stays of source '%s' (e.g. '%s'), which would"
                            " cancel every one of them; an empty or cut-short feed is refused. To cancel them, list each with"
                            " \"status\": \"cancelled\"%s",
                            current, im->source, o->first, how);
                return -ECANCELED;
        }
        return 0;
}

static int cancel_omitted(struct import *im, const struct omitted *o)
{
        for (unsigned i = 0; i < o->n; i++) {
                sqlite3_stmt *st = grants_writer_stmt(&im->w, GW_CANCEL);
                int r;

                sqlite3_bind_int64(st, 1, im->now);
                sqlite3_bind_text(st, 2, o->ids[i], -1, SQLITE_STATIC);
                r = sqlite3_step(st);
                sqlite3_reset(st);
                if (r != SQLITE_DONE)
                        return db_errno(r) ?: -EIO;
                im->res->cancelled++;
        }
        return 0;
}

static int on_changeover(void *userdata, const struct code_use *a, const struct code_use *b, int64_t at)
{
        struct import *im = userdata;
        struct changeover *c;

        if (b->in < a->out)
                return grants_fail(im->err, "grants '%s' and '%s': code: the same code on lock '%s' during overlapping stays",
                                   code_set_grant(im->cs, a->grant), code_set_grant(im->cs, b->grant),
                                   code_set_lock(im->cs, a->lock));
        if (at < im->now)
                return 0; /* happened already */
        if (im->n_co == im->co_cap) {
                c = realloc(im->co, (im->co_cap = im->co_cap ? im->co_cap * 2 : 16) * sizeof(*c));
                if (!c)
                        return -ENOMEM;
                im->co = c;
        }
        im->co[im->n_co++] = (struct changeover){ .a = a->grant, .b = b->grant, .lock = a->lock, .n_locks = 1, .at = at };
        return 0;
}

static int cmp_changeover(const void *x, const void *y)
{
        const struct changeover *a = x, *b = y;

        if (a->a != b->a)
                return a->a < b->a ? -1 : 1;
        if (a->b != b->b)
                return a->b < b->b ? -1 : 1;
        if (a->at != b->at)
                return a->at < b->at ? -1 : 1;
        return a->lock < b->lock ? -1 : a->lock > b->lock;
}

/* One line per changeover (a pair of grants, on however many doors): what will happen, for the
 * operator to confirm or fix the feed. */
static void changeover_warnings(struct import *im)
{
        size_t n = 0;

        if (im->n_co > 1)
                qsort(im->co, im->n_co, sizeof(*im->co), cmp_changeover);
        for (size_t i = 0; i < im->n_co; i++) {
                if (n > 0 && im->co[n - 1].a == im->co[i].a && im->co[n - 1].b == im->co[i].b && im->co[n - 1].at == im->co[i].at)
                        im->co[n - 1].n_locks++;
                else
                        im->co[n++] = im->co[i];
        }
        im->n_co = n;
        for (size_t i = 0; i < im->n_co; i++) {
                const struct changeover *c = &im->co[i];
                char at[40], more[32] = "";

                im->res->warnings_total++;
                if (im->res->n_warnings >= GRANTS_WARNINGS_MAX)
                        continue;
                time_format_utc(c->at, at, sizeof(at));
                if (c->n_locks > 1)
                        snprintf(more, sizeof(more), " (and %u more %s)", c->n_locks - 1, plural(c->n_locks - 1, "lock", "locks"));
                snprintf(im->res->warnings[im->res->n_warnings++], GRANTS_WARNING_SIZE,
                         "grants '%s' and '%s' have the same code on lock '%s'%s: the lock's record passes from '%s' to '%s'"
                         " at %s (its lead and the other's grace are cut there); '%s' opens from its check-in",
                         code_set_grant(im->cs, c->a), code_set_grant(im->cs, c->b), code_set_lock(im->cs, c->lock), more,
                         code_set_grant(im->cs, c->a), code_set_grant(im->cs, c->b), at, code_set_grant(im->cs, c->b));
        }
}

/* A drawn code: stored, and queued for the upstream (the PMS must tell the guest). */
static int on_drawn(void *userdata, const char *grant, uint32_t code)
{
        struct import *im = userdata;
        sqlite3_stmt *st = grants_writer_stmt(&im->w, GW_SET_CODE);
        char value[8];
        cJSON *p;
        int r;

        sqlite3_bind_int64(st, 1, code);
        sqlite3_bind_text(st, 2, grant, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        sqlite3_reset(st);
        if (r != SQLITE_DONE)
                return db_errno(r) ?: -EIO;
        p = cJSON_CreateObject();
        snprintf(value, sizeof(value), "%06" PRIu32, code);
        if (!p || !cJSON_AddStringToObject(p, "grant", grant) || !cJSON_AddStringToObject(p, "code", value)) {
                cJSON_Delete(p);
                return -ENOMEM;
        }
        r = outbox_writer_add(im->events, "code.issued", NULL, p, NULL);
        outbox_payload_mask(p); /* wipes the value before the tree is freed */
        cJSON_Delete(p);
        sodium_memzero(value, sizeof(value));
        if (r < 0)
                return r;
        im->res->generated++;
        return 0;
}

static int write_all(struct import *im, struct imp_doc *d)
{
        int r;

        for (size_t i = 0; i < d->n_props; i++) {
                r = grants_write_property(im->db, &d->props[i]);
                if (r >= 0)
                        r = grants_zone_write(im->db, &d->props[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < d->n_grants; i++) {
                enum grant_change ch;

                r = grants_write_grant(&im->w, &d->grants[i], im->source, im->now, &ch);
                if (r < 0)
                        return r;
                switch (ch) {
                case CHANGE_NONE:
                        im->res->unchanged++;
                        break;
                case CHANGE_NEW:
                        im->res->added++;
                        break;
                case CHANGE_UPDATED:
                        im->res->updated++;
                        break;
                case CHANGE_CANCELLED:
                        im->res->cancelled++;
                        break;
                case CHANGE_REACTIVATED:
                        im->res->reactivated++;
                        break;
                }
        }
        return 0;
}

static int apply_doc(struct import *im, struct imp_doc *d)
{
        struct omitted o = { 0 };
        unsigned current = 0;
        int r;

        im->listed = calloc(d->n_grants + 1, sizeof(*im->listed));
        if (!im->listed)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_grants; i++)
                im->listed[im->n_listed++] = d->grants[i].id;
        qsort(im->listed, im->n_listed, sizeof(*im->listed), cmp_str);
        r = count_current(im, &current);
        if (r >= 0)
                r = write_all(im, d);
        if (r >= 0)
                r = find_omitted(im, &o);
        if (r >= 0)
                r = guard_stays(im, &o, current);
        if (r >= 0)
                r = cancel_omitted(im, &o);
        for (unsigned i = 0; i < o.n; i++)
                free(o.ids[i]);
        free(o.ids);
        if (r >= 0)
                r = code_set_load(im->db, im->now, im->grace, &im->cs);
        if (r >= 0)
                r = code_set_walk_changeovers(im->cs, im->lead, im->grace, on_changeover, im);
        if (r >= 0)
                r = code_set_draw(im->db, im->cs, on_drawn, im);
        if (r >= 0)
                changeover_warnings(im);
        im->res->properties = (unsigned)d->n_props;
        return r;
}

static int import_run(struct import *im, const char *text, size_t len)
{
        struct imp_doc d = { 0 };
        struct json_error jerr;
        cJSON *root;
        int r;

        r = json_parse_strict(text, len, &root, &jerr);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                char where[sizeof(jerr.msg) + 48];

                json_error_format(&jerr, where, sizeof(where));
                return grants_fail(im->err, "%s", where);
        }
        r = db_exec(im->db, "BEGIN IMMEDIATE");
        if (r < 0) {
                cJSON_Delete(root);
                return r;
        }
        r = grants_doc_parse(im->db, root, &d, im->err);
        if (r >= 0)
                r = grants_doc_check_ids(&d, im->err);
        if (r >= 0)
                r = grants_writer_open(im->db, &im->w);
        if (r >= 0)
                r = outbox_writer_new(im->db, &im->events);
        if (r >= 0)
                r = apply_doc(im, &d);
        grants_writer_close(&im->w);
        im->events = outbox_writer_free(im->events);
        cJSON_Delete(root);
        grants_doc_done(&d);
        if (r < 0) {
                (void)db_exec(im->db, "ROLLBACK");
                return r;
        }
        r = db_exec(im->db, "COMMIT");
        if (r < 0)
                (void)db_exec(im->db, "ROLLBACK");
        return r;
}

int grants_import(struct db *db, const char *text, size_t len, const char *source, const struct grants_import_opts *o,
                  struct grants_import_result *ret, struct grants_error *err)
{
        struct grants_import_result *res = calloc(1, sizeof(*res));
        struct import im = {
                .db = db, .source = source, .res = res, .err = err,
                .now = o && o->now ? o->now : (int64_t)time(NULL),
                .lead = o && o->lead >= 0 ? o->lead : GRANTS_LEAD_DEFAULT,
                .grace = o && o->grace >= 0 ? o->grace : GRANTS_GRACE_DEFAULT,
                .allow_cancel_all = o && o->allow_cancel_all,
        };
        int r;

        if (err)
                err->msg[0] = '\0';
        if (!res)
                return -ENOMEM;
        if (!source || !grants_ident_is_valid(source, 32))
                r = -EINVAL;
        else if (len > GRANTS_IMPORT_MAX)
                r = grants_fail(err, "the document is larger than %u bytes", GRANTS_IMPORT_MAX);
        else {
                r = grants_init(db);
                if (r >= 0)
                        r = import_run(&im, text, len);
        }
        if (r < 0 && err && !err->msg[0])
                snprintf(err->msg, sizeof(err->msg), "cannot write the bookings: %s", strerror(-r));
        if (r >= 0 && ret)
                *ret = *res;
        code_set_free(im.cs);
        free(im.listed);
        free(im.co);
        free(res);
        return r;
}

/* Read all of fd, up to GRANTS_IMPORT_MAX bytes; *ret is NUL-terminated and the caller wipes and
 * frees it. */
static int read_document(int fd, char **ret, size_t *ret_n, struct grants_error *err)
{
        size_t n = 0, cap = 64 << 10;
        char *buf = malloc(cap + 1), *more;

        for (;;) {
                ssize_t k;

                if (!buf)
                        return -ENOMEM;
                if (n > GRANTS_IMPORT_MAX) {
                        sodium_memzero(buf, n);
                        free(buf);
                        return grants_fail(err, "larger than %u bytes", GRANTS_IMPORT_MAX);
                }
                if (n == cap) {
                        /* grow by copying, so no part of the document is left unwiped in freed memory */
                        more = malloc(cap * 2 + 1);
                        if (more)
                                memcpy(more, buf, n);
                        sodium_memzero(buf, n);
                        free(buf);
                        buf = more;
                        cap *= 2;
                        continue;
                }
                k = read(fd, buf + n, cap - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int r = -errno;

                        sodium_memzero(buf, n);
                        free(buf);
                        snprintf(err->msg, sizeof(err->msg), "cannot read it: %s", strerror(-r));
                        return r;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        buf[n] = '\0';
        *ret = buf;
        *ret_n = n;
        return 0;
}

int grants_import_file(struct db *db, const char *path, const char *source, const struct grants_import_opts *o,
                       struct grants_import_result *ret, struct grants_error *err)
{
        bool in = streq(path, "-");
        char *buf = NULL;
        struct stat sb;
        size_t n = 0;
        int fd, r;

        fd = in ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                snprintf(err->msg, sizeof(err->msg), "cannot open it: %s", strerror(-r));
                return r;
        }
        if (fstat(fd, &sb) < 0 || S_ISDIR(sb.st_mode) || (!in && !S_ISREG(sb.st_mode))) {
                close(fd);
                return grants_fail(err, "not a regular file");
        }
        r = read_document(fd, &buf, &n, err);
        close(fd);
        if (r < 0)
                return r;
        r = grants_import(db, buf, n, source, o, ret, err);
        sodium_memzero(buf, n);
        free(buf);
        return r;
}
