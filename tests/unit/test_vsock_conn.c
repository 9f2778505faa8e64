/* vsock/vsock_conn.c on the host: connection set-up both ways, credit flow
 * control (a sender stops at the peer's buf_alloc, a reader's progress
 * sends CREDIT_UPDATE), shutdown and reset, and a lying peer (unknown op,
 * RW past the credit, fwd_cnt past what was sent, packets for nobody). */
#define MSOCK_PREFIXED_ONLY
#include "tests/unit/test.h"
#include "net/socket.h"
#include "vsock/vsock_conn.h"

static struct vsock_hdr sent[64];
static int nsent, wakes, xmit_full;

static int t_xmit(struct vsock_stack *s, const struct vsock_hdr *h, const void *d)
{
    (void)s, (void)d;
    if (xmit_full)
        return -EAGAIN;
    if (nsent < 64)
        sent[nsent++] = *h;
    return 0;
}
static void t_wake(struct vsock_stack *s) { (void)s; wakes++; }

static struct vsock_stack st;

static void setup(void)
{
    if (st.xmit)
        vsock_reset(&st, 3);                /* open connections: CLOSED, the rest freed */
    for (int i = 0; i < VCONN_MAX; i++)
        if (st.conns[i])
            vconn_close(&st, st.conns[i]);
    memset(&st, 0, sizeof st);
    st.cid = 3, st.xmit = t_xmit, st.wake = t_wake;
    nsent = wakes = xmit_full = 0;
}

static struct vsock_hdr pkt(unsigned op, uint32_t sport, uint32_t dport, uint32_t len)
{
    return (struct vsock_hdr){ .src_cid = 2, .dst_cid = 3, .src_port = sport, .dst_port = dport,
                               .len = len, .type = VSOCK_TYPE_STREAM, .op = (uint16_t)op,
                               .buf_alloc = 65536 };
}

/* A listener on 5000 and a connection from host port 77 accepted. */
static struct vconn *accepted(void)
{
    struct vconn *l = vconn_new(&st), *c = NULL;
    if (vconn_bind(&st, l, 5000) || vconn_listen(&st, l, 4))
        return NULL;
    struct vsock_hdr h = pkt(VSOCK_OP_REQUEST, 77, 5000, 0);
    vsock_input(&st, &h, NULL);
    return vconn_accept(&st, l, &c) == 0 ? c : NULL;
}

TEST(listen_accept_response)
{
    setup();
    struct vconn *c = accepted();
    REQUIRE(c);
    CHECK_EQ(nsent, 1);
    CHECK_EQ(sent[0].op, VSOCK_OP_RESPONSE);
    CHECK_EQ(sent[0].dst_port, 77);
    CHECK_EQ(sent[0].src_port, 5000);
    CHECK_EQ(sent[0].buf_alloc, VCONN_BUF);
    CHECK_EQ(c->state, VC_ESTABLISHED);
}

TEST(data_before_accept_is_kept)
{
    setup();
    struct vconn *l = vconn_new(&st), *c = NULL;
    REQUIRE(vconn_bind(&st, l, 5000) == 0 && vconn_listen(&st, l, 4) == 0);
    struct vsock_hdr h = pkt(VSOCK_OP_REQUEST, 77, 5000, 0);
    vsock_input(&st, &h, NULL);
    uint8_t d[4] = { 'G', 'E', 'T', ' ' }, o[8];
    h = pkt(VSOCK_OP_RW, 77, 5000, sizeof d);
    vsock_input(&st, &h, d);
    REQUIRE(vconn_accept(&st, l, &c) == 0);
    CHECK_EQ(vconn_recv(&st, c, o, sizeof o, false), 4);
    CHECK_EQ(o[0], 'G');
}

TEST(request_to_closed_port_gets_rst)
{
    setup();
    struct vsock_hdr h = pkt(VSOCK_OP_REQUEST, 77, 4999, 0);
    vsock_input(&st, &h, NULL);
    REQUIRE(nsent == 1);
    CHECK_EQ(sent[0].op, VSOCK_OP_RST);
    CHECK_EQ(sent[0].dst_port, 77);
}

