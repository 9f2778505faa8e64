/* SCSI CDB builders and response parsers (see blk/scsi_cmd.h; the layouts
 * and the sections of SPC-4 and SBC-3 they come from are in scsi_reg.h). */
#include "blk/scsi_cmd.h"
#include "blk/scsi.h"
#include "blk/scsi_reg.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "lib/strlist.h"
#include "lib/string.h"

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
uint32_t scsi_be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }
static uint64_t be64(const uint8_t *p) { return (uint64_t)scsi_be32(p) << 32 | scsi_be32(p + 4); }
static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
void scsi_put_be32(uint8_t *p, uint32_t v) { put_be16(p, (uint16_t)(v >> 16)); put_be16(p + 2, (uint16_t)v); }
static void put_be64(uint8_t *p, uint64_t v) { scsi_put_be32(p, (uint32_t)(v >> 32)); scsi_put_be32(p + 4, (uint32_t)v); }

/* ---- CDBs ---------------------------------------------------------------- */

static unsigned cdb_start(uint8_t *cdb, uint8_t op, unsigned len)
{
    memset(cdb, 0, SCSI_CDB_MAX);
    cdb[0] = op;
    return len;
}

unsigned scsi_cdb_test_unit_ready(uint8_t *cdb)
{
    return cdb_start(cdb, SCSI_OP_TEST_UNIT_READY, 6);
}

unsigned scsi_cdb_request_sense(uint8_t *cdb, uint8_t alloc_len)
{
    cdb_start(cdb, SCSI_OP_REQUEST_SENSE, 6);
    cdb[4] = alloc_len;                     /* DESC (byte 1 bit 0) 0: fixed format */
    return 6;
}

unsigned scsi_cdb_inquiry(uint8_t *cdb, bool evpd, uint8_t page, uint16_t alloc_len)
{
    struct scsi_cdb_inquiry *c = (void *)cdb;
    cdb_start(cdb, SCSI_OP_INQUIRY, 6);
    c->flags = evpd ? SCSI_INQ_EVPD : 0;
    c->page = evpd ? page : 0;
    put_be16(c->alloc_len, alloc_len);
    return sizeof *c;
}

unsigned scsi_cdb_report_luns(uint8_t *cdb, uint32_t alloc_len)
{
    struct scsi_cdb_report_luns *c = (void *)cdb;
    cdb_start(cdb, SCSI_OP_REPORT_LUNS, 12);
    scsi_put_be32(c->alloc_len, alloc_len);
    return sizeof *c;
}

unsigned scsi_cdb_read_capacity10(uint8_t *cdb)
{
    return cdb_start(cdb, SCSI_OP_READ_CAPACITY10, 10);
}

unsigned scsi_cdb_read_capacity16(uint8_t *cdb, uint32_t alloc_len)
{
    struct scsi_cdb16 *c = (void *)cdb;
    cdb_start(cdb, SCSI_OP_SERVICE_IN16, 16);
    c->flags = SCSI_SA_READ_CAPACITY16;
    scsi_put_be32(c->length, alloc_len);
    return sizeof *c;
}

unsigned scsi_cdb_rw(uint8_t *cdb, bool write, uint64_t lba, uint32_t count, bool force16)
{
    if (!force16 && lba + count <= 0x100000000ull && count <= 0xffff) {
        struct scsi_cdb10 *c = (void *)cdb;
        cdb_start(cdb, write ? SCSI_OP_WRITE10 : SCSI_OP_READ10, 10);
        scsi_put_be32(c->lba, (uint32_t)lba);
        put_be16(c->length, (uint16_t)count);
        return sizeof *c;
    }
    struct scsi_cdb16 *c = (void *)cdb;
    cdb_start(cdb, write ? SCSI_OP_WRITE16 : SCSI_OP_READ16, 16);
    put_be64(c->lba, lba);
    scsi_put_be32(c->length, count);
    return sizeof *c;
}

