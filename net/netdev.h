/* Network devices: what a NIC driver offers to the network stack.
 *
 * A driver fills a struct netdev (MAC, MTU, ops, offloads) and calls
 * netdev_register(), which names it eth0, eth1, ... in registration order.
 * From its own thread (never from an interrupt handler) the driver then
 * hands each received frame to netdev_rx() and reports link changes with
 * netdev_set_link(). The stack (lwIP, later) installs its receive and
 * link-change callbacks with netdev_set_rx() / netdev_set_link_cb() and
 * sends with netdev_xmit().
 *
 * Threads are cooperative (kernel/sched/sched.h), so the callbacks run to
 * completion in the driver's thread; they must not block for long. The
 * frame pointer given to the rx callback is valid only during the call
 * (it points into the driver's DMA buffer): copy what you keep. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/sched/sched.h"

#define NETDEV_NAME_MAX   8
#define NETDEV_ETH_HLEN   14          /* destination, source, EtherType */
#define NETDEV_MTU_DEFAULT 1500

/* Offload capabilities (netdev.offloads). */
#define NETDEV_OFF_RX_IPV4_CSUM  (1u << 0)  /* device verifies IPv4 header checksums */
#define NETDEV_OFF_RX_L4_CSUM    (1u << 1)  /* ... and TCP/UDP checksums */
#define NETDEV_OFF_TX_IPV4_CSUM  (1u << 2)  /* device can insert them on transmit */
#define NETDEV_OFF_TX_L4_CSUM    (1u << 3)  /* TCP only: see docs/net.md for UDP */

/* Per received frame (netdev_rx's csum): which checksums the device
 * verified and found good. A frame whose verified checksum was wrong never
 * gets here: the driver drops it and counts rx_csum_bad. Whatever is not
 * flagged must still be checked in software. */
#define NETDEV_RX_CSUM_IP_OK     (1u << 0)  /* IPv4 header checksum */
#define NETDEV_RX_CSUM_L4_OK     (1u << 1)  /* TCP or UDP checksum */

struct netdev;

struct netdev_ops {
    /* Queues one whole Ethernet frame (no FCS) for sending; the frame is
     * copied before return. 0, -EINVAL (bad length), -EBUSY (ring full:
     * try again later), -EIO (device gone). Threads only, never from an
     * interrupt handler: drivers rely on threads being cooperative. */
    int (*xmit)(struct netdev *dev, const void *frame, size_t len);
};

struct netdev_stats {
    uint64_t rx_packets, rx_bytes;
    uint64_t tx_packets, tx_bytes;
    uint64_t rx_dropped;    /* good frames nobody took, frames too long for a buffer */
    uint64_t tx_dropped;    /* frames refused: bad length, no link */
    uint64_t rx_errors;     /* frames the device flagged bad or reported impossibly */
    uint64_t tx_csum;       /* frames sent with device-inserted checksums */
    uint64_t rx_csum_ok;    /* frames whose checksums the device verified */
    uint64_t rx_csum_bad;   /* frames dropped: a device-verified checksum was wrong */
};

typedef void (*netdev_rx_fn)(struct netdev *dev, const void *frame, size_t len, unsigned csum,
                             void *ctx);
typedef void (*netdev_link_fn)(struct netdev *dev, bool up, void *ctx);

struct netdev {
    char name[NETDEV_NAME_MAX];     /* "eth0": set by netdev_register */
    uint8_t mac[6];
    uint16_t mtu;                   /* IP payload bytes per frame */
    bool link_up;
    unsigned speed_mbps;            /* when link_up */
    uint32_t offloads;              /* NETDEV_OFF_* */
    const struct netdev_ops *ops;
    void *priv;                     /* the driver's */
    const char *driver;             /* "e1000" */
    char desc[40];                  /* driver detail for `net`: "00:03.0 82540EM msi" */
    struct netdev_stats stats;

    netdev_rx_fn rx;                /* set by the stack; NULL: frames are dropped */
    void *rx_ctx;
    netdev_link_fn link_change;
    void *link_ctx;
    struct waitq link_wq;           /* woken on every link change */

    struct netdev *next;            /* registry */
    int index;
};

/* Adds dev to the registry and names it. 0, or -EINVAL. */
int netdev_register(struct netdev *dev);
int netdev_count(void);
struct netdev *netdev_get(int index);           /* NULL when out of range */
struct netdev *netdev_find(const char *name);

void netdev_set_rx(struct netdev *dev, netdev_rx_fn fn, void *ctx);
void netdev_set_link_cb(struct netdev *dev, netdev_link_fn fn, void *ctx);

/* Sends through dev->ops->xmit, refusing frames shorter than a header or
 * longer than header + MTU (+4 for a VLAN tag). */
int netdev_xmit(struct netdev *dev, const void *frame, size_t len);

/* Driver side: one received frame with its NETDEV_RX_CSUM_* bits (counted,
 * then given to the rx callback or dropped), and a link state change
 * (logged, waiters woken, callback called). Threads only. */
void netdev_rx(struct netdev *dev, const void *frame, size_t len, unsigned csum);
void netdev_set_link(struct netdev *dev, bool up, unsigned speed_mbps);

/* Waits until dev's link is up or timeout_ns passes: 0 or -ETIMEDOUT. */
int netdev_wait_link(struct netdev *dev, uint64_t timeout_ns);

/* "52:54:00:12:34:56" into buf (at least 18 bytes). */
void netdev_format_mac(const uint8_t mac[6], char *buf, size_t size);

/* "csum offload tx-ip tx-tcp rx-ip rx-tcp/udp: tx N, rx ok N, rx bad N":
 * what the device offers and the counters that show it in use. */
void netdev_format_offloads(const struct netdev *d, char *buf, size_t size);

/* Installed by the network stack: one line with the device's addresses
 * ("inet 10.0.2.15/24 gw 10.0.2.2 (dhcp)") for the shell's `net`. */
void netdev_set_addr_describer(void (*fn)(const struct netdev *d, char *buf, size_t n));
