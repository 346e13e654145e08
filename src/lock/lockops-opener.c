/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "lockops-opener.h"
#include "lockops.h"

static int decode_states(const uint8_t *p, size_t n, void *ret)
{
        return lk_opener_keyturner_states_decode(p, n, ret);
}

int lockops_opener_states(struct session *s, struct lk_opener_keyturner_states *ret)
{
        return lockops_request_decoded(s, LK_CMD_KEYTURNER_STATES, decode_states, ret);
}

int lockops_clock(struct session *s, struct lk_datetime *ret_time, int16_t *ret_tz_minutes)
{
        const struct lk_link_info *link = session_link_info(s);
        int r;

        if (link && link->generation == LK_GEN_OPENER) {
                struct lk_opener_keyturner_states os;

                r = lockops_opener_states(s, &os);
                if (r >= 0) {
                        *ret_time = os.current_time;
                        *ret_tz_minutes = os.timezone_offset;
                }
        } else {
                struct lk_keyturner_states ks;

                r = lockops_states(s, &ks);
                if (r >= 0) {
                        *ret_time = ks.current_time;
                        *ret_tz_minutes = ks.timezone_offset;
                }
        }
        return r;
}

static int decode_config(const uint8_t *p, size_t n, void *ret)
{
        return lk_opener_config_decode(p, n, ret);
}

static int decode_advanced_config(const uint8_t *p, size_t n, void *ret)
{
        return lk_opener_advanced_config_decode(p, n, ret);
}

int lockops_opener_config(struct session *s, struct lk_opener_config *ret)
{
        return lockops_call_one(s, LK_CMD_REQUEST_CONFIG, NULL, 0, LK_CMD_CONFIG, false, decode_config, ret);
}

int lockops_opener_advanced_config(struct session *s, struct lk_opener_advanced_config *ret)
{
        return lockops_call_one(s, LK_CMD_REQUEST_ADVANCED_CONFIG, NULL, 0, LK_CMD_ADVANCED_CONFIG, false,
                                decode_advanced_config, ret);
}

int lockops_opener_set_config(struct session *s, const struct lk_opener_set_config *c)
{
        uint8_t buf[LK_OPENER_SET_CONFIG_SIZE];
        ssize_t n = lk_opener_set_config_encode(c, buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return session_call(s, LK_CMD_SET_CONFIG, buf, (size_t)n, NULL, NULL);
}

struct action_ctx {
        struct lk_opener_keyturner_states last;
        bool have;
};

static int on_action_reply(void *userdata, const struct lk_msg *m)
{
        struct action_ctx *a = userdata;
        struct lk_opener_keyturner_states ks;

        if (m->cmd == LK_CMD_KEYTURNER_STATES && lk_opener_keyturner_states_decode(m->payload, m->len, &ks) == 0) {
                a->last = ks;
                a->have = true;
        }
        return 0; /* ACCEPTED, states…, COMPLETE (spec §5.3, O6.1) */
}

/* A call that may change the state: outcome unknown when the link failed after it went out. */
static int call_action(struct session *s, uint16_t cmd, const uint8_t *buf, size_t n,
                       struct lk_opener_keyturner_states *ret)
{
        struct action_ctx a = { 0 };
        int r = session_call(s, cmd, buf, n, on_action_reply, &a);

        if (r < 0 && session_is_link_error(r) && session_call_sent(s))
                return -EINPROGRESS; /* sent, no outcome seen: never repeated blindly */
        if (r < 0)
                return r;
        if (!ret)
                return 0;
        if (!a.have)
                return lockops_opener_states(s, ret); /* COMPLETE alone: read what it is now */
        *ret = a.last;
        return 0;
}

int lockops_opener_action(struct session *s, uint8_t action, uint32_t app_id,
                          struct lk_opener_keyturner_states *ret)
{
        struct lk_lock_action_msg m = { .action = action, .app_id = app_id };
        uint8_t buf[LK_LOCK_ACTION_SUFFIX_SIZE];
        ssize_t n = lk_lock_action_encode(&m, buf, sizeof(buf));

        if (n < 0)
                return (int)n;
        return call_action(s, LK_CMD_LOCK_ACTION, buf, (size_t)n, ret);
}

int lockops_opener_cm(struct session *s, bool enabled, uint8_t id_type, uint32_t app_id,
                      struct lk_opener_keyturner_states *ret)
{
        struct lk_continuous_mode_action m = { .enabled = enabled, .timeout = 0 }; /* O12.3: 0 */
        uint8_t buf[LK_CONTINUOUS_MODE_ACTION_SIZE];
        ssize_t n;

        if (lk_opener_cm_via_lock_action(id_type))
                return lockops_opener_action(s, enabled ? LK_OPENER_ACTION_ACTIVATE_CM : LK_OPENER_ACTION_DEACTIVATE_CM,
                                             app_id, ret);
        n = lk_continuous_mode_action_encode(&m, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        return call_action(s, LK_CMD_CONTINUOUS_MODE_ACTION, buf, (size_t)n, ret);
}
