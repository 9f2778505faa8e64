/* Host tests for the block-device registry and request queue (blk/blk.c)
 * with a fake driver: names, validation, queue depth, order, unregister
 * with queued and in-flight requests, range checks, statistics, listeners
 * and blk_rw_sync (including a driver that never answers). */
#include "test.h"
#include "blk_stubs.h"
#include "blk/blk.h"
#include "kernel/errno.h"

/* ---- A fake driver: requests wait in `fl` until the test (or wait) ends them. */
#define FAKE_MAX 64
static struct blk_req *fl[FAKE_MAX];
static unsigned nfl, max_seen, submits;
static uint64_t order[FAKE_MAX];
static int fail_submit;                 /* submit returns this */
static bool never_answer;

static int fake_submit(struct blk_dev *d, struct blk_req *r)
{
    (void)d;
    if (fail_submit)
        return fail_submit;
    order[submits++ % FAKE_MAX] = r->lba;
    fl[nfl++] = r;
    if (nfl > max_seen)
        max_seen = nfl;
    return 0;
}

static void fake_complete_first(struct blk_dev *d, int status)
{
    struct blk_req *r = fl[0];
    memmove(fl, fl + 1, --nfl * sizeof fl[0]);
    blk_complete(d, r, status);
}

static int fake_wait(struct blk_dev *d, bool (*cond)(void *), void *arg, uint64_t ms)
{
    (void)ms;
    for (int i = 0; i < 100 && !cond(arg); i++)
        if (nfl && !never_answer)
            fake_complete_first(d, 0);
    return cond(arg) ? 0 : -ETIMEDOUT;
}

static void *fake_alloc(struct blk_dev *d, size_t n, uint64_t *bus)
{
    (void)d;
    void *p = calloc(1, n);
    *bus = (uintptr_t)p;
    return p;
}
static void fake_free(struct blk_dev *d, void *p, size_t n) { (void)d, (void)n; free(p); }

static const struct blk_ops fake_ops = { fake_submit, fake_wait, fake_alloc, fake_free };

static void fake_reset(void)
{
    nfl = max_seen = submits = 0;
    fail_submit = 0;
    never_answer = false;
}

static void dev_init(struct blk_dev *d, unsigned qd)
{
    memset(d, 0, sizeof *d);
    d->driver = "fake";
    d->sectors = 1000;
    d->sector_size = 512;
    d->max_sectors = 8;
    d->queue_depth = qd;
    d->ops = &fake_ops;
}

static int dones;
static int last_status[FAKE_MAX];
static uint64_t done_order[FAKE_MAX];
static void on_done(struct blk_req *r)
{
    last_status[dones % FAKE_MAX] = r->status;
    done_order[dones++ % FAKE_MAX] = r->lba;
}

static char buf[8 * 512];
static struct blk_req req(enum blk_op op, uint64_t lba, uint32_t count)
{
    return (struct blk_req){ .op = op, .lba = lba, .count = count, .buf = buf, .done = on_done };
}

TEST(names_lowest_free)
{
    struct blk_dev a, b, c;
    dev_init(&a, 1), dev_init(&b, 1), dev_init(&c, 1);
    REQUIRE(blk_register(&a) == 0);
    REQUIRE(blk_register(&b) == 0);
    CHECK_STR(a.name, "blk0");
    CHECK_STR(b.name, "blk1");
    CHECK_EQ(blk_count(), 2);
    CHECK(blk_find("blk1") == &b);
    CHECK(blk_get(1) == &b);
    blk_unregister(&a);
    CHECK(blk_find("blk0") == NULL);
    CHECK(blk_get(0) == &b);
    REQUIRE(blk_register(&c) == 0);
    CHECK_STR(c.name, "blk0");
    CHECK(blk_get(0) == &c);
    CHECK_EQ(blk_register(&c), -EINVAL);        /* twice */
    blk_unregister(&b);
    blk_unregister(&c);
    blk_unregister(&c);                         /* idempotent */
    CHECK_EQ(blk_count(), 0);
}

