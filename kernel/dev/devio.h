/* Device I/O: the narrow interface between a device driver and the device.
 *
 * A PCI driver (and, later, a virtio-MMIO transport) reaches its device
 * only through these calls: registers in a mapped window, DMA memory, and
 * one interrupt. The same driver source then builds into the kernel, where
 * kernel/dev/devio.c implements them on top of kernel/pci/ (pci_map_bar,
 * MSI-X/MSI/INTx), kernel/mm/dma.h and kernel/irq/irq.h, and into hosted
 * test programs on Linux, where tests/devsim/devio_host.c implements them
 * on top of a register-level device model (tests/devsim/e1000_model.c): the
 * model answers register accesses, reads and writes "guest memory" only
 * inside what the driver allocated, and raises interrupts that the test
 * delivers. hv/hv_platform.h is the same idea for hv/.
 *
 * Shape: a struct devio per device, embedded in the driver's state and
 * filled by devio_pci_open(); it carries a small table of backend
 * operations (struct devio_ops). Register accesses go through an indirect
 * call: next to the cost of an MMIO access (a VM exit under a hypervisor)
 * the call costs nothing, and it keeps #ifdef HOSTED out of drivers.
 *
 *     struct devio io;  struct devio_win regs;
 *     devio_pci_open(&io, pci_dev);             name, BAR sizing, bus master
 *     devio_map(&io, 0, &regs);                 BAR 0: decoding on, mapped
 *     v = devio_read32(&regs, 0x08);            one register
 *     devio_dma_alloc(&io, 4096, DEVIO_DMA_32BIT, &ring);
 *     devio_irq_setup(&io, DEVIO_IRQ_ANY, handler, arg, "nic 00:03.0", &irq);
 *
 * Rules for drivers, which both backends hold them to:
 *   - Register offsets are naturally aligned and inside the window; an
 *     access outside reads as all ones and is not written (the kernel
 *     backend), or fails the test (hosted).
 *   - Everything the device writes into DMA memory is untrusted input.
 *   - The interrupt handler runs in interrupt context (kernel/irq/irq.h):
 *     short, no blocking; it wakes a thread for the real work.
 * Errors are negative errno values (kernel/errno.h). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/errno.h"

struct devio;
struct devio_win;
struct pci_dev;

/* One DMA allocation: zeroed, physically contiguous, page-aligned. `bus`
 * is the address the device uses (equal to the physical address on x86,
 * where DMA is cache-coherent and the kernel identity-mapped). */
struct devio_dma {
    void *virt;                 /* NULL: not allocated */
    uint64_t bus;
    size_t size;
};
#define DEVIO_DMA_32BIT   (1u << 0)     /* the device addresses only the low 4 GiB */

/* Interrupt modes, tried in this order by devio_irq_setup: MSI-X entry 0,
 * MSI with one message, then the INTx pin (level, active low). */
#define DEVIO_IRQ_MSIX    (1u << 0)
#define DEVIO_IRQ_MSI     (1u << 1)
#define DEVIO_IRQ_INTX    (1u << 2)
#define DEVIO_IRQ_ANY     (DEVIO_IRQ_MSIX | DEVIO_IRQ_MSI | DEVIO_IRQ_INTX)

struct devio_irq {
    unsigned mode;              /* one DEVIO_IRQ_* bit: what was set up; 0: none */
    int vector;                 /* CPU vector (kernel); backend's number hosted */
    unsigned line;              /* INTx: the GSI it is routed from (kernel) */
};
typedef void (*devio_irq_fn)(void *arg);

/* A register window: a memory BAR (or an MMIO region) or an I/O port BAR. */
struct devio_win {
    struct devio *io;
    uintptr_t base;             /* backend's: mapped address, first port, model cookie */
    uint64_t size;              /* bytes */
    bool pio;                   /* port I/O: 8/16/32-bit accesses only */
};

struct devio_ops {
    /* Maps BAR `bar` and turns on its decoding (memory or I/O). */
    int (*map)(struct devio *io, unsigned bar, struct devio_win *out);
    /* width is 1, 2, 4 or 8 bytes; off is aligned to it. */
    uint64_t (*read)(const struct devio_win *w, uint64_t off, unsigned width);
    void (*write)(const struct devio_win *w, uint64_t off, unsigned width, uint64_t v);
    int (*dma_alloc)(struct devio *io, size_t size, unsigned flags, struct devio_dma *out);
    void (*dma_free)(struct devio *io, struct devio_dma *mem);
    int (*irq_setup)(struct devio *io, unsigned modes, devio_irq_fn fn, void *arg,
                     const char *name, struct devio_irq *out);
    void (*irq_teardown)(struct devio *io, struct devio_irq *irq);
    /* Optional (NULL: not offered): one more MSI-X entry, see
     * devio_irq_setup_msix. */
    int (*irq_setup_msix)(struct devio *io, unsigned entry, devio_irq_fn fn, void *arg,
                          const char *name, struct devio_irq *out);
};

