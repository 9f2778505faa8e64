/* virtio-net: the virtio network device (virtio 1.2 5.1), on either
 * transport, as a struct netdev (net/netdev.h) so every app runs on it
 * unchanged.
 *
 * Queues: receiveq1 (0) holds empty 2 KiB buffers the device fills, each
 * starting with a struct virtio_net_hdr (virtio/virtio_reg.h); transmitq1
 * (1) takes frames, each one descriptor holding header + frame gathered
 * from the stack's segments into a 2 KiB slot. No control queue, one
 * queue pair.
 *
 * Features asked for (what is offered of them is used):
 *   MAC         the address in the configuration (else a local one);
 *   STATUS      link state in the configuration, its changes signalled by
 *               a configuration interrupt (Firecracker does not offer it:
 *               the link is then up);
 *   MRG_RXBUF   a frame may span several receive buffers (num_buffers in
 *               the first header): with 2 KiB buffers and no receive
 *               segmentation offload it does not happen on QEMU, but the
 *               path gathers them into one frame;
 *   CSUM        transmit checksum offload: a TCP segment goes with
 *               NEEDS_CSUM, csum_start at the TCP header and csum_offset
 *               16, the field seeded with the pseudo-header sum (5.1.6.2);
 *               the IPv4 header checksum stays lwIP's (virtio has no
 *               offload for it);
 *   GUEST_CSUM  receive: DATA_VALID means the device checked the TCP/UDP
 *               checksum; NEEDS_CSUM (a partial checksum from a local
 *               sender, which Firecracker sets even without GUEST_CSUM)
 *               means the data are good and the field unfinished: both go
 *               up as NETDEV_RX_CSUM_L4_OK, so lwIP skips that check.
 *   MTU         a device MTU below 1500 is honoured.
 * GUEST_TSO/UFO are never asked: they would need 64 KiB receive buffers.
 *
 * Path of a frame: the device writes header + frame into a posted buffer
 * and a used entry, and interrupts; the handler wakes the thread
 * "vnet-ethN", which takes used entries (virtq_get refuses what the device
 * made up), hands each frame to netdev_rx with the checksum verdict and
 * posts the buffer again. Sent slots come back in the same pass and before
 * each transmit.
 *
 * trace=virtio-net prints every frame and its header; trace=virtio the
 * queue operations underneath.
 *
 * Try it: qemu-system-x86_64 -M q35 -netdev user,id=n0,hostfwd=tcp:127.0.0.1:8080-:80
 *   -device virtio-net-pci,netdev=n0 -kernel build/minnow.elf -append "app=httpd"
 * and on microvm with -device virtio-net-device (virtio/virtio_mmio.c). */
#include "net/netdev.h"
#include "virtio/virtio.h"
#include "kernel/console/kprintf.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/sched/sched.h"
#include "lib/fmt.h"
#include "lib/string.h"

bool trace_virtio_net;
static const struct trace_flag trace_flag_virtio_net LINKSET_ENTRY(trace_flags) = {
    "virtio-net", &trace_virtio_net, "virtio-net: every frame in and out with its header" };
TRACE_DECLARE(virtio);
#define NTRACE(...) do { if (trace_virtio_net) kprintf("virtio-net: " __VA_ARGS__); } while (0)

#define VNET_QSIZE     256          /* entries asked for per queue */
#define VNET_BUF       2048         /* one receive buffer, one transmit slot */
#define VNET_FRAME_MAX (NETDEV_ETH_HLEN + 4 + NETDEV_MTU_DEFAULT)   /* with a VLAN tag */
#define VNET_RX_BUDGET 64           /* used entries per pass before yielding */
#define VNET_SPEED     10000        /* reported: virtio has no speed without SPEED_DUPLEX */
#define VNET_IP_OFF_CSUM 10         /* IPv4 header checksum field */
#define VNET_TCP_OFF_CSUM 16        /* TCP checksum field (RFC 793) */

#define VNET_FEATURES (VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) |          \
                       VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_BIT(VIRTIO_NET_F_CSUM) |      \
                       VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_MTU))

