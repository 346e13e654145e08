/* SPDX-License-Identifier: MIT */
/*
 * The command-line surface as data: every command `main` dispatches, every flag each one
 * takes (src/cli/cli-table.c), the global flags (src/ui/cli-flags.c) and the exit codes
 * (src/base/exits.c). It is the one source of `latchkey --help`, `latchkey COMMAND --help`,
 * `latchkey GROUP --help`, the option parser (cli_getopt), and, through tools/latchkey-surface.c
 * at build time, the man page's command sections and the bash completion. tests/surface.py
 * checks they all agree.
 *
 * Adding a flag to a command: one row in that command's list in src/cli/cli-table.c, and the
 * command handles its OPT_* id. A flag name used for the first time also needs its OPT_*
 * constant below.
 */
#pragma once

#include <stdbool.h>

struct cli;

/* What cli_getopt() returns for a flag: one constant per flag name (any command). */
enum cli_opt {
        OPT_END = -1,

        /* global flags (handled inside cli_getopt; commands never see them) */
        OPT_ADAPTER = 0x100,
        OPT_HELP,
        OPT_JSON,
        OPT_LOCK,
        OPT_PIN_FILE,
        OPT_QUIET,
        OPT_STATE_DIR,
        OPT_TIMEOUT,
        OPT_VERBOSE,
        OPT_VERSION,
        OPT_VIA,

        /* command flags, by name */
        OPT_ALL = 0x200,
        OPT_ALLOW_CANCEL_ALL,
        OPT_AUTH_NAME,
        OPT_BATCH_SIZE,
        OPT_CA_FILE,
        OPT_CLIENT_CERT,
        OPT_CLIENT_KEY,
        OPT_CODE_FILE,
        OPT_CONFIG,
        OPT_DAILY,
        OPT_DISABLE,
        OPT_ENABLE,
        OPT_FORCE,
        OPT_FROM,
        OPT_GENERATE,
        OPT_GRACE,
        OPT_ID_TYPE,
        OPT_LEAD,
        OPT_LIMIT,
        OPT_NAME,
        OPT_NEW_PIN_FILE,
        OPT_NO_CLOCK,
        OPT_NO_WINDOW,
        OPT_NOW,
        OPT_ONCE,
        OPT_PLAN,
        OPT_REJECTED,
        OPT_SOURCE,
        OPT_TOKEN_FILE,
        OPT_UNTIL,
        OPT_URL,
        OPT_WEEKDAYS,
        OPT_ZONE,
};

struct cli_flag {
        const char *name;  /* the long name without "--": "code-file" */
        enum cli_opt id;   /* what cli_getopt() returns for it */
        char short_name;   /* 'n' for -n; 0: long only */
        const char *arg;   /* the value's name ("FILE", "NAME", "DURATION"); NULL: a switch */
        const char *help;  /* what it does, plain text, sentences; wrapped by whoever prints it */
        const char *values; /* the accepted words, space separated, when the value is one of a
                             * set (completion offers them); a word ending in ':' is a prefix */
};

struct cli_command {
        const char *name;       /* "code add": a group word and a verb, or one word */
        int (*run)(struct cli *c, int argc, char **argv);
        const char *synopsis;   /* after "latchkey NAME [OPTIONS]": operands and required flags */
        const char *summary;    /* one line, lower case, no full stop: the lists */
        const char *description; /* plain text sentences for COMMAND --help and the man page;
                                  * "\n\n" between paragraphs */
        const struct cli_flag *flags; /* its own flags, ended by an all-zero row; NULL: none */
};

/* A word that only groups commands: "code" for "code add", "code list", ... */
struct cli_group {
        const char *name;
        const char *summary;
};

extern const struct cli_command cli_commands[];      /* ended by an all-zero row */
extern const struct cli_flag cli_global_flags[];     /* ended by an all-zero row */
extern const struct cli_group cli_groups[];          /* ended by an all-zero row */
/* cli_exit_codes[]: the one exit-code table, in exits.h (src/base/exits.c). */
#include "exits.h"

/* The group a command belongs to (NULL for a one-word command). */
const struct cli_group *cli_group_of(const struct cli_command *cmd);
/* The group named by word, or NULL. */
const struct cli_group *cli_group_find(const char *word);
/* The flag with this OPT_* id or short letter among cmd's flags or the global ones, or NULL. */
const struct cli_flag *cli_flag_by_id(const struct cli_command *cmd, int id);
/* The flag with this long name among cmd's flags or (global) the global ones, or NULL. */
const struct cli_flag *cli_flag_find(const struct cli_command *cmd, const char *name);
