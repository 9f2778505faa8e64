/* A read-only ustar archive on a block device (see blk/ustar.h).
 *
 * The format (POSIX.1-2008, pax, "ustar Interchange Format"): 512-byte
 * blocks; each member is a header block followed by its data rounded up
 * to whole blocks; two zero blocks end the archive. Header fields are
 * ASCII: names NUL-padded, numbers in octal. The header checksum is the
 * sum of its 512 bytes with the checksum field read as 8 spaces. */
#include "blk/ustar.h"
#include "kernel/init.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/heap.h"
#include "kernel/sched/sched.h"
#include "lib/string.h"

#define USTAR_BLOCK 512
#define USTAR_IO_TIMEOUT_MS 10000

struct ustar_header {
    char name[100];
    char mode[8];
    char uid[8];
    char gid[8];
    char size[12];
    char mtime[12];
    char chksum[8];
    char typeflag;
    char linkname[100];
    char magic[6];              /* "ustar" NUL */
    char version[2];            /* "00" */
    char uname[32];
    char gname[32];
    char devmajor[8];
    char devminor[8];
    char prefix[155];
    char pad[12];
} __attribute__((packed));
_Static_assert(sizeof(struct ustar_header) == USTAR_BLOCK, "ustar header");
_Static_assert(__builtin_offsetof(struct ustar_header, magic) == 257, "ustar magic");
_Static_assert(__builtin_offsetof(struct ustar_header, prefix) == 345, "ustar prefix");

#define USTAR_BOUNCE 16384             /* bytes read from the device at once */

/* The device's reads go through a buffer of its own (blk_buf_alloc). */
struct ustar_io {
    struct blk_dev *dev;
    uint8_t *buf;
    uint64_t bus;
};

/* Concurrency: readers (httpd's connection threads) take the mutex for
 * each ustar_read, as mounting does, since they share the bounce buffer.
 * Unmounting comes from the device's removal, possibly in the thread that
 * completes the device's requests, so it cannot wait for the mutex: it
 * only clears io.dev (a reader then fails with -ENODEV) and frees the
 * buffer if no reader is using it (else the reader frees it). The file
 * table is allocated once and never freed: a reader keeps pointers into
 * it between reads. */
static struct {
    struct ustar_io io;                 /* io.dev: the mounted device */
    struct ustar_file *files;           /* USTAR_MAX_FILES */
    unsigned count;
    bool reading;
} ust;

#ifdef HOSTED
static void ustar_lock(void) {}
static void ustar_unlock(void) {}
#else
static struct mutex ustar_mutex;
static void ustar_lock(void) { mutex_lock(&ustar_mutex); }
static void ustar_unlock(void) { mutex_unlock(&ustar_mutex); }
#endif

int ustar_octal(const char *f, size_t n, uint64_t *out)
{
    size_t i = 0;
    uint64_t v = 0;
    while (i < n && f[i] == ' ')
        i++;
    size_t digits = 0;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
        if (v >> 60)
            return -EINVAL;
        v = v << 3 | (uint64_t)(f[i] - '0');
    }
    if (digits == 0 || (i < n && f[i] != 0 && f[i] != ' '))
        return -EINVAL;
    *out = v;
    return 0;
}

/* ---- Reading bytes off the device ------------------------------------------ */

/* Reads len bytes at byte offset off through the sector-aligned bounce
 * buffer. 0 or -errno. */
static int ustar_pread(const struct ustar_io *io, uint64_t off, void *buf, size_t len)
{
    struct blk_dev *d = io->dev;
    uint32_t ss = d->sector_size;
    uint8_t *out = buf;
    while (len) {
        uint64_t lba = off / ss;
        uint32_t skip = (uint32_t)(off % ss);
        uint64_t need = (skip + len + ss - 1) / ss;
        uint32_t n = need < USTAR_BOUNCE / ss ? (uint32_t)need : USTAR_BOUNCE / ss;
        if (n > d->max_sectors)
            n = d->max_sectors;
        if (n > d->sectors - lba)
            n = (uint32_t)(d->sectors - lba);
        int rc = blk_rw_sync(d, BLK_READ, lba, n, io->buf, io->bus, USTAR_IO_TIMEOUT_MS);
        if (rc)
            return rc;
        if (ust.reading && ust.io.dev != d)
            return -ENODEV;             /* unmounted while we waited */
        size_t k = (size_t)n * ss - skip;
        if (k > len)
            k = len;
        memcpy(out, io->buf + skip, k);
        out += k;
        off += k;
        len -= k;
    }
    return 0;
}

