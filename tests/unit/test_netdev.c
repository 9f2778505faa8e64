/* Host tests for the NIC registry and frame rules (net/netdev.c): names
 * by lowest free index, register/unregister with the stack's attach and
 * detach hooks, holds that unregister waits for, segment-chain checks,
 * gathering, and the lending receive path with its copying fallback.
 * Kernel services (wait queues, logging) are stand-ins here: a wait on
 * the hold queue runs a "holder" that puts its reference, as another
 * thread would. */
#include <stdarg.h>
#include "test.h"
#include "net/netdev.h"
#include "kernel/errno.h"

/* ---- Kernel stand-ins -------------------------------------------------- */

int kernel_loglevel = 0;
static char logbuf[4096];
static size_t loglen;

void klog(int level, const char *fmt, ...)
{
    (void)level;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(logbuf + loglen, sizeof logbuf - loglen, fmt, ap);
    va_end(ap);
    if (n > 0 && loglen + (size_t)n < sizeof logbuf)
        loglen += (size_t)n;
}

void kprintf(const char *fmt, ...)
{
    (void)fmt;
}

static struct netdev *holder;           /* puts one reference per wait */
static int waits, wakes;

uint64_t sched_deadline_after(uint64_t ns) { return ns; }
int waitq_wake_all(struct waitq *wq)
{
    (void)wq;
    wakes++;
    return 0;
}
int waitq_wait_until(struct waitq *wq, uint64_t deadline)
{
    (void)wq, (void)deadline;
    waits++;
    if (!holder)
        return -ETIMEDOUT;
    netdev_put(holder);
    return 0;
}

/* ---- A fake driver and stack ------------------------------------------- */

static struct {
    int xmits, attached, detached;
    uint8_t frame[2048];
    size_t len;
    unsigned flags;
} drv;

static int fake_xmit(struct netdev *dev, const struct netdev_frame *f)
{
    (void)dev;
    drv.xmits++;
    drv.len = f->len;
    drv.flags = f->flags;
    netdev_frame_gather(f, drv.frame);
    return 0;
}
static const struct netdev_ops ops = { .xmit = fake_xmit };

static int attach(struct netdev *d)
{
    (void)d;
    drv.attached++;
    return 0;
}
static void detach(struct netdev *d)
{
    (void)d;
    drv.detached++;
}

static void reset(struct netdev *devs, int n)
{
    memset(&drv, 0, sizeof drv);
    for (int i = 0; i < n; i++)
        devs[i] = (struct netdev){ .ops = &ops };
    holder = NULL;
    waits = wakes = 0;
    loglen = 0;
}

/* ---- Registry ------------------------------------------------------------ */

TEST(names_take_the_lowest_free_index)
{
    static struct netdev d[3];
    reset(d, 3);
    netdev_set_stack(attach, detach);
    CHECK_EQ(netdev_register(&d[0]), 0);
    CHECK_EQ(netdev_register(&d[1]), 0);
    CHECK_STR(d[0].name, "eth0");
    CHECK_STR(d[1].name, "eth1");
    CHECK_EQ(drv.attached, 2);
    CHECK_EQ(netdev_count(), 2);
    CHECK_EQ(netdev_unregister(&d[0]), 0);
    CHECK_EQ(drv.detached, 1);
    CHECK(netdev_find("eth0") == NULL);
    CHECK(netdev_get(0) == &d[1]);              /* the i-th present one */
    CHECK_EQ(netdev_register(&d[2]), 0);        /* a new NIC reuses eth0 */
    CHECK_STR(d[2].name, "eth0");
    CHECK(netdev_find("eth0") == &d[2]);
    CHECK(netdev_get(0) == &d[2] && netdev_get(1) == &d[1] && netdev_get(2) == NULL);
    CHECK_EQ(netdev_unregister(&d[2]), 0);
    CHECK_EQ(netdev_unregister(&d[1]), 0);
    CHECK_EQ(netdev_count(), 0);
    netdev_set_stack(NULL, NULL);
}

