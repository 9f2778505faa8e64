/* Hosted tests of virtio/ (the core, the PCI transport, virtio-net) against
 * the device model of tests/devsim/vnet_model.c, through the devio seam:
 * probe with the status sequence and features, frames both ways with their
 * headers and checksum flags, a configuration interrupt for the link, and a
 * device that lies about used entries (ids never given, lengths past the
 * buffers, an index that jumps): each is logged, refused, and the driver
 * keeps receiving. */
#include "tests/unit/test.h"
#include "tests/devsim/host.h"
#include "tests/devsim/vnet_model.h"
#include "virtio/virtio.h"
#include "kernel/core/trace.h"
#include "kernel/pci/pci.h"
#include "kernel/errno.h"

LINKSET_DEFINE(struct pci_driver, pci_drivers);
bool virtio_net_test_service(struct netdev *nd);
TRACE_DECLARE(virtio);

static struct vnet_model m;

/* The PCI driver "virtio-pci" from the registry, as the PCI core finds it. */
static int probe(void)
{
    LINKSET_FOREACH(struct pci_driver, d, pci_drivers)
        if (!strcmp(d->name, "virtio-pci"))
            return d->probe(&m.dev.pci, NULL);
    return -ENODEV;
}

static void setup(void)
{
    devhost_reset();
    host_reset();
    vnet_model_init(&m, 4);
}

/* Hot-unplug through the PCI driver's remove: everything comes back. */
static void teardown(void)
{
    LINKSET_FOREACH(struct pci_driver, d, pci_drivers)
        if (!strcmp(d->name, "virtio-pci") && m.dev.pci.priv)
            d->remove(&m.dev.pci);
    CHECK_EQ(m.status, 0);
    CHECK_EQ(devhost_dma_live(), 0);
    vnet_model_release(&m);
}

/* Interrupts delivered, then the driver thread's passes while it has work. */
static void run(void)
{
    for (int i = 0; i < 16 && devhost_irq_deliver(&m.dev); i++)
        ;
    for (int i = 0; i < 64 && host.nd && virtio_net_test_service(host.nd); i++)
        ;
}

static const uint8_t frame[60] = { 0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
                                   0x45, 0, 0, 46 };

TEST(vnet_probe_status_sequence_and_features)
{
    setup();
    REQUIRE(probe() == 0);
    CHECK_EQ(m.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    CHECK_EQ(m.resets, 1);
    CHECK(m.cc.features & VIRTIO_BIT(VIRTIO_F_VERSION_1));
    CHECK(m.cc.features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
    CHECK(m.cc.features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));
    CHECK(m.cc.features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF));
    CHECK(!(m.cc.features & VIRTIO_BIT(7)));       /* GUEST_TSO4 never taken */
    REQUIRE(host.nd != NULL);
    CHECK(!memcmp(host.nd->mac, m.mac, 6));
    CHECK(host.nd->link_up);
    CHECK_EQ(host.nd->offloads, NETDEV_OFF_TX_L4_CSUM | NETDEV_OFF_RX_L4_CSUM);
    CHECK(m.q[0].enabled && m.q[1].enabled);
    CHECK_EQ(m.q[0].notifies, 1);               /* the 256 buffers, once */
    CHECK_EQ(m.q[0].vec, 0);                    /* one vector for all here */
    CHECK_EQ(m.cc.config_vec, 0);
    CHECK_EQ(devhost_dma_violations(), 0);
    teardown();
}

TEST(vnet_refused_features_fail_the_probe)
{
    setup();
    m.refuse_features = true;
    CHECK_EQ(probe(), -ENODEV);
    CHECK(host_log_has("refused features"));
    CHECK(host.nd == NULL);
    CHECK_EQ(m.status, 0);                      /* reset again: left alone */
    teardown();
}

