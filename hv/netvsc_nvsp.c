/* netvsc, layer 1: NVSP, the channel protocol of Hyper-V's synthetic NIC.
 *
 * NVSP sets up two shared buffers and then carries RNDIS messages both
 * ways (hv/nvsp_reg.h has the wire format and its sources). The
 * handshake, each request a vmbus_xact transaction answered by a COMP:
 *
 *   INIT {min = max = v}          -> INIT_COMPLETE status   (6.1, 6, 5, 4, 2, 1:
 *                                    the newest the host accepts)
 *   SEND_NDIS_CONFIG {mtu 1514}      (v2+, no reply; openvmm needs it before
 *                                    the receive buffer: its slot size follows the MTU)
 *   SEND_NDIS_VER {6.30 | 6.1}       (no reply)
 *   SEND_RECV_BUF {gpadl, 0xCAFE} -> status, one section {sub_alloc_size, count}
 *   SEND_SEND_BUF {gpadl}         -> status, section_size
 *
 * (Linux drivers/net/hyperv/netvsc.c negotiate_nvsp_ver and
 * netvsc_init_buf; openvmm vm/devices/net/netvsp/src/lib.rs for what the
 * host requires.) Then:
 *
 *   send    an RNDIS message that fits a send-buffer section is copied
 *           into a free one and named by SEND_RNDIS_PKT {chan, index,
 *           size}; a larger one goes from a bounce slot as a GPA-direct
 *           packet, one range per page (Linux netvsc_send_pkt, the
 *           page-buffer form). The host's COMP frees the section or slot.
 *   receive the host writes RNDIS messages into sub-allocations of the
 *           receive buffer and sends a transfer-page packet naming them;
 *           each is handed to RNDIS, then the packet is completed with
 *           SEND_RNDIS_PKT_COMPLETE so the host can reuse the space --
 *           refused packets too, or the host runs dry (Linux
 *           netvsc_receive, enq_receive_complete).
 *
 * The host is not trusted: replies are checked for type, length and
 * values before use, ranges against the receive buffer (vmbus_recv_pkt),
 * and completions against what is in flight. */
#include "hv/netvsc_var.h"
#include "hv/nvsp_reg.h"
#include "hv/hv_platform.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "lib/string.h"

#define PAGE 4096u

static const uint32_t nvsp_versions[] = { NVSP_VERSION_61, NVSP_VERSION_6, NVSP_VERSION_5,
                                          NVSP_VERSION_4,  NVSP_VERSION_2, NVSP_VERSION_1 };

/* --- Requests ----------------------------------------------------------------- */

static int send_nocomp(struct netvsc *nv, const union nvsp_msg *m)
{
    netvsc_trace_nvsp("->", m, sizeof *m);
    return vmbus_send(nv->ch, VMBUS_PKT_DATA_INBAND, 0, NETVSC_ID_NOCOMP, m, sizeof *m);
}

/* One request and its reply, which must be of type want and at least
 * want_len bytes. */
static int request(struct netvsc *nv, const union nvsp_msg *m, union nvsp_msg *r, uint32_t want, size_t want_len)
{
    size_t n = 0;
    memset(r, 0, sizeof *r);
    netvsc_trace_nvsp("->", m, sizeof *m);
    int err = vmbus_xact(nv->ch, &nv->xact, m, sizeof *m, r, sizeof *r, &n, NETVSC_XACT_MS);
    if (err) {
        netvsc_err("NVSP request %u: error %d\n", m->type, err);
        return err;
    }
    netvsc_trace_nvsp("<-", r, n < sizeof *r ? n : sizeof *r);
    if (n < want_len || r->type != want) {
        netvsc_err("NVSP %u: reply type %u len %zu\n", m->type, r->type, n);
        return -EPROTO;
    }
    return 0;
}

static int negotiate(struct netvsc *nv)
{
    union nvsp_msg m = { 0 }, r;
    for (size_t i = 0; i < sizeof nvsp_versions / sizeof nvsp_versions[0]; i++) {
        m.init = (struct nvsp_init){ NVSP_MSG_INIT, nvsp_versions[i], nvsp_versions[i] };
        int err = request(nv, &m, &r, NVSP_MSG_INIT_COMPLETE, sizeof r.init_complete);
        if (err)
            return err;
        if (r.init_complete.status == NVSP_STATUS_SUCCESS) {
            nv->nvsp_ver = nvsp_versions[i];
            return 0;
        }
    }
    netvsc_err("host accepts no NVSP version\n");
    return -ENOTSUP;
}

