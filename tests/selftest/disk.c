/* Disk self-test (selftest=disk): writes the pattern of blk/blk_tool.h at
 * random LBAs of every block device (but the one holding the ustar
 * archive), flushes, reads back and compares, and prints each write
 *     disk: wrote blk1 scsi0:0:2:0 lba 1234 count 7 tag 305419896
 * so that tests/system/cases_pvscsi.py can rebuild the expected disk image
 * on the host after QEMU has quit and compare it with the raw file. Then a
 * burst of concurrent writes (more than a disk's queue depth when
 * disk_burst is large), each checked the same way.
 *
 * Options: disk_writes=N (per disk), disk_min=N (disks that must be
 * there), disk_hold (stay up after passing, for the host to look and quit
 * through the monitor), disk_eio=blkN with disk_eio_read=LBA and
 * disk_eio_write=LBA (QEMU's blkdebug fails those: the calls must return
 * -EIO, other blocks must still work, the kernel must go on). */
#include "blk/blk_tool.h"
#include "blk/ustar.h"
#include "kernel/arch/cpu.h"
#include "kernel/core/cmdline.h"
#include "kernel/core/selftest.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "kernel/time/clock.h"
#include "lib/string.h"

static uint64_t disk_writes = 8, disk_min = 1, disk_burst = 12;
static uint64_t eio_read = ~0ull, eio_write = ~0ull;
static bool disk_hold;
static char disk_eio[8], disk_slow[8];
CMDLINE_OPTION(disk_writes, .key = "disk_writes", .type = CMDLINE_UINT, .dst = &disk_writes,
               .min = 1, .max = 1000, .help = "selftest=disk: random writes per disk");
CMDLINE_OPTION(disk_min, .key = "disk_min", .type = CMDLINE_UINT, .dst = &disk_min, .max = 16,
               .help = "selftest=disk: disks that must be there");
CMDLINE_OPTION(disk_burst, .key = "disk_burst", .type = CMDLINE_UINT, .dst = &disk_burst,
               .max = 64, .help = "selftest=disk: concurrent writes per disk");
CMDLINE_OPTION(disk_hold, .key = "disk_hold", .type = CMDLINE_BOOL, .dst = &disk_hold,
               .help = "selftest=disk: stay up after passing");
CMDLINE_OPTION(disk_eio, .key = "disk_eio", .type = CMDLINE_STR, .dst = disk_eio,
               .dst_size = sizeof disk_eio, .help = "selftest=disk: the disk with injected errors");
CMDLINE_OPTION(disk_slow, .key = "disk_slow", .type = CMDLINE_STR, .dst = disk_slow,
               .dst_size = sizeof disk_slow,
               .help = "selftest=disk: a disk too slow for scsi_timeout_ms (its reads)");
CMDLINE_OPTION(disk_eio_read, .key = "disk_eio_read", .type = CMDLINE_UINT, .dst = &eio_read, .max = ~0ull,
               .help = "selftest=disk: an LBA whose reads fail");
CMDLINE_OPTION(disk_eio_write, .key = "disk_eio_write", .type = CMDLINE_UINT, .dst = &eio_write, .max = ~0ull,
               .help = "selftest=disk: an LBA whose writes fail");

static uint64_t rng;
static uint32_t rnd(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;     /* xorshift64 */
    return (uint32_t)(rng >> 16);
}

static void pick(struct blk_dev *d, uint64_t *lba, uint32_t *count)
{
    uint32_t max = d->max_sectors < 16 ? d->max_sectors : 16;
    *count = 1 + rnd() % max;
    if (*count > d->sectors)
        *count = (uint32_t)d->sectors;
    *lba = (((uint64_t)rnd() << 32) | rnd()) % (d->sectors - *count + 1);
}

static void report(struct blk_dev *d, uint64_t lba, uint32_t count, uint32_t tag)
{
    kprintf("disk: wrote %s %s lba %llu count %u tag %u\n", d->name, d->where,
            (unsigned long long)lba, count, tag);
}

