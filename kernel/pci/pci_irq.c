/* One interrupt for a PCI function: the best mode the function offers.
 *
 * Order of preference, as in Linux drivers/pci/msi (pci_alloc_irq_vectors
 * with PCI_IRQ_ALL_TYPES): MSI-X (PCI Local Bus 3.0, 6.8.2; entry 0), then
 * MSI (6.8.1; one message), then INTx# (2.2.6: level-sensitive, active
 * low), routed through the IOAPIC at the GSI firmware left in the
 * interrupt line register (ACPI _PRT routing is firmware's, and QEMU's
 * SeaBIOS and OVMF both fill the register). A mode that fails to program
 * falls through to the next; the vector allocated for the message modes
 * is kept across them and freed if none works.
 *
 * Teardown (for a driver's .remove on hot-unplug) turns the mode off in
 * the function first, then frees the vector, so that nothing arrives on a
 * vector without its handler. For INTx the GSI is masked too: minnow
 * routes a GSI to one vector (irq_route_gsi), so nothing else receives
 * that line through ours.
 *
 * Try it: qemu-system-x86_64 -M q35 -device e1000e -kernel build/minnow.elf
 * (the boot log's "e1000: ... msi-x"); `-device e1000` gives msi. */
#include "kernel/errno.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_reg.h"

/* A message-signalled vector with the handler installed; -errno. */
static int msg_vector(void (*handler)(void *), void *arg, const char *name)
{
    int v = irq_alloc_vector();
    if (v < 0)
        return v;
    int r = irq_register(v, handler, arg, name);
    if (r < 0) {
        irq_free(v);
        return r;
    }
    return v;
}

static int try_msix(struct pci_dev *d, int v)
{
    if (!d->cap_msix || pci_msix_count(d) <= 0)
        return -ENODEV;
    return pci_msix_enable(d, 0, v);
}

static int try_msi(struct pci_dev *d, int v)
{
    if (!d->cap_msi)
        return -ENODEV;
    return pci_msi_enable(d, v);
}

/* INTx: the pin register says whether the function has one (1-4 = A-D),
 * the line register which GSI firmware routed it to; 0xFF means "unknown
 * or not connected" (PCI 3.0 6.2.4), and GSI 0 is the timer's. */
static int try_intx(struct pci_dev *d, void (*handler)(void *), void *arg, const char *name,
                    struct pci_irq *out)
{
    uint8_t pin = pci_read8(d, PCI_INTERRUPT_PIN), line = pci_read8(d, PCI_INTERRUPT_LINE);
    if (pin == 0 || pin > 4 || line == 0 || line == 0xFF)
        return -ENODEV;
    /* INTx# is off while the command register's disable bit is set
     * (pci_msi_enable sets it): clear it for this mode. */
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    if (cmd & PCI_CMD_INTX_DISABLE)
        pci_write16(d, PCI_COMMAND, cmd & ~PCI_CMD_INTX_DISABLE);
    int v = irq_route_gsi(line, true, true, handler, arg, name);
    if (v < 0)
        return v;
    out->mode = "intx";
    out->vector = v;
    out->gsi = line;
    return 0;
}

int pci_irq_setup(struct pci_dev *d, unsigned flags, void (*handler)(void *), void *arg,
                  const char *name, struct pci_irq *out)
{
    if (!d || !handler || !out)
        return -EINVAL;
    *out = (struct pci_irq){ .vector = -1 };
    bool msix = !(flags & PCI_IRQ_NO_MSIX) && d->cap_msix;
    bool msi = !(flags & PCI_IRQ_NO_MSI) && d->cap_msi;
    int err = -ENODEV;
    if (msix || msi) {
        int v = msg_vector(handler, arg, name);
        if (v < 0)
            return v;
        pci_enable_bus_master(d);
        if (msix && (err = try_msix(d, v)) == 0) {
            out->mode = "msi-x";
            out->vector = v;
            return 0;
        }
        if (msi && (err = try_msi(d, v)) == 0) {
            out->mode = "msi";
            out->vector = v;
            return 0;
        }
        irq_free(v);
    }
    if (!(flags & PCI_IRQ_NO_INTX))
        err = try_intx(d, handler, arg, name, out);
    return err;
}

void pci_irq_teardown(struct pci_dev *d, struct pci_irq *irq)
{
    if (!irq || !irq->mode)
        return;
    if (d && irq->mode[0] == 'm') {         /* msi-x, msi */
        pci_msix_disable(d);
        pci_msi_disable(d);
    } else if (d) {
        uint16_t cmd = pci_read16(d, PCI_COMMAND);
        if (cmd != 0xFFFF)                  /* the function still answers */
            pci_write16(d, PCI_COMMAND, cmd | PCI_CMD_INTX_DISABLE);
        irq_mask_gsi(irq->gsi, true);
    }
    irq_free(irq->vector);
    irq->mode = NULL;
    irq->vector = -1;
}
