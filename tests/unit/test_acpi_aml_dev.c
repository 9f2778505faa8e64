/* Host unit tests for kernel/acpi/acpi_aml_dev.c, the static AML device
 * reader: QEMU's real DSDTs (tests/data/acpi, captured by
 * tools/capture-acpi.sh) with the values QEMU generates, hand-built AML for
 * each construct, and corrupted tables (every truncation, byte flips,
 * lengths past the end, bad names, absurd nesting) that must be refused or
 * read without a byte out of bounds (ASan).
 *
 * Expected values: hw/i386/acpi-microvm.c (QEMU 7.2) builds
 *   Scope(\_SB) { Device(FWCF) .. Device(COM1) .. Device(RTC) ..
 *     Device(GED) .. Device(PWRB) .. Device(VRnn) for each virtio-mmio
 *     transport with a device: _HID "LNRO0005", _UID nn, _CCA 1,
 *     _CRS { Memory32Fixed(ReadWrite, 0xFEB00000 + nn * 0x200, 0x200),
 *            Interrupt(ResourceConsumer, Level, ActiveHigh, Exclusive)
 *            { 24 + nn } } }
 * (virtio IRQs from GSI 24, on the second IOAPIC, when ACPI is on). iasl is
 * not installed here: the captures were decoded by hand, byte by byte,
 * against ACPI 6.5 chapter 20 and 6.4, and agree with that source. */
#include "kernel/acpi/acpi.h"
#include "kernel/acpi/acpi_aml_dev.h"
#include "kernel/errno.h"
#include "tests/unit/fakemem.h"
#include "tests/unit/test.h"

#define MAXD 64
static struct acpi_aml_dev D[MAXD];
static struct acpi_aml_devs L;

static int read_aml(const uint8_t *aml, size_t len)
{
    memset(D, 0xA5, sizeof D);
    L = (struct acpi_aml_devs){ .dev = D, .max = MAXD };
    return acpi_aml_devices(aml, len, &L);
}

static const struct acpi_aml_dev *find(const char *path)
{
    for (size_t i = 0; i < L.n && i < L.max; i++)
        if (strcmp(D[i].path, path) == 0)
            return &D[i];
    return NULL;
}

/* The DSDT body of a capture, malloc'd; NULL when the file is missing. */
static uint8_t *load_dsdt(const char *name, size_t *len)
{
    static struct fakemem M;
    static struct acpi_info A;
    char path[256];
    const char *dir = getenv("ACPI_DATA"), *err = NULL;
    snprintf(path, sizeof path, "%s/%s.txt", dir && *dir ? dir : "tests/data/acpi", name);
    struct fakemem_capture *c = fakemem_capture_load(path, NULL, NULL, &err);
    if (!c) {
        printf("     %s: %s\n", path, err ? err : "?");
        return NULL;
    }
    fakemem_from_capture(&M, c, -1, 0);
    struct physmem pm = { fakemem_map, &M };
    uint8_t *body = NULL;
    if (acpi_parse(c->info, NULL, 0, &pm, &A, NULL) == 0) {
        for (size_t i = 0; i < A.ntables; i++) {
            if (memcmp(A.tables[i].sig, "DSDT", 4) || !A.tables[i].ok || A.tables[i].len < 36)
                continue;
            const uint8_t *t = fakemem_map(&M, A.tables[i].addr, A.tables[i].len);
            *len = A.tables[i].len - 36;
            body = malloc(*len);
            memcpy(body, t + 36, *len);
        }
    }
    fakemem_reset(&M);
    fakemem_capture_free(c);
    return body;
}

static void dump(const char *what)
{
    if (!getenv("AML_VERBOSE"))
        return;
    printf("%s: %zu devices, %u skipped, %u bad\n", what, L.n, L.skipped, L.bad);
    for (size_t i = 0; i < L.n && i < L.max; i++)
        printf("  %-24s %-9s uid%s%u mem %d 0x%llx+0x%llx io %d 0x%x+%u irq %d %u%s %s %s\n", D[i].path,
               D[i].hid, D[i].has_uid ? "" : "?", D[i].uid, D[i].has_mem, (unsigned long long)D[i].mem_base,
               (unsigned long long)D[i].mem_len, D[i].has_io, D[i].io_base, D[i].io_len, D[i].has_irq,
               D[i].irq, D[i].irq_isa ? "isa" : "", D[i].irq_level ? "level" : "edge",
               D[i].irq_active_low ? "low" : "high");
}

