/* The glue between netdev (net/netdev.h) and lwIP: for each NIC an lwIP
 * netif whose linkoutput hands the pbuf chain to netdev_xmit_frame() as
 * segments (never made contiguous here) with per-frame checksum requests,
 * and whose received frames go to the tcpip thread either in the driver's
 * own buffer, wrapped in a custom pbuf that gives the buffer back when
 * lwIP frees it (netdev_rx_lend), or copied into pool pbufs (netdev_rx);
 * link changes reach the tcpip thread through tcpip_callback(): lwIP's link
 * comes up with the first carrier and stays up, so connections outlive a
 * carrier loss (net/lwip/carrier.c). Invalid sources are dropped first in
 * net_ip4_input_hook (net/lwip/ip4_src.c); every drop is counted per NIC.
 *
 * Hot-plug: netdev calls nic_attach for a NIC registered after net_init()
 * and nic_detach when one is unregistered. Detaching removes the netif
 * (lwIP aborts the TCP connections on its address) and queues the freeing
 * of the nic behind every frame already in the tcpip mailbox; the nic's
 * hold on the netdev is put then, which lets netdev_unregister return.
 *
 * Configuration: DHCP on every NIC by default; `ip=ADDR/PREFIX gw=ADDR
 * dns=ADDR` on the command line configures eth0 statically instead.
 * The address is printed ("net: eth0 10.0.2.15/24 gw 10.0.2.2 (dhcp)") when
 * an app waits for it (net_wait_addr); the shell command `ip` shows the
 * state of every NIC.
 *
 * Checksums (LWIP_CHECKSUM_CTRL_PER_NETIF): lwIP stops computing the IPv4
 * and TCP checksums of what a netif sends when its device inserts them
 * (NETDEV_OFF_TX_*). On receive, the device's verdict travels with each
 * frame (netdev_rx's csum, kept in two pbuf flag bits), and
 * net_ip4_input_hook, which runs in the tcpip thread just before lwIP
 * processes that packet, switches lwIP's checks off for what the device
 * verified and on for everything else, packet by packet. So a frame the
 * device did not check (no RXCSUM on the model, an IP fragment, a protocol
 * it does not know) is still checked in software.
 *
 * Try it: qemu-system-x86_64 -M q35 -netdev user,id=n0 -device
 * e1000,netdev=n0 -kernel build/minnow.elf -append "selftest=dhcp". */
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/dhcp.h"
#include "lwip/tcpip.h"
#include "lwip/prot/ip4.h"
#include "netif/ethernet.h"
#include "net/lwip_netif.h"
#include "net/lwip/tcp_timewait.h"
#include "net/lwip/tcp_guard.h"
#include "net/lwip/dhcp_hold.h"
#include "net/lwip/carrier.h"
#include "net/lwip/ip4_src.h"
#include "lib/fmt.h"

struct netdev;
static void describe_addr(const struct netdev *d, char *buf, size_t n);
#include "net/netdev.h"
#include "kernel/time/clock.h"
#include "kernel/core/cmdline.h"
#include "kernel/errno.h"
#include "kernel/init.h"
#include "kernel/mm/heap.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "kernel/shell/shell.h"
#include "lib/string.h"

#define NIC_XMIT_TRIES  64      /* -EBUSY: yield to the driver, then drop */
#define NIC_RX_LENT_MAX 512     /* custom pbufs for lent receive buffers, all NICs */
#define NIC_ADDR_WAIT_NS 30000000000ull     /* a hot-plugged NIC's first address is logged */

struct nic {
    struct netif netif;         /* first: lwIP hands us &nic->netif */
    struct netdev *dev;
    bool dhcp;
    uint64_t rx_nobuf;          /* frames dropped: no pool pbuf to copy into */
    uint64_t rx_noqueue;        /* frames dropped: no tcpip message or a full mailbox */
    uint64_t tx_busy;           /* frames dropped: transmit ring stayed full */
    uint64_t rx_csum_sw;        /* TCP/UDP packets the device did not verify: lwIP did */
    uint64_t tx_cloned;         /* chains longer than NETDEV_TX_SEGS_MAX, sent as one copy */
    uint64_t rx_bad_src;        /* IPv4 packets dropped: a source no wire may carry */
    uint64_t tx_nocarrier;      /* frames dropped: sent while the carrier was down */
    uint64_t carrier_losses;    /* carrier lost while lwIP's link stayed up (carrier.c) */
    uint64_t carrier_rexmit;    /* connections retransmitting at once when it came back */
    bool carrier;               /* the carrier as the tcpip thread last applied it */
    u16_t csum_flags;           /* lwIP's checksum work on this netif, receive checks all on */
    bool gone;                  /* detached: frames still queued for it are dropped */
    bool hotplugged;            /* attached after net_init: its first address is logged */
    bool addr_logged;
};

