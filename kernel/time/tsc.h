/* TSC frequency. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Determines the TSC frequency; cheap (CPUID/MSR) when the CPU or the
 * hypervisor reports it, else a ~2 ms PIT calibration. Idempotent. */
void tsc_init(void);
/* Reference clocks the firmware tables name (0/NULL when absent). */
void tsc_set_references(uint16_t pm_timer_port, bool pm_timer_32bit, volatile void *hpet_regs);
uint64_t tsc_khz(void);
const char *tsc_source(void);
uint64_t tsc_ticks_to_us(uint64_t ticks);
