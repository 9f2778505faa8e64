/* Boot-information parsers: turn what the loader left at EBX (a multiboot1
 * information structure, a multiboot2 tag list or a PVH hvm_start_info) into
 * one struct boot_info (boot/bootinfo.h).
 *
 * Wire formats and their specs: boot/mb1_reg.h (Multiboot 0.6.96, section
 * 3.3), boot/mb2_reg.h (Multiboot2 1.6, section 3.6), boot/pvh_reg.h (Xen's
 * arch-x86/hvm/start_info.h and docs/misc/pvh.pandoc).
 *
 * A loader is trusted to follow its protocol, not to be bug-free, so:
 *   - the loader's memory is read only through physmem->map(), for exactly
 *     the bytes needed, and each pointer is used only until the next map()
 *     call (so a map() that reuses one window would do);
 *   - every size, count, address and string is checked before use; what
 *     cannot be used is dropped or cut, never read past;
 *   - every problem is reported as one line through the warn callback,
 *     starting with the protocol name ("multiboot2: ...").
 * Only a missing or unreadable main structure, a wrong PVH magic or version,
 * or a memory map with no usable RAM is fatal (negative errno): the kernel
 * cannot go on without memory.
 *
 * This file builds freestanding in the kernel and hosted in
 * tests/unit/test_bootinfo.c (under ASan/UBSan). */
#include "boot/bootinfo.h"

#include <stdarg.h>

#include "boot/mb1_reg.h"
#include "boot/mb2_reg.h"
#include "boot/pvh_reg.h"
#include "kernel/errno.h"
#include "lib/fmt.h"

_Static_assert(MB1_LOADER_MAGIC == MULTIBOOT1_LOADER_MAGIC, "multiboot1 magic");
_Static_assert(MB2_LOADER_MAGIC == MULTIBOOT2_LOADER_MAGIC, "multiboot2 magic");
_Static_assert(PVH_START_INFO_MAGIC == PVH_START_MAGIC, "PVH magic");
/* Both multiboot versions and PVH use the E820 numbering for memory types,
 * which boot_info keeps as is (MEM_*). */
_Static_assert(MB1_MEM_AVAILABLE == MEM_USABLE && MB1_MEM_BADRAM == MEM_BAD, "mb1 mem types");
_Static_assert(MB2_MEM_AVAILABLE == MEM_USABLE && MB2_MEM_BADRAM == MEM_BAD, "mb2 mem types");
_Static_assert(PVH_MEMMAP_RAM == MEM_USABLE && PVH_MEMMAP_UNUSABLE == MEM_BAD, "pvh mem types");
/* ...and the multiboot versions number framebuffer types alike. */
_Static_assert(MB1_FB_INDEXED == MB2_FB_INDEXED && MB1_FB_RGB == MB2_FB_RGB &&
               MB1_FB_EGA_TEXT == MB2_FB_EGA_TEXT, "framebuffer types");
_Static_assert(sizeof(struct mb1_fb_rgb) == sizeof(struct mb2_fb_rgb), "rgb info");

/* Sanity limits of ours, not of any spec. */
#define MB2_INFO_MAX       (4u << 20)   /* largest multiboot2 total_size taken */
#define MB1_MMAP_ENTRY_MAX 256u         /* largest multiboot1 mmap entry size */
#define MMAP_SCAN_MAX      4096u        /* memory map entries examined at most */
#define LOWMEM_MAX_KIB     640u         /* mem_lower's ceiling (mb1 section 3.3) */
#define WARN_LEN           160

#define U64(x) ((unsigned long long)(x))

struct parser {
    struct boot_info *bi;
    const struct physmem *pm;
    boot_warn_fn warn;
    const char *name;           /* protocol, prefixes every warning */
    unsigned mmap_scanned;      /* memory map entries examined so far */
    bool has_meminfo;           /* mem_lower/mem_upper seen (mb1 flag 0, mb2 tag 4) */
    uint32_t mem_lower, mem_upper;
};

__attribute__((format(printf, 2, 3)))
static void warnf(struct parser *p, const char *fmt, ...)
{
    char msg[WARN_LEN];
    va_list ap;

    if (!p->warn)
        return;
    int n = fmt_snprintf(msg, sizeof msg, "%s: ", p->name);
    va_start(ap, fmt);
    fmt_vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    p->warn(msg);
}

