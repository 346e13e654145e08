/* SPDX-License-Identifier: MIT */
/*
 * latchkey daemon: bookings to codes on an unattended box (a Pi at a property with no bridge).
 *
 * The main loop (sd-event) holds signals, the watchdog, the network monitor and one wake-up
 * timer. Lock work (reconcile, log reads) runs on a private work loop: sessions drive their
 * own loop while they wait for the lock, and sd-event loops do not nest. That work loop is
 * embedded in the main one (daemon-visit.c): each lock's connect and release are events there,
 * so nothing waits on BlueZ while signals, the watchdog and the upstream go on. The daemon wakes at
 * the next boundary that matters (a check-in − lead, a check-out + grace), when the upstream
 * back-off ends, when the log is due, when the network comes back, on SIGHUP, and at least
 * every max_interval; it never polls faster than that.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>
#include <time.h>

#include "agent.h"
#include "alarms.h"
#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "daemon-status.h"
#include "daemon-visit.h"
#include "db.h"
#include "exits.h"
#include "outcome.h"
#include "render.h"
#include "grants.h"
#include "latchkey/names.h"
#include "lifecycle.h"
#include "lock-events.h"
#include "log.h"
#include "logsync.h"
#include "outbox.h"
#include "store.h"
#include "sync.h"
#include "secret-file.h"
#include "util.h"

#define USEC_PER_SEC 1000000ULL

struct daemon {
        const char *config_path; /* --config, or NULL: CONFIG_DEFAULT_PATH */
        struct daemon_config cfg;
        struct daemon_status status; /* what STATUS= says (daemon-status.h) */
        struct lifecycle_opts lopts;
        struct store *store;
        struct db *db;
        struct sync *sync;
        sd_event *event;      /* main loop */
        sd_event *work;       /* lock sessions */
        sd_event_source *wake;
        int netlink_fd;       /* rtnetlink: new addresses and routes mean the network is back */
        struct cli *cli;
        bool once;
        int64_t next_reconcile, next_sync, next_log;
        unsigned reconcile_failures;
        /* the pass under way: a reconcile round, then a log round, each over the locks */
        struct visits *visits;
        struct lc_run *run;
        char **log_locks;
        size_t log_next;
        bool pass_force;
        bool reconcile_closing, logs_over; /* the log round may end inside reconcile_done */
        struct outcome report; /* the pass: per lock and upstream, the first failure (--once prints it) */
};

static int64_t now_utc(void)
{
        return (int64_t)time(NULL);
}

/* Read each lock's new log entries, and its state and battery, into the outbox, in the
 * device's own terms (lock-events.h). */
struct log_ctx {
        struct daemon *d;
        const char *lock;
        uint8_t generation; /* the device's: its log's types and actions are its own */
};

static void on_log_entry(void *userdata, const struct lk_log_entry *e, bool is_new)
{
        struct log_ctx *l = userdata;
        cJSON *o;

        if (!is_new)
                return;
        o = lock_events_log_entry(e, l->generation);
        if (o)
                lifecycle_attribute_json(l->d->db, l->lock, e, o);
        if (!o || outbox_add(l->d->db, "log.entry", l->lock, o, NULL) < 0)
                log_warning("Could not queue log entry %" PRIu32 " of '%s' for the upstream", e->index, l->lock);
        cJSON_Delete(o);
}

/* The log round's next lock with usable credentials (daemon-visit.h). */
static int log_next(void *userdata, const char **ret_lock, struct lk_creds *ret_creds)
{
        struct daemon *d = userdata;

        for (; d->log_locks && d->log_locks[d->log_next]; d->log_next++) {
                const char *lock = d->log_locks[d->log_next];
                int r;

                outcome_ok(&d->report, lock);
                r = store_creds_get(d->store, lock, ret_creds);
                if (r >= 0) {
                        *ret_lock = lock;
                        d->log_next++;
                        return 1;
                }
                daemon_status_trouble(&d->status, lock, "no usable credentials");
                outcome_fail(&d->report, lock, r == -ENOENT ? CLI_EXIT_NOT_FOUND : CLI_EXIT_STATE,
                             "its credentials cannot be read: %s", r == -EBADMSG ? "the file is corrupt" : strerror(-r));
                log_warning_errno(r, "Lock '%s' has no usable credentials: %m", lock);
        }
        return 0;
}

