/* Host tests for the PCI core (kernel/pci/pci.c, kernel/pci/pci_msi.c,
 * kernel/pci/pci_names.c): BAR decoding, and a scan of a model of configuration
 * space through a fake struct pci_cfg_ops that emulates BAR sizing writes,
 * read-only bits and write-1-to-clear status bits.
 *
 * The model: a host bridge, a multi-function ISA bridge, an e1000, a
 * PCI-to-PCI bridge with an e1000e-like device behind it (MSI, PCIe and
 * MSI-X capabilities, a 64-bit prefetchable BAR), devices with broken
 * capability lists (a loop, a misaligned pointer, a pointer into the
 * header) and garbage BARs, and bridges that point back up the tree.
 *
 *   gcc -std=gnu11 -g -O1 -Wall -Wextra -Werror -DHOSTED -I. \
 *       -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       tests/unit/test_main.c tests/unit/test_pci.c kernel/pci/pci.c \
 *       kernel/pci/pci_msi.c kernel/pci/pci_names.c lib/fmt.c -o /tmp/test_pci */
#include "tests/unit/test.h"
#include "kernel/errno.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_reg.h"
#include "kernel/mm/pt.h"
#include <stdarg.h>

/* ---- Stubs for the kernel services the PCI code uses ---------------- */

int kernel_loglevel = LOG_DEBUG;
static char logbuf[65536];
static size_t loglen;

void klog(int level, const char *fmt, ...)
{
    (void)level;
    va_list ap;
    va_start(ap, fmt);
    if (loglen < sizeof logbuf - 1) {
        int n = vsnprintf(logbuf + loglen, sizeof logbuf - loglen, fmt, ap);
        if (n > 0)
            loglen += (size_t)n < sizeof logbuf - loglen ? (size_t)n : sizeof logbuf - 1 - loglen;
    }
    va_end(ap);
}

static uint64_t msi_addr = 0xFEE00000;

void irq_msi_compose(int vector, struct msi_msg *msg)
{
    msg->addr = msi_addr;
    msg->data = (uint32_t)vector;
}

#define MSIX_BAR_ADDR 0xfe820000ull
#define MSIX_BAR_SIZE 0x4000u
static uint32_t msix_bar[MSIX_BAR_SIZE / 4];     /* the e1000e model's BAR3 */
static uint64_t mapped_phys, mapped_len;
static unsigned mapped_flags;
static char other_mmio[16];

void *vmm_map_mmio(uint64_t phys, uint64_t len, unsigned map)
{
    mapped_phys = phys;
    mapped_len = len;
    mapped_flags = map;
    if (phys == MSIX_BAR_ADDR && len <= MSIX_BAR_SIZE)
        return msix_bar;
    return other_mmio;                  /* never dereferenced */
}

/* ---- The configuration-space model ---------------------------------- */

struct fake {
    uint8_t bus, dev, fn;
    uint32_t cfg[64];
    uint32_t wmask[64];                 /* writable bits of each dword */
    uint32_t init[64];                  /* cfg as built, to check restores */
    int decode_violations;              /* all-ones BAR writes while decoding */
    int cmd_writes;
};

static struct fake fakes[16];
static int nfakes;

static struct fake *fake_find(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
    for (int i = 0; i < nfakes && seg == 0; i++)
        if (fakes[i].bus == bus && fakes[i].dev == dev && fakes[i].fn == fn)
            return &fakes[i];
    return NULL;
}

static uint32_t fake_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                            uint16_t off)
{
    (void)ctx;
    struct fake *f = fake_find(seg, bus, dev, fn);
    if (!f || off >= 256 || (off & 3))
        return 0xFFFFFFFFu;
    return f->cfg[off / 4];
}

static bool is_bar(const struct fake *f, uint16_t off)
{
    int n = (f->cfg[3] >> 16 & 0x7F) == PCI_HDR_BRIDGE ? 2 : 6;
    return off >= PCI_BAR0 && off < PCI_BAR0 + 4 * n;
}

static void fake_write32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                         uint16_t off, uint32_t v)
{
    (void)ctx;
    struct fake *f = fake_find(seg, bus, dev, fn);
    if (!f || off >= 256 || (off & 3))
        return;
    unsigned i = off / 4;
    if (off == PCI_COMMAND) {
        /* status: read-only, except that writing 1 clears an error bit */
        uint32_t sts = f->cfg[1] & 0xFFFF0000u & ~((v & PCI_STS_RW1C_MASK << 16));
        f->cfg[1] = sts | (f->cfg[1] & 0xFFFF & ~f->wmask[1]) | (v & f->wmask[1] & 0xFFFF);
        f->cmd_writes++;
        return;
    }
    if (is_bar(f, off) && v == 0xFFFFFFFFu && (f->cfg[1] & (PCI_CMD_IO | PCI_CMD_MEM)))
        f->decode_violations++;
    f->cfg[i] = (f->cfg[i] & ~f->wmask[i]) | (v & f->wmask[i]);
}

static const struct pci_cfg_ops fake_ops = { fake_read32, fake_write32, NULL, "fake" };

static struct fake *fake_add(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor,
                             uint16_t device, uint32_t cc, uint8_t hdr)
{
    struct fake *f = &fakes[nfakes++];
    memset(f, 0, sizeof *f);
    f->bus = bus, f->dev = dev, f->fn = fn;
    f->cfg[0] = (uint32_t)device << 16 | vendor;
    f->cfg[1] = PCI_CMD_IO | PCI_CMD_MEM;
    f->cfg[2] = cc << 8 | 0x01;         /* revision 1 */
    f->cfg[3] = (uint32_t)hdr << 16;
    f->cfg[15] = 0x0100 | 11;           /* INTA, line 11 */
    f->wmask[1] = PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_SERR | PCI_CMD_INTX_DISABLE;
    f->wmask[15] = 0xFF;
    for (int i = 16; i < 64; i++)
        f->wmask[i] = 0xFFFFFFFFu;      /* the capability area is plain RAM... */
    return f;
}

