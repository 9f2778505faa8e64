/* VMware vmxnet3: the paravirtual NIC of VMware ESXi/Workstation, also
 * modelled by QEMU ("-device vmxnet3").
 *
 * Spec: VMware publishes no document; the interface is defined by the
 * headers it contributed to Linux, drivers/net/vmxnet3/vmxnet3_defs.h and
 * upt1_defs.h, with the behaviour of drivers/net/vmxnet3/vmxnet3_drv.c and
 * of QEMU's model, hw/net/vmxnet3.c. Layouts and constants in
 * vmw/vmxnet3_reg.h; docs/vmware.md explains the device with a trace.
 *
 * How it works. The device is told almost everything through memory: the
 * driver fills a "driver-shared" area (MTU, queue counts, interrupt and
 * receive-filter configuration, the address of a table of queue
 * descriptors, which in turn hold the ring addresses and sizes), writes its
 * address to DSAL/DSAH and issues ACTIVATE_DEV through the command
 * register. Before that, a version handshake: VRRS and UVRS report the
 * revisions the device offers as bits, and the driver writes back the one
 * it takes (the highest it speaks: revision 1, all QEMU offers).
 *
 * Rings. One tx queue: a ring of tx descriptors the driver produces and a
 * completion ring the device produces (one entry per frame, naming the
 * frame's last descriptor). One rx queue: ring 1 of head buffers (2 KiB,
 * one frame each: maxNumRxSG = 1), ring 2 of body buffers (configured, kept
 * empty: nothing here needs a frame longer than a buffer), and a completion
 * ring. Ownership travels by generation bits: each producer writes its
 * current generation into an entry last, flipping the generation whenever
 * its index wraps, and the consumer takes the entry when the bit equals
 * its own generation. Frames to send are copied into the slot's buffer and
 * announced by a write of TXPROD; received frames are lent to the stack
 * (net/e1000_rxpool.c, the buffer pool the e1000 uses) or copied.
 *
 * Interrupts: under MSI-X one vector per event class, as the shared
 * area's intrConf and the queue descriptors' intrIdx name them: MSI-X
 * entry 0 rx completions, 1 tx completions, 2 events (devio_irq_setup, then
 * devio_irq_setup_msix). Otherwise (MSI or INTx, or vmxnet3.nomsix) one
 * vector for everything, index 0. Auto-masking: the device masks a vector
 * when it fires, and the driver's thread unmasks it (IMR[i] = 0) once it
 * has done that vector's work, so interrupts are naturally moderated under
 * load. Events (link changes, queue errors) are read from the shared
 * area's ecr and acknowledged through ECR.
 *
 * Distrust: every completion is checked before use: generation bit, type,
 * ring and index (the entry the driver expects next, or a frame in flight),
 * length against the buffer. A bad one is logged, counted and dropped; the
 * driver keeps running. Descriptors handed back are rewritten in full.
 *
 * trace=vmxnet3 prints the handshake, commands, events and one line per
 * frame in and out.
 *
 * Try it: qemu-system-x86_64 -M q35 -nic user,model=vmxnet3
 *   -kernel build/minnow.elf -append "trace=vmxnet3 app=httpd" */
#include "vmw/vmxnet3_reg.h"
#include "vmw/vmxnet3_test.h"
#include "net/netdev.h"
#include "net/e1000_rxpool.h"
#include "kernel/dev/devio.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci.h"
#include "kernel/sched/sched.h"
#include "kernel/core/trace.h"
#include "kernel/time/clock.h"
#include "kernel/core/cmdline.h"
#include "lib/fmt.h"
#include "lib/string.h"

TRACE_FLAG(vmxnet3, "vmxnet3: handshake, commands, events, every frame in and out");

#define VMX_TX_RING     128u
#define VMX_RX_RING     E1000_RX_RING       /* ring 1: the pool's ring buffers */
#define VMX_RX2_RING    32u                 /* ring 2: configured, empty */
#define VMX_RXC_RING    (VMX_RX_RING + VMX_RX2_RING)
#define VMX_BUF         E1000_BUF_SIZE
#define VMX_RX_BUDGET   64
#define VMX_DRV_VERSION 0x00010000u
#define VMX_V_RX        0u                  /* MSI-X entries (intrIdx) */
#define VMX_V_TX        1u
#define VMX_V_EV        2u
#define VMX_NVEC        3u
#define VMX_TCP_FLAGS   13u                 /* RFC 793 3.1: the flags byte, and SYN in it */
#define VMX_TCP_SYN     0x02u

static bool opt_nomsix;
CMDLINE_OPTION(vmxnet3_nomsix, .key = "vmxnet3.nomsix", .type = CMDLINE_BOOL, .dst = &opt_nomsix,
               .help = "vmxnet3: one MSI or INTx vector instead of three MSI-X ones");

/* One DMA block: the shared area and queue descriptors on the first page
 * (the multicast table after them), then the rings, 512-byte aligned. */
