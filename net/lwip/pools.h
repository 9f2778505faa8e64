/* lwIP's memory pools, sized at boot from the free memory or net_mem= and
 * carved from the kernel heap (net/lwip/pools.c). */
#pragma once
#include <stdint.h>

struct net_pool_info {
    const char *name;       /* lwIP's description, e.g. "PBUF_POOL" */
    uint32_t configured;    /* lwipopts.h's count */
    uint32_t limit;         /* the count chosen at boot */
    uint32_t used;          /* elements in use now */
    uint32_t refused;       /* allocations refused: the pool was empty */
    uint32_t stride;        /* bytes one element takes */
};

int net_pools_count(void);
/* Pool i (0 <= i < net_pools_count()): 0, or -EINVAL. */
int net_pools_get(int i, struct net_pool_info *info);

/* 1 when the pool of receive pbufs is down to its last quarter
 * (tcp_guard.c then keeps it for connections that read). */
int net_pools_rx_short(void);
/* How many TCP connections the pools allow at once: the TCP PCB pool
 * (apps size their connection slots and backlogs
 * from it). */
uint32_t net_pools_conns(void);
/* Frames the pool of receive pbufs holds (tcp_guard.c bounds windows by it). */
uint32_t net_pools_rx_frames(void);
