/* VMware PVSCSI (paravirtual SCSI host adapter) wire formats: registers in
 * BAR 0, the setup commands written through the command register, the
 * rings-state page and the request, completion and message descriptors.
 * All little-endian.
 *
 * Sources: QEMU hw/scsi/vmw_pvscsi.h and hw/scsi/vmw_pvscsi.c (the model
 * minnow runs against), Linux drivers/scsi/vmw_pvscsi.h (VMware's header,
 * which is the closest thing to a specification). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define PVSCSI_VENDOR   0x15ad
#define PVSCSI_DEVICE   0x07c0
#define PVSCSI_BAR_SIZE 0x8000          /* BAR 0: 8 pages of MMIO registers */
#define PVSCSI_PAGE     4096

/* Registers (32-bit accesses only). */
#define PVSCSI_REG_COMMAND         0x0000   /* write a PVSCSI_CMD_* */
#define PVSCSI_REG_COMMAND_DATA    0x0004   /* then its descriptor, one u32 at a time */
#define PVSCSI_REG_COMMAND_STATUS  0x0008   /* 0 ok, -1 failed, -2 needs more data */
#define PVSCSI_REG_INTR_STATUS     0x100c   /* write 1 to clear */
#define PVSCSI_REG_INTR_MASK       0x2010
#define PVSCSI_REG_KICK_NON_RW_IO  0x3014
#define PVSCSI_REG_KICK_RW_IO      0x4018

#define PVSCSI_INTR_CMPL_0  (1u << 0)
#define PVSCSI_INTR_CMPL_1  (1u << 1)
#define PVSCSI_INTR_MSG_0   (1u << 2)
#define PVSCSI_INTR_MSG_1   (1u << 3)
#define PVSCSI_INTR_CMPL_MASK (PVSCSI_INTR_CMPL_0 | PVSCSI_INTR_CMPL_1)
#define PVSCSI_INTR_MSG_MASK  (PVSCSI_INTR_MSG_0 | PVSCSI_INTR_MSG_1)

/* Commands. */
#define PVSCSI_CMD_ADAPTER_RESET   1
#define PVSCSI_CMD_SETUP_RINGS     3
#define PVSCSI_CMD_RESET_BUS       4
#define PVSCSI_CMD_RESET_DEVICE    5
#define PVSCSI_CMD_ABORT_CMD       6
#define PVSCSI_CMD_SETUP_MSG_RING  8
#define PVSCSI_STATUS_FAILED       0xffffffffu

#define PVSCSI_MAX_RING_PAGES      32
#define PVSCSI_MAX_MSG_PAGES       16

/* PVSCSI_CMD_SETUP_RINGS: page counts 1..32, powers of two; PPN = addr >> 12. */
struct pvscsi_cmd_setup_rings {
    uint32_t req_pages;
    uint32_t cmp_pages;
    uint64_t state_ppn;
    uint64_t req_ppn[PVSCSI_MAX_RING_PAGES];
    uint64_t cmp_ppn[PVSCSI_MAX_RING_PAGES];
} __attribute__((packed));
_Static_assert(sizeof(struct pvscsi_cmd_setup_rings) == 528, "SETUP_RINGS");

/* PVSCSI_CMD_SETUP_MSG_RING. */
struct pvscsi_cmd_setup_msg_ring {
    uint32_t pages;
    uint32_t pad;
    uint64_t ppn[PVSCSI_MAX_MSG_PAGES];
} __attribute__((packed));
_Static_assert(sizeof(struct pvscsi_cmd_setup_msg_ring) == 136, "SETUP_MSG_RING");

/* PVSCSI_CMD_ABORT_CMD. */
struct pvscsi_cmd_abort {
    uint64_t context;
    uint32_t target;
    uint32_t pad;
} __attribute__((packed));
_Static_assert(sizeof(struct pvscsi_cmd_abort) == 16, "ABORT_CMD");

/* PVSCSI_CMD_RESET_DEVICE. */
struct pvscsi_cmd_reset_device {
    uint32_t target;
    uint8_t lun[8];
} __attribute__((packed));
_Static_assert(sizeof(struct pvscsi_cmd_reset_device) == 12, "RESET_DEVICE");

