/* ACPI wire formats: the firmware tables minnow reads, as the firmware lays
 * them out (little-endian, packed). Section numbers are ACPI 6.5 unless
 * another document is named. Everything here is untrusted input: the
 * parser (kernel/acpi/acpi.c) checks a table's length before it reads a field.
 *
 * The structs are for offsets and sizes only; the parser reads fields with
 * memcpy through the offsets below, never through a cast of firmware
 * memory, so alignment never matters. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* ---- 5.2.3.2 Generic Address Structure (GAS) ----------------------------- */

struct acpi_gas_reg {
    uint8_t space_id;           /* ACPI_GAS_SPACE_* */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;        /* ACPI_GAS_ACCESS_* */
    uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas_reg) == 12, "GAS is 12 bytes");
_Static_assert(offsetof(struct acpi_gas_reg, address) == 4, "GAS address");

#define ACPI_GAS_SPACE_MEMORY   0x00    /* system memory */
#define ACPI_GAS_SPACE_IO       0x01    /* system I/O */
#define ACPI_GAS_SPACE_PCI_CFG  0x02
#define ACPI_GAS_SPACE_FFH      0x7F    /* functional fixed hardware */

#define ACPI_GAS_ACCESS_UNDEF   0       /* legacy: use bit_width */
#define ACPI_GAS_ACCESS_BYTE    1
#define ACPI_GAS_ACCESS_WORD    2
#define ACPI_GAS_ACCESS_DWORD   3
#define ACPI_GAS_ACCESS_QWORD   4

/* ---- 5.2.5.3 Root System Description Pointer (RSDP) ------------------------ */

struct acpi_rsdp {
    char signature[8];          /* "RSD PTR " */
    uint8_t checksum;           /* bytes 0..19 sum to 0 */
    char oem_id[6];
    uint8_t revision;           /* 0: ACPI 1.0 (20 bytes); 2: ACPI 2.0+ (36 bytes) */
    uint32_t rsdt_address;
    /* ACPI 2.0+ */
    uint32_t length;            /* of the whole structure */
    uint64_t xsdt_address;
    uint8_t extended_checksum;  /* bytes 0..length-1 sum to 0 */
    uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP v2 is 36 bytes");
_Static_assert(offsetof(struct acpi_rsdp, revision) == 15, "RSDP revision");
_Static_assert(offsetof(struct acpi_rsdp, rsdt_address) == 16, "RSDP RSDT address");
_Static_assert(offsetof(struct acpi_rsdp, length) == 20, "RSDP v1 part is 20 bytes");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "RSDP XSDT address");
_Static_assert(offsetof(struct acpi_rsdp, extended_checksum) == 32, "RSDP extended checksum");

#define ACPI_RSDP_SIG      "RSD PTR "
#define ACPI_RSDP_V1_LEN   20
#define ACPI_RSDP_V2_LEN   36
#define ACPI_RSDP_REV_V2   2    /* revision from which the XSDT fields exist */

/* 5.2.5.1 Finding the RSDP on IA-PC systems: on a 16-byte boundary in the
 * first KiB of the EBDA (real-mode segment stored at 40:0Eh) or in the BIOS
 * read-only area 0E0000h-0FFFFFh. */
#define ACPI_EBDA_SEG_PTR  0x40E
#define ACPI_EBDA_SCAN_LEN 1024
#define ACPI_BIOS_ROM_BASE 0xE0000
#define ACPI_BIOS_ROM_END  0x100000
#define ACPI_RSDP_ALIGN    16

/* ---- 5.2.6 System Description Table header --------------------------------- */

