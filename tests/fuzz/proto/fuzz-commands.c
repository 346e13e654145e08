/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the command codecs (spec §5.2, §6). The first byte picks a decoder, the rest is its
 * input. Properties, each an abort():
 *   - a refused input leaves the output untouched;
 *   - whatever decodes re-encodes (only a name that is not UTF-8 may be refused, -EBADMSG),
 *     and the re-encoding decodes to the same struct, byte for byte;
 *   - a payload lk_cmd_split() accepts is rebuilt exactly by lk_cmd_finish() from its parts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "latchkey/commands.h"
#include "fuzz-roundtrip.h"

static int set_security_pin2_decode(const uint8_t *p, size_t n, struct lk_set_security_pin *ret)
{
        return lk_set_security_pin_decode(p, n, 2, ret);
}

static int set_security_pin4_decode(const uint8_t *p, size_t n, struct lk_set_security_pin *ret)
{
        return lk_set_security_pin_decode(p, n, 4, ret);
}

/* The order is the selector byte: keep it, the seeds in corpus/commands/ depend on it. */
TARGET(request_data, struct lk_request_data, lk_request_data_encode, lk_request_data_decode);
TARGET(challenge, struct lk_challenge, lk_challenge_encode, lk_challenge_decode);
TARGET(status, struct lk_status_msg, lk_status_encode, lk_status_decode);
TARGET(error_report, struct lk_error_report, lk_error_report_encode, lk_error_report_decode);
TARGET(keyturner_states, struct lk_keyturner_states, lk_keyturner_states_encode,
       lk_keyturner_states_decode);
TARGET(lock_action, struct lk_lock_action_msg, lk_lock_action_encode, lk_lock_action_decode);
TARGET(simple_lock_action, struct lk_simple_lock_action, lk_simple_lock_action_encode,
       lk_simple_lock_action_decode);
TARGET(keypad_action, struct lk_keypad_action, lk_keypad_action_encode, lk_keypad_action_decode);
TARGET(battery_report, struct lk_battery_report, lk_battery_report_encode,
       lk_battery_report_decode);
TARGET(set_config, struct lk_set_config, lk_set_config_encode, lk_set_config_decode);
TARGET(config, struct lk_config, lk_config_encode, lk_config_decode);
TARGET(advanced_config, struct lk_advanced_config, lk_advanced_config_encode,
       lk_advanced_config_decode);
TARGET(set_advanced_config, struct lk_advanced_config, lk_set_advanced_config_encode,
       lk_set_advanced_config_decode);
TARGET(update_time, struct lk_update_time, lk_update_time_encode, lk_update_time_decode);
TARGET(set_security_pin2, struct lk_set_security_pin, lk_set_security_pin_encode,
       set_security_pin2_decode);
TARGET(set_security_pin4, struct lk_set_security_pin, lk_set_security_pin_encode,
       set_security_pin4_decode);
TARGET(request_authorization_entries, struct lk_request_authorization_entries,
       lk_request_authorization_entries_encode, lk_request_authorization_entries_decode);
TARGET(authorization_entry, struct lk_authorization_entry, lk_authorization_entry_encode,
       lk_authorization_entry_decode);
TARGET(authorization_entry_count, struct lk_authorization_entry_count,
       lk_authorization_entry_count_encode, lk_authorization_entry_count_decode);
TARGET(update_authorization_entry, struct lk_update_authorization_entry,
       lk_update_authorization_entry_encode, lk_update_authorization_entry_decode);
TARGET(remove_authorization_entry, struct lk_remove_authorization_entry,
       lk_remove_authorization_entry_encode, lk_remove_authorization_entry_decode);
TARGET(authorization_invite, struct lk_authorization_invite, lk_authorization_invite_encode,
       lk_authorization_invite_decode);
TARGET(authorization_id_invite, struct lk_authorization_id_invite,
       lk_authorization_id_invite_encode, lk_authorization_id_invite_decode);
TARGET(request_log_entries, struct lk_request_log_entries, lk_request_log_entries_encode,
       lk_request_log_entries_decode);
TARGET(log_entry, struct lk_log_entry, lk_log_entry_encode, lk_log_entry_decode);
TARGET(log_entry_count, struct lk_log_entry_count, lk_log_entry_count_encode,
       lk_log_entry_count_decode);
TARGET(enable_logging, struct lk_enable_logging, lk_enable_logging_encode,
       lk_enable_logging_decode);
TARGET(add_time_control_entry, struct lk_time_control_entry, lk_add_time_control_entry_encode,
       lk_add_time_control_entry_decode);
TARGET(time_control_entry_id, struct lk_time_control_entry_id, lk_time_control_entry_id_encode,
       lk_time_control_entry_id_decode);
