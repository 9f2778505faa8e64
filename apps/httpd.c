/* app=httpd: a small HTTP/1.1 server on port 80 (RFC 9110, RFC 9112).
 *
 *   GET /           a plain-text status page: version, hypervisor, uptime,
 *                   boot time, PCI devices, NICs with their counters; an
 *                   HTML page with the same and more (wall clock, the boot
 *                   timeline as a chart) when Accept names text/html
 *                   (apps/httpd_html.c)
 *   GET /bytes/N    N bytes (0 <= N <= 1 GiB) of the pattern byte i = i & 0xFF
 *   GET /files/P    file P of the ustar archive on a disk (apps/httpd_files.c)
 *
 * One thread per connection, as many at once as memory allows (up to
 * HTTPD_MAX_CONN, httpd_conns= to choose; the rest wait in the listen
 * backlog, sized from what lwIP's pools leave); connections
 * are persistent unless the client asks otherwise (HTTP/1.0 without
 * "Connection: keep-alive", or "Connection: close"). The request line and
 * headers must fit in HTTPD_REQ_MAX bytes (apps/httpd_parse.c parses
 * them); anything malformed gets 400 and the connection is closed, other
 * methods than GET and HEAD get 405.
 *
 * Deadlines: a whole request header within HTTPD_HEAD_MS of its first byte
 * (408 and close otherwise), an idle keep-alive connection closed after
 * HTTPD_IDLE_MS, and, when every slot is taken and a new client waits, the
 * connection idle for the longest closed at once to make room.
 *
 *   qemu-system-x86_64 -accel tcg -M q35 -netdev user,id=n0,hostfwd=tcp:127.0.0.1:8080-:80
 *     -device e1000,netdev=n0 -kernel build/minnow.elf -append "app=httpd"
 *   curl http://127.0.0.1:8080/
 *
 * Sockets: minnow's POSIX layer (net/socket.h). */
#include "apps/httpd_files.h"
#include "apps/httpd_html.h"
#include "apps/httpd_parse.h"
#include "kernel/core/app.h"
#include "kernel/core/cmdline.h"
#include "kernel/time/clock.h"
#include "kernel/arch/cpuinfo.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/pmm.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci.h"
#include "kernel/sched/sched.h"
#include "kernel/time/timeline.h"
#include "lib/string.h"
#include "net/lwip_netif.h"
#include "net/socket.h"
#include "net/netdev.h"
#include "net/lwip/tcp_timewait.h"
#include "net/lwip/pools.h"
#include "net/lwip/tcp_guard.h"
#include "vsock/vsock.h"

#ifndef MINNOW_VERSION
#define MINNOW_VERSION      "0.4-dev"
#endif

#define HTTPD_PORT          80
#define HTTPD_NIC           "eth0"
#define HTTPD_ADDR_WAIT_NS  (30ull * 1000000000ull)
#define HTTPD_MAX_CONN      256             /* connection threads at most */
/* What one connection costs: its thread's stack, its request buffer, and
 * its socket, lwIP's PCB and the received data it holds (8 KiB). A quarter
 * of the free memory goes to connections. */
#define HTTPD_CONN_COST     (HTTPD_STACK + HTTPD_REQ_MAX + 8 * 1024)
#define HTTPD_BACKLOG_MAX   255             /* lwIP's backlog is a u8_t */
#define HTTPD_REQ_MAX       8192            /* request line + headers */
#define HTTPD_MAX_HEADERS   64
#define HTTPD_IDLE_MS       15000           /* keep-alive idle / stalled peer timeout */
/* A whole request header must arrive within this time, counted from its
 * first byte (from the accept for a connection's first request), however
 * the bytes trickle in: a slow client (slowloris) cannot hold a slot by
 * sending a byte now and then. It then gets 408 (RFC 9110 15.5.9). */
#define HTTPD_HEAD_MS       10000
/* Waiting for a request, a connection looks at its deadline and at the
 * acceptor's eviction request this often. */
