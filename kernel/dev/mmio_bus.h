/* The MMIO bus: devices at fixed physical addresses that no PCI bus lists.
 *
 * QEMU's microvm and Firecracker give a guest virtio-mmio devices (and an
 * RTC) that are found in one of two ways, both of which feed this bus:
 *   - the ACPI DSDT: Device objects with a _HID (e.g. "LNRO0005" for
 *     virtio-mmio, "PNP0B00" for the RTC) and a _CRS resource template
 *     (Memory32Fixed + Interrupt), read by a bounded static AML reader
 *     (kernel/acpi/), no method execution;
 *   - the kernel command line, Linux's form that Firecracker writes:
 *     virtio_mmio.device=<size>@<base>:<irq>[:<id>], size with an optional
 *     K/M/G suffix (Documentation/admin-guide/kernel-parameters.txt,
 *     drivers/virtio/virtio_mmio.c vm_cmdline_set()).
 * A device found both ways (the same base) is listed once.
 *
 * Discovery runs in platform_init() right after the ACPI tables: the
 * DSDT/SSDTs first (kernel/acpi/acpi_mmio.c: LNRO0005, the RTC PNP0B00
 * whose window is I/O ports, any device with a memory window and an
 * interrupt), then the command line. `dev` in the shell lists the bus.
 *
 * Drivers register with MMIO_DRIVER() and are matched by the hardware id
 * ("LNRO0005"; the command-line form counts as "LNRO0005"). Probing runs
 * at INIT_BUS level, after discovery; a probe that fails is logged and the
 * device stays listed without a driver. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "kernel/linkset.h"

#define MMIO_HID_MAX   9            /* "LNRO0005", "PNP0B00" + NUL */
#define MMIO_DEV_MAX   32

enum mmio_src { MMIO_SRC_ACPI = 1, MMIO_SRC_CMDLINE };

struct mmio_driver;

struct mmio_dev {
    char hid[MMIO_HID_MAX];         /* ACPI _HID (EISA ids decoded to text) */
    uint32_t uid;                   /* ACPI _UID, or the command line's id; 0 */
    uint64_t base, size;            /* the register window */
    uint32_t gsi;                   /* interrupt: a GSI (IOAPIC input) */
    bool has_irq;
    bool irq_level, irq_active_low; /* from the Interrupt descriptor; cmdline: edge, high */
    bool io;                        /* base/size are I/O ports (the RTC's 0x70), not memory */
    enum mmio_src src;
    char path[24];                  /* "\_SB_.VR00" or "cmdline#0": for the log */
    const struct mmio_driver *driver;
    void *priv;                     /* the driver's */
};

struct mmio_driver {
    const char *name;
    const char *hid;                /* matched exactly */
    int (*probe)(struct mmio_dev *d);
};
_Static_assert(sizeof(struct mmio_driver) % 8 == 0, "mmio_driver stride");

#define MMIO_DRIVER(var_, ...)                                                  \
    static const struct mmio_driver mmio_driver_##var_                         \
        LINKSET_ENTRY(mmio_drivers) = { __VA_ARGS__ }

/* Adds a discovered device (copied; hid and path are cut to their arrays):
 * 0, -EEXIST (same base in the same space already listed: the first source
 * wins, the duplicate is logged), -EINVAL (size 0, a window that wraps,
 * lies past the 52-bit physical space (I/O: past 0xFFFF) or overlaps a
 * listed one), -ENOSPC (MMIO_DEV_MAX). Each refusal is one log line. */
int mmio_bus_add(const struct mmio_dev *d);
/* Parses every virtio_mmio.device= of the command line into the bus;
 * malformed entries are logged and skipped. Returns how many were added. */
int mmio_bus_from_cmdline(const char *cmdline);
/* Binds drivers to the listed devices (once; idempotent). */
void mmio_bus_probe(void);

unsigned mmio_bus_count(void);
struct mmio_dev *mmio_bus_get(unsigned i);
