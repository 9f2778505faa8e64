/* The MMIO bus: a registry of devices at fixed physical addresses, fed by
 * the ACPI DSDT (kernel/acpi/acpi_aml_dev.c) and by the kernel command
 * line, and the binding of MMIO_DRIVER()s to them (see mmio_bus.h).
 *
 * The command-line form is Linux's (Documentation/admin-guide/
 * kernel-parameters.txt "virtio_mmio.device", parsed there by
 * drivers/virtio/virtio_mmio.c vm_cmdline_set()):
 *     virtio_mmio.device=<size>@<base>:<irq>[:<id>]
 * <size> is memparse()'s number (lib/cmdline.c: 0x hex, leading-0 octal or
 * decimal, then an optional K/M/G/T/P/E suffix, powers of 1024); <base> is
 * sscanf's %lli (same bases), <irq> %u (decimal), <id> %d (decimal). Linux
 * refuses anything left after the last field. Firecracker writes e.g.
 *     virtio_mmio.device=4K@0xd0000000:5:0
 * and QEMU's microvm with acpi=off (hw/i386/microvm.c, auto-kernel-cmdline)
 * virtio_mmio.device=512@0xfeb00e00:12. The key may appear many times.
 *
 * Everything here is validated: a malformed entry or a window that wraps,
 * overlaps another or lies past the 52-bit physical address space is one
 * log line and is skipped; the boot goes on. The registry and the parser
 * are host-tested in tests/unit/test_mmio_bus.c. */
#include "kernel/dev/mmio_bus.h"
#include "kernel/console/kprintf.h"
#include "kernel/core/cmdline.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "lib/strlist.h"
#ifdef HOSTED
#include <string.h>
#else
#include "kernel/init.h"
#include "kernel/shell/shell.h"
#include "lib/string.h"
#endif

LINKSET_DECLARE(struct mmio_driver, mmio_drivers);
LINKSET_DEFINE(struct mmio_driver, mmio_drivers);

#define MMIO_PHYS_LIMIT (1ull << 52)    /* x86-64's architectural maximum */
#define MMIO_CMDLINE_KEY "virtio_mmio.device="
#define MMIO_VIRTIO_HID "LNRO0005"

static struct mmio_dev devs[MMIO_DEV_MAX];
static bool tried[MMIO_DEV_MAX];       /* a driver's probe ran (bound or not) */
static unsigned ndevs;

/* The command line's checker sees virtio_mmio.device= as a string option
 * (so it is not "unknown"); the value it keeps is unused: every occurrence
 * is read by mmio_bus_from_cmdline(). An entry too long for this buffer
 * cannot be well formed (60 chars hold two 64-bit hex numbers and two
 * 10-digit ones), so that report is right too. */
static char opt_virtio_mmio[64];
CMDLINE_OPTION(virtio_mmio, .key = "virtio_mmio.device", .type = CMDLINE_STR, .dst = opt_virtio_mmio,
               .dst_size = sizeof opt_virtio_mmio,
               .help = "<size>@<base>:<irq>[:<id>] a virtio-mmio device (Linux's form; repeatable)");

unsigned mmio_bus_count(void) { return ndevs; }

static const char *trigger(const struct mmio_dev *d)
{
    return d->has_irq ? strlist_nth("edge/high\0edge/low\0level/high\0level/low", d->irq_level * 2u + d->irq_active_low)
                      : "-";
}

struct mmio_dev *mmio_bus_get(unsigned i) { return i < ndevs ? &devs[i] : NULL; }

int mmio_bus_add(const struct mmio_dev *dev)
{
    struct mmio_dev n = *dev;               /* strings terminated before any use */
    n.hid[MMIO_HID_MAX - 1] = '\0';
    n.path[sizeof n.path - 1] = '\0';
    n.driver = NULL;
    n.priv = NULL;
    uint64_t end = n.base + n.size;         /* exclusive; checked for wrap below */
    if (n.size == 0 || end < n.base || end > (n.io ? 0x10000 : MMIO_PHYS_LIMIT)) {
        pr_warn("mmio: %s: bad window 0x%llx+0x%llx (ignored)\n", n.path, (unsigned long long)n.base,
                (unsigned long long)n.size);
        return -EINVAL;
    }
    for (unsigned i = 0; i < ndevs; i++) {
        const struct mmio_dev *o = &devs[i];
        if (o->io != n.io)
            continue;
        if (o->base == n.base) {
            pr_info("mmio: %s: 0x%llx already listed as %s\n", n.path, (unsigned long long)n.base, o->path);
            return -EEXIST;
        }
        if (n.base < o->base + o->size && o->base < end) {
            pr_warn("mmio: %s: 0x%llx+0x%llx overlaps %s (ignored)\n", n.path, (unsigned long long)n.base,
                    (unsigned long long)n.size, o->path);
            return -EINVAL;
        }
    }
    if (ndevs == MMIO_DEV_MAX) {
        pr_warn("mmio: %s: more than %d devices (ignored)\n", n.path, MMIO_DEV_MAX);
        return -ENOSPC;
    }
    tried[ndevs] = false;
    devs[ndevs++] = n;
    pr_info("mmio: %s %s uid %u at %s0x%llx+0x%llx, gsi %u %s\n", n.path, n.hid, n.uid, n.io ? "port " : "",
            (unsigned long long)n.base, (unsigned long long)n.size, n.gsi, trigger(&n));
    return 0;
}

/* ---- virtio_mmio.device= ---------------------------------------------- */

