/* Thread self-tests (selftest=threads): the scheduler, wait queues,
 * mutexes, semaphores, ktimers and sleeps on the real machine, with its
 * real timer interrupt. One summary line per sub-test:
 *     selftest: threads: <sub-test>: ok (<figures>)
 * Times are checked against clock_ns(): nothing may wake or fire early.
 * Lateness is printed, not judged (QEMU's TCG is slow and jittery).
 *
 * Also two tests that must end in a panic, checked from outside like the
 * fault tests in selftest.c: threadoverflow, mutexowner. */
#include "kernel/core/selftest.h"
#include "kernel/time/clock.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/pmm.h"
#include "kernel/sched/sched.h"
#include "kernel/mm/stacks.h"
#include "kernel/mm/vmm.h"

#define MS 1000000ull
#define US 1000ull

static int check(bool ok, const char *sub, const char *what)
{
    if (!ok)
        kprintf("selftest: threads: %s: FAILED: %s\n", sub, what);
    return ok ? 0 : -EFAULT;
}

static struct thread *spawn(const char *name, void (*fn)(void *), void *arg)
{
    struct thread *t = thread_create(name, fn, arg, 0);
    if (!t)
        kprintf("selftest: threads: cannot create thread '%s'\n", name);
    return t;
}

/* --- ping-pong: two threads hand a turn back and forth over wait queues -- */

#define ROUND_TRIPS 10000

struct pingpong {
    struct waitq wq[2];
    int turn;
    int count[2];
};
struct player {
    struct pingpong *pp;
    int me;
};

/* Only threads change `turn`, and they are not preempted: no irq_save. */
static void pingpong_player(void *arg)
{
    struct player *p = arg;
    struct pingpong *pp = p->pp;
    for (int i = 0; i < ROUND_TRIPS; i++) {
        while (pp->turn != p->me)
            waitq_wait(&pp->wq[p->me]);
        pp->count[p->me]++;
        pp->turn = !p->me;
        waitq_wake_one(&pp->wq[!p->me]);
    }
}

static int test_pingpong(void)
{
    static struct pingpong pp;
    static struct player pl[2];
    pp = (struct pingpong){ 0 };
    pl[0] = (struct player){ &pp, 0 };
    pl[1] = (struct player){ &pp, 1 };
    uint64_t t0 = clock_ns();
    struct thread *a = spawn("ping", pingpong_player, &pl[0]);
    struct thread *b = spawn("pong", pingpong_player, &pl[1]);
    if (!a || !b)
        return -ENOMEM;
    thread_join(a);
    thread_join(b);
    uint64_t us = (clock_ns() - t0) / US;
    kprintf("selftest: threads: pingpong: %d round trips in %llu us\n", pp.count[1],
            (unsigned long long)us);
    return check(pp.count[0] == ROUND_TRIPS && pp.count[1] == ROUND_TRIPS, "pingpong", "lost turns");
}

/* --- mutex: read-yield-write increments must not interleave ------------- */

#define MUTEX_THREADS 8
#define MUTEX_ROUNDS  300

struct counter {
    struct mutex lock;
    int value, inside, max_inside, trylock_wrong;
};

static void mutex_worker(void *arg)
{
    struct counter *c = arg;
    for (int i = 0; i < MUTEX_ROUNDS; i++) {
        mutex_lock(&c->lock);
        c->max_inside = ++c->inside > c->max_inside ? c->inside : c->max_inside;
        int v = c->value;
        thread_yield();                 /* let the others try to get in */
        c->value = v + 1;
        if (!mutex_held(&c->lock))
            c->trylock_wrong++;
        c->inside--;
        mutex_unlock(&c->lock);
        if (i % 7 == 0)
            thread_yield();
    }
}

/* While a worker holds the lock, trylock from here must fail. */
static void mutex_prober(void *arg)
{
    struct counter *c = arg;
    for (int i = 0; i < 100; i++) {
        if (c->inside && mutex_trylock(&c->lock))
            c->trylock_wrong++;
        thread_yield();
    }
}

