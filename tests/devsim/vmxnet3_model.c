/* The vmxnet3 model: see vmxnet3_model.h. */
#include <stdlib.h>
#include <string.h>
#include "tests/devsim/vmxnet3_model.h"
#include "vmw/vmxnet3_reg.h"
#include "kernel/errno.h"

#define SH_ECR      offsetof(struct vmxnet3_shared, ecr)

/* Vector i: raised when pending and unmasked, then masked (auto-mask). */
static void irq_update(struct vmx3m *m, unsigned i)
{
    if (!m->pending[i] || m->masked[i])
        return;
    if (m->irq_mode == DEVIO_IRQ_INTX)
        m->asserted = true;
    else if (m->irq_mode) {
        devhost_irq_raise_entry(&m->dev, i);
        if (m->auto_mask)
            m->masked[i] = true;
    }
    m->pending[i] = false;
    m->irqs_raised++;
    m->raised[i]++;
}

static void irq_fire(struct vmx3m *m, unsigned i)
{
    m->pending[i] = true;
    irq_update(m, i);
}

static void mask_all(struct vmx3m *m) { memset(m->masked, 1, sizeof m->masked); }

static uint32_t sh_ecr(struct vmx3m *m)
{
    uint32_t e = 0;
    devhost_dma_read(m->shared_pa + SH_ECR, &e, 4);
    return e;
}

static void set_ecr(struct vmx3m *m, uint32_t e) { devhost_dma_write(m->shared_pa + SH_ECR, &e, 4); }

/* ACTIVATE_DEV: the shared area and queue descriptors, as QEMU reads them. */
static void activate(struct vmx3m *m)
{
    struct vmxnet3_shared sh;
    struct vmxnet3_txq_desc tq;
    struct vmxnet3_rxq_desc rq;
    if (m->fail_activate || !m->shared_pa || devhost_dma_read(m->shared_pa, &sh, sizeof sh) ||
        sh.magic != VMXNET3_REV1_MAGIC || sh.num_tx_queues != 1 || sh.num_rx_queues != 1 ||
        devhost_dma_read(sh.queue_desc_pa, &tq, sizeof tq) ||
        devhost_dma_read(sh.queue_desc_pa + sizeof tq, &rq, sizeof rq))
        return;
    /* QEMU (vmxnet3_validate_interrupts) takes indices below 25 under
     * MSI-X, only 0 otherwise; stricter here: below numIntrs too. */
    unsigned lim = m->irq_mode == DEVIO_IRQ_MSIX ? m->dev.msix_entries : 1;
    if (!sh.num_intrs || sh.num_intrs > lim || sh.event_intr_idx >= sh.num_intrs ||
        tq.intr_idx >= sh.num_intrs || rq.intr_idx >= sh.num_intrs) {
        m->bad_intr_conf++;
        return;
    }
    m->ev_intr = sh.event_intr_idx, m->tx_intr = tq.intr_idx, m->rx_intr = rq.intr_idx;
    memcpy(m->mod_levels, sh.mod_levels, sizeof m->mod_levels);
    m->rx_mode = sh.rx_mode, m->mtu = sh.mtu, m->auto_mask = sh.auto_mask, m->num_intrs = sh.num_intrs;
    m->tx_pa = tq.ring_pa, m->tx_size = tq.ring_size;
    m->txc_pa = tq.comp_ring_pa, m->txc_size = tq.comp_ring_size;
    m->rx_pa = rq.ring_pa[0], m->rx_size = rq.ring_size[0], m->rx2_size = rq.ring_size[1];
    m->rxc_pa = rq.comp_ring_pa, m->rxc_size = rq.comp_ring_size;
    m->tx_next = m->txc_next = m->rx_next = m->rxc_next = 0;
    m->tx_gen = m->txc_gen = m->rx_gen = m->rxc_gen = VMXNET3_INIT_GEN;
    static const struct vmxnet3_comp zero[1];
    for (uint32_t i = 0; i < m->txc_size; i++)      /* QEMU zeroes the completion rings */
        devhost_dma_write(m->txc_pa + 16ull * i, zero, 16);
    for (uint32_t i = 0; i < m->rxc_size; i++)
        devhost_dma_write(m->rxc_pa + 16ull * i, zero, 16);
    m->active = true;
}

