#!/bin/sh
# Boots the kernel with `bootdump` under each loader and saves what it
# prints about the loader's structures as tests/data/bootinfo/*.txt, which
# tests/unit/test_bootinfo.c replays (make capture-bootinfo).
set -eu
out=tests/data/bootinfo
mkdir -p "$out"
Q="qemu-system-x86_64 -accel tcg -m 128M -display none -monitor none -no-reboot -serial stdio
   -device isa-debug-exit,iobase=0xf4,iosize=4"
OPTS="qemu_exit=0xf4 bootdump"
cap() {
    name=$1; shift
    { echo "# captured by: make capture-bootinfo ($name)"
      timeout 120 "$@" </dev/null | grep -a "bootdump: " | tr -d '\r' || true; } > "$out/$name.txt"
    echo "capture-bootinfo: $out/$name.txt: $(grep -c region "$out/$name.txt") regions"
}
# shellcheck disable=SC2086
cap multiboot1-qemu-pc $Q -M pc -kernel build/minnow.elf -append "$OPTS"
cap pvh-qemu-microvm $Q -M microvm -kernel build/minnow-pvh.elf -append "$OPTS"
cap pvh-qemu-q35 $Q -M q35 -kernel build/minnow-pvh.elf -append "$OPTS"
cap multiboot2-grub-seabios $Q -M pc -cdrom build/minnow.iso -fw_cfg "name=opt/minnow/cmdline,string=$OPTS"
vars=$(mktemp)
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$vars"
cap multiboot2-grub-ovmf $Q -M q35 -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
    -drive "if=pflash,format=raw,file=$vars" -cdrom build/minnow.iso -fw_cfg "name=opt/minnow/cmdline,string=$OPTS"
rm -f "$vars"
