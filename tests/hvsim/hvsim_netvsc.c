/* hvsim netvsp: the host side of Hyper-V's synthetic NIC, strict.
 *
 * It speaks NVSP and RNDIS as Hyper-V does, after Microsoft's own host in
 * openvmm (vm/devices/net/netvsp/src/{lib.rs, protocol.rs, rndisprot.rs,
 * buffers.rs}) and the guest rules Linux (drivers/net/hyperv/) and FreeBSD
 * (sys/dev/hyperv/netvsc/) follow:
 *
 *   - NVSP requests are full 40-byte messages with completion requested;
 *     INIT succeeds only for a version on the host's list (status NONE
 *     otherwise, openvmm's answer), once;
 *   - NDIS config (v2+) and NDIS version come before the receive buffer
 *     (openvmm sizes receive slots from the MTU: 256 + MTU + 36);
 *   - the receive and send buffers are single-range, whole-page GPADLs of
 *     this channel: the receive buffer 10 slots to 31 MiB, the send buffer
 *     a section to 15 MiB (Linux NETVSC_MIN_RX_SECTIONS and the
 *     NETVSC_RECEIVE_BUFFER_SIZE / NETVSC_SEND_BUFFER_SIZE limits);
 *   - SEND_RNDIS_PKT only after both, naming a section inside the send
 *     buffer with a size inside the section, or GPA-direct with no section;
 *   - each RNDIS message's length lies within what was sent, its offsets
 *     within its length; only INITIALIZE before INITIALIZE; data on the
 *     data channel type, control on the control one;
 *   - received data goes into receive-buffer slots named by transfer-page
 *     packets (byte_count = the whole slot, as openvmm); a slot is reused
 *     only after the guest's completion, which must name a packet sent;
 *   - frames to the guest are dropped while the packet filter is 0
 *     (openvmm pends them);
 *   - a frame sent with a checksum per-packet info gets its IPv4 header
 *     and TCP checksums filled in before it leaves the host (on_frame, the
 *     bridge to a TAP device), as the offload the guest asked for.
 * Violations are logged and counted (HVV_CHANNEL) and refused as the host
 * would: no reply, or a failure status. The hostile side (raw RNDIS
 * messages, raw transfer pages) is for the guest's tests. */
#include <stdlib.h>
#include <string.h>
#include "hv/nvsp_reg.h"
#include "hv/rndis_reg.h"
#include "tests/hvsim/hvsim_int.h"
#include "tests/hvsim/hvsim_netvsc.h"

#define NV_CLASS HVSIM_GUID(0xf8615163, 0xdf3e, 0x46c5, 0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e)
#define NV_INSTANCE HVSIM_GUID(0x5eed0001, 0x0001, 0x4e43, 0x8e, 0x43, 0x48, 0x56, 0x53, 0x49, 0x4d, 0x4e)
const struct vmbus_guid hvsim_netvsc_class = NV_CLASS;

#define RXBUF_MAX (31u << 20)
#define TXBUF_MAX (15u << 20)
#define GATHER_MAX (64u << 10)

struct nv_msg {
    struct nv_msg *next;
    uint32_t chan, len, byte_count;
    uint8_t data[];
};

static const uint32_t all_versions[] = { NVSP_VERSION_1, NVSP_VERSION_2, NVSP_VERSION_4,
                                         NVSP_VERSION_5, NVSP_VERSION_6, NVSP_VERSION_61 };

#define BAD(...) hvsim_violate(HVV_CHANNEL, "netvsp: " __VA_ARGS__)

/* --- Guest buffers by GPADL ----------------------------------------------------- */

/* Copies len bytes at off of a GPADL'd buffer out (to_guest false) or in. */
static bool buf_copy(struct hvsim_netvsc *nv, uint32_t gpadl, uint32_t off, void *host, uint32_t len, bool to_guest)
{
    size_t n;
    uint32_t bc, bo;
    const uint64_t *pfn = hvsim_gpadl_pfns(gpadl, hvsim_chan_relid(nv->ch), &n, &bc, &bo);
    if (!pfn || off > bc || len > bc - off)
        return false;
    uint8_t *h = host;
    for (uint64_t at = (uint64_t)bo + off; len;) {
        uint32_t in = (uint32_t)(at % HVSIM_PAGE), k = HVSIM_PAGE - in < len ? HVSIM_PAGE - in : len;
        uint8_t *g = hvsim_gpa_ptr((pfn[at / HVSIM_PAGE] << 12) + in, k);
        if (!g)
            return false;
        if (to_guest)
            memcpy(g, h, k);
        else
            memcpy(h, g, k);
        h += k, at += k, len -= k;
    }
    return true;
}

/* --- Host -> guest ----------------------------------------------------------------- */

