/* Hosted tests of net/e1000.c, unchanged, against the 82540EM/82574L model
 * (tests/devsim/e1000_model.c) through the hosted devio backend: probe on
 * both parts, reset, link changes, receive, transmit, checksum offload.
 * The hostile device is in test_e1000_hostile.c. Every test ends with
 * fx_end, which checks that nothing leaked (heap blocks, DMA allocations)
 * and that the device was never pointed outside the driver's DMA memory.
 *
 * Run alone: build/host/hosted/test_e1000_hosted [test name]. */
#include "tests/unit/test.h"
#include "tests/devsim/e1000_fixture.h"
#include "net/e1000_reg.h"
#include "net/e1000_test.h"
#include "net/netdev.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"

TRACE_DECLARE(e1000);


/* ---- Probe ------------------------------------------------------------------- */

/* Both parts, RAL0 empty after reset: the MAC must come from the EEPROM
 * through each part's own EERD layout (they differ: SDM 13.4.4 / the 82574
 * datasheet's EERD), and be written back to RAL0/RAH0 with Address Valid. */
static void probe_from_eeprom(enum e1000m_kind kind, const char *line)
{
    struct fx f;
    if (!fx_up(&f, kind))
        return fx_end(&f);
    CHECK(memcmp(f.nd->mac, fx_mac, 6) == 0);
    CHECK_EQ(e1000m_reg(f.m, E1000_RAL0), 0x52u | 0x54u << 8 | 0x00u << 16 | 0xabu << 24);
    CHECK_EQ(e1000m_reg(f.m, E1000_RAH0), 0xcdu | 0xefu << 8 | E1000_RAH_AV);
    CHECK(f.nd->link_up);
    CHECK_EQ(f.nd->speed_mbps, 1000);
    CHECK_EQ(f.nd->offloads, NETDEV_OFF_RX_IPV4_CSUM | NETDEV_OFF_RX_L4_CSUM |
                                 NETDEV_OFF_TX_IPV4_CSUM | NETDEV_OFF_TX_L4_CSUM);
    CHECK_STR(f.nd->driver, "e1000");
    CHECK_EQ(f.m->resets, 1);
    CHECK_EQ(host.threads, 1);
    CHECK(f.m->dev.pci.priv != NULL);
    CHECK(host_log_has(line));
    /* Receiver and transmitter on as SDM chapter 14 (receive and transmit
     * initialization) asks. */
    CHECK_EQ(e1000m_reg(f.m, E1000_RCTL), E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC);
    CHECK(e1000m_reg(f.m, E1000_TCTL) & E1000_TCTL_EN);
    CHECK_EQ(e1000m_reg(f.m, E1000_RDLEN), 256 * 16);
    CHECK_EQ(e1000m_reg(f.m, E1000_RDT), 255);
    CHECK_EQ(e1000m_reg(f.m, E1000_RXCSUM), E1000_RXCSUM_IPOFLD | E1000_RXCSUM_TUOFLD);
    CHECK(f.m->ims & E1000_ICR_LSC);
    CHECK(f.m->ims & E1000_ICR_RXT0);
    /* Interrupt moderation on (SDM 13.4.18): about 20,000 interrupts a
     * second at most, 195 * 256 ns apart. */
    CHECK_EQ(e1000m_reg(f.m, E1000_ITR), 195u);
    fx_end(&f);
}

TEST(probe_82540em_mac_from_eeprom_intx)
{
    probe_from_eeprom(E1000M_82540EM,
                      "e1000: 00:02.0 82540EM mac 52:54:00:ab:cd:ef, link up 1000 Mb/s, intx, "
                      "eth0");
}

TEST(probe_82574l_mac_from_eeprom_msix)
{
    probe_from_eeprom(E1000M_82574L,
                      "e1000: 00:02.0 82574L mac 52:54:00:ab:cd:ef, link up 1000 Mb/s, msi-x, "
                      "eth0");
}

/* 82574 datasheet 7.4 and chapter 10 (IVAR): with MSI-X each cause group needs a
 * valid entry, and CTRL_EXT.PBA_CLR; IMS carries the queue causes. */
