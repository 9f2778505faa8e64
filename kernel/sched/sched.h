/* Kernel threads, cooperative, on one CPU.
 *
 * A thread runs until it blocks, yields, sleeps or exits: there is no
 * preemption, so code between two blocking calls runs as one critical
 * section against other threads. Interrupts still arrive at any time, and
 * their handlers may wake threads (waitq_wake_*, sem_up), so every
 * scheduler structure they touch is changed with interrupts disabled, and a
 * thread that waits for something an interrupt handler does must check and
 * wait with interrupts disabled:
 *
 *     uint64_t f = irq_save();
 *     while (!dev->done)            // set by the handler, which then
 *         waitq_wait(&dev->wq);     // calls waitq_wake_all(&dev->wq)
 *     irq_restore(f);
 *
 * Otherwise the wakeup could come between the check and the wait, and be
 * lost. Blocking is for threads only: an interrupt handler must never call
 * anything that may block (waitq_wait*, mutex_lock, sem_down*,
 * thread_sleep_*, thread_yield, thread_join, ktimer_stop).
 *
 * When no thread is ready the CPU halts until the next interrupt (see
 * sched.c: the idle loop). The scheduler owns the one-shot hardware timer
 * (kernel/time/clock.h): sleeps, wait timeouts and ktimers share its queue.
 *
 * Files: sched.c (threads, run queue, idle, sleeping, the timer interrupt),
 * switch.S (the context switch), waitq.c (wait queues, mutexes,
 * semaphores, ktimers), runq.c and timerq.c (the pure queues). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/sched/runq.h"
#include "kernel/sched/timerq.h"

#define THREAD_STACK_DEFAULT (16 * 1024)
#define THREAD_NAME_MAX      24
#define SCHED_FOREVER        UINT64_MAX  /* a deadline that never comes */

enum thread_state {
    THREAD_RUNNING,         /* on the CPU */
    THREAD_READY,           /* on the run queue */
    THREAD_BLOCKED,         /* waiting: on a wait queue, a deadline, or both */
    THREAD_DEAD,            /* exited, not yet joined */
};

/* An entry in the scheduler's timer queue and what to do when it expires.
 * fire() runs in interrupt context, with the entry already dequeued. */
struct sched_timer {
    struct timerq_node node;
    void (*fire)(struct sched_timer *st);
};

/* A FIFO of blocked threads. All-zero is an empty queue. */
struct waitq {
    struct runq waiters;
};

struct thread {
    uint64_t rsp;                   /* saved stack pointer; first: switch.S */
    enum thread_state state;
    int wake_result;                /* what sched_block returns: 0, -ETIMEDOUT */
    struct runq_node run_link;      /* on the run queue */
    struct runq_node wait_link;     /* on a wait queue */
    struct runq_node all_link;      /* on the list of all threads */
    struct sched_timer timeout;     /* the deadline of a sleep or timed wait */
    struct waitq exited;            /* thread_join waits here */
    bool detached;                  /* freed at exit, not by thread_join */
    uint64_t id;
    char name[THREAD_NAME_MAX];
    uintptr_t stack_guard;          /* guard page below the stack; 0: boot stack */
    size_t stack_size;              /* usable bytes above the guard */
    uint64_t switches;              /* times switched to */
};

/* --- threads ---------------------------------------------------------------
 * Turns the boot context into the thread "main" (on the boot stack) and
 * starts the "timers" thread. Call once, with memory, interrupts and the
 * clock up; before it, nothing here may be used. */
void sched_init(void);

/* A new thread running fn(arg), then thread_exit(). It is ready at once and
 * runs when the caller next blocks or yields. stack_size (0: default) is
 * rounded up to pages; an unmapped guard page below the stack turns an
 * overflow into a panic naming the thread. NULL when out of memory. */
struct thread *thread_create(const char *name, void (*fn)(void *arg), void *arg, size_t stack_size);
/* Waits for t to exit and frees it. 0, or -EINVAL for the caller itself,
 * a detached thread or "main". Only one thread may join a given thread. */
int thread_join(struct thread *t);
/* Nobody will join t: it is freed as soon as it has exited. */
void thread_detach(struct thread *t);
__attribute__((noreturn)) void thread_exit(void);
void thread_yield(void);
struct thread *thread_current(void);
/* Blocks for at least ns nanoseconds / until clock_ns() >= deadline_ns. */
void thread_sleep_ns(uint64_t ns);
void thread_sleep_until(uint64_t deadline_ns);

