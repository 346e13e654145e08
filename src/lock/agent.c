/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "exits.h"
#include "latchkey/ble.h"
#include "lockops.h"
#include "lockops-opener.h"
#include "log.h"
#include "outbox.h"
#include "timefmt.h"
#include "util.h"

int agent_transport(sd_event *event, const char *via, const char *adapter, struct lk_transport **ret)
{
        /* The session that takes the transport installs its own callbacks. */
        static const struct lk_transport_cb none = { 0 };

        if (strncmp(via, "sim:", 4) == 0) {
                if (!via[4])
                        return -EINVAL;
                return lk_transport_sim_new(event, via + 4, &none, NULL, ret);
        }
        if (strncmp(via, "ble:", 4) == 0) {
                if (!lk_ble_address_is_valid(via + 4))
                        return -EINVAL;
                return lk_transport_ble_new(event, adapter, via + 4, &none, NULL, ret);
        }
        return -EINVAL;
}

void agent_session_opts(const char *via, uint64_t timeout_usec, struct session_opts *ret)
{
        *ret = (struct session_opts){ .busy_retries = 5 };
        if (timeout_usec)
                ret->connect_timeout_usec = ret->reply_timeout_usec = ret->action_timeout_usec = timeout_usec;
        else if (strncmp(via, "ble:", 4) == 0)
                ret->connect_timeout_usec = 30 * 1000000ULL;
}

static int64_t now_utc(void)
{
        return (int64_t)time(NULL);
}

/* ---- the per-lock lock ------------------------------------------------------------------- */

static void sleep_usec(uint64_t usec)
{
        struct timespec ts = { .tv_sec = (time_t)(usec / 1000000), .tv_nsec = (long)(usec % 1000000) * 1000 };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

int agent_lock_take(struct store *st, const char *alias, uint64_t wait_usec, int *ret_fd)
{
        uint64_t waited = 0, step = 10000;
        char holder[64] = "";
        int fd, r;

        r = store_lock_file(st, alias, &fd);
        if (r < 0)
                return r;
        /* Another process works with this lock (flock: released when it exits, even by a crash).
         * There is no descriptor to wait on for a flock, so look again at growing intervals. */
        while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK && errno != EINTR) {
                        r = -errno;
                        close(fd);
                        return r;
                }
                if (waited == 0) {
                        ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);

                        holder[n > 0 ? n : 0] = '\0';
                        holder[strcspn(holder, "\n")] = '\0';
                        log_notice("Waiting for %s to finish with lock '%s'", holder[0] ? holder : "another latchkey process",
                                   alias);
                }
                if (waited >= (wait_usec ? wait_usec : AGENT_WAIT_USEC)) {
                        close(fd);
                        return -EBUSY;
                }
                sleep_usec(step);
                waited += step;
                if (step < 200000)
                        step *= 2;
        }
        /* Who holds it, for the messages of those who wait. */
        {
                char me[64];
                int k = snprintf(me, sizeof(me), "latchkey (pid %ld)\n", (long)getpid());

                if (ftruncate(fd, 0) == 0)
                        (void)!pwrite(fd, me, (size_t)k, 0);
        }
        *ret_fd = fd;
        return 0;
}

/* ---- what a lock takes from us now ----------------------------------------------------------- */

const char *agent_blocked(const struct lk_creds *c, int64_t now)
{
        if (c->identity_mismatch_at)
                return "identity_mismatch";
        if (c->pin_refused_at)
                return "pin_invalid";
        if (c->pin_lockout_at && c->pin_retry_at > now)
                return "pin_lockout";
        return NULL;
}

const char *agent_pin_state(const struct lk_creds *c, int64_t now)
{
        if (!c->has_pin)
                return "none";
        if (c->pin_refused_at)
                return "refused";
        if (c->pin_lockout_at && c->pin_retry_at > now)
                return "lockout";
        return "stored";
}

