/* Hosted tests of vsock/virtio_vsock.c (with the virtio core and PCI
 * transport) against tests/devsim/vsock_model.c: the probe, a connection
 * from the host with data both ways through the real queues, a device that
 * lies (used lengths shorter than a header, a header len past what was
 * written, ids never given), TRANSPORT_RESET on the event queue (the CID
 * re-read, connections reset), a reserved CID refused, and a device that
 * stops taking packets (a vhost-user backend that died): connections reset,
 * the device reset until it answers, an idle guest probing. */
#include "tests/unit/test.h"
#include "tests/devsim/host.h"
#include "tests/devsim/vsock_model.h"
#include "virtio/virtio.h"
#include "vsock/vsock.h"
#include "kernel/pci/pci.h"
#include "kernel/errno.h"

LINKSET_DEFINE(struct pci_driver, pci_drivers);
void virtio_vsock_test_service(void);
void virtio_vsock_test_forget(void);

/* What the driver needs of the kernel beyond tests/devsim/host_kernel.c. */
const struct sock_ops sock_vsock_ops;
static int families;
int sock_register_family(int af, const struct sock_ops *ops)
{
    (void)ops;
    families += af == MSOCK_AF_VSOCK;
    return 0;
}
int waitq_wake_all(struct waitq *wq) { (void)wq; return 0; }
int sem_down_timeout(struct semaphore *s, uint64_t ns) { (void)ns; return sem_trydown(s) ? 0 : -ETIMEDOUT; }

static struct vsock_model m;

static int probe(void)
{
    LINKSET_FOREACH(struct pci_driver, d, pci_drivers)
        if (!strcmp(d->name, "virtio-pci"))
            return d->probe(&m.dev.pci, NULL);
    return -ENODEV;
}

static void setup(uint64_t cid)
{
    virtio_vsock_test_forget();
    devhost_reset();
    host_reset();
    vsock_model_init(&m, 4, cid);
}

static void teardown(void)
{
    for (int i = 0; i < VCONN_MAX; i++)
        if (vsock_stack.conns[i]) {
            vsock_reset(&vsock_stack, vsock_stack.cid);
            break;
        }
    for (int i = 0; i < VCONN_MAX; i++)
        if (vsock_stack.conns[i])
            vconn_close(&vsock_stack, vsock_stack.conns[i]);
    for (int i = 0; i < VCONN_MAX; i++)         /* closing ones: time out */
        if (vsock_stack.conns[i]) {
            vsock_stack.now_ms += VCONN_TIMEOUT_MS * 1000ull;
            vsock_tick(&vsock_stack);
        }
    CHECK_EQ(devhost_dma_violations(), 0);
    virtio_vsock_test_forget();                 /* the driver's half of a removal */
    LINKSET_FOREACH(struct pci_driver, d, pci_drivers)
        if (!strcmp(d->name, "virtio-pci") && m.dev.pci.priv)
            d->remove(&m.dev.pci);
    CHECK_EQ(m.status, 0);
    CHECK_EQ(devhost_dma_live(), 0);
    vsock_model_release(&m);
    devhost_reset();
}

static void run(void)
{
    for (int i = 0; i < 16 && devhost_irq_deliver(&m.dev); i++)
        ;
    virtio_vsock_test_service();
}

static struct vsock_hdr pkt(unsigned op, uint32_t len)
{
    return (struct vsock_hdr){ .src_cid = 2, .dst_cid = m.cid, .src_port = 1u << 30, .dst_port = 5000,
                               .len = len, .type = VSOCK_TYPE_STREAM, .op = (uint16_t)op,
                               .buf_alloc = 65536 };
}

/* A listener on 5000 with one connection from the host accepted. */
static struct vconn *connected(void)
{
    struct vconn *l = vconn_new(&vsock_stack), *c = NULL;
    if (!l || vconn_bind(&vsock_stack, l, 5000) || vconn_listen(&vsock_stack, l, 4))
        return NULL;
    struct vsock_hdr h = pkt(VSOCK_OP_REQUEST, 0);
    if (vsock_model_rx(&m, &h, NULL) < 0)
        return NULL;
    run();
    return vconn_accept(&vsock_stack, l, &c) == 0 ? c : NULL;
}

