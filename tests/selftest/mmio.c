/* MMIO bus self-test (selftest=mmio): what the DSDT and the command line
 * said must be true of the machine.
 *   - every listed memory window can be mapped (not RAM, below MAXPHYADDR);
 *   - a virtio-mmio transport (LNRO0005) answers at its window: the magic
 *     value "virt" at offset 0 (virtio 1.2, 4.2.2 "MMIO Device Register
 *     Layout"); its version (1 legacy, 2 modern) and device ID (1 net,
 *     2 block, 0 none plugged) are printed for tests/system to check;
 *   - every listed interrupt is an input of some IOAPIC (masking it
 *     succeeds): on microvm with ACPI, GSIs 24-47 are the second IOAPIC's.
 * tests/system/cases_mmio.py runs it on microvm with ACPI and with
 * acpi=off, with a virtio-net and a virtio-blk device. */
#include "kernel/console/kprintf.h"
#include "kernel/core/selftest.h"
#include "kernel/dev/mmio_bus.h"
#include "kernel/irq/irq.h"
#include "kernel/mm/vmm.h"
#include "lib/string.h"

#define VIRTIO_MMIO_MAGIC 0x74726976u  /* "virt", little-endian */

SELFTEST(mmio, "MMIO bus: windows map, virtio-mmio magic answers, GSIs are IOAPIC inputs")
{
    int bad = 0;
    unsigned n = mmio_bus_count();
    if (n == 0) {
        kprintf("selftest: mmio: no devices listed\n");
        return 1;
    }
    for (unsigned i = 0; i < n; i++) {
        const struct mmio_dev *d = mmio_bus_get(i);
        if (d->has_irq && irq_mask_gsi(d->gsi, true) != 0) {
            kprintf("selftest: mmio: %s: gsi %u is no IOAPIC's input\n", d->path, d->gsi);
            bad++;
        }
        if (d->io)
            continue;
        volatile uint32_t *r = vmm_map_mmio(d->base, d->size, MAP_UC);
        if (!r) {
            kprintf("selftest: mmio: %s: window 0x%llx+0x%llx does not map\n", d->path,
                    (unsigned long long)d->base, (unsigned long long)d->size);
            bad++;
            continue;
        }
        if (strcmp(d->hid, "LNRO0005") != 0 || d->size < 0x100)
            continue;
        uint32_t magic = r[0], version = r[1], id = r[2];
        kprintf("selftest: mmio: %s magic 0x%08x version %u device id %u\n", d->path, magic, version, id);
        if (magic != VIRTIO_MMIO_MAGIC)
            bad++;
    }
    return bad;
}