TEST(probe_82574l_msix_routing)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    struct e1000_test_state st;
    e1000_test_state(f.nd, &st);
    CHECK(st.msix);
    CHECK_STR(st.irq_mode, "msi-x");
    uint32_t ivar = e1000m_reg(f.m, E1000_IVAR);
    CHECK(ivar >> E1000_IVAR_RXQ0_SHIFT & E1000_IVAR_VALID);
    CHECK(ivar >> E1000_IVAR_TXQ0_SHIFT & E1000_IVAR_VALID);
    CHECK(ivar >> E1000_IVAR_OTHER_SHIFT & E1000_IVAR_VALID);
    CHECK(e1000m_reg(f.m, E1000_CTRL_EXT) & E1000_CTRL_EXT_PBA_CLR);
    /* The one vector is throttled by its own EITR (82574 datasheet, EITR). */
    CHECK_EQ(e1000m_reg(f.m, E1000_EITR(0)), 195u);
    CHECK_EQ(f.m->ims & (E1000_ICR_RXQ0 | E1000_ICR_TXQ0 | E1000_ICR_OTHER),
             E1000_ICR_RXQ0 | E1000_ICR_TXQ0 | E1000_ICR_OTHER);
    CHECK_EQ(f.m->msix_unrouted, 0);
    fx_end(&f);
}

TEST(probe_82574l_msi_without_msix)
{
    struct fx f;
    fx_model(&f, E1000M_82574L);
    f.m->dev.irq_modes = DEVIO_IRQ_MSI | DEVIO_IRQ_INTX;
    CHECK_EQ(fx_probe(&f), 0);
    CHECK(host_log_has("82574L mac 52:54:00:ab:cd:ef, link up 1000 Mb/s, msi, eth0"));
    CHECK_EQ(e1000m_reg(f.m, E1000_IVAR), 0);
    CHECK_EQ(e1000m_reg(f.m, E1000_EITR(0)), 0);
    CHECK_EQ(e1000m_reg(f.m, E1000_ITR), 195u);
    fx_end(&f);
}

/* QEMU and VMware load RAL0/RAH0 at reset: then the EEPROM is not read. */
TEST(probe_mac_from_ral_without_eeprom)
{
    struct fx f;
    fx_model(&f, E1000M_82540EM);
    f.m->ral_loaded = true;
    f.m->faults.eerd_stuck = true;
    CHECK_EQ(fx_probe(&f), 0);
    if (f.nd)
        CHECK(memcmp(f.nd->mac, fx_mac, 6) == 0);
    fx_end(&f);
}

TEST(probe_link_down)
{
    struct fx f;
    fx_model(&f, E1000M_82574L);
    f.m->link_up = false;
    CHECK_EQ(fx_probe(&f), 0);
    if (f.nd)
        CHECK(!f.nd->link_up);
    CHECK(host_log_has("82574L mac 52:54:00:ab:cd:ef, link down, msi-x, eth0"));
    fx_end(&f);
}

TEST(probe_not_an_e1000)
{
    struct fx f;
    fx_model(&f, E1000M_82540EM);
    f.m->dev.pci.device = 0x1234;
    CHECK_EQ(fx_probe(&f), -ENODEV);
    CHECK_EQ(host.heap_live, 0);
    f.m->dev.pci.device = 0x100E;
    f.m->dev.bar_size[0] = 0;           /* a device without BAR 0 */
    CHECK_EQ(fx_probe(&f), -ENODEV);
    CHECK(host_log_has("BAR 0 is not a usable register window"));
    f.m->dev.bar_size[0] = 0x1000;      /* too small for the registers used */
    CHECK_EQ(fx_probe(&f), -ENODEV);
    f.m->dev.bar_size[0] = E1000M_BAR0_SIZE;
    f.m->dev.bar_pio[0] = true;         /* I/O ports, not memory */
    CHECK_EQ(fx_probe(&f), -ENODEV);
    CHECK_EQ(f.m->resets, 0);
    CHECK_EQ(host.heap_live, 0);
    fx_end(&f);
}

/* ---- Reset (SDM chapter 14) ---------------------------------------------------- */

/* Firmware left the receiver running: the driver stops DMA, waits for it
 * to drain, then resets; the trace says so. Interrupts end up masked until
 * the driver's own IMS. */
