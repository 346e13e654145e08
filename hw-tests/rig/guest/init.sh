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
        sleep 30
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

# Boot-time readiness: btvirt and bluetoothd give no notification a busybox guest can wait on
# (no udev, no gdbus), so these two waits poll kernel and D-Bus state with a hard deadline.
# They are boot steps, not test synchronisation; the scenarios wait on events (scenarios.sh).
note "btvirt"
ok=
for try in 1 2 3; do
        btvirt -L -l3 > "$OUT/btvirt.log" 2>&1 &
        BTVIRT=$!
        for i in $(seq 1 50); do
                n=$(btmgmt info 2>/dev/null | grep -c '^hci[0-9]')
                [ "$n" -ge 3 ] && { ok=1; break; }
                sleep 0.2
        done
        [ -n "$ok" ] && break
        note "btvirt try $try: only $n controllers; again"
        kill "$BTVIRT" 2>/dev/null; wait "$BTVIRT" 2>/dev/null
done
[ -n "$ok" ] || { note "btvirt never came up"; exit 1; }
echo "$RIG/modprobe.sh" > /proc/sys/kernel/modprobe

btmon -w "$OUT/btmon.snoop" > /dev/null 2>&1 &
note "bluetoothd"
/usr/libexec/bluetooth/bluetoothd -n -f "$RIG_SRC/guest/main.conf" ${BTD_DEBUG:+-d} > "$OUT/bluetoothd.log" 2>&1 &
for i in $(seq 1 100); do
        busctl --system tree org.bluez 2>/dev/null | grep -q '/org/bluez/hci2' && break
        sleep 0.2
done
busctl --system tree org.bluez 2>/dev/null | grep -q '/org/bluez/hci2' || { note "bluetoothd has no adapters"; exit 1; }
note "bluetooth ready"

sh "$RIG_SRC/guest/scenarios.sh" > "$OUT/scenarios.log" 2>&1
rc=$?
note "scenarios exit $rc"
trap - EXIT
finish $rc