TEST(register_validates)
{
    struct blk_dev d;
    dev_init(&d, 1);
    d.sector_size = 520;
    CHECK_EQ(blk_register(&d), -EINVAL);
    d.sector_size = 256;
    CHECK_EQ(blk_register(&d), -EINVAL);
    d.sector_size = 131072;
    CHECK_EQ(blk_register(&d), -EINVAL);
    dev_init(&d, 0);
    CHECK_EQ(blk_register(&d), -EINVAL);
    dev_init(&d, 1);
    d.ops = NULL;
    CHECK_EQ(blk_register(&d), -EINVAL);
    dev_init(&d, 1);
    d.max_sectors = 0;
    CHECK_EQ(blk_register(&d), -EINVAL);
    dev_init(&d, 1);
    d.sector_size = 4096;
    CHECK_EQ(blk_register(&d), 0);
    blk_unregister(&d);
}

TEST(registry_full)
{
    static struct blk_dev d[17];
    int ok = 0;
    for (int i = 0; i < 17; i++) {
        dev_init(&d[i], 1);
        int rc = blk_register(&d[i]);
        if (rc == 0)
            ok++;
        else
            CHECK_EQ(rc, -ENOSPC);
    }
    CHECK_EQ(ok, 16);
    for (int i = 0; i < 17; i++)
        blk_unregister(&d[i]);
    CHECK_EQ(blk_count(), 0);
}

TEST(queue_depth_and_order)
{
    struct blk_dev d;
    struct blk_req r[6];
    fake_reset();
    dones = 0;
    dev_init(&d, 2);
    REQUIRE(blk_register(&d) == 0);
    for (int i = 0; i < 6; i++) {
        r[i] = req(BLK_READ, 10 + (uint64_t)i, 1);
        CHECK_EQ(blk_submit(&d, &r[i]), 0);
    }
    CHECK_EQ(nfl, 2);
    CHECK_EQ(d.in_flight, 2);
    while (nfl)
        fake_complete_first(&d, 0);
    CHECK_EQ(max_seen, 2);
    CHECK_EQ(submits, 6);
    CHECK_EQ(dones, 6);
    for (int i = 0; i < 6; i++) {
        CHECK_EQ(order[i], 10 + i);
        CHECK_EQ(done_order[i], 10 + i);
    }
    CHECK_EQ(d.stats.reads, 6);
    CHECK_EQ(d.stats.read_bytes, 6 * 512);
    CHECK_EQ(d.in_flight, 0);
    blk_unregister(&d);
}

TEST(unregister_fails_queued_with_enodev)
{
    struct blk_dev d;
    struct blk_req r[4];
    fake_reset();
    dones = 0;
    dev_init(&d, 1);
    REQUIRE(blk_register(&d) == 0);
    for (int i = 0; i < 4; i++) {
        r[i] = req(BLK_WRITE, (uint64_t)i, 2);
        REQUIRE(blk_submit(&d, &r[i]) == 0);
    }
    CHECK_EQ(nfl, 1);
    blk_unregister(&d);
    CHECK_EQ(dones, 3);                         /* the queued ones, at once */
    for (int i = 0; i < 3; i++)
        CHECK_EQ(last_status[i], -ENODEV);
    CHECK_EQ(blk_submit(&d, &r[0]), -ENODEV);
    fake_complete_first(&d, -ENODEV);           /* the driver ends the one in flight */
    CHECK_EQ(dones, 4);
    CHECK_EQ(last_status[3], -ENODEV);
    CHECK_EQ(d.stats.errors, 4);
    CHECK_EQ(nfl, 0);
}

TEST(out_of_range_refused)
{
    struct blk_dev d;
    struct blk_req r;
    fake_reset();
    dev_init(&d, 4);
    REQUIRE(blk_register(&d) == 0);
    r = req(BLK_READ, 1000, 1);
    CHECK_EQ(blk_submit(&d, &r), -EINVAL);
    r = req(BLK_READ, 999, 2);
    CHECK_EQ(blk_submit(&d, &r), -EINVAL);
    r = req(BLK_READ, UINT64_MAX, 2);           /* lba + count wraps */
    CHECK_EQ(blk_submit(&d, &r), -EINVAL);
    r = req(BLK_READ, 0, 9);                    /* > max_sectors */
    CHECK_EQ(blk_submit(&d, &r), -EINVAL);
    r = req(BLK_READ, 0, 0);
    CHECK_EQ(blk_submit(&d, &r), -EINVAL);
    r = req(BLK_READ, 0, 1);
    r.buf = NULL;
    CHECK_EQ(blk_submit(&d, &r), -EINVAL);
    r = req((enum blk_op)7, 0, 1);
    CHECK_EQ(blk_submit(&d, &r), -EINVAL);
    d.read_only = true;
    r = req(BLK_WRITE, 0, 1);
    CHECK_EQ(blk_submit(&d, &r), -EACCES);
    CHECK_EQ(submits, 0);
    r = req(BLK_READ, 999, 1);                  /* the last sector is fine */
    CHECK_EQ(blk_submit(&d, &r), 0);
    fake_complete_first(&d, 0);
    blk_unregister(&d);
}

