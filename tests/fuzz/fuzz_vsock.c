/* libFuzzer over the vsock protocol engine (vsock/vsock_conn.c): each input
 * is a script of packets from a hostile device (a 44-byte header taken from
 * the input, ports and CIDs folded onto a few values so connections
 * actually form, then a payload) interleaved with what applications do
 * (listen, connect, accept, send, recv, shutdown, close, the clock). The
 * engine must never overrun its buffers (ASan), never send an RW past the
 * credit the peer last gave, and never hold more than VCONN_BUF unread. */
#define MSOCK_PREFIXED_ONLY
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "net/socket.h"
#include "vsock/vsock_conn.h"

static struct vsock_stack st;
static int full;

static int f_xmit(struct vsock_stack *s, const struct vsock_hdr *h, const void *d)
{
    (void)s;
    if (full)
        return -EAGAIN;
    if (h->op == VSOCK_OP_RW) {
        assert(h->len > 0 && h->len <= VCONN_PKT_MAX);
        volatile const uint8_t *p = d;
        (void)p[h->len - 1];
        /* never past the credit the peer last gave this connection */
        for (int i = 0; i < VCONN_MAX; i++) {
            struct vconn *c = st.conns[i];
            if (c && c->lport == h->src_port && c->rport == h->dst_port && c->rcid == h->dst_cid)
                assert((int64_t)h->len <= (int64_t)c->peer_alloc - (uint32_t)(c->tx_cnt - c->peer_fwd));
        }
    }
    return 0;
}
static void f_wake(struct vsock_stack *s) { (void)s; }

static void check(void)
{
    for (int i = 0; i < VCONN_MAX; i++) {
        struct vconn *c = st.conns[i];
        if (!c)
            continue;
        assert(c->rx_len <= VCONN_BUF);
        assert(c->rx_head < VCONN_BUF);
    }
}

static struct vconn *pick(uint8_t b)
{
    struct vconn *c = st.conns[b % VCONN_MAX];
    return c ? c : st.conns[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[VCONN_BUF];
    memset(&st, 0, sizeof st);
    st.cid = 3, st.xmit = f_xmit, st.wake = f_wake;
    struct vconn *l = vconn_new(&st);
    vconn_bind(&st, l, 5000);
    vconn_listen(&st, l, 4);
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++];
        struct vconn *c, *n;
        switch (op % 10) {
        case 0: case 1: case 2: {           /* a packet */
            struct vsock_hdr h = { 0 };
            size_t k = size - i < sizeof h ? size - i : sizeof h;
            memcpy(&h, data + i, k);
            i += k;
            if (op & 0x10) {                /* fold onto live ports */
                h.src_cid = 2, h.dst_cid = 3, h.type = VSOCK_TYPE_STREAM;
                h.src_port = 70 + h.src_port % 4;
                h.dst_port = (h.dst_port & 1) ? 5000 : (st.conns[1] ? st.conns[1]->lport : 5000);
                h.op = (uint16_t)(h.op % 9);
            }
            uint32_t len = h.len > VCONN_PKT_MAX ? VCONN_PKT_MAX : h.len;
            h.len = len;
            uint8_t *p = malloc(len + 1);
            size_t m = size - i < len ? size - i : len;
            memcpy(p, data + i, m);
            memset(p + m, 0, len - m);
            i += m;
            vsock_input(&st, &h, p);
            free(p);
            break;
        }
        case 3:
            if (vconn_accept(&st, l, &n) == 0)
                (void)n;
            break;
        case 4:
            if ((c = vconn_new(&st)))
                vconn_connect(&st, c, 2, 70 + op % 4);
            break;
        case 5:
            if ((c = pick(op >> 4)) && c != l)
                vconn_send(&st, c, buf, (uint32_t)(op * 257u));
            break;
        case 6:
            if ((c = pick(op >> 4)) && c != l)
                vconn_recv(&st, c, buf, (uint32_t)(op * 513u) % sizeof buf, op & 0x80);
            break;
        case 7:
            if ((c = pick(op >> 4)) && c != l)
                vconn_shutdown(&st, c, op >> 6);
            break;
        case 8:
            if ((c = pick(op >> 4)) && c != l && c->open)
                vconn_close(&st, c);
            break;
        case 9:
            full = op & 0x10;
            st.now_ms += op * 20u;
            vsock_tick(&st);
            break;
        }
        check();
    }
    full = 0;
    vsock_reset(&st, 3);
    for (int k = 0; k < VCONN_MAX; k++)
        if (st.conns[k])
            vconn_close(&st, st.conns[k]);
    for (int k = 0; k < VCONN_MAX; k++)
        if (st.conns[k]) {                  /* closing: the peer's RST frees them */
            st.now_ms += VCONN_TIMEOUT_MS;
            vsock_tick(&st);
        }
    return 0;
}
