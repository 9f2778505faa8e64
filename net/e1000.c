/* Intel e1000 family: 82540EM (QEMU's default "e1000"), 82545EM (VMware's
 * "e1000", QEMU "e1000-82545em") and 82574L (VMware's "e1000e", QEMU
 * "e1000e"), with legacy descriptors on one rx and one tx queue.
 *
 * Spec: Intel 8254x Software Developer's Manual (SDM) chapter 14 "General
 * Initialization and Reset Operation", 3.2/3.3 (descriptor rings), 3.3.5-
 * 3.3.6 (checksum offload: context and data descriptors); 82574 datasheet
 * 7.4 (interrupts, MSI-X, IVAR). Register layouts in net/e1000_reg.h, ring
 * arithmetic and checksum offload decisions in net/e1000_ring.h.
 *
 * Checksum offload: on transmit, one TCP/IP context descriptor tells the
 * device where the IPv4 and TCP checksums are; each data descriptor's
 * POPTS then asks for them (e1000_tx_csum_prepare seeds the fields). On
 * receive, RXCSUM makes the device verify IPv4/TCP/UDP checksums; a frame
 * it found bad is dropped and counted (rx_csum_bad), the others go up with
 * what was verified, and the stack checks the rest in software.
 *
 * trace=e1000 prints the conversation with the device: register writes of
 * reset and setup, interrupt causes, link changes, and one line per frame
 * received or sent (descriptor index, length, status bits, EtherType).
 *
 * Path of a frame: the device DMAs it into a 2 KiB buffer, sets DD|EOP in
 * the descriptor and raises an interrupt; e1000_irq reads ICR and wakes
 * the per-device thread "e1000-ethN", whose e1000_service walks the ring
 * from rx_next, validates each descriptor, hands good frames up (lent in
 * their own buffer while a spare can take the slot, net/e1000_rxpool.c,
 * else copied by netdev_rx), and gives the descriptor back by moving RDT
 * onto it. Frames to send come as segment lists (struct netdev_frame),
 * gathered into the slot's buffer, with the checksums the stack asked for;
 * e1000_remove takes the device out at hot-unplug.
 *
 * The device is reached only through kernel/dev/devio.h: registers through
 * rd/wr, DMA memory and the interrupt through devio calls. The hosted tests
 * (tests/devsim/test_e1000_hosted.c) run this file unchanged against a
 * register-level model of the 82540EM and 82574L, using the hooks of
 * net/e1000_test.h.
 *
 * Try it: qemu-system-x86_64 -M q35 -netdev user,id=n0 -device e1000,netdev=n0
 *   -kernel build/minnow.elf -append "selftest=net" (or e1000-82545em, e1000e). */
#include "net/netdev.h"
#include "net/e1000_reg.h"
#include "net/e1000_ring.h"
#include "net/e1000_rxpool.h"
#include "net/e1000_test.h"
#include "kernel/dev/devio.h"
#include "kernel/time/clock.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "kernel/mm/heap.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci.h"
#include "kernel/sched/sched.h"
#include "kernel/core/trace.h"
#include "lib/string.h"

TRACE_FLAG(e1000, "e1000: register setup, interrupt causes, link, every frame in and out");

#define E1000_TX_RING   128         /* E1000_RX_RING, E1000_BUF_SIZE: e1000_rxpool.h */
#define E1000_RX_BUDGET 64          /* frames per pass before yielding */
#define E1000_RESET_TIMEOUT_NS 20000000ull  /* CTRL.RST self-clears in ~1 us */
#define E1000_EERD_TIMEOUT_NS  10000000ull

_Static_assert(E1000_RX_RING % E1000_RING_ALIGN_DESCS == 0, "rx ring length");
_Static_assert(E1000_TX_RING % E1000_RING_ALIGN_DESCS == 0, "tx ring length");
_Static_assert(E1000_TX_WANT_IP == NETDEV_TX_CSUM_IP && E1000_TX_WANT_TCP == NETDEV_TX_CSUM_TCP,
               "e1000_tx_csum_prepare takes the stack's flags as they are");

struct e1000_model {
    uint16_t device;
    const char *name;
    bool eerd_82574;                /* EERD layout of the 82574 */
    bool msix;                      /* try MSI-X with IVAR */
};

static const struct e1000_model e1000_82540em = { 0x100E, "82540EM", false, false };
static const struct e1000_model e1000_82545em = { 0x100F, "82545EM", false, false };
static const struct e1000_model e1000_82574l = { 0x10D3, "82574L", true, true };

struct e1000 {
    struct netdev nd;
    struct devio io;                /* the device: kernel/dev/devio.h */
    struct devio_win regs;          /* BAR 0 */
    const struct e1000_model *model;
    bool started;                   /* rings set up: RDT/TDT writes are the data path's */

