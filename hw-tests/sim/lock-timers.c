/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: what happens as time passes — pairing mode's end (spec §4.2), the
 * motor's run, lock 'n' go's relock (spec §10), ring to open's timeout (nuki-opener.md O5.1)
 * and time control entries (spec §6.34) — and the next instant any of them is due. The
 * program calls sim_lock_tick at sim_lock_next_deadline; this sits above the motor and the
 * Opener and calls into them, never the other way.
 */
#include <errno.h>

#include "lock-private.h"

int64_t sim_lock_next_deadline(const struct sim_lock *lock)
{
        int64_t d = INT64_MAX, local;

        if (lock->pairing_until)
                d = lock->pairing_until;
        /* While the motor turns a due relock waits for it (sim_lock_motor_deadline). */
        if (lock->lng_relock_at && !lock->motor.running) {
                int64_t v = lock->lng_relock_at - lock->clock_offset; /* to the virtual clock */

                if (v < d)
                        d = v;
        }
        if (sim_is_opener(lock) && sim_opener_deadline(lock) < d)
                d = sim_opener_deadline(lock);
        if (lock->n_tcs > 0) {
                /* the next full local minute */
                local = sim_local(lock);
                int64_t v = lock->io.now(lock->io.userdata) + (60 - ((local % 60) + 60) % 60);

                if (v < d)
                        d = v;
        }
        return d;
}

static void run_time_control(struct sim_lock *lock)
{
        int64_t now = sim_now(lock), local = now + (int64_t)sim_local_offset(lock, now) * 60;
        int64_t minute = local >= 0 ? local / 60 : (local - 59) / 60;
        unsigned wd = lk_weekday(local, 0);
        unsigned mod = (unsigned)(((minute % 1440) + 1440) % 1440);
        const struct sim_run run = { .trigger = LK_TRIGGER_AUTOMATIC, .log = true, .log_name = "" };

        for (unsigned i = 0; i < lock->n_tcs; i++) {
                struct sim_time_control *t = &lock->tcs[i];

                if (!t->e.enabled || t->last_run == minute ||
                    t->e.time.hour * 60u + t->e.time.minute != mod ||
                    (t->e.weekdays != 0 && !(t->e.weekdays & (LK_WEEKDAY_MONDAY >> wd))))
                        continue;
                /* busy: tried again when the motor stops, within the minute */
                if (sim_motor_start(lock, sim_action_resolve(lock, t->e.action), &run) != -EBUSY)
                        t->last_run = minute;
        }
}

void sim_lock_tick(struct sim_lock *lock)
{
        static const struct sim_run relock = { .trigger = LK_TRIGGER_AUTOMATIC };

        if (lock->pairing_until && !sim_pairing_mode(lock))
                sim_lock_stop_pairing(lock);
        sim_motor_tick(lock);
        /* lock 'n' go: the motor locks again once the timeout ran out (spec §10) */
        if (lock->lng_relock_at && sim_now(lock) >= lock->lng_relock_at && !lock->motor.running) {
                lock->lng_relock_at = 0;
                if (lock->lock_state == LK_LOCK_STATE_UNLOCKED_LOCK_N_GO)
                        (void)sim_motor_start(lock, LK_ACTION_LOCK, &relock);
        }
        if (sim_is_opener(lock))
                sim_opener_tick(lock);
        run_time_control(lock);
}
