/* The selftest registry, and the CPU-protection self-tests: each provokes
 * one kind of fault and must end in the panic report for it (checked from
 * outside by tests/system). */
#include "kernel/core/selftest.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/console/kprintf.h"
#include "lib/string.h"
#include <stdint.h>

LINKSET_DEFINE(struct selftest, selftests);

int selftest_run(const char *name)
{
    LINKSET_FOREACH(struct selftest, t, selftests) {
        if (strcmp(t->name, name) == 0) {
            kprintf("selftest: running %s\n", t->name);
            return t->run();
        }
    }
    return -ENOENT;
}

void selftest_list(void)
{
    LINKSET_FOREACH(struct selftest, t, selftests)
        kprintf("  %-14s %s\n", t->name, t->help);
}
