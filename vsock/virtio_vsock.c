/* virtio-vsock: the virtio socket device (virtio 1.2 5.10), on either
 * transport: stream sockets between this guest (its CID in the device
 * configuration) and the host (CID 2), with no network at all.
 *
 * Queues: rx (0) holds empty buffers the device fills with packets, each
 * posted as two writable descriptors -- the 44-byte header, then 4 KiB of
 * payload -- the shape every device accepts (Firecracker up to v1.5
 * required it; current devices take any shape). tx (1) takes our packets:
 * a control packet is one readable descriptor, an RW packet the header
 * then the payload. event (2) holds 4-byte buffers for TRANSPORT_RESET
 * (5.10.6.6): every connection is reset and the CID read again.
 *
 * Nothing the device writes is trusted: a used length shorter than the
 * header, a header whose len runs past the buffer or past what the device
 * wrote are logged and dropped; the protocol checks (unknown ops, credit
 * that lies, packets for no connection) are vsock/vsock_conn.c's.
 *
 * The thread "vsock" takes used buffers after each interrupt and every
 * 100 ms runs the stack's timers (REQUEST and SHUTDOWN timeouts) and the
 * liveness check: a device that stops taking packets (a vhost-user backend
 * that died) has its connections reset and is itself reset until it
 * answers again (vs_watch).
 *
 * trace=vsock prints every packet in both directions, decoded.
 *
 * Try it (a vhost-user backend speaking Firecracker's host protocol is in
 * tools/vsock-backend/; see docs/vsock.md):
 *   build/tools/vsock-backend --socket /tmp/vhu.sock --uds /tmp/v.sock --cid 3 &
 *   qemu-system-x86_64 -M q35,memory-backend=mem -m 256M
 *     -object memory-backend-memfd,id=mem,size=256M,share=on
 *     -chardev socket,id=vu,path=/tmp/vhu.sock -device vhost-user-vsock-pci,chardev=vu
 *     -kernel build/minnow.elf -append "app=echo vsock=5000"
 *   printf 'CONNECT 5000\nhello\n' | socat - UNIX-CONNECT:/tmp/v.sock */
#include "vsock/vsock.h"
#include "virtio/virtio.h"
#include "kernel/console/kprintf.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"
#include "lib/string.h"

TRACE_FLAG(vsock, "virtio-vsock: every packet in and out, decoded");

#define VS_QSIZE    128                 /* entries asked for, rx and tx */
#define VS_EVQ      8
#define VS_BUF      (64 + VCONN_PKT_MAX) /* header at 0, payload at 64 */
#define VS_PAY      64
#define VS_RESERVE  8                   /* tx slots kept for control packets */
#define VS_TICK_NS  100000000ull
#define VS_PROBE_MS 5000                /* quiet this long: a probe goes out */
#define VS_STALL_MS 4000                /* a packet not taken this long: the device is gone */
#define VS_STALL_MAX 32000              /* ... doubled after each reset that did not help */

struct vsock_dev {
    struct virtio_dev *vd;
    struct virtq *rxq, *txq, *evq;
    unsigned nrx, ntx;
    struct devio_dma rx_mem, tx_mem, ev_mem;
    uint16_t tx_free[VS_QSIZE];
    unsigned tx_nfree;
    unsigned rx_bufs, tx_bufs;          /* buffers in rx_mem, tx_mem */
    struct semaphore work;
    uint64_t bad;                       /* buffers the device made up */
    uint64_t tx_mark, seen;             /* ms: tx last taken (or first in flight), last sign of life */
    unsigned stall_ms, resets;          /* liveness: see vs_watch */
    bool up;                            /* queues set up (false while a reset failed) */
};

struct vsock_stack vsock_stack;
struct waitq vsock_wq;
bool vsock_up;
static struct vsock_dev *vdev;

static void *cookie_of(unsigned i) { return (void *)(uintptr_t)(i + 1); }
static unsigned index_of(void *c) { return (unsigned)((uintptr_t)c - 1); }

void vsock_clock(void) { vsock_stack.now_ms = clock_ns() / 1000000; }

