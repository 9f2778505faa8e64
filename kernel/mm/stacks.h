/* A registry of kernel stacks: where each lives and where its guard page is.
 * The fault handler uses it to name the stack that overflowed, and the
 * backtrace to check that a frame pointer stays inside one stack. */
#pragma once
#include <stdint.h>

struct kstack {
    const char *name;
    uintptr_t guard;        /* guard page (unmapped), or 0 */
    uintptr_t bottom, top;  /* usable range [bottom, top) */
};

void stack_register(const char *name, void *guard, void *bottom, void *top);
void stack_unregister(void *bottom);
const struct kstack *stack_find(uintptr_t addr);        /* stack containing addr */
const struct kstack *stack_find_guard(uintptr_t addr);  /* stack whose guard holds addr */
/* Calls fn for every registered stack (vmm.c unmaps their guard pages). */
void stack_for_each(void (*fn)(const struct kstack *s));
