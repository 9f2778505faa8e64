/* Ring flow control of hv/ring.c checked against the rules of the two
 * reference implementations, written out here on their own (expected values
 * never come from hv/ring.c):
 *
 *  - Linux drivers/hv/ring_buffer.c hv_pkt_iter_close: with F = data size
 *    - used bytes and P = the producer's pending_send_sz, the consumer
 *    signals iff F_old <= P < F_new; hv_ringbuffer_write writes L bytes
 *    only when F > L.
 *  - openvmm vm/devices/vmbus/vmbus_ring/src/lib.rs: ring_free = F - 8; a
 *    producer writes L bytes when ring_free >= L (OutgoingRing::write) and
 *    is owed a signal once ring_free >= P (writer_needs_signal); the
 *    consumer signals iff old_free < (P & ~7) <= new_free (commit_read).
 *    Its host sets P = max(L, (data size - 8) / 4) rounded up to 8
 *    (vm/devices/vmbus/vmbus_async/src/core.rs).
 *
 * The model check runs the guest's consumer against an openvmm producer
 * and the guest's producer against an openvmm consumer, with random ring
 * and packet sizes, and counts lost wake-ups (a producer blocked for good
 * with enough space free) and premature ones (woken before it fits). */
#include <stdlib.h>
#include "hv/ring.h"
#include "kernel/errno.h"
#include "tests/unit/test.h"

#define PAGE 4096u

struct tring {
    void *mem;
    struct vmbus_ring r;
};

static void tring_init(struct tring *t, size_t data_pages)
{
    t->mem = aligned_alloc(PAGE, (data_pages + 1) * PAGE);
    memset(t->mem, 0, (data_pages + 1) * PAGE);
    vmbus_ring_init(&t->r, t->mem, data_pages + 1);
}

/* F: data size - used, from the indices (the reference definition). */
static uint32_t model_f(const struct tring *t)
{
    uint32_t d = t->r.size, w = t->r.ctl->write_index, rd = t->r.ctl->read_index;
    return d - (w + d - rd) % d;
}

/* Bytes a packet with `payload` bytes occupies: descriptor, padded
 * payload, trailer (Linux include/linux/hyperv.h, openvmm PacketSize). */
static uint32_t model_len(uint32_t payload) { return 16 + ((payload + 7) & ~7u) + 8; }

/* Writes a packet as an openvmm producer would, if ring_free >= L. */
static bool openvmm_write(struct tring *t, uint32_t payload, uint64_t id)
{
    static uint8_t buf[PAGE * 4];
    if (model_f(t) - 8 < model_len(payload))
        return false;
    memset(buf, (int)id, payload);
    struct vmbus_iov iov = { buf, payload };
    bool sig;
    int err = vmbus_ring_write(&t->r, VMBUS_PKT_DATA_INBAND, 0, id, &iov, 1, &sig);
    CHECK_EQ(err, 0);               /* the guest's framing agrees it fits */
    return err == 0;
}

/* The guest consumes one packet; returns whether it signals. */
static bool guest_consume(struct tring *t)
{
    struct vmbus_pkt_desc d;
    int n = vmbus_ring_peek(&t->r, &d);
    CHECK(n > 0);
    return n > 0 && vmbus_ring_consume(&t->r, (uint32_t)n);
}

/* --- The two boundary cases -------------------------------------------------------- */
/* Three 1024-byte packets in a 4096-byte data area: F = 1024 while all
 * three are there, 2048 after one is consumed. */
static void three_packets(struct tring *t)
{
    tring_init(t, 1);
    for (uint64_t i = 0; i < 3; i++)
        REQUIRE(openvmm_write(t, 1000, i));
    CHECK_EQ(model_f(t), 1024);
}

TEST(ring_consumer_signals_when_f_old_equals_p)
{
    struct tring t;
    three_packets(&t);
    t.r.ctl->pending_send_sz = 1024;    /* F_old == P, F_new = 2048 > P */
    CHECK(guest_consume(&t));
    CHECK(!guest_consume(&t));          /* once only: F_old = 2048 > P now */
    free(t.mem);
}

TEST(ring_consumer_silent_when_f_new_equals_p)
{
    struct tring t;
    three_packets(&t);
    t.r.ctl->pending_send_sz = 2048;    /* F_old = 1024 < P, F_new == P: cannot write P yet */
    CHECK(!guest_consume(&t));
    CHECK(guest_consume(&t));           /* F_old == P, F_new = 3072: now */
    free(t.mem);
}

TEST(ring_consumer_unaligned_pending_send_sz)
{
    /* openvmm's (D - 8) / 4 for D = 4096 is 1022: F 1024 is already above
     * it, so consuming from F = 1024 does not signal; from F = 0 up it
     * would. Linux compares unrounded, openvmm masks to 1016: same answer. */
    struct tring t;
    three_packets(&t);
    t.r.ctl->pending_send_sz = 1022;
    CHECK(!guest_consume(&t));
    t.r.ctl->pending_send_sz = 2047;    /* F_old 2048 > 2047 */
    CHECK(!guest_consume(&t));
    free(t.mem);
}

