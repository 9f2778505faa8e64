/* The bounded static AML device reader; see acpi_aml_dev.h for what it reads
 * and refuses. Every read is checked against the end of the object that
 * encloses it; each step consumes at least one byte, so the work is linear
 * in the table's length, and recursion is bounded by ACPI_AML_MAX_DEPTH. */
#include "kernel/acpi/acpi_aml_dev.h"

#include "kernel/acpi/acpi_aml.h"
#include "kernel/errno.h"
#ifdef HOSTED
#include <string.h>
#else
#include "lib/string.h"
#endif

/* Opcodes beyond acpi_aml.h's (ACPI 6.5 20.2.x). */
#define AML_ALIAS_OP       0x06
#define AML_STRING_PREFIX  0x0D
#define AML_SCOPE_OP       0x10
#define AML_BUFFER_OP      0x11
#define AML_VARPACKAGE_OP  0x13
#define AML_METHOD_OP      0x14
#define AML_DUAL_PREFIX    0x2E
#define AML_MULTI_PREFIX   0x2F
#define AML_EXT_PREFIX     0x5B
#define AML_PARENT_CHAR    0x5E    /* '^' */
#define AML_IF_OP          0xA0
#define AML_ELSE_OP        0xA1
#define AML_WHILE_OP       0xA2
/* after AML_EXT_PREFIX */
#define AML_MUTEX_OP       0x01
#define AML_EVENT_OP       0x02
#define AML_REVISION_OP    0x30
#define AML_REGION_OP      0x80
#define AML_FIELD_OP       0x81
#define AML_DEVICE_OP      0x82
#define AML_PROCESSOR_OP   0x83
#define AML_POWERRES_OP    0x84
#define AML_THERMAL_OP     0x85
#define AML_INDEXFIELD_OP  0x86
#define AML_BANKFIELD_OP   0x87

#define AML_UNKNOWN 1               /* an opcode the reader does not step over */

struct walk {
    const uint8_t *a;
    struct acpi_aml_devs *out;
    char path[ACPI_AML_PATH_MAX];
    size_t plen;
};

/* What a Device's static names said. */
struct dev_acc {
    struct acpi_aml_dev d;
    bool absent, bad;
};

/* PkgLength at *pos: the package's end (which must lie within end) into
 * *pkg_end; *pos moves past the encoding. */
static int pkg(const uint8_t *a, size_t *pos, size_t end, size_t *pkg_end)
{
    uint32_t pl;
    size_t nb;
    if (*pos >= end || acpi_aml_pkglength(a + *pos, end - *pos, &pl, &nb) || pl < nb || pl > end - *pos)
        return -EINVAL;
    *pkg_end = *pos + pl;
    *pos += nb;
    return 0;
}

static bool lead_char(uint8_t c) { return (c >= 'A' && c <= 'Z') || c == '_'; }

/* A NameString at *pos (20.2.2) applied to path[0..*plen): '\' restarts at
 * the root, each '^' drops a segment, then the segments are appended. */
static int name_string(const uint8_t *a, size_t *pos, size_t end, char *path, size_t *plen)
{
    size_t p = *pos, n = 1;
    if (p < end && a[p] == AML_ROOT_CHAR) {
        *plen = 1;
        path[0] = '\\';
        p++;
    } else {
        for (; p < end && a[p] == AML_PARENT_CHAR; p++) {
            if (*plen <= 1)
                return -EINVAL;             /* ^ above the root */
            while (*plen > 1 && path[--*plen] != '.')
                ;
        }
    }
    if (p >= end)
        return -EINVAL;
    if (a[p] == 0) {                        /* NullName */
        *pos = p + 1;
        return 0;
    }
    if (a[p] == AML_DUAL_PREFIX) {
        n = 2;
        p++;
    } else if (a[p] == AML_MULTI_PREFIX) {
        if (p + 1 >= end || a[p + 1] == 0)
            return -EINVAL;
        n = a[p + 1];
        p += 2;
    }
    if (n > end - p || n * 4 > end - p)
        return -EINVAL;
    for (size_t s = 0; s < n; s++, p += 4) {
        if (*plen + 6 > ACPI_AML_PATH_MAX || !lead_char(a[p]))
            return -EINVAL;
        if (*plen > 1)
            path[(*plen)++] = '.';
        for (int k = 0; k < 4; k++) {
            uint8_t c = a[p + k];
            if (k && !lead_char(c) && !(c >= '0' && c <= '9'))
                return -EINVAL;
            path[(*plen)++] = (char)c;
        }
    }
    path[*plen] = '\0';
    *pos = p;
    return 0;
}

