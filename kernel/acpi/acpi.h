/* ACPI: what minnow takes from the firmware's tables, and power off/reset.
 *
 * acpi_parse() is pure (host-tested in tests/unit/test_acpi.c): it reads
 * physical memory only through a struct physmem, validates every checksum
 * and length, and copies what it keeps into struct acpi_info. A bad table
 * is reported through warn() and skipped; the others are still parsed.
 *
 * Tables read: RSDP -> XSDT (or RSDT) -> MADT ("APIC"), FADT ("FACP") ->
 * DSDT (\_S5 only, kernel/acpi/acpi_aml.h), MCFG, HPET. Wire formats in
 * kernel/acpi/acpi_reg.h. No AML interpreter: see kernel/acpi/acpi_aml.h. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"

#define ACPI_MAX_CPUS      64
#define ACPI_MAX_IOAPICS   8
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_NMIS      8
#define ACPI_MAX_ECAM      4
#define ACPI_MAX_TABLES    32

#define ACPI_UID_ALL 0xFFFFFFFFu    /* a LAPIC NMI entry for every processor */

/* A register described by a Generic Address Structure (acpi_reg.h). */
struct acpi_gas {
    uint8_t space, bit_width, bit_offset, access_size;  /* ACPI_GAS_SPACE_*, ..._ACCESS_* */
    uint64_t addr;                                      /* 0 = absent */
};

struct acpi_info {
    uint8_t revision;           /* RSDP revision: 0 = ACPI 1.0, 2 = 2.0+ */
    char oem_id[7];
    bool xsdt;                  /* the root table used was the XSDT */

    /* MADT */
    bool has_madt;
    uint64_t lapic_addr;        /* type 5 override applied */
    uint32_t madt_flags;        /* ACPI_MADT_PCAT_COMPAT: legacy PICs present */
    struct { uint32_t apic_id, uid; bool enabled; } cpus[ACPI_MAX_CPUS];
    size_t ncpus;               /* entries in cpus[] (enabled or online-capable) */
    struct { uint32_t id; uint64_t addr; uint32_t gsi_base; } ioapics[ACPI_MAX_IOAPICS];
    size_t nioapics;
    struct { uint8_t bus, isa_irq; uint32_t gsi; uint16_t flags; } overrides[ACPI_MAX_OVERRIDES];
    size_t noverrides;          /* flags: ACPI_MPS_INTI_* */
    struct { uint32_t uid; uint8_t lint; uint16_t flags; } nmis[ACPI_MAX_NMIS];
    size_t nnmis;               /* uid ACPI_UID_ALL = every processor */

    /* FADT (fields absent from a short FADT stay 0) */
    bool has_fadt;
    uint32_t fadt_flags;        /* ACPI_FADT_F_* */
    uint16_t iapc_boot_arch;    /* ACPI_FADT_BOOT_* */
    bool hw_reduced;
    uint16_t sci_irq;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
    uint32_t pm1a_cnt, pm1b_cnt;    /* I/O ports, 0 = absent */
    uint8_t pm1_cnt_len;
    uint32_t pm_tmr_blk;            /* I/O port, 0 = no PM timer */
    bool pm_tmr_32bit;
    struct acpi_gas reset_reg, sleep_ctl, sleep_sts, x_pm1a_cnt, x_pm1b_cnt, x_pm_tmr;
    uint8_t reset_value;
    uint8_t century;                /* CMOS index of the century, 0 = none */
    uint64_t hv_vendor;             /* FADT 6.0 hypervisor vendor identity, 0 = none */

    /* MCFG: PCI Express enhanced configuration (ECAM) windows */
    struct { uint64_t base; uint16_t segment; uint8_t bus_start, bus_end; } ecam[ACPI_MAX_ECAM];
    size_t necam;

    /* HPET */
    bool has_hpet;
    uint64_t hpet_addr;

    /* \_S5 from the DSDT */
    bool has_s5;
    uint8_t s5_typa, s5_typb;

    /* every table looked at, for the shell's `acpi` command */
    struct { char sig[5]; uint64_t addr; uint32_t len; uint8_t rev; bool ok; } tables[ACPI_MAX_TABLES];
    size_t ntables;
};

typedef void (*acpi_warn_fn)(const char *msg);

/* Parses the tables reachable from the RSDP into *out (zeroed first). The
 * RSDP comes either as a copy (rsdp_copy/rsdp_len, e.g. multiboot2 tags),
 * which wins, or at rsdp_phys. Every problem is one line through the
 * optional warn(), starting "acpi: ". Returns 0 (even when some tables were
 * rejected), -EINVAL for a bad RSDP, -ENOENT when no root table is usable. */
int acpi_parse(uint64_t rsdp_phys, const uint8_t *rsdp_copy, size_t rsdp_len,
               const struct physmem *pm, struct acpi_info *out, acpi_warn_fn warn);

/* Legacy BIOS search for the RSDP (5.2.5.1): the first KiB of the EBDA,
 * then 0xE0000-0xFFFFF, on 16-byte boundaries. 0 and *phys, or -ENOENT. */
int acpi_find_rsdp_bios(const struct physmem *pm, uint64_t *phys);

/* One-line summary: "rev 2 XSDT, 2 cpus, 1 ioapic, ...". */
void acpi_describe(const struct acpi_info *a, char *buf, size_t size);

#ifndef HOSTED
/* ---- kernel side (kernel/acpi/acpi_kernel.c, kernel/acpi/acpi_power.c) ---- */

/* The tables of this boot, valid after acpi_init() returned 0. */
extern struct acpi_info acpi;
extern bool acpi_ready;

/* Finds the RSDP (the loader's copy or address; else, on BIOS boots, the
 * legacy search), parses the tables into `acpi`, logs one summary line and
 * hands the result to acpi_power_init(). With dump, also prints every byte
 * read in boot/bootdump.h's format (for tests/data/acpi). Needs the kernel
 * page tables (vmm_map_phys). Returns 0 or a negative errno. */
int acpi_init(const struct boot_info *bi, bool dump);

/* Power: acpi_power_init() keeps what acpi_poweroff()/acpi_reboot() need. */
void acpi_power_init(const struct acpi_info *a);
/* Enters S5. Returns only on failure: -ENODEV without the registers or
 * \_S5, -EIO when the machine is still running afterwards. */
int acpi_poweroff(void);
/* Resets the machine: FADT reset register, port 0xCF9, the 8042, and a
 * triple fault as the last resort. Never returns. */
void acpi_reboot(void) __attribute__((noreturn));
#endif
