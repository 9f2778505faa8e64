/* MSI and MSI-X programming: one message for one vector at a time.
 *
 * PCI Local Bus Specification 3.0, 6.8.1 (MSI) and 6.8.2 (MSI-X); layouts
 * in kernel/pci/pci_reg.h. The message (address 0xFEExxxxx, data = vector and
 * delivery mode) comes from irq_msi_compose() (Intel SDM vol. 3A,
 * "Message Signalled Interrupts"). Under QEMU, e1000e, vmxnet3 and
 * virtio-pci devices have MSI-X; `info pci` in the monitor shows it.
 *
 * Capability offsets come from the scan (kernel/pci/pci.c), which bounded the
 * walk; here each capability must also fit in the 256-byte space, and an
 * MSI-X table must lie inside a present memory BAR. */
#include "kernel/errno.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_reg.h"

static bool cap_fits(uint8_t cap, unsigned len)
{
    return cap >= PCI_STD_HEADER_SIZE && cap + len <= PCI_CFG_SIZE;
}

static int message(int vector, struct msi_msg *m)
{
    if (vector < IRQ_VECTOR_FIRST || vector > IRQ_VECTOR_LAST)
        return -EINVAL;
    irq_msi_compose(vector, m);
    return m->data > 0xFFFF ? -ERANGE : 0;
}

/* With MSI or MSI-X on, a function must not use INTx# (6.8); setting the
 * command register's INTx disable bit as well keeps a pin that firmware
 * routed from firing into a vector nobody handles. */
static void intx_off(struct pci_dev *d)
{
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    if (!(cmd & PCI_CMD_INTX_DISABLE))
        pci_write16(d, PCI_COMMAND, cmd | PCI_CMD_INTX_DISABLE);
}

/* ---- MSI ------------------------------------------------------------- */

int pci_msi_enable(struct pci_dev *d, int vector)
{
    uint8_t cap = d ? d->cap_msi : 0;
    if (!cap)
        return -ENODEV;
    if (d->cap_msix)
        pci_msix_disable(d);                /* never both (PCI 3.0 6.8.2) */
    struct msi_msg m;
    int err = message(vector, &m);
    if (err)
        return err;
    uint16_t ctrl = pci_read16(d, cap + PCI_MSI_CTRL);
    bool is64 = ctrl & PCI_MSI_CTRL_64BIT, pvm = ctrl & PCI_MSI_CTRL_PVM;
    unsigned len = is64 ? sizeof(struct pci_msi_cap64) : sizeof(struct pci_msi_cap32);
    if (!cap_fits(cap, pvm ? len : len - 8))
        return -EINVAL;
    if (!is64 && (m.addr >> 32))
        return -ERANGE;
    /* Program the message while MSI is off, then enable one message
     * (multiple message enable = 0). */
    pci_write16(d, cap + PCI_MSI_CTRL, ctrl & ~PCI_MSI_CTRL_ENABLE);
    pci_write32(d, cap + PCI_MSI_ADDR_LO, (uint32_t)m.addr);
    if (is64)
        pci_write32(d, cap + PCI_MSI_ADDR_HI, (uint32_t)(m.addr >> 32));
    pci_write16(d, cap + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), (uint16_t)m.data);
    if (pvm) {
        uint16_t mask = cap + (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
        pci_write32(d, mask, pci_read32(d, mask) & ~1u);    /* unmask message 0 */
    }
    intx_off(d);
    ctrl = (ctrl & ~PCI_MSI_CTRL_MME) | PCI_MSI_CTRL_ENABLE;
    pci_write16(d, cap + PCI_MSI_CTRL, ctrl);
    return 0;
}

void pci_msi_disable(struct pci_dev *d)
{
    if (!d || !d->cap_msi)
        return;
    uint16_t ctrl = pci_read16(d, d->cap_msi + PCI_MSI_CTRL);
    pci_write16(d, d->cap_msi + PCI_MSI_CTRL, ctrl & ~PCI_MSI_CTRL_ENABLE);
}

/* ---- MSI-X ----------------------------------------------------------- */

static inline uint32_t msix_rd(volatile uint8_t *table, int entry, unsigned reg)
{
    return *(volatile uint32_t *)(table + (unsigned)entry * PCI_MSIX_ENTRY_SIZE + reg);
}

static inline void msix_wr(volatile uint8_t *table, int entry, unsigned reg, uint32_t v)
{
    *(volatile uint32_t *)(table + (unsigned)entry * PCI_MSIX_ENTRY_SIZE + reg) = v;
}