TEST(driver_refusal_and_errors)
{
    struct blk_dev d;
    struct blk_req r[3];
    fake_reset();
    dones = 0;
    dev_init(&d, 1);
    REQUIRE(blk_register(&d) == 0);
    fail_submit = -EIO;
    r[0] = req(BLK_READ, 1, 1);
    CHECK_EQ(blk_submit(&d, &r[0]), 0);         /* queued, then refused: done(-EIO) */
    CHECK_EQ(dones, 1);
    CHECK_EQ(r[0].status, -EIO);
    CHECK_EQ(d.in_flight, 0);
    fail_submit = 0;
    r[1] = req(BLK_FLUSH, 5, 3);
    CHECK_EQ(blk_submit(&d, &r[1]), 0);
    CHECK_EQ(r[1].count, 0);
    fake_complete_first(&d, 0);
    CHECK_EQ(d.stats.flushes, 1);
    r[2] = req(BLK_WRITE, 1, 1);
    CHECK_EQ(blk_submit(&d, &r[2]), 0);
    fake_complete_first(&d, 5);                 /* a positive status is a driver bug: -EIO */
    CHECK_EQ(r[2].status, -EIO);
    CHECK_EQ(d.stats.errors, 2);
    blk_complete(&d, &r[2], 0);                 /* nothing in flight: ignored, logged */
    CHECK(strstr(blk_log, "nothing in flight") != NULL);
    CHECK_EQ(dones, 3);
    blk_unregister(&d);
}

TEST(rw_sync)
{
    struct blk_dev d;
    fake_reset();
    dev_init(&d, 1);
    REQUIRE(blk_register(&d) == 0);
    uint64_t bus;
    void *b = blk_buf_alloc(&d, 4096, &bus);
    REQUIRE(b);
    CHECK_EQ(blk_rw_sync(&d, BLK_WRITE, 3, 8, b, bus, 1000), 0);
    CHECK_EQ(d.stats.write_bytes, 4096);
    CHECK_EQ(blk_rw_sync(&d, BLK_READ, 1000, 1, b, bus, 1000), -EINVAL);
    /* A driver that never answers: -ETIMEDOUT, and the late completion
     * frees the abandoned request (ASan would see a leak or a bad free). */
    never_answer = true;
    CHECK_EQ(blk_rw_sync(&d, BLK_READ, 1, 1, b, bus, 10), -ETIMEDOUT);
    CHECK_EQ(nfl, 1);
    fake_complete_first(&d, 0);
    /* Queued behind it in blk, not in the driver: taken out on timeout. */
    struct blk_req r = req(BLK_READ, 2, 1);
    REQUIRE(blk_submit(&d, &r) == 0);
    CHECK_EQ(blk_rw_sync(&d, BLK_READ, 4, 1, b, bus, 10), -ETIMEDOUT);
    CHECK(d.queue_head == NULL && d.queue_tail == NULL);
    fake_complete_first(&d, 0);
    blk_buf_free(&d, b, 4096);
    blk_unregister(&d);
}

static int added, removed;
static void on_added(struct blk_dev *d) { (void)d; added++; }
static void on_removed(struct blk_dev *d) { CHECK(blk_find(d->name) == d); removed++; }

TEST(listeners)
{
    static struct blk_listener l = { on_added, on_removed, NULL };
    struct blk_dev a, b;
    dev_init(&a, 1), dev_init(&b, 1);
    REQUIRE(blk_register(&a) == 0);
    blk_listen(&l);                             /* told of a at once */
    CHECK_EQ(added, 1);
    REQUIRE(blk_register(&b) == 0);
    CHECK_EQ(added, 2);
    blk_unregister(&a);
    blk_unregister(&b);
    CHECK_EQ(removed, 2);
}
