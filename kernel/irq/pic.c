/* The legacy 8259A PIC pair: remapped away from the exception vectors and
 * fully masked, since minnow takes interrupts through the IOAPIC/LAPIC or
 * MSI. (An unremapped PIC would deliver IRQ0 on vector 8, the double fault.)
 * Intel 8259A datasheet, ICW1-ICW4. Machines without a PIC (Hyper-V Gen2,
 * hardware-reduced ACPI) ignore these port writes. */
#include "kernel/irq/apic.h"
#include "kernel/arch/io.h"
#include "kernel/irq/irq.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1
#define ICW1_INIT_ICW4 0x11     /* edge, cascade, ICW4 follows */
#define ICW4_8086      0x01

void pic_disable(void)
{
    outb(PIC1_CMD, ICW1_INIT_ICW4);
    outb(PIC2_CMD, ICW1_INIT_ICW4);
    outb(PIC1_DATA, IRQ_VECTOR_PIC_BASE);       /* ICW2: vector base */
    outb(PIC2_DATA, IRQ_VECTOR_PIC_BASE + 8);
    outb(PIC1_DATA, 1 << 2);                    /* ICW3: slave on IRQ2 */
    outb(PIC2_DATA, 2);                         /*       slave identity */
    outb(PIC1_DATA, ICW4_8086);
    outb(PIC2_DATA, ICW4_8086);
    outb(PIC1_DATA, 0xFF);                      /* OCW1: mask everything */
    outb(PIC2_DATA, 0xFF);
}
