/* \_S5 pattern search in AML; see kernel/acpi/acpi_aml.h for why a search is
 * enough. Every read is checked against the buffer's end. */
#include "kernel/acpi/acpi_aml.h"

#include <stdbool.h>

#include "kernel/errno.h"

/* 20.2.4 Package Length Encoding: bits 7-6 of the lead byte give the
 * number of bytes that follow (0-3). With none, bits 5-0 are the length;
 * else bits 3-0 are its low nibble, bits 5-4 must be zero, and each
 * following byte adds 8 more bits above. */
int acpi_aml_pkglength(const uint8_t *aml, size_t avail, uint32_t *pkglen, size_t *nbytes)
{
    if (avail < 1)
        return -EINVAL;
    uint8_t lead = aml[0];
    size_t follow = lead >> 6;
    if (follow == 0) {
        *pkglen = lead & 0x3F;
        *nbytes = 1;
        return 0;
    }
    if ((lead & 0x30) || avail < 1 + follow)
        return -EINVAL;
    uint32_t v = lead & 0x0F;
    for (size_t i = 0; i < follow; i++)
        v |= (uint32_t)aml[1 + i] << (4 + 8 * i);
    *pkglen = v;
    *nbytes = 1 + follow;
    return 0;
}

/* One integer constant (20.2.3 ComputationalData / ConstObj) at aml[*at],
 * not past end; its low byte goes to *v. */
static int read_int(const uint8_t *aml, size_t end, size_t *at, uint16_t *v)
{
    size_t i = *at, size;

    if (i >= end)
        return -EINVAL;
    switch (aml[i]) {
    case AML_ZERO_OP: *v = 0; *at = i + 1; return 0;
    case AML_ONE_OP:  *v = 1; *at = i + 1; return 0;
    case AML_ONES_OP: *v = 0xFFFF; *at = i + 1; return 0;
    case AML_BYTE_PREFIX:  size = 1; break;
    case AML_WORD_PREFIX:  size = 2; break;
    case AML_DWORD_PREFIX: size = 4; break;
    case AML_QWORD_PREFIX: size = 8; break;
    default: return -EINVAL;       /* a name, a method call...: not static */
    }
    if (end - (i + 1) < size)
        return -EINVAL;
    /* Low two bytes: the one-element form keeps typb in byte 1. */
    *v = aml[i + 1] | (size > 1 ? (uint16_t)(aml[i + 2] << 8) : 0);
    *at = i + 1 + size;
    return 0;
}

/* The package that starts at aml[at] (its PackageOp). */
static int parse_s5_package(const uint8_t *aml, size_t len, size_t at, uint8_t *typa, uint8_t *typb)
{
    uint32_t pkglen;
    size_t nbytes;

    if (at >= len || aml[at] != AML_PACKAGE_OP)
        return -EINVAL;
    at++;
    if (acpi_aml_pkglength(aml + at, len - at, &pkglen, &nbytes) != 0)
        return -EINVAL;
    /* PkgLength counts itself and everything up to the package's end. */
    if (pkglen < nbytes + 1 || pkglen > len - at)
        return -EINVAL;
    size_t end = at + pkglen;
    at += nbytes;
    uint8_t count = aml[at++];                      /* NumElements */
    uint16_t a, b = 0;
    if (count == 0 || read_int(aml, end, &at, &a) != 0)
        return -EINVAL;
    if (count >= 2 && read_int(aml, end, &at, &b) != 0)
        return -EINVAL;
    *typa = (uint8_t)a;
    *typb = count >= 2 ? (uint8_t)b : (uint8_t)(a >> 8);
    return 0;
}

int acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *typa, uint8_t *typb)
{
    bool seen = false;

    if (!aml)
        return -EINVAL;
    for (size_t i = 0; i + 1 < len; i++) {
        if (aml[i] != AML_NAME_OP)
            continue;
        size_t name = i + 1;
        if (aml[name] == AML_ROOT_CHAR)
            name++;
        if (len - name < 4 || aml[name] != '_' || aml[name + 1] != 'S' || aml[name + 2] != '5' ||
            aml[name + 3] != '_')
            continue;
        seen = true;
        if (parse_s5_package(aml, len, name + 4, typa, typb) == 0)
            return 0;
    }
    return seen ? -EINVAL : -ENOENT;
}
