/* hvsim's synthetic NIC host (netvsp): NVSP and RNDIS as Hyper-V speaks
 * them, strict about what the guest sends, with a hostile side the tests
 * drive. See hvsim_netvsc.c for the rules and their sources. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tests/hvsim/hvsim.h"

#define HVSIM_NV_KEEP      64       /* guest frames kept (the last ones) */
#define HVSIM_NV_FRAME_MAX 9232     /* bytes kept of each */
#define HVSIM_NV_OUT       256      /* transfer-page packets outstanding */

struct hvsim_nv_frame {
    uint32_t len;
    uint32_t csum_info;             /* the TCPIP_CHKSUM per-packet info, 0 if none */
    bool gpa;                       /* came GPA-direct (else from a send section) */
    uint8_t data[HVSIM_NV_FRAME_MAX];
};

struct hvsim_netvsc {
    /* Configuration: set after hvsim_add_netvsc, before the guest opens. */
    uint32_t versions[8];           /* NVSP versions accepted; nversions 0 = 1 .. 6.1 */
    unsigned nversions;
    uint8_t mac[6];
    uint32_t mtu;                   /* OID_GEN_MAXIMUM_FRAME_SIZE (1500) */
    bool link_down;                 /* media state at start */
    uint32_t section_size;          /* send-buffer section size answered (6144) */
    bool no_offload;                /* refuses OID_TCP_OFFLOAD_PARAMETERS */
    unsigned batch;                 /* RNDIS messages per transfer-page packet (1) */
    bool no_xfer_comp_check;        /* hostile tests: the guest may complete twice */
    /* Called with each frame the guest sends (a bridge to a TAP device). */
    void (*on_frame)(const uint8_t *frame, uint32_t len, void *arg);
    void *on_frame_arg;
    /* Hostile handshake answers. */
    bool fail_rxbuf;                /* SEND_RECV_BUF answered with status FAIL */
    uint32_t rxbuf_sections;        /* num_sections answered (0: 1) */
    bool silent_rndis;              /* RNDIS INITIALIZE never answered */

    /* State seen by tests. */
    uint32_t version;               /* negotiated NVSP version, 0 before */
    bool ndis_config, ndis_ver, rndis_up;
    uint32_t ndis_major, ndis_minor, ndis_mtu;
    uint32_t rx_gpadl, tx_gpadl, rx_size, tx_size, sub_size, nsub;
    uint32_t filter;                /* CURRENT_PACKET_FILTER */
    bool offload_on;
    uint64_t frames, frames_gpa, frames_section, frames_filtered;
    uint64_t keepalives, resets, halts, queries, sets, revokes;
    uint64_t xfer_sent, xfer_comps, xfer_comp_fail, unknown_comps, rx_queued_max;
    struct hvsim_nv_frame *kept;    /* HVSIM_NV_KEEP, ring by frames % KEEP */

    /* Internal. */
    struct hvsim_chan *ch;
    uint8_t *sub_busy;              /* nsub flags */
    uint32_t sub_next;
    struct { uint64_t id; uint32_t n; uint32_t sub[16]; } out[HVSIM_NV_OUT];
    uint64_t next_id;
    struct nv_msg *q_head, *q_tail; /* messages for the guest waiting for room */
    size_t queued;
};

struct hvsim_chan *hvsim_add_netvsc(struct hvsim_netvsc *nv, uint32_t relid);
void hvsim_netvsc_free(struct hvsim_netvsc *nv);
extern const struct vmbus_guid hvsim_netvsc_class;

/* Host -> guest: a frame (with a checksum per-packet info when csum_info
 * is nonzero), a link indication. Queued; delivered as sub-allocations of
 * the receive buffer are free. 0, or -22 when RNDIS is not up. */
int hvsim_netvsc_rx(struct hvsim_netvsc *nv, const void *frame, size_t len, uint32_t csum_info);
int hvsim_netvsc_link(struct hvsim_netvsc *nv, bool up);
/* Hostile: any bytes as one RNDIS message in a sub-allocation, with
 * byte_count as given (0: the sub-allocation size). */
int hvsim_netvsc_raw_rndis(struct hvsim_netvsc *nv, const void *msg, size_t len, uint32_t byte_count);
/* Hostile: a transfer-page packet with these ranges and NVSP payload, not
 * tracked (its completion is expected and counted). */
int hvsim_netvsc_raw_xfer(struct hvsim_netvsc *nv, const struct vmbus_xfer_range *r, uint32_t n, const void *nvsp,
                          size_t len);
/* The last frame the guest sent (NULL if none). */
const struct hvsim_nv_frame *hvsim_netvsc_last(const struct hvsim_netvsc *nv);
/* Transfer-page packets not yet completed by the guest. */
unsigned hvsim_netvsc_outstanding(const struct hvsim_netvsc *nv);
