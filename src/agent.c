/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "agent.h"
#include "latchkey/ble.h"

int agent_transport(sd_event *event, const char *via, const char *adapter, struct lk_transport **ret)
{
        /* The session that takes the transport installs its own callbacks. */
        static const struct lk_transport_cb none = { 0 };

        if (strncmp(via, "sim:", 4) == 0) {
                if (!via[4])
                        return -EINVAL;
                return lk_transport_sim_new(event, via + 4, &none, NULL, ret);
        }
        if (strncmp(via, "ble:", 4) == 0) {
                if (!lk_ble_address_is_valid(via + 4))
                        return -EINVAL;
                return lk_transport_ble_new(event, adapter, via + 4, &none, NULL, ret);
        }
        return -EINVAL;
}

void agent_session_opts(const char *via, uint64_t timeout_usec, struct session_opts *ret)
{
        *ret = (struct session_opts){ .busy_retries = 5 };
        if (timeout_usec)
                ret->connect_timeout_usec = ret->reply_timeout_usec = ret->action_timeout_usec = timeout_usec;
        else if (strncmp(via, "ble:", 4) == 0)
                ret->connect_timeout_usec = 30 * 1000000ULL;
}

int agent_session_open(sd_event *event, const struct lk_creds *creds, const char *adapter,
                       const struct session_opts *opts, struct session **ret)
{
        struct session_opts defaults;
        struct lk_transport *t = NULL;
        struct session *s = NULL;
        int r;

        r = agent_transport(event, creds->via, adapter, &t);
        if (r < 0)
                return r;
        /* What the caller left unset takes this lock's default (options may cover many locks). */
        agent_session_opts(creds->via, 0, &defaults);
        if (opts) {
                uint64_t connect = defaults.connect_timeout_usec;

                defaults = *opts;
                if (!defaults.connect_timeout_usec)
                        defaults.connect_timeout_usec = connect;
        }
        r = session_new(event, t, creds, NULL, &defaults, &s);
        if (r < 0) {
                lk_transport_free(t);
                return r;
        }
        r = session_connect(s, NULL);
        if (r < 0) {
                session_free(s);
                return r == -ENOENT ? -ECONNREFUSED : r; /* a socket that is not there: out of reach */
        }
        *ret = s;
        return 0;
}
