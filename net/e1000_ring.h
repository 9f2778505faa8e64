/* Pure descriptor-ring logic of the e1000 driver, kept apart so that the
 * host tests (tests/unit/test_e1000.c) exercise exactly what the driver
 * runs. Nothing here touches hardware.
 *
 * Ring convention (8254x SDM, receive/transmit descriptor rings): the device owns the
 * descriptors from head to tail - 1; software owns the rest. One slot is
 * always left empty so that head == tail means "empty", never "full". */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/e1000_reg.h"

static inline unsigned e1000_ring_next(unsigned i, unsigned n) { return i + 1 == n ? 0 : i + 1; }

/* Descriptors queued between `clean` (oldest not yet reclaimed) and `tail`
 * (next to fill); both < n. */
static inline unsigned e1000_ring_used(unsigned clean, unsigned tail, unsigned n)
{
    return tail >= clean ? tail - clean : n - clean + tail;
}

/* Slots a producer may still fill. */
static inline unsigned e1000_ring_free(unsigned clean, unsigned tail, unsigned n)
{
    return n - 1 - e1000_ring_used(clean, tail, n);
}

/* What to do with one completed receive descriptor. */
enum e1000_rx_verdict {
    E1000_RX_DELIVER,       /* a whole, good frame of `len` bytes */
    E1000_RX_ERROR,         /* hardware-flagged error or impossible length */
    E1000_RX_FRAGMENT,      /* part of a frame that spans descriptors: dropped */
};

/* Classifies a descriptor the device marked done (DD). Everything in it is
 * untrusted: a length of 0 or beyond the buffer is an error, never a copy
 * size. *in_frag carries "dropping the rest of a multi-descriptor frame"
 * from one descriptor to the next; it is set by a descriptor without EOP
 * and cleared by the one with EOP that ends the frame. A frame counts once:
 * only its first piece returns E1000_RX_FRAGMENT with *first_piece set. */
static inline enum e1000_rx_verdict e1000_rx_classify(uint8_t status, uint8_t errors,
                                                      uint16_t len, unsigned buf_size,
                                                      bool *in_frag, bool *first_piece)
{
    bool eop = status & E1000_RXD_STAT_EOP;
    *first_piece = false;
    if (*in_frag) {
        if (eop)
            *in_frag = false;
        return E1000_RX_FRAGMENT;
    }
    if (!eop) {
        *in_frag = true;
        *first_piece = true;
        return E1000_RX_FRAGMENT;
    }
    if (errors & E1000_RXD_ERR_FRAME)
        return E1000_RX_ERROR;
    if (len < 14 || len > buf_size)     /* shorter than an Ethernet header */
        return E1000_RX_ERROR;
    return E1000_RX_DELIVER;
}

/* ---- Checksum offload ------------------------------------------------------ */

/* What the device said about a received frame's checksums (RXCSUM on). */
#define E1000_CSUM_IP_OK  (1u << 0)     /* IPv4 header checksum verified good */
#define E1000_CSUM_L4_OK  (1u << 1)     /* TCP/UDP checksum verified good */
#define E1000_CSUM_BAD    (1u << 2)     /* a checksum the device verified is wrong */

/* From a descriptor's status and errors: IXSM means the device checked
 * nothing (QEMU's 82540EM/82545EM always set it); IPCS/TCPCS/UDPCS say
 * which checksums it computed, IPE/TCPE whether they were wrong. An error
 * bit without its "computed" bit is ignored: the device did not check. */
static inline unsigned e1000_rx_csum(uint8_t status, uint8_t errors)
{
    if (status & E1000_RXD_STAT_IXSM)
        return 0;
    unsigned r = 0;
    bool ip = status & E1000_RXD_STAT_IPCS;
    bool l4 = status & (E1000_RXD_STAT_TCPCS | E1000_RXD_STAT_UDPCS);
    if (ip)
        r |= errors & E1000_RXD_ERR_IPE ? E1000_CSUM_BAD : E1000_CSUM_IP_OK;
    if (l4)
        r |= errors & E1000_RXD_ERR_TCPE ? E1000_CSUM_BAD : E1000_CSUM_L4_OK;
    return r & E1000_CSUM_BAD ? E1000_CSUM_BAD : r;
}

#define E1000_ETH_HLEN     14
#define E1000_ETHERTYPE_IP 0x0800
#define E1000_IP_PROTO_TCP 6
#define E1000_IP_CSUM_OFF  10           /* in the IPv4 header */
#define E1000_TCP_CSUM_OFF 16           /* in the TCP header */
#define E1000_TCP_HLEN     20

/* Per-frame requests (the stack's NETDEV_TX_CSUM_* flags, same values). */
#define E1000_TX_WANT_IP   (1u << 0)
#define E1000_TX_WANT_TCP  (1u << 1)

