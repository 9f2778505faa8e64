/* Hosted tests of net/e1000.c against a device that misbehaves: it sets
 * DD where it owns nothing, reports impossible lengths and garbage status
 * bits, storms interrupts, flaps the link, or never finishes its reset.
 * STYLE 8: nothing the device sends may be trusted or asserted on. What
 * must hold: no memory outside the driver's buffers is touched (ASan, and
 * the backend's DMA bounds), nothing impossible reaches the stack, the
 * driver's work per interrupt stays bounded, a failed probe leaves nothing
 * allocated, and the driver recovers once the device behaves. */
#include "tests/unit/test.h"
#include "tests/devsim/e1000_fixture.h"
#include "net/e1000_reg.h"
#include "net/e1000_test.h"
#include "net/netdev.h"
#include "kernel/errno.h"

#define DD_EOP (E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP)

static unsigned rx_next(struct fx *f)
{
    struct e1000_test_state st;
    e1000_test_state(f->nd, &st);
    return st.rx_next;
}

/* Delivers a good frame and checks it arrives (the driver recovered). */
static void check_recovers(struct fx *f, unsigned seq)
{
    uint8_t fr[80], want[80];
    fx_frame(fr, sizeof fr, seq);
    memcpy(want, fr, sizeof fr);
    unsigned before = host.rx_count;
    CHECK_EQ(e1000m_rx_inject(f->m, fr, sizeof fr, NULL), 0);
    fx_pump(f);
    CHECK_EQ(host.rx_count, before + 1);
    if (host.rx_count == before + 1 && before < HOST_RX_KEEP)
        CHECK(memcmp(host.rx[before].data, want, sizeof want) == 0);
}

/* ---- Probe failures: nothing leaks (fx_end checks heap and DMA) ----------- */

TEST(hostile_reset_never_clears)
{
    struct fx f;
    fx_model(&f, E1000M_82574L);
    f.m->faults.reset_stuck = true;
    CHECK_EQ(fx_probe(&f), -ETIMEDOUT);
    CHECK(host_log_has("e1000: 00:02.0: reset did not complete"));
    CHECK_EQ(host.heap_live, 0);
    CHECK_EQ(devhost_dma_live(), 0);
    CHECK_EQ(host.threads, 0);
    CHECK(f.m->dev.irq_fn == NULL);
    CHECK(f.m->dev.pci.priv == NULL);
    fx_end(&f);
}

TEST(hostile_eeprom_never_answers)
{
    struct fx f;
    fx_model(&f, E1000M_82540EM);
    f.m->faults.eerd_stuck = true;
    CHECK_EQ(fx_probe(&f), -EIO);
    CHECK(host_log_has("no valid MAC in RAL0 or the EEPROM"));
    CHECK_EQ(host.heap_live, 0);
    fx_end(&f);
}

TEST(hostile_eeprom_multicast_mac)
{
    struct fx f;
    fx_model(&f, E1000M_82574L);
    f.m->eeprom[0] |= 1;                /* group bit: not a station address */
    CHECK_EQ(fx_probe(&f), -EIO);
    fx_end(&f);
}

/* Each of the four DMA allocations failing in turn, and memory only above
 * 4 GiB: -ENOMEM, and what was allocated is freed. */
TEST(probe_dma_failures_leak_nothing)
{
    for (int k = 1; k <= 4; k++) {
        struct fx f;
        fx_model(&f, E1000M_82540EM);
        devhost_dma_fail_at(k);
        CHECK_EQ(fx_probe(&f), -ENOMEM);
        CHECK_EQ(devhost_dma_live(), 0);
        fx_end(&f);
    }
    struct fx f;
    fx_model(&f, E1000M_82540EM);
    devhost_dma_set_base(0xFFFF0000ull);
    CHECK_EQ(fx_probe(&f), -ENOMEM);
    fx_end(&f);
}

/* No thread: the device is silenced (no interrupts, no DMA) and the state
 * is kept, because a vector may point at it. */
TEST(probe_no_thread_silences_device)
{
    struct fx f;
    fx_model(&f, E1000M_82574L);
    host.fail_thread_create = true;
    CHECK_EQ(fx_probe(&f), -ENOMEM);
    CHECK_EQ(f.m->ims, 0);
    CHECK_EQ(e1000m_reg(f.m, E1000_RCTL), 0);
    CHECK_EQ(e1000m_reg(f.m, E1000_TCTL), 0);
    CHECK_EQ(host.netdevs, 0);
    fx_end(&f);                         /* releases the kept state */
}

