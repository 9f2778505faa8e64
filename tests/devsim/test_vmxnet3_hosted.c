/* Hosted tests of vmw/vmxnet3.c against the register and ring model
 * (tests/devsim/vmxnet3_model.c): activation (handshake, shared area,
 * queue descriptors, filter, interrupts), receive and transmit byte for
 * byte across ring wraps, checksum offload both ways, link events, INTx,
 * MSI-X with a vector each for rx, tx and events, and the one-vector
 * fallbacks (MSI, an MSI-X table too small).
 * The hostile device is in test_vmxnet3_hostile.c.
 *
 * Run alone: build/host/hosted/test_vmxnet3_hosted [test name]. */
#include "tests/devsim/vmxnet3_fixture.h"

TEST(vmxnet3_activation)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX | DEVIO_IRQ_MSI | DEVIO_IRQ_INTX))
        return vx_end(&f);
    struct vmx3m *m = f.m;
    CHECK(m->active);
    CHECK_EQ(m->rev_chosen, 1);
    CHECK_EQ(m->upt_chosen, 1);
    CHECK_EQ(m->resets, 1);                 /* before activation: a boot ROM may have left it on */
    CHECK(memcmp(f.nd->mac, vx_mac, 6) == 0);
    CHECK(f.nd->link_up);
    CHECK_EQ(f.nd->speed_mbps, 1000);
    CHECK_STR(f.nd->driver, "vmxnet3");
    CHECK_EQ(f.nd->offloads, NETDEV_OFF_RX_IPV4_CSUM | NETDEV_OFF_RX_L4_CSUM | NETDEV_OFF_TX_L4_CSUM);
    CHECK_EQ(m->mtu, 1500);
    CHECK_EQ(m->rx_mode, VMXNET3_RXM_UCAST | VMXNET3_RXM_BCAST | VMXNET3_RXM_MCAST);
    CHECK_EQ(m->rx_mode_updates, 1);
    CHECK_EQ(m->mac_filter_updates, 1);
    CHECK_EQ(m->auto_mask, 1);
    CHECK_EQ(m->num_intrs, 3);              /* MSI-X: rx 0, tx 1, events 2 */
    CHECK_EQ(m->rx_intr, 0);
    CHECK_EQ(m->tx_intr, 1);
    CHECK_EQ(m->ev_intr, 2);
    for (unsigned i = 0; i < 3; i++) {
        CHECK_EQ(m->mod_levels[i], VMXNET3_IML_ADAPTIVE);
        CHECK(!m->masked[i]);               /* unmasked after activation */
    }
    CHECK(m->masked[3]);
    CHECK_EQ(m->bad_intr_conf, 0);
    CHECK_EQ(m->irq_mode, DEVIO_IRQ_MSIX);
    CHECK_EQ(m->tx_size % 32, 0);
    CHECK_EQ(m->rx_size % 32, 0);
    CHECK_EQ(m->rxc_size, m->rx_size + m->rx2_size);
    CHECK_EQ(m->tx_pa % 512, 0);
    CHECK_EQ(m->rxc_pa % 512, 0);
    const struct vmxnet3_shared *sh = vmx3m_shared(m);
    REQUIRE(sh);
    CHECK_EQ(sh->upt_features, UPT1_F_RXCSUM);
    CHECK_EQ(sh->max_rx_sg, 1);
    CHECK_EQ(sh->queue_desc_pa % 128, 0);
    CHECK_EQ(sh->mf_table_len, 6);
    CHECK(host_log_has("vmxnet3: 00:03.0 mac 00:0c:29:12:34:56, link up 1000 Mb/s, msi-x (3 vectors), eth"));
    vx_end(&f);
}

/* The driver takes the highest revision it speaks among those offered. */
TEST(vmxnet3_revision_choice)
{
    struct vx f;
    vx_model(&f, DEVIO_IRQ_MSI);
    f.m->revs = 0x7F;                       /* revisions 1..7 */
    CHECK_EQ(vx_probe(&f), 0);
    CHECK_EQ(f.m->rev_chosen, 1u << (VMXNET3_REV_MAX - 1));
    vx_end(&f);
    vx_model(&f, DEVIO_IRQ_MSI);
    f.m->revs = 0x6;                        /* only revisions this driver does not speak */
    CHECK_EQ(vx_probe(&f), -ENODEV);
    CHECK(host_log_has("none this driver speaks"));
    vx_end(&f);
}

