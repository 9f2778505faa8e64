/* Hosted tests of the SCSI layer (blk/scsi.c over blk/blk.c) against a
 * small fake SCSI target set: several targets and LUNs, a target that
 * refuses REPORT LUNS, a CD-ROM, a disk too big for READ CAPACITY(10), and
 * injected sense (UNIT ATTENTION, NOT READY becoming ready, MEDIUM ERROR).
 * The fake adapter queues commands; its `wait` runs them, as a device
 * would, and completes them through scsi_cmd_done. */
#include "test.h"
#include "blk_stubs.h"
#include "blk/blk.h"
#include "blk/scsi.h"
#include "blk/scsi_reg.h"
#include "kernel/errno.h"

#define NT 8
#define NL 2
#define STORE 64                         /* sectors kept per LUN (LBAs wrap) */

struct flun {
    bool present;
    uint8_t type;
    uint64_t sectors;
    uint32_t bl;
    int ua, becoming, ua_io;             /* injected conditions, counted down */
    uint64_t bad_lba;                    /* MEDIUM ERROR on reads/writes here; 0: none */
    uint8_t data[STORE * 512];
};
struct ftarget {
    bool present, no_report_luns;
    struct flun lun[NL];
};
static struct ftarget tg[NT];
static struct scsi_cmd *pend[64];
static unsigned npend, max_in_flight, queued[NT], last_op, syncs;

static int f_queue(struct scsi_host *h, struct scsi_cmd *c)
{
    if (c->target >= h->max_target || c->lun >= h->max_lun || npend >= 64)
        return -EINVAL;
    pend[npend++] = c;
    queued[c->target]++;
    if (npend > max_in_flight)
        max_in_flight = npend;
    return 0;
}

static void sense(struct scsi_cmd *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
    struct scsi_sense_fixed *s = (void *)c->sense;
    memset(c->sense, 0, sizeof c->sense);
    s->response = 0x70;
    s->key = key;
    s->additional_len = 10;
    s->asc = asc;
    s->ascq = ascq;
    c->sense_len = 18;
    c->status = SCSI_STATUS_CHECK_CONDITION;
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static void data_in(struct scsi_cmd *c, const void *src, uint32_t n)
{
    uint32_t k = n < c->len ? n : c->len;
    memcpy(c->buf, src, k);
    c->resid = c->len - k;
}

static void rw(struct scsi_cmd *c, struct flun *l)
{
    uint8_t op = c->cdb[0];
    bool is16 = op == SCSI_OP_READ16 || op == SCSI_OP_WRITE16;
    uint64_t lba = is16 ? (uint64_t)be32(c->cdb + 2) << 32 | be32(c->cdb + 6) : be32(c->cdb + 2);
    uint32_t n = is16 ? be32(c->cdb + 10) : (uint32_t)(c->cdb[7] << 8 | c->cdb[8]);
    if (lba + n > l->sectors || n * l->bl != c->len)
        return sense(c, SCSI_KEY_ILLEGAL_REQUEST, 0x21, 0);
    if (l->ua_io > 0) {
        l->ua_io--;
        return sense(c, SCSI_KEY_UNIT_ATTENTION, 0x2a, 0x09);
    }
    if (l->bad_lba && l->bad_lba >= lba && l->bad_lba < lba + n)
        return sense(c, SCSI_KEY_MEDIUM_ERROR, op == SCSI_OP_READ10 || op == SCSI_OP_READ16 ? 0x11 : 0x0c, 0);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *s = l->data + ((lba + i) % STORE) * l->bl, *b = (uint8_t *)c->buf + i * l->bl;
        if (op == SCSI_OP_READ10 || op == SCSI_OP_READ16)
            memcpy(b, s, l->bl);
        else
            memcpy(s, b, l->bl);
    }
}

