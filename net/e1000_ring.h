/* Pure descriptor-ring logic of the e1000 driver, kept apart so that the
 * host tests (tests/unit/test_e1000.c) exercise exactly what the driver
 * runs. Nothing here touches hardware.
 *
 * Ring convention (8254x SDM, receive/transmit descriptor rings): the device owns the
 * descriptors from head to tail - 1; software owns the rest. One slot is
 * always left empty so that head == tail means "empty", never "full". */
#pragma once
#include <stdbool.h>
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
