/* AF_VSOCK for the socket layer (net/socket.h): SOCK_STREAM sockets on
 * the vsock protocol stack (vsock/vsock_conn.h), with Linux's struct
 * sockaddr_vm, VMADDR_CID_ANY / VMADDR_CID_HOST / VMADDR_PORT_ANY and
 * Linux's errno values (a REQUEST answered by RST: ECONNRESET, as Linux's
 * virtio transport reports it; no answer in 2 s: ETIMEDOUT).
 *
 * The family is registered when a virtio-vsock device is bound
 * (vsock/virtio_vsock.c), so without one socket(AF_VSOCK) fails with
 * EAFNOSUPPORT, as on Linux without a transport. Blocking calls wait on
 * the stack's one wait queue (woken by every packet and every freed
 * transmit slot) and retry the non-blocking operation: threads are
 * cooperative, so check and wait cannot be torn apart. */
#define MSOCK_PREFIXED_ONLY
#include "net/socket.h"
#include "vsock/vsock.h"
#include "kernel/core/cmdline.h"
#include "kernel/mm/heap.h"
#include "lib/string.h"

#define ESOCKTNOSUPPORT 94              /* Linux: a type the family lacks */

struct vsock_sock {
    struct vconn *c;
    uint64_t rcvtimeo_ns, sndtimeo_ns;  /* 0: forever */
};

#define VS(h) ((struct vsock_sock *)(h))

/* Waits for the stack to move, until deadline: 0 or -EAGAIN (timed out). */
static int vwait(uint64_t deadline)
{
    return waitq_wait_until(&vsock_wq, deadline) == -ETIMEDOUT ? -EAGAIN : 0;
}

static uint64_t deadline(uint64_t timeo_ns)
{
    return timeo_ns ? sched_deadline_after(timeo_ns) : SCHED_FOREVER;
}

static int addr_vm(const struct msock_sockaddr *a, msock_socklen_t len, uint32_t *cid, uint32_t *port)
{
    const struct msock_sockaddr_vm *vm = (const void *)a;
    if (len < sizeof *vm)
        return -EINVAL;
    *cid = vm->svm_cid;
    *port = vm->svm_port;
    return 0;
}

static int vs_socket(int type, int protocol, intptr_t *h)
{
    if (type != MSOCK_SOCK_STREAM)
        return -ESOCKTNOSUPPORT;
    if (protocol != 0)
        return -EPROTONOSUPPORT;
    struct vsock_sock *s = kmalloc(sizeof *s);
    if (!s)
        return -ENOMEM;
    memset(s, 0, sizeof *s);
    if (!(s->c = vconn_new(&vsock_stack))) {
        kfree(s);
        return -ENOMEM;
    }
    *h = (intptr_t)s;
    return 0;
}

static int vs_bind(intptr_t h, const struct msock_sockaddr *a, msock_socklen_t len)
{
    uint32_t cid, port;
    int r = addr_vm(a, len, &cid, &port);
    if (r < 0)
        return r;
    if (cid != VSOCK_CID_ANY && cid != vsock_stack.cid)
        return -EADDRNOTAVAIL;
    return vconn_bind(&vsock_stack, VS(h)->c, port);
}

static int vs_listen(intptr_t h, int backlog) { return vconn_listen(&vsock_stack, VS(h)->c, backlog); }

static int vs_getname_of(struct vconn *c, struct msock_sockaddr *a, msock_socklen_t *len, int peer)
{
    if (peer && c->state != VC_ESTABLISHED && c->state != VC_CLOSED)
        return -ENOTCONN;
    struct msock_sockaddr_vm vm = { .svm_family = MSOCK_AF_VSOCK };
    vm.svm_cid = peer ? (uint32_t)c->rcid : (uint32_t)vsock_stack.cid;
    vm.svm_port = peer ? c->rport : c->lport;
    memcpy(a, &vm, *len < sizeof vm ? *len : sizeof vm);
    *len = sizeof vm;
    return 0;
}

static int vs_getname(intptr_t h, struct msock_sockaddr *a, msock_socklen_t *len, int peer)
{
    return vs_getname_of(VS(h)->c, a, len, peer);
}

static int vs_accept(intptr_t h, intptr_t *newh, struct msock_sockaddr *a, msock_socklen_t *len)
{
    struct vsock_sock *s = VS(h);
    struct vsock_sock *n = kmalloc(sizeof *n);
    if (!n)
        return -ENOMEM;
    int r;
    uint64_t dl = deadline(s->rcvtimeo_ns);
    while ((r = vconn_accept(&vsock_stack, s->c, &n->c)) == -EAGAIN && vwait(dl) == 0)
        ;
    if (r < 0) {
        kfree(n);
        return r;
    }
    n->rcvtimeo_ns = n->sndtimeo_ns = 0;
    if (a && len)
        vs_getname_of(n->c, a, len, 1);
    *newh = (intptr_t)n;
    return 0;
}

static int vs_connect(intptr_t h, const struct msock_sockaddr *a, msock_socklen_t len)
{
    uint32_t cid, port;
    int r = addr_vm(a, len, &cid, &port);
    if (r < 0)
        return r;
    vsock_clock();
    struct vconn *c = VS(h)->c;
    if ((r = vconn_connect(&vsock_stack, c, cid, port)) != -EINPROGRESS)
        return r;
    /* The stack times a REQUEST out after VCONN_TIMEOUT_MS. */
    while ((r = vconn_connected(c)) == -EAGAIN)
        vwait(SCHED_FOREVER);
    return r;
}

