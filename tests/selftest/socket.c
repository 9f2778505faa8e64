/* selftest=sockets: the POSIX socket layer (net/socket.h) end to end over
 * lwIP's loopback netif, using only the POSIX names: TCP and UDP exchanges,
 * poll readiness, errno values, getaddrinfo, SO_REUSEADDR on a port in
 * TIME_WAIT, and the port-reuse regression run locally (100
 * connections in a row from client port 40000, the server closing first).
 *
 *   qemu-system-x86_64 -accel tcg -M q35 -m 128M -display none -serial stdio
 *     -device isa-debug-exit,iobase=0xf4,iosize=4 -nic none
 *     -netdev user,id=n0 -device e1000,netdev=n0
 *     -kernel build/minnow.elf -append "qemu_exit=0xf4 app=none selftest=sockets" */
#include "net/socket.h"
#include "net/lwip_netif.h"
#include "net/lwip/tcp_timewait.h"
#include "kernel/time/clock.h"
#include "lib/fmt.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "kernel/core/selftest.h"
#include "lib/string.h"

#define PORT_TCP        7100
#define PORT_INUSE      7101
#define PORT_UDP        7102
#define PORT_REUSE      7103
#define PORT_CLOSED     7199
#define CLIENT_PORT     40000
#define REUSE_ROUNDS    100

#define FAIL(...) do { kprintf("selftest: sockets: " __VA_ARGS__); return 1; } while (0)

static struct sockaddr_in loopback(uint16_t port)
{
    return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

/* A TCP listener on 127.0.0.1:port, or -1. */
static int listener(uint16_t port, int reuse)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = loopback(port);
    if (fd < 0)
        return -1;
    if ((reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) != 0) ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* --- TCP exchange ------------------------------------------------------------ */
struct echo_client {
    int err;
    char reply[16];
    struct semaphore done;
};

/* Connects, sends "ping", reads the answer, waits for EOF, closes. */
static void echo_client_main(void *arg)
{
    struct echo_client *c = arg;
    struct sockaddr_in sa = loopback(PORT_TCP);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        c->err = 1;
    else if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        c->err = 2;
    else if (send(fd, "ping", 4, 0) != 4)
        c->err = 3;
    else if (recv(fd, c->reply, sizeof c->reply - 1, 0) != 4)
        c->err = 4;
    else if (recv(fd, c->reply + 4, 1, 0) != 0)
        c->err = 5;                     /* the server closes first */
    if (fd >= 0)
        close(fd);
    sem_up(&c->done);
}

static int tcp_exchange(void)
{
    static struct echo_client c;
    c = (struct echo_client){ 0 };
    sem_init(&c.done, 0);
    int lfd = listener(PORT_TCP, 1);
    if (lfd < 0)
        FAIL("listen on %d failed (errno %d)\n", PORT_TCP, errno);
    struct thread *t = thread_create("sock-client", echo_client_main, &c, 0);
    if (!t)
        FAIL("no thread\n");
    thread_detach(t);

    struct pollfd p = { .fd = lfd, .events = POLLIN };
    if (poll(&p, 1, 5000) != 1 || !(p.revents & POLLIN))
        FAIL("poll on the listener: revents 0x%x\n", p.revents);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int fd = accept(lfd, (struct sockaddr *)&peer, &plen);
    if (fd < 0 || plen != sizeof peer || peer.sin_addr.s_addr != htonl(INADDR_LOOPBACK))
        FAIL("accept: fd %d errno %d\n", fd, errno);
    p = (struct pollfd){ .fd = fd, .events = POLLIN };
    char buf[8] = { 0 };
    int pr = poll(&p, 1, 5000);
    if (pr != 1 || p.revents != POLLIN)
        FAIL("poll on the connection: %d revents 0x%x\n", pr, p.revents);
    if (recv(fd, buf, sizeof buf, 0) != 4 || memcmp(buf, "ping", 4) != 0)
        FAIL("server recv\n");
    if (send(fd, "pong", 4, 0) != 4)
        FAIL("server send (errno %d)\n", errno);
    close(fd);                          /* first: this side goes to TIME_WAIT */
    close(lfd);
    sem_down(&c.done);
    if (c.err || memcmp(c.reply, "pong", 4) != 0)
        FAIL("client failed at step %d\n", c.err);
    kprintf("selftest: sockets: tcp ping/pong, poll: ok\n");
    return 0;
}

/* --- errno --------------------------------------------------------------------- */
static int errno_checks(void)
{
    char b;
    errno = 0;
    if (recv(200, &b, 1, 0) != -1 || errno != EBADF)
        FAIL("recv on fd 200: errno %d, want EBADF\n", errno);
    if (socket(AF_VSOCK, SOCK_STREAM, 0) != -1 || errno != EAFNOSUPPORT)
        FAIL("AF_VSOCK socket: errno %d, want EAFNOSUPPORT\n", errno);

    /* Nobody listens: lwIP answers the SYN with RST. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = loopback(PORT_CLOSED);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != -1 || errno != ECONNREFUSED)
        FAIL("connect to a closed port: errno %d, want ECONNREFUSED\n", errno);
    close(fd);

    int a = listener(PORT_INUSE, 0);
    int b2 = socket(AF_INET, SOCK_STREAM, 0);
    sa = loopback(PORT_INUSE);
    if (a < 0 || b2 < 0 || bind(b2, (struct sockaddr *)&sa, sizeof sa) != -1 || errno != EADDRINUSE)
        FAIL("second bind: errno %d, want EADDRINUSE\n", errno);
    close(a);
    close(b2);

    /* PORT_TCP's server side is in TIME_WAIT (tcp_exchange closed first). */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sa = loopback(PORT_TCP);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != -1 || errno != EADDRINUSE)
        FAIL("bind over TIME_WAIT without SO_REUSEADDR: errno %d, want EADDRINUSE\n", errno);
    close(fd);
    fd = listener(PORT_TCP, 1);
    if (fd < 0)
        FAIL("bind over TIME_WAIT with SO_REUSEADDR: errno %d\n", errno);
    close(fd);
    kprintf("selftest: sockets: errno (EBADF, EAFNOSUPPORT, ECONNREFUSED, EADDRINUSE), "
            "SO_REUSEADDR over TIME_WAIT: ok\n");
    return 0;
}

