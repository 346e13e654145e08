/* SPDX-License-Identifier: MIT */
/* Subcommands about the lock itself: scan, pair, locks, forget, state, battery, actions, time, config. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cli.h"
#include "cmd-opener.h"
#include "cmds.h"
#include "db.h"
#include "latchkey/ble.h"
#include "latchkey/names.h"
#include "latchkey/pairing.h"
#include "latchkey/text.h"
#include "lockops-opener.h"
#include "lockops.h"
#include "lockzone.h"
#include "log.h"
#include "render.h"
#include "timefmt.h"
#include "util.h"

static void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}

static void db_freep(struct db **db)
{
        db_free(*db);
}

/* A stored lock's generation as far as it is known: over BLE, GATT cannot tell Smart Lock 1–4
 * apart (spec §1.1), so a lock paired there is stored as their representative and named
 * "Smart Lock 1–4"; the virtual lock's socket says its generation exactly. */
static const char *creds_gen_name(const struct lk_creds *cr)
{
        struct lk_link_info info = { .generation = cr->generation, .generations = LK_GEN_BIT(cr->generation) };

        if (strncmp(cr->via, "ble:", 4) == 0 && (LK_GEN_BIT(cr->generation) & LK_GEN_SMARTLOCK_1_4))
                info.generations = LK_GEN_SMARTLOCK_1_4;
        return lk_link_generation_name(&info);
}

/* ---- scan ---------------------------------------------------------------------------------- */

/* Bluetooth: discover Nuki devices for a while (the advertisement parser filters them). */
static int scan_ble(struct cli *c)
{
        struct lk_ble_scan_result *res = NULL;
        uint64_t usec = c->timeout_usec ? c->timeout_usec : 10 * 1000000ull;
        cJSON *arr;
        size_t n = 0, i;
        int r;

        if (!c->event && (r = sd_event_default(&c->event)) < 0)
                return cli_fail(c, CLI_EXIT_FAILURE, "cannot create the event loop: %s", strerror(-r));
        r = lk_ble_scan_collect(c->event, c->adapter, usec, 0, &res, &n);
        if (r < 0)
                return cli_fail_errno(c, r, "scanning for locks");
        arr = cJSON_AddArrayToObject(c->out, "devices");
        for (i = 0; i < n; i++) {
                const struct lk_ble_scan_result *d = &res[i];
                cJSON *o = cJSON_CreateObject();
                char id[16];

                cJSON_AddStringToObject(o, "address", d->address);
                cJSON_AddStringToObject(o, "name", d->adv.name);
                if (d->has_rssi)
                        cJSON_AddNumberToObject(o, "rssi", d->rssi);
                else
                        cJSON_AddNullToObject(o, "rssi");
                cJSON_AddStringToObject(o, "family", lk_ble_family_name(d->adv.family));
                cJSON_AddBoolToObject(o, "pairing_mode", d->adv.pairing_mode);
                if (d->adv.has_beacon) {
                        snprintf(id, sizeof(id), "%08" PRIX32, d->adv.nuki_id);
                        cJSON_AddStringToObject(o, "nuki_id", id);
                        cJSON_AddBoolToObject(o, "state_changed", d->adv.state_changed);
                }
                cJSON_AddItemToArray(arr, o);
                if (!c->json)
                        printf("%s  %s %-16s %s%s\n", d->address,
                               render_pad(d->adv.name[0] ? d->adv.name : "-", 16, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX),
                               lk_ble_family_name(d->adv.family), d->adv.pairing_mode ? "pairing mode" : "",
                               d->adv.has_beacon && d->adv.state_changed ? " state changed" : "");
        }
        free(res);
        return 0;
}

