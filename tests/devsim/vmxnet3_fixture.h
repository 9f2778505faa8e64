/* Shared pieces of the hosted vmxnet3 tests: a model with the driver
 * probed on it, a pump that plays interrupts and the driver thread, frame
 * builders. */
#pragma once
#include <stdlib.h>
#include <string.h>
#include "tests/devsim/vmxnet3_model.h"
#include "tests/devsim/host.h"
#include "tests/unit/test.h"
#include "vmw/vmxnet3_reg.h"
#include "vmw/vmxnet3_test.h"
#include "net/netdev.h"
#include "kernel/errno.h"

static const uint8_t vx_mac[6] = { 0x00, 0x0c, 0x29, 0x12, 0x34, 0x56 };

struct vx {
    struct vmx3m *m;
    struct netdev *nd;
};

static inline void vx_model(struct vx *f, unsigned irq_modes)
{
    *f = (struct vx){ 0 };
    host_reset();
    devhost_reset();
    host.heap_live = 0;
    f->m = vmx3m_new(vx_mac, 3, irq_modes);
}

static inline int vx_probe(struct vx *f)
{
    int r = vmxnet3_test_probe(&f->m->dev.pci);
    f->nd = r == 0 ? host.nd : NULL;
    return r;
}

static inline bool vx_up(struct vx *f, unsigned irq_modes)
{
    vx_model(f, irq_modes);
    int r = vx_probe(f);
    CHECK_EQ(r, 0);
    return r == 0 && f->nd;
}

/* Interrupts delivered and thread work done until both are idle (bounded). */
static inline unsigned vx_pump(struct vx *f)
{
    unsigned busy = 0;
    for (unsigned i = 0; i < 10000; i++) {
        bool irq = devhost_irq_deliver(&f->m->dev);
        bool ran = f->nd && vmxnet3_test_service(f->nd);
        if (!irq && !ran)
            break;
        busy++;
    }
    return busy;
}

/* Releases driver and model: nothing may be left, no DMA out of bounds. */
static inline void vx_end(struct vx *f)
{
    if (f->m) {
        vmxnet3_test_release(&f->m->dev.pci);
        vmx3m_free(f->m);
    }
    host_release_lent();
    CHECK_EQ(devhost_dma_live(), 0);
    CHECK_EQ(host.heap_live, 0);
    CHECK_EQ(devhost_dma_violations(), 0);
    devhost_reset();
    host_reset();
    free(host.rx);
    host.rx = NULL;
    *f = (struct vx){ 0 };
}

/* A frame to vx_mac, EtherType 0x88B5, payload bytes from seq. */
static inline size_t vx_frame(uint8_t *b, size_t len, unsigned seq)
{
    static const uint8_t src[6] = { 2, 0, 0, 0, 0, 1 };
    memcpy(b, vx_mac, 6);
    memcpy(b + 6, src, 6);
    b[12] = 0x88, b[13] = 0xB5;
    for (size_t i = 14; i < len; i++)
        b[i] = (uint8_t)(seq * 13 + i * 7);
    return len;
}

static inline uint32_t vx_sum(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return s;
}

/* IPv4 + TCP with `payload` bytes, the IPv4 checksum right and the TCP one
 * garbage (the device is to insert it). */
static inline size_t vx_tcp_frame(uint8_t *b, size_t payload, unsigned seq)
{
    size_t tot = 20 + 20 + payload;
    vx_frame(b, 14 + tot, seq);
    b[12] = 0x08, b[13] = 0x00;
    uint8_t *ip = b + 14;
    memset(ip, 0, 40);
    ip[0] = 0x45, ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot, ip[8] = 64, ip[9] = 6;
    ip[12] = 10, ip[15] = 2, ip[16] = 10, ip[19] = 15;
    uint16_t c = (uint16_t)~vx_sum(ip, 20, 0);
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    ip[20] = 0x1F, ip[21] = 0x90, ip[32] = 0x50, ip[33] = 0x18, ip[36] = 0xAB, ip[37] = 0xCD;
    return 14 + tot;
}

/* The TCP checksum over the pseudo header: 0xFFFF when right. */
static inline uint16_t vx_tcp_check(const uint8_t *b, size_t len)
{
    const uint8_t *ip = b + 14;
    uint32_t s = vx_sum(ip + 12, 8, 0) + 6 + (uint32_t)(len - 34);
    return (uint16_t)vx_sum(ip + 20, len - 34, s);
}