static int test_mutex(void)
{
    static struct counter c;
    struct thread *t[MUTEX_THREADS + 1];
    c = (struct counter){ 0 };
    for (int i = 0; i < MUTEX_THREADS; i++)
        if (!(t[i] = spawn("mutex", mutex_worker, &c)))
            return -ENOMEM;
    if (!(t[MUTEX_THREADS] = spawn("mutex-probe", mutex_prober, &c)))
        return -ENOMEM;
    for (int i = 0; i <= MUTEX_THREADS; i++)
        thread_join(t[i]);
    bool free = mutex_trylock(&c.lock);
    if (free)
        mutex_unlock(&c.lock);
    kprintf("selftest: threads: mutex: %d threads x %d increments = %d, max %d inside\n", MUTEX_THREADS,
            MUTEX_ROUNDS, c.value, c.max_inside);
    return check(c.value == MUTEX_THREADS * MUTEX_ROUNDS && c.max_inside == 1 && !c.trylock_wrong && free,
                 "mutex", "counter wrong, two threads inside, or trylock wrong");
}

/* --- semaphores: a bounded buffer, a timeout, and sem_up from an IRQ ---- */

#define SEM_ITEMS 2000
#define SEM_SLOTS 4

struct buffer {
    struct semaphore slots, items;
    int ring[SEM_SLOTS], head, tail;
    long sum;
};

static void producer(void *arg)
{
    struct buffer *b = arg;
    for (int i = 1; i <= SEM_ITEMS; i++) {
        sem_down(&b->slots);
        b->ring[b->head++ % SEM_SLOTS] = i;
        sem_up(&b->items);
    }
}

static void consumer(void *arg)
{
    struct buffer *b = arg;
    for (int i = 1; i <= SEM_ITEMS; i++) {
        sem_down(&b->items);
        b->sum += b->ring[b->tail++ % SEM_SLOTS];
        sem_up(&b->slots);
        if (i % 3 == 0)
            thread_yield();
    }
}

static int sem_buffer(void)
{
    static struct buffer b;
    b = (struct buffer){ 0 };
    sem_init(&b.slots, SEM_SLOTS);
    struct thread *c = spawn("consumer", consumer, &b), *p = spawn("producer", producer, &b);
    if (!c || !p)
        return -ENOMEM;
    thread_join(p);
    thread_join(c);
    long want = (long)SEM_ITEMS * (SEM_ITEMS + 1) / 2;
    return check(b.sum == want && b.slots.count == SEM_SLOTS && b.items.count == 0, "semaphore",
                 "bounded buffer lost or duplicated items");
}

/* sem_up in interrupt context: a raw scheduler timer, whose fire() runs
 * in the timer interrupt. */
static struct semaphore irq_sem;
static void irq_sem_fire(struct sched_timer *st)
{
    (void)st;
    sem_up(&irq_sem);
}

static int sem_timeouts(uint64_t *irq_late)
{
    static struct sched_timer st;
    sem_init(&irq_sem, 0);
    uint64_t t0 = clock_ns();
    int r = sem_down_timeout(&irq_sem, 3 * MS);
    int err = check(r == -ETIMEDOUT && clock_ns() - t0 >= 3 * MS, "semaphore", "timeout early or missing");
    err |= check(!sem_trydown(&irq_sem) && sem_down_timeout(&irq_sem, 0) == -ETIMEDOUT, "semaphore",
                 "empty semaphore taken");
    st = (struct sched_timer){ .fire = irq_sem_fire };
    uint64_t when = clock_ns() + 2 * MS;
    sched_timer_add(&st, when);
    r = sem_down_timeout(&irq_sem, 2000 * MS);
    uint64_t now = clock_ns();
    *irq_late = now - when;
    err |= check(r == 0 && now >= when && irq_sem.count == 0, "semaphore", "sem_up from interrupt lost");
    sem_up(&irq_sem);
    err |= check(sem_trydown(&irq_sem) && !sem_trydown(&irq_sem), "semaphore", "trydown");
    return err;
}

