/* storvsc wire format: the VMBus storage protocol ("vstor") spoken between
 * a guest's storage VSC and the host's storvsp, on the synthetic SCSI
 * controller channel and on the Gen1 IDE accelerator channels.
 *
 * Every message is one vstor_packet: {operation, flags, status} and a
 * union whose SRB form carries a SCSI command out and its result back. The
 * guest sends requests with completion requested; the host answers each
 * with a VMBUS_PKT_COMP of the same transaction id whose payload is a
 * vstor_packet with operation COMPLETE_IO and an NTSTATUS. The SRB grew
 * by 16 bytes in protocol 5.1 (Windows 8): before it, packets are 48
 * bytes and the sense area 18; from it, 64 and 20.
 *
 * Sources: openvmm vm/devices/storage/storvsp_protocol/src/lib.rs and
 * storvsp/src/lib.rs (the host; Microsoft's own), scsi_defs/src/srb.rs
 * (SRB status codes); Linux drivers/scsi/storvsc_drv.c (struct
 * vstor_packet, struct vmscsi_request, the version table); FreeBSD
 * sys/dev/hyperv/storvsc/hv_vstorage.h. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Class GUIDs (Linux include/linux/hyperv.h HV_SCSI_GUID, HV_IDE_GUID;
 * openvmm SCSI_INTERFACE_ID, IDE_ACCELERATOR_INTERFACE_ID). */
#define STORVSC_SCSI_GUID_ARGS 0xba6163d9, 0x04a1, 0x4d29, 0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f
#define STORVSC_IDE_GUID_ARGS  0x32412632, 0x86cb, 0x44a2, 0x9b, 0x5c, 0x50, 0xd1, 0x41, 0x73, 0x54, 0xf5

/* Protocol versions, (major << 8) | minor. Linux's table lists them newest
 * first; openvmm's host accepts 2.0, 4.2, 5.1 and 6.0 (and answers 6.2
 * with REVISION_MISMATCH), Windows Server 2016+ also 6.2. */
#define VSTOR_VER_WIN6  0x0200
#define VSTOR_VER_WIN7  0x0402
#define VSTOR_VER_WIN8  0x0501
#define VSTOR_VER_BLUE  0x0600      /* Windows 8.1 */
#define VSTOR_VER_WIN10 0x0602

/* vstor_packet.operation */
#define VSTOR_OP_COMPLETE_IO        1   /* H->G: every completion */
#define VSTOR_OP_REMOVE_DEVICE      2   /* H->G unsolicited */
#define VSTOR_OP_EXECUTE_SRB        3
#define VSTOR_OP_RESET_LUN          4
#define VSTOR_OP_RESET_ADAPTER      5
#define VSTOR_OP_RESET_BUS          6
#define VSTOR_OP_BEGIN_INIT         7
#define VSTOR_OP_END_INIT           8
#define VSTOR_OP_QUERY_VERSION      9
#define VSTOR_OP_QUERY_PROPERTIES   10
#define VSTOR_OP_ENUMERATE_BUS      11  /* H->G unsolicited (trans_id 0): LUNs changed */
#define VSTOR_OP_FCHBA_DATA         12
#define VSTOR_OP_CREATE_SUBCHANNELS 13

#define VSTOR_FLAG_REQUEST_COMPLETION 0x1u

/* vstor_packet.status: NTSTATUS (openvmm storvsp_protocol NtStatus). */
#define VSTOR_NT_SUCCESS                0x00000000u
#define VSTOR_NT_BUFFER_OVERFLOW        0x80000005u
#define VSTOR_NT_DEVICE_BUSY            0x80000011u
#define VSTOR_NT_UNSUCCESSFUL           0xC0000001u
#define VSTOR_NT_INVALID_PARAMETER      0xC000000Du
#define VSTOR_NT_INVALID_DEVICE_REQUEST 0xC0000010u
#define VSTOR_NT_REVISION_MISMATCH      0xC0000059u
#define VSTOR_NT_DEVICE_NOT_CONNECTED   0xC000009Du
#define VSTOR_NT_IO_TIMEOUT             0xC00000B5u
#define VSTOR_NT_DEVICE_DOES_NOT_EXIST  0xC00000C0u
#define VSTOR_NT_CANCELLED              0xC0000120u
#define VSTOR_NT_INVALID_DEVICE_STATE   0xC0000184u
#define VSTOR_NT_IO_DEVICE_ERROR        0xC0000185u

/* vstor_srb.srb_status: code in bits 5:0, flags above (scsi_defs srb.rs). */
#define SRB_STATUS_CODE(s)          ((s) & 0x3Fu)
#define SRB_STATUS_QUEUE_FROZEN     0x40u
#define SRB_STATUS_AUTOSENSE_VALID  0x80u
#define SRB_STATUS_PENDING          0x00
#define SRB_STATUS_SUCCESS          0x01
#define SRB_STATUS_ABORTED          0x02
#define SRB_STATUS_ERROR            0x04
#define SRB_STATUS_BUSY             0x05
#define SRB_STATUS_INVALID_REQUEST  0x06
#define SRB_STATUS_INVALID_PATH_ID  0x07
#define SRB_STATUS_NO_DEVICE        0x08
#define SRB_STATUS_TIMEOUT          0x09
#define SRB_STATUS_SELECTION_TIMEOUT 0x0A
#define SRB_STATUS_COMMAND_TIMEOUT  0x0B
#define SRB_STATUS_BUS_RESET        0x0E
#define SRB_STATUS_NO_HBA           0x11
#define SRB_STATUS_DATA_OVERRUN     0x12    /* also underrun: data_transfer_length valid */
#define SRB_STATUS_BAD_SRB_BLOCK_LENGTH 0x15
#define SRB_STATUS_REQUEST_FLUSHED  0x16
#define SRB_STATUS_INVALID_LUN      0x20
#define SRB_STATUS_INVALID_TARGET_ID 0x21
#define SRB_STATUS_BAD_FUNCTION     0x22

