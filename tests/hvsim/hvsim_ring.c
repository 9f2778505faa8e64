/* hvsim ring halves: the host's side of one channel's two rings, written
 * independently of hv/ring.c so that a guest bug is not mirrored here.
 *
 * Layout and rules: Linux include/linux/hyperv.h (struct hv_ring_buffer,
 * struct vmpacket_descriptor) and drivers/hv/ring_buffer.c (index
 * arithmetic, the trailer, hv_signal_on_write and hv_pkt_iter_close for
 * signalling); FreeBSD sys/dev/hyperv/vmbus/vmbus_reg.h (struct
 * vmbus_bufring). Host behaviour modelled on openvmm vm/devices/vmbus/
 * vmbus_ring/src/lib.rs: only packet types 6, 7, 9 and 0xB are accepted
 * from a guest, descriptor flags other than bit 0 and bad lengths mean a
 * corrupt ring (the host stops using it), and signals follow the empty ->
 * non-empty and pending_send_sz crossing rules.
 *
 * The host reaches ring memory only through the page list of the ring
 * GPADL (pages need not be contiguous in guest memory).
 *
 * Space and signals follow openvmm's host (vm/devices/vmbus/vmbus_ring/
 * src/lib.rs, vm/devices/vmbus/vmbus_async/src/core.rs), not hv/ring.c:
 *  - ring_free = D - used - 8 (the ring may never fill completely, a full
 *    ring would look empty); a packet of L bytes (trailer included) fits
 *    when ring_free >= L;
 *  - a producer that finds the ring full sets pending_send_sz to
 *    max(L, (D - 8) / 4) rounded up to 8, so that it is not woken for
 *    every packet, and is owed a signal once ring_free >= pending_send_sz
 *    (writer_needs_signal);
 *  - a consumer signals after a read iff old_free < P <= new_free, with
 *    P = pending_send_sz & ~7 (commit_read). */
#include <stdlib.h>
#include <string.h>
#include "tests/hvsim/hvsim_int.h"

int hs_ring_setup(struct hs_ring *r, uint8_t **pages, uint32_t npages)
{
    r->pg = malloc(npages * sizeof *r->pg);
    memcpy(r->pg, pages, npages * sizeof *r->pg);
    r->npages = npages;
    r->dsize = (npages - 1) * HVSIM_PAGE;
    r->ctl = (struct vmbus_ring_ctl *)pages[0];
    r->idx = 0;
    return 0;
}

/* Copies between the data area (offset, wrapping) and a buffer. */
static void ring_io(const struct hs_ring *r, uint32_t off, void *buf, size_t len, bool write)
{
    uint8_t *b = buf;
    off %= r->dsize;
    while (len) {
        uint32_t in_page = off % HVSIM_PAGE;
        size_t n = HVSIM_PAGE - in_page;
        if (n > len)
            n = len;
        uint8_t *p = r->pg[1 + off / HVSIM_PAGE] + in_page;
        if (write)
            memcpy(p, b, n);
        else
            memcpy(b, p, n);
        b += n;
        len -= n;
        off = (uint32_t)((off + n) % r->dsize);
    }
}

static bool index_ok(const struct hs_ring *r, uint32_t i) { return i < r->dsize && !(i & 7); }
static uint32_t used(const struct hs_ring *r, uint32_t w, uint32_t rd)
{
    return (w + r->dsize - rd) % r->dsize;
}
static bool h2g_read_index(struct hvsim_chan *ch, uint32_t *rd);

/* openvmm ring_free: what a producer may still write in one packet. */
static uint32_t ring_free(const struct hs_ring *r, uint32_t w, uint32_t rd)
{
    return r->dsize - used(r, w, rd) - 8;
}
/* Our pending_send_sz on h2g is owed a signal (openvmm writer_needs_signal). */
static bool h2g_space_owed(struct hvsim_chan *ch)
{
    uint32_t rd, pend = ch->h2g.ctl->pending_send_sz;
    return ch->h2g_waiting && pend && h2g_read_index(ch, &rd) && ring_free(&ch->h2g, ch->h2g.idx, rd) >= pend;
}

static void corrupt(struct hvsim_chan *ch, const char *dir, const char *fmt, uint32_t a, uint32_t b)
{
    char why[200];
    snprintf(why, sizeof why, fmt, a, b);
    hvsim_violate(HVV_RING, "relid %u %s ring: %s (host stops using the channel)", ch->relid, dir,
                  why);
    ch->st.corrupt = true;
}

