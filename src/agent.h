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

/* Open and connect a session to the lock of creds; opts may be NULL. */
int agent_session_open(sd_event *event, const struct lk_creds *creds, const char *adapter,
                       const struct session_opts *opts, struct session **ret);
