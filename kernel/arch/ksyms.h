/* The kernel's own symbol table, embedded at build time by tools/mksyms.py
 * (a second link pass), so that backtraces name functions on any loader. */
#pragma once
#include <stdint.h>

/* Name of the function containing addr and the offset into it; NULL when
 * addr is outside the kernel text. The name stays valid until the next call. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);
