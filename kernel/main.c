/* kmain: the kernel's one init order, from boot/entry.S to "minnow: ready".
 *
 * Each stage is one call; boot_stage() stamps the boot timeline after it.
 * What a stage may use is what the stages above it set up. */
#include "boot/boot.h"
#include "boot/bootdump.h"
#include "boot/bootinfo.h"
#include "kernel/core/cmdline.h"
#include "kernel/init.h"
#include "kernel/console/console.h"
#include "kernel/arch/cpu.h"
#include "kernel/console/fbcon.h"
#include "kernel/core/fw_cfg.h"
#include "kernel/arch/gdt.h"
#include "kernel/mm/heap.h"
#include "kernel/arch/io.h"
#include "kernel/acpi/acpi.h"
#include "kernel/core/app.h"
#include "kernel/console/kprintf.h"
#include "kernel/platform.h"
#include "kernel/sched/sched.h"
#include "kernel/shell/shell.h"
#include "kernel/arch/panic.h"
#include "kernel/mm/pmm.h"
#include "kernel/acpi/power.h"
#include "kernel/core/selftest.h"
#include "kernel/console/serial.h"
#include "kernel/mm/stacks.h"
#include "kernel/time/timeline.h"
#include "kernel/core/trace.h"
#include "kernel/arch/trap.h"
#include "kernel/time/tsc.h"
#include "kernel/console/vgacon.h"
#include "kernel/mm/vmm.h"
#include "kernel/errno.h"
#include "lib/string.h"

static struct boot_info bi;

/* Options of the core kernel (drivers declare their own where they live). */
static uint64_t opt_loglevel = LOG_INFO;
static char opt_selftest[32];
static uint64_t opt_qemu_exit;
static bool opt_bootdump;
static bool opt_acpidump;
static bool opt_poweroff;
static char opt_app[32] = "shell";
CMDLINE_OPTION(loglevel, .key = "loglevel", .type = CMDLINE_UINT, .dst = &opt_loglevel,
               .min = 0, .max = 4, .help = "0 quiet .. 1 errors, 2 warnings, 3 info (default), 4 debug");
CMDLINE_OPTION(selftest, .key = "selftest", .type = CMDLINE_STR, .dst = opt_selftest,
               .dst_size = sizeof opt_selftest, .help = "run a built-in self-test after boot (selftest=list)");
CMDLINE_OPTION(qemu_exit, .key = "qemu_exit", .type = CMDLINE_UINT, .dst = &opt_qemu_exit,
               .min = 1, .max = 0xFFFF, .help = "isa-debug-exit port: end QEMU with 33 (ok) / 35 (failure)");
CMDLINE_OPTION(acpidump, .key = "acpidump", .type = CMDLINE_BOOL, .dst = &opt_acpidump,
               .help = "hex-dump the ACPI tables as read (for tests/data/acpi)");
CMDLINE_OPTION(poweroff, .key = "poweroff", .type = CMDLINE_BOOL, .dst = &opt_poweroff,
               .help = "power the machine off (ACPI S5) when the app finishes");
CMDLINE_OPTION(app, .key = "app", .type = CMDLINE_STR, .dst = opt_app, .dst_size = sizeof opt_app,
               .help = "what runs after boot: shell (default), none, ... (app=list)");
CMDLINE_OPTION(bootdump, .key = "bootdump", .type = CMDLINE_BOOL, .dst = &opt_bootdump,
               .help = "hex-dump the loader's boot structures (for tests/data/bootinfo)");

static void print_line(const char *msg) { kprintf("%s\n", msg); }

/* Early boot runs on entry.S's identity map of the low 4 GiB. */
static const void *early_map(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    if (phys == 0 || len > (1ull << 32) || phys + len > (1ull << 32))
        return NULL;
    return (const void *)(uintptr_t)phys;
}

static void parse_boot_info(void)
{
    struct physmem pm = { early_map, NULL };
    int err = bootinfo_parse(&bi, boot_magic, boot_info_phys, &pm, print_line);
    kprintf("boot: %s%s%s%s\n", bootinfo_proto_name(bi.proto), bi.loader[0] ? " (" : "", bi.loader,
            bi.loader[0] ? ")" : "");
    if (err)
        panic("boot: unusable boot information from the loader (magic 0x%x, error %d)", boot_magic, err);
}

/* Multiboot1 loaders (QEMU's -kernel, GRUB legacy) put the kernel's own
 * path first; it is not an option. */
static void skip_kernel_path(void)
{
    if (bi.proto != BOOT_MULTIBOOT1)
        return;
    size_t end = 0;
    while (bi.cmdline[end] && bi.cmdline[end] != ' ')
        end++;
    for (size_t i = 0; i < end; i++)
        if (bi.cmdline[i] == '=')
            return;         /* GRUB 2 passes no path: this is an option */
    while (bi.cmdline[end] == ' ')
        end++;
    memmove(bi.cmdline, bi.cmdline + end, strlen(bi.cmdline + end) + 1);
}

