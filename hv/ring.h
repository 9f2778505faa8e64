/* VMBus ring buffers (one direction each): packet framing, wrap-around and
 * the signalling rules. Pure code over memory, shared by every channel;
 * see ring.c for the rules and their sources. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hv/vmbus_reg.h"

struct vmbus_ring {
    struct vmbus_ring_ctl *ctl;     /* the control page */
    uint8_t *data;                  /* the data area that follows it */
    uint32_t size;                  /* data area bytes, a multiple of 8 */
};

/* A piece of a packet to write. */
struct vmbus_iov {
    const void *base;
    size_t len;
};

/* Wires a ring over `pages` pages at `mem` (control page + data). */
void vmbus_ring_init(struct vmbus_ring *r, void *mem, size_t pages);

/* Bytes in the ring (readable) and free for writing, from validated
 * indices; -EIO when the indices are corrupt (out of range, unaligned). */
int vmbus_ring_avail_read(const struct vmbus_ring *r, uint32_t *bytes);
int vmbus_ring_avail_write(const struct vmbus_ring *r, uint32_t *bytes);

/* Bytes a packet with `payload` bytes takes in the ring: descriptor,
 * payload padded to 8, trailer. A producer that finds the ring full sets
 * pending_send_sz to this (Linux); it can write once free space > this. */
static inline uint32_t vmbus_ring_pkt_size(size_t payload)
{
    return (uint32_t)(sizeof(struct vmbus_pkt_desc) + ((payload + 7) & ~(size_t)7) + VMBUS_PKT_TRAILER_SIZE);
}

/* Writes one packet: descriptor (type, flags, trans_id) + the pieces,
 * padded to 8 bytes, + trailer. *signal tells whether the producer must
 * signal the consumer (ring was empty and its interrupt_mask is clear).
 * -EAGAIN if it does not fit now (the caller may set pending_send_sz and
 * wait), -EMSGSIZE if it can never fit, -EIO on a corrupt ring. */
int vmbus_ring_write(struct vmbus_ring *r, uint16_t type, uint16_t flags, uint64_t trans_id,
                     const struct vmbus_iov *iov, size_t niov, bool *signal);

/* vmbus_ring_write for packets with a type-specific header after the
 * descriptor (GPA-direct ranges): the first hdr_len bytes of the pieces
 * (a multiple of 8) are that header, and offset8 points past it. */
int vmbus_ring_write_hdr(struct vmbus_ring *r, uint16_t type, uint16_t flags, uint64_t trans_id,
                         size_t hdr_len, const struct vmbus_iov *iov, size_t niov, bool *signal);

/* Looks at the next packet without consuming it: copies its descriptor.
 * Returns the packet's length (len8 x 8, trailer excluded), 0 when the
 * ring is empty, -EIO when the packet is malformed (bad offset8/len8,
 * longer than what the producer has written) -- the ring is then
 * unusable. */
int vmbus_ring_peek(const struct vmbus_ring *r, struct vmbus_pkt_desc *desc);
/* Copies len bytes at offset off of the packet peek returned; the caller
 * keeps off + len within the packet's length. */
void vmbus_ring_copy_out(const struct vmbus_ring *r, uint32_t off, void *dst, size_t len);
/* Consumes the packet peek returned (its length plus the trailer). Returns
 * whether the producer must be signalled: free space F (data size - used)
 * went from F_old <= pending_send_sz to F_new > pending_send_sz. */
bool vmbus_ring_consume(struct vmbus_ring *r, uint32_t pkt_len);

/* Consumer side of interrupt masking: mask while draining; unmask returns
 * true if data arrived meanwhile (drain again). */
void vmbus_ring_mask(struct vmbus_ring *r);
bool vmbus_ring_unmask(struct vmbus_ring *r);
