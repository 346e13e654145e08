/* SPDX-License-Identifier: MIT */
/*
 * The global flags and the flag look-ups (cli-table.h): what option parsing (cli.c) needs of
 * the surface, kept apart from the command table so the commands can sit above the parser.
 * One row per flag: { name, OPT_ id, short letter, value name or NULL, help, accepted words }.
 */
#include <stddef.h>
#include <string.h>

#include "cli-table.h"
#include "util.h"

#define END {}

/* Rows leave out the trailing fields they do not need (values): that is the point. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

const struct cli_flag cli_global_flags[] = {
        { "lock", OPT_LOCK, 'l', "NAME", "The paired lock to use (see 'latchkey locks'); without it, the only paired lock." },
        { "via", OPT_VIA, 0, "VIA",
          "How to reach the lock: sim:PATH for a virtual lock's socket, ble:ADDRESS for Bluetooth LE "
          "(ble:AA:BB:CC:DD:EE:FF). Pairing stores it; later commands use the stored one unless this is given.",
          "sim: ble:" },
        { "adapter", OPT_ADAPTER, 0, "NAME", "The Bluetooth adapter for ble: (default: the system's default, hci0)." },
        { "pin-file", OPT_PIN_FILE, 0, "FILE",
          "The lock's security PIN from FILE (digits; mode 0600) or - for standard input. Without it, the stored PIN "
          "is used, or latchkey asks on the terminal." },
        { "state-dir", OPT_STATE_DIR, 0, "DIR",
          "Where credentials, the log and the bookings live (default $LATCHKEY_STATE_DIR, /var/lib/latchkey for "
          "root, else $XDG_STATE_HOME/latchkey or ~/.local/state/latchkey). Created 0700." },
        { "timeout", OPT_TIMEOUT, 0, "DURATION",
          "Give up on a silent lock after this long: 10, 10s, 1500ms, 2m (100 ms to 1 h; default 5 s between "
          "replies, 20 s to connect, 30 s from a lock action's ACCEPTED to its COMPLETE; a Bluetooth scan lasts "
          "this long, default 10 s)." },
        { "json", OPT_JSON, 0, NULL,
          "Print one JSON object on standard output: {\"ok\":true,...} or, on any failure (usage errors too), "
          "{\"ok\":false,\"error\":{\"exit_code\":N,\"kind\":\"...\",\"message\":\"...\"}} with any partial "
          "results (kind names the exit code: see the exit codes)." },
        { "verbose", OPT_VERBOSE, 'v', NULL, "Debug messages on standard error." },
        { "quiet", OPT_QUIET, 'q', NULL, "No progress output." },
        { "help", OPT_HELP, 'h', NULL, "Explain the command (or group, or latchkey itself) and exit." },
        { "version", OPT_VERSION, 0, NULL, "Print latchkey's version and exit." },
        END,
};

const struct cli_flag *cli_flag_by_id(const struct cli_command *cmd, int id)
{
        for (const struct cli_flag *f = cmd ? cmd->flags : NULL; f && f->name; f++)
                if ((int)f->id == id || f->short_name == id)
                        return f;
        for (const struct cli_flag *f = cli_global_flags; f->name; f++)
                if ((int)f->id == id || f->short_name == id)
                        return f;
        return NULL;
}

const struct cli_flag *cli_flag_find(const struct cli_command *cmd, const char *name)
{
        for (const struct cli_flag *f = cmd ? cmd->flags : NULL; f && f->name; f++)
                if (streq(f->name, name))
                        return f;
        for (const struct cli_flag *f = cli_global_flags; f->name; f++)
                if (streq(f->name, name))
                        return f;
        return NULL;
}