static void run(struct scsi_cmd *c)
{
    struct ftarget *t = &tg[c->target];
    struct flun *l = &t->lun[c->lun];
    static const uint8_t no_lun[36] = { 0x7f, 0, 5, 2, 31 };
    uint8_t b[64] = { 0 };
    c->host_status = 0;
    c->status = 0;
    c->resid = 0;
    last_op = c->cdb[0];
    if (!t->present) {
        c->host_status = -ENODEV;                 /* selection timeout */
        return;
    }
    if (c->cdb[0] == SCSI_OP_INQUIRY && !l->present && !(c->cdb[1] & 1))
        return data_in(c, no_lun, sizeof no_lun);
    if (c->cdb[0] == SCSI_OP_REPORT_LUNS) {
        if (t->no_report_luns)
            return sense(c, SCSI_KEY_ILLEGAL_REQUEST, 0x20, 0);
        unsigned n = 0;
        for (unsigned i = 0; i < NL; i++)
            if (t->lun[i].present)
                b[8 + 8 * n++ + 1] = (uint8_t)i;
        b[3] = (uint8_t)(8 * n);
        return data_in(c, b, 8 + 8 * n);
    }
    if (!l->present)
        return sense(c, SCSI_KEY_ILLEGAL_REQUEST, 0x25, 0);
    switch (c->cdb[0]) {
    case SCSI_OP_INQUIRY:
        if (c->cdb[1] & 1) {
            b[1] = c->cdb[2];
            if (c->cdb[2] == 0)
                b[3] = 2, b[4] = 0, b[5] = 0x80;
            else if (c->cdb[2] == 0x80)
                b[3] = 4, memcpy(b + 4, "SN", 2), b[6] = (uint8_t)('0' + c->target), b[7] = (uint8_t)('0' + c->lun);
            else
                return sense(c, SCSI_KEY_ILLEGAL_REQUEST, 0x24, 0);
            return data_in(c, b, 4u + b[3]);
        }
        b[0] = l->type;
        b[2] = 5, b[3] = 2, b[4] = 31;
        memcpy(b + 8, "FAKE    Disk            1.0 ", 28);
        return data_in(c, b, 36);
    case SCSI_OP_TEST_UNIT_READY:
        if (l->becoming > 0) {
            l->becoming--;
            return sense(c, SCSI_KEY_NOT_READY, 0x04, 0x01);
        }
        if (l->ua > 0) {
            l->ua--;
            return sense(c, SCSI_KEY_UNIT_ATTENTION, 0x29, 0);
        }
        return;
    case SCSI_OP_READ_CAPACITY10: {
        uint64_t last = l->sectors - 1;
        uint32_t l32 = last > 0xffffffff ? 0xffffffff : (uint32_t)last;
        b[0] = (uint8_t)(l32 >> 24), b[1] = (uint8_t)(l32 >> 16), b[2] = (uint8_t)(l32 >> 8), b[3] = (uint8_t)l32;
        b[6] = (uint8_t)(l->bl >> 8), b[7] = (uint8_t)l->bl;
        return data_in(c, b, 8);
    }
    case SCSI_OP_SERVICE_IN16: {
        uint64_t last = l->sectors - 1;
        for (int i = 0; i < 8; i++)
            b[i] = (uint8_t)(last >> (56 - 8 * i));
        b[10] = (uint8_t)(l->bl >> 8), b[11] = (uint8_t)l->bl;
        return data_in(c, b, 32);
    }
    case SCSI_OP_SYNC_CACHE10:
        syncs++;
        return;
    case SCSI_OP_READ10: case SCSI_OP_WRITE10: case SCSI_OP_READ16: case SCSI_OP_WRITE16:
        return rw(c, l);
    default:
        return sense(c, SCSI_KEY_ILLEGAL_REQUEST, 0x20, 0);
    }
}

static bool hold;                        /* the fake device stops answering */
static void step(struct scsi_host *h)
{
    while (npend && !hold) {
        struct scsi_cmd *c = pend[0];
        memmove(pend, pend + 1, --npend * sizeof pend[0]);
        run(c);
        scsi_cmd_done(h, c);
    }
}

static int f_wait(struct scsi_host *h, bool (*cond)(void *), void *arg, uint64_t ms)
{
    (void)ms;
    for (int i = 0; i < 10 && !cond(arg); i++)
        step(h);
    return cond(arg) ? 0 : -ETIMEDOUT;
}

static void *f_alloc(struct scsi_host *h, size_t n, uint64_t *bus)
{
    (void)h;
    void *p = calloc(1, n);
    *bus = (uintptr_t)p;
    return p;
}
static void f_free(struct scsi_host *h, void *p, size_t n) { (void)h, (void)n; free(p); }
static const struct scsi_host_ops f_ops = { f_queue, f_wait, f_alloc, f_free };

static void disk(unsigned t, unsigned l, uint64_t sectors)
{
    tg[t].present = true;
    tg[t].lun[l] = (struct flun){ .present = true, .type = 0, .sectors = sectors, .bl = 512 };
}