void agent_describe(const struct lk_creds *c, int r, uint8_t lock_error, char *buf, size_t size)
{
        const char *alias = c && c->alias[0] ? c->alias : "NAME";
        char when[40] = "", retry[40] = "";

        switch (r) {
        case -EKEYREJECTED:
                if (c && c->pin_refused_at)
                        time_format_utc(c->pin_refused_at, when, sizeof(when));
                snprintf(buf, size,
                         "the lock refused the stored security PIN%s%s; latchkey will not send it again: run "
                         "'latchkey --lock %s pin verify --pin-file FILE' with the lock's current PIN",
                         when[0] ? " on " : "", when, alias);
                return;
        case -EKEYEXPIRED:
                if (c && c->pin_lockout_at)
                        time_format_utc(c->pin_lockout_at, when, sizeof(when));
                if (c && c->pin_retry_at)
                        time_format_utc(c->pin_retry_at, retry, sizeof(retry));
                snprintf(buf, size,
                         "the lock is in PIN lockout (too many wrong PINs, by anyone)%s%s; the lock does not say when it "
                         "ends%s%s; try 'latchkey --lock %s pin verify' later",
                         when[0] ? " since " : "", when, retry[0] ? "; latchkey sends no PIN before " : "", retry, alias);
                return;
        case -ENOKEY:
                snprintf(buf, size,
                         "the lock's security PIN is needed and none is stored: give --pin-file FILE (or - for stdin), or "
                         "store it with 'latchkey --lock %s pin verify --pin-file FILE'",
                         alias);
                return;
        case -ESTALE:
                snprintf(buf, size,
                         "this is not the paired lock: its Nuki ID is %08" PRIX32 ", not %08" PRIX32 "; writes stop until "
                         "you pair it again ('latchkey pair --via VIA --name %s --force')",
                         c ? c->seen_nuki_id : 0, c ? c->nuki_id : 0, alias);
                return;
        case -EBUSY:
                snprintf(buf, size, "another latchkey process kept lock '%s' busy for %llu s; try again", alias,
                         (unsigned long long)(AGENT_WAIT_USEC / 1000000));
                return;
        default:
                exit_describe_lock_errno(r, lock_error, buf, size);
                return;
        }
}

/* ---- events (outbox) ------------------------------------------------------------------------- */

static void add_time(cJSON *o, const char *key, int64_t t)
{
        char buf[40];

        if (t <= 0) {
                cJSON_AddNullToObject(o, key);
                return;
        }
        time_format_utc(t, buf, sizeof(buf));
        cJSON_AddStringToObject(o, key, buf);
}

static void add_nuki_id(cJSON *o, const char *key, uint32_t id)
{
        char buf[16];

        snprintf(buf, sizeof(buf), "%08" PRIX32, id);
        cJSON_AddStringToObject(o, key, buf);
}

static void event(struct db *db, const char *type, const char *lock, cJSON *payload)
{
        if (!db || !payload || outbox_add(db, type, lock, payload, NULL) < 0)
                log_warning("Could not queue %s of '%s' for the upstream", type, lock);
        cJSON_Delete(payload);
}

/* ---- identity ---------------------------------------------------------------------------------- */

int agent_identity_record(struct db *db, const struct lk_creds *c, int64_t now)
{
        int r = db_lock_identity_set(db, c->alias, c->has_nuki_id, c->nuki_id, c->auth_id, now);

        if (r > 0)
                log_notice("event=lock-identity lock=%s: another lock or pairing under this name: what latchkey kept "
                           "for it starts fresh (its bookings' codes are provisioned again)",
                           c->alias);
        return r;
}

/* ---- the session's guard ------------------------------------------------------------------------ */

struct guard {
        struct store *st;
        struct db *db;                 /* opened on demand, for events and identity */
        char alias[STORE_ALIAS_MAX + 1];
        uint64_t wait_usec;
        int fd;                        /* the per-lock lock, -1 when not held */
        bool has_pin;                  /* the operator's PIN (--pin-file) */
        struct lk_pin pin;             /* secret */
        struct lk_creds creds;         /* as last read from disk (secrets wiped at the end) */
        bool have_creds;
};

