/* The socket layer's dispatch core (net/socket.h): the descriptor table,
 * the family registry, POSIX return conventions, poll across families and
 * getaddrinfo. Nothing here knows lwIP: the same file is built on the host
 * for tests/unit/test_socket.c against a fake family. */
#define MSOCK_PREFIXED_ONLY
#include "net/socket.h"
#ifdef HOSTED
#include <stdlib.h>
#include <string.h>
#define sock_alloc(n) malloc(n)
#define sock_free(p)  free(p)
#define sock_sleep_ms() ((void)0)
#else
#include "kernel/mm/heap.h"
#include "kernel/sched/sched.h"
#include "lib/string.h"
#define sock_alloc(n) kmalloc(n)
#define sock_free(p)  kfree(p)
#define sock_sleep_ms() thread_sleep_ns(1000000)
#endif

int msock_errno;

/* One open socket. A slot is free when ops is NULL. */
struct sock_fd {
    const struct sock_ops *ops;
    intptr_t h;
    int family;
};

static const struct sock_ops *families[MSOCK_AF_MAX];
static struct sock_fd fds[MSOCK_FD_MAX];

/* AF_INET's ops when socket_inet.c is linked in (not in host tests). */
extern const struct sock_ops sock_inet_ops __attribute__((weak));

int sock_register_family(int af, const struct sock_ops *ops)
{
    if (af <= 0 || af >= MSOCK_AF_MAX || !ops)
        return -EINVAL;
    if (families[af])
        return -EEXIST;
    families[af] = ops;
    return 0;
}

void sock_reset_for_tests(void)
{
    for (int i = 0; i < MSOCK_AF_MAX; i++)
        families[i] = NULL;
    for (int i = 0; i < MSOCK_FD_MAX; i++)
        fds[i] = (struct sock_fd){ 0 };
}

static const struct sock_ops *family(int af)
{
    if (af <= 0 || af >= MSOCK_AF_MAX)
        return NULL;
    if (af == MSOCK_AF_INET && !families[af] && &sock_inet_ops)
        families[af] = &sock_inet_ops;
    return families[af];
}

/* POSIX convention: r < 0 is -errno. */
static long ret(long r)
{
    if (r >= 0)
        return r;
    msock_errno = (int)-r;
    return -1;
}

static struct sock_fd *lookup(int fd)
{
    if (fd < 0 || fd >= MSOCK_FD_MAX || !fds[fd].ops)
        return NULL;
    return &fds[fd];
}

/* The lowest free descriptor for (ops, h), or -EMFILE. */
static int fd_install(const struct sock_ops *ops, intptr_t h, int af)
{
    for (int i = 0; i < MSOCK_FD_MAX; i++) {
        if (!fds[i].ops) {
            fds[i] = (struct sock_fd){ ops, h, af };
            return i;
        }
    }
    return -EMFILE;
}

/* Looks up fd into s, or returns -1 with EBADF from the calling function. */
#define LOOKUP(s, fd) struct sock_fd *s = lookup(fd); if (!s) return ret(-EBADF)
#define CALL(s, op, ...) ((s)->ops->op ? (s)->ops->op((s)->h, __VA_ARGS__) : -EOPNOTSUPP)

int msock_socket(int domain, int type, int protocol)
{
    const struct sock_ops *ops = family(domain);
    if (!ops)
        return (int)ret(-EAFNOSUPPORT);
    intptr_t h;
    int r = ops->socket(type, protocol, &h);
    if (r < 0)
        return (int)ret(r);
    int fd = fd_install(ops, h, domain);
    if (fd < 0)
        ops->close(h);
    return (int)ret(fd);
}

/* An address for bind/connect: present, long enough to name its family,
 * and of the socket's family. 0 or a negative errno. */
static int check_addr(const struct sock_fd *s, const struct msock_sockaddr *a, msock_socklen_t len)
{
    if (!a || len < sizeof(msock_sa_family_t))
        return -EINVAL;
    return a->sa_family == s->family ? 0 : -EAFNOSUPPORT;
}