int cmd_scan(struct cli *c, int argc, char **argv)
{
        struct lk_transport *t = NULL;
        struct session *s = NULL;
        struct lk_link_info info;
        cJSON *dev;
        int r;

        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (!c->via || strcmp(c->via, "ble") == 0)
                return scan_ble(c); /* the default: what is on the air */
        if (cli_transport(c, c->via, &t) < 0)
                return -1;
        r = session_new(c->event, t, NULL, NULL, NULL, &s);
        if (r < 0) {
                lk_transport_free(t);
                return cli_fail(c, CLI_EXIT_FAILURE, "cannot create a session: %s", strerror(-r));
        }
        r = session_connect(s, &info);
        session_free(s);
        if (r < 0)
                return cli_link_fail(c, c->via, r, "probing the lock");
        dev = cJSON_AddObjectToObject(c->out, "device");
        cJSON_AddStringToObject(dev, "via", c->via);
        cJSON_AddStringToObject(dev, "generation", lk_link_generation_name(&info));
        cJSON_AddNumberToObject(dev, "mtu", info.mtu);
        if (!c->json)
                printf("%s %-14s MTU %u\n", render_pad(c->via, 40, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX),
                       lk_link_generation_name(&info), info.mtu);
        return 0;
}

/* ---- pair ---------------------------------------------------------------------------------- */

struct pair_ctx {
        struct session *s;
        struct lk_pair_client *pc;
        int error;
};

static int pair_on_chunk(void *userdata, const uint8_t *chunk, size_t n)
{
        struct pair_ctx *p = userdata;
        uint8_t out[LK_PAIR_OUT_MAX];
        size_t out_len = 0;
        int r;

        r = lk_pair_client_feed(p->pc, chunk, n, out, sizeof(out), &out_len);
        if (r < 0)
                return r;
        if (out_len > 0) {
                int k = session_pairing_send(p->s, out, out_len);

                lk_wipe(out, sizeof(out));
                if (k < 0)
                        return k;
        }
        return r == LK_PAIR_DONE ? 1 : 0;
}

/* What pair's options ask for: the alias to keep the lock under and the authorization to ask for. */
struct pair_args {
        const char *alias;
        struct lk_pair_client_config cfg; /* id_type and name from the options; the rest once connected */
        bool force;
};

static int pair_parse_args(struct cli *c, int argc, char **argv, struct pair_args *a)
{
        int opt;

        *a = (struct pair_args){ .cfg = { .id_type = LK_ID_APP, .name = "latchkey" } };
        while ((opt = cli_getopt(c, argc, argv)) != -1)
                switch (opt) {
                case OPT_NAME:
                        a->alias = optarg;
                        break;
                case OPT_ID_TYPE:
                        if (streq(optarg, "app"))
                                a->cfg.id_type = LK_ID_APP;
                        else if (streq(optarg, "bridge"))
                                a->cfg.id_type = LK_ID_BRIDGE;
                        else if (streq(optarg, "fob"))
                                a->cfg.id_type = LK_ID_FOB;
                        else
                                return cli_fail(c, CLI_EXIT_USAGE, "--id-type is app, bridge or fob, not '%s'", optarg);
                        break;
                case OPT_AUTH_NAME:
                        a->cfg.name = optarg;
                        break;
                case OPT_FORCE:
                        a->force = true;
                        break;
                default:
                        return -1;
                }
        if (!a->alias)
                return cli_fail(c, CLI_EXIT_USAGE, "pair needs --name NAME: the name you will use for this lock");
        if (!store_alias_is_valid(a->alias))
                return cli_fail(c, CLI_EXIT_USAGE, "invalid lock name '%s': use 1-63 letters, digits, '.', '_' or '-'",
                                a->alias);
        if (!c->via)
                return cli_fail(c, CLI_EXIT_USAGE, "pair needs --via: sim:PATH for a virtual lock");
        if (strlen(c->via) > STORE_VIA_MAX)
                return cli_fail(c, CLI_EXIT_USAGE, "--via is too long");
        if (lk_text_check(a->cfg.name, LK_AUTH_NAME_SIZE) != LK_TEXT_OK)
                return cli_fail(c, CLI_EXIT_USAGE, "invalid --auth-name: %s (1 to 32 bytes of UTF-8, no control or bidi characters)",
                                lk_text_problem_str(lk_text_check(a->cfg.name, LK_AUTH_NAME_SIZE)));
        return 0;
}

/* Take the alias for this pairing: refuse one paired already (unless --force), hold the agent's
 * lock on it (agent.h, in ret_busy) and close the identity of a pairing it replaces. */