static struct db *guard_db(struct guard *g)
{
        if (!g->db && db_open(g->st, &g->db) < 0)
                g->db = NULL;
        return g->db;
}

static bool same_pin(const struct lk_pin *a, const struct lk_pin *b)
{
        return a->size == b->size && a->value == b->value;
}

static int guard_acquire(void *userdata, struct session *s, struct lk_creds *creds)
{
        struct guard *g = userdata;
        struct lk_creds disk;
        int64_t now = now_utc();
        int r;

        r = agent_lock_take(g->st, g->alias, g->wait_usec, &g->fd);
        if (r < 0)
                return r;
        /* Now that no other process works with it, what it found out is on disk. */
        r = store_creds_get(g->st, g->alias, &disk);
        if (r < 0) {
                close(g->fd);
                g->fd = -1;
                return r == -ENOENT ? -ENOENT : r;
        }
        if (g->has_pin) {
                disk.pin = g->pin;
                disk.has_pin = true;
        }
        *creds = disk;
        g->creds = disk;
        g->have_creds = true;
        lk_creds_wipe(&disk);
        /* What the stored state says: a refused PIN is not sent again, nor any during a lockout's
         * hold; the operator's own PIN is theirs to try. */
        session_block_pin(s, 0);
        if (!g->has_pin && g->creds.pin_refused_at)
                session_block_pin(s, -EKEYREJECTED);
        else if (!g->has_pin && g->creds.pin_lockout_at && g->creds.pin_retry_at > now)
                session_block_pin(s, -EKEYEXPIRED);
        session_block_writes(s, g->creds.identity_mismatch_at ? -ESTALE : 0);
        if (guard_db(g))
                (void)agent_identity_record(g->db, &g->creds, now);
        return 0;
}

static void guard_release(void *userdata)
{
        struct guard *g = userdata;

        if (g->fd >= 0)
                close(g->fd);
        g->fd = -1;
}

/* The lock's verdict on a PIN we sent, kept on disk (we hold the per-lock lock). */
static void guard_pin_verdict(void *userdata, int verdict, const struct lk_pin *sent)
{
        struct guard *g = userdata;
        struct lk_creds c;
        int64_t now = now_utc();
        bool changed = false;
        cJSON *p;

        if (store_creds_get(g->st, g->alias, &c) < 0)
                return;
        if (c.auth_id != g->creds.auth_id) /* paired again meanwhile: not this pairing's verdict */
                goto out;
        switch (verdict) {
        case -EKEYREJECTED:
                /* A PIN other than the stored one was refused (the operator's own, --pin-file, or
                 * one a caller set on the session): the stored one is untested. */
                if (!c.has_pin || !same_pin(&c.pin, sent))
                        break;
                if (c.pin_refused_at)
                        break;
                c.pin_refused_at = now;
                changed = true;
                log_error("event=pin-invalid lock=%s: the lock refused the stored security PIN; latchkey will not send it "
                          "again until 'latchkey --lock %s pin verify --pin-file FILE' stores one it accepts",
                          g->alias, g->alias);
                p = cJSON_CreateObject();
                add_time(p, "refused_at", now);
                cJSON_AddStringToObject(p, "action", "latchkey pin verify --pin-file FILE");
                event(guard_db(g), "lock.pin_invalid", g->alias, p);
                break;
        case -EKEYEXPIRED: {
                int64_t hold = AGENT_LOCKOUT_RETRY_MIN;

                if (c.pin_lockout_at && now - c.pin_lockout_at > 0)
                        hold = 2 * (now - c.pin_lockout_at); /* seen again: wait twice as long as it has lasted */
                if (hold > AGENT_LOCKOUT_RETRY_MAX)
                        hold = AGENT_LOCKOUT_RETRY_MAX;
                if (!c.pin_lockout_at) {
                        c.pin_lockout_at = now;
                        p = cJSON_CreateObject();
                        add_time(p, "seen_at", now);
                        cJSON_AddNullToObject(p, "ends_at"); /* the Error Report says no more (spec §8) */
                        add_time(p, "retry_at", now + hold);
                        event(guard_db(g), "lock.pin_lockout", g->alias, p);
                }
                c.pin_retry_at = now + hold;
                changed = true;
                log_warning("event=pin-lockout lock=%s: the lock refuses PINs for a while (too many wrong ones); no PIN "
                            "is sent before %" PRId64 " s from now",
                            g->alias, hold);
                break;
        }
        case 0:
                if (c.pin_lockout_at) {
                        c.pin_lockout_at = c.pin_retry_at = 0;
                        changed = true;
                        log_notice("event=pin-lockout-over lock=%s", g->alias);
                }
                break;
        default:
                break;
        }
        if (changed && store_creds_put(g->st, &c) < 0)
                log_error("Cannot keep the PIN state of '%s' on disk", g->alias);
        if (changed) {
                g->creds.pin_refused_at = c.pin_refused_at;
                g->creds.pin_lockout_at = c.pin_lockout_at;
                g->creds.pin_retry_at = c.pin_retry_at;
        }
out:
        lk_creds_wipe(&c);
}

