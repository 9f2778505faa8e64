/* AF_INET for the socket layer (net/socket.h), directly on lwIP's raw TCP
 * and UDP API (lwIP's doc/rawapi.txt; src/include/lwip/tcp.h, udp.h).
 *
 * lwIP's own sequential API (netconn, api/api_msg.c, and the BSD sockets
 * on top, api/sockets.c) is a second socket layer with its own descriptor
 * table, mailboxes, select/poll machinery and errno: 22 KB of code and
 * 12 KB of tables that net/socket.c already provides. Here a socket is a
 * small struct isock around one tcp_pcb or udp_pcb:
 *
 *   - calls take lwIP's core lock (LOCK_TCPIP_CORE) and run lwIP's raw
 *     functions in the caller's thread; the tcpip thread still runs input
 *     and timers, and lwIP's callbacks (recv, sent, err, accept) run there
 *     with the same lock held. They only queue and wake;
 *   - a blocking call checks, drops the lock and waits on the socket's wait
 *     queue until a callback wakes it or its deadline (SO_RCVTIMEO,
 *     SO_SNDTIMEO: EAGAIN) passes. Threads are cooperative on one CPU
 *     (kernel/sched/sched.h), so no callback runs between the check and the
 *     wait. poll() waits on one queue every callback wakes;
 *   - received TCP data stays in lwIP's pbufs on the socket until read;
 *     tcp_recved() opens the window only as the application reads, so a
 *     slow reader closes it (and tcp_guard.c sees its unread bytes);
 *   - send copies into lwIP (TCP_WRITE_FLAG_COPY) while tcp_sndbuf() has
 *     room, and waits for tcp_sent() otherwise. A tcp_output() that fails
 *     (no route while a link is down, no memory) is not the application's
 *     error: the data is queued and lwIP's timers send it (carrier.c);
 *   - the err callback means lwIP has freed the pcb already: the socket
 *     forgets it and keeps the error for recv/send/SO_ERROR (Linux values:
 *     a refused SYN is ECONNREFUSED, a RST ECONNRESET, a timeout ETIMEDOUT,
 *     a send after the end EPIPE);
 *   - a listener queues its established children (tcp_backlog_delayed
 *     keeps them in lwIP's backlog count until accept(), which tcp_guard.c
 *     reads) and aborts the unaccepted ones when closed;
 *   - close is lwIP's tcp_close (a FIN after the unsent data; a RST if data
 *     came that nobody read, as lwIP's socket close did), or tcp_abort
 *     with SO_LINGER 0;
 *   - SOCK_DGRAM is a udp_pcb with sendto/recvfrom only (no connect) and
 *     up to UDP_QLEN datagrams waiting. */
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/dns.h"
#include "lwip/tcpip.h"
#include "lwip/priv/tcp_priv.h"
#define MSOCK_PREFIXED_ONLY
#include "net/socket.h"
#include "net/lwip_netif.h"
#include "net/lwip/tcp_timewait.h"
#include "kernel/mm/heap.h"
#include "kernel/sched/sched.h"
#include "kernel/time/clock.h"
#include "lib/string.h"

#define UDP_QLEN        32              /* datagrams a UDP socket holds unread */
#define MEM_RETRY_NS    50000000ull     /* a send that found no memory tries again */

enum { ST_NEW, ST_CONNECTING, ST_CONNECTED, ST_LISTEN, ST_GONE };

struct isock {
    struct tcp_pcb *tcp;                /* SOCK_STREAM; NULL once lwIP freed it */
    struct udp_pcb *udp;                /* SOCK_DGRAM */
    uint8_t st;                         /* ST_* (TCP) */
    uint8_t err;                        /* pending error (positive errno), 0 */
    bool fin, shut_rd, shut_wr, linger0, reuse, closed;
    uint16_t users;                     /* threads blocked on it (close defers the free) */
    uint64_t rcvtimeo_ns, sndtimeo_ns;  /* 0: forever */
    uint32_t laddr, raddr;              /* network order, kept for after the pcb */
    uint16_t lport, rport;              /* host order */
    struct waitq wq;
    /* TCP: unread data, from rx_off in its first pbuf. A chain of what
     * the recv callback brought, linked by pbuf_cat; only next and len are
     * used (tot_len, 16 bits, overflows past 64 KiB unread). */
    struct pbuf *rx;
    uint16_t rx_off;
    struct isock *aq, **aq_tail, *next; /* listener: accept queue; child: its link */
    /* SOCK_DGRAM only (allocated for datagram sockets alone). */
    uint8_t dq_head, dq_n;
    struct { struct pbuf *p; uint32_t addr; uint16_t port; } dq[UDP_QLEN];
};

