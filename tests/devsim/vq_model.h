/* What the hosted virtio device models (vnet_model.c, vsock_model.c) share:
 * a queue's transport state and the modern PCI common-configuration
 * registers every device answers alike (virtio 1.2 4.1.4.3), and the
 * vendor capabilities that lead to them (4.1.4). Each model keeps
 * device_status, the ISR and its device configuration itself. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "virtio/virtio_reg.h"

struct vq_model_queue {
    uint16_t size, vec, enabled;
    uint64_t desc, avail, used;
    uint16_t last_avail, used_idx;
    unsigned notifies;
};

struct vq_model_cc {
    uint64_t features;              /* what the driver wrote */
    uint32_t dfsel, drvsel;
    uint16_t qsel, config_vec;
};

/* A read of one of those registers into *v: false when off is not one. */
static inline bool vq_model_cc_read(const struct vq_model_cc *cc, const struct vq_model_queue *q,
                                    uint64_t off, uint64_t offer, unsigned nq, unsigned qsize, uint64_t *v)
{
    switch (off) {
    case VIRTIO_PCI_CC(device_feature):
        *v = (uint32_t)(offer >> (cc->dfsel ? 32 : 0)) * (cc->dfsel < 2);
        return true;
    case VIRTIO_PCI_CC(num_queues): *v = nq; return true;
    case VIRTIO_PCI_CC(config_msix_vector): *v = cc->config_vec; return true;
    case VIRTIO_PCI_CC(queue_size): *v = cc->qsel < nq ? qsize : 0; return true;
    case VIRTIO_PCI_CC(queue_msix_vector): *v = q->vec; return true;
    case VIRTIO_PCI_CC(queue_enable): *v = q->enabled; return true;
    case VIRTIO_PCI_CC(queue_notify_off): *v = cc->qsel; return true;
    default: return false;
    }
}

/* A write of one of them (q: the selected queue): false when off is not one. */
static inline bool vq_model_cc_write(struct vq_model_cc *cc, struct vq_model_queue *q, uint64_t off, uint32_t lo)
{
    switch (off) {
    case VIRTIO_PCI_CC(device_feature_select): cc->dfsel = lo; return true;
    case VIRTIO_PCI_CC(driver_feature_select): cc->drvsel = lo; return true;
    case VIRTIO_PCI_CC(driver_feature):
        if (cc->drvsel < 2)
            cc->features = (cc->features & ~(0xFFFFFFFFull << 32 * cc->drvsel)) |
                           (uint64_t)lo << 32 * cc->drvsel;
        return true;
    case VIRTIO_PCI_CC(config_msix_vector): cc->config_vec = (uint16_t)lo; return true;
    case VIRTIO_PCI_CC(queue_select): cc->qsel = (uint16_t)lo; return true;
    case VIRTIO_PCI_CC(queue_size): q->size = (uint16_t)lo; return true;
    case VIRTIO_PCI_CC(queue_msix_vector): q->vec = (uint16_t)lo; return true;
    case VIRTIO_PCI_CC(queue_enable): q->enabled = lo & 1; return true;
    case VIRTIO_PCI_CC(queue_desc): q->desc = (q->desc & ~0xFFFFFFFFull) | lo; return true;
    case VIRTIO_PCI_CC(queue_desc) + 4: q->desc = (q->desc & 0xFFFFFFFFull) | (uint64_t)lo << 32; return true;
    case VIRTIO_PCI_CC(queue_driver): q->avail = (q->avail & ~0xFFFFFFFFull) | lo; return true;
    case VIRTIO_PCI_CC(queue_driver) + 4: q->avail = (q->avail & 0xFFFFFFFFull) | (uint64_t)lo << 32; return true;
    case VIRTIO_PCI_CC(queue_device): q->used = (q->used & ~0xFFFFFFFFull) | lo; return true;
    case VIRTIO_PCI_CC(queue_device) + 4: q->used = (q->used & 0xFFFFFFFFull) | (uint64_t)lo << 32; return true;
    default: return false;
    }
}

/* The vendor capabilities in configuration space, alike in every model:
 * at 0x40, 0x50, 0x60, 0x70 (notify: 20 bytes, its multiplier at 0x80),
 * each region 4 KiB of BAR 4 (common, ISR, device, notify in that order);
 * no MSI-X capability listed (the hosted backend decides interrupt modes). */
static inline uint8_t vq_model_find_cap(uint8_t id, uint8_t from)
{
    if (id != 0x09)
        return 0;
    uint8_t next = from ? (uint8_t)(from + 0x10) : 0x40;
    return next <= 0x70 ? next : 0;
}

static inline uint32_t vq_model_cap_read32(uint16_t off, uint32_t notify_mult)
{
    static const uint8_t types[4] = { VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_CAP_ISR_CFG,
                                      VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_CAP_NOTIFY_CFG };
    if (off < 0x40 || off >= 0x84)
        return ~0u;
    if (off >= 0x80)
        return notify_mult;
    unsigned k = (off - 0x40) / 0x10u, f = (off - 0x40) % 0x10u;
    switch (f) {
    case 0: return 0x09u | (k == 3 ? 20u : 16u) << 16 | (uint32_t)types[k] << 24;
    case 4: return 4;                           /* bar */
    case 8: return k * 0x1000u;                 /* offset */
    default: return 0x1000;                     /* length */
    }
}
