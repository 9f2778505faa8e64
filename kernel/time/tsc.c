/* TSC frequency, from the cheapest source that knows it. Sources register
 * with a priority (kernel/time/tsc.h); this file has two of them:
 *  - CPUID 0x15 (TSC/crystal ratio x crystal Hz), Intel SDM vol. 2A, CPUID;
 *    0x16 gives the base frequency in MHz when 0x15 lacks the crystal;
 *  - the hypervisor timing leaf 0x40000010 (EAX = TSC kHz), which VMware
 *    and QEMU/KVM (with vmware-cpuid-freq) provide;
 * kernel/time/kvmclock.c adds KVM's pvclock scale, and hv/hv_kernel.c
 * Hyper-V's HV_X64_MSR_TSC_FREQUENCY (TLFS 12.4).
 * When none answers, count TSC ticks across 2 ms of a reference clock:
 * the HPET, the ACPI PM timer, or PIT channel 0 read back, whichever the
 * firmware tables say exist (tsc_set_references). */
#include "kernel/time/tsc.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/io.h"
#include <limits.h>
#include <stdbool.h>

static uint64_t khz;
static const char *source = "unknown";

LINKSET_DEFINE(struct tsc_source, tsc_sources);

static uint64_t from_cpuid_15(const char **how)
{
    *how = "CPUID 0x15/0x16";
    uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] < 0x15)
        return 0;
    cpuid(0x15, 0, r);      /* EAX denominator, EBX numerator, ECX crystal Hz */
    if (r[0] && r[1] && r[2])
        return (uint64_t)r[2] * r[1] / r[0] / 1000;
    cpuid(0, 0, r);
    if (r[0] < 0x16)
        return 0;
    cpuid(0x16, 0, r);                  /* EAX: base frequency in MHz */
    return (uint64_t)(r[0] & 0xFFFF) * 1000;
}

TSC_SOURCE(cpuid, from_cpuid_15, TSC_PRIO_CPUID);

static uint64_t from_hv_leaf(const char **how)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 31)))           /* hypervisor present bit */
        return 0;
    cpuid(0x40000000, 0, r);
    if (r[0] < 0x40000010)
        return 0;
    cpuid(0x40000010, 0, r);
    *how = "CPUID 0x40000010";
    return r[0];
}
TSC_SOURCE(hv_leaf, from_hv_leaf, TSC_PRIO_HV_LEAF);

/* 8254 PIT channel 0 as a reference clock: program mode 2 (rate
 * generator) with the longest count, then latch and read the count back
 * (8254 datasheet: counter latch command; 1.193182 MHz input clock).
 * Reading back needs only ports 0x40/0x43, so it works where port 0x61
 * (channel 2's gate) is missing, as on QEMU's microvm. A machine with no
 * PIT reads a constant 0xFFFF, and the bounded loop gives up. */
#define PIT_HZ       1193182u
#define PIT_CH0      0x40
#define PIT_CMD      0x43
#define CAL_TICKS    (PIT_HZ / 500)     /* 2 ms */
#define CAL_MAX_READS 200000u

static uint16_t pit_read(void)
{
    outb(PIT_CMD, 0x00);                /* latch channel 0 */
    uint8_t lo = inb(PIT_CH0);
    return (uint16_t)(lo | inb(PIT_CH0) << 8);
}

static uint64_t from_pit(void)
{
    outb(PIT_CMD, 0x34);                /* channel 0, lobyte/hibyte, mode 2, binary */
    outb(PIT_CH0, 0xFF);
    outb(PIT_CH0, 0xFF);
    uint16_t prev = pit_read();
    uint64_t start = rdtsc();
    uint32_t elapsed = 0, reads = 0;
    while (elapsed < CAL_TICKS && ++reads < CAL_MAX_READS) {
        uint16_t now = pit_read();
        elapsed += (uint16_t)(prev - now);      /* counts down, wraps at 0 */
        prev = now;
    }
    uint64_t ticks = rdtsc() - start;
    outb(PIT_CMD, 0x30);                /* leave it in one-shot mode 0, no periodic IRQ0 */
    outb(PIT_CH0, 1);
    outb(PIT_CH0, 0);
    if (elapsed < CAL_TICKS)
        return 0;
    return ticks * PIT_HZ / elapsed / 1000;
}

