/* Hyper-V integration services (ICs): heartbeat, shutdown, time sync.
 *
 * IC channels are named-pipe channels in message mode: every in-band
 * packet's payload is an 8-byte pipe header, a 20-byte IC header, and the
 * service's message. The host sends requests (flags transaction|request);
 * the guest answers each in place (flags transaction|response) with the
 * same length, as one in-band packet echoing the descriptor's trans_id.
 *
 * Sources: openvmm vm/devices/hyperv_ic_protocol/src/{lib,heartbeat,
 * shutdown,timesync}.rs and vm/devices/hyperv_ic/src/{common,shutdown,
 * timesync}.rs (the host; HEAD 1488a37b); Linux drivers/hv/hv_util.c,
 * channel_mgmt.c vmbus_prep_negotiate_resp() and include/linux/hyperv.h;
 * FreeBSD sys/dev/hyperv/utilities/{vmbus_icreg.h,vmbus_ic.c,
 * vmbus_heartbeat.c,vmbus_shutdown.c,vmbus_timesync.c}. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define IC_PIPE_TYPE_DATA   1u      /* openvmm PipeHeader packet_type */

struct ic_pipe_hdr {
    uint32_t type;                  /* 1 */
    uint32_t size;                  /* message bytes after this header */
};

struct ic_version {
    uint16_t major, minor;
};
#define IC_VER(maj, min) ((uint32_t)(maj) << 16 | (min))

enum ic_msg_type {
    IC_MSG_NEGOTIATE = 0,
    IC_MSG_HEARTBEAT = 1,
    IC_MSG_KVP = 2,
    IC_MSG_SHUTDOWN = 3,
    IC_MSG_TIMESYNC = 4,
};

#define IC_FLAG_TRANSACTION 0x01
#define IC_FLAG_REQUEST     0x02
#define IC_FLAG_RESPONSE    0x04

#define IC_S_OK             0x00000000u
#define IC_E_FAIL           0x80004005u

struct ic_hdr {
    struct ic_version framework;
    uint16_t type;
    struct ic_version msg_version;
    uint16_t msg_size;              /* body bytes after this header */
    uint32_t status;                /* HRESULT */
    uint8_t transaction_id;
    uint8_t flags;
    uint8_t reserved[2];
} __attribute__((packed));

/* Negotiate: framework versions first, then message versions. */
struct ic_negotiate {
    uint16_t framework_count;
    uint16_t msg_count;
    uint32_t reserved;
    struct ic_version versions[];
};
#define IC_NEGOTIATE_MAX_VERSIONS 100   /* Linux's limit on each count */

struct ic_heartbeat {
    uint64_t seq;                   /* the guest answers seq + 1 */
    uint32_t app_state;             /* openvmm: 1 = healthy */
} __attribute__((packed));         /* at payload offset 28: not 8-aligned */
#define IC_HEARTBEAT_MIN 8u

#define IC_SHUTDOWN_FORCE     0x1u
#define IC_SHUTDOWN_RESTART   0x2u
#define IC_SHUTDOWN_HIBERNATE 0x4u
struct ic_shutdown {
    uint32_t reason;
    uint32_t timeout_s;
    uint32_t flags;                 /* 0 = power off */
    uint8_t message[2048];
} __attribute__((packed));
#define IC_SHUTDOWN_MIN 12u         /* FreeBSD reads only the first three fields */

#define IC_TIMESYNC_PROBE  0x0
#define IC_TIMESYNC_SYNC   0x1      /* set the clock */
#define IC_TIMESYNC_SAMPLE 0x2      /* a periodic sample */
struct ic_timesync_v3 {             /* message versions 1.0 and 3.0 */
    uint64_t parent_time;           /* 100 ns units since 1601-01-01 UTC */
    uint64_t child_time;
    uint64_t round_trip;
    uint8_t flags;
} __attribute__((packed));
struct ic_timesync_v4 {             /* message version 4.0 */
    uint64_t parent_time;
    uint64_t vm_reference_time;     /* partition reference time at sampling */
    uint8_t flags;
    uint8_t leap;
    uint8_t stratum;
    uint8_t reserved[3];
} __attribute__((packed));
#define IC_TIMESYNC_V3_MIN 25u
#define IC_TIMESYNC_V4_MIN 22u      /* Linux/FreeBSD size; openvmm sends 24 */
/* 1601-01-01 to 1970-01-01 in 100 ns units (Linux WLTIMEDELTA). */
#define IC_EPOCH_DELTA_100NS 116444736000000000ull

#define IC_HDRS_SIZE (sizeof(struct ic_pipe_hdr) + sizeof(struct ic_hdr))

_Static_assert(sizeof(struct ic_pipe_hdr) == 8, "pipe header");
_Static_assert(sizeof(struct ic_hdr) == 20, "ic header");
_Static_assert(offsetof(struct ic_hdr, msg_size) == 10, "ic msg size");
_Static_assert(offsetof(struct ic_hdr, status) == 12, "ic status");
_Static_assert(offsetof(struct ic_hdr, flags) == 17, "ic flags");
_Static_assert(IC_HDRS_SIZE == 28, "ic headers");
_Static_assert(sizeof(struct ic_negotiate) == 8, "negotiate");
_Static_assert(sizeof(struct ic_shutdown) == 2060, "shutdown");
_Static_assert(offsetof(struct ic_timesync_v3, flags) == 24, "timesync v3 flags");
_Static_assert(offsetof(struct ic_timesync_v4, flags) == 16, "timesync v4 flags");
_Static_assert(sizeof(struct ic_timesync_v4) == 22, "timesync v4");
