/* PCI: enumeration, BARs, capabilities, and the driver registry.
 *
 * pci_kernel_init() picks a configuration backend (ECAM from the ACPI MCFG
 * table, else port I/O mechanism #1), scans from bus 0 through PCI-to-PCI
 * bridges, finds capabilities, binds drivers (sizing the BARs of the
 * devices they match) and prints the listing. Drivers register with PCI_DRIVER() and are matched by
 * vendor/device or by class code:
 *
 *     static const struct pci_id e1000_ids[] = {
 *         PCI_ID(0x8086, 0x100E),
 *         PCI_ID_CLASS(0x020000, 0xFFFF00),     (any Ethernet controller)
 *         { 0 }
 *     };
 *     PCI_DRIVER(e1000, .name = "e1000", .ids = e1000_ids, .probe = e1000_probe);
 *
 * A probe returns 0 to claim the device or a negative errno; a failure is
 * logged and the boot goes on. An ID's `data` reaches probe with the
 * matching entry. Wire formats are in kernel/pci/pci_reg.h.
 *
 * Devices may come and go at run time behind PCIe hot-plug ports
 * (kernel/pci/pci_hotplug.c): pci_remove_dev calls the driver's .remove
 * and forgets the function; pci_rescan_bus adds what a slot now holds. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/linkset.h"

#define PCI_MAX_DEVICES 256     /* functions kept by the registry */
#define PCI_ANY         0xFFFF  /* pci_id wildcard for vendor/device */

struct pci_bar {
    uint64_t addr;              /* bus address (identity-mapped); 0 = unassigned */
    uint64_t size;              /* bytes, a power of two */
    bool io;                    /* I/O space (else memory) */
    bool is64;                  /* 64-bit memory BAR: uses the next slot too */
    bool prefetch;
    bool present;               /* implemented and sane */
    bool bad;                   /* the device answered sizing with garbage */
};

struct pci_driver;

struct pci_dev {
    uint16_t seg;
    uint8_t bus, dev, fn;
    uint16_t vendor, device, subsys_vendor, subsys_device;
    uint8_t class, subclass, prog_if, revision;
    uint8_t header_type;        /* raw, incl. PCI_HDR_MULTIFUNC */
    uint8_t irq_line, irq_pin;
    uint8_t sec_bus, sub_bus;   /* bridges: secondary/subordinate bus */
    struct pci_bar bar[6];      /* slot i = BAR i (after pci_size_bars); the high half
                                   of a 64-bit BAR is empty */
    bool bars_sized;
    uint8_t cap_msi, cap_msix, cap_pcie;   /* config offsets, 0 = absent */
    bool caps_bad;              /* the capability list was cut short (loop, bad pointer) */
    void *msix_table;           /* mapped by pci_msix_enable */
    const struct pci_driver *driver;
    void *priv;                 /* the driver's */
    bool gone;                  /* hot-removed: the slot is free for reuse */
};

/* Matches vendor and device (PCI_ANY = any), and when class_mask is not 0
 * also (class << 16 | subclass << 8 | prog_if) & class_mask ==
 * class_code & class_mask. A table ends with an all-zero entry. */
struct pci_id {
    uint16_t vendor, device;
    uint32_t class_code, class_mask;
    const void *data;           /* the driver's, for this entry (a model description) */
};
#define PCI_ID(v, d)           { .vendor = (v), .device = (d) }
#define PCI_ID_DATA(v, d, p)   { .vendor = (v), .device = (d), .data = (p) }
#define PCI_ID_CLASS(cc, mask) { .vendor = PCI_ANY, .device = PCI_ANY, \
                                 .class_code = (cc), .class_mask = (mask) }

struct pci_driver {
    const char *name;
    const struct pci_id *ids;
    int (*probe)(struct pci_dev *d, const struct pci_id *id);
    /* The device is going (hot-unplug): stop it, release what probe took,
     * return when nothing of the driver refers to d. Optional: a driver
     * without it keeps its device to the end. */
    void (*remove)(struct pci_dev *d);
};
/* The section is walked as an array: entries must pack without gaps. */
_Static_assert(sizeof(struct pci_driver) % 8 == 0, "pci_driver stride");

/* Registers a driver in the pci_drivers linker set (kernel/linkset.h). */
#define PCI_DRIVER(var_, ...)                                                   \
    static const struct pci_driver pci_driver_##var_                           \
        LINKSET_ENTRY(pci_drivers) = { __VA_ARGS__ }

/* How configuration space is reached: one aligned dword at a time; off is
 * a multiple of 4 below 4096. Reads of absent functions give 0xFFFFFFFF. */
struct pci_cfg_ops {
    uint32_t (*read32)(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off);
    void (*write32)(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off,
                    uint32_t v);
    void *ctx;
    const char *name;           /* for the log: "ecam", "port" */
};

/* Configuration access. Out-of-range or misaligned offsets read as all ones
 * and are not written. 8/16-bit writes read-modify-write the dword; when
 * that dword holds the status register its write-1-to-clear bits are
 * written as 0, so writing COMMAND does not clear error flags. */
uint8_t pci_read8(const struct pci_dev *d, uint16_t off);
uint16_t pci_read16(const struct pci_dev *d, uint16_t off);
uint32_t pci_read32(const struct pci_dev *d, uint16_t off);
void pci_write8(const struct pci_dev *d, uint16_t off, uint8_t v);
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v);
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v);

/* Forgets all devices and scans segment 0 from bus 0 through `ops`.
 * Returns the number of functions found (capped at PCI_MAX_DEVICES). */
