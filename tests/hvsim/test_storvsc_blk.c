/* Hosted tests of storvsc under the real SCSI and block layers (blk/scsi.c,
 * blk/blk.c) against the simulator's storvsp: the layer's scan finds the
 * LUNs and registers block devices, and requests go through blk_submit /
 * blk_rw_sync down to the image files on the host. Each test runs in a
 * forked child; correct traffic leaves zero simulator violations. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "blk/blk.h"
#include "blk/scsi.h"
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/storvsc.h"
#include "hv/vmbus.h"
#include "kernel/errno.h"
#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/hvsim_storvsc.h"
#include "tests/hvsim/isolated.h"
#include "tests/hvsim/storvsc_images.h"
#include "tests/unit/test.h"

/* The kernel heap blk/ uses, on malloc. */
void *kzalloc(size_t n) { return calloc(1, n); }
void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }

static bool guest_up(void)
{
    return hvsim_add_storvsc(&sim, 0) && hv_detect() && !hv_synic_init() && !vmbus_init();
}

static bool up3(void)
{
    static const uint64_t sec[3] = { 2048, 4096, 512 };
    static const uint32_t ss[3] = { 512, 512, 4096 };
    sim_setup_luns(3, sec, ss);
    return guest_up();
}

/* The blk device of LUN lun (its `where` ends in ":lun"). */
static struct blk_dev *dev_of(unsigned lun)
{
    char tail[8];
    snprintf(tail, sizeof tail, ":%u", lun);
    for (unsigned i = 0; i < blk_count(); i++) {
        struct blk_dev *d = blk_get(i);
        size_t n = strlen(d->where), t = strlen(tail);
        if (!d->gone && n >= t && strcmp(d->where + n - t, tail) == 0)
            return d;
    }
    return NULL;
}