/* Map [phys, phys+len) of the loader's memory, or NULL. Ranges that are
 * empty or wrap past 2^64 are refused here, so map() never sees them. */
static const void *rd(struct parser *p, uint64_t phys, uint64_t len)
{
    if (len == 0 || len - 1 > UINT64_MAX - phys)
        return NULL;
    return p->pm->map(p->pm->ctx, phys, len);
}

/* Map element i of an array of size-byte elements at base. */
static const void *rd_elem(struct parser *p, uint64_t base, uint64_t i, uint64_t size)
{
    if (i > (UINT64_MAX - base) / size)
        return NULL;
    return rd(p, base + i * size, size);
}

/* ---- strings ---------------------------------------------------------- */

enum { STR_TRUNCATED = 1, STR_UNTERMINATED = 2 };

/* Copy the string in src[0, srclen) up to its NUL into dst, cutting it to
 * dstsz - 1 bytes; dst is always NUL-terminated. Returns STR_* flags. */
static int str_copy(char *dst, size_t dstsz, const char *src, size_t srclen)
{
    size_t n = 0;
    int flags = 0;

    while (n < srclen && src[n])
        n++;
    if (n == srclen)
        flags |= STR_UNTERMINATED;
    if (n >= dstsz) {
        n = dstsz - 1;
        flags |= STR_TRUNCATED;
    }
    __builtin_memcpy(dst, src, n);
    dst[n] = 0;
    return flags;
}

/* Copy the C string at physical address phys into dst. It is read one byte
 * per map() call, so a string that ends just before unreadable memory is
 * still found, and no byte past its NUL (or past dstsz) is touched. */
static int str_copy_phys(struct parser *p, char *dst, size_t dstsz, uint64_t phys)
{
    size_t n = 0;

    for (;;) {
        const char *c = n <= UINT64_MAX - phys ? rd(p, phys + n, 1) : NULL;
        if (!c) {
            dst[n] = 0;
            return STR_UNTERMINATED;
        }
        if (*c == 0)
            break;
        if (n == dstsz - 1) {
            dst[n] = 0;
            return STR_TRUNCATED;
        }
        dst[n++] = *c;
    }
    dst[n] = 0;
    return 0;
}

/* Report what str_copy*() found; returns true when the copy is incomplete. */
static bool str_report(struct parser *p, const char *what, int flags,
                       const char *dst, size_t dstsz)
{
    size_t n = 0;

    while (dst[n])
        n++;
    if (flags & STR_UNTERMINATED)
        warnf(p, "%s unterminated or unreadable, kept %zu bytes", what, n);
    else if (flags & STR_TRUNCATED)
        warnf(p, "%s longer than %zu bytes, truncated", what, dstsz - 1);
    return flags != 0;
}

static void cmdline_phys(struct parser *p, uint64_t phys)
{
    struct boot_info *bi = p->bi;
    int f = str_copy_phys(p, bi->cmdline, sizeof bi->cmdline, phys);

    bi->cmdline_truncated = str_report(p, "command line", f, bi->cmdline, sizeof bi->cmdline);
}

static void loader_phys(struct parser *p, uint64_t phys)
{
    struct boot_info *bi = p->bi;
    int f = str_copy_phys(p, bi->loader, sizeof bi->loader, phys);

    str_report(p, "loader name", f, bi->loader, sizeof bi->loader);
}

/* ---- memory map, modules, framebuffer, RSDP ---------------------------- */

static uint32_t mem_type(uint32_t e820)
{
    return e820 >= MEM_USABLE && e820 <= MEM_BAD ? e820 : (uint32_t)MEM_RESERVED;
}

/* Append one memory map entry; empty ones are dropped silently (firmware
 * emits them), ones that wrap past 2^64 with a warning. Returns false when
 * the caller should stop walking its map: the table is full or the map is
 * implausibly long. */
static bool add_region(struct parser *p, uint64_t base, uint64_t len, uint32_t type)
{
    struct boot_info *bi = p->bi;

    if (++p->mmap_scanned > MMAP_SCAN_MAX) {
        warnf(p, "memory map longer than %u entries, ignoring the rest", MMAP_SCAN_MAX);
        bi->mmap_truncated = true;
        return false;
    }
    if (len == 0)
        return true;
    if (len > UINT64_MAX - base) {
        warnf(p, "memory region 0x%llx len 0x%llx wraps past 2^64, dropped", U64(base), U64(len));
        return true;
    }
    if (bi->mmap_count == BOOT_MAX_MMAP) {
        warnf(p, "more than %u memory regions, keeping the first %u",
              BOOT_MAX_MMAP, BOOT_MAX_MMAP);
        bi->mmap_truncated = true;
        return false;
    }
    bi->mmap[bi->mmap_count++] = (struct boot_mem_region){base, len, mem_type(type)};
    return true;
}