static int enqueue(struct hvsim_netvsc *nv, uint32_t chan, const void *a, size_t alen, const void *b, size_t blen,
                   uint32_t byte_count)
{
    struct nv_msg *m = malloc(sizeof *m + alen + blen);
    m->next = NULL;
    m->chan = chan;
    m->len = (uint32_t)(alen + blen);
    m->byte_count = byte_count;
    memcpy(m->data, a, alen);
    if (blen)
        memcpy(m->data + alen, b, blen);
    if (nv->q_tail)
        nv->q_tail->next = m;
    else
        nv->q_head = m;
    nv->q_tail = m;
    if (++nv->queued > nv->rx_queued_max)
        nv->rx_queued_max = nv->queued;
    return 0;
}

static int sub_alloc(struct hvsim_netvsc *nv)
{
    for (uint32_t i = 0; i < nv->nsub; i++) {
        uint32_t s = (nv->sub_next + i) % nv->nsub;
        if (!nv->sub_busy[s]) {
            nv->sub_busy[s] = 1;
            nv->sub_next = s + 1;
            return (int)s;
        }
    }
    return -1;
}

static int out_slot(struct hvsim_netvsc *nv)
{
    for (int i = 0; i < HVSIM_NV_OUT; i++)
        if (!nv->out[i].id)
            return i;
    return -1;
}

static void send_xfer(struct hvsim_netvsc *nv, int slot, uint32_t chan, const struct vmbus_xfer_range *r, uint32_t n,
                      const void *nvsp, size_t nvsp_len)
{
    uint8_t hdr[8 + 8 * 16];
    struct vmbus_pkt_xfer_hdr xh = { .xfer_set_id = NVSP_RXBUF_ID, .range_count = n };
    struct nvsp_rndis_pkt m = { NVSP_MSG1_SEND_RNDIS_PKT, chan, NVSP_SECTION_NONE, 0 };
    memcpy(hdr, &xh, sizeof xh);
    memcpy(hdr + 8, r, 8u * n);
    nv->out[slot].id = ++nv->next_id;
    hvsim_chan_send_hdr(nv->ch, VMBUS_PKT_DATA_XFER_PAGES, 0, nv->out[slot].id, hdr, 8 + 8u * n,
                        nvsp ? nvsp : (const void *)&m, nvsp ? nvsp_len : sizeof m);
    nv->xfer_sent++;
}

/* Moves queued messages into free slots, batch per packet. */
static void flush(struct hvsim_netvsc *nv)
{
    unsigned batch = nv->batch ? (nv->batch < 16 ? nv->batch : 16) : 1;
    while (nv->q_head && nv->rx_gpadl) {
        int slot = out_slot(nv);
        if (slot < 0)
            return;
        struct vmbus_xfer_range r[16];
        uint32_t n = 0, chan = nv->q_head->chan;
        while (n < batch && nv->q_head && nv->q_head->chan == chan) {
            int s = sub_alloc(nv);
            if (s < 0)
                break;
            struct nv_msg *m = nv->q_head;
            uint32_t len = m->len < nv->sub_size ? m->len : nv->sub_size;
            buf_copy(nv, nv->rx_gpadl, (uint32_t)s * nv->sub_size, m->data, len, true);
            r[n].byte_offset = (uint32_t)s * nv->sub_size;
            r[n].byte_count = m->byte_count ? m->byte_count : nv->sub_size;
            nv->out[slot].sub[n++] = (uint32_t)s;
            nv->q_head = m->next;
            if (!nv->q_head)
                nv->q_tail = NULL;
            nv->queued--;
            free(m);
        }
        if (!n)
            return;
        nv->out[slot].n = n;
        send_xfer(nv, slot, chan, r, n, NULL, 0);
    }
}

int hvsim_netvsc_rx(struct hvsim_netvsc *nv, const void *frame, size_t len, uint32_t csum_info)
{
    if (!nv->rndis_up)
        return -22;
    if (!nv->filter) {
        nv->frames_filtered++;
        return 0;
    }
    struct {
        struct rndis_packet p;
        struct rndis_ppi ppi;
        uint32_t csum;
    } h = { 0 };
    uint32_t hlen = csum_info ? sizeof h : sizeof h.p;
    h.p.h = (struct rndis_hdr){ RNDIS_MSG_PACKET, hlen + (uint32_t)len };
    h.p.data_off = hlen - RNDIS_BODY;
    h.p.data_len = (uint32_t)len;
    if (csum_info) {
        h.p.ppi_off = sizeof h.p - RNDIS_BODY;
        h.p.ppi_len = 16;
        h.ppi = (struct rndis_ppi){ 16, RNDIS_PPI_CSUM, 12 };
        h.csum = csum_info;
    }
    return enqueue(nv, NVSP_CHAN_DATA, &h, hlen, frame, len, 0);
}