/* The rings-state page: free-running u32 indices, masked by entries - 1.
 * The driver produces requests and consumes completions and messages. */
struct pvscsi_rings_state {
    uint32_t req_prod;
    uint32_t req_cons;
    uint32_t req_log2;          /* entries = 1 << log2, written by the device */
    uint32_t cmp_prod;
    uint32_t cmp_cons;
    uint32_t cmp_log2;
    uint8_t pad[104];
    uint32_t msg_prod;
    uint32_t msg_cons;
    uint32_t msg_log2;
} __attribute__((packed));
_Static_assert(sizeof(struct pvscsi_rings_state) == 140, "rings state");
_Static_assert(offsetof(struct pvscsi_rings_state, msg_prod) == 128, "msg_prod");

/* A request (128 bytes, 32 per page). */
struct pvscsi_req_desc {
    uint64_t context;           /* ours, echoed in the completion; non-zero */
    uint64_t data_addr;         /* the buffer (or an SG list with PVSCSI_FLAG_SG_LIST) */
    uint64_t data_len;
    uint64_t sense_addr;
    uint32_t sense_len;
    uint32_t flags;             /* PVSCSI_FLAG_* */
    uint8_t cdb[16];
    uint8_t cdb_len;
    uint8_t lun[8];             /* single-level: lun[1] */
    uint8_t tag;                /* SIMPLE_QUEUE_TAG 0x20 */
    uint8_t bus;
    uint8_t target;
    uint8_t vcpu_hint;
    uint8_t unused[59];
} __attribute__((packed));
_Static_assert(sizeof(struct pvscsi_req_desc) == 128, "request descriptor");
_Static_assert(offsetof(struct pvscsi_req_desc, cdb) == 40, "cdb");
_Static_assert(offsetof(struct pvscsi_req_desc, lun) == 57, "lun");
_Static_assert(offsetof(struct pvscsi_req_desc, target) == 67, "target");
#define PVSCSI_FLAG_SG_LIST       (1u << 0)
#define PVSCSI_FLAG_DIR_NONE      (1u << 2)
#define PVSCSI_FLAG_DIR_TOHOST    (1u << 3)
#define PVSCSI_FLAG_DIR_TODEVICE  (1u << 4)
#define PVSCSI_SIMPLE_QUEUE_TAG   0x20

/* A completion (32 bytes, 128 per page). */
struct pvscsi_cmp_desc {
    uint64_t context;
    uint64_t data_len;          /* bytes moved (NOTE: QEMU leaves it 0) */
    uint32_t sense_len;
    uint16_t host_status;       /* PVSCSI_BT_* */
    uint16_t scsi_status;
    uint32_t pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pvscsi_cmp_desc) == 32, "completion descriptor");

/* Host status (BusLogic "BTSTAT" codes). */
#define PVSCSI_BT_SUCCESS       0x00
#define PVSCSI_BT_LINKED_DONE   0x0a
#define PVSCSI_BT_LINKED_FLAG   0x0b
#define PVSCSI_BT_UNDERRUN      0x0c
#define PVSCSI_BT_SELTIMEO      0x11    /* no such target or LUN */
#define PVSCSI_BT_DATARUN       0x12    /* data over/underrun */
#define PVSCSI_BT_BUSFREE       0x13
#define PVSCSI_BT_INVPHASE      0x14
#define PVSCSI_BT_BADMSG        0x1d    /* direction does not match the CDB */
#define PVSCSI_BT_HAHARDWARE    0x20
#define PVSCSI_BT_SENTRST       0x22
#define PVSCSI_BT_RECVRST       0x23
#define PVSCSI_BT_BUSRESET      0x25
#define PVSCSI_BT_ABORTQUEUE    0x26
#define PVSCSI_BT_HATIMEOUT     0x30

/* A message (128 bytes, 32 per page). */
struct pvscsi_msg_desc {
    uint32_t type;              /* PVSCSI_MSG_* */
    uint32_t bus;
    uint32_t target;
    uint8_t lun[8];
    uint32_t pad[27];
} __attribute__((packed));
_Static_assert(sizeof(struct pvscsi_msg_desc) == 128, "message descriptor");
#define PVSCSI_MSG_DEV_ADDED    0
#define PVSCSI_MSG_DEV_REMOVED  1