    struct devio_dma rx_mem, tx_mem, tx_bufs_mem;
    struct e1000_rx_desc *rx;       /* ring: rx_mem.virt */
    struct e1000_rxpool *pool;      /* receive buffers */
    uint16_t rx_slot_buf[E1000_RX_RING];   /* pool buffer of each descriptor */
    uint64_t rx_phys;
    unsigned rx_next;               /* next descriptor the device completes */
    bool rx_in_frag;                /* dropping the rest of a multi-descriptor frame */

    struct e1000_tx_desc *tx;
    uint8_t *tx_bufs;
    uint64_t tx_phys, tx_bufs_phys;
    unsigned tx_clean, tx_tail;     /* oldest in flight, next to fill */
    unsigned tx_ctx_hlen;           /* IP header length of the loaded context, 0: none */

    struct semaphore work;          /* sem_up by the interrupt handler */
    uint32_t icr_pending;           /* causes seen by the handler, not yet handled (atomic) */
    bool msix;                      /* ICR is not cleared by reading in MSI-X mode */
    const char *irq_mode;
    char irq_name[24];              /* for the `irq` listing: "e1000 00:03.0" */
    struct devio_irq irq;
    struct thread *thread;
    bool stopping;                  /* e1000_remove: the thread returns */
    uint64_t irqs, irqs_empty;
    uint64_t rx_fragments;          /* multi-descriptor frames dropped */
    const char *where;              /* "00:03.0" (io.name), the prefix of trace lines */
};

/* ---- Register access: the one place that touches BAR 0. ----------------- */

static uint32_t rd(struct e1000 *e, uint32_t reg)
{
    return devio_read32(&e->regs, reg);
}

/* Names of the registers whose writes trace=e1000 shows; others (MTA,
 * ICR write-back in the interrupt handler) are not traced. */
static const char *e1000_reg_name(uint32_t reg)
{
    static const struct { uint16_t reg; char name[8]; } names[] = {
        { E1000_CTRL, "CTRL" }, { E1000_CTRL_EXT, "CTRL_EXT" }, { E1000_EERD, "EERD" },
        { E1000_IMS, "IMS" }, { E1000_IMC, "IMC" }, { E1000_IVAR, "IVAR" },
        { E1000_ITR, "ITR" }, { E1000_EITR(0), "EITR0" },
        { E1000_RCTL, "RCTL" }, { E1000_TCTL, "TCTL" }, { E1000_TIPG, "TIPG" },
        { E1000_RDBAL, "RDBAL" }, { E1000_RDBAH, "RDBAH" }, { E1000_RDLEN, "RDLEN" },
        { E1000_RDH, "RDH" }, { E1000_RDT, "RDT" }, { E1000_RDTR, "RDTR" },
        { E1000_TDBAL, "TDBAL" }, { E1000_TDBAH, "TDBAH" }, { E1000_TDLEN, "TDLEN" },
        { E1000_TDH, "TDH" }, { E1000_TDT, "TDT" }, { E1000_RXCSUM, "RXCSUM" },
        { E1000_RAL0, "RAL0" }, { E1000_RAH0, "RAH0" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].reg == reg)
            return names[i].name;
    return NULL;
}

/* Every register write, traced when the register has a name. Once the
 * rings run, the data path moves RDT/TDT once per frame: those writes are
 * not traced, the frames have their own trace lines. */
static void wr(struct e1000 *e, uint32_t reg, uint32_t v)
{
    if (trace_e1000 && !(e->started && (reg == E1000_RDT || reg == E1000_TDT))) {
        const char *n = e1000_reg_name(reg);
        if (n)
            TRACE(e1000, "%s %.8s <- 0x%08x\n", e->where, n, v); /* CTRL_EXT fills name[8] */
    }
    devio_write32(&e->regs, reg, v);
}

static void flush(struct e1000 *e) { (void)rd(e, E1000_STATUS); }

/* ---- Reset and identity ------------------------------------------------- */

/* SDM chapter 14: mask everything, global reset, mask again (the
 * reset restores defaults), clear pending causes. */
static int e1000_reset(struct e1000 *e)
{
    bool running = (rd(e, E1000_RCTL) & E1000_RCTL_EN) || (rd(e, E1000_TCTL) & E1000_TCTL_EN);
    TRACE(e1000, "%s reset: mask interrupts, stop rx/tx%s, CTRL.RST\n", e->where,
          running ? " (firmware left DMA on)" : "");
    wr(e, E1000_IMC, 0xFFFFFFFF);
    wr(e, E1000_RCTL, 0);
    wr(e, E1000_TCTL, 0);
    flush(e);
    if (running)                    /* firmware (a PXE ROM) left DMA on: let it drain */
        thread_sleep_ns(10000000);
    wr(e, E1000_CTRL, rd(e, E1000_CTRL) | E1000_CTRL_RST);
    thread_sleep_ns(1000000);       /* do not touch registers right after RST */
    uint64_t deadline = clock_ns() + E1000_RESET_TIMEOUT_NS;
    while (rd(e, E1000_CTRL) & E1000_CTRL_RST) {
        if (clock_ns() > deadline)
            return -ETIMEDOUT;
        thread_sleep_ns(1000000);
    }
    wr(e, E1000_IMC, 0xFFFFFFFF);
    (void)rd(e, E1000_ICR);
    return 0;
}

