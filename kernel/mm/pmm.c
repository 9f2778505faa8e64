/* Physical page allocator: see pmm.h. */
#include "kernel/mm/pmm.h"
#include "kernel/errno.h"
#ifdef HOSTED
#include <string.h>
#else
#include "lib/string.h"
#endif

static uint64_t *used_map, *head_map, *last_map;   /* one bit per page from span_base */
static uint64_t span_base, span_pages;
static size_t free_count, total_count;
static uint64_t search_hint;            /* first page worth looking at */

#define BIT(map, i)  ((map)[(i) >> 6] >> ((i)&63) & 1)
#define SET(map, i)  ((map)[(i) >> 6] |= 1ull << ((i)&63))
#define CLR(map, i)  ((map)[(i) >> 6] &= ~(1ull << ((i)&63)))

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
static uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }

static unsigned popcount64(uint64_t v)
{
    /* SWAR bit count (no POPCNT: the kernel targets baseline x86-64). */
    v = v - ((v >> 1) & 0x5555555555555555ull);
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (unsigned)((v * 0x0101010101010101ull) >> 56);
}

/* Sets (used) or clears the bits of `mask` in used_map word w, keeping
 * free_count right. */
static void mark_word(uint64_t w, uint64_t mask, int used)
{
    uint64_t old = used_map[w];
    uint64_t changed = used ? mask & ~old : mask & old;
    if (used) {
        used_map[w] = old | mask;
        free_count -= popcount64(changed);
    } else {
        used_map[w] = old & ~mask;
        free_count += popcount64(changed);
    }
}

/* Marks pages [first, first+count) of the span free (used=0) or used,
 * a 64-page word at a time: init touches every page of RAM, so this is
 * what makes a large guest's boot cost little. */
static void mark(uint64_t first, uint64_t count, int used)
{
    uint64_t end = first + count < span_pages ? first + count : span_pages;
    while (first < end) {
        uint64_t w = first >> 6, bit = first & 63;
        uint64_t n = 64 - bit < end - first ? 64 - bit : end - first;
        uint64_t mask = n == 64 ? ~0ull : ((1ull << n) - 1) << bit;
        mark_word(w, mask, used);
        first += n;
    }
}

/* Marks the whole pages touched by [base, base+len) used. */
static void reserve(uint64_t base, uint64_t len)
{
    if (len == 0 || base + len < base)
        return;
    uint64_t lo = align_down(base, PAGE_SIZE), hi = align_up(base + len, PAGE_SIZE);
    if (hi <= span_base || lo >= span_base + span_pages * PAGE_SIZE)
        return;
    if (lo < span_base)
        lo = span_base;
    mark((lo - span_base) >> PAGE_SHIFT, (hi - lo) >> PAGE_SHIFT, 1);
}

static int overlaps(uint64_t a, uint64_t alen, const struct pmm_range *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a < r[i].base + r[i].len && r[i].base < a + alen)
            return 1;
    return 0;
}

static int overlaps_unusable(uint64_t a, uint64_t alen, const struct boot_mem_region *map, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (map[i].type != MEM_USABLE && a < map[i].base + map[i].len && map[i].base < a + alen)
            return 1;
    return 0;
}

/* Finds room for the bitmaps: the first page-aligned stretch of usable
 * memory of `bytes`, below 4 GiB (the kernel writes them before its own
 * page tables exist, through the boot code's map of the low 4 GiB), that
 * overlaps no reserved range and no non-usable memory map entry. */
static uint64_t place_bitmaps(const struct boot_mem_region *map, size_t n, uint64_t bytes,
                              const struct pmm_range *res, size_t nres)
{
    for (size_t i = 0; i < n; i++) {
        if (map[i].type != MEM_USABLE)
            continue;
        uint64_t end = align_down(map[i].base + map[i].len, PAGE_SIZE);
        if (end > PMM_EARLY_LIMIT)
            end = PMM_EARLY_LIMIT;
        uint64_t a = align_up(map[i].base, PAGE_SIZE);
        for (a = a ? a : PAGE_SIZE; a + bytes <= end; a += PAGE_SIZE)
            if (!overlaps(a, bytes, res, nres) && !overlaps_unusable(a, bytes, map, n))
                return a;
    }
    return 0;
}