int hvsim_netvsc_link(struct hvsim_netvsc *nv, bool up)
{
    if (!nv->rndis_up)
        return -22;
    struct rndis_indicate in = { { RNDIS_MSG_INDICATE, sizeof in },
                                 up ? RNDIS_STATUS_MEDIA_CONNECT : RNDIS_STATUS_MEDIA_DISCONNECT, 0, 0 };
    nv->link_down = !up;
    return enqueue(nv, NVSP_CHAN_CONTROL, &in, sizeof in, NULL, 0, 0);
}

int hvsim_netvsc_raw_rndis(struct hvsim_netvsc *nv, const void *msg, size_t len, uint32_t byte_count)
{
    if (!nv->rx_gpadl || len > nv->sub_size)
        return -22;
    return enqueue(nv, NVSP_CHAN_CONTROL, msg, len, NULL, 0, byte_count);
}

int hvsim_netvsc_raw_xfer(struct hvsim_netvsc *nv, const struct vmbus_xfer_range *r, uint32_t n, const void *nvsp,
                          size_t len)
{
    int slot = out_slot(nv);
    if (slot < 0 || n > 16 || !hvsim_chan_is_open(nv->ch))
        return -22;
    nv->out[slot].n = 0;
    send_xfer(nv, slot, NVSP_CHAN_DATA, r, n, nvsp, len);
    return 0;
}

/* --- Guest -> host: RNDIS ------------------------------------------------------------- */

static bool fits(uint32_t off, uint32_t len, uint32_t msg_len)
{
    return off <= msg_len - RNDIS_BODY && len <= msg_len - RNDIS_BODY - off;
}

static void reply_status(struct hvsim_netvsc *nv, uint32_t type, uint32_t rid, uint32_t status)
{
    struct rndis_status_cmplt c = { { type | RNDIS_MSG_CMPLT, sizeof c }, rid, status };
    enqueue(nv, NVSP_CHAN_CONTROL, &c, sizeof c, NULL, 0, 0);
}

static void on_query(struct hvsim_netvsc *nv, const struct rndis_oid_req *q)
{
    uint32_t v = 0, n = 4, status = RNDIS_STATUS_SUCCESS;
    const void *data = &v;
    nv->queries++;
    if (q->oid == RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE)
        v = nv->mtu;
    else if (q->oid == RNDIS_OID_GEN_MEDIA_CONNECT_STATUS)
        v = nv->link_down;
    else if (q->oid == RNDIS_OID_GEN_LINK_SPEED)
        v = 100000000;                  /* 10 Gb/s in 100 b/s */
    else if (q->oid == RNDIS_OID_802_3_PERMANENT_ADDRESS)
        data = nv->mac, n = 6;
    else
        status = RNDIS_STATUS_NOT_SUPPORTED, n = 0;
    struct rndis_query_cmplt c = { { RNDIS_MSG_QUERY | RNDIS_MSG_CMPLT, sizeof c + n }, q->rid, status, n,
                                   sizeof c - RNDIS_BODY };
    enqueue(nv, NVSP_CHAN_CONTROL, &c, sizeof c, data, n, 0);
}

static void on_set(struct hvsim_netvsc *nv, const struct rndis_oid_req *q, const uint8_t *msg)
{
    uint32_t status = RNDIS_STATUS_SUCCESS;
    const uint8_t *d = msg + RNDIS_BODY + q->buf_off;
    nv->sets++;
    if (q->oid == RNDIS_OID_GEN_CURRENT_PACKET_FILTER && q->buf_len == 4) {
        memcpy(&nv->filter, d, 4);
    } else if (q->oid == RNDIS_OID_TCP_OFFLOAD_PARAMETERS && !nv->no_offload) {
        struct ndis_offload_params p;
        if (q->buf_len < sizeof p) {
            status = RNDIS_STATUS_INVALID_LENGTH;
        } else {
            memcpy(&p, d, sizeof p);
            if (p.type != NDIS_OBJECT_TYPE_DEFAULT || p.revision < 1 || p.size < sizeof p)
                status = RNDIS_STATUS_INVALID_DATA;
            else
                nv->offload_on = p.tcp4_csum >= 2 || p.ip4_csum >= 2;
        }
    } else {
        status = RNDIS_STATUS_NOT_SUPPORTED;
    }
    reply_status(nv, RNDIS_MSG_SET, q->rid, status);
}

/* Ones' complement sum of n bytes (RFC 1071). */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static void put_csum(uint8_t *at, uint32_t s)
{
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    s = ~s & 0xFFFF;
    at[0] = (uint8_t)(s >> 8);
    at[1] = (uint8_t)s;
}

