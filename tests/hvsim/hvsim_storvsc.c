/* hvsim storvsp: the host side of Hyper-V's synthetic SCSI controller.
 *
 * Written from the host's rules, not from minnow's guest: openvmm
 * vm/devices/storage/storvsp/src/lib.rs (Microsoft's storvsp) for the
 * protocol state machine and the shape of every completion, its
 * scsi_defs for SRB status codes, and SPC-4 / SBC-3 for the SCSI commands
 * the disks answer. What it enforces, each a logged violation (counted in
 * hvsim_violations() as HVV_CHANNEL and in s->violations):
 *   - every guest packet in-band or GPA-direct, with completion requested
 *     (openvmm: NotTransactional), at least the 12-byte vstor header;
 *   - the initialization order BEGIN_INITIALIZATION, QUERY_PROTOCOL_VERSION
 *     (unknown versions answered REVISION_MISMATCH, not a violation),
 *     QUERY_PROPERTIES, END_INITIALIZATION; anything else answered
 *     INVALID_DEVICE_STATE as openvmm does;
 *   - once ready, each EXECUTE_SRB exactly 12 + 52 bytes (12 + 36 before
 *     protocol 5.1): Windows guests are held to exact sizes, and so is
 *     minnow here;
 *   - data only by one GPA-direct range at least data_transfer_length
 *     long (openvmm Range::new), no transfer above max_transfer, the
 *     direction (data_in) matching the command, CDB length 1..16.
 * Completions are what openvmm sends: operation COMPLETE_IO, the NTSTATUS
 * its convert_srb_status_to_nt_status gives, the SRB with srb_status
 * (AUTOSENSE_VALID when sense follows), scsi_status, bytes moved and the
 * sense in the CDB area, zero-padded to 12 + the request's SRB size.
 * ENUMERATE_BUS goes out in-band with transaction id 0 on hot add/remove
 * (openvmm sends it from version 4.2 on). REPORT LUNS is the VSP's own; an
 * absent LUN answers INQUIRY with peripheral 0x7F and everything else
 * with SRB status INVALID_LUN. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv/storvsc_reg.h"
#include "tests/hvsim/hvsim_int.h"
#include "tests/hvsim/hvsim_storvsc.h"

#define GUID_OF(...) HVSIM_GUID(__VA_ARGS__)    /* expands the argument list first */
const struct vmbus_guid hvsim_storvsc_scsi_class = GUID_OF(STORVSC_SCSI_GUID_ARGS);
const struct vmbus_guid hvsim_storvsc_ide_class = GUID_OF(STORVSC_IDE_GUID_ARGS);

enum { STOR_BEGIN, STOR_VERSION, STOR_PROPERTIES, STOR_END, STOR_READY };

#define MAX_PENDING 128

struct pending {
    uint64_t trans_id;
    unsigned due;
    uint32_t len;
    uint8_t data[VSTOR_PKT_WIN8];
};
struct pending_q {
    unsigned n, step;
    struct pending p[MAX_PENDING];
};

/* SCSI opcodes (SPC-4, SBC-3). */
enum {
    OP_TEST_UNIT_READY = 0x00, OP_REQUEST_SENSE = 0x03, OP_INQUIRY = 0x12, OP_READ_CAPACITY10 = 0x25,
    OP_READ10 = 0x28, OP_WRITE10 = 0x2A, OP_SYNC_CACHE10 = 0x35, OP_READ16 = 0x88, OP_WRITE16 = 0x8A,
    OP_SYNC_CACHE16 = 0x91, OP_SERVICE_IN16 = 0x9E, OP_REPORT_LUNS = 0xA0,
};
/* Sense keys and codes. */
enum { SK_NOT_READY = 2, SK_MEDIUM_ERROR = 3, SK_ILLEGAL_REQUEST = 5, SK_UNIT_ATTENTION = 6 };

struct result {
    uint8_t srb_status, scsi_status;
    uint32_t tx;
    bool sense;
    uint8_t sense_data[18];
};

static void violate(struct hvsim_storvsc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void violate(struct hvsim_storvsc *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->last_violation, sizeof s->last_violation, fmt, ap);
    va_end(ap);
    s->violations++;
    hvsim_violate(HVV_CHANNEL, "storvsp: %s", s->last_violation);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }
