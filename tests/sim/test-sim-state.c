/* SPDX-License-Identifier: MIT */
/*
 * The virtual lock's engine (hw-tests/sim/lock.h), its state beside the actions: time control,
 * Config and the clock, the log ring, the saved image, advertising, refused configs.
 * Spec §6.22–§6.34, §9.2, §9.3, §10.
 */
#include "sim-client.h"

static void time_control(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        struct lk_time_control_entry e = { .weekdays = 0, .time = { 9, 1 },
                                           .action = LK_ACTION_UNLOCK };
        struct lk_time_control_entry_id id, rm;
        struct lk_time_control_entry_count cnt;
        struct lk_time_control_entry got;
        uint8_t buf[64];
        size_t n;

        pair(t);
        n = ENC(lk_add_time_control_entry_encode, &e, buf);
        cmd(t, LK_CMD_ADD_TIME_CONTROL_ENTRY, buf, n);
        assert_int_equal(next(t), LK_CMD_TIME_CONTROL_ENTRY_ID);
        assert_int_equal(lk_time_control_entry_id_decode(t->m.payload, t->m.len, &id), 0);
        expect_status(t, LK_STATUS_COMPLETE);

        cmd(t, LK_CMD_REQUEST_TIME_CONTROL_ENTRIES, NULL, 0);
        assert_int_equal(next(t), LK_CMD_TIME_CONTROL_ENTRY_COUNT);
        assert_int_equal(lk_time_control_entry_count_decode(t->m.payload, t->m.len, &cnt), 0);
        assert_int_equal(cnt.count, 1);
        assert_int_equal(next(t), LK_CMD_TIME_CONTROL_ENTRY);
        assert_int_equal(lk_time_control_entry_decode(t->m.payload, t->m.len, &got), 0);
        assert_int_equal(got.id, id.id);
        assert_true(got.enabled);
        assert_int_equal(got.time.minute, 1);
        expect_status(t, LK_STATUS_COMPLETE);

        /* it runs at 09:01 local */
        t->now = sim_lock_next_deadline(t->lock);
        sim_lock_tick(t->lock);
        assert_int_equal(sim_lock_lock_state(t->lock), LK_LOCK_STATE_UNLOCKED);

        got.action = LK_ACTION_LOCK;
        got.enabled = false;
        n = ENC(lk_update_time_control_entry_encode, &got, buf);
        cmd(t, LK_CMD_UPDATE_TIME_CONTROL_ENTRY, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        got.id = 77;
        n = ENC(lk_update_time_control_entry_encode, &got, buf);
        cmd(t, LK_CMD_UPDATE_TIME_CONTROL_ENTRY, buf, n);
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_UPDATE_TIME_CONTROL_ENTRY);

        e.weekdays = 0x80;
        n = ENC(lk_add_time_control_entry_encode, &e, buf);
        cmd(t, LK_CMD_ADD_TIME_CONTROL_ENTRY, buf, n);
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_ADD_TIME_CONTROL_ENTRY);
        e.weekdays = 0;
        for (unsigned i = 1; i < 20; i++) {
                n = ENC(lk_add_time_control_entry_encode, &e, buf);
                cmd(t, LK_CMD_ADD_TIME_CONTROL_ENTRY, buf, n);
                assert_int_equal(next(t), LK_CMD_TIME_CONTROL_ENTRY_ID);
        }
        cmd(t, LK_CMD_ADD_TIME_CONTROL_ENTRY, buf, n);
        expect_error(t, LK_K_ERROR_TOO_MANY_ENTRIES, LK_CMD_ADD_TIME_CONTROL_ENTRY);

        rm.id = id.id;
        n = ENC(lk_remove_time_control_entry_encode, &rm, buf);
        cmd(t, LK_CMD_REMOVE_TIME_CONTROL_ENTRY, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        cmd(t, LK_CMD_REMOVE_TIME_CONTROL_ENTRY, buf, n);
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_REMOVE_TIME_CONTROL_ENTRY);
        t_free(t);
}

