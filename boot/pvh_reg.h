/* PVH boot: the hvm_start_info structure a PVH loader (QEMU -kernel with an
 * ELF that carries XEN_ELFNOTE_PHYS32_ENTRY, Firecracker, Xen) leaves at EBX.
 *
 * Xen's xen/include/public/arch-x86/hvm/start_info.h and docs/misc/pvh.pandoc.
 * Little-endian; every address is 64-bit physical, and 0 means "not present".
 * Version 0 stops after rsdp_paddr (40 bytes) and has no memory map; version
 * 1 appends memmap_paddr/memmap_entries (56 bytes). Later versions only
 * append, so a reader reads the part it knows. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* start_info.magic: XEN_HVM_START_MAGIC_VALUE ("xEn3" with 0x80 set on E). */
#define PVH_START_INFO_MAGIC 0x336EC578u

struct pvh_start_info {
    uint32_t magic;             /* PVH_START_INFO_MAGIC */
    uint32_t version;           /* 0 or 1 */
    uint32_t flags;             /* SIF_* (Xen's xen.h) */
    uint32_t nr_modules;
    uint64_t modlist_paddr;     /* struct pvh_modlist_entry[nr_modules] */
    uint64_t cmdline_paddr;     /* C string */
    uint64_t rsdp_paddr;        /* the ACPI RSDP itself (not a copy) */
    /* version 1 and later */
    uint64_t memmap_paddr;      /* struct pvh_memmap_entry[memmap_entries] */
    uint32_t memmap_entries;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct pvh_start_info) == 56, "pvh_start_info size");
_Static_assert(offsetof(struct pvh_start_info, modlist_paddr) == 16, "pvh_start_info.modlist_paddr");
_Static_assert(offsetof(struct pvh_start_info, rsdp_paddr) == 32, "pvh_start_info.rsdp_paddr");
_Static_assert(offsetof(struct pvh_start_info, memmap_paddr) == 40, "pvh_start_info.memmap_paddr");
_Static_assert(offsetof(struct pvh_start_info, memmap_entries) == 48, "pvh_start_info.memmap_entries");

/* Bytes of the structure in each version. */
#define PVH_START_INFO_V0_SIZE offsetof(struct pvh_start_info, memmap_paddr)
#define PVH_START_INFO_V1_SIZE sizeof(struct pvh_start_info)

/* hvm_modlist_entry */
struct pvh_modlist_entry {
    uint64_t paddr;
    uint64_t size;              /* bytes */
    uint64_t cmdline_paddr;     /* C string, or 0 */
    uint64_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct pvh_modlist_entry) == 32, "pvh_modlist_entry size");

/* hvm_memmap_table_entry */
struct pvh_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;              /* PVH_MEMMAP_* */
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct pvh_memmap_entry) == 24, "pvh_memmap_entry size");
_Static_assert(offsetof(struct pvh_memmap_entry, type) == 16, "pvh_memmap_entry.type");

/* XEN_HVM_MEMMAP_TYPE_*: 1..5 follow E820; 6 and 7 are Xen additions. */
#define PVH_MEMMAP_RAM       1
#define PVH_MEMMAP_RESERVED  2
#define PVH_MEMMAP_ACPI      3
#define PVH_MEMMAP_NVS       4
#define PVH_MEMMAP_UNUSABLE  5
#define PVH_MEMMAP_DISABLED  6
#define PVH_MEMMAP_PMEM      7

/* The RSDP at rsdp_paddr: 20 bytes for ACPI 1.0, 36 for 2.0+ (ACPI 6.x,
 * section 5.2.5.3; byte 15 is the revision). */
#define PVH_RSDP_V1_LEN       20
#define PVH_RSDP_V2_LEN       36
#define PVH_RSDP_REVISION_OFF 15
