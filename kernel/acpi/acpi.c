/* ACPI table parsing: RSDP -> XSDT/RSDT -> MADT, FADT (-> DSDT \_S5), MCFG,
 * HPET (ACPI 6.5 chapter 5.2; wire formats and sections in acpi_reg.h).
 *
 * Pure: all memory comes through the caller's physmem, so the host tests
 * feed constructed and captured tables (tests/unit/test_acpi.c). Firmware
 * is untrusted: each table is mapped header first, its length checked
 * (>= 36, <= 16 MiB), then mapped whole and checksummed before any field is
 * read; a field is read only when the table's length covers it. A pointer
 * from map() is used only until the next map() call (boot/bootinfo.h), so
 * what is needed later is copied first. */
#include "kernel/acpi/acpi.h"

#include <stdarg.h>

#include "kernel/acpi/acpi_aml.h"
#include "kernel/acpi/acpi_reg.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* Root table entries followed at most; more are reported and ignored. */
#define ACPI_MAX_ROOT_ENTRIES 64

struct parser {
    const struct physmem *pm;
    struct acpi_info *out;
    acpi_warn_fn warn;
    uint64_t visited[ACPI_MAX_ROOT_ENTRIES + 4];    /* table addresses parsed */
    size_t nvisited;
    bool tables_full;           /* warned once that tables[] is full */
};

static void warnf(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(struct parser *p, const char *fmt, ...)
{
    char msg[160];
    va_list ap;

    if (!p->warn)
        return;
    va_start(ap, fmt);
    memcpy(msg, "acpi: ", 6);       /* every warning's prefix, kept out of the formats */
    fmt_vsnprintf(msg + 6, sizeof msg - 6, fmt, ap);
    va_end(ap);
    p->warn(msg);
}

static uint16_t rd16(const uint8_t *b) { uint16_t v; memcpy(&v, b, 2); return v; }
static uint32_t rd32(const uint8_t *b) { uint32_t v; memcpy(&v, b, 4); return v; }
static uint64_t rd64(const uint8_t *b) { uint64_t v; memcpy(&v, b, 8); return v; }

static bool checksum_ok(const uint8_t *b, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + b[i]);
    return sum == 0;
}

