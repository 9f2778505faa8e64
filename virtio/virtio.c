/* The virtio core: status sequence, feature negotiation, queues and the
 * driver registry (see virtio/virtio.h). Section numbers are the virtio
 * 1.2 specification's. */
#include "virtio/virtio.h"
#include "kernel/console/kprintf.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/sched/sched.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include <stdarg.h>

TRACE_FLAG(virtio, "virtio: status steps, features, queue setup, notifications, interrupts");

LINKSET_DEFINE(struct virtio_driver, virtio_drivers);

#define VIRTIO_RESET_POLLS 100      /* 1 ms apart: a modern PCI reset may take a while (4.1.4.3.2) */

void virtio_err(const struct virtio_dev *vd, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pr_err("virtio: %s: %s", vd->where, msg);
}

static void set_status(struct virtio_dev *vd, uint8_t s)
{
    TRACE(virtio, "%s status <- 0x%02x\n", vd->where, s);
    vd->t->set_status(vd, s);
}

/* 2.1.2 / 4.1.4.3.2: write 0, then wait until the device reads back 0. */
static int reset(struct virtio_dev *vd)
{
    set_status(vd, 0);
    for (int i = 0; i < VIRTIO_RESET_POLLS; i++) {
        if (vd->t->get_status(vd) == 0)
            return 0;
        thread_sleep_ns(1000000);
    }
    virtio_err(vd, "reset did not complete\n");
    return -ETIMEDOUT;
}

/* One more status bit on top of what is set (3.1.1 steps 2, 3, 5, 8). */
static void status_step(struct virtio_dev *vd, uint8_t bit)
{
    set_status(vd, (uint8_t)(vd->t->get_status(vd) | bit));
}

void virtio_fail(struct virtio_dev *vd) { status_step(vd, VIRTIO_STATUS_FAILED); }