/* One EEPROM word through EERD; -ETIMEDOUT when DONE never comes. */
static int e1000_eeprom_read(struct e1000 *e, unsigned word, uint16_t *out)
{
    uint32_t done = e->model->eerd_82574 ? E1000_EERD_DONE_82574 : E1000_EERD_DONE_8254X;
    unsigned shift = e->model->eerd_82574 ? E1000_EERD_ADDR_SHIFT_82574
                                          : E1000_EERD_ADDR_SHIFT_8254X;
    wr(e, E1000_EERD, E1000_EERD_START | word << shift);
    uint64_t deadline = clock_ns() + E1000_EERD_TIMEOUT_NS;
    for (;;) {
        uint32_t v = rd(e, E1000_EERD);
        if (v & done) {
            *out = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
            return 0;
        }
        if (clock_ns() > deadline)
            return -ETIMEDOUT;
    }
}

/* The MAC: RAL0/RAH0 as the device loaded them (QEMU and VMware fill
 * them at reset), else EEPROM words 0-2. Written back to RAL0/RAH0 with
 * Address Valid so that unicast filtering uses it. */
static int e1000_read_mac(struct e1000 *e)
{
    uint8_t *m = e->nd.mac;
    uint32_t lo = rd(e, E1000_RAL0), hi = rd(e, E1000_RAH0);
    for (int i = 0; i < 4; i++)
        m[i] = (uint8_t)(lo >> (8 * i));
    m[4] = (uint8_t)hi;
    m[5] = (uint8_t)(hi >> 8);
    if (!e1000_mac_valid(m)) {
        for (unsigned w = 0; w < 3; w++) {
            uint16_t v;
            if (e1000_eeprom_read(e, E1000_EEPROM_MAC_WORD0 + w, &v) != 0)
                return -EIO;
            m[2 * w] = (uint8_t)v;
            m[2 * w + 1] = (uint8_t)(v >> 8);
        }
        if (!e1000_mac_valid(m))
            return -EIO;
    }
    wr(e, E1000_RAL0, (uint32_t)m[0] | m[1] << 8 | m[2] << 16 | (uint32_t)m[3] << 24);
    wr(e, E1000_RAH0, (uint32_t)m[4] | m[5] << 8 | E1000_RAH_AV);
    return 0;
}

/* ---- Rings -------------------------------------------------------------- */

static void e1000_free_rings(struct e1000 *e)
{
    devio_dma_free(&e->io, &e->rx_mem);
    e1000_rxpool_put(e->pool);
    devio_dma_free(&e->io, &e->tx_mem);
    devio_dma_free(&e->io, &e->tx_bufs_mem);
    e->rx = NULL, e->pool = NULL, e->tx = NULL, e->tx_bufs = NULL;
}

/* Both rings and their buffers, below 4 GiB as they always were here. */
static int e1000_alloc_rings(struct e1000 *e)
{
    struct devio *io = &e->io;
    if (devio_dma_alloc(io, E1000_RX_RING * sizeof *e->rx, DEVIO_DMA_32BIT, &e->rx_mem) < 0 ||
        !(e->pool = e1000_rxpool_new(io)) ||
        devio_dma_alloc(io, E1000_TX_RING * sizeof *e->tx, DEVIO_DMA_32BIT, &e->tx_mem) < 0 ||
        devio_dma_alloc(io, E1000_TX_RING * E1000_BUF_SIZE, DEVIO_DMA_32BIT, &e->tx_bufs_mem) < 0) {
        e1000_free_rings(e);
        return -ENOMEM;
    }
    e->rx = e->rx_mem.virt, e->rx_phys = e->rx_mem.bus;
    e->tx = e->tx_mem.virt, e->tx_phys = e->tx_mem.bus;
    e->tx_bufs = e->tx_bufs_mem.virt, e->tx_bufs_phys = e->tx_bufs_mem.bus;
    for (unsigned i = 0; i < E1000_RX_RING; i++)
        e->rx_slot_buf[i] = (uint16_t)i;
    return 0;
}

static uint8_t *e1000_rx_buf(struct e1000 *e, unsigned i)
{
    return e1000_rxpool_virt(e->pool, e->rx_slot_buf[i]);
}

/* Hands descriptor i back to the device with its buffer. The address is
 * rewritten every time: the device has write access to the descriptor. */
static void e1000_rx_give(struct e1000 *e, unsigned i)
{
    volatile struct e1000_rx_desc *d = &e->rx[i];
    d->addr = e1000_rxpool_bus(e->pool, e->rx_slot_buf[i]);
    d->length = 0;
    d->status = 0;
    d->errors = 0;
}

