/* SPDX-License-Identifier: MIT */
/*
 * End to end, the lock's zone (spec §6.22, §7.10, §9.3): `time sync --zone` writes the zone
 * with the whole Set Config, and the virtual lock runs daily windows and its Keyturner States
 * time by it, as a real lock does. The headline: a Berlin property's 08:00–20:00 code opens at
 * 08:00 local on both sides of both 2036 DST changes; on a lock left on UTC it does not.
 */
#include "harness.h"

#include <time.h>

#include "latchkey/zone.h"
#include "tzdb.h"

static struct harness H;

static int setup(void **state)
{
        h_init(&H, NULL);
        h_pair(&H, "door");
        return 0;
}

static int teardown(void **state)
{
        h_cleanup(&H);
        return 0;
}

static cJSON *sim_state(void)
{
        cJSON *j = h_ctl(&H, "state");

        assert_true(jok(j));
        return j;
}

/* The keypad at the virtual clock's instant utc: true when the code opened the lock. */
static bool code_opens_at(const char *utc, const char *code)
{
        char req[96];
        cJSON *j;
        bool ok;

        snprintf(req, sizeof(req), "clock set %s", utc);
        h_ctl_ok(&H, req);
        snprintf(req, sizeof(req), "type-code %s unlock", code);
        j = h_ctl(&H, req);
        assert_true(jok(j));
        assert_false(cJSON_IsTrue(jget(j, "locked_out")));
        ok = streq(jstr(j, "completion"), "success");
        cJSON_Delete(j);
        return ok;
}

#define OPENS(utc) assert_true(code_opens_at((utc), "482957"))
#define STAYS_SHUT(utc) assert_false(code_opens_at((utc), "482957"))

static void add_daily_code(void)
{
        cJSON *j;

        assert_int_equal(h_cli(&H, "482957\n", &j, "code", "add", "--name", "Guest Berlin", "--code-file", "-",
                               "--from", "2036-03-01T00:00:00Z", "--until", "2036-12-01T00:00:00Z", "--daily",
                               "08:00-20:00", NULL),
                         0);
        cJSON_Delete(j);
}

static void berlin_window_opens_at_0800_local_across_dst(void **state)
{
        cJSON *j, *before, *after, *cb, *ca;

        add_daily_code();
        /* The lock left on UTC (a factory lock): 08:00 CET is 07:00 on its clock, still shut. */
        STAYS_SHUT("2036-03-29T07:00:30Z");
        OPENS("2036-03-29T08:00:30Z");
        /* Back to the host's time, so time sync leaves the lock clock on the virtual one. */
        {
                char req[64];
                time_t now = time(NULL);
                struct tm tm;

                gmtime_r(&now, &tm);
                strftime(req, sizeof(req), "clock set %Y-%m-%dT%H:%M:%SZ", &tm);
                h_ctl_ok(&H, req);
        }

        before = sim_state();
        assert_int_equal(h_cli(&H, NULL, &j, "time", "sync", "--zone", "Europe/Berlin", NULL), 0);
        assert_int_equal(jnum(j, "zone.timezone_id"), 37);
        assert_int_equal(jnum(j, "zone.offset_minutes"), 60);
        assert_string_equal(jstr(j, "zone.dst_mode"), "European");
        assert_true(cJSON_IsTrue(jget(j, "zone.changed")));
        assert_true(cJSON_IsTrue(jget(j, "zone.dst_follows")));
        cJSON_Delete(j);
        after = sim_state();
        assert_string_equal(jstr(after, "state.config.timezone"), "Europe/Berlin");
        /* read, change, write: every other setting is as it was */
        cb = cJSON_Duplicate(jget(before, "state.config"), 1);
        ca = cJSON_Duplicate(jget(after, "state.config"), 1);
        for (const char *const *k = (const char *const[]){ "timezone", "timezone_offset", "dst_mode", NULL }; *k; k++) {
                cJSON_DeleteItemFromObject(cb, *k);
                cJSON_DeleteItemFromObject(ca, *k);
        }
        if (!cJSON_Compare(cb, ca, 1))
                fail_msg("time sync --zone changed other settings:\n%s\n%s", cJSON_Print(cb), cJSON_Print(ca));
        cJSON_Delete(cb);
        cJSON_Delete(ca);
        cJSON_Delete(before);
        cJSON_Delete(after);

        /* Spring: CET (UTC+1) before 2036-03-30 01:00 UTC, CEST (UTC+2) after. */
        STAYS_SHUT("2036-03-29T06:59:30Z"); /* 07:59 CET */
        OPENS("2036-03-29T07:00:30Z");      /* 08:00 CET */
        STAYS_SHUT("2036-03-31T05:59:30Z"); /* 07:59 CEST */
        OPENS("2036-03-31T06:00:30Z");      /* 08:00 CEST */
        OPENS("2036-03-31T18:00:30Z");      /* 20:00 CEST: the last minute */
        STAYS_SHUT("2036-03-31T18:01:30Z"); /* 20:01 CEST */
        /* Autumn: back to CET on 2036-10-26 01:00 UTC. */
        STAYS_SHUT("2036-10-25T05:59:30Z"); /* 07:59 CEST */
        OPENS("2036-10-25T06:00:30Z");      /* 08:00 CEST */
        STAYS_SHUT("2036-10-27T06:59:30Z"); /* 07:59 CET */
        OPENS("2036-10-27T07:00:30Z");      /* 08:00 CET */

        /* The Keyturner States time: UTC with the offset in force (spec §6.14). */
        h_ctl_ok(&H, "clock set 2036-07-01T12:00:00Z");
        assert_int_equal(h_cli(&H, NULL, &j, "state", NULL), 0);
        assert_int_equal(jnum(j, "state.timezone_offset_minutes"), 120);
        cJSON_Delete(j);
        h_ctl_ok(&H, "clock set 2036-12-01T12:00:00Z");
        assert_int_equal(h_cli(&H, NULL, &j, "state", NULL), 0);
        assert_int_equal(jnum(j, "state.timezone_offset_minutes"), 60);
        cJSON_Delete(j);

        /* Again: nothing to write. */
        assert_int_equal(h_cli(&H, NULL, &j, "time", "sync", "--zone", "Europe/Berlin", NULL), 0);
        assert_false(cJSON_IsTrue(jget(j, "zone.changed")));
        cJSON_Delete(j);
}

