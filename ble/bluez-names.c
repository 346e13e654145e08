/* SPDX-License-Identifier: MIT */
/*
 * BlueZ's names: a device's object path from its address, and BlueZ's D-Bus errors as -errno
 * (STYLE.md §3) and as worth another try. Pure helpers beside the GATT code (bluez-*.c); the
 * address check they need is ble.h's (adv.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ble-internal.h"
#include "latchkey/ble.h"

int ble_device_path(const char *adapter_path, const char *address, char *buf, size_t size)
{
        char addr[LK_BLE_ADDRESS_SIZE];
        size_t i;
        int n;

        if (!adapter_path || !lk_ble_address_is_valid(address))
                return -EINVAL;
        for (i = 0; i < LK_BLE_ADDRESS_SIZE - 1; i++) {
                char c = address[i];

                addr[i] = c == ':' ? '_' : (c >= 'a' && c <= 'f') ? (char)(c - 'a' + 'A') : c;
        }
        addr[i] = '\0';
        n = snprintf(buf, size, "%s/dev_%s", adapter_path, addr);
        if (n < 0 || (size_t)n >= size)
                return -ENOBUFS;
        return 0;
}

int ble_error_to_errno(const sd_bus_error *e)
{
        static const struct {
                const char *name;
                int error;
        } map[] = {
                { "org.bluez.Error.NotConnected", -ENOTCONN },
                { "org.bluez.Error.NotReady", -ENETDOWN },
                { "org.bluez.Error.NotPermitted", -EPERM },
                { "org.bluez.Error.NotAuthorized", -EACCES },
                { "org.bluez.Error.NotSupported", -EOPNOTSUPP },
                { "org.bluez.Error.InProgress", -EBUSY },
                { "org.bluez.Error.AlreadyConnected", -EISCONN },
                { "org.bluez.Error.DoesNotExist", -ENOENT },
                { "org.bluez.Error.InvalidArguments", -EINVAL },
                { "org.bluez.Error.InvalidValueLength", -EMSGSIZE },
                { "org.bluez.Error.InvalidOffset", -EINVAL },
                { "org.bluez.Error.AuthenticationFailed", -EACCES },
                { "org.freedesktop.DBus.Error.AccessDenied", -EACCES },
                { "org.freedesktop.DBus.Error.NoReply", -ETIMEDOUT },
                { "org.freedesktop.DBus.Error.Timeout", -ETIMEDOUT },
                { "org.freedesktop.DBus.Error.ServiceUnknown", -EHOSTDOWN },
                { "org.freedesktop.DBus.Error.UnknownObject", -ENOENT },
                { "org.freedesktop.DBus.Error.UnknownMethod", -ENOENT },
        };
        size_t i;

        /* BlueZ's generic Error.Failed and anything unknown: a failure of the Bluetooth stack
         * on the link, -ECOMM (never -EIO, which the CLI would not tell from a disk's). */
        if (!e || !e->name)
                return -ECOMM;
        for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
                if (strcmp(e->name, map[i].name) == 0)
                        return map[i].error;
        if (e->message && strstr(e->message, "Operation timed out"))
                return -ETIMEDOUT;
        return -ECOMM;
}

bool ble_connect_error_is_transient(const sd_bus_error *e)
{
        /* field-lessons.md: what users of BlueZ hit; BlueZ reports them as Error.Failed with
         * the reason as the message (src/device.c: "le-connection-abort-by-local", or
         * strerror(ECONNABORTED)). InProgress: a connect from somebody else is under way. */
        if (!e || !e->name)
                return false;
        if (strcmp(e->name, "org.bluez.Error.InProgress") == 0)
                return true;
        if (strcmp(e->name, "org.bluez.Error.Failed") != 0 || !e->message)
                return false;
        return strstr(e->message, "le-connection-abort-by-local") ||
               strstr(e->message, "Software caused connection abort") ||
               strstr(e->message, "le-connection-abort-by-remote") ||
               strstr(e->message, "Connection timed out") ||
               strstr(e->message, "Timeout was reached");
}
