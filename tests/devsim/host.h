/* The hosted kernel stand-ins of tests/devsim/host_kernel.c: what they
 * record, and the knobs a test turns. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net/netdev.h"

#define HOST_RX_KEEP   1024     /* frames given to netdev_rx that are kept */
#define HOST_LINK_KEEP 64

struct host_rx {
    uint8_t data[2048];
    size_t len;
    unsigned csum;              /* NETDEV_RX_CSUM_* */
};

struct host_link {
    bool up;
    unsigned speed_mbps;
};

struct host_state {
    uint64_t now_ns;            /* the clock */
    unsigned sleeps, yields;
    unsigned timer_adds;        /* sched_timer_add calls (never fired) */
    bool fail_thread_create;    /* thread_create returns NULL */
    unsigned threads;           /* created (never run) */
    void (*thread_fn)(void *arg);
    void *thread_arg;
    long heap_live;             /* kmalloc'd blocks not yet freed */
    bool echo_log;              /* copy the log to stderr (debugging a test) */

    struct netdev *nd;          /* the last device registered */
    int netdevs;
    struct host_rx *rx;         /* HOST_RX_KEEP */
    unsigned rx_count;          /* frames given to netdev_rx (kept or not) */
    uint8_t rx_xor;             /* of every byte netdev_rx was given */
    bool lend;                  /* netdev_rx_lend keeps buffers (else: the copy path) */
    unsigned lent_held;         /* buffers kept, not yet released */
    struct { void (*release)(void *); void *arg; } held[HOST_RX_KEEP];
    struct host_link link[HOST_LINK_KEEP];
    unsigned link_events;       /* netdev_set_link calls that changed something */
};
extern struct host_state host;

/* Sends one contiguous frame through the driver's xmit as the stack would
 * (net/lwip_netif.c, nic_tx_offloads): asking for the IPv4 header checksum
 * of every IPv4 frame and for TCP's of an unfragmented TCP segment. */
int host_xmit(struct netdev *nd, const void *frame, size_t len);

/* Clears the record (not heap_live) and restarts the clock at 1 s. */
void host_reset(void);
/* Whether the log (kprintf, klog) holds `text` since host_reset. */
bool host_log_has(const char *text);
unsigned host_log_count(const char *text);     /* occurrences */
/* Gives back every buffer netdev_rx_lend kept (host.lend). */
void host_release_lent(void);
