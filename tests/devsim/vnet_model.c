/* A virtio-net device over the modern PCI transport, for the hosted tests
 * (tests/devsim/test_virtio_net.c), written from the virtio 1.2
 * specification (4.1 PCI, 2.7 split virtqueues, 5.1 net): BAR 4 holds the
 * common configuration (0x0000), ISR (0x1000), device configuration
 * (0x2000) and the doorbells (0x3000, 4 bytes per queue), as QEMU lays
 * them out; the capabilities that point there are served by this file's
 * pci_find_cap/pci_read8/pci_read32 (the hosted build has no kernel/pci).
 *
 * The model is strict where the driver is concerned: a status change that
 * is not one step of 3.1.1 or a driver feature outside the offer fails the
 * test, and rings are reached only through devhost_dma_*. It can also lie,
 * on request: vnet_model_used_raw writes any used entry and index. */
#include <string.h>
#include "tests/devsim/vnet_model.h"
#include "tests/unit/test.h"

#define VM_FAIL(msg) test_fail(__FILE__, __LINE__, msg)

/* ---- Configuration space: the vendor capabilities ------------------------ */

static struct vnet_model *models[4];

static struct vnet_model *model_of(const struct pci_dev *d)
{
    for (int i = 0; i < 4; i++)
        if (models[i] && &models[i]->dev.pci == d)
            return models[i];
    return NULL;
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from)
{
    return model_of(d) ? vq_model_find_cap(id, from) : 0;
}

uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{
    return model_of(d) ? vq_model_cap_read32(off, VNET_NOTIFY_MULT) : ~0u;
}

uint8_t pci_read8(const struct pci_dev *d, uint16_t off)
{
    return (uint8_t)(pci_read32(d, off & ~3u) >> 8 * (off & 3));
}

/* ---- Registers ------------------------------------------------------------------ */

static uint64_t rd(void *mp, unsigned bar, uint64_t off, unsigned w)
{
    struct vnet_model *m = mp;
    struct vq_model_queue *q = &m->q[m->cc.qsel < 2 ? m->cc.qsel : 0];
    if (bar != 4)
        return ~0ull;
    if (off >= 0x2000 && off < 0x3000) {       /* device configuration */
        uint8_t cfg[16] = { 0 };
        memcpy(cfg, m->mac, 6);
        cfg[6] = m->link_up ? VIRTIO_NET_S_LINK_UP : 0;
        uint64_t v = 0;
        off -= 0x2000;
        for (unsigned i = 0; i < w && off + i < sizeof cfg; i++)
            v |= (uint64_t)cfg[off + i] << 8 * i;
        return v;
    }
    if (off == 0x1000) {                       /* ISR: read clears */
        uint8_t isr = m->isr;
        m->isr = 0;
        return isr;
    }
    uint64_t v;
    if (vq_model_cc_read(&m->cc, q, off, m->offer, 2, VNET_MODEL_QSIZE, &v))
        return v;
    switch (off) {
    case VIRTIO_PCI_CC(device_status): return m->status;
    case VIRTIO_PCI_CC(config_generation): return m->cfg_gen;
    default: return 0;
    }
}

static void set_status(struct vnet_model *m, uint8_t s)
{
    if (s == 0) {
        memset(m->q, 0, sizeof m->q);
        m->status = 0, m->cc.features = 0, m->cc.config_vec = VIRTIO_MSI_NO_VECTOR;
        m->resets++;
        return;
    }
    uint8_t added = s & (uint8_t)~m->status;
    if ((s & m->status) != m->status || (added & (added - 1))) {
        VM_FAIL("vnet model: status not one step at a time (virtio 1.2 3.1.1)");
        return;
    }
    if (added == VIRTIO_STATUS_FEATURES_OK && (m->cc.features & ~m->offer)) {
        VM_FAIL("vnet model: driver features outside the offer");
        return;                                 /* FEATURES_OK refused */
    }
    if (added == VIRTIO_STATUS_FEATURES_OK && m->refuse_features)
        return;
    m->status = s;
}

static void wr(void *mp, unsigned bar, uint64_t off, unsigned w, uint64_t v)
{
    struct vnet_model *m = mp;
    struct vq_model_queue *q = &m->q[m->cc.qsel < 2 ? m->cc.qsel : 0];
    (void)w;
    if (bar != 4)
        return;
    if (off >= 0x3000) {                       /* a doorbell */
        unsigned qi = (unsigned)(off - 0x3000) / VNET_NOTIFY_MULT;
        if (qi < 2 && v == qi)
            m->q[qi].notifies++;
        else
            VM_FAIL("vnet model: doorbell at the wrong place or with the wrong queue");
        if (qi == 1 && !m->tx_hold)
            vnet_model_tx(m);
        return;
    }
    uint32_t lo = (uint32_t)v;
    if (!vq_model_cc_write(&m->cc, q, off, lo) && off == VIRTIO_PCI_CC(device_status))
        set_status(m, (uint8_t)lo);
}

/* INTx: the line is high while the ISR has a cause (4.1.4.5). */
static bool asserted(void *mp) { return ((struct vnet_model *)mp)->isr != 0; }

static const struct devhost_model_ops vnet_ops = { .read = rd, .write = wr, .irq_asserted = asserted };