/* 700 frames of every length from 60 to 1514: each arrives byte for byte,
 * across wraps of ring 1 (256) and the completion ring (288). */
static void rx_run(bool lend)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    host.lend = lend;
    uint8_t fr[1514];
    unsigned got = 0;
    for (unsigned i = 0; i < 700; i++) {
        size_t len = 60 + (i * 37) % (1514 - 60 + 1);
        vx_frame(fr, len, i);
        CHECK_EQ(vmx3m_rx_inject(f.m, fr, len, 0), 0);
        if (i % 5 == 4 || i == 699) {
            vx_pump(&f);
            for (; got <= i && got < HOST_RX_KEEP; got++) {
                size_t l = 60 + (got * 37) % (1514 - 60 + 1);
                vx_frame(fr, l, got);
                CHECK_EQ(host.rx[got].len, l);
                CHECK(memcmp(host.rx[got].data, fr, l) == 0);
            }
            host_release_lent();
        }
    }
    CHECK_EQ(host.rx_count, 700);
    CHECK_EQ(f.nd->stats.rx_errors, 0);
    CHECK_EQ(vmxnet3_test_bad_completions(f.nd), 0);
    CHECK_EQ(f.m->rx_no_buf, 0);
    if (lend)
        CHECK(f.nd->stats.rx_lent > 0);
    vx_end(&f);
}
TEST(vmxnet3_rx_byte_exact_copy) { rx_run(false); }
TEST(vmxnet3_rx_byte_exact_lent) { rx_run(true); }

/* The device's checksum verdicts reach the stack; "not calculated" gives none. */
TEST(vmxnet3_rx_csum)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    uint8_t fr[200];
    size_t len = vx_tcp_frame(fr, 100, 1);
    CHECK_EQ(vmx3m_rx_inject(f.m, fr, len, VMXNET3_RCD_V4 | VMXNET3_RCD_IPC | VMXNET3_RCD_TCP |
                                                VMXNET3_RCD_TUC), 0);
    CHECK_EQ(vmx3m_rx_inject(f.m, fr, len, VMXNET3_RCD_V4 | VMXNET3_RCD_TCP | VMXNET3_RCD_IPC), 0);
    CHECK_EQ(vmx3m_rx_inject(f.m, fr, len, 0), 0);
    vx_pump(&f);
    REQUIRE(host.rx_count == 3);
    CHECK_EQ(host.rx[0].csum, NETDEV_RX_CSUM_IP_OK | NETDEV_RX_CSUM_L4_OK);
    CHECK_EQ(host.rx[1].csum, NETDEV_RX_CSUM_IP_OK);
    CHECK_EQ(host.rx[2].csum, 0);
    CHECK_EQ(f.nd->stats.rx_csum_ok, 2);    /* counted once, by netdev_rx */
    vx_end(&f);
}

/* 400 frames out, across tx ring wraps: byte for byte, one descriptor each,
 * TCP checksums inserted by the device (om=CSUM, hlen, msscof). */
TEST(vmxnet3_tx_byte_exact_and_csum)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    uint8_t fr[1514];
    for (unsigned i = 0; i < 400; i++) {
        size_t len;
        if (i % 2)
            len = vx_tcp_frame(fr, (i * 53) % 1400, i);
        else
            len = vx_frame(fr, 60 + (i * 41) % 1455, i);
        CHECK_EQ(host_xmit(f.nd, fr, len), 0);
        REQUIRE(f.m->tx_count == i + 1);
        struct vmx3m_frame *t = &f.m->tx[i];
        CHECK_EQ(t->len, len);
        if (i % 2) {
            CHECK_EQ(vx_tcp_check(t->data, t->len), 0xFFFF);
            CHECK_EQ(t->w3 & VMXNET3_TXD_HLEN_MASK, 34);
            CHECK_EQ(t->w2 >> VMXNET3_TXD_MSSCOF_SHIFT, 34 + 16);
            CHECK(memcmp(t->data, fr, 50) == 0);
            CHECK(memcmp(t->data + 52, fr + 52, len - 52) == 0);
        } else {
            CHECK_EQ((t->w3 >> VMXNET3_TXD_OM_SHIFT) & 3, 0);
            CHECK(memcmp(t->data, fr, len) == 0);
        }
        if (i % 7 == 0)
            vx_pump(&f);
    }
    vx_pump(&f);
    CHECK_EQ(f.nd->stats.tx_packets, 400);
    CHECK_EQ(f.nd->stats.tx_csum, 200);
    CHECK_EQ(f.m->tx_csum, 200);
    vx_end(&f);
}

