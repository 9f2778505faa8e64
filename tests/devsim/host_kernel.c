/* Hosted stand-ins for the kernel services a PCI NIC driver uses, so that
 * net/e1000.c builds unchanged into a Linux test program (see host.h):
 *   clock      clock_ns() advances 1 us per call (a driver polling a
 *              register with a deadline gets there); thread_sleep_ns
 *              advances it by the time slept
 *   threads    thread_create records the thread and never runs it: the
 *              test calls the driver's service function instead
 *   semaphores counts, as the kernel's (sem_down on 0 fails the test:
 *              it would block forever)
 *   heap       kmalloc/kfree over malloc, counted for leak checks
 *   log        kprintf/klog into a buffer the test can search
 *   netdev     the driver side of net/netdev.h, recording frames and link
 *              changes (the registry is per test, so freed devices never
 *              stay linked); lent receive buffers are kept when host.lend
 *              is set, and a frame goes down as one segment with the
 *              checksum requests the stack would make (host_xmit)
 * Real implementations: kernel/time/clock.c, kernel/sched/, kernel/mm/heap.c,
 * kernel/console/kprintf.c, net/netdev.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/devsim/host.h"
#include "tests/unit/test.h"
#include "kernel/console/kprintf.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/sched/sched.h"
#include "kernel/time/clock.h"
#include "lib/fmt.h"

struct host_state host;
int kernel_loglevel = LOG_INFO;
static char log_buf[1 << 16];
static size_t log_len;
static struct thread fake_thread;

/* ---- Clock and threads ---------------------------------------------------- */

uint64_t clock_ns(void) { return host.now_ns += 1000; }
void thread_sleep_ns(uint64_t ns) { host.now_ns += ns; host.sleeps++; }
void thread_yield(void) { host.yields++; }
void sched_timer_add(struct sched_timer *st, uint64_t deadline_ns) { (void)st, (void)deadline_ns, host.timer_adds++; }

struct thread *thread_create(const char *name, void (*fn)(void *arg), void *arg, size_t stack)
{
    (void)stack;
    if (host.fail_thread_create)
        return NULL;
    snprintf(fake_thread.name, sizeof fake_thread.name, "%s", name);
    host.thread_fn = fn, host.thread_arg = arg;
    host.threads++;
    return &fake_thread;
}

void thread_detach(struct thread *t) { (void)t; }
int thread_join(struct thread *t) { (void)t; return 0; }     /* never ran */

void sem_up(struct semaphore *s) { s->count++; }

bool sem_trydown(struct semaphore *s)
{
    if (!s->count)
        return false;
    s->count--;
    return true;
}

void sem_down(struct semaphore *s)
{
    if (!s->count) {
        test_fail(__FILE__, __LINE__, "sem_down would block forever (hosted)");
        return;
    }
    s->count--;
}

/* ---- Heap ------------------------------------------------------------------ */

void *kmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p)
        host.heap_live++;
    return p;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    host.heap_live--;
    free(p);
}

/* ---- Log ------------------------------------------------------------------------ */

void kvprintf(const char *fmt, va_list ap)
{
    if (log_len > sizeof log_buf - 512)
        log_len = 0;                    /* keep the latest lines */
    int n = fmt_vsnprintf(log_buf + log_len, sizeof log_buf - log_len, fmt, ap);
    if (n > 0)
        log_len += (size_t)n < sizeof log_buf - log_len ? (size_t)n : sizeof log_buf - log_len - 1;
    if (host.echo_log)
        fputs(log_buf + log_len - (n > 0 ? (size_t)n : 0), stderr);
}

bool host_log_has(const char *text) { return strstr(log_buf, text) != NULL; }

unsigned host_log_count(const char *text)
{
    unsigned n = 0;
    for (const char *p = log_buf; (p = strstr(p, text)) != NULL; p++)
        n++;
    return n;
}

/* ---- netdev (driver side) ------------------------------------------------------ */

int netdev_register(struct netdev *dev)
{
    if (!dev || !dev->ops || !dev->ops->xmit)
        return -EINVAL;
    dev->index = host.netdevs++;
    fmt_snprintf(dev->name, sizeof dev->name, "eth%d", dev->index);
    host.nd = dev;
    return 0;
}