/* Readies an outgoing frame (the driver's own DMA copy) for the checksum
 * insertion the stack asked for (`want`, E1000_TX_WANT_*: nothing is
 * guessed from the frame) and returns the POPTS bits for its data
 * descriptor: IXSM when the IPv4 checksum was asked, TXSM as well when TCP
 * was and the frame is a whole (unfragmented) TCP segment; 0 when nothing
 * was asked, or the frame is not IPv4 or its header does not add up, and
 * it goes out as it is. *ip_hlen gets the IPv4 header length, which
 * decides the context (e1000_tx_ctx_fill).
 *
 * The device sums IPCSS..IPCSE and TUCSS..end as they are and stores the
 * complement (SDM 3.3.5-3.3.6), so the fields must hold their seeds first:
 * 0 for the IP header checksum, and for TCP the sum of the pseudo header
 * (RFC 793 3.1: source, destination, zero + protocol, TCP length), which
 * the device cannot know. Whatever the stack put there is overwritten, so
 * a frame that already had correct checksums still goes out correct. */
static inline unsigned e1000_tx_csum_prepare(uint8_t *f, size_t len, unsigned want,
                                             unsigned *ip_hlen)
{
    if (!(want & (E1000_TX_WANT_IP | E1000_TX_WANT_TCP)) || len < E1000_ETH_HLEN + 20 || (f[12] << 8 | f[13]) != E1000_ETHERTYPE_IP)
        return 0;
    uint8_t *ip = f + E1000_ETH_HLEN;
    unsigned hl = (ip[0] & 0x0Fu) * 4, tot = (unsigned)(ip[2] << 8 | ip[3]);
    if ((ip[0] >> 4) != 4 || hl < 20 || tot < hl || E1000_ETH_HLEN + tot > len)
        return 0;
    *ip_hlen = hl;
    ip[E1000_IP_CSUM_OFF] = ip[E1000_IP_CSUM_OFF + 1] = 0;
    bool fragment = (ip[6] & 0x3Fu) || ip[7];   /* MF or a fragment offset */
    /* TUCSE 0 sums to the end of the buffer: only when that is the end of
     * the datagram (no trailing bytes) can the device get TCP right. */
    if (!(want & E1000_TX_WANT_TCP) || ip[9] != E1000_IP_PROTO_TCP || fragment ||
        tot < hl + E1000_TCP_HLEN ||
        E1000_ETH_HLEN + tot != len)
        return E1000_TXD_POPTS_IXSM;
    uint32_t sum = 0;
    for (unsigned i = 12; i < 20; i += 2)       /* source and destination */
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    sum += E1000_IP_PROTO_TCP + (tot - hl);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    uint8_t *c = ip + hl + E1000_TCP_CSUM_OFF;
    c[0] = (uint8_t)(sum >> 8);
    c[1] = (uint8_t)sum;
    return E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM;
}

/* The context for frames with an IPv4 header of ip_hlen bytes followed by
 * TCP: IP checksum over the header, TCP checksum from the TCP header to
 * the end of the frame. POPTS of each data descriptor picks which of the
 * two the device inserts, so one context serves TCP and other IPv4 frames
 * alike. RS: the device writes DD back, so ring reclaim can pass it. */
static inline void e1000_tx_ctx_fill(struct e1000_tx_ctx_desc *c, unsigned ip_hlen)
{
    unsigned l4 = E1000_ETH_HLEN + ip_hlen;
    *c = (struct e1000_tx_ctx_desc){ 0 };
    c->ipcss = E1000_ETH_HLEN;
    c->ipcso = E1000_ETH_HLEN + E1000_IP_CSUM_OFF;
    c->ipcse = (uint16_t)(l4 - 1);
    c->tucss = (uint8_t)l4;
    c->tucso = (uint8_t)(l4 + E1000_TCP_CSUM_OFF);
    c->tucse = 0;
    c->cmd_len = E1000_TXD_DTYP_CTX << E1000_TXD_DTYP_SHIFT |
                 (uint32_t)(E1000_TUCMD_TCP | E1000_TUCMD_IP | E1000_TUCMD_RS | E1000_TUCMD_DEXT)
                     << E1000_TUCMD_SHIFT;
}

/* Link speed from STATUS bits 7:6 (SDM, STATUS). */
static inline unsigned e1000_status_speed(uint32_t status)
{
    switch ((status & E1000_STATUS_SPEED_MASK) >> E1000_STATUS_SPEED_SHIFT) {
    case 0: return 10;
    case 1: return 100;
    default: return 1000;
    }
}

/* A MAC read from RAL0/RAH0 or the EEPROM is usable when it is not all
 * zeros, not all ones and not a multicast address (bit 0 of byte 0). */
static inline bool e1000_mac_valid(const uint8_t mac[6])
{
    uint8_t all_or = 0, all_and = 0xFF;
    for (int i = 0; i < 6; i++) {
        all_or |= mac[i];
        all_and &= mac[i];
    }
    return all_or != 0 && all_and != 0xFF && !(mac[0] & 1);
}
