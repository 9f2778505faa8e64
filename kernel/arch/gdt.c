/* GDT and TSS.
 *
 * Long mode ignores segment bases and limits, but still needs a 64-bit code
 * descriptor, a data descriptor, and a TSS, whose Interrupt Stack Table
 * (IST) gives some exceptions a known-good stack: a double fault, NMI or
 * machine check must not run on a stack that may be the broken one, and a
 * page fault on its own stack is how a stack overflow into a guard page is
 * reported instead of escalating to a triple fault.
 * Intel SDM vol. 3A, 3.4.5 (descriptors), 8.7 (64-bit TSS), 6.14.5 (IST). */
#include "kernel/arch/gdt.h"
#include "kernel/mm/stacks.h"
#include <stdint.h>

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");
_Static_assert(__builtin_offsetof(struct tss, ist) == 36, "IST1 at offset 0x24");

/* Descriptors: base/limit ignored in long mode; accessed bit preset. */
#define DESC_CODE64 0x00AF9B000000FFFFull   /* P, DPL0, code, L=1 */
#define DESC_DATA   0x00CF93000000FFFFull   /* P, DPL0, data, writable */

static uint64_t gdt[5];                     /* null, code, data, TSS (2 slots) */
static struct tss tss;

/* IST stacks, each with an unmapped guard page below it (kernel/mm/vmm.c). */
struct ist_stack {
    uint8_t guard[4096];
    uint8_t stack[8192];
} __attribute__((aligned(4096)));
static struct ist_stack ist_stacks[IST_COUNT] __attribute__((section(".bss.stacks")));

static const char ist_names[IST_COUNT][8] = { "ist-df", "ist-nmi", "ist-mc", "ist-pf" };

static void tss_descriptor(uint64_t *slot)
{
    uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof tss - 1;
    slot[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) /* P, type 9: TSS */
              | (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    slot[1] = base >> 32;
}

void gdt_init(void)
{
    gdt[0] = 0;
    gdt[1] = DESC_CODE64;
    gdt[2] = DESC_DATA;
    tss_descriptor(&gdt[3]);
    for (int i = 0; i < IST_COUNT; i++) {
        tss.ist[i] = (uint64_t)(uintptr_t)(ist_stacks[i].stack + sizeof ist_stacks[i].stack);
        stack_register(ist_names[i], ist_stacks[i].guard, ist_stacks[i].stack,
                       ist_stacks[i].stack + sizeof ist_stacks[i].stack);
    }
    tss.iomap_base = sizeof tss;            /* no I/O bitmap */

    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {
        sizeof gdt - 1, (uint64_t)(uintptr_t)gdt
    };
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "mov %2, %%ax\n\t"
        "mov %%ax, %%ds\n\t"
        "mov %%ax, %%es\n\t"
        "mov %%ax, %%ss\n\t"
        "ltr %w3"
        :: "m"(gdtr), "i"(GDT_CODE), "i"(GDT_DATA), "r"(GDT_TSS) : "rax", "memory");
}