static void trace_pkt(const char *dir, const struct vsock_hdr *h)
{
    TRACE(vsock, "%s %s %llu:%u -> %llu:%u len %u flags %u buf_alloc %u fwd_cnt %u\n", dir,
          vsock_op_name(h->op), (unsigned long long)h->src_cid, h->src_port,
          (unsigned long long)h->dst_cid, h->dst_port, h->len, h->flags, h->buf_alloc, h->fwd_cnt);
}

static void vs_log(struct vsock_stack *s, const char *what, const struct vsock_hdr *h)
{
    (void)s;
    pr_warn("vsock: refused %s: %s %llu:%u -> %u len %u\n", what, vsock_op_name(h->op),
            (unsigned long long)h->src_cid, h->src_port, h->dst_port, h->len);
}

static void vs_wake(struct vsock_stack *s)
{
    (void)s;
    waitq_wake_all(&vsock_wq);
}

/* ---- transmit ------------------------------------------------------------------ */

static bool tx_reclaim(struct vsock_dev *d)
{
    bool any = false;
    for (unsigned k = 0; k < d->ntx; k++) {
        void *c;
        uint32_t len;
        int r = virtq_get(d->txq, &c, &len);
        if (r == 0)
            break;
        if (r < 0 && r != -EMSGSIZE) {
            virtio_log_bad(d->vd, d->txq, r);
            continue;
        }
        d->tx_free[d->tx_nfree++] = (uint16_t)index_of(c);
        any = true;
    }
    if (any) {
        d->tx_mark = d->seen = vsock_stack.now_ms;
        if (d->resets) {
            kprintf("vsock: %s takes packets again (%u resets)\n", d->vd->where, d->resets);
            d->resets = 0;
            d->stall_ms = VS_STALL_MS;
        }
    }
    return any;
}

/* The stack's xmit: header and payload copied into a slot. RW packets
 * leave VS_RESERVE slots for control packets. */
static int vs_xmit(struct vsock_stack *s, const struct vsock_hdr *h, const void *data)
{
    struct vsock_dev *d = s->ctx;
    if (!d->up)
        return -EAGAIN;
    tx_reclaim(d);
    if (d->tx_nfree <= (h->op == VSOCK_OP_RW ? VS_RESERVE : 0) || h->len > VCONN_PKT_MAX)
        return -EAGAIN;
    unsigned i = d->tx_free[--d->tx_nfree];
    uint8_t *b = (uint8_t *)d->tx_mem.virt + (size_t)i * VS_BUF;
    uint64_t bus = d->tx_mem.bus + (uint64_t)i * VS_BUF;
    memcpy(b, h, sizeof *h);
    if (h->len)
        memcpy(b + VS_PAY, data, h->len);
    struct virtq_sg sg[2] = { { bus, sizeof *h }, { bus + VS_PAY, h->len } };
    if (virtq_add(d->txq, sg, h->len ? 2 : 1, 0, cookie_of(i)) < 0) {
        d->tx_free[d->tx_nfree++] = (uint16_t)i;
        return -EAGAIN;
    }
    if (d->tx_nfree + 1 == d->ntx)      /* the first in flight: the stall clock starts */
        d->tx_mark = vsock_stack.now_ms;
    trace_pkt("tx", h);
    virtio_kick(d->vd, d->txq);
    return 0;
}

/* ---- receive ------------------------------------------------------------------- */

static void rx_post(struct vsock_dev *d, unsigned i)
{
    uint64_t bus = d->rx_mem.bus + (uint64_t)i * VS_BUF;
    struct virtq_sg sg[2] = { { bus, sizeof(struct vsock_hdr) }, { bus + VS_PAY, VCONN_PKT_MAX } };
    if (virtq_add(d->rxq, sg, 0, 2, cookie_of(i)) < 0)
        pr_err("vsock: receive buffer %u not posted\n", i);
}

