/* Host tests for the boot-information parsers (boot/bootinfo.c) and the
 * boot-structure recorder (boot/bootdump.c).
 *
 * The loader's "physical memory" is a set of fake regions. Every map() call
 * returns a fresh malloc'd copy of exactly the bytes asked for, so ASan
 * catches any read past what the parser mapped, not only past a region.
 *
 * Captured boots: the *.txt files in tests/data/bootinfo (or $BOOTINFO_DATA) hold the
 * output of a kernel booted with `bootdump` (format in boot/bootdump.h;
 * other text on a line before "bootdump: " and other lines are ignored). A
 * file may also carry a line "expect-cmdline: <text>" with the command line
 * the loader was given. */
#include "tests/unit/test.h"

#include <stdarg.h>

#include "boot/bootdump.h"
#include "boot/bootinfo.h"
#include "boot/mb1_reg.h"
#include "boot/mb2_reg.h"
#include "boot/pvh_reg.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "tests/unit/fakemem.h"

/* ---- fake physical memory (tests/unit/fakemem.h) ------------------------ */

static struct fakemem M;

/* ---- warnings ------------------------------------------------------------ */

#define MAX_WARNS 64
static char warns[MAX_WARNS][256];
static int nwarn;

static void cap_warn(const char *msg)
{
    static const char *const prefixes[] = {"multiboot1: ", "multiboot2: ", "pvh: ", "bootinfo: "};
    bool ok = false;

    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        ok |= strncmp(msg, prefixes[i], strlen(prefixes[i])) == 0;
    if (!ok)
        test_fail(__FILE__, __LINE__, msg);
    if (getenv("BOOTINFO_VERBOSE"))
        printf("     warn: %s\n", msg);
    if (nwarn < MAX_WARNS)
        snprintf(warns[nwarn], sizeof warns[0], "%s", msg);
    nwarn++;
}

static bool warned(const char *sub)
{
    for (int i = 0; i < nwarn && i < MAX_WARNS; i++)
        if (strstr(warns[i], sub))
            return true;
    return false;
}

/* ---- parse helpers ------------------------------------------------------- */

/* test.h's CHECK_STR formats both strings into 512 bytes; hiding the array
 * sizes keeps gcc's -Wformat-truncation quiet about boot_info's 1 KiB one. */
__attribute__((noinline)) static const char *str(const char *s) { return s; }

static struct boot_info bi;

static int parse(uint32_t magic, uint64_t phys)
{
    struct physmem pm = fakemem_physmem(&M);

    nwarn = 0;
    return bootinfo_parse(&bi, magic, phys, &pm, cap_warn);
}

static bool terminated(const char *s, size_t size)
{
    return memchr(s, 0, size) != NULL;
}

/* What must hold after any parse, however bad the input. */
static void check_invariants(const struct boot_info *b)
{
    CHECK(b->mmap_count <= BOOT_MAX_MMAP);
    CHECK(b->module_count <= BOOT_MAX_MODULES);
    CHECK(b->rsdp_len <= sizeof b->rsdp);
    CHECK(terminated(b->cmdline, sizeof b->cmdline));
    CHECK(terminated(b->loader, sizeof b->loader));
    for (size_t i = 0; i < b->module_count && i < BOOT_MAX_MODULES; i++) {
        CHECK(terminated(b->modules[i].cmdline, sizeof b->modules[i].cmdline));
        CHECK(b->modules[i].end >= b->modules[i].start);
    }
    for (size_t i = 0; i < b->mmap_count && i < BOOT_MAX_MMAP; i++) {
        CHECK(b->mmap[i].len != 0);
        CHECK(b->mmap[i].len <= UINT64_MAX - b->mmap[i].base);
        CHECK(b->mmap[i].type >= MEM_USABLE && b->mmap[i].type <= MEM_BAD);
    }
}

static bool has_usable(const struct boot_info *b)
{
    for (size_t i = 0; i < b->mmap_count; i++)
        if (b->mmap[i].type == MEM_USABLE)
            return true;
    return false;
}

/* ---- byte builder -------------------------------------------------------- */

struct blob {
    uint8_t *b;
    size_t len, cap;
};

static void put(struct blob *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->b = realloc(b->b, b->cap);
    }
    memcpy(b->b + b->len, p, n);
    b->len += n;
}

static void put8(struct blob *b, uint8_t v) { put(b, &v, 1); }
static void put16(struct blob *b, uint16_t v) { put(b, &v, 2); }
static void put32(struct blob *b, uint32_t v) { put(b, &v, 4); }
static void put64(struct blob *b, uint64_t v) { put(b, &v, 8); }
static void putstr(struct blob *b, const char *s) { put(b, s, strlen(s) + 1); }
static void put32_at(struct blob *b, size_t off, uint32_t v) { memcpy(b->b + off, &v, 4); }

static void pad8(struct blob *b)
{
    while (b->len % 8)
        put8(b, 0);
}

static void blob_free(struct blob *b)
{
    free(b->b);
    memset(b, 0, sizeof *b);
}

/* ---- sample data shared by the protocols --------------------------------- */

#define INFO_PHYS   0x10000u
#define CMD_PHYS    0x20000u
#define LDR_PHYS    0x21000u
#define MODS_PHYS   0x30000u
#define MODCMD_PHYS 0x31000u
#define MMAP_PHYS   0x40000u
#define RSDP_PHYS   0xE0000u

#define SAMPLE_CMDLINE "console=ttyS0 loglevel=4 bootdump"
#define SAMPLE_LOADER  "GRUB 2.12"
#define SAMPLE_MODCMD  "initrd.img arg=1"

static const struct {
    uint64_t base, len;
    uint32_t type;
} sample_map[] = {
    {0x0, 0x9fc00, 1},
    {0x9fc00, 0x400, 2},
    {0xf0000, 0x10000, 2},
    {0x100000, 0x7ee0000, 1},
    {0x7fe0000, 0x20000, 3},
    {0xfffc0000, 0x40000, 2},
    {0x160000000, 0, 1},                /* empty: dropped */
    {0x100000000, 0x40000000, 1},
    {0x140000000, 0x1000, 4},
    {0x150000000, 0x1000, 5},
    {0x170000000, 0x1000, 7},           /* PMEM / unknown: reserved */
};
#define SAMPLE_MAP_N (sizeof sample_map / sizeof sample_map[0])

static void check_sample_map(void)
{
    REQUIRE(bi.mmap_count == SAMPLE_MAP_N - 1);
    CHECK(!bi.mmap_truncated);
    size_t j = 0;
    for (size_t i = 0; i < SAMPLE_MAP_N; i++) {
        if (sample_map[i].len == 0)
            continue;
        CHECK_EQ(bi.mmap[j].base, sample_map[i].base);
        CHECK_EQ(bi.mmap[j].len, sample_map[i].len);
        CHECK_EQ(bi.mmap[j].type, sample_map[i].type <= 5 ? sample_map[i].type : MEM_RESERVED);
        j++;
    }
}

static void make_rsdp(uint8_t *r, size_t len, uint8_t revision)
{
    for (size_t i = 0; i < len; i++)
        r[i] = (uint8_t)(0x40 + i);
    memcpy(r, "RSD PTR ", 8);
    if (len > 15)
        r[15] = revision;
}

/* ---- multiboot2 samples -------------------------------------------------- */

static size_t tag_begin(struct blob *b, uint32_t type)
{
    size_t at = b->len;
    put32(b, type);
    put32(b, 0);
    return at;
}

static void tag_end(struct blob *b, size_t at)
{
    put32_at(b, at + 4, (uint32_t)(b->len - at));
    pad8(b);
}

static void tag_str(struct blob *b, uint32_t type, const char *s)
{
    size_t t = tag_begin(b, type);
    putstr(b, s);
    tag_end(b, t);
}

static void tag_module(struct blob *b, uint32_t start, uint32_t end, const char *cmd)
{
    size_t t = tag_begin(b, MB2_INFO_MODULE);
    put32(b, start);
    put32(b, end);
    putstr(b, cmd);
    tag_end(b, t);
}

static void tag_sample_mmap(struct blob *b, uint32_t entry_size)
{
    size_t t = tag_begin(b, MB2_INFO_MMAP);
    put32(b, entry_size);
    put32(b, 0);
    for (size_t i = 0; i < SAMPLE_MAP_N; i++) {
        put64(b, sample_map[i].base);
        put64(b, sample_map[i].len);
        put32(b, sample_map[i].type);
        for (uint32_t k = 20; k < entry_size; k++)
            put8(b, 0xee);
    }
    tag_end(b, t);
}

