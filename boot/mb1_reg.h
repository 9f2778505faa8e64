/* Multiboot1 boot information: the structure a multiboot1 loader (GRUB
 * legacy, GRUB 2's `multiboot` command, QEMU -kernel) leaves at EBX.
 *
 * "Multiboot Specification version 0.6.96", section 3.3 "Boot information
 * format". All fields are little-endian; addresses are 32-bit physical.
 * The structure has no length field: `flags` says which fields the loader
 * filled in, and a loader may stop the structure after the last field it
 * sets (QEMU's is 88 bytes, without the framebuffer fields), so a reader
 * must not touch fields whose flag bit is clear. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* EAX on entry to the OS image (section 3.2). */
#define MB1_LOADER_MAGIC 0x2BADB002u

/* mb1_info.flags: which fields are valid (section 3.3). */
#define MB1_INFO_MEM       (1u << 0)    /* mem_lower, mem_upper */
#define MB1_INFO_BOOTDEV   (1u << 1)    /* boot_device */
#define MB1_INFO_CMDLINE   (1u << 2)    /* cmdline */
#define MB1_INFO_MODS      (1u << 3)    /* mods_count, mods_addr */
#define MB1_INFO_AOUT_SYMS (1u << 4)    /* syms as a.out symbol table */
#define MB1_INFO_ELF_SHDR  (1u << 5)    /* syms as ELF section headers */
#define MB1_INFO_MMAP      (1u << 6)    /* mmap_length, mmap_addr */
#define MB1_INFO_DRIVES    (1u << 7)    /* drives_length, drives_addr */
#define MB1_INFO_CONFIG    (1u << 8)    /* config_table */
#define MB1_INFO_LOADER    (1u << 9)    /* boot_loader_name */
#define MB1_INFO_APM       (1u << 10)   /* apm_table */
#define MB1_INFO_VBE       (1u << 11)   /* vbe_* */
#define MB1_INFO_FB        (1u << 12)   /* framebuffer_* */

struct mb1_info {
    uint32_t flags;             /* MB1_INFO_* */
    uint32_t mem_lower;         /* KiB of memory from 0 (at most 640) */
    uint32_t mem_upper;         /* KiB of memory from 1 MiB up to the first hole */
    uint32_t boot_device;
    uint32_t cmdline;           /* physical address of a C string */
    uint32_t mods_count;
    uint32_t mods_addr;         /* array of struct mb1_module */
    uint32_t syms[4];
    uint32_t mmap_length;       /* bytes in the buffer at mmap_addr */
    uint32_t mmap_addr;         /* struct mb1_mmap_entry, variable stride */
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;  /* physical address of a C string */
    uint32_t apm_table;
    uint32_t vbe_control_info;
    uint32_t vbe_mode_info;
    uint16_t vbe_mode;
    uint16_t vbe_interface_seg;
    uint16_t vbe_interface_off;
    uint16_t vbe_interface_len;
    uint64_t framebuffer_addr;
    uint32_t framebuffer_pitch;  /* bytes per line */
    uint32_t framebuffer_width;  /* pixels, or characters for EGA text */
    uint32_t framebuffer_height;
    uint8_t framebuffer_bpp;
    uint8_t framebuffer_type;    /* MB1_FB_* */
    uint8_t color_info[6];       /* struct mb1_fb_rgb when MB1_FB_RGB */
} __attribute__((packed));

_Static_assert(sizeof(struct mb1_info) == 116, "mb1_info size");
_Static_assert(offsetof(struct mb1_info, cmdline) == 16, "mb1_info.cmdline");
_Static_assert(offsetof(struct mb1_info, mods_count) == 20, "mb1_info.mods_count");
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "mb1_info.mmap_length");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "mb1_info.boot_loader_name");
_Static_assert(offsetof(struct mb1_info, vbe_mode) == 80, "mb1_info.vbe_mode");
_Static_assert(offsetof(struct mb1_info, framebuffer_addr) == 88, "mb1_info.framebuffer_addr");
_Static_assert(offsetof(struct mb1_info, framebuffer_bpp) == 108, "mb1_info.framebuffer_bpp");
_Static_assert(offsetof(struct mb1_info, color_info) == 110, "mb1_info.color_info");

/* framebuffer_type values. */
#define MB1_FB_INDEXED  0           /* color_info: palette address + count */
#define MB1_FB_RGB      1           /* color_info: struct mb1_fb_rgb */
#define MB1_FB_EGA_TEXT 2           /* width/height in characters */

/* color_info for direct RGB: bit position and width of each channel. */
struct mb1_fb_rgb {
    uint8_t red_pos, red_size;
    uint8_t green_pos, green_size;
    uint8_t blue_pos, blue_size;
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_fb_rgb) == 6, "mb1_fb_rgb size");

/* One entry of the mods_addr array. mod_end is exclusive (GRUB and QEMU set
 * it to mod_start + size). */
struct mb1_module {
    uint32_t mod_start;
    uint32_t mod_end;
    uint32_t string;            /* physical address of a C string, or 0 */
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_module) == 16, "mb1_module size");

/* One memory map entry. `size` counts the bytes that follow it (20 for this
 * layout, possibly more from a newer loader), so the next entry starts at
 * (entry + size + 4): the stride is variable. */
struct mb1_mmap_entry {
    uint32_t size;
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;              /* MB1_MEM_* */
} __attribute__((packed));
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "mb1_mmap_entry size");
_Static_assert(offsetof(struct mb1_mmap_entry, base_addr) == 4, "mb1_mmap_entry.base_addr");
_Static_assert(offsetof(struct mb1_mmap_entry, type) == 20, "mb1_mmap_entry.type");

/* The smallest `size` that covers base_addr, length and type. */
#define MB1_MMAP_ENTRY_MIN (sizeof(struct mb1_mmap_entry) - sizeof(uint32_t))

/* Memory types (the E820 numbering). */
#define MB1_MEM_AVAILABLE     1
#define MB1_MEM_RESERVED      2
#define MB1_MEM_ACPI_RECLAIM  3
#define MB1_MEM_NVS           4
#define MB1_MEM_BADRAM        5