/* One used receive buffer: header checked against what the device wrote. */
static void rx_one(struct vsock_dev *d, unsigned i, uint32_t len)
{
    const uint8_t *b = (const uint8_t *)d->rx_mem.virt + (size_t)i * VS_BUF;
    struct vsock_hdr h;
    if (len < sizeof h) {
        pr_warn("vsock: rx buffer %u: %u bytes, shorter than a header\n", i, len);
        d->bad++;
        return;
    }
    memcpy(&h, b, sizeof h);
    trace_pkt("rx", &h);
    if (h.len > VCONN_PKT_MAX || sizeof h + h.len > len) {
        pr_warn("vsock: rx %s len %u past the %u bytes written\n", vsock_op_name(h.op), h.len, len);
        d->bad++;
        return;
    }
    vsock_input(&vsock_stack, &h, b + VS_PAY);
}

static void rx_poll(struct vsock_dev *d)
{
    for (unsigned k = 0; k < d->nrx; k++) {
        void *c;
        uint32_t len;
        int r = virtq_get(d->rxq, &c, &len);
        if (r == 0)
            break;
        if (r < 0) {
            virtio_log_bad(d->vd, d->rxq, r);
            d->bad++;
            if (!c)
                continue;
            len = 0;
        }
        d->seen = vsock_stack.now_ms;
        if (len)
            rx_one(d, index_of(c), len);
        rx_post(d, index_of(c));
    }
    virtio_kick(d->vd, d->rxq);
}

/* ---- events, CID ------------------------------------------------------------- */

/* The guest CID from the configuration; 0 when it is reserved (5.10.4). */
static uint64_t read_cid(struct vsock_dev *d)
{
    uint32_t w[2];
    virtio_cfg_read(d->vd, VSOCK_CFG_GUEST_CID, &w[0], 4);
    virtio_cfg_read(d->vd, VSOCK_CFG_GUEST_CID + 4, &w[1], 4);
    if (w[1] || w[0] <= VSOCK_CID_HOST || w[0] == VSOCK_CID_ANY) {
        pr_err("vsock: reserved guest CID 0x%x%08x\n", w[1], w[0]);
        return 0;
    }
    return w[0];
}

static void ev_post(struct vsock_dev *d, unsigned i)
{
    struct virtq_sg sg = { d->ev_mem.bus + i * sizeof(struct vsock_event), sizeof(struct vsock_event) };
    virtq_add(d->evq, &sg, 0, 1, cookie_of(i));
}

static void ev_poll(struct vsock_dev *d)
{
    for (unsigned k = 0; k < VS_EVQ; k++) {
        void *c;
        uint32_t len;
        int r = virtq_get(d->evq, &c, &len);
        if (r == 0)
            break;
        if (r < 0 && !c)
            continue;
        const struct vsock_event *e = (const struct vsock_event *)d->ev_mem.virt + index_of(c);
        if (r > 0 && len >= sizeof *e && e->id == VSOCK_EVENT_TRANSPORT_RESET) {
            uint64_t cid = read_cid(d);
            kprintf("vsock: transport reset, connections reset, cid %llu\n", (unsigned long long)cid);
            vsock_reset(&vsock_stack, cid);
        } else {
            pr_warn("vsock: unknown event (len %u id %u)\n", len, len >= 4 ? e->id : 0);
        }
        ev_post(d, index_of(c));
    }
    virtio_kick(d->vd, d->evq);
}

/* ---- the thread --------------------------------------------------------------- */

static void vs_irq(struct virtio_dev *vd, unsigned causes)
{
    (void)causes;
    struct vsock_dev *d = vd->priv;
    sem_up(&d->work);
}

static void vs_watch(struct vsock_dev *d);

/* One pass: received packets, sent slots back, events, timers, liveness. */
static void vs_service(struct vsock_dev *d)
{
    vsock_clock();
    if (d->up) {
        rx_poll(d);
        if (tx_reclaim(d))
            waitq_wake_all(&vsock_wq);
        ev_poll(d);
    }
    vsock_tick(&vsock_stack);
    vs_watch(d);
}

