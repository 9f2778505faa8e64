/* The 82540EM / 82574L model: see e1000_model.h for what it covers and the
 * documents it follows. Every value the driver wrote is treated as the
 * device would: ring bases, lengths and buffer addresses are used as given,
 * and guest memory is reached only through devhost_dma_read/write, which
 * fail the test when the driver pointed the device outside its own DMA
 * memory. */
#include <stdlib.h>
#include <string.h>
#include "tests/devsim/e1000_model.h"
#include "kernel/errno.h"
#include "net/e1000_reg.h"

uint64_t clock_ns(void);            /* the hosted clock (tests/devsim/host_kernel.c) */

/* EERD, from each part's register description (not from the driver):
 * 8254x SDM 13.4.4 (EERD): START bit 0, DONE bit 4, ADDR 15:8, DATA 31:16.
 * 82574 datasheet, chapter 10, EERD: START bit 0, DONE bit 1, ADDR 15:2. */
#define M_EERD_START        (1u << 0)
#define M_EERD_DONE_8254X   (1u << 4)
#define M_EERD_DONE_82574   (1u << 1)
#define M_EERD_DATA_SHIFT   16
/* The EEPROM checksum word 3Fh (SDM 5.6, EEPROM map): words 00h-3Fh sum to
 * 0xBABA. */
#define M_EEPROM_CSUM_WORD  0x3F
#define M_EEPROM_SUM        0xBABA
/* ICR bit 31 on the 82574 (datasheet chapter 10, ICR: INT_ASSERTED). */
#define M_ICR_INT_ASSERTED  (1u << 31)

static uint32_t *reg(struct e1000m *m, uint32_t off) { return &m->regs[off / 4]; }
uint32_t e1000m_reg(const struct e1000m *m, uint32_t off) { return m->regs[off / 4]; }

static bool msix_mode(const struct e1000m *m)
{
    return m->kind == E1000M_82574L && m->irq_mode == DEVIO_IRQ_MSIX;
}

/* ---- Interrupts (SDM chapter 13: ICR, ICS, IMS, IMC; 82574 datasheet 7.4) -- */

/* With MSI-X each cause is routed by IVAR: a 4-bit entry per cause group,
 * bit 3 valid. The model's one vector stands for all of them. */
static bool ivar_routes(struct e1000m *m, uint32_t bits)
{
    uint32_t ivar = *reg(m, E1000_IVAR);
    bool ok = true;
    if (bits & E1000_ICR_RXQ0)
        ok &= (ivar >> E1000_IVAR_RXQ0_SHIFT & E1000_IVAR_VALID) != 0;
    if (bits & E1000_ICR_TXQ0)
        ok &= (ivar >> E1000_IVAR_TXQ0_SHIFT & E1000_IVAR_VALID) != 0;
    if (bits & E1000_ICR_OTHER)
        ok &= (ivar >> E1000_IVAR_OTHER_SHIFT & E1000_IVAR_VALID) != 0;
    return ok;
}

static void signal_causes(struct e1000m *m, uint32_t fire);

void e1000m_cause(struct e1000m *m, uint32_t bits)
{
    if (msix_mode(m)) {                 /* 82574: queue and "other" causes alongside */
        if (bits & (E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_RXO))
            bits |= E1000_ICR_RXQ0;
        if (bits & E1000_ICR_TXDW)
            bits |= E1000_ICR_TXQ0;
        if (bits & E1000_ICR_LSC)
            bits |= E1000_ICR_OTHER;
    }
    m->icr |= bits;
    signal_causes(m, bits & m->ims);
}

/* A message for newly pending, unmasked causes (MSI, MSI-X); INTx is the
 * level m_irq_asserted reports. */
static void signal_causes(struct e1000m *m, uint32_t fire)
{
    if (!fire)
        return;
    uint32_t queues = fire & (E1000_ICR_RXQ0 | E1000_ICR_TXQ0 | E1000_ICR_OTHER);
    if (msix_mode(m) && !ivar_routes(m, queues)) {
        m->msix_unrouted++;
        return;
    }
    devhost_irq_raise(&m->dev);
}

static bool m_irq_asserted(void *model)
{
    struct e1000m *m = model;
    return (m->icr & m->ims) != 0;
}

static void m_irq_mode(void *model, unsigned mode) { ((struct e1000m *)model)->irq_mode = mode; }

/* ---- Reset, link, EEPROM -------------------------------------------------- */

/* CTRL.RST (SDM 13.4.1 and chapter 14): every register back to its default; the
 * EEPROM is read again, which loads RAL0/RAH0 where the part does so. */
