/* TSC frequency. */
#pragma once
#include <stdint.h>

/* Determines the TSC frequency; cheap (CPUID/MSR) when the CPU or the
 * hypervisor reports it, else a ~2 ms PIT calibration. Idempotent. */
void tsc_init(void);
uint64_t tsc_khz(void);
const char *tsc_source(void);
uint64_t tsc_ticks_to_us(uint64_t ticks);
