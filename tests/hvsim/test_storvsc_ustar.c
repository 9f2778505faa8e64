/* End to end, hosted: a ustar archive made at test time by the host's
 * `tar --format=ustar`, as a user would make the data disk of a Hyper-V VM
 * (docs/hyperv.md, "On a real Hyper-V host"), written raw onto a LUN of
 * the simulator's storvsp (hvsim_storvsc.c), found by the real SCSI and
 * block layers (blk/scsi.c, blk/blk.c) through hv/storvsc.c, mounted by
 * blk/ustar.c and read back file by file, byte for byte, on 512- and
 * 4096-byte sectors. Then a medium error injected in the middle of a
 * sequence of writes: the caller gets -EIO at the failing request, and
 * the raw image equals the original everywhere but where the earlier
 * requests of the sequence wrote. Each test runs in a forked child;
 * correct traffic leaves zero simulator violations. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "blk/blk.h"
#include "blk/scsi.h"
#include "blk/ustar.h"
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/storvsc.h"
#include "hv/vmbus.h"
#include "kernel/errno.h"
#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/hvsim_storvsc.h"
#include "tests/hvsim/isolated.h"
#include "tests/unit/test.h"

/* The kernel heap blk/ uses, on malloc. */
void *kzalloc(size_t n) { return calloc(1, n); }
void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }

static struct hvsim_storvsc sim;
static char dir[64];
static uint8_t *tar;            /* the archive as tar wrote it */
static size_t tar_len;
static unsigned host_files;     /* regular files in the tree */

/* The tree: sizes around the sector and the 256 KiB transfer size, an
 * empty file, a path longer than ustar's 100-byte name field (it needs the
 * prefix field), a symlink and directories (not regular files: not
 * indexed). */
static const char tree_cmd[] =
    "set -e; cd %1$s; mkdir -p t/css t/deep/a/b t/empty_dir; cd t;"
    "printf '<h1>minnow on Hyper-V</h1>\\n' > index.html; printf 'body{}' > css/site.css;"
    "head -c 300000 /dev/urandom > big.bin; head -c 512 /dev/urandom > s512.bin;"
    "head -c 513 /dev/urandom > s513.bin; head -c 262144 /dev/urandom > t256k.bin; : > empty.txt;"
    "printf deep > deep/a/b/$(printf 'n%%.0s' $(seq 1 95)).txt; ln -s index.html link.html;"
    "tar --format=ustar -cf ../a.tar -C %1$s/t .";

static void cleanup(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static unsigned count_files(const char *path)
{
    DIR *dp = opendir(path);
    unsigned n = 0;
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        char p[512];
        struct stat st;
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
            n++;
        else if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_files(p);
    }
    if (dp)
        closedir(dp);
    return n;
}

