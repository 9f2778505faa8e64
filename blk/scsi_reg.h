/* SCSI wire formats: operation codes, the CDBs minnow sends and the data
 * and sense the target returns. All multi-byte fields are big-endian, so
 * they are byte arrays here, read and written with the helpers of
 * blk/scsi_cmd.c.
 *
 * Sources (T10 working drafts; section numbers of SPC-4 r37 and SBC-3 r36):
 *   SPC-4 4.5    sense data (4.5.2 descriptor format, 4.5.3 fixed format)
 *   SPC-4 6.4    INQUIRY; 6.4.2 standard INQUIRY data
 *   SPC-4 6.33   REPORT LUNS           SPC-4 6.39  REQUEST SENSE
 *   SPC-4 6.47   TEST UNIT READY
 *   SPC-4 7.8.7  VPD 0x00 Supported VPD pages, 7.8.6 0x83 Device
 *                Identification, 7.8.15 0x80 Unit Serial Number
 *   SBC-3 5.11/5.13  READ(10)/(16)     SBC-3 5.35/5.37  WRITE(10)/(16)
 *   SBC-3 5.16/5.17  READ CAPACITY(10)/(16)
 *   SBC-3 5.24   SYNCHRONIZE CACHE(10)
 *   SAM-5 4.6    LUN formats (4.6.6 peripheral, 4.6.7 flat space) */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Operation codes. */
#define SCSI_OP_TEST_UNIT_READY   0x00
#define SCSI_OP_REQUEST_SENSE     0x03
#define SCSI_OP_INQUIRY           0x12
#define SCSI_OP_READ_CAPACITY10   0x25
#define SCSI_OP_READ10            0x28
#define SCSI_OP_WRITE10           0x2a
#define SCSI_OP_SYNC_CACHE10      0x35
#define SCSI_OP_READ16            0x88
#define SCSI_OP_WRITE16           0x8a
#define SCSI_OP_SERVICE_IN16      0x9e      /* READ CAPACITY(16): service action 0x10 */
#define SCSI_SA_READ_CAPACITY16   0x10
#define SCSI_OP_REPORT_LUNS       0xa0

/* INQUIRY CDB (SPC-4 6.4.1, 6 bytes). */
struct scsi_cdb_inquiry {
    uint8_t opcode;             /* SCSI_OP_INQUIRY */
    uint8_t flags;              /* bit 0: EVPD */
    uint8_t page;               /* VPD page code when EVPD */
    uint8_t alloc_len[2];
    uint8_t control;
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_cdb_inquiry) == 6, "INQUIRY CDB");
#define SCSI_INQ_EVPD 0x01

/* READ/WRITE(10), SYNCHRONIZE CACHE(10), READ CAPACITY(10): 10 bytes. */
struct scsi_cdb10 {
    uint8_t opcode;
    uint8_t flags;
    uint8_t lba[4];
    uint8_t group;
    uint8_t length[2];          /* blocks */
    uint8_t control;
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_cdb10) == 10, "CDB10");

/* READ/WRITE(16), READ CAPACITY(16): 16 bytes. */
struct scsi_cdb16 {
    uint8_t opcode;
    uint8_t flags;              /* READ CAPACITY(16): service action */
    uint8_t lba[8];
    uint8_t length[4];          /* blocks; READ CAPACITY(16): allocation length */
    uint8_t group;
    uint8_t control;
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_cdb16) == 16, "CDB16");
_Static_assert(offsetof(struct scsi_cdb16, length) == 10, "CDB16 length");

/* REPORT LUNS CDB (SPC-4 6.33.1, 12 bytes). */
struct scsi_cdb_report_luns {
    uint8_t opcode;             /* SCSI_OP_REPORT_LUNS */
    uint8_t rsvd1;
    uint8_t select_report;      /* 0: logical units with LUN addressing */
    uint8_t rsvd3[3];
    uint8_t alloc_len[4];
    uint8_t rsvd10;
    uint8_t control;
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_cdb_report_luns) == 12, "REPORT LUNS CDB");

/* Standard INQUIRY data (SPC-4 6.4.2): the first 36 bytes. */
struct scsi_inquiry_data {
    uint8_t peripheral;         /* qualifier (7:5), device type (4:0) */
    uint8_t rmb;                /* bit 7: removable medium */
    uint8_t version;
    uint8_t format;             /* response data format (3:0) = 2 */
    uint8_t additional_len;     /* bytes after this one */
    uint8_t flags[3];
    char vendor[8];             /* T10 vendor identification, ASCII, space padded */
    char product[16];
    char revision[4];
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_inquiry_data) == 36, "INQUIRY data");
_Static_assert(offsetof(struct scsi_inquiry_data, product) == 16, "INQUIRY product");
#define SCSI_INQ_QUAL(b)   ((b) >> 5)
#define SCSI_INQ_TYPE(b)   ((b) & 0x1f)
#define SCSI_QUAL_CONNECTED      0     /* a device of that type is (or can be) there */
#define SCSI_QUAL_NOT_SUPPORTED  3     /* no logical unit at this LUN */
#define SCSI_TYPE_DISK     0x00        /* direct-access block device (SBC) */
#define SCSI_TYPE_NONE     0x1f

/* VPD pages (SPC-4 7.8): a 4-byte header, then the page. */
struct scsi_vpd_header {
    uint8_t peripheral;
    uint8_t page;               /* the page code asked for */
    uint8_t length[2];          /* bytes after the header */
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_vpd_header) == 4, "VPD header");
#define SCSI_VPD_SUPPORTED  0x00
#define SCSI_VPD_SERIAL     0x80
#define SCSI_VPD_DEVID      0x83

