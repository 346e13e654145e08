/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim: the virtual lock's engine — state and protocol in the lock role, no I/O.
 *
 * The engine takes whole messages written by a client on a channel and answers through
 * io->send with whole messages; the program around it (sim/main.c) owns sockets, chunking,
 * the link model and faults, the clock and the state file. Time comes from io->now (the
 * virtual clock, UTC seconds), randomness from the lk_env.
 *
 * Nothing here blocks or keeps timers: timed behaviour (pairing-mode timeout, lock 'n' go,
 * time control, lockouts) is evaluated against io->now whenever the engine is called, and
 * sim_lock_tick() lets the program drive it at sim_lock_next_deadline(). The motor runs on
 * io->now_ms, a monotonic millisecond clock: sim_lock_tick() at sim_lock_motor_deadline()
 * moves it on.
 *
 * Error convention as in latchkey/wire.h: >= 0 success, -errno failure, ret_* untouched on
 * failure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "latchkey/proto.h"

struct sim_lock;

/*
 * The motor (spec §5.3, §10): a lock action answers ACCEPTED and the first transitional
 * state at once, shows the other states as it turns, and sends the final state and COMPLETE
 * after the action's motor time. Times are per action, indexed by the spec §7.4 value.
 * [DECISION] defaults like a real lock's seconds (field-lessons.md: 1–3.5 s to the state
 * change); tests set 0 (all at once) where timing does not matter.
 */
#define SIM_MOTOR_ACTIONS 7u          /* index 1 unlock … 6 full lock; 0 unused */
#define SIM_MOTOR_MS_MAX 60000u       /* per action */
#define SIM_MOTOR_TIMEOUT_MS 60000u   /* a motor that never reaches its end gives up [DECISION] */
#define SIM_MOTOR_DEFAULT_MS { 0, 2500, 2500, 3500, 2500, 3500, 3000 }

/* What the next motor run meets (one shot; ctl "fault jam", "fault motor-hang"). */
enum sim_motor_fault {
        SIM_MOTOR_NORMAL,
        SIM_MOTOR_JAM,  /* blocks at the end: state motor blocked, K_ERROR_MOTOR_BLOCKED */
        SIM_MOTOR_HANG, /* never reaches the end: no COMPLETE; after SIM_MOTOR_TIMEOUT_MS
                         * state undefined and K_ERROR_MOTOR_TIMEOUT */
};

/*
 * How the lock sends the Error Report of an encrypted exchange (spec §8): sealed on the USDIO
 * like every answer, or as some locks do (issue 14), unencrypted on the keyturner GDIO or on
 * the USDIO itself.
 */
enum sim_errors {
        SIM_ERRORS_SEALED,
        SIM_ERRORS_PLAIN_GDIO,
        SIM_ERRORS_PLAIN_USDIO,
};

struct sim_config {
        enum lk_generation generation;
        char name[LK_AUTH_NAME_SIZE + 1];
        uint32_t nuki_id;
        uint8_t uuid[LK_UUID_SIZE];
        struct lk_pin pin;              /* initial security PIN; spec §5.2 [DECISION] default 0 */
        unsigned log_capacity;          /* spec §9.2: 200 */
        unsigned pairing_timeout_s;     /* spec §4.2 [DECISION] */
        unsigned pin_attempts;          /* wrong PINs before lockout */
        unsigned pin_lockout_s;
        int16_t tz_offset_min;          /* lock-local = UTC + offset */
        unsigned motor_ms[SIM_MOTOR_ACTIONS]; /* motor time per action; 0 = at once */
        bool opener_app_cm;             /* an Opener takes CM by Lock Action from an App too
                                         * ([DECISION] nuki-opener.md O6.2: default refused) */
        /*
         * Older firmware (issue 14, a 2016 lock of the Nuki API v1): Config in the 63-byte
         * layout and Keyturner States in the 13-byte one; Battery Report, Advanced Config, the
         * log and the keypad commands get no answer at all, as that firmware does not know
         * them. The stored state is the same; only what goes over the air differs.
         */
        bool api_v1;
        enum sim_errors errors;
};

struct sim_io {
        /* One whole message to the connected client on a channel. */
        void (*send)(void *userdata, enum lk_channel ch, const uint8_t *msg, size_t n);
        /* Persistent state changed: save it now (before the reply reaches the client). */
        void (*changed)(void *userdata);
        /* The virtual clock: UTC seconds since the epoch. */
        int64_t (*now)(void *userdata);
        /* Monotonic milliseconds: how long the motor has turned. NULL: now() × 1000. */
        int64_t (*now_ms)(void *userdata);
        /*
         * The UTC offset (minutes) of an IANA zone at a UTC instant, from the tz database (the
         * program's tzdb_offset). The lock runs a zone ID (spec §7.10) by it; NULL, or a
         * failure, and the lock keeps its offset and DST mode alone (latchkey/zone.h).
         */
        int (*zone_offset)(void *userdata, const char *zone, int64_t utc, int *ret_minutes);
        void *userdata;
};

