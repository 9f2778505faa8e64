/* One normalized description of what the loader handed over, whatever the
 * boot protocol (multiboot1, multiboot2 or PVH). The parsers copy everything
 * they keep into this structure, so nothing later depends on the loader's
 * memory, and they validate every length and pointer they follow. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum boot_proto { BOOT_NONE = 0, BOOT_MULTIBOOT1, BOOT_MULTIBOOT2, BOOT_PVH };

/* Memory map entry types (the E820 / multiboot numbering). */
enum { MEM_USABLE = 1, MEM_RESERVED = 2, MEM_ACPI_RECLAIM = 3, MEM_ACPI_NVS = 4, MEM_BAD = 5 };

#define BOOT_MAX_MMAP    128
#define BOOT_MAX_MODULES 8
#define BOOT_CMDLINE_MAX 1024
#define BOOT_MODCMD_MAX  128
#define BOOT_LOADER_MAX  64

struct boot_mem_region {
    uint64_t base;
    uint64_t len;
    uint32_t type;          /* MEM_* */
};

struct boot_module {
    uint64_t start, end;    /* physical, end exclusive */
    char cmdline[BOOT_MODCMD_MAX];
};

enum { FB_NONE = 0, FB_RGB = 1, FB_EGA_TEXT = 2, FB_INDEXED = 3 };

struct boot_fb {
    uint32_t type;          /* FB_* */
    uint64_t addr;          /* physical */
    uint32_t pitch, width, height;  /* bytes per line; pixels or text cells */
    uint8_t bpp;
    uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct boot_info {
    enum boot_proto proto;
    char loader[BOOT_LOADER_MAX];   /* loader name when the loader gives one */
    char cmdline[BOOT_CMDLINE_MAX];
    bool cmdline_truncated;

    struct boot_mem_region mmap[BOOT_MAX_MMAP];
    size_t mmap_count;
    bool mmap_truncated;

    struct boot_module modules[BOOT_MAX_MODULES];
    size_t module_count;
    bool modules_truncated;         /* more modules than BOOT_MAX_MODULES */

    struct boot_fb fb;

    bool has_rsdp;
    uint64_t rsdp_phys;     /* 0 when the loader gave only a copy (multiboot2) */
    uint8_t rsdp[36];       /* copy of the RSDP (20 bytes for ACPI 1.0, 36 for 2.0+) */
    size_t rsdp_len;

    bool efi;               /* booted through UEFI (multiboot2 EFI tags seen) */
    uint64_t efi_systab;    /* EFI system table (multiboot2 tag 11/12), or 0 */
    uint64_t info_phys;     /* where the loader's structure was */
    uint64_t info_len;
};

/* Access to physical memory for the parsers: returns a pointer to len bytes
 * at phys, or NULL when that range cannot be read. The kernel maps it to the
 * identity-mapped low 4 GiB; host tests map it to captured blobs. The
 * parsers use each pointer only until their next map() call. */
struct physmem {
    const void *(*map)(void *ctx, uint64_t phys, uint64_t len);
    void *ctx;
};

/* Loader magic values, as passed in EAX (multiboot) or EBX-pointed
 * start_info.magic (PVH). */
#define MULTIBOOT1_LOADER_MAGIC 0x2BADB002u
#define MULTIBOOT2_LOADER_MAGIC 0x36D76289u
#define PVH_START_MAGIC         0x336EC578u

/* Parse the loader's structure. `magic` tells which protocol; for PVH the
 * boot code passes PVH_START_MAGIC. Returns 0 or a negative errno (bi->proto
 * is still set). Every problem, fatal or recoverable (a truncated command
 * line, a memory map entry dropped), is reported as one line through the
 * optional warn callback, naming the protocol and what was wrong. */
typedef void (*boot_warn_fn)(const char *msg);
int bootinfo_parse(struct boot_info *bi, uint32_t magic, uint64_t info_phys,
                   const struct physmem *pm, boot_warn_fn warn);

const char *bootinfo_proto_name(enum boot_proto p);
const char *bootinfo_memtype_name(uint32_t type);
