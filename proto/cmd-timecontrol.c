/* SPDX-License-Identifier: MIT */
/*
 * Codecs of the time-control commands (spec §6.34): Add, Entry ID, Remove, Count, Entry,
 * Update. Request Time Control Entries (0x003C) carries no fields.
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "latchkey/commands.h"

/* spec §6.34 Add (0x0039): weekdays ‖ time ‖ lock action. */
ssize_t lk_add_time_control_entry_encode(const struct lk_time_control_entry *m, uint8_t *buf,
                                         size_t size)
{
        if (size < LK_ADD_TIME_CONTROL_ENTRY_SIZE)
                return -ENOBUFS;
        buf[0] = m->weekdays;
        lk_time_put(buf + 1, &m->time);
        buf[3] = m->action;
        return LK_ADD_TIME_CONTROL_ENTRY_SIZE;
}

int lk_add_time_control_entry_decode(const uint8_t *p, size_t n,
                                     struct lk_time_control_entry *ret)
{
        struct lk_time_control_entry m;

        if (n != LK_ADD_TIME_CONTROL_ENTRY_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.weekdays = p[0];
        lk_time_get(p + 1, &m.time);
        m.action = p[3];
        memcpy(ret, &m, sizeof(m));
        return 0;
}

/* spec §6.34 Entry (0x003E) and Update (0x003F): id ‖ enabled ‖ weekdays ‖ time ‖ action. */
static ssize_t entry_put(const struct lk_time_control_entry *m, uint8_t *buf, size_t size)
{
        if (size < LK_TIME_CONTROL_ENTRY_SIZE)
                return -ENOBUFS;
        buf[0] = m->id;
        buf[1] = m->enabled;
        buf[2] = m->weekdays;
        lk_time_put(buf + 3, &m->time);
        buf[5] = m->action;
        return LK_TIME_CONTROL_ENTRY_SIZE;
}

static int entry_get(const uint8_t *p, size_t n, struct lk_time_control_entry *ret)
{
        struct lk_time_control_entry m;

        if (n != LK_TIME_CONTROL_ENTRY_SIZE)
                return -EBADMSG;
        memset(&m, 0, sizeof(m));
        m.id = p[0];
        m.enabled = p[1] != 0;
        m.weekdays = p[2];
        lk_time_get(p + 3, &m.time);
        m.action = p[5];
        memcpy(ret, &m, sizeof(m));
        return 0;
}

_Static_assert(LK_UPDATE_TIME_CONTROL_ENTRY_SIZE == LK_TIME_CONTROL_ENTRY_SIZE,
               "spec §6.34: Update carries the Entry fields");

ssize_t lk_time_control_entry_encode(const struct lk_time_control_entry *m, uint8_t *buf,
                                     size_t size)
{
        return entry_put(m, buf, size);
}

int lk_time_control_entry_decode(const uint8_t *p, size_t n, struct lk_time_control_entry *ret)
{
        return entry_get(p, n, ret);
}

ssize_t lk_update_time_control_entry_encode(const struct lk_time_control_entry *m, uint8_t *buf,
                                            size_t size)
{
        return entry_put(m, buf, size);
}

int lk_update_time_control_entry_decode(const uint8_t *p, size_t n,
                                        struct lk_time_control_entry *ret)
{
        return entry_get(p, n, ret);
}

/* spec §6.34: Time Control Entry ID (0x003A) and Remove (0x003B) carry the uint8 entry ID. */
static ssize_t id_put(const struct lk_time_control_entry_id *m, uint8_t *buf, size_t size)
{
        if (size < LK_TIME_CONTROL_ENTRY_ID_SIZE)
                return -ENOBUFS;
        buf[0] = m->id;
        return LK_TIME_CONTROL_ENTRY_ID_SIZE;
}

static int id_get(const uint8_t *p, size_t n, struct lk_time_control_entry_id *ret)
{
        if (n != LK_TIME_CONTROL_ENTRY_ID_SIZE)
                return -EBADMSG;
        ret->id = p[0];
        return 0;
}

ssize_t lk_time_control_entry_id_encode(const struct lk_time_control_entry_id *m, uint8_t *buf,
                                        size_t size)
{
        return id_put(m, buf, size);
}

int lk_time_control_entry_id_decode(const uint8_t *p, size_t n,
                                    struct lk_time_control_entry_id *ret)
{
        return id_get(p, n, ret);
}

ssize_t lk_remove_time_control_entry_encode(const struct lk_time_control_entry_id *m,
                                            uint8_t *buf, size_t size)
{
        return id_put(m, buf, size);
}

int lk_remove_time_control_entry_decode(const uint8_t *p, size_t n,
                                        struct lk_time_control_entry_id *ret)
{
        return id_get(p, n, ret);
}

/* spec §6.34: Time Control Entry Count (0x003D), uint8. */
ssize_t lk_time_control_entry_count_encode(const struct lk_time_control_entry_count *m,
                                           uint8_t *buf, size_t size)
{
        if (size < LK_TIME_CONTROL_ENTRY_COUNT_SIZE)
                return -ENOBUFS;
        buf[0] = m->count;
        return LK_TIME_CONTROL_ENTRY_COUNT_SIZE;
}

int lk_time_control_entry_count_decode(const uint8_t *p, size_t n,
                                       struct lk_time_control_entry_count *ret)
{
        if (n != LK_TIME_CONTROL_ENTRY_COUNT_SIZE)
                return -EBADMSG;
        ret->count = p[0];
        return 0;
}
