/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the lock's state model — clock, time windows, authorizations, keypad
 * codes, time control entries, the log ring and Keyturner States (spec §9, §10): the bottom
 * of the engine, calling nothing above it. Lock actions and the controls that start them are
 * the motor's (lock-motor.c), what happens as time passes lock-timers.c's.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "lock-private.h"

void sim_config_default(struct sim_config *ret)
{
        *ret = (struct sim_config){
                .generation = LK_GEN_SMARTLOCK_3,
                .name = "Nuki_Sim",
                .nuki_id = 0x5A1B2C3Du,
                .uuid = { 0x6c, 0x61, 0x74, 0x63, 0x68, 0x6b, 0x65, 0x79,
                          0x2d, 0x73, 0x69, 0x6d, 0x00, 0x00, 0x00, 0x01 },
                .pin = { .value = 0, .size = 2 },     /* spec §5.2 [DECISION] */
                .log_capacity = LK_LOG_CAPACITY,      /* spec §9.2 */
                .pairing_timeout_s = 60,              /* spec §4.2 [DECISION] 30 s … 5 min */
                .pin_attempts = 3,                    /* spec §12: unknown; ours */
                .pin_lockout_s = 300,
                .tz_offset_min = 0,
                .motor_ms = SIM_MOTOR_DEFAULT_MS,
        };
}

/* ---- clock and time windows (spec §9.3) ---- */

int64_t sim_vnow(const struct sim_lock *lock)
{
        return lock->io.now(lock->io.userdata);
}

int64_t sim_now(const struct sim_lock *lock)
{
        return lock->io.now(lock->io.userdata) + lock->clock_offset;
}

/* latchkey/zone.h [DECISION]: a zone ID runs by the tz database, else offset and DST mode. */
int sim_local_offset(const struct sim_lock *lock, int64_t utc)
{
        const struct lk_config *c = &lock->conf;
        int m;

        if (c->timezone_id < LK_TIMEZONE_COUNT && lock->io.zone_offset &&
            lock->io.zone_offset(lock->io.userdata, lk_timezone_name(c->timezone_id), utc, &m) >= 0)
                return m;
        return lk_lock_local_offset(c->timezone_offset, c->dst_mode, utc);
}

int64_t sim_local(const struct sim_lock *lock)
{
        int64_t now = sim_now(lock);

        return now + (int64_t)sim_local_offset(lock, now) * 60;
}

void sim_unix_to_dt(int64_t t, struct lk_datetime *ret)
{
        struct lk_datetime dt = { 0 };

        if (lk_datetime_from_unix(t, &dt) < 0)
                dt = (struct lk_datetime){ 0 };
        *ret = dt;
}

int64_t sim_dt_to_unix(const struct lk_datetime *dt)
{
        int64_t t = 0;

        if (lk_datetime_to_unix(dt, &t) < 0)
                return 0;
        return t;
}

bool sim_window_ok(const struct lk_window *w)
{
        if (!w->time_limited)
                return true;
        if (!lk_datetime_is_zero(&w->from) && !lk_datetime_is_valid(&w->from))
                return false;
        if (!lk_datetime_is_zero(&w->until) && !lk_datetime_is_valid(&w->until))
                return false;
        if (!lk_datetime_is_zero(&w->from) && !lk_datetime_is_zero(&w->until) &&
            lk_datetime_cmp(&w->until, &w->from) < 0)
                return false;
        return (w->weekdays & 0x80) == 0 && lk_time_is_valid(&w->from_time) &&
               lk_time_is_valid(&w->until_time);
}

/*
 * spec §9.3 [DECISION]: allowed if not time limited, or inside [from, until] (UTC, a zero
 * bound is open), on an allowed local weekday (0 = all) and inside the daily local window
 * (00:00–00:00 = the whole day; a window ending before it starts runs over midnight).
 */