static int test_semaphore(void)
{
    uint64_t late = 0;
    int err = sem_buffer();
    if (!err)
        err = sem_timeouts(&late);
    if (!err)
        kprintf("selftest: threads: semaphore: %d items through %d slots, timeouts, up from IRQ (+%llu us)\n",
                SEM_ITEMS, SEM_SLOTS, (unsigned long long)(late / US));
    return err;
}

/* --- wait queue timeouts -------------------------------------------------- */

static void late_waker(void *arg)
{
    thread_sleep_ns(2 * MS);
    waitq_wake_one(arg);
}

static int test_waitq_timeout(void)
{
    static struct waitq wq;
    uint64_t t0 = clock_ns();
    int r = waitq_wait_timeout(&wq, 4 * MS);
    uint64_t waited = clock_ns() - t0;
    int err = check(r == -ETIMEDOUT && waited >= 4 * MS && runq_empty(&wq.waiters), "waitq",
                    "timeout early, missing, or left queued");
    struct thread *t = spawn("waker", late_waker, &wq);
    if (!t)
        return -ENOMEM;
    t0 = clock_ns();
    r = waitq_wait_timeout(&wq, 5000 * MS);
    uint64_t woken = clock_ns() - t0;
    thread_join(t);
    err |= check(r == 0 && woken >= 2 * MS, "waitq", "wakeup before the deadline lost");
    if (!err)
        kprintf("selftest: threads: waitq: timeout after %llu us, woken after %llu us\n",
                (unsigned long long)(waited / US), (unsigned long long)(woken / US));
    return err;
}

/* --- ktimers fire in deadline order, never early --------------------------- */

#define NTIMERS 8

struct timer_log {
    struct ktimer t[NTIMERS];
    uint64_t deadline[NTIMERS], fired_at[NTIMERS];
    int order[NTIMERS], n;
    struct semaphore done;
};
static struct timer_log tl;

static void log_fire(void *arg)
{
    int i = (int)(uintptr_t)arg;
    tl.fired_at[i] = clock_ns();
    tl.order[tl.n++] = i;
    sem_up(&tl.done);
}

/* The expected order: by deadline, then by start order (the index). */
static bool fires_before(int a, int b)
{
    return tl.deadline[a] < tl.deadline[b] || (tl.deadline[a] == tl.deadline[b] && a < b);
}

static int check_timer_order(uint64_t *late_max)
{
    int err = 0;
    for (int k = 0; k < NTIMERS; k++) {
        int i = tl.order[k];
        err |= check(tl.fired_at[i] >= tl.deadline[i], "timers", "a timer fired early");
        if (k > 0)
            err |= check(fires_before(tl.order[k - 1], i), "timers", "timers fired out of order");
        uint64_t late = tl.fired_at[i] - tl.deadline[i];
        *late_max = late > *late_max ? late : *late_max;
    }
    return err;
}

static int test_timers(void)
{
    /* Started in this order; 30 ms twice: those two must keep it. */
    static const uint64_t ms[NTIMERS] = { 50, 10, 40, 30, 20, 30, 5, 60 };
    tl = (struct timer_log){ 0 };
    uint64_t base = clock_ns() + 2 * MS;
    for (int i = 0; i < NTIMERS; i++) {
        ktimer_init(&tl.t[i], log_fire, (void *)(uintptr_t)i);
        tl.deadline[i] = base + ms[i] * MS;
        ktimer_start_at(&tl.t[i], tl.deadline[i], 0);
    }
    int err = 0;
    for (int i = 0; i < NTIMERS && !err; i++)
        err = check(sem_down_timeout(&tl.done, 5000 * MS) == 0, "timers", "a timer did not fire");
    for (int i = 0; i < NTIMERS; i++) {
        err |= check(!ktimer_active(&tl.t[i]), "timers", "one-shot timer still active");
        ktimer_stop(&tl.t[i]);
    }
    uint64_t late = 0;
    if (!err)
        err = check_timer_order(&late);
    if (!err)
        kprintf("selftest: threads: timers: %d one-shot timers in deadline order, latest +%llu us\n", NTIMERS,
                (unsigned long long)(late / US));
    return err;
}

/* --- a periodic ktimer over a window ----------------------------------------- */

#define PERIOD  (10 * MS)
#define PERIODS 20

