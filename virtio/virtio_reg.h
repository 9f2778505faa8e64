/* virtio wire formats: what the device and the driver share, as the
 * virtio 1.2 specification lays it out (OASIS, "Virtual I/O Device
 * (VIRTIO) Version 1.2", cited below as "virtio 1.2 N.N"). Everything is
 * little-endian; legacy devices use the guest's order, which on x86 is the
 * same. Driver state lives in virtio/virtio.h and virtio/virtqueue.h. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* ---- Device status (virtio 1.2 2.1) ------------------------------------- */
#define VIRTIO_STATUS_ACKNOWLEDGE   0x01u   /* the guest noticed the device */
#define VIRTIO_STATUS_DRIVER        0x02u   /* ... and has a driver for it */
#define VIRTIO_STATUS_DRIVER_OK     0x04u   /* the driver is ready */
#define VIRTIO_STATUS_FEATURES_OK   0x08u   /* feature negotiation complete (not legacy) */
#define VIRTIO_STATUS_NEEDS_RESET   0x40u   /* the device hit an error it cannot recover from */
#define VIRTIO_STATUS_FAILED        0x80u   /* the driver gave up */

/* ---- Feature bits independent of the device type (virtio 1.2 6) -------- */
#define VIRTIO_F_INDIRECT_DESC      28      /* descriptors may point at tables (2.7.5.3) */
#define VIRTIO_F_EVENT_IDX          29      /* used_event / avail_event (2.7.7, 2.7.10) */
#define VIRTIO_F_VERSION_1          32      /* compliant with 1.x: required of modern devices */
#define VIRTIO_F_ACCESS_PLATFORM    33
#define VIRTIO_F_RING_PACKED        34
#define VIRTIO_BIT(b)               (1ull << (b))

/* Device types (virtio 1.2 5). */
#define VIRTIO_ID_NET               1
#define VIRTIO_ID_BLOCK             2

/* ---- Split virtqueue (virtio 1.2 2.7) ----------------------------------- */
#define VIRTQ_DESC_F_NEXT           1u      /* chained through `next` */
#define VIRTQ_DESC_F_WRITE          2u      /* device writes (else reads) */
#define VIRTQ_DESC_F_INDIRECT       4u      /* addr/len is a table of descriptors */
#define VIRTQ_AVAIL_F_NO_INTERRUPT  1u      /* without EVENT_IDX: please do not interrupt */
#define VIRTQ_USED_F_NO_NOTIFY      1u      /* without EVENT_IDX: please do not notify */
#define VIRTQ_SIZE_MAX              32768u  /* a power of two up to this */
#define VIRTQ_LEGACY_ALIGN          4096u   /* legacy layout: the used ring's alignment (2.7.2) */

struct virtq_desc {                 /* 2.7.5 */
    uint64_t addr;                  /* guest-physical */
    uint32_t len;
    uint16_t flags;                 /* VIRTQ_DESC_F_* */
    uint16_t next;
} __attribute__((packed));
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc");
_Static_assert(offsetof(struct virtq_desc, flags) == 12, "virtq_desc.flags");

struct virtq_avail {                /* 2.7.6: the driver area */
    uint16_t flags;                 /* VIRTQ_AVAIL_F_* */
    uint16_t idx;                   /* where the driver puts the next entry (free-running) */
    uint16_t ring[];                /* [size] heads, then uint16_t used_event (EVENT_IDX) */
};
_Static_assert(sizeof(struct virtq_avail) == 4, "virtq_avail");