bool sim_window_allows(const struct sim_lock *lock, const struct lk_window *w)
{
        int64_t now = sim_now(lock), local;
        unsigned wd, minute, from, until;
        int offset;

        if (!w->time_limited)
                return true;
        if (!lk_datetime_is_zero(&w->from) && now < sim_dt_to_unix(&w->from))
                return false;
        if (!lk_datetime_is_zero(&w->until) && now > sim_dt_to_unix(&w->until))
                return false;
        offset = sim_local_offset(lock, now);
        wd = lk_weekday(now, offset);
        if (w->weekdays != 0 && !(w->weekdays & (LK_WEEKDAY_MONDAY >> wd)))
                return false;
        from = w->from_time.hour * 60u + w->from_time.minute;
        until = w->until_time.hour * 60u + w->until_time.minute;
        if (from == 0 && until == 0)
                return true;
        local = now + (int64_t)offset * 60;
        minute = (unsigned)(((local % 86400) + 86400) % 86400 / 60);
        if (from <= until)
                return minute >= from && minute <= until;
        return minute >= from || minute <= until;
}

void sim_changed(struct sim_lock *lock)
{
        if (lock->io.changed)
                lock->io.changed(lock->io.userdata);
}

/* ---- authorizations (spec §4, §6.7–§6.13) ---- */

struct sim_auth *sim_auth_find(struct sim_lock *lock, uint32_t id)
{
        for (unsigned i = 0; i < lock->n_auths; i++)
                if (lock->auths[i].id == id)
                        return &lock->auths[i];
        return NULL;
}

static bool replaces(const struct sim_auth *a, uint8_t id_type, uint32_t app_id)
{
        /* spec §4.1: the same ID pairing again overwrites; only one bridge per lock. 0 is
         * "no ID" and never overwrites [DECISION]. */
        return (id_type == LK_ID_BRIDGE && a->id_type == LK_ID_BRIDGE) ||
               (app_id != 0 && a->id_type == id_type && a->app_id == app_id);
}

bool sim_auth_would_replace(const struct sim_lock *lock, uint8_t id_type, uint32_t app_id)
{
        for (unsigned i = 0; i < lock->n_auths; i++)
                if (replaces(&lock->auths[i], id_type, app_id))
                        return true;
        return false;
}

uint32_t sim_auth_next_id(struct sim_lock *lock)
{
        uint32_t id;

        do {
                id = lock->next_auth_id++;
                if (lock->next_auth_id == 0 || lock->next_auth_id >= LK_ULTRA_PAIRING_AUTH_ID)
                        lock->next_auth_id = 1;
        } while (id == 0 || id >= LK_ULTRA_PAIRING_AUTH_ID || sim_auth_find(lock, id));
        return id;
}

int sim_auth_add(struct sim_lock *lock, uint32_t id, uint8_t id_type, uint32_t app_id,
                 const char *name, const uint8_t key[static LK_KEY_SIZE], struct sim_auth **ret)
{
        struct sim_auth *a;
        size_t n = strlen(name);

        if (id_type > LK_ID_KEYPAD || n > LK_AUTH_NAME_SIZE ||
            !lk_utf8_is_valid((const uint8_t *)name, n))
                return -EINVAL;
        for (unsigned i = 0; i < lock->n_auths;) {
                a = &lock->auths[i];
                if (replaces(a, id_type, app_id) || (id != 0 && a->id == id))
                        (void) sim_auth_remove(lock, a->id);
                else
                        i++;
        }
        if (lock->n_auths >= LK_MAX_AUTHORIZATIONS)
                return -ENOSPC;
        if (id == 0)
                id = sim_auth_next_id(lock);
        a = &lock->auths[lock->n_auths++];
        *a = (struct sim_auth){
                .id = id,
                .id_type = id_type,
                .app_id = app_id,
                .enabled = true,
                .remote_allowed = true,
                .created = sim_now(lock),
        };
        memcpy(a->name, name, n);
        a->name[n] = '\0';
        memcpy(a->key, key, LK_KEY_SIZE);
        if (ret)
                *ret = a;
        return 0;
}

bool sim_auth_remove(struct sim_lock *lock, uint32_t id)
{
        struct sim_auth *a = sim_auth_find(lock, id);
        size_t i;

        if (!a)
                return false;
        i = (size_t)(a - lock->auths);
        lk_wipe(a, sizeof(*a));
        memmove(a, a + 1, (lock->n_auths - i - 1) * sizeof(*a));
        lock->n_auths--;
        lk_wipe(&lock->auths[lock->n_auths], sizeof(*a));
        return true;
}

void sim_challenges_drop(struct sim_lock *lock)
{
        for (unsigned i = 0; i < lock->n_auths; i++) {
                lk_wipe(lock->auths[i].challenge, LK_CHALLENGE_SIZE);
                lock->auths[i].challenge_valid = false;
        }
}