/* A signature for messages and the table list: 4 printable characters. */
static void sig_copy(char dst[5], const uint8_t *src)
{
    for (int i = 0; i < 4; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7F ? (char)src[i] : '?';
    dst[4] = 0;
}

/* ---- the table list -------------------------------------------------------- */

static void list_table(struct parser *p, const char *sig, uint64_t addr, uint32_t len, uint8_t rev,
                       bool ok)
{
    struct acpi_info *o = p->out;

    if (o->ntables == ACPI_MAX_TABLES) {
        if (!p->tables_full)
            warnf(p, "more than %d tables, list truncated", ACPI_MAX_TABLES);
        p->tables_full = true;
        return;
    }
    memcpy(o->tables[o->ntables].sig, sig, 5);
    o->tables[o->ntables].addr = addr;
    o->tables[o->ntables].len = len;
    o->tables[o->ntables].rev = rev;
    o->tables[o->ntables].ok = ok;
    o->ntables++;
}

static bool visited(struct parser *p, uint64_t addr)
{
    for (size_t i = 0; i < p->nvisited; i++)
        if (p->visited[i] == addr)
            return true;
    if (p->nvisited < sizeof p->visited / sizeof p->visited[0])
        p->visited[p->nvisited++] = addr;
    return false;
}

/* ---- mapping a table --------------------------------------------------------
 * Returns the whole table (valid until the next map), or NULL after one
 * warning and, when the header was readable, a not-ok entry in the list.
 * `expect` is the signature required, or NULL for any. */
static const uint8_t *map_table(struct parser *p, uint64_t phys, const char *expect, uint32_t *lenp)
{
    const uint8_t *b = phys ? p->pm->map(p->pm->ctx, phys, ACPI_SDT_HDR_LEN) : NULL;
    char sig[5];

    if (!b) {
        warnf(p, "cannot map the %s header at 0x%llx", expect ? expect : "table",
              (unsigned long long)phys);
        return NULL;
    }
    sig_copy(sig, b);
    uint32_t len = rd32(b + 4);
    uint8_t rev = b[8];
    if (expect && memcmp(b, expect, 4) != 0) {
        warnf(p, "table at 0x%llx is '%s', expected %s (ignored)", (unsigned long long)phys,
              sig, expect);
        list_table(p, sig, phys, len, rev, false);
        return NULL;
    }
    if (len < ACPI_SDT_HDR_LEN || len > ACPI_SDT_MAX_LEN) {
        warnf(p, "%s at 0x%llx has a bad length %u (ignored)", sig, (unsigned long long)phys, len);
        list_table(p, sig, phys, len, rev, false);
        return NULL;
    }
    b = p->pm->map(p->pm->ctx, phys, len);
    if (!b) {
        warnf(p, "cannot map %s at 0x%llx+%u (ignored)", sig, (unsigned long long)phys, len);
        list_table(p, sig, phys, len, rev, false);
        return NULL;
    }
    if (!checksum_ok(b, len)) {
        warnf(p, "%s at 0x%llx has a bad checksum (ignored)", sig, (unsigned long long)phys);
        list_table(p, sig, phys, len, rev, false);
        return NULL;
    }
    list_table(p, sig, phys, len, rev, true);
    *lenp = len;
    return b;
}

/* ---- MADT (5.2.12) --------------------------------------------------------- */

/* The length of each MADT entry type read below (0: a type not read). */
static const uint8_t madt_min_len[] = {
    [ACPI_MADT_LAPIC] = sizeof(struct acpi_madt_lapic),
    [ACPI_MADT_IOAPIC] = sizeof(struct acpi_madt_ioapic),
    [ACPI_MADT_ISO] = sizeof(struct acpi_madt_iso),
    [ACPI_MADT_LAPIC_NMI] = sizeof(struct acpi_madt_lapic_nmi),
    [ACPI_MADT_LAPIC_OVR] = sizeof(struct acpi_madt_lapic_ovr),
    [ACPI_MADT_X2APIC] = sizeof(struct acpi_madt_x2apic),
    [ACPI_MADT_X2APIC_NMI] = sizeof(struct acpi_madt_x2apic_nmi),
};

static void madt_add_cpu(struct parser *p, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
    struct acpi_info *o = p->out;

    /* 5.2.12.2: neither Enabled nor Online Capable: "OSPM shall ignore". */
    if (!(flags & (ACPI_MADT_CPU_ENABLED | ACPI_MADT_CPU_ONLINE_CAPABLE)))
        return;
    for (size_t i = 0; i < o->ncpus; i++) {
        if (o->cpus[i].apic_id == apic_id) {
            warnf(p, "MADT lists APIC ID %u twice (second ignored)", apic_id);
            return;
        }
    }
    if (o->ncpus == ACPI_MAX_CPUS) {
        warnf(p, "more than %d CPUs, APIC ID %u ignored", ACPI_MAX_CPUS, apic_id);
        return;
    }
    o->cpus[o->ncpus].apic_id = apic_id;
    o->cpus[o->ncpus].uid = uid;
    o->cpus[o->ncpus].enabled = flags & ACPI_MADT_CPU_ENABLED;
    o->ncpus++;
}

static void madt_add_nmi(struct parser *p, uint32_t uid, uint8_t lint, uint16_t flags)
{
    struct acpi_info *o = p->out;

    if (o->nnmis == ACPI_MAX_NMIS) {
        warnf(p, "more than %d local APIC NMI entries (ignored)", ACPI_MAX_NMIS);
        return;
    }
    o->nmis[o->nnmis].uid = uid;
    o->nmis[o->nnmis].lint = lint;
    o->nmis[o->nnmis].flags = flags;
    o->nnmis++;
}

static void madt_entry(struct parser *p, const uint8_t *e, uint8_t type, uint8_t elen)
{
    struct acpi_info *o = p->out;
    size_t need = type < sizeof madt_min_len ? madt_min_len[type] : 0;

    if (elen < need) {
        warnf(p, "MADT entry type %u too short (%u bytes, need %zu; skipped)", type, elen, need);
        return;
    }
    switch (type) {
    case ACPI_MADT_LAPIC:
        madt_add_cpu(p, e[3], e[2], rd32(e + 4));
        break;
    case ACPI_MADT_X2APIC:
        madt_add_cpu(p, rd32(e + 4), rd32(e + 12), rd32(e + 8));
        break;
    case ACPI_MADT_IOAPIC:
        if (o->nioapics == ACPI_MAX_IOAPICS) {
            warnf(p, "more than %d IOAPICs, ID %u ignored", ACPI_MAX_IOAPICS, e[2]);
            break;
        }
        o->ioapics[o->nioapics].id = e[2];
        o->ioapics[o->nioapics].addr = rd32(e + 4);
        o->ioapics[o->nioapics].gsi_base = rd32(e + 8);
        o->nioapics++;
        break;
    case ACPI_MADT_ISO:
        if (o->noverrides == ACPI_MAX_OVERRIDES) {
            warnf(p, "more than %d interrupt overrides, IRQ %u ignored", ACPI_MAX_OVERRIDES, e[3]);
            break;
        }
        o->overrides[o->noverrides].bus = e[2];
        o->overrides[o->noverrides].isa_irq = e[3];
        o->overrides[o->noverrides].gsi = rd32(e + 4);
        o->overrides[o->noverrides].flags = rd16(e + 8);
        o->noverrides++;
        break;
    case ACPI_MADT_LAPIC_NMI:
        madt_add_nmi(p, e[2] == 0xFF ? ACPI_UID_ALL : e[2], e[5], rd16(e + 3));
        break;
    case ACPI_MADT_X2APIC_NMI:
        madt_add_nmi(p, rd32(e + 4), e[8], rd16(e + 2));
        break;
    case ACPI_MADT_LAPIC_OVR:
        o->lapic_addr = rd64(e + 4);
        break;
    default:
        break;                  /* SAPIC, GIC, wakeup mailbox...: not for us */
    }
}

static void parse_madt(struct parser *p, const uint8_t *t, uint32_t len)
{
    struct acpi_info *o = p->out;

    if (len < sizeof(struct acpi_madt)) {
        warnf(p, "MADT too short (%u bytes; ignored)", len);
        return;
    }
    o->has_madt = true;
    o->madt_flags = rd32(t + offsetof(struct acpi_madt, flags));
    /* A type 5 entry replaces this, wherever it is in the list (5.2.12.8). */
    if (!o->lapic_addr)
        o->lapic_addr = rd32(t + offsetof(struct acpi_madt, lapic_address));
    for (size_t off = sizeof(struct acpi_madt); off < len;) {
        if (len - off < 2) {
            warnf(p, "MADT ends inside an entry header at offset %zu", off);
            return;
        }
        uint8_t type = t[off], elen = t[off + 1];
        if (elen < 2) {
            warnf(p, "MADT entry at offset %zu has length %u (walk stopped)", off, elen);
            return;
        }
        if (elen > len - off) {
            warnf(p, "MADT entry at offset %zu runs past the table (walk stopped)", off);
            return;
        }
        madt_entry(p, t + off, type, elen);
        off += elen;
    }
}

/* ---- FADT (5.2.9) ---------------------------------------------------------- */

#define FADT_HAS(len, field) ((len) >= ACPI_FADT_OFF(field) + ACPI_FADT_SIZE(field))

static struct acpi_gas read_gas(const uint8_t *b)
{
    return (struct acpi_gas){ b[0], b[1], b[2], b[3], rd64(b + 4) };
}

static void parse_dsdt(struct parser *p, uint64_t phys)
{
    uint32_t len;
    /* Only the first FADT gets here, so the DSDT is parsed at most once
     * (even when a root table also lists it, which parse_entry ignores). */
    const uint8_t *t = map_table(p, phys, ACPI_SIG_DSDT, &len);
    if (!t)
        return;
    int err = acpi_aml_find_s5(t + ACPI_SDT_HDR_LEN, len - ACPI_SDT_HDR_LEN, &p->out->s5_typa,
                               &p->out->s5_typb);
    p->out->has_s5 = err == 0;
    if (err == -EINVAL)
        warnf(p, "DSDT \\_S5 is malformed (no ACPI power off)");
    else if (err)
        warnf(p, "DSDT has no static \\_S5 package (no ACPI power off)");
}

/* The DSDT address: X_DSDT when present and non-zero, else DSDT (5.2.9:
 * "If the X_DSDT field contains a non-zero value then this field must be
 * zero"; firmware that sets both differently gets the 64-bit one, as
 * Linux and ACPICA do, with a warning). */
static uint64_t fadt_dsdt(struct parser *p, const uint8_t *t, uint32_t len)
{
    uint64_t d32 = FADT_HAS(len, dsdt) ? rd32(t + ACPI_FADT_OFF(dsdt)) : 0;
    uint64_t d64 = FADT_HAS(len, x_dsdt) ? rd64(t + ACPI_FADT_OFF(x_dsdt)) : 0;

    if (d64 && d32 && d64 != d32)
        warnf(p, "FADT DSDT 0x%llx and X_DSDT 0x%llx differ (using X_DSDT)",
              (unsigned long long)d32, (unsigned long long)d64);
    return d64 ? d64 : d32;
}

/* The FADT fields kept in acpi_info: integers copied as they are (each
 * the same width on both sides), Generic Address Structures converted by
 * read_gas(). A field past the end of a shorter, older FADT stays 0 (out
 * was cleared by acpi_parse, and only the first FADT gets here). */
#define FADT_INTS(X)                                                            \
    X(sci_int, sci_irq) X(smi_cmd, smi_cmd) X(acpi_enable, acpi_enable)         \
    X(pm1a_cnt_blk, pm1a_cnt) X(pm1b_cnt_blk, pm1b_cnt) X(pm1_cnt_len, pm1_cnt_len) \
    X(pm_tmr_blk, pm_tmr_blk) X(century, century) X(iapc_boot_arch, iapc_boot_arch) \
    X(flags, fadt_flags) X(reset_value, reset_value) X(hypervisor_vendor_id, hv_vendor)
#define FADT_GASES(X)                                                           \
    X(reset_reg, reset_reg) X(x_pm1a_cnt_blk, x_pm1a_cnt) X(x_pm1b_cnt_blk, x_pm1b_cnt) \
    X(x_pm_tmr_blk, x_pm_tmr) X(sleep_control_reg, sleep_ctl) X(sleep_status_reg, sleep_sts)

#define FADT_FIELD(f, m) { ACPI_FADT_OFF(f), offsetof(struct acpi_info, m), ACPI_FADT_SIZE(f) },
static const struct fadt_field {
    uint16_t src, dst;          /* offsets in the FADT and in struct acpi_info */
    uint8_t size;               /* in the FADT; sizeof(struct acpi_gas_reg) for a GAS */
} fadt_fields[] = { FADT_INTS(FADT_FIELD) FADT_GASES(FADT_FIELD) };

#define FADT_INT_SAME(f, m) \
    _Static_assert(ACPI_FADT_SIZE(f) == sizeof(((struct acpi_info *)0)->m), #m " width");
#define FADT_GAS_KIND(f, m)                                                     \
    _Static_assert(ACPI_FADT_SIZE(f) == sizeof(struct acpi_gas_reg) &&           \
                   sizeof(((struct acpi_info *)0)->m) == sizeof(struct acpi_gas), #m " is a GAS");
FADT_INTS(FADT_INT_SAME)
FADT_GASES(FADT_GAS_KIND)
_Static_assert(sizeof(struct acpi_gas_reg) > sizeof(uint64_t), "no integer field is GAS-sized");

static void parse_fadt(struct parser *p, const uint8_t *t, uint32_t len)
{
    struct acpi_info *o = p->out;

    o->has_fadt = true;
    if (len < ACPI_FADT_V1_LEN)
        warnf(p, "FADT is %u bytes, shorter than ACPI 1.0's %u (missing fields read as 0)", len,
              ACPI_FADT_V1_LEN);
    for (size_t i = 0; i < sizeof fadt_fields / sizeof fadt_fields[0]; i++) {
        const struct fadt_field *f = &fadt_fields[i];
        uint8_t *dst = (uint8_t *)o + f->dst;
        if (len < f->src + f->size)
            continue;
        if (f->size == sizeof(struct acpi_gas_reg)) {
            struct acpi_gas g = read_gas(t + f->src);
            memcpy(dst, &g, sizeof g);
        } else {
            memcpy(dst, t + f->src, f->size);
        }
    }
    o->hw_reduced = o->fadt_flags & ACPI_FADT_F_HW_REDUCED;
    o->pm_tmr_32bit = o->fadt_flags & ACPI_FADT_F_TMR_VAL_EXT;
    /* 5.2.9: PM_TMR_LEN is 4 when the timer is supported, else 0. */
    if (o->pm_tmr_blk && FADT_HAS(len, pm_tmr_len) && t[ACPI_FADT_OFF(pm_tmr_len)] < 4) {
        warnf(p, "FADT PM timer at port 0x%x with PM_TMR_LEN %u (ignored)", o->pm_tmr_blk,
              t[ACPI_FADT_OFF(pm_tmr_len)]);
        o->pm_tmr_blk = 0;
    }
    uint64_t dsdt = fadt_dsdt(p, t, len);
    /* t is dead after the next map: everything needed was copied above. */
    if (dsdt)
        parse_dsdt(p, dsdt);
    else
        warnf(p, "FADT gives no DSDT");
}

/* ---- MCFG (PCI Firmware 3.0, 4.1.2) and HPET (IA-PC HPET 1.0a, 3.2.4) ------ */

static void parse_mcfg(struct parser *p, const uint8_t *t, uint32_t len)
{
    struct acpi_info *o = p->out;
    size_t hdr = sizeof(struct acpi_mcfg), esz = sizeof(struct acpi_mcfg_alloc);

    if (len < hdr || (len - hdr) % esz)
        warnf(p, "MCFG length %u is not 44 + 16n (partial entry ignored)", len);
    for (size_t off = hdr; len >= esz && off <= len - esz; off += esz) {
        const uint8_t *e = t + off;
        uint64_t base = rd64(e);
        uint8_t start = e[10], end = e[11];
        if (!base || start > end) {
            warnf(p, "MCFG entry 0x%llx bus %u-%u is invalid (ignored)", (unsigned long long)base,
                  start, end);
            continue;
        }
        if (o->necam == ACPI_MAX_ECAM) {
            warnf(p, "more than %d MCFG entries (ignored)", ACPI_MAX_ECAM);
            return;
        }
        o->ecam[o->necam].base = base;
        o->ecam[o->necam].segment = rd16(e + 8);
        o->ecam[o->necam].bus_start = start;
        o->ecam[o->necam].bus_end = end;
        o->necam++;
    }
}

static void parse_hpet(struct parser *p, const uint8_t *t, uint32_t len)
{
    if (len < sizeof(struct acpi_hpet)) {
        warnf(p, "HPET table too short (%u bytes; ignored)", len);
        return;
    }
    struct acpi_gas g = read_gas(t + offsetof(struct acpi_hpet, base));
    if (g.space != ACPI_GAS_SPACE_MEMORY || !g.addr) {
        warnf(p, "HPET base (space %u, 0x%llx) is not in memory (ignored)", g.space,
              (unsigned long long)g.addr);
        return;
    }
    p->out->has_hpet = true;
    p->out->hpet_addr = g.addr;
}

/* ---- the root table and its entries ---------------------------------------- */

static bool seen_sig(const struct acpi_info *o, const char *sig, size_t before)
{
    for (size_t i = 0; i < before; i++)
        if (o->tables[i].ok && memcmp(o->tables[i].sig, sig, 4) == 0)
            return true;
    return false;
}

static void parse_entry(struct parser *p, uint64_t phys)
{
    struct acpi_info *o = p->out;
    uint32_t len;

    if (!phys) {
        warnf(p, "root table lists a null table address (ignored)");
        return;
    }
    if (visited(p, phys)) {
        warnf(p, "table at 0x%llx listed twice (parsed once)", (unsigned long long)phys);
        return;
    }
    size_t before = o->ntables;
    const uint8_t *t = map_table(p, phys, NULL, &len);
    if (!t)
        return;
    char sig[5];
    sig_copy(sig, t);
    bool known = !memcmp(sig, ACPI_SIG_MADT, 4) || !memcmp(sig, ACPI_SIG_FADT, 4) ||
                 !memcmp(sig, ACPI_SIG_MCFG, 4) || !memcmp(sig, ACPI_SIG_HPET, 4);
    if (known && seen_sig(o, sig, before)) {
        warnf(p, "second %s at 0x%llx (first kept)", sig, (unsigned long long)phys);
        return;
    }
    if (!memcmp(sig, ACPI_SIG_MADT, 4))
        parse_madt(p, t, len);
    else if (!memcmp(sig, ACPI_SIG_FADT, 4))
        parse_fadt(p, t, len);
    else if (!memcmp(sig, ACPI_SIG_MCFG, 4))
        parse_mcfg(p, t, len);
    else if (!memcmp(sig, ACPI_SIG_HPET, 4))
        parse_hpet(p, t, len);
    else if (!memcmp(sig, ACPI_SIG_RSDT, 4) || !memcmp(sig, ACPI_SIG_XSDT, 4) ||
             !memcmp(sig, ACPI_SIG_DSDT, 4))
        warnf(p, "root table lists a %s at 0x%llx (ignored)", sig, (unsigned long long)phys);
}

/* Maps and checks the root table, copies its entries, then parses each
 * (the copy, because parsing an entry maps other tables). */
static int parse_root(struct parser *p, uint64_t phys, bool xsdt)
{
    uint64_t entries[ACPI_MAX_ROOT_ENTRIES];
    size_t esz = xsdt ? 8 : 4, n;
    uint32_t len;

    visited(p, phys);
    const uint8_t *t = map_table(p, phys, xsdt ? ACPI_SIG_XSDT : ACPI_SIG_RSDT, &len);
    if (!t)
        return -ENOENT;
    n = (len - ACPI_SDT_HDR_LEN) / esz;
    if ((len - ACPI_SDT_HDR_LEN) % esz)
        warnf(p, "%s length %u is not a whole number of entries", xsdt ? "XSDT" : "RSDT", len);
    if (n > ACPI_MAX_ROOT_ENTRIES) {
        warnf(p, "%s lists %zu tables, only the first %d are read", xsdt ? "XSDT" : "RSDT", n,
              ACPI_MAX_ROOT_ENTRIES);
        n = ACPI_MAX_ROOT_ENTRIES;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = t + ACPI_SDT_HDR_LEN + i * esz;
        entries[i] = xsdt ? rd64(e) : rd32(e);
    }
    p->out->xsdt = xsdt;
    for (size_t i = 0; i < n; i++)
        parse_entry(p, entries[i]);
    return 0;
}

/* ---- RSDP (5.2.5.3) -------------------------------------------------------- */

struct rsdp {
    uint8_t revision;
    char oem_id[7];
    uint32_t rsdt;
    uint64_t xsdt;              /* 0 unless the v2 part is valid */
};

/* Checks an RSDP at r[0..avail): the 20-byte checksum, then, for revision
 * 2+, the extended checksum over its length (which must fit in avail). */
static int check_rsdp(struct parser *p, const uint8_t *r, size_t avail, uint64_t phys, struct rsdp *out)
{
    if (avail < ACPI_RSDP_V1_LEN || memcmp(r, ACPI_RSDP_SIG, 8) != 0) {
        warnf(p, "no RSDP signature at 0x%llx", (unsigned long long)phys);
        return -EINVAL;
    }
    if (!checksum_ok(r, ACPI_RSDP_V1_LEN)) {
        warnf(p, "RSDP checksum is bad");
        return -EINVAL;
    }
    out->revision = r[offsetof(struct acpi_rsdp, revision)];
    for (int i = 0; i < 6; i++) {
        uint8_t c = r[offsetof(struct acpi_rsdp, oem_id) + i];
        out->oem_id[i] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    out->oem_id[6] = 0;
    out->rsdt = rd32(r + offsetof(struct acpi_rsdp, rsdt_address));
    out->xsdt = 0;
    if (out->revision < ACPI_RSDP_REV_V2)
        return 0;
    uint32_t len = avail >= ACPI_RSDP_V2_LEN ? rd32(r + offsetof(struct acpi_rsdp, length)) : 0;
    if (len < ACPI_RSDP_V2_LEN || len > avail) {
        warnf(p, "RSDP revision %u with length %u (XSDT not used)", out->revision, len);
        return 0;
    }
    if (!checksum_ok(r, len)) {
        warnf(p, "RSDP extended checksum is bad (XSDT not used)");
        return 0;
    }
    out->xsdt = rd64(r + offsetof(struct acpi_rsdp, xsdt_address));
    return 0;
}

/* The RSDP from the copy, or mapped at phys: 20 bytes, then its length. */
static int read_rsdp(struct parser *p, uint64_t phys, const uint8_t *copy, size_t copy_len, struct rsdp *r)
{
    if (copy && copy_len)
        return check_rsdp(p, copy, copy_len, phys, r);
    const uint8_t *b = phys ? p->pm->map(p->pm->ctx, phys, ACPI_RSDP_V1_LEN) : NULL;
    if (!b) {
        warnf(p, "cannot map the RSDP at 0x%llx", (unsigned long long)phys);
        return -EINVAL;
    }
    size_t avail = ACPI_RSDP_V1_LEN;
    if (b[offsetof(struct acpi_rsdp, revision)] >= ACPI_RSDP_REV_V2) {
        /* Map what the length field claims (bounded), so that the checksum
         * covers the whole structure. */
        const uint8_t *b2 = p->pm->map(p->pm->ctx, phys, ACPI_RSDP_V2_LEN);
        uint32_t len = b2 ? rd32(b2 + offsetof(struct acpi_rsdp, length)) : 0;
        if (len >= ACPI_RSDP_V2_LEN && len <= 4096)
            b2 = p->pm->map(p->pm->ctx, phys, len);
        else
            len = ACPI_RSDP_V2_LEN;
        if (b2) {
            b = b2;
            avail = len;
        } else {
            b = p->pm->map(p->pm->ctx, phys, ACPI_RSDP_V1_LEN);
            if (!b)
                return -EINVAL;
        }
    }
    return check_rsdp(p, b, avail, phys, r);
}

int acpi_parse(uint64_t rsdp_phys, const uint8_t *rsdp_copy, size_t rsdp_len, const struct physmem *pm,
               struct acpi_info *out, acpi_warn_fn warn)
{
    struct parser p = { .pm = pm, .out = out, .warn = warn };
    struct rsdp r;

    memset(out, 0, sizeof *out);
    int err = read_rsdp(&p, rsdp_phys, rsdp_copy, rsdp_len, &r);
    if (err)
        return err;
    out->revision = r.revision;
    memcpy(out->oem_id, r.oem_id, sizeof out->oem_id);
    /* 5.2.5.3: an ACPI 2.0+ OS uses the XSDT when its address is valid. */
    if (r.xsdt && parse_root(&p, r.xsdt, true) == 0)
        return 0;
    if (r.xsdt)
        warnf(&p, "XSDT unusable, trying the RSDT");
    if (!r.rsdt) {
        warnf(&p, "RSDP gives no usable root table");
        return -ENOENT;
    }
    return parse_root(&p, r.rsdt, false);
}

/* ---- legacy BIOS search (5.2.5.1) ------------------------------------------ */

static bool rsdp_at(const struct physmem *pm, uint64_t phys)
{
    const uint8_t *b = pm->map(pm->ctx, phys, ACPI_RSDP_V1_LEN);
    return b && memcmp(b, ACPI_RSDP_SIG, 8) == 0 && checksum_ok(b, ACPI_RSDP_V1_LEN);
}

/* Scans [base, end) in 4 KiB pieces (a piece that cannot be mapped is
 * skipped); a signature is then confirmed with its own 20-byte mapping,
 * since it may straddle two pieces. */
static int scan_range(const struct physmem *pm, uint64_t base, uint64_t end, uint64_t *phys)
{
    for (uint64_t piece = base; piece < end; piece += 4096) {
        uint64_t n = end - piece < 4096 ? end - piece : 4096;
        const uint8_t *b = pm->map(pm->ctx, piece, n);
        if (!b)
            continue;
        for (uint64_t off = 0; off + 8 <= n; off += ACPI_RSDP_ALIGN) {
            if (memcmp(b + off, ACPI_RSDP_SIG, 8) != 0)
                continue;
            if (rsdp_at(pm, piece + off)) {
                *phys = piece + off;
                return 0;
            }
            b = pm->map(pm->ctx, piece, n);     /* rsdp_at mapped over it */
            if (!b)
                break;
        }
    }
    return -ENOENT;
}

int acpi_find_rsdp_bios(const struct physmem *pm, uint64_t *phys)
{
    const uint8_t *p = pm->map(pm->ctx, ACPI_EBDA_SEG_PTR, 2);
    uint64_t ebda = p ? (uint64_t)rd16(p) << 4 : 0;

    /* The EBDA lies below the 640 KiB hole; a zero or wild segment (no
     * EBDA) is skipped, as Linux does (acpi_find_root_pointer). */
    if (ebda >= 0x400 && ebda + ACPI_EBDA_SCAN_LEN <= 0xA0000 &&
        scan_range(pm, ebda, ebda + ACPI_EBDA_SCAN_LEN, phys) == 0)
        return 0;
    return scan_range(pm, ACPI_BIOS_ROM_BASE, ACPI_BIOS_ROM_END, phys);
}

/* ---- summary ---------------------------------------------------------------- */

void acpi_describe(const struct acpi_info *a, char *buf, size_t size)
{
    char s5[16];

    if (a->has_s5)
        fmt_snprintf(s5, sizeof s5, "%u/%u", a->s5_typa, a->s5_typb);
    else
        fmt_snprintf(s5, sizeof s5, "none");
    fmt_snprintf(buf, size, "rev %u %s, %zu cpu%s, %zu ioapic%s, %zu override%s%s%s, s5=%s, hw-reduced=%s",
                 a->revision, a->xsdt ? "XSDT" : "RSDT", a->ncpus, a->ncpus == 1 ? "" : "s", a->nioapics,
                 a->nioapics == 1 ? "" : "s", a->noverrides, a->noverrides == 1 ? "" : "s",
                 a->has_hpet ? ", hpet" : "", a->necam ? ", mcfg" : "", s5,
                 !a->has_fadt ? "?" : a->hw_reduced ? "yes" : "no");
}
