/* SPDX-License-Identifier: MIT */
/*
 * latchkey-sim engine: the state image — every persistent field, versioned and checksummed.
 *
 * Layout (all integers little-endian):
 *   magic "LKSIMST\0" (8) ‖ version u32 ‖ body length u32 ‖ body ‖ BLAKE2b-256(header ‖ body)
 * The body lists every field explicitly (no struct dumps), so the format does not change with
 * the compiler or the struct layout. Loading checks the size limit, magic, version, checksum,
 * then every length and count against the spec's capacities before it is used.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>

#include "lock-private.h"

#define IMAGE_MAGIC "LKSIMST"          /* 7 characters + NUL = 8 bytes */
#define IMAGE_VERSION 2u               /* 2: an Opener's own section after the config */
#define IMAGE_HEADER_SIZE 16u
#define IMAGE_SUM_SIZE crypto_generichash_BYTES
_Static_assert(crypto_generichash_BYTES == 32, "BLAKE2b-256 checksum");
_Static_assert(sizeof(IMAGE_MAGIC) == 8, "8-byte magic");

/* ---- writer ---- */

struct wbuf {
        uint8_t *p;
        size_t len, size;
        bool overflow;
};

static uint8_t *wtake(struct wbuf *w, size_t n)
{
        uint8_t *p;

        if (w->overflow || w->size - w->len < n) {
                w->overflow = true;
                return NULL;
        }
        p = w->p + w->len;
        w->len += n;
        return p;
}

static void w8(struct wbuf *w, uint8_t v)
{
        uint8_t *p = wtake(w, 1);

        if (p)
                *p = v;
}

static void w16(struct wbuf *w, uint16_t v)
{
        uint8_t *p = wtake(w, 2);

        if (p)
                sim_put16(p, v);
}

static void w32(struct wbuf *w, uint32_t v)
{
        uint8_t *p = wtake(w, 4);

        if (p)
                sim_put32(p, v);
}

static void w64(struct wbuf *w, int64_t v)
{
        w32(w, (uint32_t)(uint64_t)v);
        w32(w, (uint32_t)((uint64_t)v >> 32));
}

static void wbytes(struct wbuf *w, const void *b, size_t n)
{
        uint8_t *p = wtake(w, n);

        if (p)
                memcpy(p, b, n);
}

static void wstr(struct wbuf *w, const char *s)
{
        size_t n = strlen(s);

        w8(w, (uint8_t)n);
        wbytes(w, s, n);
}

static void wfloat(struct wbuf *w, float f)
{
        uint32_t v;

        memcpy(&v, &f, sizeof(v));
        w32(w, v);
}

static void wdt(struct wbuf *w, const struct lk_datetime *dt)
{
        uint8_t *p = wtake(w, LK_DATETIME_SIZE);

        if (p)
                lk_datetime_put(p, dt);
}

static void wtime(struct wbuf *w, const struct lk_time *t)
{
        w8(w, t->hour);
        w8(w, t->minute);
}

static void wwindow(struct wbuf *w, const struct lk_window *win)
{
        w8(w, win->time_limited);
        wdt(w, &win->from);
        wdt(w, &win->until);
        w8(w, win->weekdays);
        wtime(w, &win->from_time);
        wtime(w, &win->until_time);
}

static void write_state(const struct sim_lock *l, struct wbuf *w)
{
        /* identity */
        w8(w, (uint8_t)l->cfg.generation);
        w32(w, l->cfg.nuki_id);
        wbytes(w, l->cfg.uuid, LK_UUID_SIZE);
        w32(w, l->pin.value);
        w8(w, l->pin.size);
        /* lock state */
        w64(w, l->clock_offset);
        w8(w, l->config_count);
        w8(w, l->lock_state);
        w8(w, l->last_action);
        w8(w, l->last_trigger);
        w8(w, l->last_completion);
        w8(w, l->battery);
        w8(w, l->state_changed);
        w8(w, l->logging);
        w32(w, l->pin_failures);
        w64(w, l->pin_lockout_until);
        w32(w, l->keypad_failures);
        w64(w, l->keypad_lockout_until);
        w64(w, l->lng_relock_at);
        w32(w, l->next_auth_id);
        w16(w, l->next_code_id);
        w8(w, l->next_tc_id);
}

