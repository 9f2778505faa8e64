/* libFuzzer target: the guest's ring-buffer code (hv/ring.c) and
 * vmbus_recv/vmbus_send (hv/vmbus.c) over rings whose control page and
 * data area the fuzzer controls -- the host is hostile and may write any
 * index, descriptor or length.
 *
 * Each input builds two rings (inbound: the guest consumes; outbound: the
 * guest produces) over exactly sized heap allocations (control page of
 * sizeof(struct vmbus_ring_ctl), data area of D bytes, D any multiple of 8
 * from 16 up, or 1..4 pages), so ASan reports any read or write outside
 * them, then runs a sequence of operations: guest reads (vmbus_recv, and
 * vmbus_recv_pkt with a receive buffer for transfer pages, and
 * peek/copy_out/consume directly), guest writes (vmbus_send,
 * vmbus_ring_write with several pieces), and host moves (new indices,
 * raw bytes, mask and pending_send_sz changes).
 *
 * Invariants checked (abort = a finding):
 *   - vmbus_recv returns only 0, -EAGAIN, -EMSGSIZE or -EIO, and on 0 the
 *     length fits the caller's buffer and matches the descriptor;
 *   - vmbus_recv_pkt (also -EPROTO) accepts transfer pages only of the
 *     registered set, with ranges inside the buffer and the caller's array;
 *   - every index the guest writes (inbound read_index, outbound
 *     write_index) is < D and 8-aligned, and the guest never consumes more
 *     than the host had published;
 *   - a successful write reads back (peek + copy_out from the old write
 *     index) as the same packet: type, flags, trans_id, length, payload and
 *     trailer;
 *   - on -EIO / -EAGAIN / -EMSGSIZE from a write, the ring is unchanged.
 * hv_signal_event() is a no-op here (no hypercall page: -ENODEV).
 *
 * Build and run: `make fuzz` (long), `make test` (bounded); see
 * tests/hvsim/rules.mk. Reproduce a crash: build/fuzz/fuzz_ring <file>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/ring.h"
#include "hv/vmbus.h"
#include "kernel/errno.h"

#define FUZZ_NAME "fuzz_ring"
#include "tests/hvsim/fuzz_input.h"

/* An index: mostly a valid one (mod D, 8-aligned), sometimes raw. */
static uint32_t pick_index(struct in *s, uint32_t d)
{
    uint8_t mode = u8(s);
    uint32_t raw = (mode & 0x80) ? u32(s) : u16(s);
    if ((mode & 0x0F) == 0x0F)
        return raw;                 /* hostile: anything */
    return (raw % d) & ~7u;
}

static bool idx_ok(uint32_t i, uint32_t d) { return i < d && !(i & 7); }
static uint32_t used_of(uint32_t w, uint32_t r, uint32_t d) { return w >= r ? w - r : d - r + w; }

static void check_guest_read_index(const struct vmbus_ring *r, uint32_t old_rd, uint32_t old_wr)
{
    uint32_t rd = r->ctl->read_index;
    if (rd == old_rd)
        return;
    if (!idx_ok(rd, r->size))
        FAILF("inbound read_index %u set by the guest (D %u) out of range/unaligned", rd, r->size);
    if (!idx_ok(old_rd, r->size) || !idx_ok(old_wr, r->size))
        FAILF("guest moved read_index %u -> %u of a ring with corrupt indices (w %u, D %u)", old_rd, rd, old_wr,
              r->size);
    uint32_t was_used = used_of(old_wr, old_rd, r->size);
    uint32_t step = used_of(rd, old_rd, r->size);
    if (step > was_used)
        FAILF("guest consumed %u bytes of %u published (read %u -> %u, write %u, D %u)", step, was_used, old_rd, rd,
              old_wr, r->size);
}