struct virtq_used_elem {            /* 2.7.8 */
    uint32_t id;                    /* head of the chain the device used */
    uint32_t len;                   /* bytes it wrote into the chain's writable part */
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem");

struct virtq_used {                 /* 2.7.8: the device area */
    uint16_t flags;                 /* VIRTQ_USED_F_* */
    uint16_t idx;
    struct virtq_used_elem ring[];  /* [size], then uint16_t avail_event (EVENT_IDX) */
};
_Static_assert(sizeof(struct virtq_used) == 4, "virtq_used");

/* The rings are naturally aligned (not packed): their fields are
 * addressed one by one. Sizes of the three parts for a queue of n entries (2.7: alignments 16, 2, 4). */
#define VIRTQ_DESC_BYTES(n)         (16u * (n))
#define VIRTQ_AVAIL_BYTES(n)        (6u + 2u * (n))
#define VIRTQ_USED_BYTES(n)         (6u + 8u * (n))

/* ---- PCI transport (virtio 1.2 4.1) ------------------------------------- */
#define VIRTIO_PCI_VENDOR           0x1AF4
#define VIRTIO_PCI_DEVICE_MODERN    0x1040  /* + device type (4.1.2.1) */
#define VIRTIO_PCI_DEVICE_TRANS_LO  0x1000  /* transitional: type in the subsystem id */
#define VIRTIO_PCI_DEVICE_LAST      0x107F

#define VIRTIO_PCI_CAP_COMMON_CFG   1       /* 4.1.4: cfg_type */
#define VIRTIO_PCI_CAP_NOTIFY_CFG   2
#define VIRTIO_PCI_CAP_ISR_CFG      3
#define VIRTIO_PCI_CAP_DEVICE_CFG   4
#define VIRTIO_PCI_CAP_PCI_CFG      5

struct virtio_pci_cap {             /* 4.1.4: a vendor-specific capability (id 0x09) */
    uint8_t cap_vndr, cap_next, cap_len;
    uint8_t cfg_type;               /* VIRTIO_PCI_CAP_* */
    uint8_t bar;                    /* 0-5: where the structure is */
    uint8_t id, padding[2];
    uint32_t offset;                /* within the BAR */
    uint32_t length;
    /* NOTIFY_CFG: uint32_t notify_off_multiplier follows (4.1.4.4) */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap");
_Static_assert(offsetof(struct virtio_pci_cap, offset) == 8, "virtio_pci_cap.offset");
#define VIRTIO_PCI_CAP_NOTIFY_MULT  16      /* config offset of notify_off_multiplier */

struct virtio_pci_common_cfg {      /* 4.1.4.3 */
    uint32_t device_feature_select; /* 0: bits 0-31, 1: bits 32-63 */
    uint32_t device_feature;
    uint32_t driver_feature_select;
    uint32_t driver_feature;
    uint16_t config_msix_vector;
    uint16_t num_queues;
    uint8_t device_status;          /* VIRTIO_STATUS_*; 0 resets */
    uint8_t config_generation;
    uint16_t queue_select;
    uint16_t queue_size;            /* 0: no such queue */
    uint16_t queue_msix_vector;
    uint16_t queue_enable;
    uint16_t queue_notify_off;
    uint64_t queue_desc, queue_driver, queue_device;   /* written as two 32-bit halves */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 0x38, "virtio_pci_common_cfg");
_Static_assert(offsetof(struct virtio_pci_common_cfg, device_status) == 0x14, "device_status");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_select) == 0x16, "queue_select");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_notify_off) == 0x1E, "notify_off");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_desc) == 0x20, "queue_desc");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_device) == 0x30, "queue_device");
#define VIRTIO_PCI_CC(f)            offsetof(struct virtio_pci_common_cfg, f)
#define VIRTIO_MSI_NO_VECTOR        0xFFFFu /* 4.1.5.1.2 */
#define VIRTIO_ISR_QUEUE            0x01u   /* ISR status (4.1.4.5), MMIO InterruptStatus */
#define VIRTIO_ISR_CONFIG           0x02u