/* Without a memory map, both multiboot versions may still give the sizes of
 * conventional memory (from 0) and of extended memory (from 1 MiB, up to the
 * first hole), in KiB: mb1 section 3.3, mb2 section 3.6.3. */
static void mem_fallback(struct parser *p)
{
    uint32_t lower = p->mem_lower;

    warnf(p, "no memory map, using mem_lower %u KiB and mem_upper %u KiB",
          p->mem_lower, p->mem_upper);
    if (lower > LOWMEM_MAX_KIB) {
        warnf(p, "mem_lower %u KiB above %u KiB, clamped", lower, LOWMEM_MAX_KIB);
        lower = LOWMEM_MAX_KIB;
    }
    add_region(p, 0, (uint64_t)lower << 10, MEM_USABLE);
    add_region(p, 1u << 20, (uint64_t)p->mem_upper << 10, MEM_USABLE);
}

/* Append a module [start, end). Returns the slot for its command line, or
 * NULL when the module was dropped. */
static struct boot_module *add_module(struct parser *p, uint64_t start, uint64_t end)
{
    struct boot_info *bi = p->bi;

    if (end < start) {
        warnf(p, "module 0x%llx-0x%llx ends before it starts, dropped", U64(start), U64(end));
        return NULL;
    }
    if (bi->module_count == BOOT_MAX_MODULES) {
        if (!bi->modules_truncated)
            warnf(p, "more than %u modules, keeping the first %u",
                  BOOT_MAX_MODULES, BOOT_MAX_MODULES);
        bi->modules_truncated = true;
        return NULL;
    }
    struct boot_module *m = &bi->modules[bi->module_count++];
    m->start = start;
    m->end = end;
    return m;
}

static void module_cmdline_phys(struct parser *p, struct boot_module *m, uint64_t phys)
{
    int f = str_copy_phys(p, m->cmdline, sizeof m->cmdline, phys);

    str_report(p, "module command line", f, m->cmdline, sizeof m->cmdline);
}

/* Set bi->fb.type from a multiboot framebuffer_type (0 indexed, 1 RGB with
 * six bytes of channel positions/sizes at rgb, 2 EGA text); the other fields
 * are already filled. An unusable framebuffer is cleared. */
static void fb_set_type(struct parser *p, uint8_t raw, const uint8_t *rgb)
{
    struct boot_fb *fb = &p->bi->fb;

    switch (raw) {
    case MB2_FB_INDEXED:
        fb->type = FB_INDEXED;
        return;
    case MB2_FB_EGA_TEXT:
        fb->type = FB_EGA_TEXT;
        return;
    case MB2_FB_RGB:
        if (!rgb) {
            warnf(p, "RGB framebuffer without color info, ignored");
            break;
        }
        fb->type = FB_RGB;
        fb->red_pos = rgb[0];
        fb->red_size = rgb[1];
        fb->green_pos = rgb[2];
        fb->green_size = rgb[3];
        fb->blue_pos = rgb[4];
        fb->blue_size = rgb[5];
        return;
    default:
        warnf(p, "unknown framebuffer type %u, ignored", raw);
        break;
    }
    __builtin_memset(fb, 0, sizeof *fb);
}

static void set_rsdp(struct parser *p, uint64_t phys, const uint8_t *src, size_t len)
{
    struct boot_info *bi = p->bi;

    bi->has_rsdp = true;
    bi->rsdp_phys = phys;
    __builtin_memset(bi->rsdp, 0, sizeof bi->rsdp);
    __builtin_memcpy(bi->rsdp, src, len);
    bi->rsdp_len = len;
}

/* ---- multiboot1 (Multiboot 0.6.96, section 3.3) ------------------------ */

/* The loader's structure ends after the last field whose flag bit is set:
 * QEMU's, for one, stops before the framebuffer fields. */