TEST(eisa_ids)
{
    char b[8];
    acpi_eisa_id(0x000BD041, b);
    CHECK_STR(b, "PNP0B00");
    acpi_eisa_id(0x0105D041, b);
    CHECK_STR(b, "PNP0501");
    acpi_eisa_id(0x030AD041, b);
    CHECK_STR(b, "PNP0A03");
    acpi_eisa_id(0x0301D041, b);        /* EisaId("PNP0103"), the HPET */
    CHECK_STR(b, "PNP0103");
}

TEST(dump_captures)
{
    static const char *const names[] = { "pc", "q35", "microvm", "microvm-virtio" };
    for (size_t i = 0; i < 4; i++) {
        size_t len = 0;
        uint8_t *aml = load_dsdt(names[i], &len);
        REQUIRE(aml);
        CHECK_EQ(read_aml(aml, len), 0);
        dump(names[i]);
        free(aml);
    }
}

TEST(microvm_virtio_devices)
{
    size_t len = 0;
    uint8_t *aml = load_dsdt("microvm-virtio", &len);
    REQUIRE(aml);
    CHECK_EQ(read_aml(aml, len), 0);
    CHECK_EQ(L.n, 7);
    CHECK_EQ(L.skipped, 0);
    CHECK_EQ(L.bad, 0);
    /* -device virtio-net-device and virtio-blk-device land on the last two
     * transports (QEMU plugs them from the top): 23 and 22. */
    static const struct { const char *path; uint32_t uid; uint64_t base; uint32_t gsi; } vr[] = {
        { "\\_SB_.VR23", 23, 0xFEB02E00, 47 }, { "\\_SB_.VR22", 22, 0xFEB02C00, 46 },
    };
    for (size_t i = 0; i < 2; i++) {
        const struct acpi_aml_dev *d = find(vr[i].path);
        REQUIRE(d);
        CHECK_STR(d->hid, "LNRO0005");
        CHECK(d->has_uid);
        CHECK_EQ(d->uid, vr[i].uid);
        CHECK(d->has_mem);
        CHECK_EQ(d->mem_base, vr[i].base);
        CHECK_EQ(d->mem_len, 0x200);
        CHECK(d->has_irq && !d->irq_isa);
        CHECK_EQ(d->irq, vr[i].gsi);
        CHECK(d->irq_level && !d->irq_active_low);
        CHECK(!d->has_io);
    }
    const struct acpi_aml_dev *rtc = find("\\_SB_.RTC_");
    REQUIRE(rtc);
    CHECK_STR(rtc->hid, "PNP0B00");         /* EisaId: the integer 0x000BD041 */
    CHECK(!rtc->has_uid && !rtc->has_mem);
    CHECK(rtc->has_io);
    CHECK_EQ(rtc->io_base, 0x70);
    CHECK_EQ(rtc->io_len, 8);
    CHECK(rtc->has_irq && rtc->irq_isa);     /* IRQNoFlags() {8}: edge, high */
    CHECK_EQ(rtc->irq, 8);
    CHECK(!rtc->irq_level && !rtc->irq_active_low);
    const struct acpi_aml_dev *ged = find("\\_SB_.GED_");
    REQUIRE(ged);
    CHECK_STR(ged->hid, "ACPI0013");
    CHECK(!ged->has_uid);                   /* _UID "GED": not a number */
    CHECK(ged->has_irq && !ged->irq_isa && !ged->irq_level);
    CHECK_EQ(ged->irq, 9);
    const struct acpi_aml_dev *com = find("\\_SB_.COM1");
    REQUIRE(com);
    CHECK_STR(com->hid, "PNP0501");
    CHECK(com->has_uid);
    CHECK_EQ(com->uid, 1);
    CHECK_EQ(com->io_base, 0x3F8);
    CHECK_EQ(com->irq, 4);
    CHECK_STR(find("\\_SB_.FWCF")->hid, "QEMU0002");
    CHECK_STR(find("\\_SB_.PWRB")->hid, "PNP0C0C");
    free(aml);
}

