/* AF_INET for the socket layer (net/socket.h) on lwIP's socket API.
 *
 * The only file that sees both minnow's socket names and lwIP's: lwIP's
 * sockets.h uses BSD-style values (SOL_SOCKET 0xfff, SO_REUSEADDR 4,
 * MSG_DONTWAIT 8, POLLOUT 2, a sin_len byte in sockaddr_in), minnow's are
 * Linux's, so every address, level, option, flag, poll event and errno is
 * translated here, explicitly, in both directions. lwIP's errno values
 * (LWIP_PROVIDE_ERRNO, lwip/errno.h) are Linux's numbers already; they still
 * go through a table so a value we do not expect becomes EIO, not a stray
 * number. */
#include "lwip/sockets.h"
#include "lwip/netdb.h"
#include "lwip/api.h"
#define MSOCK_PREFIXED_ONLY
#include "net/socket.h"
#include "net/lwip_netif.h"
#include "net/lwip/tcp_timewait.h"
#include "lib/string.h"

/* --- errno ------------------------------------------------------------------ */
static const unsigned char errno_known[] = {
    EPERM, ENOENT, EINTR, EIO, EBADF, EAGAIN, ENOMEM, EFAULT, EBUSY, EEXIST, EINVAL,
    ENFILE, EMFILE, ENOSPC, EPIPE, ERANGE, ENOSYS, ENOTSOCK, EDESTADDRREQ, EMSGSIZE,
    EPROTOTYPE, ENOPROTOOPT, EPROTONOSUPPORT, EOPNOTSUPP, EAFNOSUPPORT, EADDRINUSE,
    EADDRNOTAVAIL, ENETDOWN, ENETUNREACH, ECONNABORTED, ECONNRESET, ENOBUFS, EISCONN,
    ENOTCONN, ETIMEDOUT, ECONNREFUSED, EHOSTUNREACH, EALREADY, EINPROGRESS,
};

/* lwIP's errno after a failed call, as a negative Linux errno. */
static int lwip_err(void)
{
    int e = lwip_errno;
    for (size_t i = 0; i < sizeof errno_known; i++) {
        if (errno_known[i] == e)
            return -e;
    }
    return -EIO;
}

static int chk(int r) { return r < 0 ? lwip_err() : r; }

/* --- addresses ---------------------------------------------------------------- */
static int addr_in(const struct msock_sockaddr *a, msock_socklen_t len, struct sockaddr_in *out)
{
    const struct msock_sockaddr_in *in = (const struct msock_sockaddr_in *)a;
    if (len < sizeof *in)
        return -EINVAL;
    if (in->sin_family != MSOCK_AF_INET)
        return -EAFNOSUPPORT;
    *out = (struct sockaddr_in){ .sin_len = sizeof *out, .sin_family = AF_INET,
                                 .sin_port = in->sin_port, .sin_addr.s_addr = in->sin_addr.s_addr };
    return 0;
}

/* Copies lwIP's address out, truncated to *len as POSIX says; *len becomes
 * the full size. */
static void addr_out(const struct sockaddr_in *in, struct msock_sockaddr *a, msock_socklen_t *len)
{
    struct msock_sockaddr_in m = { .sin_family = MSOCK_AF_INET, .sin_port = in->sin_port,
                                   .sin_addr.s_addr = in->sin_addr.s_addr };
    memcpy(a, &m, *len < sizeof m ? *len : sizeof m);
    *len = sizeof m;
}

/* --- flags, options, events ------------------------------------------------------ */
static int msg_flags(int f)
{
    return (f & MSOCK_MSG_PEEK ? MSG_PEEK : 0) | (f & MSOCK_MSG_DONTWAIT ? MSG_DONTWAIT : 0) |
           (f & MSOCK_MSG_WAITALL ? MSG_WAITALL : 0) | (f & MSOCK_MSG_MORE ? MSG_MORE : 0) |
           (f & MSOCK_MSG_NOSIGNAL ? MSG_NOSIGNAL : 0);
}

/* Linux (level, name) to lwIP's; struct timeval and struct linger have the
 * same layout on both sides (longs; ints). -ENOPROTOOPT if lwIP lacks it. */
