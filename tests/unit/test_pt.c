/* Page-table builder tests: tables come from the page allocator on a host
 * arena; lookups check the entries the CPU would walk. */
#include "tests/unit/test.h"
#include "kernel/errno.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/pt.h"

#define ARENA_PAGES 512
static uint8_t *arena;
static int fail_after = -1;

static uint64_t alloc_table(void *arg)
{
    (void)arg;
    if (fail_after == 0)
        return 0;
    if (fail_after > 0)
        fail_after--;
    return pmm_alloc(1, 1, PMM_ZERO);
}

static void *to_virt(void *arg, uint64_t phys) { (void)arg; return (void *)(uintptr_t)phys; }

static struct pt_ctx setup(bool huge_1g)
{
    if (!arena)
        arena = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
    struct boot_mem_region map[] = { { (uintptr_t)arena, ARENA_PAGES * PAGE_SIZE, MEM_USABLE } };
    pmm_init(map, 1, NULL, 0);
    fail_after = -1;
    struct pt_ctx pt = { .nx = true, .huge_1g = huge_1g, .alloc_table = alloc_table, .to_virt = to_virt };
    pt.root = alloc_table(NULL);
    return pt;
}

#define MiB (1ull << 20)
#define GiB (1ull << 30)

TEST(large_pages_where_aligned)
{
    struct pt_ctx pt = setup(false);
    CHECK_EQ(pt_map(&pt, 0, 0, 8 * MiB, MAP_WRITE), 0);
    uint64_t size, e = pt_lookup(&pt, 3 * MiB, &size);
    CHECK_EQ(size, 2 * MiB);
    CHECK(e & PTE_PS);
    CHECK(e & PTE_W);
    CHECK(e & PTE_NX);
    CHECK_EQ(e & PTE_ADDR, 2 * MiB);
    /* 1 GiB pages only when the CPU has them. */
    CHECK_EQ(pt_map(&pt, 4 * GiB, 4 * GiB, GiB, MAP_WRITE), 0);
    pt_lookup(&pt, 4 * GiB + 5, &size);
    CHECK_EQ(size, 2 * MiB);
    struct pt_ctx pt1 = setup(true);
    CHECK_EQ(pt_map(&pt1, 4 * GiB, 4 * GiB, GiB, MAP_WRITE), 0);
    pt_lookup(&pt1, 4 * GiB + 5, &size);
    CHECK_EQ(size, GiB);
}

TEST(split_keeps_neighbours)
{
    struct pt_ctx pt = setup(false);
    CHECK_EQ(pt_map(&pt, 0, 0, 4 * MiB, MAP_WRITE), 0);
    /* Remap one 4 KiB page read-only + executable inside the first 2 MiB. */
    CHECK_EQ(pt_map(&pt, 1 * MiB, 1 * MiB, 4096, MAP_EXEC), 0);
    uint64_t size, e = pt_lookup(&pt, 1 * MiB, &size);
    CHECK_EQ(size, 4096);
    CHECK(!(e & PTE_W));
    CHECK(!(e & PTE_NX));
    e = pt_lookup(&pt, 1 * MiB + 4096, &size);        /* neighbour unchanged */
    CHECK_EQ(size, 4096);
    CHECK(e & PTE_W);
    CHECK(e & PTE_NX);
    CHECK_EQ(e & PTE_ADDR, 1 * MiB + 4096);
    e = pt_lookup(&pt, 3 * MiB, &size);               /* other 2 MiB page intact */
    CHECK_EQ(size, 2 * MiB);
}

TEST(unmap_and_guard)
{
    struct pt_ctx pt = setup(false);
    CHECK_EQ(pt_map(&pt, 0, 0, 2 * MiB, MAP_WRITE), 0);
    CHECK_EQ(pt_unmap(&pt, 0, 4096, false), 0);
    uint64_t size, e = pt_lookup(&pt, 0, &size);
    CHECK_EQ(size, 0);
    CHECK_EQ(e, 0);
    CHECK_EQ(pt_unmap(&pt, 64 * 1024, 4096, true), 0);
    e = pt_lookup(&pt, 64 * 1024 + 100, &size);
    CHECK_EQ(size, 0);
    CHECK(e & PTE_GUARD);
    CHECK(!(e & PTE_P));
    pt_lookup(&pt, 4096, &size);
    CHECK_EQ(size, 4096);
    /* Unmapping a hole costs no tables. */
    unsigned t = pt.tables;
    CHECK_EQ(pt_unmap(&pt, 100 * GiB, 10 * GiB, false), 0);
    CHECK_EQ(pt.tables, t);
}

TEST(cache_attributes)
{
    struct pt_ctx pt = setup(false);
    CHECK_EQ(pt_map(&pt, 0xFD000000, 0xFD000000, 4 * MiB, MAP_WRITE | MAP_WC), 0);
    CHECK_EQ(pt_map(&pt, 0xFEC00000, 0xFEC00000, 4096, MAP_WRITE | MAP_UC), 0);
    uint64_t size, e = pt_lookup(&pt, 0xFD000000, &size);
    CHECK((e & (PTE_PWT | PTE_PCD)) == PTE_PWT);
    e = pt_lookup(&pt, 0xFEC00000, &size);
    CHECK((e & (PTE_PWT | PTE_PCD)) == (PTE_PWT | PTE_PCD));
}

TEST(no_nx_bit_without_nxe)
{
    struct pt_ctx pt = setup(false);
    pt.nx = false;
    CHECK_EQ(pt_map(&pt, 0, 0, 4096, MAP_WRITE), 0);
    uint64_t size, e = pt_lookup(&pt, 0, &size);
    CHECK(!(e & PTE_NX));     /* reserved bit when EFER.NXE is off */
}

TEST(bad_arguments_and_oom)
{
    struct pt_ctx pt = setup(false);
    CHECK_EQ(pt_map(&pt, 1, 0, 4096, MAP_WRITE), -EINVAL);
    CHECK_EQ(pt_map(&pt, 0, 4096 + 3, 4096, MAP_WRITE), -EINVAL);
    CHECK_EQ(pt_map(&pt, 1ull << 47, 0, 4096, MAP_WRITE), -EINVAL);   /* non-canonical */
    CHECK_EQ(pt_map(&pt, ~0xFFFull, 0, 8192, MAP_WRITE), -EINVAL);    /* wraps */
    fail_after = 1;
    CHECK_EQ(pt_map(&pt, 512 * GiB, 0, 4096, MAP_WRITE), -ENOMEM);
}