TEST(vnet_receive_and_transmit)
{
    setup();
    REQUIRE(probe() == 0);
    for (int i = 0; i < 600; i++) {             /* the ring wraps twice */
        REQUIRE(vnet_model_rx(&m, frame, sizeof frame, i & 1 ? VIRTIO_NET_HDR_F_DATA_VALID : 0) >= 0);
        run();
    }
    CHECK_EQ(host.rx_count, 600);
    CHECK_EQ(host.rx[1].len, sizeof frame);
    CHECK(!memcmp(host.rx[1].data, frame, sizeof frame));
    CHECK_EQ(host.rx[1].csum, NETDEV_RX_CSUM_L4_OK);
    CHECK_EQ(host.rx[0].csum, 0);
    /* A TCP segment: NEEDS_CSUM at the TCP header, seeded pseudo-header sum. */
    uint8_t tcp[14 + 20 + 20] = { 0 };
    memcpy(tcp, frame, 14);
    tcp[14] = 0x45, tcp[17] = 40, tcp[23] = 6;
    tcp[26] = 10, tcp[29] = 15, tcp[30] = 10, tcp[33] = 2;
    REQUIRE(host_xmit(host.nd, tcp, sizeof tcp) == 0);
    CHECK_EQ(m.tx_frames, 1);
    CHECK_EQ(m.tx_len, sizeof tcp);
    CHECK_EQ(m.tx_hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    CHECK_EQ(m.tx_hdr.csum_start, 34);
    CHECK_EQ(m.tx_hdr.csum_offset, 16);
    /* 10.0.0.15 + 10.0.0.2 + protocol 6 + TCP length 20 */
    CHECK_EQ(m.tx_last[34 + 16] << 8 | m.tx_last[34 + 17], 0x0a00 + 0x000f + 0x0a00 + 0x0002 + 6 + 20);
    for (int i = 0; i < 700; i++)               /* slots come back */
        REQUIRE(host_xmit(host.nd, frame, sizeof frame) == 0);
    CHECK_EQ(m.tx_frames, 701);
    CHECK_EQ(m.q[1].notifies, 701);
    CHECK_EQ(devhost_dma_violations(), 0);
    teardown();
}

TEST(vnet_link_change_by_config_interrupt)
{
    setup();
    REQUIRE(probe() == 0);
    vnet_model_set_link(&m, false);
    run();
    CHECK(!host.nd->link_up);
    vnet_model_set_link(&m, true);
    run();
    CHECK(host.nd->link_up);
    CHECK_EQ(host.link_events, 2);
    teardown();
}

TEST(vnet_hostile_used_entries)
{
    setup();
    REQUIRE(probe() == 0);
    vnet_model_used_raw(&m, 0, 4000, 60, 1);            /* an id past the ring */
    run();
    CHECK(host_log_has("queue 0: device returned a used id not in flight (refused)"));
    REQUIRE(vnet_model_rx(&m, frame, sizeof frame, 0) >= 0);     /* honest */
    run();
    /* Every receive descriptor is posted, so an id below 256 is in flight
     * there; on the transmit queue nothing is: a used entry for 7 is made up. */
    m.tx_hold = true;
    REQUIRE(host_xmit(host.nd, frame, sizeof frame) == 0);     /* one in flight */
    uint16_t tx_head = 0;
    devhost_dma_read(m.q[1].avail + 4, &tx_head, 2);
    vnet_model_used_raw(&m, 1, tx_head ^ 7, 0, 1);
    REQUIRE(host_xmit(host.nd, frame, sizeof frame) == 0);     /* reclaims first */
    CHECK(host_log_has("queue 1: device returned a used id not in flight (refused)"));
    m.tx_hold = false;
    vnet_model_tx(&m);
    CHECK_EQ(m.tx_frames, 2);
    /* A length past the 2 KiB buffer: refused, the buffer goes back. */
    struct vq_model_queue *q = &m.q[0];
    uint16_t head = 0;
    devhost_dma_read(q->avail + 4 + 2u * (q->last_avail % q->size), &head, 2);
    q->last_avail++;
    vnet_model_used_raw(&m, 0, head, 100000, 1);
    run();
    CHECK(host_log_has("a length past the buffers"));
    /* The used index jumps by 1000: nothing in that window is taken. */
    vnet_model_used_raw(&m, 0, 0, 60, 1000);
    run();
    CHECK(host_log_has("the used index ran ahead"));
    CHECK_EQ(host.rx_count, 1);
    /* ... and frames still come through afterwards. */
    for (int i = 0; i < 10; i++) {
        REQUIRE(vnet_model_rx(&m, frame, sizeof frame, 0) >= 0);
        run();
    }
    CHECK_EQ(host.rx_count, 11);
    CHECK_EQ(host.nd->stats.rx_errors, 3);
    CHECK_EQ(devhost_dma_violations(), 0);
    teardown();
}

TEST(vnet_intx_reads_isr)
{
    setup();
    m.dev.irq_modes = DEVIO_IRQ_INTX;
    REQUIRE(probe() == 0);
    CHECK_EQ(m.cc.config_vec, VIRTIO_MSI_NO_VECTOR);       /* no MSI-X mapping written */
    CHECK(devhost_irq_deliver(&m.dev) == false);         /* line low: nothing to do */
    REQUIRE(vnet_model_rx(&m, frame, sizeof frame, 0) >= 0);
    run();
    CHECK_EQ(host.rx_count, 1);
    CHECK_EQ(m.isr, 0);                                  /* read, so the line is low again */
    vnet_model_set_link(&m, false);
    run();
    CHECK(!host.nd->link_up);
    teardown();
}

TEST(vnet_mergeable_buffers)
{
    setup();
    REQUIRE(probe() == 0);
    static uint8_t big[1514];
    memcpy(big, frame, sizeof frame);
    for (size_t i = sizeof frame; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    REQUIRE(vnet_model_rx_merged(&m, big, sizeof big, 1000, 2) == 0);
    run();
    REQUIRE(host.rx_count == 1);
    CHECK_EQ(host.rx[0].len, sizeof big);
    CHECK(!memcmp(host.rx[0].data, big, sizeof big));
    /* num_buffers 0 (impossible) and far more than the ring: dropped,
     * counted, and the next frame is fine. */
    REQUIRE(vnet_model_rx_merged(&m, big, sizeof big, 1000, 0) == 0);
    run();
    REQUIRE(vnet_model_rx_merged(&m, big, sizeof big, 1000, 9999) == 0);
    run();
    CHECK_EQ(host.rx_count, 1);
    CHECK(host.nd->stats.rx_errors >= 2);
    REQUIRE(vnet_model_rx(&m, frame, sizeof frame, 0) >= 0);
    run();
    CHECK_EQ(host.rx_count, 2);
    CHECK_EQ(host.rx[1].len, sizeof frame);
    teardown();
}

TEST(vnet_trace_lines)
{
    setup();
    trace_virtio = true;
    REQUIRE(probe() == 0);
    trace_virtio = false;
    CHECK(host_log_has("status <- 0x01"));
    CHECK(host_log_has("status <- 0x0b"));
    CHECK(host_log_has("queue 0: size 256 (device max 256)"));
    CHECK(host_log_has("notify queue 0 (avail 256)"));
    teardown();
}
