/* Host tests for the e1000 driver's pure logic (net/e1000_ring.h: ring
 * arithmetic, receive descriptor validation, link speed, MAC validity)
 * and for the DHCP probe frames of selftest=net (tests/selftest/dhcp_probe.c).
 * Untrusted input (descriptor fields, received frames) is fed at every
 * truncation into exactly sized heap buffers, so ASan catches any read
 * past the end. Checksum offload: the receive verdicts, and the transmit
 * preparation checked by playing the device (SDM 3.3.5-3.3.6: sum the
 * context's ranges as they are, store the complement) and verifying the
 * result independently with RFC 1071 sums. */
#include "test.h"
#include "kernel/errno.h"
#include "tests/selftest/dhcp_probe.h"
#include "net/e1000_reg.h"
#include "net/e1000_ring.h"

static const uint8_t test_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

TEST(ring_next_wraps)
{
    CHECK_EQ(e1000_ring_next(0, 8), 1);
    CHECK_EQ(e1000_ring_next(6, 8), 7);
    CHECK_EQ(e1000_ring_next(7, 8), 0);
}

TEST(ring_used_and_free)
{
    /* Empty: one slot always stays unused. */
    CHECK_EQ(e1000_ring_used(0, 0, 8), 0);
    CHECK_EQ(e1000_ring_free(0, 0, 8), 7);
    CHECK_EQ(e1000_ring_free(5, 5, 8), 7);
    /* Wrapped. */
    CHECK_EQ(e1000_ring_used(6, 2, 8), 4);
    CHECK_EQ(e1000_ring_free(6, 2, 8), 3);
    /* Full: tail one behind clean. */
    CHECK_EQ(e1000_ring_free(3, 2, 8), 0);
    CHECK_EQ(e1000_ring_free(0, 7, 8), 0);
    /* Exhaustive: filling from any start gives exactly n - 1 slots. */
    for (unsigned clean = 0; clean < 16; clean++) {
        unsigned tail = clean, filled = 0;
        while (e1000_ring_free(clean, tail, 16) > 0) {
            tail = e1000_ring_next(tail, 16);
            filled++;
            REQUIRE(filled < 16);
        }
        CHECK_EQ(filled, 15);
        CHECK_EQ(e1000_ring_used(clean, tail, 16), 15);
    }
}

TEST(rx_good_frame)
{
    bool frag = false, first;
    CHECK_EQ(e1000_rx_classify(E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0, 60, 2048, &frag, &first),
             E1000_RX_DELIVER);
    CHECK(!frag);
    CHECK_EQ(e1000_rx_classify(E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0, 2048, 2048, &frag,
                               &first),
             E1000_RX_DELIVER);
    /* Checksum error bits are judged apart (e1000_rx_csum). */
    CHECK_EQ(e1000_rx_classify(E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, E1000_RXD_ERR_TCPE, 60,
                               2048, &frag, &first),
             E1000_RX_DELIVER);
}

TEST(rx_untrusted_lengths_and_errors)
{
    bool frag = false, first;
    uint8_t st = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP;
    CHECK_EQ(e1000_rx_classify(st, 0, 0, 2048, &frag, &first), E1000_RX_ERROR);
    CHECK_EQ(e1000_rx_classify(st, 0, 13, 2048, &frag, &first), E1000_RX_ERROR);
    CHECK_EQ(e1000_rx_classify(st, 0, 2049, 2048, &frag, &first), E1000_RX_ERROR);
    CHECK_EQ(e1000_rx_classify(st, 0, 0xFFFF, 2048, &frag, &first), E1000_RX_ERROR);
    CHECK_EQ(e1000_rx_classify(st, E1000_RXD_ERR_CE, 60, 2048, &frag, &first), E1000_RX_ERROR);
    CHECK_EQ(e1000_rx_classify(st, E1000_RXD_ERR_RXE, 60, 2048, &frag, &first), E1000_RX_ERROR);
    CHECK(!frag);
}

