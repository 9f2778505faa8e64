/* virtio over PCI, the modern interface (virtio 1.2 4.1).
 *
 * The device is a PCI function of vendor 0x1AF4: device 0x1040 + type for
 * a modern-only device, 0x1000-0x103F for a transitional one (its type is
 * then the subsystem device id, 4.1.2.1). Either way minnow uses only the
 * modern interface: vendor-specific capabilities (id 0x09, 4.1.4) point
 * into the BARs at the common configuration (features, status, queues),
 * the notification area (a doorbell per queue at queue_notify_off *
 * notify_off_multiplier), the ISR byte and the device configuration. QEMU
 * 7.2 puts all four in BAR 4, 4 KiB apart, with a multiplier of 4.
 *
 * Interrupts: MSI-X with table entry 0 for configuration changes and one
 * entry (and CPU vector) per queue, mapped through config_msix_vector and
 * queue_msix_vector and read back (0xFFFF: the device refused, 4.1.5.1.2);
 * when the table is too small the queues share entry 0. Without MSI-X, the
 * INTx pin (level, active low) and the ISR byte, whose read clears it and
 * tells queue (bit 0) from configuration (bit 1) events.
 *
 * Try it: qemu-system-x86_64 -M q35 -netdev user,id=n0
 *   -device virtio-net-pci,netdev=n0 -kernel build/minnow.elf -append "trace=virtio"
 * (on the q35 root bus QEMU makes it transitional, 1af4:1000; behind a
 * pcie-root-port or with disable-legacy=on modern-only, 1af4:1041). */
#include "virtio/virtio.h"
#include "kernel/console/kprintf.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/pci/pci.h"
#include "lib/fmt.h"
#include "lib/string.h"

TRACE_DECLARE(virtio);

#define PCI_CAP_ID_VNDR_VIRTIO 0x09
#define VPCI_VECTORS (1 + VIRTIO_QUEUES_MAX)   /* config, then one per queue */

struct vpci_region {                /* one structure a capability points at */
    const struct devio_win *w;
    uint32_t off, len;
};

struct vpci {
    struct virtio_dev vd;
    struct devio io;
    struct pci_dev *pd;
    struct devio_win bar[6];
    struct vpci_region common, notify, isr, device;
    uint32_t notify_mult;
    struct devio_irq irq[VPCI_VECTORS];
    bool irq_on, msix;
    unsigned shared;                /* queues signalled through entry 0 (bit per queue) */
    char irq_name[VPCI_VECTORS][20];
};

static struct vpci *vpci_of(struct virtio_dev *vd) { return (struct vpci *)vd; }

/* ---- Register access: the regions, bounds-checked ------------------------ */

static uint32_t rd(const struct vpci_region *r, unsigned off, unsigned w)
{
    if (!r->w || off + w > r->len)
        return ~0u;
    return (uint32_t)r->w->io->ops->read(r->w, r->off + off, w);
}

static void wr(const struct vpci_region *r, unsigned off, unsigned w, uint32_t v)
{
    if (r->w && off + w <= r->len)
        r->w->io->ops->write(r->w, r->off + off, w, v);
}

#define CC(f) VIRTIO_PCI_CC(f), sizeof(((struct virtio_pci_common_cfg *)0)->f)

static uint64_t vpci_get_features(struct virtio_dev *vd)
{
    struct vpci *p = vpci_of(vd);
    wr(&p->common, CC(device_feature_select), 0);
    uint64_t lo = rd(&p->common, CC(device_feature));
    wr(&p->common, CC(device_feature_select), 1);
    return lo | (uint64_t)rd(&p->common, CC(device_feature)) << 32;
}

static void vpci_set_features(struct virtio_dev *vd, uint64_t f)
{
    struct vpci *p = vpci_of(vd);
    wr(&p->common, CC(driver_feature_select), 0);
    wr(&p->common, CC(driver_feature), (uint32_t)f);
    wr(&p->common, CC(driver_feature_select), 1);
    wr(&p->common, CC(driver_feature), (uint32_t)(f >> 32));
}

static uint8_t vpci_get_status(struct virtio_dev *vd)
{
    return (uint8_t)rd(&vpci_of(vd)->common, CC(device_status));
}

static void vpci_set_status(struct virtio_dev *vd, uint8_t s)
{
    wr(&vpci_of(vd)->common, CC(device_status), s);
}

static uint32_t vpci_cfg_read(struct virtio_dev *vd, unsigned off, unsigned width)
{
    return rd(&vpci_of(vd)->device, off, width);
}

static uint32_t vpci_cfg_gen(struct virtio_dev *vd)
{
    return rd(&vpci_of(vd)->common, CC(config_generation));
}

static unsigned vpci_queue_max(struct virtio_dev *vd, unsigned index)
{
    struct vpci *p = vpci_of(vd);
    wr(&p->common, CC(queue_select), index);
    uint32_t n = rd(&p->common, CC(queue_size));
    return n == 0xFFFF ? 0 : n;
}

/* ---- Interrupts ------------------------------------------------------------ */

/* MSI-X entry 0: configuration changes (queues too when they share it).
 * INTx: the ISR byte tells why, and reading it lowers the line (4.1.4.5);
 * 0 means the shared line was someone else's. */