/* vstor_srb.data_in */
#define VSTOR_DATA_OUT     0        /* write: guest -> device */
#define VSTOR_DATA_IN      1        /* read: device -> guest */
#define VSTOR_DATA_UNKNOWN 2        /* no data */

/* vstor_srb.srb_flags (Windows SRB_FLAGS_*; Linux sets these) */
#define SRB_FLAGS_QUEUE_ACTION_ENABLE    0x00000002u
#define SRB_FLAGS_DISABLE_SYNCH_TRANSFER 0x00000008u
#define SRB_FLAGS_DATA_IN                0x00000040u
#define SRB_FLAGS_DATA_OUT               0x00000080u
#define SRB_FLAGS_NO_QUEUE_FREEZE        0x00000100u

#define VSTOR_CDB_MAX         16
#define VSTOR_SENSE_WIN8      20    /* sense area from 5.1 on */
#define VSTOR_SENSE_WIN7      18    /* before */
#define VSTOR_SRB_DELTA       16    /* the Win8 extension (vmscsi_size_delta) */

/* The SCSI request block (Linux struct vmscsi_request, openvmm ScsiRequest). */
struct vstor_srb {
    uint16_t length;                /* 52, or 36 before 5.1 */
    uint8_t srb_status;             /* SRB_STATUS_*, from the host */
    uint8_t scsi_status;            /* SAM status, from the host */
    uint8_t port;                   /* Linux: host number; openvmm: ignored */
    uint8_t path_id;
    uint8_t target_id;
    uint8_t lun;
    uint8_t cdb_length;
    uint8_t sense_info_length;      /* request: room offered; response: bytes valid */
    uint8_t data_in;                /* VSTOR_DATA_* */
    uint8_t reserved;
    uint32_t data_transfer_length;  /* request: buffer; response: bytes moved */
    uint8_t cdb_or_sense[20];       /* request: CDB; response: sense data */
    /* The Win8 (5.1) extension. */
    uint16_t reserve;
    uint8_t queue_tag;
    uint8_t queue_action;
    uint32_t srb_flags;             /* SRB_FLAGS_* */
    uint32_t time_out_value;        /* seconds */
    uint32_t queue_sort_key;
} __attribute__((packed));

/* QUERY_PROPERTIES response (Linux struct vmstorage_channel_properties). */
struct vstor_props {
    uint32_t reserved;
    uint16_t max_channel_cnt;       /* subchannels the host would create */
    uint16_t reserved1;
    uint32_t flags;                 /* bit 0: multichannel */
    uint32_t max_transfer_bytes;    /* the largest single transfer */
    uint64_t reserved2;
} __attribute__((packed));

struct vstor_version {
    uint16_t major_minor;
    uint16_t revision;              /* 0 */
} __attribute__((packed));

struct vstor_packet {
    uint32_t operation;             /* VSTOR_OP_* */
    uint32_t flags;                 /* VSTOR_FLAG_* */
    uint32_t status;                /* VSTOR_NT_*, in completions */
    union {
        struct vstor_srb srb;
        struct vstor_props props;
        struct vstor_version version;
        uint16_t subchannel_count;
    } u;
} __attribute__((packed));

#define VSTOR_HDR_SIZE    12u
#define VSTOR_PKT_WIN8    64u       /* sizeof(struct vstor_packet) */
#define VSTOR_PKT_WIN7    (VSTOR_PKT_WIN8 - VSTOR_SRB_DELTA)

_Static_assert(sizeof(struct vstor_srb) == 52, "vstor srb");
_Static_assert(offsetof(struct vstor_srb, data_transfer_length) == 12, "srb dtl");
_Static_assert(offsetof(struct vstor_srb, cdb_or_sense) == 16, "srb cdb");
_Static_assert(offsetof(struct vstor_srb, reserve) == 36, "srb win8 extension");
_Static_assert(offsetof(struct vstor_srb, srb_flags) == 40, "srb flags");
_Static_assert(offsetof(struct vstor_srb, time_out_value) == 44, "srb timeout");
_Static_assert(sizeof(struct vstor_props) == 24, "vstor props");
_Static_assert(offsetof(struct vstor_props, max_transfer_bytes) == 12, "props max transfer");
_Static_assert(sizeof(struct vstor_version) == 4, "vstor version");
_Static_assert(sizeof(struct vstor_packet) == VSTOR_PKT_WIN8, "vstor packet");
_Static_assert(offsetof(struct vstor_packet, u) == VSTOR_HDR_SIZE, "vstor union");