/* --- UDP, getaddrinfo ------------------------------------------------------------ */
static int udp_and_gai(void)
{
    struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
    if (getaddrinfo("127.0.0.1", "7102", &hints, &ai) != 0)
        FAIL("getaddrinfo(127.0.0.1)\n");
    struct sockaddr_in dst = *(struct sockaddr_in *)ai->ai_addr;
    freeaddrinfo(ai);
    if (dst.sin_addr.s_addr != htonl(INADDR_LOOPBACK) || dst.sin_port != htons(PORT_UDP))
        FAIL("getaddrinfo gave 0x%x:%u\n", ntohl(dst.sin_addr.s_addr), ntohs(dst.sin_port));

    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
    if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&dst, sizeof dst) != 0)
        FAIL("udp bind (errno %d)\n", errno);
    if (sendto(tx, "datagram", 8, 0, (struct sockaddr *)&dst, sizeof dst) != 8)
        FAIL("sendto (errno %d)\n", errno);
    struct pollfd p = { .fd = rx, .events = POLLIN };
    if (poll(&p, 1, 2000) != 1)
        FAIL("udp poll\n");
    char buf[16];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    long n = recvfrom(rx, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    if (n != 8 || memcmp(buf, "datagram", 8) != 0 || from.sin_family != AF_INET ||
        from.sin_addr.s_addr != htonl(INADDR_LOOPBACK))
        FAIL("recvfrom: %ld\n", n);
    if (recv(rx, buf, sizeof buf, MSG_DONTWAIT) != -1 || errno != EAGAIN)
        FAIL("empty recv with MSG_DONTWAIT: errno %d, want EAGAIN\n", errno);
    close(rx);
    close(tx);
    kprintf("selftest: sockets: udp sendto/recvfrom, getaddrinfo: ok\n");
    return 0;
}

/* --- port reuse ---------------------------------------------------------------------
 * The port-reuse regression, locally: a client bound to 127.0.0.1:40000 connects
 * REUSE_ROUNDS times in a row to a server that closes first. Each round the
 * server's side of the previous connection is in TIME_WAIT with the same
 * four-tuple as the new SYN. */
struct reuse_server {
    int lfd, linger0, accepted;
    volatile int stop;
    struct semaphore done;
};

static void reuse_server_main(void *arg)
{
    struct reuse_server *s = arg;
    while (!s->stop) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;                   /* SO_RCVTIMEO: look at stop again */
        s->accepted++;
        if (s->linger0) {
            struct linger l = { 1, 0 };
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
        close(fd);
    }
    sem_up(&s->done);
}

/* Returns how many of REUSE_ROUNDS connections succeeded; *first_err is
 * the errno of the first failure. */