unsigned scsi_cdb_sync_cache10(uint8_t *cdb, uint32_t lba, uint16_t count)
{
    struct scsi_cdb10 *c = (void *)cdb;
    cdb_start(cdb, SCSI_OP_SYNC_CACHE10, 10);
    scsi_put_be32(c->lba, lba);
    put_be16(c->length, count);
    return sizeof *c;
}

const char *scsi_op_name(uint8_t op)
{
    switch (op) {
    case SCSI_OP_TEST_UNIT_READY: return "TEST UNIT READY";
    case SCSI_OP_REQUEST_SENSE: return "REQUEST SENSE";
    case SCSI_OP_INQUIRY: return "INQUIRY";
    case SCSI_OP_READ_CAPACITY10: return "READ CAPACITY(10)";
    case SCSI_OP_READ10: return "READ(10)";
    case SCSI_OP_WRITE10: return "WRITE(10)";
    case SCSI_OP_SYNC_CACHE10: return "SYNCHRONIZE CACHE(10)";
    case SCSI_OP_READ16: return "READ(16)";
    case SCSI_OP_WRITE16: return "WRITE(16)";
    case SCSI_OP_SERVICE_IN16: return "READ CAPACITY(16)";
    case SCSI_OP_REPORT_LUNS: return "REPORT LUNS";
    default: return NULL;
    }
}

/* ---- Sense --------------------------------------------------------------- */

int scsi_sense_parse(const uint8_t *s, size_t len, struct scsi_sense *out)
{
    memset(out, 0, sizeof *out);
    if (len < 1)
        return -EINVAL;
    uint8_t code = s[0] & 0x7f;
    if (code == SCSI_SENSE_FIXED_CUR || code == SCSI_SENSE_FIXED_DEF) {
        const struct scsi_sense_fixed *f = (const void *)s;
        if (len < 3)
            return -EINVAL;
        out->key = f->key & 0xf;
        /* ASC/ASCQ only when the target sent them (additional length). */
        if (len >= 14 && f->additional_len >= 6) {
            out->asc = f->asc;
            out->ascq = f->ascq;
        }
        out->deferred = code == SCSI_SENSE_FIXED_DEF;
        return 0;
    }
    if (code == SCSI_SENSE_DESC_CUR || code == SCSI_SENSE_DESC_DEF) {
        const struct scsi_sense_desc *d = (const void *)s;
        if (len < 4)
            return -EINVAL;
        out->key = d->key & 0xf;
        out->asc = d->asc;
        out->ascq = d->ascq;
        out->deferred = code == SCSI_SENSE_DESC_DEF;
        return 0;
    }
    return -EINVAL;
}

const char *scsi_sense_key_name(uint8_t key)
{
    /* All 16 keys, by number (lib/strlist.h). */
    return strlist_nth("NO SENSE\0RECOVERED ERROR\0NOT READY\0MEDIUM ERROR\0HARDWARE ERROR\0"
                       "ILLEGAL REQUEST\0UNIT ATTENTION\0DATA PROTECT\0BLANK CHECK\0VENDOR SPECIFIC\0"
                       "COPY ABORTED\0ABORTED COMMAND\0RESERVED\0VOLUME OVERFLOW\0MISCOMPARE\0COMPLETED",
                       key & 0xf);
}

