/* The hosted devio backend (tests/devsim/devio_host.c): what device models
 * and hosted driver tests see of it.
 *
 * A model (tests/devsim/e1000_model.c) embeds a struct devhost_dev, fills
 * its PCI identity, BAR sizes, interrupt modes and register callbacks, and
 * attaches it. The driver's probe is then called with &dev->pci: its
 * devio_pci_open finds the model, register accesses land in the callbacks,
 * DMA memory comes from a simulated guest-physical address space, and the
 * interrupt handler is stored for the test to deliver.
 *
 * Guest memory: every DMA allocation is its own host allocation (so ASan
 * sees the driver's overruns) at a bus address of its own, with an
 * unmapped guard page between allocations. A model reaches guest memory
 * only through devhost_dma_read/write, which require the whole range to
 * lie inside one live allocation; anything else is a DMA violation, which
 * fails the running test. The driver decides every address the device
 * uses (ring bases, buffer addresses), so a violation is the driver's bug.
 *
 * Interrupts: the model calls devhost_irq_raise for each message (MSI,
 * MSI-X) or edge, and reports a level with its irq_asserted callback
 * (INTx). A model with msix_entries > 1 offers devio_irq_setup_msix's
 * extra entries too, and raises each with devhost_irq_raise_entry.
 * Nothing interrupts the driver on its own: the test calls
 * devhost_irq_deliver between driver calls, which is when a real interrupt
 * could arrive too. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/dev/devio.h"
#include "kernel/pci/pci.h"

struct devhost_model_ops {
    uint64_t (*read)(void *model, unsigned bar, uint64_t off, unsigned width);
    void (*write)(void *model, unsigned bar, uint64_t off, unsigned width, uint64_t v);
    /* The driver set up interrupts in `mode` (one DEVIO_IRQ_* bit). */
    void (*irq_mode)(void *model, unsigned mode);
    /* INTx: whether the line is asserted now (level triggered). */
    bool (*irq_asserted)(void *model);
};

#define DEVHOST_MSIX 8

struct devhost_dev {
    struct pci_dev pci;             /* what the driver's probe is given */
    const struct devhost_model_ops *ops;
    void *model;
    uint64_t bar_size[6];           /* 0: no BAR */
    bool bar_pio[6];
    unsigned irq_modes;             /* DEVIO_IRQ_* the device offers */
    unsigned msix_entries;          /* MSI-X table size (> 1: extra entries offered) */

    /* Backend state. */
    bool opened, bus_master;
    devio_irq_fn irq_fn;
    void *irq_arg;
    unsigned irq_mode;              /* set up by the driver, 0: none */
    bool irq_msg_pending;           /* a message (or edge) not yet delivered */
    uint64_t irqs_delivered;
    unsigned irq_teardowns;         /* devio_irq_teardown calls */
    /* MSI-X entries 1..DEVHOST_MSIX-1 (index 0 unused: entry 0 is above). */
    devio_irq_fn msix_fn[DEVHOST_MSIX];
    void *msix_arg[DEVHOST_MSIX];
    bool msix_pending[DEVHOST_MSIX];
    uint64_t bad_accesses;          /* register accesses outside a window */
};

/* Makes d known to devio_pci_open; d->pci gets vendor/device from the
 * caller, a name "00:02.0" + slot. */
void devhost_attach(struct devhost_dev *d, uint8_t slot);
void devhost_detach(struct devhost_dev *d);

/* Called by the model: one interrupt message (or edge). */
void devhost_irq_raise(struct devhost_dev *d);
/* The same for MSI-X entry `entry` (0: devhost_irq_raise). */
void devhost_irq_raise_entry(struct devhost_dev *d, unsigned entry);
/* Delivers one pending interrupt to the driver's handler, if there is
 * one: a raised message, or an asserted INTx line; entry 0 before the
 * extra MSI-X entries. Returns whether a handler ran. */
bool devhost_irq_deliver(struct devhost_dev *d);

/* Guest memory, for models: 0, or -EFAULT after failing the test. */
int devhost_dma_read(uint64_t bus, void *buf, size_t len);
int devhost_dma_write(uint64_t bus, const void *buf, size_t len);

/* Test controls and checks. */
void devhost_reset(void);                   /* forget all devices; frees live DMA */
unsigned devhost_dma_live(void);            /* allocations not yet freed */
uint64_t devhost_dma_violations(void);
void devhost_dma_fail_at(int n);            /* the n-th allocation from now fails (0: none) */
void devhost_dma_set_base(uint64_t bus);    /* bus address of the next allocation */
/* Host pointer of [bus, bus+len) inside one allocation, or NULL (no
 * violation counted): for tests that play a hostile device by hand. */
void *devhost_dma_peek(uint64_t bus, size_t len);