static void tag_fb(struct blob *b, uint8_t type, bool rgb)
{
    size_t t = tag_begin(b, MB2_INFO_FRAMEBUFFER);
    put64(b, type == MB2_FB_EGA_TEXT ? 0xb8000 : 0xfd000000);
    put32(b, type == MB2_FB_EGA_TEXT ? 160 : 4096);
    put32(b, type == MB2_FB_EGA_TEXT ? 80 : 1024);
    put32(b, type == MB2_FB_EGA_TEXT ? 25 : 768);
    put8(b, type == MB2_FB_EGA_TEXT ? 16 : 32);
    put8(b, type);
    put16(b, 0);
    if (rgb) {
        static const uint8_t info[6] = {16, 8, 8, 8, 0, 8};
        put(b, info, sizeof info);
        put16(b, 0);            /* GRUB's tag is 40 bytes */
    }
    tag_end(b, t);
}

static void tag_acpi(struct blob *b, uint32_t type, size_t len, uint8_t revision)
{
    uint8_t r[64];
    size_t t = tag_begin(b, type);
    make_rsdp(r, len, revision);
    put(b, r, len);
    tag_end(b, t);
}

static void mb2_begin(struct blob *b)
{
    put32(b, 0);                /* total_size, set by mb2_finish */
    put32(b, 0);
}

static void mb2_finish(struct blob *b)
{
    size_t t = tag_begin(b, MB2_INFO_END);
    tag_end(b, t);
    put32_at(b, 0, (uint32_t)b->len);
}

static void mb2_add(struct blob *b)
{
    fakemem_add(&M, INFO_PHYS, b->b, b->len);
    blob_free(b);
}

/* A GRUB-like UEFI boot with every tag we read, plus tags we skip. */
static void build_mb2_sample(void)
{
    struct blob b = {0};

    mb2_begin(&b);
    tag_str(&b, MB2_INFO_CMDLINE, SAMPLE_CMDLINE);
    tag_str(&b, MB2_INFO_LOADER_NAME, SAMPLE_LOADER);
    tag_module(&b, 0x200000, 0x280000, SAMPLE_MODCMD);
    tag_module(&b, 0x300000, 0x300000, "");
    size_t t = tag_begin(&b, MB2_INFO_BASIC_MEM);
    put32(&b, 639);
    put32(&b, 130048);
    tag_end(&b, t);
    t = tag_begin(&b, 99);      /* unknown type: skipped */
    put32(&b, 0xdeadbeef);
    tag_end(&b, t);
    tag_sample_mmap(&b, 24);
    tag_fb(&b, MB2_FB_RGB, true);
    t = tag_begin(&b, MB2_INFO_EFI64);
    put64(&b, 0x7f9e0018);
    tag_end(&b, t);
    t = tag_begin(&b, MB2_INFO_EFI_BS);
    tag_end(&b, t);
    tag_acpi(&b, MB2_INFO_ACPI_NEW, 36, 2);
    tag_acpi(&b, MB2_INFO_ACPI_OLD, 20, 0);
    mb2_finish(&b);
    mb2_add(&b);
}

static void check_mb2_sample(void)
{
    CHECK_EQ(bi.proto, BOOT_MULTIBOOT2);
    CHECK_STR(str(bi.cmdline), SAMPLE_CMDLINE);
    CHECK(!bi.cmdline_truncated);
    CHECK_STR(str(bi.loader), SAMPLE_LOADER);
    REQUIRE(bi.module_count == 2);
    CHECK_EQ(bi.modules[0].start, 0x200000);
    CHECK_EQ(bi.modules[0].end, 0x280000);
    CHECK_STR(str(bi.modules[0].cmdline), SAMPLE_MODCMD);
    CHECK_STR(str(bi.modules[1].cmdline), "");
    check_sample_map();
    CHECK_EQ(bi.fb.type, FB_RGB);
    CHECK_EQ(bi.fb.addr, 0xfd000000);
    CHECK_EQ(bi.fb.pitch, 4096);
    CHECK_EQ(bi.fb.width, 1024);
    CHECK_EQ(bi.fb.height, 768);
    CHECK_EQ(bi.fb.bpp, 32);
    CHECK_EQ(bi.fb.red_pos, 16);
    CHECK_EQ(bi.fb.green_pos, 8);
    CHECK_EQ(bi.fb.blue_pos, 0);
    CHECK_EQ(bi.fb.blue_size, 8);
    CHECK(bi.efi);
    CHECK_EQ(bi.efi_systab, 0x7f9e0018);
    CHECK(bi.has_rsdp);
    CHECK_EQ(bi.rsdp_phys, 0);
    CHECK_EQ(bi.rsdp_len, 36);
    CHECK(memcmp(bi.rsdp, "RSD PTR ", 8) == 0);
    CHECK_EQ(bi.rsdp[15], 2);
    CHECK_EQ(bi.info_phys, INFO_PHYS);
}

TEST(mb2_valid)
{
    fakemem_reset(&M);
    build_mb2_sample();
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(nwarn, 0);
    check_mb2_sample();
    CHECK_EQ(bi.info_len, M.r[0].len);
    check_invariants(&bi);
    fakemem_reset(&M);
}

/* A larger entry_size (a future entry version) is stepped over. */
TEST(mb2_mmap_entry_size_32)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 32);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(nwarn, 0);
    check_sample_map();
    fakemem_reset(&M);
}

TEST(mb2_fb_ega_and_acpi_old)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    tag_fb(&b, MB2_FB_EGA_TEXT, false);
    tag_acpi(&b, MB2_INFO_ACPI_OLD, 20, 0);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(nwarn, 0);
    CHECK_EQ(bi.fb.type, FB_EGA_TEXT);
    CHECK_EQ(bi.fb.addr, 0xb8000);
    CHECK_EQ(bi.fb.width, 80);
    CHECK_EQ(bi.fb.height, 25);
    CHECK(bi.has_rsdp);
    CHECK_EQ(bi.rsdp_len, 20);
    CHECK_EQ(bi.rsdp_phys, 0);
    CHECK(!bi.efi);
    CHECK_STR(str(bi.cmdline), "");
    CHECK_STR(str(bi.loader), "");
    fakemem_reset(&M);
}

/* The ACPI 2.0 copy wins even when the 1.0 tag comes after... or before. */
TEST(mb2_acpi_old_then_new)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    tag_acpi(&b, MB2_INFO_ACPI_OLD, 20, 0);
    tag_acpi(&b, MB2_INFO_ACPI_NEW, 36, 2);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.rsdp_len, 36);
    CHECK_EQ(bi.rsdp[15], 2);
    fakemem_reset(&M);
}

TEST(mb2_acpi_too_short)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    tag_acpi(&b, MB2_INFO_ACPI_OLD, 12, 0);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(!bi.has_rsdp);
    CHECK(warned("an RSDP needs"));
    fakemem_reset(&M);
}

TEST(mb2_fb_indexed_and_rgb_without_info)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    tag_fb(&b, MB2_FB_RGB, false);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.fb.type, FB_NONE);
    CHECK_EQ(bi.fb.addr, 0);
    CHECK(warned("without color info"));

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    tag_fb(&b, MB2_FB_INDEXED, false);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.fb.type, FB_INDEXED);
    fakemem_reset(&M);
}

TEST(mb2_total_size_too_small)
{
    uint32_t hdr[3] = {4, 0, 0};

    fakemem_reset(&M);
    fakemem_add(&M, INFO_PHYS, hdr, sizeof hdr);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), -EINVAL);
    CHECK(warned("total_size 0x4 out of range"));
    CHECK_EQ(bi.proto, BOOT_MULTIBOOT2);
    hdr[0] = 0x7fffffff;        /* absurd */
    fakemem_reset(&M);
    fakemem_add(&M, INFO_PHYS, hdr, sizeof hdr);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), -EINVAL);
    fakemem_reset(&M);
}

/* total_size claims more than the loader's memory holds. */
TEST(mb2_total_size_truncated)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    mb2_finish(&b);
    put32_at(&b, 0, (uint32_t)b.len + 64);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), -EFAULT);
    CHECK(warned("unreadable"));
    fakemem_reset(&M);
}

TEST(mb2_unmapped_info)
{
    fakemem_reset(&M);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), -EFAULT);
    CHECK(warned("multiboot2: boot information at 0x10000 unreadable"));
    CHECK(parse(MULTIBOOT2_LOADER_MAGIC, UINT64_MAX - 3) < 0);
}