static void write_config(const struct sim_lock *l, struct wbuf *w)
{
        const struct lk_config *c = &l->conf;
        const struct lk_advanced_config *a = &l->adv;

        /* Config (spec §6.24) */
        w8(w, c->len);
        wstr(w, c->name);
        wfloat(w, c->latitude);
        wfloat(w, c->longitude);
        w8(w, c->auto_unlatch);
        w8(w, c->pairing_enabled);
        w8(w, c->button_enabled);
        w8(w, c->led_enabled);
        w8(w, c->led_brightness);
        w16(w, (uint16_t)c->timezone_offset);
        w8(w, c->dst_mode);
        w8(w, c->has_fob);
        wbytes(w, c->fob_action, 3);
        w8(w, c->single_lock);
        w8(w, c->advertising_mode);
        w8(w, c->has_keypad);
        wbytes(w, c->firmware_version, 3);
        wbytes(w, c->hardware_revision, 2);
        w8(w, c->homekit_status);
        w16(w, c->timezone_id);
        w8(w, c->device_type);
        w8(w, c->capabilities);
        w8(w, c->has_keypad_2);
        w8(w, c->matter_status);
        w8(w, c->product_variant);
        /* Advanced Config (spec §6.32) */
        w8(w, a->len);
        w16(w, a->total_degrees);
        w16(w, (uint16_t)a->unlocked_position_offset);
        w16(w, (uint16_t)a->locked_position_offset);
        w16(w, (uint16_t)a->single_locked_position_offset);
        w16(w, (uint16_t)a->unlocked_to_locked_transition_offset);
        w8(w, a->lock_n_go_timeout);
        w8(w, a->single_button_action);
        w8(w, a->double_button_action);
        w8(w, a->detached_cylinder);
        w8(w, a->battery_type);
        w8(w, a->automatic_battery_type_detection);
        w8(w, a->unlatch_duration);
        w16(w, a->auto_lock_timeout);
        w8(w, a->auto_unlock_disabled);
        w8(w, a->night_mode_enabled);
        wtime(w, &a->night_mode_start);
        wtime(w, &a->night_mode_end);
        w8(w, a->night_mode_auto_lock_enabled);
        w8(w, a->night_mode_auto_unlock_disabled);
        w8(w, a->night_mode_immediate_lock_on_start);
        w8(w, a->auto_lock_enabled);
        w8(w, a->immediate_auto_lock);
        w8(w, a->auto_update_enabled);
        w8(w, a->motor_speed);
        w8(w, a->slow_speed_during_night_mode);
}

/* An Opener's own state (nuki-opener.md O4, O5; version 2). */
static void write_opener(const struct sim_lock *l, struct wbuf *w)
{
        const struct sim_opener *o = &l->opener;
        const struct lk_opener_advanced_config *a = &o->adv;

        w8(w, o->capabilities);
        w8(w, o->operating_mode);
        w8(w, o->cm);
        w64(w, o->rto_until);
        w8(w, a->len);
        w16(w, a->intercom_id);
        w8(w, a->bus_mode_switch);
        w16(w, a->short_circuit_duration);
        w16(w, a->electric_strike_delay);
        w8(w, a->random_electric_strike_delay);
        w16(w, a->electric_strike_duration);
        w8(w, a->disable_rto_after_ring);
        w8(w, a->rto_timeout);
        w8(w, a->undocumented_12);
        w8(w, a->doorbell_suppression);
        w16(w, a->doorbell_suppression_duration);
        wbytes(w, (uint8_t[]){ a->sound_ring, a->sound_open, a->sound_rto, a->sound_cm }, 4);
        w8(w, a->sound_confirmation);
        w8(w, a->sound_level);
        w8(w, a->single_button_action);
        w8(w, a->double_button_action);
        w8(w, a->battery_type);
        w8(w, a->automatic_battery_type_detection);
        w8(w, a->auto_update_enabled);
}

