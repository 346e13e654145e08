#!/bin/sh
# Prepare the virtual-radio rig: a Debian kernel unpacked from its .deb (never installed) and a
# busybox initramfs that mounts the host's / read-only over 9p. Safe to re-run; everything lives
# under the cache directory, never in the source tree.
# Usage: hw-tests/rig/setup.sh [CACHE_DIR]     (default: ${XDG_CACHE_HOME:-~/.cache}/latchkey-rig)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${LATCHKEY_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/latchkey-rig}}
mkdir -p "$cache"
cd "$cache"

# The kernel linux-image-amd64 points at (the study used 6.1.0-56-amd64 on bookworm).
if [ -n "${LATCHKEY_RIG_KVER:-}" ]; then
        kpkg=linux-image-$LATCHKEY_RIG_KVER
else
        kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
               sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
fi
[ -n "$kpkg" ] || { echo "rig setup: cannot tell which kernel linux-image-amd64 wants" >&2; exit 1; }
kver=${kpkg#linux-image-}

if [ ! -f "kernel-$kver/.done" ]; then
        rm -rf "kernel-$kver" && mkdir -p "kernel-$kver"
        if ! ls "$kpkg"_*.deb >/dev/null 2>&1; then
                echo "rig setup: downloading $kpkg (about 70 MB)"
                apt-get download "$kpkg" >/dev/null
        fi
        dpkg-deb -x "$(ls "$kpkg"_*.deb | head -n1)" "kernel-$kver"
        /sbin/depmod -b "$cache/kernel-$kver" "$kver"
        touch "kernel-$kver/.done"
fi
ln -sfn "kernel-$kver" kernel

# The initramfs: busybox plus what it takes to reach the 9p shares.
# overlay: the systemd boot (rig.systemd=1) puts a tmpfs over the read-only host root.
mods="virtio_pci 9pnet_virtio 9p virtio_rng overlay"
stamp="$kver $(echo "$mods" | sha256sum | cut -c1-8) $(sha256sum "$here/guest/initramfs-init" | cut -c1-16)"
if [ ! -f initramfs.cpio.gz ] || [ "$(cat initramfs.stamp 2>/dev/null)" != "$stamp" ]; then
        rm -rf initramfs && mkdir -p initramfs/bin initramfs/mods initramfs/dev initramfs/proc \
                initramfs/sys initramfs/newroot initramfs/lower initramfs/upper
        cp /bin/busybox initramfs/bin/busybox
        # In dependency order, as modprobe would load them.
        for m in $mods; do
                /sbin/modprobe -d "$cache/kernel" -S "$kver" --show-depends "$m" 2>/dev/null
        done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | awk '!seen[$0]++' > initramfs/list
        while read -r f; do
                m=$(basename "$f"); m=${m%%.ko*}
                case $f in
                *.xz) xz -dc "$f" > "initramfs/mods/$m.ko" ;;
                *.zst) zstd -qdc "$f" > "initramfs/mods/$m.ko" ;;
                *) cp "$f" "initramfs/mods/$m.ko" ;;
                esac
                echo "$m" >> initramfs/mods/order
        done < initramfs/list
        rm -f initramfs/list
        cp "$here/guest/initramfs-init" initramfs/init
        chmod 755 initramfs/init
        (cd initramfs && find . | cpio -o -H newc --quiet | gzip -1) > initramfs.cpio.gz
        echo "$stamp" > initramfs.stamp
fi
echo "$cache"