TARGET(remove_time_control_entry, struct lk_time_control_entry_id,
       lk_remove_time_control_entry_encode, lk_remove_time_control_entry_decode);
TARGET(time_control_entry_count, struct lk_time_control_entry_count,
       lk_time_control_entry_count_encode, lk_time_control_entry_count_decode);
TARGET(time_control_entry, struct lk_time_control_entry, lk_time_control_entry_encode,
       lk_time_control_entry_decode);
TARGET(update_time_control_entry, struct lk_time_control_entry,
       lk_update_time_control_entry_encode, lk_update_time_control_entry_decode);
TARGET(add_keypad_code, struct lk_keypad_code, lk_add_keypad_code_encode,
       lk_add_keypad_code_decode);
TARGET(keypad_code_id, struct lk_keypad_code_id, lk_keypad_code_id_encode,
       lk_keypad_code_id_decode);
TARGET(request_keypad_codes, struct lk_request_keypad_codes, lk_request_keypad_codes_encode,
       lk_request_keypad_codes_decode);
TARGET(keypad_code_count, struct lk_keypad_code_count, lk_keypad_code_count_encode,
       lk_keypad_code_count_decode);
TARGET(keypad_code, struct lk_keypad_code, lk_keypad_code_encode, lk_keypad_code_decode);
TARGET(update_keypad_code, struct lk_keypad_code, lk_update_keypad_code_encode,
       lk_update_keypad_code_decode);
TARGET(remove_keypad_code, struct lk_remove_keypad_code, lk_remove_keypad_code_encode,
       lk_remove_keypad_code_decode);

/*
 * The trailer: p = cmd (2, LE) ‖ PIN width selector (1: even → 2, odd → 4) ‖ payload. What
 * lk_cmd_split() accepts, lk_cmd_finish() must rebuild byte for byte.
 */
static void fuzz_trailer(const uint8_t *p, size_t n)
{
        uint8_t nonce[LK_CHALLENGE_SIZE], buf[LK_PAYLOAD_MAX + LK_TRAILER_MAX];
        struct lk_pin pin;
        unsigned pin_size;
        size_t fields = 0;
        uint16_t cmd;
        ssize_t r;

        if (n < 3)
                return;
        cmd = (uint16_t)(p[0] | p[1] << 8);
        pin_size = p[2] & 1 ? 4 : 2;
        p += 3;
        n -= 3;
        if (n > LK_PAYLOAD_MAX)
                return;

        memset(&pin, POISON, sizeof(pin));
        if (lk_cmd_split(cmd, p, n, pin_size, &fields, nonce, &pin) < 0) {
                check_untouched(&pin, sizeof(pin));
                return;
        }
        if (fields > n)
                abort();
        memcpy(buf, p, fields);
        r = lk_cmd_finish(cmd, buf, fields, sizeof(buf), nonce,
                          lk_cmd_auth(cmd) == LK_AUTH_NONCE_PIN ? &pin : NULL);
        if (r < 0 || (size_t)r != n || memcmp(buf, p, n) != 0)
                abort();
}

static void (*const targets[])(const uint8_t *p, size_t n) = {
        fuzz_request_data,
        fuzz_challenge,
        fuzz_status,
        fuzz_error_report,
        fuzz_keyturner_states,
        fuzz_lock_action,
        fuzz_simple_lock_action,
        fuzz_keypad_action,
        fuzz_battery_report,
        fuzz_set_config,
        fuzz_config,                         /* 10 */
        fuzz_advanced_config,
        fuzz_set_advanced_config,
        fuzz_update_time,
        fuzz_set_security_pin2,
        fuzz_set_security_pin4,
        fuzz_request_authorization_entries,
        fuzz_authorization_entry,
        fuzz_authorization_entry_count,
        fuzz_update_authorization_entry,
        fuzz_remove_authorization_entry,     /* 20 */
        fuzz_authorization_invite,
        fuzz_authorization_id_invite,
        fuzz_request_log_entries,
        fuzz_log_entry,
        fuzz_log_entry_count,
        fuzz_enable_logging,
        fuzz_add_time_control_entry,
        fuzz_time_control_entry_id,
        fuzz_remove_time_control_entry,
        fuzz_time_control_entry_count,       /* 30 */
        fuzz_time_control_entry,
        fuzz_update_time_control_entry,
        fuzz_add_keypad_code,
        fuzz_keypad_code_id,
        fuzz_request_keypad_codes,
        fuzz_keypad_code_count,
        fuzz_keypad_code,
        fuzz_update_keypad_code,
        fuzz_remove_keypad_code,
        fuzz_trailer,                        /* 40 */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        targets[data[0] % (sizeof(targets) / sizeof(targets[0]))](data + 1, size - 1);
        return 0;
}
