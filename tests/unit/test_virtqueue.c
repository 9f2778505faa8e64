/* Host tests for split virtqueues (virtio/virtqueue.c): the layout of the
 * three areas (modern and legacy), chains direct and indirect, index
 * wrap-around past 65535, notification suppression both ways (flags and
 * event indices), and a device that lies: used ids never given, a chain
 * completed twice, lengths past the buffers, a used index that jumps. The
 * "device" here is the test itself, reading the avail ring and writing the
 * used ring as virtio 1.2 2.7 says a device does. */
#include "test.h"
#include "virtio/virtqueue.h"
#include "kernel/errno.h"

#define QS 8
static _Alignas(4096) uint8_t mem[3 * 4096];
static struct virtq_slot slots[QS];
static struct virtq vq;
static uint16_t dev_avail;          /* the device's next avail entry */

static void setup(bool legacy, bool indirect, bool event_idx)
{
    memset(mem, 0, sizeof mem);
    dev_avail = 0;
    REQUIRE(virtq_init(&vq, 1, QS, mem, 0x100000, legacy, indirect, event_idx, slots) == 0);
}

/* The device takes the next available head. */
static uint16_t dev_take(void)
{
    uint16_t head = vq.avail->ring[dev_avail % QS];
    dev_avail++;
    return head;
}

static void dev_used(uint32_t id, uint32_t len)
{
    uint16_t u = vq.used->idx;
    vq.used->ring[u % QS].id = id;
    vq.used->ring[u % QS].len = len;
    vq.used->idx = (uint16_t)(u + 1);
}

TEST(virtq_layout_modern_and_legacy)
{
    size_t used, ind;
    /* 256 entries: 4096 of descriptors + 518 of avail ring. */
    CHECK_EQ(virtq_layout(256, false, false, &used, &ind), 4616 + 2054);
    CHECK_EQ(used, 4616);
    CHECK_EQ(virtq_layout(256, true, false, &used, &ind), 8192 + 2054);
    CHECK_EQ(used, 8192);            /* legacy: the used ring on its own page */
    CHECK_EQ(virtq_layout(256, false, true, &used, &ind), ind + 256 * VIRTQ_IND_MAX * 16);
    CHECK_EQ(ind % 16, 0);
    CHECK_EQ(virtq_init(&vq, 0, 6, mem, 0, false, false, false, slots), -EINVAL);
    CHECK_EQ(virtq_init(&vq, 0, 0, mem, 0, false, false, false, slots), -EINVAL);
}