static int pair_claim_alias(struct cli *c, const struct pair_args *a, int *ret_busy, struct db **db)
{
        struct lk_creds existing = { 0 };
        int r;

        if (cli_store(c, NULL) < 0)
                return -1;
        r = store_creds_get(c->store, a->alias, &existing);
        if (r == 0 && !a->force) {
                lk_creds_wipe(&existing);
                return cli_fail(c, CLI_EXIT_USAGE, "a lock named '%s' is paired already (use --force to replace it)", a->alias);
        }
        /* No other process works with this alias while it changes hands (agent.h). */
        r = agent_lock_take(c->store, a->alias, 0, ret_busy);
        if (r < 0) {
                lk_creds_wipe(&existing);
                return cli_fail_errno(c, r, "waiting for the lock");
        }
        /* What latchkey kept for the pairing being replaced is that pairing's (an upgraded
         * directory may not have said so yet): the new one starts fresh below. */
        if (r == 0 && existing.alias[0] && db_open(c->store, db) >= 0)
                (void)agent_identity_record(*db, &existing, (int64_t)time(NULL));
        lk_creds_wipe(&existing);
        return 0;
}

/* Connect for pairing (c->session) and take the PIN: required for Ultra pairing (spec §4.3); for
 * SL1-4 kept for later commands when --pin-file gives one. */
static int pair_connect(struct cli *c, struct lk_link_info *ret_info, struct lk_pin *ret_pin, bool *ret_have_pin)
{
        struct session_opts sopts;
        struct lk_transport *t = NULL;
        int r;

        if (cli_transport(c, c->via, &t) < 0)
                return -1;
        agent_session_opts(c->via, c->timeout_usec, &sopts);
        sopts.pairing = true;
        r = session_new(c->event, t, NULL, NULL, &sopts, &c->session);
        if (r < 0) {
                lk_transport_free(t);
                return cli_fail(c, CLI_EXIT_FAILURE, "cannot create a session: %s", strerror(-r));
        }
        r = session_connect(c->session, ret_info);
        if (r == -ENOENT && strncmp(c->via, "ble:", 4) == 0) /* pairing off: its pairing service hidden (docs/bluetooth.md) */
                return cli_fail(c, CLI_EXIT_LINK, "connecting to the lock: it shows no pairing service; "
                                "put it in pairing mode (press its button for 5 s) and try again");
        if (r < 0)
                return cli_link_fail(c, c->via, r, "connecting to the lock");

        if (lk_generation_is_ultra(ret_info->generation) || c->pin_file) {
                if (cli_pin(c, ret_info->generation, ret_pin) < 0)
                        return -1;
                *ret_have_pin = true;
        }
        return 0;
}

/* The lock's Error Report that ended pairing (spec §4.1), as the exit code and message. */
static int pair_refused(struct cli *c, struct lk_pair_client *pc)
{
        uint8_t code = 0;
        uint16_t cmd = 0;
        const char *d;

        (void)!lk_pair_client_remote_error(pc, &code, &cmd);
        lk_pair_client_wipe(pc);
        c->lock_error = code;
        if (code == LK_P_ERROR_NOT_PAIRING)
                return cli_fail(c, CLI_EXIT_AUTH,
                                "the lock is not in pairing mode: hold its button for 5 seconds, then try again");
        d = lk_error_description(code);
        return cli_fail(c, code == LK_P_ERROR_MAX_USER ? CLI_EXIT_FULL : CLI_EXIT_AUTH,
                        "the lock refused pairing: %s (0x%02X)", d ? d : "unknown error", code);
}

/* The pairing exchange (spec §4.1, §4.3) on the connected session, as cfg asks; cfg's generation,
 * PIN and App-ID are set here. */
