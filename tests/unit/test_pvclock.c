/* Host unit tests for kernel/time/pvclock.c: the TSC rate from kvmclock's
 * scale. Each (mul, shift) pair is what the scale formula of
 * Linux Documentation/virt/kvm/x86/msr.rst gives for a known frequency f:
 * one tick is 10^6/f ns (f in kHz), so mul = round(10^6 * 2^32 / (f * 2^shift)),
 * with shift chosen so that mul lies in [2^31, 2^32) as KVM's
 * kvm_get_time_scale does. The expected kHz is the formula's exact
 * truncating inverse; the rate must also be within 10 ppm of f. */
#include "kernel/time/pvclock.h"
#include "tests/unit/test.h"

struct scale { uint64_t f_khz; int8_t shift; uint32_t mul; uint64_t khz; };

static const struct scale known[] = {
    { 2500000, -1, 3435973837u, 2499998 },      /* 2.5 GHz: 0.4 ns a tick */
    { 3000000, -1, 2863311531u, 2999998 },      /* 3.0 GHz */
    { 1000000,  1, 2147483648u, 1000000 },      /* 1.0 GHz: 1 ns = 2^31 * 2 / 2^32 */
    { 1500000,  0, 2863311531u, 1499999 },
    { 2000000,  0, 2147483648u, 2000000 },
    {  400000,  2, 2684354560u,  400000 },      /* 2.5 ns a tick */
};

TEST(known_frequencies)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const struct scale *s = &known[i];
        uint64_t k = pvclock_khz(s->mul, s->shift);
        CHECK_EQ(k, s->khz);
        uint64_t err = k > s->f_khz ? k - s->f_khz : s->f_khz - k;
        CHECK(err * 100000 <= s->f_khz);
    }
}

/* The rate scales with 2^-shift: the same mul one shift apart halves it. */
TEST(shift_halves)
{
    for (int8_t sh = -3; sh < 3; sh++)
        CHECK_EQ(pvclock_khz(2863311531u, sh), pvclock_khz(2863311531u, sh + 1) * 2 +
                 (pvclock_khz(2863311531u, sh) & 1));
}

TEST(malformed)
{
    CHECK_EQ(pvclock_khz(0, 0), 0);
    CHECK_EQ(pvclock_khz(0, -1), 0);
    CHECK_EQ(pvclock_khz(2147483648u, 32), 0);
    CHECK_EQ(pvclock_khz(2147483648u, -32), 0);
    CHECK_EQ(pvclock_khz(2147483648u, 127), 0);
    CHECK_EQ(pvclock_khz(2147483648u, -128), 0);
    /* mul 1 with a large left shift: far beyond any TSC, must not wrap. */
    CHECK_EQ(pvclock_khz(1, -31), 0);
    /* The smallest scale still defined: no crash, a finite answer. */
    CHECK(pvclock_khz(0xFFFFFFFFu, 31) == 0);
}