/* After a TCP SYN or SYN-ACK (and only then) the driver arms a timer for
 * now: the nudge that makes QEMU's main loop poll slirp's new socket. */
TEST(vmxnet3_tx_syn_kick)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    uint8_t fr[128];
    size_t len = vx_tcp_frame(fr, 10, 1);   /* PSH ACK */
    unsigned before = host.timer_adds;
    CHECK_EQ(host_xmit(f.nd, fr, len), 0);
    CHECK_EQ(host.timer_adds, before);
    fr[14 + 33] = 0x12;                     /* SYN ACK */
    CHECK_EQ(host_xmit(f.nd, fr, len), 0);
    CHECK_EQ(host.timer_adds, before + 1);
    fr[14 + 33] = 0x02;                     /* SYN */
    CHECK_EQ(host_xmit(f.nd, fr, len), 0);
    CHECK_EQ(host.timer_adds, before + 2);
    fr[14 + 9] = 17;                        /* UDP, the same byte where TCP's flags were */
    CHECK_EQ(host_xmit(f.nd, fr, len), 0);
    CHECK_EQ(host.timer_adds, before + 2);
    CHECK_EQ(f.m->tx_count, 4);
    vx_end(&f);
}

/* A full tx ring says -EBUSY until completions come back. */
TEST(vmxnet3_tx_ring_full)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    f.m->active = false;                    /* the device stops consuming */
    uint8_t fr[64];
    vx_frame(fr, sizeof fr, 0);
    unsigned ok = 0;
    while (ok < 1000 && host_xmit(f.nd, fr, sizeof fr) == 0)
        ok++;
    CHECK_EQ(ok, f.m->tx_size - 1);
    CHECK_EQ(host_xmit(f.nd, fr, sizeof fr), -EBUSY);
    f.m->active = true;                     /* and catches up (a doorbell) */
    f.m->dev.ops->write(f.m, 0, VMXNET3_PT_TXPROD, 4, 0);
    CHECK_EQ(f.m->tx_count, ok);
    vx_pump(&f);
    CHECK_EQ(host_xmit(f.nd, fr, sizeof fr), 0);
    CHECK_EQ(f.m->tx_count, ok + 1);
    vx_end(&f);
}

/* Link down and up through ECR events; each acknowledged in the shared area. */
TEST(vmxnet3_link_events)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    vmx3m_set_link(f.m, false);
    vx_pump(&f);
    CHECK(!f.nd->link_up);
    const struct vmxnet3_shared *sh = vmx3m_shared(f.m);
    CHECK_EQ(sh->ecr, 0);
    uint8_t fr[60];
    vx_frame(fr, 60, 1);
    CHECK_EQ(vmx3m_rx_inject(f.m, fr, 60, 0), -EAGAIN);
    vmx3m_set_link(f.m, true);
    vx_pump(&f);
    CHECK(f.nd->link_up);
    CHECK_EQ(f.nd->speed_mbps, 1000);
    CHECK_EQ(host.link_events, 2);
    CHECK_EQ(vmx3m_rx_inject(f.m, fr, 60, 0), 0);
    vx_pump(&f);
    CHECK_EQ(host.rx_count, 1);
    vx_end(&f);
}

/* INTx: ICR tells the driver whether the (shared) line was its; the vector
 * is auto-masked by the ICR read and unmasked after the work. */
TEST(vmxnet3_intx)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_INTX))
        return vx_end(&f);
    CHECK_EQ(f.m->irq_mode, DEVIO_IRQ_INTX);
    f.m->dev.irq_fn(f.m->dev.irq_arg);      /* another device on the line */
    CHECK(!vmxnet3_test_service(f.nd));
    uint8_t fr[100];
    for (unsigned i = 0; i < 10; i++) {
        vx_frame(fr, sizeof fr, i);
        CHECK_EQ(vmx3m_rx_inject(f.m, fr, sizeof fr, 0), 0);
        vx_pump(&f);
    }
    CHECK_EQ(host.rx_count, 10);
    CHECK(!f.m->masked[0]);
    CHECK(!f.m->asserted);
    vx_end(&f);
}

/* MSI-X: rx, tx and a link event each arrive on their own vector, which
 * the device masks when it fires (auto-mask); a masked vector stays quiet
 * while its work piles up, the others still fire, and unmasking it (after
 * the driver's work) raises it again for what came meanwhile. */