/* The ASC/ASCQ pairs a disk commonly returns (SPC-4 D.2, table D.1). */
static const uint8_t scsi_ascs[][2] = {
    { 0x00, 0x06 }, { 0x04, 0x01 }, { 0x04, 0x02 }, { 0x0c, 0x00 },
    { 0x11, 0x00 }, { 0x20, 0x00 }, { 0x21, 0x00 }, { 0x24, 0x00 },
    { 0x25, 0x00 }, { 0x27, 0x00 }, { 0x28, 0x00 }, { 0x29, 0x00 },
    { 0x2a, 0x09 }, { 0x3a, 0x00 }, { 0x3f, 0x0e }, { 0x44, 0x00 },
};
/* Their names, in the same order (lib/strlist.h). */
static const char scsi_asc_names[] =
    "I/O process terminated\0"  /* 0x00/0x06 */
    "becoming ready\0"  /* 0x04/0x01 */
    "initializing command required\0"  /* 0x04/0x02 */
    "write error\0"  /* 0x0c/0x00 */
    "unrecovered read error\0"  /* 0x11/0x00 */
    "invalid command operation code\0"  /* 0x20/0x00 */
    "LBA out of range\0"  /* 0x21/0x00 */
    "invalid field in CDB\0"  /* 0x24/0x00 */
    "LUN not supported\0"  /* 0x25/0x00 */
    "write protected\0"  /* 0x27/0x00 */
    "medium may have changed\0"  /* 0x28/0x00 */
    "power on, reset, or bus device reset\0"  /* 0x29/0x00 */
    "capacity data has changed\0"  /* 0x2a/0x09 */
    "medium not present\0"  /* 0x3a/0x00 */
    "reported LUNs data has changed\0"  /* 0x3f/0x0e */
    "internal target failure";  /* 0x44/0x00 */

const char *scsi_asc_name(uint8_t asc, uint8_t ascq)
{
    for (size_t i = 0; i < sizeof scsi_ascs / sizeof scsi_ascs[0]; i++)
        if (scsi_ascs[i][0] == asc && scsi_ascs[i][1] == ascq)
            return strlist_nth(scsi_asc_names, i);
    return NULL;
}

void scsi_sense_format(const struct scsi_sense *s, char *buf, size_t size)
{
    const char *what = scsi_asc_name(s->asc, s->ascq);
    fmt_snprintf(buf, size, "%s%s%s%s %02x/%02x/%02x", scsi_sense_key_name(s->key),
                 what ? " (" : "", what ? what : "", what ? ")" : "", s->key, s->asc, s->ascq);
}

/* ---- INQUIRY and VPD ------------------------------------------------------ */

/* A space-padded ASCII field into a trimmed C string. */
static void inq_string(char *out, const char *in, size_t n)
{
    size_t end = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        out[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
        if (c != ' ')
            end = i + 1;
    }
    out[end] = 0;
}

int scsi_inquiry_parse(const uint8_t *buf, size_t len, struct scsi_inquiry *out)
{
    const struct scsi_inquiry_data *d = (const void *)buf;
    memset(out, 0, sizeof *out);
    if (len < sizeof *d || d->additional_len < sizeof *d - 5)
        return -EINVAL;
    out->qualifier = SCSI_INQ_QUAL(d->peripheral);
    out->type = SCSI_INQ_TYPE(d->peripheral);
    out->removable = d->rmb & 0x80;
    inq_string(out->vendor, d->vendor, sizeof d->vendor);
    inq_string(out->product, d->product, sizeof d->product);
    inq_string(out->revision, d->revision, sizeof d->revision);
    return 0;
}

/* The page's payload length, bounded by the buffer; -EINVAL if no header
 * or the page is not the one asked for. */
static int vpd_body(const uint8_t *buf, size_t len, uint8_t page)
{
    const struct scsi_vpd_header *h = (const void *)buf;
    if (len < sizeof *h || h->page != page)
        return -EINVAL;
    size_t n = be16(h->length);
    return (int)(n < len - sizeof *h ? n : len - sizeof *h);
}

bool scsi_vpd_supported(const uint8_t *buf, size_t len, uint8_t page)
{
    int n = vpd_body(buf, len, SCSI_VPD_SUPPORTED);
    for (int i = 0; i < n; i++)
        if (buf[4 + i] == page)
            return true;
    return false;
}

int scsi_vpd_serial(const uint8_t *buf, size_t len, char *out, size_t size)
{
    int n = vpd_body(buf, len, SCSI_VPD_SERIAL);
    const char *s = (const char *)buf + 4;
    if (n < 0 || size == 0)
        return -EINVAL;
    while (n > 0 && (*s == ' ' || *s == 0))       /* serials are often right-aligned */
        s++, n--;
    if ((size_t)n >= size)
        n = (int)size - 1;
    inq_string(out, s, (size_t)n);
    return out[0] ? 0 : -ENOENT;
}