void hs_chan_rings_open(struct hvsim_chan *ch)
{
    bool polls = hvsim_cfg()->host_polls;
    memset(&ch->st, 0, sizeof ch->st);
    ch->g2h_active = false;
    ch->g2h_lost_reported = ch->h2g_lost_reported = false;
    ch->h2g_waiting = false;
    uint32_t gw = ch->g2h.ctl->write_index, gr = ch->g2h.ctl->read_index;
    uint32_t hw = ch->h2g.ctl->write_index, hr = ch->h2g.ctl->read_index;
    if (!index_ok(&ch->g2h, gw) || !index_ok(&ch->g2h, gr))
        corrupt(ch, "guest->host", "indices %u/%u at open", gw, gr);
    if (!index_ok(&ch->h2g, hw) || !index_ok(&ch->h2g, hr))
        corrupt(ch, "host->guest", "indices %u/%u at open", hw, hr);
    ch->g2h.idx = gr % ch->g2h.dsize & ~7u;
    ch->h2g.idx = hw % ch->h2g.dsize & ~7u;
    ch->h2g_rd = hr % ch->h2g.dsize & ~7u;
    /* We consume g2h: interrupt_mask is ours there. We produce h2g: we set
     * its feature bit (we honour pending_send_sz) and our pending size. */
    ch->g2h.ctl->interrupt_mask = polls ? 1 : 0;
    ch->g2h_armed = true;
    ch->h2g.ctl->feature_bits |= VMBUS_RING_FEAT_PENDING_SEND_SZ;
    ch->h2g.ctl->pending_send_sz = 0;
}

void hs_chan_rings_close(struct hvsim_chan *ch)
{
    free(ch->g2h.pg);
    free(ch->h2g.pg);
    memset(&ch->g2h, 0, sizeof ch->g2h);
    memset(&ch->h2g, 0, sizeof ch->h2g);
}

uint32_t hvsim_ring_data_size(const struct hvsim_chan *ch, bool h2g)
{
    return h2g ? ch->h2g.dsize : ch->g2h.dsize;
}

/* The guest's read index of h2g: in range, aligned, and only moved forward
 * over data we wrote (never backwards, never past our write index). */
static bool h2g_read_index(struct hvsim_chan *ch, uint32_t *rd)
{
    struct hs_ring *r = &ch->h2g;
    uint32_t v = __atomic_load_n(&r->ctl->read_index, __ATOMIC_ACQUIRE);
    if (!index_ok(r, v)) {
        corrupt(ch, "host->guest", "guest read_index %u (data size %u)", v, r->dsize);
        return false;
    }
    if (used(r, r->idx, v) > used(r, r->idx, ch->h2g_rd)) {
        corrupt(ch, "host->guest", "guest read_index %u moved back or past write index %u", v,
                r->idx);
        return false;
    }
    ch->h2g_rd = v;
    *rd = v;
    return true;
}

/* --- Guest -> host signals ---------------------------------------------------------- */
void hs_chan_guest_signal(struct hvsim_chan *ch)
{
    ch->st.guest_signals++;
    if (ch->st.corrupt)
        return;
    bool needed = false;
    /* New data on the empty ring we are not draining, interrupts wanted. */
    uint32_t w = __atomic_load_n(&ch->g2h.ctl->write_index, __ATOMIC_ACQUIRE);
    if (index_ok(&ch->g2h, w) && w != ch->g2h.idx && ch->g2h_armed && !hvsim_cfg()->host_polls) {
        needed = true;
        ch->g2h_armed = false;
        ch->g2h_active = true;
    }
    /* Space we asked for with pending_send_sz became free. We clear the
     * request as we resume (openvmm clears it once the packet fits). */
    if (h2g_space_owed(ch)) {
        needed = true;
        ch->h2g_waiting = false;
        __atomic_store_n(&ch->h2g.ctl->pending_send_sz, 0, __ATOMIC_RELEASE);
        ch->st.host_resumes++;
    }
    if (!needed) {
        ch->st.guest_signals_needless++;
        hvsim_violate(HVV_SIGNAL_NEEDLESS,
                      "relid %u: needless signal (g2h %s, host %s; Windows treats extra "
                      "interrupts as DoS)",
                      ch->relid, w == ch->g2h.idx ? "empty" : "already being drained",
                      ch->h2g_waiting ? "waiting but space not free yet" : "not waiting for space");
    }
}

static void signal_guest(struct hvsim_chan *ch)
{
    ch->st.host_signals++;
    hvsim_signal_guest(ch->relid);
}

