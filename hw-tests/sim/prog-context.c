/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim: the program as its parts see it — the lock, the virtual clock, the link model
 * and faults, the event loop — and the step after every engine call. The transports (the data
 * socket, BLE) and the control requests call these; the run loop (prog-run.c) sits above
 * them all and registers, as struct prog's after_engine hook, what that step does.
 */
#include <time.h>

#include "prog-private.h"

struct sim_lock *prog_lock(struct prog *p) { return p->lock; }
struct prog_link *prog_link(struct prog *p) { return &p->link; }
struct prog_faults *prog_faults(struct prog *p) { return &p->faults; }
bool prog_connected(struct prog *p) { return p->conn != NULL; }
struct sd_event *prog_event(struct prog *p) { return p->event; }
const struct prog_options *prog_opts(struct prog *p) { return p->opts; }
void prog_quit(struct prog *p) { (void) sd_event_exit(p->event, 0); }

int64_t prog_now(struct prog *p)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec + p->clock_offset;
}

void prog_clock_shift(struct prog *p, int64_t seconds)
{
        p->clock_offset += seconds;
}

void prog_after_engine(struct prog *p)
{
        if (p->after_engine)
                p->after_engine(p);
}