static void vpci_irq_main(void *arg)
{
    struct vpci *p = arg;
    unsigned causes = VIRTIO_IRQ_CONFIG | p->shared;
    if (p->irq[0].mode == DEVIO_IRQ_INTX) {
        uint32_t isr = rd(&p->isr, 0, 1);
        if (!isr || isr == 0xFF)
            return;
        causes = (isr & VIRTIO_ISR_CONFIG ? VIRTIO_IRQ_CONFIG : 0) |
                 (isr & VIRTIO_ISR_QUEUE ? VIRTIO_IRQ_QUEUES : 0);
    }
    p->vd.irqs++;
    if (p->vd.on_irq)
        p->vd.on_irq(&p->vd, causes);
}

/* A queue's own MSI-X entry: irq[1 + index]. */
static void vpci_irq_queue(void *arg)
{
    struct devio_irq *irq = arg;
    struct vpci *p = (struct vpci *)((char *)(irq - irq->line) - offsetof(struct vpci, irq));
    p->vd.irqs++;
    if (p->vd.on_irq)
        p->vd.on_irq(&p->vd, 1u << (irq->line - 1));
}

/* Entry 0 (or INTx) for configuration changes (and, under INTx, all).
 * Done before the first queue is enabled: a queue's vector is one of the
 * fields set before queue_enable (4.1.4.3.2). */
static int vpci_irq_setup(struct virtio_dev *vd)
{
    struct vpci *p = vpci_of(vd);
    if (p->irq_on)
        return 0;
    fmt_snprintf(p->irq_name[0], sizeof p->irq_name[0], "virtio %s", vd->where);
    /* INTx needs the ISR to tell causes apart (and to lower the line). */
    int r = devio_irq_setup(&p->io, DEVIO_IRQ_MSIX | (p->isr.w ? DEVIO_IRQ_INTX : 0), vpci_irq_main,
                            p, p->irq_name[0], &p->irq[0]);
    if (r < 0)
        return r;
    p->irq_on = true;
    p->msix = p->irq[0].mode == DEVIO_IRQ_MSIX;
    vd->irq_mode = devio_irq_mode_name(p->irq[0].mode);
    if (!p->msix)
        return 0;
    wr(&p->common, CC(config_msix_vector), 0);
    if (rd(&p->common, CC(config_msix_vector)) != 0)
        virtio_err(vd, "no MSI-X vector for configuration changes\n");
    return 0;
}

/* Queue q's own MSI-X entry (1 + q), set up with the queue; when the table
 * has no such entry the queue shares entry 0. Returns the entry. */
static uint16_t vpci_queue_vector(struct vpci *p, unsigned q)
{
    fmt_snprintf(p->irq_name[1 + q], sizeof p->irq_name[1 + q], "virtio %s q%u", p->vd.where, q);
    p->irq[1 + q].line = 1 + q;         /* vpci_irq_queue finds p from it */
    if (!p->irq[1 + q].mode && devio_irq_setup_msix(&p->io, 1 + q, vpci_irq_queue, &p->irq[1 + q],
                                                    p->irq_name[1 + q], &p->irq[1 + q]) < 0) {
        p->irq[1 + q] = (struct devio_irq){ 0 };
        p->shared |= 1u << q;
        return 0;
    }
    return (uint16_t)(1 + q);
}

static void vpci_irq_teardown(struct virtio_dev *vd)
{
    struct vpci *p = vpci_of(vd);
    for (int i = VPCI_VECTORS - 1; i >= 0; i--)
        devio_irq_teardown(&p->io, &p->irq[i]);
    p->irq_on = p->msix = false;
    p->shared = 0;
}

/* ---- Queues ---------------------------------------------------------------- */

static void wr64(struct vpci *p, unsigned off, uint64_t v)
{
    /* Two 32-bit halves, low first: QEMU's common region takes at most 4
     * bytes per access (Linux vp_iowrite64_twopart does the same). */
    wr(&p->common, off, 4, (uint32_t)v);
    wr(&p->common, off + 4, 4, (uint32_t)(v >> 32));
}

static int vpci_queue_enable(struct virtio_dev *vd, struct virtio_queue *q)
{
    struct vpci *p = vpci_of(vd);
    int r = vpci_irq_setup(vd);
    if (r < 0)
        return r;
    unsigned i = q->vq.index;
    wr(&p->common, CC(queue_select), i);
    wr(&p->common, CC(queue_size), q->vq.size);
    if (p->msix) {
        uint16_t vec = vpci_queue_vector(p, i);
        wr(&p->common, CC(queue_msix_vector), vec);
        if (rd(&p->common, CC(queue_msix_vector)) != vec) {
            virtio_err(vd, "queue %u: MSI-X vector %u refused\n", i, vec);
            return -EIO;
        }
    }
    wr64(p, VIRTIO_PCI_CC(queue_desc), q->vq.desc_bus);
    wr64(p, VIRTIO_PCI_CC(queue_driver), q->vq.avail_bus);
    wr64(p, VIRTIO_PCI_CC(queue_device), q->vq.used_bus);
    q->notify_off = (uint64_t)rd(&p->common, CC(queue_notify_off)) * p->notify_mult;
    if (q->notify_off + 2 > p->notify.len) {
        virtio_err(vd, "queue %u: doorbell outside the notify area\n", i);
        return -EIO;
    }
    wr(&p->common, CC(queue_enable), 1);
    return 0;
}

