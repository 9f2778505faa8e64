/* vsock-backend: a vhost-user backend for QEMU's vhost-user-vsock devices
 * (`-device vhost-user-vsock-pci` on q35/pc, `-device vhost-user-vsock-device`
 * on microvm) whose host side is Firecracker's "hybrid vsock": no
 * /dev/vhost-vsock needed, host programs talk through Unix sockets.
 *
 *   host -> guest: connect to UDS, write "CONNECT <port>\n"; when the guest
 *                  accepts, the backend answers "OK <host port>\n" and the
 *                  socket is then the byte stream (Firecracker
 *                  docs/vsock.md). Refused: the socket is closed.
 *   guest -> host: a guest connecting to (CID 2, port P) reaches the Unix
 *                  socket "<UDS>_P" (ENOENT/ECONNREFUSED there: RST).
 *   EOF from the host program: SHUTDOWN(RCV|SEND) to the guest, as
 *   Firecracker does (no half-close from the host side).
 *
 * vhost-user (QEMU docs/interop/vhost-user.rst): QEMU connects to SOCKET
 * and hands over guest memory (memfd regions: QEMU needs
 * `-object memory-backend-memfd,id=mem,size=...,share=on
 *  -machine memory-backend=mem`), the rx (0) and tx (1) rings with their
 * kick/call eventfds; the event queue stays in QEMU. We offer VERSION_1
 * and PROTOCOL_FEATURES, and the protocol features CONFIG (QEMU refuses
 * to realize the device without it: the guest CID comes from GET_CONFIG)
 * and REPLY_ACK. A malformed message (bad size, ring index, ring size,
 * addresses outside guest memory) is reported and the front end dropped;
 * the backend then waits for the next one, so a QEMU restart or a guest
 * reset (GET_VRING_BASE stops the rings: every connection is closed)
 * simply starts over.
 *
 * virtio-vsock (virtio 1.2 5.10): descriptor chains are read and written
 * as byte streams whatever their shape (Linux posts one 3776-byte rx
 * buffer, minnow a 44-byte header plus 4 KiB). Credit both ways: we never
 * send more than the guest's buf_alloc - (tx_cnt - fwd_cnt); we give the
 * guest 64 KiB per connection and count bytes as consumed only when the
 * host program has taken them, so a stalled host reader stalls the guest.
 *
 * Usage: vsock-backend {--socket|--connect} PATH --uds PATH [--cid N] [-v]
 *   --socket:  we listen on PATH and QEMU connects (-chardev socket,path=PATH)
 *   --connect: QEMU listens (-chardev socket,path=PATH,server=on,wait=on)
 *              and we connect; after QEMU drops us we connect again. This
 *              is the mode that survives a backend restart: QEMU 7.2's
 *              vhost-user-vsock has no reconnect of its own, but a server
 *              chardev takes the next client, and the device sends it the
 *              whole ring setup the next time the guest starts the device
 *              (a virtio reset by the guest, or a machine reset). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "vsock/vsock_reg.h"

/* ---- vhost-user wire format ---------------------------------------------- */
enum {
    VU_GET_FEATURES = 1, VU_SET_FEATURES = 2, VU_SET_OWNER = 3, VU_RESET_OWNER = 4,
    VU_SET_MEM_TABLE = 5, VU_SET_LOG_BASE = 6, VU_SET_LOG_FD = 7, VU_SET_VRING_NUM = 8,
    VU_SET_VRING_ADDR = 9, VU_SET_VRING_BASE = 10, VU_GET_VRING_BASE = 11, VU_SET_VRING_KICK = 12,
    VU_SET_VRING_CALL = 13, VU_SET_VRING_ERR = 14, VU_GET_PROTOCOL_FEATURES = 15,
    VU_SET_PROTOCOL_FEATURES = 16, VU_GET_QUEUE_NUM = 17, VU_SET_VRING_ENABLE = 18,
    VU_GET_CONFIG = 24, VU_SET_CONFIG = 25, VU_RESET_DEVICE = 34,
};
#define VU_VERSION       1u
#define VU_FLAG_REPLY    (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)
#define VU_F_PROTOCOL_FEATURES 30
#define VU_PF_REPLY_ACK  3
#define VU_PF_CONFIG     9
#define VU_VRING_NOFD    (1u << 8)
#define VU_MAX_REGIONS   8
#define VU_PAYLOAD_MAX   4096

struct vu_hdr { uint32_t request, flags, size; };
struct vu_state { uint32_t index, num; };
struct vu_addr { uint32_t index, flags; uint64_t desc, used, avail, log; };
struct vu_region { uint64_t gpa, size, ua, off; };
struct vu_mem { uint32_t n, pad; struct vu_region r[VU_MAX_REGIONS]; };
struct vu_config { uint32_t offset, size, flags; uint8_t data[256]; };
_Static_assert(sizeof(struct vu_hdr) == 12, "vhost-user header");
_Static_assert(sizeof(struct vu_addr) == 40, "vring address: no size field");
_Static_assert(sizeof(struct vu_mem) == 8 + 8 * 32, "memory table");

