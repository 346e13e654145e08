/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the Pairing GDIO channel, driven by proto's lock-role machine
 * (latchkey/pairing.h). The engine owns the authorization table: it answers NEED_AUTH with a
 * grant (the next auth id) or a refusal (P_ERROR_MAX_USER when 200 are stored; Ultra: a
 * wrong PIN, counted towards the PIN lockout).
 */
#include <errno.h>

#include "lock-private.h"

static struct lk_pair_lock_config pair_config(const struct sim_lock *lock)
{
        struct lk_pair_lock_config c = {
                .gen = lock->cfg.generation,
                .pairing_mode = false,
                .pin_set = lock->pin.value != 0,
        };

        memcpy(c.uuid, lock->cfg.uuid, LK_UUID_SIZE);
        return c;
}

int sim_pairing_init(struct sim_lock *lock)
{
        struct lk_pair_lock_config c = pair_config(lock);

        lock->pairing_mode_set = false;
        return lk_pair_lock_init(&lock->pairing, &c, &lock->env);
}

void sim_pairing_reset(struct sim_lock *lock)
{
        lk_pair_lock_reset(&lock->pairing);
}

/* Pairing mode ends (its timeout, or a control): the machine forgets a pairing under way. */
void sim_lock_stop_pairing(struct sim_lock *lock)
{
        lock->pairing_until = 0;
        sim_pairing_reset(lock);
}

static void sync_mode(struct sim_lock *lock)
{
        bool on = sim_pairing_mode(lock);

        if (!on)
                lock->pairing_until = 0;
        if (on == lock->pairing_mode_set)
                return;
        /* The PIN flag may have changed since init (Set Security PIN): re-init when idle. */
        if (on) {
                struct lk_pair_lock_config c = pair_config(lock);

                lk_pair_lock_wipe(&lock->pairing);
                if (lk_pair_lock_init(&lock->pairing, &c, &lock->env) < 0)
                        return;
        }
        lk_pair_lock_set_pairing_mode(&lock->pairing, on);
        lock->pairing_mode_set = on;
}

/* Store the finished pairing; io->changed() runs before the last message goes out. */
static void commit(struct sim_lock *lock)
{
        struct lk_pair_authorization a;
        char name[LK_AUTH_NAME_SIZE + 1];

        if (lk_pair_lock_take_result(&lock->pairing, &a) < 0)
                return;
        lk_name_get(a.name, LK_AUTH_NAME_SIZE, name);
        if (!lk_utf8_is_valid((const uint8_t *)name, strlen(name)))
                name[0] = '\0';
        if (sim_auth_add(lock, a.auth_id, a.id_type, a.app_id, name, a.shared_key, NULL) == 0) {
                lock->pin_failures = 0;
                /* [DECISION] a successful pairing ends pairing mode, like a real lock */
                lock->pairing_until = 0;
                sim_changed(lock);
        }
        lk_wipe(&a, sizeof(a));
}

static int answer(struct sim_lock *lock, uint8_t *out, size_t *out_len)
{
        const struct lk_pair_authorization *req = lk_pair_lock_request(&lock->pairing);
        int64_t vnow = sim_vnow(lock);

        if (!req)
                return -EPROTO;
        if (lk_generation_is_ultra(lock->cfg.generation)) {
                if (lock->pin_lockout_until > vnow)
                        return lk_pair_lock_refuse(&lock->pairing,
                                                   LK_K_ERROR_TOO_MANY_PIN_ATTEMPTS, out,
                                                   LK_PAIR_OUT_MAX, out_len);
                if (!sim_pin_ok(lock, req->pin)) {
                        lock->pin_failures_seen++;
                        if (++lock->pin_failures >= lock->cfg.pin_attempts) {
                                lock->pin_failures = 0;
                                lock->pin_lockout_until = vnow + lock->cfg.pin_lockout_s;
                        }
                        sim_changed(lock);
                        return lk_pair_lock_refuse(&lock->pairing, LK_K_ERROR_BAD_PIN, out,
                                                   LK_PAIR_OUT_MAX, out_len);
                }
        }
        if (lock->n_auths >= LK_MAX_AUTHORIZATIONS &&
            !sim_auth_would_replace(lock, req->id_type, req->app_id))
                return lk_pair_lock_refuse(&lock->pairing, LK_P_ERROR_MAX_USER, out,
                                           LK_PAIR_OUT_MAX, out_len);
        return lk_pair_lock_grant(&lock->pairing, sim_auth_next_id(lock), out, LK_PAIR_OUT_MAX,
                                  out_len);
}

void sim_pairing_receive(struct sim_lock *lock, const uint8_t *msg, size_t n)
{
        uint8_t out[LK_PAIR_OUT_MAX];
        size_t out_len = 0;
        int r;

        sync_mode(lock);
        r = lk_pair_lock_feed(&lock->pairing, msg, n, out, sizeof(out), &out_len);
        if (r == LK_PAIR_NEED_AUTH) {
                out_len = 0;
                r = answer(lock, out, &out_len);
        }
        if (r == LK_PAIR_DONE)
                commit(lock);
        if (r >= 0 && out_len > 0 && lock->io.send)
                lock->io.send(lock->io.userdata, LK_CH_PAIRING, out, out_len);
        lk_wipe(out, sizeof(out));
}
