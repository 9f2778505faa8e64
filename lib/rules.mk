# lib/: freestanding C library pieces the kernel needs.
KSRCS += lib/string.c