static void fake_bar(struct fake *f, int i, uint32_t value, uint32_t wmask)
{
    f->cfg[4 + i] = value;
    f->wmask[4 + i] = wmask;
}

static void fake_mem32(struct fake *f, int i, uint32_t addr, uint32_t size, uint32_t flags)
{
    fake_bar(f, i, addr | flags, ~(size - 1) & PCI_BAR_MEM_MASK);
}

static void fake_mem64(struct fake *f, int i, uint64_t addr, uint64_t size, uint32_t flags)
{
    uint64_t w = ~(size - 1);
    fake_bar(f, i, (uint32_t)addr | PCI_BAR_MEM_64 | flags, (uint32_t)w & PCI_BAR_MEM_MASK);
    fake_bar(f, i + 1, (uint32_t)(addr >> 32), (uint32_t)(w >> 32));
}

/* An I/O BAR decoding 16 bits: the upper half reads as 0 (PCI 3.0 6.2.5.1). */
static void fake_io(struct fake *f, int i, uint32_t port, uint32_t size)
{
    fake_bar(f, i, port | PCI_BAR_IO, ~(size - 1) & PCI_BAR_IO_MASK & 0xFFFF);
}

static void fake_cap(struct fake *f, uint8_t off, uint8_t id, uint8_t next, uint16_t ctrl)
{
    f->cfg[off / 4] = (uint32_t)ctrl << 16 | (uint32_t)next << 8 | id;
    f->wmask[off / 4] = 0xFFFF0000u;    /* ...but id/next are read-only */
}

static void fake_cap_ptr(struct fake *f, uint8_t ptr)
{
    f->cfg[1] |= (uint32_t)PCI_STS_CAP_LIST << 16;
    f->cfg[PCI_CAP_PTR / 4] = ptr;
    f->wmask[PCI_CAP_PTR / 4] = 0;
}

static void fake_bridge_buses(struct fake *f, uint8_t pri, uint8_t sec, uint8_t sub)
{
    f->cfg[6] = (uint32_t)sub << 16 | (uint32_t)sec << 8 | pri;
}

/* The machine. Indices into fakes[] for the checks below. */
enum { F_HOST, F_ISA, F_IDE, F_PM, F_E1000, F_E1000_FN5, F_BRIDGE, F_E1000E, F_LOOPY, F_BADPTR,
       F_BR_UNCONF, F_BR_DUP, F_MSIX_IO, F_COUNT };
#define N_FOUND (F_COUNT - 1)           /* 00:02.5 must not be found */

static void build_machine(void)
{
    nfakes = 0;
    loglen = 0;
    logbuf[0] = '\0';
    memset(msix_bar, 0, sizeof msix_bar);
    for (int e = 0; e < 8; e++)
        msix_bar[e * 4 + 3] = PCI_MSIX_ENTRY_MASKED;     /* masked after reset */
    msi_addr = 0xFEE00000;

    fake_add(0, 0, 0, 0x8086, 0x29c0, 0x060000, 0);                        /* host bridge */
    fake_add(0, 1, 0, 0x8086, 0x7000, 0x060100, PCI_HDR_MULTIFUNC);        /* ISA, fn 0 */
    fake_io(fake_add(0, 1, 1, 0x8086, 0x7010, 0x010180, 0), 4, 0xc040, 16);  /* IDE */
    fake_add(0, 1, 3, 0x8086, 0x7113, 0x068000, 0);                        /* fn 2 absent */

    struct fake *e1000 = fake_add(0, 2, 0, 0x8086, 0x100e, 0x020000, 0);
    fake_mem32(e1000, 0, 0xfebc0000, 0x20000, 0);
    fake_io(e1000, 1, 0xc000, 0x40);
    e1000->cfg[1] |= PCI_CMD_MASTER | (uint32_t)0x2000 << 16;  /* received master abort */
    fake_add(0, 2, 5, 0x8086, 0x100e, 0x020000, 0);     /* not multi-function: ignored */

    struct fake *br = fake_add(0, 3, 0, 0x1b36, 0x0001, 0x060400, PCI_HDR_BRIDGE);
    fake_mem32(br, 0, 0xfeb00000, 0x1000, 0);
    fake_bridge_buses(br, 0, 1, 1);

    struct fake *e = fake_add(1, 0, 0, 0x8086, 0x10d3, 0x020000, 0);
    fake_mem32(e, 0, 0xfe800000, 0x20000, 0);
    fake_io(e, 2, 0xd000, 0x20);
    fake_mem32(e, 3, (uint32_t)MSIX_BAR_ADDR, MSIX_BAR_SIZE, 0);
    fake_mem64(e, 4, 0x800000000ull, 0x100000, PCI_BAR_PREFETCH);
    fake_cap_ptr(e, 0xc8);
    fake_cap(e, 0xc8, PCI_CAP_ID_PM, 0xd0, 0x0003);
    fake_cap(e, 0xd0, PCI_CAP_ID_MSI, 0xe0, PCI_MSI_CTRL_64BIT);
    fake_cap(e, 0xe0, PCI_CAP_ID_PCIE, 0xa0, 0x0002);
    fake_cap(e, 0xa0, PCI_CAP_ID_MSIX, 0x00, 4);        /* 5 entries */
    e->cfg[0xa4 / 4] = 3;                               /* table: bar3 + 0 */
    e->cfg[0xa8 / 4] = 0x2000 | 3;                      /* PBA: bar3 + 0x2000 */
    e->wmask[0xa4 / 4] = e->wmask[0xa8 / 4] = 0;

    /* Capability loop with a misaligned pointer; a garbage BAR and a
     * 64-bit BAR in the last slot. */
    struct fake *l = fake_add(0, 4, 0, 0x1234, 0x0001, 0xff0000, 0);
    fake_cap_ptr(l, 0x40);
    fake_cap(l, 0x40, PCI_CAP_ID_VNDR, 0x52, 0);        /* 0x52 -> 0x50 */
    fake_cap(l, 0x50, PCI_CAP_ID_MSI, 0x60, PCI_MSI_CTRL_PVM);
    fake_cap(l, 0x60, PCI_CAP_ID_VNDR, 0x40, 0);        /* back to the start */
    l->cfg[0x5c / 4] = 1;                               /* message 0 masked */
    fake_bar(l, 0, 0xfe000000, 0x0F0F0000);             /* non-contiguous size bits */
    fake_bar(l, 5, PCI_BAR_MEM_64, 0xFFF00000);

    /* A capability pointer into the header; a BAR whose flags change. */
    struct fake *b = fake_add(0, 5, 0, 0x1234, 0x0002, 0xff0000, 0);
    fake_cap_ptr(b, 0x20);
    fake_bar(b, 0, 0xfd000000, 0xFFFFFFFF);

    /* Bridges the firmware left unconfigured, or pointing at a bus seen. */
    fake_bridge_buses(fake_add(0, 6, 0, 0x1b36, 0x0001, 0x060400, PCI_HDR_BRIDGE), 0, 0, 0);
    fake_bridge_buses(fake_add(0, 7, 0, 0x1b36, 0x0001, 0x060400, PCI_HDR_BRIDGE), 0, 1, 1);

    /* MSI-X whose table is in an I/O BAR. */
    struct fake *x = fake_add(0, 8, 0, 0x1234, 0x0003, 0x020000, 0);
    fake_io(x, 1, 0xe000, 0x100);
    fake_cap_ptr(x, 0x40);
    fake_cap(x, 0x40, PCI_CAP_ID_MSIX, 0, 0);
    x->cfg[0x44 / 4] = 1;

    for (int i = 0; i < nfakes; i++)
        memcpy(fakes[i].init, fakes[i].cfg, sizeof fakes[i].init);
}

