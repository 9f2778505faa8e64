/* Network device registry, frame delivery, link notification, and the
 * shell command `net`. See net/netdev.h. */
#include "net/netdev.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "kernel/console/kprintf.h"
#include "kernel/shell/shell.h"
#include "lib/string.h"

static struct netdev *netdev_head, **netdev_tail = &netdev_head;
static int netdev_n;

int netdev_register(struct netdev *dev)
{
    if (!dev || !dev->ops || !dev->ops->xmit)
        return -EINVAL;
    if (!dev->mtu)
        dev->mtu = NETDEV_MTU_DEFAULT;
    dev->index = netdev_n++;
    fmt_snprintf(dev->name, sizeof dev->name, "eth%d", dev->index);
    waitq_init(&dev->link_wq);
    dev->next = NULL;
    *netdev_tail = dev;
    netdev_tail = &dev->next;
    return 0;
}

int netdev_count(void) { return netdev_n; }

struct netdev *netdev_get(int index)
{
    if (index < 0)
        return NULL;
    struct netdev *d = netdev_head;
    for (; d && index > 0; index--)
        d = d->next;
    return d;
}

struct netdev *netdev_find(const char *name)
{
    for (struct netdev *d = netdev_head; d; d = d->next)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

/* Both fields change together: threads are cooperative and the driver
 * calls rx only from its thread, so no lock is needed. */
void netdev_set_rx(struct netdev *dev, netdev_rx_fn fn, void *ctx)
{
    dev->rx_ctx = ctx;
    dev->rx = fn;
}

void netdev_set_link_cb(struct netdev *dev, netdev_link_fn fn, void *ctx)
{
    dev->link_ctx = ctx;
    dev->link_change = fn;
}

int netdev_xmit(struct netdev *dev, const void *frame, size_t len)
{
    if (!dev || !frame || len < NETDEV_ETH_HLEN || len > NETDEV_ETH_HLEN + 4u + dev->mtu) {
        if (dev)
            dev->stats.tx_dropped++;
        return -EINVAL;
    }
    return dev->ops->xmit(dev, frame, len);
}

void netdev_rx(struct netdev *dev, const void *frame, size_t len, unsigned csum)
{
    dev->stats.rx_packets++;
    dev->stats.rx_bytes += len;
    if (csum)
        dev->stats.rx_csum_ok++;
    if (dev->rx)
        dev->rx(dev, frame, len, csum, dev->rx_ctx);
    else
        dev->stats.rx_dropped++;
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
    while (!dev->link_up)
        if (waitq_wait_until(&dev->link_wq, deadline) == -ETIMEDOUT)
            return dev->link_up ? 0 : -ETIMEDOUT;
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
    if (!netdev_head) {
        kprintf("no network devices\n");
        return 0;
    }
    for (struct netdev *d = netdev_head; d; d = d->next) {
        char mac[18];
        netdev_format_mac(d->mac, mac, sizeof mac);
        kprintf("%s: %s %s mac %s mtu %u ", d->name, d->driver ? d->driver : "?", d->desc, mac,
                d->mtu);
        if (d->link_up)
            kprintf("link up %u Mb/s\n", d->speed_mbps);
        else
            kprintf("link down\n");
        char a[128];
        if (addr_describer) {
            addr_describer(d, a, sizeof a);
            kprintf("  %s\n", a);
        }
        const struct netdev_stats *s = &d->stats;
        kprintf("  rx %llu packets %llu bytes, %llu dropped, %llu errors\n",
                (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
                (unsigned long long)s->rx_dropped, (unsigned long long)s->rx_errors);
        kprintf("  tx %llu packets %llu bytes, %llu dropped\n", (unsigned long long)s->tx_packets,
                (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_dropped);
        netdev_format_offloads(d, a, sizeof a);
        kprintf("  %s\n", a);
    }
    return 0;
}
SHELL_COMMAND(net, "network devices: MAC, link, address, gateway, counters", cmd_net);
