/* The timer queue: pending deadlines, earliest first.
 *
 * A sorted, intrusive doubly-linked list. Insertion scans from the tail,
 * since most new deadlines (timeouts of one length, periodic timers) are
 * later than those queued: O(1) then, O(n) at worst; removal, peek and pop
 * are O(1). Entries with equal deadlines keep their insertion order, so
 * timers started one after the other for the same instant fire in that
 * order. The kernel's queue holds one entry per sleeping or timed-waiting
 * thread and per active ktimer: tens, not thousands. A heap can replace the
 * list behind this interface when that changes.
 *
 * Pure: no kernel dependencies (tests/unit/test_sched.c runs it on the
 * host); the scheduler calls it with interrupts disabled. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/sched/runq.h"

struct timerq_node {
    struct runq_node link;          /* kernel/sched/runq.h: the list and its checks */
    uint64_t deadline;              /* absolute, in the caller's time unit */
};

struct timerq {
    struct runq list;               /* head: earliest deadline */
};

#define timerq_entry(node, type, member) \
    ((type *)(void *)((char *)(node) - offsetof(type, member)))

#define TIMERQ_NONE UINT64_MAX      /* timerq_next_deadline of an empty queue */

static inline void timerq_init(struct timerq *q) { *q = (struct timerq){ 0 }; }
static inline bool timerq_queued(const struct timerq_node *n) { return runq_linked(&n->link); }
static inline size_t timerq_len(const struct timerq *q) { return runq_len(&q->list); }
static inline struct timerq_node *timerq_of(struct runq_node *l)
{
    return l ? runq_entry(l, struct timerq_node, link) : NULL;
}
static inline struct timerq_node *timerq_peek(const struct timerq *q) { return timerq_of(q->list.head); }
static inline uint64_t timerq_next_deadline(const struct timerq *q)
{
    return q->list.head ? timerq_of(q->list.head)->deadline : TIMERQ_NONE;
}

/* Queues n for `deadline`, after every entry whose deadline is <= it.
 * false (and nothing done) if n is already queued. */
bool timerq_insert(struct timerq *q, struct timerq_node *n, uint64_t deadline);
/* Unlinks n from q. false (and nothing done) if n is not on q. */
bool timerq_remove(struct timerq *q, struct timerq_node *n);
/* Removes and returns the earliest entry if its deadline is <= now, else
 * NULL. Call it in a loop to collect everything that has expired. */
struct timerq_node *timerq_pop_expired(struct timerq *q, uint64_t now);