static bool image_equals(unsigned lun, uint64_t off, const uint8_t *want, size_t len)
{
    uint8_t *got = malloc(len);
    bool ok = pread(sim.lun[lun].fd, got, len, (off_t)off) == (ssize_t)len && memcmp(got, want, len) == 0;
    free(got);
    return ok;
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

ISOLATED_TEST(storvsc_blk_three_luns_become_block_devices)
{
    REQUIRE(up3());
    CHECK_EQ(blk_count(), 3);
    static const uint64_t sec[3] = { 2048, 4096, 512 };
    static const uint32_t ss[3] = { 512, 512, 4096 };
    for (unsigned l = 0; l < 3; l++) {
        struct blk_dev *d = dev_of(l);
        REQUIRE(d);
        CHECK_EQ(d->sectors, sec[l]);
        CHECK_EQ(d->sector_size, ss[l]);
        CHECK_STR(d->driver, "storvsc");
        CHECK(strstr(d->model, "Msft") && strstr(d->model, "Virtual Disk"));
        CHECK(strstr(d->serial, "HVSIM000"));
        CHECK_EQ((uint64_t)d->max_sectors * d->sector_size, 256 * 1024);
    }
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_blk_random_writes_land_in_the_images)
{
    REQUIRE(up3());
    uint32_t seed = 9;
    for (unsigned l = 0; l < 3; l++) {
        struct blk_dev *d = dev_of(l);
        REQUIRE(d);
        size_t bytes = d->sectors * d->sector_size;
        uint8_t *shadow = calloc(1, bytes);
        uint64_t bus;
        uint8_t *buf = blk_buf_alloc(d, (size_t)d->max_sectors * d->sector_size, &bus);
        REQUIRE(buf);
        for (int i = 0; i < 20; i++) {
            seed = seed * 1664525u + 1013904223u;
            uint32_t count = 1 + (seed >> 8) % d->max_sectors;
            if (count > d->sectors)
                count = (uint32_t)d->sectors;
            uint64_t lba = (seed >> 3) % (d->sectors - count + 1);
            fill(buf, (size_t)count * d->sector_size, seed);
            CHECK_EQ(blk_rw_sync(d, BLK_WRITE, lba, count, buf, bus, 10000), 0);
            memcpy(shadow + lba * d->sector_size, buf, (size_t)count * d->sector_size);
        }
        CHECK(image_equals(l, 0, shadow, bytes));
        /* And back through the guest, whole request at a time. */
        for (uint64_t lba = 0; lba < d->sectors; lba += d->max_sectors) {
            uint32_t count = d->sectors - lba < d->max_sectors ? (uint32_t)(d->sectors - lba) : d->max_sectors;
            CHECK_EQ(blk_rw_sync(d, BLK_READ, lba, count, buf, bus, 10000), 0);
            CHECK(memcmp(buf, shadow + lba * d->sector_size, (size_t)count * d->sector_size) == 0);
        }
        CHECK_EQ(blk_rw_sync(d, BLK_FLUSH, 0, 0, NULL, 0, 10000), 0);
        blk_buf_free(d, buf, (size_t)d->max_sectors * d->sector_size);
        free(shadow);
    }
    CHECK(sim.lun[0].flushes >= 1);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_blk_medium_error_is_eio_and_nothing_else_breaks)
{
    REQUIRE(up3());
    struct blk_dev *d = dev_of(1);
    REQUIRE(d);
    sim.lun[1].medium_error = true;
    sim.lun[1].medium_error_lba = 100;
    uint64_t bus;
    uint8_t *buf = blk_buf_alloc(d, 8192, &bus);
    fill(buf, 8192, 1);
    CHECK_EQ(blk_rw_sync(d, BLK_READ, 96, 16, buf, bus, 10000), -EIO);
    CHECK_EQ(blk_rw_sync(d, BLK_WRITE, 200, 16, buf, bus, 10000), 0);
    CHECK(image_equals(1, 200 * 512, buf, 8192));
    CHECK(d->stats.errors >= 1);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_blk_not_ready_unit_attention_and_busy_are_retried)
{
    REQUIRE(up3());
    struct blk_dev *d = dev_of(0);
    REQUIRE(d);
    uint64_t bus;
    uint8_t *buf = blk_buf_alloc(d, 4096, &bus);
    sim.lun[0].not_ready = 1;
    CHECK_EQ(blk_rw_sync(d, BLK_READ, 0, 8, buf, bus, 10000), 0);
    sim.lun[0].unit_attention = true;
    sim.lun[0].ua_asc = 0x29;                          /* power on, reset */
    CHECK_EQ(blk_rw_sync(d, BLK_READ, 0, 8, buf, bus, 10000), 0);
    sim.busy_next = 2;                                 /* SRB status BUSY: -EAGAIN, retried */
    CHECK_EQ(blk_rw_sync(d, BLK_READ, 0, 8, buf, bus, 10000), 0);
    CHECK_EQ(sim.busy_next, 0);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_blk_hot_add_and_remove_register_and_unregister)
{
    REQUIRE(up3());
    CHECK_EQ(blk_count(), 3);
    char p[96];
    img_path(p, sizeof p, 4);
    REQUIRE(hvsim_storvsc_hot_add(&sim, 4, p, 1024, 512) == 0);
    hvsim_run_until_idle();
    struct blk_dev *d = dev_of(4);
    REQUIRE(d);
    CHECK_EQ(d->sectors, 1024);
    uint64_t bus;
    uint8_t *buf = blk_buf_alloc(d, 4096, &bus);
    fill(buf, 4096, 4);
    CHECK_EQ(blk_rw_sync(d, BLK_WRITE, 16, 8, buf, bus, 10000), 0);
    CHECK(image_equals(4, 16 * 512, buf, 4096));
    blk_buf_free(d, buf, 4096);
    /* The old LUNs got a UNIT ATTENTION; their I/O still succeeds. */
    struct blk_dev *d0 = dev_of(0);
    REQUIRE(d0);
    buf = blk_buf_alloc(d0, 4096, &bus);
    CHECK_EQ(blk_rw_sync(d0, BLK_READ, 0, 8, buf, bus, 10000), 0);
    hvsim_storvsc_hot_remove(&sim, 4);
    hvsim_run_until_idle();
    CHECK(dev_of(4) == NULL);
    CHECK(dev_of(0) != NULL);
    CHECK_EQ(hvsim_violations(), 0);
}

struct async {
    struct blk_req r[8];
    unsigned done;
};
static void req_done(struct blk_req *r) { ((struct async *)r->arg)->done++; }

ISOLATED_TEST(storvsc_blk_rescind_mid_io_completes_requests_with_enodev)
{
    REQUIRE(up3());
    struct blk_dev *d = dev_of(0);
    REQUIRE(d);
    static struct async a;
    uint64_t bus;
    uint8_t *buf = blk_buf_alloc(d, 4 * 4096, &bus);
    sim.hang_next = 4;
    for (unsigned i = 0; i < 4; i++) {
        a.r[i] = (struct blk_req){ .op = BLK_READ, .lba = i * 8, .count = 8, .buf = buf + i * 4096,
                                   .buf_bus = bus + i * 4096, .done = req_done, .arg = &a };
        CHECK_EQ(blk_submit(d, &a.r[i]), 0);
    }
    hvsim_run_until_idle();
    CHECK_EQ(sim.hung, 4);
    hvsim_rescind(sim.ch);
    hvsim_run_until_idle();
    CHECK_EQ(a.done, 4);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(a.r[i].status, -ENODEV);
    CHECK_EQ(blk_count(), 0);
    CHECK(hvsim_chan_released(sim.ch));
    CHECK_EQ(hvsim_violations(), 0);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static bool all8(void *arg) { return ((struct async *)arg)->done == 8; }

/* 32 MiB each way through blk_submit, 8 requests of the largest size in
 * flight; the figure is printed, not asserted. */
ISOLATED_TEST(storvsc_blk_hosted_throughput)
{
    static const uint64_t sec[1] = { 65536 };
    static const uint32_t ss[1] = { 512 };
    sim_setup_luns(1, sec, ss);
    REQUIRE(guest_up());
    struct blk_dev *d = dev_of(0);
    REQUIRE(d);
    const uint32_t chunk = d->max_sectors * d->sector_size, total = 32u << 20;
    uint64_t bus;
    uint8_t *buf = blk_buf_alloc(d, (size_t)chunk * 8, &bus);
    REQUIRE(buf);
    fill(buf, (size_t)chunk * 8, 3);
    double mbs[2];
    static struct async a;
    for (int write = 1; write >= 0; write--) {
        double t0 = now_s();
        for (uint32_t off = 0; off < total; off += chunk * 8) {
            memset(&a, 0, sizeof a);
            for (unsigned i = 0; i < 8; i++) {
                a.r[i] = (struct blk_req){ .op = write ? BLK_WRITE : BLK_READ,
                                           .lba = (off + i * chunk) / 512, .count = d->max_sectors,
                                           .buf = buf + (size_t)i * chunk, .buf_bus = bus + (uint64_t)i * chunk,
                                           .done = req_done, .arg = &a };
                REQUIRE(blk_submit(d, &a.r[i]) == 0);
            }
            REQUIRE(d->ops->wait(d, all8, &a, 60000) == 0);
            for (unsigned i = 0; i < 8; i++)
                REQUIRE(a.r[i].status == 0);
        }
        mbs[write] = total / 1e6 / (now_s() - t0);
    }
    for (uint32_t off = 0; off < total; off += chunk * 8)
        CHECK(image_equals(0, off, buf, (size_t)chunk * 8));
    printf("# storvsc via blk, hosted throughput (simulator, ASan build): write %.0f MB/s, read %.0f MB/s\n",
           mbs[1], mbs[0]);
    CHECK_EQ(hvsim_violations(), 0);
}
