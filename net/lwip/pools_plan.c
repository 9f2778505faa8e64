/* The sizing arithmetic of lwIP's pools: see pools_plan.h. */
#include "net/lwip/pools_plan.h"

uint64_t pools_plan_bytes(const struct pool_plan *p, const uint32_t *counts, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (uint64_t)counts[i] * p[i].stride;
    return sum;
}

uint64_t pools_plan(const struct pool_plan *p, size_t n, uint64_t budget, uint32_t *limit)
{
    uint64_t total = 0, data = 0;
    for (size_t i = 0; i < n; i++) {
        limit[i] = p[i].num;
        total += (uint64_t)p[i].num * p[i].stride;
        if (p[i].data)
            data += (uint64_t)p[i].num * p[i].stride;
    }
    if (total <= budget || data == 0)
        return total;
    /* What the fixed pools leave of the budget, shared by the data pools
     * in proportion to their configured sizes: k = num * room / data, with
     * room < data. Both scale down until data fits 32 bits, so that the
     * product fits 64. */
    uint64_t room = budget > total - data ? budget - (total - data) : 0;
    while (data >> 32) {
        data >>= 1;
        room >>= 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!p[i].data)
            continue;
        uint64_t k = (uint64_t)p[i].num * room / data;
        uint32_t floor = p[i].floor < p[i].num ? p[i].floor : p[i].num;
        limit[i] = k < floor ? floor : k > p[i].num ? p[i].num : (uint32_t)k;
    }
    return pools_plan_bytes(p, limit, n);
}