static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}
static void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

/* CHECK CONDITION with fixed-format sense (SPC-4 4.5.3). */
static void check_condition(struct result *r, struct hvsim_stor_lun *l, uint8_t key, uint8_t asc, uint8_t ascq,
                            bool info, uint64_t info_val)
{
    memset(r, 0, sizeof *r);
    r->srb_status = SRB_STATUS_ERROR | SRB_STATUS_AUTOSENSE_VALID;
    r->scsi_status = 0x02;
    r->sense = true;
    uint8_t *d = r->sense_data;
    d[0] = info ? 0xF0 : 0x70;
    d[2] = key;
    put_be32(d + 3, (uint32_t)info_val);
    d[7] = 10;
    d[12] = asc;
    d[13] = ascq;
    if (l)
        memcpy(l->last_sense, d, 18);
}

static void good(struct result *r, uint32_t tx)
{
    memset(r, 0, sizeof *r);
    r->srb_status = SRB_STATUS_SUCCESS;
    r->tx = tx;
}

/* --- Guest memory through the request's one GPA range -------------------- */

struct range {
    uint32_t off, len;
    const uint8_t *pfns;            /* unaligned u64s in the packet */
};

/* Copies n bytes at byte pos of the range to (to_guest) or from buf. */
static bool range_copy(const struct range *g, uint32_t pos, uint8_t *buf, uint32_t n, bool to_guest)
{
    while (n) {
        uint64_t at = (uint64_t)g->off + pos;
        uint64_t pfn;
        memcpy(&pfn, g->pfns + 8 * (at / HVSIM_PAGE), 8);
        uint32_t in = (uint32_t)(at % HVSIM_PAGE), chunk = HVSIM_PAGE - in < n ? HVSIM_PAGE - in : n;
        uint8_t *p = hvsim_gpa_ptr((pfn << 12) + in, chunk);
        if (!p)
            return false;
        if (to_guest)
            memcpy(p, buf, chunk);
        else
            memcpy(buf, p, chunk);
        pos += chunk;
        buf += chunk;
        n -= chunk;
    }
    return true;
}

/* --- SCSI commands ---------------------------------------------------------- */

static void inquiry(struct hvsim_stor_lun *l, unsigned lun, const uint8_t *cdb, uint8_t *out, uint32_t *n,
                    struct result *r)
{
    uint32_t alloc = (uint32_t)cdb[3] << 8 | cdb[4];
    memset(out, 0, 256);
    if (!(cdb[1] & 1) && cdb[2] == 0) {
        out[0] = l ? 0x00 : 0x7F;               /* direct access, or no LUN */
        out[2] = 0x06;                          /* SPC-4 */
        out[3] = 0x02;
        out[4] = 31;
        out[7] = 0x02;                          /* CmdQue */
        if (l || lun == 0)
            memcpy(out + 8, "Msft    Virtual Disk    1.0 ", 28);
        *n = 36;
    } else if (!l || !(cdb[1] & 1)) {
        check_condition(r, l, SK_ILLEGAL_REQUEST, 0x24, 0, false, 0);
        return;
    } else if (cdb[2] == 0x00) {                /* supported pages */
        out[3] = 3;
        out[5] = 0x80;
        out[6] = 0x83;
        *n = 7;
    } else if (cdb[2] == 0x80) {                /* unit serial number */
        out[1] = 0x80;
        size_t sl = strlen(l->serial);
        out[3] = (uint8_t)sl;
        memcpy(out + 4, l->serial, sl);
        *n = 4 + (uint32_t)sl;
    } else if (cdb[2] == 0x83) {                /* device identification: one T10 vendor id */
        out[1] = 0x83;
        size_t sl = strlen(l->serial);
        out[4] = 0x02;                          /* code set ASCII */
        out[5] = 0x01;                          /* association LUN, type T10 vendor id */
        out[7] = (uint8_t)(8 + sl);
        memcpy(out + 8, "Msft    ", 8);
        memcpy(out + 16, l->serial, sl);
        out[3] = (uint8_t)(4 + 8 + sl);
        *n = 4 + out[3];
    } else {
        check_condition(r, l, SK_ILLEGAL_REQUEST, 0x24, 0, false, 0);
        return;
    }
    if (*n > alloc)
        *n = alloc;
    good(r, *n);
}

