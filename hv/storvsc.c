/* storvsc: disks on Hyper-V's synthetic SCSI controller (and on the Gen1
 * IDE accelerator channels), over VMBus.
 *
 * What it is: Hyper-V gives a VM its disks not as emulated hardware but as
 * a VMBus channel to the host's storage service (storvsp). Each SCSI
 * controller in the VM's settings is one channel (class ba6163d9-...);
 * each Gen1 IDE disk also has an accelerator channel (class 32412632-...)
 * speaking the same protocol for one disk. The guest sends SCSI commands
 * wrapped in SRBs ("SCSI request blocks", the Windows storport structure)
 * and points the host at its buffers by guest physical address; the host
 * does the I/O and completes each request. Wire format and sources:
 * storvsc_reg.h (openvmm vm/devices/storage/storvsp is the host side,
 * Linux drivers/scsi/storvsc_drv.c a guest).
 *
 * The conversation on the channel (each request in-band with completion
 * requested; the host completes it, status in an NTSTATUS):
 *   BEGIN_INITIALIZATION
 *   QUERY_PROTOCOL_VERSION 6.2, then 6.0, 5.1, 4.2, 2.0 until one succeeds
 *   QUERY_PROPERTIES       -> the largest transfer (openvmm: 256 KiB)
 *   END_INITIALIZATION
 *   EXECUTE_SRB ...        one per SCSI command: GPA-direct with one range
 *                          naming the data buffer's pages when it moves
 *                          data, in-band otherwise; many in flight, each
 *                          keyed by its transaction id
 *   host: ENUMERATE_BUS / REMOVE_DEVICE (unsolicited) -> rescan
 * The handshake uses the shared request/response helper (vmbus_xact.c);
 * SCSI commands have their own table of slots, since they complete from
 * the worker while the SCSI layer keeps queueing.
 *
 * Above it the SCSI layer (blk/scsi.h) scans targets and LUNs and turns
 * disks into blk devices; storvsc only moves commands. Errors reach the
 * caller as scsi_cmd.host_status: -ENODEV (no such LUN, or the channel
 * was rescinded), -EAGAIN (host busy), -ETIMEDOUT (no completion within
 * the command's timeout: the slot is freed, and a completion arriving
 * later is logged and dropped), -EIO (host failure or malformed reply).
 * Timeouts are checked while someone waits through the `wait` operation
 * (every synchronous command and the scan do: each wait slice that passes
 * counts), and by the clock on every channel event. (Not from `queue`:
 * finishing a command there would re-enter the SCSI layer.)
 *
 * Slots move FREE -> SETUP -> INFLIGHT -> DONE -> FREE by compare-and-swap,
 * so the host's completion, a timeout and a rescind can race for one
 * command and exactly one of them finishes it (minnow's threads are
 * cooperative on one CPU today; the rule costs nothing and keeps it true
 * if that changes).
 *
 * Run it: on Hyper-V (Gen1 or Gen2), the disks appear at boot as blkN
 * (`blk` in the shell lists them); append `trace=storvsc` to the kernel
 * line to see every packet. Here: `make test-hv` runs it against the
 * simulator's storvsp (tests/hvsim/hvsim_storvsc.c), and
 * `make hv-demo-storvsc` shows a traced session. */
#include "blk/scsi.h"
#include "hv/hv_platform.h"
#include "hv/storvsc.h"
#include "hv/storvsc_reg.h"
#include "hv/vmbus.h"
#include "hv/vmbus_xact.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "lib/fmt.h"
#include "lib/strlist.h"
#include "lib/string.h"

TRACE_FLAG(storvsc, "Hyper-V synthetic SCSI packets (vstor operations, SRBs)");