/* What the host does with a checksum per-packet info on transmit: fills in
 * the IPv4 header and TCP checksums (into a copy the bridge passes on). */
static void tx_offload(uint8_t *f, uint32_t len, uint32_t info)
{
    uint32_t ihl = len > 14 ? (f[14] & 0xFu) * 4 : 0, tcp = (info >> RNDIS_CSUM_TX_TCP_OFF_SHIFT) & 0x3FF;
    if (!(info & RNDIS_CSUM_TX_IPV4) || ihl < 20 || 14 + ihl > len)
        return;
    if (info & RNDIS_CSUM_TX_IP_HDR) {
        f[24] = f[25] = 0;
        put_csum(f + 24, sum16(f + 14, ihl, 0));
    }
    uint32_t ip_len = (uint32_t)f[16] << 8 | f[17];
    if ((info & RNDIS_CSUM_TX_TCP) && tcp + 20 <= len && ip_len <= len - 14 && ip_len > tcp - 14) {
        uint32_t seg = ip_len - (tcp - 14);
        f[tcp + 16] = f[tcp + 17] = 0;
        uint32_t s = sum16(f + 26, 8, 6 + seg);     /* pseudo header: addresses, protocol, length */
        put_csum(f + tcp + 16, sum16(f + tcp, seg, s));
    }
}

static void keep_frame(struct hvsim_netvsc *nv, const uint8_t *f, uint32_t len, uint32_t csum, bool gpa)
{
    struct hvsim_nv_frame *k = &nv->kept[nv->frames++ % HVSIM_NV_KEEP];
    k->len = len;
    k->csum_info = csum;
    k->gpa = gpa;
    memcpy(k->data, f, len < HVSIM_NV_FRAME_MAX ? len : HVSIM_NV_FRAME_MAX);
    if (gpa)
        nv->frames_gpa++;
    else
        nv->frames_section++;
    if (nv->on_frame) {
        static uint8_t copy[HVSIM_NV_FRAME_MAX];
        if (len > sizeof copy)
            return;
        memcpy(copy, f, len);
        tx_offload(copy, len, csum);
        nv->on_frame(copy, len, nv->on_frame_arg);
    }
}

static uint32_t on_packet_msg(struct hvsim_netvsc *nv, const uint8_t *msg, uint32_t len, bool gpa)
{
    struct rndis_packet p;
    if (len < sizeof p) {
        BAD("PACKET of %u bytes", len);
        return NVSP_STATUS_FAIL;
    }
    memcpy(&p, msg, sizeof p);
    if (!fits(p.data_off, p.data_len, len) || p.data_len < 14 || p.data_len > nv->ndis_mtu + 4) {
        BAD("PACKET data %u at %u in %u bytes", p.data_len, p.data_off, len);
        return NVSP_STATUS_FAIL;
    }
    uint32_t csum = 0;
    if (p.ppi_len) {
        if (!fits(p.ppi_off, p.ppi_len, len)) {
            BAD("PACKET per-packet info %u at %u", p.ppi_len, p.ppi_off);
            return NVSP_STATUS_FAIL;
        }
        for (uint32_t at = RNDIS_BODY + p.ppi_off, left = p.ppi_len; left;) {
            struct rndis_ppi e;
            if (left < sizeof e)
                break;
            memcpy(&e, msg + at, sizeof e);
            if (e.size < sizeof e || e.size > left || e.off < sizeof e || e.off > e.size) {
                BAD("per-packet info size %u offset %u", e.size, e.off);
                return NVSP_STATUS_FAIL;
            }
            if (e.type == RNDIS_PPI_CSUM && e.size - e.off >= 4)
                memcpy(&csum, msg + at + e.off, 4);
            at += e.size, left -= e.size;
        }
        if (csum && !nv->offload_on)
            BAD("checksum per-packet info without offload enabled");
    }
    keep_frame(nv, msg + RNDIS_BODY + p.data_off, p.data_len, csum, gpa);
    return NVSP_STATUS_SUCCESS;
}

/* Sizes each control message needs at least. */
static uint32_t min_len(uint32_t type)
{
    switch (type) {
    case RNDIS_MSG_INIT: return sizeof(struct rndis_init_req);
    case RNDIS_MSG_QUERY:
    case RNDIS_MSG_SET: return sizeof(struct rndis_oid_req);
    case RNDIS_MSG_KEEPALIVE | RNDIS_MSG_CMPLT: return sizeof(struct rndis_status_cmplt);
    default: return sizeof(struct rndis_rid_msg);
    }
}

