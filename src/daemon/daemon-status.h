/* SPDX-License-Identifier: MIT */
/*
 * What `systemctl status latchkey` shows (sd_notify STATUS=): what the daemon waits for (its
 * next wake and why), the events waiting for the upstream, the locks in trouble and why, and a
 * configuration it refused with what to change. Pure: the daemon fills the struct, this file
 * writes the line (tests/test-daemon-status.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define DAEMON_TROUBLE_MAX 16
#define DAEMON_STATUS_MAX 1024

enum daemon_wake {
        DAEMON_WAKE_BOOKINGS, /* a check-in − lead or a check-out + grace */
        DAEMON_WAKE_RETRY,    /* a lock out of reach or full: its back-off */
        DAEMON_WAKE_UPSTREAM, /* the upstream's back-off or pull interval */
        DAEMON_WAKE_LOG,      /* the next log read */
        DAEMON_WAKE_IDLE,     /* max_interval: nothing due before */
};

struct daemon_trouble {
        char lock[STORE_ALIAS_MAX + 1];
        char why[120];
};

struct daemon_status {
        bool blocked;                 /* no usable configuration: no lock work at all */
        char config_problem[512];     /* the refused file, line and what to change; "" if none */
        char problem[160];            /* a local failure (state database); "" if none */
        int64_t wake_at;              /* UTC s */
        enum daemon_wake wake_for;
        bool upstream;                /* an upstream is configured */
        unsigned pending;             /* events in the outbox */
        unsigned upstream_failures;   /* consecutive */
        char upstream_error[160];
        struct daemon_trouble trouble[DAEMON_TROUBLE_MAX];
        size_t n_trouble;
};

/* Set (or replace) why lock is in trouble; the list keeps DAEMON_TROUBLE_MAX locks. */
void daemon_status_trouble(struct daemon_status *s, const char *lock, const char *why);
/* The lock is fine again. */
void daemon_status_clear(struct daemon_status *s, const char *lock);
bool daemon_status_has_trouble(const struct daemon_status *s, const char *lock);
/* The STATUS= line (no newline), cut to size. */
void daemon_status_format(const struct daemon_status *s, char *buf, size_t size);
