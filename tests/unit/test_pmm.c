/* Page allocator tests: a fake memory map over a host arena whose host
 * addresses stand in for physical ones (the kernel is identity-mapped). */
#include "tests/unit/test.h"
#include "kernel/errno.h"
#include "kernel/mm/pmm.h"

#define ARENA_PAGES 1024
static uint8_t *arena;

__attribute__((constructor)) static void make_arena(void)
{
    arena = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
}

static uint64_t A(size_t page) { return (uint64_t)(uintptr_t)arena + page * PAGE_SIZE; }

static void setup(const struct boot_mem_region *map, size_t n, const struct pmm_range *res, size_t nres)
{
    memset(arena, 0xAA, ARENA_PAGES * PAGE_SIZE);
    CHECK_EQ(pmm_init(map, n, res, nres), 0);
}

static void setup_simple(void)
{
    struct boot_mem_region map[] = { { A(0), ARENA_PAGES * PAGE_SIZE, MEM_USABLE } };
    setup(map, 1, NULL, 0);
}

TEST(counts_exclude_bitmap_and_reserved)
{
    struct boot_mem_region map[] = { { A(0), ARENA_PAGES * PAGE_SIZE, MEM_USABLE } };
    struct pmm_range res[] = { { A(10), 5 * PAGE_SIZE } };
    setup(map, 1, res, 1);
    CHECK_EQ(pmm_total_pages(), ARENA_PAGES);
    /* 1024 pages: two 16-word bitmaps = 256 bytes -> one page. */
    CHECK_EQ(pmm_free_pages(), ARENA_PAGES - 5 - 1);
}

TEST(never_hands_out_reserved_or_holes)
{
    struct boot_mem_region map[] = {
        { A(0), 100 * PAGE_SIZE, MEM_USABLE },
        { A(200), 100 * PAGE_SIZE, MEM_USABLE },
        { A(250), 10 * PAGE_SIZE, MEM_RESERVED },      /* overlaps usable: reserved wins */
    };
    struct pmm_range res[] = { { A(50) + 7, 10 } };      /* unaligned: whole page reserved */
    setup(map, 3, res, 1);
    uint64_t p;
    size_t got = 0;
    while ((p = pmm_alloc(1, 1, 0)) != 0) {
        size_t pg = (p - A(0)) / PAGE_SIZE;
        CHECK(pg < 100 || pg >= 200);
        CHECK(pg < 250 || pg >= 260);
        CHECK(pg != 50);
        got++;
    }
    CHECK_EQ(got, 100 + 100 - 10 - 1 - 1);
    CHECK_EQ(pmm_free_pages(), 0);
}

TEST(contiguous_and_aligned_runs)
{
    setup_simple();
    uint64_t a = pmm_alloc(3, 1, 0);
    uint64_t b = pmm_alloc(16, 16, 0);
    REQUIRE(a && b);
    CHECK_EQ((b >> PAGE_SHIFT) % 16, 0);
    CHECK(b >= a + 3 * PAGE_SIZE || b + 16 * PAGE_SIZE <= a);
    CHECK_EQ(pmm_alloc(1, 3, 0), 0);                 /* not a power of two */
    CHECK_EQ(pmm_alloc(0, 1, 0), 0);
    CHECK_EQ(pmm_alloc(ARENA_PAGES + 1, 1, 0), 0);
}

TEST(free_whole_run_without_size)
{
    setup_simple();
    size_t before = pmm_free_pages();
    uint64_t a = pmm_alloc(5, 1, 0), b = pmm_alloc(2, 1, 0);
    REQUIRE(a && b);
    CHECK_EQ(pmm_free_pages(), before - 7);
    CHECK_EQ(pmm_free(a), 0);
    CHECK_EQ(pmm_free_pages(), before - 2);
    CHECK_EQ(pmm_free(b), 0);
    CHECK_EQ(pmm_free_pages(), before);
}

TEST(bad_frees_rejected)
{
    setup_simple();
    uint64_t a = pmm_alloc(4, 1, 0);
    REQUIRE(a);
    size_t before = pmm_free_pages();
    CHECK_EQ(pmm_free(a + PAGE_SIZE), -EINVAL);      /* middle of a run */
    CHECK_EQ(pmm_free(a + 1), -EINVAL);              /* unaligned */
    CHECK_EQ(pmm_free(A(ARENA_PAGES + 5)), -EINVAL); /* outside */
    CHECK_EQ(pmm_free(a), 0);
    CHECK_EQ(pmm_free(a), -EINVAL);                  /* double free */
    CHECK_EQ(pmm_free_pages(), before + 4);
}

TEST(zeroing)
{
    setup_simple();
    uint64_t a = pmm_alloc(2, 1, PMM_ZERO);
    REQUIRE(a);
    for (size_t i = 0; i < 2 * PAGE_SIZE; i++)
        if (((uint8_t *)(uintptr_t)a)[i]) {
            CHECK(!"page not zeroed");
            break;
        }
}

TEST(no_usable_memory)
{
    struct boot_mem_region map[] = { { A(0), 100 * PAGE_SIZE, MEM_RESERVED },
                                     { A(0) + 1, 100, MEM_USABLE } };   /* less than a page */
    CHECK_EQ(pmm_init(map, 2, NULL, 0), -ENOMEM);
}

TEST(fragmentation_stress)
{
    setup_simple();
    size_t before = pmm_free_pages();
    uint64_t runs[200];
    unsigned seed = 12345;
    for (int i = 0; i < 200; i++) {
        seed = seed * 1103515245 + 12345;
        runs[i] = pmm_alloc(1 + (seed >> 16) % 7, 1, 0);
        REQUIRE(runs[i]);
    }
    for (int i = 0; i < 200; i += 2)
        CHECK_EQ(pmm_free(runs[i]), 0);
    uint64_t big = pmm_alloc(64, 1, 0);               /* from the untouched tail */
    CHECK(big != 0);
    CHECK_EQ(pmm_free(big), 0);
    for (int i = 1; i < 200; i += 2)
        CHECK_EQ(pmm_free(runs[i]), 0);
    CHECK_EQ(pmm_free_pages(), before);
    CHECK(pmm_alloc(before, 1, 0) != 0);             /* everything coalesced */
}

TEST(reserved_pages_and_holes_cannot_be_freed)
{
    struct boot_mem_region map[] = {
        { A(0), 100 * PAGE_SIZE, MEM_USABLE },
        { A(120), 100 * PAGE_SIZE, MEM_USABLE },     /* hole: pages 100..119 */
    };
    struct pmm_range res[] = { { A(10), 2 * PAGE_SIZE } };
    setup(map, 2, res, 1);
    size_t before = pmm_free_pages();
    CHECK_EQ(pmm_free(A(10)), -EINVAL);              /* reserved */
    CHECK_EQ(pmm_free(A(11)), -EINVAL);
    CHECK_EQ(pmm_free(A(105)), -EINVAL);             /* hole */
    CHECK_EQ(pmm_free(A(50)), -EINVAL);              /* free page */
    CHECK_EQ(pmm_free_pages(), before);
    /* A run right after the hole frees exactly itself. */
    uint64_t p;
    while ((p = pmm_alloc(1, 1, 0)) != 0 && p != A(120))
        ;
    REQUIRE(p == A(120));
    size_t f = pmm_free_pages();
    CHECK_EQ(pmm_free(A(120)), 0);
    CHECK_EQ(pmm_free_pages(), f + 1);
}
