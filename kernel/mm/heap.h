/* Kernel heap.
 *
 * Small blocks (up to 2 KiB) come from slab pages of one power-of-two size
 * class each; the page's first block(s) hold its header, so every block of
 * size S sits at a multiple of S: alignment up to the class size is free.
 * Larger or more-aligned requests take whole pages from the page allocator.
 * kfree() tells the two apart by the page offset (slab blocks are never at
 * offset 0). Empty slab pages go back to the page allocator. */
#pragma once
#include <stddef.h>

/* Starts empty; pages come from the page allocator as needed. */
void heap_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *kmalloc_aligned(size_t size, size_t align);   /* align: power of two */
void kfree(void *p);

/* Statistics for the shell and the leak tests. */
struct heap_stats {
    size_t slab_pages;      /* pages currently held by slabs */
    size_t large_allocs;    /* live page-backed allocations */
    size_t live_blocks;     /* live slab blocks */
};
void heap_get_stats(struct heap_stats *st);

/* Called on a bad kfree (stray pointer, double free). The kernel panics;
 * host tests record it. */
void heap_corruption(const char *what, const void *p);