static uint32_t cmd_result(struct vmx3m *m)
{
    switch (m->last_cmd) {
    case VMXNET3_CMD_ACTIVATE_DEV: return m->active ? 0 : 1;
    case VMXNET3_CMD_GET_LINK: return (m->link_up ? 1u : 0u) | 1000u << 16;
    case VMXNET3_CMD_GET_PERM_MAC_LO:
        return (uint32_t)m->mac[0] | m->mac[1] << 8 | m->mac[2] << 16 | (uint32_t)m->mac[3] << 24;
    case VMXNET3_CMD_GET_PERM_MAC_HI: return (uint32_t)m->mac[4] | m->mac[5] << 8;
    default: return 0;
    }
}

static void command(struct vmx3m *m, uint32_t cmd)
{
    m->last_cmd = cmd;
    switch (cmd) {
    case VMXNET3_CMD_ACTIVATE_DEV: activate(m); break;
    case VMXNET3_CMD_RESET_DEV: m->resets++; m->active = false; mask_all(m); break;
    case VMXNET3_CMD_QUIESCE_DEV: m->active = false; break;
    case VMXNET3_CMD_UPDATE_RX_MODE: m->rx_mode_updates++; break;
    case VMXNET3_CMD_UPDATE_MAC_FILTERS: m->mac_filter_updates++; break;
    }
}

/* Sums 16-bit big-endian words (RFC 1071). */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

/* TXPROD: every descriptor whose generation is the ring's, frame by frame. */
static void tx_run(struct vmx3m *m)
{
    static uint8_t buf[16384];
    size_t len = 0;
    uint32_t sop_w2 = 0, sop_w3 = 0;
    bool sop = true;
    for (uint32_t n = 0; m->active && n < m->tx_size; n++) {
        struct vmxnet3_desc d;
        devhost_dma_read(m->tx_pa + 16ull * m->tx_next, &d, sizeof d);
        if (!(d.w2 & VMXNET3_TXD_GEN) != !m->tx_gen)
            break;
        unsigned idx = m->tx_next;
        if (++m->tx_next == m->tx_size)
            m->tx_next = 0, m->tx_gen ^= 1;
        if (sop)
            sop_w2 = d.w2, sop_w3 = d.w3, sop = false;
        size_t dl = d.w2 & VMXNET3_TXD_LEN_MASK;
        if (!dl)
            dl = 16384;
        if (len + dl <= sizeof buf && !devhost_dma_read(d.addr, buf + len, dl))
            len += dl;
        if (!(d.w3 & VMXNET3_TXD_EOP))
            continue;
        unsigned om = (sop_w3 >> VMXNET3_TXD_OM_SHIFT) & 3, hlen = sop_w3 & VMXNET3_TXD_HLEN_MASK;
        unsigned at = sop_w2 >> VMXNET3_TXD_MSSCOF_SHIFT;
        if (om == VMXNET3_OM_CSUM && hlen < len && at + 2 <= len) {
            uint32_t s = sum16(buf + hlen, len - hlen, 0);
            while (s >> 16)
                s = (s & 0xFFFF) + (s >> 16);
            buf[at] = (uint8_t)(~s >> 8), buf[at + 1] = (uint8_t)~s;
            m->tx_csum++;
        }
        if (m->tx_count < VMX3M_TX_KEEP && len <= sizeof m->tx[0].data) {
            struct vmx3m_frame *f = &m->tx[m->tx_count];
            memcpy(f->data, buf, len);
            f->len = (uint16_t)len, f->w2 = sop_w2, f->w3 = sop_w3;
        }
        m->tx_count++;
        vmx3m_tx_forge(m, -1, idx, m->txc_gen);
        len = 0, sop = true;
    }
}

