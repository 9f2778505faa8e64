/* DMA allocator: see dma.h. */
#include "kernel/mm/dma.h"
#include "kernel/mm/pmm.h"
#include "kernel/console/kprintf.h"

void *dma_alloc(size_t size, unsigned flags, uint64_t *phys)
{
    if (size == 0 || size > ((size_t)1 << 40))
        return NULL;
    size_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t p = pmm_alloc(pages, 1, PMM_ZERO | (flags & DMA_32BIT ? PMM_BELOW_4G : 0));
    if (!p)
        return NULL;
    if (phys)
        *phys = p;
    return (void *)(uintptr_t)p;
}

void dma_free(void *p)
{
    if (p && pmm_free((uint64_t)(uintptr_t)p) != 0)
        pr_err("dma: free of %p, which is not a DMA allocation\n", p);
}
