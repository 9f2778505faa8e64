/* PCI Express native hot-plug ("pciehp") on root and downstream ports.
 *
 * Spec: PCI Express Base 5.0, 6.7 (hot-plug), 6.7.3 (slot events: Attention
 * Button Pressed, Presence Detect Changed, Data Link Layer State Changed,
 * Command Completed), 7.5.3.9-7.5.3.11 (Slot Capabilities, Control,
 * Status), 6.6.1 (100 ms from link up to the first configuration request);
 * PCI-to-PCI Bridge Architecture 1.2, 3.2.5.6-3.2.5.9 (address windows).
 * Layouts in kernel/pci/pci_reg.h. Linux drivers/pci/hotplug/pciehp_hpc.c
 * and pciehp_ctrl.c follow the same protocol.
 *
 * What QEMU's model does (hw/pci/pcie.c, pcie_cap_slot_*): `device_del`
 * on a powered slot "presses the attention button" (ABP, an interrupt when
 * ABPE and HPIE are set); the device goes once the guest turns the slot's
 * power off with the power indicator off. `device_add` sets Presence
 * Detect State and the link active bit and raises PDC (and ABP); a slot
 * the guest powered off keeps the new card unpowered until power is
 * turned on. Each Slot Control write completes at once (CC). q35 uses
 * this only with -global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off
 * (ACPI hot-plug otherwise).
 *
 * Here: each hot-plug capable port gets its own interrupt (pci_irq_setup:
 * MSI-X, MSI, or INTx; the handler only reads and acknowledges the slot's
 * events) and one thread handles them all:
 *   - button pressed, or presence lost, with functions bound behind the
 *     port: every function there is removed (the driver's .remove), then
 *     the slot's power and power indicator are turned off;
 *   - a card present in a slot without functions: power on, wait for the
 *     link (bounded), 100 ms, scan the secondary bus, give the new
 *     functions' BARs addresses inside the port's windows, bind drivers
 *     to them (pci_bind_dev).
 * Every value read from the port is checked: all ones means the port
 * itself is gone, windows must be open and hold the BARs.
 *
 * Try it: qemu-system-x86_64 -M q35 -global
 *   ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off -device
 *   pcie-root-port,id=rp1,chassis=1,slot=1 -netdev user,id=n0 -device
 *   e1000e,id=nic1,bus=rp1,netdev=n0 -monitor stdio -kernel build/minnow.elf
 *   -append app=shell; then `device_del nic1` and `device_add
 *   e1000e,id=nic1,bus=rp1,netdev=n0` in the monitor, `net` in the shell. */
#include "kernel/errno.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_reg.h"
#include "kernel/sched/sched.h"
#include "kernel/time/clock.h"
#include "lib/fmt.h"

#define PCIEHP_MAX_SLOTS      8
#define PCIEHP_CMD_TIMEOUT_NS 1000000000ull /* Command Completed (Linux waits 1 s too) */
#define PCIEHP_LINK_TIMEOUT_NS 1000000000ull /* link up after power on */
#define PCIEHP_LINK_SETTLE_NS 100000000ull  /* PCIe 6.6.1: 100 ms before config requests */
#define PCIEHP_POLL_NS        1000000ull
#define PCIEHP_IRQ_EVENTS     (PCIE_SLTSTA_ABP | PCIE_SLTSTA_PFD | PCIE_SLTSTA_MRLSC | \
                               PCIE_SLTSTA_PDC | PCIE_SLTSTA_DLLSC)

struct pciehp_slot {
    struct pci_dev *port;
    uint16_t cap;                   /* PCIe capability */
    uint32_t sltcap;
    unsigned number;                /* physical slot number */
    struct pci_irq irq;
    uint8_t intx_line[4];           /* GSI firmware gave each of the port's INTA-D, 0: unknown */
    uint16_t events;                /* PCIE_SLTSTA_* seen by the handler, not yet handled */
    char where[16];                 /* "00:02.0" */
    char irq_name[24];              /* "pciehp 00:02.0" */
};

static struct pciehp_slot slots[PCIEHP_MAX_SLOTS];
static int nslots;
static struct semaphore work;

static uint16_t slot_status(struct pciehp_slot *s)
{
    return pci_read16(s->port, s->cap + PCIE_SLTSTA);
}