int pci_init(const struct pci_cfg_ops *ops);
/* Scans one more root bus (another ECAM segment); returns functions added. */
int pci_scan_root(uint16_t seg, uint8_t bus);
const struct pci_cfg_ops *pci_cfg(void);

int pci_count(void);
struct pci_dev *pci_get(int i);                 /* NULL when out of range */
/* The next device after `from` (NULL = first) with vendor/device
 * (PCI_ANY = any). */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device, struct pci_dev *from);
bool pci_id_match(const struct pci_id *id, const struct pci_dev *d);

/* Binds each device without a driver to the first driver whose probe
 * accepts it (a failing probe is logged; later drivers still get a try). */
void pci_bind_drivers(void);
/* The same for one function (a hot-added one): 0 when a driver took it,
 * -ENODEV when none did. */
int pci_bind_dev(struct pci_dev *d);
void pci_bind_drivers_from(const struct pci_driver *first, const struct pci_driver *end);

/* One line per function ("00:03.0 8086:100e ethernet    e1000"); with
 * detail also its BARs ("  bar0 mem32 0xfebc0000 size 0x20000"),
 * capabilities ("  caps: pm msi pcie msix") and the MSI-X table. */
void pci_list(void (*print)(const char *line), bool detail);
/* "00:03.0", or "0001:00:03.0" outside segment 0. */
void pci_name(const struct pci_dev *d, char *buf, size_t size);
const char *pci_class_name(uint8_t class, uint8_t subclass, uint8_t prog_if);

int pci_enable_bus_master(struct pci_dev *d);
int pci_enable_mem(struct pci_dev *d);
int pci_enable_io(struct pci_dev *d);

/* Capabilities: the config offset of the first capability `id` after
 * `from` (0 = from the start), or 0. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from);

/* Sizes the BARs into d->bar[] (once; later calls return at once). The
 * scan does not: drivers see sized BARs in probe, and pci_map_bar and the
 * detailed listing size on demand. Interrupts are off while the device's
 * decoding is (PCI 3.0 6.2.5.1); single CPU assumed. */
void pci_size_bars(struct pci_dev *d);

/* Maps a present, assigned memory BAR uncached; NULL for I/O or absent. */
void *pci_map_bar(struct pci_dev *d, int bar);

/* Pure BAR decoding from the values read before (orig) and after (mask)
 * writing all ones; the _hi pair is the next BAR's, used only for 64-bit
 * memory BARs. Fills *out and returns the BAR slots consumed (1 or 2).
 * Unimplemented BARs (mask 0) come back not present; inconsistent answers
 * (size not a power of two, reserved type, misaligned address) come back
 * not present and `bad`. */
int pci_bar_decode(uint32_t orig_lo, uint32_t orig_hi, uint32_t mask_lo, uint32_t mask_hi,
                   struct pci_bar *out);

/* MSI / MSI-X (kernel/pci/pci_msi.c): one message per call, for `vector` on
 * the boot CPU (irq_msi_compose). The caller enables bus mastering. Both
 * set the command register's INTx-disable bit. */
int pci_msi_enable(struct pci_dev *d, int vector);
void pci_msi_disable(struct pci_dev *d);
int pci_msix_count(struct pci_dev *d);          /* table entries, 0 without MSI-X */
int pci_msix_enable(struct pci_dev *d, int entry, int vector);
int pci_msix_mask(struct pci_dev *d, int entry, bool masked);
void pci_msix_disable(struct pci_dev *d);

/* Interrupts for a driver (kernel/pci/pci_irq.c): MSI-X entry 0, else MSI,
 * else INTx through the IOAPIC at the GSI in the interrupt line register
 * (level, active low: PCI 3.0 2.2.6), skipping the modes `flags` rules
 * out. Enables bus mastering for the message modes (a message is a memory
 * write by the device). `name` must outlive the interrupt. */
#define PCI_IRQ_NO_MSIX  (1u << 0)
#define PCI_IRQ_NO_MSI   (1u << 1)
#define PCI_IRQ_NO_INTX  (1u << 2)
struct pci_irq {
    const char *mode;           /* "msi-x", "msi", "intx"; NULL: none set up */
    int vector;
    uint8_t gsi;                /* intx */
};
int pci_irq_setup(struct pci_dev *d, unsigned flags, void (*handler)(void *), void *arg,
                  const char *name, struct pci_irq *out);
/* Undoes pci_irq_setup (idempotent): the device stops signalling, the
 * vector is freed. */
void pci_irq_teardown(struct pci_dev *d, struct pci_irq *irq);

/* Hot-plug support (kernel/pci/pci.c): unbinds (driver .remove) and
 * forgets a function and, for a bridge, what lies behind it. */
void pci_remove_dev(struct pci_dev *d);
/* Scans bus `bus` of segment `seg` again (a slot filled), adding the
 * functions not yet known; returns how many were added. */
int pci_rescan_bus(uint16_t seg, uint8_t bus);
/* Finds a live function by address; NULL when none. */
struct pci_dev *pci_lookup(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn);

/* Kernel side (kernel/pci/pci_cfg.c): backend choice, scan, bind, listing,
 * then PCIe native hot-plug on the ports that have it (pci_hotplug.c). */
void pci_kernel_init(void);
void pci_hotplug_init(void);
/* The port I/O backend, or NULL when mechanism #1 does not answer. */
const struct pci_cfg_ops *pci_cfg_port(void);
