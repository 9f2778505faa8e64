/* VMBus: the connection to the host, channel offers, GPADLs, open channels
 * and the driver registry. See vmbus.c for the protocol walk-through. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hv/ring.h"
#include "kernel/linkset.h"
#include "hv/vmbus_reg.h"

enum vmbus_chan_state {
    VMBUS_CHAN_OFFERED,     /* known, not open */
    VMBUS_CHAN_OPENING,
    VMBUS_CHAN_OPEN,
    VMBUS_CHAN_RESCINDED,   /* the host withdrew it; waiting for the driver */
};

/* Size of the channel table: offers beyond it are logged and ignored. */
#define VMBUS_MAX_CHANNELS 64

struct vmbus_channel;
typedef void (*vmbus_callback_t)(struct vmbus_channel *ch);

struct vmbus_channel {
    struct vmbus_msg_offer offer;       /* as received (validated) */
    uint32_t relid, conn_id;
    enum vmbus_chan_state state;
    const struct vmbus_driver *driver;  /* claiming driver, or NULL */
    void *priv;                         /* the driver's */
    vmbus_callback_t on_event;          /* from the worker thread */
    /* Rings: one allocation, GPADL'd as a whole. */
    void *ring_mem;
    uint64_t ring_phys;
    size_t ring_pages, out_pages;
    uint32_t ring_gpadl;
    struct vmbus_ring out, in;
    /* Replies the worker stores for a waiting opener. */
    bool open_done;
    uint32_t open_status;
    bool rescinded;
    bool event_pending;                 /* an event to deliver once open */
    bool rxbuf_set;                     /* vmbus_chan_set_rxbuf was called */
    uint16_t rxbuf_set_id;
    uint32_t rxbuf_size;
    unsigned busy;                      /* probe/open in progress: not freed meanwhile */
    /* Counters. */
    uint64_t tx_packets, rx_packets, signals, events, tx_full;
};

/* A driver for one device class, found by the class GUID of the offer. */
struct vmbus_driver {
    const char *name;
    struct vmbus_guid class_id;
    int (*probe)(struct vmbus_channel *ch);     /* opens the channel */
    void (*remove)(struct vmbus_channel *ch);   /* rescind, unload */
};

/* Registers a driver in the vmbus_drivers linker set (kernel/linkset.h). */
#define VMBUS_DRIVER(name_, ...)                                                \
    static const struct vmbus_driver vmbus_driver_##name_                      \
        LINKSET_ENTRY(vmbus_drivers) = { __VA_ARGS__ }

/* Error lines: "vmbus: " and fmt at LOG_ERR. The module prefix lives in
 * the helper, not in every message; hv_verr is the common part
 * ("<prefix><fmt...>", the line formatted whole, then printed). */
void vmbus_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hv_verr(const char *prefix, const char *fmt, va_list ap);

/* Connects: SynIC must be up. Negotiates the newest version both sides
 * know, requests offers and probes drivers. Negative errno on failure
 * (everything undone). */
int vmbus_init(void);
/* Closes every channel, tears down GPADLs, sends UNLOAD and waits for the
 * response (bounded), then disables the SynIC. For poweroff and reboot. */
void vmbus_shutdown(void);
/* The worker body: handles pending messages and channel events. */
void vmbus_poll(void);

/* Handles one channel message as received in the SIMP slot's payload
 * (vmbus_poll's parser; exposed for the fuzzer). Malformed messages are
 * logged, counted in vmbus_stats.bad_messages and dropped. */
void vmbus_handle_message(const void *msg, size_t len);

/* Negotiated version (0 before vmbus_init succeeded). */
uint32_t vmbus_version(void);

/* GPADL over `pages` contiguous pages at phys, for channel ch. */
int vmbus_gpadl_create(struct vmbus_channel *ch, uint64_t phys, size_t pages, uint32_t *handle);
int vmbus_gpadl_destroy(struct vmbus_channel *ch, uint32_t handle);

/* Allocates rings (out_bytes host-bound, in_bytes guest-bound, each a
 * multiple of 4 KiB including the control page, >= 8 KiB), GPADLs them and
 * opens the channel. cb runs on the worker for every event. */
int vmbus_open(struct vmbus_channel *ch, size_t out_bytes, size_t in_bytes, const void *user_data,
               size_t user_len, vmbus_callback_t cb);
void vmbus_close(struct vmbus_channel *ch);

/* Sends one packet of `type` (VMBUS_PKT_DATA_INBAND or COMP) and signals
 * the host if the rules say so. -EAGAIN when the ring is full. */
int vmbus_send(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
               const void *data, size_t len);
/* vmbus_send from pieces; the first hdr_len bytes (a multiple of 8) are a
 * type-specific header between descriptor and payload (vmbus_chan.c). */
int vmbus_send_iov(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t trans_id, size_t hdr_len,
                   const struct vmbus_iov *iov, size_t niov);

/* Signals the host on ch's connection (and sets its interrupt-page bit on
 * a shared interrupt), for a consumer whose ring rules say so. */
void vmbus_signal_host(struct vmbus_channel *ch);
/* The two halves of every receive (vmbus_recv, vmbus_recv_pkt): the next
 * inbound packet's validated descriptor and total length (-EAGAIN: none,
 * -EIO: no ring, or a corrupt one, logged), then, whatever the caller made
 * of it, the packet counted and consumed, the host signalled if the ring
 * rules say so. */