/* A designation descriptor in VPD 0x83 (SPC-4 7.8.6.1). */
struct scsi_designator {
    uint8_t code_set;           /* protocol id (7:4), code set (3:0): 1 binary, 2 ASCII, 3 UTF-8 */
    uint8_t type;               /* PIV (7), association (5:4), designator type (3:0) */
    uint8_t rsvd;
    uint8_t length;
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_designator) == 4, "designator");
#define SCSI_DESIG_ASSOC(b)  (((b) >> 4) & 3)  /* 0: the logical unit */
#define SCSI_DESIG_TYPE(b)   ((b) & 0xf)       /* 1 T10 vendor, 2 EUI-64, 3 NAA */
#define SCSI_CODESET_BINARY  1

/* READ CAPACITY(10) data (SBC-3 5.16.2). */
struct scsi_read_cap10_data {
    uint8_t last_lba[4];        /* 0xffffffff: ask READ CAPACITY(16) */
    uint8_t block_len[4];
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_read_cap10_data) == 8, "READ CAPACITY(10) data");

/* READ CAPACITY(16) data (SBC-3 5.17.2). */
struct scsi_read_cap16_data {
    uint8_t last_lba[8];
    uint8_t block_len[4];
    uint8_t prot;               /* P_TYPE (3:1), PROT_EN (0) */
    uint8_t exponents;          /* logical blocks per physical block exponent (3:0) */
    uint8_t lowest_aligned[2];  /* TPE (15), TPRZ (14), lowest aligned LBA (13:0) */
    uint8_t rsvd[16];
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_read_cap16_data) == 32, "READ CAPACITY(16) data");
_Static_assert(offsetof(struct scsi_read_cap16_data, prot) == 12, "RC16 prot");

/* REPORT LUNS data (SPC-4 6.33.2): an 8-byte header, then 8-byte LUNs. */
struct scsi_report_luns_header {
    uint8_t list_len[4];        /* bytes of LUN list (8 per LUN) */
    uint8_t rsvd[4];
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_report_luns_header) == 8, "REPORT LUNS header");
#define SCSI_LUN_METHOD(b0)  ((b0) >> 6)   /* SAM-5 4.6.2: 0 peripheral, 1 flat */
#define SCSI_LUN_PERIPHERAL  0
#define SCSI_LUN_FLAT        1

/* Fixed-format sense data (SPC-4 4.5.3), response codes 0x70/0x71. */
struct scsi_sense_fixed {
    uint8_t response;           /* VALID (7), response code (6:0) */
    uint8_t obsolete;
    uint8_t key;                /* FILEMARK (7), EOM (6), ILI (5), sense key (3:0) */
    uint8_t info[4];
    uint8_t additional_len;     /* bytes after this one */
    uint8_t cmd_info[4];
    uint8_t asc;
    uint8_t ascq;
    uint8_t fru;
    uint8_t sks[3];
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_sense_fixed) == 18, "fixed sense");
_Static_assert(offsetof(struct scsi_sense_fixed, asc) == 12, "fixed sense ASC");

/* Descriptor-format sense data (SPC-4 4.5.2), response codes 0x72/0x73. */
struct scsi_sense_desc {
    uint8_t response;           /* response code (6:0) */
    uint8_t key;                /* sense key (3:0) */
    uint8_t asc;
    uint8_t ascq;
    uint8_t rsvd[3];
    uint8_t additional_len;     /* bytes of descriptors that follow */
} __attribute__((packed));
_Static_assert(sizeof(struct scsi_sense_desc) == 8, "descriptor sense");
#define SCSI_SENSE_FIXED_CUR    0x70
#define SCSI_SENSE_FIXED_DEF    0x71
#define SCSI_SENSE_DESC_CUR     0x72
#define SCSI_SENSE_DESC_DEF     0x73

/* Sense keys (SPC-4 4.5.6, table 48). */
#define SCSI_KEY_NO_SENSE        0x0
#define SCSI_KEY_RECOVERED_ERROR 0x1
#define SCSI_KEY_NOT_READY       0x2
#define SCSI_KEY_MEDIUM_ERROR    0x3
#define SCSI_KEY_HARDWARE_ERROR  0x4
#define SCSI_KEY_ILLEGAL_REQUEST 0x5
#define SCSI_KEY_UNIT_ATTENTION  0x6
#define SCSI_KEY_DATA_PROTECT    0x7
#define SCSI_KEY_ABORTED_COMMAND 0xb

/* Additional sense codes we act on (SPC-4 D.2). */
#define SCSI_ASC_NOT_READY        0x04      /* ASCQ 0x01: becoming ready */
#define SCSI_ASCQ_BECOMING_READY  0x01
#define SCSI_ASC_INVALID_OPCODE   0x20
#define SCSI_ASC_LBA_OUT_OF_RANGE 0x21
#define SCSI_ASC_INVALID_FIELD    0x24
#define SCSI_ASC_LUN_NOT_SUPPORTED 0x25
#define SCSI_ASC_POWER_ON_RESET   0x29
#define SCSI_ASC_PARAMS_CHANGED   0x2a      /* ASCQ 0x09: capacity data has changed */
#define SCSI_ASC_MEDIUM_NOT_PRESENT 0x3a
#define SCSI_ASC_LUNS_CHANGED     0x3f      /* ASCQ 0x0e: reported LUNs data has changed */