/*
 * A lock that takes no writes or no PIN from us (issue 11): named in STATUS= and the pass's
 * outcome with what to do, and every removal that is overdue meanwhile raised once upstream.
 * A lock that takes them again has its alarms forgotten (reconcile does the removals).
 */
static void check_lock(struct daemon *d, const char *lock)
{
        struct lk_creds c;
        int64_t now = now_utc();
        const char *why;
        int err;

        if (store_creds_get(d->store, lock, &c) < 0)
                return;
        why = agent_blocked(&c, now);
        if (alarms_overdue_removals(d->db, lock, why, now, d->lopts.grace) < 0)
                log_warning("Cannot check the overdue removals of '%s'", lock);
        if (why) {
                char msg[400];

                err = streq(why, "identity_mismatch") ? -ESTALE : streq(why, "pin_invalid") ? -EKEYREJECTED : -EKEYEXPIRED;
                agent_describe(&c, err, 0, msg, sizeof(msg));
                outcome_fail(&d->report, lock, exit_for_lock_errno(err, 0), "%s", msg);
                daemon_status_trouble(&d->status, lock,
                                      err == -ESTALE      ? "not the paired lock (its Nuki ID changed): pair it again"
                                      : err == -EKEYEXPIRED ? "PIN lockout: no PIN sent for now"
                                                            : "stored PIN refused: run latchkey pin verify --pin-file FILE");
        }
        lk_creds_wipe(&c);
}

/* Read a lock's new log entries, and its state and battery, into the outbox; s NULL: the
 * connect failed with r. */
static int read_lock(void *userdata, const char *lock, struct session *s, int r)
{
        struct daemon *d = userdata;
        struct logsync_result res;
        struct log_ctx l = { .d = d, .lock = lock };
        cJSON *state;
        char why[200];
        uint8_t code;

        if (!s) {
                char trouble[120];

                exit_describe_lock_errno(r, 0, why, sizeof(why));
                outcome_fail(&d->report, lock, exit_for_lock_errno(r, 0), "reading the log: %s", why);
                /* A reconcile's reason says more; keep it. */
                snprintf(trouble, sizeof(trouble), "log not read: %.100s", why);
                if (!daemon_status_has_trouble(&d->status, lock))
                        daemon_status_trouble(&d->status, lock, trouble);
                log_warning("Cannot reach lock '%s' to read its log: %s", lock, why);
                check_lock(d, lock);
                return 0;
        }
        l.generation = lock_events_generation(s);
        r = logsync_fetch(s, d->db, lock, false, on_log_entry, NULL, &l, &res);
        if (r < 0) {
                code = session_remote_error(s);
                exit_describe_lock_errno(r, code, why, sizeof(why));
                if (r == -ETIMEDOUT && session_silent_cmd(s)) /* issue 14: older firmware has no log */
                        snprintf(why, sizeof(why), "it answered nothing at all to %s (0x%04X): its firmware "
                                 "probably has no log", lk_cmd_name(session_silent_cmd(s)) ?: "the request",
                                 session_silent_cmd(s));
                outcome_fail(&d->report, lock, exit_for_lock_errno(r, code), "reading the log: %s (%u %s stored)",
                             why, res.stored, plural(res.stored, "entry", "entries"));
                log_warning("Reading the log of '%s' stopped after %u %s: %s", lock, res.received,
                            plural(res.received, "entry", "entries"), why);
        } else if (res.stored)
                log_info("event=log-read lock=%s new=%u cursor=%" PRIu32, lock, res.stored, res.cursor);
        if (lock_events_state(s, &state) >= 0) {
                if (outbox_add(d->db, "lock.state", lock, state, NULL) < 0)
                        log_warning("Could not queue the state of '%s' for the upstream", lock);
                cJSON_Delete(state);
        }
        check_lock(d, lock);
        return 0; /* one lock's trouble never stops the round */
}

