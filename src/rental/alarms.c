/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarms.h"
#include "grants.h"
#include "log.h"
#include "outbox.h"
#include "timefmt.h"

#define KIND "removal_overdue"

struct overdue {
        char grant[GRANT_ID_MAX + 1];
        int code_id;
        int64_t due;
        bool cancelled;
};

static int raise_one(struct db *db, const char *lock, const char *why, const struct overdue *o, int64_t now)
{
        char at[40];
        cJSON *p;
        int r;

        r = db_exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = db_alarm_raise(db, lock, KIND, o->grant, now);
        if (r > 0) {
                p = cJSON_CreateObject();
                if (!p)
                        r = -ENOMEM;
                else {
                        cJSON_AddStringToObject(p, "grant", o->grant);
                        cJSON_AddNumberToObject(p, "code_id", o->code_id);
                        time_format_utc(o->due < now ? o->due : now, at, sizeof(at));
                        cJSON_AddStringToObject(p, "due_at", at);
                        cJSON_AddStringToObject(p, "why", o->cancelled ? "cancelled" : "checked_out");
                        cJSON_AddStringToObject(p, "blocked_by", why);
                        r = outbox_add(db, "code.removal_overdue", lock, p, NULL) < 0 ? -EIO : 1;
                        cJSON_Delete(p);
                }
        }
        if (r < 0) {
                (void)db_exec(db, "ROLLBACK");
                return r;
        }
        if (db_exec(db, "COMMIT") < 0)
                return -EIO;
        if (r > 0)
                log_error("event=removal-overdue lock=%s grant=%s: the code of a %s guest is still live on the lock and "
                          "latchkey cannot remove it (%s)",
                          lock, o->grant, o->cancelled ? "cancelled" : "departed", why);
        return r;
}

int alarms_overdue_removals(struct db *db, const char *lock, const char *why, int64_t now, int64_t grace)
{
        static const char sql[] =
                "SELECT c.grant_id, c.code_id, g.check_out, g.status FROM lc_grant_codes c"
                " LEFT JOIN lc_grants g ON g.id = c.grant_id"
                " WHERE c.lock = ?1 AND c.state = 'provisioned'"
                "  AND (g.id IS NULL OR g.status = 'cancelled' OR g.check_out + ?2 <= ?3)"
                " ORDER BY c.grant_id";
        struct overdue *v = NULL;
        size_t n = 0;
        sqlite3_stmt *st;
        int r, raised = 0;

        if (!why)
                return db_alarm_clear(db, lock, KIND);
        r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, lock, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, grace);
        sqlite3_bind_int64(st, 3, now);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct overdue *nv = realloc(v, (n + 1) * sizeof(*v));
                const char *status = (const char *)sqlite3_column_text(st, 3);

                if (!nv) {
                        r = SQLITE_NOMEM;
                        break;
                }
                v = nv;
                snprintf(v[n].grant, sizeof(v[n].grant), "%s", (const char *)sqlite3_column_text(st, 0));
                v[n].code_id = sqlite3_column_int(st, 1);
                v[n].cancelled = !status || strcmp(status, "cancelled") == 0; /* or the grant is gone */
                v[n].due = sqlite3_column_type(st, 2) == SQLITE_NULL ? now : sqlite3_column_int64(st, 2) + grace;
                n++;
        }
        sqlite3_finalize(st);
        r = r == SQLITE_DONE ? 0 : db_errno(r);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                int k = raise_one(db, lock, why, &v[i], now);

                if (k < 0)
                        r = k;
                else
                        raised += k;
        }
        free(v);
        return r < 0 ? r : raised;
}
