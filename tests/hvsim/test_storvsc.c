/* Hosted tests of hv/storvsc.c against the simulator's storvsp
 * (tests/hvsim/hvsim_storvsc.c), whose LUNs are raw image files in a
 * temporary directory. The SCSI layer is the stand-in of scsi_fake.h: the
 * tests queue SCSI commands through the adapter's scsi_host_ops themselves
 * and check each result, then read the image files to see what reached
 * the "disk". Each test runs in a forked child. Correct traffic must
 * leave zero simulator violations. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/storvsc.h"
#include "hv/storvsc_reg.h"
#include "hv/vmbus.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"
#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/hvsim_storvsc.h"
#include "tests/hvsim/isolated.h"
#include "tests/hvsim/scsi_fake.h"
#include "tests/hvsim/storvsc_images.h"
#include "tests/unit/test.h"

TRACE_DECLARE(storvsc);

/* --- Helpers ------------------------------------------------------------------ */

static void sim_setup(unsigned nluns, const uint64_t *sectors, const uint32_t *ssize)
{
    sim_setup_luns(nluns, sectors, ssize);
    memset(&scsi_fake, 0, sizeof scsi_fake);
}

/* Connects the guest: the storvsc driver probes the offer. */
static struct scsi_host *guest_up(void)
{
    if (!hvsim_add_storvsc(&sim, 0))
        return NULL;
    if (!hv_detect() || hv_synic_init() || vmbus_init())
        return NULL;
    return scsi_fake.h;
}

static struct scsi_host *up3(void)
{
    static const uint64_t sec[3] = { 2048, 4096, 512 };
    static const uint32_t ss[3] = { 512, 512, 4096 };
    sim_setup(3, sec, ss);
    return guest_up();
}

static void mark_done(struct scsi_cmd *c) { *(bool *)c->arg = true; }
static bool is_done(void *arg) { return *(bool *)arg; }

/* Queues c and waits for it through the adapter's wait: its host_status,
 * or the queue error, or -ETIMEDOUT when it never completed. */
static int run(struct scsi_host *h, struct scsi_cmd *c)
{
    bool done = false;
    c->done = mark_done;
    c->arg = &done;
    int err = h->ops->queue(h, c);
    if (err)
        return err;
    if (h->ops->wait(h, is_done, &done, 60000) || !done)
        return -ETIMEDOUT;
    return c->host_status;
}

static void cdb_rw(struct scsi_cmd *c, bool write, bool is16, uint64_t lba, uint32_t count)
{
    memset(c->cdb, 0, sizeof c->cdb);
    if (is16) {
        c->cdb[0] = write ? 0x8A : 0x88;
        for (int i = 0; i < 8; i++)
            c->cdb[2 + i] = (uint8_t)(lba >> (56 - 8 * i));
        for (int i = 0; i < 4; i++)
            c->cdb[10 + i] = (uint8_t)(count >> (24 - 8 * i));
        c->cdb_len = 16;
    } else {
        c->cdb[0] = write ? 0x2A : 0x28;
        for (int i = 0; i < 4; i++)
            c->cdb[2 + i] = (uint8_t)(lba >> (24 - 8 * i));
        c->cdb[7] = (uint8_t)(count >> 8);
        c->cdb[8] = (uint8_t)count;
        c->cdb_len = 10;
    }
    c->dir = write ? SCSI_DIR_OUT : SCSI_DIR_IN;
}

struct dbuf {
    uint8_t *p;
    uint64_t bus;
    size_t len;
};

static struct dbuf dbuf(struct scsi_host *h, size_t len)
{
    struct dbuf b = { .len = len };
    b.p = h->ops->buf_alloc(h, len, &b.bus);
    return b;
}

/* READ/WRITE of count sectors of size ss at lba on lun, with buffer b. */
static int io(struct scsi_host *h, unsigned lun, bool write, uint64_t lba, uint32_t count, uint32_t ss,
              const struct dbuf *b, struct scsi_cmd *c)
{
    memset(c, 0, sizeof *c);
    c->lun = (uint16_t)lun;
    cdb_rw(c, write, lba > 0xFFFFFFFFull || count > 0xFFFF, lba, count);
    c->buf = b->p;
    c->buf_bus = b->bus;
    c->len = count * ss;
    return run(h, c);
}

static int simple(struct scsi_host *h, unsigned lun, const uint8_t *cdb, uint8_t cdb_len, const struct dbuf *b,
                  uint32_t len, struct scsi_cmd *c)
{
    memset(c, 0, sizeof *c);
    c->lun = (uint16_t)lun;
    memcpy(c->cdb, cdb, cdb_len);
    c->cdb_len = cdb_len;
    c->dir = len ? SCSI_DIR_IN : SCSI_DIR_NONE;
    c->buf = b ? b->p : NULL;
    c->buf_bus = b ? b->bus : 0;
    c->len = len;
    return run(h, c);
}