/* Write-1-to-clear: pci_write16 writes Slot Control back unchanged. */
static void slot_ack(struct pciehp_slot *s, uint16_t events)
{
    pci_write16(s->port, s->cap + PCIE_SLTSTA, events);
}

/* Interrupt context: remember and acknowledge the events (so that a
 * level-triggered INTx drops and the next event signals again), wake the
 * thread. Command Completed is the thread's own business. */
static void pciehp_irq(void *arg)
{
    struct pciehp_slot *s = arg;
    uint16_t st = slot_status(s);
    if (st == 0xFFFF || !(st & PCIEHP_IRQ_EVENTS))
        return;                     /* port gone, or not ours (shared INTx) */
    slot_ack(s, st & PCIEHP_IRQ_EVENTS);
    s->events |= st & PCIEHP_IRQ_EVENTS;
    sem_up(&work);
}

/* One Slot Control command (6.7.3.2): the fields in `mask` become `val`;
 * then wait (bounded) for Command Completed unless the port has none. */
static int slot_command(struct pciehp_slot *s, uint16_t mask, uint16_t val)
{
    uint16_t ctl = pci_read16(s->port, s->cap + PCIE_SLTCTL);
    if (ctl == 0xFFFF)
        return -ENODEV;
    pci_write16(s->port, s->cap + PCIE_SLTCTL, (uint16_t)((ctl & ~mask) | (val & mask)));
    if (s->sltcap & PCIE_SLTCAP_NCCS)
        return 0;
    uint64_t deadline = clock_ns() + PCIEHP_CMD_TIMEOUT_NS;
    for (;;) {
        uint16_t st = slot_status(s);
        if (st != 0xFFFF && (st & PCIE_SLTSTA_CC)) {
            slot_ack(s, PCIE_SLTSTA_CC);
            return 0;
        }
        if (clock_ns() > deadline) {
            pr_warn("pciehp: %s: slot command 0x%04x not completed\n", s->where, val);
            return -ETIMEDOUT;
        }
        thread_sleep_ns(PCIEHP_POLL_NS);
    }
}

/* Functions behind the port: on buses sec_bus..sub_bus (PPB 1.2, 3.2.5.3). */
static bool behind(const struct pciehp_slot *s, const struct pci_dev *d)
{
    const struct pci_dev *p = s->port;
    return !d->gone && d->seg == p->seg && d->bus >= p->sec_bus && d->bus <= p->sub_bus;
}

static int slot_functions(const struct pciehp_slot *s)
{
    int n = 0;
    for (int i = 0; i < pci_count(); i++)
        n += behind(s, pci_get(i));
    return n;
}

/* ---- Removal ---------------------------------------------------------- */

static void slot_remove(struct pciehp_slot *s, const char *why)
{
    pr_info("pciehp: %s slot %u: %s: removing %d function(s)\n", s->where, s->number, why,
            slot_functions(s));
    for (int i = 0; i < pci_count(); i++) {
        struct pci_dev *d = pci_get(i);
        if (behind(s, d))
            pci_remove_dev(d);
    }
    /* Power and power indicator off: QEMU completes the unplug on this. */
    if (s->sltcap & PCIE_SLTCAP_PCP)
        slot_command(s, PCIE_SLTCTL_PCC | PCIE_SLTCTL_PIC_MASK, PCIE_SLTCTL_PCC | PCIE_SLTCTL_PIC_OFF);
    /* What the power-off itself raised (PDC) is not news. */
    slot_ack(s, PCIE_SLTSTA_EVENTS);
    pr_info("pciehp: %s slot %u: powered off\n", s->where, s->number);
}

/* ---- Insertion: resources for the new functions ----------------------- */

struct window {
    uint64_t next, end;             /* [next, end) still free */
};

static void window_set(struct window *w, uint64_t base, uint64_t limit)
{
    w->next = base;
    w->end = base <= limit ? limit + 1 : base;     /* closed: empty */
}

