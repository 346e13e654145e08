/* SPDX-License-Identifier: MIT */
/*
 * Codecs of the authorization-management commands (spec §6.7–§6.13): Remove, Request
 * Entries, Entry, Entry Count, Update, Authorization Data (Invite), Authorization-ID (Invite).
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/commands.h"
#include "latchkey/crypto.h"

/* spec §6.7 */
ssize_t lk_remove_authorization_entry_encode(const struct lk_remove_authorization_entry *m,
                                             uint8_t *buf, size_t size)
{
        if (size < LK_REMOVE_AUTHORIZATION_ENTRY_SIZE)
                return -ENOBUFS;
        put_le32(buf, m->auth_id);
        return LK_REMOVE_AUTHORIZATION_ENTRY_SIZE;
}

int lk_remove_authorization_entry_decode(const uint8_t *p, size_t n,
                                         struct lk_remove_authorization_entry *ret)
{
        if (n != LK_REMOVE_AUTHORIZATION_ENTRY_SIZE)
                return -EBADMSG;
        ret->auth_id = get_le32(p);
        return 0;
}

/* spec §6.8: offset ‖ count [‖ ID type filter (SL4/Ultra)]. */
ssize_t lk_request_authorization_entries_encode(const struct lk_request_authorization_entries *m,
                                                uint8_t *buf, size_t size)
{
        size_t n = m->has_filter ? LK_REQUEST_AUTHORIZATION_ENTRIES_FILTER_SIZE
                                 : LK_REQUEST_AUTHORIZATION_ENTRIES_SIZE;

        if (size < n)
                return -ENOBUFS;
        put_le16(buf, m->offset);
        put_le16(buf + 2, m->count);
        if (m->has_filter)
                buf[4] = m->id_type_filter;
        return (ssize_t)n;
}

int lk_request_authorization_entries_decode(const uint8_t *p, size_t n,
                                            struct lk_request_authorization_entries *ret)
{
        struct lk_request_authorization_entries m;

