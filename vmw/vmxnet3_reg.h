/* VMware vmxnet3: the wire format between driver and device, revision 1.
 *
 * Sources (facts, not code): Linux drivers/net/vmxnet3/vmxnet3_defs.h and
 * upt1_defs.h (the layouts and constants, as VMware published them), QEMU
 * hw/net/vmxnet3.c (what QEMU's model does with them). Everything is
 * little-endian; descriptor fields are given as mask/shift macros over
 * 32-bit words (STYLE 3: no bitfields for hardware). Driver state lives in
 * vmw/vmxnet3.c. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define VMXNET3_PCI_VENDOR      0x15AD
#define VMXNET3_PCI_DEVICE      0x07B0

/* ---- Registers ------------------------------------------------------------
 * BAR 0 ("PT", pass-through): the doorbells and the interrupt masks, one
 * register every 8 bytes. BAR 1 ("VD", virtual device): handshake, shared
 * area address, commands, MAC, interrupt/event causes. All 32-bit. */
#define VMXNET3_PT_IMR(i)       (0x000u + 8u * (i))  /* 1: vector i masked */
#define VMXNET3_PT_TXPROD       0x600u      /* tx ring producer index, queue 0 */
#define VMXNET3_PT_RXPROD       0x800u      /* rx ring 1 producer, queue 0 */
#define VMXNET3_PT_RXPROD2      0xA00u      /* rx ring 2 producer, queue 0 */
#define VMXNET3_PT_MIN          0x1000u     /* BAR 0 size the driver needs */

#define VMXNET3_VD_VRRS         0x00u       /* revisions offered / the one chosen (1 << (rev-1)) */
#define VMXNET3_VD_UVRS         0x08u       /* UPT versions offered / chosen */
#define VMXNET3_VD_DSAL         0x10u       /* driver-shared area, low 32 bits */
#define VMXNET3_VD_DSAH         0x18u       /* ... high 32 bits (latches the address) */
#define VMXNET3_VD_CMD          0x20u       /* write a command; read its result */
#define VMXNET3_VD_MACL         0x28u       /* MAC bytes 0-3 */
#define VMXNET3_VD_MACH         0x30u       /* MAC bytes 4-5 */
#define VMXNET3_VD_ICR          0x38u       /* INTx: reading says "mine" (1) and deasserts */
#define VMXNET3_VD_ECR          0x40u       /* event causes, write 1 to clear */
#define VMXNET3_VD_MIN          0x48u

/* Commands (VD CMD). The first group acts, the second is read back. */
#define VMXNET3_CMD_ACTIVATE_DEV        0xCAFE0000u     /* result 0: active */
#define VMXNET3_CMD_QUIESCE_DEV         0xCAFE0001u
#define VMXNET3_CMD_RESET_DEV           0xCAFE0002u
#define VMXNET3_CMD_UPDATE_RX_MODE      0xCAFE0003u
#define VMXNET3_CMD_UPDATE_MAC_FILTERS  0xCAFE0004u
#define VMXNET3_CMD_UPDATE_VLAN_FILTERS 0xCAFE0005u
#define VMXNET3_CMD_GET_QUEUE_STATUS    0xF00D0000u
#define VMXNET3_CMD_GET_LINK            0xF00D0002u     /* bit 0 up, bits 16-31 Mb/s */
#define VMXNET3_CMD_GET_PERM_MAC_LO     0xF00D0003u
#define VMXNET3_CMD_GET_PERM_MAC_HI     0xF00D0004u
#define VMXNET3_LINK_UP                 1u
#define VMXNET3_LINK_SPEED_SHIFT        16

#define VMXNET3_REV_MAX         1u          /* the newest revision this driver speaks */
#define VMXNET3_UPT_VERSION     1u
#define VMXNET3_REV1_MAGIC      0xBABEFEE1u

/* Event causes (ECR register and DriverShared.ecr). */
#define VMXNET3_ECR_RQERR       (1u << 0)   /* an rx queue stopped on an error */
#define VMXNET3_ECR_TQERR       (1u << 1)   /* a tx queue stopped on an error */
#define VMXNET3_ECR_LINK        (1u << 2)   /* link state changed: GET_LINK */
#define VMXNET3_ECR_DIC         (1u << 3)   /* device implementation change */
#define VMXNET3_ECR_DEBUG       (1u << 4)

/* ---- The driver-shared area: 720 bytes the driver fills before
 * ACTIVATE_DEV (Vmxnet3_DriverShared: devRead = misc, intrConf,
 * rxFilterConf, the variable-length descriptors; then ecr). */
struct vmxnet3_conf_desc {          /* Vmxnet3_VariableLenConfDesc */
    uint32_t ver;
    uint32_t len;
    uint64_t pa;
} __attribute__((packed));

