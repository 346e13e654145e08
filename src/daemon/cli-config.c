/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cli-config.h"

int cli_load_config(struct cli *c, const char *path, struct daemon_config *ret)
{
        char err[512];

        if (config_load_default(path, ret, err, sizeof(err)) < 0)
                return cli_fail(c, CLI_EXIT_USAGE, "%s", err);
        if (!c->state_dir[0] && ret->state_dir[0])
                snprintf(c->state_dir, sizeof(c->state_dir), "%s", ret->state_dir);
        return 0;
}