static void vs_thread(void *arg)
{
    struct vsock_dev *d = arg;
    for (;;) {
        sem_down_timeout(&d->work, VS_TICK_NS);
        vs_service(d);
    }
}

#ifdef HOSTED
/* tests/devsim/test_virtio_vsock.c: the thread's pass, and forgetting the
 * device between tests (there is no hot-unplug for it). */
void virtio_vsock_test_service(void);
void virtio_vsock_test_forget(void);
void virtio_vsock_test_service(void)
{
    if (vdev)
        vs_service(vdev);
}
void virtio_vsock_test_forget(void)
{
    if (vdev) {
        virtio_teardown(vdev->vd);
        devio_dma_free(vdev->vd->io, &vdev->rx_mem);
        devio_dma_free(vdev->vd->io, &vdev->tx_mem);
        devio_dma_free(vdev->vd->io, &vdev->ev_mem);
        vdev->vd->priv = NULL;
        kfree(vdev);
    }
    vdev = NULL;
    vsock_up = false;
}
#endif

/* Queues and buffers: the buffers are allocated once, at the first
 * start, and kept across device resets (vs_recover). */
static int vs_queues(struct vsock_dev *d)
{
    struct virtio_dev *vd = d->vd;
    int r = virtio_queue_setup(vd, VSOCK_RXQ, VS_QSIZE, &d->rxq);
    if (r == 0)
        r = virtio_queue_setup(vd, VSOCK_TXQ, VS_QSIZE, &d->txq);
    if (r == 0)
        r = virtio_queue_setup(vd, VSOCK_EVQ, VS_EVQ, &d->evq);
    if (r < 0)
        return r;
    /* Two descriptors a packet unless the queue has indirect tables. */
    d->nrx = d->rxq->size / 2, d->ntx = d->txq->size / 2;
    if (!d->rx_bufs) {
        if (devio_dma_alloc(vd->io, (size_t)d->nrx * VS_BUF, 0, &d->rx_mem) < 0 ||
            devio_dma_alloc(vd->io, (size_t)d->ntx * VS_BUF, 0, &d->tx_mem) < 0 ||
            devio_dma_alloc(vd->io, VS_EVQ * sizeof(struct vsock_event), 0, &d->ev_mem) < 0)
            return -ENOMEM;
        d->rx_bufs = d->nrx, d->tx_bufs = d->ntx;
    }
    if (d->nrx > d->rx_bufs)            /* a reset device offering larger queues */
        d->nrx = d->rx_bufs;
    if (d->ntx > d->tx_bufs)
        d->ntx = d->tx_bufs;
    for (unsigned i = 0; i < d->ntx; i++)
        d->tx_free[i] = (uint16_t)(d->ntx - 1 - i);
    d->tx_nfree = d->ntx;
    virtq_disable_cb(d->txq);
    for (unsigned i = 0; i < d->nrx; i++)
        rx_post(d, i);
    for (unsigned i = 0; i < d->evq->size && i < VS_EVQ; i++)
        ev_post(d, i);
    return 0;
}

/* Reset, features, CID, queues, DRIVER_OK: the device from scratch. The
 * guest CID in *cid. */
static int vs_start(struct vsock_dev *d, uint64_t *cid)
{
    struct virtio_dev *vd = d->vd;
    int r = virtio_negotiate(vd, 0);        /* stream is implied without SEQPACKET */
    *cid = r < 0 ? 0 : read_cid(d);
    if (r == 0 && !*cid)
        r = -EINVAL;
    if (r == 0)
        r = vs_queues(d);
    vd->on_irq = vs_irq;
    if (r == 0)
        r = virtio_ready(vd);
    if (r == 0) {
        virtio_kick(vd, d->rxq);
        virtio_kick(vd, d->evq);
    }
    d->tx_mark = d->seen = vsock_stack.now_ms;
    return r;
}

/* The device went quiet: every connection is reset (their sockets get
 * ECONNRESET) and the device is reset and set up again. A vhost-user
 * device whose backend died takes no packet until the guest starts it
 * again: QEMU then hands the new backend the rings (a server chardev
 * takes the next backend that connects; see tools/vsock-backend). Until a
 * backend answers, each try waits twice as long as the one before. */