#define HTTPD_SLICE_MS      200
#define HTTPD_EVICT_WAIT_NS (100ull * 1000000ull)   /* the acceptor re-checks its wish this often */
#define HTTPD_BYTES_MAX     (1ull << 30)
/* /bytes/N goes out in chunks of the pattern, a multiple of 256 bytes so
 * that every chunk starts at pattern byte 0. lwIP copies a whole send()
 * into transmit pbufs from the heap, all or nothing (tcp_write, core/
 * tcp_out.c): on a machine with little free memory a 64 KiB write may never
 * find room, so small machines send 8 KiB at a time. */
#define HTTPD_CHUNK         (64 * 1024)
#define HTTPD_CHUNK_SMALL   (8 * 1024)
#define HTTPD_SMALL_MEM     (4ull << 20)    /* free bytes below which chunks are small */
#define HTTPD_STACK         (16 * 1024)
#define HTTPD_HTML_MAX      (48 * 1024)     /* the HTML page: about 8 KiB with one NIC */

/* --- sockets (net/socket.h) ---------------------------------------------- */

/* A new connection, with receive and send timeouts set; negative on error. */
static int httpd_sock_accept(int lfd, int timeout_ms)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        return fd;
    struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Bytes received (0 at EOF), or negative on error or timeout. */
static long httpd_sock_recv(int fd, void *buf, size_t len)
{
    return recv(fd, buf, len, 0);
}

static void httpd_sock_close(int fd) { close(fd); }


/* --- response text: a growable buffer ----------------------------------- */

struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void sbuf_reserve(struct sbuf *b, size_t more)
{
    if (b->oom || b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = kmalloc(cap);
    if (!p) {
        b->oom = true;
        return;
    }
    if (b->p) {
        memcpy(p, b->p, b->len);
        kfree(b->p);
    }
    b->p = p;
    b->cap = cap;
}

static void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = fmt_vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof tmp)
        n = sizeof tmp - 1;                 /* lines longer than this are cut */
    sbuf_reserve(b, (size_t)n);
    if (b->oom)
        return;
    memcpy(b->p + b->len, tmp, (size_t)n);
    b->len += (size_t)n;
    b->p[b->len] = 0;
}

/* --- the status page ------------------------------------------------------ */

/* Connections closed to make room (idle, for a new client) and request
 * headers that missed HTTPD_HEAD_MS (see "connections" below). */
static unsigned long conn_evicted, conn_head_timeouts;

/* pci_list's callback has no context argument: it appends to this buffer.
 * Threads are cooperative and pci_list does not block, so no other thread
 * runs between setting it and the end of the listing. */
static struct sbuf *pci_sink;
static void status_pci_line(const char *line)
{
    size_t n = strlen(line);
    sbuf_printf(pci_sink, "  %s%s", line, n && line[n - 1] == '\n' ? "" : "\n");
}

