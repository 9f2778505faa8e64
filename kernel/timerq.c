/* The timer queue: a deadline-sorted intrusive list (see timerq.h). Pure. */
#include "kernel/timerq.h"

bool timerq_insert(struct timerq *q, struct timerq_node *n, uint64_t deadline)
{
    if (n->q)
        return false;
    /* Walk back from the tail to the last entry due no later than n: n goes
     * after it, which keeps equal deadlines in insertion order. */
    struct timerq_node *after = q->tail;
    while (after && after->deadline > deadline)
        after = after->prev;
    n->q = q;
    n->deadline = deadline;
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

bool timerq_remove(struct timerq *q, struct timerq_node *n)
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
    n->prev = n->next = NULL;
    n->q = NULL;
    q->len--;
    return true;
}

struct timerq_node *timerq_pop_expired(struct timerq *q, uint64_t now)
{
    struct timerq_node *n = q->head;
    if (!n || n->deadline > now)
        return NULL;
    timerq_remove(q, n);
    return n;
}
