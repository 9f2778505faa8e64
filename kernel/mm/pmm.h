/* Physical page allocator.
 *
 * Three bitmaps over the span of usable RAM: `used` (allocated, reserved or
 * not RAM), `head` (this page starts an allocation run) and `last` (this
 * page ends a run), so that pmm_free() needs no size and can check it was
 * handed the start of a live allocation, not a reserved page, a hole, the
 * middle of a run or a page already freed.
 * Pure logic: the host tests run it over an arena whose host addresses play
 * the physical ones (the kernel is identity-mapped, so the same holds). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "boot/bootinfo.h"

#define PAGE_SIZE  4096u
/* What boot/entry.S maps before the kernel's page tables: the bitmaps and
 * the first page-table pages must lie below this. */
#ifndef HOSTED
#define PMM_EARLY_LIMIT (1ull << 32)
#else
#define PMM_EARLY_LIMIT UINT64_MAX      /* host tests: arenas live anywhere */
#endif
#define PAGE_SHIFT 12

struct pmm_range {
    uint64_t base, len;
};

enum {
    PMM_ZERO     = 1 << 0,   /* clear the pages */
    PMM_BELOW_4G = 1 << 1,   /* for devices with 32-bit DMA addresses */
};

/* Builds the allocator from the loader's memory map. Usable pages are those
 * in MEM_USABLE regions, minus `reserved` (kernel image, modules, ...). The
 * bitmaps are placed in usable memory and reserved too. */
int pmm_init(const struct boot_mem_region *map, size_t n,
             const struct pmm_range *reserved, size_t nres);

/* Allocates npages contiguous pages aligned to align_pages (a power of two,
 * 0 or 1 for none). Returns the physical address, or 0 when out of memory. */
uint64_t pmm_alloc(size_t npages, size_t align_pages, unsigned flags);
static inline uint64_t pmm_alloc_page(void) { return pmm_alloc(1, 1, 0); }

/* Frees the run that starts at phys. Returns 0, or -EINVAL for an address
 * that is not the start of an allocated run (double free, stray pointer). */
int pmm_free(uint64_t phys);

size_t pmm_free_pages(void);
size_t pmm_total_pages(void);     /* usable pages at init, including reserved ones */
uint64_t pmm_span_end(void);      /* end of the highest usable page */
