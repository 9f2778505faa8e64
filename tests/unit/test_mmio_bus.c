/* Host unit tests for kernel/dev/mmio_bus.c: the registry (dedupe by base,
 * overlaps, bad windows, the size limit), the command-line form
 * virtio_mmio.device=<size>@<base>:<irq>[:<id>] as Linux's vm_cmdline_set()
 * reads it (drivers/virtio/virtio_mmio.c), malformed entries (each logged,
 * none added) and driver binding. */
#include "kernel/console/kprintf.h"
#include "kernel/dev/mmio_bus.h"
#include "kernel/errno.h"
#include "tests/unit/test.h"
#include <stdarg.h>

void mmio_bus_reset(void);

int kernel_loglevel = LOG_DEBUG;
static char logbuf[16384];
static size_t loglen;

void klog(int level, const char *fmt, ...)
{
    (void)level;
    va_list ap;
    va_start(ap, fmt);
    if (loglen < sizeof logbuf - 1) {
        int n = vsnprintf(logbuf + loglen, sizeof logbuf - loglen, fmt, ap);
        if (n > 0)
            loglen += (size_t)n < sizeof logbuf - loglen ? (size_t)n : sizeof logbuf - 1 - loglen;
    }
    va_end(ap);
}

static void reset(void)
{
    mmio_bus_reset();
    loglen = 0;
    logbuf[0] = '\0';
}

