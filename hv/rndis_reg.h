/* RNDIS: the Remote NDIS messages netvsc carries over NVSP.
 *
 * Every message starts with {type, length}; a completion's type is the
 * request's | 0x80000000 and echoes its request_id. Offsets inside a
 * message body (info_buf_offset, data_offset, per_pkt_info_offset...)
 * count from byte 8, the end of that header, not from the message start.
 *
 * Sources: Microsoft's Remote NDIS specification (message formats, OIDs
 * and status codes); Linux include/linux/rndis.h and
 * drivers/net/hyperv/{hyperv_net.h, rndis_filter.c} (struct rndis_message
 * and its members, rndis_filter_receive_data's offset checks, the
 * per-packet info ndis_tcp_ip_checksum_info); openvmm
 * vm/devices/net/netvsp/src/rndisprot.rs (the host's view); NDIS
 * ntddndis.h for NDIS_OFFLOAD_PARAMETERS. All little-endian, packed. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define RNDIS_MSG_PACKET    0x00000001u
#define RNDIS_MSG_INIT      0x00000002u
#define RNDIS_MSG_HALT      0x00000003u
#define RNDIS_MSG_QUERY     0x00000004u
#define RNDIS_MSG_SET       0x00000005u
#define RNDIS_MSG_RESET     0x00000006u
#define RNDIS_MSG_INDICATE  0x00000007u
#define RNDIS_MSG_KEEPALIVE 0x00000008u
#define RNDIS_MSG_CMPLT     0x80000000u     /* | the request type */

#define RNDIS_STATUS_SUCCESS          0x00000000u
#define RNDIS_STATUS_MEDIA_CONNECT    0x4001000Bu
#define RNDIS_STATUS_MEDIA_DISCONNECT 0x4001000Cu
#define RNDIS_STATUS_LINK_SPEED_CHANGE 0x40010013u
#define RNDIS_STATUS_NETWORK_CHANGE   0x40010018u
#define RNDIS_STATUS_FAILURE          0xC0000001u
#define RNDIS_STATUS_NOT_SUPPORTED    0xC00000BBu
#define RNDIS_STATUS_INVALID_LENGTH   0xC0010014u
#define RNDIS_STATUS_INVALID_DATA     0xC0010015u

/* OIDs (ntddndis.h; Linux include/linux/rndis.h). */
#define RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE    0x00010106u   /* MTU: IP bytes per frame */
#define RNDIS_OID_GEN_LINK_SPEED            0x00010107u   /* units of 100 bit/s */
#define RNDIS_OID_GEN_CURRENT_PACKET_FILTER 0x0001010Eu
#define RNDIS_OID_GEN_MEDIA_CONNECT_STATUS  0x00010114u   /* 0 connected, 1 not */
#define RNDIS_OID_802_3_PERMANENT_ADDRESS   0x01010101u
#define RNDIS_OID_TCP_OFFLOAD_PARAMETERS    0xFC01020Cu

#define RNDIS_MEDIA_CONNECTED 0u
/* Packet filter (NDIS_PACKET_TYPE_*): Linux's "open" value is 0x0D. */
#define RNDIS_FILTER_DIRECTED      0x01u
#define RNDIS_FILTER_ALL_MULTICAST 0x04u
#define RNDIS_FILTER_BROADCAST     0x08u

#define RNDIS_VERSION_MAJOR 1u
#define RNDIS_VERSION_MINOR 0u
#define RNDIS_MAX_XFER      0x4000u     /* what Linux offers in INITIALIZE */

struct rndis_hdr {
    uint32_t type;
    uint32_t len;                       /* whole message, this header included */
};
#define RNDIS_BODY 8u                   /* body offsets count from here */

struct rndis_init_req {
    struct rndis_hdr h;
    uint32_t rid;
    uint32_t major, minor;
    uint32_t max_xfer;
};

struct rndis_init_cmplt {
    struct rndis_hdr h;
    uint32_t rid;
    uint32_t status;
    uint32_t major, minor;
    uint32_t dev_flags;
    uint32_t medium;                    /* 0 = 802.3 */
    uint32_t max_pkts;                  /* messages per transfer */
    uint32_t max_xfer;
    uint32_t align_shift;               /* messages aligned to 1 << this */
    uint32_t af_off, af_size;
};

struct rndis_rid_msg {                  /* HALT, KEEPALIVE */
    struct rndis_hdr h;
    uint32_t rid;
};

struct rndis_oid_req {                  /* QUERY, SET; data follows */
    struct rndis_hdr h;
    uint32_t rid;
    uint32_t oid;
    uint32_t buf_len;
    uint32_t buf_off;                   /* from byte 8: 20 = right after this */
    uint32_t vc;
};

struct rndis_query_cmplt {
    struct rndis_hdr h;
    uint32_t rid;
    uint32_t status;
    uint32_t buf_len;
    uint32_t buf_off;                   /* from byte 8 */
};

struct rndis_status_cmplt {             /* SET_CMPLT, KEEPALIVE_CMPLT */
    struct rndis_hdr h;
    uint32_t rid;
    uint32_t status;
};