#define VMX_OFF_QDESC   1024u
#define VMX_OFF_MF      1536u
#define VMX_OFF_TX      4096u
#define VMX_OFF_TXC     (VMX_OFF_TX + VMX_TX_RING * 16u)
#define VMX_OFF_RX      (VMX_OFF_TXC + VMX_TX_RING * 16u)
#define VMX_OFF_RX2     (VMX_OFF_RX + VMX_RX_RING * 16u)
#define VMX_OFF_RXC     (VMX_OFF_RX2 + VMX_RX2_RING * 16u)
#define VMX_MEM_SIZE    (VMX_OFF_RXC + VMX_RXC_RING * 16u)
_Static_assert(VMX_OFF_QDESC >= sizeof(struct vmxnet3_shared) && VMX_OFF_QDESC % 128 == 0, "qdesc");
_Static_assert(VMX_OFF_MF >= VMX_OFF_QDESC + 512, "queue descriptors");
_Static_assert(VMX_OFF_TXC % VMXNET3_RING_ALIGN == 0 && VMX_OFF_RX % VMXNET3_RING_ALIGN == 0 &&
               VMX_OFF_RX2 % VMXNET3_RING_ALIGN == 0 && VMX_OFF_RXC % VMXNET3_RING_ALIGN == 0,
               "ring alignment");
_Static_assert(VMX_TX_RING % VMXNET3_RING_MULTIPLE == 0 && VMX_RX_RING % VMXNET3_RING_MULTIPLE == 0 &&
               VMX_RXC_RING % VMXNET3_RING_MULTIPLE == 0, "ring sizes");
_Static_assert(VMX_TX_RING <= VMXNET3_TCD_IDX_MASK + 1 && VMX_RX_RING <= VMXNET3_RCD_IDX_MASK + 1,
               "indices fit the completion fields");

/* The multicast groups the filter passes: all-hosts 224.0.0.1 (RFC 1112:
 * every IPv4 host is in it). */
static const uint8_t vmx_mcast[6] = { 0x01, 0x00, 0x5E, 0x00, 0x00, 0x01 };

struct vmx {
    struct netdev nd;
    struct devio io;
    struct devio_win pt, vd;        /* BAR 0, BAR 1 */
    const char *where;              /* "00:03.0" */
    struct devio_dma mem, txb_mem;
    struct vmxnet3_shared *sh;
    struct vmxnet3_txq_desc *txq;
    struct vmxnet3_rxq_desc *rxq;
    struct vmxnet3_desc *tx, *rx;
    struct vmxnet3_comp *txc, *rxc;
    struct e1000_rxpool *pool;
    uint16_t rx_buf[VMX_RX_RING];   /* pool buffer in each ring-1 slot */

    unsigned tx_tail, tx_clean;     /* next to fill, oldest in flight */
    unsigned tx_gen;                /* generation of tx_tail */
    unsigned txc_next, txc_gen;
    unsigned rx_next;               /* ring-1 slot the device completes next */
    unsigned rx_gen;                /* the device's generation (lap) at rx_next */
    unsigned rxc_next, rxc_gen;

    struct semaphore work;
    struct devio_irq irq[VMX_NVEC];
    unsigned nvec, fired;           /* vectors set up; bit i: vector i fired */
    char irq_name[24];
    struct thread *thread;
    bool active, stopping;
    uint64_t irqs, irqs_empty, bad_comps, events;
};

/* ---- Registers: the one place that touches BAR 0 and BAR 1 ---------------- */

static uint32_t vd_rd(struct vmx *v, uint32_t reg) { return devio_read32(&v->vd, reg); }
static void vd_wr(struct vmx *v, uint32_t reg, uint32_t val) { devio_write32(&v->vd, reg, val); }
static void pt_wr(struct vmx *v, uint32_t reg, uint32_t val) { devio_write32(&v->pt, reg, val); }

/* One command; returns its result: ACTIVATE_DEV's and the GET_ ones'
 * (0xF00D....) are read back, the others have none. */
static uint32_t vmx_cmd(struct vmx *v, uint32_t cmd)
{
    vd_wr(v, VMXNET3_VD_CMD, cmd);
    uint32_t r = 0;
    if (cmd == VMXNET3_CMD_ACTIVATE_DEV || (cmd >> 16) == VMXNET3_CMD_GET_LINK >> 16)
        r = vd_rd(v, VMXNET3_VD_CMD);
    TRACE(vmxnet3, "%s CMD 0x%08x -> 0x%08x\n", v->where, cmd, r);
    return r;
}

static unsigned ring_next(unsigned i, unsigned n, unsigned *gen)
{
    if (++i < n)
        return i;
    if (gen)
        *gen ^= 1;
    return 0;
}

/* ---- Identity and link -------------------------------------------------- */