static int pair_exchange(struct cli *c, struct lk_pair_client_config *cfg, const struct lk_link_info *info,
                         const struct lk_pin *pin, struct lk_pair_result *ret)
{
        struct lk_pair_client pc;
        struct pair_ctx pctx;
        uint8_t out[LK_PAIR_OUT_MAX];
        size_t out_len;
        int r;

        cfg->gen = info->generation;
        cfg->pin = pin->value;
        /* A random App-ID, so pairing never overwrites another client's authorization (spec §4.1). */
        randombytes_buf(&cfg->app_id, sizeof(cfg->app_id));

        r = lk_pair_client_init(&pc, cfg, &lk_env_default);
        if (r >= 0)
                r = lk_pair_client_start(&pc, out, sizeof(out), &out_len);
        if (r >= 0)
                r = session_pairing_send(c->session, out, out_len);
        if (r < 0) {
                lk_pair_client_wipe(&pc);
                return cli_fail_errno(c, r, "starting to pair");
        }
        if (!c->quiet && !c->json)
                fprintf(stderr, "Pairing with the %s (press its button for 5 s if it is not in pairing mode)...\n",
                        streq(lk_link_generation_name(info), "unknown") ? "lock" : lk_link_generation_name(info));
        pctx = (struct pair_ctx){ .s = c->session, .pc = &pc };
        r = session_pairing_wait(c->session, pair_on_chunk, &pctx);
        if (r == -EREMOTEIO)
                return pair_refused(c, &pc);
        if (r < 0) {
                lk_pair_client_wipe(&pc);
                return cli_fail_errno(c, r, "pairing");
        }
        r = lk_pair_client_take_result(&pc, ret);
        lk_pair_client_wipe(&pc);
        if (r < 0)
                return cli_fail_errno(c, r, "pairing");
        return 0;
}

/* The credentials of a new pairing; res is wiped. */
static void pair_creds_fill(struct cli *c, const struct pair_args *a, const struct lk_link_info *info,
                            struct lk_pair_result *res, struct lk_creds *ret)
{
        snprintf(ret->alias, sizeof(ret->alias), "%s", a->alias);
        snprintf(ret->via, sizeof(ret->via), "%s", c->via);
        snprintf(ret->name, sizeof(ret->name), "%s", a->cfg.name);
        ret->generation = info->generation;
        ret->auth_id = res->auth_id;
        ret->app_id = a->cfg.app_id;
        ret->id_type = (uint8_t)a->cfg.id_type;
        memcpy(ret->shared_key, res->shared_key, LK_KEY_SIZE);
        memcpy(ret->lock_uuid, res->lock_uuid, LK_UUID_SIZE);
        memcpy(ret->lock_pk, res->lock_pk, LK_KEY_SIZE);
        ret->paired_at = (int64_t)time(NULL);
        lk_wipe(res, sizeof(*res));
}

/* Ask the newly paired lock what completes its credentials: its identity (spec §6.24 Config: the
 * Nuki ID, nonce only), to which what is kept for it is tied, and whether a PIN given now is
 * right (checked on the lock before it is kept). Either may fail without failing the pairing. */
static void pair_learn_identity(struct cli *c, struct lk_creds *creds, const struct lk_pin *pin, bool have_pin)
{
        uint32_t nuki_id;

        session_set_creds(c->session, creds);
        if (agent_read_nuki_id(c->session, creds->generation, &nuki_id) >= 0) {
                creds->has_nuki_id = true;
                creds->nuki_id = nuki_id;
        } else
                log_warning("The lock did not give its Nuki ID now; latchkey learns it on the next connection.");
        if (have_pin) {
                creds->has_pin = true;
                creds->pin = *pin;
                session_set_creds(c->session, creds);
                if (lockops_pin_verify(c->session) < 0) {
                        log_warning("The security PIN given was not accepted by the lock; it is not stored.");
                        creds->has_pin = false;
                        lk_wipe(&creds->pin, sizeof(creds->pin));
                }
        }
}

/* Keep the credentials, and record the identity they belong to in the database (db, opened here
 * unless pair_claim_alias did). */
static int pair_store(struct cli *c, struct lk_creds *creds, struct db **db)
{
        int r;

        r = store_creds_put(c->store, creds);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "paired, but cannot store the credentials: %s", strerror(-r));
        if (*db || db_open(c->store, db) >= 0)
                (void)agent_identity_record(*db, creds, creds->paired_at);
        return 0;
}

static void pair_report(struct cli *c, const struct lk_creds *creds)
{
        cJSON *o;

        o = cJSON_AddObjectToObject(c->out, "lock");
        cJSON_AddStringToObject(o, "name", creds->alias);
        cJSON_AddStringToObject(o, "generation", creds_gen_name(creds));
        cJSON_AddNumberToObject(o, "auth_id", creds->auth_id);
        cJSON_AddBoolToObject(o, "pin_stored", creds->has_pin);
        if (!c->json)
                printf("Paired '%s' (%s), authorization %" PRIu32 "%s.\n", creds->alias, creds_gen_name(creds),
                       creds->auth_id, creds->has_pin ? ", security PIN stored" : "; no security PIN stored yet (latchkey pin verify --pin-file FILE)");
}

