/* Host tests for the SCSI CDB builders and response parsers
 * (blk/scsi_cmd.c). Expected bytes are written out from the standards'
 * tables (SPC-4 r37, SBC-3 r36: sections in blk/scsi_reg.h), and the
 * responses are what QEMU's scsi-hd (hw/scsi/scsi-disk.c) returns or
 * hand-made from the same tables. */
#include "test.h"
#include "blk/scsi.h"
#include "blk/scsi_cmd.h"
#include "kernel/errno.h"

static uint8_t cdb[SCSI_CDB_MAX];

#define CHECK_CDB(len_expr, ...)                                                \
    do {                                                                        \
        static const uint8_t want_[] = { __VA_ARGS__ };                         \
        unsigned n_ = (len_expr);                                               \
        CHECK_EQ(n_, sizeof want_);                                             \
        CHECK(memcmp(cdb, want_, sizeof want_) == 0);                           \
    } while (0)

TEST(cdb_six_byte)
{
    /* SPC-4 6.47: TEST UNIT READY, opcode 00h, all else zero. */
    CHECK_CDB(scsi_cdb_test_unit_ready(cdb), 0x00, 0, 0, 0, 0, 0);
    /* SPC-4 6.39: REQUEST SENSE, allocation length in byte 4. */
    CHECK_CDB(scsi_cdb_request_sense(cdb, 96), 0x03, 0, 0, 0, 96, 0);
    /* SPC-4 6.4.1: INQUIRY, EVPD bit 0 of byte 1, page code byte 2,
     * allocation length bytes 3-4 (big-endian). */
    CHECK_CDB(scsi_cdb_inquiry(cdb, false, 0x80, 96), 0x12, 0x00, 0x00, 0x00, 0x60, 0x00);
    CHECK_CDB(scsi_cdb_inquiry(cdb, true, 0x80, 255), 0x12, 0x01, 0x80, 0x00, 0xff, 0x00);
    CHECK_CDB(scsi_cdb_inquiry(cdb, true, 0x83, 0x1234), 0x12, 0x01, 0x83, 0x12, 0x34, 0x00);
}

