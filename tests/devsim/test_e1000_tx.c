/* Hosted tests of net/e1000.c's transmit path against the model (SDM 3.3):
 * frames come out byte-identical and in order, the ring fills (-EBUSY) and
 * recovers, and checksum offload (SDM 3.3.5-3.3.6: one TCP/IP context
 * descriptor, then data descriptors with POPTS) puts correct checksums on
 * the wire, checked with sums computed here, not by driver or model. */
#include "tests/unit/test.h"
#include "tests/devsim/e1000_fixture.h"
#include "net/e1000_reg.h"
#include "net/e1000_test.h"
#include "net/netdev.h"
#include "kernel/errno.h"

static int xmit(struct fx *f, const void *frame, size_t len)
{
    return host_xmit(f->nd, frame, len);
}

TEST(tx_frames_byte_identical)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82540EM))
        return fx_end(&f);
    uint8_t fr[2048];
    for (unsigned i = 0; i < 300; i++) {
        size_t len = 14 + (i * 37) % 1500;
        fx_frame(fr, len, i);
        CHECK_EQ(xmit(&f, fr, len), 0);
        if (i % 50 == 0)
            fx_pump(&f);
    }
    fx_pump(&f);
    REQUIRE(f.m->tx_count == 300);
    for (unsigned i = 0; i < 300; i++) {
        size_t len = 14 + (i * 37) % 1500;
        fx_frame(fr, len, i);
        if (f.m->tx[i].len != len || memcmp(f.m->tx[i].data, fr, len) != 0) {
            CHECK(!"transmitted frame differs");
            break;
        }
    }
    CHECK_EQ(f.nd->stats.tx_packets, 300);
    CHECK_EQ(f.nd->stats.tx_csum, 0);
    CHECK_EQ(f.m->tx_ctx_descs, 0);     /* not IP: no context needed */
    fx_end(&f);
}

TEST(tx_bad_lengths_refused)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    static uint8_t fr[4096];
    fx_frame(fr, sizeof fr, 0);
    CHECK_EQ(xmit(&f, fr, 13), -EINVAL);
    CHECK_EQ(xmit(&f, fr, 2049), -EINVAL);
    CHECK_EQ(f.nd->stats.tx_dropped, 2);
    CHECK_EQ(f.m->tx_count, 0);
    CHECK_EQ(xmit(&f, fr, 2048), 0);    /* the buffer's size is allowed */
    REQUIRE(f.m->tx_count == 1);
    CHECK_EQ(f.m->tx[0].len, 2048);
    CHECK(memcmp(f.m->tx[0].data, fr, 2048) == 0);
    fx_end(&f);
}

/* The device stops taking frames (tx_hold): 127 fit in 128 descriptors,
 * then -EBUSY without touching the ring; once the device catches up the
 * driver reclaims and sends again, and everything comes out in order. */
TEST(tx_ring_full_then_recovers)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82540EM))
        return fx_end(&f);
    f.m->faults.tx_hold = true;
    uint8_t fr[200];
    unsigned n = 0;
    while (n < 200) {
        fx_frame(fr, sizeof fr, n);
        int r = xmit(&f, fr, sizeof fr);
        if (r != 0) {
            CHECK_EQ(r, -EBUSY);
            break;
        }
        n++;
    }
    CHECK_EQ(n, 127);
    struct e1000_test_state st;
    e1000_test_state(f.nd, &st);
    CHECK_EQ(st.tx_tail, 127);
    CHECK_EQ(e1000m_reg(f.m, E1000_TDT), 127);
    CHECK_EQ(e1000m_tx_run(f.m, 10), 10);
    fx_pump(&f);                        /* TXDW: the thread reclaims */
    for (unsigned k = 0; k < 10; k++) {
        fx_frame(fr, sizeof fr, n);
        CHECK_EQ(xmit(&f, fr, sizeof fr), 0);
        n++;
    }
    fx_frame(fr, sizeof fr, n);
    CHECK_EQ(xmit(&f, fr, sizeof fr), -EBUSY);
    f.m->faults.tx_hold = false;
    e1000m_tx_run(f.m, 0);
    fx_pump(&f);
    CHECK_EQ(f.m->tx_count, n);
    for (unsigned i = 0; i < f.m->tx_count; i++) {
        fx_frame(fr, sizeof fr, i);
        if (memcmp(f.m->tx[i].data, fr, sizeof fr) != 0) {
            CHECK(!"frame out of order");
            break;
        }
    }
    fx_end(&f);
}

