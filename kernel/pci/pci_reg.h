/* PCI wire formats: configuration-space registers, capability layouts and
 * the MSI-X table entry.
 *
 * Sources: PCI Local Bus Specification 3.0, 6.1 (configuration header,
 * figure 6-1), 6.2 (command/status, BARs: 6.2.5.1), 6.7 (capability list),
 * 6.8.1 (MSI capability, figures 6-9..6-11), 6.8.2 (MSI-X capability and
 * table, figures 6-10, 6-12); PCI-to-PCI Bridge Architecture Specification
 * 1.2, 3.2 (type 1 header); PCI Express Base Specification 5.0, 7.2.2
 * (ECAM, table 7-1) and 7.5.3 (PCI Express capability). The numbers agree
 * with Linux include/uapi/linux/pci_regs.h.
 *
 * The kernel reads configuration space one dword at a time through
 * struct pci_cfg_ops (kernel/pci/pci.h); the structs below pin the layouts so
 * that every offset macro is checked against the layout it comes from. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* ---- Header common to all types (PCI 3.0, figure 6-1) ---------------- */
#define PCI_VENDOR_ID        0x00   /* 16: 0xFFFF = no function here */
#define PCI_DEVICE_ID        0x02   /* 16 */
#define PCI_COMMAND          0x04   /* 16: PCI_CMD_* */
#define PCI_STATUS           0x06   /* 16: PCI_STS_* */
#define PCI_REVISION_ID      0x08   /* 8 */
#define PCI_PROG_IF          0x09   /* 8: class code, programming interface */
#define PCI_SUBCLASS         0x0A   /* 8 */
#define PCI_CLASS            0x0B   /* 8: base class */
#define PCI_CACHE_LINE_SIZE  0x0C
#define PCI_LATENCY_TIMER    0x0D
#define PCI_HEADER_TYPE      0x0E   /* 8: PCI_HDR_* */
#define PCI_BIST             0x0F
#define PCI_BAR0             0x10   /* BAR n at PCI_BAR0 + 4 * n */
#define PCI_CAP_PTR          0x34   /* 8: first capability (if PCI_STS_CAP_LIST) */
#define PCI_INTERRUPT_LINE   0x3C   /* 8: what firmware routed INTx to (PIC IRQ) */
#define PCI_INTERRUPT_PIN    0x3D   /* 8: 0 none, 1..4 = INTA#..INTD# */

#define PCI_VENDOR_NONE      0xFFFF /* a read of an absent function */
#define PCI_CFG_SIZE         256    /* conventional configuration space */
#define PCI_CFG_SIZE_EXT     4096   /* PCIe extended space (ECAM only) */
#define PCI_STD_HEADER_SIZE  0x40   /* capabilities start at or above this */

/* Command register (PCI 3.0, 6.2.2, figure 6-2). */
#define PCI_CMD_IO           (1u << 0)   /* respond to I/O space */
#define PCI_CMD_MEM          (1u << 1)   /* respond to memory space */
#define PCI_CMD_MASTER       (1u << 2)   /* bus master: needed for DMA and MSI */
#define PCI_CMD_SERR         (1u << 8)
#define PCI_CMD_INTX_DISABLE (1u << 10)  /* stop asserting INTx# */

/* Status register (PCI 3.0, 6.2.3, figure 6-3). Bits 8 and 11-15 are
 * write-1-to-clear error flags. */
#define PCI_STS_INTX         (1u << 3)   /* INTx# pending */
#define PCI_STS_CAP_LIST     (1u << 4)   /* PCI_CAP_PTR is valid */
#define PCI_STS_RW1C_MASK    0xF900u

/* Header type register (PCI 3.0, 6.2.1). */
#define PCI_HDR_TYPE_MASK    0x7F
#define PCI_HDR_NORMAL       0x00   /* type 0: endpoint, 6 BARs */
#define PCI_HDR_BRIDGE       0x01   /* type 1: PCI-to-PCI bridge, 2 BARs */
#define PCI_HDR_CARDBUS      0x02   /* type 2: CardBus bridge (no BARs sized) */
#define PCI_HDR_MULTIFUNC    0x80   /* functions 1-7 may exist */

