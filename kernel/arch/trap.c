/* Exception handling: every CPU exception is reported in full and ends in
 * a panic (minnow has no user mode and no demand paging, so an exception is
 * always a kernel bug). Page faults get a decoded cause, and a fault in a
 * stack's guard page is reported as the stack overflow it is. */
#include "kernel/arch/trap.h"
#include "kernel/arch/cpu.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "kernel/irq/irq.h"
#include "kernel/arch/panic.h"
#include "kernel/acpi/power.h"
#include "kernel/console/serial.h"
#include "kernel/mm/stacks.h"
#include "kernel/mm/vmm.h"

/* Intel SDM vol. 3A, table 6-1 "Protected-Mode Exceptions and Interrupts".
 * One string, the 32 names separated by NULs (no table of pointers). */
static const char exception_names[] =
    "divide error\0debug\0non-maskable interrupt\0breakpoint\0overflow\0"
    "bound range exceeded\0invalid opcode\0device not available\0double fault\0"
    "coprocessor segment overrun\0invalid TSS\0segment not present\0"
    "stack-segment fault\0general protection fault\0page fault\0reserved (15)\0"
    "x87 floating-point error\0alignment check\0machine check\0SIMD floating-point error\0"
    "virtualization exception\0control protection exception\0reserved (22)\0"
    "reserved (23)\0reserved (24)\0reserved (25)\0reserved (26)\0reserved (27)\0"
    "hypervisor injection exception\0VMM communication exception\0security exception\0"
    "reserved (31)";
static const char exception_mnemonics[32][4] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "", "#TS", "#NP", "#SS",
    "#GP", "#PF", "", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "", "", "", "", "", "", "#HV",
    "#VC", "#SX", "",
};

const char *trap_name(unsigned vector)
{
    if (vector >= 32)
        return "interrupt";
    const char *s = exception_names;
    while (vector--)
        s += strlen(s) + 1;
    return s;
}

/* Page-fault error code bits: SDM vol. 3A, 4.7 "Page-Fault Exceptions". */
#define PF_PRESENT (1u << 0)    /* 0: not-present page; 1: protection violation */
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_RSVD    (1u << 3)    /* reserved bit set in a paging entry */
#define PF_FETCH   (1u << 4)    /* instruction fetch */

static void page_fault(const struct trap_frame *f)
{
    uint64_t cr2 = read_cr2();
    char head[160], detail[200];
    /* A guard page: the page table says so (PTE_GUARD), and the stack
     * registry says whose it is. */
    const struct kstack *s = stack_find_guard(cr2);
    if (!(f->error & PF_PRESENT) && (s || vmm_is_guard(cr2))) {
        fmt_snprintf(head, sizeof head, "stack overflow on stack '%s' (guard page hit at 0x%llx)",
                     s ? s->name : "?", (unsigned long long)cr2);
    } else {
        const char *what = cr2 < 4096 ? ": null pointer dereference" : "";
        fmt_snprintf(head, sizeof head, "page fault (#PF, vector 14)%s", what);
    }
    const char *access = f->error & PF_FETCH ? "instruction fetch" : f->error & PF_WRITE ? "write" : "read";
    fmt_snprintf(detail, sizeof detail, "cause: %s, %s%s%s, address cr2=0x%016llx",
                 f->error & PF_PRESENT ? "protection violation" : "not-present page", access,
                 f->error & PF_USER ? ", user mode" : ", kernel mode",
                 f->error & PF_RSVD ? ", reserved bit set" : "", (unsigned long long)cr2);
    panic_trap(f, head, detail);
}

void trap_dispatch(struct trap_frame *f)
{
    static int pf_depth;
    if (f->vector == 14) {
        /* #PF runs on its IST stack: a second one while the first is being
         * decoded (bad page tables) would restart on the same stack. */
        if (pf_depth++) {
            serial_emergency("\nPANIC: page fault while handling a page fault; halted\n");
            power_exit_failure();
            cpu_halt_forever();
        }
        page_fault(f);
    }
    char head[96];
    if (f->vector < 32) {
        fmt_snprintf(head, sizeof head, "%s (%s, vector %llu)", trap_name((unsigned)f->vector),
                     exception_mnemonics[f->vector], (unsigned long long)f->vector);
        panic_trap(f, head, NULL);
    }
    irq_dispatch(f);        /* devices, timer, spurious: kernel/irq/irq.c */
}
