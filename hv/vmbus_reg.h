/* VMBus wire formats: the channel messages exchanged through the SynIC
 * (HvPostMessage one way, the SIMP slot of SINT 2 the other), GPADLs, and
 * the ring buffers and packet descriptors of an open channel.
 *
 * Sources: Linux include/linux/hyperv.h and drivers/hv/{connection.c,
 * channel.c, ring_buffer.c}; FreeBSD sys/dev/hyperv/vmbus/vmbus_reg.h;
 * openvmm vm/devices/vmbus/{vmbus_core/src/protocol.rs, vmbus_server/src/
 * channels.rs, vmbus_ring/src/lib.rs} (the host side). All fields are
 * little-endian and the structures are packed on the wire; every size and
 * offset is asserted at the bottom. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* --- Constants (protocol.rs; Linux hyperv_vmbus.h) ------------------------ */
#define VMBUS_SINT                  2u      /* all VMBus messages and events */
#define VMBUS_MSG_CONNECTION_ID     1u      /* host message port, versions < 5.0 */
#define VMBUS_MSG_CONNECTION_ID_5   4u      /* INITIATE_CONTACT for versions >= 5.0 */
#define VMBUS_EVENT_CONNECTION_ID   2u      /* shared event port (WS2008) */
#define VMBUS_GPADL_FIRST_HANDLE    0xE1E10u  /* what Linux and FreeBSD start at */
#define VMBUS_MAX_RELID             2047u   /* SINT 2's event-flags area: 2048 bits */
/* The interrupt page named by INITIATE_CONTACT below 5.0: host->guest bits
 * in the first half, guest->host bits in the second; a channel offered with
 * is_dedicated_interrupt = 0 gets bit relid of the second half set before
 * each HvSignalEvent (Linux drivers/hv/connection.c vmbus_connect's
 * send_int_page, vmbus_set_event). */
#define VMBUS_INT_PAGE_SEND_OFFSET  2048u

/* Versions: (major << 16) | minor. */
#define VMBUS_VERSION(maj, min)     (((uint32_t)(maj) << 16) | (min))
#define VMBUS_VERSION_WS2008        VMBUS_VERSION(0, 13)
#define VMBUS_VERSION_WIN7          VMBUS_VERSION(1, 1)
#define VMBUS_VERSION_WIN8          VMBUS_VERSION(2, 4)
#define VMBUS_VERSION_WIN8_1        VMBUS_VERSION(3, 0)
#define VMBUS_VERSION_WIN10         VMBUS_VERSION(4, 0)
#define VMBUS_VERSION_WIN10_RS3_0   VMBUS_VERSION(4, 1)
#define VMBUS_VERSION_WIN10_RS3_1   VMBUS_VERSION(5, 0)
#define VMBUS_VERSION_WIN10_RS4     VMBUS_VERSION(5, 1)
#define VMBUS_VERSION_WIN10_RS5     VMBUS_VERSION(5, 2)
#define VMBUS_VERSION_IRON          VMBUS_VERSION(5, 3)

/* --- Channel messages (hyperv.h enum vmbus_channel_message_type) ---------- */
enum vmbus_msg_type {
    VMBUS_MSG_INVALID = 0,
    VMBUS_MSG_OFFERCHANNEL = 1,
    VMBUS_MSG_RESCIND_CHANNELOFFER = 2,
    VMBUS_MSG_REQUESTOFFERS = 3,
    VMBUS_MSG_ALLOFFERS_DELIVERED = 4,
    VMBUS_MSG_OPENCHANNEL = 5,
    VMBUS_MSG_OPENCHANNEL_RESULT = 6,
    VMBUS_MSG_CLOSECHANNEL = 7,
    VMBUS_MSG_GPADL_HEADER = 8,
    VMBUS_MSG_GPADL_BODY = 9,
    VMBUS_MSG_GPADL_CREATED = 10,
    VMBUS_MSG_GPADL_TEARDOWN = 11,
    VMBUS_MSG_GPADL_TORNDOWN = 12,
    VMBUS_MSG_RELID_RELEASED = 13,
    VMBUS_MSG_INITIATE_CONTACT = 14,
    VMBUS_MSG_VERSION_RESPONSE = 15,
    VMBUS_MSG_UNLOAD = 16,
    VMBUS_MSG_UNLOAD_RESPONSE = 17,
    VMBUS_MSG_COUNT = 18,           /* minnow neither sends nor accepts 18+ */
};