static void setup(void)
{
    build_machine();
    int n = pci_init(&fake_ops);
    CHECK_EQ(n, N_FOUND);
}

/* The scan leaves BARs alone; this sizes them all, as the listing does. */
static void setup_sized(void)
{
    setup();
    for (int i = 0; i < pci_count(); i++) {
        CHECK(!pci_get(i)->bars_sized);
        pci_size_bars(pci_get(i));
    }
}

static struct pci_dev *dev_at(uint8_t bus, uint8_t dev, uint8_t fn)
{
    for (int i = 0; i < pci_count(); i++) {
        struct pci_dev *d = pci_get(i);
        if (d->bus == bus && d->dev == dev && d->fn == fn)
            return d;
    }
    return NULL;
}

/* ---- BAR decoding ---------------------------------------------------- */

TEST(bar_decode_mem32)
{
    struct pci_bar b;
    CHECK_EQ(pci_bar_decode(0xfebc0000, 0, 0xfffe0000, 0, &b), 1);
    CHECK(b.present && !b.bad && !b.io && !b.is64 && !b.prefetch);
    CHECK_EQ(b.addr, 0xfebc0000);
    CHECK_EQ(b.size, 0x20000);
    CHECK_EQ(pci_bar_decode(0xfd000008, 0, 0xff000008, 0, &b), 1);    /* prefetchable */
    CHECK(b.present && b.prefetch);
    CHECK_EQ(b.size, 0x1000000);
    CHECK_EQ(pci_bar_decode(0xc0000000, 0, 0x80000000, 0, &b), 1);    /* 2 GiB */
    CHECK(!b.present && b.bad);                     /* 0xc0000000 is not 2 GiB aligned */
    CHECK_EQ(pci_bar_decode(0x000d0002, 0, 0xffff0002, 0, &b), 1);    /* below-1M type */
    CHECK(b.present && !b.is64);
    CHECK_EQ(b.size, 0x10000);
    CHECK_EQ(pci_bar_decode(0, 0, 0xfffff000, 0, &b), 1);             /* unassigned */
    CHECK(b.present && b.addr == 0 && b.size == 0x1000);
}

TEST(bar_decode_mem64)
{
    struct pci_bar b;
    CHECK_EQ(pci_bar_decode(0x0000000c, 0x8, 0xfff0000c, 0xffffffff, &b), 2);
    CHECK(b.present && b.is64 && b.prefetch && !b.io);
    CHECK_EQ(b.addr, 0x800000000ull);
    CHECK_EQ(b.size, 0x100000);
    CHECK_EQ(pci_bar_decode(0x00000004, 0x10, 0x00000004, 0xfffffffe, &b), 2);   /* 8 GiB */
    CHECK(b.present);
    CHECK_EQ(b.size, 0x200000000ull);
    CHECK_EQ(b.addr, 0x1000000000ull);
    /* The high dword does not stick but the low one does: not a size. */
    CHECK_EQ(pci_bar_decode(0x00000004, 0, 0xfff00004, 0, &b), 2);
    CHECK(!b.present && b.bad);
    CHECK_EQ(pci_bar_decode(0x00000004, 0, 0x00000004, 0, &b), 2);   /* nothing sticks */
    CHECK(!b.present && !b.bad);
}