/* ---- split rings (virtio 1.2 2.7) ------------------------------------------- */
struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };
#define VD_NEXT 1
#define VD_WRITE 2
#define VD_INDIRECT 4
#define VAVAIL_NO_INTERRUPT 1

struct vring {
    uint32_t num;
    uint64_t desc_ua, avail_ua, used_ua;
    volatile struct vdesc *desc;
    volatile uint16_t *avail;           /* flags, idx, ring[num] */
    volatile uint16_t *used;            /* flags, idx, then {u32 id, u32 len}[num] */
    uint16_t last_avail, used_idx;
    int kick, call;
    bool enabled, started;
};

static struct {
    struct vu_region r[VU_MAX_REGIONS];
    void *map[VU_MAX_REGIONS];
    size_t maplen[VU_MAX_REGIONS];
    unsigned n;
} mem;

static struct vring vr[2];
static uint64_t features, cid = 3;
static const char *uds_path;
static bool verbose;

#define CONN_MAX 1023
#define CONN_BUF 65536u                 /* what we give the guest per connection */
#define PKT_MAX  65536u
enum { C_CMD, C_REQ, C_EST };

struct conn {
    int fd, state;
    uint32_t lport, gport;              /* host-side port, guest port */
    uint32_t peer_alloc, peer_fwd, tx_cnt;
    uint32_t fwd_cnt, fwd_told;
    uint8_t *buf;                       /* guest -> host bytes the host has not taken */
    uint32_t head, len;
    char line[40];
    unsigned linelen;
    bool host_eof, guest_shut_wr, guest_gone;
    uint8_t shut_flags;
    struct timespec t0;
};
static struct conn *conns[CONN_MAX];
static uint32_t next_lport = 1u << 30;

/* Control packets waiting for a guest rx buffer. */
#define CTLQ 4096
static struct vsock_hdr ctlq[CTLQ];
static unsigned ctl_head, ctl_n;

static void blog(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vsock-backend: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}
#define VLOG(...) do { if (verbose) blog(__VA_ARGS__); } while (0)

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- guest memory -------------------------------------------------------- */

static void *gpa_ptr(uint64_t gpa, uint64_t len)
{
    for (unsigned i = 0; i < mem.n; i++) {
        struct vu_region *r = &mem.r[i];
        if (gpa >= r->gpa && len <= r->size && gpa - r->gpa <= r->size - len)
            return (uint8_t *)mem.map[i] + r->off + (gpa - r->gpa);
    }
    return NULL;
}

static void *ua_ptr(uint64_t ua, uint64_t len)
{
    for (unsigned i = 0; i < mem.n; i++) {
        struct vu_region *r = &mem.r[i];
        if (ua >= r->ua && len <= r->size && ua - r->ua <= r->size - len)
            return (uint8_t *)mem.map[i] + r->off + (ua - r->ua);
    }
    return NULL;
}

static void mem_unmap(void)
{
    for (unsigned i = 0; i < mem.n; i++)
        munmap(mem.map[i], mem.maplen[i]);
    mem.n = 0;
}

/* ---- rings ---------------------------------------------------------------- */

static bool ring_live(struct vring *v) { return v->enabled && v->started && v->desc; }

static int ring_map(struct vring *v)
{
    size_t n = v->num;
    v->desc = ua_ptr(v->desc_ua, 16 * n);
    v->avail = ua_ptr(v->avail_ua, 6 + 2 * n);
    v->used = ua_ptr(v->used_ua, 6 + 8 * n);
    if (!v->desc || !v->avail || !v->used) {
        v->desc = NULL;
        return -1;
    }
    return 0;
}

/* The next available chain: head, or -1 when none. */
static int ring_pop(struct vring *v)
{
    if (!ring_live(v))
        return -1;
    uint16_t idx = __atomic_load_n(&v->avail[1], __ATOMIC_ACQUIRE);
    if (idx == v->last_avail)
        return -1;
    if ((uint16_t)(idx - v->last_avail) > v->num) {
        blog("avail index %u runs %u ahead of %u entries: ring ignored\n", idx,
             (uint16_t)(idx - v->last_avail), v->num);
        v->started = false;
        return -1;
    }
    unsigned head = v->avail[2 + v->last_avail % v->num];
    v->last_avail++;
    if (head >= v->num) {
        blog("avail head %u past %u descriptors: ring ignored\n", head, v->num);
        v->started = false;
        return -1;
    }
    return (int)head;
}

static void ring_push(struct vring *v, unsigned head, uint32_t len)
{
    volatile uint32_t *e = (volatile uint32_t *)(v->used + 2) + 2 * (v->used_idx % v->num);
    e[0] = head;
    e[1] = len;
    v->used_idx++;
    __atomic_store_n(&v->used[1], v->used_idx, __ATOMIC_RELEASE);
}