/* A number at s[*i..n) as strtoull(base 0) reads it: 0x hex, leading-0
 * octal, else decimal; dec_only for sscanf's %u/%d. At least one digit;
 * -ERANGE on overflow, -EINVAL without digits. */
static int parse_num(const char *s, size_t n, size_t *i, bool dec_only, uint64_t *out)
{
    unsigned base = 10;
    size_t p = *i;
    if (!dec_only && p + 1 < n && s[p] == '0' && (s[p + 1] | 0x20) == 'x') {
        base = 16;
        p += 2;
    } else if (!dec_only && p < n && s[p] == '0') {
        base = 8;
    }
    size_t start = p;
    uint64_t v = 0;
    for (; p < n; p++) {
        unsigned c = (unsigned char)s[p], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            break;
        if (d >= base)
            break;
        if (v > (UINT64_MAX - d) / base)
            return -ERANGE;
        v = v * base + d;
    }
    if (p == start)
        return -EINVAL;
    *i = p;
    *out = v;
    return 0;
}

/* Parses one value (the text after "virtio_mmio.device=") into *d.
 * Returns NULL or why it is refused. */
static const char *parse_entry(const char *s, size_t n, struct mmio_dev *d)
{
    static const char sfx[] = "KMGTPE";
    uint64_t size, base, irq, id = 0;
    size_t i = 0;
    if (parse_num(s, n, &i, false, &size))
        return "bad size";
    for (unsigned k = 0; i < n && k < sizeof sfx - 1; k++) {
        if ((s[i] & ~0x20) != sfx[k])
            continue;
        unsigned shift = 10 * (k + 1);
        if (size > (UINT64_MAX >> shift))
            return "size too large";
        size <<= shift;
        i++;
        break;
    }
    if (i >= n || s[i++] != '@')
        return "expected @<base> after the size";
    if (parse_num(s, n, &i, false, &base))
        return "bad base";
    if (i >= n || s[i++] != ':')
        return "expected :<irq> after the base";
    if (parse_num(s, n, &i, true, &irq) || irq > UINT32_MAX)
        return "bad irq";
    if (i < n && s[i] == ':') {
        i++;
        if (parse_num(s, n, &i, true, &id) || id > INT32_MAX)
            return "bad id";
    }
    if (i != n)
        return "unexpected text after the fields";
    if (irq == 0)
        return "irq 0";
    d->size = size;
    d->base = base;
    d->gsi = (uint32_t)irq;
    d->uid = (uint32_t)id;
    return NULL;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int mmio_bus_from_cmdline(const char *cmdline)
{
    const size_t klen = sizeof MMIO_CMDLINE_KEY - 1;
    const char *p = cmdline ? cmdline : "";
    int added = 0;
    for (unsigned nth = 0; *p;) {
        while (is_space(*p))
            p++;
        const char *tok = p;
        while (*p && !is_space(*p))
            p++;
        size_t len = (size_t)(p - tok);
        if (len < klen || memcmp(tok, MMIO_CMDLINE_KEY, klen) != 0)
            continue;
        const char *v = tok + klen;
        size_t vlen = len - klen;
        if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
            v++;
            vlen -= 2;
        }
        struct mmio_dev d = { .src = MMIO_SRC_CMDLINE, .has_irq = true };
        memcpy(d.hid, MMIO_VIRTIO_HID, sizeof MMIO_VIRTIO_HID);
        fmt_snprintf(d.path, sizeof d.path, "cmdline#%u", nth++);
        const char *why = parse_entry(v, vlen, &d);
        if (why)
            pr_warn("mmio: virtio_mmio.device=%.*s: %s (ignored)\n", (int)(vlen > 64 ? 64 : vlen), v, why);
        else if (mmio_bus_add(&d) == 0)
            added++;
    }
    return added;
}

/* ---- drivers ---------------------------------------------------------- */

void mmio_bus_probe(void)
{
    for (unsigned i = 0; i < ndevs; i++) {
        struct mmio_dev *d = &devs[i];
        if (tried[i])
            continue;
        LINKSET_FOREACH(struct mmio_driver, drv, mmio_drivers) {
            if (!drv->hid || strcmp(drv->hid, d->hid) != 0)
                continue;
            tried[i] = true;
            int err = drv->probe ? drv->probe(d) : -ENODEV;
            if (err == 0) {
                d->driver = drv;
                break;
            }
            pr_warn("mmio: %s %s: probe failed (%d)\n", d->path, drv->name, err);
        }
    }
}

#ifdef HOSTED
/* For tests/unit/test_mmio_bus.c: an empty bus again. */
void mmio_bus_reset(void);
void mmio_bus_reset(void) { ndevs = 0; }
#else
static void mmio_bus_init(void)
{
    mmio_bus_probe();
}
INIT_HOOK(mmio, mmio_bus_init, INIT_BUS);

static int cmd_dev(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    kprintf("%-20s %-8s %5s %-5s %18s %8s %4s %-10s %s\n", "path", "hid", "uid", "space", "base", "size", "gsi",
            "trigger", "driver");
    for (unsigned i = 0; i < ndevs; i++) {
        const struct mmio_dev *d = &devs[i];
        kprintf("%-20s %-8s %5u %-5s %#18llx %#8llx %4u %-10s %s\n", d->path, d->hid, d->uid,
                d->io ? "io" : "mem", (unsigned long long)d->base, (unsigned long long)d->size, d->gsi,
                trigger(d),
                d->driver ? d->driver->name : "-");
    }
    return 0;
}
SHELL_COMMAND(dev, "MMIO devices (ACPI DSDT, virtio_mmio.device=) and their drivers", cmd_dev);
#endif
