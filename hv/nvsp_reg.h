/* NVSP: the Network Virtual Service Protocol, netvsc's channel protocol.
 *
 * Every NVSP message is a u32 type followed by a type-specific body; the
 * guest sends them in-band, the host answers requests with a completion
 * packet (VMBUS_PKT_COMP) carrying the request's transaction id and the
 * response message, and delivers received frames as transfer-page packets
 * whose in-band part is a SEND_RNDIS_PKT message.
 *
 * Sources: Linux drivers/net/hyperv/hyperv_net.h (struct nvsp_message and
 * its members, NVSP_PROTOCOL_VERSION_*, NETVSC_RECEIVE_BUFFER_ID) and
 * netvsc.c (negotiate_nvsp_ver, netvsc_init_buf, netvsc_send_pkt,
 * enq_receive_complete); FreeBSD sys/dev/hyperv/netvsc/if_hnreg.h;
 * openvmm vm/devices/net/netvsp/src/protocol.rs (the host's view). All
 * fields little-endian, packed; sizes and offsets asserted below. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Versions: (major << 16) | minor, except V1 (hyperv_net.h). */
#define NVSP_VERSION_1  0x00000002u
#define NVSP_VERSION_2  0x00030002u
#define NVSP_VERSION_4  0x00040000u
#define NVSP_VERSION_5  0x00050000u
#define NVSP_VERSION_6  0x00060000u
#define NVSP_VERSION_61 0x00060001u

/* Message types (hyperv_net.h enum nvsp_msg_type). */
#define NVSP_MSG_INIT                   1u
#define NVSP_MSG_INIT_COMPLETE          2u
#define NVSP_MSG1_SEND_NDIS_VER         100u
#define NVSP_MSG1_SEND_RECV_BUF         101u
#define NVSP_MSG1_SEND_RECV_BUF_COMPLETE 102u
#define NVSP_MSG1_REVOKE_RECV_BUF       103u
#define NVSP_MSG1_SEND_SEND_BUF         104u
#define NVSP_MSG1_SEND_SEND_BUF_COMPLETE 105u
#define NVSP_MSG1_REVOKE_SEND_BUF       106u
#define NVSP_MSG1_SEND_RNDIS_PKT        107u
#define NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE 108u
#define NVSP_MSG2_SEND_NDIS_CONFIG      125u
#define NVSP_MSG4_SEND_VF_ASSOCIATION   128u
#define NVSP_MSG5_SEND_INDIRECTION_TABLE 134u

/* Status in completions (hyperv_net.h enum nvsp_status). */
#define NVSP_STATUS_NONE    0u
#define NVSP_STATUS_SUCCESS 1u
#define NVSP_STATUS_FAIL    2u

/* The receive buffer's id, echoed by the host as the transfer-page set id
 * of every receive packet (Linux NETVSC_RECEIVE_BUFFER_ID); the send
 * buffer's (Linux NETVSC_SEND_BUFFER_ID; openvmm ignores it). */
#define NVSP_RXBUF_ID       0xCAFEu
#define NVSP_TXBUF_ID       0u
/* SEND_RNDIS_PKT without a send-buffer section (GPA direct, or a receive). */
#define NVSP_SECTION_NONE   0xFFFFFFFFu
/* SEND_RNDIS_PKT channel_type. */
#define NVSP_CHAN_DATA      0u
#define NVSP_CHAN_CONTROL   1u
/* SEND_NDIS_CONFIG capability bits (hyperv_net.h struct nvsp_2_vsc_capability). */
#define NVSP_CAP_IEEE8021Q  (1ull << 3)

/* NOTE: the host never answers a request shorter than the full message
 * (FreeBSD hn_nvs.c pads to 32 bytes; Linux sends sizeof(struct
 * nvsp_message) = 40 for everything), so every request goes out as
 * NVSP_MSG_SIZE bytes. Host replies are 28 or 40 bytes (openvmm). */
#define NVSP_MSG_SIZE 40u

struct nvsp_init {                      /* INIT, G->H */
    uint32_t type;
    uint32_t min_ver, max_ver;
};

