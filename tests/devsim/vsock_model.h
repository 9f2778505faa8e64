/* A virtio-vsock device on the modern PCI transport for the hosted tests:
 * see tests/devsim/vsock_model.c. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "tests/devsim/devhost.h"
#include "virtio/virtio_reg.h"
#include "tests/devsim/vq_model.h"
#include "vsock/vsock_reg.h"

#define VSOCK_MODEL_QSIZE 128
#define VSOCK_NOTIFY_MULT 4
#define VSOCK_MODEL_TX_MAX 64

struct vsock_model {
    struct devhost_dev dev;
    uint64_t offer, cid;
    struct vq_model_cc cc;
    uint8_t status, isr, cfg_gen;
    struct vq_model_queue q[3];
    struct vsock_hdr tx[VSOCK_MODEL_TX_MAX];    /* the last packets the driver sent (a ring) */
    unsigned ntx;                               /* how many in all */
    uint8_t tx_data[4096];                      /* payload of the last RW */
    bool deaf;                                  /* takes no transmit chain (its backend died) */
    bool refuse;                                /* FEATURES_OK does not stick */
    unsigned resets;                            /* device_status 0 written to a live device */
};

#define VSOCK_MODEL_LAST(m) ((m)->tx[((m)->ntx - 1) % VSOCK_MODEL_TX_MAX])

void vsock_model_init(struct vsock_model *m, uint8_t slot, uint64_t cid);
void vsock_model_release(struct vsock_model *m);
/* A packet into the next receive chain, written as a byte stream across
 * its writable descriptors: the head, or -1. */
int vsock_model_rx(struct vsock_model *m, const struct vsock_hdr *h, const void *data);
/* Hostile: used entry (id, len) on queue qi, honest index step of 1. */
void vsock_model_used_raw(struct vsock_model *m, unsigned qi, uint32_t id, uint32_t len);
/* The next receive head without using it (-1: none). */
int vsock_model_peek_rx(struct vsock_model *m);
/* An event into the event queue: 0 or -1. */
int vsock_model_event(struct vsock_model *m, uint32_t id);
