/* Time: a monotonic nanosecond clock from the TSC, one-shot timer
 * interrupts from the LAPIC timer (TSC-deadline mode when the CPU has it),
 * and wall-clock time from the CMOS RTC. */
#pragma once
#include <stdint.h>

/* Nanoseconds since boot (the kernel's first instruction). */
uint64_t clock_ns(void);
/* Wall-clock time: seconds since 1970-01-01 UTC (0 when unknown). */
uint64_t clock_wall_s(void);
void clock_set_wall(uint64_t unix_seconds);

/* Arms the one-shot timer interrupt for absolute time `deadline_ns`
 * (clock_ns() scale), replacing any earlier arming; when it fires,
 * clock_timer_handler (set by the scheduler) is called in interrupt
 * context. */
void clock_arm(uint64_t deadline_ns);
void clock_set_timer_handler(void (*fn)(void));