static int opt_map(int *level, int *name)
{
    static const struct { int mlevel, mname, level, name; } map[] = {
        { MSOCK_SOL_SOCKET, MSOCK_SO_REUSEADDR, SOL_SOCKET, SO_REUSEADDR },
        { MSOCK_SOL_SOCKET, MSOCK_SO_TYPE, SOL_SOCKET, SO_TYPE },
        { MSOCK_SOL_SOCKET, MSOCK_SO_ERROR, SOL_SOCKET, SO_ERROR },
        { MSOCK_SOL_SOCKET, MSOCK_SO_BROADCAST, SOL_SOCKET, SO_BROADCAST },
        { MSOCK_SOL_SOCKET, MSOCK_SO_RCVBUF, SOL_SOCKET, SO_RCVBUF },
        { MSOCK_SOL_SOCKET, MSOCK_SO_KEEPALIVE, SOL_SOCKET, SO_KEEPALIVE },
        { MSOCK_SOL_SOCKET, MSOCK_SO_LINGER, SOL_SOCKET, SO_LINGER },
        { MSOCK_SOL_SOCKET, MSOCK_SO_RCVTIMEO, SOL_SOCKET, SO_RCVTIMEO },
        { MSOCK_SOL_SOCKET, MSOCK_SO_SNDTIMEO, SOL_SOCKET, SO_SNDTIMEO },
        { MSOCK_IPPROTO_TCP, MSOCK_TCP_NODELAY, IPPROTO_TCP, TCP_NODELAY },
        { MSOCK_IPPROTO_TCP, MSOCK_TCP_KEEPIDLE, IPPROTO_TCP, TCP_KEEPIDLE },
        { MSOCK_IPPROTO_TCP, MSOCK_TCP_KEEPINTVL, IPPROTO_TCP, TCP_KEEPINTVL },
        { MSOCK_IPPROTO_TCP, MSOCK_TCP_KEEPCNT, IPPROTO_TCP, TCP_KEEPCNT },
    };
    _Static_assert(sizeof(struct timeval) == sizeof(struct msock_timeval), "timeval layout");
    _Static_assert(sizeof(struct linger) == sizeof(struct msock_linger), "linger layout");
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].mlevel == *level && map[i].mname == *name) {
            *level = map[i].level;
            *name = map[i].name;
            return 0;
        }
    }
    return -ENOPROTOOPT;
}

static const struct { short m, l; } poll_map[] = {
    { MSOCK_POLLIN, POLLIN }, { MSOCK_POLLOUT, POLLOUT }, { MSOCK_POLLERR, POLLERR },
    { MSOCK_POLLHUP, POLLHUP }, { MSOCK_POLLNVAL, POLLNVAL },
};

static short poll_to_lwip(short ev)
{
    short r = 0;
    for (size_t i = 0; i < sizeof poll_map / sizeof poll_map[0]; i++)
        r |= ev & poll_map[i].m ? poll_map[i].l : 0;
    return r;
}

static short poll_from_lwip(short ev)
{
    short r = 0;
    for (size_t i = 0; i < sizeof poll_map / sizeof poll_map[0]; i++)
        r |= ev & poll_map[i].l ? poll_map[i].m : 0;
    return r;
}

/* --- ops -------------------------------------------------------------------------- */
static int inet_socket(int type, int protocol, intptr_t *h)
{
    if (!net_ready())
        return -ENETDOWN;               /* no tcpip thread: lwIP would crash */
    if (type != MSOCK_SOCK_STREAM && type != MSOCK_SOCK_DGRAM)
        return -EPROTONOSUPPORT;
    int s = lwip_socket(AF_INET, type == MSOCK_SOCK_STREAM ? SOCK_STREAM : SOCK_DGRAM, protocol);
    if (s < 0)
        return lwip_err();
    *h = s;
    return 0;
}

static int inet_bind(intptr_t h, const struct msock_sockaddr *a, msock_socklen_t len)
{
    struct sockaddr_in sa;
    int r = addr_in(a, len, &sa);
    return r < 0 ? r : chk(lwip_bind((int)h, (struct sockaddr *)&sa, sizeof sa));
}

static int inet_listen(intptr_t h, int backlog) { return chk(lwip_listen((int)h, backlog)); }

static int inet_accept(intptr_t h, intptr_t *newh, struct msock_sockaddr *a, msock_socklen_t *len)
{
    struct sockaddr_in sa;
    socklen_t salen = sizeof sa;
    int s = lwip_accept((int)h, (struct sockaddr *)&sa, &salen);
    if (s < 0)
        return lwip_err();
    if (a && len)
        addr_out(&sa, a, len);
    *newh = s;
    return 0;
}

static int inet_connect(intptr_t h, const struct msock_sockaddr *a, msock_socklen_t len)
{
    struct sockaddr_in sa;
    int r = addr_in(a, len, &sa);
    if (r < 0)
        return r;
    /* A TCP socket bound to a fixed port with SO_REUSEADDR may meet our
     * own TIME_WAIT block of an earlier connection to the same server,
     * which lwIP's tcp_connect refuses: retire it when RFC 1122 allows
     * (tcp_timewait.c). Without SO_REUSEADDR bind() refused already. */
    int type = 0, reuse = 0;
    socklen_t ol = sizeof type;
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    if (lwip_getsockopt((int)h, SOL_SOCKET, SO_TYPE, &type, &ol) == 0 && type == SOCK_STREAM &&
        lwip_getsockopt((int)h, SOL_SOCKET, SO_REUSEADDR, &reuse, &(socklen_t){ sizeof reuse }) == 0 &&
        reuse && lwip_getsockname((int)h, (struct sockaddr *)&me, &ml) == 0 && me.sin_port != 0)
        minnow_tcp_timewait_connect(me.sin_addr.s_addr, lwip_ntohs(me.sin_port), sa.sin_addr.s_addr,
                                    lwip_ntohs(sa.sin_port));
    /* NOTE: lwIP reports a SYN answered by RST as ECONNRESET (ERR_RST);
     * POSIX and Linux say ECONNREFUSED. */
    if (lwip_connect((int)h, (struct sockaddr *)&sa, sizeof sa) < 0)
        return lwip_errno == ECONNRESET ? -ECONNREFUSED : lwip_err();
    return 0;
}

