/* Split virtqueues: see virtio/virtqueue.h. Section numbers are the
 * virtio 1.2 specification's; Linux drivers/virtio/virtio_ring.c is the
 * reference driver for the same rules. */
#include "virtio/virtqueue.h"
#include "kernel/errno.h"

#define barrier()   __asm__ volatile("" ::: "memory")
#define full_fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)   /* mfence: store-load */
#define NONE        0xFFFFu

static size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

size_t virtq_layout(unsigned size, bool legacy, bool indirect, size_t *used_off, size_t *ind_off)
{
    size_t avail_end = VIRTQ_DESC_BYTES(size) + VIRTQ_AVAIL_BYTES(size);
    *used_off = align_up(avail_end, legacy ? VIRTQ_LEGACY_ALIGN : 4);
    size_t end = *used_off + VIRTQ_USED_BYTES(size);
    *ind_off = align_up(end, 16);
    return indirect ? *ind_off + (size_t)size * VIRTQ_IND_MAX * sizeof(struct virtq_desc) : end;
}

int virtq_init(struct virtq *vq, unsigned index, unsigned size, void *mem, uint64_t bus,
               bool legacy, bool indirect, bool event_idx, struct virtq_slot *slots)
{
    if (size == 0 || size > VIRTQ_SIZE_MAX || (size & (size - 1)) || !mem || !slots)
        return -EINVAL;
    size_t used_off, ind_off;
    virtq_layout(size, legacy, indirect, &used_off, &ind_off);
    uint8_t *m = mem;
    *vq = (struct virtq){
        .size = (uint16_t)size, .index = (uint16_t)index, .num_free = (uint16_t)size,
        .event_idx = event_idx, .slot = slots,
        .desc = (void *)m, .desc_bus = bus,
        .avail = (void *)(m + VIRTQ_DESC_BYTES(size)), .avail_bus = bus + VIRTQ_DESC_BYTES(size),
        .used = (void *)(m + used_off), .used_bus = bus + used_off,
    };
    if (indirect)
        vq->ind = (void *)(m + ind_off), vq->ind_bus = bus + ind_off;
    for (unsigned i = 0; i < size; i++)
        slots[i] = (struct virtq_slot){ .next = (uint16_t)(i + 1 < size ? i + 1 : NONE) };
    return 0;
}

/* The used_event field sits after the avail ring, avail_event after the
 * used ring (2.7.6, 2.7.8). */
static volatile uint16_t *used_event(struct virtq *vq) { return &vq->avail->ring[vq->size]; }
static volatile uint16_t *avail_event(struct virtq *vq)
{
    return (volatile uint16_t *)&vq->used->ring[vq->size];
}

static void put_desc(struct virtq *vq, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    volatile struct virtq_desc *d = &vq->desc[i];
    d->addr = addr, d->len = len, d->flags = flags, d->next = next;
}

int virtq_add(struct virtq *vq, const struct virtq_sg *sg, unsigned nout, unsigned nin,
              void *cookie)
{
    unsigned n = nout + nin;
    if (n == 0 || !cookie || n > vq->size)
        return -EINVAL;
    uint32_t in_len = 0;
    for (unsigned k = 0; k < n; k++) {
        if (sg[k].len == 0)
            return -EINVAL;
        if (k >= nout)
            in_len += sg[k].len;
    }
    bool indirect = vq->ind && n > 1 && n <= VIRTQ_IND_MAX;
    unsigned need = indirect ? 1 : n;
    if (vq->num_free < need)
        return -ENOSPC;
    uint16_t head = vq->free_head, i = head;
    if (indirect) {
        /* 2.7.5.3: one descriptor pointing at a table of n, chained from 0. */
        struct virtq_desc *t = vq->ind + (size_t)head * VIRTQ_IND_MAX;
        for (unsigned k = 0; k < n; k++)
            t[k] = (struct virtq_desc){
                .addr = sg[k].addr, .len = sg[k].len,
                .flags = (uint16_t)((k + 1 < n ? VIRTQ_DESC_F_NEXT : 0) |
                                    (k >= nout ? VIRTQ_DESC_F_WRITE : 0)),
                .next = (uint16_t)(k + 1 < n ? k + 1 : 0) };
        put_desc(vq, head, vq->ind_bus + (uint64_t)head * VIRTQ_IND_MAX * sizeof *t,
                 n * (uint32_t)sizeof *t, VIRTQ_DESC_F_INDIRECT, 0);
        vq->free_head = vq->slot[head].next;
    } else {
        for (unsigned k = 0; k < n; k++) {
            uint16_t next = vq->slot[i].next;
            uint16_t flags = (uint16_t)((k + 1 < n ? VIRTQ_DESC_F_NEXT : 0) |
                                        (k >= nout ? VIRTQ_DESC_F_WRITE : 0));
            put_desc(vq, i, sg[k].addr, sg[k].len, flags, k + 1 < n ? next : 0);
            if (k + 1 < n)
                i = next;
        }
        vq->free_head = vq->slot[i].next;   /* the chain keeps its links in slot[].next */
    }
    vq->num_free = (uint16_t)(vq->num_free - need);
    vq->slot[head].cookie = cookie;
    vq->slot[head].in_len = in_len;
    vq->slot[head].ndesc = (uint16_t)need;
    vq->inflight++;
    /* 2.7.13: the ring entry, then (barrier) the index the device reads. */
    vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
    barrier();
    vq->avail->idx = ++vq->avail_idx;
    return 0;
}

