/* Wait queues, mutexes, semaphores and ktimers: what threads block on,
 * built on sched_block/sched_wake (sched.c). See sched.h for the rules.
 *
 * A waiter is on its wait queue's list and, when it has a deadline, on the
 * timer queue too. Whichever comes first, a wakeup or the deadline, makes
 * it ready (sched_wake succeeds only once); a thread whose deadline fired
 * is still on the list until it runs again and takes itself off, and
 * waitq_wake_one skips it meanwhile. */
#include "kernel/sched/sched.h"
#include "kernel/time/clock.h"
#include "kernel/errno.h"
#include "kernel/irq/irq.h"
#include "kernel/arch/panic.h"

/* --- wait queues ------------------------------------------------------------ */

int waitq_wait_until(struct waitq *wq, uint64_t deadline_ns)
{
    /* Interrupts off from queueing to blocking: a handler's wakeup in
     * between would find the thread queued but not yet blocked, and fail. */
    uint64_t f = irq_save();
    struct thread *t = thread_current();
    if (!t)
        panic("waitq: wait before sched_init");
    if (!runq_push(&wq->waiters, &t->wait_link))
        panic("waitq: thread '%s' already waiting", t->name);
    int r = sched_block(deadline_ns);
    runq_remove(&wq->waiters, &t->wait_link);   /* still queued after a timeout */
    irq_restore(f);
    return r;
}

int waitq_wait(struct waitq *wq) { return waitq_wait_until(wq, SCHED_FOREVER); }

int waitq_wait_timeout(struct waitq *wq, uint64_t timeout_ns)
{
    return waitq_wait_until(wq, sched_deadline_after(timeout_ns));
}

struct thread *waitq_wake_one(struct waitq *wq)
{
    uint64_t f = irq_save();
    struct thread *woken = NULL;
    struct runq_node *n;
    /* Skip waiters that timed out but have not run yet (not blocked). */
    while (!woken && (n = runq_pop(&wq->waiters))) {
        struct thread *t = runq_entry(n, struct thread, wait_link);
        if (sched_wake(t, 0))
            woken = t;
    }
    irq_restore(f);
    return woken;
}

int waitq_wake_all(struct waitq *wq)
{
    uint64_t f = irq_save();
    int n = 0;
    while (waitq_wake_one(wq))
        n++;
    irq_restore(f);
    return n;
}

/* --- mutexes ----------------------------------------------------------------
 * Only threads use mutexes and threads are not preempted, so testing and
 * taking the owner field needs no interrupt masking. */

static struct thread *mutex_self(const char *what)
{
    struct thread *self = thread_current();
    if (!self)
        panic("mutex: %s before sched_init", what);
    return self;
}

void mutex_lock(struct mutex *m)
{
    struct thread *self = mutex_self("lock");
    if (m->owner == self)
        panic("mutex %p: locked again by its owner '%s' (deadlock)", (void *)m, self->name);
    if (!m->owner) {
        m->owner = self;
        return;
    }
    waitq_wait(&m->wq);
    /* mutex_unlock made us the owner before waking us. */
    if (m->owner != self)
        panic("mutex %p: '%s' woken without the lock", (void *)m, self->name);
}

bool mutex_trylock(struct mutex *m)
{
    struct thread *self = mutex_self("trylock");
    if (m->owner)
        return false;
    m->owner = self;
    return true;
}

void mutex_unlock(struct mutex *m)
{
    struct thread *self = mutex_self("unlock");
    if (m->owner != self)
        panic("mutex %p: unlocked by '%s', which does not hold it (owner: %s)", (void *)m, self->name,
              m->owner ? m->owner->name : "none");
    /* Hand it to the first waiter, if any: it owns the mutex from now on,
     * so we cannot take it back before it runs. */
    m->owner = waitq_wake_one(&m->wq);
}

bool mutex_held(const struct mutex *m) { return m->owner && m->owner == thread_current(); }

/* --- semaphores -------------------------------------------------------------
 * sem_up may run in an interrupt handler: count and queue change with
 * interrupts off. A unit released to a waiter is not counted: the waiter's
 * successful wait (0) is the unit. */

static int sem_down_until(struct semaphore *s, uint64_t deadline_ns)
{
    uint64_t f = irq_save();
    int r = 0;
    if (s->count)
        s->count--;
    else
        r = waitq_wait_until(&s->wq, deadline_ns);
    irq_restore(f);
    return r;
}