TEST(microvm_bare_and_pc_q35)
{
    size_t len = 0;
    uint8_t *aml = load_dsdt("microvm", &len);
    REQUIRE(aml);
    CHECK_EQ(read_aml(aml, len), 0);
    CHECK_EQ(L.n, 5);
    CHECK(find("\\_SB_.VR00") == NULL);
    CHECK(find("\\_SB_.RTC_") != NULL);
    free(aml);

    /* pc (hw/i386/acpi-build.c): the ISA devices under the PIIX3 function
     * S08_, the HPET's Memory32Fixed, the PCI host bridge. */
    aml = load_dsdt("pc", &len);
    REQUIRE(aml);
    CHECK_EQ(read_aml(aml, len), 0);
    CHECK_EQ(L.skipped, 0);
    const struct acpi_aml_dev *d = find("\\_SB_.PCI0.S08_.RTC_");
    REQUIRE(d);
    CHECK_STR(d->hid, "PNP0B00");
    CHECK_EQ(d->io_base, 0x70);
    CHECK_EQ(d->irq, 8);
    d = find("\\_SB_.HPET");
    REQUIRE(d);
    CHECK_STR(d->hid, "PNP0103");
    CHECK(d->has_mem && !d->has_irq);
    CHECK_EQ(d->mem_base, 0xFED00000);
    CHECK_EQ(d->mem_len, 0x400);
    CHECK_STR(find("\\_SB_.PCI0")->hid, "PNP0A03");
    CHECK_EQ(find("\\_SB_.PCI0.S08_.MOU_")->irq, 12);
    free(aml);

    /* q35: the MMCONFIG window of the PNP0C01 resource device (DRAC), the
     * PCI interrupt links GSIA..GSIH with Interrupt() {16..23}, level. */
    aml = load_dsdt("q35", &len);
    REQUIRE(aml);
    CHECK_EQ(read_aml(aml, len), 0);
    CHECK_STR(find("\\_SB_.PCI0")->hid, "PNP0A08");
    d = find("\\_SB_.DRAC");
    REQUIRE(d);
    CHECK_EQ(d->mem_base, 0xB0000000);
    CHECK_EQ(d->mem_len, 0x10000000);
    d = find("\\_SB_.GSIH");
    REQUIRE(d);
    CHECK_EQ(d->irq, 23);
    CHECK(d->irq_level && !d->irq_active_low);
    CHECK_STR(find("\\_SB_.PCI0.SF8_.RTC_")->hid, "PNP0B00");
    free(aml);
}

/* Every truncation of a real DSDT, and every byte of it replaced by a few
 * values, is either read or refused, never read out of bounds (ASan: each
 * buffer is exactly its length). */
TEST(corrupted_captures)
{
    size_t len = 0;
    uint8_t *aml = load_dsdt("microvm-virtio", &len);
    REQUIRE(aml);
    int refused = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *b = malloc(cut ? cut : 1);
        memcpy(b, aml, cut);
        int r = read_aml(b, cut);
        CHECK(r == 0 || r == -EINVAL);
        CHECK(L.n <= 7);
        refused += r != 0;
        free(b);
    }
    CHECK(refused > 0);
    static const uint8_t vals[] = { 0x00, 0x2F, 0x5B, 0x5C, 0x5E, 0x7F, 0x80, 0xC0, 0xFF };
    uint8_t *b = malloc(len);
    for (size_t i = 0; i < len; i++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(b, aml, len);
            b[i] = vals[v];
            int r = read_aml(b, len);
            CHECK(r == 0 || r == -EINVAL);
        }
    }
    free(b);
    /* Scope(\_SB)'s PkgLength made one byte longer than the table. */
    b = malloc(len);
    memcpy(b, aml, len);
    REQUIRE(b[0] == 0x10 && (b[1] >> 6) == 1);
    uint32_t pl = (uint32_t)len + 1;
    b[1] = (uint8_t)(0x40 | (pl & 0xF));
    b[2] = (uint8_t)(pl >> 4);
    CHECK_EQ(read_aml(b, len), -EINVAL);
    free(b);
    free(aml);
}

