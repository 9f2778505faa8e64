/* Split virtqueues (virtio 1.2 2.7), the driver's side: pure ring logic,
 * no device access, so tests/unit/test_virtqueue.c runs it on the host.
 *
 * A queue is three areas in memory the device reads or writes by DMA: the
 * descriptor table (buffers: address, length, flags), the available ring
 * (heads of chains the driver offers) and the used ring (heads the device
 * gave back, with how many bytes it wrote). The transport
 * (virtio/virtio_pci.c, virtio/virtio_mmio.c) allocates the memory, tells
 * the device where it is and rings the doorbell when virtq_kick_prepare
 * says to; the device's answers come back through virtq_get.
 *
 * What the driver keeps to itself: the free list and, per chain, the
 * caller's cookie, its descriptor count and how many bytes the device may
 * write (struct virtq_slot, in ordinary memory). Nothing read back from
 * the shared areas is trusted: a used entry whose id is not the head of a
 * chain in flight, a length past the chain's writable bytes, a used index
 * that moves by more than is in flight are reported to the caller and
 * refused, and the queue stays usable.
 *
 * Memory ordering (virtio 1.2 2.7.13, x86-TSO): the entries of a chain
 * and the avail ring slot are written before avail->idx (a compiler
 * barrier: x86 keeps stores in order); used->idx is read before the used
 * entries (loads are not reordered with loads); the store to avail->idx
 * and the load of used->flags / avail_event that decides whether to
 * notify need a full fence (store-load), as do re-enabling interrupts and
 * re-reading used->idx. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "virtio/virtio_reg.h"

#define VIRTQ_IND_MAX 4             /* descriptors in one indirect table */

struct virtq_sg {                   /* one buffer of a chain */
    uint64_t addr;                  /* bus address */
    uint32_t len;
};

struct virtq_slot {                 /* per descriptor index: the driver's own view */
    void *cookie;                   /* heads only: what virtq_get returns; NULL: not in flight */
    uint32_t in_len;                /* heads: writable bytes of the chain */
    uint16_t next;                  /* free list / chain link (a shadow of desc.next) */
    uint16_t ndesc;                 /* heads: descriptors the chain holds in the table */
};

struct virtq {
    uint16_t size, index;           /* entries (a power of two); queue number */
    uint16_t num_free, free_head;
    uint16_t avail_idx;             /* the next avail->idx */
    uint16_t kicked_idx;            /* avail_idx at the last notification decision */
    uint16_t last_used;             /* next used entry to read */
    uint16_t inflight;              /* chains given to the device, not yet back */
    bool event_idx;                 /* VIRTIO_F_EVENT_IDX negotiated */
    bool cb_off;                    /* virtq_disable_cb: no used-buffer interrupts wanted */
    bool notify_always;             /* set by a driver: ignore the device's notification wishes */
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    uint64_t desc_bus, avail_bus, used_bus;
    struct virtq_desc *ind;         /* NULL, or size tables of VIRTQ_IND_MAX (INDIRECT_DESC) */
    uint64_t ind_bus;
    struct virtq_slot *slot;        /* [size] */
    uint64_t bad_id, bad_len, bad_idx, kicks, kicks_saved;
};

/* Where the parts go in one zeroed, page-aligned allocation: descriptor
 * table at 0, avail ring after it, used ring at *used_off (4-aligned, or
 * at the next VIRTQ_LEGACY_ALIGN boundary for the legacy layout, which
 * MMIO v1 gives the device as one page number), indirect tables at
 * *ind_off when `indirect`. Returns the total bytes. */
size_t virtq_layout(unsigned size, bool legacy, bool indirect, size_t *used_off, size_t *ind_off);

/* Sets vq up over mem (virt, bus) laid out by virtq_layout with the same
 * arguments; slots has room for `size` entries. size must be a power of
 * two no larger than VIRTQ_SIZE_MAX: 0 or -EINVAL. */
int virtq_init(struct virtq *vq, unsigned index, unsigned size, void *mem, uint64_t bus,
               bool legacy, bool indirect, bool event_idx, struct virtq_slot *slots);

/* Offers one chain: nout device-readable buffers, then nin writable ones,
 * published in the avail ring at once. Through an indirect table when the
 * queue has them and the chain has 2..VIRTQ_IND_MAX buffers, else as a
 * chain of descriptors. 0, -EINVAL (empty, a zero length, cookie NULL),
 * -ENOSPC (not enough free descriptors). */
int virtq_add(struct virtq *vq, const struct virtq_sg *sg, unsigned nout, unsigned nin,
              void *cookie);

/* After one or more virtq_add: true when the device wants a notification
 * for what was added since the last call (used->flags NO_NOTIFY, or
 * avail_event with EVENT_IDX: virtio 1.2 2.7.10); always true for a queue
 * with notify_always. */
bool virtq_kick_prepare(struct virtq *vq);

/* Takes the next used entry: 1 with *cookie and *len (bytes the device
 * wrote), 0 when there is none. A refused entry gives a negative value:
 * -EPROTO a used id that is not a chain in flight (skipped), -EMSGSIZE
 * a length past the chain's writable bytes (the chain comes back with
 * *len = 0: reclaim it, use none of it), -ERANGE a used index that ran
 * ahead of what is in flight (the queue resyncs to it; chains the device
 * skipped stay lost). */
int virtq_get(struct virtq *vq, void **cookie, uint32_t *len);

/* Whether used entries wait (a read of used->idx). */
bool virtq_pending(const struct virtq *vq);

/* Interrupt suppression (virtio 1.2 2.7.7): disable asks for no used-buffer
 * interrupts; enable asks for one at the next used entry and returns true
 * when entries already wait (the caller polls again rather than sleeping
 * on an interrupt that will not come). */
void virtq_disable_cb(struct virtq *vq);
bool virtq_enable_cb(struct virtq *vq);
