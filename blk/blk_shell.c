/* The shell's `blk` command and the test pattern (blk/blk_tool.h):
 *   blk                        the block devices: name, driver, model,
 *                              capacity, sector size, where, counters
 *   blk read blk0 LBA          one sector in hex
 *   blk verify blk0 LBA COUNT  pattern written, read back, compared, and
 *                              the old contents restored */
#include "blk/blk_tool.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/heap.h"
#include "kernel/shell/shell.h"
#include "lib/string.h"

static uint64_t splitmix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void blk_pattern(void *buf, uint64_t lba, uint32_t count, uint32_t sector_size, uint32_t tag)
{
    uint8_t *p = buf;
    for (uint32_t s = 0; s < count; s++) {
        uint64_t seed = ((uint64_t)tag << 32) ^ (lba + s);
        for (uint32_t w = 0; w < sector_size / 8; w++, p += 8) {
            uint64_t v = splitmix64(seed + (w + 1) * 0x9e3779b97f4a7c15ull);
            for (int b = 0; b < 8; b++)
                p[b] = (uint8_t)(v >> (8 * b));
        }
    }
}

int blk_verify(struct blk_dev *d, uint64_t lba, uint32_t count, uint32_t tag, bool keep)
{
    size_t n = (size_t)count * d->sector_size;
    uint64_t bo, bw;
    uint8_t *old = keep ? NULL : blk_buf_alloc(d, n, &bo), *w = blk_buf_alloc(d, n, &bw);
    int rc = (!keep && !old) || !w ? -ENOMEM : 0;
    if (!rc && !keep)
        rc = blk_rw_sync(d, BLK_READ, lba, count, old, bo, BLK_TOOL_TIMEOUT_MS);
    if (!rc) {
        blk_pattern(w, lba, count, d->sector_size, tag);
        rc = blk_rw_sync(d, BLK_WRITE, lba, count, w, bw, BLK_TOOL_TIMEOUT_MS);
    }
    if (!rc && d->has_cache)
        rc = blk_rw_sync(d, BLK_FLUSH, 0, 0, NULL, 0, BLK_TOOL_TIMEOUT_MS);
    if (!rc) {
        memset(w, 0, n);
        rc = blk_rw_sync(d, BLK_READ, lba, count, w, bw, BLK_TOOL_TIMEOUT_MS);
    }
    if (!rc) {
        /* Compare with the pattern made again, a sector at a time. */
        uint8_t *want = kmalloc(d->sector_size);
        rc = want ? 0 : -ENOMEM;
        for (uint32_t s = 0; s < count && !rc; s++) {
            blk_pattern(want, lba + s, 1, d->sector_size, tag);
            if (memcmp(want, w + (size_t)s * d->sector_size, d->sector_size) != 0) {
                kprintf("blk: %s: LBA %llu read back differs from what was written\n", d->name,
                        (unsigned long long)(lba + s));
                rc = -EPROTO;
            }
        }
        kfree(want);
    }
    if (old && !keep) {
        int r2 = blk_rw_sync(d, BLK_WRITE, lba, count, old, bo, BLK_TOOL_TIMEOUT_MS);
        rc = rc ? rc : r2;
    }
    blk_buf_free(d, old, n);
    blk_buf_free(d, w, n);
    return rc;
}

/* ---- The shell command --------------------------------------------------- */

static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
    if (base == 16)
        s += 2;
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0')
                   : (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f' ? (unsigned)((*s | 0x20) - 'a' + 10) : 99;
        if (d >= base || v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

static void blk_list(void)
{
    if (!blk_count())
        kprintf("no block devices\n");
    for (unsigned i = 0; i < blk_count(); i++) {
        struct blk_dev *d = blk_get(i);
        const struct blk_stats *s = &d->stats;
        uint64_t mib = d->sectors * d->sector_size >> 20;
        kprintf("%s: %s \"%s\" %llu MiB (%llu x %u B) at %s%s\n", d->name, d->driver, d->model,
                (unsigned long long)mib, (unsigned long long)d->sectors, d->sector_size, d->where,
                d->read_only ? ", read-only" : "");
        kprintf("  reads %llu (%llu B) writes %llu (%llu B) flushes %llu errors %llu\n",
                (unsigned long long)s->reads, (unsigned long long)s->read_bytes,
                (unsigned long long)s->writes, (unsigned long long)s->write_bytes,
                (unsigned long long)s->flushes, (unsigned long long)s->errors);
    }
}

static int blk_read_hex(struct blk_dev *d, uint64_t lba)
{
    uint64_t bus;
    uint8_t *b = blk_buf_alloc(d, d->sector_size, &bus);
    if (!b)
        return -ENOMEM;
    int rc = blk_rw_sync(d, BLK_READ, lba, 1, b, bus, BLK_TOOL_TIMEOUT_MS);
    for (uint32_t o = 0; !rc && o < d->sector_size; o += 16) {
        kprintf("%04x:", o);
        for (int i = 0; i < 16; i++)
            kprintf(" %02x", b[o + i]);
        kprintf("  ");
        for (int i = 0; i < 16; i++)
            kprintf("%c", b[o + i] >= 0x20 && b[o + i] < 0x7f ? b[o + i] : '.');
        kprintf("\n");
    }
    blk_buf_free(d, b, d->sector_size);
    return rc;
}

static int cmd_blk(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "list") == 0) {
        blk_list();
        return 0;
    }
    struct blk_dev *d = argc >= 3 ? blk_find(argv[2]) : NULL;
    uint64_t lba = 0, count = 1;
    bool read = strcmp(argv[1], "read") == 0 && argc == 4;
    bool verify = strcmp(argv[1], "verify") == 0 && argc == 5;
    if ((!read && !verify) || !d || !parse_u64(argv[3], &lba) ||
        (verify && !parse_u64(argv[4], &count))) {
        kprintf("usage: blk [list] | blk read blkN LBA | blk verify blkN LBA COUNT\n");
        return -EINVAL;
    }
    if (count == 0 || count > d->max_sectors || count * d->sector_size > 65536 ||
        lba >= d->sectors || count > d->sectors - lba) {
        kprintf("blk: %s: LBA %llu count %llu is outside the device or too long\n", d->name,
                (unsigned long long)lba, (unsigned long long)count);
        return -EINVAL;
    }
    int rc = read ? blk_read_hex(d, lba) : blk_verify(d, lba, (uint32_t)count, 0x5e1f, false);
    if (verify)
        kprintf("blk: %s: verify LBA %llu count %llu: %s (%d)\n", d->name, (unsigned long long)lba,
                (unsigned long long)count, rc ? "FAILED" : "ok", rc);
    else if (rc)
        kprintf("blk: %s: read LBA %llu failed (%d)\n", d->name, (unsigned long long)lba, rc);
    return rc;
}
SHELL_COMMAND(blk, "block devices; blk read blkN LBA; blk verify blkN LBA COUNT", cmd_blk);
