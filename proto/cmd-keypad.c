/* SPDX-License-Identifier: MIT */
/*
 * Codecs of the keypad-code commands (spec §6.35): Add, Keypad Code ID, Request, Count,
 * Keypad Code, Update, Remove. Keypad Action (0x0048) is in cmd-state.c.
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/commands.h"

/* spec §6.35 Add Keypad Code: code ‖ name (20) ‖ window (20), 44 bytes. */
ssize_t lk_add_keypad_code_encode(const struct lk_keypad_code *c, uint8_t *buf, size_t size)
{
        int r;

        if (size < LK_ADD_KEYPAD_CODE_SIZE)
                return -ENOBUFS;
        put_le32(buf, c->code);
        r = put_name_field(buf + 4, LK_CODE_NAME_SIZE, c->name, sizeof(c->name));
        if (r < 0)
                return r;
        lk_window_put(buf + 24, &c->window); /* zero-filled if not time limited [DECISION] */
        return LK_ADD_KEYPAD_CODE_SIZE;
}

int lk_add_keypad_code_decode(const uint8_t *p, size_t n, struct lk_keypad_code *ret)
{
        struct lk_keypad_code c;

        if (n != LK_ADD_KEYPAD_CODE_SIZE)
                return -EBADMSG;
        memset(&c, 0, sizeof(c));
        c.code = get_le32(p);
        lk_name_get(p + 4, LK_CODE_NAME_SIZE, c.name);
        lk_window_get(p + 24, &c.window);
        memcpy(ret, &c, sizeof(c));
        return 0;
}

/* spec §6.35 Keypad Code: 44 bytes up to the time-limited flag, 63 with the window. */
ssize_t lk_keypad_code_encode(const struct lk_keypad_code *c, uint8_t *buf, size_t size)
{
        uint8_t b[LK_KEYPAD_CODE_SIZE];
        size_t n = c->window.time_limited ? LK_KEYPAD_CODE_SIZE : LK_KEYPAD_CODE_SHORT_SIZE;
        int r;

        if (size < n)
                return -ENOBUFS;
        put_le16(b, c->id);
        put_le32(b + 2, c->code);
        r = put_name_field(b + 6, LK_CODE_NAME_SIZE, c->name, sizeof(c->name));
        if (r < 0)
                return r;
        b[26] = c->enabled;
        lk_datetime_put(b + 27, &c->created);
        lk_datetime_put(b + 34, &c->last_active);
        put_le16(b + 41, c->lock_count);
        lk_window_put(b + 43, &c->window);
        memcpy(buf, b, n);
        return (ssize_t)n;
}

int lk_keypad_code_decode(const uint8_t *p, size_t n, struct lk_keypad_code *ret)
{
        uint8_t w[LK_WINDOW_SIZE] = { 0 };
        struct lk_keypad_code c;

        /* both lengths, whatever the flag says (spec §6.35); a newer lock's trailing bytes are
         * ignored, a window cut short is not understood */
        if (n > LK_KEYPAD_CODE_SIZE)
                n = LK_KEYPAD_CODE_SIZE;
        if (n != LK_KEYPAD_CODE_SHORT_SIZE && n != LK_KEYPAD_CODE_SIZE)
                return -EBADMSG;
        memset(&c, 0, sizeof(c));
        c.id = get_le16(p);
        c.code = get_le32(p + 2);
        lk_name_get(p + 6, LK_CODE_NAME_SIZE, c.name);
        c.enabled = p[26] != 0;
        lk_datetime_get(p + 27, &c.created);
        lk_datetime_get(p + 34, &c.last_active);
        c.lock_count = get_le16(p + 41);
        memcpy(w, p + 43, n - 43); /* the flag alone in the short form: an unbounded window */
        lk_window_get(w, &c.window);
        memcpy(ret, &c, sizeof(c));
        return 0;
}

