/* Init by level: how subsystems, buses and drivers join the boot without
 * kernel/main.c naming them (Little Kernel's LK_INIT_HOOK is the model).
 *
 * A file registers a hook with INIT_HOOK(name, fn, level); kmain runs each
 * level at its place in the init order (init_run_level), and within a
 * level the hooks in link order. Each hook's end is stamped on the boot
 * timeline under its name. Levels, in the order kmain runs them:
 *
 *   INIT_BUS     after the platform (ACPI, interrupts, clocks, threads):
 *                buses scan and bind their drivers -- PCI, VMBus
 *   INIT_STACK   after every bus: what sits on the devices found -- the
 *                network stack on the NICs
 *
 * (The platform itself -- consoles, memory, ACPI, interrupts, time,
 * threads -- is the explicit sequence in kmain: each step needs the one
 * before, and a reader should see it.) A hook that fails logs why and
 * returns; the boot goes on. */
#pragma once
#include "kernel/linkset.h"

enum init_level {
    INIT_BUS = 1,
    INIT_STACK,
};

struct init_hook {
    const char *name;
    void (*fn)(void);
    long level;             /* enum init_level */
};
_Static_assert(sizeof(struct init_hook) % 8 == 0, "init_hook stride");
LINKSET_DECLARE(struct init_hook, init_hooks);

#define INIT_HOOK(name_, fn_, level_)                                           \
    static const struct init_hook init_hook_##name_ LINKSET_ENTRY(init_hooks) = \
        { #name_, fn_, level_ }

/* Runs every hook of `level`, stamping the timeline after each. */
void init_run_level(enum init_level level);
