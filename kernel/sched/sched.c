/* Threads and the scheduler: cooperative, one CPU (see sched.h).
 *
 * Every thread is in exactly one state: RUNNING (cur), READY (on `ready`),
 * BLOCKED (on a wait queue and/or with its timeout queued) or DEAD (waiting
 * to be joined or reaped). Interrupt handlers make BLOCKED threads READY
 * (sched_wake) and the timer interrupt expires deadlines; that is why every
 * change to `ready`, `timers` and a thread's state is made with interrupts
 * disabled. Threads never run concurrently, so among themselves they need
 * no locking: there is no preemption.
 *
 * Idle: there is no idle thread. When the run queue is empty, schedule()
 * halts right there, on the stack of the thread that is blocking, until an
 * interrupt makes a thread ready (idle()). That saves a stack and a stack
 * registry entry, and a wakeup from idle costs one switch instead of two
 * (to idle and back); if the thread woken is the one that blocked, no
 * switch at all. The cost: interrupt frames taken while idle land on that
 * thread's stack, as they would if it were running.
 *
 * The timer: one sorted queue (timerq.c) holds every deadline: sleeps, wait
 * timeouts and ktimers. The hardware timer (clock_arm, one-shot) is armed
 * for the earliest; its interrupt pops what has expired and re-arms. */
#include "kernel/sched/sched.h"
#include "boot/boot.h"
#include "kernel/time/clock.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/arch/panic.h"
#include "kernel/mm/pmm.h"
#include "kernel/mm/stacks.h"
#include "kernel/mm/vmm.h"

/* A stack as sched_switch leaves it, lowest address first (switch.S). A new
 * thread's stack starts as one of these at its top, returning into
 * sched_trampoline with r12 = fn, r13 = arg and rbp = 0. */
struct switch_frame {
    uint64_t r15, r14, r13, r12, rbx, rbp;
    uint64_t rip;
    uint64_t pad[2];        /* after the ret: rsp = top - 16, 16-byte aligned */
};
_Static_assert(sizeof(struct switch_frame) % 16 == 8, "the trampoline starts 16-byte aligned");
_Static_assert(__builtin_offsetof(struct thread, rsp) == 0, "switch.S uses thread->rsp at 0");

void sched_switch(uint64_t *save_rsp, uint64_t load_rsp);      /* switch.S */
extern char sched_trampoline[];                                 /* switch.S */
void sched_thread_start(void);                                  /* called from it */

#define MAX_STACK_SIZE (64ul << 20)

static struct thread main_thread;
static struct thread *cur;          /* the running thread */
static struct runq ready;           /* READY threads, FIFO */
static struct runq all;             /* every thread not yet freed */
static struct timerq timers;        /* every pending deadline */
static uint64_t armed = TIMERQ_NONE;    /* what the hardware timer is armed for */
static struct thread *reap;         /* detached, exited: freed after the switch */
static uint64_t next_id = 1;
static uint64_t idle_total_ns;

static bool irqs_enabled(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f & (1u << 9);
}

/* --- the timer queue -------------------------------------------------------- */

/* Arms the hardware timer for the earliest deadline, unless it is already
 * armed for that or earlier: an early interrupt finds nothing expired and
 * re-arms, which is cheaper than re-programming the timer on every
 * cancellation. */
static void rearm(void)
{
    uint64_t next = timerq_next_deadline(&timers);
    if (next < armed) {
        armed = next;
        clock_arm(next);
    }
}

/* The timer interrupt: fire everything due. A fire() may queue timers
 * again (periodic ktimers), always for a time after `now`. */
static void timer_interrupt(void)
{
    armed = TIMERQ_NONE;                /* the one-shot has fired */
    uint64_t now = clock_ns();
    struct timerq_node *n;
    while ((n = timerq_pop_expired(&timers, now))) {
        struct sched_timer *st = timerq_entry(n, struct sched_timer, node);
        st->fire(st);
    }
    rearm();
}

void sched_timer_add(struct sched_timer *st, uint64_t deadline_ns)
{
    uint64_t f = irq_save();
    timerq_remove(&timers, &st->node);
    timerq_insert(&timers, &st->node, deadline_ns);
    rearm();
    irq_restore(f);
}

