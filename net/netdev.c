/* Network device registry (with hot-plug: register, unregister, holds),
 * frame delivery both ways, link notification, and the shell command `net`. See net/netdev.h. */
#include "net/netdev.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "kernel/console/kprintf.h"
#include "kernel/shell/shell.h"
#include "lib/string.h"

/* Slot i holds ethi: a removed NIC frees its name, and the next one
 * registered takes the lowest free slot. */
static struct netdev *slots[NETDEV_MAX];
static int (*stack_attach)(struct netdev *d);
static void (*stack_detach)(struct netdev *d);

#define NETDEV_UNREG_WARN_NS 5000000000ull     /* a holder that long is logged */

int netdev_register(struct netdev *dev)
{
    if (!dev || !dev->ops || !dev->ops->xmit)
        return -EINVAL;
    if (dev->registered)
        return -EBUSY;
    int i = 0;
    while (i < NETDEV_MAX && slots[i])
        i++;
    if (i == NETDEV_MAX)
        return -ENOSPC;
    if (!dev->mtu)
        dev->mtu = NETDEV_MTU_DEFAULT;
    dev->index = i;
    fmt_snprintf(dev->name, sizeof dev->name, "eth%d", i);
    waitq_init(&dev->link_wq);
    waitq_init(&dev->ref_wq);
    dev->refs = 0;
    dev->registered = true;
    slots[i] = dev;
    if (stack_attach) {
        int r = stack_attach(dev);
        if (r < 0)
            pr_warn("%s: not attached to the network stack (%d)\n", dev->name, r);
    }
    return 0;
}

int netdev_unregister(struct netdev *dev)
{
    if (!dev || dev->index < 0 || dev->index >= NETDEV_MAX || slots[dev->index] != dev ||
        !dev->registered)
        return -EINVAL;
    dev->registered = false;            /* no new holds from here on */
    if (stack_detach)
        stack_detach(dev);
    dev->rx = NULL;
    dev->rx_buf = NULL;
    dev->link_change = NULL;
    waitq_wake_all(&dev->link_wq);      /* netdev_wait_link callers see it go */
    /* Holders (a send in progress, the stack's queued messages) put their
     * references from threads; wait for the last one, saying so when it
     * takes long. */
    uint64_t warn_at = sched_deadline_after(NETDEV_UNREG_WARN_NS);
    while (dev->refs > 0) {
        if (waitq_wait_until(&dev->ref_wq, warn_at) == -ETIMEDOUT && dev->refs > 0) {
            pr_warn("%s: unregister waits for %d holder(s)\n", dev->name, dev->refs);
            warn_at = sched_deadline_after(NETDEV_UNREG_WARN_NS);
        }
    }
    slots[dev->index] = NULL;
    pr_info("%s: removed\n", dev->name);
    return 0;
}

bool netdev_hold(struct netdev *dev)
{
    if (!dev || !dev->registered)
        return false;
    dev->refs++;
    return true;
}

void netdev_put(struct netdev *dev)
{
    if (!dev || dev->refs <= 0)
        return;
    if (--dev->refs == 0)
        waitq_wake_all(&dev->ref_wq);
}

void netdev_set_stack(int (*attach)(struct netdev *d), void (*detach)(struct netdev *d))
{
    stack_attach = attach;
    stack_detach = detach;
}

int netdev_count(void)
{
    int n = 0;
    for (int i = 0; i < NETDEV_MAX; i++)
        n += slots[i] != NULL;
    return n;
}

struct netdev *netdev_get(int index)
{
    for (int i = 0; index >= 0 && i < NETDEV_MAX; i++)
        if (slots[i] && index-- == 0)
            return slots[i];
    return NULL;
}

struct netdev *netdev_find(const char *name)
{
    for (int i = 0; i < NETDEV_MAX; i++)
        if (slots[i] && strcmp(slots[i]->name, name) == 0)
            return slots[i];
    return NULL;
}

/* Both fields change together: threads are cooperative and the driver
 * calls rx only from its thread, so no lock is needed. */