/* READ/WRITE (10/16) against the image file. */
static void rw(struct hvsim_storvsc *s, struct hvsim_stor_lun *l, const uint8_t *cdb, bool write, bool is16,
               const struct range *g, uint32_t dtl, struct result *r)
{
    uint64_t lba = is16 ? be64(cdb + 2) : be32(cdb + 2);
    uint32_t count = is16 ? be32(cdb + 10) : (uint32_t)cdb[7] << 8 | cdb[8];
    uint64_t bytes = (uint64_t)count * l->sector_size;
    if (lba > l->sectors || count > l->sectors - lba) {
        check_condition(r, l, SK_ILLEGAL_REQUEST, 0x21, 0, false, 0);     /* LBA out of range */
        return;
    }
    if (bytes != dtl) {
        violate(s, "%s of %u sectors (%llu bytes) with a %u-byte buffer", write ? "WRITE" : "READ", count,
                (unsigned long long)bytes, dtl);
        check_condition(r, l, SK_ILLEGAL_REQUEST, 0x24, 0, false, 0);
        return;
    }
    if (l->medium_error && l->medium_error_lba >= lba && l->medium_error_lba < lba + count) {
        /* Unrecovered read error / write error, the LBA in the information field. */
        check_condition(r, l, SK_MEDIUM_ERROR, write ? 0x0C : 0x11, 0, true, l->medium_error_lba);
        return;
    }
    uint8_t *buf = malloc(bytes ? bytes : 1);
    bool ok = true;
    if (write) {
        ok = range_copy(g, 0, buf, (uint32_t)bytes, false) &&
             pwrite(l->fd, buf, bytes, (off_t)(lba * l->sector_size)) == (ssize_t)bytes;
        l->writes++;
        l->write_bytes += bytes;
    } else {
        ok = pread(l->fd, buf, bytes, (off_t)(lba * l->sector_size)) == (ssize_t)bytes &&
             range_copy(g, 0, buf, (uint32_t)bytes, true);
        l->reads++;
        l->read_bytes += bytes;
    }
    free(buf);
    if (!ok)
        check_condition(r, l, SK_MEDIUM_ERROR, 0x11, 0, false, 0);
    else
        good(r, (uint32_t)bytes);
}

static bool is_media_cmd(uint8_t op)
{
    return op == OP_TEST_UNIT_READY || op == OP_READ10 || op == OP_WRITE10 || op == OP_READ16 ||
           op == OP_WRITE16 || op == OP_READ_CAPACITY10 || op == OP_SERVICE_IN16 || op == OP_SYNC_CACHE10 ||
           op == OP_SYNC_CACHE16;
}

/* The data direction each command needs (-1: any). */
static int cmd_dir(uint8_t op)
{
    switch (op) {
    case OP_WRITE10: case OP_WRITE16: return VSTOR_DATA_OUT;
    case OP_READ10: case OP_READ16: case OP_INQUIRY: case OP_READ_CAPACITY10: case OP_SERVICE_IN16:
    case OP_REPORT_LUNS: case OP_REQUEST_SENSE: return VSTOR_DATA_IN;
    default: return -1;
    }
}