TEST(bar_decode_io)
{
    struct pci_bar b;
    CHECK_EQ(pci_bar_decode(0xc001, 0, 0xffffffc1, 0, &b), 1);
    CHECK(b.present && b.io && !b.is64);
    CHECK_EQ(b.addr, 0xc000);
    CHECK_EQ(b.size, 0x40);
    CHECK_EQ(pci_bar_decode(0xc001, 0, 0x0000ffc1, 0, &b), 1);    /* 16-bit decode */
    CHECK(b.present);
    CHECK_EQ(b.size, 0x40);
    CHECK_EQ(pci_bar_decode(0x1c001, 0, 0xffffffc1, 0, &b), 1);   /* beyond 64 KiB */
    CHECK(!b.present && b.bad);
    CHECK_EQ(pci_bar_decode(0xc001, 0, 0xffffff01, 0, &b), 1);    /* size 0x100, addr 0xc000 */
    CHECK(b.present);
    CHECK_EQ(pci_bar_decode(0xc041, 0, 0xffffff01, 0, &b), 1);    /* misaligned */
    CHECK(!b.present && b.bad);
    CHECK_EQ(pci_bar_decode(0xc001, 0, 0xffffffc0, 0, &b), 1);    /* I/O flag dropped */
    CHECK(b.bad);
}

TEST(bar_decode_unimplemented_and_garbage)
{
    struct pci_bar b;
    CHECK_EQ(pci_bar_decode(0, 0, 0, 0, &b), 1);
    CHECK(!b.present && !b.bad);
    CHECK_EQ(pci_bar_decode(0xfe000000, 0, 0xff0f0000, 0, &b), 1);    /* holes in the mask */
    CHECK(!b.present && b.bad);
    CHECK_EQ(pci_bar_decode(0xfd000000, 0, 0xffffffff, 0, &b), 1);    /* flags changed */
    CHECK(!b.present && b.bad);
    CHECK_EQ(pci_bar_decode(0xfd000006, 0, 0xff000006, 0, &b), 1);    /* reserved type */
    CHECK(!b.present && b.bad);
    CHECK_EQ(pci_bar_decode(0xfebc1000, 0, 0xfffe0000, 0, &b), 1);    /* below-size bits set */
    CHECK(!b.present && b.bad);
    CHECK_EQ(pci_bar_decode(0x8, 0, 0x0, 0, &b), 1);                  /* flags lost */
    CHECK(!b.present && b.bad);
}

/* ---- Scanning -------------------------------------------------------- */

TEST(scan_topology)
{
    setup();
    CHECK_EQ(pci_count(), N_FOUND);
    CHECK(dev_at(0, 0, 0) && dev_at(0, 1, 0) && dev_at(0, 1, 1) && dev_at(0, 1, 3));
    CHECK(!dev_at(0, 1, 2));
    CHECK(!dev_at(0, 2, 5));                    /* function 5 of a single-function device */
    struct pci_dev *br = dev_at(0, 3, 0), *e = dev_at(1, 0, 0);
    REQUIRE(br && e);
    CHECK_EQ(br->sec_bus, 1);
    CHECK_EQ(br->sub_bus, 1);
    CHECK_EQ(e->vendor, 0x8086);
    CHECK_EQ(e->device, 0x10d3);
    CHECK_EQ(e->class, 0x02);
    CHECK_EQ(e->revision, 1);
    CHECK_EQ(e->irq_pin, 1);
    CHECK_EQ(e->irq_line, 11);
    CHECK(pci_get(0) == dev_at(0, 0, 0));       /* bus 0 first, then bus 1 */
    CHECK(pci_get(N_FOUND - 1) == e);
    CHECK(pci_get(N_FOUND) == NULL && pci_get(-1) == NULL);
    CHECK(pci_find(0x8086, 0x100e, NULL) == dev_at(0, 2, 0));
    CHECK(pci_find(0x8086, 0x100e, dev_at(0, 2, 0)) == NULL);
    CHECK(pci_find(0x1b36, PCI_ANY, pci_find(0x1b36, PCI_ANY, NULL)) == dev_at(0, 6, 0));
    /* The back-pointing bridge is reported; the unconfigured one at debug. */
    CHECK(strstr(logbuf, "00:07.0: bridge to bus 01 ignored") != NULL);
    CHECK(strstr(logbuf, "00:06.0: bridge not configured") != NULL);
}

TEST(scan_bars)
{
    setup_sized();
    struct pci_dev *c = dev_at(0, 2, 0), *e = dev_at(1, 0, 0), *br = dev_at(0, 3, 0);
    struct pci_dev *ide = dev_at(0, 1, 1), *l = dev_at(0, 4, 0), *b = dev_at(0, 5, 0);
    REQUIRE(c && e && br && ide && l && b);
    CHECK(c->bar[0].present && !c->bar[0].io && c->bar[0].addr == 0xfebc0000 &&
          c->bar[0].size == 0x20000);
    CHECK(c->bar[1].present && c->bar[1].io && c->bar[1].addr == 0xc000 && c->bar[1].size == 0x40);
    CHECK(!c->bar[2].present && !c->bar[2].bad);
    CHECK(ide->bar[4].present && ide->bar[4].io && ide->bar[4].size == 16);
    CHECK(br->bar[0].present && br->bar[0].size == 0x1000);
    CHECK(!br->bar[1].present && !br->bar[1].bad);
    CHECK(!br->bar[2].present);                 /* bridges have two BARs */
    CHECK(e->bar[4].present && e->bar[4].is64 && e->bar[4].prefetch);
    CHECK_EQ(e->bar[4].addr, 0x800000000ull);
    CHECK_EQ(e->bar[4].size, 0x100000);
    CHECK(!e->bar[5].present && !e->bar[5].bad);
    CHECK(e->bar[3].present && e->bar[3].addr == MSIX_BAR_ADDR);
    CHECK(l->bar[0].bad && !l->bar[0].present);
    CHECK(l->bar[5].bad && !l->bar[5].present);  /* 64-bit in the last slot */
    CHECK(b->bar[0].bad);
    CHECK(strstr(logbuf, "pci: 00:04.0 bar0: inconsistent sizing answer") != NULL);
    CHECK(strstr(logbuf, "pci: 00:04.0 bar5: inconsistent") != NULL);
}

