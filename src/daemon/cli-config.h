/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration for the commands that act as the daemon does (sync, reconcile):
 * --config FILE, else the daemon's file when it exists (docs/config.md).
 */
#pragma once

#include "cli.h"
#include "config.h"

/*
 * Load path (NULL: CONFIG_DEFAULT_PATH when present, else the defaults) into ret, and take its
 * agent.state_dir when --state-dir was not given. -1 with the file, line and what to change
 * recorded in c (exit 2) when the file is refused.
 */
int cli_load_config(struct cli *c, const char *path, struct daemon_config *ret);