/* ---- Type 0 header: endpoints (PCI 3.0, figure 6-1) ------------------ */
#define PCI_NUM_BARS         6
#define PCI_SUBSYS_VENDOR_ID 0x2C   /* 16 */
#define PCI_SUBSYS_ID        0x2E   /* 16 */
#define PCI_ROM_ADDRESS      0x30

/* ---- Type 1 header: PCI-to-PCI bridges (PPB 1.2, 3.2, figure 3-2) --- */
#define PCI_BRIDGE_NUM_BARS  2
#define PCI_PRIMARY_BUS      0x18   /* 8 */
#define PCI_SECONDARY_BUS    0x19   /* 8: the bus directly behind the bridge */
#define PCI_SUBORDINATE_BUS  0x1A   /* 8: the highest bus behind it */
#define PCI_SEC_STATUS       0x1E   /* 16, RW1C error bits like PCI_STATUS */
/* Address windows forwarded to the secondary side (PPB 1.2, 3.2.5.6-3.2.5.9):
 * I/O base/limit bits 7:4 are address bits 15:12; memory and prefetchable
 * base/limit bits 15:4 are address bits 31:20. A window whose base is
 * above its limit is closed. */
#define PCI_IO_BASE          0x1C   /* 8 */
#define PCI_IO_LIMIT         0x1D   /* 8 */
#define PCI_MEMORY_BASE      0x20   /* 16 */
#define PCI_MEMORY_LIMIT     0x22   /* 16 */
#define PCI_PREF_BASE        0x24   /* 16, low 4 bits: 1 = 64-bit */
#define PCI_PREF_LIMIT       0x26   /* 16 */
#define PCI_PREF_BASE_UPPER  0x28   /* 32 */
#define PCI_PREF_LIMIT_UPPER 0x2C   /* 32 */
#define PCI_WINDOW_IO_SHIFT  8      /* (reg & 0xF0) << 8 */
#define PCI_WINDOW_MEM_SHIFT 16     /* (reg & 0xFFF0) << 16 */
#define PCI_WINDOW_IO_GRAN   0x1000u
#define PCI_WINDOW_MEM_GRAN  0x100000u

/* BAR low-dword bits (PCI 3.0, 6.2.5.1, figures 6-5 and 6-6). The size is
 * found by writing all ones and reading back: the address bits that do not
 * stick (read as 0) are the size. */
#define PCI_BAR_IO           (1u << 0)    /* 1 = I/O space, 0 = memory */
#define PCI_BAR_IO_MASK      0xFFFFFFFCu
#define PCI_BAR_MEM_TYPE     (3u << 1)    /* memory BAR: width */
#define PCI_BAR_MEM_32       (0u << 1)
#define PCI_BAR_MEM_1M       (1u << 1)    /* below 1 MiB: legacy, treated as 32-bit */
#define PCI_BAR_MEM_64       (2u << 1)    /* 64-bit: the next BAR is the high dword */
#define PCI_BAR_MEM_RSVD     (3u << 1)
#define PCI_BAR_PREFETCH     (1u << 3)
#define PCI_BAR_MEM_MASK     0xFFFFFFF0u
/* x86 I/O space is 64 KiB; an I/O BAR may hardwire its upper 16 bits to 0
 * (PCI 3.0, 6.2.5.1), so only the low 16 bits are sized. */
#define PCI_IO_SPACE_MASK    0xFFFFu

/* ---- Capability list (PCI 3.0, 6.7, figure 6-7) ---------------------- */
#define PCI_CAP_ID           0      /* 8 */
#define PCI_CAP_NEXT         1      /* 8: next capability, 0 = end */
/* "The bottom two bits are Reserved and must be set to 00b. Software must
 * mask these bits off before using the register as a pointer" (6.7). */
#define PCI_CAP_PTR_MASK     0xFC
/* Each capability is at least one dword in [0x40, 0x100): at most 48. */
#define PCI_CAP_MAX_COUNT    ((PCI_CFG_SIZE - PCI_STD_HEADER_SIZE) / 4)