TEST(scan_restores_and_disables_decode)
{
    setup();
    for (int i = 0; i < nfakes; i++)
        CHECK_EQ(fakes[i].cmd_writes, 0);       /* the scan itself sizes nothing */
    for (int i = 0; i < pci_count(); i++)
        pci_size_bars(pci_get(i));
    CHECK_EQ(fakes[F_HOST].cmd_writes, 0);      /* host bridges keep decoding */
    for (int i = 0; i < nfakes; i++) {
        struct fake *f = &fakes[i];
        if (i != F_HOST)
            CHECK_EQ(f->decode_violations, 0);
        for (int r = 0; r < 16; r++)
            if (f->cfg[r] != f->init[r]) {
                char m[96];
                snprintf(m, sizeof m, "%02x:%02x.%x dword 0x%02x changed", f->bus, f->dev, f->fn, r * 4);
                test_fail(__FILE__, __LINE__, m);
            }
    }
    CHECK_EQ(fakes[F_E1000].cmd_writes, 2);     /* off, then back on */
    pci_size_bars(dev_at(0, 2, 0));             /* once only */
    CHECK_EQ(fakes[F_E1000].cmd_writes, 2);
}

TEST(caps)
{
    setup();
    struct pci_dev *e = dev_at(1, 0, 0), *l = dev_at(0, 4, 0), *b = dev_at(0, 5, 0);
    REQUIRE(e && l && b);
    CHECK_EQ(e->cap_msi, 0xd0);
    CHECK_EQ(e->cap_msix, 0xa0);
    CHECK_EQ(e->cap_pcie, 0xe0);
    CHECK(!e->caps_bad);
    CHECK_EQ(pci_find_cap(e, PCI_CAP_ID_PM, 0), 0xc8);
    CHECK_EQ(pci_find_cap(e, PCI_CAP_ID_VNDR, 0), 0);
    CHECK_EQ(l->cap_msi, 0x50);                 /* reached through the masked pointer */
    CHECK(l->caps_bad);                         /* the loop */
    CHECK_EQ(pci_find_cap(l, PCI_CAP_ID_VNDR, 0), 0x40);
    CHECK_EQ(pci_find_cap(l, PCI_CAP_ID_VNDR, 0x40), 0x60);
    CHECK_EQ(pci_find_cap(l, PCI_CAP_ID_VNDR, 0x60), 0);
    CHECK(b->caps_bad && !b->cap_msi && !b->cap_msix);
    CHECK(dev_at(0, 2, 0)->caps_bad == false);  /* no list at all is fine */
    CHECK(strstr(logbuf, "00:04.0: capability list cut short after 3") != NULL);
}

/* ---- Listing --------------------------------------------------------- */

static char listing[8192];
static size_t listing_len;

static void collect(const char *line)
{
    int n = snprintf(listing + listing_len, sizeof listing - listing_len, "%s\n", line);
    if (n > 0 && (size_t)n < sizeof listing - listing_len)
        listing_len += (size_t)n;
}

TEST(listing)
{
    setup();
    listing_len = 0;
    pci_list(collect, true);
    const char *want[] = {
        "00:00.0 8086:29c0 host bridge -\n",
        "00:01.0 8086:7000 isa bridge  -\n",
        "00:01.1 8086:7010 ide         -\n",
        "00:01.3 8086:7113 bridge      -\n",
        "00:02.0 8086:100e ethernet    -\n  class 020000 rev 01 subsys 0000:0000\n  irq INTA line 11\n"
        "  bar0 mem32 0xfebc0000 size 0x20000\n  bar1 io 0xc000 size 0x40\n",
        "00:03.0 1b36:0001 pci bridge  -\n",
        "  bridge to buses 01-01\n  bar0 mem32 0xfeb00000 size 0x1000\n",
        "01:00.0 8086:10d3 ethernet    -\n",
        "  bar4 mem64 0x800000000 size 0x100000 pref\n",
        "  caps: pm msi pcie msix\n  msix: 5 entries, table bar3+0x0, pba bar3+0x2000\n",
        "00:04.0 1234:0001 other       -\n",
        "  bar0 invalid\n",
        "  caps: vndr msi vndr (cut short)\n",
        "00:05.0 1234:0002 other       -\n  class ff0000 rev 01 subsys 0000:0000\n  irq INTA line 11\n"
        "  bar0 invalid\n  caps: (cut short)\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(listing, want[i])) {
            test_fail(__FILE__, __LINE__, want[i]);
            printf("%s", listing);
        }
    listing_len = 0;
    pci_list(collect, false);
    CHECK(strstr(listing, "  bar0") == NULL);
    CHECK(strstr(listing, "01:00.0 8086:10d3 ethernet    -\n") != NULL);
}

TEST(class_names)
{
    CHECK_STR(pci_class_name(0x02, 0x00, 0), "ethernet");
    CHECK_STR(pci_class_name(0x02, 0x80, 0), "network");
    CHECK_STR(pci_class_name(0x01, 0x00, 0), "scsi");
    CHECK_STR(pci_class_name(0x01, 0x06, 1), "sata");
    CHECK_STR(pci_class_name(0x03, 0x00, 0), "vga");
    CHECK_STR(pci_class_name(0x0C, 0x03, 0x30), "usb");
    CHECK_STR(pci_class_name(0x04, 0x03, 0), "audio");
    CHECK_STR(pci_class_name(0x06, 0x80, 0), "bridge");
    CHECK_STR(pci_class_name(0xFF, 0x00, 0), "other");
    CHECK_STR(pci_class_name(0x42, 0x42, 0), "other");
    /* The first and last entries of the table, and a class whose only
     * entry is ANY. */
    CHECK_STR(pci_class_name(0x00, 0x01, 0), "vga");
    CHECK_STR(pci_class_name(0x00, 0x00, 0), "other");
    CHECK_STR(pci_class_name(0x12, 0x00, 0), "accelerator");
    CHECK_STR(pci_class_name(0x06, 0x00, 0), "host bridge");
    CHECK_STR(pci_class_name(0x13, 0x00, 0), "other");
}