struct vmxnet3_shared {
    uint32_t magic;                 /* VMXNET3_REV1_MAGIC */
    uint32_t pad0;
    /* misc */
    uint32_t drv_version;           /* the driver's own version number */
    uint32_t gos;                   /* VMXNET3_GOS_* */
    uint32_t vmxnet3_rev;           /* revision chosen: 1 */
    uint32_t upt_ver;               /* UPT version chosen: 1 */
    uint64_t upt_features;          /* UPT1_F_* */
    uint64_t dd_pa;                 /* driver data: unused (0) */
    uint64_t queue_desc_pa;         /* tx queue descriptors, then rx: 128-byte aligned */
    uint32_t dd_len;
    uint32_t queue_desc_len;
    uint32_t mtu;
    uint16_t max_rx_sg;             /* buffers per received frame: 1 */
    uint8_t num_tx_queues;
    uint8_t num_rx_queues;
    uint32_t misc_reserved[4];
    /* intrConf */
    uint8_t auto_mask;              /* 1: the device masks a vector when it fires */
    uint8_t num_intrs;
    uint8_t event_intr_idx;         /* vector of ECR events */
    uint8_t mod_levels[25];         /* VMXNET3_IML_* per vector */
    uint32_t intr_ctrl;             /* VMXNET3_IC_DISABLE_ALL */
    uint32_t intr_reserved[2];
    /* rxFilterConf */
    uint32_t rx_mode;               /* VMXNET3_RXM_* */
    uint16_t mf_table_len;          /* bytes of 6-byte multicast addresses */
    uint16_t pad1;
    uint64_t mf_table_pa;
    uint32_t vf_table[128];         /* VLAN IDs to accept, one bit each */
    struct vmxnet3_conf_desc rss, pm, plugin;
    uint32_t ecr;                   /* written by the device: pending events */
    uint32_t reserved[5];
} __attribute__((packed));
_Static_assert(sizeof(struct vmxnet3_shared) == 720, "Vmxnet3_DriverShared");
_Static_assert(offsetof(struct vmxnet3_shared, upt_features) == 24, "uptFeatures");
_Static_assert(offsetof(struct vmxnet3_shared, mtu) == 56, "misc.mtu");
_Static_assert(offsetof(struct vmxnet3_shared, auto_mask) == 80, "intrConf");
_Static_assert(offsetof(struct vmxnet3_shared, intr_ctrl) == 108, "intrConf.intrCtrl");
_Static_assert(offsetof(struct vmxnet3_shared, rx_mode) == 120, "rxFilterConf");
_Static_assert(offsetof(struct vmxnet3_shared, mf_table_pa) == 128, "mfTablePA");
_Static_assert(offsetof(struct vmxnet3_shared, rss) == 648, "rssConfDesc");
_Static_assert(offsetof(struct vmxnet3_shared, ecr) == 696, "ecr");

#define VMXNET3_GOS_BITS_64     2u          /* gos bits 0-1: 64-bit guest */
#define VMXNET3_GOS_TYPE_SHIFT  2           /* bits 2-5: 0 unknown, 1 Linux, 2 Windows... */
#define UPT1_F_RXCSUM           (1ull << 0) /* the device verifies received checksums */
#define VMXNET3_IML_ADAPTIVE    8u          /* interrupt moderation: the device decides */
#define VMXNET3_RXM_UCAST       0x01u
#define VMXNET3_RXM_MCAST       0x02u       /* those in the multicast table */
#define VMXNET3_RXM_BCAST       0x04u

/* ---- Queue descriptors (256 bytes each): where each queue's rings are. */
struct vmxnet3_txq_desc {
    uint32_t num_deferred;          /* ctrl: frames queued since the last TXPROD write */
    uint32_t threshold;             /* ctrl: the device asks for TXPROD after this many */
    uint64_t ctrl_reserved;
    uint64_t ring_pa;               /* conf: tx descriptors */
    uint64_t data_ring_pa;          /* conf: 128-byte data descriptors (unused here) */
    uint64_t comp_ring_pa;          /* conf: tx completions */
    uint64_t dd_pa;
    uint64_t conf_reserved;
    uint32_t ring_size;
    uint32_t data_ring_size;
    uint32_t comp_ring_size;
    uint32_t dd_len;
    uint8_t intr_idx;
    uint8_t pad0[7];
    uint8_t stopped;                /* status: written by the device */
    uint8_t pad1[3];
    uint32_t error;
    uint64_t stats[10];             /* UPT1_TxStats */
    uint8_t pad2[88];
} __attribute__((packed));
_Static_assert(sizeof(struct vmxnet3_txq_desc) == 256, "Vmxnet3_TxQueueDesc");
_Static_assert(offsetof(struct vmxnet3_txq_desc, ring_pa) == 16, "TxQueueDesc.conf");
_Static_assert(offsetof(struct vmxnet3_txq_desc, ring_size) == 56, "txRingSize");
_Static_assert(offsetof(struct vmxnet3_txq_desc, intr_idx) == 72, "intrIdx");
_Static_assert(offsetof(struct vmxnet3_txq_desc, stopped) == 80, "TxQueueDesc.status");