int msock_bind(int fd, const struct msock_sockaddr *a, msock_socklen_t len)
{
    LOOKUP(s, fd);
    int err = check_addr(s, a, len);
    return (int)ret(err ? err : CALL(s, bind, a, len));
}

int msock_listen(int fd, int backlog)
{
    LOOKUP(s, fd);
    return (int)ret(CALL(s, listen, backlog));
}

int msock_accept(int fd, struct msock_sockaddr *a, msock_socklen_t *len)
{
    LOOKUP(s, fd);
    const struct sock_ops *ops = s->ops;    /* s may be closed while we block */
    int af = s->family;
    intptr_t nh;
    int r = CALL(s, accept, &nh, a, len);
    if (r < 0)
        return (int)ret(r);
    int nfd = fd_install(ops, nh, af);
    if (nfd < 0)
        ops->close(nh);
    return (int)ret(nfd);
}

int msock_connect(int fd, const struct msock_sockaddr *a, msock_socklen_t len)
{
    LOOKUP(s, fd);
    int err = check_addr(s, a, len);
    return (int)ret(err ? err : CALL(s, connect, a, len));
}

long msock_sendto(int fd, const void *buf, size_t len, int flags,
                  const struct msock_sockaddr *to, msock_socklen_t tolen)
{
    LOOKUP(s, fd);
    if (to && (tolen < sizeof(msock_sa_family_t) || to->sa_family != s->family))
        return ret(-EAFNOSUPPORT);
    return ret(CALL(s, send, buf, len, flags, to, tolen));
}

long msock_send(int fd, const void *buf, size_t len, int flags)
{
    return msock_sendto(fd, buf, len, flags, NULL, 0);
}

long msock_recvfrom(int fd, void *buf, size_t len, int flags,
                    struct msock_sockaddr *from, msock_socklen_t *fromlen)
{
    LOOKUP(s, fd);
    if (from && !fromlen)
        return ret(-EFAULT);
    return ret(CALL(s, recv, buf, len, flags, from, fromlen));
}

