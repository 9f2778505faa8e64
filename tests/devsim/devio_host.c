/* The hosted devio backend: kernel/dev/devio.h implemented over device
 * models and a simulated guest-physical address space (see devhost.h).
 * The kernel's twin is kernel/dev/devio.c. Everything a driver does wrong
 * through this interface -- a register access outside its window or
 * misaligned, DMA the device is told to do outside what the driver
 * allocated, a 32-bit allocation above 4 GiB -- fails the running test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/devsim/devhost.h"
#include "tests/unit/test.h"
#include "kernel/errno.h"

#define PAGE 4096u
#define MAX_DEVS 8
#define MAX_DMA 64
#define DMA_BASE_DEFAULT 0x00200000ull

static struct devhost_dev *devs[MAX_DEVS];

struct dma_block {
    void *host;
    uint64_t bus;
    size_t size;                    /* rounded up to pages */
};
static struct dma_block dma[MAX_DMA];
static uint64_t dma_next = DMA_BASE_DEFAULT;
static uint64_t violations;
static int fail_countdown;

static void violation(const char *what, uint64_t a, uint64_t b)
{
    char m[160];
    snprintf(m, sizeof m, "devhost: %s (0x%llx, %llu)", what, (unsigned long long)a,
             (unsigned long long)b);
    violations++;
    test_fail(__FILE__, __LINE__, m);
}

/* ---- Devices -------------------------------------------------------------- */

void devhost_attach(struct devhost_dev *d, uint8_t slot)
{
    d->pci.bus = 0, d->pci.dev = slot, d->pci.fn = 0;
    for (int i = 0; i < MAX_DEVS; i++)
        if (!devs[i]) {
            devs[i] = d;
            return;
        }
    violation("too many devices", slot, MAX_DEVS);
}

void devhost_detach(struct devhost_dev *d)
{
    for (int i = 0; i < MAX_DEVS; i++)
        if (devs[i] == d)
            devs[i] = NULL;
}

static bool access_ok(const struct devio_win *w, uint64_t off, unsigned width)
{
    struct devhost_dev *d = w->io->ctx;
    if ((width != 1 && width != 2 && width != 4 && width != 8) || (w->pio && width == 8) ||
        (off & (width - 1)) || off >= w->size || w->size - off < width) {
        d->bad_accesses++;
        violation("register access outside the window or misaligned", off, width);
        return false;
    }
    return true;
}

static uint64_t host_read(const struct devio_win *w, uint64_t off, unsigned width)
{
    struct devhost_dev *d = w->io->ctx;
    if (!access_ok(w, off, width))
        return ~0ull;
    return d->ops->read(d->model, (unsigned)w->base, off, width);
}

static void host_write(const struct devio_win *w, uint64_t off, unsigned width, uint64_t v)
{
    struct devhost_dev *d = w->io->ctx;
    if (access_ok(w, off, width))
        d->ops->write(d->model, (unsigned)w->base, off, width, v);
}

static int host_map(struct devio *io, unsigned bar, struct devio_win *out)
{
    struct devhost_dev *d = io->ctx;
    if (bar >= 6 || d->bar_size[bar] == 0)
        return -ENODEV;
    *out = (struct devio_win){ .io = io, .base = bar, .size = d->bar_size[bar],
                               .pio = d->bar_pio[bar] };
    return 0;
}

/* ---- Guest memory ------------------------------------------------------------ */

static int host_dma_alloc(struct devio *io, size_t size, unsigned flags, struct devio_dma *out)
{
    struct devhost_dev *d = io->ctx;
    *out = (struct devio_dma){ 0 };
    if (!d->bus_master)
        violation("DMA memory before bus mastering", 0, size);
    if (fail_countdown > 0 && --fail_countdown == 0)
        return -ENOMEM;
    size_t pages = (size + PAGE - 1) / PAGE;
    if (size == 0 || ((flags & DEVIO_DMA_32BIT) && dma_next + pages * PAGE > (1ull << 32)))
        return -ENOMEM;
    for (int i = 0; i < MAX_DMA; i++) {
        if (dma[i].host)
            continue;
        void *p = aligned_alloc(PAGE, pages * PAGE);
        if (!p)
            return -ENOMEM;
        memset(p, 0, pages * PAGE);
        dma[i] = (struct dma_block){ p, dma_next, pages * PAGE };
        dma_next += (pages + 1) * PAGE;         /* + a guard page nobody owns */
        *out = (struct devio_dma){ .virt = p, .bus = dma[i].bus, .size = size };
        return 0;
    }
    return -ENOMEM;
}

static void host_dma_free(struct devio *io, struct devio_dma *mem)
{
    (void)io;
    for (int i = 0; i < MAX_DMA; i++)
        if (dma[i].host && dma[i].host == mem->virt) {
            free(dma[i].host);
            dma[i] = (struct dma_block){ 0 };
            return;
        }
    violation("free of memory that is not a DMA allocation", (uintptr_t)mem->virt, 0);
}

static struct dma_block *dma_find(uint64_t bus, size_t len)
{
    for (int i = 0; i < MAX_DMA; i++)
        if (dma[i].host && bus >= dma[i].bus && bus - dma[i].bus < dma[i].size &&
            dma[i].size - (bus - dma[i].bus) >= len)
            return &dma[i];
    return NULL;
}

void *devhost_dma_peek(uint64_t bus, size_t len)
{
    struct dma_block *b = dma_find(bus, len);
    return b ? (uint8_t *)b->host + (bus - b->bus) : NULL;
}

int devhost_dma_read(uint64_t bus, void *buf, size_t len)
{
    void *p = devhost_dma_peek(bus, len);
    if (!p) {
        violation("device read outside the driver's DMA memory", bus, len);
        memset(buf, 0xA5, len);
        return -EFAULT;
    }
    memcpy(buf, p, len);
    return 0;
}

