/* The kernel services the network code needs, on Linux, for the
 * end-to-end netvsc program (e2e_netvsc.c):
 *   threads   kernel/sched/sched.h's cooperative threads as ucontext
 *             coroutines on one OS thread: a thread runs until it blocks
 *             or yields, as in the kernel; wait queues, mutexes,
 *             semaphores and ktimers are the kernel's own
 *             (kernel/sched/waitq.c), on sched_block/sched_wake here
 *   timers    a timer queue (kernel/sched/timerq.c) fired by
 *             e2e_kernel_poll(), the main loop's call, against
 *             CLOCK_MONOTONIC
 *   the rest  heap on malloc, panic, and what the status page asks of
 *             PCI, memory and the boot timeline (nothing to report).
 * The log (kprintf) is the simulator's (tests/hvsim/hvsim_log.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include "kernel/sched/sched.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"

#define STACK_BYTES (256 * 1024)

struct hthread {
    struct thread t;                    /* first: thread_current() is one */
    ucontext_t ctx;
    void *stack;
    void (*fn)(void *arg);
    void *arg;
};

static struct hthread boot;             /* main(): the loop that never blocks */
static struct thread *cur;
static struct runq ready;
static struct timerq timers;
static uint64_t next_id = 1;

uint64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("e2e: panic: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

void *kmalloc(size_t size) { return malloc(size ? size : 1); }
void *kzalloc(size_t size) { return calloc(1, size ? size : 1); }
void kfree(void *p) { free(p); }
void *kmalloc_aligned(size_t size, size_t align)
{
    void *p = NULL;
    return posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size) ? NULL : p;
}

/* --- Threads ----------------------------------------------------------------------- */

static void timeout_fire(struct sched_timer *st)
{
    sched_wake(timerq_entry(st, struct thread, timeout), -ETIMEDOUT);
}

static void make_ready(struct thread *t)
{
    t->state = THREAD_READY;
    runq_push(&ready, &t->run_link);
}

/* Switches to the next ready thread; the boot thread is always ready or
 * running, so there is one. */
static void schedule(void)
{
    struct thread *prev = cur;
    struct runq_node *n = runq_pop(&ready);
    if (!n) {
        if (prev->state == THREAD_RUNNING)
            return;
        panic("nothing to run (the boot thread blocked)");
    }
    struct thread *next = runq_entry(n, struct thread, run_link);
    if (prev->state == THREAD_RUNNING)
        make_ready(prev);
    next->state = THREAD_RUNNING;
    next->switches++;
    cur = next;
    if (next != prev)
        swapcontext(&((struct hthread *)prev)->ctx, &((struct hthread *)next)->ctx);
}

void e2e_kernel_init(void)
{
    runq_init(&ready);
    timerq_init(&timers);
    boot.t.state = THREAD_RUNNING;
    boot.t.timeout.fire = timeout_fire;
    snprintf(boot.t.name, sizeof boot.t.name, "main");
    cur = &boot.t;
}

struct thread *thread_current(void) { return cur; }

static void trampoline(void)
{
    struct hthread *h = (struct hthread *)cur;
    h->fn(h->arg);
    thread_exit();
}

struct thread *thread_create(const char *name, void (*fn)(void *arg), void *arg, size_t stack_size)
{
    (void)stack_size;
    struct hthread *h = calloc(1, sizeof *h);
    h->stack = malloc(STACK_BYTES);
    h->fn = fn;
    h->arg = arg;
    h->t.id = next_id++;
    h->t.timeout.fire = timeout_fire;
    h->t.stack_size = STACK_BYTES;
    snprintf(h->t.name, sizeof h->t.name, "%s", name);
    waitq_init(&h->t.exited);
    getcontext(&h->ctx);
    h->ctx.uc_stack.ss_sp = h->stack;
    h->ctx.uc_stack.ss_size = STACK_BYTES;
    h->ctx.uc_link = NULL;
    makecontext(&h->ctx, trampoline, 0);
    make_ready(&h->t);
    return &h->t;
}

void thread_detach(struct thread *t) { t->detached = true; }

int thread_join(struct thread *t)
{
    while (t->state != THREAD_DEAD)
        waitq_wait(&t->exited);
    return 0;
}

