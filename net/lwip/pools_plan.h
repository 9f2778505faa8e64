/* How many elements each of lwIP's pools gets for a memory budget: the
 * pure arithmetic of net/lwip/pools.c, kept apart from lwIP's headers so
 * that the host unit tests can run it (tests/unit/test_pools_plan.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pool_plan {
    uint32_t num;       /* the configured count (lwipopts.h) */
    uint32_t stride;    /* bytes one element takes */
    uint32_t floor;     /* data pools: the fewest it may keep */
    bool data;          /* holds data in flight: may shrink */
};

/* Bytes that counts[0..n) elements of pools p take. */
uint64_t pools_plan_bytes(const struct pool_plan *p, const uint32_t *counts, size_t n);

/* Chooses limit[0..n): every pool's configured count when they all fit in
 * `budget` bytes; otherwise the data pools shrink in proportion to what the
 * others leave of the budget, each down to min(floor, num), and the other
 * pools keep their counts (so the result may exceed a budget that is too
 * small even for them). Returns the bytes the chosen limits take. */
uint64_t pools_plan(const struct pool_plan *p, size_t n, uint64_t budget, uint32_t *limit);
