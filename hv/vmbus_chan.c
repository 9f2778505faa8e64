/* VMBus data channels: the packet types that carry bulk data.
 *
 * An in-band packet (vmbus_send) carries its bytes in the ring. Drivers
 * that move more than a ring holds point the host at guest memory instead:
 *
 *   GPA direct (guest -> host; storvsc's data, netvsc's large frames):
 *     descriptor {type 9, offset8, len8, flags, trans_id}
 *     { reserved u32, range_count u32 }
 *     range_count x { byte_count u32, byte_offset u32, pfn[n] u64 }
 *     in-band payload at offset8 x 8
 *   where n is the number of pages byte_offset + byte_count touch
 *   (Linux include/linux/hyperv.h struct vmbus_packet_mpb_array and struct
 *   hv_mpb_array; drivers/hv/channel.c vmbus_sendpacket_mpb_desc builds it
 *   with dataoffset8 = the header size / 8; drivers/scsi/storvsc_drv.c
 *   sizes the PFN array the same way).
 *
 *   Transfer pages (host -> guest; netvsc's receive buffer):
 *     descriptor {type 7, ...}
 *     { xfer_set_id u16, sender_owns_set u8, reserved u8, range_count u32 }
 *     range_count x { byte_count u32, byte_offset u32 }
 *     in-band payload (the NVSP message) at offset8 x 8
 *   The ranges point into a buffer the guest gave the host as a GPADL and
 *   registered under the set id; the guest must answer every such packet
 *   with a completion (VMBUS_PKT_COMP, the same trans_id) so the host can
 *   reuse the ranges (Linux include/linux/hyperv.h struct
 *   vmtransfer_page_packet_header; drivers/net/hyperv/netvsc.c
 *   netvsc_receive checks the set id and each range against the buffer
 *   size before using it, and completes the packet either way).
 *
 * Nothing the host writes is trusted: counts, offsets and lengths are
 * checked against the packet and the registered buffer before use. */
#include "hv/vmbus.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "lib/string.h"

#define PAGE_SHIFT_HV 12u
#define PAGE_SIZE_HV  (1u << PAGE_SHIFT_HV)
/* A PFN the host can address: a 64-bit GPA's page number. */
#define PFN_MAX_HV    (UINT64_MAX >> PAGE_SHIFT_HV)

/* --- GPA direct ------------------------------------------------------------ */

/* Pages that [offset, offset + len) within the first page touch. */
static uint64_t gpa_pages(uint32_t offset, uint32_t len)
{
    return ((uint64_t)offset + len + PAGE_SIZE_HV - 1) / PAGE_SIZE_HV;
}

static int gpa_buf_check(const struct vmbus_gpa_buf *b)
{
    if (b->len == 0 || b->offset >= PAGE_SIZE_HV || !b->pfns)
        return -EINVAL;
    if (b->npfns != gpa_pages(b->offset, b->len))
        return -EINVAL;
    for (size_t i = 0; i < b->npfns; i++)
        if (b->pfns[i] > PFN_MAX_HV)
            return -EINVAL;
    return 0;
}

int vmbus_send_gpa(struct vmbus_channel *ch, uint16_t flags, uint64_t trans_id, const struct vmbus_gpa_buf *bufs,
                   size_t nbufs, const void *data, size_t len)
{
    if (nbufs == 0 || nbufs > VMBUS_GPA_MAX_BUFS || (len && !data))
        return -EINVAL;
    struct vmbus_pkt_gpa_direct_hdr h = { .reserved = 0, .range_count = (uint32_t)nbufs };
    struct vmbus_gpa_range rh[VMBUS_GPA_MAX_BUFS];
    struct vmbus_iov iov[2 + 2 * VMBUS_GPA_MAX_BUFS];
    size_t n = 0, hdr_len = sizeof h;
    iov[n++] = (struct vmbus_iov){ &h, sizeof h };
    for (size_t i = 0; i < nbufs; i++) {
        int err = gpa_buf_check(&bufs[i]);
        if (err)
            return err;
        rh[i].byte_count = bufs[i].len;
        rh[i].byte_offset = bufs[i].offset;
        iov[n++] = (struct vmbus_iov){ &rh[i], sizeof rh[i] };
        iov[n++] = (struct vmbus_iov){ bufs[i].pfns, bufs[i].npfns * sizeof(uint64_t) };
        hdr_len += sizeof rh[i] + bufs[i].npfns * sizeof(uint64_t);
        /* The header must keep offset8 (16 bits of 8-byte units) valid. */
        if (hdr_len > 0xFFFFu * 8u)
            return -EMSGSIZE;
    }
    iov[n++] = (struct vmbus_iov){ data, len };
    return vmbus_send_iov(ch, VMBUS_PKT_DATA_GPA_DIRECT, flags, trans_id, hdr_len, iov, n);
}

