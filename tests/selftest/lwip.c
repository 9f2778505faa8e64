/* selftest=dhcp: lwIP end to end. eth0 must get an address by DHCP (QEMU's
 * -netdev user serves 10.0.2.15), then a TCP connection through the
 * loopback netif carries 1 MiB each way, checksummed: socket, bind, listen,
 * accept, connect, send, recv, shutdown, close -- no host address needed.
 * Then the same to eth0's own address, which lwIP loops back on eth0's
 * netif (LWIP_NETIF_LOOPBACK): those packets are made without the
 * checksums the NIC would have inserted, and must still be accepted.
 *
 *   qemu-system-x86_64 -accel tcg -M q35 -netdev user,id=n0 -device e1000,netdev=n0
 *     -kernel build/minnow.elf -append "app=none selftest=dhcp" */
#include "net/socket.h"
#include "net/lwip_netif.h"
#include "kernel/time/clock.h"
#include "lib/fmt.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "kernel/core/selftest.h"

#define DHCP_TEST_WAIT_NS   10000000000ull   /* 10 s */
#define TCP_TEST_PORT       7777
#define TCP_TEST_BYTES      (1u << 20)
#define TCP_TEST_CHUNK      8192

/* The byte at offset i of the test stream. */
static uint8_t pattern(uint32_t i) { return (uint8_t)(i * 7 + (i >> 10)); }

/* Fletcher-style sum: order matters, so reordered or lost bytes show. */
struct sum { uint32_t a, b; };
static void sum_add(struct sum *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->a = (s->a + p[i]) % 65521;
        s->b = (s->b + s->a) % 65521;
    }
}

/* Sends the pattern stream; returns 0 or -1. */
static int send_stream(int fd, struct sum *s)
{
    static uint8_t buf[TCP_TEST_CHUNK];
    for (uint32_t off = 0; off < TCP_TEST_BYTES;) {
        uint32_t n = TCP_TEST_BYTES - off < sizeof buf ? TCP_TEST_BYTES - off : sizeof buf;
        for (uint32_t i = 0; i < n; i++)
            buf[i] = pattern(off + i);
        sum_add(s, buf, n);
        for (uint32_t done = 0; done < n;) {
            long w = send(fd, buf + done, n - done, 0);
            if (w <= 0)
                return -1;
            done += (uint32_t)w;
        }
        off += n;
    }
    return 0;
}

/* Receives until EOF; returns the byte count, or -1. */
static long recv_stream(int fd, struct sum *s)
{
    static uint8_t buf[TCP_TEST_CHUNK];
    long total = 0;
    for (;;) {
        long r = recv(fd, buf, sizeof buf, 0);
        if (r < 0)
            return -1;
        if (r == 0)
            return total;
        sum_add(s, buf, (size_t)r);
        total += r;
    }
}

struct client {
    uint32_t addr;                  /* server, network order */
    struct sum sent, got;
    long got_bytes;
    int err;
    struct semaphore done;
};

/* The client: connect to the server, send 1 MiB, then read the reply. */
static void client_main(void *arg)
{
    struct client *c = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(TCP_TEST_PORT),
                              .sin_addr.s_addr = c->addr };
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        c->err = 1;
    } else if (send_stream(fd, &c->sent) != 0 || shutdown(fd, SHUT_WR) != 0) {
        c->err = 2;
    } else if ((c->got_bytes = recv_stream(fd, &c->got)) < 0) {
        c->err = 3;
    }
    if (fd >= 0)
        close(fd);
    sem_up(&c->done);
}

static int tcp_loopback_test(uint32_t addr, const char *what)
{
    static struct client c;
    c = (struct client){ .addr = addr };
    sem_init(&c.done, 0);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(TCP_TEST_PORT),
                              .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 4) != 0) {
        kprintf("selftest: dhcp: listen on port %d failed (errno %d)\n", TCP_TEST_PORT, errno);
        return 1;
    }
    uint64_t t0 = clock_ns();
    struct thread *t = thread_create("tcptest-client", client_main, &c, 0);
    if (!t)
        return 1;
    thread_detach(t);
    int fd = accept(lfd, NULL, NULL);
    close(lfd);
    struct sum got = { 0 }, sent = { 0 };
    long n = fd >= 0 ? recv_stream(fd, &got) : -1;
    int err = n != TCP_TEST_BYTES || send_stream(fd, &sent) != 0;
    if (fd >= 0)
        close(fd);
    sem_down(&c.done);
    uint64_t us = (clock_ns() - t0) / 1000 + 1;
    if (err || c.err || c.got_bytes != TCP_TEST_BYTES || got.a != c.sent.a || got.b != c.sent.b ||
        sent.a != c.got.a || sent.b != c.got.b) {
        kprintf("selftest: dhcp: %s TCP failed: server got %ld bytes (sum %08x/%08x), client "
                "error %d got %ld bytes (sum %08x/%08x)\n", what, n, got.b << 16 | got.a,
                c.sent.b << 16 | c.sent.a, c.err, c.got_bytes, c.got.b << 16 | c.got.a,
                sent.b << 16 | sent.a);
        return 1;
    }
    kprintf("selftest: dhcp: %s TCP 2 x %u bytes ok (sum %08x) in %llu ms, %llu KiB/s\n", what,
            TCP_TEST_BYTES, got.b << 16 | got.a, (unsigned long long)(us / 1000),
            (unsigned long long)(2ull * TCP_TEST_BYTES * 1000000 / 1024 / us));
    return 0;
}

SELFTEST(dhcp, "lwIP: DHCP address on eth0, then 1 MiB each way over loopback TCP")
{
    if (!net_ready()) {
        kprintf("selftest: dhcp: no network stack (no NIC)\n");
        return 1;
    }
    uint64_t t0 = clock_ns();
    int r = net_wait_addr("eth0", DHCP_TEST_WAIT_NS);
    if (r != 0) {
        kprintf("selftest: dhcp: eth0 has no address after 10 s (%d)\n", r);
        return 1;
    }
    kprintf("selftest: dhcp: eth0 configured in %llu ms\n", (unsigned long long)((clock_ns() - t0) / 1000000));
    if (tcp_loopback_test(htonl(0x7f000001), "loopback"))
        return 1;
    char own[16], what[40];
    net_addr_str("eth0", own, sizeof own);
    fmt_snprintf(what, sizeof what, "own address %s", own);
    struct in_addr a;
    return !inet_aton(own, &a) || tcp_loopback_test(a.s_addr, what);
}