static void write_tables(const struct sim_lock *l, struct wbuf *w)
{
        /* authorizations */
        w16(w, (uint16_t)l->n_auths);
        for (unsigned i = 0; i < l->n_auths; i++) {
                const struct sim_auth *x = &l->auths[i];

                w32(w, x->id);
                w8(w, x->id_type);
                w32(w, x->app_id);
                wstr(w, x->name);
                wbytes(w, x->key, LK_KEY_SIZE);
                w8(w, x->enabled);
                w8(w, x->remote_allowed);
                w64(w, x->created);
                w64(w, x->last_active);
                w16(w, x->lock_count);
                wwindow(w, &x->window);
        }
        /* keypad codes */
        w16(w, (uint16_t)l->n_codes);
        for (unsigned i = 0; i < l->n_codes; i++) {
                const struct lk_keypad_code *x = &l->codes[i];

                w16(w, x->id);
                w32(w, x->code);
                wstr(w, x->name);
                w8(w, x->enabled);
                wdt(w, &x->created);
                wdt(w, &x->last_active);
                w16(w, x->lock_count);
                wwindow(w, &x->window);
        }
        /* time control */
        w8(w, (uint8_t)l->n_tcs);
        for (unsigned i = 0; i < l->n_tcs; i++) {
                const struct lk_time_control_entry *x = &l->tcs[i].e;

                w8(w, x->id);
                w8(w, x->enabled);
                w8(w, x->weekdays);
                wtime(w, &x->time);
                w8(w, x->action);
        }
        /* log */
        w32(w, l->next_log_index);
        w32(w, l->log_count);
        for (unsigned i = 0; i < l->log_count; i++) {
                const struct sim_log_entry *x = sim_log_at(l, i);

                w32(w, x->index);
                w64(w, x->time);
                w32(w, x->auth_id);
                wstr(w, x->name);
                w8(w, x->type);
                w8(w, x->data_len);
                wbytes(w, x->data, x->data_len);
        }
}

static void write_body(const struct sim_lock *l, struct wbuf *w)
{
        write_state(l, w);
        write_config(l, w);
        if (sim_is_opener(l))
                write_opener(l, w);
        write_tables(l, w);
}

/* Upper bound of an image: per-record maxima with room to spare. */
static size_t image_bound(const struct sim_lock *l)
{
        return IMAGE_HEADER_SIZE + 512 + (size_t)l->n_auths * 160 + (size_t)l->n_codes * 100 +
               (size_t)l->n_tcs * 8 + (size_t)l->log_count * 64 + IMAGE_SUM_SIZE;
}

int sim_lock_save(const struct sim_lock *lock, uint8_t **ret_buf, size_t *ret_len)
{
        struct wbuf w = { .size = image_bound(lock) };
        size_t body;

        w.p = malloc(w.size);
        if (!w.p)
                return -ENOMEM;
        wbytes(&w, IMAGE_MAGIC, sizeof(IMAGE_MAGIC));
        w32(&w, IMAGE_VERSION);
        w32(&w, 0); /* body length, below */
        write_body(lock, &w);
        if (w.overflow || w.len + IMAGE_SUM_SIZE > SIM_IMAGE_MAX) {
                sim_image_free(w.p, w.size);
                return -EMSGSIZE; /* a bug in image_bound */
        }
        body = w.len - IMAGE_HEADER_SIZE;
        sim_put32(w.p + 12, (uint32_t)body);
        crypto_generichash(w.p + w.len, IMAGE_SUM_SIZE, w.p, w.len, NULL, 0);
        *ret_len = w.len + IMAGE_SUM_SIZE;
        *ret_buf = w.p;
        return 0;
}

