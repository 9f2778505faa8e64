/* The local APIC: where every interrupt is acknowledged (EOI), and the
 * timer that drives minnow's clock events. x2APIC (MSRs 0x800+) is used
 * when CPUID says the CPU has it, else xAPIC through its MMIO page.
 * Intel SDM vol. 3A, chapter 11 "Advanced Programmable Interrupt
 * Controller (APIC)": 11.4 (base MSR), 11.5.4 (timer, TSC-deadline mode),
 * 11.9 (spurious vector), 11.12 (x2APIC register address space). */
#include "kernel/irq/apic.h"
#include "kernel/arch/cpu.h"
#include "kernel/errno.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/pt.h"
#include "kernel/mm/vmm.h"

#define MSR_APIC_BASE     0x1B
#define APIC_BASE_ENABLE  (1u << 11)
#define APIC_BASE_X2APIC  (1u << 10)
#define MSR_TSC_DEADLINE  0x6E0
#define MSR_X2APIC_FIRST  0x800

/* Register offsets (xAPIC MMIO; x2APIC MSR = 0x800 + offset / 16). */
#define LAPIC_ID      0x020
#define LAPIC_TPR     0x080
#define LAPIC_EOI     0x0B0
#define LAPIC_SVR     0x0F0
#define LAPIC_ESR     0x280
#define LAPIC_ICR_LOW 0x300
#define ICR_SHORTHAND_SELF (1u << 18)
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3E0

#define SVR_ENABLE        (1u << 8)
#define LVT_MASKED        (1u << 16)
#define LVT_TIMER_ONESHOT (0u << 17)
#define LVT_TIMER_DEADLINE (2u << 17)
#define LVT_NMI           (4u << 8)
#define TIMER_DIV_16      0x3

static volatile uint32_t *mmio;
static bool x2apic, deadline_mode;

static uint32_t rd(uint32_t reg)
{
    return x2apic ? (uint32_t)rdmsr(MSR_X2APIC_FIRST + (reg >> 4)) : mmio[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(MSR_X2APIC_FIRST + (reg >> 4), v);
    else
        mmio[reg / 4] = v;
}

int lapic_init(uint64_t madt_lapic_addr)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[3] & (1u << 9)))
        return -ENODEV;                             /* CPUID.1:EDX.APIC */
    x2apic = r[2] & (1u << 21);
    deadline_mode = r[2] & (1u << 24);
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (x2apic) {
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);      /* xAPIC first, then x2APIC */
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
    } else {
        uint64_t phys = base & 0xFFFFFF000ull;
        if (madt_lapic_addr && madt_lapic_addr != phys)
            pr_warn("apic: MADT says LAPIC at 0x%llx, MSR says 0x%llx: using the MSR\n",
                    (unsigned long long)madt_lapic_addr, (unsigned long long)phys);
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
        mmio = vmm_map_mmio(phys, 4096, MAP_UC);
        if (!mmio)
            return -ENOMEM;
    }
    wr(LAPIC_TPR, 0);                               /* accept every priority */
    wr(LAPIC_LVT_TIMER, LVT_MASKED | IRQ_VECTOR_TIMER);
    wr(LAPIC_LVT_ERROR, LVT_MASKED | IRQ_VECTOR_SPURIOUS);
    wr(LAPIC_LVT_LINT0, LVT_MASKED);                /* ExtINT from the PIC: off */
    wr(LAPIC_LVT_LINT1, LVT_NMI);                   /* LINT1 = NMI, as on PCs */
    wr(LAPIC_SVR, SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
    wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
    return 0;
}

void lapic_eoi(void) { wr(LAPIC_EOI, 0); }

/* A fixed interrupt to this CPU through the ICR's "self" shorthand (SDM
 * vol. 3A 11.6.1; in x2APIC mode the same write goes to MSR 0x830). */
void lapic_self_ipi(uint8_t vector) { wr(LAPIC_ICR_LOW, ICR_SHORTHAND_SELF | vector); }
uint32_t lapic_id(void) { return x2apic ? rd(LAPIC_ID) : rd(LAPIC_ID) >> 24; }
bool lapic_x2apic(void) { return x2apic; }
bool lapic_tsc_deadline(void) { return deadline_mode; }

void lapic_timer_deadline(uint64_t tsc)
{
    wr(LAPIC_LVT_TIMER, LVT_TIMER_DEADLINE | IRQ_VECTOR_TIMER);
    /* SDM 11.5.4.1: order the LVT write before the deadline MSR write. */
    __asm__ volatile("mfence" ::: "memory");
    wrmsr(MSR_TSC_DEADLINE, tsc ? tsc : 1);
}

void lapic_timer_oneshot(uint32_t ticks)
{
    wr(LAPIC_LVT_TIMER, LVT_TIMER_ONESHOT | IRQ_VECTOR_TIMER);
    wr(LAPIC_TIMER_INIT, ticks ? ticks : 1);
}

uint32_t lapic_timer_current(void) { return rd(LAPIC_TIMER_CUR); }
