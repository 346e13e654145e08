/* SPDX-License-Identifier: MIT */
/*
 * The command-line surface (cli-table.h): the commands and their flags. The global flags and the
 * flag look-ups are in src/ui/cli-flags.c, beneath the commands they serve.
 * One row per flag: { name, OPT_ id, short letter, value name or NULL, help, accepted words }.
 */
#include <stddef.h>
#include <string.h>

#include "cli-table.h"
#include "cmd-grants.h"
#include "cmd-sync.h"
#include "cmds.h"
#include "util.h"

#define END {}

/* Rows leave out the trailing fields they do not need (values, flags): that is the point. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ---- flags of each command ---------------------------------------------------------------- */

static const struct cli_flag pair_flags[] = {
        { "name", OPT_NAME, 'n', "NAME",
          "The name you will use for this lock on this machine: 1-63 letters, digits, '.', '_' or '-'." },
        { "id-type", OPT_ID_TYPE, 't', "TYPE", "Pair as an app (the default), a bridge or a fob (spec §4.1).",
          "app bridge fob" },
        { "auth-name", OPT_AUTH_NAME, 'a', "NAME",
          "The name of this machine's authorization as the lock lists it: 1-32 bytes of UTF-8 (default latchkey)." },
        { "force", OPT_FORCE, 'f', NULL, "Replace a lock already paired under the same name." },
        END,
};

/* Time-window flags of code add and code update. */
#define WINDOW_FLAGS                                                                                                   \
        { "from", OPT_FROM, 0, "TIME",                                                                                 \
          "The code works from TIME: 2026-12-01T15:00+01:00, 2026-12-01T14:00Z, '2026-12-01 15:00' (this "             \
          "machine's zone), now, now+3600, now+2h." },                                                                 \
        { "until", OPT_UNTIL, 0, "TIME", "The code works until TIME." },                                               \
        { "weekdays", OPT_WEEKDAYS, 0, "LIST",                                                                         \
          "Only on these days: mon,tue,... or weekdays, weekends, all.",                                               \
          "all weekdays weekends mon tue wed thu fri sat sun" },                                                       \
        { "daily", OPT_DAILY, 0, "HH:MM-HH:MM",                                                                        \
          "Only between these times each day, the lock's local time; an overnight window is refused (use two codes)." }

static const struct cli_flag code_add_flags[] = {
        { "name", OPT_NAME, 'n', "NAME", "The code's name, e.g. the guest's: 1-20 bytes of UTF-8." },
        { "code-file", OPT_CODE_FILE, 0, "FILE",
          "Read the six-digit code from FILE (mode 0600) or - for standard input; without it and without "
          "--generate, latchkey asks on the terminal." },
        { "generate", OPT_GENERATE, 0, NULL, "Draw a random code that passes the rules and is not on the lock yet." },
        WINDOW_FLAGS,
        END,
};

static const struct cli_flag code_update_flags[] = {
        { "name", OPT_NAME, 'n', "NAME", "Rename the code: 1-20 bytes of UTF-8." },
        { "code-file", OPT_CODE_FILE, 0, "FILE", "Change the code to the six digits in FILE (mode 0600) or - for standard input." },
        WINDOW_FLAGS,
        { "no-window", OPT_NO_WINDOW, 0, NULL, "Remove every time limit: the code works at any time." },
        { "enable", OPT_ENABLE, 0, NULL, "Switch the code on." },
        { "disable", OPT_DISABLE, 0, NULL, "Switch the code off (it stays on the lock)." },
        END,
};

static const struct cli_flag time_sync_flags[] = {
        { "zone", OPT_ZONE, 'z', "ZONE",
          "Also set the lock's time zone to ZONE, an IANA name from the system's tz database (Europe/Berlin): its "
          "zone ID, offset and DST mode, written with the whole configuration read back so no other setting "
          "changes. Daily windows then open at the zone's local time." },
        END,
};

static const struct cli_flag log_flags[] = {
        { "all", OPT_ALL, 'a', NULL, "Read the lock's whole log, not only the entries new since the last read." },
        END,
};

static const struct cli_flag auth_remove_flags[] = {
        { "force", OPT_FORCE, 'f', NULL, "Allow removing this machine's own authorization (latchkey is locked out after)." },
        END,
};

static const struct cli_flag pin_set_flags[] = {
        { "new-pin-file", OPT_NEW_PIN_FILE, 0, "FILE",
          "Read the new PIN from FILE (mode 0600) or - for standard input; without it, latchkey asks twice on the "
          "terminal." },
        END,
};

