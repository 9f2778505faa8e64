/* Hosted stand-in for kernel/arch/cpu.h: what the network code uses. */
#pragma once
#include <stdint.h>
static inline uint64_t rdtsc(void) { return __builtin_ia32_rdtsc(); }