TEST(register_refuses_what_it_cannot_name)
{
    static struct netdev d[NETDEV_MAX + 1];
    static const struct netdev_ops no_xmit = { 0 };
    reset(d, NETDEV_MAX + 1);
    CHECK_EQ(netdev_register(NULL), -EINVAL);
    struct netdev bad = { .ops = &no_xmit };
    CHECK_EQ(netdev_register(&bad), -EINVAL);
    for (int i = 0; i < NETDEV_MAX; i++)
        CHECK_EQ(netdev_register(&d[i]), 0);
    CHECK_EQ(netdev_register(&d[0]), -EBUSY);   /* twice */
    CHECK_EQ(netdev_register(&d[NETDEV_MAX]), -ENOSPC);
    CHECK_STR(d[NETDEV_MAX - 1].name, "eth15");
    for (int i = 0; i < NETDEV_MAX; i++)
        CHECK_EQ(netdev_unregister(&d[i]), 0);
    CHECK_EQ(netdev_unregister(&d[0]), -EINVAL);    /* not registered any more */
    CHECK_EQ(netdev_unregister(&bad), -EINVAL);
}

/* Unregister returns only once every hold is put; once it began, no new
 * hold is granted, sends fail and callbacks are gone. */
TEST(unregister_waits_for_holders)
{
    static struct netdev d;
    reset(&d, 1);
    CHECK_EQ(netdev_register(&d), 0);
    CHECK(netdev_hold(&d));
    CHECK(netdev_hold(&d));
    CHECK_EQ(d.refs, 2);
    holder = &d;
    CHECK_EQ(netdev_unregister(&d), 0);
    CHECK_EQ(d.refs, 0);
    CHECK_EQ(waits, 2);                         /* one wait per put */
    CHECK(!netdev_hold(&d));
    uint8_t f[64] = { 0 };
    CHECK_EQ(netdev_xmit(&d, f, sizeof f), -ENODEV);
    CHECK_EQ(drv.xmits, 0);
    netdev_put(&d);                             /* an extra put is ignored */
    CHECK_EQ(d.refs, 0);
    CHECK(strstr(logbuf, "eth0: removed") != NULL);
}

/* ---- Transmit ------------------------------------------------------------ */

static uint8_t hdr[54], body[1000];

static struct netdev_frame chain(struct netdev_seg *s, unsigned n)
{
    struct netdev_frame f = { .segs = s, .nsegs = n };
    for (unsigned i = 0; i < n; i++)
        f.len += s[i].len;
    return f;
}

TEST(segment_chains_are_checked)
{
    static struct netdev d;
    reset(&d, 1);
    CHECK_EQ(netdev_register(&d), 0);
    struct netdev_seg s[NETDEV_TX_SEGS_MAX + 1];
    for (unsigned i = 0; i <= NETDEV_TX_SEGS_MAX; i++)
        s[i] = (struct netdev_seg){ body, 10 };
    s[0] = (struct netdev_seg){ hdr, sizeof hdr };
    struct netdev_frame f = chain(s, 3);
    CHECK_EQ(netdev_frame_check(&d, &f), 0);
    f = chain(s, 0);
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);             /* no segment */
    f = chain(s, NETDEV_TX_SEGS_MAX + 1);
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);             /* too many */
    f = chain(s, 3);
    f.len++;
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);             /* lengths disagree */
    f.len -= 2;
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);
    s[1].len = 0;
    f = chain(s, 3);
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);             /* empty segment */
    s[1] = (struct netdev_seg){ NULL, 10 };
    f = chain(s, 3);
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);             /* no data */
    s[1] = (struct netdev_seg){ body, 10 };
    struct netdev_seg big[2] = { { hdr, sizeof hdr }, { body, 1500 } };
    f = chain(big, 2);
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);             /* 1554 > 14 + 4 + 1500 */
    big[1].len = 1500 - sizeof hdr + 18;
    f = chain(big, 2);
    CHECK_EQ(netdev_frame_check(&d, &f), 0);                   /* exactly the limit */
    struct netdev_seg tiny = { hdr, 13 };
    f = chain(&tiny, 1);
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);             /* shorter than a header */
    CHECK_EQ(netdev_xmit_frame(&d, &f), -EINVAL);
    CHECK_EQ(d.stats.tx_dropped, 1);
    CHECK_EQ(drv.xmits, 0);
    CHECK_EQ(netdev_unregister(&d), 0);
}

/* Offload requests: headers the device edits must lie in the first
 * segment, TCP after a whole IPv4 header. */
