/* The timer queue: a deadline-sorted intrusive list (see timerq.h). Pure. */
#include "kernel/sched/timerq.h"

bool timerq_insert(struct timerq *q, struct timerq_node *n, uint64_t deadline)
{
    if (timerq_queued(n))
        return false;
    /* Walk back from the tail to the last entry due no later than n: n goes
     * after it, which keeps equal deadlines in insertion order (O(1) when
     * deadlines arrive in order). */
    struct runq_node *after = q->list.tail;
    while (after && timerq_of(after)->deadline > deadline)
        after = after->prev;
    n->deadline = deadline;
    return runq_insert_after(&q->list, after, &n->link);
}

bool timerq_remove(struct timerq *q, struct timerq_node *n)
{
    return runq_remove(&q->list, &n->link);
}

struct timerq_node *timerq_pop_expired(struct timerq *q, uint64_t now)
{
    struct timerq_node *n = timerq_peek(q);
    if (!n || n->deadline > now)
        return NULL;
    timerq_remove(q, n);
    return n;
}
