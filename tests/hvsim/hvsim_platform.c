/* hv/hv_platform.h for hosted builds: the guest's only way to the
 * simulated machine. CPUID, MSRs and hypercalls go to the hypervisor model
 * (hvsim.c); pages come from the simulated guest memory arena; the worker
 * is emulated by hvp_wait_until(), which steps the simulator and runs
 * vmbus_poll() whenever the guest's interrupt handler kicked the worker,
 * and gives up (-ETIMEDOUT) after a bounded number of idle steps, so a
 * test never hangs. */
#include <stdlib.h>
#include <string.h>
#include "hv/hv_platform.h"
#include "kernel/errno.h"
#include "tests/hvsim/hvsim_int.h"

struct hvsim_platform_log hvsim_plat;

/* The guest's worker body; absent in simulator-only tests. */
void vmbus_poll(void) __attribute__((weak));

#define IDLE_STEPS   400        /* steps without progress before giving up */
#define MAX_STEPS    2000000u   /* hard bound per wait */
#define MAX_DEFERRED 256

static bool kicked, worker_started, in_poll;
static struct { void (*fn)(void *); void *arg; } deferred[MAX_DEFERRED];
static size_t ndeferred;
static int wait_depth;

void hvsim_platform_reset(void)
{
    kicked = worker_started = in_poll = false;
    ndeferred = 0;
    wait_depth = 0;
}

void hvp_cpuid(uint32_t leaf, uint32_t out[4]) { hvsim_cpuid(leaf, out); }
uint64_t hvp_rdmsr(uint32_t msr) { return hvsim_do_rdmsr(msr); }
void hvp_wrmsr(uint32_t msr, uint64_t value) { hvsim_do_wrmsr(msr, value); }

int hvp_hypercall_page_prepare(void *virt, uint64_t phys)
{
    hvsim_do_hypercall_prepare(virt, phys);
    return 0;
}

uint64_t hvp_hypercall(void *page, uint64_t control, uint64_t in, uint64_t out)
{
    return hvsim_do_hypercall(page, control, in, out);
}

void *hvp_alloc_pages(size_t pages, uint64_t *phys) { return hvsim_arena_alloc(pages, phys); }
void hvp_free_pages(void *virt, size_t pages) { hvsim_arena_free(virt, pages); }
void *hvp_zalloc(size_t size) { return calloc(1, size); }
void hvp_free(void *p) { free(p); }

int hvp_irq_alloc(void (*isr)(void *arg), void *arg)
{
    hvsim_plat.irqs_allocated++;
    int v = hvsim_irq_register(isr, arg);
    return v < 0 ? -ENOSPC : v;
}

void hvp_worker_start(void) { worker_started = true; }

void hvp_worker_kick(void)
{
    hvsim_plat.kicks++;
    kicked = true;
}

bool hvsim_worker_pending(void) { return kicked; }

void hvp_defer(void (*fn)(void *arg), void *arg)
{
    if (ndeferred == MAX_DEFERRED) {
        hvsim_violate(HVV_PLATFORM, "hvp_defer: more than %d pending", MAX_DEFERRED);
        return;
    }
    deferred[ndeferred].fn = fn;
    deferred[ndeferred++].arg = arg;
}

void hvp_wake_waiters(void) {}

uint64_t hvp_now_ns(void) { return hvsim_ref_time() * 100; }

void hvp_hypercall_page_release(void *virt) { (void)virt; }

/* Simulated time passes: the host gets a few rounds to drain its inbox.
 * Nothing really sleeps, whatever the delay asked for (Linux's back-off
 * reaches 2 s per try); the request is recorded. */
void hvp_backoff(unsigned us)
{
    if (hvsim_plat.backoffs < sizeof hvsim_plat.backoff_us / sizeof hvsim_plat.backoff_us[0])
        hvsim_plat.backoff_us[hvsim_plat.backoffs] = us;
    hvsim_plat.backoff_us_total += us;
    hvsim_plat.backoffs++;
    for (unsigned i = 0; i < 4 && i <= us; i++)
        hvsim_step();
}

uint64_t hvp_wall_clock_ns(void) { return hvsim_plat.wall_clock_ns; }

void hvp_set_wall_clock(uint64_t unix_ns)
{
    hvsim_plat.wall_clock_sets++;
    hvsim_plat.wall_clock_ns = unix_ns;
}

void hvp_request_poweroff(const char *why)
{
    hvsim_plat.poweroffs++;
    snprintf(hvsim_plat.poweroff_why, sizeof hvsim_plat.poweroff_why, "%s", why ? why : "");
}

void hvp_request_reboot(const char *why)
{
    hvsim_plat.reboots++;
    snprintf(hvsim_plat.poweroff_why, sizeof hvsim_plat.poweroff_why, "%s", why ? why : "");
}

/* One round of the machine: host step, then the guest's worker and its
 * deferred work, as the kernel's threads would run them. */
static bool round_once(void)
{
    bool progress = hvsim_step();
    if (kicked && !in_poll) {
        kicked = false;
        hvsim_plat.polls++;
        if (vmbus_poll) {
            in_poll = true;
            vmbus_poll();
            in_poll = false;
        }
        progress = true;
    }
    /* Deferred work runs only from the top (hvsim_run_until_idle), never
     * inside another wait: in the kernel it is a thread of its own, and a
     * job nested in a waiter could wait for that very waiter. */
    if (ndeferred && !in_poll && !wait_depth) {
        void (*fn)(void *) = deferred[0].fn;
        void *arg = deferred[0].arg;
        memmove(deferred, deferred + 1, --ndeferred * sizeof deferred[0]);
        fn(arg);
        progress = true;
    }
    return progress;
}

static int wait_until(bool (*cond)(void *arg), void *arg, uint64_t timeout_ms);

int hvp_wait_until(bool (*cond)(void *arg), void *arg, uint64_t timeout_ms)
{
    wait_depth++;
    int r = wait_until(cond, arg, timeout_ms);
    wait_depth--;
    return r;
}

static int wait_until(bool (*cond)(void *arg), void *arg, uint64_t timeout_ms)
{
    hvsim_plat.waits++;
    if (in_poll) {
        /* In the kernel this deadlocks: the worker waits for itself. */
        hvsim_plat.nested_waits++;
        hvsim_violate(HVV_PLATFORM, "hvp_wait_until called from inside vmbus_poll()");
        in_poll = false;
    }
    /* Simulated time runs 1 us per step; also stop after idle rounds. */
    uint64_t max = timeout_ms * 1000 < MAX_STEPS ? timeout_ms * 1000 + 1 : MAX_STEPS;
    unsigned idle = 0;
    for (uint64_t i = 0; i < max; i++) {
        if (cond(arg))
            return 0;
        if (round_once())
            idle = 0;
        else if (++idle > IDLE_STEPS)
            break;
    }
    if (cond(arg))
        return 0;
    hvsim_plat.wait_timeouts++;
    return -ETIMEDOUT;
}

unsigned hvsim_run_until_idle(void)
{
    unsigned steps = 0, idle = 0;
    while (steps < MAX_STEPS && idle <= 20) {
        steps++;
        if (round_once())
            idle = 0;
        else
            idle++;
    }
    return steps;
}