int cmd_pair(struct cli *c, int argc, char **argv)
{
        struct pair_args a;
        struct lk_link_info info;
        struct lk_pair_result res;
        struct lk_creds creds = { 0 };
        _cleanup_(closep) int busy = -1; /* held until the new pairing is stored */
        _cleanup_(db_freep) struct db *db = NULL;
        struct lk_pin pin = { 0 };
        bool have_pin = false;
        int r;

        r = pair_parse_args(c, argc, argv, &a);
        if (r < 0)
                return r;
        r = pair_claim_alias(c, &a, &busy, &db);
        if (r < 0)
                return r;
        r = pair_connect(c, &info, &pin, &have_pin);
        if (r >= 0)
                r = pair_exchange(c, &a.cfg, &info, &pin, &res);
        if (r >= 0) {
                pair_creds_fill(c, &a, &info, &res, &creds);
                pair_learn_identity(c, &creds, &pin, have_pin);
                r = pair_store(c, &creds, &db);
        }
        if (r >= 0)
                pair_report(c, &creds);
        lk_creds_wipe(&creds);
        lk_wipe(&pin, sizeof(pin));
        return r;
}

/* ---- locks, forget --------------------------------------------------------------------------- */

int cmd_locks(struct cli *c, int argc, char **argv)
{
        char **l = NULL, when[40];
        const char *pin;
        cJSON *arr;
        int r;

        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (cli_store(c, NULL) < 0)
                return -1;
        r = store_creds_list(c->store, &l);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "cannot list locks: %s", strerror(-r));
        arr = cJSON_AddArrayToObject(c->out, "locks");
        if (!c->json && l[0])
                printf("%-20s %-14s %-8s %-8s %-26s %s\n", "NAME", "GENERATION", "AUTH", "PIN", "PAIRED", "VIA");
        for (char **p = l; *p; p++) {
                struct lk_creds cr;
                cJSON *o;

                if (store_creds_get(c->store, *p, &cr) < 0) {
                        log_warning("Skipping '%s': its credentials file is unreadable or corrupt", *p);
                        continue;
                }
                time_format_local(cr.paired_at, when, sizeof(when));
                o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "name", cr.alias);
                cJSON_AddStringToObject(o, "generation", creds_gen_name(&cr));
                cJSON_AddNumberToObject(o, "auth_id", cr.auth_id);
                cJSON_AddBoolToObject(o, "pin_stored", cr.has_pin);
                pin = agent_pin_state(&cr, (int64_t)time(NULL)); /* a refused or locked-out PIN is not used */
                cJSON_AddStringToObject(o, "pin_state", pin);
                cJSON_AddStringToObject(o, "via", cr.via);
                cJSON_AddStringToObject(o, "paired_at", when);
                cJSON_AddItemToArray(arr, o);
                if (!c->json)
                        printf("%-20s %-14s %-8" PRIu32 " %-8s %-26s %s\n", cr.alias, creds_gen_name(&cr), cr.auth_id,
                               streq(pin, "stored") ? "yes" : streq(pin, "none") ? "no" : pin, when, render_escape(cr.via, (char[RENDER_CELL_MAX]){ 0 }, RENDER_CELL_MAX));
                lk_creds_wipe(&cr);
        }
        if (!c->json && !l[0])
                printf("No locks paired yet. Pair one with: latchkey pair --via sim:PATH --name NAME\n");
        strv_free(l);
        return 0;
}

int cmd_forget(struct cli *c, int argc, char **argv)
{
        int r;

        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (!c->lock_alias)
                return cli_fail(c, CLI_EXIT_USAGE, "forget needs --lock NAME");
        if (cli_lock(c) < 0)
                return -1;
        r = store_creds_remove(c->store, c->creds.alias);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "cannot remove '%s': %s", c->creds.alias, strerror(-r));
        if (!c->json)
                printf("Forgot '%s' on this machine. Its authorization stays on the lock until removed there.\n",
                       c->creds.alias);
        return 0;
}