TEST(reset_after_firmware_left_dma_on)
{
    struct fx f;
    fx_model(&f, E1000M_82540EM);
    trace_e1000 = true;
    f.m->regs[E1000_RCTL / 4] = E1000_RCTL_EN;
    f.m->ims = 0xFFFFFFFF;
    uint64_t t0 = host.now_ns;
    CHECK_EQ(fx_probe(&f), 0);
    trace_e1000 = false;
    CHECK(host_log_has("e1000: 00:02.0 reset: mask interrupts, stop rx/tx "
                       "(firmware left DMA on), CTRL.RST"));
    CHECK(host.now_ns - t0 >= 10000000);
    CHECK_EQ(f.m->resets, 1);
    CHECK(!(e1000m_reg(f.m, E1000_CTRL) & E1000_CTRL_RST));
    CHECK(e1000m_reg(f.m, E1000_CTRL) & E1000_CTRL_SLU);
    CHECK_EQ(f.m->ims & ~(E1000_ICR_LSC | E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_RXO |
                          E1000_ICR_TXDW), 0);
    fx_end(&f);
}

/* trace=e1000 hosted prints what the system tests grep for on QEMU. */
TEST(trace_lines)
{
    struct fx f;
    fx_model(&f, E1000M_82574L);
    trace_e1000 = true;
    CHECK_EQ(fx_probe(&f), 0);
    uint8_t fr[60];
    fx_frame(fr, sizeof fr, 1);
    CHECK_EQ(e1000m_rx_inject(f.m, fr, sizeof fr, NULL), 0);
    fx_pump(&f);
    if (f.nd)
        CHECK_EQ(host_xmit(f.nd, fr, sizeof fr), 0);
    fx_pump(&f);
    trace_e1000 = false;
    CHECK(host_log_has("e1000: 00:02.0 RXCSUM <- 0x00000300\n"));
    CHECK(host_log_has("e1000: 00:02.0 RCTL <- 0x04008002\n"));
    CHECK(host_log_has("e1000: 00:02.0 IVAR <- 0x00080808\n"));
    CHECK(host_log_has("e1000: 00:02.0 EITR0 <- 0x000000c3\n"));
    CHECK(host_log_has("e1000: 00:02.0 ITR <- 0x000000c3\n"));
    CHECK(host_log_has("e1000: 00:02.0 STATUS 0x00000083: link up, 1000 Mb/s, full duplex\n"));
    CHECK(host_log_has("e1000: 00:02.0 rx[0] len 60 status 0x03 DD EOP errors 0x00 type 88b5\n"));
    CHECK(host_log_has("e1000: 00:02.0 tx[0] len 60 type 88b5\n"));
    CHECK(host_log_has("e1000: 00:02.0 interrupt: ICR 0x"));
    /* Setup writes of RDT/TDT are traced, the data path's are not. */
    CHECK_EQ(host_log_count("RDT <- "), 1);
    CHECK_EQ(host_log_count("TDT <- "), 1);
    fx_end(&f);
}

/* ---- Link ----------------------------------------------------------------------------- */

static void link_change(enum e1000m_kind kind)
{
    struct fx f;
    if (!fx_up(&f, kind))
        return fx_end(&f);
    e1000m_set_link(f.m, false, 0);
    fx_pump(&f);
    CHECK(!f.nd->link_up);
    CHECK_EQ(host.link_events, 1);
    CHECK(!host.link[0].up);
    e1000m_set_link(f.m, true, 100);
    fx_pump(&f);
    CHECK(f.nd->link_up);
    CHECK_EQ(f.nd->speed_mbps, 100);
    CHECK_EQ(host.link_events, 2);
    CHECK(host.link[1].up);
    CHECK_EQ(host.link[1].speed_mbps, 100);
    fx_end(&f);
}

TEST(link_down_up_82540em) { link_change(E1000M_82540EM); }
TEST(link_down_up_82574l) { link_change(E1000M_82574L); }

/* The link goes down and up while frames flow both ways: what the device
 * took while up arrives in order, the driver reports every change, and
 * traffic resumes. */
