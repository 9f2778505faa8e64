/* The pvclock ABI shared by KVM's kvmclock and Xen: the per-vCPU time
 * record the hypervisor keeps up to date, and the TSC rate it implies.
 * Linux Documentation/virt/kvm/x86/msr.rst (MSR_KVM_SYSTEM_TIME_NEW),
 * arch/x86/include/asm/pvclock-abi.h, arch/x86/kernel/pvclock.c. */
#pragma once
#include <stdint.h>

/* struct pvclock_vcpu_time_info: 32 bytes, written by the hypervisor.
 * An odd version means an update is in progress; a reader retries until
 * it sees the same even version before and after its reads. */
struct pvclock_vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;         /* guest TSC at the last update */
    uint64_t system_time;           /* ns at tsc_timestamp */
    uint32_t tsc_to_system_mul;     /* ns = ((delta <<|>> shift) * mul) >> 32 */
    int8_t tsc_shift;
    uint8_t flags;                  /* PVCLOCK_*_BIT */
    uint8_t pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvclock_vcpu_time_info is 32 bytes");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, tsc_to_system_mul) == 24, "mul at 24");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, tsc_shift) == 28, "shift at 28");

#define PVCLOCK_TSC_STABLE_BIT (1u << 0)

/* The TSC rate in kHz that (mul, shift) describe. The hypervisor's scale
 * turns a TSC delta into ns as
 *     ns = ((shift < 0 ? delta >> -shift : delta << shift) * mul) >> 32
 * so one tick is mul * 2^shift / 2^32 ns and the rate is
 *     kHz = (10^6 * 2^32 / mul) / 2^shift
 * computed as Linux's pvclock_tsc_khz does (the division first, then the
 * shift, truncating). Returns 0 for a scale no hypervisor produces: mul 0,
 * or a shift outside -31..31 (KVM's kvm_get_time_scale normalises mul
 * into [2^31, 2^32) with a small shift). */
uint64_t pvclock_khz(uint32_t mul, int8_t shift);
