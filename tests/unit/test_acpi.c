/* Host tests for the ACPI table parser (kernel/acpi/acpi.c) and the \_S5 search
 * (kernel/acpi/acpi_aml.c).
 *
 * Physical memory is a set of fake regions; every map() returns a fresh
 * malloc'd copy of exactly the bytes asked for, so ASan reports any read
 * past what the parser mapped, even inside a region. Tables are built here
 * byte by byte (with real checksums), then broken in the ways firmware
 * breaks them.
 *
 * Captured tables: the .txt files in tests/data/acpi (or $ACPI_DATA) hold what a kernel
 * booted with `acpidump` printed (tools/capture-acpi.sh; format in
 * boot/bootdump.h, "info" is the RSDP address). Each must parse without a
 * warning; pc*, q35* and microvm* files are also checked against what QEMU
 * is known to build. ACPI_VERBOSE=1 prints what each capture parsed to. */
#include "tests/unit/test.h"

#include "kernel/acpi/acpi.h"
#include "kernel/acpi/acpi_aml.h"
#include "kernel/acpi/acpi_reg.h"
#include "kernel/errno.h"
#include "tests/unit/fakemem.h"

/* ---- fake physical memory (tests/unit/fakemem.h) ------------------------ */

static struct fakemem M;
static const struct physmem PM = { fakemem_map, &M };

/* ---- warnings ------------------------------------------------------------ */

static char warns[64][192];
static int nwarn;

static void cap_warn(const char *msg)
{
    if (strncmp(msg, "acpi: ", 6) != 0)
        test_fail(__FILE__, __LINE__, msg);
    if (getenv("ACPI_VERBOSE"))
        printf("     warn: %s\n", msg);
    if (nwarn < 64)
        snprintf(warns[nwarn], sizeof warns[0], "%s", msg);
    nwarn++;
}

static bool warned(const char *sub)
{
    for (int i = 0; i < nwarn && i < 64; i++)
        if (strstr(warns[i], sub))
            return true;
    return false;
}

static struct acpi_info A;

static int parse_at(uint64_t rsdp)
{
    nwarn = 0;
    return acpi_parse(rsdp, NULL, 0, &PM, &A, cap_warn);
}

/* What holds after any parse, however bad the tables. */
static void check_invariants(const struct acpi_info *a)
{
    CHECK(a->ncpus <= ACPI_MAX_CPUS);
    CHECK(a->nioapics <= ACPI_MAX_IOAPICS);
    CHECK(a->noverrides <= ACPI_MAX_OVERRIDES);
    CHECK(a->nnmis <= ACPI_MAX_NMIS);
    CHECK(a->necam <= ACPI_MAX_ECAM);
    CHECK(a->ntables <= ACPI_MAX_TABLES);
    CHECK(memchr(a->oem_id, 0, sizeof a->oem_id) != NULL);
    for (size_t i = 0; i < a->ntables && i < ACPI_MAX_TABLES; i++)
        CHECK(a->tables[i].sig[4] == 0 && strlen(a->tables[i].sig) == 4);
    for (size_t i = 0; i < a->necam && i < ACPI_MAX_ECAM; i++)
        CHECK(a->ecam[i].bus_start <= a->ecam[i].bus_end);
}

/* ---- table builder ------------------------------------------------------- */

struct blob {
    uint8_t *b;
    size_t len, cap;
};

static void put(struct blob *t, const void *p, size_t n)
{
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2 + 64;
        t->b = realloc(t->b, t->cap);
    }
    if (p)
        memcpy(t->b + t->len, p, n);
    else
        memset(t->b + t->len, 0, n);
    t->len += n;
}

static void put8(struct blob *t, uint8_t v) { put(t, &v, 1); }
static void put16(struct blob *t, uint16_t v) { put(t, &v, 2); }
static void put32(struct blob *t, uint32_t v) { put(t, &v, 4); }
static void put64(struct blob *t, uint64_t v) { put(t, &v, 8); }

static void put_gas(struct blob *t, uint8_t space, uint8_t width, uint8_t access, uint64_t addr)
{
    put8(t, space);
    put8(t, width);
    put8(t, 0);
    put8(t, access);
    put64(t, addr);
}

static uint8_t sum8(const uint8_t *b, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + b[i]);
    return s;
}

static void sdt_begin(struct blob *t, const char *sig, uint8_t rev)
{
    memset(t, 0, sizeof *t);
    put(t, sig, 4);
    put32(t, 0);                /* length: sdt_end */
    put8(t, rev);
    put8(t, 0);                 /* checksum: sdt_end */
    put(t, "MINNOW", 6);
    put(t, "TESTTABL", 8);
    put32(t, 1);
    put(t, "MNOW", 4);
    put32(t, 1);
}

/* Length and checksum; then the table goes to phys and is freed. */
static void sdt_place(struct blob *t, uint64_t phys)
{
    uint32_t len = (uint32_t)t->len;
    memcpy(t->b + 4, &len, 4);
    t->b[9] = 0;
    t->b[9] = (uint8_t)-sum8(t->b, t->len);
    fakemem_add(&M, phys, t->b, t->len);
    free(t->b);
    memset(t, 0, sizeof *t);
}

/* Recompute the checksum of a placed table (after breaking a field). */
static void resum(uint64_t phys)
{
    uint8_t *b = fakemem_at(&M, phys);
    uint32_t len;
    memcpy(&len, b + 4, 4);
    b[9] = 0;
    b[9] = (uint8_t)-sum8(b, len);
}

static void place_rsdp(uint64_t phys, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
    uint8_t r[36] = {0};
    uint32_t len = 36;

    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "MINNOW", 6);
    r[15] = rev;
    memcpy(r + 16, &rsdt, 4);
    r[8] = (uint8_t)-sum8(r, 20);
    if (rev >= 2) {
        memcpy(r + 20, &len, 4);
        memcpy(r + 24, &xsdt, 8);
        r[32] = (uint8_t)-sum8(r, 36);
    }
    fakemem_add(&M, phys, r, rev >= 2 ? 36 : 20);
}

static void place_root(uint64_t phys, bool xsdt, const uint64_t *e, size_t n)
{
    struct blob t;
    sdt_begin(&t, xsdt ? "XSDT" : "RSDT", 1);
    for (size_t i = 0; i < n; i++) {
        if (xsdt)
            put64(&t, e[i]);
        else
            put32(&t, (uint32_t)e[i]);
    }
    sdt_place(&t, phys);
}

/* ---- AML ------------------------------------------------------------------ */

enum enc { E_ZERO, E_ONE, E_ONES, E_BYTE, E_WORD, E_DWORD, E_QWORD };

static void aml_int(struct blob *t, enum enc e, uint64_t v)
{
    switch (e) {
    case E_ZERO: put8(t, 0x00); break;
    case E_ONE:  put8(t, 0x01); break;
    case E_ONES: put8(t, 0xFF); break;
    case E_BYTE:  put8(t, 0x0A); put8(t, (uint8_t)v); break;
    case E_WORD:  put8(t, 0x0B); put16(t, (uint16_t)v); break;
    case E_DWORD: put8(t, 0x0C); put32(t, (uint32_t)v); break;
    case E_QWORD: put8(t, 0x0E); put64(t, v); break;
    }
}

/* PkgLength of `len` in exactly n bytes (1-4; 20.2.4). */
static void aml_pkglen(struct blob *t, uint32_t len, int n)
{
    if (n == 1) {
        put8(t, (uint8_t)len);
        return;
    }
    put8(t, (uint8_t)((n - 1) << 6 | (len & 0xF)));
    for (int i = 1; i < n; i++)
        put8(t, (uint8_t)(len >> (4 + 8 * (i - 1))));
}

/* Name([\]_S5_, Package(n) { a, b, pad zeros }) with an n-byte PkgLength. */
static void aml_s5(struct blob *t, bool root, int pkgbytes, enum enc ea, uint64_t a, enum enc eb,
                   uint64_t b, uint8_t nelem, size_t pad)
{
    struct blob body = {0};
    put8(&body, nelem);
    aml_int(&body, ea, a);
    if (nelem >= 2)
        aml_int(&body, eb, b);
    for (size_t i = 0; i < pad; i++)
        put8(&body, 0x00);
    put8(t, 0x08);
    if (root)
        put8(t, '\\');
    put(t, "_S5_", 4);
    put8(t, 0x12);
    aml_pkglen(t, (uint32_t)(body.len + pkgbytes), pkgbytes);
    put(t, body.b, body.len);
    free(body.b);
}