static void execute(struct hvsim_storvsc *s, const struct vstor_srb *q, const struct range *g, struct result *r)
{
    const uint8_t *cdb = q->cdb_or_sense;
    uint8_t op = cdb[0];
    struct hvsim_stor_lun *l = q->path_id == 0 && q->target_id == 0 && q->lun < HVSIM_STOR_LUNS &&
                                       s->lun[q->lun].present ? &s->lun[q->lun] : NULL;
    uint8_t out[512];
    uint32_t n = 0;
    memset(r, 0, sizeof *r);
    if (op == OP_REPORT_LUNS) {
        memset(out, 0, sizeof out);
        for (unsigned i = 0; i < HVSIM_STOR_LUNS; i++)
            if (q->path_id == 0 && q->target_id == 0 && s->lun[i].present)
                out[8 + 8 * n++ + 1] = (uint8_t)i;
        put_be32(out, 8 * n);
        n = 8 + 8 * n;
        /* SPC-4 6.33: REPORT LUNS clears REPORTED LUNS DATA HAS CHANGED. */
        if (l && l->unit_attention && l->ua_asc == 0x3F && l->ua_ascq == 0x0E)
            l->unit_attention = false;
        if (n > q->data_transfer_length)
            n = q->data_transfer_length < 8 ? 0 : q->data_transfer_length;
        good(r, n);
    } else if (op == OP_INQUIRY) {
        inquiry(l, q->lun, cdb, out, &n, r);
    } else if (!l) {
        r->srb_status = SRB_STATUS_INVALID_LUN;
        r->scsi_status = 0x02;
        return;
    } else if (l->unit_attention && op != OP_REQUEST_SENSE) {
        l->unit_attention = false;
        check_condition(r, l, SK_UNIT_ATTENTION, l->ua_asc, l->ua_ascq, false, 0);
        return;
    } else if (l->not_ready && is_media_cmd(op)) {
        l->not_ready--;
        check_condition(r, l, SK_NOT_READY, 0x04, 0x01, false, 0);        /* becoming ready */
        return;
    } else if (op == OP_TEST_UNIT_READY) {
        good(r, 0);
    } else if (op == OP_REQUEST_SENSE) {
        memcpy(out, l->last_sense[0] ? l->last_sense : (const uint8_t[18]){ 0x70, 0, 0, 0, 0, 0, 0, 10 }, 18);
        memset(l->last_sense, 0, sizeof l->last_sense);
        n = cdb[4] < 18 ? cdb[4] : 18;
        good(r, n);
    } else if (op == OP_READ_CAPACITY10) {
        put_be32(out, l->sectors - 1 > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)(l->sectors - 1));
        put_be32(out + 4, l->sector_size);
        good(r, n = 8);
    } else if (op == OP_SERVICE_IN16 && (cdb[1] & 0x1F) == 0x10) {             /* READ CAPACITY(16) */
        memset(out, 0, 32);
        put_be64(out, l->sectors - 1);
        put_be32(out + 8, l->sector_size);
        n = be32(cdb + 10) < 32 ? be32(cdb + 10) : 32;
        good(r, n);
    } else if (op == OP_READ10 || op == OP_READ16 || op == OP_WRITE10 || op == OP_WRITE16) {
        rw(s, l, cdb, op == OP_WRITE10 || op == OP_WRITE16, op == OP_READ16 || op == OP_WRITE16, g,
           q->data_transfer_length, r);
        return;
    } else if (op == OP_SYNC_CACHE10 || op == OP_SYNC_CACHE16) {
        l->flushes++;
        good(r, 0);
    } else {
        check_condition(r, l, SK_ILLEGAL_REQUEST, 0x20, 0, false, 0);     /* invalid opcode */
        return;
    }
    /* Data-in results produced here: into the guest's buffer. */
    if (r->srb_status == SRB_STATUS_SUCCESS && n) {
        if (n > q->data_transfer_length)
            n = r->tx = q->data_transfer_length;
        if (!range_copy(g, 0, out, n, true))
            check_condition(r, l, SK_ILLEGAL_REQUEST, 0x24, 0, false, 0);
    }
}

/* --- Packets ---------------------------------------------------------------- */

static uint32_t nt_status(uint8_t srb_status)
{
    switch (SRB_STATUS_CODE(srb_status)) {
    case SRB_STATUS_SUCCESS: return VSTOR_NT_SUCCESS;
    case SRB_STATUS_BUSY: return VSTOR_NT_DEVICE_BUSY;
    case SRB_STATUS_INVALID_LUN: case SRB_STATUS_INVALID_TARGET_ID: case SRB_STATUS_NO_DEVICE:
    case SRB_STATUS_NO_HBA: return VSTOR_NT_DEVICE_DOES_NOT_EXIST;
    case SRB_STATUS_BAD_FUNCTION: case SRB_STATUS_BAD_SRB_BLOCK_LENGTH: return VSTOR_NT_INVALID_DEVICE_REQUEST;
    case SRB_STATUS_DATA_OVERRUN: return VSTOR_NT_BUFFER_OVERFLOW;
    default: return VSTOR_NT_IO_DEVICE_ERROR;
    }
}

