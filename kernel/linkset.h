/* Linker sets: registries whose entries are declared where they live.
 *
 * A file adds an entry to set NAME with LINKSET_ENTRY(NAME); the file that
 * owns the registry defines the set's bounds once with LINKSET_DEFINE and
 * walks it as an array with LINKSET_FOREACH. Every registry in minnow --
 * command-line options, trace flags, init hooks, self-tests, shell
 * commands, apps, PCI and VMBus drivers -- is one of these:
 *
 *     struct app { const char *name; int (*main)(void); };       (app.h)
 *     #define APP(n, fn) static const struct app app_##n LINKSET_ENTRY(apps) = { #n, fn }
 *     LINKSET_DECLARE(struct app, apps);
 *     LINKSET_DEFINE(struct app, apps);                          (app.c)
 *     LINKSET_FOREACH(struct app, a, apps) ...
 *
 * How: entries go to input section "set_NAME_1". linker.ld collects every
 * set_* input section sorted by name, so a set's start marker ("set_NAME_0",
 * a label LINKSET_DEFINE puts there), its entries and its end
 * marker ("set_NAME_2") come out contiguous and in that order -- one
 * pattern for every set, nothing to add to linker.ld for a new one.
 * Hosted test programs are linked by the host's default script, which
 * leaves set_NAME_1 an output section of its own and defines
 * __start_set_NAME_1 / __stop_set_NAME_1 around it (GNU ld does so for any
 * section named like a C identifier): the markers are those names, so
 * hosted builds define none. The bounds are weak: a set with no entries
 * in a hosted program is empty, not a link error.
 *
 * Entries are 8-byte aligned and walked as an array: a set's type must be
 * a multiple of 8 bytes (each registry asserts it). */
#pragma once
#include <stddef.h>

#define LINKSET_ENTRY(set) __attribute__((used, section("set_" #set "_1"), aligned(8)))

#define LINKSET_DECLARE(type, set)                                              \
    extern const type __start_set_##set##_1[] __attribute__((weak));            \
    extern const type __stop_set_##set##_1[] __attribute__((weak))

#ifdef HOSTED
#define LINKSET_DEFINE(type, set) LINKSET_DECLARE(type, set)
#else
/* The bounds are labels defined in assembly, not C objects: under LTO the
 * compiler sees every C definition at once and takes two distinct objects
 * for two distinct addresses (an empty set's start == end became false). */
#define LINKSET_DEFINE(type, set)                                               \
    LINKSET_DECLARE(type, set);                                                 \
    __asm__(".pushsection set_" #set "_0, \"a\"\n.balign 8\n"                   \
            ".weak __start_set_" #set "_1\n__start_set_" #set "_1:\n.popsection\n" \
            ".pushsection set_" #set "_2, \"a\"\n.balign 8\n"                     \
            ".weak __stop_set_" #set "_1\n__stop_set_" #set "_1:\n.popsection")
#endif

#define LINKSET_BEGIN(set) (__start_set_##set##_1)
#define LINKSET_END(set)   (__stop_set_##set##_1)
#define LINKSET_COUNT(set) ((size_t)(LINKSET_END(set) - LINKSET_BEGIN(set)))
#define LINKSET_FOREACH(type, it, set)                                          \
    for (const type *it = LINKSET_BEGIN(set); it && it < LINKSET_END(set); it++)
