/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration: an INI file (inih), every setting documented in
 * docs/config.md and packaging/latchkey.conf. Unknown sections (with keys or without), unknown
 * keys, keys set twice, bad values (with what is allowed), unreadable section headers, over-long
 * lines and a file others could change are errors with the file, the line and the key named: a
 * typo never silently means "default". '#' or ';' after a space begins a comment, on any line.
 * Durations use one grammar (duration.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lifecycle.h"
#include "sync.h"
#include "tzdb.h"

#define CONFIG_DEFAULT_PATH "/etc/latchkey/latchkey.conf"
#define CONFIG_GRACE_MAX (30 * 86400) /* lifecycle.grace (s), like the lead's GRANTS_LEAD_MAX */

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
        char zone[TZDB_NAME_MAX + 1]; /* IANA; "" = none: locks keep their zone unless a property names one */
        /* [upstream] */
        bool upstream;            /* a url was given */
        struct sync_config sync;
};

/* Every setting as "section.key", NULL-terminated: docs/config.md and packaging/latchkey.conf
 * document exactly these (tests/daemon/test-config.c). */
extern const char *const config_keys[];

void config_defaults(struct daemon_config *c);
/*
 * Parse path into c (on top of what c holds). -ENOENT if the file is missing; -EPERM if a group
 * or everyone can write it, or it belongs to neither root nor us; -EINVAL for anything wrong in
 * it (an unknown section or key, a bad value, a key set twice). errbuf always says what and
 * what to change ("FILE:LINE: ...").
 */
int config_load(const char *path, struct daemon_config *c, char *errbuf, size_t errsize);
/*
 * The defaults, then path, or CONFIG_DEFAULT_PATH when path is NULL. A missing or empty
 * default file means the defaults (offline: no upstream); a missing file named explicitly is
 * -ENOENT. Errors as config_load.
 */
int config_load_default(const char *path, struct daemon_config *c, char *errbuf, size_t errsize);