TEST(connect_response_and_refused)
{
    setup();
    struct vconn *c = vconn_new(&st);
    CHECK_EQ(vconn_connect(&st, c, 2, 52), -EINPROGRESS);
    REQUIRE(nsent == 1 && sent[0].op == VSOCK_OP_REQUEST);
    CHECK_EQ(vconn_connected(c), -EAGAIN);
    struct vsock_hdr h = pkt(VSOCK_OP_RESPONSE, 52, c->lport, 0);
    vsock_input(&st, &h, NULL);
    CHECK_EQ(vconn_connected(c), 0);
    struct vconn *d = vconn_new(&st);
    vconn_connect(&st, d, 2, 53);
    h = pkt(VSOCK_OP_RST, 53, d->lport, 0);
    vsock_input(&st, &h, NULL);
    CHECK_EQ(vconn_connected(d), -ECONNRESET);
}

TEST(connect_times_out)
{
    setup();
    struct vconn *c = vconn_new(&st);
    vconn_connect(&st, c, 2, 52);
    st.now_ms += VCONN_TIMEOUT_MS;
    vsock_tick(&st);
    CHECK_EQ(vconn_connected(c), -ETIMEDOUT);
}

TEST(sender_stops_at_peer_credit)
{
    setup();
    struct vconn *c = accepted();
    REQUIRE(c);
    static uint8_t buf[8192];
    c->peer_alloc = 10000;
    long total = 0, r;
    while ((r = vconn_send(&st, c, buf, sizeof buf)) > 0)
        total += r;
    CHECK_EQ(total, 10000);
    CHECK_EQ(r, -EAGAIN);
    CHECK_EQ(sent[nsent - 1].op, VSOCK_OP_CREDIT_REQUEST);
    int before = nsent;
    CHECK_EQ(vconn_send(&st, c, buf, 1), -EAGAIN);  /* asked once only */
    CHECK_EQ(nsent, before);
    struct vsock_hdr h = pkt(VSOCK_OP_CREDIT_UPDATE, 77, 5000, 0);
    h.buf_alloc = 10000, h.fwd_cnt = 4000;
    vsock_input(&st, &h, NULL);
    CHECK_EQ(vconn_send(&st, c, buf, sizeof buf), 4000);
}

TEST(reader_progress_sends_credit_update)
{
    setup();
    struct vconn *c = accepted();
    REQUIRE(c);
    static uint8_t data[4096], out[65536];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    for (int i = 0; i < 16; i++) {
        struct vsock_hdr h = pkt(VSOCK_OP_RW, 77, 5000, sizeof data);
        vsock_input(&st, &h, data);
    }
    CHECK_EQ(c->rx_len, VCONN_BUF);
    int before = nsent;
    CHECK_EQ(vconn_recv(&st, c, out, 1000, false), 1000);
    CHECK_EQ(nsent, before);                /* less than a quarter read */
    CHECK_EQ(out[999], (uint8_t)999);
    CHECK_EQ(vconn_recv(&st, c, out, sizeof out, false), VCONN_BUF - 1000);
    REQUIRE(nsent == before + 1);
    CHECK_EQ(sent[nsent - 1].op, VSOCK_OP_CREDIT_UPDATE);
    CHECK_EQ(sent[nsent - 1].fwd_cnt, VCONN_BUF);
    CHECK_EQ(vconn_recv(&st, c, out, 1, false), -EAGAIN);
}

TEST(rw_past_credit_resets)
{
    setup();
    struct vconn *c = accepted();
    REQUIRE(c);
    static uint8_t data[4096];
    for (int i = 0; i < 16; i++) {
        struct vsock_hdr h = pkt(VSOCK_OP_RW, 77, 5000, sizeof data);
        vsock_input(&st, &h, data);
    }
    struct vsock_hdr h = pkt(VSOCK_OP_RW, 77, 5000, 1);
    vsock_input(&st, &h, data);
    CHECK_EQ(st.bad, 1);
    CHECK_EQ(sent[nsent - 1].op, VSOCK_OP_RST);
    CHECK_EQ(c->state, VC_CLOSED);
    CHECK_EQ(vconn_send(&st, c, data, 1), -ECONNRESET);
}

