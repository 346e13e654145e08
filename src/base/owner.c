/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* setresuid, setresgid */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "owner.h"

/* Keep only CAP_DAC_READ_SEARCH (permitted and effective); no inheritable, no ambient. */
static int keep_read_search(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { { 0 } };

        d[CAP_TO_INDEX(CAP_DAC_READ_SEARCH)].permitted = CAP_TO_MASK(CAP_DAC_READ_SEARCH);
        d[CAP_TO_INDEX(CAP_DAC_READ_SEARCH)].effective = CAP_TO_MASK(CAP_DAC_READ_SEARCH);
        return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int owner_become(const char *dir)
{
        struct passwd *pw;
        struct stat st;
        gid_t gid;

        if (geteuid() != 0)
                return 0;
        if (lstat(dir, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (st.st_uid == 0)
                return 0;
        pw = getpwuid(st.st_uid);
        gid = pw ? pw->pw_gid : st.st_gid;
        if ((pw ? initgroups(pw->pw_name, gid) : setgroups(0, NULL)) < 0)
                return -errno;
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return -errno;
        if (setresgid(gid, gid, gid) < 0 || setresuid(st.st_uid, st.st_uid, st.st_uid) < 0) {
                /* Part of the switch may have happened: never go on half-switched. */
                fprintf(stderr, "latchkey: cannot become the owner of '%s' (uid %u): %s\n", dir, (unsigned)st.st_uid,
                        strerror(errno));
                _exit(9);
        }
        (void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
        if (keep_read_search() < 0) {
                fprintf(stderr, "latchkey: cannot drop root's capabilities: %s\n", strerror(errno));
                _exit(9);
        }
        /* A uid change resets this; secrets live here (STYLE.md §5). */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        log_debug("Acting as %s (uid %u), the owner of %s", pw ? pw->pw_name : "?", (unsigned)st.st_uid, dir);
        return 1;
}