/* SDM 14, receive initialization: ring, all descriptors but one handed to the device. */
static void e1000_rx_init(struct e1000 *e)
{
    for (unsigned i = 0; i < E1000_RX_RING; i++)
        e1000_rx_give(e, i);
    for (unsigned i = 0; i < E1000_MTA_COUNT; i++)
        wr(e, E1000_MTA + 4 * i, 0);
    wr(e, E1000_RDBAL, (uint32_t)e->rx_phys);
    wr(e, E1000_RDBAH, (uint32_t)(e->rx_phys >> 32));
    wr(e, E1000_RDLEN, E1000_RX_RING * sizeof(struct e1000_rx_desc));
    wr(e, E1000_RDH, 0);
    wr(e, E1000_RDT, E1000_RX_RING - 1);
    wr(e, E1000_RDTR, 0);
    e->rx_next = 0;
    e->rx_in_frag = false;
    /* The device verifies IPv4 and TCP/UDP checksums (results in each
     * descriptor, see e1000_rx_csum). */
    wr(e, E1000_RXCSUM, E1000_RXCSUM_IPOFLD | E1000_RXCSUM_TUOFLD);
    wr(e, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_BSIZE_2048 |
                          E1000_RCTL_SECRC | E1000_RCTL_RDMTS_HALF);
}

/* SDM 14, transmit initialization: ring, empty; full duplex collision distance. */
static void e1000_tx_init(struct e1000 *e)
{
    memset(e->tx, 0, E1000_TX_RING * sizeof *e->tx);
    wr(e, E1000_TDBAL, (uint32_t)e->tx_phys);
    wr(e, E1000_TDBAH, (uint32_t)(e->tx_phys >> 32));
    wr(e, E1000_TDLEN, E1000_TX_RING * sizeof(struct e1000_tx_desc));
    wr(e, E1000_TDH, 0);
    wr(e, E1000_TDT, 0);
    e->tx_clean = e->tx_tail = 0;
    e->tx_ctx_hlen = 0;             /* a reset forgets the context */
    wr(e, E1000_TIPG, E1000_TIPG_DEFAULT);
    wr(e, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_RTLC |
                          E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT |
                          E1000_TCTL_COLD_FD << E1000_TCTL_COLD_SHIFT);
    e->started = true;
}

/* ---- Data path ---------------------------------------------------------- */

/* Reclaims sent descriptors: only those between tx_clean and tx_tail,
 * which we queued, so a device setting DD elsewhere changes nothing. */
static void e1000_tx_reclaim(struct e1000 *e)
{
    while (e->tx_clean != e->tx_tail) {
        volatile struct e1000_tx_desc *d = &e->tx[e->tx_clean];
        if (!(d->status & E1000_TXD_STAT_DD))
            break;
        d->status = 0;
        e->tx_clean = e1000_ring_next(e->tx_clean, E1000_TX_RING);
    }
}

/* EtherType of a frame, for trace lines. */
static unsigned ethertype(const uint8_t *f) { return (unsigned)(f[12] << 8 | f[13]); }

/* Loads the checksum context for IPv4 headers of ip_hlen bytes into slot
 * i (e1000_tx_ctx_fill). Its buffer address is unused. */
static void e1000_tx_ctx(struct e1000 *e, unsigned i, unsigned ip_hlen)
{
    struct e1000_tx_ctx_desc c;
    e1000_tx_ctx_fill(&c, ip_hlen);
    memcpy((void *)&e->tx[i], &c, sizeof c);
    e->tx_ctx_hlen = ip_hlen;
    TRACE(e1000, "%s tx[%u] context: ip %u..%u sum at %u, tcp %u..end sum at %u\n", e->where, i,
          c.ipcss, c.ipcse, c.ipcso, c.tucss, c.tucso);
}

/* The segments are gathered into the tail slot's buffer (one copy); the
 * checksums are those the stack asked for in f->flags. */