TEST(vmxnet3_msix_vector_per_event)
{
    struct vx f;
    if (!vx_up(&f, DEVIO_IRQ_MSIX))
        return vx_end(&f);
    struct vmx3m *m = f.m;
    uint8_t fr[100];
    vx_frame(fr, sizeof fr, 1);
    CHECK_EQ(vmx3m_rx_inject(m, fr, sizeof fr, 0), 0);
    CHECK_EQ(m->raised[0], 1);
    CHECK(m->masked[0]);
    CHECK_EQ(vmx3m_rx_inject(m, fr, sizeof fr, 0), 0);  /* masked: nothing raised */
    CHECK_EQ(m->raised[0], 1);
    CHECK(m->pending[0]);
    CHECK_EQ(host_xmit(f.nd, fr, sizeof fr), 0);        /* tx: its own vector fires */
    CHECK_EQ(m->raised[1], 1);
    CHECK(m->masked[1]);
    vmx3m_set_link(m, false);                           /* events: theirs */
    CHECK_EQ(m->raised[2], 1);
    CHECK_EQ(m->raised[0] + m->raised[1] + m->raised[2], m->irqs_raised);
    vx_pump(&f);
    CHECK_EQ(host.rx_count, 2);
    CHECK(!f.nd->link_up);
    CHECK_EQ(host.link_events, 1);
    CHECK_EQ(m->raised[0], 2);              /* the pending rx, on unmasking */
    CHECK_EQ(m->raised[1], 1);
    CHECK_EQ(m->raised[2], 1);
    for (unsigned i = 0; i < 3; i++)
        CHECK(!m->masked[i] && !m->pending[i]);
    /* An unserviced vector keeps only itself masked. */
    vmx3m_set_link(m, true);
    CHECK(m->masked[2] && !m->masked[0]);
    vmx3m_event(m, VMXNET3_ECR_LINK);
    CHECK_EQ(m->raised[2], 2);
    CHECK_EQ(vmx3m_rx_inject(m, fr, sizeof fr, 0), 0);
    CHECK_EQ(m->raised[0], 3);
    vx_pump(&f);
    CHECK(f.nd->link_up);
    CHECK_EQ(m->raised[2], 3);              /* the second event, once unmasked */
    CHECK_EQ(host.rx_count, 3);
    CHECK_EQ(f.m->dev.irqs_delivered, m->irqs_raised);
    vx_end(&f);
}

/* One vector for everything, index 0 throughout: MSI; and MSI-X whose
 * table is too small for three entries (the driver gives entry 1 back). */
static void single_vector(unsigned modes, unsigned entries, const char *log)
{
    struct vx f;
    vx_model(&f, modes);
    f.m->dev.msix_entries = entries;
    REQUIRE(vx_probe(&f) == 0);
    struct vmx3m *m = f.m;
    CHECK_EQ(m->num_intrs, 1);
    CHECK_EQ(m->rx_intr + m->tx_intr + m->ev_intr, 0);
    CHECK_EQ(m->bad_intr_conf, 0);
    CHECK(!m->dev.msix_fn[1] && !m->dev.msix_fn[2]);
    CHECK(host_log_has(log));
    uint8_t fr[100];
    vx_frame(fr, sizeof fr, 1);
    for (unsigned i = 0; i < 5; i++) {
        CHECK_EQ(vmx3m_rx_inject(m, fr, sizeof fr, 0), 0);
        CHECK_EQ(host_xmit(f.nd, fr, sizeof fr), 0);
        vmx3m_set_link(m, false);
        vx_pump(&f);
        vmx3m_set_link(m, true);
        vx_pump(&f);
    }
    CHECK_EQ(host.rx_count, 5);
    CHECK_EQ(m->tx_count, 5);
    CHECK_EQ(host.link_events, 10);
    CHECK(f.nd->link_up);
    CHECK_EQ(m->raised[0], m->irqs_raised);
    CHECK(m->raised[0] >= 5);
    CHECK(!m->masked[0]);
    vx_end(&f);
}

TEST(vmxnet3_msi_single_vector)
{
    single_vector(DEVIO_IRQ_MSI | DEVIO_IRQ_INTX, VMX3M_VECS, "1000 Mb/s, msi, eth");
}

TEST(vmxnet3_msix_table_too_small)
{
    single_vector(DEVIO_IRQ_MSIX, 2, "1000 Mb/s, msi-x, eth");
}
