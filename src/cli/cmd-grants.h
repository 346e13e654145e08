/* SPDX-License-Identifier: MIT */
/* latchkey grants import|list and latchkey reconcile: the lifecycle engine's subcommands. */
#pragma once

#include "cli.h"

int cmd_grants_import(struct cli *c, int argc, char **argv);
int cmd_grants_list(struct cli *c, int argc, char **argv);
int cmd_reconcile(struct cli *c, int argc, char **argv);