void netdev_rx(struct netdev *dev, const void *frame, size_t len, unsigned csum)
{
    /* Read every byte, as the stack's copy does: a length past the
     * driver's buffer is then an ASan report here. */
    const volatile uint8_t *p = frame;
    uint8_t x = 0;
    for (size_t i = 0; i < len; i++)
        x ^= p[i];
    host.rx_xor ^= x;
    dev->stats.rx_packets++;
    dev->stats.rx_bytes += len;
    if (csum)
        dev->stats.rx_csum_ok++;
    if (host.rx_count < HOST_RX_KEEP) {
        struct host_rx *r = &host.rx[host.rx_count];
        r->len = len;
        r->csum = csum;
        memcpy(r->data, frame, len < sizeof r->data ? len : sizeof r->data);
    }
    host.rx_count++;
}

/* Lending: with host.lend the buffer is kept (counted as received, then
 * released by host_release_lent); otherwise the frame takes the copy path,
 * as with a stack that has no lending consumer. */
bool netdev_rx_lend(struct netdev *dev, void *frame, size_t len, unsigned csum,
                    void (*release)(void *arg), void *arg)
{
    netdev_rx(dev, frame, len, csum);
    if (!host.lend || host.lent_held >= HOST_RX_KEEP)
        return false;
    host.held[host.lent_held].release = release;
    host.held[host.lent_held++].arg = arg;
    dev->stats.rx_lent++;
    return true;
}

void host_release_lent(void)
{
    for (unsigned i = 0; i < host.lent_held; i++)
        host.held[i].release(host.held[i].arg);
    host.lent_held = 0;
}

void netdev_frame_gather(const struct netdev_frame *f, void *dst)
{
    uint8_t *d = dst;
    for (unsigned i = 0; i < f->nsegs; i++) {
        memcpy(d, f->segs[i].data, f->segs[i].len);
        d += f->segs[i].len;
    }
}

int netdev_unregister(struct netdev *dev)
{
    if (host.nd == dev)
        host.nd = NULL;
    return 0;
}

int host_xmit(struct netdev *nd, const void *frame, size_t len)
{
    const uint8_t *b = frame;
    struct netdev_seg seg = { frame, len };
    struct netdev_frame f = { .segs = &seg, .nsegs = 1, .len = len };
    if (len >= 34 && b[12] == 0x08 && b[13] == 0x00 && (b[14] >> 4) == 4) {
        unsigned hl = (b[14] & 0xFu) * 4;
        bool fragment = (b[20] & 0x3Fu) || b[21];
        f.flags = NETDEV_TX_CSUM_IP;
        f.l3_off = 14;
        if (b[23] == 6 && !fragment && hl >= 20 && len >= 14 + hl + 20) {
            f.flags |= NETDEV_TX_CSUM_TCP;
            f.l4_off = (uint16_t)(14 + hl);
        }
    }
    return nd->ops->xmit(nd, &f);
}

void netdev_set_link(struct netdev *dev, bool up, unsigned speed_mbps)
{
    if (dev->link_up == up && (!up || dev->speed_mbps == speed_mbps))
        return;
    dev->link_up = up;
    dev->speed_mbps = up ? speed_mbps : 0;
    if (host.link_events < HOST_LINK_KEEP)
        host.link[host.link_events] = (struct host_link){ up, up ? speed_mbps : 0 };
    host.link_events++;
}

void netdev_format_mac(const uint8_t mac[6], char *buf, size_t size)
{
    fmt_snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                 mac[4], mac[5]);
}

/* ---- Per test --------------------------------------------------------------------- */

void host_reset(void)
{
    long heap = host.heap_live;
    free(host.rx);
    memset(&host, 0, sizeof host);
    host.heap_live = heap;          /* what a test left allocated stays counted */
    host.rx = calloc(HOST_RX_KEEP, sizeof *host.rx);
    host.now_ns = 1000000000ull;
    log_len = 0;
    log_buf[0] = 0;
    fake_thread = (struct thread){ 0 };
}