struct vmxnet3_rxq_desc {
    uint8_t update_prod;            /* ctrl: the device wants RXPROD writes */
    uint8_t pad0[7];
    uint64_t ctrl_reserved;
    uint64_t ring_pa[2];            /* conf: ring 1 (head buffers), ring 2 (body buffers) */
    uint64_t comp_ring_pa;
    uint64_t dd_pa;
    uint64_t conf_reserved;
    uint32_t ring_size[2];
    uint32_t comp_ring_size;
    uint32_t dd_len;
    uint8_t intr_idx;
    uint8_t pad1[7];
    uint8_t stopped;
    uint8_t pad2[3];
    uint32_t error;
    uint64_t stats[10];             /* UPT1_RxStats */
    uint8_t pad3[88];
} __attribute__((packed));
_Static_assert(sizeof(struct vmxnet3_rxq_desc) == 256, "Vmxnet3_RxQueueDesc");
_Static_assert(offsetof(struct vmxnet3_rxq_desc, ring_pa) == 16, "RxQueueDesc.conf");
_Static_assert(offsetof(struct vmxnet3_rxq_desc, ring_size) == 56, "rxRingSize");
_Static_assert(offsetof(struct vmxnet3_rxq_desc, intr_idx) == 72, "intrIdx");

/* ---- Descriptors: 16 bytes each, rings 512-byte aligned, sizes a
 * multiple of 32. Ownership is a generation bit: it starts at 1 and flips
 * each time an index wraps; a producer marks an entry as the consumer's by
 * writing the current generation into it, last. */
struct vmxnet3_desc {
    uint64_t addr;
    uint32_t w2, w3;
} __attribute__((packed));
_Static_assert(sizeof(struct vmxnet3_desc) == 16, "Vmxnet3_{Tx,Rx}Desc");

struct vmxnet3_comp {
    uint32_t w0, w1, w2, w3;
} __attribute__((packed));
_Static_assert(sizeof(struct vmxnet3_comp) == 16, "Vmxnet3_{Tx,Rx}CompDesc");

#define VMXNET3_RING_ALIGN      512u
#define VMXNET3_RING_MULTIPLE   32u
#define VMXNET3_INIT_GEN        1u

/* Tx descriptor: w2 len:14 gen:1 rsvd:1 dtype:1 ext1:1 msscof:14;
 * w3 hlen:10 om:2 eop:1 cq:1 ext2:1 ti:1 tci:16. */
#define VMXNET3_TXD_LEN_MASK    0x3FFFu
#define VMXNET3_TXD_GEN         (1u << 14)
#define VMXNET3_TXD_MSSCOF_SHIFT 18         /* om=CSUM: offset of the checksum field */
#define VMXNET3_TXD_HLEN_MASK   0x3FFu      /* om=CSUM: where the checksum starts */
#define VMXNET3_TXD_OM_SHIFT    10
#define VMXNET3_OM_CSUM         2u
#define VMXNET3_TXD_EOP         (1u << 12)
#define VMXNET3_TXD_CQ          (1u << 13)  /* ask for a completion */
/* Tx completion: w0 txdIdx:12 (the frame's EOP descriptor); w3 type:7 at 24, gen at 31. */
#define VMXNET3_TCD_IDX_MASK    0xFFFu
#define VMXNET3_COMP_GEN        (1u << 31)
#define VMXNET3_COMP_TYPE(w3)   (((w3) >> 24) & 0x7Fu)
#define VMXNET3_CDTYPE_TXCOMP   0u
#define VMXNET3_CDTYPE_RXCOMP   3u

/* Rx descriptor: w2 len:14 btype:1 dtype:1 rsvd:15 gen:1. */
#define VMXNET3_RXD_BTYPE_BODY  (1u << 14)  /* 0: a head buffer (starts a frame) */
#define VMXNET3_RXD_GEN         (1u << 31)
/* Rx completion: w0 rxdIdx:12 ext1:2 eop:1 sop:1 rqID:10 rssType:4 cnc:1;
 * w2 len:14 err:1 ts:1 tci:16; w3 csum:16 tuc udp tcp ipc v6 v4 frg fcs type:7 gen:1. */
#define VMXNET3_RCD_IDX_MASK    0xFFFu
#define VMXNET3_RCD_EOP         (1u << 14)
#define VMXNET3_RCD_SOP         (1u << 15)
#define VMXNET3_RCD_RQID(w0)    (((w0) >> 16) & 0x3FFu)  /* < numRxQueues: ring 1, else ring 2 */
#define VMXNET3_RCD_CNC         (1u << 30)  /* checksums not calculated */
#define VMXNET3_RCD_LEN_MASK    0x3FFFu
#define VMXNET3_RCD_ERR         (1u << 14)
#define VMXNET3_RCD_TUC         (1u << 16)  /* TCP/UDP checksum correct */
#define VMXNET3_RCD_UDP         (1u << 17)
#define VMXNET3_RCD_TCP         (1u << 18)
#define VMXNET3_RCD_IPC         (1u << 19)  /* IPv4 header checksum correct */
#define VMXNET3_RCD_V4          (1u << 21)
#define VMXNET3_RCD_FRG         (1u << 22)