static uint32_t mb1_info_len(uint32_t flags)
{
    static const struct { uint32_t flags, end; } ends[] = {
        {MB1_INFO_MEM, offsetof(struct mb1_info, boot_device)},
        {MB1_INFO_BOOTDEV, offsetof(struct mb1_info, cmdline)},
        {MB1_INFO_CMDLINE, offsetof(struct mb1_info, mods_count)},
        {MB1_INFO_MODS, offsetof(struct mb1_info, syms)},
        {MB1_INFO_AOUT_SYMS | MB1_INFO_ELF_SHDR, offsetof(struct mb1_info, mmap_length)},
        {MB1_INFO_MMAP, offsetof(struct mb1_info, drives_length)},
        {MB1_INFO_DRIVES, offsetof(struct mb1_info, config_table)},
        {MB1_INFO_CONFIG, offsetof(struct mb1_info, boot_loader_name)},
        {MB1_INFO_LOADER, offsetof(struct mb1_info, apm_table)},
        {MB1_INFO_APM, offsetof(struct mb1_info, vbe_control_info)},
        {MB1_INFO_VBE, offsetof(struct mb1_info, framebuffer_addr)},
        {MB1_INFO_FB, sizeof(struct mb1_info)},
    };
    uint32_t len = sizeof(uint32_t);

    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
        if ((flags & ends[i].flags) && ends[i].end > len)
            len = ends[i].end;
    return len;
}

static void mb1_modules(struct parser *p, uint32_t addr, uint32_t count)
{
    if (count > BOOT_MAX_MODULES) {
        warnf(p, "mods_count %u, keeping the first %u", count, BOOT_MAX_MODULES);
        p->bi->modules_truncated = true;
        count = BOOT_MAX_MODULES;
    }
    for (uint32_t i = 0; i < count; i++) {
        const struct mb1_module *src = rd_elem(p, addr, i, sizeof *src);
        if (!src) {
            warnf(p, "module %u at 0x%llx unreadable, ignoring the rest",
                  i, U64(addr) + i * sizeof *src);
            return;
        }
        struct mb1_module m = *src;
        struct boot_module *bm = add_module(p, m.mod_start, m.mod_end);
        if (bm && m.string)
            module_cmdline_phys(p, bm, m.string);
    }
}

/* Walk the memory map: each entry is its `size` field plus `size` bytes, and
 * all must lie within mmap_length. A bad size leaves no way to find the
 * next entry, so the walk stops there. */
static void mb1_mmap(struct parser *p, uint32_t addr, uint32_t length)
{
    uint64_t off = 0;

    while (length - off >= sizeof(uint32_t)) {
        const uint32_t *sizep = rd(p, addr + off, sizeof *sizep);
        if (!sizep) {
            warnf(p, "mmap entry at 0x%llx unreadable, ignoring the rest", U64(addr + off));
            return;
        }
        uint32_t size = *sizep;
        if (size < MB1_MMAP_ENTRY_MIN || size > MB1_MMAP_ENTRY_MAX) {
            warnf(p, "mmap entry at offset 0x%llx has size %u, ignoring the rest", U64(off), size);
            return;
        }
        if (size > length - off - sizeof(uint32_t)) {
            warnf(p, "mmap entry at offset 0x%llx size %u runs past mmap_length %u",
                  U64(off), size, length);
            return;
        }
        /* Map the whole entry as declared, though only 24 bytes are read. */
        const struct mb1_mmap_entry *e = rd(p, addr + off, sizeof(uint32_t) + size);
        if (!e) {
            warnf(p, "mmap entry at 0x%llx unreadable, ignoring the rest", U64(addr + off));
            return;
        }
        if (!add_region(p, e->base_addr, e->length, e->type))
            return;
        off += sizeof(uint32_t) + size;
    }
    if (off != length)
        warnf(p, "%llu stray bytes at the end of the memory map", U64(length - off));
}

static void mb1_fb(struct parser *p, const struct mb1_info *mi)
{
    struct boot_fb *fb = &p->bi->fb;

    fb->addr = mi->framebuffer_addr;
    fb->pitch = mi->framebuffer_pitch;
    fb->width = mi->framebuffer_width;
    fb->height = mi->framebuffer_height;
    fb->bpp = mi->framebuffer_bpp;
    fb_set_type(p, mi->framebuffer_type, mi->color_info);
}

