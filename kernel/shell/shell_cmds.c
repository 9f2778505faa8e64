/* The core shell commands: the machine as minnow sees it. Drivers add
 * their own with SHELL_COMMAND next to their code. */
#include "kernel/acpi/acpi.h"
#include "kernel/time/clock.h"
#include "kernel/arch/cpuinfo.h"
#include "kernel/mm/heap.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/pci/pci.h"
#include "kernel/mm/pmm.h"
#include "kernel/sched/sched.h"
#include "kernel/shell/shell.h"
#include "kernel/time/timeline.h"
#include "kernel/time/tsc.h"
#include "kernel/mm/vmm.h"

static void print_line(const char *line) { kprintf("%s\n", line); }

static int cmd_pci(int argc, char **argv)
{
    (void)argc, (void)argv;
    pci_list(print_line, true);
    return 0;
}
SHELL_COMMAND(pci, "list PCI devices, BARs, capabilities and drivers", cmd_pci);

static int cmd_mem(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct heap_stats st;
    heap_get_stats(&st);
    kprintf("pages: %zu usable, %zu free (%zu KiB)\n", pmm_total_pages(), pmm_free_pages(),
            pmm_free_pages() * 4);
    kprintf("heap: %zu slab pages, %zu live blocks, %zu large allocations\n", st.slab_pages,
            st.live_blocks, st.large_allocs);
    kprintf("page tables: %u pages\n", vmm_table_pages());
    return 0;
}
SHELL_COMMAND(mem, "memory: pages, heap, page tables", cmd_mem);

static int cmd_irq(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct irq_stat st[64];
    int n = irq_stats(st, 64);
    for (int i = 0; i < n; i++)
        kprintf("  vector %3d  %10llu  %s\n", st[i].vector, (unsigned long long)st[i].count, st[i].name);
    kprintf("  spurious    %10llu\n", (unsigned long long)irq_spurious_count());
    return 0;
}
SHELL_COMMAND(irq, "interrupt vectors and counts", cmd_irq);

static int cmd_timeline(int argc, char **argv)
{
    (void)argc, (void)argv;
    timeline_print();
    return 0;
}
SHELL_COMMAND(timeline, "the boot timeline", cmd_timeline);

static int cmd_cpu(int argc, char **argv)
{
    (void)argc, (void)argv;
    kprintf("cpu: %s %s (family %u model %u stepping %u)\n", cpu.vendor, cpu.brand, cpu.family,
            cpu.model, cpu.stepping);
    kprintf("hypervisor: %s %s\n", cpuinfo_hv_name(cpu.hv), cpu.hv_signature);
    kprintf("features:%s%s%s%s%s\n", cpu.nx ? " nx" : "", cpu.x2apic ? " x2apic" : "",
            cpu.tsc_deadline ? " tsc-deadline" : "", cpu.invariant_tsc ? " invariant-tsc" : "",
            cpu.huge_1g ? " 1g-pages" : "");
    kprintf("tsc: %llu kHz from %s; timer events by %s\n", (unsigned long long)tsc_khz(), tsc_source(),
            clock_timer_mode());
    kprintf("uptime: %llu ms, wall clock %llu\n", (unsigned long long)(clock_ns() / 1000000),
            (unsigned long long)clock_wall_s());
    return 0;
}
SHELL_COMMAND(cpu, "CPU, hypervisor, features, TSC frequency", cmd_cpu);

static int cmd_acpi(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (!acpi_ready) {
        kprintf("acpi: no tables\n");
        return 0;
    }
    char buf[160];
    acpi_describe(&acpi, buf, sizeof buf);
    kprintf("acpi: %s\n", buf);
    for (size_t i = 0; i < acpi.ntables; i++)
        kprintf("  %s rev %u at 0x%llx, %u bytes%s\n", acpi.tables[i].sig, acpi.tables[i].rev,
                (unsigned long long)acpi.tables[i].addr, acpi.tables[i].len, acpi.tables[i].ok ? "" : " (rejected)");
    return 0;
}
SHELL_COMMAND(acpi, "ACPI tables", cmd_acpi);

static int cmd_threads(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct thread_info t[32];
    int n = thread_list(t, 32);
    for (int i = 0; i < n; i++)
        kprintf("  %-16s %s\n", t[i].name, thread_state_name(t[i].state));
    kprintf("idle: %llu ms\n", (unsigned long long)(sched_idle_ns() / 1000000));
    return 0;
}
SHELL_COMMAND(threads, "kernel threads", cmd_threads);

static int cmd_reboot(int argc, char **argv)
{
    (void)argc, (void)argv;
    kprintf("rebooting\n");
    acpi_reboot();
}
SHELL_COMMAND(reboot, "reset the machine", cmd_reboot);

static int cmd_poweroff(int argc, char **argv)
{
    (void)argc, (void)argv;
    kprintf("powering off\n");
    int err = acpi_poweroff();
    kprintf("poweroff failed (%d)\n", err);
    return err;
}
SHELL_COMMAND(poweroff, "power the machine off (ACPI S5)", cmd_poweroff);