static void device_reset(struct e1000m *m)
{
    memset(m->regs, 0, E1000M_BAR0_SIZE);
    m->icr = m->ims = 0;
    m->ctx.valid = false;
    m->txlen = 0, m->tx_in_frame = false, m->tx_oversize = false;
    m->mpc = 0;
    *reg(m, E1000_CTRL) = E1000_CTRL_FD | E1000_CTRL_RST;
    if (m->ral_loaded) {
        const uint16_t *w = m->eeprom;
        *reg(m, E1000_RAL0) = (uint32_t)w[0] | (uint32_t)w[1] << 16;
        *reg(m, E1000_RAH0) = w[2] | E1000_RAH_AV;
    }
    m->rst_done_ns = clock_ns() + E1000M_RESET_NS;
    m->resets++;
}

static uint32_t status_value(const struct e1000m *m)
{
    uint32_t st = E1000_STATUS_FD;
    if (m->link_up && (*reg((struct e1000m *)m, E1000_CTRL) & E1000_CTRL_SLU)) {
        unsigned sp = m->speed_mbps >= 1000 ? 2 : m->speed_mbps >= 100 ? 1 : 0;
        st |= E1000_STATUS_LU | sp << E1000_STATUS_SPEED_SHIFT;
    }
    return st;
}

void e1000m_set_link(struct e1000m *m, bool up, unsigned speed_mbps)
{
    bool changed = m->link_up != up || (up && m->speed_mbps != speed_mbps);
    m->link_up = up;
    m->speed_mbps = speed_mbps;
    if (changed)
        e1000m_cause(m, E1000_ICR_LSC);
}

static uint32_t eerd_write(struct e1000m *m, uint32_t v)
{
    if (!(v & M_EERD_START) || m->faults.eerd_stuck)
        return v & ~(M_EERD_DONE_8254X | M_EERD_DONE_82574);
    bool e82574 = m->kind == E1000M_82574L;
    unsigned addr = e82574 ? (v >> 2) & 0x3FFF : (v >> 8) & 0xFF;
    uint16_t data = addr < 64 ? m->eeprom[addr] : 0xFFFF;
    return (v & 0xFFFF & ~M_EERD_START) | (e82574 ? M_EERD_DONE_82574 : M_EERD_DONE_8254X) |
           (uint32_t)data << M_EERD_DATA_SHIFT;
}

/* ---- Transmit (SDM 3.3) -------------------------------------------------- */

static uint16_t csum_fold(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)sum;
}

/* Checksum insertion (SDM 3.3.5-3.3.6): the ones' complement of the sum
 * of [start, end] as the bytes are, stored big-endian at `at`. A context
 * that does not fit the frame is not served (counted). */
static void insert_csum(struct e1000m *m, unsigned start, unsigned end, unsigned at)
{
    if (end == 0 || end >= m->txlen)
        end = (unsigned)m->txlen - 1;
    if (start > end || at + 2 > m->txlen) {
        m->tx_bad_ctx++;
        return;
    }
    uint16_t s = (uint16_t)~csum_fold(m->txbuf + start, end - start + 1, 0);
    m->txbuf[at] = (uint8_t)(s >> 8);
    m->txbuf[at + 1] = (uint8_t)s;
}

static void tx_frame_done(struct e1000m *m)
{
    if (!m->tx_oversize && m->txlen > 0) {
        if (m->popts & E1000_TXD_POPTS_IXSM) {
            if (m->ctx.valid)
                insert_csum(m, m->ctx.ipcss, m->ctx.ipcse, m->ctx.ipcso);
            else
                m->tx_bad_ctx++;
        }
        if (m->popts & E1000_TXD_POPTS_TXSM) {
            if (m->ctx.valid)
                insert_csum(m, m->ctx.tucss, m->ctx.tucse, m->ctx.tucso);
            else
                m->tx_bad_ctx++;
        }
        if (!m->link_up)
            m->tx_lost++;
        else if (m->tx_count < E1000M_TX_KEEP && m->txlen <= sizeof m->tx[0].data) {
            memcpy(m->tx[m->tx_count].data, m->txbuf, m->txlen);
            m->tx[m->tx_count].len = (uint16_t)m->txlen;
            m->tx_count++;
        }
    }
    m->txlen = 0, m->tx_in_frame = false, m->tx_oversize = false, m->popts = 0;
}

