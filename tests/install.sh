#!/bin/sh
# make install with any prefix: everything lands where that prefix's system looks, and the
# unit's paths match it (packaging/install-system.cmake). The unit's sandbox keeps
# `systemd-analyze security` exposure at or below 2.0.
# Usage: tests/install.sh BUILD_DIR
set -eu
build=$1
T=$(mktemp -d /tmp/lk-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; find "$T" -type f | sed "s|^$T||"; exit 1; }
want() { [ -f "$T/$1/$2" ] || fail "no $1/$2"; }

for prefix in /usr /usr/local /opt/lk; do
        d=$T/$(echo "$prefix" | tr / _)
        DESTDIR=$d cmake --install "$build" --prefix "$prefix" > "$T/install.log" 2>&1 ||
                { cat "$T/install.log"; fail "cmake --install --prefix $prefix"; }
        case $prefix in
        /usr) unit=lib/systemd/system sysusers=usr/lib/sysusers.d tmpfiles=usr/lib/tmpfiles.d
              dbus=usr/share/dbus-1/system.d conf=etc/latchkey ;;
        *) p=${prefix#/}
           unit=$p/lib/systemd/system sysusers=$p/lib/sysusers.d tmpfiles=$p/lib/tmpfiles.d
           dbus=etc/dbus-1/system.d conf=$p/share/doc/latchkey ;;
        esac
        T=$d
        want "${prefix#/}/bin" latchkey
        want "${prefix#/}/share/man/man1" latchkey.1
        want "${prefix#/}/share/bash-completion/completions" latchkey
        want "$unit" latchkey.service
        want "$sysusers" latchkey.conf
        want "$tmpfiles" latchkey.conf
        want "$dbus" latchkey.conf
        want "$conf" latchkey.conf
        grep -qx "ExecStart=$prefix/bin/latchkey daemon" "$d/$unit/latchkey.service" ||
                fail "$prefix: ExecStart does not match: $(grep ExecStart= "$d/$unit/latchkey.service")"
        grep -q "file://$prefix/share/doc/latchkey/config.md" "$d/$unit/latchkey.service" ||
                fail "$prefix: Documentation= does not match"
        grep -q '^u latchkey ' "$d/$sysusers/latchkey.conf" || fail "no latchkey user in sysusers.d"
        T=${T%/*}
        echo "prefix $prefix: binaries, man page, completion, $unit/latchkey.service (ExecStart=$prefix/bin/latchkey), sysusers.d, tmpfiles.d, $dbus, $conf/latchkey.conf"
done

# The package's preinst creates the same user the sysusers.d file does (before the D-Bus policy
# naming its group is unpacked).
line=$(grep '^u ' "$(dirname "$0")/../packaging/systemd/latchkey.sysusers")
grep -qF "systemd-sysusers --inline '$line'" "$(dirname "$0")/../packaging/debian/latchkey.preinst" ||
        fail "packaging/debian/latchkey.preinst does not create the user as latchkey.sysusers: $line"

if command -v systemd-analyze >/dev/null 2>&1; then
        unit=$T/_usr/lib/systemd/system/latchkey.service
        systemd-analyze security --offline=true "$unit" > "$T/security.txt" 2>&1 || true
        level=$(sed -n 's/.*Overall exposure level for latchkey.service: \([0-9.]*\).*/\1/p' "$T/security.txt")
        [ -n "$level" ] || { cat "$T/security.txt"; fail "systemd-analyze security gave no level"; }
        echo "systemd-analyze security: exposure $level (at most 2.0)"
        awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' || { grep '✗' "$T/security.txt"; fail "exposure $level > 2.0"; }
else
        echo "systemd-analyze is missing: the exposure check is skipped (scripts/install-deps systemd)"
fi
echo PASS