/* --- Host as consumer of guest -> host ------------------------------------------------ */
static bool valid_type(uint16_t t)
{
    return t == VMBUS_PKT_DATA_INBAND || t == VMBUS_PKT_DATA_XFER_PAGES ||
           t == VMBUS_PKT_DATA_GPA_DIRECT || t == VMBUS_PKT_COMP;
}

/* Checks a GPA-direct packet's ranges (Linux include/linux/hyperv.h
 * struct vmbus_packet_mpb_array; drivers/hv/channel.c
 * vmbus_sendpacket_mpb_desc). */
static bool gpa_direct_ok(struct hvsim_chan *ch, const uint8_t *pkt, uint32_t hdr_len)
{
    struct vmbus_pkt_gpa_direct_hdr h;
    if (hdr_len < 16 + sizeof h + 8)
        return false;
    memcpy(&h, pkt + 16, sizeof h);
    if (h.range_count == 0)
        return false;
    uint32_t pos = 16 + sizeof h;
    for (uint32_t i = 0; i < h.range_count; i++) {
        uint32_t cnt, off;
        if (pos + 8 > hdr_len)
            return false;
        memcpy(&cnt, pkt + pos, 4);
        memcpy(&off, pkt + pos + 4, 4);
        pos += 8;
        uint64_t n = ((uint64_t)off % HVSIM_PAGE + cnt + HVSIM_PAGE - 1) / HVSIM_PAGE;
        if (cnt == 0 || off >= HVSIM_PAGE || pos + 8 * n > hdr_len)
            return false;
        for (uint64_t j = 0; j < n; j++, pos += 8) {
            uint64_t pfn;
            memcpy(&pfn, pkt + pos, 8);
            if (pfn > (UINT64_MAX >> 12) || !hvsim_gpa_valid(pfn << 12, HVSIM_PAGE)) {
                hvsim_violate(HVV_MEM, "relid %u GPA-direct PFN %#llx outside guest memory",
                              ch->relid, (unsigned long long)pfn);
                return false;
            }
        }
    }
    /* The payload starts right after the last PFN (Linux: dataoffset8 =
     * the descriptor size / 8). */
    return pos == hdr_len;
}

/* Reads one packet at our read index; false when empty or corrupt. */
static bool read_one(struct hvsim_chan *ch)
{
    struct hs_ring *r = &ch->g2h;
    uint32_t w = __atomic_load_n(&r->ctl->write_index, __ATOMIC_ACQUIRE);
    if (!index_ok(r, w)) {
        corrupt(ch, "guest->host", "write_index %u (data size %u)", w, r->dsize);
        return false;
    }
    if (r->ctl->read_index != r->idx) {
        corrupt(ch, "guest->host", "guest wrote the host's read_index (%u, host %u)",
                r->ctl->read_index, r->idx);
        return false;
    }
    uint32_t avail = used(r, w, r->idx);
    if (avail == 0)
        return false;
    struct vmbus_pkt_desc d;
    if (avail < sizeof d + VMBUS_PKT_TRAILER_SIZE) {
        corrupt(ch, "guest->host", "%u bytes available, less than a packet (write %u)", avail, w);
        return false;
    }
    ring_io(r, r->idx, &d, sizeof d, false);
    uint32_t len = d.len8 * 8u;
    if (!valid_type(d.type)) {
        corrupt(ch, "guest->host", "packet type %#x (guest may send 6, 7, 9, 0xB) at %u", d.type,
                r->idx);
        return false;
    }
    if (d.offset8 < 2 || d.len8 < d.offset8 || len + VMBUS_PKT_TRAILER_SIZE > avail) {
        corrupt(ch, "guest->host", "bad lengths: offset8 %u, len8 %u", d.offset8, d.len8);
        return false;
    }
    if (d.flags & ~VMBUS_PKT_FLAG_COMPLETION_REQUESTED) {
        corrupt(ch, "guest->host", "descriptor flags %#x at %u", d.flags, r->idx);
        return false;
    }
    uint64_t trailer;
    ring_io(r, r->idx + len, &trailer, 8, false);
    if ((uint32_t)(trailer >> 32) != r->idx) {
        corrupt(ch, "guest->host", "trailer says the packet started at %u, it started at %u",
                (uint32_t)(trailer >> 32), r->idx);
        return false;
    }
    uint8_t *pkt = malloc(len);
    ring_io(r, r->idx, pkt, len, false);
    if (d.type == VMBUS_PKT_DATA_GPA_DIRECT && !gpa_direct_ok(ch, pkt, d.offset8 * 8u)) {
        free(pkt);
        corrupt(ch, "guest->host", "malformed GPA-direct ranges at %u (offset8 %u)", r->idx,
                d.offset8);
        return false;
    }
    if (r->idx + len + VMBUS_PKT_TRAILER_SIZE > r->dsize)
        ch->st.g2h_wraps++;
    /* Consume, then openvmm's commit_read rule for the guest's
     * pending_send_sz: signal iff old_free < P <= new_free. */
    uint32_t old_free = ring_free(r, w, r->idx);
    r->idx = (r->idx + len + VMBUS_PKT_TRAILER_SIZE) % r->dsize;
    __atomic_store_n(&r->ctl->read_index, r->idx, __ATOMIC_SEQ_CST);
    uint32_t new_free = ring_free(r, w, r->idx);
    uint32_t pend = __atomic_load_n(&r->ctl->pending_send_sz, __ATOMIC_SEQ_CST) & ~7u;
    if (pend) {
        if (!(r->ctl->feature_bits & VMBUS_RING_FEAT_PENDING_SEND_SZ))
            hvsim_violate(HVV_RING, "relid %u: guest set pending_send_sz %u without feature bit 0",
                          ch->relid, pend);
        else if (old_free < pend && pend <= new_free)
            signal_guest(ch);
    }
    ch->st.g2h_packets++;
    ch->st.g2h_bytes += len - d.offset8 * 8u;
    if (ch->ops->on_packet)
        ch->ops->on_packet(ch, &d, pkt + d.offset8 * 8u, len - d.offset8 * 8u);
    free(pkt);
    return true;
}

