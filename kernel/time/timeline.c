/* Boot timeline: see timeline.h. Stamps are raw TSC values (cheap to take
 * before the TSC frequency is known); they become microseconds when printed. */
#include "kernel/time/timeline.h"
#include "boot/boot.h"
#include "kernel/arch/cpu.h"
#include "kernel/console/kprintf.h"
#include "kernel/errno.h"
#include "kernel/time/tsc.h"

#define MAX_MARKS 32
static struct { const char *phase; uint64_t tsc; } marks[MAX_MARKS];
static int nmarks;

void timeline_mark(const char *phase)
{
    if (nmarks < MAX_MARKS)
        marks[nmarks++] = (typeof(marks[0])){ phase, rdtsc() };
}

static uint64_t us_since_entry(uint64_t tsc)
{
    return tsc_ticks_to_us(tsc - boot_tsc0);
}

uint64_t timeline_total_us(void)
{
    return nmarks ? us_since_entry(marks[nmarks - 1].tsc) : 0;
}

void timeline_print(void)
{
    kprintf("boot timeline (us since first instruction, TSC %llu kHz from %s):\n",
            (unsigned long long)tsc_khz(), tsc_source());
    uint64_t prev = boot_tsc0;
    for (int i = 0; i < nmarks; i++) {
        kprintf("  %8llu  +%6llu  %s\n", (unsigned long long)us_since_entry(marks[i].tsc),
                (unsigned long long)tsc_ticks_to_us(marks[i].tsc - prev), marks[i].phase);
        prev = marks[i].tsc;
    }
}

int timeline_count(void) { return nmarks; }

int timeline_get(int i, const char **phase, uint64_t *at_us, uint64_t *delta_us)
{
    if (i < 0 || i >= nmarks)
        return -EINVAL;
    uint64_t prev = i ? marks[i - 1].tsc : boot_tsc0;
    if (phase)
        *phase = marks[i].phase;
    if (at_us)
        *at_us = us_since_entry(marks[i].tsc);
    if (delta_us)
        *delta_us = tsc_ticks_to_us(marks[i].tsc - prev);
    return 0;
}
