/* The run queue: an intrusive FIFO of threads (see runq.h). Pure. */
#include "kernel/sched/runq.h"

bool runq_insert_after(struct runq *q, struct runq_node *after, struct runq_node *n)
{
    if (n->q || (after && after->q != q))
        return false;
    n->q = q;
    n->prev = after;
    n->next = after ? after->next : q->head;
    if (n->next)
        n->next->prev = n;
    else
        q->tail = n;
    if (after)
        after->next = n;
    else
        q->head = n;
    q->len++;
    return true;
}

bool runq_push(struct runq *q, struct runq_node *n)
{
    return runq_insert_after(q, q->tail, n);
}

bool runq_remove(struct runq *q, struct runq_node *n)
{
    if (n->q != q)
        return false;
    if (n->prev)
        n->prev->next = n->next;
    else
        q->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        q->tail = n->prev;
    *n = (struct runq_node){ 0 };
    q->len--;
    return true;
}

struct runq_node *runq_pop(struct runq *q)
{
    struct runq_node *n = q->head;
    if (n)
        runq_remove(q, n);
    return n;
}