static const struct cli_flag grants_import_flags[] = {
        { "source", OPT_SOURCE, 0, "NAME",
          "The source this file speaks for (default file): a re-import cancels only bookings that the same source "
          "brought, so several files can be kept apart." },
        { "allow-cancel-all", OPT_ALLOW_CANCEL_ALL, 0, NULL,
          "Let this file cancel every current and upcoming booking of its source, or a stay in progress, by leaving "
          "it out (refused otherwise: an empty or cut-short export must not wipe stays)." },
        END,
};

static const struct cli_flag grants_list_flags[] = {
        { "all", OPT_ALL, 'a', NULL, "Also the cancelled and finished bookings." },
        END,
};

static const struct cli_flag reconcile_flags[] = {
        { "plan", OPT_PLAN, 0, NULL,
          "Show every add, update, remove and changeover it would make, and why, without connecting to a lock or "
          "writing anything." },
        { "now", OPT_NOW, 0, "TIME", "Plan as of TIME instead of now; implies --plan (nothing is written)." },
        { "lead", OPT_LEAD, 0, "DURATION", "Write codes this long before check-in: 3600, 90m, 72h, 3d (default 72h, at most 366d)." },
        { "grace", OPT_GRACE, 0, "DURATION", "Remove codes this long after check-out (default 1h, at most 366d)." },
        { "no-clock", OPT_NO_CLOCK, 0, NULL, "Leave the locks' clocks alone (by default a clock off by more than 60 s is set)." },
        { "config", OPT_CONFIG, 0, "FILE",
          "Take adapter, lead, grace and drift_max from this configuration (default: the daemon's "
          "/etc/latchkey/latchkey.conf when it exists); the flags win." },
        END,
};

static const struct cli_flag sync_flags[] = {
        { "url", OPT_URL, 0, "URL", "The upstream's base URL, https:// only (docs/sync.md)." },
        { "token-file", OPT_TOKEN_FILE, 0, "FILE", "The bearer token, from a file of mode 0600." },
        { "ca-file", OPT_CA_FILE, 0, "FILE", "Trust the CA certificates in this PEM file instead of the system's." },
        { "client-cert", OPT_CLIENT_CERT, 0, "FILE", "A PEM client certificate for mutual TLS (with --client-key)." },
        { "client-key", OPT_CLIENT_KEY, 0, "FILE", "The client certificate's PEM key, mode 0600." },
        { "batch-size", OPT_BATCH_SIZE, 0, "N", "Events per POST, 1 to 1000 (default 100)." },
        { "config", OPT_CONFIG, 0, "FILE",
          "Take the [upstream] settings from this configuration (default: the daemon's /etc/latchkey/latchkey.conf "
          "when it exists); the flags win." },
        END,
};

static const struct cli_flag daemon_flags[] = {
        { "config", OPT_CONFIG, 'c', "FILE", "The configuration file (default /etc/latchkey/latchkey.conf; docs/config.md)." },
        { "once", OPT_ONCE, 0, NULL, "One pass of everything (pull, reconcile, read logs, push), then exit." },
        END,
};

static const struct cli_flag outbox_list_flags[] = {
        { "rejected", OPT_REJECTED, 0, NULL, "The events the upstream refused, instead of the pending ones." },
        { "limit", OPT_LIMIT, 0, "N", "At most N events, 1 to 100000 (default 1000)." },
        END,
};

/* ---- commands ----------------------------------------------------------------------------- */

#define LOCK_ACTION_HELP                                                                                               \
        " The lock answers ACCEPTED, turns its motor for seconds and reports the final state with COMPLETE: that is "  \
        "the outcome printed. A blocked motor exits 4 (\"the motor was blocked\"). When the link fails after the "     \
        "command went out the outcome is unknown: exit 5, and the action is not sent again (latchkey state tells)."


#define OPENER_ACTION_HELP                                                                                             \
        " The Opener's final state is printed; a link lost after the command went out exits 5 (outcome unknown, not "  \
        "sent again: latchkey state tells)."

const struct cli_group cli_groups[] = {
        { "time", "the lock's clock" },
        { "config", "the lock's configuration" },
        { "code", "keypad codes on the lock" },
        { "auth", "authorizations on the lock (apps, bridges, fobs, keypads)" },
        { "pin", "the lock's security PIN" },
        { "grants", "bookings (properties, guests, stays) kept on this machine" },
        { "outbox", "events waiting for the upstream" },
        END,
};

