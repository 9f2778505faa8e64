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
    /* A pool that its share would take below its floor keeps the floor,
     * and what that costs comes out of the others' room: at most n rounds,
     * each fixing at least one more pool at its floor. */
    bool fixed[n];
    for (size_t i = 0; i < n; i++)
        fixed[i] = !p[i].data;
    for (size_t round = 0; round <= n; round++) {
        uint64_t d = 0, r = room;
        for (size_t i = 0; i < n; i++) {
            uint64_t bytes = (uint64_t)(p[i].floor < p[i].num ? p[i].floor : p[i].num) * p[i].stride;
            if (!fixed[i])
                d += (uint64_t)p[i].num * p[i].stride;
            else if (p[i].data)
                r = r > bytes ? r - bytes : 0;
        }
        bool again = false;
        while (d >> 32) {
            d >>= 1;
            r >>= 1;
        }
        for (size_t i = 0; i < n; i++) {
            if (fixed[i])
                continue;
            uint64_t k = d ? (uint64_t)p[i].num * r / d : 0;
            uint32_t floor = p[i].floor < p[i].num ? p[i].floor : p[i].num;
            if (k < floor) {
                fixed[i] = again = true;
                limit[i] = floor;
            } else {
                limit[i] = k > p[i].num ? p[i].num : (uint32_t)k;
            }
        }
        if (!again)
            break;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i].data && fixed[i])
            limit[i] = p[i].floor < p[i].num ? p[i].floor : p[i].num;
    }
    return pools_plan_bytes(p, limit, n);
}
