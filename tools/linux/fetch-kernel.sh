#!/usr/bin/env bash
# Fetch Debian's own kernel (linux-image-6.1.*-amd64) and extract the ELF vmlinux Keel
# boots as a PVH guest. Never committed: everything lands in build/linux/.
#
#   tools/linux/fetch-kernel.sh [outdir]     (default build/linux)
#
# Output: <outdir>/vmlinux (ELF with the PVH entry note), <outdir>/vmlinuz (as shipped),
# <outdir>/version (the kernel release, e.g. 6.1.0-56-amd64), <outdir>/xen-blkfront.ko
# (the package's block frontend module, for the initramfs). Does nothing when they are
# already there. The package is the one the linux-image-amd64 metapackage points at
# (KEEL_LINUX_PKG=linux-image-6.1.0-NN-amd64 picks another).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -s "$out/vmlinux" ] && [ -s "$out/version" ] && [ -s "$out/xen-blkfront.ko" ]; then
    touch "$out/vmlinux"               # up to date for make, whatever the script's age
    exit 0
fi

pkg=${KEEL_LINUX_PKG:-}
if [ -z "$pkg" ]; then
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          sed -n 's/^ *Depends: \(linux-image-6\.1\.[^ ]*-amd64\)$/\1/p' | head -n1)
fi
if [ -z "$pkg" ]; then
    echo "fetch-kernel: no linux-image-6.1.*-amd64 known to apt (run apt-get update?)" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"            # apt-get download runs as _apt when it can
echo "fetch-kernel: downloading $pkg" >&2
(cd "$work" && apt-get download "$pkg" >/dev/null)
deb=$(ls "$work"/*.deb)
dpkg-deb -x "$deb" "$work/root"

vmlinuz=$(ls "$work"/root/boot/vmlinuz-* | head -n1)
release=${vmlinuz##*/vmlinuz-}
cp "$vmlinuz" "$out/vmlinuz"
bash "$here/extract-vmlinux.sh" "$out/vmlinuz" "$out/vmlinux.tmp"
mv "$out/vmlinux.tmp" "$out/vmlinux"
ko=$(find "$work/root/lib/modules/$release" -name 'xen-blkfront.ko*' | head -n1)
[ -n "$ko" ] || { echo "fetch-kernel: no xen-blkfront module in $pkg" >&2; exit 1; }
case $ko in
    *.xz) xz -dc "$ko" > "$out/xen-blkfront.ko" ;;
    *) cp "$ko" "$out/xen-blkfront.ko" ;;
esac
echo "$release" > "$out/version"
echo "fetch-kernel: $out/vmlinux ($release)" >&2
