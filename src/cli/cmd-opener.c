/* SPDX-License-Identifier: MIT */
/*
 * The Nuki Opener's commands (../shared/spec/nuki-opener.md, "O<n>"): rto on|off (ring to
 * open), cm on|off (continuous mode), open (the electric strike), and the Opener's face of
 * state and config show. Each device's commands are refused on the other with exit 11, before
 * anything is sent: the stored generation (from pairing) says which device a name is.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd-opener.h"
#include "cmds.h"
#include "latchkey/names.h"
#include "lockops-opener.h"
#include "render-opener.h"
#include "render.h"
#include "util.h"

bool cli_is_opener(const struct cli *c)
{
        return c->creds.generation == LK_GEN_OPENER;
}

int cli_need_opener(struct cli *c, const char *command)
{
        const char *g;

        if (cli_lock(c) < 0)
                return -1;
        if (cli_is_opener(c))
                return 0;
        g = lk_generation_name(c->creds.generation);
        return cli_fail(c, CLI_EXIT_UNSUPPORTED,
                        "'%s' is for a Nuki Opener; '%s' is a %s: use lock, unlock or unlatch (nothing was sent)",
                        command, c->creds.alias, g ? g : "Smart Lock");
}

int cli_need_smart_lock(struct cli *c, const char *command)
{
        if (cli_lock(c) < 0)
                return -1;
        if (!cli_is_opener(c))
                return 0;
        return cli_fail(c, CLI_EXIT_UNSUPPORTED,
                        "'%s' is for a Smart Lock; '%s' is an Opener: use 'latchkey open' to open the door, "
                        "'latchkey rto on' for ring to open, 'latchkey cm on' for continuous mode (nothing was sent)",
                        command, c->creds.alias);
}

/* on|off, the one operand of rto and cm: 1, 0, or -1 after a usage error. */
static int on_off(struct cli *c, int argc, char **argv, const char *command)
{
        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (optind + 1 != argc || (!streq(argv[optind], "on") && !streq(argv[optind], "off")))
                return cli_fail(c, CLI_EXIT_USAGE, "%s wants on or off", command);
        return streq(argv[optind], "on");
}

/* Like a Smart Lock's actions (cmd-lock.c): refused, or outcome unknown (never sent again). */
static int opener_action_failed(struct cli *c, int r, const char *what, cJSON *a)
{
        uint8_t code;

        cJSON_AddBoolToObject(a, "accepted", session_call_accepted(c->session));
        if (r == -EINPROGRESS) {
                cJSON_AddStringToObject(a, "outcome", "unknown");
                return cli_fail(c, exit_for_lock_errno(r, 0),
                                "%s: the link to the Opener was lost after the command went out; outcome unknown, "
                                "not sent again: see 'latchkey state'", what);
        }
        if (r != -EREMOTEIO) {
                cJSON_AddStringToObject(a, "outcome", "not_done");
                return cli_fail_errno(c, r, what);
        }
        code = session_remote_error(c->session);
        c->lock_error = code;
        cJSON_AddStringToObject(a, "outcome", "failed");
        return cli_fail(c, exit_for_lock_error(code), "%s: the Opener refused: %s (%s, 0x%02X)", what,
                        lk_opener_error_description(code) ? lk_opener_error_description(code) : "unknown error",
                        lk_opener_error_name(code) ? lk_opener_error_name(code) : "?", code);
}

static int report(struct cli *c, const struct lk_opener_keyturner_states *s)
{
        cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(c->out, "action"), "outcome", "complete");
        cJSON_AddItemToObject(c->out, "state", render_opener_states_json(s));
        if (!c->json)
                printf("%s: %s\n", c->creds.alias, render_opener_mode(s));
        return 0;
}

static cJSON *action_json(struct cli *c, const char *name)
{
        cJSON *a = cJSON_AddObjectToObject(c->out, "action");

        cJSON_AddStringToObject(a, "name", name);
        return a;
}

int cmd_rto(struct cli *c, int argc, char **argv)
{
        struct lk_opener_keyturner_states s;
        uint8_t action;
        cJSON *a;
        int on, r;

        if ((on = on_off(c, argc, argv, "rto")) < 0 || cli_need_opener(c, on ? "rto on" : "rto off") < 0)
                return -1;
        if (cli_connect(c) < 0)
                return -1;
        action = on ? LK_OPENER_ACTION_ACTIVATE_RTO : LK_OPENER_ACTION_DEACTIVATE_RTO;
        a = action_json(c, lk_opener_action_name(action));
        r = lockops_opener_action(c->session, action, c->creds.app_id, &s);
        if (r < 0)
                return opener_action_failed(c, r, lk_opener_action_name(action), a);
        return report(c, &s);
}

