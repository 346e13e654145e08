#!/bin/sh
# The rig guest's init (PID 1 after switch_root; the host's / is our read-only root).
# One dbus-daemon, btvirt with three LE controllers, one bluetoothd; then scenarios.sh.
# Results go to $RIG/out (the read-write 9p share); the host reads them after power-off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp
RIG=$(sed -n 's/.*rig\.dir=\([^ ]*\).*/\1/p' /proc/cmdline)
export RIG
. "$RIG/env"
OUT=$RIG/out
mkdir -p "$OUT"
exec > "$OUT/console.log" 2>&1
uptime_s() { cut -d' ' -f1 /proc/uptime; }
note() { echo "[$(uptime_s)] $*"; }
finish() {
        echo "$1" > "$OUT/rc"
        dmesg > "$OUT/dmesg.txt" 2>/dev/null
        sync
        echo o > /proc/sysrq-trigger
        # PID 1 must not exit before the power-off lands: block on a pipe nobody writes.
        mkfifo /dev/hold 2>/dev/null; read -r _ < /dev/hold
}
trap 'finish 99' EXIT

mount -t devpts devpts /dev/pts -o newinstance,ptmxmode=0666 2>/dev/null || { mkdir -p /dev/pts; mount -t devpts devpts /dev/pts; }
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname rig

# Modules stay in the unpacked .deb: modprobe -d. Autoload goes through a wrapper; it is off
# while btvirt starts (virtual-radio.md: a 9p modprobe per autoload pushed HCI_Reset past
# its 2 s timeout).
printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "$KDIR" > "$RIG/modprobe.sh"
chmod 755 "$RIG/modprobe.sh"
note "loading modules"
/sbin/modprobe -d "$KDIR" -a bluetooth hci_vhci af_alg algif_hash algif_skcipher ecb cmac \
        aesni_intel sha3_generic sha512_generic jitterentropy_rng drbg ctr ccm ecdh_generic \
        || note "some modules failed to load"
echo /bin/true > /proc/sys/kernel/modprobe

note "dbus"
mkdir -p /run/dbus
dbus-daemon --system --fork --nopidfile || { note "dbus-daemon failed"; exit 1; }

# Readiness is awaited as events: a watcher starts first (btmon reports each new controller,
# dbus-monitor each new BlueZ object), then the current state is checked, then the watcher's
# output is followed with a deadline. Nothing polls on a timer.
. "$RIG_SRC/guest/follow.sh"
note "btvirt"
nctl() { btmgmt info 2>/dev/null | grep -c '^hci[0-9]'; }
ok=
for try in 1 2 3; do
        stdbuf -oL btmon > "$OUT/btmon-index.log" 2>&1 &
        BTMON=$!
        btvirt -L -l3 > "$OUT/btvirt.log" 2>&1 &
        BTVIRT=$!
        [ "$(nctl)" -ge 3 ] ||
                follow "$OUT/btmon-index.log" 'New Index' 3 10
        kill "$BTMON" 2>/dev/null; wait "$BTMON" 2>/dev/null
        n=$(nctl)
        [ "$n" -ge 3 ] && { ok=1; break; }
        note "btvirt try $try: only $n controllers; again"
        kill "$BTVIRT" 2>/dev/null; wait "$BTVIRT" 2>/dev/null
done
[ -n "$ok" ] || { note "btvirt never came up"; exit 1; }
echo "$RIG/modprobe.sh" > /proc/sys/kernel/modprobe

btmon -w "$OUT/btmon.snoop" > /dev/null 2>&1 &
# latchkey's controller as text, line by line with date and time: the release scenario follows
# its Disconnect Complete events.
stdbuf -oL btmon -T -i hci1 > "$OUT/btmon-hci1.txt" 2>&1 &
note "bluetoothd"
stdbuf -oL dbus-monitor --system "type='signal',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'" \
        > "$OUT/dbus-added.log" 2>&1 &
DBUSMON=$!
/usr/libexec/bluetooth/bluetoothd -n -f "$RIG_SRC/guest/main.conf" ${BTD_DEBUG:+-d} > "$OUT/bluetoothd.log" 2>&1 &
has_hci2() { busctl --system tree org.bluez 2>/dev/null | grep -q '/org/bluez/hci2'; }
has_hci2 || follow "$OUT/dbus-added.log" 'object path "/org/bluez/hci2"' 1 20
kill "$DBUSMON" 2>/dev/null; wait "$DBUSMON" 2>/dev/null
has_hci2 || { note "bluetoothd has no adapters"; exit 1; }
note "bluetooth ready"

sh "$RIG_SRC/guest/scenarios.sh" > "$OUT/scenarios.log" 2>&1
rc=$?
note "scenarios exit $rc"
trap - EXIT
finish $rc