static void vpci_notify(struct virtio_dev *vd, struct virtio_queue *q)
{
    wr(&vpci_of(vd)->notify, (unsigned)q->notify_off, 2, q->vq.index);
}

static const struct virtio_transport vpci_transport = {
    .name = "pci",
    .get_features = vpci_get_features, .set_features = vpci_set_features,
    .get_status = vpci_get_status, .set_status = vpci_set_status,
    .cfg_read = vpci_cfg_read, .cfg_gen = vpci_cfg_gen,
    .queue_max = vpci_queue_max, .queue_enable = vpci_queue_enable, .notify = vpci_notify,
    .irq_setup = vpci_irq_setup, .irq_teardown = vpci_irq_teardown,
};

/* ---- Capabilities and probe ------------------------------------------------- */

/* The first capability of each type whose structure lies inside a memory
 * BAR (4.1.4: a driver uses the first it can). */
static int vpci_find_caps(struct vpci *p)
{
    struct pci_dev *pd = p->pd;
    unsigned seen = 0;
    for (uint8_t c = pci_find_cap(pd, PCI_CAP_ID_VNDR_VIRTIO, 0); c && seen < 48;
         c = pci_find_cap(pd, PCI_CAP_ID_VNDR_VIRTIO, c), seen++) {
        uint8_t type = pci_read8(pd, c + offsetof(struct virtio_pci_cap, cfg_type));
        uint8_t bar = pci_read8(pd, c + offsetof(struct virtio_pci_cap, bar));
        uint32_t off = pci_read32(pd, c + offsetof(struct virtio_pci_cap, offset));
        uint32_t len = pci_read32(pd, c + offsetof(struct virtio_pci_cap, length));
        struct vpci_region *r = type == VIRTIO_PCI_CAP_COMMON_CFG ? &p->common
                              : type == VIRTIO_PCI_CAP_NOTIFY_CFG ? &p->notify
                              : type == VIRTIO_PCI_CAP_ISR_CFG    ? &p->isr
                              : type == VIRTIO_PCI_CAP_DEVICE_CFG ? &p->device : NULL;
        if (!r || r->w || bar >= 6 || pci_read8(pd, c + 2) < sizeof(struct virtio_pci_cap))
            continue;
        if (!p->bar[bar].io && devio_map(&p->io, bar, &p->bar[bar]) < 0)
            continue;
        const struct devio_win *w = &p->bar[bar];
        if (w->pio || off > w->size || len > w->size - off) {
            virtio_err(&p->vd, "capability type %u outside BAR %u\n", type, bar);
            continue;
        }
        *r = (struct vpci_region){ w, off, len };
        if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
            p->notify_mult = pci_read32(pd, c + VIRTIO_PCI_CAP_NOTIFY_MULT);
        TRACE(virtio, "%s cap type %u: bar %u offset 0x%x length 0x%x\n", p->vd.where, type, bar,
              off, len);
    }
    if (p->common.len < sizeof(struct virtio_pci_common_cfg) || p->notify.len < 2) {
        virtio_err(&p->vd, "no usable common or notify structure\n");
        return -ENODEV;
    }
    return 0;
}

static int vpci_probe(struct pci_dev *pd, const struct pci_id *id)
{
    (void)id;
    if (pd->device < VIRTIO_PCI_DEVICE_TRANS_LO || pd->device > VIRTIO_PCI_DEVICE_LAST)
        return -ENODEV;
    struct vpci *p = kzalloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    p->pd = pd;
    p->vd.t = &vpci_transport;
    p->vd.io = &p->io;
    p->vd.id = pd->device >= VIRTIO_PCI_DEVICE_MODERN ? pd->device - VIRTIO_PCI_DEVICE_MODERN
                                                      : pd->subsys_device;
    int r = devio_pci_open(&p->io, pd);
    memcpy(p->vd.where, p->io.name, sizeof p->io.name);
    if (r == 0)
        r = vpci_find_caps(p);
    if (r == 0)
        r = virtio_bind(&p->vd);
    if (r < 0) {
        if (p->irq_on)
            return r;               /* a vector may still point at p: keep it */
        kfree(p);
        return r;
    }
    pd->priv = p;
    return 0;
}

static void vpci_remove(struct pci_dev *pd)
{
    struct vpci *p = pd->priv;
    if (!p)
        return;
    virtio_unbind(&p->vd);
    pd->priv = NULL;
    kfree(p);
}

static const struct pci_id vpci_ids[] = {
    PCI_ID(VIRTIO_PCI_VENDOR, PCI_ANY),     /* 0x1000-0x107F: checked in probe */
    { 0 },
};
PCI_DRIVER(virtio_pci, .name = "virtio-pci", .ids = vpci_ids, .probe = vpci_probe,
           .remove = vpci_remove);