static uint32_t on_control(struct hvsim_netvsc *nv, const uint8_t *msg, uint32_t type, uint32_t len)
{
    if (len < min_len(type)) {
        BAD("RNDIS %#x of %u bytes", type, len);
        return NVSP_STATUS_FAIL;
    }
    uint32_t rid;
    memcpy(&rid, msg + RNDIS_BODY, 4);
    if (type == RNDIS_MSG_INIT) {
        if (nv->rndis_up)
            BAD("second RNDIS INITIALIZE");
        nv->rndis_up = true;
        if (nv->silent_rndis)
            return NVSP_STATUS_SUCCESS;
        struct rndis_init_cmplt c = { { RNDIS_MSG_INIT | RNDIS_MSG_CMPLT, sizeof c }, rid, RNDIS_STATUS_SUCCESS,
                                      1, 0, 1, 0, 8, 0xEFFFFFFFu, 3, 0, 0 };
        enqueue(nv, NVSP_CHAN_CONTROL, &c, sizeof c, NULL, 0, 0);
        return NVSP_STATUS_SUCCESS;
    }
    if (!nv->rndis_up) {
        BAD("RNDIS %#x before INITIALIZE", type);
        return NVSP_STATUS_FAIL;
    }
    if (type == RNDIS_MSG_QUERY || type == RNDIS_MSG_SET) {
        struct rndis_oid_req q;
        memcpy(&q, msg, sizeof q);
        if (q.buf_len && !fits(q.buf_off, q.buf_len, len)) {
            BAD("RNDIS %#x buffer %u at %u in %u bytes", type, q.buf_len, q.buf_off, len);
            reply_status(nv, type, rid, RNDIS_STATUS_INVALID_DATA);
        } else if (type == RNDIS_MSG_QUERY) {
            on_query(nv, &q);
        } else {
            on_set(nv, &q, msg);
        }
    } else if (type == RNDIS_MSG_KEEPALIVE) {
        nv->keepalives++;
        reply_status(nv, type, rid, RNDIS_STATUS_SUCCESS);
    } else if (type == RNDIS_MSG_RESET) {
        struct rndis_reset_cmplt c = { { RNDIS_MSG_RESET | RNDIS_MSG_CMPLT, sizeof c }, RNDIS_STATUS_SUCCESS, 0 };
        nv->resets++;
        enqueue(nv, NVSP_CHAN_CONTROL, &c, sizeof c, NULL, 0, 0);
    } else if (type == RNDIS_MSG_HALT) {
        nv->halts++;
        nv->rndis_up = false;
    } else if (type == (RNDIS_MSG_KEEPALIVE | RNDIS_MSG_CMPLT)) {
        nv->keepalives++;
    } else {
        BAD("unknown RNDIS message type %#x", type);
        return NVSP_STATUS_FAIL;
    }
    return NVSP_STATUS_SUCCESS;
}

static uint32_t on_rndis(struct hvsim_netvsc *nv, uint32_t chan, const uint8_t *msg, uint32_t avail, bool gpa)
{
    struct rndis_hdr h;
    if (avail < sizeof h) {
        BAD("RNDIS message of %u bytes", avail);
        return NVSP_STATUS_FAIL;
    }
    memcpy(&h, msg, sizeof h);
    if (h.len < sizeof h || h.len > avail) {
        BAD("RNDIS length %u with %u bytes sent", h.len, avail);
        return NVSP_STATUS_FAIL;
    }
    if ((h.type == RNDIS_MSG_PACKET) != (chan == NVSP_CHAN_DATA)) {
        BAD("RNDIS %#x on channel type %u", h.type, chan);
        return NVSP_STATUS_FAIL;
    }
    if (h.type != RNDIS_MSG_PACKET)
        return on_control(nv, msg, h.type, h.len);
    if (!nv->rndis_up) {
        BAD("PACKET before RNDIS INITIALIZE");
        return NVSP_STATUS_FAIL;
    }
    return on_packet_msg(nv, msg, h.len, gpa);
}

/* --- Guest -> host: NVSP ------------------------------------------------------------------ */

static void complete(struct hvsim_netvsc *nv, const struct vmbus_pkt_desc *d, const void *msg, size_t len)
{
    uint8_t out[NVSP_MSG_SIZE] = { 0 };
    memcpy(out, msg, len);
    /* openvmm pads replies to 28 bytes below 6.1, 40 from it. */
    size_t n = nv->version >= NVSP_VERSION_61 ? NVSP_MSG_SIZE : 28;
    if (!(d->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED))
        BAD("request %u without completion requested", *(const uint32_t *)msg);
    else
        hvsim_chan_send(nv->ch, VMBUS_PKT_COMP, 0, d->trans_id, out, n > len ? n : len);
}

