/* netvsc's state, shared by its three layers: netvsc_nvsp.c (the channel
 * protocol, buffers, data packets), netvsc_rndis.c (RNDIS on top) and
 * netvsc.c (the VMBus driver and the struct netdev glue). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hv/vmbus.h"
#include "hv/vmbus_xact.h"
#include "net/netdev.h"

/* Buffers given to the host (Linux uses 16 MiB / 1 MiB; a unikernel with
 * one app needs far less). */
#define NETVSC_RING_BYTES   (128 * 1024)    /* per direction */
#define NETVSC_RXBUF_PAGES  256             /* 1 MiB: ~580 frames of the host's 1806-byte slots */
#define NETVSC_TXBUF_PAGES  64              /* 256 KiB: 42 sections of 6144 */
#define NETVSC_TX_SECTIONS  64              /* at most (one bitmap word) */
/* Frames larger than a section go GPA-direct from these bounce slots. */
#define NETVSC_GPA_SLOTS    8
#define NETVSC_GPA_SLOT_PAGES 4             /* 16 KiB: a 9 KiB jumbo frame + RNDIS */
#define NETVSC_MAX_RANGES   64              /* RNDIS messages per receive packet */
#define NETVSC_XACT_MS      5000            /* a host reply to a request */

/* Transaction ids of data packets (never the vmbus_xact tag): kind in
 * bits 32..39, index below. */
#define NETVSC_ID_NOCOMP    0ull            /* sent without completion */
#define NETVSC_ID_SECTION   (1ull << 32)
#define NETVSC_ID_GPA       (2ull << 32)
#define NETVSC_ID_KIND      (0xFFull << 32)

struct netvsc {
    struct vmbus_channel *ch;
    struct netdev nd;
    struct vmbus_xact_ctx xact;
    uint32_t nvsp_ver;
    bool up;                            /* handshake done: data may flow */
    /* Receive buffer: the host's sub-allocations live in it. */
    uint8_t *rxbuf;
    uint64_t rxbuf_phys;
    uint32_t rxbuf_gpadl, rx_sub_size;
    /* Send buffer: sections of section_size, one frame each. */
    uint8_t *txbuf;
    uint64_t txbuf_phys;
    uint32_t txbuf_gpadl, section_size, nsections;
    uint64_t sect_busy;                 /* bit i: section i in flight */
    uint8_t *gpa;                       /* NETVSC_GPA_SLOTS bounce slots */
    uint64_t gpa_phys;
    uint32_t gpa_busy;
    /* RNDIS. */
    uint32_t rid;                       /* last request id used */
    uint32_t max_pkts, align_shift;
    bool csum_offload;                  /* the host accepted the offload SET */
    struct {                            /* the request waiting for its completion */
        uint32_t rid, type;             /* completion type expected; 0 = none */
        bool done;
        uint8_t buf[64];
        uint32_t len;
    } wait;
    uint64_t comp_backlog[NETVSC_MAX_RANGES];  /* receive completions the ring had no room for */
    unsigned ncomp_backlog;
    struct {
        uint64_t bad_nvsp, bad_rndis, unknown_comps, tx_busy, tx_gpa, tx_section;
        uint64_t rx_xfer, indications, keepalives;
    } st;
};

/* netvsc.c: an error line, "netvsc: " and fmt (hv_verr) */
void netvsc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* netvsc_nvsp.c */
int netvsc_nvsp_connect(struct netvsc *nv);        /* versions, NDIS, both buffers */
void netvsc_nvsp_disconnect(struct netvsc *nv);    /* revoke the buffers */
void netvsc_nvsp_free(struct netvsc *nv);          /* memory (after close) */
void netvsc_on_event(struct vmbus_channel *ch);    /* the channel callback */
/* Sends one RNDIS message (the first len bytes of msg; with `frame`
 * appended when not NULL) on channel type chan: through a send-buffer
 * section when it fits, else GPA-direct pages. Completion comes later.
 * -EBUSY when nothing is free, -EMSGSIZE if it can never fit. */
int netvsc_nvsp_send(struct netvsc *nv, uint32_t chan, const void *msg, size_t len, const struct netdev_frame *frame);
/* An RNDIS control request as a transaction: sent through a send-buffer
 * section with vmbus_xact (the NVSP completion frees the section). */
int netvsc_nvsp_send_ctl(struct netvsc *nv, const void *msg, size_t len);

/* netvsc_rndis.c */
int netvsc_rndis_init(struct netvsc *nv);          /* INITIALIZE, queries, SETs */
void netvsc_rndis_halt(struct netvsc *nv);
int netvsc_rndis_keepalive(struct netvsc *nv);
int netvsc_rndis_reset(struct netvsc *nv);
/* One RNDIS message from the host, len bytes it may use (the range). */
void netvsc_rndis_rx(struct netvsc *nv, const uint8_t *msg, uint32_t len);
int netvsc_rndis_xmit(struct netvsc *nv, const struct netdev_frame *f);

/* netvsc.c: one-line decoders for trace=netvsc. */
void netvsc_trace_nvsp(const char *dir, const void *msg, size_t len);
void netvsc_trace_rndis(const char *dir, const void *msg, size_t len);
