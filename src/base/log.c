/* SPDX-License-Identifier: MIT */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"
#include "render-text.h"

int log_max_level = LOG_INFO;
static int log_to_journal = -1;

/* $JOURNAL_STREAM names the device:inode of stderr when systemd connected it to the journal. */
static int stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return 0;
        if (fstat(STDERR_FILENO, &st) < 0)
                return 0;
        return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_open(void)
{
        log_to_journal = stderr_is_journal();
}

int log_full_errno(int level, int error, const char *fmt, ...)
{
        char raw[1024], buf[2048];
        va_list ap;
        int saved = errno;

        if (error < 0)
                error = -error;
        if (level <= log_max_level) {
                if (log_to_journal < 0)
                        log_open();
                errno = error; /* for %m */
                va_start(ap, fmt);
                vsnprintf(raw, sizeof(raw), fmt, ap);
                va_end(ap);
                /* Names from locks, files and the upstream reach the log: shown escaped (render.h). */
                render_escape(raw, buf, sizeof(buf));
                if (log_to_journal)
                        sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level,
                                        "SYSLOG_IDENTIFIER=latchkey", NULL);
                else
                        fprintf(stderr, "latchkey: %s\n", buf);
        }
        errno = saved;
        return error ? -error : 0;
}
