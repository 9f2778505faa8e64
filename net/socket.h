/* minnow's POSIX socket layer (IEEE Std 1003.1): socket, bind, listen,
 * accept, connect, send/recv, sendto/recvfrom, shutdown, close,
 * setsockopt/getsockopt, poll, getaddrinfo, getsockname/getpeername.
 *
 * Constants, structures and errno values are Linux's (x86-64 ABI), so code
 * written against <sys/socket.h> ports unchanged. A descriptor table maps
 * each fd to an address family's ops (struct sock_ops) and that family's
 * handle for the socket: AF_INET is lwIP's raw TCP/UDP API
 * (net/socket_inet.c); AF_VSOCK plugs in through sock_register_family()
 * without touching lwIP or callers.
 *
 * Every name is first defined with an msock_/MSOCK_ prefix; the POSIX names
 * are macros on top, left out when MSOCK_PREFIXED_ONLY is defined (as in
 * the families' files, whose other headers may define the same names).
 *
 * errno: failing calls return -1 and set msock_errno (`errno` in kernel
 * code that includes this header). It is one kernel-wide variable: threads
 * are cooperative on one CPU, so it holds until the caller's next blocking
 * call; read it straight after the failing call. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "kernel/errno.h"

/* --- errno values kernel/errno.h lacks (Linux numbers) --------------------- */
#ifndef EINTR
#define EINTR            4
#endif
#ifndef EBADF
#define EBADF            9
#endif
#ifndef EAGAIN
#define EAGAIN          11
#endif
#ifndef EWOULDBLOCK
#define EWOULDBLOCK     EAGAIN
#endif
#ifndef ENFILE
#define ENFILE          23
#endif
#ifndef EMFILE
#define EMFILE          24
#endif
#ifndef EPIPE
#define EPIPE           32
#endif
#ifndef ENOTSOCK
#define ENOTSOCK        88
#endif
#ifndef EDESTADDRREQ
#define EDESTADDRREQ    89
#endif
#ifndef EMSGSIZE
#define EMSGSIZE        90
#endif
#ifndef EPROTOTYPE
#define EPROTOTYPE      91
#endif
#ifndef ENOPROTOOPT
#define ENOPROTOOPT     92
#endif
#ifndef EPROTONOSUPPORT
#define EPROTONOSUPPORT 93
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP      95
#endif
#ifndef EAFNOSUPPORT
#define EAFNOSUPPORT    97
#endif
#ifndef EADDRINUSE
#define EADDRINUSE      98
#endif
#ifndef EADDRNOTAVAIL
#define EADDRNOTAVAIL   99
#endif
#ifndef ENETDOWN
#define ENETDOWN       100
#endif
#ifndef ENETUNREACH
#define ENETUNREACH    101
#endif
#ifndef ECONNABORTED
#define ECONNABORTED   103
#endif
#ifndef ECONNRESET
#define ECONNRESET     104
#endif
#ifndef ENOBUFS
#define ENOBUFS        105
#endif
#ifndef EISCONN
#define EISCONN        106
#endif
#ifndef ENOTCONN
#define ENOTCONN       107
#endif
#ifndef ECONNREFUSED
#define ECONNREFUSED   111
#endif
#ifndef EHOSTUNREACH
#define EHOSTUNREACH   113
#endif
#ifndef EALREADY
#define EALREADY       114
#endif
#ifndef EINPROGRESS
#define EINPROGRESS    115
#endif

/* --- constants (Linux values) ---------------------------------------------- */
#define MSOCK_AF_UNSPEC      0
#define MSOCK_AF_INET        2
#define MSOCK_AF_VSOCK      40
#define MSOCK_AF_MAX        48      /* families the registry can hold */
#define MSOCK_SOCK_STREAM    1
#define MSOCK_SOCK_DGRAM     2
#define MSOCK_IPPROTO_IP     0
#define MSOCK_IPPROTO_TCP    6
#define MSOCK_IPPROTO_UDP   17
#define MSOCK_INADDR_ANY        0x00000000u
#define MSOCK_INADDR_LOOPBACK   0x7f000001u

/* setsockopt levels and names */
#define MSOCK_SOL_SOCKET     1
#define MSOCK_SO_REUSEADDR   2
#define MSOCK_SO_TYPE        3
#define MSOCK_SO_ERROR       4
#define MSOCK_SO_BROADCAST   6
#define MSOCK_SO_SNDBUF      7
#define MSOCK_SO_RCVBUF      8
#define MSOCK_SO_KEEPALIVE   9
#define MSOCK_SO_LINGER     13
#define MSOCK_SO_RCVTIMEO   20      /* struct timeval */
#define MSOCK_SO_SNDTIMEO   21
#define MSOCK_TCP_NODELAY    1
#define MSOCK_TCP_KEEPIDLE   4
#define MSOCK_TCP_KEEPINTVL  5
#define MSOCK_TCP_KEEPCNT    6