static struct scsi_host *cur;
static void setup(struct scsi_host *h)
{
    memset(tg, 0, sizeof tg);
    memset(queued, 0, sizeof queued);
    npend = max_in_flight = 0;
    hold = false;
    blk_log_clear();
    memset(h, 0, sizeof *h);
    cur = h;
    h->driver = "fake";
    h->max_target = NT;
    h->max_lun = NL;
    h->self_target = 7;
    h->max_transfer = 64 * 1024;
    h->can_queue = 2;
    h->ops = &f_ops;
    disk(0, 0, 2048);
    tg[0].lun[0].ua = 2;                 /* power-on reset, reported twice */
    tg[0].lun[0].becoming = 1;
    disk(2, 0, 4096);
    tg[2].lun[1] = (struct flun){ .present = true, .type = 5, .sectors = 1, .bl = 2048 };
    disk(3, 0, 0x100000010ull);          /* > 2 TiB: READ CAPACITY(16), READ(16) */
    tg[3].no_report_luns = true;
    tg[7].present = true;                /* the adapter itself */
}

static struct blk_dev *by_where(const char *tl)
{
    char w[32];
    snprintf(w, sizeof w, "%s:%s", cur->name, tl);
    for (unsigned i = 0; i < blk_count(); i++)
        if (strcmp(blk_get(i)->where, w) == 0)
            return blk_get(i);
    return NULL;
}

TEST(scan_finds_disks)
{
    static struct scsi_host h;
    setup(&h);
    REQUIRE(scsi_host_add(&h) == 0);
    CHECK_EQ(blk_count(), 3);
    struct blk_dev *a = by_where("0:0:0"), *b = by_where("0:2:0"),
                   *c = by_where("0:3:0");
    REQUIRE(a && b && c);
    CHECK_STR(a->model, "FAKE Disk 1.0");
    CHECK_STR(a->serial, "SN00");
    CHECK_STR(a->driver, "fake");
    CHECK_EQ(a->sectors, 2048);
    CHECK_EQ(a->sector_size, 512);
    CHECK_EQ(a->max_sectors, 128);
    CHECK_EQ(a->queue_depth, 2);
    CHECK_EQ(b->sectors, 4096);
    CHECK_EQ(c->sectors, 0x100000010ull);
    CHECK_EQ(queued[7], 0);              /* self_target never addressed */
    CHECK(by_where("0:2:1") == NULL);
    CHECK(strstr(blk_log, "not a disk") != NULL);
    CHECK_EQ(tg[0].lun[0].ua, 0);        /* retried through both */
    CHECK(max_in_flight <= 2);
    scsi_host_remove(&h);
    CHECK_EQ(blk_count(), 0);
}

TEST(io_read_write_flush)
{
    static struct scsi_host h;
    setup(&h);
    REQUIRE(scsi_host_add(&h) == 0);
    struct blk_dev *d = by_where("0:2:0"), *big = by_where("0:3:0");
    REQUIRE(d && big);
    uint64_t bus;
    uint8_t *buf = blk_buf_alloc(d, 4096, &bus);
    REQUIRE(buf);
    for (int i = 0; i < 4096; i++)
        buf[i] = (uint8_t)(i * 7 + 1);
    CHECK_EQ(blk_rw_sync(d, BLK_WRITE, 8, 8, buf, bus, 1000), 0);
    CHECK_EQ(last_op, SCSI_OP_WRITE10);
    CHECK(memcmp(tg[2].lun[0].data + 8 * 512, buf, 4096) == 0);
    memset(buf, 0, 4096);
    CHECK_EQ(blk_rw_sync(d, BLK_READ, 8, 8, buf, bus, 1000), 0);
    CHECK_EQ(buf[4095], (uint8_t)(4095 * 7 + 1));
    CHECK_EQ(blk_rw_sync(d, BLK_FLUSH, 0, 0, NULL, 0, 1000), 0);
    CHECK_EQ(syncs, 1);
    CHECK_EQ(blk_rw_sync(big, BLK_WRITE, 0x100000000ull, 1, buf, bus, 1000), 0);
    CHECK_EQ(last_op, SCSI_OP_WRITE16);
    CHECK_EQ(blk_rw_sync(big, BLK_READ, 0x10000000full, 1, buf, bus, 1000), 0);
    CHECK_EQ(last_op, SCSI_OP_READ16);
    CHECK_EQ(d->stats.writes, 1);
    CHECK_EQ(d->stats.reads, 1);
    blk_buf_free(d, buf, 4096);
    scsi_host_remove(&h);
}