static void ring_notify(struct vring *v)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (v->call >= 0 && !(v->avail[0] & VAVAIL_NO_INTERRUPT)) {
        uint64_t one = 1;
        if (write(v->call, &one, 8) < 0)
            blog("call eventfd: %s\n", strerror(errno));
    }
}

/* Walks a chain: copies readable bytes into out (up to cap) or, when in is
 * given, writes in's bytes into the writable ones. Returns bytes moved,
 * -1 for a broken chain (loop, address outside memory), and sets *wcap to
 * the writable bytes of the chain. */
static long chain_io(struct vring *v, unsigned head, uint8_t *out, size_t cap, const uint8_t *in,
                     size_t inlen, size_t *wcap)
{
    size_t moved = 0, w = 0;
    unsigned i = head;
    for (unsigned k = 0;; k++) {
        if (k >= v->num || i >= v->num)
            return -1;
        struct vdesc d = { v->desc[i].addr, v->desc[i].len, v->desc[i].flags, v->desc[i].next };
        if (d.flags & VD_INDIRECT)
            return -1;                  /* not offered */
        uint8_t *p = gpa_ptr(d.addr, d.len);
        if (!p && d.len)
            return -1;
        if (d.flags & VD_WRITE) {
            if (in && moved < inlen) {
                size_t n = inlen - moved < d.len ? inlen - moved : d.len;
                memcpy(p, in + moved, n);
                moved += n;
            }
            w += d.len;
        } else if (out && moved < cap) {
            size_t n = cap - moved < d.len ? cap - moved : d.len;
            memcpy(out + moved, p, n);
            moved += n;
        }
        if (!(d.flags & VD_NEXT))
            break;
        i = d.next;
    }
    if (wcap)
        *wcap = w;
    return (long)moved;
}

/* ---- packets to the guest --------------------------------------------------- */

static void hdr_of(struct conn *c, struct vsock_hdr *h, unsigned op)
{
    *h = (struct vsock_hdr){ .src_cid = VSOCK_CID_HOST, .dst_cid = cid, .src_port = c->lport,
                             .dst_port = c->gport, .type = VSOCK_TYPE_STREAM, .op = (uint16_t)op,
                             .buf_alloc = CONN_BUF, .fwd_cnt = c->fwd_cnt };
}

static void ctl_push(const struct vsock_hdr *h)
{
    if (ctl_n == CTLQ) {
        blog("control queue full: %u dropped\n", h->op);
        return;
    }
    ctlq[(ctl_head + ctl_n++) % CTLQ] = *h;
}

static void ctl(struct conn *c, unsigned op, uint32_t flags)
{
    struct vsock_hdr h;
    hdr_of(c, &h, op);
    h.flags = flags;
    c->fwd_told = c->fwd_cnt;
    ctl_push(&h);
}

/* One packet into the next guest rx buffer: 1 sent, 0 no buffer. */
static int rx_put(const struct vsock_hdr *h, const uint8_t *data)
{
    static uint8_t tmp[sizeof(struct vsock_hdr) + PKT_MAX];
    struct vring *v = &vr[0];
    int head = ring_pop(v);
    if (head < 0)
        return 0;
    size_t w;
    memcpy(tmp, h, sizeof *h);
    if (h->len)
        memcpy(tmp + sizeof *h, data, h->len);
    long n = chain_io(v, (unsigned)head, NULL, 0, tmp, sizeof *h + h->len, &w);
    if (n < 0 || w < sizeof *h + h->len) {
        blog("guest rx buffer %d broken or too small (%zu bytes): packet lost\n", head, w);
        n = 0;
    }
    ring_push(v, (unsigned)head, (uint32_t)n);
    VLOG("-> %s %u->%u len %u flags %u fwd %u\n", h->op == VSOCK_OP_RW ? "RW" : "ctl", h->src_port,
         h->dst_port, h->len, h->flags, h->fwd_cnt);
    return 1;
}

/* Room a guest rx buffer has for payload (peeked: the chain stays put). */
static size_t rx_room(void)
{
    struct vring *v = &vr[0];
    int head = ring_pop(v);
    if (head < 0)
        return 0;
    v->last_avail--;
    size_t w = 0;
    if (chain_io(v, (unsigned)head, NULL, 0, NULL, 0, &w) < 0 || w <= sizeof(struct vsock_hdr))
        return 1;                       /* rx_put reports it */
    return w - sizeof(struct vsock_hdr);
}

/* ---- connections ------------------------------------------------------------ */

static struct conn *conn_new(int fd)
{
    for (int i = 0; i < CONN_MAX; i++) {
        if (conns[i])
            continue;
        struct conn *c = calloc(1, sizeof *c);
        if (!c || !(c->buf = malloc(CONN_BUF))) {
            free(c);
            return NULL;
        }
        c->fd = fd;
        fcntl(fd, F_SETFL, O_NONBLOCK);
        clock_gettime(CLOCK_MONOTONIC, &c->t0);
        conns[i] = c;
        return c;
    }
    return NULL;
}

