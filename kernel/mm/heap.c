/* Kernel heap: see heap.h. */
#include "kernel/mm/heap.h"
#include "kernel/mm/pmm.h"
#include <stdbool.h>
#include <stdint.h>
#ifdef HOSTED
#include <string.h>
#else
#include "lib/string.h"
#endif

#define SLAB_MAGIC   0x51AB51ABu
#define FREE_MAGIC   0xF4EEB10CF4EEB10Cull   /* in a free block, after the link */
#define MIN_SHIFT    4                       /* 16-byte blocks */
#define MAX_SHIFT    11                      /* 2 KiB blocks */
#define NCLASSES     (MAX_SHIFT - MIN_SHIFT + 1)

struct slab {                   /* lives in block 0 (and 1 for 16-byte blocks) */
    uint32_t magic;
    uint16_t shift;             /* block size = 1 << shift */
    uint16_t nfree;
    struct free_block *free;
    struct slab *next, *prev;   /* the class's pages with free blocks */
};
_Static_assert(sizeof(struct slab) == 32, "slab header is 32 bytes");

struct free_block {
    struct free_block *next;
    uint64_t magic;             /* FREE_MAGIC: catches double frees */
};

static struct slab *partial[NCLASSES];
static struct heap_stats stats;

static unsigned first_block(unsigned shift)
{
    unsigned size = 1u << shift;
    return size >= sizeof(struct slab) ? 1 : sizeof(struct slab) / size;
}

static unsigned blocks_per_page(unsigned shift) { return PAGE_SIZE >> shift; }

static void list_remove(struct slab **head, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void list_push(struct slab **head, struct slab *s)
{
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

static struct slab *slab_new(unsigned shift)
{
    uint64_t page = pmm_alloc_page();
    if (!page)
        return NULL;
    struct slab *s = (struct slab *)(uintptr_t)page;
    s->magic = SLAB_MAGIC;
    s->shift = (uint16_t)shift;
    s->free = NULL;
    unsigned n = blocks_per_page(shift);
    for (unsigned i = n; i-- > first_block(shift);) {
        struct free_block *b = (struct free_block *)((char *)s + ((size_t)i << shift));
        b->next = s->free;
        b->magic = FREE_MAGIC;
        s->free = b;
    }
    s->nfree = (uint16_t)(n - first_block(shift));
    stats.slab_pages++;
    return s;
}

static void *slab_alloc(unsigned shift)
{
    struct slab **head = &partial[shift - MIN_SHIFT];
    if (!*head) {
        struct slab *s = slab_new(shift);
        if (!s)
            return NULL;
        list_push(head, s);
    }
    struct slab *s = *head;
    struct free_block *b = s->free;
    s->free = b->next;
    b->magic = 0;
    if (--s->nfree == 0)
        list_remove(head, s);
    stats.live_blocks++;
    return b;
}

static bool on_free_list(const struct slab *s, const struct free_block *b)
{
    unsigned n = 0;
    for (const struct free_block *f = s->free; f && n < PAGE_SIZE / 16; f = f->next, n++)
        if (f == b)
            return true;
    return false;
}

static void slab_free(struct slab *s, void *p)
{
    unsigned shift = s->shift;
    uintptr_t off = (uintptr_t)p & (PAGE_SIZE - 1);
    if (shift < MIN_SHIFT || shift > MAX_SHIFT || (off & ((1u << shift) - 1)) ||
        (off >> shift) < first_block(shift)) {
        heap_corruption("kfree of a pointer inside a block", p);
        return;
    }
    struct free_block *b = p;
    if (b->magic == FREE_MAGIC && on_free_list(s, b)) {   /* the magic alone could be user data */
        heap_corruption("double kfree", p);
        return;
    }
    struct slab **head = &partial[shift - MIN_SHIFT];
    b->magic = FREE_MAGIC;
    b->next = s->free;
    s->free = b;
    stats.live_blocks--;
    if (s->nfree++ == 0)
        list_push(head, s);
    /* Give an empty page back, unless it is the only one on the class's
     * partial list (a cache against alloc/free ping-pong). */
    if (s->nfree == blocks_per_page(shift) - first_block(shift) && (s->next || s->prev)) {
        list_remove(head, s);
        s->magic = 0;
        stats.slab_pages--;
        pmm_free((uint64_t)(uintptr_t)s);
    }
}

void *kmalloc_aligned(size_t size, size_t align)
{
    if (align == 0)
        align = 1;
    if (align & (align - 1))
        return NULL;
    if (size == 0)
        size = 1;
    if (size < align)
        size = align;
    if (size <= (1u << MAX_SHIFT)) {
        unsigned shift = MIN_SHIFT;
        while ((1u << shift) < size)
            shift++;
        return slab_alloc(shift);
    }
    if (size > ((size_t)1 << 40))
        return NULL;
    size_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    size_t align_pages = align > PAGE_SIZE ? align / PAGE_SIZE : 1;
    uint64_t p = pmm_alloc(pages, align_pages, 0);
    if (!p)
        return NULL;
    stats.large_allocs++;
    return (void *)(uintptr_t)p;
}

void *kmalloc(size_t size) { return kmalloc_aligned(size, 1); }

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    uintptr_t a = (uintptr_t)p;
    if ((a & (PAGE_SIZE - 1)) == 0) {
        /* NOTE: a page-aligned run the heap did not hand out (a DMA buffer,
         * a page table) is not told apart here: pmm keeps no owner. */
        if (pmm_free(a) != 0)
            heap_corruption("kfree of a page that is not a live allocation", p);
        else
            stats.large_allocs--;
        return;
    }
    struct slab *s = (struct slab *)(a & ~(uintptr_t)(PAGE_SIZE - 1));
    if (s->magic != SLAB_MAGIC) {
        heap_corruption("kfree of a pointer the heap did not hand out", p);
        return;
    }
    slab_free(s, p);
}

void heap_init(void)
{
    for (int i = 0; i < NCLASSES; i++)
        partial[i] = NULL;
    stats = (struct heap_stats){ 0 };
}

void heap_get_stats(struct heap_stats *st) { *st = stats; }