/* --- Host as producer of host -> guest -------------------------------------------------- */
int hvsim_chan_send(struct hvsim_chan *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
                    const void *data, size_t len)
{
    return hvsim_chan_send_hdr(ch, type, flags, trans_id, NULL, 0, data, len);
}

int hvsim_chan_send_hdr(struct hvsim_chan *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
                        const void *hdr, size_t hdr_len, const void *data, size_t len)
{
    if (!ch->open || hdr_len % 8 || hdr_len > 0xFFF0)
        return -22;
    size_t pkt = 16 + hdr_len + ((len + 7) & ~(size_t)7) + VMBUS_PKT_TRAILER_SIZE;
    if (pkt >= ch->h2g.dsize - 8)       /* openvmm OutgoingRing::write: never fits */
        return -22;
    struct hs_pkt *p = malloc(sizeof *p + hdr_len + len);
    p->next = NULL;
    p->type = type;
    p->flags = flags;
    p->trans_id = trans_id;
    p->len = hdr_len + len;
    p->hdr_len = (uint32_t)hdr_len;
    if (hdr_len)
        memcpy(p->data, hdr, hdr_len);
    if (len)
        memcpy(p->data + hdr_len, data, len);
    if (ch->out_tail)
        ch->out_tail->next = p;
    else
        ch->out_head = p;
    ch->out_tail = p;
    ch->backlog++;
    return 0;
}

/* Writes p if it fits; returns false (and nothing written) if not. */
static bool write_one(struct hvsim_chan *ch, const struct hs_pkt *p, bool *fatal)
{
    struct hs_ring *r = &ch->h2g;
    uint32_t rd;
    if (r->ctl->write_index != r->idx) {
        corrupt(ch, "host->guest", "guest wrote the host's write_index (%u, host %u)",
                r->ctl->write_index, r->idx);
        *fatal = true;
        return false;
    }
    if (!h2g_read_index(ch, &rd)) {
        *fatal = true;
        return false;
    }
    uint32_t body = 16 + (uint32_t)((p->len + 7) & ~(size_t)7);
    uint32_t pkt = body + VMBUS_PKT_TRAILER_SIZE;
    if (ring_free(r, r->idx, rd) < pkt) {
        if (!ch->h2g_waiting) {
            /* openvmm vmbus_async core.rs: no rush to refill a full ring,
             * so wait for a quarter of it (and at least this packet). */
            uint32_t quarter = (r->dsize - 8) / 4;
            uint32_t pend = (pkt > quarter ? pkt : quarter);
            ch->h2g_waiting = true;
            ch->h2g_lost_reported = false;
            ch->st.host_waits++;
            __atomic_store_n(&r->ctl->pending_send_sz, (pend + 7) & ~7u, __ATOMIC_SEQ_CST);
        }
        return false;
    }
    struct vmbus_pkt_desc d = {p->type, (uint16_t)((16 + p->hdr_len) / 8), (uint16_t)(body / 8), p->flags,
                               p->trans_id};
    uint32_t start = r->idx;
    static const uint8_t zero[8];
    ring_io(r, start, &d, sizeof d, true);
    ring_io(r, start + 16, (void *)p->data, p->len, true);
    ring_io(r, start + 16 + (uint32_t)p->len, (void *)zero, body - 16 - p->len, true);
    uint64_t trailer = (uint64_t)start << 32;
    ring_io(r, start + body, &trailer, 8, true);
    if (start + pkt > r->dsize)
        ch->st.h2g_wraps++;
    r->idx = (start + pkt) % r->dsize;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&r->ctl->write_index, r->idx, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ch->st.h2g_packets++;
    ch->st.h2g_bytes += p->len;
    /* Signal on empty -> non-empty only, and only if the guest wants it. */
    uint32_t rd_now = __atomic_load_n(&r->ctl->read_index, __ATOMIC_ACQUIRE);
    if (rd_now == start && !r->ctl->interrupt_mask)
        signal_guest(ch);
    return true;
}