#define STORVSC_RING_BYTES  (128 * 1024)   /* per direction: Linux's default */
#define STORVSC_SLOTS       32             /* commands in flight; ~600 B each in the ring */
#define STORVSC_MAX_XFER    (256 * 1024)   /* our ceiling on the host's limit */
#define STORVSC_PFNS        (STORVSC_MAX_XFER / 4096 + 1)
#define STORVSC_INIT_MS     5000           /* per handshake step, as Linux */
#define STORVSC_CMD_MS      30000          /* a command's default timeout */
#define STORVSC_SLICE_MS    100            /* timeout granularity while waiting */
#define STORVSC_TARGETS     2              /* Linux STORVSC_MAX_TARGETS */
#define STORVSC_LUNS        64             /* FreeBSD's limit; Linux scans 255 */
#define STORVSC_RX_BYTES    128            /* the largest valid packet is 64 */

static const uint16_t versions[] = { VSTOR_VER_WIN10, VSTOR_VER_BLUE, VSTOR_VER_WIN8, VSTOR_VER_WIN7,
                                     VSTOR_VER_WIN6 };

enum { SLOT_FREE, SLOT_SETUP, SLOT_INFLIGHT, SLOT_DONE };

struct storvsc_slot {
    uint32_t state;                 /* SLOT_*, moved by compare-and-swap */
    uint64_t id;                    /* transaction id while in flight */
    struct scsi_cmd *cmd;
    uint32_t waited_ms, timeout_ms;
    uint64_t start_ns;              /* hvp_now_ns() when queued */
};

struct storvsc {
    struct scsi_host host;
    struct vmbus_channel *ch;
    struct vmbus_xact_ctx xact;
    uint16_t version;
    uint8_t pkt_len;                /* 64, or 48 before 5.1 */
    uint8_t sense_len;              /* 20, or 18 before 5.1 */
    uint8_t ide_target;             /* IDE: the one disk's target id */
    bool ide, added, gone, rescan_queued;
    uint64_t next_id;
    struct storvsc_slot slot[STORVSC_SLOTS];
    struct storvsc_stats st;
};

/* --- Tracing --------------------------------------------------------------- */

static const char *op_name(uint32_t op)
{
    /* VSTOR_OP_* by number, 0 to 11 (lib/strlist.h) */
    return op < 12 ? strlist_nth("?\0COMPLETE_IO\0REMOVE_DEVICE\0EXECUTE_SRB\0RESET_LUN\0RESET_ADAPTER\0RESET_BUS\0"
                                 "BEGIN_INITIALIZATION\0END_INITIALIZATION\0QUERY_PROTOCOL_VERSION\0"
                                 "QUERY_PROPERTIES\0ENUMERATE_BUS", op) : "?";
}

/* One line per packet. Replies carry COMPLETE_IO; `req` is the operation
 * they answer, which says how to decode the body: the version, the
 * properties, an SRB's address, CDB and length going out, its SRB status,
 * SCSI status, sense length and bytes moved coming back. */
static void trace_pkt(const char *dir, uint64_t id, const struct vstor_packet *p, uint32_t req)
{
    if (!trace_storvsc)
        return;
    const struct vstor_srb *r = &p->u.srb;
    bool reply = p->operation == VSTOR_OP_COMPLETE_IO;
    kprintf("storvsc: %s %s", dir, op_name(p->operation));
    if (reply)
        kprintf(" (%s) status %#x", op_name(req), p->status);
    if (id)
        kprintf(" id %#llx", (unsigned long long)id);
    if (req == VSTOR_OP_QUERY_VERSION) {
        kprintf(" version %u.%u", p->u.version.major_minor >> 8, p->u.version.major_minor & 0xFF);
    } else if (req == VSTOR_OP_QUERY_PROPERTIES && reply) {
        kprintf(" max_transfer %u subchannels %u flags %#x", p->u.props.max_transfer_bytes,
                p->u.props.max_channel_cnt, p->u.props.flags);
    } else if (req == VSTOR_OP_EXECUTE_SRB && !reply) {
        char cdb[3 * VSTOR_CDB_MAX + 1] = "";
        for (unsigned i = 0; i < r->cdb_length && i < VSTOR_CDB_MAX; i++)
            fmt_snprintf(cdb + 3 * i, 4, " %02x", r->cdb_or_sense[i]);
        kprintf(" %u:%u:%u cdb%s len %u %s", r->path_id, r->target_id, r->lun, cdb, r->data_transfer_length,
                r->data_in == VSTOR_DATA_IN ? "in" : r->data_in == VSTOR_DATA_OUT ? "out" : "none");
    } else if (req == VSTOR_OP_EXECUTE_SRB) {
        kprintf(" srb_status %#x scsi_status %#x sense %u len %u", r->srb_status, r->scsi_status,
                r->sense_info_length, r->data_transfer_length);
    }
    kprintf("\n");
}