static void config_and_time(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        struct lk_config c;
        struct lk_set_config sc;
        struct lk_advanced_config ac;
        struct lk_keyturner_states ks;
        struct lk_update_time ut = { .time = { 2030, 6, 1, 12, 0, 0 } };
        uint8_t buf[128];
        size_t n;

        pair(t);
        cmd(t, LK_CMD_REQUEST_CONFIG, NULL, 0);
        assert_int_equal(next(t), LK_CMD_CONFIG);
        assert_int_equal(lk_config_decode(t->m.payload, t->m.len, &c), 0);
        assert_int_equal(c.nuki_id, t->cfg.nuki_id);
        assert_string_equal(c.name, "Nuki_Sim");
        assert_true(c.pairing_enabled);
        assert_int_equal(c.current_time.year, 2024);
        expect_done(t);

        sc = (struct lk_set_config){ .name = "Front door", .pairing_enabled = true,
                                     .button_enabled = true, .led_brightness = 5,
                                     .timezone_offset = 60, .fob_action = { 1, 2, 3 },
                                     .timezone_id = 37 };
        n = ENC(lk_set_config_encode, &sc, buf);
        cmd(t, LK_CMD_SET_CONFIG, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        cmd(t, LK_CMD_REQUEST_CONFIG, NULL, 0);
        assert_int_equal(next(t), LK_CMD_CONFIG);
        assert_int_equal(lk_config_decode(t->m.payload, t->m.len, &c), 0);
        assert_string_equal(c.name, "Front door");
        assert_int_equal(c.timezone_offset, 60);
        assert_int_equal(c.timezone_id, 37);
        sc.led_brightness = 6;
        n = ENC(lk_set_config_encode, &sc, buf);
        cmd(t, LK_CMD_SET_CONFIG, buf, n);
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_SET_CONFIG);

        cmd(t, LK_CMD_REQUEST_ADVANCED_CONFIG, NULL, 0);
        assert_int_equal(next(t), LK_CMD_ADVANCED_CONFIG);
        assert_int_equal(lk_advanced_config_decode(t->m.payload, t->m.len, &ac), 0);
        assert_int_equal(ac.len, LK_ADV_SETTINGS_SL);
        assert_int_equal(ac.single_button_action, LK_BUTTON_INTELLIGENT);
        ac.lock_n_go_timeout = 30;
        ac.night_mode_enabled = true;
        n = ENC(lk_set_advanced_config_encode, &ac, buf);
        cmd(t, LK_CMD_SET_ADVANCED_CONFIG, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        cmd(t, LK_CMD_REQUEST_ADVANCED_CONFIG, NULL, 0);
        assert_int_equal(next(t), LK_CMD_ADVANCED_CONFIG);
        assert_int_equal(lk_advanced_config_decode(t->m.payload, t->m.len, &ac), 0);
        assert_int_equal(ac.lock_n_go_timeout, 30);
        assert_true(ac.night_mode_enabled);
        ac.lock_n_go_timeout = 2;
        n = ENC(lk_set_advanced_config_encode, &ac, buf);
        cmd(t, LK_CMD_SET_ADVANCED_CONFIG, buf, n);
        expect_error(t, LK_K_ERROR_BAD_PARAMETER, LK_CMD_SET_ADVANCED_CONFIG);

        /* Update Time drifts the lock clock off the virtual one; count went 0 → 3 */
        n = ENC(lk_update_time_encode, &ut, buf);
        cmd(t, LK_CMD_UPDATE_TIME, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        t->now += 10;
        states(t, &ks);
        assert_int_equal(ks.current_time.year, 2030);
        assert_int_equal(ks.current_time.month, 6);
        assert_int_equal(ks.current_time.second, 10);
        assert_int_equal(ks.timezone_offset, 60);
        assert_int_equal(ks.config_update_count, 3);

        /* calibration and reboot */
        cmd(t, LK_CMD_REQUEST_CALIBRATION, NULL, 0);
        expect_status(t, LK_STATUS_ACCEPTED);
        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        assert_int_equal(lk_keyturner_states_decode(t->m.payload, t->m.len, &ks), 0);
        assert_int_equal(ks.lock_state, LK_LOCK_STATE_CALIBRATION);
        assert_int_equal(next(t), LK_CMD_KEYTURNER_STATES);
        expect_status(t, LK_STATUS_COMPLETE);
        cmd(t, LK_CMD_REQUEST_REBOOT, NULL, 0);
        expect_status(t, LK_STATUS_COMPLETE);
        t_free(t);
}

static void log_ring_and_logging(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        struct lk_request_log_entries rq = { .count = 3, .total_count = true };
        struct lk_log_entry_count cnt;
        struct lk_enable_logging el = { .enabled = false };
        struct lk_log_entry e;
        uint8_t buf[64];
        size_t n;

        pair(t);
        for (unsigned i = 0; i < 500; i++)
                assert_int_equal(sim_lock_turn_knob(t->lock, i % 2 ? LK_ACTION_LOCK :
                                                                      LK_ACTION_UNLOCK), 0);
        assert_int_equal(sim_lock_log_count(t->lock), 200);

        /* ascending from the oldest: 301, 302, 303, count of all 200 first */
        n = ENC(lk_request_log_entries_encode, &rq, buf);
        cmd(t, LK_CMD_REQUEST_LOG_ENTRIES, buf, n);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY_COUNT);
        assert_int_equal(lk_log_entry_count_decode(t->m.payload, t->m.len, &cnt), 0);
        assert_int_equal(cnt.count, 200);
        assert_true(cnt.logging_enabled);
        for (uint32_t want = 301; want <= 303; want++) {
                assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
                assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, &e), 0);
                assert_int_equal(e.index, want);
                assert_int_equal(e.type, LK_LOG_LOCK_ACTION);
                assert_int_equal(e.data.action.trigger, LK_TRIGGER_MANUAL);
        }
        expect_status(t, LK_STATUS_COMPLETE);
        expect_done(t);

        /* exclusive start, ascending: after 350 come 351.. (150 left) */
        rq.start_index = 350;
        n = ENC(lk_request_log_entries_encode, &rq, buf);
        cmd(t, LK_CMD_REQUEST_LOG_ENTRIES, buf, n);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY_COUNT);
        assert_int_equal(lk_log_entry_count_decode(t->m.payload, t->m.len, &cnt), 0);
        assert_int_equal(cnt.count, 150);
        for (uint32_t want = 351; want <= 353; want++) {
                assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
                assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, &e), 0);
                assert_int_equal(e.index, want);
        }
        expect_status(t, LK_STATUS_COMPLETE);

        /* descending from the newest, then exclusive below 350 */
        rq = (struct lk_request_log_entries){ .count = 2, .descending = true };
        n = ENC(lk_request_log_entries_encode, &rq, buf);
        cmd(t, LK_CMD_REQUEST_LOG_ENTRIES, buf, n);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
        assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.index, 500);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
        assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.index, 499);
        expect_status(t, LK_STATUS_COMPLETE);
        rq.start_index = 350;
        rq.total_count = true;
        n = ENC(lk_request_log_entries_encode, &rq, buf);
        cmd(t, LK_CMD_REQUEST_LOG_ENTRIES, buf, n);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY_COUNT);
        assert_int_equal(lk_log_entry_count_decode(t->m.payload, t->m.len, &cnt), 0);
        assert_int_equal(cnt.count, 49); /* 301..349 */
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
        assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.index, 349);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
        assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.index, 348);
        expect_status(t, LK_STATUS_COMPLETE);

        /* enable logging off: one 0x01 entry, then nothing more is logged */
        n = ENC(lk_enable_logging_encode, &el, buf);
        cmd(t, LK_CMD_ENABLE_LOGGING, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        assert_int_equal(sim_lock_turn_knob(t->lock, LK_ACTION_UNLOCK), 0);
        rq = (struct lk_request_log_entries){ .count = 1, .descending = true };
        n = ENC(lk_request_log_entries_encode, &rq, buf);
        cmd(t, LK_CMD_REQUEST_LOG_ENTRIES, buf, n);
        assert_int_equal(next(t), LK_CMD_LOG_ENTRY);
        assert_int_equal(lk_log_entry_decode(t->m.payload, t->m.len, &e), 0);
        assert_int_equal(e.index, 501);
        assert_int_equal(e.type, LK_LOG_LOGGING_ENABLED);
        assert_false(e.data.enabled);
        t_free(t);
}

