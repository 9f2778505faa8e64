/* A virtio-vsock device (virtio 1.2 5.10) over the modern PCI transport,
 * for tests/devsim/test_virtio_vsock.c, laid out as tests/devsim/vnet_model.c
 * (BAR 4: common configuration, ISR, device configuration, doorbells).
 * Three queues (rx, tx, event), the guest CID in the configuration. Chains
 * are read and written as byte streams, whatever their shape; transmitted
 * packets are recorded. It lies on request (vsock_model_used_raw). */
#include <string.h>
#include "tests/devsim/vsock_model.h"
#include "tests/unit/test.h"

#define VM_FAIL(msg) test_fail(__FILE__, __LINE__, msg)

static struct vsock_model *model;

static bool mine(const struct pci_dev *d) { return model && &model->dev.pci == d; }

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id, uint8_t from)
{
    return mine(d) ? vq_model_find_cap(id, from) : 0;
}

uint32_t pci_read32(const struct pci_dev *d, uint16_t off)
{
    return mine(d) ? vq_model_cap_read32(off, VSOCK_NOTIFY_MULT) : ~0u;
}

uint8_t pci_read8(const struct pci_dev *d, uint16_t off)
{
    return (uint8_t)(pci_read32(d, off & ~3u) >> 8 * (off & 3));
}

static uint64_t rd(void *mp, unsigned bar, uint64_t off, unsigned w)
{
    struct vsock_model *m = mp;
    struct vq_model_queue *q = &m->q[m->cc.qsel < 3 ? m->cc.qsel : 0];
    if (bar != 4)
        return ~0ull;
    if (off >= 0x2000 && off < 0x2008)
        return (m->cid >> 8 * (off - 0x2000)) & (w >= 8 ? ~0ull : (1ull << 8 * w) - 1);
    if (off == 0x1000) {
        uint8_t isr = m->isr;
        m->isr = 0;
        return isr;
    }
    uint64_t v;
    if (vq_model_cc_read(&m->cc, q, off, m->offer, 3, VSOCK_MODEL_QSIZE, &v))
        return v;
    switch (off) {
    case VIRTIO_PCI_CC(device_status): return m->status;
    case VIRTIO_PCI_CC(config_generation): return m->cfg_gen;
    default: return 0;
    }
}

static uint16_t rd16(uint64_t a) { uint16_t v = 0; devhost_dma_read(a, &v, 2); return v; }

static int pop(struct vq_model_queue *q)
{
    if (!q->enabled || rd16(q->avail + 2) == q->last_avail)
        return -1;
    uint16_t head = rd16(q->avail + 4 + 2u * (q->last_avail % q->size));
    q->last_avail++;
    return head < q->size ? head : -1;
}

/* Walks chain `head`: readable bytes into out (cap), or `in` into the
 * writable ones. Returns bytes moved; *wcap the writable total. */
static size_t chain(struct vq_model_queue *q, unsigned head, uint8_t *out, size_t cap,
                    const uint8_t *in, size_t inlen, size_t *wcap)
{
    size_t moved = 0, w = 0;
    for (unsigned i = head, k = 0; k < q->size; k++) {
        struct virtq_desc d;
        devhost_dma_read(q->desc + 16u * i, &d, sizeof d);
        if (d.flags & VIRTQ_DESC_F_WRITE) {
            if (in && moved < inlen) {
                size_t n = inlen - moved < d.len ? inlen - moved : d.len;
                devhost_dma_write(d.addr, in + moved, n);
                moved += n;
            }
            w += d.len;
        } else if (out && moved < cap) {
            size_t n = cap - moved < d.len ? cap - moved : d.len;
            devhost_dma_read(d.addr, out + moved, n);
            moved += n;
        }
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            break;
        i = d.next;
    }
    if (wcap)
        *wcap = w;
    return moved;
}

void vsock_model_used_raw(struct vsock_model *m, unsigned qi, uint32_t id, uint32_t len)
{
    struct vq_model_queue *q = &m->q[qi];
    struct virtq_used_elem e = { id, len };
    devhost_dma_write(q->used + 4 + 8u * (q->used_idx % q->size), &e, sizeof e);
    q->used_idx++;
    devhost_dma_write(q->used + 2, &q->used_idx, 2);
    m->isr |= VIRTIO_ISR_QUEUE;
    devhost_irq_raise(&m->dev);
}

