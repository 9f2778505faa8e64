/* The IDT: 256 interrupt gates pointing at the stubs in isr.S.
 * Intel SDM vol. 3A, 6.14.1 "64-Bit Mode IDT" (16-byte gate descriptors). */
#include "kernel/arch/trap.h"
#include "kernel/arch/gdt.h"

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;            /* bits 0-2: IST slot, 0 = none */
    uint8_t type_attr;      /* P | DPL | type (0xE: 64-bit interrupt gate) */
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gates are 16 bytes");

#define GATE_INTERRUPT 0x8E     /* present, DPL 0, 64-bit interrupt gate */
#define STUB_SIZE      8        /* isr.S aligns each stub to 8 bytes */

extern char isr_stubs[];
static struct idt_gate idt[256] __attribute__((aligned(16)));

static void set_gate(unsigned vec, uint8_t ist)
{
    uint64_t a = (uint64_t)(uintptr_t)(isr_stubs + vec * STUB_SIZE);
    idt[vec] = (struct idt_gate){
        .offset_lo = a & 0xFFFF, .selector = GDT_CODE, .ist = ist, .type_attr = GATE_INTERRUPT,
        .offset_mid = (a >> 16) & 0xFFFF, .offset_hi = a >> 32,
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, 0);
    set_gate(2, IST_NMI);
    set_gate(8, IST_DOUBLE_FAULT);
    set_gate(14, IST_PAGE_FAULT);
    set_gate(18, IST_MACHINE_CHECK);
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
        sizeof idt - 1, (uint64_t)(uintptr_t)idt
    };
    __asm__ volatile("lidt %0" ::"m"(idtr));
}