static bool image_equals(unsigned lun, uint64_t off, const uint8_t *want, size_t len)
{
    uint8_t *got = malloc(len);
    bool ok = pread(sim.lun[lun].fd, got, len, (off_t)off) == (ssize_t)len && memcmp(got, want, len) == 0;
    free(got);
    return ok;
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

/* --- Handshake ---------------------------------------------------------------- */

ISOLATED_TEST(storvsc_handshake_falls_back_from_6_2_to_the_hosts_6_0)
{
    trace_storvsc = true;
    struct scsi_host *h = up3();
    REQUIRE(h);
    CHECK_EQ(storvsc_version(h), VSTOR_VER_BLUE);
    CHECK_EQ(sim.refused_versions, 1);                  /* 6.2: REVISION_MISMATCH */
    CHECK_EQ(sim.init_packets, 5);                      /* begin, 2 versions, properties, end */
    CHECK_EQ(h->max_transfer, 256 * 1024);
    CHECK_STR(h->driver, "storvsc");
    CHECK(h->can_queue >= 8);
    CHECK(hvsim_log_contains("storvsc: -> QUERY_PROTOCOL_VERSION version 6.2\n"));
    CHECK(hvsim_log_contains("storvsc: <- COMPLETE_IO (QUERY_PROTOCOL_VERSION) status 0xc0000059 version 6.2\n"));
    CHECK(hvsim_log_contains("protocol 6.0, max transfer 256 KiB"));
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_win7_host_gets_48_byte_srbs)
{
    static const uint64_t sec[1] = { 1024 };
    static const uint32_t ss[1] = { 512 };
    sim_setup(1, sec, ss);
    sim.versions[0] = VSTOR_VER_WIN7;
    sim.nversions = 1;
    struct scsi_host *h = guest_up();
    REQUIRE(h);
    CHECK_EQ(storvsc_version(h), VSTOR_VER_WIN7);
    CHECK_EQ(sim.req_size, 36);
    struct dbuf b = dbuf(h, 4096);
    fill(b.p, 4096, 7);
    struct scsi_cmd c;
    CHECK_EQ(io(h, 0, true, 10, 8, 512, &b, &c), 0);
    CHECK(image_equals(0, 10 * 512, b.p, 4096));
    /* Sense fits the pre-Win8 18 bytes. */
    sim.lun[0].medium_error = true;
    sim.lun[0].medium_error_lba = 12;
    CHECK_EQ(io(h, 0, false, 10, 8, 512, &b, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_CHECK_CONDITION);
    CHECK_EQ(c.sense_len, 18);
    CHECK_EQ(c.sense[2] & 0xF, 3);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_no_common_version_fails_the_probe_cleanly)
{
    static const uint64_t sec[1] = { 1024 };
    static const uint32_t ss[1] = { 512 };
    sim_setup(1, sec, ss);
    sim.versions[0] = 0x0100;
    sim.nversions = 1;
    CHECK(guest_up() == NULL);
    CHECK_EQ(scsi_fake.adds, 0);
    CHECK_EQ(sim.refused_versions, 5);
    CHECK(!hvsim_chan_is_open(sim.ch));
    CHECK(hvsim_log_contains("accepts none of our protocol versions"));
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_ide_accelerator_channel_is_one_disk)
{
    static const uint64_t sec[1] = { 1024 };
    static const uint32_t ss[1] = { 512 };
    sim_setup(1, sec, ss);
    sim.ide = true;
    struct scsi_host *h = guest_up();
    REQUIRE(h);
    CHECK_EQ(h->max_target, 1);
    CHECK_EQ(h->max_lun, 1);
    CHECK(hvsim_log_contains("IDE accelerator"));
    uint8_t tur[6] = { 0 };
    struct scsi_cmd c;
    CHECK_EQ(simple(h, 0, tur, 6, NULL, 0, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_GOOD);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Finding disks -------------------------------------------------------------- */

ISOLATED_TEST(storvsc_finds_three_luns_with_their_identity_and_capacity)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    struct dbuf b = dbuf(h, 4096);
    struct scsi_cmd c;
    uint8_t rl[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0 };
    CHECK_EQ(simple(h, 0, rl, 12, &b, 4096, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_GOOD);
    CHECK_EQ(b.p[3], 24);                               /* 3 LUNs x 8 bytes */
    CHECK_EQ(b.p[9], 0);
    CHECK_EQ(b.p[17], 1);
    CHECK_EQ(b.p[25], 2);
    CHECK_EQ(c.resid, 4096 - 32);

    uint8_t inq[6] = { 0x12, 0, 0, 0, 96, 0 };
    CHECK_EQ(simple(h, 1, inq, 6, &b, 96, &c), 0);
    CHECK_EQ(b.p[0], 0);
    CHECK(memcmp(b.p + 8, "Msft    Virtual Disk", 20) == 0);
    uint8_t vpd80[6] = { 0x12, 1, 0x80, 0, 64, 0 };
    CHECK_EQ(simple(h, 2, vpd80, 6, &b, 64, &c), 0);
    CHECK(memcmp(b.p + 4, "HVSIM0002", 9) == 0);
    uint8_t vpd83[6] = { 0x12, 1, 0x83, 0, 64, 0 };
    CHECK_EQ(simple(h, 2, vpd83, 6, &b, 64, &c), 0);
    CHECK_EQ(b.p[1], 0x83);
    CHECK_EQ(b.p[5] & 0xF, 1);                          /* T10 vendor id designator */

    uint8_t rc10[10] = { 0x25 };
    CHECK_EQ(simple(h, 1, rc10, 10, &b, 8, &c), 0);
    CHECK_EQ((b.p[0] << 24 | b.p[1] << 16 | b.p[2] << 8 | b.p[3]), 4095);
    CHECK_EQ((b.p[4] << 24 | b.p[5] << 16 | b.p[6] << 8 | b.p[7]), 512);
    uint8_t rc16[16] = { 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0 };
    CHECK_EQ(simple(h, 2, rc16, 16, &b, 32, &c), 0);
    CHECK_EQ(b.p[7], 511 & 0xFF);
    CHECK_EQ(b.p[6], 511 >> 8);
    CHECK_EQ((b.p[8] << 24 | b.p[9] << 16 | b.p[10] << 8 | b.p[11]), 4096);

    /* An absent LUN: INQUIRY says "no device" (0x7F), anything else -ENODEV. */
    CHECK_EQ(simple(h, 5, inq, 6, &b, 96, &c), 0);
    CHECK_EQ(b.p[0], 0x7F);
    uint8_t tur[6] = { 0 };
    CHECK_EQ(simple(h, 5, tur, 6, NULL, 0, &c), -ENODEV);
    /* REQUEST SENSE with nothing pending: NO SENSE. */
    uint8_t rs[6] = { 0x03, 0, 0, 0, 18, 0 };
    CHECK_EQ(simple(h, 0, rs, 6, &b, 18, &c), 0);
    CHECK_EQ(b.p[0], 0x70);
    CHECK_EQ(b.p[2], 0);
    uint8_t sync[10] = { 0x35 };
    CHECK_EQ(simple(h, 0, sync, 10, NULL, 0, &c), 0);
    CHECK_EQ(sim.lun[0].flushes, 1);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Data ------------------------------------------------------------------------ */

ISOLATED_TEST(storvsc_random_writes_on_three_luns_land_in_the_images)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    static const uint32_t ss[3] = { 512, 512, 4096 };
    struct dbuf b = dbuf(h, 64 * 1024), r = dbuf(h, 64 * 1024);
    uint8_t *shadow[3];
    for (unsigned l = 0; l < 3; l++)
        shadow[l] = calloc(sim.lun[l].sectors, ss[l]);
    uint32_t seed = 1;
    for (int i = 0; i < 60; i++) {
        unsigned l = (unsigned)i % 3;
        seed = seed * 1664525u + 1013904223u;
        uint32_t maxc = 64 * 1024 / ss[l];
        uint32_t count = 1 + (seed >> 8) % maxc;
        uint64_t lba = (seed >> 4) % (sim.lun[l].sectors - count + 1);
        fill(b.p, count * ss[l], seed);
        struct scsi_cmd c;
        CHECK_EQ(io(h, l, true, lba, count, ss[l], &b, &c), 0);
        CHECK_EQ(c.status, SCSI_STATUS_GOOD);
        CHECK_EQ(c.resid, 0);
        memcpy(shadow[l] + lba * ss[l], b.p, count * ss[l]);
        /* Read back a different window through the guest. */
        CHECK_EQ(io(h, l, false, lba, count, ss[l], &r, &c), 0);
        CHECK(memcmp(r.p, b.p, count * ss[l]) == 0);
    }
    for (unsigned l = 0; l < 3; l++) {
        CHECK(image_equals(l, 0, shadow[l], sim.lun[l].sectors * ss[l]));
        free(shadow[l]);
    }
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_transfers_up_to_the_hosts_maximum_and_no_further)
{
    static const uint64_t sec[1] = { 8192 };
    static const uint32_t ss[1] = { 512 };
    sim_setup(1, sec, ss);
    sim.max_transfer = 64 * 1024 + 100;                  /* rounded down to pages by the guest */
    struct scsi_host *h = guest_up();
    REQUIRE(h);
    CHECK_EQ(h->max_transfer, 64 * 1024);
    struct dbuf b = dbuf(h, 1 << 20);
    fill(b.p, 1 << 20, 99);
    /* 1 MiB as the SCSI layer would split it: 16 commands of the maximum. */
    for (uint32_t off = 0; off < (1u << 20); off += h->max_transfer) {
        struct dbuf part = { b.p + off, b.bus + off, h->max_transfer };
        struct scsi_cmd c;
        CHECK_EQ(io(h, 0, true, 100 + off / 512, h->max_transfer / 512, 512, &part, &c), 0);
    }
    CHECK(image_equals(0, 100 * 512, b.p, 1 << 20));
    CHECK_EQ(sim.srb_bytes_max, 64 * 1024);
    struct scsi_cmd c;
    CHECK_EQ(io(h, 0, false, 0, h->max_transfer / 512 + 8, 512, &b, &c), -EINVAL);
    /* An unaligned buffer spans one more page: still one range. */
    struct dbuf odd = { b.p + 512, b.bus + 512, 0 };
    CHECK_EQ(io(h, 0, false, 100, 16, 512, &odd, &c), 0);
    CHECK(memcmp(b.p + 512, b.p + 512, 8192) == 0 && image_equals(0, 100 * 512, b.p + 512, 8192));
    CHECK_EQ(hvsim_violations(), 0);
}

struct multi {
    struct scsi_cmd c[16];
    unsigned done;
};
static void multi_done(struct scsi_cmd *c) { ((struct multi *)c->arg)->done++; }
static bool multi_all(void *arg) { return ((struct multi *)arg)->done == 16; }

ISOLATED_TEST(storvsc_sixteen_commands_in_flight_complete_out_of_order)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    sim.complete_delay = 20;
    sim.complete_reverse = true;
    static struct multi m;
    struct dbuf b = dbuf(h, 16 * 8192);
    fill(b.p, 16 * 8192, 5);
    for (unsigned i = 0; i < 16; i++) {
        struct scsi_cmd *c = &m.c[i];
        c->lun = (uint16_t)(i % 2);
        cdb_rw(c, true, false, i * 16, 16);
        c->buf = b.p + i * 8192;
        c->buf_bus = b.bus + i * 8192;
        c->len = 8192;
        c->done = multi_done;
        c->arg = &m;
        CHECK_EQ(h->ops->queue(h, c), 0);
    }
    CHECK_EQ(h->ops->wait(h, multi_all, &m, 60000), 0);
    CHECK_EQ(m.done, 16);
    CHECK(sim.max_pending >= 8);
    for (unsigned i = 0; i < 16; i++) {
        CHECK_EQ(m.c[i].host_status, 0);
        CHECK(image_equals(i % 2, i * 16 * 512, b.p + i * 8192, 8192));
    }
    CHECK_EQ(storvsc_stats(h)->completed, 16);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Faults ------------------------------------------------------------------------ */

ISOLATED_TEST(storvsc_medium_error_reaches_the_caller_and_spares_the_rest)
{
    trace_storvsc = true;
    struct scsi_host *h = up3();
    REQUIRE(h);
    sim.lun[1].medium_error = true;
    sim.lun[1].medium_error_lba = 300;
    struct dbuf b = dbuf(h, 8192);
    fill(b.p, 8192, 3);
    struct scsi_cmd c;
    CHECK_EQ(io(h, 1, true, 296, 8, 512, &b, &c), 0);     /* host_status 0: the target answered */
    CHECK_EQ(c.status, SCSI_STATUS_CHECK_CONDITION);
    CHECK_EQ(c.sense_len, 18);
    CHECK_EQ(c.sense[0], 0xF0);                         /* valid information field */
    CHECK_EQ(c.sense[2], 3);
    CHECK_EQ(c.sense[12], 0x0C);
    CHECK_EQ(c.sense[6], 300 & 0xFF);
    CHECK(hvsim_log_contains(" 0:0:1 cdb 2a 00 00 00 01 28 00 00 08 00 len 4096 out\n"));
    CHECK(hvsim_log_contains("(EXECUTE_SRB) status 0xc0000185 id 0x"));
    CHECK(hvsim_log_contains(" srb_status 0x84 scsi_status 0x2 sense 18 len 0\n"));
    uint8_t zero[4096] = { 0 };
    CHECK(image_equals(1, 296 * 512, zero, 4096));      /* nothing written */
    CHECK_EQ(io(h, 1, false, 299, 2, 512, &b, &c), 0);
    CHECK_EQ(c.sense[12], 0x11);                        /* unrecovered read error */
    /* Other LBAs and LUNs are fine. */
    CHECK_EQ(io(h, 1, true, 0, 8, 512, &b, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_GOOD);
    CHECK(image_equals(1, 0, b.p, 4096));
    CHECK_EQ(io(h, 0, true, 296, 8, 512, &b, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_GOOD);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_not_ready_then_ready)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    sim.lun[0].not_ready = 2;
    uint8_t tur[6] = { 0 };
    struct scsi_cmd c;
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(simple(h, 0, tur, 6, NULL, 0, &c), 0);
        CHECK_EQ(c.status, SCSI_STATUS_CHECK_CONDITION);
        CHECK_EQ(c.sense[2], 2);
        CHECK_EQ(c.sense[12], 0x04);
    }
    CHECK_EQ(simple(h, 0, tur, 6, NULL, 0, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_GOOD);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_host_busy_is_eagain)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    sim.busy_next = 1;
    struct dbuf b = dbuf(h, 4096);
    struct scsi_cmd c;
    CHECK_EQ(io(h, 2, false, 0, 1, 4096, &b, &c), -EAGAIN);
    CHECK_EQ(sim.lun[2].reads, 0);
    CHECK_EQ(io(h, 2, false, 0, 1, 4096, &b, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_GOOD);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_hot_add_gives_enumerate_bus_a_rescan_and_a_unit_attention)
{
    trace_storvsc = true;
    struct scsi_host *h = up3();
    REQUIRE(h);
    char p[96];
    img_path(p, sizeof p, 3);
    REQUIRE(hvsim_storvsc_hot_add(&sim, 3, p, 256, 512) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(sim.enumerates, 1);
    CHECK_EQ(scsi_fake.rescans, 1);
    CHECK_EQ(storvsc_stats(h)->enumerates, 1);
    CHECK(hvsim_log_contains("storvsc: <- ENUMERATE_BUS"));
    struct dbuf b = dbuf(h, 4096);
    struct scsi_cmd c;
    CHECK_EQ(io(h, 0, false, 0, 8, 512, &b, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_CHECK_CONDITION);
    CHECK_EQ(c.sense[2], 6);
    CHECK_EQ(c.sense[12], 0x3F);
    CHECK_EQ(c.sense[13], 0x0E);
    CHECK_EQ(io(h, 0, false, 0, 8, 512, &b, &c), 0);   /* the retry */
    CHECK_EQ(c.status, SCSI_STATUS_GOOD);
    fill(b.p, 4096, 11);
    CHECK_EQ(io(h, 3, true, 8, 8, 512, &b, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_GOOD);
    CHECK(image_equals(3, 8 * 512, b.p, 4096));
    /* Hot remove: another notice; the LUN is gone. */
    hvsim_storvsc_hot_remove(&sim, 3);
    hvsim_run_until_idle();
    CHECK_EQ(scsi_fake.rescans, 2);
    CHECK_EQ(io(h, 3, false, 8, 8, 512, &b, &c), -ENODEV);
    CHECK_EQ(hvsim_violations(), 0);
}

static bool never(void *arg)
{
    (void)arg;
    return false;
}

static void hot_add_during_scan(struct scsi_host *h)
{
    char p[96];
    img_path(p, sizeof p, 3);
    if (hvsim_storvsc_hot_add(&sim, 3, p, 64, 512) == 0)
        h->ops->wait(h, never, NULL, 50);               /* the scan goes on; ENUMERATE_BUS arrives */
}

ISOLATED_TEST(storvsc_enumerate_bus_during_the_first_scan_rescans_after_it)
{
    static const uint64_t sec[1] = { 64 };
    static const uint32_t ss[1] = { 512 };
    sim_setup(1, sec, ss);
    scsi_fake.during_add = hot_add_during_scan;
    struct scsi_host *h = guest_up();
    REQUIRE(h);
    CHECK_EQ(sim.enumerates, 1);
    CHECK_EQ(storvsc_stats(h)->enumerates, 1);
    hvsim_run_until_idle();
    CHECK_EQ(scsi_fake.rescans, 1);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_a_command_that_never_completes_times_out_alone)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    struct dbuf b = dbuf(h, 4096), r = dbuf(h, 4096);
    fill(b.p, 4096, 21);
    sim.hang_next = 1;
    struct scsi_cmd c;
    memset(&c, 0, sizeof c);
    cdb_rw(&c, true, false, 40, 8);
    c.buf = b.p;
    c.buf_bus = b.bus;
    c.len = 4096;
    c.timeout_ms = 300;
    CHECK_EQ(run(h, &c), -ETIMEDOUT);
    CHECK_EQ(storvsc_stats(h)->timeouts, 1);
    CHECK(hvsim_log_contains("timed out after 300 ms"));
    /* Later commands are unaffected. */
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(io(h, 0, true, 80 + 8 * i, 8, 512, &b, &c), 0);
        CHECK_EQ(io(h, 0, false, 80 + 8 * i, 8, 512, &r, &c), 0);
        CHECK(memcmp(r.p, b.p, 4096) == 0);
    }
    CHECK_EQ(hvsim_violations(), 0);
}

/* Nobody waits: a channel event still times out an old command by the
 * clock (simulated time: 1 us per step). */
ISOLATED_TEST(storvsc_an_old_command_times_out_by_the_clock_without_a_waiter)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    struct dbuf b = dbuf(h, 4096);
    static struct multi m;
    sim.hang_next = 1;
    struct scsi_cmd *a = &m.c[0];
    cdb_rw(a, false, false, 0, 8);
    a->buf = b.p;
    a->buf_bus = b.bus;
    a->len = 4096;
    a->timeout_ms = 1;
    a->done = multi_done;
    a->arg = &m;
    CHECK_EQ(h->ops->queue(h, a), 0);
    for (int i = 0; i < 100; i++)                       /* > 1 ms of simulated time */
        hvsim_run_until_idle();
    CHECK_EQ(m.done, 0);
    uint8_t tur[6] = { 0 };
    struct scsi_cmd *c = &m.c[1];
    memcpy(c->cdb, tur, 6);
    c->cdb_len = 6;
    c->done = multi_done;
    c->arg = &m;
    CHECK_EQ(h->ops->queue(h, c), 0);
    hvsim_run_until_idle();                             /* its completion is the event */
    CHECK_EQ(m.done, 2);
    CHECK_EQ(a->host_status, -ETIMEDOUT);
    CHECK_EQ(c->host_status, 0);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_a_late_completion_is_dropped)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    struct dbuf b = dbuf(h, 4096);
    sim.complete_delay = 3000;                          /* long after the guest gave up */
    struct scsi_cmd c;
    memset(&c, 0, sizeof c);
    cdb_rw(&c, false, false, 0, 8);
    c.buf = b.p;
    c.buf_bus = b.bus;
    c.len = 4096;
    c.timeout_ms = 100;
    CHECK_EQ(run(h, &c), -ETIMEDOUT);
    for (int i = 0; i < 500 && !storvsc_stats(h)->unknown; i++)
        hvsim_run_until_idle();
    CHECK_EQ(storvsc_stats(h)->unknown, 1);
    CHECK(hvsim_log_contains("completion for unknown id"));
    sim.complete_delay = 0;
    CHECK_EQ(io(h, 0, false, 0, 8, 512, &b, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_GOOD);
    CHECK_EQ(hvsim_violations(), 0);
}

struct rescind_wait {
    struct multi *m;
    unsigned n;
};
static bool n_done(void *arg) { struct rescind_wait *w = arg; return w->m->done >= w->n; }

/* Four reads the host never answers, then the host rescinds the channel:
 * through_wait, a waiter notices first (the adapter's wait fails commands
 * on a channel that is no longer open); otherwise the driver's remove does. */
static void rescind_mid_io(bool through_wait)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    static struct multi m;
    struct dbuf b = dbuf(h, 4 * 4096);
    sim.hang_next = 4;
    for (unsigned i = 0; i < 4; i++) {
        struct scsi_cmd *c = &m.c[i];
        cdb_rw(c, false, false, i * 8, 8);
        c->buf = b.p + i * 4096;
        c->buf_bus = b.bus + i * 4096;
        c->len = 4096;
        c->done = multi_done;
        c->arg = &m;
        CHECK_EQ(h->ops->queue(h, c), 0);
    }
    hvsim_run_until_idle();
    CHECK_EQ(sim.hung, 4);
    CHECK_EQ(m.done, 0);
    hvsim_rescind(sim.ch);
    struct rescind_wait w = { &m, 4 };
    if (through_wait)
        CHECK_EQ(h->ops->wait(h, n_done, &w, 5000), 0);
    hvsim_run_until_idle();
    CHECK_EQ(m.done, 4);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(m.c[i].host_status, -ENODEV);
    CHECK_EQ(scsi_fake.removes, 1);
    CHECK(hvsim_chan_released(sim.ch));
    CHECK(hvsim_log_contains("rescinded by the host and released"));
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_rescind_mid_io_fails_commands_with_enodev_and_removes_the_host)
{
    rescind_mid_io(false);
}

ISOLATED_TEST(storvsc_rescind_mid_io_wakes_a_waiter_with_enodev)
{
    rescind_mid_io(true);
}

/* --- A hostile host ------------------------------------------------------------------ */

ISOLATED_TEST(storvsc_hostile_completions_are_refused_and_harm_nothing_else)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    struct dbuf b = dbuf(h, 4096), r = dbuf(h, 4096);
    static const struct {
        enum hvsim_stor_hostile kind;
        int want;
    } cases[] = {
        { HVSIM_STOR_SHORT, -EIO },         { HVSIM_STOR_BOGUS_ID, 0 },       { HVSIM_STOR_DUPLICATE, 0 },
        { HVSIM_STOR_GARBAGE_STATUS, -EIO }, { HVSIM_STOR_OVERLONG, -EIO },   { HVSIM_STOR_HUGE_SENSE, 0 },
        { HVSIM_STOR_WRONG_OP, -EIO },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fill(b.p, 4096, (uint32_t)i);
        struct scsi_cmd c;
        CHECK_EQ(io(h, 0, true, 8 * i, 8, 512, &b, &c), 0);
        sim.hostile = cases[i].kind;
        CHECK_EQ(io(h, 0, false, 8 * i, 8, 512, &r, &c), cases[i].want);
        if (cases[i].kind == HVSIM_STOR_HUGE_SENSE) {
            CHECK_EQ(c.status, SCSI_STATUS_CHECK_CONDITION);
            CHECK(c.sense_len <= VSTOR_SENSE_WIN8);
        }
        hvsim_run_until_idle();
        /* The next command is unharmed. */
        CHECK_EQ(io(h, 0, false, 8 * i, 8, 512, &r, &c), 0);
        CHECK_EQ(c.status, SCSI_STATUS_GOOD);
        CHECK(memcmp(r.p, b.p, 4096) == 0);
    }
    CHECK_EQ(storvsc_stats(h)->unknown, 2);             /* the bogus id, the duplicate */
    CHECK(storvsc_stats(h)->bad >= 3);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(storvsc_hostile_inband_packets_are_dropped)
{
    struct scsi_host *h = up3();
    REQUIRE(h);
    uint8_t junk[64];
    memset(junk, 0xA5, sizeof junk);
    hvsim_chan_send(sim.ch, VMBUS_PKT_DATA_INBAND, 0, 0, junk, 4);          /* too short */
    hvsim_chan_send(sim.ch, VMBUS_PKT_DATA_INBAND, 0, 0, junk, sizeof junk);  /* unknown operation */
    uint8_t big[512] = { 1 };
    hvsim_chan_send(sim.ch, VMBUS_PKT_COMP, 0, 77, big, sizeof big);        /* longer than any reply */
    hvsim_run_until_idle();
    CHECK_EQ(storvsc_stats(h)->bad, 3);
    CHECK_EQ(scsi_fake.rescans, 0);
    /* REMOVE_DEVICE, as Linux treats it: a rescan. */
    struct vstor_packet rm;
    memset(&rm, 0, sizeof rm);
    rm.operation = VSTOR_OP_REMOVE_DEVICE;
    hvsim_chan_send(sim.ch, VMBUS_PKT_DATA_INBAND, 0, 0, &rm, sizeof rm);
    hvsim_run_until_idle();
    CHECK_EQ(scsi_fake.rescans, 1);
    struct dbuf b = dbuf(h, 4096);
    struct scsi_cmd c;
    CHECK_EQ(io(h, 0, false, 0, 8, 512, &b, &c), 0);
    CHECK_EQ(c.status, SCSI_STATUS_GOOD);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- The simulator's own strictness ---------------------------------------------------- */

static void raw(uint64_t id, uint16_t flags, uint32_t op, uint32_t len)
{
    struct vstor_packet p;
    memset(&p, 0, sizeof p);
    p.operation = op;
    p.u.version.major_minor = VSTOR_VER_BLUE;
    struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2, .flags = flags, .trans_id = id };
    sim.ops.on_packet(sim.ch, &d, (const uint8_t *)&p, len);
}

/* Hands the simulator a GPA-direct EXECUTE_SRB of dtl bytes whose one
 * range is range_len long (the checks come before any page is touched);
 * returns the violation count after it. */
static unsigned gpa_srb(struct vstor_packet *p, uint32_t dtl, uint32_t range_len)
{
    static uint8_t pkt[16 + 8 + 8 + 8 * 80 + 64];
    uint32_t npfn = (range_len + 4095) / 4096, hdr = 16 + 8 + 8 + 8 * npfn;
    memset(pkt, 0, sizeof pkt);
    struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_GPA_DIRECT, .offset8 = (uint16_t)(hdr / 8),
                                .flags = VMBUS_PKT_FLAG_COMPLETION_REQUESTED, .trans_id = 11 };
    struct vmbus_pkt_gpa_direct_hdr g = { .range_count = 1 };
    memcpy(pkt, &d, sizeof d);
    memcpy(pkt + 16, &g, sizeof g);
    memcpy(pkt + 24, &range_len, 4);
    p->u.srb.data_transfer_length = dtl;
    memcpy(pkt + hdr, p, 64);
    sim.ops.on_packet(sim.ch, &d, pkt + hdr, 64);
    return sim.violations;
}

ISOLATED_TEST(storvsc_sim_refuses_what_hyperv_refuses)
{
    static const uint64_t sec[1] = { 64 };
    static const uint32_t ss[1] = { 512 };
    sim_setup(1, sec, ss);
    hvsim_set_verbose(false);
    REQUIRE(hvsim_add_storvsc(&sim, 0));
    const uint16_t F = VMBUS_PKT_FLAG_COMPLETION_REQUESTED;
    raw(1, F, VSTOR_OP_EXECUTE_SRB, 64);               /* before BEGIN_INITIALIZATION */
    CHECK_EQ(sim.violations, 1);
    CHECK(strstr(sim.last_violation, "initialization step 0"));
    raw(2, 0, VSTOR_OP_BEGIN_INIT, 64);                /* no completion requested */
    CHECK_EQ(sim.violations, 2);
    raw(3, F, VSTOR_OP_BEGIN_INIT, 8);                 /* shorter than the header */
    CHECK_EQ(sim.violations, 3);
    raw(4, F, VSTOR_OP_BEGIN_INIT, 64);
    raw(5, F, VSTOR_OP_QUERY_VERSION, 64);
    raw(6, F, VSTOR_OP_QUERY_PROPERTIES, 64);
    raw(7, F, VSTOR_OP_END_INIT, 64);
    CHECK_EQ(sim.violations, 3);
    CHECK_EQ(sim.version, VSTOR_VER_BLUE);
    raw(8, F, VSTOR_OP_BEGIN_INIT, 64);                /* again, once ready */
    CHECK_EQ(sim.violations, 4);
    raw(9, F, VSTOR_OP_EXECUTE_SRB, 48);               /* the 4.2 size on 6.0 */
    CHECK_EQ(sim.violations, 5);
    CHECK(strstr(sim.last_violation, "48-byte EXECUTE_SRB"));
    /* Data without a GPA range; a transfer above the maximum. */
    struct vstor_packet p;
    memset(&p, 0, sizeof p);
    p.operation = VSTOR_OP_EXECUTE_SRB;
    p.u.srb.cdb_length = 10;
    p.u.srb.cdb_or_sense[0] = 0x28;
    p.u.srb.data_in = VSTOR_DATA_IN;
    p.u.srb.data_transfer_length = 512;
    struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2, .flags = F, .trans_id = 10 };
    sim.ops.on_packet(sim.ch, &d, (const uint8_t *)&p, 64);
    CHECK_EQ(sim.violations, 6);
    CHECK(strstr(sim.last_violation, "no GPA range"));
    p.u.srb.data_transfer_length = 0;
    p.u.srb.cdb_length = 17;
    sim.ops.on_packet(sim.ch, &d, (const uint8_t *)&p, 64);
    CHECK_EQ(sim.violations, 7);
    /* GPA direct: a range shorter than the transfer, a transfer above the
     * maximum, a direction that contradicts the command. */
    p.u.srb.cdb_length = 10;
    CHECK_EQ(gpa_srb(&p, 4096, 512), 8);
    CHECK(strstr(sim.last_violation, "GPA range of 512 bytes for a 4096-byte transfer"));
    CHECK_EQ(gpa_srb(&p, sim.max_transfer + 4096, sim.max_transfer + 4096), 9);
    CHECK(strstr(sim.last_violation, "above the"));
    p.u.srb.data_in = VSTOR_DATA_OUT;
    CHECK_EQ(gpa_srb(&p, 4096, 4096), 10);
    CHECK(strstr(sim.last_violation, "data_in 0"));
    hvsim_clear_violations();
}

/* --- Throughput ----------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* 32 MiB each way in 256 KiB commands, 8 in flight. The figure is printed,
 * not asserted; the test checks only that every byte arrived. */
ISOLATED_TEST(storvsc_hosted_throughput)
{
    static const uint64_t sec[1] = { 65536 };           /* 32 MiB */
    static const uint32_t ss[1] = { 512 };
    sim_setup(1, sec, ss);
    struct scsi_host *h = guest_up();
    REQUIRE(h);
    const uint32_t chunk = h->max_transfer, depth = 8, total = 32u << 20;
    struct dbuf b = dbuf(h, (size_t)chunk * depth);
    REQUIRE(b.p);
    fill(b.p, (size_t)chunk * depth, 77);
    double mbs[2];
    for (int write = 1; write >= 0; write--) {
        double t0 = now_s();
        static struct multi m;
        for (uint32_t off = 0; off < total; off += chunk * depth) {
            memset(&m, 0, sizeof m);
            for (uint32_t i = 0; i < depth; i++) {
                struct scsi_cmd *c = &m.c[i];
                cdb_rw(c, write, false, (off + i * chunk) / 512, chunk / 512);
                c->buf = b.p + (size_t)i * chunk;
                c->buf_bus = b.bus + (uint64_t)i * chunk;
                c->len = chunk;
                c->done = multi_done;
                c->arg = &m;
                REQUIRE(h->ops->queue(h, c) == 0);
            }
            m.done += 16 - depth;
            REQUIRE(h->ops->wait(h, multi_all, &m, 60000) == 0);
            for (uint32_t i = 0; i < depth; i++)
                REQUIRE(m.c[i].host_status == 0 && m.c[i].status == 0);
        }
        mbs[write] = total / 1e6 / (now_s() - t0);
    }
    for (uint32_t off = 0; off < total; off += chunk * depth)
        CHECK(image_equals(0, off, b.p, (size_t)chunk * depth));
    printf("# storvsc hosted throughput (simulator, ASan build): write %.0f MB/s, read %.0f MB/s\n", mbs[1],
           mbs[0]);
    CHECK_EQ(hvsim_violations(), 0);
}
