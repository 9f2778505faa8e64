/* Host tests for the socket layer's dispatch core (net/socket.c): the
 * descriptor table, the family registry, -errno to (-1, msock_errno), poll
 * across families, and getaddrinfo for literal addresses. A fake family
 * stands in for lwIP and records what reached it. */
#include "test.h"
#define MSOCK_PREFIXED_ONLY
#include "net/socket.h"

static struct {
    int calls, last_level, last_name, closed;
    intptr_t last_h, next_h;
    int fail;                           /* a -errno every op returns, 0: none */
    short ready;                        /* revents poll reports */
} fake;

static int f_socket(int type, int proto, intptr_t *h)
{
    (void)type; (void)proto;
    fake.calls++;
    if (fake.fail)
        return fake.fail;
    *h = fake.next_h++;
    return 0;
}
static int f_bind(intptr_t h, const struct msock_sockaddr *a, msock_socklen_t len)
{
    (void)a; (void)len;
    fake.last_h = h;
    return fake.fail;
}
static int f_accept(intptr_t h, intptr_t *nh, struct msock_sockaddr *a, msock_socklen_t *len)
{
    (void)a; (void)len;
    fake.last_h = h;
    *nh = 1000 + h;
    return fake.fail;
}
static long f_recv(intptr_t h, void *buf, size_t len, int flags, struct msock_sockaddr *from,
                   msock_socklen_t *fromlen)
{
    (void)buf; (void)flags; (void)from; (void)fromlen;
    fake.last_h = h;
    return fake.fail ? fake.fail : (long)len;
}
static int f_close(intptr_t h) { fake.closed++; fake.last_h = h; return 0; }
static int f_setsockopt(intptr_t h, int level, int name, const void *v, msock_socklen_t len)
{
    (void)h; (void)v; (void)len;
    fake.last_level = level;
    fake.last_name = name;
    return fake.fail;
}
static int f_poll(struct msock_pollent *e, int n, int timeout_ms)
{
    (void)timeout_ms;
    int r = 0;
    for (int i = 0; i < n; i++)
        r += (e[i].revents = e[i].events & fake.ready) != 0;
    return r;
}
static int f_resolve(const char *name, uint32_t *addr)
{
    if (strcmp(name, "example.test") != 0)
        return -ENOENT;
    *addr = msock_htonl(0x0a000203);
    return 0;
}

static const struct sock_ops fake_ops = {
    .socket = f_socket, .bind = f_bind, .accept = f_accept, .recv = f_recv, .close = f_close,
    .setsockopt = f_setsockopt, .poll = f_poll, .resolve = f_resolve,
};
/* A second family whose sockets are never ready. */
static int g_poll(struct msock_pollent *e, int n, int t) { (void)t; for (int i = 0; i < n; i++) e[i].revents = 0; return 0; }
static const struct sock_ops other_ops = { .socket = f_socket, .close = f_close, .poll = g_poll };

static void setup(void)
{
    sock_reset_for_tests();
    memset(&fake, 0, sizeof fake);
    fake.next_h = 7;
    sock_register_family(MSOCK_AF_INET, &fake_ops);
}

TEST(register_family)
{
    setup();
    CHECK_EQ(sock_register_family(MSOCK_AF_INET, &fake_ops), -EEXIST);
    CHECK_EQ(sock_register_family(0, &fake_ops), -EINVAL);
    CHECK_EQ(sock_register_family(MSOCK_AF_MAX, &fake_ops), -EINVAL);
    CHECK_EQ(sock_register_family(MSOCK_AF_VSOCK, &other_ops), 0);
}

TEST(socket_dispatch_and_fds)
{
    setup();
    int a = msock_socket(MSOCK_AF_INET, MSOCK_SOCK_STREAM, 0);
    int b = msock_socket(MSOCK_AF_INET, MSOCK_SOCK_DGRAM, 0);
    CHECK_EQ(a, 0);
    CHECK_EQ(b, 1);
    char buf[4];
    CHECK_EQ(msock_recv(b, buf, sizeof buf, 0), 4);
    CHECK_EQ(fake.last_h, 8);           /* fd 1 carries the family's handle 8 */
    CHECK_EQ(msock_close(a), 0);
    CHECK_EQ(fake.last_h, 7);
    CHECK_EQ(msock_socket(MSOCK_AF_INET, MSOCK_SOCK_STREAM, 0), 0);   /* lowest free */
    int c = msock_accept(b, NULL, NULL);
    CHECK_EQ(c, 2);
    CHECK_EQ(msock_recv(c, buf, 1, 0), 1);
    CHECK_EQ(fake.last_h, 1008);
}