/* Made once, in the parent, before the first test. */
__attribute__((constructor)) static void make_archive(void)
{
    snprintf(dir, sizeof dir, "/tmp/hvsim-ustar-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    atexit(cleanup);
    char cmd[1024], p[96];
    snprintf(cmd, sizeof cmd, tree_cmd, dir);
    if (system(cmd) != 0)
        return;                 /* tar is missing: the tests fail on tar == NULL */
    snprintf(p, sizeof p, "%s/a.tar", dir);
    FILE *f = fopen(p, "rb");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    tar_len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    tar = malloc(tar_len);
    if (fread(tar, 1, tar_len, f) != tar_len)
        tar = NULL;
    fclose(f);
    snprintf(p, sizeof p, "%s/t", dir);
    host_files = count_files(p);
}

/* LUN lun with sector size ss, big enough for the archive plus 64 KiB of
 * zeros after it, the archive written raw at offset 0 (what copying it
 * onto a VHDX with dd, or attaching it as a raw disk, gives). */
static bool lun_with_archive(unsigned lun, uint32_t ss)
{
    char p[96];
    snprintf(p, sizeof p, "%s/lun%u.img", dir, lun);
    uint64_t sectors = (tar_len + 65536 + ss - 1) / ss;
    return hvsim_storvsc_attach(&sim, lun, p, sectors, ss) == 0 &&
           pwrite(sim.lun[lun].fd, tar, tar_len, 0) == (ssize_t)tar_len;
}

static bool up(void)
{
    if (!tar)
        return false;
    hvsim_init(NULL);
    hvsim_storvsc_init(&sim);
    return lun_with_archive(0, 512) && lun_with_archive(1, 4096) && hvsim_add_storvsc(&sim, 0) &&
           hv_detect() && !hv_synic_init() && !vmbus_init() && blk_count() == 2;
}

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

/* The host's file rel, whole: malloc'd, *len set; NULL if unreadable. */
static uint8_t *host_file(const char *rel, size_t *len)
{
    char p[512];
    snprintf(p, sizeof p, "%s/t/%s", dir, rel);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*len + 1);
    if (fread(b, 1, *len, f) != *len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

/* File u through ustar_read in uneven pieces (across sectors, the bounce
 * buffer and transfer sizes) equals want[0..len). */
static bool reads_back(const struct ustar_file *u, const uint8_t *want, size_t len)
{
    if (u->size != len)
        return false;
    uint8_t *got = malloc(len + 1);
    size_t off = 0;
    bool ok = true;
    for (unsigned step = 0; off < len && ok; step++) {
        long k = ustar_read(u, off, got + off, 1 + (step * 7919 + 333) % 70000);
        ok = k > 0;
        off += ok ? (size_t)k : 0;
    }
    ok = ok && ustar_read(u, len, got, 10) == 0 && memcmp(got, want, len) == 0;
    free(got);
    return ok;
}

static bool image_is(unsigned lun, const uint8_t *want, size_t len)
{
    uint8_t *got = malloc(len);
    bool ok = pread(sim.lun[lun].fd, got, len, 0) == (ssize_t)len && memcmp(got, want, len) == 0;
    free(got);
    return ok;
}

ISOLATED_TEST(storvsc_ustar_host_tar_archive_reads_back_file_by_file)
{
    REQUIRE(up());
    REQUIRE(host_files == 8);
    for (unsigned lun = 0; lun < 2; lun++) {
        struct blk_dev *d = dev_of(lun);
        REQUIRE(d);
        CHECK_EQ(d->sector_size, lun ? 4096u : 512u);
        REQUIRE(ustar_mount(d) == 0);
        CHECK(ustar_device() == d);
        CHECK_EQ(ustar_count(), host_files);
        /* Every regular file the archive indexes is the host's, exactly;
         * with the count above, none is missing. */
        for (unsigned i = 0; i < ustar_count(); i++) {
            const struct ustar_file *u = ustar_file(i);
            size_t len;
            uint8_t *want = host_file(u->path, &len);
            CHECK(want != NULL);
            if (!want)
                continue;
            if (!reads_back(u, want, len))
                printf("     %s differs (LUN %u)\n", u->path, lun);
            CHECK(reads_back(u, want, len));
            free(want);
        }
        CHECK(ustar_lookup("/index.html") != NULL);
        CHECK(ustar_lookup("link.html") == NULL);      /* a symlink, not a regular file */
        CHECK(ustar_lookup("empty_dir") == NULL);
        char deep[160] = "deep/a/b/";
        memset(deep + 9, 'n', 95);
        strcpy(deep + 104, ".txt");
        const struct ustar_file *u = ustar_lookup(deep);
        CHECK(u && u->size == 4);
        ustar_unmount();
        CHECK(ustar_device() == NULL);
        CHECK(image_is(lun, tar, tar_len));             /* mounting wrote nothing */
    }
    CHECK(sim.lun[0].writes == 0 && sim.lun[1].writes == 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* Rewrites big.bin's data in 32 KiB requests; a medium error sits in the
 * 5th one. */
ISOLATED_TEST(storvsc_ustar_medium_error_mid_write_fails_the_caller_and_spares_the_rest)
{
    REQUIRE(up());
    struct blk_dev *d = dev_of(0);
    REQUIRE(d);
    REQUIRE(ustar_mount(d) == 0);
    const struct ustar_file *big = ustar_lookup("big.bin");
    REQUIRE(big && big->size == 300000 && big->offset % 512 == 0);
    const uint32_t chunk = 64;                          /* sectors: 32 KiB */
    uint64_t first = big->offset / 512, nsec = (big->size + 511) / 512;
    sim.lun[0].medium_error = true;
    sim.lun[0].medium_error_lba = first + 4 * chunk + 17;

    uint8_t *expect = malloc(tar_len), *fresh = malloc(nsec * 512);
    memcpy(expect, tar, tar_len);
    for (size_t i = 0; i < nsec * 512; i++)
        fresh[i] = (uint8_t)(i * 131 + 7);
    uint64_t bus;
    uint8_t *buf = blk_buf_alloc(d, chunk * 512, &bus);
    REQUIRE(buf);
    int rc = 0;
    uint64_t done = 0;                                  /* sectors written */
    while (done < nsec && rc == 0) {
        uint32_t n = nsec - done < chunk ? (uint32_t)(nsec - done) : chunk;
        memcpy(buf, fresh + done * 512, (size_t)n * 512);
        rc = blk_rw_sync(d, BLK_WRITE, first + done, n, buf, bus, 10000);
        if (rc == 0) {
            memcpy(expect + (first + done) * 512, fresh + done * 512, (size_t)n * 512);
            done += n;
        }
    }
    CHECK_EQ(rc, -EIO);
    CHECK_EQ(done, 4 * chunk);                          /* four requests landed, the fifth failed */
    CHECK(d->stats.errors >= 1);
    /* The raw image: the four requests' data, the original everywhere else
     * (the other files, the headers, big.bin's tail, the end blocks). */
    CHECK(image_is(0, expect, tar_len));

    /* Through ustar: the other files are intact; big.bin's written head
     * reads back new; a read over the bad sector is -EIO. */
    for (unsigned i = 0; i < ustar_count(); i++) {
        const struct ustar_file *u = ustar_file(i);
        if (u == big)
            continue;
        size_t len;
        uint8_t *want = host_file(u->path, &len);
        CHECK(want && reads_back(u, want, len));
        free(want);
    }
    static uint8_t got[300000];
    CHECK_EQ(ustar_read(big, 0, got, done * 512), (long)(done * 512));
    CHECK(memcmp(got, fresh, done * 512) == 0);
    CHECK_EQ(ustar_read(big, done * 512, got, 20000), -EIO);

    /* The medium repaired, the rest of the sequence goes through. */
    sim.lun[0].medium_error = false;
    while (done < nsec) {
        uint32_t n = nsec - done < chunk ? (uint32_t)(nsec - done) : chunk;
        memcpy(buf, fresh + done * 512, (size_t)n * 512);
        CHECK_EQ(blk_rw_sync(d, BLK_WRITE, first + done, n, buf, bus, 10000), 0);
        memcpy(expect + (first + done) * 512, fresh + done * 512, (size_t)n * 512);
        done += n;
    }
    CHECK(image_is(0, expect, tar_len));
    CHECK(reads_back(big, fresh, big->size));
    /* The archive's headers were never touched: it mounts again. */
    ustar_unmount();
    CHECK_EQ(ustar_mount(d), 0);
    CHECK_EQ(ustar_count(), host_files);
    /* The other LUN saw nothing. */
    CHECK(image_is(1, tar, tar_len) && sim.lun[1].writes == 0);
    blk_buf_free(d, buf, chunk * 512);
    free(expect);
    free(fresh);
    CHECK_EQ(hvsim_violations(), 0);
}