struct vmbus_msg_hdr {
    uint32_t type;
    uint32_t padding;
};

/* A GUID as stored on the wire: text a-b-c-d-e is a (LE u32), b, c (LE
 * u16), then d and e as 8 bytes in text order. */
struct vmbus_guid {
    uint8_t b[16];
};

struct vmbus_msg_initiate_contact {       /* G->H, 40 bytes */
    struct vmbus_msg_hdr hdr;
    uint32_t version;
    uint32_t target_vcpu;                 /* VP index for messages (3.0+) */
    union {
        uint64_t interrupt_page;          /* < 5.0: GPA of the interrupt page */
        struct {                          /* >= 5.0 */
            uint8_t msg_sint;             /* must be 2 */
            uint8_t msg_vtl;
            uint8_t reserved[2];
            uint32_t features;            /* 6.0 only */
        };
    };
    uint64_t monitor_page1;               /* host -> guest MNF page */
    uint64_t monitor_page2;               /* guest -> host MNF page */
};

struct vmbus_msg_version_response {       /* H->G, 16 bytes */
    struct vmbus_msg_hdr hdr;
    uint8_t version_supported;
    uint8_t connection_state;             /* 0 ok, 1 low resources, 2 failed */
    uint16_t padding;
    uint32_t msg_conn_id;                 /* >= 5.0: where later messages go */
};

/* OFFERCHANNEL chn_flags. */
#define VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE 0x0001
#define VMBUS_OFFER_FLAG_NAMED_PIPE_MODE            0x0010

struct vmbus_msg_offer {                  /* H->G, 196 bytes */
    struct vmbus_msg_hdr hdr;
    struct vmbus_guid if_type;            /* device class */
    struct vmbus_guid if_instance;        /* this device */
    uint64_t reserved1;
    uint64_t reserved2;
    uint16_t chn_flags;
    uint16_t mmio_megabytes;
    uint8_t user_defined[120];            /* pipe offers: pipe_mode u32 first */
    uint16_t sub_channel_index;
    uint16_t reserved3;
    uint32_t child_relid;
    uint8_t monitor_id;
    uint8_t monitor_allocated;            /* bit 0 */
    uint16_t is_dedicated_interrupt;      /* bit 0 */
    uint32_t connection_id;               /* for HvSignalEvent (Win7+) */
} __attribute__((packed));

struct vmbus_msg_relid {                  /* RESCIND (H->G), CLOSECHANNEL,   */
    struct vmbus_msg_hdr hdr;             /* RELID_RELEASED (G->H): 12 bytes */
    uint32_t child_relid;
} __attribute__((packed));

#define VMBUS_OPEN_USER_DATA_SIZE 120u
struct vmbus_msg_open_channel {           /* G->H, 148 bytes */
    struct vmbus_msg_hdr hdr;
    uint32_t child_relid;
    uint32_t open_id;                     /* echoed in the result */
    uint32_t ring_gpadl;                  /* one GPADL: outbound then inbound ring */
    uint32_t target_vp;
    uint32_t downstream_page_offset;      /* pages of the guest->host ring */
    uint8_t user_data[VMBUS_OPEN_USER_DATA_SIZE];
};

struct vmbus_msg_open_result {            /* H->G, 20 bytes */
    struct vmbus_msg_hdr hdr;
    uint32_t child_relid;
    uint32_t open_id;
    uint32_t status;                      /* 0 = success */
};

/* GPADL_HEADER: one range (Linux always sends one) whose PFNs continue in
 * GPADL_BODY messages; the host knows it is complete after range_buflen
 * bytes of range descriptors (8 + 8 x PFNs for the single range). */
