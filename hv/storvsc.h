/* storvsc: Hyper-V synthetic SCSI (and Gen1 IDE accelerator) disks over
 * VMBus. It is a SCSI host adapter for the SCSI layer (blk/scsi.h); the
 * driver registers itself with VMBUS_DRIVER and needs no call. This header
 * is for the shell and the tests. See storvsc.c. */
#pragma once
#include <stdint.h>

struct scsi_host;

struct storvsc_stats {
    uint64_t commands;          /* EXECUTE_SRB sent */
    uint64_t completed;         /* ... completed by the host */
    uint64_t timeouts;          /* ... given up on (host_status -ETIMEDOUT) */
    uint64_t gone;              /* ... failed with -ENODEV by a rescind */
    uint64_t unknown;           /* completions for no command in flight (late or made up) */
    uint64_t bad;               /* malformed host packets, dropped */
    uint64_t enumerates;        /* ENUMERATE_BUS / REMOVE_DEVICE from the host */
};

/* Of the controller behind h (h->driver == "storvsc"). */
const struct storvsc_stats *storvsc_stats(const struct scsi_host *h);
/* Negotiated protocol version ((major << 8) | minor) and largest transfer. */
uint16_t storvsc_version(const struct scsi_host *h);