static void conn_free(struct conn *c)
{
    for (int i = 0; i < CONN_MAX; i++)
        if (conns[i] == c)
            conns[i] = NULL;
    close(c->fd);
    free(c->buf);
    free(c);
}

static void conns_reset(const char *why)
{
    int n = 0;
    for (int i = 0; i < CONN_MAX; i++)
        if (conns[i])
            conn_free(conns[i]), n++;
    ctl_n = 0;
    if (n)
        blog("%s: %d connections closed\n", why, n);
}

static bool alive(const struct conn *c)
{
    for (int i = 0; i < CONN_MAX; i++)
        if (conns[i] == c)
            return true;
    return false;
}

static struct conn *conn_find(uint32_t lport, uint32_t gport)
{
    for (int i = 0; i < CONN_MAX; i++)
        if (conns[i] && conns[i]->state != C_CMD && conns[i]->lport == lport && conns[i]->gport == gport)
            return conns[i];
    return NULL;
}

/* A guest REQUEST to host port P: connect to "<uds>_P". */
static void guest_connect(const struct vsock_hdr *h)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof a.sun_path, "%s_%u", uds_path, h->dst_port);
    /* Non-blocking: a listener whose backlog is full (EAGAIN) refuses,
     * rather than stopping the whole backend. */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct conn *c = NULL;
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        c = conn_new(fd);
    struct vsock_hdr r = { .src_cid = VSOCK_CID_HOST, .dst_cid = cid, .src_port = h->dst_port,
                           .dst_port = h->src_port, .type = VSOCK_TYPE_STREAM };
    if (!c) {
        VLOG("guest connect to %s: %s\n", a.sun_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        r.op = VSOCK_OP_RST;
        ctl_push(&r);
        return;
    }
    c->state = C_EST;
    c->lport = h->dst_port;
    c->gport = h->src_port;
    c->peer_alloc = h->buf_alloc;
    c->peer_fwd = h->fwd_cnt;
    ctl(c, VSOCK_OP_RESPONSE, 0);
}

/* Guest -> host bytes: as many as the host socket takes now. */
static void host_flush(struct conn *c)
{
    while (c->len) {
        uint32_t n = CONN_BUF - c->head < c->len ? CONN_BUF - c->head : c->len;
        ssize_t w = write(c->fd, c->buf + c->head, n);
        if (w <= 0) {
            if (w < 0 && errno != EAGAIN) {
                VLOG("host write: %s: connection reset\n", strerror(errno));
                ctl(c, VSOCK_OP_RST, 0);
                c->guest_gone = true;
            }
            break;
        }
        c->head = (c->head + (uint32_t)w) % CONN_BUF;
        c->len -= (uint32_t)w;
        c->fwd_cnt += (uint32_t)w;
    }
    if (c->guest_gone)
        return;
    if (c->fwd_cnt - c->fwd_told >= CONN_BUF / 4)
        ctl(c, VSOCK_OP_CREDIT_UPDATE, 0);
    if (c->len == 0 && (c->shut_flags & VSOCK_SHUTDOWN_SEND) && !c->guest_shut_wr) {
        c->guest_shut_wr = true;
        shutdown(c->fd, SHUT_WR);
    }
    if (c->len == 0 && c->shut_flags == (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND)) {
        ctl(c, VSOCK_OP_RST, 0);
        c->guest_gone = true;
    }
}

/* One packet from the guest (tx ring), len bytes of payload checked. */
static void guest_pkt(const struct vsock_hdr *h, const uint8_t *data)
{
    VLOG("<- op %u %llu:%u->%u len %u flags %u buf_alloc %u fwd %u\n", h->op,
         (unsigned long long)h->src_cid, h->src_port, h->dst_port, h->len, h->flags, h->buf_alloc,
         h->fwd_cnt);
    struct vsock_hdr r = { .src_cid = VSOCK_CID_HOST, .dst_cid = h->src_cid, .src_port = h->dst_port,
                           .dst_port = h->src_port, .type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_RST };
    if (h->src_cid != cid || h->dst_cid != VSOCK_CID_HOST || h->type != VSOCK_TYPE_STREAM ||
        h->op == 0 || h->op > VSOCK_OP_MAX) {
        blog("refused packet: op %u type %u %llu -> %llu (guest cid %llu)\n", h->op, h->type,
             (unsigned long long)h->src_cid, (unsigned long long)h->dst_cid, (unsigned long long)cid);
        if (h->op != VSOCK_OP_RST)
            ctl_push(&r);
        return;
    }
    struct conn *c = conn_find(h->dst_port, h->src_port);
    if (!c || c->guest_gone) {
        if (h->op == VSOCK_OP_REQUEST && !c)
            guest_connect(h);
        else if (h->op != VSOCK_OP_RST && !c)
            ctl_push(&r);
        return;
    }
    if ((uint32_t)(h->fwd_cnt - c->peer_fwd) <= (uint32_t)(c->tx_cnt - c->peer_fwd)) {
        c->peer_fwd = h->fwd_cnt;
        c->peer_alloc = h->buf_alloc;
    } else {
        blog("guest fwd_cnt %u counts bytes never sent (sent %u): ignored\n", h->fwd_cnt, c->tx_cnt);
    }
    switch (h->op) {
    case VSOCK_OP_RESPONSE:
        if (c->state == C_REQ) {
            c->state = C_EST;
            char ok[32];
            int n = snprintf(ok, sizeof ok, "OK %u\n", c->lport);
            if (write(c->fd, ok, (size_t)n) != n)
                blog("host socket: OK line not written\n");
        }
        break;
    case VSOCK_OP_RST:
        conn_free(c);
        break;
    case VSOCK_OP_SHUTDOWN:
        c->shut_flags |= (uint8_t)(h->flags & 3);
        host_flush(c);
        break;
    case VSOCK_OP_RW:
        if (c->state != C_EST || h->len > CONN_BUF - c->len) {
            blog("guest RW of %u bytes past the credit given (%u buffered): reset\n", h->len, c->len);
            ctl(c, VSOCK_OP_RST, 0);
            c->guest_gone = true;
            break;
        }
        for (uint32_t k = 0; k < h->len; k++)
            c->buf[(c->head + c->len + k) % CONN_BUF] = data[k];
        c->len += h->len;
        host_flush(c);
        break;
    case VSOCK_OP_CREDIT_REQUEST:
        ctl(c, VSOCK_OP_CREDIT_UPDATE, 0);
        break;
    case VSOCK_OP_REQUEST:
        blog("REQUEST on an open connection: ignored\n");
        break;
    }
}