/* A tag of size < 8 stops the walk; what came before is kept. */
TEST(mb2_tag_size_too_small)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    put32(&b, MB2_INFO_CMDLINE);
    put32(&b, 4);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("has size 4 < 8"));
    check_sample_map();

    /* size 0 first: nothing usable, boot cannot go on */
    fakemem_reset(&M);
    mb2_begin(&b);
    put32(&b, MB2_INFO_MMAP);
    put32(&b, 0);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), -EINVAL);
    CHECK(warned("has size 0 < 8"));
    CHECK(warned("no usable memory"));
    fakemem_reset(&M);
}

TEST(mb2_tag_past_end)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    size_t t = tag_begin(&b, MB2_INFO_MMAP);
    put32(&b, 24);
    put32(&b, 0);
    pad8(&b);
    put32_at(&b, t + 4, 0x10);
    put32_at(&b, 0, (uint32_t)(t + 8));     /* total_size cuts the tag */
    b.len = t + 8;
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    char want[96];
    snprintf(want, sizeof want, "multiboot2: tag type 6 size 0x10 runs past total_size 0x%zx", t + 8);
    CHECK(warned(want));
    check_sample_map();
    fakemem_reset(&M);
}

TEST(mb2_no_end_tag)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    put32_at(&b, 0, (uint32_t)b.len);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("no end tag"));
    check_sample_map();
    fakemem_reset(&M);
}

static void mb2_one_mmap(uint32_t entry_size, uint32_t payload)
{
    struct blob b = {0};

    mb2_begin(&b);
    size_t t = tag_begin(&b, MB2_INFO_MMAP);
    put32(&b, entry_size);
    put32(&b, 0);
    for (uint32_t i = 0; i < payload; i += 24) {
        put64(&b, 0x100000 + (uint64_t)i * 0x1000);
        put64(&b, 0x1000);
        put32(&b, 1);
        put32(&b, 0);
    }
    b.len -= (payload + 23) / 24 * 24 - payload;
    tag_end(&b, t);
    mb2_finish(&b);
    mb2_add(&b);
}

TEST(mb2_mmap_bad_entry_size)
{
    fakemem_reset(&M);
    mb2_one_mmap(0, 48);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), -EINVAL);
    CHECK(warned("mmap entry_size 0 < 24"));
    CHECK_EQ(bi.mmap_count, 0);

    fakemem_reset(&M);
    mb2_one_mmap(16, 48);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), -EINVAL);
    CHECK(warned("mmap entry_size 16 < 24"));

    fakemem_reset(&M);
    mb2_one_mmap(0xffffffff, 48);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), -EINVAL);
    CHECK_EQ(bi.mmap_count, 0);
    fakemem_reset(&M);
}

/* Two whole entries and 6 bytes of a third: the stray bytes are ignored. */
TEST(mb2_mmap_entries_past_tag)
{
    fakemem_reset(&M);
    mb2_one_mmap(24, 54);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.mmap_count, 2);
    CHECK(warned("6 stray bytes after 2 entries"));
    fakemem_reset(&M);
}

TEST(mb2_mmap_too_many)
{
    fakemem_reset(&M);
    mb2_one_mmap(24, 24 * (BOOT_MAX_MMAP + 50));
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.mmap_count, BOOT_MAX_MMAP);
    CHECK(bi.mmap_truncated);
    CHECK(warned("keeping the first 128"));
    CHECK_EQ(bi.mmap[BOOT_MAX_MMAP - 1].base, 0x100000 + (uint64_t)(BOOT_MAX_MMAP - 1) * 24 * 0x1000);
    fakemem_reset(&M);
}

TEST(mb2_mmap_overflow_region)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    size_t t = tag_begin(&b, MB2_INFO_MMAP);
    put32(&b, 24);
    put32(&b, 0);
    put64(&b, 0xfffffffffffff000ull);   /* wraps */
    put64(&b, 0x2000);
    put32(&b, 1);
    put32(&b, 0);
    put64(&b, 0x100000);
    put64(&b, UINT64_MAX);              /* wraps */
    put32(&b, 1);
    put32(&b, 0);
    put64(&b, 0x100000);
    put64(&b, 0x100000);
    put32(&b, 1);
    put32(&b, 0);
    tag_end(&b, t);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    REQUIRE(bi.mmap_count == 1);
    CHECK_EQ(bi.mmap[0].base, 0x100000);
    CHECK(warned("wraps past 2^64"));
    fakemem_reset(&M);
}

TEST(mb2_meminfo_fallback)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    size_t t = tag_begin(&b, MB2_INFO_BASIC_MEM);
    put32(&b, 639);
    put32(&b, 130048);
    tag_end(&b, t);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("no memory map, using mem_lower 639 KiB and mem_upper 130048 KiB"));
    REQUIRE(bi.mmap_count == 2);
    CHECK_EQ(bi.mmap[0].base, 0);
    CHECK_EQ(bi.mmap[0].len, 639 * 1024);
    CHECK_EQ(bi.mmap[1].base, 0x100000);
    CHECK_EQ(bi.mmap[1].len, 130048ull * 1024);
    CHECK_EQ(bi.mmap[1].type, MEM_USABLE);
    fakemem_reset(&M);
}

/* A string tag without its NUL: copied up to the tag's end, warned. */
TEST(mb2_unterminated_strings)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    size_t t = tag_begin(&b, MB2_INFO_CMDLINE);
    put(&b, "abcdefgh", 8);
    tag_end(&b, t);
    t = tag_begin(&b, MB2_INFO_LOADER_NAME);
    tag_end(&b, t);             /* empty payload */
    t = tag_begin(&b, MB2_INFO_MODULE);
    put32(&b, 0x200000);
    put32(&b, 0x201000);
    put(&b, "xyz", 3);
    tag_end(&b, t);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_STR(str(bi.cmdline), "abcdefgh");
    CHECK(bi.cmdline_truncated);
    CHECK(warned("command line unterminated"));
    CHECK(warned("loader name unterminated"));
    REQUIRE(bi.module_count == 1);
    CHECK_STR(str(bi.modules[0].cmdline), "xyz");
    CHECK(warned("module command line unterminated"));
    fakemem_reset(&M);
}

TEST(mb2_long_cmdline)
{
    struct blob b = {0};
    char *s = malloc(2000);

    fakemem_reset(&M);
    memset(s, 'a', 1999);
    s[1999] = 0;
    s[0] = 'Z';
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    tag_str(&b, MB2_INFO_CMDLINE, s);
    s[200] = 0;                 /* a 200-byte module command line */
    tag_module(&b, 0x200000, 0x201000, s);
    s[70] = 0;                  /* a 70-byte loader name */
    tag_str(&b, MB2_INFO_LOADER_NAME, s);
    mb2_finish(&b);
    mb2_add(&b);
    free(s);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(bi.cmdline_truncated);
    CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    CHECK_EQ(bi.cmdline[0], 'Z');
    CHECK(warned("command line longer than 1023 bytes, truncated"));
    CHECK_EQ(strlen(bi.loader), BOOT_LOADER_MAX - 1);
    CHECK(warned("loader name longer than 63 bytes"));
    REQUIRE(bi.module_count == 1);
    CHECK_EQ(strlen(bi.modules[0].cmdline), BOOT_MODCMD_MAX - 1);
    fakemem_reset(&M);
}

TEST(mb2_too_many_modules_and_bad_module)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    tag_module(&b, 0x300000, 0x200000, "backwards");
    for (uint32_t i = 0; i < BOOT_MAX_MODULES + 3; i++)
        tag_module(&b, 0x400000 + i * 0x1000, 0x401000 + i * 0x1000, "m");
    size_t t = tag_begin(&b, MB2_INFO_MODULE);      /* too short for a module */
    put32(&b, 1);
    tag_end(&b, t);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.module_count, BOOT_MAX_MODULES);
    CHECK(bi.modules_truncated);
    CHECK_EQ(bi.modules[0].start, 0x400000);
    CHECK(warned("ends before it starts"));
    CHECK(warned("more than 8 modules"));
    CHECK(warned("tag type 3 size 12 too small"));
    fakemem_reset(&M);
}

/* The start must be 8-byte aligned (section 3.6.2); parse anyway. */
TEST(mb2_misaligned_info)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    tag_sample_mmap(&b, 24);
    mb2_finish(&b);
    fakemem_add(&M, INFO_PHYS + 4, b.b, b.len);
    blob_free(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS + 4), 0);
    CHECK(warned("not 8-byte aligned"));
    check_sample_map();
    fakemem_reset(&M);
}

