/* Page-table builder: see pt.h. */
#include "kernel/mm/pt.h"
#include "kernel/errno.h"

#define LEVELS 4
static const unsigned level_shift[LEVELS] = { 39, 30, 21, 12 };  /* PML4, PDPT, PD, PT */

static uint64_t *table(const struct pt_ctx *pt, uint64_t phys)
{
    return (uint64_t *)pt->to_virt(pt->arg, phys & PTE_ADDR);
}

static unsigned idx(uint64_t va, int level) { return (va >> level_shift[level]) & 511; }

/* The leaf bits for a mapping; `large` selects where PAT would live (we
 * only use PWT/PCD, whose position is the same at every level). */
static uint64_t leaf_bits(const struct pt_ctx *pt, unsigned map, bool large)
{
    uint64_t e = PTE_P | PTE_A;
    if (map & MAP_WRITE)
        e |= PTE_W | PTE_D;
    if (!(map & MAP_EXEC) && pt->nx)
        e |= PTE_NX;
    if (map & MAP_UC)
        e |= PTE_PCD | PTE_PWT;      /* PAT index 3: UC */
    else if (map & MAP_WC)
        e |= PTE_PWT;                /* PAT index 1: WC (vmm.c programs PAT) */
    if (large)
        e |= PTE_PS;
    return e;
}

/* Replaces the large page in *entry (at `level`, 1 = 1 GiB, 2 = 2 MiB) by
 * a table of 512 smaller pages with the same attributes. */
static int split(struct pt_ctx *pt, uint64_t *entry, int level)
{
    uint64_t t = pt->alloc_table(pt->arg);
    if (!t)
        return -ENOMEM;
    pt->tables++;
    uint64_t *child = table(pt, t);
    uint64_t old = *entry, step = 1ull << level_shift[level + 1];
    uint64_t attrs = old & ~PTE_ADDR;
    if (level + 1 == LEVELS - 1)
        attrs &= ~PTE_PS;            /* 4 KiB entries have no PS bit */
    for (unsigned i = 0; i < 512; i++)
        child[i] = ((old & PTE_ADDR) + i * step) | attrs;
    /* Upper-level entries are permissive; the leaves decide. */
    *entry = t | PTE_P | PTE_W;
    return 0;
}

/* Returns the table one level below *entry, creating or splitting as needed. */
static uint64_t *descend(struct pt_ctx *pt, uint64_t *entry, int level)
{
    if (!(*entry & PTE_P)) {
        uint64_t t = pt->alloc_table(pt->arg);
        if (!t)
            return 0;
        pt->tables++;
        *entry = t | PTE_P | PTE_W;
    } else if (*entry & PTE_PS) {
        if (split(pt, entry, level) != 0)
            return 0;
    }
    return table(pt, *entry);
}

static bool fits(uint64_t va, uint64_t pa, uint64_t len, int level)
{
    uint64_t size = 1ull << level_shift[level];
    return ((va | pa) & (size - 1)) == 0 && len >= size;
}

static bool is_table(uint64_t e, int level)
{
    return (e & PTE_P) && !(e & PTE_PS) && level < LEVELS - 1;
}

/* Maps from va at the largest level that fits, filling consecutive entries
 * of the same table while they fit (one walk per table, not per page).
 * Returns the bytes mapped. */
static int64_t map_one(struct pt_ctx *pt, uint64_t va, uint64_t pa, uint64_t len, unsigned map)
{
    uint64_t *t = table(pt, pt->root);
    for (int level = 0; level < LEVELS; level++) {
        uint64_t *e = &t[idx(va, level)];
        bool leaf_ok = level == LEVELS - 1 || level == 2 || (level == 1 && pt->huge_1g);
        /* An existing table keeps its finer mappings: go down into it. */
        if (leaf_ok && fits(va, pa, len, level) && !is_table(*e, level)) {
            uint64_t size = 1ull << level_shift[level], done = 0;
            uint64_t bits = leaf_bits(pt, map, level < LEVELS - 1);
            for (unsigned i = idx(va, level); i < 512 && len - done >= size && !is_table(t[i], level);
                 i++, done += size)
                t[i] = ((pa + done) & PTE_ADDR) | bits;
            return (int64_t)done;
        }
        t = descend(pt, e, level);
        if (!t)
            return -ENOMEM;
    }
    return -EINVAL;
}

static bool range_ok(uint64_t va, uint64_t len)
{
    return ((va | len) & 0xFFF) == 0 && va + len >= va && va + len <= (1ull << 47);
}

int pt_map(struct pt_ctx *pt, uint64_t va, uint64_t pa, uint64_t len, unsigned map)
{
    if (!range_ok(va, len) || (pa & 0xFFF) || pa + len < pa)
        return -EINVAL;
    while (len) {
        int64_t done = map_one(pt, va, pa, len, map);
        if (done < 0)
            return (int)done;
        va += (uint64_t)done, pa += (uint64_t)done, len -= (uint64_t)done;
    }
    return 0;
}

/* Unmaps from va, at most len bytes; returns how many it covered. */
static int64_t unmap_one(struct pt_ctx *pt, uint64_t va, uint64_t len, bool guard)
{
    uint64_t *t = table(pt, pt->root);
    for (int level = 0; level < LEVELS; level++) {
        uint64_t *e = &t[idx(va, level)];
        uint64_t size = 1ull << level_shift[level];
        bool whole = (va & (size - 1)) == 0 && len >= size;
        if (level == LEVELS - 1) {
            *e = guard ? PTE_GUARD : 0;
            return (int64_t)size;
        }
        if (whole && !guard && !is_table(*e, level)) {  /* a large page or a hole */
            *e = 0;
            return (int64_t)size;
        }
        if (!(*e & PTE_P) && !guard) {  /* a hole already: skip to its end */
            uint64_t left = size - (va & (size - 1));
            return (int64_t)(left < len ? left : len);
        }
        t = descend(pt, e, level);
        if (!t)
            return -ENOMEM;
    }
    return -EINVAL;
}

int pt_unmap(struct pt_ctx *pt, uint64_t va, uint64_t len, bool guard)
{
    if (!range_ok(va, len))
        return -EINVAL;
    while (len) {
        int64_t done = unmap_one(pt, va, len, guard);
        if (done < 0)
            return (int)done;
        va += (uint64_t)done, len -= (uint64_t)done;
    }
    return 0;
}

uint64_t pt_lookup(const struct pt_ctx *pt, uint64_t va, uint64_t *size)
{
    const uint64_t *t = table(pt, pt->root);
    *size = 0;
    for (int level = 0; level < LEVELS; level++) {
        uint64_t e = t[idx(va, level)];
        if (level == LEVELS - 1 || !(e & PTE_P) || (e & PTE_PS)) {
            if (e & PTE_P)
                *size = 1ull << level_shift[level];
            return e;
        }
        t = table(pt, e);
    }
    return 0;
}
