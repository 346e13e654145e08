/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the virtual lock's state-file loader: refused cleanly, or loaded; a loaded image saves
 * back and loads again.
 */
#include <stdlib.h>
#include <string.h>

#include "lock.h"

static int64_t fixed_now(void *userdata)
{
        return 1767225600; /* 2026-01-01 */
}

static void no_send(void *userdata, enum lk_channel ch, const uint8_t *msg, size_t n)
{
}

static void no_change(void *userdata)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct sim_io io = { .send = no_send, .changed = no_change, .now = fixed_now };
        struct sim_config cfg;
        struct sim_lock *lock = NULL, *again = NULL;
        uint8_t *buf = NULL;
        size_t len = 0;

        sim_config_default(&cfg);
        if (sim_lock_load(&cfg, &io, &lk_env_default, data, size, &lock) < 0)
                return 0;
        if (sim_lock_save(lock, &buf, &len) < 0)
                abort();
        if (sim_lock_load(&cfg, &io, &lk_env_default, buf, len, &again) < 0)
                abort(); /* what we save we must load */
        sim_image_free(buf, len);
        sim_lock_free(again);
        sim_lock_free(lock);
        return 0;
}
