/* Built-in self-tests, selected with selftest=NAME on the command line.
 * Each registers itself in the .selftests linker section. A test returns 0
 * on success; the fault tests never return (they must end in a panic). */
#pragma once

struct selftest {
    const char *name;
    const char *help;
    int (*run)(void);
};

#define SELFTEST(name_, help_)                                                  \
    static int selftest_##name_(void);                                          \
    static const struct selftest selftest_entry_##name_                         \
        __attribute__((used, section(".selftests"), aligned(8))) = {            \
            #name_, help_, selftest_##name_ };                                  \
    static int selftest_##name_(void)

/* Runs the named test; returns its result, or -ENOENT for an unknown name. */
int selftest_run(const char *name);
void selftest_list(void);