bool sched_timer_cancel(struct sched_timer *st)
{
    uint64_t f = irq_save();
    bool queued = timerq_remove(&timers, &st->node);
    irq_restore(f);
    return queued;
}

uint64_t sched_deadline_after(uint64_t ns)
{
    uint64_t now = clock_ns();
    return ns >= SCHED_FOREVER - now ? SCHED_FOREVER : now + ns;
}

/* --- switching ----------------------------------------------------------------- */

/* Nothing to run: halt until an interrupt, which may make a thread ready.
 * The run queue was found empty with interrupts off, and "sti; hlt" is
 * atomic: sti lets interrupts in only after the instruction that follows
 * it, so one arriving after the check is taken in hlt and ends it. With
 * "sti" and "hlt" apart, a wakeup between them would leave the CPU halted
 * until some unrelated interrupt. */
static void idle(void)
{
    uint64_t t0 = clock_ns();
    __asm__ volatile("sti; hlt; cli" ::: "memory");
    idle_total_ns += clock_ns() - t0;
}

static struct thread *pick_next(void)
{
    struct runq_node *n;
    while (!(n = runq_pop(&ready)))
        idle();
    return runq_entry(n, struct thread, run_link);
}

static void free_thread(struct thread *t)
{
    uint64_t f = irq_save();
    runq_remove(&all, &t->all_link);
    irq_restore(f);
    stack_unregister((void *)(t->stack_guard + PAGE_SIZE));
    /* Without its mapping back, the guard page must not be handed out. */
    if (vmm_unguard(t->stack_guard) == 0)
        pmm_free(t->stack_guard);
    else
        pr_warn("sched: cannot remap the guard page of '%s': stack not freed\n", t->name);
    kfree(t);
}

/* Runs in the thread just switched to: nothing runs on the stack of a
 * detached thread that exited any more, so it can go. */
static void finish_switch(void)
{
    struct thread *t = reap;
    reap = NULL;
    if (t)
        free_thread(t);
}

/* Runs the next ready thread, or idles until there is one. The caller has
 * already moved cur out of RUNNING (queued as READY, BLOCKED or DEAD).
 * Interrupts are disabled, and are again when this returns in cur. */
static void schedule(void)
{
    struct thread *prev = cur, *next = pick_next();
    next->state = THREAD_RUNNING;
    if (next == prev)
        return;                         /* woken while idling: no switch */
    next->switches++;
    cur = next;
    sched_switch(&prev->rsp, next->rsp);
    finish_switch();
}

void sched_thread_start(void)
{
    finish_switch();
    irq_enable();
}

static void make_ready(struct thread *t)
{
    t->state = THREAD_READY;
    if (!runq_push(&ready, &t->run_link))
        panic("sched: thread '%s' queued twice", t->name);
}

/* --- blocking and waking ------------------------------------------------------- */

static void check_can_block(const char *what)
{
    if (!cur)
        panic("sched: %s before sched_init", what);
    if (irqs_enabled())
        panic("sched: %s with interrupts enabled (thread '%s')", what, cur->name);
}

int sched_block(uint64_t deadline_ns)
{
    check_can_block("sched_block");
    if (deadline_ns != SCHED_FOREVER && deadline_ns <= clock_ns())
        return -ETIMEDOUT;
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
    uint64_t f = irq_save();
    bool blocked = t->state == THREAD_BLOCKED;
    if (blocked) {
        timerq_remove(&timers, &t->timeout.node);
        t->wake_result = result;
        make_ready(t);
    }
    irq_restore(f);
    return blocked;
}

/* A thread's deadline passed (interrupt context). */
static void timeout_fire(struct sched_timer *st)
{
    sched_wake(timerq_entry(st, struct thread, timeout), -ETIMEDOUT);
}

void thread_sleep_until(uint64_t deadline_ns)
{
    uint64_t f = irq_save();
    while (sched_block(deadline_ns) != -ETIMEDOUT)
        ;                               /* woken early by a stray sched_wake */
    irq_restore(f);
}

void thread_sleep_ns(uint64_t ns) { thread_sleep_until(sched_deadline_after(ns)); }

void thread_yield(void)
{
    uint64_t f = irq_save();
    check_can_block("thread_yield");
    make_ready(cur);
    schedule();
    irq_restore(f);
}

/* --- thread lifetime ----------------------------------------------------------- */

