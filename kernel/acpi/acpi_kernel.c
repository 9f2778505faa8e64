/* ACPI, kernel side: find the RSDP, parse the tables through the kernel's
 * mappings into `acpi`, log a summary, arm power off/reset.
 *
 * The RSDP comes from the loader (multiboot2 copies it, PVH gives its
 * address), else from the legacy BIOS search (ACPI 6.5 5.2.5.1), which is
 * skipped on UEFI boots: there the RSDP is wherever the firmware put it and
 * only the loader can tell.
 *
 * `acpidump` capture (acpi_init(bi, true)): the parse is repeated through
 * boot/bootdump.c's recorder and every byte it read is printed as
 *     bootdump: magic 0x00000000 info <RSDP address>
 *     bootdump: region ... / data ... / end
 * which tools/capture-acpi.sh saves as tests/data/acpi/<machine>.txt and
 * tests/unit/test_acpi.c replays through acpi_parse(). */
#include "kernel/acpi/acpi.h"

#include "boot/bootdump.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/vmm.h"

struct acpi_info acpi;
bool acpi_ready;

static const void *kernel_map(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    return vmm_map_phys(phys, len);
}

static void warn_line(const char *msg) { pr_warn("%s\n", msg); }

static void print_tables(const struct acpi_info *a)
{
    for (size_t i = 0; i < a->ntables; i++)
        pr_info("acpi: %s at 0x%llx, %u bytes, rev %u%s\n", a->tables[i].sig,
                (unsigned long long)a->tables[i].addr, a->tables[i].len, a->tables[i].rev,
                a->tables[i].ok ? "" : " (rejected)");
}

/* Parse again through the recorder and print what was read. */
static void dump(uint64_t rsdp_phys)
{
    struct physmem raw = { kernel_map, NULL }, rec;
    static struct acpi_info scratch;

    if (!rsdp_phys) {
        pr_warn("acpi: the RSDP came as a copy only; no replayable dump\n");
        return;
    }
    bootdump_wrap(&rec, &raw);
    acpi_parse(rsdp_phys, NULL, 0, &rec, &scratch, NULL);
    bootdump_print(0, rsdp_phys);
}

int acpi_init(const struct boot_info *bi, bool want_dump)
{
    struct physmem pm = { kernel_map, NULL };
    uint64_t rsdp = bi->has_rsdp ? bi->rsdp_phys : 0;
    const uint8_t *copy = NULL;
    size_t copy_len = 0;

    /* An address is preferred over the copy: it is the same structure, and
     * a dump needs the bytes in memory. */
    if (!rsdp && !bi->efi && (want_dump || !bi->has_rsdp))
        acpi_find_rsdp_bios(&pm, &rsdp);
    if (!rsdp && bi->has_rsdp) {
        copy = bi->rsdp;
        copy_len = bi->rsdp_len;
    }
    if (!rsdp && !copy) {
        pr_warn("acpi: no RSDP (%s)\n", bi->efi ? "the loader gave none" : "not found in the BIOS areas");
        return -ENOENT;
    }
    int err = acpi_parse(rsdp, copy, copy_len, &pm, &acpi, warn_line);
    if (err) {
        pr_warn("acpi: no usable tables (%d)\n", err);
        return err;
    }
    char line[160];
    acpi_describe(&acpi, line, sizeof line);
    pr_info("acpi: %s\n", line);
    if (want_dump || kernel_loglevel >= LOG_DEBUG)
        print_tables(&acpi);
    if (want_dump)
        dump(rsdp);
    acpi_ready = true;
    acpi_power_init(&acpi);
    return 0;
}