/* The loader's command line, plus QEMU's opt/minnow/cmdline when present. */
static void parse_cmdline(void)
{
    char extra[256];
    skip_kernel_path();
    size_t len = strlen(bi.cmdline);
    int n = fw_cfg_read_file("opt/minnow/cmdline", extra, sizeof extra);
    if (n == -E2BIG)
        pr_warn("cmdline: fw_cfg opt/minnow/cmdline longer than %zu bytes (ignored)\n", sizeof extra - 1);
    else if (n > 0 && len + 1 + (size_t)n >= sizeof bi.cmdline)
        pr_warn("cmdline: no room for fw_cfg opt/minnow/cmdline (ignored)\n");
    else if (n > 0) {
        if (len)
            bi.cmdline[len++] = ' ';
        memcpy(bi.cmdline + len, extra, (size_t)n + 1);
    }
    kprintf("cmdline: %s\n", bi.cmdline);
    cmdline_parse(bi.cmdline, LINKSET_BEGIN(cmdline_opts), LINKSET_COUNT(cmdline_opts), print_line);
    kernel_loglevel = (int)opt_loglevel;
    trace_init();
    power_set_qemu_exit((uint16_t)opt_qemu_exit);
    if (opt_bootdump) {
        struct physmem raw = { early_map, NULL }, rec;
        struct boot_info scratch;
        bootdump_wrap(&rec, &raw);
        bootinfo_parse(&scratch, boot_magic, boot_info_phys, &rec, NULL);
        bootdump_print(boot_magic, boot_info_phys);
    }
}

/* The display: VGA text when the loader left the screen in text mode (BIOS),
 * else the loader's linear framebuffer (UEFI GOP, VBE). It starts after the
 * "ready" stamp: under a hypervisor every store to VGA memory is a trap to
 * the device model, so clearing 80x25 cells costs more than the whole rest
 * of the boot. The console replays the log (its first 8 KiB), and a panic
 * starts it at once (console_start_late). */
static void start_fb_console(void);
static bool display_started;

/* The loader's text buffer must be the VGA window (0xA0000-0xBFFFF): it is
 * written through the identity map, so anything else would be RAM. */
static bool vga_text_plausible(void)
{
    uint64_t bytes = (uint64_t)bi.fb.width * bi.fb.height * 2;
    return bi.fb.addr >= 0xA0000 && bytes <= 0x20000 && bi.fb.addr + bytes <= 0xC0000;
}

/* Multiboot1 from QEMU's -kernel says nothing about the display; a VGA
 * CRT controller keeps the index register's value (no VGA: reads 0xFF). */
static bool vga_present(void)
{
    outb(0x3D4, 0x0F);
    return inb(0x3D4) == 0x0F;
}
static void start_display_consoles(void)
{
    if (display_started)
        return;
    display_started = true;
    if (bi.fb.type == FB_EGA_TEXT && vga_text_plausible())
        vgacon_init((void *)(uintptr_t)bi.fb.addr, bi.fb.width, bi.fb.height);
    else if (bi.fb.type == FB_EGA_TEXT)
        pr_warn("console: loader's EGA text buffer at 0x%llx (%ux%u) is not VGA memory (ignored)\n",
                (unsigned long long)bi.fb.addr, bi.fb.width, bi.fb.height);
    else if (bi.proto == BOOT_MULTIBOOT1 && bi.fb.type == FB_NONE && vga_present())
        vgacon_init((void *)0xB8000, 80, 25);     /* BIOS mode 3 */
    else if (bi.fb.type == FB_RGB && vmm_ready())
        start_fb_console();
}

static void start_fb_console(void)
{
    uint64_t bytes = (uint64_t)bi.fb.pitch * bi.fb.height;
    /* vmm_map_mmio refuses RAM and the kernel image, so a bogus address
     * from the loader cannot remap either. */
    void *fb = bytes && bytes <= FBCON_MAX_BYTES ? vmm_map_mmio(bi.fb.addr, bytes, MAP_WC) : NULL;
    int err = fb ? fbcon_init(&bi.fb, fb) : -1;
    char d[96];
    fbcon_describe(d, sizeof d);
    if (err)
        pr_warn("console: framebuffer not usable (error %d)\n", err);
    else
        kprintf("console: %s\n", d);
}

/* Memory the CPU cannot address (above MAXPHYADDR, or past the 47 bits
 * identity mapping can reach) is dropped from the map, with a warning. */