#define IS(h) ((struct isock *)(h))

static struct waitq poll_wq;            /* every event: poll() waits here */

static void wake(struct isock *s)
{
    waitq_wake_all(&s->wq);
    waitq_wake_all(&poll_wq);
}

static int lwip_e(err_t e) { return e == ERR_OK ? 0 : -err_to_errno(e); }

static uint64_t deadline(uint64_t timeo_ns, int flags)
{
    if (flags & MSOCK_MSG_DONTWAIT)
        return 0;
    return timeo_ns ? sched_deadline_after(timeo_ns) : SCHED_FOREVER;
}

/* Drops the core lock and waits for an event on s until dl: 0, -EAGAIN
 * when dl passed, -EBADF when s was closed meanwhile (then freed here if
 * we were its last waiter). Returns with the lock held unless -EBADF. */
static void isock_free(struct isock *s);
static int block(struct isock *s, uint64_t dl)
{
    if (!dl)
        return -EAGAIN;
    s->users++;
    UNLOCK_TCPIP_CORE();
    int r = waitq_wait_until(&s->wq, dl);
    LOCK_TCPIP_CORE();
    s->users--;
    if (s->closed) {
        if (!s->users)
            isock_free(s);
        UNLOCK_TCPIP_CORE();
        return -EBADF;
    }
    return r == -ETIMEDOUT ? -EAGAIN : 0;
}

/* The pending error, reported once (as Linux does). */
static int take_err(struct isock *s)
{
    int e = s->err;
    s->err = 0;
    return -e;
}

/* --- lwIP's callbacks (tcpip thread, core lock held) ------------------------ */
static void tcp_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
}

static void cb_err(void *arg, err_t e)
{
    struct isock *s = arg;
    if (!s)
        return;
    /* NOTE: lwIP reports a SYN answered by RST as ERR_RST and a timeout as
     * ERR_ABRT; ERR_CLSD is the last ACK of our FIN after the peer's. */
    int n = e == ERR_RST ? (s->st == ST_CONNECTING ? ECONNREFUSED : ECONNRESET)
          : e == ERR_ABRT ? ETIMEDOUT : e == ERR_CLSD ? 0 : err_to_errno(e);
    s->tcp = NULL;
    s->st = ST_GONE;
    s->err = (uint8_t)n;
    wake(s);
}

static err_t cb_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t e)
{
    struct isock *s = arg;
    if (!p) {
        s->fin = true;
        /* Both FINs are through: lwIP keeps the pcb in TIME_WAIT (or
         * CLOSING) and frees it from a timer without telling anyone, so
         * the socket lets go of it now. */
        if (s->shut_wr) {
            tcp_detach(pcb);
            s->tcp = NULL;
            s->st = ST_GONE;
        }
    } else if (s->shut_rd) {
        tcp_recved(pcb, p->tot_len);    /* read side shut: discarded */
        pbuf_free(p);
    } else if (s->rx) {
        pbuf_cat(s->rx, p);
    } else {
        s->rx = p;
        s->rx_off = 0;
    }
    wake(s);
    return ERR_OK;
}

static err_t cb_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    wake(arg);
    return ERR_OK;
}

static err_t cb_connected(void *arg, struct tcp_pcb *pcb, err_t e)
{
    struct isock *s = arg;
    s->st = ST_CONNECTED;
    s->laddr = ip4_addr_get_u32(&pcb->local_ip);
    wake(s);
    return ERR_OK;
}

static void tcp_attach(struct isock *s, struct tcp_pcb *pcb)
{
    s->tcp = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, cb_recv);
    tcp_sent(pcb, cb_sent);
    tcp_err(pcb, cb_err);
}

static struct isock *isock_new(bool dgram)
{
    struct isock *s = kzalloc(dgram ? sizeof *s : offsetof(struct isock, dq_head));
    if (s)
        waitq_init(&s->wq);
    return s;
}