static int e1000_xmit(struct netdev *nd, const struct netdev_frame *f)
{
    struct e1000 *e = nd->priv;
    size_t len = f->len;
    if (e->stopping)
        return -ENODEV;
    if (len < NETDEV_ETH_HLEN || len > E1000_BUF_SIZE) {
        nd->stats.tx_dropped++;
        return -EINVAL;
    }
    e1000_tx_reclaim(e);
    unsigned free = e1000_ring_free(e->tx_clean, e->tx_tail, E1000_TX_RING);
    if (free == 0)
        return -EBUSY;
    /* The copy goes into the buffer of slot `b`, the tail. When a context
     * descriptor must come first it takes that slot, and the frame's
     * descriptor, in the next slot, still points at b's buffer: both are
     * reclaimed together, in order, so the buffer lives long enough. */
    unsigned b = e->tx_tail, i = b;
    uint8_t *buf = e->tx_bufs + (size_t)b * E1000_BUF_SIZE;
    netdev_frame_gather(f, buf);
    unsigned hlen = 0, popts = 0;
    if (f->flags && (nd->offloads & NETDEV_OFF_TX_IPV4_CSUM))
        popts = e1000_tx_csum_prepare(buf, len, f->flags, &hlen);
    if (popts && hlen != e->tx_ctx_hlen) {
        if (free < 2)
            return -EBUSY;              /* nothing written to the ring yet */
        e1000_tx_ctx(e, i, hlen);
        i = e1000_ring_next(i, E1000_TX_RING);
    }
    volatile struct e1000_tx_desc *d = &e->tx[i];
    d->addr = e->tx_bufs_phys + (uint64_t)b * E1000_BUF_SIZE;
    d->length = (uint16_t)len;
    d->special = 0;
    d->status = 0;
    if (popts) {                        /* data descriptor (DEXT): POPTS in `css` */
        d->cso = E1000_TXD_DATA_TYPE;
        d->css = (uint8_t)popts;
        d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS | E1000_TXD_CMD_DEXT;
        nd->stats.tx_csum++;
    } else {                            /* legacy descriptor, no checksum */
        d->cso = 0;
        d->css = 0;
        d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
    }
    TRACE(e1000, "%s tx[%u] len %zu type %04x%s\n", e->where, i, len, ethertype(buf),
          popts & E1000_TXD_POPTS_TXSM ? " csum ip+tcp" : popts ? " csum ip" : "");
    /* x86 keeps these write-back stores ahead of the uncached TDT write;
     * the compiler must too. */
    __asm__ volatile("" ::: "memory");
    e->tx_tail = e1000_ring_next(i, E1000_TX_RING);
    wr(e, E1000_TDT, e->tx_tail);
    nd->stats.tx_packets++;
    nd->stats.tx_bytes += len;
    if (f->done)
        f->done(f->done_arg);           /* copied: the segments are free again */
    return 0;
}

/* Walks completed receive descriptors, at most `budget`; returns how many. */
static int e1000_rx_poll(struct e1000 *e, int budget)
{
    int n = 0;
    while (n < budget) {
        unsigned i = e->rx_next;
        volatile struct e1000_rx_desc *d = &e->rx[i];
        uint8_t status = d->status;
        if (!(status & E1000_RXD_STAT_DD))
            break;
        __asm__ volatile("" ::: "memory");  /* read the rest after DD */
        uint16_t len = d->length;
        uint8_t errors = d->errors;
        bool first;
        switch (e1000_rx_classify(status, errors, len, E1000_BUF_SIZE, &e->rx_in_frag, &first)) {
        case E1000_RX_DELIVER: {
            uint8_t *f = e1000_rx_buf(e, i);
            unsigned cs = e1000_rx_csum(status, errors);
            TRACE(e1000, "%s rx[%u] len %u status 0x%02x DD EOP%s%s%s%s errors 0x%02x type %04x\n",
                  e->where, i, len, status, status & E1000_RXD_STAT_IXSM ? " IXSM" : "",
                  status & E1000_RXD_STAT_IPCS ? " IPCS" : "",
                  status & E1000_RXD_STAT_TCPCS ? " TCPCS" : "",
                  status & E1000_RXD_STAT_UDPCS ? " UDPCS" : "", errors, ethertype(f));
            if (cs & E1000_CSUM_BAD) {
                e->nd.stats.rx_csum_bad++;
                break;
            }
            /* Lent without a copy while a spare can take the slot
             * (net/e1000_rxpool.c), else copied. */
            e->rx_slot_buf[i] = e1000_rxpool_up(e->pool, &e->nd, e->rx_slot_buf[i], len,
                (cs & E1000_CSUM_IP_OK ? NETDEV_RX_CSUM_IP_OK : 0) |
                (cs & E1000_CSUM_L4_OK ? NETDEV_RX_CSUM_L4_OK : 0));
            break;
        }
        case E1000_RX_ERROR:
            TRACE(e1000, "%s rx[%u] len %u status 0x%02x errors 0x%02x: dropped\n", e->where, i, len,
                  status, errors);
            e->nd.stats.rx_errors++;
            break;
        case E1000_RX_FRAGMENT:
            if (first) {
                e->rx_fragments++;
                e->nd.stats.rx_dropped++;
            }
            break;
        }
        e1000_rx_give(e, i);
        __asm__ volatile("" ::: "memory");
        wr(e, E1000_RDT, i);                /* i is the device's again */
        e->rx_next = e1000_ring_next(i, E1000_RX_RING);
        n++;
    }
    return n;
}

/* STATUS, with its link bits traced. */
static uint32_t e1000_link_status(struct e1000 *e)
{
    uint32_t st = rd(e, E1000_STATUS);
    TRACE(e1000, "%s STATUS 0x%08x: link %s, %u Mb/s, %s duplex\n", e->where, st,
          st & E1000_STATUS_LU ? "up" : "down", e1000_status_speed(st),
          st & E1000_STATUS_FD ? "full" : "half");
    return st;
}

static void e1000_update_link(struct e1000 *e)
{
    uint32_t st = e1000_link_status(e);
    netdev_set_link(&e->nd, st & E1000_STATUS_LU, e1000_status_speed(st));
}