struct vnet {
    struct netdev nd;
    struct virtio_dev *vd;
    struct virtq *rxq, *txq;
    unsigned nrx, ntx;              /* buffers (= queue sizes) */
    struct devio_dma rx_mem, tx_mem;
    uint16_t *tx_free;              /* stack of free transmit slots */
    unsigned tx_nfree;
    unsigned hdr_len;               /* 12, or 10 on a legacy device without MRG_RXBUF */
    /* A frame spanning several buffers (MRG_RXBUF): gathered here. */
    uint8_t frag[VNET_FRAME_MAX];
    unsigned frag_len, frag_left;   /* bytes so far; buffers still to come */
    unsigned frag_csum;
    bool frag_drop;                 /* the frame is bad: consume its buffers, deliver nothing */
    struct semaphore work;
    uint32_t pending;               /* VIRTIO_IRQ_* seen by the handler (atomic) */
    struct thread *thread;
    bool stopping;
    uint64_t rx_bad;                /* used entries the device made up */
};

static uint8_t *rx_buf(struct vnet *n, unsigned i) { return (uint8_t *)n->rx_mem.virt + (size_t)i * VNET_BUF; }
static uint8_t *tx_buf(struct vnet *n, unsigned i) { return (uint8_t *)n->tx_mem.virt + (size_t)i * VNET_BUF; }
static unsigned ethertype(const uint8_t *f) { return (unsigned)(f[12] << 8 | f[13]); }
static void *cookie_of(unsigned i) { return (void *)(uintptr_t)(i + 1); }
static unsigned index_of(void *c) { return (unsigned)((uintptr_t)c - 1); }

/* ---- Receive --------------------------------------------------------------- */

/* Buffer i to the device (one writable descriptor: header, then frame). */
static void rx_post(struct vnet *n, unsigned i)
{
    struct virtq_sg sg = { n->rx_mem.bus + (uint64_t)i * VNET_BUF, VNET_BUF };
    if (virtq_add(n->rxq, &sg, 0, 1, cookie_of(i)) < 0)
        pr_err("virtio-net: %s: receive buffer %u not posted\n", n->nd.name, i);
}

/* The header's checksum word into NETDEV_RX_CSUM_* (see the file header). */
static unsigned rx_csum(const struct virtio_net_hdr *h)
{
    return h->flags & (VIRTIO_NET_HDR_F_DATA_VALID | VIRTIO_NET_HDR_F_NEEDS_CSUM)
               ? NETDEV_RX_CSUM_L4_OK : 0;
}

/* One used receive buffer of `len` bytes: a whole frame, or a piece of one. */
static void rx_one(struct vnet *n, unsigned i, uint32_t len)
{
    uint8_t *b = rx_buf(n, i);
    const uint8_t *data = b;
    if (n->frag_left == 0) {        /* the first buffer of a frame: the header */
        if (len < n->hdr_len) {
            NTRACE("%s rx buf %u len %u: shorter than the header, dropped\n", n->nd.name, i, len);
            n->nd.stats.rx_errors++;
            return;
        }
        const struct virtio_net_hdr *h = (const void *)b;
        unsigned nbuf = n->hdr_len == sizeof *h && virtio_has(n->vd, VIRTIO_NET_F_MRG_RXBUF)
                            ? h->num_buffers : 1;
        NTRACE("%s rx buf %u len %u hdr flags 0x%x gso %u num_buffers %u type %04x\n", n->nd.name,
               i, len, h->flags, h->gso_type, nbuf,
               len >= n->hdr_len + NETDEV_ETH_HLEN ? ethertype(b + n->hdr_len) : 0);
        n->frag_len = 0;
        n->frag_csum = rx_csum(h);
        n->frag_drop = nbuf == 0 || nbuf > n->nrx;
        n->frag_left = nbuf ? (nbuf > n->nrx ? 1 : nbuf) : 1;
        data += n->hdr_len;
        len -= n->hdr_len;
    }
    n->frag_left--;
    if (!n->frag_drop && n->frag_len + len > VNET_FRAME_MAX)
        n->frag_drop = true;
    if (n->frag_left == 0 && n->frag_len == 0 && !n->frag_drop) {
        /* The common case: the whole frame in this buffer, no gathering. */
        if (len < NETDEV_ETH_HLEN) {
            n->nd.stats.rx_errors++;
            return;
        }
        netdev_rx(&n->nd, data, len, n->frag_csum);
        return;
    }
    if (!n->frag_drop) {
        memcpy(n->frag + n->frag_len, data, len);
        n->frag_len += len;
    }
    if (n->frag_left)
        return;
    if (n->frag_drop || n->frag_len < NETDEV_ETH_HLEN) {
        NTRACE("%s rx frame of several buffers dropped\n", n->nd.name);
        n->nd.stats.rx_errors++;
        return;
    }
    netdev_rx(&n->nd, n->frag, n->frag_len, n->frag_csum);
}

