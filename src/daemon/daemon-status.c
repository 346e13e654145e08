/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon-status.h"
#include "timefmt.h"
#include "util.h"

static struct daemon_trouble *find(struct daemon_status *s, const char *lock)
{
        for (size_t i = 0; i < s->n_trouble; i++)
                if (streq(s->trouble[i].lock, lock))
                        return &s->trouble[i];
        return NULL;
}

void daemon_status_trouble(struct daemon_status *s, const char *lock, const char *why)
{
        struct daemon_trouble *t = find(s, lock);

        if (!t) {
                if (s->n_trouble == DAEMON_TROUBLE_MAX)
                        return; /* the count says there are more */
                t = &s->trouble[s->n_trouble++];
                snprintf(t->lock, sizeof(t->lock), "%s", lock);
        }
        snprintf(t->why, sizeof(t->why), "%s", why);
}

void daemon_status_clear(struct daemon_status *s, const char *lock)
{
        struct daemon_trouble *t = find(s, lock);

        if (!t)
                return;
        *t = s->trouble[--s->n_trouble];
}

bool daemon_status_has_trouble(const struct daemon_status *s, const char *lock)
{
        return find((struct daemon_status *)s, lock) != NULL;
}

static const char *wake_reason(enum daemon_wake w)
{
        switch (w) {
        case DAEMON_WAKE_BOOKINGS:
                return "the next booking boundary";
        case DAEMON_WAKE_RETRY:
                return "a retry of the locks";
        case DAEMON_WAKE_UPSTREAM:
                return "the upstream";
        case DAEMON_WAKE_LOG:
                return "the next log read";
        case DAEMON_WAKE_IDLE:
                return "a routine look at the bookings";
        }
        return "?";
}

/* Append to buf at *n, never past size; the text is cut where it does not fit. */
__attribute__((format(printf, 4, 5))) static void add(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
        va_list ap;
        int k;

        if (*n + 1 >= size)
                return;
        va_start(ap, fmt);
        k = vsnprintf(buf + *n, size - *n, fmt, ap);
        va_end(ap);
        if (k > 0)
                *n = *n + (size_t)k < size ? *n + (size_t)k : size - 1;
}

void daemon_status_format(const struct daemon_status *s, char *buf, size_t size)
{
        char at[40];
        size_t n = 0;

        buf[0] = '\0';
        if (s->blocked) {
                add(buf, size, &n, "Not working, configuration refused: %s. Fix it, then: systemctl reload latchkey",
                    s->config_problem);
                return;
        }
        if (s->config_problem[0])
                add(buf, size, &n, "Configuration refused, running with the previous one: %s. Fix it, then: "
                    "systemctl reload latchkey. ", s->config_problem);
        if (s->problem[0])
                add(buf, size, &n, "Local problem: %s. ", s->problem);
        time_format_utc(s->wake_at, at, sizeof(at));
        add(buf, size, &n, "Waiting until %s for %s", at, wake_reason(s->wake_for));
        if (!s->upstream)
                add(buf, size, &n, "; offline (no upstream)");
        else if (s->upstream_failures)
                add(buf, size, &n, "; %u event%s for the upstream, which failed %u time%s (%s)", s->pending,
                    s->pending == 1 ? "" : "s", s->upstream_failures, s->upstream_failures == 1 ? "" : "s",
                    s->upstream_error[0] ? s->upstream_error : "no reason given");
        else
                add(buf, size, &n, "; %u event%s for the upstream", s->pending, s->pending == 1 ? "" : "s");
        if (s->n_trouble == 0) {
                add(buf, size, &n, "; every lock fine");
                return;
        }
        add(buf, size, &n, "; %zu lock%s in trouble:", s->n_trouble, s->n_trouble == 1 ? "" : "s");
        for (size_t i = 0; i < s->n_trouble; i++)
                add(buf, size, &n, "%s %s (%s)", i ? "," : "", s->trouble[i].lock, s->trouble[i].why);
}
