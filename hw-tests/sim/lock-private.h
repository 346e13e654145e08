/* SPDX-License-Identifier: MIT */
/* latchkey-sim engine internals, shared by hw-tests/sim/lock*.c only. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "latchkey/commands.h"
#include "latchkey/keypad.h"
#include "latchkey/pairing.h"
#include "latchkey/proto.h"
#include "lock.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Little-endian helpers (spec §0). */
static inline void sim_put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}
static inline void sim_put32(uint8_t *p, uint32_t v)
{
        sim_put16(p, (uint16_t)v);
        sim_put16(p + 2, (uint16_t)(v >> 16));
}
static inline uint16_t sim_get16(const uint8_t *p)
{
        return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t sim_get32(const uint8_t *p)
{
        return (uint32_t)sim_get16(p) | ((uint32_t)sim_get16(p + 2) << 16);
}

/* spec §10: per-authorization state. Times are lock-clock UTC seconds; 0 = never. */
struct sim_auth {
        uint32_t id;
        uint8_t id_type;
        uint32_t app_id;
        char name[LK_AUTH_NAME_SIZE + 1];
        uint8_t key[LK_KEY_SIZE]; /* secret */
        bool enabled;
        bool remote_allowed;
        int64_t created;
        int64_t last_active;
        uint16_t lock_count;
        struct lk_window window;
        /* per connection, not saved (spec §5.2: one pending challenge per authorization) */
        uint8_t challenge[LK_CHALLENGE_SIZE];
        bool challenge_valid;
};

struct sim_log_entry {
        uint32_t index;
        int64_t time; /* lock clock, UTC */
        uint32_t auth_id;
        char name[LK_AUTH_NAME_SIZE + 1];
        uint8_t type;
        uint8_t data_len;
        uint8_t data[5]; /* spec §6.29: at most 5 bytes of type data */
};

/* spec §6.34, with when it last ran (volatile). */
struct sim_time_control {
        struct lk_time_control_entry e;
        int64_t last_run; /* local minute (unix/60) it last ran */
};

struct sim_lock {
        struct sim_config cfg;
        struct sim_io io;
        struct lk_env env;

        /* persistent */
        struct lk_pin pin;          /* secret */
        int64_t clock_offset;       /* lock clock = io->now() + clock_offset */
        struct lk_config conf;      /* spec §6.24; current_time unused */
        struct lk_advanced_config adv; /* spec §6.32 */
        uint8_t config_count;       /* spec §6.14 byte 13, mod 256 */
        uint8_t lock_state;
        uint8_t last_action, last_trigger, last_completion;
        uint8_t battery;            /* percent */
        bool state_changed;         /* advertising bit (spec §1.4) */
        bool logging;
        unsigned pin_failures;
        int64_t pin_lockout_until;  /* virtual clock; 0 = none */
        uint32_t next_auth_id;
        uint16_t next_code_id;
        uint8_t next_tc_id;

        struct sim_auth *auths;     /* LK_MAX_AUTHORIZATIONS slots */
        unsigned n_auths;
        struct lk_keypad_code codes[LK_MAX_KEYPAD_CODES];
        unsigned n_codes;
        struct sim_time_control tcs[LK_MAX_TIME_CONTROL];
        unsigned n_tcs;

        struct sim_log_entry *log;  /* ring of cfg.log_capacity */
        unsigned log_head;          /* slot of the oldest entry */
        unsigned log_count;
        uint32_t next_log_index;    /* spec §6.29: ever rising, starts at 1 */

        /* volatile */
        bool connected;
        int64_t pairing_until;      /* io->now() when pairing mode ends; 0 = off */
        int64_t lng_relock_at;      /* lock clock; 0 = none */
        unsigned busy_faults;
        unsigned keypad_failures;
        int64_t keypad_lockout_until; /* virtual clock */
        struct lk_pair_lock pairing; /* the lock-role pairing machine (lock-pairing.c) */
        bool pairing_mode_set;       /* what the machine was last told */
};

/* lock-state.c */
int64_t sim_vnow(const struct sim_lock *lock);             /* virtual clock (io->now) */
int64_t sim_now(const struct sim_lock *lock);              /* lock clock, UTC */
int64_t sim_local(const struct sim_lock *lock);            /* lock-local seconds */
/* The lock-local offset in force at utc (minutes): its zone ID, else offset and DST mode. */
int sim_local_offset(const struct sim_lock *lock, int64_t utc);
void sim_unix_to_dt(int64_t t, struct lk_datetime *ret);    /* out of range → all zero */
int64_t sim_dt_to_unix(const struct lk_datetime *dt);       /* all zero / invalid → 0 */
bool sim_window_allows(const struct sim_lock *lock, const struct lk_window *w);
bool sim_window_ok(const struct lk_window *w);              /* well-formed (spec §9.3) */
void sim_changed(struct sim_lock *lock);

struct sim_auth *sim_auth_find(struct sim_lock *lock, uint32_t id);
/* id 0 assigns the next free id. -ENOSPC when full, -EINVAL bad type/name. */
int sim_auth_add(struct sim_lock *lock, uint32_t id, uint8_t id_type, uint32_t app_id,
                 const char *name, const uint8_t key[static LK_KEY_SIZE], struct sim_auth **ret);
/* Whether adding (id_type, app_id) would replace an entry rather than take a new slot. */
bool sim_auth_would_replace(const struct sim_lock *lock, uint8_t id_type, uint32_t app_id);
uint32_t sim_auth_next_id(struct sim_lock *lock);
bool sim_auth_remove(struct sim_lock *lock, uint32_t id);
void sim_challenges_drop(struct sim_lock *lock);

void sim_log_add(struct sim_lock *lock, uint32_t auth_id, const char *name, uint8_t type,
                 const uint8_t *data, uint8_t n);
const struct sim_log_entry *sim_log_at(const struct sim_lock *lock, unsigned i); /* 0 = oldest */
void sim_log_set_capacity_keep_newest(struct sim_lock *lock, struct sim_log_entry *ring,
                                      unsigned capacity);

struct lk_keypad_code *sim_code_find(struct sim_lock *lock, uint16_t id);
struct lk_keypad_code *sim_code_find_value(struct sim_lock *lock, uint32_t code);
struct sim_time_control *sim_tc_find(struct sim_lock *lock, uint8_t id);

/*
 * Run a lock action (spec §10): emit_cb (when not NULL) receives each intermediate and the
 * final lock state so the dispatcher can send Keyturner States. Returns false if the lock is
 * already in the target state (nothing happens), true otherwise.
 */
typedef void (*sim_state_fn)(struct sim_lock *lock, void *userdata);
bool sim_action_run(struct sim_lock *lock, uint8_t action, uint8_t trigger, sim_state_fn fn,
                    void *userdata);
bool sim_action_valid(uint8_t action);
/* Map fob actions (0x81..0x83) through Config and "intelligent" to a concrete action. */
uint8_t sim_action_resolve(const struct sim_lock *lock, uint8_t action);

/* Keyturner States (spec §6.14): 21 bytes, 27 for SL4/Ultra. */
void sim_keyturner_states(const struct sim_lock *lock, struct lk_keyturner_states *ret);
void sim_conf_defaults(struct sim_lock *lock);
uint8_t sim_nuki_state(const struct sim_lock *lock);
bool sim_pairing_mode(const struct sim_lock *lock);
bool sim_pin_ok(const struct sim_lock *lock, uint32_t pin);
int sim_keypad_entry(struct sim_lock *lock, uint32_t auth_id, const char *name, uint32_t code,
                     uint8_t action, struct sim_keypad_result *ret);
/* lock.c: a fresh lock with defaults, before any image is applied */
int sim_lock_alloc(const struct sim_config *cfg, const struct sim_io *io,
                   const struct lk_env *env, struct sim_lock **ret);
int sim_config_check(const struct sim_config *cfg);

/* lock-dispatch.c */
void sim_send_plain(struct sim_lock *lock, enum lk_channel ch, uint16_t cmd, const uint8_t *p,
                    size_t n);
void sim_usdio_receive(struct sim_lock *lock, const uint8_t *msg, size_t n);

/* lock-pairing.c */
void sim_pairing_receive(struct sim_lock *lock, const uint8_t *msg, size_t n);
void sim_pairing_reset(struct sim_lock *lock);
int sim_pairing_init(struct sim_lock *lock);