TEST(sense_handling)
{
    static struct scsi_host h;
    setup(&h);
    REQUIRE(scsi_host_add(&h) == 0);
    struct blk_dev *d = by_where("0:2:0");
    REQUIRE(d);
    uint64_t bus;
    uint8_t *buf = blk_buf_alloc(d, 512, &bus);
    tg[2].lun[0].bad_lba = 100;
    CHECK_EQ(blk_rw_sync(d, BLK_READ, 100, 1, buf, bus, 1000), -EIO);
    CHECK(strstr(blk_log, "MEDIUM ERROR (unrecovered read error) 03/11/00") != NULL);
    CHECK_EQ(blk_rw_sync(d, BLK_WRITE, 100, 1, buf, bus, 1000), -EIO);
    CHECK(strstr(blk_log, "MEDIUM ERROR (write error)") != NULL);
    CHECK_EQ(blk_rw_sync(d, BLK_READ, 101, 1, buf, bus, 1000), 0);     /* others fine */
    tg[2].lun[0].ua_io = 2;              /* capacity changed: retried */
    CHECK_EQ(blk_rw_sync(d, BLK_READ, 5, 1, buf, bus, 1000), 0);
    tg[2].lun[0].ua_io = 100;            /* forever: bounded, then -EIO */
    CHECK_EQ(blk_rw_sync(d, BLK_READ, 5, 1, buf, bus, 1000), -EIO);
    CHECK(tg[2].lun[0].ua_io > 90);
    CHECK_EQ(d->stats.errors, 3);
    blk_buf_free(d, buf, 512);
    scsi_host_remove(&h);
}

static int dones, errs;
static void on_done(struct blk_req *r) { dones++; errs += r->status != 0; }

TEST(queueing_across_luns)
{
    static struct scsi_host h;
    setup(&h);
    REQUIRE(scsi_host_add(&h) == 0);
    struct blk_dev *a = by_where("0:0:0"), *b = by_where("0:2:0");
    REQUIRE(a && b);
    static uint8_t buf[512];
    struct blk_req r[8];
    max_in_flight = 0;
    dones = errs = 0;
    for (int i = 0; i < 8; i++) {
        r[i] = (struct blk_req){ .op = BLK_READ, .lba = (uint64_t)i, .count = 1, .buf = buf,
                                 .done = on_done };
        REQUIRE(blk_submit(i % 2 ? a : b, &r[i]) == 0);
    }
    CHECK_EQ(npend, 2);                  /* the adapter's can_queue, over both disks */
    step(&h);
    CHECK_EQ(dones, 8);
    CHECK_EQ(errs, 0);
    CHECK_EQ(max_in_flight, 2);
    /* The device goes silent with requests in flight; the host goes: the
     * waiting ones fail at once with -ENODEV, the adapter ends the rest. */
    hold = true;
    for (int i = 0; i < 6; i++)
        REQUIRE(blk_submit(b, &r[i]) == 0);
    scsi_host_remove(&h);
    CHECK_EQ(dones, 8 + 4);
    CHECK_EQ(errs, 4);
    while (npend) {
        struct scsi_cmd *c = pend[--npend];
        c->host_status = -ENODEV;
        scsi_cmd_done(&h, c);
    }
    CHECK_EQ(dones, 14);
    CHECK_EQ(blk_count(), 0);
}

TEST(rescan_and_removal)
{
    static struct scsi_host h;
    setup(&h);
    REQUIRE(scsi_host_add(&h) == 0);
    CHECK_EQ(blk_count(), 3);
    struct blk_dev *a = by_where("0:0:0");
    REQUIRE(a);
    scsi_lun_removed(&h, 0, 0);
    CHECK_EQ(blk_count(), 2);
    CHECK(by_where("0:0:0") == NULL);
    CHECK(strstr(blk_log, "removed") != NULL);
    scsi_lun_removed(&h, 5, 0);          /* nothing there: nothing happens */
    CHECK_EQ(blk_count(), 2);
    disk(5, 0, 100);                     /* hot-add */
    tg[2].present = false;               /* and a target goes */
    scsi_host_rescan(&h);
    CHECK_EQ(blk_count(), 3);            /* 0:0 back, 5:0 new, 2:0 gone */
    CHECK(by_where("0:5:0") != NULL);
    CHECK(by_where("0:0:0") != NULL);
    CHECK(by_where("0:2:0") == NULL);
    scsi_host_remove(&h);
    CHECK_EQ(blk_count(), 0);
}

TEST(not_ready_disk_skipped)
{
    static struct scsi_host h;
    setup(&h);
    tg[0].lun[0].becoming = 100;         /* never becomes ready */
    tg[3].present = false;
    tg[2].present = false;
    REQUIRE(scsi_host_add(&h) == 0);
    CHECK_EQ(blk_count(), 0);
    CHECK(strstr(blk_log, "not usable") != NULL);
    CHECK(tg[0].lun[0].becoming >= 90);  /* bounded */
    scsi_host_remove(&h);
}