/* Used receive buffers, at most `budget`; each goes back to the device. */
static int rx_poll(struct vnet *n, int budget)
{
    int done = 0;
    while (done < budget) {
        void *c;
        uint32_t len;
        int r = virtq_get(n->rxq, &c, &len);
        if (r == 0)
            break;
        done++;
        if (r < 0) {
            virtio_log_bad(n->vd, n->rxq, r);
            n->rx_bad++;
            n->nd.stats.rx_errors++;
            if (!c)
                continue;           /* nothing of ours came back */
            len = 0;                /* a chain came back with a bad length: repost it */
        }
        unsigned i = index_of(c);
        if (len)
            rx_one(n, i, len);
        rx_post(n, i);
    }
    if (done)
        virtio_kick(n->vd, n->rxq);
    return done;
}

/* ---- Transmit -------------------------------------------------------------- */

static void tx_reclaim(struct vnet *n)
{
    for (unsigned k = 0; k < n->ntx; k++) {
        void *c;
        uint32_t len;
        int r = virtq_get(n->txq, &c, &len);
        if (r == 0)
            break;
        if (r < 0 && r != -EMSGSIZE) {  /* a length on transmit means nothing to us */
            virtio_log_bad(n->vd, n->txq, r);
            continue;
        }
        n->tx_free[n->tx_nfree++] = (uint16_t)index_of(c);
    }
}

/* NEEDS_CSUM for a TCP segment over IPv4 (virtio 1.2 5.1.6.2): the device
 * sums from csum_start to the end and stores the result at csum_start +
 * csum_offset, so the field must hold the pseudo-header sum (RFC 793 3.1).
 * Only when the TCP segment ends the frame; else 0 (lwIP's checksum is
 * then missing: the caller fills nothing and the frame goes as it is). */
static bool tx_csum_seed(uint8_t *f, size_t len, unsigned l3, unsigned l4)
{
    if (l3 + 20 > len || l4 + 20 > len || ethertype(f) != 0x0800)
        return false;
    uint8_t *ip = f + l3;
    unsigned hl = (ip[0] & 0xFu) * 4, tot = (unsigned)(ip[2] << 8 | ip[3]);
    if (ip[9] != 6 || l3 + hl != l4 || l3 + tot != len || (ip[6] & 0x3F) || ip[7])
        return false;
    uint32_t sum = 6 + (tot - hl);
    for (unsigned k = 12; k < 20; k += 2)
        sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    f[l4 + VNET_TCP_OFF_CSUM] = (uint8_t)(sum >> 8);
    f[l4 + VNET_TCP_OFF_CSUM + 1] = (uint8_t)sum;
    return true;
}

static int vnet_xmit(struct netdev *nd, const struct netdev_frame *f)
{
    struct vnet *n = nd->priv;
    if (n->stopping)
        return -ENODEV;
    if (f->len > VNET_BUF - sizeof(struct virtio_net_hdr)) {
        nd->stats.tx_dropped++;
        return -EINVAL;
    }
    tx_reclaim(n);
    if (n->tx_nfree == 0)
        return -EBUSY;
    unsigned i = n->tx_free[--n->tx_nfree];
    uint8_t *b = tx_buf(n, i);
    struct virtio_net_hdr *h = (void *)b;
    memset(h, 0, sizeof *h);
    uint8_t *frame = b + n->hdr_len;
    netdev_frame_gather(f, frame);
    if ((f->flags & NETDEV_TX_CSUM_TCP) && virtio_has(n->vd, VIRTIO_NET_F_CSUM) &&
        tx_csum_seed(frame, f->len, f->l3_off, f->l4_off)) {
        h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        h->csum_start = f->l4_off;
        h->csum_offset = VNET_TCP_OFF_CSUM;
        nd->stats.tx_csum++;
    }
    NTRACE("%s tx slot %u len %zu type %04x%s\n", nd->name, i, f->len, ethertype(frame),
           h->flags ? " needs-csum tcp" : "");
    struct virtq_sg sg = { n->tx_mem.bus + (uint64_t)i * VNET_BUF, (uint32_t)(n->hdr_len + f->len) };
    if (virtq_add(n->txq, &sg, 1, 0, cookie_of(i)) < 0) {
        n->tx_free[n->tx_nfree++] = (uint16_t)i;
        return -EBUSY;
    }
    virtio_kick(n->vd, n->txq);
    nd->stats.tx_packets++;
    nd->stats.tx_bytes += f->len;
    if (f->done)
        f->done(f->done_arg);       /* copied: the segments are free again */
    return 0;
}