/* A listener's child is established: queue it for accept(). */
static err_t cb_accept(void *arg, struct tcp_pcb *pcb, err_t e)
{
    struct isock *l = arg, *c;
    if (e != ERR_OK || !pcb || !l || l->st != ST_LISTEN || !(c = isock_new(false)))
        return ERR_MEM;                 /* lwIP aborts the connection */
    tcp_attach(c, pcb);
    c->st = ST_CONNECTED;
    c->laddr = ip4_addr_get_u32(&pcb->local_ip);
    c->lport = pcb->local_port;
    c->raddr = ip4_addr_get_u32(&pcb->remote_ip);
    c->rport = pcb->remote_port;
    /* Counted in the listener's backlog until accept() takes it. */
    tcp_backlog_delayed(pcb);
    *l->aq_tail = c;
    l->aq_tail = &c->next;
    wake(l);
    return ERR_OK;
}

static void cb_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct isock *s = arg;
    if (s->dq_n == UDP_QLEN) {
        pbuf_free(p);                   /* full: dropped, as a full socket buffer does */
        return;
    }
    int i = (s->dq_head + s->dq_n++) % UDP_QLEN;
    s->dq[i].p = p;
    s->dq[i].addr = ip4_addr_get_u32(addr);
    s->dq[i].port = port;
    wake(s);
}

/* --- addresses ---------------------------------------------------------------- */
static int addr_in(const struct msock_sockaddr *a, msock_socklen_t len, ip_addr_t *ip, u16_t *port)
{
    const struct msock_sockaddr_in *in = (const struct msock_sockaddr_in *)a;
    if (len < sizeof *in)
        return -EINVAL;
    if (in->sin_family != MSOCK_AF_INET)
        return -EAFNOSUPPORT;
    ip4_addr_set_u32(ip, in->sin_addr.s_addr);
    *port = msock_htons(in->sin_port);
    return 0;
}

/* Copies the address out, truncated to *len as POSIX says; *len becomes
 * the full size. */
static void addr_out(uint32_t addr, uint16_t port, struct msock_sockaddr *a, msock_socklen_t *len)
{
    struct msock_sockaddr_in m = { .sin_family = MSOCK_AF_INET, .sin_port = msock_htons(port),
                                   .sin_addr.s_addr = addr };
    memcpy(a, &m, *len < sizeof m ? *len : sizeof m);
    *len = sizeof m;
}

/* --- ops -------------------------------------------------------------------------- */
static int inet_socket(int type, int protocol, intptr_t *h)
{
    if (!net_ready())
        return -ENETDOWN;               /* no tcpip thread: lwIP is not initialised */
    bool dgram = type == MSOCK_SOCK_DGRAM;
    if ((type != MSOCK_SOCK_STREAM && !dgram) ||
        (protocol && protocol != (dgram ? MSOCK_IPPROTO_UDP : MSOCK_IPPROTO_TCP)))
        return -EPROTONOSUPPORT;
    struct isock *s = isock_new(dgram);
    if (!s)
        return -ENOMEM;
    LOCK_TCPIP_CORE();
    if (dgram && (s->udp = udp_new()))
        udp_recv(s->udp, cb_udp, s);
    else if (!dgram && (s->tcp = tcp_new()))
        tcp_attach(s, s->tcp);
    UNLOCK_TCPIP_CORE();
    if (!s->udp && !s->tcp) {
        kfree(s);
        return -ENOMEM;
    }
    *h = (intptr_t)s;
    return 0;
}

static int inet_bind(intptr_t h, const struct msock_sockaddr *a, msock_socklen_t len)
{
    struct isock *s = IS(h);
    ip_addr_t ip;
    u16_t port;
    int r = addr_in(a, len, &ip, &port);
    if (r < 0)
        return r;
    LOCK_TCPIP_CORE();
    if (s->udp) {
        r = lwip_e(udp_bind(s->udp, &ip, port));
        s->lport = s->udp->local_port;
    } else if (s->tcp && s->st == ST_NEW) {
        r = lwip_e(tcp_bind(s->tcp, &ip, port));
        s->lport = s->tcp->local_port;
    } else {
        r = -EINVAL;
    }
    s->laddr = ip4_addr_get_u32(&ip);
    UNLOCK_TCPIP_CORE();
    return r;
}

