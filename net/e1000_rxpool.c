/* Receive buffers of one e1000, lent to the network stack without a copy.
 *
 * There is one buffer per ring slot plus E1000_RX_SPARE. When a frame
 * arrives and a spare is free, the frame's buffer goes up the stack as it
 * is (netdev_rx_lend) and the spare takes its place in the ring; the
 * stack's release callback puts the buffer back on the free list. When
 * every spare is lent out (sockets nobody reads hold them), frames are
 * copied (netdev_rx) and the buffer stays in its slot: the ring is always
 * full, whatever the stack keeps.
 *
 * The pool may outlive its driver (hot-unplug: e1000_remove) while the
 * stack still holds buffers: the driver and every lent buffer hold a
 * reference, the last one frees the DMA memory, through the pool's own
 * copy of the devio handle. Threads are cooperative and releases come
 * from threads, never from an interrupt, so nothing here takes a lock. */
#include "net/e1000_rxpool.h"
#include "kernel/mm/heap.h"
#include "lib/string.h"

struct e1000_rxpool *e1000_rxpool_new(struct devio *io)
{
    struct e1000_rxpool *p = kmalloc(sizeof *p);
    if (!p)
        return NULL;
    memset(p, 0, sizeof *p);
    p->io = *io;
    if (devio_dma_alloc(&p->io, (size_t)E1000_RX_BUFS * E1000_BUF_SIZE, DEVIO_DMA_32BIT,
                        &p->mem) < 0) {
        kfree(p);
        return NULL;
    }
    for (unsigned i = 0; i < E1000_RX_BUFS; i++)
        p->lent[i] = (struct e1000_rxbuf){ p, (uint16_t)i };
    for (unsigned i = 0; i < E1000_RX_SPARE; i++)
        p->free[p->nfree++] = (uint16_t)(E1000_RX_RING + i);
    p->refs = 1;                    /* the driver's */
    return p;
}

void e1000_rxpool_put(struct e1000_rxpool *p)
{
    if (p && --p->refs == 0) {
        devio_dma_free(&p->io, &p->mem);
        kfree(p);
    }
}

/* The stack is done with a lent buffer: it is free again. The free list
 * holds every spare at most once (free + lent = E1000_RX_SPARE). */
static void e1000_rxpool_release(void *arg)
{
    struct e1000_rxbuf *b = arg;
    struct e1000_rxpool *p = b->pool;
    if (p->nfree < E1000_RX_SPARE)
        p->free[p->nfree++] = b->idx;
    e1000_rxpool_put(p);
}

/* The reference for the lent buffer is taken before the call: the stack
 * may release it before netdev_rx_lend returns. */
uint16_t e1000_rxpool_up(struct e1000_rxpool *p, struct netdev *nd, uint16_t idx, uint16_t len,
                         unsigned csum)
{
    void *frame = e1000_rxpool_virt(p, idx);
    if (p->nfree == 0 || idx >= E1000_RX_BUFS) {
        netdev_rx(nd, frame, len, csum);
        return idx;
    }
    p->refs++;
    if (!netdev_rx_lend(nd, frame, len, csum, e1000_rxpool_release, &p->lent[idx])) {
        p->refs--;
        return idx;
    }
    return p->free[--p->nfree];
}
