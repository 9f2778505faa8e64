#!/bin/sh
# Boots the kernel with `acpidump` on QEMU's pc, q35 and microvm machines
# (microvm twice: bare, and with two virtio-mmio devices)
# (TCG) and saves the ACPI tables it read as tests/data/acpi/<machine>.txt,
# which tests/unit/test_acpi.c replays through acpi_parse().
#
# The kernel does the reading: acpi_init() parses the tables once more
# through boot/bootdump.c's recorder and prints every byte it mapped
# ("bootdump: magic 0 info <RSDP address>", regions, "end"). So a capture
# holds exactly what the parser looked at, at the guest-physical addresses
# the firmware chose, and nothing depends on QEMU internals (fw_cfg
# etc/acpi/tables, the BIOS linker/loader).
#
#   pc, q35:  SeaBIOS builds the tables; -kernel boots minnow.elf through
#             multiboot1, which carries no RSDP: the kernel finds it by the
#             legacy BIOS search (ACPI 6.5 5.2.5.1).
#   microvm:  qboot; `-M microvm,acpi=on` (QEMU 7.2: hardware-reduced FADT,
#             MADT, DSDT behind an XSDT, no HPET/MCFG) booted through PVH
#             (minnow-pvh.elf), whose start_info gives the RSDP address.
#
# Usage: tools/capture-acpi.sh            (after `make`)
#   KERNEL_DIR=dir  where minnow.elf / minnow-pvh.elf are (default build)
#   ACPI_OUT=dir    where the captures go (default tests/data/acpi)
set -eu
kdir=${KERNEL_DIR:-build}
out=${ACPI_OUT:-tests/data/acpi}
mkdir -p "$out"
for f in "$kdir/minnow.elf" "$kdir/minnow-pvh.elf"; do
    [ -f "$f" ] || { echo "capture-acpi: $f missing (run make)" >&2; exit 1; }
done
Q="qemu-system-x86_64 -accel tcg -m 128M -display none -monitor none -no-reboot -serial stdio
   -device isa-debug-exit,iobase=0xf4,iosize=4"
# app=none: end after boot (through qemu_exit) instead of starting the shell.
OPTS="qemu_exit=0xf4 acpidump app=none"
status=0
cap() {
    name=$1; shift
    tmp=$(mktemp)
    # shellcheck disable=SC2086
    timeout 120 "$@" -append "$OPTS" </dev/null 2>&1 | tr -d '\r' > "$tmp" || true
    { echo "# captured by: tools/capture-acpi.sh ($name, $(qemu-system-x86_64 --version | head -n 1))"
      grep -a "^acpi: " "$tmp" | sed 's/^/# /' || true
      grep -a "bootdump: " "$tmp" || true; } > "$out/$name.txt"
    rm -f "$tmp"
    if grep -q "^bootdump: end" "$out/$name.txt"; then
        echo "capture-acpi: $out/$name.txt: $(grep -c "^bootdump: region" "$out/$name.txt") regions"
    else
        echo "capture-acpi: $name: no complete dump (is acpidump wired into the kernel?)" >&2
        status=1
    fi
}
# shellcheck disable=SC2086
cap pc $Q -M pc -kernel "$kdir/minnow.elf"
# shellcheck disable=SC2086
cap q35 $Q -M q35 -kernel "$kdir/minnow.elf"
# shellcheck disable=SC2086
cap microvm $Q -M microvm,acpi=on -kernel "$kdir/minnow-pvh.elf"
# microvm with two virtio-mmio devices: the DSDT then lists them as
# LNRO0005 Devices (hw/i386/acpi-microvm.c), for the AML device reader.
# shellcheck disable=SC2086
cap microvm-virtio $Q -M microvm,acpi=on -kernel "$kdir/minnow-pvh.elf" \
    -netdev user,id=n0 -device virtio-net-device,netdev=n0 \
    -drive if=none,id=d0,file=/dev/null,format=raw,readonly=on -device virtio-blk-device,drive=d0
exit $status
