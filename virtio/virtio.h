/* The virtio core: a device independent of how it is reached.
 *
 * virtio (OASIS "Virtual I/O Device (VIRTIO) Version 1.2") separates a
 * device type (net, block, ...) from its transport: PCI (4.1,
 * virtio/virtio_pci.c) or memory-mapped registers (4.2,
 * virtio/virtio_mmio.c, QEMU's microvm and Firecracker). A transport finds
 * a device, fills a struct virtio_dev with its operations and calls
 * virtio_bind(), which hands it to the driver registered for its device
 * type with VIRTIO_DRIVER() -- whatever the transport, as Unikraft's
 * VIRTIO_BUS_REGISTER_DRIVER sits on its PCI registration.
 *
 * A driver's probe then follows the initialization of virtio 1.2 3.1.1,
 * one status bit at a time (Firecracker ignores any other transition):
 *
 *     virtio_negotiate(vd, wanted)   reset, ACKNOWLEDGE, DRIVER, features,
 *                                    FEATURES_OK (modern) and its check
 *     config reads                   virtio_cfg_read(), MAC, status...
 *     virtio_queue_setup(vd, i, n)   per queue: rings allocated and handed over
 *     vd->on_irq = ..., virtio_ready(vd)   interrupts, then DRIVER_OK
 *
 * and virtio_teardown() (reset, interrupts off, rings freed) on failure or
 * removal. The core adds to what the driver asks VERSION_1 (required on a
 * modern transport; a modern device refuses FEATURES_OK without it), and
 * EVENT_IDX and INDIRECT_DESC whenever the device offers them.
 *
 * trace=virtio prints the status steps, the features, each queue's setup
 * and every notification and interrupt. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "kernel/dev/devio.h"
#include "kernel/linkset.h"
#include "virtio/virtqueue.h"

#define VIRTIO_QUEUES_MAX   4
#define VIRTIO_IRQ_CONFIG   (1u << 31)          /* on_irq causes: configuration changed */
#define VIRTIO_IRQ_QUEUES   0xFFFFu             /* a used buffer on some queue (bit per queue) */

struct virtio_dev;

/* One queue: the ring memory and the transport's notification details. */
struct virtio_queue {
    struct virtq vq;
    struct devio_dma mem;
    struct virtq_slot *slots;
    uint64_t notify_off;            /* PCI: byte offset in the notify window */
    bool live;
};

/* What a transport does for the core (registers behind devio). */
struct virtio_transport {
    const char *name;               /* "pci", "mmio" */
    uint64_t (*get_features)(struct virtio_dev *vd);
    void (*set_features)(struct virtio_dev *vd, uint64_t f);
    uint8_t (*get_status)(struct virtio_dev *vd);
    void (*set_status)(struct virtio_dev *vd, uint8_t s);
    /* Device configuration: width 1, 2 or 4 at an offset aligned to it. */
    uint32_t (*cfg_read)(struct virtio_dev *vd, unsigned off, unsigned width);
    uint32_t (*cfg_gen)(struct virtio_dev *vd);
    /* Largest size of queue `index`; 0: no such queue. */
    unsigned (*queue_max)(struct virtio_dev *vd, unsigned index);
    /* Tells the device where queue q lives and enables it: 0 or -errno. */
    int (*queue_enable)(struct virtio_dev *vd, struct virtio_queue *q);
    void (*notify)(struct virtio_dev *vd, struct virtio_queue *q);
    int (*irq_setup)(struct virtio_dev *vd);
    void (*irq_teardown)(struct virtio_dev *vd);
};

struct virtio_dev {
    const struct virtio_transport *t;
    struct devio *io;               /* DMA memory (and the transport's registers) */
    char where[24];                 /* "00:04.0", "mmio 0xfeb00e00": log and trace prefix */
    uint32_t id;                    /* VIRTIO_ID_* */
    bool legacy;                    /* MMIO v1: no FEATURES_OK, 32 feature bits, page-number rings */
    uint64_t offered, features;     /* device's, negotiated */
    unsigned nqueues;
    struct virtio_queue q[VIRTIO_QUEUES_MAX];
    const char *irq_mode;           /* "msi-x", "intx", ...: for the driver's log line */
    /* Interrupt context: causes are VIRTIO_IRQ_CONFIG and/or a bit per
     * queue (all VIRTIO_IRQ_QUEUES when the transport cannot tell). */
    void (*on_irq)(struct virtio_dev *vd, unsigned causes);
    void *priv;                     /* the driver's */
    const struct virtio_driver *drv;
    uint64_t irqs;
};

struct virtio_driver {
    const char *name;
    uint32_t id;                    /* VIRTIO_ID_* it drives */
    int (*probe)(struct virtio_dev *vd);
    void (*remove)(struct virtio_dev *vd);
};
_Static_assert(sizeof(struct virtio_driver) % 8 == 0, "virtio_driver stride");

#define VIRTIO_DRIVER(var_, ...)                                                \
    static const struct virtio_driver virtio_driver_##var_                     \
        LINKSET_ENTRY(virtio_drivers) = { __VA_ARGS__ }

/* Transports: hands vd to the driver of its type. 0, -ENODEV (no driver:
 * the device is reset and left alone), or the probe's error. */
int virtio_bind(struct virtio_dev *vd);
void virtio_unbind(struct virtio_dev *vd);

/* Reset, ACKNOWLEDGE, DRIVER, features (wanted & offered, plus the core's),
 * FEATURES_OK and its read-back. 0 or -ENODEV (the device refused: FAILED
 * is set). */
int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted);
static inline bool virtio_has(const struct virtio_dev *vd, unsigned bit)
{
    return (vd->features >> bit) & 1;
}
/* Device configuration, re-read until config_generation holds still
 * (virtio 1.2 2.5.1): n bytes at off into buf. */
void virtio_cfg_read(struct virtio_dev *vd, unsigned off, void *buf, unsigned n);
/* Queue `index` with at most `max` entries: memory, then the device. */
int virtio_queue_setup(struct virtio_dev *vd, unsigned index, unsigned max, struct virtq **out);
/* Interrupts, then DRIVER_OK: 0 or -errno. */
int virtio_ready(struct virtio_dev *vd);
/* Rings the doorbell of vq when virtq_kick_prepare says so. */
void virtio_kick(struct virtio_dev *vd, struct virtq *vq);
/* Logs a refused used entry (virtq_get's negative results). */
void virtio_log_bad(struct virtio_dev *vd, struct virtq *vq, int err);
/* Logs an error as "virtio: <where>: <fmt...>" (one prefix in the image,
 * not one per message). */
void virtio_err(const struct virtio_dev *vd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets FAILED (the driver gives up), keeping what else is set. */
void virtio_fail(struct virtio_dev *vd);
/* Reset (the device forgets the queues and stops DMA), interrupts off,
 * queue memory freed. Idempotent. */
void virtio_teardown(struct virtio_dev *vd);