struct acpi_sdt_header {
    char signature[4];
    uint32_t length;            /* of the whole table, header included */
    uint8_t revision;
    uint8_t checksum;           /* all `length` bytes sum to 0 */
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header is 36 bytes");
_Static_assert(offsetof(struct acpi_sdt_header, length) == 4, "SDT length");
_Static_assert(offsetof(struct acpi_sdt_header, revision) == 8, "SDT revision");
_Static_assert(offsetof(struct acpi_sdt_header, checksum) == 9, "SDT checksum");

#define ACPI_SDT_HDR_LEN   36
/* No table minnow reads comes near this (QEMU's DSDT is ~8 KiB); anything
 * longer is a corrupt length, not a table. */
#define ACPI_SDT_MAX_LEN   (16u << 20)

/* 5.2.7 RSDT: header + 32-bit physical addresses. 5.2.8 XSDT: header +
 * 64-bit physical addresses (only 4-byte aligned in memory). */
#define ACPI_SIG_RSDT "RSDT"
#define ACPI_SIG_XSDT "XSDT"
#define ACPI_SIG_FADT "FACP"
#define ACPI_SIG_MADT "APIC"
#define ACPI_SIG_DSDT "DSDT"
#define ACPI_SIG_SSDT "SSDT"
#define ACPI_SIG_MCFG "MCFG"
#define ACPI_SIG_HPET "HPET"

/* ---- 5.2.9 Fixed ACPI Description Table (FADT, "FACP") ---------------------
 * The table grew with each revision; firmware sets header.length to the
 * layout it implements: 116 bytes for ACPI 1.0 (up to Flags), 244 for 2.0-4.0
 * (through X_GPE1_BLK), 268 for 5.x (sleep registers; QEMU's microvm), 276
 * for 6.0+ (hypervisor vendor identity). A field is valid only when
 * offset + size <= header.length. */
struct acpi_fadt {
    struct acpi_sdt_header hdr;
    uint32_t firmware_ctrl;     /* FACS, 32-bit */
    uint32_t dsdt;              /* DSDT, 32-bit */
    uint8_t reserved0;          /* ACPI 1.0 INT_MODEL */
    uint8_t preferred_pm_profile;
    uint16_t sci_int;           /* SCI as an ISA IRQ / GSI (see MADT overrides) */
    uint32_t smi_cmd;           /* I/O port; 0 = no SMM mode switch */
    uint8_t acpi_enable;        /* value for SMI_CMD that enters ACPI mode */
    uint8_t acpi_disable;
    uint8_t s4bios_req;
    uint8_t pstate_cnt;
    uint32_t pm1a_evt_blk;      /* I/O ports */
    uint32_t pm1b_evt_blk;
    uint32_t pm1a_cnt_blk;
    uint32_t pm1b_cnt_blk;
    uint32_t pm2_cnt_blk;
    uint32_t pm_tmr_blk;
    uint32_t gpe0_blk;
    uint32_t gpe1_blk;
    uint8_t pm1_evt_len;
    uint8_t pm1_cnt_len;        /* >= 2 */
    uint8_t pm2_cnt_len;
    uint8_t pm_tmr_len;         /* 4 when the PM timer exists */
    uint8_t gpe0_blk_len;
    uint8_t gpe1_blk_len;
    uint8_t gpe1_base;
    uint8_t cst_cnt;
    uint16_t p_lvl2_lat;
    uint16_t p_lvl3_lat;
    uint16_t flush_size;
    uint16_t flush_stride;
    uint8_t duty_offset;
    uint8_t duty_width;
    uint8_t day_alrm;           /* CMOS RTC indexes; 0 = not supported */
    uint8_t mon_alrm;
    uint8_t century;
    uint16_t iapc_boot_arch;    /* ACPI_FADT_BOOT_* (ACPI 2.0+) */
    uint8_t reserved1;
    uint32_t flags;             /* ACPI_FADT_F_* */
    /* ACPI 2.0+ */
    struct acpi_gas_reg reset_reg;
    uint8_t reset_value;
    uint16_t arm_boot_arch;
    uint8_t fadt_minor_version;
    uint64_t x_firmware_ctrl;
    uint64_t x_dsdt;
    struct acpi_gas_reg x_pm1a_evt_blk;
    struct acpi_gas_reg x_pm1b_evt_blk;
    struct acpi_gas_reg x_pm1a_cnt_blk;
    struct acpi_gas_reg x_pm1b_cnt_blk;
    struct acpi_gas_reg x_pm2_cnt_blk;
    struct acpi_gas_reg x_pm_tmr_blk;
    struct acpi_gas_reg x_gpe0_blk;
    struct acpi_gas_reg x_gpe1_blk;
    /* ACPI 5.0+ */
    struct acpi_gas_reg sleep_control_reg;
    struct acpi_gas_reg sleep_status_reg;
    /* ACPI 6.0+ */
    uint64_t hypervisor_vendor_id;
} __attribute__((packed));
_Static_assert(offsetof(struct acpi_fadt, firmware_ctrl) == 36, "FADT FIRMWARE_CTRL");
_Static_assert(offsetof(struct acpi_fadt, dsdt) == 40, "FADT DSDT");
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "FADT SCI_INT");
_Static_assert(offsetof(struct acpi_fadt, smi_cmd) == 48, "FADT SMI_CMD");
_Static_assert(offsetof(struct acpi_fadt, acpi_enable) == 52, "FADT ACPI_ENABLE");
_Static_assert(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64, "FADT PM1a_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm1b_cnt_blk) == 68, "FADT PM1b_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "FADT PM_TMR_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm1_cnt_len) == 89, "FADT PM1_CNT_LEN");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_len) == 91, "FADT PM_TMR_LEN");
_Static_assert(offsetof(struct acpi_fadt, century) == 108, "FADT CENTURY");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT IAPC_BOOT_ARCH");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT Flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT RESET_REG");
_Static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "FADT RESET_VALUE");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT X_PM1a_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, x_pm1b_cnt_blk) == 184, "FADT X_PM1b_CNT_BLK");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "FADT X_PM_TMR_BLK");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT SLEEP_CONTROL_REG");
_Static_assert(offsetof(struct acpi_fadt, sleep_status_reg) == 256, "FADT SLEEP_STATUS_REG");
_Static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "FADT hypervisor id");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT (6.x) is 276 bytes");

