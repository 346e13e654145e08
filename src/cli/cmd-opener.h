/* SPDX-License-Identifier: MIT */
/* The Nuki Opener's side of the CLI (cmd-opener.c). */
#pragma once

#include <stdbool.h>

#include "cli.h"

/* The resolved lock (cli_lock() done) is an Opener. */
bool cli_is_opener(const struct cli *c);
/*
 * Resolve the lock and refuse, exit 11 with a message naming what to use instead, when
 * command is the other device's: 0 to go on, -1 after recording the error.
 */
int cli_need_opener(struct cli *c, const char *command);
int cli_need_smart_lock(struct cli *c, const char *command);

/* state and config show on a connected Opener. */
int opener_state(struct cli *c);
int opener_config_show(struct cli *c);
