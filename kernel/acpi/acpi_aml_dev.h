/* Devices from a DSDT/SSDT by a bounded static AML reader.
 *
 * Not an interpreter: no method runs, nothing is evaluated. The reader walks
 * the table's TermList (ACPI 6.5 20.2.5 "Term Objects Encoding") looking
 * only at DefScope (20.2.5.1, ScopeOp 0x10) and DefDevice (20.2.5.2,
 * ExtOpPrefix 0x5B DeviceOp 0x82), and inside a Device at the static names
 *     Name(_HID, "LNRO0005") or Name(_HID, EisaId("PNP0B00")) (6.1.5)
 *     Name(_UID, n)                                           (6.1.12)
 *     Name(_STA, n): a device whose bit 0 (present) is clear is dropped (6.3.7)
 *     Name(_CRS, ResourceTemplate() {...})                    (6.2.2, 6.4)
 * A _HID or _CRS that is a Method is not read (the device then has no id or
 * no resources). Objects with a PkgLength it does not need (Method, If,
 * Else, While, Field, Package, Processor, PowerResource, ThermalZone...)
 * are stepped over by their PkgLength (20.2.4); OperationRegion, Mutex,
 * Event and Alias by their fixed forms. Anything else ends the reading of
 * the enclosing scope, which is skipped to its end (counted in `skipped`).
 *
 * Refused with -EINVAL, never read past: a PkgLength beyond its enclosing
 * object or the table, a NameString with a bad character or too many
 * segments or ^ above the root (20.2.2), nesting deeper than
 * ACPI_AML_MAX_DEPTH. A malformed resource template makes only its device
 * be dropped (counted in `bad`).
 *
 * Resource descriptors read (6.4 "Resource Data Types for ACPI"): IRQ
 * (6.4.2.1), I/O Port (6.4.2.5), Fixed I/O Port (6.4.2.6), End Tag
 * (6.4.2.9), 32-bit Memory Range (6.4.3.3), 32-bit Fixed Memory Range
 * (6.4.3.4), QWord and DWord Address Space of the memory type (6.4.3.5.1,
 * 6.4.3.5.2), Extended Interrupt (6.4.3.6); others are skipped by their
 * length. The first memory window, I/O window and interrupt are kept.
 *
 * Pure: host-tested on QEMU's DSDTs in tests/unit/test_acpi_aml_dev.c and
 * fuzzed by tests/fuzz/fuzz_acpi_aml_dev.c. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_AML_MAX_DEPTH 12       /* Scope/Device nesting (QEMU: 4; about 600 bytes of stack each) */
#define ACPI_AML_PATH_MAX  72       /* 12 segments and a name in them: "\_SB_.PCI0...._HID" */

struct acpi_aml_dev {
    char path[ACPI_AML_PATH_MAX];   /* "\_SB_.VR23" */
    char hid[9];                    /* "" when absent or not static */
    uint32_t uid;                   /* 0 when absent */
    bool has_uid;
    bool has_mem, has_io, has_irq;
    uint64_t mem_base, mem_len;
    uint32_t io_base, io_len;
    uint32_t irq;                   /* a GSI; an ISA IRQ when irq_isa */
    bool irq_isa;                   /* from an IRQ descriptor (6.4.2.1) */
    bool irq_level, irq_active_low;
};

struct acpi_aml_devs {
    struct acpi_aml_dev *dev;       /* room for max */
    size_t max;
    size_t n;                       /* found; only the first max are stored */
    unsigned skipped;               /* scopes left early at an unknown opcode */
    unsigned bad;                   /* devices dropped for a bad _CRS */
};

/* Walks aml[0..len) (a definition block's body, after its 36-byte header)
 * and appends its devices to *out (n, skipped, bad are added to, so several
 * tables may be read into one list). Returns 0 or -EINVAL. */
int acpi_aml_devices(const uint8_t *aml, size_t len, struct acpi_aml_devs *out);

/* Reads a resource template (a _CRS buffer's bytes) into d's mem/io/irq
 * fields. Returns 0 or -EINVAL (a descriptor past the end or too short). */
int acpi_crs_parse(const uint8_t *b, size_t len, struct acpi_aml_dev *d);

/* The 7-character text of a compressed EISA id (6.1.5: "PNP0B00" is
 * 0x000BD041 as the integer AML stores). buf has 8 bytes. */
void acpi_eisa_id(uint32_t id, char buf[8]);

#ifndef HOSTED
/* Kernel side (kernel/acpi/acpi_mmio.c): after acpi_init(), reads every
 * DSDT/SSDT and adds its virtio-mmio transports, RTC and other devices with
 * a memory window and an interrupt to the MMIO bus. */
void acpi_mmio_scan(void);
#endif
