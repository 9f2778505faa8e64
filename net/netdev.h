/* Network devices: what a NIC driver offers to the network stack.
 *
 * A driver fills a struct netdev (MAC, MTU, ops, offloads) and calls
 * netdev_register(), which names it with the lowest free ethN.
 * From its own thread (never from an interrupt handler) the driver then
 * hands each received frame to netdev_rx() (copied) or netdev_rx_lend()
 * (its buffer, given back later) and reports link changes with
 * netdev_set_link(). The stack (lwIP, later) installs its receive and
 * link-change callbacks with netdev_set_rx() / netdev_set_link_cb() and
 * sends with netdev_xmit_frame() (segments, offload flags, optional
 * completion callback). A NIC may come and go at run time:
 * netdev_unregister() detaches it and waits for its holders.
 *
 * Threads are cooperative (kernel/sched/sched.h), so the callbacks run to
 * completion in the driver's thread; they must not block for long. The
 * frame pointer given to the rx callback is valid only during the call
 * (it points into the driver's DMA buffer): copy what you keep; the
 * rx_buf callback may instead keep the buffer and release it later. */
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

/* ---- Transmit: a frame as a list of segments -------------------------------
 * A frame goes down as up to NETDEV_TX_SEGS_MAX pieces (an lwIP pbuf chain,
 * not made contiguous), in order, with per-frame offload requests. Headers
 * the device must edit for an offload (Ethernet + IPv4 + TCP) lie wholly in
 * segs[0]: the stack guarantees it when it sets a NETDEV_TX_CSUM_* flag. */
#define NETDEV_TX_SEGS_MAX  16

#define NETDEV_TX_CSUM_IP   (1u << 0)   /* insert the IPv4 header checksum */
#define NETDEV_TX_CSUM_TCP  (1u << 1)   /* insert the TCP checksum (unfragmented TCP only) */

struct netdev_seg {
    const void *data;
    size_t len;                         /* > 0 */
};

struct netdev_frame {
    const struct netdev_seg *segs;
    unsigned nsegs;                     /* 1..NETDEV_TX_SEGS_MAX */
    size_t len;                         /* sum of the segments' lengths */
    unsigned flags;                     /* NETDEV_TX_CSUM_* */
    uint16_t l3_off, l4_off;            /* IPv4 / TCP header offsets when flags ask */
    /* Optional. NULL: the segments are valid only during xmit (the driver
     * copies). Set: the caller keeps them valid until the driver calls
     * done(done_arg), exactly once for every frame xmit accepted (0), and
     * never for one it refused; so a driver may DMA in place and release
     * later. A copying driver calls it before returning. */
    void (*done)(void *done_arg);
    void *done_arg;
};

/* Gathers the segments of f into dst (room for f->len bytes): a copying
 * driver's one memcpy per segment into its DMA buffer. */
void netdev_frame_gather(const struct netdev_frame *f, void *dst);
/* Checks a frame against the rules above and dev's MTU: 0 or -EINVAL. */
int netdev_frame_check(const struct netdev *dev, const struct netdev_frame *f);

struct netdev_ops {
    /* Queues one Ethernet frame (no FCS) for sending. 0, -EBUSY (ring
     * full: try again later), -EIO / -ENODEV (device gone). The frame has
     * passed netdev_frame_check. Threads only, never from an interrupt
     * handler: drivers rely on threads being cooperative. */
    int (*xmit)(struct netdev *dev, const struct netdev_frame *f);
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
    uint64_t rx_lent;       /* frames handed up in the driver's own buffer (no copy) */
};

/* Copying receive: frame valid only during the call. */
typedef void (*netdev_rx_fn)(struct netdev *dev, const void *frame, size_t len, unsigned csum,
                             void *ctx);
/* Lending receive: the callee either takes the buffer (returns true, and
 * calls release(arg) exactly once when done with it, from a thread) or
 * leaves it (false: the driver keeps it, and the frame goes the copying
 * way instead). */
typedef bool (*netdev_rx_buf_fn)(struct netdev *dev, void *frame, size_t len, unsigned csum,
                                 void (*release)(void *arg), void *arg, void *ctx);
typedef void (*netdev_link_fn)(struct netdev *dev, bool up, void *ctx);

