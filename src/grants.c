/* SPDX-License-Identifier: MIT */
/*
 * Desired state for the lifecycle engine: its tables, and the rules for the names, ids, codes
 * and durations a bookings document carries (docs/grants.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "duration.h"
#include "grants-private.h"
#include "outbox.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

static const char grants_schema[] =
        "CREATE TABLE IF NOT EXISTS lc_properties ("
        "  id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '') WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS lc_property_locks ("
        "  property TEXT NOT NULL REFERENCES lc_properties(id) ON DELETE CASCADE,"
        "  lock TEXT NOT NULL, guest_access INTEGER NOT NULL DEFAULT 1,"
        "  PRIMARY KEY (property, lock)) WITHOUT ROWID;"
        /* daily_from/daily_until: minutes of the lock-local day; NULL = the whole day */
        "CREATE TABLE IF NOT EXISTS lc_grants ("
        "  id TEXT PRIMARY KEY, source TEXT NOT NULL,"
        "  property TEXT NOT NULL REFERENCES lc_properties(id),"
        "  guest TEXT NOT NULL, code INTEGER NOT NULL, code_generated INTEGER NOT NULL,"
        "  check_in INTEGER NOT NULL, check_out INTEGER NOT NULL,"
        "  weekdays INTEGER NOT NULL DEFAULT 0, daily_from INTEGER, daily_until INTEGER,"
        "  status TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),"
        "  updated_at INTEGER NOT NULL,"
        "  CHECK (check_out > check_in)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS lc_grant_overrides ("
        "  grant_id TEXT NOT NULL REFERENCES lc_grants(id) ON DELETE CASCADE, lock TEXT NOT NULL,"
        "  code INTEGER, lead INTEGER, weekdays INTEGER, daily_from INTEGER, daily_until INTEGER,"
        "  PRIMARY KEY (grant_id, lock)) WITHOUT ROWID;"
        /* What is confirmed on each lock per grant: the managed-code map. */
        "CREATE TABLE IF NOT EXISTS lc_grant_codes ("
        "  grant_id TEXT NOT NULL, lock TEXT NOT NULL,"
        "  state TEXT NOT NULL CHECK (state IN ('provisioned', 'failed', 'removed')),"
        "  code_id INTEGER, code INTEGER, name TEXT,"
        "  valid_from INTEGER, valid_until INTEGER, weekdays INTEGER, daily_from INTEGER, daily_until INTEGER,"
        "  reason TEXT, updated_at INTEGER NOT NULL,"
        "  PRIMARY KEY (grant_id, lock)) WITHOUT ROWID;"
        /* Which grant held a code id when: attribution of keypad log entries. */
        "CREATE TABLE IF NOT EXISTS lc_code_history ("
        "  lock TEXT NOT NULL, code_id INTEGER NOT NULL, since INTEGER NOT NULL,"
        "  until INTEGER, grant_id TEXT NOT NULL, guest TEXT NOT NULL,"
        "  PRIMARY KEY (lock, code_id, since)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS lc_unmanaged ("
        "  lock TEXT NOT NULL, code_id INTEGER NOT NULL, name TEXT NOT NULL, first_seen INTEGER NOT NULL,"
        "  PRIMARY KEY (lock, code_id)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS lc_auth_names ("
        "  lock TEXT NOT NULL, auth_id INTEGER NOT NULL, name TEXT NOT NULL,"
        "  PRIMARY KEY (lock, auth_id)) WITHOUT ROWID;"
        "CREATE INDEX IF NOT EXISTS lc_grants_by_property ON lc_grants (property, status);";

int grants_init(struct db *db)
{
        int r = db_exec(db, grants_schema);

        if (r < 0)
                return r;
        return outbox_init(db);
}

/* ---- names, ids, codes, durations ----------------------------------------------------- */

bool grants_ident_is_valid(const char *id, size_t max)
{
        size_t n = strlen(id);

        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++) {
                char ch = id[i];

                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '.' || ch == '_' || ch == ':' || ch == '-'))
                        return false;
        }
        return true;
}

bool grants_id_is_valid(const char *id)
{
        return grants_ident_is_valid(id, GRANT_ID_MAX);
}

bool grants_guest_is_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > GRANT_GUEST_MAX || !lk_utf8_is_valid((const uint8_t *)s, n))
                return false;
        for (size_t i = 0; i < n; i++)
                if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
                        return false;
        return true;
}

int grants_code_name(const char *guest, char ret[static LK_CODE_NAME_SIZE + 1])
{
        char buf[LK_CODE_NAME_SIZE + 1];
        size_t n = 0;
        bool space = false;

        if (!guest || strlen(guest) > GRANT_GUEST_MAX || !grants_guest_is_valid(guest))
                return -EINVAL;
        /* Fold white space, dropping it at the start. */
        for (const char *p = guest; *p; p++) {
                if (*p == ' ' || *p == '\t') {
                        space = n > 0;
                        continue;
                }
                if (space) {
                        if (n >= LK_CODE_NAME_SIZE)
                                break;
                        buf[n++] = ' ';
                        space = false;
                }
                if (n >= LK_CODE_NAME_SIZE)
                        break;
                buf[n++] = *p;
        }
        /* Cut at a character boundary: drop a partial UTF-8 sequence at the end. */
        if (n == LK_CODE_NAME_SIZE) {
                size_t start = n;

                while (start > 0 && ((unsigned char)buf[start - 1] & 0xC0) == 0x80)
                        start--;
                if (start > 0) {
                        unsigned char lead = (unsigned char)buf[start - 1];
                        size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

                        if (n - (start - 1) < want)
                                n = start - 1;
                }
        }
        while (n > 0 && buf[n - 1] == ' ')
                n--;
        if (n == 0)
                return -EINVAL;
        buf[n] = '\0';
        memcpy(ret, buf, n + 1);
        return 0;
}

int grants_parse_duration(const char *s, int64_t *ret)
{
        /* The one duration grammar (duration.h), in whole seconds, at most 366 days. */
        return duration_parse_sec_range(s, 0, 366LL * 86400, ret) < 0 ? -EINVAL : 0;
}

uint32_t grants_generate_code(const uint32_t *avoid, size_t n)
{
        for (;;) {
                uint32_t v = 0;
                bool taken = false;

                for (int i = 0; i < 6; i++)
                        v = v * 10 + 1 + randombytes_uniform(9);
                if (!lk_keypad_code_value_ok(v))
                        continue;
                for (size_t i = 0; i < n && !taken; i++)
                        taken = avoid[i] == v;
                if (!taken)
                        return v;
        }
}