static int send_ndis(struct netvsc *nv)
{
    union nvsp_msg m = { 0 };
    int err = 0;
    if (nv->nvsp_ver >= NVSP_VERSION_2) {
        m.ndis_config = (struct nvsp_ndis_config){ .type = NVSP_MSG2_SEND_NDIS_CONFIG,
                                                   .mtu = NETDEV_MTU_DEFAULT + NETDEV_ETH_HLEN,
                                                   .capability = NVSP_CAP_IEEE8021Q };
        err = send_nocomp(nv, &m);
    }
    /* NDIS 6.30 from NVSP 5 on, else 6.1 (Linux netvsc_connect_vsp). */
    memset(&m, 0, sizeof m);
    m.ndis_ver = (struct nvsp_ndis_ver){ NVSP_MSG1_SEND_NDIS_VER, 6, nv->nvsp_ver >= NVSP_VERSION_5 ? 30 : 1 };
    return err ? err : send_nocomp(nv, &m);
}

/* Allocates pages, GPADLs them and names them to the host with type. */
static int give_buffer(struct netvsc *nv, uint32_t type, size_t pages, uint8_t **mem, uint64_t *phys,
                       uint32_t *gpadl, union nvsp_msg *r, uint32_t want, size_t want_len)
{
    *mem = hvp_alloc_pages(pages, phys);
    if (!*mem)
        return -ENOMEM;
    int err = vmbus_gpadl_create(nv->ch, *phys, pages, gpadl);
    if (err) {
        *gpadl = 0;
        return err;
    }
    union nvsp_msg m = { 0 };
    m.buf = (struct nvsp_buf){ type, *gpadl, type == NVSP_MSG1_SEND_RECV_BUF ? NVSP_RXBUF_ID : NVSP_TXBUF_ID, 0 };
    err = request(nv, &m, r, want, want_len);
    /* Both completions have status right after the type. */
    if (!err && r->rxbuf_complete.status != NVSP_STATUS_SUCCESS) {
        netvsc_err("NVSP %u: status %u\n", type, r->rxbuf_complete.status);
        err = -EIO;
    }
    return err;
}

static int setup_rxbuf(struct netvsc *nv)
{
    union nvsp_msg r;
    const uint32_t size = NETVSC_RXBUF_PAGES * PAGE;
    int err = give_buffer(nv, NVSP_MSG1_SEND_RECV_BUF, NETVSC_RXBUF_PAGES, &nv->rxbuf, &nv->rxbuf_phys,
                          &nv->rxbuf_gpadl, &r, NVSP_MSG1_SEND_RECV_BUF_COMPLETE, sizeof r.rxbuf_complete);
    if (err)
        return err;
    /* One section at offset 0 inside the buffer (Linux netvsc_init_buf
     * refuses anything else). */
    const struct nvsp_rxbuf_section *s = &r.rxbuf_complete.section;
    if (r.rxbuf_complete.num_sections != 1 || s->offset != 0 || s->sub_alloc_size == 0 ||
        s->end_offset > size || (uint64_t)s->sub_alloc_size * s->num_sub_allocs > size) {
        netvsc_err("bad receive sections (%u, %u x %u)\n", r.rxbuf_complete.num_sections, s->num_sub_allocs,
               s->sub_alloc_size);
        return -EPROTO;
    }
    nv->rx_sub_size = s->sub_alloc_size;
    vmbus_chan_set_rxbuf(nv->ch, NVSP_RXBUF_ID, size);
    return 0;
}

static int setup_txbuf(struct netvsc *nv)
{
    union nvsp_msg r;
    const uint32_t size = NETVSC_TXBUF_PAGES * PAGE;
    int err = give_buffer(nv, NVSP_MSG1_SEND_SEND_BUF, NETVSC_TXBUF_PAGES, &nv->txbuf, &nv->txbuf_phys,
                          &nv->txbuf_gpadl, &r, NVSP_MSG1_SEND_SEND_BUF_COMPLETE, sizeof r.txbuf_complete);
    if (err)
        return err;
    uint32_t ss = r.txbuf_complete.section_size;
    if (ss < 256 || ss > size) {
        netvsc_err("bad send section size %u\n", ss);
        return -EPROTO;
    }
    nv->section_size = ss;
    nv->nsections = size / ss < NETVSC_TX_SECTIONS ? size / ss : NETVSC_TX_SECTIONS;
    return 0;
}