int agent_read_nuki_id(struct session *s, uint8_t generation, uint32_t *ret)
{
        int r;

        if (generation == LK_GEN_OPENER) {
                struct lk_opener_config oc;

                r = lockops_opener_config(s, &oc);
                if (r >= 0)
                        *ret = oc.nuki_id;
        } else {
                struct lk_config lc;

                r = lockops_config(s, &lc);
                if (r >= 0)
                        *ret = lc.nuki_id;
        }
        return r;
}

/* Once per session, with the link up: is this the paired lock? (Config's Nuki ID, nonce only.) */
static int guard_connected(void *userdata, struct session *s)
{
        struct guard *g = userdata;
        struct lk_creds *c = &g->creds;
        uint32_t nuki_id = 0;
        int64_t now = now_utc();
        bool changed = false;
        int r;

        r = agent_read_nuki_id(s, c->generation, &nuki_id);
        if (r == -EREMOTEIO) { /* a lock that will not say is not refused for it */
                log_debug("Lock '%s' refused to give its Config: its identity is not checked", g->alias);
                goto block;
        }
        if (r < 0)
                return r; /* the link, or an answer that failed its checks: the caller's to see */
        if (!c->has_nuki_id) { /* paired before identities were kept: learn it */
                c->has_nuki_id = true;
                c->nuki_id = nuki_id;
                changed = true;
        } else if (nuki_id != c->nuki_id && !c->identity_mismatch_at) {
                cJSON *p = cJSON_CreateObject();

                c->identity_mismatch_at = now;
                c->seen_nuki_id = nuki_id;
                changed = true;
                log_error("event=identity-mismatch lock=%s: Nuki ID %08" PRIX32 " answers where %08" PRIX32
                          " was paired: writes stop until it is paired again; its log is read from the beginning",
                          g->alias, nuki_id, c->nuki_id);
                add_nuki_id(p, "nuki_id", c->nuki_id);
                add_nuki_id(p, "seen_nuki_id", nuki_id);
                cJSON_AddStringToObject(p, "action", "latchkey pair --force");
                event(guard_db(g), "lock.identity_mismatch", g->alias, p);
                if (guard_db(g))
                        (void)db_log_retire(g->db, g->alias);
        } else if (nuki_id == c->nuki_id && c->identity_mismatch_at) {
                c->identity_mismatch_at = 0; /* the paired lock is back */
                c->seen_nuki_id = 0;
                changed = true;
        }
        if (changed) {
                struct lk_creds disk;

                if (store_creds_get(g->st, g->alias, &disk) >= 0 && disk.auth_id == c->auth_id) {
                        disk.has_nuki_id = c->has_nuki_id;
                        disk.nuki_id = c->nuki_id;
                        disk.identity_mismatch_at = c->identity_mismatch_at;
                        disk.seen_nuki_id = c->seen_nuki_id;
                        if (store_creds_put(g->st, &disk) < 0)
                                log_warning("Cannot keep the identity of '%s' on disk", g->alias);
                }
                lk_creds_wipe(&disk);
                if (guard_db(g))
                        (void)agent_identity_record(g->db, c, now);
        }
block:
        if (c->identity_mismatch_at)
                session_block_writes(s, -ESTALE);
        return 0;
}

