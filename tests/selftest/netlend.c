/* selftest=rxlend: the lending receive path of the first NIC under buffer
 * exhaustion (net/netdev.h, netdev_rx_lend). A consumer that keeps every
 * lent buffer stands in for a stack whose sockets nobody reads. Paced
 * DHCPDISCOVERs to QEMU's user-mode network bring back more offers than a
 * driver can lend (e1000: E1000_RX_SPARE): the driver must lend until its
 * spares are gone, then copy (netdev_rx), keep its ring full so that every
 * offer still arrives, and lend again once the buffers are released. */
#include "tests/selftest/dhcp_probe.h"
#include "net/netdev.h"
#include "kernel/time/clock.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "kernel/core/selftest.h"

#define LEND_LINK_NS    3000000000ull
#define LEND_FRAMES     400             /* more than any driver here lends */
#define LEND_AFTER      40              /* after the release: lending again */
#define LEND_WINDOW     32              /* unanswered discovers in flight */
#define LEND_HELD_MAX   1024
#define LEND_NS         30000000000ull

struct lend_test {
    uint32_t xid;
    uint64_t offers, lent, copied;
    unsigned nheld;
    struct { void (*release)(void *); void *arg; } held[LEND_HELD_MAX];
};

static void lend_count(struct lend_test *t, const void *frame, size_t len)
{
    struct dhcp_offer o;
    if (dhcp_parse_offer(frame, len, t->xid, &o) == 0)
        t->offers++;
}

static void lend_copy(struct netdev *dev, const void *frame, size_t len, unsigned csum, void *ctx)
{
    (void)dev, (void)csum;
    struct lend_test *t = ctx;
    t->copied++;
    lend_count(t, frame, len);
}

/* Keeps the buffer, as a socket queue would; declines when it has no
 * room to remember it (the driver then copies). */
static bool lend_keep(struct netdev *dev, void *frame, size_t len, unsigned csum,
                      void (*release)(void *), void *arg, void *ctx)
{
    (void)dev, (void)csum;
    struct lend_test *t = ctx;
    if (t->nheld == LEND_HELD_MAX)
        return false;
    t->held[t->nheld].release = release;
    t->held[t->nheld++].arg = arg;
    t->lent++;
    lend_count(t, frame, len);
    return true;
}

static void lend_release_all(struct lend_test *t)
{
    for (unsigned i = 0; i < t->nheld; i++)
        t->held[i].release(t->held[i].arg);
    t->nheld = 0;
}

/* n paced discovers with a fresh xid; returns how many were sent once all
 * offers arrived or the time is up. */
static int lend_burst(struct netdev *nd, struct lend_test *t, int n)
{
    static uint8_t frame[DHCP_PROBE_FRAME_LEN];
    t->xid = (uint32_t)clock_ns() ^ 0x6c656e64u;
    t->offers = 0;
    size_t len = dhcp_build_discover(frame, sizeof frame, nd->mac, t->xid);
    uint64_t deadline = clock_ns() + LEND_NS;
    int sent = 0;
    while (sent < n && clock_ns() < deadline) {
        int r = netdev_xmit(nd, frame, len);
        if (r == 0)
            sent++;
        else if (r != -EBUSY)
            break;
        while ((r == -EBUSY || (uint64_t)sent - t->offers >= LEND_WINDOW) && clock_ns() < deadline) {
            thread_sleep_ns(1000000);
            r = 0;
        }
    }
    while (t->offers < (uint64_t)sent && clock_ns() < deadline)
        thread_sleep_ns(10000000);
    return sent;
}

SELFTEST(rxlend, "lent receive buffers run out: the driver copies, loses nothing, lends again after release")
{
    struct netdev *nd = netdev_get(0);
    if (!nd || netdev_wait_link(nd, LEND_LINK_NS) != 0) {
        kprintf("selftest: rxlend: no network device with link\n");
        return 1;
    }
    static struct lend_test t;
    t = (struct lend_test){ 0 };
    netdev_set_rx(nd, lend_copy, &t);
    netdev_set_rx_buf(nd, lend_keep);
    int sent = lend_burst(nd, &t, LEND_FRAMES);
    uint64_t offers = t.offers, lent = t.lent, copied = t.copied;
    kprintf("selftest: rxlend: %s: sent %d, offers %llu, lent %llu (held), copied %llu\n", nd->name,
            sent, (unsigned long long)offers, (unsigned long long)lent, (unsigned long long)copied);
    lend_release_all(&t);
    uint64_t lent_before = t.lent;
    int sent2 = lend_burst(nd, &t, LEND_AFTER);
    uint64_t lent_after = t.lent - lent_before;
    kprintf("selftest: rxlend: %s: after release: sent %d, offers %llu, lent %llu\n", nd->name, sent2,
            (unsigned long long)t.offers, (unsigned long long)lent_after);
    lend_release_all(&t);
    netdev_set_rx(nd, NULL, NULL);
    bool ok = sent == LEND_FRAMES && offers == (uint64_t)sent && lent > 0 && copied > 0 &&
              lent < LEND_HELD_MAX && sent2 == LEND_AFTER && t.offers == (uint64_t)sent2 &&
              lent_after > 0;
    return ok ? 0 : 1;
}
