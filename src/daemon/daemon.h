/* SPDX-License-Identifier: MIT */
/* `latchkey daemon` (daemon.c): the unattended loop, a command in src/cli/cli-table.c's table. */
#pragma once

#include "cli.h"

int cmd_daemon(struct cli *c, int argc, char **argv);