static void clip_memory_map(void)
{
    uint64_t limit = vmm_phys_limit() < (1ull << 47) ? vmm_phys_limit() : 1ull << 47;
    for (size_t i = 0; i < bi.mmap_count; i++) {
        struct boot_mem_region *m = &bi.mmap[i];
        if (m->type != MEM_USABLE || m->base + m->len <= limit)
            continue;
        pr_warn("mem: usable memory 0x%llx+0x%llx beyond the CPU's 0x%llx ignored\n",
                (unsigned long long)m->base, (unsigned long long)m->len, (unsigned long long)limit);
        m->len = m->base < limit ? limit - m->base : 0;
    }
}

static void init_memory(void)
{
    clip_memory_map();
    struct pmm_range reserved[2 + BOOT_MAX_MODULES] = {
        { 0, 0x100000 },        /* real-mode IVT, BIOS data, EBDA, ROMs */
        { (uintptr_t)__kernel_start, (uintptr_t)(__kernel_end - __kernel_start) },
    };
    size_t n = 2;
    for (size_t i = 0; i < bi.module_count; i++, n++)
        reserved[n] = (struct pmm_range){ bi.modules[i].start, bi.modules[i].end - bi.modules[i].start };
    int err = pmm_init(bi.mmap, bi.mmap_count, reserved, n);
    if (err)
        panic("mem: no room for the page allocator's bitmaps below 4 GiB, or no usable memory (%d)", err);
    heap_init();
    err = vmm_init(&bi);
    if (err)
        panic("mem: cannot build the kernel page tables (%d)", err);
    pr_info("mem: %zu MiB usable, %zu KiB free after page tables (%u table pages)\n",
            pmm_total_pages() / 256, pmm_free_pages() * 4, vmm_table_pages());
}

/* The end of the app: QEMU's exit device when asked (tests), else ACPI
 * power off when asked, else halt. */
static void finish(int failed) __attribute__((noreturn));
static void finish(int failed)
{
    if (failed)
        power_exit_failure();
    else
        power_exit_success();
    if (opt_poweroff) {
        kprintf("minnow: powering off\n");
        int err = acpi_poweroff();
        kprintf("minnow: ACPI power off failed (%d)\n", err);
    }
    kprintf("minnow: halted\n");
    cpu_halt_forever();
}

static void run_selftest(void)
{
    if (LINKSET_COUNT(selftests) == 0) {
        kprintf("selftest: this image has no self-tests (they are in minnow-test.elf)\n");
        finish(1);
    }
    if (strcmp(opt_selftest, "list") == 0) {
        selftest_list();
        finish(0);
    }
    int r = selftest_run(opt_selftest);
    if (r == 0) {
        kprintf("selftest: %s passed\n", opt_selftest);
        finish(0);
    }
    kprintf("selftest: %s %s (%d)\n", opt_selftest, r == -ENOENT ? "is not a known test" : "FAILED", r);
    finish(1);
}

/* The app chosen with app=: runs here, in the main thread. */
static void run_app(void) __attribute__((noreturn));
static void run_app(void)
{
    if (strcmp(opt_app, "list") == 0) {
        app_list();
        finish(0);
    }
    const struct app *a = app_find(opt_app);
    if (!a) {
        kprintf("app: no app '%s' (app=list shows them)\n", opt_app);
        finish(1);
    }
    int err = a->main();
    if (err)
        kprintf("app: %s ended with error %d\n", a->name, err);
    finish(err != 0);
}

void kmain(void)
{
    console_set_late_start(start_display_consoles);
    serial_init();                          /* COM1: the first console */
    timeline_mark("serial");
    stack_register("boot", boot_stack_guard, boot_stack_bottom, boot_stack_top);
    gdt_init();                             /* GDT, TSS and IST stacks */
    idt_init();                             /* exceptions are reported from here on */
    timeline_mark("cpu");
    parse_boot_info();                      /* loader structures -> struct boot_info */
    parse_cmdline();                        /* options, incl. QEMU fw_cfg extras */
    timeline_mark("boot info");
    init_memory();                          /* page allocator, kernel page tables */
    timeline_mark("memory");
    platform_init(&bi, opt_acpidump);       /* ACPI, interrupts, clock, threads */
    init_run_level(INIT_BUS);               /* buses scan, drivers bind: PCI, VMBus */
    init_run_level(INIT_STACK);             /* what sits on them: lwIP on the NICs */

    timeline_mark("ready");
    start_display_consoles();               /* after the stamp: they replay the log */
    char names[64];
    console_describe(names, sizeof names);
    pr_info("consoles: %s\n", names);
    timeline_print();
    kprintf("minnow: ready in %llu us\n", (unsigned long long)timeline_total_us());

    if (opt_selftest[0])
        run_selftest();
    run_app();
}