void sim_image_free(uint8_t *buf, size_t len)
{
        if (!buf)
                return;
        lk_wipe(buf, len);
        free(buf);
}

/* ---- reader ---- */

struct rbuf {
        const uint8_t *p;
        size_t len, pos;
        bool bad;
};

static const uint8_t *rtake(struct rbuf *r, size_t n)
{
        const uint8_t *p;

        if (r->bad || r->len - r->pos < n) {
                r->bad = true;
                return NULL;
        }
        p = r->p + r->pos;
        r->pos += n;
        return p;
}

static uint8_t r8(struct rbuf *r)
{
        const uint8_t *p = rtake(r, 1);

        return p ? *p : 0;
}

static bool rbool(struct rbuf *r)
{
        return r8(r) != 0;
}

static uint16_t r16(struct rbuf *r)
{
        const uint8_t *p = rtake(r, 2);

        return p ? sim_get16(p) : 0;
}

static uint32_t r32(struct rbuf *r)
{
        const uint8_t *p = rtake(r, 4);

        return p ? sim_get32(p) : 0;
}

static int64_t r64(struct rbuf *r)
{
        uint64_t lo = r32(r), hi = r32(r);

        return (int64_t)(lo | hi << 32);
}

static void rbytes(struct rbuf *r, void *b, size_t n)
{
        const uint8_t *p = rtake(r, n);

        if (p)
                memcpy(b, p, n);
        else
                memset(b, 0, n);
}

/* A string of at most max bytes, valid UTF-8 without NUL, into ret (max + 1 bytes). */
static void rstr(struct rbuf *r, char *ret, size_t max)
{
        size_t n = r8(r);
        const uint8_t *p;

        ret[0] = '\0';
        if (n > max) {
                r->bad = true;
                return;
        }
        p = rtake(r, n);
        if (!p)
                return;
        if (memchr(p, 0, n) || !lk_utf8_is_valid(p, n)) {
                r->bad = true;
                return;
        }
        memcpy(ret, p, n);
        ret[n] = '\0';
}

static float rfloat(struct rbuf *r)
{
        uint32_t v = r32(r);
        float f;

        memcpy(&f, &v, sizeof(f));
        return f;
}

static void rdt(struct rbuf *r, struct lk_datetime *dt)
{
        const uint8_t *p = rtake(r, LK_DATETIME_SIZE);

        if (p)
                lk_datetime_get(p, dt);
        else
                *dt = (struct lk_datetime){ 0 };
}

static void rtime(struct rbuf *r, struct lk_time *t)
{
        t->hour = r8(r);
        t->minute = r8(r);
}

static void rwindow(struct rbuf *r, struct lk_window *w)
{
        w->time_limited = rbool(r);
        rdt(r, &w->from);
        rdt(r, &w->until);
        w->weekdays = r8(r);
        rtime(r, &w->from_time);
        rtime(r, &w->until_time);
}

static int read_identity(struct rbuf *r, struct sim_config *cfg, struct lk_pin *pin)
{
        cfg->generation = (enum lk_generation)r8(r);
        cfg->nuki_id = r32(r);
        rbytes(r, cfg->uuid, LK_UUID_SIZE);
        pin->value = r32(r);
        pin->size = r8(r);
        if (r->bad)
                return -EBADMSG;
        cfg->pin = *pin;
        if (sim_config_check(cfg) < 0 || pin->size != lk_generation_pin_size(cfg->generation))
                return -EBADMSG;
        return 0;
}