int msock_send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        long w = msock_send(fd, p, len, 0);
        if (w < 0)
            return -1;
        if (w == 0) {
            msock_errno = EPIPE;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int msock_server(int type, uint16_t port, int backlog)
{
    int fd = msock_socket(MSOCK_AF_INET, type, 0);
    if (fd < 0)
        return -msock_errno;
    int one = 1;
    msock_setsockopt(fd, MSOCK_SOL_SOCKET, MSOCK_SO_REUSEADDR, &one, sizeof one);
    struct msock_sockaddr_in sa = { .sin_family = MSOCK_AF_INET, .sin_port = msock_htons(port) };
    if (msock_bind(fd, (struct msock_sockaddr *)&sa, sizeof sa) < 0 ||
        (type == MSOCK_SOCK_STREAM && msock_listen(fd, backlog) < 0)) {
        int err = msock_errno;
        msock_close(fd);
        return -err;
    }
    return fd;
}

long msock_recv(int fd, void *buf, size_t len, int flags)
{
    return msock_recvfrom(fd, buf, len, flags, NULL, NULL);
}

int msock_shutdown(int fd, int how)
{
    LOOKUP(s, fd);
    if (how < MSOCK_SHUT_RD || how > MSOCK_SHUT_RDWR)
        return (int)ret(-EINVAL);
    return (int)ret(CALL(s, shutdown, how));
}

/* The descriptor is freed even when the family reports an error (POSIX
 * leaves it unspecified; Linux does the same). */
int msock_close(int fd)
{
    LOOKUP(s, fd);
    struct sock_fd old = *s;
    *s = (struct sock_fd){ 0 };
    return (int)ret(old.ops->close(old.h));
}

int msock_setsockopt(int fd, int level, int name, const void *val, msock_socklen_t len)
{
    LOOKUP(s, fd);
    if (!val && len)
        return (int)ret(-EFAULT);
    return (int)ret(CALL(s, setsockopt, level, name, val, len));
}

int msock_getsockopt(int fd, int level, int name, void *val, msock_socklen_t *len)
{
    LOOKUP(s, fd);
    if (!val || !len)
        return (int)ret(-EFAULT);
    return (int)ret(CALL(s, getsockopt, level, name, val, len));
}

int msock_getsockname(int fd, struct msock_sockaddr *a, msock_socklen_t *len)
{
    LOOKUP(s, fd);
    if (!a || !len)
        return (int)ret(-EFAULT);
    return (int)ret(CALL(s, getname, a, len, 0));
}

int msock_getpeername(int fd, struct msock_sockaddr *a, msock_socklen_t *len)
{
    LOOKUP(s, fd);
    if (!a || !len)
        return (int)ret(-EFAULT);
    return (int)ret(CALL(s, getname, a, len, 1));
}

/* --- poll ----------------------------------------------------------------- */
#define POLL_BATCH 64

/* Polls the entries of fds[] that belong to family ops (at most POLL_BATCH
 * per call), filling their revents; returns how many are ready or -errno. */
static int poll_family(const struct sock_ops *ops, struct msock_pollfd *pfds, unsigned long nfds,
                       int timeout_ms)
{
    struct msock_pollent ents[POLL_BATCH];
    int idx[POLL_BATCH], n = 0, ready = 0;
    for (unsigned long i = 0; i <= nfds; i++) {
        if (n == POLL_BATCH || (i == nfds && n > 0)) {
            if (!ops->poll)
                return -EOPNOTSUPP;
            int r = ops->poll(ents, n, timeout_ms);
            if (r < 0)
                return r;
            for (int k = 0; k < n; k++) {
                pfds[idx[k]].revents = ents[k].revents;
                ready += ents[k].revents != 0;
            }
            n = 0;
            timeout_ms = 0;             /* only one batch may wait */
        }
        if (i == nfds)
            break;
        struct sock_fd *s = lookup(pfds[i].fd);
        if (s && s->ops == ops) {
            ents[n] = (struct msock_pollent){ s->h, pfds[i].events, 0 };
            idx[n++] = (int)i;
        }
    }
    return ready;
}

int msock_poll(struct msock_pollfd *pfds, unsigned long nfds, int timeout_ms)
{
    if (nfds && !pfds)
        return (int)ret(-EFAULT);
    /* Bad descriptors are ready at once with POLLNVAL; negative ones are
     * skipped (POSIX). Find the families involved. */
    const struct sock_ops *one = NULL;
    int mixed = 0, nval = 0;
    for (unsigned long i = 0; i < nfds; i++) {
        pfds[i].revents = 0;
        if (pfds[i].fd < 0)
            continue;
        struct sock_fd *s = lookup(pfds[i].fd);
        if (!s) {
            pfds[i].revents = MSOCK_POLLNVAL;
            nval++;
        } else if (!one) {
            one = s->ops;
        } else if (one != s->ops) {
            mixed = 1;
        }
    }
    if (!one) {                         /* nothing to wait for but the clock */
        for (int t = 0; !nval && (timeout_ms < 0 || t < timeout_ms); t++)
            sock_sleep_ms();
        return nval;
    }
    if (!mixed)
        return (int)ret(poll_family(one, pfds, nfds, nval ? 0 : timeout_ms) + nval);

    /* Several families: none can wake us for the others, so look at each
     * without waiting, every millisecond, until something is ready. */
    for (int t = 0;; t++) {
        int ready = nval;
        for (int f = 0; f < MSOCK_AF_MAX; f++) {
            if (!families[f])
                continue;
            int r = poll_family(families[f], pfds, nfds, 0);
            if (r < 0)
                return (int)ret(r);
            ready += r;
        }
        if (ready || (timeout_ms >= 0 && t >= timeout_ms))
            return ready;
        sock_sleep_ms();
    }
}

/* --- getaddrinfo ---------------------------------------------------------- */
int msock_inet_aton(const char *s, struct msock_in_addr *out)
{
    uint32_t a = 0;
    for (int part = 0; part < 4; part++) {
        if (*s < '0' || *s > '9')
            return 0;
        unsigned v = 0;
        for (int digits = 0; *s >= '0' && *s <= '9'; s++) {
            if (++digits > 3)
                return 0;
            v = v * 10 + (unsigned)(*s - '0');
        }
        if (v > 255 || (part < 3 && *s++ != '.'))
            return 0;
        a = a << 8 | v;
    }
    if (*s)
        return 0;
    out->s_addr = msock_htonl(a);
    return 1;
}

/* A decimal port (0..65535) into *port; -1 if malformed. */
static int parse_port(const char *s, uint16_t *port)
{
    unsigned v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10 + (unsigned)(*s - '0')) > 65535)
            return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

