/* PCI configuration backends, and the kernel's PCI bring-up.
 *
 * Two ways to reach configuration space:
 *   - port I/O, configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2):
 *     the address goes to 0xCF8, the dword is read or written at 0xCFC.
 *     256 bytes per function, segment 0 only. Every PC chipset and QEMU's
 *     i440FX (-M pc) and Q35 (-M q35) have it.
 *   - ECAM (PCI Express Base 5.0, 7.2.2): all 4 KiB of each function,
 *     memory-mapped, from the windows listed in the ACPI MCFG table (PCI
 *     Firmware 3.0, 4.1.2). QEMU's q35 has one at 0xB0000000 for buses
 *     0-255; i440FX has none.
 *
 * pci_kernel_init() prefers ECAM when MCFG lists a window for segment 0
 * and that window agrees with port I/O about 00:00.0, then scans, binds
 * drivers and lists the devices. `pci=port` forces port I/O, `pci=ecam`
 * ECAM without the cross-check, `pci=off` skips PCI.
 *
 * Try it: qemu-system-x86_64 -M q35 -device e1000e -kernel build/minnow.elf
 *         -append "loglevel=4"   (lists BARs and capabilities). */
#include "kernel/acpi/acpi.h"
#include "kernel/core/cmdline.h"
#include "kernel/init.h"
#include "kernel/arch/io.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_reg.h"
#include "kernel/mm/vmm.h"

enum { PCI_MODE_AUTO, PCI_MODE_ECAM, PCI_MODE_PORT, PCI_MODE_OFF };
static const char *const pci_modes[] = { "auto", "ecam", "port", "off", NULL };
static int opt_pci_mode;
CMDLINE_OPTION(pci, .key = "pci", .type = CMDLINE_ENUM, .dst = &opt_pci_mode, .choices = pci_modes,
               .help = "PCI configuration access: auto (ECAM if ACPI has MCFG), ecam, port, off");

/* ---- Mechanism #1: ports 0xCF8/0xCFC ---------------------------------- */

static uint32_t conf1_address(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    return PCI_CONF1_ENABLE | (uint32_t)bus << PCI_CONF1_BUS_SHIFT |
           (uint32_t)dev << PCI_CONF1_DEV_SHIFT | (uint32_t)fn << PCI_CONF1_FN_SHIFT |
           (off & PCI_CONF1_REG_MASK);
}

static bool conf1_ok(uint16_t seg, uint8_t dev, uint8_t fn, uint16_t off)
{
    return seg == 0 && dev < 32 && fn < 8 && off < PCI_CFG_SIZE && !(off & 3);
}

/* The address/data pair is two accesses: interrupts stay off between them
 * so that a handler's own access cannot slip in. */
static uint32_t port_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                            uint16_t off)
{
    (void)ctx;
    if (!conf1_ok(seg, dev, fn, off))
        return 0xFFFFFFFFu;
    uint64_t flags = irq_save();
    outl(PCI_CONF1_ADDR_PORT, conf1_address(bus, dev, fn, off));
    uint32_t v = inl(PCI_CONF1_DATA_PORT);
    irq_restore(flags);
    return v;
}

static void port_write32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                         uint16_t off, uint32_t v)
{
    (void)ctx;
    if (!conf1_ok(seg, dev, fn, off))
        return;
    uint64_t flags = irq_save();
    outl(PCI_CONF1_ADDR_PORT, conf1_address(bus, dev, fn, off));
    outl(PCI_CONF1_DATA_PORT, v);
    irq_restore(flags);
}

static const struct pci_cfg_ops port_ops = { port_read32, port_write32, NULL, "port" };

/* Mechanism #1 is there when 0xCF8 holds what was written to it (Linux
 * arch/x86/pci/direct.c, pci_check_type1). Where nothing decodes the port
 * (microvm, Firecracker) it reads as all ones. */
const struct pci_cfg_ops *pci_cfg_port(void)
{
    static int state;                   /* 0 unknown, 1 present, -1 absent */
    if (state == 0) {
        uint64_t flags = irq_save();
        uint32_t saved = inl(PCI_CONF1_ADDR_PORT);
        outl(PCI_CONF1_ADDR_PORT, PCI_CONF1_ENABLE);
        state = inl(PCI_CONF1_ADDR_PORT) == PCI_CONF1_ENABLE ? 1 : -1;
        outl(PCI_CONF1_ADDR_PORT, saved);
        irq_restore(flags);
    }
    return state > 0 ? &port_ops : NULL;
}

/* ---- ECAM ------------------------------------------------------------ */

struct ecam_window {
    uint64_t base;                      /* MCFG address: bus 0 of the segment */
    volatile uint8_t *va;               /* mapping of bus `start` */
    uint16_t seg;
    uint8_t start, end;
};
static struct ecam_window windows[ACPI_MAX_ECAM];
static int nwindows;

