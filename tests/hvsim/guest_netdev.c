/* Hosted stand-in for the driver side of net/netdev.c, for NIC drivers
 * tested against hvsim (hv/netvsc.c): frames and link changes are recorded
 * in `gnd`; netdev_rx reads every byte, so a length past the driver's
 * buffer is an ASan report here. */
#include <stdlib.h>
#include <string.h>
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "tests/hvsim/guest_netdev.h"

struct guest_netdev gnd;

void guest_netdev_reset(void)
{
    free(gnd.kept);
    memset(&gnd, 0, sizeof gnd);
    gnd.kept = calloc(GND_KEEP, sizeof *gnd.kept);
}

int netdev_register(struct netdev *dev)
{
    if (!dev || !dev->ops || !dev->ops->xmit)
        return -EINVAL;
    if (!dev->mtu)
        dev->mtu = NETDEV_MTU_DEFAULT;
    dev->index = (int)gnd.registers++;
    fmt_snprintf(dev->name, sizeof dev->name, "eth%d", dev->index);
    dev->registered = true;
    gnd.nd = dev;
    return 0;
}

int netdev_unregister(struct netdev *dev)
{
    if (gnd.nd != dev)
        return -EINVAL;
    gnd.unregisters++;
    dev->registered = false;
    gnd.nd = NULL;
    return 0;
}

void netdev_rx(struct netdev *dev, const void *frame, size_t len, unsigned csum)
{
    const volatile uint8_t *p = frame;
    struct gnd_frame *k = &gnd.kept[gnd.rx++ % GND_KEEP];
    k->len = len;
    k->csum = csum;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = p[i];
        if (i < sizeof k->data)
            k->data[i] = b;
    }
    dev->stats.rx_packets++;
    dev->stats.rx_bytes += len;
    if (csum)
        dev->stats.rx_csum_ok++;
}

bool netdev_rx_lend(struct netdev *dev, void *frame, size_t len, unsigned csum, void (*release)(void *arg),
                    void *arg)
{
    (void)release, (void)arg;
    netdev_rx(dev, frame, len, csum);
    return false;
}

void netdev_set_link(struct netdev *dev, bool up, unsigned speed_mbps)
{
    if (dev->link_up == up && (!up || dev->speed_mbps == speed_mbps))
        return;
    dev->link_up = up;
    dev->speed_mbps = up ? speed_mbps : 0;
    gnd.link_log[gnd.link_events++ % 256] = up;
}

void netdev_frame_gather(const struct netdev_frame *f, void *dst)
{
    uint8_t *d = dst;
    for (unsigned i = 0; i < f->nsegs; i++) {
        memcpy(d, f->segs[i].data, f->segs[i].len);
        d += f->segs[i].len;
    }
}

void netdev_format_mac(const uint8_t mac[6], char *buf, size_t size)
{
    fmt_snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

const struct gnd_frame *guest_netdev_frame(uint64_t i)
{
    return i < gnd.rx && gnd.rx - i <= GND_KEEP ? &gnd.kept[i % GND_KEEP] : NULL;
}

int guest_netdev_xmit(const void *frame, size_t len)
{
    const uint8_t *b = frame;
    struct netdev *nd = gnd.nd;
    if (!nd)
        return -ENODEV;
    /* Two segments when it can, as an lwIP pbuf chain would. */
    struct netdev_seg seg[2] = { { frame, len > 64 ? 64 : len }, { b + 64, len > 64 ? len - 64 : 0 } };
    struct netdev_frame f = { .segs = seg, .nsegs = len > 64 ? 2 : 1, .len = len };
    if ((nd->offloads & NETDEV_OFF_TX_IPV4_CSUM) && len >= 34 && b[12] == 0x08 && b[13] == 0x00) {
        f.flags = NETDEV_TX_CSUM_IP;
        f.l3_off = 14;
        if (b[23] == 6) {
            f.flags |= NETDEV_TX_CSUM_TCP;
            f.l4_off = (uint16_t)(14 + (b[14] & 0xFu) * 4);
        }
    }
    return nd->ops->xmit(nd, &f);
}