/* One result: the addrinfo and its sockaddr_in in one allocation. */
static struct msock_addrinfo *ai_new(int socktype, uint32_t addr, uint16_t port)
{
    struct ai_block { struct msock_addrinfo ai; struct msock_sockaddr_in sin; };
    struct ai_block *b = sock_alloc(sizeof *b);
    if (!b)
        return NULL;
    memset(b, 0, sizeof *b);
    b->sin.sin_family = MSOCK_AF_INET;
    b->sin.sin_port = msock_htons(port);
    b->sin.sin_addr.s_addr = addr;
    b->ai.ai_family = MSOCK_AF_INET;
    b->ai.ai_socktype = socktype;
    b->ai.ai_protocol = socktype == MSOCK_SOCK_STREAM ? MSOCK_IPPROTO_TCP : MSOCK_IPPROTO_UDP;
    b->ai.ai_addrlen = sizeof b->sin;
    b->ai.ai_addr = (struct msock_sockaddr *)&b->sin;
    return &b->ai;
}

int msock_getaddrinfo(const char *node, const char *service,
                      const struct msock_addrinfo *hints, struct msock_addrinfo **res)
{
    int flags = hints ? hints->ai_flags : 0;
    int fam = hints ? hints->ai_family : MSOCK_AF_UNSPEC;
    int type = hints ? hints->ai_socktype : 0;
    if (!res || (!node && !service))
        return MSOCK_EAI_NONAME;
    if (fam != MSOCK_AF_UNSPEC && fam != MSOCK_AF_INET)
        return MSOCK_EAI_FAMILY;
    if (type != 0 && type != MSOCK_SOCK_STREAM && type != MSOCK_SOCK_DGRAM)
        return MSOCK_EAI_SOCKTYPE;
    uint16_t port = 0;
    if (service && parse_port(service, &port) != 0)
        return MSOCK_EAI_SERVICE;

    struct msock_in_addr in;
    if (!node) {
        in.s_addr = msock_htonl(flags & MSOCK_AI_PASSIVE ? MSOCK_INADDR_ANY : MSOCK_INADDR_LOOPBACK);
    } else if (!msock_inet_aton(node, &in)) {
        if (flags & MSOCK_AI_NUMERICHOST)
            return MSOCK_EAI_NONAME;
        const struct sock_ops *ops = family(MSOCK_AF_INET);
        if (!ops || !ops->resolve)
            return MSOCK_EAI_FAIL;
        int r = ops->resolve(node, &in.s_addr);
        if (r == -ENOMEM)
            return MSOCK_EAI_MEMORY;
        if (r == -EAGAIN || r == -ETIMEDOUT)
            return MSOCK_EAI_AGAIN;
        if (r < 0)
            return MSOCK_EAI_NONAME;
    }
    /* No socket type asked for: one result for each (as Linux does, less
     * SOCK_RAW). */
    struct msock_addrinfo *first = NULL, **tail = &first;
    for (int t = MSOCK_SOCK_STREAM; t <= MSOCK_SOCK_DGRAM; t++) {
        if (type && t != type)
            continue;
        if (!(*tail = ai_new(t, in.s_addr, port))) {
            msock_freeaddrinfo(first);
            return MSOCK_EAI_MEMORY;
        }
        tail = &(*tail)->ai_next;
    }
    *res = first;
    return 0;
}

void msock_freeaddrinfo(struct msock_addrinfo *ai)
{
    while (ai) {
        struct msock_addrinfo *next = ai->ai_next;
        sock_free(ai);
        ai = next;
    }
}