static int reuse_rounds(uint16_t port, int linger0, int *first_err)
{
    static struct reuse_server s;
    s = (struct reuse_server){ .lfd = listener(port, 1), .linger0 = linger0 };
    sem_init(&s.done, 0);
    *first_err = 0;
    if (s.lfd < 0)
        return -1;
    struct timeval tv = { 0, 200000 };
    setsockopt(s.lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct thread *t = thread_create("sock-reuse", reuse_server_main, &s, 0);
    if (!t)
        return -1;
    thread_detach(t);

    int ok = 0, one = 1;
    struct sockaddr_in me = loopback(CLIENT_PORT), srv = loopback(port);
    for (int i = 0; i < REUSE_ROUNDS; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        char b;
        int good = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
                   bind(fd, (struct sockaddr *)&me, sizeof me) == 0;
        /* lwIP refuses the 4-tuple (EADDRINUSE) while our own previous
         * client PCB is still in LAST_ACK, until the loopback delivers the
         * server's last ACK: wait for that, briefly. */
        int r = -1;
        for (int tries = 0; good && tries < 50; tries++) {
            if ((r = connect(fd, (struct sockaddr *)&srv, sizeof srv)) == 0 || errno != EADDRINUSE)
                break;
            thread_sleep_ns(2000000);
        }
        good = good && r == 0;
        /* EOF (the server closed) or, with SO_LINGER 0, a reset. */
        good = good && (recv(fd, &b, 1, 0) == 0 || errno == ECONNRESET);
        if (good)
            ok++;
        else if (!*first_err)
            *first_err = errno ? errno : -1;
        if (fd >= 0)
            close(fd);
        errno = 0;
    }
    s.stop = 1;
    sem_down(&s.done);
    close(s.lfd);
    return ok;
}

static int port_reuse(void)
{
    int err;
    int ok = reuse_rounds(PORT_REUSE, 0, &err);
    kprintf("selftest: sockets: port reuse: %d/%d connections from port %d succeeded "
            "(first errno %d)\n", ok, REUSE_ROUNDS, CLIENT_PORT, err);
    if (ok != REUSE_ROUNDS) {
        /* For the report: the same with the server aborting (SO_LINGER 0),
         * which leaves no TIME_WAIT PCB behind. */
        int ok2 = reuse_rounds(PORT_REUSE + 1, 1, &err);
        kprintf("selftest: sockets: port reuse with SO_LINGER 0 on the server: %d/%d "
                "(first errno %d)\n", ok2, REUSE_ROUNDS, err);
        return 1;
    }
    return 0;
}

SELFTEST(sockets, "POSIX sockets over lwIP loopback: TCP, UDP, poll, errno")
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        FAIL("no socket (errno %d): is there a NIC, so that lwIP runs?\n", errno);
    close(fd);
    int fails = tcp_exchange();
    fails += errno_checks();
    fails += udp_and_gai();
    kprintf("selftest: sockets: %s\n", fails ? "FAIL" : "ok");
    return fails ? 1 : 0;
}

/* The port-reuse regression: lwIP 2.1.3's
 * tcp_timewait_input() never accepts a new SYN for a connection in
 * TIME_WAIT; net/lwip/tcp_timewait.c reopens it as RFC 1122 4.2.2.13
 * allows, with RFC 6528 ISNs so the new SYN is beyond the old connection.
 * Also run with SO_LINGER 0 on the server (no TIME_WAIT at all). */
SELFTEST(portreuse, "100 reconnects from one local port to a server that closes first")
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        FAIL("no socket (errno %d): is there a NIC, so that lwIP runs?\n", errno);
    close(fd);
    return port_reuse() ? 1 : 0;
}

/* TIME_WAIT lasts 2 MSL and MSL is configurable (tcp_msl=): after a server
 * closes first, its port cannot be bound without SO_REUSEADDR until
 * 2 MSL (plus lwIP's 500 ms slow-timer granularity) have passed. */
#define PORT_MSL 7105
SELFTEST(timewait, "TIME_WAIT lasts 2 x tcp_msl (run with tcp_msl=1000)")
{
    extern unsigned long minnow_tcp_msl_ms;
    int l = listener(PORT_MSL, 1);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = loopback(PORT_MSL);
    if (l < 0 || c < 0 || connect(c, (struct sockaddr *)&sa, sizeof sa) != 0)
        FAIL("timewait: setup failed (errno %d)\n", errno);
    int s = accept(l, NULL, NULL);
    if (s < 0)
        FAIL("timewait: accept failed (errno %d)\n", errno);
    close(s);                               /* the server closes first */
    char b;
    recv(c, &b, 1, 0);
    close(c);
    close(l);
    thread_sleep_ns(200000000);             /* let the FIN/ACK exchange finish */
    int t = socket(AF_INET, SOCK_STREAM, 0);
    int early = bind(t, (struct sockaddr *)&sa, sizeof sa) == 0 ? 0 : errno;
    close(t);
    uint64_t t0 = clock_ns();
    int ok = 0;
    for (int i = 0; i < 200 && !ok; i++) {          /* bounded: 20 s */
        thread_sleep_ns(100000000);
        t = socket(AF_INET, SOCK_STREAM, 0);
        ok = bind(t, (struct sockaddr *)&sa, sizeof sa) == 0;
        close(t);
    }
    uint64_t ms = (clock_ns() - t0) / 1000000 + 200;
    kprintf("selftest: sockets: timewait: msl %lu ms, bind during TIME_WAIT: errno %d, free after %llu ms\n",
            minnow_tcp_msl_ms, early, (unsigned long long)ms);
    if (early != EADDRINUSE || !ok || ms < 2 * minnow_tcp_msl_ms || ms > 2 * minnow_tcp_msl_ms + 2000)
        return 1;
    return 0;
}