#define NETDEV_MAX 16                   /* eth0 .. eth15 at a time */

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
    netdev_rx_buf_fn rx_buf;        /* NULL: lent frames are copied through rx */
    void *rx_ctx;
    netdev_link_fn link_change;
    void *link_ctx;
    struct waitq link_wq;           /* woken on every link change */

    int index;                      /* N of ethN */
    bool registered;                /* in the registry, not being removed */
    int refs;                       /* netdev_hold minus netdev_put */
    struct waitq ref_wq;            /* netdev_unregister waits here for refs == 0 */
};

/* Adds dev to the registry under the lowest free name ethN; when the
 * network stack is already up, attaches it at once (DHCP, or for eth0 the
 * static configuration). 0, -EINVAL, -EBUSY (already registered),
 * -ENOSPC (NETDEV_MAX devices). */
int netdev_register(struct netdev *dev);
/* Takes dev out: no new holds, the stack detaches it (its netif goes:
 * connections on its address are aborted), its callbacks are cleared,
 * then waits until every hold is put. On return nobody uses dev: the
 * driver may free it. Threads only. 0 or -EINVAL (not registered). */
int netdev_unregister(struct netdev *dev);
/* References that keep dev's memory alive across a blocking call or a
 * queued message. netdev_hold fails (false) once unregistering began. */
bool netdev_hold(struct netdev *dev);
void netdev_put(struct netdev *dev);

int netdev_count(void);                         /* registered devices */
struct netdev *netdev_get(int i);               /* the i-th by name order; NULL out of range */
struct netdev *netdev_find(const char *name);

void netdev_set_rx(struct netdev *dev, netdev_rx_fn fn, void *ctx);    /* clears rx_buf */
void netdev_set_rx_buf(struct netdev *dev, netdev_rx_buf_fn fn);        /* same ctx as rx */
void netdev_set_link_cb(struct netdev *dev, netdev_link_fn fn, void *ctx);

/* Sends a frame (netdev_frame_check, then ops->xmit, with a hold on dev
 * for the call): the driver's result, or -EINVAL / -ENODEV. */
int netdev_xmit_frame(struct netdev *dev, const struct netdev_frame *f);
/* One contiguous frame, copied by the driver. */
int netdev_xmit(struct netdev *dev, const void *frame, size_t len);

/* Driver side: one received frame with its NETDEV_RX_CSUM_* bits (counted,
 * then given to the rx callback or dropped), and a link state change
 * (logged, waiters woken, callback called). Threads only. */
void netdev_rx(struct netdev *dev, const void *frame, size_t len, unsigned csum);
/* The same for a frame in a buffer the driver can lend: true when the
 * stack took it (release(arg) comes later), false when it was copied or
 * dropped and the buffer is the driver's again at once. */
bool netdev_rx_lend(struct netdev *dev, void *frame, size_t len, unsigned csum,
                    void (*release)(void *arg), void *arg);
void netdev_set_link(struct netdev *dev, bool up, unsigned speed_mbps);

/* Installed by the network stack: attach is called for each device
 * registered while the stack is up, detach by netdev_unregister before it
 * waits. attach returns 0 or a negative errno (logged; the device stays
 * registered without a netif). */
void netdev_set_stack(int (*attach)(struct netdev *d), void (*detach)(struct netdev *d));

/* Waits until dev's link is up or timeout_ns passes: 0 or -ETIMEDOUT. */
int netdev_wait_link(struct netdev *dev, uint64_t timeout_ns);

/* "52:54:00:12:34:56" into buf (at least 18 bytes). */
void netdev_format_mac(const uint8_t mac[6], char *buf, size_t size);

/* "csum offload tx-ip tx-tcp rx-ip rx-tcp/udp: tx N, rx ok N, rx bad N":
 * what the device offers and the counters that show it in use. */
void netdev_format_offloads(const struct netdev *d, char *buf, size_t size);

/* Installed by the network stack: the device's addresses ("inet
 * 10.0.2.15/24 gw 10.0.2.2 (dhcp)") and the stack's own drop counters, on
 * lines separated by "\n  ", for the shell's `net`. */
void netdev_set_addr_describer(void (*fn)(const struct netdev *d, char *buf, size_t n));