struct periodic {
    struct ktimer t;
    uint64_t start;
    int count, early;
};

static void periodic_tick(void *arg)
{
    struct periodic *p = arg;
    p->count++;
    /* The k-th callback serves the k-th deadline or a later one. */
    if (clock_ns() < p->start + (uint64_t)p->count * PERIOD)
        p->early++;
}

static int test_periodic(void)
{
    static struct periodic p;
    p = (struct periodic){ .start = clock_ns() };
    ktimer_init(&p.t, periodic_tick, &p);
    ktimer_start_at(&p.t, p.start + PERIOD, PERIOD);
    thread_sleep_until(p.start + PERIODS * PERIOD + PERIOD / 2);
    ktimer_stop(&p.t);
    uint64_t elapsed = clock_ns() - p.start;
    int stopped = p.count;
    thread_sleep_ns(3 * PERIOD);        /* a stopped timer stays quiet */
    kprintf("selftest: threads: periodic: %d ticks of %llu ms in %llu ms (expected %d), %llu overruns\n",
            p.count, (unsigned long long)(PERIOD / MS), (unsigned long long)(elapsed / MS), PERIODS,
            (unsigned long long)p.t.overruns);
    /* Up to two ticks may be lost to a late interrupt under emulation;
     * none may come early or after ktimer_stop. */
    return check((uint64_t)p.count <= elapsed / PERIOD && p.count + (int)p.t.overruns >= PERIODS - 2 && !p.early &&
                 p.count == stopped && !ktimer_active(&p.t),
                 "periodic", "wrong tick count, early tick, or ticks after stop");
}

/* --- sleeps: one after another, then several threads at once ------------- */

static int sleep_lengths(uint64_t *late_max)
{
    static const uint64_t len[] = { 0, 1 * US, 50 * US, 1 * MS, 3 * MS, 10 * MS, 25 * MS };
    int err = 0;
    for (unsigned i = 0; i < sizeof len / sizeof len[0]; i++) {
        uint64_t t0 = clock_ns();
        thread_sleep_ns(len[i]);
        uint64_t slept = clock_ns() - t0;
        err |= check(slept >= len[i], "sleep", "woke early");
        if (slept >= len[i] && slept - len[i] > *late_max)
            *late_max = slept - len[i];
    }
    return err;
}

#define SLEEPERS 5
struct sleeper {
    uint64_t deadline, woke;
    int *order, *n, me;
};

static void sleeper_main(void *arg)
{
    struct sleeper *s = arg;
    thread_sleep_until(s->deadline);
    s->woke = clock_ns();
    s->order[(*s->n)++] = s->me;
}

/* Concurrent sleepers wake in deadline order, none early. */
static int sleep_together(void)
{
    static const int ms[SLEEPERS] = { 25, 5, 15, 10, 20 }, expect[SLEEPERS] = { 1, 3, 2, 4, 0 };
    static struct sleeper s[SLEEPERS];
    static int order[SLEEPERS], n;
    struct thread *t[SLEEPERS];
    uint64_t base = clock_ns() + 2 * MS;
    n = 0;
    for (int i = 0; i < SLEEPERS; i++) {
        s[i] = (struct sleeper){ base + (uint64_t)ms[i] * MS, 0, order, &n, i };
        if (!(t[i] = spawn("sleeper", sleeper_main, &s[i])))
            return -ENOMEM;
    }
    int err = 0;
    for (int i = 0; i < SLEEPERS; i++) {
        thread_join(t[i]);
        err |= check(s[i].woke >= s[i].deadline, "sleep", "concurrent sleeper woke early");
        err |= check(order[i] == expect[i], "sleep", "concurrent sleepers woke out of order");
    }
    return err;
}

static int test_sleep(void)
{
    uint64_t late = 0;
    int err = sleep_lengths(&late);
    err |= sleep_together();
    if (!err)
        kprintf("selftest: threads: sleep: 0 us .. 25 ms never early (latest +%llu us), %d sleepers in order\n",
                (unsigned long long)(late / US), SLEEPERS);
    return err;
}

