/* app=iperf: an iperf2-compatible TCP server on port 5001, on minnow's
 * sockets (net/socket.h): a thread per connection reads until the client
 * closes and prints one line with the bytes, the time and the rate.
 *
 *   qemu-system-x86_64 -accel tcg -M q35 -netdev user,id=n0,hostfwd=tcp:127.0.0.1:5001-:5001
 *     -device e1000,netdev=n0 -kernel build/minnow.elf -append "app=iperf"
 *   iperf -c 127.0.0.1 -p 5001 -t 3
 *
 * The protocol (iperf 2's include/payloads.h): a client connects and sends
 * its test header -- 24 bytes of big-endian int32 (flags, threads, port,
 * buffer length, window/band, amount; a negative amount is a duration in
 * 10 ms) -- then data until the time is up, and closes. The server only
 * counts; the header's bytes count as data, as iperf's own server counts
 * them. Plain one-way tests only: with -d or -r (flags set in the header)
 * iperf wants the server to connect back to it, which QEMU's user network
 * cannot carry anyway; such a test is counted like any other.
 *
 * The other direction: `iperf_to=ADDR` makes the app also send for 10 s to
 * ADDR:5001 as a client, with the header above (flags 0, one thread, -1000 x
 * 10 ms), as iperf -c -t 10 would (under QEMU's user network 10.0.2.2 is the
 * host's 127.0.0.1, where `iperf -s` listens). */
#include "kernel/core/app.h"
#include "kernel/core/cmdline.h"
#include "kernel/console/kprintf.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/sched/sched.h"
#include "kernel/time/clock.h"
#include "lib/string.h"
#include "net/lwip_netif.h"
#include "net/socket.h"

#define IPERF_NIC           "eth0"
#define IPERF_PORT          5001
#define IPERF_BUF           (64 * 1024)
#define IPERF_SEND_NS       (10ull * 1000000000ull)
#define IPERF_IDLE_S        30
#define IPERF_ADDR_WAIT_NS  (30ull * 1000000000ull)

static char opt_to[16];
CMDLINE_OPTION(iperf_to, .key = "iperf_to", .type = CMDLINE_STR, .dst = opt_to,
               .dst_size = sizeof opt_to, .help = "app=iperf also sends 10 s to ADDR:5001");

/* "iperf: N bytes in M ms, K kbit/s (from A.B.C.D:P)[, why]" */
static void report(uint64_t bytes, uint64_t t0, const struct sockaddr_in *peer, const char *why)
{
    uint64_t ms = (clock_ns() - t0) / 1000000;
    const uint8_t *a = (const uint8_t *)&peer->sin_addr.s_addr;
    kprintf("iperf: %llu bytes in %llu ms, %llu kbit/s (from %u.%u.%u.%u:%u)%s\n",
            (unsigned long long)bytes, (unsigned long long)ms,
            (unsigned long long)(ms ? bytes * 8 / ms : 0), a[0], a[1], a[2], a[3],
            ntohs(peer->sin_port), why);
}

/* One client's test: read until it closes. */
static void iperf_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct sockaddr_in peer = { 0 };
    socklen_t plen = sizeof peer;
    getpeername(fd, (struct sockaddr *)&peer, &plen);
    struct timeval tv = { .tv_sec = IPERF_IDLE_S };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint8_t *buf = kmalloc(IPERF_BUF);
    uint64_t t0 = clock_ns(), bytes = 0;
    long n = 0;
    while (buf && (n = recv(fd, buf, IPERF_BUF, 0)) > 0)
        bytes += (uint64_t)n;
    report(bytes, t0, &peer, n < 0 ? ", aborted by the peer" : "");
    kfree(buf);
    close(fd);
}

/* iperf_to=: 10 s of data to ADDR:5001 after iperf's test header. */
static void iperf_client(void *arg)
{
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(IPERF_PORT) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    uint8_t *buf = kzalloc(IPERF_BUF);
    (void)arg;
    if (!buf || fd < 0 || !inet_aton(opt_to, &to.sin_addr) ||
        connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
        kprintf("iperf: cannot connect to %s:%d\n", opt_to, IPERF_PORT);
        goto out;
    }
    kprintf("iperf: sending to %s:%d\n", opt_to, IPERF_PORT);
    const uint32_t hdr[6] = { 0, htonl(1), htonl(IPERF_PORT), 0, 0, htonl((uint32_t)-1000) };
    uint64_t t0 = clock_ns(), bytes = 0;
    memcpy(buf, hdr, sizeof hdr);
    while (clock_ns() - t0 < IPERF_SEND_NS && send_all(fd, buf, IPERF_BUF) == 0) {
        bytes += IPERF_BUF;
        memset(buf, 0, sizeof hdr);
    }
    report(bytes, t0, &to, clock_ns() - t0 < IPERF_SEND_NS ? ", aborted (transmit error)" : ", client done");
out:
    if (fd >= 0)
        close(fd);
    kfree(buf);
}

static int iperf_main(void)
{
    if (net_wait_addr(IPERF_NIC, IPERF_ADDR_WAIT_NS) != 0) {
        kprintf("%s: %s has no address\n", "iperf", IPERF_NIC);
        return -ENODEV;
    }
    int lfd = socket_server(SOCK_STREAM, IPERF_PORT, 8);
    if (lfd < 0) {
        kprintf("iperf: cannot listen on port %d\n", IPERF_PORT);
        return lfd;
    }
    char addr[16];
    net_addr_str(IPERF_NIC, addr, sizeof addr);
    kprintf("iperf: listening on %s:%d\n", addr, IPERF_PORT);
    struct thread *c = opt_to[0] ? thread_create("iperf-client", iperf_client, NULL, 0) : NULL;
    if (c)
        thread_detach(c);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        struct thread *t = fd < 0 ? NULL : thread_create("iperf", iperf_conn, (void *)(intptr_t)fd, 0);
        if (t) {
            thread_detach(t);
        } else {
            if (fd >= 0)
                close(fd);
            thread_sleep_ns(10000000);
        }
    }
}
APP(iperf, "iperf2-compatible TCP server on port 5001", iperf_main);