int netvsc_nvsp_connect(struct netvsc *nv)
{
    int err;
    vmbus_xact_init(&nv->xact);
    if ((err = negotiate(nv)) || (err = send_ndis(nv)) || (err = setup_rxbuf(nv)) || (err = setup_txbuf(nv)))
        return err;
    nv->gpa = hvp_alloc_pages(NETVSC_GPA_SLOTS * NETVSC_GPA_SLOT_PAGES, &nv->gpa_phys);
    return nv->gpa ? 0 : -ENOMEM;
}

void netvsc_nvsp_disconnect(struct netvsc *nv)
{
    union nvsp_msg m = { 0 };
    nv->up = false;
    if (nv->rxbuf_gpadl) {
        m.revoke = (struct nvsp_revoke_buf){ NVSP_MSG1_REVOKE_RECV_BUF, NVSP_RXBUF_ID, 0 };
        send_nocomp(nv, &m);
    }
    if (nv->txbuf_gpadl) {
        m.revoke = (struct nvsp_revoke_buf){ NVSP_MSG1_REVOKE_SEND_BUF, NVSP_TXBUF_ID, 0 };
        send_nocomp(nv, &m);
    }
}

/* After the channel closed: GPADLs down, then the memory. A GPADL the host
 * did not tear down may still be in use: its memory is leaked. */
static void drop_buffer(struct netvsc *nv, uint8_t *mem, uint32_t gpadl, size_t pages)
{
    if (gpadl && vmbus_gpadl_destroy(nv->ch, gpadl) == -ETIMEDOUT)
        return;
    if (mem)
        hvp_free_pages(mem, pages);
}

void netvsc_nvsp_free(struct netvsc *nv)
{
    drop_buffer(nv, nv->rxbuf, nv->rxbuf_gpadl, NETVSC_RXBUF_PAGES);
    drop_buffer(nv, nv->txbuf, nv->txbuf_gpadl, NETVSC_TXBUF_PAGES);
    if (nv->gpa)
        hvp_free_pages(nv->gpa, NETVSC_GPA_SLOTS * NETVSC_GPA_SLOT_PAGES);
    nv->rxbuf = nv->txbuf = nv->gpa = NULL;
    nv->rxbuf_gpadl = nv->txbuf_gpadl = 0;
}

/* --- Sending RNDIS messages ------------------------------------------------------ */

static int claim(uint64_t *busy, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (!(*busy & (1ull << i))) {
            *busy |= 1ull << i;
            return (int)i;
        }
    return -1;
}

/* msg then the frame's segments, contiguous at dst. */
static void gather(uint8_t *dst, const void *msg, size_t len, const struct netdev_frame *f)
{
    memcpy(dst, msg, len);
    if (f)
        netdev_frame_gather(f, dst + len);
}

static int send_section(struct netvsc *nv, int i, uint32_t chan, uint32_t total)
{
    union nvsp_msg m = { 0 };
    m.rndis = (struct nvsp_rndis_pkt){ NVSP_MSG1_SEND_RNDIS_PKT, chan, (uint32_t)i, total };
    netvsc_trace_nvsp("->", &m, sizeof m);
    int err = vmbus_send(nv->ch, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
                         NETVSC_ID_SECTION | (uint32_t)i, &m, sizeof m);
    if (err)
        nv->sect_busy &= ~(1ull << i);
    else
        nv->st.tx_section++;
    return err;
}

