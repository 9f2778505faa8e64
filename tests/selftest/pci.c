/* PCI self-test (selftest=pci): prints the full listing (BARs,
 * capabilities, MSI-X tables) and checks what firmware and the scan must
 * have got right on any machine:
 *   - each function is listed once, and its vendor ID reads back;
 *   - every BAR answered sizing sanely, has a power-of-two size, an address
 *     aligned to it, and is assigned (non-zero); I/O BARs fit in 64 KiB;
 *   - no two assigned BARs of the same space overlap;
 *   - capability lists end properly; an MSI-X table lies in a memory BAR;
 *   - with ECAM, every segment-0 function reads the same through port I/O.
 * tests/system runs it on -M pc and -M q35 with e1000, e1000e, vmxnet3,
 * pvscsi and vmware-svga attached, and checks the listing from outside. */
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_reg.h"
#include "kernel/core/selftest.h"

static void print_line(const char *line) { kprintf("%s\n", line); }

static int fail(const struct pci_dev *d, const char *what, int bar)
{
    char name[16];
    pci_name(d, name, sizeof name);
    if (bar >= 0)
        kprintf("selftest: pci: %s bar%d: %s\n", name, bar, what);
    else
        kprintf("selftest: pci: %s: %s\n", name, what);
    return 1;
}

static int check_bar(const struct pci_dev *d, int i)
{
    const struct pci_bar *b = &d->bar[i];
    if (b->bad)
        return fail(d, "inconsistent sizing answer", i);
    if (!b->present)
        return 0;
    if (b->size == 0 || (b->size & (b->size - 1)))
        return fail(d, "size not a power of two", i);
    if (b->addr & (b->size - 1))
        return fail(d, "address not aligned to its size", i);
    if (b->addr == 0)
        return fail(d, "not assigned (address 0)", i);
    if (b->io && b->addr + b->size > 0x10000)
        return fail(d, "I/O range beyond 64 KiB", i);
    return 0;
}

static int check_msix(struct pci_dev *d)
{
    if (!d->cap_msix)
        return 0;
    uint32_t t = pci_read32(d, d->cap_msix + PCI_MSIX_TABLE);
    unsigned bir = t & PCI_MSIX_BIR_MASK;
    uint64_t end = (t & PCI_MSIX_OFFSET_MASK) + (uint64_t)pci_msix_count(d) * PCI_MSIX_ENTRY_SIZE;
    if (bir >= PCI_NUM_BARS || !d->bar[bir].present || d->bar[bir].io || end > d->bar[bir].size)
        return fail(d, "MSI-X table not inside a memory BAR", -1);
    return 0;
}

static int check_dev(struct pci_dev *d, int index)
{
    int errs = 0;
    if (pci_read16(d, PCI_VENDOR_ID) != d->vendor)
        errs += fail(d, "vendor ID does not read back", -1);
    for (int j = 0; j < index; j++) {
        const struct pci_dev *o = pci_get(j);
        if (o->seg == d->seg && o->bus == d->bus && o->dev == d->dev && o->fn == d->fn)
            errs += fail(d, "listed twice", -1);
    }
    for (int i = 0; i < PCI_NUM_BARS; i++)
        errs += check_bar(d, i);
    if (d->caps_bad)
        errs += fail(d, "capability list cut short", -1);
    return errs + check_msix(d);
}

static bool overlap(const struct pci_bar *a, const struct pci_bar *b)
{
    return a->present && b->present && a->addr && b->addr && a->io == b->io &&
           a->addr < b->addr + b->size && b->addr < a->addr + a->size;
}

/* O(n^2) over at most 256 x 6 BARs: fine for a test. */
static int check_overlaps(void)
{
    int errs = 0, n = pci_count();
    for (int i = 0; i < n * PCI_NUM_BARS; i++)
        for (int j = i + 1; j < n * PCI_NUM_BARS; j++) {
            const struct pci_dev *a = pci_get(i / PCI_NUM_BARS), *b = pci_get(j / PCI_NUM_BARS);
            if (overlap(&a->bar[i % PCI_NUM_BARS], &b->bar[j % PCI_NUM_BARS]))
                errs += fail(b, "overlaps another BAR", j % PCI_NUM_BARS);
        }
    return errs;
}

static int check_backends(void)
{
    const struct pci_cfg_ops *port = pci_cfg_port(), *cur = pci_cfg();
    if (!port || cur == port)
        return 0;
    int errs = 0;
    for (int i = 0; i < pci_count(); i++) {
        const struct pci_dev *d = pci_get(i);
        for (uint16_t off = 0; d->seg == 0 && off < PCI_STD_HEADER_SIZE; off += 4) {
            if (off == PCI_COMMAND || off == PCI_CACHE_LINE_SIZE)
                continue;               /* status and BIST bits may change under us */
            uint32_t a = cur->read32(cur->ctx, 0, d->bus, d->dev, d->fn, off);
            uint32_t b = port->read32(port->ctx, 0, d->bus, d->dev, d->fn, off);
            if (a != b) {
                kprintf("selftest: pci: offset 0x%02x: %s 0x%08x, port 0x%08x\n", off, cur->name, a, b);
                errs += fail(d, "ECAM and port I/O disagree", -1);
                break;
            }
        }
    }
    return errs;
}

SELFTEST(pci, "PCI: list functions, BARs and capabilities; check BARs and config access")
{
    if (!pci_cfg() || pci_count() == 0) {
        kprintf("selftest: pci: no PCI functions found\n");
        return -ENODEV;
    }
    kprintf("selftest: pci: %d functions via %s\n", pci_count(), pci_cfg()->name);
    pci_list(print_line, true);         /* sizes every function's BARs */
    int errs = 0;
    for (int i = 0; i < pci_count(); i++)
        errs += check_dev(pci_get(i), i);
    errs += check_overlaps() + check_backends();
    kprintf("selftest: pci: %d problem(s)\n", errs);
    return errs ? -EFAULT : 0;
}