TEST(virtq_chain_roundtrip)
{
    setup(false, false, false);
    struct virtq_sg sg[3] = { { 0x5000, 12 }, { 0x6000, 100 }, { 0x7000, 200 } };
    int token = 1;
    REQUIRE(virtq_add(&vq, sg, 1, 2, &token) == 0);
    CHECK_EQ(vq.num_free, QS - 3);
    CHECK_EQ(vq.avail->idx, 1);
    uint16_t h = dev_take();
    CHECK_EQ(vq.desc[h].addr, 0x5000);
    CHECK_EQ(vq.desc[h].flags, VIRTQ_DESC_F_NEXT);
    uint16_t d1 = vq.desc[h].next;
    CHECK_EQ(vq.desc[d1].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
    uint16_t d2 = vq.desc[d1].next;
    CHECK_EQ(vq.desc[d2].flags, VIRTQ_DESC_F_WRITE);
    CHECK_EQ(vq.desc[d2].len, 200);
    void *c;
    uint32_t len;
    CHECK_EQ(virtq_get(&vq, &c, &len), 0);
    dev_used(h, 300);               /* exactly the writable bytes */
    CHECK_EQ(virtq_get(&vq, &c, &len), 1);
    CHECK(c == &token);
    CHECK_EQ(len, 300);
    CHECK_EQ(vq.num_free, QS);
    CHECK_EQ(vq.inflight, 0);
    CHECK_EQ(virtq_add(&vq, sg, 0, 0, &token), -EINVAL);
    CHECK_EQ(virtq_add(&vq, sg, 1, 0, NULL), -EINVAL);
}

TEST(virtq_indirect_uses_one_descriptor)
{
    setup(false, true, false);
    struct virtq_sg sg[3] = { { 0x5000, 16 }, { 0x6000, 512 }, { 0x7000, 1 } };
    int token;
    REQUIRE(virtq_add(&vq, sg, 1, 2, &token) == 0);
    CHECK_EQ(vq.num_free, QS - 1);
    uint16_t h = dev_take();
    CHECK_EQ(vq.desc[h].flags, VIRTQ_DESC_F_INDIRECT);
    CHECK_EQ(vq.desc[h].len, 3 * 16);
    CHECK_EQ(vq.desc[h].addr, vq.ind_bus + (uint64_t)h * VIRTQ_IND_MAX * 16);
    struct virtq_desc *t = vq.ind + (size_t)h * VIRTQ_IND_MAX;
    CHECK_EQ(t[0].flags, VIRTQ_DESC_F_NEXT);
    CHECK_EQ(t[0].next, 1);
    CHECK_EQ(t[2].flags, VIRTQ_DESC_F_WRITE);
    CHECK_EQ(t[2].addr, 0x7000);
    /* A single buffer goes direct; more than the table holds, as a chain. */
    REQUIRE(virtq_add(&vq, sg, 1, 0, &token) == 0);
    CHECK_EQ(vq.desc[dev_take()].flags, 0);
    struct virtq_sg many[5] = { { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 }, { 5, 1 } };
    REQUIRE(virtq_add(&vq, many, 5, 0, &token) == 0);
    CHECK_EQ(vq.num_free, QS - 7);
}

TEST(virtq_full_and_wrap)
{
    setup(false, false, false);
    struct virtq_sg sg = { 0x5000, 64 };
    static int tok[QS];
    for (int i = 0; i < QS; i++)
        REQUIRE(virtq_add(&vq, &sg, 0, 1, &tok[i]) == 0);
    CHECK_EQ(virtq_add(&vq, &sg, 0, 1, &tok[0]), -ENOSPC);
    /* Run the 16-bit indices round more than once, completing out of order. */
    for (int round = 0; round < 70000 / QS; round++) {
        uint16_t heads[QS];
        for (int i = 0; i < QS; i++)
            heads[i] = dev_take();
        for (int i = QS - 1; i >= 0; i--)
            dev_used(heads[i], 10);
        for (int i = 0; i < QS; i++) {
            void *c;
            uint32_t len;
            REQUIRE(virtq_get(&vq, &c, &len) == 1);
            REQUIRE(virtq_add(&vq, &sg, 0, 1, c) == 0);
        }
    }
    CHECK_EQ(vq.num_free, 0);
    CHECK(vq.avail_idx == (uint16_t)(QS + 70000 / QS * QS));
    CHECK_EQ(vq.bad_id + vq.bad_len + vq.bad_idx, 0);
}

TEST(virtq_notify_suppression_flags)
{
    setup(false, false, false);
    struct virtq_sg sg = { 0x5000, 64 };
    int tok;
    CHECK(!virtq_kick_prepare(&vq));            /* nothing added */
    REQUIRE(virtq_add(&vq, &sg, 1, 0, &tok) == 0);
    CHECK(virtq_kick_prepare(&vq));
    vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;    /* the device polls */
    REQUIRE(virtq_add(&vq, &sg, 1, 0, &tok) == 0);
    CHECK(!virtq_kick_prepare(&vq));
    CHECK_EQ(vq.kicks, 1);
    CHECK_EQ(vq.kicks_saved, 1);
    virtq_disable_cb(&vq);
    CHECK_EQ(vq.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
    CHECK(!virtq_enable_cb(&vq));
    CHECK_EQ(vq.avail->flags, 0);
    dev_used(dev_take(), 0);
    virtq_disable_cb(&vq);
    CHECK(virtq_enable_cb(&vq));                /* one already waits: poll, don't sleep */
}

TEST(virtq_notify_suppression_event_idx)
{
    setup(false, false, true);
    struct virtq_sg sg = { 0x5000, 64 };
    int tok;
    volatile uint16_t *avail_event = (volatile uint16_t *)&vq.used->ring[QS];
    volatile uint16_t *used_event = &vq.avail->ring[QS];
    *avail_event = 0;                           /* wake me at entry 0 */
    REQUIRE(virtq_add(&vq, &sg, 1, 0, &tok) == 0);
    CHECK(virtq_kick_prepare(&vq));             /* 0 lies in [0, 1) */
    REQUIRE(virtq_add(&vq, &sg, 1, 0, &tok) == 0);
    REQUIRE(virtq_add(&vq, &sg, 1, 0, &tok) == 0);
    CHECK(!virtq_kick_prepare(&vq));            /* 0 not in [1, 3) */
    *avail_event = 4;
    REQUIRE(virtq_add(&vq, &sg, 1, 0, &tok) == 0);
    CHECK(!virtq_kick_prepare(&vq));            /* [3, 4) */
    REQUIRE(virtq_add(&vq, &sg, 1, 0, &tok) == 0);
    CHECK(virtq_kick_prepare(&vq));             /* [4, 5) */
    /* Used side: with interrupts on, each get asks for the next entry. */
    dev_used(dev_take(), 0);
    void *c;
    uint32_t len;
    REQUIRE(virtq_get(&vq, &c, &len) == 1);
    CHECK_EQ(*used_event, 1);
    virtq_disable_cb(&vq);
    dev_used(dev_take(), 0);
    REQUIRE(virtq_get(&vq, &c, &len) == 1);
    CHECK_EQ(*used_event, 1);                   /* left behind: no interrupt wanted */
    CHECK(!virtq_enable_cb(&vq));
    CHECK_EQ(*used_event, 2);
}

TEST(virtq_hostile_device)
{
    setup(false, false, false);
    struct virtq_sg sg = { 0x5000, 100 };
    int a, b;
    REQUIRE(virtq_add(&vq, &sg, 0, 1, &a) == 0);
    REQUIRE(virtq_add(&vq, &sg, 0, 1, &b) == 0);
    uint16_t ha = dev_take(), hb = dev_take();
    void *c;
    uint32_t len;
    dev_used(QS + 3, 10);                       /* an id past the table */
    CHECK_EQ(virtq_get(&vq, &c, &len), -EPROTO);
    CHECK(c == NULL);
    dev_used(5, 10);                            /* a descriptor never given */
    CHECK_EQ(virtq_get(&vq, &c, &len), -EPROTO);
    dev_used(ha, 101);                          /* past the 100 writable bytes */
    CHECK_EQ(virtq_get(&vq, &c, &len), -EMSGSIZE);
    CHECK(c == &a);                             /* back to the driver, unusable */
    CHECK_EQ(len, 0);
    dev_used(ha, 10);                           /* the same chain again */
    CHECK_EQ(virtq_get(&vq, &c, &len), -EPROTO);
    CHECK_EQ(vq.bad_id, 3);
    CHECK_EQ(vq.bad_len, 1);
    /* The used index runs far ahead of the one chain in flight. */
    vq.used->idx = (uint16_t)(vq.used->idx + 40);
    CHECK_EQ(virtq_get(&vq, &c, &len), -ERANGE);
    CHECK_EQ(vq.bad_idx, 1);
    CHECK_EQ(virtq_get(&vq, &c, &len), 0);      /* resynced */
    /* ... and the queue still works: b, then fresh chains. */
    dev_used(hb, 100);
    CHECK_EQ(virtq_get(&vq, &c, &len), 1);
    CHECK(c == &b);
    CHECK_EQ(len, 100);
    REQUIRE(virtq_add(&vq, &sg, 0, 1, &a) == 0);
    dev_used(dev_take(), 7);
    CHECK_EQ(virtq_get(&vq, &c, &len), 1);
    CHECK_EQ(len, 7);
    CHECK_EQ(vq.num_free, QS);
}

TEST(virtq_legacy_layout_addresses)
{
    setup(true, false, false);
    CHECK_EQ(vq.desc_bus, 0x100000);
    CHECK_EQ(vq.avail_bus, 0x100000 + QS * 16);
    CHECK_EQ(vq.used_bus % VIRTQ_LEGACY_ALIGN, 0);
    CHECK_EQ(vq.used_bus, 0x101000);
}
