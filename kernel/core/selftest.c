/* The selftest registry. The tests themselves are in tests/selftest/ and
 * are linked only into the test images; the shipped kernel has an empty
 * registry (kernel/main.c says so when asked for a test). */
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