struct nvsp_init_complete {             /* INIT_COMPLETE, in a COMP */
    uint32_t type;
    uint32_t negotiated_ver;            /* deprecated: openvmm sends 0xFFFFFFFF */
    uint32_t max_mdl_chain_len;
    uint32_t status;                    /* NVSP_STATUS_* */
};

struct nvsp_ndis_ver {                  /* SEND_NDIS_VER, G->H, no completion */
    uint32_t type;
    uint32_t major, minor;
};

struct nvsp_ndis_config {               /* SEND_NDIS_CONFIG (v2+), G->H */
    uint32_t type;
    uint32_t mtu;                       /* frame bytes including the Ethernet header */
    uint32_t reserved;
    uint64_t capability;                /* NVSP_CAP_*, unaligned at 12 */
} __attribute__((packed));

struct nvsp_buf {                       /* SEND_RECV_BUF / SEND_SEND_BUF, G->H */
    uint32_t type;
    uint32_t gpadl;
    uint16_t id;
    uint16_t reserved;
};

struct nvsp_rxbuf_section {
    uint32_t offset;                    /* 0 */
    uint32_t sub_alloc_size;            /* bytes the host puts one message in */
    uint32_t num_sub_allocs;
    uint32_t end_offset;
};

struct nvsp_rxbuf_complete {            /* SEND_RECV_BUF_COMPLETE, in a COMP */
    uint32_t type;
    uint32_t status;
    uint32_t num_sections;              /* 1 */
    struct nvsp_rxbuf_section section;
};

struct nvsp_txbuf_complete {            /* SEND_SEND_BUF_COMPLETE, in a COMP */
    uint32_t type;
    uint32_t status;
    uint32_t section_size;
};

struct nvsp_revoke_buf {                /* REVOKE_RECV_BUF / REVOKE_SEND_BUF, G->H */
    uint32_t type;
    uint16_t id;
    uint16_t reserved;
};

struct nvsp_rndis_pkt {                 /* SEND_RNDIS_PKT, both ways */
    uint32_t type;
    uint32_t channel_type;              /* NVSP_CHAN_* */
    uint32_t section_index;             /* NVSP_SECTION_NONE, or a send-buffer section */
    uint32_t section_size;              /* bytes used in it */
};

struct nvsp_rndis_pkt_complete {        /* SEND_RNDIS_PKT_COMPLETE, both ways in a COMP */
    uint32_t type;
    uint32_t status;
};

union nvsp_msg {
    uint32_t type;
    struct nvsp_init init;
    struct nvsp_init_complete init_complete;
    struct nvsp_ndis_ver ndis_ver;
    struct nvsp_ndis_config ndis_config;
    struct nvsp_buf buf;
    struct nvsp_rxbuf_complete rxbuf_complete;
    struct nvsp_txbuf_complete txbuf_complete;
    struct nvsp_revoke_buf revoke;
    struct nvsp_rndis_pkt rndis;
    struct nvsp_rndis_pkt_complete rndis_complete;
    uint8_t raw[NVSP_MSG_SIZE];
};

_Static_assert(sizeof(struct nvsp_init) == 12, "nvsp init");
_Static_assert(offsetof(struct nvsp_init_complete, status) == 12, "nvsp init status");
_Static_assert(sizeof(struct nvsp_ndis_config) == 20, "nvsp ndis config");
_Static_assert(offsetof(struct nvsp_ndis_config, capability) == 12, "nvsp ndis capability");
_Static_assert(sizeof(struct nvsp_buf) == 12, "nvsp buf");
_Static_assert(offsetof(struct nvsp_buf, id) == 8, "nvsp buf id");
_Static_assert(sizeof(struct nvsp_rxbuf_complete) == 28, "nvsp rxbuf complete");
_Static_assert(offsetof(struct nvsp_rxbuf_complete, section) == 12, "nvsp rxbuf section");
_Static_assert(sizeof(struct nvsp_txbuf_complete) == 12, "nvsp txbuf complete");
_Static_assert(sizeof(struct nvsp_rndis_pkt) == 16, "nvsp rndis pkt");
_Static_assert(sizeof(struct nvsp_rndis_pkt_complete) == 8, "nvsp rndis complete");
_Static_assert(sizeof(union nvsp_msg) == 40, "nvsp message");
