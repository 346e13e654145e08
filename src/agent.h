/* SPDX-License-Identifier: MIT */
/* Reaching a stored lock: the transport its "via" names, and a connected session on it. */
#pragma once

#include <systemd/sd-event.h>

#include "session.h"
#include "store.h"

/*
 * A transport for a via string: "sim:PATH" (the virtual lock's socket) or "ble:ADDRESS"
 * (BlueZ). -EINVAL for an unknown scheme, -EOPNOTSUPP for one this build lacks.
 */
int agent_transport(sd_event *event, const char *via, const char *adapter, struct lk_transport **ret);

/*
 * Session options for reaching a lock through via: timeout_usec (0 = defaults) bounds
 * connecting, each reply and the wait for a lock action's COMPLETE; otherwise a BLE link gets 30 s to connect (discovery, retries,
 * service resolution take seconds), a socket the session's defaults.
 */
void agent_session_opts(const char *via, uint64_t timeout_usec, struct session_opts *ret);

/* Open and connect a session to the lock of creds; what opts (may be NULL) leaves unset takes
 * agent_session_opts(creds->via, 0). */
int agent_session_open(sd_event *event, const struct lk_creds *creds, const char *adapter,
                       const struct session_opts *opts, struct session **ret);