static bool accepts(struct hvsim_netvsc *nv, uint32_t v)
{
    const uint32_t *l = nv->nversions ? nv->versions : all_versions;
    unsigned n = nv->nversions ? nv->nversions : 6;
    for (unsigned i = 0; i < n; i++)
        if (l[i] == v)
            return true;
    return false;
}

static void on_init(struct hvsim_netvsc *nv, const struct vmbus_pkt_desc *d, const union nvsp_msg *m)
{
    struct nvsp_init_complete r = { NVSP_MSG_INIT_COMPLETE, 0xFFFFFFFFu, 34, NVSP_STATUS_NONE };
    if (nv->version) {
        BAD("second INIT");
    } else if (m->init.min_ver <= m->init.max_ver && accepts(nv, m->init.max_ver)) {
        nv->version = m->init.max_ver;
        r.status = NVSP_STATUS_SUCCESS;
        if (nv->version == NVSP_VERSION_1)
            r.negotiated_ver = NVSP_VERSION_1;
    }
    complete(nv, d, &r, sizeof r);
}

/* A buffer GPADL: single range, whole pages of this channel, sized. */
static const char *buf_check(struct hvsim_netvsc *nv, uint32_t gpadl, uint32_t min, uint32_t max, uint32_t *size)
{
    size_t n;
    uint32_t bc, bo;
    if (!hvsim_gpadl_pfns(gpadl, hvsim_chan_relid(nv->ch), &n, &bc, &bo))
        return "not a single-range GPADL of this channel";
    if (gpadl == nv->ch->ring_gpadl || gpadl == nv->rx_gpadl || gpadl == nv->tx_gpadl)
        return "GPADL already in use";
    if (bo || bc % HVSIM_PAGE)
        return "not whole pages";
    if (bc < min || bc > max)
        return "size out of bounds";
    *size = bc;
    return NULL;
}

static void on_rxbuf(struct hvsim_netvsc *nv, const struct vmbus_pkt_desc *d, const union nvsp_msg *m)
{
    struct nvsp_rxbuf_complete r = { NVSP_MSG1_SEND_RECV_BUF_COMPLETE, NVSP_STATUS_FAIL, 0, { 0 } };
    uint32_t mtu = nv->ndis_config ? nv->ndis_mtu : 1514, sub = 256 + mtu + 36, size = 0;
    const char *why = !nv->ndis_ver || (nv->version >= NVSP_VERSION_2 && !nv->ndis_config)
                          ? "before NDIS version/config"
                          : nv->rx_gpadl ? "a second receive buffer"
                                         : buf_check(nv, m->buf.gpadl, 10 * sub, RXBUF_MAX, &size);
    if (why) {
        BAD("SEND_RECV_BUF gpadl %#x: %s", m->buf.gpadl, why);
    } else if (nv->fail_rxbuf) {
        hvsim_note("netvsp: hostile: receive buffer refused");
    } else {
        nv->rx_gpadl = m->buf.gpadl;
        nv->rx_size = size;
        nv->sub_size = sub;
        nv->nsub = size / sub;
        nv->sub_busy = calloc(nv->nsub, 1);
        r = (struct nvsp_rxbuf_complete){ NVSP_MSG1_SEND_RECV_BUF_COMPLETE, NVSP_STATUS_SUCCESS,
                                          nv->rxbuf_sections ? nv->rxbuf_sections : 1,
                                          { 0, sub, nv->nsub, sub * nv->nsub } };
        if (m->buf.id != NVSP_RXBUF_ID)
            hvsim_note("netvsp: receive buffer id %#x", m->buf.id);
    }
    complete(nv, d, &r, sizeof r);
}

static void on_txbuf(struct hvsim_netvsc *nv, const struct vmbus_pkt_desc *d, const union nvsp_msg *m)
{
    struct nvsp_txbuf_complete r = { NVSP_MSG1_SEND_SEND_BUF_COMPLETE, NVSP_STATUS_FAIL, 0 };
    uint32_t size = 0;
    const char *why = !nv->rx_gpadl ? "before the receive buffer"
                      : nv->tx_gpadl ? "a second send buffer"
                                     : buf_check(nv, m->buf.gpadl, nv->section_size, TXBUF_MAX, &size);
    if (why) {
        BAD("SEND_SEND_BUF gpadl %#x: %s", m->buf.gpadl, why);
    } else {
        nv->tx_gpadl = m->buf.gpadl;
        nv->tx_size = size;
        r = (struct nvsp_txbuf_complete){ NVSP_MSG1_SEND_SEND_BUF_COMPLETE, NVSP_STATUS_SUCCESS, nv->section_size };
    }
    complete(nv, d, &r, sizeof r);
}

