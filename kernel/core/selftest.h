/* Built-in self-tests, selected with selftest=NAME on the command line.
 * Each registers itself in the selftests linker set (kernel/linkset.h). A test returns 0
 * on success; the fault tests never return (they must end in a panic). */
#pragma once
#include "kernel/linkset.h"

struct selftest {
    const char *name;
    const char *help;
    int (*run)(void);
};

#define SELFTEST(name_, help_)                                                  \
    static int selftest_##name_(void);                                          \
    static const struct selftest selftest_entry_##name_                         \
        LINKSET_ENTRY(selftests) = {                                           \
            #name_, help_, selftest_##name_ };                                  \
    static int selftest_##name_(void)

LINKSET_DECLARE(struct selftest, selftests);
_Static_assert(sizeof(struct selftest) % 8 == 0, "selftest stride");

/* Runs the named test; returns its result, or -ENOENT for an unknown name. */
int selftest_run(const char *name);
void selftest_list(void);
