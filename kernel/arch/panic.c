/* Panic: report and stop. Never returns and never reboots, so a broken
 * kernel cannot loop through resets; with qemu_exit= the failure code ends
 * QEMU so a test sees it at once. */
#include "kernel/arch/panic.h"
#include "kernel/console/console.h"
#include "kernel/arch/cpu.h"
#include "lib/fmt.h"
#include "kernel/console/serial.h"
#include "kernel/mm/heap.h"
#include "kernel/console/kprintf.h"
#include "kernel/arch/ksyms.h"
#include "kernel/acpi/power.h"
#include "kernel/mm/stacks.h"
#include "kernel/arch/trap.h"

static int panicking;

static void print_addr(uint64_t a)
{
    uint64_t off;
    const char *name = ksyms_lookup(a, &off);
    if (name)
        kprintf("  [0x%016llx] %s+0x%llx\n", (unsigned long long)a, name, (unsigned long long)off);
    else
        kprintf("  [0x%016llx] ?\n", (unsigned long long)a);
}

void backtrace_print(uint64_t rip, uint64_t rbp, uint64_t rsp)
{
    kprintf("backtrace:\n");
    print_addr(rip);
    /* A jump or call outside the kernel text (executing the heap, a bad
     * function pointer) faults before any frame is built there: the
     * caller's return address is then the word at the top of the stack. */
    uint64_t off;
    const struct kstack *st = stack_find(rsp);
    if (!ksyms_lookup(rip, &off) && st && !(rsp & 7) && rsp + 8 <= st->top) {
        uint64_t ret = *(const uint64_t *)(uintptr_t)rsp;
        if (ksyms_lookup(ret, &off))
            print_addr(ret);
    }
    /* Frames are (saved rbp, return address) pairs, rbp-linked; follow them
     * only while they stay inside one registered stack and move upwards. */
    const struct kstack *s = stack_find(rbp);
    for (int depth = 0; depth < 32 && s && rbp; depth++) {
        if ((rbp & 7) || rbp < s->bottom || rbp + 16 > s->top)
            break;
        const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
        if (frame[1] == 0)
            break;
        print_addr(frame[1]);
        if (frame[0] <= rbp)
            break;
        rbp = frame[0];
    }
}

static char headline_copy[160];

static void enter_panic(void)
{
    __asm__ volatile("cli");
    if (panicking++) {
        /* A fault while reporting: say so on the UART directly (the
         * consoles may be what faulted), then stop. */
        serial_emergency("\nPANIC: fault while reporting a panic; halted\n");
        power_exit_failure();
        cpu_halt_forever();
    }
}

/* The report goes to the consoles already running (serial) first; only
 * then does the display start (it may itself fault), replaying the log
 * and showing the headline again. */
static void finish_panic(void) __attribute__((noreturn));
static void finish_panic(void)
{
    kprintf("minnow: halted after panic\n");
    console_start_late_quiet(headline_copy);
    power_exit_failure();
    cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
    enter_panic();
    va_list ap;
    va_start(ap, fmt);
    fmt_vsnprintf(headline_copy, sizeof headline_copy, fmt, ap);
    va_end(ap);
    kprintf("\nPANIC: %s\n", headline_copy);
    uint64_t rbp;
    __asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
    backtrace_print((uint64_t)(uintptr_t)__builtin_return_address(0), rbp, 0);
    finish_panic();
}

void panic_trap(const struct trap_frame *f, const char *headline, const char *detail)
{
    enter_panic();
    fmt_snprintf(headline_copy, sizeof headline_copy, "%s", headline);
    kprintf("\nPANIC: %s\n", headline);
    kprintf("  error code 0x%llx\n", (unsigned long long)f->error);
    if (detail)
        kprintf("  %s\n", detail);
    uint64_t off;
    const char *fn = ksyms_lookup(f->rip, &off);
    if (fn)
        kprintf("  rip=0x%016llx %s+0x%llx\n", (unsigned long long)f->rip, fn, (unsigned long long)off);
    else
        kprintf("  rip=0x%016llx (outside the kernel text)\n", (unsigned long long)f->rip);
    kprintf("  cs=0x%llx ss=0x%llx rflags=0x%llx\n", (unsigned long long)f->cs,
            (unsigned long long)f->ss, (unsigned long long)f->rflags);
    kprintf("  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n", (unsigned long long)f->rax,
            (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
    kprintf("  rsi=%016llx rdi=%016llx rbp=%016llx rsp=%016llx\n", (unsigned long long)f->rsi,
            (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->rsp);
    kprintf("  r8 =%016llx r9 =%016llx r10=%016llx r11=%016llx\n", (unsigned long long)f->r8,
            (unsigned long long)f->r9, (unsigned long long)f->r10, (unsigned long long)f->r11);
    kprintf("  r12=%016llx r13=%016llx r14=%016llx r15=%016llx\n", (unsigned long long)f->r12,
            (unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
    kprintf("  cr2=%016llx cr3=%016llx\n", (unsigned long long)read_cr2(), (unsigned long long)read_cr3());
    backtrace_print(f->rip, f->rbp, f->rsp);
    finish_panic();
}

/* The heap's report of a bad kfree (kernel/mm/heap.h): a kernel bug. */
void heap_corruption(const char *what, const void *p)
{
    panic("heap: %s (%p)", what, p);
}