/* ---- Headers --------------------------------------------------------------- */

static bool has_nul(const char *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!f[i])
            return true;
    return false;
}

/* Why a header is bad, or NULL: checksum, magic, octal fields, names. */
static const char *ustar_check(const struct ustar_header *h, uint64_t *size)
{
    const uint8_t *b = (const void *)h;
    uint64_t sum = 0, want;
    for (size_t i = 0; i < USTAR_BLOCK; i++)
        sum += i >= 148 && i < 156 ? ' ' : b[i];
    if (memcmp(h->magic, "ustar", 6) != 0 || memcmp(h->version, "00", 2) != 0)
        return "not a POSIX ustar header";
    if (ustar_octal(h->chksum, sizeof h->chksum, &want) || want != sum)
        return "checksum";
    uint64_t m;
    if (ustar_octal(h->size, sizeof h->size, size) || ustar_octal(h->mode, sizeof h->mode, &m) ||
        ustar_octal(h->mtime, sizeof h->mtime, &m))
        return "octal field";
    if (!h->name[0] || !has_nul(h->prefix, sizeof h->prefix) ||
        !has_nul(h->linkname, sizeof h->linkname) || !has_nul(h->uname, sizeof h->uname))
        return "name";
    return NULL;
}

/* prefix/name, without "./" or "/" in front or "/" behind. */
static void ustar_path(const struct ustar_header *h, char *out)
{
    size_t n = 0, k;
    for (k = 0; k < sizeof h->prefix && h->prefix[k]; k++)
        out[n++] = h->prefix[k];
    if (n)
        out[n++] = '/';
    for (k = 0; k < sizeof h->name && h->name[k]; k++)     /* POSIX: may fill all 100 */
        out[n++] = h->name[k];
    out[n] = 0;
    char *p = out;
    while (*p == '/' || (p[0] == '.' && p[1] == '/'))
        p += *p == '/' ? 1 : 2;
    memmove(out, p, strlen(p) + 1);
    for (n = strlen(out); n && out[n - 1] == '/';)
        out[--n] = 0;
}

void ustar_unmount(void)
{
    if (!ust.io.dev)
        return;
    pr_info("ustar: %s unmounted\n", ust.io.dev->name);
    if (!ust.reading)
        blk_buf_free(ust.io.dev, ust.io.buf, USTAR_BOUNCE);
    ust.io = (struct ustar_io){ 0 };
    ust.count = 0;
}

static int ustar_scan(const struct ustar_io *io, struct ustar_file *files, unsigned *count)
{
    static struct ustar_header h;
    struct blk_dev *d = io->dev;
    uint64_t dev_bytes = d->sectors * d->sector_size, off = 0;
    unsigned n = 0;
    const char *what, *why;                         /* for a refused archive */
    for (;;) {
        if (off + USTAR_BLOCK > dev_bytes) {
            what = "no end-of-archive blocks", why = "truncated?";
            goto refuse;
        }
        int rc = ustar_pread(io, off, &h, sizeof h);
        if (rc)
            return rc;
        size_t nz = 0;                              /* an all-zero block? */
        while (nz < sizeof h && !((const uint8_t *)&h)[nz])
            nz++;
        if (nz == sizeof h) {
            if (off == 0)
                return -ENOENT;                     /* a blank disk */
            break;                                  /* the end */
        }
        uint64_t size;
        what = "bad header", why = ustar_check(&h, &size);
        if (why && off == 0)
            return -ENOENT;
        if (why)
            goto refuse;
        uint64_t data = off + USTAR_BLOCK;
        bool has_data = h.typeflag != '1' && h.typeflag != '2' && h.typeflag != '5';
        uint64_t blocks = has_data ? (size + USTAR_BLOCK - 1) / USTAR_BLOCK : 0;
        if (blocks > (dev_bytes - data) / USTAR_BLOCK) {
            what = "member", why = "runs past the device";
            goto refuse;
        }
        if (h.typeflag == '0' || h.typeflag == 0) {
            if (n == USTAR_MAX_FILES) {
                pr_warn("ustar: %s: more than %u files; the rest ignored\n", d->name, n);
                break;
            }
            ustar_path(&h, files[n].path);
            files[n].offset = data;
            files[n].size = size;
            n += files[n].path[0] != 0;
        }
        off = data + blocks * USTAR_BLOCK;
    }
    *count = n;
    return 0;
refuse:
    pr_err("ustar: %s: %s at byte %llu (%s): archive refused\n", d->name, what, (unsigned long long)off, why);
    return -EINVAL;
}

