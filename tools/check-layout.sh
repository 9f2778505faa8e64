#!/bin/sh
# Checks the invariant the multiboot1 "a.out kludge" relies on (linker.ld):
# the file holds exactly [__kernel_start, __data_end) laid out as in memory
# (file offset 0, the ELF header, at __kernel_start),
# so a loader copying load_addr..load_end_addr from the file gets every
# initialized byte. Fails the build when an orphan section breaks it.
set -eu
elf=$1
sym() { nm "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
data_end=$(($(sym __data_end)))
start=$(($(sym __kernel_start)))
readelf -lW "$elf" | awk '$1 == "LOAD" { print $2, $3, $5 }' | while read -r off vaddr filesz; do
    off=$((off)); vaddr=$((vaddr)); filesz=$((filesz))
    if [ $((vaddr - off)) -ne "$start" ]; then
        echo "check-layout: $elf: segment at $vaddr is not at file offset vaddr-__kernel_start"; exit 1
    fi
    if [ $((vaddr + filesz)) -gt "$data_end" ]; then
        echo "check-layout: $elf: initialized data past __data_end (a.out kludge would drop it)"; exit 1
    fi
done