/* Some AML around: a Scope(\_SB) with a Name(_HID) and a method. */
static void aml_filler(struct blob *t)
{
    static const uint8_t f[] = {
        0x10, 0x12, '\\', '_', 'S', 'B', '_',           /* Scope (\_SB) */
        0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03,
        0x14, 0x06, 'F', 'O', 'O', '_', 0x00, 0xA4,     /* Method, truncated on purpose */
    };
    put(t, f, sizeof f);
}

/* ---- a whole machine ------------------------------------------------------- */

#define RSDP_AT  0xE0000ull
#define XSDT_AT  0x7FE0000ull
#define RSDT_AT  0x7FE0400ull
#define FADT_AT  0x7FE1000ull
#define DSDT_AT  0x7FE2000ull
#define MADT_AT  0x7FE3000ull
#define MCFG_AT  0x7FE4000ull
#define HPET_AT  0x7FE5000ull
#define SSDT_AT  0x7FE6000ull

static void place_dsdt(uint64_t phys, uint8_t typa)
{
    struct blob t;
    sdt_begin(&t, "DSDT", 2);
    aml_filler(&t);
    aml_s5(&t, false, 1, E_BYTE, typa, E_ZERO, 0, 4, 2);
    sdt_place(&t, phys);
}

/* A FADT of `len` bytes (116, 244, 268 or 276), PIIX4-like unless hw. */
static void place_fadt(uint64_t phys, uint32_t len, bool hw, uint64_t dsdt)
{
    struct blob t;
    sdt_begin(&t, "FACP", len >= 276 ? 6 : len >= 268 ? 5 : len >= 244 ? 3 : 1);
    put32(&t, 0);                       /* 36 FIRMWARE_CTRL */
    put32(&t, (uint32_t)dsdt);          /* 40 DSDT */
    put8(&t, 0);
    put8(&t, 0);
    put16(&t, hw ? 0 : 9);              /* 46 SCI_INT */
    put32(&t, hw ? 0 : 0xB2);           /* 48 SMI_CMD */
    put8(&t, hw ? 0 : 0xF1);            /* 52 ACPI_ENABLE */
    put8(&t, hw ? 0 : 0xF0);
    put8(&t, 0);
    put8(&t, 0);
    put32(&t, hw ? 0 : 0x600);          /* 56 PM1a_EVT */
    put32(&t, 0);
    put32(&t, hw ? 0 : 0x604);          /* 64 PM1a_CNT */
    put32(&t, 0);                       /* 68 PM1b_CNT */
    put32(&t, 0);
    put32(&t, hw ? 0 : 0x608);          /* 76 PM_TMR */
    put32(&t, hw ? 0 : 0x620);
    put32(&t, 0);
    put8(&t, hw ? 0 : 4);               /* 88 PM1_EVT_LEN */
    put8(&t, hw ? 0 : 2);               /* 89 PM1_CNT_LEN */
    put8(&t, 0);
    put8(&t, hw ? 0 : 4);               /* 91 PM_TMR_LEN */
    put(&t, NULL, 108 - 92);
    put8(&t, 0x32);                     /* 108 CENTURY */
    put16(&t, hw ? 0 : ACPI_FADT_BOOT_8042 | ACPI_FADT_BOOT_LEGACY_DEVICES);   /* 109 */
    put8(&t, 0);
    uint32_t flags = ACPI_FADT_F_RESET_REG_SUP | (hw ? ACPI_FADT_F_HW_REDUCED : ACPI_FADT_F_TMR_VAL_EXT);
    put32(&t, flags);                   /* 112 Flags */
    if (len >= 244) {
        put_gas(&t, hw ? ACPI_GAS_SPACE_MEMORY : ACPI_GAS_SPACE_IO, 8, 0, hw ? 0xFEA00202 : 0xCF9);
        put8(&t, hw ? 0x42 : 0x06);     /* 128 RESET_VALUE */
        put16(&t, 0);
        put8(&t, 0);
        put64(&t, 0);                   /* 132 X_FIRMWARE_CTRL */
        put64(&t, 0);                   /* 140 X_DSDT: only the 32-bit one */
        put(&t, NULL, 172 - 148);
        put_gas(&t, ACPI_GAS_SPACE_IO, hw ? 0 : 16, 0, hw ? 0 : 0x604);        /* 172 X_PM1a_CNT */
        put_gas(&t, 0, 0, 0, 0);                                                /* 184 X_PM1b_CNT */
        put_gas(&t, 0, 0, 0, 0);                                                /* 196 */
        put_gas(&t, ACPI_GAS_SPACE_IO, hw ? 0 : 32, 0, hw ? 0 : 0x608);        /* 208 X_PM_TMR */
        put(&t, NULL, 244 - 220);
    }
    if (len >= 268) {
        put_gas(&t, ACPI_GAS_SPACE_MEMORY, 8, 0, hw ? 0xFEA00200 : 0);   /* 244 sleep control */
        put_gas(&t, ACPI_GAS_SPACE_MEMORY, 8, 0, hw ? 0xFEA00201 : 0);   /* 256 sleep status */
    }
    if (len >= 276)
        put(&t, "MINNOWHV", 8);
    if (t.len != len)
        test_fail(__FILE__, __LINE__, "place_fadt: wrong length");
    sdt_place(&t, phys);
}

static void madt_begin(struct blob *t, uint32_t lapic, uint32_t flags)
{
    sdt_begin(t, "APIC", 4);
    put32(t, lapic);
    put32(t, flags);
}

static void madt_lapic(struct blob *t, uint8_t uid, uint8_t id, uint32_t flags)
{
    put8(t, 0); put8(t, 8); put8(t, uid); put8(t, id); put32(t, flags);
}

static void madt_ioapic(struct blob *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
    put8(t, 1); put8(t, 12); put8(t, id); put8(t, 0); put32(t, addr); put32(t, gsi);
}

static void madt_iso(struct blob *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    put8(t, 2); put8(t, 10); put8(t, 0); put8(t, irq); put32(t, gsi); put16(t, flags);
}

static void madt_lapic_nmi(struct blob *t, uint8_t uid, uint16_t flags, uint8_t lint)
{
    put8(t, 4); put8(t, 6); put8(t, uid); put16(t, flags); put8(t, lint);
}

static void madt_x2apic(struct blob *t, uint32_t id, uint32_t flags, uint32_t uid)
{
    put8(t, 9); put8(t, 16); put16(t, 0); put32(t, id); put32(t, flags); put32(t, uid);
}

static void madt_x2apic_nmi(struct blob *t, uint16_t flags, uint32_t uid, uint8_t lint)
{
    put8(t, 10); put8(t, 12); put16(t, flags); put32(t, uid); put8(t, lint); put(t, NULL, 3);
}

/* A QEMU-pc-like MADT: 2 CPUs, 1 IOAPIC, ISA 0->2 and SCI 9 level/high. */
static void place_madt(uint64_t phys)
{
    struct blob t;
    madt_begin(&t, 0xFEE00000, ACPI_MADT_PCAT_COMPAT);
    madt_lapic(&t, 0, 0, 1);
    madt_lapic(&t, 1, 1, 1);
    madt_ioapic(&t, 0, 0xFEC00000, 0);
    madt_iso(&t, 0, 2, 0);
    madt_iso(&t, 9, 9, 0xD);
    madt_lapic_nmi(&t, 0xFF, 0, 1);
    sdt_place(&t, phys);
}

static void place_mcfg(uint64_t phys)
{
    struct blob t;
    sdt_begin(&t, "MCFG", 1);
    put(&t, NULL, 8);
    put64(&t, 0xB0000000); put16(&t, 0); put8(&t, 0); put8(&t, 255); put32(&t, 0);
    sdt_place(&t, phys);
}

static void place_hpet(uint64_t phys, uint8_t space)
{
    struct blob t;
    sdt_begin(&t, "HPET", 1);
    put32(&t, 0x8086A201);
    put_gas(&t, space, 64, 0, 0xFED00000);
    put8(&t, 0);
    put16(&t, 0x80);
    put8(&t, 0);
    sdt_place(&t, phys);
}