#define PCI_CAP_ID_PM        0x01   /* power management */
#define PCI_CAP_ID_MSI       0x05
#define PCI_CAP_ID_PCIX      0x07
#define PCI_CAP_ID_VNDR      0x09   /* vendor-specific (virtio-pci uses these) */
#define PCI_CAP_ID_PCIE      0x10
#define PCI_CAP_ID_MSIX      0x11
#define PCI_CAP_ID_SATA      0x12

/* ---- PCI Express capability (PCIe Base 5.0, 7.5.3) ------------------- */
#define PCIE_FLAGS           0x02   /* 16: version, port type, slot implemented */
#define PCIE_FLAGS_TYPE_SHIFT 4
#define PCIE_FLAGS_TYPE_MASK (0xFu << 4)
#define PCIE_TYPE_ROOT_PORT  0x4
#define PCIE_TYPE_DOWNSTREAM 0x6
#define PCIE_FLAGS_SLOT      (1u << 8)
#define PCIE_LNKCAP          0x0C   /* 32 */
#define PCIE_LNKCAP_DLLLARC  (1u << 20) /* reports Data Link Layer Link Active */
#define PCIE_LNKSTA          0x12   /* 16 */
#define PCIE_LNKSTA_DLLLA    (1u << 13)
#define PCIE_SLTCAP          0x14   /* 32: slot capabilities (7.5.3.9) */
#define PCIE_SLTCAP_ABP      (1u << 0)  /* attention button present */
#define PCIE_SLTCAP_PCP      (1u << 1)  /* power controller present */
#define PCIE_SLTCAP_AIP      (1u << 3)  /* attention indicator present */
#define PCIE_SLTCAP_PIP      (1u << 4)  /* power indicator present */
#define PCIE_SLTCAP_HPC      (1u << 6)  /* hot-plug capable */
#define PCIE_SLTCAP_NCCS     (1u << 18) /* no command completed support */
#define PCIE_SLTCAP_PSN_SHIFT 19        /* physical slot number, 13 bits */
#define PCIE_SLTCTL          0x18   /* 16: slot control (7.5.3.10) */
#define PCIE_SLTCTL_ABPE     (1u << 0)
#define PCIE_SLTCTL_PDCE     (1u << 3)
#define PCIE_SLTCTL_CCIE     (1u << 4)
#define PCIE_SLTCTL_HPIE     (1u << 5)
#define PCIE_SLTCTL_AIC_MASK (3u << 6)
#define PCIE_SLTCTL_PIC_MASK (3u << 8)
#define PCIE_SLTCTL_PIC_ON   (1u << 8)
#define PCIE_SLTCTL_PIC_BLINK (2u << 8)
#define PCIE_SLTCTL_PIC_OFF  (3u << 8)
#define PCIE_SLTCTL_PCC      (1u << 10) /* power controller control: 1 = off */
#define PCIE_SLTCTL_DLLSCE   (1u << 12)
#define PCIE_SLTSTA          0x1A   /* 16: slot status (7.5.3.11), RW1C events */
#define PCIE_SLTSTA_ABP      (1u << 0)  /* attention button pressed */
#define PCIE_SLTSTA_PFD      (1u << 1)  /* power fault detected */
#define PCIE_SLTSTA_MRLSC    (1u << 2)
#define PCIE_SLTSTA_PDC      (1u << 3)  /* presence detect changed */
#define PCIE_SLTSTA_CC       (1u << 4)  /* command completed */
#define PCIE_SLTSTA_PDS      (1u << 6)  /* presence detect state (not an event) */
#define PCIE_SLTSTA_DLLSC    (1u << 8)  /* data link layer state changed */
#define PCIE_SLTSTA_EVENTS   (PCIE_SLTSTA_ABP | PCIE_SLTSTA_PFD | PCIE_SLTSTA_MRLSC | \
                              PCIE_SLTSTA_PDC | PCIE_SLTSTA_CC | PCIE_SLTSTA_DLLSC)

struct pci_cap_hdr {
    uint8_t id;                     /* PCI_CAP_ID_* */
    uint8_t next;                   /* config offset of the next one, 0 = end */
} __attribute__((packed));
_Static_assert(sizeof(struct pci_cap_hdr) == 2, "pci_cap_hdr");
_Static_assert(offsetof(struct pci_cap_hdr, next) == PCI_CAP_NEXT, "cap next");

