#!/bin/sh
# Checks that the Debian 12 packages minnow's build and tests use are
# installed; installs the missing ones when run as root, otherwise prints
# the exact apt-get command to run. Called by `make run`, `make test` and
# `make deps`.
set -eu

# build: compiler, linker, clang (the libFuzzer targets, make fuzz), GRUB for BIOS and UEFI images, ISO tools
# run/test: QEMU, OVMF (UEFI firmware), python3 (the test runner), curl (a real HTTP client), iperf (iperf2 client),
# iproute2 (ip netns / ip tuntap / ss: the TAP tests in network namespaces), chromium (headless: renders
# httpd's HTML status page)
PKGS="gcc clang binutils make grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools
      qemu-system-x86 ovmf python3 curl iperf iproute2 chromium"

# `tools/deps.sh bench` (make bench): the Linux peer and the load generator:
# busybox-static (the initramfs userland), kmod (depmod/modprobe on the
# unpacked kernel tree), cpio and gzip (the initramfs), xz-utils (compressed
# modules), apache2-utils (ab), tcpdump (docs/boot-time.md's traces)
if [ "${1:-}" = bench ]; then
    PKGS="busybox-static kmod cpio gzip xz-utils apache2-utils tcpdump iperf qemu-system-x86 python3"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "deps: missing Debian packages:$missing"
    echo "deps: run:  sudo apt-get install -y$missing"
    exit 1
fi