static void tx_append(struct e1000m *m, uint64_t addr, size_t len)
{
    if (m->txlen + len > E1000M_FRAME_MAX) {
        m->tx_oversize = true;
        return;
    }
    if (len && devhost_dma_read(addr, m->txbuf + m->txlen, len) == 0)
        m->txlen += len;
}

/* One descriptor at TDH: a context, a data or a legacy descriptor. */
static void tx_one(struct e1000m *m, uint64_t daddr)
{
    uint8_t d[16];
    if (devhost_dma_read(daddr, d, sizeof d) != 0)
        return;
    uint64_t addr;
    memcpy(&addr, d, 8);
    uint32_t dw2 = (uint32_t)d[8] | (uint32_t)d[9] << 8 | (uint32_t)d[10] << 16 |
                   (uint32_t)d[11] << 24;
    uint8_t cmd = d[11];
    bool report = cmd & E1000_TXD_CMD_RS;
    if (cmd & E1000_TXD_CMD_DEXT) {
        unsigned dtyp = dw2 >> E1000_TXD_DTYP_SHIFT & 0xF;
        if (dtyp == E1000_TXD_DTYP_CTX) {
            m->ctx = (struct e1000m_ctx){ .ipcss = d[0], .ipcso = d[1],
                                          .ipcse = (uint16_t)(d[2] | d[3] << 8),
                                          .tucss = d[4], .tucso = d[5],
                                          .tucse = (uint16_t)(d[6] | d[7] << 8), .valid = true };
            m->tx_ctx_descs++;
        } else if (dtyp == E1000_TXD_DTYP_DATA) {
            if (!m->tx_in_frame)
                m->popts = d[13];
            m->tx_in_frame = true;
            tx_append(m, addr, dw2 & 0xFFFFF);
            if (cmd & E1000_TXD_CMD_EOP)
                tx_frame_done(m);
        }                               /* other types: reserved, skipped */
    } else {
        m->tx_in_frame = true;
        tx_append(m, addr, (uint16_t)dw2);
        if (cmd & E1000_TXD_CMD_EOP)
            tx_frame_done(m);
    }
    if (report) {
        uint8_t st = d[12] | E1000_TXD_STAT_DD;
        devhost_dma_write(daddr + 12, &st, 1);
    }
}

unsigned e1000m_tx_run(struct e1000m *m, unsigned max)
{
    uint32_t n = *reg(m, E1000_TDLEN) / 16, done = 0;
    uint64_t base = (uint64_t)*reg(m, E1000_TDBAH) << 32 | *reg(m, E1000_TDBAL);
    if (!(*reg(m, E1000_TCTL) & E1000_TCTL_EN) || n == 0)
        return 0;
    uint32_t *tdh = reg(m, E1000_TDH), tdt = *reg(m, E1000_TDT);
    if (tdt >= n || *tdh >= n)          /* a tail outside the ring: the device stalls */
        return 0;
    while (*tdh != tdt && (max == 0 || done < max)) {
        tx_one(m, base + (uint64_t)*tdh * 16);
        *tdh = *tdh + 1 == n ? 0 : *tdh + 1;
        done++;
    }
    if (done)
        e1000m_cause(m, E1000_ICR_TXDW | (*tdh == tdt ? E1000_ICR_TXQE : 0));
    return done;
}

/* ---- Receive (SDM 3.2) ------------------------------------------------------ */

static unsigned rx_buf_size(uint32_t rctl)
{
    static const unsigned sizes[4] = { 2048, 1024, 512, 256 };
    unsigned s = sizes[rctl >> 16 & 3];
    return rctl & E1000_RCTL_BSEX ? s * 16 : s;
}

/* RXCSUM (SDM chapter 13 and 82574 datasheet chapter 10, RXCSUM; the
 * descriptor's status and errors, SDM 3.2): IPv4 header, then TCP or
 * UDP over the pseudo header; status says what was computed, errors what
 * was wrong. Neither offload on: IXSM. */