/* An integer constant (20.2.3 ComputationalData, ConstObj, RevisionOp).
 * AML_UNKNOWN when the object is something else. */
static int int_const(const uint8_t *a, size_t *pos, size_t end, uint64_t *v)
{
    size_t p = *pos, size = 0;
    if (p >= end)
        return -EINVAL;
    switch (a[p]) {
    case AML_ZERO_OP: *v = 0; break;
    case AML_ONE_OP: *v = 1; break;
    case AML_ONES_OP: *v = UINT64_MAX; break;
    case AML_BYTE_PREFIX: size = 1; break;
    case AML_WORD_PREFIX: size = 2; break;
    case AML_DWORD_PREFIX: size = 4; break;
    case AML_QWORD_PREFIX: size = 8; break;
    case AML_EXT_PREFIX:
        if (p + 1 >= end || a[p + 1] != AML_REVISION_OP)
            return AML_UNKNOWN;
        *v = 0;
        *pos = p + 2;
        return 0;
    default:
        return AML_UNKNOWN;
    }
    if (size > end - p - 1)
        return -EINVAL;
    if (size)
        *v = 0;
    for (size_t i = 0; i < size; i++)
        *v |= (uint64_t)a[p + 1 + i] << (8 * i);
    *pos = p + 1 + size;
    return 0;
}

void acpi_eisa_id(uint32_t id, char buf[8])
{
    static const char hex[] = "0123456789ABCDEF";
    /* Stored little-endian; the id is the bytes b0 b1 b2 b3 read as: b0 b1
     * big-endian, three 5-bit letters ('A' = 1); then b2, b3 as four hex
     * digits. */
    uint32_t c = (id & 0xFF) << 8 | (id >> 8 & 0xFF);
    buf[0] = (char)('@' + (c >> 10 & 0x1F));
    buf[1] = (char)('@' + (c >> 5 & 0x1F));
    buf[2] = (char)('@' + (c & 0x1F));
    buf[3] = hex[id >> 20 & 0xF];
    buf[4] = hex[id >> 16 & 0xF];
    buf[5] = hex[id >> 28 & 0xF];
    buf[6] = hex[id >> 24 & 0xF];
    buf[7] = '\0';
}

static uint64_t le(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | b[n];
    return v;
}

/* Window descriptors, as data: the descriptor's tag (a small item's
 * without its length bits), the shortest
 * body it may have, where its base and length are and how wide, and
 * whether byte 0 of the body is a resource type that must say memory (0).
 * The base of a range descriptor is its minimum. */
static const struct win_desc {
    uint8_t tag, min, base, len, width, typed, io;
} win_descs[] = {
    { 0x40, 7, 1, 6, 2, 0, 1 },     /* 6.4.2.5 I/O Port: info min max align len(1) */
    { 0x48, 3, 0, 2, 2, 0, 1 },     /* 6.4.2.6 Fixed I/O: base len(1) */
    { 0x85, 17, 1, 13, 4, 0, 0 },   /* 6.4.3.3 32-bit Memory Range: info min max align len */
    { 0x86, 9, 1, 5, 4, 0, 0 },     /* 6.4.3.4 32-bit Fixed Memory Range: info base len */
    { 0x87, 23, 7, 19, 4, 1, 0 },   /* 6.4.3.5.2 DWord Address Space: type gflags tflags gran min max tra len */
    { 0x8A, 43, 11, 35, 8, 1, 0 },  /* 6.4.3.5.1 QWord Address Space: the same, 8-byte fields */
};