/* Each lock's outcome, for STATUS=: out of reach, cut short, full, failed writes, or fine. */
static void note_lock_results(struct daemon *d, const struct lc_result *res)
{
        for (size_t i = 0; i < res->n_locks; i++) {
                const struct lc_lock_result *l = &res->locks[i];
                char why[120];

                if (!l->reached)
                        snprintf(why, sizeof(why), "not reached: %.100s", l->error_msg[0] ? l->error_msg : "no answer");
                else if (!l->complete)
                        snprintf(why, sizeof(why), "cut short: %.100s", l->error_msg[0] ? l->error_msg : "link lost");
                else if (l->count[LC_NO_SPACE])
                        snprintf(why, sizeof(why), "full: %u %s for room", l->count[LC_NO_SPACE],
                                 plural(l->count[LC_NO_SPACE], "code waits", "codes wait"));
                else if (l->count[LC_FAILED])
                        snprintf(why, sizeof(why), "%u %s failed", l->count[LC_FAILED], plural(l->count[LC_FAILED], "code", "codes"));
                else {
                        daemon_status_clear(&d->status, l->lock);
                        continue;
                }
                daemon_status_trouble(&d->status, l->lock, why);
                log_warning("Lock '%s': %s", l->lock, why); /* each lock in trouble, by name */
        }
}

/* A reconcile round is over (r < 0: it failed for a local reason): STATUS=, back-off, next run. */
static void run_reconcile(struct daemon *d, int64_t now, int r, struct lc_result *res)
{
        (void)sd_notify(0, "WATCHDOG=1");
        if (r < 0) {
                log_error_errno(r, "Reconcile failed: %m");
                snprintf(d->status.problem, sizeof(d->status.problem), "reconcile failed: %s", strerror(-r));
                outcome_fail(&d->report, "", CLI_EXIT_STATE, "reconcile failed: %s", strerror(-r));
        } else {
                d->status.problem[0] = '\0';
                note_lock_results(d, res);
                outcome_reconcile(&d->report, res);
        }
        if (r < 0 || !res->complete) {
                /* A lock was out of reach or full: try again with back-off. */
                int64_t delay = d->cfg.retry_min << (d->reconcile_failures < 16 ? d->reconcile_failures : 16);

                if (delay > d->cfg.retry_max)
                        delay = d->cfg.retry_max;
                d->reconcile_failures++;
                d->next_reconcile = now + delay;
                if (r >= 0)
                        log_notice("event=reconcile-incomplete retry_in=%" PRId64 "s", delay);
                return;
        }
        d->reconcile_failures = 0;
        d->next_reconcile = res->next_run;
        log_info("event=reconcile-complete locks=%zu", res->n_locks);
}

/* ---- a pass: the reconcile round, then the log round, each an event on the main loop ---- */

static int reconcile_next(void *userdata, const char **ret_lock, struct lk_creds *ret_creds)
{
        struct daemon *d = userdata;

        *ret_lock = lc_run_next(d->run, ret_creds);
        return *ret_lock ? 1 : 0;
}

static int reconcile_visit(void *userdata, const char *lock, struct session *s, int error)
{
        struct daemon *d = userdata;

        return lc_run_visit(d->run, s, error);
}

static bool logs_start(struct daemon *d);
static void pass_end(struct daemon *d);

static void reconcile_done(void *userdata, int r)
{
        struct daemon *d = userdata;
        _cleanup_(lc_result_freep) struct lc_result *res = NULL;
        _cleanup_(lc_run_freep) struct lc_run *run = TAKE_PTR(d->run);
        /* The log round is set going first: its first connect starts on the main loop's next
         * turn, right after this bookkeeping (daemon-visit.c says why not from here). */
        bool logs;

        d->reconcile_closing = true;
        d->logs_over = false;
        logs = logs_start(d);
        if (r >= 0)
                r = lc_run_finish(run, &res);
        run_reconcile(d, lc_run_now(run), r, res);
        d->reconcile_closing = false;
        if (!logs || d->logs_over)
                pass_end(d);
}

static const struct visit_ops reconcile_ops = {
        .next = reconcile_next,
        .visit = reconcile_visit,
        .done = reconcile_done,
};

static void log_done(void *userdata, int r);

static const struct visit_ops log_ops = {
        .next = log_next,
        .visit = read_lock,
        .done = log_done,
};

static void run_sync(struct daemon *d, int64_t now, bool force);
static int schedule(struct daemon *d);

