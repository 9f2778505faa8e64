/* VMBus ring buffers.
 *
 * An open channel has two rings in one GPADL: guest->host ("out") first,
 * then host->guest ("in"). Each ring is a 4 KiB control page (struct
 * vmbus_ring_ctl: write_index, read_index, interrupt_mask, pending_send_sz,
 * feature_bits) followed by a data area of D bytes. The producer owns
 * write_index and pending_send_sz, the consumer read_index and
 * interrupt_mask. Indices are byte offsets into the data area, 8-aligned.
 *
 * A packet is: a 16-byte descriptor {type, offset8, len8, flags, trans_id},
 * a type-specific header, the payload at offset8 x 8, zero padding to
 * len8 x 8, and an 8-byte trailer whose high 32 bits are the write index
 * at which the packet began. Packets wrap freely at the end of the data
 * area -- even the descriptor may be split -- so every copy here is done
 * in up to two pieces (Linux avoids this by mapping the data pages twice).
 *
 * Space: used = (write - read) mod D; the ring may never become full
 * (full would look empty), so a packet of L bytes (trailer included) fits
 * when D - used >= L + 8 (Linux hv_ringbuffer_write requires free > L,
 * openvmm free - 8 >= L; with 8-aligned sizes both mean the same).
 *
 * Signalling (Linux drivers/hv/ring_buffer.c hv_signal_on_write /
 * hv_pkt_iter_close; openvmm vm/devices/vmbus/vmbus_ring/src/lib.rs):
 *  - a producer signals only when the ring was empty before its write and
 *    the consumer's interrupt_mask is clear -- Hyper-V treats extra
 *    interrupts as abuse;
 *  - a consumer that frees space signals only when the free space F
 *    (D - used) goes from F_old <= P to F_new > P, P being the producer's
 *    pending_send_sz (feature bit 0 of the ring says the producer uses
 *    it). Linux hv_pkt_iter_close returns early when F_new - read > P or
 *    F_new <= P; openvmm commit_read counts ring_free = F - 8 and signals
 *    when old_free < P <= new_free -- the same rule, since F is a multiple
 *    of 8. The boundary matters: a producer needs F > L to write L bytes,
 *    so a signal at F_new == P would wake it too early, and then none
 *    would come when F_old == P.
 *
 * Everything the host wrote (indices, descriptors) is validated before use:
 * a corrupt ring yields -EIO and is never read or written out of bounds. */
#include "hv/ring.h"
#include "kernel/errno.h"
#include "lib/string.h"

#define RING_CTL_SIZE 4096u