const struct cli_command cli_commands[] = {
        { "scan", cmd_scan, "", "Nuki locks on the air, or probe one lock (--via)",
          "Without --via, or with --via ble, listen for Bluetooth LE advertisements for --timeout (default 10 s) and "
          "list the Nuki devices heard: address, name, family, pairing mode. With --via sim:PATH or ble:ADDRESS, "
          "connect to that one lock and report its generation and link MTU." },
        { "pair", cmd_pair, "--via VIA --name NAME", "pair with a lock in pairing mode and store its credentials",
          "Pair with a lock in pairing mode (hold its button for 5 seconds) and store its credentials under NAME. "
          "A random App-ID is used so another client's authorization is never replaced. Ultra and Go locks need "
          "their 6-digit security PIN to pair; on the others a PIN given with --pin-file is verified on the lock and "
          "stored for the commands that need it.",
          pair_flags },
        { "locks", cmd_locks, "", "the locks paired on this machine",
          "The locks paired on this machine: name, generation, authorization, the stored PIN (yes, no, refused: the "
          "lock refused it and it is not sent again, lockout: held off until the lock's PIN lockout is over; "
          "pin_state in --json), when, and how they are reached." },
        { "forget", cmd_forget, "--lock NAME", "delete a lock's credentials from this machine",
          "Delete a lock's credentials from this machine. Its authorization stays on the lock until removed there "
          "(auth remove, from another client)." },
        { "state", cmd_state, "", "the lock's state, clock and battery flag",
          "The lock's state, its clock and time zone, the battery flag and the door sensor. For a Nuki Opener: whether "
          "ring to open or continuous mode is on (so whether a ring opens the door), its clock and battery flag." },
        { "battery", cmd_battery, "", "the battery report", "The battery report: voltage, charge and the critical flag." },
        { "lock", cmd_lock, "", "lock", "Lock, and wait for the lock to report completion." LOCK_ACTION_HELP },
        { "unlock", cmd_unlock, "", "unlock", "Unlock, and wait for the lock to report completion." LOCK_ACTION_HELP },
        { "unlatch", cmd_unlatch, "", "unlock and pull the latch",
          "Unlock and pull the latch, and wait for completion." LOCK_ACTION_HELP },
        { "open", cmd_open, "", "open the door through a Nuki Opener (the electric strike)",
          "Actuate a Nuki Opener's electric strike: the building's door opens for the strike's duration, then the "
          "Opener is back in the state it was in. Only for an Opener (exit 11 on a Smart Lock; it uses lock, unlock "
          "and unlatch, which an Opener refuses the same way)." OPENER_ACTION_HELP },
        { "rto", cmd_rto, "on|off", "switch a Nuki Opener's ring to open on or off",
          "Ring to open on: the next ring at the door opens it (and, when the Opener is so configured, switches "
          "ring to open off again); it also switches itself off after its timeout (Advanced Config, 5 to 60 min). "
          "Only for an Opener." OPENER_ACTION_HELP },
        { "cm", cmd_cm, "on|off", "switch a Nuki Opener's continuous mode on or off",
          "Continuous mode on: every ring opens the door until it is switched off. An app authorization (latchkey "
          "pairs as one) sends the Continuous Mode Action, which needs the security PIN; a bridge or fob sends a lock "
          "action. Only for an Opener." OPENER_ACTION_HELP },
        { "time sync", cmd_time_sync, "", "set the lock's clock (UTC) and, with --zone, its time zone",
          "Set the lock's clock to this machine's clock (the lock keeps UTC) and report how far it had drifted. "
          "With --zone the lock's time zone is set first. A zone the lock has no ID for keeps the EU summer-time "
          "rule by DST mode where the zone follows it; otherwise it gets today's offset, with a warning that the "
          "lock will not follow the next daylight-saving change by itself.",
          time_sync_flags },
        { "config show", cmd_config_show, "", "the lock's configuration and advanced configuration",
          "The lock's configuration and advanced configuration, as JSON; a Nuki Opener's in its own terms (operating "
          "mode, capabilities, electric strike, ring to open timeout, doorbell suppression, sounds)." },
        { "code list", cmd_code_list, "", "the keypad codes on the lock",
          "The keypad codes on the lock: id, code, name, enabled, time window and how often used." },
        { "code add", cmd_code_add, "--name NAME (--code-file FILE|- | --generate)",
          "add a keypad code, checked first and verified after",
          "Add a keypad code. The code is six digits 1-9, not starting with 12; the name 1 to 20 bytes. Any window "
          "flag makes the code time limited. Everything is checked before the lock is touched, and the code is read "
          "back afterwards. Adding a code that is already on the lock with the same name and window does nothing and "
          "succeeds (so a retry never duplicates); the same code with other details is refused. The lock gives the "
          "new code its id (the first code is 1; see code list).",
          code_add_flags },
        { "code update", cmd_code_update, "ID", "change a keypad code (the whole record is written)",
          "Change the keypad code ID (see code list). The current record is read and written back whole with the "
          "changes, so no field is lost, and read back after.",
          code_update_flags },
        { "code remove", cmd_code_remove, "ID", "remove a keypad code",
          "Remove the keypad code ID; verified by reading the list back." },
        { "code import", cmd_code_import, "FILE|-", "add many codes from a JSON array in one connection, verified together",
          "Add many codes in one connection: a JSON array (or {\"codes\": [...]}) read from FILE, or - for standard "
          "input, of objects with name, code and "
          "optionally from, until, weekdays, daily (times in RFC 3339 with their zone, as in every document; code as "
          "a number or a string of six digits; any other field, or one value twice, is refused). Every record is "
          "checked before anything is written; the lock is "
          "listed once before and once after, which verifies every code written. The file holds codes: it must be "
          "mode 0600." },
        { "log", cmd_log, "", "new log entries since the last read (--all: the whole log)",
          "The lock's log entries that are new since the last read (the lock keeps the last 200). Entries are stored "
          "as they arrive and committed every 50 (one disk sync each) and when the read ends or fails, so a read cut "
          "short resumes where it stopped with nothing lost or repeated. Keypad "
          "entries are attributed to the code (by its id), lock actions to the authorization. On a Nuki Opener the "
          "actions are its own (ring to open, continuous mode, open) and each ring at the door is an entry, with "
          "what was on when it rang.",
          log_flags },
        { "auth list", cmd_auth_list, "", "the authorizations (apps, bridges, fobs, keypads) on the lock",
          "The authorizations on the lock (apps, bridges, fobs, keypads); this machine's own is marked." },
        { "auth remove", cmd_auth_remove, "AUTH_ID", "remove an authorization from the lock",
          "Remove the authorization AUTH_ID (see auth list) from the lock.", auth_remove_flags },
        { "pin verify", cmd_pin_verify, "", "check the security PIN (and store it when given)",
          "Check the security PIN on the lock; with --pin-file a PIN the lock accepts is stored for later commands." },
        { "pin set", cmd_pin_set, "", "change the lock's security PIN",
          "Change the lock's security PIN (4 digits; 6 on Ultra and Go) and store the new one.", pin_set_flags },
        { "grants import", cmd_grants_import, "FILE|-", "import properties and bookings from a JSON file (docs/grants.md)",
          "Import properties (their doors) and bookings from a JSON file, or - for standard input, all or nothing "
          "(docs/grants.md). Locks "
          "need not be paired yet; reconcile or the daemon puts the codes on them.",
          grants_import_flags },
        { "grants list", cmd_grants_list, "", "the bookings and the state of their codes on each lock",
          "The active bookings and the state of their codes on each lock.", grants_list_flags },
        { "reconcile", cmd_reconcile, "", "bring the locks' keypad codes in line with the bookings",
          "Bring every lock's keypad codes in line with the bookings now, one connection and one pass per lock (--lock "
          "NAME for one): codes written before check-in, updated when a booking changes, removed on cancellation or "
          "after check-out; codes made by anyone else are left alone and reported. A door that is not paired is "
          "skipped while nothing is due on it, and fails the run (3) once a guest's code is due there.",
          reconcile_flags },
        { "sync", cmd_sync, "", "pull grants and push the outbox to the upstream now",
          "One exchange with the upstream now (docs/sync.md): pull the bookings, push the waiting events, and print "
          "what was pulled, pushed and is still pending. The flags override the daemon's [upstream] settings.",
          sync_flags },
        { "daemon", cmd_daemon, "", "keep bookings and locks in step, read logs, sync upstream (systemd service)",
          "Keep the bookings and the locks in step unattended (docs/config.md): wake when something is due, "
          "reconcile, read each lock's log, sync with the upstream when there is a network. Runs under systemd as "
          "latchkey.service.",
          daemon_flags },
        { "outbox list", cmd_outbox_list, "", "events waiting for the upstream (or refused by it)",
          "The events waiting for the upstream, with their attempts, next try and last error (or, with --rejected, "
          "the ones it refused).",
          outbox_list_flags },
        END,
};


const struct cli_group *cli_group_find(const char *word)
{
        for (const struct cli_group *g = cli_groups; g->name; g++)
                if (streq(g->name, word))
                        return g;
        return NULL;
}

const struct cli_group *cli_group_of(const struct cli_command *cmd)
{
        const char *sp = strchr(cmd->name, ' ');

        if (!sp)
                return NULL;
        for (const struct cli_group *g = cli_groups; g->name; g++)
                if (strlen(g->name) == (size_t)(sp - cmd->name) && strncmp(g->name, cmd->name, (size_t)(sp - cmd->name)) == 0)
                        return g;
        return NULL;
}
