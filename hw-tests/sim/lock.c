/* SPDX-License-Identifier: MIT */
/* latchkey-sim engine: lifecycle, defaults, the link and the receive entry point. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "lock-private.h"

int sim_config_check(const struct sim_config *cfg)
{
        unsigned pin_size;
        size_t n;

        switch (cfg->generation) {
        case LK_GEN_SMARTLOCK_1:
        case LK_GEN_SMARTLOCK_2:
        case LK_GEN_SMARTLOCK_3:
        case LK_GEN_SMARTLOCK_4:
        case LK_GEN_ULTRA:
        case LK_GEN_OPENER:
                break;
        default:
                return -EINVAL;
        }
        pin_size = lk_generation_pin_size(cfg->generation);
        /* spec §0: 4-digit PIN (uint16) on SL1–4, 6 digits (uint32) on Ultra */
        if (cfg->pin.value > (pin_size == 4 ? 999999u : 9999u))
                return -EINVAL;
        if (cfg->log_capacity == 0 || cfg->log_capacity > SIM_LOG_CAPACITY_MAX)
                return -EINVAL;
        n = strnlen(cfg->name, sizeof(cfg->name));
        if (n == sizeof(cfg->name) || !lk_utf8_is_valid((const uint8_t *)cfg->name, n))
                return -EINVAL;
        return 0;
}

static uint8_t device_type(enum lk_generation gen)
{
        switch (gen) {
        case LK_GEN_SMARTLOCK_1:
        case LK_GEN_SMARTLOCK_2:
                return LK_DEVICE_SMARTLOCK_1_2;
        case LK_GEN_SMARTLOCK_3:
        case LK_GEN_SMARTLOCK_4:
                return LK_DEVICE_SMARTLOCK_3_4;
        case LK_GEN_ULTRA:
                return LK_DEVICE_ULTRA;
        case LK_GEN_OPENER:
                return LK_DEVICE_OPENER;
        }
        return LK_DEVICE_SMARTLOCK_1_2;
}

/* Factory settings: spec §6.22–§6.24, §6.32 defaults where the spec names them. */
void sim_conf_defaults(struct sim_lock *lock)
{
        enum lk_generation gen = lock->cfg.generation;
        bool ultra = lk_generation_is_ultra(gen);

        lock->conf = (struct lk_config){
                .len = gen <= LK_GEN_SMARTLOCK_2 || gen == LK_GEN_OPENER ? LK_CONFIG_API21 : 78,
                .nuki_id = lock->cfg.nuki_id,
                .latitude = 47.0707f,  /* Graz, as in the official example */
                .longitude = 15.4395f,
                .pairing_enabled = true,
                .button_enabled = true,
                .led_enabled = true,
                .led_brightness = 3,
                .timezone_offset = lock->cfg.tz_offset_min,
                .dst_mode = LK_DST_DISABLED, /* a factory lock on its offset alone */
                .fob_action = { LK_FOB_UNLOCK, LK_FOB_LOCK, LK_FOB_NONE },
                .advertising_mode = LK_ADV_AUTOMATIC,
                .firmware_version = { (uint8_t)(gen == LK_GEN_OPENER ? 1 : gen), 6, 4 },
                .hardware_revision = { (uint8_t)(gen == LK_GEN_OPENER ? 1 : gen), 0 },
                .homekit_status = gen >= LK_GEN_SMARTLOCK_4 ? 0 : 1,
                .timezone_id = LK_TIMEZONE_NONE,
                .device_type = device_type(gen),
                .matter_status = gen >= LK_GEN_SMARTLOCK_4 && gen != LK_GEN_OPENER ? 1 : 0,
        };
        snprintf(lock->conf.name, sizeof(lock->conf.name), "%s", lock->cfg.name);
        if (gen == LK_GEN_OPENER)
                sim_opener_defaults(lock);
        lock->adv = (struct lk_advanced_config){
                .len = ultra ? LK_ADV_SETTINGS_ULTRA : LK_ADV_SETTINGS_SL,
                .total_degrees = 720,
                .lock_n_go_timeout = 20,
                .single_button_action = LK_BUTTON_INTELLIGENT, /* spec §6.32 default 0x01 */
                .double_button_action = LK_BUTTON_LOCK_N_GO,   /* default 0x05 */
                .battery_type = LK_BATTERY_ALKALI,
                .automatic_battery_type_detection = true,
                .unlatch_duration = 3,
                .auto_lock_timeout = 300,
                .night_mode_start = { 22, 0 },
                .night_mode_end = { 6, 0 },
                .immediate_auto_lock = 0,
                .auto_update_enabled = true,
        };
}

