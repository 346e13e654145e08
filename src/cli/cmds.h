/* SPDX-License-Identifier: MIT */
/* The CLI subcommands (src/cli/cmd-*.c, src/daemon/daemon.c), listed in cli-table.c's table. */
#pragma once

#include "cli.h"
#include "daemon.h"

int cmd_scan(struct cli *c, int argc, char **argv);
int cmd_pair(struct cli *c, int argc, char **argv);
int cmd_locks(struct cli *c, int argc, char **argv);
int cmd_forget(struct cli *c, int argc, char **argv);
int cmd_state(struct cli *c, int argc, char **argv);
int cmd_battery(struct cli *c, int argc, char **argv);
int cmd_lock(struct cli *c, int argc, char **argv);
int cmd_unlock(struct cli *c, int argc, char **argv);
int cmd_unlatch(struct cli *c, int argc, char **argv);
int cmd_rto(struct cli *c, int argc, char **argv);
int cmd_cm(struct cli *c, int argc, char **argv);
int cmd_open(struct cli *c, int argc, char **argv);
int cmd_time_sync(struct cli *c, int argc, char **argv);
int cmd_config_show(struct cli *c, int argc, char **argv);
int cmd_code_list(struct cli *c, int argc, char **argv);
int cmd_code_add(struct cli *c, int argc, char **argv);
int cmd_code_update(struct cli *c, int argc, char **argv);
int cmd_code_remove(struct cli *c, int argc, char **argv);
int cmd_code_import(struct cli *c, int argc, char **argv);
int cmd_log(struct cli *c, int argc, char **argv);
int cmd_auth_list(struct cli *c, int argc, char **argv);
int cmd_auth_remove(struct cli *c, int argc, char **argv);
int cmd_pin_verify(struct cli *c, int argc, char **argv);
int cmd_pin_set(struct cli *c, int argc, char **argv);
