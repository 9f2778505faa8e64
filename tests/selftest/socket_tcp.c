/* selftest=sockstream: what AF_INET's TCP sockets (net/socket_inet.c, on
 * lwIP's raw API) promise beyond a plain exchange, over lwIP's loopback
 * netif, from one thread: flow control (a reader that does not read closes
 * the window, and sends block -- here MSG_DONTWAIT: EAGAIN -- until it
 * reads), MSG_PEEK, recv returning the buffered bytes and then 0 after the
 * peer's FIN, SO_RCVTIMEO and MSG_DONTWAIT giving EAGAIN, SO_ERROR,
 * getsockname/getpeername, poll's timeout, SO_LINGER 0 (the peer sees
 * POLLERR|POLLHUP, ECONNRESET once, then EPIPE on send), and a listener
 * closed with a connection not yet accepted (reset).
 *
 *   qemu-system-x86_64 -accel tcg -M q35 -display none -serial stdio -nic none
 *     -netdev user,id=n0 -device e1000,netdev=n0
 *     -kernel build/minnow-test.elf -append "app=none selftest=sockstream" */
#include "net/socket.h"
#include "kernel/console/kprintf.h"
#include "kernel/core/selftest.h"
#include "kernel/mm/heap.h"
#include "kernel/sched/sched.h"
#include "lib/string.h"

#define PORT        7110
#define CHUNK       (16 * 1024)
#define FLOOD_MAX   (8u << 20)      /* far more than both windows: the loop is bounded */
#define TCP_SND_BUF_BYTES (256u * 1024)  /* lwipopts.h's TCP_SND_BUF */

#define FAIL(...) do { kprintf("selftest: sockstream: " __VA_ARGS__); return 1; } while (0)