/* ---- state, battery -------------------------------------------------------------------------- */

int cmd_state(struct cli *c, int argc, char **argv)
{
        struct lk_keyturner_states ks;
        char t[40];
        int r;

        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (cli_connect(c) < 0)
                return -1;
        if (cli_is_opener(c))
                return opener_state(c);
        r = lockops_states(c->session, &ks);
        if (r < 0)
                return cli_fail_errno(c, r, "reading the lock state");
        cJSON_AddItemToObject(c->out, "state", render_states_json(&ks));
        if (c->json)
                return 0;
        render_datetime_local(&ks.current_time, t, sizeof(t));
        printf("Lock:        %s\n", c->creds.alias);
        printf("State:       %s (%s)\n", render_name(lk_lock_state_name(ks.lock_state), ks.lock_state, (char[8]){ 0 }, 8),
               render_name(lk_nuki_state_name(ks.nuki_state), ks.nuki_state, (char[8]){ 0 }, 8));
        printf("Lock clock:  %s (lock zone UTC%+d min)\n", t, ks.timezone_offset);
        printf("Battery:     %s\n", ks.battery_state & LK_BATTERY_STATE_CRITICAL ? "CRITICAL" : "ok");
        if (ks.len >= 19)
                printf("Door:        %s\n", render_name(lk_door_sensor_name(ks.door_sensor_state), ks.door_sensor_state,
                                                     (char[8]){ 0 }, 8));
        return 0;
}

int cmd_battery(struct cli *c, int argc, char **argv)
{
        struct lk_keyturner_states ks = { 0 };
        struct lk_battery_report b;
        int r;

        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (cli_connect(c) < 0)
                return -1;
        r = lockops_battery(c->session, &b);
        if (r >= 0 && !cli_is_opener(c)) /* the charge is in a Smart Lock's states only */
                r = lockops_states(c->session, &ks);
        if (r < 0)
                return cli_fail_errno(c, r, "reading the battery");
        cJSON_AddItemToObject(c->out, "battery", render_battery_json(&b, &ks));
        if (cli_is_opener(c)) { /* O3: an Opener reports the critical bit alone, no charge */
                cJSON *o = cJSON_GetObjectItemCaseSensitive(c->out, "battery");

                cJSON_DeleteItemFromObjectCaseSensitive(o, "charge_percent");
                cJSON_DeleteItemFromObjectCaseSensitive(o, "charging");
                if (!c->json)
                        printf("Battery: %u mV, %s\n", b.voltage, b.critical ? "CRITICAL" : "ok");
                return 0;
        }
        if (!c->json)
                printf("Battery: %u mV, %u%%, %s%s\n", b.voltage, (ks.battery_state >> 2) * 2,
                       b.critical ? "CRITICAL" : "ok", ks.battery_state & LK_BATTERY_STATE_CHARGING ? ", charging" : "");
        return 0;
}

/* ---- lock, unlock, unlatch ----------------------------------------------------------------- */

/* spec §8: the lock started, and its motor or clutch could not finish. */
static bool motor_error(uint8_t code)
{
        switch (code) {
        case LK_K_ERROR_CLUTCH_FAILURE:
        case LK_K_ERROR_MOTOR_TIMEOUT:
        case LK_K_ERROR_MOTOR_LOW_VOLTAGE:
        case LK_K_ERROR_MOTOR_POWER_FAILURE:
        case LK_K_ERROR_CLUTCH_POWER_FAILURE:
                return true;
        default:
                return false;
        }
}

/*
 * A lock action that did not complete. The outcome decides the words (the exit code is the
 * map's, exits.h): refused, or not carried out (the motor blocked: 4); unknown because the
 * link failed after the command went out (5). An action whose outcome we did not see is never
 * sent again (lockops.h).
 */