static int parse_mb1(struct parser *p, uint64_t phys)
{
    struct boot_info *bi = p->bi;
    struct mb1_info mi = {0};

    const uint32_t *flagsp = rd(p, phys, sizeof *flagsp);
    if (!flagsp) {
        warnf(p, "boot information at 0x%llx unreadable", U64(phys));
        return -EFAULT;
    }
    uint32_t flags = *flagsp;
    uint32_t len = mb1_info_len(flags);
    const void *src = rd(p, phys, len);
    if (!src) {
        warnf(p, "boot information 0x%llx+%u (flags 0x%x) unreadable", U64(phys), len, flags);
        return -EFAULT;
    }
    /* Work on a copy, zero beyond what the loader provided. */
    __builtin_memcpy(&mi, src, len);
    bi->info_phys = phys;
    bi->info_len = len;

    if ((mi.flags & MB1_INFO_CMDLINE) && mi.cmdline)
        cmdline_phys(p, mi.cmdline);
    if ((mi.flags & MB1_INFO_LOADER) && mi.boot_loader_name)
        loader_phys(p, mi.boot_loader_name);
    if (mi.flags & MB1_INFO_MODS)
        mb1_modules(p, mi.mods_addr, mi.mods_count);
    if (mi.flags & MB1_INFO_MMAP)
        mb1_mmap(p, mi.mmap_addr, mi.mmap_length);
    if (mi.flags & MB1_INFO_MEM) {
        p->has_meminfo = true;
        p->mem_lower = mi.mem_lower;
        p->mem_upper = mi.mem_upper;
    }
    if (mi.flags & MB1_INFO_FB)
        mb1_fb(p, &mi);
    return 0;
}

/* ---- multiboot2 (Multiboot2 1.6, section 3.6) -------------------------- */

/* The tag walk has checked that t->size bytes are readable; a handler checks
 * that they cover the fields it reads. */
static bool mb2_min(struct parser *p, const struct mb2_tag *t, uint32_t min)
{
    if (t->size >= min)
        return true;
    warnf(p, "tag type %u size %u too small (need %u), ignored", t->type, t->size, min);
    return false;
}

static void mb2_string(struct parser *p, const struct mb2_tag *t)
{
    struct boot_info *bi = p->bi;
    const struct mb2_tag_string *s = (const void *)t;
    size_t len = t->size - sizeof *s;

    if (t->type == MB2_INFO_CMDLINE) {
        int f = str_copy(bi->cmdline, sizeof bi->cmdline, s->string, len);
        bi->cmdline_truncated =
            str_report(p, "command line", f, bi->cmdline, sizeof bi->cmdline);
    } else {
        int f = str_copy(bi->loader, sizeof bi->loader, s->string, len);
        str_report(p, "loader name", f, bi->loader, sizeof bi->loader);
    }
}

static void mb2_module(struct parser *p, const struct mb2_tag *t)
{
    const struct mb2_tag_module *m = (const void *)t;

    if (!mb2_min(p, t, sizeof *m))
        return;
    struct boot_module *bm = add_module(p, m->mod_start, m->mod_end);
    if (!bm)
        return;
    int f = str_copy(bm->cmdline, sizeof bm->cmdline, m->cmdline, t->size - sizeof *m);
    str_report(p, "module command line", f, bm->cmdline, sizeof bm->cmdline);
}

static void mb2_meminfo(struct parser *p, const struct mb2_tag *t)
{
    const struct mb2_tag_meminfo *m = (const void *)t;

    if (!mb2_min(p, t, sizeof *m))
        return;
    p->has_meminfo = true;
    p->mem_lower = m->mem_lower;
    p->mem_upper = m->mem_upper;
}

/* Section 3.6.8: entry_size lets later versions grow the entry, so the
 * stride is entry_size, never sizeof(struct mb2_mmap_entry). */
static void mb2_mmap(struct parser *p, const struct mb2_tag *t)
{
    const struct mb2_tag_mmap *m = (const void *)t;

    if (!mb2_min(p, t, sizeof *m))
        return;
    if (m->entry_size < sizeof(struct mb2_mmap_entry)) {
        warnf(p, "mmap entry_size %u < %zu, tag ignored",
              m->entry_size, sizeof(struct mb2_mmap_entry));
        return;
    }
    uint32_t room = t->size - sizeof *m;
    uint32_t n = room / m->entry_size;
    if (room % m->entry_size)
        warnf(p, "mmap tag has %u stray bytes after %u entries of %u bytes",
              room % m->entry_size, n, m->entry_size);
    const uint8_t *first = (const uint8_t *)m + sizeof *m;
    for (uint32_t i = 0; i < n; i++) {
        const struct mb2_mmap_entry *e = (const void *)(first + (size_t)i * m->entry_size);
        if (!add_region(p, e->base_addr, e->length, e->type))
            return;
    }
}