/* ---- MMIO transport (virtio 1.2 4.2.2; legacy 4.2.4) -------------------- */
#define VIRTIO_MMIO_MAGIC           0x000   /* "virt" */
#define VIRTIO_MMIO_VERSION         0x004   /* 2; legacy 1 */
#define VIRTIO_MMIO_DEVICE_ID       0x008   /* 0: a placeholder, touch nothing */
#define VIRTIO_MMIO_VENDOR_ID       0x00C
#define VIRTIO_MMIO_DEV_FEATURES    0x010
#define VIRTIO_MMIO_DEV_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRV_FEATURES    0x020
#define VIRTIO_MMIO_DRV_FEATURES_SEL 0x024
#define VIRTIO_MMIO_GUEST_PAGE_SIZE 0x028   /* legacy */
#define VIRTIO_MMIO_QUEUE_SEL       0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX   0x034
#define VIRTIO_MMIO_QUEUE_NUM       0x038
#define VIRTIO_MMIO_QUEUE_ALIGN     0x03C   /* legacy */
#define VIRTIO_MMIO_QUEUE_PFN       0x040   /* legacy: ring address >> 12, 0 stops */
#define VIRTIO_MMIO_QUEUE_READY     0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY    0x050
#define VIRTIO_MMIO_INT_STATUS      0x060   /* VIRTIO_ISR_* */
#define VIRTIO_MMIO_INT_ACK         0x064
#define VIRTIO_MMIO_STATUS          0x070
#define VIRTIO_MMIO_QUEUE_DESC_LO   0x080
#define VIRTIO_MMIO_QUEUE_DESC_HI   0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LO  0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HI  0x094
#define VIRTIO_MMIO_QUEUE_USED_LO   0x0A0
#define VIRTIO_MMIO_QUEUE_USED_HI   0x0A4
#define VIRTIO_MMIO_CONFIG_GEN      0x0FC
#define VIRTIO_MMIO_CONFIG          0x100   /* device configuration */
#define VIRTIO_MMIO_MAGIC_VALUE     0x74726976u
#define VIRTIO_MMIO_WINDOW_MIN      0x200   /* QEMU's window; Firecracker's is 4 KiB */

/* ---- virtio-net (virtio 1.2 5.1) ---------------------------------------- */
#define VIRTIO_NET_F_CSUM           0       /* device takes partial checksums (tx) */
#define VIRTIO_NET_F_GUEST_CSUM     1       /* driver takes partial / validated (rx) */
#define VIRTIO_NET_F_MTU            3
#define VIRTIO_NET_F_MAC            5
#define VIRTIO_NET_F_MRG_RXBUF      15      /* a frame may span several rx buffers */
#define VIRTIO_NET_F_STATUS         16      /* config.status is valid */

#define VIRTIO_NET_S_LINK_UP        1u      /* config.status */

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u      /* csum_start/csum_offset: checksum to finish */
#define VIRTIO_NET_HDR_F_DATA_VALID 2u      /* rx: the device validated the checksums */
#define VIRTIO_NET_HDR_GSO_NONE     0u

struct virtio_net_hdr {             /* 5.1.6 */
    uint8_t flags;                  /* VIRTIO_NET_HDR_F_* */
    uint8_t gso_type;               /* VIRTIO_NET_HDR_GSO_* */
    uint16_t hdr_len, gso_size;
    uint16_t csum_start;            /* checksum from here to the end ... */
    uint16_t csum_offset;           /* ... stored at csum_start + csum_offset */
    uint16_t num_buffers;           /* rx with MRG_RXBUF: used entries of this frame */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr");
/* NOTE: the header is 12 bytes with VERSION_1 or MRG_RXBUF, and 10 (no
 * num_buffers) only on a legacy device without MRG_RXBUF (5.1.6.1). */
#define VIRTIO_NET_HDR_LEGACY_LEN   10u

#define VIRTIO_NET_CFG_MAC          0       /* u8[6] (5.1.4) */
#define VIRTIO_NET_CFG_STATUS       6       /* le16 */
#define VIRTIO_NET_CFG_MTU          10      /* le16 */
#define VIRTIO_NET_RXQ              0       /* receiveq1 (5.1.2) */
#define VIRTIO_NET_TXQ              1       /* transmitq1 */