void vnet_model_init(struct vnet_model *m, uint8_t slot)
{
    memset(m, 0, sizeof *m);
    static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF };
    memcpy(m->mac, mac, 6);
    m->link_up = true;
    m->cc.config_vec = VIRTIO_MSI_NO_VECTOR;
    m->offer = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
               VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |
               VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |
               VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
               VIRTIO_BIT(7) /* GUEST_TSO4: offered, must not be taken */;
    m->dev.pci.vendor = VIRTIO_PCI_VENDOR;
    m->dev.pci.device = VIRTIO_PCI_DEVICE_MODERN + VIRTIO_ID_NET;
    m->dev.ops = &vnet_ops;
    m->dev.model = m;
    m->dev.bar_size[4] = 0x4000;
    m->dev.irq_modes = DEVIO_IRQ_MSIX | DEVIO_IRQ_INTX;
    devhost_attach(&m->dev, slot);
    for (int i = 0; i < 4; i++)
        if (!models[i]) {
            models[i] = m;
            break;
        }
}

void vnet_model_release(struct vnet_model *m)
{
    for (int i = 0; i < 4; i++)
        if (models[i] == m)
            models[i] = NULL;
}

/* ---- Rings ------------------------------------------------------------------------ */

static uint16_t rd16(uint64_t a) { uint16_t v = 0; devhost_dma_read(a, &v, 2); return v; }

/* The next available head of queue q, or -1. */
static int pop(struct vq_model_queue *q)
{
    if (!q->enabled || rd16(q->avail + 2) == q->last_avail)
        return -1;
    uint16_t head = rd16(q->avail + 4 + 2u * (q->last_avail % q->size));
    q->last_avail++;
    return head;
}

void vnet_model_used_raw(struct vnet_model *m, unsigned qi, uint32_t id, uint32_t len, uint16_t idx_step)
{
    struct vq_model_queue *q = &m->q[qi];
    struct virtq_used_elem e = { id, len };
    devhost_dma_write(q->used + 4 + 8u * (q->used_idx % q->size), &e, sizeof e);
    q->used_idx = (uint16_t)(q->used_idx + idx_step);
    devhost_dma_write(q->used + 2, &q->used_idx, 2);
    /* 2.7.7.2 / 2.7.10: interrupt unless used_event says not yet. */
    uint16_t ev = rd16(q->avail + 4 + 2u * q->size);
    uint16_t old = (uint16_t)(q->used_idx - idx_step);
    if ((uint16_t)(q->used_idx - ev - 1) < (uint16_t)(q->used_idx - old)) {
        m->isr |= VIRTIO_ISR_QUEUE;
        devhost_irq_raise(&m->dev);
    }
}

int vnet_model_rx(struct vnet_model *m, const void *frame, size_t len, uint8_t hdr_flags)
{
    struct vq_model_queue *q = &m->q[0];
    int head = pop(q);
    if (head < 0 || head >= q->size)
        return -1;
    struct virtq_desc d;
    devhost_dma_read(q->desc + 16u * (unsigned)head, &d, sizeof d);
    if (!(d.flags & VIRTQ_DESC_F_WRITE) || d.len < sizeof(struct virtio_net_hdr) + len) {
        VM_FAIL("vnet model: receive buffer not writable or too small");
        return -1;
    }
    struct virtio_net_hdr h = { .flags = hdr_flags, .num_buffers = 1 };
    devhost_dma_write(d.addr, &h, sizeof h);
    devhost_dma_write(d.addr + sizeof h, frame, len);
    vnet_model_used_raw(m, 0, (uint32_t)head, (uint32_t)(sizeof h + len), 1);
    return head;
}

int vnet_model_rx_merged(struct vnet_model *m, const uint8_t *frame, size_t len, size_t first,
                         uint16_t num_buffers)
{
    struct vq_model_queue *q = &m->q[0];
    int h1 = pop(q), h2 = pop(q);
    if (h1 < 0 || h2 < 0)
        return -1;
    struct virtq_desc d1, d2;
    devhost_dma_read(q->desc + 16u * (unsigned)h1, &d1, sizeof d1);
    devhost_dma_read(q->desc + 16u * (unsigned)h2, &d2, sizeof d2);
    struct virtio_net_hdr h = { .num_buffers = num_buffers };
    devhost_dma_write(d1.addr, &h, sizeof h);
    devhost_dma_write(d1.addr + sizeof h, frame, first);
    devhost_dma_write(d2.addr, frame + first, len - first);
    /* Both entries first, then the index once (as a device batching). */
    vnet_model_used_raw(m, 0, (uint32_t)h1, (uint32_t)(sizeof h + first), 0);
    q->used_idx++;
    vnet_model_used_raw(m, 0, (uint32_t)h2, (uint32_t)(len - first), 1);
    m->isr |= VIRTIO_ISR_QUEUE;         /* the event check above saw only the last step */
    devhost_irq_raise(&m->dev);
    return 0;
}

/* Transmit: every available chain is read (one descriptor: header +
 * frame), recorded and returned with length 0. */
void vnet_model_tx(struct vnet_model *m)
{
    struct vq_model_queue *q = &m->q[1];
    for (int head; (head = pop(q)) >= 0;) {
        struct virtq_desc d;
        devhost_dma_read(q->desc + 16u * (unsigned)head, &d, sizeof d);
        if (d.len < sizeof(struct virtio_net_hdr) || d.len > sizeof m->tx_last + 12 ||
            (d.flags & VIRTQ_DESC_F_WRITE)) {
            VM_FAIL("vnet model: transmit descriptor of a bad shape");
            return;
        }
        devhost_dma_read(d.addr, &m->tx_hdr, sizeof m->tx_hdr);
        m->tx_len = d.len - sizeof m->tx_hdr;
        devhost_dma_read(d.addr + sizeof m->tx_hdr, m->tx_last, m->tx_len);
        m->tx_frames++;
        vnet_model_used_raw(m, 1, (uint32_t)head, 0, 1);
    }
}

void vnet_model_set_link(struct vnet_model *m, bool up)
{
    m->link_up = up;
    m->cfg_gen++;
    m->isr |= VIRTIO_ISR_CONFIG;
    devhost_irq_raise(&m->dev);
}