static void windows_read(const struct pci_dev *p, struct window *mem, struct window *pref,
                         struct window *io)
{
    uint64_t b = (uint64_t)(pci_read16(p, PCI_MEMORY_BASE) & 0xFFF0) << PCI_WINDOW_MEM_SHIFT;
    uint64_t l = (uint64_t)(pci_read16(p, PCI_MEMORY_LIMIT) & 0xFFF0) << PCI_WINDOW_MEM_SHIFT;
    window_set(mem, b, l | (PCI_WINDOW_MEM_GRAN - 1));
    uint16_t pb = pci_read16(p, PCI_PREF_BASE), pl = pci_read16(p, PCI_PREF_LIMIT);
    b = (uint64_t)(pb & 0xFFF0) << PCI_WINDOW_MEM_SHIFT;
    l = (uint64_t)(pl & 0xFFF0) << PCI_WINDOW_MEM_SHIFT;
    if ((pb & 0xF) == 1) {                         /* 64-bit window */
        b |= (uint64_t)pci_read32(p, PCI_PREF_BASE_UPPER) << 32;
        l |= (uint64_t)pci_read32(p, PCI_PREF_LIMIT_UPPER) << 32;
    }
    window_set(pref, b, l | (PCI_WINDOW_MEM_GRAN - 1));
    b = (uint64_t)(pci_read8(p, PCI_IO_BASE) & 0xF0) << PCI_WINDOW_IO_SHIFT;
    l = (uint64_t)(pci_read8(p, PCI_IO_LIMIT) & 0xF0) << PCI_WINDOW_IO_SHIFT;
    window_set(io, b, l | (PCI_WINDOW_IO_GRAN - 1));
    if (pb == 0xFFFF)                              /* port gone: nothing */
        mem->end = mem->next, pref->end = pref->next, io->end = io->next;
}

/* The next `size`-aligned block of w (sizes are powers of two), or 0. */
static uint64_t window_take(struct window *w, uint64_t size)
{
    uint64_t a = (w->next + size - 1) & ~(size - 1);
    if (size == 0 || a < w->next || a + size < a || a + size > w->end || a == 0)
        return 0;
    w->next = a + size;
    return a;
}

/* Writes a BAR's new address (PCI 3.0, 6.2.5.1); the low flag bits are
 * read-only. A 64-bit BAR gets its high dword in the next slot. */
static void bar_write(struct pci_dev *d, int i, uint64_t addr)
{
    uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
    pci_write32(d, off, (uint32_t)addr);
    if (d->bar[i].is64)
        pci_write32(d, off + 4, (uint32_t)(addr >> 32));
    d->bar[i].addr = addr;
}

/* Largest BAR first, so that alignment wastes least. A 64-bit memory BAR
 * may go into a 64-bit prefetchable window; the others stay below 4 GiB. */
static void assign_bars(struct pci_dev *d, struct window *mem, struct window *pref,
                        struct window *io, const char *where)
{
    pci_size_bars(d);
    bool done[PCI_NUM_BARS] = { false };
    for (int round = 0; round < PCI_NUM_BARS; round++) {
        int best = -1;
        for (int i = 0; i < PCI_NUM_BARS; i++)
            if (!done[i] && d->bar[i].present && (best < 0 || d->bar[i].size > d->bar[best].size))
                best = i;
        if (best < 0)
            return;
        done[best] = true;
        struct pci_bar *b = &d->bar[best];
        uint64_t a = 0;
        if (b->io)
            a = window_take(io, b->size);
        else if (b->prefetch && (b->is64 || pref->end <= (1ull << 32)))
            a = window_take(pref, b->size);
        if (!a && !b->io)
            a = window_take(mem, b->size);
        if (!a) {
            pr_warn("pciehp: %s bar%d (%s, size 0x%llx): no room in the port's window\n", where,
                    best, b->io ? "io" : "mem", (unsigned long long)b->size);
            b->present = false;
            continue;
        }
        bar_write(d, best, a);
    }
}

/* INTx of a function behind the port arrives as the port's pin
 * ((pin - 1 + device) mod 4: PPB 1.2, 9.1), which firmware routed at boot
 * (its interrupt line register, or that of the functions it found behind
 * the port). A hot-added function's line register is 0 (nobody ran to set
 * it); it gets the GSI of its swizzled pin when that is known. */
static unsigned swizzle(const struct pci_dev *d, uint8_t pin)
{
    return (unsigned)(pin - 1 + d->dev) % 4;
}

