/* selftest=hvglue: hv/'s kernel platform glue (hv_kernel.c), checked on
 * any machine. Without Hyper-V the protocol code is tested against the
 * simulator (make test-hv); what only the kernel has is tested here:
 *  - the hypercall calling convention: a stand-in "hypercall page" with
 *    code that returns RCX + 2 RDX + 4 R8 and clobbers R9-R11, made
 *    executable and read-only with hvp_hypercall_page_prepare, as the
 *    hypervisor's overlay would be;
 *  - the SynIC-style vector: hvp_irq_alloc + a self-IPI reach the handler;
 *  - waiting: hvp_wait_until times out, and wakes on hvp_wake_waiters from
 *    a timer thread;
 *  - hvp_defer runs its job in a thread that may wait. */
#include "hv/hv_platform.h"
#include "kernel/irq/apic.h"
#include "kernel/time/clock.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "kernel/core/selftest.h"
#include "lib/string.h"

static int check(bool ok, const char *what)
{
    kprintf("selftest: hvglue: %s: %s\n", what, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

static volatile int irq_hits;
static void test_isr(void *arg) { irq_hits += (int)(uintptr_t)arg; }

static volatile bool flag;
static bool flag_set(void *arg) { (void)arg; return flag; }
static bool never(void *arg) { (void)arg; return false; }

static void set_flag(void *arg)
{
    (void)arg;
    flag = true;
    hvp_wake_waiters();
}

static void deferred_job(void *arg)
{
    /* A deferred job may wait (it is a thread): wait 1 ms for nothing. */
    hvp_wait_until(never, NULL, 1);
    *(volatile int *)arg = 1;
    hvp_wake_waiters();
}
static volatile int deferred_done;
static bool deferred_cond(void *arg) { (void)arg; return deferred_done; }

SELFTEST(hvglue, "Hyper-V kernel glue off Hyper-V: hypercall convention, vector, waits, deferred work")
{
    int errs = 0;
    /* lea rax,[rcx+rdx*2]; lea rax,[rax+r8*4]; xor r9d,r9d; xor r10d,r10d;
     * xor r11d,r11d; ret */
    static const uint8_t code[] = { 0x48, 0x8D, 0x04, 0x51, 0x4A, 0x8D, 0x04, 0x80, 0x45, 0x31, 0xC9,
                                    0x45, 0x31, 0xD2, 0x45, 0x31, 0xDB, 0xC3 };
    uint64_t phys;
    uint8_t *page = hvp_alloc_pages(1, &phys);
    if (!page)
        return -ENOMEM;
    memcpy(page, code, sizeof code);
    errs += check(hvp_hypercall_page_prepare(page, phys) == 0, "page made executable");
    uint64_t r = hvp_hypercall(page, 1, 10, 100);
    errs += check(r == 421, "RCX/RDX/R8 in, RAX out");
    r = hvp_hypercall(page, 0x5C, phys, 0);
    errs += check(r == 0x5C + 2 * phys, "memory-form call (input GPA in RDX)");
    hvp_hypercall_page_release(page);
    memset(page, 0, 4096);              /* writable again: would fault otherwise */
    hvp_free_pages(page, 1);
    errs += check(true, "page writable again after release");

    int vec = hvp_irq_alloc(test_isr, (void *)1);
    errs += check(vec >= 32 && vec < 256, "vector allocated");
    if (vec >= 32 && vec < 256) {
        lapic_self_ipi((uint8_t)vec);
        lapic_self_ipi((uint8_t)vec);
        thread_sleep_ns(1000000);
        errs += check(irq_hits == 2, "self-IPIs reach the handler");
    }

    uint64_t t0 = clock_ns();
    int err = hvp_wait_until(never, NULL, 20);
    uint64_t took = clock_ns() - t0;
    errs += check(err == -ETIMEDOUT && took >= 20000000ull, "wait times out, not early");

    struct ktimer kt;
    ktimer_init(&kt, set_flag, NULL);
    flag = false;
    t0 = clock_ns();
    ktimer_start(&kt, 5000000ull, false);
    err = hvp_wait_until(flag_set, NULL, 2000);
    took = clock_ns() - t0;
    errs += check(err == 0 && took >= 5000000ull && took < 2000000000ull, "wait wakes on hvp_wake_waiters");

    hvp_defer(deferred_job, (void *)&deferred_done);
    errs += check(hvp_wait_until(deferred_cond, NULL, 2000) == 0, "deferred job ran in its own thread");

    kprintf("selftest: hvglue: %d problem(s)\n", errs);
    return errs ? -EFAULT : 0;
}
