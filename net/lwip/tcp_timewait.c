/* TIME_WAIT reuse for lwIP (RFC 1122 4.2.2.13).
 *
 * A client that reconnects from the same local port to a minnow server
 * meets the server's TIME_WAIT control block for the old connection.
 * lwIP 2.1.3's tcp_timewait_input() answers such a SYN with an ACK (or a
 * RST) and never lets it through, so the reconnect fails for 2 MSL.
 * RFC 1122 4.2.2.13 allows a TIME_WAIT connection to be reopened by a new
 * SYN whose sequence number is larger than the final one of the old
 * connection (RFC 6191 refines this with timestamps, which lwIP does not
 * use), which is what Linux and the BSDs do.
 *
 * lwIP calls LWIP_HOOK_IP4_INPUT (lwipopts.h) for every received IPv4
 * packet before its own processing, in the tcpip thread. For a pure SYN
 * that matches a TIME_WAIT block with a sequence number beyond the old
 * connection's rcv_nxt, the hook retires that block (tcp_abandon frees a
 * TIME_WAIT block without sending anything), and the SYN then reaches the
 * listening socket as a new connection. Everything else passes unchanged.
 *
 * The client side is the mirror case: minnow closed first, so it holds
 * the TIME_WAIT block itself, and connect() from the same local port to
 * the same server meets lwIP's tcp_connect() refusing the four-tuple
 * (ERR_USE, EADDRINUSE). minnow_tcp_timewait_connect() runs just before
 * such a connect and retires the block when the connection about to be
 * opened will start beyond the old one's sequence space (its ISN, from
 * minnow_tcp_isn below, above the old snd_nxt): the same condition
 * RFC 1122 4.2.2.13 puts on a peer's SYN, seen from the sending side. */
#include "lwip/ip4.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/inet_chksum.h"
#include "lwip/netif.h"
#include "lwip/errno.h"
#include "net/lwip/tcp_timewait.h"
#include "net/lwip/tcp_guard.h"
#include "kernel/core/cmdline.h"

static unsigned long reused, reused_connect;

/* TCP_MSL (lwipopts.h): 60 s by default, as lwIP and RFC 793 have it;
 * servers that churn through connections may want less. */
unsigned long minnow_tcp_msl_ms = 60000;
CMDLINE_OPTION(tcp_msl, .key = "tcp_msl", .type = CMDLINE_UINT, .dst = &minnow_tcp_msl_ms,
               .dst_size = sizeof minnow_tcp_msl_ms, .min = 100, .max = 600000,
               .help = "TCP maximum segment lifetime in ms (TIME_WAIT = 2 x MSL), default 60000");

/* The TCP checksum over the segment and the pseudo header (RFC 793 3.1). */
static int tcp_checksum_ok(struct pbuf *p, uint16_t hlen, const struct ip_hdr *ip)
{
    uint16_t seglen = (uint16_t)(lwip_ntohs(IPH_LEN(ip)) - hlen);
    ip4_addr_t src, dst;
    ip4_addr_copy(src, ip->src);
    ip4_addr_copy(dst, ip->dest);
    if (pbuf_remove_header(p, hlen) != 0)
        return 0;
    /* Only the segment's own length: Ethernet may have padded the frame. */
    uint16_t sum = ip_chksum_pseudo_partial(p, IP_PROTO_TCP, seglen, seglen, &src, &dst);
    pbuf_add_header_force(p, hlen);
    return sum == 0;
}

unsigned long minnow_tcp_timewait_reused(void) { return reused; }
unsigned long minnow_tcp_timewait_reused_connect(void) { return reused_connect; }

int minnow_tcp_timewait_hook(struct pbuf *p, struct netif *inp)
{
    if (p->len < IP_HLEN)
        return 0;
    const struct ip_hdr *ip = (const struct ip_hdr *)p->payload;
    uint16_t hlen = (uint16_t)(IPH_HL(ip) * 4);
    if (IPH_V(ip) != 4 || IPH_PROTO(ip) != IP_PROTO_TCP || hlen < IP_HLEN ||
        p->len < hlen + TCP_HLEN || (IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF)))
        return 0;                                   /* not a whole TCP header here */
    /* The hook runs before lwIP validates the packet: a corrupted SYN must
     * not retire a connection, so check the IPv4 header checksum and that
     * the TCP segment's checksum is right (pseudo header included), unless
     * the netif says they need no check: the NIC verified them (set per
     * packet by net_ip4_input_hook), or the loopback netif, which lwIP
     * sends without checksums (netif.c, netif_loopif_init). */
    if (lwip_ntohs(IPH_LEN(ip)) > p->tot_len || lwip_ntohs(IPH_LEN(ip)) < hlen + TCP_HLEN)
        return 0;
    IF__NETIF_CHECKSUM_ENABLED(inp, NETIF_CHECKSUM_CHECK_IP) {
        if (inet_chksum(ip, hlen) != 0)
            return 0;
    }
    const struct tcp_hdr *th = (const struct tcp_hdr *)((const uint8_t *)p->payload + hlen);
    u8_t flags = TCPH_FLAGS(th) & (TCP_SYN | TCP_ACK | TCP_RST);
    if (flags == TCP_ACK)
        return minnow_tcp_guard_input(p, inp, ip, th, hlen);   /* a SYN cookie coming back? */
    if (flags != TCP_SYN)
        return 0;
    uint32_t seq = lwip_ntohl(th->seqno);
    IF__NETIF_CHECKSUM_ENABLED(inp, NETIF_CHECKSUM_CHECK_TCP) {
        if (!tcp_checksum_ok(p, hlen, ip))
            return 0;
    }
    for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
        if (pcb->local_port != lwip_ntohs(th->dest) || pcb->remote_port != lwip_ntohs(th->src) ||
            !ip4_addr_cmp(ip_2_ip4(&pcb->remote_ip), &ip->src) ||
            !ip4_addr_cmp(ip_2_ip4(&pcb->local_ip), &ip->dest))
            continue;
        if (TCP_SEQ_GT(seq, pcb->rcv_nxt)) {
            tcp_abandon(pcb, 0);                    /* TIME_WAIT: removed and freed */
            reused++;
        }
        break;
    }
    return minnow_tcp_guard_input(p, inp, ip, th, hlen);  /* half-open queue full: a cookie */
}