static int read_state(struct sim_lock *l, struct rbuf *r)
{
        l->clock_offset = r64(r);
        l->config_count = r8(r);
        l->lock_state = r8(r);
        /* saved while the motor turned: a restart forgets where it was [DECISION] */
        if (!sim_is_opener(l) && (l->lock_state == LK_LOCK_STATE_UNLOCKING ||
                                  l->lock_state == LK_LOCK_STATE_LOCKING ||
                                  l->lock_state == LK_LOCK_STATE_UNLATCHING))
                l->lock_state = LK_LOCK_STATE_UNDEFINED;
        l->last_action = r8(r);
        l->last_trigger = r8(r);
        l->last_completion = r8(r);
        l->battery = r8(r);
        l->state_changed = rbool(r);
        l->logging = rbool(r);
        l->pin_failures = r32(r);
        l->pin_lockout_until = r64(r);
        l->keypad_failures = r32(r);
        l->keypad_lockout_until = r64(r);
        l->lng_relock_at = r64(r);
        l->next_auth_id = r32(r);
        l->next_code_id = r16(r);
        l->next_tc_id = r8(r);
        if (l->battery > 100)
                return -EBADMSG;
        return 0;
}

static int read_config(struct sim_lock *l, struct rbuf *r)
{
        struct lk_config *c = &l->conf;
        struct lk_advanced_config *a = &l->adv;

        c->len = r8(r);
        rstr(r, c->name, LK_AUTH_NAME_SIZE);
        c->latitude = rfloat(r);
        c->longitude = rfloat(r);
        c->auto_unlatch = rbool(r);
        c->pairing_enabled = rbool(r);
        c->button_enabled = rbool(r);
        c->led_enabled = rbool(r);
        c->led_brightness = r8(r);
        c->timezone_offset = (int16_t)r16(r);
        c->dst_mode = r8(r);
        c->has_fob = rbool(r);
        rbytes(r, c->fob_action, 3);
        c->single_lock = rbool(r);
        c->advertising_mode = r8(r);
        c->has_keypad = rbool(r);
        rbytes(r, c->firmware_version, 3);
        rbytes(r, c->hardware_revision, 2);
        c->homekit_status = r8(r);
        c->timezone_id = r16(r);
        c->device_type = r8(r);
        c->capabilities = r8(r);
        c->has_keypad_2 = rbool(r);
        c->matter_status = r8(r);
        c->product_variant = r8(r);
        if (c->len < LK_CONFIG_MIN || c->len > LK_CONFIG_FULL)
                return -EBADMSG;

        a->len = r8(r);
        a->total_degrees = r16(r);
        a->unlocked_position_offset = (int16_t)r16(r);
        a->locked_position_offset = (int16_t)r16(r);
        a->single_locked_position_offset = (int16_t)r16(r);
        a->unlocked_to_locked_transition_offset = (int16_t)r16(r);
        a->lock_n_go_timeout = r8(r);
        a->single_button_action = r8(r);
        a->double_button_action = r8(r);
        a->detached_cylinder = rbool(r);
        a->battery_type = r8(r);
        a->automatic_battery_type_detection = rbool(r);
        a->unlatch_duration = r8(r);
        a->auto_lock_timeout = r16(r);
        a->auto_unlock_disabled = rbool(r);
        a->night_mode_enabled = rbool(r);
        rtime(r, &a->night_mode_start);
        rtime(r, &a->night_mode_end);
        a->night_mode_auto_lock_enabled = rbool(r);
        a->night_mode_auto_unlock_disabled = rbool(r);
        a->night_mode_immediate_lock_on_start = rbool(r);
        a->auto_lock_enabled = rbool(r);
        a->immediate_auto_lock = r8(r);
        a->auto_update_enabled = rbool(r);
        a->motor_speed = r8(r);
        a->slow_speed_during_night_mode = rbool(r);
        if (a->len < LK_ADV_SETTINGS_API21 || a->len > LK_ADV_SETTINGS_ULTRA)
                return -EBADMSG;
        return 0;
}