static void send_pkt(struct hvsim_storvsc *s, uint16_t type, uint64_t id, const void *data, uint32_t len)
{
    struct pending_q *q = s->pending;
    if (type == VMBUS_PKT_COMP && s->complete_delay && q->n < MAX_PENDING) {
        struct pending *p = &q->p[q->n++];
        p->trans_id = id;
        p->due = q->step + s->complete_delay;
        p->len = len;
        memcpy(p->data, data, len);
        if (q->n > s->max_pending)
            s->max_pending = q->n;
        return;
    }
    if (type == VMBUS_PKT_COMP)
        s->completions++;
    hvsim_chan_send(s->ch, type, 0, id, data, len);
}

/* A completion: the header, then body zero-padded or cut to req_len. */
static void complete(struct hvsim_storvsc *s, uint64_t id, uint32_t status, const void *body, size_t body_len,
                     uint32_t req_len)
{
    struct vstor_packet p;
    memset(&p, 0, sizeof p);
    p.operation = VSTOR_OP_COMPLETE_IO;
    p.status = status;
    if (body)
        memcpy(&p.u, body, body_len < req_len ? body_len : req_len);
    send_pkt(s, VMBUS_PKT_COMP, id, &p, VSTOR_HDR_SIZE + req_len);
}

static void srb_complete(struct hvsim_storvsc *s, uint64_t id, const struct vstor_srb *q, const struct result *r,
                         uint32_t req_len)
{
    struct vstor_srb a;
    memset(&a, 0, sizeof a);
    a.length = sizeof a;
    a.srb_status = r->srb_status;
    a.scsi_status = r->scsi_status;
    a.path_id = q->path_id;
    a.target_id = q->target_id;
    a.lun = q->lun;
    a.cdb_length = q->cdb_length;
    a.data_in = q->data_in;
    a.data_transfer_length = r->tx;
    if (r->sense) {
        a.sense_info_length = q->sense_info_length < 18 ? q->sense_info_length : 18;
        memcpy(a.cdb_or_sense, r->sense_data, a.sense_info_length);
    }
    uint32_t status = nt_status(r->srb_status);
    enum hvsim_stor_hostile h = s->hostile;
    s->hostile = HVSIM_STOR_OK;
    switch (h) {
    case HVSIM_STOR_SHORT: {
        struct vstor_packet p = { .operation = VSTOR_OP_COMPLETE_IO };
        send_pkt(s, VMBUS_PKT_COMP, id, &p, 8);
        return;
    }
    case HVSIM_STOR_BOGUS_ID: complete(s, id ^ 0x5A5A0000ull, status, &a, sizeof a, req_len); break;
    case HVSIM_STOR_DUPLICATE: complete(s, id, status, &a, sizeof a, req_len); break;
    case HVSIM_STOR_GARBAGE_STATUS: a.srb_status = 0x3F; a.scsi_status = 0; status = 0xDEADBEEF; break;
    case HVSIM_STOR_OVERLONG: a.data_transfer_length = q->data_transfer_length + 4096; break;
    case HVSIM_STOR_HUGE_SENSE:
        a.srb_status = SRB_STATUS_ERROR | SRB_STATUS_AUTOSENSE_VALID;
        a.scsi_status = 0x02;
        a.sense_info_length = 255;
        memset(a.cdb_or_sense, 0x70, sizeof a.cdb_or_sense);
        break;
    case HVSIM_STOR_WRONG_OP: {
        struct vstor_packet p;
        memset(&p, 0, sizeof p);
        p.operation = 77;
        memcpy(&p.u.srb, &a, req_len);
        send_pkt(s, VMBUS_PKT_COMP, id, &p, VSTOR_HDR_SIZE + req_len);
        return;
    }
    default: break;
    }
    complete(s, id, status, &a, sizeof a, req_len);
}