static void tx_process(void)
{
    static uint8_t pkt[sizeof(struct vsock_hdr) + PKT_MAX];
    struct vring *v = &vr[1];
    bool any = false;
    int head;
    while ((head = ring_pop(v)) >= 0) {
        long n = chain_io(v, (unsigned)head, pkt, sizeof pkt, NULL, 0, NULL);
        struct vsock_hdr h;
        if (n < (long)sizeof h) {
            blog("guest tx chain %d broken or shorter than a header (%ld)\n", head, n);
        } else {
            memcpy(&h, pkt, sizeof h);
            if (h.len > (size_t)n - sizeof h)
                blog("guest tx header says %u bytes, chain holds %ld: dropped\n", h.len, n - 44);
            else
                guest_pkt(&h, pkt + sizeof h);
        }
        ring_push(v, (unsigned)head, 0);
        any = true;
    }
    if (any)
        ring_notify(v);
}

/* Host -> guest: control packets first, then data while credit and guest
 * buffers last. */
static void rx_process(void)
{
    static uint8_t data[PKT_MAX];
    bool any = false;
    while (ctl_n && rx_put(&ctlq[ctl_head], NULL)) {
        ctl_head = (ctl_head + 1) % CTLQ;
        ctl_n--;
        any = true;
    }
    for (int i = 0; i < CONN_MAX && !ctl_n; i++) {
        struct conn *c = conns[i];
        if (!c || c->state != C_EST || c->host_eof || c->guest_gone)
            continue;
        for (int burst = 0; burst < 16; burst++) {
            int64_t credit = (int64_t)c->peer_alloc - (uint32_t)(c->tx_cnt - c->peer_fwd);
            size_t room = credit > 0 ? rx_room() : 0;
            if (room == 0)
                break;
            size_t want = room < (size_t)credit ? room : (size_t)credit;
            if (want > PKT_MAX)
                want = PKT_MAX;
            ssize_t n = read(c->fd, data, want);
            if (n < 0 && errno == EAGAIN)
                break;
            struct vsock_hdr h;
            if (n <= 0) {               /* EOF or error: no half-close (Firecracker) */
                c->host_eof = true;
                ctl(c, VSOCK_OP_SHUTDOWN, VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND);
                break;
            }
            hdr_of(c, &h, VSOCK_OP_RW);
            h.len = (uint32_t)n;
            rx_put(&h, data);
            c->tx_cnt += (uint32_t)n;
            c->fwd_told = c->fwd_cnt;
            any = true;
        }
    }
    while (ctl_n && rx_put(&ctlq[ctl_head], NULL)) {
        ctl_head = (ctl_head + 1) % CTLQ;
        ctl_n--;
        any = true;
    }
    if (any)
        ring_notify(&vr[0]);
}

/* A host program on UDS: its "CONNECT <port>\n" line. */
static void host_line(struct conn *c)
{
    while (c->linelen < sizeof c->line - 1) {
        ssize_t n = read(c->fd, c->line + c->linelen, 1);
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0)
            break;
        if (c->line[c->linelen++] != '\n')
            continue;
        c->line[c->linelen] = 0;
        char *end;
        unsigned long port = strncasecmp(c->line, "CONNECT ", 8) == 0 ? strtoul(c->line + 8, &end, 10) : 0;
        if (!port || port >= VSOCK_PORT_ANY || (*end != '\n' && *end != '\r')) {
            blog("host sent a bad command line: %.32s", c->line);
            break;
        }
        c->gport = (uint32_t)port;
        c->lport = next_lport++;
        if (next_lport >= 1u << 31)
            next_lport = 1u << 30;
        c->state = C_REQ;
        clock_gettime(CLOCK_MONOTONIC, &c->t0);
        ctl(c, VSOCK_OP_REQUEST, 0);
        return;
    }
    conn_free(c);
}

