/* hv/'s platform interface (hv_platform.h) implemented on the kernel:
 * MSRs and CPUID by instruction, the hypercall page mapped executable,
 * the SynIC vector through the interrupt API, a "vmbus" worker thread
 * woken by the interrupt, and waiting on a wait queue. Also the boot hook
 * (hv_kernel_init) and the power hook (UNLOAD before poweroff/reboot). */
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/vmbus.h"
#include "kernel/acpi/acpi.h"
#include "kernel/init.h"
#include "kernel/time/tsc.h"
#include "kernel/time/clock.h"
#include "kernel/arch/cpu.h"
#include "kernel/mm/dma.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/acpi/power.h"
#include "kernel/sched/sched.h"
#include "kernel/shell/shell.h"
#include "kernel/mm/vmm.h"
#include "lib/string.h"

void hvp_cpuid(uint32_t leaf, uint32_t out[4]) { cpuid(leaf, 0, out); }
uint64_t hvp_rdmsr(uint32_t msr) { return rdmsr(msr); }
void hvp_wrmsr(uint32_t msr, uint64_t value) { wrmsr(msr, value); }

int hvp_hypercall_page_prepare(void *virt, uint64_t phys)
{
    (void)phys;     /* identity-mapped */
    return vmm_protect((uintptr_t)virt, 4096, MAP_EXEC);
}

/* The hypercall page holds `vmcall; ret` (or vmmcall on AMD): a near call
 * with the TLFS register convention. R9-R11 are clobbered (Linux treats
 * them so); the kernel has no red zone, so the call may push. */
void hvp_hypercall_page_release(void *virt) { vmm_protect((uintptr_t)virt, 4096, MAP_WRITE); }

void hvp_backoff(unsigned us) { thread_sleep_ns((uint64_t)us * 1000); }

uint64_t hvp_hypercall(void *page, uint64_t control, uint64_t in, uint64_t out)
{
    uint64_t status;
    register uint64_t r8 __asm__("r8") = out;
    __asm__ volatile("call *%[page]"
                     : "=a"(status), "+c"(control), "+d"(in), "+r"(r8)
                     : [page] "r"(page)
                     : "cc", "memory", "r9", "r10", "r11");
    return status;
}

void *hvp_alloc_pages(size_t pages, uint64_t *phys) { return dma_alloc(pages * 4096, 0, phys); }
void hvp_free_pages(void *virt, size_t pages) { (void)pages; dma_free(virt); }
void *hvp_zalloc(size_t size) { return kzalloc(size); }
void hvp_free(void *p) { kfree(p); }

int hvp_irq_alloc(void (*isr)(void *arg), void *arg)
{
    int v = irq_alloc_vector();
    if (v < 0)
        return v;
    int err = irq_register(v, isr, arg, "hv-synic");
    return err ? err : v;
}

static struct semaphore kick;
static struct waitq waiters;
static struct thread *worker;

static void worker_main(void *arg)
{
    (void)arg;
    for (;;) {
        sem_down(&kick);
        vmbus_poll();
    }
}

void hvp_worker_start(void)
{
    if (worker)
        return;
    sem_init(&kick, 0);
    waitq_init(&waiters);
    worker = thread_create("vmbus", worker_main, NULL, THREAD_STACK_DEFAULT);
    if (!worker)
        pr_err("hv: no vmbus worker thread\n");
}

void hvp_worker_kick(void) { sem_up(&kick); }

void hvp_wake_waiters(void) { waitq_wake_all(&waiters); }

int hvp_wait_until(bool (*cond)(void *arg), void *arg, uint64_t timeout_ms)
{
    uint64_t deadline = clock_ns() + timeout_ms * 1000000ull;
    while (!cond(arg)) {
        uint64_t now = clock_ns();
        if (now >= deadline)
            return -ETIMEDOUT;
        if (thread_current() == worker) {
            /* A driver callback waiting for the host: poll ourselves. */
            sem_down_timeout(&kick, deadline - now);
            vmbus_poll();
        } else {
            waitq_wait_until(&waiters, deadline);
        }
    }
    return 0;
}

struct deferred {
    void (*fn)(void *);
    void *arg;
};

static void deferred_main(void *p)
{
    struct deferred d = *(struct deferred *)p;
    kfree(p);
    d.fn(d.arg);
}

void hvp_defer(void (*fn)(void *arg), void *arg)
{
    struct deferred *d = kmalloc(sizeof *d);
    struct thread *t = NULL;
    if (d) {
        *d = (struct deferred){ fn, arg };
        t = thread_create("vmbus-work", deferred_main, d, THREAD_STACK_DEFAULT);
    }
    if (!t) {
        kfree(d);
        pr_err("hv: no thread for deferred VMBus work (dropped)\n");
        return;
    }
    thread_detach(t);
}

uint64_t hvp_now_ns(void) { return clock_ns(); }

void hvp_set_wall_clock(uint64_t unix_ns) { clock_set_wall(unix_ns / 1000000000ull); }
uint64_t hvp_wall_clock_ns(void) { return clock_wall_s() * 1000000000ull; }

static void poweroff_main(void *arg)
{
    kprintf("minnow: powering off (%s)\n", (const char *)arg);
    int err = acpi_poweroff();
    pr_err("minnow: power-off failed (error %d)\n", err);
}

static void reboot_main(void *arg)
{
    kprintf("minnow: restarting (%s)\n", (const char *)arg);
    acpi_reboot();
}

/* Deferred like any work that waits: the shutdown hooks wait for the host
 * (UNLOAD), which the worker -- where the request arrived -- must stay
 * free to answer. */
void hvp_request_poweroff(const char *why) { hvp_defer(poweroff_main, (void *)why); }
void hvp_request_reboot(const char *why) { hvp_defer(reboot_main, (void *)why); }

/* Boot: on Hyper-V with VMBus, connect and probe; elsewhere, nothing. */
static void hv_kernel_init(void)
{
    if (!hv_detect())
        return;
    int err = hv_synic_init();
    if (!err)
        err = vmbus_init();
    if (err) {
        pr_err("hv: VMBus not available (error %d)\n", err);
        return;
    }
    power_on_shutdown(vmbus_shutdown);
}
INIT_HOOK(vmbus, hv_kernel_init, INIT_BUS);

/* Hyper-V tells the TSC rate (frequency MSR, else the reference page's
 * scale): a Gen2 VM has no PIT to calibrate against. */
TSC_SOURCE(hyperv, hv_tsc_khz, TSC_PRIO_HYPERV);

static int cmd_vmbus(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    vmbus_dump();
    return 0;
}
SHELL_COMMAND(vmbus, "VMBus connection, channels and ring state (Hyper-V)", cmd_vmbus);
