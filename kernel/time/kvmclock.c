/* kvmclock as a TSC-rate source: KVM publishes, per vCPU, the scale that
 * turns TSC ticks into nanoseconds; its inverse is the TSC frequency, with
 * no calibration loop.
 *
 * Protocol (Linux Documentation/virt/kvm/x86/msr.rst, cpuid.rst):
 *  1. CPUID 0x40000000 returns the signature "KVMKVMKVM\0\0\0" in EBX, ECX,
 *     EDX; leaf 0x40000001 EAX bit 3 (KVM_FEATURE_CLOCKSOURCE2) says the
 *     new MSR pair exists.
 *  2. The guest writes the physical address of a 32-byte, 4-byte aligned
 *     struct pvclock_vcpu_time_info, with bit 0 (enable) set, to
 *     MSR_KVM_SYSTEM_TIME_NEW (0x4b564d01); KVM fills it in.
 *  3. Read tsc_to_system_mul and tsc_shift between two reads of the
 *     version field that are equal and even (arch/x86/kernel/pvclock.c,
 *     pvclock_read_begin/pvclock_read_retry).
 *  4. Write 0 to the MSR to stop KVM writing there, and free the page.
 *
 * NOTE: this cannot be exercised on the development machines: QEMU runs
 * there with TCG only, whose CPUID signature is "TCGTCGTCGTCG", so this
 * source answers 0 and tsc_init moves on to the next. The arithmetic is
 * covered by tests/unit/test_pvclock.c. To try it on a KVM host:
 *   qemu-system-x86_64 -accel kvm -cpu host -M q35 -kernel build/minnow.elf
 * and `cpu` in the shell names the source. */
#include "kernel/arch/cpu.h"
#include "kernel/mm/dma.h"
#include "kernel/time/pvclock.h"
#include "kernel/time/tsc.h"
#include "lib/string.h"

#define CPUID_HV_SIGNATURE          0x40000000u
#define CPUID_KVM_FEATURES          0x40000001u
#define KVM_FEATURE_CLOCKSOURCE2    (1u << 3)
#define MSR_KVM_SYSTEM_TIME_NEW     0x4b564d01u
#define KVM_SYSTEM_TIME_ENABLE      1ull
#define KVMCLOCK_READ_TRIES         1000

static bool kvm_has_clocksource2(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 31)))           /* hypervisor present bit */
        return false;
    cpuid(CPUID_HV_SIGNATURE, 0, r);
    char sig[12];
    memcpy(sig, &r[1], 4);
    memcpy(sig + 4, &r[2], 4);
    memcpy(sig + 8, &r[3], 4);
    if (memcmp(sig, "KVMKVMKVM\0\0\0", 12) != 0 || r[0] < CPUID_KVM_FEATURES)
        return false;
    cpuid(CPUID_KVM_FEATURES, 0, r);
    return (r[0] & KVM_FEATURE_CLOCKSOURCE2) != 0;
}

/* Reads (mul, shift) consistently: the same even version before and after. */
static bool read_scale(volatile struct pvclock_vcpu_time_info *ti, uint32_t *mul, int8_t *shift)
{
    for (int i = 0; i < KVMCLOCK_READ_TRIES; i++) {
        uint32_t v = ti->version;
        __asm__ volatile("" ::: "memory");
        *mul = ti->tsc_to_system_mul;
        *shift = ti->tsc_shift;
        __asm__ volatile("" ::: "memory");
        if (!(v & 1) && v != 0 && ti->version == v)
            return true;
        __asm__ volatile("pause");
    }
    return false;
}

static uint64_t kvmclock_khz(const char **how)
{
    if (!kvm_has_clocksource2())
        return 0;
    uint64_t phys;
    volatile struct pvclock_vcpu_time_info *ti = dma_alloc(sizeof *ti, 0, &phys);
    if (!ti)
        return 0;
    wrmsr(MSR_KVM_SYSTEM_TIME_NEW, phys | KVM_SYSTEM_TIME_ENABLE);
    uint32_t mul = 0;
    int8_t shift = 0;
    bool ok = read_scale(ti, &mul, &shift);
    wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);  /* KVM stops writing to the page */
    dma_free((void *)ti);
    if (!ok)
        return 0;
    *how = "kvmclock";
    return pvclock_khz(mul, shift);
}
TSC_SOURCE(kvmclock, kvmclock_khz, TSC_PRIO_KVMCLOCK);
