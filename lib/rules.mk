# lib/: freestanding C library pieces the kernel needs (string functions,
# printf-style formatting). Pure: the host tests build them too.
KSRCS += lib/string.c lib/fmt.c