TEST(mb2_only_reserved_memory)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mb2_begin(&b);
    size_t t = tag_begin(&b, MB2_INFO_MMAP);
    put32(&b, 24);
    put32(&b, 0);
    put64(&b, 0);
    put64(&b, 0x100000);
    put32(&b, 2);
    put32(&b, 0);
    tag_end(&b, t);
    mb2_finish(&b);
    mb2_add(&b);
    CHECK_EQ(parse(MULTIBOOT2_LOADER_MAGIC, INFO_PHYS), -EINVAL);
    CHECK(warned("multiboot2: no usable memory"));
    fakemem_reset(&M);
}

/* ---- multiboot1 ---------------------------------------------------------- */

static void mmap1_entry(struct blob *b, uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
    put32(b, size);
    put64(b, base);
    put64(b, len);
    put32(b, type);
    for (uint32_t k = 20; k < size; k++)
        put8(b, 0xee);
}

static uint32_t mb1_sample_mmap(void)
{
    struct blob b = {0};

    for (size_t i = 0; i < SAMPLE_MAP_N; i++)
        mmap1_entry(&b, i == 2 ? 28 : 20, sample_map[i].base, sample_map[i].len,
                    sample_map[i].type);
    uint32_t len = (uint32_t)b.len;
    fakemem_add(&M, MMAP_PHYS, b.b, b.len);
    blob_free(&b);
    return len;
}

static void mb1_sample_mods(void)
{
    struct mb1_module mods[2] = {
        {0x200000, 0x280000, MODCMD_PHYS, 0},
        {0x300000, 0x300100, 0, 0},
    };
    fakemem_add(&M, MODS_PHYS, mods, sizeof mods);
    fakemem_add(&M, MODCMD_PHYS, SAMPLE_MODCMD, sizeof SAMPLE_MODCMD);
}

/* A QEMU/GRUB-like multiboot1 boot with a framebuffer; `len` bytes of the
 * structure exist. */
static void build_mb1_sample(uint8_t fb_type, size_t len)
{
    struct mb1_info mi = {0};

    mi.flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP |
               MB1_INFO_LOADER | MB1_INFO_FB;
    mi.mem_lower = 639;
    mi.mem_upper = 130048;
    mi.cmdline = CMD_PHYS;
    mi.mods_count = 2;
    mi.mods_addr = MODS_PHYS;
    mi.mmap_length = mb1_sample_mmap();
    mi.mmap_addr = MMAP_PHYS;
    mi.boot_loader_name = LDR_PHYS;
    mi.framebuffer_addr = fb_type == MB1_FB_EGA_TEXT ? 0xb8000 : 0xfd000000;
    mi.framebuffer_pitch = fb_type == MB1_FB_EGA_TEXT ? 160 : 3200;
    mi.framebuffer_width = fb_type == MB1_FB_EGA_TEXT ? 80 : 800;
    mi.framebuffer_height = fb_type == MB1_FB_EGA_TEXT ? 25 : 600;
    mi.framebuffer_bpp = fb_type == MB1_FB_EGA_TEXT ? 16 : 32;
    mi.framebuffer_type = fb_type;
    const struct mb1_fb_rgb rgb = {16, 8, 8, 8, 0, 8};
    memcpy(mi.color_info, &rgb, sizeof rgb);
    fakemem_add(&M, INFO_PHYS, &mi, len);
    fakemem_add(&M, CMD_PHYS, SAMPLE_CMDLINE, sizeof SAMPLE_CMDLINE);
    fakemem_add(&M, LDR_PHYS, SAMPLE_LOADER, sizeof SAMPLE_LOADER);
    mb1_sample_mods();
}

static void check_mb1_sample(void)
{
    CHECK_EQ(bi.proto, BOOT_MULTIBOOT1);
    CHECK_STR(str(bi.cmdline), SAMPLE_CMDLINE);
    CHECK_STR(str(bi.loader), SAMPLE_LOADER);
    REQUIRE(bi.module_count == 2);
    CHECK_EQ(bi.modules[0].start, 0x200000);
    CHECK_EQ(bi.modules[0].end, 0x280000);
    CHECK_STR(str(bi.modules[0].cmdline), SAMPLE_MODCMD);
    CHECK_STR(str(bi.modules[1].cmdline), "");
    CHECK_EQ(bi.modules[1].end, 0x300100);
    check_sample_map();
    CHECK(!bi.has_rsdp);
    CHECK(!bi.efi);
    CHECK_EQ(bi.info_phys, INFO_PHYS);
}

TEST(mb1_valid)
{
    fakemem_reset(&M);
    build_mb1_sample(MB1_FB_RGB, sizeof(struct mb1_info));
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(nwarn, 0);
    check_mb1_sample();
    CHECK_EQ(bi.info_len, sizeof(struct mb1_info));
    CHECK_EQ(bi.fb.type, FB_RGB);
    CHECK_EQ(bi.fb.addr, 0xfd000000);
    CHECK_EQ(bi.fb.width, 800);
    CHECK_EQ(bi.fb.height, 600);
    CHECK_EQ(bi.fb.pitch, 3200);
    CHECK_EQ(bi.fb.red_pos, 16);
    CHECK_EQ(bi.fb.red_size, 8);
    check_invariants(&bi);
    fakemem_reset(&M);
}

TEST(mb1_fb_ega)
{
    fakemem_reset(&M);
    build_mb1_sample(MB1_FB_EGA_TEXT, sizeof(struct mb1_info));
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.fb.type, FB_EGA_TEXT);
    CHECK_EQ(bi.fb.addr, 0xb8000);
    CHECK_EQ(bi.fb.width, 80);
    fakemem_reset(&M);
}

/* Without flag 12 the structure may stop at 88 bytes (QEMU's does): only
 * the fields the flags name are read, and ASan checks that. */
TEST(mb1_short_structure)
{
    fakemem_reset(&M);
    build_mb1_sample(MB1_FB_RGB, offsetof(struct mb1_info, framebuffer_addr));
    uint32_t flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP |
                     MB1_INFO_LOADER;
    memcpy(fakemem_at(&M, INFO_PHYS), &flags, 4);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(nwarn, 0);
    check_mb1_sample();
    CHECK_EQ(bi.info_len, offsetof(struct mb1_info, apm_table));
    CHECK_EQ(bi.fb.type, FB_NONE);

    /* flag 12 set but the structure ends at 88 bytes */
    flags |= MB1_INFO_FB;
    memcpy(fakemem_at(&M, INFO_PHYS), &flags, 4);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), -EFAULT);
    CHECK(warned("multiboot1: boot information 0x10000+116 (flags 0x124d) unreadable"));
    fakemem_reset(&M);
}

/* Only mem_lower/mem_upper: two synthesized regions, 12 bytes read. */
TEST(mb1_mem_only)
{
    struct mb1_info mi = {.flags = MB1_INFO_MEM, .mem_lower = 700, .mem_upper = 64512};

    fakemem_reset(&M);
    fakemem_add(&M, INFO_PHYS, &mi, 12);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.info_len, 12);
    CHECK(warned("no memory map"));
    CHECK(warned("mem_lower 700 KiB above 640 KiB, clamped"));
    REQUIRE(bi.mmap_count == 2);
    CHECK_EQ(bi.mmap[0].len, 640 * 1024);
    CHECK_EQ(bi.mmap[1].base, 1 << 20);
    CHECK_EQ(bi.mmap[1].len, 64512ull * 1024);

    /* no memory information at all */
    fakemem_reset(&M);
    mi.flags = 0;
    fakemem_add(&M, INFO_PHYS, &mi, 4);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), -EINVAL);
    CHECK(warned("no usable memory"));
    fakemem_reset(&M);
}

static void build_mb1_mmap_only(const struct blob *mm, uint32_t length)
{
    struct mb1_info mi = {0};

    mi.flags = MB1_INFO_MMAP | MB1_INFO_MEM;
    mi.mem_lower = 639;
    mi.mem_upper = 1024;
    mi.mmap_addr = MMAP_PHYS;
    mi.mmap_length = length;
    fakemem_add(&M, INFO_PHYS, &mi, offsetof(struct mb1_info, drives_length));
    if (mm)
        fakemem_add(&M, MMAP_PHYS, mm->b, mm->len);
}

