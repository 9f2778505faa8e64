/* Host tests for the ustar reader (blk/ustar.c): an archive made at test
 * time by the host's `tar --format=ustar`, on a memory-backed block device
 * (blk/blk.c with a driver that copies), then corrupted copies of it: a
 * bad checksum, a bad octal size, a member past the end of the device, a
 * name field without NUL, GNU tar's header, no archive at all. */
#include "test.h"
#include "blk_stubs.h"
#include "blk/blk.h"
#include "blk/ustar.h"
#include "kernel/errno.h"
#include <unistd.h>

static uint8_t *img;
static size_t img_len;
static unsigned reads;

static int mem_submit(struct blk_dev *d, struct blk_req *r)
{
    size_t off = r->lba * d->sector_size, n = (size_t)r->count * d->sector_size;
    if (r->op != BLK_READ || off + n > img_len)
        return -EIO;
    memcpy(r->buf, img + off, n);
    reads++;
    blk_complete(d, r, 0);
    return 0;
}
static int mem_wait(struct blk_dev *d, bool (*cond)(void *), void *arg, uint64_t ms)
{
    (void)d, (void)ms;
    return cond(arg) ? 0 : -ETIMEDOUT;
}
static void *mem_alloc(struct blk_dev *d, size_t n, uint64_t *bus)
{
    (void)d;
    void *p = calloc(1, n);
    *bus = (uintptr_t)p;
    return p;
}
static void mem_free(struct blk_dev *d, void *p, size_t n) { (void)d, (void)n; free(p); }
static const struct blk_ops mem_ops = { mem_submit, mem_wait, mem_alloc, mem_free };

static struct blk_dev dev;
static void attach(size_t sector)
{
    memset(&dev, 0, sizeof dev);
    dev.driver = "mem";
    dev.sector_size = (uint32_t)sector;
    dev.sectors = img_len / sector;
    dev.max_sectors = 8;
    dev.queue_depth = 1;
    dev.ops = &mem_ops;
    if (blk_register(&dev) != 0)
        abort();
}
static void detach(void)
{
    ustar_unmount();
    blk_unregister(&dev);
}

static char dir[64];
/* Makes the archive with the host's tar, padded to whole 4 KiB sectors. */
static bool make_archive(void)
{
    if (img)
        return true;
    snprintf(dir, sizeof dir, "/tmp/minnow-ustar-%d", (int)getpid());
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "set -e; rm -rf %1$s; mkdir -p %1$s/t/css %1$s/t/deep/a/b; cd %1$s/t;"
             "printf '<h1>hi</h1>\\n' > index.html; printf 'body{}' > css/site.css;"
             "head -c 100000 /dev/urandom > big.bin; : > empty.txt;"
             "printf x > deep/a/b/$(printf 'n%%.0s' $(seq 1 90)).txt; ln -s index.html link.html;"
             "tar --format=ustar -cf ../a.tar -C %1$s/t .", dir);
    if (system(cmd) != 0)
        return false;
    snprintf(cmd, sizeof cmd, "%s/a.tar", dir);
    FILE *f = fopen(cmd, "rb");
    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    img_len = ((size_t)n + 4095) / 4096 * 4096;
    img = calloc(1, img_len);
    bool ok = fread(img, 1, (size_t)n, f) == (size_t)n;
    fclose(f);
    return ok;
}

static bool same_as_file(const struct ustar_file *u, const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/t/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    static uint8_t want[200000], got[200000];
    size_t n = fread(want, 1, sizeof want, f);
    fclose(f);
    if (n != u->size)
        return false;
    /* In uneven pieces, across sector and bounce-buffer boundaries. */
    size_t off = 0;
    while (off < n) {
        long k = ustar_read(u, off, got + off, 777 + off % 5000);
        if (k <= 0)
            return false;
        off += (size_t)k;
    }
    return ustar_read(u, n, got, 10) == 0 && memcmp(want, got, n) == 0;
}