int pmm_init(const struct boot_mem_region *map, size_t n,
             const struct pmm_range *reserved, size_t nres)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (map[i].type != MEM_USABLE || map[i].base + map[i].len < map[i].base)
            continue;
        uint64_t b = align_up(map[i].base, PAGE_SIZE), e = align_down(map[i].base + map[i].len, PAGE_SIZE);
        if (e <= b)
            continue;
        lo = b < lo ? b : lo;
        hi = e > hi ? e : hi;
    }
    if (hi == 0)
        return -ENOMEM;
    span_base = lo;
    span_pages = (hi - lo) >> PAGE_SHIFT;
    uint64_t words = (span_pages + 63) / 64;
    uint64_t bytes = align_up(3 * words * 8, PAGE_SIZE);
    uint64_t at = place_bitmaps(map, n, bytes, reserved, nres);
    if (!at)
        return -ENOMEM;
    used_map = (uint64_t *)(uintptr_t)at;
    head_map = used_map + words;
    last_map = head_map + words;
    /* Everything starts used, each page a run of its own (so a hole or a
     * reserved page never looks like the middle of an allocation), until
     * the memory map proves it usable. mark() counts free pages up from 0. */
    memset(used_map, 0xff, words * 8);
    memset(head_map, 0, words * 8);
    memset(last_map, 0xff, words * 8);
    free_count = 0;
    for (size_t i = 0; i < n; i++) {
        if (map[i].type != MEM_USABLE || map[i].base + map[i].len < map[i].base)
            continue;
        uint64_t b = align_up(map[i].base, PAGE_SIZE), e = align_down(map[i].base + map[i].len, PAGE_SIZE);
        if (e > b)
            mark((b - span_base) >> PAGE_SHIFT, (e - b) >> PAGE_SHIFT, 0);
    }
    /* Memory map entries that overlap a usable one win over it. */
    for (size_t i = 0; i < n; i++)
        if (map[i].type != MEM_USABLE)
            reserve(map[i].base, map[i].len);
    total_count = free_count;
    for (size_t i = 0; i < nres; i++)
        reserve(reserved[i].base, reserved[i].len);
    reserve(at, bytes);
    search_hint = 0;
    return 0;
}

/* True when pages [i, i+count) are all free. On failure *skip is the index
 * of the last used page seen, so the search can jump past it. */
static int run_free(uint64_t i, uint64_t count, uint64_t *skip)
{
    for (uint64_t j = i + count; j-- > i;) {
        if (BIT(used_map, j)) {
            *skip = j;
            return 0;
        }
    }
    return 1;
}

uint64_t pmm_alloc(size_t npages, size_t align_pages, unsigned flags)
{
    if (npages == 0 || npages > span_pages || npages > free_count)
        return 0;
    if (align_pages == 0)
        align_pages = 1;
    if (align_pages & (align_pages - 1))
        return 0;
    uint64_t limit = span_pages;
    if (flags & PMM_BELOW_4G) {
        if (span_base >= (1ull << 32))
            return 0;
        uint64_t max = ((1ull << 32) - span_base) >> PAGE_SHIFT;
        limit = max < limit ? max : limit;
    }
    uint64_t base_pfn = span_base >> PAGE_SHIFT;
    uint64_t start = npages == 1 && align_pages == 1 ? search_hint : 0;
    for (uint64_t i = start; i + npages <= limit;) {
        /* Skip whole words of used pages quickly. */
        if ((i & 63) == 0 && used_map[i >> 6] == ~0ull) {
            i += 64;
            continue;
        }
        uint64_t pfn = base_pfn + i;
        if (pfn & (align_pages - 1)) {
            i += align_pages - (pfn & (align_pages - 1));
            continue;
        }
        uint64_t skip;
        if (!run_free(i, npages, &skip)) {
            i = skip + 1;
            continue;
        }
        mark(i, npages, 1);
        for (uint64_t j = i; j + 1 < i + npages; j++)
            CLR(last_map, j);
        SET(last_map, i + npages - 1);
        SET(head_map, i);
        if (npages == 1 && align_pages == 1)
            search_hint = i + 1;
        uint64_t phys = span_base + (i << PAGE_SHIFT);
        if (flags & PMM_ZERO)
            memset((void *)(uintptr_t)phys, 0, npages * PAGE_SIZE);
        return phys;
    }
    return 0;
}

int pmm_free(uint64_t phys)
{
    if (phys < span_base || (phys & (PAGE_SIZE - 1)))
        return -EINVAL;
    uint64_t i = (phys - span_base) >> PAGE_SHIFT;
    if (i >= span_pages || !BIT(used_map, i) || !BIT(head_map, i))
        return -EINVAL;     /* free, reserved, or not the start of a run */
    CLR(head_map, i);
    uint64_t j = i;
    while (j < span_pages && BIT(used_map, j) && !BIT(last_map, j))
        j++;
    if (j >= span_pages || !BIT(used_map, j))
        return -EINVAL;
    mark(i, j - i + 1, 0);
    if (i < search_hint)
        search_hint = i;
    return 0;
}

size_t pmm_free_pages(void) { return free_count; }
size_t pmm_total_pages(void) { return total_count; }
uint64_t pmm_span_end(void) { return span_base + span_pages * PAGE_SIZE; }