/* Blocking: everything is sent unless an error or the timeout comes. */
static long vs_send(intptr_t h, const void *buf, size_t len, int flags,
                    const struct msock_sockaddr *to, msock_socklen_t tolen)
{
    struct vsock_sock *s = VS(h);
    (void)tolen;
    if (to)
        return -EISCONN;
    size_t done = 0;
    uint64_t dl = deadline(s->sndtimeo_ns);
    while (done < len) {
        size_t n = len - done > 0x40000000u ? 0x40000000u : len - done;
        long r = vconn_send(&vsock_stack, s->c, (const uint8_t *)buf + done, (uint32_t)n);
        if (r > 0) {
            done += (size_t)r;
            continue;
        }
        if (r != -EAGAIN || (flags & MSOCK_MSG_DONTWAIT) || vwait(dl) < 0)
            return done ? (long)done : r;
    }
    return (long)done;
}

static long vs_recv(intptr_t h, void *buf, size_t len, int flags,
                    struct msock_sockaddr *from, msock_socklen_t *fromlen)
{
    struct vsock_sock *s = VS(h);
    uint32_t n = len > 0x40000000u ? 0x40000000u : (uint32_t)len;
    long r;
    uint64_t dl = deadline(s->rcvtimeo_ns);
    while ((r = vconn_recv(&vsock_stack, s->c, buf, n, flags & MSOCK_MSG_PEEK)) == -EAGAIN &&
           !(flags & MSOCK_MSG_DONTWAIT) && vwait(dl) == 0)
        ;
    if (r >= 0 && from)
        vs_getname_of(s->c, from, fromlen, 1);
    return r;
}

static int vs_shutdown(intptr_t h, int how)
{
    int f = how == MSOCK_SHUT_RD ? VSOCK_SHUTDOWN_RCV : how == MSOCK_SHUT_WR ? VSOCK_SHUTDOWN_SEND
                                                                           : VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND;
    return vconn_shutdown(&vsock_stack, VS(h)->c, f);
}

static int vs_close(intptr_t h)
{
    vsock_clock();
    vconn_close(&vsock_stack, VS(h)->c);
    kfree(VS(h));
    return 0;
}

static int vs_setsockopt(intptr_t h, int level, int name, const void *val, msock_socklen_t len)
{
    if (level != MSOCK_SOL_SOCKET)
        return -ENOPROTOOPT;
    if (name == MSOCK_SO_REUSEADDR || name == MSOCK_SO_KEEPALIVE)
        return 0;                       /* meaningless here: accepted */
    if (name != MSOCK_SO_RCVTIMEO && name != MSOCK_SO_SNDTIMEO)
        return -ENOPROTOOPT;
    const struct msock_timeval *tv = val;
    if (len < sizeof *tv || tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
        return -EINVAL;
    uint64_t ns = (uint64_t)tv->tv_sec * 1000000000ull + (uint64_t)tv->tv_usec * 1000ull;
    *(name == MSOCK_SO_RCVTIMEO ? &VS(h)->rcvtimeo_ns : &VS(h)->sndtimeo_ns) = ns;
    return 0;
}

static int vs_getsockopt(intptr_t h, int level, int name, void *val, msock_socklen_t *len)
{
    if (level != MSOCK_SOL_SOCKET || (name != MSOCK_SO_TYPE && name != MSOCK_SO_ERROR) ||
        *len < sizeof(int))
        return -ENOPROTOOPT;
    struct vconn *c = VS(h)->c;
    *(int *)val = name == MSOCK_SO_TYPE ? MSOCK_SOCK_STREAM : -c->err;
    if (name == MSOCK_SO_ERROR)
        c->err = 0;
    *len = sizeof(int);
    return 0;
}

static int vs_poll(struct msock_pollent *ents, int n, int timeout_ms)
{
    uint64_t dl = timeout_ms < 0 ? SCHED_FOREVER : sched_deadline_after((uint64_t)timeout_ms * 1000000ull);
    for (;;) {
        int ready = 0;
        for (int i = 0; i < n; i++) {
            short ev = vconn_poll(&vsock_stack, VS(ents[i].h)->c);
            ents[i].revents = ev & (ents[i].events | MSOCK_POLLERR | MSOCK_POLLHUP);
            ready += ents[i].revents != 0;
        }
        if (ready || timeout_ms == 0 || vwait(dl) < 0)
            return ready;
    }
}

const struct sock_ops sock_vsock_ops = {
    .socket = vs_socket,
    .bind = vs_bind,
    .listen = vs_listen,
    .accept = vs_accept,
    .connect = vs_connect,
    .send = vs_send,
    .recv = vs_recv,
    .shutdown = vs_shutdown,
    .close = vs_close,
    .setsockopt = vs_setsockopt,
    .getsockopt = vs_getsockopt,
    .getname = vs_getname,
    .poll = vs_poll,
};

uint32_t vsock_app_port;
CMDLINE_OPTION(vsock_app_port, .key = "vsock", .type = CMDLINE_UINT, .dst = &vsock_app_port,
               .dst_size = 4, .min = 1, .max = 0xFFFFFFFEu,
               .help = "app=echo, app=httpd: serve on this vsock port too");

int vsock_server(uint32_t port, int backlog)
{
    int fd = msock_socket(MSOCK_AF_VSOCK, MSOCK_SOCK_STREAM, 0);
    if (fd < 0)
        return -msock_errno;
    struct msock_sockaddr_vm a = { .svm_family = MSOCK_AF_VSOCK, .svm_port = port,
                                   .svm_cid = VSOCK_CID_ANY };
    if (msock_bind(fd, (struct msock_sockaddr *)&a, sizeof a) < 0 || msock_listen(fd, backlog) < 0) {
        int err = msock_errno;
        msock_close(fd);
        return -err;
    }
    return fd;
}