static void rx_csum(const struct e1000m *m, const uint8_t *f, size_t len, uint8_t *status,
                    uint8_t *errors)
{
    uint32_t rxcsum = m->regs[E1000_RXCSUM / 4];
    if (!(rxcsum & (E1000_RXCSUM_IPOFLD | E1000_RXCSUM_TUOFLD))) {
        *status |= E1000_RXD_STAT_IXSM;
        return;
    }
    if (len < 34 || (f[12] << 8 | f[13]) != 0x0800 || (f[14] >> 4) != 4)
        return;
    const uint8_t *ip = f + 14;
    unsigned hl = (ip[0] & 0xFu) * 4, tot = (unsigned)(ip[2] << 8 | ip[3]);
    if (hl < 20 || tot < hl || 14 + tot > len)
        return;
    if (rxcsum & E1000_RXCSUM_IPOFLD) {
        *status |= E1000_RXD_STAT_IPCS;
        if (csum_fold(ip, hl, 0) != 0xFFFF)
            *errors |= E1000_RXD_ERR_IPE;
    }
    bool frag = (ip[6] & 0x3F) || ip[7];
    unsigned proto = ip[9], l4len = tot - hl;
    if (!(rxcsum & E1000_RXCSUM_TUOFLD) || frag || (proto != 6 && proto != 17) || l4len < 8)
        return;
    if (proto == 17 && ip[hl + 6] == 0 && ip[hl + 7] == 0)
        return;                         /* UDP without a checksum */
    uint32_t pseudo = (uint32_t)(ip[12] << 8 | ip[13]) + (uint32_t)(ip[14] << 8 | ip[15]) +
                      (uint32_t)(ip[16] << 8 | ip[17]) + (uint32_t)(ip[18] << 8 | ip[19]) +
                      proto + l4len;
    *status |= proto == 17 && m->kind == E1000M_82574L ? E1000_RXD_STAT_UDPCS
                                                       : E1000_RXD_STAT_TCPCS;
    if (csum_fold(ip + hl, l4len, pseudo) != 0xFFFF)
        *errors |= E1000_RXD_ERR_TCPE;
}

int e1000m_rx_inject(struct e1000m *m, const void *frame, size_t len,
                     const struct e1000m_rx_opts *o)
{
    uint32_t rctl = *reg(m, E1000_RCTL), n = *reg(m, E1000_RDLEN) / 16;
    if (!(rctl & E1000_RCTL_EN) || !(status_value(m) & E1000_STATUS_LU) || n == 0)
        return -EAGAIN;
    uint64_t base = (uint64_t)*reg(m, E1000_RDBAH) << 32 | *reg(m, E1000_RDBAL);
    uint32_t *rdh = reg(m, E1000_RDH), rdt = *reg(m, E1000_RDT);
    unsigned bsize = rx_buf_size(rctl);
    size_t pieces = len ? (len + bsize - 1) / bsize : 1;
    uint32_t avail = rdt >= *rdh ? rdt - *rdh : n - *rdh + rdt;
    if (rdt >= n || *rdh >= n || avail < pieces) {
        m->mpc++;
        e1000m_cause(m, E1000_ICR_RXO);
        return -ENOSPC;
    }
    const uint8_t *f = frame;
    for (size_t p = 0; p < pieces; p++) {
        uint64_t daddr = base + (uint64_t)*rdh * 16;
        struct e1000_rx_desc d;
        if (devhost_dma_read(daddr, &d, sizeof d) != 0)
            return -EFAULT;
        size_t chunk = len - p * bsize < bsize ? len - p * bsize : bsize;
        if (chunk)
            devhost_dma_write(d.addr, f + p * bsize, chunk);
        d.length = (uint16_t)chunk;
        d.csum = 0, d.special = 0, d.errors = 0;
        d.status = E1000_RXD_STAT_DD;
        if (p + 1 == pieces) {
            d.status |= E1000_RXD_STAT_EOP;
            rx_csum(m, f, len, &d.status, &d.errors);
            if (o && o->set_status)
                d.status = o->status, d.errors = o->errors;
            if (o && o->set_len)
                d.length = o->len;
        }
        devhost_dma_write(daddr, &d, sizeof d);
        *rdh = *rdh + 1 == n ? 0 : *rdh + 1;
    }
    m->rx_count++;
    e1000m_cause(m, E1000_ICR_RXT0);
    return 0;
}

void e1000m_rx_scribble(struct e1000m *m, unsigned idx, uint8_t status, uint8_t errors,
                        uint16_t len)
{
    uint64_t base = (uint64_t)*reg(m, E1000_RDBAH) << 32 | *reg(m, E1000_RDBAL);
    struct e1000_rx_desc d;
    if (devhost_dma_read(base + (uint64_t)idx * 16, &d, sizeof d) != 0)
        return;
    d.status = status, d.errors = errors, d.length = len;
    devhost_dma_write(base + (uint64_t)idx * 16, &d, sizeof d);
}

/* ---- The register window -------------------------------------------------- */