/* spec §6.35 Update Keypad Code: id ‖ code ‖ name ‖ enabled ‖ window, 47 bytes. */
ssize_t lk_update_keypad_code_encode(const struct lk_keypad_code *c, uint8_t *buf, size_t size)
{
        int r;

        if (size < LK_UPDATE_KEYPAD_CODE_SIZE)
                return -ENOBUFS;
        put_le16(buf, c->id);
        put_le32(buf + 2, c->code);
        r = put_name_field(buf + 6, LK_CODE_NAME_SIZE, c->name, sizeof(c->name));
        if (r < 0)
                return r;
        buf[26] = c->enabled;
        lk_window_put(buf + 27, &c->window);
        return LK_UPDATE_KEYPAD_CODE_SIZE;
}

int lk_update_keypad_code_decode(const uint8_t *p, size_t n, struct lk_keypad_code *ret)
{
        struct lk_keypad_code c;

        if (n != LK_UPDATE_KEYPAD_CODE_SIZE)
                return -EBADMSG;
        memset(&c, 0, sizeof(c));
        c.id = get_le16(p);
        c.code = get_le32(p + 2);
        lk_name_get(p + 6, LK_CODE_NAME_SIZE, c.name);
        c.enabled = p[26] != 0;
        lk_window_get(p + 27, &c.window);
        memcpy(ret, &c, sizeof(c));
        return 0;
}

/* spec §6.35 Keypad Code ID: id ‖ date created. */
ssize_t lk_keypad_code_id_encode(const struct lk_keypad_code_id *m, uint8_t *buf, size_t size)
{
        if (size < LK_KEYPAD_CODE_ID_SIZE)
                return -ENOBUFS;
        put_le16(buf, m->id);
        lk_datetime_put(buf + 2, &m->created);
        return LK_KEYPAD_CODE_ID_SIZE;
}

int lk_keypad_code_id_decode(const uint8_t *p, size_t n, struct lk_keypad_code_id *ret)
{
        struct lk_keypad_code_id m;

        if (n < LK_KEYPAD_CODE_ID_SIZE) /* trailing bytes ignored */
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.id = get_le16(p);
        lk_datetime_get(p + 2, &m.created);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.35 Request Keypad Codes: offset ‖ count. */
ssize_t lk_request_keypad_codes_encode(const struct lk_request_keypad_codes *m, uint8_t *buf,
                                       size_t size)
{
        if (size < LK_REQUEST_KEYPAD_CODES_SIZE)
                return -ENOBUFS;
        put_le16(buf, m->offset);
        put_le16(buf + 2, m->count);
        return LK_REQUEST_KEYPAD_CODES_SIZE;
}

int lk_request_keypad_codes_decode(const uint8_t *p, size_t n, struct lk_request_keypad_codes *ret)
{
        struct lk_request_keypad_codes m;

        if (n != LK_REQUEST_KEYPAD_CODES_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.offset = get_le16(p);
        m.count = get_le16(p + 2);
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.35 Keypad Code Count: uint16. */
ssize_t lk_keypad_code_count_encode(const struct lk_keypad_code_count *m, uint8_t *buf,
                                    size_t size)
{
        if (size < LK_KEYPAD_CODE_COUNT_SIZE)
                return -ENOBUFS;
        put_le16(buf, m->count);
        return LK_KEYPAD_CODE_COUNT_SIZE;
}

int lk_keypad_code_count_decode(const uint8_t *p, size_t n, struct lk_keypad_code_count *ret)
{
        if (n < LK_KEYPAD_CODE_COUNT_SIZE) /* trailing bytes ignored */
                return -EBADMSG;
        ret->count = get_le16(p);
        return 0;
}

/* spec §6.35 Remove Keypad Code: uint16 code ID. */
ssize_t lk_remove_keypad_code_encode(const struct lk_remove_keypad_code *m, uint8_t *buf,
                                     size_t size)
{
        if (size < LK_REMOVE_KEYPAD_CODE_SIZE)
                return -ENOBUFS;
        put_le16(buf, m->id);
        return LK_REMOVE_KEYPAD_CODE_SIZE;
}

int lk_remove_keypad_code_decode(const uint8_t *p, size_t n, struct lk_remove_keypad_code *ret)
{
        if (n != LK_REMOVE_KEYPAD_CODE_SIZE)
                return -EBADMSG;
        ret->id = get_le16(p);
        return 0;
}
