/* The SCSI layer: scans a host adapter's targets and LUNs, registers each
 * disk as a block device and turns block requests into SCSI commands
 * (blk/scsi.h tells the whole story; the commands are built and parsed by
 * blk/scsi_cmd.c).
 *
 * The scan, for every target but the adapter's own (SPC-4, SBC-3):
 *   REPORT LUNS  -> the LUNs (LUN 0 alone when the target refuses it;
 *                   no target at all when the adapter says "selection timeout")
 *   INQUIRY      -> qualifier 0 and type 0 (a disk), else skipped;
 *                   VPD 0x00 then 0x80 (serial) or 0x83 (designator)
 *   TEST UNIT READY, retried while UNIT ATTENTION or "becoming ready"
 *   READ CAPACITY(10), and (16) when it answers 0xffffffff
 * Commands that end in UNIT ATTENTION, NOT READY "becoming ready", ABORTED
 * COMMAND, BUSY or TASK SET FULL (or that the adapter asks to try again)
 * are retried up to SCSI_RETRIES times; everything else is an error:
 * -EIO with the sense logged, -ENODEV when the LUN is gone. */
#include "blk/scsi.h"
#include "blk/scsi_cmd.h"
#include "blk/scsi_reg.h"
#include "kernel/core/cmdline.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/heap.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define SCSI_RETRIES        5
#define SCSI_RETRY_DELAY_MS 50
#define SCSI_SCAN_TIMEOUT_MS 5000       /* per command of the scan */
#define SCSI_GRACE_MS       2000        /* for the adapter to abort a timed-out command */
#define SCSI_SCAN_BUF       4096
#define SCSI_SCAN_LUNS      16          /* LUNs per target we look at */
#define SCSI_LUN_QD_MAX     32
#define SCSI_RETRY          1           /* scsi_result: try again */

struct scsi_lun;
struct scsi_io {                        /* one block request in flight */
    struct scsi_cmd c;
    struct scsi_lun *lun;
    struct blk_req *r;                  /* NULL: free */
    uint8_t tries;
};

struct scsi_lun {
    struct blk_dev blk;
    struct scsi_host *h;
    uint16_t target, lun;
    bool use16, seen, gone;
    unsigned busy, nio;
    struct scsi_io *io;
    struct scsi_lun *next;
};

static unsigned scsi_host_count;
static uint64_t scsi_io_timeout_ms = 30000;
CMDLINE_OPTION(scsi_timeout_ms, .key = "scsi_timeout_ms", .type = CMDLINE_UINT,
               .dst = &scsi_io_timeout_ms, .min = 100, .max = 600000,
               .help = "SCSI: a disk's READ/WRITE is aborted after this many ms (30000)");
/* LUNs that went away. NOTE: their memory is kept: a user may still hold
 * the blk_dev (blk_rw_sync waiting, a buffer to free through its ops), and
 * blk/blk.h has no reference counts. A hot-removed disk costs ~1 KiB. */
static struct scsi_lun *scsi_gone;

/* ---- Issuing commands ---------------------------------------------------- */

static void scsi_start(struct scsi_host *h, struct scsi_cmd *c)
{
    h->in_flight++;
    c->host_status = 0;
    c->status = 0;
    c->sense_len = 0;
    c->resid = 0;
    int rc = h->ops->queue(h, c);
    if (rc) {
        h->in_flight--;
        c->host_status = rc == -EBUSY ? -EAGAIN : rc;
        c->done(c);
    }
}

/* Starts c, or keeps it until the adapter has a free slot. */
static void scsi_issue(struct scsi_host *h, struct scsi_cmd *c)
{
    c->next = NULL;
    if (h->removing) {
        c->host_status = -ENODEV;
        c->done(c);
    } else if (h->in_flight >= h->can_queue || h->wait_head) {
        if (h->wait_tail)
            h->wait_tail->next = c;
        else
            h->wait_head = c;
        h->wait_tail = c;
    } else {
        scsi_start(h, c);
    }
}

static void scsi_feed(struct scsi_host *h)
{
    while (h->wait_head && h->in_flight < h->can_queue && !h->removing) {
        struct scsi_cmd *c = h->wait_head;
        h->wait_head = c->next;
        if (!h->wait_head)
            h->wait_tail = NULL;
        scsi_start(h, c);
    }
}

void scsi_cmd_done(struct scsi_host *h, struct scsi_cmd *c)
{
    if (h->in_flight)
        h->in_flight--;
    c->done(c);
    scsi_feed(h);
}