static struct nic *nics[NETDEV_MAX];   /* by netdev index */
static bool stack_up;
static struct waitq addr_wq;    /* woken on every address change and attach */

/* Static configuration of eth0 (empty: DHCP). */
static char opt_ip[24], opt_gw[16], opt_dns[16];
CMDLINE_OPTION(net_ip, .key = "ip", .type = CMDLINE_STR, .dst = opt_ip, .dst_size = sizeof opt_ip,
               .help = "static IPv4 address of eth0 as ADDR/PREFIX (default: DHCP)");
CMDLINE_OPTION(net_gw, .key = "gw", .type = CMDLINE_STR, .dst = opt_gw, .dst_size = sizeof opt_gw,
               .help = "default gateway with ip=");
CMDLINE_OPTION(net_dns, .key = "dns", .type = CMDLINE_STR, .dst = opt_dns, .dst_size = sizeof opt_dns,
               .help = "DNS server address");

/* --- frames out and in ----------------------------------------------------- */
static void nic_tx_done(void *arg)
{
    pbuf_free(arg);
}

/* The checksums this frame needs from the device: those lwIP left out on
 * this netif (csum_flags) and the frame has, headers in its first pbuf
 * (lwIP builds the Ethernet, IPv4 and TCP headers in one pbuf: ip4_output,
 * tcp_output_segment). A TCP segment is never an IP fragment here. */
static unsigned nic_tx_offloads(const struct nic *nic, const struct pbuf *p, struct netdev_frame *f)
{
    bool want_ip = !(nic->csum_flags & NETIF_CHECKSUM_GEN_IP);
    bool want_tcp = !(nic->csum_flags & NETIF_CHECKSUM_GEN_TCP);
    const u8_t *b = p->payload;
    if ((!want_ip && !want_tcp) || p->len < SIZEOF_ETH_HDR + IP_HLEN ||
        b[12] != 0x08 || b[13] != 0x00)          /* ETHTYPE_IP */
        return 0;
    const struct ip_hdr *ip = (const struct ip_hdr *)(b + SIZEOF_ETH_HDR);
    unsigned hl = IPH_HL_BYTES(ip);
    if (IPH_V(ip) != 4 || hl < IP_HLEN || p->len < SIZEOF_ETH_HDR + hl)
        return 0;
    unsigned flags = want_ip ? NETDEV_TX_CSUM_IP : 0;
    f->l3_off = SIZEOF_ETH_HDR;
    bool fragment = IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF);
    if (want_tcp && IPH_PROTO(ip) == IP_PROTO_TCP && !fragment && p->len >= SIZEOF_ETH_HDR + hl + 20) {
        f->l4_off = (uint16_t)(SIZEOF_ETH_HDR + hl);
        flags |= NETDEV_TX_CSUM_TCP;
    }
    return flags;
}

/* Runs with the core lock held (tcpip thread or a socket caller). The
 * chain goes down as it is; a chain of more pieces than a frame may have
 * (many small writes) is cloned into one pbuf first. The frame holds a
 * reference to the pbuf until the driver says it is done with it. */
static err_t nic_linkoutput(struct netif *netif, struct pbuf *p)
{
    struct nic *nic = (struct nic *)netif;
    if (!nic->dev->link_up) {
        /* No carrier: lost as on a wire; TCP retransmits it (carrier.c). */
        nic->tx_nocarrier++;
        return ERR_OK;
    }
    struct pbuf *q = p;
    if (pbuf_clen(p) > NETDEV_TX_SEGS_MAX) {
        q = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
        if (!q)
            return ERR_MEM;
        nic->tx_cloned++;
    } else {
        pbuf_ref(q);
    }
    struct netdev_seg segs[NETDEV_TX_SEGS_MAX];
    struct netdev_frame f = { .segs = segs, .len = q->tot_len, .done = nic_tx_done, .done_arg = q };
    for (struct pbuf *r = q; r; r = r->next)
        if (r->len)
            segs[f.nsegs++] = (struct netdev_seg){ r->payload, r->len };
    f.flags = nic_tx_offloads(nic, q, &f);
    for (int i = 0; i < NIC_XMIT_TRIES; i++) {
        int r = netdev_xmit_frame(nic->dev, &f);
        if (r == 0)
            return ERR_OK;                      /* nic_tx_done frees q */
        if (r != -EBUSY) {
            pbuf_free(q);
            return ERR_IF;
        }
        thread_yield();         /* let the driver reclaim descriptors */
    }
    pbuf_free(q);
    nic->tx_busy++;
    return ERR_MEM;
}

