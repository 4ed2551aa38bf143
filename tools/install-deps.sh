#!/usr/bin/env bash
# Check for (and, as root, install) what Keel's build, tests and `make run` need.
#
#   tools/install-deps.sh [--for build|test|run|linux]
#
#   build: compiler toolchain, make, GRUB (BIOS + UEFI), xorriso, mtools
#   run:   build + QEMU + OVMF + gnu-efi (keel.efi, for `make run UEFI=native`, `make bench`)
#   linux: run + what the Linux guest is made with (tools/linux/: xz to unpack Debian's
#          kernel, cpio and a static busybox for its initramfs; `make linux-guest` then
#          fetches the kernel package itself with apt-get download)
#   test:  everything (run + linux + Bochs + cmocka)   [default]
#
# Silent when everything is present. As root, missing Debian packages are
# installed (apt-get update once, then a non-interactive install without
# recommends). Otherwise it names the packages to install and exits 1.
set -euo pipefail

usage() {
    echo "usage: $0 [--for build|test|run|linux]" >&2
    exit 2
}

what=test
while [ $# -gt 0 ]; do
    case $1 in
        --for) [ $# -ge 2 ] || usage; what=$2; shift 2 ;;
        --for=*) what=${1#--for=}; shift ;;
        -h|--help) usage ;;
        *) usage ;;
    esac
done
case $what in build|test|run|linux) ;; *) usage ;; esac

# Each requirement: "package  check[|alternative]..." — a check is a command
# name, or an absolute path that must exist. All checks must pass; within one
# check, alternatives are separated by '|'.
reqs_build=(
    "gcc                 gcc"
    "binutils            as ld objcopy"
    "libc6-dev           /usr/include/stdio.h"
    "make                make"
    "grub-common         grub-mkrescue grub-file"
    "grub-pc-bin         /usr/lib/grub/i386-pc/modinfo.sh"
    "grub-efi-amd64-bin  /usr/lib/grub/x86_64-efi/modinfo.sh"
    "xorriso             xorriso"
    "mtools              mformat mcopy"
)
reqs_run=(
    "qemu-system-x86     qemu-system-x86_64"
    "ovmf                /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_VARS_4M.fd"
    "gnu-efi             /usr/include/efi/efi.h /usr/lib/crt0-efi-x86_64.o /usr/lib/elf_x86_64_efi.lds /usr/lib/libgnuefi.a"
)
reqs_linux=(
    "xz-utils            xz"
    "cpio                cpio"
    "busybox-static      /bin/busybox"
    "apt                 apt-get"
    "dpkg                dpkg-deb"
)
reqs_test=(
    # bochs depends on "bochs-wx | bochs-gui": name bochs-term (a bochs-gui)
    # so apt does not pull wxWidgets in. Keel's runs use the rfb display,
    # which is built into the bochs package itself.
    "bochs               bochs"
    "bochs-term          /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so|/usr/lib/bochs/plugins/libbx_term_gui.so"
    "bochsbios           /usr/share/bochs/BIOS-bochs-latest"
    "vgabios             /usr/share/vgabios/vgabios.bin"
    "libcmocka-dev       /usr/include/cmocka.h"
)

reqs=("${reqs_build[@]}")
case $what in
    run)  reqs+=("${reqs_run[@]}") ;;
    linux) reqs+=("${reqs_run[@]}" "${reqs_linux[@]}") ;;
    test) reqs+=("${reqs_run[@]}" "${reqs_linux[@]}" "${reqs_test[@]}") ;;
esac

have() {
    local alt
    local IFS='|'
    for alt in $1; do
        case $alt in
            /*) [ -e "$alt" ] && return 0 ;;
            *)  command -v "$alt" >/dev/null 2>&1 && return 0 ;;
        esac
    done
    return 1
}

missing_pkgs() {
    local r pkg check checks_str
    local -a checks
    for r in "${reqs[@]}"; do
        read -r pkg checks_str <<<"$r"
        read -r -a checks <<<"$checks_str"
        for check in "${checks[@]}"; do
            if ! have "$check"; then
                echo "$pkg"
                break
            fi
        done
    done
}

mapfile -t missing < <(missing_pkgs)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    {
        echo "install-deps: missing packages for '$what': ${missing[*]}"
        echo "install-deps: run:  sudo apt-get install --no-install-recommends ${missing[*]}"
    } >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing packages for '$what': ${missing[*]} (and no apt-get here)" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1 </dev/null; then
    cat "$log" >&2
    echo "install-deps: apt-get failed" >&2
    exit 1
fi

mapfile -t still < <(missing_pkgs)
if [ ${#still[@]} -ne 0 ]; then
    cat "$log" >&2
    echo "install-deps: still missing after install: ${still[*]}" >&2
    exit 1
fi