/* One descriptor (tag as above, body b[0..n)). Returns -EINVAL when it is shorter
 * than its type demands. */
static int crs_item(uint8_t tag, const uint8_t *b, size_t n, struct acpi_aml_dev *d)
{
    for (size_t i = 0; i < sizeof win_descs / sizeof win_descs[0]; i++) {
        const struct win_desc *w = &win_descs[i];
        if (w->tag != tag)
            continue;
        if (n < w->min)
            return -EINVAL;
        /* the I/O forms' length is one byte, the others' as wide as the base */
        uint64_t base = le(b + w->base, w->width), len = le(b + w->len, w->io ? 1 : w->width);
        if (w->typed && b[0] != 0)
            return 0;                           /* an I/O or bus-number range */
        if (w->io && !d->has_io && len) {
            d->has_io = true;
            d->io_base = (uint32_t)(tag == 0x48 ? base & 0x3FF : base);
            d->io_len = (uint32_t)len;
        } else if (!w->io && !d->has_mem && len) {
            d->has_mem = true;
            d->mem_base = base;
            d->mem_len = len;
        }
        return 0;
    }
    if (tag == 0x20) {                          /* 6.4.2.1 IRQ: mask[, flags] */
        if (n < 2)
            return -EINVAL;
        uint32_t mask = (uint32_t)le(b, 2);
        if (d->has_irq || !mask)
            return 0;
        d->has_irq = d->irq_isa = true;
        d->irq = (uint32_t)__builtin_ctz(mask);
        /* flags bit 0: 1 = edge; bit 3: 1 = active low. Without the
         * flags byte: edge, active high. */
        d->irq_level = n >= 3 && !(b[2] & 1);
        d->irq_active_low = n >= 3 && (b[2] & 8);
    } else if (tag == 0x89) {                   /* 6.4.3.6 Extended Interrupt */
        /* flags: bit 1 1 = edge, bit 2 1 = active low; count; count DWORDs */
        if (n < 2 || b[1] == 0 || n < 2 + 4u * b[1])
            return -EINVAL;
        if (d->has_irq)
            return 0;
        d->has_irq = true;
        d->irq_isa = false;
        d->irq = (uint32_t)le(b + 2, 4);
        d->irq_level = !(b[0] & 2);
        d->irq_active_low = b[0] & 4;
    }
    return 0;
}

int acpi_crs_parse(const uint8_t *b, size_t len, struct acpi_aml_dev *d)
{
    size_t i = 0;
    while (i < len) {
        /* 6.4.2 small items: tag bit 7 clear, length in bits 2-0 (the tag
         * compared is the byte without them); 6.4.3 large items: a 16-bit
         * length follows the tag. */
        uint8_t tag = b[i];
        bool big = tag & 0x80;
        size_t body = i + (big ? 3 : 1), n;
        if (big && len - i < 3)
            return -EINVAL;
        n = big ? le(b + i + 1, 2) : (size_t)(tag & 7);
        if (n > len - body)
            return -EINVAL;
        if (!big && (tag & 0x78) == 0x78)       /* 6.4.2.9 End Tag */
            return 0;
        if (crs_item(big ? tag : tag & 0xF8, b + body, n, d))
            return -EINVAL;
        i = body + n;
    }
    return 0;                                   /* no End Tag: what was read stands */
}

enum { OWN_HID, OWN_UID, OWN_STA, OWN_CRS, OWN_NONE };

/* Which of the device's own names the name just read into tmp (from the
 * device's path) is: <device path>.<_HID|_UID|_STA|_CRS>, or OWN_NONE. */