/* ---- vhost-user ------------------------------------------------------------- */

static int vu_reply(int fd, const struct vu_hdr *req, const void *p, uint32_t size)
{
    uint8_t b[sizeof(struct vu_hdr) + 512];
    struct vu_hdr h = { req->request, VU_VERSION | VU_FLAG_REPLY, size };
    memcpy(b, &h, sizeof h);
    memcpy(b + sizeof h, p, size);
    return write(fd, b, sizeof h + size) == (ssize_t)(sizeof h + size) ? 0 : -1;
}

static int bad_msg(const char *what, const struct vu_hdr *h)
{
    blog("malformed vhost-user message %u (size %u): %s: front end dropped\n", h->request, h->size, what);
    return -1;
}

/* One message and its fds: 0, or -1 to drop the front end. */
static int vu_handle(int fd, const struct vu_hdr *h, uint8_t *p, int *fds, int nfd)
{
    uint64_t u64 = 0;
    memcpy(&u64, p, h->size >= 8 ? 8 : 0);
    struct vu_state st;
    memcpy(&st, p, sizeof st);
    bool ack = false;
    switch (h->request) {
    case VU_GET_FEATURES:
        u64 = 1ull << VU_F_PROTOCOL_FEATURES | 1ull << 32;
        return vu_reply(fd, h, &u64, 8);
    case VU_GET_PROTOCOL_FEATURES:
        u64 = 1ull << VU_PF_CONFIG | 1ull << VU_PF_REPLY_ACK;
        return vu_reply(fd, h, &u64, 8);
    case VU_GET_QUEUE_NUM:
        u64 = 2;
        return vu_reply(fd, h, &u64, 8);
    case VU_SET_FEATURES:
    case VU_SET_PROTOCOL_FEATURES:
        if (h->size != 8)
            return bad_msg("not a u64", h);
        if (h->request == VU_SET_FEATURES)
            features = u64;
        ack = true;
        break;
    case VU_SET_OWNER:
    case VU_RESET_OWNER:
    case VU_RESET_DEVICE:
        ack = true;
        break;
    case VU_SET_MEM_TABLE: {
        struct vu_mem m;
        memcpy(&m, p, sizeof m);
        if (h->size < 8 || m.n == 0 || m.n > VU_MAX_REGIONS || h->size != 8 + 32 * m.n || (int)m.n != nfd)
            return bad_msg("region count, size and fds disagree", h);
        mem_unmap();
        for (unsigned i = 0; i < m.n; i++) {
            if (m.r[i].size == 0 || m.r[i].off + m.r[i].size < m.r[i].off)
                return bad_msg("empty or wrapping region", h);
            size_t len = m.r[i].off + m.r[i].size;
            void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
            if (map == MAP_FAILED) {
                blog("mmap region %u: %s (QEMU needs share=on memory)\n", i, strerror(errno));
                return -1;
            }
            mem.r[i] = m.r[i], mem.map[i] = map, mem.maplen[i] = len;
            mem.n = i + 1;
            VLOG("region %u gpa 0x%llx size 0x%llx\n", i, (unsigned long long)m.r[i].gpa,
                 (unsigned long long)m.r[i].size);
        }
        for (int i = 0; i < 2; i++)
            if (vr[i].desc_ua && ring_map(&vr[i]) < 0)
                return bad_msg("rings outside the new memory", h);
        ack = true;
        break;
    }
    case VU_SET_VRING_NUM:
    case VU_SET_VRING_BASE:
    case VU_GET_VRING_BASE:
    case VU_SET_VRING_ENABLE:
        if (h->size != 8 || st.index > 1)
            return bad_msg("bad ring state or index", h);
        if (h->request == VU_SET_VRING_NUM) {
            if (!st.num || st.num > 32768 || (st.num & (st.num - 1)))
                return bad_msg("ring size not a power of two up to 32768", h);
            vr[st.index].num = st.num;
        } else if (h->request == VU_SET_VRING_BASE) {
            vr[st.index].last_avail = vr[st.index].used_idx = (uint16_t)st.num;
        } else if (h->request == VU_SET_VRING_ENABLE) {
            vr[st.index].enabled = st.num != 0;
        } else {
            /* The device stops (guest reset, power-off): its connections go. */
            struct vring *v = &vr[st.index];
            v->started = v->enabled = false;
            st.num = v->last_avail;
            conns_reset("device stopped");
            return vu_reply(fd, h, &st, sizeof st);
        }
        ack = true;
        break;
    case VU_SET_VRING_ADDR: {
        struct vu_addr a;
        if (h->size != sizeof a)
            return bad_msg("vring address is 40 bytes", h);
        memcpy(&a, p, sizeof a);
        if (a.index > 1 || !vr[a.index].num)
            return bad_msg("bad ring index or no ring size yet", h);
        struct vring *v = &vr[a.index];
        v->desc_ua = a.desc, v->avail_ua = a.avail, v->used_ua = a.used;
        if (ring_map(v) < 0)
            return bad_msg("ring outside guest memory", h);
        ack = true;
        break;
    }
    case VU_SET_VRING_KICK:
    case VU_SET_VRING_CALL:
    case VU_SET_VRING_ERR: {
        unsigned idx = u64 & 0xFF;
        bool nofd = u64 & VU_VRING_NOFD;
        if (h->size != 8 || idx > 1 || (!nofd && nfd != 1))
            return bad_msg("bad ring index or fd", h);
        int nf = nofd ? -1 : fds[0];
        fds[0] = -1;
        if (h->request == VU_SET_VRING_ERR) {
            if (nf >= 0)
                close(nf);
        } else {
            int *slot = h->request == VU_SET_VRING_KICK ? &vr[idx].kick : &vr[idx].call;
            if (*slot >= 0)
                close(*slot);
            *slot = nf;
            if (h->request == VU_SET_VRING_KICK)
                vr[idx].started = true;
        }
        ack = true;
        break;
    }
    case VU_GET_CONFIG: {
        struct vu_config c;
        if (h->size < 12 || h->size > 12 + sizeof c.data)
            return bad_msg("config size", h);
        memcpy(&c, p, h->size);
        if (c.size != h->size - 12)
            return bad_msg("config payload size disagrees", h);
        memset(c.data, 0, sizeof c.data);
        uint64_t le = cid;
        for (uint32_t i = 0; i < c.size; i++)
            c.data[i] = c.offset + i < 8 ? (uint8_t)(le >> 8 * (c.offset + i)) : 0;
        return vu_reply(fd, h, &c, h->size);
    }
    case VU_SET_CONFIG:
        ack = true;                     /* the CID is ours to give */
        break;
    default:
        blog("unsupported vhost-user request %u (size %u): refused\n", h->request, h->size);
        if (h->flags & VU_FLAG_NEED_REPLY) {
            u64 = 1;
            return vu_reply(fd, h, &u64, 8);
        }
        return 0;
    }
    if (ack && (h->flags & VU_FLAG_NEED_REPLY)) {
        u64 = 0;
        return vu_reply(fd, h, &u64, 8);
    }
    return 0;
}

