/* The run queue: a FIFO of threads.
 *
 * An intrusive doubly-linked list: the thread embeds a struct runq_node, so
 * push, pop and remove are O(1) and never allocate (they run with
 * interrupts disabled, and interrupt handlers wake threads). Each node
 * records the queue it is on, so a node queued twice or removed from the
 * wrong queue is caught. All-zero is a valid empty queue and an unqueued
 * node, so static mutexes and semaphores need no initializer.
 *
 * Pure: no kernel dependencies (tests/unit/test_sched.c runs it on the
 * host). The scheduler uses the same list for every FIFO of threads: the
 * ready threads, a wait queue's waiters, the list of all threads. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct runq;

struct runq_node {
    struct runq_node *prev, *next;
    struct runq *q;                 /* the queue it is on, NULL when on none */
};

struct runq {
    struct runq_node *head, *tail;  /* pop at head, push at tail */
    size_t len;
};

/* The structure a node is embedded in (container_of). */
#define runq_entry(node, type, member) \
    ((type *)(void *)((char *)(node) - offsetof(type, member)))

static inline void runq_init(struct runq *q) { *q = (struct runq){ 0 }; }
static inline bool runq_empty(const struct runq *q) { return q->head == NULL; }
static inline size_t runq_len(const struct runq *q) { return q->len; }
static inline bool runq_linked(const struct runq_node *n) { return n->q != NULL; }

/* Links n right after `after` (at the head when after is NULL); false
 * (and nothing done) if n is already queued or after is on another queue.
 * The building block of ordered queues (kernel/sched/timerq.c). */
bool runq_insert_after(struct runq *q, struct runq_node *after, struct runq_node *n);
/* Appends n at the tail. false (and nothing done) if n is already queued. */
bool runq_push(struct runq *q, struct runq_node *n);
/* Removes and returns the head, or NULL when empty. */
struct runq_node *runq_pop(struct runq *q);
/* Unlinks n from q. false (and nothing done) if n is not on q. */
bool runq_remove(struct runq *q, struct runq_node *n);