static void tx(struct vsock_model *m)
{
    struct vq_model_queue *q = &m->q[1];
    static uint8_t pkt[sizeof(struct vsock_hdr) + 4096];
    for (int head; (head = pop(q)) >= 0;) {
        size_t n = chain(q, (unsigned)head, pkt, sizeof pkt, NULL, 0, NULL);
        struct vsock_hdr h;
        if (n < sizeof h) {
            VM_FAIL("vsock model: transmit chain shorter than a header");
        } else {
            memcpy(&h, pkt, sizeof h);
            if (h.len != n - sizeof h || h.len > sizeof m->tx_data)
                VM_FAIL("vsock model: header len disagrees with the chain");
            else
                memcpy(m->tx_data, pkt + sizeof h, h.len);
            m->tx[m->ntx++ % VSOCK_MODEL_TX_MAX] = h;
        }
        vsock_model_used_raw(m, 1, (uint32_t)head, 0);
    }
}

static void set_status(struct vsock_model *m, uint8_t s)
{
    if (s == 0) {
        m->resets += m->status != 0;
        memset(m->q, 0, sizeof m->q);
        m->status = 0, m->cc.features = 0, m->cc.config_vec = VIRTIO_MSI_NO_VECTOR;
        return;
    }
    uint8_t added = s & (uint8_t)~m->status;
    if ((s & m->status) != m->status || (added & (added - 1)))
        VM_FAIL("vsock model: status not one step at a time (virtio 1.2 3.1.1)");
    else if (added == VIRTIO_STATUS_FEATURES_OK && m->refuse)
        return;
    else if (added == VIRTIO_STATUS_FEATURES_OK && (m->cc.features & ~m->offer))
        VM_FAIL("vsock model: driver features outside the offer");
    else
        m->status = s;
}

static void wr(void *mp, unsigned bar, uint64_t off, unsigned w, uint64_t v)
{
    struct vsock_model *m = mp;
    struct vq_model_queue *q = &m->q[m->cc.qsel < 3 ? m->cc.qsel : 0];
    (void)w;
    if (bar != 4)
        return;
    if (off >= 0x3000) {
        if (off == 0x3000 + VSOCK_NOTIFY_MULT && !m->deaf)
            tx(m);
        return;
    }
    uint32_t lo = (uint32_t)v;
    if (!vq_model_cc_write(&m->cc, q, off, lo) && off == VIRTIO_PCI_CC(device_status))
        set_status(m, (uint8_t)lo);
}

static const struct devhost_model_ops vsock_ops = { .read = rd, .write = wr };

void vsock_model_init(struct vsock_model *m, uint8_t slot, uint64_t cid)
{
    memset(m, 0, sizeof *m);
    m->cid = cid;
    m->cc.config_vec = VIRTIO_MSI_NO_VECTOR;
    m->offer = VIRTIO_BIT(VIRTIO_F_VERSION_1);
    m->dev.pci.vendor = VIRTIO_PCI_VENDOR;
    m->dev.pci.device = VIRTIO_PCI_DEVICE_MODERN + VIRTIO_ID_VSOCK;
    m->dev.ops = &vsock_ops;
    m->dev.model = m;
    m->dev.bar_size[4] = 0x4000;
    m->dev.irq_modes = DEVIO_IRQ_MSIX | DEVIO_IRQ_INTX;
    devhost_attach(&m->dev, slot);
    model = m;
}

void vsock_model_release(struct vsock_model *m)
{
    if (model == m)
        model = NULL;
}

int vsock_model_peek_rx(struct vsock_model *m)
{
    struct vq_model_queue *q = &m->q[0];
    int head = pop(q);
    if (head >= 0)
        q->last_avail--;
    return head;
}

int vsock_model_rx(struct vsock_model *m, const struct vsock_hdr *h, const void *data)
{
    struct vq_model_queue *q = &m->q[0];
    int head = pop(q);
    if (head < 0)
        return -1;
    uint8_t b[sizeof *h + 4096];
    memcpy(b, h, sizeof *h);
    if (h->len)
        memcpy(b + sizeof *h, data, h->len);
    size_t w;
    size_t n = chain(q, (unsigned)head, NULL, 0, b, sizeof *h + h->len, &w);
    if (w < sizeof *h + h->len)
        VM_FAIL("vsock model: receive chain too small");
    vsock_model_used_raw(m, 0, (uint32_t)head, (uint32_t)n);
    return head;
}

int vsock_model_event(struct vsock_model *m, uint32_t id)
{
    struct vq_model_queue *q = &m->q[2];
    int head = pop(q);
    if (head < 0)
        return -1;
    size_t w;
    chain(q, (unsigned)head, NULL, 0, (const uint8_t *)&id, 4, &w);
    vsock_model_used_raw(m, 2, (uint32_t)head, 4);
    return 0;
}