/* Limits of the engine (spec §9.2 and ours). */
#define SIM_LOG_CAPACITY_MAX   10000u  /* a sane bound for a configured log ring */
#define SIM_IMAGE_MAX          (4u << 20) /* sim_lock_load refuses larger images */
#define SIM_KEYPAD_FAILS_MAX   5u      /* wrong keypad codes in a row before a lockout */
#define SIM_KEYPAD_LOCKOUT_S   30u     /* field note: 30 s keypad lockout */
#define SIM_PAIRING_BUTTON_S   5u      /* spec §1.4: hold ~5 s for pairing mode */

/* Defaults for a config: SL3, name "Nuki_Sim", PIN 0, 200 log entries, 60 s pairing, 3/300,
 * SIM_MOTOR_DEFAULT_MS. */
void sim_config_default(struct sim_config *ret);

/*
 * A factory-new lock (no authorizations). cfg, io and env are copied (their userdata must
 * outlive the lock). -EINVAL for a bad config (unknown generation, PIN too wide, log capacity
 * 0 or over SIM_LOG_CAPACITY_MAX), -ENOMEM.
 */
int sim_lock_new(const struct sim_config *cfg, const struct sim_io *io, const struct lk_env *env,
                 struct sim_lock **ret);
/* Wipes every secret. NULL-safe; returns NULL. */
struct sim_lock *sim_lock_free(struct sim_lock *lock);

/*
 * All persistent state as one versioned binary image (magic, version, length, BLAKE2b
 * checksum). *ret_buf is malloc'd and holds secrets (shared keys, PIN): write it to a 0600
 * file and release it with sim_image_free(), which wipes it. -ENOMEM.
 */
int sim_lock_save(const struct sim_lock *lock, uint8_t **ret_buf, size_t *ret_len);
void sim_image_free(uint8_t *buf, size_t len);
/*
 * A lock from a saved image. The image decides identity and state (generation, Nuki ID, UUID,
 * PIN, config, tables, log); cfg supplies the tunables (log_capacity, pairing_timeout_s,
 * pin_attempts, pin_lockout_s) — a smaller log capacity keeps the newest entries.
 * -EMSGSIZE image larger than SIM_IMAGE_MAX, -EBADMSG bad magic, truncated, checksum mismatch
 * or an inconsistent record, -EPROTONOSUPPORT unknown version, -EINVAL bad cfg, -ENOMEM.
 */
int sim_lock_load(const struct sim_config *cfg, const struct sim_io *io,
                  const struct lk_env *env, const uint8_t *buf, size_t len,
                  struct sim_lock **ret);

/*
 * The BLE link (spec §10): connect starts a connection; disconnect drops pairing state,
 * pending challenges and the connection's flags. Messages arrive only while connected.
 */
void sim_lock_connect(struct sim_lock *lock);
void sim_lock_disconnect(struct sim_lock *lock);
bool sim_lock_is_connected(const struct sim_lock *lock);

/*
 * One whole message the client wrote on a channel. Replies go out through io->send before
 * this returns. Returns 0 when the message was handled (answered with an Error Report too),
 * -ENOTCONN when not connected, -EINVAL for a bad channel, -EMSGSIZE for a message over
 * LK_MSG_MAX (both answered nothing).
 */
int sim_lock_receive(struct sim_lock *lock, enum lk_channel ch, const uint8_t *msg, size_t n);

/* Physical actions. */

/*
 * Hold the button for seconds. >= SIM_PAIRING_BUTTON_S enters pairing mode (for
 * pairing_timeout_s) if Config "pairing enabled" is set: returns 1. A short press runs the
 * Advanced Config single-press action on the motor: returns 0. -EPERM if the button (or, for
 * a long press, pairing) is disabled in Config; -EBUSY while the motor runs.
 */
int sim_lock_press_button(struct sim_lock *lock, unsigned seconds);
/* Leave pairing mode now (a ctl request or a test). */
void sim_lock_stop_pairing(struct sim_lock *lock);

struct sim_keypad_result {
        uint8_t completion;    /* spec §7.5: 0x00 success, 0x04 busy, 0xE0 invalid code */
        uint16_t code_id;      /* the matching code, 0 if none */
        bool locked_out;       /* refused because of the keypad lockout */
};
/*
 * A code typed on the keypad with an action (spec §6.17: 0 intelligent, 1 unlock, 2 lock,
 * 3 unlatch, 4 lock 'n' go). A valid enabled code inside its window (lock-local time) starts
 * the action on the motor and logs type 0x05 {action, source 1, completion 0, code id}; while
 * the motor runs it logs completion 0x04 busy; anything else logs {action, 1, 0xE0, 0}. SIM_KEYPAD_FAILS_MAX wrong codes in a row start a
 * SIM_KEYPAD_LOCKOUT_S lockout, during which every entry is refused (and logged as 0xE0).
 * -EINVAL for an unknown action.
 */