int ustar_mount(struct blk_dev *d)
{
    struct ustar_io io = { .dev = d };
    if (d->sector_size > USTAR_BOUNCE)
        return -EINVAL;
    if (!ust.files && !(ust.files = kzalloc(USTAR_MAX_FILES * sizeof *ust.files)))
        return -ENOMEM;
    io.buf = blk_buf_alloc(d, USTAR_BOUNCE, &io.bus);
    struct ustar_file *files = kzalloc(USTAR_MAX_FILES * sizeof *files);
    unsigned n = 0;
    int rc = io.buf && files ? ustar_scan(&io, files, &n) : -ENOMEM;
    if (rc) {
        kfree(files);
        blk_buf_free(d, io.buf, USTAR_BOUNCE);
        return rc;
    }
    ustar_lock();
    ustar_unmount();
    memcpy(ust.files, files, n * sizeof *files);
    ust.io = io;
    ust.count = n;
    ustar_unlock();
    kfree(files);
    pr_info("ustar: %s mounted, %u files\n", d->name, n);
    return 0;
}

struct blk_dev *ustar_device(void) { return ust.io.dev; }
unsigned ustar_count(void) { return ust.count; }
const struct ustar_file *ustar_file(unsigned i) { return i < ust.count ? &ust.files[i] : NULL; }

const struct ustar_file *ustar_lookup(const char *path)
{
    while (*path == '/')
        path++;
    for (unsigned i = 0; i < ust.count; i++)
        if (strcmp(ust.files[i].path, path) == 0)
            return &ust.files[i];
    return NULL;
}

long ustar_read(const struct ustar_file *f, uint64_t off, void *buf, size_t len)
{
    ustar_lock();
    struct ustar_io io = ust.io;
    long rc = io.dev ? 0 : -ENODEV;
    if (io.dev && off < f->size) {
        if (len > f->size - off)
            len = (size_t)(f->size - off);
        ust.reading = true;
        rc = ustar_pread(&io, f->offset + off, buf, len);
        ust.reading = false;
        if (ust.io.dev != io.dev)       /* unmounted meanwhile: the buffer is ours to free */
            blk_buf_free(io.dev, io.buf, USTAR_BOUNCE);
        rc = rc ? rc : (long)len;
    }
    ustar_unlock();
    return rc;
}

/* ---- Mounting at boot -------------------------------------------------------- */
#ifndef HOSTED
static bool ustar_booting;

static void ustar_try(struct blk_dev *d)
{
    if (!ust.io.dev && ustar_mount(d) == -ENOENT)
        pr_debug("ustar: %s holds no archive\n", d->name);
}

static void ustar_mount_thread(void *arg)
{
    /* The device may have gone while we waited to run. */
    for (unsigned i = 0; i < blk_count(); i++)
        if (blk_get(i) == arg)
            ustar_try(arg);
}

static void ustar_added(struct blk_dev *d)
{
    if (ust.io.dev)
        return;
    if (ustar_booting) {                /* the main thread: read at once */
        ustar_try(d);
        return;
    }
    /* A driver's thread may be the one that completes our reads. */
    struct thread *t = thread_create("ustar-mount", ustar_mount_thread, d, 0);
    if (t)
        thread_detach(t);
}

static void ustar_removed(struct blk_dev *d)
{
    if (ust.io.dev == d)
        ustar_unmount();
}

static struct blk_listener ustar_listener = { ustar_added, ustar_removed, NULL };

static void ustar_init(void)
{
    ustar_booting = true;
    blk_listen(&ustar_listener);
    ustar_booting = false;
}
INIT_HOOK(ustar, ustar_init, INIT_STACK);
#endif
