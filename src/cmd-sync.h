/* SPDX-License-Identifier: MIT */
/* latchkey sync / outbox list (src/cmd-sync.c): listed in main.c's table. */
#pragma once

#include "cli.h"
#include "sync.h"

int cmd_sync(struct cli *c, int argc, char **argv);
int cmd_outbox_list(struct cli *c, int argc, char **argv);

/*
 * Where `latchkey sync` gets its [upstream] settings before its own options apply. The
 * daemon's configuration loader sets this hook when it lands (NULL: options only).
 */
extern int (*cmd_sync_load_config)(struct cli *c, struct sync_config *cfg);