TEST(mb1_mmap_entry_size_zero)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mmap1_entry(&b, 20, 0x100000, 0x100000, 1);
    mmap1_entry(&b, 0, 0x200000, 0x100000, 1);
    mmap1_entry(&b, 20, 0x300000, 0x100000, 1);
    build_mb1_mmap_only(&b, (uint32_t)b.len);
    blob_free(&b);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("mmap entry at offset 0x18 has size 0"));
    REQUIRE(bi.mmap_count == 1);
    CHECK_EQ(bi.mmap[0].base, 0x100000);
    fakemem_reset(&M);
}

TEST(mb1_mmap_entry_size_absurd_or_small)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mmap1_entry(&b, 20, 0x100000, 0x100000, 1);
    put32(&b, 0x10000);         /* absurd size */
    put(&b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
    build_mb1_mmap_only(&b, (uint32_t)b.len);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("has size 65536"));
    CHECK_EQ(bi.mmap_count, 1);

    fakemem_reset(&M);
    put32_at(&b, 24, 12);       /* too small to hold base, length, type */
    build_mb1_mmap_only(&b, (uint32_t)b.len);
    blob_free(&b);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("has size 12"));
    CHECK_EQ(bi.mmap_count, 1);
    fakemem_reset(&M);
}

/* The last entry runs past mmap_length (and past the buffer). */
TEST(mb1_mmap_past_length)
{
    struct blob b = {0};

    fakemem_reset(&M);
    mmap1_entry(&b, 20, 0x100000, 0x100000, 1);
    mmap1_entry(&b, 20, 0x200000, 0x100000, 1);
    b.len -= 4;
    build_mb1_mmap_only(&b, (uint32_t)b.len);
    blob_free(&b);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("mmap entry at offset 0x18 size 20 runs past mmap_length 44"));
    CHECK_EQ(bi.mmap_count, 1);

    /* mmap_length claims more than the memory there */
    fakemem_reset(&M);
    mmap1_entry(&b, 20, 0x100000, 0x100000, 1);
    build_mb1_mmap_only(&b, 4096);
    blob_free(&b);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("mmap entry at 0x40018 unreadable"));
    CHECK_EQ(bi.mmap_count, 1);

    /* two stray bytes after the last entry */
    fakemem_reset(&M);
    mmap1_entry(&b, 20, 0x100000, 0x100000, 1);
    put16(&b, 0);
    build_mb1_mmap_only(&b, (uint32_t)b.len);
    blob_free(&b);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("2 stray bytes"));
    CHECK_EQ(bi.mmap_count, 1);
    fakemem_reset(&M);
}

/* Every pointer unmapped: warnings, and mem_lower/upper as the fallback. */
TEST(mb1_unmapped_pointers)
{
    struct mb1_info mi = {0};

    fakemem_reset(&M);
    mi.flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP |
               MB1_INFO_LOADER;
    mi.mem_lower = 639;
    mi.mem_upper = 2048;
    mi.cmdline = CMD_PHYS;
    mi.mods_count = 1;
    mi.mods_addr = MODS_PHYS;
    mi.mmap_length = 48;
    mi.mmap_addr = MMAP_PHYS;
    mi.boot_loader_name = LDR_PHYS;
    fakemem_add(&M, INFO_PHYS, &mi, sizeof mi);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("command line unterminated or unreadable, kept 0 bytes"));
    CHECK(warned("loader name unterminated"));
    CHECK(warned("module 0 at 0x30000 unreadable"));
    CHECK(warned("mmap entry at 0x40000 unreadable"));
    CHECK(warned("no memory map"));
    CHECK_STR(str(bi.cmdline), "");
    CHECK(bi.cmdline_truncated);
    CHECK_EQ(bi.module_count, 0);
    CHECK_EQ(bi.mmap_count, 2);

    fakemem_reset(&M);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), -EFAULT);
    CHECK(warned("multiboot1: boot information at 0x10000 unreadable"));
    fakemem_reset(&M);
}

/* A command line whose NUL is missing before unreadable memory. */
TEST(mb1_unterminated_cmdline)
{
    struct mb1_info mi = {0};

    fakemem_reset(&M);
    mi.flags = MB1_INFO_MEM | MB1_INFO_CMDLINE;
    mi.mem_upper = 1024;
    mi.cmdline = CMD_PHYS;
    fakemem_add(&M, INFO_PHYS, &mi, sizeof mi);
    fakemem_add(&M, CMD_PHYS, "no-nul-here", 11);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK_STR(str(bi.cmdline), "no-nul-here");
    CHECK(bi.cmdline_truncated);
    CHECK(warned("command line unterminated or unreadable, kept 11 bytes"));

    /* exactly BOOT_CMDLINE_MAX - 1 characters fit; one more is cut */
    char *s = malloc(BOOT_CMDLINE_MAX + 1);
    memset(s, 'x', BOOT_CMDLINE_MAX + 1);
    s[BOOT_CMDLINE_MAX - 1] = 0;
    fakemem_reset(&M);
    fakemem_add(&M, INFO_PHYS, &mi, sizeof mi);
    fakemem_add(&M, CMD_PHYS, s, BOOT_CMDLINE_MAX);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(!bi.cmdline_truncated);
    CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    s[BOOT_CMDLINE_MAX - 1] = 'x';
    s[BOOT_CMDLINE_MAX] = 0;
    fakemem_reset(&M);
    fakemem_add(&M, INFO_PHYS, &mi, sizeof mi);
    fakemem_add(&M, CMD_PHYS, s, BOOT_CMDLINE_MAX + 1);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(bi.cmdline_truncated);
    CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    CHECK(warned("command line longer than 1023 bytes, truncated"));
    free(s);
    fakemem_reset(&M);
}

TEST(mb1_huge_mods_count)
{
    struct mb1_info mi = {0};
    struct mb1_module mods[BOOT_MAX_MODULES + 2];

    fakemem_reset(&M);
    for (uint32_t i = 0; i < BOOT_MAX_MODULES + 2; i++)
        mods[i] = (struct mb1_module){0x200000 + i * 0x1000, 0x201000 + i * 0x1000, 0, 0};
    mods[1].mod_end = 0x100000;         /* before its start: dropped */
    mi.flags = MB1_INFO_MEM | MB1_INFO_MODS;
    mi.mem_upper = 1024;
    mi.mods_count = 0xffffffff;
    mi.mods_addr = MODS_PHYS;
    fakemem_add(&M, INFO_PHYS, &mi, sizeof mi);
    fakemem_add(&M, MODS_PHYS, mods, sizeof mods);
    CHECK_EQ(parse(MULTIBOOT1_LOADER_MAGIC, INFO_PHYS), 0);
    CHECK(warned("mods_count 4294967295, keeping the first 8"));
    CHECK(warned("ends before it starts"));
    CHECK(bi.modules_truncated);
    CHECK_EQ(bi.module_count, BOOT_MAX_MODULES - 1);
    CHECK_EQ(bi.modules[1].start, 0x202000);
    fakemem_reset(&M);
}

/* ---- PVH ----------------------------------------------------------------- */

static void build_pvh_sample(size_t rsdp_len)
{
    struct pvh_start_info si = {0};
    struct pvh_modlist_entry mods[2] = {
        {0x200000, 0x80000, MODCMD_PHYS, 0},
        {0x300000, 0x100, 0, 0},
    };
    struct pvh_memmap_entry map[SAMPLE_MAP_N];
    uint8_t rsdp[36];

    si.magic = PVH_START_INFO_MAGIC;
    si.version = 1;
    si.nr_modules = 2;
    si.modlist_paddr = MODS_PHYS;
    si.cmdline_paddr = CMD_PHYS;
    si.rsdp_paddr = rsdp_len ? RSDP_PHYS : 0;
    si.memmap_paddr = MMAP_PHYS;
    si.memmap_entries = SAMPLE_MAP_N;
    for (size_t i = 0; i < SAMPLE_MAP_N; i++)
        map[i] = (struct pvh_memmap_entry){sample_map[i].base, sample_map[i].len,
                                           sample_map[i].type, 0};
    make_rsdp(rsdp, sizeof rsdp, 2);
    fakemem_add(&M, INFO_PHYS, &si, sizeof si);
    fakemem_add(&M, CMD_PHYS, SAMPLE_CMDLINE, sizeof SAMPLE_CMDLINE);
    fakemem_add(&M, MODS_PHYS, mods, sizeof mods);
    fakemem_add(&M, MODCMD_PHYS, SAMPLE_MODCMD, sizeof SAMPLE_MODCMD);
    fakemem_add(&M, MMAP_PHYS, map, sizeof map);
    if (rsdp_len)
        fakemem_add(&M, RSDP_PHYS, rsdp, rsdp_len);
}