/* ACPI PM timer: a 3.579545 MHz counter at an I/O port, 24 or 32 bits
 * (ACPI 6.5, 4.8.3.3). Reading it needs no setup, so it is preferred to
 * the PIT, and it exists on Hyper-V Gen2 where the PIT does not. */
#define PM_TIMER_HZ 3579545u
static uint16_t pm_port;
static bool pm_32bit;
static volatile uint64_t *hpet;

static uint64_t from_pm_timer(void)
{
    uint32_t mask = pm_32bit ? 0xFFFFFFFFu : 0xFFFFFFu;
    uint32_t prev = inl(pm_port) & mask, elapsed = 0, reads = 0;
    uint64_t start = rdtsc();
    while (elapsed < PM_TIMER_HZ / 500 && ++reads < CAL_MAX_READS) {
        uint32_t now = inl(pm_port) & mask;
        elapsed += (now - prev) & mask;
        prev = now;
    }
    uint64_t ticks = rdtsc() - start;
    if (elapsed < PM_TIMER_HZ / 500)
        return 0;
    return ticks * PM_TIMER_HZ / elapsed / 1000;
}

/* HPET main counter (IA-PC HPET spec 1.0a, 2.3): capabilities at 0x00 give
 * the period in femtoseconds (bits 63:32), the counter runs at 0xF0 once
 * bit 0 of the configuration register (0x10) is set. */
static uint64_t from_hpet(void)
{
    uint64_t period_fs = hpet[0] >> 32;
    if (period_fs == 0 || period_fs > 100000000ull)     /* spec: at most 100 ns */
        return 0;
    hpet[0x10 / 8] |= 1;
    uint64_t c0 = hpet[0xF0 / 8], t0 = rdtsc();
    uint64_t want = 2000000000000ull / period_fs;       /* 2 ms in counter ticks */
    uint32_t reads = 0;
    while (hpet[0xF0 / 8] - c0 < want && ++reads < CAL_MAX_READS)
        ;
    uint64_t c1 = hpet[0xF0 / 8], ticks = rdtsc() - t0;
    if (c1 - c0 < want)
        return 0;
    uint64_t elapsed_ns = (c1 - c0) * period_fs / 1000000u;   /* ~2e12 fs / 1e6: fits */
    return elapsed_ns ? ticks * 1000000u / elapsed_ns : 0;
}

void tsc_set_references(uint16_t pm_timer_port, bool pm_timer_32bit, volatile void *hpet_regs)
{
    pm_port = pm_timer_port;
    pm_32bit = pm_timer_32bit;
    hpet = hpet_regs;
}

/* The registered sources from the highest priority down; each is asked
 * once. */
static uint64_t from_sources(void)
{
    long below = LONG_MAX;
    for (;;) {
        const struct tsc_source *best = NULL;
        LINKSET_FOREACH(struct tsc_source, s, tsc_sources)
            if (s->priority < below && (!best || s->priority > best->priority))
                best = s;
        if (!best)
            return 0;
        const char *how = best->name;
        uint64_t k = best->khz(&how);
        if (k) {
            source = how;
            return k;
        }
        below = best->priority;
    }
}

void tsc_init(void)
{
    if (khz)
        return;
    if ((khz = from_sources()) != 0)
        return;
    if (hpet && (khz = from_hpet()) != 0)
        source = "HPET calibration";
    else if (pm_port && (khz = from_pm_timer()) != 0)
        source = "ACPI PM timer calibration";
    else if ((khz = from_pit()) != 0)
        source = "PIT calibration";
}

uint64_t tsc_khz(void) { return khz; }
const char *tsc_source(void) { return source; }

uint64_t tsc_ticks_to_us(uint64_t ticks)
{
    if (!khz)
        return 0;
    /* ticks * 1000 / khz without overflow for any realistic uptime. */
    return ticks / khz * 1000 + ticks % khz * 1000 / khz;
}