int sim_lock_add_authorization(struct sim_lock *lock, uint8_t id_type, uint32_t app_id,
                               const char *name, const uint8_t key[static LK_KEY_SIZE],
                               uint32_t *ret_auth_id)
{
        struct sim_auth *a;
        int r = sim_auth_add(lock, 0, id_type, app_id, name, key, &a);

        if (r < 0)
                return r;
        sim_changed(lock);
        if (ret_auth_id)
                *ret_auth_id = a->id;
        return 0;
}

/* ---- the log ring (spec §6.29, §9.2) ---- */

/* Copy at most max bytes of s into d without splitting a UTF-8 character. */
static void copy_name(char *d, size_t max, const char *s)
{
        size_t n = strlen(s);

        if (n > max) {
                n = max;
                while (n > 0 && ((uint8_t)s[n] & 0xC0) == 0x80)
                        n--;
        }
        memcpy(d, s, n);
        d[n] = '\0';
}

void sim_log_add(struct sim_lock *lock, uint32_t auth_id, const char *name, uint8_t type,
                 const uint8_t *data, uint8_t n)
{
        unsigned cap = lock->cfg.log_capacity;
        struct sim_log_entry *e;

        if (!lock->logging && type != LK_LOG_LOGGING_ENABLED)
                return;
        if (lock->log_count == cap) {
                e = &lock->log[lock->log_head];
                lock->log_head = (lock->log_head + 1) % cap;
        } else
                e = &lock->log[(lock->log_head + lock->log_count++) % cap];
        *e = (struct sim_log_entry){
                .index = lock->next_log_index++,
                .time = sim_now(lock),
                .auth_id = auth_id,
                .type = type,
                .data_len = n > sizeof(e->data) ? sizeof(e->data) : n,
        };
        copy_name(e->name, LK_AUTH_NAME_SIZE, name ? name : "");
        memcpy(e->data, data, e->data_len);
        if (lock->next_log_index == 0)
                lock->next_log_index = 1;
}

const struct sim_log_entry *sim_log_at(const struct sim_lock *lock, unsigned i)
{
        if (i >= lock->log_count)
                return NULL;
        return &lock->log[(lock->log_head + i) % lock->cfg.log_capacity];
}

/* Move the ring into ring (capacity entries), keeping the newest; frees the old one. */
void sim_log_set_capacity_keep_newest(struct sim_lock *lock, struct sim_log_entry *ring,
                                      unsigned capacity)
{
        unsigned keep = lock->log_count < capacity ? lock->log_count : capacity;
        unsigned skip = lock->log_count - keep;

        for (unsigned i = 0; i < keep; i++)
                ring[i] = *sim_log_at(lock, skip + i);
        free(lock->log);
        lock->log = ring;
        lock->log_head = 0;
        lock->log_count = keep;
        lock->cfg.log_capacity = capacity;
}

unsigned sim_lock_log_count(const struct sim_lock *lock)
{
        return lock->log_count;
}

/* ---- keypad codes and time control ---- */

struct lk_keypad_code *sim_code_find(struct sim_lock *lock, uint16_t id)
{
        for (unsigned i = 0; i < lock->n_codes; i++)
                if (lock->codes[i].id == id)
                        return &lock->codes[i];
        return NULL;
}

struct lk_keypad_code *sim_code_find_value(struct sim_lock *lock, uint32_t code)
{
        for (unsigned i = 0; i < lock->n_codes; i++)
                if (lock->codes[i].code == code)
                        return &lock->codes[i];
        return NULL;
}

struct sim_time_control *sim_tc_find(struct sim_lock *lock, uint8_t id)
{
        for (unsigned i = 0; i < lock->n_tcs; i++)
                if (lock->tcs[i].e.id == id)
                        return &lock->tcs[i];
        return NULL;
}

unsigned sim_lock_authorization_count(const struct sim_lock *lock)
{
        return lock->n_auths;
}

unsigned sim_lock_keypad_code_count(const struct sim_lock *lock)
{
        return lock->n_codes;
}

/* ---- Keyturner States (spec §6.14) ---- */

bool sim_pairing_mode(const struct sim_lock *lock)
{
        return lock->pairing_until != 0 && lock->io.now(lock->io.userdata) < lock->pairing_until;
}

