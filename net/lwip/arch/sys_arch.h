/* lwIP's operating-system port types (lwip/sys.h) on minnow's scheduler;
 * the functions are in net/lwip/sys_arch.c. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "kernel/sched/sched.h"

typedef struct {
    struct semaphore sem;
    bool valid;
} sys_sem_t;

typedef struct {
    struct mutex mutex;
    bool valid;
} sys_mutex_t;

/* A mailbox is a pointer to a ring of messages (NULL: invalid). */
struct sys_mbox;
typedef struct sys_mbox *sys_mbox_t;

typedef struct thread *sys_thread_t;

/* Interrupt flags from irq_save(). */
typedef uint64_t sys_prot_t;

#define sys_sem_valid(s)            ((s)->valid)
#define sys_sem_set_invalid(s)      ((s)->valid = false)
#define sys_mutex_valid(m)          ((m)->valid)
#define sys_mutex_set_invalid(m)    ((m)->valid = false)
#define sys_mbox_valid(m)           (*(m) != NULL)
#define sys_mbox_set_invalid(m)     (*(m) = NULL)