TEST(lying_fwd_cnt_ignored)
{
    setup();
    struct vconn *c = accepted();
    REQUIRE(c);
    c->peer_alloc = 100;
    uint8_t b[100] = { 0 };
    CHECK_EQ(vconn_send(&st, c, b, 100), 100);
    struct vsock_hdr h = pkt(VSOCK_OP_CREDIT_UPDATE, 77, 5000, 0);
    h.buf_alloc = 100, h.fwd_cnt = 1000;    /* consumed more than we sent */
    vsock_input(&st, &h, NULL);
    CHECK_EQ(st.bad, 1);
    CHECK_EQ(vconn_send(&st, c, b, 1), -EAGAIN);
}

TEST(unknown_op_and_stray_packets)
{
    setup();
    struct vsock_hdr h = pkt(9, 77, 5000, 0);
    vsock_input(&st, &h, NULL);
    CHECK_EQ(st.bad, 1);
    CHECK_EQ(sent[nsent - 1].op, VSOCK_OP_RST);
    h = pkt(VSOCK_OP_RW, 78, 6000, 0);
    vsock_input(&st, &h, NULL);
    CHECK_EQ(st.bad, 2);
    CHECK_EQ(sent[nsent - 1].op, VSOCK_OP_RST);
    int before = nsent;
    h = pkt(VSOCK_OP_RST, 78, 6000, 0);     /* never answered */
    vsock_input(&st, &h, NULL);
    CHECK_EQ(nsent, before);
    h = pkt(VSOCK_OP_RW, 77, 5000, 0);
    h.dst_cid = 9;
    vsock_input(&st, &h, NULL);
    CHECK_EQ(st.bad, 3);
}

TEST(peer_shutdown_then_eof_after_data)
{
    setup();
    struct vconn *c = accepted();
    REQUIRE(c);
    uint8_t d[3] = { 1, 2, 3 }, o[8];
    struct vsock_hdr h = pkt(VSOCK_OP_RW, 77, 5000, 3);
    vsock_input(&st, &h, d);
    h = pkt(VSOCK_OP_SHUTDOWN, 77, 5000, 0);
    h.flags = VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND;
    vsock_input(&st, &h, NULL);
    CHECK_EQ(sent[nsent - 1].op, VSOCK_OP_RST);
    CHECK_EQ(vconn_recv(&st, c, o, sizeof o, false), 3);
    CHECK_EQ(vconn_recv(&st, c, o, sizeof o, false), 0);
    CHECK_EQ(vconn_send(&st, c, d, 1), -EPIPE);
}

TEST(close_sends_shutdown_and_frees_on_rst)
{
    setup();
    struct vconn *c = accepted();
    REQUIRE(c);
    vconn_close(&st, c);
    CHECK_EQ(sent[nsent - 1].op, VSOCK_OP_SHUTDOWN);
    CHECK_EQ(sent[nsent - 1].flags, 3);
    struct vsock_hdr h = pkt(VSOCK_OP_RST, 77, 5000, 0);
    vsock_input(&st, &h, NULL);
    int n = 0;
    for (int i = 0; i < VCONN_MAX; i++)
        n += st.conns[i] != NULL;
    CHECK_EQ(n, 1);                         /* the listener */
}

TEST(control_packet_retried_when_queue_full)
{
    setup();
    struct vconn *c = accepted();
    REQUIRE(c);
    xmit_full = 1;
    struct vsock_hdr h = pkt(VSOCK_OP_CREDIT_REQUEST, 77, 5000, 0);
    vsock_input(&st, &h, NULL);
    CHECK(c->pend);
    xmit_full = 0;
    vsock_tick(&st);
    CHECK_EQ(sent[nsent - 1].op, VSOCK_OP_CREDIT_UPDATE);
    CHECK_EQ(c->pend, 0);
}

TEST(transport_reset)
{
    setup();
    struct vconn *c = accepted();
    REQUIRE(c);
    vsock_reset(&st, 7);
    CHECK_EQ(st.cid, 7);
    CHECK_EQ(vconn_connected(c), -ECONNRESET);
    int listeners = 0;
    for (int i = 0; i < VCONN_MAX; i++)
        listeners += st.conns[i] && st.conns[i]->state == VC_LISTEN;
    CHECK_EQ(listeners, 1);
}

TEST(cleanup_frees_everything)
{
    setup();
    for (int i = 0; i < VCONN_MAX; i++)
        CHECK(st.conns[i] == NULL);
}