/* What the device verified, carried from nic_rx to net_ip4_input_hook in
 * pbuf->flags: lwIP 2.1.3 uses bits 0x01-0x20 there (pbuf.h) and copies
 * nothing of them into other pbufs on the way from ethernet_input to
 * ip4_input, which gets this very pbuf. */
#define NIC_PBUF_IP_OK  0x40u
#define NIC_PBUF_L4_OK  0x80u

/* The tcpip thread: a frame queued before its NIC was detached is
 * dropped; the nic itself is freed only after it (nic_detach). */
static err_t nic_input(struct pbuf *p, struct netif *netif)
{
    if (((struct nic *)netif)->gone) {
        pbuf_free(p);
        return ERR_OK;
    }
    return ethernet_input(p, netif);
}

static void nic_queue(struct nic *nic, struct pbuf *p, unsigned csum)
{
    if (csum & NETDEV_RX_CSUM_IP_OK)
        p->flags |= NIC_PBUF_IP_OK;
    if (csum & NETDEV_RX_CSUM_L4_OK)
        p->flags |= NIC_PBUF_L4_OK;
    if (tcpip_inpkt(p, &nic->netif, nic_input) != ERR_OK) {
        nic->rx_noqueue++;
        pbuf_free(p);
    }
}

/* The driver's thread: copy the frame out of its DMA buffer, queue it for
 * the tcpip thread. */
static void nic_rx(struct netdev *dev, const void *frame, size_t len, unsigned csum, void *ctx)
{
    (void)dev;
    struct nic *nic = ctx;
    struct pbuf *p = len <= 0xFFFF ? pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL) : NULL;
    if (!p) {
        nic->rx_nobuf++;
        return;
    }
    pbuf_take(p, frame, (u16_t)len);
    nic_queue(nic, p, csum);
}

/* A lent receive buffer inside lwIP: a custom pbuf (pbuf.h,
 * LWIP_SUPPORT_CUSTOM_PBUF) of an allocation source of our own, so that
 * net_ip4_input_hook tells it from lwIP's own pbufs, whose free function
 * gives the buffer back to the driver. */
#define NIC_PBUF_LENT   PBUF_TYPE_ALLOC_SRC_MASK_APP_MIN
struct nic_rxref {
    struct pbuf_custom pc;      /* first: lwIP frees &pc.pbuf */
    void (*release)(void *arg);
    void *arg;
};
LWIP_MEMPOOL_DECLARE(NIC_RXREF, NIC_RX_LENT_MAX, sizeof(struct nic_rxref), "nic rx lent");

/* Any thread that drops the last reference (tcpip thread, a socket's
 * reader): threads are cooperative, the driver's release needs no lock. */
static void nic_rxref_free(struct pbuf *p)
{
    struct nic_rxref *r = (struct nic_rxref *)p;
    void (*release)(void *) = r->release;
    void *arg = r->arg;
    LWIP_MEMPOOL_FREE(NIC_RXREF, r);
    release(arg);
}

/* The driver's thread: wrap its buffer, queue it. false (the driver
 * copies instead) when no wrapper is free or the frame is too long. */
static bool nic_rx_lend(struct netdev *dev, void *frame, size_t len, unsigned csum,
                        void (*release)(void *arg), void *arg, void *ctx)
{
    (void)dev;
    struct nic *nic = ctx;
    struct nic_rxref *r = len <= 0xFFFF ? LWIP_MEMPOOL_ALLOC(NIC_RXREF) : NULL;
    if (!r)
        return false;
    r->release = release;
    r->arg = arg;
    r->pc.custom_free_function = nic_rxref_free;
    struct pbuf *p = pbuf_alloced_custom(PBUF_RAW, (u16_t)len, (pbuf_type)NIC_PBUF_LENT, &r->pc,
                                         frame, (u16_t)len);
    if (!p) {
        LWIP_MEMPOOL_FREE(NIC_RXREF, r);
        return false;
    }
    nic_queue(nic, p, csum);    /* on failure pbuf_free releases the buffer */
    return true;
}

/* LWIP_HOOK_IP4_INPUT, tcpip thread, core lock held: for a packet from one
 * of our NICs, lwIP checks in software exactly what the device did not
 * verify. The netif's flags are set for each packet before lwIP looks at
 * it, and the tcpip thread handles one packet at a time, so the setting
 * cannot leak to another packet. A fragment's TCP/UDP checksum is never
 * the device's (it covers the reassembled datagram, which lwIP checks
 * when the last fragment, this one or a later one, completes it). */