int devhost_dma_write(uint64_t bus, const void *buf, size_t len)
{
    void *p = devhost_dma_peek(bus, len);
    if (!p) {
        violation("device write outside the driver's DMA memory", bus, len);
        return -EFAULT;
    }
    memcpy(p, buf, len);
    return 0;
}

unsigned devhost_dma_live(void)
{
    unsigned n = 0;
    for (int i = 0; i < MAX_DMA; i++)
        n += dma[i].host != NULL;
    return n;
}

uint64_t devhost_dma_violations(void) { return violations; }
void devhost_dma_fail_at(int n) { fail_countdown = n; }
void devhost_dma_set_base(uint64_t bus) { dma_next = bus; }

/* ---- Interrupts ---------------------------------------------------------------- */

static int host_irq_setup(struct devio *io, unsigned modes, devio_irq_fn fn, void *arg,
                          const char *name, struct devio_irq *out)
{
    struct devhost_dev *d = io->ctx;
    (void)name;
    static const unsigned order[] = { DEVIO_IRQ_MSIX, DEVIO_IRQ_MSI, DEVIO_IRQ_INTX };
    for (unsigned i = 0; i < 3; i++) {
        unsigned m = order[i];
        if (!(modes & d->irq_modes & m))
            continue;
        d->irq_fn = fn, d->irq_arg = arg, d->irq_mode = m;
        *out = (struct devio_irq){ .mode = m, .vector = 48 + (int)i };
        if (d->ops->irq_mode)
            d->ops->irq_mode(d->model, m);
        return 0;
    }
    return -ENODEV;
}

/* After teardown nothing is delivered: a driver whose remove forgot to stop
 * the device would be caught by the next devhost_irq_deliver doing nothing
 * while the model still wants attention (the tests check the counters). */
static void host_irq_teardown(struct devio *io, struct devio_irq *irq)
{
    struct devhost_dev *d = io->ctx;
    if (irq->mode == DEVIO_IRQ_MSIX && irq->line) {     /* an extra entry */
        d->msix_fn[irq->line] = NULL;
        d->msix_pending[irq->line] = false;
        return;
    }
    d->irq_fn = NULL;
    d->irq_arg = NULL;
    d->irq_mode = 0;
    d->irq_msg_pending = false;
    d->irq_teardowns++;
}

/* An extra MSI-X entry: only after entry 0 went MSI-X, as in the kernel. */
static int host_irq_setup_msix(struct devio *io, unsigned entry, devio_irq_fn fn, void *arg,
                               const char *name, struct devio_irq *out)
{
    struct devhost_dev *d = io->ctx;
    (void)name;
    if (d->irq_mode != DEVIO_IRQ_MSIX || entry >= d->msix_entries || entry >= DEVHOST_MSIX)
        return -ENODEV;
    d->msix_fn[entry] = fn, d->msix_arg[entry] = arg, d->msix_pending[entry] = false;
    *out = (struct devio_irq){ .mode = DEVIO_IRQ_MSIX, .vector = 64 + (int)entry, .line = entry };
    return 0;
}

void devhost_irq_raise(struct devhost_dev *d) { d->irq_msg_pending = true; }

void devhost_irq_raise_entry(struct devhost_dev *d, unsigned entry)
{
    if (entry == 0)
        d->irq_msg_pending = true;
    else if (entry < DEVHOST_MSIX)
        d->msix_pending[entry] = true;
}

bool devhost_irq_deliver(struct devhost_dev *d)
{
    if (!d->irq_fn)
        return false;
    bool level = d->irq_mode == DEVIO_IRQ_INTX && d->ops->irq_asserted &&
                 d->ops->irq_asserted(d->model);
    /* INTx has no messages: the line is the level. */
    if (!level && !(d->irq_msg_pending && d->irq_mode != DEVIO_IRQ_INTX)) {
        for (unsigned e = 1; e < DEVHOST_MSIX; e++) {
            if (d->msix_pending[e] && d->msix_fn[e]) {
                d->msix_pending[e] = false;
                d->irqs_delivered++;
                d->msix_fn[e](d->msix_arg[e]);
                return true;
            }
        }
        return false;
    }
    d->irq_msg_pending = false;
    d->irqs_delivered++;
    d->irq_fn(d->irq_arg);
    return true;
}

/* ---- Opening --------------------------------------------------------------------- */

static const struct devio_ops host_ops = {
    .map = host_map,
    .read = host_read,
    .write = host_write,
    .dma_alloc = host_dma_alloc,
    .dma_free = host_dma_free,
    .irq_setup = host_irq_setup,
    .irq_teardown = host_irq_teardown,
    .irq_setup_msix = host_irq_setup_msix,
};

int devio_pci_open(struct devio *io, struct pci_dev *pd)
{
    for (int i = 0; i < MAX_DEVS; i++) {
        struct devhost_dev *d = devs[i];
        if (!d || &d->pci != pd)
            continue;
        *io = (struct devio){ .ops = &host_ops, .ctx = d, .vendor = pd->vendor,
                              .device = pd->device };
        snprintf(io->name, sizeof io->name, "%02x:%02x.%x", pd->bus, pd->dev, pd->fn);
        d->opened = true;
        d->bus_master = true;
        return 0;
    }
    return -ENODEV;
}

void devhost_reset(void)
{
    for (int i = 0; i < MAX_DEVS; i++)
        devs[i] = NULL;
    for (int i = 0; i < MAX_DMA; i++) {
        free(dma[i].host);
        dma[i] = (struct dma_block){ 0 };
    }
    dma_next = DMA_BASE_DEFAULT;
    fail_countdown = 0;
    violations = 0;
}
