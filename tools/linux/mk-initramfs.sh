#!/usr/bin/env bash
# Build the Linux guest's initramfs: Debian's static busybox and an /init script, as a
# gzip-compressed cpio (newc) archive. Needs no root: /dev is a devtmpfs mounted by /init.
#
#   tools/linux/mk-initramfs.sh <out.cpio.gz>
#
# /init mounts /proc, /sys and /dev, prints markers the integration test checks
# ("KEEL-LINUX: ..."), reports `uname -r` and the CPU count, then either powers off
# (default) or, with `keel.shell` on the kernel command line, starts a shell on the
# console (hvc0) and powers off when it exits.
set -euo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 <out.cpio.gz> [xen-blkfront.ko]" >&2; exit 2; }
out=$1
blkfront=${2:-}
busybox=${BUSYBOX:-/bin/busybox}
# A dynamic busybox has a program interpreter (PT_INTERP); the static one has none.
if [ ! -x "$busybox" ] || readelf -lW "$busybox" 2>/dev/null | grep -q INTERP; then
    echo "mk-initramfs: $busybox is not a static busybox (install busybox-static)" >&2
    exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,root,lib/modules}
[ -z "$blkfront" ] || cp "$blkfront" "$root/lib/modules/xen-blkfront.ko"
cp "$busybox" "$root/bin/busybox"
for app in $("$busybox" --list); do
    [ "$app" = busybox ] || ln -s busybox "$root/bin/$app"
done

cat > "$root/init" <<'EOF'
#!/bin/sh
# Keel's Linux guest init. No /dev/console in the archive: the kernel started us without
# stdio, so mount devtmpfs first and take the console from there.
/bin/mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "KEEL-LINUX: init started"
echo "KEEL-LINUX: uname-r $(uname -r)"
echo "KEEL-LINUX: nproc $(nproc)"
echo "KEEL-LINUX: cpuinfo-processors $(grep -c ^processor /proc/cpuinfo)"
echo "KEEL-LINUX: cpus-online $(cat /sys/devices/system/cpu/online)"
echo "KEEL-LINUX: console $(cat /sys/class/tty/console/active 2>/dev/null)"
# The disk Dom0 serves through blkback, if the config gave one: Debian's xen-blkfront.
if [ -f /lib/modules/xen-blkfront.ko ] && insmod /lib/modules/xen-blkfront.ko; then
    for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/xvda ] && break; sleep 1; done
    if [ -b /dev/xvda ]; then
        echo "KEEL-LINUX: xvda-sectors $(cat /sys/block/xvda/size)"
        echo "KEEL-LINUX: xvda-md5 $(md5sum </dev/xvda | cut -d' ' -f1)"
    else
        echo "KEEL-LINUX: no xvda"
    fi
fi
if grep -qw keel.shell /proc/cmdline; then
    echo "KEEL-LINUX: shell on the console; exit it to power off"
    # busybox's cttyhack applet opens the console as the shell's controlling terminal
    # (job control and ^C work on hvc0), in a new session made by setsid
    setsid cttyhack sh -l
fi
echo "KEEL-LINUX: powering off"
poweroff -f
EOF
chmod 755 "$root/init"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$out.tmp"
mv "$out.tmp" "$out"