/* The one GPA range of a data SRB, checked as openvmm's Range::new does. */
static bool get_range(struct hvsim_storvsc *s, const struct vmbus_pkt_desc *d, const uint8_t *payload,
                      uint32_t dtl, struct range *g)
{
    memset(g, 0, sizeof *g);
    if (d->type != VMBUS_PKT_DATA_GPA_DIRECT) {
        if (dtl)
            violate(s, "SRB with %u data bytes but no GPA range (packet type %u)", dtl, d->type);
        return !dtl;
    }
    const uint8_t *pkt = payload - d->offset8 * 8u;         /* hvsim_ring.c validated the ranges */
    struct vmbus_pkt_gpa_direct_hdr h;
    memcpy(&h, pkt + 16, sizeof h);
    memcpy(&g->len, pkt + 24, 4);
    memcpy(&g->off, pkt + 28, 4);
    g->pfns = pkt + 32;
    if (h.range_count != 1) {
        violate(s, "SRB with %u GPA ranges (one, or none without data)", h.range_count);
        return false;
    }
    if (g->len < dtl) {
        violate(s, "GPA range of %u bytes for a %u-byte transfer", g->len, dtl);
        return false;
    }
    return true;
}

static void on_srb(struct hvsim_storvsc *s, const struct vmbus_pkt_desc *d, const uint8_t *p, uint32_t len)
{
    struct vstor_packet pk;
    memset(&pk, 0, sizeof pk);
    memcpy(&pk, p, len < sizeof pk ? len : sizeof pk);
    const struct vstor_srb *q = &pk.u.srb;
    struct result r;
    s->srbs++;
    if (len != VSTOR_HDR_SIZE + s->req_size) {
        violate(s, "%u-byte EXECUTE_SRB for protocol %#x (must be %u)", len, s->version, VSTOR_HDR_SIZE + s->req_size);
        memset(&r, 0, sizeof r);
        r.srb_status = SRB_STATUS_BAD_SRB_BLOCK_LENGTH;
        srb_complete(s, d->trans_id, q, &r, s->req_size);
        return;
    }
    struct range g;
    bool ok = get_range(s, d, p, q->data_transfer_length, &g);
    int dir = cmd_dir(q->cdb_or_sense[0]);
    if (ok && (q->cdb_length == 0 || q->cdb_length > VSTOR_CDB_MAX)) {
        violate(s, "CDB length %u", q->cdb_length);
        ok = false;
    } else if (ok && q->data_transfer_length > s->max_transfer) {
        violate(s, "%u-byte transfer above the %u-byte maximum", q->data_transfer_length, s->max_transfer);
        ok = false;
    } else if (ok && q->data_transfer_length && dir >= 0 && q->data_in != dir) {
        violate(s, "command %#x with data_in %u", q->cdb_or_sense[0], q->data_in);
        ok = false;
    }
    if (q->data_transfer_length > s->srb_bytes_max)
        s->srb_bytes_max = q->data_transfer_length;
    if (!ok) {
        check_condition(&r, NULL, SK_ILLEGAL_REQUEST, 0x24, 0, false, 0);
        r.srb_status = SRB_STATUS_INVALID_REQUEST | SRB_STATUS_AUTOSENSE_VALID;
    } else if (s->busy_next) {
        s->busy_next--;
        memset(&r, 0, sizeof r);
        r.srb_status = SRB_STATUS_BUSY;
    } else {
        execute(s, q, &g, &r);
    }
    if (s->hang_next) {
        s->hang_next--;
        s->hung++;
        return;
    }
    srb_complete(s, d->trans_id, q, &r, s->req_size);
}

static bool version_ok(const struct hvsim_storvsc *s, uint16_t v)
{
    for (unsigned i = 0; i < s->nversions; i++)
        if (s->versions[i] == v)
            return true;
    return false;
}