static uint64_t model_read(void *model, unsigned bar, uint64_t off, unsigned width)
{
    struct vmx3m *m = model;
    (void)width;
    if (bar == 0)
        return off < 8 * VMX3M_VECS ? m->masked[off / 8] : 0;
    switch (off) {
    case VMXNET3_VD_VRRS: return m->revs;
    case VMXNET3_VD_UVRS: return m->upts;
    case VMXNET3_VD_CMD: return cmd_result(m);
    case VMXNET3_VD_MACL:
        return (uint32_t)m->mac[0] | m->mac[1] << 8 | m->mac[2] << 16 | (uint32_t)m->mac[3] << 24;
    case VMXNET3_VD_MACH: return (uint32_t)m->mac[4] | m->mac[5] << 8;
    case VMXNET3_VD_ICR:
        if (!m->asserted)
            return 0;
        m->asserted = false;
        if (m->auto_mask)
            m->masked[0] = true;
        return 1;
    }
    return 0;
}

static void model_write(void *model, unsigned bar, uint64_t off, unsigned width, uint64_t v)
{
    struct vmx3m *m = model;
    (void)width;
    if (bar == 0) {
        if (off < 8 * VMX3M_VECS && off % 8 == 0 && m->active) {
            m->masked[off / 8] = v & 1;
            irq_update(m, (unsigned)off / 8);
        } else if (off == VMXNET3_PT_TXPROD) {
            tx_run(m);
        }
        return;
    }
    switch (off) {
    case VMXNET3_VD_VRRS: m->rev_chosen = (uint32_t)v; break;
    case VMXNET3_VD_UVRS: m->upt_chosen = (uint32_t)v; break;
    case VMXNET3_VD_DSAL: m->dsal = (uint32_t)v; m->shared_pa = 0; if (!v) m->active = false; break;
    case VMXNET3_VD_DSAH: m->shared_pa = m->dsal | v << 32; break;
    case VMXNET3_VD_CMD: command(m, (uint32_t)v); break;
    case VMXNET3_VD_ECR: if (m->shared_pa) set_ecr(m, sh_ecr(m) & ~(uint32_t)v); break;
    }
}

static void model_irq_mode(void *model, unsigned mode) { ((struct vmx3m *)model)->irq_mode = mode; }
static bool model_asserted(void *model) { return ((struct vmx3m *)model)->asserted; }

static const struct devhost_model_ops ops = {
    .read = model_read, .write = model_write, .irq_mode = model_irq_mode,
    .irq_asserted = model_asserted,
};

struct vmx3m *vmx3m_new(const uint8_t mac[6], uint8_t slot, unsigned irq_modes)
{
    struct vmx3m *m = calloc(1, sizeof *m);
    m->tx = calloc(VMX3M_TX_KEEP, sizeof *m->tx);
    memcpy(m->mac, mac, 6);
    m->revs = m->upts = 1;
    m->link_up = true;
    mask_all(m);
    m->dev.msix_entries = VMX3M_VECS;
    m->dev.ops = &ops;
    m->dev.model = m;
    m->dev.bar_size[0] = m->dev.bar_size[1] = 0x1000;
    m->dev.bar_size[2] = 0x2000;
    m->dev.irq_modes = irq_modes;
    m->dev.pci.vendor = VMXNET3_PCI_VENDOR;
    m->dev.pci.device = VMXNET3_PCI_DEVICE;
    devhost_attach(&m->dev, slot);
    return m;
}

void vmx3m_free(struct vmx3m *m)
{
    devhost_detach(&m->dev);
    free(m->tx);
    free(m);
}