int pci_msix_count(struct pci_dev *d)
{
    if (!d || !d->cap_msix || !cap_fits(d->cap_msix, sizeof(struct pci_msix_cap)))
        return 0;
    return (pci_read16(d, d->cap_msix + PCI_MSIX_CTRL) & PCI_MSIX_CTRL_SIZE) + 1;
}

/* The table: BAR `BIR` at `offset` (6.8.2.4), entries of 16 bytes. It must
 * lie inside a present, assigned memory BAR; mapped once, then cached. */
static volatile uint8_t *msix_table(struct pci_dev *d, int count)
{
    if (d->msix_table)
        return d->msix_table;
    pci_size_bars(d);
    uint32_t t = pci_read32(d, d->cap_msix + PCI_MSIX_TABLE);
    unsigned bir = t & PCI_MSIX_BIR_MASK;
    uint64_t off = t & PCI_MSIX_OFFSET_MASK;
    const struct pci_bar *b = bir < PCI_NUM_BARS ? &d->bar[bir] : NULL;
    uint8_t *base = NULL;
    if (b && b->present && !b->io && off + (uint64_t)count * PCI_MSIX_ENTRY_SIZE <= b->size)
        base = pci_map_bar(d, (int)bir);
    if (!base) {
        char name[16];
        pci_name(d, name, sizeof name);
        pr_warn("pci: %s: MSI-X table (bar%u+0x%llx, %d entries) not in a usable BAR\n", name,
                bir, (unsigned long long)off, count);
        return NULL;
    }
    d->msix_table = base + off;
    return d->msix_table;
}

int pci_msix_enable(struct pci_dev *d, int entry, int vector)
{
    int n = pci_msix_count(d);
    if (n == 0)
        return -ENODEV;
    if (entry < 0 || entry >= n)
        return -EINVAL;
    struct msi_msg m;
    int err = message(vector, &m);
    if (err)
        return err;
    /* PCI 3.0 6.8.2: MSI and MSI-X must not be enabled at the same time. */
    if (d->cap_msi)
        pci_msi_disable(d);
    volatile uint8_t *table = msix_table(d, n);
    if (!table)
        return -EIO;
    pci_enable_mem(d);                  /* the table is in memory space */
    /* Enable with the function masked, so no entry signals while one is
     * half-written; an entry's address/data may only change while it is
     * masked (6.8.2.9). */
    uint16_t cap = d->cap_msix;
    uint16_t ctrl = pci_read16(d, cap + PCI_MSIX_CTRL);
    pci_write16(d, cap + PCI_MSIX_CTRL, ctrl | PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL);
    uint32_t vc = msix_rd(table, entry, PCI_MSIX_ENTRY_CTRL);
    msix_wr(table, entry, PCI_MSIX_ENTRY_CTRL, vc | PCI_MSIX_ENTRY_MASKED);
    msix_wr(table, entry, PCI_MSIX_ENTRY_ADDR_LO, (uint32_t)m.addr);
    msix_wr(table, entry, PCI_MSIX_ENTRY_ADDR_HI, (uint32_t)(m.addr >> 32));
    msix_wr(table, entry, PCI_MSIX_ENTRY_DATA, m.data);
    msix_wr(table, entry, PCI_MSIX_ENTRY_CTRL, vc & ~PCI_MSIX_ENTRY_MASKED);
    intx_off(d);
    ctrl = (ctrl | PCI_MSIX_CTRL_ENABLE) & ~PCI_MSIX_CTRL_MASKALL;
    pci_write16(d, cap + PCI_MSIX_CTRL, ctrl);
    return 0;
}

int pci_msix_mask(struct pci_dev *d, int entry, bool masked)
{
    int n = pci_msix_count(d);
    if (n == 0)
        return -ENODEV;
    if (entry < 0 || entry >= n)
        return -EINVAL;
    volatile uint8_t *table = msix_table(d, n);
    if (!table)
        return -EIO;
    uint32_t vc = msix_rd(table, entry, PCI_MSIX_ENTRY_CTRL);
    vc = masked ? vc | PCI_MSIX_ENTRY_MASKED : vc & ~PCI_MSIX_ENTRY_MASKED;
    msix_wr(table, entry, PCI_MSIX_ENTRY_CTRL, vc);
    return 0;
}

void pci_msix_disable(struct pci_dev *d)
{
    if (pci_msix_count(d) == 0)
        return;
    uint16_t ctrl = pci_read16(d, d->cap_msix + PCI_MSIX_CTRL);
    pci_write16(d, d->cap_msix + PCI_MSIX_CTRL, ctrl & ~PCI_MSIX_CTRL_ENABLE);
}
