/* Kernel stack registry: see stacks.h. A fixed table: the boot stack and
 * the IST stacks now; kernel threads will register theirs. */
#include "kernel/mm/stacks.h"
#include <stddef.h>
#include "kernel/console/kprintf.h"

#define MAX_STACKS 256             /* boot + IST + live threads */
static struct kstack stacks[MAX_STACKS];

void stack_register(const char *name, void *guard, void *bottom, void *top)
{
    for (int i = 0; i < MAX_STACKS; i++) {
        if (!stacks[i].top) {
            stacks[i] = (struct kstack){ name, (uintptr_t)guard, (uintptr_t)bottom, (uintptr_t)top };
            return;
        }
    }
    pr_warn("stacks: registry full; stack '%s' will not be named in reports\n", name);
}

void stack_unregister(void *bottom)
{
    for (int i = 0; i < MAX_STACKS; i++)
        if (stacks[i].bottom == (uintptr_t)bottom)
            stacks[i] = (struct kstack){ 0 };
}

const struct kstack *stack_find(uintptr_t addr)
{
    for (int i = 0; i < MAX_STACKS; i++)
        if (stacks[i].top && addr >= stacks[i].bottom && addr < stacks[i].top)
            return &stacks[i];
    return NULL;
}

const struct kstack *stack_find_guard(uintptr_t addr)
{
    for (int i = 0; i < MAX_STACKS; i++)
        if (stacks[i].guard && addr >= stacks[i].guard && addr < stacks[i].guard + 4096)
            return &stacks[i];
    return NULL;
}

void stack_for_each(void (*fn)(const struct kstack *s))
{
    for (int i = 0; i < MAX_STACKS; i++)
        if (stacks[i].top)
            fn(&stacks[i]);
}