/* The pass is over: push what the work produced, then wait for the next wake. */
static void pass_end(struct daemon *d)
{
        if (d->sync) {
                unsigned pending = 0;

                if (outbox_pending(d->db, &pending) >= 0 && pending > 0)
                        run_sync(d, now_utc(), d->pass_force);
        }
        visits_rest(d->visits);
        if (d->once) {
                (void)sd_event_exit(d->event, 0);
                return;
        }
        outcome_done(&d->report);
        (void)schedule(d);
}

static void log_done(void *userdata, int r)
{
        struct daemon *d = userdata;

        strv_free(d->log_locks);
        d->log_locks = NULL;
        d->logs_over = d->reconcile_closing; /* then reconcile_done ends the pass */
        if (!d->logs_over)
                pass_end(d);
}

/* The log round, when it is due; false when it did not start (the pass may end). */
static bool logs_start(struct daemon *d)
{
        int64_t now = now_utc();

        if ((d->pass_force || now >= d->next_log) && store_creds_list(d->store, &d->log_locks) >= 0) {
                d->log_next = 0;
                d->next_log = now + d->cfg.log_interval;
                if (visits_start(d->visits, &log_ops, d->store, d->lopts.adapter, d) >= 0)
                        return true;
                strv_free(d->log_locks);
                d->log_locks = NULL;
        }
        return false;
}

static void pass_logs(struct daemon *d)
{
        if (!logs_start(d))
                pass_end(d);
}

static void pass_reconcile(struct daemon *d)
{
        int64_t now = now_utc();
        int r;

        if (!d->pass_force && now < d->next_reconcile) {
                pass_logs(d);
                return;
        }
        r = lc_run_new(d->store, d->db, NULL, now, &d->lopts, &d->run);
        if (r >= 0)
                r = visits_start(d->visits, &reconcile_ops, d->store, d->lopts.adapter, d);
        if (r < 0) {
                d->run = lc_run_free(d->run);
                run_reconcile(d, now, r, NULL);
                pass_logs(d);
        }
}

static void run_sync(struct daemon *d, int64_t now, bool force)
{
        struct sync_result res;
        int r;

        if (!d->sync)
                return;
        r = sync_run(d->sync, now, force, &res);
        (void)sd_notify(0, "WATCHDOG=1");
        d->next_sync = res.next_attempt_at;
        d->status.upstream_failures = res.failures;
        snprintf(d->status.upstream_error, sizeof(d->status.upstream_error), "%.150s", res.error);
        if (r == -EAGAIN)
                return;
        outcome_ok(&d->report, "");
        if (r < 0) {
                log_warning("Upstream sync failed: %s (%u %s kept)", res.error[0] ? res.error : strerror(-r),
                            res.pending, plural(res.pending, "event", "events"));
                outcome_fail(&d->report, "", exit_for_upstream_errno(r), "%s (%u %s kept)",
                             res.error[0] ? res.error : strerror(-r), res.pending, plural(res.pending, "event", "events"));
        } else if (res.acked || res.applied)
                log_info("event=sync pulled=%s acked=%u pending=%u", res.applied ? "yes" : "no", res.acked, res.pending);
        if (res.applied)
                d->next_reconcile = now; /* new desired state: reconcile now */
}

/* One pass: whatever is due. The lock rounds go on as loop events (pass_end closes it); while
 * they do, only the upstream is served. */
static void cycle(struct daemon *d, bool force)
{
        int64_t now = now_utc();

        if (force || now >= d->next_sync)
                run_sync(d, now, force);
        if (visits_busy(d->visits))
                return;
        d->pass_force = force;
        pass_reconcile(d);
}

static int64_t earliest(const struct daemon *d, int64_t now, enum daemon_wake *ret_why)
{
        int64_t t = now + d->cfg.max_interval;

        *ret_why = DAEMON_WAKE_IDLE;
        if (visits_busy(d->visits)) { /* a pass is under way: only the upstream wakes us */
                if (d->sync && d->next_sync < t) {
                        t = d->next_sync;
                        *ret_why = DAEMON_WAKE_UPSTREAM;
                }
                return t;
        }
        if (d->next_reconcile < t) {
                t = d->next_reconcile;
                *ret_why = d->reconcile_failures ? DAEMON_WAKE_RETRY : DAEMON_WAKE_BOOKINGS;
        }
        if (d->sync && d->next_sync < t) {
                t = d->next_sync;
                *ret_why = DAEMON_WAKE_UPSTREAM;
        }
        if (d->next_log < t) {
                t = d->next_log;
                *ret_why = DAEMON_WAKE_LOG;
        }
        return t;
}