/* --- Completions and the receive buffer -------------------------------------- */

int vmbus_send_comp(struct vmbus_channel *ch, uint64_t trans_id, const void *data, size_t len)
{
    return vmbus_send(ch, VMBUS_PKT_COMP, 0, trans_id, data, len);
}

void vmbus_chan_set_rxbuf(struct vmbus_channel *ch, uint16_t set_id, uint32_t size)
{
    ch->rxbuf_set_id = set_id;
    ch->rxbuf_size = size;
    ch->rxbuf_set = true;
}

/* --- Receiving any packet ---------------------------------------------------- */

/* Reads and checks a transfer-page header that lies in [16, hdr_end) of
 * the packet peek returned. */
static int xfer_parse(struct vmbus_channel *ch, uint32_t hdr_end, struct vmbus_rx_pkt *pkt,
                      struct vmbus_xfer_range *ranges, size_t max_ranges)
{
    struct vmbus_pkt_xfer_hdr xh;
    uint32_t at = sizeof(struct vmbus_pkt_desc);
    if (hdr_end < at + sizeof xh)
        return -EPROTO;
    vmbus_ring_copy_out(&ch->in, at, &xh, sizeof xh);
    at += sizeof xh;
    pkt->xfer_set_id = xh.xfer_set_id;
    if (xh.range_count == 0 || xh.range_count > (hdr_end - at) / sizeof *ranges)
        return -EPROTO;                 /* the ranges must lie before the payload */
    if (!ch->rxbuf_set || xh.xfer_set_id != ch->rxbuf_set_id) {
        vmbus_err("relid %u: transfer pages of unknown set %u\n", ch->relid, xh.xfer_set_id);
        return -EPROTO;
    }
    if (xh.range_count > max_ranges)
        return -EMSGSIZE;
    vmbus_ring_copy_out(&ch->in, at, ranges, xh.range_count * sizeof *ranges);
    for (uint32_t i = 0; i < xh.range_count; i++) {
        const struct vmbus_xfer_range *r = &ranges[i];
        if (r->byte_offset > ch->rxbuf_size || r->byte_count > ch->rxbuf_size - r->byte_offset) {
            vmbus_err("relid %u: transfer range %u+%u outside the %u-byte receive buffer\n", ch->relid,
                   r->byte_offset, r->byte_count, ch->rxbuf_size);
            return -EPROTO;
        }
    }
    pkt->nranges = xh.range_count;
    return 0;
}

int vmbus_recv_pkt(struct vmbus_channel *ch, void *buf, size_t cap, struct vmbus_rx_pkt *pkt,
                   struct vmbus_xfer_range *ranges, size_t max_ranges)
{
    memset(pkt, 0, sizeof *pkt);
    struct vmbus_pkt_desc d;
    int total = vmbus_recv_peek(ch, &d);
    if (total < 0)
        return total;
    pkt->type = d.type;
    pkt->flags = d.flags;
    pkt->trans_id = d.trans_id;
    uint32_t off = d.offset8 * 8u;      /* peek checked 16 <= off <= total */
    int ret = 0;
    if (d.type == VMBUS_PKT_DATA_XFER_PAGES)
        ret = xfer_parse(ch, off, pkt, ranges, max_ranges);
    if (!ret && (uint32_t)total - off > cap)
        ret = -EMSGSIZE;
    if (!ret) {
        pkt->len = (uint32_t)total - off;
        vmbus_ring_copy_out(&ch->in, off, buf, pkt->len);
    }
    vmbus_recv_done(ch, (uint32_t)total);
    return ret;
}
