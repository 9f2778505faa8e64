/* TCP under load and abuse: what lwIP 2.1.3 lacks for a server that must
 * survive what a Linux guest survives (docs/net.md, "Reliability under
 * load"). Three guards, all in the tcpip thread with the core lock held:
 *
 * 1. Receive buffers no connection can monopolise. A connection's receive
 *    window (256 KiB, TCP_WND) lets its peer fill it whether or not the
 *    application reads; a few connections nobody reads (waiting in the
 *    accept queue, or whose thread is blocked sending) can hold every
 *    receive buffer, and then every frame is dropped -- ARP, ICMP, the
 *    ACKs of all other connections -- until a timeout frees them. Linux
 *    prunes such queues under memory pressure (tcp_prune_queue,
 *    net/ipv4/tcp_input.c). Here, lwIP's LWIP_HOOK_TCP_INPACKET_PCB looks at
 *    each segment with data before it is queued: when the pool of receive
 *    pbufs is down to its last quarter (pools.c) and the connection already
 *    holds more unread bytes than it may -- a few segments while it waits
 *    in the accept queue, an eighth of the pool once accepted -- the
 *    segment is dropped and counted (rx_reserve). The buffer it came in is
 *    free again at once; the peer retransmits it later (RFC 9293 3.10.7.4:
 *    a receiver may drop segments it has no room for). Connections that
 *    read, and every frame that is not TCP data, keep the last quarter.
 *
 * 2. Send buffers by memory: as a passive connection opens, its send
 *    buffer is capped by the free memory (snd_buf_cap, below).
 *
 * 3. SYN floods. lwIP counts half-open connections (SYN_RCVD) in a
 *    listener's backlog (tcp_listen_input, core/tcp_in.c): a flood of SYNs
 *    from addresses that never answer fills it, and every SYN after is
 *    dropped until the half-open ones time out after 20 s. Here a
 *    listener keeps at most HALF_OPEN_MAX half-open connections; a SYN
 *    beyond that is answered statelessly with a SYN cookie (RFC 4987 3.6,
 *    net/lwip/syncookie.c): the SYN-ACK's sequence number is a keyed hash
 *    of the four-tuple and a 64 s clock, with the peer's MSS in its low 3
 *    bits. An ACK that returns a valid cookie for a connection lwIP does
 *    not know becomes a connection: the SYN it answers is rebuilt and
 *    handed to lwIP with the cookie as its ISN, which makes an ordinary
 *    SYN_RCVD connection that the ACK then completes (lwIP's own SYN-ACK
 *    that this sends again is a duplicate the peer acknowledges and
 *    forgets). If the backlog is full, the oldest half-open connection of
 *    the listener is dropped to make room. A cookie connection has no
 *    window scaling (the SYN's options are gone): a 64 KiB window, slower
 *    but served. */
#include "lwip/ip.h"
#include "lwip/ip4.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/inet_chksum.h"
#include "lwip/netif.h"
#include "lib/string.h"
#include "kernel/time/clock.h"
#include "kernel/arch/cpu.h"
#include "kernel/mm/pmm.h"
#include "kernel/core/trace.h"
#include "net/lwip/pools.h"
#include "net/lwip/tcp_guard.h"
#include "net/lwip/syncookie.h"

/* Unread bytes any connection keeps when receive buffers are short. */
#define RX_HELD_QUEUED  (4 * TCP_MSS)
#define HALF_OPEN_MAX   32              /* SYN_RCVD connections per listener before cookies */

static struct tcp_guard_stats st;

TRACE_FLAG(tcpguard, "TCP under load: segments spared, SYN cookies sent and returned, half-open evicted");

void minnow_tcp_guard_stats(struct tcp_guard_stats *s) { *s = st; }

