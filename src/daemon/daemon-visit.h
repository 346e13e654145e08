/* SPDX-License-Identifier: MIT */
/*
 * The daemon's lock visits (issue 12): each lock in turn, its connect and its release events on
 * the main loop, never a wait on BlueZ there.
 *
 * Sessions run on the daemon's work loop, which is embedded in the main loop: the work loop's
 * descriptor is a source of the main loop, and it is prepared after every main-loop dispatch.
 * So a connect (discovery, Connect, GATT: seconds, or the whole budget when a lock is away) and
 * a release (one D-Bus message: BlueZ drops the link 2 s later on its own) go on while the main
 * loop serves signals, the watchdog and the upstream. A lock's own work (its exchanges) runs
 * synchronously on the work loop, from a main-loop event, as before.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "session.h"
#include "store.h"

struct visits;

struct visit_ops {
        /* The next lock and its credentials (the visits wipe them): 1; 0 when none is left. */
        int (*next)(void *userdata, const char **ret_lock, struct lk_creds *ret_creds);
        /* A visit's work: over s, or (s NULL) the lock was not reached, error says why.
         * < 0 ends the round (a local error). */
        int (*visit)(void *userdata, const char *lock, struct session *s, int error);
        /* The round is over; r < 0 when a visit ended it. */
        void (*done)(void *userdata, int r);
};

/* Embeds work into main. */
int visits_new(sd_event *main, sd_event *work, struct visits **ret);
struct visits *visits_free(struct visits *v);
/* A round over the locks ops->next gives, from the next turn of the main loop, through adapter
 * (copied; NULL: the first powered), each lock's per-lock lock and credentials in st (which
 * must outlive the round). -EBUSY while one is under way. */
int visits_start(struct visits *v, const struct visit_ops *ops, struct store *st, const char *adapter,
                 void *userdata);
bool visits_busy(const struct visits *v);
/* Between passes: the next connect follows no lock's work (no gap to log). */
void visits_rest(struct visits *v);