static int inet_listen(intptr_t h, int backlog)
{
    struct isock *s = IS(h);
    int r = -EOPNOTSUPP;
    LOCK_TCPIP_CORE();
    if (s->st == ST_LISTEN) {
        r = 0;
    } else if (s->tcp && s->st == ST_NEW) {
        err_t e;
        struct tcp_pcb *l = tcp_listen_with_backlog_and_err(
            s->tcp, (u8_t)(backlog < 0 ? 0 : backlog > 255 ? 255 : backlog), &e);
        r = lwip_e(e);
        if (l) {
            /* tcp_listen freed the old pcb; the listener has no recv,
             * sent or err callbacks. */
            s->tcp = l;
            s->st = ST_LISTEN;
            s->lport = l->local_port;
            s->aq_tail = &s->aq;
            tcp_arg(l, s);
            tcp_accept(l, cb_accept);
        }
    }
    UNLOCK_TCPIP_CORE();
    return r;
}

static int inet_accept(intptr_t h, intptr_t *newh, struct msock_sockaddr *a, msock_socklen_t *len)
{
    struct isock *s = IS(h), *c;
    if (s->st != ST_LISTEN)
        return -EINVAL;
    uint64_t dl = deadline(s->rcvtimeo_ns, 0);
    LOCK_TCPIP_CORE();
    while (!(c = s->aq)) {
        int r = block(s, dl);
        if (r == -EBADF)
            return r;
        if (r < 0) {
            UNLOCK_TCPIP_CORE();
            return r;
        }
    }
    if (!(s->aq = c->next))
        s->aq_tail = &s->aq;
    c->next = NULL;
    if (c->tcp)
        tcp_backlog_accepted(c->tcp);
    UNLOCK_TCPIP_CORE();
    if (a && len)
        addr_out(c->raddr, c->rport, a, len);
    *newh = (intptr_t)c;
    return 0;
}

static int inet_connect(intptr_t h, const struct msock_sockaddr *a, msock_socklen_t len)
{
    struct isock *s = IS(h);
    ip_addr_t ip;
    u16_t port;
    int r = addr_in(a, len, &ip, &port);
    if (r < 0)
        return r;
    if (s->udp)
        return -EOPNOTSUPP;             /* datagrams go by sendto() */
    if (s->st != ST_NEW)
        return s->st == ST_CONNECTING ? -EALREADY : s->st == ST_CONNECTED ? -EISCONN : -EINVAL;
    /* A TCP socket bound to a fixed port with SO_REUSEADDR may meet our
     * own TIME_WAIT block of an earlier connection to the same server,
     * which lwIP's tcp_connect refuses: retire it when RFC 1122 allows
     * (tcp_timewait.c takes the core lock itself). Without SO_REUSEADDR
     * bind() refused already. */
    if (s->reuse && s->lport)
        minnow_tcp_timewait_connect(s->laddr, s->lport, ip4_addr_get_u32(&ip), port);
    LOCK_TCPIP_CORE();
    if (!s->tcp) {
        UNLOCK_TCPIP_CORE();
        return -EINVAL;
    }
    s->raddr = ip4_addr_get_u32(&ip);
    s->rport = port;
    r = lwip_e(tcp_connect(s->tcp, &ip, port, cb_connected));
    if (r == 0) {
        s->st = ST_CONNECTING;
        s->lport = s->tcp->local_port;
        /* lwIP gives up on the SYN after its own retries (ETIMEDOUT). */
        while (s->st == ST_CONNECTING && (r = block(s, SCHED_FOREVER)) == 0)
            ;
        if (r == -EBADF)
            return r;
        r = s->st == ST_CONNECTED ? 0 : take_err(s);
    }
    UNLOCK_TCPIP_CORE();
    return r;
}

/* TCP send: everything, unless an error, MSG_DONTWAIT or SO_SNDTIMEO stops
 * it first (then what was sent, or -EAGAIN). Core lock held. */