static void status_nics(struct sbuf *b)
{
    for (int i = 0; i < netdev_count(); i++) {
        struct netdev *d = netdev_get(i);
        char mac[18], addr[16];
        netdev_format_mac(d->mac, mac, sizeof mac);
        net_addr_str(d->name, addr, sizeof addr);
        sbuf_printf(b, "  %s %s %s mac %s addr %s link %s", d->name, d->driver ? d->driver : "?",
                    d->desc, mac, addr, d->link_up ? "up" : "down");
        if (d->link_up)
            sbuf_printf(b, " %u Mb/s", d->speed_mbps);
        const struct netdev_stats *s = &d->stats;
        sbuf_printf(b, "\n    rx %llu packets %llu bytes, %llu dropped, %llu errors, %llu without a copy\n",
                    (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
                    (unsigned long long)s->rx_dropped, (unsigned long long)s->rx_errors,
                    (unsigned long long)s->rx_lent);
        sbuf_printf(b, "    tx %llu packets %llu bytes, %llu dropped\n",
                    (unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
                    (unsigned long long)s->tx_dropped);
        char off[128];
        netdev_format_offloads(d, off, sizeof off);
        sbuf_printf(b, "    %s\n    tcp/udp checked in software %llu\n", off,
                    (unsigned long long)net_rx_csum_sw(d->name));
        struct net_nic_counters c;
        if (net_nic_counters(d->name, &c) == 0) {
            sbuf_printf(b, "    stack dropped: no rx buffer %llu, input queue full %llu, invalid ipv4 source %llu\n",
                        (unsigned long long)c.rx_nobuf, (unsigned long long)c.rx_noqueue,
                        (unsigned long long)c.rx_bad_src);
            sbuf_printf(b, "    carrier lost %llu, tx dropped without carrier %llu, retransmitted at carrier "
                        "return %llu\n", (unsigned long long)c.carrier_losses,
                        (unsigned long long)c.tx_nocarrier, (unsigned long long)c.carrier_rexmit);
        }
    }
    /* TIME_WAIT blocks reopened (net/lwip/tcp_timewait.c): by a client's
     * new SYN, and by our own connect() from the same port. */
    sbuf_printf(b, "tcp: time-wait reopened by syn %lu, by connect %lu\n", minnow_tcp_timewait_reused(),
                minnow_tcp_timewait_reused_connect());
    struct tcp_guard_stats g;
    minnow_tcp_guard_stats(&g);
    sbuf_printf(b, "tcp: data dropped to spare rx buffers %llu, syn cookies sent %llu, connections from cookies "
                "%llu, half-open evicted %llu\n", (unsigned long long)g.rx_reserve,
                (unsigned long long)g.cookies_sent, (unsigned long long)g.cookies_ok,
                (unsigned long long)g.halfopen_evicted);
    sbuf_printf(b, "httpd: idle connections closed for new clients %lu, request headers timed out %lu\n",
                conn_evicted, conn_head_timeouts);
}

static void status_page(struct sbuf *b)
{
    uint64_t up_ms = clock_ns() / 1000000;
    /* The per-phase timeline is printed to the console only (timeline.h
     * has no to-buffer call): the page gives its total. One call for the
     * head (at most ~200 bytes, under sbuf_printf's 256). */
    sbuf_printf(b, "minnow %s\nhypervisor: %s\ncpu: %s\nuptime: %llu.%03llu s\nboot: ready in %llu us\n"
                "pci devices:\n", MINNOW_VERSION, cpuinfo_hv_name(cpu.hv), cpu.brand[0] ? cpu.brand : cpu.vendor,
                (unsigned long long)(up_ms / 1000), (unsigned long long)(up_ms % 1000),
                (unsigned long long)timeline_total_us());
    pci_sink = b;
    pci_list(status_pci_line, false);
    pci_sink = NULL;
    sbuf_printf(b, "nics:\n");
    status_nics(b);
}

/* The figures of the HTML page (httpd_html.h), gathered from the kernel. */
static void status_collect(struct httpd_status *st, const char *pci)
{
    st->version = MINNOW_VERSION;
    st->hypervisor = cpuinfo_hv_name(cpu.hv);
    st->cpu = cpu.brand[0] ? cpu.brand : cpu.vendor;
    st->uptime_ms = clock_ns() / 1000000;
    st->wall_s = clock_wall_s();
    st->ready_us = timeline_total_us();
    for (int i = 0; i < timeline_count() && st->nstages < HTML_MAX_STAGES; i++) {
        struct httpd_stage *g = &st->stages[st->nstages];
        if (timeline_get(i, &g->name, &g->at_us, &g->us) == 0)
            st->nstages++;
    }
    for (int i = 0; i < netdev_count() && st->nnics < HTML_MAX_NICS; i++) {
        struct netdev *d = netdev_get(i);
        struct httpd_nic *n = &st->nics[st->nnics++];
        fmt_snprintf(n->name, sizeof n->name, "%s", d->name);
        fmt_snprintf(n->driver, sizeof n->driver, "%s", d->driver ? d->driver : "?");
        fmt_snprintf(n->desc, sizeof n->desc, "%s", d->desc);
        netdev_format_mac(d->mac, n->mac, sizeof n->mac);
        net_addr_str(d->name, n->addr, sizeof n->addr);
        netdev_format_offloads(d, n->offloads, sizeof n->offloads);
        n->link_up = d->link_up;
        n->speed_mbps = d->speed_mbps;
        n->rx_packets = d->stats.rx_packets;
        n->rx_bytes = d->stats.rx_bytes;
        n->rx_dropped = d->stats.rx_dropped;
        n->rx_errors = d->stats.rx_errors;
        n->tx_packets = d->stats.tx_packets;
        n->tx_bytes = d->stats.tx_bytes;
        n->tx_dropped = d->stats.tx_dropped;
        n->csum_sw = net_rx_csum_sw(d->name);
    }
    for (int i = 0; i < net_pools_count() && st->npools < HTML_MAX_POOLS; i++) {
        struct net_pool_info pi;
        if (net_pools_get(i, &pi) == 0)
            st->pools[st->npools++] = (struct httpd_pool){ pi.name, pi.configured, pi.limit, pi.used, pi.refused };
    }
    st->tw_reused_syn = minnow_tcp_timewait_reused();
    st->tw_reused_connect = minnow_tcp_timewait_reused_connect();
    st->pci = pci;
}

/* --- responses ------------------------------------------------------------- */

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    default:  return "Error";
    }
}