/* RSDP rev 2 -> XSDT {FADT, MADT, MCFG, HPET}; RSDT {FADT, MADT}. */
static void build_machine(void)
{
    uint64_t x[] = { FADT_AT, MADT_AT, MCFG_AT, HPET_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, RSDT_AT, XSDT_AT);
    place_root(XSDT_AT, true, x, 4);
    place_root(RSDT_AT, false, x, 2);
    place_fadt(FADT_AT, 276, false, DSDT_AT);
    place_dsdt(DSDT_AT, 0);
    place_madt(MADT_AT);
    place_mcfg(MCFG_AT);
    place_hpet(HPET_AT, ACPI_GAS_SPACE_MEMORY);
}

static bool table_listed(const char *sig, bool ok)
{
    for (size_t i = 0; i < A.ntables; i++)
        if (strcmp(A.tables[i].sig, sig) == 0 && A.tables[i].ok == ok)
            return true;
    return false;
}

static void check_machine_madt(void)
{
    CHECK(A.has_madt);
    CHECK_EQ(A.lapic_addr, 0xFEE00000);
    CHECK_EQ(A.madt_flags, ACPI_MADT_PCAT_COMPAT);
    REQUIRE(A.ncpus == 2);
    CHECK_EQ(A.cpus[1].apic_id, 1);
    CHECK(A.cpus[1].enabled);
    REQUIRE(A.nioapics == 1);
    CHECK_EQ(A.ioapics[0].addr, 0xFEC00000);
    REQUIRE(A.noverrides == 2);
    CHECK_EQ(A.overrides[0].isa_irq, 0);
    CHECK_EQ(A.overrides[0].gsi, 2);
    CHECK_EQ(A.overrides[1].flags, ACPI_MPS_INTI_LEVEL | ACPI_MPS_INTI_ACTIVE_HIGH);
    REQUIRE(A.nnmis == 1);
    CHECK_EQ(A.nmis[0].uid, ACPI_UID_ALL);
    CHECK_EQ(A.nmis[0].lint, 1);
}

/* ---- the happy paths ------------------------------------------------------- */

TEST(xsdt_machine)
{
    build_machine();
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK_EQ(nwarn, 0);
    CHECK_EQ(A.revision, 2);
    CHECK_STR(A.oem_id, "MINNOW");
    CHECK(A.xsdt);
    check_machine_madt();
    CHECK(A.has_fadt);
    CHECK(!A.hw_reduced);
    CHECK_EQ(A.sci_irq, 9);
    CHECK_EQ(A.smi_cmd, 0xB2);
    CHECK_EQ(A.acpi_enable, 0xF1);
    CHECK_EQ(A.pm1a_cnt, 0x604);
    CHECK_EQ(A.pm1b_cnt, 0);
    CHECK_EQ(A.pm_tmr_blk, 0x608);
    CHECK(A.pm_tmr_32bit);
    CHECK_EQ(A.century, 0x32);
    CHECK_EQ(A.iapc_boot_arch, ACPI_FADT_BOOT_8042 | ACPI_FADT_BOOT_LEGACY_DEVICES);
    CHECK_EQ(A.reset_reg.space, ACPI_GAS_SPACE_IO);
    CHECK_EQ(A.reset_reg.addr, 0xCF9);
    CHECK_EQ(A.reset_value, 6);
    CHECK_EQ(A.x_pm1a_cnt.addr, 0x604);
    CHECK_EQ(A.x_pm1a_cnt.bit_width, 16);
    CHECK_EQ(A.x_pm_tmr.addr, 0x608);
    CHECK_EQ(A.sleep_ctl.addr, 0);
    CHECK(memcmp(&A.hv_vendor, "MINNOWHV", 8) == 0);
    CHECK(A.has_s5);
    CHECK_EQ(A.s5_typa, 0);
    CHECK_EQ(A.s5_typb, 0);
    REQUIRE(A.necam == 1);
    CHECK_EQ(A.ecam[0].base, 0xB0000000);
    CHECK_EQ(A.ecam[0].bus_end, 255);
    CHECK(A.has_hpet);
    CHECK_EQ(A.hpet_addr, 0xFED00000);
    CHECK_EQ(A.ntables, 6);     /* XSDT FACP DSDT APIC MCFG HPET */
    CHECK(table_listed("XSDT", true));
    CHECK(table_listed("DSDT", true));
    CHECK_EQ(A.tables[0].addr, XSDT_AT);
    check_invariants(&A);

    char line[200];
    acpi_describe(&A, line, sizeof line);
    CHECK_STR(line, "rev 2 XSDT, 2 cpus, 1 ioapic, 2 overrides, hpet, mcfg, s5=0/0, hw-reduced=no");
    fakemem_reset(&M);
}

/* ACPI 1.0: RSDP revision 0, RSDT only, a 116-byte FADT. */
TEST(rsdt_only_acpi1)
{
    uint64_t r[] = { MADT_AT, FADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 0, RSDT_AT, 0);
    place_root(RSDT_AT, false, r, 2);
    place_madt(MADT_AT);
    place_fadt(FADT_AT, 116, false, DSDT_AT);
    place_dsdt(DSDT_AT, 5);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK_EQ(nwarn, 0);
    CHECK_EQ(A.revision, 0);
    CHECK(!A.xsdt);
    check_machine_madt();
    CHECK(A.has_fadt);
    CHECK_EQ(A.pm1a_cnt, 0x604);
    CHECK_EQ(A.pm_tmr_blk, 0x608);
    CHECK_EQ(A.reset_reg.addr, 0);      /* past a 1.0 FADT's end */
    CHECK_EQ(A.reset_value, 0);
    CHECK_EQ(A.x_pm1a_cnt.addr, 0);
    CHECK_EQ(A.hv_vendor, 0);
    CHECK(A.has_s5);
    CHECK_EQ(A.s5_typa, 5);
    CHECK(!A.has_hpet);
    CHECK_EQ(A.necam, 0);
    check_invariants(&A);
    fakemem_reset(&M);
}