static void vs_recover(struct vsock_dev *d)
{
    unsigned n = 0;
    for (int i = 0; i < VCONN_MAX; i++) {
        struct vconn *c = vsock_stack.conns[i];
        n += c && c->state > VC_LISTEN && c->state != VC_CLOSED;
    }
    if (!d->resets)
        pr_err("vsock: %s took no packet for %u ms: %u connections reset, device reset\n",
               d->vd->where, d->stall_ms, n);
    vsock_reset(&vsock_stack, vsock_stack.cid);
    d->resets++;
    d->stall_ms = d->stall_ms * 2 > VS_STALL_MAX ? VS_STALL_MAX : d->stall_ms * 2;
    virtio_teardown(d->vd);
    uint64_t cid;
    d->up = vs_start(d, &cid) == 0;     /* else: tried again after stall_ms */
    if (d->up)
        vsock_stack.cid = cid;
}

/* Liveness: a device that stops taking packets (its backend died) is
 * otherwise silent. A packet in flight and not taken for stall_ms means
 * the device is gone; when nothing moved for VS_PROBE_MS a probe goes out
 * so an idle guest notices too: an RST between the reserved ports -1,
 * which no connection uses. Linux (net/vmw_vsock/virtio_transport_common.c,
 * virtio_transport_reset_no_sock) and tools/vsock-backend drop it;
 * Firecracker (src/vmm/src/devices/virtio/vsock/unix/muxer.rs, send_pkt)
 * answers with an RST, which vsock_conn.c drops in turn: no loop. */
static void vs_watch(struct vsock_dev *d)
{
    uint64_t now = vsock_stack.now_ms;
    if (!d->up || d->tx_nfree != d->ntx) {
        if (now - d->tx_mark >= d->stall_ms)
            vs_recover(d);
        return;
    }
    if (now - d->seen < VS_PROBE_MS)
        return;
    struct vsock_hdr h = { .src_cid = vsock_stack.cid, .dst_cid = VSOCK_CID_HOST,
                           .src_port = VSOCK_PORT_ANY, .dst_port = VSOCK_PORT_ANY,
                           .type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_RST };
    d->seen = now;
    vs_xmit(&vsock_stack, &h, NULL);
}

static int vs_probe(struct virtio_dev *vd)
{
    if (vdev) {
        kprintf("vsock: %s: one device only, ignored\n", vd->where);
        return -EBUSY;
    }
    struct vsock_dev *d = kmalloc(sizeof *d);
    if (!d)
        return -ENOMEM;
    memset(d, 0, sizeof *d);
    d->vd = vd;
    d->stall_ms = VS_STALL_MS;
    vd->priv = d;
    sem_init(&d->work, 0);
    vsock_clock();
    uint64_t cid;
    int r = vs_start(d, &cid);
    d->up = r == 0;
    if (r == 0 && !thread_create("vsock", vs_thread, d, 0))
        r = -ENOMEM;
    if (r < 0) {
        virtio_teardown(vd);
        devio_dma_free(vd->io, &d->rx_mem);
        devio_dma_free(vd->io, &d->tx_mem);
        devio_dma_free(vd->io, &d->ev_mem);
        vd->priv = NULL;
        kfree(d);
        return r;
    }
    vsock_stack = (struct vsock_stack){ .cid = cid, .ctx = d, .xmit = vs_xmit, .wake = vs_wake,
                                        .log = vs_log, .next_port = (uint32_t)clock_ns() };
    vsock_clock();
    vdev = d;
    vsock_up = true;
    sock_register_family(MSOCK_AF_VSOCK, &sock_vsock_ops);
    kprintf("vsock: %s cid %llu, %s%s\n", vd->where, (unsigned long long)cid, vd->irq_mode,
            vd->legacy ? " legacy" : "");
    return 0;
}

VIRTIO_DRIVER(virtio_vsock, .name = "virtio-vsock", .id = VIRTIO_ID_VSOCK, .probe = vs_probe);