bool virtq_kick_prepare(struct virtq *vq)
{
    uint16_t old = vq->kicked_idx, now = vq->avail_idx;
    vq->kicked_idx = now;
    if (old == now)
        return false;
    full_fence();                   /* avail->idx visible before we read the device's wish */
    bool kick;
    if (vq->notify_always) {
        kick = true;
    } else if (vq->event_idx) {
        /* 2.7.10: notify when avail_event lies in [old, now). */
        uint16_t ev = *avail_event(vq);
        kick = (uint16_t)(now - ev - 1) < (uint16_t)(now - old);
    } else {
        kick = !(vq->used->flags & VIRTQ_USED_F_NO_NOTIFY);
    }
    if (kick)
        vq->kicks++;
    else
        vq->kicks_saved++;
    return kick;
}

bool virtq_pending(const struct virtq *vq) { return vq->used->idx != vq->last_used; }

/* The chain at head goes back to the free list; its cookie is cleared so
 * that a second used entry for it is refused. */
static void free_chain(struct virtq *vq, uint16_t head)
{
    struct virtq_slot *s = &vq->slot[head];
    uint16_t i = head;
    for (unsigned k = 1; k < s->ndesc; k++)
        i = vq->slot[i].next;
    vq->slot[i].next = vq->free_head;
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + s->ndesc);
    s->cookie = NULL;
    vq->inflight--;
}

int virtq_get(struct virtq *vq, void **cookie, uint32_t *len)
{
    *cookie = NULL;
    *len = 0;
    uint16_t used_idx = vq->used->idx;
    uint16_t pending = (uint16_t)(used_idx - vq->last_used);
    if (pending == 0)
        return 0;
    if (pending > vq->inflight) {
        /* The device claims more than it holds: nothing in that window
         * can be trusted. Skip to its index. */
        vq->bad_idx++;
        vq->last_used = used_idx;
        return -ERANGE;
    }
    barrier();                      /* 2.7.13: the entry after the index */
    volatile struct virtq_used_elem *e = &vq->used->ring[vq->last_used & (vq->size - 1)];
    uint32_t id = e->id, n = e->len;
    vq->last_used++;
    if (vq->event_idx && !vq->cb_off)   /* 2.7.7: interrupt me at the next one */
        *used_event(vq) = vq->last_used;
    if (id >= vq->size || !vq->slot[id].cookie) {
        vq->bad_id++;
        return -EPROTO;
    }
    *cookie = vq->slot[id].cookie;
    uint32_t room = vq->slot[id].in_len;
    free_chain(vq, (uint16_t)id);
    if (n > room) {
        vq->bad_len++;
        return -EMSGSIZE;
    }
    *len = n;
    return 1;
}

void virtq_disable_cb(struct virtq *vq)
{
    vq->cb_off = true;
    if (!vq->event_idx)
        vq->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    /* With EVENT_IDX the flag is ignored (2.7.7.2); used_event keeps
     * pointing at an entry we have already passed once we read on. */
}

bool virtq_enable_cb(struct virtq *vq)
{
    vq->cb_off = false;
    if (vq->event_idx)
        *used_event(vq) = vq->last_used;
    else
        vq->avail->flags = 0;
    full_fence();                   /* the request visible before we look again */
    return virtq_pending(vq);
}
