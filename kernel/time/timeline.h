/* The boot timeline: a TSC stamp at each init phase, printed at the end. */
#pragma once
#include <stdint.h>

void timeline_mark(const char *phase);
/* Microseconds from the kernel's first instruction to the last mark. */
uint64_t timeline_total_us(void);
void timeline_print(void);