#define MSOCK_SHUT_RD        0
#define MSOCK_SHUT_WR        1
#define MSOCK_SHUT_RDWR      2

#define MSOCK_MSG_PEEK       0x02
#define MSOCK_MSG_DONTWAIT   0x40
#define MSOCK_MSG_WAITALL    0x100
#define MSOCK_MSG_NOSIGNAL   0x4000  /* accepted and ignored: no signals here */
#define MSOCK_MSG_MORE       0x8000

#define MSOCK_POLLIN         0x001
#define MSOCK_POLLPRI        0x002
#define MSOCK_POLLOUT        0x004
#define MSOCK_POLLERR        0x008
#define MSOCK_POLLHUP        0x010
#define MSOCK_POLLNVAL       0x020

/* getaddrinfo */
#define MSOCK_AI_PASSIVE     0x01
#define MSOCK_AI_NUMERICHOST 0x04
#define MSOCK_AI_NUMERICSERV 0x400
#define MSOCK_EAI_NONAME    (-2)
#define MSOCK_EAI_AGAIN     (-3)
#define MSOCK_EAI_FAIL      (-4)
#define MSOCK_EAI_FAMILY    (-6)
#define MSOCK_EAI_SOCKTYPE  (-7)
#define MSOCK_EAI_SERVICE   (-8)
#define MSOCK_EAI_MEMORY    (-10)

#define MSOCK_FD_MAX       512      /* descriptors 0 .. MSOCK_FD_MAX-1 */

/* --- structures (Linux x86-64 layout) --------------------------------------- */
typedef uint32_t msock_socklen_t;
typedef uint16_t msock_sa_family_t;

struct msock_sockaddr {
    msock_sa_family_t sa_family;
    char sa_data[14];
};
struct msock_in_addr {
    uint32_t s_addr;                /* network byte order */
};
struct msock_sockaddr_in {
    msock_sa_family_t sin_family;   /* MSOCK_AF_INET */
    uint16_t sin_port;              /* network byte order */
    struct msock_in_addr sin_addr;
    uint8_t sin_zero[8];
};
_Static_assert(sizeof(struct msock_sockaddr) == 16, "sockaddr is 16 bytes");
_Static_assert(sizeof(struct msock_sockaddr_in) == 16, "sockaddr_in is 16 bytes");
_Static_assert(offsetof(struct msock_sockaddr_in, sin_port) == 2, "sin_port at 2");
_Static_assert(offsetof(struct msock_sockaddr_in, sin_addr) == 4, "sin_addr at 4");

struct msock_pollfd {
    int fd;
    short events;                   /* MSOCK_POLL* */
    short revents;
};
_Static_assert(sizeof(struct msock_pollfd) == 8, "pollfd is 8 bytes");

struct msock_timeval {
    long tv_sec;
    long tv_usec;
};
struct msock_linger {
    int l_onoff;
    int l_linger;                   /* seconds */
};

struct msock_addrinfo {
    int ai_flags;                   /* MSOCK_AI_* */
    int ai_family;
    int ai_socktype;
    int ai_protocol;
    msock_socklen_t ai_addrlen;
    struct msock_sockaddr *ai_addr;
    char *ai_canonname;
    struct msock_addrinfo *ai_next;
};
_Static_assert(offsetof(struct msock_addrinfo, ai_addr) == 24, "addrinfo layout");

/* Byte order (x86 is little-endian). */
static inline uint16_t msock_htons(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }
static inline uint32_t msock_htonl(uint32_t v) { return __builtin_bswap32(v); }

/* --- the family interface ---------------------------------------------------
 * A family's ops return 0 or a count on success and a negative errno
 * (Linux value) on failure; the dispatch core turns that into -1 and
 * msock_errno. `h` is the family's own handle for a socket (for AF_INET,
 * its struct isock). Blocking ops block in the family. Optional ops may
 * be NULL (the call then fails with EOPNOTSUPP). */
struct msock_pollent {
    intptr_t h;
    short events, revents;          /* MSOCK_POLL* */
};