static const struct netdev_ops vnet_ops = { .xmit = vnet_xmit };

/* ---- Link, interrupts, the thread ------------------------------------------ */

/* The status field when the device has one (5.1.4), else always up. */
static bool vnet_link(struct vnet *n)
{
    if (!virtio_has(n->vd, VIRTIO_NET_F_STATUS))
        return true;
    uint16_t st = 0;
    virtio_cfg_read(n->vd, VIRTIO_NET_CFG_STATUS, &st, sizeof st);
    NTRACE("%s config status 0x%04x: link %s\n", n->vd->where, st,
           st & VIRTIO_NET_S_LINK_UP ? "up" : "down");
    return st & VIRTIO_NET_S_LINK_UP;
}

/* Interrupt context: remember why, wake the thread. */
static void vnet_irq(struct virtio_dev *vd, unsigned causes)
{
    struct vnet *n = vd->priv;
    __atomic_fetch_or(&n->pending, causes, __ATOMIC_RELEASE);
    sem_up(&n->work);
}

static void vnet_service(struct vnet *n)
{
    uint32_t causes = __atomic_exchange_n(&n->pending, 0, __ATOMIC_ACQUIRE);
    if (causes)
        TRACE(virtio, "%s interrupt: causes 0x%x (bit 31 config, bit n queue n)\n", n->vd->where,
              causes);
    if (causes & VIRTIO_IRQ_CONFIG)
        netdev_set_link(&n->nd, vnet_link(n), VNET_SPEED);
    /* Interrupts off while draining; on again, and drain once more if
     * entries came in between (virtq_enable_cb). */
    for (unsigned k = 0; k < 1024; k++) {
        virtq_disable_cb(n->rxq);
        while (rx_poll(n, VNET_RX_BUDGET) == VNET_RX_BUDGET)
            thread_yield();
        if (!virtq_enable_cb(n->rxq))
            break;
    }
    tx_reclaim(n);
}

static void vnet_thread(void *arg)
{
    struct vnet *n = arg;
    for (;;) {
        sem_down(&n->work);
        if (n->stopping)
            return;
        vnet_service(n);
    }
}

/* ---- Probe and remove ------------------------------------------------------ */

static void vnet_free(struct vnet *n)
{
    devio_dma_free(n->vd->io, &n->rx_mem);
    devio_dma_free(n->vd->io, &n->tx_mem);
    kfree(n->tx_free);
    kfree(n);
}

/* Queues and their buffers; every receive buffer posted. */
static int vnet_queues(struct vnet *n)
{
    struct virtio_dev *vd = n->vd;
    int r = virtio_queue_setup(vd, VIRTIO_NET_RXQ, VNET_QSIZE, &n->rxq);
    if (r == 0)
        r = virtio_queue_setup(vd, VIRTIO_NET_TXQ, VNET_QSIZE, &n->txq);
    if (r < 0)
        return r;
    n->nrx = n->rxq->size, n->ntx = n->txq->size;
    n->tx_free = kmalloc(n->ntx * sizeof *n->tx_free);
    if (!n->tx_free || devio_dma_alloc(vd->io, (size_t)n->nrx * VNET_BUF, 0, &n->rx_mem) < 0 ||
        devio_dma_alloc(vd->io, (size_t)n->ntx * VNET_BUF, 0, &n->tx_mem) < 0)
        return -ENOMEM;
    for (unsigned i = 0; i < n->ntx; i++)
        n->tx_free[i] = (uint16_t)(n->ntx - 1 - i);
    n->tx_nfree = n->ntx;
    virtq_disable_cb(n->txq);       /* sent slots are reclaimed by polling */
    /* NOTE: every transmit notifies. With QEMU 7.2 (TCG, virtio-net-pci,
     * user network) a notification suppressed by avail_event was now and
     * then never followed by the device looking at the ring again: avail
     * ran 49 entries ahead of a device whose avail_event asked for exactly
     * the first of them, and the link stalled for good (one 3-second iperf
     * in about 15 with three guests at once; none in 40 since). A
     * notification costs one register write. */
    n->txq->notify_always = true;
    for (unsigned i = 0; i < n->nrx; i++)
        rx_post(n, i);
    return 0;
}