/* Interrupt context: read (and, under MSI-X, explicitly clear) the causes,
 * remember them, wake the thread. With INTx the line may be shared: an
 * empty ICR means it was not us. */
static void e1000_irq(void *arg)
{
    struct e1000 *e = arg;
    uint32_t icr = rd(e, E1000_ICR);
    /* NOTE: on the 82574 in MSI-X mode a read of ICR does not clear it
     * (82574 datasheet 7.4; QEMU e1000e_mac_icr_read clears on read
     * only without MSI-X), so write the bits back (write 1 to clear). */
    if (e->msix && icr)
        wr(e, E1000_ICR, icr);
    e->irqs++;
    if (!icr) {
        e->irqs_empty++;
        return;
    }
    /* One locked instruction: the thread takes the causes with an atomic
     * exchange, so neither side needs interrupts off. */
    __atomic_fetch_or(&e->icr_pending, icr, __ATOMIC_RELEASE);
    sem_up(&e->work);
}

/* Decodes interrupt causes for trace=e1000; in the thread, not the handler. */
static void e1000_trace_icr(struct e1000 *e, uint32_t icr)
{
    static const struct { uint32_t bit; char name[8]; } causes[] = {
        { E1000_ICR_TXDW, "TXDW" }, { E1000_ICR_TXQE, "TXQE" }, { E1000_ICR_LSC, "LSC" },
        { E1000_ICR_RXSEQ, "RXSEQ" }, { E1000_ICR_RXDMT0, "RXDMT0" }, { E1000_ICR_RXO, "RXO" },
        { E1000_ICR_RXT0, "RXT0" }, { E1000_ICR_RXQ0, "RXQ0" }, { E1000_ICR_TXQ0, "TXQ0" },
        { E1000_ICR_OTHER, "OTHER" }, { E1000_ICR_ASSERTED, "ASSERT" },
    };
    char buf[96];
    size_t n = 0;
    for (size_t i = 0; i < sizeof causes / sizeof causes[0] && n < sizeof buf - 10; i++)
        if (icr & causes[i].bit)
            n += (size_t)fmt_snprintf(buf + n, sizeof buf - n, " %s", causes[i].name);
    buf[n] = 0;
    TRACE(e1000, "%s interrupt: ICR 0x%08x%s\n", e->where, icr, buf);
}

/* The thread's work for one wakeup: the causes the handler saw, the link,
 * the receive ring (yielding between budgets), sent descriptors. */
static void e1000_service(struct e1000 *e)
{
    uint32_t icr = __atomic_exchange_n(&e->icr_pending, 0, __ATOMIC_ACQUIRE);
    if (trace_e1000)
        e1000_trace_icr(e, icr);
    if (icr & (E1000_ICR_LSC | E1000_ICR_OTHER))
        e1000_update_link(e);
    if (icr & E1000_ICR_RXO)                /* ring was full: frames lost */
        e->nd.stats.rx_dropped += rd(e, E1000_MPC);     /* clear on read */
    while (e1000_rx_poll(e, E1000_RX_BUDGET) == E1000_RX_BUDGET)
        thread_yield();
    e1000_tx_reclaim(e);
}

static void e1000_thread(void *arg)
{
    struct e1000 *e = arg;
    for (;;) {
        sem_down(&e->work);
        if (e->stopping)
            return;                         /* e1000_remove joins us */
        e1000_service(e);
    }
}

/* ---- Interrupt setup ---------------------------------------------------- */

/* Interrupt moderation: at most one interrupt per E1000_ITR_DEFAULT * 256 ns
 * (SDM 13.4.18), i.e. about 20,000 a second: the rate at which Linux's e1000
 * and e1000e start their default dynamic mode (InterruptThrottleRate in
 * drivers/net/ethernet/intel/e1000/e1000_param.c and e1000e/param.c). Under
 * load the service thread then finds many frames per wakeup instead of one
 * (e1000_service drains the ring); an idle link still interrupts at once
 * for its first frame. Fixed rather than dynamic: what Linux's tuning buys
 * is latency at low rates, and a 50 us bound already keeps that small.
 * NOTE: QEMU raises any non-zero interval to 500 (128 us, "7813 interrupts
 * per second", hw/net/e1000.c set_interrupt_cause, hw/net/e1000e_core.c
 * E1000E_MIN_XITR). Its 82540EM/82545EM throttle so even with ITR 0 when
 * the "mitigation" property is on (the default); its 82574L only once ITR or,
 * under MSI-X, EITR is non-zero. */
#define E1000_ITR_DEFAULT 195u
_Static_assert(E1000_ITR_DEFAULT <= E1000_ITR_INTERVAL_MASK, "ITR interval field");

/* MSI-X (82574: one vector for rx, tx and other causes through IVAR), else
 * MSI, else INTx: devio_irq_setup tries them in that order. */
