/* Heap tests over the real page allocator on a host arena. */
#include "tests/unit/test.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/pmm.h"

#define ARENA_PAGES 2048
static uint8_t *arena;
static int corruptions;
static const char *last_corruption;

void heap_corruption(const char *what, const void *p)
{
    (void)p;
    corruptions++;
    last_corruption = what;
}

static void setup(void)
{
    if (!arena)
        arena = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
    struct boot_mem_region map[] = { { (uintptr_t)arena, ARENA_PAGES * PAGE_SIZE, MEM_USABLE } };
    pmm_init(map, 1, NULL, 0);
    heap_init();
    corruptions = 0;
}

TEST(sizes_alignment_and_no_overlap)
{
    setup();
    enum { N = 400 };
    uint8_t *p[N];
    size_t sz[N];
    for (int i = 0; i < N; i++) {
        sz[i] = 1 + (size_t)(i * 37) % 3000;
        p[i] = kmalloc(sz[i]);
        REQUIRE(p[i]);
        CHECK_EQ((uintptr_t)p[i] % 16, 0);
        memset(p[i], i & 0xFF, sz[i]);
    }
    for (int i = 0; i < N; i++)
        for (size_t j = 0; j < sz[i]; j++)
            if (p[i][j] != (i & 0xFF)) {
                CHECK(!"allocation overwritten by another");
                break;
            }
    for (int i = 0; i < N; i++)
        kfree(p[i]);
    CHECK_EQ(corruptions, 0);
}

TEST(aligned_requests)
{
    setup();
    size_t aligns[] = { 1, 8, 32, 64, 256, 1024, 4096, 16384, 65536 };
    for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        for (size_t size = 1; size < 70000; size = size * 3 + 1) {
            void *q = kmalloc_aligned(size, aligns[i]);
            REQUIRE(q);
            CHECK_EQ((uintptr_t)q % aligns[i], 0);
            kfree(q);
        }
    }
    CHECK(kmalloc_aligned(16, 3) == NULL);
    CHECK_EQ(corruptions, 0);
}

TEST(pages_return_to_allocator)
{
    setup();
    size_t free0 = pmm_free_pages();
    void *p[3000];
    for (int i = 0; i < 3000; i++)
        p[i] = kmalloc(i % 2 ? 48 : 5000);
    for (int i = 0; i < 3000; i++)
        kfree(p[i]);
    struct heap_stats st;
    heap_get_stats(&st);
    CHECK_EQ(st.live_blocks, 0);
    CHECK_EQ(st.large_allocs, 0);
    /* At most one cached slab page per size class stays. */
    CHECK(pmm_free_pages() + st.slab_pages == free0);
    CHECK(st.slab_pages <= 8);
}

TEST(double_free_and_stray_pointers_detected)
{
    setup();
    char *a = kmalloc(100);
    char *b = kmalloc(100);
    kfree(a);
    kfree(a);
    CHECK_EQ(corruptions, 1);
    CHECK_STR(last_corruption, "double kfree");
    kfree(b + 8);
    CHECK_EQ(corruptions, 2);
    char *big = kmalloc(10000);
    kfree(big);
    kfree(big);
    CHECK_EQ(corruptions, 3);
    kfree(NULL);
    CHECK_EQ(corruptions, 3);
}

TEST(out_of_memory_returns_null)
{
    setup();
    CHECK(kmalloc((size_t)ARENA_PAGES * PAGE_SIZE * 2) == NULL);
    int n = 0;
    void *p;
    while ((p = kmalloc(2048)) != NULL && n < 100000)
        n++;
    CHECK(n > 1000 && n < 100000);
    CHECK(kzalloc(64) == NULL);
}