static bool vmx_mac_ok(const uint8_t *m)
{
    return !(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

static void vmx_mac_from(uint8_t *m, uint32_t lo, uint32_t hi)
{
    for (int i = 0; i < 4; i++)
        m[i] = (uint8_t)(lo >> (8 * i));
    m[4] = (uint8_t)hi, m[5] = (uint8_t)(hi >> 8);
}

/* The MAC in MACL/MACH, else the permanent one the commands report. */
static int vmx_read_mac(struct vmx *v)
{
    vmx_mac_from(v->nd.mac, vd_rd(v, VMXNET3_VD_MACL), vd_rd(v, VMXNET3_VD_MACH));
    if (!vmx_mac_ok(v->nd.mac))
        vmx_mac_from(v->nd.mac, vmx_cmd(v, VMXNET3_CMD_GET_PERM_MAC_LO),
                     vmx_cmd(v, VMXNET3_CMD_GET_PERM_MAC_HI));
    return vmx_mac_ok(v->nd.mac) ? 0 : -EIO;
}

/* GET_LINK: bit 0 up, the upper half the speed in Mb/s. */
static void vmx_link(struct vmx *v, bool announce)
{
    uint32_t l = vmx_cmd(v, VMXNET3_CMD_GET_LINK);
    bool up = l & VMXNET3_LINK_UP;
    unsigned mbps = up ? l >> VMXNET3_LINK_SPEED_SHIFT : 0;
    TRACE(vmxnet3, "%s link %s, %u Mb/s\n", v->where, up ? "up" : "down", mbps);
    if (announce)
        netdev_set_link(&v->nd, up, mbps);
    else
        v->nd.link_up = up, v->nd.speed_mbps = mbps;
}

/* ---- Rings -------------------------------------------------------------- */

/* Hands ring-1 slot i to the device for its lap of generation `gen`:
 * buffer, length, a head buffer, the generation bit written last (the
 * device may take the slot then). Everything is rewritten, from the
 * driver's own state: the device can write the descriptor too. */
static void vmx_rx_give(struct vmx *v, unsigned i, unsigned gen)
{
    volatile struct vmxnet3_desc *d = &v->rx[i];
    d->addr = e1000_rxpool_bus(v->pool, v->rx_buf[i]);
    d->w3 = 0;
    __asm__ volatile("" ::: "memory");
    d->w2 = VMX_BUF | (gen ? VMXNET3_RXD_GEN : 0);
}

static void vmx_free(struct vmx *v)
{
    devio_dma_free(&v->io, &v->mem);
    devio_dma_free(&v->io, &v->txb_mem);
    e1000_rxpool_put(v->pool);
    v->pool = NULL;
}

/* The shared area, the queue descriptors and the rings, as ACTIVATE_DEV
 * reads them. Ring 1 starts full (generation 1 in every slot, the device's
 * first lap); ring 2's descriptors keep generation 0: the driver's. */
static int vmx_setup_shared(struct vmx *v)
{
    if (devio_dma_alloc(&v->io, VMX_MEM_SIZE, DEVIO_DMA_32BIT, &v->mem) < 0 ||
        devio_dma_alloc(&v->io, VMX_TX_RING * VMX_BUF, DEVIO_DMA_32BIT, &v->txb_mem) < 0 ||
        !(v->pool = e1000_rxpool_new(&v->io)))
        return -ENOMEM;
    uint8_t *m = v->mem.virt;
    uint64_t bus = v->mem.bus;
    v->sh = (void *)m;
    v->txq = (void *)(m + VMX_OFF_QDESC);
    v->rxq = (void *)(m + VMX_OFF_QDESC + sizeof *v->txq);
    v->tx = (void *)(m + VMX_OFF_TX), v->txc = (void *)(m + VMX_OFF_TXC);
    v->rx = (void *)(m + VMX_OFF_RX), v->rxc = (void *)(m + VMX_OFF_RXC);
    memcpy(m + VMX_OFF_MF, vmx_mcast, sizeof vmx_mcast);

    struct vmxnet3_shared *s = v->sh;
    s->magic = VMXNET3_REV1_MAGIC;
    s->drv_version = VMX_DRV_VERSION;
    s->gos = VMXNET3_GOS_BITS_64;               /* type 0: "unknown" OS */
    s->vmxnet3_rev = VMXNET3_REV_MAX;
    s->upt_ver = VMXNET3_UPT_VERSION;
    s->upt_features = UPT1_F_RXCSUM;
    s->queue_desc_pa = bus + VMX_OFF_QDESC;
    s->queue_desc_len = sizeof *v->txq + sizeof *v->rxq;
    s->mtu = NETDEV_MTU_DEFAULT;
    s->max_rx_sg = 1;
    s->num_tx_queues = s->num_rx_queues = 1;
    s->auto_mask = 1;                           /* the rest of intrConf: vmx_activate */
    s->rx_mode = VMXNET3_RXM_UCAST | VMXNET3_RXM_BCAST | VMXNET3_RXM_MCAST;
    s->mf_table_len = sizeof vmx_mcast;
    s->mf_table_pa = bus + VMX_OFF_MF;
    s->vf_table[0] = 1;                         /* VLAN 0: untagged frames */

    v->txq->ring_pa = bus + VMX_OFF_TX;
    v->txq->comp_ring_pa = bus + VMX_OFF_TXC;
    v->txq->ring_size = v->txq->comp_ring_size = VMX_TX_RING;
    v->rxq->ring_pa[0] = bus + VMX_OFF_RX;
    v->rxq->ring_pa[1] = bus + VMX_OFF_RX2;
    v->rxq->comp_ring_pa = bus + VMX_OFF_RXC;
    v->rxq->ring_size[0] = VMX_RX_RING;
    v->rxq->ring_size[1] = VMX_RX2_RING;
    v->rxq->comp_ring_size = VMX_RXC_RING;

    for (unsigned i = 0; i < VMX_RX_RING; i++) {
        v->rx_buf[i] = (uint16_t)i;
        vmx_rx_give(v, i, VMXNET3_INIT_GEN);
    }
    for (unsigned i = 0; i < VMX_RX2_RING; i++)
        v->rx[VMX_RX_RING + i].w2 = VMXNET3_RXD_BTYPE_BODY;    /* ring 2 follows ring 1 */
    v->tx_gen = v->txc_gen = v->rx_gen = v->rxc_gen = VMXNET3_INIT_GEN;
    return 0;
}

/* ---- Transmit ----------------------------------------------------------- */

/* Frees the frames the device completed. Each completion names the last
 * descriptor of a frame (here: its only one); the device completes in
 * order, so everything up to it is done. A completion naming a slot that
 * holds no frame in flight is the device's mistake: logged, skipped. */
static void vmx_tx_reclaim(struct vmx *v)
{
    for (unsigned n = 0; n < VMX_TX_RING; n++) {
        volatile struct vmxnet3_comp *c = &v->txc[v->txc_next];
        uint32_t w3 = c->w3;
        if (!(w3 & VMXNET3_COMP_GEN) != !v->txc_gen)
            return;
        __asm__ volatile("" ::: "memory");
        unsigned idx = c->w0 & VMXNET3_TCD_IDX_MASK;
        v->txc_next = ring_next(v->txc_next, VMX_TX_RING, &v->txc_gen);
        unsigned inflight = (v->tx_tail - v->tx_clean) % VMX_TX_RING;
        if (VMXNET3_COMP_TYPE(w3) != VMXNET3_CDTYPE_TXCOMP ||
            (idx - v->tx_clean) % VMX_TX_RING >= inflight || idx >= VMX_TX_RING) {
            v->bad_comps++;
            pr_warn("vmxnet3: %s tx completion for slot %u (type %u), in flight %u..%u: ignored\n",
                    v->where, idx, VMXNET3_COMP_TYPE(w3), v->tx_clean, v->tx_tail);
            continue;
        }
        v->tx_clean = ring_next(idx, VMX_TX_RING, NULL);
    }
}

/* TCP's checksum over the pseudo header (RFC 793 3.1), uncomplemented,
 * into the checksum field: the device sums from hlen to the end of the
 * frame over it. The stack guarantees the headers lie in the frame. */
static bool vmx_tcp_seed(uint8_t *f, size_t len, unsigned l4)
{
    const uint8_t *ip = f + NETDEV_ETH_HLEN;
    if (l4 + 20 > len || l4 < NETDEV_ETH_HLEN + 20 || ip[9] != 6)
        return false;
    uint32_t sum = 6 + (uint32_t)(len - l4);
    for (unsigned i = 12; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    f[l4 + 16] = (uint8_t)(sum >> 8);
    f[l4 + 17] = (uint8_t)sum;
    return true;
}

/* NOTE (QEMU user networking): slirp reads a host socket only while QEMU's
 * main loop polls it, and the loop builds its poll set before it sleeps. A
 * forwarded connection's socket joins the set when the guest's SYN-ACK
 * reaches slirp (libslirp tcp_connect leaves it SS_NOFDREF, tcp_input's
 * soisfconnected clears that), an outgoing one when the guest's SYN makes
 * slirp connect(): both inside this driver's TXPROD write, on the vCPU
 * thread, and nothing then wakes the loop. e1000's RDT and virtio's rx
 * kick do (qemu_flush_queued_packets ends in qemu_notify_event); QEMU's
 * vmxnet3 has no such doorbell (hw/net/vmxnet3.c ignores RXPROD), so the
 * request behind each handshake waited for the loop's timeout: 37-50 ms.
 * After a SYN the driver arms the scheduler's timer for "now": under TCG
 * the LAPIC timer is a main-loop timer, and a new earliest deadline wakes
 * the loop (util/qemu-timer.c, timerlist_rearm). One timer interrupt per
 * connection. Where the LAPIC is not QEMU's (VMware; KVM's in-kernel one)
 * it changes nothing, for better (VMware) or worse (KVM: docs/vmware.md). */
static void vmx_kick_fire(struct sched_timer *st) { (void)st; }
static struct sched_timer vmx_kick;        /* .fire set by vmx_probe */

static int vmx_xmit(struct netdev *nd, const struct netdev_frame *f)
{
    struct vmx *v = nd->priv;
    if (v->stopping || !v->active)
        return -ENODEV;
    if (f->len > VMX_BUF) {
        nd->stats.tx_dropped++;
        return -EINVAL;
    }
    vmx_tx_reclaim(v);
    unsigned i = v->tx_tail;
    if ((i + 1) % VMX_TX_RING == v->tx_clean)
        return -EBUSY;
    uint8_t *buf = (uint8_t *)v->txb_mem.virt + (size_t)i * VMX_BUF;
    netdev_frame_gather(f, buf);
    uint32_t w3 = VMXNET3_TXD_EOP | VMXNET3_TXD_CQ, w2 = (uint32_t)f->len;
    /* Checksum offload (om=CSUM): hlen where the sum starts, msscof where it
     * goes. The device does TCP/UDP only; the stack computes IPv4's. */
    bool csum = (f->flags & NETDEV_TX_CSUM_TCP) && vmx_tcp_seed(buf, f->len, f->l4_off);
    if (csum) {
        w3 |= f->l4_off | VMXNET3_OM_CSUM << VMXNET3_TXD_OM_SHIFT;
        w2 |= (uint32_t)(f->l4_off + 16) << VMXNET3_TXD_MSSCOF_SHIFT;
        nd->stats.tx_csum++;
    }
    volatile struct vmxnet3_desc *d = &v->tx[i];
    d->addr = v->txb_mem.bus + (uint64_t)i * VMX_BUF;
    d->w3 = w3;
    __asm__ volatile("" ::: "memory");          /* the generation bit last */
    d->w2 = w2 | (v->tx_gen ? VMXNET3_TXD_GEN : 0);
    TRACE(vmxnet3, "%s tx[%u] gen %u len %zu type %02x%02x%s\n", v->where, i, v->tx_gen, f->len,
          buf[12], buf[13], csum ? " csum tcp" : "");
    v->tx_tail = ring_next(i, VMX_TX_RING, &v->tx_gen);
    pt_wr(v, VMXNET3_PT_TXPROD, v->tx_tail);
    if (csum && (buf[f->l4_off + VMX_TCP_FLAGS] & VMX_TCP_SYN))
        sched_timer_add(&vmx_kick, clock_ns());
    nd->stats.tx_packets++;
    nd->stats.tx_bytes += f->len;
    if (f->done)
        f->done(f->done_arg);
    return 0;
}

/* ---- Receive ------------------------------------------------------------ */

/* What the device verified: cnc says it did not look. A checksum it found
 * wrong is left for the stack to find again (Linux does the same). */
static unsigned vmx_rx_csum(uint32_t w0, uint32_t w3)
{
    if ((w0 & VMXNET3_RCD_CNC) || !(w3 & VMXNET3_RCD_V4))
        return 0;
    unsigned cs = w3 & VMXNET3_RCD_IPC ? NETDEV_RX_CSUM_IP_OK : 0;
    if ((w3 & (VMXNET3_RCD_TCP | VMXNET3_RCD_UDP)) && (w3 & VMXNET3_RCD_TUC) &&
        !(w3 & VMXNET3_RCD_FRG))
        cs |= NETDEV_RX_CSUM_L4_OK;
    return cs;
}

/* Takes completed frames off the rx completion ring, at most `budget`. */
static int vmx_rx_poll(struct vmx *v, int budget)
{
    int n = 0;
    for (; n < budget; n++) {
        volatile struct vmxnet3_comp *c = &v->rxc[v->rxc_next];
        uint32_t w3 = c->w3;
        if (!(w3 & VMXNET3_COMP_GEN) != !v->rxc_gen)
            break;
        __asm__ volatile("" ::: "memory");      /* the rest after the generation bit */
        uint32_t w0 = c->w0, w2 = c->w2;
        unsigned idx = w0 & VMXNET3_RCD_IDX_MASK, len = w2 & VMXNET3_RCD_LEN_MASK;
        unsigned ci = v->rxc_next, cg = v->rxc_gen;     /* for the trace */
        v->rxc_next = ring_next(v->rxc_next, VMX_RXC_RING, &v->rxc_gen);
        /* Only ring 1 has buffers, and the device fills it in order: any
         * other slot was never the device's to complete. NOTE: the type
         * field is not checked: QEMU leaves it 0 in rx completions (hw/net/
         * vmxnet3.c vmxnet3_indicate_packet), where VMware writes RXCOMP. */
        if (VMXNET3_RCD_RQID(w0) != 0 || idx != v->rx_next) {
            v->bad_comps++;
            v->nd.stats.rx_errors++;
            pr_warn("vmxnet3: %s rx completion for ring %u slot %u, expected ring 1 slot %u: "
                    "ignored\n", v->where, VMXNET3_RCD_RQID(w0) + 1, idx, v->rx_next);
            continue;
        }
        unsigned next_lap = v->rx_gen ^ 1;     /* the slot's next turn with the device */
        v->rx_next = ring_next(idx, VMX_RX_RING, &v->rx_gen);
        uint8_t *f = e1000_rxpool_virt(v->pool, v->rx_buf[idx]);
        bool whole = (w0 & (VMXNET3_RCD_SOP | VMXNET3_RCD_EOP)) ==
                     (VMXNET3_RCD_SOP | VMXNET3_RCD_EOP);
        TRACE(vmxnet3, "%s rx[%u] comp[%u] gen %u len %u%s%s%s%s%s type %02x%02x\n", v->where, idx,
              ci, cg, len,
              whole ? " sop eop" : " partial", w2 & VMXNET3_RCD_ERR ? " err" : "",
              w0 & VMXNET3_RCD_CNC ? " cnc" : "", w3 & VMXNET3_RCD_IPC ? " ipc" : "",
              w3 & VMXNET3_RCD_TUC ? " tuc" : "", f[12], f[13]);
        if (!whole || (w2 & VMXNET3_RCD_ERR) || len < NETDEV_ETH_HLEN || len > VMX_BUF) {
            if (len > VMX_BUF)
                pr_warn("vmxnet3: %s rx[%u] length %u past the %u-byte buffer: dropped\n",
                        v->where, idx, len, VMX_BUF);
            v->nd.stats.rx_errors++;
        } else {
            v->rx_buf[idx] = e1000_rxpool_up(v->pool, &v->nd, v->rx_buf[idx], (uint16_t)len,
                                             vmx_rx_csum(w0, w3));
        }
        vmx_rx_give(v, idx, next_lap);
    }
    if (n && v->rxq->update_prod)
        pt_wr(v, VMXNET3_PT_RXPROD, v->rx_next);
    return n;
}

/* ---- Interrupts, events, the thread ----------------------------------- */

/* Interrupt context. Under INTx the line may be shared: ICR says whether
 * it was us (and reading it deasserts). MSI/MSI-X are ours by definition;
 * the device has masked the vector (auto-mask) until the thread unmasks. */
static void vmx_irq_on(struct vmx *v, unsigned i)
{
    v->irqs++;
    __atomic_fetch_or(&v->fired, 1u << i, __ATOMIC_RELEASE);
    sem_up(&v->work);
}

static void vmx_irq(void *arg)
{
    struct vmx *v = arg;
    if (v->irq[0].mode == DEVIO_IRQ_INTX && !vd_rd(v, VMXNET3_VD_ICR)) {
        v->irqs_empty++;
        return;
    }
    vmx_irq_on(v, 0);
}

/* MSI-X entries 1 and 2: arg is v->irq[entry], whose line is the entry. */
static void vmx_irq_msix(void *arg)
{
    struct devio_irq *irq = arg;
    vmx_irq_on((struct vmx *)((char *)(irq - irq->line) - offsetof(struct vmx, irq)), irq->line);
}

/* Events in the shared area: acknowledged through ECR, then handled. */
static void vmx_events(struct vmx *v)
{
    uint32_t ecr = *(volatile uint32_t *)&v->sh->ecr;
    if (!ecr)
        return;
    v->events++;
    vd_wr(v, VMXNET3_VD_ECR, ecr);
    TRACE(vmxnet3, "%s events 0x%x%s%s%s\n", v->where, ecr, ecr & VMXNET3_ECR_LINK ? " LINK" : "",
          ecr & VMXNET3_ECR_TQERR ? " TQERR" : "", ecr & VMXNET3_ECR_RQERR ? " RQERR" : "");
    if (ecr & VMXNET3_ECR_LINK)
        vmx_link(v, true);
    if (ecr & (VMXNET3_ECR_TQERR | VMXNET3_ECR_RQERR)) {
        vmx_cmd(v, VMXNET3_CMD_GET_QUEUE_STATUS);
        pr_err("vmxnet3: %s queue error: tx stopped %u error 0x%x, rx stopped %u error 0x%x\n",
               v->where, v->txq->stopped, v->txq->error, v->rxq->stopped, v->rxq->error);
    }
}

/* One wakeup: the work of the vectors that fired (of all, with one
 * vector): events, received frames (yielding between budgets), sent
 * frames; then each of those vectors is unmasked, and fires again if
 * anything came meanwhile. */
static void vmx_service(struct vmx *v)
{
    unsigned fired = __atomic_exchange_n(&v->fired, 0, __ATOMIC_ACQUIRE);
    unsigned work = v->nvec > 1 ? fired : ~0u;
    if (work & 1u << VMX_V_EV)
        vmx_events(v);
    for (unsigned pass = 0; (work & 1u << VMX_V_RX) &&
                            vmx_rx_poll(v, VMX_RX_BUDGET) == VMX_RX_BUDGET && pass < 64; pass++)
        thread_yield();
    if (work & 1u << VMX_V_TX)
        vmx_tx_reclaim(v);
    for (unsigned i = 0; i < v->nvec; i++)
        if (fired >> i & 1)
            pt_wr(v, VMXNET3_PT_IMR(i), 0);
}

static void vmx_thread(void *arg)
{
    struct vmx *v = arg;
    for (;;) {
        sem_down(&v->work);
        if (v->stopping)
            return;
        vmx_service(v);
    }
}

/* ---- Probe and remove --------------------------------------------------- */

/* Version handshake: the highest revision both sides speak, UPT version 1. */
static int vmx_handshake(struct vmx *v)
{
    uint32_t revs = vd_rd(v, VMXNET3_VD_VRRS), upts = vd_rd(v, VMXNET3_VD_UVRS);
    unsigned rev = VMXNET3_REV_MAX;
    while (rev && !(revs & (1u << (rev - 1))))
        rev--;
    TRACE(vmxnet3, "%s VRRS 0x%08x UVRS 0x%08x: revision %u, UPT 1\n", v->where, revs, upts, rev);
    if (!rev || revs == 0xFFFFFFFFu || !(upts & VMXNET3_UPT_VERSION)) {
        pr_err("vmxnet3: %s offers revisions 0x%x, UPT 0x%x: none this driver speaks\n", v->where,
               revs, upts);
        return -ENODEV;
    }
    vd_wr(v, VMXNET3_VD_VRRS, 1u << (rev - 1));
    vd_wr(v, VMXNET3_VD_UVRS, VMXNET3_UPT_VERSION);
    return 0;
}

/* The device stops: no more DMA, no interrupts. */
static void vmx_silence(struct vmx *v)
{
    vmx_cmd(v, VMXNET3_CMD_QUIESCE_DEV);
    vmx_cmd(v, VMXNET3_CMD_RESET_DEV);
    v->active = false;
}

/* The extra MSI-X entries first, then entry 0's (devio_irq_teardown). */
static void vmx_irq_off(struct vmx *v)
{
    for (unsigned i = VMX_NVEC; i--;)
        devio_irq_teardown(&v->io, &v->irq[i]);
}

/* Shared area in, ACTIVATE_DEV, then the receive filter and the first
 * unmask. Result 0 means active. */
static int vmx_activate(struct vmx *v)
{
    struct vmxnet3_shared *s = v->sh;
    s->num_intrs = (uint8_t)v->nvec;
    if (v->nvec > 1) {
        s->event_intr_idx = VMX_V_EV;
        v->txq->intr_idx = VMX_V_TX;
        v->rxq->intr_idx = VMX_V_RX;
    }
    for (unsigned i = 0; i < v->nvec; i++)
        s->mod_levels[i] = VMXNET3_IML_ADAPTIVE;
    TRACE(vmxnet3, "%s DSAL/DSAH <- 0x%llx: shared area, queues at +%u, rings at +%u, %u vectors\n",
          v->where, (unsigned long long)v->mem.bus, VMX_OFF_QDESC, VMX_OFF_TX, v->nvec);
    vd_wr(v, VMXNET3_VD_DSAL, (uint32_t)v->mem.bus);
    vd_wr(v, VMXNET3_VD_DSAH, (uint32_t)(v->mem.bus >> 32));
    if (vmx_cmd(v, VMXNET3_CMD_ACTIVATE_DEV) != 0)
        return -EIO;
    v->active = true;
    pt_wr(v, VMXNET3_PT_RXPROD, 0);
    pt_wr(v, VMXNET3_PT_RXPROD2, 0);
    vmx_cmd(v, VMXNET3_CMD_UPDATE_RX_MODE);
    vmx_cmd(v, VMXNET3_CMD_UPDATE_MAC_FILTERS);
    vmx_cmd(v, VMXNET3_CMD_UPDATE_VLAN_FILTERS);
    return 0;
}

static const struct netdev_ops vmx_ops = { .xmit = vmx_xmit };

static int vmx_bring_up(struct vmx *v, struct pci_dev *pd)
{
    int r = devio_pci_open(&v->io, pd);
    v->where = v->io.name;
    if (r == 0 && (devio_map(&v->io, 0, &v->pt) || devio_map(&v->io, 1, &v->vd) || v->pt.pio ||
                   v->vd.pio || v->pt.size < VMXNET3_PT_MIN || v->vd.size < VMXNET3_VD_MIN))
        r = -ENODEV;
    if (r) {
        pr_err("vmxnet3: %s: BAR 0/1 are not the register windows\n", v->where);
        return r;
    }
    if ((r = vmx_handshake(v)) != 0)
        return r;
    vmx_cmd(v, VMXNET3_CMD_RESET_DEV);          /* a boot ROM may have left it active */
    if ((r = vmx_read_mac(v)) != 0) {
        pr_err("vmxnet3: %s: no valid MAC\n", v->where);
        return r;
    }
    return vmx_setup_shared(v);
}

static int vmx_probe(struct pci_dev *pd, const struct pci_id *id)
{
    (void)id;
    struct vmx *v = kzalloc(sizeof *v);
    if (!v)
        return -ENOMEM;
    sem_init(&v->work, 0);
    vmx_kick.fire = vmx_kick_fire;
    const char *err = NULL;
    int r = vmx_bring_up(v, pd);
    if (r)
        goto fail;
    fmt_snprintf(v->irq_name, sizeof v->irq_name, "vmxnet3 %s", v->where);
    unsigned modes = opt_nomsix ? DEVIO_IRQ_MSI | DEVIO_IRQ_INTX : DEVIO_IRQ_ANY;
    if ((r = devio_irq_setup(&v->io, modes, vmx_irq, v, v->irq_name, &v->irq[0])) != 0) {
        err = "no interrupt";
        goto fail;
    }
    /* MSI-X: entries 1 and 2 too, else everything shares entry 0. */
    for (v->nvec = 1; v->irq[0].mode == DEVIO_IRQ_MSIX && v->nvec < VMX_NVEC; v->nvec++) {
        v->irq[v->nvec].line = v->nvec;
        if (devio_irq_setup_msix(&v->io, v->nvec, vmx_irq_msix, &v->irq[v->nvec], v->irq_name,
                                 &v->irq[v->nvec]) < 0) {
            devio_irq_teardown(&v->io, &v->irq[1]);
            v->nvec = 1;
            break;
        }
    }
    if ((r = vmx_activate(v)) != 0) {
        err = "ACTIVATE_DEV failed";
        goto fail_irq;
    }
    char tname[THREAD_NAME_MAX];
    fmt_snprintf(tname, sizeof tname, "vmxnet3-%s", v->where);
    if (!(v->thread = thread_create(tname, vmx_thread, v, 0))) {
        r = -ENOMEM;
        goto fail_irq;
    }
    pd->priv = v;
    v->nd.ops = &vmx_ops;
    v->nd.priv = v;
    v->nd.driver = "vmxnet3";
    v->nd.mtu = NETDEV_MTU_DEFAULT;
    v->nd.offloads = NETDEV_OFF_RX_IPV4_CSUM | NETDEV_OFF_RX_L4_CSUM | NETDEV_OFF_TX_L4_CSUM;
    const char *mode = devio_irq_mode_name(v->irq[0].mode);
    fmt_snprintf(v->nd.desc, sizeof v->nd.desc, "%s vmxnet3 rev 1 %s", v->where, mode);
    vmx_link(v, false);
    for (unsigned i = 0; i < v->nvec; i++)
        pt_wr(v, VMXNET3_PT_IMR(i), 0);         /* interrupts on */
    if ((r = netdev_register(&v->nd)) != 0) {
        /* The thread and maybe a vector point at v: keep it, silenced. */
        pr_err("vmxnet3: %s: cannot register (%d)\n", v->where, r);
        vmx_silence(v);
        return r;
    }
    char mac[18];
    netdev_format_mac(v->nd.mac, mac, sizeof mac);
    kprintf("vmxnet3: %s mac %s, link %s %u Mb/s, %s%s, %s\n", v->where, mac,
            v->nd.link_up ? "up" : "down", v->nd.speed_mbps, mode,
            v->nvec > 1 ? " (3 vectors)" : "", v->nd.name);
    return 0;

fail_irq:
    vmx_silence(v);
    vmx_irq_off(v);
fail:
    if (err)
        pr_err("vmxnet3: %s: %s (%d)\n", v->where, err, r);
    vmx_free(v);
    kfree(v);
    return r;
}

/* Hot-unplug: out of the stack, the device stopped, the thread joined. */
static void vmx_remove(struct pci_dev *pd)
{
    struct vmx *v = pd->priv;
    if (!v)
        return;
    netdev_unregister(&v->nd);
    v->stopping = true;
    vmx_silence(v);
    vmx_irq_off(v);
    sem_up(&v->work);
    thread_join(v->thread);
    vmx_free(v);
    kprintf("vmxnet3: %s removed (%s)\n", v->where, v->nd.name);
    pd->priv = NULL;
    kfree(v);
}

static const struct pci_id vmx_ids[] = {
    PCI_ID(VMXNET3_PCI_VENDOR, VMXNET3_PCI_DEVICE),
    { 0 },
};
PCI_DRIVER(vmxnet3, .name = "vmxnet3", .ids = vmx_ids, .probe = vmx_probe, .remove = vmx_remove);

/* ---- Test hooks (vmw/vmxnet3_test.h) ------------------------------------ */

int vmxnet3_test_probe(struct pci_dev *pd) { return vmx_probe(pd, NULL); }

bool vmxnet3_test_service(struct netdev *nd)
{
    struct vmx *v = nd->priv;
    if (!sem_trydown(&v->work))
        return false;
    vmx_service(v);
    return true;
}

uint64_t vmxnet3_test_bad_completions(struct netdev *nd)
{
    return ((struct vmx *)nd->priv)->bad_comps;
}

void vmxnet3_test_release(struct pci_dev *pd)
{
    struct vmx *v = pd->priv;
    if (!v)
        return;
    vmx_silence(v);
    vmx_irq_off(v);
    vmx_free(v);
    kfree(v);
    pd->priv = NULL;
}
