/* Interrupt dispatch: vector table, vector allocation, ISA/GSI routing
 * through the IOAPIC with the MADT's overrides, and MSI messages.
 *
 * The path of a device interrupt: the device raises its line (or writes
 * its MSI message) -> IOAPIC redirection entry -> LAPIC -> the CPU vectors
 * through the IDT to isr.S's stub -> trap_dispatch -> irq_dispatch ->
 * the driver's handler -> EOI to the LAPIC. docs/interrupts.md tells it
 * in full. */
#include "kernel/irq/irq.h"
#include "kernel/irq/apic.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/arch/trap.h"

struct vector {
    irq_handler_t handler;
    void *arg;
    const char *name;
    uint64_t count;
};
static struct vector vectors[256];
static uint64_t spurious;

/* ISA IRQ -> GSI and flags (ACPI 6.5, 5.2.12.5 Interrupt Source Override;
 * flags as MPS INTI: bits 0-1 polarity, 2-3 trigger). Identity by default:
 * ISA interrupts are edge-triggered, active high. */
static struct { uint32_t gsi; uint16_t flags; } isa_map[16];

void irq_init(void)
{
    for (unsigned i = 0; i < 16; i++)
        isa_map[i].gsi = i, isa_map[i].flags = 0;
    pic_disable();
}

void irq_set_isa_override(unsigned isa, uint32_t gsi, uint16_t flags)
{
    if (isa < 16)
        isa_map[isa].gsi = gsi, isa_map[isa].flags = flags;
}

int irq_alloc_vector(void)
{
    uint64_t f = irq_save();
    for (int v = IRQ_VECTOR_FIRST; v <= IRQ_VECTOR_LAST; v++) {
        if (!vectors[v].name) {
            vectors[v].name = "(allocated)";
            irq_restore(f);
            return v;
        }
    }
    irq_restore(f);
    return -ENOSPC;
}

int irq_register(int vector, irq_handler_t handler, void *arg, const char *name)
{
    if (vector < IRQ_VECTOR_FIRST || vector > 254 || !handler)
        return -EINVAL;
    uint64_t f = irq_save();
    int err = vectors[vector].handler ? -EBUSY : 0;
    if (!err)
        vectors[vector] = (struct vector){ handler, arg, name ? name : "?", 0 };
    irq_restore(f);
    return err;
}

void irq_free(int vector)
{
    if (vector < IRQ_VECTOR_FIRST || vector > IRQ_VECTOR_LAST)
        return;
    uint64_t f = irq_save();
    vectors[vector] = (struct vector){ 0 };
    irq_restore(f);
}

int irq_mask_gsi(unsigned gsi, bool masked)
{
    return ioapic_mask(gsi, masked);
}

static int route(uint32_t gsi, bool level, bool low, irq_handler_t h, void *arg, const char *name)
{
    int v = irq_alloc_vector();
    if (v < 0)
        return v;
    vectors[v].name = NULL;
    int err = irq_register(v, h, arg, name);
    if (!err)
        err = ioapic_route(gsi, (uint8_t)v, level, low);
    if (err) {
        vectors[v] = (struct vector){ 0 };
        return err;
    }
    return v;
}

int irq_route_gsi(unsigned gsi, bool level, bool active_low, irq_handler_t handler, void *arg,
                  const char *name)
{
    return route(gsi, level, active_low, handler, arg, name);
}

int irq_route_isa(unsigned isa, irq_handler_t handler, void *arg, const char *name)
{
    if (isa >= 16)
        return -EINVAL;
    uint16_t fl = isa_map[isa].flags;
    bool low = (fl & 3) == 3;               /* 01 high, 11 low, 00 bus default (high) */
    bool level = ((fl >> 2) & 3) == 3;      /* 01 edge, 11 level, 00 bus default (edge) */
    return route(isa_map[isa].gsi, level, low, handler, arg, name);
}

/* SDM vol. 3A, 11.11.1: address 0xFEE0_0000 | destination APIC ID << 12
 * (physical mode), data = vector, fixed delivery, edge. */
void irq_msi_compose(int vector, struct msi_msg *msg)
{
    msg->addr = 0xFEE00000ull | ((uint64_t)(lapic_id() & 0xFF) << 12);
    msg->data = (uint32_t)vector & 0xFF;
}

/* Called by trap_dispatch for vectors 32-255, interrupts disabled. */
void irq_dispatch(struct trap_frame *f)
{
    unsigned v = (unsigned)f->vector;
    if (v == IRQ_VECTOR_SPURIOUS || (v >= IRQ_VECTOR_PIC_BASE && v < IRQ_VECTOR_PIC_BASE + 16)) {
        spurious++;                         /* no EOI for spurious interrupts (SDM 11.9) */
        return;
    }
    struct vector *e = &vectors[v];
    e->count++;
    if (e->handler)
        e->handler(e->arg);
    else
        spurious++;
    lapic_eoi();
}

int irq_stats(struct irq_stat *out, int max)
{
    int n = 0;
    for (int v = IRQ_VECTOR_FIRST; v < 256 && n < max; v++)
        if (vectors[v].handler)
            out[n++] = (struct irq_stat){ v, vectors[v].name, vectors[v].count };
    return n;
}

uint64_t irq_spurious_count(void) { return spurious; }