/* A successful write must read back as the packet written. */
static void check_written(struct vmbus_ring *r, uint32_t old_w, uint16_t type, uint16_t flags, uint64_t tid,
                          const uint8_t *payload, size_t len)
{
    uint32_t w = r->ctl->write_index;
    if (!idx_ok(w, r->size))
        FAILF("outbound write_index %u set by the guest (D %u) out of range/unaligned", w, r->size);
    size_t body = 16 + ((len + 7) & ~(size_t)7);
    if (used_of(w, old_w, r->size) != body + 8)
        FAILF("write of %zu bytes advanced write_index %u -> %u (D %u), expected %zu", len, old_w, w, r->size,
              body + 8);
    /* Read it back through the consumer code, from a copy of the control page. */
    struct vmbus_ring_ctl *ctl = malloc(sizeof *ctl);
    memcpy(ctl, r->ctl, sizeof *ctl);
    ctl->read_index = old_w;
    struct vmbus_ring view = { ctl, r->data, r->size };
    struct vmbus_pkt_desc d;
    int n = vmbus_ring_peek(&view, &d);
    if (n != (int)body || d.type != type || d.flags != flags || d.trans_id != tid || d.offset8 != 2)
        FAILF("written packet reads back wrong: peek %d (want %zu) type %u/%u flags %u/%u", n, body, d.type, type,
              d.flags, flags);
    uint8_t *back = malloc(len + 1);
    vmbus_ring_copy_out(&view, 16, back, len);
    if (memcmp(back, payload, len))
        FAILF("written payload of %zu bytes reads back different", len);
    uint64_t trailer;
    vmbus_ring_copy_out(&view, (uint32_t)body, &trailer, 8);
    if (trailer >> 32 != old_w)
        FAILF("trailer %#llx does not name the start index %u", (unsigned long long)trailer, old_w);
    free(back);
    free(ctl);
}

static void check_unchanged(const struct vmbus_ring *r, uint32_t old_w, int err, const char *what)
{
    if (r->ctl->write_index != old_w)
        FAILF("%s failed with %d but moved write_index %u -> %u", what, err, old_w, r->ctl->write_index);
}

struct rings {
    struct vmbus_ring in, out;
    size_t d_in, d_out;
};

static uint32_t pick_size(struct in *s)
{
    uint16_t v = u16(s);
    if (v & 0x8000)
        return 4096u * (1 + (v & 3));          /* what the kernel uses: whole pages */
    return 8u * (2 + (v % 1023));              /* 16 .. 8192, any multiple of 8 */
}

static void ring_new(struct vmbus_ring *r, uint32_t d, struct in *s)
{
    r->ctl = calloc(1, sizeof *r->ctl);
    r->data = malloc(d);
    r->size = d;
    /* Data: the input's bytes, cycled (so descriptors repeat at wraps). */
    size_t take = s->n < 512 ? s->n : 512;
    if (take) {
        for (uint32_t i = 0; i < d; i++)
            r->data[i] = s->p[i % take];
    } else {
        memset(r->data, 0, d);
    }
    r->ctl->feature_bits = u8(s) & 1 ? VMBUS_RING_FEAT_PENDING_SEND_SZ : 0;
    r->ctl->write_index = pick_index(s, d);
    r->ctl->read_index = pick_index(s, d);
    r->ctl->interrupt_mask = u8(s) & 1;
    r->ctl->pending_send_sz = u8(s) & 1 ? u32(s) : 0;
}

static int do_recv(struct vmbus_channel *ch, struct in *s)
{
    size_t cap = u16(s) % 10000;
    uint8_t *buf = malloc(cap ? cap : 1);
    size_t len = 0xDEADBEEF;
    struct vmbus_pkt_desc desc;
    uint32_t rd = ch->in.ctl->read_index, wr = ch->in.ctl->write_index;
    int err = vmbus_recv(ch, buf, cap, &len, &desc);
    if (err != 0 && err != -EAGAIN && err != -EMSGSIZE && err != -EIO)
        FAILF("vmbus_recv returned %d (not 0/-EAGAIN/-EMSGSIZE/-EIO)", err);
    if (err == 0 && len > cap)
        FAILF("vmbus_recv returned %zu bytes into a %zu-byte buffer", len, cap);
    if ((err == 0 || err == -EMSGSIZE) && len != (size_t)desc.len8 * 8 - (size_t)desc.offset8 * 8)
        FAILF("vmbus_recv length %zu disagrees with len8 %u offset8 %u", len, desc.len8, desc.offset8);
    if ((err == -EAGAIN || err == -EIO) && ch->in.ctl->read_index != rd)
        FAILF("vmbus_recv returned %d but moved read_index %u -> %u", err, rd, ch->in.ctl->read_index);
    check_guest_read_index(&ch->in, rd, wr);
    free(buf);
    return err;
}

/* vmbus_recv_pkt (hv/vmbus_chan.c) with a receive buffer and a range
 * array of fuzzer-chosen sizes (the array exactly sized on the heap). */