static void copy_name(char *dst, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i < THREAD_NAME_MAX - 1; i++)
        dst[i] = src[i];
    dst[i] = 0;
}

/* The stack: size bytes of pages above one unmapped guard page, registered
 * under the thread's name so that an overflow is reported as its own. */
static int alloc_stack(struct thread *t, size_t size)
{
    if (size > MAX_STACK_SIZE)
        return -EINVAL;
    size_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t base = pmm_alloc(pages + 1, 1, 0);
    if (!base)
        return -ENOMEM;
    int err = vmm_set_guard(base);
    if (err) {
        pmm_free(base);
        return err;
    }
    t->stack_guard = base;
    t->stack_size = pages * PAGE_SIZE;
    stack_register(t->name, (void *)base, (void *)(base + PAGE_SIZE),
                   (void *)(base + PAGE_SIZE + t->stack_size));
    return 0;
}

struct thread *thread_create(const char *name, void (*fn)(void *arg), void *arg, size_t stack_size)
{
    if (!cur)
        panic("sched: thread_create before sched_init");
    struct thread *t = kzalloc(sizeof *t);
    if (!t)
        return NULL;
    copy_name(t->name, name);
    if (alloc_stack(t, stack_size ? stack_size : THREAD_STACK_DEFAULT)) {
        kfree(t);
        return NULL;
    }
    uintptr_t top = t->stack_guard + PAGE_SIZE + t->stack_size;
    struct switch_frame *fr = (struct switch_frame *)top - 1;
    *fr = (struct switch_frame){ .r12 = (uintptr_t)fn, .r13 = (uintptr_t)arg,
                                 .rip = (uintptr_t)sched_trampoline };
    t->rsp = (uintptr_t)fr;
    t->id = next_id++;
    t->timeout.fire = timeout_fire;
    uint64_t f = irq_save();
    runq_push(&all, &t->all_link);
    make_ready(t);
    irq_restore(f);
    return t;
}

void thread_exit(void)
{
    irq_disable();
    struct thread *t = cur;
    if (!t)
        panic("sched: thread_exit before sched_init");
    t->state = THREAD_DEAD;
    waitq_wake_all(&t->exited);
    if (t->detached && t != &main_thread)
        reap = t;                       /* by the next thread, off this stack */
    schedule();
    panic("sched: thread '%s' ran after exiting", t->name);
}

int thread_join(struct thread *t)
{
    if (!t || t == cur || t->detached || t == &main_thread)
        return -EINVAL;
    uint64_t f = irq_save();
    while (t->state != THREAD_DEAD)
        waitq_wait(&t->exited);
    irq_restore(f);
    /* t has switched away for good: its stack is free to go. */
    free_thread(t);
    return 0;
}

void thread_detach(struct thread *t)
{
    if (!t || t == &main_thread || t->detached)
        return;
    t->detached = true;
    if (t->state == THREAD_DEAD)        /* exited already (never cur) */
        free_thread(t);
}

struct thread *thread_current(void) { return cur; }

/* --- setup and the thread list ------------------------------------------------- */

void sched_init(void)
{
    if (cur)
        return;
    main_thread.state = THREAD_RUNNING;
    main_thread.timeout.fire = timeout_fire;
    copy_name(main_thread.name, "main");
    main_thread.stack_guard = (uintptr_t)boot_stack_guard;
    main_thread.stack_size = (size_t)(boot_stack_top - boot_stack_bottom);
    runq_push(&all, &main_thread.all_link);
    cur = &main_thread;
    clock_set_timer_handler(timer_interrupt);
    ktimer_thread_start();
}

const char *thread_state_name(enum thread_state s)
{
    static const char names[][8] = { "running", "ready", "blocked", "dead" };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

int thread_list(struct thread_info *out, int max)
{
    uint64_t f = irq_save();
    int n = 0;
    for (struct runq_node *l = all.head; l; l = l->next, n++) {
        const struct thread *t = runq_entry(l, struct thread, all_link);
        if (n >= max)
            continue;
        out[n] = (struct thread_info){ .id = t->id, .state = t->state,
                                       .stack_size = t->stack_size, .switches = t->switches };
        copy_name(out[n].name, t->name);
    }
    irq_restore(f);
    return n;
}

uint64_t sched_idle_ns(void) { return idle_total_ns; }
