/* The vsock stream protocol engine: see vsock/vsock_conn.h. */
#define MSOCK_PREFIXED_ONLY
#include "vsock/vsock_conn.h"
#include "net/socket.h"
#ifdef HOSTED
#include <stdlib.h>
#include <string.h>
#define vc_alloc(n) malloc(n)
#define vc_free(p)  free(p)
#else
#include "kernel/mm/heap.h"
#include "lib/string.h"
#define vc_alloc(n) kmalloc(n)
#define vc_free(p)  kfree(p)
#endif

#define PEND(op) (1u << (op))

const char *vsock_op_name(unsigned op)
{
    static const char names[][15] = { "INVALID", "REQUEST", "RESPONSE", "RST", "SHUTDOWN", "RW",
                                      "CREDIT_UPDATE", "CREDIT_REQUEST" };
    return op <= VSOCK_OP_MAX ? names[op] : "?";
}

static void hdr_fill(struct vsock_stack *s, struct vsock_hdr *h, uint64_t dcid, uint32_t sport,
                     uint32_t dport, unsigned op)
{
    *h = (struct vsock_hdr){ .src_cid = s->cid, .dst_cid = dcid, .src_port = sport,
                             .dst_port = dport, .type = VSOCK_TYPE_STREAM, .op = (uint16_t)op };
}

/* A packet of connection c (data: RW payload, len bytes). 0 or -EAGAIN. */
static int send_pkt(struct vsock_stack *s, struct vconn *c, unsigned op, uint32_t flags,
                    const void *data, uint32_t len)
{
    struct vsock_hdr h;
    hdr_fill(s, &h, c->rcid, c->lport, c->rport, op);
    h.flags = flags;
    h.len = len;
    h.buf_alloc = VCONN_BUF;
    h.fwd_cnt = c->fwd_cnt;
    int r = s->xmit(s, &h, data);
    if (r == 0)
        c->fwd_told = c->fwd_cnt;
    return r;
}

/* A control packet; when there is no room it is remembered and sent by
 * vsock_tick (SHUTDOWN always carries both flags: the only one we send
 * late). */
static void ctl(struct vsock_stack *s, struct vconn *c, unsigned op, uint32_t flags)
{
    c->pend &= (uint8_t)~PEND(op);
    if (send_pkt(s, c, op, flags, NULL, 0) < 0)
        c->pend |= (uint8_t)PEND(op);
}

/* RST to the sender of h, which has no connection here. */
static void rst_reply(struct vsock_stack *s, const struct vsock_hdr *h)
{
    if (h->op == VSOCK_OP_RST)
        return;
    struct vsock_hdr r;
    hdr_fill(s, &r, h->src_cid, h->dst_port, h->src_port, VSOCK_OP_RST);
    s->xmit(s, &r, NULL);           /* no room: the peer times out instead */
}

static void bad(struct vsock_stack *s, const char *what, const struct vsock_hdr *h)
{
    s->bad++;
    if (s->log)
        s->log(s, what, h);
}

/* ---- the table --------------------------------------------------------------- */

struct vconn *vconn_new(struct vsock_stack *s)
{
    for (int i = 0; i < VCONN_MAX; i++) {
        if (s->conns[i])
            continue;
        struct vconn *c = vc_alloc(sizeof *c);
        if (!c)
            return NULL;
        memset(c, 0, sizeof *c);
        c->state = VC_NEW;
        c->open = true;
        c->lport = VSOCK_PORT_ANY;
        s->conns[i] = c;
        return c;
    }
    return NULL;
}

static void conn_free(struct vsock_stack *s, struct vconn *c)
{
    for (int i = 0; i < VCONN_MAX; i++)
        if (s->conns[i] == c)
            s->conns[i] = NULL;
    vc_free(c->rx);
    vc_free(c);
}

static bool port_used(struct vsock_stack *s, uint32_t port)
{
    for (int i = 0; i < VCONN_MAX; i++)
        if (s->conns[i] && s->conns[i]->lport == port && !s->conns[i]->parent)
            return true;
    return false;
}

int vconn_bind(struct vsock_stack *s, struct vconn *c, uint32_t port)
{
    if (c->state != VC_NEW || c->lport != VSOCK_PORT_ANY)
        return -EINVAL;
    if (port == VSOCK_PORT_ANY) {
        for (int k = 0; k < 4096 && port == VSOCK_PORT_ANY; k++) {
            uint32_t p = 0x40000000u + (s->next_port++ & 0x3FFFFFFFu);
            if (!port_used(s, p))
                port = p;
        }
        if (port == VSOCK_PORT_ANY)
            return -EADDRNOTAVAIL;
    } else if (port_used(s, port)) {
        return -EADDRINUSE;
    }
    c->lport = port;
    return 0;
}