static int action_failed(struct cli *c, int r, uint8_t action, cJSON *a)
{
        const char *what = lk_lock_action_name(action);
        bool accepted = session_call_accepted(c->session);
        uint8_t code;

        cJSON_AddBoolToObject(a, "accepted", accepted);
        if (r == -EINPROGRESS || (r == -EBADMSG && session_call_sent(c->session))) {
                cJSON_AddStringToObject(a, "outcome", "unknown");
                return cli_fail(c, exit_for_lock_errno(r, 0), "%s: %s %s; outcome unknown, not sent again: see 'latchkey state'",
                                what, r == -EBADMSG ? "the lock's answer failed its checks (corrupt link or not the paired lock)"
                                                    : "the link to the lock was lost",
                                r == -EBADMSG ? "" : accepted ? "after the lock accepted it, while its motor turned"
                                                              : "before the lock answered");
        }
        if (r != -EREMOTEIO) {
                cJSON_AddStringToObject(a, "outcome", "not_done");
                return cli_fail_errno(c, r, what);
        }
        code = session_remote_error(c->session);
        cJSON_AddStringToObject(a, "outcome", "failed");
        c->lock_error = code;
        if (code == LK_K_ERROR_MOTOR_BLOCKED)
                return cli_fail(c, exit_for_lock_error(code),
                                "%s: the motor was blocked (K_ERROR_MOTOR_BLOCKED, 0x42): check the door and the bolt, "
                                "then try again", what);
        if (motor_error(code))
                return cli_fail(c, exit_for_lock_error(code), "%s: the lock could not complete it: %s (%s, 0x%02X)", what,
                                lk_error_description(code), lk_error_name(code), code);
        return cli_fail_errno(c, r, what);
}

static int run_action(struct cli *c, int argc, char **argv, uint8_t action)
{
        struct lk_keyturner_states ks;
        cJSON *a;
        int r;

        if (cli_getopt_none(c, argc, argv) < 0 || cli_need_smart_lock(c, lk_lock_action_name(action)) < 0)
                return -1;
        if (cli_connect(c) < 0)
                return -1;
        a = cJSON_AddObjectToObject(c->out, "action");
        cJSON_AddStringToObject(a, "name", lk_lock_action_name(action));
        r = lockops_action(c->session, action, c->creds.app_id, NULL, &ks);
        if (r < 0)
                return action_failed(c, r, action, a);
        /* spec §5.3: the outcome is the lock's COMPLETE and its final Keyturner States */
        cJSON_AddStringToObject(a, "outcome", "complete");
        cJSON_AddItemToObject(c->out, "state", render_states_json(&ks));
        if (!c->json)
                printf("%s: %s\n", c->creds.alias,
                       render_name(lk_lock_state_name(ks.lock_state), ks.lock_state, (char[8]){ 0 }, 8));
        return 0;
}

int cmd_lock(struct cli *c, int argc, char **argv)
{
        return run_action(c, argc, argv, LK_ACTION_LOCK);
}

int cmd_unlock(struct cli *c, int argc, char **argv)
{
        return run_action(c, argc, argv, LK_ACTION_UNLOCK);
}

int cmd_unlatch(struct cli *c, int argc, char **argv)
{
        return run_action(c, argc, argv, LK_ACTION_UNLATCH);
}

/* ---- time sync ----------------------------------------------------------------------------- */

/* The zone part of time sync: written before the clock, so both are right when it returns. */
static int sync_zone(struct cli *c, const struct lockzone *z)
{
        struct lk_config before;
        bool changed = false;
        char desc[128];
        cJSON *o;
        int r;

        r = lockzone_apply(c->session, z, &before, &changed);
        if (r == -EOPNOTSUPP) {
                cli_note_firmware(c, &before);
                return cli_fail(c, CLI_EXIT_UNSUPPORTED,
                                "setting the lock's zone: its Config is the older %u-byte layout (API v1), without "
                                "the zone fields and with a Set Config latchkey does not write; nothing was written. "
                                "'latchkey time sync' without --zone sets its clock", (unsigned)before.len);
        }
        if (r == -EILSEQ)
                return cli_fail(c, CLI_EXIT_UNSUPPORTED,
                                "setting the lock's zone: the lock's config cannot be written back as read "
                                "(its name is not valid UTF-8); nothing was written");
        if (r < 0)
                return cli_fail_errno(c, r, "setting the lock's zone");
        o = lockzone_json(z);
        cJSON_AddBoolToObject(o, "changed", changed);
        cJSON_AddItemToObject(c->out, "zone", o);
        lockzone_describe(z, desc, sizeof(desc));
        if (!z->dst_follows)
                log_warning("The lock has no zone ID for %s: it keeps UTC%+d min from now on, and its "
                            "clock will NOT follow %s's next daylight-saving change by itself; "
                            "reconcile (or time sync --zone) writes the new offset when it comes.",
                            z->name, z->timezone_offset, z->name);
        if (!c->json)
                printf("Lock zone %s %s.\n", changed ? "set to" : "already", desc);
        return 0;
}