static long tcp_send_locked(struct isock *s, const uint8_t *buf, size_t len, int flags)
{
    uint64_t dl = deadline(s->sndtimeo_ns, flags);
    size_t done = 0;
    while (done < len) {
        if (s->err)
            return done ? (long)done : take_err(s);
        if (s->shut_wr || s->st == ST_GONE)
            return done ? (long)done : -EPIPE;
        if (s->st != ST_CONNECTED)
            return -ENOTCONN;
        size_t n = len - done, room = tcp_sndbuf(s->tcp);
        n = n < room ? n : room;
        n = n < 0xffff ? n : 0xffff;
        err_t e = ERR_MEM;
        if (n && s->tcp->snd_queuelen < TCP_SND_QUEUELEN) {
            e = tcp_write(s->tcp, buf + done, (u16_t)n,
                          TCP_WRITE_FLAG_COPY | (flags & MSOCK_MSG_MORE || done + n < len ? TCP_WRITE_FLAG_MORE : 0));
        }
        if (e == ERR_OK) {
            done += n;
            continue;
        }
        if (e != ERR_MEM)
            return done ? (long)done : lwip_e(e);
        /* Full: push out what is queued, then wait for ACKs (cb_sent) or,
         * if memory was short with room in the window, a little while. */
        tcp_output(s->tcp);
        uint64_t until = n ? sched_deadline_after(MEM_RETRY_NS) : dl;
        int r = block(s, until < dl ? until : dl);
        if (r == -EBADF)
            return r;
        if (r < 0 && (!n || clock_ns() >= dl))
            return done ? (long)done : r;
    }
    if (s->tcp)
        tcp_output(s->tcp);
    return (long)done;
}

static long udp_send_locked(struct isock *s, const void *buf, size_t len, const ip_addr_t *to, u16_t port)
{
    if (!to)
        return -EDESTADDRREQ;           /* no connect() for datagrams */
    if (len > 0xffff - 28)
        return -EMSGSIZE;
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (!p)
        return -ENOMEM;
    pbuf_take(p, buf, (u16_t)len);
    err_t e = udp_sendto(s->udp, p, to, port);
    pbuf_free(p);
    return e == ERR_OK ? (long)len : lwip_e(e);
}

static long inet_send(intptr_t h, const void *buf, size_t len, int flags,
                      const struct msock_sockaddr *to, msock_socklen_t tolen)
{
    struct isock *s = IS(h);
    ip_addr_t ip;
    u16_t port = 0;
    if (to && s->udp) {
        int e = addr_in(to, tolen, &ip, &port);
        if (e < 0)
            return e;
    }
    LOCK_TCPIP_CORE();
    long r = s->udp ? udp_send_locked(s, buf, len, to ? &ip : NULL, port)
                    : tcp_send_locked(s, buf, len, flags);
    if (r != -EBADF)
        UNLOCK_TCPIP_CORE();
    return r;
}

/* Copies up to len unread TCP bytes; consumes them (and opens the window
 * by as much) unless peek. Core lock held. */
static size_t tcp_take(struct isock *s, uint8_t *buf, size_t len, bool peek)
{
    size_t n = 0;
    struct pbuf *p = s->rx;
    uint16_t off = s->rx_off;
    while (p && n < len) {
        size_t k = (size_t)(p->len - off) < len - n ? (size_t)(p->len - off) : len - n;
        memcpy(buf + n, (uint8_t *)p->payload + off, k);
        n += k;
        off = (uint16_t)(off + k);
        if (off < p->len)
            break;
        off = 0;
        p = p->next;
        if (!peek) {                    /* unlink and free the pbuf read */
            struct pbuf *first = s->rx;
            s->rx = p;
            first->next = NULL;
            pbuf_free(first);
        }
    }
    if (!peek) {
        s->rx_off = off;
        for (size_t left = n; s->tcp && left;) {
            u16_t w = left < 0xffff ? (u16_t)left : 0xffff;
            tcp_recved(s->tcp, w);
            left -= w;
        }
    }
    return n;
}

static long tcp_recv_locked(struct isock *s, uint8_t *buf, size_t len, int flags)
{
    uint64_t dl = deadline(s->rcvtimeo_ns, flags);
    size_t got = 0;
    for (;;) {
        got += tcp_take(s, buf + got, len - got, flags & MSOCK_MSG_PEEK);
        if (got == len || (got && !(flags & MSOCK_MSG_WAITALL)))
            return (long)got;
        if (s->fin || s->shut_rd)
            return (long)got;
        if (s->err)
            return got ? (long)got : take_err(s);
        if (s->st == ST_GONE)
            return (long)got;
        if (s->st != ST_CONNECTED && s->st != ST_CONNECTING)
            return -ENOTCONN;
        int r = block(s, dl);
        if (r == -EBADF)
            return r;
        if (r < 0)
            return got ? (long)got : r;
    }
}