int vconn_listen(struct vsock_stack *s, struct vconn *c, int backlog)
{
    if (c->state != VC_NEW && c->state != VC_LISTEN)
        return -EINVAL;
    if (c->lport == VSOCK_PORT_ANY) {
        int r = vconn_bind(s, c, VSOCK_PORT_ANY);
        if (r < 0)
            return r;
    }
    c->state = VC_LISTEN;
    c->backlog = backlog < 1 ? 1 : backlog > VCONN_MAX ? VCONN_MAX : backlog;
    return 0;
}

int vconn_accept(struct vsock_stack *s, struct vconn *c, struct vconn **child)
{
    (void)s;
    if (c->state != VC_LISTEN)
        return -EINVAL;
    struct vconn *n = c->qnext;
    if (!n)
        return -EAGAIN;
    c->qnext = n->qnext;
    c->nq--;
    n->qnext = NULL;
    n->parent = NULL;
    n->open = true;
    *child = n;
    return 0;
}

static int rx_alloc(struct vconn *c)
{
    if (!c->rx)
        c->rx = vc_alloc(VCONN_BUF);
    return c->rx ? 0 : -ENOMEM;
}

int vconn_connect(struct vsock_stack *s, struct vconn *c, uint64_t cid, uint32_t port)
{
    if (c->state == VC_CONNECTING)
        return -EALREADY;
    if (c->state == VC_ESTABLISHED)
        return -EISCONN;
    if (c->state != VC_NEW)
        return -EINVAL;
    if (cid == s->cid || cid == VSOCK_CID_ANY || port == VSOCK_PORT_ANY)
        return cid == VSOCK_CID_ANY || port == VSOCK_PORT_ANY ? -EINVAL : -ENETUNREACH;
    int r = c->lport == VSOCK_PORT_ANY ? vconn_bind(s, c, VSOCK_PORT_ANY) : 0;
    if (r < 0 || (r = rx_alloc(c)) < 0)
        return r;
    c->rcid = cid;
    c->rport = port;
    c->state = VC_CONNECTING;
    c->deadline_ms = s->now_ms + VCONN_TIMEOUT_MS;
    ctl(s, c, VSOCK_OP_REQUEST, 0);
    return -EINPROGRESS;
}

int vconn_connected(struct vconn *c)
{
    if (c->state == VC_ESTABLISHED)
        return 0;
    if (c->state == VC_CONNECTING)
        return -EAGAIN;
    return c->err ? c->err : -ECONNRESET;
}

/* ---- data ---------------------------------------------------------------------- */

static int64_t credit(const struct vconn *c)
{
    return (int64_t)c->peer_alloc - (uint32_t)(c->tx_cnt - c->peer_fwd);
}

long vconn_send(struct vsock_stack *s, struct vconn *c, const void *buf, uint32_t len)
{
    if (c->err)
        return c->err;
    if (c->state == VC_NEW || c->state == VC_CONNECTING || c->state == VC_LISTEN)
        return -ENOTCONN;
    if (c->state != VC_ESTABLISHED || (c->shut & VSOCK_SHUTDOWN_SEND) ||
        (c->peer_shut & VSOCK_SHUTDOWN_RCV))
        return -EPIPE;
    int64_t cr = credit(c);
    if (cr <= 0) {
        if (!c->credit_asked) {
            c->credit_asked = true;
            ctl(s, c, VSOCK_OP_CREDIT_REQUEST, 0);
        }
        return -EAGAIN;
    }
    uint32_t n = len;
    if (n > cr)
        n = (uint32_t)cr;
    if (n > VCONN_PKT_MAX)
        n = VCONN_PKT_MAX;
    if (n == 0)
        return 0;
    if (send_pkt(s, c, VSOCK_OP_RW, 0, buf, n) < 0)
        return -EAGAIN;
    c->tx_cnt += n;
    return n;
}

long vconn_recv(struct vsock_stack *s, struct vconn *c, void *buf, uint32_t len, bool peek)
{
    if (c->rx_len == 0) {
        if (c->state == VC_CLOSED || (c->peer_shut & VSOCK_SHUTDOWN_SEND) ||
            (c->shut & VSOCK_SHUTDOWN_RCV))
            return c->err ? c->err : 0;
        return c->state == VC_ESTABLISHED ? -EAGAIN : c->state == VC_CONNECTING ? -EAGAIN : -ENOTCONN;
    }
    uint32_t n = len < c->rx_len ? len : c->rx_len;
    uint32_t first = VCONN_BUF - c->rx_head;
    if (first > n)
        first = n;
    memcpy(buf, c->rx + c->rx_head, first);
    memcpy((uint8_t *)buf + first, c->rx, n - first);
    if (peek)
        return n;
    c->rx_head = (c->rx_head + n) % VCONN_BUF;
    c->rx_len -= n;
    c->fwd_cnt += n;
    /* Tell the peer about the room once a quarter of the buffer is free
     * again since it last heard from us. */
    if (c->state == VC_ESTABLISHED && c->fwd_cnt - c->fwd_told >= VCONN_BUF / 4)
        ctl(s, c, VSOCK_OP_CREDIT_UPDATE, 0);
    return n;
}