TEST(rx_multi_descriptor_frame_dropped_once)
{
    bool frag = false, first;
    uint8_t mid = E1000_RXD_STAT_DD, end = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP;
    CHECK_EQ(e1000_rx_classify(mid, 0, 2048, 2048, &frag, &first), E1000_RX_FRAGMENT);
    CHECK(frag);
    CHECK(first);
    CHECK_EQ(e1000_rx_classify(mid, 0, 2048, 2048, &frag, &first), E1000_RX_FRAGMENT);
    CHECK(!first);
    /* The last piece, even with a valid length, is part of the dropped frame. */
    CHECK_EQ(e1000_rx_classify(end, 0, 100, 2048, &frag, &first), E1000_RX_FRAGMENT);
    CHECK(!first);
    CHECK(!frag);
    /* The next frame is delivered normally. */
    CHECK_EQ(e1000_rx_classify(end, 0, 100, 2048, &frag, &first), E1000_RX_DELIVER);
}

TEST(status_speed_and_mac)
{
    CHECK_EQ(e1000_status_speed(0), 10);
    CHECK_EQ(e1000_status_speed(1u << 6), 100);
    CHECK_EQ(e1000_status_speed(2u << 6), 1000);
    CHECK_EQ(e1000_status_speed(3u << 6 | E1000_STATUS_LU), 1000);
    CHECK(e1000_mac_valid(test_mac));
    uint8_t zero[6] = { 0 }, ones[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    uint8_t mcast[6] = { 0x01, 0x00, 0x5E, 0x00, 0x00, 0x01 };
    CHECK(!e1000_mac_valid(zero));
    CHECK(!e1000_mac_valid(ones));
    CHECK(!e1000_mac_valid(mcast));
}

TEST(inet_checksum_rfc1071)
{
    /* RFC 1071 3: the example words sum to 0xddf2 (one's complement). */
    const uint8_t words[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    CHECK_EQ(inet_checksum(words, sizeof words), (uint16_t)~0xddf2);
    /* Odd length pads with a zero byte. */
    const uint8_t odd[] = { 0x12, 0x34, 0x56 };
    CHECK_EQ(inet_checksum(odd, 3), (uint16_t)~(0x1234 + 0x5600));
    /* A well-known IPv4 header (Wikipedia's example): checksum 0xb861. */
    uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                       0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
    CHECK_EQ(inet_checksum(ip, 20), 0xb861);
    ip[10] = 0xb8, ip[11] = 0x61;
    CHECK_EQ(inet_checksum(ip, 20), 0);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }

TEST(discover_frame)
{
    uint8_t f[DHCP_PROBE_FRAME_LEN + 10];
    CHECK_EQ(dhcp_build_discover(f, DHCP_PROBE_FRAME_LEN - 1, test_mac, 1), 0);
    size_t n = dhcp_build_discover(f, sizeof f, test_mac, 0x12345678);
    REQUIRE(n == DHCP_PROBE_FRAME_LEN);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(f[i], 0xFF);
    CHECK(memcmp(f + 6, test_mac, 6) == 0);
    CHECK_EQ(be16(f + 12), 0x0800);
    const uint8_t *ip = f + DHCP_IP_OFF;
    CHECK_EQ(ip[0], 0x45);
    CHECK_EQ(be16(ip + 2), 576);            /* the DHCP minimum datagram */
    CHECK_EQ(ip[9], 17);
    CHECK_EQ(be32(ip + 12), 0);
    CHECK_EQ(be32(ip + 16), 0xFFFFFFFFu);
    CHECK_EQ(inet_checksum(ip, 20), 0);     /* the header checksum is right */
    const uint8_t *udp = f + DHCP_UDP_OFF;
    CHECK_EQ(be16(udp), 68);
    CHECK_EQ(be16(udp + 2), 67);
    CHECK_EQ(be16(udp + 4), 556);
    const uint8_t *b = f + DHCP_BOOTP_OFF;
    CHECK_EQ(b[BOOTP_OP], 1);
    CHECK_EQ(b[BOOTP_HTYPE], 1);
    CHECK_EQ(b[BOOTP_HLEN], 6);
    CHECK_EQ(be32(b + BOOTP_XID), 0x12345678);
    CHECK_EQ(be16(b + BOOTP_FLAGS), 0x8000);
    CHECK(memcmp(b + BOOTP_CHADDR, test_mac, 6) == 0);
    CHECK_EQ(be32(b + BOOTP_FIXED_LEN), BOOTP_MAGIC);
    const uint8_t *o = b + BOOTP_FIXED_LEN + 4;
    CHECK_EQ(o[0], DHCP_OPT_MSG_TYPE);
    CHECK_EQ(o[1], 1);
    CHECK_EQ(o[2], DHCP_DISCOVER);
}

/* An offer as QEMU's slirp sends it: built from a discover, turned into a
 * reply 10.0.2.2:67 -> broadcast:68 offering 10.0.2.15. */
static size_t make_offer(uint8_t *f, uint32_t xid, uint8_t msg_type)
{
    size_t n = dhcp_build_discover(f, DHCP_PROBE_FRAME_LEN, test_mac, xid);
    uint8_t *ip = f + DHCP_IP_OFF, *udp = f + DHCP_UDP_OFF, *b = f + DHCP_BOOTP_OFF;
    ip[12] = 10, ip[13] = 0, ip[14] = 2, ip[15] = 2;
    udp[0] = 0, udp[1] = 67, udp[2] = 0, udp[3] = 68;
    b[BOOTP_OP] = BOOTP_OP_REPLY;
    const uint8_t yi[4] = { 10, 0, 2, 15 };
    memcpy(b + BOOTP_YIADDR, yi, 4);
    uint8_t *o = b + BOOTP_FIXED_LEN + 4;
    uint8_t opts[] = { DHCP_OPT_MSG_TYPE, 1, msg_type, DHCP_OPT_PAD, DHCP_OPT_SERVER_ID, 4,
                       10, 0, 2, 2, DHCP_OPT_END };
    memset(o, 0, 20);
    memcpy(o, opts, sizeof opts);
    ip[10] = ip[11] = 0;
    uint16_t c = inet_checksum(ip, 20);
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    return n;
}

TEST(offer_parsed)
{
    uint8_t f[DHCP_PROBE_FRAME_LEN];
    size_t n = make_offer(f, 0xabcdef01, DHCP_OFFER);
    struct dhcp_offer off = { 0 };
    CHECK_EQ(dhcp_parse_offer(f, n, 0xabcdef01, &off), 0);
    CHECK_EQ(off.yiaddr, 0x0a00020f);
    CHECK_EQ(off.server_id, 0x0a000202);
    char s[16];
    dhcp_format_ip(off.yiaddr, s, sizeof s);
    CHECK_STR(s, "10.0.2.15");
}

TEST(offer_rejections)
{
    uint8_t f[DHCP_PROBE_FRAME_LEN];
    struct dhcp_offer off;
    size_t n = make_offer(f, 7, DHCP_OFFER);
    CHECK_EQ(dhcp_parse_offer(f, n, 8, &off), -ENOENT);            /* other xid */
    make_offer(f, 7, 5);
    CHECK_EQ(dhcp_parse_offer(f, n, 7, &off), -ENOENT);            /* an ACK, not an offer */
    /* Our own discover (a broadcast echoes back on some networks). */
    n = dhcp_build_discover(f, sizeof f, test_mac, 7);
    CHECK_EQ(dhcp_parse_offer(f, n, 7, &off), -ENOENT);
    /* Bad IPv4 header checksum. */
    make_offer(f, 7, DHCP_OFFER);
    f[DHCP_IP_OFF + 10] ^= 1;
    CHECK_EQ(dhcp_parse_offer(f, n, 7, &off), -EINVAL);
    /* IP total length beyond the frame. */
    make_offer(f, 7, DHCP_OFFER);
    CHECK_EQ(dhcp_parse_offer(f, n - 1, 7, &off), -EINVAL);
    /* UDP length beyond the IP datagram. */
    make_offer(f, 7, DHCP_OFFER);
    f[DHCP_UDP_OFF + 4] = 0x03;
    CHECK_EQ(dhcp_parse_offer(f, n, 7, &off), -EINVAL);
    /* An option whose length runs past the end of the message. */
    make_offer(f, 7, DHCP_OFFER);
    uint8_t *o = f + DHCP_BOOTP_OFF + BOOTP_FIXED_LEN + 4;
    memset(o, DHCP_OPT_PAD, n - (size_t)(o - f));
    o[n - (size_t)(o - f) - 2] = DHCP_OPT_SERVER_ID;
    o[n - (size_t)(o - f) - 1] = 200;
    CHECK_EQ(dhcp_parse_offer(f, n, 7, &off), -EINVAL);
    /* A fragment. */
    make_offer(f, 7, DHCP_OFFER);
    f[DHCP_IP_OFF + 6] = 0x20;  /* MF */
    f[DHCP_IP_OFF + 10] = f[DHCP_IP_OFF + 11] = 0;
    uint16_t c = inet_checksum(f + DHCP_IP_OFF, 20);
    f[DHCP_IP_OFF + 10] = (uint8_t)(c >> 8), f[DHCP_IP_OFF + 11] = (uint8_t)c;
    CHECK_EQ(dhcp_parse_offer(f, n, 7, &off), -ENOENT);
}

/* Every truncation of a valid offer, in an exactly sized buffer: never a
 * success, never a read past the end (ASan). */
TEST(offer_truncations_in_bounds)
{
    uint8_t f[DHCP_PROBE_FRAME_LEN];
    size_t n = make_offer(f, 99, DHCP_OFFER);
    struct dhcp_offer off;
    for (size_t len = 0; len < n; len++) {
        uint8_t *p = malloc(len ? len : 1);
        REQUIRE(p);
        memcpy(p, f, len);
        CHECK(dhcp_parse_offer(p, len, 99, &off) != 0);
        free(p);
    }
    uint8_t *p = malloc(n);
    REQUIRE(p);
    memcpy(p, f, n);
    CHECK_EQ(dhcp_parse_offer(p, n, 99, &off), 0);
    /* Random option bytes: any verdict, but in bounds. */
    srand(1);
    for (int round = 0; round < 2000; round++) {
        memcpy(p, f, n);
        for (size_t i = DHCP_BOOTP_OFF + BOOTP_FIXED_LEN + 4; i < n; i++)
            p[i] = (uint8_t)rand();
        (void)dhcp_parse_offer(p, n, 99, &off);
    }
    free(p);
}

TEST(rx_csum_verdicts)
{
    uint8_t dd = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP;
    /* Not checked at all (QEMU's 82540EM): nothing verified, nothing bad. */
    CHECK_EQ(e1000_rx_csum(dd | E1000_RXD_STAT_IXSM, E1000_RXD_ERR_TCPE | E1000_RXD_ERR_IPE), 0);
    CHECK_EQ(e1000_rx_csum(dd, 0), 0);
    CHECK_EQ(e1000_rx_csum(dd | E1000_RXD_STAT_IPCS, 0), E1000_CSUM_IP_OK);
    CHECK_EQ(e1000_rx_csum(dd | E1000_RXD_STAT_IPCS | E1000_RXD_STAT_TCPCS, 0),
             E1000_CSUM_IP_OK | E1000_CSUM_L4_OK);
    CHECK_EQ(e1000_rx_csum(dd | E1000_RXD_STAT_IPCS | E1000_RXD_STAT_UDPCS, 0),
             E1000_CSUM_IP_OK | E1000_CSUM_L4_OK);
    /* A wrong checksum the device computed: bad, whatever else was fine. */
    CHECK_EQ(e1000_rx_csum(dd | E1000_RXD_STAT_IPCS | E1000_RXD_STAT_TCPCS, E1000_RXD_ERR_IPE), E1000_CSUM_BAD);
    CHECK_EQ(e1000_rx_csum(dd | E1000_RXD_STAT_IPCS | E1000_RXD_STAT_TCPCS, E1000_RXD_ERR_TCPE), E1000_CSUM_BAD);
    CHECK_EQ(e1000_rx_csum(dd | E1000_RXD_STAT_UDPCS, E1000_RXD_ERR_TCPE), E1000_CSUM_BAD);
    /* An error bit for a checksum the device did not compute means nothing. */
    CHECK_EQ(e1000_rx_csum(dd | E1000_RXD_STAT_IPCS, E1000_RXD_ERR_TCPE), E1000_CSUM_IP_OK);
    CHECK_EQ(e1000_rx_csum(dd, E1000_RXD_ERR_IPE | E1000_RXD_ERR_TCPE), 0);
}

/* Ethernet + IPv4 (20 bytes) + TCP (20 bytes) + payload, with garbage in
 * both checksum fields. Returns the frame length. */
static size_t make_tcp_frame(uint8_t *f, size_t payload, uint8_t proto, uint16_t frag)
{
    memset(f, 0, 14 + 40 + payload);
    memcpy(f, test_mac, 6);
    f[12] = 0x08, f[13] = 0x00;
    uint8_t *ip = f + 14;
    unsigned tot = 40 + (unsigned)payload;
    ip[0] = 0x45, ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot, ip[6] = (uint8_t)(frag >> 8),
    ip[7] = (uint8_t)frag, ip[8] = 64, ip[9] = proto, ip[10] = 0xde, ip[11] = 0xad;
    const uint8_t src[4] = { 10, 77, 0, 2 }, dst[4] = { 10, 77, 0, 1 };
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint8_t *tcp = ip + 20;
    tcp[0] = 0x9c, tcp[1] = 0x40, tcp[2] = 0x00, tcp[3] = 0x50, tcp[12] = 0x50, tcp[13] = 0x18;
    tcp[16] = 0xbe, tcp[17] = 0xef;
    for (size_t i = 0; i < payload; i++)
        tcp[20 + i] = (uint8_t)(i * 7 + 3);
    return 14 + tot;
}

/* What the device does with a context and POPTS (SDM 3.3.5-3.3.6). */
static void play_device(uint8_t *f, size_t len, const struct e1000_tx_ctx_desc *c, unsigned popts)
{
    if (popts & E1000_TXD_POPTS_IXSM) {
        uint16_t s = inet_checksum(f + c->ipcss, (size_t)(c->ipcse - c->ipcss + 1));
        f[c->ipcso] = (uint8_t)(s >> 8), f[c->ipcso + 1] = (uint8_t)s;
    }
    if (popts & E1000_TXD_POPTS_TXSM) {
        size_t end = c->tucse ? (size_t)c->tucse + 1 : len;
        uint16_t s = inet_checksum(f + c->tucss, end - c->tucss);
        f[c->tucso] = (uint8_t)(s >> 8), f[c->tucso + 1] = (uint8_t)s;
    }
}

/* RFC 793 3.1: pseudo header + segment sum to 0 in one's complement. */
static int tcp_checksum_valid(const uint8_t *f, size_t len)
{
    size_t seg = len - 34;
    uint8_t *buf = malloc(12 + seg);
    memcpy(buf, f + 26, 8);
    buf[8] = 0, buf[9] = 6, buf[10] = (uint8_t)(seg >> 8), buf[11] = (uint8_t)seg;
    memcpy(buf + 12, f + 34, seg);
    int ok = inet_checksum(buf, 12 + seg) == 0;
    free(buf);
    return ok;
}

TEST(tx_csum_tcp_through_the_device)
{
    for (size_t payload = 0; payload < 40; payload += 7) {     /* odd and even lengths */
        uint8_t f[200];
        size_t len = make_tcp_frame(f, payload, 6, 0x4000);   /* DF: not a fragment */
        unsigned hl = 0;
        unsigned popts = e1000_tx_csum_prepare(f, len, E1000_TX_WANT_IP | E1000_TX_WANT_TCP, &hl);
        CHECK_EQ(popts, E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM);
        CHECK_EQ(hl, 20);
        struct e1000_tx_ctx_desc c;
        e1000_tx_ctx_fill(&c, hl);
        CHECK_EQ(c.ipcss, 14);
        CHECK_EQ(c.ipcso, 24);
        CHECK_EQ(c.ipcse, 33);
        CHECK_EQ(c.tucss, 34);
        CHECK_EQ(c.tucso, 50);
        CHECK_EQ(c.tucse, 0);
        CHECK_EQ(c.cmd_len >> 20 & 0xF, 0);              /* DTYP context */
        CHECK((c.cmd_len >> 24) & E1000_TUCMD_RS);     /* DD written back: reclaim passes it */
        play_device(f, len, &c, popts);
        CHECK_EQ(inet_checksum(f + 14, 20), 0);
        CHECK(tcp_checksum_valid(f, len));
    }
}

TEST(tx_csum_what_is_not_offloaded)
{
    uint8_t f[200];
    unsigned hl;
    /* UDP, ICMP: only the IP header checksum (lwIP sums UDP itself). */
    size_t len = make_tcp_frame(f, 10, 17, 0);
    CHECK_EQ(e1000_tx_csum_prepare(f, len, E1000_TX_WANT_IP | E1000_TX_WANT_TCP, &hl), E1000_TXD_POPTS_IXSM);
    CHECK_EQ(f[24] | f[25], 0);                         /* the IP field is seeded with 0 */
    CHECK_EQ(f[50], 0xbe);                              /* the UDP/other field untouched */
    /* A TCP fragment (MF, or an offset): the device cannot sum a datagram
     * across fragments. */
    len = make_tcp_frame(f, 10, 6, 0x2000);
    CHECK_EQ(e1000_tx_csum_prepare(f, len, E1000_TX_WANT_IP | E1000_TX_WANT_TCP, &hl), E1000_TXD_POPTS_IXSM);
    len = make_tcp_frame(f, 10, 6, 0x0010);
    CHECK_EQ(e1000_tx_csum_prepare(f, len, E1000_TX_WANT_IP | E1000_TX_WANT_TCP, &hl), E1000_TXD_POPTS_IXSM);
    /* Trailing bytes after the datagram: TUCSE 0 would sum them too. */
    len = make_tcp_frame(f, 10, 6, 0);
    CHECK_EQ(e1000_tx_csum_prepare(f, len + 4, E1000_TX_WANT_IP | E1000_TX_WANT_TCP, &hl), E1000_TXD_POPTS_IXSM);
    /* ARP, and IPv4 headers that do not add up: sent as they are. */
    len = make_tcp_frame(f, 10, 6, 0);
    f[13] = 0x06;
    CHECK_EQ(e1000_tx_csum_prepare(f, len, E1000_TX_WANT_IP | E1000_TX_WANT_TCP, &hl), 0);
    len = make_tcp_frame(f, 10, 6, 0);
    f[14] = 0x65;                                       /* version 6 */
    CHECK_EQ(e1000_tx_csum_prepare(f, len, E1000_TX_WANT_IP | E1000_TX_WANT_TCP, &hl), 0);
    len = make_tcp_frame(f, 10, 6, 0);
    f[14] = 0x44;                                       /* IHL 4 */
    CHECK_EQ(e1000_tx_csum_prepare(f, len, E1000_TX_WANT_IP | E1000_TX_WANT_TCP, &hl), 0);
    len = make_tcp_frame(f, 10, 6, 0);
    CHECK_EQ(e1000_tx_csum_prepare(f, len - 1, E1000_TX_WANT_IP | E1000_TX_WANT_TCP, &hl), 0);  /* total length beyond the frame */
}

/* The stack's per-frame request decides, not the frame: nothing asked,
 * nothing inserted (and the frame is left as it is); IP only, no TCP. */
TEST(tx_csum_only_what_is_asked)
{
    uint8_t f[200], ref[200];
    unsigned hl = 0;
    size_t len = make_tcp_frame(f, 10, 6, 0x4000);
    memcpy(ref, f, len);
    CHECK_EQ(e1000_tx_csum_prepare(f, len, 0, &hl), 0);
    CHECK(memcmp(f, ref, len) == 0);
    CHECK_EQ(e1000_tx_csum_prepare(f, len, E1000_TX_WANT_IP, &hl), E1000_TXD_POPTS_IXSM);
    CHECK_EQ(f[14 + 20 + 16], ref[14 + 20 + 16]);      /* TCP field untouched */
    CHECK_EQ(f[14 + 20 + 17], ref[14 + 20 + 17]);
}

TEST(tx_csum_every_truncation)
{
    uint8_t ref[200];
    size_t full = make_tcp_frame(ref, 20, 6, 0);
    for (size_t n = 0; n <= full; n++) {
        uint8_t *f = malloc(n ? n : 1);                 /* exact size: ASan sees overreads */
        memcpy(f, ref, n);
        unsigned hl;
        unsigned popts = e1000_tx_csum_prepare(f, n, E1000_TX_WANT_IP | E1000_TX_WANT_TCP, &hl);
        CHECK(n == full ? popts == (E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM) : popts == 0);
        free(f);
    }
}