static int own_name(const struct walk *w, const char *tmp, size_t tlen)
{
    static const char names[] = "_HID_UID_STA_CRS";
    size_t sep = w->plen > 1;
    if (tlen != w->plen + sep + 4 || memcmp(tmp, w->path, w->plen) != 0)
        return OWN_NONE;
    int i = 0;
    while (i < OWN_NONE && memcmp(tmp + tlen - 4, names + 4 * i, 4) != 0)
        i++;
    return i;
}

/* Name(<name>, <data>) inside a Device (acc) or elsewhere (acc NULL). */
static int name_op(struct walk *w, size_t *pos, size_t end, struct dev_acc *acc)
{
    const uint8_t *a = w->a;
    char tmp[ACPI_AML_PATH_MAX];
    size_t tlen = w->plen, p = *pos;
    memcpy(tmp, w->path, w->plen + 1);
    if (name_string(a, &p, end, tmp, &tlen))
        return -EINVAL;
    int own = acc ? own_name(w, tmp, tlen) : OWN_NONE;
    bool hid = own == OWN_HID, uid = own == OWN_UID, sta = own == OWN_STA, crs = own == OWN_CRS;
    uint64_t v;
    int r = int_const(a, &p, end, &v);
    if (r < 0)
        return r;
    if (r == 0) {
        if (hid && v <= UINT32_MAX)
            acpi_eisa_id((uint32_t)v, acc->d.hid);
        if (uid) {
            acc->d.uid = (uint32_t)v;
            acc->d.has_uid = true;
        }
        if (sta && !(v & 1))
            acc->absent = true;
        *pos = p;
        return 0;
    }
    if (a[p] == AML_STRING_PREFIX) {            /* 20.2.3 String: ASCII up to a NUL */
        size_t s = ++p;
        while (p < end && a[p])
            p++;
        if (p >= end)
            return -EINVAL;
        size_t n = p - s;
        if (hid && n < sizeof acc->d.hid) {
            memcpy(acc->d.hid, a + s, n);
            acc->d.hid[n] = '\0';
        }
        if (uid && n && n <= 9) {               /* a numeric string: its value */
            uint32_t u = 0;
            size_t i;
            for (i = s; i < p && a[i] >= '0' && a[i] <= '9'; i++)
                u = u * 10 + (uint32_t)(a[i] - '0');
            if (i == p) {
                acc->d.uid = u;
                acc->d.has_uid = true;
            }
        }
        *pos = p + 1;
        return 0;
    }
    if (a[p] == AML_BUFFER_OP) {                /* 20.2.5.4 DefBuffer: PkgLength BufferSize ByteList */
        size_t pe;
        p++;
        if (pkg(a, &p, end, &pe))
            return -EINVAL;
        r = int_const(a, &p, pe, &v);       /* BufferSize: a computed one is skipped */
        if (r < 0)
            return r;
        if (r == 0 && crs && acpi_crs_parse(a + p, pe - p, &acc->d))
            acc->bad = true;
        *pos = pe;
        return 0;
    }
    if (a[p] == AML_PACKAGE_OP || a[p] == AML_VARPACKAGE_OP) {
        size_t pe;
        p++;
        if (pkg(a, &p, end, &pe))
            return -EINVAL;
        *pos = pe;
        return 0;
    }
    return AML_UNKNOWN;
}

static void emit(struct walk *w, struct dev_acc *acc)
{
    struct acpi_aml_devs *o = w->out;
    if (acc->bad) {
        o->bad++;
        return;
    }
    if (acc->absent)
        return;
    if (o->n < o->max) {
        o->dev[o->n] = acc->d;
        memcpy(o->dev[o->n].path, w->path, w->plen + 1);
    }
    o->n++;
}

static int walk_terms(struct walk *w, size_t pos, size_t end, struct dev_acc *acc, int depth);