/* What a finished command means: 0 (GOOD), SCSI_RETRY, or -errno; the
 * sense, if any, in *s. */
static int scsi_result(const struct scsi_cmd *c, struct scsi_sense *s)
{
    memset(s, 0, sizeof *s);
    if (c->host_status == -EAGAIN)
        return SCSI_RETRY;
    if (c->host_status)
        return c->host_status < 0 ? c->host_status : -EIO;
    if (c->status == SCSI_STATUS_GOOD)
        return 0;
    if (c->status == SCSI_STATUS_BUSY || c->status == SCSI_STATUS_TASK_SET_FULL)
        return SCSI_RETRY;
    if (c->status != SCSI_STATUS_CHECK_CONDITION ||
        scsi_sense_parse(c->sense, c->sense_len < SCSI_SENSE_MAX ? c->sense_len : SCSI_SENSE_MAX, s))
        return -EIO;
    switch (s->key) {
    case SCSI_KEY_RECOVERED_ERROR:
        return 0;
    case SCSI_KEY_UNIT_ATTENTION:
    case SCSI_KEY_ABORTED_COMMAND:
        return SCSI_RETRY;
    case SCSI_KEY_NOT_READY:
        return s->asc == SCSI_ASC_NOT_READY && s->ascq == SCSI_ASCQ_BECOMING_READY ? SCSI_RETRY
                                                                                   : -EIO;
    case SCSI_KEY_DATA_PROTECT:
        return -EACCES;
    default:
        return -EIO;
    }
}

static void scsi_log_error(const char *who, const struct scsi_cmd *c, const struct scsi_sense *s,
                           int rc)
{
    char why[80];
    if (s->key)
        scsi_sense_format(s, why, sizeof why);
    else
        fmt_snprintf(why, sizeof why, "host status %d, status 0x%02x", c->host_status, c->status);
    const char *op = scsi_op_name(c->cdb[0]);
    pr_err("%s: %s failed (%d): %s\n", who, op ? op : "command", rc, why);
}

/* ---- Waiting for one command --------------------------------------------- */

static void scsi_sync_done(struct scsi_cmd *c)
{
    if (c->arg)
        *(bool *)c->arg = true;
}

static bool scsi_sync_cond(void *arg)
{
    return *(bool *)arg;
}

static bool scsi_never(void *arg)
{
    (void)arg;
    return false;
}

int scsi_cmd_sync(struct scsi_host *h, struct scsi_cmd *c, uint64_t timeout_ms)
{
    bool done = false;
    c->done = scsi_sync_done;
    c->arg = &done;
    if (!c->timeout_ms)
        c->timeout_ms = (uint32_t)timeout_ms;
    scsi_issue(h, c);
    h->ops->wait(h, scsi_sync_cond, &done, timeout_ms + SCSI_GRACE_MS);
    c->arg = NULL;                      /* a late completion writes nowhere */
    if (!done) {
        struct scsi_cmd **pp = &h->wait_head, *prev = NULL;
        while (*pp && *pp != c)
            prev = *pp, pp = &(*pp)->next;
        if (*pp) {                      /* never started: take it back */
            *pp = c->next;
            if (h->wait_tail == c)
                h->wait_tail = prev;
        }
        return -ETIMEDOUT;
    }
    struct scsi_sense s;
    int rc = scsi_result(c, &s);
    return rc == SCSI_RETRY ? -EAGAIN : rc;
}

/* ---- The scan ------------------------------------------------------------ */

struct scsi_scan {
    struct scsi_cmd *c;                 /* on the heap: left behind if it times out */
    uint8_t *buf;
    uint64_t bus;
};

/* One scan command, retried while the target asks for it: 0 or -errno;
 * the bytes received in *got. */
