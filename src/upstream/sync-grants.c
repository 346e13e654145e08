/* SPDX-License-Identifier: MIT */
/* The bridge from a pulled grants document to the lifecycle engine (grants.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "grants.h"
#include "log.h"
#include "sync.h"
#include "util.h"

int sync_grants_import(void *userdata, const struct sync_grants_doc *g, char *errbuf, size_t errsize)
{
        struct grants_import_result res;
        struct grants_error err = { .msg = "" };
        int r;

        r = grants_import(userdata, g->text, g->len, "upstream", NULL, &res, &err);
        if (r < 0) {
                snprintf(errbuf, errsize, "%s", err.msg[0] ? err.msg : strerror(-r));
                return r;
        }
        /* What `grants import` prints for a file (a changeover, what will happen), in the
         * journal for a pulled document: no terminal reads it. Never a code's value. */
        for (unsigned i = 0; i < res.n_warnings; i++)
                log_warning("Upstream grants: %s", res.warnings[i]);
        if (res.warnings_total > res.n_warnings)
                log_warning("Upstream grants: %u more %s like these", res.warnings_total - res.n_warnings,
                            plural(res.warnings_total - res.n_warnings, "warning", "warnings"));
        return r;
}