/* Initial sequence numbers, RFC 6528: a clock ticking every 4 us plus a
 * keyed hash of the connection's addresses and ports. lwIP's own ISN grows
 * by its tick counter per connection, so a quick reconnect from the same
 * port could reuse sequence space the peer's TIME_WAIT still remembers; a
 * clock-driven ISN moves past it, which is what lets the peer (minnow
 * itself, or Linux) reopen the connection as above. */
#include "kernel/time/clock.h"
#include "kernel/arch/cpu.h"
#include "kernel/sched/sched.h"
#include "lwip/tcpip.h"

static uint64_t isn_secret;

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

u32_t minnow_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                     u16_t remote_port)
{
    u32_t cookie;
    if (minnow_tcp_guard_iss(&cookie))
        return cookie;                              /* a connection made from a SYN cookie */
    if (!isn_secret)
        isn_secret = mix(rdtsc()) | 1;
    /* Two keyed rounds over the whole 4-tuple (RFC 6528's F); not a
     * cryptographic hash: the secret comes from the TSC at first use. */
    uint64_t addrs = (uint64_t)ip4_addr_get_u32(ip_2_ip4(local_ip)) << 32 |
                     ip4_addr_get_u32(ip_2_ip4(remote_ip));
    uint64_t h = mix(addrs ^ isn_secret);
    h = mix(h ^ ((uint64_t)local_port << 16 | remote_port) ^ (isn_secret << 1));
    return (u32_t)(clock_ns() / 4000) + (u32_t)h;
}

/* The client side (see the top of the file). Returns 0 when no TIME_WAIT
 * block stands in the way (any more), or the number of sequence numbers
 * the new ISN still lacks (the caller may wait 4 us for each, RFC 6528's
 * clock, and try again). The core lock is taken here. */
static u32_t timewait_connect_once(const ip4_addr_t *bound, u16_t lport, const ip4_addr_t *rip,
                                   u16_t rport)
{
    u32_t lacking = 0;
    LOCK_TCPIP_CORE();
    ip4_addr_t lip = *bound;
    if (ip4_addr_isany_val(lip)) {
        /* What tcp_connect() will pick: the address of the route's netif. */
        struct netif *n = ip4_route(rip);
        if (n)
            lip = *netif_ip4_addr(n);
    }
    for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
        if (pcb->local_port != lport || pcb->remote_port != rport ||
            !ip4_addr_cmp(ip_2_ip4(&pcb->local_ip), &lip) || !ip4_addr_cmp(ip_2_ip4(&pcb->remote_ip), rip))
            continue;
        u32_t isn = minnow_tcp_isn(&lip, lport, rip, rport);
        if (TCP_SEQ_GT(isn, pcb->snd_nxt)) {
            tcp_abandon(pcb, 0);                    /* TIME_WAIT: removed and freed */
            reused_connect++;
        } else {
            lacking = pcb->snd_nxt - isn + 1;
        }
        break;
    }
    UNLOCK_TCPIP_CORE();
    return lacking;
}

int minnow_tcp_timewait_connect(uint32_t local_ip, uint16_t lport, uint32_t remote_ip, uint16_t rport)
{
    ip4_addr_t lip, rip;
    ip4_addr_set_u32(&lip, local_ip);
    ip4_addr_set_u32(&rip, remote_ip);
    u32_t lacking = timewait_connect_once(&lip, lport, &rip, rport);
    /* The old connection sent more than the clock has moved on since it
     * began (250 KB/s). Up to a second's worth, wait for the clock; past
     * that, leave the TIME_WAIT block alone and let connect fail. */
    if (lacking && lacking <= 250000) {
        thread_sleep_ns((uint64_t)lacking * 4000 + 4000);
        lacking = timewait_connect_once(&lip, lport, &rip, rport);
    }
    return lacking ? -EADDRINUSE : 0;
}