int vconn_shutdown(struct vsock_stack *s, struct vconn *c, int flags)
{
    if (c->state != VC_ESTABLISHED && c->state != VC_CLOSED)
        return -ENOTCONN;
    flags &= ~c->shut;
    c->shut |= (uint8_t)flags;
    if (flags && c->state == VC_ESTABLISHED)
        ctl(s, c, VSOCK_OP_SHUTDOWN, (uint32_t)flags);
    s->wake(s);
    return 0;
}

/* Forgets the connection: its queued children too, when it listens. */
void vconn_close(struct vsock_stack *s, struct vconn *c)
{
    c->open = false;
    switch (c->state) {
    case VC_LISTEN:
        while (c->qnext) {
            struct vconn *n = c->qnext;
            c->qnext = n->qnext;
            ctl(s, n, VSOCK_OP_RST, 0);
            conn_free(s, n);
        }
        break;
    case VC_CONNECTING:
        ctl(s, c, VSOCK_OP_RST, 0);
        break;
    case VC_ESTABLISHED:
        c->state = VC_CLOSING;
        c->deadline_ms = s->now_ms + VCONN_TIMEOUT_MS;
        c->shut = VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND;
        ctl(s, c, VSOCK_OP_SHUTDOWN, c->shut);
        return;
    }
    conn_free(s, c);
}

short vconn_poll(struct vsock_stack *s, struct vconn *c)
{
    (void)s;
    short ev = 0;
    if (c->state == VC_LISTEN)
        return c->qnext ? MSOCK_POLLIN : 0;
    if (c->rx_len || c->state == VC_CLOSED || (c->peer_shut & VSOCK_SHUTDOWN_SEND))
        ev |= MSOCK_POLLIN;
    if (c->state == VC_ESTABLISHED && credit(c) > 0 && !(c->shut & VSOCK_SHUTDOWN_SEND))
        ev |= MSOCK_POLLOUT;
    if (c->state == VC_CLOSED || c->peer_shut == (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND))
        ev |= MSOCK_POLLHUP;
    if (c->err)
        ev |= MSOCK_POLLERR;
    return ev;
}

/* ---- input ------------------------------------------------------------------------- */

static struct vconn *lookup(struct vsock_stack *s, const struct vsock_hdr *h, bool listener)
{
    for (int i = 0; i < VCONN_MAX; i++) {
        struct vconn *c = s->conns[i];
        if (!c || c->lport != h->dst_port)
            continue;
        if (listener ? c->state == VC_LISTEN
                     : c->state > VC_LISTEN && c->rport == h->src_port && c->rcid == h->src_cid)
            return c;
    }
    return NULL;
}

/* REQUEST to a listener: a new connection on its accept queue, or RST. */
static void request(struct vsock_stack *s, const struct vsock_hdr *h)
{
    struct vconn *l = lookup(s, h, true);
    struct vconn *c = l && l->nq < l->backlog ? vconn_new(s) : NULL;
    if (!c || rx_alloc(c) < 0) {
        if (c)
            conn_free(s, c);
        rst_reply(s, h);
        return;
    }
    c->state = VC_ESTABLISHED;
    c->open = false;
    c->lport = h->dst_port;
    c->rport = h->src_port;
    c->rcid = h->src_cid;
    c->peer_alloc = h->buf_alloc;
    c->peer_fwd = h->fwd_cnt;
    c->parent = l;
    struct vconn **t = &l->qnext;
    while (*t)
        t = &(*t)->qnext;
    *t = c;
    l->nq++;
    ctl(s, c, VSOCK_OP_RESPONSE, 0);
}

/* The peer's credit from any packet; a fwd_cnt counting bytes we never
 * sent is refused (and reported). */
static void take_credit(struct vsock_stack *s, struct vconn *c, const struct vsock_hdr *h)
{
    if ((uint32_t)(h->fwd_cnt - c->peer_fwd) > (uint32_t)(c->tx_cnt - c->peer_fwd)) {
        bad(s, "fwd_cnt past what we sent", h);
        return;
    }
    c->peer_fwd = h->fwd_cnt;
    c->peer_alloc = h->buf_alloc;
    if (credit(c) > 0)
        c->credit_asked = false;
}