/* A zone without a lock ID that follows the EU rule: offset and DST European, no warning. */
static void paris_by_offset_and_dst_mode(void **state)
{
        cJSON *j, *s;

        assert_int_equal(h_cli(&H, NULL, &j, "time", "sync", "--zone", "Europe/Paris", NULL), 0);
        assert_true(cJSON_IsNull(jget(j, "zone.timezone_id")));
        assert_int_equal(jnum(j, "zone.offset_minutes"), 60);
        assert_string_equal(jstr(j, "zone.dst_mode"), "European");
        assert_true(cJSON_IsTrue(jget(j, "zone.dst_follows")));
        cJSON_Delete(j);
        s = sim_state();
        assert_string_equal(jstr(s, "state.config.timezone"), "none");
        assert_int_equal(jnum(s, "state.config.timezone_offset"), 60);
        assert_string_equal(jstr(s, "state.config.dst_mode"), "European");
        cJSON_Delete(s);
        /* The lock still follows summer time on its own. */
        h_ctl_ok(&H, "clock set 2036-07-01T12:00:00Z");
        assert_int_equal(h_cli(&H, NULL, &j, "state", NULL), 0);
        assert_int_equal(jnum(j, "state.timezone_offset_minutes"), 120);
        cJSON_Delete(j);
}

/* No lock ID, not the EU rule: today's offset, DST off, and it says DST will not follow. */
static void detroit_falls_back_to_the_offset(void **state)
{
        cJSON *j, *s;

        assert_int_equal(h_cli(&H, NULL, &j, "time", "sync", "--zone", "America/Detroit", NULL), 0);
        assert_true(cJSON_IsNull(jget(j, "zone.timezone_id")));
        assert_string_equal(jstr(j, "zone.dst_mode"), "disabled");
        assert_false(cJSON_IsTrue(jget(j, "zone.dst_follows")));
        /* Today's offset: −5 h in winter, −4 h in summer (America/Detroit follows US rules). */
        assert_true(jnum(j, "zone.offset_minutes") == -300 || jnum(j, "zone.offset_minutes") == -240);
        cJSON_Delete(j);
        s = sim_state();
        assert_string_equal(jstr(s, "state.config.timezone"), "none");
        assert_string_equal(jstr(s, "state.config.dst_mode"), "disabled");
        cJSON_Delete(s);
}