TEST(link_flap_mid_transfer)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    uint8_t fr[128];
    unsigned sent_rx = 0, sent_tx = 0, refused = 0;
    for (unsigned i = 0; i < 200; i++) {
        if (i % 25 == 10)
            e1000m_set_link(f.m, false, 0);
        if (i % 25 == 15)
            e1000m_set_link(f.m, true, 1000);
        fx_frame(fr, sizeof fr, sent_rx);
        if (e1000m_rx_inject(f.m, fr, sizeof fr, NULL) == 0)
            sent_rx++;
        else
            refused++;
        fx_frame(fr, 64, 1000 + i);
        if (host_xmit(f.nd, fr, 64) == 0)
            sent_tx++;
        if (i % 3 == 0)
            fx_pump(&f);
    }
    fx_pump(&f);
    CHECK_EQ(refused, 8 * 5);
    CHECK_EQ(host.rx_count, sent_rx);
    for (unsigned i = 0; i < host.rx_count && i < HOST_RX_KEEP; i++) {
        uint8_t want[128];
        fx_frame(want, sizeof want, i);
        if (memcmp(host.rx[i].data, want, sizeof want) != 0) {
            CHECK(!"frame out of order or changed");
            break;
        }
    }
    CHECK_EQ(f.m->tx_count + f.m->tx_lost, sent_tx);
    CHECK_EQ(host.link_events, 16);
    CHECK(f.nd->link_up);
    fx_end(&f);
}

/* ---- Receive (SDM 3.2) ----------------------------------------------------------- */

static bool rx_in_order(unsigned first_seq, unsigned n, size_t len)
{
    if (host.rx_count != n)
        return false;
    uint8_t want[2048];
    for (unsigned i = 0; i < n && i < HOST_RX_KEEP; i++) {
        fx_frame(want, len, first_seq + i);
        if (host.rx[i].len != len || memcmp(host.rx[i].data, want, len) != 0)
            return false;
    }
    return true;
}

TEST(rx_frames_in_order)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82540EM))
        return fx_end(&f);
    uint8_t fr[1514];
    for (unsigned i = 0; i < 10; i++) {
        fx_frame(fr, 60 + i * 100, i);
        CHECK_EQ(e1000m_rx_inject(f.m, fr, 60 + i * 100, NULL), 0);
        fx_pump(&f);
    }
    CHECK_EQ(host.rx_count, 10);
    for (unsigned i = 0; i < 10; i++) {
        fx_frame(fr, 60 + i * 100, i);
        CHECK_EQ(host.rx[i].len, 60 + i * 100);
        CHECK(memcmp(host.rx[i].data, fr, host.rx[i].len) == 0);
        CHECK_EQ(host.rx[i].csum, 0);   /* not IP: nothing verified */
    }
    CHECK_EQ(f.nd->stats.rx_packets, 10);
    fx_end(&f);
}

/* 700 frames through a 256-descriptor ring: it wraps twice and more. */
TEST(rx_ring_wraps)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    uint8_t fr[100];
    for (unsigned i = 0; i < 700; i++) {
        fx_frame(fr, sizeof fr, i);
        CHECK_EQ(e1000m_rx_inject(f.m, fr, sizeof fr, NULL), 0);
        if (i % 7 == 0)
            fx_pump(&f);
    }
    fx_pump(&f);
    CHECK(rx_in_order(0, 700, sizeof fr));
    struct e1000_test_state st;
    e1000_test_state(f.nd, &st);
    CHECK_EQ(st.rx_next, 700 % 256);
    CHECK_EQ(e1000m_reg(f.m, E1000_RDT), (700 + 255) % 256);
    fx_end(&f);
}

/* A full ring handled in budgets of 64, yielding in between. */
TEST(rx_budget_yields)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82540EM))
        return fx_end(&f);
    uint8_t fr[64];
    for (unsigned i = 0; i < 255; i++) {
        fx_frame(fr, sizeof fr, i);
        CHECK_EQ(e1000m_rx_inject(f.m, fr, sizeof fr, NULL), 0);
    }
    fx_pump(&f);
    CHECK(rx_in_order(0, 255, sizeof fr));
    CHECK(host.yields >= 3);
    fx_end(&f);
}

/* More than the ring holds: the device counts what it missed (MPC) and
 * says so (ICR.RXO); the driver adds it to rx_dropped. */