/* `vary`: the response depends on the request's Accept (RFC 9110 12.5.5). */
static void head_printf(struct sbuf *b, int status, const char *type, unsigned long long length,
                        bool keep_alive, bool vary)
{
    sbuf_printf(b, "HTTP/1.1 %d %s\r\nServer: minnow\r\nContent-Type: %s\r\n"
                "Content-Length: %llu\r\n%s%sConnection: %s\r\n\r\n",
                status, reason(status), type, length, status == 405 ? "Allow: GET, HEAD\r\n" : "",
                vary ? "Vary: Accept\r\n" : "", keep_alive ? "keep-alive" : "close");
}

static void sbuf_append(struct sbuf *b, const char *p, size_t n)
{
    sbuf_reserve(b, n);
    if (b->oom)
        return;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* Sends head and body (none for HEAD) in one piece. 0 or -1. */
static int send_page(int fd, int status, const char *type, const struct sbuf *body, bool head_only,
                     bool keep_alive, bool vary)
{
    struct sbuf out = { 0 };
    head_printf(&out, status, type, body->len, keep_alive, vary);
    if (!head_only)
        sbuf_append(&out, body->p, body->len);
    int err = out.oom ? -1 : send_all(fd, out.p, out.len);
    kfree(out.p);
    return err;
}

static int send_error(int fd, int status, bool head_only, bool keep_alive)
{
    struct sbuf body = { 0 };
    sbuf_printf(&body, "%d %s\n", status, reason(status));
    int err = send_page(fd, status, "text/plain", &body, head_only, keep_alive, false);
    kfree(body.p);
    return err;
}

/* The pattern /bytes/N sends: byte i is i & 0xFF. Made once by main. */
static uint8_t *pattern;
static size_t pattern_len;

int httpd_send_head(int fd, int status, const char *type, unsigned long long length, bool keep_alive)
{
    struct sbuf head = { 0 };
    head_printf(&head, status, type, length, keep_alive, false);
    int err = head.oom ? -1 : send_all(fd, head.p, head.len);
    kfree(head.p);
    return err;
}

static int send_bytes(int fd, unsigned long long n, bool head_only, bool keep_alive)
{
    int err = httpd_send_head(fd, 200, "application/octet-stream", n, keep_alive);
    unsigned long long total = n;
    while (!err && !head_only && n) {
        size_t c = n < pattern_len ? (size_t)n : pattern_len;
        err = send_all(fd, pattern, c);
        n -= c;
    }
    if (err && total != n) {
        /* Cut short (the peer left, or no memory for a send timeout's
         * worth): say why, and reset the connection rather than close it
         * as if the body were whole (SO_LINGER 0: close sends a RST). */
        kprintf("httpd: /bytes/%llu cut after %llu bytes: %s; resetting the connection\n", total, total - n,
                msock_errno == EAGAIN ? "send timed out" : msock_errno == ENOMEM ? "no memory" : "send failed");
        struct linger lg = { .l_onoff = 1, .l_linger = 0 };
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    return err;
}

/* The HTML status page. 0 or -1. */
static int send_html(int fd, bool head_only, bool keep_alive)
{
    struct sbuf pci = { 0 }, body = { 0 };
    pci_sink = &pci;
    pci_list(status_pci_line, false);
    pci_sink = NULL;
    struct httpd_status *st = kzalloc(sizeof *st);
    char *buf = kmalloc(HTTPD_HTML_MAX);
    int err = -1;
    if (st && buf && !pci.oom) {
        status_collect(st, pci.p);
        struct html_out o;
        html_out_init(&o, buf, HTTPD_HTML_MAX);
        if (httpd_html_page(&o, st) == 0) {
            body = (struct sbuf){ .p = buf, .len = o.len, .cap = HTTPD_HTML_MAX };
            err = send_page(fd, 200, "text/html; charset=utf-8", &body, head_only, keep_alive, true);
        }
    }
    kfree(buf);
    kfree(st);
    kfree(pci.p);
    return err;
}

/* Answers one parsed request. 0 to go on, -1 to close the connection. */
static int respond(int fd, struct request *r)
{
    bool head_only = strcmp(r->method, "HEAD") == 0;
    bool keep = r->keep_alive && !r->has_body;  /* the body is not read: close after */
    if (!head_only && strcmp(r->method, "GET") != 0)
        return send_error(fd, 405, false, keep) || !keep ? -1 : 0;
    char *q = (char *)r->target;
    while (*q && *q != '?')
        q++;
    *q = 0;                                 /* the query string is ignored */
    int err;
    if (strcmp(r->target, "/") == 0 && r->wants_html) {
        err = send_html(fd, head_only, keep);
    } else if (strcmp(r->target, "/") == 0) {
        struct sbuf body = { 0 };
        status_page(&body);
        err = body.oom ? -1 : send_page(fd, 200, "text/plain; charset=utf-8", &body, head_only, keep, true);
        kfree(body.p);
    } else if (strncmp(r->target, "/bytes/", 7) == 0) {
        long long n = httpd_parse_count(r->target + 7, HTTPD_BYTES_MAX);
        err = n < 0 ? send_error(fd, 400, head_only, keep) : send_bytes(fd, (unsigned long long)n, head_only, keep);
    } else if (strncmp(r->target, "/files/", 7) == 0) {
        err = httpd_files_send(fd, r->target + 7, head_only, keep);
        if (err == HTTPD_FILES_NOT_FOUND)
            err = send_error(fd, 404, head_only, keep);
    } else {
        err = send_error(fd, 404, head_only, keep);
    }
    return err || !keep ? -1 : 0;
}

/* --- connections ----------------------------------------------------------- */

/* The connection slots. A slot whose connection waits idle between
 * keep-alive requests may be taken back: when every slot is in use and a
 * new client has been accepted, the acceptor asks the connection idle for
 * the longest to close (RFC 9112 9.5 lets a server close an idle
 * connection at any time), so that a client that has a request to make is
 * served instead of one that has none. Threads are cooperative: the flags
 * need no lock. */
struct conn_slot {
    int fd;
    bool used;
    bool idle;                  /* between requests, nothing of the next one yet */
    bool evict;                 /* the acceptor wants the slot back */
    uint64_t idle_since;        /* clock_ns() when it became idle */
};
static struct conn_slot *conn_slot;
static int conn_max;                    /* slots */
static struct semaphore conn_slots;     /* free slots */

static uint64_t conns_opt;
CMDLINE_OPTION(httpd_conns, .key = "httpd_conns", .type = CMDLINE_UINT, .dst = &conns_opt,
               .dst_size = sizeof conns_opt, .min = 1, .max = HTTPD_MAX_CONN,
               .help = "httpd: connections served at once (default: from free memory, at most 256)");

/* Slots from free memory (or httpd_conns=), and the listen backlog from
 * the connections lwIP's pools leave: a client beyond both waits for its
 * SYN to be answered (lwIP drops it, the client sends it again) instead of
 * being reset after the handshake. */
static int conn_size(int *backlog)
{
    uint64_t n = conns_opt ? conns_opt : (uint64_t)pmm_free_pages() * PAGE_SIZE / 4 / HTTPD_CONN_COST;
    int pool = (int)net_pools_conns() - 4;          /* the listener, an echo, a shell... */
    n = n < 4 ? 4 : n > HTTPD_MAX_CONN ? HTTPD_MAX_CONN : n;
    if ((int)n > pool / 2)
        n = pool / 2 > 1 ? (uint64_t)(pool / 2) : 1;
    /* A queued connection costs its socket and lwIP's PCB (about 5 KiB). */
    uint64_t q = (uint64_t)pmm_free_pages() * PAGE_SIZE / 4 / (5 * 1024);
    *backlog = pool - (int)n < HTTPD_BACKLOG_MAX ? pool - (int)n : HTTPD_BACKLOG_MAX;
    if ((uint64_t)*backlog > q)
        *backlog = q < 8 ? 8 : (int)q;
    return (int)n;
}

/* Waits until fd has bytes to read, the deadline passes, or (while
 * idle) the acceptor wants the slot: 1 readable (or closed: recv says),
 * 0 deadline or eviction, negative on error. */
static int conn_wait(struct conn_slot *c, uint64_t deadline)
{
    for (;;) {
        if (c->idle && c->evict)
            return 0;
        uint64_t now = clock_ns();
        if (now >= deadline)
            return 0;
        uint64_t left_ms = (deadline - now + 999999) / 1000000;
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        int r = poll(&p, 1, left_ms < HTTPD_SLICE_MS ? (int)left_ms : HTTPD_SLICE_MS);
        if (r < 0)
            return r;
        if (r > 0)
            return 1;
    }
}

static uint64_t ms_after(uint64_t t, unsigned ms) { return t + (uint64_t)ms * 1000000ull; }

/* Requests on one connection until it closes, fails, misses a deadline,
 * is evicted while idle, or asks to close; leftover bytes (a pipelined
 * next request) are kept. */
static void serve(struct conn_slot *c, char *buf)
{
    int fd = c->fd;
    size_t len = 0;
    uint64_t head_deadline = ms_after(clock_ns(), HTTPD_HEAD_MS);  /* the first request */
    for (;;) {
        size_t end, scanned = 0, skip;
        for (;;) {
            if ((skip = httpd_skip_empty_lines(buf, len)) > 0) {    /* RFC 9112 2.2 */
                memmove(buf, buf + skip, len - skip);
                len -= skip;
                scanned = 0;
            }
            if ((end = httpd_head_end(buf, len, scanned)) != 0)
                break;
            scanned = len > 3 ? len - 3 : 0;
            /* A malformed request line (HTTP/0.9's "GET /") is answered as
             * soon as it is complete, not after a timeout. */
            if (len == HTTPD_REQ_MAX || httpd_check_request_line(buf, len)) {
                send_error(fd, 400, false, false);
                return;
            }
            uint64_t deadline = c->idle ? ms_after(c->idle_since, HTTPD_IDLE_MS) : head_deadline;
            int w = conn_wait(c, deadline);
            if (w < 0)
                return;
            if (w == 0) {
                if (c->idle) {
                    conn_evicted += c->evict;
                    return;                 /* idle: closed without a word */
                }
                conn_head_timeouts++;
                send_error(fd, 408, false, false);
                return;
            }
            long n = httpd_sock_recv(fd, buf + len, HTTPD_REQ_MAX - len);
            if (n <= 0)
                return;
            len += (size_t)n;
            if (c->idle && httpd_skip_empty_lines(buf, len) < len) {
                c->idle = false;            /* the next request has begun */
                head_deadline = ms_after(clock_ns(), HTTPD_HEAD_MS);
            }
        }
        struct request r;
        int status = httpd_parse_request(buf, end, &r);
        if (status) {
            send_error(fd, status, false, false);
            return;
        }
        if (respond(fd, &r) < 0)
            return;
        memmove(buf, buf + end, len - end);
        len -= end;
        if (httpd_skip_empty_lines(buf, len) < len) {
            head_deadline = ms_after(clock_ns(), HTTPD_HEAD_MS);    /* pipelined: already begun */
        } else {
            c->idle = true;
            c->idle_since = clock_ns();
        }
    }
}

static void conn_thread(void *arg)
{
    struct conn_slot *c = arg;
    char *buf = kmalloc(HTTPD_REQ_MAX);
    if (buf) {
        serve(c, buf);
        kfree(buf);
    }
    httpd_sock_close(c->fd);
    c->used = false;
    sem_up(&conn_slots);
}

/* Asks the connection idle for the longest to close, unless one was asked
 * already; false when no connection is idle. */
static bool conn_evict_oldest_idle(void)
{
    struct conn_slot *oldest = NULL;
    for (int i = 0; i < conn_max; i++) {
        struct conn_slot *c = &conn_slot[i];
        if (!c->used || !c->idle)
            continue;
        if (c->evict)
            return true;                    /* on its way out */
        if (!oldest || c->idle_since < oldest->idle_since)
            oldest = c;
    }
    if (oldest)
        oldest->evict = true;
    return oldest != NULL;
}

/* A free slot for the accepted connection: waits for one, taking back
 * idle connections oldest first meanwhile. */
static struct conn_slot *conn_slot_take(int fd)
{
    while (sem_down_timeout(&conn_slots, HTTPD_EVICT_WAIT_NS) != 0)
        conn_evict_oldest_idle();
    for (int i = 0; i < conn_max; i++) {
        struct conn_slot *c = &conn_slot[i];
        if (!c->used) {
            *c = (struct conn_slot){ .fd = fd, .used = true };
            return c;
        }
    }
    sem_up(&conn_slots);                    /* cannot happen: the count says one is free */
    return NULL;
}

/* Accepts connections on lfd forever, one thread each. */
static void httpd_serve(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    for (;;) {
        int fd = httpd_sock_accept(lfd, HTTPD_IDLE_MS);
        if (fd < 0) {
            thread_sleep_ns(10000000);      /* out of sockets: let some close */
            continue;
        }
        struct conn_slot *c = conn_slot_take(fd);
        struct thread *t = c ? thread_create("httpd-conn", conn_thread, c, HTTPD_STACK) : NULL;
        if (!t) {
            httpd_sock_close(fd);
            if (c) {
                c->used = false;
                sem_up(&conn_slots);
            }
            continue;
        }
        thread_detach(t);
    }
}

static int httpd_main(void)
{
    pattern_len = (uint64_t)pmm_free_pages() * PAGE_SIZE < HTTPD_SMALL_MEM ? HTTPD_CHUNK_SMALL : HTTPD_CHUNK;
    pattern = kmalloc(pattern_len);
    if (!pattern) {
        kprintf("httpd: no memory for a %zu-byte send buffer\n", pattern_len);
        return -ENOMEM;
    }
    for (size_t i = 0; i < pattern_len; i++)
        pattern[i] = (uint8_t)i;
    int backlog;
    conn_max = conn_size(&backlog);
    conn_slot = kzalloc((size_t)conn_max * sizeof *conn_slot);
    if (!conn_slot)
        return -ENOMEM;
    sem_init(&conn_slots, conn_max);
    if (vsock_app_port) {                   /* vsock=PORT: also on AF_VSOCK (docs/vsock.md) */
        int vfd = vsock_server(vsock_app_port, 64);
        if (vfd < 0 || !thread_create("httpd-vsock", httpd_serve, (void *)(intptr_t)vfd, 0))
            kprintf("%s: cannot serve vsock port %u: %d\n", "httpd", vsock_app_port, vfd);
        else
            kprintf("%s: listening on vsock port %u\n", "httpd", vsock_app_port);
    }
    if (net_wait_stack(HTTPD_ADDR_WAIT_NS) != 0) {
        kprintf("%s: no network\n", "httpd");
        while (vsock_app_port)
            thread_sleep_ns(~0ull >> 1);
        return -ENODEV;
    }
    /* Listening on the any-address before the address comes (lwip_netif.h). */
    int lfd = socket_server(SOCK_STREAM, HTTPD_PORT, backlog);
    if (lfd < 0) {
        kprintf("httpd: cannot listen on port %d: %d\n", HTTPD_PORT, lfd);
        return lfd;
    }
    if (net_wait_addr(HTTPD_NIC, HTTPD_ADDR_WAIT_NS) != 0) {
        kprintf("%s: %s has no address\n", "httpd", HTTPD_NIC);
        return -ENODEV;
    }
    char addr[16];
    net_addr_str(HTTPD_NIC, addr, sizeof addr);
    kprintf("httpd: listening on http://%s:%d/\n", addr, HTTPD_PORT);
    kprintf("httpd: %d connections at once, backlog %d\n", conn_max, backlog);
    httpd_serve((void *)(intptr_t)lfd);
    return 0;
}
APP(httpd, "HTTP/1.1 server on port 80: / status page, /bytes/N test stream", httpd_main);