struct sock_ops {
    int (*socket)(int type, int protocol, intptr_t *h);
    int (*bind)(intptr_t h, const struct msock_sockaddr *a, msock_socklen_t len);
    int (*listen)(intptr_t h, int backlog);
    int (*accept)(intptr_t h, intptr_t *newh, struct msock_sockaddr *a, msock_socklen_t *len);
    int (*connect)(intptr_t h, const struct msock_sockaddr *a, msock_socklen_t len);
    /* to: NULL for a connected socket. */
    long (*send)(intptr_t h, const void *buf, size_t len, int flags,
                 const struct msock_sockaddr *to, msock_socklen_t tolen);
    /* from: NULL when the caller does not want the source. */
    long (*recv)(intptr_t h, void *buf, size_t len, int flags,
                 struct msock_sockaddr *from, msock_socklen_t *fromlen);
    int (*shutdown)(intptr_t h, int how);
    int (*close)(intptr_t h);
    int (*setsockopt)(intptr_t h, int level, int name, const void *val, msock_socklen_t len);
    int (*getsockopt)(intptr_t h, int level, int name, void *val, msock_socklen_t *len);
    int (*getname)(intptr_t h, struct msock_sockaddr *a, msock_socklen_t *len, int peer);
    /* Fills revents for n sockets of this family; waits up to timeout_ms
     * (-1: forever, 0: not at all) until one is ready. Returns how many
     * are ready. */
    int (*poll)(struct msock_pollent *ents, int n, int timeout_ms);
    /* Optional: a host name to an IPv4 address (network order), for
     * getaddrinfo. 0 or -errno. */
    int (*resolve)(const char *name, uint32_t *addr);
};

/* Registers ops for family af (0 < af < MSOCK_AF_MAX); -EINVAL, -EEXIST. */
int sock_register_family(int af, const struct sock_ops *ops);
/* Forgets every family and closes nothing: for host tests only. */
void sock_reset_for_tests(void);
/* AF_INET's ops (net/socket_inet.c); the core registers them on first use
 * when they are linked in (a weak reference, so hosted tests can leave
 * them out). */
extern const struct sock_ops sock_inet_ops;

extern int msock_errno;

/* --- the API ----------------------------------------------------------------- */
int msock_socket(int domain, int type, int protocol);
int msock_bind(int fd, const struct msock_sockaddr *a, msock_socklen_t len);
int msock_listen(int fd, int backlog);
int msock_accept(int fd, struct msock_sockaddr *a, msock_socklen_t *len);
int msock_connect(int fd, const struct msock_sockaddr *a, msock_socklen_t len);
long msock_send(int fd, const void *buf, size_t len, int flags);
long msock_recv(int fd, void *buf, size_t len, int flags);
/* Sends all of buf, retrying short sends: 0, or -1 (errno set). */
int msock_send_all(int fd, const void *buf, size_t len);
/* A server's socket: `type` on every IPv4 address at `port`, with
 * SO_REUSEADDR, listening with `backlog` when it is a stream. Returns the
 * fd, or a negative errno (for apps' log lines). */
int msock_server(int type, uint16_t port, int backlog);
long msock_sendto(int fd, const void *buf, size_t len, int flags,
                  const struct msock_sockaddr *to, msock_socklen_t tolen);
long msock_recvfrom(int fd, void *buf, size_t len, int flags,
                    struct msock_sockaddr *from, msock_socklen_t *fromlen);
int msock_shutdown(int fd, int how);
int msock_close(int fd);
int msock_setsockopt(int fd, int level, int name, const void *val, msock_socklen_t len);
int msock_getsockopt(int fd, int level, int name, void *val, msock_socklen_t *len);
int msock_getsockname(int fd, struct msock_sockaddr *a, msock_socklen_t *len);
int msock_getpeername(int fd, struct msock_sockaddr *a, msock_socklen_t *len);
/* timeout_ms: -1 forever. Sockets of one family wait in that family (for
 * AF_INET, woken by lwIP's callbacks). A set mixing families is
 * polled without waiting every millisecond until one is ready. */
int msock_poll(struct msock_pollfd *fds, unsigned long nfds, int timeout_ms);
/* Literal IPv4 addresses, and names through the AF_INET family's resolver
 * (lwIP's DNS). service: NULL or a decimal port. Returns 0 or MSOCK_EAI_*. */
int msock_getaddrinfo(const char *node, const char *service,
                      const struct msock_addrinfo *hints, struct msock_addrinfo **res);
void msock_freeaddrinfo(struct msock_addrinfo *ai);
/* A dotted quad to a network-order address: 1, or 0 if malformed. */
int msock_inet_aton(const char *s, struct msock_in_addr *out);