/* --- races: wakeups against timeouts ----------------------------------------
 * Units released by sem_up in the timer interrupt race timed sem_downs,
 * and wake_one races timed waits; a unit or a wakeup must go to exactly
 * one waiter or stay counted, never be lost or given twice. */

#define RACE_ROUNDS 300
#define RACE_UPS    600

static uint32_t race_seed = 12345;
static uint64_t race_us(unsigned max)
{
    race_seed = race_seed * 1103515245u + 12345u;
    return (race_seed >> 8) % max * US;
}

struct race {
    struct semaphore sem;
    struct sched_timer up_timer;
    int ups_left, ups, downs;
    struct waitq wq;
    int wakes, woken, waiters_left;
};
static struct race rc;

static void race_up(struct sched_timer *st)    /* interrupt context */
{
    sem_up(&rc.sem);
    rc.ups++;
    if (--rc.ups_left > 0)
        sched_timer_add(st, clock_ns() + race_us(200));
}

static void race_downer(void *arg)
{
    (void)arg;
    for (int i = 0; i < RACE_ROUNDS; i++)
        rc.downs += sem_down_timeout(&rc.sem, race_us(300)) == 0;
}

static void race_waiter(void *arg)
{
    (void)arg;
    for (int i = 0; i < RACE_ROUNDS; i++)
        rc.woken += waitq_wait_timeout(&rc.wq, race_us(300)) == 0;
    rc.waiters_left--;
}

static void race_waker(void *arg)
{
    (void)arg;
    while (rc.waiters_left) {
        rc.wakes += waitq_wake_one(&rc.wq) != NULL;
        thread_sleep_ns(race_us(100));
    }
}

static int test_races(void)
{
    struct thread *t[7];
    rc = (struct race){ .ups_left = RACE_UPS, .waiters_left = 3 };
    rc.up_timer.fire = race_up;
    sched_timer_add(&rc.up_timer, clock_ns() + 100 * US);
    for (int i = 0; i < 7; i++) {
        void (*fn)(void *) = i < 3 ? race_downer : i < 6 ? race_waiter : race_waker;
        if (!(t[i] = spawn("race", fn, NULL)))
            return -ENOMEM;
    }
    for (int i = 0; i < 7; i++)
        thread_join(t[i]);
    while (rc.ups_left > 0)
        thread_sleep_ns(1 * MS);
    kprintf("selftest: threads: races: %d ups from IRQ = %d downs + %u left; %d wakes = %d woken\n", rc.ups,
            rc.downs, rc.sem.count, rc.wakes, rc.woken);
    return check(rc.ups == rc.downs + (int)rc.sem.count && rc.wakes == rc.woken, "races",
                 "a unit or a wakeup was lost or given twice");
}

/* --- churn: many short threads, joined or detached, and no leak ---------- */

#define CHURN_TOTAL 5000
#define CHURN_BATCH 32      /* the stack registry (stacks.c) holds 64 stacks */

static struct semaphore detached_done;
static int churn_runs;

static void churn_main(void *arg)
{
    churn_runs++;
    thread_yield();
    if (arg)                            /* detached: tell the test we ran */
        sem_up(&detached_done);
}

/* Every 8th thread is detached (freed at exit); the rest are joined. */
static int churn_batch(int n, int *made)
{
    struct thread *t[CHURN_BATCH];
    int detached = 0, base = thread_list(NULL, 0);
    for (int i = 0; i < n; i++) {
        bool det = (*made + i) % 8 == 7;
        if (!(t[i] = thread_create("churn", churn_main, (void *)(uintptr_t)det, 0)))
            return check(false, "churn", "thread_create failed");
        if (det) {
            thread_detach(t[i]);
            t[i] = NULL;
            detached++;
        }
    }
    int err = check(thread_list(NULL, 0) == base + n, "churn", "thread list count");
    for (int i = 0; i < n; i++)
        if (t[i])
            err |= check(thread_join(t[i]) == 0, "churn", "thread_join failed");
    while (detached--)
        sem_down(&detached_done);
    *made += n;
    return err;
}

static int stacks_registered;
static void count_stack(const struct kstack *s)
{
    (void)s;
    stacks_registered++;
}

