/* PCI core: enumeration, capability lists, BAR sizing (on first use), the
 * device registry, driver binding and the listing.
 *
 * Everything here goes through a struct pci_cfg_ops, so the host unit test
 * (tests/unit/test_pci.c) runs this file against a model of configuration
 * space. The real backends (port I/O mechanism #1, ECAM) and the boot-time
 * glue are in kernel/pci/pci_cfg.c; MSI/MSI-X in kernel/pci/pci_msi.c.
 *
 * Devices are untrusted: a BAR that answers sizing inconsistently is
 * ignored, capability walks are bounded and stop on loops, bridges may only
 * lead to bus numbers not yet scanned, and the registry holds at most
 * PCI_MAX_DEVICES functions. Nothing here loops on a device's answer.
 *
 * References: PCI Local Bus Specification 3.0 (6.1 header, 6.2.5.1 BARs,
 * 6.7 capabilities), PCI-to-PCI Bridge Architecture 1.2 (3.2); wire
 * formats in kernel/pci/pci_reg.h. */
#include "kernel/pci/pci.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci_reg.h"
#include "kernel/mm/vmm.h"
#ifdef HOSTED
#include <string.h>
static inline uint64_t pci_irq_save(void) { return 0; }
static inline void pci_irq_restore(uint64_t f) { (void)f; }
#else
#include "kernel/irq/irq.h"
#include "lib/string.h"
#define pci_irq_save irq_save
#define pci_irq_restore irq_restore
#endif

static const struct pci_cfg_ops *cfg;
static struct pci_dev devs[PCI_MAX_DEVICES];
static int ndevs;
static bool full_warned;
static uint16_t visited_seg;
static uint64_t visited[4];             /* buses of visited_seg already queued */

/* ---- Configuration access ------------------------------------------- */

static bool off_ok(uint16_t off, unsigned width)
{
    return off < PCI_CFG_SIZE_EXT && off % width == 0;
}

static uint32_t raw_read32(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    return cfg->read32(cfg->ctx, seg, bus, dev, fn, off);
}

uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{
    if (!cfg || !off_ok(off, 4))
        return 0xFFFFFFFFu;
    return raw_read32(d->seg, d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, uint16_t off)
{
    if (!off_ok(off, 2))
        return 0xFFFF;
    return (uint16_t)(pci_read32(d, off & ~3u) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct pci_dev *d, uint16_t off)
{
    if (!off_ok(off, 1))
        return 0xFF;
    return (uint8_t)(pci_read32(d, off & ~3u) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v)
{
    if (cfg && off_ok(off, 4))
        cfg->write32(cfg->ctx, d->seg, d->bus, d->dev, d->fn, off, v);
}

/* The dword at `base` holds a status register in its upper half whose
 * error bits are write-1-to-clear (PCI 3.0 6.2.3; PPB 1.2 3.2.5.7 for the
 * secondary status). Writing back what was read would clear them. */
static uint32_t rw1c_bits(const struct pci_dev *d, uint16_t base)
{
    bool bridge = (d->header_type & PCI_HDR_TYPE_MASK) == PCI_HDR_BRIDGE;
    if (base == PCI_COMMAND || (bridge && base == (PCI_SEC_STATUS & ~3u)))
        return (uint32_t)PCI_STS_RW1C_MASK << 16;
    /* PCIe capability: Device, Link and Slot Status share a dword with their
     * Control registers and hold only RW1C or read-only bits (PCIe base
     * 3.0, 7.8.5, 7.8.8, 7.8.11): never write back what was read there. */
    if (d->cap_pcie && (base == d->cap_pcie + 0x08u || base == d->cap_pcie + 0x10u ||
                        base == d->cap_pcie + 0x18u))
        return 0xFFFF0000u;
    return 0;
}

static void write_part(const struct pci_dev *d, uint16_t off, uint32_t v, uint32_t width_mask)
{
    uint16_t base = off & ~3u;
    unsigned shift = (off & 3) * 8;
    uint32_t mask = width_mask << shift;
    uint32_t cur = pci_read32(d, base) & ~rw1c_bits(d, base);
    pci_write32(d, base, (cur & ~mask) | ((v << shift) & mask));
}

void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{
    if (off_ok(off, 2))
        write_part(d, off, v, 0xFFFF);
}

void pci_write8(const struct pci_dev *d, uint16_t off, uint8_t v)
{
    if (off_ok(off, 1))
        write_part(d, off, v, 0xFF);
}

const struct pci_cfg_ops *pci_cfg(void) { return cfg; }

void pci_name(const struct pci_dev *d, char *buf, size_t size)
{
    if (d->seg)
        fmt_snprintf(buf, size, "%04x:%02x:%02x.%x", d->seg, d->bus, d->dev, d->fn);
    else
        fmt_snprintf(buf, size, "%02x:%02x.%x", d->bus, d->dev, d->fn);
}

/* ---- BARs ------------------------------------------------------------ */

/* mask: the readback with every bit above the BAR's width set, so that
 * ~mask + 1 is the size. Sizes must be a power of two and the address
 * aligned to it (PCI 3.0 6.2.5.1: the bits below the size are hardwired
 * to 0, the others are writable). */
static void bar_set(struct pci_bar *out, uint64_t addr, uint64_t mask)
{
    uint64_t inv = ~mask;
    if ((inv & (inv + 1)) != 0 || inv == UINT64_MAX) {
        out->bad = true;                /* not of the form ~(size - 1) */
        return;
    }
    out->size = inv + 1;
    out->addr = addr;
    if (addr & inv) {
        out->bad = true;                /* hardwired-zero bits read as 1 */
        return;
    }
    out->present = true;
}

static int bar_decode_io(uint32_t orig, uint32_t mask, struct pci_bar *out)
{
    out->io = true;
    uint32_t m = mask & PCI_BAR_IO_MASK & PCI_IO_SPACE_MASK;
    if (m == 0)
        return 1;                       /* unimplemented */
    if (!(mask & PCI_BAR_IO) || (orig & ~PCI_IO_SPACE_MASK)) {
        out->bad = true;                /* flag changed, or beyond x86's 64 KiB */
        return 1;
    }
    bar_set(out, orig & PCI_BAR_IO_MASK, ~(uint64_t)PCI_IO_SPACE_MASK | m);
    return 1;
}

int pci_bar_decode(uint32_t orig_lo, uint32_t orig_hi, uint32_t mask_lo, uint32_t mask_hi,
                   struct pci_bar *out)
{
    memset(out, 0, sizeof *out);
    if (orig_lo & PCI_BAR_IO)
        return bar_decode_io(orig_lo, mask_lo, out);
    uint32_t type = orig_lo & PCI_BAR_MEM_TYPE;
    out->prefetch = (orig_lo & PCI_BAR_PREFETCH) != 0;
    out->is64 = type == PCI_BAR_MEM_64;
    int slots = out->is64 ? 2 : 1;
    uint64_t m = mask_lo & PCI_BAR_MEM_MASK;
    if (out->is64)
        m |= (uint64_t)mask_hi << 32;
    if (m == 0 && (mask_lo & 0xF) == (orig_lo & 0xF))
        return slots;                   /* unimplemented: nothing sticks */
    /* The low four bits are read-only flags: they must read back as they
     * were, and type 11b is reserved. */
    if (type == PCI_BAR_MEM_RSVD || ((mask_lo ^ orig_lo) & 0xF) != 0 || m == 0) {
        out->bad = true;
        return slots;
    }
    uint64_t addr = orig_lo & PCI_BAR_MEM_MASK;
    if (out->is64)
        addr |= (uint64_t)orig_hi << 32;
    else
        m |= 0xFFFFFFFF00000000ull;
    bar_set(out, addr, m);
    return slots;
}

/* Writes all ones, reads back, restores (PCI 3.0 6.2.5.1). */
static uint32_t bar_probe(struct pci_dev *d, uint16_t off, uint32_t orig)
{
    pci_write32(d, off, 0xFFFFFFFFu);
    uint32_t m = pci_read32(d, off);
    pci_write32(d, off, orig);
    return m;
}

/* Sizes BAR i of n; returns the slots it used. */
static int bar_size_one(struct pci_dev *d, int i, int n)
{
    uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
    uint32_t lo = pci_read32(d, off), hi = 0, mhi = 0;
    uint32_t mlo = bar_probe(d, off, lo);
    bool is64 = !(lo & PCI_BAR_IO) && (lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64;
    if (is64 && i + 1 >= n) {
        memset(&d->bar[i], 0, sizeof d->bar[i]);
        d->bar[i].bad = true;           /* no slot left for the high dword */
        return 1;
    }
    if (is64) {
        hi = pci_read32(d, off + 4);
        mhi = bar_probe(d, off + 4, hi);
    }
    return pci_bar_decode(lo, hi, mlo, mhi, &d->bar[i]);
}

static int bar_count(const struct pci_dev *d)
{
    switch (d->header_type & PCI_HDR_TYPE_MASK) {
    case PCI_HDR_NORMAL: return PCI_NUM_BARS;
    case PCI_HDR_BRIDGE: return PCI_BRIDGE_NUM_BARS;
    default:             return 0;      /* CardBus: not sized */
    }
}

/* Decoding is turned off while a BAR holds all ones, so that the device
 * does not claim the addresses that pattern names, with interrupts off so
 * that nothing (a console on that device) runs meanwhile. Host bridges
 * keep decoding: turning it off can cut the CPU off from memory (Linux
 * drivers/pci/quirks.c, quirk_mmio_always_on). */
static void bars_size(struct pci_dev *d)
{
    int n = bar_count(d);
    bool host = d->class == PCI_CLASS_BRIDGE && d->subclass == PCI_SUBCLASS_HOST_BRIDGE;
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    uint16_t decode = cmd & (PCI_CMD_IO | PCI_CMD_MEM);
    uint64_t flags = pci_irq_save();
    if (decode && !host)
        pci_write16(d, PCI_COMMAND, cmd & ~decode);
    for (int i = 0; i < n;)
        i += bar_size_one(d, i, n);
    if (decode && !host)
        pci_write16(d, PCI_COMMAND, cmd);
    pci_irq_restore(flags);
}

static void bars_report(const struct pci_dev *d)
{
    char name[16];
    pci_name(d, name, sizeof name);
    for (int i = 0; i < PCI_NUM_BARS; i++)
        if (d->bar[i].bad)
            pr_warn("pci: %s bar%d: inconsistent sizing answer, ignored\n", name, i);
}

/* Sizing is done on first use, not during the scan: each decode toggle
 * makes the hypervisor remap guest memory (measured under QEMU TCG: about
 * 0.35 ms each, 7 of the 8 ms a ten-function scan took), and most
 * functions never get a driver. */
void pci_size_bars(struct pci_dev *d)
{
    if (!d || d->bars_sized || bar_count(d) == 0)
        return;
    d->bars_sized = true;
    bars_size(d);
    bars_report(d);
}

/* ---- Capabilities ---------------------------------------------------- */

/* Lists the capabilities in order into offs/ids (PCI_CAP_MAX_COUNT each).
 * *cut is set when the walk stopped early: a pointer into the header, an
 * id of 0xFF (the device is gone), or a loop. */
static int cap_walk(const struct pci_dev *d, uint8_t *offs, uint8_t *ids, bool *cut)
{
    *cut = false;
    if ((d->header_type & PCI_HDR_TYPE_MASK) > PCI_HDR_BRIDGE)
        return 0;                       /* CardBus keeps its pointer elsewhere */
    if (!(pci_read16(d, PCI_STATUS) & PCI_STS_CAP_LIST))
        return 0;
    uint64_t seen = 0;                  /* one bit per dword from 0x40 */
    uint8_t ptr = pci_read8(d, PCI_CAP_PTR) & PCI_CAP_PTR_MASK;
    int n = 0;
    while (ptr) {
        unsigned slot = (unsigned)(ptr - PCI_STD_HEADER_SIZE) / 4;
        if (ptr < PCI_STD_HEADER_SIZE || n >= PCI_CAP_MAX_COUNT || (seen >> slot & 1)) {
            *cut = true;
            break;
        }
        seen |= 1ull << slot;
        uint16_t hdr = pci_read16(d, ptr);
        if ((hdr & 0xFF) == 0xFF) {
            *cut = true;
            break;
        }
        offs[n] = ptr;
        ids[n++] = (uint8_t)hdr;
        ptr = (uint8_t)(hdr >> 8) & PCI_CAP_PTR_MASK;
    }
    return n;
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from)
{
    uint8_t offs[PCI_CAP_MAX_COUNT], ids[PCI_CAP_MAX_COUNT];
    bool cut, after = from == 0;
    int n = cap_walk(d, offs, ids, &cut);
    for (int i = 0; i < n; i++) {
        if (after && ids[i] == id)
            return offs[i];
        after |= offs[i] == from;
    }
    return 0;
}

static void caps_find(struct pci_dev *d)
{
    uint8_t offs[PCI_CAP_MAX_COUNT], ids[PCI_CAP_MAX_COUNT];
    int n = cap_walk(d, offs, ids, &d->caps_bad);
    for (int i = n - 1; i >= 0; i--) {         /* backwards: the first one wins */
        if (ids[i] == PCI_CAP_ID_MSI)
            d->cap_msi = offs[i];
        else if (ids[i] == PCI_CAP_ID_MSIX)
            d->cap_msix = offs[i];
        else if (ids[i] == PCI_CAP_ID_PCIE)
            d->cap_pcie = offs[i];
    }
    if (d->caps_bad) {
        char name[16];
        pci_name(d, name, sizeof name);
        pr_warn("pci: %s: capability list cut short after %d entries (bad pointer or loop)\n",
                name, n);
    }
}

/* ---- Enumeration ----------------------------------------------------- */

static void header_read(struct pci_dev *d)
{
    uint32_t id = pci_read32(d, PCI_VENDOR_ID);
    uint32_t cc = pci_read32(d, PCI_REVISION_ID);
    uint32_t irq = pci_read32(d, PCI_INTERRUPT_LINE);
    d->vendor = (uint16_t)id;
    d->device = (uint16_t)(id >> 16);
    d->revision = (uint8_t)cc;
    d->prog_if = (uint8_t)(cc >> 8);
    d->subclass = (uint8_t)(cc >> 16);
    d->class = (uint8_t)(cc >> 24);
    d->header_type = pci_read8(d, PCI_HEADER_TYPE);
    d->irq_line = (uint8_t)irq;
    d->irq_pin = (uint8_t)(irq >> 8);
    uint8_t type = d->header_type & PCI_HDR_TYPE_MASK;
    if (type == PCI_HDR_NORMAL) {
        uint32_t ss = pci_read32(d, PCI_SUBSYS_VENDOR_ID);
        d->subsys_vendor = (uint16_t)ss;
        d->subsys_device = (uint16_t)(ss >> 16);
    } else if (type == PCI_HDR_BRIDGE) {
        d->sec_bus = pci_read8(d, PCI_SECONDARY_BUS);
        d->sub_bus = pci_read8(d, PCI_SUBORDINATE_BUS);
    }
}

static bool slot_free(void)
{
    for (int i = 0; i < ndevs; i++)
        if (devs[i].gone && !devs[i].driver)
            return true;
    return false;
}

static struct pci_dev *add_function(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
    if (ndevs >= PCI_MAX_DEVICES && !slot_free()) {
        if (!full_warned)
            pr_warn("pci: more than %d functions, the rest ignored\n", PCI_MAX_DEVICES);
        full_warned = true;
        return NULL;
    }
    struct pci_dev *d = NULL;
    for (int i = 0; i < ndevs && !d; i++)       /* a hot-removed function's slot */
        if (devs[i].gone && !devs[i].driver)
            d = &devs[i];
    if (!d)
        d = &devs[ndevs++];
    memset(d, 0, sizeof *d);
    d->seg = seg;
    d->bus = bus;
    d->dev = dev;
    d->fn = fn;
    header_read(d);
    caps_find(d);
    return d;
}

static bool bus_take(uint8_t bus)
{
    if (visited[bus >> 6] >> (bus & 63) & 1)
        return false;
    visited[bus >> 6] |= 1ull << (bus & 63);
    return true;
}

/* A bridge leads to its secondary bus. Firmware numbers buses depth-first,
 * so that bus is above the bridge's own; one that is not, or that was
 * already queued, would make the scan loop, and is skipped. */
static void bridge_follow(const struct pci_dev *d, uint8_t *queue, int *tail)
{
    if ((d->header_type & PCI_HDR_TYPE_MASK) != PCI_HDR_BRIDGE)
        return;
    char name[16];
    pci_name(d, name, sizeof name);
    if (d->sec_bus <= d->bus || !bus_take(d->sec_bus)) {
        if (d->sec_bus)
            pr_warn("pci: %s: bridge to bus %02x ignored (already scanned, or not above bus %02x)\n",
                    name, d->sec_bus, d->bus);
        else
            pr_debug("pci: %s: bridge not configured by the firmware\n", name);
        return;
    }
    queue[(*tail)++] = d->sec_bus;
}

/* No function answers with vendor 0xFFFF (the master-abort value; never
 * assigned, PCI 3.0 6.2.1); some boards answer 0 for an empty slot (Linux
 * drivers/pci/probe.c, pci_bus_generic_read_dev_vendor_id). */
static bool present(uint32_t id)
{
    uint16_t v = (uint16_t)id;
    return v != PCI_VENDOR_NONE && v != 0;
}

static void scan_slot(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t *queue, int *tail)
{
    if (!present(raw_read32(seg, bus, dev, 0, PCI_VENDOR_ID)))
        return;
    uint32_t hdr = raw_read32(seg, bus, dev, 0, PCI_HEADER_TYPE & ~3u);
    int nfn = (hdr >> 16) & PCI_HDR_MULTIFUNC ? 8 : 1;
    for (int fn = 0; fn < nfn; fn++) {
        if (fn && !present(raw_read32(seg, bus, dev, (uint8_t)fn, PCI_VENDOR_ID)))
            continue;
        struct pci_dev *d = add_function(seg, bus, dev, (uint8_t)fn);
        if (!d)
            return;
        bridge_follow(d, queue, tail);
    }
}

int pci_scan_root(uint16_t seg, uint8_t root)
{
    uint8_t queue[256];
    int head = 0, tail = 0, before = ndevs;
    if (!cfg)
        return -ENODEV;
    if (seg != visited_seg) {
        memset(visited, 0, sizeof visited);
        visited_seg = seg;
    }
    if (!bus_take(root))
        return 0;
    queue[tail++] = root;
    /* Breadth-first; each bus enters the queue once (bus_take). A full
     * registry stops growing the queue, and the warning names the loss. */
    while (head < tail) {
        uint8_t bus = queue[head++];
        for (uint8_t dev = 0; dev < 32; dev++)
            scan_slot(seg, bus, dev, queue, &tail);
    }
    return ndevs - before;
}

int pci_init(const struct pci_cfg_ops *ops)
{
    memset(devs, 0, sizeof devs);
    memset(visited, 0, sizeof visited);
    ndevs = 0;
    visited_seg = 0;
    full_warned = false;
    cfg = ops && ops->read32 && ops->write32 ? ops : NULL;
    if (!cfg)
        return -EINVAL;
    return pci_scan_root(0, 0);
}

int pci_count(void) { return ndevs; }

struct pci_dev *pci_get(int i)
{
    return i >= 0 && i < ndevs ? &devs[i] : NULL;
}

struct pci_dev *pci_find(uint16_t vendor, uint16_t device, struct pci_dev *from)
{
    int i = from ? (int)(from - devs) + 1 : 0;
    for (; i >= 0 && i < ndevs; i++)
        if (!devs[i].gone && (vendor == PCI_ANY || devs[i].vendor == vendor) &&
            (device == PCI_ANY || devs[i].device == device))
            return &devs[i];
    return NULL;
}

/* ---- Drivers --------------------------------------------------------- */

static bool id_end(const struct pci_id *id)
{
    return !id->vendor && !id->device && !id->class_mask;
}

bool pci_id_match(const struct pci_id *id, const struct pci_dev *d)
{
    uint32_t cc = (uint32_t)d->class << 16 | (uint32_t)d->subclass << 8 | d->prog_if;
    return (id->vendor == PCI_ANY || id->vendor == d->vendor) &&
           (id->device == PCI_ANY || id->device == d->device) &&
           ((cc ^ id->class_code) & id->class_mask) == 0;
}

static const struct pci_id *driver_match(const struct pci_driver *drv, const struct pci_dev *d)
{
    if (!drv->ids || !drv->probe)
        return NULL;
    for (const struct pci_id *id = drv->ids; !id_end(id); id++)
        if (pci_id_match(id, d))
            return id;
    return NULL;
}

static void bind_one(struct pci_dev *d, const struct pci_driver *first, const struct pci_driver *end)
{
    for (const struct pci_driver *drv = first; drv < end; drv++) {
        const struct pci_id *id = driver_match(drv, d);
        if (!id)
            continue;
        pci_size_bars(d);               /* probes read d->bar[] */
        int err = drv->probe(d, id);
        if (err == 0) {
            d->driver = drv;
            return;
        }
        d->priv = NULL;
        char name[16];
        pci_name(d, name, sizeof name);
        pr_warn("pci: %s %s: probe failed (%d)\n", name, drv->name, err);
    }
}

void pci_bind_drivers_from(const struct pci_driver *first, const struct pci_driver *end)
{
    for (int i = 0; i < ndevs; i++)
        if (!devs[i].driver && !devs[i].gone)
            bind_one(&devs[i], first, end);
}

LINKSET_DEFINE(struct pci_driver, pci_drivers);

void pci_bind_drivers(void)
{
    pci_bind_drivers_from(LINKSET_BEGIN(pci_drivers), LINKSET_END(pci_drivers));
}

int pci_bind_dev(struct pci_dev *d)
{
    if (!d || d->gone)
        return -EINVAL;
    if (!d->driver)
        bind_one(d, LINKSET_BEGIN(pci_drivers), LINKSET_END(pci_drivers));
    return d->driver ? 0 : -ENODEV;
}

/* ---- Hot-plug ------------------------------------------------------- */

struct pci_dev *pci_lookup(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
    for (int i = 0; i < ndevs; i++) {
        struct pci_dev *d = &devs[i];
        if (!d->gone && d->seg == seg && d->bus == bus && d->dev == dev && d->fn == fn)
            return d;
    }
    return NULL;
}

/* What lies behind a bridge goes first, deepest buses included: its
 * functions sit on buses sec_bus..sub_bus, which firmware numbered
 * depth-first (PPB 1.2, 3.2.5.3-3.2.5.5). A bridge that led to bus 0 or
 * to its own bus (never configured) leads nowhere. */
void pci_remove_dev(struct pci_dev *d)
{
    if (!d || d->gone)
        return;
    d->gone = true;                 /* first: a bridge loop cannot bring us back here */
    if ((d->header_type & PCI_HDR_TYPE_MASK) == PCI_HDR_BRIDGE && d->sec_bus > d->bus &&
        d->sub_bus >= d->sec_bus)
        for (int i = 0; i < ndevs; i++)
            if (!devs[i].gone && devs[i].seg == d->seg && devs[i].bus >= d->sec_bus &&
                devs[i].bus <= d->sub_bus)
                pci_remove_dev(&devs[i]);
    if (d->driver && d->driver->remove) {
        d->driver->remove(d);
        d->driver = NULL;
        d->priv = NULL;
    }
    d->msix_table = NULL;
}

/* Functions behind a new card are not followed through bridges: a card
 * with a bridge of its own would need bus numbers and windows assigned,
 * which the hot-plug path does not do (kernel/pci/pci_hotplug.c). */
int pci_rescan_bus(uint16_t seg, uint8_t bus)
{
    if (!cfg)
        return -ENODEV;
    int added = 0;
    for (uint8_t dev = 0; dev < 32; dev++) {
        if (!present(raw_read32(seg, bus, dev, 0, PCI_VENDOR_ID)))
            continue;
        uint32_t hdr = raw_read32(seg, bus, dev, 0, PCI_HEADER_TYPE & ~3u);
        int nfn = (hdr >> 16) & PCI_HDR_MULTIFUNC ? 8 : 1;
        for (int fn = 0; fn < nfn; fn++) {
            if (pci_lookup(seg, bus, dev, (uint8_t)fn) ||
                !present(raw_read32(seg, bus, dev, (uint8_t)fn, PCI_VENDOR_ID)))
                continue;
            if (!add_function(seg, bus, dev, (uint8_t)fn))
                return added;
            added++;
        }
    }
    return added;
}

/* ---- Device helpers -------------------------------------------------- */

static int cmd_set(struct pci_dev *d, uint16_t bits)
{
    if (!d)
        return -EINVAL;
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    if ((cmd & bits) != bits)
        pci_write16(d, PCI_COMMAND, cmd | bits);
    return 0;
}

int pci_enable_bus_master(struct pci_dev *d) { return cmd_set(d, PCI_CMD_MASTER); }
int pci_enable_mem(struct pci_dev *d) { return cmd_set(d, PCI_CMD_MEM); }
int pci_enable_io(struct pci_dev *d) { return cmd_set(d, PCI_CMD_IO); }

void *pci_map_bar(struct pci_dev *d, int bar)
{
    if (!d || bar < 0 || bar >= PCI_NUM_BARS)
        return NULL;
    pci_size_bars(d);
    const struct pci_bar *b = &d->bar[bar];
    if (!b->present || b->io || !b->addr)
        return NULL;
    return vmm_map_mmio(b->addr, b->size, MAP_UC);
}

/* ---- Listing --------------------------------------------------------- */

static const struct {
    uint8_t id;
    char name[6];               /* inline: no pointer per entry */
} cap_names[] = {
    { PCI_CAP_ID_PM, "pm" },     { 0x03, "vpd" },           { PCI_CAP_ID_MSI, "msi" },
    { PCI_CAP_ID_PCIX, "pcix" }, { PCI_CAP_ID_VNDR, "vndr" }, { 0x0D, "ssvid" },
    { PCI_CAP_ID_PCIE, "pcie" }, { PCI_CAP_ID_MSIX, "msix" }, { PCI_CAP_ID_SATA, "sata" },
    { 0x13, "af" },              { 0x14, "ea" },
};

static size_t cap_name(uint8_t id, char *buf, size_t size)
{
    for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++)
        if (cap_names[i].id == id)
            return (size_t)fmt_snprintf(buf, size, " %s", cap_names[i].name);
    return (size_t)fmt_snprintf(buf, size, " 0x%02x", id);
}

static void list_caps(const struct pci_dev *d, void (*print)(const char *))
{
    uint8_t offs[PCI_CAP_MAX_COUNT], ids[PCI_CAP_MAX_COUNT];
    bool cut;
    int n = cap_walk(d, offs, ids, &cut);
    if (n == 0 && !cut)
        return;
    char line[PCI_CAP_MAX_COUNT * 6 + 32];
    size_t len = (size_t)fmt_snprintf(line, sizeof line, "  caps:");
    for (int i = 0; i < n && len < sizeof line; i++)
        len += cap_name(ids[i], line + len, sizeof line - len);
    if (cut && len < sizeof line)
        fmt_snprintf(line + len, sizeof line - len, " (cut short)");
    print(line);
}

static void list_msix(const struct pci_dev *d, void (*print)(const char *))
{
    if (!d->cap_msix)
        return;
    char line[96];
    uint16_t ctrl = pci_read16(d, d->cap_msix + PCI_MSIX_CTRL);
    uint32_t table = pci_read32(d, d->cap_msix + PCI_MSIX_TABLE);
    uint32_t pba = pci_read32(d, d->cap_msix + PCI_MSIX_PBA);
    fmt_snprintf(line, sizeof line, "  msix: %u entries, table bar%u+0x%x, pba bar%u+0x%x",
                 (ctrl & PCI_MSIX_CTRL_SIZE) + 1u, table & PCI_MSIX_BIR_MASK,
                 table & PCI_MSIX_OFFSET_MASK, pba & PCI_MSIX_BIR_MASK, pba & PCI_MSIX_OFFSET_MASK);
    print(line);
}

static void list_bars(const struct pci_dev *d, void (*print)(const char *))
{
    char line[96];
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        const struct pci_bar *b = &d->bar[i];
        if (b->bad)
            fmt_snprintf(line, sizeof line, "  bar%d invalid", i);
        else if (!b->present)
            continue;
        else
            fmt_snprintf(line, sizeof line, "  bar%d %s 0x%llx size 0x%llx%s%s", i,
                         b->io ? "io" : b->is64 ? "mem64" : "mem32", (unsigned long long)b->addr,
                         (unsigned long long)b->size, b->prefetch ? " pref" : "",
                         b->addr ? "" : " unassigned");
        print(line);
    }
}

static void list_detail(struct pci_dev *d, void (*print)(const char *))
{
    char line[96];
    int len = fmt_snprintf(line, sizeof line, "  class %02x%02x%02x rev %02x", d->class,
                           d->subclass, d->prog_if, d->revision);
    if ((d->header_type & PCI_HDR_TYPE_MASK) == PCI_HDR_NORMAL && len < (int)sizeof line)
        fmt_snprintf(line + len, sizeof line - (size_t)len, " subsys %04x:%04x", d->subsys_vendor,
                     d->subsys_device);
    print(line);
    if (d->irq_pin >= 1 && d->irq_pin <= 4) {
        fmt_snprintf(line, sizeof line, "  irq INT%c line %u", 'A' + d->irq_pin - 1, d->irq_line);
        print(line);
    }
    if ((d->header_type & PCI_HDR_TYPE_MASK) == PCI_HDR_BRIDGE) {
        fmt_snprintf(line, sizeof line, "  bridge to buses %02x-%02x", d->sec_bus, d->sub_bus);
        print(line);
    }
    pci_size_bars(d);
    list_bars(d, print);
    list_caps(d, print);
    list_msix(d, print);
}

static void trim_right(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
}

void pci_list(void (*print)(const char *line), bool detail)
{
    for (int i = 0; i < ndevs; i++) {
        struct pci_dev *d = &devs[i];
        char name[16], line[96];
        if (d->gone)
            continue;
        pci_name(d, name, sizeof name);
        fmt_snprintf(line, sizeof line, "%s %04x:%04x %-11s %s", name, d->vendor, d->device,
                     pci_class_name(d->class, d->subclass, d->prog_if),
                     d->driver ? d->driver->name : "-");   /* "-": no driver bound */
        trim_right(line);
        print(line);
        if (detail)
            list_detail(d, print);
    }
}