int net_ip4_input_hook(struct pbuf *p, struct netif *inp)
{
    if (inp->linkoutput != nic_linkoutput)
        return minnow_tcp_timewait_hook(p, inp);
    struct nic *nic = (struct nic *)inp;
    if (p->len >= IP_HLEN) {
        ip4_addr_t src;
        ip4_addr_copy(src, ((const struct ip_hdr *)p->payload)->src);
        if (ip4_src_invalid(&src, inp)) {
            nic->rx_bad_src++;
            pbuf_free(p);
            return 1;                           /* eaten: lwIP returns at once */
        }
    }
    if (dhcp_hold_input(p, inp))
        return 1;                               /* for the address DHCP is binding */
    u16_t f = nic->csum_flags;                  /* every check on */
    if (!pbuf_match_allocsrc(p, PBUF_POOL) && pbuf_get_allocsrc(p) != NIC_PBUF_LENT) {
        /* Not from nic_rx or nic_rx_lend: lwIP's own output to our own address, looped
         * back on this netif (LWIP_NETIF_LOOPBACK, netif_loop_output copies
         * it into a PBUF_RAM pbuf). It was built with this netif's GEN
         * flags, so without the checksums the NIC would have inserted,
         * and never crossed a wire: do not check those, as lwIP's loopif
         * checks nothing. */
        if (!(f & NETIF_CHECKSUM_GEN_IP))
            f &= (u16_t)~NETIF_CHECKSUM_CHECK_IP;
        if (!(f & NETIF_CHECKSUM_GEN_TCP))
            f &= (u16_t)~NETIF_CHECKSUM_CHECK_TCP;
    } else if (p->len >= IP_HLEN) {
        const struct ip_hdr *ip = p->payload;
        bool fragment = IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF);
        bool l4 = IPH_PROTO(ip) == IP_PROTO_TCP || IPH_PROTO(ip) == IP_PROTO_UDP;
        if (p->flags & NIC_PBUF_IP_OK)
            f &= (u16_t)~NETIF_CHECKSUM_CHECK_IP;
        if ((p->flags & NIC_PBUF_L4_OK) && !fragment)
            f &= (u16_t)~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP);
        else if (l4)
            nic->rx_csum_sw++;
    }
    NETIF_SET_CHECKSUM_CTRL(inp, f);
    return minnow_tcp_timewait_hook(p, inp);
}

/* --- link and address changes ---------------------------------------------- */
/* tcpip thread. lwIP's link flag follows the carrier until it has been up
 * once; after that it stays up through carrier losses, so that routes and
 * connections survive a flap (net/lwip/carrier.c). */
static void nic_link_apply(void *ctx)
{
    struct nic *nic = ctx;
    bool up = nic->dev->link_up;
    if (nic->gone || up == nic->carrier)
        return;
    nic->carrier = up;
    if (!netif_is_link_up(&nic->netif)) {
        if (up)
            netif_set_link_up(&nic->netif);
    } else if (!up) {
        nic->carrier_losses++;
    } else {
        nic->carrier_rexmit += carrier_back(&nic->netif, nic->dhcp);
    }
}

static void nic_link(struct netdev *dev, bool up, void *ctx)
{
    (void)dev, (void)up;
    if (tcpip_callback(nic_link_apply, ctx) != ERR_OK)
        pr_warn("net: %s: link change lost (tcpip mailbox)\n", dev->name);
}

static int prefix_len(const ip4_addr_t *mask)
{
    int n = 0;
    for (uint32_t m = ip4_addr_get_u32(mask); m; m &= m - 1)
        n++;
    return n;
}

/* "net: eth0 10.0.2.15/24 gw 10.0.2.2 (dhcp)" at the given log level. */
static void nic_print(struct nic *nic, int level)
{
    struct netif *netif = &nic->netif;
    char a[16], g[16];
    ip4addr_ntoa_r(netif_ip4_addr(netif), a, sizeof a);
    ip4addr_ntoa_r(netif_ip4_gw(netif), g, sizeof g);
    klog(level, "net: %s %s/%d gw %s (%s)\n", nic->dev->name, a, prefix_len(netif_ip4_netmask(netif)), g,
         nic->dhcp ? "dhcp" : "static");
}

/* NOTE: a lease arrives in the background, typically while the shell
 * shows its prompt; printing it then would garble the console. Changes
 * after net_init() are logged at debug level; net_wait_addr() prints the
 * address for the app that asked, and `ip` shows it any time. */
