/* pvclock scale to TSC rate: the pure arithmetic of kernel/time/pvclock.h,
 * shared by the kvmclock TSC source and the host unit test. */
#include "kernel/time/pvclock.h"

#define PVCLOCK_SHIFT_MAX 31

uint64_t pvclock_khz(uint32_t mul, int8_t shift)
{
    if (mul == 0 || shift > PVCLOCK_SHIFT_MAX || shift < -PVCLOCK_SHIFT_MAX)
        return 0;
    uint64_t khz = (1000000ull << 32) / mul;        /* <= 2^52: fits */
    if (shift >= 0)
        return khz >> shift;
    /* A left shift must not overflow: a rate that large is no real TSC. */
    if (khz > (UINT64_MAX >> -shift))
        return 0;
    return khz << -shift;
}
