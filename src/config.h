/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration: an INI file (inih), every setting documented in
 * docs/config.md and packaging/latchkey.conf. Unknown sections or keys, bad values and
 * over-long lines are errors with the file and line named: a typo never silently means
 * "default".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lifecycle.h"
#include "sync.h"

#define CONFIG_DEFAULT_PATH "/etc/latchkey/latchkey.conf"

struct daemon_config {
        /* [agent] */
        char state_dir[4096];     /* "" = the default (store_default_dir) */
        char adapter[32];         /* Bluetooth adapter, "" = default */
        int64_t log_interval;     /* read each lock's log this often (s) */
        int64_t max_interval;     /* never sleep longer than this between reconciles (s) */
        int64_t retry_min;        /* back-off after an unreachable lock (s), doubling */
        int64_t retry_max;
        /* [lifecycle] */
        int64_t lead, grace, drift_max;
        /* [upstream] */
        bool upstream;            /* a url was given */
        struct sync_config sync;
};

void config_defaults(struct daemon_config *c);
/* Parse path into c (on top of the defaults). -ENOENT if the file is missing; -EINVAL with a
 * message in errbuf ("FILE:LINE: ...") for anything wrong in it. */
int config_load(const char *path, struct daemon_config *c, char *errbuf, size_t errsize);