static void nic_status(struct netif *netif)    /* core lock held */
{
    struct nic *nic = (struct nic *)netif;
    if (!ip4_addr_isany_val(*netif_ip4_addr(netif))) {
        /* A NIC that was hot-plugged has no app waiting to print its
         * address: its first one is logged here. */
        nic_print(nic, stack_up && (!nic->hotplugged || nic->addr_logged) ? LOG_DEBUG : LOG_INFO);
        nic->addr_logged = true;
    }
    dhcp_hold_settle(netif);
    waitq_wake_all(&addr_wq);
}

static err_t nic_netif_init(struct netif *netif)
{
    struct nic *nic = (struct nic *)netif;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = nic_linkoutput;
    netif->mtu = nic->dev->mtu;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, nic->dev->mac, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif_set_hostname(netif, "minnow");
    return ERR_OK;
}

/* --- configuration --------------------------------------------------------- */
/* "10.0.2.15/24" -> address and netmask; false when malformed. */
static bool parse_cidr(const char *s, ip4_addr_t *addr, ip4_addr_t *mask)
{
    char buf[sizeof opt_ip];
    size_t n = strlen(s);
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n + 1);
    int prefix = 24;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] != '/')
            continue;
        buf[i] = '\0';
        prefix = 0;
        if (!buf[i + 1])
            return false;
        for (const char *d = buf + i + 1; *d; d++) {
            if (*d < '0' || *d > '9' || (prefix = prefix * 10 + (*d - '0')) > 32)
                return false;
        }
        break;
    }
    if (!ip4addr_aton(buf, addr))
        return false;
    ip4_addr_set_u32(mask, prefix ? lwip_htonl(0xFFFFFFFFu << (32 - prefix)) : 0);
    return true;
}

/* Adds one NIC to lwIP; the core lock is held. eth0 is the default route
 * and takes the static configuration when there is one. */
static struct nic *nic_add(struct netdev *dev, bool first)
{
    struct nic *nic = kzalloc(sizeof *nic);
    if (!nic)
        return NULL;
    nic->dev = dev;
    ip4_addr_t addr = { 0 }, mask = { 0 }, gw = { 0 };
    nic->dhcp = true;
    if (first && opt_ip[0]) {
        if (parse_cidr(opt_ip, &addr, &mask)) {
            nic->dhcp = false;
            if (opt_gw[0] && !ip4addr_aton(opt_gw, &gw))
                pr_warn("net: gw=%s is not an IPv4 address (ignored)\n", opt_gw);
        } else {
            pr_warn("net: ip=%s is not ADDR/PREFIX: using DHCP\n", opt_ip);
        }
    }
    if (!netif_add(&nic->netif, &addr, &mask, &gw, nic, nic_netif_init, tcpip_input)) {
        kfree(nic);
        return NULL;
    }
    /* Leave to the device the checksums it inserts: the IPv4 header and
     * TCP. UDP stays in software even so, because lwIP computes it over
     * the whole datagram before ip4_frag splits it, and no device can sum
     * across fragments. */
    nic->csum_flags = NETIF_CHECKSUM_ENABLE_ALL;    /* receive checks: see net_ip4_input_hook */
    if (dev->offloads & NETDEV_OFF_TX_IPV4_CSUM)
        nic->csum_flags &= (u16_t)~NETIF_CHECKSUM_GEN_IP;
    if (dev->offloads & NETDEV_OFF_TX_L4_CSUM)
        nic->csum_flags &= (u16_t)~NETIF_CHECKSUM_GEN_TCP;
    NETIF_SET_CHECKSUM_CTRL(&nic->netif, nic->csum_flags);
    netif_set_status_callback(&nic->netif, nic_status);
    if (first)
        netif_set_default(&nic->netif);
    netif_set_up(&nic->netif);
    if (dev->link_up) {
        netif_set_link_up(&nic->netif);
        nic->carrier = true;
    }
    if (nic->dhcp && dhcp_start(&nic->netif) != ERR_OK)
        pr_warn("net: %s: cannot start DHCP\n", dev->name);
    return nic;
}

/* Frames and link changes flow in only once the netif exists. */
static void nic_connect(struct nic *nic)
{
    netdev_set_rx(nic->dev, nic_rx, nic);
    netdev_set_rx_buf(nic->dev, nic_rx_lend);
    netdev_set_link_cb(nic->dev, nic_link, nic);
    nic_link(nic->dev, nic->dev->link_up, nic);     /* a change we missed */
}

