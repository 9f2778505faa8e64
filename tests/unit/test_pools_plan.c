/* Host unit tests for net/lwip/pools_plan.c: how lwIP's pools are sized
 * for a memory budget -- unchanged when they fit, data pools shrinking in
 * proportion otherwise, floors, fixed pools untouched, no overflow.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -g -O1
 *        -fsanitize=address,undefined -fno-sanitize-recover=all -DHOSTED
 *        -I. tests/unit/test_main.c tests/unit/test_pools_plan.c
 *        net/lwip/pools_plan.c */
#include "net/lwip/pools_plan.h"
#include "tests/unit/test.h"

/* Something like minnow's: receive pbufs, segments, input messages (data)
 * and TCP PCBs, netconns (fixed). */
static const struct pool_plan sample[] = {
    { .num = 256, .stride = 1552, .floor = 24, .data = true },
    { .num = 1024, .stride = 32, .floor = 64, .data = true },
    { .num = 512, .stride = 32, .floor = 32, .data = true },
    { .num = 64, .stride = 240, .data = false },
    { .num = 64, .stride = 112, .data = false },
};
#define NS (sizeof sample / sizeof sample[0])

static uint64_t full_bytes(void)
{
    uint32_t c[NS];
    for (size_t i = 0; i < NS; i++)
        c[i] = sample[i].num;
    return pools_plan_bytes(sample, c, NS);
}

TEST(fits_unchanged)
{
    uint32_t lim[NS];
    uint64_t full = full_bytes();
    CHECK_EQ(full, 256 * 1552 + 1024 * 32 + 512 * 32 + 64 * 240 + 64 * 112);
    CHECK_EQ(pools_plan(sample, NS, full, lim), full);
    for (size_t i = 0; i < NS; i++)
        CHECK_EQ(lim[i], sample[i].num);
    CHECK_EQ(pools_plan(sample, NS, UINT64_MAX, lim), full);
    CHECK_EQ(lim[0], 256);
}

TEST(shrinks_in_proportion)
{
    uint32_t lim[NS];
    uint64_t full = full_bytes(), fixed = 64 * 240 + 64 * 112, data = full - fixed;
    uint64_t budget = fixed + data / 2;                 /* half the data pools */
    uint64_t got = pools_plan(sample, NS, budget, lim);
    CHECK_EQ(lim[0], 128);
    CHECK_EQ(lim[1], 512);
    CHECK_EQ(lim[2], 256);
    CHECK_EQ(lim[3], 64);                               /* fixed pools keep theirs */
    CHECK_EQ(lim[4], 64);
    CHECK(got <= budget);
    uint64_t b2 = full - 1;                             /* one byte short: rounding down only */
    got = pools_plan(sample, NS, b2, lim);
    CHECK(got <= b2);
    CHECK(lim[0] >= 255 && lim[1] >= 1023 && lim[2] >= 511);
}

TEST(floors_and_zero_budget)
{
    uint32_t lim[NS];
    uint64_t got = pools_plan(sample, NS, 0, lim);
    CHECK_EQ(lim[0], 24);
    CHECK_EQ(lim[1], 64);
    CHECK_EQ(lim[2], 32);
    CHECK_EQ(lim[3], 64);
    CHECK_EQ(got, 24 * 1552 + 64 * 32 + 32 * 32 + 64 * 240 + 64 * 112);
    /* A floor above the configured count is capped at the count. */
    struct pool_plan p[] = { { .num = 4, .stride = 100, .floor = 50, .data = true },
                             { .num = 1000, .stride = 100, .floor = 0, .data = true } };
    pools_plan(p, 2, 100, lim);
    CHECK_EQ(lim[0], 4);
    CHECK(lim[1] <= 1);
}

TEST(monotonic_in_budget)
{
    uint32_t prev[NS] = { 0 }, lim[NS];
    for (uint64_t b = 0; b <= full_bytes() + 4096; b += 997) {
        pools_plan(sample, NS, b, lim);
        for (size_t i = 0; i < NS; i++) {
            CHECK(lim[i] >= prev[i] && lim[i] <= sample[i].num);
            prev[i] = lim[i];
        }
    }
}

TEST(no_data_pools_and_huge_sizes)
{
    uint32_t lim[2];
    struct pool_plan fixed[] = { { .num = 10, .stride = 8 }, { .num = 3, .stride = 8 } };
    CHECK_EQ(pools_plan(fixed, 2, 0, lim), 104);        /* nothing may shrink */
    CHECK(lim[0] == 10 && lim[1] == 3);
    /* Elements so large that num * stride * num would overflow 64 bits. */
    struct pool_plan big[] = { { .num = UINT32_MAX, .stride = UINT32_MAX, .floor = 1, .data = true },
                               { .num = 2, .stride = 1, .data = false } };
    uint64_t budget = (uint64_t)UINT32_MAX * (UINT32_MAX / 2);
    uint64_t got = pools_plan(big, 2, budget, lim);
    CHECK(lim[0] >= UINT32_MAX / 2 - 2 && lim[0] <= UINT32_MAX / 2 + 2);
    CHECK(got <= budget + 2 * (uint64_t)UINT32_MAX);
    CHECK_EQ(lim[1], 2);
    CHECK_EQ(pools_plan(big, 0, 0, lim), 0);            /* no pools at all */
}

/* A pool held up at its floor costs the others: the whole stays within a
 * budget that the floors leave room in. */
TEST(floors_come_out_of_the_others)
{
    static const struct pool_plan p[] = {
        { .num = 1024, .stride = 1552, .floor = 24, .data = true },
        { .num = 512, .stride = 256, .floor = 64, .data = true },     /* PCBs: floor above their share */
        { .num = 512, .stride = 128, .floor = 64, .data = true },
        { .num = 16, .stride = 100, .data = false },
    };
    uint32_t lim[4];
    uint64_t budget = 128 * 1024;
    uint64_t got = pools_plan(p, 4, budget, lim);
    CHECK(got <= budget);
    CHECK_EQ(lim[1], 64);
    CHECK_EQ(lim[2], 64);
    CHECK(lim[0] >= 24 && lim[0] < 1024);
    CHECK_EQ(lim[3], 16);
}
