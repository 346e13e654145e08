/* SPDX-License-Identifier: MIT */
/* latchkey-sim engine internals, shared by hw-tests/sim/lock*.c only. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "latchkey/commands.h"
#include "latchkey/keypad.h"
#include "latchkey/opener.h"
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
        uint8_t data[8]; /* spec §6.29: at most 5 bytes of type data; an Opener's ring 8 (O9) */
};

/* One USDIO request being answered. The key is copied: the authorization may be removed. */
struct req {
        struct sim_lock *lock;
        uint32_t auth_id;
        uint8_t key[LK_KEY_SIZE]; /* secret */
        uint16_t cmd;
        const uint8_t *fields;
        size_t fields_len;
};

/* A lock action on the motor (lock-motor.c). */
struct sim_motor {
        bool running;
        uint8_t action, trigger, flags;
        uint8_t states[3];        /* the lock states it shows; the last is the final one */
        unsigned n_states, shown;
        int64_t start_ms;         /* io->now_ms */
        unsigned duration_ms;
        enum sim_motor_fault fault;
        bool notify;              /* answer req over USDIO (until the link drops) */
        struct req req;           /* fields NULL; the key is secret */
        bool log;                 /* a log entry type 0x02 when the run ends */
        uint32_t log_auth;
        char log_name[LK_AUTH_NAME_SIZE + 1];
};

/* spec §6.34, with when it last ran (volatile). */
struct sim_time_control {
        struct lk_time_control_entry e;
        int64_t last_run; /* local minute (unix/60) it last ran */
};

/*
 * What only an Opener has (lock-opener.c; nuki-opener.md O3–O9). The settings it shares with
 * a Smart Lock (name, position, zone, fobs, advertising, buttons, LED) stay in sim_lock.conf.
 */