static int count_lines(const char *needle)
{
    int n = 0;
    for (const char *p = logbuf; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

TEST(cmdline_firecracker_form)
{
    reset();
    int n = mmio_bus_from_cmdline("console=ttyS0 virtio_mmio.device=4K@0xd0000000:5:0 "
                                  "virtio_mmio.device=4K@0xd0001000:6:1 reboot=k");
    CHECK_EQ(n, 2);
    REQUIRE(mmio_bus_count() == 2);
    struct mmio_dev *d = mmio_bus_get(0);
    CHECK_STR(d->hid, "LNRO0005");
    CHECK_EQ(d->base, 0xd0000000ull);
    CHECK_EQ(d->size, 4096);
    CHECK_EQ(d->gsi, 5);
    CHECK_EQ(d->uid, 0);
    CHECK(d->has_irq && !d->irq_level && !d->irq_active_low);
    CHECK_EQ(d->src, MMIO_SRC_CMDLINE);
    CHECK_STR(d->path, "cmdline#0");
    d = mmio_bus_get(1);
    CHECK_EQ(d->base, 0xd0001000ull);
    CHECK_EQ(d->gsi, 6);
    CHECK_EQ(d->uid, 1);
    CHECK(mmio_bus_get(2) == NULL);
}

TEST(cmdline_qemu_microvm_form)
{
    reset();
    /* hw/i386/microvm.c's auto-kernel-cmdline: 512 bytes, no id. */
    CHECK_EQ(mmio_bus_from_cmdline("virtio_mmio.device=512@0xfeb00e00:12\tvirtio_mmio.device=512@0xfeb00c00:11"), 2);
    REQUIRE(mmio_bus_count() == 2);
    CHECK_EQ(mmio_bus_get(0)->size, 512);
    CHECK_EQ(mmio_bus_get(0)->base, 0xfeb00e00ull);
    CHECK_EQ(mmio_bus_get(0)->gsi, 12);
    CHECK_EQ(mmio_bus_get(1)->base, 0xfeb00c00ull);
}

TEST(cmdline_number_forms)
{
    reset();
    /* memparse: suffixes K/M/G (either case), octal and decimal numbers;
     * %lli for the base accepts decimal and octal too. */
    CHECK_EQ(mmio_bus_from_cmdline("virtio_mmio.device=1k@4096:3 virtio_mmio.device=2M@010000000:4:7 "
                                   "virtio_mmio.device=0x200@0x100000000:9 virtio_mmio.device=1G@0x200000000:10"), 4);
    REQUIRE(mmio_bus_count() == 4);
    CHECK_EQ(mmio_bus_get(0)->size, 1024);
    CHECK_EQ(mmio_bus_get(0)->base, 4096);
    CHECK_EQ(mmio_bus_get(1)->size, 2 << 20);
    CHECK_EQ(mmio_bus_get(1)->base, 010000000);
    CHECK_EQ(mmio_bus_get(1)->uid, 7);
    CHECK_EQ(mmio_bus_get(2)->base, 0x100000000ull);
    CHECK_EQ(mmio_bus_get(3)->size, 1ull << 30);
    /* A quoted value is the same value. */
    reset();
    CHECK_EQ(mmio_bus_from_cmdline("virtio_mmio.device=\"4K@0xd0000000:5\""), 1);
}

TEST(cmdline_malformed_entries)
{
    static const char *const bad[] = {
        "virtio_mmio.device=",                          /* empty */
        "virtio_mmio.device=4K",                        /* no base */
        "virtio_mmio.device=4K@",                       /* no base digits */
        "virtio_mmio.device=4K@0xd0000000",             /* no irq */
        "virtio_mmio.device=4K@0xd0000000:",            /* empty irq */
        "virtio_mmio.device=4K@0xd0000000:x",           /* irq not a number */
        "virtio_mmio.device=4K@0xd0000000:0x5",         /* %u is decimal only */
        "virtio_mmio.device=4K@0xd0000000:5:",          /* empty id */
        "virtio_mmio.device=4K@0xd0000000:5:1:2",       /* extra field */
        "virtio_mmio.device=4K@0xd0000000:5junk",       /* garbage after irq */
        "virtio_mmio.device=4X@0xd0000000:5",           /* unknown suffix */
        "virtio_mmio.device=4KB@0xd0000000:5",          /* two suffix letters */
        "virtio_mmio.device=@0xd0000000:5",             /* no size */
        "virtio_mmio.device=0@0xd0000000:5",            /* size 0 */
        "virtio_mmio.device=4K@0xd0000000:0",           /* irq 0 */
        "virtio_mmio.device=4K@0xd0000000:4294967296",  /* irq past 32 bits */
        "virtio_mmio.device=4K@0xd0000000:5:2147483648",/* id past %d */
        "virtio_mmio.device=99999999999999999999@0x1000:5",     /* size overflows */
        "virtio_mmio.device=16E@0x1000:5",              /* size << 60 overflows */
        "virtio_mmio.device=4K@0x1fffffffffffffffff:5", /* base overflows */
        "virtio_mmio.device=4K@0xfffffffffffff000:5",   /* window past 2^52 / wraps */
        "virtio_mmio.device=8K@0xffffffffffffffff:5",   /* wraps */
        "virtio_mmio.device=4K@-4096:5",                /* negative base */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reset();
        CHECK_EQ(mmio_bus_from_cmdline(bad[i]), 0);
        CHECK_EQ(mmio_bus_count(), 0);
        if (count_lines("(ignored)") != 1)
            printf("     entry %zu: %s -> log '%s'\n", i, bad[i], logbuf);
        CHECK_EQ(count_lines("(ignored)"), 1);
    }
    /* Good entries around a bad one are still added; prefixes of the key
     * are other options. */
    reset();
    CHECK_EQ(mmio_bus_from_cmdline("virtio_mmio.device=4K@0x1000:5 virtio_mmio.device=4K@0x2000 "
                                   "virtio_mmio.devicex=4K@0x3000:5 virtio_mmio.dev=1 virtio_mmio.device=4K@0x4000:6"), 2);
    CHECK_EQ(count_lines("(ignored)"), 1);
    CHECK_EQ(mmio_bus_from_cmdline(NULL), 0);
    CHECK_EQ(mmio_bus_from_cmdline("   "), 0);
}

TEST(cmdline_long_entry_is_cut_in_the_log)
{
    char line[400] = "virtio_mmio.device=4K@0x1000:5:";
    memset(line + strlen(line), '7', 300);
    reset();
    CHECK_EQ(mmio_bus_from_cmdline(line), 0);
    CHECK(loglen < 200);
}

static struct mmio_dev dev_at(uint64_t base, uint64_t size, const char *path)
{
    struct mmio_dev d = { .base = base, .size = size, .gsi = 24, .has_irq = true, .src = MMIO_SRC_ACPI };
    snprintf(d.hid, sizeof d.hid, "LNRO0005");
    snprintf(d.path, sizeof d.path, "%s", path);
    return d;
}

TEST(registry_dedupe_and_overlap)
{
    reset();
    struct mmio_dev a = dev_at(0xfeb00000, 0x200, "\\_SB_.VR00");
    CHECK_EQ(mmio_bus_add(&a), 0);
    /* The same device from the command line: listed once, the first wins. */
    CHECK_EQ(mmio_bus_from_cmdline("virtio_mmio.device=512@0xfeb00000:24"), 0);
    CHECK_EQ(mmio_bus_count(), 1);
    CHECK_EQ(mmio_bus_get(0)->src, MMIO_SRC_ACPI);
    CHECK(strstr(logbuf, "already listed as \\_SB_.VR00") != NULL);
    struct mmio_dev b = dev_at(0xfeb00100, 0x200, "x");
    CHECK_EQ(mmio_bus_add(&b), -EINVAL);          /* overlaps */
    struct mmio_dev c = dev_at(0xfeb00200, 0x200, "y");
    CHECK_EQ(mmio_bus_add(&c), 0);                /* adjacent is fine */
    struct mmio_dev z = dev_at(0x1000, 0, "z");
    CHECK_EQ(mmio_bus_add(&z), -EINVAL);
    CHECK_EQ(mmio_bus_count(), 2);
}

TEST(registry_full_and_unterminated_strings)
{
    reset();
    for (unsigned i = 0; i < MMIO_DEV_MAX; i++) {
        struct mmio_dev d = dev_at(0x100000 + i * 0x1000ull, 0x200, "d");
        CHECK_EQ(mmio_bus_add(&d), 0);
    }
    struct mmio_dev d = dev_at(0x900000, 0x200, "d");
    CHECK_EQ(mmio_bus_add(&d), -ENOSPC);
    reset();
    /* Neither string terminated: the copy is, and the log reads no further. */
    memset(d.hid, 'A', sizeof d.hid);
    memset(d.path, 'B', sizeof d.path);
    CHECK_EQ(mmio_bus_add(&d), 0);
    CHECK_EQ(strlen(mmio_bus_get(0)->path), sizeof d.path - 1);
    CHECK_EQ(strlen(mmio_bus_get(0)->hid), MMIO_HID_MAX - 1);
}

static int probes, fails;
static int probe_ok(struct mmio_dev *d) { probes++; d->priv = &probes; return 0; }
static int probe_fail(struct mmio_dev *d) { (void)d; fails++; return -EIO; }
MMIO_DRIVER(test_rtc, .name = "test-rtc", .hid = "PNP0B00", .probe = probe_fail);
MMIO_DRIVER(test_virtio, .name = "test-virtio", .hid = "LNRO0005", .probe = probe_ok);

TEST(probe_binds_by_hid_once)
{
    reset();
    struct mmio_dev a = dev_at(0xfeb00000, 0x200, "a");
    struct mmio_dev r = dev_at(0x70, 2, "rtc");
    snprintf(r.hid, sizeof r.hid, "PNP0B00");
    struct mmio_dev o = dev_at(0x80000, 0x100, "other");
    snprintf(o.hid, sizeof o.hid, "ACPI0013");
    CHECK_EQ(mmio_bus_add(&a), 0);
    CHECK_EQ(mmio_bus_add(&r), 0);
    CHECK_EQ(mmio_bus_add(&o), 0);
    probes = fails = 0;
    mmio_bus_probe();
    mmio_bus_probe();                   /* idempotent */
    CHECK_EQ(probes, 1);
    CHECK_EQ(fails, 1);
    REQUIRE(mmio_bus_get(0)->driver != NULL);
    CHECK_STR(mmio_bus_get(0)->driver->name, "test-virtio");
    CHECK(mmio_bus_get(0)->priv == &probes);
    CHECK(mmio_bus_get(1)->driver == NULL);
    CHECK(strstr(logbuf, "test-rtc: probe failed (-5)") != NULL);
    CHECK(mmio_bus_get(2)->driver == NULL);
    /* A device added later is probed by the next call. */
    struct mmio_dev b = dev_at(0xfeb00200, 0x200, "b");
    CHECK_EQ(mmio_bus_add(&b), 0);
    mmio_bus_probe();
    CHECK_EQ(probes, 2);
}