TEST(offload_requests_need_their_headers_in_segment_0)
{
    static struct netdev d;
    reset(&d, 1);
    CHECK_EQ(netdev_register(&d), 0);
    struct netdev_seg s[2] = { { hdr, sizeof hdr }, { body, 100 } };
    struct netdev_frame f = chain(s, 2);
    f.flags = NETDEV_TX_CSUM_IP | NETDEV_TX_CSUM_TCP;
    f.l3_off = 14;
    f.l4_off = 34;
    CHECK_EQ(netdev_frame_check(&d, &f), 0);
    f.l4_off = 30;                                              /* inside the IP header */
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);
    f.l4_off = 40;                                              /* TCP header past segment 0 */
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);
    f.flags = NETDEV_TX_CSUM_IP;                                /* IP only: l4 unused */
    CHECK_EQ(netdev_frame_check(&d, &f), 0);
    f.l3_off = 40;
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);
    f.l3_off = 10;                                              /* inside the Ethernet header */
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);
    f.l3_off = 14;
    f.flags = 1u << 7;                                          /* unknown request */
    CHECK_EQ(netdev_frame_check(&d, &f), -EINVAL);
    CHECK_EQ(netdev_unregister(&d), 0);
}

TEST(chains_reach_the_driver_gathered_in_order)
{
    static struct netdev d;
    reset(&d, 1);
    CHECK_EQ(netdev_register(&d), 0);
    for (unsigned i = 0; i < sizeof hdr; i++)
        hdr[i] = (uint8_t)i;
    for (unsigned i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(sizeof hdr + i);
    struct netdev_seg s[4] = { { hdr, sizeof hdr }, { body, 1 }, { body + 1, 299 }, { body + 300, 700 } };
    struct netdev_frame f = chain(s, 4);
    f.flags = NETDEV_TX_CSUM_IP;
    f.l3_off = 14;
    CHECK_EQ(netdev_xmit_frame(&d, &f), 0);
    CHECK_EQ(drv.xmits, 1);
    CHECK_EQ(drv.len, sizeof hdr + sizeof body);
    CHECK_EQ(drv.flags, NETDEV_TX_CSUM_IP);
    bool same = true;
    for (size_t i = 0; i < drv.len; i++)
        same &= drv.frame[i] == (uint8_t)i;
    CHECK(same);
    CHECK_EQ(d.refs, 0);                        /* the send's hold is put */
    CHECK_EQ(netdev_unregister(&d), 0);
}

/* ---- Receive -------------------------------------------------------------- */

static int copies, releases;
static bool take;

static void rx_copy(struct netdev *dev, const void *f, size_t len, unsigned csum, void *ctx)
{
    (void)dev, (void)f, (void)len, (void)csum, (void)ctx;
    copies++;
}

static bool rx_lend(struct netdev *dev, void *f, size_t len, unsigned csum, void (*release)(void *),
                    void *arg, void *ctx)
{
    (void)dev, (void)f, (void)len, (void)csum, (void)ctx;
    if (take)
        release(arg);                           /* done at once, as a freed pbuf would be */
    return take;
}

static void release_buf(void *arg)
{
    (void)arg;
    releases++;
}

TEST(lent_frames_fall_back_to_copies)
{
    static struct netdev d;
    static uint8_t buf[64];
    reset(&d, 1);
    copies = releases = 0;
    CHECK_EQ(netdev_register(&d), 0);
    CHECK(!netdev_rx_lend(&d, buf, sizeof buf, 0, release_buf, NULL));     /* nobody listens */
    CHECK_EQ(d.stats.rx_dropped, 1);
    netdev_set_rx(&d, rx_copy, NULL);
    CHECK(!netdev_rx_lend(&d, buf, sizeof buf, 0, release_buf, NULL));     /* copy-only stack */
    CHECK_EQ(copies, 1);
    netdev_set_rx_buf(&d, rx_lend);
    take = true;
    CHECK(netdev_rx_lend(&d, buf, sizeof buf, NETDEV_RX_CSUM_IP_OK, release_buf, NULL));
    CHECK_EQ(releases, 1);
    CHECK_EQ(d.stats.rx_lent, 1);
    CHECK_EQ(d.stats.rx_csum_ok, 1);
    take = false;                               /* the stack has no wrapper left */
    CHECK(!netdev_rx_lend(&d, buf, sizeof buf, 0, release_buf, NULL));
    CHECK_EQ(copies, 2);
    CHECK_EQ(d.stats.rx_packets, 4);
    netdev_set_rx(&d, rx_copy, NULL);           /* a copying consumer turns lending off */
    CHECK(d.rx_buf == NULL);
    CHECK_EQ(netdev_unregister(&d), 0);
    CHECK(d.rx == NULL);
    netdev_rx(&d, buf, sizeof buf, 0);          /* after unregister: dropped */
    CHECK_EQ(copies, 2);
}
