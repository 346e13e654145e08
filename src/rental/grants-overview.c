/* SPDX-License-Identifier: MIT */
/* The bookings overview the operator reads (`latchkey grants list`, grants.h). */
#include <errno.h>
#include <sqlite3.h>

#include "grants-private.h"

int grants_overview(struct db *db, bool all, grants_overview_fn fn, void *userdata)
{
        static const char sql[] =
                "SELECT g.id, g.property, g.guest, g.check_in, g.check_out, g.status, g.code_generated,"
                " c.lock, c.state, c.code_id, c.reason, g.code,"
                " (SELECT o.code FROM lc_grant_overrides o WHERE o.grant_id = g.id AND o.lock = c.lock)"
                " FROM lc_grants g LEFT JOIN lc_grant_codes c ON c.grant_id = g.id"
                " WHERE ?1 OR g.status = 'active' OR c.state = 'provisioned'"
                " ORDER BY g.check_in, g.id, c.lock";
        sqlite3_stmt *st;
        int r;

        r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int(st, 1, all);
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct grants_overview_row row = {
                        .id = (const char *)sqlite3_column_text(st, 0),
                        .property = (const char *)sqlite3_column_text(st, 1),
                        .guest = (const char *)sqlite3_column_text(st, 2),
                        .check_in = sqlite3_column_int64(st, 3),
                        .check_out = sqlite3_column_int64(st, 4),
                        .status = (const char *)sqlite3_column_text(st, 5),
                        .code_generated = sqlite3_column_int(st, 6),
                        .code = sqlite3_column_int64(st, 11),
                        .code_id = -1,
                };

                if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
                        row.lock = (const char *)sqlite3_column_text(st, 7);
                        row.state = (const char *)sqlite3_column_text(st, 8);
                        if (sqlite3_column_type(st, 9) != SQLITE_NULL)
                                row.code_id = sqlite3_column_int(st, 9);
                        if (sqlite3_column_type(st, 10) != SQLITE_NULL)
                                row.reason = (const char *)sqlite3_column_text(st, 10);
                        if (sqlite3_column_type(st, 12) != SQLITE_NULL)
                                row.lock_code = sqlite3_column_int64(st, 12);
                }
                r = fn(userdata, &row);
                if (r < 0) {
                        sqlite3_finalize(st);
                        return r;
                }
        }
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? 0 : db_errno(r) ?: -EIO;
}