/* --- 1. receive buffers -------------------------------------------------- */
/* A passive connection's send buffer, capped as its handshake completes:
 * lwIP copies what the application sends into heap pbufs, up to
 * TCP_SND_BUF (256 KiB) a connection, and a few connections sending at
 * once on a small machine take the whole heap -- then a new connection
 * finds no memory for its mailbox and lwIP resets it after the handshake.
 * snd_buf only grows by what is acknowledged, so lowering it once caps
 * the connection for good: a 32nd of the free memory, at least what poll()
 * needs to call the socket writable again (TCP_SNDLOWAT).
 *
 * NOTE: the receive window cannot be capped the same way: lwIP's
 * tcp_close() takes rcv_wnd below its maximum for unread data and resets
 * the connection instead of closing it (core/tcp.c, tcp_close_shutdown). */
static void snd_buf_cap(struct tcp_pcb *pcb)
{
    uint64_t cap = (uint64_t)pmm_free_pages() * PAGE_SIZE / 32;
    if (cap < TCP_SNDLOWAT + 4 * TCP_MSS)
        cap = TCP_SNDLOWAT + 4 * TCP_MSS;
    if (pcb->snd_buf > cap)
        pcb->snd_buf = (tcpwnd_size_t)cap;
}

int minnow_tcp_guard_inpkt(struct tcp_pcb *pcb, struct pbuf *p)
{
    if (pcb->state == SYN_RCVD)
        snd_buf_cap(pcb);
    /* p->payload is the segment's data: only data is held. A listener's
     * SYN carries none. */
    if (!p->tot_len || pcb->state == LISTEN || !net_pools_rx_short())
        return 0;
    /* In the accept queue, where nobody reads yet: a request's worth.
     * Accepted: an eighth of the receive buffers, so that the connections
     * that read -- and whose retransmissions come back after a drop --
     * always find room. */
    tcpwnd_size_t held = TCP_WND_MAX(pcb) - pcb->rcv_wnd;
    uint32_t share = net_pools_rx_frames() * TCP_MSS / 8;
    if (held <= RX_HELD_QUEUED || (!(pcb->flags & TF_BACKLOGPEND) && held <= share))
        return 0;
    st.rx_reserve++;
    TRACE(tcpguard, "spared %u bytes for :%u (holds %u unread%s)\n", p->tot_len, pcb->local_port,
          (unsigned)held, (pcb->flags & TF_BACKLOGPEND) ? ", not accepted" : "");
    return -1;
}

/* --- 2. SYN cookies ------------------------------------------------------- */
static uint64_t cookie_secret, cookie_last_ns;
static u32_t cookie_iss;
static bool injecting;              /* the rebuilt SYN is in ip4_input */

int minnow_tcp_guard_iss(uint32_t *iss)
{
    *iss = cookie_iss;
    return injecting;
}

static uint64_t tick(void) { return clock_ns() / SYNCOOKIE_TICK_NS; }

static uint64_t secret(void)
{
    while (!cookie_secret)
        cookie_secret = rdtsc() * 0x9e3779b97f4a7c15ull;
    return cookie_secret;
}

/* The listener a segment to th->dest at ip->dest would reach. */
static struct tcp_pcb_listen *listener_for(const struct ip_hdr *ip, const struct tcp_hdr *th)
{
    for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
        if (l->local_port == lwip_ntohs(th->dest) &&
            (ip4_addr_isany(ip_2_ip4(&l->local_ip)) || ip4_addr_cmp(ip_2_ip4(&l->local_ip), &ip->dest)))
            return l;
    }
    return NULL;
}

/* How many connections of listener l are half-open; *oldest the one that
 * has been so the longest (lwIP puts new PCBs at the head of the list). */
static int half_open(const struct tcp_pcb_listen *l, struct tcp_pcb **oldest)
{
    int n = 0;
    *oldest = NULL;
    for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
        if (pcb->state == SYN_RCVD && pcb->listener == l) {
            n++;
            *oldest = pcb;
        }
    }
    return n;
}

/* A TCP segment of flags with one MSS option, from ip->dest:th->dest back to
 * ip->src:th->src (a SYN-ACK), or the same direction as the original (the
 * rebuilt SYN, when `as_peer`). Built as an IPv4 packet for ip4_input, or
 * as a TCP segment for ip4_output_if. */
