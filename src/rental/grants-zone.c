/* SPDX-License-Identifier: MIT */
/*
 * A property's time zone (issue 11): an IANA name in the bookings document's property, kept in
 * lc_property_zones (db.c, migration 4), and the zone reconcile gives each of the property's locks (lockzone.h,
 * spec §7.10, §9.3). A lock keeps one zone: properties that share a lock must agree.
 */
#include <stdio.h>
#include <string.h>

#include "grants-private.h"
#include "util.h"

int grants_doc_zone(const cJSON *v, struct imp_property *p, const char *where, struct grants_error *err)
{
        if (!v)
                return 0;
        if (!cJSON_IsString(v) || tzdb_check(v->valuestring) < 0)
                return grants_fail(err, "%s: zone: %s%.64s%s is not a time zone of the system's tz database (an IANA name "
                                   "such as Europe/Berlin)", where, cJSON_IsString(v) ? "'" : "",
                                   cJSON_IsString(v) ? v->valuestring : "the value", cJSON_IsString(v) ? "'" : "");
        snprintf(p->zone, sizeof(p->zone), "%s", v->valuestring);
        return 0;
}

static bool in_doc(const struct imp_doc *d, const char *property)
{
        for (size_t i = 0; i < d->n_props; i++)
                if (streq(d->props[i].id, property))
                        return true;
        return false;
}

/* A property imported before (and not replaced now) that shares lock and names another zone. */
static int stored_conflict(struct db *db, const struct imp_doc *d, const char *lock, const char *zone,
                           char ret_property[static PROPERTY_ID_MAX + 1], char ret_zone[static TZDB_NAME_MAX + 1])
{
        sqlite3_stmt *st;
        int r, found = 0;

        r = db_prepare(db,
                       "SELECT z.property, z.zone FROM lc_property_zones z JOIN lc_property_locks l ON l.property = z.property"
                       " WHERE l.lock = ? AND z.zone <> ? ORDER BY 1",
                       &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, zone, -1, SQLITE_STATIC);
        while (!found && (r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *p = (const char *)sqlite3_column_text(st, 0), *z = (const char *)sqlite3_column_text(st, 1);

                if (!p || !z || in_doc(d, p))
                        continue;
                snprintf(ret_property, PROPERTY_ID_MAX + 1, "%s", p);
                snprintf(ret_zone, TZDB_NAME_MAX + 1, "%s", z);
                found = 1;
        }
        sqlite3_finalize(st);
        if (!found && r != SQLITE_DONE)
                return db_errno(r) ?: -EIO;
        return found;
}

int grants_doc_check_zones(struct db *db, const struct imp_doc *d, struct grants_error *err)
{
        char other[PROPERTY_ID_MAX + 1], zone[TZDB_NAME_MAX + 1];
        int r;

        for (size_t i = 0; i < d->n_props; i++)
                for (size_t k = 0; d->props[i].zone[0] && k < d->props[i].n_locks; k++) {
                        const struct imp_property *p = &d->props[i];

                        r = stored_conflict(db, d, p->locks[k].alias, p->zone, other, zone);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                return grants_fail(err, "properties[%zu] (id '%s'): zone: lock '%s' is also in property '%s' "
                                                   "with zone %s; a lock keeps one zone", i, p->id, p->locks[k].alias,
                                                   other, zone);
                }
        for (size_t i = 0; i < d->n_props; i++)
                for (size_t j = 0; j < i; j++) {
                        const struct imp_property *a = &d->props[j], *b = &d->props[i];

                        if (!a->zone[0] || !b->zone[0] || streq(a->zone, b->zone))
                                continue;
                        for (size_t k = 0; k < a->n_locks; k++)
                                for (size_t m = 0; m < b->n_locks; m++)
                                        if (streq(a->locks[k].alias, b->locks[m].alias))
                                                return grants_fail(err, "properties[%zu] (id '%s'): zone: lock '%s' is also in "
                                                                   "property '%s' with zone %s; a lock keeps one zone",
                                                                   i, b->id, b->locks[m].alias, a->id, a->zone);
                }
        return 0;
}

int grants_zone_write(struct db *db, const struct imp_property *p)
{
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db, "DELETE FROM lc_property_zones WHERE property = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
        r = grants_step_done(st);
        if (r < 0 || !p->zone[0])
                return r;
        r = db_prepare(db, "INSERT INTO lc_property_zones (property, zone) VALUES (?, ?)", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->zone, -1, SQLITE_STATIC);
        return grants_step_done(st);
}

int grants_lock_zone(struct db *db, const char *lock, char ret[static TZDB_NAME_MAX + 1])
{
        char zone[TZDB_NAME_MAX + 1] = "";
        sqlite3_stmt *st;
        int r, k = 0;

        r = db_prepare(db,
                       "SELECT DISTINCT z.zone FROM lc_property_zones z JOIN lc_property_locks l ON l.property = z.property"
                       " WHERE l.lock = ? ORDER BY 1",
                       &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *z = (const char *)sqlite3_column_text(st, 0);

                if (k++ == 0)
                        snprintf(zone, sizeof(zone), "%s", z ? z : "");
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
                return db_errno(r) ?: -EIO;
        if (k == 0)
                return -ENOENT;
        if (k > 1)
                return -ENOTUNIQ;
        memcpy(ret, zone, sizeof(zone));
        return 0;
}
