/* SPDX-License-Identifier: MIT */
/*
 * The transport interface's generic half (include/latchkey/transport.h): every call dispatches
 * through the implementation's ops, so the agent never knows which link it drives.
 */
#include <errno.h>
#include <stddef.h>

#include "latchkey/names.h"
#include "latchkey/transport.h"

int lk_transport_connect(struct lk_transport *t, unsigned flags)
{
        if (!t || !t->ops || !t->ops->connect || (flags & ~(unsigned)LK_CONNECT_PAIRING))
                return -EINVAL;
        return t->ops->connect(t, flags);
}

const char *lk_link_generation_name(const struct lk_link_info *info)
{
        unsigned g = info->generations;

        if (g == LK_GEN_SMARTLOCK_1_4)
                return "Smart Lock 1–4";
        if (g == (LK_GEN_SMARTLOCK_1_4 | LK_GEN_BIT(LK_GEN_ULTRA)))
                return "Smart Lock (1–4 or Ultra/Go/5th gen)";
        if (g && !(g & (g - 1)) && g == LK_GEN_BIT(info->generation) &&
            lk_generation_name(info->generation))
                return lk_generation_name(info->generation);
        return "unknown";
}

int lk_transport_send(struct lk_transport *t, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        if (!t || !t->ops || !t->ops->send)
                return -EINVAL;
        if ((unsigned)ch >= LK_CH_COUNT || (!msg && n > 0))
                return -EINVAL;
        return t->ops->send(t, ch, msg, n);
}

void lk_transport_disconnect(struct lk_transport *t)
{
        if (t && t->ops && t->ops->disconnect)
                t->ops->disconnect(t);
}

struct lk_transport *lk_transport_free(struct lk_transport *t)
{
        if (!t)
                return NULL;
        lk_transport_disconnect(t);
        if (t->ops && t->ops->free)
                t->ops->free(t);
        return NULL;
}