/* ---- Drivers --------------------------------------------------------- */

static int calls_fail, calls_net, calls_bridge;
static int marker;

static int probe_fail(struct pci_dev *d, const struct pci_id *id)
{
    (void)id;
    calls_fail++;
    d->priv = &marker;                          /* must be cleared after the failure */
    return -ENODEV;
}

static int probe_net(struct pci_dev *d, const struct pci_id *id)
{
    calls_net++;
    CHECK_EQ(id->class_mask, 0xFFFF00);
    CHECK(d->priv == NULL);
    d->priv = &marker;
    return 0;
}

static int probe_bridge(struct pci_dev *d, const struct pci_id *id)
{
    (void)d;
    calls_bridge++;
    CHECK_EQ(id->vendor, 0x1b36);
    return 0;
}

static const struct pci_id fail_ids[] = { PCI_ID(0x8086, 0x100e), { 0 } };
static const struct pci_id net_ids[] = { PCI_ID(0x8086, 0x1234), PCI_ID_CLASS(0x020000, 0xFFFF00), { 0 } };
static const struct pci_id bridge_ids[] = { PCI_ID(0x1b36, PCI_ANY), { 0 } };
static int calls_remove;
static void remove_net(struct pci_dev *d)
{
    calls_remove++;
    CHECK(d->priv == &marker);
}

static const struct pci_driver drivers[] = {
    { "failing", fail_ids, probe_fail, NULL },
    { "net", net_ids, probe_net, remove_net },
    { "bridge", bridge_ids, probe_bridge, NULL },
};

/* The registration macro compiles in hosted builds too (unused there). */
PCI_DRIVER(unused, .name = "unused", .ids = fail_ids, .probe = probe_fail);

TEST(bind_drivers)
{
    setup();
    calls_fail = calls_net = calls_bridge = 0;
    pci_bind_drivers_from(drivers, drivers + 3);
    CHECK_EQ(calls_fail, 1);
    CHECK_EQ(calls_net, 3);                     /* e1000, e1000e, the MSI-X-in-I/O device */
    CHECK_EQ(calls_bridge, 3);
    struct pci_dev *c = dev_at(0, 2, 0);
    REQUIRE(c && c->driver);
    CHECK_STR(c->driver->name, "net");
    CHECK(c->priv == &marker);
    CHECK_STR(dev_at(1, 0, 0)->driver->name, "net");
    CHECK_STR(dev_at(0, 7, 0)->driver->name, "bridge");
    CHECK(dev_at(0, 0, 0)->driver == NULL);
    CHECK(c->bars_sized && c->bar[0].present);  /* sized before its probe */
    CHECK(!dev_at(0, 1, 1)->bars_sized);        /* no driver: never touched */
    CHECK(strstr(logbuf, "pci: 00:02.0 failing: probe failed (-19)\n") != NULL);
    pci_bind_drivers_from(drivers, drivers + 3);    /* bound devices are left alone */
    CHECK_EQ(calls_net, 3);
    CHECK_EQ(calls_fail, 1);
    listing_len = 0;
    pci_list(collect, false);
    CHECK(strstr(listing, "00:02.0 8086:100e ethernet    net\n") != NULL);
    CHECK(strstr(listing, "00:00.0 8086:29c0 host bridge -\n") != NULL);
}

/* Hot-plug bookkeeping: a removed function goes through its driver's
 * .remove once, vanishes from lookups and the listing, and a rescan of its
 * bus finds it again in the freed slot; removing a bridge removes what is
 * behind it. */
TEST(hot_remove_and_rescan)
{
    setup();
    calls_remove = 0;
    pci_bind_drivers_from(drivers, drivers + 3);
    struct pci_dev *nic = pci_lookup(0, 1, 0, 0);
    REQUIRE(nic && nic->driver);
    pci_remove_dev(nic);
    CHECK_EQ(calls_remove, 1);
    CHECK(nic->gone && !nic->driver && !nic->priv);
    CHECK(pci_lookup(0, 1, 0, 0) == NULL);
    CHECK(pci_find(0x8086, 0x10d3, NULL) == NULL);
    pci_remove_dev(nic);                            /* idempotent */
    CHECK_EQ(calls_remove, 1);
    listing_len = 0;
    pci_list(collect, false);
    CHECK(strstr(listing, "01:00.0") == NULL);
    int n = pci_count();
    CHECK_EQ(pci_rescan_bus(0, 1), 1);              /* still in the model: found again */
    CHECK_EQ(pci_count(), n);                       /* in the freed slot */
    struct pci_dev *again = pci_lookup(0, 1, 0, 0);
    REQUIRE(again);
    CHECK(again == nic && !again->gone && !again->driver);
    CHECK_EQ(again->device, 0x10d3);
    CHECK_EQ(pci_rescan_bus(0, 1), 0);              /* nothing new */
    pci_bind_drivers_from(drivers, drivers + 3);
    REQUIRE(again->driver);
    CHECK_STR(again->driver->name, "net");
    struct pci_dev *br = pci_lookup(0, 0, 3, 0);
    REQUIRE(br);
    pci_remove_dev(br);                             /* the bridge to bus 1 */
    CHECK_EQ(calls_remove, 2);
    CHECK(pci_lookup(0, 1, 0, 0) == NULL && pci_lookup(0, 0, 3, 0) == NULL);
}

