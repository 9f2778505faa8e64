/* Hosted stand-in for kernel/irq/irq.h (the end-to-end netvsc program):
 * one OS thread runs every minnow thread cooperatively, and there are no
 * interrupts, so masking them is nothing. */
#pragma once
#include <stdint.h>
static inline uint64_t irq_save(void) { return 0; }
static inline void irq_restore(uint64_t flags) { (void)flags; }