static struct pbuf *segment(const struct ip_hdr *ip, const struct tcp_hdr *th, bool as_peer, u32_t seq,
                            u32_t ack, u8_t flags, u16_t mss)
{
    struct pbuf *p = pbuf_alloc(as_peer ? PBUF_RAW : PBUF_IP, (as_peer ? IP_HLEN : 0) + TCP_HLEN + 4, PBUF_RAM);
    if (!p)
        return NULL;
    u8_t *b = p->payload;
    memset(b, 0, p->len);
    struct tcp_hdr *t = (struct tcp_hdr *)(b + (as_peer ? IP_HLEN : 0));
    t->src = as_peer ? th->src : th->dest;
    t->dest = as_peer ? th->dest : th->src;
    t->seqno = lwip_htonl(seq);
    t->ackno = lwip_htonl(ack);
    TCPH_HDRLEN_FLAGS_SET(t, 6, flags);
    t->wnd = PP_HTONS(0xFFFF);
    u8_t *o = (u8_t *)(t + 1);
    o[0] = LWIP_TCP_OPT_MSS;
    o[1] = 4;
    o[2] = (u8_t)(mss >> 8);
    o[3] = (u8_t)mss;
    if (as_peer) {
        struct ip_hdr *h = (struct ip_hdr *)b;
        IPH_VHL_SET(h, 4, IP_HLEN / 4);
        IPH_LEN_SET(h, lwip_htons(p->len));
        IPH_TTL_SET(h, 64);
        IPH_PROTO_SET(h, IP_PROTO_TCP);
        ip4_addr_copy(h->src, ip->src);
        ip4_addr_copy(h->dest, ip->dest);
        IPH_CHKSUM_SET(h, inet_chksum(h, IP_HLEN));
        ip_addr_t s, d;
        ip_addr_copy_from_ip4(s, ip->src);
        ip_addr_copy_from_ip4(d, ip->dest);
        pbuf_remove_header(p, IP_HLEN);
        t->chksum = ip_chksum_pseudo(p, IP_PROTO_TCP, p->tot_len, &s, &d);
        pbuf_add_header(p, IP_HLEN);
    }
    return p;
}

/* A SYN to a listener whose half-open queue is full: a SYN-ACK with a
 * cookie, and the SYN freed. */
static void send_cookie(struct pbuf *p, struct netif *inp, const struct ip_hdr *ip, const struct tcp_hdr *th)
{
    u16_t mss = syncookie_peer_mss((const u8_t *)(th + 1), TCPH_HDRLEN(th) * 4u - TCP_HLEN);
    u32_t c = syncookie_make(secret(), ip4_addr_get_u32(&ip->src), ip4_addr_get_u32(&ip->dest), th->src,
                             th->dest, tick(), mss);
    ip_addr_t src, dst;
    ip_addr_copy_from_ip4(src, ip->dest);
    ip_addr_copy_from_ip4(dst, ip->src);
    struct pbuf *q = segment(ip, th, false, c, lwip_ntohl(th->seqno) + 1, TCP_SYN | TCP_ACK,
                             syncookie_mss[c & 7]);
    pbuf_free(p);
    if (!q)
        return;
    IF__NETIF_CHECKSUM_ENABLED(inp, NETIF_CHECKSUM_GEN_TCP) {
        ((struct tcp_hdr *)q->payload)->chksum = ip_chksum_pseudo(q, IP_PROTO_TCP, q->tot_len, &src, &dst);
    }
    TRACE(tcpguard, "SYN from %s:%u: half-open queue full, SYN-ACK with cookie %08x (mss %u)\n",
          ip4addr_ntoa(ip_2_ip4(&dst)), lwip_ntohs(th->src), (unsigned)c, syncookie_mss[c & 7]);
    ip4_output_if(q, ip_2_ip4(&src), ip_2_ip4(&dst), TCP_TTL, 0, IP_PROTO_TCP, inp);
    pbuf_free(q);
    st.cookies_sent++;
    cookie_last_ns = clock_ns();
}