void netdev_set_rx(struct netdev *dev, netdev_rx_fn fn, void *ctx)
{
    dev->rx_buf = NULL;
    dev->rx_ctx = ctx;
    dev->rx = fn;
}

void netdev_set_rx_buf(struct netdev *dev, netdev_rx_buf_fn fn)
{
    dev->rx_buf = fn;
}

void netdev_set_link_cb(struct netdev *dev, netdev_link_fn fn, void *ctx)
{
    dev->link_ctx = ctx;
    dev->link_change = fn;
}

/* ---- Transmit --------------------------------------------------------------- */

int netdev_frame_check(const struct netdev *dev, const struct netdev_frame *f)
{
    if (!dev || !f || !f->segs || f->nsegs == 0 || f->nsegs > NETDEV_TX_SEGS_MAX)
        return -EINVAL;
    if (f->len < NETDEV_ETH_HLEN || f->len > NETDEV_ETH_HLEN + 4u + dev->mtu)
        return -EINVAL;
    size_t sum = 0;
    for (unsigned i = 0; i < f->nsegs; i++) {
        if (!f->segs[i].data || f->segs[i].len == 0 || f->segs[i].len > f->len - sum)
            return -EINVAL;
        sum += f->segs[i].len;
    }
    if (sum != f->len)
        return -EINVAL;
    if (f->flags & ~(NETDEV_TX_CSUM_IP | NETDEV_TX_CSUM_TCP))
        return -EINVAL;
    /* Offloaded headers sit in the first segment: IPv4 (20 bytes at
     * least) at l3_off, for TCP its 20-byte header at l4_off after it. */
    if (f->flags) {
        size_t first = f->segs[0].len;
        if (f->l3_off < NETDEV_ETH_HLEN || (size_t)f->l3_off + 20 > first)
            return -EINVAL;
        if ((f->flags & NETDEV_TX_CSUM_TCP) &&
            (f->l4_off < f->l3_off + 20u || (size_t)f->l4_off + 20 > first))
            return -EINVAL;
    }
    return 0;
}

void netdev_frame_gather(const struct netdev_frame *f, void *dst)
{
    uint8_t *d = dst;
    for (unsigned i = 0; i < f->nsegs; i++) {
        memcpy(d, f->segs[i].data, f->segs[i].len);
        d += f->segs[i].len;
    }
}

int netdev_xmit_frame(struct netdev *dev, const struct netdev_frame *f)
{
    if (netdev_frame_check(dev, f) != 0) {
        if (dev)
            dev->stats.tx_dropped++;
        return -EINVAL;
    }
    if (!netdev_hold(dev))
        return -ENODEV;
    int r = dev->ops->xmit(dev, f);
    netdev_put(dev);
    return r;
}

int netdev_xmit(struct netdev *dev, const void *frame, size_t len)
{
    struct netdev_seg seg = { frame, len };
    struct netdev_frame f = { .segs = &seg, .nsegs = 1, .len = len };
    return netdev_xmit_frame(dev, &f);
}

/* ---- Receive ---------------------------------------------------------------- */

static bool rx_count(struct netdev *dev, size_t len, unsigned csum)
{
    dev->stats.rx_packets++;
    dev->stats.rx_bytes += len;
    if (csum)
        dev->stats.rx_csum_ok++;
    if (dev->rx && dev->registered)
        return true;
    dev->stats.rx_dropped++;
    return false;
}

void netdev_rx(struct netdev *dev, const void *frame, size_t len, unsigned csum)
{
    if (rx_count(dev, len, csum))
        dev->rx(dev, frame, len, csum, dev->rx_ctx);
}

bool netdev_rx_lend(struct netdev *dev, void *frame, size_t len, unsigned csum,
                    void (*release)(void *arg), void *arg)
{
    if (!rx_count(dev, len, csum))
        return false;
    if (dev->rx_buf && release && dev->rx_buf(dev, frame, len, csum, release, arg, dev->rx_ctx)) {
        dev->stats.rx_lent++;
        return true;
    }
    dev->rx(dev, frame, len, csum, dev->rx_ctx);
    return false;
}