static void check_pvh_sample(void)
{
    CHECK_EQ(bi.proto, BOOT_PVH);
    CHECK_STR(str(bi.cmdline), SAMPLE_CMDLINE);
    CHECK_STR(str(bi.loader), "");
    REQUIRE(bi.module_count == 2);
    CHECK_EQ(bi.modules[0].start, 0x200000);
    CHECK_EQ(bi.modules[0].end, 0x280000);
    CHECK_STR(str(bi.modules[0].cmdline), SAMPLE_MODCMD);
    CHECK_EQ(bi.modules[1].end, 0x300100);
    check_sample_map();
    CHECK_EQ(bi.fb.type, FB_NONE);
    CHECK_EQ(bi.info_phys, INFO_PHYS);
    CHECK_EQ(bi.info_len, sizeof(struct pvh_start_info));
}

TEST(pvh_valid)
{
    fakemem_reset(&M);
    build_pvh_sample(36);
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(nwarn, 0);
    check_pvh_sample();
    CHECK(bi.has_rsdp);
    CHECK_EQ(bi.rsdp_phys, RSDP_PHYS);
    CHECK_EQ(bi.rsdp_len, 36);
    CHECK(memcmp(bi.rsdp, "RSD PTR ", 8) == 0);
    check_invariants(&bi);
    fakemem_reset(&M);
}

/* Only 20 bytes of RSDP readable, or an ACPI 1.0 revision: keep 20. */
TEST(pvh_rsdp_v1)
{
    fakemem_reset(&M);
    build_pvh_sample(20);
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), 0);
    CHECK(bi.has_rsdp);
    CHECK_EQ(bi.rsdp_phys, RSDP_PHYS);
    CHECK_EQ(bi.rsdp_len, 20);

    fakemem_reset(&M);
    build_pvh_sample(36);
    fakemem_at(&M, RSDP_PHYS)[15] = 0;
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.rsdp_len, 20);

    fakemem_reset(&M);
    build_pvh_sample(8);
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), 0);
    CHECK(bi.has_rsdp);
    CHECK_EQ(bi.rsdp_phys, RSDP_PHYS);
    CHECK_EQ(bi.rsdp_len, 0);
    CHECK(warned("RSDP at 0xe0000 unreadable"));
    fakemem_reset(&M);
}

TEST(pvh_wrong_magic)
{
    fakemem_reset(&M);
    build_pvh_sample(36);
    fakemem_at(&M, INFO_PHYS)[0] ^= 1;
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), -EINVAL);
    CHECK(warned("pvh: start_info magic 0x336ec579, expected 0x336ec578"));
    CHECK_EQ(bi.proto, BOOT_PVH);
    CHECK_EQ(bi.mmap_count, 0);
    fakemem_reset(&M);
}

/* Version 0 stops at 40 bytes and has no memory map: fatal, and nothing
 * past those 40 bytes is read. */
TEST(pvh_version0)
{
    struct pvh_start_info si = {.magic = PVH_START_INFO_MAGIC, .version = 0,
                                .cmdline_paddr = CMD_PHYS};

    fakemem_reset(&M);
    fakemem_add(&M, INFO_PHYS, &si, PVH_START_INFO_V0_SIZE);
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), -EINVAL);
    CHECK(warned("pvh: start_info version 0 has no memory map"));
    CHECK_EQ(bi.info_len, PVH_START_INFO_V0_SIZE);
    fakemem_reset(&M);
}

/* Version 1 announced but only 40 bytes there. */
TEST(pvh_short_structure)
{
    struct pvh_start_info si = {.magic = PVH_START_INFO_MAGIC, .version = 1};

    fakemem_reset(&M);
    fakemem_add(&M, INFO_PHYS, &si, PVH_START_INFO_V0_SIZE);
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), -EFAULT);
    CHECK(warned("start_info 0x10000+56 unreadable"));
    fakemem_reset(&M);
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), -EFAULT);
}

TEST(pvh_huge_counts)
{
    fakemem_reset(&M);
    build_pvh_sample(36);
    struct pvh_start_info *si = (void *)fakemem_at(&M, INFO_PHYS);
    si->nr_modules = 0xffffffff;
    si->memmap_entries = 0xffffffff;
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), 0);
    CHECK(warned("nr_modules 4294967295, keeping the first 8"));
    CHECK(warned("module 2 unreadable"));
    CHECK_EQ(bi.module_count, 2);
    CHECK(bi.modules_truncated);
    CHECK(warned("memmap entry 11 of 4294967295 unreadable"));
    check_sample_map();
    fakemem_reset(&M);
}

/* Addresses near 2^64: the array index arithmetic must not wrap. */
TEST(pvh_wrapping_addresses)
{
    fakemem_reset(&M);
    build_pvh_sample(0);
    struct pvh_start_info *si = (void *)fakemem_at(&M, INFO_PHYS);
    si->modlist_paddr = UINT64_MAX - 40;
    si->cmdline_paddr = UINT64_MAX;
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.module_count, 0);
    CHECK(warned("module 0 unreadable"));
    CHECK(warned("command line unterminated"));

    fakemem_reset(&M);
    build_pvh_sample(0);
    si = (void *)fakemem_at(&M, INFO_PHYS);
    si->memmap_paddr = UINT64_MAX - 30;
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), -EINVAL);
    CHECK(warned("memmap entry 0 of 11 unreadable"));
    fakemem_reset(&M);
}

TEST(pvh_module_overflow_and_no_modlist)
{
    struct pvh_modlist_entry mods[2] = {
        {0xfffffffffffff000ull, 0x2000, 0, 0},
        {0x200000, 0x1000, 0, 0},
    };

    fakemem_reset(&M);
    build_pvh_sample(0);
    M.r[2].len = 0;                 /* replace the module list */
    fakemem_add(&M, MODS_PHYS, mods, sizeof mods);
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), 0);
    CHECK(warned("module 0 at 0xfffffffffffff000 size 0x2000 wraps past 2^64"));
    REQUIRE(bi.module_count == 1);
    CHECK_EQ(bi.modules[0].start, 0x200000);

    fakemem_reset(&M);
    build_pvh_sample(0);
    ((struct pvh_start_info *)fakemem_at(&M, INFO_PHYS))->modlist_paddr = 0;
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), 0);
    CHECK(warned("nr_modules 2 but modlist_paddr is 0"));
    CHECK_EQ(bi.module_count, 0);
    fakemem_reset(&M);
}

TEST(pvh_memmap_missing_or_long)
{
    fakemem_reset(&M);
    build_pvh_sample(0);
    ((struct pvh_start_info *)fakemem_at(&M, INFO_PHYS))->memmap_entries = 0;
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), -EINVAL);
    CHECK(warned("no memory map"));
    CHECK(warned("no usable memory"));

    /* more entries than the table holds: the first BOOT_MAX_MMAP kept */
    size_t n = BOOT_MAX_MMAP + 100;
    struct pvh_memmap_entry *map = calloc(n, sizeof *map);
    for (size_t i = 0; i < n; i++)
        map[i] = (struct pvh_memmap_entry){i * 0x10000, 0x10000, 1, 0};
    fakemem_reset(&M);
    build_pvh_sample(0);
    M.r[4].len = 0;
    fakemem_add(&M, MMAP_PHYS, map, n * sizeof *map);
    ((struct pvh_start_info *)fakemem_at(&M, INFO_PHYS))->memmap_entries = (uint32_t)n;
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(bi.mmap_count, BOOT_MAX_MMAP);
    CHECK(bi.mmap_truncated);

    /* a huge table of empty entries: the scan gives up */
    free(map);
    n = 5000;
    map = calloc(n, sizeof *map);
    map[0] = (struct pvh_memmap_entry){0x100000, 0x100000, 1, 0};
    fakemem_reset(&M);
    build_pvh_sample(0);
    M.r[4].len = 0;
    fakemem_add(&M, MMAP_PHYS, map, n * sizeof *map);
    ((struct pvh_start_info *)fakemem_at(&M, INFO_PHYS))->memmap_entries = (uint32_t)n;
    CHECK_EQ(parse(PVH_START_MAGIC, INFO_PHYS), 0);
    CHECK(warned("memory map longer than 4096 entries"));
    CHECK_EQ(bi.mmap_count, 1);
    free(map);
    fakemem_reset(&M);
}

/* ---- generic ------------------------------------------------------------- */

