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
#include "latchkey/text.h"
#include "grants-private.h"
#include "outbox.h"
#include "store.h"
#include "timefmt.h"
#include "util.h"

int grants_init(struct db *db)
{
        return outbox_init(db); /* the tables come from db.c's migrations (db_open) */
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
        return lk_text_check(s, GRANT_GUEST_MAX) == LK_TEXT_OK; /* the one set of name rules (text.h) */
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
        return duration_parse_sec_range(s, 0, GRANTS_DURATION_MAX, ret) < 0 ? -EINVAL : 0;
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

/* Where a document was refused, in words (grants-doc.c, grants-zone.c); always -EINVAL. */
__attribute__((format(printf, 2, 3))) int grants_fail(struct grants_error *err, const char *fmt, ...)
{
        va_list ap;

        if (err) {
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}