void thread_exit(void)
{
    cur->state = THREAD_DEAD;
    waitq_wake_all(&cur->exited);
    schedule();                         /* never returns: nobody makes it ready (its stack is leaked) */
    panic("a dead thread ran");
    __builtin_unreachable();
}

void thread_yield(void) { schedule(); }

int sched_block(uint64_t deadline_ns)
{
    if (deadline_ns != SCHED_FOREVER && deadline_ns <= clock_ns())
        return -ETIMEDOUT;
    if (cur == &boot.t)
        panic("the main loop may not block");
    struct thread *t = cur;
    t->state = THREAD_BLOCKED;
    t->wake_result = 0;
    if (deadline_ns != SCHED_FOREVER)
        sched_timer_add(&t->timeout, deadline_ns);
    schedule();
    return t->wake_result;
}

bool sched_wake(struct thread *t, int result)
{
    bool blocked = t->state == THREAD_BLOCKED;
    if (blocked) {
        timerq_remove(&timers, &t->timeout.node);
        t->wake_result = result;
        make_ready(t);
    }
    return blocked;
}

void sched_timer_add(struct sched_timer *st, uint64_t deadline_ns)
{
    timerq_remove(&timers, &st->node);
    timerq_insert(&timers, &st->node, deadline_ns);
}

bool sched_timer_cancel(struct sched_timer *st) { return timerq_remove(&timers, &st->node); }

uint64_t sched_deadline_after(uint64_t ns)
{
    uint64_t now = clock_ns();
    return ns >= SCHED_FOREVER - now ? SCHED_FOREVER : now + ns;
}

void thread_sleep_until(uint64_t deadline_ns)
{
    while (sched_block(deadline_ns) != -ETIMEDOUT)
        ;
}

void thread_sleep_ns(uint64_t ns) { thread_sleep_until(sched_deadline_after(ns)); }

/* The main loop's turn: fires expired timers, then lets every ready thread
 * run once. Returns the ns until the next timer (for a poll timeout). */
uint64_t e2e_kernel_poll(void)
{
    uint64_t now = clock_ns();
    struct timerq_node *n;
    while ((n = timerq_pop_expired(&timers, now)) != NULL) {
        struct sched_timer *st = timerq_entry(n, struct sched_timer, node);
        st->fire(st);
    }
    size_t k = runq_len(&ready);
    for (size_t i = 0; i < k && !runq_empty(&ready); i++)
        thread_yield();
    uint64_t next = timerq_next_deadline(&timers);
    now = clock_ns();
    return next == TIMERQ_NONE ? 10000000ull : next > now ? next - now : 0;
}

bool e2e_kernel_busy(void) { return !runq_empty(&ready); }

/* --- What the status page and the pools ask of the rest of the kernel ----------------------- */
#include "kernel/arch/cpuinfo.h"
#include "kernel/mm/pmm.h"
#include "kernel/time/timeline.h"
#include "kernel/time/clock.h"
#include "kernel/pci/pci.h"

struct cpu_info cpu;
const char *cpuinfo_hv_name(enum hypervisor hv) { (void)hv; return "Hyper-V (simulated)"; }
size_t pmm_free_pages(void) { return 65536; }      /* 256 MiB free: the pools' and httpd's big sizes */
uint64_t timeline_total_us(void) { return 0; }
int timeline_count(void) { return 0; }
int timeline_get(int i, const char **phase, uint64_t *at_us, uint64_t *delta_us)
{
    (void)i, (void)phase, (void)at_us, (void)delta_us;
    return -EINVAL;
}
uint64_t clock_wall_s(void) { return (uint64_t)time(NULL); }
void pci_list(void (*print)(const char *line), bool detail)
{
    (void)detail;
    print("(no PCI: VMBus only)");
}

/* The apps also serve AF_VSOCK when the command line says vsock=PORT
 * (vsock/vsock.h); this program has no virtio-vsock device, so the option
 * is never set and a vsock listener cannot be made. */
uint32_t vsock_app_port;
int vsock_server(uint32_t port, int backlog)
{
    (void)port, (void)backlog;
    return -ENODEV;
}
