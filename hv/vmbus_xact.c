/* VMBus transactions: request/response keyed by transaction id.
 *
 * Every VMBus device protocol starts with a handshake of requests, each
 * answered by the host with a completion packet (VMBUS_PKT_COMP) carrying
 * the request's transaction id and the response as its payload: NVSP
 * INIT / SEND_NDIS_VER / SEND_RECV_BUF for netvsc, BEGIN_INITIALIZATION /
 * QUERY_PROTOCOL_VERSION / QUERY_PROPERTIES for storvsc (Linux
 * drivers/net/hyperv/netvsc.c netvsc_send_completion and
 * drivers/scsi/storvsc_drv.c storvsc_on_channel_callback match the id to
 * the request; FreeBSD vmbus_xact.c keeps one such context per driver).
 * This file is that matching, once, with the waiting and the timeout:
 *
 *   vmbus_xact()            claims a slot and a fresh id, sends, waits
 *   channel callback   ->   vmbus_xact_complete(id, payload) fills the slot
 *   vmbus_xact()            copies out, frees the slot
 *
 * Ids are never reused (a 56-bit counter under a tag), so a completion the
 * host sends after we gave up finds no slot and is only counted: it can
 * never be taken for the answer to a later request. A host that completes
 * an id we never issued is counted the same way. The payload is bounded by
 * the caller's buffer; nothing the host sends is trusted beyond that.
 *
 * The waiter and the callback (the worker) may run at once in the kernel:
 * a slot's state moves WAITING -> FILLING -> DONE under the callback and
 * WAITING -> FREE under a waiter that times out, each by compare-and-swap,
 * so exactly one of them wins. */
#include "hv/vmbus_xact.h"
#include "hv/vmbus.h"
#include "hv/hv_platform.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "lib/string.h"

enum { XACT_FREE, XACT_WAITING, XACT_FILLING, XACT_DONE };

/* How long a waiter that lost the race to a filling callback waits for it
 * to finish copying (it never blocks, so this is generous). */
#define XACT_FILL_WAIT_MS 1000

void vmbus_xact_init(struct vmbus_xact_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->next_id = 1;
}

static struct vmbus_xact_slot *slot_claim(struct vmbus_xact_ctx *c)
{
    for (size_t i = 0; i < VMBUS_XACT_SLOTS; i++) {
        struct vmbus_xact_slot *s = &c->slot[i];
        uint32_t expect = XACT_FREE;
        /* Reserved as FILLING: no completion matches it until WAITING. */
        if (__atomic_compare_exchange_n(&s->state, &expect, XACT_FILLING, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            s->id = VMBUS_XACT_ID_TAG | (__atomic_fetch_add(&c->next_id, 1, __ATOMIC_RELAXED) &
                                         ~VMBUS_XACT_ID_MASK);
            return s;
        }
    }
    return NULL;
}

static void slot_free(struct vmbus_xact_slot *s)
{
    s->id = 0;
    s->resp = NULL;
    __atomic_store_n(&s->state, XACT_FREE, __ATOMIC_RELEASE);
}

struct xact_wait {
    struct vmbus_channel *ch;
    struct vmbus_xact_slot *s;
};

static bool xact_cond(void *arg)
{
    struct xact_wait *w = arg;
    return __atomic_load_n(&w->s->state, __ATOMIC_ACQUIRE) == XACT_DONE || w->ch->state != VMBUS_CHAN_OPEN;
}

static bool done_cond(void *arg)
{
    return __atomic_load_n(&((struct vmbus_xact_slot *)arg)->state, __ATOMIC_ACQUIRE) == XACT_DONE;
}

/* Gives up on s unless a completion already claimed it; true if given up. */
static bool slot_abandon(struct vmbus_xact_slot *s)
{
    uint32_t expect = XACT_WAITING;
    if (__atomic_compare_exchange_n(&s->state, &expect, XACT_FREE, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return true;
    /* FILLING or DONE: the answer is (being) copied; take it. */
    hvp_wait_until(done_cond, s, XACT_FILL_WAIT_MS);
    return false;
}

int vmbus_xact(struct vmbus_channel *ch, struct vmbus_xact_ctx *c, const void *req, size_t req_len, void *resp,
               size_t resp_cap, size_t *resp_len, uint64_t timeout_ms)
{
    struct vmbus_xact_slot *s = slot_claim(c);
    if (!s)
        return -EBUSY;
    s->resp = resp;
    s->resp_cap = resp ? resp_cap : 0;
    s->resp_len = 0;
    __atomic_store_n(&s->state, XACT_WAITING, __ATOMIC_RELEASE);
    uint64_t id = s->id;

    ch->busy++;                         /* a rescind meanwhile must not free ch */
    int err = vmbus_send_wait(ch, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, id, req, req_len,
                              timeout_ms);
    if (!err) {
        struct xact_wait w = { ch, s };
        hvp_wait_until(xact_cond, &w, timeout_ms);
        if (!done_cond(s) && slot_abandon(s)) {
            err = ch->state == VMBUS_CHAN_OPEN ? -ETIMEDOUT : -EPIPE;
            if (err == -ETIMEDOUT) {
                c->timeouts++;
                pr_warn("vmbus: relid %u: no completion for transaction %#llx in %llu ms\n", ch->relid,
                        (unsigned long long)id, (unsigned long long)timeout_ms);
            }
        }
    }
    ch->busy--;
    hvp_wake_waiters();
    if (err) {
        /* Free unless the abandon above already did (state FREE). */
        if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != XACT_FREE)
            slot_free(s);
        return err;
    }
    if (resp_len)
        *resp_len = s->resp_len;
    c->completed++;
    slot_free(s);
    return 0;
}

bool vmbus_xact_complete(struct vmbus_xact_ctx *c, uint64_t trans_id, const void *data, size_t len)
{
    for (size_t i = 0; i < VMBUS_XACT_SLOTS; i++) {
        struct vmbus_xact_slot *s = &c->slot[i];
        uint32_t expect = XACT_WAITING;
        if (s->id != trans_id ||
            !__atomic_compare_exchange_n(&s->state, &expect, XACT_FILLING, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            continue;
        size_t n = len < s->resp_cap ? len : s->resp_cap;
        if (n)
            memcpy(s->resp, data, n);
        s->resp_len = len;
        __atomic_store_n(&s->state, XACT_DONE, __ATOMIC_RELEASE);
        return true;
    }
    /* Ours (tagged, already issued) but nobody waits: it came too late. */
    if ((trans_id & VMBUS_XACT_ID_MASK) == VMBUS_XACT_ID_TAG && (trans_id & ~VMBUS_XACT_ID_MASK) < c->next_id)
        c->late++;
    else
        c->unknown++;
    return false;
}