uint8_t sim_nuki_state(const struct sim_lock *lock)
{
        if (sim_pairing_mode(lock))
                return LK_NUKI_STATE_PAIRING_MODE;
        /* O7.1: an Opener's continuous mode is a Nuki state */
        return lock->opener.cm ? LK_NUKI_STATE_CONTINUOUS_MODE : LK_NUKI_STATE_DOOR_MODE;
}

static uint8_t battery_byte(const struct sim_lock *lock)
{
        /* bit0 critical; bits 2–7 = percent / 2 (spec §6.14, OSS) */
        return (uint8_t)(((lock->battery / 2) << 2) |
                         (lock->battery < 20 ? LK_BATTERY_STATE_CRITICAL : 0));
}

void sim_keyturner_states(const struct sim_lock *lock, struct lk_keyturner_states *ret)
{
        int64_t now = sim_now(lock);
        bool full = lock->cfg.generation == LK_GEN_SMARTLOCK_4 ||
                    lock->cfg.generation == LK_GEN_ULTRA;
        struct lk_keyturner_states ks = {
                /* spec §6.14 [DECISION] API 2.2.1 layout; SL4/Ultra the full one */
                .len = full ? LK_KEYTURNER_STATES_FULL : LK_KEYTURNER_STATES_API22,
                .nuki_state = sim_nuki_state(lock),
                .lock_state = lock->lock_state,
                .trigger = lock->last_trigger,
                .timezone_offset = (int16_t)sim_local_offset(lock, now), /* in force now */
                .battery_state = battery_byte(lock),
                .config_update_count = lock->config_count,
                .last_lock_action = lock->last_action,
                .last_lock_trigger = lock->last_trigger,
                .last_lock_completion = lock->last_completion,
                .door_sensor_state = LK_DOOR_UNAVAILABLE,
                .night_mode_active = false,
                .bridge_rssi = full ? 0x01 : 0,  /* not supported */
                .wifi_rssi = full ? 0x01 : 0,
        };

        if (lock->cfg.api_v1)
                ks.len = LK_KEYTURNER_STATES_MIN; /* the 13-byte layout */
        sim_unix_to_dt(now, &ks.current_time);
        /* spec §6.14 byte 20 bit0: keypad battery information supported */
        if (sim_keypad_present(lock))
                ks.accessory_battery_state = 0x01;
        if (lock->lng_relock_at > now)
                ks.lock_n_go_timer = (uint8_t)(lock->lng_relock_at - now > 255 ? 255 :
                                               lock->lng_relock_at - now);
        *ret = ks;
}

bool sim_keypad_present(const struct sim_lock *lock)
{
        if (lock->n_codes > 0)
                return true;
        for (unsigned i = 0; i < lock->n_auths; i++)
                if (lock->auths[i].id_type == LK_ID_KEYPAD)
                        return true;
        return false;
}

bool sim_pin_ok(const struct sim_lock *lock, uint32_t pin)
{
        uint8_t a[4], b[4];
        bool ok;

        sim_put32(a, lock->pin.value);
        sim_put32(b, pin);
        ok = sodium_memcmp(a, b, sizeof(a)) == 0; /* STYLE §5: no memcmp on secrets */
        lk_wipe(a, sizeof(a));
        lk_wipe(b, sizeof(b));
        return ok;
}

/* ---- controls ---- */

int sim_lock_set_battery(struct sim_lock *lock, unsigned percent)
{
        if (percent > 100)
                return -EINVAL;
        lock->battery = (uint8_t)percent;
        lock->state_changed = true;
        sim_changed(lock);
        return 0;
}

void sim_lock_fault_busy(struct sim_lock *lock, unsigned n)
{
        lock->busy_faults = n;
}

/* ---- misc ---- */

uint8_t sim_lock_lock_state(const struct sim_lock *lock)
{
        return lock->lock_state;
}

int64_t sim_lock_clock(const struct sim_lock *lock)
{
        return sim_now(lock);
}

bool sim_lock_is_connected(const struct sim_lock *lock)
{
        return lock->connected;
}

void sim_lock_advertising(const struct sim_lock *lock, struct sim_advertising *ret)
{
        *ret = (struct sim_advertising){
                .pairing_mode = sim_pairing_mode(lock),
                .state_changed = lock->state_changed,
                .nuki_id = lock->cfg.nuki_id,
                .generation = lock->cfg.generation,
                .mode = lock->conf.advertising_mode,
        };
}