TEST(ring_consumer_ignores_pending_without_feature_bit)
{
    struct tring t;
    three_packets(&t);
    t.r.ctl->feature_bits = 0;
    t.r.ctl->pending_send_sz = 1024;
    CHECK(!guest_consume(&t));
    free(t.mem);
}

TEST(ring_pkt_size_is_the_packet_length)
{
    /* Linux sets pending_send_sz to the packet's length in the ring. */
    CHECK_EQ(vmbus_ring_pkt_size(0), 24);
    CHECK_EQ(vmbus_ring_pkt_size(1), 32);
    CHECK_EQ(vmbus_ring_pkt_size(600), 624);
    CHECK_EQ(vmbus_ring_pkt_size(601), 632);
}

/* --- Model check ------------------------------------------------------------------- */
static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

struct model_counts {
    unsigned blocked, lost, premature, needless;
};

/* The guest consumes from a ring an openvmm host produces into. */
static void run_host_producer(struct model_counts *c)
{
    struct tring t;
    size_t pages = 1 + rnd(3);
    tring_init(&t, pages);
    uint32_t d = t.r.size, maxp = d / 3;
    bool blocked = false, quarter = rnd(2);
    uint32_t want = 0, pend = 0;
    uint64_t id = 0;
    for (unsigned step = 0; step < 400; step++) {
        if (!blocked && rnd(3)) {
            if (!want)
                want = rnd(maxp);
            if (openvmm_write(&t, want, id++)) {
                want = 0;
                continue;
            }
            /* Full: set P, re-check (openvmm poll_ready), then wait. */
            pend = model_len(want);
            if (quarter && pend < (d - 8) / 4)
                pend = (d - 8) / 4;
            pend = (pend + 7) & ~7u;
            t.r.ctl->pending_send_sz = pend;
            if (model_f(&t) - 8 >= pend) {
                t.r.ctl->pending_send_sz = 0;
                continue;
            }
            blocked = true;
            c->blocked++;
            continue;
        }
        if (model_f(&t) == d) {         /* empty: nothing left to consume */
            if (blocked) {
                c->lost++;              /* the host waits for ever */
                break;
            }
            continue;
        }
        bool sig = guest_consume(&t);
        bool owed = blocked && model_f(&t) - 8 >= pend;
        if (sig && !blocked)
            c->needless++;
        else if (sig && !owed)
            c->premature++;
        if (sig && owed) {
            blocked = false;
            t.r.ctl->pending_send_sz = 0;
        }
    }
    free(t.mem);
}

/* The guest produces (pending_send_sz as vmbus_send sets it) into a ring
 * an openvmm host consumes. */
static void run_guest_producer(struct model_counts *c)
{
    static uint8_t buf[PAGE * 4];
    struct tring t;
    tring_init(&t, 1 + rnd(3));
    uint32_t d = t.r.size, maxp = d / 3;
    bool blocked = false;
    uint32_t want = 0;
    uint64_t id = 0;
    for (unsigned step = 0; step < 400; step++) {
        if (!blocked && rnd(3)) {
            if (!want)
                want = rnd(maxp);
            struct vmbus_iov iov = { buf, want };
            bool sig;
            int err = vmbus_ring_write(&t.r, VMBUS_PKT_DATA_INBAND, 0, id++, &iov, 1, &sig);
            if (err == 0) {
                want = 0;
                t.r.ctl->pending_send_sz = 0;
                continue;
            }
            CHECK_EQ(err, -EAGAIN);
            t.r.ctl->pending_send_sz = vmbus_ring_pkt_size(want);
            blocked = true;
            c->blocked++;
            continue;
        }
        uint32_t f_old = model_f(&t);
        if (f_old == d) {
            if (blocked) {
                c->lost++;
                break;
            }
            continue;
        }
        /* openvmm consumer: read one packet, commit_read rule. */
        struct vmbus_pkt_desc desc;
        int n = vmbus_ring_peek(&t.r, &desc);
        REQUIRE(n > 0);
        t.r.ctl->read_index = (t.r.ctl->read_index + (uint32_t)n + 8) % d;
        uint32_t p = t.r.ctl->pending_send_sz & ~7u;
        bool sig = p && f_old - 8 < p && p <= model_f(&t) - 8;
        if (sig && !blocked)
            c->needless++;
        if (sig && blocked) {
            /* Woken: the packet must fit now. */
            if (model_f(&t) <= model_len(want))
                c->premature++;
            blocked = false;
        }
    }
    free(t.mem);
}

TEST(ring_model_check_no_lost_wakeups)
{
    struct model_counts host = { 0 }, guest = { 0 };
    rng_state = 0x9e3779b97f4a7c15ull;
    for (unsigned run = 0; run < 1500; run++) {
        run_host_producer(&host);
        run_guest_producer(&guest);
    }
    CHECK(host.blocked > 1000);         /* the interesting case happened often */
    CHECK(guest.blocked > 1000);
    CHECK_EQ(host.lost, 0);
    CHECK_EQ(host.premature, 0);
    CHECK_EQ(host.needless, 0);
    CHECK_EQ(guest.lost, 0);
    CHECK_EQ(guest.premature, 0);
    CHECK_EQ(guest.needless, 0);
}
