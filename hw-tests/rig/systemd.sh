#!/bin/sh
# The package under real systemd: boot the rig's Debian kernel under qemu with systemd as
# PID 1 (the host's / read-only, a tmpfs overlay on top), install the .deb there and run the
# service against the virtual lock over btvirt and bluetoothd (guest/systemd-test.sh).
# Exit 0 passed, 1 failed, 77 cannot run here (as run.sh), or LATCHKEY_RIG=0.
# Usage: hw-tests/rig/systemd.sh BUILD_DIR [OUT_DIR]
#   The .deb is built with scripts/deb into BUILD_DIR/deb (a Release build, as shipped), or
#   taken from LATCHKEY_DEB=path/to/latchkey_VERSION_ARCH.deb.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: systemd.sh BUILD_DIR [OUT_DIR]}" && pwd)
out_arg=${2:-}
skip() { echo "SKIP: systemd rig: $*"; exit 77; }
[ -z "$out_arg" ] || rm -rf "$out_arg"
[ "${LATCHKEY_RIG:-1}" != 0 ] || skip "LATCHKEY_RIG=0"
"$src/scripts/install-deps" rig systemd deb >/dev/null 2>&1 || true
for t in qemu-system-x86_64 btvirt busybox cpio dpkg-deb; do
        command -v "$t" >/dev/null 2>&1 || [ -x "/sbin/$t" ] || [ -x "/usr/sbin/$t" ] || [ -x "/bin/$t" ] ||
                skip "'$t' is missing and could not be installed (run: scripts/install-deps rig systemd deb as root)"
done
[ -x /lib/systemd/systemd ] || skip "systemd is not installed on this host (the guest boots the host's /)"
[ -x /usr/libexec/bluetooth/bluetoothd ] || skip "bluetoothd is missing"
cache=$("$here/setup.sh" | tail -n1) || skip "could not prepare the guest kernel (needs network once for apt-get download)"
kver=$(readlink "$cache/kernel" | sed 's/^kernel-//')
kdir=$(readlink -f "$cache/kernel")

deb=${LATCHKEY_DEB:-}
if [ -z "$deb" ]; then
        echo "systemd rig: building the .deb (make deb)"
        "$src/scripts/deb" "$build/deb" > "$build/deb.log" 2>&1 || { tail -n 30 "$build/deb.log"; echo "make deb failed"; exit 1; }
        grep '^make deb: lintian' "$build/deb.log"
        deb=$(ls "$build/deb"/latchkey_*_"$(dpkg --print-architecture)".deb)
fi

# The last released package (packaging/last-release) is installed first, so the upgrade starts
# from the last released layout. It is built once from its commit and kept in the rig cache;
# LATCHKEY_OLD_DEB= (empty) upgrades from this tree's package re-versioned instead.
arch=$(dpkg --print-architecture)
if [ -n "${LATCHKEY_OLD_DEB+set}" ]; then
        old_deb=$LATCHKEY_OLD_DEB
else
        read -r rel_version rel_commit <<REL
$(grep -v '^#' "$src/packaging/last-release")
REL
        old_deb=$cache/debs/latchkey_${rel_version}_${rel_commit}_$arch.deb
        if [ ! -f "$old_deb" ] && git -C "$src" cat-file -e "$rel_commit^{commit}" 2>/dev/null; then
                echo "systemd rig: building the last release's .deb ($rel_version, commit $rel_commit) once"
                t=$(mktemp -d /tmp/latchkey-oldrel.XXXXXX)
                git -C "$src" archive "$rel_commit" | tar -x -C "$t" && mkdir -p "$t/src-out" &&
                        (cd "$t" && scripts/deb "$t/src-out") > "$build/deb-old.log" 2>&1 &&
                        mkdir -p "$cache/debs" && cp "$t/src-out/latchkey_${rel_version}_$arch.deb" "$old_deb" ||
                        echo "systemd rig: could not build it (see $build/deb-old.log)"
                rm -rf "$t"
        fi
        [ -f "$old_deb" ] || { echo "systemd rig: no $rel_version package (commit $rel_commit is not in this clone): upgrading from this tree's package re-versioned"; old_deb=; }
fi

work=$(mktemp -d /tmp/latchkey-sdrig.XXXXXX)
mkdir -p "$work/out" "$work/systemd" "$work/src"
cp "$deb" "$work/latchkey.deb"
[ -z "$old_deb" ] || cp "$old_deb" "$work/latchkey-old.deb"
cp -r "$here/guest" "$work/src/"
cat > "$work/env" <<ENV
RIG=$work
RIG_SRC=$work/src
KDIR=$kdir
ENV
# The units the overlay gets: a target with only what the test needs, and the test itself.
cat > "$work/systemd/latchkey-rig.target" <<UNIT
[Unit]
Description=latchkey rig: the package under systemd
Requires=basic.target
After=basic.target
Wants=dbus.service latchkey-rig-test.service
AllowIsolate=yes
UNIT
cat > "$work/systemd/latchkey-rig-test.service" <<UNIT
[Unit]
Description=latchkey rig: install the .deb and run the service against the virtual lock
After=basic.target dbus.service

[Service]
Type=exec
ExecStart=/bin/sh $work/src/guest/systemd-test.sh
StandardOutput=file:$work/out/test.log
StandardError=inherit
UNIT
# What the host has enabled and the test does not need stays off.
masks="postgresql.service systemd-timesyncd.service systemd-pstore.service e2scrub_reap.service
apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer man-db.timer
systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service systemd-udevd-control.socket
systemd-udevd-kernel.socket getty@tty1.service
systemd-networkd.service networking.service ssh.service cron.service remote-fs.target"
mask_args=$(for u in $masks; do printf ' systemd.mask=%s' "$u"; done)

echo "systemd rig: booting $kver under qemu (TCG) with systemd as PID 1; results in $work/out"
t0=$(date +%s)
timeout "${LATCHKEY_RIG_TIMEOUT:-900}" qemu-system-x86_64 \
        -accel tcg,thread=multi,tb-size=128 -cpu max -m 512 -smp 2 \
        -M q35 -nographic -no-reboot -nodefaults -serial "file:$work/out/serial.log" \
        -kernel "$cache/kernel/boot/vmlinuz-$kver" -initrd "$cache/initramfs.cpio.gz" \
        -append "console=ttyS0 panic=-1 quiet loglevel=4 cryptomgr.notests=1 rig.systemd=1 rig.dir=$work rig.kdir=$kdir systemd.unit=latchkey-rig.target systemd.show_status=0$mask_args" \
        -device virtio-rng-pci \
        -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
        -fsdev "local,id=rigshare,path=$work,security_model=none,multidevs=remap" \
        -device virtio-9p-pci,fsdev=rigshare,mount_tag=rigshare || true
t1=$(date +%s)

out=${out_arg:-$work/out}
cat "$work/out/test.log" 2>/dev/null || { echo "systemd rig: the test never ran; the console said:"; tail -n 40 "$work/out/serial.log"; }
rc=$(cat "$work/out/rc" 2>/dev/null || echo 98)
echo "systemd rig: $((t1 - t0)) s wall; guest exit $rc"
if [ "$out" != "$work/out" ]; then mkdir -p "$out" && cp -r "$work/out/." "$out/"; fi
[ "$rc" = 0 ] && { [ -n "${LATCHKEY_RIG_KEEP:-}" ] || rm -rf "$work"; exit 0; }
echo "systemd rig: FAILED (logs kept in $work/out)"
exit 1
