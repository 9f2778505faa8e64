/* The platform layer's bring-up: see platform.h. What each machine has is
 * taken from the firmware's tables, not probed: no IOAPIC is assumed on a
 * hardware-reduced machine without a MADT, no RTC where the FADT says there
 * is none, and the TSC's reference clock is whichever the tables name. */
#include "kernel/platform.h"
#include "kernel/acpi/acpi.h"
#include "kernel/acpi/acpi_aml_dev.h"
#include "kernel/acpi/acpi_reg.h"
#include "kernel/dev/mmio_bus.h"
#include "kernel/irq/apic.h"
#include "kernel/time/clock.h"
#include "kernel/arch/cpuinfo.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/arch/panic.h"
#include "kernel/sched/sched.h"
#include "kernel/time/timeline.h"
#include "kernel/time/tsc.h"
#include "kernel/mm/vmm.h"

#define IOAPIC_DEFAULT 0xFEC00000ull    /* where PCs put it, for machines without a MADT */

static void setup_ioapics(void)
{
    for (size_t i = 0; i < acpi.nioapics; i++)
        ioapic_add(acpi.ioapics[i].id, acpi.ioapics[i].addr, acpi.ioapics[i].gsi_base);
    for (size_t i = 0; i < acpi.noverrides; i++)
        if (acpi.overrides[i].bus == 0)
            irq_set_isa_override(acpi.overrides[i].isa_irq, acpi.overrides[i].gsi, acpi.overrides[i].flags);
    if (!acpi.has_madt && ioapic_add(0, IOAPIC_DEFAULT, 0) == 0)
        pr_info("apic: no MADT; using the IOAPIC at 0x%llx\n", IOAPIC_DEFAULT);
}

static void setup_interrupts(void)
{
    irq_init();                             /* PIC remapped and masked */
    int err = lapic_init(acpi.lapic_addr);
    if (err)
        panic("apic: no usable local APIC (%d)", err);
    setup_ioapics();
    pr_info("apic: %s id %u, %d ioapic(s), %zu override(s)\n", lapic_x2apic() ? "x2APIC" : "xAPIC",
            lapic_id(), ioapic_count(), acpi.noverrides);
}

static void setup_time(void)
{
    volatile void *hpet = acpi.has_hpet ? vmm_map_mmio(acpi.hpet_addr, 1024, MAP_UC) : NULL;
    tsc_set_references((uint16_t)acpi.pm_tmr_blk, acpi.pm_tmr_32bit, hpet);
    tsc_init();
    bool rtc = !(acpi.has_fadt && (acpi.iapc_boot_arch & ACPI_FADT_BOOT_NO_CMOS_RTC)) && !acpi.hw_reduced;
    if (clock_init(rtc, acpi.century) != 0)
        panic("clock: TSC frequency unknown (no CPUID leaf, HPET, PM timer or PIT)");
    pr_info("clock: TSC %llu kHz (%s), timer events by %s, wall clock %llu\n",
            (unsigned long long)tsc_khz(), tsc_source(), clock_timer_mode(),
            (unsigned long long)clock_wall_s());
}

void platform_init(const struct boot_info *bi, bool acpidump)
{
    acpi_init(bi, acpidump);                /* tables; power off / reset registers */
    timeline_mark("acpi");
    acpi_mmio_scan();                       /* DSDT/SSDT devices -> the MMIO bus */
    mmio_bus_from_cmdline(bi->cmdline);     /* virtio_mmio.device= (after: the DSDT's win) */
    timeline_mark("mmio devices");
    cpuinfo_init();
    pr_info("cpu: %s%s%s, hypervisor: %s%s%s%s\n", cpu.vendor, cpu.brand[0] ? " " : "", cpu.brand,
            cpuinfo_hv_name(cpu.hv), cpu.hv_signature[0] ? " (" : "", cpu.hv_signature,
            cpu.hv_signature[0] ? ")" : "");
    setup_interrupts();                     /* PIC off, LAPIC, IOAPICs, overrides */
    timeline_mark("interrupts");
    setup_time();                           /* TSC frequency, LAPIC timer, RTC */
    timeline_mark("clock");
    sched_init();                           /* boot context -> thread "main" */
    irq_enable();
    timeline_mark("threads");
}