/* disk_burst writes at once (more than the queue depth when it is
 * large), on disjoint slices of the disk, waited for together; then each
 * read back and compared. */
struct burst {
    struct blk_req r[64];
    uint32_t tag[64];
    unsigned done, n;
};
static void burst_done(struct blk_req *r) { ((struct burst *)r->arg)->done++; }
static bool burst_all(void *arg) { struct burst *b = arg; return b->done == b->n; }

static int burst_check(struct blk_dev *d, struct blk_req *r, uint32_t tag)
{
    size_t n = (size_t)r->count * d->sector_size;
    uint64_t bus;
    uint8_t *want = blk_buf_alloc(d, n, &bus);
    if (!want)
        return -ENOMEM;
    blk_pattern(want, r->lba, r->count, d->sector_size, tag);
    memset(r->buf, 0, n);
    int rc = r->status ? r->status
           : blk_rw_sync(d, BLK_READ, r->lba, r->count, r->buf, r->buf_bus, BLK_TOOL_TIMEOUT_MS);
    if (!rc && memcmp(want, r->buf, n) != 0)
        rc = -EPROTO;
    blk_buf_free(d, want, n);
    return rc;
}

static int disk_burst_test(struct blk_dev *d)
{
    static struct burst b;
    memset(&b, 0, sizeof b);
    uint64_t slice = d->sectors / (disk_burst ? disk_burst : 1);
    int rc = 0;
    for (; b.n < disk_burst && slice >= 16; b.n++) {
        struct blk_req *r = &b.r[b.n];
        r->count = 1 + rnd() % (d->max_sectors < 16 ? d->max_sectors : 16);
        r->lba = b.n * slice + rnd() % (slice - r->count + 1);
        b.tag[b.n] = rnd() | 1;
        r->buf = blk_buf_alloc(d, (size_t)r->count * d->sector_size, &r->buf_bus);
        if (!r->buf)
            break;
        blk_pattern(r->buf, r->lba, r->count, d->sector_size, b.tag[b.n]);
        r->op = BLK_WRITE;
        r->done = burst_done;
        r->arg = &b;
    }
    unsigned submitted = 0;
    for (unsigned i = 0; i < b.n && !rc; i++, submitted++)
        rc = blk_submit(d, &b.r[i]);
    b.n = submitted - (rc ? 1 : 0);
    unsigned peak = d->in_flight;
    if (d->ops->wait(d, burst_all, &b, BLK_TOOL_TIMEOUT_MS) != 0)
        rc = -ETIMEDOUT;                /* NOTE: requests left with the driver; buffers leak */
    for (unsigned i = 0; i < b.n && !rc; i++) {
        rc = burst_check(d, &b.r[i], b.tag[i]);
        if (!rc)
            report(d, b.r[i].lba, b.r[i].count, b.tag[i]);
    }
    kprintf("disk: %s: burst of %u writes, %u in flight at once: %d\n", d->name, b.n, peak, rc);
    if (rc != -ETIMEDOUT)
        for (unsigned i = 0; i < 64; i++)
            blk_buf_free(d, b.r[i].buf, (size_t)b.r[i].count * d->sector_size);
    return rc;
}

static int disk_random(struct blk_dev *d)
{
    for (uint64_t i = 0; i < disk_writes; i++) {
        uint64_t lba;
        uint32_t count, tag = rnd() | 1;
        pick(d, &lba, &count);
        int rc = blk_verify(d, lba, count, tag, true);
        if (rc) {
            kprintf("selftest: disk: %s: write at LBA %llu count %u failed (%d)\n", d->name,
                    (unsigned long long)lba, count, rc);
            return rc;
        }
        report(d, lba, count, tag);
    }
    return disk_burst_test(d);
}

/* Injected errors (QEMU blkdebug): the failing calls return -EIO, the
 * others still work. */