TEST(errno_mapping)
{
    setup();
    msock_errno = 0;
    CHECK_EQ(msock_socket(MSOCK_AF_VSOCK, MSOCK_SOCK_STREAM, 0), -1);
    CHECK_EQ(msock_errno, EAFNOSUPPORT);
    CHECK_EQ(msock_socket(99, MSOCK_SOCK_STREAM, 0), -1);
    CHECK_EQ(msock_errno, EAFNOSUPPORT);
    char b;
    CHECK_EQ(msock_recv(5, &b, 1, 0), -1);
    CHECK_EQ(msock_errno, EBADF);
    CHECK_EQ(msock_recv(-1, &b, 1, 0), -1);
    CHECK_EQ(msock_errno, EBADF);
    CHECK_EQ(msock_close(MSOCK_FD_MAX), -1);
    CHECK_EQ(msock_errno, EBADF);

    int fd = msock_socket(MSOCK_AF_INET, MSOCK_SOCK_STREAM, 0);
    fake.fail = -ECONNREFUSED;
    CHECK_EQ(msock_recv(fd, &b, 1, 0), -1);
    CHECK_EQ(msock_errno, ECONNREFUSED);
    struct msock_sockaddr_in sa = { .sin_family = MSOCK_AF_INET };
    fake.fail = -EADDRINUSE;
    CHECK_EQ(msock_bind(fd, (struct msock_sockaddr *)&sa, sizeof sa), -1);
    CHECK_EQ(msock_errno, EADDRINUSE);
    fake.fail = 0;
    CHECK_EQ(msock_bind(fd, (struct msock_sockaddr *)&sa, sizeof sa), 0);
    sa.sin_family = MSOCK_AF_VSOCK;     /* wrong family for this socket */
    CHECK_EQ(msock_bind(fd, (struct msock_sockaddr *)&sa, sizeof sa), -1);
    CHECK_EQ(msock_errno, EAFNOSUPPORT);
    /* ops the family lacks */
    CHECK_EQ(msock_listen(fd, 1), -1);
    CHECK_EQ(msock_errno, EOPNOTSUPP);
    CHECK_EQ(msock_shutdown(fd, 7), -1);
    CHECK_EQ(msock_errno, EINVAL);
    /* a failing socket() uses no descriptor */
    fake.fail = -ENOBUFS;
    CHECK_EQ(msock_socket(MSOCK_AF_INET, MSOCK_SOCK_STREAM, 0), -1);
    CHECK_EQ(msock_errno, ENOBUFS);
    fake.fail = 0;
    CHECK_EQ(msock_socket(MSOCK_AF_INET, MSOCK_SOCK_STREAM, 0), fd + 1);
}

TEST(options_pass_through_linux_values)
{
    setup();
    int fd = msock_socket(MSOCK_AF_INET, MSOCK_SOCK_STREAM, 0), one = 1;
    CHECK_EQ(msock_setsockopt(fd, MSOCK_SOL_SOCKET, MSOCK_SO_REUSEADDR, &one, sizeof one), 0);
    CHECK_EQ(fake.last_level, 1);       /* Linux's SOL_SOCKET, not lwIP's 0xfff */
    CHECK_EQ(fake.last_name, 2);
    CHECK_EQ(msock_setsockopt(fd, MSOCK_SOL_SOCKET, MSOCK_SO_REUSEADDR, NULL, 4), -1);
    CHECK_EQ(msock_errno, EFAULT);
}

TEST(fd_table_full)
{
    setup();
    for (int i = 0; i < MSOCK_FD_MAX; i++)
        REQUIRE(msock_socket(MSOCK_AF_INET, MSOCK_SOCK_STREAM, 0) == i);
    int closed = fake.closed;
    CHECK_EQ(msock_socket(MSOCK_AF_INET, MSOCK_SOCK_STREAM, 0), -1);
    CHECK_EQ(msock_errno, EMFILE);
    CHECK_EQ(fake.closed, closed + 1);  /* the family's socket is not leaked */
}

