/* app=echo: the echo service (RFC 862) on TCP and UDP port 7.
 *
 * TCP: one thread per connection (as many at once as a quarter of the free
 * memory allows, at most ECHO_MAX_CONN; the rest wait in the backlog) sends
 * back whatever it receives until the peer closes. UDP: one thread sends
 * each datagram back to where it came from.
 *
 *   qemu-system-x86_64 -accel tcg -M q35 -device e1000,netdev=n0
 *     -netdev user,id=n0,hostfwd=tcp:127.0.0.1:7007-:7,hostfwd=udp:127.0.0.1:7007-:7
 *     -kernel build/minnow.elf -append "app=echo"
 *
 * Sockets: minnow's POSIX layer (net/socket.h).
 *
 * With vsock=PORT the TCP service also runs on that AF_VSOCK port (a
 * virtio-vsock device, vsock/virtio_vsock.c), with or without a NIC. */
#include "kernel/core/app.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "net/lwip_netif.h"
#include "net/socket.h"
#include "net/lwip/pools.h"
#include "kernel/mm/pmm.h"
#include "vsock/vsock.h"

#define ECHO_PORT           7
#define ECHO_NIC            "eth0"
#define ECHO_ADDR_WAIT_NS   (30ull * 1000000000ull)
#define ECHO_MAX_CONN       256
#define ECHO_TCP_BUF        (32 * 1024)
/* A connection's thread stack, buffer, its socket and lwIP's PCB. */
#define ECHO_CONN_COST      (THREAD_STACK_DEFAULT + ECHO_TCP_BUF + 8 * 1024)
#define ECHO_UDP_BUF        65536           /* the largest datagram */
#define ECHO_IDLE_MS        30000

/* --- sockets ----------------------------------------------------------------- */

static int echo_sock_accept(int lfd)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        return fd;
    struct timeval tv = { .tv_sec = ECHO_IDLE_MS / 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

static long echo_sock_recv(int fd, void *buf, size_t len) { return recv(fd, buf, len, 0); }

static void echo_sock_close(int fd) { close(fd); }

/* --- TCP ---------------------------------------------------------------------- */

static struct semaphore conn_slots;

static void tcp_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char *buf = kmalloc(ECHO_TCP_BUF);
    long n = 0;
    while (buf && (n = echo_sock_recv(fd, buf, ECHO_TCP_BUF)) > 0) {
        if (send_all(fd, buf, (size_t)n) < 0) {
            kprintf("echo: send failed (errno %d), closing\n", errno);
            break;
        }
    }
    if (n < 0)
        kprintf("echo: receive failed (errno %d), closing\n", errno);
    kfree(buf);
    echo_sock_close(fd);
    sem_up(&conn_slots);
}

/* --- UDP ---------------------------------------------------------------------- */

static void udp_thread(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char *buf = kmalloc(ECHO_UDP_BUF);
    if (!buf) {
        kprintf("echo: no memory for udp\n");
        return;
    }
    for (;;) {
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        long n = recvfrom(fd, buf, ECHO_UDP_BUF, 0, (struct sockaddr *)&from, &flen);
        if (n >= 0)
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
    }
}

/* Accepts stream connections on lfd forever. */
static void echo_serve(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    for (;;) {
        sem_down(&conn_slots);
        int fd = echo_sock_accept(lfd);
        struct thread *t = fd < 0 ? NULL : thread_create("echo-tcp", tcp_conn, (void *)(intptr_t)fd, 0);
        if (!t) {
            if (fd >= 0)
                echo_sock_close(fd);
            sem_up(&conn_slots);
            thread_sleep_ns(10000000);
            continue;
        }
        thread_detach(t);
    }
}

static int echo_main(void)
{
    uint64_t conns = (uint64_t)pmm_free_pages() * PAGE_SIZE / 4 / ECHO_CONN_COST;
    int pool = (int)net_pools_conns() - 4;
    conns = conns < 2 ? 2 : conns > ECHO_MAX_CONN ? ECHO_MAX_CONN : conns;
    if ((int)conns > pool / 2)
        conns = (uint64_t)(pool / 2 > 1 ? pool / 2 : 1);
    int backlog = pool - (int)conns < 255 ? pool - (int)conns : 255;
    sem_init(&conn_slots, (int)conns);
    /* The start-up lines echo, httpd and iperf share take the app's name as
     * an argument: one string each in the image, not one per app. */
    if (vsock_app_port) {
        int vfd = vsock_server(vsock_app_port, 128);
        struct thread *v = vfd < 0 ? NULL : thread_create("echo-vsock", echo_serve, (void *)(intptr_t)vfd, 0);
        if (!v)
            kprintf("%s: cannot serve vsock port %u: %d\n", "echo", vsock_app_port, vfd);
        else
            kprintf("%s: listening on vsock port %u\n", "echo", vsock_app_port);
    }
    if (net_wait_stack(ECHO_ADDR_WAIT_NS) != 0) {
        kprintf("%s: no network\n", "echo");
        while (vsock_app_port)
            thread_sleep_ns(~0ull >> 1);
        return -ENODEV;
    }
    /* Listening on the any-address before the address comes (lwip_netif.h). */
    int ufd = socket_server(SOCK_DGRAM, ECHO_PORT, 0);
    int lfd = socket_server(SOCK_STREAM, ECHO_PORT, backlog);
    if (ufd < 0 || lfd < 0) {
        kprintf("echo: cannot bind port %d\n", ECHO_PORT);
        return -EADDRINUSE;
    }
    if (net_wait_addr(ECHO_NIC, ECHO_ADDR_WAIT_NS) != 0) {
        kprintf("%s: %s has no address\n", "echo", ECHO_NIC);
        return -ENODEV;
    }
    struct thread *u = thread_create("echo-udp", udp_thread, (void *)(intptr_t)ufd, 0);
    if (!u)
        return -ENOMEM;
    thread_detach(u);
    kprintf("echo: listening on tcp and udp port %d\n", ECHO_PORT);
    echo_serve((void *)(intptr_t)lfd);
    return 0;
}

APP(echo, "TCP and UDP echo (RFC 862) on port 7", echo_main);