/* The bytes a GPA-direct packet's ranges name (validated by the ring). */
static uint32_t gpa_gather(const uint8_t *pkt, uint8_t *out, uint32_t cap)
{
    struct vmbus_pkt_gpa_direct_hdr h;
    memcpy(&h, pkt + 16, sizeof h);
    uint32_t pos = 16 + sizeof h, got = 0;
    for (uint32_t i = 0; i < h.range_count; i++) {
        struct vmbus_gpa_range r;
        memcpy(&r, pkt + pos, sizeof r);
        pos += sizeof r;
        uint32_t npfn = (r.byte_offset + r.byte_count + HVSIM_PAGE - 1) / HVSIM_PAGE;
        uint32_t off = r.byte_offset, left = r.byte_count;
        for (uint32_t j = 0; j < npfn; j++, pos += 8) {
            uint64_t pfn;
            memcpy(&pfn, pkt + pos, 8);
            uint32_t k = HVSIM_PAGE - off < left ? HVSIM_PAGE - off : left;
            const uint8_t *src = hvsim_gpa_ptr((pfn << 12) + off, k);
            if (src && got + k <= cap)
                memcpy(out + got, src, k);
            got += k, left -= k, off = 0;
        }
    }
    return got;
}

static void on_send_rndis(struct hvsim_netvsc *nv, const struct vmbus_pkt_desc *d, const union nvsp_msg *m,
                          const uint8_t *pkt)
{
    static uint8_t buf[GATHER_MAX];
    struct nvsp_rndis_pkt_complete r = { NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, NVSP_STATUS_FAIL };
    const struct nvsp_rndis_pkt *s = &m->rndis;
    uint32_t n = 0;
    bool gpa = d->type == VMBUS_PKT_DATA_GPA_DIRECT;
    if (!nv->ndis_ver || !nv->rx_gpadl) {
        BAD("SEND_RNDIS_PKT before NDIS version and receive buffer");
    } else if (s->channel_type > NVSP_CHAN_CONTROL) {
        BAD("SEND_RNDIS_PKT channel type %u", s->channel_type);
    } else if (gpa) {
        if (s->section_index != NVSP_SECTION_NONE)
            BAD("GPA-direct SEND_RNDIS_PKT names section %u", s->section_index);
        else if ((n = gpa_gather(pkt, buf, sizeof buf)) > sizeof buf)
            BAD("GPA-direct SEND_RNDIS_PKT of %u bytes", n);
        else
            r.status = on_rndis(nv, s->channel_type, buf, n, true);
    } else if (!nv->tx_gpadl || s->section_index >= nv->tx_size / nv->section_size ||
               s->section_size > nv->section_size) {
        BAD("SEND_RNDIS_PKT section %u size %u (send buffer %u bytes, sections of %u)", s->section_index,
            s->section_size, nv->tx_size, nv->section_size);
    } else {
        buf_copy(nv, nv->tx_gpadl, s->section_index * nv->section_size, buf, s->section_size, false);
        r.status = on_rndis(nv, s->channel_type, buf, s->section_size, false);
    }
    complete(nv, d, &r, sizeof r);
}

static void on_guest_comp(struct hvsim_netvsc *nv, const struct vmbus_pkt_desc *d, const uint8_t *p, uint32_t len)
{
    struct nvsp_rndis_pkt_complete c = { 0, 0 };
    memcpy(&c, p, len < sizeof c ? len : sizeof c);
    for (int i = 0; i < HVSIM_NV_OUT; i++) {
        if (nv->out[i].id != d->trans_id || !d->trans_id)
            continue;
        if (len < sizeof c || c.type != NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE)
            BAD("receive completion of %u bytes, type %u", len, c.type);
        for (uint32_t k = 0; k < nv->out[i].n; k++)
            nv->sub_busy[nv->out[i].sub[k]] = 0;
        nv->out[i].id = 0;
        nv->xfer_comps++;
        nv->xfer_comp_fail += c.status != NVSP_STATUS_SUCCESS;
        return;
    }
    nv->unknown_comps++;
    if (!nv->no_xfer_comp_check)
        BAD("completion for transfer id %#llx never sent or already completed", (unsigned long long)d->trans_id);
}