static void mb2_fb(struct parser *p, const struct mb2_tag *t)
{
    const struct mb2_tag_fb *f = (const void *)t;
    struct boot_fb *fb = &p->bi->fb;

    if (!mb2_min(p, t, sizeof *f))
        return;
    fb->addr = f->addr;
    fb->pitch = f->pitch;
    fb->width = f->width;
    fb->height = f->height;
    fb->bpp = f->bpp;
    bool has_rgb = t->size >= sizeof *f + sizeof(struct mb2_fb_rgb);
    fb_set_type(p, f->fb_type, has_rgb ? f->color_info : NULL);
}

static void mb2_efi_systab(struct parser *p, const struct mb2_tag *t)
{
    p->bi->efi = true;
    if (t->type == MB2_INFO_EFI32) {
        const struct mb2_tag_efi32 *e = (const void *)t;
        if (mb2_min(p, t, sizeof *e))
            p->bi->efi_systab = e->pointer;
    } else {
        const struct mb2_tag_efi64 *e = (const void *)t;
        if (mb2_min(p, t, sizeof *e))
            p->bi->efi_systab = e->pointer;
    }
}

/* Sections 3.6.16/3.6.17: the tags hold a copy of the RSDP, not its address.
 * The ACPI 2.0 copy wins over the 1.0 one whatever their order. */
static void mb2_acpi(struct parser *p, const struct mb2_tag *t)
{
    const struct mb2_tag_acpi *a = (const void *)t;
    bool v2 = t->type == MB2_INFO_ACPI_NEW;
    uint32_t have = t->size - sizeof *a;
    uint32_t want = v2 ? MB2_RSDP_V2_LEN : MB2_RSDP_V1_LEN;

    if (have < MB2_RSDP_V1_LEN) {
        warnf(p, "ACPI tag type %u holds %u bytes, an RSDP needs %u, ignored",
              t->type, have, want);
        return;
    }
    if (have < want) {
        warnf(p, "ACPI 2.0 RSDP copy is only %u bytes, keeping its first %u",
              have, MB2_RSDP_V1_LEN);
        want = MB2_RSDP_V1_LEN;
    }
    if (!v2 && p->bi->rsdp_len > MB2_RSDP_V1_LEN)
        return;
    set_rsdp(p, 0, a->rsdp, want);
}

static void mb2_tag(struct parser *p, const struct mb2_tag *t)
{
    switch (t->type) {
    case MB2_INFO_CMDLINE:
    case MB2_INFO_LOADER_NAME:
        mb2_string(p, t);
        break;
    case MB2_INFO_MODULE:
        mb2_module(p, t);
        break;
    case MB2_INFO_BASIC_MEM:
        mb2_meminfo(p, t);
        break;
    case MB2_INFO_MMAP:
        mb2_mmap(p, t);
        break;
    case MB2_INFO_FRAMEBUFFER:
        mb2_fb(p, t);
        break;
    case MB2_INFO_EFI32:
    case MB2_INFO_EFI64:
        mb2_efi_systab(p, t);
        break;
    case MB2_INFO_EFI_MMAP:
    case MB2_INFO_EFI_BS:
    case MB2_INFO_EFI32_IH:
    case MB2_INFO_EFI64_IH:
        p->bi->efi = true;
        break;
    case MB2_INFO_ACPI_OLD:
    case MB2_INFO_ACPI_NEW:
        mb2_acpi(p, t);
        break;
    default:
        break;  /* other and unknown tags are legal: skip them */
    }
}

/* Walk the tags in base[8, total): each starts 8-byte aligned, has a size
 * of at least its 8-byte header and lies within total_size. A bad tag
 * leaves no way to find the next one, so the walk stops there. */
