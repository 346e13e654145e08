/* SPDX-License-Identifier: MIT */
/* latchkey sync / outbox list (src/cli/cmd-sync.c): listed in main.c's table. */
#pragma once

#include "cli.h"
#include "sync.h"

int cmd_sync(struct cli *c, int argc, char **argv);
int cmd_outbox_list(struct cli *c, int argc, char **argv);