TEST(poll_one_and_mixed_families)
{
    setup();
    sock_register_family(MSOCK_AF_VSOCK, &other_ops);
    int a = msock_socket(MSOCK_AF_INET, MSOCK_SOCK_STREAM, 0);
    int v = msock_socket(MSOCK_AF_VSOCK, MSOCK_SOCK_STREAM, 0);
    fake.ready = MSOCK_POLLOUT;
    struct msock_pollfd p[4] = { { a, MSOCK_POLLIN | MSOCK_POLLOUT, 0 }, { v, MSOCK_POLLIN, 0 },
                                 { 99, MSOCK_POLLIN, 0 }, { -1, MSOCK_POLLIN, 0 } };
    CHECK_EQ(msock_poll(p, 1, -1), 1);
    CHECK_EQ(p[0].revents, MSOCK_POLLOUT);
    CHECK_EQ(msock_poll(p, 2, 5), 1);   /* mixed: inet ready, vsock not */
    CHECK_EQ(p[0].revents, MSOCK_POLLOUT);
    CHECK_EQ(p[1].revents, 0);
    fake.ready = 0;
    CHECK_EQ(msock_poll(p, 2, 3), 0);   /* times out */
    CHECK_EQ(msock_poll(p, 4, -1), 1);  /* a bad fd is ready with POLLNVAL */
    CHECK_EQ(p[2].revents, MSOCK_POLLNVAL);
    CHECK_EQ(p[3].revents, 0);
}

TEST(inet_aton)
{
    struct msock_in_addr in;
    CHECK(msock_inet_aton("127.0.0.1", &in));
    CHECK_EQ(in.s_addr, msock_htonl(0x7f000001));
    CHECK(msock_inet_aton("255.255.255.255", &in));
    CHECK(!msock_inet_aton("256.0.0.1", &in));
    CHECK(!msock_inet_aton("1.2.3", &in));
    CHECK(!msock_inet_aton("1.2.3.4.", &in));
    CHECK(!msock_inet_aton("1.2.3.4x", &in));
    CHECK(!msock_inet_aton("0001.2.3.4", &in));
    CHECK(!msock_inet_aton("", &in));
}

TEST(getaddrinfo_literal_and_resolved)
{
    setup();
    struct msock_addrinfo hints = { .ai_socktype = MSOCK_SOCK_STREAM }, *ai = NULL;
    REQUIRE(msock_getaddrinfo("127.0.0.1", "8080", &hints, &ai) == 0);
    const struct msock_sockaddr_in *sin = (const void *)ai->ai_addr;
    CHECK_EQ(ai->ai_family, MSOCK_AF_INET);
    CHECK_EQ(ai->ai_protocol, MSOCK_IPPROTO_TCP);
    CHECK_EQ(ai->ai_addrlen, 16);
    CHECK_EQ(sin->sin_port, msock_htons(8080));
    CHECK_EQ(sin->sin_addr.s_addr, msock_htonl(0x7f000001));
    CHECK(ai->ai_next == NULL);
    msock_freeaddrinfo(ai);

    REQUIRE(msock_getaddrinfo("example.test", NULL, NULL, &ai) == 0);   /* stream + dgram */
    REQUIRE(ai->ai_next != NULL);
    CHECK_EQ(ai->ai_next->ai_socktype, MSOCK_SOCK_DGRAM);
    CHECK_EQ(((const struct msock_sockaddr_in *)ai->ai_addr)->sin_addr.s_addr, msock_htonl(0x0a000203));
    msock_freeaddrinfo(ai);

    CHECK_EQ(msock_getaddrinfo("nowhere.test", NULL, NULL, &ai), MSOCK_EAI_NONAME);
    hints.ai_flags = MSOCK_AI_NUMERICHOST;
    CHECK_EQ(msock_getaddrinfo("example.test", NULL, &hints, &ai), MSOCK_EAI_NONAME);
    CHECK_EQ(msock_getaddrinfo("1.2.3.4", "http", NULL, &ai), MSOCK_EAI_SERVICE);
    CHECK_EQ(msock_getaddrinfo("1.2.3.4", "65536", NULL, &ai), MSOCK_EAI_SERVICE);
    hints = (struct msock_addrinfo){ .ai_family = MSOCK_AF_VSOCK };
    CHECK_EQ(msock_getaddrinfo("1.2.3.4", NULL, &hints, &ai), MSOCK_EAI_FAMILY);
    hints = (struct msock_addrinfo){ .ai_flags = MSOCK_AI_PASSIVE, .ai_socktype = MSOCK_SOCK_DGRAM };
    REQUIRE(msock_getaddrinfo(NULL, "7", &hints, &ai) == 0);
    CHECK_EQ(((const struct msock_sockaddr_in *)ai->ai_addr)->sin_addr.s_addr, 0);
    CHECK_EQ(ai->ai_protocol, MSOCK_IPPROTO_UDP);
    msock_freeaddrinfo(ai);
}