static int scsi_scan_cmd(struct scsi_host *h, struct scsi_scan *s, uint16_t t, uint16_t l,
                         unsigned cdb_len, uint32_t len, uint32_t *got)
{
    struct scsi_cmd *c = s->c;
    uint8_t cdb[SCSI_CDB_MAX];
    memcpy(cdb, c->cdb, sizeof cdb);
    int rc = -EAGAIN;
    for (unsigned tries = 0; tries < SCSI_RETRIES && rc == -EAGAIN; tries++) {
        if (tries)
            h->ops->wait(h, scsi_never, NULL, SCSI_RETRY_DELAY_MS);
        memset(c, 0, sizeof *c);
        memcpy(c->cdb, cdb, sizeof cdb);
        memset(s->buf, 0, SCSI_SCAN_BUF);
        c->target = t;
        c->lun = l;
        c->cdb_len = (uint8_t)cdb_len;
        c->dir = len ? SCSI_DIR_IN : SCSI_DIR_NONE;
        c->buf = len ? s->buf : NULL;
        c->buf_bus = len ? s->bus : 0;
        c->len = len;
        c->timeout_ms = SCSI_SCAN_TIMEOUT_MS;
        rc = scsi_cmd_sync(h, c, SCSI_SCAN_TIMEOUT_MS);
    }
    if (rc == -ETIMEDOUT) {
        s->c = kzalloc(sizeof *s->c);   /* the adapter may still write the old one */
        if (!s->c)
            return -ENOMEM;
    }
    if (got)
        *got = rc ? 0 : len - (c->resid < len ? c->resid : len);
    return rc;
}

static struct scsi_lun *scsi_lun_find(struct scsi_host *h, uint16_t t, uint16_t l)
{
    for (struct scsi_lun *u = h->luns; u; u = u->next)
        if (u->target == t && u->lun == l)
            return u;
    return NULL;
}

static const struct blk_ops scsi_blk_ops;

/* INQUIRY has said "a disk": identify, wait until ready, size it. */
static int scsi_disk_setup(struct scsi_host *h, struct scsi_scan *s, struct scsi_lun *u)
{
    uint16_t t = u->target, l = u->lun;
    uint32_t got, last32, bl;
    uint64_t last;
    /* Serial number: VPD 0x80, or the designator of VPD 0x83. */
    if (!scsi_scan_cmd(h, s, t, l, scsi_cdb_inquiry(s->c->cdb, true, SCSI_VPD_SUPPORTED, 255), 255,
                       &got)) {
        bool sn = scsi_vpd_supported(s->buf, got, SCSI_VPD_SERIAL);
        bool id = scsi_vpd_supported(s->buf, got, SCSI_VPD_DEVID);
        uint8_t page = sn ? SCSI_VPD_SERIAL : SCSI_VPD_DEVID;
        if ((sn || id) &&
            !scsi_scan_cmd(h, s, t, l, scsi_cdb_inquiry(s->c->cdb, true, page, 255), 255, &got))
            (sn ? scsi_vpd_serial : scsi_vpd_devid)(s->buf, got, u->blk.serial,
                                                    sizeof u->blk.serial);
    }
    int rc = scsi_scan_cmd(h, s, t, l, scsi_cdb_test_unit_ready(s->c->cdb), 0, NULL);
    if (rc)
        return rc;
    rc = scsi_scan_cmd(h, s, t, l, scsi_cdb_read_capacity10(s->c->cdb), 8, &got);
    if (!rc)
        rc = scsi_read_cap10_parse(s->buf, got, &last32, &bl);
    last = last32;
    if (!rc && last32 == 0xffffffff) {
        rc = scsi_scan_cmd(h, s, t, l, scsi_cdb_read_capacity16(s->c->cdb, 32), 32, &got);
        if (!rc)
            rc = scsi_read_cap16_parse(s->buf, got, &last, &bl);
    }
    if (rc)
        return rc;
    struct blk_dev *b = &u->blk;
    b->sectors = last + 1;
    b->sector_size = bl;
    u->use16 = b->sectors > 0xffffffffull;
    b->max_sectors = h->max_transfer / bl;
    if (b->max_sectors > 0xffff)
        b->max_sectors = 0xffff;
    u->nio = h->can_queue < SCSI_LUN_QD_MAX ? h->can_queue : SCSI_LUN_QD_MAX;
    b->queue_depth = u->nio;
    u->io = kzalloc(u->nio * sizeof *u->io);
    if (!u->io)
        return -ENOMEM;
    b->driver = h->driver;
    b->has_cache = true;
    b->ops = &scsi_blk_ops;
    b->priv = u;
    return blk_register(b);
}

static void scsi_lun_free(struct scsi_lun *u)
{
    kfree(u->io);
    kfree(u);
}