static uint64_t m_read(void *model, unsigned bar, uint64_t off, unsigned width)
{
    struct e1000m *m = model;
    (void)bar;
    if (width != 4)                     /* every register is 32 bits (SDM 13) */
        return 0;
    switch (off) {
    case E1000_CTRL:
        if (m->rst_done_ns && !m->faults.reset_stuck && clock_ns() >= m->rst_done_ns) {
            *reg(m, E1000_CTRL) &= ~E1000_CTRL_RST;
            m->rst_done_ns = 0;
        }
        return *reg(m, E1000_CTRL);
    case E1000_STATUS:
        return status_value(m);
    case E1000_ICR: {
        uint32_t v = m->icr;
        if (m->kind == E1000M_82574L && (m->icr & m->ims))
            v |= M_ICR_INT_ASSERTED;
        /* NOTE: 82574 datasheet 7.4 (and its ICR description): in MSI-X
         * mode a read does not clear ICR; software writes the bits back. */
        if (!msix_mode(m) && !m->faults.icr_sticky)
            m->icr = 0;
        return v;
    }
    case E1000_IMS:
        return m->ims;
    case E1000_MPC: {
        uint32_t v = m->mpc;
        m->mpc = 0;
        return v;
    }
    default:
        return *reg(m, (uint32_t)off);
    }
}

static void m_write(void *model, unsigned bar, uint64_t off, unsigned width, uint64_t v64)
{
    struct e1000m *m = model;
    uint32_t v = (uint32_t)v64;
    (void)bar;
    if (width != 4)
        return;
    switch (off) {
    case E1000_CTRL:
        if (v & E1000_CTRL_RST)
            device_reset(m);
        else
            *reg(m, E1000_CTRL) = v;
        break;
    case E1000_STATUS:                  /* read only */
        break;
    case E1000_EERD:
        *reg(m, E1000_EERD) = eerd_write(m, v);
        break;
    case E1000_ICR:                     /* write 1 to clear */
        m->icr &= ~v;
        break;
    case E1000_ICS:
        e1000m_cause(m, v);
        break;
    case E1000_IMS:
        m->ims |= v;
        signal_causes(m, m->icr & v);  /* pending causes just unmasked */
        break;
    case E1000_IMC:
        m->ims &= ~v;
        break;
    case E1000_RDT: case E1000_RDH: case E1000_TDH:
        *reg(m, (uint32_t)off) = v & 0xFFFF;
        break;
    case E1000_TDT:
        *reg(m, E1000_TDT) = v & 0xFFFF;
        if (!m->faults.tx_hold)
            e1000m_tx_run(m, 0);
        break;
    default:
        *reg(m, (uint32_t)off) = v;
    }
}

static const struct devhost_model_ops e1000m_ops = {
    .read = m_read, .write = m_write, .irq_mode = m_irq_mode, .irq_asserted = m_irq_asserted,
};

struct e1000m *e1000m_new(enum e1000m_kind kind, const uint8_t mac[6], uint8_t slot)
{
    struct e1000m *m = calloc(1, sizeof *m);
    m->regs = calloc(1, E1000M_BAR0_SIZE);
    m->txbuf = calloc(1, E1000M_FRAME_MAX);
    m->tx = calloc(E1000M_TX_KEEP, sizeof *m->tx);
    m->kind = kind;
    for (int i = 0; i < 3; i++)
        m->eeprom[i] = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);
    uint16_t sum = 0;
    for (int i = 0; i < M_EEPROM_CSUM_WORD; i++)
        sum = (uint16_t)(sum + m->eeprom[i]);
    m->eeprom[M_EEPROM_CSUM_WORD] = (uint16_t)(M_EEPROM_SUM - sum);
    m->link_up = true;
    m->speed_mbps = 1000;
    m->dev.pci.vendor = 0x8086;
    m->dev.pci.device = kind == E1000M_82574L ? 0x10D3 : 0x100E;
    m->dev.ops = &e1000m_ops;
    m->dev.model = m;
    m->dev.bar_size[0] = E1000M_BAR0_SIZE;
    /* QEMU's 82540EM has neither MSI nor MSI-X; the 82574L has both. */
    m->dev.irq_modes = kind == E1000M_82574L ? DEVIO_IRQ_ANY : DEVIO_IRQ_INTX;
    *reg(m, E1000_CTRL) = E1000_CTRL_FD;
    devhost_attach(&m->dev, slot);
    return m;
}

void e1000m_free(struct e1000m *m)
{
    if (!m)
        return;
    devhost_detach(&m->dev);
    free(m->regs);
    free(m->txbuf);
    free(m->tx);
    free(m);
}