/* Reads one message: 0, 1 at EOF, -1 on a framing error. */
static int vu_read(int fd)
{
    struct vu_hdr h;
    static uint8_t p[VU_PAYLOAD_MAX];
    int fds[VU_MAX_REGIONS];
    int nfd = 0;
    char cbuf[CMSG_SPACE(sizeof fds)];
    struct iovec iov = { &h, sizeof h };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
    if (n == 0)
        return 1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            nfd = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            memcpy(fds, CMSG_DATA(cm), (size_t)nfd * sizeof(int));
        }
    int r = -1;
    if (n != sizeof h || (m.msg_flags & MSG_CTRUNC)) {
        blog("short vhost-user header (%zd bytes)\n", n);
    } else if ((h.flags & 3) != VU_VERSION || h.size > VU_PAYLOAD_MAX) {
        bad_msg("bad version or payload size", &h);
    } else {
        memset(p, 0, 64);
        size_t got = 0;
        while (got < h.size && (n = read(fd, p + got, h.size - got)) > 0)
            got += (size_t)n;
        if (got != h.size)
            blog("vhost-user payload cut short (%zu of %u)\n", got, h.size);
        else
            r = vu_handle(fd, &h, p, fds, nfd);
    }
    for (int i = 0; i < nfd; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return r;
}

static void vu_drop(int *fd)
{
    close(*fd);
    *fd = -1;
    conns_reset("front end gone");
    mem_unmap();
    for (int i = 0; i < 2; i++) {
        if (vr[i].kick >= 0)
            close(vr[i].kick);
        if (vr[i].call >= 0)
            close(vr[i].call);
        vr[i] = (struct vring){ .kick = -1, .call = -1 };
    }
    blog("front end disconnected; waiting for the next\n");
}

/* a for a Unix socket path: 0, or -1 when the path does not fit. */
static int unix_addr(struct sockaddr_un *a, const char *path)
{
    *a = (struct sockaddr_un){ .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a->sun_path) {
        blog("%s: path too long\n", path);
        return -1;
    }
    strcpy(a->sun_path, path);
    return 0;
}

static int listen_unix(const char *path)
{
    struct sockaddr_un a;
    if (unix_addr(&a, path) < 0)
        return -1;
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, SOMAXCONN) < 0) {
        blog("%s: %s\n", path, strerror(errno));
        return -1;
    }
    return fd;
}