TEST(id_match)
{
    struct pci_dev d = { .vendor = 0x15ad, .device = 0x07b0, .class = 0x02, .subclass = 0x00 };
    struct pci_id exact = PCI_ID(0x15ad, 0x07b0), other = PCI_ID(0x15ad, 0x07c0);
    struct pci_id any = PCI_ID(0x15ad, PCI_ANY), cls = PCI_ID_CLASS(0x020000, 0xFFFF00);
    struct pci_id storage = PCI_ID_CLASS(0x010000, 0xFF0000);
    CHECK(pci_id_match(&exact, &d) && pci_id_match(&any, &d) && pci_id_match(&cls, &d));
    CHECK(!pci_id_match(&other, &d) && !pci_id_match(&storage, &d));
}

/* ---- Config access helpers ------------------------------------------ */

TEST(config_rmw_keeps_status)
{
    setup();
    struct pci_dev *c = dev_at(0, 2, 0);
    REQUIRE(c);
    CHECK_EQ(pci_read16(c, PCI_STATUS) & 0x2000, 0x2000);
    CHECK_EQ(pci_enable_bus_master(c), 0);
    CHECK_EQ(pci_read16(c, PCI_STATUS) & 0x2000, 0x2000);   /* not cleared by accident */
    pci_write16(c, PCI_STATUS, 0x2000);                     /* cleared on purpose */
    CHECK_EQ(pci_read16(c, PCI_STATUS) & 0x2000, 0);
    CHECK(pci_read16(c, PCI_COMMAND) & PCI_CMD_MASTER);
    CHECK_EQ(pci_read8(c, PCI_CLASS), 0x02);
    CHECK_EQ(pci_read8(c, PCI_HEADER_TYPE), 0);
    CHECK_EQ(pci_read16(c, PCI_DEVICE_ID), 0x100e);
    CHECK_EQ(pci_read32(c, 2), 0xFFFFFFFFu);                /* misaligned */
    CHECK_EQ(pci_read16(c, 3), 0xFFFF);
    CHECK_EQ(pci_read32(c, 4096), 0xFFFFFFFFu);
    pci_write8(c, PCI_INTERRUPT_LINE, 5);
    CHECK_EQ(pci_read8(c, PCI_INTERRUPT_LINE), 5);
    CHECK_EQ(pci_read8(c, PCI_INTERRUPT_PIN), 1);
}

TEST(map_bar)
{
    setup();
    struct pci_dev *c = dev_at(0, 2, 0), *l = dev_at(0, 4, 0);
    REQUIRE(c && l);
    mapped_phys = 0;
    CHECK(pci_map_bar(c, 0) != NULL);
    CHECK_EQ(mapped_phys, 0xfebc0000);
    CHECK_EQ(mapped_len, 0x20000);
    CHECK_EQ(mapped_flags, MAP_UC);
    CHECK(pci_map_bar(c, 1) == NULL);           /* I/O */
    CHECK(pci_map_bar(c, 2) == NULL);           /* absent */
    CHECK(pci_map_bar(c, 6) == NULL && pci_map_bar(c, -1) == NULL);
    CHECK(pci_map_bar(l, 0) == NULL);           /* garbage */
}

/* ---- MSI / MSI-X ----------------------------------------------------- */

TEST(msi_64bit)
{
    setup();
    struct pci_dev *e = dev_at(1, 0, 0);
    struct fake *f = &fakes[F_E1000E];
    REQUIRE(e);
    CHECK_EQ(pci_msi_enable(e, 0x45), 0);
    CHECK_EQ(f->cfg[0xd4 / 4], 0xFEE00000u);
    CHECK_EQ(f->cfg[0xd8 / 4], 0);
    CHECK_EQ(f->cfg[0xdc / 4] & 0xFFFF, 0x45);
    uint16_t ctrl = (uint16_t)(f->cfg[0xd0 / 4] >> 16);
    CHECK(ctrl & PCI_MSI_CTRL_ENABLE);
    CHECK_EQ(ctrl & PCI_MSI_CTRL_MME, 0);
    CHECK(f->cfg[1] & PCI_CMD_INTX_DISABLE);
    pci_msi_disable(e);
    CHECK_EQ((f->cfg[0xd0 / 4] >> 16) & PCI_MSI_CTRL_ENABLE, 0);
    CHECK_EQ(pci_msi_enable(e, 5), -EINVAL);    /* an exception vector */
    CHECK_EQ(pci_msi_enable(dev_at(0, 2, 0), 0x45), -ENODEV);
}

TEST(msi_32bit_masked)
{
    setup();
    struct pci_dev *l = dev_at(0, 4, 0);
    struct fake *f = &fakes[F_LOOPY];
    REQUIRE(l);
    CHECK_EQ(pci_msi_enable(l, 0x50), 0);
    CHECK_EQ(f->cfg[0x54 / 4], 0xFEE00000u);
    CHECK_EQ(f->cfg[0x58 / 4] & 0xFFFF, 0x50);
    CHECK_EQ(f->cfg[0x5c / 4] & 1, 0);          /* per-vector mask cleared */
    CHECK((f->cfg[0x50 / 4] >> 16) & PCI_MSI_CTRL_ENABLE);
    msi_addr = 0x1FEE00000ull;                  /* cannot be expressed in 32 bits */
    CHECK_EQ(pci_msi_enable(l, 0x50), -ERANGE);
}