/* The MAC from the configuration, else a locally administered one. */
static void vnet_mac(struct vnet *n)
{
    if (virtio_has(n->vd, VIRTIO_NET_F_MAC)) {
        virtio_cfg_read(n->vd, VIRTIO_NET_CFG_MAC, n->nd.mac, 6);
        return;
    }
    static uint8_t next = 1;
    static const uint8_t local[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 };
    memcpy(n->nd.mac, local, 6);
    n->nd.mac[5] = next++;
}

static int vnet_probe(struct virtio_dev *vd)
{
    struct vnet *n = kzalloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    n->vd = vd;
    vd->priv = n;
    sem_init(&n->work, 0);
    int r = virtio_negotiate(vd, VNET_FEATURES);
    if (r < 0)
        goto fail;
    /* 5.1.6.1: 10 bytes only for a legacy device without MRG_RXBUF. */
    n->hdr_len = vd->legacy && !virtio_has(vd, VIRTIO_NET_F_MRG_RXBUF)
                     ? VIRTIO_NET_HDR_LEGACY_LEN : sizeof(struct virtio_net_hdr);
    vnet_mac(n);
    n->nd.mtu = NETDEV_MTU_DEFAULT;
    if (virtio_has(vd, VIRTIO_NET_F_MTU)) {
        uint16_t mtu = 0;
        virtio_cfg_read(vd, VIRTIO_NET_CFG_MTU, &mtu, sizeof mtu);
        if (mtu >= 576 && mtu < NETDEV_MTU_DEFAULT)
            n->nd.mtu = mtu;
    }
    if ((r = vnet_queues(n)) < 0)
        goto fail;
    n->nd.ops = &vnet_ops;
    n->nd.priv = n;
    n->nd.driver = "virtio-net";
    n->nd.offloads = (virtio_has(vd, VIRTIO_NET_F_CSUM) ? NETDEV_OFF_TX_L4_CSUM : 0) |
                     (virtio_has(vd, VIRTIO_NET_F_GUEST_CSUM) ? NETDEV_OFF_RX_L4_CSUM : 0);
    vd->on_irq = vnet_irq;
    if ((r = virtio_ready(vd)) < 0)
        goto fail;
    fmt_snprintf(n->nd.desc, sizeof n->nd.desc, "%s virtio-net %s%s", vd->where, vd->irq_mode,
                 vd->legacy ? " legacy" : "");
    char tname[THREAD_NAME_MAX];
    fmt_snprintf(tname, sizeof tname, "vnet-%s", vd->where);
    if (!(n->thread = thread_create(tname, vnet_thread, n, 0))) {
        r = -ENOMEM;
        goto fail;
    }
    virtio_kick(vd, n->rxq);        /* the buffers, now that DRIVER_OK is set */
    n->nd.link_up = vnet_link(n);
    n->nd.speed_mbps = n->nd.link_up ? VNET_SPEED : 0;
    if ((r = netdev_register(&n->nd)) < 0) {
        n->stopping = true;
        sem_up(&n->work);
        thread_join(n->thread);
        goto fail;
    }
    char mac[18];
    netdev_format_mac(n->nd.mac, mac, sizeof mac);
    kprintf("virtio-net: %s mac %s, link %s, %s%s, %s (features 0x%llx)\n", vd->where, mac,
            n->nd.link_up ? "up" : "down", vd->irq_mode, vd->legacy ? " legacy" : "", n->nd.name,
            (unsigned long long)vd->features);
    return 0;
fail:
    virtio_teardown(vd);            /* the device stops before its memory goes */
    vd->priv = NULL;
    vnet_free(n);
    return r;
}

/* Hot-unplug: out of the stack, the device reset (no more DMA), the thread
 * stopped, the memory freed. */
static void vnet_remove(struct virtio_dev *vd)
{
    struct vnet *n = vd->priv;
    if (!n)
        return;
    netdev_unregister(&n->nd);
    n->stopping = true;
    virtio_teardown(vd);
    sem_up(&n->work);
    thread_join(n->thread);
    kprintf("virtio-net: %s removed (%s)\n", vd->where, n->nd.name);
    vd->priv = NULL;
    vnet_free(n);
}

VIRTIO_DRIVER(virtio_net, .name = "virtio-net", .id = VIRTIO_ID_NET, .probe = vnet_probe,
              .remove = vnet_remove);

/* Test hook (tests/devsim/test_virtio_net.c): one pass of the thread's
 * work, when it has been woken. */
bool virtio_net_test_service(struct netdev *nd);
bool virtio_net_test_service(struct netdev *nd)
{
    struct vnet *n = nd->priv;
    if (!sem_trydown(&n->work))
        return false;
    vnet_service(n);
    return true;
}