int sim_lock_alloc(const struct sim_config *cfg, const struct sim_io *io,
                   const struct lk_env *env, struct sim_lock **ret)
{
        struct sim_lock *lock;
        int r;

        if (!cfg || !io || !io->now || !env || !ret)
                return -EINVAL;
        r = sim_config_check(cfg);
        if (r < 0)
                return r;
        lock = calloc(1, sizeof(*lock));
        if (!lock)
                return -ENOMEM;
        lock->cfg = *cfg;
        lock->io = *io;
        lock->env = *env;
        lock->auths = calloc(LK_MAX_AUTHORIZATIONS, sizeof(*lock->auths));
        lock->log = calloc(cfg->log_capacity, sizeof(*lock->log));
        if (!lock->auths || !lock->log) {
                sim_lock_free(lock);
                return -ENOMEM;
        }
        lock->pin = (struct lk_pin){ .value = cfg->pin.value,
                                     .size = (uint8_t)lk_generation_pin_size(cfg->generation) };
        sim_conf_defaults(lock);
        lock->lock_state = cfg->generation == LK_GEN_OPENER ? LK_OPENER_STATE_ONLINE : LK_LOCK_STATE_LOCKED;
        lock->battery = 90;
        lock->logging = true;
        lock->next_auth_id = 1;
        lock->next_code_id = 1;
        lock->next_tc_id = 1;
        lock->next_log_index = 1;
        r = sim_pairing_init(lock);
        if (r < 0) {
                sim_lock_free(lock);
                return r;
        }
        *ret = lock;
        return 0;
}

int sim_lock_new(const struct sim_config *cfg, const struct sim_io *io, const struct lk_env *env,
                 struct sim_lock **ret)
{
        return sim_lock_alloc(cfg, io, env, ret);
}

struct sim_lock *sim_lock_free(struct sim_lock *lock)
{
        if (!lock)
                return NULL;
        if (lock->auths) {
                lk_wipe(lock->auths, LK_MAX_AUTHORIZATIONS * sizeof(*lock->auths));
                free(lock->auths);
        }
        free(lock->log);
        lk_pair_lock_wipe(&lock->pairing);
        lk_wipe(lock, sizeof(*lock));
        free(lock);
        return NULL;
}

void sim_lock_connect(struct sim_lock *lock)
{
        if (lock->connected)
                sim_lock_disconnect(lock);
        lock->connected = true;
}

/* spec §10: a dropped link discards pairing state and everything per connection. */
void sim_lock_disconnect(struct sim_lock *lock)
{
        lock->connected = false;
        sim_motor_disconnect(lock); /* the motor turns on; its answers have nobody to go to */
        sim_challenges_drop(lock);
        sim_pairing_reset(lock);
}

int sim_lock_receive(struct sim_lock *lock, enum lk_channel ch, const uint8_t *msg, size_t n)
{
        if (!lock->connected)
                return -ENOTCONN;
        if (n > LK_MSG_MAX)
                return -EMSGSIZE;
        switch (ch) {
        case LK_CH_PAIRING:
                sim_pairing_receive(lock, msg, n);
                return 0;
        case LK_CH_USDIO:
                sim_usdio_receive(lock, msg, n);
                return 0;
        case LK_CH_KEYTURNER:
                /* spec §1.1: only lock→client in practice; nothing to answer [DECISION] */
                return 0;
        case LK_CH_COUNT:
                break;
        }
        return -EINVAL;
}