/* Scope or Device at *pos (after the opcode): PkgLength NameString TermList. */
static int open_scope(struct walk *w, size_t *pos, size_t end, bool device, int depth)
{
    size_t pe, save = w->plen;
    char saved[ACPI_AML_PATH_MAX];
    struct dev_acc acc;
    int r;
    if (depth >= ACPI_AML_MAX_DEPTH)
        return -EINVAL;
    memcpy(saved, w->path, save + 1);
    if (pkg(w->a, pos, end, &pe) || name_string(w->a, pos, pe, w->path, &w->plen))
        return -EINVAL;
    if (device)
        memset(&acc, 0, sizeof acc);
    r = walk_terms(w, *pos, pe, device ? &acc : NULL, depth + 1);
    if (r == 0 && device)
        emit(w, &acc);
    memcpy(w->path, saved, save + 1);
    w->plen = save;
    *pos = pe;
    return r;
}

/* Steps over an object made of a PkgLength and what it counts. */
static int skip_pkg(const uint8_t *a, size_t *pos, size_t end)
{
    size_t pe;
    if (pkg(a, pos, end, &pe))
        return -EINVAL;
    *pos = pe;
    return 0;
}

static int skip_name(const uint8_t *a, size_t *pos, size_t end)
{
    char tmp[ACPI_AML_PATH_MAX] = "\\";
    size_t tlen = 1;
    return name_string(a, pos, end, tmp, &tlen);
}

/* ExtOpPrefix objects (the prefix consumed). */
static int ext_op(struct walk *w, size_t *pos, size_t end, int depth)
{
    const uint8_t *a = w->a;
    uint64_t v;
    if (*pos >= end)
        return -EINVAL;
    switch (a[(*pos)++]) {
    case AML_DEVICE_OP:
        return open_scope(w, pos, end, true, depth);
    case AML_FIELD_OP: case AML_PROCESSOR_OP: case AML_POWERRES_OP: case AML_THERMAL_OP:
    case AML_INDEXFIELD_OP: case AML_BANKFIELD_OP:
        return skip_pkg(a, pos, end);
    case AML_MUTEX_OP:                          /* NameString SyncFlags */
        if (skip_name(a, pos, end) || *pos >= end)
            return -EINVAL;
        (*pos)++;
        return 0;
    case AML_EVENT_OP:
        return skip_name(a, pos, end);
    case AML_REGION_OP: {                       /* NameString Space Offset Length */
        int r;
        if (skip_name(a, pos, end) || *pos >= end)
            return -EINVAL;
        (*pos)++;
        if ((r = int_const(a, pos, end, &v)) != 0 || (r = int_const(a, pos, end, &v)) != 0)
            return r;
        return 0;
    }
    default:
        return AML_UNKNOWN;
    }
}

static int walk_terms(struct walk *w, size_t pos, size_t end, struct dev_acc *acc, int depth)
{
    const uint8_t *a = w->a;
    while (pos < end) {
        int r;
        switch (a[pos++]) {
        case AML_SCOPE_OP:
            r = open_scope(w, &pos, end, false, depth);
            break;
        case AML_EXT_PREFIX:
            r = ext_op(w, &pos, end, depth);
            break;
        case AML_NAME_OP:
            r = name_op(w, &pos, end, acc);
            break;
        case AML_METHOD_OP: case AML_IF_OP: case AML_ELSE_OP: case AML_WHILE_OP:
        case AML_BUFFER_OP: case AML_PACKAGE_OP: case AML_VARPACKAGE_OP:
            r = skip_pkg(a, &pos, end);
            break;
        case AML_ALIAS_OP:
            r = skip_name(a, &pos, end);
            if (!r)
                r = skip_name(a, &pos, end);
            break;
        default:
            r = AML_UNKNOWN;
        }
        if (r == AML_UNKNOWN) {
            w->out->skipped++;
            return 0;
        }
        if (r)
            return r;
    }
    return 0;
}

int acpi_aml_devices(const uint8_t *aml, size_t len, struct acpi_aml_devs *out)
{
    struct walk w = { .a = aml, .out = out, .path = "\\", .plen = 1 };
    return walk_terms(&w, 0, len, NULL, 0);
}
