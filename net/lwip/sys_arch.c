/* lwIP's operating-system layer (lwip/sys.h, doc "sys_arch") on minnow's
 * cooperative scheduler (kernel/sched/sched.h): semaphores and mutexes are the
 * kernel's, a mailbox is a ring guarded by two counting semaphores, lwIP's
 * threads are kernel threads, time is clock_ns(), and the "protection"
 * against concurrent pool access is irq_save()/irq_restore(). */
#include "lwip/opt.h"
#include "lwip/err.h"
#include "lwip/sys.h"
#include "kernel/time/clock.h"
#include "kernel/mm/heap.h"
#include "kernel/irq/irq.h"
#include "kernel/console/kprintf.h"
#include "kernel/sched/sched.h"
#include "kernel/arch/cpu.h"
#include "lib/string.h"

#define NS_PER_MS 1000000ull

/* --- time ------------------------------------------------------------------ */
void sys_init(void) { }

u32_t sys_now(void) { return (u32_t)(clock_ns() / NS_PER_MS); }
u32_t sys_jiffies(void) { return (u32_t)(clock_ns() / NS_PER_MS); }

/* Waits on s for timeout_ms (0: forever); lwIP wants the milliseconds
 * waited, or SYS_ARCH_TIMEOUT. */
static u32_t sem_wait_ms(struct semaphore *s, u32_t timeout_ms)
{
    uint64_t start = clock_ns();
    if (timeout_ms == 0)
        sem_down(s);
    else if (sem_down_timeout(s, (uint64_t)timeout_ms * NS_PER_MS) != 0)
        return SYS_ARCH_TIMEOUT;
    uint64_t ms = (clock_ns() - start) / NS_PER_MS;
    return ms >= SYS_ARCH_TIMEOUT ? SYS_ARCH_TIMEOUT - 1 : (u32_t)ms;
}

/* --- semaphores ------------------------------------------------------------ */
err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
    sem_init(&sem->sem, count);
    sem->valid = true;
    return ERR_OK;
}

void sys_sem_free(sys_sem_t *sem) { sem->valid = false; }
void sys_sem_signal(sys_sem_t *sem) { sem_up(&sem->sem); }
u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout) { return sem_wait_ms(&sem->sem, timeout); }

/* --- mutexes --------------------------------------------------------------- */
err_t sys_mutex_new(sys_mutex_t *m)
{
    mutex_init(&m->mutex);
    m->valid = true;
    return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *m) { m->valid = false; }
void sys_mutex_lock(sys_mutex_t *m) { mutex_lock(&m->mutex); }
void sys_mutex_unlock(sys_mutex_t *m) { mutex_unlock(&m->mutex); }

/* --- mailboxes ------------------------------------------------------------- *
 * `slots` counts free entries, `items` queued ones. Threads are
 * cooperative and nothing posts from interrupt context, so the ring
 * indices need no further locking. */
struct sys_mbox {
    struct semaphore slots, items;
    unsigned size, head, tail;      /* head: next to fetch; tail: next free */
    void *msg[];
};

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
    if (size <= 0)
        size = 16;
    struct sys_mbox *mb = kmalloc(sizeof *mb + (size_t)size * sizeof mb->msg[0]);
    if (!mb)
        return ERR_MEM;
    sem_init(&mb->slots, (unsigned)size);
    sem_init(&mb->items, 0);
    mb->size = (unsigned)size;
    mb->head = mb->tail = 0;
    *mbox = mb;
    return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
    struct sys_mbox *mb = *mbox;
    if (mb && mb->items.count)
        pr_warn("lwip: freeing a mailbox with %u messages\n", mb->items.count);
    kfree(mb);
}

static void mbox_put(struct sys_mbox *mb, void *msg)
{
    mb->msg[mb->tail] = msg;
    mb->tail = (mb->tail + 1) % mb->size;
    sem_up(&mb->items);
}

static void *mbox_take(struct sys_mbox *mb)
{
    void *msg = mb->msg[mb->head];
    mb->head = (mb->head + 1) % mb->size;
    sem_up(&mb->slots);
    return msg;
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
    sem_down(&(*mbox)->slots);
    mbox_put(*mbox, msg);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
    if (!sem_trydown(&(*mbox)->slots))
        return ERR_MEM;
    mbox_put(*mbox, msg);
    return ERR_OK;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
    return sys_mbox_trypost(mbox, msg);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
    u32_t r = sem_wait_ms(&(*mbox)->items, timeout);
    if (r == SYS_ARCH_TIMEOUT)
        return r;
    void *m = mbox_take(*mbox);
    if (msg)
        *msg = m;
    return r;
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
    if (!sem_trydown(&(*mbox)->items))
        return SYS_MBOX_EMPTY;
    void *m = mbox_take(*mbox);
    if (msg)
        *msg = m;
    return 0;
}

/* --- threads --------------------------------------------------------------- */
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
    (void)prio;
    struct thread *t = thread_create(name, fn, arg, stacksize > 0 ? (size_t)stacksize : 0);
    if (!t)
        panic("lwip: cannot create thread %s", name);
    thread_detach(t);
    return t;
}

/* --- protection ------------------------------------------------------------ */
sys_prot_t sys_arch_protect(void) { return irq_save(); }
void sys_arch_unprotect(sys_prot_t flags) { irq_restore(flags); }

/* --- odds and ends lwIP takes from the platform ---------------------------- */
int lwip_errno;

uint32_t lwip_port_rand(void)
{
    static uint64_t state = 0x9e3779b97f4a7c15ull;
    state ^= rdtsc();
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)(state >> 16);
}

void *lwip_port_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return kzalloc(count * size);
}
