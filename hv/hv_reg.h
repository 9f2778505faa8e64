/* Hyper-V hypervisor interface: CPUID leaves, synthetic MSRs, hypercalls and
 * the SynIC message and event-flags pages.
 *
 * Sources:
 *   - Microsoft Hypervisor Top-Level Functional Specification (TLFS) 6.0,
 *     "Feature and Interface Discovery", "Hypercall Interface", "Virtual
 *     Interrupt Controller / SynIC";
 *   - Linux include/hyperv/hvgdk_mini.h and arch/x86/include/asm/hyperv-tlfs.h;
 *   - FreeBSD sys/dev/hyperv/vmbus/hyperv_reg.h (x86/hyperv_reg.h in newer
 *     trees) and vmbus/vmbus_reg.h;
 *   - openvmm vm/hv1/hvdef/src/lib.rs and hv1_emulator/src/synic.rs (the host
 *     side of the same interface).
 * Everything here is a wire (or register) format; sizes and offsets are
 * asserted at the bottom. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* --- CPUID (TLFS "Feature and Interface Discovery") ----------------------- */
#define HV_CPUID_VENDOR          0x40000000u  /* EAX: max leaf; EBX-EDX "Microsoft Hv" */
#define HV_CPUID_INTERFACE       0x40000001u  /* EAX: "Hv#1" = 0x31237648 */
#define HV_CPUID_VERSION         0x40000002u
#define HV_CPUID_FEATURES        0x40000003u
#define HV_CPUID_HINTS           0x40000004u
#define HV_INTERFACE_HV1         0x31237648u  /* "Hv#1" */

/* 0x40000003.EAX: which synthetic MSRs the partition may use. */
#define HV_MSR_TIME_REF_COUNT_AVAILABLE (1u << 1)
#define HV_MSR_SYNIC_AVAILABLE          (1u << 2)   /* required for VMBus */
#define HV_MSR_HYPERCALL_AVAILABLE      (1u << 5)   /* required: hypercall + guest OS ID */
#define HV_MSR_VP_INDEX_AVAILABLE       (1u << 6)
#define HV_MSR_REFERENCE_TSC_AVAILABLE  (1u << 9)
#define HV_MSR_FREQUENCY_AVAILABLE      (1u << 11)
/* 0x40000003.EBX: partition privileges (hypercalls it may make). */
#define HV_PRIV_POST_MESSAGES           (1u << 4)
#define HV_PRIV_SIGNAL_EVENTS           (1u << 5)
/* 0x40000003.EDX: misc features. */
#define HV_MISC_FREQUENCY_MSRS          (1u << 8)
/* 0x40000004.EAX: recommendations. */
#define HV_HINT_DEPRECATE_AUTO_EOI      (1u << 9)

/* --- Synthetic MSRs (TLFS appendix; FreeBSD hyperv_reg.h) ------------------ */
#define HV_MSR_GUEST_OS_ID      0x40000000u
#define HV_MSR_HYPERCALL        0x40000001u
#define HV_MSR_VP_INDEX         0x40000002u
#define HV_MSR_TIME_REF_COUNT   0x40000020u   /* 100 ns units */
#define HV_MSR_REFERENCE_TSC    0x40000021u
#define HV_MSR_TSC_FREQUENCY    0x40000022u
#define HV_MSR_SCONTROL         0x40000080u
#define HV_MSR_SVERSION         0x40000081u
#define HV_MSR_SIEFP            0x40000082u
#define HV_MSR_SIMP             0x40000083u
#define HV_MSR_EOM              0x40000084u
#define HV_MSR_SINT0            0x40000090u   /* SINTn = SINT0 + n, n < 16 */

/* HYPERCALL, SIEFP, SIMP, REFERENCE_TSC: bit 0 enable, bits 11:1 reserved
 * (preserved on write, as FreeBSD does), bits 63:12 the page's GPA >> 12. */
#define HV_MSR_PAGE_ENABLE      1ull
#define HV_MSR_PAGE_RSVD_MASK   0xFFEull
#define HV_SCONTROL_ENABLE      1ull

/* SINTn: vector 7:0 (16..255 valid), masked bit 16, auto-EOI bit 17; the
 * remaining bits are reserved and preserved (FreeBSD mask). */
#define HV_SINT_VECTOR_MASK     0xFFull
#define HV_SINT_MASKED          (1ull << 16)
#define HV_SINT_AUTO_EOI        (1ull << 17)
#define HV_SINT_RSVD_MASK       0xFFFFFFFFFFFCFF00ull
#define HV_SINT_MIN_VECTOR      16

/* Guest OS ID, open-source format (TLFS "Reporting the Guest OS Identity";
 * Linux generate_guest_id): bit 63 open source, 62:56 OS type, 55:48 OS id,
 * 47:16 version, 15:0 build. minnow uses OS type 0 ("undefined") with its
 * own version: it is neither Linux nor FreeBSD, and Hyper-V accepts any
 * nonzero value. */