static void utc_text(int64_t t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;

        gmtime_r(&tt, &tm);
        strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The code at local hh:mm:30 of the UTC day of t, Berlin's offset that day from the tz database. */
static bool opens_at_berlin(int64_t day, unsigned hh, unsigned mm)
{
        int64_t midnight = day - ((day % 86400) + 86400) % 86400, local = midnight + hh * 3600 + mm * 60 + 30;
        char when[32];
        int off = 0;

        assert_int_equal(tzdb_offset("Europe/Berlin", midnight + 12 * 3600, &off), 0);
        utc_text(local - (int64_t)off * 60, when, sizeof(when));
        return code_opens_at(when, "482957");
}

/*
 * The property path: a Berlin property's booking with a daily 08:00-20:00 window, over the next
 * EU daylight-saving change. Reconcile gives the lock the property's zone (and checks it like
 * the clock on every visit); the code opens at 08:00 local on both sides of the change.
 */
static void berlin_property_by_reconcile(void **state)
{
        char doc[1024], path[400], in[32], out[32];
        int64_t now = (int64_t)time(NULL), change = 0, start, end;
        struct lk_datetime dt;
        cJSON *j;
        FILE *f;

        /* The next change at least three days away (within reconcile's 366-day lead). */
        assert_int_equal(lk_datetime_from_unix(now, &dt), 0);
        for (uint16_t y = dt.year; !change; y++) {
                lk_dst_european_bounds(y, &start, &end);
                change = start > now + 3 * 86400 ? start : end > now + 3 * 86400 ? end : 0;
        }
        utc_text(change - 2 * 86400, in, sizeof(in));
        utc_text(change + 2 * 86400, out, sizeof(out));
        snprintf(doc, sizeof(doc),
                 "{\"version\": 1, \"properties\": [{\"id\": \"flat\", \"zone\": \"Europe/Berlin\", \"locks\": [\"door\"]}],"
                 " \"grants\": [{\"id\": \"BK-1\", \"property\": \"flat\", \"guest\": \"Anna Berlin\", \"code\": \"482957\","
                 " \"check_in\": \"%s\", \"check_out\": \"%s\", \"daily\": \"08:00-20:00\"}]}",
                 in, out);
        snprintf(path, sizeof(path), "%s/bookings.json", H.dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(doc, f);
        fclose(f);
        assert_int_equal(h_cli(&H, NULL, &j, "grants", "import", path, NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--lead", "366d", NULL), 0);
        assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "locks"), 0), "zone"), "Europe/Berlin");
        assert_true(cJSON_IsTrue(jget(cJSON_GetArrayItem(jget(j, "locks"), 0), "zone_set")));
        assert_int_equal(jnum(cJSON_GetArrayItem(jget(j, "locks"), 0), "counts.provisioned"), 1);
        cJSON_Delete(j);

        /* Checked like the clock: nothing to write; put back when someone changed it. */
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--lead", "366d", NULL), 0);
        assert_false(cJSON_IsTrue(jget(cJSON_GetArrayItem(jget(j, "locks"), 0), "zone_set")));
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "time", "sync", "--zone", "UTC", NULL), 0);
        cJSON_Delete(j);
        assert_int_equal(h_cli(&H, NULL, &j, "reconcile", "--lead", "366d", NULL), 0);
        assert_true(cJSON_IsTrue(jget(cJSON_GetArrayItem(jget(j, "locks"), 0), "zone_set")));
        cJSON_Delete(j);

        /* The day before and the day after the change: 08:00 local, not 07:59. */
        assert_false(opens_at_berlin(change - 86400, 7, 59));
        assert_true(opens_at_berlin(change - 86400, 8, 0));
        assert_true(opens_at_berlin(change - 86400, 20, 0));
        assert_false(opens_at_berlin(change - 86400, 20, 1));
        assert_false(opens_at_berlin(change + 86400, 7, 59));
        assert_true(opens_at_berlin(change + 86400, 8, 0));
}

/* Bad input: exit 2 and nothing written (the config count stays). */
static void unknown_zone_writes_nothing(void **state)
{
        const char *bad[] = { "Europe/Nowhere", "../etc/passwd", "", "CET-1CEST,M3.5.0,M10.5.0/3", "Europe/Berlin\n" };
        cJSON *j, *s;
        double count;

        s = sim_state();
        count = jnum(s, "state.config_update_count");
        cJSON_Delete(s);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(h_cli(&H, NULL, &j, "time", "sync", "--zone", bad[i], NULL), 2);
                assert_non_null(strstr(jstr(j, "error.message"), "tz database"));
                cJSON_Delete(j);
        }
        s = sim_state();
        assert_int_equal(jnum(s, "state.config_update_count"), count);
        cJSON_Delete(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(berlin_window_opens_at_0800_local_across_dst, setup, teardown),
                cmocka_unit_test_setup_teardown(berlin_property_by_reconcile, setup, teardown),
                cmocka_unit_test_setup_teardown(paris_by_offset_and_dst_mode, setup, teardown),
                cmocka_unit_test_setup_teardown(detroit_falls_back_to_the_offset, setup, teardown),
                cmocka_unit_test_setup_teardown(unknown_zone_writes_nothing, setup, teardown),
        };

        return cmocka_run_group_tests_name("cli-zone", tests, NULL, NULL);
}