static void scsi_probe_lun(struct scsi_host *h, struct scsi_scan *s, uint16_t t, uint16_t l)
{
    struct scsi_lun *u = scsi_lun_find(h, t, l);
    if (u) {
        u->seen = true;
        return;
    }
    struct scsi_inquiry inq;
    uint32_t got;
    int rc = scsi_scan_cmd(h, s, t, l, scsi_cdb_inquiry(s->c->cdb, false, 0, 96), 96, &got);
    if (!rc)
        rc = scsi_inquiry_parse(s->buf, got, &inq);
    if (rc) {
        if (rc != -ENODEV)
            pr_warn("%s: %u:%u: INQUIRY failed (%d)\n", h->name, t, l, rc);
        return;
    }
    if (inq.qualifier != SCSI_QUAL_CONNECTED || inq.type == SCSI_TYPE_NONE)
        return;                         /* no logical unit here */
    if (inq.type != SCSI_TYPE_DISK) {
        pr_info("%s: %u:%u: %s %s: peripheral type 0x%02x, not a disk: skipped\n", h->name, t, l,
                inq.vendor, inq.product, inq.type);
        return;
    }
    u = kzalloc(sizeof *u);
    if (!u)
        return;
    u->h = h;
    u->target = t;
    u->lun = l;
    u->seen = true;
    fmt_snprintf(u->blk.model, sizeof u->blk.model, "%s %s %s", inq.vendor, inq.product,
                 inq.revision);
    fmt_snprintf(u->blk.where, sizeof u->blk.where, "%s:0:%u:%u", h->name, t, l);
    rc = scsi_disk_setup(h, s, u);
    if (rc) {
        pr_err("%s: %u:%u: %s: disk not usable (%d)\n", h->name, t, l, u->blk.model, rc);
        scsi_lun_free(u);
        return;
    }
    u->next = h->luns;
    h->luns = u;
    pr_info("%s: %u:%u: %s, %llu x %u B -> %s\n", h->name, t, l, u->blk.model,
            (unsigned long long)u->blk.sectors, u->blk.sector_size, u->blk.name);
}

static void scsi_scan_target(struct scsi_host *h, struct scsi_scan *s, uint16_t t)
{
    uint16_t luns[SCSI_SCAN_LUNS];
    uint32_t got;
    int n = 0;
    int rc = scsi_scan_cmd(h, s, t, 0, scsi_cdb_report_luns(s->c->cdb, SCSI_SCAN_BUF),
                           SCSI_SCAN_BUF, &got);
    if (rc == -ENODEV || rc == -ETIMEDOUT || rc == -ENOMEM)
        return;                         /* nobody there */
    if (!rc)
        n = scsi_report_luns_parse(s->buf, got, luns, SCSI_SCAN_LUNS, h->max_lun);
    if (n <= 0) {                       /* refused, or nothing listed: LUN 0 */
        luns[0] = 0;
        n = 1;
    }
    for (int i = 0; i < n; i++)
        scsi_probe_lun(h, s, t, luns[i]);
}

/* Drops a LUN: its blk device goes; its commands in flight complete
 * (with -ENODEV from the adapter, most likely). */
static void scsi_lun_drop(struct scsi_host *h, struct scsi_lun *u)
{
    for (struct scsi_lun **pp = (struct scsi_lun **)&h->luns; *pp; pp = &(*pp)->next)
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    u->gone = true;
    pr_info("%s: %u:%u: %s removed\n", h->name, u->target, u->lun, u->blk.name);
    blk_unregister(&u->blk);
    u->next = scsi_gone;
    scsi_gone = u;
}

static int scsi_scan(struct scsi_host *h)
{
    struct scsi_scan s = { .c = kzalloc(sizeof *s.c) };
    if (s.c)
        s.buf = h->ops->buf_alloc(h, SCSI_SCAN_BUF, &s.bus);
    if (!s.buf) {
        kfree(s.c);
        return -ENOMEM;
    }
    for (struct scsi_lun *u = h->luns; u; u = u->next)
        u->seen = false;
    for (uint16_t t = 0; t < h->max_target && !h->removing; t++)
        if (t != h->self_target)
            scsi_scan_target(h, &s, t);
    for (struct scsi_lun *u = h->luns, *next; u; u = next) {
        next = u->next;
        if (!u->seen)
            scsi_lun_drop(h, u);
    }
    kfree(s.c);
    h->ops->buf_free(h, s.buf, SCSI_SCAN_BUF);
    return 0;
}