int vmbus_recv_peek(struct vmbus_channel *ch, struct vmbus_pkt_desc *desc);
void vmbus_recv_done(struct vmbus_channel *ch, uint32_t total);

/* --- Data channels (vmbus_chan.c) --- */
/* One multi-page buffer of a GPA-direct packet: len bytes starting offset
 * bytes into pfns[0]; npfns must be exactly the pages those bytes touch. */
struct vmbus_gpa_buf {
    uint32_t offset, len;
    const uint64_t *pfns;
    size_t npfns;
};
/* netvsc's page-buffer form uses one range per page, up to 32 (Linux
 * include/linux/hyperv.h MAX_PAGE_BUFFER_COUNT). */
#define VMBUS_GPA_MAX_BUFS 32

/* Sends a VMBUS_PKT_DATA_GPA_DIRECT packet: the ranges of bufs[0..nbufs)
 * in the header, then data[0..len) in-band. -EINVAL for a malformed range,
 * -EMSGSIZE when it can never fit, else as vmbus_send. */
int vmbus_send_gpa(struct vmbus_channel *ch, uint16_t flags, uint64_t trans_id, const struct vmbus_gpa_buf *bufs,
                   size_t nbufs, const void *data, size_t len);

/* Sends the completion of a packet the host sent (transfer pages, or a
 * request with completion asked): VMBUS_PKT_COMP with its trans_id. */
int vmbus_send_comp(struct vmbus_channel *ch, uint64_t trans_id, const void *data, size_t len);

/* The receive buffer transfer-page packets may point into: its set id
 * and size in bytes. Until set, every transfer-page packet is refused. */
void vmbus_chan_set_rxbuf(struct vmbus_channel *ch, uint16_t set_id, uint32_t size);

/* One received packet as vmbus_recv_pkt reports it. */
struct vmbus_rx_pkt {
    uint16_t type, flags;
    uint64_t trans_id;
    size_t len;                         /* in-band payload bytes copied */
    uint16_t xfer_set_id;               /* transfer pages only: */
    uint32_t nranges;                   /* ranges stored (== the packet's count) */
};

/* Receives the next packet of any type: payload after offset8 into buf,
 * and for a transfer-page packet its ranges into ranges[0..max_ranges),
 * each checked against the registered receive buffer. 0 on success;
 * -EAGAIN when empty; -EIO when the ring is corrupt. The packet is
 * consumed in every other case, with pkt's type and trans_id filled so
 * that the caller can still complete it: -EMSGSIZE when the payload is
 * longer than cap or has more ranges than max_ranges, -EPROTO for an
 * unknown set id or a range outside the buffer, or a malformed header. */
int vmbus_recv_pkt(struct vmbus_channel *ch, void *buf, size_t cap, struct vmbus_rx_pkt *pkt,
                   struct vmbus_xfer_range *ranges, size_t max_ranges);

/* For a callback that stops before the ring is empty: the host signals
 * only on empty -> non-empty, so ask the worker to call back anyway. */
void vmbus_channel_reschedule(struct vmbus_channel *ch);
/* vmbus_send, but when the ring is full it waits (up to timeout_ms) for
 * the host to make room; -ETIMEDOUT if it does not. Not from callbacks. */
int vmbus_send_wait(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
                    const void *data, size_t len, uint64_t timeout_ms);
/* Receives the next packet: its payload (after offset8) up to cap bytes
 * into buf, with *len the payload length and the descriptor in *desc.
 * 0 and *len set; -EAGAIN when empty; -EMSGSIZE (packet consumed, dropped)
 * when longer than cap; -EIO when the ring is corrupt. */
int vmbus_recv(struct vmbus_channel *ch, void *buf, size_t cap, size_t *len, struct vmbus_pkt_desc *desc);

/* Prints the connection, every channel and its rings (shell `vmbus`). */
void vmbus_dump(void);

/* Offers, for the shell and tests. */
size_t vmbus_channel_count(void);
struct vmbus_channel *vmbus_channel_at(size_t i);
struct vmbus_channel *vmbus_channel_by_relid(uint32_t relid);

/* GUID helpers. */
void vmbus_guid_str(const struct vmbus_guid *g, char out[37]);
const char *vmbus_class_name(const struct vmbus_guid *g);
bool vmbus_guid_eq(const struct vmbus_guid *a, const struct vmbus_guid *b);
/* "a-b-c-d-e" text to wire order (for tables written as text). */
#define VMBUS_GUID(a, b, c, d0, d1, e0, e1, e2, e3, e4, e5)                     \
    { { (a) & 0xFF, ((a) >> 8) & 0xFF, ((a) >> 16) & 0xFF, ((a) >> 24) & 0xFF, \
        (b) & 0xFF, ((b) >> 8) & 0xFF, (c) & 0xFF, ((c) >> 8) & 0xFF,          \
        d0, d1, e0, e1, e2, e3, e4, e5 } }

struct vmbus_stats {
    uint64_t messages, bad_messages, offers, rescinds, events;
};
extern struct vmbus_stats vmbus_stats;
