/* The PVSCSI model (tests/devsim/pvscsi_model.h). Layouts: vmw/pvscsi_reg.h. */
#include <stdlib.h>
#include <string.h>
#include "tests/devsim/pvscsi_model.h"
#include "tests/unit/test.h"
#include "vmw/pvscsi_reg.h"
#include "blk/scsi.h"
#include "blk/scsi_reg.h"

#define RS_FIELD(f) (m->rs + offsetof(struct pvscsi_rings_state, f))

static uint32_t rd32(uint64_t bus)
{
    uint32_t v = 0;
    devhost_dma_read(bus, &v, 4);
    return v;
}
static void wr32(uint64_t bus, uint32_t v) { devhost_dma_write(bus, &v, 4); }

static unsigned log2u(unsigned v) { unsigned l = 0; while ((1u << l) < v) l++; return l; }

static void raise_intr(struct pvm *m, uint32_t bits)
{
    m->intr_status |= bits;
    if (m->intr_status & m->intr_mask)
        devhost_irq_raise(&m->dev);
}

static void put_cmp(struct pvm *m, uint64_t ctx, uint16_t host, uint16_t scsi, uint32_t sense_len)
{
    struct pvscsi_cmp_desc c = { .context = m->bogus_context ? m->bogus_context : ctx,
                                 .host_status = host, .scsi_status = scsi, .sense_len = sense_len };
    m->bogus_context = 0;
    unsigned n = m->cmp_pages * 128, i = m->cmp_prod % n;
    devhost_dma_write(m->cmp[i / 128] + (i % 128) * sizeof c, &c, sizeof c);
    m->cmp_prod += 1 + m->cmp_jump;
    m->cmp_jump = 0;
    wr32(RS_FIELD(cmp_prod), m->cmp_prod);
    raise_intr(m, PVSCSI_INTR_CMPL_0);
}

/* Data in: up to the buffer; a shorter answer is DATARUN, as in QEMU. */
static uint16_t data_in(const struct pvscsi_req_desc *d, const void *p, uint32_t n)
{
    uint32_t k = n < d->data_len ? n : (uint32_t)d->data_len;
    devhost_dma_write(d->data_addr, p, k);
    return k < d->data_len ? PVSCSI_BT_DATARUN : PVSCSI_BT_SUCCESS;
}