static int do_recv_pkt(struct vmbus_channel *ch, struct in *s)
{
    size_t cap = u16(s) % 10000, max_ranges = u8(s) % 17;
    vmbus_chan_set_rxbuf(ch, u8(s) & 1 ? 0xCAFE : u16(s), (uint32_t)u16(s) << (u8(s) % 17));
    uint8_t *buf = malloc(cap ? cap : 1);
    struct vmbus_xfer_range *ranges = malloc(max_ranges ? max_ranges * sizeof *ranges : 1);
    struct vmbus_rx_pkt pkt;
    uint32_t rd = ch->in.ctl->read_index, wr = ch->in.ctl->write_index;
    int err = vmbus_recv_pkt(ch, buf, cap, &pkt, ranges, max_ranges);
    if (err != 0 && err != -EAGAIN && err != -EMSGSIZE && err != -EIO && err != -EPROTO)
        FAILF("vmbus_recv_pkt returned %d", err);
    if (err == 0 && pkt.len > cap)
        FAILF("vmbus_recv_pkt returned %zu bytes into a %zu-byte buffer", pkt.len, cap);
    if (err == 0 && pkt.type == VMBUS_PKT_DATA_XFER_PAGES) {
        if (pkt.nranges == 0 || pkt.nranges > max_ranges || pkt.xfer_set_id != ch->rxbuf_set_id)
            FAILF("vmbus_recv_pkt accepted %u ranges (max %zu), set %u", pkt.nranges, max_ranges,
                  pkt.xfer_set_id);
        for (uint32_t i = 0; i < pkt.nranges; i++)
            if ((uint64_t)ranges[i].byte_offset + ranges[i].byte_count > ch->rxbuf_size)
                FAILF("vmbus_recv_pkt accepted range %u+%u past a %u-byte buffer", ranges[i].byte_offset,
                      ranges[i].byte_count, ch->rxbuf_size);
    }
    if ((err == -EAGAIN || err == -EIO) && ch->in.ctl->read_index != rd)
        FAILF("vmbus_recv_pkt returned %d but moved read_index %u -> %u", err, rd, ch->in.ctl->read_index);
    check_guest_read_index(&ch->in, rd, wr);
    free(ranges);
    free(buf);
    return err;
}

static void do_peek_consume(struct vmbus_ring *r, struct in *s)
{
    struct vmbus_pkt_desc d;
    uint32_t rd = r->ctl->read_index, wr = r->ctl->write_index;
    int n = vmbus_ring_peek(r, &d);
    if (n < 0 && n != -EIO)
        FAILF("vmbus_ring_peek returned %d", n);
    if (n > 0) {
        if ((uint32_t)n + 8 > used_of(wr, rd, r->size))
            FAILF("peek returned %d bytes of %u published", n, used_of(wr, rd, r->size));
        /* Copy out a piece inside the packet, as callers do. */
        uint32_t off = u16(s) % (uint32_t)n;
        uint32_t len = u16(s) % ((uint32_t)n - off + 1);
        uint8_t *tmp = malloc(len + 1);
        vmbus_ring_copy_out(r, off, tmp, len);
        free(tmp);
        vmbus_ring_consume(r, (uint32_t)n);
    } else if (u8(s) & 1) {
        /* consume without a successful peek: must stay in range anyway */
        vmbus_ring_consume(r, u16(s) & ~7u);
    }
    check_guest_read_index(r, rd, wr);
}

static void do_write(struct vmbus_channel *ch, struct in *s, bool via_send)
{
    struct vmbus_ring *r = &ch->out;
    size_t len = u16(s) % 9000;
    uint8_t *payload = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        payload[i] = (uint8_t)(i * 7 + 1);
    uint16_t type = via_send ? VMBUS_PKT_DATA_INBAND : u16(s), flags = u16(s);
    uint64_t tid = u64(s);
    uint32_t old_w = r->ctl->write_index, old_r = r->ctl->read_index;
    int err;
    if (via_send) {
        err = vmbus_send(ch, type, flags, tid, payload, len);
        if (err != 0 && err != -EAGAIN && err != -EMSGSIZE && err != -EIO)
            FAILF("vmbus_send returned %d", err);
    } else {
        /* Up to three pieces of the payload. */
        struct vmbus_iov iov[3];
        size_t a = len ? u16(s) % (len + 1) : 0, b = len - a ? u16(s) % (len - a + 1) : 0;
        iov[0] = (struct vmbus_iov){ payload, a };
        iov[1] = (struct vmbus_iov){ payload + a, b };
        iov[2] = (struct vmbus_iov){ payload + a + b, len - a - b };
        bool sig;
        err = vmbus_ring_write(r, type, flags, tid, iov, 3, &sig);
        if (err != 0 && err != -EAGAIN && err != -EMSGSIZE && err != -EIO)
            FAILF("vmbus_ring_write returned %d", err);
        if (sig && err)
            FAILF("vmbus_ring_write failed (%d) but asks for a signal", err);
    }
    if (r->ctl->read_index != old_r)
        FAILF("a write moved the consumer's read_index %u -> %u", old_r, r->ctl->read_index);
    if (err == 0)
        check_written(r, old_w, type, flags, tid, payload, len);
    else
        check_unchanged(r, old_w, err, via_send ? "vmbus_send" : "vmbus_ring_write");
    free(payload);
}