/* Pages the allocator could give out: free ones plus empty cached slabs. */
struct mem_snapshot {
    size_t pages, tables, live_blocks, large, stacks;
    int threads;
};
static void snapshot(struct mem_snapshot *m)
{
    struct heap_stats st;
    heap_get_stats(&st);
    stacks_registered = 0;
    stack_for_each(count_stack);
    *m = (struct mem_snapshot){ pmm_free_pages() + st.slab_pages, vmm_table_pages(), st.live_blocks,
                                st.large_allocs, (size_t)stacks_registered, thread_list(NULL, 0) };
}

static int test_churn(void)
{
    int made = 0, err = 0;
    struct mem_snapshot before, after;
    sem_init(&detached_done, 0);
    churn_runs = 0;
    err = churn_batch(CHURN_BATCH, &made);      /* warm up: slab caches, page-table splits */
    snapshot(&before);
    made = 0;
    uint64_t t0 = clock_ns();
    while (!err && made < CHURN_TOTAL)
        err = churn_batch(CHURN_TOTAL - made < CHURN_BATCH ? CHURN_TOTAL - made : CHURN_BATCH, &made);
    uint64_t ms = (clock_ns() - t0) / MS;
    snapshot(&after);
    /* Page tables made by splitting large pages for new guard pages are
     * kept by the page-table code; they are not the threads' leak. */
    size_t tables = after.tables - before.tables;
    kprintf("selftest: threads: churn: %d threads in %llu ms; free pages before %zu, after %zu "
            "(+%zu page tables); threads %d -> %d, stacks %zu -> %zu\n",
            made, (unsigned long long)ms, before.pages, after.pages, tables, before.threads, after.threads,
            before.stacks, after.stacks);
    if (err)
        return err;
    return check(churn_runs == CHURN_TOTAL + CHURN_BATCH && after.pages + tables == before.pages &&
                 after.live_blocks == before.live_blocks && after.large == before.large &&
                 after.stacks == before.stacks && after.threads == before.threads,
                 "churn", "threads did not all run, or memory/stacks/threads leaked");
}

SELFTEST(threads, "threads, wait queues, mutexes, semaphores, timers, sleeps: order, timing, no leak")
{
    static int (*const tests[])(void) = {
        test_pingpong, test_mutex, test_semaphore, test_waitq_timeout, test_timers, test_periodic,
        test_sleep, test_races, test_churn,
    };
    int failed = 0;
    for (unsigned i = 0; i < sizeof tests / sizeof tests[0]; i++)
        failed += tests[i]() != 0;
    kprintf("selftest: threads: %d of %u sub-tests failed; idle %llu ms\n", failed,
            (unsigned)(sizeof tests / sizeof tests[0]), (unsigned long long)(sched_idle_ns() / MS));
    return failed ? -EFAULT : 0;
}

/* --- tests that must end in a panic -------------------------------------- */

static __attribute__((noinline)) int deep(int depth)
{
    volatile char pad[256];
    pad[0] = (char)depth;
    if (depth > (1 << 30))              /* never: the guard page comes first */
        return 0;
    return deep(depth + 1) + pad[0];    /* not a tail call */
}

static void overflow_main(void *arg)
{
    (void)arg;
    deep(0);
}

SELFTEST(threadoverflow, "overflow a thread's stack: the panic names the thread")
{
    struct thread *t = thread_create("overflower", overflow_main, NULL, 8192);
    if (!t)
        return -ENOMEM;
    thread_join(t);
    return -EFAULT;                     /* not reached: the overflow panics */
}

static struct mutex owned;
static void lock_and_wait(void *arg)
{
    mutex_lock(&owned);
    waitq_wait(arg);                    /* holds it for good: nobody wakes us */
}

SELFTEST(mutexowner, "unlock a mutex another thread holds: must panic")
{
    static struct waitq never;
    if (!thread_create("locker", lock_and_wait, &never, 0))
        return -ENOMEM;
    thread_yield();                     /* "locker" takes the mutex */
    mutex_unlock(&owned);
    return -EFAULT;                     /* not reached */
}
