/* SPDX-License-Identifier: MIT */
/*
 * The daemon's upstream events from a Nuki Opener (issue 15, src/daemon/lock-events.h): the real
 * `latchkey daemon --once` against a virtual Opener (latchkey-sim --generation opener) and a
 * virtual Smart Lock of the same state directory, over the socket, pushing to the test upstream
 * over TLS. The Opener's lock.state is read with its own codec and said in its terms (no
 * battery_percent: O3), its log.entry events say they are an Opener's and what was on when a
 * ring came; the Smart Lock's payloads keep the shape they had, with "device" added. Every
 * POST body is validated against docs/openapi.yaml.
 */
#include "harness.h"
#include "upstream/upstream.h"

#include <sodium.h>

#include "latchkey/commands.h"
#include "latchkey/opener.h"

static struct harness O; /* the Opener, "gate" */
static struct harness S; /* a Smart Lock 3.0, "front-door", same state directory */
static struct upstream U;
static char conf[300], token[300];

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

/* The events of a type for one lock, as the upstream received them (the caller frees). */
static cJSON *events_of(const char *type, const char *lock)
{
        char *a = up_cmd(&U, "events %s", type);
        cJSON *all = cJSON_Parse(a), *out = cJSON_CreateArray(), *e;

        free(a);
        assert_non_null(all);
        cJSON_ArrayForEach(e, all)
                if (streq(jstr(e, "lock"), lock))
                        cJSON_AddItemToArray(out, cJSON_Duplicate(cJSON_GetObjectItem(e, "payload"), true));
        cJSON_Delete(all);
        return out;
}

/* The payload's member names, sorted, comma-separated. */
static void keys_of(cJSON *o, char *buf, size_t size)
{
        const char *names[32];
        size_t n = 0, len = 0;
        cJSON *m;

        cJSON_ArrayForEach(m, o)
                if (n < ELEMENTSOF(names))
                        names[n++] = m->string;
        for (size_t i = 1; i < n; i++)
                for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
                        const char *t = names[k];

                        names[k] = names[k - 1];
                        names[k - 1] = t;
                }
        buf[0] = '\0';
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(buf + len, size > len ? size - len : 0, "%s%s", i ? "," : "", names[i]);
}

static void daemon_pass(void)
{
        cJSON *j = NULL;

        (void)h_cli(&O, NULL, &j, "daemon", "--once", "--config", conf, NULL); /* the events are what matter */
        cJSON_Delete(j);
}

/* A ring with nothing on, ring to open and a ring that opens, then continuous mode left on; the
 * Smart Lock unlocked. One daemon pass reads both. */
