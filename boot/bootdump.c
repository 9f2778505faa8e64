/* bootdump: record the physical ranges a boot-information parse reads, then
 * hex-dump them through kprintf (format in boot/bootdump.h). Used by the
 * `bootdump` boot option to capture real loader structures for
 * tests/data/bootinfo; costs nothing unless wrapped. */
#include "boot/bootdump.h"

#include <stdbool.h>
#include <stddef.h>

#include "kernel/console/kprintf.h"

#define BOOTDUMP_LINE_BYTES 32

struct range {
    uint64_t phys, len;
};

/* Ranges are kept sorted by address, disjoint and not touching. */
static struct bootdump {
    struct physmem in;
    struct range r[BOOTDUMP_MAX_RANGES];
    unsigned n;
} dump;

static void remove_range(struct bootdump *d, unsigned i)
{
    for (; i + 1 < d->n; i++)
        d->r[i] = d->r[i + 1];
    d->n--;
}

/* Add [phys, phys+len), absorbing every range it overlaps or touches. */
static void record(struct bootdump *d, uint64_t phys, uint64_t len)
{
    uint64_t end = phys + len;
    unsigned i = 0;

    if (len == 0 || end < phys)
        return;
    while (i < d->n) {
        uint64_t rend = d->r[i].phys + d->r[i].len;
        if (d->r[i].phys <= end && phys <= rend) {
            phys = d->r[i].phys < phys ? d->r[i].phys : phys;
            end = rend > end ? rend : end;
            remove_range(d, i);
            continue;
        }
        i++;
    }
    if (d->n == BOOTDUMP_MAX_RANGES)
        return;
    for (i = d->n; i > 0 && d->r[i - 1].phys > phys; i--)
        d->r[i] = d->r[i - 1];
    d->r[i] = (struct range){phys, end - phys};
    d->n++;
}

static const void *bootdump_map(void *ctx, uint64_t phys, uint64_t len)
{
    struct bootdump *d = ctx;
    const void *p = d->in.map(d->in.ctx, phys, len);

    if (p)
        record(d, phys, len);
    return p;
}

void bootdump_wrap(struct physmem *out, const struct physmem *in)
{
    dump.in = *in;
    dump.n = 0;
    out->map = bootdump_map;
    out->ctx = &dump;
}

static void print_data(const uint8_t *b, uint64_t len)
{
    static const char hex[] = "0123456789abcdef";
    char line[2 * BOOTDUMP_LINE_BYTES + 1];

    for (uint64_t off = 0; off < len; off += BOOTDUMP_LINE_BYTES) {
        size_t n = 0;
        for (uint64_t i = off; i < len && i < off + BOOTDUMP_LINE_BYTES; i++) {
            line[n++] = hex[b[i] >> 4];
            line[n++] = hex[b[i] & 15];
        }
        line[n] = 0;
        kprintf("bootdump: data %s\n", line);
    }
}

void bootdump_print(uint32_t magic, uint64_t info_phys)
{
    kprintf("bootdump: magic 0x%08x info 0x%llx\n", magic, (unsigned long long)info_phys);
    for (unsigned i = 0; i < dump.n; i++) {
        const struct range *r = &dump.r[i];
        const uint8_t *b = dump.in.map ? dump.in.map(dump.in.ctx, r->phys, r->len) : NULL;
        kprintf("bootdump: region 0x%llx %llu\n", (unsigned long long)r->phys,
                (unsigned long long)r->len);
        if (b)
            print_data(b, r->len);
    }
    kprintf("bootdump: end\n");
}