static inline void full_barrier(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

void vmbus_ring_init(struct vmbus_ring *r, void *mem, size_t pages)
{
    r->ctl = mem;
    r->data = (uint8_t *)mem + RING_CTL_SIZE;
    r->size = (uint32_t)((pages - 1) * 4096);
    /* We use pending_send_sz on our outbound ring and honour the host's on
     * the inbound one (Linux sets the bit in both). */
    r->ctl->feature_bits = VMBUS_RING_FEAT_PENDING_SEND_SZ;
}

static bool index_ok(const struct vmbus_ring *r, uint32_t i) { return i < r->size && (i & 7) == 0; }

static int used_bytes(const struct vmbus_ring *r, uint32_t w, uint32_t rd, uint32_t *used)
{
    if (!index_ok(r, w) || !index_ok(r, rd))
        return -EIO;
    *used = w >= rd ? w - rd : r->size - rd + w;
    return 0;
}

int vmbus_ring_avail_read(const struct vmbus_ring *r, uint32_t *bytes)
{
    return used_bytes(r, r->ctl->write_index, r->ctl->read_index, bytes);
}

int vmbus_ring_avail_write(const struct vmbus_ring *r, uint32_t *bytes)
{
    uint32_t used;
    int err = used_bytes(r, r->ctl->write_index, r->ctl->read_index, &used);
    if (err)
        return err;
    *bytes = r->size - used;
    return 0;
}

/* Copies into the data area at offset `at` (wrapping); returns the next offset. */
static uint32_t put(struct vmbus_ring *r, uint32_t at, const void *src, size_t len)
{
    if (len == 0)                   /* an empty piece may have no buffer */
        return at;
    size_t first = len < r->size - at ? len : r->size - at;
    memcpy(r->data + at, src, first);
    memcpy(r->data, (const uint8_t *)src + first, len - first);
    return (uint32_t)((at + len) % r->size);
}

static uint32_t get(const struct vmbus_ring *r, uint32_t at, void *dst, size_t len)
{
    size_t first = len < r->size - at ? len : r->size - at;
    memcpy(dst, r->data + at, first);
    memcpy((uint8_t *)dst + first, r->data, len - first);
    return (uint32_t)((at + len) % r->size);
}

int vmbus_ring_write(struct vmbus_ring *r, uint16_t type, uint16_t flags, uint64_t trans_id,
                     const struct vmbus_iov *iov, size_t niov, bool *signal)
{
    return vmbus_ring_write_hdr(r, type, flags, trans_id, 0, iov, niov, signal);
}

int vmbus_ring_write_hdr(struct vmbus_ring *r, uint16_t type, uint16_t flags, uint64_t trans_id,
                         size_t hdr_len, const struct vmbus_iov *iov, size_t niov, bool *signal)
{
    static const uint8_t zeros[8];
    size_t payload = 0;
    for (size_t i = 0; i < niov; i++)
        payload += iov[i].len;
    size_t body = sizeof(struct vmbus_pkt_desc) + ((payload + 7) & ~(size_t)7);
    size_t total = body + VMBUS_PKT_TRAILER_SIZE;
    *signal = false;
    if (hdr_len % 8 || hdr_len > payload || body > 0xFFFFu * 8 || total + 8 > r->size)
        return -EMSGSIZE;

    uint32_t old_write = r->ctl->write_index, rd = r->ctl->read_index, used;
    if (used_bytes(r, old_write, rd, &used))
        return -EIO;
    if (r->size - used < total + 8)
        return -EAGAIN;

    struct vmbus_pkt_desc d = {
        .type = type, .offset8 = (uint16_t)((sizeof d + hdr_len) / 8), .len8 = (uint16_t)(body / 8),
        .flags = flags, .trans_id = trans_id,
    };
    uint32_t at = put(r, old_write, &d, sizeof d);
    for (size_t i = 0; i < niov; i++)
        at = put(r, at, iov[i].base, iov[i].len);
    at = put(r, at, zeros, (8 - (payload & 7)) & 7);
    uint64_t trailer = (uint64_t)old_write << 32;
    at = put(r, at, &trailer, sizeof trailer);

    full_barrier();                 /* packet visible before the index */
    r->ctl->write_index = at;
    full_barrier();                 /* index visible before reading mask/read */
    *signal = !r->ctl->interrupt_mask && r->ctl->read_index == old_write;
    return 0;
}

int vmbus_ring_peek(const struct vmbus_ring *r, struct vmbus_pkt_desc *desc)
{
    uint32_t rd = r->ctl->read_index, used;
    if (used_bytes(r, r->ctl->write_index, rd, &used))
        return -EIO;
    if (used == 0)
        return 0;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);    /* index before contents */
    if (used < sizeof *desc + VMBUS_PKT_TRAILER_SIZE)
        return -EIO;
    get(r, rd, desc, sizeof *desc);
    uint32_t len = (uint32_t)desc->len8 * 8;
    if (desc->offset8 < 2 || desc->len8 < desc->offset8 || len + VMBUS_PKT_TRAILER_SIZE > used)
        return -EIO;
    return (int)len;
}

void vmbus_ring_copy_out(const struct vmbus_ring *r, uint32_t off, void *dst, size_t len)
{
    get(r, (uint32_t)((r->ctl->read_index + off) % r->size), dst, len);
}

bool vmbus_ring_consume(struct vmbus_ring *r, uint32_t pkt_len)
{
    uint32_t rd = r->ctl->read_index, used;
    if (used_bytes(r, r->ctl->write_index, rd, &used))
        return false;
    uint32_t step = pkt_len + VMBUS_PKT_TRAILER_SIZE;
    if (step > used)
        step = used;                /* peek validated it; stay in range anyway */
    uint32_t old_free = r->size - used, new_free = old_free + step;
    full_barrier();                 /* done reading before the slot is given back */
    r->ctl->read_index = (rd + step) % r->size;
    full_barrier();
    if (!(r->ctl->feature_bits & VMBUS_RING_FEAT_PENDING_SEND_SZ))
        return false;
    /* The producer asked to hear when more than `pending` bytes are free:
     * signal on that crossing only (old <= pending < new), never again
     * after. Read after the new read_index is visible (Linux
     * hv_pkt_iter_close orders them with virt_mb()). An unaligned value
     * needs no rounding: F is a multiple of 8, so F <= P and F <= P & ~7
     * agree (openvmm masks the low bits). */
    uint32_t pending = r->ctl->pending_send_sz;
    return pending && old_free <= pending && new_free > pending;
}

void vmbus_ring_mask(struct vmbus_ring *r)
{
    r->ctl->interrupt_mask = 1;
    full_barrier();
}

bool vmbus_ring_unmask(struct vmbus_ring *r)
{
    r->ctl->interrupt_mask = 0;
    full_barrier();                 /* unmask before the final look */
    uint32_t used;
    return vmbus_ring_avail_read(r, &used) == 0 && used != 0;
}
