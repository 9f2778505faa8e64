/* What the symbol-table tests share: the table tools/mksyms.py --list makes
 * for them (its functions' offsets and names, NUL-separated, in the same
 * order) and the stand-in text region it is looked up over. */
#pragma once
#include <stdint.h>

extern char __text_start[], __text_end[];
extern const uint64_t ksyms_test_count;
extern const uint64_t ksyms_test_offsets[];
extern const char ksyms_test_names[];

/* The address of a text offset. */
static inline uint64_t at(uint64_t off)
{
    return (uint64_t)(uintptr_t)__text_start + off;
}
