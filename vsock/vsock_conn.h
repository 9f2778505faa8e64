/* The vsock stream protocol (virtio 1.2 5.10.6), without a device: the
 * connection table, the connection states, credit flow control and every
 * check on what the peer sends. Pure: no blocking, no device access, the
 * same file runs on the host in tests/unit/test_vsock_conn.c.
 *
 * The driver (vsock/virtio_vsock.c) hands each received packet to
 * vsock_input and sends what the stack gives its xmit hook; the socket
 * family (vsock/socket_vsock.c) calls the non-blocking vconn_* operations
 * and waits for the stack's wake hook whenever one says -EAGAIN.
 *
 * Life of a connection (5.10.6.2, 5.10.6.4, 5.10.6.5):
 *   client: REQUEST ->, <- RESPONSE: established; <- RST: refused.
 *   server: <- REQUEST to a listening port: RESPONSE ->, queued for accept;
 *           nobody listens or the backlog is full: RST ->.
 *   data:   RW, never more than the peer's credit
 *           (peer_buf_alloc - (tx_cnt - peer_fwd_cnt)); out of credit we
 *           send CREDIT_REQUEST once and wait for any packet bringing a
 *           fresh fwd_cnt. Our fwd_cnt moves when the application reads;
 *           a CREDIT_UPDATE goes out when a quarter of the buffer was read
 *           since the peer last heard our fwd_cnt, so a slow reader stalls
 *           the sender and nothing is ever dropped.
 *   close:  SHUTDOWN(RCV|SEND) ->, <- RST (or after 2 s we send RST).
 *           <- SHUTDOWN(RCV|SEND): RST -> at once (what is buffered can
 *           still be read). A peer's RST ends the connection (reads give
 *           EOF after the buffered data, writes EPIPE).
 * A packet breaking the rules (unknown op, a payload past the credit we
 * gave, a fwd_cnt counting bytes we never sent, a packet for no
 * connection) is counted, reported through the log hook and answered with
 * RST where the spec says so. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "vsock/vsock_reg.h"

#define VCONN_BUF       65536u          /* our buf_alloc: receive buffer per connection */
#define VCONN_PKT_MAX   4096u           /* payload of one RW we send */
#define VCONN_MAX       256             /* connections and listeners (each 64 KiB of buffer when open) */
#define VCONN_TIMEOUT_MS 2000           /* REQUEST unanswered, SHUTDOWN unanswered */

enum vconn_state {
    VC_FREE, VC_NEW, VC_LISTEN, VC_CONNECTING, VC_ESTABLISHED,
    VC_CLOSING,                         /* closed by the application, waiting for RST */
    VC_CLOSED,                          /* reset or shut down by the peer; socket still open */
};

struct vconn {
    uint8_t state;                      /* enum vconn_state */
    uint8_t shut, peer_shut;            /* VSOCK_SHUTDOWN_* sent / received */
    uint8_t pend;                       /* control packets still to send (bit per op) */
    bool open;                          /* a socket holds it */
    bool credit_asked;
    int err;                            /* pending error: -ECONNRESET, -ETIMEDOUT */
    uint32_t lport, rport;
    uint64_t rcid;
    uint32_t peer_alloc, peer_fwd, tx_cnt;      /* the peer's credit, what we sent */
    uint32_t fwd_cnt, fwd_told, rx_cnt;         /* consumed by the app, last told, received */
    uint8_t *rx;                        /* VCONN_BUF ring */
    uint32_t rx_head, rx_len;
    int backlog, nq;                    /* listener: accept queue */
    struct vconn *parent, *qnext;
    uint64_t deadline_ms;
};

struct vsock_stack {
    uint64_t cid;                       /* ours (the device's guest_cid) */
    uint64_t now_ms;                    /* the caller keeps it current */
    void *ctx;
    /* Sends h and h->len bytes of data: 0, or -EAGAIN (no room: retried). */
    int (*xmit)(struct vsock_stack *s, const struct vsock_hdr *h, const void *data);
    void (*wake)(struct vsock_stack *s);        /* something changed */
    void (*log)(struct vsock_stack *s, const char *what, const struct vsock_hdr *h);
    struct vconn *conns[VCONN_MAX];
    uint32_t next_port;
    uint64_t bad;                       /* packets that broke the rules */
};

struct vconn *vconn_new(struct vsock_stack *s);
int vconn_bind(struct vsock_stack *s, struct vconn *c, uint32_t port);
int vconn_listen(struct vsock_stack *s, struct vconn *c, int backlog);
/* 0 and *child, or -EAGAIN (nothing queued), -EINVAL (not listening). */
int vconn_accept(struct vsock_stack *s, struct vconn *c, struct vconn **child);
/* Sends REQUEST: -EINPROGRESS; then vconn_connected() says how it went. */
int vconn_connect(struct vsock_stack *s, struct vconn *c, uint64_t cid, uint32_t port);
/* 0 established, -EAGAIN still waiting, or the error. */
int vconn_connected(struct vconn *c);
/* Bytes sent (at most the credit), -EAGAIN, -EPIPE, -ENOTCONN. */
long vconn_send(struct vsock_stack *s, struct vconn *c, const void *buf, uint32_t len);
/* Bytes read, 0 at end of stream, -EAGAIN, -ENOTCONN, the pending error. */
long vconn_recv(struct vsock_stack *s, struct vconn *c, void *buf, uint32_t len, bool peek);
int vconn_shutdown(struct vsock_stack *s, struct vconn *c, int flags);
void vconn_close(struct vsock_stack *s, struct vconn *c);
/* MSOCK_POLLIN/OUT/HUP/ERR (net/socket.h values). */
short vconn_poll(struct vsock_stack *s, struct vconn *c);

/* One packet from the device; data holds h->len bytes (checked by the
 * caller against the buffer). */
void vsock_input(struct vsock_stack *s, const struct vsock_hdr *h, const void *data);
/* Timeouts and control packets that found no room earlier. */
void vsock_tick(struct vsock_stack *s);
/* TRANSPORT_RESET: every connection is reset, listeners stay; cid is the
 * re-read guest CID. */
void vsock_reset(struct vsock_stack *s, uint64_t cid);
/* "REQUEST", "RW"... for traces. */
const char *vsock_op_name(unsigned op);
