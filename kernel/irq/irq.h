/* Interrupts: how a device's interrupt reaches a driver.
 *
 * Vectors 0-31 are CPU exceptions (kernel/arch/trap.c). Vectors 32-47 are kept
 * for the legacy PIC, which is remapped there and masked. Device vectors
 * come from irq_alloc_vector() (48-239); 240-254 are fixed system vectors
 * (LAPIC timer, spurious). A driver either
 *   - routes a legacy/ISA IRQ or a GSI through the IOAPIC (irq_route_isa,
 *     irq_route_gsi), which applies the ACPI MADT overrides, or
 *   - programs MSI/MSI-X with the address/data irq_msi_compose() gives.
 * Handlers run in interrupt context with interrupts disabled; they must be
 * short and hand real work to a thread (sched.h: sem_up, waitq_wake_one
 * and waitq_wake_all are safe there; allocating is not). The EOI is sent
 * once, by the dispatcher, after the handler. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define IRQ_VECTOR_PIC_BASE  32
#define IRQ_VECTOR_FIRST     48
#define IRQ_VECTOR_LAST      239
#define IRQ_VECTOR_TIMER     240
#define IRQ_VECTOR_SPURIOUS  255

typedef void (*irq_handler_t)(void *arg);

/* A free vector in [IRQ_VECTOR_FIRST, IRQ_VECTOR_LAST], or -ENOSPC. */
int irq_alloc_vector(void);
/* Installs handler(arg) on vector; -EBUSY if taken, -EINVAL if out of range. */
int irq_register(int vector, irq_handler_t handler, void *arg, const char *name);

/* Frees a vector from irq_alloc_vector/irq_route_*: its handler is removed
 * (an interrupt still in flight is counted as spurious). */
void irq_free(int vector);
/* Masks (or unmasks) a GSI at the IOAPIC: 0 or a negative errno. */
int irq_mask_gsi(unsigned gsi, bool masked);

/* Routes ISA IRQ `isa` (0-15) through the IOAPIC, honouring MADT interrupt
 * source overrides (e.g. ISA 0 -> GSI 2, SCI level/low), allocates a vector
 * and installs the handler. Returns the vector or a negative errno. */
int irq_route_isa(unsigned isa, irq_handler_t handler, void *arg, const char *name);
/* The same for a GSI with explicit trigger/polarity (PCI INTx: level, low). */
int irq_route_gsi(unsigned gsi, bool level, bool active_low, irq_handler_t handler, void *arg,
                  const char *name);

/* MSI/MSI-X message for `vector` on the boot CPU (Intel SDM vol. 3A,
 * 11.11 "Message Signalled Interrupts"). */
struct msi_msg {
    uint64_t addr;
    uint32_t data;
};
void irq_msi_compose(int vector, struct msi_msg *msg);

/* Boot: remaps and masks the legacy PIC; irq_set_isa_override records the
 * MADT's interrupt source overrides (called for each before routing). */
void irq_init(void);
void irq_set_isa_override(unsigned isa, uint32_t gsi, uint16_t flags);
struct trap_frame;
void irq_dispatch(struct trap_frame *f);

/* Counters for the shell's `irq` command. */
struct irq_stat {
    int vector;
    const char *name;
    uint64_t count;
};
int irq_stats(struct irq_stat *out, int max);
uint64_t irq_spurious_count(void);

/* Interrupt-flag helpers: save/restore so that nested sections compose. */
static inline uint64_t irq_save(void)
{
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    return flags;
}
static inline void irq_restore(uint64_t flags)
{
    if (flags & (1u << 9))
        __asm__ volatile("sti" ::: "memory");
}
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