struct vmbus_msg_gpadl_header {           /* G->H, 28 + 8 x n bytes */
    struct vmbus_msg_hdr hdr;
    uint32_t child_relid;
    uint32_t gpadl;
    uint16_t range_buflen;
    uint16_t range_count;
    uint32_t byte_count;                  /* range[0] */
    uint32_t byte_offset;
    uint64_t pfn[];                       /* at offset 28: unaligned, hence packed */
} __attribute__((packed));
#define VMBUS_GPADL_HEADER_PFNS 26u       /* (240 - 28) / 8 */

struct vmbus_msg_gpadl_body {             /* G->H, 16 + 8 x n bytes */
    struct vmbus_msg_hdr hdr;
    uint32_t msg_number;
    uint32_t gpadl;
    uint64_t pfn[];
};
#define VMBUS_GPADL_BODY_PFNS 28u         /* (240 - 16) / 8 */

struct vmbus_msg_gpadl_created {          /* H->G, 20 bytes */
    struct vmbus_msg_hdr hdr;
    uint32_t child_relid;
    uint32_t gpadl;
    uint32_t status;                      /* 0 = success */
};

struct vmbus_msg_gpadl_teardown {         /* G->H, 16 bytes */
    struct vmbus_msg_hdr hdr;
    uint32_t child_relid;
    uint32_t gpadl;
};

struct vmbus_msg_gpadl_torndown {         /* H->G, 12 bytes */
    struct vmbus_msg_hdr hdr;
    uint32_t gpadl;
} __attribute__((packed));

/* --- Ring buffers (hyperv.h struct hv_ring_buffer; vmbus_ring lib.rs) ----- */
/* Each direction is one ring: a 4 KiB control page, then the data area.
 * Indices are byte offsets into the data area, 8-aligned, < data size. */
#define VMBUS_RING_FEAT_PENDING_SEND_SZ 1u

struct vmbus_ring_ctl {
    volatile uint32_t write_index;        /* producer */
    volatile uint32_t read_index;         /* consumer */
    volatile uint32_t interrupt_mask;     /* consumer: 1 = do not signal me */
    volatile uint32_t pending_send_sz;    /* producer: signal me at this much space */
    uint32_t reserved1[12];
    uint32_t feature_bits;                /* bit 0: pending_send_sz is used */
    uint8_t reserved2[4096 - 68];
};

/* Packet types (hyperv.h enum vmbus_packet_type). */
#define VMBUS_PKT_DATA_INBAND       0x6
#define VMBUS_PKT_DATA_XFER_PAGES   0x7
#define VMBUS_PKT_DATA_GPA_DIRECT   0x9
#define VMBUS_PKT_COMP              0xB
#define VMBUS_PKT_FLAG_COMPLETION_REQUESTED 1u

/* Every packet: this descriptor, a type-specific header, the payload at
 * offset8 x 8, padding to len8 x 8, then an 8-byte trailer holding the
 * write index at which the packet started (in the high 32 bits). */
struct vmbus_pkt_desc {
    uint16_t type;
    uint16_t offset8;                     /* payload offset / 8, >= 2 */
    uint16_t len8;                        /* packet length / 8, trailer excluded */
    uint16_t flags;
    uint64_t trans_id;
};
#define VMBUS_PKT_TRAILER_SIZE 8u

/* One range of a GPA-direct packet: byte_count bytes starting byte_offset
 * into the first of the listed pages. */
struct vmbus_gpa_range {
    uint32_t byte_count;
    uint32_t byte_offset;
    uint64_t pfn[];
};

struct vmbus_pkt_gpa_direct_hdr {         /* follows the descriptor */
    uint32_t reserved;
    uint32_t range_count;
};

/* A transfer-page packet (host -> guest, netvsc's receive buffer): after
 * the descriptor, the set id the guest registered (NVSP's receive buffer
 * id), then range_count ranges of that buffer; the in-band payload follows
 * at offset8 (Linux include/linux/hyperv.h struct
 * vmtransfer_page_packet_header, struct vmtransfer_page_range). The guest
 * answers with a VMBUS_PKT_COMP carrying the same trans_id
 * (drivers/net/hyperv/netvsc.c netvsc_receive, send_recv_completions). */
struct vmbus_pkt_xfer_hdr {               /* follows the descriptor */
    uint16_t xfer_set_id;
    uint8_t sender_owns_set;
    uint8_t reserved;
    uint32_t range_count;
};

