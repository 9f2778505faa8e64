/* Symbol lookup over the table tools/mksyms.sh generates: a sorted array of
 * (address, name offset) pairs and a string blob, in section .ksyms. */
#include "kernel/arch/ksyms.h"
#include <stddef.h>

struct ksym {
    uint32_t addr;      /* offset from __text_start: the kernel text is < 4 GiB */
    uint32_t name;      /* offset into ksyms_names */
};
_Static_assert(sizeof(struct ksym) == 8, "ksym entries are 8 bytes (mksyms.sh)");

/* Weak empty table for the first link pass. */
extern const struct ksym ksyms_table[] __attribute__((weak));
extern const uint64_t ksyms_count __attribute__((weak));
extern const char ksyms_names[] __attribute__((weak));
extern char __text_start[], __text_end[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
    if (!&ksyms_count || !ksyms_count || addr < (uint64_t)(uintptr_t)__text_start ||
        addr >= (uint64_t)(uintptr_t)__text_end)
        return NULL;
    uint64_t rel = addr - (uint64_t)(uintptr_t)__text_start;
    size_t lo = 0, hi = ksyms_count;     /* last entry with addr <= target */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ksyms_table[mid].addr <= rel)
            lo = mid;
        else
            hi = mid;
    }
    if (ksyms_table[lo].addr > rel)
        return NULL;
    *offset = rel - ksyms_table[lo].addr;
    return ksyms_names + ksyms_table[lo].name;
}