/* A checksummed frame needs a context descriptor first when none is
 * loaded: with one free slot the driver must refuse (-EBUSY) and leave the
 * ring as it was. */
TEST(tx_context_needs_two_slots)
{
    struct fx f;
    if (!fx_up(&f, E1000M_82574L))
        return fx_end(&f);
    f.m->faults.tx_hold = true;
    uint8_t fr[200];
    for (unsigned i = 0; i < 126; i++) {
        fx_frame(fr, 60, i);
        CHECK_EQ(xmit(&f, fr, 60), 0);
    }
    size_t n = fx_ip_frame(fr, 20, 6, 40, 1);
    CHECK_EQ(xmit(&f, fr, n), -EBUSY);
    struct e1000_test_state st;
    e1000_test_state(f.nd, &st);
    CHECK_EQ(st.tx_tail, 126);
    CHECK_EQ(st.tx_ctx_hlen, 0);
    fx_frame(fr, 60, 126);              /* a frame without offload still fits */
    CHECK_EQ(xmit(&f, fr, 60), 0);
    f.m->faults.tx_hold = false;
    e1000m_tx_run(f.m, 0);
    fx_pump(&f);
    n = fx_ip_frame(fr, 20, 6, 40, 1);
    CHECK_EQ(xmit(&f, fr, n), 0);
    CHECK_EQ(f.m->tx_count, 128);
    CHECK_EQ(f.m->tx_ctx_descs, 1);
    fx_end(&f);
}

/* Checksum offload, end to end: frames go out with both checksums
 * zeroed or wrong, and arrive on the wire correct. One context serves all
 * TCP frames with 20-byte IP headers; IP options change the header length
 * and need a new one; UDP gets only its IP header checksum inserted. */
static void tx_csum(enum e1000m_kind kind)
{
    struct fx f;
    if (!fx_up(&f, kind))
        return fx_end(&f);
    uint8_t fr[1600];
    for (unsigned i = 0; i < 3; i++) {
        size_t n = fx_ip_frame(fr, 20, 6, 100 + 500 * i, i);
        fr[14 + 10] = fr[14 + 11] = 0xEE;       /* both checksums wrong */
        fr[14 + 20 + 16] ^= 0x5A;
        CHECK_EQ(xmit(&f, fr, n), 0);
    }
    size_t n = fx_ip_frame(fr, 24, 6, 300, 7);  /* IP options: hlen 24 */
    fr[14 + 10] ^= 1;
    CHECK_EQ(xmit(&f, fr, n), 0);
    n = fx_ip_frame(fr, 24, 17, 300, 8);        /* UDP */
    uint16_t udp_sum = (uint16_t)(fr[14 + 24 + 6] << 8 | fr[14 + 24 + 7]);
    fr[14 + 10] = fr[14 + 11] = 0;
    CHECK_EQ(xmit(&f, fr, n), 0);
    fx_pump(&f);
    REQUIRE(f.m->tx_count == 5);
    for (unsigned i = 0; i < 5; i++) {
        const uint8_t *w = f.m->tx[i].data;
        CHECK_EQ(fx_ip_sum(w), 0xFFFF);
        CHECK_EQ(fx_l4_sum(w), 0xFFFF);
    }
    const uint8_t *u = f.m->tx[4].data;
    CHECK_EQ((uint16_t)(u[14 + 24 + 6] << 8 | u[14 + 24 + 7]), udp_sum);  /* untouched */
    CHECK_EQ(f.m->tx_ctx_descs, 2);
    CHECK_EQ(f.m->tx_bad_ctx, 0);
    struct e1000_test_state st;
    e1000_test_state(f.nd, &st);
    CHECK_EQ(st.tx_ctx_hlen, 24);
    CHECK_EQ(f.nd->stats.tx_csum, 5);
    fx_end(&f);
}

TEST(tx_csum_offload_82540em) { tx_csum(E1000M_82540EM); }
TEST(tx_csum_offload_82574l) { tx_csum(E1000M_82574L); }
