/* A virtio-net device on the modern PCI transport for the hosted tests:
 * see tests/devsim/vnet_model.c. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "tests/devsim/devhost.h"
#include "virtio/virtio_reg.h"
#include "tests/devsim/vq_model.h"

#define VNET_MODEL_QSIZE 256
#define VNET_NOTIFY_MULT 4

struct vnet_model {
    struct devhost_dev dev;
    uint64_t offer;
    struct vq_model_cc cc;
    uint8_t status, isr, cfg_gen;
    bool link_up, refuse_features;
    bool tx_hold;                   /* doorbells of the transmit queue do nothing */
    uint8_t mac[6];
    unsigned resets;
    struct vq_model_queue q[2];
    struct virtio_net_hdr tx_hdr;   /* of the last frame sent */
    uint8_t tx_last[1600];
    size_t tx_len;
    unsigned tx_frames;
};

void vnet_model_init(struct vnet_model *m, uint8_t slot);
void vnet_model_release(struct vnet_model *m);
/* One frame into the next receive buffer: its head, or -1 (none posted). */
int vnet_model_rx(struct vnet_model *m, const void *frame, size_t len, uint8_t hdr_flags);
void vnet_model_tx(struct vnet_model *m);
/* MRG_RXBUF: one frame over the next two buffers (first bytes in the
 * first, after the header), num_buffers as given (2 is honest). */
int vnet_model_rx_merged(struct vnet_model *m, const uint8_t *frame, size_t len, size_t first,
                         uint16_t num_buffers);
/* A hostile device: writes used entry (id, len) of queue qi and moves the
 * used index by idx_step (1 is honest), then interrupts as event-idx says. */
void vnet_model_used_raw(struct vnet_model *m, unsigned qi, uint32_t id, uint32_t len,
                         uint16_t idx_step);
/* Link change: configuration status, generation, a configuration interrupt. */
void vnet_model_set_link(struct vnet_model *m, bool up);