static void intx_learn(struct pciehp_slot *s, const struct pci_dev *d)
{
    uint8_t pin = pci_read8(d, PCI_INTERRUPT_PIN), line = pci_read8(d, PCI_INTERRUPT_LINE);
    if (pin >= 1 && pin <= 4 && line != 0 && line != 0xFF)
        s->intx_line[d == s->port ? (unsigned)(pin - 1) : swizzle(d, pin)] = line;
}

static void intx_assign(struct pciehp_slot *s, struct pci_dev *d)
{
    uint8_t pin = pci_read8(d, PCI_INTERRUPT_PIN), line = pci_read8(d, PCI_INTERRUPT_LINE);
    if (pin < 1 || pin > 4 || (line != 0 && line != 0xFF))
        return;
    line = s->intx_line[swizzle(d, pin)];
    if (line) {
        pci_write8(d, PCI_INTERRUPT_LINE, line);
        d->irq_line = line;
    }
}

/* PCIe 6.7.3.3 / 6.6.1: with Data Link Layer Link Active reporting, wait
 * for the link; without it, 1 s is the spec's bound for training. Then
 * 100 ms before the first configuration request. */
static int wait_link(struct pciehp_slot *s)
{
    uint32_t lnkcap = pci_read32(s->port, s->cap + PCIE_LNKCAP);
    uint64_t deadline = clock_ns() + PCIEHP_LINK_TIMEOUT_NS;
    if (lnkcap != 0xFFFFFFFFu && (lnkcap & PCIE_LNKCAP_DLLLARC)) {
        for (;;) {
            uint16_t ls = pci_read16(s->port, s->cap + PCIE_LNKSTA);
            if (ls != 0xFFFF && (ls & PCIE_LNKSTA_DLLLA))
                break;
            if (clock_ns() > deadline)
                return -ETIMEDOUT;
            thread_sleep_ns(10 * PCIEHP_POLL_NS);
        }
    } else {
        thread_sleep_ns(PCIEHP_LINK_TIMEOUT_NS);
    }
    thread_sleep_ns(PCIEHP_LINK_SETTLE_NS);
    return 0;
}

static void slot_insert(struct pciehp_slot *s)
{
    pr_info("pciehp: %s slot %u: card present, powering on\n", s->where, s->number);
    if ((s->sltcap & PCIE_SLTCAP_PCP) &&
        slot_command(s, PCIE_SLTCTL_PCC | PCIE_SLTCTL_PIC_MASK, PCIE_SLTCTL_PIC_ON) != 0)
        return;
    if (wait_link(s) != 0) {
        pr_warn("pciehp: %s slot %u: link did not come up\n", s->where, s->number);
        return;
    }
    slot_ack(s, PCIE_SLTSTA_EVENTS);    /* the insertion's own PDC/ABP/DLLSC */
    int n = pci_rescan_bus(s->port->seg, s->port->sec_bus);
    if (n <= 0) {
        pr_warn("pciehp: %s slot %u: no function answers on bus %02x\n", s->where, s->number,
                s->port->sec_bus);
        return;
    }
    struct window mem, pref, io;
    windows_read(s->port, &mem, &pref, &io);
    for (int i = 0; i < pci_count(); i++) {
        struct pci_dev *d = pci_get(i);
        if (!behind(s, d) || d->driver || d->bars_sized)
            continue;
        char name[16];
        pci_name(d, name, sizeof name);
        assign_bars(d, &mem, &pref, &io, name);
        intx_assign(s, d);
        pr_info("pciehp: %s slot %u: %s %04x:%04x\n", s->where, s->number, name, d->vendor,
                d->device);
        /* Only the new functions: one whose probe failed at boot is not
         * tried again behind the driver's back. */
        pci_bind_dev(d);
    }
}

/* ---- Events ------------------------------------------------------------ */

static void slot_event(struct pciehp_slot *s, uint16_t ev)
{
    uint16_t st = slot_status(s), ctl = pci_read16(s->port, s->cap + PCIE_SLTCTL);
    if (st == 0xFFFF || ctl == 0xFFFF)
        return;                         /* the port itself is gone */
    bool present = st & PCIE_SLTSTA_PDS;
    bool bound = slot_functions(s) > 0;
    pr_debug("pciehp: %s slot %u: events 0x%04x status 0x%04x control 0x%04x\n", s->where,
             s->number, ev, st, ctl);
    if (bound && !present)
        slot_remove(s, "card gone");
    else if (bound && (ev & PCIE_SLTSTA_ABP))
        slot_remove(s, "attention button");
    else if (!bound && present && (ev & (PCIE_SLTSTA_PDC | PCIE_SLTSTA_ABP | PCIE_SLTSTA_DLLSC)))
        slot_insert(s);
}