static int read_opener(struct sim_lock *l, struct rbuf *r)
{
        struct sim_opener *o = &l->opener;
        struct lk_opener_advanced_config *a = &o->adv;
        uint8_t sounds[4];

        o->capabilities = r8(r);
        o->operating_mode = r8(r);
        o->cm = rbool(r);
        o->rto_until = r64(r);
        a->len = r8(r);
        a->intercom_id = r16(r);
        a->bus_mode_switch = r8(r);
        a->short_circuit_duration = r16(r);
        a->electric_strike_delay = r16(r);
        a->random_electric_strike_delay = rbool(r);
        a->electric_strike_duration = r16(r);
        a->disable_rto_after_ring = rbool(r);
        a->rto_timeout = r8(r);
        a->undocumented_12 = r8(r);
        a->doorbell_suppression = r8(r);
        a->doorbell_suppression_duration = r16(r);
        rbytes(r, sounds, sizeof(sounds));
        a->sound_ring = sounds[0];
        a->sound_open = sounds[1];
        a->sound_rto = sounds[2];
        a->sound_cm = sounds[3];
        a->sound_confirmation = rbool(r);
        a->sound_level = r8(r);
        a->single_button_action = r8(r);
        a->double_button_action = r8(r);
        a->battery_type = r8(r);
        a->automatic_battery_type_detection = rbool(r);
        a->auto_update_enabled = rbool(r);
        if (a->len < LK_OPENER_ADVANCED_CONFIG_MIN || a->len > LK_OPENER_ADVANCED_CONFIG_FULL ||
            o->capabilities > LK_OPENER_CAP_RTO)
                return -EBADMSG;
        /* saved mid-strike: a restart forgets it (as the motor states above) [DECISION] */
        if (l->lock_state == LK_OPENER_STATE_OPENING || l->lock_state == LK_OPENER_STATE_OPEN)
                l->lock_state = LK_OPENER_STATE_ONLINE;
        return 0;
}

static int read_lists(struct sim_lock *l, struct rbuf *r)
{
        unsigned n;

        n = r16(r);
        if (n > LK_MAX_AUTHORIZATIONS)
                return -EBADMSG;
        for (unsigned i = 0; i < n && !r->bad; i++) {
                struct sim_auth *x = &l->auths[i];

                x->id = r32(r);
                x->id_type = r8(r);
                x->app_id = r32(r);
                rstr(r, x->name, LK_AUTH_NAME_SIZE);
                rbytes(r, x->key, LK_KEY_SIZE);
                x->enabled = rbool(r);
                x->remote_allowed = rbool(r);
                x->created = r64(r);
                x->last_active = r64(r);
                x->lock_count = r16(r);
                rwindow(r, &x->window);
                if (x->id == 0 || x->id >= LK_ULTRA_PAIRING_AUTH_ID || x->id_type > LK_ID_KEYPAD ||
                    sim_auth_find(l, x->id))
                        return -EBADMSG;
                l->n_auths = i + 1;
        }

        n = r16(r);
        if (n > LK_MAX_KEYPAD_CODES)
                return -EBADMSG;
        for (unsigned i = 0; i < n && !r->bad; i++) {
                struct lk_keypad_code x = { 0 };

                x.id = r16(r);
                x.code = r32(r);
                rstr(r, x.name, LK_CODE_NAME_SIZE);
                x.enabled = rbool(r);
                rdt(r, &x.created);
                rdt(r, &x.last_active);
                x.lock_count = r16(r);
                rwindow(r, &x.window);
                if (x.id == 0 || sim_code_find(l, x.id) || sim_code_find_value(l, x.code))
                        return -EBADMSG;
                l->codes[i] = x;
                l->n_codes = i + 1;
        }

        n = r8(r);
        if (n > LK_MAX_TIME_CONTROL)
                return -EBADMSG;
        for (unsigned i = 0; i < n && !r->bad; i++) {
                struct lk_time_control_entry x;

                x.id = r8(r);
                x.enabled = rbool(r);
                x.weekdays = r8(r);
                rtime(r, &x.time);
                x.action = r8(r);
                if (x.id == 0 || sim_tc_find(l, x.id))
                        return -EBADMSG;
                l->tcs[i] = (struct sim_time_control){ .e = x };
                l->n_tcs = i + 1;
        }
        return 0;
}