static void nv_packet(struct hvsim_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *p, uint32_t len)
{
    struct hvsim_netvsc *nv = hvsim_chan_priv(ch);
    union nvsp_msg m;
    if (d->type == VMBUS_PKT_COMP)
        return on_guest_comp(nv, d, p, len);
    if (len < NVSP_MSG_SIZE) {
        /* Hyper-V never answers a short request (FreeBSD hn_nvs.c). */
        BAD("NVSP message of %u bytes (< %u): no answer", len, NVSP_MSG_SIZE);
        return;
    }
    memcpy(&m, p, sizeof m);
    if (d->type == VMBUS_PKT_DATA_GPA_DIRECT && m.type != NVSP_MSG1_SEND_RNDIS_PKT) {
        BAD("GPA-direct packet with NVSP type %u", m.type);
        return;
    }
    if (m.type != NVSP_MSG_INIT && !nv->version) {
        BAD("NVSP %u before INIT", m.type);
        return;
    }
    switch (m.type) {
    case NVSP_MSG_INIT: on_init(nv, d, &m); break;
    case NVSP_MSG2_SEND_NDIS_CONFIG:
        if (nv->version < NVSP_VERSION_2 || nv->rx_gpadl)
            BAD("SEND_NDIS_CONFIG at version %#x, after the receive buffer: %d", nv->version, nv->rx_gpadl != 0);
        nv->ndis_config = true;
        nv->ndis_mtu = m.ndis_config.mtu >= 1514 && m.ndis_config.mtu <= 9216 ? m.ndis_config.mtu : 1514;
        break;
    case NVSP_MSG1_SEND_NDIS_VER:
        if (m.ndis_ver.major != 6)
            BAD("NDIS version %u.%u", m.ndis_ver.major, m.ndis_ver.minor);
        nv->ndis_ver = true;
        nv->ndis_major = m.ndis_ver.major;
        nv->ndis_minor = m.ndis_ver.minor;
        break;
    case NVSP_MSG1_SEND_RECV_BUF: on_rxbuf(nv, d, &m); break;
    case NVSP_MSG1_SEND_SEND_BUF: on_txbuf(nv, d, &m); break;
    case NVSP_MSG1_SEND_RNDIS_PKT: on_send_rndis(nv, d, &m, p - d->offset8 * 8u); break;
    case NVSP_MSG1_REVOKE_RECV_BUF:
    case NVSP_MSG1_REVOKE_SEND_BUF:
        nv->revokes++;
        if (m.type == NVSP_MSG1_REVOKE_RECV_BUF)
            nv->rx_gpadl = 0;
        else
            nv->tx_gpadl = 0;
        break;
    default: BAD("unknown NVSP message type %u", m.type);
    }
}

/* --- Channel ------------------------------------------------------------------------------ */

static void reset_state(struct hvsim_netvsc *nv)
{
    while (nv->q_head) {
        struct nv_msg *m = nv->q_head;
        nv->q_head = m->next;
        free(m);
    }
    free(nv->sub_busy);
    nv->q_tail = NULL;
    nv->queued = 0;
    nv->sub_busy = NULL;
    nv->version = nv->rx_gpadl = nv->tx_gpadl = nv->filter = 0;
    nv->ndis_config = nv->ndis_ver = nv->rndis_up = nv->offload_on = false;
    nv->ndis_mtu = 1514;                /* without NDIS config (NVSP 1) */
    memset(nv->out, 0, sizeof nv->out);
}

static int nv_open(struct hvsim_chan *ch, const uint8_t *user_data)
{
    (void)user_data;
    reset_state(hvsim_chan_priv(ch));
    return 0;
}

static void nv_close(struct hvsim_chan *ch) { reset_state(hvsim_chan_priv(ch)); }

static void nv_step(struct hvsim_chan *ch) { flush(hvsim_chan_priv(ch)); }

static const struct hvsim_dev_ops nv_ops = {
    .name = "netvsp",
    .class_id = NV_CLASS,
    .instance_id = NV_INSTANCE,
    .on_open = nv_open,
    .on_packet = nv_packet,
    .on_close = nv_close,
    .on_step = nv_step,
};

struct hvsim_chan *hvsim_add_netvsc(struct hvsim_netvsc *nv, uint32_t relid)
{
    memset(nv, 0, sizeof *nv);
    static const uint8_t mac[6] = { 0x00, 0x15, 0x5D, 0x01, 0x02, 0x03 };   /* Hyper-V's OUI */
    memcpy(nv->mac, mac, 6);
    nv->mtu = 1500;
    nv->section_size = 6144;
    nv->batch = 1;
    nv->kept = calloc(HVSIM_NV_KEEP, sizeof *nv->kept);
    nv->ch = hvsim_add_device(&nv_ops, nv, relid);
    return nv->ch;
}

void hvsim_netvsc_free(struct hvsim_netvsc *nv)
{
    reset_state(nv);
    free(nv->kept);
    nv->kept = NULL;
}

const struct hvsim_nv_frame *hvsim_netvsc_last(const struct hvsim_netvsc *nv)
{
    return nv->frames ? &nv->kept[(nv->frames - 1) % HVSIM_NV_KEEP] : NULL;
}

unsigned hvsim_netvsc_outstanding(const struct hvsim_netvsc *nv)
{
    unsigned n = 0;
    for (int i = 0; i < HVSIM_NV_OUT; i++)
        n += nv->out[i].id != 0;
    return n;
}