static long udp_recv_locked(struct isock *s, uint8_t *buf, size_t len, int flags,
                            struct msock_sockaddr *from, msock_socklen_t *fromlen)
{
    uint64_t dl = deadline(s->rcvtimeo_ns, flags);
    while (!s->dq_n) {
        int r = block(s, dl);
        if (r < 0)
            return r;
    }
    struct pbuf *p = s->dq[s->dq_head].p;
    u16_t n = pbuf_copy_partial(p, buf, len < p->tot_len ? (u16_t)len : p->tot_len, 0);
    if (from)
        addr_out(s->dq[s->dq_head].addr, s->dq[s->dq_head].port, from, fromlen);
    if (!(flags & MSOCK_MSG_PEEK)) {
        s->dq_head = (s->dq_head + 1) % UDP_QLEN;
        s->dq_n--;
        pbuf_free(p);
    }
    return n;
}

static long inet_recv(intptr_t h, void *buf, size_t len, int flags,
                      struct msock_sockaddr *from, msock_socklen_t *fromlen)
{
    struct isock *s = IS(h);
    LOCK_TCPIP_CORE();
    long r = s->udp ? udp_recv_locked(s, buf, len, flags, from, fromlen)
                    : tcp_recv_locked(s, buf, len, flags);
    if (r != -EBADF)
        UNLOCK_TCPIP_CORE();
    if (r >= 0 && from && !s->udp)
        addr_out(s->raddr, s->rport, from, fromlen);
    return r;
}

static int inet_shutdown(intptr_t h, int how)
{
    struct isock *s = IS(h);
    int r = 0;
    LOCK_TCPIP_CORE();
    if (s->udp || (s->st != ST_CONNECTED && s->st != ST_GONE)) {
        r = -ENOTCONN;
    } else {
        if (how != MSOCK_SHUT_WR)
            s->shut_rd = true;
        /* Our FIN after the unsent data (lwIP's tcp_shutdown of the
         * transmit side only: shutting both would free the pcb). */
        if (how != MSOCK_SHUT_RD && !s->shut_wr && s->tcp) {
            r = lwip_e(tcp_shutdown(s->tcp, 0, 1));
            s->shut_wr = r == 0;
        }
        wake(s);
    }
    UNLOCK_TCPIP_CORE();
    return r;
}

static void isock_free(struct isock *s)
{
    if (s->rx)
        pbuf_free(s->rx);
    for (; s->udp && s->dq_n; s->dq_n--, s->dq_head = (s->dq_head + 1) % UDP_QLEN)
        pbuf_free(s->dq[s->dq_head].p);
    kfree(s);
}

/* Core lock held. The pcb of a connection (not a listener) goes: aborted
 * (RST) with SO_LINGER 0, else closed by lwIP's tcp_close, which sends our
 * FIN after the unsent data and finishes in the background. */
