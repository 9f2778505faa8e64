/* selftest=net: proves the first NIC sends and receives with real
 * interrupts, before any network stack: broadcast a hand-built
 * DHCPDISCOVER and wait for the DHCPOFFER. Under QEMU's user-mode network
 * (-netdev user) the offer comes from QEMU's built-in DHCP server (10.0.2.2
 * offering 10.0.2.15); no host network is involved. */
#include "tests/selftest/dhcp_probe.h"
#include "net/netdev.h"
#include "kernel/time/clock.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "kernel/core/selftest.h"

#define NET_TEST_LINK_NS   3000000000ull
#define NET_TEST_TRIES     3
#define NET_TEST_WAIT_NS   1000000000ull    /* per try: 3 s in all */

struct net_test {
    uint32_t xid;
    struct dhcp_offer offer;
    bool got;
    uint64_t frames;
    uint64_t offers;                /* every matching offer (netburst) */
    struct semaphore done;
};

/* Runs in the driver's thread: parse in place, keep only our offer. */
static void net_test_rx(struct netdev *dev, const void *frame, size_t len, unsigned csum, void *ctx)
{
    (void)dev, (void)csum;
    struct net_test *t = ctx;
    t->frames++;
    if (dhcp_parse_offer(frame, len, t->xid, &t->offer) != 0)
        return;
    t->offers++;
    if (!t->got) {
        t->got = true;
        sem_up(&t->done);
    }
}

SELFTEST(net, "DHCPDISCOVER on the first NIC; expects an offer (QEMU -netdev user)")
{
    struct netdev *nd = netdev_get(0);
    if (!nd) {
        kprintf("selftest: net: no network device\n");
        return 1;
    }
    if (netdev_wait_link(nd, NET_TEST_LINK_NS) != 0) {
        kprintf("selftest: net: %s: link still down after 3 s\n", nd->name);
        return 1;
    }
    static uint8_t frame[DHCP_PROBE_FRAME_LEN];
    static struct net_test t;
    t = (struct net_test){ .xid = (uint32_t)clock_ns() ^ 0x6d696e6eu };
    sem_init(&t.done, 0);
    netdev_set_rx(nd, net_test_rx, &t);
    size_t len = dhcp_build_discover(frame, sizeof frame, nd->mac, t.xid);
    int r = -ETIMEDOUT;
    for (int i = 0; i < NET_TEST_TRIES && r != 0; i++) {
        int x = netdev_xmit(nd, frame, len);
        if (x != 0)
            kprintf("selftest: net: %s: xmit failed (%d)\n", nd->name, x);
        r = sem_down_timeout(&t.done, NET_TEST_WAIT_NS);
    }
    netdev_set_rx(nd, NULL, NULL);
    if (r != 0) {
        kprintf("selftest: net: %s: no DHCPOFFER (%llu frames received, xid 0x%08x)\n", nd->name,
                (unsigned long long)t.frames, t.xid);
        return 1;
    }
    char yi[16], srv[16];
    dhcp_format_ip(t.offer.yiaddr, yi, sizeof yi);
    dhcp_format_ip(t.offer.server_id, srv, sizeof srv);
    kprintf("selftest: net: %s: DHCPOFFER %s from server %s (xid 0x%08x)\n", nd->name, yi, srv,
            t.xid);
    kprintf("selftest: net: %s: rx %llu packets, tx %llu packets\n", nd->name,
            (unsigned long long)nd->stats.rx_packets, (unsigned long long)nd->stats.tx_packets);
    return 0;
}

#define NET_BURST_FRAMES 600                /* > 2x the rx ring, > 4x the tx ring */
#define NET_BURST_NS     20000000000ull
#define NET_BURST_WINDOW 32                 /* paced: discovers in flight */

/* Sends n discovers with a fresh xid and waits for the offers; `paced`
 * keeps at most NET_BURST_WINDOW unanswered, otherwise the replies can
 * outrun the rx ring and the device drops them (ICR.RXO). Returns the
 * offers received. */
static uint64_t net_burst(struct netdev *nd, struct net_test *t, int n, bool paced, int *sent,
                          uint64_t *busy)
{
    static uint8_t frame[DHCP_PROBE_FRAME_LEN];
    *t = (struct net_test){ .xid = (uint32_t)clock_ns() ^ 0x62757273u };
    sem_init(&t->done, 0);
    netdev_set_rx(nd, net_test_rx, t);
    size_t len = dhcp_build_discover(frame, sizeof frame, nd->mac, t->xid);
    uint64_t deadline = clock_ns() + NET_BURST_NS;
    *sent = 0;
    *busy = 0;
    while (*sent < n && clock_ns() < deadline) {
        int r = netdev_xmit(nd, frame, len);
        if (r == -EBUSY) {
            (*busy)++;
            thread_sleep_ns(1000000);
            continue;
        }
        if (r != 0) {
            kprintf("selftest: netburst: xmit failed (%d)\n", r);
            break;
        }
        (*sent)++;
        /* Paced: at most NET_BURST_WINDOW unanswered, as QEMU's user
         * network hands over its replies in bursts, all at once. */
        while (paced && (uint64_t)*sent - t->offers >= NET_BURST_WINDOW && clock_ns() < deadline)
            thread_sleep_ns(1000000);
    }
    /* Wait for the offers: all of them, or (an overflowed burst never
     * gets them all) until none came for a second after the first. NOTE:
     * QEMU's user network can take hundreds of ms to answer a burst. */
    uint64_t last = 0, idle_since = clock_ns();
    while (t->offers < (uint64_t)*sent && clock_ns() < deadline) {
        thread_sleep_ns(50000000);
        if (t->offers != last) {
            last = t->offers;
            idle_since = clock_ns();
        } else if (last > 0 && clock_ns() - idle_since > 1000000000ull) {
            break;
        }
    }
    netdev_set_rx(nd, NULL, NULL);
    return t->offers;
}

/* selftest=netburst: 600 DHCPDISCOVERs, so that both rings wrap several
 * times. First unpaced, overflowing the rx ring on purpose (the 8254x
 * models drop what does not fit and flag RXO; the driver must recover and
 * at least some offers arrive), then paced, where every discover must be
 * answered. */
SELFTEST(netburst, "600 DHCPDISCOVERs after an rx overflow; every offer must arrive")
{
    struct netdev *nd = netdev_get(0);
    if (!nd || netdev_wait_link(nd, NET_TEST_LINK_NS) != 0) {
        kprintf("selftest: netburst: no network device with link\n");
        return 1;
    }
    static struct net_test t;
    int sent;
    uint64_t busy;
    uint64_t got = net_burst(nd, &t, NET_BURST_FRAMES, false, &sent, &busy);
    kprintf("selftest: netburst: %s: unpaced: sent %d, offers %llu, tx ring full %llu times\n",
            nd->name, sent, (unsigned long long)got, (unsigned long long)busy);
    if (got == 0)
        return 1;
    got = net_burst(nd, &t, NET_BURST_FRAMES, true, &sent, &busy);
    kprintf("selftest: netburst: %s: paced: sent %d, offers %llu, tx ring full %llu times\n",
            nd->name, sent, (unsigned long long)got, (unsigned long long)busy);
    kprintf("selftest: netburst: %s: rx %llu dropped %llu errors %llu, tx %llu\n", nd->name,
            (unsigned long long)nd->stats.rx_packets, (unsigned long long)nd->stats.rx_dropped,
            (unsigned long long)nd->stats.rx_errors, (unsigned long long)nd->stats.tx_packets);
    return sent == NET_BURST_FRAMES && got == (uint64_t)sent ? 0 : 1;
}
