/* SCSI commands as pure functions: CDB builders and parsers of what the
 * target returns (INQUIRY data and VPD pages, REPORT LUNS, READ CAPACITY,
 * sense data). Nothing here touches a device; tests/unit/test_scsi_cmd.c
 * checks every builder and parser byte for byte against the standards.
 * The wire layouts and their sources are in blk/scsi_reg.h. Every parser
 * treats its input as untrusted: lengths are checked against both the
 * buffer and the length field the target wrote. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CDB builders: fill cdb (SCSI_CDB_MAX bytes), return the CDB length. */
unsigned scsi_cdb_test_unit_ready(uint8_t *cdb);
unsigned scsi_cdb_request_sense(uint8_t *cdb, uint8_t alloc_len);
unsigned scsi_cdb_inquiry(uint8_t *cdb, bool evpd, uint8_t page, uint16_t alloc_len);
unsigned scsi_cdb_report_luns(uint8_t *cdb, uint32_t alloc_len);
unsigned scsi_cdb_read_capacity10(uint8_t *cdb);
unsigned scsi_cdb_read_capacity16(uint8_t *cdb, uint32_t alloc_len);
/* READ or WRITE: the 10-byte form when lba and count fit it (LBA below
 * 2^32, count up to 65535) and !force16, else the 16-byte form. */
unsigned scsi_cdb_rw(uint8_t *cdb, bool write, uint64_t lba, uint32_t count, bool force16);
/* SYNCHRONIZE CACHE(10); lba 0 and count 0: the whole medium. */
unsigned scsi_cdb_sync_cache10(uint8_t *cdb, uint32_t lba, uint16_t count);

/* Sense data, fixed or descriptor format. */
struct scsi_sense {
    uint8_t key, asc, ascq;
    bool deferred;              /* about an earlier command (0x71/0x73) */
};
/* 0, or -EINVAL (too short, unknown response code). */
int scsi_sense_parse(const uint8_t *s, size_t len, struct scsi_sense *out);
/* "UNIT ATTENTION", ...; names of the common ASC/ASCQ pairs or NULL. */
const char *scsi_sense_key_name(uint8_t key);
const char *scsi_asc_name(uint8_t asc, uint8_t ascq);
/* "MEDIUM ERROR (unrecovered read error) 03/11/00" into buf. */
void scsi_sense_format(const struct scsi_sense *s, char *buf, size_t size);

/* Standard INQUIRY data: strings trimmed of trailing spaces, anything
 * unprintable replaced by '?'. 0, or -EINVAL when shorter than 36 bytes. */
struct scsi_inquiry {
    uint8_t qualifier, type;
    bool removable;
    char vendor[9], product[17], revision[5];
};
int scsi_inquiry_parse(const uint8_t *buf, size_t len, struct scsi_inquiry *out);

/* VPD pages. scsi_vpd_supported: whether page 0x00 lists `page`.
 * scsi_vpd_serial (page 0x80) and scsi_vpd_devid (page 0x83: the logical
 * unit's NAA, EUI-64 or T10 designator, binary ones in hex) write a
 * NUL-terminated string: 0 or -EINVAL/-ENOENT. */
bool scsi_vpd_supported(const uint8_t *buf, size_t len, uint8_t page);
int scsi_vpd_serial(const uint8_t *buf, size_t len, char *out, size_t size);
int scsi_vpd_devid(const uint8_t *buf, size_t len, char *out, size_t size);

/* REPORT LUNS data: the single-level LUNs (peripheral or flat addressing)
 * below max_lun, into luns[0..max). Returns how many, or -EINVAL. */
int scsi_report_luns_parse(const uint8_t *buf, size_t len, uint16_t *luns, unsigned max,
                           uint16_t max_lun);

/* READ CAPACITY data: 0 or -EINVAL (short, or a block length that is not a
 * power of two in 512..65536). */
int scsi_read_cap10_parse(const uint8_t *buf, size_t len, uint32_t *last_lba, uint32_t *block_len);
int scsi_read_cap16_parse(const uint8_t *buf, size_t len, uint64_t *last_lba, uint32_t *block_len);

/* "READ(10)", "INQUIRY", ... for the commands minnow sends; NULL otherwise. */
const char *scsi_op_name(uint8_t op);

/* Big-endian fields. */
uint32_t scsi_be32(const uint8_t *p);
void scsi_put_be32(uint8_t *p, uint32_t v);