static bool known(const struct ip_hdr *ip, const struct tcp_hdr *th)
{
    for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
        if (pcb->remote_port == lwip_ntohs(th->src) && pcb->local_port == lwip_ntohs(th->dest) &&
            ip4_addr_cmp(ip_2_ip4(&pcb->remote_ip), &ip->src) && ip4_addr_cmp(ip_2_ip4(&pcb->local_ip), &ip->dest))
            return true;
    }
    return false;
}

int minnow_tcp_guard_input(struct pbuf *p, struct netif *inp, const struct ip_hdr *ip,
                           const struct tcp_hdr *th, uint16_t hlen)
{
    u8_t flags = TCPH_FLAGS(th) & (TCP_SYN | TCP_ACK | TCP_RST);
    if (injecting)
        return 0;                       /* our own rebuilt SYN, on its way in */
    if (flags == TCP_SYN) {
        struct tcp_pcb_listen *l = listener_for(ip, th);
        struct tcp_pcb *oldest;
        if (!l || (TCPH_HDRLEN(th) * 4u) < TCP_HLEN || p->len < hlen + TCPH_HDRLEN(th) * 4u)
            return 0;
        int n = half_open(l, &oldest);
        /* A backlog full of established connections the application has
         * not accepted: lwIP drops the SYN and the client tries again, as
         * with Linux's full accept queue. */
        if (n < HALF_OPEN_MAX && (l->accepts_pending < l->backlog || n == 0))
            return 0;
        send_cookie(p, inp, ip, th);
        return 1;
    }
    /* ACKs are looked at only while cookies may be out (two ticks). */
    if (flags != TCP_ACK || !cookie_last_ns || clock_ns() - cookie_last_ns > 2 * SYNCOOKIE_TICK_NS)
        return 0;
    int mss = syncookie_check(secret(), ip4_addr_get_u32(&ip->src), ip4_addr_get_u32(&ip->dest), th->src,
                              th->dest, tick(), lwip_ntohl(th->ackno) - 1);
    struct tcp_pcb_listen *l = mss < 0 ? NULL : listener_for(ip, th);
    if (!l || known(ip, th))
        return 0;
    struct tcp_pcb *oldest;
    if (l->accepts_pending >= l->backlog) {
        if (half_open(l, &oldest) == 0) {
            pbuf_free(p);               /* the accept queue is full: the peer retransmits */
            return 1;
        }
        TRACE(tcpguard, "backlog full: half-open connection from %s:%u dropped\n",
              ip4addr_ntoa(ip_2_ip4(&oldest->remote_ip)), oldest->remote_port);
        tcp_abandon(oldest, 0);         /* SYN_RCVD: freed, nothing sent */
        st.halfopen_evicted++;
    }
    /* The SYN this ACK answers, rebuilt, through lwIP's whole input path
     * (ip4_input runs this hook again: `injecting` says it is ours). The
     * netif's checksum flags were set for the outer packet: kept. */
    struct pbuf *syn = segment(ip, th, true, lwip_ntohl(th->seqno) - 1, 0, TCP_SYN, (u16_t)mss);
    if (!syn)
        return 0;
    u16_t saved = inp->chksum_flags;
    cookie_iss = lwip_ntohl(th->ackno) - 1;
    injecting = true;
    ip4_input(syn, inp);
    injecting = false;
    NETIF_SET_CHECKSUM_CTRL(inp, saved);
    st.cookies_ok++;
    if (trace_tcpguard) {
        ip4_addr_t from;
        ip4_addr_copy(from, ip->src);
        TRACE(tcpguard, "ACK from %s:%u returns cookie %08x: connection made\n", ip4addr_ntoa(&from),
              lwip_ntohs(th->src), (unsigned)cookie_iss);
    }
    return 0;                           /* and the ACK completes the handshake */
}