/* --- Handshake --------------------------------------------------------------- */

/* One handshake step: p goes out, the completion comes back in p. */
static int vstor_step(struct storvsc *sc, struct vstor_packet *p, uint32_t op)
{
    p->operation = op;
    p->flags = VSTOR_FLAG_REQUEST_COMPLETION;
    p->status = 0;
    trace_pkt("->", 0, p, op);
    struct vstor_packet r;
    size_t len = 0;
    memset(&r, 0, sizeof r);
    /* NOTE: 64 bytes even before a pre-5.1 version is chosen: Hyper-V
     * accepts them during initialization (openvmm parse_packet says so,
     * and Linux relies on it). */
    int err = vmbus_xact(sc->ch, &sc->xact, p, VSTOR_PKT_WIN8, &r, sizeof r, &len, STORVSC_INIT_MS);
    if (err)
        return err;
    if (len < VSTOR_HDR_SIZE || r.operation != VSTOR_OP_COMPLETE_IO) {
        pr_err("storvsc: malformed completion (%zu bytes, operation %u)\n", len, r.operation);
        sc->st.bad++;
        return -EPROTO;
    }
    trace_pkt("<-", 0, &r, op);
    *p = r;                         /* short replies read as zeros past their end */
    return 0;
}

static int handshake(struct storvsc *sc)
{
    struct vstor_packet p;
    memset(&p, 0, sizeof p);
    int err = vstor_step(sc, &p, VSTOR_OP_BEGIN_INIT);
    if (!err && p.status)
        err = -EIO;
    for (size_t i = 0; !err && i < sizeof versions / sizeof versions[0]; i++) {
        memset(&p, 0, sizeof p);
        p.u.version.major_minor = versions[i];
        err = vstor_step(sc, &p, VSTOR_OP_QUERY_VERSION);
        if (!err && p.status == VSTOR_NT_SUCCESS) {
            sc->version = versions[i];
            break;
        }
    }
    if (!err && !sc->version) {
        pr_err("storvsc: the host accepts none of our protocol versions\n");
        err = -EPROTO;
    }
    if (err)
        return err;
    bool win8 = sc->version >= VSTOR_VER_WIN8;
    sc->pkt_len = win8 ? VSTOR_PKT_WIN8 : VSTOR_PKT_WIN7;
    sc->sense_len = win8 ? VSTOR_SENSE_WIN8 : VSTOR_SENSE_WIN7;

    memset(&p, 0, sizeof p);
    err = vstor_step(sc, &p, VSTOR_OP_QUERY_PROPERTIES);
    if (err || p.status)
        return err ? err : -EIO;
    /* Linux rounds the host's limit down to whole pages; a host that says
     * less than a page still gets page-sized commands. */
    uint32_t max = p.u.props.max_transfer_bytes & ~4095u;
    if (max < 4096)
        pr_warn("storvsc: host max transfer %u bytes; using 4096\n", p.u.props.max_transfer_bytes);
    sc->host.max_transfer = max < 4096 ? 4096 : max > STORVSC_MAX_XFER ? STORVSC_MAX_XFER : max;

    memset(&p, 0, sizeof p);
    err = vstor_step(sc, &p, VSTOR_OP_END_INIT);
    return err ? err : p.status ? -EIO : 0;
}

