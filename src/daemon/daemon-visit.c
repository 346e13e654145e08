/* SPDX-License-Identifier: MIT */
/* The daemon's lock visits: see daemon-visit.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "agent.h"
#include "daemon-visit.h"
#include "log.h"
#include "util.h"

struct visits {
        sd_event *main, *work;
        sd_event_source *work_io, *work_post, *step;
        const struct visit_ops *ops;
        void *userdata;
        struct store *st;
        char adapter[64];
        bool busy;
        /* the visit under way */
        struct session *s;
        char lock[STORE_ALIAS_MAX + 1];
        bool connecting, connected_news;
        int error;
        uint64_t work_ended; /* CLOCK_MONOTONIC µs: the end of the last visit's work; 0 none */
};

static uint64_t mono_usec(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Dispatch what the work loop has ready, and leave it prepared (its timers armed), so that its
 * descriptor wakes the main loop when it needs to run again. */
static void work_drain(struct visits *v)
{
        while (sd_event_run(v->work, 0) > 0)
                ;
}

static int on_work_io(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
        work_drain(userdata);
        return 0;
}

static int on_work_post(sd_event_source *es, void *userdata)
{
        work_drain(userdata);
        return 0;
}

static void step_soon(struct visits *v)
{
        (void)sd_event_source_set_enabled(v->step, SD_EVENT_ONESHOT);
}

/* From the work loop: the connect is over. The work comes on a main-loop turn of its own. */
static void on_connected(void *userdata, struct session *s, int error)
{
        struct visits *v = userdata;

        v->s = s;
        v->error = error;
        v->connected_news = true;
        step_soon(v);
}

static void round_over(struct visits *v, int r)
{
        v->busy = false;
        v->ops->done(v->userdata, r); /* work_ended stays: the next round's gap counts too */
}

/* The lock's work (synchronous, on the work loop), then its release: not awaited. */
static int visit_end(struct visits *v)
{
        struct session *s = TAKE_PTR(v->s);
        uint64_t t0 = mono_usec();
        int r;

        v->connecting = v->connected_news = false;
        r = v->ops->visit(v->userdata, v->lock, v->error < 0 ? NULL : s, agent_connect_errno(v->error));
        v->work_ended = mono_usec();
        if (v->error >= 0)
                log_debug("event=lock-work lock=%s work_ms=%llu", v->lock,
                          (unsigned long long)(v->work_ended - t0) / 1000);
        session_free(s);
        (void)sd_notify(0, "WATCHDOG=1");
        return r;
}

/* Start the next lock's connect, or end the round. */
static void visit_next(struct visits *v)
{
        struct lk_creds creds;
        const char *lock = NULL;
        int r;

        for (;;) {
                r = v->ops->next(v->userdata, &lock, &creds);
                if (r <= 0) {
                        round_over(v, r);
                        return;
                }
                snprintf(v->lock, sizeof(v->lock), "%s", lock);
                /* The daemon's figure in make bench: the gap from one lock's work to the next
                 * lock's connect (issue 12: no BlueZ release in between). */
                if (v->work_ended)
                        log_debug("event=lock-connect lock=%s gap_ms=%.1f", v->lock,
                                  (double)(mono_usec() - v->work_ended) / 1000.0);
                else
                        log_debug("event=lock-connect lock=%s", v->lock);
                v->connecting = true;
                v->error = 0;
                r = agent_session_open_async(v->work, v->st, &creds,
                                             &(struct agent_opts){ .adapter = v->adapter[0] ? v->adapter : NULL },
                                             on_connected, v, &v->s);
                lk_creds_wipe(&creds);
                if (r >= 0)
                        return; /* on_connected says when */
                v->error = r;
                r = visit_end(v);
                if (r < 0) {
                        round_over(v, r);
                        return;
                }
        }
}

static int on_step(sd_event_source *es, void *userdata)
{
        struct visits *v = userdata;
        int r;

        if (!v->busy)
                return 0;
        if (v->connecting && !v->connected_news)
                return 0; /* still connecting */
        if (v->connecting) {
                r = visit_end(v);
                if (r < 0) {
                        round_over(v, r);
                        return 0;
                }
        }
        visit_next(v);
        return 0;
}

int visits_new(sd_event *main, sd_event *work, struct visits **ret)
{
        struct visits *v = calloc(1, sizeof(*v));
        int r;

        if (!v)
                return -ENOMEM;
        v->main = sd_event_ref(main);
        v->work = sd_event_ref(work);
        r = sd_event_add_io(main, &v->work_io, sd_event_get_fd(work), EPOLLIN, on_work_io, v);
        if (r >= 0)
                r = sd_event_add_post(main, &v->work_post, on_work_post, v);
        if (r >= 0)
                r = sd_event_add_defer(main, &v->step, on_step, v);
        if (r >= 0)
                r = sd_event_source_set_enabled(v->step, SD_EVENT_OFF);
        if (r < 0) {
                visits_free(v);
                return r;
        }
        *ret = v;
        return 0;
}

struct visits *visits_free(struct visits *v)
{
        if (!v)
                return NULL;
        session_free(v->s); /* a connect under way is cancelled */
        sd_event_source_disable_unref(v->step);
        sd_event_source_disable_unref(v->work_post);
        sd_event_source_disable_unref(v->work_io);
        sd_event_unref(v->work);
        sd_event_unref(v->main);
        free(v);
        return NULL;
}

int visits_start(struct visits *v, const struct visit_ops *ops, struct store *st, const char *adapter,
                 void *userdata)
{
        if (v->busy)
                return -EBUSY;
        v->ops = ops;
        v->st = st;
        v->userdata = userdata;
        snprintf(v->adapter, sizeof(v->adapter), "%s", adapter ? adapter : "");
        v->busy = true;
        v->connecting = v->connected_news = false;
        /* The first connect starts on the main loop's next turn, never from here: a connect
         * started outside the main loop's dispatch (daemon --once calls this before the loop
         * runs) leaves the work loop unprepared, its D-Bus writes and timers unarmed, until
         * something else wakes it; in the rig every connect of such a pass timed out. */
        step_soon(v);
        return 0;
}

void visits_rest(struct visits *v)
{
        v->work_ended = 0;
}

bool visits_busy(const struct visits *v)
{
        return v && v->busy;
}