void netdev_set_link(struct netdev *dev, bool up, unsigned speed_mbps)
{
    if (dev->link_up == up && (!up || dev->speed_mbps == speed_mbps))
        return;
    dev->link_up = up;
    dev->speed_mbps = up ? speed_mbps : 0;
    if (up)
        pr_info("%s: link up %u Mb/s\n", dev->name, speed_mbps);
    else
        pr_info("%s: link down\n", dev->name);
    waitq_wake_all(&dev->link_wq);
    if (dev->link_change)
        dev->link_change(dev, up, dev->link_ctx);
}

int netdev_wait_link(struct netdev *dev, uint64_t timeout_ns)
{
    uint64_t deadline = sched_deadline_after(timeout_ns);
    while (!dev->link_up) {
        if (!dev->registered)
            return -ENODEV;
        if (waitq_wait_until(&dev->link_wq, deadline) == -ETIMEDOUT)
            return dev->link_up ? 0 : -ETIMEDOUT;
    }
    return 0;
}

void netdev_format_mac(const uint8_t mac[6], char *buf, size_t size)
{
    fmt_snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                 mac[4], mac[5]);
}

void netdev_format_offloads(const struct netdev *d, char *buf, size_t size)
{
    const struct netdev_stats *s = &d->stats;
    fmt_snprintf(buf, size, "csum offload%s%s%s%s%s: tx %llu, rx ok %llu, rx bad %llu",
                 d->offloads ? "" : " none", d->offloads & NETDEV_OFF_TX_IPV4_CSUM ? " tx-ip" : "",
                 d->offloads & NETDEV_OFF_TX_L4_CSUM ? " tx-tcp" : "",
                 d->offloads & NETDEV_OFF_RX_IPV4_CSUM ? " rx-ip" : "",
                 d->offloads & NETDEV_OFF_RX_L4_CSUM ? " rx-tcp/udp" : "", (unsigned long long)s->tx_csum,
                 (unsigned long long)s->rx_csum_ok, (unsigned long long)s->rx_csum_bad);
}

/* The network stack, when there is one, describes a device's addresses
 * (lwip_netif.c); netdev itself knows only the link layer. */
static void (*addr_describer)(const struct netdev *d, char *buf, size_t n);

void netdev_set_addr_describer(void (*fn)(const struct netdev *d, char *buf, size_t n))
{
    addr_describer = fn;
}

static int cmd_net(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (netdev_count() == 0) {
        kprintf("no network devices\n");
        return 0;
    }
    for (int i = 0; i < NETDEV_MAX; i++) {
        struct netdev *d = slots[i];
        if (!d)
            continue;
        char mac[18];
        netdev_format_mac(d->mac, mac, sizeof mac);
        kprintf("%s: %s %s mac %s mtu %u ", d->name, d->driver ? d->driver : "?", d->desc, mac,
                d->mtu);
        if (d->link_up)
            kprintf("link up %u Mb/s\n", d->speed_mbps);
        else
            kprintf("link down\n");
        char a[256];
        if (addr_describer) {
            addr_describer(d, a, sizeof a);
            kprintf("  %s\n", a);
        }
        const struct netdev_stats *s = &d->stats;
        kprintf("  rx %llu packets %llu bytes, %llu dropped, %llu errors, %llu without a copy\n",
                (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
                (unsigned long long)s->rx_dropped, (unsigned long long)s->rx_errors,
                (unsigned long long)s->rx_lent);
        kprintf("  tx %llu packets %llu bytes, %llu dropped\n", (unsigned long long)s->tx_packets,
                (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_dropped);
        netdev_format_offloads(d, a, sizeof a);
        kprintf("  %s\n", a);
    }
    return 0;
}
SHELL_COMMAND(net, "network devices: MAC, link, address, gateway, counters", cmd_net);