TEST(rx_overflow_counted)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82540EM))
        return fx_end(&f);
    uint8_t fr[64];
    unsigned ok = 0;
    for (unsigned i = 0; i < 300; i++) {
        fx_frame(fr, sizeof fr, i);
        ok += e1000m_rx_inject(f.m, fr, sizeof fr, NULL) == 0;
    }
    CHECK_EQ(ok, 255);
    fx_pump(&f);
    CHECK(rx_in_order(0, 255, sizeof fr));
    CHECK_EQ(f.nd->stats.rx_dropped, 45);
    fx_frame(fr, sizeof fr, 9999);      /* and the ring works again */
    CHECK_EQ(e1000m_rx_inject(f.m, fr, sizeof fr, NULL), 0);
    fx_pump(&f);
    CHECK_EQ(host.rx_count, 256);
    fx_end(&f);
}

/* A frame longer than one 2 KiB buffer spans descriptors: dropped whole,
 * counted once, and the next frame is delivered. */
TEST(rx_multi_descriptor_dropped)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    static uint8_t big[5000];
    fx_frame(big, sizeof big, 1);
    CHECK_EQ(e1000m_rx_inject(f.m, big, sizeof big, NULL), 0);
    uint8_t fr[60];
    fx_frame(fr, sizeof fr, 2);
    CHECK_EQ(e1000m_rx_inject(f.m, fr, sizeof fr, NULL), 0);
    fx_pump(&f);
    CHECK_EQ(host.rx_count, 1);
    CHECK_EQ(host.rx[0].len, 60);
    CHECK(memcmp(host.rx[0].data, fr, 60) == 0);
    CHECK_EQ(f.nd->stats.rx_dropped, 1);
    struct e1000_test_state st;
    e1000_test_state(f.nd, &st);
    CHECK_EQ(st.rx_fragments, 1);
    CHECK_EQ(st.rx_next, 4);            /* 3 pieces + 1 */
    fx_end(&f);
}

/* RXCSUM verdicts (SDM 3.2, receive descriptor status and errors): good IPv4+TCP and
 * IPv4+UDP go up marked verified; a bad IP or L4 checksum is dropped and
 * counted; a frame the device did not check (IXSM) goes up unmarked. */
static void rx_csum(enum e1000m_kind kind)
{
    struct fx f;
    if (!fx_up(&f, kind))
        return fx_end(&f);
    uint8_t fr[600];
    size_t n = fx_ip_frame(fr, 20, 6, 200, 1);
    CHECK_EQ(e1000m_rx_inject(f.m, fr, n, NULL), 0);
    n = fx_ip_frame(fr, 20, 17, 100, 2);
    CHECK_EQ(e1000m_rx_inject(f.m, fr, n, NULL), 0);
    n = fx_ip_frame(fr, 20, 6, 50, 3);
    fr[14 + 11] ^= 0x55;                /* IP header checksum wrong */
    CHECK_EQ(e1000m_rx_inject(f.m, fr, n, NULL), 0);
    n = fx_ip_frame(fr, 24, 6, 50, 4);
    fr[n - 1] ^= 0x01;                  /* TCP payload changed: TCP checksum wrong */
    CHECK_EQ(e1000m_rx_inject(f.m, fr, n, NULL), 0);
    n = fx_ip_frame(fr, 20, 6, 10, 5);
    struct e1000m_rx_opts o = { .set_status = true,
                                .status = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP |
                                          E1000_RXD_STAT_IXSM };
    CHECK_EQ(e1000m_rx_inject(f.m, fr, n, &o), 0);
    fx_pump(&f);
    CHECK_EQ(host.rx_count, 3);
    CHECK_EQ(host.rx[0].csum, NETDEV_RX_CSUM_IP_OK | NETDEV_RX_CSUM_L4_OK);
    CHECK_EQ(host.rx[1].csum, NETDEV_RX_CSUM_IP_OK | NETDEV_RX_CSUM_L4_OK);
    CHECK_EQ(host.rx[2].csum, 0);
    CHECK_EQ(f.nd->stats.rx_csum_bad, 2);
    CHECK_EQ(f.nd->stats.rx_csum_ok, 2);
    fx_end(&f);
}

TEST(rx_csum_verdicts_82540em) { rx_csum(E1000M_82540EM); }
TEST(rx_csum_verdicts_82574l) { rx_csum(E1000M_82574L); }