static int disk_eio_test(struct blk_dev *d)
{
    uint64_t bus;
    uint8_t *b = blk_buf_alloc(d, d->sector_size, &bus);
    if (!b)
        return -ENOMEM;
    int rc = 0, r;
    if (eio_read < d->sectors) {
        r = blk_rw_sync(d, BLK_READ, eio_read, 1, b, bus, BLK_TOOL_TIMEOUT_MS);
        kprintf("disk: %s: read LBA %llu: %d\n", d->name, (unsigned long long)eio_read, r);
        rc |= r != -EIO;
    }
    if (eio_write < d->sectors) {
        blk_pattern(b, eio_write, 1, d->sector_size, 77);
        r = blk_rw_sync(d, BLK_WRITE, eio_write, 1, b, bus, BLK_TOOL_TIMEOUT_MS);
        kprintf("disk: %s: write LBA %llu: %d\n", d->name, (unsigned long long)eio_write, r);
        rc |= r != -EIO;
        /* A block next to it still takes writes. */
        if (blk_verify(d, eio_write + 64, 1, 78, true) == 0)
            report(d, eio_write + 64, 1, 78);
        else
            rc = 1;
    }
    r = blk_rw_sync(d, BLK_READ, 0, 1, b, bus, BLK_TOOL_TIMEOUT_MS);
    rc |= r != 0;
    kprintf("disk: %s: errors %llu, read LBA 0 after them: %d\n", d->name,
            (unsigned long long)d->stats.errors, r);
    blk_buf_free(d, b, d->sector_size);
    return rc ? -EIO : 0;
}

/* A read the disk cannot finish in time (QEMU's throttle filter): the
 * adapter aborts it, resets, gives up: -ETIMEDOUT; writes still work. */
static int disk_slow_test(struct blk_dev *d)
{
    uint32_t n = d->max_sectors < 128 ? d->max_sectors : 128;
    uint64_t bus;
    uint8_t *b = blk_buf_alloc(d, (size_t)n * d->sector_size, &bus);
    if (!b)
        return -ENOMEM;
    uint64_t t0 = clock_ns();
    int r = blk_rw_sync(d, BLK_READ, 0, n, b, bus, 120000);
    kprintf("disk: %s: read of %u sectors: %d after %llu ms\n", d->name, n, r,
            (unsigned long long)((clock_ns() - t0) / 1000000));
    blk_pattern(b, 4100, 1, d->sector_size, 80);
    int w = blk_rw_sync(d, BLK_WRITE, 4100, 1, b, bus, 60000);
    kprintf("disk: %s: write after it: %d\n", d->name, w);
    if (!w)
        report(d, 4100, 1, 80);
    blk_buf_free(d, b, (size_t)n * d->sector_size);
    return r == -ETIMEDOUT && w == 0 ? 0 : -EIO;
}

SELFTEST(disk, "random patterned writes on every disk, read back; injected errors (disk_eio=)")
{
    rng = (clock_ns() ^ rdtsc()) | 1;
    unsigned n = blk_count();
    if (n < disk_min) {
        kprintf("selftest: disk: %u disks, %llu wanted\n", n, (unsigned long long)disk_min);
        return -ENODEV;
    }
    int rc = 0;
    for (unsigned i = 0; i < n && !rc; i++) {
        struct blk_dev *d = blk_get(i);
        if (!d || d == ustar_device())
            continue;
        kprintf("disk: %s %s \"%s\" %llu x %u B, queue depth %u\n", d->name, d->where, d->model,
                (unsigned long long)d->sectors, d->sector_size, d->queue_depth);
        rc = strcmp(d->name, disk_eio) == 0 ? disk_eio_test(d)
           : strcmp(d->name, disk_slow) == 0 ? disk_slow_test(d) : disk_random(d);
    }
    if (rc || !disk_hold)
        return rc;
    kprintf("disk: passed, holding for the host\n");
    for (;;)                            /* the host quits QEMU through the monitor */
        thread_sleep_ns(1000000000ull);
}