static void reset_conn(struct vsock_stack *s, struct vconn *c, int err)
{
    if (!c->open) {                 /* closing, or never accepted */
        if (c->parent) {
            struct vconn **t = &c->parent->qnext;
            while (*t != c)
                t = &(*t)->qnext;
            *t = c->qnext;
            c->parent->nq--;
        }
        conn_free(s, c);
        return;
    }
    c->state = VC_CLOSED;
    c->peer_shut = VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND;
    c->err = err;
    c->pend = 0;
}

static void rw(struct vsock_stack *s, struct vconn *c, const struct vsock_hdr *h, const void *data)
{
    if (h->len > VCONN_BUF - c->rx_len || !c->rx) {
        bad(s, "RW past the credit we gave", h);
        ctl(s, c, VSOCK_OP_RST, 0);
        reset_conn(s, c, -ECONNRESET);
        return;
    }
    c->rx_cnt += h->len;
    if (c->state == VC_CLOSING || (c->shut & VSOCK_SHUTDOWN_RCV)) {
        c->fwd_cnt += h->len;       /* nobody will read it: consumed at once */
        return;
    }
    uint32_t tail = (c->rx_head + c->rx_len) % VCONN_BUF;
    uint32_t first = VCONN_BUF - tail;
    if (first > h->len)
        first = h->len;
    memcpy(c->rx + tail, data, first);
    memcpy(c->rx, (const uint8_t *)data + first, h->len - first);
    c->rx_len += h->len;
}

void vsock_input(struct vsock_stack *s, const struct vsock_hdr *h, const void *data)
{
    if (h->dst_cid != s->cid) {
        bad(s, "not for our CID", h);
        return;
    }
    if (h->type != VSOCK_TYPE_STREAM || h->op == VSOCK_OP_INVALID || h->op > VSOCK_OP_MAX ||
        (h->op != VSOCK_OP_RW && h->len)) {
        bad(s, "unknown type or op, or a payload on a control packet", h);
        rst_reply(s, h);
        return;
    }
    struct vconn *c = lookup(s, h, false);
    if (!c) {
        if (h->op == VSOCK_OP_REQUEST)
            request(s, h);
        else if (h->op != VSOCK_OP_RST)
            bad(s, "packet for no connection", h), rst_reply(s, h);
        s->wake(s);
        return;
    }
    take_credit(s, c, h);
    if (c->state == VC_CONNECTING) {
        if (h->op == VSOCK_OP_RESPONSE) {
            c->state = VC_ESTABLISHED;
        } else {
            if (h->op != VSOCK_OP_RST) {
                bad(s, "unexpected answer to REQUEST", h);
                ctl(s, c, VSOCK_OP_RST, 0);
            }
            reset_conn(s, c, -ECONNRESET);
        }
        s->wake(s);
        return;
    }
    switch (h->op) {
    case VSOCK_OP_RW:
        if (c->state == VC_ESTABLISHED || c->state == VC_CLOSING)
            rw(s, c, h, data);
        break;
    case VSOCK_OP_CREDIT_REQUEST:
        if (c->state == VC_ESTABLISHED)
            ctl(s, c, VSOCK_OP_CREDIT_UPDATE, 0);
        break;
    case VSOCK_OP_SHUTDOWN:
        c->peer_shut |= (uint8_t)(h->flags & (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND));
        if (c->peer_shut == (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND) && c->state != VC_CLOSED) {
            ctl(s, c, VSOCK_OP_RST, 0);
            reset_conn(s, c, 0);
        }
        break;
    case VSOCK_OP_RST:
        reset_conn(s, c, 0);
        break;
    case VSOCK_OP_CREDIT_UPDATE:
        break;
    default:                        /* REQUEST or RESPONSE on a connection */
        bad(s, "REQUEST/RESPONSE on an open connection", h);
        break;
    }
    s->wake(s);
}

void vsock_tick(struct vsock_stack *s)
{
    for (int i = 0; i < VCONN_MAX; i++) {
        struct vconn *c = s->conns[i];
        if (!c)
            continue;
        for (unsigned op = VSOCK_OP_REQUEST; c->pend && op <= VSOCK_OP_MAX; op++)
            if (c->pend & PEND(op))
                ctl(s, c, op, op == VSOCK_OP_SHUTDOWN ? c->shut : 0);
        if ((c->state == VC_CONNECTING || c->state == VC_CLOSING) && s->now_ms >= c->deadline_ms) {
            ctl(s, c, VSOCK_OP_RST, 0);
            reset_conn(s, c, -ETIMEDOUT);
            s->wake(s);
        }
    }
}

void vsock_reset(struct vsock_stack *s, uint64_t cid)
{
    for (int i = 0; i < VCONN_MAX; i++) {
        struct vconn *c = s->conns[i];
        if (c && c->state > VC_LISTEN && c->state != VC_CLOSED)
            reset_conn(s, c, -ECONNRESET);
    }
    s->cid = cid;
    s->wake(s);
}