void *vmx3m_shared(struct vmx3m *m)
{
    return m->shared_pa ? devhost_dma_peek(m->shared_pa, sizeof(struct vmxnet3_shared)) : NULL;
}

void vmx3m_event(struct vmx3m *m, uint32_t ecr)
{
    set_ecr(m, sh_ecr(m) | ecr);
    irq_fire(m, m->ev_intr);
}

void vmx3m_set_link(struct vmx3m *m, bool up)
{
    m->link_up = up;
    if (m->active)
        vmx3m_event(m, VMXNET3_ECR_LINK);
}

int vmx3m_rx_inject(struct vmx3m *m, const void *frame, size_t len, uint32_t rcd_w3)
{
    if (!m->active || !m->link_up)
        return -EAGAIN;
    struct vmxnet3_comp c;
    struct vmxnet3_desc d;
    devhost_dma_read(m->rxc_pa + 16ull * m->rxc_next, &c, sizeof c);
    devhost_dma_read(m->rx_pa + 16ull * m->rx_next, &d, sizeof d);
    if (!(c.w3 & VMXNET3_COMP_GEN) == !m->rxc_gen || !(d.w2 & VMXNET3_RXD_GEN) != !m->rx_gen ||
        (d.w2 & VMXNET3_RXD_BTYPE_BODY)) {
        m->rx_no_buf++;
        return -ENOSPC;
    }
    size_t room = d.w2 & VMXNET3_TXD_LEN_MASK, n = len < room ? len : room;
    devhost_dma_write(d.addr, frame, n);
    uint32_t w0 = m->rx_next | VMXNET3_RCD_SOP | VMXNET3_RCD_EOP | (rcd_w3 ? 0 : VMXNET3_RCD_CNC);
    if (++m->rx_next == m->rx_size)
        m->rx_next = 0, m->rx_gen ^= 1;
    m->rx_count++;
    vmx3m_rx_forge(m, -1, w0, (uint32_t)n | (n < len ? VMXNET3_RCD_ERR : 0), rcd_w3, m->rxc_gen,
                   false);
    return 0;
}

void vmx3m_rx_forge(struct vmx3m *m, int at, uint32_t w0, uint32_t w2, uint32_t w3, unsigned gen,
                    bool consume)
{
    if (consume) {
        struct vmxnet3_desc d;
        static uint8_t pat[2048];
        memset(pat, 0x5A, sizeof pat);
        devhost_dma_read(m->rx_pa + 16ull * m->rx_next, &d, sizeof d);
        size_t room = d.w2 & VMXNET3_TXD_LEN_MASK, len = w2 & VMXNET3_RCD_LEN_MASK;
        devhost_dma_write(d.addr, pat, len < room ? len : room);
        if (++m->rx_next == m->rx_size)
            m->rx_next = 0, m->rx_gen ^= 1;
    }
    unsigned i = at < 0 ? m->rxc_next : (unsigned)at;
    struct vmxnet3_comp c = { w0, 0, w2, (w3 & ~VMXNET3_COMP_GEN) | (gen ? VMXNET3_COMP_GEN : 0) };
    devhost_dma_write(m->rxc_pa + 16ull * i, &c, sizeof c);
    if (at < 0 && ++m->rxc_next == m->rxc_size)
        m->rxc_next = 0, m->rxc_gen ^= 1;
    irq_fire(m, m->rx_intr);
}

void vmx3m_tx_forge(struct vmx3m *m, int at, uint32_t w0, unsigned gen)
{
    unsigned i = at < 0 ? m->txc_next : (unsigned)at;
    struct vmxnet3_comp c = { w0, 0, 0, gen ? VMXNET3_COMP_GEN : 0 };
    devhost_dma_write(m->txc_pa + 16ull * i, &c, sizeof c);
    if (at < 0 && ++m->txc_next == m->txc_size)
        m->txc_next = 0, m->txc_gen ^= 1;
    irq_fire(m, m->tx_intr);
}