static struct sockaddr_in lo(void)
{
    return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(PORT),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

/* A listener on 127.0.0.1:PORT, a client connected to it and the server's
 * end: 0, or -1. */
static int pair(int *l, int *c, int *s)
{
    struct sockaddr_in sa = lo();
    *l = socket_server(SOCK_STREAM, PORT, 4);
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (*l < 0 || *c < 0 || connect(*c, (struct sockaddr *)&sa, sizeof sa) != 0)
        return -1;
    *s = accept(*l, NULL, NULL);
    return *s < 0 ? -1 : 0;
}

/* Names, SO_ERROR, empty reads, poll's timeout, PEEK, data then EOF. */
static int basics(void)
{
    int l, c, s;
    if (pair(&l, &c, &s) != 0)
        FAIL("setup: errno %d\n", errno);
    struct sockaddr_in a, b;
    socklen_t al = sizeof a, bl = sizeof b;
    if (getsockname(c, (struct sockaddr *)&a, &al) != 0 || getpeername(s, (struct sockaddr *)&b, &bl) != 0 ||
        a.sin_port != b.sin_port || a.sin_port == 0 || b.sin_addr.s_addr != htonl(INADDR_LOOPBACK))
        FAIL("client port %u, server sees %u\n", ntohs(a.sin_port), ntohs(b.sin_port));
    int err = -1;
    socklen_t el = sizeof err;
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0)
        FAIL("SO_ERROR %d\n", err);
    char buf[8];
    if (recv(s, buf, sizeof buf, MSG_DONTWAIT) != -1 || errno != EAGAIN)
        FAIL("empty recv with MSG_DONTWAIT: errno %d\n", errno);
    struct timeval tv = { 0, 100000 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (recv(s, buf, sizeof buf, 0) != -1 || errno != EAGAIN)
        FAIL("empty recv with SO_RCVTIMEO: errno %d\n", errno);
    struct pollfd p = { .fd = s, .events = POLLIN };
    if (poll(&p, 1, 50) != 0 || p.revents)
        FAIL("poll on nothing: revents 0x%x\n", p.revents);
    if (send(c, "abcdef", 6, 0) != 6 || shutdown(c, SHUT_WR) != 0)
        FAIL("send/shutdown: errno %d\n", errno);
    if (recv(s, buf, 3, MSG_PEEK) != 3 || memcmp(buf, "abc", 3) != 0)
        FAIL("MSG_PEEK\n");
    if (recv(s, buf, sizeof buf, MSG_WAITALL) != 6 || memcmp(buf, "abcdef", 6) != 0)
        FAIL("recv after PEEK\n");
    if (recv(s, buf, sizeof buf, 0) != 0)
        FAIL("no EOF after the peer's FIN (errno %d)\n", errno);
    close(s);
    if (recv(c, buf, sizeof buf, 0) != 0)
        FAIL("client: no EOF after the server's close (errno %d)\n", errno);
    close(c);
    close(l);
    kprintf("selftest: sockstream: names, SO_ERROR, EAGAIN, poll timeout, PEEK, EOF after data: ok\n");
    return 0;
}

/* A reader that does not read stops the sender; reading lets it go on,
 * and every byte arrives in order. */
static int flow_control(void)
{
    int l, c, s;
    uint8_t *buf = kmalloc(CHUNK);
    if (!buf || pair(&l, &c, &s) != 0)
        FAIL("flow: setup: errno %d\n", errno);
    /* Send until the send buffer is full twice in a row, 20 ms apart (the
     * loopback runs in the tcpip thread meanwhile): the receiver's window
     * has closed too. More than a send buffer then left this side. */
    uint32_t sent = 0, got = 0, bad = 0;
    for (int full = 0; sent < FLOOD_MAX && full < 2;) {
        for (int i = 0; i < CHUNK; i++)
            buf[i] = (uint8_t)(sent + i);
        long w = send(c, buf, CHUNK, MSG_DONTWAIT);
        if (w < 0 && errno != EAGAIN)
            FAIL("flow: send errno %d\n", errno);
        full = w < 0 ? full + 1 : 0;
        sent += w > 0 ? (uint32_t)w : 0;
        if (w < 0)
            thread_sleep_ns(20000000);
    }
    if (sent >= FLOOD_MAX || sent <= TCP_SND_BUF_BYTES)
        FAIL("flow: the sender stopped after %u bytes\n", sent);
    kprintf("selftest: sockstream: sender stopped after %u unread bytes\n", sent);
    shutdown(c, SHUT_WR);
    for (long r; (r = recv(s, buf, CHUNK, 0)) > 0; got += (uint32_t)r) {
        for (long i = 0; i < r; i++)
            bad += buf[i] != (uint8_t)(got + i);
    }
    kfree(buf);
    close(s);
    close(c);
    close(l);
    if (got != sent || bad)
        FAIL("flow: got %u of %u bytes, %u wrong\n", got, sent, bad);
    kprintf("selftest: sockstream: flow control: ok\n");
    return 0;
}

/* SO_LINGER 0 resets; so does closing a listener over an unaccepted
 * connection. */
static int resets(void)
{
    int l, c, s;
    if (pair(&l, &c, &s) != 0)
        FAIL("reset: setup: errno %d\n", errno);
    struct linger lg = { 1, 0 };
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(s);
    struct pollfd p = { .fd = c, .events = POLLIN };
    char b;
    if (poll(&p, 1, 2000) != 1 || (p.revents & (POLLERR | POLLHUP)) != (POLLERR | POLLHUP))
        FAIL("reset: poll revents 0x%x\n", p.revents);
    if (recv(c, &b, 1, 0) != -1 || errno != ECONNRESET)
        FAIL("reset: recv errno %d, want ECONNRESET\n", errno);
    if (send(c, "x", 1, 0) != -1 || errno != EPIPE)
        FAIL("reset: send errno %d, want EPIPE\n", errno);
    close(c);

    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = lo();
    if (c2 < 0 || connect(c2, (struct sockaddr *)&sa, sizeof sa) != 0)
        FAIL("reset: second connect: errno %d\n", errno);
    close(l);                           /* c2 was never accepted */
    struct timeval tv = { 2, 0 };
    setsockopt(c2, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (recv(c2, &b, 1, 0) != -1 || errno != ECONNRESET)
        FAIL("listener closed: client recv errno %d, want ECONNRESET\n", errno);
    close(c2);
    kprintf("selftest: sockstream: SO_LINGER 0 and a closed listener reset: ok\n");
    return 0;
}

SELFTEST(sockstream, "TCP sockets over loopback: flow control, EOF, EAGAIN, PEEK, resets")
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        FAIL("no socket (errno %d): is there a NIC, so that lwIP runs?\n", errno);
    close(fd);
    int fails = basics();
    fails += flow_control();
    fails += resets();
    kprintf("selftest: sockstream: %s\n", fails ? "FAIL" : "ok");
    return fails ? 1 : 0;
}