/* Adds dev's netif; the nic holds dev until nic_free. Core lock not held. */
static int nic_attach_locked(struct netdev *dev, struct nic **out)
{
    if (dev->index < 0 || dev->index >= NETDEV_MAX || nics[dev->index])
        return -EBUSY;
    if (!netdev_hold(dev))
        return -ENODEV;
    struct nic *nic = nic_add(dev, dev->index == 0);
    if (!nic) {
        netdev_put(dev);
        return -ENOMEM;
    }
    nics[dev->index] = nic;
    *out = nic;
    return 0;
}

/* netdev: a NIC registered while the stack is up. */
static int nic_attach(struct netdev *dev)
{
    struct nic *nic;
    LOCK_TCPIP_CORE();
    int r = nic_attach_locked(dev, &nic);
    if (r == 0)
        nic->hotplugged = true;
    UNLOCK_TCPIP_CORE();
    if (r != 0)
        return r;
    nic_connect(nic);
    pr_info("net: %s attached (%s)\n", dev->name, nic->dhcp ? "dhcp" : "static");
    waitq_wake_all(&addr_wq);
    return 0;
}

static int nic_count(void)
{
    int n = 0;
    for (int i = 0; i < NETDEV_MAX; i++)
        n += nics[i] != NULL;
    return n;
}

/* The tcpip thread, after every frame queued for the nic before it went. */
static void nic_free(void *arg)
{
    struct nic *nic = arg;
    struct netdev *dev = nic->dev;
    kfree(nic);
    netdev_put(dev);
}

/* netdev: dev is being unregistered. No frame or link change comes from
 * the driver after this; the netif goes (lwIP aborts the TCP connections
 * bound to its address, netif_remove -> tcp_netif_ip_addr_changed), and
 * the nic is freed behind what the mailbox holds for it. */
static void nic_detach(struct netdev *dev)
{
    if (dev->index < 0 || dev->index >= NETDEV_MAX || !nics[dev->index])
        return;
    struct nic *nic = nics[dev->index];
    netdev_set_rx(dev, NULL, NULL);
    netdev_set_link_cb(dev, NULL, NULL);
    LOCK_TCPIP_CORE();
    nic->gone = true;
    nics[dev->index] = NULL;
    dhcp_hold_forget(&nic->netif);
    if (nic->dhcp) {
        dhcp_stop(&nic->netif);
        dhcp_cleanup(&nic->netif);
    }
    netif_remove(&nic->netif);
    UNLOCK_TCPIP_CORE();
    waitq_wake_all(&addr_wq);
    pr_info("net: %s detached, %d NIC%s attached\n", dev->name, nic_count(),
            nic_count() == 1 ? "" : "s");
    if (tcpip_callback(nic_free, nic) != ERR_OK) {
        /* No message for it: let dev go, keep the nic (a small leak,
         * never a use after free). */
        pr_warn("net: %s: tcpip mailbox refused the cleanup\n", dev->name);
        netdev_put(dev);
    }
}

static void tcpip_ready(void *arg)
{
    sem_up(arg);
}

static void net_start(void);

/* A machine that booted without a NIC starts the stack when the first one
 * is hot-added (netdev_register calls this from the hot-plug thread); the
 * stack then attaches every registered NIC, this one included. */
static int net_start_on_first_nic(struct netdev *dev)
{
    (void)dev;
    net_start();
    waitq_wake_all(&addr_wq);
    return stack_up ? 0 : -ENOMEM;
}

/* lwIP on every NIC present; with none, later, on the first one. Nothing
 * runs the stack's threads or timers on a machine that never has a NIC. */
void net_init(void)
{
    waitq_init(&addr_wq);
    if (netdev_count() == 0)
        netdev_set_stack(net_start_on_first_nic, NULL);
    else
        net_start();
}

static void net_start(void)
{
    if (stack_up)
        return;
    static struct semaphore ready;
    sem_init(&ready, 0);
    LWIP_MEMPOOL_INIT(NIC_RXREF);
    tcpip_init(tcpip_ready, &ready);
    sem_down(&ready);
    LOCK_TCPIP_CORE();
    if (opt_dns[0]) {
        ip_addr_t dns;
        if (ipaddr_aton(opt_dns, &dns))
            dns_setserver(0, &dns);
        else
            pr_warn("net: dns=%s is not an IPv4 address (ignored)\n", opt_dns);
    }
    for (int i = 0; i < netdev_count(); i++) {
        struct netdev *dev = netdev_get(i);
        struct nic *nic;
        if (nic_attach_locked(dev, &nic) != 0)
            pr_err("net: %s: cannot add to lwIP\n", dev->name);
    }
    UNLOCK_TCPIP_CORE();
    for (int i = 0; i < NETDEV_MAX; i++)
        if (nics[i])
            nic_connect(nics[i]);
    stack_up = true;
    netdev_set_addr_describer(describe_addr);
    netdev_set_stack(nic_attach, nic_detach);
    int n = nic_count();
    pr_info("net: lwIP %s on %d NIC%s (%s)\n", LWIP_VERSION_STRING, n, n == 1 ? "" : "s",
            nics[0] && !nics[0]->dhcp ? "eth0 static" : "dhcp");
}