/* One range per page, as Linux's page-buffer form. */
static int send_gpa(struct netvsc *nv, int slot, uint32_t chan, uint32_t total)
{
    uint64_t pfn[NETVSC_GPA_SLOT_PAGES];
    struct vmbus_gpa_buf b[NETVSC_GPA_SLOT_PAGES];
    size_t n = 0;
    uint64_t base = nv->gpa_phys + (uint64_t)slot * NETVSC_GPA_SLOT_PAGES * PAGE;
    for (uint32_t off = 0; off < total; off += PAGE, n++) {
        pfn[n] = (base + off) >> 12;
        b[n] = (struct vmbus_gpa_buf){ 0, total - off < PAGE ? total - off : PAGE, &pfn[n], 1 };
    }
    union nvsp_msg m = { 0 };
    m.rndis = (struct nvsp_rndis_pkt){ NVSP_MSG1_SEND_RNDIS_PKT, chan, NVSP_SECTION_NONE, 0 };
    netvsc_trace_nvsp("->", &m, sizeof m);
    int err = vmbus_send_gpa(nv->ch, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, NETVSC_ID_GPA | (uint32_t)slot, b, n,
                             &m, sizeof m);
    if (err)
        nv->gpa_busy &= ~(1u << slot);
    else
        nv->st.tx_gpa++;
    return err;
}

int netvsc_nvsp_send(struct netvsc *nv, uint32_t chan, const void *msg, size_t len, const struct netdev_frame *f)
{
    size_t total = len + (f ? f->len : 0);
    if (!nv->gpa)
        return -EIO;                    /* the handshake is not done (a host that sends too early) */
    netvsc_trace_rndis("->", msg, len);
    if (total <= nv->section_size) {
        int i = claim(&nv->sect_busy, nv->nsections);
        if (i >= 0) {
            gather(nv->txbuf + (size_t)i * nv->section_size, msg, len, f);
            return send_section(nv, i, chan, (uint32_t)total);
        }
    }
    if (total > NETVSC_GPA_SLOT_PAGES * PAGE)
        return -EMSGSIZE;
    uint64_t busy = nv->gpa_busy;
    int s = claim(&busy, NETVSC_GPA_SLOTS);
    if (s < 0) {
        nv->st.tx_busy++;
        return -EBUSY;
    }
    nv->gpa_busy = (uint32_t)busy;
    gather(nv->gpa + (size_t)s * NETVSC_GPA_SLOT_PAGES * PAGE, msg, len, f);
    return send_gpa(nv, s, chan, (uint32_t)total);
}

int netvsc_nvsp_send_ctl(struct netvsc *nv, const void *msg, size_t len)
{
    int i = len <= nv->section_size ? claim(&nv->sect_busy, nv->nsections) : -1;
    if (i < 0)
        return -EBUSY;
    netvsc_trace_rndis("->", msg, len);
    memcpy(nv->txbuf + (size_t)i * nv->section_size, msg, len);
    union nvsp_msg m = { 0 }, r;
    m.rndis = (struct nvsp_rndis_pkt){ NVSP_MSG1_SEND_RNDIS_PKT, NVSP_CHAN_CONTROL, (uint32_t)i, (uint32_t)len };
    int err = request(nv, &m, &r, NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, sizeof r.rndis_complete);
    if (err == -ETIMEDOUT)
        return err;                     /* the host may still read the section: never reused */
    nv->sect_busy &= ~(1ull << i);
    if (!err && r.rndis_complete.status != NVSP_STATUS_SUCCESS)
        err = -EIO;
    return err;
}

/* --- Receiving ------------------------------------------------------------------- */

/* The worker handles one packet at a time, for every netvsc. */
static uint8_t rx_msg[256] __attribute__((aligned(8)));
static struct vmbus_xfer_range rx_ranges[NETVSC_MAX_RANGES];

static void bad_comp(struct netvsc *nv, uint64_t id)
{
    nv->st.unknown_comps++;
    netvsc_err("completion for unknown transaction %#llx (ignored)\n", (unsigned long long)id);
}

/* A COMP: a handshake reply, or a send section / GPA slot coming back. */
static void on_comp(struct netvsc *nv, const struct vmbus_rx_pkt *p)
{
    uint64_t id = p->trans_id;
    if ((id & VMBUS_XACT_ID_MASK) == VMBUS_XACT_ID_TAG) {
        if (!vmbus_xact_complete(&nv->xact, id, rx_msg, p->len))
            bad_comp(nv, id);
        return;
    }
    uint32_t idx = (uint32_t)id;
    uint64_t kind = id & ~0xFFFFFFFFull;
    if (kind == NETVSC_ID_SECTION && idx < nv->nsections && (nv->sect_busy >> idx & 1)) {
        nv->sect_busy &= ~(1ull << idx);
    } else if (kind == NETVSC_ID_GPA && idx < NETVSC_GPA_SLOTS && (nv->gpa_busy >> idx & 1)) {
        nv->gpa_busy &= ~(1u << idx);
    } else {
        if (id != NETVSC_ID_NOCOMP)     /* openvmm completes even unrequested messages */
            bad_comp(nv, id);
        return;
    }
    const union nvsp_msg *r = (const void *)rx_msg;
    netvsc_trace_nvsp("<-", r, p->len);
    if (p->len < sizeof r->rndis_complete || r->type != NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE ||
        r->rndis_complete.status != NVSP_STATUS_SUCCESS) {
        nv->nd.stats.tx_dropped++;
        nv->st.bad_nvsp++;
    }
}