int sim_lock_keypad_type(struct sim_lock *lock, uint32_t code, uint8_t action,
                         struct sim_keypad_result *ret);
/*
 * A doorbell ring at an Opener (nuki-opener.md O9 [DECISION]): logs a doorbell-recognition
 * entry (type 0x06, auth 0) and sets the advertised state-changed flag; while RTO or CM is on
 * it also runs the electric strike with trigger manual (ending RTO when "disable RTO after
 * ring" is set). -EOPNOTSUPP on a Smart Lock.
 */
struct sim_ring_result {
        uint8_t mode; /* enum lk_opener_ring_mode: what was on when it rang */
        bool opened;  /* the strike ran (or runs) */
        bool busy;    /* it would have, but the strike was running already */
};
int sim_lock_ring(struct sim_lock *lock, struct sim_ring_result *ret);
/* Turn the knob by hand: the bolt moves at once (no motor), trigger manual, log type 0x02.
 * -EINVAL for an unknown action, -EBUSY while the motor runs, -EOPNOTSUPP on an Opener. */
int sim_lock_turn_knob(struct sim_lock *lock, uint8_t action);
/* 0..100; -EINVAL above. Critical below 20 %. */
int sim_lock_set_battery(struct sim_lock *lock, unsigned percent);
/* The next n commands (anything but Request Data) answer K_ERROR_BUSY 0x45. */
void sim_lock_fault_busy(struct sim_lock *lock, unsigned n);
/* The next motor run meets f (SIM_MOTOR_NORMAL clears a pending fault). */
void sim_lock_fault_motor(struct sim_lock *lock, enum sim_motor_fault f);
/* The motor time of action (spec §7.4 value 1..6; 0: every action). -EINVAL otherwise or for
 * ms over SIM_MOTOR_MS_MAX. A run under way keeps its time. */
int sim_lock_set_motor_ms(struct sim_lock *lock, uint8_t action, unsigned ms);
/* The action the motor is running (spec §7.4), 0 when idle. */
uint8_t sim_lock_motor_action(const struct sim_lock *lock);

/*
 * Timed behaviour: call sim_lock_tick() at (or after) sim_lock_next_deadline() — a virtual
 * clock value, INT64_MAX if nothing is pending. Tick ends pairing mode when it timed out,
 * relocks after lock 'n' go and runs due time-control entries.
 */
int64_t sim_lock_next_deadline(const struct sim_lock *lock);
/* When the motor moves on next, on io->now_ms; INT64_MAX when it is idle. */
int64_t sim_lock_motor_deadline(const struct sim_lock *lock);
void sim_lock_tick(struct sim_lock *lock);

/* Everything worth seeing, as a JSON object (malloc'd string). Secrets only as fingerprints. */
int sim_lock_state_json(const struct sim_lock *lock, char **ret);

/* What a BLE advertiser needs (spec §1.4). */
struct sim_advertising {
        bool pairing_mode;       /* advertise the pairing service data */
        bool state_changed;      /* iBeacon TX-power bit 0 */
        uint32_t nuki_id;        /* iBeacon major ‖ minor */
        enum lk_generation generation;
        uint8_t mode;            /* Config advertising mode (spec §7.8) */
};
void sim_lock_advertising(const struct sim_lock *lock, struct sim_advertising *ret);

/*
 * Add an authorization directly, as if paired (tests, a ctl "seed" request): the shared key
 * is the caller's. -ENOSPC when 200 are stored, -EINVAL for a bad name or type.
 */
int sim_lock_add_authorization(struct sim_lock *lock, uint8_t id_type, uint32_t app_id,
                               const char *name, const uint8_t key[static LK_KEY_SIZE],
                               uint32_t *ret_auth_id);

/*
 * What the lock's owner does in the Nuki app, behind every client's back (lock-owner.c):
 * change the security PIN (-EINVAL when it is too wide for the generation), or make this
 * state answer as another device (its Nuki ID: a lock replaced under the same address).
 */
int sim_lock_set_pin(struct sim_lock *lock, uint32_t pin);
void sim_lock_set_nuki_id(struct sim_lock *lock, uint32_t nuki_id);

/* Small accessors for the program and tests. */
uint8_t sim_lock_lock_state(const struct sim_lock *lock);      /* spec §7.2 */
unsigned sim_lock_log_count(const struct sim_lock *lock);
unsigned sim_lock_authorization_count(const struct sim_lock *lock);
unsigned sim_lock_keypad_code_count(const struct sim_lock *lock);
/* The lock's clock: io->now() plus the offset Update Time set (UTC seconds). */
int64_t sim_lock_clock(const struct sim_lock *lock);
