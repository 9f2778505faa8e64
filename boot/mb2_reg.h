/* Multiboot2 boot information: the tag list a multiboot2 loader (GRUB 2's
 * `multiboot2` command) leaves at EBX.
 *
 * "Multiboot2 Specification version 1.6", section 3.6 "Boot information
 * format". Little-endian. The structure is a fixed 8-byte header (total_size,
 * reserved) followed by tags; each tag starts with type and size, where size
 * covers the tag header and payload but not the padding that brings the next
 * tag to an 8-byte boundary; the structure itself starts 8-byte aligned
 * (section 3.6.2 "Basic tags structure"). A tag of type 0 and size 8 ends
 * the list. Unknown tag types are legal and must be skipped.
 *
 * NOTE: these are the *information* tags (MB2_INFO_*); the header tags that
 * the kernel image asks with (boot/headers.S) have their own numbering. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* EAX on entry to the OS image (section 3.3 "I386 machine state"). */
#define MB2_LOADER_MAGIC 0x36D76289u

#define MB2_TAG_ALIGN 8

/* Tag types (sections 3.6.3 - 3.6.23). */
#define MB2_INFO_END          0
#define MB2_INFO_CMDLINE      1     /* struct mb2_tag_string */
#define MB2_INFO_LOADER_NAME  2     /* struct mb2_tag_string */
#define MB2_INFO_MODULE       3     /* struct mb2_tag_module */
#define MB2_INFO_BASIC_MEM    4     /* struct mb2_tag_meminfo */
#define MB2_INFO_BOOTDEV      5
#define MB2_INFO_MMAP         6     /* struct mb2_tag_mmap */
#define MB2_INFO_VBE          7
#define MB2_INFO_FRAMEBUFFER  8     /* struct mb2_tag_fb */
#define MB2_INFO_ELF_SECTIONS 9
#define MB2_INFO_APM          10
#define MB2_INFO_EFI32        11    /* struct mb2_tag_efi32 */
#define MB2_INFO_EFI64        12    /* struct mb2_tag_efi64 */
#define MB2_INFO_SMBIOS       13
#define MB2_INFO_ACPI_OLD     14    /* struct mb2_tag_acpi: ACPI 1.0 RSDP copy */
#define MB2_INFO_ACPI_NEW     15    /* struct mb2_tag_acpi: ACPI 2.0+ RSDP copy */
#define MB2_INFO_NETWORK      16
#define MB2_INFO_EFI_MMAP     17    /* struct mb2_tag_efi_mmap */
#define MB2_INFO_EFI_BS       18    /* EFI boot services not terminated */
#define MB2_INFO_EFI32_IH     19
#define MB2_INFO_EFI64_IH     20
#define MB2_INFO_LOAD_BASE    21

/* The fixed part at the start of the boot information. */
struct mb2_info {
    uint32_t total_size;        /* bytes, including this header and the end tag */
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_info) == 8, "mb2_info size");

struct mb2_tag {
    uint32_t type;              /* MB2_INFO_* */
    uint32_t size;              /* header + payload, without padding */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag) == 8, "mb2_tag size");

/* Types 1 and 2 (sections 3.6.5, 3.6.9): a NUL-terminated string fills the
 * rest of the tag. */
struct mb2_tag_string {
    struct mb2_tag tag;
    char string[];
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_string) == 8, "mb2_tag_string size");

/* Type 3 (section 3.6.6): mod_end is exclusive; the module's command
 * line, a NUL-terminated string, fills the rest of the tag. */
struct mb2_tag_module {
    struct mb2_tag tag;
    uint32_t mod_start;
    uint32_t mod_end;
    char cmdline[];
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2_tag_module size");

/* Type 4 (section 3.6.3): KiB from 0 and from 1 MiB, as in multiboot1. */
struct mb2_tag_meminfo {
    struct mb2_tag tag;
    uint32_t mem_lower;
    uint32_t mem_upper;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_meminfo) == 16, "mb2_tag_meminfo size");

/* Type 6 (section 3.6.8): entries of entry_size bytes (a multiple of 8,
 * at least sizeof(struct mb2_mmap_entry)) fill the rest of the tag. */
struct mb2_tag_mmap {
    struct mb2_tag tag;
    uint32_t entry_size;
    uint32_t entry_version;     /* 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2_tag_mmap size");

struct mb2_mmap_entry {
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;              /* MB2_MEM_* */
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2_mmap_entry size");
_Static_assert(offsetof(struct mb2_mmap_entry, type) == 16, "mb2_mmap_entry.type");

#define MB2_MEM_AVAILABLE     1
#define MB2_MEM_RESERVED      2
#define MB2_MEM_ACPI_RECLAIM  3
#define MB2_MEM_NVS           4
#define MB2_MEM_BADRAM        5

/* Type 8 (section 3.6.12). The spec's text shows one reserved byte after
 * framebuffer_type; GRUB's multiboot2.h and GRUB's loader use a u16, so the
 * color information starts at offset 32. */
struct mb2_tag_fb {
    struct mb2_tag tag;
    uint64_t addr;
    uint32_t pitch;             /* bytes per line */
    uint32_t width;             /* pixels, or characters for EGA text */
    uint32_t height;
    uint8_t bpp;
    uint8_t fb_type;            /* MB2_FB_* */
    uint16_t reserved;
    uint8_t color_info[];       /* struct mb2_fb_rgb when MB2_FB_RGB */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_fb) == 32, "mb2_tag_fb size");
_Static_assert(offsetof(struct mb2_tag_fb, bpp) == 28, "mb2_tag_fb.bpp");

#define MB2_FB_INDEXED  0
#define MB2_FB_RGB      1
#define MB2_FB_EGA_TEXT 2

struct mb2_fb_rgb {
    uint8_t red_pos, red_size;
    uint8_t green_pos, green_size;
    uint8_t blue_pos, blue_size;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_fb_rgb) == 6, "mb2_fb_rgb size");

/* Types 11 and 12 (sections 3.6.13, 3.6.14): EFI system table pointer. */
struct mb2_tag_efi32 {
    struct mb2_tag tag;
    uint32_t pointer;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_efi32) == 12, "mb2_tag_efi32 size");

struct mb2_tag_efi64 {
    struct mb2_tag tag;
    uint64_t pointer;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_efi64) == 16, "mb2_tag_efi64 size");

/* Types 14 and 15 (sections 3.6.16, 3.6.17): a copy of the RSDP follows the
 * tag header: 20 bytes for ACPI 1.0, 36 (the XSDT-capable form) for 2.0+. */
struct mb2_tag_acpi {
    struct mb2_tag tag;
    uint8_t rsdp[];
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_acpi) == 8, "mb2_tag_acpi size");
#define MB2_RSDP_V1_LEN 20
#define MB2_RSDP_V2_LEN 36

/* Type 17 (section 3.6.19): the EFI memory map as GetMemoryMap returned it.
 * Type 18 (section 3.6.20) is a bare tag header. */
struct mb2_tag_efi_mmap {
    struct mb2_tag tag;
    uint32_t descr_size;
    uint32_t descr_vers;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_efi_mmap) == 16, "mb2_tag_efi_mmap size");
