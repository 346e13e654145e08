/* SPDX-License-Identifier: MIT */
/*
 * Discovery's restarts (ble/bluez-scan.c, ble/bluez-connect.c) against a fake adapter on a
 * private D-Bus daemon ($LATCHKEY_BLE_BUS). btvirt reports an advertiser only on a scan-enable
 * edge, and the kernel drops a report that comes before it counts the scan as discovery, so
 * both restart discovery every few seconds. The fake behaves as bluetoothd 5.66 does
 * (src/adapter.c): StopDiscovery answers only once the controller has stopped, and a client's
 * StartDiscovery during its own stop answers org.bluez.Error.InProgress. A restart must wait
 * for the stop; sent in one go, discovery stayed off after the first restart (the rig's scan
 * found nothing).
 * The fake runs on a thread of its own (lk_ble_scan_new() asks the adapter synchronously).
 * Nothing sleeps: the loop runs until the restarts have happened (the client's own 4-s pace).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "lk-test.h"
#include "latchkey/ble.h"
#include "latchkey/transport.h"

#define ADAPTER "/org/bluez/hci0"
#define STOP_USEC 200000u /* the fake controller's time to stop scanning */

#include "private-bus.h"

struct fake {
        sd_event *event;
        pthread_t thread;
        bool quit;
        sd_bus *bus;
        sd_bus_slot *objmgr, *adapter_vt;
        sd_bus_message *stop;      /* a StopDiscovery waiting for the controller */
        sd_event_source *stop_timer;
        unsigned starts, refused;  /* StartDiscovery answered with success, with InProgress */
        bool discovering;
};

static int prop_address(sd_bus *bus, const char *path, const char *iface, const char *prop,
                        sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        return sd_bus_message_append(reply, "s", "00:AA:01:01:00:01");
}

static int prop_powered(sd_bus *bus, const char *path, const char *iface, const char *prop,
                        sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
        return sd_bus_message_append(reply, "b", 1);
}

static int m_ok(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        return sd_bus_reply_method_return(m, "");
}

static int m_start(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct fake *f = userdata;

        if (f->stop) {
                __atomic_add_fetch(&f->refused, 1, __ATOMIC_SEQ_CST);
                return sd_bus_reply_method_errorf(m, "org.bluez.Error.InProgress", "Operation already in progress");
        }
        __atomic_add_fetch(&f->starts, 1, __ATOMIC_SEQ_CST);
        __atomic_store_n(&f->discovering, true, __ATOMIC_SEQ_CST);
        return sd_bus_reply_method_return(m, "");
}

static int on_stopped(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct fake *f = userdata;
        sd_bus_message *m = f->stop;

        f->stop = NULL;
        __atomic_store_n(&f->discovering, false, __ATOMIC_SEQ_CST);
        (void)sd_bus_reply_method_return(m, "");
        sd_bus_message_unref(m);
        return 0;
}

static int m_stop(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
        struct fake *f = userdata;

        if (f->stop || !f->discovering)
                return sd_bus_reply_method_return(m, ""); /* nothing of this client's to stop */
        f->stop = sd_bus_message_ref(m);
        assert_int_equal(sd_event_source_set_time_relative(f->stop_timer, STOP_USEC), 0);
        assert_int_equal(sd_event_source_set_enabled(f->stop_timer, SD_EVENT_ONESHOT), 0);
        return 1;
}