static long inet_send(intptr_t h, const void *buf, size_t len, int flags,
                      const struct msock_sockaddr *to, msock_socklen_t tolen)
{
    ssize_t r;
    if (to) {
        struct sockaddr_in sa;
        int e = addr_in(to, tolen, &sa);
        if (e < 0)
            return e;
        r = lwip_sendto((int)h, buf, len, msg_flags(flags), (struct sockaddr *)&sa, sizeof sa);
    } else {
        r = lwip_send((int)h, buf, len, msg_flags(flags));
    }
    return r < 0 ? lwip_err() : r;
}

static long inet_recv(intptr_t h, void *buf, size_t len, int flags,
                      struct msock_sockaddr *from, msock_socklen_t *fromlen)
{
    struct sockaddr_in sa = { 0 };
    socklen_t salen = sizeof sa;
    ssize_t r = lwip_recvfrom((int)h, buf, len, msg_flags(flags), from ? (struct sockaddr *)&sa : NULL,
                              from ? &salen : NULL);
    if (r < 0)
        return lwip_err();
    if (from)
        addr_out(&sa, from, fromlen);
    return r;
}

static int inet_shutdown(intptr_t h, int how)
{
    return chk(lwip_shutdown((int)h, how == MSOCK_SHUT_RD ? SHUT_RD : how == MSOCK_SHUT_WR ? SHUT_WR : SHUT_RDWR));
}

static int inet_close(intptr_t h) { return chk(lwip_close((int)h)); }

static int inet_setsockopt(intptr_t h, int level, int name, const void *val, msock_socklen_t len)
{
    int r = opt_map(&level, &name);
    return r < 0 ? r : chk(lwip_setsockopt((int)h, level, name, val, len));
}

static int inet_getsockopt(intptr_t h, int level, int name, void *val, msock_socklen_t *len)
{
    int mname = name, mlevel = level;
    int r = opt_map(&level, &name);
    if (r < 0)
        return r;
    socklen_t l = *len;
    if ((r = chk(lwip_getsockopt((int)h, level, name, val, &l))) < 0)
        return r;
    *len = l;
    /* Values that are themselves constants come back in Linux's terms. */
    if (mlevel == MSOCK_SOL_SOCKET && mname == MSOCK_SO_TYPE && l == sizeof(int)) {
        int *t = val;
        *t = *t == SOCK_STREAM ? MSOCK_SOCK_STREAM : *t == SOCK_DGRAM ? MSOCK_SOCK_DGRAM : *t;
    }
    return 0;
}

static int inet_getname(intptr_t h, struct msock_sockaddr *a, msock_socklen_t *len, int peer)
{
    struct sockaddr_in sa;
    socklen_t salen = sizeof sa;
    int r = peer ? lwip_getpeername((int)h, (struct sockaddr *)&sa, &salen)
                 : lwip_getsockname((int)h, (struct sockaddr *)&sa, &salen);
    if (r < 0)
        return lwip_err();
    addr_out(&sa, a, len);
    return 0;
}

/* One lwip_poll for the whole set: lwIP's event callback wakes it. */
static int inet_poll(struct msock_pollent *ents, int n, int timeout_ms)
{
    struct pollfd p[64];
    if (n > (int)(sizeof p / sizeof p[0]))
        return -EINVAL;
    for (int i = 0; i < n; i++)
        p[i] = (struct pollfd){ .fd = (int)ents[i].h, .events = poll_to_lwip(ents[i].events) };
    int r = lwip_poll(p, (nfds_t)n, timeout_ms);
    if (r < 0)
        return lwip_err();
    for (int i = 0; i < n; i++)
        ents[i].revents = poll_from_lwip(p[i].revents);
    return r;
}

/* DNS through lwIP (blocks until the answer or lwIP's DNS timeout). */
static int inet_resolve(const char *name, uint32_t *addr)
{
    ip_addr_t ip;
    if (!net_ready())
        return -ENETDOWN;
    err_t e = netconn_gethostbyname(name, &ip);
    if (e == ERR_MEM)
        return -ENOMEM;
    if (e != ERR_OK)
        return -ENOENT;
    *addr = ip4_addr_get_u32(ip_2_ip4(&ip));
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