int scsi_host_add(struct scsi_host *h)
{
    if (!h->ops || !h->ops->queue || !h->ops->wait || !h->ops->buf_alloc || !h->ops->buf_free ||
        !h->can_queue || !h->max_target || !h->max_lun || h->max_transfer < 4096)
        return -EINVAL;
    fmt_snprintf(h->name, sizeof h->name, "scsi%u", scsi_host_count++);
    h->luns = NULL;
    h->in_flight = 0;
    h->removing = false;
    h->wait_head = h->wait_tail = NULL;
    return scsi_scan(h);
}

void scsi_host_rescan(struct scsi_host *h)
{
    if (!h->removing)
        scsi_scan(h);
}

void scsi_lun_removed(struct scsi_host *h, uint16_t target, uint16_t lun)
{
    struct scsi_lun *u = scsi_lun_find(h, target, lun);
    if (u)
        scsi_lun_drop(h, u);
}

void scsi_host_remove(struct scsi_host *h)
{
    h->removing = true;
    while (h->wait_head) {              /* never started: fail them now */
        struct scsi_cmd *c = h->wait_head;
        h->wait_head = c->next;
        c->host_status = -ENODEV;
        c->done(c);
    }
    h->wait_tail = NULL;
    while (h->luns)
        scsi_lun_drop(h, h->luns);
}

/* ---- Block requests -------------------------------------------------------- */

static void scsi_io_done(struct scsi_cmd *c)
{
    struct scsi_io *io = c->arg;
    struct scsi_lun *u = io->lun;
    struct scsi_sense s;
    int rc = scsi_result(c, &s);
    if (!rc && c->resid)
        rc = -EIO;                      /* short transfer */
    if (rc == SCSI_RETRY && ++io->tries < SCSI_RETRIES && !u->gone) {
        scsi_issue(u->h, c);
        return;
    }
    if (rc == SCSI_RETRY)
        rc = -EIO;
    if (rc && rc != -ENODEV) {
        char who[48];
        fmt_snprintf(who, sizeof who, "%s (%s) LBA %llu", u->blk.name, u->blk.where,
                     (unsigned long long)io->r->lba);
        scsi_log_error(who, c, &s, rc);
    }
    struct blk_req *r = io->r;
    io->r = NULL;
    u->busy--;
    blk_complete(&u->blk, r, rc);
}

static int scsi_blk_submit(struct blk_dev *d, struct blk_req *r)
{
    struct scsi_lun *u = d->priv;
    struct scsi_io *io = NULL;
    if (u->gone || u->h->removing)
        return -ENODEV;
    for (unsigned i = 0; i < u->nio && !io; i++)
        if (!u->io[i].r)
            io = &u->io[i];
    if (!io)
        return -EBUSY;
    struct scsi_cmd *c = &io->c;
    memset(io, 0, sizeof *io);
    io->lun = u;
    io->r = r;
    r->drv = io;
    c->target = u->target;
    c->lun = u->lun;
    if (r->op == BLK_FLUSH) {
        c->cdb_len = (uint8_t)scsi_cdb_sync_cache10(c->cdb, 0, 0);
    } else {
        c->cdb_len = (uint8_t)scsi_cdb_rw(c->cdb, r->op == BLK_WRITE, r->lba, r->count, u->use16);
        c->dir = r->op == BLK_WRITE ? SCSI_DIR_OUT : SCSI_DIR_IN;
        c->buf = r->buf;
        c->buf_bus = r->buf_bus;
        c->len = r->count * d->sector_size;
    }
    c->timeout_ms = (uint32_t)scsi_io_timeout_ms;
    c->done = scsi_io_done;
    c->arg = io;
    u->busy++;
    scsi_issue(u->h, c);
    return 0;
}

static int scsi_blk_wait(struct blk_dev *d, bool (*cond)(void *), void *arg, uint64_t timeout_ms)
{
    struct scsi_lun *u = d->priv;
    return u->h->ops->wait(u->h, cond, arg, timeout_ms);
}

static void *scsi_blk_buf_alloc(struct blk_dev *d, size_t bytes, uint64_t *bus)
{
    struct scsi_lun *u = d->priv;
    return u->h->ops->buf_alloc(u->h, bytes, bus);
}

static void scsi_blk_buf_free(struct blk_dev *d, void *buf, size_t bytes)
{
    struct scsi_lun *u = d->priv;
    u->h->ops->buf_free(u->h, buf, bytes);
}

static const struct blk_ops scsi_blk_ops = {
    .submit = scsi_blk_submit,
    .wait = scsi_blk_wait,
    .buf_alloc = scsi_blk_buf_alloc,
    .buf_free = scsi_blk_buf_free,
};