struct devio {
    const struct devio_ops *ops;
    void *ctx;                  /* the backend's: the struct pci_dev, the model */
    char name[16];              /* "00:03.0": for log and trace lines */
    uint16_t vendor, device;    /* identity, as the bus reported it */
};

/* Opens a PCI function: fills *io with the backend for it (the kernel's, or
 * the hosted model attached to `d`), names it, sizes its BARs and enables
 * bus mastering. 0, or -ENODEV. Nothing to close: the kernel never unbinds
 * a driver. A virtio-MMIO transport will get an open of its own (one
 * window at a fixed address, an interrupt line) filling the same ops. */
int devio_pci_open(struct devio *io, struct pci_dev *d);

/* Opens a device of the MMIO bus (kernel/dev/mmio_bus.h): "BAR" 0 is its
 * register window, the interrupt its GSI (INTx mode: a line, with the
 * trigger and polarity the bus found), DMA as for PCI. 0 or -ENODEV. */
struct mmio_dev;
int devio_mmio_open(struct devio *io, struct mmio_dev *d);

static inline int devio_map(struct devio *io, unsigned bar, struct devio_win *out)
{
    return io->ops->map(io, bar, out);
}

/* ---- Registers ---------------------------------------------------------- */
static inline uint8_t devio_read8(const struct devio_win *w, uint64_t off)
{
    return (uint8_t)w->io->ops->read(w, off, 1);
}
static inline uint16_t devio_read16(const struct devio_win *w, uint64_t off)
{
    return (uint16_t)w->io->ops->read(w, off, 2);
}
static inline uint32_t devio_read32(const struct devio_win *w, uint64_t off)
{
    return (uint32_t)w->io->ops->read(w, off, 4);
}
static inline uint64_t devio_read64(const struct devio_win *w, uint64_t off)
{
    return w->io->ops->read(w, off, 8);
}
static inline void devio_write8(const struct devio_win *w, uint64_t off, uint8_t v)
{
    w->io->ops->write(w, off, 1, v);
}
static inline void devio_write16(const struct devio_win *w, uint64_t off, uint16_t v)
{
    w->io->ops->write(w, off, 2, v);
}
static inline void devio_write32(const struct devio_win *w, uint64_t off, uint32_t v)
{
    w->io->ops->write(w, off, 4, v);
}
static inline void devio_write64(const struct devio_win *w, uint64_t off, uint64_t v)
{
    w->io->ops->write(w, off, 8, v);
}

/* ---- DMA memory --------------------------------------------------------- */
/* Zeroed memory of at least `size` bytes (rounded up to pages) into *out;
 * -ENOMEM. Free with devio_dma_free, which is idempotent. */
static inline int devio_dma_alloc(struct devio *io, size_t size, unsigned flags,
                                  struct devio_dma *out)
{
    return io->ops->dma_alloc(io, size, flags, out);
}
static inline void devio_dma_free(struct devio *io, struct devio_dma *mem)
{
    if (mem->virt)
        io->ops->dma_free(io, mem);
    mem->virt = NULL;
}

/* ---- Interrupts --------------------------------------------------------- */
/* Installs fn(arg) on the first mode of `modes` that works (MSI-X, MSI,
 * INTx in that order) and reports it in *out; -ENODEV when none does. The
 * name shows in the kernel's `irq` listing and must outlive the device. An
 * INTx line may be shared: fn must cope with being called for nothing. */
static inline int devio_irq_setup(struct devio *io, unsigned modes, devio_irq_fn fn, void *arg,
                                  const char *name, struct devio_irq *out)
{
    return io->ops->irq_setup(io, modes, fn, arg, name, out);
}

/* After devio_irq_setup chose MSI-X: MSI-X table entry `entry` (> 0) gets
 * a vector and handler of its own (virtio: one per queue). Its *out has
 * mode DEVIO_IRQ_MSIX and line = entry; devio_irq_teardown undoes it (the
 * entry first, then entry 0's). 0, -ENODEV (no such entry, not MSI-X, or a
 * backend without it: share entry 0 instead), -ENOSPC (no vector). */
static inline int devio_irq_setup_msix(struct devio *io, unsigned entry, devio_irq_fn fn,
                                       void *arg, const char *name, struct devio_irq *out)
{
    if (!io->ops->irq_setup_msix || entry == 0)
        return -ENODEV;
    return io->ops->irq_setup_msix(io, entry, fn, arg, name, out);
}

/* Undoes devio_irq_setup (idempotent), for a driver's remove: the device
 * stops signalling, then the handler goes. */
static inline void devio_irq_teardown(struct devio *io, struct devio_irq *irq)
{
    if (irq->mode)
        io->ops->irq_teardown(io, irq);
    irq->mode = 0;
}

/* "msi-x", "msi", "intx" (or "none"): for log lines. */
static inline const char *devio_irq_mode_name(unsigned mode)
{
    return mode == DEVIO_IRQ_MSIX ? "msi-x" : mode == DEVIO_IRQ_MSI ? "msi"
                                                : mode == DEVIO_IRQ_INTX ? "intx" : "none";
}