static void guard_destroy(void *userdata)
{
        struct guard *g = userdata;

        guard_release(g);
        db_free(g->db);
        lk_creds_wipe(&g->creds);
        sodium_memzero(&g->pin, sizeof(g->pin));
        free(g);
}

/* A session on the lock of creds with the guard's hooks, not connected yet. */
static int session_for(sd_event *event, struct store *st, const struct lk_creds *creds, const struct agent_opts *o,
                       struct session **ret)
{
        static const struct agent_opts none = { 0 };
        struct session_opts defaults;
        struct lk_transport *t = NULL;
        struct session *s = NULL;
        struct guard *g;
        const char *via;
        int r;

        if (!o)
                o = &none;
        via = o->via ? o->via : creds->via;
        r = agent_transport(event, via, o->adapter, &t);
        if (r < 0)
                return r;
        /* What the caller left unset takes this lock's default (options may cover many locks). */
        agent_session_opts(via, 0, &defaults);
        if (o->session) {
                uint64_t connect = defaults.connect_timeout_usec;

                defaults = *o->session;
                if (!defaults.connect_timeout_usec)
                        defaults.connect_timeout_usec = connect;
        }
        g = calloc(1, sizeof(*g));
        if (!g) {
                lk_transport_free(t);
                return -ENOMEM;
        }
        g->st = st;
        g->fd = -1;
        g->wait_usec = o->wait_usec;
        snprintf(g->alias, sizeof(g->alias), "%s", creds->alias);
        if (o->pin) {
                g->pin = *o->pin;
                g->has_pin = true;
        }
        r = session_new(event, t, creds, NULL, &defaults, &s);
        if (r < 0) {
                lk_transport_free(t);
                guard_destroy(g);
                return r;
        }
        session_set_hooks(s, &(struct session_hooks){
                                     .acquire = guard_acquire,
                                     .connected = guard_connected,
                                     .release = guard_release,
                                     .pin_verdict = guard_pin_verdict,
                                     .destroy = guard_destroy,
                                     .userdata = g,
                             });
        *ret = s;
        return 0;
}

int agent_connect_errno(int error)
{
        return error == -ENOENT ? -ECONNREFUSED : error; /* a socket that is not there: out of reach */
}

int agent_session_open(sd_event *event, struct store *st, const struct lk_creds *creds, const struct agent_opts *o,
                       struct session **ret)
{
        struct session *s = NULL;
        int r;

        r = session_for(event, st, creds, o, &s);
        if (r < 0)
                return r;
        r = session_connect(s, NULL);
        if (r < 0) {
                session_free(s);
                return agent_connect_errno(r);
        }
        *ret = s;
        return 0;
}

int agent_session_open_async(sd_event *event, struct store *st, const struct lk_creds *creds,
                             const struct agent_opts *o, session_connected_fn fn, void *userdata,
                             struct session **ret)
{
        struct session *s = NULL;
        int r;

        r = session_for(event, st, creds, o, &s);
        if (r < 0)
                return r;
        *ret = s; /* before fn can run */
        r = session_connect_async(s, fn, userdata);
        if (r < 0) {
                *ret = session_free(s);
                return agent_connect_errno(r);
        }
        return 0;
}
