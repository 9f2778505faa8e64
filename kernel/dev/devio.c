/* Device I/O for PCI functions in the kernel: see kernel/dev/devio.h.
 *
 * Registers: a memory BAR is identity-mapped uncached by pci_map_bar
 * (docs/pci.md, "Mapping a BAR") and accessed with volatile loads and
 * stores of the access's width; an I/O BAR is reached with in/out. DMA:
 * kernel/mm/dma.h (zeroed pages, bus address = physical address).
 * Interrupts: MSI-X, MSI or INTx (PCI Local Bus 3.0, 6.8 and 2.2.6). The
 * hosted twin of this file is tests/devsim/devio_host.c. */
#include "kernel/dev/devio.h"
#include "kernel/arch/io.h"
#include "kernel/console/kprintf.h"
#include "kernel/errno.h"
#include "kernel/irq/irq.h"
#include "kernel/dev/mmio_bus.h"
#include "kernel/mm/dma.h"
#include "kernel/mm/vmm.h"
#include "lib/fmt.h"
#include "kernel/pci/pci.h"

/* A register access the window cannot take: misaligned, past its end, or
 * a width port I/O does not have. Reads of it give all ones, like a read
 * of a device that is gone; it is logged once per device. */
static bool access_ok(const struct devio_win *w, uint64_t off, unsigned width)
{
    bool ok = (width == 1 || width == 2 || width == 4 || (width == 8 && !w->pio)) &&
              (off & (width - 1)) == 0 && off < w->size && w->size - off >= width;
    if (!ok) {
        static const struct devio *warned;
        if (warned != w->io)
            pr_err("devio: %s: bad register access at 0x%llx width %u\n", w->io->name,
                   (unsigned long long)off, width);
        warned = w->io;
    }
    return ok;
}

static uint64_t kernel_read(const struct devio_win *w, uint64_t off, unsigned width)
{
    if (!access_ok(w, off, width))
        return width == 8 ? ~0ull : (1ull << (8 * width)) - 1;
    if (w->pio) {
        uint16_t port = (uint16_t)(w->base + off);
        return width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
    }
    uintptr_t a = w->base + (uintptr_t)off;
    switch (width) {
    case 1: return *(volatile uint8_t *)a;
    case 2: return *(volatile uint16_t *)a;
    case 4: return *(volatile uint32_t *)a;
    default: return *(volatile uint64_t *)a;
    }
}

static void kernel_write(const struct devio_win *w, uint64_t off, unsigned width, uint64_t v)
{
    if (!access_ok(w, off, width))
        return;
    if (w->pio) {
        uint16_t port = (uint16_t)(w->base + off);
        if (width == 1)
            outb(port, (uint8_t)v);
        else if (width == 2)
            outw(port, (uint16_t)v);
        else
            outl(port, (uint32_t)v);
        return;
    }
    uintptr_t a = w->base + (uintptr_t)off;
    switch (width) {
    case 1: *(volatile uint8_t *)a = (uint8_t)v; break;
    case 2: *(volatile uint16_t *)a = (uint16_t)v; break;
    case 4: *(volatile uint32_t *)a = (uint32_t)v; break;
    default: *(volatile uint64_t *)a = v; break;
    }
}

/* A present, assigned BAR: memory is mapped uncached and decoded; I/O
 * decoding is turned on and the window is its port range. */
static int kernel_map(struct devio *io, unsigned bar, struct devio_win *out)
{
    struct pci_dev *d = io->ctx;
    if (bar >= 6)
        return -EINVAL;
    pci_size_bars(d);
    const struct pci_bar *b = &d->bar[bar];
    if (!b->present || b->addr == 0)
        return -ENODEV;
    *out = (struct devio_win){ .io = io, .size = b->size, .pio = b->io };
    if (b->io) {
        int r = pci_enable_io(d);
        if (r < 0)
            return r;
        out->base = (uintptr_t)b->addr;
        return 0;
    }
    int r = pci_enable_mem(d);
    if (r < 0)
        return r;
    void *p = pci_map_bar(d, (int)bar);
    if (!p)
        return -ENODEV;
    out->base = (uintptr_t)p;
    return 0;
}

static int kernel_dma_alloc(struct devio *io, size_t size, unsigned flags, struct devio_dma *out)
{
    (void)io;
    uint64_t phys = 0;
    void *p = dma_alloc(size, flags & DEVIO_DMA_32BIT ? DMA_32BIT : 0, &phys);
    if (!p) {
        *out = (struct devio_dma){ 0 };
        return -ENOMEM;
    }
    *out = (struct devio_dma){ .virt = p, .bus = phys, .size = size };
    return 0;
}

static void kernel_dma_free(struct devio *io, struct devio_dma *mem)
{
    (void)io;
    dma_free(mem->virt);
}

/* The PCI layer's one helper (kernel/pci/pci_irq.c): MSI-X entry 0, else
 * MSI, else INTx, skipping the modes the driver rules out. */