#define ACPI_FADT_OFF(field)   offsetof(struct acpi_fadt, field)
#define ACPI_FADT_SIZE(field)  sizeof(((struct acpi_fadt *)0)->field)
#define ACPI_FADT_V1_LEN       116      /* ACPI 1.0: through Flags */

/* 5.2.9, table "Fixed ACPI Description Table Fixed Feature Flags". */
#define ACPI_FADT_F_TMR_VAL_EXT    (1u << 8)    /* PM timer is 32 bits, else 24 */
#define ACPI_FADT_F_RESET_REG_SUP  (1u << 10)   /* RESET_REG / RESET_VALUE valid */
#define ACPI_FADT_F_HW_REDUCED     (1u << 20)   /* no fixed hardware: 4.1 */

/* 5.2.9.3 IA-PC Boot Architecture Flags. */
#define ACPI_FADT_BOOT_LEGACY_DEVICES (1u << 0)
#define ACPI_FADT_BOOT_8042           (1u << 1)
#define ACPI_FADT_BOOT_NO_VGA         (1u << 2)
#define ACPI_FADT_BOOT_NO_MSI         (1u << 3)
#define ACPI_FADT_BOOT_NO_ASPM        (1u << 4)
#define ACPI_FADT_BOOT_NO_CMOS_RTC    (1u << 5)

/* 4.8.3.2 PM1 Control grouping (table "PM1 Control Registers Fixed
 * Hardware Feature Control Bits"). */
#define ACPI_PM1_CNT_SCI_EN        (1u << 0)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10           /* bits 10-12 */
#define ACPI_PM1_CNT_SLP_TYP_MASK  (7u << 10)
#define ACPI_PM1_CNT_SLP_EN        (1u << 13)

/* 4.8.3.7 Sleep Control and Status registers (hardware-reduced ACPI). */
#define ACPI_SLEEP_CTL_SLP_TYP_SHIFT 2          /* bits 2-4 */
#define ACPI_SLEEP_CTL_SLP_TYP_MASK  (7u << 2)
#define ACPI_SLEEP_CTL_SLP_EN        (1u << 5)
#define ACPI_SLEEP_STS_WAK_STS       (1u << 7)

/* ---- 5.2.12 Multiple APIC Description Table (MADT, "APIC") ----------------- */