static volatile uint32_t *ecam_ptr(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    if (dev >= 32 || fn >= 8 || off >= PCI_CFG_SIZE_EXT || (off & 3))
        return NULL;
    for (int i = 0; i < nwindows; i++) {
        const struct ecam_window *w = &windows[i];
        if (w->seg != seg || bus < w->start || bus > w->end)
            continue;
        uint64_t o = (uint64_t)(bus - w->start) << PCI_ECAM_BUS_SHIFT |
                     (uint64_t)dev << PCI_ECAM_DEV_SHIFT | (uint64_t)fn << PCI_ECAM_FN_SHIFT | off;
        return (volatile uint32_t *)(w->va + o);
    }
    return NULL;
}

static uint32_t ecam_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                            uint16_t off)
{
    (void)ctx;
    volatile uint32_t *p = ecam_ptr(seg, bus, dev, fn, off);
    return p ? *p : 0xFFFFFFFFu;
}

static void ecam_write32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                         uint16_t off, uint32_t v)
{
    (void)ctx;
    volatile uint32_t *p = ecam_ptr(seg, bus, dev, fn, off);
    if (p)
        *p = v;
}

static const struct pci_cfg_ops ecam_ops = { ecam_read32, ecam_write32, NULL, "ecam" };

/* Maps the MCFG windows (uncached). A window must be 1 MiB aligned with
 * start <= end; the mapping covers buses start..end only. */
static int ecam_setup(void)
{
    size_t n = acpi_ready ? acpi.necam : 0;
    for (size_t i = 0; i < n && i < ACPI_MAX_ECAM; i++) {
        uint64_t base = acpi.ecam[i].base;
        uint8_t start = acpi.ecam[i].bus_start, end = acpi.ecam[i].bus_end;
        uint64_t first = base + ((uint64_t)start << PCI_ECAM_BUS_SHIFT);
        uint64_t len = (uint64_t)(end - start + 1) << PCI_ECAM_BUS_SHIFT;
        if ((base & (PCI_ECAM_BUS_SIZE - 1)) || start > end || first < base || first + len < first) {
            pr_warn("pci: MCFG window %zu (0x%llx buses %02x-%02x) malformed, ignored\n", i,
                    (unsigned long long)base, start, end);
            continue;
        }
        void *va = vmm_map_mmio(first, len, MAP_UC);
        if (!va) {
            pr_warn("pci: cannot map ECAM at 0x%llx\n", (unsigned long long)first);
            continue;
        }
        windows[nwindows++] = (struct ecam_window){ base, va, acpi.ecam[i].segment, start, end };
    }
    return nwindows;
}

/* The same function seen through both mechanisms must look the same;
 * a wrong MCFG address would otherwise make every device vanish. */
static bool ecam_agrees(const struct pci_cfg_ops *port)
{
    if (!port || !ecam_ptr(0, 0, 0, 0, 0))
        return true;                    /* nothing to compare with */
    for (uint16_t off = 0; off <= PCI_REVISION_ID; off += 8)
        if (ecam_read32(NULL, 0, 0, 0, 0, off) != port_read32(NULL, 0, 0, 0, 0, off))
            return false;
    return true;
}

static const struct pci_cfg_ops *choose_backend(void)
{
    const struct pci_cfg_ops *port = pci_cfg_port();
    if (opt_pci_mode == PCI_MODE_PORT || ecam_setup() == 0)
        return port;
    if (opt_pci_mode == PCI_MODE_ECAM || ecam_agrees(port))
        return &ecam_ops;
    pr_warn("pci: ECAM at 0x%llx disagrees with port I/O on 00:00.0; using port I/O\n",
            (unsigned long long)windows[0].base);
    return port;
}

/* ---- Bring-up -------------------------------------------------------- */

static void print_info(const char *line) { pr_info("pci: %s\n", line); }

void pci_kernel_init(void)
{
    if (opt_pci_mode == PCI_MODE_OFF) {
        pr_info("pci: off (pci=off)\n");
        return;
    }
    const struct pci_cfg_ops *ops = choose_backend();
    if (!ops) {
        pr_info("pci: no configuration mechanism, no PCI\n");
        return;
    }
    pci_init(ops);
    /* Each window's first bus is a root too (other segments, or an MCFG
     * for segment 0 that does not start at bus 0); buses already scanned
     * are skipped. */
    for (int i = 0; ops == &ecam_ops && i < nwindows; i++)
        pci_scan_root(windows[i].seg, windows[i].start);
    pci_bind_drivers();
    if (ops == &ecam_ops)
        pr_info("pci: %d functions, ECAM at 0x%llx (buses %02x-%02x)\n", pci_count(),
                (unsigned long long)windows[0].base, windows[0].start, windows[0].end);
    else
        pr_info("pci: %d functions, port I/O\n", pci_count());
    pci_list(print_info, kernel_loglevel >= LOG_DEBUG);
    pci_hotplug_init();                 /* after the listing: its lines follow */
}
INIT_HOOK(pci, pci_kernel_init, INIT_BUS);