void sem_down(struct semaphore *s) { sem_down_until(s, SCHED_FOREVER); }

int sem_down_timeout(struct semaphore *s, uint64_t timeout_ns)
{
    return sem_down_until(s, sched_deadline_after(timeout_ns));
}

bool sem_trydown(struct semaphore *s)
{
    uint64_t f = irq_save();
    bool ok = s->count > 0;
    if (ok)
        s->count--;
    irq_restore(f);
    return ok;
}

void sem_up(struct semaphore *s)
{
    uint64_t f = irq_save();
    if (!waitq_wake_one(&s->wq))
        s->count++;
    irq_restore(f);
}

/* --- ktimers ----------------------------------------------------------------
 * Expiry happens in the timer interrupt (ktimer_fire), which only queues
 * the ktimer on `pending` and wakes the "timers" thread; the callbacks run
 * there, in expiry order. */

static struct thread *timers_thread;
static struct runq pending;         /* expired ktimers, oldest first */
static struct waitq timers_wq;      /* the timers thread waits here for work */
static struct ktimer *running;      /* the callback being run, or NULL */
static struct waitq running_done;   /* ktimer_stop waits here for it */

/* The next deadline of a periodic timer: one period after the last, or,
 * when the interrupt came later than that, the first one still ahead,
 * counting the ones skipped. Always after now, so the interrupt's loop
 * over expired timers ends. */
static void ktimer_next_period(struct ktimer *t)
{
    uint64_t now = clock_ns(), next = t->st.node.deadline + t->period_ns;
    if (next <= now) {
        uint64_t missed = (now - next) / t->period_ns + 1;
        t->overruns += missed;
        next += missed * t->period_ns;
    }
    sched_timer_add(&t->st, next);
}

/* Interrupt context: the ktimer is off the timer queue. */
static void ktimer_fire(struct sched_timer *st)
{
    struct ktimer *t = timerq_entry(st, struct ktimer, st);
    if (t->period_ns)
        ktimer_next_period(t);
    if (!runq_push(&pending, &t->pending_link))
        t->overruns++;                  /* the last expiry's callback has not run yet */
    waitq_wake_one(&timers_wq);
}

static struct ktimer *next_pending(void)
{
    struct runq_node *n;
    while (!(n = runq_pop(&pending)))
        waitq_wait(&timers_wq);
    return runq_entry(n, struct ktimer, pending_link);
}

static void timers_main(void *arg)
{
    (void)arg;
    for (;;) {
        uint64_t f = irq_save();        /* pending is filled by interrupts */
        struct ktimer *t = running = next_pending();
        irq_restore(f);
        t->fn(t->arg);
        running = NULL;
        waitq_wake_all(&running_done);
    }
}

void ktimer_thread_start(void)
{
    timers_thread = thread_create("timers", timers_main, NULL, 0);
    if (!timers_thread)
        panic("ktimer: cannot create the timers thread");
    thread_detach(timers_thread);
}

void ktimer_init(struct ktimer *t, void (*fn)(void *arg), void *arg)
{
    *t = (struct ktimer){ .fn = fn, .arg = arg };
    t->st.fire = ktimer_fire;
}

void ktimer_start_at(struct ktimer *t, uint64_t deadline_ns, uint64_t period_ns)
{
    if (period_ns && period_ns < KTIMER_MIN_PERIOD_NS)
        period_ns = KTIMER_MIN_PERIOD_NS;   /* else a timer interrupt storm */
    uint64_t f = irq_save();
    runq_remove(&pending, &t->pending_link);
    t->period_ns = period_ns;
    sched_timer_add(&t->st, deadline_ns);
    irq_restore(f);
}

void ktimer_start(struct ktimer *t, uint64_t ns, bool periodic)
{
    ktimer_start_at(t, sched_deadline_after(ns), periodic ? ns : 0);
}

void ktimer_stop(struct ktimer *t)
{
    uint64_t f = irq_save();
    sched_timer_cancel(&t->st);
    runq_remove(&pending, &t->pending_link);
    /* A callback that blocked may still be running: wait for it, unless
     * it is the caller (a callback stopping its own timer). */
    while (running == t && thread_current() != timers_thread)
        waitq_wait(&running_done);
    irq_restore(f);
}

bool ktimer_active(const struct ktimer *t)
{
    return timerq_queued(&t->st.node) || runq_linked(&t->pending_link);
}
