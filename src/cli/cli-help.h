/* SPDX-License-Identifier: MIT */
/* The help texts, printed from the command table (cli-table.h). */
#pragma once

#include <stdio.h>

#include "cli-table.h"

/* latchkey --help: every command, the global flags, times, secrets, exit codes. */
void cli_help_main(FILE *f);
/* latchkey GROUP --help: the group's commands. */
void cli_help_group(FILE *f, const struct cli_group *g);
/* latchkey COMMAND --help: usage, what it does, every flag it takes explained. */
void cli_help_command(FILE *f, const struct cli_command *cmd);
/* latchkey --version */
void cli_help_version(FILE *f);