/* Hand-built AML for the constructs QEMU does not emit. */
TEST(synthetic_aml)
{
    /* Device(\_SB.DEV0) by a DualNamePath from the root, with a DWord
     * memory range and an active-low level Interrupt, and a Name(_HID)
     * given through the full path. */
    static const uint8_t dev[] = {
        0x5B, 0x82, 0x42, 0x05, 0x5C, 0x2E, '_', 'S', 'B', '_', 'D', 'E', 'V', '0',
        0x08, '_', 'H', 'I', 'D', 0x0D, 'A', 'B', 'C', 'D', '0', '0', '0', '1', 0,
        0x08, '_', 'U', 'I', 'D', 0x0D, '4', '2', 0,
        0x08, '_', 'C', 'R', 'S', 0x11, 0x28, 0x0A, 0x25,
        0x87, 0x17, 0x00, 0x00, 0x0C, 0x03, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0xD0, 0xFF, 0x0F, 0x00, 0xD0,
        0, 0, 0, 0, 0x00, 0x10, 0x00, 0x00,
        0x89, 0x06, 0x00, 0x0D, 0x01, 0x05, 0x00, 0x00, 0x00,
        0x79, 0x00,
    };
    CHECK_EQ(read_aml(dev, sizeof dev), 0);
    REQUIRE(L.n == 1);
    CHECK_STR(D[0].path, "\\_SB_.DEV0");
    CHECK_STR(D[0].hid, "ABCD0001");
    CHECK(D[0].has_uid);
    CHECK_EQ(D[0].uid, 42);
    CHECK(D[0].has_mem);
    CHECK_EQ(D[0].mem_base, 0xD0000000);
    CHECK_EQ(D[0].mem_len, 0x1000);
    CHECK(D[0].has_irq && D[0].irq_level && D[0].irq_active_low);
    CHECK_EQ(D[0].irq, 5);

    /* _STA 0: not present, dropped. A nested Device reached through ^. */
    static const uint8_t sta[] = {
        0x5B, 0x82, 0x20, 'A', 'A', 'A', 'A', 0x08, '_', 'S', 'T', 'A', 0x00,
        0x5B, 0x82, 0x13, 'B', 'B', 'B', 'B', 0x08, '^', '_', 'U', 'I', 'D', 0x0A, 0x07,
        0x08, '_', 'U', 'I', 'D', 0x01,
    };
    CHECK_EQ(read_aml(sta, sizeof sta), 0);
    REQUIRE(L.n == 1);
    CHECK_STR(D[0].path, "\\AAAA.BBBB");
    CHECK_EQ(D[0].uid, 1);                  /* ^_UID named AAAA's, not BBBB's */

    /* An unknown opcode ends the scope it is in (and only that one). */
    static const uint8_t unk[] = {
        0x10, 0x0A, 'S', 'S', 'S', 'S', 0x70, 0x01, 0x60, 0x00, 0x00,   /* Store(One, Local0) */
        0x5B, 0x82, 0x05, 'C', 'C', 'C', 'C',
    };
    CHECK_EQ(read_aml(unk, sizeof unk), 0);
    CHECK_EQ(L.skipped, 1);
    REQUIRE(L.n == 1);
    CHECK_STR(D[0].path, "\\CCCC");

    /* A bad _CRS (a descriptor past the buffer) drops its device only. */
    static const uint8_t badcrs[] = {
        0x5B, 0x82, 0x11, 'D', 'D', 'D', 'D', 0x08, '_', 'C', 'R', 'S', 0x11, 0x06, 0x0A, 0x03, 0x86, 0x09, 0x00,
        0x5B, 0x82, 0x05, 'E', 'E', 'E', 'E',
    };
    CHECK_EQ(read_aml(badcrs, sizeof badcrs), 0);
    CHECK_EQ(L.bad, 1);
    REQUIRE(L.n == 1);
    CHECK_STR(D[0].path, "\\EEEE");

    /* A Buffer whose size is computed (Local0) is stepped over, not read. */
    static const uint8_t dynbuf[] = {
        0x5B, 0x82, 0x11, 'F', 'F', 'F', 'F', 0x08, '_', 'C', 'R', 'S', 0x11, 0x06, 0x60, 0x86, 0x09, 0x00, 0x00,
    };
    CHECK_EQ(read_aml(dynbuf, sizeof dynbuf), 0);
    CHECK_EQ(L.bad, 0);
    REQUIRE(L.n == 1);
    CHECK(!D[0].has_mem);
}