static void save_load(void **state)
{
        struct t *t = t_new(LK_GEN_ULTRA, 246810);
        struct sim_lock *copy = NULL;
        struct lk_keypad_code c = { .code = 456789, .name = "Kid",
                                    .window = { .time_limited = true, .weekdays = 0x41,
                                                .from_time = { 7, 30 }, .until_time = { 8, 0 } } };
        struct lk_time_control_entry tc = { .time = { 22, 0 }, .action = LK_ACTION_LOCK };
        struct lk_set_config sc = { .name = "Büro", .latitude = 48.2f, .button_enabled = true,
                                    .timezone_offset = -300, .timezone_id = LK_TIMEZONE_NONE };
        struct lk_keyturner_states ks;
        char *j1, *j2;
        uint8_t *img, buf[96];
        size_t len, n;

        pair(t);
        n = ENC(lk_add_keypad_code_encode, &c, buf);
        cmd(t, LK_CMD_ADD_KEYPAD_CODE, buf, n);
        assert_int_equal(next(t), LK_CMD_KEYPAD_CODE_ID);
        n = ENC(lk_add_time_control_entry_encode, &tc, buf);
        cmd(t, LK_CMD_ADD_TIME_CONTROL_ENTRY, buf, n);
        assert_int_equal(next(t), LK_CMD_TIME_CONTROL_ENTRY_ID);
        n = ENC(lk_set_config_encode, &sc, buf);
        cmd(t, LK_CMD_SET_CONFIG, buf, n);
        expect_status(t, LK_STATUS_COMPLETE);
        for (int i = 0; i < 250; i++)
                assert_int_equal(sim_lock_turn_knob(t->lock, i % 2 ? LK_ACTION_LOCK :
                                                                      LK_ACTION_UNLATCH), 0);
        assert_int_equal(sim_lock_set_battery(t->lock, 42), 0);

        assert_int_equal(sim_lock_save(t->lock, &img, &len), 0);
        assert_int_equal(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, len, &copy), 0);
        assert_int_equal(sim_lock_state_json(t->lock, &j1), 0);
        assert_int_equal(sim_lock_state_json(copy, &j2), 0);
        /* everything but the link is the same */
        sim_lock_connect(copy);
        free(j2);
        assert_int_equal(sim_lock_state_json(copy, &j2), 0);
        assert_string_equal(j1, j2);
        free(j1);
        free(j2);
        /* saving the copy gives the same image */
        {
                uint8_t *img2;
                size_t len2;

                assert_int_equal(sim_lock_save(copy, &img2, &len2), 0);
                assert_int_equal(len2, len);
                assert_memory_equal(img2, img, len);
                sim_image_free(img2, len2);
        }
        /* and the client's key and the PIN still work on the copy */
        sim_lock_free(t->lock);
        t->lock = copy;
        states(t, &ks);
        assert_int_equal(ks.timezone_offset, -300);
        cmd(t, LK_CMD_VERIFY_SECURITY_PIN, NULL, 0);
        expect_status(t, LK_STATUS_COMPLETE);

        /* a corrupted, truncated, oversized or foreign image is refused */
        copy = NULL;
        for (size_t i = 0; i < len; i += 97) {
                img[i] ^= 0x20;
                assert_true(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, len, &copy) < 0);
                img[i] ^= 0x20;
        }
        img[len - 1] ^= 1;
        assert_int_equal(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, len, &copy), -EBADMSG);
        img[len - 1] ^= 1;
        assert_int_equal(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, len - 1, &copy), -EBADMSG);
        assert_int_equal(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, 10, &copy), -EBADMSG);
        assert_int_equal(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, SIM_IMAGE_MAX + 1, &copy),
                         -EMSGSIZE);
        img[8] = 3; /* a version newer than this build's */
        assert_int_equal(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, len, &copy),
                         -EPROTONOSUPPORT);
        img[8] = 0;
        assert_int_equal(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, len, &copy),
                         -EPROTONOSUPPORT);
        img[8] = 2;
        img[0] = 'X';
        assert_int_equal(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, len, &copy), -EBADMSG);
        assert_null(copy);
        sim_image_free(img, len);

        /* a smaller log capacity keeps the newest entries */
        assert_int_equal(sim_lock_save(t->lock, &img, &len), 0);
        t->cfg.log_capacity = 50;
        assert_int_equal(sim_lock_load(&t->cfg, &t->io, &lk_env_default, img, len, &copy), 0);
        assert_int_equal(sim_lock_log_count(copy), 50);
        sim_lock_free(copy);
        sim_image_free(img, len);
        t_free(t);
}

