/* IOAPICs: the routing table from global system interrupts (GSIs: ISA
 * IRQs and PCI INTx lines) to LAPIC vectors. Registers are reached through
 * an index (IOREGSEL, +0x00) and a window (IOWIN, +0x10). Intel 82093AA
 * IOAPIC datasheet, 3.2: IOAPICVER (0x01, bits 16-23 = last entry),
 * redirection entries at 0x10 + 2n (low) / 0x11 + 2n (high). */
#include "kernel/irq/apic.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/pt.h"
#include "kernel/mm/vmm.h"

#define IOREGSEL 0x00
#define IOWIN    0x10
#define IOAPICVER 0x01
#define IOREDTBL(n) (0x10 + 2 * (n))

#define RTE_MASKED     (1u << 16)
#define RTE_LEVEL      (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)

#define MAX_IOAPICS 8
static struct {
    volatile uint32_t *regs;
    uint32_t id, gsi_base, entries;
} ioapics[MAX_IOAPICS];
static int nioapics;

static uint32_t rd(int i, uint32_t reg)
{
    ioapics[i].regs[IOREGSEL / 4] = reg;
    return ioapics[i].regs[IOWIN / 4];
}

static void wr(int i, uint32_t reg, uint32_t v)
{
    ioapics[i].regs[IOREGSEL / 4] = reg;
    ioapics[i].regs[IOWIN / 4] = v;
}

int ioapic_add(uint32_t id, uint64_t addr, uint32_t gsi_base)
{
    if (nioapics == MAX_IOAPICS)
        return -ENOSPC;
    volatile uint32_t *regs = vmm_map_mmio(addr, 4096, MAP_UC);
    if (!regs)
        return -EINVAL;
    int i = nioapics;
    ioapics[i] = (typeof(ioapics[0])){ regs, id, gsi_base, 0 };
    uint32_t ver = rd(i, IOAPICVER);
    if (ver == 0xFFFFFFFF) {
        pr_warn("ioapic: nothing answers at 0x%llx (ignored)\n", (unsigned long long)addr);
        return -ENODEV;
    }
    ioapics[i].entries = ((ver >> 16) & 0xFF) + 1;
    for (uint32_t n = 0; n < ioapics[i].entries; n++)
        wr(i, IOREDTBL(n), RTE_MASKED);
    nioapics++;
    return 0;
}

static int find(uint32_t gsi)
{
    for (int i = 0; i < nioapics; i++)
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].entries)
            return i;
    return -1;
}

int ioapic_route(uint32_t gsi, uint8_t vector, bool level, bool active_low)
{
    int i = find(gsi);
    if (i < 0)
        return -ENOENT;
    uint32_t n = gsi - ioapics[i].gsi_base;
    wr(i, IOREDTBL(n) + 1, lapic_id() << 24);     /* physical destination: this CPU */
    wr(i, IOREDTBL(n), vector | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LOW : 0));
    return 0;
}

int ioapic_mask(uint32_t gsi, bool masked)
{
    int i = find(gsi);
    if (i < 0)
        return -ENOENT;
    uint32_t n = gsi - ioapics[i].gsi_base;
    uint32_t lo = rd(i, IOREDTBL(n));
    wr(i, IOREDTBL(n), masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
    return 0;
}

int ioapic_count(void) { return nioapics; }