static void stor_packet(struct hvsim_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *p, uint32_t len)
{
    struct hvsim_storvsc *s = hvsim_chan_priv(ch);
    if (d->type == VMBUS_PKT_COMP) {
        violate(s, "completion from the guest (id %#llx); storvsp asks for none", (unsigned long long)d->trans_id);
        return;
    }
    if (!(d->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED) || len < VSTOR_HDR_SIZE) {
        violate(s, "packet without completion requested or shorter than the vstor header (%u bytes)", len);
        return;
    }
    uint32_t op;
    memcpy(&op, p, 4);
    /* openvmm: the completion is as long as the request (at most 12 + 52). */
    uint32_t req_len = len - VSTOR_HDR_SIZE < sizeof(struct vstor_srb) ? len - VSTOR_HDR_SIZE
                                                                        : (uint32_t)sizeof(struct vstor_srb);
    if (s->state == STOR_READY) {
        if (op == VSTOR_OP_EXECUTE_SRB) {
            on_srb(s, d, p, len);
        } else if (op == VSTOR_OP_RESET_LUN || op == VSTOR_OP_RESET_BUS || op == VSTOR_OP_RESET_ADAPTER) {
            complete(s, d->trans_id, VSTOR_NT_SUCCESS, NULL, 0, req_len);
        } else {
            violate(s, "operation %u after initialization", op);
            complete(s, d->trans_id, VSTOR_NT_INVALID_DEVICE_STATE, NULL, 0, req_len);
        }
        return;
    }
    s->init_packets++;
    static const uint32_t expect[] = { VSTOR_OP_BEGIN_INIT, VSTOR_OP_QUERY_VERSION, VSTOR_OP_QUERY_PROPERTIES,
                                       VSTOR_OP_END_INIT };
    if (op != expect[s->state]) {
        violate(s, "operation %u in initialization step %d", op, s->state);
        complete(s, d->trans_id, VSTOR_NT_INVALID_DEVICE_STATE, NULL, 0, req_len);
        return;
    }
    if (op == VSTOR_OP_QUERY_VERSION) {
        struct vstor_version v;
        memset(&v, 0, sizeof v);
        memcpy(&v, p + VSTOR_HDR_SIZE, len - VSTOR_HDR_SIZE < sizeof v ? len - VSTOR_HDR_SIZE : sizeof v);
        if (!version_ok(s, v.major_minor)) {
            s->refused_versions++;
            complete(s, d->trans_id, VSTOR_NT_REVISION_MISMATCH, &v, sizeof v, req_len);
            return;
        }
        s->version = v.major_minor;
        s->req_size = v.major_minor >= VSTOR_VER_WIN8 ? 52 : 36;
        complete(s, d->trans_id, VSTOR_NT_SUCCESS, &v, sizeof v, req_len);
    } else if (op == VSTOR_OP_QUERY_PROPERTIES) {
        struct vstor_props pr;
        memset(&pr, 0, sizeof pr);
        pr.max_transfer_bytes = s->max_transfer;
        pr.flags = s->version >= VSTOR_VER_WIN8;    /* multichannel, as openvmm says (0 subchannels) */
        complete(s, d->trans_id, VSTOR_NT_SUCCESS, &pr, sizeof pr, req_len);
    } else {
        complete(s, d->trans_id, VSTOR_NT_SUCCESS, NULL, 0, req_len);
    }
    s->state++;
}

static void stor_step(struct hvsim_chan *ch)
{
    struct hvsim_storvsc *s = hvsim_chan_priv(ch);
    struct pending_q *q = s->pending;
    q->step++;
    /* Due completions, oldest first or newest first. */
    for (unsigned k = 0; k < q->n;) {
        unsigned i = s->complete_reverse ? q->n - 1 - k : k;
        if (q->p[i].due > q->step) {
            k++;
            continue;
        }
        s->completions++;
        hvsim_chan_send(ch, VMBUS_PKT_COMP, 0, q->p[i].trans_id, q->p[i].data, q->p[i].len);
        memmove(&q->p[i], &q->p[i + 1], (q->n - i - 1) * sizeof q->p[0]);
        q->n--;
    }
}

static int stor_open(struct hvsim_chan *ch, const uint8_t *user_data)
{
    (void)user_data;
    struct hvsim_storvsc *s = hvsim_chan_priv(ch);
    s->opened = true;
    s->state = STOR_BEGIN;          /* openvmm close(): back to the start */
    ((struct pending_q *)s->pending)->n = 0;
    return 0;
}

static void stor_close(struct hvsim_chan *ch)
{
    struct hvsim_storvsc *s = hvsim_chan_priv(ch);
    s->opened = false;
    s->state = STOR_BEGIN;
}