static void tcp_end(struct isock *s)
{
    struct tcp_pcb *pcb = s->tcp;
    if (!pcb)
        return;
    s->tcp = NULL;
    tcp_detach(pcb);
    if (s->linger0 || tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

static int inet_close(intptr_t h)
{
    struct isock *s = IS(h);
    LOCK_TCPIP_CORE();
    if (s->udp) {
        udp_remove(s->udp);             /* s->udp stays as the type flag */
    } else if (s->st == ST_LISTEN) {
        /* Unaccepted children are reset; then the listener goes. */
        for (struct isock *c = s->aq, *n; c; c = n) {
            n = c->next;
            c->linger0 = true;
            tcp_end(c);
            isock_free(c);
        }
        tcp_arg(s->tcp, NULL);
        tcp_close(s->tcp);
        s->tcp = NULL;
    } else {
        tcp_end(s);
    }
    s->closed = true;
    s->st = ST_GONE;
    if (s->users)
        wake(s);                        /* the last waiter frees it */
    else
        isock_free(s);
    UNLOCK_TCPIP_CORE();
    return 0;
}

/* --- options ---------------------------------------------------------------------- */
static int inet_setsockopt(intptr_t h, int level, int name, const void *val, msock_socklen_t len)
{
    struct isock *s = IS(h);
    if (level == MSOCK_SOL_SOCKET && (name == MSOCK_SO_RCVTIMEO || name == MSOCK_SO_SNDTIMEO)) {
        const struct msock_timeval *tv = val;
        if (len < sizeof *tv || tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
            return -EINVAL;
        *(name == MSOCK_SO_RCVTIMEO ? &s->rcvtimeo_ns : &s->sndtimeo_ns) =
            (uint64_t)tv->tv_sec * 1000000000ull + (uint64_t)tv->tv_usec * 1000;
        return 0;
    }
    if (len < sizeof(int))
        return -EINVAL;
    int v = *(const int *)val;
    if (level == MSOCK_SOL_SOCKET && name == MSOCK_SO_LINGER) {
        if (len < sizeof(struct msock_linger))
            return -EINVAL;
        s->linger0 = v && ((const struct msock_linger *)val)->l_linger == 0;
        return 0;
    }
    if (level == MSOCK_SOL_SOCKET && (name == MSOCK_SO_RCVBUF || name == MSOCK_SO_SNDBUF))
        return 0;                       /* accepted: lwIP's windows are fixed (lwipopts.h) */
    u8_t opt = level != MSOCK_SOL_SOCKET ? 0 : name == MSOCK_SO_REUSEADDR ? SOF_REUSEADDR
             : name == MSOCK_SO_KEEPALIVE ? SOF_KEEPALIVE : name == MSOCK_SO_BROADCAST ? SOF_BROADCAST : 0;
    bool nodelay = level == MSOCK_IPPROTO_TCP && name == MSOCK_TCP_NODELAY;
    LOCK_TCPIP_CORE();
    u8_t *so = s->udp ? &s->udp->so_options : s->tcp ? &s->tcp->so_options : NULL;
    int r = 0;
    if (nodelay && s->tcp)
        s->tcp->flags = (tcpflags_t)(v ? s->tcp->flags | TF_NODELAY : s->tcp->flags & ~TF_NODELAY);
    else if (opt && so)
        *so = (u8_t)(v ? *so | opt : *so & ~opt);
    else
        r = opt || nodelay ? -EINVAL : -ENOPROTOOPT;
    if (opt == SOF_REUSEADDR && !r)
        s->reuse = v != 0;
    UNLOCK_TCPIP_CORE();
    return r;
}

/* What callers read back: the type, the pending error, SO_REUSEADDR and
 * TCP_NODELAY. */
static int inet_getsockopt(intptr_t h, int level, int name, void *val, msock_socklen_t *len)
{
    struct isock *s = IS(h);
    int v = -1;
    if (*len < sizeof(int))
        return -EINVAL;
    if (level == MSOCK_SOL_SOCKET)
        v = name == MSOCK_SO_TYPE ? (s->udp ? MSOCK_SOCK_DGRAM : MSOCK_SOCK_STREAM)
          : name == MSOCK_SO_ERROR ? -take_err(s) : name == MSOCK_SO_REUSEADDR ? s->reuse : -1;
    else if (level == MSOCK_IPPROTO_TCP && name == MSOCK_TCP_NODELAY && s->tcp)
        v = tcp_nagle_disabled(s->tcp) != 0;
    if (v < 0)
        return -ENOPROTOOPT;
    *(int *)val = v;
    *len = sizeof(int);
    return 0;
}

static int inet_getname(intptr_t h, struct msock_sockaddr *a, msock_socklen_t *len, int peer)
{
    struct isock *s = IS(h);
    LOCK_TCPIP_CORE();
    if (s->udp) {
        s->laddr = ip4_addr_get_u32(&s->udp->local_ip);
        s->lport = s->udp->local_port;
    } else if (s->tcp) {
        s->lport = s->tcp->local_port;
    }
    int connected = !s->udp && s->st == ST_CONNECTED;
    UNLOCK_TCPIP_CORE();
    if (peer && !connected)
        return -ENOTCONN;
    addr_out(peer ? s->raddr : s->laddr, peer ? s->rport : s->lport, a, len);
    return 0;
}

/* --- poll ------------------------------------------------------------------------- */
static short revents(struct isock *s, short events)
{
    short r = 0;
    if (s->udp) {
        r = (s->dq_n ? MSOCK_POLLIN : 0) | MSOCK_POLLOUT;
    } else if (s->st == ST_LISTEN) {
        r = s->aq ? MSOCK_POLLIN : 0;
    } else {
        if (s->rx || s->fin || s->shut_rd || s->err || s->st == ST_GONE)
            r |= MSOCK_POLLIN;
        /* Writable once a useful amount fits (lwIP's TCP_SNDLOWAT). */
        if (s->st == ST_GONE || s->shut_wr || s->err ||
            (s->st == ST_CONNECTED && tcp_sndbuf(s->tcp) > TCP_SNDLOWAT &&
             s->tcp->snd_queuelen < TCP_SNDQUEUELOWAT))
            r |= MSOCK_POLLOUT;
        if (s->err)
            r |= MSOCK_POLLERR;
        if (s->st == ST_GONE || (s->fin && s->shut_wr))
            r |= MSOCK_POLLHUP;
    }
    return r & (events | MSOCK_POLLERR | MSOCK_POLLHUP);
}

/* The sockets are held (users) while we wait: one closed meanwhile reads
 * POLLNVAL, and the last holder frees it. */
static int inet_poll(struct msock_pollent *ents, int n, int timeout_ms)
{
    uint64_t dl = timeout_ms < 0 ? SCHED_FOREVER : sched_deadline_after((uint64_t)timeout_ms * 1000000);
    int ready, i;
    LOCK_TCPIP_CORE();
    for (i = 0; i < n; i++)
        IS(ents[i].h)->users++;
    for (int r = 0;;) {
        ready = 0;
        for (i = 0; i < n; i++) {
            struct isock *s = IS(ents[i].h);
            ents[i].revents = s->closed ? MSOCK_POLLNVAL : revents(s, ents[i].events);
            ready += ents[i].revents != 0;
        }
        if (ready || !timeout_ms || r)
            break;
        UNLOCK_TCPIP_CORE();
        r = waitq_wait_until(&poll_wq, dl);
        LOCK_TCPIP_CORE();
    }
    for (i = 0; i < n; i++) {
        struct isock *s = IS(ents[i].h);
        if (!--s->users && s->closed)
            isock_free(s);
    }
    UNLOCK_TCPIP_CORE();
    return ready;
}

/* --- DNS ---------------------------------------------------------------------------- */
struct dns_wait {
    bool done;
    uint32_t addr;                      /* 0: not found */
    struct waitq wq;
};

static void cb_dns(const char *name, const ip_addr_t *ip, void *arg)
{
    struct dns_wait *w = arg;
    w->done = true;
    w->addr = ip ? ip4_addr_get_u32(ip) : 0;
    waitq_wake_all(&w->wq);
}

/* Blocks until lwIP's DNS answers or gives up (its own retries and
 * timeout always call back). */
static int inet_resolve(const char *name, uint32_t *addr)
{
    if (!net_ready())
        return -ENETDOWN;
    struct dns_wait w = { 0 };
    ip_addr_t ip;
    waitq_init(&w.wq);
    LOCK_TCPIP_CORE();
    err_t e = dns_gethostbyname(name, &ip, cb_dns, &w);
    if (e == ERR_OK) {
        w.done = true;
        w.addr = ip4_addr_get_u32(&ip);
    }
    while (e == ERR_INPROGRESS && !w.done) {
        UNLOCK_TCPIP_CORE();
        waitq_wait(&w.wq);
        LOCK_TCPIP_CORE();
    }
    UNLOCK_TCPIP_CORE();
    if (e == ERR_MEM)
        return -ENOMEM;
    if (!w.done || !w.addr)
        return -ENOENT;
    *addr = w.addr;
    return 0;
}

const struct sock_ops sock_inet_ops = {
    .socket = inet_socket,
    .bind = inet_bind,
    .listen = inet_listen,
    .accept = inet_accept,
    .connect = inet_connect,
    .send = inet_send,
    .recv = inet_recv,
    .shutdown = inet_shutdown,
    .close = inet_close,
    .setsockopt = inet_setsockopt,
    .getsockopt = inet_getsockopt,
    .getname = inet_getname,
    .poll = inet_poll,
    .resolve = inet_resolve,
};
