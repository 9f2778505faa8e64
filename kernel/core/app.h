/* Applications: what the unikernel runs after boot, chosen with app=NAME.
 * Each registers itself with APP(); kmain runs the chosen one in the main
 * thread. An app that returns ends the run (qemu_exit / poweroff apply);
 * a server app normally never returns. */
#pragma once
#include "kernel/linkset.h"

struct app {
    const char *name;
    const char *help;
    int (*main)(void);      /* 0 on success */
};

#define APP(name_, help_, fn_)                                                  \
    static const struct app app_entry_##name_                                         \
        LINKSET_ENTRY(apps) = { #name_, help_, fn_ }

LINKSET_DECLARE(struct app, apps);
_Static_assert(sizeof(struct app) % 8 == 0, "app stride");

const struct app *app_find(const char *name);
void app_list(void);