static int e1000_setup_irq(struct e1000 *e)
{
    fmt_snprintf(e->irq_name, sizeof e->irq_name, "e1000 %s", e->where);
    unsigned modes = DEVIO_IRQ_MSI | DEVIO_IRQ_INTX | (e->model->msix ? DEVIO_IRQ_MSIX : 0);
    int r = devio_irq_setup(&e->io, modes, e1000_irq, e, e->irq_name, &e->irq);
    if (r < 0)
        return r;
    e->irq_mode = devio_irq_mode_name(e->irq.mode);
    if (e->irq.mode == DEVIO_IRQ_MSIX) {
        e->msix = true;
        wr(e, E1000_CTRL_EXT, rd(e, E1000_CTRL_EXT) | E1000_CTRL_EXT_PBA_CLR);
        wr(e, E1000_IVAR, E1000_IVAR_VALID << E1000_IVAR_RXQ0_SHIFT |
                              E1000_IVAR_VALID << E1000_IVAR_TXQ0_SHIFT |
                              E1000_IVAR_VALID << E1000_IVAR_OTHER_SHIFT);
        /* Under MSI-X the 82574 throttles each vector by its own EITR
         * (82574 datasheet, EITR registers); IVAR above uses vector 0. */
        wr(e, E1000_EITR(0), E1000_ITR_DEFAULT);
    }
    wr(e, E1000_ITR, E1000_ITR_DEFAULT);
    return 0;
}

/* ---- Probe -------------------------------------------------------------- */

static const struct netdev_ops e1000_ops = { .xmit = e1000_xmit };

static const struct pci_id e1000_ids[];

/* The model of a device from the ID table (whose data are the models),
 * for callers without the matching entry (the test hook). */
static const struct e1000_model *e1000_model_of(uint16_t device)
{
    for (const struct pci_id *id = e1000_ids; id->vendor; id++)
        if (id->device == device)
            return id->data;
    return NULL;
}

/* Interrupts off, receive and transmit stopped: no more DMA into the rings. */
static void e1000_silence(struct e1000 *e)
{
    wr(e, E1000_IMC, 0xFFFFFFFF);
    wr(e, E1000_RCTL, 0);
    wr(e, E1000_TCTL, 0);
    flush(e);
}

/* Opens the device and BAR 0 and brings the device to a known state:
 * reset, MAC, rings. On failure nothing is left allocated but e. */
static int e1000_bring_up(struct e1000 *e, struct pci_dev *pd)
{
    int r = devio_pci_open(&e->io, pd);
    e->where = e->io.name;
    if (r == 0)
        r = devio_map(&e->io, 0, &e->regs);
    if (r != 0 || e->regs.pio || e->regs.size < E1000_MMIO_MIN) {
        pr_err("e1000: %s: BAR 0 is not a usable register window\n", e->where);
        return r ? r : -ENODEV;
    }
    if ((r = e1000_reset(e)) != 0) {
        pr_err("e1000: %s: reset did not complete\n", e->where);
        return r;
    }
    if ((r = e1000_read_mac(e)) != 0) {
        pr_err("e1000: %s: no valid MAC in RAL0 or the EEPROM\n", e->where);
        return r;
    }
    if ((r = e1000_alloc_rings(e)) != 0)
        return r;

    /* SDM 14, general configuration: link by auto-negotiation (SLU, ASDE); no VLAN mode. */
    uint32_t ctrl = rd(e, E1000_CTRL);
    ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_PHY_RST | E1000_CTRL_ILOS | E1000_CTRL_VME);
    wr(e, E1000_CTRL, ctrl | E1000_CTRL_SLU | E1000_CTRL_ASDE);
    e1000_rx_init(e);
    e1000_tx_init(e);
    return 0;
}