/* --- minnow as the client that closes first ---------------------------------
 * RECONNECT_ROUNDS connections in a row from local port RECONNECT_PORT to a
 * TCP server at eth0's gateway (the system test runs one on the host, in a
 * network namespace: a real Linux TCP). Each round sends one line, reads
 * the server's echo, then closes first (shutdown, then EOF from the server,
 * then close), so minnow's side of the connection is in TIME_WAIT when the
 * next round connects from the same port: without client-side reuse that
 * connect fails with EADDRINUSE for 2 MSL. */
#define RECONNECT_PORT    40001
#define RECONNECT_SERVER  7007
#define RECONNECT_ROUNDS  50
#define RECONNECT_WAIT_MS 30000         /* for the host's server to come up */

/* One round: 0, or the step that failed (errno is kept). */
static int reconnect_round(int i, uint32_t server)
{
    int one = 1, step = 0;
    struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(RECONNECT_PORT) };
    struct sockaddr_in srv = { .sin_family = AF_INET, .sin_port = htons(RECONNECT_SERVER),
                               .sin_addr.s_addr = server };
    struct timeval tv = { 10, 0 };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        bind(fd, (struct sockaddr *)&me, sizeof me) != 0) {
        step = 1;
        goto out;
    }
    int r = connect(fd, (struct sockaddr *)&srv, sizeof srv);
    /* Only the first round waits for the server (refused until it listens). */
    for (int t = 0; i == 0 && r != 0 && errno == ECONNREFUSED && t < RECONNECT_WAIT_MS / 100; t++) {
        thread_sleep_ns(100000000);
        close(fd);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
            bind(fd, (struct sockaddr *)&me, sizeof me) != 0)
            break;
        r = connect(fd, (struct sockaddr *)&srv, sizeof srv);
    }
    if (r != 0) {
        step = 2;
        goto out;
    }
    char line[32], back[32];
    int n = fmt_snprintf(line, sizeof line, "minnow %d\n", i);
    if (send(fd, line, (size_t)n, 0) != n) {
        step = 3;
        goto out;
    }
    int got = 0;
    while (got < n) {
        long k = recv(fd, back + got, sizeof back - (size_t)got, 0);
        if (k <= 0)
            break;
        got += (int)k;
    }
    if (got != n || memcmp(line, back, (size_t)n) != 0) {
        step = 4;
        goto out;
    }
    char b;
    if (shutdown(fd, SHUT_WR) != 0 || recv(fd, &b, 1, 0) != 0)
        step = 5;                       /* our FIN first, then the server's */
out:
    if (fd >= 0)
        close(fd);
    return step;
}

SELFTEST(reconnect, "50 reconnects from port 40001 to a TCP echo server at the gateway (port 7007)")
{
    if (net_wait_addr("eth0", 30000000000ull) != 0)
        FAIL("reconnect: eth0 has no address\n");
    uint32_t gw = net_gw("eth0");
    if (!gw)
        FAIL("reconnect: eth0 has no gateway (gw=)\n");
    unsigned long reused0 = minnow_tcp_timewait_reused_connect();
    kprintf("selftest: reconnect: connecting to %u.%u.%u.%u:%d from port %d\n", gw & 0xFF, gw >> 8 & 0xFF,
            gw >> 16 & 0xFF, gw >> 24, RECONNECT_SERVER, RECONNECT_PORT);
    int ok = 0, first_step = 0, first_errno = 0;
    uint64_t t0 = clock_ns();
    for (int i = 0; i < RECONNECT_ROUNDS; i++) {
        errno = 0;
        int step = reconnect_round(i, gw);
        if (!step)
            ok++;
        else if (!first_step)
            first_step = step, first_errno = errno;
    }
    unsigned long reused = minnow_tcp_timewait_reused_connect() - reused0;
    kprintf("selftest: reconnect: %d/%d connections from port %d succeeded in %llu ms, "
            "own TIME_WAIT reused by connect %lu times (first failure: step %d errno %d)\n",
            ok, RECONNECT_ROUNDS, RECONNECT_PORT, (unsigned long long)((clock_ns() - t0) / 1000000), reused,
            first_step, first_errno);
    return ok == RECONNECT_ROUNDS && reused == RECONNECT_ROUNDS - 1 ? 0 : 1;
}