/* STATUS= for systemctl status: what we wait for, and what is wrong (daemon-status.h). */
static void notify_status(struct daemon *d)
{
        char line[DAEMON_STATUS_MAX], esc[DAEMON_STATUS_MAX], msg[DAEMON_STATUS_MAX + 16];

        d->status.upstream = d->sync != NULL;
        if (d->db && outbox_pending(d->db, &d->status.pending) < 0)
                d->status.pending = 0;
        daemon_status_format(&d->status, line, sizeof(line));
        snprintf(msg, sizeof(msg), "STATUS=%s", render_escape(line, esc, sizeof(esc))); /* one line, whatever the names */
        (void)sd_notify(0, msg);
}

static int schedule(struct daemon *d)
{
        int64_t now = now_utc(), at;
        uint64_t delay;
        int r;

        if (d->status.blocked) { /* nothing to do until a reload brings a configuration */
                notify_status(d);
                return sd_event_source_set_enabled(d->wake, SD_EVENT_OFF);
        }
        at = earliest(d, now, &d->status.wake_for);
        delay = at > now ? (uint64_t)(at - now) * USEC_PER_SEC : 0;
        d->status.wake_at = at > now ? at : now;
        notify_status(d);

        r = sd_event_source_set_time_relative(d->wake, delay);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->wake, SD_EVENT_ONESHOT);
        log_debug("Next wake in %llu s", (unsigned long long)(delay / USEC_PER_SEC));
        return r;
}

static int on_wake(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct daemon *d = userdata;

        cycle(d, false);
        return visits_busy(d->visits) ? schedule(d) : 0; /* else pass_end scheduled */
}

static int on_network(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct daemon *d = userdata;
        bool came_up = false;
        char buf[8192];

        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

                if (n <= 0)
                        break;
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
                        if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_NEWROUTE)
                                came_up = true;
        }
        if (came_up && d->sync) {
                log_notice("event=network change=up: syncing now");
                (void)sync_reset_backoff(d->sync);
                d->next_sync = 0;
                (void)schedule(d);
        }
        return 0;
}

/* Subscribe to address and route changes; without rtnetlink the back-off alone retries. */
static int network_watch(struct daemon *d)
{
        struct sockaddr_nl sa = {
                .nl_family = AF_NETLINK,
                .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE,
        };
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            sd_event_add_io(d->event, NULL, fd, EPOLLIN, on_network, d) < 0) {
                close(fd);
                return -errno;
        }
        d->netlink_fd = fd;
        return 0;
}

static void daemon_free(struct daemon *d)
{
        d->visits = visits_free(d->visits);
        d->run = lc_run_free(d->run);
        strv_free(d->log_locks);
        outcome_done(&d->report);
        sd_event_source_unref(d->wake);
        if (d->netlink_fd >= 0)
                close(d->netlink_fd);
        sync_free(d->sync);
        db_free(d->db);
        store_free(d->store);
        sd_event_unref(d->work);
        sd_event_unref(d->event);
}

/* The state directory and its database, once: a state_dir change needs a restart. */
static int open_state(struct daemon *d)
{
        struct cli *c = d->cli;
        int r;

        if (d->store)
                return 0;
        if (!c->state_dir[0] && d->cfg.state_dir[0])
                snprintf(c->state_dir, sizeof(c->state_dir), "%s", d->cfg.state_dir);
        if (cli_store(c, &d->store) < 0)
                return -1;
        c->store = NULL; /* the daemon owns it now */
        r = db_open(d->store, &d->db);
        if (r >= 0)
                r = grants_init(d->db);
        if (r >= 0)
                r = outbox_init(d->db);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_STATE, "cannot open the state database: %s", strerror(-r));
        return 0;
}

/* Put cfg to work: lifecycle options, adapter, intervals, and the upstream (made anew when its
 * settings changed; on failure the previous one stays). */
