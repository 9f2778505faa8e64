/* TSC frequency. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "kernel/linkset.h"

/* A source that knows the TSC rate without measuring it: the CPU (CPUID
 * 0x15/0x16), a hypervisor (the timing leaf 0x40000010, Hyper-V's
 * frequency MSR, ...). Each registers with TSC_SOURCE and a priority;
 * tsc_init asks them from the highest priority down and takes the first
 * non-zero answer; only when none answers does it calibrate against the
 * HPET, the ACPI PM timer or the PIT. khz() may set *how to a description
 * for the log (default: the source's name). */
struct tsc_source {
    const char *name;
    uint64_t (*khz)(const char **how);
    long priority;
};
_Static_assert(sizeof(struct tsc_source) % 8 == 0, "tsc_source stride");
LINKSET_DECLARE(struct tsc_source, tsc_sources);
#define TSC_SOURCE(name_, fn_, prio_)                                           \
    static const struct tsc_source tsc_source_##name_ LINKSET_ENTRY(tsc_sources) = \
        { #name_, fn_, prio_ }
/* Priorities of the sources minnow has: what the CPU itself says first. */
enum {
    TSC_PRIO_CPUID = 300,           /* CPUID 0x15/0x16 */
    TSC_PRIO_KVMCLOCK = 250,        /* KVM's pvclock scale (kernel/time/kvmclock.c) */
    TSC_PRIO_HYPERV = 200,          /* Hyper-V frequency MSR / reference page */
    TSC_PRIO_HV_LEAF = 100,         /* hypervisor timing leaf 0x40000010 */
};

/* Determines the TSC frequency; cheap (CPUID/MSR) when the CPU or the
 * hypervisor reports it, else a ~2 ms PIT calibration. Idempotent. */
void tsc_init(void);
/* Reference clocks the firmware tables name (0/NULL when absent). */
void tsc_set_references(uint16_t pm_timer_port, bool pm_timer_32bit, volatile void *hpet_regs);
uint64_t tsc_khz(void);
const char *tsc_source(void);
uint64_t tsc_ticks_to_us(uint64_t ticks);