static bool flush_outbox(struct hvsim_chan *ch)
{
    bool progress = false;
    while (ch->out_head && !ch->h2g_waiting) {
        bool fatal = false;
        if (!write_one(ch, ch->out_head, &fatal))
            break;
        struct hs_pkt *p = ch->out_head;
        ch->out_head = p->next;
        if (!ch->out_head)
            ch->out_tail = NULL;
        ch->backlog--;
        free(p);
        progress = true;
    }
    if (!ch->out_head && ch->h2g.ctl->pending_send_sz) {
        __atomic_store_n(&ch->h2g.ctl->pending_send_sz, 0, __ATOMIC_RELEASE);
        ch->h2g_waiting = false;
    }
    return progress;
}

bool hs_chan_step(struct hvsim_chan *ch)
{
    if (ch->st.corrupt)
        return false;
    bool progress = false;
    bool polls = hvsim_cfg()->host_polls;
    /* Drain what the guest sent, if we were told (or poll). */
    uint32_t w = __atomic_load_n(&ch->g2h.ctl->write_index, __ATOMIC_ACQUIRE);
    if (w != ch->g2h.idx) {
        if (ch->rx_paused) {
            /* The device model stopped reading: the guest's ring fills. */
        } else if (ch->g2h_active || polls) {
            while (!ch->st.corrupt && read_one(ch))
                progress = true;
            if (!ch->st.corrupt) {
                ch->g2h_active = false;
                ch->g2h_armed = true;       /* empty again, interrupt_mask clear */
            }
        } else if (!ch->g2h_lost_reported) {
            ch->g2h_lost_reported = true;
            hvsim_violate(HVV_SIGNAL_LOST,
                          "relid %u: guest wrote to the empty ring without signalling "
                          "(the host would never look)",
                          ch->relid);
        }
    }
    if (ch->st.corrupt)
        return progress;
    /* A wake-up the guest owed us: space crossed pending_send_sz silently. */
    if (!ch->h2g_lost_reported && h2g_space_owed(ch)) {
        ch->h2g_lost_reported = true;
        hvsim_violate(HVV_SIGNAL_LOST,
                      "relid %u: ring_free reached the host's pending_send_sz %u but the "
                      "guest did not signal",
                      ch->relid, ch->h2g.ctl->pending_send_sz);
    }
    if (!ch->st.corrupt)
        progress |= flush_outbox(ch);
    return progress;
}

/* --- Hostile host ------------------------------------------------------------------------- */
void hvsim_ring_set_indices(struct hvsim_chan *ch, bool h2g, uint32_t wi, uint32_t ri)
{
    struct hs_ring *r = h2g ? &ch->h2g : &ch->g2h;
    r->ctl->write_index = wi;
    r->ctl->read_index = ri;
    if (!h2g)
        r->idx = ri;
    if (h2g) {
        r->idx = wi;
        ch->h2g_rd = ri;
        if (!r->ctl->interrupt_mask)
            signal_guest(ch);
    }
}

void hvsim_ring_write_raw(struct hvsim_chan *ch, const void *bytes, size_t len, uint32_t advance)
{
    struct hs_ring *r = &ch->h2g;
    ring_io(r, r->idx, (void *)bytes, len, true);
    uint32_t start = r->idx;
    r->idx = (uint32_t)((r->idx + (uint64_t)advance) % r->dsize);
    __atomic_store_n(&r->ctl->write_index, r->idx, __ATOMIC_RELEASE);
    if (r->ctl->read_index == start && !r->ctl->interrupt_mask)
        signal_guest(ch);
}
