/* virtio over MMIO (virtio 1.2 4.2): a register window at a fixed address
 * and one interrupt line, as QEMU's microvm and Firecracker give them.
 *
 * The devices are found by the MMIO bus (kernel/dev/mmio_bus.h): in the
 * DSDT as _HID "LNRO0005", or on the command line as
 * virtio_mmio.device=<size>@<base>:<irq> (what Firecracker always writes,
 * and QEMU's microvm with acpi=off). This file is the bus's driver for
 * them and a virtio transport.
 *
 * Two register layouts share the window, told apart by Version:
 *   2 (4.2.2): 64-bit feature words in two halves, FEATURES_OK, each
 *     queue's three areas at 64-bit addresses and QueueReady.
 *   1, legacy (4.2.4): QEMU's default (its virtio-mmio has
 *     force-legacy=true): 32 feature bits, no FEATURES_OK, GuestPageSize,
 *     and a queue given as one page number (QueuePFN) of a contiguous
 *     ring whose used part starts on a QueueAlign boundary.
 * Every register access is 32 bits wide, including the device
 * configuration: Firecracker refuses other widths (its
 * src/vmm/src/devices/virtio/transport/mmio.rs), and 4.2.2.2 allows it for
 * the fields minnow reads (narrower fields are taken out of the word).
 *
 * The interrupt is one line (level, active high on microvm): the
 * InterruptStatus register says why (bit 0 a used buffer, bit 1 the
 * configuration) and the handler writes the same bits to InterruptACK.
 *
 * Try it: qemu-system-x86_64 -M microvm,acpi=off -netdev user,id=n0
 *   -device virtio-net-device,netdev=n0 -kernel build/minnow-pvh.elf
 *   -append "trace=virtio" (add -global virtio-mmio.force-legacy=false for
 *   version 2). */
#include "virtio/virtio.h"
#include "kernel/console/kprintf.h"
#include "kernel/dev/mmio_bus.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define VMMIO_IRQ_LOOPS 4           /* InterruptStatus re-reads per interrupt (edge-safe) */

struct vmmio {
    struct virtio_dev vd;
    struct devio io;
    struct devio_win regs;
    struct devio_irq irq;
    char irq_name[24];
};

static struct vmmio *vmmio_of(struct virtio_dev *vd) { return (struct vmmio *)vd; }
static uint32_t rd(struct vmmio *m, unsigned reg) { return devio_read32(&m->regs, reg); }
static void wr(struct vmmio *m, unsigned reg, uint32_t v) { devio_write32(&m->regs, reg, v); }

static uint64_t vmmio_get_features(struct virtio_dev *vd)
{
    struct vmmio *m = vmmio_of(vd);
    wr(m, VIRTIO_MMIO_DEV_FEATURES_SEL, 0);
    uint64_t f = rd(m, VIRTIO_MMIO_DEV_FEATURES);
    if (vd->legacy)
        return f;
    wr(m, VIRTIO_MMIO_DEV_FEATURES_SEL, 1);
    return f | (uint64_t)rd(m, VIRTIO_MMIO_DEV_FEATURES) << 32;
}

static void vmmio_set_features(struct virtio_dev *vd, uint64_t f)
{
    struct vmmio *m = vmmio_of(vd);
    wr(m, VIRTIO_MMIO_DRV_FEATURES_SEL, 0);
    wr(m, VIRTIO_MMIO_DRV_FEATURES, (uint32_t)f);
    if (vd->legacy)
        return;
    wr(m, VIRTIO_MMIO_DRV_FEATURES_SEL, 1);
    wr(m, VIRTIO_MMIO_DRV_FEATURES, (uint32_t)(f >> 32));
}

static uint8_t vmmio_get_status(struct virtio_dev *vd)
{
    return (uint8_t)rd(vmmio_of(vd), VIRTIO_MMIO_STATUS);
}

static void vmmio_set_status(struct virtio_dev *vd, uint8_t s)
{
    wr(vmmio_of(vd), VIRTIO_MMIO_STATUS, s);
}

/* A field of the device configuration out of its aligned 32-bit word. */
static uint32_t vmmio_cfg_read(struct virtio_dev *vd, unsigned off, unsigned width)
{
    struct vmmio *m = vmmio_of(vd);
    unsigned reg = VIRTIO_MMIO_CONFIG + (off & ~3u);
    if (reg + 4 > m->regs.size)
        return ~0u;
    uint32_t v = rd(m, reg) >> 8 * (off & 3);
    return width == 4 ? v : v & ((1u << 8 * width) - 1);
}

static uint32_t vmmio_cfg_gen(struct virtio_dev *vd)
{
    return vd->legacy ? 0 : rd(vmmio_of(vd), VIRTIO_MMIO_CONFIG_GEN);
}

static unsigned vmmio_queue_max(struct virtio_dev *vd, unsigned index)
{
    struct vmmio *m = vmmio_of(vd);
    wr(m, VIRTIO_MMIO_QUEUE_SEL, index);
    /* 4.2.3.2: a queue in use must not be set up again. */
    if (rd(m, vd->legacy ? VIRTIO_MMIO_QUEUE_PFN : VIRTIO_MMIO_QUEUE_READY) != 0)
        return 0;
    uint32_t n = rd(m, VIRTIO_MMIO_QUEUE_NUM_MAX);
    return n > VIRTQ_SIZE_MAX ? VIRTQ_SIZE_MAX : n;
}