TEST(vsock_probe)
{
    setup(3);
    REQUIRE(probe() == 0);
    CHECK_EQ(m.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    CHECK(m.q[0].enabled && m.q[1].enabled && m.q[2].enabled);
    CHECK(host_log_has("cid 3"));
    CHECK_EQ(vsock_stack.cid, 3);
    CHECK(vsock_up);
    CHECK_EQ(families, 1);
    CHECK(vsock_model_peek_rx(&m) >= 0);        /* buffers posted */
    teardown();
}

TEST(vsock_reserved_cid_refused)
{
    setup(2);
    CHECK(probe() < 0);
    CHECK(host_log_has("reserved guest CID"));
    CHECK_EQ(m.status, 0);
    teardown();
}

TEST(vsock_data_both_ways)
{
    setup(3);
    REQUIRE(probe() == 0);
    struct vconn *c = connected();
    REQUIRE(c);
    REQUIRE(m.ntx >= 1);
    CHECK_EQ(VSOCK_MODEL_LAST(&m).op, VSOCK_OP_RESPONSE);
    CHECK_EQ(VSOCK_MODEL_LAST(&m).dst_port, 1u << 30);
    CHECK_EQ(VSOCK_MODEL_LAST(&m).src_cid, 3);
    /* 300 packets of 4 KiB: the receive ring wraps, the reader keeps up. */
    static uint8_t data[4096], out[65536];
    for (int i = 0; i < 300; i++) {
        memset(data, i, sizeof data);
        struct vsock_hdr h = pkt(VSOCK_OP_RW, sizeof data);
        REQUIRE(vsock_model_rx(&m, &h, data) >= 0);
        run();
        REQUIRE(vconn_recv(&vsock_stack, c, out, sizeof out, false) == sizeof data);
        CHECK_EQ(out[4095], (uint8_t)i);
    }
    /* Credit updates went out as the reader consumed. */
    int updates = 0;
    for (unsigned i = 0; i < m.ntx && i < VSOCK_MODEL_TX_MAX; i++)
        updates += m.tx[i].op == VSOCK_OP_CREDIT_UPDATE;
    CHECK(updates >= 4);
    /* Guest to host: header + payload, the payload intact. */
    memset(data, 0x5A, 100);
    CHECK_EQ(vconn_send(&vsock_stack, c, data, 100), 100);
    CHECK_EQ(VSOCK_MODEL_LAST(&m).op, VSOCK_OP_RW);
    CHECK_EQ(VSOCK_MODEL_LAST(&m).len, 100);
    CHECK_EQ(m.tx_data[99], 0x5A);
    run();                                      /* sent slots come back */
    teardown();
}

TEST(vsock_lying_device)
{
    setup(3);
    REQUIRE(probe() == 0);
    struct vconn *c = connected();
    REQUIRE(c);
    /* A used length shorter than a header. */
    int head = vsock_model_peek_rx(&m);
    REQUIRE(head >= 0);
    m.q[0].last_avail++;
    vsock_model_used_raw(&m, 0, (uint32_t)head, 10);
    run();
    CHECK(host_log_has("shorter than a header"));
    /* An honest 4000-byte RW, then a header claiming 4000 bytes in a
     * buffer the device says it wrote 60 bytes of. */
    struct vsock_hdr h = pkt(VSOCK_OP_RW, 4000);
    REQUIRE(vsock_model_rx(&m, &h, (uint8_t[4000]){ 0 }) >= 0);
    head = vsock_model_peek_rx(&m);
    REQUIRE(head >= 0);
    m.q[0].last_avail++;
    struct virtq_desc d;
    devhost_dma_read(m.q[0].desc + 16u * (unsigned)head, &d, sizeof d);
    devhost_dma_write(d.addr, &h, sizeof h);
    vsock_model_used_raw(&m, 0, (uint32_t)head, 60);
    run();
    CHECK(host_log_has("past the 60 bytes written"));
    /* An id never given. */
    vsock_model_used_raw(&m, 0, 1000, 100);
    run();
    /* Through all of it the connection still works: 4000 + nothing else. */
    static uint8_t out[8192];
    CHECK_EQ(vconn_recv(&vsock_stack, c, out, sizeof out, false), 4000);
    h = pkt(VSOCK_OP_RW, 5);
    REQUIRE(vsock_model_rx(&m, &h, "hello") >= 0);
    run();
    CHECK_EQ(vconn_recv(&vsock_stack, c, out, sizeof out, false), 5);
    CHECK(!memcmp(out, "hello", 5));
    teardown();
}

TEST(vsock_transport_reset_event)
{
    setup(3);
    REQUIRE(probe() == 0);
    struct vconn *c = connected();
    REQUIRE(c);
    m.cid = 9;
    REQUIRE(vsock_model_event(&m, VSOCK_EVENT_TRANSPORT_RESET) == 0);
    run();
    CHECK(host_log_has("transport reset"));
    CHECK_EQ(vsock_stack.cid, 9);
    CHECK_EQ(vconn_connected(c), -ECONNRESET);
    CHECK_EQ(vsock_model_event(&m, 77), 0);     /* unknown: logged, buffer back */
    run();
    CHECK(host_log_has("unknown event"));
    teardown();
}

/* The clock moves by ms and the driver's thread runs once. */
static void later(uint64_t ms)
{
    host.now_ns += ms * 1000000ull;
    run();
}

TEST(vsock_dead_device_reset_until_it_answers)
{
    setup(3);
    REQUIRE(probe() == 0);
    struct vconn *c = connected();
    REQUIRE(c);
    unsigned resets = m.resets;
    m.deaf = true;
    CHECK_EQ(vconn_send(&vsock_stack, c, "x", 1), 1);
    run();
    later(3000);                                /* in flight 3 s: not yet */
    CHECK_EQ(m.resets, resets);
    CHECK_EQ(vconn_connected(c), 0);
    later(1100);                                /* past 4 s: gone */
    CHECK(host_log_has("took no packet for 4000 ms: 1 connections reset, device reset"));
    CHECK_EQ(m.resets, resets + 1);
    CHECK_EQ(m.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    CHECK(m.q[0].enabled && m.q[1].enabled && m.q[2].enabled);
    char b[4];
    CHECK_EQ(vconn_recv(&vsock_stack, c, b, sizeof b, false), -ECONNRESET);
    /* Still deaf: an idle probe after 5 s, then the next reset waits 8 s. */
    unsigned sent = m.ntx;
    later(5100);
    later(7000);
    CHECK_EQ(m.resets, resets + 1);
    later(1100);
    CHECK_EQ(m.resets, resets + 2);
    CHECK_EQ(m.ntx, sent);                      /* nothing taken all along */
    /* The device answers again: the next probe is taken. */
    m.deaf = false;
    later(5100);
    run();
    CHECK_EQ(m.ntx, sent + 1);
    struct vsock_hdr h = VSOCK_MODEL_LAST(&m);
    CHECK_EQ(h.op, VSOCK_OP_RST);
    CHECK_EQ(h.src_port, VSOCK_PORT_ANY);
    CHECK_EQ(h.dst_port, VSOCK_PORT_ANY);
    CHECK_EQ(h.dst_cid, VSOCK_CID_HOST);
    CHECK(host_log_has("takes packets again (2 resets)"));
    /* A host connection is served on the listener that survived. */
    struct vsock_hdr rq = pkt(VSOCK_OP_REQUEST, 0);
    rq.src_port = 77;
    REQUIRE(vsock_model_rx(&m, &rq, NULL) >= 0);
    run();
    CHECK_EQ(VSOCK_MODEL_LAST(&m).op, VSOCK_OP_RESPONSE);
    later(4100);                                /* healthy: no reset, no probe yet */
    CHECK_EQ(m.resets, resets + 2);
    teardown();
}

/* The device refuses to be set up again after the reset: the driver keeps
 * off its freed queues, sends nothing, and tries again later. */
TEST(vsock_dead_device_refusing_setup_is_retried)
{
    setup(3);
    REQUIRE(probe() == 0);
    struct vconn *c = connected();
    REQUIRE(c);
    m.deaf = true, m.refuse = true;
    CHECK_EQ(vconn_send(&vsock_stack, c, "x", 1), 1);
    run();
    later(4100);
    CHECK(host_log_has("1 connections reset, device reset"));
    CHECK(!(m.status & VIRTIO_STATUS_DRIVER_OK));
    struct vconn *n = vconn_new(&vsock_stack);
    REQUIRE(n);
    CHECK_EQ(vconn_connect(&vsock_stack, n, VSOCK_CID_HOST, 6000), -EINPROGRESS);
    unsigned sent = m.ntx;
    later(5100);                                /* no queues: nothing goes out */
    CHECK_EQ(m.ntx, sent);
    m.deaf = false, m.refuse = false;
    later(3000);                                /* 8 s after the failed try */
    CHECK(m.status & VIRTIO_STATUS_DRIVER_OK);
    later(5100);                                /* the probe is taken */
    run();
    CHECK(host_log_has("takes packets again (2 resets)"));
    CHECK(m.ntx > sent);
    teardown();
}