static void opener_events_in_its_own_terms(void **st)
{
        cJSON *j, *states, *entries, *e;
        bool idle_ring = false, rto_ring = false, strike = false;
        char keys[400];

        (void)st;
        h_ctl_ok(&O, "ring");
        assert_int_equal(h_cli(&O, NULL, &j, "rto", "on", "--lock", "gate", NULL), 0);
        cJSON_Delete(j);
        h_ctl_ok(&O, "ring");
        assert_int_equal(h_cli(&O, NULL, &j, "cm", "on", "--lock", "gate", NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&S, NULL, &j, "unlock", "--lock", "front-door", NULL), 0);
        cJSON_Delete(j);
        daemon_pass();

        /* The Opener's state, by the Opener's codec: continuous mode is its Nuki state (O3). */
        states = events_of("lock.state", "gate");
        assert_int_equal(cJSON_GetArraySize(states), 1);
        e = cJSON_GetArrayItem(states, 0);
        assert_string_equal(jstr(e, "device"), "opener");
        assert_string_equal(jstr(e, "lock_state"), "online");
        assert_string_equal(jstr(e, "nuki_state"), "continuous mode");
        assert_true(cJSON_IsTrue(jget(e, "continuous_mode")));
        assert_true(cJSON_IsFalse(jget(e, "ring_to_open")));
        assert_true(cJSON_IsFalse(jget(e, "battery_critical")));
        assert_true(cJSON_IsNumber(jget(e, "timezone_offset")));
        assert_null(cJSON_GetObjectItem(e, "battery_percent")); /* O3: no charge level */
        cJSON_Delete(states);

        /* Its log: every entry says it is an Opener's; the rings say what was on. */
        entries = events_of("log.entry", "gate");
        assert_true(cJSON_GetArraySize(entries) >= 3);
        cJSON_ArrayForEach(e, entries) {
                assert_string_equal(jstr(e, "device"), "opener");
                if (jnum(e, "type") == LK_OPENER_LOG_DOORBELL) {
                        idle_ring |= streq(jstr(e, "ring_while"), "ring to open and continuous mode inactive");
                        rto_ring |= streq(jstr(e, "ring_while"), "ring to open active");
                } else
                        assert_null(cJSON_GetObjectItem(e, "ring_while"));
                if (jnum(e, "type") == LK_OPENER_LOG_LOCK_ACTION && jnum(e, "action") == LK_OPENER_ACTION_ELECTRIC_STRIKE &&
                    jnum(e, "trigger") == LK_TRIGGER_MANUAL) /* the strike the ring opened (O7.3) */
                        strike = true;
        }
        assert_true(idle_ring);
        assert_true(rto_ring);
        assert_true(strike);
        cJSON_Delete(entries);

        /* The Smart Lock's, as before the Opener, with "device" added. */
        states = events_of("lock.state", "front-door");
        assert_int_equal(cJSON_GetArraySize(states), 1);
        e = cJSON_GetArrayItem(states, 0);
        keys_of(e, keys, sizeof(keys));
        assert_string_equal(keys, "battery_critical,battery_percent,device,lock_state,timezone_offset");
        assert_string_equal(jstr(e, "device"), "smartlock");
        assert_int_equal(jnum(e, "lock_state"), LK_LOCK_STATE_UNLOCKED);
        assert_true(jnum(e, "battery_percent") > 0);
        cJSON_Delete(states);
        entries = events_of("log.entry", "front-door");
        strike = false;
        cJSON_ArrayForEach(e, entries) {
                assert_string_equal(jstr(e, "device"), "smartlock");
                assert_null(cJSON_GetObjectItem(e, "ring_while"));
                if (jnum(e, "type") == LK_LOG_LOCK_ACTION && jnum(e, "action") == LK_ACTION_UNLOCK) {
                        keys_of(e, keys, sizeof(keys));
                        /* auth_name: who it was (the lifecycle's attribution), as before */
                        assert_string_equal(keys, "action,auth_id,auth_name,completion,device,index,time,trigger,type");
                        strike = true;
                }
        }
        assert_true(strike);
        cJSON_Delete(entries);

        up_validate_batches(&U, O.dir);
}

static int setup(void **state)
{
        char line[1400];

        (void)state;
        h_init(&O, "--generation opener");
        h_pair(&O, "gate");
        h_init(&S, NULL);
        snprintf(S.statedir, sizeof(S.statedir), "%s", O.statedir);
        h_pair(&S, "front-door");
        up_make_pki(O.dir);
        snprintf(token, sizeof(token), "%s/token", O.dir);
        h_secret(token, "opener-token_0123456789\n");
        up_start(&U, O.dir, "server", NULL, token);
        up_ok(&U, "grants {\"version\":1,\"properties\":[{\"id\":\"villa-7\",\"locks\":[\"front-door\",\"gate\"]}],"
                  "\"grants\":[]}");
        snprintf(conf, sizeof(conf), "%s/latchkey.conf", O.dir);
        snprintf(line, sizeof(line), "[upstream]\nurl = %s\ntoken_file = %s\nca_file = %s/pki/ca.crt\n", U.url, token,
                 O.dir);
        write_text(conf, line);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        up_stop(&U);
        h_cleanup(&S);
        h_cleanup(&O);
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(opener_events_in_its_own_terms),
        };

        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests_name("daemon-opener", tests, setup, teardown);
}
