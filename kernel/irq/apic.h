/* Local APIC (xAPIC through MMIO, or x2APIC through MSRs) and IOAPIC. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

int lapic_init(uint64_t madt_lapic_addr);
void lapic_eoi(void);
void lapic_self_ipi(uint8_t vector);
uint32_t lapic_id(void);
bool lapic_x2apic(void);
bool lapic_tsc_deadline(void);
/* One-shot timer on IRQ_VECTOR_TIMER: at TSC value `tsc` (deadline mode) or
 * after `ticks` of the LAPIC timer clock (one-shot mode, divide by 16). */
void lapic_timer_deadline(uint64_t tsc);
void lapic_timer_oneshot(uint32_t ticks);
uint32_t lapic_timer_current(void);

int ioapic_add(uint32_t id, uint64_t addr, uint32_t gsi_base);
/* Programs the redirection entry for gsi: vector, trigger, polarity, to
 * the boot CPU, unmasked. -ENOENT when no IOAPIC serves that GSI. */
int ioapic_route(uint32_t gsi, uint8_t vector, bool level, bool active_low);
int ioapic_mask(uint32_t gsi, bool masked);
int ioapic_count(void);

void pic_disable(void);