int scsi_vpd_devid(const uint8_t *buf, size_t len, char *out, size_t size)
{
    int n = vpd_body(buf, len, SCSI_VPD_DEVID);
    if (n < 0 || size < 3)
        return -EINVAL;
    const uint8_t *best = NULL;
    int best_rank = 0;
    for (int off = 0; off + 4 <= n;) {
        const struct scsi_designator *d = (const void *)(buf + 4 + off);
        int end = off + 4 + d->length;
        if (end > n)
            break;                                  /* truncated: ignore the rest */
        uint8_t type = SCSI_DESIG_TYPE(d->type);
        /* Prefer NAA (3) over EUI-64 (2) over T10 vendor id (1). */
        if (SCSI_DESIG_ASSOC(d->type) == 0 && type >= 1 && type <= 3 && d->length &&
            (int)type > best_rank) {
            best = (const uint8_t *)d;
            best_rank = type;
        }
        off = end;
    }
    if (!best)
        return -ENOENT;
    const struct scsi_designator *d = (const void *)best;
    const uint8_t *v = best + 4;
    if ((d->code_set & 0xf) == SCSI_CODESET_BINARY) {
        size_t o = 0;
        for (unsigned i = 0; i < d->length && o + 3 <= size; i++, o += 2)
            fmt_snprintf(out + o, 3, "%02x", v[i]);
        out[o] = 0;
    } else {
        size_t k = d->length < size - 1 ? d->length : size - 1;
        inq_string(out, (const char *)v, k);
    }
    return 0;
}

/* ---- REPORT LUNS, READ CAPACITY ------------------------------------------ */

int scsi_report_luns_parse(const uint8_t *buf, size_t len, uint16_t *luns, unsigned max,
                           uint16_t max_lun)
{
    if (len < sizeof(struct scsi_report_luns_header))
        return -EINVAL;
    uint32_t list = scsi_be32(buf);
    if (list % 8)
        return -EINVAL;
    if (list > len - 8)
        list = (uint32_t)(len - 8);             /* more than we asked for: what we got */
    unsigned n = 0;
    for (uint32_t off = 8; off + 8 <= 8 + list && n < max; off += 8) {
        const uint8_t *l = buf + off;
        unsigned method = SCSI_LUN_METHOD(l[0]), lun;
        if (method == SCSI_LUN_PERIPHERAL && (l[0] & 0x3f) == 0)
            lun = l[1];
        else if (method == SCSI_LUN_FLAT)
            lun = (unsigned)(l[0] & 0x3f) << 8 | l[1];
        else
            continue;                           /* other buses, LUN methods: not ours */
        if (scsi_be32(l + 2) || be16(l + 6) || lun >= max_lun)
            continue;                           /* multi-level */
        bool dup = false;
        for (unsigned i = 0; i < n; i++)
            dup |= luns[i] == lun;
        if (!dup)
            luns[n++] = (uint16_t)lun;
    }
    return (int)n;
}

static bool block_len_ok(uint32_t b)
{
    return b >= 512 && b <= 65536 && (b & (b - 1)) == 0;
}

int scsi_read_cap10_parse(const uint8_t *buf, size_t len, uint32_t *last_lba, uint32_t *block_len)
{
    const struct scsi_read_cap10_data *d = (const void *)buf;
    if (len < sizeof *d || !block_len_ok(scsi_be32(d->block_len)))
        return -EINVAL;
    *last_lba = scsi_be32(d->last_lba);
    *block_len = scsi_be32(d->block_len);
    return 0;
}

int scsi_read_cap16_parse(const uint8_t *buf, size_t len, uint64_t *last_lba, uint32_t *block_len)
{
    const struct scsi_read_cap16_data *d = (const void *)buf;
    if (len < 12 || !block_len_ok(scsi_be32(d->block_len)) || be64(d->last_lba) == ~0ull)
        return -EINVAL;
    *last_lba = be64(d->last_lba);
    *block_len = scsi_be32(d->block_len);
    return 0;
}