static int e1000_probe(struct pci_dev *pd, const struct pci_id *id)
{
    char mac[18];
    const struct e1000_model *model = id ? id->data : e1000_model_of(pd->device);
    if (!model || model->device != pd->device)
        return -ENODEV;
    struct e1000 *e = kmalloc(sizeof *e);
    if (!e)
        return -ENOMEM;
    memset(e, 0, sizeof *e);
    e->model = model;
    sem_init(&e->work, 0);
    int r = e1000_bring_up(e, pd);
    if (r != 0) {
        kfree(e);
        return r;
    }
    const char *where = e->where;
    /* Set now so that a failure below, which keeps e, still leaves it
     * findable (the PCI core clears priv when a probe fails). */
    pd->priv = e;

    e->nd.ops = &e1000_ops;
    e->nd.priv = e;
    e->nd.driver = "e1000";
    e->nd.mtu = NETDEV_MTU_DEFAULT;
    /* Every model verifies checksums on receive and inserts them on
     * transmit. NOTE: QEMU's 82540EM/82545EM models do not verify (they
     * set IXSM in every descriptor), so there the stack checks in software;
     * its 82574L does. TCP only on transmit: see docs/net.md. */
    e->nd.offloads = NETDEV_OFF_RX_IPV4_CSUM | NETDEV_OFF_RX_L4_CSUM | NETDEV_OFF_TX_IPV4_CSUM |
                     NETDEV_OFF_TX_L4_CSUM;

    /* From here on a vector or a thread may point at e: on failure the
     * device is silenced and e is kept (devio has no interrupt teardown). */
    if ((r = e1000_setup_irq(e)) != 0) {
        pr_err("e1000: %s: no interrupt (%d)\n", where, r);
        e1000_silence(e);
        return r;
    }
    char tname[THREAD_NAME_MAX];
    fmt_snprintf(tname, sizeof tname, "e1000-%s", where);
    e->thread = thread_create(tname, e1000_thread, e, 0);
    if (!e->thread) {
        e1000_silence(e);
        return -ENOMEM;
    }
    fmt_snprintf(e->nd.desc, sizeof e->nd.desc, "%s %s %s", where, model->name, e->irq_mode);
    uint32_t st = e1000_link_status(e);
    e->nd.link_up = st & E1000_STATUS_LU;
    e->nd.speed_mbps = e->nd.link_up ? e1000_status_speed(st) : 0;
    /* Registered with its link state known: a stack that is up attaches
     * it at once (hot-plug). */
    if ((r = netdev_register(&e->nd)) != 0) {
        pr_err("e1000: %s: cannot register (%d)\n", where, r);
        e1000_silence(e);
        return r;
    }
    uint32_t ims = E1000_ICR_LSC | E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_RXO |
                   E1000_ICR_TXDW;
    if (e->msix)
        ims |= E1000_ICR_RXQ0 | E1000_ICR_TXQ0 | E1000_ICR_OTHER;
    wr(e, E1000_IMS, ims);

    netdev_format_mac(e->nd.mac, mac, sizeof mac);
    if (e->nd.link_up)
        kprintf("e1000: %s %s mac %s, link up %u Mb/s, %s, %s\n", where, model->name, mac,
                e->nd.speed_mbps, e->irq_mode, e->nd.name);
    else
        kprintf("e1000: %s %s mac %s, link down, %s, %s\n", where, model->name, mac, e->irq_mode,
                e->nd.name);
    return 0;
}

/* Hot-unplug (pci_remove_dev): out of the stack first (netdev_unregister
 * returns when nobody holds the netdev), then the device is silenced if it
 * still answers, its interrupt and thread stopped, and the memory freed.
 * Receive buffers the stack still holds keep the pool alive until they
 * come back (e1000_rxpool_put). */
static void e1000_remove(struct pci_dev *pd)
{
    struct e1000 *e = pd->priv;
    if (!e)
        return;
    netdev_unregister(&e->nd);
    e->stopping = true;
    if (rd(e, E1000_STATUS) != 0xFFFFFFFFu)
        e1000_silence(e);
    devio_irq_teardown(&e->io, &e->irq);
    sem_up(&e->work);
    thread_join(e->thread);
    e1000_free_rings(e);
    kprintf("e1000: %s %s removed (%s)\n", e->where, e->model->name, e->nd.name);
    pd->priv = NULL;
    kfree(e);
}

/* The ID table is the model table: each entry's data is its model. */
static const struct pci_id e1000_ids[] = {
    PCI_ID_DATA(0x8086, 0x100E, &e1000_82540em),  /* QEMU "e1000" */
    PCI_ID_DATA(0x8086, 0x100F, &e1000_82545em),  /* copper: VMware "e1000", QEMU "e1000-82545em" */
    PCI_ID_DATA(0x8086, 0x10D3, &e1000_82574l),   /* VMware "e1000e", QEMU "e1000e" */
    { 0 },
};
PCI_DRIVER(e1000, .name = "e1000", .ids = e1000_ids, .probe = e1000_probe,
           .remove = e1000_remove);

/* ---- Test hooks (net/e1000_test.h) --------------------------------------- */

int e1000_test_probe(struct pci_dev *pd) { return e1000_probe(pd, NULL); }

bool e1000_test_service(struct netdev *nd)
{
    struct e1000 *e = nd->priv;
    if (!sem_trydown(&e->work))
        return false;
    e1000_service(e);
    return true;
}

void e1000_test_state(struct netdev *nd, struct e1000_test_state *st)
{
    struct e1000 *e = nd->priv;
    *st = (struct e1000_test_state){
        .irqs = e->irqs, .irqs_empty = e->irqs_empty, .rx_fragments = e->rx_fragments,
        .rx_next = e->rx_next, .tx_clean = e->tx_clean, .tx_tail = e->tx_tail,
        .tx_ctx_hlen = e->tx_ctx_hlen, .msix = e->msix, .irq_mode = e->irq_mode,
        .rx_ring = E1000_RX_RING, .tx_ring = E1000_TX_RING, .buf_size = E1000_BUF_SIZE,
    };
}

void e1000_test_release(struct pci_dev *pd)
{
    struct e1000 *e = pd->priv;
    if (!e)
        return;
    e1000_silence(e);
    e1000_free_rings(e);
    kfree(e);
    pd->priv = NULL;
}
