/* SPDX-License-Identifier: MIT */
/* `latchkey daemon` (daemon.c): the unattended loop, a command of the table (src/cli/cli-table.c). */
#pragma once

#include "cli.h"

int cmd_daemon(struct cli *c, int argc, char **argv);