struct vmbus_xfer_range {
    uint32_t byte_count;
    uint32_t byte_offset;                 /* into the receive buffer */
};

_Static_assert(sizeof(struct vmbus_msg_hdr) == 8, "msg hdr");
_Static_assert(sizeof(struct vmbus_guid) == 16, "guid");
_Static_assert(sizeof(struct vmbus_msg_initiate_contact) == 40, "initiate contact");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, interrupt_page) == 16, "ic intpage");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, msg_sint) == 16, "ic sint");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, monitor_page1) == 24, "ic mon1");
_Static_assert(sizeof(struct vmbus_msg_version_response) == 16, "version response");
_Static_assert(offsetof(struct vmbus_msg_version_response, msg_conn_id) == 12, "vr conn id");
_Static_assert(sizeof(struct vmbus_msg_offer) == 196, "offer");
_Static_assert(offsetof(struct vmbus_msg_offer, if_instance) == 24, "offer instance");
_Static_assert(offsetof(struct vmbus_msg_offer, chn_flags) == 56, "offer flags");
_Static_assert(offsetof(struct vmbus_msg_offer, user_defined) == 60, "offer user");
_Static_assert(offsetof(struct vmbus_msg_offer, sub_channel_index) == 180, "offer subchannel");
_Static_assert(offsetof(struct vmbus_msg_offer, child_relid) == 184, "offer relid");
_Static_assert(offsetof(struct vmbus_msg_offer, monitor_id) == 188, "offer monitor");
_Static_assert(offsetof(struct vmbus_msg_offer, is_dedicated_interrupt) == 190, "offer dedicated");
_Static_assert(offsetof(struct vmbus_msg_offer, connection_id) == 192, "offer conn id");
_Static_assert(sizeof(struct vmbus_msg_relid) == 12, "relid msg");
_Static_assert(sizeof(struct vmbus_msg_open_channel) == 148, "open channel");
_Static_assert(offsetof(struct vmbus_msg_open_channel, downstream_page_offset) == 24, "open offset");
_Static_assert(offsetof(struct vmbus_msg_open_channel, user_data) == 28, "open user data");
_Static_assert(sizeof(struct vmbus_msg_open_result) == 20, "open result");
_Static_assert(sizeof(struct vmbus_msg_gpadl_header) == 28, "gpadl header");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, range_buflen) == 16, "gpadl buflen");
_Static_assert(offsetof(struct vmbus_msg_gpadl_header, byte_count) == 20, "gpadl range");
_Static_assert(28 + 8 * VMBUS_GPADL_HEADER_PFNS <= 240, "gpadl header pfns fit");
_Static_assert(sizeof(struct vmbus_msg_gpadl_body) == 16, "gpadl body");
_Static_assert(16 + 8 * VMBUS_GPADL_BODY_PFNS <= 240, "gpadl body pfns fit");
_Static_assert(sizeof(struct vmbus_msg_gpadl_created) == 20, "gpadl created");
_Static_assert(sizeof(struct vmbus_msg_gpadl_teardown) == 16, "gpadl teardown");
_Static_assert(sizeof(struct vmbus_msg_gpadl_torndown) == 12, "gpadl torndown");
_Static_assert(sizeof(struct vmbus_ring_ctl) == 4096, "ring control page");
_Static_assert(offsetof(struct vmbus_ring_ctl, pending_send_sz) == 12, "ring pending");
_Static_assert(offsetof(struct vmbus_ring_ctl, feature_bits) == 64, "ring features");
_Static_assert(sizeof(struct vmbus_pkt_desc) == 16, "packet descriptor");
_Static_assert(sizeof(struct vmbus_gpa_range) == 8, "gpa range");
_Static_assert(sizeof(struct vmbus_pkt_gpa_direct_hdr) == 8, "gpa direct header");
_Static_assert(sizeof(struct vmbus_pkt_xfer_hdr) == 8, "xfer page header");
_Static_assert(offsetof(struct vmbus_pkt_xfer_hdr, range_count) == 4, "xfer range count");
_Static_assert(sizeof(struct vmbus_xfer_range) == 8, "xfer range");