INIT_HOOK(net, net_init, INIT_STACK);      /* lwIP on every NIC; DHCP runs in the background */

int net_ready(void) { return stack_up; }

static struct nic *nic_find(const char *name)
{
    for (int i = 0; i < NETDEV_MAX; i++)
        if (nics[i] && strcmp(nics[i]->dev->name, name) == 0)
            return nics[i];
    return NULL;
}

int net_wait_stack(uint64_t timeout_ns)
{
    uint64_t deadline = sched_deadline_after(timeout_ns);
    while (!stack_up)
        if (waitq_wait_until(&addr_wq, deadline) != 0 && !stack_up)
            return -ENODEV;
    return 0;
}

/* Waits for the NIC to be there (it may be hot-added, or come back after a
 * removal) and to have an address. The nic is looked up again after every
 * wait: it may be detached (and freed) meanwhile. -ENODEV when there is
 * still no such NIC at the deadline, -ETIMEDOUT when it has no address. */
int net_wait_addr(const char *name, uint64_t timeout_ns)
{
    uint64_t deadline = sched_deadline_after(timeout_ns);
    struct nic *nic;
    /* Threads are cooperative and the status and attach callbacks run in
     * threads: no wakeup can come between the check and the wait. */
    for (;;) {
        nic = stack_up ? nic_find(name) : NULL;
        if (nic && !ip4_addr_isany_val(*netif_ip4_addr(&nic->netif)))
            break;
        if (waitq_wait_until(&addr_wq, deadline) != 0) {
            nic = stack_up ? nic_find(name) : NULL;
            if (!nic)
                return -ENODEV;
            if (ip4_addr_isany_val(*netif_ip4_addr(&nic->netif)))
                return -ETIMEDOUT;
            break;
        }
    }
    LOCK_TCPIP_CORE();
    nic_print(nic, LOG_INFO);
    nic->addr_logged = true;
    UNLOCK_TCPIP_CORE();
    return 0;
}

/* --- shell ------------------------------------------------------------------ */
static const char *dhcp_state_name(const struct netif *netif, const struct nic *nic)
{
    static const char names[][12] = {
        [DHCP_STATE_OFF] = "off", [DHCP_STATE_REQUESTING] = "requesting", [DHCP_STATE_INIT] = "init",
        [DHCP_STATE_REBOOTING] = "rebooting", [DHCP_STATE_REBINDING] = "rebinding",
        [DHCP_STATE_RENEWING] = "renewing", [DHCP_STATE_SELECTING] = "selecting",
        [DHCP_STATE_INFORMING] = "informing", [DHCP_STATE_CHECKING] = "checking",
        [DHCP_STATE_PERMANENT] = "permanent", [DHCP_STATE_BOUND] = "bound",
        [DHCP_STATE_RELEASING] = "releasing", [DHCP_STATE_BACKING_OFF] = "backing off",
    };
    if (!nic->dhcp)
        return "static";
    const struct dhcp *d = netif_dhcp_data(netif);
    if (!d)
        return "dhcp (not started)";
    return d->state < sizeof names / sizeof names[0] && names[d->state][0] ? names[d->state] : "?";
}