static void mb2_walk(struct parser *p, const uint8_t *base, uint32_t total)
{
    uint32_t off = sizeof(struct mb2_info);

    while (off < total && total - off >= sizeof(struct mb2_tag)) {
        const struct mb2_tag *t = (const void *)(base + off);
        if (t->size < sizeof *t) {
            warnf(p, "tag type %u at offset 0x%x has size %u < 8, ignoring the rest",
                  t->type, off, t->size);
            return;
        }
        if (t->size > total - off) {
            warnf(p, "tag type %u size 0x%x runs past total_size 0x%x",
                  t->type, t->size, total);
            return;
        }
        if (t->type == MB2_INFO_END)
            return;
        mb2_tag(p, t);
        off += (t->size + MB2_TAG_ALIGN - 1) & ~(uint32_t)(MB2_TAG_ALIGN - 1);
    }
    warnf(p, "no end tag within total_size 0x%x", total);
}

static int parse_mb2(struct parser *p, uint64_t phys)
{
    const struct mb2_info *hdr = rd(p, phys, sizeof *hdr);

    if (!hdr) {
        warnf(p, "boot information at 0x%llx unreadable", U64(phys));
        return -EFAULT;
    }
    uint32_t total = hdr->total_size;
    if (phys % MB2_TAG_ALIGN)
        warnf(p, "boot information at 0x%llx is not 8-byte aligned", U64(phys));
    if (total < sizeof *hdr + sizeof(struct mb2_tag) || total > MB2_INFO_MAX) {
        warnf(p, "total_size 0x%x out of range [0x%zx, 0x%x]",
              total, sizeof *hdr + sizeof(struct mb2_tag), MB2_INFO_MAX);
        return -EINVAL;
    }
    const uint8_t *base = rd(p, phys, total);
    if (!base) {
        warnf(p, "boot information 0x%llx+0x%x unreadable", U64(phys), total);
        return -EFAULT;
    }
    p->bi->info_phys = phys;
    p->bi->info_len = total;
    mb2_walk(p, base, total);
    return 0;
}

/* ---- PVH (Xen arch-x86/hvm/start_info.h) -------------------------------- */

static void pvh_modules(struct parser *p, uint64_t list, uint32_t count)
{
    if (count > BOOT_MAX_MODULES) {
        warnf(p, "nr_modules %u, keeping the first %u", count, BOOT_MAX_MODULES);
        p->bi->modules_truncated = true;
        count = BOOT_MAX_MODULES;
    }
    if (!list) {
        warnf(p, "nr_modules %u but modlist_paddr is 0", count);
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        const struct pvh_modlist_entry *src = rd_elem(p, list, i, sizeof *src);
        if (!src) {
            warnf(p, "module %u unreadable, ignoring the rest", i);
            return;
        }
        struct pvh_modlist_entry e = *src;
        if (e.size > UINT64_MAX - e.paddr) {
            warnf(p, "module %u at 0x%llx size 0x%llx wraps past 2^64, dropped",
                  i, U64(e.paddr), U64(e.size));
            continue;
        }
        struct boot_module *bm = add_module(p, e.paddr, e.paddr + e.size);
        if (bm && e.cmdline_paddr)
            module_cmdline_phys(p, bm, e.cmdline_paddr);
    }
}

static void pvh_memmap(struct parser *p, uint64_t table, uint32_t count)
{
    if (!table || !count) {
        warnf(p, "no memory map (memmap_paddr 0x%llx, memmap_entries %u)", U64(table), count);
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        const struct pvh_memmap_entry *e = rd_elem(p, table, i, sizeof *e);
        if (!e) {
            warnf(p, "memmap entry %u of %u unreadable, ignoring the rest", i, count);
            return;
        }
        if (!add_region(p, e->addr, e->size, e->type))
            return;
    }
}

/* rsdp_paddr points at the RSDP itself: keep its address and a copy, 36
 * bytes when they are readable and the revision (byte 15) says ACPI 2.0+,
 * else the 20-byte ACPI 1.0 part. */
static void pvh_rsdp(struct parser *p, uint64_t phys)
{
    size_t len = PVH_RSDP_V2_LEN;
    const uint8_t *r = rd(p, phys, len);

    if (!r) {
        len = PVH_RSDP_V1_LEN;
        r = rd(p, phys, len);
    }
    if (!r) {
        warnf(p, "RSDP at 0x%llx unreadable, keeping only its address", U64(phys));
        p->bi->has_rsdp = true;
        p->bi->rsdp_phys = phys;
        return;
    }
    if (r[PVH_RSDP_REVISION_OFF] < 2)
        len = PVH_RSDP_V1_LEN;
    set_rsdp(p, phys, r, len);
}

