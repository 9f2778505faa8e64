/* Memory self-test: the page allocator, heap and DMA allocator on the real
 * machine's memory map, checking that everything given back is returned
 * (free pages before == after) and that allocations never overlap. */
#include "kernel/core/selftest.h"
#include "kernel/mm/dma.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/pmm.h"
#include "lib/string.h"
#include <stdint.h>

#define ROUNDS 2000

static int check(bool ok, const char *what)
{
    if (!ok)
        kprintf("selftest: memory: %s\n", what);
    return ok ? 0 : -EFAULT;
}

static int heap_rounds(void)
{
    static void *p[256];
    static size_t sz[256];
    uint32_t seed = 0x1234567;
    for (int r = 0; r < ROUNDS; r++) {
        int i = r % 256;
        kfree(p[i]);
        seed = seed * 1103515245u + 12345u;
        sz[i] = 1 + (seed >> 8) % 6000;
        p[i] = kmalloc_aligned(sz[i], 1u << ((seed >> 4) % 8));
        if (!p[i])
            return check(false, "kmalloc failed");
        memset(p[i], i, sz[i]);
    }
    for (int i = 0; i < 256; i++) {
        for (size_t j = 0; j < sz[i]; j++)
            if (((uint8_t *)p[i])[j] != (uint8_t)i)
                return check(false, "heap blocks overlap");
        kfree(p[i]);
        p[i] = NULL;
    }
    return 0;
}

SELFTEST(memory, "page allocator, heap and DMA allocator: no overlap, no leak")
{
    struct heap_stats st;
    heap_get_stats(&st);
    size_t before = pmm_free_pages() + st.slab_pages;      /* cached slab pages count as free */
    size_t blocks0 = st.live_blocks, large0 = st.large_allocs; /* the rest of the kernel's */
    uint64_t phys;
    uint8_t *d = dma_alloc(3 * PAGE_SIZE + 1, DMA_32BIT, &phys);
    int err = check(d && phys == (uintptr_t)d && phys + 4 * PAGE_SIZE <= (1ull << 32) && !(phys & 0xFFF),
                    "dma_alloc below 4 GiB");
    for (size_t i = 0; !err && i < 4 * PAGE_SIZE; i++)
        err = check(d[i] == 0, "dma memory not zeroed");
    dma_free(d);
    if (!err)
        err = heap_rounds();
    heap_get_stats(&st);
    size_t after = pmm_free_pages() + st.slab_pages;
    kprintf("selftest: memory: free pages before %zu, after %zu (+%zu cached slab pages)\n", before,
            pmm_free_pages(), st.slab_pages);
    if (!err)
        err = check(after == before && st.live_blocks == blocks0 && st.large_allocs == large0, "pages leaked");
    return err;
}
