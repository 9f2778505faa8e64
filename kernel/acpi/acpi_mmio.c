/* ACPI -> the MMIO bus: the devices of the DSDT and SSDTs, read by the
 * static AML reader (acpi_aml_dev.h), that minnow lists on the MMIO bus
 * (kernel/dev/mmio_bus.h):
 *   - virtio-mmio transports, _HID "LNRO0005" (QEMU's microvm:
 *     hw/i386/acpi-microvm.c; Firecracker's DSDT: src/vmm/src/device_manager/
 *     mmio.rs), with their Memory32Fixed window and Interrupt GSI;
 *   - the RTC, _HID PNP0B00 (its window is I/O ports 0x70..);
 *   - any other device with both a memory window and an interrupt.
 * An interrupt given by an ISA IRQ descriptor (6.4.2.1) is turned into its
 * GSI through the MADT's interrupt source overrides (5.2.12.5), whose
 * trigger/polarity flags win when they are not "conforms to the bus". */
#include "kernel/acpi/acpi.h"
#include "kernel/acpi/acpi_aml_dev.h"
#include "kernel/acpi/acpi_reg.h"
#include "kernel/console/kprintf.h"
#include "kernel/dev/mmio_bus.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/vmm.h"
#include "lib/string.h"

#define ACPI_MMIO_SCAN_MAX 128      /* devices read per boot (pc's DSDT has 51) */

static void isa_to_gsi(struct mmio_dev *m, uint32_t isa)
{
    m->gsi = isa;
    for (size_t i = 0; i < acpi.noverrides; i++) {
        if (acpi.overrides[i].bus != 0 || acpi.overrides[i].isa_irq != isa)
            continue;
        uint16_t f = acpi.overrides[i].flags;
        m->gsi = acpi.overrides[i].gsi;
        if ((f & ACPI_MPS_INTI_POLARITY_MASK) != ACPI_MPS_INTI_POLARITY_BUS)
            m->irq_active_low = (f & ACPI_MPS_INTI_POLARITY_MASK) == ACPI_MPS_INTI_ACTIVE_LOW;
        if ((f & ACPI_MPS_INTI_TRIGGER_MASK) != ACPI_MPS_INTI_TRIGGER_BUS)
            m->irq_level = (f & ACPI_MPS_INTI_TRIGGER_MASK) != ACPI_MPS_INTI_EDGE;
    }
}

static void add(const struct acpi_aml_dev *d)
{
    bool virtio = strcmp(d->hid, "LNRO0005") == 0, rtc = strcmp(d->hid, "PNP0B00") == 0;
    if (!(virtio && d->has_mem) && !(rtc && (d->has_mem || d->has_io)) && !(d->has_mem && d->has_irq))
        return;
    struct mmio_dev m = { .uid = d->uid, .src = MMIO_SRC_ACPI, .has_irq = d->has_irq,
                          .irq_level = d->irq_level, .irq_active_low = d->irq_active_low };
    memcpy(m.hid, d->hid, sizeof m.hid);
    size_t n = strlen(d->path);             /* keep the end: "...S08_.RTC_" */
    memcpy(m.path, d->path + (n >= sizeof m.path ? n - sizeof m.path + 1 : 0),
           n >= sizeof m.path ? sizeof m.path : n + 1);
    m.io = !d->has_mem;
    m.base = d->has_mem ? d->mem_base : d->io_base;
    m.size = d->has_mem ? d->mem_len : d->io_len;
    if (d->has_irq && d->irq_isa)
        isa_to_gsi(&m, d->irq);
    else
        m.gsi = d->irq;
    mmio_bus_add(&m);
}

void acpi_mmio_scan(void)
{
    struct acpi_aml_devs list = { .max = ACPI_MMIO_SCAN_MAX };
    if (!acpi_ready)
        return;
    list.dev = kmalloc(sizeof *list.dev * list.max);
    if (!list.dev)
        return;
    for (size_t i = 0; i < acpi.ntables; i++) {
        const char *sig = acpi.tables[i].sig;
        uint32_t len = acpi.tables[i].len;
        if (!acpi.tables[i].ok || len < 36 || (memcmp(sig, ACPI_SIG_DSDT, 4) && memcmp(sig, ACPI_SIG_SSDT, 4)))
            continue;
        const uint8_t *t = vmm_map_phys(acpi.tables[i].addr, len);
        size_t before = list.n;
        int err = t ? acpi_aml_devices(t + 36, len - 36, &list) : -EFAULT;
        if (err) {
            pr_warn("acpi: %s at 0x%llx: AML not readable for devices (%d)\n", sig,
                    (unsigned long long)acpi.tables[i].addr, err);
            list.n = before;
        }
    }
    if (list.skipped || list.bad || list.n > list.max)
        pr_info("acpi: %zu devices; %u scopes left at an unknown opcode, %u bad _CRS, %zu not kept\n", list.n,
                list.skipped, list.bad, list.n > list.max ? list.n - list.max : 0);
    for (size_t i = 0; i < list.n && i < list.max; i++)
        add(&list.dev[i]);
    kfree(list.dev);
}
