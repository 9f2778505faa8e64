/* hvsim echo device: a test-only VMBus device that sends every in-band
 * packet back unchanged (same transaction id; the payload as the host sees
 * it, i.e. padded to 8 bytes) and answers completion requests with an empty
 * COMP packet. Used for ring traffic and wrap-around tests. Its class GUID
 * is made up (not a Hyper-V device). */
#include <string.h>
#include "tests/hvsim/hvsim_int.h"

#define ECHO_CLASS HVSIM_GUID(0xec40ec40, 0x0001, 0x4e43, 0x8e, 0x43, 0x48, 0x56, 0x53, 0x49, 0x4d, 0x31)
#define ECHO_INSTANCE                                                           \
    HVSIM_GUID(0xec40ec40, 0x0002, 0x4e43, 0x8e, 0x43, 0x48, 0x56, 0x53, 0x49, 0x4d, 0x32)
const struct vmbus_guid hvsim_echo_class = ECHO_CLASS;

static int echo_open(struct hvsim_chan *ch, const uint8_t *user_data)
{
    (void)user_data;
    struct hvsim_echo *e = hvsim_chan_priv(ch);
    e->opened = true;
    return 0;
}

/* Reads what a GPA-direct packet's ranges name from guest memory; the
 * ring host half validated them (hvsim_ring.c gpa_direct_ok). */
static void echo_gpa(struct hvsim_echo *e, const uint8_t *pkt, const struct vmbus_pkt_desc *d)
{
    struct vmbus_pkt_gpa_direct_hdr h;
    memcpy(&h, pkt + 16, sizeof h);
    uint32_t pos = 16 + sizeof h;
    e->gpa_packets++;
    e->gpa_ranges = h.range_count;
    e->gpa_len = 0;
    for (uint32_t i = 0; i < h.range_count; i++) {
        struct vmbus_gpa_range r;
        memcpy(&r, pkt + pos, sizeof r);
        pos += sizeof r;
        uint32_t npfn = (r.byte_offset + r.byte_count + HVSIM_PAGE - 1) / HVSIM_PAGE;
        uint32_t off = r.byte_offset, left = r.byte_count;
        for (uint32_t j = 0; j < npfn; j++, pos += 8) {
            uint64_t pfn;
            memcpy(&pfn, pkt + pos, 8);
            uint32_t n = HVSIM_PAGE - off < left ? HVSIM_PAGE - off : left;
            const uint8_t *src = hvsim_gpa_ptr((pfn << 12) + off, n);
            for (uint32_t k = 0; src && k < n && e->gpa_len < sizeof e->gpa_data; k++)
                e->gpa_data[e->gpa_len++] = src[k];
            left -= n;
            off = 0;
        }
    }
    (void)d;
}

static void echo_comp(struct hvsim_echo *e, uint64_t trans_id)
{
    e->comps++;
    for (unsigned i = 0; i < e->nxfer_open; i++) {
        if (e->xfer_open[i] == trans_id) {
            e->xfer_open[i] = e->xfer_open[--e->nxfer_open];
            e->xfer_comps++;
            return;
        }
    }
    if (e->xfer_sent) {
        e->unknown_comps++;
        hvsim_violate(HVV_CHANNEL, "echo: completion for unknown transaction id %#llx",
                      (unsigned long long)trans_id);
    }
}

int hvsim_echo_send_xfer(struct hvsim_chan *ch, uint64_t trans_id, uint16_t set_id,
                         const struct vmbus_xfer_range *ranges, uint32_t nranges, const void *data,
                         size_t len)
{
    struct hvsim_echo *e = hvsim_chan_priv(ch);
    uint8_t hdr[8 + 8 * 64];
    if (nranges > 64 || e->nxfer_open == 32)
        return -22;
    struct vmbus_pkt_xfer_hdr xh = { .xfer_set_id = set_id, .range_count = nranges };
    memcpy(hdr, &xh, sizeof xh);
    memcpy(hdr + 8, ranges, 8u * nranges);
    int err = hvsim_chan_send_hdr(ch, VMBUS_PKT_DATA_XFER_PAGES, 0, trans_id, hdr, 8 + 8u * nranges, data,
                                  len);
    if (!err) {
        e->xfer_open[e->nxfer_open++] = trans_id;
        e->xfer_sent++;
    }
    return err;
}

static void echo_packet(struct hvsim_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *p,
                        uint32_t len)
{
    struct hvsim_echo *e = hvsim_chan_priv(ch);
    if (d->type == VMBUS_PKT_COMP) {
        echo_comp(e, d->trans_id);
        return;
    }
    e->packets++;
    e->bytes += len;
    e->last_len = len;
    if (d->type == VMBUS_PKT_DATA_GPA_DIRECT) {
        /* The payload follows the header in one buffer (hvsim_ring.c
         * read_one): the packet starts offset8 x 8 bytes before it. */
        echo_gpa(e, p - d->offset8 * 8u, d);
        e->gpa_inband_len = len < sizeof e->gpa_inband ? len : sizeof e->gpa_inband;
        memcpy(e->gpa_inband, p, e->gpa_inband_len);
        if (d->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED)
            hvsim_chan_send(ch, VMBUS_PKT_COMP, 0, d->trans_id, NULL, 0);
        return;
    }
    if (d->type != VMBUS_PKT_DATA_INBAND)
        return;
    e->last_trans_id = d->trans_id;
    if (d->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED) {
        if (e->comp_silent)
            return;
        if (e->comp_payload) {
            hvsim_chan_send(ch, VMBUS_PKT_COMP, 0, d->trans_id, p, len);
            return;
        }
    }
    hvsim_chan_send(ch, VMBUS_PKT_DATA_INBAND, 0, d->trans_id, p, len);
    if (d->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED)
        hvsim_chan_send(ch, VMBUS_PKT_COMP, 0, d->trans_id, NULL, 0);
}

static void echo_close(struct hvsim_chan *ch)
{
    struct hvsim_echo *e = hvsim_chan_priv(ch);
    e->opened = false;
}

static const struct hvsim_dev_ops echo_ops = {
    .name = "echo",
    .class_id = ECHO_CLASS,
    .instance_id = ECHO_INSTANCE,
    .on_open = echo_open,
    .on_packet = echo_packet,
    .on_close = echo_close,
};

struct hvsim_chan *hvsim_add_echo(struct hvsim_echo *e, uint32_t relid)
{
    memset(e, 0, sizeof *e);
    return hvsim_add_device(&echo_ops, e, relid);
}

void hvsim_chan_pause_rx(struct hvsim_chan *ch, bool paused)
{
    ch->rx_paused = paused;
    if (!paused && ch->open) {
        /* Resuming: look at the ring as if signalled. */
        ch->g2h_active = true;
        ch->g2h_armed = false;
    }
}