static int apply_config(struct daemon *d, const struct daemon_config *cfg)
{
        struct sync *s = NULL;
        bool upstream_changed = cfg->upstream != d->cfg.upstream || memcmp(&cfg->sync, &d->cfg.sync, sizeof(cfg->sync));
        int r;

        if (cfg->upstream && (upstream_changed || !d->sync)) {
                r = sync_new(d->db, &cfg->sync, &s);
                if (r == -EPERM) { /* the one wording of a secret file's refusal (secret-file.h) */
                        char why[400];

                        secret_refusal("the token file", cfg->sync.token_file, why, sizeof(why));
                        return cli_fail(d->cli, CLI_EXIT_USAGE, "cannot set up the upstream: %s", why);
                }
                if ((r == -ENOENT || r == -ENODATA) && cfg->sync.token_file[0] == '/' &&
                    (r == -ENODATA || access(cfg->sync.token_file, F_OK) < 0))
                        return cli_fail(d->cli, CLI_EXIT_USAGE, "cannot set up the upstream: the token file '%s' %s",
                                        cfg->sync.token_file, r == -ENOENT ? "does not exist" : "is empty");
                if (r < 0)
                        return cli_fail(d->cli, CLI_EXIT_USAGE, "cannot set up the upstream: %s%s", strerror(-r),
                                        r == -ENOENT || r == -ENODATA ?
                                        " (no token: put it in /etc/latchkey/upstream-token, mode 0600, then systemctl "
                                        "restart latchkey)" : "");
                sync_set_grants_handler(s, sync_grants_import, d->db);
        }
        if (s || !cfg->upstream) {
                sync_free(d->sync);
                d->sync = s;
        }
        d->cfg = *cfg;
        lifecycle_opts_default(&d->lopts);
        d->lopts.lead = d->cfg.lead;
        d->lopts.grace = d->cfg.grace;
        d->lopts.drift_max = d->cfg.drift_max;
        d->lopts.zone = d->cfg.zone[0] ? d->cfg.zone : NULL;
        d->lopts.adapter = d->cfg.adapter[0] ? d->cfg.adapter : NULL;
        /* The network coming back wakes the upstream sync. */
        if (d->sync && d->netlink_fd < 0 && d->event && network_watch(d) < 0)
                log_warning("Cannot watch the network; the upstream back-off alone will retry");
        return 0;
}

/* A configuration the daemon refuses is named in the journal and in STATUS=, with what to
 * change; lock work goes on with the previous one, or waits when there is none. */
static void config_refused(struct daemon *d, const char *why)
{
        log_error("event=config-refused %s; fix it, then: systemctl reload latchkey", why);
        snprintf(d->status.config_problem, sizeof(d->status.config_problem), "%s", why);
}

/* SIGHUP (systemctl reload): read the configuration again, then look at everything now. */
static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct daemon *d = userdata;
        struct daemon_config *cfg = calloc(1, sizeof(*cfg));
        char err[512];

        (void)sd_notify(0, "RELOADING=1");
        if (!cfg)
                return -ENOMEM;
        if (config_load_default(d->config_path, cfg, err, sizeof(err)) < 0)
                config_refused(d, err);
        else {
                if (d->store && !streq(cfg->state_dir, d->cfg.state_dir)) {
                        log_warning("agent.state_dir changed: it takes effect when the daemon restarts");
                        memcpy(cfg->state_dir, d->cfg.state_dir, sizeof(cfg->state_dir));
                }
                if (d->status.blocked)
                        d->cfg = *cfg; /* open_state takes state_dir from here */
                if (open_state(d) < 0 || apply_config(d, cfg) < 0)
                        config_refused(d, d->cli->error);
                else {
                        d->status.blocked = false;
                        d->status.config_problem[0] = '\0';
                        log_notice("event=config-reloaded file=%s upstream=%s",
                                   d->config_path ? d->config_path : CONFIG_DEFAULT_PATH, d->sync ? "yes" : "no");
                }
        }
        free(cfg);
        log_notice("event=wake reason=SIGHUP");
        d->next_reconcile = d->next_sync = d->next_log = 0;
        if (d->sync)
                (void)sync_reset_backoff(d->sync);
        (void)sd_notify(0, "READY=1");
        return schedule(d);
}

