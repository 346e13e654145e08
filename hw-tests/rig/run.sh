#!/bin/sh
# The virtual-radio rig: boot a Debian kernel under qemu (TCG), run every scenario in one boot
# over real bluetoothd and btvirt controllers, and report. Exit 0 all passed, 1 a failure,
# 77 the rig cannot run here (no qemu, no packages and no root to install them), or
# LATCHKEY_RIG=0 asked to skip it. A boot that never reaches the scenarios (the guest or btvirt
# did not come up: infrastructure, not latchkey) is tried once more; a failed scenario is not.
# Usage: hw-tests/rig/run.sh BUILD_DIR [OUT_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [OUT_DIR]}" && pwd)
skip() { echo "SKIP: virtual-radio rig: $*"; exit 77; }
# A copy of the results goes to OUT_DIR when given; never leave an older run's there.
[ -z "${2:-}" ] || rm -rf "$2"
[ "${LATCHKEY_RIG:-1}" != 0 ] || skip "LATCHKEY_RIG=0"
[ -x "$build/bin/latchkey" ] && [ -x "$build/bin/latchkey-sim" ] || skip "latchkey or latchkey-sim is not built in $build"
"$src/scripts/install-deps" rig >/dev/null 2>&1 || true
for t in qemu-system-x86_64 btvirt btmgmt busybox cpio; do
        command -v "$t" >/dev/null 2>&1 || [ -x "/sbin/$t" ] || [ -x "/usr/sbin/$t" ] || [ -x "/bin/$t" ] ||
                skip "'$t' is missing and could not be installed (run: scripts/install-deps rig as root)"
done
[ -x /usr/libexec/bluetooth/bluetoothd ] || skip "bluetoothd is missing"
[ -x /sbin/modprobe ] || skip "kmod is missing"
cache=$("$here/setup.sh" | tail -n1) || skip "could not prepare the guest kernel (needs network once for apt-get download)"

kver=$(readlink "$cache/kernel" | sed 's/^kernel-//')

# boot WORK: one qemu run of every scenario; results in WORK/out. The guest mounts tmpfs over
# /tmp, /run and /var/tmp, so what it runs is copied into WORK (its own 9p share): a source or
# build tree may live anywhere, a fresh clone in /tmp included.
boot() {
        mkdir -p "$1/out" "$1/bin" "$1/src"
        cp "$build/bin/latchkey" "$build/bin/latchkey-sim" "$1/bin/"
        cp -r "$here/guest" "$1/src/"
        cat > "$1/env" <<ENV
RIG=$1
RIG_SRC=$1/src
BUILD=$1
KDIR=$cache/kernel
BTD_DEBUG=${LATCHKEY_RIG_BTD_DEBUG:-}
BENCH=${LATCHKEY_RIG_BENCH:-}
ENV
        echo "rig: booting $kver under qemu (TCG); results in $1/out"
        # virtual-radio.md: TCG only (the host's KVM is PVM), tb-size keeps qemu's RSS near 400 MB.
        timeout "${LATCHKEY_RIG_TIMEOUT:-900}" qemu-system-x86_64 \
                -accel tcg,thread=multi,tb-size=128 -cpu max -m 384 -smp 2 \
                -M q35 -nographic -no-reboot -nodefaults -serial "file:$1/out/serial.log" \
                -kernel "$cache/kernel/boot/vmlinuz-$kver" -initrd "$cache/initramfs.cpio.gz" \
                -append "console=ttyS0 panic=-1 quiet loglevel=4 cryptomgr.notests=1 rig.init=$1/src/guest/init.sh rig.dir=$1" \
                -device virtio-rng-pci \
                -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
                -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
                -fsdev "local,id=rigshare,path=$1,security_model=none,multidevs=remap" \
                -device virtio-9p-pci,fsdev=rigshare,mount_tag=rigshare || true
}

t0=$(date +%s)
for try in 1 2; do
        work=$(mktemp -d /tmp/latchkey-rig.XXXXXX)
        boot "$work"
        grep -q '^SCENARIO ' "$work/out/scenarios.log" 2>/dev/null && break
        echo "rig: the guest never reached the scenarios (try $try); the console said:"
        tail -n 20 "$work/out/console.log" "$work/out/serial.log" 2>/dev/null
done
t1=$(date +%s)

out=${2:-$work/out}
cat "$work/out/scenarios.log" 2>/dev/null
rc=$(cat "$work/out/rc" 2>/dev/null || echo 98)
echo "rig: $try boot(s), $((t1 - t0)) s wall; guest exit $rc"
if [ "$out" != "$work/out" ]; then mkdir -p "$out" && cp -r "$work/out/." "$out/"; fi
[ "$rc" = 0 ] && { [ -n "${LATCHKEY_RIG_KEEP:-}" ] || rm -rf "$work"; exit 0; }
echo "rig: FAILED (logs kept in $work/out)"
exit 1