static void describe_addr(const struct netdev *d, char *buf, size_t n)
{
    for (int i = 0; i < NETDEV_MAX; i++) {
        if (!nics[i] || nics[i]->dev != d)
            continue;
        struct netif *nif = &nics[i]->netif;
        char a[16], g[16];
        LOCK_TCPIP_CORE();
        ip4addr_ntoa_r(netif_ip4_addr(nif), a, sizeof a);
        ip4addr_ntoa_r(netif_ip4_gw(nif), g, sizeof g);
        int prefix = prefix_len(netif_ip4_netmask(nif));
        bool dhcp = nics[i]->dhcp;
        UNLOCK_TCPIP_CORE();
        /* A second line: frames the stack had to drop before lwIP saw them. */
        const struct nic *nic = nics[i];
        /* and, stack-wide, what net/lwip/tcp_guard.c did under load. */
        struct tcp_guard_stats gs;
        minnow_tcp_guard_stats(&gs);
        fmt_snprintf(buf, n, "inet %s/%d gw %s (%s)\n  stack dropped: no rx buffer %llu, input queue full %llu, "
                     "invalid ipv4 source %llu\n  tcp: rx data spared %llu, syn cookies %llu (%llu back), "
                     "half-open evicted %llu", a, prefix, g, dhcp ? "dhcp" : "static",
                     (unsigned long long)nic->rx_nobuf, (unsigned long long)nic->rx_noqueue,
                     (unsigned long long)nic->rx_bad_src, (unsigned long long)gs.rx_reserve,
                     (unsigned long long)gs.cookies_sent, (unsigned long long)gs.cookies_ok,
                     (unsigned long long)gs.halfopen_evicted);
        return;
    }
    fmt_snprintf(buf, n, "inet: not configured");
}

static int cmd_ip(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (!stack_up) {
        kprintf("ip: no network stack (no NIC)\n");
        return 0;
    }
    LOCK_TCPIP_CORE();
    for (int i = 0; i < NETDEV_MAX; i++) {
        struct nic *nic = nics[i];
        if (!nic)
            continue;
        struct netif *nif = &nic->netif;
        char a[16], g[16];
        ip4addr_ntoa_r(netif_ip4_addr(nif), a, sizeof a);
        ip4addr_ntoa_r(netif_ip4_gw(nif), g, sizeof g);
        kprintf("%s: carrier %s, %s/%d gw %s, %s%s; mtu %u, rx no buffer %llu, rx queue full %llu, "
                "tx ring full %llu, tcp/udp checked in software %llu, tx chains cloned %llu\n",
                nic->dev->name, nic->dev->link_up ? "up" : "down", a,
                prefix_len(netif_ip4_netmask(nif)), g, nic->dhcp ? "dhcp " : "", dhcp_state_name(nif, nic),
                nif->mtu, (unsigned long long)nic->rx_nobuf, (unsigned long long)nic->rx_noqueue,
                (unsigned long long)nic->tx_busy, (unsigned long long)nic->rx_csum_sw,
                (unsigned long long)nic->tx_cloned);
        kprintf("  invalid sources dropped %llu; carrier lost %llu, tx dropped without carrier %llu, "
                "connections retransmitted at carrier return %llu\n", (unsigned long long)nic->rx_bad_src,
                (unsigned long long)nic->carrier_losses, (unsigned long long)nic->tx_nocarrier,
                (unsigned long long)nic->carrier_rexmit);
    }
    const ip_addr_t *dns = dns_getserver(0);
    char d[16];
    ip4addr_ntoa_r(ip_2_ip4(dns), d, sizeof d);
    kprintf("dns: %s\n", d);
    UNLOCK_TCPIP_CORE();
    return 0;
}
SHELL_COMMAND(ip, "IPv4 addresses, gateways and DHCP state of each NIC", cmd_ip);

uint32_t net_gw(const char *name)
{
    struct nic *nic = stack_up ? nic_find(name) : NULL;
    if (!nic)
        return 0;
    LOCK_TCPIP_CORE();
    uint32_t gw = ip4_addr_get_u32(netif_ip4_gw(&nic->netif));
    UNLOCK_TCPIP_CORE();
    return gw;
}

uint64_t net_rx_csum_sw(const char *name)
{
    struct nic *nic = stack_up ? nic_find(name) : NULL;
    return nic ? nic->rx_csum_sw : 0;
}

int net_nic_counters(const char *name, struct net_nic_counters *c)
{
    struct nic *nic = stack_up ? nic_find(name) : NULL;
    if (!nic)
        return -ENODEV;
    *c = (struct net_nic_counters){ .rx_nobuf = nic->rx_nobuf, .rx_noqueue = nic->rx_noqueue,
        .rx_bad_src = nic->rx_bad_src, .tx_nocarrier = nic->tx_nocarrier,
        .carrier_losses = nic->carrier_losses, .carrier_rexmit = nic->carrier_rexmit };
    return 0;
}

void net_addr_str(const char *name, char *buf, size_t size)
{
    fmt_snprintf(buf, size, "?");
    for (int i = 0; i < NETDEV_MAX; i++) {
        if (!nics[i] || strcmp(nics[i]->dev->name, name) != 0)
            continue;
        LOCK_TCPIP_CORE();
        ip4addr_ntoa_r(netif_ip4_addr(&nics[i]->netif), buf, (int)size);
        UNLOCK_TCPIP_CORE();
        return;
    }
}