TEST(host_tar_archive)
{
    REQUIRE(make_archive());
    size_t sizes[] = { 512, 4096 };
    for (int i = 0; i < 2; i++) {
        attach(sizes[i]);
        REQUIRE(ustar_mount(&dev) == 0);
        CHECK(ustar_device() == &dev);
        CHECK_EQ(ustar_count(), 5);                 /* regular files: no dirs, no link */
        const struct ustar_file *u = ustar_lookup("/index.html");
        REQUIRE(u);
        CHECK(same_as_file(u, "index.html"));
        REQUIRE((u = ustar_lookup("css/site.css")));
        CHECK(same_as_file(u, "css/site.css"));
        REQUIRE((u = ustar_lookup("big.bin")));
        CHECK(same_as_file(u, "big.bin"));
        REQUIRE((u = ustar_lookup("empty.txt")));
        CHECK_EQ(u->size, 0);
        char deep[160];
        snprintf(deep, sizeof deep, "deep/a/b/%.*s.txt", 90,
                 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
        REQUIRE((u = ustar_lookup(deep)));          /* prefix + name */
        CHECK(same_as_file(u, deep));
        CHECK(ustar_lookup("link.html") == NULL);
        CHECK(ustar_lookup("css") == NULL);
        CHECK(ustar_lookup("nope") == NULL);
        detach();
    }
}

/* The header of the member whose name ends in `name`. */
static uint8_t *header_of(const char *name)
{
    for (size_t off = 0; off + 512 <= img_len; off += 512) {
        char *n = (char *)img + off;
        size_t l = strnlen(n, 100), k = strlen(name);
        if (memcmp(img + off + 257, "ustar", 6) == 0 && l >= k && strcmp(n + l - k, name) == 0)
            return img + off;
    }
    return NULL;
}

static void fix_checksum(uint8_t *h)
{
    unsigned sum = 0;
    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
}

/* Mounts a corrupted copy made by fn: the result and the log. */
static int mount_corrupt(void (*fn)(void))
{
    uint8_t *saved = malloc(img_len);
    memcpy(saved, img, img_len);
    size_t saved_len = img_len;
    fn();
    attach(512);
    blk_log_clear();
    int rc = ustar_mount(&dev);
    detach();
    memcpy(img, saved, saved_len);
    img_len = saved_len;
    free(saved);
    return rc;
}

static void bad_checksum(void) { header_of("site.css")[0x70] ^= 1; }
static void bad_octal(void)
{
    uint8_t *h = header_of("site.css");
    memcpy(h + 124, "0000000008 ", 12);
    fix_checksum(h);
}
static void past_end(void)
{
    uint8_t *h = header_of("big.bin");
    snprintf((char *)h + 124, 12, "%011o", 077777777);
    fix_checksum(h);
}
static void no_nul(void)
{
    uint8_t *h = header_of("index.html");
    memset(h + 345, 'a', 155);                      /* prefix fills its field */
    fix_checksum(h);
}
static void gnu_magic(void)
{
    memcpy(img + 257, "ustar  ", 8);
    fix_checksum(img);
}
static void second_gnu(void)
{
    uint8_t *h = header_of("site.css");
    memcpy(h + 257, "ustar  ", 8);
    fix_checksum(h);
}
static void truncated(void) { img_len = 1024; }
static void blank(void) { memset(img, 0, img_len); }

TEST(corrupt_archives_refused)
{
    REQUIRE(make_archive());
    CHECK_EQ(mount_corrupt(bad_checksum), -EINVAL);
    CHECK(strstr(blk_log, "checksum") != NULL);
    CHECK_EQ(mount_corrupt(bad_octal), -EINVAL);
    CHECK(strstr(blk_log, "octal") != NULL);
    CHECK_EQ(mount_corrupt(past_end), -EINVAL);
    CHECK(strstr(blk_log, "past the device") != NULL);
    CHECK_EQ(mount_corrupt(no_nul), -EINVAL);
    CHECK(strstr(blk_log, "(name)") != NULL);
    CHECK_EQ(mount_corrupt(gnu_magic), -ENOENT);
    CHECK_EQ(mount_corrupt(second_gnu), -EINVAL);
    CHECK(strstr(blk_log, "not a POSIX ustar header") != NULL);
    CHECK_EQ(mount_corrupt(truncated), -EINVAL);   /* cut after two headers */
    CHECK(strstr(blk_log, "truncated") != NULL);
    CHECK_EQ(mount_corrupt(blank), -ENOENT);
    CHECK(ustar_device() == NULL);
    /* And the good one still mounts. */
    attach(512);
    CHECK_EQ(ustar_mount(&dev), 0);
    detach();
}

TEST(octal_fields)
{
    uint64_t v;
    CHECK_EQ(ustar_octal("0000644\0", 8, &v), 0);
    CHECK_EQ(v, 0644);
    CHECK_EQ(ustar_octal("   17 \0", 8, &v), 0);
    CHECK_EQ(v, 15);
    CHECK_EQ(ustar_octal("77777777777", 11, &v), 0);   /* fills the field */
    CHECK_EQ(v, 077777777777ll);
    CHECK_EQ(ustar_octal("0008\0\0\0\0", 8, &v), -EINVAL);
    CHECK_EQ(ustar_octal("\0\0\0\0", 4, &v), -EINVAL);
    CHECK_EQ(ustar_octal("12x", 3, &v), -EINVAL);
    CHECK_EQ(ustar_octal("-1", 2, &v), -EINVAL);
}

TEST(cleanup)
{
    char cmd[128];
    if (dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        CHECK_EQ(system(cmd), 0);
    }
    free(img);
    img = NULL;
}