#define HV_GUEST_OS_ID_OPEN_SOURCE (1ull << 63)
#define HV_GUEST_OS_ID(type, id, version, build)                                \
    (HV_GUEST_OS_ID_OPEN_SOURCE | ((uint64_t)(type) & 0x7F) << 56 |            \
     ((uint64_t)(id) & 0xFF) << 48 | ((uint64_t)(version) & 0xFFFFFFFF) << 16 | \
     ((uint64_t)(build) & 0xFFFF))

/* --- Hypercalls (TLFS "Hypercall Interface") ------------------------------ */
/* Control word: call code 15:0, fast 16, rep count 43:32. */
#define HV_HC_FAST              (1ull << 16)
#define HVCALL_POST_MESSAGE     0x005Cu
#define HVCALL_SIGNAL_EVENT     0x005Du
/* Result (RAX): status in 15:0. */
#define HV_STATUS_MASK          0xFFFFu
#define HV_STATUS_SUCCESS                   0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE    0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT   0x0003
#define HV_STATUS_INVALID_ALIGNMENT         0x0004
#define HV_STATUS_INVALID_PARAMETER         0x0005
#define HV_STATUS_ACCESS_DENIED             0x0006
#define HV_STATUS_INVALID_PARTITION_STATE   0x0007
#define HV_STATUS_OPERATION_DENIED          0x0008
#define HV_STATUS_INSUFFICIENT_MEMORY       0x000B
#define HV_STATUS_INVALID_PORT_ID           0x0011
#define HV_STATUS_INVALID_CONNECTION_ID     0x0012
#define HV_STATUS_INSUFFICIENT_BUFFERS      0x0013

/* The SynIC's messages carry at most 240 bytes of payload (TLFS
 * HV_MESSAGE_PAYLOAD_BYTE_COUNT). */
#define HV_MESSAGE_PAYLOAD_MAX  240u

/* HvPostMessage input block, 256 bytes, 8-byte aligned (TLFS; Linux
 * struct hv_input_post_message). message_type 1 is a VMBus channel message. */
struct hv_post_message_input {
    uint32_t connection_id;     /* bits 23:0 */
    uint32_t reserved;
    uint32_t message_type;
    uint32_t payload_size;      /* <= 240 */
    uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
};
#define HV_MESSAGE_TYPE_VMBUS   1u

/* HvSignalEvent input, 8 bytes: in the fast form it is RDX itself. */
struct hv_signal_event_input {
    uint32_t connection_id;
    uint16_t flag_number;
    uint16_t reserved;
};

/* --- SynIC message page (SIMP) and event-flags page (SIEFP) --------------- */
/* 16 slots of 256 bytes, slot n for SINT n (TLFS "SynIC Message Page";
 * openvmm synic.rs: a message goes into a slot only when its type is 0). */
#define HV_SYNIC_SINT_COUNT     16u
#define HVMSG_NONE              0x00000000u
#define HVMSG_TIMER_EXPIRED     0x80000010u
#define HV_MSG_FLAG_PENDING     0x01u

struct hv_message {
    uint32_t message_type;      /* 0: slot free */
    uint8_t payload_size;
    uint8_t message_flags;      /* bit 0: another message is queued */
    uint16_t reserved;
    uint64_t sender;            /* port id in 23:0 */
    uint8_t payload[HV_MESSAGE_PAYLOAD_MAX];
};

struct hv_message_page {
    struct hv_message slot[HV_SYNIC_SINT_COUNT];
};

/* Event flags: 2048 bits per SINT, at SINT * 256 in the page. A set bit n
 * in the VMBus SINT's area means "channel with relid n has news" (VMBus
 * 2.4+). */
#define HV_EVENT_FLAGS_BYTES    256u
#define HV_EVENT_FLAGS_BITS     (HV_EVENT_FLAGS_BYTES * 8)

_Static_assert(sizeof(struct hv_post_message_input) == 256, "post message input");
_Static_assert(offsetof(struct hv_post_message_input, payload) == 16, "post message payload");
_Static_assert(sizeof(struct hv_signal_event_input) == 8, "signal event input");
_Static_assert(sizeof(struct hv_message) == 256, "hv_message");
_Static_assert(offsetof(struct hv_message, payload_size) == 4, "hv_message size");
_Static_assert(offsetof(struct hv_message, message_flags) == 5, "hv_message flags");
_Static_assert(offsetof(struct hv_message, sender) == 8, "hv_message sender");
_Static_assert(offsetof(struct hv_message, payload) == 16, "hv_message payload");
_Static_assert(sizeof(struct hv_message_page) == 4096, "message page");
