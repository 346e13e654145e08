/* SPDX-License-Identifier: MIT */
/*
 * ble/'s pure BlueZ helpers: the Nuki UUID table (spec §1.1), characteristic → channel,
 * device object paths, BlueZ error names → errno and which connect errors are retried
 * (field-lessons.md "BlueZ"). The D-Bus state machine itself runs in the virtual-radio rig
 * (hw-tests/rig/), against a real bluetoothd.
 */
#include <errno.h>

#include "lk-test.h"
#include "../ble/ble-internal.h"

static void uuids_map_to_channels(void **state)
{
        static const struct {
                const char *uuid;
                enum lk_channel ch;
                enum lk_ble_family fam;
        } v[] = {
                { "a92ee101-5501-11e4-916c-0800200c9a66", LK_CH_PAIRING, LK_BLE_FAMILY_SMARTLOCK },
                { "a92ee301-5501-11e4-916c-0800200c9a66", LK_CH_PAIRING, LK_BLE_FAMILY_ULTRA },
                { "A92AE101-5501-11E4-916C-0800200C9A66", LK_CH_PAIRING, LK_BLE_FAMILY_OPENER },
                { "a92ee201-5501-11e4-916c-0800200c9a66", LK_CH_KEYTURNER, LK_BLE_FAMILY_SMARTLOCK },
                { "a92ee202-5501-11e4-916c-0800200c9a66", LK_CH_USDIO, LK_BLE_FAMILY_SMARTLOCK },
                { "a92ae202-5501-11e4-916c-0800200c9a66", LK_CH_USDIO, LK_BLE_FAMILY_OPENER },
        };
        enum lk_channel ch;
        enum lk_ble_family fam;
        size_t i;

        for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                assert_int_equal(ble_uuid_channel(v[i].uuid, &ch, &fam), 0);
                assert_int_equal(ch, v[i].ch);
                assert_int_equal(fam, v[i].fam);
        }
        /* services, other bases, malformed: no channel */
        assert_int_equal(ble_uuid_channel("a92ee200-5501-11e4-916c-0800200c9a66", &ch, NULL),
                         -ENOENT);
        assert_int_equal(ble_uuid_channel("a92ee203-5501-11e4-916c-0800200c9a66", &ch, NULL),
                         -ENOENT);
        assert_int_equal(ble_uuid_channel("a92ae301-5501-11e4-916c-0800200c9a66", &ch, NULL),
                         -ENOENT); /* no Opener has the Ultra pairing service */
        assert_int_equal(ble_uuid_channel("a92ee101-5501-11e4-916c-0800200c9a67", &ch, NULL),
                         -ENOENT);
        assert_int_equal(ble_uuid_channel("a92ee101_5501-11e4-916c-0800200c9a66", &ch, NULL),
                         -ENOENT);
        assert_int_equal(ble_uuid_channel("a92ee101", &ch, NULL), -ENOENT);
        assert_int_equal(ble_uuid_channel("", &ch, NULL), -ENOENT);
}

static void scan_uuids_are_nuki_services(void **state)
{
        size_t i;

        for (i = 0; ble_scan_uuids[i]; i++) {
                struct ble_nuki_uuid u;
                uint8_t be[16];

                assert_int_equal(ble_uuid_parse(ble_scan_uuids[i], be), 0);
                assert_int_equal(ble_uuid_classify_be(be, &u), 0);
                assert_true(u.role == BLE_UUID_KEYTURNER_SERVICE ||
                            u.role == BLE_UUID_PAIRING_SERVICE ||
                            u.role == BLE_UUID_INIT_SERVICE);
        }
        assert_int_equal(i, 7);
}

static void device_paths(void **state)
{
        char buf[64];

        assert_int_equal(ble_device_path("/org/bluez/hci1", "00:aa:01:00:00:0f", buf,
                                         sizeof(buf)), 0);
        assert_string_equal(buf, "/org/bluez/hci1/dev_00_AA_01_00_00_0F");
        assert_int_equal(ble_device_path("/org/bluez/hci1", "00:aa:01:00:00", buf, sizeof(buf)),
                         -EINVAL);
        assert_int_equal(ble_device_path("/org/bluez/hci1", "00:AA:01:00:00:00", buf, 20),
                         -ENOBUFS);
}

static void errors_map_and_retry(void **state)
{
        static const struct {
                const char *name, *message;
                int error;
                bool transient;
        } v[] = {
                { "org.bluez.Error.Failed", "le-connection-abort-by-local", -ECOMM, true },
                { "org.bluez.Error.Failed", "Software caused connection abort", -ECOMM, true },
                { "org.bluez.Error.InProgress", "In Progress", -EBUSY, true },
                { "org.bluez.Error.Failed", "Operation timed out", -ETIMEDOUT, false },
                { "org.bluez.Error.NotConnected", "Not Connected", -ENOTCONN, false },
                { "org.bluez.Error.NotReady", "Resource Not Ready", -ENETDOWN, false },
                { "org.bluez.Error.DoesNotExist", "Does Not Exist", -ENOENT, false },
                { "org.bluez.Error.NotSupported", "Operation is not supported", -EOPNOTSUPP, false },
                { "org.freedesktop.DBus.Error.AccessDenied", "Rejected send message", -EACCES, false },
                { "org.freedesktop.DBus.Error.ServiceUnknown", "The name is not activatable",
                  -EHOSTDOWN, false },
                { "org.freedesktop.DBus.Error.NoReply", "Did not receive a reply", -ETIMEDOUT, false },
                { "org.example.Weird", NULL, -ECOMM, false },
        };
        size_t i;

        for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                sd_bus_error e = SD_BUS_ERROR_MAKE_CONST(v[i].name, v[i].message);

                assert_int_equal(ble_error_to_errno(&e), v[i].error);
                assert_int_equal(ble_connect_error_is_transient(&e), v[i].transient);
        }
        assert_int_equal(ble_error_to_errno(NULL), -ECOMM);
        assert_false(ble_connect_error_is_transient(NULL));
}

static void transport_refuses_bad_arguments(void **state)
{
        static const struct lk_transport_cb cb = { 0 };
        struct lk_transport *t = NULL;
        sd_event *e = NULL;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(lk_transport_ble_new(e, NULL, "not-an-address", &cb, NULL, &t), -EINVAL);
        assert_int_equal(lk_transport_ble_new(e, "", "00:AA:01:00:00:00", &cb, NULL, &t),
                         -EINVAL);
        assert_int_equal(lk_transport_ble_new(NULL, NULL, "00:AA:01:00:00:00", &cb, NULL, &t),
                         -EINVAL);
        assert_null(t);
        sd_event_unref(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(uuids_map_to_channels),
                cmocka_unit_test(scan_uuids_are_nuki_services),
                cmocka_unit_test(device_paths),
                cmocka_unit_test(errors_map_and_retry),
                cmocka_unit_test(transport_refuses_bad_arguments),
        };

        return cmocka_run_group_tests_name("bluez", tests, NULL, NULL);
}