static const sd_bus_vtable adapter_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", prop_address, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Powered", "b", prop_powered, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("SetDiscoveryFilter", "a{sv}", "", m_ok, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StartDiscovery", "", "", m_start, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("StopDiscovery", "", "", m_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static void *fake_run(void *userdata)
{
        struct fake *f = userdata;

        while (!__atomic_load_n(&f->quit, __ATOMIC_SEQ_CST))
                if (sd_event_run(f->event, 50000) < 0)
                        break;
        return NULL;
}

/* The fake bluetoothd on its own loop and thread. */
static void fake_new(struct fake *f)
{
        *f = (struct fake){ 0 };
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_true(sd_bus_new(&f->bus) >= 0);
        assert_true(sd_bus_set_address(f->bus, bus_address) >= 0);
        assert_true(sd_bus_set_bus_client(f->bus, 1) >= 0);
        assert_true(sd_bus_start(f->bus) >= 0);
        assert_true(sd_bus_attach_event(f->bus, f->event, 0) >= 0);
        assert_true(sd_bus_request_name(f->bus, "org.bluez", SD_BUS_NAME_REPLACE_EXISTING |
                                                             SD_BUS_NAME_ALLOW_REPLACEMENT) >= 0);
        assert_int_equal(sd_bus_add_object_manager(f->bus, &f->objmgr, "/"), 0);
        assert_int_equal(sd_bus_add_object_vtable(f->bus, &f->adapter_vt, ADAPTER, "org.bluez.Adapter1",
                                                  adapter_vtable, f), 0);
        assert_int_equal(sd_event_add_time_relative(f->event, &f->stop_timer, CLOCK_MONOTONIC, STOP_USEC, 0,
                                                    on_stopped, f), 0);
        assert_int_equal(sd_event_source_set_enabled(f->stop_timer, SD_EVENT_OFF), 0);
        assert_int_equal(pthread_create(&f->thread, NULL, fake_run, f), 0);
}

static void fake_free(struct fake *f)
{
        __atomic_store_n(&f->quit, true, __ATOMIC_SEQ_CST);
        assert_int_equal(pthread_join(f->thread, NULL), 0);
        sd_bus_message_unref(f->stop);
        sd_event_source_disable_unref(f->stop_timer);
        assert_true(sd_bus_release_name(f->bus, "org.bluez") >= 0);
        sd_bus_slot_unref(f->adapter_vt);
        sd_bus_slot_unref(f->objmgr);
        sd_bus_flush_close_unref(f->bus);
        sd_event_unref(f->event);
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Run the loop until f has seen three starts (the first and two restarts): 30 s at most, a
 * safety bound, not a pace. */
static void run_until_restarted(sd_event *e, struct fake *f)
{
        uint64_t end = now_usec() + 30000000u;

        while (__atomic_load_n(&f->starts, __ATOMIC_SEQ_CST) < 3) {
                assert_true(now_usec() < end);
                assert_true(sd_event_run(e, 100000) >= 0);
        }
}

/* `latchkey scan`: discovery stays on through its restarts. */
static void scan_restarts_after_the_stop(void **state)
{
        struct lk_ble_scan *scan = NULL;
        struct fake f;
        sd_event *e = NULL;

        if (!bus_address[0])
                skip();
        assert_int_equal(sd_event_new(&e), 0);
        fake_new(&f);
        assert_int_equal(lk_ble_scan_new(e, NULL, NULL, NULL, &scan), 0);
        run_until_restarted(e, &f);
        assert_int_equal(__atomic_load_n(&f.refused, __ATOMIC_SEQ_CST), 0);
        lk_ble_scan_free(scan);
        fake_free(&f);
        sd_event_unref(e);
}

static void on_connected(void *userdata, int error, const struct lk_link_info *info)
{
        *(int *)userdata = error;
}

static const struct lk_transport_cb cb = { .on_connected = on_connected };

/* A connect to a lock BlueZ does not know yet discovers it: the same restarts. */
static void connect_discovery_restarts_after_the_stop(void **state)
{
        struct lk_transport *t = NULL;
        int connected = 1;
        struct fake f;
        sd_event *e = NULL;

        if (!bus_address[0])
                skip();
        assert_int_equal(sd_event_new(&e), 0);
        fake_new(&f);
        assert_int_equal(lk_transport_ble_new(e, NULL, "00:AA:01:00:00:09", &cb, &connected, &t), 0);
        assert_int_equal(lk_transport_connect(t, 0), 0);
        run_until_restarted(e, &f);
        assert_int_equal(__atomic_load_n(&f.refused, __ATOMIC_SEQ_CST), 0);
        assert_int_equal(connected, 1); /* still looking for it */
        lk_transport_free(t);
        fake_free(&f);
        sd_event_unref(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(scan_restarts_after_the_stop),
                cmocka_unit_test(connect_discovery_restarts_after_the_stop),
        };

        return cmocka_run_group_tests(tests, bus_up, bus_down);
}
