/* hvsim storvsp: the host side of Hyper-V's synthetic SCSI controller for
 * the simulator, with LUNs backed by raw image files on the host and
 * faults to inject. See hvsim_storvsc.c for the rules it enforces. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "tests/hvsim/hvsim.h"

#define HVSIM_STOR_LUNS 8           /* target 0, LUNs 0..7 */

struct hvsim_stor_lun {
    bool present;
    int fd;                         /* the raw image */
    char path[200];
    uint64_t sectors;
    uint32_t sector_size;
    char serial[21];                /* VPD 0x80 */
    /* Faults. */
    bool medium_error;              /* READ/WRITE touching medium_error_lba: MEDIUM ERROR */
    uint64_t medium_error_lba;
    unsigned not_ready;             /* the next n media commands: NOT READY, becoming ready */
    bool unit_attention;            /* the next command (not INQUIRY/REPORT LUNS): UNIT ATTENTION */
    uint8_t ua_asc, ua_ascq;
    /* Counters. */
    uint64_t reads, writes, flushes, read_bytes, write_bytes;
    uint8_t last_sense[18];         /* for REQUEST SENSE */
};

/* Hostile completions, applied to the next SRB completion (one shot). */
enum hvsim_stor_hostile {
    HVSIM_STOR_OK,
    HVSIM_STOR_SHORT,               /* an 8-byte completion payload */
    HVSIM_STOR_BOGUS_ID,            /* first a completion for an id never sent */
    HVSIM_STOR_DUPLICATE,           /* the completion twice */
    HVSIM_STOR_GARBAGE_STATUS,      /* SRB status 0x3F, SCSI status GOOD */
    HVSIM_STOR_OVERLONG,            /* data_transfer_length beyond the request */
    HVSIM_STOR_HUGE_SENSE,          /* CHECK CONDITION with sense_info_length 255 */
    HVSIM_STOR_WRONG_OP,            /* operation 77 instead of COMPLETE_IO */
};

struct hvsim_storvsc {
    /* Configuration (hvsim_storvsc_init sets the defaults). */
    uint16_t versions[8];           /* accepted; default openvmm's 2.0, 4.2, 5.1, 6.0 */
    unsigned nversions;
    uint32_t max_transfer;          /* QUERY_PROPERTIES; default 256 KiB */
    bool ide;                       /* offer as an IDE accelerator channel */
    unsigned complete_delay;        /* steps before each completion is sent */
    bool complete_reverse;          /* delayed completions newest first */
    struct hvsim_stor_lun lun[HVSIM_STOR_LUNS];
    /* Faults. */
    unsigned hang_next;             /* the next n SRBs are never completed */
    unsigned busy_next;             /* the next n SRBs: SRB status BUSY, nothing done */
    enum hvsim_stor_hostile hostile;
    /* State. */
    int state;                      /* STOR_* in hvsim_storvsc.c */
    uint16_t version;
    unsigned req_size;              /* SRB bytes for the version: 52 or 36 */
    bool opened;
    struct hvsim_chan *ch;
    struct hvsim_dev_ops ops;       /* per controller: its own instance GUID */
    void *pending;                  /* delayed completions (hvsim_storvsc.c) */
    /* Counters. */
    unsigned init_packets, refused_versions, srbs, completions, hung, violations, enumerates;
    unsigned max_pending;           /* completions held at once (complete_delay) */
    uint64_t srb_bytes_max;         /* the largest data transfer seen */
    char last_violation[160];
};

/* Defaults, no LUNs. */
void hvsim_storvsc_init(struct hvsim_storvsc *s);
/* Creates (truncates) the image file at path and attaches it as LUN lun:
 * 0 or -errno. */
int hvsim_storvsc_attach(struct hvsim_storvsc *s, unsigned lun, const char *path, uint64_t sectors,
                         uint32_t sector_size);
/* Offers the controller (hvsim_add_device). */
struct hvsim_chan *hvsim_add_storvsc(struct hvsim_storvsc *s, uint32_t relid);
/* Hot add / remove while running: the other LUNs get a UNIT ATTENTION
 * (REPORTED LUNS DATA HAS CHANGED) and the guest an ENUMERATE_BUS. */
int hvsim_storvsc_hot_add(struct hvsim_storvsc *s, unsigned lun, const char *path, uint64_t sectors,
                          uint32_t sector_size);
void hvsim_storvsc_hot_remove(struct hvsim_storvsc *s, unsigned lun);
/* Closes the image files (they stay on disk). */
void hvsim_storvsc_fini(struct hvsim_storvsc *s);
extern const struct vmbus_guid hvsim_storvsc_scsi_class, hvsim_storvsc_ide_class;