/* --connect: QEMU listens (`-chardev socket,...,server=on`), we connect,
 * retrying every 100 ms for up to 60 s. After the front end goes we
 * connect again, so a backend restarted under a running QEMU is taken up
 * by the same device the next time the guest starts it. */
static int connect_unix(const char *path)
{
    struct sockaddr_un a;
    if (unix_addr(&a, path) < 0)
        return -1;
    for (int tries = 0; tries < 600; tries++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            break;
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        close(fd);
        if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN)
            break;
        poll(NULL, 0, 100);
    }
    blog("%s: cannot connect: %s\n", path, strerror(errno));
    return -1;
}

int main(int argc, char **argv)
{
    const char *sock = NULL;
    bool client = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--socket") && i + 1 < argc)
            sock = argv[++i];
        else if (!strcmp(argv[i], "--connect") && i + 1 < argc)
            sock = argv[++i], client = true;
        else if (!strcmp(argv[i], "--uds") && i + 1 < argc)
            uds_path = argv[++i];
        else if (!strcmp(argv[i], "--cid") && i + 1 < argc)
            cid = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "-v"))
            verbose = true;
        else
            sock = NULL, i = argc;
    }
    if (!sock || !uds_path || cid <= VSOCK_CID_HOST || cid >= VSOCK_CID_ANY) {
        fprintf(stderr, "usage: vsock-backend {--socket|--connect} VHOST_USER_PATH --uds HYBRID_PATH [--cid N>2] [-v]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < 2; i++)
        vr[i] = (struct vring){ .kick = -1, .call = -1 };
    int lfd = client ? -1 : listen_unix(sock), ufd = listen_unix(uds_path), vfd = -1;
    if ((!client && lfd < 0) || ufd < 0)
        return 1;
    blog("vhost-user on %s, hybrid vsock on %s, guest cid %llu\n", sock, uds_path, (unsigned long long)cid);
    static struct pollfd pf[CONN_MAX + 8];
    static struct conn *pc[CONN_MAX + 8];
    for (;;) {
        int n = 0;
        if (client && vfd < 0) {
            if ((vfd = connect_unix(sock)) < 0)
                return 1;
            blog("front end connected\n");
        }
        pf[n++] = (struct pollfd){ vfd >= 0 ? -1 : lfd, POLLIN, 0 };
        pf[n++] = (struct pollfd){ vfd, POLLIN, 0 };
        pf[n++] = (struct pollfd){ vr[0].kick, POLLIN, 0 };
        pf[n++] = (struct pollfd){ vr[1].kick, POLLIN, 0 };
        pf[n++] = (struct pollfd){ vfd >= 0 ? ufd : -1, POLLIN, 0 };
        for (int i = 0; i < CONN_MAX; i++) {
            struct conn *c = conns[i];
            if (!c)
                continue;
            short ev = (c->state == C_CMD ? POLLIN : 0) | (c->len ? POLLOUT : 0);
            if (c->state == C_EST && !c->host_eof && !c->guest_gone &&
                (int64_t)c->peer_alloc - (uint32_t)(c->tx_cnt - c->peer_fwd) > 0)
                ev |= POLLIN;
            pc[n] = c;
            pf[n++] = (struct pollfd){ c->fd, ev, 0 };
        }
        poll(pf, (nfds_t)n, 100);
        if (pf[0].revents & POLLIN) {
            vfd = accept(lfd, NULL, NULL);
            blog("front end connected\n");
        }
        if (vfd >= 0 && (pf[1].revents & (POLLIN | POLLHUP))) {
            int r = vu_read(vfd);
            if (r != 0)
                vu_drop(&vfd);
        }
        uint64_t k;
        for (int i = 2; i < 4; i++)
            if (pf[i].revents & POLLIN && read(pf[i].fd, &k, 8) < 0)
                blog("kick read: %s\n", strerror(errno));
        if (pf[4].revents & POLLIN) {
            int fd = accept(ufd, NULL, NULL);
            if (fd >= 0 && !conn_new(fd)) {
                blog("too many connections: host connection refused\n");
                close(fd);
            }
        }
        for (int i = 5; i < n; i++) {
            struct conn *c = pc[i];
            if (!pf[i].revents || !alive(c))
                continue;           /* freed by a reset above */
            if (c->state == C_CMD)
                host_line(c);
            else if (pf[i].revents & POLLOUT)
                host_flush(c);
        }
        tx_process();
        rx_process();
        /* Timeouts (2 s, Firecracker's), and connections both sides finished. */
        for (int i = 0; i < CONN_MAX; i++) {
            struct conn *c = conns[i];
            if (c && (c->state == C_REQ || c->state == C_CMD) && elapsed(&c->t0) > 2.0) {
                VLOG("connection to guest port %u timed out\n", c->gport);
                if (c->state == C_REQ)
                    ctl(c, VSOCK_OP_RST, 0);
                conn_free(c);
            } else if (c && c->guest_gone) {
                conn_free(c);
            }
        }
        if (vfd >= 0)
            rx_process();
    }
}
