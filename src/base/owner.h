/* SPDX-License-Identifier: MIT */
/*
 * Root acting on a state directory that belongs to someone else (the daemon's
 * /var/lib/latchkey, owned by user latchkey) becomes that owner before touching it, so every
 * file it creates stays the daemon's and the 0600/0700 promise holds (docs/config.md, "The
 * operator's commands on the daemon's state").
 *
 * The process takes the owner's uid, gid and supplementary groups for good (setresuid; it
 * cannot come back) and keeps a single capability, CAP_DAC_READ_SEARCH, so the files the
 * operator names (a bookings file, a PIN file, the upstream token under /etc) can still be
 * read. It writes nothing as root.
 */
#pragma once

#include <sys/types.h>

/*
 * When we run as root and dir exists and belongs to another user, become that user.
 * Returns 1 when it switched, 0 when nothing was needed (not root, no such directory yet,
 * root's own directory), -errno on failure (then the process is unchanged or exits: a half
 * switch is never left behind).
 */
int owner_become(const char *dir);