static int parse_pvh(struct parser *p, uint64_t phys)
{
    struct pvh_start_info si = {0};
    const void *src = rd(p, phys, PVH_START_INFO_V0_SIZE);

    if (!src) {
        warnf(p, "start_info at 0x%llx unreadable", U64(phys));
        return -EFAULT;
    }
    __builtin_memcpy(&si, src, PVH_START_INFO_V0_SIZE);
    if (si.magic != PVH_START_INFO_MAGIC) {
        warnf(p, "start_info magic 0x%08x, expected 0x%08x", si.magic, PVH_START_INFO_MAGIC);
        return -EINVAL;
    }
    p->bi->info_phys = phys;
    p->bi->info_len = PVH_START_INFO_V0_SIZE;
    if (si.version < 1) {
        warnf(p, "start_info version 0 has no memory map, cannot boot (need version >= 1)");
        return -EINVAL;
    }
    src = rd(p, phys, PVH_START_INFO_V1_SIZE);
    if (!src) {
        warnf(p, "start_info 0x%llx+%zu unreadable", U64(phys), PVH_START_INFO_V1_SIZE);
        return -EFAULT;
    }
    __builtin_memcpy(&si, src, PVH_START_INFO_V1_SIZE);
    p->bi->info_len = PVH_START_INFO_V1_SIZE;

    if (si.cmdline_paddr)
        cmdline_phys(p, si.cmdline_paddr);
    if (si.nr_modules)
        pvh_modules(p, si.modlist_paddr, si.nr_modules);
    pvh_memmap(p, si.memmap_paddr, si.memmap_entries);
    if (si.rsdp_paddr)
        pvh_rsdp(p, si.rsdp_paddr);
    return 0;
}

/* ---- entry point ------------------------------------------------------- */

static bool has_usable(const struct boot_info *bi)
{
    for (size_t i = 0; i < bi->mmap_count; i++)
        if (bi->mmap[i].type == MEM_USABLE)
            return true;
    return false;
}

int bootinfo_parse(struct boot_info *bi, uint32_t magic, uint64_t info_phys,
                   const struct physmem *pm, boot_warn_fn warn)
{
    struct parser p = {.bi = bi, .pm = pm, .warn = warn, .name = "bootinfo"};
    int (*parse)(struct parser *, uint64_t);

    __builtin_memset(bi, 0, sizeof *bi);
    switch (magic) {
    case MULTIBOOT1_LOADER_MAGIC: bi->proto = BOOT_MULTIBOOT1; parse = parse_mb1; break;
    case MULTIBOOT2_LOADER_MAGIC: bi->proto = BOOT_MULTIBOOT2; parse = parse_mb2; break;
    case PVH_START_MAGIC:         bi->proto = BOOT_PVH;        parse = parse_pvh; break;
    default:
        warnf(&p, "unknown loader magic 0x%08x", magic);
        return -EINVAL;
    }
    p.name = bootinfo_proto_name(bi->proto);
    if (!pm || !pm->map) {
        warnf(&p, "no physical memory accessor");
        return -EINVAL;
    }
    int rc = parse(&p, info_phys);
    if (rc < 0)
        return rc;
    if (bi->mmap_count == 0 && p.has_meminfo)
        mem_fallback(&p);
    if (!has_usable(bi)) {
        warnf(&p, "no usable memory in the memory map, cannot boot");
        return -EINVAL;
    }
    return 0;
}

const char *bootinfo_proto_name(enum boot_proto proto)
{
    switch (proto) {
    case BOOT_MULTIBOOT1: return "multiboot1";
    case BOOT_MULTIBOOT2: return "multiboot2";
    case BOOT_PVH:        return "pvh";
    default:              return "none";
    }
}

const char *bootinfo_memtype_name(uint32_t type)
{
    static const char *const names[] = {
        [MEM_USABLE] = "usable",
        [MEM_RESERVED] = "reserved",
        [MEM_ACPI_RECLAIM] = "acpi-reclaim",
        [MEM_ACPI_NVS] = "acpi-nvs",
        [MEM_BAD] = "bad",
    };

    if (type >= sizeof names / sizeof names[0] || !names[type])
        return "unknown";
    return names[type];
}