int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted)
{
    int r = reset(vd);
    if (r)
        return r;
    status_step(vd, VIRTIO_STATUS_ACKNOWLEDGE);
    status_step(vd, VIRTIO_STATUS_DRIVER);
    vd->offered = vd->t->get_features(vd);
    wanted |= VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
    if (!vd->legacy) {
        if (!(vd->offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
            virtio_err(vd, "modern transport without VERSION_1 (features 0x%llx)\n", (unsigned long long)vd->offered);
            virtio_fail(vd);
            return -ENODEV;
        }
        wanted |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
    } else {
        wanted &= 0xFFFFFFFFull;    /* legacy: one 32-bit feature word (4.2.4) */
    }
    vd->features = vd->offered & wanted;
    TRACE(virtio, "%s features: device 0x%llx, driver 0x%llx\n", vd->where,
          (unsigned long long)vd->offered, (unsigned long long)vd->features);
    vd->t->set_features(vd, vd->features);
    if (vd->legacy)
        return 0;                   /* no FEATURES_OK before 1.0 */
    status_step(vd, VIRTIO_STATUS_FEATURES_OK);
    /* 3.1.1 step 6: the device may refuse the subset. */
    if (!(vd->t->get_status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_err(vd, "device refused features 0x%llx\n",
               (unsigned long long)vd->features);
        virtio_fail(vd);
        return -ENODEV;
    }
    return 0;
}

void virtio_cfg_read(struct virtio_dev *vd, unsigned off, void *buf, unsigned n)
{
    uint8_t *b = buf;
    for (int tries = 0; tries < 4; tries++) {
        uint32_t gen = vd->t->cfg_gen(vd);
        for (unsigned i = 0; i < n;) {
            /* The field's natural width (4.2.2.2: u8 bytewise, u16 aligned, u32 aligned). */
            unsigned w = (n - i >= 4 && !((off + i) & 3)) ? 4 : (n - i >= 2 && !((off + i) & 1)) ? 2 : 1;
            uint32_t v = vd->t->cfg_read(vd, off + i, w);
            memcpy(b + i, &v, w);
            i += w;
        }
        if (vd->t->cfg_gen(vd) == gen)
            return;
    }
}

static void queue_free(struct virtio_dev *vd, struct virtio_queue *q)
{
    devio_dma_free(vd->io, &q->mem);
    kfree(q->slots);
    q->slots = NULL;
    q->live = false;
}

int virtio_queue_setup(struct virtio_dev *vd, unsigned index, unsigned max, struct virtq **out)
{
    if (index >= VIRTIO_QUEUES_MAX)
        return -EINVAL;
    struct virtio_queue *q = &vd->q[index];
    unsigned dev_max = vd->t->queue_max(vd, index), size = 1;
    if (dev_max == 0) {
        virtio_err(vd, "no queue %u\n", index);
        return -ENODEV;
    }
    /* The largest power of two within both limits (a legacy device's
     * size is fixed: it must be taken as offered). */
    while (size * 2 <= dev_max && size * 2 <= max)
        size *= 2;
    if (vd->legacy && dev_max <= max)
        size = dev_max;
    bool ind = virtio_has(vd, VIRTIO_F_INDIRECT_DESC), ev = virtio_has(vd, VIRTIO_F_EVENT_IDX);
    size_t used_off, ind_off;
    size_t bytes = virtq_layout(size, vd->legacy, ind, &used_off, &ind_off);
    q->slots = kmalloc(size * sizeof *q->slots);
    int r = -ENOMEM;
    if (!q->slots || devio_dma_alloc(vd->io, bytes, 0, &q->mem) < 0)
        goto fail;
    if ((r = virtq_init(&q->vq, index, size, q->mem.virt, q->mem.bus, vd->legacy, ind, ev,
                        q->slots)) < 0)
        goto fail;
    TRACE(virtio, "%s queue %u: size %u (device max %u), desc 0x%llx avail 0x%llx used 0x%llx%s%s\n",
          vd->where, index, size, dev_max, (unsigned long long)q->vq.desc_bus,
          (unsigned long long)q->vq.avail_bus, (unsigned long long)q->vq.used_bus,
          ind ? " indirect" : "", ev ? " event-idx" : "");
    if ((r = vd->t->queue_enable(vd, q)) < 0)
        goto fail;
    q->live = true;
    if (index >= vd->nqueues)
        vd->nqueues = index + 1;
    *out = &q->vq;
    return 0;
fail:
    virtio_err(vd, "queue %u setup failed (%d)\n", index, r);
    queue_free(vd, q);
    return r;
}

int virtio_ready(struct virtio_dev *vd)
{
    int r = vd->t->irq_setup(vd);
    if (r < 0) {
        virtio_err(vd, "no interrupt (%d)\n", r);
        return r;
    }
    status_step(vd, VIRTIO_STATUS_DRIVER_OK);
    return 0;
}

void virtio_kick(struct virtio_dev *vd, struct virtq *vq)
{
    if (!virtq_kick_prepare(vq))
        return;
    TRACE(virtio, "%s notify queue %u (avail %u)\n", vd->where, vq->index, vq->avail_idx);
    vd->t->notify(vd, &vd->q[vq->index]);
}

void virtio_log_bad(struct virtio_dev *vd, struct virtq *vq, int err)
{
    static const char *const what[] = { "a used id not in flight", "a length past the buffers",
                                        "the used index ran ahead" };
    virtio_err(vd, "queue %u: device returned %s (refused)\n", vq->index,
           what[err == -EPROTO ? 0 : err == -EMSGSIZE ? 1 : 2]);
}

void virtio_teardown(struct virtio_dev *vd)
{
    if (vd->t->get_status(vd) != 0xFF)      /* the device still answers */
        reset(vd);
    vd->t->irq_teardown(vd);
    for (unsigned i = 0; i < VIRTIO_QUEUES_MAX; i++)
        queue_free(vd, &vd->q[i]);
    vd->nqueues = 0;
}

int virtio_bind(struct virtio_dev *vd)
{
    LINKSET_FOREACH(struct virtio_driver, d, virtio_drivers) {
        if (d->id != vd->id)
            continue;
        vd->drv = d;
        int r = d->probe(vd);
        if (r == 0)
            return 0;
        virtio_err(vd, "%s probe failed (%d)\n", d->name, r);
        vd->drv = NULL;
        virtio_teardown(vd);
        return r;
    }
    pr_info("virtio: %s: device type %u has no driver\n", vd->where, vd->id);
    reset(vd);
    return -ENODEV;
}

void virtio_unbind(struct virtio_dev *vd)
{
    if (vd->drv && vd->drv->remove)
        vd->drv->remove(vd);
    vd->drv = NULL;
}