static int send_rx_comp(struct netvsc *nv, uint64_t id, uint32_t status)
{
    struct nvsp_rndis_pkt_complete c = { NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, status };
    netvsc_trace_nvsp("->", &c, sizeof c);
    int err = vmbus_send_comp(nv->ch, id, &c, sizeof c);
    if (err == -EAGAIN && nv->ncomp_backlog < NETVSC_MAX_RANGES)
        nv->comp_backlog[nv->ncomp_backlog++] = id;     /* sent before anything else */
    else if (err)
        netvsc_err("receive completion %#llx lost (error %d)\n", (unsigned long long)id, err);
    return err;
}

/* A transfer-page packet: SEND_RNDIS_PKT naming RNDIS messages in the
 * receive buffer. err is vmbus_recv_pkt's verdict on the ranges. */
static void on_xfer(struct netvsc *nv, const struct vmbus_rx_pkt *p, int err)
{
    const union nvsp_msg *m = (const void *)rx_msg;
    uint32_t status = NVSP_STATUS_SUCCESS;
    nv->st.rx_xfer++;
    if (!err && (p->len < sizeof m->rndis || m->type != NVSP_MSG1_SEND_RNDIS_PKT)) {
        netvsc_err("transfer-page packet carries NVSP type %u\n", p->len >= 4 ? m->type : 0);
        err = -EPROTO;
    }
    if (err) {
        nv->st.bad_nvsp++;
        status = NVSP_STATUS_FAIL;
    } else {
        netvsc_trace_nvsp("<-", m, p->len);
        for (uint32_t i = 0; i < p->nranges; i++)
            netvsc_rndis_rx(nv, nv->rxbuf + rx_ranges[i].byte_offset, rx_ranges[i].byte_count);
    }
    send_rx_comp(nv, p->trans_id, status);
}

static void on_inband(struct netvsc *nv, const struct vmbus_rx_pkt *p)
{
    const union nvsp_msg *m = (const void *)rx_msg;
    uint32_t type = p->len >= 4 ? m->type : 0;
    netvsc_trace_nvsp("<-", m, p->len);
    /* Host announcements minnow has no use for (VF, RSS table). */
    if (type == NVSP_MSG4_SEND_VF_ASSOCIATION || type == NVSP_MSG5_SEND_INDIRECTION_TABLE)
        return;
    nv->st.bad_nvsp++;
    netvsc_err("unexpected NVSP message type %u\n", type);
}

void netvsc_on_event(struct vmbus_channel *ch)
{
    struct netvsc *nv = ch->priv;
    struct nvsp_rndis_pkt_complete ok = { NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, NVSP_STATUS_SUCCESS };
    while (nv->ncomp_backlog &&
           vmbus_send_comp(ch, nv->comp_backlog[nv->ncomp_backlog - 1], &ok, sizeof ok) != -EAGAIN)
        nv->ncomp_backlog--;
    for (int n = 0; n < 256; n++) {     /* bounded; rescheduled below */
        struct vmbus_rx_pkt p;
        int err = vmbus_recv_pkt(ch, rx_msg, sizeof rx_msg, &p, rx_ranges, NETVSC_MAX_RANGES);
        if (err == -EAGAIN || err == -EIO)
            return;
        if (p.type == VMBUS_PKT_DATA_XFER_PAGES) {
            on_xfer(nv, &p, err);
        } else if (!err && p.type == VMBUS_PKT_COMP) {
            on_comp(nv, &p);
        } else if (!err && p.type == VMBUS_PKT_DATA_INBAND) {
            on_inband(nv, &p);
        } else {
            nv->st.bad_nvsp++;
            netvsc_err("packet type %u (%d) dropped\n", p.type, err);
        }
    }
    vmbus_channel_reschedule(ch);
}