int cmd_time_sync(struct cli *c, int argc, char **argv)
{
        struct lk_datetime clock;
        int16_t tz;
        struct lockzone z;
        const char *zone = NULL;
        int64_t before = 0, now;
        char buf[40];
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv)) != -1)
                switch (opt) {
                case OPT_ZONE:
                        zone = optarg;
                        break;
                default:
                        return -1;
                }
        now = (int64_t)time(NULL);
        if (zone) {
                /* Checked before anything is sent: bad input writes nothing. */
                r = lockzone_for(zone, now, &z);
                if (r == -EINVAL || r == -ENOENT)
                        return cli_fail(c, CLI_EXIT_USAGE, "--zone '%s' is not a time zone of the system's tz database "
                                        "(an IANA name such as Europe/Berlin)", zone);
                if (r < 0)
                        return cli_fail(c, CLI_EXIT_USAGE, "--zone '%s': its UTC offset is beyond what a lock takes", zone);
        }
        if (cli_connect(c) < 0)
                return -1;
        if (zone && sync_zone(c, &z) < 0)
                return -1;
        r = lockops_clock(c->session, &clock, &tz);
        if (r < 0)
                return cli_fail_errno(c, r, "reading the lock clock");
        now = (int64_t)time(NULL);
        (void)!lk_datetime_to_unix(&clock, &before);
        /* The lock keeps UTC (spec §9.3). */
        r = lockops_set_time(c->session, now);
        if (r < 0)
                return cli_fail_errno(c, r, "setting the lock clock");
        time_format_utc(now, buf, sizeof(buf));
        cJSON_AddStringToObject(c->out, "set_to", buf);
        if (before)
                cJSON_AddNumberToObject(c->out, "drift_seconds", (double)(before - now));
        else
                cJSON_AddNullToObject(c->out, "drift_seconds");
        if (!c->json) {
                if (before)
                        printf("Lock clock set to %s (it was %+" PRId64 " s off).\n", buf, before - now);
                else
                        printf("Lock clock set to %s (it was not set).\n", buf);
        }
        return 0;
}

/* ---- config show ----------------------------------------------------------------------------- */

int cmd_config_show(struct cli *c, int argc, char **argv)
{
        struct lk_config cfg;
        struct lk_advanced_config ac;
        bool have_ac;
        cJSON *o;
        int r;

        if (cli_getopt_none(c, argc, argv) < 0)
                return -1;
        if (cli_connect(c) < 0)
                return -1;
        if (cli_is_opener(c))
                return opener_config_show(c);
        r = lockops_config(c->session, &cfg);
        if (r < 0)
                return cli_fail_errno(c, r, "reading the configuration");
        cli_note_firmware(c, &cfg);
        /* [DECISION] issue 14: a Config in the API v1 layout means firmware without Advanced
         * Config (it would answer nothing, 5 s lost); a lock that refuses it, or answers it
         * with silence, lacks it too. Either way what the lock has is shown, and "lacks" says
         * the rest. */
        have_ac = false;
        if (lk_config_has(&cfg, LK_CONFIG_OFF_DEVICE_TYPE - 1)) {
                r = lockops_advanced_config(c->session, &ac);
                have_ac = r >= 0;
                if (r < 0 && r != -EREMOTEIO &&
                    !(r == -ETIMEDOUT && session_silent_cmd(c->session) && session_is_connected(c->session)))
                        return cli_fail_errno(c, r, "reading the advanced configuration");
        }
        o = render_config_json(&cfg, have_ac ? &ac : NULL);
        cJSON_AddItemToObject(c->out, "config", o);
        if (c->json)
                return 0;
        render_json_text(stdout, o, 0); /* names escaped (the lock's own name is the lock's to choose) */
        return 0;
}