static int run_loop(struct daemon *d)
{
        struct cli *c = d->cli;
        sigset_t mask;
        int r;

        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_add_signal(d->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(d->event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(d->event, NULL, SIGHUP, on_sighup, d);
        if (r >= 0)
                r = sd_event_set_watchdog(d->event, true);
        if (r >= 0)
                r = sd_event_add_time_relative(d->event, &d->wake, CLOCK_MONOTONIC, 0, USEC_PER_SEC, on_wake, d);
        if (r < 0)
                return cli_fail(c, CLI_EXIT_FAILURE, "cannot set up the event loop: %s", strerror(-r));
        if (d->sync && d->netlink_fd < 0 && network_watch(d) < 0)
                log_warning("Cannot watch the network; the upstream back-off alone will retry");
        if (d->status.blocked)
                log_notice("event=start blocked=yes: waiting for a configuration it can use");
        else
                log_notice("event=start state_dir=%s upstream=%s", store_dir(d->store), d->sync ? "yes" : "no");
        (void)schedule(d);
        (void)sd_notify(0, "READY=1");
        r = sd_event_loop(d->event);
        (void)sd_notify(0, "STOPPING=1");
        log_notice("event=stop");
        if (r < 0)
                return cli_fail(c, CLI_EXIT_FAILURE, "the event loop failed: %s", strerror(-r));
        return 0;
}

int cmd_daemon(struct cli *c, int argc, char **argv)
{
        struct daemon *d = calloc(1, sizeof(*d));
        struct daemon_config *cfg = calloc(1, sizeof(*cfg));
        char err[512];
        int opt, r = -1;

        if (!d || !cfg) {
                free(d);
                free(cfg);
                return cli_fail(c, CLI_EXIT_FAILURE, "out of memory");
        }
        d->netlink_fd = -1;
        d->cli = c;
        while ((opt = cli_getopt(c, argc, argv)) != -1) {
                if (opt == OPT_CONFIG)
                        d->config_path = optarg;
                else if (opt == OPT_ONCE)
                        d->once = true;
                else
                        goto out;
        }
        config_defaults(&d->cfg);
        if (!d->config_path && access(CONFIG_DEFAULT_PATH, F_OK) < 0)
                log_info("No %s: running with the defaults (offline)", CONFIG_DEFAULT_PATH);
        if (config_load_default(d->config_path, cfg, err, sizeof(err)) < 0) {
                /* Under systemd, stay up and say what to change (STATUS=, journal) until a
                 * reload brings a file we can use; by hand or with --once, exit 2. */
                if (d->once || !getenv("NOTIFY_SOCKET")) {
                        cli_fail(c, CLI_EXIT_USAGE, "%s", err);
                        goto out;
                }
                config_refused(d, err);
                d->status.blocked = true;
        } else {
                d->cfg = *cfg;
                d->cfg.upstream = false; /* apply_config sets the upstream up */
                if (open_state(d) < 0)
                        goto out;
                if (apply_config(d, cfg) < 0) {
                        /* An upstream it cannot set up: as a refused file (above). */
                        if (d->once || !getenv("NOTIFY_SOCKET"))
                                goto out;
                        config_refused(d, c->error);
                        d->status.blocked = true;
                }
        }
        r = sd_event_new(&d->work);
        if (r >= 0)
                r = sd_event_default(&d->event);
        if (r >= 0)
                r = visits_new(d->event, d->work, &d->visits);
        if (r < 0) {
                r = cli_fail(c, CLI_EXIT_FAILURE, "cannot create event loops: %s", strerror(-r));
                goto out;
        }
        if (d->once) {
                /* One pass of everything, then exit: for cron, tests and the crash script. */
                cycle(d, true);
                if (visits_busy(d->visits) && (r = sd_event_loop(d->event)) < 0) {
                        r = cli_fail(c, CLI_EXIT_FAILURE, "the event loop failed: %s", strerror(-r));
                        goto out;
                }
                r = outcome_print(c, &d->report); /* per lock: what failed and why */
                goto out;
        }
        r = run_loop(d);
out:
        daemon_free(d);
        free(d);
        free(cfg);
        return r < 0 ? -1 : 0;
}
