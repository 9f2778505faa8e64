# boot/: loader headers, 32->64-bit entry, boot-information parsers.
# boot/mb1hdr.S is linked into build/minnow.elf only (see Makefile).
KSRCS += boot/headers.S boot/entry.S boot/bootinfo.c boot/bootdump.c
