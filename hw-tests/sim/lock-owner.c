/* SPDX-License-Identifier: MIT */
/* latchkey-sim engine: what the owner changes in the Nuki app, behind the clients' back (lock.h). */
#include <errno.h>

#include "lock-private.h"

int sim_lock_set_pin(struct sim_lock *lock, uint32_t pin)
{
        if (pin > (lock->pin.size == 4 ? 999999u : 9999u))
                return -EINVAL;
        lock->pin.value = pin;
        sim_changed(lock);
        return 0;
}

void sim_lock_set_nuki_id(struct sim_lock *lock, uint32_t nuki_id)
{
        lock->cfg.nuki_id = nuki_id;
        lock->conf.nuki_id = nuki_id; /* what Config (spec §6.24) says */
        sim_changed(lock);
}