static int kernel_irq_setup(struct devio *io, unsigned modes, devio_irq_fn fn, void *arg,
                            const char *name, struct devio_irq *out)
{
    unsigned flags = (modes & DEVIO_IRQ_MSIX ? 0 : PCI_IRQ_NO_MSIX) |
                     (modes & DEVIO_IRQ_MSI ? 0 : PCI_IRQ_NO_MSI) |
                     (modes & DEVIO_IRQ_INTX ? 0 : PCI_IRQ_NO_INTX);
    struct pci_irq pi;
    int r = pci_irq_setup(io->ctx, flags, fn, arg, name, &pi);
    if (r)
        return r;
    unsigned mode = pi.mode[0] == 'i' ? DEVIO_IRQ_INTX : pi.mode[3] == '-' ? DEVIO_IRQ_MSIX : DEVIO_IRQ_MSI;
    *out = (struct devio_irq){ .mode = mode, .vector = pi.vector, .line = pi.gsi };
    return 0;
}

/* One more MSI-X entry with a vector of its own (pci_msix_enable programs
 * one entry and leaves the others as they are). */
static int kernel_irq_setup_msix(struct devio *io, unsigned entry, devio_irq_fn fn, void *arg,
                                 const char *name, struct devio_irq *out)
{
    struct pci_dev *d = io->ctx;
    if ((int)entry >= pci_msix_count(d))
        return -ENODEV;
    int v = irq_alloc_vector();
    if (v < 0)
        return v;
    int r = irq_register(v, fn, arg, name);
    if (r == 0)
        r = pci_msix_enable(d, (int)entry, v);
    if (r < 0) {
        irq_free(v);
        return r;
    }
    *out = (struct devio_irq){ .mode = DEVIO_IRQ_MSIX, .vector = v, .line = entry };
    return 0;
}

static void kernel_irq_teardown(struct devio *io, struct devio_irq *irq)
{
    if (irq->mode == DEVIO_IRQ_MSIX && irq->line) {     /* an extra entry */
        pci_msix_mask(io->ctx, (int)irq->line, true);
        irq_free(irq->vector);
        return;
    }
    struct pci_irq pi = { devio_irq_mode_name(irq->mode), irq->vector, (uint8_t)irq->line };
    pci_irq_teardown(io->ctx, &pi);
}

static const struct devio_ops kernel_pci_ops = {
    .map = kernel_map,
    .read = kernel_read,
    .write = kernel_write,
    .dma_alloc = kernel_dma_alloc,
    .dma_free = kernel_dma_free,
    .irq_setup = kernel_irq_setup,
    .irq_teardown = kernel_irq_teardown,
    .irq_setup_msix = kernel_irq_setup_msix,
};

int devio_pci_open(struct devio *io, struct pci_dev *d)
{
    if (!d)
        return -ENODEV;
    *io = (struct devio){ .ops = &kernel_pci_ops, .ctx = d, .vendor = d->vendor,
                          .device = d->device };
    pci_name(d, io->name, sizeof io->name);
    pci_size_bars(d);
    return pci_enable_bus_master(d);
}

/* ---- Devices on the MMIO bus ---------------------------------------------- */

static int mmio_map(struct devio *io, unsigned bar, struct devio_win *out)
{
    struct mmio_dev *d = io->ctx;
    if (bar != 0)
        return -EINVAL;
    void *p = vmm_map_mmio(d->base, d->size, MAP_UC);
    if (!p)
        return -ENODEV;
    *out = (struct devio_win){ .io = io, .base = (uintptr_t)p, .size = d->size };
    return 0;
}

/* The bus's GSI, routed through the IOAPIC that serves it. */
static int mmio_irq_setup(struct devio *io, unsigned modes, devio_irq_fn fn, void *arg,
                          const char *name, struct devio_irq *out)
{
    struct mmio_dev *d = io->ctx;
    if (!(modes & DEVIO_IRQ_INTX) || !d->has_irq)
        return -ENODEV;
    int v = irq_route_gsi(d->gsi, d->irq_level, d->irq_active_low, fn, arg, name);
    if (v < 0)
        return v;
    *out = (struct devio_irq){ .mode = DEVIO_IRQ_INTX, .vector = v, .line = d->gsi };
    return 0;
}

static void mmio_irq_teardown(struct devio *io, struct devio_irq *irq)
{
    (void)io;
    irq_mask_gsi(irq->line, true);
    irq_free(irq->vector);
}

static const struct devio_ops kernel_mmio_ops = {
    .map = mmio_map,
    .read = kernel_read,
    .write = kernel_write,
    .dma_alloc = kernel_dma_alloc,
    .dma_free = kernel_dma_free,
    .irq_setup = mmio_irq_setup,
    .irq_teardown = mmio_irq_teardown,
};

int devio_mmio_open(struct devio *io, struct mmio_dev *d)
{
    if (!d || d->size == 0)
        return -ENODEV;
    *io = (struct devio){ .ops = &kernel_mmio_ops, .ctx = d };
    fmt_snprintf(io->name, sizeof io->name, "mmio@%llx", (unsigned long long)d->base);
    return 0;
}
