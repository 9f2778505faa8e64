/* Receive buffers of one e1000 that can be lent to the network stack
 * (net/e1000_rxpool.c). Driver state, not a wire format: see
 * net/e1000_reg.h for those. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "kernel/dev/devio.h"
#include "net/netdev.h"

#define E1000_RX_RING   256         /* descriptors: 4 KiB of ring */
#define E1000_RX_SPARE  256         /* buffers beyond the ring, to lend to the stack */
#define E1000_BUF_SIZE  2048        /* RCTL.BSIZE = 2048, BSEX = 0 */
#define E1000_RX_BUFS   (E1000_RX_RING + E1000_RX_SPARE)

struct e1000_rxpool;
struct e1000_rxbuf {                /* the release argument of one buffer */
    struct e1000_rxpool *pool;
    uint16_t idx;
};
struct e1000_rxpool {
    struct devio io;                /* a copy: the driver's may be gone */
    struct devio_dma mem;           /* E1000_RX_BUFS * E1000_BUF_SIZE, below 4 GiB */
    uint16_t free[E1000_RX_SPARE];  /* buffers in neither the ring nor the stack */
    unsigned nfree;
    unsigned refs;                  /* the driver's, and one per lent buffer */
    struct e1000_rxbuf lent[E1000_RX_BUFS];
};

/* Buffers 0..E1000_RX_RING-1 start in the ring, the rest free. NULL when
 * there is no memory. */
struct e1000_rxpool *e1000_rxpool_new(struct devio *io);
/* Drops the driver's reference: the pool goes once no buffer is lent. */
void e1000_rxpool_put(struct e1000_rxpool *p);
/* A received frame in buffer idx goes up: lent (the return value is the
 * spare that takes its place in the ring) or copied (idx comes back). */
uint16_t e1000_rxpool_up(struct e1000_rxpool *p, struct netdev *nd, uint16_t idx, uint16_t len,
                         unsigned csum);

static inline uint8_t *e1000_rxpool_virt(const struct e1000_rxpool *p, uint16_t idx)
{
    return (uint8_t *)p->mem.virt + (size_t)idx * E1000_BUF_SIZE;
}
static inline uint64_t e1000_rxpool_bus(const struct e1000_rxpool *p, uint16_t idx)
{
    return p->mem.bus + (uint64_t)idx * E1000_BUF_SIZE;
}