/* --- Commands ----------------------------------------------------------------- */

/* Frees s and hands its command back to the SCSI layer (which may queue
 * the next one at once, so the slot is free first). */
static void slot_finish(struct storvsc *sc, struct storvsc_slot *s)
{
    struct scsi_cmd *c = s->cmd;
    s->cmd = NULL;
    s->id = 0;
    c->drv = NULL;
    __atomic_store_n(&s->state, SLOT_FREE, __ATOMIC_RELEASE);
    scsi_cmd_done(&sc->host, c);
}

/* Claims s for completion unless someone else (the host's completion, a
 * timeout, a rescind) already did. */
static bool slot_claim_done(struct storvsc_slot *s)
{
    uint32_t expect = SLOT_INFLIGHT;
    return __atomic_compare_exchange_n(&s->state, &expect, SLOT_DONE, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static int storvsc_queue(struct scsi_host *h, struct scsi_cmd *c)
{
    struct storvsc *sc = h->priv;
    if (sc->gone || sc->ch->state != VMBUS_CHAN_OPEN)
        return -ENODEV;
    if (c->cdb_len == 0 || c->cdb_len > VSTOR_CDB_MAX || c->len > h->max_transfer ||
        (c->dir == SCSI_DIR_NONE) != (c->len == 0) || c->target >= h->max_target || c->lun >= h->max_lun)
        return -EINVAL;
    struct storvsc_slot *s = NULL;
    for (size_t i = 0; i < STORVSC_SLOTS && !s; i++) {
        uint32_t expect = SLOT_FREE;
        if (__atomic_compare_exchange_n(&sc->slot[i].state, &expect, SLOT_SETUP, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            s = &sc->slot[i];
    }
    if (!s)
        return -EBUSY;
    /* Ids start at 1 (storage hosts use 0 for their own messages) and are
     * never reused, so a late completion cannot match a newer command. */
    s->id = __atomic_add_fetch(&sc->next_id, 1, __ATOMIC_RELAXED) & ~VMBUS_XACT_ID_MASK;
    s->cmd = c;
    s->waited_ms = 0;
    s->timeout_ms = c->timeout_ms ? c->timeout_ms : STORVSC_CMD_MS;
    s->start_ns = hvp_now_ns();
    c->drv = s;
    c->host_status = 0;
    c->status = 0;
    c->sense_len = 0;
    c->resid = 0;

    struct vstor_packet p;
    memset(&p, 0, sizeof p);
    p.operation = VSTOR_OP_EXECUTE_SRB;
    p.flags = VSTOR_FLAG_REQUEST_COMPLETION;
    struct vstor_srb *r = &p.u.srb;
    r->length = (uint16_t)(sc->pkt_len - VSTOR_HDR_SIZE);
    r->target_id = sc->ide ? sc->ide_target : (uint8_t)c->target;
    r->lun = (uint8_t)c->lun;
    r->cdb_length = c->cdb_len;
    r->sense_info_length = sc->sense_len;
    r->data_in = c->dir == SCSI_DIR_IN ? VSTOR_DATA_IN : c->dir == SCSI_DIR_OUT ? VSTOR_DATA_OUT : VSTOR_DATA_UNKNOWN;
    r->data_transfer_length = c->len;
    memcpy(r->cdb_or_sense, c->cdb, c->cdb_len);
    r->srb_flags = SRB_FLAGS_DISABLE_SYNCH_TRANSFER |
                   (c->dir == SCSI_DIR_IN ? SRB_FLAGS_DATA_IN : c->dir == SCSI_DIR_OUT ? SRB_FLAGS_DATA_OUT : 0);
    r->time_out_value = (s->timeout_ms + 999) / 1000;
    trace_pkt("->", s->id, &p, VSTOR_OP_EXECUTE_SRB);

    __atomic_store_n(&s->state, SLOT_INFLIGHT, __ATOMIC_RELEASE);
    int err;
    if (c->len) {
        /* One range over the buffer's pages (physically contiguous). */
        uint64_t pfns[STORVSC_PFNS];
        struct vmbus_gpa_buf b = { .offset = (uint32_t)(c->buf_bus & 4095), .len = c->len, .pfns = pfns };
        b.npfns = (b.offset + c->len + 4095) / 4096;
        for (size_t i = 0; i < b.npfns; i++)
            pfns[i] = (c->buf_bus >> 12) + i;
        err = vmbus_send_gpa(sc->ch, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, s->id, &b, 1, &p, sc->pkt_len);
    } else {
        err = vmbus_send(sc->ch, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, s->id, &p,
                         sc->pkt_len);
    }
    if (err) {
        if (slot_claim_done(s)) {
            s->cmd = NULL;
            s->id = 0;
            c->drv = NULL;
            __atomic_store_n(&s->state, SLOT_FREE, __ATOMIC_RELEASE);
        }
        return err == -EAGAIN ? -EBUSY : err == -EPIPE ? -ENODEV : -EIO;
    }
    sc->st.commands++;
    return 0;
}

/* The host's answer to an SRB, into c. */
static void srb_result(struct storvsc *sc, struct scsi_cmd *c, const struct vstor_packet *p, size_t len)
{
    const struct vstor_srb *r = &p->u.srb;
    /* Everything read below lies in the pre-5.1 part of the SRB. */
    if (len < VSTOR_PKT_WIN7 || p->operation != VSTOR_OP_COMPLETE_IO) {
        pr_err("storvsc: malformed completion (%zu bytes, operation %u)\n", len, p->operation);
        sc->st.bad++;
        c->host_status = -EIO;
        return;
    }
    unsigned code = SRB_STATUS_CODE(r->srb_status);
    switch (code) {
    case SRB_STATUS_INVALID_LUN: case SRB_STATUS_INVALID_TARGET_ID: case SRB_STATUS_NO_DEVICE:
    case SRB_STATUS_SELECTION_TIMEOUT: case SRB_STATUS_NO_HBA: case SRB_STATUS_INVALID_PATH_ID:
        c->host_status = -ENODEV;
        return;
    case SRB_STATUS_BUSY: case SRB_STATUS_BUS_RESET: case SRB_STATUS_REQUEST_FLUSHED: case SRB_STATUS_ABORTED:
        c->host_status = -EAGAIN;
        return;
    case SRB_STATUS_TIMEOUT: case SRB_STATUS_COMMAND_TIMEOUT:
        c->host_status = -ETIMEDOUT;
        return;
    }
    /* The target answered when the SRB succeeded (or moved less data than
     * asked) or when it returned a SCSI status of its own. */
    if (code != SRB_STATUS_SUCCESS && code != SRB_STATUS_DATA_OVERRUN && r->scsi_status == SCSI_STATUS_GOOD) {
        pr_err("storvsc: %u:%u: SRB status %#x, NTSTATUS %#x\n", c->target, c->lun, r->srb_status, p->status);
        c->host_status = -EIO;
        return;
    }
    if (r->data_transfer_length > c->len) {
        pr_err("storvsc: host moved %u bytes of a %u-byte command\n", r->data_transfer_length, c->len);
        sc->st.bad++;
        c->host_status = -EIO;
        return;
    }
    c->status = r->scsi_status;
    c->resid = c->len - r->data_transfer_length;
    if ((r->srb_status & SRB_STATUS_AUTOSENSE_VALID) && r->scsi_status == SCSI_STATUS_CHECK_CONDITION) {
        unsigned n = r->sense_info_length < sc->sense_len ? r->sense_info_length : sc->sense_len;
        memcpy(c->sense, r->cdb_or_sense, n);
        c->sense_len = (uint8_t)n;
    }
}

static void on_completion(struct storvsc *sc, uint64_t id, const struct vstor_packet *p, size_t len)
{
    if ((id & VMBUS_XACT_ID_MASK) == VMBUS_XACT_ID_TAG && vmbus_xact_complete(&sc->xact, id, p, len))
        return;
    trace_pkt("<-", id, p, VSTOR_OP_EXECUTE_SRB);
    for (size_t i = 0; i < STORVSC_SLOTS; i++) {
        struct storvsc_slot *s = &sc->slot[i];
        if (id && __atomic_load_n(&s->id, __ATOMIC_ACQUIRE) == id && slot_claim_done(s)) {
            if (s->id != id) {          /* freed and reused meanwhile: not ours */
                __atomic_store_n(&s->state, SLOT_INFLIGHT, __ATOMIC_RELEASE);
                continue;
            }
            srb_result(sc, s->cmd, p, len);
            sc->st.completed++;
            slot_finish(sc, s);
            return;
        }
    }
    /* A command we timed out, or an id the host made up. */
    sc->st.unknown++;
    pr_warn("storvsc: completion for unknown id %#llx (late or bogus; dropped)\n", (unsigned long long)id);
}

/* Times out commands that waited too long -- aged by `ms` more of timed-out
 * waits, or older by the clock -- or fails every command once the channel
 * is gone. */
static void sweep(struct storvsc *sc, uint32_t ms)
{
    bool gone = sc->gone || sc->ch->state != VMBUS_CHAN_OPEN;
    uint64_t now = hvp_now_ns();
    for (size_t i = 0; i < STORVSC_SLOTS; i++) {
        struct storvsc_slot *s = &sc->slot[i];
        if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_INFLIGHT)
            continue;
        s->waited_ms += ms;
        bool late = s->waited_ms >= s->timeout_ms || now - s->start_ns >= s->timeout_ms * 1000000ull;
        if ((!gone && !late) || !slot_claim_done(s))
            continue;
        struct scsi_cmd *c = s->cmd;
        if (gone) {
            c->host_status = -ENODEV;
            sc->st.gone++;
        } else {
            pr_err("storvsc: %u:%u: command %#x (id %#llx) timed out after %u ms\n", c->target, c->lun, c->cdb[0],
                   (unsigned long long)s->id, s->timeout_ms);
            c->host_status = -ETIMEDOUT;
            sc->st.timeouts++;
        }
        slot_finish(sc, s);
    }
}

/* --- Host notifications and the channel callback --------------------------------- */

static void storvsc_remove(struct vmbus_channel *ch);

/* Named by relid: by now the channel may be gone, or its relid reused by
 * another device (then its driver is not ours). */
static void rescan_deferred(void *arg)
{
    struct vmbus_channel *ch = vmbus_channel_by_relid((uint32_t)(uintptr_t)arg);
    struct storvsc *sc = ch && ch->state == VMBUS_CHAN_OPEN && ch->driver && ch->driver->remove == storvsc_remove
                             ? ch->priv
                             : NULL;
    if (!sc || !sc->added || sc->gone)
        return;
    sc->rescan_queued = false;
    scsi_host_rescan(&sc->host);
}

static void on_inband(struct storvsc *sc, const struct vstor_packet *p, size_t len)
{
    if (len < VSTOR_HDR_SIZE ||
        (p->operation != VSTOR_OP_ENUMERATE_BUS && p->operation != VSTOR_OP_REMOVE_DEVICE)) {
        pr_err("storvsc: unexpected %zu-byte packet, operation %u (dropped)\n", len,
               len >= 4 ? p->operation : 0);
        sc->st.bad++;
        return;
    }
    trace_pkt("<-", 0, p, p->operation);
    /* Both mean "the LUNs changed": scan again (as Linux does), from a
     * context that may wait, once however many notices arrive meanwhile. */
    sc->st.enumerates++;
    if (!sc->rescan_queued) {
        sc->rescan_queued = true;           /* during the first scan: after it */
        if (sc->added)
            hvp_defer(rescan_deferred, (void *)(uintptr_t)sc->ch->relid);
    }
}

static void storvsc_event(struct vmbus_channel *ch)
{
    struct storvsc *sc = ch->priv;
    if (!sc)
        return;
    for (int n = 0; n < 128; n++) {     /* bounded; the rest on the next round */
        union {
            struct vstor_packet p;
            uint8_t b[STORVSC_RX_BYTES];
        } u;
        struct vmbus_rx_pkt pkt;
        struct vmbus_xfer_range ranges[1];
        memset(&u.p, 0, sizeof u.p);
        int err = vmbus_recv_pkt(ch, u.b, sizeof u.b, &pkt, ranges, 1);
        if (err == -EAGAIN || err == -EIO) {
            sweep(sc, 0);
            return;
        }
        if (!err && pkt.type == VMBUS_PKT_COMP) {
            on_completion(sc, pkt.trans_id, &u.p, pkt.len);
        } else if (!err && pkt.type == VMBUS_PKT_DATA_INBAND) {
            on_inband(sc, &u.p, pkt.len);
        } else {
            pr_err("storvsc: packet type %u id %#llx dropped (error %d)\n", pkt.type,
                   (unsigned long long)pkt.trans_id, err);
            sc->st.bad++;
        }
    }
    vmbus_channel_reschedule(ch);
}

/* --- The SCSI host's operations ------------------------------------------------ */

struct swait {
    struct storvsc *sc;
    bool (*cond)(void *arg);
    void *arg;
};

static bool swait_cond(void *arg)
{
    struct swait *w = arg;
    if (w->cond(w->arg))
        return true;
    if (!w->sc->gone && w->sc->ch->state == VMBUS_CHAN_OPEN)
        return false;
    for (size_t i = 0; i < STORVSC_SLOTS; i++)     /* gone: commands to fail? */
        if (__atomic_load_n(&w->sc->slot[i].state, __ATOMIC_ACQUIRE) == SLOT_INFLIGHT)
            return true;
    return false;
}

/* Waits in slices; each slice that passes without cond ages the commands
 * in flight by its length, so a command that never completes is timed out
 * while anyone waits (in the kernel a slice is real time; hosted, it is
 * the simulator going idle). */
static int storvsc_wait(struct scsi_host *h, bool (*cond)(void *arg), void *arg, uint64_t timeout_ms)
{
    struct swait w = { h->priv, cond, arg };
    uint64_t left = timeout_ms;
    for (unsigned spins = 0; spins < 1000;) {
        uint32_t slice = left < STORVSC_SLICE_MS ? (uint32_t)left : STORVSC_SLICE_MS;
        int timed_out = hvp_wait_until(swait_cond, &w, slice);
        sweep(w.sc, timed_out ? slice : 0);
        if (cond(arg))
            return 0;
        if (timed_out) {
            left -= slice;
            if (!left)
                return -ETIMEDOUT;
        } else {
            spins++;
        }
    }
    return -ETIMEDOUT;
}

static void *storvsc_buf_alloc(struct scsi_host *h, size_t bytes, uint64_t *bus)
{
    (void)h;
    return hvp_alloc_pages((bytes + 4095) / 4096, bus);
}

static void storvsc_buf_free(struct scsi_host *h, void *buf, size_t bytes)
{
    (void)h;
    hvp_free_pages(buf, (bytes + 4095) / 4096);
}

static const struct scsi_host_ops storvsc_ops = {
    .queue = storvsc_queue,
    .wait = storvsc_wait,
    .buf_alloc = storvsc_buf_alloc,
    .buf_free = storvsc_buf_free,
};

const struct storvsc_stats *storvsc_stats(const struct scsi_host *h)
{
    return &((const struct storvsc *)h->priv)->st;
}

uint16_t storvsc_version(const struct scsi_host *h) { return ((const struct storvsc *)h->priv)->version; }

/* --- Probe and remove ------------------------------------------------------------ */

static void storvsc_free(struct vmbus_channel *ch, struct storvsc *sc)
{
    vmbus_close(ch);
    ch->priv = NULL;
    hvp_free(sc);
}

static int storvsc_probe_common(struct vmbus_channel *ch, bool ide)
{
    struct storvsc *sc = hvp_zalloc(sizeof *sc);
    if (!sc)
        return -ENOMEM;
    sc->ch = ch;
    sc->ide = ide;
    vmbus_xact_init(&sc->xact);
    ch->priv = sc;
    /* Open data: the channel properties, zeroed (Linux does the same). */
    struct vstor_props props;
    memset(&props, 0, sizeof props);
    int err = vmbus_open(ch, STORVSC_RING_BYTES, STORVSC_RING_BYTES, &props, sizeof props, storvsc_event);
    if (err) {
        ch->priv = NULL;
        hvp_free(sc);
        return err;
    }
    err = handshake(sc);
    if (err) {
        pr_err("storvsc: relid %u: initialization failed (error %d)\n", ch->relid, err);
        storvsc_free(ch, sc);
        return err;
    }
    struct scsi_host *h = &sc->host;
    h->driver = "storvsc";
    /* An IDE accelerator channel carries one disk, whose target the
     * instance GUID names (Linux storvsc_probe: bytes 5:4); the SCSI layer
     * sees it as target 0, LUN 0. */
    sc->ide_target = ch->offer.if_instance.b[4];
    h->max_target = ide ? 1 : STORVSC_TARGETS;
    h->max_lun = ide ? 1 : STORVSC_LUNS;
    h->self_target = 0xFFFF;
    h->can_queue = STORVSC_SLOTS;
    h->ops = &storvsc_ops;
    h->priv = sc;
    kprintf("storvsc: relid %u: %s, protocol %u.%u, max transfer %u KiB\n", ch->relid,
            ide ? "IDE accelerator" : "SCSI controller", sc->version >> 8, sc->version & 0xFF,
            h->max_transfer / 1024);
    err = scsi_host_add(h);
    if (err) {
        sc->gone = true;
        sweep(sc, 0);
        storvsc_free(ch, sc);
        return err;
    }
    sc->added = true;
    if (sc->rescan_queued)                  /* the LUNs changed while we scanned */
        hvp_defer(rescan_deferred, (void *)(uintptr_t)ch->relid);
    return 0;
}

/* Rescind (or shutdown): commands in flight fail with -ENODEV, the disks
 * go, then the channel. */
static void storvsc_remove(struct vmbus_channel *ch)
{
    struct storvsc *sc = ch->priv;
    if (!sc)
        return;
    sc->gone = true;
    sweep(sc, 0);
    if (sc->added)
        scsi_host_remove(&sc->host);
    storvsc_free(ch, sc);
}

/* The GUID arguments are one macro: expand it before VMBUS_GUID counts them. */
#define GUID_OF(...) VMBUS_GUID(__VA_ARGS__)

static int storvsc_probe_scsi(struct vmbus_channel *ch) { return storvsc_probe_common(ch, false); }
static int storvsc_probe_ide(struct vmbus_channel *ch) { return storvsc_probe_common(ch, true); }

VMBUS_DRIVER(storvsc_scsi, .name = "storvsc", .probe = storvsc_probe_scsi, .remove = storvsc_remove,
             .class_id = GUID_OF(STORVSC_SCSI_GUID_ARGS));
VMBUS_DRIVER(storvsc_ide, .name = "storvsc-ide", .probe = storvsc_probe_ide, .remove = storvsc_remove,
             .class_id = GUID_OF(STORVSC_IDE_GUID_ARGS));
