/* \_S5 from a DSDT's AML, by pattern search.
 *
 * This is not an AML interpreter. It looks for the byte sequence of
 *     Name (\_S5, Package (n) { SLP_TYPa, SLP_TYPb, ... })
 * i.e. NameOp (0x08), an optional root prefix '\', the NameSeg "_S5_",
 * PackageOp (0x12), PkgLength, NumElements, then integer constants
 * (ACPI 6.5 20.2.5.1 DefName, 20.2.5.4 DefPackage, 20.2.4 PkgLength,
 * 20.2.3 data objects; 7.4.2 for the meaning of the \_Sx package).
 *
 * Why that is enough: minnow only needs the two sleep type values to power
 * off. On the virtual machines it targets, \_S5 is a static package of
 * constants at the top level, not a method and not behind a conditional:
 * QEMU generates exactly Name(_S5, Package(4){...}) inside Scope(\) for
 * pc/q35 (hw/i386/acpi-build.c) and microvm (hw/i386/acpi-microvm.c:
 * { 0x05, 0, 0, 0 }, checked against tests/data/acpi/microvm.txt); Xen's and
 * ACRN's HVM tables declare it the same way. Hyper-V's and VMware's DSDTs are
 * expected to follow that form (firmware-generated, constant) but no capture
 * of theirs was checked here. A DSDT that computes \_S5 at run time (a
 * Method, an If around the Name, a VarPackageOp) is not understood: the
 * search then reports -ENOENT and the caller falls back to other ways. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* AML opcodes and prefixes used by the search (ACPI 6.5 20.2). */
#define AML_ZERO_OP        0x00
#define AML_ONE_OP         0x01
#define AML_NAME_OP        0x08
#define AML_BYTE_PREFIX    0x0A
#define AML_WORD_PREFIX    0x0B
#define AML_DWORD_PREFIX   0x0C
#define AML_QWORD_PREFIX   0x0E
#define AML_PACKAGE_OP     0x12
#define AML_ROOT_CHAR      0x5C    /* '\' */
#define AML_ONES_OP        0xFF

/* Searches aml[0..len) (a DSDT body, after its 36-byte header) for the
 * \_S5 package and returns its first two elements' low bytes. A package
 * with one element gives typa from its byte 0 and typb from its byte 1, as
 * ACPICA does for pre-ACPI 2.0 tables. Returns 0, -ENOENT when no
 * Name(_S5_) is present, -EINVAL when every one found is malformed or
 * truncated. Reads nothing outside aml[0..len). */
int acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *typa, uint8_t *typb);

/* Decodes a PkgLength (20.2.4) at aml[0..avail): the package length (which
 * counts the PkgLength bytes themselves) into *pkglen and the encoding's
 * size into *nbytes. Returns 0 or -EINVAL. Exposed for the tests. */
int acpi_aml_pkglength(const uint8_t *aml, size_t avail, uint32_t *pkglen, size_t *nbytes);