static int vmmio_queue_enable(struct virtio_dev *vd, struct virtio_queue *q)
{
    struct vmmio *m = vmmio_of(vd);
    struct virtq *vq = &q->vq;
    wr(m, VIRTIO_MMIO_QUEUE_SEL, vq->index);
    wr(m, VIRTIO_MMIO_QUEUE_NUM, vq->size);
    if (vd->legacy) {
        /* 4.2.4: one page number for the whole ring (desc table first). */
        if (vq->desc_bus >> 12 >> 32) {
            virtio_err(vd, "ring above 16 TiB\n");
            return -EIO;
        }
        wr(m, VIRTIO_MMIO_GUEST_PAGE_SIZE, VIRTQ_LEGACY_ALIGN);    /* the PFN's unit */
        wr(m, VIRTIO_MMIO_QUEUE_ALIGN, VIRTQ_LEGACY_ALIGN);
        wr(m, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(vq->desc_bus >> 12));
        return 0;
    }
    wr(m, VIRTIO_MMIO_QUEUE_DESC_LO, (uint32_t)vq->desc_bus);
    wr(m, VIRTIO_MMIO_QUEUE_DESC_HI, (uint32_t)(vq->desc_bus >> 32));
    wr(m, VIRTIO_MMIO_QUEUE_AVAIL_LO, (uint32_t)vq->avail_bus);
    wr(m, VIRTIO_MMIO_QUEUE_AVAIL_HI, (uint32_t)(vq->avail_bus >> 32));
    wr(m, VIRTIO_MMIO_QUEUE_USED_LO, (uint32_t)vq->used_bus);
    wr(m, VIRTIO_MMIO_QUEUE_USED_HI, (uint32_t)(vq->used_bus >> 32));
    wr(m, VIRTIO_MMIO_QUEUE_READY, 1);
    return 0;
}

static void vmmio_notify(struct virtio_dev *vd, struct virtio_queue *q)
{
    wr(vmmio_of(vd), VIRTIO_MMIO_QUEUE_NOTIFY, q->vq.index);
}

/* Reads and acknowledges InterruptStatus until it is clear: with the
 * command line's edge trigger a cause raised between read and ACK would
 * otherwise leave the line high with no new edge. */
static void vmmio_irq(void *arg)
{
    struct vmmio *m = arg;
    unsigned causes = 0;
    for (int i = 0; i < VMMIO_IRQ_LOOPS; i++) {
        uint32_t st = rd(m, VIRTIO_MMIO_INT_STATUS) & (VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG);
        if (!st)
            break;
        wr(m, VIRTIO_MMIO_INT_ACK, st);
        causes |= (st & VIRTIO_ISR_CONFIG ? VIRTIO_IRQ_CONFIG : 0) |
                  (st & VIRTIO_ISR_QUEUE ? VIRTIO_IRQ_QUEUES : 0);
    }
    if (!causes)
        return;
    m->vd.irqs++;
    if (m->vd.on_irq)
        m->vd.on_irq(&m->vd, causes);
}

static int vmmio_irq_setup(struct virtio_dev *vd)
{
    struct vmmio *m = vmmio_of(vd);
    if (m->irq.mode)
        return 0;
    fmt_snprintf(m->irq_name, sizeof m->irq_name, "virtio %s", vd->where);
    int r = devio_irq_setup(&m->io, DEVIO_IRQ_INTX, vmmio_irq, m, m->irq_name, &m->irq);
    vd->irq_mode = r == 0 ? "gsi" : "none";
    return r;
}

static void vmmio_irq_teardown(struct virtio_dev *vd)
{
    devio_irq_teardown(&vmmio_of(vd)->io, &vmmio_of(vd)->irq);
}

static const struct virtio_transport vmmio_transport = {
    .name = "mmio",
    .get_features = vmmio_get_features, .set_features = vmmio_set_features,
    .get_status = vmmio_get_status, .set_status = vmmio_set_status,
    .cfg_read = vmmio_cfg_read, .cfg_gen = vmmio_cfg_gen,
    .queue_max = vmmio_queue_max, .queue_enable = vmmio_queue_enable, .notify = vmmio_notify,
    .irq_setup = vmmio_irq_setup, .irq_teardown = vmmio_irq_teardown,
};

/* 4.2.3.1.1: magic, then the version, then a device id of 0 means an
 * empty slot (QEMU's microvm lists every transport, used or not). */
static int vmmio_probe(struct mmio_dev *d)
{
    struct vmmio *m = kzalloc(sizeof *m);
    if (!m)
        return -ENOMEM;
    m->vd.t = &vmmio_transport;
    m->vd.io = &m->io;
    int r = devio_mmio_open(&m->io, d);
    if (r == 0)
        r = devio_map(&m->io, 0, &m->regs);
    if (r < 0 || m->regs.size < VIRTIO_MMIO_WINDOW_MIN) {
        kfree(m);
        return r < 0 ? r : -ENODEV;
    }
    fmt_snprintf(m->vd.where, sizeof m->vd.where, "mmio 0x%llx", (unsigned long long)d->base);
    uint32_t magic = rd(m, VIRTIO_MMIO_MAGIC), ver = rd(m, VIRTIO_MMIO_VERSION);
    m->vd.id = rd(m, VIRTIO_MMIO_DEVICE_ID);
    if (magic != VIRTIO_MMIO_MAGIC_VALUE || (ver != 1 && ver != 2)) {
        virtio_err(&m->vd, "not a virtio-mmio device (magic 0x%08x version %u)\n",
               magic, ver);
        kfree(m);
        return -ENODEV;
    }
    if (m->vd.id == 0) {
        kfree(m);
        return -ENODEV;             /* an empty transport: leave it alone */
    }
    m->vd.legacy = ver == 1;
    r = virtio_bind(&m->vd);
    if (r < 0) {
        kfree(m);
        return r;
    }
    d->priv = m;
    return 0;
}

MMIO_DRIVER(virtio_mmio, .name = "virtio-mmio", .hid = "LNRO0005", .probe = vmmio_probe);