        if (n != LK_REQUEST_AUTHORIZATION_ENTRIES_SIZE &&
            n != LK_REQUEST_AUTHORIZATION_ENTRIES_FILTER_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.offset = get_le16(p);
        m.count = get_le16(p + 2);
        if (n == LK_REQUEST_AUTHORIZATION_ENTRIES_FILTER_SIZE) {
                m.has_filter = true;
                m.id_type_filter = p[4];
        }
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.9: 56 bytes up to the time-limited flag, 75 with the window. */
ssize_t lk_authorization_entry_encode(const struct lk_authorization_entry *m, uint8_t *buf,
                                      size_t size)
{
        uint8_t b[LK_AUTHORIZATION_ENTRY_SIZE];
        size_t n = m->window.time_limited ? LK_AUTHORIZATION_ENTRY_SIZE
                                          : LK_AUTHORIZATION_ENTRY_SHORT_SIZE;
        int r;

        if (size < n)
                return -ENOBUFS;
        put_le32(b, m->auth_id);
        b[4] = m->id_type;
        r = put_name_field(b + 5, LK_AUTH_NAME_SIZE, m->name, sizeof(m->name));
        if (r < 0)
                return r;
        b[37] = m->enabled;
        b[38] = m->remote_allowed;
        lk_datetime_put(b + 39, &m->created);
        lk_datetime_put(b + 46, &m->last_active);
        put_le16(b + 53, m->lock_count);
        lk_window_put(b + 55, &m->window);
        memcpy(buf, b, n);
        return (ssize_t)n;
}

int lk_authorization_entry_decode(const uint8_t *p, size_t n, struct lk_authorization_entry *ret)
{
        uint8_t w[LK_WINDOW_SIZE] = { 0 };
        struct lk_authorization_entry m;

        /* both lengths, whatever the flag says (spec §6.9); a newer lock's trailing bytes are
         * ignored, a window cut short is not understood */
        if (n > LK_AUTHORIZATION_ENTRY_SIZE)
                n = LK_AUTHORIZATION_ENTRY_SIZE;
        if (n != LK_AUTHORIZATION_ENTRY_SHORT_SIZE && n != LK_AUTHORIZATION_ENTRY_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.auth_id = get_le32(p);
        m.id_type = p[4];
        lk_name_get(p + 5, LK_AUTH_NAME_SIZE, m.name);
        m.enabled = p[37] != 0;
        m.remote_allowed = p[38] != 0;
        lk_datetime_get(p + 39, &m.created);
        lk_datetime_get(p + 46, &m.last_active);
        m.lock_count = get_le16(p + 53);
        memcpy(w, p + 55, n - 55); /* the flag alone in the short form: an unbounded window */
        lk_window_get(w, &m.window);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.13 */
ssize_t lk_authorization_entry_count_encode(const struct lk_authorization_entry_count *m,
                                            uint8_t *buf, size_t size)
{
        if (size < LK_AUTHORIZATION_ENTRY_COUNT_SIZE)
                return -ENOBUFS;
        put_le16(buf, m->count);
        return LK_AUTHORIZATION_ENTRY_COUNT_SIZE;
}

int lk_authorization_entry_count_decode(const uint8_t *p, size_t n,
                                        struct lk_authorization_entry_count *ret)
{
        if (n < LK_AUTHORIZATION_ENTRY_COUNT_SIZE) /* trailing bytes ignored */
                return -EBADMSG;
        ret->count = get_le16(p);
        return 0;
}

/* spec §6.12 */
ssize_t lk_update_authorization_entry_encode(const struct lk_update_authorization_entry *m,
                                             uint8_t *buf, size_t size)
{
        int r;

        if (size < LK_UPDATE_AUTHORIZATION_ENTRY_SIZE)
                return -ENOBUFS;
        put_le32(buf, m->auth_id);
        r = put_name_field(buf + 4, LK_AUTH_NAME_SIZE, m->name, sizeof(m->name));
        if (r < 0)
                return r;
        buf[36] = m->enabled;
        buf[37] = m->remote_allowed;
        lk_window_put(buf + 38, &m->window);
        return LK_UPDATE_AUTHORIZATION_ENTRY_SIZE;
}

int lk_update_authorization_entry_decode(const uint8_t *p, size_t n,
                                         struct lk_update_authorization_entry *ret)
{
        struct lk_update_authorization_entry m;

        if (n != LK_UPDATE_AUTHORIZATION_ENTRY_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.auth_id = get_le32(p);
        lk_name_get(p + 4, LK_AUTH_NAME_SIZE, m.name);
        m.enabled = p[36] != 0;
        m.remote_allowed = p[37] != 0;
        lk_window_get(p + 38, &m.window);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.10: name ‖ ID type ‖ shared key ‖ remote allowed ‖ window. */
ssize_t lk_authorization_invite_encode(const struct lk_authorization_invite *m, uint8_t *buf,
                                       size_t size)
{
        int r;

        if (size < LK_AUTHORIZATION_INVITE_SIZE)
                return -ENOBUFS;
        r = put_name_field(buf, LK_AUTH_NAME_SIZE, m->name, sizeof(m->name));
        if (r < 0)
                return r;
        buf[32] = m->id_type;
        memcpy(buf + 33, m->shared_key, LK_KEY_SIZE);
        buf[65] = m->remote_allowed;
        lk_window_put(buf + 66, &m->window);
        return LK_AUTHORIZATION_INVITE_SIZE;
}

int lk_authorization_invite_decode(const uint8_t *p, size_t n, struct lk_authorization_invite *ret)
{
        struct lk_authorization_invite m;

        if (n != LK_AUTHORIZATION_INVITE_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        lk_name_get(p, LK_AUTH_NAME_SIZE, m.name);
        m.id_type = p[32];
        memcpy(m.shared_key, p + 33, LK_KEY_SIZE);
        m.remote_allowed = p[65] != 0;
        lk_window_get(p + 66, &m.window);
        memcpy(ret, &m, sizeof(m));
        lk_wipe(&m, sizeof(m)); /* the shared key */
        return 0;
}

/* spec §6.11 */
ssize_t lk_authorization_id_invite_encode(const struct lk_authorization_id_invite *m,
                                          uint8_t *buf, size_t size)
{
        if (size < LK_AUTHORIZATION_ID_INVITE_SIZE)
                return -ENOBUFS;
        put_le32(buf, m->auth_id);
        lk_datetime_put(buf + 4, &m->created);
        return LK_AUTHORIZATION_ID_INVITE_SIZE;
}

int lk_authorization_id_invite_decode(const uint8_t *p, size_t n,
                                      struct lk_authorization_id_invite *ret)
{
        struct lk_authorization_id_invite m;

        if (n != LK_AUTHORIZATION_ID_INVITE_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.auth_id = get_le32(p);
        lk_datetime_get(p + 4, &m.created);
        memcpy(ret, &m, sizeof(m));
        return 0;
}
