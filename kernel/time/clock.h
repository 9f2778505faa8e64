/* Time: a monotonic nanosecond clock from the TSC, one-shot timer
 * interrupts from the LAPIC timer (TSC-deadline mode when the CPU has it),
 * and wall-clock time from the CMOS RTC. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* After tsc_init and lapic_init: conversion factors, the timer vector,
 * and the wall clock from the RTC when the platform has one. */
int clock_init(bool have_rtc, uint8_t century_reg);
const char *clock_timer_mode(void);
/* The CMOS RTC read now, as Unix seconds (0 without an RTC). */
uint64_t clock_rtc_now(void);

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
