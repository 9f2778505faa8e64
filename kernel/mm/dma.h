/* DMA memory: physically contiguous, zeroed, with its bus address.
 * The kernel is identity-mapped and x86 DMA is cache-coherent, so a DMA
 * buffer is ordinary write-back RAM whose virtual address equals its
 * physical one; this API keeps drivers honest about which they mean. */
#pragma once
#include <stddef.h>
#include <stdint.h>

enum {
    DMA_32BIT = 1 << 0,     /* the device can address only the low 4 GiB */
};

/* Allocates size bytes (rounded up to pages, page-aligned) and stores the
 * physical address in *phys. Returns NULL when no such memory is left. */
void *dma_alloc(size_t size, unsigned flags, uint64_t *phys);
void dma_free(void *p);