TEST(unknown_magic_and_no_physmem)
{
    struct physmem none = {NULL, NULL};

    fakemem_reset(&M);
    build_mb2_sample();
    CHECK_EQ(parse(0x12345678, INFO_PHYS), -EINVAL);
    CHECK_EQ(bi.proto, BOOT_NONE);
    CHECK(warned("bootinfo: unknown loader magic 0x12345678"));
    nwarn = 0;
    CHECK_EQ(bootinfo_parse(&bi, MULTIBOOT2_LOADER_MAGIC, INFO_PHYS, &none, cap_warn), -EINVAL);
    CHECK(warned("multiboot2: no physical memory accessor"));
    /* no warn callback: still fine */
    struct physmem pm = fakemem_physmem(&M);
    CHECK_EQ(bootinfo_parse(&bi, MULTIBOOT2_LOADER_MAGIC, INFO_PHYS + 8, &pm, NULL), -EINVAL);
    fakemem_reset(&M);
}

TEST(names)
{
    CHECK_STR(bootinfo_proto_name(BOOT_MULTIBOOT1), "multiboot1");
    CHECK_STR(bootinfo_proto_name(BOOT_MULTIBOOT2), "multiboot2");
    CHECK_STR(bootinfo_proto_name(BOOT_PVH), "pvh");
    CHECK_STR(bootinfo_proto_name(BOOT_NONE), "none");
    CHECK_STR(bootinfo_memtype_name(MEM_USABLE), "usable");
    CHECK_STR(bootinfo_memtype_name(MEM_RESERVED), "reserved");
    CHECK_STR(bootinfo_memtype_name(MEM_ACPI_RECLAIM), "acpi-reclaim");
    CHECK_STR(bootinfo_memtype_name(MEM_ACPI_NVS), "acpi-nvs");
    CHECK_STR(bootinfo_memtype_name(MEM_BAD), "bad");
    CHECK_STR(bootinfo_memtype_name(0), "unknown");
    CHECK_STR(bootinfo_memtype_name(77), "unknown");
}

/* ---- bootdump: kprintf capture and the capture-file loader ----------------- */

static char *kout;
static size_t kout_len, kout_cap;

/* bootdump.c prints through kprintf; here it goes to a buffer. */
void kprintf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (kout_len + n + 1 > kout_cap) {
        kout_cap = (kout_len + n + 1) * 2;
        kout = realloc(kout, kout_cap);
    }
    va_start(ap, fmt);
    vsnprintf(kout + kout_len, kout_cap - kout_len, fmt, ap);
    va_end(ap);
    kout_len += n;
}

static void kout_reset(void)
{
    free(kout);
    kout = NULL;
    kout_len = kout_cap = 0;
}

/* What a capture file says beyond the bootdump lines. */
struct expect {
    bool has_cmdline;
    char cmdline[BOOT_CMDLINE_MAX];
};

/* "expect-cmdline: <text>": the command line the loader was given. */
static bool expect_line(void *ctx, const char *line)
{
    struct expect *x = ctx;

    if (strncmp(line, "expect-cmdline: ", 16) != 0)
        return false;
    x->has_cmdline = true;
    snprintf(x->cmdline, sizeof x->cmdline, "%s", line + 16);
    return true;
}

/* Is s, with its NUL, somewhere in the captured bytes? */
static bool capture_has_string(const struct fakemem_capture *c, const char *s)
{
    size_t n = strlen(s) + 1;

    for (int i = 0; i < c->n; i++)
        for (size_t off = 0; off + n <= c->r[i].len; off++)
            if (memcmp(c->r[i].buf + off, s, n) == 0)
                return true;
    return false;
}

static uint32_t proto_magic(enum boot_proto p)
{
    return p == BOOT_MULTIBOOT1 ? MULTIBOOT1_LOADER_MAGIC
         : p == BOOT_MULTIBOOT2 ? MULTIBOOT2_LOADER_MAGIC
         : p == BOOT_PVH        ? PVH_START_MAGIC : 0;
}

/* Shrink each region by 1..N bytes (all N for small regions, a spread for
 * large ones) and parse: no crash, no overread, invariants hold. */
static void truncate_each_region(const struct fakemem_capture *c)
{
    for (int i = 0; i < c->n; i++) {
        size_t len = c->r[i].len;
        for (size_t by = 1; by <= len; by += by < 256 ? 1 : len / 64 + 1) {
            fakemem_from_capture(&M, c, i, by);
            struct physmem pm = fakemem_physmem(&M);
            int rc = bootinfo_parse(&bi, c->magic, c->info, &pm, NULL);
            CHECK(rc == 0 || rc == -EINVAL || rc == -EFAULT);
            check_invariants(&bi);
        }
    }
    fakemem_reset(&M);
}

static bool same_bootinfo(const struct boot_info *a, const struct boot_info *b)
{
    bool same = a->proto == b->proto && a->mmap_count == b->mmap_count &&
                a->module_count == b->module_count && a->info_phys == b->info_phys &&
                a->info_len == b->info_len && a->rsdp_len == b->rsdp_len &&
                a->efi == b->efi && a->efi_systab == b->efi_systab &&
                a->fb.type == b->fb.type && a->fb.addr == b->fb.addr &&
                strcmp(a->cmdline, b->cmdline) == 0 && strcmp(a->loader, b->loader) == 0 &&
                memcmp(a->rsdp, b->rsdp, sizeof a->rsdp) == 0;
    for (size_t i = 0; same && i < a->mmap_count; i++)
        same = a->mmap[i].base == b->mmap[i].base && a->mmap[i].len == b->mmap[i].len &&
               a->mmap[i].type == b->mmap[i].type;
    for (size_t i = 0; same && i < a->module_count; i++)
        same = a->modules[i].start == b->modules[i].start &&
               a->modules[i].end == b->modules[i].end &&
               strcmp(a->modules[i].cmdline, b->modules[i].cmdline) == 0;
    return same;
}

/* Record a parse of the sample now in M with bootdump, print it, load the
 * text back: the replay must give the same result. Returns the capture. */
static struct fakemem_capture *roundtrip(uint32_t magic)
{
    struct physmem raw = fakemem_physmem(&M), rec;
    static struct boot_info direct;
    const char *err = NULL;

    bootdump_wrap(&rec, &raw);
    int rc = bootinfo_parse(&direct, magic, INFO_PHYS, &rec, NULL);
    CHECK_EQ(rc, 0);
    kout_reset();
    bootdump_print(magic, INFO_PHYS);
    struct fakemem_capture *c = fakemem_capture_parse(kout, NULL, NULL, &err);
    if (!c) {
        test_fail(__FILE__, __LINE__, err);
        return NULL;
    }
    CHECK_EQ(c->magic, magic);
    CHECK_EQ(c->info, INFO_PHYS);
    fakemem_from_capture(&M, c, -1, 0);
    CHECK_EQ(parse(magic, INFO_PHYS), 0);
    CHECK(same_bootinfo(&direct, &bi));
    kout_reset();
    return c;
}

TEST(bootdump_roundtrip)
{
    struct fakemem_capture *c;

    fakemem_reset(&M);
    build_mb2_sample();
    if ((c = roundtrip(MULTIBOOT2_LOADER_MAGIC))) {
        check_mb2_sample();
        CHECK_EQ(c->n, 1);      /* the tag list only */
        fakemem_capture_free(c);
    }
    fakemem_reset(&M);
    build_mb1_sample(MB1_FB_RGB, sizeof(struct mb1_info));
    if ((c = roundtrip(MULTIBOOT1_LOADER_MAGIC))) {
        check_mb1_sample();
        CHECK_EQ(c->n, 6);      /* info, cmdline, loader, mods, mod cmdline, mmap */
        fakemem_capture_free(c);
    }
    fakemem_reset(&M);
    build_pvh_sample(36);
    if ((c = roundtrip(PVH_START_MAGIC))) {
        check_pvh_sample();
        CHECK_EQ(c->n, 6);      /* start_info, cmdline, modlist, mod cmdline, memmap, rsdp */
        fakemem_capture_free(c);
    }
    fakemem_reset(&M);
}