struct acpi_madt {
    struct acpi_sdt_header hdr;
    uint32_t lapic_address;     /* 32-bit local APIC base (see type 5) */
    uint32_t flags;             /* ACPI_MADT_PCAT_COMPAT */
    /* interrupt controller structures follow, each {type, length, ...} */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT fixed part is 44 bytes");
_Static_assert(offsetof(struct acpi_madt, flags) == 40, "MADT flags");

#define ACPI_MADT_PCAT_COMPAT  (1u << 0)        /* dual 8259 PICs present */

/* 5.2.12, table "Interrupt Controller Structure Types". */
#define ACPI_MADT_LAPIC          0
#define ACPI_MADT_IOAPIC         1
#define ACPI_MADT_ISO            2  /* interrupt source override */
#define ACPI_MADT_NMI_SRC        3
#define ACPI_MADT_LAPIC_NMI      4
#define ACPI_MADT_LAPIC_OVR      5  /* local APIC address override */
#define ACPI_MADT_X2APIC         9
#define ACPI_MADT_X2APIC_NMI     10

struct acpi_madt_entry {
    uint8_t type;
    uint8_t length;             /* of the whole entry, >= 2 */
} __attribute__((packed));

/* 5.2.12.2 Processor Local APIC. */
struct acpi_madt_lapic {
    struct acpi_madt_entry h;   /* type 0, length 8 */
    uint8_t uid;                /* ACPI Processor UID */
    uint8_t apic_id;
    uint32_t flags;             /* ACPI_MADT_CPU_* */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC");

/* 5.2.12.2, table "Local APIC Flags" (shared by the x2APIC entry). */
#define ACPI_MADT_CPU_ENABLED        (1u << 0)
#define ACPI_MADT_CPU_ONLINE_CAPABLE (1u << 1)  /* ACPI 6.3+: may be enabled later */

/* 5.2.12.3 I/O APIC. */
struct acpi_madt_ioapic {
    struct acpi_madt_entry h;   /* type 1, length 12 */
    uint8_t ioapic_id;
    uint8_t reserved;
    uint32_t address;
    uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC");

/* 5.2.12.5 Interrupt Source Override. */
struct acpi_madt_iso {
    struct acpi_madt_entry h;   /* type 2, length 10 */
    uint8_t bus;                /* 0 = ISA */
    uint8_t source;             /* bus-relative IRQ */
    uint32_t gsi;
    uint16_t flags;             /* ACPI_MPS_INTI_* */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT ISO");

/* 5.2.12.5, table "MPS INTI Flags". */
#define ACPI_MPS_INTI_POLARITY_MASK  0x3
#define ACPI_MPS_INTI_POLARITY_BUS   0x0    /* conforms to the bus */
#define ACPI_MPS_INTI_ACTIVE_HIGH    0x1
#define ACPI_MPS_INTI_ACTIVE_LOW     0x3
#define ACPI_MPS_INTI_TRIGGER_MASK   0xC
#define ACPI_MPS_INTI_TRIGGER_BUS    0x0
#define ACPI_MPS_INTI_EDGE           0x4
#define ACPI_MPS_INTI_LEVEL          0xC

/* 5.2.12.7 Local APIC NMI. */
struct acpi_madt_lapic_nmi {
    struct acpi_madt_entry h;   /* type 4, length 6 */
    uint8_t uid;                /* 0xFF = all processors */
    uint16_t flags;             /* ACPI_MPS_INTI_* */
    uint8_t lint;               /* LINT0 / LINT1 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI");

/* 5.2.12.8 Local APIC Address Override. */
struct acpi_madt_lapic_ovr {
    struct acpi_madt_entry h;   /* type 5, length 12 */
    uint16_t reserved;
    uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_ovr) == 12, "MADT LAPIC override");

/* 5.2.12.12 Processor Local x2APIC. */
struct acpi_madt_x2apic {
    struct acpi_madt_entry h;   /* type 9, length 16 */
    uint16_t reserved;
    uint32_t x2apic_id;
    uint32_t flags;             /* ACPI_MADT_CPU_* */
    uint32_t uid;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC");

/* 5.2.12.13 Local x2APIC NMI. */
struct acpi_madt_x2apic_nmi {
    struct acpi_madt_entry h;   /* type 10, length 12 */
    uint16_t flags;             /* ACPI_MPS_INTI_* */
    uint32_t uid;               /* 0xFFFFFFFF = all processors */
    uint8_t lint;
    uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12, "MADT x2APIC NMI");

/* ---- MCFG: PCI Firmware Specification 3.0, 4.1.2 (listed in ACPI 6.5
 * 5.2.6, table "DESCRIPTION_HEADER Signatures for tables reserved by ACPI") -- */

struct acpi_mcfg {
    struct acpi_sdt_header hdr;
    uint8_t reserved[8];
    /* struct acpi_mcfg_alloc entries[] */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg) == 44, "MCFG fixed part is 44 bytes");

struct acpi_mcfg_alloc {
    uint64_t base;              /* ECAM base of bus 0 of this segment */
    uint16_t segment;
    uint8_t bus_start;
    uint8_t bus_end;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "MCFG allocation entry");

/* ---- HPET: IA-PC HPET Specification 1.0a, 3.2.4 "The ACPI 2.0 HPET
 * Description Table (HPET)" --------------------------------------------------- */

struct acpi_hpet {
    struct acpi_sdt_header hdr;
    uint32_t event_timer_block_id;
    struct acpi_gas_reg base;   /* system memory */
    uint8_t hpet_number;
    uint16_t min_tick;
    uint8_t page_protection;
} __attribute__((packed));
_Static_assert(offsetof(struct acpi_hpet, base) == 40, "HPET base address");
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET table is 56 bytes");