/* ACPI 2.0-4.0 FADT (244 bytes): reset register, no sleep registers. */
TEST(fadt_244)
{
    uint64_t x[] = { FADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    place_fadt(FADT_AT, 244, false, DSDT_AT);
    place_dsdt(DSDT_AT, 0);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK_EQ(nwarn, 0);
    CHECK_EQ(A.reset_reg.addr, 0xCF9);
    CHECK_EQ(A.x_pm1a_cnt.addr, 0x604);
    CHECK_EQ(A.sleep_ctl.addr, 0);
    CHECK_EQ(A.sleep_sts.addr, 0);
    CHECK(!A.has_madt);
    fakemem_reset(&M);
}

/* A hardware-reduced 268-byte FADT, as QEMU's microvm builds it. */
TEST(fadt_hw_reduced)
{
    uint64_t x[] = { FADT_AT, MADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 2);
    place_fadt(FADT_AT, 268, true, DSDT_AT);
    place_dsdt(DSDT_AT, 5);
    place_madt(MADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK_EQ(nwarn, 0);
    CHECK(A.hw_reduced);
    CHECK_EQ(A.pm1a_cnt, 0);
    CHECK_EQ(A.pm_tmr_blk, 0);
    CHECK_EQ(A.sleep_ctl.space, ACPI_GAS_SPACE_MEMORY);
    CHECK_EQ(A.sleep_ctl.addr, 0xFEA00200);
    CHECK_EQ(A.sleep_sts.addr, 0xFEA00201);
    CHECK_EQ(A.reset_reg.space, ACPI_GAS_SPACE_MEMORY);
    CHECK_EQ(A.reset_value, 0x42);
    CHECK_EQ(A.hv_vendor, 0);           /* 268 < 276 */
    CHECK(A.has_s5);
    CHECK_EQ(A.s5_typa, 5);
    char line[200];
    acpi_describe(&A, line, sizeof line);
    CHECK(strstr(line, "hw-reduced=yes") && strstr(line, "s5=5/0"));
    fakemem_reset(&M);
}

/* A FADT shorter than ACPI 1.0's: each field read only if inside. */
TEST(fadt_truncated_header_length)
{
    uint64_t x[] = { FADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    place_fadt(FADT_AT, 116, false, DSDT_AT);
    place_dsdt(DSDT_AT, 0);
    uint8_t *f = fakemem_at(&M, FADT_AT);
    uint32_t len = 80;          /* ends right after PM_TMR_BLK */
    memcpy(f + 4, &len, 4);
    resum(FADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("shorter than ACPI 1.0"));
    CHECK(A.has_fadt);
    CHECK_EQ(A.pm1a_cnt, 0x604);
    CHECK_EQ(A.pm_tmr_blk, 0x608);      /* PM_TMR_LEN (91) is outside: kept */
    CHECK_EQ(A.fadt_flags, 0);
    CHECK_EQ(A.century, 0);
    CHECK(!A.pm_tmr_32bit);
    CHECK(A.has_s5);                    /* DSDT pointer at 40 is inside */
    fakemem_reset(&M);
}

/* PM_TMR_LEN 0 with a PM_TMR_BLK: no timer. */
TEST(fadt_pm_timer_len_zero)
{
    uint64_t x[] = { FADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    place_fadt(FADT_AT, 244, false, DSDT_AT);
    place_dsdt(DSDT_AT, 0);
    fakemem_at(&M, FADT_AT)[91] = 0;
    resum(FADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("PM_TMR_LEN"));
    CHECK_EQ(A.pm_tmr_blk, 0);
    fakemem_reset(&M);
}

/* X_DSDT wins over a different DSDT, with a warning. */
TEST(fadt_x_dsdt)
{
    uint64_t x[] = { FADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    place_fadt(FADT_AT, 276, false, 0x1234000);     /* no table at the 32-bit one */
    place_dsdt(DSDT_AT, 7);
    uint64_t d = DSDT_AT;
    memcpy(fakemem_at(&M, FADT_AT) + 140, &d, 8);
    resum(FADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("X_DSDT"));
    CHECK(A.has_s5);
    CHECK_EQ(A.s5_typa, 7);
    fakemem_reset(&M);
}

TEST(madt_all_entry_types)
{
    struct blob t;
    uint64_t x[] = { MADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    madt_begin(&t, 0xFEE00000, 0);
    madt_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
    madt_lapic(&t, 1, 2, ACPI_MADT_CPU_ONLINE_CAPABLE);    /* kept, not enabled */
    madt_lapic(&t, 2, 3, 0);                               /* ignored */
    madt_ioapic(&t, 4, 0xFEC00000, 0);
    madt_ioapic(&t, 5, 0xFEC01000, 24);
    madt_iso(&t, 0, 2, 0);
    madt_iso(&t, 9, 9, ACPI_MPS_INTI_LEVEL | ACPI_MPS_INTI_ACTIVE_LOW);
    put8(&t, 3); put8(&t, 8); put16(&t, 0); put32(&t, 7);  /* NMI source: skipped */
    madt_lapic_nmi(&t, 0xFF, ACPI_MPS_INTI_EDGE, 1);
    madt_lapic_nmi(&t, 1, 0, 0);
    put8(&t, 5); put8(&t, 12); put16(&t, 0); put64(&t, 0x1FEE00000ull);  /* LAPIC override */
    madt_x2apic(&t, 300, ACPI_MADT_CPU_ENABLED, 7);
    madt_x2apic(&t, 0, ACPI_MADT_CPU_ENABLED, 8);          /* duplicate APIC ID */
    madt_x2apic_nmi(&t, 0, ACPI_UID_ALL, 1);
    put8(&t, 0x7F); put8(&t, 3); put8(&t, 0);              /* unknown type */
    sdt_place(&t, MADT_AT);

    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK_EQ(nwarn, 1);
    CHECK(warned("APIC ID 0 twice"));
    CHECK_EQ(A.lapic_addr, 0x1FEE00000ull);
    CHECK_EQ(A.madt_flags, 0);
    REQUIRE(A.ncpus == 3);
    CHECK(A.cpus[0].enabled);
    CHECK_EQ(A.cpus[1].apic_id, 2);
    CHECK(!A.cpus[1].enabled);
    CHECK_EQ(A.cpus[2].apic_id, 300);
    CHECK_EQ(A.cpus[2].uid, 7);
    REQUIRE(A.nioapics == 2);
    CHECK_EQ(A.ioapics[1].id, 5);
    CHECK_EQ(A.ioapics[1].gsi_base, 24);
    REQUIRE(A.noverrides == 2);
    CHECK_EQ(A.overrides[1].flags, 0xF);
    REQUIRE(A.nnmis == 3);
    CHECK_EQ(A.nmis[0].uid, ACPI_UID_ALL);
    CHECK_EQ(A.nmis[0].flags, ACPI_MPS_INTI_EDGE);
    CHECK_EQ(A.nmis[1].uid, 1);
    CHECK_EQ(A.nmis[1].lint, 0);
    CHECK_EQ(A.nmis[2].uid, ACPI_UID_ALL);
    CHECK_EQ(A.nmis[2].lint, 1);
    CHECK(!A.has_fadt);
    check_invariants(&A);
    fakemem_reset(&M);
}

/* ---- broken MADTs ------------------------------------------------------------ */

static void madt_with_tail(const uint8_t *tail, size_t n)
{
    struct blob t;
    uint64_t x[] = { MADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    madt_begin(&t, 0xFEE00000, 1);
    madt_lapic(&t, 0, 0, 1);
    put(&t, tail, n);
    madt_lapic(&t, 1, 1, 1);        /* after the bad entry: must not be reached */
    sdt_place(&t, MADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    check_invariants(&A);
}

TEST(madt_entry_length_0)
{
    static const uint8_t tail[] = { 1, 0 };
    madt_with_tail(tail, sizeof tail);
    CHECK(warned("length 0"));
    CHECK_EQ(A.ncpus, 1);
    CHECK_EQ(A.nioapics, 0);
    fakemem_reset(&M);
}

TEST(madt_entry_length_1)
{
    static const uint8_t tail[] = { 0, 1 };
    madt_with_tail(tail, sizeof tail);
    CHECK(warned("length 1"));
    CHECK_EQ(A.ncpus, 1);
    fakemem_reset(&M);
}

/* An entry whose length runs past the table's end. */
TEST(madt_entry_past_end)
{
    struct blob t;
    uint64_t x[] = { MADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    madt_begin(&t, 0xFEE00000, 1);
    madt_lapic(&t, 0, 0, 1);
    put8(&t, 1); put8(&t, 12); put8(&t, 0); put8(&t, 0);   /* IOAPIC cut after 4 bytes */
    sdt_place(&t, MADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("runs past"));
    CHECK_EQ(A.ncpus, 1);
    CHECK_EQ(A.nioapics, 0);
    fakemem_reset(&M);
}

/* A single trailing byte: not even an entry header. */
TEST(madt_trailing_byte)
{
    struct blob t;
    uint64_t x[] = { MADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    madt_begin(&t, 0xFEE00000, 1);
    madt_lapic(&t, 0, 0, 1);
    put8(&t, 0);
    sdt_place(&t, MADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("inside an entry header"));
    CHECK_EQ(A.ncpus, 1);
    fakemem_reset(&M);
}

/* A known type shorter than its structure: skipped, the walk goes on. */
TEST(madt_entry_too_short_for_type)
{
    static const uint8_t tail[] = { 1, 6, 0, 0, 0, 0 };   /* IOAPIC of 6 bytes */
    struct blob t;
    uint64_t x[] = { MADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    madt_begin(&t, 0xFEE00000, 1);
    put(&t, tail, sizeof tail);
    madt_lapic(&t, 0, 0, 1);
    sdt_place(&t, MADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("too short"));
    CHECK_EQ(A.nioapics, 0);
    CHECK_EQ(A.ncpus, 1);
    fakemem_reset(&M);
}

/* More CPUs than the array holds: the rest dropped, with warnings. */
TEST(madt_too_many_cpus)
{
    struct blob t;
    uint64_t x[] = { MADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    madt_begin(&t, 0xFEE00000, 1);
    for (int i = 0; i < ACPI_MAX_CPUS + 3; i++)
        madt_x2apic(&t, (uint32_t)i, 1, (uint32_t)i);
    for (int i = 0; i < ACPI_MAX_IOAPICS + 1; i++)
        madt_ioapic(&t, (uint8_t)i, 0xFEC00000 + 0x1000 * i, 24 * i);
    for (int i = 0; i < ACPI_MAX_OVERRIDES + 1; i++)
        madt_iso(&t, (uint8_t)i, (uint32_t)i, 0);
    for (int i = 0; i < ACPI_MAX_NMIS + 1; i++)
        madt_lapic_nmi(&t, (uint8_t)i, 0, 1);
    sdt_place(&t, MADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK_EQ(A.ncpus, ACPI_MAX_CPUS);
    CHECK_EQ(A.nioapics, ACPI_MAX_IOAPICS);
    CHECK_EQ(A.noverrides, ACPI_MAX_OVERRIDES);
    CHECK_EQ(A.nnmis, ACPI_MAX_NMIS);
    CHECK(warned("more than 64 CPUs"));
    check_invariants(&A);
    fakemem_reset(&M);
}

/* ---- MCFG / HPET ------------------------------------------------------------- */

TEST(mcfg_entries)
{
    struct blob t;
    uint64_t x[] = { MCFG_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    sdt_begin(&t, "MCFG", 1);
    put(&t, NULL, 8);
    put64(&t, 0xB0000000); put16(&t, 0); put8(&t, 0); put8(&t, 63); put32(&t, 0);
    put64(&t, 0xC0000000); put16(&t, 1); put8(&t, 9); put8(&t, 3); put32(&t, 0);   /* start > end */
    put64(&t, 0xD0000000); put16(&t, 2); put8(&t, 0); put8(&t, 0); put32(&t, 0);
    put(&t, NULL, 7);                                                              /* partial */
    sdt_place(&t, MCFG_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("44 + 16n"));
    CHECK(warned("bus 9-3"));
    REQUIRE(A.necam == 2);
    CHECK_EQ(A.ecam[0].bus_end, 63);
    CHECK_EQ(A.ecam[1].base, 0xD0000000);
    CHECK_EQ(A.ecam[1].segment, 2);
    check_invariants(&A);
    fakemem_reset(&M);
}

TEST(hpet_not_memory)
{
    uint64_t x[] = { HPET_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    place_hpet(HPET_AT, ACPI_GAS_SPACE_IO);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("HPET base"));
    CHECK(!A.has_hpet);
    fakemem_reset(&M);
}

TEST(hpet_short)
{
    struct blob t;
    uint64_t x[] = { HPET_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, 1);
    sdt_begin(&t, "HPET", 1);
    put32(&t, 0);
    put_gas(&t, 0, 64, 0, 0xFED00000);      /* 52 bytes: no hpet_number... */
    sdt_place(&t, HPET_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("HPET table too short"));
    CHECK(!A.has_hpet);
    fakemem_reset(&M);
}

/* ---- RSDP ------------------------------------------------------------------- */

TEST(rsdp_bad_checksum)
{
    build_machine();
    fakemem_at(&M, RSDP_AT)[8] ^= 1;
    CHECK_EQ(parse_at(RSDP_AT), -EINVAL);
    CHECK(warned("RSDP checksum"));
    fakemem_reset(&M);
}

TEST(rsdp_bad_signature)
{
    build_machine();
    fakemem_at(&M, RSDP_AT)[0] = 'X';
    CHECK_EQ(parse_at(RSDP_AT), -EINVAL);
    CHECK_EQ(parse_at(0x12345000), -EINVAL);    /* nothing mapped there */
    fakemem_reset(&M);
}

/* Extended checksum bad: the XSDT is not trusted, the RSDT is used. */
TEST(rsdp_bad_extended_checksum)
{
    build_machine();
    fakemem_at(&M, RSDP_AT)[32] ^= 0x55;
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("extended checksum"));
    CHECK(!A.xsdt);
    CHECK(A.has_fadt && A.has_madt);
    CHECK(!A.has_hpet);             /* only listed in the XSDT */
    fakemem_reset(&M);
}

/* A revision-2 RSDP whose length field is too small. */
TEST(rsdp_bad_length)
{
    build_machine();
    uint8_t *r = fakemem_at(&M, RSDP_AT);
    uint32_t len = 20;
    memcpy(r + 20, &len, 4);
    r[32] = 0;
    r[32] = (uint8_t)-sum8(r, 36);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("length 20"));
    CHECK(!A.xsdt);
    fakemem_reset(&M);
}

/* The loader's copy wins over the address. */
TEST(rsdp_copy)
{
    build_machine();
    uint8_t copy[36];
    memcpy(copy, fakemem_at(&M, RSDP_AT), 36);
    nwarn = 0;
    CHECK_EQ(acpi_parse(0, copy, 36, &PM, &A, cap_warn), 0);
    CHECK_EQ(nwarn, 0);
    CHECK(A.xsdt && A.has_hpet);
    /* A 20-byte (ACPI 1.0) copy of a revision-2 RSDP: RSDT. */
    CHECK_EQ(acpi_parse(0, copy, 20, &PM, &A, cap_warn), 0);
    CHECK(!A.xsdt && A.has_madt);
    /* Shorter than 20: rejected. */
    CHECK_EQ(acpi_parse(0, copy, 19, &PM, &A, cap_warn), -EINVAL);
    fakemem_reset(&M);
}

/* XSDT broken (bad checksum): warn, use the RSDT. No root at all: -ENOENT. */
TEST(xsdt_bad_checksum_falls_back)
{
    build_machine();
    fakemem_at(&M, XSDT_AT)[40] ^= 1;
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("XSDT at 0x7fe0000 has a bad checksum"));
    CHECK(warned("trying the RSDT"));
    CHECK(!A.xsdt);
    CHECK(A.has_fadt && A.has_madt);
    CHECK(table_listed("XSDT", false));
    fakemem_at(&M, RSDT_AT)[40] ^= 1;
    CHECK_EQ(parse_at(RSDP_AT), -ENOENT);
    fakemem_reset(&M);
}

/* The RSDP's XSDT address points at something else. */
TEST(xsdt_wrong_signature)
{
    build_machine();
    fakemem_at(&M, XSDT_AT)[0] = 'Y';
    resum(XSDT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("expected XSDT"));
    CHECK(!A.xsdt);
    fakemem_reset(&M);
}

/* ---- broken tables ----------------------------------------------------------- */

/* A bad checksum rejects that table only. */
TEST(table_bad_checksum)
{
    build_machine();
    fakemem_at(&M, MADT_AT)[50] ^= 0x10;
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK_EQ(nwarn, 1);
    CHECK(warned("APIC at 0x7fe3000 has a bad checksum"));
    CHECK(!A.has_madt);
    CHECK_EQ(A.ncpus, 0);
    CHECK(A.has_fadt && A.has_s5 && A.has_hpet && A.necam == 1);
    CHECK(table_listed("APIC", false));
    fakemem_reset(&M);
}

/* The DSDT's checksum is bad: no \_S5, the rest stands. */
TEST(dsdt_bad_checksum)
{
    build_machine();
    fakemem_at(&M, DSDT_AT)[40] ^= 0x10;
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("DSDT at 0x7fe2000 has a bad checksum"));
    CHECK(A.has_fadt && !A.has_s5);
    fakemem_reset(&M);
}

/* The table's length claims more than memory holds: cannot be mapped. */
TEST(table_length_past_mapping)
{
    build_machine();
    uint8_t *m = fakemem_at(&M, MADT_AT);
    uint32_t len;
    memcpy(&len, m + 4, 4);
    len += 100;
    memcpy(m + 4, &len, 4);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("cannot map APIC"));
    CHECK(!A.has_madt);
    CHECK(A.has_fadt);
    CHECK(table_listed("APIC", false));
    fakemem_reset(&M);
}

/* A table cut short in memory (only its header is there). */
TEST(table_truncated)
{
    build_machine();
    for (int i = 0; i < M.n; i++)
        if (M.r[i].phys == MCFG_AT)
            M.r[i].len = 40;
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("cannot map MCFG"));
    CHECK_EQ(A.necam, 0);
    CHECK(A.has_hpet);
    /* Even the header is not all there. */
    for (int i = 0; i < M.n; i++)
        if (M.r[i].phys == MCFG_AT)
            M.r[i].len = 20;
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("cannot map the table header at 0x7fe4000"));
    fakemem_reset(&M);
}

TEST(table_huge_length)
{
    build_machine();
    uint32_t len = 0x7FFFFFF0;
    memcpy(fakemem_at(&M, HPET_AT) + 4, &len, 4);
    size_t maps = M.maps;
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("HPET at 0x7fe5000 has a bad length 2147483632"));
    CHECK(!A.has_hpet);
    CHECK(M.maps > maps);
    len = 35;
    memcpy(fakemem_at(&M, HPET_AT) + 4, &len, 4);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("bad length 35"));
    fakemem_reset(&M);
}

/* The XSDT lists itself, the same MADT twice, a second MADT, a null entry,
 * an address with nothing behind it and a DSDT. */
TEST(xsdt_loops_and_duplicates)
{
    struct blob t;
    uint64_t x[] = { XSDT_AT, MADT_AT, MADT_AT, 0x7FE7000, 0, 0xDEAD0000, DSDT_AT, FADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    place_root(XSDT_AT, true, x, sizeof x / sizeof x[0]);
    place_madt(MADT_AT);
    madt_begin(&t, 0xFEE00000, 0);      /* a second, different MADT */
    madt_lapic(&t, 0, 9, 1);
    sdt_place(&t, 0x7FE7000);
    place_fadt(FADT_AT, 276, false, DSDT_AT);
    place_dsdt(DSDT_AT, 0);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("table at 0x7fe0000 listed twice"));
    CHECK(warned("table at 0x7fe3000 listed twice"));
    CHECK(warned("second APIC at 0x7fe7000 (first kept)"));
    CHECK(warned("null table address"));
    CHECK(warned("cannot map the table header at 0xdead0000"));
    CHECK(warned("root table lists a DSDT"));
    check_machine_madt();           /* the first MADT, parsed once */
    CHECK(A.has_fadt);
    CHECK(A.has_s5);                /* the FADT's DSDT, though the XSDT listed it first */
    check_invariants(&A);
    fakemem_reset(&M);
}

/* An RSDT that points at the XSDT and at itself. */
TEST(rsdt_points_to_roots)
{
    uint64_t r[] = { RSDT_AT, XSDT_AT, MADT_AT };
    uint64_t x[] = { MADT_AT };
    fakemem_reset(&M);
    place_rsdp(RSDP_AT, 0, RSDT_AT, 0);
    place_root(RSDT_AT, false, r, 3);
    place_root(XSDT_AT, true, x, 1);
    place_madt(MADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("listed twice"));
    CHECK(warned("root table lists a XSDT"));
    CHECK(A.has_madt);
    fakemem_reset(&M);
}

/* More tables than the list holds, and a root table with a partial entry. */
TEST(many_tables)
{
    uint64_t x[40];
    struct blob t;
    fakemem_reset(&M);
    for (int i = 0; i < 40; i++) {
        x[i] = 0x7F00000 + 0x1000ull * i;
        sdt_begin(&t, "SSDT", 2);
        put8(&t, 0xA3);             /* NoopOp */
        sdt_place(&t, x[i]);
    }
    place_rsdp(RSDP_AT, 2, 0, XSDT_AT);
    sdt_begin(&t, "XSDT", 1);
    put(&t, x, sizeof x);
    put32(&t, 0);                   /* half an entry */
    sdt_place(&t, XSDT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("not a whole number of entries"));
    CHECK(warned("list truncated"));
    CHECK_EQ(A.ntables, ACPI_MAX_TABLES);
    check_invariants(&A);
    fakemem_reset(&M);
}

/* ---- the BIOS search ----------------------------------------------------------- */

static void place_bios_areas(uint16_t ebda_seg)
{
    fakemem_reset(&M);
    uint8_t *bda = fakemem_add(&M, 0x400, NULL, 0x100);
    memcpy(bda + 0x0E, &ebda_seg, 2);
    fakemem_add(&M, 0x9FC00, NULL, 0x400);
    fakemem_add(&M, 0xE0000, NULL, 0x20000);
}

static void put_rsdp_at(uint8_t *b, uint8_t rev)
{
    memcpy(b, "RSD PTR ", 8);
    b[15] = rev;
    b[8] = 0;
    b[8] = (uint8_t)-sum8(b, 20);
}

TEST(bios_scan_ebda)
{
    uint64_t at = 0;
    place_bios_areas(0x9FC0);
    put_rsdp_at(fakemem_at(&M, 0x9FC00) + 0x40, 0);
    put_rsdp_at(fakemem_at(&M, 0xE0000) + 0x100, 0);
    CHECK_EQ(acpi_find_rsdp_bios(&PM, &at), 0);
    CHECK_EQ(at, 0x9FC40);
    fakemem_reset(&M);
}

TEST(bios_scan_rom)
{
    uint64_t at = 0;
    place_bios_areas(0x9FC0);
    uint8_t *rom = fakemem_at(&M, 0xE0000);
    memcpy(rom + 0x10, "RSD PTR ", 8);          /* bad checksum: skipped */
    memcpy(rom + 0x38, "RSD PTR ", 8);          /* not 16-byte aligned: skipped */
    put_rsdp_at(rom + 0x38, 0);
    put_rsdp_at(rom + 0xFFF0, 2);               /* straddles a 4 KiB boundary */
    CHECK_EQ(acpi_find_rsdp_bios(&PM, &at), 0);
    CHECK_EQ(at, 0xEFFF0);
    fakemem_reset(&M);
}

TEST(bios_scan_none)
{
    uint64_t at = 0;
    place_bios_areas(0);                        /* no EBDA */
    CHECK_EQ(acpi_find_rsdp_bios(&PM, &at), -ENOENT);
    place_bios_areas(0xFFFF);                   /* wild EBDA segment */
    CHECK_EQ(acpi_find_rsdp_bios(&PM, &at), -ENOENT);
    fakemem_reset(&M);                                /* nothing mapped at all */
    CHECK_EQ(acpi_find_rsdp_bios(&PM, &at), -ENOENT);
    /* A signature in the last 16 bytes below 1 MiB: its 20 bytes cannot
     * be mapped, so it is skipped without an overread. */
    place_bios_areas(0x9FC0);
    memcpy(fakemem_at(&M, 0xE0000) + 0x1FFF0, "RSD PTR ", 8);
    CHECK_EQ(acpi_find_rsdp_bios(&PM, &at), -ENOENT);
    /* The last slot of the EBDA's first KiB is searched. */
    put_rsdp_at(fakemem_at(&M, 0x9FC00) + 0x3E0, 0);
    CHECK_EQ(acpi_find_rsdp_bios(&PM, &at), 0);
    CHECK_EQ(at, 0x9FFE0);
    fakemem_reset(&M);
}

/* The search, then the parse, as the kernel does on BIOS boots. */
TEST(bios_scan_then_parse)
{
    uint64_t at = 0;
    build_machine();
    uint8_t *bda = fakemem_add(&M, 0x400, NULL, 0x100);
    bda[0x0E] = 0;
    uint8_t *rom = fakemem_add(&M, 0xE0000, NULL, 0x20000);     /* the whole area, RSDP included */
    memcpy(rom, fakemem_at(&M, RSDP_AT), 36);
    CHECK_EQ(acpi_find_rsdp_bios(&PM, &at), 0);
    CHECK_EQ(at, RSDP_AT);
    CHECK_EQ(parse_at(at), 0);
    CHECK_EQ(nwarn, 0);
    fakemem_reset(&M);
}

/* ---- \_S5 ---------------------------------------------------------------------- */

static int s5_of(struct blob *t, uint8_t *a, uint8_t *b)
{
    /* A copy of exactly the bytes, so ASan sees any overread. */
    uint8_t *c = malloc(t->len ? t->len : 1);
    if (t->len)
        memcpy(c, t->b, t->len);
    int r = acpi_aml_find_s5(c, t->len, a, b);
    free(c);
    return r;
}

TEST(s5_integer_encodings)
{
    static const struct { enum enc e; uint64_t v; uint8_t want; } cases[] = {
        { E_ZERO, 0, 0 }, { E_ONE, 1, 1 }, { E_ONES, 0, 0xFF }, { E_BYTE, 5, 5 },
        { E_WORD, 0x1207, 7 }, { E_DWORD, 0xAABBCC06, 6 }, { E_QWORD, 0x1122334455667703ull, 3 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t j = 0; j < sizeof cases / sizeof cases[0]; j++) {
            struct blob t = {0};
            uint8_t a = 0x99, b = 0x99;
            aml_filler(&t);
            aml_s5(&t, (i + j) & 1, 1, cases[i].e, cases[i].v, cases[j].e, cases[j].v, 4, 2);
            CHECK_EQ(s5_of(&t, &a, &b), 0);
            CHECK_EQ(a, cases[i].want);
            CHECK_EQ(b, cases[j].want);
            free(t.b);
        }
    }
}

TEST(s5_pkglength_sizes)
{
    for (int n = 1; n <= 4; n++) {
        struct blob t = {0};
        uint8_t a = 0, b = 0;
        aml_s5(&t, true, n, E_BYTE, 5, E_ONE, 1, 4, 2);
        CHECK_EQ(s5_of(&t, &a, &b), 0);
        CHECK_EQ(a, 5);
        CHECK_EQ(b, 1);
        free(t.b);
    }
    /* Natural multi-byte lengths: 200 and 5000 bytes of padding. */
    size_t pads[] = { 200, 5000 };
    for (int k = 0; k < 2; k++) {
        struct blob t = {0};
        uint8_t a = 0, b = 0;
        aml_s5(&t, false, k + 2, E_ZERO, 0, E_BYTE, 2, 255, pads[k]);
        aml_filler(&t);
        CHECK_EQ(s5_of(&t, &a, &b), 0);
        CHECK_EQ(b, 2);
        free(t.b);
    }
}

TEST(s5_pkglength_decoder)
{
    uint32_t len;
    size_t n;
    static const uint8_t one[] = { 0x3F };
    static const uint8_t two[] = { 0x4A, 0x12 };            /* 0x12A */
    static const uint8_t four[] = { 0xC1, 0x23, 0x45, 0x67 };
    static const uint8_t bad_bits[] = { 0x5A, 0x12 };       /* bits 5-4 set */
    CHECK_EQ(acpi_aml_pkglength(one, 1, &len, &n), 0);
    CHECK_EQ(len, 0x3F);
    CHECK_EQ(n, 1);
    CHECK_EQ(acpi_aml_pkglength(two, 2, &len, &n), 0);
    CHECK_EQ(len, 0x12A);
    CHECK_EQ(n, 2);
    CHECK_EQ(acpi_aml_pkglength(four, 4, &len, &n), 0);
    CHECK_EQ(len, 0x6745231);
    CHECK_EQ(n, 4);
    CHECK_EQ(acpi_aml_pkglength(four, 3, &len, &n), -EINVAL);
    CHECK_EQ(acpi_aml_pkglength(bad_bits, 2, &len, &n), -EINVAL);
    CHECK_EQ(acpi_aml_pkglength(one, 0, &len, &n), -EINVAL);
}

/* A one-element package: typa in byte 0, typb in byte 1 (ACPICA's reading
 * of pre-2.0 tables). */
TEST(s5_one_element)
{
    struct blob t = {0};
    uint8_t a = 0, b = 0;
    aml_s5(&t, false, 1, E_WORD, 0x0705, E_ZERO, 0, 1, 0);
    CHECK_EQ(s5_of(&t, &a, &b), 0);
    CHECK_EQ(a, 5);
    CHECK_EQ(b, 7);
    free(t.b);
}

/* Every prefix of a valid encoding, down to the bare name at the end. */
TEST(s5_truncated_everywhere)
{
    struct blob t = {0};
    uint8_t a, b;
    aml_s5(&t, true, 2, E_DWORD, 5, E_QWORD, 6, 4, 2);
    size_t full = t.len;
    for (size_t cut = 0; cut < full; cut++) {
        t.len = cut;
        int r = s5_of(&t, &a, &b);
        CHECK(r == -EINVAL || r == -ENOENT);
        /* Up to the end of "_S5_" the name is not whole: -ENOENT. */
        if (cut >= 6)
            CHECK_EQ(r, -EINVAL);
    }
    t.len = full;
    CHECK_EQ(s5_of(&t, &a, &b), 0);
    free(t.b);
}

TEST(s5_malformed)
{
    uint8_t a, b;
    struct blob t = {0};

    /* PkgLength past the end of the buffer. */
    aml_s5(&t, false, 1, E_ZERO, 0, E_ZERO, 0, 4, 2);
    t.b[6] = 0x3F;
    CHECK_EQ(s5_of(&t, &a, &b), -EINVAL);
    /* PkgLength too small to hold NumElements. */
    t.b[6] = 1;
    CHECK_EQ(s5_of(&t, &a, &b), -EINVAL);
    /* PkgLength that ends before the second element. */
    t.b[6] = 3;
    CHECK_EQ(s5_of(&t, &a, &b), -EINVAL);
    free(t.b);

    /* No elements. */
    memset(&t, 0, sizeof t);
    aml_s5(&t, false, 1, E_ZERO, 0, E_ZERO, 0, 4, 0);
    t.b[7] = 0;
    CHECK_EQ(s5_of(&t, &a, &b), -EINVAL);
    /* An element that is not a constant (a NameSeg). */
    t.b[7] = 4;
    t.b[8] = 'X';
    CHECK_EQ(s5_of(&t, &a, &b), -EINVAL);
    free(t.b);

    /* Not a package: Name(_S5_, 5). */
    static const uint8_t notpkg[] = { 0x08, '_', 'S', '5', '_', 0x0A, 0x05 };
    memset(&t, 0, sizeof t);
    put(&t, notpkg, sizeof notpkg);
    CHECK_EQ(s5_of(&t, &a, &b), -EINVAL);
    free(t.b);

    /* A VarPackageOp: not understood. */
    static const uint8_t varpkg[] = { 0x08, '_', 'S', '5', '_', 0x13, 0x05, 0x0A, 0x02, 0x00, 0x00 };
    memset(&t, 0, sizeof t);
    put(&t, varpkg, sizeof varpkg);
    CHECK_EQ(s5_of(&t, &a, &b), -EINVAL);
    free(t.b);
}

TEST(s5_absent_or_referenced)
{
    uint8_t a, b;
    struct blob t = {0};

    CHECK_EQ(acpi_aml_find_s5(NULL, 0, &a, &b), -EINVAL);
    CHECK_EQ(s5_of(&t, &a, &b), -ENOENT);
    aml_filler(&t);
    CHECK_EQ(s5_of(&t, &a, &b), -ENOENT);
    /* _S5_ used, not declared (Return (\_S5_) in a method). */
    static const uint8_t ref[] = { 0xA4, '\\', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x00 };
    put(&t, ref, sizeof ref);
    CHECK_EQ(s5_of(&t, &a, &b), -ENOENT);
    /* The name alone at the very end of the buffer. */
    put8(&t, 0x08);
    put(&t, "_S5_", 4);
    CHECK_EQ(s5_of(&t, &a, &b), -EINVAL);
    free(t.b);
    /* A lone NameOp as the last byte. */
    memset(&t, 0, sizeof t);
    put8(&t, 0x08);
    CHECK_EQ(s5_of(&t, &a, &b), -ENOENT);
    free(t.b);
}

/* A malformed candidate first, a good one later: the good one is found. */
TEST(s5_second_candidate)
{
    uint8_t a = 0, b = 0;
    struct blob t = {0};
    static const uint8_t bad[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x3F };
    put(&t, bad, sizeof bad);
    aml_s5(&t, false, 1, E_BYTE, 5, E_BYTE, 6, 4, 2);
    CHECK_EQ(s5_of(&t, &a, &b), 0);
    CHECK_EQ(a, 5);
    CHECK_EQ(b, 6);
    free(t.b);
}

/* Through the whole parse: a DSDT per encoding and PkgLength size. */
TEST(s5_via_dsdt)
{
    for (int n = 1; n <= 4; n++) {
        struct blob t;
        build_machine();
        sdt_begin(&t, "DSDT", 2);
        aml_filler(&t);
        aml_s5(&t, n & 1, n, n == 4 ? E_DWORD : E_BYTE, 3, E_WORD, 4, 4, 2);
        sdt_place(&t, 0x7FE8000);
        uint32_t d = 0x7FE8000;
        memcpy(fakemem_at(&M, FADT_AT) + 40, &d, 4);
        resum(FADT_AT);
        CHECK_EQ(parse_at(RSDP_AT), 0);
        CHECK_EQ(nwarn, 0);
        CHECK(A.has_s5);
        CHECK_EQ(A.s5_typa, 3);
        CHECK_EQ(A.s5_typb, 4);
        fakemem_reset(&M);
    }
    /* A DSDT without \_S5: a warning, no power off. */
    struct blob t;
    build_machine();
    sdt_begin(&t, "DSDT", 2);
    aml_filler(&t);
    sdt_place(&t, 0x7FE8000);
    uint32_t d = 0x7FE8000;
    memcpy(fakemem_at(&M, FADT_AT) + 40, &d, 4);
    resum(FADT_AT);
    CHECK_EQ(parse_at(RSDP_AT), 0);
    CHECK(warned("no static \\_S5"));
    CHECK(!A.has_s5);
    fakemem_reset(&M);
}

/* ---- robustness: every byte of every table, and every truncation ----------------- */

/* Flip each byte of each table (checksum fixed up, so the parser believes
 * it) and truncate each region: no crash, no overread, invariants hold. */
TEST(mutate_every_byte)
{
    static const uint64_t tables[] = { XSDT_AT, RSDT_AT, FADT_AT, DSDT_AT, MADT_AT, MCFG_AT, HPET_AT };
    static const uint8_t values[] = { 0x00, 0xFF, 0x01, 0x80 };
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
        build_machine();
        uint8_t *b = fakemem_at(&M, tables[k]);
        uint32_t len;
        memcpy(&len, b + 4, 4);
        for (uint32_t off = 0; off < len; off++) {
            if (off == 9)
                continue;
            uint8_t orig = b[off];
            for (size_t v = 0; v < sizeof values; v++) {
                b[off] = values[v];
                if (off >= 8)
                    resum(tables[k]);
                int r = acpi_parse(RSDP_AT, NULL, 0, &PM, &A, NULL);
                CHECK(r == 0 || r == -ENOENT);
                check_invariants(&A);
                memcpy(&len, b + 4, 4);     /* the length may have been the byte */
            }
            b[off] = orig;
            memcpy(&len, b + 4, 4);
            resum(tables[k]);
            if (test_failed_now)
                break;
        }
        fakemem_reset(&M);
    }
}

TEST(truncate_every_region)
{
    build_machine();
    int n = M.n;
    for (int i = 0; i < n; i++) {
        size_t full = M.r[i].len;
        for (size_t cut = 0; cut <= full; cut++) {
            M.r[i].len = cut;
            int r = acpi_parse(RSDP_AT, NULL, 0, &PM, &A, NULL);
            CHECK(r == 0 || r == -ENOENT || r == -EINVAL);
            check_invariants(&A);
        }
        M.r[i].len = full;
    }
    fakemem_reset(&M);
}

/* ---- captured tables (tests/data/acpi) --------------------------------------------- */

static const char *capture_dir(void)
{
    const char *d = getenv("ACPI_DATA");
    return d && *d ? d : "tests/data/acpi";
}

static void file_fail(int line, const char *path, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s: %s", path, what);
    test_fail(__FILE__, line, msg);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static bool has_override(uint8_t irq, uint32_t gsi, uint16_t flags)
{
    for (size_t i = 0; i < A.noverrides; i++)
        if (A.overrides[i].bus == 0 && A.overrides[i].isa_irq == irq && A.overrides[i].gsi == gsi &&
            A.overrides[i].flags == flags)
            return true;
    return false;
}

static void print_capture(const char *path)
{
    char line[200];
    acpi_describe(&A, line, sizeof line);
    printf("     %s: %s\n", path, line);
    for (size_t i = 0; i < A.ntables; i++)
        printf("       %s 0x%" PRIx64 " %u rev %u%s\n", A.tables[i].sig, A.tables[i].addr, A.tables[i].len,
               A.tables[i].rev, A.tables[i].ok ? "" : " BAD");
    for (size_t i = 0; i < A.noverrides; i++)
        printf("       override ISA %u -> GSI %u flags 0x%x\n", A.overrides[i].isa_irq, A.overrides[i].gsi,
               A.overrides[i].flags);
    printf("       sci %u smi 0x%x/0x%x pm1a 0x%x tmr 0x%x%s reset %u:0x%" PRIx64 "=0x%x flags 0x%x boot 0x%x"
           " sleep %u:0x%" PRIx64 "\n", A.sci_irq, A.smi_cmd, A.acpi_enable, A.pm1a_cnt, A.pm_tmr_blk,
           A.pm_tmr_32bit ? "/32" : "/24", A.reset_reg.space, A.reset_reg.addr, A.reset_value, A.fadt_flags,
           A.iapc_boot_arch, A.sleep_ctl.space, A.sleep_ctl.addr);
}

/* What QEMU builds, by machine (hw/i386/acpi-build.c, acpi-microvm.c). */
static void check_machine(const char *path)
{
    const char *name = base_name(path);

    if (strncmp(name, "pc", 2) == 0 || strncmp(name, "q35", 3) == 0) {
        if (A.nioapics != 1)
            file_fail(__LINE__, path, "expected 1 IOAPIC");
        if (!has_override(0, 2, 0))
            file_fail(__LINE__, path, "expected ISA 0 -> GSI 2");
        if (!has_override(9, 9, ACPI_MPS_INTI_LEVEL | ACPI_MPS_INTI_ACTIVE_HIGH))
            file_fail(__LINE__, path, "expected the SCI override 9 -> 9 level/high");
        if (!A.has_fadt || A.hw_reduced || !A.pm_tmr_blk || A.sci_irq != 9 || !A.pm1a_cnt)
            file_fail(__LINE__, path, "expected a full FADT: SCI 9, PM1a_CNT, PM timer");
        if (!A.has_s5)
            file_fail(__LINE__, path, "expected \\_S5");
        if (!(A.madt_flags & ACPI_MADT_PCAT_COMPAT))
            file_fail(__LINE__, path, "expected PCAT_COMPAT");
    }
    if (strncmp(name, "q35", 3) == 0 && (A.necam < 1 || A.ecam[0].bus_start != 0))
        file_fail(__LINE__, path, "expected an MCFG window from bus 0");
    if (strncmp(name, "microvm", 7) == 0) {
        if (!A.has_fadt || !A.hw_reduced || !A.sleep_ctl.addr)
            file_fail(__LINE__, path, "expected a hardware-reduced FADT with a sleep control register");
        if (!A.has_s5 || A.s5_typa != 5)
            file_fail(__LINE__, path, "expected \\_S5 { 5, ... } (QEMU's GED S5 type)");
        if (A.nioapics < 1)
            file_fail(__LINE__, path, "expected an IOAPIC");
    }
}

static void check_capture(const char *path, const struct fakemem_capture *c)
{
    fakemem_from_capture(&M, c, -1, 0);
    int rc = parse_at(c->info);
    if (getenv("ACPI_VERBOSE"))
        print_capture(path);
    if (rc != 0)
        file_fail(__LINE__, path, nwarn ? warns[0] : "parse failed");
    if (nwarn)
        file_fail(__LINE__, path, warns[0]);
    if (A.ncpus < 1 || !A.cpus[0].enabled)
        file_fail(__LINE__, path, "no enabled CPU");
    if (A.lapic_addr != 0xFEE00000)
        file_fail(__LINE__, path, "local APIC not at 0xFEE00000");
    for (size_t i = 0; i < A.ntables; i++)
        if (!A.tables[i].ok)
            file_fail(__LINE__, path, "a table was rejected");
    check_machine(path);
    check_invariants(&A);
    fakemem_reset(&M);
}

/* Every capture parses cleanly; no capture at all is a failure, since the
 * real tables are what this test is for. */
TEST(captured_tables)
{
    char **files;
    int n = fakemem_list_captures(capture_dir(), &files);

    if (n == 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "no captured ACPI tables in %s (run tools/capture-acpi.sh)", capture_dir());
        test_fail(__FILE__, __LINE__, msg);
    }
    for (int i = 0; i < n; i++) {
        const char *err;
        struct fakemem_capture *c = fakemem_capture_load(files[i], NULL, NULL, &err);
        if (!c)
            file_fail(__LINE__, files[i], err);
        else {
            check_capture(files[i], c);
            fakemem_capture_free(c);
        }
        free(files[i]);
    }
    free(files);
}

/* Every capture, each region cut short by 1..N bytes. */
TEST(captured_tables_truncated)
{
    char **files;
    int n = fakemem_list_captures(capture_dir(), &files);

    for (int i = 0; i < n; i++) {
        const char *err;
        struct fakemem_capture *c = fakemem_capture_load(files[i], NULL, NULL, &err);
        for (int r = 0; c && r < c->n; r++) {
            for (size_t by = 1; by <= c->r[r].len; by += by < 64 ? 1 : c->r[r].len / 32 + 1) {
                fakemem_from_capture(&M, c, r, by);
                int rc = acpi_parse(c->info, NULL, 0, &PM, &A, NULL);
                CHECK(rc == 0 || rc == -EINVAL || rc == -ENOENT);
                check_invariants(&A);
            }
        }
        if (c)
            fakemem_capture_free(c);
        free(files[i]);
    }
    free(files);
    fakemem_reset(&M);
}