TEST(cdb_report_luns_and_capacity)
{
    /* SPC-4 6.33.1: REPORT LUNS A0h, SELECT REPORT byte 2, allocation
     * length bytes 6-9. */
    CHECK_CDB(scsi_cdb_report_luns(cdb, 4096), 0xa0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00, 0, 0);
    /* SBC-3 5.16.1: READ CAPACITY(10) 25h. */
    CHECK_CDB(scsi_cdb_read_capacity10(cdb), 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    /* SBC-3 5.17.1: SERVICE ACTION IN(16) 9Eh, service action 10h,
     * allocation length bytes 10-13. */
    CHECK_CDB(scsi_cdb_read_capacity16(cdb, 32), 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00,
              0x00, 0x20, 0, 0);
}

TEST(cdb_read_write)
{
    /* SBC-3 5.11: READ(10) 28h, LBA bytes 2-5, length bytes 7-8. */
    CHECK_CDB(scsi_cdb_rw(cdb, false, 0x12345678, 8, false), 0x28, 0, 0x12, 0x34, 0x56, 0x78, 0,
              0x00, 0x08, 0);
    /* SBC-3 5.35: WRITE(10) 2Ah. */
    CHECK_CDB(scsi_cdb_rw(cdb, true, 1, 0xffff, false), 0x2a, 0, 0, 0, 0, 1, 0, 0xff, 0xff, 0);
    /* The last LBA a 10-byte CDB reaches. */
    CHECK_CDB(scsi_cdb_rw(cdb, false, 0xffffffff, 1, false), 0x28, 0, 0xff, 0xff, 0xff, 0xff, 0,
              0, 1, 0);
    /* SBC-3 5.13: READ(16) 88h, LBA bytes 2-9, length bytes 10-13: when
     * the range passes 2^32 or the count 65535. */
    CHECK_CDB(scsi_cdb_rw(cdb, false, 0xffffffff, 2, false), 0x88, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
              0xff, 0, 0, 0, 2, 0, 0);
    CHECK_CDB(scsi_cdb_rw(cdb, false, 0, 0x10000, false), 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
              0, 0, 0);
    /* SBC-3 5.37: WRITE(16) 8Ah. */
    CHECK_CDB(scsi_cdb_rw(cdb, true, 0x0102030405060708ull, 0x01020304, false), 0x8a, 0, 1, 2, 3,
              4, 5, 6, 7, 8, 1, 2, 3, 4, 0, 0);
    CHECK_CDB(scsi_cdb_rw(cdb, true, 0, 1, true), 0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
              0);
    /* SBC-3 5.24: SYNCHRONIZE CACHE(10) 35h; LBA 0 and 0 blocks: all. */
    CHECK_CDB(scsi_cdb_sync_cache10(cdb, 0, 0), 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

TEST(sense_fixed)
{
    /* SPC-4 4.5.3: 70h, key in byte 2, additional length 0Ah (byte 7),
     * ASC byte 12, ASCQ byte 13. MEDIUM ERROR, unrecovered read error. */
    static const uint8_t s[18] = { 0x70, 0, 0x03, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x11, 0x00 };
    struct scsi_sense x;
    REQUIRE(scsi_sense_parse(s, sizeof s, &x) == 0);
    CHECK_EQ(x.key, 3);
    CHECK_EQ(x.asc, 0x11);
    CHECK_EQ(x.ascq, 0);
    CHECK(!x.deferred);
    char b[80];
    scsi_sense_format(&x, b, sizeof b);
    CHECK_STR(b, "MEDIUM ERROR (unrecovered read error) 03/11/00");
    /* VALID bit set, deferred (71h), ILI/EOM bits around the key. */
    static const uint8_t d[18] = { 0xf1, 0, 0xe6, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x29, 0x00 };
    REQUIRE(scsi_sense_parse(d, sizeof d, &x) == 0);
    CHECK_EQ(x.key, 6);
    CHECK_EQ(x.asc, 0x29);
    CHECK(x.deferred);
    /* Additional length 0: the key only. */
    static const uint8_t k[18] = { 0x70, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x01 };
    REQUIRE(scsi_sense_parse(k, sizeof k, &x) == 0);
    CHECK_EQ(x.key, 2);
    CHECK_EQ(x.asc, 0);
    /* Cut short by the transport. */
    REQUIRE(scsi_sense_parse(s, 13, &x) == 0);
    CHECK_EQ(x.key, 3);
    CHECK_EQ(x.asc, 0);
    CHECK_EQ(scsi_sense_parse(s, 2, &x), -EINVAL);
}

TEST(sense_descriptor_and_garbage)
{
    /* SPC-4 4.5.2: 72h, key byte 1, ASC byte 2, ASCQ byte 3. UNIT
     * ATTENTION, power on or reset. */
    static const uint8_t s[8] = { 0x72, 0x06, 0x29, 0x00, 0, 0, 0, 0 };
    struct scsi_sense x;
    REQUIRE(scsi_sense_parse(s, sizeof s, &x) == 0);
    CHECK_EQ(x.key, 6);
    CHECK_EQ(x.asc, 0x29);
    char b[80];
    scsi_sense_format(&x, b, sizeof b);
    CHECK_STR(b, "UNIT ATTENTION (power on, reset, or bus device reset) 06/29/00");
    static const uint8_t d[4] = { 0x73, 0x02, 0x04, 0x01 };
    REQUIRE(scsi_sense_parse(d, sizeof d, &x) == 0);
    CHECK(x.deferred);
    CHECK_STR(scsi_asc_name(x.asc, x.ascq), "becoming ready");
    CHECK(scsi_asc_name(0x99, 0x99) == NULL);
    scsi_sense_format(&(struct scsi_sense){ .key = 0xb, .asc = 0x47 }, b, sizeof b);
    CHECK_STR(b, "ABORTED COMMAND 0b/47/00");
    static const uint8_t junk[18] = { 0x00, 0x06, 0x29 };
    CHECK_EQ(scsi_sense_parse(junk, sizeof junk, &x), -EINVAL);
    CHECK_EQ(scsi_sense_parse(s, 3, &x), -EINVAL);
    CHECK_EQ(scsi_sense_parse(s, 0, &x), -EINVAL);
}

/* QEMU's scsi-hd standard INQUIRY data (hw/scsi/scsi-disk.c,
 * scsi_disk_emulate_inquiry): SPC-3 (5), format 2, vendor "QEMU",
 * product "QEMU HARDDISK", revision "2.5+". */
static const uint8_t qemu_inq[36] = {
    0x00, 0x00, 0x05, 0x02, 0x1f, 0x00, 0x00, 0x12,
    'Q', 'E', 'M', 'U', ' ', ' ', ' ', ' ',
    'Q', 'E', 'M', 'U', ' ', 'H', 'A', 'R', 'D', 'D', 'I', 'S', 'K', ' ', ' ', ' ',
    '2', '.', '5', '+',
};

TEST(inquiry)
{
    struct scsi_inquiry q;
    REQUIRE(scsi_inquiry_parse(qemu_inq, sizeof qemu_inq, &q) == 0);
    CHECK_EQ(q.qualifier, 0);
    CHECK_EQ(q.type, 0);
    CHECK(!q.removable);
    CHECK_STR(q.vendor, "QEMU");
    CHECK_STR(q.product, "QEMU HARDDISK");
    CHECK_STR(q.revision, "2.5+");
    uint8_t b[36];
    memcpy(b, qemu_inq, sizeof b);
    b[0] = 0x7f;                        /* qualifier 3, type 1Fh: no LUN here */
    b[1] = 0x80;
    b[9] = 0x01;                        /* a control byte in the vendor name */
    REQUIRE(scsi_inquiry_parse(b, sizeof b, &q) == 0);
    CHECK_EQ(q.qualifier, 3);
    CHECK_EQ(q.type, 0x1f);
    CHECK(q.removable);
    CHECK_STR(q.vendor, "Q?MU");
    CHECK_EQ(scsi_inquiry_parse(qemu_inq, 35, &q), -EINVAL);
    b[4] = 2;                           /* additional length says 7 bytes */
    CHECK_EQ(scsi_inquiry_parse(b, sizeof b, &q), -EINVAL);
}

TEST(vpd_pages)
{
    /* SPC-4 7.8.14: page 00h lists the pages, ascending. */
    static const uint8_t p0[] = { 0x00, 0x00, 0x00, 0x03, 0x00, 0x80, 0x83 };
    CHECK(scsi_vpd_supported(p0, sizeof p0, 0x80));
    CHECK(scsi_vpd_supported(p0, sizeof p0, 0x83));
    CHECK(!scsi_vpd_supported(p0, sizeof p0, 0xb0));
    CHECK(!scsi_vpd_supported(p0, 6, 0x83));             /* cut short */
    static const uint8_t wrong[] = { 0x00, 0x80, 0x00, 0x01, 0x80 };
    CHECK(!scsi_vpd_supported(wrong, sizeof wrong, 0x80)); /* not page 00h */
    /* SPC-4 7.8.15: page 80h, the serial number, right-aligned. */
    static const uint8_t p80[] = { 0x00, 0x80, 0x00, 0x08, ' ', ' ', 'S', 'N', '1', '2', '3', ' ' };
    char sn[33];
    REQUIRE(scsi_vpd_serial(p80, sizeof p80, sn, sizeof sn) == 0);
    CHECK_STR(sn, "SN123");
    char small[4];
    REQUIRE(scsi_vpd_serial(p80, sizeof p80, small, sizeof small) == 0);
    CHECK_STR(small, "SN1");
    static const uint8_t p80len[] = { 0x00, 0x80, 0xff, 0xff, 'A', 'B' };   /* length lies */
    REQUIRE(scsi_vpd_serial(p80len, sizeof p80len, sn, sizeof sn) == 0);
    CHECK_STR(sn, "AB");
    /* SPC-4 7.8.6: page 83h. A T10 vendor id (type 1, ASCII) and an NAA
     * (type 3, binary) for the LU, and a target-port one (association 1). */
    static const uint8_t p83[] = {
        0x00, 0x83, 0x00, 0x20,
        0x02, 0x01, 0x00, 0x04, 'Q', 'E', 'M', 'U',
        0x01, 0x03, 0x00, 0x08, 0x60, 0x01, 0x40, 0x5a, 0xbc, 0xde, 0xf0, 0x12,
        0x01, 0x13, 0x00, 0x04, 0xaa, 0xbb, 0xcc, 0xdd,
    };
    char id[33];
    REQUIRE(scsi_vpd_devid(p83, sizeof p83, id, sizeof id) == 0);
    CHECK_STR(id, "6001405abcdef012");
    REQUIRE(scsi_vpd_devid(p83, 20, id, sizeof id) == 0);    /* NAA cut off: the T10 one */
    CHECK_STR(id, "QEMU");
    CHECK_EQ(scsi_vpd_devid(p83, 4, id, sizeof id), -ENOENT);
    CHECK_EQ(scsi_vpd_devid(p0, sizeof p0, id, sizeof id), -EINVAL);
}

TEST(report_luns)
{
    /* SPC-4 6.33.2: list length 24 (3 LUNs). SAM-5 4.6.6 peripheral
     * device addressing (00b: bus 0, LUN in byte 1), 4.6.7 flat space
     * (01b: 14-bit LUN), then a two-level LUN we skip. */
    static const uint8_t b[] = {
        0x00, 0x00, 0x00, 0x20, 0, 0, 0, 0,
        0x00, 0x00, 0, 0, 0, 0, 0, 0,
        0x00, 0x01, 0, 0, 0, 0, 0, 0,
        0x41, 0x05, 0, 0, 0, 0, 0, 0,
        0x00, 0x02, 0x00, 0x03, 0, 0, 0, 0,
    };
    uint16_t l[8];
    CHECK_EQ(scsi_report_luns_parse(b, sizeof b, l, 8, 0x4000), 3);
    CHECK_EQ(l[0], 0);
    CHECK_EQ(l[1], 1);
    CHECK_EQ(l[2], 0x105);
    CHECK_EQ(scsi_report_luns_parse(b, sizeof b, l, 8, 8), 2);      /* max_lun */
    CHECK_EQ(scsi_report_luns_parse(b, sizeof b, l, 1, 8), 1);      /* room for one */
    CHECK_EQ(scsi_report_luns_parse(b, 16, l, 8, 8), 1);            /* cut short */
    uint8_t bad[16];
    memcpy(bad, b, 16);
    bad[3] = 0x0c;                                                  /* not a multiple of 8 */
    CHECK_EQ(scsi_report_luns_parse(bad, sizeof bad, l, 8, 8), -EINVAL);
    CHECK_EQ(scsi_report_luns_parse(b, 7, l, 8, 8), -EINVAL);
}

TEST(read_capacity)
{
    /* SBC-3 5.16.2: last LBA, block length (big-endian). */
    static const uint8_t c10[] = { 0x00, 0x00, 0x07, 0xff, 0x00, 0x00, 0x02, 0x00 };
    uint32_t last, bl;
    REQUIRE(scsi_read_cap10_parse(c10, sizeof c10, &last, &bl) == 0);
    CHECK_EQ(last, 2047);
    CHECK_EQ(bl, 512);
    static const uint8_t odd[] = { 0x00, 0x00, 0x07, 0xff, 0x00, 0x00, 0x02, 0x08 };   /* 520 */
    CHECK_EQ(scsi_read_cap10_parse(odd, sizeof odd, &last, &bl), -EINVAL);
    CHECK_EQ(scsi_read_cap10_parse(c10, 7, &last, &bl), -EINVAL);
    /* SBC-3 5.17.2: 8-byte last LBA, then the block length. */
    uint8_t c16[32] = { 0, 0, 0, 0x01, 0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00 };
    uint64_t l64;
    REQUIRE(scsi_read_cap16_parse(c16, sizeof c16, &l64, &bl) == 0);
    CHECK_EQ(l64, 0x100000000ll);
    CHECK_EQ(bl, 4096);
    memset(c16, 0xff, 8);
    CHECK_EQ(scsi_read_cap16_parse(c16, sizeof c16, &l64, &bl), -EINVAL);
}