static void check_condition(struct pvm *m, const struct pvscsi_req_desc *d, uint8_t key, uint8_t asc)
{
    struct scsi_sense_fixed s = { .response = 0x70, .key = key, .additional_len = 10, .asc = asc };
    uint32_t n = sizeof s < d->sense_len ? sizeof s : d->sense_len;
    devhost_dma_write(d->sense_addr, &s, n);
    put_cmp(m, d->context, PVSCSI_BT_SUCCESS, SCSI_STATUS_CHECK_CONDITION, n);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static void run(struct pvm *m, const struct pvscsi_req_desc *d)
{
    struct pvm_disk *k = d->target < PVM_TARGETS ? &m->disk[d->target] : NULL;
    uint8_t b[64] = { 0 };
    m->requests++;
    if (!k || !k->present || d->lun[1] != 0 || d->bus != 0)
        return put_cmp(m, d->context, PVSCSI_BT_SELTIMEO, 0, 0);
    switch (d->cdb[0]) {
    case SCSI_OP_REPORT_LUNS:
        b[3] = 8;
        return put_cmp(m, d->context, data_in(d, b, 16), 0, 0);
    case SCSI_OP_INQUIRY:
        if (d->cdb[1] & 1) {
            b[1] = d->cdb[2];                   /* every page empty */
            return put_cmp(m, d->context, data_in(d, b, 4), 0, 0);
        }
        b[2] = 5, b[3] = 2, b[4] = 31;
        memcpy(b + 8, "MODEL   PVSCSI DISK     0.1 ", 28);
        return put_cmp(m, d->context, data_in(d, b, 36), 0, 0);
    case SCSI_OP_TEST_UNIT_READY:
    case SCSI_OP_SYNC_CACHE10:
        return put_cmp(m, d->context, 0, 0, 0);
    case SCSI_OP_READ_CAPACITY10:
        b[2] = (PVM_SECTORS - 1) >> 8, b[3] = (PVM_SECTORS - 1) & 0xff, b[6] = 2;
        return put_cmp(m, d->context, data_in(d, b, 8), 0, 0);
    case SCSI_OP_READ10:
    case SCSI_OP_WRITE10: {
        uint32_t lba = be32(d->cdb + 2), n = (uint32_t)(d->cdb[7] << 8 | d->cdb[8]);
        if (lba + n > PVM_SECTORS || (uint64_t)n * 512 != d->data_len)
            return check_condition(m, d, SCSI_KEY_ILLEGAL_REQUEST, 0x21);
        if (m->hold) {
            CHECK(m->nheld < 32);
            m->held[m->nheld++ % 32] = d->context;
            return;
        }
        if (d->cdb[0] == SCSI_OP_READ10)
            devhost_dma_write(d->data_addr, k->data + lba * 512, n * 512);
        else
            devhost_dma_read(d->data_addr, k->data + lba * 512, n * 512);
        return put_cmp(m, d->context, 0, 0, 0);
    }
    default:
        return check_condition(m, d, SCSI_KEY_ILLEGAL_REQUEST, 0x20);
    }
}

static void kick(struct pvm *m)
{
    m->kicks++;
    if (!m->rings)
        return;
    uint32_t prod = rd32(RS_FIELD(req_prod)), n = m->req_pages * 32;
    for (unsigned guard = 0; m->req_cons != prod && guard < n; guard++, m->req_cons++) {
        struct pvscsi_req_desc d;
        unsigned i = m->req_cons % n;
        devhost_dma_read(m->req[i / 32] + (i % 32) * sizeof d, &d, sizeof d);
        run(m, &d);
    }
    wr32(RS_FIELD(req_cons), m->req_cons);
}

void pvm_release(struct pvm *m)
{
    for (unsigned i = 0; i < m->nheld; i++)
        put_cmp(m, m->held[i], PVSCSI_BT_ABORTQUEUE, 0, 0);
    m->nheld = 0;
}

/* A command's descriptor is complete: carry it out. */
static void command(struct pvm *m)
{
    switch (m->cmd) {
    case PVSCSI_CMD_SETUP_RINGS: {
        struct pvscsi_cmd_setup_rings r;
        memcpy(&r, m->data, sizeof r);
        if (m->fail_setup || !r.req_pages || r.req_pages > 32 || !r.cmp_pages || r.cmp_pages > 32) {
            m->status = PVSCSI_STATUS_FAILED;
            return;
        }
        m->rs = r.state_ppn << 12;
        m->req_pages = r.req_pages, m->cmp_pages = r.cmp_pages;
        for (unsigned i = 0; i < 32; i++)
            m->req[i] = r.req_ppn[i] << 12, m->cmp[i] = r.cmp_ppn[i] << 12;
        struct pvscsi_rings_state rs = { .req_log2 = log2u(r.req_pages * 32),
                                         .cmp_log2 = log2u(r.cmp_pages * 128) };
        devhost_dma_write(m->rs, &rs, sizeof rs);
        m->rings = true;
        m->req_cons = m->cmp_prod = m->msg_prod = 0;
        m->status = 0;
        return;
    }
    case PVSCSI_CMD_SETUP_MSG_RING: {
        struct pvscsi_cmd_setup_msg_ring r;
        memcpy(&r, m->data, sizeof r);
        m->msg_pages = r.pages;
        for (unsigned i = 0; i < 16; i++)
            m->msg[i] = r.ppn[i] << 12;
        wr32(RS_FIELD(msg_log2), log2u(r.pages * 32));
        m->msgs = m->rings;
        m->status = sizeof r / 4;
        return;
    }
    case PVSCSI_CMD_ABORT_CMD: {
        struct pvscsi_cmd_abort a;
        memcpy(&a, m->data, sizeof a);
        m->aborts++;
        for (unsigned i = 0; i < m->nheld; i++)
            if (m->held[i] == a.context) {
                put_cmp(m, a.context, PVSCSI_BT_ABORTQUEUE, 0, 0);
                m->held[i] = m->held[--m->nheld];
                break;
            }
        m->status = 0;
        return;
    }
    default:
        m->status = PVSCSI_STATUS_FAILED;
    }
}

static size_t data_size(uint32_t cmd)
{
    return cmd == PVSCSI_CMD_SETUP_RINGS ? sizeof(struct pvscsi_cmd_setup_rings)
         : cmd == PVSCSI_CMD_SETUP_MSG_RING ? sizeof(struct pvscsi_cmd_setup_msg_ring)
         : cmd == PVSCSI_CMD_ABORT_CMD ? sizeof(struct pvscsi_cmd_abort) : 0;
}

static void m_write(void *model, unsigned bar, uint64_t off, unsigned width, uint64_t v)
{
    struct pvm *m = model;
    CHECK(bar == 0 && width == 4);
    switch (off) {
    case PVSCSI_REG_COMMAND:
        m->cmd = (uint32_t)v;
        m->ndata = 0;
        m->status = (uint32_t)-2;
        if (v == PVSCSI_CMD_ADAPTER_RESET) {
            m->adapter_resets++;
            m->rings = m->msgs = false;
            m->intr_status = 0;
            m->status = 0;
        } else if (v == PVSCSI_CMD_RESET_BUS) {
            m->bus_resets++;
            pvm_release(m);
            m->status = 0;
        } else if (v == PVSCSI_CMD_SETUP_MSG_RING && m->no_msg_ring) {
            m->status = PVSCSI_STATUS_FAILED;
        } else if (!data_size((uint32_t)v)) {
            m->status = PVSCSI_STATUS_FAILED;
        }
        return;
    case PVSCSI_REG_COMMAND_DATA:
        if (m->ndata < sizeof m->data / 4)
            m->data[m->ndata++] = (uint32_t)v;
        if (m->status == (uint32_t)-2 && m->ndata * 4 == data_size(m->cmd))
            command(m);
        return;
    case PVSCSI_REG_INTR_STATUS:
        m->intr_status &= ~(uint32_t)v;
        return;
    case PVSCSI_REG_INTR_MASK:
        m->intr_mask = (uint32_t)v;
        return;
    case PVSCSI_REG_KICK_RW_IO:
    case PVSCSI_REG_KICK_NON_RW_IO:
        kick(m);
        return;
    default:
        CHECK(!"write to an unknown pvscsi register");
    }
}

static uint64_t m_read(void *model, unsigned bar, uint64_t off, unsigned width)
{
    struct pvm *m = model;
    CHECK(bar == 0 && width == 4);
    return off == PVSCSI_REG_COMMAND_STATUS ? m->status
         : off == PVSCSI_REG_INTR_STATUS ? m->intr_status
         : off == PVSCSI_REG_INTR_MASK ? m->intr_mask : 0;
}

static bool m_irq_asserted(void *model)
{
    struct pvm *m = model;
    return (m->intr_status & m->intr_mask) != 0;
}

static const struct devhost_model_ops pvm_ops = {
    .read = m_read, .write = m_write, .irq_asserted = m_irq_asserted,
};

struct pvm *pvm_new(uint8_t slot, unsigned irq_modes)
{
    struct pvm *m = calloc(1, sizeof *m);
    m->dev.ops = &pvm_ops;
    m->dev.model = m;
    m->dev.bar_size[0] = PVSCSI_BAR_SIZE;
    m->dev.irq_modes = irq_modes;
    m->dev.pci.vendor = PVSCSI_VENDOR;
    m->dev.pci.device = PVSCSI_DEVICE;
    devhost_attach(&m->dev, slot);
    return m;
}

void pvm_add_disk(struct pvm *m, unsigned target)
{
    if (!m->disk[target].data)
        m->disk[target].data = calloc(PVM_SECTORS, 512);
    m->disk[target].present = true;
}

void pvm_message(struct pvm *m, uint32_t type, uint32_t target)
{
    if (!m->msgs)
        return;
    struct pvscsi_msg_desc d = { .type = type, .target = target };
    unsigned n = m->msg_pages * 32, i = m->msg_prod % n;
    devhost_dma_write(m->msg[i / 32] + (i % 32) * sizeof d, &d, sizeof d);
    wr32(RS_FIELD(msg_prod), ++m->msg_prod);
    raise_intr(m, PVSCSI_INTR_MSG_0);
}

void pvm_hotplug(struct pvm *m, unsigned target, bool added)
{
    if (added)
        pvm_add_disk(m, target);
    else
        m->disk[target].present = false;
    pvm_message(m, added ? PVSCSI_MSG_DEV_ADDED : PVSCSI_MSG_DEV_REMOVED, target);
}

void pvm_free(struct pvm *m)
{
    devhost_detach(&m->dev);
    for (unsigned i = 0; i < PVM_TARGETS; i++)
        free(m->disk[i].data);
    free(m);
}