struct rndis_reset_req {
    struct rndis_hdr h;
    uint32_t reserved;
};

struct rndis_reset_cmplt {
    struct rndis_hdr h;
    uint32_t status;
    uint32_t addressing_reset;
};

struct rndis_indicate {
    struct rndis_hdr h;
    uint32_t status;                    /* RNDIS_STATUS_MEDIA_* ... */
    uint32_t buf_len;
    uint32_t buf_off;                   /* from byte 8 */
};

struct rndis_packet {
    struct rndis_hdr h;
    uint32_t data_off;                  /* from byte 8 to the Ethernet frame */
    uint32_t data_len;
    uint32_t oob_off, oob_len, oob_count;
    uint32_t ppi_off;                   /* from byte 8; 0 = none */
    uint32_t ppi_len;
    uint32_t vc, reserved;
};

/* One per-packet info element; its data at ppi_off from its start. */
struct rndis_ppi {
    uint32_t size;                      /* header + data */
    uint32_t type;                      /* bit 31: internal */
    uint32_t off;                       /* 12 */
};
#define RNDIS_PPI_CSUM      0u          /* TCPIP_CHKSUM_PKTINFO: u32 */
#define RNDIS_PPI_INTERNAL  (1u << 31)
/* Transmit bits (Linux struct ndis_tcp_ip_checksum_info transmit). */
#define RNDIS_CSUM_TX_IPV4      (1u << 0)
#define RNDIS_CSUM_TX_TCP       (1u << 2)
#define RNDIS_CSUM_TX_IP_HDR    (1u << 4)
#define RNDIS_CSUM_TX_TCP_OFF_SHIFT 16  /* bits 25:16 TCP header offset */
/* Receive bits. */
#define RNDIS_CSUM_RX_TCP_FAIL  (1u << 0)
#define RNDIS_CSUM_RX_UDP_FAIL  (1u << 1)
#define RNDIS_CSUM_RX_IP_FAIL   (1u << 2)
#define RNDIS_CSUM_RX_TCP_OK    (1u << 3)
#define RNDIS_CSUM_RX_UDP_OK    (1u << 4)
#define RNDIS_CSUM_RX_IP_OK     (1u << 5)

/* NDIS_OFFLOAD_PARAMETERS revision 1 (NDIS 6.0; ntddndis.h), the SET of
 * OID_TCP_OFFLOAD_PARAMETERS that asks the host for checksum offloads
 * (Linux rndis_filter_set_offload_params). */
#define NDIS_OBJECT_TYPE_DEFAULT    0x80u
#define NDIS_OFFLOAD_PARAMS_REV1    1u
#define NDIS_OFFLOAD_PARAMS_SIZE_1  20u
#define NDIS_OFFLOAD_TX_RX_ENABLED  4u    /* NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED */
struct ndis_offload_params {
    uint8_t type, revision;
    uint16_t size;
    uint8_t ip4_csum, tcp4_csum, udp4_csum, tcp6_csum, udp6_csum;
    uint8_t lso_v1, ipsec_v1, lso_v2_ip4, lso_v2_ip6, tcp_conn_ip4, tcp_conn_ip6;
    uint8_t pad;
    uint32_t flags;
};

_Static_assert(sizeof(struct rndis_hdr) == 8, "rndis header");
_Static_assert(sizeof(struct rndis_init_req) == 24, "rndis init");
_Static_assert(sizeof(struct rndis_init_cmplt) == 52, "rndis init cmplt");
_Static_assert(offsetof(struct rndis_init_cmplt, max_pkts) == 32, "rndis init max pkts");
_Static_assert(offsetof(struct rndis_init_cmplt, align_shift) == 40, "rndis init align");
_Static_assert(sizeof(struct rndis_rid_msg) == 12, "rndis halt/keepalive");
_Static_assert(sizeof(struct rndis_oid_req) == 28, "rndis query/set");
_Static_assert(offsetof(struct rndis_oid_req, buf_off) == 20, "rndis req buf off");
_Static_assert(sizeof(struct rndis_query_cmplt) == 24, "rndis query cmplt");
_Static_assert(sizeof(struct rndis_status_cmplt) == 16, "rndis set cmplt");
_Static_assert(sizeof(struct rndis_reset_req) == 12, "rndis reset");
_Static_assert(sizeof(struct rndis_reset_cmplt) == 16, "rndis reset cmplt");
_Static_assert(sizeof(struct rndis_indicate) == 20, "rndis indicate");
_Static_assert(sizeof(struct rndis_packet) == 44, "rndis packet");
_Static_assert(offsetof(struct rndis_packet, ppi_off) == 28, "rndis ppi off");
_Static_assert(sizeof(struct rndis_ppi) == 12, "rndis ppi");
_Static_assert(sizeof(struct ndis_offload_params) == NDIS_OFFLOAD_PARAMS_SIZE_1, "offload params");
_Static_assert(offsetof(struct ndis_offload_params, flags) == 16, "offload params flags");