/* ---- MSI capability (PCI 3.0, 6.8.1, figures 6-9, 6-10, 6-11) -------- */
#define PCI_MSI_CTRL         0x02   /* 16: message control, PCI_MSI_CTRL_* */
#define PCI_MSI_ADDR_LO      0x04   /* 32: message address (bits 1:0 zero) */
#define PCI_MSI_ADDR_HI      0x08   /* 32: only with PCI_MSI_CTRL_64BIT */
#define PCI_MSI_DATA_32      0x08   /* 16: data, 32-bit form */
#define PCI_MSI_MASK_32      0x0C   /* 32: mask bits, 32-bit form with PVM */
#define PCI_MSI_DATA_64      0x0C   /* 16: data, 64-bit form */
#define PCI_MSI_MASK_64      0x10   /* 32: mask bits, 64-bit form with PVM */

#define PCI_MSI_CTRL_ENABLE  (1u << 0)
#define PCI_MSI_CTRL_MMC     (7u << 1)   /* multiple message capable (log2) */
#define PCI_MSI_CTRL_MME     (7u << 4)   /* multiple message enable (log2): 0 = one */
#define PCI_MSI_CTRL_64BIT   (1u << 7)   /* 64-bit address capable */
#define PCI_MSI_CTRL_PVM     (1u << 8)   /* per-vector masking capable */

struct pci_msi_cap32 {
    uint8_t id, next;
    uint16_t ctrl;                  /* PCI_MSI_CTRL_* */
    uint32_t addr_lo;
    uint16_t data;
    uint16_t rsvd;
    uint32_t mask;                  /* with PCI_MSI_CTRL_PVM */
    uint32_t pending;
} __attribute__((packed));
_Static_assert(sizeof(struct pci_msi_cap32) == 0x14, "pci_msi_cap32");
_Static_assert(offsetof(struct pci_msi_cap32, ctrl) == PCI_MSI_CTRL, "msi ctrl");
_Static_assert(offsetof(struct pci_msi_cap32, addr_lo) == PCI_MSI_ADDR_LO, "msi addr");
_Static_assert(offsetof(struct pci_msi_cap32, data) == PCI_MSI_DATA_32, "msi data32");
_Static_assert(offsetof(struct pci_msi_cap32, mask) == PCI_MSI_MASK_32, "msi mask32");

struct pci_msi_cap64 {
    uint8_t id, next;
    uint16_t ctrl;                  /* PCI_MSI_CTRL_* */
    uint32_t addr_lo;
    uint32_t addr_hi;
    uint16_t data;
    uint16_t rsvd;
    uint32_t mask;                  /* with PCI_MSI_CTRL_PVM */
    uint32_t pending;
} __attribute__((packed));
_Static_assert(sizeof(struct pci_msi_cap64) == 0x18, "pci_msi_cap64");
_Static_assert(offsetof(struct pci_msi_cap64, addr_hi) == PCI_MSI_ADDR_HI, "msi addr hi");
_Static_assert(offsetof(struct pci_msi_cap64, data) == PCI_MSI_DATA_64, "msi data64");
_Static_assert(offsetof(struct pci_msi_cap64, mask) == PCI_MSI_MASK_64, "msi mask64");

/* ---- MSI-X capability (PCI 3.0, 6.8.2, figures 6-10 and 6-12) -------- */
#define PCI_MSIX_CTRL        0x02   /* 16: PCI_MSIX_CTRL_* */
#define PCI_MSIX_TABLE       0x04   /* 32: BIR (2:0) + table offset in that BAR */
#define PCI_MSIX_PBA         0x08   /* 32: BIR (2:0) + pending-bit array offset */

#define PCI_MSIX_CTRL_SIZE   0x07FFu     /* table size - 1 */
#define PCI_MSIX_CTRL_MASKALL (1u << 14) /* function mask: no entry may signal */
#define PCI_MSIX_CTRL_ENABLE (1u << 15)
#define PCI_MSIX_BIR_MASK    0x7u        /* which BAR (0-5; 6, 7 reserved) */
#define PCI_MSIX_OFFSET_MASK 0xFFFFFFF8u /* offset into that BAR, 8-aligned */

