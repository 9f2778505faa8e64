/* VMBus transactions: one request/response helper keyed by transaction
 * id, for every driver's handshake (FreeBSD sys/dev/hyperv/vmbus/
 * vmbus_xact.c plays the same part for hn and storvsc). See vmbus_xact.c. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmbus_channel;

/* Requests one driver may have outstanding at once. */
#define VMBUS_XACT_SLOTS 8
/* Transaction ids carry this tag in their top byte, so a driver can tell
 * them from the ids of its own data packets (which must not use it). */
#define VMBUS_XACT_ID_TAG   (0x58ull << 56)
#define VMBUS_XACT_ID_MASK  (0xFFull << 56)

struct vmbus_xact_slot {
    uint64_t id;                /* 0 = free */
    uint32_t state;             /* XACT_* in vmbus_xact.c */
    void *resp;
    size_t resp_cap, resp_len;
};

struct vmbus_xact_ctx {
    uint64_t next_id;
    struct vmbus_xact_slot slot[VMBUS_XACT_SLOTS];
    /* Completions that matched no waiting request: for an id we issued
     * and gave up on (late), or for an id we never issued (unknown). */
    uint64_t completed, timeouts, late, unknown;
};

void vmbus_xact_init(struct vmbus_xact_ctx *c);

/* Sends req in-band with VMBUS_PKT_FLAG_COMPLETION_REQUESTED under a fresh
 * id and waits up to timeout_ms for the host's completion with that id.
 * Its payload is copied into resp up to resp_cap bytes; *resp_len (may be
 * NULL) gets the length the host sent, which may be larger. 0 on success;
 * -EBUSY when every slot is in use; -ETIMEDOUT when no completion came
 * (one arriving later is counted and dropped); -EPIPE when the channel
 * closed meanwhile; else vmbus_send's error. Not from channel callbacks. */
int vmbus_xact(struct vmbus_channel *ch, struct vmbus_xact_ctx *c, const void *req, size_t req_len, void *resp,
               size_t resp_cap, size_t *resp_len, uint64_t timeout_ms);

/* From the driver's channel callback, for each completion packet: hands
 * its payload to the request waiting for trans_id. True if one was. */
bool vmbus_xact_complete(struct vmbus_xact_ctx *c, uint64_t trans_id, const void *data, size_t len);