/* For the shell: a snapshot of up to max threads; returns how many exist. */
struct thread_info {
    uint64_t id;
    char name[THREAD_NAME_MAX];
    enum thread_state state;
    size_t stack_size;
    uint64_t switches;
};
int thread_list(struct thread_info *out, int max);
const char *thread_state_name(enum thread_state s);
uint64_t sched_idle_ns(void);       /* time spent halted waiting for work */

/* --- low level: the primitives below (waitq.c) are built on these --------
 * sched_block: the calling thread sleeps until sched_wake(it, result)
 * (returns result) or until deadline_ns (returns -ETIMEDOUT at once if it
 * has passed). Interrupts must be disabled; they still are on return. */
int sched_block(uint64_t deadline_ns);
/* Makes a blocked thread ready; false if t was not blocked. Safe in
 * interrupt handlers. */
bool sched_wake(struct thread *t, int result);
/* Queues st to fire at deadline_ns (moving it if queued); cancel returns
 * whether it was still queued. Safe in interrupt handlers. */
void sched_timer_add(struct sched_timer *st, uint64_t deadline_ns);
bool sched_timer_cancel(struct sched_timer *st);
/* clock_ns() + ns, saturating at SCHED_FOREVER. */
uint64_t sched_deadline_after(uint64_t ns);

/* --- wait queues -----------------------------------------------------------
 * Waiters are woken in FIFO order. The wait functions return 0 when woken,
 * -ETIMEDOUT when the deadline came first. Call with interrupts disabled
 * when the wakeup comes from an interrupt handler (see the top of this
 * file); they return with the caller's interrupt state. */
static inline void waitq_init(struct waitq *wq) { runq_init(&wq->waiters); }
int waitq_wait(struct waitq *wq);
int waitq_wait_timeout(struct waitq *wq, uint64_t timeout_ns);
int waitq_wait_until(struct waitq *wq, uint64_t deadline_ns);
/* Wake the first waiter (returns it, or NULL if none) / all of them
 * (returns how many). Safe in interrupt handlers. */
struct thread *waitq_wake_one(struct waitq *wq);
int waitq_wake_all(struct waitq *wq);

/* --- mutexes -----------------------------------------------------------------
 * Sleeping locks for threads, handed over in FIFO order: unlock gives the
 * mutex to the first waiter, so a thread that unlocks and relocks cannot
 * starve the others. Locking a mutex you hold, or unlocking one you do not
 * hold, is a kernel bug and panics. All-zero is an unlocked mutex. */
struct mutex {
    struct thread *owner;
    struct waitq wq;
};
static inline void mutex_init(struct mutex *m) { *m = (struct mutex){ 0 }; }
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_held(const struct mutex *m);     /* by the calling thread */

/* --- counting semaphores ----------------------------------------------------
 * sem_up may be called from interrupt handlers. A unit released while
 * threads wait goes straight to the first of them (FIFO). */
struct semaphore {
    unsigned count;
    struct waitq wq;
};
static inline void sem_init(struct semaphore *s, unsigned count) { *s = (struct semaphore){ .count = count }; }
void sem_down(struct semaphore *s);
int sem_down_timeout(struct semaphore *s, uint64_t timeout_ns);   /* 0 or -ETIMEDOUT */
bool sem_trydown(struct semaphore *s);
void sem_up(struct semaphore *s);

/* --- ktimers -----------------------------------------------------------------
 * One-shot or periodic timers whose callbacks run in the kernel thread
 * "timers", one at a time, in deadline order; never in interrupt context,
 * so a callback may take mutexes or block (delaying the timers behind it).
 * A periodic timer keeps its phase (deadlines start + k * period); periods
 * missed while callbacks were late are counted in `overruns`, not run. */
struct ktimer {
    struct sched_timer st;
    void (*fn)(void *arg);
    void *arg;
    uint64_t period_ns;             /* 0: one-shot */
    struct runq_node pending_link;  /* expired, waiting for the timers thread */
    uint64_t overruns;
};
#define KTIMER_MIN_PERIOD_NS 10000ull  /* shorter periods are raised to this */

void ktimer_init(struct ktimer *t, void (*fn)(void *arg), void *arg);
/* (Re)starts t: first expiry in ns (or at deadline_ns), then every ns if
 * periodic. Safe in interrupt handlers. */
void ktimer_start(struct ktimer *t, uint64_t ns, bool periodic);
void ktimer_start_at(struct ktimer *t, uint64_t deadline_ns, uint64_t period_ns);
/* After it returns the callback will not run again, and is not running
 * (unless called from the callback itself). Threads only. */
void ktimer_stop(struct ktimer *t);
bool ktimer_active(const struct ktimer *t);
/* Starts the "timers" thread (sched_init calls it). */
void ktimer_thread_start(void);