struct pci_msix_cap {
    uint8_t id, next;
    uint16_t ctrl;                  /* PCI_MSIX_CTRL_* */
    uint32_t table;                 /* BIR | offset */
    uint32_t pba;                   /* BIR | offset */
} __attribute__((packed));
_Static_assert(sizeof(struct pci_msix_cap) == 12, "pci_msix_cap");
_Static_assert(offsetof(struct pci_msix_cap, ctrl) == PCI_MSIX_CTRL, "msix ctrl");
_Static_assert(offsetof(struct pci_msix_cap, table) == PCI_MSIX_TABLE, "msix table");
_Static_assert(offsetof(struct pci_msix_cap, pba) == PCI_MSIX_PBA, "msix pba");

/* One MSI-X table entry, in device memory (6.8.2.6-6.8.2.9). After reset
 * every entry is masked (vector control bit 0 = 1). Software must only
 * change an entry's address/data while the entry is masked. */
#define PCI_MSIX_ENTRY_SIZE  16
#define PCI_MSIX_ENTRY_ADDR_LO 0x0
#define PCI_MSIX_ENTRY_ADDR_HI 0x4
#define PCI_MSIX_ENTRY_DATA  0x8
#define PCI_MSIX_ENTRY_CTRL  0xC
#define PCI_MSIX_ENTRY_MASKED (1u << 0)

struct pci_msix_entry {
    uint32_t addr_lo;
    uint32_t addr_hi;
    uint32_t data;
    uint32_t ctrl;                  /* PCI_MSIX_ENTRY_MASKED */
} __attribute__((packed));
_Static_assert(sizeof(struct pci_msix_entry) == PCI_MSIX_ENTRY_SIZE, "pci_msix_entry");
_Static_assert(offsetof(struct pci_msix_entry, data) == PCI_MSIX_ENTRY_DATA, "msix data");
_Static_assert(offsetof(struct pci_msix_entry, ctrl) == PCI_MSIX_ENTRY_CTRL, "msix vctrl");

/* ---- PCI Express capability (PCIe 5.0, 7.5.3) ----------------------- */
#define PCI_EXP_FLAGS        0x02   /* 16: capability version (3:0), port type (7:4) */
#define PCI_EXP_FLAGS_TYPE   (0xFu << 4)

/* ---- Configuration mechanisms --------------------------------------- */
/* Mechanism #1 (PCI 3.0, 3.2.2.3.2): write the address to CONFIG_ADDRESS,
 * then access the dword at CONFIG_DATA. */
#define PCI_CONF1_ADDR_PORT  0xCF8
#define PCI_CONF1_DATA_PORT  0xCFC
#define PCI_CONF1_ENABLE     (1u << 31)
#define PCI_CONF1_BUS_SHIFT  16     /* bits 23:16 */
#define PCI_CONF1_DEV_SHIFT  11     /* bits 15:11 */
#define PCI_CONF1_FN_SHIFT   8      /* bits 10:8 */
#define PCI_CONF1_REG_MASK   0xFCu  /* bits 7:2, dword register */

/* ECAM (PCIe 5.0, 7.2.2, table 7-1): one 4 KiB page per function, at
 * base + bus << 20 | device << 15 | function << 12, where base is the
 * ACPI MCFG address for bus 0 of the segment (PCI Firmware 3.0, 4.1.2). */
#define PCI_ECAM_BUS_SHIFT   20
#define PCI_ECAM_DEV_SHIFT   15
#define PCI_ECAM_FN_SHIFT    12
#define PCI_ECAM_BUS_SIZE    (1u << PCI_ECAM_BUS_SHIFT)

/* ---- Class codes (PCI Code and ID Assignment Specification 1.x) ----- */
#define PCI_CLASS_STORAGE    0x01
#define PCI_CLASS_NETWORK    0x02
#define PCI_CLASS_DISPLAY    0x03
#define PCI_CLASS_BRIDGE     0x06
#define PCI_SUBCLASS_HOST_BRIDGE 0x00
#define PCI_SUBCLASS_PCI_BRIDGE  0x04