TEST(msix)
{
    setup();
    struct pci_dev *e = dev_at(1, 0, 0), *x = dev_at(0, 8, 0);
    struct fake *f = &fakes[F_E1000E];
    REQUIRE(e && x);
    CHECK_EQ(pci_msix_count(e), 5);
    CHECK_EQ(pci_msix_count(dev_at(0, 2, 0)), 0);
    f->cfg[1] &= ~(uint32_t)PCI_CMD_MEM;
    CHECK_EQ(pci_msix_enable(e, 2, 0x41), 0);
    CHECK_EQ(mapped_phys, MSIX_BAR_ADDR);
    CHECK_EQ(msix_bar[2 * 4 + 0], 0xFEE00000u);
    CHECK_EQ(msix_bar[2 * 4 + 1], 0);
    CHECK_EQ(msix_bar[2 * 4 + 2], 0x41);
    CHECK_EQ(msix_bar[2 * 4 + 3] & PCI_MSIX_ENTRY_MASKED, 0);
    CHECK(msix_bar[1 * 4 + 3] & PCI_MSIX_ENTRY_MASKED);     /* others untouched */
    CHECK(msix_bar[3 * 4 + 3] & PCI_MSIX_ENTRY_MASKED);
    uint16_t ctrl = (uint16_t)(f->cfg[0xa0 / 4] >> 16);
    CHECK(ctrl & PCI_MSIX_CTRL_ENABLE);
    CHECK_EQ(ctrl & PCI_MSIX_CTRL_MASKALL, 0);
    CHECK(f->cfg[1] & PCI_CMD_MEM);             /* the table needs memory decoding */
    CHECK(f->cfg[1] & PCI_CMD_INTX_DISABLE);
    CHECK_EQ(pci_msix_mask(e, 2, true), 0);
    CHECK(msix_bar[2 * 4 + 3] & PCI_MSIX_ENTRY_MASKED);
    CHECK_EQ(pci_msix_mask(e, 2, false), 0);
    CHECK_EQ(msix_bar[2 * 4 + 3] & PCI_MSIX_ENTRY_MASKED, 0);
    CHECK_EQ(pci_msix_enable(e, 5, 0x41), -EINVAL);
    CHECK_EQ(pci_msix_enable(e, -1, 0x41), -EINVAL);
    CHECK_EQ(pci_msix_enable(e, 0, 0x10), -EINVAL);
    pci_msix_disable(e);
    CHECK_EQ((f->cfg[0xa0 / 4] >> 16) & PCI_MSIX_CTRL_ENABLE, 0);
    CHECK_EQ(pci_msix_count(x), 1);
    CHECK_EQ(pci_msix_enable(x, 0, 0x41), -EIO);            /* table in an I/O BAR */
    CHECK(strstr(logbuf, "00:08.0: MSI-X table (bar1+0x0, 1 entries) not in a usable BAR") != NULL);
}

/* ---- Hostile or empty buses ----------------------------------------- */

static uint32_t none_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    (void)ctx, (void)seg, (void)bus, (void)dev, (void)fn, (void)off;
    return 0xFFFFFFFFu;
}

static void ignore_write32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                           uint16_t off, uint32_t v)
{
    (void)ctx, (void)seg, (void)bus, (void)dev, (void)fn, (void)off, (void)v;
}

/* Every slot of every bus holds a multi-function bridge to the next bus. */
static uint32_t all_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    (void)ctx, (void)seg, (void)dev, (void)fn;
    switch (off) {
    case PCI_VENDOR_ID:  return 0x00011234;
    case PCI_REVISION_ID: return 0x06040000;
    case 0x0C:           return (uint32_t)(PCI_HDR_MULTIFUNC | PCI_HDR_BRIDGE) << 16;
    case 0x18:           return 0xFFu << 16 | (uint32_t)(uint8_t)(bus + 1) << 8 | bus;
    case PCI_COMMAND:    return (uint32_t)PCI_STS_CAP_LIST << 16;
    case PCI_CAP_PTR:    return 0x40;
    default:             break;
    }
    if (off < 0x40)
        return 0;
    /* vendor capabilities, each pointing to the next, the last to the first */
    return 0x00FF0009u | (uint32_t)(off == 0xFC ? 0x40 : off + 4) << 8;
}

/* Device 0 of every bus is a bridge to the next bus: a 256-deep chain. */
static uint32_t chain_read32(void *ctx, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
                             uint16_t off)
{
    if (dev != 0 || fn != 0)
        return 0xFFFFFFFFu;
    return off == PCI_COMMAND ? 0 : all_read32(ctx, seg, bus, dev, fn, off);
}

TEST(empty_bus)
{
    const struct pci_cfg_ops none = { none_read32, ignore_write32, NULL, "none" };
    CHECK_EQ(pci_init(&none), 0);
    CHECK_EQ(pci_count(), 0);
    const struct pci_cfg_ops broken = { NULL, ignore_write32, NULL, "broken" };
    CHECK_EQ(pci_init(&broken), -EINVAL);
    CHECK(pci_cfg() == NULL);
    CHECK_EQ(pci_scan_root(0, 0), -ENODEV);
}

TEST(registry_full)
{
    const struct pci_cfg_ops all = { all_read32, ignore_write32, NULL, "all" };
    loglen = 0;
    CHECK_EQ(pci_init(&all), PCI_MAX_DEVICES);
    CHECK_EQ(pci_count(), PCI_MAX_DEVICES);
    CHECK(pci_get(0)->caps_bad);                /* 48 vendor caps, then a loop */
    CHECK(strstr(logbuf, "more than 256 functions") != NULL);    /* bus 1 was lost */
    CHECK_EQ(pci_scan_root(0, 5), 0);
    listing_len = 0;
    pci_list(collect, true);                    /* bounded output, no overflow */
    CHECK(listing_len > 0);
}

TEST(bridge_chain)
{
    const struct pci_cfg_ops chain = { chain_read32, ignore_write32, NULL, "chain" };
    loglen = 0;
    CHECK_EQ(pci_init(&chain), 256);            /* buses 0..255, then 255 -> 0 is refused */
    CHECK_EQ(pci_get(255)->bus, 255);
    CHECK(strstr(logbuf, "ff:00.0: bridge to bus 00") == NULL);   /* 0: unconfigured */
}