/* ---- Receive descriptors the device lies about ------------------------------ */

/* DD on the descriptor the driver holds back (RDT, never given) and on
 * one the device owns but has not reached: nothing is delivered before the
 * device really completes the descriptors in front, and nothing past them. */
TEST(hostile_dd_beyond_tail)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82540EM))
        return fx_end(&f);
    unsigned rdt = e1000m_reg(f.m, E1000_RDT);
    e1000m_rx_scribble(f.m, rdt, DD_EOP, 0, 60);
    e1000m_rx_scribble(f.m, 3, DD_EOP, 0, 60);
    e1000m_cause(f.m, E1000_ICR_RXT0);
    fx_pump(&f);
    CHECK_EQ(host.rx_count, 0);
    CHECK_EQ(rx_next(&f), 0);
    CHECK_EQ(e1000m_reg(f.m, E1000_RDT), rdt);
    check_recovers(&f, 1);              /* lands in descriptor 0 */
    CHECK_EQ(rx_next(&f), 1);
    fx_end(&f);
}

/* Lengths the buffer cannot hold, zero, shorter than a header: errors,
 * never a copy size. The ring moves on. */
TEST(hostile_rx_lengths)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    static const uint16_t lens[] = { 0, 1, 13, 2049, 4000, 0xFFFF };
    uint8_t fr[60];
    fx_frame(fr, sizeof fr, 0);
    for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        struct e1000m_rx_opts o = { .set_len = true, .len = lens[i] };
        CHECK_EQ(e1000m_rx_inject(f.m, fr, sizeof fr, &o), 0);
    }
    /* A length up to the buffer size is believed: the bytes are the
     * driver's own buffer, never beyond it. */
    struct e1000m_rx_opts o = { .set_len = true, .len = 2048 };
    CHECK_EQ(e1000m_rx_inject(f.m, fr, sizeof fr, &o), 0);
    fx_pump(&f);
    CHECK_EQ(f.nd->stats.rx_errors, 6);
    CHECK_EQ(host.rx_count, 1);
    CHECK_EQ(host.rx[0].len, 2048);
    CHECK_EQ(rx_next(&f), 7);
    check_recovers(&f, 1);
    fx_end(&f);
}

/* Every status byte with DD, with every error bit pattern of a few kinds:
 * each consumed descriptor is accounted for exactly once, nothing with a
 * flagged frame error or a bad verified checksum is delivered. */
TEST(hostile_status_garbage)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82540EM))
        return fx_end(&f);
    static const uint8_t errs[] = { 0x00, 0xFF, E1000_RXD_ERR_IPE, E1000_RXD_ERR_TCPE,
                                    E1000_RXD_ERR_CE, 0x08 };
    uint8_t fr[64];
    unsigned injected = 0;
    for (unsigned s = 0; s < 256; s++) {
        for (unsigned e = 0; e < sizeof errs; e++) {
            fx_frame(fr, sizeof fr, injected);
            struct e1000m_rx_opts o = { .set_status = true, .status = (uint8_t)(s | 1),
                                        .errors = errs[e] };
            if (e1000m_rx_inject(f.m, fr, sizeof fr, &o) != 0) {
                fx_pump(&f);
                CHECK_EQ(e1000m_rx_inject(f.m, fr, sizeof fr, &o), 0);
            }
            injected++;
        }
        fx_pump(&f);
    }
    const struct netdev_stats *st = &f.nd->stats;
    struct e1000_test_state ts;
    e1000_test_state(f.nd, &ts);
    CHECK_EQ(ts.rx_next, injected % 256);
    for (unsigned i = 0; i < host.rx_count && i < HOST_RX_KEEP; i++)
        CHECK_EQ(host.rx[i].len, sizeof fr);
    /* Frames with EOP: delivered, errors or bad checksums; those without
     * start (or continue) a dropped multi-descriptor frame. */
    CHECK(st->rx_packets + st->rx_errors + st->rx_csum_bad <= injected);
    CHECK(st->rx_packets > 0 && st->rx_errors > 0 && st->rx_csum_bad > 0 && ts.rx_fragments > 0);
    check_recovers(&f, 5000);           /* the last garbage had EOP: no frame pending */
    fx_end(&f);
}

/* The device sets DD on transmit descriptors nobody queued (the whole
 * front of the ring): reclaim only walks what the driver queued, so the
 * ring's bookkeeping is unchanged. */