static int read_log(struct sim_lock *l, struct rbuf *r)
{
        unsigned n;

        l->next_log_index = r32(r);
        n = r32(r);
        if (n > SIM_LOG_CAPACITY_MAX)
                return -EBADMSG;
        uint32_t last = 0;
        for (unsigned i = 0; i < n && !r->bad; i++) {
                struct sim_log_entry x = { 0 };

                x.index = r32(r);
                x.time = r64(r);
                x.auth_id = r32(r);
                rstr(r, x.name, LK_AUTH_NAME_SIZE);
                x.type = r8(r);
                x.data_len = r8(r);
                if (x.data_len > sizeof(x.data) || x.index <= last)
                        return -EBADMSG;
                rbytes(r, x.data, x.data_len);
                last = x.index;
                /* keep the newest cfg.log_capacity entries */
                unsigned cap = l->cfg.log_capacity;
                if (l->log_count == cap) {
                        l->log[l->log_head] = x;
                        l->log_head = (l->log_head + 1) % cap;
                } else
                        l->log[(l->log_head + l->log_count++) % cap] = x;
        }
        if (r->bad || r->pos != r->len || (n > 0 && l->next_log_index <= last))
                return -EBADMSG;
        return 0;
}

static int read_body(struct sim_lock *l, struct rbuf *r, uint32_t version)
{
        int k = read_state(l, r);

        if (k >= 0)
                k = read_config(l, r);
        /* version 1 had no Opener section: an Opener keeps its factory settings */
        if (k >= 0 && version >= 2 && sim_is_opener(l))
                k = read_opener(l, r);
        if (k >= 0)
                k = read_lists(l, r);
        if (k >= 0)
                k = read_log(l, r);
        return k;
}

int sim_lock_load(const struct sim_config *cfg, const struct sim_io *io,
                  const struct lk_env *env, const uint8_t *buf, size_t len,
                  struct sim_lock **ret)
{
        uint8_t sum[IMAGE_SUM_SIZE];
        struct sim_config c;
        struct sim_lock *lock = NULL;
        struct lk_pin pin;
        struct rbuf r;
        uint32_t body, version;
        int k;

        if (!cfg || !buf || !ret)
                return -EINVAL;
        k = sim_config_check(cfg);
        if (k < 0)
                return k;
        if (len > SIM_IMAGE_MAX)
                return -EMSGSIZE;
        if (len < IMAGE_HEADER_SIZE + IMAGE_SUM_SIZE ||
            memcmp(buf, IMAGE_MAGIC, sizeof(IMAGE_MAGIC)) != 0)
                return -EBADMSG;
        version = sim_get32(buf + 8);
        if (version < 1 || version > IMAGE_VERSION)
                return -EPROTONOSUPPORT;
        body = sim_get32(buf + 12);
        if ((size_t)body != len - IMAGE_HEADER_SIZE - IMAGE_SUM_SIZE)
                return -EBADMSG;
        crypto_generichash(sum, sizeof(sum), buf, len - IMAGE_SUM_SIZE, NULL, 0);
        if (sodium_memcmp(sum, buf + len - IMAGE_SUM_SIZE, IMAGE_SUM_SIZE) != 0)
                return -EBADMSG;

        r = (struct rbuf){ .p = buf + IMAGE_HEADER_SIZE, .len = body };
        c = *cfg;
        k = read_identity(&r, &c, &pin);
        if (k < 0)
                goto fail;
        k = sim_lock_alloc(&c, io, env, &lock);
        if (k < 0)
                goto fail;
        k = read_body(lock, &r, version);
        if (k < 0)
                goto fail;
        memcpy(lock->cfg.name, lock->conf.name, sizeof(lock->cfg.name));
        lk_wipe(&pin, sizeof(pin));
        lk_wipe(&c, sizeof(c));
        *ret = lock;
        return 0;
fail:
        sim_lock_free(lock);
        lk_wipe(&pin, sizeof(pin));
        lk_wipe(&c, sizeof(c));
        return k;
}