static void pciehp_thread(void *arg)
{
    (void)arg;
    for (;;) {
        sem_down(&work);
        for (int i = 0; i < nslots; i++) {
            uint64_t f = irq_save();
            uint16_t ev = slots[i].events;
            slots[i].events = 0;
            irq_restore(f);
            if (ev)
                slot_event(&slots[i], ev);
        }
    }
}

/* ---- Setup --------------------------------------------------------------- */

static bool hotplug_port(const struct pci_dev *d, uint32_t *sltcap)
{
    if ((d->header_type & PCI_HDR_TYPE_MASK) != PCI_HDR_BRIDGE || !d->cap_pcie ||
        d->cap_pcie + PCIE_SLTSTA + 2u > PCI_CFG_SIZE || d->gone)
        return false;
    uint16_t flags = pci_read16(d, d->cap_pcie + PCIE_FLAGS);
    unsigned type = (flags & PCIE_FLAGS_TYPE_MASK) >> PCIE_FLAGS_TYPE_SHIFT;
    if (flags == 0xFFFF || !(flags & PCIE_FLAGS_SLOT) ||
        (type != PCIE_TYPE_ROOT_PORT && type != PCIE_TYPE_DOWNSTREAM))
        return false;
    *sltcap = pci_read32(d, d->cap_pcie + PCIE_SLTCAP);
    return *sltcap != 0xFFFFFFFFu && (*sltcap & PCIE_SLTCAP_HPC) && d->sec_bus > d->bus;
}

static void slot_setup(struct pci_dev *d, uint32_t sltcap)
{
    struct pciehp_slot *s = &slots[nslots];
    *s = (struct pciehp_slot){ .port = d, .cap = d->cap_pcie, .sltcap = sltcap,
                               .number = sltcap >> PCIE_SLTCAP_PSN_SHIFT };
    pci_name(d, s->where, sizeof s->where);
    intx_learn(s, d);
    for (int i = 0; i < pci_count(); i++)
        if (behind(s, pci_get(i)))
            intx_learn(s, pci_get(i));
    fmt_snprintf(s->irq_name, sizeof s->irq_name, "pciehp %s", s->where);
    slot_ack(s, PCIE_SLTSTA_EVENTS);    /* stale events from firmware's time */
    int r = pci_irq_setup(d, 0, pciehp_irq, s, s->irq_name, &s->irq);
    if (r < 0) {
        pr_warn("pciehp: %s: no interrupt (%d): hot-plug off for this slot\n", s->where, r);
        return;
    }
    nslots++;
    uint16_t en = PCIE_SLTCTL_PDCE | PCIE_SLTCTL_HPIE;
    if (sltcap & PCIE_SLTCAP_ABP)
        en |= PCIE_SLTCTL_ABPE;
    slot_command(s, PCIE_SLTCTL_ABPE | PCIE_SLTCTL_PDCE | PCIE_SLTCTL_CCIE | PCIE_SLTCTL_HPIE |
                        PCIE_SLTCTL_DLLSCE, en);
    bool present = slot_status(s) & PCIE_SLTSTA_PDS;
    pr_info("pciehp: %s slot %u: hot-plug (%s), %s\n", s->where, s->number, s->irq.mode,
            present ? "occupied" : "empty");
    if (present && slot_functions(s) == 0) {    /* a card firmware left off */
        s->events |= PCIE_SLTSTA_PDC;
        sem_up(&work);
    }
}

void pci_hotplug_init(void)
{
    sem_init(&work, 0);
    for (int i = 0; i < pci_count() && nslots < PCIEHP_MAX_SLOTS; i++) {
        uint32_t sltcap;
        struct pci_dev *d = pci_get(i);
        if (hotplug_port(d, &sltcap))
            slot_setup(d, sltcap);
    }
    if (nslots == 0)
        return;
    struct thread *t = thread_create("pciehp", pciehp_thread, NULL, 0);
    if (!t) {
        pr_err("pciehp: no thread: hot-plug events are not handled\n");
        return;
    }
    thread_detach(t);
}