/* Merging of recorded ranges, and the exact output format. */
TEST(bootdump_ranges)
{
    static uint8_t mem[0x3000];
    struct physmem raw = fakemem_physmem(&M), rec;

    fakemem_reset(&M);
    for (size_t i = 0; i < sizeof mem; i++)
        mem[i] = (uint8_t)i;
    fakemem_add(&M, 0x1000, mem, sizeof mem);
    bootdump_wrap(&rec, &raw);
    CHECK(rec.map(rec.ctx, 0x2000, 16) != NULL);
    CHECK(rec.map(rec.ctx, 0x2010, 16) != NULL);    /* touches: merged */
    CHECK(rec.map(rec.ctx, 0x2008, 4) != NULL);     /* inside */
    CHECK(rec.map(rec.ctx, 0x1000, 2) != NULL);     /* before, apart */
    CHECK(rec.map(rec.ctx, 0x3ff0, 0x20) == NULL);  /* unreadable: not recorded */
    kout_reset();
    bootdump_print(0x36d76289, 0x2000);
    CHECK_STR(kout, "bootdump: magic 0x36d76289 info 0x2000\n"
                    "bootdump: region 0x1000 2\n"
                    "bootdump: data 0001\n"
                    "bootdump: region 0x2000 32\n"
                    "bootdump: data 000102030405060708090a0b0c0d0e0f"
                    "101112131415161718191a1b1c1d1e1f\n"
                    "bootdump: end\n");
    kout_reset();
    fakemem_reset(&M);
}

/* The range limit, and a range that bridges two recorded ones. */
TEST(bootdump_range_limit)
{
    static uint8_t mem[0x1000];
    struct physmem raw = fakemem_physmem(&M), rec;

    fakemem_reset(&M);
    fakemem_add(&M, 0x1000, mem, sizeof mem);
    /* 70 separate ranges: the first 64 recorded are kept */
    bootdump_wrap(&rec, &raw);
    for (int i = 69; i >= 0; i--)
        rec.map(rec.ctx, 0x1000 + (uint64_t)i * 16, 1);
    kout_reset();
    bootdump_print(1, 2);
    int regions = 0;
    for (const char *p = kout; (p = strstr(p, "region ")); p++)
        regions++;
    CHECK_EQ(regions, BOOTDUMP_MAX_RANGES);

    /* a range bridging two recorded ones merges all three */
    bootdump_wrap(&rec, &raw);
    rec.map(rec.ctx, 0x1000, 4);
    rec.map(rec.ctx, 0x1010, 4);
    rec.map(rec.ctx, 0x1002, 0x10);
    kout_reset();
    bootdump_print(1, 2);
    CHECK(strstr(kout, "bootdump: region 0x1000 20\n") != NULL);
    CHECK(strstr(kout, "region 0x1010") == NULL);
    kout_reset();
    fakemem_reset(&M);
}

TEST(capture_loader_rejects_bad_text)
{
    const char *err;
    struct fakemem_capture *c;

    c = fakemem_capture_parse("[ 0.1] bootdump: magic 0x2badb002 info 0x9500\r\n"
                      "noise\n"
                      "serial: bootdump: region 0x9500 3\n"
                      "bootdump: data 0a0B0c\n"
                      "bootdump: end\n", NULL, NULL, &err);
    REQUIRE(c != NULL);
    CHECK_EQ(c->magic, MULTIBOOT1_LOADER_MAGIC);
    CHECK_EQ(c->info, 0x9500);
    CHECK_EQ(c->n, 1);
    CHECK_EQ(c->r[0].buf[1], 0x0b);
    fakemem_capture_free(c);
    CHECK(fakemem_capture_parse("bootdump: magic 0x1 info 0x2\nbootdump: region 0x10 4\n"
                        "bootdump: data 0102\nbootdump: end\n", NULL, NULL, &err) == NULL);
    CHECK(fakemem_capture_parse("bootdump: magic 0x1 info 0x2\nbootdump: region 0x10 1\n"
                        "bootdump: data 0102\nbootdump: end\n", NULL, NULL, &err) == NULL);
    CHECK(fakemem_capture_parse("bootdump: magic 0x1 info 0x2\n", NULL, NULL, &err) == NULL);
    CHECK(fakemem_capture_parse("bootdump: region 0x10 1\nbootdump: end\n", NULL, NULL, &err) == NULL);
}

/* The built-in samples, truncated region by region. */
TEST(truncated_samples)
{
    struct fakemem_capture *c;

    fakemem_reset(&M);
    build_mb2_sample();
    if ((c = roundtrip(MULTIBOOT2_LOADER_MAGIC))) {
        truncate_each_region(c);
        fakemem_capture_free(c);
    }
    fakemem_reset(&M);
    build_mb1_sample(MB1_FB_RGB, sizeof(struct mb1_info));
    if ((c = roundtrip(MULTIBOOT1_LOADER_MAGIC))) {
        truncate_each_region(c);
        fakemem_capture_free(c);
    }
    fakemem_reset(&M);
    build_pvh_sample(36);
    if ((c = roundtrip(PVH_START_MAGIC))) {
        truncate_each_region(c);
        fakemem_capture_free(c);
    }
    fakemem_reset(&M);
}

/* ---- captured boots (tests/data/bootinfo) ---------------------------------- */

static const char *capture_dir(void)
{
    const char *d = getenv("BOOTINFO_DATA");
    return d && *d ? d : "tests/data/bootinfo";
}

static void file_fail(int line, const char *path, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s: %s", path, what);
    test_fail(__FILE__, line, msg);
}

/* BOOTINFO_VERBOSE=1: show what a captured boot parsed to. */
static void print_bootinfo(const char *path, int rc)
{
    printf("     %s: rc %d proto %s loader \"%s\" cmdline \"%s\" info 0x%" PRIx64 "+%" PRIu64
           " efi %d rsdp %d/%zu fb %u %ux%u\n", path, rc, bootinfo_proto_name(bi.proto), bi.loader,
           bi.cmdline, bi.info_phys, bi.info_len, bi.efi, bi.has_rsdp, bi.rsdp_len, bi.fb.type,
           bi.fb.width, bi.fb.height);
    for (size_t i = 0; i < bi.mmap_count; i++)
        printf("       0x%012" PRIx64 " 0x%012" PRIx64 " %s\n", bi.mmap[i].base, bi.mmap[i].len,
               bootinfo_memtype_name(bi.mmap[i].type));
    for (size_t i = 0; i < bi.module_count; i++)
        printf("       module 0x%" PRIx64 "-0x%" PRIx64 " \"%s\"\n", bi.modules[i].start,
               bi.modules[i].end, bi.modules[i].cmdline);
}

static void check_capture(const char *path, const struct fakemem_capture *c, const struct expect *x)
{
    fakemem_from_capture(&M, c, -1, 0);
    int rc = parse(c->magic, c->info);
    if (getenv("BOOTINFO_VERBOSE"))
        print_bootinfo(path, rc);
    if (rc != 0)
        file_fail(__LINE__, path, nwarn ? warns[0] : "parse failed");
    if (bi.proto == BOOT_NONE || proto_magic(bi.proto) != c->magic)
        file_fail(__LINE__, path, "protocol does not match the magic");
    if (!has_usable(&bi))
        file_fail(__LINE__, path, "no usable memory region");
    if (bi.info_phys != c->info || bi.info_len == 0)
        file_fail(__LINE__, path, "info_phys/info_len not set");
    if (bi.cmdline_truncated || !capture_has_string(c, bi.cmdline))
        file_fail(__LINE__, path, "command line not copied whole from the loader's memory");
    if (x->has_cmdline && strcmp(bi.cmdline, x->cmdline) != 0)
        file_fail(__LINE__, path, "command line differs from expect-cmdline");
    check_invariants(&bi);
    fakemem_reset(&M);
}

/* Every captured boot parses cleanly; an empty directory is a failure, as
 * real captures are what this test is for. */
TEST(captured_files)
{
    char **files;
    int n = fakemem_list_captures(capture_dir(), &files);

    if (n == 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "no captured boot structures in %s", capture_dir());
        test_fail(__FILE__, __LINE__, msg);
    }
    for (int i = 0; i < n; i++) {
        struct expect x = {0};
        const char *err;
        struct fakemem_capture *c = fakemem_capture_load(files[i], expect_line, &x, &err);
        if (!c)
            file_fail(__LINE__, files[i], err);
        else
            check_capture(files[i], c, &x);
        if (c)
            fakemem_capture_free(c);
        free(files[i]);
    }
    free(files);
}

/* Every captured boot, truncated region by region. */
TEST(captured_files_truncated)
{
    char **files;
    int n = fakemem_list_captures(capture_dir(), &files);

    for (int i = 0; i < n; i++) {
        struct expect x = {0};
        const char *err;
        struct fakemem_capture *c = fakemem_capture_load(files[i], expect_line, &x, &err);
        if (c) {
            truncate_each_region(c);
            fakemem_capture_free(c);
        }
        free(files[i]);
    }
    free(files);
}