/* The host (producer of in, consumer of out) does something. */
static void do_host(struct rings *rg, struct in *s)
{
    uint8_t what = u8(s);
    struct vmbus_ring *r = (what & 0x10) ? &rg->out : &rg->in;
    switch (what & 7) {
    case 0:
        r->ctl->write_index = pick_index(s, r->size);
        break;
    case 1:
        r->ctl->read_index = pick_index(s, r->size);
        break;
    case 2: {                       /* raw bytes at an offset of the data area */
        uint32_t at = u16(s) % r->size;
        uint8_t n = u8(s);
        for (unsigned i = 0; i < n && at + i < r->size; i++)
            r->data[at + i] = u8(s);
        break;
    }
    case 3:
        r->ctl->interrupt_mask = u8(s) & 1;
        break;
    case 4:
        r->ctl->pending_send_sz = u32(s);
        break;
    case 5:
        r->ctl->feature_bits = u8(s);
        break;
    case 6: {                       /* a well-formed packet from the host into in */
        struct vmbus_ring *h = &rg->in;
        uint32_t w = h->ctl->write_index;
        if (!idx_ok(w, h->size))
            break;
        uint16_t len8 = (uint16_t)(2 + u8(s) % 64), off8 = (uint16_t)(2 + u8(s) % len8);
        if (off8 > len8)
            off8 = len8;
        struct vmbus_pkt_desc d = { .type = u16(s), .offset8 = off8, .len8 = len8, .flags = u16(s),
                                    .trans_id = u64(s) };
        uint32_t total = len8 * 8u + 8;
        if (total + 8 > h->size)
            break;
        uint8_t *pkt = calloc(1, total);
        memcpy(pkt, &d, sizeof d);
        for (uint32_t i = sizeof d; i < len8 * 8u; i++)
            pkt[i] = u8(s);
        uint64_t trailer = (uint64_t)w << 32;
        memcpy(pkt + len8 * 8, &trailer, 8);
        for (uint32_t i = 0; i < total; i++)
            h->data[(w + i) % h->size] = pkt[i];
        h->ctl->write_index = (w + total) % h->size;
        free(pkt);
        break;
    }
    default:                        /* host drains out (consumer catches up) */
        rg->out.ctl->read_index = rg->out.ctl->write_index;
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in s = { data, size };
    struct rings rg;
    uint32_t d_in = pick_size(&s), d_out = pick_size(&s);
    ring_new(&rg.in, d_in, &s);
    ring_new(&rg.out, d_out, &s);

    struct vmbus_channel *ch = calloc(1, sizeof *ch);
    ch->relid = 1;
    ch->conn_id = 1;
    ch->state = VMBUS_CHAN_OPEN;
    ch->ring_mem = rg.in.ctl;       /* only tested for NULL by vmbus_recv */
    ch->in = rg.in;
    ch->out = rg.out;

    for (int ops = 0; ops < 256 && s.n; ops++) {
        uint8_t op = u8(&s);
        switch (op % 6) {
        case 0:
        case 1:
            /* Drain like a driver callback: until empty or an error;
             * op 1 through vmbus_recv_pkt (transfer pages). */
            for (int k = 0, e = 0; k < 64; k++) {
                e = op % 6 ? do_recv_pkt(ch, &s) : do_recv(ch, &s);
                if (e == -EAGAIN || e == -EIO || ch->in.ctl->read_index == ch->in.ctl->write_index)
                    break;
            }
            break;
        case 2:
            do_peek_consume(&ch->in, &s);
            break;
        case 3:
            do_write(ch, &s, true);
            break;
        case 4:
            do_write(ch, &s, false);
            break;
        default: {
            struct rings cur = { ch->in, ch->out, 0, 0 };
            do_host(&cur, &s);
            break;
        }
        }
        if (op & 0x80) {            /* mask/unmask like the worker does */
            vmbus_ring_mask(&ch->in);
            vmbus_ring_unmask(&ch->in);
        }
    }
    free(ch);
    free(rg.in.ctl);
    free(rg.in.data);
    free(rg.out.ctl);
    free(rg.out.data);
    return 0;
}