struct sim_opener {
        uint8_t capabilities;     /* Config 44, enum lk_opener_capabilities (persistent) */
        uint8_t operating_mode;   /* Config 62, enum lk_opener_operating_mode (persistent) */
        struct lk_opener_advanced_config adv; /* O5.1 (persistent) */
        bool cm;                  /* continuous mode: Nuki state 0x03 (persistent) */
        int64_t rto_until;        /* lock clock when RTO switches itself off; 0 = off (persistent) */
        bool ring_run;            /* volatile: the strike under way answers a ring */
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
        unsigned pin_failures_seen; /* wrong PINs since start, never reset (tests: issue 11) */
        unsigned keypad_failures;
        int64_t keypad_lockout_until; /* virtual clock */
        struct lk_pair_lock pairing; /* the lock-role pairing machine (lock-pairing.c) */
        bool pairing_mode_set;       /* what the machine was last told */
        struct sim_motor motor;
        enum sim_motor_fault motor_fault; /* what the next run meets */
        struct sim_opener opener;   /* generation LK_GEN_OPENER only */
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

/* lock-motor.c: lock actions (spec §5.3, §7.4, §10); an Opener's are O6.1's */
bool sim_action_valid(const struct sim_lock *lock, uint8_t action);
bool sim_is_locked(uint8_t lock_state);
/* Map fob actions (0x81..0x83) through Config to a concrete action. */
uint8_t sim_action_resolve(const struct sim_lock *lock, uint8_t action);
/* Who starts a motor run. */
struct sim_run {
        uint8_t trigger;          /* spec §7.3 */
        uint8_t flags;            /* spec §6.15, for the log */
        const struct req *req;    /* answered over USDIO (ACCEPTED, states, COMPLETE); NULL: nobody */
        bool log;                 /* log type 0x02 when the run ends, attributed as below */
        uint32_t log_auth;
        const char *log_name;
};
/*
 * Start action (resolved) on the motor: 1 started (with zero motor time it is done already),
 * 0 the lock is in the target state already (nothing happens, nothing is sent), -EBUSY while
 * another run turns, -EINVAL for an action that is none.
 */
int sim_motor_start(struct sim_lock *lock, uint8_t action, const struct sim_run *run);
void sim_motor_tick(struct sim_lock *lock);
void sim_motor_disconnect(struct sim_lock *lock); /* the requester is gone */
/* A code on the keypad (spec §6.17); req answers a Keypad Action (0x0048), NULL for a typed one. */
int sim_keypad_entry(struct sim_lock *lock, uint32_t auth_id, const char *name, uint32_t code,
                     uint8_t action, const struct req *req, struct sim_keypad_result *ret);

/* Keyturner States (spec §6.14): 21 bytes, 27 for SL4/Ultra. */
void sim_keyturner_states(const struct sim_lock *lock, struct lk_keyturner_states *ret);
void sim_conf_defaults(struct sim_lock *lock);
uint8_t sim_nuki_state(const struct sim_lock *lock);
bool sim_pairing_mode(const struct sim_lock *lock);
bool sim_pin_ok(const struct sim_lock *lock, uint32_t pin);
/* spec §6.24 [DECISION]: a keypad is there when one is paired or the lock holds codes. */
bool sim_keypad_present(const struct sim_lock *lock);
/* lock.c: a fresh lock with defaults, before any image is applied */
int sim_lock_alloc(const struct sim_config *cfg, const struct sim_io *io,
                   const struct lk_env *env, struct sim_lock **ret);
int sim_config_check(const struct sim_config *cfg);

/* lock-dispatch.c: the USDIO channel, above every command */
void sim_usdio_receive(struct sim_lock *lock, const uint8_t *msg, size_t n);

/* lock-reply.c: how the lock answers, below everything that answers */
void sim_send_plain(struct sim_lock *lock, enum lk_channel ch, uint16_t cmd, const uint8_t *p,
                    size_t n);
/* An unencrypted Error Report (spec §6.20) for cmd on ch. */
void sim_send_plain_error(struct sim_lock *lock, enum lk_channel ch, uint8_t code, uint16_t cmd);
/* Answers to r, sealed with its key and a fresh nonce (spec §2.2). */
void sim_reply(const struct req *r, uint16_t cmd, const uint8_t *p, size_t n);
void sim_reply_error(const struct req *r, uint8_t code);
void sim_reply_status(const struct req *r, uint8_t status);
void sim_reply_states(const struct req *r);

/* Encode with a codec into a stack buffer and send; encode failures are our bugs. */
#define SIM_REPLY_WITH(r, cmd, fn, m)                                           \
        do {                                                                    \
                uint8_t _p[LK_PAYLOAD_MAX];                                     \
                ssize_t _k = fn((m), _p, sizeof(_p));                           \
                if (_k >= 0)                                                    \
                        sim_reply((r), (cmd), _p, (size_t)_k);                  \
                else                                                            \
                        sim_reply_error((r), LK_ERROR_UNKNOWN);                 \
        } while (0)

/* Every decoded command, so lengths are checked before the nonce and PIN (spec §5.2). */
union sim_cmd_fields {
        struct lk_lock_action_msg lock_action;
        struct lk_simple_lock_action simple;
        struct lk_keypad_action keypad_action;
        struct lk_set_config set_config;
        struct lk_advanced_config adv;
        struct lk_update_time time;
        struct lk_set_security_pin pin;
        struct lk_request_authorization_entries req_auths;
        struct lk_update_authorization_entry upd_auth;
        struct lk_remove_authorization_entry rm_auth;
        struct lk_authorization_invite invite;
        struct lk_request_log_entries req_log;
        struct lk_enable_logging logging;
        struct lk_time_control_entry tc;
        struct lk_time_control_entry_id tc_id;
        struct lk_keypad_code code;
        struct lk_request_keypad_codes req_codes;
        struct lk_remove_keypad_code rm_code;
        struct lk_opener_set_config opener_set_config;
        struct lk_opener_advanced_config opener_adv;
        struct lk_continuous_mode_action cm;
};

/* The commands of one concept, after the checks of spec §5.2: false when r->cmd is not theirs. */
bool sim_exec_action(struct req *r, union sim_cmd_fields *f);   /* lock-cmd-action.c */
bool sim_exec_config(struct req *r, union sim_cmd_fields *f);   /* lock-cmd-config.c */
bool sim_exec_lists(struct req *r, union sim_cmd_fields *f);    /* lock-cmd-lists.c */

/* lock-opener.c (the model, below the motor), lock-opener-action.c and lock-opener-config.c
 * (what makes it act and its settings, above the motor): the Opener (nuki-opener.md) */
static inline bool sim_is_opener(const struct sim_lock *lock)
{
        return lock->cfg.generation == LK_GEN_OPENER;
}
void sim_opener_defaults(struct sim_lock *lock);
void sim_opener_states(const struct sim_lock *lock, struct lk_opener_keyturner_states *ret);
/* Its commands' fields where they differ (Set Config, Set Advanced Config, 0x0057): 0,
 * -EBADMSG, -ENOENT (not one of them). */
int sim_opener_decode(uint16_t cmd, const uint8_t *p, size_t n, union sim_cmd_fields *f);
bool sim_exec_opener(struct req *r, union sim_cmd_fields *f);         /* lock-opener-config.c */
bool sim_exec_opener_action(struct req *r, union sim_cmd_fields *f);  /* 0x0057 */
/* Lock Action on an Opener: 0 to go on, else the error code to answer (O6.1, O6.2). */
uint8_t sim_opener_action_check(const struct req *r, uint8_t action);
bool sim_opener_action_valid(uint8_t action);
uint8_t sim_opener_resolve(const struct sim_lock *lock, uint8_t action);  /* fobs, O7.6 */
unsigned sim_opener_action_states(const struct sim_lock *lock, uint8_t action, uint8_t s,
                                  uint8_t ret[static 3]);
void sim_opener_action_begin(struct sim_lock *lock, uint8_t action); /* RTO, CM take effect */
uint8_t sim_opener_button_action(const struct sim_lock *lock);      /* O7.7 → O6.1 */
int64_t sim_opener_deadline(const struct sim_lock *lock);           /* virtual clock */
void sim_opener_tick(struct sim_lock *lock);
void sim_opener_log_entry(const struct sim_log_entry *e, struct lk_opener_log_entry *ret);
/* A log entry of an action that needs no motor (Opener log types 0x02, 0x03: O9). */
void sim_opener_log_action(struct sim_lock *lock, uint32_t auth_id, const char *name,
                           uint8_t type, uint8_t action, uint8_t trigger);
void sim_opener_calibrated(struct req *r);   /* 0x001A "Set Calibrated", lock-opener-action.c */

/* lock-pairing.c */
void sim_pairing_receive(struct sim_lock *lock, const uint8_t *msg, size_t n);
void sim_pairing_reset(struct sim_lock *lock);
int sim_pairing_init(struct sim_lock *lock);