static void advertising_and_knob(void **state)
{
        struct t *t = t_new(LK_GEN_SMARTLOCK_3, 0);
        struct sim_advertising ad;

        sim_lock_advertising(t->lock, &ad);
        assert_false(ad.pairing_mode);
        assert_int_equal(ad.nuki_id, t->cfg.nuki_id);
        assert_int_equal(sim_lock_press_button(t->lock, 10), 1);
        sim_lock_advertising(t->lock, &ad);
        assert_true(ad.pairing_mode);
        assert_int_equal(sim_lock_turn_knob(t->lock, LK_ACTION_UNLOCK), 0);
        sim_lock_advertising(t->lock, &ad);
        assert_true(ad.state_changed);
        assert_int_equal(sim_lock_turn_knob(t->lock, 0x42), -EINVAL);
        assert_int_equal(sim_lock_set_battery(t->lock, 101), -EINVAL);
        t_free(t);
}

static void config_refused(void **state)
{
        struct sim_config cfg;
        struct sim_io io = { .now = io_now };
        struct sim_lock *l = NULL;

        sim_config_default(&cfg);
        cfg.pin.value = 10000; /* too wide for a 2-byte PIN */
        assert_int_equal(sim_lock_new(&cfg, &io, &lk_env_default, &l), -EINVAL);
        sim_config_default(&cfg);
        cfg.log_capacity = 0;
        assert_int_equal(sim_lock_new(&cfg, &io, &lk_env_default, &l), -EINVAL);
        assert_null(l);
        assert_null(sim_lock_free(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(time_control),
                cmocka_unit_test(config_and_time),
                cmocka_unit_test(log_ring_and_logging),
                cmocka_unit_test(save_load),
                cmocka_unit_test(advertising_and_knob),
                cmocka_unit_test(config_refused),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("sim-state", tests, NULL, NULL);
}
