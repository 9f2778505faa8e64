/* The CPU-protection self-tests: each provokes one kind of fault and must
 * end in the panic report for it (checked from outside by tests/system). */
#include "kernel/core/selftest.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include <stdint.h>

/* Pointers the compiler cannot see through, so the faults really happen. */
static volatile uintptr_t unmapped_addr = 0x00007F0000000000ull;
static volatile uintptr_t null_addr = 0;
static volatile int zero = 0;

SELFTEST(pagefault, "read an unmapped address (page fault, not-present)")
{
    return (int)*(volatile uint64_t *)unmapped_addr;
}

SELFTEST(nullderef, "read through a NULL pointer (page 0 is unmapped)")
{
    return *(volatile int *)null_addr;
}

SELFTEST(nx, "execute from the heap (NX)")
{
    uint8_t *code = kmalloc(16);
    if (!code)
        return -ENOMEM;
    code[0] = 0xC3;                     /* ret */
    ((void (*)(void))(uintptr_t)code)();
    return -EFAULT;
}

SELFTEST(wx, "write to kernel text (write protection)")
{
    volatile uint8_t *text = (volatile uint8_t *)(uintptr_t)&selftest_run;
    text[0] = 0xC3;
    return -EFAULT;
}

static __attribute__((noinline)) int recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (depth > (1 << 30))              /* never: the guard page comes first */
        return 0;
    return recurse(depth + 1) + pad[0];  /* not a tail call */
}

SELFTEST(stackoverflow, "recurse until the stack's guard page")
{
    return recurse(0);
}

SELFTEST(divzero, "divide by zero")
{
    /* In assembly: GCC would turn a C "1 / x" into compares, no division. */
    uint32_t eax = 1, edx = 0;
    __asm__ volatile("divl %2" : "+a"(eax), "+d"(edx) : "r"((uint32_t)zero));
    return (int)eax;
}

SELFTEST(ud, "execute an invalid opcode (ud2)")
{
    __asm__ volatile("ud2");
    return -EFAULT;
}