TEST(refused_aml)
{
    /* bad name character */
    static const uint8_t badname[] = { 0x5B, 0x82, 0x05, 'a', 'A', 'A', 'A' };
    CHECK_EQ(read_aml(badname, sizeof badname), -EINVAL);
    /* digit first */
    static const uint8_t digit[] = { 0x10, 0x05, '1', 'A', 'A', 'A' };
    CHECK_EQ(read_aml(digit, sizeof digit), -EINVAL);
    /* ^ above the root */
    static const uint8_t up[] = { 0x10, 0x06, '^', 'A', 'A', 'A', 'A' };
    CHECK_EQ(read_aml(up, sizeof up), -EINVAL);
    /* MultiNamePath with 0 segments, and with more than there are bytes */
    static const uint8_t multi0[] = { 0x10, 0x07, 0x2F, 0x00, 'A', 'A', 'A', 'A' };
    CHECK_EQ(read_aml(multi0, sizeof multi0), -EINVAL);
    static const uint8_t multi9[] = { 0x10, 0x07, 0x2F, 0x09, 'A', 'A', 'A', 'A' };
    CHECK_EQ(read_aml(multi9, sizeof multi9), -EINVAL);
    /* PkgLength past the table; PkgLength shorter than its own encoding */
    static const uint8_t past[] = { 0x10, 0x3F, 'A', 'A', 'A', 'A' };
    CHECK_EQ(read_aml(past, sizeof past), -EINVAL);
    static const uint8_t tiny[] = { 0x14, 0x40, 0x00 };
    CHECK_EQ(read_aml(tiny, sizeof tiny), -EINVAL);
    /* unterminated string */
    static const uint8_t str[] = { 0x08, 'A', 'A', 'A', 'A', 0x0D, 'x', 'y' };
    CHECK_EQ(read_aml(str, sizeof str), -EINVAL);
    /* a DWord constant cut short */
    static const uint8_t dw[] = { 0x08, 'A', 'A', 'A', 'A', 0x0C, 0x01, 0x02 };
    CHECK_EQ(read_aml(dw, sizeof dw), -EINVAL);
    /* nesting deeper than ACPI_AML_MAX_DEPTH: Scope(A){Scope(A){...}} */
    enum { N = ACPI_AML_MAX_DEPTH + 1 };
    uint8_t deep[N * 7];
    for (int i = 0; i < N; i++) {
        size_t rest = sizeof deep - (size_t)i * 7;    /* this scope to the end */
        uint8_t *p = deep + i * 7;
        p[0] = 0x10;
        p[1] = (uint8_t)(0x40 | ((rest - 1) & 0xF));
        p[2] = (uint8_t)((rest - 1) >> 4);
        memcpy(p + 3, "AAAA", 4);
    }
    CHECK_EQ(read_aml(deep, sizeof deep), -EINVAL);
    CHECK_EQ(read_aml(deep + 7, sizeof deep - 7), 0);  /* one level less is fine */
    /* empty input */
    CHECK_EQ(read_aml(NULL, 0), 0);
    CHECK_EQ(L.n, 0);
}

TEST(resource_templates)
{
    struct acpi_aml_dev d;
    /* QWord memory (6.4.3.5.1) above 4 GiB, then Memory32 ignored (first wins). */
    uint8_t q[3 + 43 + 3 + 17 + 2] = { 0x8A, 43, 0, 0x00 };
    uint64_t min = 0x100000000ull, ln = 0x4000;
    memcpy(q + 3 + 11, &min, 8);
    memcpy(q + 3 + 35, &ln, 8);
    uint8_t *m = q + 3 + 43;
    m[0] = 0x85;
    m[1] = 17;
    m[2] = 0;
    m[3 + 13] = 0x10;
    q[sizeof q - 2] = 0x79;
    memset(&d, 0, sizeof d);
    CHECK_EQ(acpi_crs_parse(q, sizeof q, &d), 0);
    CHECK(d.has_mem);
    CHECK_EQ(d.mem_base, 0x100000000ull);
    CHECK_EQ(d.mem_len, 0x4000);
    /* QWord of the I/O type: no memory window. */
    q[3] = 1;
    memset(&d, 0, sizeof d);
    CHECK_EQ(acpi_crs_parse(q, 3 + 43, &d), 0);
    CHECK(!d.has_mem);
    /* Too short for its type, or past the end. */
    static const uint8_t shortq[] = { 0x8A, 0x05, 0x00, 0, 0, 0, 0, 0 };
    CHECK_EQ(acpi_crs_parse(shortq, sizeof shortq, &d), -EINVAL);
    static const uint8_t cut[] = { 0x86, 0x09 };
    CHECK_EQ(acpi_crs_parse(cut, sizeof cut, &d), -EINVAL);
    static const uint8_t ext0[] = { 0x89, 0x02, 0x00, 0x01, 0x00 };   /* zero interrupts */
    CHECK_EQ(acpi_crs_parse(ext0, sizeof ext0, &d), -EINVAL);
    static const uint8_t ext2[] = { 0x89, 0x06, 0x00, 0x01, 0x02, 1, 0, 0, 0 };   /* says 2, has 1 */
    CHECK_EQ(acpi_crs_parse(ext2, sizeof ext2, &d), -EINVAL);
    /* IRQ with flags: level, active low (bit 0 clear, bit 3 set); Fixed I/O. */
    static const uint8_t irq[] = { 0x23, 0x00, 0x08, 0x08, 0x4B, 0x60, 0x00, 0x04, 0x79, 0x00 };
    memset(&d, 0, sizeof d);
    CHECK_EQ(acpi_crs_parse(irq, sizeof irq, &d), 0);
    CHECK(d.has_irq && d.irq_isa && d.irq_level && d.irq_active_low);
    CHECK_EQ(d.irq, 11);
    CHECK(d.has_io);
    CHECK_EQ(d.io_base, 0x60);
    CHECK_EQ(d.io_len, 4);
}