void hvsim_storvsc_init(struct hvsim_storvsc *s)
{
    memset(s, 0, sizeof *s);
    static const uint16_t def[] = { VSTOR_VER_WIN6, VSTOR_VER_WIN7, VSTOR_VER_WIN8, VSTOR_VER_BLUE };
    memcpy(s->versions, def, sizeof def);
    s->nversions = 4;
    s->max_transfer = 256 * 1024;
    for (unsigned i = 0; i < HVSIM_STOR_LUNS; i++)
        s->lun[i].fd = -1;
}

int hvsim_storvsc_attach(struct hvsim_storvsc *s, unsigned lun, const char *path, uint64_t sectors,
                         uint32_t sector_size)
{
    if (lun >= HVSIM_STOR_LUNS || s->lun[lun].present || strlen(path) >= sizeof s->lun[lun].path)
        return -EINVAL;
    struct hvsim_stor_lun *l = &s->lun[lun];
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)(sectors * sector_size)) != 0) {
        if (fd >= 0)
            close(fd);
        return -errno;
    }
    memset(l, 0, sizeof *l);
    l->fd = fd;
    strcpy(l->path, path);
    l->sectors = sectors;
    l->sector_size = sector_size;
    snprintf(l->serial, sizeof l->serial, "HVSIM%04u", lun);
    l->present = true;
    return 0;
}

static void changed(struct hvsim_storvsc *s, unsigned except)
{
    for (unsigned i = 0; i < HVSIM_STOR_LUNS; i++)
        if (s->lun[i].present && i != except) {
            s->lun[i].unit_attention = true;
            s->lun[i].ua_asc = 0x3F;        /* REPORTED LUNS DATA HAS CHANGED */
            s->lun[i].ua_ascq = 0x0E;
        }
    if (s->opened && s->state == STOR_READY && s->version >= VSTOR_VER_WIN7) {
        struct vstor_packet p;
        memset(&p, 0, sizeof p);
        p.operation = VSTOR_OP_ENUMERATE_BUS;
        s->enumerates++;
        send_pkt(s, VMBUS_PKT_DATA_INBAND, 0, &p, VSTOR_HDR_SIZE + s->req_size);
    }
}

int hvsim_storvsc_hot_add(struct hvsim_storvsc *s, unsigned lun, const char *path, uint64_t sectors,
                          uint32_t sector_size)
{
    int err = hvsim_storvsc_attach(s, lun, path, sectors, sector_size);
    if (!err)
        changed(s, lun);
    return err;
}

void hvsim_storvsc_hot_remove(struct hvsim_storvsc *s, unsigned lun)
{
    if (lun >= HVSIM_STOR_LUNS || !s->lun[lun].present)
        return;
    close(s->lun[lun].fd);
    s->lun[lun].fd = -1;
    s->lun[lun].present = false;
    changed(s, lun);
}

void hvsim_storvsc_fini(struct hvsim_storvsc *s)
{
    for (unsigned i = 0; i < HVSIM_STOR_LUNS; i++)
        if (s->lun[i].fd >= 0) {
            close(s->lun[i].fd);
            s->lun[i].fd = -1;
        }
    free(s->pending);
    s->pending = NULL;
}

struct hvsim_chan *hvsim_add_storvsc(struct hvsim_storvsc *s, uint32_t relid)
{
    static unsigned instances;
    s->pending = calloc(1, sizeof(struct pending_q));
    s->ops = (struct hvsim_dev_ops){
        .name = "storvsp",
        .class_id = s->ide ? hvsim_storvsc_ide_class : hvsim_storvsc_scsi_class,
        /* openvmm's IDE instance: data1 = channel, data2 = device (target). */
        .instance_id = HVSIM_GUID(0x5000 + instances, 0, 0x8899, 0, 0, 0, 0, 0, 0, 0, 0),
        .on_open = stor_open,
        .on_packet = stor_packet,
        .on_close = stor_close,
        .on_step = stor_step,
    };
    instances++;
    s->ch = hvsim_add_device(&s->ops, s, relid);
    return s->ch;
}
