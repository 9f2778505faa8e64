/* app=vsockcat: minnow as a vsock client. Connects to the host (CID 2) at
 * port vsock=PORT, sends vsock_bytes=N bytes of a pattern (i % 251) while
 * reading the echo back, checks every byte and reports:
 *     vsockcat: 2:PORT sent N, echoed N, ok in T ms
 * or the errno (ECONNRESET: nobody listens). With the hybrid backend the
 * host side is a Unix socket "<uds>_PORT" (docs/vsock.md). */
#include "vsock/vsock.h"
#include "kernel/console/kprintf.h"
#include "kernel/core/app.h"
#include "kernel/core/cmdline.h"
#include "kernel/mm/heap.h"
#include "kernel/time/clock.h"

static uint64_t vcat_bytes = 1 << 20;
CMDLINE_OPTION(vsock_bytes, .key = "vsock_bytes", .type = CMDLINE_UINT, .dst = &vcat_bytes,
               .max = 1ull << 40, .help = "app=vsockcat: bytes to send and check");

#define VCAT_CHUNK 8192

static int vcat_main(void)
{
    int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
    struct msock_sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = VSOCK_CID_HOST,
                                   .svm_port = vsock_app_port };
    uint8_t *buf = kmalloc(VCAT_CHUNK);
    uint64_t t0 = clock_ns(), sent = 0, got = 0;
    if (fd < 0 || !buf || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        kprintf("vsockcat: connect to 2:%u: errno %d\n", vsock_app_port, buf ? errno : ENOMEM);
        kfree(buf);
        return -1;
    }
    while (got < vcat_bytes) {
        struct pollfd p = { fd, POLLIN | (sent < vcat_bytes ? POLLOUT : 0), 0 };
        if (poll(&p, 1, 10000) <= 0)
            break;
        if ((p.revents & POLLOUT) && sent < vcat_bytes) {
            uint32_t n = vcat_bytes - sent < VCAT_CHUNK ? (uint32_t)(vcat_bytes - sent) : VCAT_CHUNK;
            for (uint32_t i = 0; i < n; i++)
                buf[i] = (uint8_t)((sent + i) % 251);
            long w = send(fd, buf, n, MSG_DONTWAIT);
            sent += w > 0 ? (uint64_t)w : 0;
        }
        if (p.revents & (POLLIN | POLLHUP)) {
            long r = recv(fd, buf, VCAT_CHUNK, MSG_DONTWAIT);
            if (r <= 0 && r != -1)
                break;
            for (long i = 0; i < r; i++, got++)
                if (buf[i] != (uint8_t)(got % 251)) {
                    kprintf("vsockcat: byte %llu wrong\n", (unsigned long long)got);
                    goto out;
                }
            if (r < 0 && errno != EAGAIN)
                break;
        }
    }
out:
    close(fd);
    kfree(buf);
    kprintf("vsockcat: 2:%u sent %llu, echoed %llu, %s in %llu ms\n", vsock_app_port,
            (unsigned long long)sent, (unsigned long long)got, got == vcat_bytes ? "ok" : "FAILED",
            (unsigned long long)((clock_ns() - t0) / 1000000));
    return got == vcat_bytes ? 0 : -1;
}
APP(vsockcat, "vsock client: sends vsock_bytes to host port vsock= and checks the echo", vcat_main);