/* --- POSIX names ------------------------------------------------------------- */
#ifndef MSOCK_PREFIXED_ONLY
#define AF_UNSPEC       MSOCK_AF_UNSPEC
#define AF_INET         MSOCK_AF_INET
#define AF_VSOCK        MSOCK_AF_VSOCK
#define PF_INET         MSOCK_AF_INET
#define SOCK_STREAM     MSOCK_SOCK_STREAM
#define SOCK_DGRAM      MSOCK_SOCK_DGRAM
#define IPPROTO_IP      MSOCK_IPPROTO_IP
#define IPPROTO_TCP     MSOCK_IPPROTO_TCP
#define IPPROTO_UDP     MSOCK_IPPROTO_UDP
#define INADDR_ANY      MSOCK_INADDR_ANY
#define INADDR_LOOPBACK MSOCK_INADDR_LOOPBACK
#define SOL_SOCKET      MSOCK_SOL_SOCKET
#define SO_REUSEADDR    MSOCK_SO_REUSEADDR
#define SO_TYPE         MSOCK_SO_TYPE
#define SO_ERROR        MSOCK_SO_ERROR
#define SO_BROADCAST    MSOCK_SO_BROADCAST
#define SO_SNDBUF       MSOCK_SO_SNDBUF
#define SO_RCVBUF       MSOCK_SO_RCVBUF
#define SO_KEEPALIVE    MSOCK_SO_KEEPALIVE
#define SO_LINGER       MSOCK_SO_LINGER
#define SO_RCVTIMEO     MSOCK_SO_RCVTIMEO
#define SO_SNDTIMEO     MSOCK_SO_SNDTIMEO
#define TCP_NODELAY     MSOCK_TCP_NODELAY
#define TCP_KEEPIDLE    MSOCK_TCP_KEEPIDLE
#define TCP_KEEPINTVL   MSOCK_TCP_KEEPINTVL
#define TCP_KEEPCNT     MSOCK_TCP_KEEPCNT
#define SHUT_RD         MSOCK_SHUT_RD
#define SHUT_WR         MSOCK_SHUT_WR
#define SHUT_RDWR       MSOCK_SHUT_RDWR
#define MSG_PEEK        MSOCK_MSG_PEEK
#define MSG_DONTWAIT    MSOCK_MSG_DONTWAIT
#define MSG_WAITALL     MSOCK_MSG_WAITALL
#define MSG_NOSIGNAL    MSOCK_MSG_NOSIGNAL
#define MSG_MORE        MSOCK_MSG_MORE
#define POLLIN          MSOCK_POLLIN
#define POLLPRI         MSOCK_POLLPRI
#define POLLOUT         MSOCK_POLLOUT
#define POLLERR         MSOCK_POLLERR
#define POLLHUP         MSOCK_POLLHUP
#define POLLNVAL        MSOCK_POLLNVAL
#define AI_PASSIVE      MSOCK_AI_PASSIVE
#define AI_NUMERICHOST  MSOCK_AI_NUMERICHOST
#define AI_NUMERICSERV  MSOCK_AI_NUMERICSERV
#define EAI_NONAME      MSOCK_EAI_NONAME
#define EAI_AGAIN       MSOCK_EAI_AGAIN
#define EAI_FAIL        MSOCK_EAI_FAIL
#define EAI_FAMILY      MSOCK_EAI_FAMILY
#define EAI_SOCKTYPE    MSOCK_EAI_SOCKTYPE
#define EAI_SERVICE     MSOCK_EAI_SERVICE
#define EAI_MEMORY      MSOCK_EAI_MEMORY

/* Structure tags and types: `struct sockaddr_in` is struct msock_sockaddr_in. */
#define sockaddr        msock_sockaddr
#define sockaddr_in     msock_sockaddr_in
#define in_addr         msock_in_addr
#define pollfd          msock_pollfd
#define timeval         msock_timeval
#define linger          msock_linger
#define addrinfo        msock_addrinfo
typedef msock_socklen_t socklen_t;
typedef msock_sa_family_t sa_family_t;

#define htons           msock_htons
#define ntohs           msock_htons
#define htonl           msock_htonl
#define ntohl           msock_htonl

#define socket          msock_socket
#define bind            msock_bind
#define listen          msock_listen
#define accept          msock_accept
#define connect         msock_connect
#define send            msock_send
#define send_all        msock_send_all
#define socket_server   msock_server
#define recv            msock_recv
#define sendto          msock_sendto
#define recvfrom        msock_recvfrom
#define shutdown        msock_shutdown
#define close           msock_close
#define setsockopt      msock_setsockopt
#define getsockopt      msock_getsockopt
#define getsockname     msock_getsockname
#define getpeername     msock_getpeername
#define poll            msock_poll
#define getaddrinfo     msock_getaddrinfo
#define freeaddrinfo    msock_freeaddrinfo
#define inet_aton       msock_inet_aton
#ifndef HOSTED
#ifndef errno
#define errno           msock_errno
#endif
#endif
#endif /* MSOCK_PREFIXED_ONLY */