int cmd_cm(struct cli *c, int argc, char **argv)
{
        struct lk_opener_keyturner_states s;
        const char *what;
        cJSON *a;
        int on, r;

        if ((on = on_off(c, argc, argv, "cm")) < 0 || cli_need_opener(c, on ? "cm on" : "cm off") < 0)
                return -1;
        if (cli_connect(c) < 0)
                return -1;
        what = lk_opener_action_name(on ? LK_OPENER_ACTION_ACTIVATE_CM : LK_OPENER_ACTION_DEACTIVATE_CM);
        a = action_json(c, what);
        /* O6.2: an App authorization switches CM with 0x0057 (needs the PIN), the others by Lock Action */
        cJSON_AddStringToObject(a, "command", lk_opener_cm_via_lock_action(c->creds.id_type)
                                                      ? "Lock Action" : "Continuous Mode Action");
        r = lockops_opener_cm(c->session, on, c->creds.id_type, c->creds.app_id, &s);
        if (r < 0)
                return opener_action_failed(c, r, what, a);
        return report(c, &s);
}

int cmd_open(struct cli *c, int argc, char **argv)
{
        struct lk_opener_keyturner_states s;
        const char *what = lk_opener_action_name(LK_OPENER_ACTION_ELECTRIC_STRIKE);
        cJSON *a;
        int r;

        if (cli_getopt_none(c, argc, argv) < 0 || cli_need_opener(c, "open") < 0)
                return -1;
        if (cli_connect(c) < 0)
                return -1;
        a = action_json(c, what);
        r = lockops_opener_action(c->session, LK_OPENER_ACTION_ELECTRIC_STRIKE, c->creds.app_id, &s);
        if (r < 0)
                return opener_action_failed(c, r, what, a);
        cJSON_AddStringToObject(a, "outcome", "complete");
        cJSON_AddItemToObject(c->out, "state", render_opener_states_json(&s));
        if (!c->json)
                printf("%s: the door was opened (electric strike); now %s\n", c->creds.alias, render_opener_mode(&s));
        return 0;
}

/* ---- state, config show (called by cmd-lock.c for an Opener) ---- */

int opener_state(struct cli *c)
{
        struct lk_opener_keyturner_states s;
        char t[40];
        int r;

        r = lockops_opener_states(c->session, &s);
        if (r < 0)
                return cli_fail_errno(c, r, "reading the Opener's state");
        cJSON_AddItemToObject(c->out, "state", render_opener_states_json(&s));
        if (c->json)
                return 0;
        render_datetime_local(&s.current_time, t, sizeof(t));
        printf("Opener:      %s\n", c->creds.alias);
        printf("State:       %s (%s)\n", render_name(lk_opener_lock_state_name(s.lock_state), s.lock_state, (char[8]){ 0 }, 8),
               render_name(lk_nuki_state_name(s.nuki_state), s.nuki_state, (char[8]){ 0 }, 8));
        printf("Door:        %s\n", render_opener_mode(&s));
        printf("Clock:       %s (Opener zone UTC%+d min)\n", t, s.timezone_offset);
        printf("Battery:     %s\n", s.battery_state & LK_OPENER_BATTERY_CRITICAL ? "CRITICAL" : "ok");
        if (s.len >= LK_OPENER_KEYTURNER_STATES_FULL && (s.accessory_battery_state & LK_OPENER_KEYPAD_BATTERY_INFO))
                printf("Keypad:      battery %s\n", lk_opener_keypad_battery_critical(&s) ? "CRITICAL" : "ok");
        return 0;
}

int opener_config_show(struct cli *c)
{
        struct lk_opener_config cfg;
        struct lk_opener_advanced_config ac;
        bool have_ac;
        cJSON *o;
        int r;

        r = lockops_opener_config(c->session, &cfg);
        if (r < 0)
                return cli_fail_errno(c, r, "reading the Opener's configuration");
        r = lockops_opener_advanced_config(c->session, &ac);
        have_ac = r >= 0;
        if (r < 0 && r != -EREMOTEIO)
                return cli_fail_errno(c, r, "reading the Opener's advanced configuration");
        o = render_opener_config_json(&cfg, have_ac ? &ac : NULL);
        cJSON_AddItemToObject(c->out, "config", o);
        if (!c->json)
                render_json_text(stdout, o, 0);
        return 0;
}
