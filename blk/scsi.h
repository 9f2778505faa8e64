/* The SCSI layer: what a SCSI host adapter (storvsc on Hyper-V, pvscsi on
 * VMware) and the disks behind it share.
 *
 * An adapter driver only moves commands: it fills a struct scsi_host
 * (limits, ops) and calls scsi_host_add(). The layer then scans it -- on
 * every target, REPORT LUNS (LUN 0 alone if the target refuses it), then
 * for each LUN INQUIRY (standard, VPD 0x00/0x80/0x83), TEST UNIT READY
 * and READ CAPACITY(10, then 16 when the disk is larger than 2 TiB or
 * says so) -- and registers each direct-access LUN as a block device
 * (blk/blk.h), turning its block requests into READ/WRITE(10 or 16) and
 * SYNCHRONIZE CACHE commands, with the sense handling of SPC-4/SBC-3:
 * UNIT ATTENTION and NOT READY retried a bounded number of times, MEDIUM
 * ERROR reported as -EIO with the sense logged. The CDB builders and
 * sense/response parsers the layer uses are pure functions (blk/scsi_cmd.h)
 * that the host unit tests run.
 *
 *     static const struct scsi_host_ops ops = { .queue = my_queue, ... };
 *     h->name = "scsi0"; h->max_target = 64; h->max_lun = 8; ...
 *     scsi_host_add(h);              // from thread context: scans, registers blkN
 *     ...the device's completion:    scsi_cmd_done(h, cmd);
 *     ...the host reports a change:  scsi_host_rescan(h);   (hot-add, ENUMERATE_BUS)
 *     ...a LUN is gone:              scsi_lun_removed(h, target, lun);
 *     ...the adapter goes:           scsi_host_remove(h);
 *
 * Threading as in blk/blk.h: the adapter calls scsi_cmd_done from its own
 * thread; the layer's scan waits through ops->wait. Inside a `done`
 * callback the layer may queue again (a retry): ops->queue must accept
 * being called from the adapter's completion thread. scsi_host_add and
 * scsi_host_rescan wait for commands, so they must not be called from
 * the thread that calls scsi_cmd_done. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "blk/blk.h"

#define SCSI_CDB_MAX     16
#define SCSI_SENSE_MAX   96         /* fixed sense is 18+, descriptor sense up to 252; we keep 96 */

/* Data direction of a command, from the initiator's side. */
enum scsi_dir { SCSI_DIR_NONE = 0, SCSI_DIR_IN, SCSI_DIR_OUT };

/* SCSI status (SAM-5 5.3.1), the byte the target returns. */
#define SCSI_STATUS_GOOD             0x00
#define SCSI_STATUS_CHECK_CONDITION  0x02
#define SCSI_STATUS_BUSY             0x08
#define SCSI_STATUS_RESERVATION_CONFLICT 0x18
#define SCSI_STATUS_TASK_SET_FULL    0x28

struct scsi_host;
struct scsi_cmd;

struct scsi_cmd {
    /* Filled by the layer (or a test) before ops->queue. */
    uint16_t target;                /* < host->max_target */
    uint16_t lun;                   /* < host->max_lun */
    uint8_t cdb[SCSI_CDB_MAX];
    uint8_t cdb_len;                /* 6, 10, 12 or 16 */
    enum scsi_dir dir;
    void *buf;                      /* data: physically contiguous, from the host's buf_alloc */
    uint64_t buf_bus;
    uint32_t len;                   /* bytes to transfer; 0 with SCSI_DIR_NONE */
    uint32_t timeout_ms;            /* the adapter aborts/resets after this (0: its default) */
    void (*done)(struct scsi_cmd *c);
    void *arg;                      /* the layer's */
    /* Filled by the adapter before scsi_cmd_done. */
    int host_status;                /* 0: the command reached the target and `status` is
                                       valid; -ENODEV: no such target/LUN (selection
                                       timeout); -ETIMEDOUT: aborted after timeout_ms;
                                       -EIO: the transport failed; -EAGAIN: try again
                                       (bus reset, adapter busy) */
    uint8_t status;                 /* SCSI_STATUS_* */
    uint8_t sense_len;              /* valid bytes in sense[] */
    uint8_t sense[SCSI_SENSE_MAX];
    uint32_t resid;                 /* bytes not transferred (underrun) */
    /* The adapter's, while in flight. */
    void *drv;
    struct scsi_cmd *next;
};

struct scsi_host_ops {
    /* Starts c: 0, or -EBUSY when can_queue commands are already in flight
     * (the layer never does that), -ENODEV when the adapter is gone. */
    int (*queue)(struct scsi_host *h, struct scsi_cmd *c);
    /* As blk_ops.wait, buf_alloc, buf_free. */
    int (*wait)(struct scsi_host *h, bool (*cond)(void *arg), void *arg, uint64_t timeout_ms);
    void *(*buf_alloc)(struct scsi_host *h, size_t bytes, uint64_t *bus);
    void (*buf_free)(struct scsi_host *h, void *buf, size_t bytes);
};

struct scsi_host {
    /* Filled by the adapter. */
    const char *driver;             /* "storvsc", "pvscsi" */
    char name[12];                  /* "scsi0": set by scsi_host_add */
    uint16_t max_target;            /* targets 0..max_target-1 are scanned */
    uint16_t max_lun;               /* LUNs reported at or above it are ignored */
    uint16_t self_target;           /* the adapter's own id, skipped; 0xFFFF: none */
    uint32_t max_transfer;          /* bytes per command (the host's, e.g. storvsc's
                                       QUERY_PROPERTIES); a multiple of 4096 */
    unsigned can_queue;             /* commands in flight at once, >= 1 */
    const struct scsi_host_ops *ops;
    void *priv;
    /* The layer's. */
    unsigned in_flight;
    void *luns;                     /* the layer's LUN table */
    bool removing;
    struct scsi_cmd *wait_head, *wait_tail;     /* beyond can_queue: waiting */
};

/* Adds h and scans it (waits for the commands): 0 or -errno. Disks found
 * become blk devices; the log says what was found at each target:LUN. */
int scsi_host_add(struct scsi_host *h);
/* Scans again: new LUNs are added, LUNs no longer reported are removed. */
void scsi_host_rescan(struct scsi_host *h);
/* One LUN went away (the host said so). */
void scsi_lun_removed(struct scsi_host *h, uint16_t target, uint16_t lun);
/* The adapter goes: every LUN's blk device is unregistered. */
void scsi_host_remove(struct scsi_host *h);

/* The adapter reports c finished (host_status, status, sense, resid). */
void scsi_cmd_done(struct scsi_host *h, struct scsi_cmd *c);

/* A command waited for (for tools, tests and the scan): 0 when it
 * completed with GOOD status, else -errno (the sense is in c). */
int scsi_cmd_sync(struct scsi_host *h, struct scsi_cmd *c, uint64_t timeout_ms);