TEST(hostile_tx_dd_not_queued)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82540EM))
        return fx_end(&f);
    uint64_t base = e1000m_reg(f.m, E1000_TDBAL);
    for (unsigned i = 0; i < 20; i++) {
        uint8_t *d = devhost_dma_peek(base + i * 16, 16);
        REQUIRE(d != NULL);
        d[12] = E1000_TXD_STAT_DD;
    }
    e1000m_cause(f.m, E1000_ICR_TXDW);
    fx_pump(&f);
    struct e1000_test_state st;
    e1000_test_state(f.nd, &st);
    CHECK_EQ(st.tx_clean, 0);
    CHECK_EQ(st.tx_tail, 0);
    uint8_t fr[60];
    fx_frame(fr, sizeof fr, 1);
    CHECK_EQ(host_xmit(f.nd, fr, sizeof fr), 0);
    CHECK_EQ(f.m->tx_count, 1);
    fx_end(&f);
}

/* ---- Interrupts and link ---------------------------------------------------------- */

/* ICR never clears on an INTx line: the line stays asserted, every
 * delivery runs the handler and one bounded pass of the thread; frames
 * still get through. */
TEST(hostile_icr_storm_intx)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82540EM))
        return fx_end(&f);
    f.m->faults.icr_sticky = true;
    e1000m_cause(f.m, 0xFFFFFFFF);
    unsigned busy = fx_pump_n(&f, 500);
    CHECK_EQ(busy, 500);                /* the storm does not stop by itself */
    struct e1000_test_state st;
    e1000_test_state(f.nd, &st);
    CHECK(st.irqs >= 500);
    CHECK_EQ(host.link_events, 0);      /* STATUS re-read, nothing changed */
    uint8_t fr[80];
    fx_frame(fr, sizeof fr, 1);
    CHECK_EQ(e1000m_rx_inject(f.m, fr, sizeof fr, NULL), 0);
    fx_pump_n(&f, 5);
    CHECK_EQ(host.rx_count, 1);
    f.m->faults.icr_sticky = false;
    fx_pump(&f);
    check_recovers(&f, 2);
    fx_end(&f);
}

/* ICS with every cause, many times, with MSI-X: each interrupt is handled,
 * ICR is acknowledged by writing it back (82574 datasheet 7.4), and
 * nothing else happens. */
TEST(hostile_ics_storm_msix)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    for (unsigned i = 0; i < 300; i++) {
        e1000m_cause(f.m, 0xFFFFFFFF);
        fx_pump(&f);
        CHECK_EQ(f.m->icr, 0);
    }
    struct e1000_test_state st;
    e1000_test_state(f.nd, &st);
    CHECK_EQ(st.irqs, 300);
    CHECK_EQ(host.rx_count, 0);
    CHECK_EQ(host.link_events, 0);
    check_recovers(&f, 1);
    fx_end(&f);
}

/* A shared INTx line fires for another device: ICR reads 0, the handler
 * counts it and schedules nothing. */
TEST(hostile_empty_interrupts)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82540EM))
        return fx_end(&f);
    for (unsigned i = 0; i < 10; i++)
        f.m->dev.irq_fn(f.m->dev.irq_arg);
    struct e1000_test_state st;
    e1000_test_state(f.nd, &st);
    CHECK_EQ(st.irqs_empty, 10);
    CHECK(!e1000_test_service(f.nd));
    fx_end(&f);
}

/* The link flaps faster than the thread runs: the driver reports what
 * STATUS says when it looks, ends in the device's final state, and never
 * reports a change that did not happen. */
TEST(hostile_link_flapping)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    for (unsigned i = 0; i < 100; i++)
        e1000m_set_link(f.m, i % 2 == 1, 1000);
    fx_pump(&f);
    CHECK(f.nd->link_up);
    CHECK_EQ(host.link_events, 0);      /* up before, up now: no change seen */
    for (unsigned i = 0; i < 50; i++) {
        e1000m_set_link(f.m, i % 2 == 1, i % 3 == 0 ? 100 : 1000);
        fx_pump(&f);
    }
    CHECK_EQ(host.link_events, 50);
    CHECK(f.nd->link_up);
    CHECK_EQ(f.nd->speed_mbps, 1000);
    for (unsigned i = 1; i < host.link_events && i < HOST_LINK_KEEP; i++)
        CHECK(host.link[i].up != host.link[i - 1].up);
    check_recovers(&f, 1);
    fx_end(&f);
}
